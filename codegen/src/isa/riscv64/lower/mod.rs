//! riscv64 lowering: the `LowerBackend` that runs the ISLE rules of `lower/*.isle`, and
//! the Rust side of those rules (the `Context`): how they see IR instructions and how
//! their constructors emit `Inst`s. Integer operations are in `int.rs`, floats in
//! `float.rs`, memory and atomics in `mem.rs`, 128-bit integers in `i128.rs`.
//!
//! A rule that cannot handle its input records an "unsupported" error in the context
//! instead of emitting wrong code; the backend then reports it, naming the instruction.
//!
//! `br_table` is legalized into a tree of compares before lowering (riscv64 has no jump
//! table instruction form yet), as `enable_jump_tables=false` does for every ISA.

use super::abi::Rv64Abi;
use super::inst::Inst as MInst;
use super::inst::args::{AluOp, CondBrKind, ImmOp, ShiftOp, UnaryOp};
use super::regs;
use crate::ir::{AtomicRmwOp, FloatCC, Inst, IntCC, MemFlags, Opcode, StackSlot, TrapCode, Type, Value};
use crate::machinst::abi as abi_lower;
use crate::machinst::{CodegenError, Lower, LowerBackend, MachLabel, Reg, ValueRegs};

crate::isle_rules!("isle_riscv64.rs";
    use crate::isa::riscv64::inst::args::{AMode, AluOp, CondBrKind, ImmOp, ShiftOp, UnaryOp};
);
use isle::Unit;

use super::inst::args::AMode;
use crate::isle_view::InstData;

mod float;
mod i128;
mod int;
mod mem;

/// The riscv64 lowering backend, with the ISA flags and settings the rules may use.
pub struct Rv64Lower {
    /// The ISA flags.
    pub isa_flags: super::Rv64Flags,
    /// The `is_pic` setting.
    pub is_pic: bool,
}

/// The Rust side of the rules for one instruction.
type RuleCtx<'a, 'f> = crate::machinst::RuleCtx<'a, 'f, Rv64Lower, MInst>;

