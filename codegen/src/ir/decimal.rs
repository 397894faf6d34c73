//! Decimal float literals (`1.5`, `-0.1`, `6.02e23`, `1e-5`) converted to the bits of an
//! IEEE 754 binary format, rounded to nearest with ties to even, as CLIF text and run lines
//! allow beside the exact hexadecimal form.
//!
//! The conversion is exact rational arithmetic on small big integers: the literal is the
//! fraction `num / den` (a decimal significand times a power of ten), its binary exponent
//! is found by comparing magnitudes, and one long division produces the significand with
//! one extra bit; the remainder is the sticky bit. That is correct for any format
//! (`w` exponent bits, `t` fraction bits, up to 128 bits in all), not only those the host
//! can parse, at the cost of speed that literals do not need.
//!
//! Input: the text of a number token without its sign (`parse_float_bits` in
//! `immediates.rs` handles signs, `Inf`, `NaN` and hex). Output: the magnitude's bits.

/// An unsigned big integer, little-endian 32-bit limbs, no trailing zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn zero() -> Self {
        Big(Vec::new())
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn trim(mut self) -> Self {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    /// `self * m + a`.
    fn mul_add_small(&self, m: u32, a: u32) -> Self {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry = a as u64;
        for &l in &self.0 {
            let v = l as u64 * m as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry != 0 {
            out.push(carry as u32);
        }
        Big(out).trim()
    }

    fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => 32 * (self.0.len() as u64 - 1) + (32 - top.leading_zeros() as u64),
        }
    }

    fn shl(&self, bits: u64) -> Self {
        if self.is_zero() {
            return Big::zero();
        }
        let (limbs, rem) = ((bits / 32) as usize, (bits % 32) as u32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            out.push((l << rem) | carry);
            carry = if rem == 0 { 0 } else { l >> (32 - rem) };
        }
        out.push(carry);
        Big(out).trim()
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self - other`, which must not be negative.
    fn sub(&self, other: &Big) -> Self {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for (i, &l) in self.0.iter().enumerate() {
            let v = l as i64 - other.0.get(i).copied().unwrap_or(0) as i64 - borrow;
            borrow = (v < 0) as i64;
            out.push(v.rem_euclid(1 << 32) as u32);
        }
        debug_assert_eq!(borrow, 0);
        Big(out).trim()
    }
}

/// A decimal literal split into significand digits and a power of ten.
struct Decimal {
    /// The significand as an integer.
    digits: Big,
    /// How many significant digits it has (leading zeros dropped).
    len: i64,
    /// The value is `digits * 10^exp10`.
    exp10: i64,
}

/// Splits `s` (`123.45e-6`: digits, an optional fraction, an optional exponent; `_`
/// between digits allowed) into a [`Decimal`].
fn split(s: &str) -> Result<Decimal, String> {
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let exp10: i64 = match exp {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err(format!("bad or out-of-range exponent in `{s}`"));
            }
            e.parse().map_err(|_| format!("bad exponent in `{s}`"))?
        }
    };
    let (int_s, frac_s) = mant.split_once('.').unwrap_or((mant, ""));
    if int_s.is_empty() && frac_s.is_empty() {
        return Err(format!("no digits in `{s}`"));
    }
    let mut digits = Big::zero();
    let mut len = 0i64;
    let mut frac_digits = 0i64;
    for (part, is_frac) in [(int_s, false), (frac_s, true)] {
        for c in part.chars() {
            if c == '_' {
                continue;
            }
            let d = c.to_digit(10).ok_or_else(|| format!("bad digit `{c}` in `{s}`"))?;
            if len > 0 || d != 0 {
                len += 1;
            }
            if len > 800 {
                return Err(format!("too many digits in `{s}`"));
            }
            digits = digits.mul_add_small(10, d);
            frac_digits += is_frac as i64;
        }
    }
    Ok(Decimal { digits, len, exp10: exp10 - frac_digits })
}

/// The bits of the unsigned decimal literal `s` in the binary format with `w` exponent
/// bits and `t` fraction bits (`w + t < 128`), correctly rounded; values too large for
/// the format become infinity and values too small zero, as IEEE 754 conversion does.
pub fn parse_decimal_bits(s: &str, w: u32, t: u32) -> Result<u128, String> {
    debug_assert!(w + t < 128 && w >= 2 && t >= 1);
    let d = split(s)?;
    let max_e = (1u128 << w) - 1;
    let infinity = max_e << t;
    if d.digits.is_zero() {
        return Ok(0);
    }
    // The decimal exponent of the leading digit bounds the value: beyond every format's
    // range the answer is known without big powers of ten (f128's largest finite value is
    // below 1.2e4932 and its smallest subnormal above 6e-4966).
    let lead10 = d.exp10 + d.len - 1;
    if lead10 > 5000 {
        return Ok(infinity);
    }
    if lead10 < -5000 {
        return Ok(0);
    }
    let bias = (max_e >> 1) as i64;
    let emin = 1 - bias;
    let (num, den) = if d.exp10 >= 0 {
        (d.digits.mul_pow10(d.exp10 as u64), Big(vec![1]))
    } else {
        (d.digits, Big(vec![1]).mul_pow10(d.exp10.unsigned_abs()))
    };
    // e2 = floor(log2(num / den)): the bit lengths give it to within one.
    let mut e2 = num.bit_len() as i64 - den.bit_len() as i64;
    let at_least = |e: i64| -> bool {
        if e >= 0 { num.cmp(&den.shl(e as u64)).is_ge() } else { num.shl(e.unsigned_abs()).cmp(&den).is_ge() }
    };
    if !at_least(e2) {
        e2 -= 1;
    }
    if e2 > bias {
        return Ok(infinity);
    }
    // The unit of the last place, less one bit for rounding.
    let ulp = e2.max(emin) - t as i64;
    let shift = -(ulp - 1);
    let (mut rem, den) = if shift >= 0 { (num.shl(shift as u64), den) } else { (num, den.shl(shift.unsigned_abs())) };
    // q < 2^(t + 2): one long division bit by bit.
    let mut q: u128 = 0;
    for bit in (0..t + 2).rev() {
        let part = den.shl(bit as u64);
        if rem.cmp(&part).is_ge() {
            rem = rem.sub(&part);
            q |= 1 << bit;
        }
    }
    debug_assert!(rem.cmp(&den).is_lt());
    let (round, sticky) = (q & 1 == 1, !rem.is_zero());
    let mut m = q >> 1;
    let mut ulp = ulp;
    if round && (sticky || m & 1 == 1) {
        m += 1;
        if m == 1 << (t + 1) {
            m >>= 1;
            ulp += 1;
        }
    }
    if m < 1 << t {
        // Subnormal (or rounded up into the smallest normal, which the next line handles).
        return Ok(m);
    }
    let biased = ulp + t as i64 + bias;
    if biased as u128 >= max_e {
        return Ok(infinity);
    }
    Ok(((biased as u128) << t) | (m & ((1 << t) - 1)))
}

impl Big {
    /// `self * 10^n`.
    fn mul_pow10(self, n: u64) -> Big {
        let mut b = self;
        for _ in 0..n / 9 {
            b = b.mul_add_small(1_000_000_000, 0);
        }
        for _ in 0..n % 9 {
            b = b.mul_add_small(10, 0);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    fn f64_bits(s: &str) -> u64 {
        parse_decimal_bits(s, 11, 52).unwrap() as u64
    }
    fn f32_bits(s: &str) -> u32 {
        parse_decimal_bits(s, 8, 23).unwrap() as u32
    }

    #[test]
    fn simple_values() {
        for s in ["0", "1", "1.5", "0.1", "123.456", "1e10", "6.02e23", "1e-5", "2.5e-324", "1.7976931348623157e308"] {
            assert_eq!(f64_bits(s), s.parse::<f64>().unwrap().to_bits(), "{s}");
            assert_eq!(f32_bits(s), s.parse::<f32>().unwrap().to_bits(), "{s}");
        }
        assert_eq!(f64_bits("1e400"), f64::INFINITY.to_bits());
        assert_eq!(f64_bits("1e-400"), 0);
        assert_eq!(f32_bits("3.4028236e38"), f32::INFINITY.to_bits());
        assert!(parse_decimal_bits("1e", 11, 52).is_err());
        assert!(parse_decimal_bits(".", 11, 52).is_err());
        assert!(parse_decimal_bits("1x", 11, 52).is_err());
    }

    /// Random literals: digit strings of many lengths, fraction points anywhere, and
    /// exponents across (and past) the range of every format.
    fn random_literal(r: &mut Rng) -> String {
        let long = r.below(4) == 0;
        let n = 1 + r.below(if long { 40 } else { 12 });
        let mut s: String = (0..n).map(|_| char::from(b'0' + r.below(10) as u8)).collect();
        if r.below(2) == 0 {
            s.insert(r.below(n + 1) as usize, '.');
            if s == "." {
                s = "0.5".into();
            }
        }
        if r.below(3) != 0 {
            let e = r.below(700) as i64 - 350;
            s += &format!("e{e}");
        }
        s
    }

    #[test]
    fn agrees_with_rusts_correctly_rounded_parse() {
        let mut r = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let s = random_literal(&mut r);
            assert_eq!(f64_bits(&s), s.parse::<f64>().unwrap().to_bits(), "{s}");
            assert_eq!(f32_bits(&s), s.parse::<f32>().unwrap().to_bits(), "{s}");
        }
    }

    /// f16 and f128 have no stable Rust type; the reference is `rustc_apfloat`'s decimal
    /// reader (LLVM's APFloat, correctly rounded), over exponents across both ranges.
    #[test]
    fn f16_and_f128_agree_with_apfloat() {
        use rustc_apfloat::Float;
        use rustc_apfloat::ieee::{Half, Quad};
        let rne = rustc_apfloat::Round::NearestTiesToEven;
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        for i in 0..20_000 {
            let mut s = random_literal(&mut r);
            if i % 2 == 0 {
                // Move the exponent into f128's range (about 1e-4966 to 1e4932).
                let mantissa = s.split('e').next().unwrap_or("1").to_string();
                s = format!("{mantissa}e{}", r.below(10_000) as i64 - 5000);
            }
            let quad = Quad::from_str_r(&s, rne).map(|x| x.value.to_bits());
            assert_eq!(parse_decimal_bits(&s, 15, 112).ok(), quad.ok(), "f128 {s}");
            let half = Half::from_str_r(&s, rne).map(|x| x.value.to_bits());
            assert_eq!(parse_decimal_bits(&s, 5, 10).ok(), half.ok(), "f16 {s}");
        }
    }

    /// For f16 the reference is Rust's f64 parse rounded to f16, which is the correctly
    /// rounded f16 unless the f64 landed exactly on a halfway point between two f16 values
    /// (double rounding); those rare strings are skipped.
    #[test]
    fn f16_agrees_with_the_rounded_f64_parse() {
        fn f64_to_f16(x: f64) -> Option<u16> {
            // Exact rounding of an f64 to f16 through its own decimal-free bits.
            let bits = x.to_bits();
            let exp = ((bits >> 52) & 0x7ff) as i64 - 1023;
            let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
            if x == 0.0 {
                return Some(0);
            }
            if exp > 15 {
                return Some(0x7c00);
            }
            // The f16 unit of the last place: 2^(max(exp, -14) - 10).
            let ulp = exp.max(-14) - 10;
            let shift = (ulp - (exp - 52)) as u32; // bits of mant below the f16 ulp
            if shift >= 64 {
                return Some(0);
            }
            let q = mant >> shift;
            let rest = mant & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            if rest == half {
                return None;
            }
            let mut m = q + (rest > half) as u64;
            let mut ulp = ulp;
            if m == 1 << 11 {
                m >>= 1;
                ulp += 1;
            }
            if m < 1 << 10 {
                return Some(m as u16);
            }
            let biased = ulp + 10 + 15;
            if biased >= 31 {
                return Some(0x7c00);
            }
            Some(((biased as u16) << 10) | (m as u16 & 0x3ff))
        }
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut compared = 0;
        for _ in 0..20_000 {
            let s = random_literal(&mut r);
            let Some(want) = f64_to_f16(s.parse::<f64>().unwrap()) else { continue };
            assert_eq!(parse_decimal_bits(&s, 5, 10).unwrap() as u16, want, "{s}");
            compared += 1;
        }
        assert!(compared > 19_000, "{compared}");
    }
}
