//! Vectors (docs/ir.md, "Vectors"): the lane-wise forms of scalar opcodes, and the vector
//! opcodes proper (`splat`, `extractlane`, `shuffle`, narrowing, widening, `vselect`,
//! fixed-point multiply, float lane conversions, extending loads, ...). The x86-specific
//! opcodes are in `vector_x86.rs`, which shares the lane helpers here.
//!
//! Lane-wise forms reuse the scalar rules: [`lanewise`] runs the scalar handler once per
//! lane with the context in lane mode (`Ctx::lanes`), in which a vector operand reads as
//! its lane of that index and results are collected instead of stored; comparisons then
//! widen their 1/0 to all-ones/zero lanes. So every lane follows exactly the rule its
//! scalar opcode has, traps included.
//!
//! Values are at most 128 bits (`Val`); a wider vector type is `Unsupported`. Lane `i`
//! occupies bits `i * lane_bits ..` (lane 0 lowest), as in memory on a little-endian
//! machine.

use super::float::{canon32, canon64};
use super::mem::effective;
use super::{Ctx, Flow, bad_shape};
use crate::error::{Ex, invalid, unsupported};
use crate::value::{mask, sext};
use lathe_codegen::ir::{Inst, InstructionData as D, Opcode, Type};

/// The lane being run while a lane-wise instruction executes its scalar rule.
pub(crate) struct LaneRun {
    /// The lane index.
    pub index: u32,
    /// The scalar results of this lane (at most two: the overflow opcodes).
    pub results: [u128; 2],
}

/// Whether `op` on vectors is its scalar rule applied to each lane.
pub(super) fn is_lanewise(op: Opcode) -> bool {
    use Opcode::*;
    matches!(
        op,
        Iadd | Isub
            | Ineg
            | Iabs
            | Imul
            | Umulhi
            | Smulhi
            | Smin
            | Umin
            | Smax
            | Umax
            | UaddSat
            | SaddSat
            | UsubSat
            | SsubSat
            | AvgRound
            | Bitrev
            | Clz
            | Cls
            | Ctz
            | Bswap
            | Popcnt
            | Bmask
            | Ishl
            | Ushr
            | Sshr
            | Rotl
            | Rotr
            | IshlImm
            | UshrImm
            | SshrImm
            | RotlImm
            | RotrImm
            | Icmp
            | IcmpImm
            | Fcmp
            | Fadd
            | Fsub
            | Fmul
            | Fdiv
            | Sqrt
            | Fma
            | Fneg
            | Fabs
            | Fcopysign
            | Fmin
            | Fmax
            | Ceil
            | Floor
            | Trunc
            | Nearest
            | Ireduce
            | Uextend
            | Sextend
            | Fpromote
            | Fdemote
            | FcvtToUint
            | FcvtToSint
            | FcvtToUintSat
            | FcvtToSintSat
            | FcvtFromUint
            | FcvtFromSint
    )
}

/// Runs `scalar` (the handler of `op`'s group) once per lane of the controlling type.
pub(super) fn lanewise(
    ctx: &mut Ctx<'_, '_>,
    inst: Inst,
    data: &D,
    op: Opcode,
    ctrl: Type,
    scalar: fn(&mut Ctx<'_, '_>, Inst, &D, Opcode, Type) -> Ex<Flow>,
) -> Ex<Flow> {
    let dfg = &ctx.frame.func.dfg;
    let results: Vec<Type> = dfg.inst_results(inst).iter().map(|&r| dfg.value_type(r)).collect();
    if results.len() > 2 || results.iter().any(|t| t.bits() > 128) || ctrl.bits() > 128 {
        return unsupported(op, "vectors wider than 128 bits");
    }
    let compare = matches!(op, Opcode::Icmp | Opcode::IcmpImm | Opcode::Fcmp);
    let mut out = [0u128; 2];
    for i in 0..ctrl.lane_count() {
        ctx.lanes = Some(LaneRun { index: i, results: [0; 2] });
        let flow = scalar(ctx, inst, data, op, ctrl.lane_type());
        let run = ctx.lanes.take();
        flow?;
        let Some(run) = run else { return bad_shape(op) };
        for (k, ty) in results.iter().enumerate() {
            let bits = ty.lane_bits();
            let mut lane = run.results[k] & mask(bits);
            if compare && lane != 0 {
                lane = mask(bits);
            }
            out[k] |= lane << (i * bits);
        }
    }
    for (k, &bits) in out.iter().enumerate().take(results.len()) {
        ctx.result(inst, k, bits)?;
    }
    Ok(Flow::Next)
}

