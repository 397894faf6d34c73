//! s390x lowering: the `LowerBackend` that runs the ISLE rules of `lower/*.isle`, and the
//! Rust side of those rules (the `Context`): how they see IR instructions and how their
//! constructors emit `Inst`s. Integer helpers are in `int.rs`, floats in `float.rs`,
//! memory and atomics in `mem.rs`, 128-bit integers in `i128.rs`.
//!
//! The condition code: a constructor returning a [`Cond`] has just emitted the
//! instruction that set the condition code, and its consumer (a branch, `locgr`,
//! `selgr`) comes next; nothing emitted in between may change it (register moves,
//! spills and reloads the allocator inserts do not).
//!
//! A rule that cannot handle its input (an atomic operation Lathe has no loop for, a
//! convention the ABI refuses) records an "unsupported" error in the context instead of
//! emitting wrong code; the backend then reports it, naming the instruction.

use super::abi::S390xAbi;
use super::inst::Inst as MInst;
use super::inst::args::{
    AluRROp, AluRRROp, CMovImmOp, CMovOp, CmpImmOp, CmpOp, Cond, CondBrKind, ImmKind, ImmOp, LoadImmOp, SelectOp,
    ShiftOp, UnaryOp,
};
use super::regs;
use crate::ir::{
    AtomicRmwOp, FloatCC, Function, Inst, InstructionData, IntCC, MemFlags, Opcode, StackSlot, TrapCode, Type, Value,
    types,
};
use crate::machinst::abi as abi_lower;
use crate::machinst::{CodegenError, Lower, LowerBackend, MachLabel, Reg, ValueRegs};

crate::isle_rules!("isle_s390x.rs";
    use crate::isa::s390x::inst::args::{Cond, CondBrKind};
);
use isle::Unit;

use crate::isle_view::InstData;
use isle::{Ext, ShiftKind};

mod float;
mod i128;
mod int;
mod mem;

/// The s390x lowering backend, with the facility flags and settings the rules may use.
pub struct S390xLower {
    /// The facility flags.
    pub isa_flags: super::S390xFlags,
    /// The `is_pic` setting: symbols of other units cannot be reached by `larl`.
    pub is_pic: bool,
}

/// The Rust side of the rules for one instruction.
type RuleCtx<'a, 'f> = crate::machinst::RuleCtx<'a, 'f, S390xLower, MInst>;

/// `k` read as an unsigned value of `ty`.
fn unsigned(ty: Type, k: i64) -> u64 {
    if ty.bits() >= 64 { k as u64 } else { k as u64 & ((1u64 << ty.bits()) - 1) }
}

/// The condition-code mask of an integer comparison, after `cgr`/`clgr x, y`.
fn int_cond(cc: IntCC) -> Cond {
    match cc {
        IntCC::Equal => Cond::EQ,
        IntCC::NotEqual => Cond::NE,
        IntCC::SignedLessThan | IntCC::UnsignedLessThan => Cond::LT,
        IntCC::SignedGreaterThanOrEqual | IntCC::UnsignedGreaterThanOrEqual => Cond::GE,
        IntCC::SignedGreaterThan | IntCC::UnsignedGreaterThan => Cond::GT,
        IntCC::SignedLessThanOrEqual | IntCC::UnsignedLessThanOrEqual => Cond::LE,
    }
}

/// Whether a comparison looks at its operands as signed numbers.
fn is_signed(cc: IntCC) -> bool {
    matches!(
        cc,
        IntCC::SignedLessThan
            | IntCC::SignedGreaterThanOrEqual
            | IntCC::SignedGreaterThan
            | IntCC::SignedLessThanOrEqual
    )
}

