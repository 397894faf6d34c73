//! Vector opcodes whose results the filetests cannot pin down exactly: a `NaN` expectation
//! in a run line matches any NaN, so the canonical NaN of the float lane conversions and
//! the exact bits of `x86_cvtt2dq`'s "integer indefinite" are checked here.

mod common;
use common::*;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::ir::InstBuilder;
use lathe_codegen::ir::types::*;

/// A 128-bit vector of type `ty` from its lanes of `bits` bits each (lane 0 first).
fn vector(ty: lathe_codegen::ir::Type, bits: u32, lanes: &[u128]) -> DataValue {
    let v = lanes.iter().enumerate().fold(0u128, |acc, (i, &l)| acc | l << (i as u32 * bits));
    DataValue::V128(ty, v.to_le_bytes())
}

#[test]
fn float_lane_conversions_give_the_canonical_nan() {
    // A signalling NaN with a payload, and a negative quiet one, in the low lanes.
    let x = vector(F32X4, 32, &[0x7f80_0001, 0xffc0_1234, 0x7f80_0001, 0]);
    let promoted = eval1(&[x], |c, v| c.ins().fvpromote_low(v[0]));
    assert_eq!(promoted, val(vector(F64X2, 64, &[0x7ff8_0000_0000_0000, 0x7ff8_0000_0000_0000])));
    let x = vector(F64X2, 64, &[0x7ff0_0000_0000_0001, 0xfff8_0000_0000_1234]);
    let demoted = eval1(&[x], |c, v| c.ins().fvdemote(v[0]));
    assert_eq!(demoted, val(vector(F32X4, 32, &[0x7fc0_0000, 0x7fc0_0000, 0, 0])));
}

#[test]
fn cvtt2dq_gives_the_minimum_for_nan_and_overflow() {
    let x = vector(F32X4, 32, &[0x7fc0_0000, 0x4f00_0000, 0xcf00_0001, 0xbfc0_0000]);
    let r = eval1(&[x], |c, v| c.ins().x86_cvtt2dq(I32X4, v[0]));
    assert_eq!(r, val(vector(I32X4, 32, &[0x8000_0000, 0x8000_0000, 0x8000_0000, 0xffff_ffff])));
    // f64x2 to i64x2: the minimum of the 64-bit lanes.
    let x = vector(F64X2, 64, &[0x7ff8_0000_0000_0000, 0xc3e0_0000_0000_0000]);
    let r = eval1(&[x], |c, v| c.ins().x86_cvtt2dq(I64X2, v[0]));
    assert_eq!(r, val(vector(I64X2, 64, &[1 << 63, 1 << 63])));
}
