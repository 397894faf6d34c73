//! The `Context` of the mid-end's ISLE rules: how the generated matcher sees the IR
//! (`def_inst`) and builds it (`make_inst`), and the small helpers the rules call.
//!
//! New instructions are inserted right before the instruction being simplified, and are
//! themselves simplified (to a bounded depth), so a fold can feed the next one.

use super::bytes;
use super::divide;
use super::fold;
use super::isle;
use crate::ir::{
    FloatCC, Function, Inst, InstructionData, IntCC, MemFlags, Offset32, Opcode, StackSlot, Type, Value,
    immediates::Imm64,
};
use crate::isle_view::InstData;

/// How deep simplification recurses into instructions the rules create.
const MAX_DEPTH: u32 = 4;

/// The state of one rewrite: the function and where new instructions go.
pub struct OptCtx<'a> {
    /// The function being simplified.
    pub func: &'a mut Function,
    /// New instructions are inserted before this one.
    pub pos: Inst,
    depth: u32,
}

impl<'a> OptCtx<'a> {
    /// A context inserting before `pos`.
    pub fn new(func: &'a mut Function, pos: Inst) -> Self {
        Self { func, pos, depth: 0 }
    }

    fn match_def(&self, v: Value) -> Option<(Type, InstData)> {
        crate::isle_view::def_inst(&self.func.dfg, v)
    }

    /// Builds an instruction before `pos` and returns its (possibly further simplified)
    /// result.
    fn make_inst(&mut self, ty: Type, data: InstData) -> Value {
        let imm = |k: i64| Imm64(fold::canonical(ty, k));
        let data = match data {
            InstData::Unary { op: Opcode::Bitcast, a } => {
                InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, flags: MemFlags::new(), arg: a }
            }
            InstData::Unary { op, a } => InstructionData::Unary { opcode: op, arg: a },
            InstData::UnaryImm { op, imm: k } => InstructionData::UnaryImm { opcode: op, imm: imm(k) },
            InstData::Binary { op, a, b } => InstructionData::Binary { opcode: op, args: [a, b] },
            InstData::BinaryImm64 { op, a, imm: k } => InstructionData::BinaryImm64 { opcode: op, arg: a, imm: imm(k) },
            InstData::Ternary { op, a, b, c } => InstructionData::Ternary { opcode: op, args: [a, b, c] },
            InstData::IntCompare { op, cc, a, b } => InstructionData::IntCompare { opcode: op, cond: cc, args: [a, b] },
            InstData::IntCompareImm { op, cc, a, imm: k } => {
                InstructionData::IntCompareImm { opcode: op, cond: cc, arg: a, imm: imm(k) }
            }
            InstData::FloatCompare { op, cc, a, b } => {
                InstructionData::FloatCompare { opcode: op, cond: cc, args: [a, b] }
            }
            InstData::Load { op, flags, addr, offset } => {
                InstructionData::Load { opcode: op, flags, arg: addr, offset: Offset32(offset) }
            }
            InstData::StackLoad { op, slot, offset } => {
                InstructionData::StackLoad { opcode: op, stack_slot: slot, offset: Offset32(offset) }
            }
        };
        self.insert(ty, data)
    }

    /// `op x, k` with `k` an `iconst` of type `ty` made for it.
    fn binary_const(&mut self, ty: Type, op: Opcode, x: Value, k: i64) -> Value {
        let b = self.make_inst(ty, InstData::UnaryImm { op: Opcode::Iconst, imm: k });
        self.make_inst(ty, InstData::Binary { op, a: x, b })
    }

    /// Inserts `data` (of controlling type `ty`) before `pos` and returns its (possibly
    /// further simplified) result.
    fn insert(&mut self, ty: Type, data: InstructionData) -> Value {
        let inst = self.func.dfg.make_inst(data);
        self.func.dfg.make_inst_results(inst, ty);
        self.func.layout.insert_inst_before(inst, self.pos);
        let srcloc = self.func.srclocs[self.pos];
        self.func.srclocs[inst] = srcloc;
        let v = self.func.dfg.first_result(inst);
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            let simpler = isle::constructor_simplify(self, v);
            self.depth -= 1;
            if let Some(s) = simpler {
                return s;
            }
        }
        v
    }
}

include!(concat!(env!("OUT_DIR"), "/opt_opcode_constructors.rs"));

