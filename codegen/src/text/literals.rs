//! Literal parsing shared by instructions, the preamble and run lines: integers of a given
//! width (decimal or hex, `_` separators, a sign), floats in the exact hex form, the
//! lanes of vector constants, and the escapes of string literals.
//!
//! Functions here take the token text and return a value or a message; the caller adds the
//! position. They never panic and check every overflow.

use crate::ir::immediates::parse_float_bits;
use crate::ir::types::{self, Type};

/// The text of a string literal (between its quotes) with its escapes resolved: the ones
/// Rust's `str::escape_default` writes (`\t \r \n \' \" \\` and `\u{HEX}`), so every
/// string the writer prints reads back unchanged.
pub(crate) fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(c @ ('\'' | '"' | '\\')) => out.push(c),
            Some('u') => {
                let rest = chars.as_str();
                let body = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .map(|(hex, _)| hex)
                    .ok_or("expected `{HEX}` after `\\u`")?;
                let hex = (1..=6).contains(&body.len()) && body.bytes().all(|b| b.is_ascii_hexdigit());
                let c = u32::from_str_radix(body, 16)
                    .ok()
                    .filter(|_| hex)
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("`\\u{{{body}}}` is not a character"))?;
                out.push(c);
                chars = rest[body.len() + 2..].chars();
            }
            Some(c) => return Err(format!("unknown escape `\\{c}` in a string")),
            None => return Err("a string ends with a lone `\\`".to_string()),
        }
    }
    Ok(out)
}

/// A parsed integer literal: sign and magnitude, so each context can check its own range.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct IntLit {
    pub negative: bool,
    pub magnitude: u128,
}

/// Parses `[+-](0x<hex>|<decimal>)` with `_` separators.
pub(crate) fn parse_int(s: &str) -> Result<IntLit, String> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(h) => (16u32, h),
        None => (10u32, body),
    };
    let mut magnitude: u128 = 0;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(radix).ok_or_else(|| format!("`{s}` is not an integer"))?;
        magnitude = magnitude
            .checked_mul(radix as u128)
            .and_then(|m| m.checked_add(d as u128))
            .ok_or_else(|| format!("integer `{s}` is too large"))?;
        any = true;
    }
    if !any {
        return Err(format!("`{s}` is not an integer"));
    }
    Ok(IntLit { negative, magnitude })
}

/// The bits of an integer literal as a `bits`-wide two's complement value. Accepts the
/// signed range and the unsigned range of the width (`0xffff_ffff` and `-1` both fit 32
/// bits).
pub(crate) fn int_bits(s: &str, bits: u32) -> Result<u128, String> {
    let lit = parse_int(s)?;
    let bits = bits.clamp(1, 128);
    let mask = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    if lit.negative {
        if lit.magnitude > 1u128 << (bits - 1) {
            return Err(format!("`{s}` does not fit in {bits} bits"));
        }
        Ok(lit.magnitude.wrapping_neg() & mask)
    } else {
        if lit.magnitude > mask {
            return Err(format!("`{s}` does not fit in {bits} bits"));
        }
        Ok(lit.magnitude)
    }
}

/// A 64-bit immediate: signed or unsigned 64-bit range, kept as its bits.
pub(crate) fn parse_imm64(s: &str) -> Result<i64, String> {
    int_bits(s, 64).map(|b| b as u64 as i64)
}

/// A signed integer in `[min, max]`.
pub(crate) fn parse_signed(s: &str, min: i128, max: i128) -> Result<i128, String> {
    let lit = parse_int(s)?;
    let value =
        if lit.negative { 0i128.checked_sub_unsigned(lit.magnitude) } else { i128::try_from(lit.magnitude).ok() };
    match value {
        Some(v) if v >= min && v <= max => Ok(v),
        _ => Err(format!("`{s}` is out of range ({min} to {max})")),
    }
}

/// An unsigned integer in `[0, max]`, without a sign.
pub(crate) fn parse_unsigned(s: &str, max: u128) -> Result<u128, String> {
    let lit = parse_int(s)?;
    if lit.negative || s.starts_with('+') || lit.magnitude > max {
        return Err(format!("`{s}` is out of range (0 to {max})"));
    }
    Ok(lit.magnitude)
}

