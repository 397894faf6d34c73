//! Float constants, arithmetic, sign operations, rounding and comparison (docs/ir.md,
//! "Floating point").
//!
//! Arithmetic uses Rust's `f32`/`f64`, which are IEEE 754 with round-to-nearest-even, and
//! `softfloat.rs` for `f16`/`f128`; a NaN result is then replaced by the canonical quiet
//! NaN. Sign operations work on the bits so that NaN payloads survive.

use super::{Ctx, Flow, bad_shape};
use crate::error::{Ex, invalid};
use lathe_codegen::ir::{FloatCC, Inst, InstructionData as D, Opcode, Type, types};

/// The canonical quiet NaN of `f32`.
pub(crate) const CANON_NAN32: u32 = 0x7fc0_0000;
/// The canonical quiet NaN of `f64`.
pub(crate) const CANON_NAN64: u64 = 0x7ff8_0000_0000_0000;

/// The bits of an `f32` result, NaN canonicalized.
pub(crate) fn canon32(x: f32) -> u128 {
    u128::from(if x.is_nan() { CANON_NAN32 } else { x.to_bits() })
}

/// The bits of an `f64` result, NaN canonicalized.
pub(crate) fn canon64(x: f64) -> u128 {
    u128::from(if x.is_nan() { CANON_NAN64 } else { x.to_bits() })
}

macro_rules! float_ops {
    ($name:ident, $f:ty, $u:ty, $canon:ident) => {
        /// One arithmetic opcode on operands given as bits.
        fn $name(op: Opcode, a: u128, b: u128, c: u128) -> Option<u128> {
            let x = <$f>::from_bits(a as $u);
            let y = <$f>::from_bits(b as $u);
            let z = <$f>::from_bits(c as $u);
            let sign = |v: $f| v.to_bits() >> (<$u>::BITS - 1) != 0;
            use Opcode::*;
            Some($canon(match op {
                Fadd => x + y,
                Fsub => x - y,
                Fmul => x * y,
                Fdiv => x / y,
                Sqrt => x.sqrt(),
                Fma => x.mul_add(y, z),
                Fmin | Fmax if x.is_nan() || y.is_nan() => <$f>::NAN,
                // Equal operands differ at most in the sign of zero: -0.0 is the smaller.
                Fmin if x == y => {
                    if sign(x) {
                        x
                    } else {
                        y
                    }
                }
                Fmax if x == y => {
                    if sign(x) {
                        y
                    } else {
                        x
                    }
                }
                Fmin => x.min(y),
                Fmax => x.max(y),
                Ceil => x.ceil(),
                Floor => x.floor(),
                Trunc => x.trunc(),
                Nearest => x.round_ties_even(),
                _ => return None,
            }))
        }
    };
}

float_ops!(arith32, f32, u32, canon32);
float_ops!(arith64, f64, u64, canon64);

/// A float operand widened to `f64` (exact), for comparisons.
fn as_f64(ty: Type, bits: u128) -> f64 {
    if ty == types::F32 { f64::from(f32::from_bits(bits as u32)) } else { f64::from_bits(bits as u64) }
}

fn compare(cond: FloatCC, a: f64, b: f64) -> bool {
    let uno = a.is_nan() || b.is_nan();
    match cond {
        FloatCC::Ordered => !uno,
        FloatCC::Unordered => uno,
        FloatCC::Equal => a == b,
        FloatCC::NotEqual => a != b,
        FloatCC::OrderedNotEqual => !uno && a != b,
        FloatCC::UnorderedOrEqual => uno || a == b,
        FloatCC::LessThan => a < b,
        FloatCC::LessThanOrEqual => a <= b,
        FloatCC::GreaterThan => a > b,
        FloatCC::GreaterThanOrEqual => a >= b,
        FloatCC::UnorderedOrLessThan => uno || a < b,
        FloatCC::UnorderedOrLessThanOrEqual => uno || a <= b,
        FloatCC::UnorderedOrGreaterThan => uno || a > b,
        FloatCC::UnorderedOrGreaterThanOrEqual => uno || a >= b,
    }
}

/// Executes a float instruction.
pub(super) fn exec(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &D, op: Opcode, ctrl: Type) -> Ex<Flow> {
    match *data {
        D::UnaryIeee32 { imm, .. } => return ctx.result1(inst, u128::from(imm.0)),
        D::UnaryIeee64 { imm, .. } => return ctx.result1(inst, u128::from(imm.0)),
        D::UnaryIeee16 { imm, .. } => return ctx.result1(inst, u128::from(imm.0)),
        D::FloatCompare { cond, args: [a, b], .. } => {
            let (x, y) = (ctx.arg(a)?, ctx.arg(b)?);
            let r = match x.ty.bits() {
                32 | 64 => compare(cond, as_f64(x.ty, x.bits), as_f64(y.ty, y.bits)),
                n => lathe_codegen::softfloat::compare(n, cond, x.bits, y.bits),
            };
            return ctx.result1(inst, r as u128);
        }
        _ => {}
    }
    let n = ctrl.bits();
    if !ctrl.is_float_scalar() {
        return invalid(format!("`{op}` on type {ctrl}"));
    }
    let sign_bit = 1u128 << (n - 1);
    let (a, b, c) = match *data {
        D::Unary { arg, .. } => (ctx.arg(arg)?.bits, 0, 0),
        D::Binary { args: [a, b], .. } => (ctx.arg(a)?.bits, ctx.arg(b)?.bits, 0),
        D::Ternary { args: [a, b, c], .. } => (ctx.arg(a)?.bits, ctx.arg(b)?.bits, ctx.arg(c)?.bits),
        _ => return bad_shape(op),
    };
    let r = match op {
        Opcode::Fneg => a ^ sign_bit,
        Opcode::Fabs => a & !sign_bit,
        Opcode::Fcopysign => (a & !sign_bit) | (b & sign_bit),
        _ => {
            let r = match n {
                32 => arith32(op, a, b, c),
                64 => arith64(op, a, b, c),
                _ => lathe_codegen::softfloat::arith(n, op, a, b, c),
            };
            match r {
                Some(r) => r,
                None => return bad_shape(op),
            }
        }
    };
    ctx.result1(inst, r)
}
