//! Immediate operands: integers, offsets and IEEE floats kept as exact bit patterns.
//!
//! Floats are stored as bits so that NaN payloads and signed zeros survive parsing,
//! printing and constant folding unchanged. Their text form is the exact hexadecimal one
//! (`0x1.8p3`, `-0x0.0p0`, `+Inf`, `+NaN:0x1`, `+sNaN:0x1`), formatted and parsed here.

use std::fmt;

/// A 64-bit integer immediate (`iconst`, `iadd_imm`, ...). Narrower types use the low bits;
/// the text form is decimal when small and hex otherwise.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Imm64(pub i64);

impl Imm64 {
    /// The immediate's bits.
    pub fn bits(self) -> i64 {
        self.0
    }
}

impl From<i64> for Imm64 {
    fn from(x: i64) -> Self {
        Imm64(x)
    }
}

impl fmt::Display for Imm64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if (-10_000..=10_000).contains(&x) {
            write!(f, "{x}")
        } else if x < 0 {
            // Negative values print as a negated magnitude, which reads the same in every
            // integer type (`-0x3800_0000` rather than 64 bits of sign extension).
            f.write_str("-")?;
            write_hex_grouped(f, x.unsigned_abs())
        } else {
            write_hex_grouped(f, x as u64)
        }
    }
}

/// Writes `0x` and the hex digits of `x` in groups of four separated by `_`, without
/// leading zero groups.
pub fn write_hex_grouped(f: &mut dyn fmt::Write, x: u64) -> fmt::Result {
    let digits = format!("{x:x}");
    f.write_str("0x")?;
    let first = digits.len() % 4;
    let mut out = String::new();
    if first != 0 {
        out.push_str(&digits[..first]);
    }
    for (i, chunk) in digits.as_bytes()[first..].chunks(4).enumerate() {
        if i > 0 || first != 0 {
            out.push('_');
        }
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
    }
    f.write_str(&out)
}

/// A signed 32-bit address offset, printed as `+N` / `-N` after the address (`v1+8`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Offset32(pub i32);

impl From<i32> for Offset32 {
    fn from(x: i32) -> Self {
        Offset32(x)
    }
}

impl fmt::Display for Offset32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return Ok(());
        }
        if self.0 > 0 { write!(f, "+{}", self.0) } else { write!(f, "{}", self.0) }
    }
}

/// A 32-bit float immediate, as its bits.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Ieee32(pub u32);

/// A 64-bit float immediate, as its bits.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Ieee64(pub u64);

/// A 16-bit (half precision) float immediate, as its bits.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Ieee16(pub u16);

/// A 128-bit (quadruple precision) float, as its bits: the value of `f128const`, which
/// keeps it in the function's constant pool (little-endian bytes).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Ieee128(pub u128);

impl Ieee32 {
    /// From a Rust float (exact).
    pub fn with_float(x: f32) -> Self {
        Ieee32(x.to_bits())
    }
    /// The float value.
    pub fn as_f32(self) -> f32 {
        f32::from_bits(self.0)
    }
}

impl Ieee64 {
    /// From a Rust float (exact).
    pub fn with_float(x: f64) -> Self {
        Ieee64(x.to_bits())
    }
    /// The float value.
    pub fn as_f64(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl From<f32> for Ieee32 {
    fn from(x: f32) -> Self {
        Self::with_float(x)
    }
}

impl From<f64> for Ieee64 {
    fn from(x: f64) -> Self {
        Self::with_float(x)
    }
}

impl fmt::Display for Ieee16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_float(f, self.0.into(), 5, 10)
    }
}

impl fmt::Display for Ieee32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_float(f, self.0.into(), 8, 23)
    }
}

impl fmt::Display for Ieee64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_float(f, self.0.into(), 11, 52)
    }
}

impl fmt::Display for Ieee128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_float(f, self.0, 15, 112)
    }
}

