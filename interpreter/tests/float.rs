//! Float arithmetic, NaN canonicalization, signed zeros, rounding and comparisons.

mod common;
use common::*;
use lathe_codegen::ir::{FloatCC, InstBuilder};

const CANON32: u32 = 0x7fc0_0000;
const CANON64: u64 = 0x7ff8_0000_0000_0000;

macro_rules! bin {
    ($m:ident, $x:expr, $y:expr) => {
        eval1(&[$x, $y], |c, v| c.ins().$m(v[0], v[1]))
    };
}
macro_rules! un {
    ($m:ident, $x:expr) => {
        eval1(&[$x], |c, v| c.ins().$m(v[0]))
    };
}

#[test]
fn constants_keep_their_bits() {
    assert_eq!(eval1(&[], |c, _| c.ins().f32const(lathe_codegen::ir::Ieee32(0x7f80_0001))), val(f32b(0x7f80_0001)));
    assert_eq!(eval1(&[], |c, _| c.ins().f64const(-0.0)), val(f64b(1 << 63)));
}

#[test]
fn arithmetic_rounds_to_nearest_even() {
    assert_eq!(bin!(fadd, f64v(0.1), f64v(0.2)), val(f64v(0.1 + 0.2)));
    assert_eq!(bin!(fadd, f32v(1.0), f32b(0x3380_0000)), val(f32v(1.0)), "1 + 2^-24 ties to even");
    assert_eq!(bin!(fsub, f32v(1.0), f32v(1.0)), val(f32v(0.0)));
    assert_eq!(bin!(fmul, f64v(3.0), f64v(-0.5)), val(f64v(-1.5)));
    assert_eq!(bin!(fdiv, f64v(1.0), f64v(0.0)), val(f64v(f64::INFINITY)));
    assert_eq!(bin!(fdiv, f32v(-1.0), f32v(0.0)), val(f32v(f32::NEG_INFINITY)));
    assert_eq!(un!(sqrt, f64v(-0.0)), val(f64b(1 << 63)));
    assert_eq!(un!(sqrt, f32v(4.0)), val(f32v(2.0)));
}

#[test]
fn nan_results_are_canonical() {
    assert_eq!(bin!(fdiv, f64v(0.0), f64v(0.0)), val(f64b(CANON64)));
    assert_eq!(bin!(fsub, f32v(f32::INFINITY), f32v(f32::INFINITY)), val(f32b(CANON32)));
    assert_eq!(un!(sqrt, f64v(-1.0)), val(f64b(CANON64)));
    assert_eq!(bin!(fadd, f32b(0xffc0_1234), f32v(1.0)), val(f32b(CANON32)));
    assert_eq!(bin!(fmul, f64b(0x7ff0_0000_0000_0001), f64v(1.0)), val(f64b(CANON64)));
    assert_eq!(un!(ceil, f32b(0xff80_0001)), val(f32b(CANON32)));
    assert_eq!(un!(nearest, f64b(0xfff8_0000_0000_0001)), val(f64b(CANON64)));
    let fma = eval1(&[f32v(f32::INFINITY), f32v(0.0), f32v(1.0)], |c, v| c.ins().fma(v[0], v[1], v[2]));
    assert_eq!(fma, val(f32b(CANON32)));
}

#[test]
fn sign_operations_keep_payloads() {
    assert_eq!(un!(fneg, f32b(0x7fc0_0001)), val(f32b(0xffc0_0001)));
    assert_eq!(un!(fneg, f64v(0.0)), val(f64b(1 << 63)));
    assert_eq!(un!(fabs, f64b(0xfff0_0000_0000_0001)), val(f64b(0x7ff0_0000_0000_0001)));
    assert_eq!(bin!(fcopysign, f32b(0x7fc0_0005), f32v(-1.0)), val(f32b(0xffc0_0005)));
    assert_eq!(bin!(fcopysign, f64v(-2.0), f64v(0.0)), val(f64v(2.0)));
}