impl RuleCtx<'_, '_> {
    fn flags(&self) -> super::Rv64Flags {
        self.backend.isa_flags
    }
    /// `value` in a fresh register: `Inst::load_constant`'s sequence with a fresh virtual
    /// register per step (each step after the first reads the previous one).
    fn konst(&mut self, value: u64) -> Reg {
        let mut cur: Option<Reg> = None;
        for inst in MInst::load_constant(regs::zero(), value) {
            let rd = self.tmp();
            let prev = cur.unwrap_or_else(regs::zero);
            let step = match inst {
                MInst::AluRRImm12 { op, rs1, imm, .. } => {
                    MInst::AluRRImm12 { op, rd, rs1: if cur.is_some() { prev } else { rs1 }, imm }
                }
                MInst::ShiftImm { op, shamt, .. } => MInst::ShiftImm { op, rd, rs1: prev, shamt },
                MInst::Lui { imm, .. } => MInst::Lui { rd, imm },
                MInst::LoadConst { op, bits, .. } => MInst::LoadConst { op, rd, bits },
                // `load_constant` builds with the four forms above only.
                other => other,
            };
            self.emit(step);
            cur = Some(rd);
        }
        cur.unwrap_or_else(regs::zero)
    }
    /// `regs` with each physical register (the zero register) copied into a fresh
    /// virtual one: a value's registers alias virtual registers only.
    fn virtual_regs(&mut self, regs: ValueRegs) -> ValueRegs {
        let mut out = Vec::with_capacity(2);
        for &r in regs.regs() {
            if r.is_physical() {
                let rd = self.lower.alloc_tmp(r.class());
                self.emit(MInst::gen_move_any(rd, r));
                out.push(rd);
            } else {
                out.push(r);
            }
        }
        if out.len() == 2 { ValueRegs::two(out[0], out[1]) } else { ValueRegs::one(out[0]) }
    }
    fn alu(&mut self, op: AluOp, rs1: Reg, rs2: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRR { op, rd, rs1, rs2 });
        rd
    }
    fn alu_imm(&mut self, op: ImmOp, rs1: Reg, imm: i16) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRImm12 { op, rd, rs1, imm });
        rd
    }
    fn shift_imm(&mut self, op: ShiftOp, rs1: Reg, shamt: u8) -> Reg {
        if shamt == 0 {
            return rs1;
        }
        let rd = self.tmp();
        self.emit(MInst::ShiftImm { op, rd, rs1, shamt });
        rd
    }
    fn unary(&mut self, op: UnaryOp, rs1: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRR { op, rd, rs1 });
        rd
    }
    /// The low `bits` of `r` zero- or sign-extended to 64 bits: one Zba/Zbb instruction
    /// when the target has it, else `Inst::Extend`.
    fn ext(&mut self, signed: bool, bits: u32, r: Reg) -> Reg {
        if bits >= 64 || regs::is_zero(r) {
            return r;
        }
        let f = self.flags();
        match (bits, signed) {
            (8, true) if f.has_zbb => self.unary(UnaryOp::SextB, r),
            (16, true) if f.has_zbb => self.unary(UnaryOp::SextH, r),
            (16, false) if f.has_zbb => self.unary(UnaryOp::ZextH, r),
            (32, false) if f.has_zba => self.alu(AluOp::AddUw, r, regs::zero()),
            _ => {
                let rd = self.tmp();
                self.emit(MInst::Extend { rd, rs: r, bits: bits as u8, signed });
                rd
            }
        }
    }
    fn ext_ty(&mut self, signed: bool, ty: Type, r: Reg) -> Reg {
        self.ext(signed, ty.bits(), r)
    }
    /// 1 if `r` is zero, else 0.
    fn seqz(&mut self, r: Reg) -> Reg {
        self.alu_imm(ImmOp::Sltiu, r, 1)
    }
    /// 1 if `r` is not zero, else 0.
    fn snez(&mut self, r: Reg) -> Reg {
        self.alu(AluOp::Sltu, regs::zero(), r)
    }
    fn not(&mut self, r: Reg) -> Reg {
        self.alu_imm(ImmOp::Xori, r, -1)
    }
    fn neg(&mut self, r: Reg) -> Reg {
        self.alu(AluOp::Sub, regs::zero(), r)
    }
    /// `x` where `c` (any register, non-zero for true) holds, else `y`: `czero.eqz`,
    /// `czero.nez` and `or` with Zicond, else a mask from `c` (`y ^ ((x ^ y) & -(c != 0))`).
    fn select_reg(&mut self, c: Reg, x: Reg, y: Reg) -> Reg {
        if self.flags().has_zicond {
            let a = self.alu(AluOp::CzeroEqz, x, c);
            let b = self.alu(AluOp::CzeroNez, y, c);
            return self.alu(AluOp::Or, a, b);
        }
        let bit = self.snez(c);
        let mask = self.neg(bit);
        let d = self.alu(AluOp::Xor, x, y);
        let m = self.alu(AluOp::And, d, mask);
        self.alu(AluOp::Xor, y, m)
    }
    fn trap_code(flags: MemFlags) -> Option<TrapCode> {
        (!flags.notrap()).then(|| flags.trap_code().unwrap_or(TrapCode::HeapOutOfBounds))
    }
    fn trap_if(&mut self, kind: CondBrKind, code: TrapCode) {
        self.emit(MInst::TrapIf { kind, code });
    }
    /// Traps with `code` when `r` is not zero.
    fn trap_if_nonzero(&mut self, r: Reg, code: TrapCode) {
        self.trap_if(CondBrKind { op: super::inst::args::BranchOp::Bne, rs1: r, rs2: regs::zero() }, code);
    }
}

impl isle::Context for RuleCtx<'_, '_> {
    crate::isle_provenance!();
    fn def_inst(&mut self, v: Value) -> Option<(Type, InstData)> {
        crate::isle_view::def_inst(&self.lower.f.dfg, v)
    }
    crate::lower_prelude_methods!();
    fn put_in_reg(&mut self, v: Value) -> Reg {
        let ty = self.lower.value_type(v);
        if !((ty.is_int_scalar() && ty.bits() <= 64) || ty.is_float_scalar()) {
            self.unsupported(format!("values of type `{ty}` here on riscv64"));
        }
        self.lower.put_in_reg(v)
    }
    fn put_in_regs(&mut self, v: Value) -> ValueRegs {
        let ty = self.lower.value_type(v);
        if !(ty.is_int_scalar() || ty.is_float_scalar()) {
            self.unsupported(format!("values of type `{ty}` on riscv64"));
        }
        self.lower.put_in_regs(v)
    }
    fn output_regs(&mut self, v: Value, regs: ValueRegs) -> Unit {
        let regs = self.virtual_regs(regs);
        self.lower.set_output_regs(v, regs);
    }
    fn zero(&mut self) -> Reg {
        regs::zero()
    }
    fn zero_regs(&mut self) -> ValueRegs {
        ValueRegs::one(regs::zero())
    }

