//! Functions written as CLIF text, read with the text reader and run.

mod common;
use common::*;
use lathe_codegen::ir::TrapCode;
use lathe_codegen::text::parse_functions;

fn run_text(text: &str, name: &str, args: &[lathe_codegen::data_value::DataValue]) -> Outcome {
    let funcs = parse_functions(text).expect("the test text parses");
    let refs: Vec<_> = funcs.iter().collect();
    Outcome::from(run_in(&refs, name, args))
}

const FIB: &str = "
function %fib(i64) -> i64 {
    fn0 = %fib(i64) -> i64

block0(v0: i64):
    v1 = icmp_imm ult v0, 2
    brif v1, block1, block2

block1:
    return v0

block2:
    v2 = iadd_imm v0, -1
    v3 = call fn0(v2)
    v4 = iadd_imm v0, -2
    v5 = call fn0(v4)
    v6 = iadd v3, v5
    return v6
}
";

#[test]
fn recursive_fibonacci() {
    assert_eq!(run_text(FIB, "fib", &[i64v(0)]), val(i64v(0)));
    assert_eq!(run_text(FIB, "fib", &[i64v(20)]), val(i64v(6765)));
}

const MIXED: &str = "
function %clamp_add(i32, i32) -> i32 system_v {
block0(v0: i32, v1: i32):
    v2, v3 = sadd_overflow v0, v1
    brif v3, block2, block1(v2)

block1(v4: i32):
    return v4

block2 cold:
    v6 = iconst.i32 0x7fff_ffff
    return v6
}

function %slots(i64) -> i64, i8 {
    ss0 = explicit_slot 16, align = 8

block0(v0: i64):
    v1 = stack_addr.i64 ss0
    store big v0, v1+8
    v2 = uload8.i64 v1+8
    v3 = sload8.i8 v1+15
    return v2, v3
}

function %div(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = sdiv v0, v1
    return v2
}

function %nan(f64) -> f64 {
block0(v0: f64):
    v1 = f64const +NaN:0x1
    v2 = fadd v0, v1
    v3 = fneg v1
    v4 = fcmp uno v2, v3
    v5 = select v4, v3, v2
    return v5
}
";

#[test]
fn mixed_functions() {
    assert_eq!(run_text(MIXED, "clamp_add", &[i32v(1), i32v(2)]), val(i32v(3)));
    assert_eq!(run_text(MIXED, "clamp_add", &[i32v(i32::MAX), i32v(1)]), val(i32v(i32::MAX)));
    assert_eq!(run_text(MIXED, "slots", &[i64v(0x0102_0304_0506_0780)]), vals(&[i64v(1), i8v(-128)]));
    assert_eq!(run_text(MIXED, "div", &[i32v(i32::MIN), i32v(-1)]), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(run_text(MIXED, "div", &[i32v(1), i32v(0)]), Outcome::Trap(TrapCode::IntegerDivisionByZero));
    // fneg keeps the payload of +NaN:0x1; the comparison sees NaN and selects it.
    assert_eq!(run_text(MIXED, "nan", &[f64v(1.0)]), val(f64b(0xfff8_0000_0000_0001)));
}
