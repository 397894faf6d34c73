//! Conversions: integer widths, float widths, float <-> integer, bitcast, split and concat.

mod common;
use common::*;
use lathe_codegen::ir::types::*;
use lathe_codegen::ir::{InstBuilder, MemFlags, TrapCode};

macro_rules! cvt {
    ($m:ident, $ty:expr, $x:expr) => {
        eval1(&[$x], |c, v| c.ins().$m($ty, v[0]))
    };
}

#[test]
fn integer_widths() {
    assert_eq!(cvt!(ireduce, I8, i32v(0x1ff)), val(i8v(-1)));
    assert_eq!(cvt!(ireduce, I64, i128v(-1)), val(i64v(-1)));
    assert_eq!(cvt!(uextend, I32, i8v(-1)), val(i32v(255)));
    assert_eq!(cvt!(uextend, I128, i64v(-1)), val(i128v(u64::MAX as i128)));
    assert_eq!(cvt!(sextend, I64, i16v(-2)), val(i64v(-2)));
    assert_eq!(cvt!(sextend, I128, i8v(-128)), val(i128v(-128)));
}

#[test]
fn split_and_concat() {
    let parts = Outcome::from(eval(&[i128v(0x1111_2222_3333_4444_5555_6666_7777_8888)], |c, v| {
        let (lo, hi) = c.ins().isplit(v[0]);
        vec![lo, hi]
    }));
    assert_eq!(parts, vals(&[i64v(0x5555_6666_7777_8888), i64v(0x1111_2222_3333_4444)]));
    let parts = Outcome::from(eval(&[i16v(-2)], |c, v| {
        let (lo, hi) = c.ins().isplit(v[0]);
        vec![lo, hi]
    }));
    assert_eq!(parts, vals(&[i8v(-2), i8v(-1)]));
    assert_eq!(
        eval1(&[i64v(-1), i64v(1)], |c, v| c.ins().iconcat(v[0], v[1])),
        val(i128v((1 << 64) | u64::MAX as i128))
    );
    assert_eq!(eval1(&[i8v(0x34), i8v(0x12)], |c, v| c.ins().iconcat(v[0], v[1])), val(i16v(0x1234)));
}

#[test]
fn float_widths() {
    assert_eq!(cvt!(fpromote, F64, f32v(1.5)), val(f64v(1.5)));
    assert_eq!(cvt!(fpromote, F64, f32b(0x7f80_0001)), val(f64b(0x7ff8_0000_0000_0000)));
    assert_eq!(cvt!(fpromote, F64, f32v(-0.0)), val(f64b(1 << 63)));
    assert_eq!(cvt!(fdemote, F32, f64v(1e300)), val(f32v(f32::INFINITY)));
    assert_eq!(cvt!(fdemote, F32, f64b(0xfff0_0000_0000_0001)), val(f32b(0x7fc0_0000)));
    // 1 + 2^-24 is halfway between two f32 values; ties go to the even one (1.0).
    assert_eq!(cvt!(fdemote, F32, f64v(1.0 + 2f64.powi(-24))), val(f32v(1.0)));
    assert_eq!(cvt!(fdemote, F32, f64v(1.0 + 3.0 * 2f64.powi(-24))), val(f32v(1.0 + 2f32.powi(-22))));
}