    // ---- immediates and flags ----
    fn simm12(&mut self, k: i64) -> Option<i16> {
        super::inst::imms::fits_simm12(k).then_some(k as i16)
    }
    fn simm12_neg(&mut self, k: i64) -> Option<i16> {
        k.checked_neg().filter(|&n| super::inst::imms::fits_simm12(n)).map(|n| n as i16)
    }
    fn zbs_bit(&mut self, ty: Type, k: i64) -> Option<u8> {
        let u = unsigned(ty, k);
        (self.flags().has_zbs && u.count_ones() == 1 && u > 2047).then(|| u.trailing_zeros() as u8)
    }
    fn zbs_clear_bit(&mut self, ty: Type, k: i64) -> Option<u8> {
        let u = !unsigned(ty, k) & mask(ty.bits());
        let fits = super::inst::imms::fits_simm12(crate::opt::canonical_imm(ty, k));
        (self.flags().has_zbs && u.count_ones() == 1 && !fits).then(|| u.trailing_zeros() as u8)
    }
    fn shadd_op(&mut self, k: i64) -> Option<AluOp> {
        if !self.flags().has_zba {
            return None;
        }
        match k {
            1 => Some(AluOp::Sh1add),
            2 => Some(AluOp::Sh2add),
            3 => Some(AluOp::Sh3add),
            _ => None,
        }
    }
    fn zbb_op(&mut self, op: AluOp) -> Option<AluOp> {
        self.flags().has_zbb.then_some(op)
    }
    fn has_zba(&mut self) -> bool {
        self.flags().has_zba
    }
    fn has_zbb(&mut self) -> bool {
        self.flags().has_zbb
    }
    fn has_zicond(&mut self) -> bool {
        self.flags().has_zicond
    }
    fn i8_ty(&mut self, ty: Type) -> Option<Type> {
        (ty == crate::ir::types::I8).then_some(ty)
    }
    fn i16_ty(&mut self, ty: Type) -> Option<Type> {
        (ty == crate::ir::types::I16).then_some(ty)
    }
    fn i32_ty(&mut self, ty: Type) -> Option<Type> {
        (ty == crate::ir::types::I32).then_some(ty)
    }
    fn i64_ty(&mut self, ty: Type) -> Option<Type> {
        (ty == crate::ir::types::I64).then_some(ty)
    }
    fn rori_amount(&mut self, ty: Type, left: bool, k: i64) -> Option<u8> {
        let bits = ty.bits() as u64;
        let k = (k as u64) % bits;
        let right = if left { (bits - k) % bits } else { k };
        (right != 0).then_some(right as u8)
    }

