//! The `f16` and `f128` routines behind their [`LibCall`](lathe_codegen::ir::LibCall)s,
//! for compiled code that runs in this process (an object file links libgcc's instead).
//!
//! System V passes an `f16` or an `f128` in an XMM register (an `f16` in its low 16
//! bits); a Rust `extern "C"` function receives an `__m128i` in the same register, so each
//! routine takes and returns `__m128i` where the routine's signature has `f16` or `f128`.
//! The arithmetic itself is [`lathe_codegen::softfloat`], the interpreter's, so compiled
//! code and the interpreter agree bit for bit (NaN results are the canonical NaN).
//! The `improper_ctypes_definitions` lint warns about SIMD types in any `extern "C"`
//! signature because their layout is not C's in general; on x86-64, where SSE is baseline,
//! an `__m128i` is classified SSE+SSEUP and travels in one XMM register, which is exactly
//! where System V puts an `f128` (and an `f16`), and the run filetests call these routines
//! from compiled code.
//!
//! Every routine is total: the legalization that calls the conversions to integers checks
//! the range first, and out-of-range inputs still get a defined (saturated) value.

#![allow(improper_ctypes_definitions)]

use core::arch::x86_64::__m128i;
use lathe_codegen::ir::{FloatCC, Opcode};
use lathe_codegen::softfloat;

/// The bits of a register value.
fn bits(x: __m128i) -> u128 {
    // SAFETY: both types are 16 bytes of plain data, and every bit pattern is a valid
    // value of either.
    unsafe { std::mem::transmute::<__m128i, u128>(x) }
}

/// A register value with these bits (the bits above an `f16` are zero).
fn reg(x: u128) -> __m128i {
    // SAFETY: as in `bits`.
    unsafe { std::mem::transmute::<u128, __m128i>(x) }
}

/// The low 16 bits: an `f16` argument.
fn half(x: __m128i) -> u128 {
    bits(x) & 0xffff
}

fn convert(from: u32, to: u32, x: u128) -> u128 {
    softfloat::convert(from, to, x)
}

pub(crate) extern "C" fn f16_to_f32(x: __m128i) -> f32 {
    f32::from_bits(convert(16, 32, half(x)) as u32)
}
pub(crate) extern "C" fn f32_to_f16(x: f32) -> __m128i {
    reg(convert(32, 16, u128::from(x.to_bits())))
}
pub(crate) extern "C" fn f64_to_f16(x: f64) -> __m128i {
    reg(convert(64, 16, u128::from(x.to_bits())))
}
pub(crate) extern "C" fn f128_to_f16(x: __m128i) -> __m128i {
    reg(convert(128, 16, bits(x)))
}
pub(crate) extern "C" fn f32_to_f128(x: f32) -> __m128i {
    reg(convert(32, 128, u128::from(x.to_bits())))
}
pub(crate) extern "C" fn f64_to_f128(x: f64) -> __m128i {
    reg(convert(64, 128, u128::from(x.to_bits())))
}
pub(crate) extern "C" fn f128_to_f32(x: __m128i) -> f32 {
    f32::from_bits(convert(128, 32, bits(x)) as u32)
}
pub(crate) extern "C" fn f128_to_f64(x: __m128i) -> f64 {
    f64::from_bits(convert(128, 64, bits(x)) as u64)
}

fn arith(op: Opcode, a: __m128i, b: __m128i, c: __m128i) -> __m128i {
    let r = softfloat::arith(128, op, bits(a), bits(b), bits(c));
    reg(r.unwrap_or(softfloat::canonical_nan(128)))
}

pub(crate) extern "C" fn add_f128(a: __m128i, b: __m128i) -> __m128i {
    arith(Opcode::Fadd, a, b, a)
}
pub(crate) extern "C" fn sub_f128(a: __m128i, b: __m128i) -> __m128i {
    arith(Opcode::Fsub, a, b, a)
}
pub(crate) extern "C" fn mul_f128(a: __m128i, b: __m128i) -> __m128i {
    arith(Opcode::Fmul, a, b, a)
}
pub(crate) extern "C" fn div_f128(a: __m128i, b: __m128i) -> __m128i {
    arith(Opcode::Fdiv, a, b, a)
}
pub(crate) extern "C" fn fma_f128(a: __m128i, b: __m128i, c: __m128i) -> __m128i {
    arith(Opcode::Fma, a, b, c)
}
pub(crate) extern "C" fn sqrt_f128(a: __m128i) -> __m128i {
    arith(Opcode::Sqrt, a, a, a)
}
pub(crate) extern "C" fn ceil_f128(a: __m128i) -> __m128i {
    arith(Opcode::Ceil, a, a, a)
}
pub(crate) extern "C" fn floor_f128(a: __m128i) -> __m128i {
    arith(Opcode::Floor, a, a, a)
}
pub(crate) extern "C" fn trunc_f128(a: __m128i) -> __m128i {
    arith(Opcode::Trunc, a, a, a)
}
pub(crate) extern "C" fn nearest_f128(a: __m128i) -> __m128i {
    arith(Opcode::Nearest, a, a, a)
}

