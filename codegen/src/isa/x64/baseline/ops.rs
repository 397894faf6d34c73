//! The baseline tier's x86-64 arithmetic, compare, select, conversion, constant, address
//! and memory instructions (one IR instruction each), over the register cache of
//! `mod.rs`. A result is recorded by `define` (dirty or written through); an operand
//! register an instruction overwrites in place goes through `clobber` first.

use super::{Emitter, RAX, RCX, RDX, cached, exact, wide};
use crate::baseline::{not_covered, stack_slot_offset};
use crate::ir::{GlobalValueData, Inst as IrInst, InstructionData, MemFlags, Opcode, TrapCode, Type, Value};
use crate::isa::x64::inst::args::{
    AluOp, Amode, BitOp, CC, ExtMode, OperandSize, RegMem, RegMemImm, ShiftAmount, ShiftKind, SymbolAddress, UnaryOp,
};
use crate::isa::x64::{Inst, regs};
use crate::result::CodegenError;

/// The trap code of a memory access with `flags`, as the optimizing lowering records it.
fn mem_trap(flags: MemFlags) -> Option<TrapCode> {
    (!flags.notrap()).then(|| flags.trap_code().unwrap_or(TrapCode::HeapOutOfBounds))
}

fn alu_op(op: Opcode) -> Option<AluOp> {
    Some(match op {
        Opcode::Iadd | Opcode::IaddImm => AluOp::Add,
        Opcode::Isub => AluOp::Sub,
        Opcode::Band | Opcode::BandImm => AluOp::And,
        Opcode::Bor | Opcode::BorImm => AluOp::Or,
        Opcode::Bxor | Opcode::BxorImm => AluOp::Xor,
        _ => return None,
    })
}

fn shift_kind(op: Opcode) -> Option<ShiftKind> {
    Some(match op {
        Opcode::Ishl | Opcode::IshlImm => ShiftKind::Shl,
        Opcode::Ushr | Opcode::UshrImm => ShiftKind::Shr,
        Opcode::Sshr | Opcode::SshrImm => ShiftKind::Sar,
        Opcode::Rotl | Opcode::RotlImm => ShiftKind::Rol,
        Opcode::Rotr | Opcode::RotrImm => ShiftKind::Ror,
        _ => return None,
    })
}

/// The access width and widening of a load opcode whose result has type `ty`.
fn load_kind(op: Opcode, ty: Type) -> Option<(OperandSize, ExtMode)> {
    Some(match op {
        Opcode::Load | Opcode::StackLoad if ty.bits() == 64 => (OperandSize::S64, ExtMode::None),
        Opcode::Load | Opcode::StackLoad => (exact(ty), ExtMode::Zero),
        Opcode::Uload8 => (OperandSize::S8, ExtMode::Zero),
        Opcode::Sload8 => (OperandSize::S8, ExtMode::Sign),
        Opcode::Uload16 => (OperandSize::S16, ExtMode::Zero),
        Opcode::Sload16 => (OperandSize::S16, ExtMode::Sign),
        Opcode::Uload32 => (OperandSize::S32, ExtMode::Zero),
        Opcode::Sload32 => (OperandSize::S32, ExtMode::Sign),
        _ => return None,
    })
}

/// The access width of a store opcode storing a value of type `ty`.
fn store_size(op: Opcode, ty: Type) -> Option<OperandSize> {
    Some(match op {
        Opcode::Store | Opcode::StackStore => exact(ty),
        Opcode::Istore8 => OperandSize::S8,
        Opcode::Istore16 => OperandSize::S16,
        Opcode::Istore32 => OperandSize::S32,
        _ => return None,
    })
}