/// Lane `i` of `bits`, lanes of `lane_bits` bits.
pub(super) fn lane(bits: u128, i: u32, lane_bits: u32) -> u128 {
    (bits >> (i * lane_bits)) & mask(lane_bits)
}

/// A vector of `n` lanes of `lane_bits` bits, lane `i` being the low bits of `f(i)`.
pub(super) fn build(n: u32, lane_bits: u32, f: impl Fn(u32) -> u128) -> u128 {
    (0..n).fold(0, |acc, i| acc | (f(i) & mask(lane_bits)) << (i * lane_bits))
}

/// `x` (signed when `signed`) clamped into the range of an `n`-bit integer, signed or
/// unsigned by `to_signed`.
pub(super) fn saturate(x: i128, n: u32, to_signed: bool) -> u128 {
    let (lo, hi) = if to_signed { (-(1i128 << (n - 1)), (1i128 << (n - 1)) - 1) } else { (0, (1i128 << n) - 1) };
    (x.clamp(lo, hi) as u128) & mask(n)
}

/// The first `n` lanes of `lane_bits` bits of `bits`, each extended (signed or not) to
/// twice its width: the `n` lanes of the result.
fn widen(bits: u128, lane_bits: u32, n: u32, signed: bool) -> u128 {
    build(n, 2 * lane_bits, |i| {
        let l = lane(bits, i, lane_bits);
        if signed { sext(l, lane_bits) as u128 } else { l }
    })
}

/// The Q-format product of two `n`-bit lanes: `(x * y + 2^(n-2)) >> (n-1)`, exact (before
/// any saturation or wrapping; only MIN * MIN exceeds `n` bits).
pub(super) fn q_mul_round(x: u128, y: u128, n: u32) -> i128 {
    (sext(x, n) * sext(y, n) + (1 << (n - 2))) >> (n - 1)
}

/// The memory lane width and signedness of an extending vector load.
fn extending_load(op: Opcode) -> Option<(u32, bool)> {
    use Opcode::*;
    Some(match op {
        Uload8x8 => (8, false),
        Sload8x8 => (8, true),
        Uload16x4 => (16, false),
        Sload16x4 => (16, true),
        Uload32x2 => (32, false),
        Sload32x2 => (32, true),
        _ => return None,
    })
}

