//! IEEE 754 arithmetic on floats given as bits, for `f16` and `f128`, which have no stable
//! Rust type: arithmetic, rounding, comparison and conversions (docs/ir.md, "Floating
//! point"), with round-to-nearest-even,
//! computed by `rustc_apfloat` (the port of LLVM's APFloat that rustc itself uses for
//! constant evaluation). NaN results are the canonical quiet NaN.
//!
//! One copy serves everyone who computes these floats: the interpreter (which keeps
//! `f32`/`f64` alone on Rust's native floats) and the JIT's library routines behind the
//! `f16`/`f128` [`LibCall`](crate::ir::LibCall)s, so compiled code and the interpreter
//! agree bit for bit.
//!
//! APFloat has no square root. `f16`'s is `f64`'s rounded to `f16`, which is correctly
//! rounded because `f64` carries more than twice `f16`'s precision plus two bits (the
//! classic condition under which rounding twice is harmless for square roots); `f128`'s
//! is computed exactly with integers ([`sqrt_f128`]).

use crate::ir::{FloatCC, Opcode, TrapCode};
use rustc_apfloat::ieee::{Double, Half, Quad, Single};
use rustc_apfloat::{Float, FloatConvert, Round};
use std::cmp::Ordering;

const RNE: Round = Round::NearestTiesToEven;

/// The canonical quiet NaN of the float type of `bits` bits.
pub fn canonical_nan(bits: u32) -> u128 {
    match bits {
        16 => 0x7e00,
        32 => 0x7fc0_0000,
        64 => 0x7ff8_0000_0000_0000,
        _ => 0x7fff_8000_u128 << 96,
    }
}

/// Runs `$body` with `$F` bound to the APFloat type of a float `$bits` wide.
macro_rules! with_float {
    ($bits:expr, $F:ident => $body:expr) => {
        match $bits {
            16 => {
                type $F = Half;
                $body
            }
            32 => {
                type $F = Single;
                $body
            }
            64 => {
                type $F = Double;
                $body
            }
            _ => {
                type $F = Quad;
                $body
            }
        }
    };
}

fn canon<F: Float>(x: F) -> u128 {
    if x.is_nan() { canonical_nan(F::BITS as u32) } else { x.to_bits() }
}

/// One arithmetic or rounding opcode on floats of `bits` bits given as bits; `None` for
/// an opcode that is not one.
pub fn arith(bits: u32, op: Opcode, a: u128, b: u128, c: u128) -> Option<u128> {
    with_float!(bits, F => arith_in::<F>(op, a, b, c))
}

fn arith_in<F: Float>(op: Opcode, a: u128, b: u128, c: u128) -> Option<u128> {
    let (x, y, z) = (F::from_bits(a), F::from_bits(b), F::from_bits(c));
    use Opcode::*;
    let r = match op {
        Fadd => x.add_r(y, RNE).value,
        Fsub => x.sub_r(y, RNE).value,
        Fmul => x.mul_r(y, RNE).value,
        Fdiv => x.div_r(y, RNE).value,
        Fma => x.mul_add_r(y, z, RNE).value,
        Sqrt => return Some(sqrt(F::BITS as u32, a)),
        Fmin | Fmax if x.is_nan() || y.is_nan() => F::NAN,
        // Equal operands differ at most in the sign of zero: -0.0 is the smaller.
        Fmin if x == y => {
            if x.is_negative() {
                x
            } else {
                y
            }
        }
        Fmax if x == y => {
            if x.is_negative() {
                y
            } else {
                x
            }
        }
        Fmin => {
            if x < y {
                x
            } else {
                y
            }
        }
        Fmax => {
            if x > y {
                x
            } else {
                y
            }
        }
        Ceil => x.round_to_integral(Round::TowardPositive).value,
        Floor => x.round_to_integral(Round::TowardNegative).value,
        Trunc => x.round_to_integral(Round::TowardZero).value,
        Nearest => x.round_to_integral(RNE).value,
        _ => return None,
    };
    Some(canon(r))
}

