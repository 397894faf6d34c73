//! aarch64 lowering: the `LowerBackend` that runs the ISLE rules of `lower/*.isle`, and
//! the Rust side of those rules (the `Context`): how they see IR instructions and how
//! their constructors emit `Inst`s. Integer helpers are in `int.rs`, floats in
//! `float.rs`, memory and atomics in `mem.rs`, 128-bit integers in `i128.rs`.
//!
//! A rule that cannot handle its input (an atomic operation without LSE, a convention
//! the ABI refuses) records an "unsupported" error in the context instead of emitting
//! wrong code; the backend then reports it, naming the instruction.

use super::abi::{A64Abi, AAPCS64};
use super::inst::Inst as MInst;
use super::inst::args::{
    AMode, AluOp, AluOp3, BitfieldOp, CSelOp, Cond, CondBrKind, ExtendOp, IndexExtend, OperandSize, ShiftOp,
    ShiftOpAndAmt,
};
use super::inst::imms::{Imm12, ImmLogic};
use super::regs;
use crate::ir::{
    AtomicRmwOp, FloatCC, Inst, InstructionData, IntCC, MemFlags, Opcode, StackSlot, TrapCode, Type, Value, types,
};
use crate::machinst::abi::{self as abi_lower, CallLayout};
use crate::machinst::{CodegenError, Lower, LowerBackend, MachLabel, Reg, ValueRegs};

crate::isle_rules!("isle_aarch64.rs";
    use crate::isa::aarch64::inst::args::{AMode, AluOp, Cond, CondBrKind, ExtendOp, IndexExtend};
    use crate::isa::aarch64::inst::imms::{Imm12, ImmLogic};
);
use isle::Unit;

use crate::isle_view::InstData;
use isle::{Ext, ShiftKind};

mod float;

pub(crate) use float::{float_cond, fpu_op1, fpu_op2};
mod i128;
mod int;
mod mem;

/// The aarch64 lowering backend, with the ISA flags and settings the rules may use.
pub struct A64Lower {
    /// The ISA flags.
    pub isa_flags: super::A64Flags,
    /// The `is_pic` setting: symbols of other units cannot be reached by `adrp`.
    pub is_pic: bool,
}

/// The Rust side of the rules for one instruction.
type RuleCtx<'a, 'f> = crate::machinst::RuleCtx<'a, 'f, A64Lower, MInst>;

/// The register width of ALU work on values of `ty` (narrow values are computed in `w`
/// registers).
fn size_of(ty: Type) -> OperandSize {
    if ty.bits() > 32 { OperandSize::S64 } else { OperandSize::S32 }
}

/// `k` read as an unsigned value of `ty`.
fn unsigned(ty: Type, k: i64) -> u64 {
    if ty.bits() >= 64 { k as u64 } else { k as u64 & ((1u64 << ty.bits()) - 1) }
}

/// The condition of an integer comparison, after `cmp x, y`.
pub(crate) fn int_cond(cc: IntCC) -> Cond {
    match cc {
        IntCC::Equal => Cond::Eq,
        IntCC::NotEqual => Cond::Ne,
        IntCC::SignedLessThan => Cond::Lt,
        IntCC::SignedGreaterThanOrEqual => Cond::Ge,
        IntCC::SignedGreaterThan => Cond::Gt,
        IntCC::SignedLessThanOrEqual => Cond::Le,
        IntCC::UnsignedLessThan => Cond::Lo,
        IntCC::UnsignedGreaterThanOrEqual => Cond::Hs,
        IntCC::UnsignedGreaterThan => Cond::Hi,
        IntCC::UnsignedLessThanOrEqual => Cond::Ls,
    }
}

/// Whether a comparison looks at its operands as signed numbers.
pub(crate) fn is_signed(cc: IntCC) -> bool {
    matches!(
        cc,
        IntCC::SignedLessThan
            | IntCC::SignedGreaterThanOrEqual
            | IntCC::SignedGreaterThan
            | IntCC::SignedLessThanOrEqual
    )
}