/// Executes a vector opcode.
pub(super) fn exec(ctx: &mut Ctx<'_, '_>, inst: Inst, data: &D, op: Opcode, ctrl: Type) -> Ex<Flow> {
    use Opcode::*;
    match (*data, op) {
        (D::Unary { arg, .. }, Splat | ScalarToVector) => {
            let x = ctx.arg(arg)?.bits;
            let lb = ctrl.lane_bits();
            let n = if op == Splat { ctrl.lane_count() } else { 1 };
            let r = (0..n).fold(0u128, |acc, i| acc | x << (i * lb));
            ctx.result1(inst, r)
        }
        (D::BinaryImm8 { arg, imm, .. }, Extractlane) => {
            let v = ctx.arg(arg)?;
            if u32::from(imm) >= v.ty.lane_count() {
                return invalid(format!("lane {imm} of a {} vector", v.ty));
            }
            ctx.result1(inst, lane(v.bits, imm.into(), v.ty.lane_bits()))
        }
        (D::TernaryImm8 { args: [a, b], imm, .. }, Insertlane) => {
            let (v, x) = (ctx.arg(a)?, ctx.arg(b)?.bits);
            if u32::from(imm) >= v.ty.lane_count() {
                return invalid(format!("lane {imm} of a {} vector", v.ty));
            }
            let lb = v.ty.lane_bits();
            let at = u32::from(imm) * lb;
            ctx.result1(inst, (v.bits & !(mask(lb) << at)) | (x & mask(lb)) << at)
        }
        (D::Shuffle { args: [a, b], mask: m, .. }, Shuffle) => {
            let bytes = ctx.frame.func.dfg.constants.get(m).cloned().unwrap_or_default();
            if bytes.len() != 16 {
                return invalid(format!("the shuffle mask {m} has {} bytes, not 16", bytes.len()));
            }
            let (x, y) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits);
            let mut r = 0u128;
            for (i, &sel) in bytes.iter().enumerate() {
                let byte = match sel {
                    0..16 => lane(x, sel.into(), 8),
                    16..32 => lane(y, u32::from(sel) - 16, 8),
                    _ => 0,
                };
                r |= byte << (8 * i);
            }
            ctx.result1(inst, r)
        }
        (D::Binary { args: [a, b], .. }, Swizzle) => {
            let (x, idx) = (ctx.arg(a)?.bits, ctx.arg(b)?.bits);
            let r = (0..16).fold(0u128, |acc, i| {
                let sel = lane(idx, i, 8) as u32;
                acc | if sel < 16 { lane(x, sel, 8) << (8 * i) } else { 0 }
            });
            ctx.result1(inst, r)
        }
        (D::Unary { arg, .. }, VanyTrue | VallTrue | VhighBits) => {
            let v = ctx.arg(arg)?;
            let lb = v.ty.lane_bits();
            let lanes = (0..v.ty.lane_count()).map(|i| lane(v.bits, i, lb));
            let r = match op {
                VanyTrue => lanes.into_iter().any(|l| l != 0) as u128,
                VallTrue => lanes.into_iter().all(|l| l != 0) as u128,
                _ => lanes.enumerate().fold(0u128, |acc, (i, l)| acc | (l >> (lb - 1)) << i),
            };
            ctx.result1(inst, r)
        }
        (D::Binary { args: [a, b], .. }, Snarrow | Unarrow | Uunarrow) => {
            let (x, y) = (ctx.arg(a)?, ctx.arg(b)?.bits);
            let (lb, n) = (x.ty.lane_bits(), x.ty.lane_count());
            let half = lb / 2;
            let mut r = 0u128;
            for (i, l) in (0..n).map(|i| lane(x.bits, i, lb)).chain((0..n).map(|i| lane(y, i, lb))).enumerate() {
                let narrowed = match op {
                    Snarrow => saturate(sext(l, lb), half, true),
                    Unarrow => saturate(sext(l, lb), half, false),
                    _ => saturate(l as i128, half, false),
                };
                r |= narrowed << (i as u32 * half);
            }
            ctx.result1(inst, r)
        }
        (D::Unary { arg, .. }, SwidenLow | SwidenHigh | UwidenLow | UwidenHigh) => {
            let x = ctx.arg(arg)?;
            let (lb, n) = (x.ty.lane_bits(), x.ty.lane_count());
            let first = if matches!(op, SwidenHigh | UwidenHigh) { n / 2 } else { 0 };
            let signed = matches!(op, SwidenLow | SwidenHigh);
            ctx.result1(inst, widen(x.bits >> (first * lb), lb, n / 2, signed))
        }
        (D::Binary { args: [a, b], .. }, IaddPairwise) => {
            let (x, y) = (ctx.arg(a)?, ctx.arg(b)?.bits);
            let (lb, n) = (x.ty.lane_bits(), x.ty.lane_count());
            let all: Vec<u128> = (0..n).map(|i| lane(x.bits, i, lb)).chain((0..n).map(|i| lane(y, i, lb))).collect();
            let r = all
                .chunks(2)
                .enumerate()
                .fold(0u128, |acc, (i, p)| acc | ((p[0] + p[1]) & mask(lb)) << (i as u32 * lb));
            ctx.result1(inst, r)
        }
        (D::Ternary { args: [c, a, b], .. }, Vselect) => {
            let (c, x, y) = (ctx.arg(c)?.bits, ctx.arg(a)?, ctx.arg(b)?.bits);
            let lb = x.ty.lane_bits();
            let r = build(x.ty.lane_count(), lb, |i| lane(if lane(c, i, lb) != 0 { x.bits } else { y }, i, lb));
            ctx.result1(inst, r)
        }
        (D::Binary { args: [a, b], .. }, SqmulRoundSat) => {
            let (x, y) = (ctx.arg(a)?, ctx.arg(b)?.bits);
            let lb = x.ty.lane_bits();
            let r = build(x.ty.lane_count(), lb, |i| {
                saturate(q_mul_round(lane(x.bits, i, lb), lane(y, i, lb), lb), lb, true)
            });
            ctx.result1(inst, r)
        }
        (D::Unary { arg, .. }, FvpromoteLow) => {
            let x = ctx.arg(arg)?.bits;
            ctx.result1(inst, build(2, 64, |i| canon64(f64::from(f32::from_bits(lane(x, i, 32) as u32)))))
        }
        (D::Unary { arg, .. }, Fvdemote) => {
            let x = ctx.arg(arg)?.bits;
            ctx.result1(inst, build(2, 32, |i| canon32(f64::from_bits(lane(x, i, 64) as u64) as f32)))
        }
        (D::Load { flags, arg, offset, .. }, _) => {
            let Some((lb, signed)) = extending_load(op) else { return bad_shape(op) };
            let addr = effective(ctx.arg(arg)?.bits, offset.0);
            let bits = ctx.load_bits(addr, 8, (lb / 8) as usize, flags)?;
            ctx.result1(inst, widen(bits, lb, 64 / lb, signed))
        }
        _ => bad_shape(op),
    }
}