/// The square root of a float of `bits` bits (16 or 128 here).
fn sqrt(bits: u32, a: u128) -> u128 {
    if bits == 128 {
        return sqrt_f128(a);
    }
    let wide = f64::from_bits(convert(bits, 64, a) as u64).sqrt();
    convert(64, bits, u128::from(canon_f64(wide)))
}

fn canon_f64(x: f64) -> u64 {
    if x.is_nan() { canonical_nan(64) as u64 } else { x.to_bits() }
}

/// The comparison `cond` of two floats of `bits` bits.
pub fn compare(bits: u32, cond: FloatCC, a: u128, b: u128) -> bool {
    let ord = with_float!(bits, F => F::from_bits(a).partial_cmp(&F::from_bits(b)));
    let (uno, lt, eq, gt) = match ord {
        None => (true, false, false, false),
        Some(Ordering::Less) => (false, true, false, false),
        Some(Ordering::Equal) => (false, false, true, false),
        Some(Ordering::Greater) => (false, false, false, true),
    };
    match cond {
        FloatCC::Ordered => !uno,
        FloatCC::Unordered => uno,
        FloatCC::Equal => eq,
        FloatCC::NotEqual => !eq,
        FloatCC::OrderedNotEqual => lt || gt,
        FloatCC::UnorderedOrEqual => uno || eq,
        FloatCC::LessThan => lt,
        FloatCC::LessThanOrEqual => lt || eq,
        FloatCC::GreaterThan => gt,
        FloatCC::GreaterThanOrEqual => gt || eq,
        FloatCC::UnorderedOrLessThan => uno || lt,
        FloatCC::UnorderedOrLessThanOrEqual => uno || lt || eq,
        FloatCC::UnorderedOrGreaterThan => uno || gt,
        FloatCC::UnorderedOrGreaterThanOrEqual => uno || gt || eq,
    }
}

/// A float of `from` bits converted to `to` bits, rounding to nearest even (exact when
/// widening).
pub fn convert(from: u32, to: u32, a: u128) -> u128 {
    with_float!(from, S => with_float!(to, T => convert_in::<S, T>(a)))
}

fn convert_in<S: Float + FloatConvert<T>, T: Float>(a: u128) -> u128 {
    let mut loses_info = false;
    let r: T = S::from_bits(a).convert_r(RNE, &mut loses_info).value;
    canon(r)
}

/// A float of `bits` bits to an `n`-bit integer, rounding toward zero; out of range (and
/// NaN) traps, or saturates (NaN to 0) with `saturate`.
pub fn to_int(bits: u32, a: u128, n: u32, signed: bool, saturate: bool) -> Result<u128, TrapCode> {
    with_float!(bits, F => to_int_in::<F>(a, n, signed, saturate))
}

fn to_int_in<F: Float>(a: u128, n: u32, signed: bool, saturate: bool) -> Result<u128, TrapCode> {
    let x = F::from_bits(a);
    if x.is_nan() {
        return if saturate { Ok(0) } else { Err(TrapCode::BadConversionToInteger) };
    }
    let t = x.round_to_integral(Round::TowardZero).value;
    // 2^k as a float of this type (infinite when the type cannot hold it, which is then
    // still the right bound).
    let two_pow = |k: u32| F::from_u128(1).value.scalbn(k as i32);
    let (lo, hi) = if signed { (-two_pow(n - 1), two_pow(n - 1)) } else { (-F::ZERO, two_pow(n)) };
    let below = if signed { t < lo } else { t.is_negative() && !t.is_zero() };
    if below {
        return if saturate { Ok(if signed { 1u128 << (n - 1) } else { 0 }) } else { Err(TrapCode::IntegerOverflow) };
    }
    if t >= hi {
        return if saturate { Ok(if signed { mask(n) >> 1 } else { mask(n) }) } else { Err(TrapCode::IntegerOverflow) };
    }
    // In range, so the conversion is exact.
    let mut exact = false;
    let r = if signed {
        t.to_i128_r(128, Round::TowardZero, &mut exact).value as u128
    } else {
        t.to_u128_r(128, Round::TowardZero, &mut exact).value
    };
    Ok(r & mask(n))
}