/// Formats an IEEE float given by its bits, exponent width `w` and significand width `t`,
/// in the exact hex form.
fn format_float(f: &mut fmt::Formatter<'_>, bits: u128, w: u32, t: u32) -> fmt::Result {
    let max_e = (1u128 << w) - 1;
    let bias = (max_e >> 1) as i64;
    let sign = bits >> (w + t) & 1 != 0;
    let e = (bits >> t) & max_e;
    let frac = bits & ((1u128 << t) - 1);
    let sign_s = if sign { "-" } else { "" };
    if e == max_e {
        let plus = if sign { "-" } else { "+" };
        if frac == 0 {
            return write!(f, "{plus}Inf");
        }
        let quiet_bit = 1u128 << (t - 1);
        let payload = frac & (quiet_bit - 1);
        if frac & quiet_bit != 0 {
            if payload == 0 {
                return write!(f, "{plus}NaN");
            }
            return write!(f, "{plus}NaN:{payload:#x}");
        }
        return write!(f, "{plus}sNaN:{payload:#x}");
    }
    // Significand digits: pad the fraction to a whole number of hex digits.
    let digits = t.div_ceil(4);
    let frac_padded = frac << (digits * 4 - t);
    let mut frac_s = format!("{:0width$x}", frac_padded, width = digits as usize);
    while frac_s.len() > 1 && frac_s.ends_with('0') {
        frac_s.pop();
    }
    if e == 0 {
        if frac == 0 {
            return write!(f, "{sign_s}0x0.0p0");
        }
        // Subnormal: 0x0.fff p(1-bias).
        return write!(f, "{sign_s}0x0.{frac_s}p{}", 1 - bias);
    }
    write!(f, "{sign_s}0x1.{frac_s}p{}", e as i64 - bias)
}

/// Parses the exact text form of a float with exponent width `w` and significand width
/// `t` into its bits. Accepts `[+-]0x<hex>[.<hex>][p<exp>]`, `[+-]Inf`, `[+-]NaN`,
/// `[+-]NaN:0x<payload>` and `[+-]sNaN:0x<payload>`. Values that cannot be represented
/// exactly are an error (no rounding in literals).
pub fn parse_float_bits(s: &str, w: u32, t: u32) -> Result<u128, String> {
    let max_e = (1u128 << w) - 1;
    let bias = (max_e >> 1) as i64;
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let sign_bit = (neg as u128) << (w + t);
    let quiet_bit = 1u128 << (t - 1);
    if body == "Inf" {
        return Ok(sign_bit | (max_e << t));
    }
    if body == "NaN" {
        return Ok(sign_bit | (max_e << t) | quiet_bit);
    }
    for (prefix, quiet) in [("NaN:", true), ("sNaN:", false)] {
        if let Some(p) = body.strip_prefix(prefix) {
            let payload = parse_hex_u128(p.strip_prefix("0x").ok_or("NaN payload must be hex")?)
                .ok_or_else(|| format!("bad NaN payload `{p}`"))?;
            if payload >= quiet_bit {
                return Err(format!("NaN payload `{p}` is too large"));
            }
            if !quiet && payload == 0 {
                return Err("a signalling NaN needs a non-zero payload".into());
            }
            let q = if quiet { quiet_bit } else { 0 };
            return Ok(sign_bit | (max_e << t) | q | payload);
        }
    }
    let Some(hex) = body.strip_prefix("0x") else {
        // A decimal literal, rounded to nearest like every IEEE conversion.
        return super::decimal::parse_decimal_bits(body, w, t).map(|bits| sign_bit | bits);
    };
    let (mant, exp) = match hex.find(['p', 'P']) {
        Some(i) => (&hex[..i], Some(&hex[i + 1..])),
        None => (hex, None),
    };
    let exp: i64 = match exp {
        Some(e) => e.parse().map_err(|_| format!("bad exponent in `{s}`"))?,
        None => 0,
    };
    // Far beyond any float's range; bounding it keeps the arithmetic below from overflowing.
    if !(-100_000..=100_000).contains(&exp) {
        return Err(format!("exponent out of range in `{s}`"));
    }
    let (int_s, frac_s) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int_s.is_empty() && frac_s.is_empty() {
        return Err(format!("no digits in `{s}`"));
    }
    // Accumulate the significand as an integer of up to 128 bits.
    let mut sig: u128 = 0;
    let mut frac_digits = 0i64;
    for (i, c) in int_s.chars().chain(frac_s.chars()).enumerate() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(16).ok_or_else(|| format!("bad digit `{c}` in `{s}`"))? as u128;
        if sig >> 120 != 0 {
            return Err(format!("too many digits in `{s}`"));
        }
        sig = (sig << 4) | d;
        if i >= int_s.len() {
            frac_digits += 1;
        }
    }
    if sig == 0 {
        return Ok(sign_bit);
    }
    // value = sig * 2^(exp - 4*frac_digits)
    let mut e2 = exp.checked_sub(4 * frac_digits).ok_or("exponent out of range")?;
    // Normalise so that the leading 1 is at bit t.
    let lead = 127 - sig.leading_zeros() as i64;
    let shift = lead - t as i64;
    let exact = |sig: u128, sh: i64| -> Option<u128> {
        if sh <= 0 {
            Some(sig << (-sh))
        } else if sig & ((1u128 << sh) - 1) == 0 {
            Some(sig >> sh)
        } else {
            None
        }
    };
    let mut m = exact(sig, shift).ok_or_else(|| format!("`{s}` is not exactly representable"))?;
    e2 += shift;
    // Now value = m * 2^e2 with m in [2^t, 2^(t+1)); the biased exponent:
    let mut biased = e2 + t as i64 + bias;
    if biased >= max_e as i64 {
        return Err(format!("`{s}` is too large for the type"));
    }
    if biased <= 0 {
        // Subnormal: shift right by 1 - biased.
        let sh = 1 - biased;
        if sh > t as i64 + 1 {
            return Err(format!("`{s}` is too small for the type"));
        }
        m = exact(m, sh).ok_or_else(|| format!("`{s}` is not exactly representable"))?;
        biased = 0;
    }
    let frac = m & ((1u128 << t) - 1);
    Ok(sign_bit | ((biased as u128) << t) | frac)
}