    // ---- integer constructors ----
    fn rv_imm(&mut self, k: i64) -> Reg {
        self.konst(k as u64)
    }
    fn rv_operand(&mut self, k: i64) -> Reg {
        if k == 0 { regs::zero() } else { self.konst(k as u64) }
    }
    fn rv_alu(&mut self, op: AluOp, x: Reg, y: Reg) -> Reg {
        self.alu(op, x, y)
    }
    fn rv_alu_imm(&mut self, op: ImmOp, x: Reg, imm: i16) -> Reg {
        self.alu_imm(op, x, imm)
    }
    fn rv_shift_imm(&mut self, op: ShiftOp, x: Reg, sh: u8) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::ShiftImm { op, rd, rs1: x, shamt: sh });
        rd
    }
    fn rv_shift_by(&mut self, op: Opcode, ty: Type, x: Reg, k: i64) -> Reg {
        self.shift_by_imm(op, ty, x, k)
    }
    fn amount_reg(&mut self, v: Value) -> Reg {
        self.put_in_regs(v).lo()
    }
    fn rv_unary_op(&mut self, op: UnaryOp, x: Reg) -> Reg {
        self.unary(op, x)
    }
    fn rv_ext(&mut self, signed: bool, ty: Type, x: Reg) -> Reg {
        self.ext_ty(signed, ty, x)
    }
    fn rv_unary(&mut self, op: Opcode, ty: Type, from: Type, x: ValueRegs) -> ValueRegs {
        self.unary_op(op, ty, from, x)
    }
    fn rv_binary(&mut self, op: Opcode, ty: Type, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.binary_op(op, ty, x, y)
    }
    fn rv_binary_imm(&mut self, op: Opcode, ty: Type, x: ValueRegs, k: i64) -> ValueRegs {
        self.binary_imm_op(op, ty, x, k)
    }
    fn rv_ternary(&mut self, op: Opcode, ty: Type, x: ValueRegs, y: ValueRegs, z: ValueRegs) -> ValueRegs {
        self.ternary_op(op, ty, x, y, z)
    }
    fn rv_select(&mut self, ty: Type, c: Reg, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.select(ty, c, x, y)
    }
    fn rv_icmp(&mut self, cc: IntCC, ty: Type, x: ValueRegs, y: ValueRegs) -> Reg {
        self.icmp(cc, ty, x, y)
    }
    fn rv_icmp_imm(&mut self, cc: IntCC, ty: Type, x: Reg, k: i64) -> Reg {
        let y = self.konst(k as u64);
        self.icmp(cc, ty, ValueRegs::one(x), ValueRegs::one(y))
    }
    fn rv_fcmp(&mut self, cc: FloatCC, ty: Type, x: Reg, y: Reg) -> Reg {
        self.fcmp(cc, ty, x, y)
    }
    fn rv_truth(&mut self, ty: Type, x: ValueRegs) -> Reg {
        if ty.bits() == 128 {
            return self.alu(AluOp::Or, x.lo(), x.hi());
        }
        if !ty.is_int_scalar() {
            self.unsupported(format!("a `{ty}` condition on riscv64"));
            return x.lo();
        }
        self.ext_ty(false, ty, x.lo())
    }
    fn rv_cmp_branch(&mut self, ty: Type, cc: IntCC, a: Reg, b: Reg) -> CondBrKind {
        self.cmp_branch(ty, cc, a, b)
    }
    fn rv_nonzero(&mut self, r: Reg) -> CondBrKind {
        CondBrKind { op: super::inst::args::BranchOp::Bne, rs1: r, rs2: regs::zero() }
    }
    fn rv_invert(&mut self, kind: CondBrKind) -> CondBrKind {
        kind.invert()
    }
    fn rv_fconst(&mut self, double: bool, bits: i64) -> Reg {
        self.fconst(double, bits as u64)
    }
    fn rv_overflow(&mut self, op: Opcode, ty: Type, a: Value, b: Value, r0: Value, r1: Value) -> Unit {
        self.overflow(op, ty, a, b, None, r0, r1)
    }
    fn rv_overflow_carry(&mut self, op: Opcode, ty: Type, a: Value, b: Value, c: Value, r0: Value, r1: Value) -> Unit {
        self.overflow(op, ty, a, b, Some(c), r0, r1)
    }
    fn rv_add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) -> Unit {
        self.add_trap(v, a, b, code)
    }
    fn rv_isplit(&mut self, x: Value, lo: Value, hi: Value) -> Unit {
        let ty = self.lower.value_type(x);
        let regs = self.lower.put_in_regs(x);
        if ty.bits() == 128 {
            self.lower.set_output(lo, regs.lo());
            self.lower.set_output(hi, regs.hi());
            return;
        }
        let half = (ty.bits() / 2) as u8;
        let z = self.ext(false, ty.bits(), regs.lo());
        let high = self.shift_imm(ShiftOp::Srli, z, half);
        self.lower.set_output(lo, regs.lo());
        self.lower.set_output(hi, high);
    }

    // ---- memory ----
    fn amode_base(&mut self, base: Reg, off: i32) -> AMode {
        AMode::BaseOffset { base, offset: off as i64 }
    }
    fn amode_stack(&mut self, slot: StackSlot, off: i32) -> AMode {
        let base = self.lower.stack_slot_offset(slot) as i64 + off as i64;
        match u32::try_from(base) {
            Ok(offset) => AMode::StackSlot { offset },
            Err(_) => {
                self.unsupported("a negative stack-slot offset".into());
                AMode::StackSlot { offset: 0 }
            }
        }
    }
    fn trusted(&mut self) -> MemFlags {
        MemFlags::trusted()
    }
    fn rv_load(&mut self, op: Opcode, ty: Type, flags: MemFlags, addr: AMode) -> ValueRegs {
        self.load(op, ty, flags, addr)
    }
    fn rv_store(&mut self, op: Opcode, flags: MemFlags, ty: Type, x: ValueRegs, addr: AMode) -> Unit {
        self.store(op, flags, ty, x, addr)
    }
    fn rv_lea(&mut self, mem: AMode) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::Lea { rd, mem });
        rd
    }
    fn rv_atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) -> Unit {
        self.atomic_load(v, flags, addr)
    }
    fn rv_atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) -> Unit {
        self.atomic_store(flags, x, addr)
    }
    fn rv_atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) -> Unit {
        self.atomic_rmw(v, flags, op, addr, x)
    }
    fn rv_atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) -> Unit {
        self.atomic_cas(v, flags, addr, e, r)
    }
    fn rv_fence(&mut self) -> Unit {
        self.emit(MInst::Fence { pred: 0xf, succ: 0xf });
    }

    // ---- calls, traps and control flow ----
    fn rv_call(&mut self, inst: Inst) -> Unit {
        if let Err(e) = abi_lower::lower_call(self.lower, &Rv64Abi, inst) {
            self.error.get_or_insert(e);
        }
    }
    fn rv_return_call(&mut self, inst: Inst) -> Unit {
        if let Err(e) = abi_lower::lower_return_call(self.lower, &Rv64Abi, inst) {
            self.error.get_or_insert(e);
        }
    }
    fn rv_return(&mut self) -> Unit {
        if let Err(e) = abi_lower::lower_return(self.lower, &Rv64Abi, self.inst) {
            self.error.get_or_insert(e);
        }
    }
    fn rv_addr_of(&mut self, inst: Inst) -> Unit {
        self.addr_of(inst)
    }
    fn rv_trap_if(&mut self, kind: CondBrKind, code: TrapCode) -> Unit {
        self.trap_if(kind, code);
    }
    fn rv_udf(&mut self, code: TrapCode) -> Unit {
        self.emit(MInst::Udf { code });
    }
    fn rv_jump(&mut self) -> Unit {
        let target = self.targets[0];
        self.emit(MInst::Jump { target });
    }
    fn rv_cond_br(&mut self, kind: CondBrKind) -> Unit {
        let (taken, not_taken) = (self.targets[0], self.targets[1]);
        self.emit(MInst::CondBr { kind, taken, not_taken });
    }
}