/// Parses a float literal of the given type (`f16`, `f32`, `f64` or `f128`) into its
/// bits. The exponent is bounded first so that absurd exponents are an error rather than
/// an overflow.
pub(crate) fn parse_float(s: &str, ty: Type) -> Result<u128, String> {
    let (w, t) = match ty.bits() {
        16 => (5, 10),
        32 => (8, 23),
        64 => (11, 52),
        _ => (15, 112),
    };
    let body = s.trim_start_matches(['+', '-']);
    if let Some(hex) = body.strip_prefix("0x")
        && let Some(i) = hex.find(['p', 'P'])
    {
        let exp = &hex[i + 1..];
        let digits = exp.trim_start_matches(['+', '-']);
        if digits.len() > 6 || digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!("bad or out-of-range exponent in `{s}`"));
        }
    }
    if body.len() > 80 {
        return Err(format!("float literal `{s}` is too long"));
    }
    parse_float_bits(s, w, t)
}

/// Parses one lane of a vector literal (or a scalar run-line value) of type `lane` into
/// its little-endian bits. `true`/`false` are accepted as 1/0 for `i8`.
pub(crate) fn parse_scalar_bits(s: &str, lane: Type) -> Result<u128, String> {
    if lane.is_float() {
        return parse_float(s, lane);
    }
    if lane == types::I8 {
        match s {
            "true" => return Ok(1),
            "false" => return Ok(0),
            _ => {}
        }
    }
    if !lane.is_int() || lane.is_vector() {
        return Err(format!("cannot write a literal of type {lane}"));
    }
    int_bits(s, lane.bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_imm64("-1"), Ok(-1));
        assert_eq!(parse_imm64("0xffff_ffff"), Ok(0xffff_ffff));
        assert_eq!(parse_imm64("0xffff_ffff_ffff_ffff"), Ok(-1));
        assert_eq!(parse_imm64("-9223372036854775808"), Ok(i64::MIN));
        assert!(parse_imm64("0x1_0000_0000_0000_0000").is_err());
        assert!(parse_imm64("-9223372036854775809").is_err());
        assert!(parse_imm64("0x").is_err());
        assert!(parse_imm64("12a").is_err());
        assert!(parse_imm64("1.5").is_err());
        assert_eq!(int_bits("-1", 8), Ok(0xff));
        assert_eq!(int_bits("255", 8), Ok(0xff));
        assert!(int_bits("256", 8).is_err());
        assert!(int_bits("-129", 8).is_err());
        assert_eq!(int_bits("0xffffffff_ffffffff_ffffffff_ffffffff", 128), Ok(u128::MAX));
        assert_eq!(int_bits("-170141183460469231731687303715884105728", 128), Ok(1u128 << 127));
        assert!(parse_int("0x1_00000000_00000000_00000000_00000000").is_err());
        assert_eq!(parse_signed("-8", i32::MIN as i128, i32::MAX as i128), Ok(-8));
        assert!(parse_signed("0x80000000", i32::MIN as i128, i32::MAX as i128).is_err());
        assert_eq!(parse_unsigned("255", 255), Ok(255));
        assert!(parse_unsigned("-1", 255).is_err());
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float("0x1.8p3", types::F64), Ok(12.0f64.to_bits().into()));
        assert_eq!(parse_float("-0x0.0p0", types::F32), Ok(0x8000_0000));
        assert_eq!(parse_float("+NaN:0x1", types::F32), Ok(0x7fc0_0001));
        assert!(parse_float("0x1p9223372036854775807", types::F64).is_err());
        assert!(parse_float("0x1p-99999999", types::F64).is_err());
        assert_eq!(parse_float("1.0", types::F64), Ok(1.0f64.to_bits().into()));
        assert_eq!(parse_float("-1.5e-3", types::F32), Ok((-1.5e-3f32).to_bits().into()));
        assert!(parse_float("1.0.0", types::F64).is_err());
        assert!(parse_float("1e+", types::F64).is_err());
        assert_eq!(parse_scalar_bits("true", types::I8), Ok(1));
        assert_eq!(parse_scalar_bits("-1", types::I16), Ok(0xffff));
    }
}
