//! The fixed-width SIMD proposal (`v128`) and relaxed SIMD, to Lathe's vector IR.
//!
//! Every `v128` on the operand stack, in locals, globals and block parameters has the
//! one IR type `i8x16`; an operation bitcasts its operands (little-endian lane order, as
//! Wasm's memory and lanes are) to the lane shape it works on and its result back, which
//! costs nothing on a little-endian ISA. Most operators are one IR opcode, since CLIF's
//! vector opcodes follow Wasm's; the rest are short sequences: extending loads are a
//! 64-bit load widened, `pmin`/`pmax` compares and selects, dot products and extended
//! multiplies widen first, `trunc_sat` to `i32` from `f64x2` narrows a saturated `i64x2`.
//!
//! Relaxed SIMD is deterministic here: each relaxed operator gives the result of its
//! strict counterpart (`relaxed_swizzle` is `swizzle`, `relaxed_trunc` saturates,
//! `relaxed_madd` is an unfused multiply-add, `relaxed_laneselect` is `bitselect`,
//! `relaxed_min`/`max` are `fmin`/`fmax`, `relaxed_q15mulr` is `q15mulr_sat`), and the
//! dot products treat the second operand's bytes as signed (the proposal allows either).
//!
//! Input: validated operators (lane indices in range). Output: IR in the current block.

use super::FuncTranslator;
use crate::WasmError;
use lathe_codegen::ir::{Endianness, FloatCC, InstBuilder, IntCC, MemFlags, Opcode, Type, Value, types};
use wasmparser::{MemArg, Operator};

use types::{F32X4, F64X2, I8X16, I16X8, I32, I32X4, I64, I64X2};

/// Bitcasts between lane shapes, in Wasm's (little-endian) lane order.
fn lanes() -> MemFlags {
    MemFlags::new().with_endianness(Endianness::Little)
}