/// The extended-register operand that reads the low `bits` of a register.
fn extend_op(signed: bool, bits: u32) -> ExtendOp {
    match (signed, bits) {
        (false, 8) => ExtendOp::Uxtb,
        (false, 16) => ExtendOp::Uxth,
        (false, 32) => ExtendOp::Uxtw,
        (false, _) => ExtendOp::Uxtx,
        (true, 8) => ExtendOp::Sxtb,
        (true, 16) => ExtendOp::Sxth,
        (true, 32) => ExtendOp::Sxtw,
        (true, _) => ExtendOp::Sxtx,
    }
}

impl RuleCtx<'_, '_> {
    /// `value` in a fresh register at `size`: `Inst::load_constant`'s sequence, with a
    /// fresh virtual register per `movk` step (each reads the previous one).
    fn constant(&mut self, value: u64, size: OperandSize) -> Reg {
        let mut cur = None;
        for inst in MInst::load_constant(regs::zr(), value, size) {
            let rd = self.tmp();
            self.emit(match inst {
                MInst::MovK { size, imm, .. } => MInst::MovK { size, rd, rn: cur.unwrap_or(rd), imm },
                MInst::MovWide { op, size, imm, .. } => MInst::MovWide { op, size, rd, imm },
                MInst::AluRRImmLogic { op, size, rn, imm, .. } => MInst::AluRRImmLogic { op, size, rd, rn, imm },
                other => other,
            });
            cur = Some(rd);
        }
        cur.unwrap_or_else(regs::zr)
    }
    fn imm(&mut self, ty: Type, k: i64) -> Reg {
        self.constant(k as u64, size_of(ty))
    }
    fn alu(&mut self, size: OperandSize, op: AluOp, rn: Reg, rm: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRR { op, size, rd, rn, rm });
        rd
    }
    fn alu_imm(&mut self, size: OperandSize, op: AluOp, rn: Reg, imm: Imm12) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRImm12 { op, size, rd, rn, imm });
        rd
    }
    /// Sets the flags from `rn - imm` (`cmp`).
    fn cmp_imm_flags(&mut self, size: OperandSize, rn: Reg, imm: u64) {
        let imm = Imm12::maybe_from_u64(imm).unwrap_or(Imm12::ZERO);
        self.emit(MInst::AluRRImm12 { op: AluOp::Subs, size, rd: regs::zr(), rn, imm });
    }
    /// The low `from` bits of `r`, zero- or sign-extended to `size`.
    fn extend(&mut self, signed: bool, from: u32, size: OperandSize, r: Reg) -> Reg {
        if from >= size.bits() {
            return r;
        }
        let rd = self.tmp();
        let op = if signed { BitfieldOp::Sbfm } else { BitfieldOp::Ubfm };
        self.emit(MInst::Bitfield { op, size, rd, rn: r, immr: 0, imms: from as u8 - 1 });
        rd
    }
    /// `r` of type `ty` extended to its whole register (32 bits for narrow types).
    fn ext_reg(&mut self, signed: bool, ty: Type, r: Reg) -> Reg {
        self.extend(signed, ty.bits(), size_of(ty), r)
    }
    fn csel(&mut self, op: CSelOp, size: OperandSize, rn: Reg, rm: Reg, cond: Cond) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::CSel { op, size, rd, rn, rm, cond });
        rd
    }
    /// 1 if `cond` holds, else 0.
    fn cset(&mut self, cond: Cond) -> Reg {
        self.csel(CSelOp::Csinc, OperandSize::S32, regs::zr(), regs::zr(), cond.invert())
    }
    /// Bitfield extraction or insertion with the given fields.
    fn bitfield(&mut self, op: BitfieldOp, size: OperandSize, rn: Reg, immr: u8, imms: u8) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::Bitfield { op, size, rd, rn, immr, imms });
        rd
    }
    fn trap_code(flags: MemFlags) -> Option<TrapCode> {
        (!flags.notrap()).then(|| flags.trap_code().unwrap_or(TrapCode::HeapOutOfBounds))
    }
    fn check_int(&mut self, ty: Type) {
        if !(ty.is_int_scalar() && ty.bits() <= 64) {
            self.unsupported(format!("values of type `{ty}` in this operation on aarch64"));
        }
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
            self.unsupported(format!("values of type `{ty}` here on aarch64"));
        }
        self.lower.put_in_reg(v)
    }
    fn put_in_regs(&mut self, v: Value) -> ValueRegs {
        self.lower.put_in_regs(v)
    }
    fn regs_lo(&mut self, regs: ValueRegs) -> Reg {
        regs.lo()
    }
    fn zero(&mut self) -> Reg {
        regs::zr()
    }

    // ---- immediates ----
    fn arith_imm(&mut self, ty: Type, k: i64) -> Option<Imm12> {
        Imm12::maybe_from_u64(unsigned(ty, k))
    }
    fn arith_imm_neg(&mut self, ty: Type, k: i64) -> Option<Imm12> {
        let k = crate::opt::canonical_imm(ty, k);
        if k < 0 { Imm12::maybe_from_u64(k.unsigned_abs()) } else { None }
    }
    fn cmp_imm(&mut self, k: i64) -> Option<Imm12> {
        if k >= 0 { Imm12::maybe_from_u64(k as u64) } else { None }
    }
    fn cmn_imm(&mut self, ty: Type, k: i64) -> Option<Imm12> {
        let k = crate::opt::canonical_imm(ty, k);
        if ty.bits() >= 32 && k < 0 { Imm12::maybe_from_u64(k.unsigned_abs()) } else { None }
    }
    fn eq_ne(&mut self, cc: IntCC) -> Option<IntCC> {
        matches!(cc, IntCC::Equal | IntCC::NotEqual).then_some(cc)
    }
    fn wide_ty(&mut self, ty: Type) -> Option<Type> {
        (ty.bits() == 32 || ty.bits() == 64).then_some(ty)
    }
    fn logic_imm(&mut self, ty: Type, k: i64) -> Option<ImmLogic> {
        let size = size_of(ty);
        let k = crate::opt::canonical_imm(ty, k) as u64;
        ImmLogic::maybe_from_u64(if size.is64() { k } else { k & 0xffff_ffff }, size)
    }
    fn shift_imm(&mut self, ty: Type, k: i64) -> Option<u8> {
        Some((k as u64 % ty.bits() as u64) as u8)
    }
    fn ext_op(&mut self, ext: Ext, from: Type, to: Type) -> Option<ExtendOp> {
        (from.is_int_scalar() && from.bits() < to.bits() && from.bits() <= 32)
            .then(|| extend_op(ext == Ext::Sign, from.bits()))
    }
    fn single_bit(&mut self, ty: Type, k: i64) -> Option<u8> {
        let u = unsigned(ty, k);
        (u.count_ones() == 1).then(|| u.trailing_zeros() as u8)
    }

    // ---- integer constructors ----
    fn a64_imm(&mut self, ty: Type, k: i64) -> Reg {
        self.imm(ty, k)
    }
    fn a64_alu(&mut self, ty: Type, op: AluOp, x: Reg, y: Reg) -> Reg {
        self.alu(size_of(ty), op, x, y)
    }
    fn a64_alu_imm12(&mut self, ty: Type, op: AluOp, x: Reg, imm: Imm12) -> Reg {
        self.alu_imm(size_of(ty), op, x, imm)
    }
    fn a64_alu_logic(&mut self, ty: Type, op: AluOp, x: Reg, imm: ImmLogic) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRImmLogic { op, size: size_of(ty), rd, rn: x, imm });
        rd
    }
    fn a64_alu_shifted(&mut self, ty: Type, op: AluOp, x: Reg, y: Reg, s: u8) -> Reg {
        let rd = self.tmp();
        let shift = ShiftOpAndAmt { op: ShiftOp::Lsl, amt: s };
        self.emit(MInst::AluRRRShift { op, size: size_of(ty), rd, rn: x, rm: y, shift });
        rd
    }
    fn a64_alu_extended(&mut self, ty: Type, op: AluOp, x: Reg, y: Reg, e: ExtendOp) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRRExtend { op, size: size_of(ty), rd, rn: x, rm: y, extend: e, amount: 0 });
        rd
    }
    fn a64_alu_imm64(&mut self, ty: Type, op: AluOp, x: Reg, k: i64) -> Reg {
        if op == AluOp::Add {
            if let Some(imm) = self.arith_imm(ty, k) {
                return self.alu_imm(size_of(ty), AluOp::Add, x, imm);
            }
            if let Some(imm) = self.arith_imm_neg(ty, k) {
                return self.alu_imm(size_of(ty), AluOp::Sub, x, imm);
            }
        } else if let Some(imm) = self.logic_imm(ty, k) {
            return self.a64_alu_logic(ty, op, x, imm);
        }
        let y = self.imm(ty, k);
        self.alu(size_of(ty), op, x, y)
    }
    fn a64_madd(&mut self, ty: Type, sub: bool, x: Reg, y: Reg, a: Reg) -> Reg {
        let rd = self.tmp();
        let op = if sub { AluOp3::Msub } else { AluOp3::Madd };
        self.emit(MInst::AluRRRR { op, size: size_of(ty), rd, rn: x, rm: y, ra: a });
        rd
    }
    fn a64_shift_imm(&mut self, ty: Type, op: ShiftKind, x: Reg, k: i64) -> Reg {
        self.shift_imm_impl(ty, op, x, k)
    }
    fn a64_shift_reg(&mut self, ty: Type, op: ShiftKind, x: Reg, amt: Reg) -> Reg {
        self.shift_reg_impl(ty, op, x, amt)
    }
    fn a64_div(&mut self, ty: Type, signed: bool, is_rem: bool, x: Reg, y: Reg) -> Reg {
        self.div_impl(ty, signed, is_rem, x, y)
    }
    fn a64_mulhi(&mut self, ty: Type, signed: bool, x: Reg, y: Reg) -> Reg {
        self.mulhi_impl(ty, signed, x, y)
    }
    fn a64_ext(&mut self, ext: Ext, from: Type, to: Type, x: Reg) -> Reg {
        if !from.is_int_scalar() {
            return x;
        }
        self.extend(ext == Ext::Sign, from.bits(), size_of(to), x)
    }

    // ---- conditions ----
    fn a64_cmp(&mut self, ty: Type, cc: IntCC, x: Reg, y: Reg) -> Cond {
        let signed = is_signed(cc);
        let size = size_of(ty);
        let x = self.ext_reg(signed, ty, x);
        if ty.bits() < 32 {
            // The second operand is extended by the comparison itself.
            let extend = extend_op(signed, ty.bits());
            self.emit(MInst::AluRRRExtend { op: AluOp::Subs, size, rd: regs::zr(), rn: x, rm: y, extend, amount: 0 });
        } else {
            self.emit(MInst::AluRRR { op: AluOp::Subs, size, rd: regs::zr(), rn: x, rm: y });
        }
        int_cond(cc)
    }
    fn a64_cmp_imm(&mut self, ty: Type, cc: IntCC, x: Reg, imm: Imm12) -> Cond {
        let x = self.ext_reg(is_signed(cc), ty, x);
        self.emit(MInst::AluRRImm12 { op: AluOp::Subs, size: size_of(ty), rd: regs::zr(), rn: x, imm });
        int_cond(cc)
    }
    fn a64_flags_of(&mut self, ty: Type, op: AluOp, x: Reg, imm: Imm12, cc: IntCC) -> Cond {
        self.emit(MInst::AluRRImm12 { op, size: size_of(ty), rd: regs::zr(), rn: x, imm });
        int_cond(cc)
    }
    fn a64_tst(&mut self, ty: Type, x: Reg, y: Reg, cc: IntCC) -> Cond {
        self.emit(MInst::AluRRR { op: AluOp::Ands, size: size_of(ty), rd: regs::zr(), rn: x, rm: y });
        int_cond(cc)
    }
    fn a64_tst_imm(&mut self, ty: Type, x: Reg, imm: ImmLogic, cc: IntCC) -> Cond {
        self.emit(MInst::AluRRImmLogic { op: AluOp::Ands, size: size_of(ty), rd: regs::zr(), rn: x, imm });
        int_cond(cc)
    }
    fn a64_test_nonzero(&mut self, ty: Type, x: ValueRegs) -> Cond {
        if ty.bits() == 128 {
            let either = self.alu(OperandSize::S64, AluOp::Orr, x.lo(), x.hi());
            self.cmp_imm_flags(OperandSize::S64, either, 0);
        } else if ty.bits() < 32 {
            // `tst w, #mask`: only the value's bits count.
            let imm = ImmLogic::maybe_from_u64((1u64 << ty.bits()) - 1, OperandSize::S32);
            match imm {
                Some(imm) => self.emit(MInst::AluRRImmLogic {
                    op: AluOp::Ands,
                    size: OperandSize::S32,
                    rd: regs::zr(),
                    rn: x.lo(),
                    imm,
                }),
                None => self.unsupported(format!("a `{ty}` condition on aarch64")),
            }
        } else {
            self.check_int(ty);
            self.cmp_imm_flags(size_of(ty), x.lo(), 0);
        }
        Cond::Ne
    }
    fn a64_fcmp(&mut self, ty: Type, cc: FloatCC, x: Reg, y: Reg) -> Cond {
        self.fcmp_impl(ty, cc, x, y)
    }
    fn a64_cset(&mut self, cond: Cond) -> Reg {
        self.cset(cond)
    }
    fn a64_csel(&mut self, ty: Type, cond: Cond, x: Reg, y: Reg) -> Reg {
        self.csel(CSelOp::Csel, size_of(ty), x, y, cond)
    }
    fn a64_zero_test(&mut self, ty: Type, r: Reg, is_zero: bool) -> CondBrKind {
        let r = self.ext_reg(false, ty, r);
        let size = size_of(ty);
        if is_zero { CondBrKind::Zero(r, size) } else { CondBrKind::NotZero(r, size) }
    }
    fn a64_bit_test(&mut self, r: Reg, bit: u8, zero: bool) -> CondBrKind {
        if zero { CondBrKind::BitZero(r, bit) } else { CondBrKind::BitNotZero(r, bit) }
    }
    fn a64_flags(&mut self, cond: Cond) -> CondBrKind {
        CondBrKind::Cond(cond)
    }
    fn a64_invert(&mut self, kind: CondBrKind) -> CondBrKind {
        kind.invert()
    }
    fn a64_int_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        self.int_unary(op, ty, x)
    }
    fn a64_int_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        self.int_binary(op, ty, x, y)
    }
    fn a64_overflow(&mut self, op: Opcode, ty: Type, a: Value, b: Value, r0: Value, r1: Value) -> Unit {
        self.overflow(op, ty, a, b, r0, r1)
    }
    fn a64_overflow_carry(&mut self, op: Opcode, ty: Type, a: Value, b: Value, c: Value, r0: Value, r1: Value) -> Unit {
        self.overflow_carry(op, ty, a, b, c, r0, r1)
    }
    fn a64_add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) -> Unit {
        self.add_trap(v, a, b, code)
    }
    fn a64_isplit(&mut self, x: Value, lo: Value, hi: Value) -> Unit {
        let ty = self.lower.value_type(x);
        if ty.bits() == 128 {
            let regs = self.lower.put_in_regs(x);
            self.lower.set_output(lo, regs.lo());
            self.lower.set_output(hi, regs.hi());
            return;
        }
        let r = self.put_in_reg(x);
        let half = ty.bits() / 2;
        let high = self.bitfield(BitfieldOp::Ubfm, size_of(ty), r, half as u8, ty.bits() as u8 - 1);
        self.lower.set_output(lo, r);
        self.lower.set_output(hi, high);
    }
    fn a64_iconcat(&mut self, half: Type, lo: Reg, hi: Reg) -> Reg {
        let bits = half.bits();
        let wide = Type::int_with_bits(bits * 2).unwrap_or(types::I64);
        let lo = self.extend(false, bits, size_of(wide), lo);
        self.a64_alu_shifted(wide, AluOp::Orr, lo, hi, bits as u8)
    }

    // ---- memory ----
    fn access_scale(&mut self, ty: Type, k: i64) -> Option<bool> {
        (k == (ty.bytes().max(1)).trailing_zeros() as i64).then_some(true)
    }
    fn index_ext(&mut self, ext: Ext, ty: Type) -> Option<IndexExtend> {
        (ty == types::I32).then(|| if ext == Ext::Sign { IndexExtend::Sxtw } else { IndexExtend::Uxtw })
    }
    fn amode_base(&mut self, base: Reg, off: i32) -> AMode {
        AMode::BaseOffset { rn: base, offset: off as i64 }
    }
    fn amode_index(&mut self, base: Reg, index: Reg, scaled: bool) -> AMode {
        AMode::RegOffset { rn: base, rm: index, extend: IndexExtend::Lsl, scaled }
    }
    fn amode_ext(&mut self, base: Reg, index: Reg, e: IndexExtend) -> AMode {
        AMode::RegOffset { rn: base, rm: index, extend: e, scaled: false }
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
    fn a64_stack_addr(&mut self, slot: StackSlot, off: i32) -> Reg {
        let base = self.lower.stack_slot_offset(slot) as i64 + off as i64;
        let rd = self.tmp();
        match u32::try_from(base) {
            Ok(offset) => self.emit(MInst::StackAddr { rd, offset }),
            Err(_) => self.unsupported("a negative stack-slot offset".into()),
        }
        rd
    }
    fn a64_load(&mut self, ty: Type, bits: u32, ext: Ext, flags: MemFlags, addr: AMode) -> Reg {
        self.load_impl(ty, bits, ext, flags, addr)
    }
    fn a64_store(&mut self, ty: Type, bits: u32, flags: MemFlags, x: Reg, addr: AMode) -> Unit {
        self.store_impl(ty, bits, flags, x, addr)
    }
    fn ty_bits(&mut self, ty: Type) -> u32 {
        ty.bits()
    }
    fn trusted(&mut self) -> MemFlags {
        MemFlags::trusted()
    }
    fn narrow(&mut self, bits: u32) -> Type {
        Type::int_with_bits(bits).unwrap_or(types::I64)
    }
    fn a64_atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) -> Unit {
        self.atomic_load(v, flags, addr)
    }
    fn a64_atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) -> Unit {
        self.atomic_store(flags, x, addr)
    }
    fn a64_atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) -> Unit {
        self.atomic_rmw(v, flags, op, addr, x)
    }
    fn a64_atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) -> Unit {
        self.atomic_cas(v, flags, addr, e, r)
    }
    fn a64_fence(&mut self) -> Unit {
        self.emit(MInst::Dmb);
    }

    // ---- traps and control flow ----
    fn a64_trap_if(&mut self, kind: CondBrKind, code: TrapCode) -> Unit {
        self.emit(MInst::TrapIf { kind, code });
    }
    fn a64_udf(&mut self, code: TrapCode) -> Unit {
        self.emit(MInst::Udf { code });
    }
    fn a64_jump(&mut self) -> Unit {
        let target = self.targets[0];
        self.emit(MInst::Jump { target });
    }
    fn a64_cond_br(&mut self, kind: CondBrKind) -> Unit {
        let (taken, not_taken) = (self.targets[0], self.targets[1]);
        self.emit(MInst::CondBr { kind, taken, not_taken });
    }
    fn a64_jump_table(&mut self, ty: Type, index: Reg) -> Unit {
        let wide = ty.bits() > 32;
        let index = self.ext_reg(false, ty, index);
        let default = self.targets[0];
        let targets = self.targets[1..].to_vec();
        self.emit(MInst::JmpTable { index, wide, default, targets });
    }
    fn a64_return(&mut self) -> Unit {
        if let Err(e) = abi_lower::lower_return(self.lower, &A64Abi, self.inst) {
            self.error.get_or_insert(e);
        }
    }
    fn a64_call(&mut self, inst: Inst) -> Unit {
        if let Err(e) = self.check_ret_area(inst).and_then(|()| abi_lower::lower_call(self.lower, &A64Abi, inst)) {
            self.error.get_or_insert(e);
        }
    }
    fn a64_return_call(&mut self, inst: Inst) -> Unit {
        if let Err(e) = abi_lower::lower_return_call(self.lower, &A64Abi, inst) {
            self.error.get_or_insert(e);
        }
    }
    fn a64_addr_of(&mut self, inst: Inst) -> Unit {
        self.addr_of(inst)
    }

    // ---- floats (float.rs) ----
    fn a64_fconst(&mut self, double: bool, bits: i64) -> Reg {
        self.fconst(double, bits as u64)
    }
    fn a64_float_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        self.float_unary(op, ty, x)
    }
    fn a64_float_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        self.float_binary(op, ty, x, y)
    }
    fn a64_fma(&mut self, ty: Type, neg: bool, x: Reg, y: Reg, z: Reg) -> Reg {
        self.fma(ty, neg, x, y, z)
    }
    fn a64_fcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        self.fcvt(op, to, from, x)
    }
    fn a64_bitcast(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        self.bitcast(to, from, x)
    }
    fn a64_fsel(&mut self, ty: Type, cond: Cond, x: Reg, y: Reg) -> Reg {
        self.fsel(ty, cond, x, y)
    }
    fn a64_csdb(&mut self, r: Reg) -> Reg {
        self.emit(MInst::Csdb);
        r
    }
    fn a64_csdb_regs(&mut self, r: ValueRegs) -> ValueRegs {
        self.emit(MInst::Csdb);
        r
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
    fn regs_hi(&mut self, regs: ValueRegs) -> Reg {
        regs.hi()
    }
    fn i128_binary(&mut self, op: Opcode, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.i128_binary_impl(op, x, y)
    }
    fn i128_unary(&mut self, op: Opcode, x: ValueRegs) -> ValueRegs {
        self.i128_unary_impl(op, x)
    }
    fn i128_extend(&mut self, ext: Ext, from: Type, x: Reg) -> ValueRegs {
        let x = if from.bits() < 64 { self.extend(ext == Ext::Sign, from.bits(), OperandSize::S64, x) } else { x };
        let hi = match ext {
            Ext::Sign => self.bitfield(BitfieldOp::Sbfm, OperandSize::S64, x, 63, 63),
            Ext::Zero => self.constant(0, OperandSize::S64),
        };
        ValueRegs::two(x, hi)
    }
    fn i128_cmp(&mut self, cc: IntCC, x: ValueRegs, y: ValueRegs) -> Cond {
        self.i128_cmp_impl(cc, x, y)
    }
    fn i128_select(&mut self, cond: Cond, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let lo = self.csel(CSelOp::Csel, OperandSize::S64, x.lo(), y.lo(), cond);
        let hi = self.csel(CSelOp::Csel, OperandSize::S64, x.hi(), y.hi(), cond);
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
        let (lo, hi) = (self.tmp(), self.tmp());
        let m0 = self.amode_stack(slot, off);
        let m1 = self.amode_stack(slot, off + 8);
        self.emit(MInst::Load { op: super::inst::args::LoadOp::LdrX, rt: lo, mem: m0, trap: None });
        self.emit(MInst::Load { op: super::inst::args::LoadOp::LdrX, rt: hi, mem: m1, trap: None });
        ValueRegs::two(lo, hi)
    }
    fn i128_stack_store(&mut self, x: ValueRegs, slot: StackSlot, off: i32) -> Unit {
        let m0 = self.amode_stack(slot, off);
        let m1 = self.amode_stack(slot, off + 8);
        self.emit(MInst::Store { op: super::inst::args::StoreOp::StrX, rt: x.lo(), mem: m0, trap: None });
        self.emit(MInst::Store { op: super::inst::args::StoreOp::StrX, rt: x.hi(), mem: m1, trap: None });
    }
    fn i128_load(&mut self, flags: MemFlags, addr: Value, off: i32) -> ValueRegs {
        self.i128_load_impl(flags, addr, off)
    }
    fn i128_store(&mut self, flags: MemFlags, x: ValueRegs, addr: Value, off: i32) -> Unit {
        self.i128_store_impl(flags, x, addr, off)
    }
}