/// Condition-code masks after an arithmetic instruction.
mod cc {
    use super::Cond;
    /// A logical add (`algrk`, `alcgr`) carried out: CC 2 or 3.
    pub const CARRY: Cond = Cond(3);
    /// A logical subtract (`slgrk`, `slbgr`) borrowed: CC 0 or 1.
    pub const BORROW: Cond = Cond(12);
    /// A float comparison was unordered, or a signed add overflowed: CC 3.
    pub const CC3: Cond = Cond(1);
}

impl RuleCtx<'_, '_> {
    fn flags(&self) -> super::S390xFlags {
        self.backend.isa_flags
    }
    /// `value` in a fresh register: `Inst::load_constant`'s sequence, with a fresh
    /// virtual register per step (the `iilf` step reads the previous one).
    fn constant(&mut self, value: u64) -> Reg {
        let mut cur: Option<Reg> = None;
        for inst in MInst::load_constant(regs::zero_reg(), value) {
            let rd = self.tmp();
            self.emit(match inst {
                MInst::AluImm { op, imm, .. } => MInst::AluImm { op, rd, ri: cur.unwrap_or(rd), imm },
                MInst::LoadImm { op, imm, .. } => MInst::LoadImm { op, rd, imm },
                other => other,
            });
            cur = Some(rd);
        }
        cur.expect("load_constant emits at least one instruction")
    }
    /// `op rd, rn, rm` (three operands).
    fn alu3(&mut self, op: AluRRROp, rn: Reg, rm: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRR { op, rd, rn, rm });
        rd
    }
    /// `op rd, rm` with `rd` starting as `ri`.
    fn alu2(&mut self, op: AluRROp, ri: Reg, rm: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRR { op, rd, ri, rm });
        rd
    }
    /// `op rd, imm` with `rd` starting as `ri`.
    fn alu_imm(&mut self, op: ImmOp, ri: Reg, imm: u32) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluImm { op, rd, ri, imm });
        rd
    }
    /// `x + k` for a 16-bit signed `k` (`aghi`).
    fn add_i16(&mut self, x: Reg, k: i64) -> Reg {
        self.alu_imm(ImmOp::Aghi, x, k as i16 as u16 as u32)
    }
    fn unary(&mut self, op: UnaryOp, rn: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::Unary { op, rd, rn });
        rd
    }
    /// A 16-bit signed immediate in a fresh register (`lghi`).
    fn imm16(&mut self, k: i16) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::LoadImm { op: LoadImmOp::Lghi, rd, imm: k as u16 as u32 });
        rd
    }
    /// The low `bits` of `r`, zero- or sign-extended to 64 bits.
    fn ext64(&mut self, signed: bool, bits: u32, r: Reg) -> Reg {
        if bits >= 64 {
            return r;
        }
        self.unary(super::abi::extend_op(signed, bits), r)
    }
    /// `rn` shifted by `amt + amt_reg` (the low 6 bits).
    fn shift(&mut self, op: ShiftOp, rn: Reg, amt: i32, amt_reg: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::Shift { op, rd, rn, amt, amt_reg });
        rd
    }
    fn shift_k(&mut self, op: ShiftOp, rn: Reg, amt: u32) -> Reg {
        self.shift(op, rn, amt as i32, regs::zero_reg())
    }
    fn cmp(&mut self, op: CmpOp, rn: Reg, rm: Reg) {
        self.emit(MInst::Cmp { op, rn, rm });
    }
    /// `op rn, imm`; `imm` is read as the field reads it (a signed 16-bit field takes
    /// the low 16 bits of a value that fits it).
    fn cmp_imm(&mut self, op: CmpImmOp, rn: Reg, imm: i64) {
        let imm = if op.enc().1 == ImmKind::S16 { imm as i16 as u16 as u32 } else { imm as u32 };
        self.emit(MInst::CmpImm { op, rn, imm });
    }
    /// `cond ? if_true : if_false` (`locgr`).
    fn cmov(&mut self, cond: Cond, if_false: Reg, if_true: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::CMov { op: CMovOp::Locgr, cond, rd, ri: if_false, rm: if_true });
        rd
    }
    /// `cond ? imm : if_false` (`locghi`).
    fn cmov_imm(&mut self, cond: Cond, if_false: Reg, imm: i16) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::CMovImm { op: CMovImmOp::Locghi, cond, rd, ri: if_false, imm });
        rd
    }
    /// 1 if `cond` holds, else 0.
    fn cset(&mut self, cond: Cond) -> Reg {
        let zero = self.imm16(0);
        self.cmov_imm(cond, zero, 1)
    }
    /// `!x` on 64 bits.
    fn not(&mut self, x: Reg) -> Reg {
        if self.flags().has_mie3 {
            return self.alu3(AluRRROp::Nogrk, x, x);
        }
        let ones = self.imm16(-1);
        self.alu3(AluRRROp::Xgrk, x, ones)
    }
    /// Sets the condition code from the signed comparison of `x` with zero: `cghi x, 0`.
    fn test_sign(&mut self, x: Reg) {
        self.cmp_imm(CmpImmOp::Cghi, x, 0);
    }
    fn trap_code(flags: MemFlags) -> Option<TrapCode> {
        (!flags.notrap()).then(|| flags.trap_code().unwrap_or(TrapCode::HeapOutOfBounds))
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
            self.unsupported(format!("values of type `{ty}` here on s390x"));
        }
        self.lower.put_in_reg(v)
    }
    fn put_in_regs(&mut self, v: Value) -> ValueRegs {
        self.lower.put_in_regs(v)
    }
    fn regs_lo(&mut self, regs: ValueRegs) -> Reg {
        regs.lo()
    }

    // ---- immediates ----
    fn imm16(&mut self, ty: Type, k: i64) -> Option<i64> {
        let k = crate::opt::canonical_imm(ty, k);
        (k == k as i16 as i64).then_some(k)
    }
    fn neg_imm16(&mut self, ty: Type, k: i64) -> Option<i64> {
        let k = crate::opt::canonical_imm(ty, k).checked_neg()?;
        (k == k as i16 as i64).then_some(k)
    }

    // ---- integer constructors (int.rs) ----
    fn z_imm(&mut self, _ty: Type, k: i64) -> Reg {
        self.constant(k as u64)
    }
    fn z_add_imm(&mut self, _ty: Type, x: Reg, k: i64) -> Reg {
        self.add_i16(x, k)
    }
    fn z_int_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        self.int_binary(op, ty, x, y)
    }
    fn z_int_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        self.int_unary(op, ty, x)
    }
    fn z_shift_imm(&mut self, ty: Type, op: ShiftKind, x: Reg, k: i64) -> Reg {
        self.shift_imm_impl(ty, op, x, k)
    }
    fn z_shift_reg(&mut self, ty: Type, op: ShiftKind, x: Reg, amt: Reg) -> Reg {
        self.shift_reg_impl(ty, op, x, amt)
    }
    fn z_ext(&mut self, ext: Ext, from: Type, _to: Type, x: Reg) -> Reg {
        if !from.is_int_scalar() {
            return x;
        }
        self.ext64(ext == Ext::Sign, from.bits(), x)
    }
    fn z_cmp(&mut self, ty: Type, cc: IntCC, x: Reg, y: Reg) -> Cond {
        let signed = is_signed(cc);
        let x = self.ext64(signed, ty.bits(), x);
        let y = self.ext64(signed, ty.bits(), y);
        self.cmp(if signed { CmpOp::Cgr } else { CmpOp::Clgr }, x, y);
        int_cond(cc)
    }
    fn z_cmp_imm(&mut self, ty: Type, cc: IntCC, x: Reg, k: i64) -> Cond {
        if is_signed(cc) || matches!(cc, IntCC::Equal | IntCC::NotEqual) {
            let x = self.ext64(true, ty.bits(), x);
            self.cmp_imm(CmpImmOp::Cghi, x, k);
            return int_cond(cc);
        }
        let u = unsigned(ty, k);
        let x = self.ext64(false, ty.bits(), x);
        match u32::try_from(u) {
            Ok(u) => self.emit(MInst::CmpImm { op: CmpImmOp::Clgfi, rn: x, imm: u }),
            Err(_) => {
                let y = self.constant(u);
                self.cmp(CmpOp::Clgr, x, y);
            }
        }
        int_cond(cc)
    }
    fn z_test_nonzero(&mut self, ty: Type, x: ValueRegs) -> Cond {
        if ty.bits() == 128 {
            // `ogrk` sets CC 0 for a zero result.
            self.alu3(AluRRROp::Ogrk, x.lo(), x.hi());
            return Cond::NE;
        }
        let r = self.ext64(false, ty.bits(), x.lo());
        self.cmp_imm(CmpImmOp::Cghi, r, 0);
        Cond::NE
    }
    fn z_fcmp(&mut self, ty: Type, cc: FloatCC, x: Reg, y: Reg) -> Cond {
        self.fcmp_impl(ty, cc, x, y)
    }
    fn z_cset(&mut self, cond: Cond) -> Reg {
        self.cset(cond)
    }
    fn z_select(&mut self, _ty: Type, cond: Cond, x: Reg, y: Reg) -> Reg {
        if self.flags().has_mie3 {
            let rd = self.tmp();
            self.emit(MInst::Select { op: SelectOp::Selgr, cond, rd, rn: x, rm: y });
            return rd;
        }
        self.cmov(cond, y, x)
    }
    fn z_flags(&mut self, cond: Cond) -> CondBrKind {
        CondBrKind::Cc(cond)
    }
    fn z_invert(&mut self, kind: CondBrKind) -> CondBrKind {
        kind.invert()
    }
    fn z_overflow(&mut self, op: Opcode, ty: Type, a: Value, b: Value, r0: Value, r1: Value) -> Unit {
        self.overflow(op, ty, a, b, r0, r1)
    }
    fn z_overflow_carry(&mut self, op: Opcode, ty: Type, a: Value, b: Value, c: Value, r0: Value, r1: Value) -> Unit {
        self.overflow_carry(op, ty, a, b, c, r0, r1)
    }
    fn z_add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) -> Unit {
        self.add_trap(v, a, b, code)
    }
    fn z_isplit(&mut self, x: Value, lo: Value, hi: Value) -> Unit {
        let ty = self.lower.value_type(x);
        if ty.bits() == 128 {
            let regs = self.lower.put_in_regs(x);
            self.lower.set_output(lo, regs.lo());
            self.lower.set_output(hi, regs.hi());
            return;
        }
        let r = self.put_in_reg(x);
        let half = ty.bits() / 2;
        let z = self.ext64(false, ty.bits(), r);
        let high = self.shift_k(ShiftOp::Srlg, z, half);
        self.lower.set_output(lo, r);
        self.lower.set_output(hi, high);
    }
    fn z_iconcat(&mut self, half: Type, lo: Reg, hi: Reg) -> Reg {
        let bits = half.bits();
        let lo = self.ext64(false, bits, lo);
        let hi = self.shift_k(ShiftOp::Sllg, hi, bits);
        self.alu3(AluRRROp::Ogrk, lo, hi)
    }

    // ---- memory (mem.rs) ----
    fn ty_bits(&mut self, ty: Type) -> u32 {
        ty.bits()
    }
    fn narrow(&mut self, bits: u32) -> Type {
        Type::int_with_bits(bits).unwrap_or(types::I64)
    }
    fn z_load(&mut self, ty: Type, bits: u32, ext: Ext, flags: MemFlags, addr: Value, off: i32) -> Reg {
        let mem = self.mem_at(addr, off);
        self.load_mem(ty, bits, ext == Ext::Sign, flags, mem)
    }
    fn z_store(&mut self, ty: Type, bits: u32, flags: MemFlags, x: Reg, addr: Value, off: i32) -> Unit {
        let mem = self.mem_at(addr, off);
        self.store_mem(ty, bits, flags, x, mem)
    }
    fn z_stack_load(&mut self, ty: Type, slot: StackSlot, off: i32) -> Reg {
        let mem = self.stack_mem(slot, off);
        self.load_mem(ty, ty.bits(), false, MemFlags::trusted(), mem)
    }
    fn z_stack_store(&mut self, ty: Type, x: Reg, slot: StackSlot, off: i32) -> Unit {
        let mem = self.stack_mem(slot, off);
        self.store_mem(ty, ty.bits(), MemFlags::trusted(), x, mem)
    }
    fn z_stack_addr(&mut self, slot: StackSlot, off: i32) -> Reg {
        let mem = self.stack_mem(slot, off);
        let rd = self.tmp();
        self.emit(MInst::Load { op: super::inst::args::LoadOp::La, rd, mem, trap: None });
        rd
    }
    fn z_atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) -> Unit {
        self.atomic_load(v, flags, addr)
    }
    fn z_atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) -> Unit {
        self.atomic_store(flags, x, addr)
    }
    fn z_atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) -> Unit {
        self.atomic_rmw(v, flags, op, addr, x)
    }
    fn z_atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) -> Unit {
        self.atomic_cas(v, flags, addr, e, r)
    }
    fn z_fence(&mut self) -> Unit {
        self.emit(MInst::Fence { fast: true });
    }

    // ---- traps and control flow ----
    fn z_trap_if(&mut self, kind: CondBrKind, code: TrapCode) -> Unit {
        self.emit(MInst::TrapIf { kind, code });
    }
    fn z_udf(&mut self, code: TrapCode) -> Unit {
        self.emit(MInst::Udf { code });
    }
    fn z_jump(&mut self) -> Unit {
        let target = self.targets[0];
        self.emit(MInst::Jump { target });
    }
    fn z_jump_table(&mut self, ty: Type, index: Reg) -> Unit {
        let index = self.ext64(false, ty.bits(), index);
        let (default, targets) = (self.targets[0], self.targets[1..].to_vec());
        if u32::try_from(targets.len() + 1).is_err() {
            return self.unsupported("a jump table of 2^32 entries or more on s390x".into());
        }
        self.emit(MInst::JumpTable { index, default, targets });
    }
    fn z_cond_br(&mut self, kind: CondBrKind) -> Unit {
        let (taken, not_taken) = (self.targets[0], self.targets[1]);
        self.emit(MInst::CondBr { kind, taken, not_taken });
    }
    fn z_return(&mut self) -> Unit {
        if let Err(e) = abi_lower::lower_return(self.lower, &S390xAbi, self.inst) {
            self.error.get_or_insert(e);
        }
    }
    fn z_call(&mut self, inst: Inst) -> Unit {
        if let Err(e) = abi_lower::lower_call(self.lower, &S390xAbi, inst) {
            self.error.get_or_insert(e);
        }
    }
    fn z_return_call(&mut self, inst: Inst) -> Unit {
        let f = self.lower.f;
        let indirect = matches!(f.dfg.insts[inst], InstructionData::CallIndirect { .. });
        let checked = match f.dfg.call_signature(inst).and_then(|s| f.dfg.signatures.get(s)) {
            Some(sig) => super::abi::check_return_call(sig, indirect),
            None => Ok(()),
        };
        if let Err(e) = checked.and_then(|()| abi_lower::lower_return_call(self.lower, &S390xAbi, inst)) {
            self.error.get_or_insert(e);
        }
    }
    fn z_addr_of(&mut self, inst: Inst) -> Unit {
        self.addr_of(inst)
    }

    // ---- floats (float.rs) ----
    fn z_fconst(&mut self, double: bool, bits: i64) -> Reg {
        self.fconst(double, bits as u64)
    }
    fn z_float_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        self.float_unary(op, ty, x)
    }
    fn z_float_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        self.float_binary(op, ty, x, y)
    }
    fn z_fma(&mut self, ty: Type, x: Reg, y: Reg, z: Reg) -> Reg {
        self.fma(ty, x, y, z)
    }
    fn z_fcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        self.fcvt(op, to, from, x)
    }
    fn z_bitcast(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        self.bitcast(to, from, x)
    }
    fn z_fsel(&mut self, ty: Type, cond: Cond, x: Reg, y: Reg) -> Reg {
        self.fsel(ty, cond, x, y)
    }

    // ---- i128 (i128.rs) ----
    fn is_i128(&mut self, ty: Type) -> Option<Type> {
        (ty == types::I128).then_some(ty)
    }
    fn output_regs(&mut self, v: Value, regs: ValueRegs) -> Unit {
        self.lower.set_output_regs(v, regs);
    }
    fn i128_pair(&mut self, lo: Reg, hi: Reg) -> ValueRegs {
        ValueRegs::two(lo, hi)
    }
    fn i128_binary(&mut self, op: Opcode, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.i128_binary_impl(op, x, y)
    }
    fn i128_unary(&mut self, op: Opcode, x: ValueRegs) -> ValueRegs {
        self.i128_unary_impl(op, x)
    }
    fn i128_extend(&mut self, ext: Ext, from: Type, x: Reg) -> ValueRegs {
        let x = self.ext64(ext == Ext::Sign, from.bits(), x);
        let hi = match ext {
            Ext::Sign => self.shift_k(ShiftOp::Srag, x, 63),
            Ext::Zero => self.imm16(0),
        };
        ValueRegs::two(x, hi)
    }
    fn i128_cmp(&mut self, cc: IntCC, x: ValueRegs, y: ValueRegs) -> Cond {
        self.i128_cmp_impl(cc, x, y)
    }
    fn i128_select(&mut self, cond: Cond, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let lo = self.cmov(cond, y.lo(), x.lo());
        let hi = self.cmov(cond, y.hi(), x.hi());
        ValueRegs::two(lo, hi)
    }
    fn i128_shift(&mut self, op: ShiftKind, x: ValueRegs, amt: Reg) -> ValueRegs {
        self.i128_shift_impl(op, x, amt)
    }
    fn i128_overflow(&mut self, op: Opcode, a: Value, b: Value, r0: Value, r1: Value) -> Unit {
        let (x, y) = (self.lower.put_in_regs(a), self.lower.put_in_regs(b));
        self.i128_overflow_impl(op, x, y, None, r0, r1)
    }
    fn i128_carry(&mut self, op: Opcode, a: Value, b: Value, c: Value, r0: Value, r1: Value) -> Unit {
        let (x, y) = (self.lower.put_in_regs(a), self.lower.put_in_regs(b));
        let c = self.put_in_reg(c);
        self.i128_overflow_impl(op, x, y, Some(c), r0, r1)
    }
    fn i128_stack_load(&mut self, slot: StackSlot, off: i32) -> ValueRegs {
        let (m0, m1) = (self.stack_mem(slot, off), self.stack_mem(slot, off + 8));
        self.i128_load_mem(None, m0, m1)
    }
    fn i128_stack_store(&mut self, x: ValueRegs, slot: StackSlot, off: i32) -> Unit {
        let (m0, m1) = (self.stack_mem(slot, off), self.stack_mem(slot, off + 8));
        self.i128_store_mem(None, x, m0, m1)
    }
    fn i128_load(&mut self, flags: MemFlags, addr: Value, off: i32) -> ValueRegs {
        let (m0, m1) = (self.mem_at(addr, off), self.mem_at(addr, off + 8));
        self.i128_load_mem(Self::trap_code(flags), m0, m1)
    }
    fn i128_store(&mut self, flags: MemFlags, x: ValueRegs, addr: Value, off: i32) -> Unit {
        let (m0, m1) = (self.mem_at(addr, off), self.mem_at(addr, off + 8));
        self.i128_store_mem(Self::trap_code(flags), x, m0, m1)
    }
}