fn parse_hex_u128(s: &str) -> Option<u128> {
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() {
        return None;
    }
    u128::from_str_radix(&cleaned, 16).ok()
}

impl std::str::FromStr for Ieee16 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_float_bits(s, 5, 10).map(|b| Ieee16(b as u16))
    }
}

impl std::str::FromStr for Ieee128 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_float_bits(s, 15, 112).map(Ieee128)
    }
}

impl std::str::FromStr for Ieee32 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_float_bits(s, 8, 23).map(|b| Ieee32(b as u32))
    }
}

impl std::str::FromStr for Ieee64 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_float_bits(s, 11, 52).map(|b| Ieee64(b as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_text_round_trips() {
        for (text, value) in [
            ("0x1.8p3", 12.0f64),
            ("-0x0.0p0", -0.0),
            ("0x0.0p0", 0.0),
            ("0x1.0p-1", 0.5),
            ("0x1.0p-1022", f64::MIN_POSITIVE),
        ] {
            let x: Ieee64 = text.parse().unwrap();
            assert_eq!(x.0, value.to_bits(), "{text}");
            assert_eq!(x.to_string(), text);
        }
        let five: Ieee64 = "0x5.0".parse().unwrap();
        assert_eq!(five.as_f64(), 5.0);
        assert_eq!(five.to_string(), "0x1.4p2");
        let sub: Ieee32 = "0x0.000002p-126".parse().unwrap();
        assert_eq!(sub.0, 1);
        assert_eq!(sub.to_string(), "0x0.000002p-126");
        for s in ["+Inf", "-Inf", "+NaN", "-NaN", "+NaN:0x1", "+sNaN:0x1", "-sNaN:0x80001"] {
            let x: Ieee32 = s.parse().unwrap();
            assert_eq!(x.to_string(), s);
            let y: Ieee64 = s.parse().unwrap();
            assert_eq!(y.to_string(), s);
        }
        assert_eq!("NaN".parse::<Ieee32>().unwrap().to_string(), "+NaN");
        assert_eq!("1.5".parse::<Ieee64>().unwrap().to_string(), "0x1.8p0");
        assert_eq!("-0.1".parse::<Ieee32>().unwrap().to_string(), "-0x1.99999ap-4");
        assert!("0x1.000001p0".parse::<Ieee32>().is_err(), "not exact in f32");
        assert!("0x1p200".parse::<Ieee32>().is_err());
        assert!("+sNaN:0x0".parse::<Ieee32>().is_err());
        assert!("0x1p9223372036854775807".parse::<Ieee64>().is_err(), "huge exponents are errors, not overflows");
        assert!("0x1p-9223372036854775808".parse::<Ieee32>().is_err());
    }

    #[test]
    fn every_f32_bit_pattern_sample_round_trips() {
        let mut x: u32 = 1;
        for _ in 0..20_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let s = Ieee32(x).to_string();
            let back: Ieee32 = s.parse().unwrap();
            assert_eq!(back.0, x, "{s}");
        }
    }

    #[test]
    fn imm_formats() {
        assert_eq!(Imm64(-5).to_string(), "-5");
        assert_eq!(Imm64(0xffff_0000).to_string(), "0xffff_0000");
        assert_eq!(Imm64(-1i64 << 40).to_string(), "-0x100_0000_0000");
        assert_eq!(Imm64(i64::MIN).to_string(), "-0x8000_0000_0000_0000");
        assert_eq!(Offset32(8).to_string(), "+8");
        assert_eq!(Offset32(-8).to_string(), "-8");
        assert_eq!(Offset32(0).to_string(), "");
    }
}