impl FuncTranslator<'_> {
    /// `v` as a vector of type `ty`.
    fn as_vec(&mut self, v: Value, ty: Type) -> Value {
        if self.b.func.dfg.value_type(v) == ty { v } else { self.b.ins().bitcast(ty, lanes(), v) }
    }

    /// Pops a `v128` as a vector of type `ty`.
    fn pop_vec(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.as_vec(v, ty)
    }

    /// Pushes a vector result as the canonical `i8x16`.
    fn push_vec(&mut self, v: Value) {
        let v = self.as_vec(v, I8X16);
        self.push(v);
    }

    fn unary_vec(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop_vec(ty);
        let r = f(self, a);
        self.push_vec(r);
    }

    fn binary_vec(&mut self, ty: Type, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let b = self.pop_vec(ty);
        let a = self.pop_vec(ty);
        let r = f(self, a, b);
        self.push_vec(r);
    }

    fn vconst(&mut self, ty: Type, bits: u128) -> Value {
        let c = self.b.func.dfg.make_constant(bits.to_le_bytes().to_vec());
        self.b.ins().vconst(ty, c)
    }

    /// The lane type's scalar value from a Wasm operand (`i32` for 8- and 16-bit lanes).
    fn lane_scalar(&mut self, lane: Type, x: Value) -> Value {
        if lane.bits() < 32 { self.b.ins().ireduce(lane, x) } else { x }
    }

    /// A load of `size` bytes at the popped address, as the memory module computes it.
    fn simd_load(&mut self, memarg: &MemArg, ty: Type) -> Value {
        let index = self.pop();
        let (addr, off) = self.address(index, memarg, ty.bytes());
        self.b.ins().load(ty, super::memory::heap_flags(), addr, off)
    }

    /// A load of the low 64 bits, widened lane by lane (`v128.load8x8_s` and friends).
    fn load_extend(&mut self, memarg: &MemArg, narrow: Type, signed: bool) {
        let x = self.simd_load(memarg, I64);
        let v = self.b.ins().scalar_to_vector(I64X2, x);
        let v = self.as_vec(v, narrow);
        let r = if signed { self.b.ins().swiden_low(v) } else { self.b.ins().uwiden_low(v) };
        self.push_vec(r);
    }

    /// `v128.loadN_lane`: the vector and address are popped, lane `lane` replaced.
    fn load_lane(&mut self, memarg: &MemArg, vec_ty: Type, lane: u8) {
        let v = self.pop_vec(vec_ty);
        let x = self.simd_load(memarg, vec_ty.lane_type());
        let r = self.b.ins().insertlane(v, x, lane);
        self.push_vec(r);
    }

    /// `v128.storeN_lane`.
    fn store_lane(&mut self, memarg: &MemArg, vec_ty: Type, lane: u8) {
        let v = self.pop_vec(vec_ty);
        let index = self.pop();
        let x = self.b.ins().extractlane(v, lane);
        let (addr, off) = self.address(index, memarg, vec_ty.lane_bits() / 8);
        self.b.ins().store(super::memory::heap_flags(), x, addr, off);
    }

    /// `pmin` (`b < a ? b : a`) or `pmax` (`a < b ? b : a`), lane-wise.
    fn pseudo_minmax(&mut self, ty: Type, max: bool) {
        self.binary_vec(ty, |t, a, b| {
            let c = if max { t.b.ins().fcmp(FloatCC::LessThan, a, b) } else { t.b.ins().fcmp(FloatCC::LessThan, b, a) };
            let c = t.as_vec(c, ty);
            t.b.ins().bitselect(c, b, a)
        });
    }

    /// The product of the low or high halves, widened first (`extmul_*`).
    fn ext_mul(&mut self, narrow: Type, high: bool, signed: bool) {
        self.binary_vec(narrow, |t, a, b| {
            let widen = |t: &mut Self, x| match (high, signed) {
                (false, true) => t.b.ins().swiden_low(x),
                (false, false) => t.b.ins().uwiden_low(x),
                (true, true) => t.b.ins().swiden_high(x),
                (true, false) => t.b.ins().uwiden_high(x),
            };
            let (wa, wb) = (widen(t, a), widen(t, b));
            t.b.ins().imul(wa, wb)
        });
    }

    /// Sums of adjacent lane pairs, widened (`extadd_pairwise_*`).
    fn ext_add_pairwise(&mut self, narrow: Type, signed: bool) {
        self.unary_vec(narrow, |t, a| {
            let (lo, hi) = if signed {
                (t.b.ins().swiden_low(a), t.b.ins().swiden_high(a))
            } else {
                (t.b.ins().uwiden_low(a), t.b.ins().uwiden_high(a))
            };
            t.b.ins().iadd_pairwise(lo, hi)
        });
    }

    /// `i32x4.trunc_sat_f64x2_{s,u}_zero`: each lane clamped to the `i32` (`u32`) range as
    /// an `f64` (NaN stays NaN, which the conversion makes 0), converted to `i64x2`, whose
    /// low halves are then the results (upper lanes zero). Clamping first keeps to
    /// conversions every ISA has, where narrowing `i64x2` would not be.
    fn trunc_sat_f64x2_zero(&mut self, signed: bool) {
        self.unary_vec(F64X2, |t, a| {
            let (lo, hi) = if signed { (-2147483648.0f64, 2147483647.0f64) } else { (0.0, 4294967295.0) };
            let splat = |t: &mut Self, x: f64| {
                let bits = u128::from(x.to_bits());
                t.vconst(F64X2, bits | bits << 64)
            };
            let (lo, hi) = (splat(t, lo), splat(t, hi));
            let clamped = t.b.ins().fmin(a, hi);
            let clamped = t.b.ins().fmax(clamped, lo);
            let wide = if signed {
                t.b.ins().fcvt_to_sint_sat(I64X2, clamped)
            } else {
                t.b.ins().fcvt_to_uint_sat(I64X2, clamped)
            };
            let wide = t.as_vec(wide, I8X16);
            let zero = t.vconst(I8X16, 0);
            // Bytes 0-3 and 8-11 (the low halves), then zeros from the second operand.
            let mut mask = [16u8; 16];
            mask[..4].copy_from_slice(&[0, 1, 2, 3]);
            mask[4..8].copy_from_slice(&[8, 9, 10, 11]);
            let mask = t.b.func.dfg.make_constant(mask.to_vec());
            t.b.ins().shuffle(wide, zero, mask)
        });
    }

    /// Sums of adjacent signed products, in lanes twice as wide (`i32x4.dot_i16x8_s`,
    /// and the relaxed `i16x8` dot of bytes, reading the second operand as signed).
    fn dot(&mut self, a: Value, b: Value) -> Value {
        let (al, bl) = (self.b.ins().swiden_low(a), self.b.ins().swiden_low(b));
        let (ah, bh) = (self.b.ins().swiden_high(a), self.b.ins().swiden_high(b));
        let lo = self.b.ins().imul(al, bl);
        let hi = self.b.ins().imul(ah, bh);
        self.b.ins().iadd_pairwise(lo, hi)
    }

    /// `r` with each NaN lane replaced by the canonical NaN. Wasm asks for the canonical
    /// NaN from `min`/`max` of canonical NaNs; CLIF lets a backend return any NaN (x86's
    /// vector sequences give other payloads), so the front end that needs the rule
    /// enforces it.
    fn canonical_nans(&mut self, ty: Type, r: Value) -> Value {
        let nan = if ty == F32X4 {
            0x7fc0_0000_7fc0_0000_7fc0_0000_7fc0_0000u128
        } else {
            0x7ff8_0000_0000_0000_7ff8_0000_0000_0000
        };
        let nan = self.vconst(ty, nan);
        let unordered = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        let unordered = self.as_vec(unordered, ty);
        self.b.ins().bitselect(unordered, nan, r)
    }

    fn icmp_vec(&mut self, ty: Type, cc: IntCC) {
        self.binary_vec(ty, |t, a, b| t.b.ins().icmp(cc, a, b));
    }

    fn fcmp_vec(&mut self, ty: Type, cc: FloatCC) {
        self.binary_vec(ty, |t, a, b| t.b.ins().fcmp(cc, a, b));
    }

    fn op_vec(&mut self, ty: Type, op: Opcode) {
        self.binary_vec(ty, |t, a, b| match op {
            Opcode::Iadd => t.b.ins().iadd(a, b),
            Opcode::Isub => t.b.ins().isub(a, b),
            Opcode::Imul => t.b.ins().imul(a, b),
            Opcode::SaddSat => t.b.ins().sadd_sat(a, b),
            Opcode::UaddSat => t.b.ins().uadd_sat(a, b),
            Opcode::SsubSat => t.b.ins().ssub_sat(a, b),
            Opcode::UsubSat => t.b.ins().usub_sat(a, b),
            Opcode::Smin => t.b.ins().smin(a, b),
            Opcode::Umin => t.b.ins().umin(a, b),
            Opcode::Smax => t.b.ins().smax(a, b),
            Opcode::Umax => t.b.ins().umax(a, b),
            Opcode::AvgRound => t.b.ins().avg_round(a, b),
            Opcode::Fadd => t.b.ins().fadd(a, b),
            Opcode::Fsub => t.b.ins().fsub(a, b),
            Opcode::Fmul => t.b.ins().fmul(a, b),
            Opcode::Fdiv => t.b.ins().fdiv(a, b),
            Opcode::Fmin => {
                let r = t.b.ins().fmin(a, b);
                t.canonical_nans(ty, r)
            }
            Opcode::Fmax => {
                let r = t.b.ins().fmax(a, b);
                t.canonical_nans(ty, r)
            }
            Opcode::SqmulRoundSat => t.b.ins().sqmul_round_sat(a, b),
            _ => unreachable!("only binary lane-wise opcodes come here"),
        });
    }

    fn unop_vec(&mut self, ty: Type, op: Opcode) {
        self.unary_vec(ty, |t, a| match op {
            Opcode::Iabs => t.b.ins().iabs(a),
            Opcode::Ineg => t.b.ins().ineg(a),
            Opcode::Popcnt => t.b.ins().popcnt(a),
            Opcode::Fabs => t.b.ins().fabs(a),
            Opcode::Fneg => t.b.ins().fneg(a),
            Opcode::Sqrt => t.b.ins().sqrt(a),
            Opcode::Ceil => t.b.ins().ceil(a),
            Opcode::Floor => t.b.ins().floor(a),
            Opcode::Trunc => t.b.ins().trunc(a),
            Opcode::Nearest => t.b.ins().nearest(a),
            Opcode::SwidenLow => t.b.ins().swiden_low(a),
            Opcode::SwidenHigh => t.b.ins().swiden_high(a),
            Opcode::UwidenLow => t.b.ins().uwiden_low(a),
            Opcode::UwidenHigh => t.b.ins().uwiden_high(a),
            _ => unreachable!("only unary lane-wise opcodes come here"),
        });
    }

    fn shift_vec(&mut self, ty: Type, op: Opcode) {
        let amount = self.pop();
        let v = self.pop_vec(ty);
        let r = match op {
            Opcode::Ishl => self.b.ins().ishl(v, amount),
            Opcode::Sshr => self.b.ins().sshr(v, amount),
            _ => self.b.ins().ushr(v, amount),
        };
        self.push_vec(r);
    }

    /// A test of a whole vector (`any_true`, `all_true`) or its sign bits (`bitmask`), as
    /// an `i32`.
    fn reduce_vec(&mut self, ty: Type, op: Opcode) {
        let v = self.pop_vec(ty);
        let r = match op {
            Opcode::VanyTrue => {
                let c = self.b.ins().vany_true(v);
                self.bool_to_i32(c)
            }
            Opcode::VallTrue => {
                let c = self.b.ins().vall_true(v);
                self.bool_to_i32(c)
            }
            _ => self.b.ins().vhigh_bits(I32, v),
        };
        self.push(r);
    }

    fn splat_vec(&mut self, ty: Type) {
        let x = self.pop();
        let x = self.lane_scalar(ty.lane_type(), x);
        let r = self.b.ins().splat(ty, x);
        self.push_vec(r);
    }

    fn extract_lane(&mut self, ty: Type, lane: u8, ext: Option<bool>) {
        let v = self.pop_vec(ty);
        let x = self.b.ins().extractlane(v, lane);
        let r = match ext {
            Some(true) => self.b.ins().sextend(I32, x),
            Some(false) => self.b.ins().uextend(I32, x),
            None => x,
        };
        self.push(r);
    }

    fn replace_lane(&mut self, ty: Type, lane: u8) {
        let x = self.pop();
        let v = self.pop_vec(ty);
        let x = self.lane_scalar(ty.lane_type(), x);
        let r = self.b.ins().insertlane(v, x, lane);
        self.push_vec(r);
    }

    /// Handles SIMD operators; false if `op` is not one.
    pub(crate) fn simd(&mut self, op: &Operator<'_>) -> Result<bool, WasmError> {
        use Opcode as O;
        use Operator::*;
        match op {
            V128Load { memarg } => {
                let v = self.simd_load(memarg, I8X16);
                self.push(v);
            }
            V128Store { memarg } => {
                let v = self.pop_vec(I8X16);
                let index = self.pop();
                let (addr, off) = self.address(index, memarg, 16);
                self.b.ins().store(super::memory::heap_flags(), v, addr, off);
            }
            V128Load8x8S { memarg } => self.load_extend(memarg, I8X16, true),
            V128Load8x8U { memarg } => self.load_extend(memarg, I8X16, false),
            V128Load16x4S { memarg } => self.load_extend(memarg, I16X8, true),
            V128Load16x4U { memarg } => self.load_extend(memarg, I16X8, false),
            V128Load32x2S { memarg } => self.load_extend(memarg, I32X4, true),
            V128Load32x2U { memarg } => self.load_extend(memarg, I32X4, false),
            V128Load8Splat { memarg }
            | V128Load16Splat { memarg }
            | V128Load32Splat { memarg }
            | V128Load64Splat { memarg } => {
                let ty = match op {
                    V128Load8Splat { .. } => I8X16,
                    V128Load16Splat { .. } => I16X8,
                    V128Load32Splat { .. } => I32X4,
                    _ => I64X2,
                };
                let x = self.simd_load(memarg, ty.lane_type());
                let r = self.b.ins().splat(ty, x);
                self.push_vec(r);
            }
            V128Load32Zero { memarg } | V128Load64Zero { memarg } => {
                let ty = if matches!(op, V128Load32Zero { .. }) { I32X4 } else { I64X2 };
                let x = self.simd_load(memarg, ty.lane_type());
                let r = self.b.ins().scalar_to_vector(ty, x);
                self.push_vec(r);
            }
            V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8X16, *lane),
            V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16X8, *lane),
            V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32X4, *lane),
            V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64X2, *lane),
            V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8X16, *lane),
            V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16X8, *lane),
            V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32X4, *lane),
            V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64X2, *lane),
            V128Const { value } => {
                let v = self.vconst(I8X16, value.i128() as u128);
                self.push(v);
            }
            I8x16Shuffle { lanes } => {
                let b = self.pop_vec(I8X16);
                let a = self.pop_vec(I8X16);
                let mask = self.b.func.dfg.make_constant(lanes.to_vec());
                let r = self.b.ins().shuffle(a, b, mask);
                self.push(r);
            }
            I8x16Swizzle | I8x16RelaxedSwizzle => self.binary_vec(I8X16, |t, a, b| t.b.ins().swizzle(a, b)),
            I8x16Splat => self.splat_vec(I8X16),
            I16x8Splat => self.splat_vec(I16X8),
            I32x4Splat => self.splat_vec(I32X4),
            I64x2Splat => self.splat_vec(I64X2),
            F32x4Splat => self.splat_vec(F32X4),
            F64x2Splat => self.splat_vec(F64X2),
            I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, *lane, Some(true)),
            I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, *lane, Some(false)),
            I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, *lane, Some(true)),
            I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, *lane, Some(false)),
            I32x4ExtractLane { lane } => self.extract_lane(I32X4, *lane, None),
            I64x2ExtractLane { lane } => self.extract_lane(I64X2, *lane, None),
            F32x4ExtractLane { lane } => self.extract_lane(F32X4, *lane, None),
            F64x2ExtractLane { lane } => self.extract_lane(F64X2, *lane, None),
            I8x16ReplaceLane { lane } => self.replace_lane(I8X16, *lane),
            I16x8ReplaceLane { lane } => self.replace_lane(I16X8, *lane),
            I32x4ReplaceLane { lane } => self.replace_lane(I32X4, *lane),
            I64x2ReplaceLane { lane } => self.replace_lane(I64X2, *lane),
            F32x4ReplaceLane { lane } => self.replace_lane(F32X4, *lane),
            F64x2ReplaceLane { lane } => self.replace_lane(F64X2, *lane),

            I8x16Eq => self.icmp_vec(I8X16, IntCC::Equal),
            I8x16Ne => self.icmp_vec(I8X16, IntCC::NotEqual),
            I8x16LtS => self.icmp_vec(I8X16, IntCC::SignedLessThan),
            I8x16LtU => self.icmp_vec(I8X16, IntCC::UnsignedLessThan),
            I8x16GtS => self.icmp_vec(I8X16, IntCC::SignedGreaterThan),
            I8x16GtU => self.icmp_vec(I8X16, IntCC::UnsignedGreaterThan),
            I8x16LeS => self.icmp_vec(I8X16, IntCC::SignedLessThanOrEqual),
            I8x16LeU => self.icmp_vec(I8X16, IntCC::UnsignedLessThanOrEqual),
            I8x16GeS => self.icmp_vec(I8X16, IntCC::SignedGreaterThanOrEqual),
            I8x16GeU => self.icmp_vec(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            I16x8Eq => self.icmp_vec(I16X8, IntCC::Equal),
            I16x8Ne => self.icmp_vec(I16X8, IntCC::NotEqual),
            I16x8LtS => self.icmp_vec(I16X8, IntCC::SignedLessThan),
            I16x8LtU => self.icmp_vec(I16X8, IntCC::UnsignedLessThan),
            I16x8GtS => self.icmp_vec(I16X8, IntCC::SignedGreaterThan),
            I16x8GtU => self.icmp_vec(I16X8, IntCC::UnsignedGreaterThan),
            I16x8LeS => self.icmp_vec(I16X8, IntCC::SignedLessThanOrEqual),
            I16x8LeU => self.icmp_vec(I16X8, IntCC::UnsignedLessThanOrEqual),
            I16x8GeS => self.icmp_vec(I16X8, IntCC::SignedGreaterThanOrEqual),
            I16x8GeU => self.icmp_vec(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            I32x4Eq => self.icmp_vec(I32X4, IntCC::Equal),
            I32x4Ne => self.icmp_vec(I32X4, IntCC::NotEqual),
            I32x4LtS => self.icmp_vec(I32X4, IntCC::SignedLessThan),
            I32x4LtU => self.icmp_vec(I32X4, IntCC::UnsignedLessThan),
            I32x4GtS => self.icmp_vec(I32X4, IntCC::SignedGreaterThan),
            I32x4GtU => self.icmp_vec(I32X4, IntCC::UnsignedGreaterThan),
            I32x4LeS => self.icmp_vec(I32X4, IntCC::SignedLessThanOrEqual),
            I32x4LeU => self.icmp_vec(I32X4, IntCC::UnsignedLessThanOrEqual),
            I32x4GeS => self.icmp_vec(I32X4, IntCC::SignedGreaterThanOrEqual),
            I32x4GeU => self.icmp_vec(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            I64x2Eq => self.icmp_vec(I64X2, IntCC::Equal),
            I64x2Ne => self.icmp_vec(I64X2, IntCC::NotEqual),
            I64x2LtS => self.icmp_vec(I64X2, IntCC::SignedLessThan),
            I64x2GtS => self.icmp_vec(I64X2, IntCC::SignedGreaterThan),
            I64x2LeS => self.icmp_vec(I64X2, IntCC::SignedLessThanOrEqual),
            I64x2GeS => self.icmp_vec(I64X2, IntCC::SignedGreaterThanOrEqual),
            F32x4Eq => self.fcmp_vec(F32X4, FloatCC::Equal),
            F32x4Ne => self.fcmp_vec(F32X4, FloatCC::NotEqual),
            F32x4Lt => self.fcmp_vec(F32X4, FloatCC::LessThan),
            F32x4Gt => self.fcmp_vec(F32X4, FloatCC::GreaterThan),
            F32x4Le => self.fcmp_vec(F32X4, FloatCC::LessThanOrEqual),
            F32x4Ge => self.fcmp_vec(F32X4, FloatCC::GreaterThanOrEqual),
            F64x2Eq => self.fcmp_vec(F64X2, FloatCC::Equal),
            F64x2Ne => self.fcmp_vec(F64X2, FloatCC::NotEqual),
            F64x2Lt => self.fcmp_vec(F64X2, FloatCC::LessThan),
            F64x2Gt => self.fcmp_vec(F64X2, FloatCC::GreaterThan),
            F64x2Le => self.fcmp_vec(F64X2, FloatCC::LessThanOrEqual),
            F64x2Ge => self.fcmp_vec(F64X2, FloatCC::GreaterThanOrEqual),

            V128Not => self.unary_vec(I8X16, |t, a| t.b.ins().bnot(a)),
            V128And => self.binary_vec(I8X16, |t, a, b| t.b.ins().band(a, b)),
            V128AndNot => self.binary_vec(I8X16, |t, a, b| t.b.ins().band_not(a, b)),
            V128Or => self.binary_vec(I8X16, |t, a, b| t.b.ins().bor(a, b)),
            V128Xor => self.binary_vec(I8X16, |t, a, b| t.b.ins().bxor(a, b)),
            V128Bitselect
            | I8x16RelaxedLaneselect
            | I16x8RelaxedLaneselect
            | I32x4RelaxedLaneselect
            | I64x2RelaxedLaneselect => {
                let c = self.pop_vec(I8X16);
                let b = self.pop_vec(I8X16);
                let a = self.pop_vec(I8X16);
                let r = self.b.ins().bitselect(c, a, b);
                self.push(r);
            }
            V128AnyTrue => self.reduce_vec(I8X16, O::VanyTrue),
            I8x16AllTrue => self.reduce_vec(I8X16, O::VallTrue),
            I16x8AllTrue => self.reduce_vec(I16X8, O::VallTrue),
            I32x4AllTrue => self.reduce_vec(I32X4, O::VallTrue),
            I64x2AllTrue => self.reduce_vec(I64X2, O::VallTrue),
            I8x16Bitmask => self.reduce_vec(I8X16, O::VhighBits),
            I16x8Bitmask => self.reduce_vec(I16X8, O::VhighBits),
            I32x4Bitmask => self.reduce_vec(I32X4, O::VhighBits),
            I64x2Bitmask => self.reduce_vec(I64X2, O::VhighBits),

            I8x16Abs => self.unop_vec(I8X16, O::Iabs),
            I16x8Abs => self.unop_vec(I16X8, O::Iabs),
            I32x4Abs => self.unop_vec(I32X4, O::Iabs),
            I64x2Abs => self.unop_vec(I64X2, O::Iabs),
            I8x16Neg => self.unop_vec(I8X16, O::Ineg),
            I16x8Neg => self.unop_vec(I16X8, O::Ineg),
            I32x4Neg => self.unop_vec(I32X4, O::Ineg),
            I64x2Neg => self.unop_vec(I64X2, O::Ineg),
            I8x16Popcnt => self.unop_vec(I8X16, O::Popcnt),
            I8x16NarrowI16x8S => self.binary_vec(I16X8, |t, a, b| t.b.ins().snarrow(a, b)),
            I8x16NarrowI16x8U => self.binary_vec(I16X8, |t, a, b| t.b.ins().unarrow(a, b)),
            I16x8NarrowI32x4S => self.binary_vec(I32X4, |t, a, b| t.b.ins().snarrow(a, b)),
            I16x8NarrowI32x4U => self.binary_vec(I32X4, |t, a, b| t.b.ins().unarrow(a, b)),
            I8x16Shl => self.shift_vec(I8X16, O::Ishl),
            I8x16ShrS => self.shift_vec(I8X16, O::Sshr),
            I8x16ShrU => self.shift_vec(I8X16, O::Ushr),
            I16x8Shl => self.shift_vec(I16X8, O::Ishl),
            I16x8ShrS => self.shift_vec(I16X8, O::Sshr),
            I16x8ShrU => self.shift_vec(I16X8, O::Ushr),
            I32x4Shl => self.shift_vec(I32X4, O::Ishl),
            I32x4ShrS => self.shift_vec(I32X4, O::Sshr),
            I32x4ShrU => self.shift_vec(I32X4, O::Ushr),
            I64x2Shl => self.shift_vec(I64X2, O::Ishl),
            I64x2ShrS => self.shift_vec(I64X2, O::Sshr),
            I64x2ShrU => self.shift_vec(I64X2, O::Ushr),

            I8x16Add => self.op_vec(I8X16, O::Iadd),
            I8x16AddSatS => self.op_vec(I8X16, O::SaddSat),
            I8x16AddSatU => self.op_vec(I8X16, O::UaddSat),
            I8x16Sub => self.op_vec(I8X16, O::Isub),
            I8x16SubSatS => self.op_vec(I8X16, O::SsubSat),
            I8x16SubSatU => self.op_vec(I8X16, O::UsubSat),
            I8x16MinS => self.op_vec(I8X16, O::Smin),
            I8x16MinU => self.op_vec(I8X16, O::Umin),
            I8x16MaxS => self.op_vec(I8X16, O::Smax),
            I8x16MaxU => self.op_vec(I8X16, O::Umax),
            I8x16AvgrU => self.op_vec(I8X16, O::AvgRound),
            I16x8Add => self.op_vec(I16X8, O::Iadd),
            I16x8AddSatS => self.op_vec(I16X8, O::SaddSat),
            I16x8AddSatU => self.op_vec(I16X8, O::UaddSat),
            I16x8Sub => self.op_vec(I16X8, O::Isub),
            I16x8SubSatS => self.op_vec(I16X8, O::SsubSat),
            I16x8SubSatU => self.op_vec(I16X8, O::UsubSat),
            I16x8Mul => self.op_vec(I16X8, O::Imul),
            I16x8MinS => self.op_vec(I16X8, O::Smin),
            I16x8MinU => self.op_vec(I16X8, O::Umin),
            I16x8MaxS => self.op_vec(I16X8, O::Smax),
            I16x8MaxU => self.op_vec(I16X8, O::Umax),
            I16x8AvgrU => self.op_vec(I16X8, O::AvgRound),
            I16x8Q15MulrSatS | I16x8RelaxedQ15mulrS => self.op_vec(I16X8, O::SqmulRoundSat),
            I32x4Add => self.op_vec(I32X4, O::Iadd),
            I32x4Sub => self.op_vec(I32X4, O::Isub),
            I32x4Mul => self.op_vec(I32X4, O::Imul),
            I32x4MinS => self.op_vec(I32X4, O::Smin),
            I32x4MinU => self.op_vec(I32X4, O::Umin),
            I32x4MaxS => self.op_vec(I32X4, O::Smax),
            I32x4MaxU => self.op_vec(I32X4, O::Umax),
            I64x2Add => self.op_vec(I64X2, O::Iadd),
            I64x2Sub => self.op_vec(I64X2, O::Isub),
            I64x2Mul => self.op_vec(I64X2, O::Imul),

            I16x8ExtAddPairwiseI8x16S => self.ext_add_pairwise(I8X16, true),
            I16x8ExtAddPairwiseI8x16U => self.ext_add_pairwise(I8X16, false),
            I32x4ExtAddPairwiseI16x8S => self.ext_add_pairwise(I16X8, true),
            I32x4ExtAddPairwiseI16x8U => self.ext_add_pairwise(I16X8, false),
            I16x8ExtendLowI8x16S => self.unop_vec(I8X16, O::SwidenLow),
            I16x8ExtendHighI8x16S => self.unop_vec(I8X16, O::SwidenHigh),
            I16x8ExtendLowI8x16U => self.unop_vec(I8X16, O::UwidenLow),
            I16x8ExtendHighI8x16U => self.unop_vec(I8X16, O::UwidenHigh),
            I32x4ExtendLowI16x8S => self.unop_vec(I16X8, O::SwidenLow),
            I32x4ExtendHighI16x8S => self.unop_vec(I16X8, O::SwidenHigh),
            I32x4ExtendLowI16x8U => self.unop_vec(I16X8, O::UwidenLow),
            I32x4ExtendHighI16x8U => self.unop_vec(I16X8, O::UwidenHigh),
            I64x2ExtendLowI32x4S => self.unop_vec(I32X4, O::SwidenLow),
            I64x2ExtendHighI32x4S => self.unop_vec(I32X4, O::SwidenHigh),
            I64x2ExtendLowI32x4U => self.unop_vec(I32X4, O::UwidenLow),
            I64x2ExtendHighI32x4U => self.unop_vec(I32X4, O::UwidenHigh),
            I16x8ExtMulLowI8x16S => self.ext_mul(I8X16, false, true),
            I16x8ExtMulHighI8x16S => self.ext_mul(I8X16, true, true),
            I16x8ExtMulLowI8x16U => self.ext_mul(I8X16, false, false),
            I16x8ExtMulHighI8x16U => self.ext_mul(I8X16, true, false),
            I32x4ExtMulLowI16x8S => self.ext_mul(I16X8, false, true),
            I32x4ExtMulHighI16x8S => self.ext_mul(I16X8, true, true),
            I32x4ExtMulLowI16x8U => self.ext_mul(I16X8, false, false),
            I32x4ExtMulHighI16x8U => self.ext_mul(I16X8, true, false),
            I64x2ExtMulLowI32x4S => self.ext_mul(I32X4, false, true),
            I64x2ExtMulHighI32x4S => self.ext_mul(I32X4, true, true),
            I64x2ExtMulLowI32x4U => self.ext_mul(I32X4, false, false),
            I64x2ExtMulHighI32x4U => self.ext_mul(I32X4, true, false),
            I32x4DotI16x8S => self.binary_vec(I16X8, |t, a, b| t.dot(a, b)),
            I16x8RelaxedDotI8x16I7x16S => self.binary_vec(I8X16, |t, a, b| t.dot(a, b)),
            I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.pop_vec(I32X4);
                let b = self.pop_vec(I8X16);
                let a = self.pop_vec(I8X16);
                let d = self.dot(a, b);
                let (lo, hi) = (self.b.ins().swiden_low(d), self.b.ins().swiden_high(d));
                let sums = self.b.ins().iadd_pairwise(lo, hi);
                let r = self.b.ins().iadd(sums, c);
                self.push_vec(r);
            }

            F32x4Ceil => self.unop_vec(F32X4, O::Ceil),
            F32x4Floor => self.unop_vec(F32X4, O::Floor),
            F32x4Trunc => self.unop_vec(F32X4, O::Trunc),
            F32x4Nearest => self.unop_vec(F32X4, O::Nearest),
            F64x2Ceil => self.unop_vec(F64X2, O::Ceil),
            F64x2Floor => self.unop_vec(F64X2, O::Floor),
            F64x2Trunc => self.unop_vec(F64X2, O::Trunc),
            F64x2Nearest => self.unop_vec(F64X2, O::Nearest),
            F32x4Abs => self.unop_vec(F32X4, O::Fabs),
            F32x4Neg => self.unop_vec(F32X4, O::Fneg),
            F32x4Sqrt => self.unop_vec(F32X4, O::Sqrt),
            F64x2Abs => self.unop_vec(F64X2, O::Fabs),
            F64x2Neg => self.unop_vec(F64X2, O::Fneg),
            F64x2Sqrt => self.unop_vec(F64X2, O::Sqrt),
            F32x4Add => self.op_vec(F32X4, O::Fadd),
            F32x4Sub => self.op_vec(F32X4, O::Fsub),
            F32x4Mul => self.op_vec(F32X4, O::Fmul),
            F32x4Div => self.op_vec(F32X4, O::Fdiv),
            F32x4Min | F32x4RelaxedMin => self.op_vec(F32X4, O::Fmin),
            F32x4Max | F32x4RelaxedMax => self.op_vec(F32X4, O::Fmax),
            F64x2Add => self.op_vec(F64X2, O::Fadd),
            F64x2Sub => self.op_vec(F64X2, O::Fsub),
            F64x2Mul => self.op_vec(F64X2, O::Fmul),
            F64x2Div => self.op_vec(F64X2, O::Fdiv),
            F64x2Min | F64x2RelaxedMin => self.op_vec(F64X2, O::Fmin),
            F64x2Max | F64x2RelaxedMax => self.op_vec(F64X2, O::Fmax),
            F32x4PMin => self.pseudo_minmax(F32X4, false),
            F32x4PMax => self.pseudo_minmax(F32X4, true),
            F64x2PMin => self.pseudo_minmax(F64X2, false),
            F64x2PMax => self.pseudo_minmax(F64X2, true),
            F32x4RelaxedMadd | F32x4RelaxedNmadd | F64x2RelaxedMadd | F64x2RelaxedNmadd => {
                let ty = if matches!(op, F32x4RelaxedMadd | F32x4RelaxedNmadd) { F32X4 } else { F64X2 };
                let c = self.pop_vec(ty);
                let b = self.pop_vec(ty);
                let a = self.pop_vec(ty);
                let p = self.b.ins().fmul(a, b);
                let p = if matches!(op, F32x4RelaxedNmadd | F64x2RelaxedNmadd) { self.b.ins().fneg(p) } else { p };
                let r = self.b.ins().fadd(p, c);
                self.push_vec(r);
            }

            I32x4TruncSatF32x4S | I32x4RelaxedTruncF32x4S => {
                self.unary_vec(F32X4, |t, a| t.b.ins().fcvt_to_sint_sat(I32X4, a))
            }
            I32x4TruncSatF32x4U | I32x4RelaxedTruncF32x4U => {
                self.unary_vec(F32X4, |t, a| t.b.ins().fcvt_to_uint_sat(I32X4, a))
            }
            F32x4ConvertI32x4S => self.unary_vec(I32X4, |t, a| t.b.ins().fcvt_from_sint(F32X4, a)),
            F32x4ConvertI32x4U => self.unary_vec(I32X4, |t, a| t.b.ins().fcvt_from_uint(F32X4, a)),
            I32x4TruncSatF64x2SZero | I32x4RelaxedTruncF64x2SZero => self.trunc_sat_f64x2_zero(true),
            I32x4TruncSatF64x2UZero | I32x4RelaxedTruncF64x2UZero => self.trunc_sat_f64x2_zero(false),
            F64x2ConvertLowI32x4S => self.unary_vec(I32X4, |t, a| {
                let wide = t.b.ins().swiden_low(a);
                t.b.ins().fcvt_from_sint(F64X2, wide)
            }),
            F64x2ConvertLowI32x4U => self.unary_vec(I32X4, |t, a| {
                let wide = t.b.ins().uwiden_low(a);
                t.b.ins().fcvt_from_uint(F64X2, wide)
            }),
            F32x4DemoteF64x2Zero => self.unary_vec(F64X2, |t, a| t.b.ins().fvdemote(a)),
            F64x2PromoteLowF32x4 => self.unary_vec(F32X4, |t, a| t.b.ins().fvpromote_low(a)),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