impl RuleCtx<'_, '_> {
    /// `func_addr`, `symbol_value`, `get_stack_pointer`, `get_frame_pointer`.
    fn addr_of(&mut self, inst: Inst) {
        let f = self.lower.f;
        let result = f.dfg.first_result(inst);
        if let InstructionData::Nullary { opcode: op @ (Opcode::GetStackPointer | Opcode::GetFramePointer) } =
            f.dfg.insts[inst]
        {
            if op == Opcode::GetFramePointer {
                return self.unsupported("`get_frame_pointer` on s390x (its frames keep no frame pointer)".into());
            }
            let rd = self.tmp();
            self.emit(MInst::mov64(rd, regs::sp()));
            self.lower.set_output(result, rd);
            return;
        }
        let Some((name, offset, colocated)) = self.symbol_ref(inst, "s390x") else { return };
        if self.backend.is_pic && !colocated {
            // Another module may define the symbol: its address comes from the GOT, the
            // offset added after.
            let rd = self.tmp();
            self.emit(MInst::LoadGotAddr { rd, name });
            let rd = match offset {
                0 => rd,
                o if i32::try_from(o).is_ok() => self.alu_imm(ImmOp::Agfi, rd, o as i32 as u32),
                o => {
                    let k = self.constant(o as u64);
                    self.alu3(AluRRROp::Agrk, rd, k)
                }
            };
            return self.lower.set_output(result, rd);
        }
        let rd = self.tmp();
        self.emit(MInst::LoadSymbolAddr { rd, name, offset });
        self.lower.set_output(result, rd);
    }
}