#[test]
fn fused_multiply_add_rounds_once() {
    let fma = eval1(&[f64v(0.1), f64v(10.0), f64v(-1.0)], |c, v| c.ins().fma(v[0], v[1], v[2]));
    // 0.1 * 10 is 1 + 2^-54 exactly; a separate rounding would lose the 2^-54.
    assert_eq!(fma, val(f64v(2f64.powi(-54))));
    assert_ne!(0.1f64 * 10.0 - 1.0, 2f64.powi(-54));
}

#[test]
fn min_and_max() {
    assert_eq!(bin!(fmin, f64v(-0.0), f64v(0.0)), val(f64b(1 << 63)));
    assert_eq!(bin!(fmin, f64v(0.0), f64v(-0.0)), val(f64b(1 << 63)));
    assert_eq!(bin!(fmax, f32v(-0.0), f32v(0.0)), val(f32v(0.0)));
    assert_eq!(bin!(fmax, f32v(0.0), f32v(-0.0)), val(f32v(0.0)));
    assert_eq!(bin!(fmin, f32v(1.0), f32b(0x7fc0_0001)), val(f32b(CANON32)));
    assert_eq!(bin!(fmax, f64b(0x7ff4_0000_0000_0000), f64v(1.0)), val(f64b(CANON64)));
    assert_eq!(bin!(fmin, f64v(-1.0), f64v(2.0)), val(f64v(-1.0)));
    assert_eq!(bin!(fmax, f64v(-1.0), f64v(f64::INFINITY)), val(f64v(f64::INFINITY)));
}

#[test]
fn rounding() {
    assert_eq!(un!(nearest, f64v(2.5)), val(f64v(2.0)));
    assert_eq!(un!(nearest, f64v(3.5)), val(f64v(4.0)));
    assert_eq!(un!(nearest, f32v(-0.5)), val(f32b(0x8000_0000)));
    assert_eq!(un!(ceil, f64v(-0.5)), val(f64b(1 << 63)));
    assert_eq!(un!(ceil, f32v(1.25)), val(f32v(2.0)));
    assert_eq!(un!(floor, f32v(-1.25)), val(f32v(-2.0)));
    assert_eq!(un!(floor, f64v(0.75)), val(f64v(0.0)));
    assert_eq!(un!(trunc, f64v(-0.5)), val(f64b(1 << 63)));
    assert_eq!(un!(trunc, f32v(-7.9)), val(f32v(-7.0)));
    assert_eq!(un!(trunc, f64v(f64::NEG_INFINITY)), val(f64v(f64::NEG_INFINITY)));
}

#[test]
fn comparisons() {
    use FloatCC::*;
    let cmp = |cc, x, y| eval1(&[x, y], |c, v| c.ins().fcmp(cc, v[0], v[1]));
    // (condition, 1 < 2, 2 == 2, NaN vs 1)
    let table = [
        (Ordered, 1, 1, 0),
        (Unordered, 0, 0, 1),
        (Equal, 0, 1, 0),
        (NotEqual, 1, 0, 1),
        (OrderedNotEqual, 1, 0, 0),
        (UnorderedOrEqual, 0, 1, 1),
        (LessThan, 1, 0, 0),
        (LessThanOrEqual, 1, 1, 0),
        (GreaterThan, 0, 0, 0),
        (GreaterThanOrEqual, 0, 1, 0),
        (UnorderedOrLessThan, 1, 0, 1),
        (UnorderedOrLessThanOrEqual, 1, 1, 1),
        (UnorderedOrGreaterThan, 0, 0, 1),
        (UnorderedOrGreaterThanOrEqual, 0, 1, 1),
    ];
    for (cc, lt, eq, nan) in table {
        assert_eq!(cmp(cc, f64v(1.0), f64v(2.0)), val(i8v(lt)), "{cc} 1 2");
        assert_eq!(cmp(cc, f32v(2.0), f32v(2.0)), val(i8v(eq)), "{cc} 2 2");
        assert_eq!(cmp(cc, f64b(CANON64), f64v(1.0)), val(i8v(nan)), "{cc} NaN 1");
    }
    assert_eq!(cmp(Equal, f32v(-0.0), f32v(0.0)), val(i8v(1)));
}