impl isle::Context for OptCtx<'_> {
    opt_opcode_constructors!();

    fn def_inst(&mut self, v: Value) -> Option<(Type, InstData)> {
        self.match_def(v)
    }
    fn match_ty_int(&mut self, ty: Type) -> Option<Type> {
        (ty.is_int_scalar() && ty.bits() <= 64).then_some(ty)
    }
    fn lane_bitcast(&mut self, v: Value) -> Option<(Type, MemFlags, Value)> {
        let dfg = &self.func.dfg;
        let v = dfg.resolve_aliases(v);
        let crate::ir::ValueDef::Result(inst, 0) = dfg.value_def(v) else { return None };
        match dfg.insts[inst] {
            InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, flags, arg } if !flags.is_empty() => {
                Some((dfg.value_type(v), flags, arg))
            }
            _ => None,
        }
    }
    fn make_lane_bitcast(&mut self, ty: Type, flags: MemFlags, x: Value) -> Value {
        self.insert(ty, InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, flags, arg: x })
    }
    fn ty_bits(&mut self, ty: Type) -> i64 {
        ty.bits() as i64
    }
    fn value_type(&mut self, v: Value) -> Type {
        self.func.dfg.value_type(v)
    }
    fn ty_narrower(&mut self, a: Type, b: Type) -> bool {
        a.bits() < b.bits()
    }
    fn fold_unary(&mut self, op: Opcode, ty: Type, a: i64) -> Option<i64> {
        fold::fold_unary(op, ty, a)
    }
    fn fold_binary(&mut self, op: Opcode, ty: Type, a: i64, b: i64) -> Option<i64> {
        fold::fold_binary(op, ty, a, b)
    }
    fn fold_icmp(&mut self, cc: IntCC, ty: Type, a: i64, b: i64) -> i64 {
        fold::fold_icmp(cc, ty, a, b)
    }
    fn fold_bmask(&mut self, a: i64) -> i64 {
        if a != 0 { -1 } else { 0 }
    }
    fn zext_imm(&mut self, from: Type, k: i64) -> i64 {
        fold::unsigned(from, k) as i64
    }
    fn sext_imm(&mut self, from: Type, k: i64) -> i64 {
        fold::canonical(from, k)
    }
    fn pow2_log2(&mut self, ty: Type, k: i64) -> Option<i64> {
        let u = fold::unsigned(ty, k);
        u.is_power_of_two().then(|| u.trailing_zeros() as i64)
    }
    fn imm_minus_one(&mut self, k: i64) -> i64 {
        k.wrapping_sub(1)
    }
    fn shift_sum(&mut self, ty: Type, a: i64, b: i64) -> Option<i64> {
        let bits = ty.bits() as u64;
        let s = (a as u64 % bits) + (b as u64 % bits);
        (s < bits).then_some(s as i64)
    }
    fn shift_sum_overflows(&mut self, ty: Type, a: i64, b: i64) -> bool {
        let bits = ty.bits() as u64;
        (a as u64 % bits) + (b as u64 % bits) >= bits
    }
    fn nonzero(&mut self, k: i64) -> bool {
        k != 0
    }
    fn cc_on_equal(&mut self, cc: IntCC) -> i64 {
        fold::cc_on_equal(cc)
    }
    fn bswap_source(&mut self, v: Value) -> Option<Value> {
        bytes::bswap_source(&self.func.dfg, v)
    }
    fn shifts_complement(&mut self, ty: Type, a: i64, b: i64) -> bool {
        let bits = i64::from(ty.bits());
        let (a, b) = (a.rem_euclid(bits), b.rem_euclid(bits));
        a != 0 && a + b == bits
    }
    fn udiv_by_const(&mut self, ty: Type, x: Value, d: i64) -> Option<Value> {
        if !matches!(ty.bits(), 32 | 64) {
            return None;
        }
        let magic = divide::unsigned_magic(ty.bits(), d as u64)?;
        Some(match magic {
            divide::UnsignedMagic::MulShift { multiplier, shift } => {
                let hi = self.binary_const(ty, Opcode::Umulhi, x, multiplier as i64);
                self.binary_const(ty, Opcode::Ushr, hi, i64::from(shift))
            }
            divide::UnsignedMagic::MulAddShift { multiplier, shift } => {
                let t = self.binary_const(ty, Opcode::Umulhi, x, multiplier as i64);
                let diff = self.make_inst(ty, InstData::Binary { op: Opcode::Isub, a: x, b: t });
                let half = self.binary_const(ty, Opcode::Ushr, diff, 1);
                let sum = self.make_inst(ty, InstData::Binary { op: Opcode::Iadd, a: half, b: t });
                self.binary_const(ty, Opcode::Ushr, sum, i64::from(shift))
            }
            divide::UnsignedMagic::AtLeast => {
                let k = self.make_inst(ty, InstData::UnaryImm { op: Opcode::Iconst, imm: d });
                let ge = self.make_inst(
                    ty,
                    InstData::IntCompare { op: Opcode::Icmp, cc: IntCC::UnsignedGreaterThanOrEqual, a: x, b: k },
                );
                self.make_inst(ty, InstData::Unary { op: Opcode::Uextend, a: ge })
            }
        })
    }
    fn sdiv_by_const(&mut self, ty: Type, x: Value, d: i64) -> Option<Value> {
        if !matches!(ty.bits(), 32 | 64) {
            return None;
        }
        let bits = i64::from(ty.bits());
        let (q, negate) = match divide::signed_magic(ty.bits(), d)? {
            divide::SignedMagic::Mul { multiplier, add_dividend, shift, negate } => {
                let mut q = self.binary_const(ty, Opcode::Smulhi, x, multiplier as i64);
                if add_dividend {
                    q = self.make_inst(ty, InstData::Binary { op: Opcode::Iadd, a: q, b: x });
                }
                let q = self.binary_const(ty, Opcode::Sshr, q, i64::from(shift));
                let sign = self.binary_const(ty, Opcode::Ushr, x, bits - 1);
                (self.make_inst(ty, InstData::Binary { op: Opcode::Iadd, a: q, b: sign }), negate)
            }
            divide::SignedMagic::Pow2 { shift, negate } => {
                let all_sign = self.binary_const(ty, Opcode::Sshr, x, bits - 1);
                let bias = self.binary_const(ty, Opcode::Ushr, all_sign, bits - i64::from(shift));
                let biased = self.make_inst(ty, InstData::Binary { op: Opcode::Iadd, a: x, b: bias });
                (self.binary_const(ty, Opcode::Sshr, biased, i64::from(shift)), negate)
            }
        };
        Some(if negate { self.make_inst(ty, InstData::Unary { op: Opcode::Ineg, a: q }) } else { q })
    }
}