#[test]
fn float_to_int_traps() {
    assert_eq!(cvt!(fcvt_to_sint, I32, f32b(0x7fc0_0000)), Outcome::Trap(TrapCode::BadConversionToInteger));
    assert_eq!(cvt!(fcvt_to_uint, I64, f64b(0xfff8_0000_0000_0000)), Outcome::Trap(TrapCode::BadConversionToInteger));
    assert_eq!(cvt!(fcvt_to_sint, I32, f64v(2147483648.0)), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(cvt!(fcvt_to_sint, I32, f64v(-2147483648.9)), val(i32v(i32::MIN)));
    assert_eq!(cvt!(fcvt_to_sint, I32, f64v(-2147483649.0)), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(cvt!(fcvt_to_sint, I32, f64v(2147483647.9)), val(i32v(i32::MAX)));
    assert_eq!(cvt!(fcvt_to_sint, I64, f64v(2f64.powi(63))), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(cvt!(fcvt_to_sint, I64, f64v(-(2f64.powi(63)))), val(i64v(i64::MIN)));
    assert_eq!(cvt!(fcvt_to_uint, I32, f64v(-0.9)), val(i32v(0)));
    assert_eq!(cvt!(fcvt_to_uint, I32, f64v(-1.0)), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(cvt!(fcvt_to_uint, I8, f32v(255.9)), val(i8v(-1)));
    assert_eq!(cvt!(fcvt_to_uint, I8, f32v(256.0)), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(cvt!(fcvt_to_sint, I16, f32v(-7.5)), val(i16v(-7)));
    assert_eq!(cvt!(fcvt_to_uint, I64, f32v(f32::INFINITY)), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(cvt!(fcvt_to_uint, I128, f64v(1e38)), val(i128v(1e38f64 as u128 as i128)));
    assert_eq!(cvt!(fcvt_to_sint, I128, f32v(-1e38)), val(i128v(-1e38f32 as i128)));
    assert_eq!(cvt!(fcvt_to_uint, I128, f32v(f32::MAX)), val(i128v(f32::MAX as u128 as i128)));
}

#[test]
fn float_to_int_saturates() {
    assert_eq!(cvt!(fcvt_to_sint_sat, I32, f32b(0x7fc0_0000)), val(i32v(0)));
    assert_eq!(cvt!(fcvt_to_uint_sat, I32, f64b(0xfff8_0000_0000_0000)), val(i32v(0)));
    assert_eq!(cvt!(fcvt_to_sint_sat, I8, f32v(300.0)), val(i8v(127)));
    assert_eq!(cvt!(fcvt_to_sint_sat, I8, f32v(-300.0)), val(i8v(-128)));
    assert_eq!(cvt!(fcvt_to_uint_sat, I8, f32v(-3.0)), val(i8v(0)));
    assert_eq!(cvt!(fcvt_to_uint_sat, I16, f64v(f64::INFINITY)), val(i16v(-1)));
    assert_eq!(cvt!(fcvt_to_sint_sat, I64, f64v(f64::NEG_INFINITY)), val(i64v(i64::MIN)));
    assert_eq!(cvt!(fcvt_to_sint_sat, I128, f64v(1e300)), val(i128v(i128::MAX)));
    assert_eq!(cvt!(fcvt_to_uint_sat, I32, f64v(12.99)), val(i32v(12)));
}

#[test]
fn int_to_float() {
    assert_eq!(cvt!(fcvt_from_sint, F64, i64v(-1)), val(f64v(-1.0)));
    assert_eq!(cvt!(fcvt_from_uint, F64, i64v(-1)), val(f64v(18446744073709551615.0)));
    assert_eq!(cvt!(fcvt_from_uint, F32, i8v(-1)), val(f32v(255.0)));
    assert_eq!(cvt!(fcvt_from_sint, F32, i8v(-128)), val(f32v(-128.0)));
    // 2^53 + 1 is halfway between two f64 values; ties go to even (2^53).
    assert_eq!(cvt!(fcvt_from_uint, F64, i64v((1 << 53) + 1)), val(f64v(2f64.powi(53))));
    assert_eq!(cvt!(fcvt_from_uint, F64, i64v((1 << 53) + 3)), val(f64v(2f64.powi(53) + 4.0)));
    assert_eq!(cvt!(fcvt_from_uint, F32, i128v(-1)), val(f32v(f32::INFINITY)));
    assert_eq!(cvt!(fcvt_from_sint, F32, i128v(i128::MIN)), val(f32v(-(2f32.powi(127)))));
    assert_eq!(cvt!(fcvt_from_sint, F64, i128v(-1)), val(f64v(-1.0)));
}

#[test]
fn bitcast_keeps_bits() {
    let f = MemFlags::new();
    assert_eq!(eval1(&[f32b(0x7fc0_0001)], |c, v| c.ins().bitcast(I32, f, v[0])), val(i32v(0x7fc0_0001)));
    assert_eq!(eval1(&[i64v(-1)], |c, v| c.ins().bitcast(F64, f, v[0])), val(f64b(u64::MAX)));
}