impl LowerBackend for S390xLower {
    fn rule_table(&self) -> &'static [crate::machinst::explain::RuleEntry] {
        isle::RULES
    }
    type MInst = MInst;

    /// Rounding and fused multiply-add are native; `i128` accesses in little-endian
    /// order are a big-endian access and a byte swap; `br_table` is a jump table
    /// (`Inst::JumpTable`) unless `enable_jump_tables=false`.
    fn native(&self) -> crate::legalize::Native {
        crate::legalize::Native {
            round: true,
            fma: true,
            byte_order: crate::ir::Endianness::Big,
            jump_tables: true,
            tls_value: false,
            exceptions: false,
            soft_float: false,
            half_conversions: false,
        }
    }

    /// Library calls with `i128` operands passed as the s390x C convention passes
    /// `__int128` (by reference, returned through a hidden pointer).
    fn legalize(&self, func: &Function) -> Option<Function> {
        crate::legalize::join_i128_libcall_halves(func)
    }

    fn lower_params(&self, ctx: &mut Lower<'_, MInst>, params: &[Value]) -> Result<(), CodegenError> {
        abi_lower::lower_params(ctx, &S390xAbi, params)
    }

    fn lower_inst(&self, ctx: &mut Lower<'_, MInst>, inst: Inst) -> Result<(), CodegenError> {
        crate::machinst::run_rules("s390x", self, ctx, inst, &[], isle::constructor_lower)
    }

    fn lower_branch(&self, ctx: &mut Lower<'_, MInst>, inst: Inst, targets: &[MachLabel]) -> Result<(), CodegenError> {
        crate::machinst::run_rules("s390x", self, ctx, inst, targets, isle::constructor_lower_branch)
    }
}

/// The s390x lowering rules (`lower/*.isle`) and how often each fired (see
/// [`crate::rule_coverage`]).
pub fn lowering_rules() -> crate::rule_coverage::RuleSet {
    crate::rule_coverage::isle_rule_set!("s390x lowering", isle)
}
