//! x86-64 lowering: the `LowerBackend` that runs the ISLE rules of `lower.isle`, and the
//! Rust side of those rules (the `Context`): how they see IR instructions and how their
//! constructors emit `Inst`s.
//!
//! A rule that cannot handle its input (an `i128` operand, a big-endian access) records
//! an "unsupported" error in the context instead of emitting wrong code; the backend then
//! reports it, naming the instruction.

use super::abi::X64Abi;
use super::inst::Inst as MInst;
use super::inst::args::{
    AluOp, Amode, BmiOp, CC, ExtMode, OperandSize, RegMem, RegMemImm, ShiftAmount, ShiftKind, SymbolAddress,
};
use super::regs;
use crate::ir::{
    AtomicRmwOp, FloatCC, GlobalValue, GlobalValueData, Inst, InstructionData, IntCC, MemFlags, Opcode, StackSlot,
    TrapCode, Type, Value, types,
};
use crate::machinst::abi as abi_lower;
use crate::machinst::{CodegenError, Lower, LowerBackend, MachLabel, Reg, RegClass, ValueRegs};

mod i128;

crate::isle_rules!("isle_x64.rs";
    use super::i128::Shift128;
    use crate::ir::types::I64;
    use crate::isa::x64::inst::args::{AluOp, Amode, CC, RegMemImm};
    use crate::isa::x64::inst::vector::{MovmskOp, VecOp};
);
use isle::Unit;

use crate::isle_view::InstData;
use i128::Shift128;
use isle::{Ext, ShiftOp, UnaryOp};

mod float;
mod int;
mod simd;
mod simd_ext;
mod simd_ops;

use crate::isa::x64::inst::vector::VecOp;

/// The x86-64 lowering backend, with the ISA flags and settings the rules may use.
pub struct X64Lower {
    /// The ISA flags.
    pub isa_flags: super::X64Flags,
    /// The `is_pic` setting: symbol addresses are PC-relative or loaded from the GOT.
    pub is_pic: bool,
}

/// The Rust side of the rules for one instruction.
type RuleCtx<'a, 'f> = crate::machinst::RuleCtx<'a, 'f, X64Lower, MInst>;

fn size_of_bits(bits: u32) -> OperandSize {
    OperandSize::from_bits(bits).unwrap_or(OperandSize::S64)
}

/// The operand size of 32- or 64-bit ALU work on values of `ty` (narrow values are
/// computed in 32-bit registers).
fn alu_size(ty: Type) -> OperandSize {
    if ty.bits() > 32 { OperandSize::S64 } else { OperandSize::S32 }
}

