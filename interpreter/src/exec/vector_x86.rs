//! The x86-specific vector opcodes (docs/ir.md, "x86-specific vector opcodes"): `x86_pshufb`,
//! `x86_blendv`, `x86_pmulhrsw`, `x86_pmaddubsw` and `x86_cvtt2dq`, each with exactly the
//! result the x86 instruction of that name gives, so that the interpreter stays the
//! reference the x86-64 lowering is tested against.
//!
//! Input: a type-checked instruction (`check_types` in `mod.rs`); output: its one result.

use super::vector::{build, lane, q_mul_round, saturate};
use super::{Ctx, Flow, bad_shape};
use crate::error::Ex;
use crate::value::sext;
use lathe_codegen::ir::{Inst, InstructionData as D, Opcode, Type};
use lathe_codegen::softfloat;

/// Executes an x86-specific vector opcode.
pub(super) fn exec(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &D, op: Opcode, ctrl: Type) -> Ex<Flow> {
    use Opcode::*;
    match (*data, op) {
        (D::Binary { args: [a, b], .. }, X86Pshufb) => {
            let (x, idx) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits);
            // Bit 7 of an index zeroes the byte; otherwise only its low four bits count.
            let r = build(16, 8, |i| {
                let s = lane(idx, i, 8);
                if s & 0x80 != 0 { 0 } else { lane(x, (s & 15) as u32, 8) }
            });
            ctx.result1(inst, r)
        }
        (D::Ternary { args: [c, a, b], .. }, X86Blendv) => {
            let (c, x, y) = (ctx.arg(c)?.bits, ctx.arg(a)?, ctx.arg(b)?.bits);
            let lb = x.ty.lane_bits();
            let r = build(x.ty.lane_count(), lb, |i| {
                let top = lane(c, i, lb) >> (lb - 1);
                lane(if top != 0 { x.bits } else { y }, i, lb)
            });
            ctx.result1(inst, r)
        }
        (D::Binary { args: [a, b], .. }, X86Pmulhrsw) => {
            let (x, y) = (ctx.arg(a)?, ctx.arg(b)?.bits);
            let lb = x.ty.lane_bits();
            // The exact rounded product, truncated: only MIN * MIN (2^(lb-1)) does not fit,
            // and it wraps to MIN as the instruction's 16-bit result does.
            let r = build(x.ty.lane_count(), lb, |i| q_mul_round(lane(x.bits, i, lb), lane(y, i, lb), lb) as u128);
            ctx.result1(inst, r)
        }
        (D::Binary { args: [a, b], .. }, X86Pmaddubsw) => {
            let (x, y) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits);
            let product = |k: u32| sext(lane(x, k, 8), 8) * lane(y, k, 8) as i128;
            let r = build(8, 16, |i| saturate(product(2 * i) + product(2 * i + 1), 16, true));
            ctx.result1(inst, r)
        }
        (D::Unary { arg, .. }, X86Cvtt2dq) => {
            let x = ctx.arg(arg)?;
            let (from, to) = (x.ty.lane_bits(), ctrl.lane_bits());
            // NaN and out-of-range lanes trap in `fcvt_to_sint`; here they give the
            // "integer indefinite" value, the minimum signed integer.
            let r = build(ctrl.lane_count(), to, |i| {
                softfloat::to_int(from, lane(x.bits, i, from), to, true, false).unwrap_or(1 << (to - 1))
            });
            ctx.result1(inst, r)
        }
        _ => bad_shape(op),
    }
}