impl RuleCtx<'_, '_> {
    /// Refuses a call whose return area's offset in the outgoing area does not fit the
    /// one `add` that `A64Abi::gen_addr` builds.
    fn check_ret_area(&self, inst: Inst) -> Result<(), CodegenError> {
        let f = self.lower.f;
        let Some(sig) = f.dfg.call_signature(inst).and_then(|s| f.dfg.signatures.get(s)) else { return Ok(()) };
        if super::abi::conv_desc(sig.call_conv).is_err() {
            return Ok(());
        }
        let layout = CallLayout::new(&AAPCS64, sig)?;
        let offset = layout.stack_args_size.next_multiple_of(8);
        if layout.ret_area_size > 0 && Imm12::maybe_from_u64(offset as u64).is_none() {
            return Err(CodegenError::Unsupported(format!(
                "a call returning through memory with {offset} bytes of stack arguments on aarch64"
            )));
        }
        Ok(())
    }

    /// `func_addr`, `symbol_value`, `get_stack_pointer`, `get_frame_pointer`.
    fn addr_of(&mut self, inst: Inst) {
        let f = self.lower.f;
        let result = f.dfg.first_result(inst);
        if let InstructionData::Nullary { opcode: op @ (Opcode::GetStackPointer | Opcode::GetFramePointer) } =
            f.dfg.insts[inst]
        {
            let rd = self.tmp();
            if op == Opcode::GetStackPointer {
                self.emit(MInst::mov_sp(rd, regs::sp()));
            } else {
                self.emit(MInst::mov64(rd, regs::fp()));
            }
            self.lower.set_output(result, rd);
            return;
        }
        let Some((name, offset, colocated)) = self.symbol_ref(inst, "aarch64") else { return };
        let rd = self.tmp();
        if self.backend.is_pic && !colocated {
            // The linker may put the symbol in another module: read its address from the
            // GOT, then add the offset (a GOT slot holds the symbol's own address).
            self.emit(MInst::LoadGotAddr { rd, name });
            let rd = match offset {
                0 => rd,
                k => match Imm12::maybe_from_u64(k.unsigned_abs()) {
                    Some(imm) => self.alu_imm(OperandSize::S64, if k > 0 { AluOp::Add } else { AluOp::Sub }, rd, imm),
                    None => {
                        let k = self.constant(k as u64, OperandSize::S64);
                        self.alu(OperandSize::S64, AluOp::Add, rd, k)
                    }
                },
            };
            self.lower.set_output(result, rd);
            return;
        }
        self.emit(MInst::LoadAddr { rd, name, offset });
        self.lower.set_output(result, rd);
    }
}