/// An `n`-bit integer (`x`, its bits) to a float of `bits` bits, rounding to nearest even.
pub fn from_int(bits: u32, x: u128, n: u32, signed: bool) -> u128 {
    with_float!(bits, F => {
        let f = if signed {
            F::from_i128_r(sext(x, n), RNE).value
        } else {
            F::from_u128_r(x & mask(n), RNE).value
        };
        canon(f)
    })
}

/// The low `n` bits set.
fn mask(n: u32) -> u128 {
    if n >= 128 { u128::MAX } else { (1u128 << n) - 1 }
}

/// The low `n` (1 to 128) bits of `bits` read as a two's complement number.
fn sext(bits: u128, n: u32) -> i128 {
    let shift = 128 - n.clamp(1, 128);
    ((bits << shift) as i128) >> shift
}

/// The full 256-bit product of two 128-bit integers, as (high, low).
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const M: u128 = u64::MAX as u128;
    let (a0, a1, b0, b1) = (a & M, a >> 64, b & M, b >> 64);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & M) + (p10 & M);
    ((p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64)), (p00 & M) | (mid << 64))
}

/// The 256-bit number (high, low) shifted left by `k` (< 256) bits; the caller keeps the
/// result below 2^256.
fn shl_wide((hi, lo): (u128, u128), k: u32) -> (u128, u128) {
    match k {
        0 => (hi, lo),
        1..128 => ((hi << k) | (lo >> (128 - k)), lo << k),
        _ => (lo << (k - 128), 0),
    }
}