impl RuleCtx<'_, '_> {
    fn imm(&mut self, ty: Type, k: i64) -> Reg {
        let dst = self.tmp();
        let size = alu_size(ty);
        let imm = if size == OperandSize::S64 { k as u64 } else { k as u32 as u64 };
        self.emit(MInst::MovImm { size, imm, dst });
        dst
    }
    fn ext_to_32(&mut self, signed: bool, ty: Type, r: Reg) -> Reg {
        if ty.bits() >= 32 {
            return r;
        }
        let dst = self.tmp();
        let from = size_of_bits(ty.bits());
        let src = RegMem::Reg(r);
        self.emit(if signed {
            MInst::MovsxRmR { from, to: OperandSize::S32, src, dst }
        } else {
            MInst::MovzxRmR { from, to: OperandSize::S32, src, dst }
        });
        dst
    }
    fn setcc(&mut self, cc: CC) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Setcc { cc, dst });
        dst
    }
    /// The low `bits` of `x` with their bytes reversed (for big-endian accesses).
    pub(super) fn byte_swap(&mut self, bits: u32, x: Reg) -> Reg {
        match bits {
            8 => x,
            16 => {
                let dst = self.tmp();
                self.emit(MInst::Shift {
                    size: OperandSize::S16,
                    kind: ShiftKind::Rol,
                    src: x,
                    amount: ShiftAmount::Imm(8),
                    dst,
                });
                dst
            }
            _ => {
                let dst = self.tmp();
                self.emit(MInst::Bswap { size: size_of_bits(bits), src: x, dst });
                dst
            }
        }
    }

    /// `tls_value` of `gv`: the general-dynamic call to `__tls_get_addr` (which works in
    /// executables and shared objects alike; a linker relaxes it where it can, and the JIT
    /// supplies its own resolver), then the symbol's offset.
    fn tls_value(&mut self, result: Value, gv: GlobalValue) {
        let Some(GlobalValueData::Symbol { name, offset, tls: true, .. }) = self.lower.f.global_values.get(gv) else {
            self.unsupported(format!("`tls_value` of {gv}, which is not a thread-local symbol"));
            return;
        };
        let (symbol, offset) = (name.clone(), offset.bits());
        let dst = self.tmp();
        self.emit(MInst::ElfTlsGetAddr { symbol, dst });
        let dst =
            if offset != 0 { isle::Context::x64_alu_imm64(self, types::I64, AluOp::Add, dst, offset) } else { dst };
        self.lower.set_output(result, dst);
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
    fn simm32(&mut self, k: i64) -> Option<i32> {
        i32::try_from(k).ok()
    }
    fn scale_shift(&mut self, k: i64) -> Option<u8> {
        (0..=3).contains(&k).then_some(k as u8)
    }
    simd::simd_context_methods!();
    fn put_in_reg(&mut self, v: Value) -> Reg {
        let ty = self.lower.value_type(v);
        let vector = ty.is_vector() && ty.bits() == 128;
        if !((ty.is_int_scalar() && ty.bits() <= 64) || ty.is_float_scalar() || vector) {
            self.unsupported(format!("values of type `{ty}` on x86_64"));
        }
        self.lower.put_in_reg(v)
    }
    fn rmi_reg(&mut self, r: Reg) -> RegMemImm {
        RegMemImm::Reg(r)
    }
    fn rmi_imm(&mut self, k: i32) -> RegMemImm {
        RegMemImm::Imm(k)
    }
    fn amode_base(&mut self, base: Reg, disp: i32) -> Amode {
        Amode::ImmReg { base, disp }
    }
    fn amode_index(&mut self, base: Reg, index: Reg, shift: u8, disp: i32) -> Amode {
        Amode::ImmRegRegShift { base, index, shift, disp }
    }
    fn amode_stack(&mut self, slot: StackSlot, off: i32) -> Amode {
        let base = self.lower.stack_slot_offset(slot) as i64 + off as i64;
        match u32::try_from(base) {
            Ok(offset) => Amode::StackSlot { offset },
            Err(_) => {
                self.unsupported("a negative stack-slot offset".into());
                Amode::StackSlot { offset: 0 }
            }
        }
    }
    fn x64_imm(&mut self, ty: Type, k: i64) -> Reg {
        self.imm(ty, k)
    }
    fn x64_alu(&mut self, ty: Type, op: AluOp, src1: Reg, src2: RegMemImm) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::AluRmiR { size: alu_size(ty), op, src1, src2, dst, trap: None });
        dst
    }
    /// `cmp a, b` then `op x, 0` (`adc` or `sbb`): adds or subtracts the comparison's
    /// carry, set when `a <u b`. Only moves can come between the two (the register
    /// allocator's), and moves leave the flags alone.
    fn x64_carry_alu(&mut self, ty: Type, op: AluOp, x: Reg, cmp_ty: Type, a: Reg, b: RegMemImm) -> Reg {
        self.emit(MInst::Cmp { size: size_of_bits(cmp_ty.bits()), src1: a, src2: b });
        self.x64_alu(ty, op, x, RegMemImm::Imm(0))
    }
    fn x64_alu_imm64(&mut self, ty: Type, op: AluOp, src1: Reg, k: i64) -> Reg {
        let k = crate::opt::canonical_imm(ty, k);
        let src2 = match i32::try_from(k) {
            Ok(i) => RegMemImm::Imm(i),
            Err(_) => RegMemImm::Reg(self.imm(ty, k)),
        };
        self.x64_alu(ty, op, src1, src2)
    }
    fn x64_lea_imm(&mut self, ty: Type, a: Reg, k: i32) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Lea { size: alu_size(ty), addr: Amode::ImmReg { base: a, disp: k }, dst });
        dst
    }
    /// `v` stays live past the instruction being lowered (as far as a short look tells):
    /// it is used again later in the block, or it comes from another block and has more
    /// than this use.
    fn shared_value(&mut self, v: Value) -> Option<Value> {
        (self.lower.use_count(v) > 1 && self.lower.used_after(v, self.inst)).then_some(v)
    }
    fn stays_live(&mut self, v: Value) -> Option<Value> {
        let f = self.lower.f;
        let operand_here = f.dfg.inst_args(self.inst).iter().any(|&a| f.dfg.resolve_aliases(a) == v);
        (self.lower.use_count(v) == 1 || operand_here || self.lower.used_after(v, self.inst)).then_some(v)
    }
    fn x64_lea_index(&mut self, ty: Type, a: Reg, b: Reg, shift: u8) -> Reg {
        // At 32 bits and below, `lea r32` leaves bits 32-63 clear, like the other 32-bit
        // operations (so a later `uextend` to i64 is free).
        let dst = self.tmp();
        let addr = Amode::ImmRegRegShift { base: a, index: b, shift, disp: 0 };
        self.emit(MInst::Lea { size: alu_size(ty), addr, dst });
        dst
    }
    fn x64_imul(&mut self, ty: Type, a: Reg, b: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Imul { size: alu_size(ty), src1: a, src2: RegMem::Reg(b), dst });
        dst
    }
    fn x64_imul_imm(&mut self, ty: Type, a: Reg, k: i32) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::ImulImm { size: alu_size(ty), src: RegMem::Reg(a), imm: k, dst });
        dst
    }
    fn x64_unary(&mut self, ty: Type, op: UnaryOp, src: Reg) -> Reg {
        let dst = self.tmp();
        let op = match op {
            UnaryOp::Neg => super::inst::args::UnaryOp::Neg,
            UnaryOp::Not => super::inst::args::UnaryOp::Not,
        };
        self.emit(MInst::Unary { size: alu_size(ty), op, src, dst });
        dst
    }
    fn x64_and_not(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
        if self.backend.isa_flags.has_bmi1 {
            let dst = self.tmp();
            let size = if ty.bits() == 64 { OperandSize::S64 } else { OperandSize::S32 };
            self.emit(MInst::Bmi { op: BmiOp::Andn, size, rm: x, vvvv: y, dst });
            return dst;
        }
        let not_y = self.x64_unary(ty, UnaryOp::Not, y);
        self.x64_alu(ty, AluOp::And, x, RegMemImm::Reg(not_y))
    }
    fn x64_shift_imm(&mut self, ty: Type, op: ShiftOp, src: Reg, k: i64) -> Reg {
        let bits = ty.bits();
        let amount = (k as u64 % bits as u64) as u8;
        if amount == 0 {
            return src;
        }
        let dst = self.tmp();
        if bits >= 32 && self.backend.isa_flags.has_bmi2 && matches!(op, ShiftOp::Rol | ShiftOp::Ror) {
            // `rorx` writes a separate register: no copy when `src` stays live.
            let imm = if op == ShiftOp::Rol { bits as u8 - amount } else { amount };
            self.emit(MInst::Rorx { size: size_of_bits(bits), src, imm, dst });
            return dst;
        }
        self.emit(MInst::Shift {
            size: size_of_bits(bits),
            kind: shift_kind(op),
            src,
            amount: ShiftAmount::Imm(amount),
            dst,
        });
        dst
    }
    fn x64_shift_reg(&mut self, ty: Type, op: ShiftOp, src: Reg, amt: Reg) -> Reg {
        let bits = ty.bits();
        // x86 takes the count modulo 32 (64 for 64-bit operands); narrower shifts (not
        // rotates, which are cyclic) need it modulo their own width.
        let count = if bits < 32 && !matches!(op, ShiftOp::Rol | ShiftOp::Ror) {
            self.x64_alu(types::I32, AluOp::And, amt, RegMemImm::Imm(bits as i32 - 1))
        } else {
            amt
        };
        let dst = self.tmp();
        let bmi = match op {
            ShiftOp::Shl => Some(BmiOp::Shlx),
            ShiftOp::Shr => Some(BmiOp::Shrx),
            ShiftOp::Sar => Some(BmiOp::Sarx),
            ShiftOp::Rol | ShiftOp::Ror => None,
        };
        if let (Some(op), true) = (bmi, bits >= 32 && self.backend.isa_flags.has_bmi2) {
            // `shlx`/`shrx`/`sarx` take the count in any register, not only `cl`.
            self.emit(MInst::Bmi { op, size: size_of_bits(bits), rm: src, vvvv: count, dst });
            return dst;
        }
        self.emit(MInst::Shift {
            size: size_of_bits(bits),
            kind: shift_kind(op),
            src,
            amount: ShiftAmount::Cl(count),
            dst,
        });
        dst
    }
    fn x64_div(&mut self, ty: Type, signed: bool, is_rem: bool, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let size = alu_size(ty);
        let x = self.ext_to_32(signed, ty, x);
        let mut y = self.ext_to_32(signed, ty, y);
        if signed && !is_rem {
            // MIN / -1 overflows: trap `int_ovf` before `idiv` would fault.
            let min = if bits == 64 { i64::MIN } else { -(1i64 << (bits - 1)) };
            let rhs = match i32::try_from(min) {
                Ok(k) => RegMemImm::Imm(k),
                Err(_) => RegMemImm::Reg(self.imm(types::I64, min)),
            };
            self.emit(MInst::Cmp { size, src1: x, src2: rhs });
            let is_min = self.setcc(CC::Z);
            self.emit(MInst::Cmp { size, src1: y, src2: RegMemImm::Imm(-1) });
            let is_minus_one = self.setcc(CC::Z);
            let both = self.x64_alu(types::I32, AluOp::And, is_min, RegMemImm::Reg(is_minus_one));
            self.emit(MInst::Test { size: OperandSize::S8, src1: both, src2: RegMemImm::Reg(both) });
            self.emit(MInst::TrapIf { cc: CC::NZ, code: TrapCode::IntegerOverflow });
        }
        if signed && is_rem {
            // x % -1 is 0, but `idiv` faults on MIN % -1: divide by 1 instead.
            let one = self.imm(types::I32, 1);
            self.emit(MInst::Cmp { size, src1: y, src2: RegMemImm::Imm(-1) });
            let dst = self.tmp();
            self.emit(MInst::Cmov { size, cc: CC::Z, consequent: RegMem::Reg(one), alternative: y, dst });
            y = dst;
        }
        let hi = self.tmp();
        if signed {
            self.emit(MInst::SignExtendAxDx { size, src: x, dst: hi });
        } else {
            self.emit(MInst::MovImm { size: OperandSize::S32, imm: 0, dst: hi });
        }
        let (quotient, remainder) = (self.tmp(), self.tmp());
        self.emit(MInst::Div {
            size,
            signed,
            dividend_lo: x,
            dividend_hi: hi,
            divisor: y,
            quotient,
            remainder,
            trap: TrapCode::IntegerDivisionByZero,
        });
        if is_rem { remainder } else { quotient }
    }
    fn x64_mulhi(&mut self, ty: Type, signed: bool, a: Reg, b: Reg) -> Reg {
        let bits = ty.bits();
        if bits >= 32 {
            let (lo, hi) = (self.tmp(), self.tmp());
            self.emit(MInst::MulHi { size: alu_size(ty), signed, src1: a, src2: b, lo, hi });
            return hi;
        }
        let a = self.ext_to_32(signed, ty, a);
        let b = self.ext_to_32(signed, ty, b);
        let prod = self.x64_imul(types::I32, a, b);
        let kind = if signed { ShiftKind::Sar } else { ShiftKind::Shr };
        let dst = self.tmp();
        self.emit(MInst::Shift { size: OperandSize::S32, kind, src: prod, amount: ShiftAmount::Imm(bits as u8), dst });
        dst
    }
    /// The low `bits` (8 or 16) of `src`, zero-extended to `ty`.
    fn x64_zext_low(&mut self, bits: u8, ty: Type, src: Reg) -> Reg {
        let from = if bits == 8 { types::I8 } else { types::I16 };
        self.x64_ext(Ext::Zero, from, ty, src)
    }
    fn x64_ext(&mut self, ext: Ext, from: Type, to: Type, src: Reg) -> Reg {
        if from.bits() >= to.bits() || !from.is_int_scalar() {
            return src;
        }
        let dst = self.tmp();
        let (from, to, src) = (size_of_bits(from.bits()), alu_size(to), RegMem::Reg(src));
        self.emit(match ext {
            Ext::Zero => MInst::MovzxRmR { from, to, src, dst },
            Ext::Sign => MInst::MovsxRmR { from, to, src, dst },
        });
        dst
    }
    fn x64_cmp(&mut self, ty: Type, cc: IntCC, a: Reg, b: RegMemImm) -> CC {
        self.emit(MInst::Cmp { size: size_of_bits(ty.bits()), src1: a, src2: b });
        CC::from_intcc(cc)
    }
    fn x64_test_nonzero(&mut self, ty: Type, r: Reg) -> CC {
        if !(ty.is_int_scalar() && ty.bits() <= 64) {
            self.unsupported(format!("a `{ty}` condition on x86_64"));
        }
        self.emit(MInst::Test { size: size_of_bits(ty.bits()), src1: r, src2: RegMemImm::Reg(r) });
        CC::NZ
    }
    fn x64_setcc(&mut self, cc: CC) -> Reg {
        self.setcc(cc)
    }
    fn x64_cmov(&mut self, ty: Type, cc: CC, x: Reg, y: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Cmov { size: alu_size(ty), cc, consequent: RegMem::Reg(x), alternative: y, dst });
        dst
    }
    fn x64_load(&mut self, ty: Type, bits: u32, ext: Ext, flags: MemFlags, addr: Amode) -> Reg {
        if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
            if ty.is_float() {
                // The raw bits through an integer register, reversed, then into xmm.
                let size = size_of_bits(ty.bits());
                let raw = self.tmp();
                let trap = Self::trap_code(flags);
                self.emit(MInst::Load { size, ext: ExtMode::None, addr, dst: raw, trap });
                let swapped = self.byte_swap(ty.bits(), raw);
                let dst = self.lower.alloc_tmp(RegClass::Float);
                self.emit(MInst::GprToXmm { size, src: swapped, dst });
                return dst;
            } else {
                // Load the raw bytes, reverse them, then extend.
                let raw = self.tmp();
                let trap = Self::trap_code(flags);
                let raw_ext = if bits < 32 { ExtMode::Zero } else { ExtMode::None };
                self.emit(MInst::Load { size: size_of_bits(bits), ext: raw_ext, addr, dst: raw, trap });
                let swapped = self.byte_swap(bits, raw);
                return if bits < ty.bits() {
                    self.x64_ext(ext, Type::int_with_bits(bits).unwrap_or(types::I64), ty, swapped)
                } else {
                    swapped
                };
            }
        }
        if ty.is_float() {
            let dst = self.lower.alloc_tmp(RegClass::Float);
            self.emit(MInst::XmmLoad { double: ty.bits() == 64, addr, dst, trap: Self::trap_code(flags) });
            return dst;
        }
        let ext = if bits >= 32 && bits == ty.bits() || bits == 64 {
            ExtMode::None
        } else {
            match ext {
                Ext::Zero => ExtMode::Zero,
                Ext::Sign => ExtMode::Sign,
            }
        };
        let dst = self.tmp();
        self.emit(MInst::Load { size: size_of_bits(bits), ext, addr, dst, trap: Self::trap_code(flags) });
        dst
    }
    fn x64_store(&mut self, bits: u32, flags: MemFlags, src: Reg, addr: Amode) -> Unit {
        let mut src = src;
        if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
            if src.class() == RegClass::Float {
                let size = size_of_bits(bits);
                let g = self.tmp();
                self.emit(MInst::XmmToGpr { size, src, dst: g });
                let swapped = self.byte_swap(bits, g);
                let trap = Self::trap_code(flags);
                self.emit(MInst::Store { size, src: swapped, addr, trap });
                return;
            }
            src = self.byte_swap(bits, src);
        }
        let trap = Self::trap_code(flags);
        if src.class() == RegClass::Float {
            self.emit(MInst::XmmStore { double: bits == 64, src, addr, trap });
        } else {
            self.emit(MInst::Store { size: size_of_bits(bits), src, addr, trap });
        }
    }
    fn x64_store_imm(&mut self, bits: u32, flags: MemFlags, k: i32, addr: Amode) -> Unit {
        let mut v = i64::from(k);
        if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
            v = match bits {
                8 => v,
                16 => i64::from((v as u16).swap_bytes() as i16),
                32 => i64::from((v as u32).swap_bytes() as i32),
                _ => (v as u64).swap_bytes() as i64,
            };
        }
        let (size, trap) = (size_of_bits(bits), Self::trap_code(flags));
        match i32::try_from(v) {
            Ok(imm) => self.emit(MInst::StoreImm { size, imm, addr, trap }),
            // A byte-swapped 64-bit constant may not fit: it goes through a register.
            Err(_) => {
                let src = self.imm(types::I64, v);
                self.emit(MInst::Store { size, src, addr, trap });
            }
        }
    }
    fn x64_lea(&mut self, addr: Amode) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Lea { size: OperandSize::S64, addr, dst });
        dst
    }
    fn x64_trap_if(&mut self, cc: CC, code: TrapCode) -> Unit {
        self.emit(MInst::TrapIf { cc, code });
    }
    fn x64_trap_unless(&mut self, cc: CC, code: TrapCode) -> Unit {
        self.emit(MInst::TrapIf { cc: cc.invert(), code });
    }
    fn x64_ud2(&mut self, code: TrapCode) -> Unit {
        self.emit(MInst::Ud2 { code });
    }
    fn x64_jmp(&mut self) -> Unit {
        let target = self.targets[0];
        self.emit(MInst::Jmp { target });
    }
    fn x64_jmp_cond(&mut self, cc: CC) -> Unit {
        let (taken, not_taken) = (self.targets[0], self.targets[1]);
        self.emit(MInst::JmpCond { cc, taken, not_taken });
    }
    fn x64_jmp_table(&mut self, index: Reg) -> Unit {
        let (tmp1, tmp2) = (self.tmp(), self.tmp());
        let default = self.targets[0];
        let targets = self.targets[1..].to_vec();
        self.emit(MInst::JmpTable { index, tmp1, tmp2, default, targets });
    }
    fn x64_return(&mut self) -> Unit {
        if let Err(e) = abi_lower::lower_return(self.lower, &X64Abi, self.inst) {
            self.error.get_or_insert(e);
        }
    }
    fn x64_call(&mut self, inst: Inst) -> Unit {
        if let Err(e) = abi_lower::lower_call(self.lower, &X64Abi, inst) {
            self.error.get_or_insert(e);
        }
    }
    fn x64_addr_of(&mut self, inst: Inst) -> Unit {
        let f = self.lower.f;
        let result = f.dfg.first_result(inst);
        // The stack and frame pointers are registers, not symbols.
        if let InstructionData::Nullary { opcode: op @ (Opcode::GetStackPointer | Opcode::GetFramePointer) } =
            f.dfg.insts[inst]
        {
            let src = if op == Opcode::GetStackPointer { regs::rsp() } else { regs::rbp() };
            let dst = self.tmp();
            self.emit(MInst::MovRR { size: OperandSize::S64, src, dst });
            self.lower.set_output(result, dst);
            return;
        }
        if let InstructionData::UnaryGlobalValue { opcode: Opcode::TlsValue, global_value } = f.dfg.insts[inst] {
            return self.tls_value(result, global_value);
        }
        let Some((name, offset, colocated)) = self.symbol_ref(inst, "x86_64") else { return };
        // Position-independent code reaches a symbol of its own unit PC-relatively and
        // any other through its GOT slot, which the linker or the JIT fills in.
        let mode = match (self.backend.is_pic, colocated) {
            (false, _) => SymbolAddress::Absolute,
            (true, true) => SymbolAddress::PcRel,
            (true, false) => SymbolAddress::Got,
        };
        let dst = self.tmp();
        self.emit(MInst::LoadExtName { dst, name, mode });
        let dst = if offset != 0 { self.x64_alu_imm64(types::I64, AluOp::Add, dst, offset) } else { dst };
        self.lower.set_output(result, dst);
    }
    fn x64_fconst(&mut self, double: bool, bits: i64) -> Reg {
        self.fconst(double, bits as u64)
    }
    fn x64_float_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        self.float_unary(op, ty, x)
    }
    fn x64_float_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        self.float_binary(op, ty, x, y)
    }
    fn x64_fma(&mut self, ty: Type, x: Reg, y: Reg, z: Reg) -> Reg {
        self.fma(ty, x, y, z)
    }
    fn x64_fcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        self.fcvt(op, to, from, x)
    }
    fn x64_bitcast(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        self.bitcast(to, from, x)
    }
    fn x64_fcmp(&mut self, ty: Type, cc: FloatCC, x: Reg, y: Reg) -> CC {
        self.fcmp_cond(ty, cc, x, y)
    }
    fn x64_setcc_fcmp(&mut self, ty: Type, cc: FloatCC, x: Reg, y: Reg) -> Reg {
        self.fcmp_value(ty, cc, x, y)
    }
    fn x64_fselect(&mut self, ty: Type, cc: CC, x: Reg, y: Reg) -> Reg {
        self.fselect(ty, cc, x, y)
    }
    fn x64_int_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        self.int_unary(op, ty, x)
    }
    fn x64_int_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        self.int_binary(op, ty, x, y)
    }
    fn x64_overflow(&mut self, op: Opcode, ty: Type, a: Value, b: Value, r0: Value, r1: Value) -> Unit {
        self.overflow(op, ty, a, b, r0, r1)
    }
    fn x64_overflow_carry(&mut self, op: Opcode, ty: Type, a: Value, b: Value, c: Value, r0: Value, r1: Value) -> Unit {
        self.overflow_carry(op, ty, a, b, c, r0, r1)
    }
    fn x64_add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) -> Unit {
        self.add_trap(v, a, b, code)
    }
    fn x64_atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) -> Unit {
        self.atomic_load(v, flags, addr)
    }
    fn x64_atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) -> Unit {
        self.atomic_store(flags, x, addr)
    }
    fn x64_atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) -> Unit {
        self.atomic_rmw(v, flags, op, addr, x)
    }
    fn x64_atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) -> Unit {
        self.atomic_cas(v, flags, addr, e, r)
    }
    fn x64_fence(&mut self) -> Unit {
        self.emit(MInst::Mfence);
    }
    fn ty_bits(&mut self, ty: Type) -> u32 {
        ty.bits()
    }
    fn trusted(&mut self) -> MemFlags {
        MemFlags::trusted()
    }

    // ---- merged loads (lower_fold.isle) ----
    fn sinkable_load(&mut self, v: Value) -> Option<Inst> {
        let f = self.lower.f;
        let load = self.lower.sinkable_load(v, self.inst)?;
        let InstructionData::Load { opcode: Opcode::Load, flags, .. } = f.dfg.insts[load] else { return None };
        let ty = f.dfg.value_type(v);
        let plain = flags.notrap() && flags.explicit_endianness() != Some(crate::ir::Endianness::Big);
        (plain && (ty == types::I32 || ty == types::I64)).then_some(load)
    }
    fn sink_load(&mut self, load: Inst) -> Amode {
        let f = self.lower.f;
        self.lower.sink_inst(load);
        let InstructionData::Load { arg, offset, .. } = f.dfg.insts[load] else {
            self.unsupported("merging a non-load".into());
            return Amode::ImmReg { base: regs::rsp(), disp: 0 };
        };
        Amode::ImmReg { base: self.put_in_reg(arg), disp: offset.0 }
    }
    fn sinkable_int_load(&mut self, v: Value) -> Option<(Inst, MemFlags, Value, i32)> {
        let f = self.lower.f;
        let ty = f.dfg.value_type(v);
        if ty != types::I32 && ty != types::I64 {
            return None;
        }
        let load = self.lower.sinkable_load(v, self.inst)?;
        let InstructionData::Load { opcode: Opcode::Load, flags, arg, offset } = f.dfg.insts[load] else { return None };
        (flags.explicit_endianness() != Some(crate::ir::Endianness::Big)).then_some((load, flags, arg, offset.0))
    }
    fn x64_alu_load(&mut self, ty: Type, op: AluOp, a: Reg, load: Inst, flags: MemFlags, addr: Amode) -> Reg {
        self.lower.sink_inst(load);
        let dst = self.tmp();
        let trap = Self::trap_code(flags);
        self.emit(MInst::AluRmiR { size: alu_size(ty), op, src1: a, src2: RegMemImm::Mem(addr), dst, trap });
        self.lower.set_last_srcloc(load);
        dst
    }
    fn rmi_mem(&mut self, addr: Amode) -> RegMemImm {
        RegMemImm::Mem(addr)
    }

    // ---- selection quality (lower_select.isle) ----
    fn lea_scale(&mut self, k: i64) -> Option<u8> {
        match k {
            3 => Some(1),
            5 => Some(2),
            9 => Some(3),
            _ => None,
        }
    }
    fn x64_lea_scaled(&mut self, x: Reg, shift: u8) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Lea {
            size: OperandSize::S64,
            addr: Amode::ImmRegRegShift { base: x, index: x, shift, disp: 0 },
            dst,
        });
        dst
    }
    fn is_i64(&mut self, ty: Type) -> Option<Type> {
        (ty == types::I64).then_some(ty)
    }
    /// `v` is an `i32` whose register has bits 32-63 clear: computed by an operation
    /// every rule lowers to an instruction writing a 32-bit register (which clears them:
    /// additions, also as `lea r32`, subtraction, the bitwise operations, constants as
    /// `mov r32, imm`, shifts and rotates by a count that is not a multiple of 32 (such
    /// a shift by a constant emits nothing), `cmov r32`, zero-extending loads and loads
    /// of 32 bits, `movzx`/`movsx r32`), or a block parameter only ever passed such
    /// values (register moves, spills and reloads are 64 bits wide and keep the bits).
    /// Not multiplies (`x * 3` is a 64-bit `lea`), sign-extending loads (`movsx r64`),
    /// function parameters or call results (the ABI leaves the bits undefined), or
    /// `ireduce` (no instruction at all).
    fn zero_extending_i32_op(&mut self, v: Value) -> Option<Value> {
        if self.lower.f.dfg.value_type(v) != types::I32 {
            return None;
        }
        let f = self.lower.f;
        // A count the shift lowering may see as a constant multiple of 32 (no instruction).
        let may_shift_by_zero = |inst: Inst| match f.dfg.insts[inst] {
            crate::ir::InstructionData::BinaryImm64 { imm, .. } => imm.bits() % 32 == 0,
            _ => {
                let count = f.dfg.inst_args(inst)[1];
                match f.dfg.value_def(f.dfg.resolve_aliases(count)) {
                    crate::ir::ValueDef::Result(def, _) => match f.dfg.insts[def] {
                        crate::ir::InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => imm.bits() % 32 == 0,
                        _ => false,
                    },
                    _ => false,
                }
            }
        };
        let clears_upper = |inst: Inst, v: Value| {
            if f.dfg.value_type(v) != types::I32 {
                return false;
            }
            match f.dfg.insts[inst].opcode() {
                Opcode::Iadd
                | Opcode::Isub
                | Opcode::Band
                | Opcode::Bor
                | Opcode::Bxor
                | Opcode::IaddImm
                | Opcode::BandImm
                | Opcode::BorImm
                | Opcode::BxorImm
                | Opcode::Iconst
                | Opcode::Select
                | Opcode::SelectSpectreGuard
                | Opcode::Load
                | Opcode::Uload8
                | Opcode::Uload16
                | Opcode::Uextend
                | Opcode::Sextend => true,
                Opcode::Ishl
                | Opcode::Ushr
                | Opcode::Sshr
                | Opcode::Rotl
                | Opcode::Rotr
                | Opcode::IshlImm
                | Opcode::UshrImm
                | Opcode::SshrImm
                | Opcode::RotlImm
                | Opcode::RotrImm => !may_shift_by_zero(inst),
                _ => false,
            }
        };
        self.lower.value_fact(v, &clears_upper).then_some(v)
    }

    // ---- tail calls ----
    fn x64_return_call(&mut self, inst: Inst) -> Unit {
        if let Err(e) = abi_lower::lower_return_call(self.lower, &X64Abi, inst) {
            self.error.get_or_insert(e);
        }
    }

    // ---- halves (iconcat, isplit) ----
    fn x64_iconcat(&mut self, half: Type, lo: Reg, hi: Reg) -> Reg {
        let bits = half.bits();
        let wide = Type::int_with_bits(bits * 2).unwrap_or(types::I64);
        let lo = self.x64_ext(Ext::Zero, half, wide, lo);
        let hi = self.x64_shift_imm(wide, ShiftOp::Shl, hi, bits as i64);
        self.x64_alu(wide, AluOp::Or, lo, RegMemImm::Reg(hi))
    }
    fn x64_isplit(&mut self, x: Value, lo: Value, hi: Value) -> Unit {
        let ty = self.lower.value_type(x);
        if ty == types::I128 {
            let regs = self.lower.put_in_regs(x);
            self.lower.set_output(lo, regs.lo());
            self.lower.set_output(hi, regs.hi());
            return;
        }
        let r = self.put_in_reg(x);
        let high = self.x64_shift_imm(ty, ShiftOp::Shr, r, (ty.bits() / 2) as i64);
        self.lower.set_output(lo, r);
        self.lower.set_output(hi, high);
    }

    // ---- i128 (see i128.rs) ----
    fn is_i128(&mut self, ty: Type) -> Option<Type> {
        (ty == types::I128).then_some(ty)
    }
    fn put_in_regs(&mut self, v: Value) -> ValueRegs {
        self.lower.put_in_regs(v)
    }
    fn output_regs(&mut self, v: Value, regs: ValueRegs) -> Unit {
        self.lower.set_output_regs(v, regs);
    }
    fn regs_lo(&mut self, regs: ValueRegs) -> Reg {
        regs.lo()
    }
    fn i128_pair(&mut self, lo: Reg, hi: Reg) -> ValueRegs {
        ValueRegs::two(lo, hi)
    }
    fn i128_alu(&mut self, lo_op: AluOp, hi_op: AluOp, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.i128_alu_impl(lo_op, hi_op, x, y)
    }
    fn i128_not(&mut self, x: ValueRegs) -> ValueRegs {
        self.i128_not_impl(x)
    }
    fn i128_neg(&mut self, x: ValueRegs) -> ValueRegs {
        self.i128_neg_impl(x)
    }
    fn i128_mul(&mut self, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.i128_mul_impl(x, y)
    }
    fn i128_extend(&mut self, ext: Ext, from: Type, x: Reg) -> ValueRegs {
        self.i128_extend_impl(ext, from, x)
    }
    fn i128_cmp(&mut self, cc: IntCC, x: ValueRegs, y: ValueRegs) -> CC {
        self.i128_cmp_impl(cc, x, y)
    }
    fn i128_nonzero(&mut self, x: ValueRegs) -> CC {
        self.i128_nonzero_impl(x)
    }
    fn i128_select(&mut self, cc: CC, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.i128_select_impl(cc, x, y)
    }
    fn i128_shift(&mut self, dir: Shift128, x: ValueRegs, amount: Reg) -> ValueRegs {
        self.i128_shift_impl(dir, x, amount)
    }
    fn i128_rotate(&mut self, left: bool, x: ValueRegs, amount: Reg) -> ValueRegs {
        self.i128_rotate_impl(left, x, amount)
    }
    fn x64_i128_overflow(&mut self, op: Opcode, a: Value, b: Value, r0: Value, r1: Value) -> Unit {
        let (x, y) = (self.lower.put_in_regs(a), self.lower.put_in_regs(b));
        match self.i128_overflow_impl(op, x, y) {
            Some((r, flag)) => {
                self.lower.set_output_regs(r0, r);
                self.lower.set_output(r1, flag);
            }
            None => self.unsupported(format!("`{op}` on i128 on x86_64")),
        }
    }
    fn x64_i128_carry(&mut self, op: Opcode, a: Value, b: Value, c: Value, r0: Value, r1: Value) -> Unit {
        let (x, y) = (self.lower.put_in_regs(a), self.lower.put_in_regs(b));
        let carry = self.put_in_reg(c);
        match self.i128_carry_impl(op, x, y, carry) {
            Some((r, flag)) => {
                self.lower.set_output_regs(r0, r);
                self.lower.set_output(r1, flag);
            }
            None => self.unsupported(format!("`{op}` on i128 on x86_64")),
        }
    }
    fn i128_sat(&mut self, op: Opcode, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        self.i128_sat_impl(op, x, y)
    }
    fn i128_load(&mut self, flags: MemFlags, addr: Amode) -> ValueRegs {
        self.i128_load_impl(flags, addr)
    }
    fn i128_store(&mut self, flags: MemFlags, x: ValueRegs, addr: Amode) -> Unit {
        self.i128_store_impl(flags, x, addr)
    }
}