/// libgcc's three-way comparison contract: -1, 0 or 1 for less, equal or greater, and
/// `unordered` when either operand is NaN.
fn compare3(a: __m128i, b: __m128i, unordered: i32) -> i32 {
    let (a, b) = (bits(a), bits(b));
    if softfloat::compare(128, FloatCC::Unordered, a, b) {
        unordered
    } else if softfloat::compare(128, FloatCC::LessThan, a, b) {
        -1
    } else if softfloat::compare(128, FloatCC::Equal, a, b) {
        0
    } else {
        1
    }
}

/// `__eqtf2`/`__netf2`: zero exactly when ordered and equal.
pub(crate) extern "C" fn eq_f128(a: __m128i, b: __m128i) -> i32 {
    compare3(a, b, 1)
}
/// `__lttf2`/`__letf2`: below (or at) zero exactly when ordered and less (or equal).
pub(crate) extern "C" fn le_f128(a: __m128i, b: __m128i) -> i32 {
    compare3(a, b, 1)
}
/// `__gttf2`/`__getf2`: above (or at) zero exactly when ordered and greater (or equal).
pub(crate) extern "C" fn ge_f128(a: __m128i, b: __m128i) -> i32 {
    compare3(a, b, -1)
}
pub(crate) extern "C" fn unord_f128(a: __m128i, b: __m128i) -> i32 {
    i32::from(softfloat::compare(128, FloatCC::Unordered, bits(a), bits(b)))
}

pub(crate) extern "C" fn i32_to_f128(x: i32) -> __m128i {
    reg(softfloat::from_int(128, x as u32 as u128, 32, true))
}
pub(crate) extern "C" fn u32_to_f128(x: u32) -> __m128i {
    reg(softfloat::from_int(128, u128::from(x), 32, false))
}
pub(crate) extern "C" fn i64_to_f128(x: i64) -> __m128i {
    reg(softfloat::from_int(128, x as u64 as u128, 64, true))
}
pub(crate) extern "C" fn u64_to_f128(x: u64) -> __m128i {
    reg(softfloat::from_int(128, u128::from(x), 64, false))
}
pub(crate) extern "C" fn i128_to_f128(lo: u64, hi: u64) -> __m128i {
    reg(softfloat::from_int(128, u128::from(hi) << 64 | u128::from(lo), 128, true))
}
pub(crate) extern "C" fn u128_to_f128(lo: u64, hi: u64) -> __m128i {
    reg(softfloat::from_int(128, u128::from(hi) << 64 | u128::from(lo), 128, false))
}

/// Toward zero into `n` bits, saturating (in range by contract, so exact).
fn to_int(x: __m128i, n: u32, signed: bool) -> u128 {
    softfloat::to_int(128, bits(x), n, signed, true).unwrap_or(0)
}

pub(crate) extern "C" fn f128_to_i32(x: __m128i) -> i32 {
    to_int(x, 32, true) as i32
}
pub(crate) extern "C" fn f128_to_u32(x: __m128i) -> u32 {
    to_int(x, 32, false) as u32
}
pub(crate) extern "C" fn f128_to_i64(x: __m128i) -> i64 {
    to_int(x, 64, true) as i64
}
pub(crate) extern "C" fn f128_to_u64(x: __m128i) -> u64 {
    to_int(x, 64, false) as u64
}
pub(crate) extern "C" fn f128_to_i128(x: __m128i) -> crate::libcalls::Pair {
    crate::libcalls::pair(to_int(x, 128, true))
}
pub(crate) extern "C" fn f128_to_u128(x: __m128i) -> crate::libcalls::Pair {
    crate::libcalls::pair(to_int(x, 128, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(x: f64) -> __m128i {
        f64_to_f128(x)
    }

    #[test]
    fn routines_follow_the_libgcc_contracts() {
        assert_eq!(f128_to_f64(add_f128(q(1.5), q(2.25))), 3.75);
        assert_eq!(f128_to_f64(fma_f128(q(2.0), q(3.0), q(-1.0))), 5.0);
        assert_eq!(f128_to_f64(sqrt_f128(q(9.0))), 3.0);
        let nan = q(f64::NAN);
        assert!(eq_f128(nan, nan) != 0 && eq_f128(q(1.0), q(1.0)) == 0);
        assert!(le_f128(q(1.0), q(2.0)) < 0 && le_f128(nan, q(2.0)) > 0);
        assert!(ge_f128(q(2.0), q(1.0)) > 0 && ge_f128(nan, q(2.0)) < 0);
        assert_eq!(unord_f128(nan, q(0.0)), 1);
        assert_eq!(f128_to_i64(i64_to_f128(i64::MIN)), i64::MIN);
        assert_eq!(f128_to_u32(q(4294967295.0)), u32::MAX);
        let p = f128_to_i128(i128_to_f128(5, 0));
        assert_eq!((p.lo, p.hi), (5, 0));
        assert_eq!(f16_to_f32(f32_to_f16(65504.0)), 65504.0);
        assert_eq!(half(f64_to_f16(1.0 + 2f64.powi(-11) + 2f64.powi(-30))), 0x3c01, "rounded once");
    }
}