impl LowerBackend for A64Lower {
    fn rule_table(&self) -> &'static [crate::machinst::explain::RuleEntry] {
        isle::RULES
    }
    type MInst = MInst;

    fn native(&self) -> crate::legalize::Native {
        crate::legalize::Native {
            round: true,
            fma: true,
            byte_order: crate::ir::Endianness::Little,
            jump_tables: true,
            tls_value: false,
            exceptions: false,
            soft_float: false,
            half_conversions: false,
        }
    }

    fn lower_params(&self, ctx: &mut Lower<'_, MInst>, params: &[Value]) -> Result<(), CodegenError> {
        abi_lower::lower_params(ctx, &A64Abi, params)
    }

    fn lower_inst(&self, ctx: &mut Lower<'_, MInst>, inst: Inst) -> Result<(), CodegenError> {
        crate::machinst::run_rules("aarch64", self, ctx, inst, &[], isle::constructor_lower)
    }

    fn lower_branch(&self, ctx: &mut Lower<'_, MInst>, inst: Inst, targets: &[MachLabel]) -> Result<(), CodegenError> {
        crate::machinst::run_rules("aarch64", self, ctx, inst, targets, isle::constructor_lower_branch)
    }
}

/// The aarch64 lowering rules (`lower/*.isle`) and how often each fired (see
/// [`crate::rule_coverage`]).
pub fn lowering_rules() -> crate::rule_coverage::RuleSet {
    crate::rule_coverage::isle_rule_set!("aarch64 lowering", isle)
}
