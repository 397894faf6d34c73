//! Integer arithmetic, bit operations, shifts, comparisons and selection at their edges.

mod common;
use common::*;
use lathe_codegen::ir::types::*;
use lathe_codegen::ir::{InstBuilder, IntCC, TrapCode};

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
macro_rules! imm {
    ($m:ident, $x:expr, $i:expr) => {
        eval1(&[$x], |c, v| c.ins().$m(v[0], $i as i64))
    };
}
macro_rules! two {
    ($m:ident, $($a:expr),*) => {
        Outcome::from(eval(&[$($a),*], |c, v| {
            let args: &[lathe_codegen::ir::Value] = v;
            let (r, f) = two!(@call c, $m, args, $($a),*);
            vec![r, f]
        }))
    };
    (@call $c:ident, $m:ident, $v:ident, $a:expr, $b:expr) => { $c.ins().$m($v[0], $v[1]) };
    (@call $c:ident, $m:ident, $v:ident, $a:expr, $b:expr, $d:expr) => { $c.ins().$m($v[0], $v[1], $v[2]) };
}

#[test]
fn constants_use_the_low_bits() {
    assert_eq!(eval1(&[], |c, _| c.ins().iconst(I8, 0x1ff)), val(i8v(-1)));
    assert_eq!(eval1(&[], |c, _| c.ins().iconst(I16, -2)), val(i16v(-2)));
    assert_eq!(eval1(&[], |c, _| c.ins().iconst(I64, i64::MIN)), val(i64v(i64::MIN)));
}

#[test]
fn add_sub_mul_wrap() {
    assert_eq!(bin!(iadd, i8v(127), i8v(1)), val(i8v(-128)));
    assert_eq!(bin!(iadd, i128v(i128::MAX), i128v(1)), val(i128v(i128::MIN)));
    assert_eq!(bin!(isub, i64v(0), i64v(1)), val(i64v(-1)));
    assert_eq!(bin!(isub, i32v(i32::MIN), i32v(1)), val(i32v(i32::MAX)));
    assert_eq!(bin!(imul, i16v(300), i16v(300)), val(i16v(24464)));
    assert_eq!(bin!(imul, i128v(-1), i128v(i128::MIN)), val(i128v(i128::MIN)));
    assert_eq!(un!(ineg, i32v(i32::MIN)), val(i32v(i32::MIN)));
    assert_eq!(un!(ineg, i8v(5)), val(i8v(-5)));
    assert_eq!(un!(iabs, i8v(-128)), val(i8v(-128)));
    assert_eq!(un!(iabs, i64v(-5)), val(i64v(5)));
    assert_eq!(un!(iabs, i128v(i128::MIN)), val(i128v(i128::MIN)));
    assert_eq!(imm!(iadd_imm, i128v(0), -1), val(i128v(-1)));
    assert_eq!(imm!(iadd_imm, i8v(0), 0x1ff), val(i8v(-1)));
    assert_eq!(imm!(imul_imm, i32v(7), -3), val(i32v(-21)));
    assert_eq!(imm!(irsub_imm, i32v(3), 10), val(i32v(7)));
    assert_eq!(imm!(irsub_imm, i8v(1), 0), val(i8v(-1)));
}

#[test]
fn multiply_high() {
    assert_eq!(bin!(umulhi, i8v(-1), i8v(-1)), val(i8v(-2)));
    assert_eq!(bin!(umulhi, i64v(-1), i64v(-1)), val(i64v(-2)));
    assert_eq!(bin!(umulhi, i128v(-1), i128v(-1)), val(i128v(-2)));
    assert_eq!(bin!(umulhi, i128v(1 << 64), i128v(1 << 64)), val(i128v(1)));
    assert_eq!(bin!(smulhi, i8v(-128), i8v(-128)), val(i8v(0x40)));
    assert_eq!(bin!(smulhi, i32v(-1), i32v(1)), val(i32v(-1)));
    assert_eq!(bin!(smulhi, i128v(-1), i128v(-1)), val(i128v(0)));
    assert_eq!(bin!(smulhi, i128v(-1), i128v(1)), val(i128v(-1)));
    assert_eq!(bin!(smulhi, i128v(i128::MIN), i128v(i128::MIN)), val(i128v(1 << 126)));
    assert_eq!(bin!(smulhi, i128v(i128::MIN), i128v(-1)), val(i128v(0)));
    // Agrees with the 64-bit computation on values that fit.
    let (a, b) = (-0x1234_5678_9abc_i64, 0x7fed_cba9_8765_i64);
    let want = ((a as i128 * b as i128) >> 64) as i64;
    assert_eq!(bin!(smulhi, i64v(a), i64v(b)), val(i64v(want)));
}