fn shift_kind(op: ShiftOp) -> ShiftKind {
    match op {
        ShiftOp::Shl => ShiftKind::Shl,
        ShiftOp::Shr => ShiftKind::Shr,
        ShiftOp::Sar => ShiftKind::Sar,
        ShiftOp::Rol => ShiftKind::Rol,
        ShiftOp::Ror => ShiftKind::Ror,
    }
}

impl LowerBackend for X64Lower {
    fn rule_table(&self) -> &'static [crate::machinst::explain::RuleEntry] {
        isle::RULES
    }
    type MInst = MInst;

    fn native(&self) -> crate::legalize::Native {
        crate::legalize::Native {
            round: self.isa_flags.has_sse41,
            fma: self.isa_flags.has_fma,
            byte_order: crate::ir::Endianness::Little,
            jump_tables: true,
            tls_value: true,
            exceptions: true,
            soft_float: true,
            half_conversions: self.isa_flags.has_f16c,
        }
    }

    fn lower_params(&self, ctx: &mut Lower<'_, MInst>, params: &[Value]) -> Result<(), CodegenError> {
        abi_lower::lower_params(ctx, &X64Abi, params)
    }

    fn lower_inst(&self, ctx: &mut Lower<'_, MInst>, inst: Inst) -> Result<(), CodegenError> {
        crate::machinst::run_rules("x86_64", self, ctx, inst, &[], isle::constructor_lower)
            .map_err(|e| simd::name_vector_type(ctx.f, inst, e))
    }

    fn lower_branch(&self, ctx: &mut Lower<'_, MInst>, inst: Inst, targets: &[MachLabel]) -> Result<(), CodegenError> {
        // `try_call*` is a call and a branch at once; the ABI layer lowers it whole.
        if ctx.f.dfg.insts[inst].exception_table().is_some() {
            return abi_lower::lower_try_call(ctx, &X64Abi, inst, targets);
        }
        crate::machinst::run_rules("x86_64", self, ctx, inst, targets, isle::constructor_lower_branch)
    }
    fn lower_landing_pad(&self, ctx: &mut Lower<'_, MInst>) -> Result<Vec<Reg>, CodegenError> {
        // The thrower puts payload 0 in rax and payload 1 in rdx.
        let exn0 = ctx.alloc_tmp(regalloc2::RegClass::Int);
        let exn1 = ctx.alloc_tmp(regalloc2::RegClass::Int);
        ctx.emit(MInst::LandingPad { defs: vec![(exn0, regs::preg_rax()), (exn1, regs::preg_rdx())] });
        Ok(vec![exn0, exn1])
    }
}

/// The x86-64 lowering rules (`lower/*.isle`) and how often each fired (see
/// [`crate::rule_coverage`]).
pub fn lowering_rules() -> crate::rule_coverage::RuleSet {
    crate::rule_coverage::isle_rule_set!("x86_64 lowering", isle)
}