impl Emitter<'_> {
    /// The instructions that compute a value or touch memory; anything else is not covered.
    pub(super) fn compute(&mut self, inst: IrInst, data: InstructionData) -> Result<(), CodegenError> {
        let dfg = &self.func.dfg;
        let results = dfg.inst_results(inst);
        let res = results.first().copied();
        let uncovered = || not_covered(format_args!("`{}`", data.opcode()));
        if let Some(done) = self.float_inst(inst, data) {
            return done;
        }
        match data {
            InstructionData::Nullary { opcode: Opcode::Nop } => Ok(()),
            InstructionData::Nullary { opcode: opcode @ (Opcode::GetStackPointer | Opcode::GetFramePointer) } => {
                let src = if opcode == Opcode::GetStackPointer { regs::rsp() } else { regs::rbp() };
                let r = self.fresh()?;
                self.put(Inst::MovRR { size: OperandSize::S64, src, dst: cached(r) });
                self.define(res.ok_or_else(uncovered)?, r);
                Ok(())
            }
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => {
                let r = self.fresh()?;
                self.put(Inst::MovImm { size: OperandSize::S64, imm: imm.bits() as u64, dst: cached(r) });
                self.define(res.expect("iconst has a result"), r);
                Ok(())
            }
            InstructionData::Binary { opcode, args: [a, b] } => {
                let res = res.ok_or_else(uncovered)?;
                let ty = dfg.value_type(res);
                if let Some(op) = alu_op(opcode) {
                    if opcode == Opcode::Iadd && self.feeds_next_address(inst, res) {
                        // The next load or store adds it in its addressing mode.
                        self.fused_address = Some((res, a, b));
                        return Ok(());
                    }
                    // A constant operand becomes the immediate one (first operands of
                    // commutative operations only).
                    let (a, b) = match (self.int_const(a), self.int_const(b)) {
                        (Some(_), None) if opcode != Opcode::Isub => (b, a),
                        _ => (a, b),
                    };
                    let b = match self.int_const(b) {
                        Some(c) => RegOrImm::Imm(c),
                        None => RegOrImm::Value(b),
                    };
                    self.alu(op, ty, a, b, res)
                } else if let Some(kind) = shift_kind(opcode) {
                    match self.int_const(b) {
                        Some(c) => self.shift_by_imm(kind, ty, a, c, res),
                        None => self.shift_by_value(kind, ty, a, b, res),
                    }
                } else {
                    match opcode {
                        Opcode::Imul => self.imul(ty, a, b, res),
                        Opcode::Udiv | Opcode::Sdiv | Opcode::Urem | Opcode::Srem => {
                            self.divide(opcode, ty, a, RegOrImm::Value(b), res)
                        }
                        Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => self.op_not(opcode, a, b, res),
                        Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax => {
                            self.min_max(opcode, ty, a, b, res)
                        }
                        Opcode::Umulhi | Opcode::Smulhi if ty.bits() >= 16 => {
                            self.use_value_in(a, RAX)?;
                            self.claim(RDX);
                            let y = self.use_value(b)?;
                            let (rax, rdx) = (cached(RAX), cached(RDX));
                            let signed = opcode == Opcode::Smulhi;
                            let src2 = cached(y);
                            self.clobber(RAX);
                            self.put(Inst::MulHi { size: exact(ty), signed, src1: rax, src2, lo: rax, hi: rdx });
                            self.define(res, RDX);
                            Ok(())
                        }
                        _ => Err(uncovered()),
                    }
                }
            }
            InstructionData::BinaryImm64 { opcode, arg, imm } => {
                let res = res.ok_or_else(uncovered)?;
                let ty = dfg.value_type(res);
                let imm = imm.bits();
                if let Some(op) = alu_op(opcode) {
                    self.alu(op, ty, arg, RegOrImm::Imm(imm), res)
                } else if let Some(kind) = shift_kind(opcode) {
                    self.shift_by_imm(kind, ty, arg, imm, res)
                } else if opcode == Opcode::ImulImm {
                    if !self.imul_imm(ty, arg, imm, res)? {
                        return Err(not_covered("`imul_imm` with an immediate beyond 32 bits"));
                    }
                    Ok(())
                } else if let Some(div) = match opcode {
                    Opcode::UdivImm => Some(Opcode::Udiv),
                    Opcode::SdivImm => Some(Opcode::Sdiv),
                    Opcode::UremImm => Some(Opcode::Urem),
                    Opcode::SremImm => Some(Opcode::Srem),
                    _ => None,
                } {
                    self.divide(div, ty, arg, RegOrImm::Imm(imm), res)
                } else if opcode == Opcode::IrsubImm {
                    let x = self.use_value(arg)?;
                    let r = self.fresh_for(res)?;
                    self.put(Inst::MovImm { size: OperandSize::S64, imm: imm as u64, dst: cached(r) });
                    let (src1, dst, src2) = (cached(r), cached(r), RegMemImm::Reg(cached(x)));
                    self.put(Inst::AluRmiR { size: wide(ty), op: AluOp::Sub, src1, src2, dst, trap: None });
                    self.define(res, r);
                    Ok(())
                } else {
                    Err(uncovered())
                }
            }
            InstructionData::Unary { opcode, arg } => {
                let res = res.ok_or_else(uncovered)?;
                let (ty, from) = (dfg.value_type(res), dfg.value_type(arg));
                match opcode {
                    Opcode::Ineg | Opcode::Bnot => {
                        let r = self.use_value(arg)?;
                        let op = if opcode == Opcode::Ineg { UnaryOp::Neg } else { UnaryOp::Not };
                        let r = self.dest_from(r, res)?;
                        self.put(Inst::Unary { size: wide(ty), op, src: cached(r), dst: cached(r) });
                        self.define(res, r);
                        Ok(())
                    }
                    Opcode::Uextend | Opcode::Sextend => {
                        let x = self.use_value(arg)?;
                        let r = self.fresh_for(res)?;
                        let (src, dst, from) = (RegMem::Reg(cached(x)), cached(r), exact(from));
                        let to = OperandSize::S64;
                        self.put(match opcode {
                            Opcode::Uextend => Inst::MovzxRmR { from, to, src, dst },
                            _ => Inst::MovsxRmR { from, to, src, dst },
                        });
                        self.define(res, r);
                        Ok(())
                    }
                    Opcode::Iabs => {
                        // neg at the type's width sets SF when the negation is negative:
                        // then the original was the absolute value (MIN stays MIN).
                        let x = self.use_value(arg)?;
                        let r = self.fresh_for(res)?;
                        let (src, dst) = (cached(x), cached(r));
                        self.put(Inst::MovRR { size: OperandSize::S64, src, dst });
                        self.put(Inst::Unary { size: exact(ty), op: UnaryOp::Neg, src: dst, dst });
                        let consequent = RegMem::Reg(src);
                        self.put(Inst::Cmov { size: OperandSize::S64, cc: CC::S, consequent, alternative: dst, dst });
                        self.define(res, r);
                        Ok(())
                    }
                    Opcode::Bmask => {
                        // 0 or 1 from setnz, then negated: 0 or all ones.
                        let x = self.use_value(arg)?;
                        let r = self.fresh_for(res)?;
                        let (src, dst) = (cached(x), cached(r));
                        self.put(Inst::Test { size: exact(from), src1: src, src2: RegMemImm::Reg(src) });
                        self.put(Inst::Setcc { cc: CC::NZ, dst });
                        let (from8, to) = (OperandSize::S8, OperandSize::S64);
                        self.put(Inst::MovzxRmR { from: from8, to, src: RegMem::Reg(dst), dst });
                        self.put(Inst::Unary { size: OperandSize::S64, op: UnaryOp::Neg, src: dst, dst });
                        self.define(res, r);
                        Ok(())
                    }
                    Opcode::Popcnt | Opcode::Clz | Opcode::Ctz if ty.bits() >= 32 => {
                        let (op, have) = match opcode {
                            Opcode::Popcnt => (BitOp::Popcnt, self.isa_flags.has_popcnt),
                            Opcode::Clz => (BitOp::Lzcnt, self.isa_flags.has_lzcnt),
                            _ => (BitOp::Tzcnt, self.isa_flags.has_bmi1),
                        };
                        if !have {
                            return Err(not_covered(format_args!("`{opcode}` without the CPU feature it needs")));
                        }
                        let x = self.use_value(arg)?;
                        let r = self.fresh_for(res)?;
                        self.put(Inst::BitCount { op, size: exact(ty), src: cached(x), dst: cached(r) });
                        self.define(res, r);
                        Ok(())
                    }
                    Opcode::Ireduce => {
                        // The low bits are the value already; only its home differs.
                        let r = self.use_value(arg)?;
                        let r = self.dest_from(r, res)?;
                        self.define(res, r);
                        Ok(())
                    }
                    _ => Err(uncovered()),
                }
            }
            InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, arg, .. } => {
                // Scalars only (vectors never get here): the bits stay as they are.
                let res = res.ok_or_else(uncovered)?;
                let r = self.use_value(arg)?;
                let r = self.dest_from(r, res)?;
                self.define(res, r);
                Ok(())
            }
            InstructionData::IntCompare { cond, args: [a, b], .. } => {
                let ty = dfg.value_type(a);
                // A constant operand becomes the immediate (second) one.
                let (a, b, cond) = match (self.int_const(a), self.int_const(b)) {
                    (Some(_), None) => (b, a, cond.swap_args()),
                    _ => (a, b, cond),
                };
                let x = self.use_value(a)?;
                let src2 = match self.int_const(b) {
                    Some(c) => self.imm_operand(ty, c)?,
                    None => RegMemImm::Reg(cached(self.use_value(b)?)),
                };
                self.put(Inst::Cmp { size: exact(ty), src1: cached(x), src2 });
                self.set_flag_result(inst, CC::from_intcc(cond), res.ok_or_else(uncovered)?)
            }
            InstructionData::IntCompareImm { cond, arg, imm, .. } => {
                let ty = dfg.value_type(arg);
                let x = self.use_value(arg)?;
                let src2 = self.imm_operand(ty, imm.bits())?;
                self.put(Inst::Cmp { size: exact(ty), src1: cached(x), src2 });
                self.set_flag_result(inst, CC::from_intcc(cond), res.ok_or_else(uncovered)?)
            }
            InstructionData::Ternary { opcode: Opcode::Select | Opcode::SelectSpectreGuard, args: [c, x, y] } => {
                let res = res.ok_or_else(uncovered)?;
                let cty = dfg.value_type(c);
                let rc = self.use_value(c)?;
                let rx = self.use_value(x)?;
                let ry = self.use_value(y)?;
                self.put(Inst::Test { size: exact(cty), src1: cached(rc), src2: RegMemImm::Reg(cached(rc)) });
                let ry = self.dest_from(ry, res)?;
                let (consequent, alternative) = (RegMem::Reg(cached(rx)), cached(ry));
                let size = OperandSize::S64;
                self.put(Inst::Cmov { size, cc: CC::NZ, consequent, alternative, dst: alternative });
                self.define(res, ry);
                Ok(())
            }
            InstructionData::CondTrap { opcode: opcode @ (Opcode::Trapz | Opcode::Trapnz), arg, code } => {
                let ty = dfg.value_type(arg);
                let r = self.use_value(arg)?;
                self.put(Inst::Test { size: exact(ty), src1: cached(r), src2: RegMemImm::Reg(cached(r)) });
                let cc = if opcode == Opcode::Trapz { CC::Z } else { CC::NZ };
                self.put(Inst::TrapIf { cc, code });
                Ok(())
            }
            InstructionData::Load { opcode, flags, arg, offset } => {
                let res = res.ok_or_else(uncovered)?;
                let (size, ext) = load_kind(opcode, dfg.value_type(res)).ok_or_else(uncovered)?;
                if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
                    return Err(not_covered("big-endian memory accesses"));
                }
                let addr = self.address(arg, offset.0)?;
                let ty = dfg.value_type(res);
                if opcode == Opcode::Load && ty.is_float() {
                    let double = ty == crate::ir::types::F64;
                    return self.float_load(double, addr, mem_trap(flags), res);
                }
                let r = self.fresh_for(res)?;
                self.put(Inst::Load { size, ext, addr, dst: cached(r), trap: mem_trap(flags) });
                self.define(res, r);
                Ok(())
            }
            InstructionData::Store { opcode, flags, args: [value, address], offset } => {
                let size = store_size(opcode, dfg.value_type(value)).ok_or_else(uncovered)?;
                if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
                    return Err(not_covered("big-endian memory accesses"));
                }
                let trap = mem_trap(flags);
                let ty = dfg.value_type(value);
                // A constant the instruction's (sign-extended at 64 bits) immediate holds.
                let imm =
                    self.const_bits(value).filter(|&c| size != OperandSize::S64 || i32::try_from(c as i64).is_ok());
                if let Some(c) = imm {
                    let addr = self.address(address, offset.0)?;
                    self.put(Inst::StoreImm { size, imm: c as i32, addr, trap });
                } else if opcode == Opcode::Store && ty.is_float() {
                    let double = ty == crate::ir::types::F64;
                    self.float_store(double, value, address, offset.0, trap)?;
                } else {
                    // The address first: a fused addition's operands are read "at" the
                    // addition, before this instruction (see `address`).
                    let addr = self.address(address, offset.0)?;
                    let v = self.use_value(value)?;
                    self.put(Inst::Store { size, src: cached(v), addr, trap });
                }
                Ok(())
            }
            InstructionData::StackLoad { opcode, stack_slot, offset } => {
                let res = res.ok_or_else(uncovered)?;
                let at = u32::try_from(offset.0).map_err(|_| not_covered("negative stack slot offsets"))?;
                let addr = Amode::StackSlot { offset: stack_slot_offset(&self.slots, stack_slot) + at };
                let r = self.fresh_for(res)?;
                if opcode == Opcode::StackAddr {
                    self.put(Inst::Lea { size: OperandSize::S64, addr, dst: cached(r) });
                } else {
                    let (size, ext) = load_kind(opcode, dfg.value_type(res)).ok_or_else(uncovered)?;
                    self.put(Inst::Load { size, ext, addr, dst: cached(r), trap: None });
                }
                self.define(res, r);
                Ok(())
            }
            InstructionData::StackStore { opcode, arg, stack_slot, offset } => {
                let size = store_size(opcode, dfg.value_type(arg)).ok_or_else(uncovered)?;
                let at = u32::try_from(offset.0).map_err(|_| not_covered("negative stack slot offsets"))?;
                let addr = Amode::StackSlot { offset: stack_slot_offset(&self.slots, stack_slot) + at };
                let v = self.use_value(arg)?;
                self.put(Inst::Store { size, src: cached(v), addr, trap: None });
                Ok(())
            }
            InstructionData::IntAddTrap { opcode: Opcode::UaddOverflowTrap, args: [a, b], code } => {
                // Added at the type's width, so the carry is the overflow.
                let res = res.ok_or_else(uncovered)?;
                let ty = dfg.value_type(res);
                let x = self.use_value(a)?;
                let y = self.use_value(b)?;
                let x = self.dest_from(x, res)?;
                let reg = cached(x);
                let src2 = RegMemImm::Reg(cached(y));
                self.put(Inst::AluRmiR { size: exact(ty), op: AluOp::Add, src1: reg, src2, dst: reg, trap: None });
                self.put(Inst::TrapIf { cc: CC::B, code });
                self.define(res, x);
                Ok(())
            }
            InstructionData::UnaryGlobalValue { opcode: Opcode::SymbolValue, global_value } => {
                let GlobalValueData::Symbol { ref name, offset, colocated, tls: false } =
                    self.func.global_values[global_value]
                else {
                    return Err(not_covered("`symbol_value` of anything but a plain symbol"));
                };
                self.symbol_address(name, offset.bits(), colocated, res.ok_or_else(uncovered)?)
            }
            InstructionData::FuncAddr { opcode: Opcode::FuncAddr, func_ref } => {
                let ext = &dfg.ext_funcs[func_ref];
                self.symbol_address(&ext.name, 0, ext.colocated, res.ok_or_else(uncovered)?)
            }
            _ => Err(uncovered()),
        }
    }

    /// `res = a op b` for the two-address ALU operations.
    fn alu(&mut self, op: AluOp, ty: Type, a: Value, b: RegOrImm, res: Value) -> Result<(), CodegenError> {
        let x = self.use_value(a)?;
        let src2 = match b {
            RegOrImm::Value(b) => RegMemImm::Reg(cached(self.use_value(b)?)),
            RegOrImm::Imm(imm) => self.imm_operand(ty, imm)?,
        };
        let x = self.dest_from(x, res)?;
        let reg = cached(x);
        self.put(Inst::AluRmiR { size: wide(ty), op, src1: reg, src2, dst: reg, trap: None });
        self.define(res, x);
        Ok(())
    }

    /// The constant value `v` is, if it is an integer constant.
    pub(super) fn int_const(&self, v: Value) -> Option<i64> {
        let dfg = &self.func.dfg;
        match dfg.insts[dfg.value_inst(v)?] {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => Some(imm.bits()),
            _ => None,
        }
    }

    /// The address `v + disp` as an addressing mode, folding in the addition fused into
    /// it (a constant operand into the displacement when the sum fits).
    pub(super) fn address(&mut self, v: Value, disp: i32) -> Result<Amode, CodegenError> {
        let v = self.resolve(v);
        if let Some((sum, a, b)) = self.fused_address.take() {
            if sum == v {
                // The operands are read at the addition's position (the one before): a
                // dirty operand last read there must still count as read when a register
                // is picked for the other one.
                self.pos -= 1;
                let amode = self.sum_address(a, b, disp);
                self.pos += 1;
                return amode;
            }
            self.fused_address = Some((sum, a, b));
        }
        let base = cached(self.use_value(v)?);
        Ok(Amode::ImmReg { base, disp })
    }

    /// The address `a + b + disp`.
    fn sum_address(&mut self, a: Value, b: Value, disp: i32) -> Result<Amode, CodegenError> {
        for (x, y) in [(a, b), (b, a)] {
            let constant = self.int_const(y).and_then(|c| i32::try_from(c).ok());
            if let Some(d) = constant.and_then(|c| c.checked_add(disp)) {
                let base = cached(self.use_value(x)?);
                return Ok(Amode::ImmReg { base, disp: d });
            }
        }
        let base = cached(self.use_value(a)?);
        let index = cached(self.use_value(b)?);
        Ok(Amode::ImmRegRegShift { base, index, shift: 0, disp })
    }

    /// `imm` as the second operand of an operation on `ty`: an immediate when the
    /// instruction's 32-bit immediate represents it, else a register holding it.
    fn imm_operand(&mut self, ty: Type, imm: i64) -> Result<RegMemImm, CodegenError> {
        if ty.bits() <= 32 {
            // Operations up to 32 bits see only the low bits.
            return Ok(RegMemImm::Imm(imm as i32));
        }
        if let Ok(imm) = i32::try_from(imm) {
            return Ok(RegMemImm::Imm(imm));
        }
        let r = self.fresh()?;
        self.put(Inst::MovImm { size: OperandSize::S64, imm: imm as u64, dst: cached(r) });
        Ok(RegMemImm::Reg(cached(r)))
    }

    /// `res = a * imm` with the three-operand `imul`, when the immediate fits (else
    /// `false`, nothing emitted).
    fn imul_imm(&mut self, ty: Type, a: Value, imm: i64, res: Value) -> Result<bool, CodegenError> {
        // Up to 32 bits the low bits of the product only depend on the low bits.
        let imm = if ty.bits() <= 32 { Some(imm as i32) } else { i32::try_from(imm).ok() };
        let Some(imm) = imm else { return Ok(false) };
        let x = self.use_value(a)?;
        let r = self.fresh_for(res)?;
        let (src, dst) = (RegMem::Reg(cached(x)), cached(r));
        self.put(Inst::ImulImm { size: wide(ty), src, imm, dst });
        self.define(res, r);
        Ok(true)
    }

    /// A shift or rotate by a constant, taken modulo the type's width as IR shifts are.
    fn shift_by_imm(&mut self, kind: ShiftKind, ty: Type, a: Value, imm: i64, res: Value) -> Result<(), CodegenError> {
        let r = self.use_value(a)?;
        let amount = ShiftAmount::Imm((imm as u32 & (ty.bits() - 1)) as u8);
        let r = self.dest_from(r, res)?;
        let reg = cached(r);
        self.put(Inst::Shift { size: exact(ty), kind, src: reg, amount, dst: reg });
        self.define(res, r);
        Ok(())
    }

    fn imul(&mut self, ty: Type, a: Value, b: Value, res: Value) -> Result<(), CodegenError> {
        let (a, b) = match (self.int_const(a), self.int_const(b)) {
            (Some(_), None) => (b, a),
            _ => (a, b),
        };
        if let Some(c) = self.int_const(b)
            && self.imul_imm(ty, a, c, res)?
        {
            return Ok(());
        }
        let x = self.use_value(a)?;
        let y = self.use_value(b)?;
        let x = self.dest_from(x, res)?;
        let reg = cached(x);
        self.put(Inst::Imul { size: wide(ty), src1: reg, src2: RegMem::Reg(cached(y)), dst: reg });
        self.define(res, x);
        Ok(())
    }

    /// `setcc` of the flags just set, into a new register for `res`. The bits above the
    /// low byte are left undefined, as for any `i8`. When `res` is read only as the
    /// condition of the `brif` right after `inst`, nothing is set: the `brif` jumps on
    /// `cc` directly (the flags survive the stores it may emit before its jump).
    fn set_flag_result(&mut self, inst: IrInst, cc: CC, res: Value) -> Result<(), CodegenError> {
        if self.feeds_next_brif(inst, res) {
            self.fused = Some((res, cc));
            return Ok(());
        }
        if let Some((ext, wide)) = self.extension_feeding_brif(inst, res) {
            self.fused = Some((wide, cc));
            self.skip = Some(ext);
            return Ok(());
        }
        let r = self.fresh_for(res)?;
        self.put(Inst::Setcc { cc, dst: cached(r) });
        self.define(res, r);
        Ok(())
    }

    /// A shift or rotate by a value: the count goes to `cl`. IR shifts count modulo the
    /// type's width; x86 masks the count to 5 bits (6 for 64-bit shifts), which is the
    /// same for 32 and 64 bits and for rotates, but not for 8- and 16-bit shifts, whose
    /// count is masked first.
    fn shift_by_value(
        &mut self,
        kind: ShiftKind,
        ty: Type,
        a: Value,
        b: Value,
        res: Value,
    ) -> Result<(), CodegenError> {
        self.use_value_in(b, RCX)?;
        let mut x = self.use_value(a)?;
        if x == RCX {
            let copy = self.fresh()?;
            self.put(Inst::MovRR { size: OperandSize::S64, src: cached(RCX), dst: cached(copy) });
            x = copy;
        }
        let narrow_shift = ty.bits() < 32 && !matches!(kind, ShiftKind::Rol | ShiftKind::Ror);
        if narrow_shift {
            let rcx = cached(RCX);
            let mask = RegMemImm::Imm(ty.bits() as i32 - 1);
            // rcx no longer holds the count value itself after this.
            self.clobber(RCX);
            self.put(Inst::AluRmiR {
                size: OperandSize::S32,
                op: AluOp::And,
                src1: rcx,
                src2: mask,
                dst: rcx,
                trap: None,
            });
        }
        let x = self.dest_from(x, res)?;
        let reg = cached(x);
        let amount = ShiftAmount::Cl(cached(RCX));
        self.put(Inst::Shift { size: exact(ty), kind, src: reg, amount, dst: reg });
        self.define(res, x);
        Ok(())
    }

    /// Division and remainder. Division by zero traps with `int_divz` (checked first);
    /// a signed quotient that overflows traps with `int_ovf` (the only divide error left
    /// for 32 and 64 bits, checked explicitly for 8 and 16 bits, which divide at 32); a
    /// signed remainder by -1 is 0 without dividing (x86 would fault on MIN % -1).
    fn divide(&mut self, op: Opcode, ty: Type, a: Value, b: RegOrImm, res: Value) -> Result<(), CodegenError> {
        let signed = matches!(op, Opcode::Sdiv | Opcode::Srem);
        let narrow = ty.bits() < 32;
        let size = wide(ty);
        self.use_value_in(a, RAX)?;
        self.claim(RDX);
        let mut y = match b {
            RegOrImm::Value(b) => self.use_value(b)?,
            RegOrImm::Imm(imm) => {
                let r = self.fresh()?;
                self.put(Inst::MovImm { size: OperandSize::S64, imm: imm as u64, dst: cached(r) });
                r
            }
        };
        if y == RAX {
            let copy = self.fresh()?;
            self.put(Inst::MovRR { size: OperandSize::S64, src: cached(RAX), dst: cached(copy) });
            y = copy;
        }
        let (rax, rdx, divisor) = (cached(RAX), cached(RDX), cached(y));
        // Widening the divisor in place keeps its value; the dividend is overwritten.
        self.clobber(RAX);
        if narrow {
            // Widen both to 32 bits in place (the registers still hold the same values).
            let from = exact(ty);
            for reg in [rax, divisor] {
                let src = RegMem::Reg(reg);
                let to = OperandSize::S32;
                self.put(match signed {
                    true => Inst::MovsxRmR { from, to, src, dst: reg },
                    false => Inst::MovzxRmR { from, to, src, dst: reg },
                });
            }
        }
        self.put(Inst::Test { size, src1: divisor, src2: RegMemImm::Reg(divisor) });
        self.put(Inst::TrapIf { cc: CC::Z, code: TrapCode::IntegerDivisionByZero });
        let div = Inst::Div {
            size,
            signed,
            dividend_lo: rax,
            dividend_hi: rdx,
            divisor,
            quotient: rax,
            remainder: rdx,
            trap: if signed { TrapCode::IntegerOverflow } else { TrapCode::IntegerDivisionByZero },
        };
        match op {
            Opcode::Udiv | Opcode::Urem => {
                self.put(Inst::MovImm { size: OperandSize::S32, imm: 0, dst: rdx });
                self.put(div);
            }
            Opcode::Sdiv => {
                if narrow {
                    // MIN / -1 does not overflow at 32 bits: check it at the type's width.
                    let ok = self.buf.get_label();
                    let check = self.buf.get_label();
                    self.put(Inst::Cmp { size: exact(ty), src1: divisor, src2: RegMemImm::Imm(-1) });
                    self.put_before(Inst::JmpCond { cc: CC::NZ, taken: ok, not_taken: check }, Some(check));
                    self.buf.bind_label(check);
                    let min = RegMemImm::Imm(i32::MIN >> (32 - ty.bits()));
                    self.put(Inst::Cmp { size: exact(ty), src1: rax, src2: min });
                    self.put(Inst::TrapIf { cc: CC::Z, code: TrapCode::IntegerOverflow });
                    self.buf.bind_label(ok);
                }
                self.put(Inst::SignExtendAxDx { size, src: rax, dst: rdx });
                self.put(div);
            }
            _ => {
                let minus_one = self.buf.get_label();
                let divide = self.buf.get_label();
                let done = self.buf.get_label();
                self.put(Inst::Cmp { size, src1: divisor, src2: RegMemImm::Imm(-1) });
                self.put_before(Inst::JmpCond { cc: CC::Z, taken: minus_one, not_taken: divide }, Some(divide));
                self.buf.bind_label(divide);
                self.put(Inst::SignExtendAxDx { size, src: rax, dst: rdx });
                self.put(div);
                self.put_before(Inst::Jmp { target: done }, Some(minus_one));
                self.buf.bind_label(minus_one);
                self.put(Inst::MovImm { size: OperandSize::S32, imm: 0, dst: rdx });
                self.buf.bind_label(done);
            }
        }
        // rdx was claimed empty and rax cleared by `clobber`: nothing to store.
        let _ = (self.cache.forget_reg(RAX), self.cache.forget_reg(RDX));
        let out = if matches!(op, Opcode::Udiv | Opcode::Sdiv) { RAX } else { RDX };
        self.define(res, out);
        Ok(())
    }

    /// `a op !b` for `band_not`, `bor_not` and `bxor_not`: `!b` in a new register, then
    /// the (commutative) operation with `a`.
    fn op_not(&mut self, opcode: Opcode, a: Value, b: Value, res: Value) -> Result<(), CodegenError> {
        let op = match opcode {
            Opcode::BandNot => AluOp::And,
            Opcode::BorNot => AluOp::Or,
            _ => AluOp::Xor,
        };
        let x = self.use_value(a)?;
        let y = self.use_value(b)?;
        let r = self.fresh_for(res)?;
        let dst = cached(r);
        self.put(Inst::MovRR { size: OperandSize::S64, src: cached(y), dst });
        self.put(Inst::Unary { size: OperandSize::S64, op: UnaryOp::Not, src: dst, dst });
        let src2 = RegMemImm::Reg(cached(x));
        self.put(Inst::AluRmiR { size: OperandSize::S64, op, src1: dst, src2, dst, trap: None });
        self.define(res, r);
        Ok(())
    }

    /// `smin`, `smax`, `umin`, `umax`: `b` in a new register, replaced by `a` when `a` is
    /// the one to keep (compared at the type's width).
    fn min_max(&mut self, opcode: Opcode, ty: Type, a: Value, b: Value, res: Value) -> Result<(), CodegenError> {
        let cc = match opcode {
            Opcode::Smin => CC::L,
            Opcode::Smax => CC::NLE,
            Opcode::Umin => CC::B,
            _ => CC::NBE,
        };
        let x = self.use_value(a)?;
        let y = self.use_value(b)?;
        let r = self.fresh_for(res)?;
        let dst = cached(r);
        self.put(Inst::MovRR { size: OperandSize::S64, src: cached(y), dst });
        self.put(Inst::Cmp { size: exact(ty), src1: cached(x), src2: RegMemImm::Reg(cached(y)) });
        let consequent = RegMem::Reg(cached(x));
        self.put(Inst::Cmov { size: OperandSize::S64, cc, consequent, alternative: dst, dst });
        self.define(res, r);
        Ok(())
    }

    /// The address of a symbol plus `offset`, formed as the optimizing lowering forms it.
    fn symbol_address(
        &mut self,
        name: &crate::ir::ExternalName,
        offset: i64,
        colocated: bool,
        res: Value,
    ) -> Result<(), CodegenError> {
        let mode = match (self.is_pic, colocated) {
            (false, _) => SymbolAddress::Absolute,
            (true, true) => SymbolAddress::PcRel,
            (true, false) => SymbolAddress::Got,
        };
        let r = self.fresh()?;
        let reg = cached(r);
        self.put(Inst::LoadExtName { dst: reg, name: name.clone(), mode });
        if offset != 0 {
            let src2 = self.imm_operand(crate::ir::types::I64, offset)?;
            self.put(Inst::AluRmiR { size: OperandSize::S64, op: AluOp::Add, src1: reg, src2, dst: reg, trap: None });
        }
        self.define(res, r);
        Ok(())
    }
}

/// The second operand of an ALU operation.
enum RegOrImm {
    Value(Value),
    Imm(i64),
}