#[test]
fn division_and_its_traps() {
    assert_eq!(bin!(udiv, i32v(7), i32v(0)), Outcome::Trap(TrapCode::IntegerDivisionByZero));
    assert_eq!(bin!(sdiv, i32v(7), i32v(0)), Outcome::Trap(TrapCode::IntegerDivisionByZero));
    assert_eq!(bin!(urem, i8v(7), i8v(0)), Outcome::Trap(TrapCode::IntegerDivisionByZero));
    assert_eq!(bin!(srem, i128v(7), i128v(0)), Outcome::Trap(TrapCode::IntegerDivisionByZero));
    assert_eq!(bin!(sdiv, i32v(i32::MIN), i32v(-1)), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(bin!(sdiv, i128v(i128::MIN), i128v(-1)), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(bin!(srem, i32v(i32::MIN), i32v(-1)), val(i32v(0)));
    assert_eq!(bin!(srem, i128v(i128::MIN), i128v(-1)), val(i128v(0)));
    assert_eq!(bin!(sdiv, i32v(-7), i32v(2)), val(i32v(-3)));
    assert_eq!(bin!(srem, i32v(-7), i32v(2)), val(i32v(-1)));
    assert_eq!(bin!(srem, i32v(7), i32v(-2)), val(i32v(1)));
    assert_eq!(bin!(udiv, i8v(-1), i8v(2)), val(i8v(127)));
    assert_eq!(bin!(urem, i16v(-1), i16v(10)), val(i16v(5)));
    assert_eq!(bin!(udiv, i128v(-1), i128v(3)), val(i128v((u128::MAX / 3) as i128)));
    assert_eq!(imm!(udiv_imm, i32v(1), 0), Outcome::Trap(TrapCode::IntegerDivisionByZero));
    assert_eq!(imm!(sdiv_imm, i64v(i64::MIN), -1), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(imm!(srem_imm, i64v(i64::MIN), -1), val(i64v(0)));
    assert_eq!(imm!(urem_imm, i8v(-1), 0x10), val(i8v(15)));
    assert_eq!(imm!(sdiv_imm, i8v(-128), 2), val(i8v(-64)));
}

#[test]
fn overflow_flags() {
    assert_eq!(two!(uadd_overflow, i32v(-1), i32v(1)), vals(&[i32v(0), i8v(1)]));
    assert_eq!(two!(uadd_overflow, i32v(1), i32v(1)), vals(&[i32v(2), i8v(0)]));
    assert_eq!(two!(sadd_overflow, i32v(i32::MAX), i32v(1)), vals(&[i32v(i32::MIN), i8v(1)]));
    assert_eq!(two!(sadd_overflow, i8v(-1), i8v(1)), vals(&[i8v(0), i8v(0)]));
    assert_eq!(two!(usub_overflow, i64v(0), i64v(1)), vals(&[i64v(-1), i8v(1)]));
    assert_eq!(two!(ssub_overflow, i8v(-128), i8v(1)), vals(&[i8v(127), i8v(1)]));
    assert_eq!(two!(ssub_overflow, i8v(0), i8v(-128)), vals(&[i8v(-128), i8v(1)]));
    assert_eq!(two!(umul_overflow, i8v(16), i8v(16)), vals(&[i8v(0), i8v(1)]));
    assert_eq!(two!(umul_overflow, i8v(15), i8v(17)), vals(&[i8v(-1), i8v(0)]));
    assert_eq!(two!(smul_overflow, i8v(-128), i8v(-1)), vals(&[i8v(-128), i8v(1)]));
    assert_eq!(two!(smul_overflow, i8v(-8), i8v(16)), vals(&[i8v(-128), i8v(0)]));
    assert_eq!(two!(uadd_overflow, i128v(-1), i128v(1)), vals(&[i128v(0), i8v(1)]));
    assert_eq!(two!(sadd_overflow, i128v(i128::MAX), i128v(1)), vals(&[i128v(i128::MIN), i8v(1)]));
    assert_eq!(two!(umul_overflow, i128v(1 << 64), i128v(1 << 64)), vals(&[i128v(0), i8v(1)]));
    assert_eq!(two!(smul_overflow, i128v(i128::MIN), i128v(1)), vals(&[i128v(i128::MIN), i8v(0)]));
}

#[test]
fn carry_and_borrow_in() {
    assert_eq!(two!(uadd_overflow_cin, i8v(-1), i8v(0), i8v(1)), vals(&[i8v(0), i8v(1)]));
    // Any non-zero carry counts as 1.
    assert_eq!(two!(uadd_overflow_cin, i8v(1), i8v(1), i8v(5)), vals(&[i8v(3), i8v(0)]));
    assert_eq!(two!(uadd_overflow_cin, i128v(-1), i128v(0), i8v(1)), vals(&[i128v(0), i8v(1)]));
    assert_eq!(two!(uadd_overflow_cin, i128v(-1), i128v(-1), i8v(1)), vals(&[i128v(-1), i8v(1)]));
    // MIN + -1 + 1 is exactly MIN: no signed overflow although the first addition wraps.
    assert_eq!(two!(sadd_overflow_cin, i8v(-128), i8v(-1), i8v(1)), vals(&[i8v(-128), i8v(0)]));
    assert_eq!(two!(sadd_overflow_cin, i8v(127), i8v(0), i8v(1)), vals(&[i8v(-128), i8v(1)]));
    assert_eq!(two!(usub_overflow_bin, i32v(0), i32v(0), i8v(1)), vals(&[i32v(-1), i8v(1)]));
    assert_eq!(two!(usub_overflow_bin, i32v(5), i32v(5), i8v(0)), vals(&[i32v(0), i8v(0)]));
    assert_eq!(two!(usub_overflow_bin, i32v(6), i32v(5), i8v(-1)), vals(&[i32v(0), i8v(0)]));
    assert_eq!(two!(ssub_overflow_bin, i8v(-128), i8v(0), i8v(1)), vals(&[i8v(127), i8v(1)]));
    assert_eq!(two!(ssub_overflow_bin, i8v(127), i8v(-1), i8v(1)), vals(&[i8v(127), i8v(0)]));
}

#[test]
fn add_overflow_trap() {
    let f = |x, y| eval1(&[x, y], |c, v| c.ins().uadd_overflow_trap(v[0], v[1], TrapCode::User(3)));
    assert_eq!(f(i32v(-1), i32v(1)), Outcome::Trap(TrapCode::User(3)));
    assert_eq!(f(i32v(-2), i32v(1)), val(i32v(-1)));
    assert_eq!(f(i8v(-128), i8v(-128)), Outcome::Trap(TrapCode::User(3)));
}

#[test]
fn min_max_saturate_average() {
    assert_eq!(bin!(smin, i8v(-1), i8v(1)), val(i8v(-1)));
    assert_eq!(bin!(umin, i8v(-1), i8v(1)), val(i8v(1)));
    assert_eq!(bin!(smax, i64v(-1), i64v(1)), val(i64v(1)));
    assert_eq!(bin!(umax, i128v(-1), i128v(1)), val(i128v(-1)));
    assert_eq!(bin!(uadd_sat, i8v(-56), i8v(100)), val(i8v(-1)));
    assert_eq!(bin!(uadd_sat, i128v(-2), i128v(5)), val(i128v(-1)));
    assert_eq!(bin!(sadd_sat, i8v(100), i8v(100)), val(i8v(127)));
    assert_eq!(bin!(sadd_sat, i8v(-100), i8v(-100)), val(i8v(-128)));
    assert_eq!(bin!(sadd_sat, i128v(i128::MAX), i128v(1)), val(i128v(i128::MAX)));
    assert_eq!(bin!(usub_sat, i16v(1), i16v(2)), val(i16v(0)));
    assert_eq!(bin!(ssub_sat, i32v(i32::MIN), i32v(1)), val(i32v(i32::MIN)));
    assert_eq!(bin!(ssub_sat, i32v(i32::MAX), i32v(-1)), val(i32v(i32::MAX)));
    assert_eq!(bin!(avg_round, i8v(-1), i8v(-1)), val(i8v(-1)));
    assert_eq!(bin!(avg_round, i8v(0), i8v(1)), val(i8v(1)));
    assert_eq!(bin!(avg_round, i128v(-1), i128v(-2)), val(i128v(-1)));
    assert_eq!(bin!(avg_round, i32v(2), i32v(5)), val(i32v(4)));
}

#[test]
fn bitwise() {
    assert_eq!(bin!(band, i8v(0x0c), i8v(0x0a)), val(i8v(0x08)));
    assert_eq!(bin!(bor, i8v(0x0c), i8v(0x0a)), val(i8v(0x0e)));
    assert_eq!(bin!(bxor, i8v(0x0c), i8v(0x0a)), val(i8v(0x06)));
    assert_eq!(bin!(band_not, i8v(0x0c), i8v(0x0a)), val(i8v(0x04)));
    assert_eq!(bin!(bor_not, i8v(0x0c), i8v(0x0a)), val(i8v(-3)));
    assert_eq!(bin!(bxor_not, i8v(0x0c), i8v(0x0a)), val(i8v(-7)));
    assert_eq!(un!(bnot, i128v(0)), val(i128v(-1)));
    assert_eq!(imm!(band_imm, i32v(-1), 0xff), val(i32v(0xff)));
    assert_eq!(imm!(bor_imm, i128v(0), -1), val(i128v(-1)));
    assert_eq!(imm!(bxor_imm, i16v(0x00ff), -1), val(i16v(-256)));
    // Float bits, NaN payloads included, pass through bit operations.
    assert_eq!(bin!(band, f32b(0x7fc0_0001), f32b(0xffff_ffff)), val(f32b(0x7fc0_0001)));
    assert_eq!(un!(bnot, f64b(0)), val(f64b(u64::MAX)));
}

#[test]
fn bit_counts() {
    assert_eq!(un!(bitrev, i8v(1)), val(i8v(-128)));
    assert_eq!(un!(bitrev, i32v(0x0000_0006)), val(i32v(0x6000_0000)));
    assert_eq!(un!(bitrev, i128v(1)), val(i128v(i128::MIN)));
    assert_eq!(un!(clz, i8v(0)), val(i8v(8)));
    assert_eq!(un!(clz, i64v(1)), val(i64v(63)));
    assert_eq!(un!(clz, i128v(0)), val(i128v(128)));
    assert_eq!(un!(ctz, i16v(0)), val(i16v(16)));
    assert_eq!(un!(ctz, i32v(8)), val(i32v(3)));
    assert_eq!(un!(ctz, i128v(i128::MIN)), val(i128v(127)));
    assert_eq!(un!(cls, i8v(0)), val(i8v(7)));
    assert_eq!(un!(cls, i8v(-1)), val(i8v(7)));
    assert_eq!(un!(cls, i8v(1)), val(i8v(6)));
    assert_eq!(un!(cls, i8v(-128)), val(i8v(0)));
    assert_eq!(un!(cls, i32v(-2)), val(i32v(30)));
    assert_eq!(un!(cls, i128v(0)), val(i128v(127)));
    assert_eq!(un!(bswap, i8v(0x12)), val(i8v(0x12)));
    assert_eq!(un!(bswap, i16v(0x1234)), val(i16v(0x3412)));
    assert_eq!(un!(bswap, i32v(0x1122_3344)), val(i32v(0x4433_2211)));
    assert_eq!(un!(bswap, i128v(1)), val(i128v(1 << 120)));
    assert_eq!(un!(popcnt, i8v(-1)), val(i8v(8)));
    assert_eq!(un!(popcnt, i128v(-1)), val(i128v(128)));
    assert_eq!(un!(popcnt, i32v(0x0f0f)), val(i32v(8)));
    assert_eq!(eval1(&[i8v(2)], |c, v| c.ins().bmask(I64, v[0])), val(i64v(-1)));
    assert_eq!(eval1(&[i128v(0)], |c, v| c.ins().bmask(I32, v[0])), val(i32v(0)));
    assert_eq!(eval1(&[i64v(1 << 40)], |c, v| c.ins().bmask(I8, v[0])), val(i8v(-1)));
}

#[test]
fn shifts_take_the_amount_modulo_the_width() {
    assert_eq!(bin!(ishl, i32v(1), i32v(33)), val(i32v(2)));
    assert_eq!(bin!(ishl, i32v(1), i8v(31)), val(i32v(i32::MIN)));
    assert_eq!(bin!(ishl, i8v(1), i64v(8)), val(i8v(1)));
    assert_eq!(bin!(ishl, i128v(1), i128v(127)), val(i128v(i128::MIN)));
    assert_eq!(bin!(ishl, i128v(1), i8v(-128)), val(i128v(1)));
    assert_eq!(bin!(ushr, i8v(-128), i8v(7)), val(i8v(1)));
    assert_eq!(bin!(ushr, i16v(-1), i16v(-1)), val(i16v(1)));
    assert_eq!(bin!(sshr, i8v(-8), i8v(1)), val(i8v(-4)));
    assert_eq!(bin!(sshr, i64v(i64::MIN), i32v(63)), val(i64v(-1)));
    assert_eq!(bin!(sshr, i128v(-2), i128v(129)), val(i128v(-1)));
    assert_eq!(bin!(rotl, i8v(-127), i8v(1)), val(i8v(3)));
    assert_eq!(bin!(rotl, i8v(-127), i8v(9)), val(i8v(3)));
    assert_eq!(bin!(rotr, i8v(3), i8v(1)), val(i8v(-127)));
    assert_eq!(bin!(rotr, i32v(1), i32v(0)), val(i32v(1)));
    assert_eq!(bin!(rotl, i128v(i128::MIN), i8v(1)), val(i128v(1)));
    assert_eq!(imm!(ishl_imm, i64v(1), 65), val(i64v(2)));
    assert_eq!(imm!(ushr_imm, i32v(-1), 28), val(i32v(15)));
    assert_eq!(imm!(sshr_imm, i16v(-32768), 15), val(i16v(-1)));
    assert_eq!(imm!(rotl_imm, i16v(0x1234), 4), val(i16v(0x2341)));
    assert_eq!(imm!(rotr_imm, i16v(0x1234), 4), val(i16v(0x4123)));
}

#[test]
fn integer_comparisons() {
    let cmp = |cc, x, y| eval1(&[x, y], |c, v| c.ins().icmp(cc, v[0], v[1]));
    let table = [
        (IntCC::Equal, 0),
        (IntCC::NotEqual, 1),
        (IntCC::SignedLessThan, 1),
        (IntCC::SignedLessThanOrEqual, 1),
        (IntCC::SignedGreaterThan, 0),
        (IntCC::SignedGreaterThanOrEqual, 0),
        (IntCC::UnsignedLessThan, 0),
        (IntCC::UnsignedLessThanOrEqual, 0),
        (IntCC::UnsignedGreaterThan, 1),
        (IntCC::UnsignedGreaterThanOrEqual, 1),
    ];
    for (cc, want) in table {
        assert_eq!(cmp(cc, i32v(-1), i32v(1)), val(i8v(want)), "{cc}");
        assert_eq!(cmp(cc, i128v(-1), i128v(1)), val(i8v(want)), "{cc} i128");
    }
    assert_eq!(cmp(IntCC::Equal, i64v(5), i64v(5)), val(i8v(1)));
    assert_eq!(cmp(IntCC::SignedLessThanOrEqual, i8v(5), i8v(5)), val(i8v(1)));
    let cmpi = |cc, x, i: i64| eval1(&[x], |c, v| c.ins().icmp_imm(cc, v[0], i));
    assert_eq!(cmpi(IntCC::Equal, i8v(-1), -1), val(i8v(1)));
    assert_eq!(cmpi(IntCC::Equal, i8v(-1), 0xff), val(i8v(1)));
    assert_eq!(cmpi(IntCC::UnsignedLessThan, i8v(100), -1), val(i8v(1)));
    assert_eq!(cmpi(IntCC::Equal, i128v(-1), -1), val(i8v(1)));
    assert_eq!(cmpi(IntCC::SignedGreaterThan, i32v(0), -5), val(i8v(1)));
}

#[test]
fn selection() {
    let sel = |c, x, y| eval1(&[c, x, y], |cur, v| cur.ins().select(v[0], v[1], v[2]));
    assert_eq!(sel(i64v(0x100), i32v(1), i32v(2)), val(i32v(1)));
    assert_eq!(sel(i8v(0), i32v(1), i32v(2)), val(i32v(2)));
    assert_eq!(sel(i8v(1), f64b(0x7ff0_0000_0000_0001), f64v(0.0)), val(f64b(0x7ff0_0000_0000_0001)));
    assert_eq!(sel(i128v(1 << 100), i128v(-1), i128v(0)), val(i128v(-1)));
    let spec = eval1(&[i8v(0), i16v(1), i16v(2)], |c, v| c.ins().select_spectre_guard(v[0], v[1], v[2]));
    assert_eq!(spec, val(i16v(2)));
    let bs = eval1(&[i8v(0x0f), i8v(0x55), i8v(-86)], |c, v| c.ins().bitselect(v[0], v[1], v[2]));
    assert_eq!(bs, val(i8v(-91)));
}