/// The correctly rounded square root of an `f128` given by its bits.
pub fn sqrt_f128(a: u128) -> u128 {
    const T: u32 = 112;
    const BIAS: i64 = 16383;
    let sign = a >> 127 != 0;
    let e = ((a >> T) & 0x7fff) as i64;
    let frac = a & mask(T);
    if e == 0x7fff {
        // NaN stays NaN; +Inf is its own root; -Inf has none.
        return if frac != 0 || sign { canonical_nan(128) } else { a };
    }
    if e == 0 && frac == 0 {
        return a; // ±0
    }
    if sign {
        return canonical_nan(128);
    }
    // The value is m * 2^exp with m an integer.
    let (mut m, mut exp) = if e == 0 { (frac, 1 - BIAS - T as i64) } else { (frac | 1 << T, e - BIAS - T as i64) };
    if exp & 1 != 0 {
        m <<= 1;
        exp -= 1;
    }
    // Scale m by an even power of two so that its root has at least 115 bits (113, a
    // rounding bit and one more); the remainder tells whether anything lies beyond.
    let lm = 128 - m.leading_zeros();
    let k2 = (230 - lm).next_multiple_of(2);
    let n = shl_wide((0, m), k2);
    let mut root: u128 = 0;
    for i in (0..128).rev() {
        let cand = root | 1u128 << i;
        if mul_wide(cand, cand) <= n {
            root = cand;
        }
    }
    let sticky = mul_wide(root, root) != n;
    // sqrt(value) = root(.sticky) * 2^((exp - k2) / 2); round root to 113 bits.
    let len = 128 - root.leading_zeros();
    let shift = len - (T + 1);
    let mut q = root >> shift;
    let rest = root & mask(shift);
    let half = 1u128 << (shift - 1);
    if rest > half || (rest == half && (sticky || q & 1 == 1)) {
        q += 1;
    }
    let mut scale = (exp - k2 as i64) / 2 + shift as i64;
    if q >> (T + 1) != 0 {
        q >>= 1;
        scale += 1;
    }
    // The root of any finite f128 is a normal number, so the biased exponent is in range.
    let biased = scale + T as i64 + BIAS;
    ((biased as u128) << T) | (q & mask(T))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_to_f128(x: f64) -> u128 {
        convert(64, 128, u128::from(x.to_bits()))
    }

    #[test]
    fn f128_sqrt_of_squares_and_known_roots() {
        for x in [1.0f64, 4.0, 9.0, 0.25, 1e300, 2.0f64.powi(-1000)] {
            let sq = arith(128, Opcode::Fmul, f64_to_f128(x), f64_to_f128(x), 0).unwrap();
            assert_eq!(sqrt_f128(sq), f64_to_f128(x), "sqrt({x}^2)");
        }
        // sqrt(2) in binary128: 0x1.6a09e667f3bcc908b2fb1366ea95p0 (round to nearest).
        let two = f64_to_f128(2.0);
        assert_eq!(sqrt_f128(two), 0x3fff_6a09_e667_f3bc_c908_b2fb_1366_ea95);
        // The smallest subnormal is 2^-16494; its root is 2^-8247.
        assert_eq!(sqrt_f128(1), ((16383 - 8247) as u128) << 112);
        assert_eq!(sqrt_f128(f64_to_f128(-1.0)), canonical_nan(128));
        assert_eq!(sqrt_f128(1u128 << 127), 1u128 << 127, "-0 is its own root");
    }

    #[test]
    fn f128_sqrt_is_correctly_rounded() {
        // r is the correctly rounded root of x exactly when x lies between the squares of
        // the midpoints around r: check (r - ulp/2)^2 < x < (r + ulp/2)^2 in f128 terms by
        // squaring with fused multiply-add residuals of the opposite signs.
        let mut rng = crate::test_rng::Rng(7);
        for _ in 0..2000 {
            let bits = (u128::from(rng.next()) << 64 | u128::from(rng.next())) & !(1u128 << 127);
            if (bits >> 112) & 0x7fff == 0x7fff {
                continue;
            }
            let r = sqrt_f128(bits);
            let ulp_up = r + 1;
            let ulp_down = r - 1;
            // |x - r^2| must not exceed |x - s^2| for either neighbour s of r.
            let res = |s: u128| {
                let neg_s = s ^ (1u128 << 127);
                arith(128, Opcode::Fma, neg_s, s, bits).unwrap() & !(1u128 << 127)
            };
            let cmp = |p: u128, q: u128| compare(128, FloatCC::LessThanOrEqual, p, q);
            assert!(cmp(res(r), res(ulp_up)) && cmp(res(r), res(ulp_down)), "sqrt of {bits:#x} gave {r:#x}");
        }
    }

    #[test]
    fn f16_arithmetic_and_conversions() {
        // 1.5 + 2.25 = 3.75; f16 1.5 = 0x3e00, 2.25 = 0x4080, 3.75 = 0x4380.
        assert_eq!(arith(16, Opcode::Fadd, 0x3e00, 0x4080, 0), Some(0x4380));
        // 65504 (the largest f16, odd significand) + 8 rounds back to 65504; + 16 is the
        // tie with 65536, which goes to the even side and so overflows to infinity.
        assert_eq!(arith(16, Opcode::Fadd, 0x7bff, 0x4800, 0), Some(0x7bff));
        assert_eq!(arith(16, Opcode::Fadd, 0x7bff, 0x4c00, 0), Some(0x7c00));
        assert_eq!(arith(16, Opcode::Sqrt, 0x4400, 0, 0), Some(0x4000), "sqrt(4) = 2");
        assert_eq!(convert(16, 32, 0x3c00), u128::from(1.0f32.to_bits()));
        assert_eq!(convert(32, 16, u128::from(65520.0f32.to_bits())), 0x7c00, "ties to even, up to inf");
        assert_eq!(to_int(16, 0xc500, 32, true, false).ok(), Some(mask(32) - 4), "-5.0 to i32");
        assert!(to_int(16, 0x7c00, 32, true, false).is_err());
        assert_eq!(to_int(16, 0x7c00, 8, false, true).ok(), Some(255));
        assert_eq!(from_int(16, 2049, 32, false), 0x6800, "2049 ties to 2048");
        assert!(compare(16, FloatCC::Unordered, 0x7e00, 0x3c00));
        assert!(compare(128, FloatCC::LessThan, f64_to_f128(1.0), f64_to_f128(2.0)));
    }
}