/// `k` read as an unsigned value of `ty`.
fn unsigned(ty: Type, k: i64) -> u64 {
    k as u64 & mask(ty.bits())
}

/// The low `bits` bits set.
fn mask(bits: u32) -> u64 {
    if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 }
}

impl LowerBackend for Rv64Lower {
    fn rule_table(&self) -> &'static [crate::machinst::explain::RuleEntry] {
        isle::RULES
    }
    type MInst = MInst;

    /// Rounding instructions come with Zfa; `br_table` is a tree of compares (no
    /// jump-table form yet).
    fn native(&self) -> crate::legalize::Native {
        crate::legalize::Native {
            round: self.isa_flags.has_zfa,
            fma: true,
            byte_order: crate::ir::Endianness::Little,
            jump_tables: false,
            tls_value: false,
            exceptions: false,
            soft_float: false,
            half_conversions: false,
        }
    }

    fn lower_params(&self, ctx: &mut Lower<'_, MInst>, params: &[Value]) -> Result<(), CodegenError> {
        abi_lower::lower_params(ctx, &Rv64Abi, params)
    }

    fn lower_inst(&self, ctx: &mut Lower<'_, MInst>, inst: Inst) -> Result<(), CodegenError> {
        crate::machinst::run_rules("riscv64", self, ctx, inst, &[], isle::constructor_lower)
    }

    fn lower_branch(&self, ctx: &mut Lower<'_, MInst>, inst: Inst, targets: &[MachLabel]) -> Result<(), CodegenError> {
        crate::machinst::run_rules("riscv64", self, ctx, inst, targets, isle::constructor_lower_branch)
    }
}

/// The riscv64 lowering rules (`lower/*.isle`) and how often each fired (see
/// [`crate::rule_coverage`]).
pub fn lowering_rules() -> crate::rule_coverage::RuleSet {
    crate::rule_coverage::isle_rule_set!("riscv64 lowering", isle)
}
