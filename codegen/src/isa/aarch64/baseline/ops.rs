//! The baseline tier's aarch64 integer, compare, select, address and memory
//! instructions (one IR instruction each), over the register cache of `mod.rs`.
//!
//! Every form is three-address: the operands are read from cache registers (`use_value`),
//! the result is computed into a fresh one and recorded by `define` (dirty or written
//! through), so no operand is ever overwritten in place. Narrow operands whose upper bits
//! matter are extended into x16/x17 first (see the module doc of `mod.rs`); an immediate
//! operand is materialized in a temporary cache register that holds no value.

use super::{Emitter, cached, size_of, x16, x17};
use crate::baseline::{not_covered, stack_slot_offset};
use crate::ir::{GlobalValueData, Inst as IrInst, InstructionData, MemFlags, Opcode, TrapCode, Type, Value};
use crate::isa::aarch64::inst::Inst;
use crate::isa::aarch64::inst::args::{
    AMode, AluOp, AluOp3, BitOp, BitfieldOp, CCmpOp, CCmpRhs, CSelOp, Cond, CondBrKind, ExtendOp, LoadOp, OperandSize,
    StoreOp,
};
use crate::isa::aarch64::inst::imms::{Imm12, ImmLogic};
use crate::isa::aarch64::lower::{int_cond, is_signed};
use crate::isa::aarch64::regs;
use crate::machinst::Reg;
use crate::result::CodegenError;

/// The trap code of a memory access with `flags`, as the optimizing lowering records it.
fn mem_trap(flags: MemFlags) -> Option<TrapCode> {
    (!flags.notrap()).then(|| flags.trap_code().unwrap_or(TrapCode::HeapOutOfBounds))
}

/// `rd = rn` extended from its low `bits` (8, 16, 32 or 64) to 64 bits.
pub(super) fn extend(signed: bool, bits: u32, rd: Reg, rn: Reg) -> Inst {
    if bits >= 64 {
        return Inst::mov64(rd, rn);
    }
    let op = if signed { BitfieldOp::Sbfm } else { BitfieldOp::Ubfm };
    Inst::Bitfield { op, size: OperandSize::S64, rd, rn, immr: 0, imms: bits as u8 - 1 }
}

/// The mask of the low `bits` bits as a logical immediate of 32-bit operations.
fn low_mask(bits: u32) -> ImmLogic {
    ImmLogic::maybe_from_u64((1u64 << bits) - 1, OperandSize::S32).expect("a low mask is a bitmask immediate")
}

/// `cset rd, cond`.
pub(super) fn cset(rd: Reg, cond: Cond) -> Inst {
    let zr = regs::zr();
    Inst::CSel { op: CSelOp::Csinc, size: OperandSize::S32, rd, rn: zr, rm: zr, cond: cond.invert() }
}

/// The load of a load opcode whose result has type `ty` (floats are loaded as their bits
/// into an integer register).
fn load_op(op: Opcode, ty: Type) -> Option<LoadOp> {
    Some(match op {
        Opcode::Load | Opcode::StackLoad => match ty.bytes() {
            1 => LoadOp::Ldrb,
            2 => LoadOp::Ldrh,
            4 => LoadOp::LdrW,
            _ => LoadOp::LdrX,
        },
        Opcode::Uload8 => LoadOp::Ldrb,
        Opcode::Sload8 => LoadOp::LdrsbX,
        Opcode::Uload16 => LoadOp::Ldrh,
        Opcode::Sload16 => LoadOp::LdrshX,
        Opcode::Uload32 => LoadOp::LdrW,
        Opcode::Sload32 => LoadOp::Ldrsw,
        _ => return None,
    })
}

/// The store of a store opcode storing a value of type `ty`.
fn store_op(op: Opcode, ty: Type) -> Option<StoreOp> {
    Some(match op {
        Opcode::Store | Opcode::StackStore => match ty.bytes() {
            1 => StoreOp::Strb,
            2 => StoreOp::Strh,
            4 => StoreOp::StrW,
            _ => StoreOp::StrX,
        },
        Opcode::Istore8 => StoreOp::Strb,
        Opcode::Istore16 => StoreOp::Strh,
        Opcode::Istore32 => StoreOp::StrW,
        _ => return None,
    })
}

/// The register-register opcode of an `_imm` opcode (`irsub_imm` is `isub` with its
/// operands swapped).
fn without_imm(op: Opcode) -> Option<Opcode> {
    Some(match op {
        Opcode::IaddImm => Opcode::Iadd,
        Opcode::ImulImm => Opcode::Imul,
        Opcode::UdivImm => Opcode::Udiv,
        Opcode::SdivImm => Opcode::Sdiv,
        Opcode::UremImm => Opcode::Urem,
        Opcode::SremImm => Opcode::Srem,
        Opcode::IrsubImm => Opcode::Isub,
        Opcode::BandImm => Opcode::Band,
        Opcode::BorImm => Opcode::Bor,
        Opcode::BxorImm => Opcode::Bxor,
        Opcode::IshlImm => Opcode::Ishl,
        Opcode::UshrImm => Opcode::Ushr,
        Opcode::SshrImm => Opcode::Sshr,
        Opcode::RotlImm => Opcode::Rotl,
        Opcode::RotrImm => Opcode::Rotr,
        _ => return None,
    })
}

impl Emitter<'_> {
    /// The instructions that compute a value or touch memory; anything else is not covered.
    pub(super) fn compute(&mut self, inst: IrInst, data: InstructionData) -> Result<(), CodegenError> {
        let dfg = &self.func.dfg;
        let res = dfg.inst_results(inst).first().copied();
        let uncovered = || not_covered(format_args!("`{}`", data.opcode()));
        if let Some(done) = self.float_inst(inst, data) {
            return done;
        }
        match data {
            InstructionData::Nullary { opcode: Opcode::Nop } => Ok(()),
            InstructionData::Nullary { opcode: opcode @ (Opcode::GetStackPointer | Opcode::GetFramePointer) } => {
                let res = res.ok_or_else(uncovered)?;
                let r = self.fresh()?;
                self.put(match opcode {
                    Opcode::GetStackPointer => Inst::mov_sp(cached(r), regs::sp()),
                    _ => Inst::mov64(cached(r), regs::fp()),
                });
                self.define(res, r);
                Ok(())
            }
            InstructionData::Binary { opcode, args: [a, b] } => {
                let res = res.ok_or_else(uncovered)?;
                let ty = dfg.value_type(res);
                let x = self.use_value(a)?;
                let y = self.use_value(b)?;
                let r = self.fresh()?;
                self.binary(opcode, ty, cached(x), cached(y), cached(r))?;
                self.define(res, r);
                Ok(())
            }
            InstructionData::BinaryImm64 { opcode, arg, imm } => {
                let res = res.ok_or_else(uncovered)?;
                let ty = dfg.value_type(res);
                let op = without_imm(opcode).ok_or_else(uncovered)?;
                let x = self.use_value(arg)?;
                let t = self.fresh()?;
                self.put_all(Inst::load_constant(cached(t), imm.bits() as u64, OperandSize::S64));
                let (x, y) = match opcode {
                    Opcode::IrsubImm => (cached(t), cached(x)),
                    _ => (cached(x), cached(t)),
                };
                let r = self.fresh()?;
                self.binary(op, ty, x, y, cached(r))?;
                self.define(res, r);
                Ok(())
            }
            InstructionData::Unary { opcode, arg } => {
                let res = res.ok_or_else(uncovered)?;
                let (ty, from) = (dfg.value_type(res), dfg.value_type(arg));
                if (!ty.is_int() || !from.is_int()) && opcode != Opcode::Bnot {
                    return Err(uncovered());
                }
                let x = self.use_value(arg)?;
                let r = self.fresh()?;
                self.unary(opcode, ty, from, cached(x), cached(r))?;
                self.define(res, r);
                Ok(())
            }
            InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, arg, .. } => {
                // Scalars only (vectors never get here): the bits stay as they are.
                let res = res.ok_or_else(uncovered)?;
                let x = self.use_value(arg)?;
                let r = self.fresh()?;
                self.put(Inst::mov64(cached(r), cached(x)));
                self.define(res, r);
                Ok(())
            }
            InstructionData::IntCompare { cond, args: [a, b], .. } => {
                let ty = dfg.value_type(a);
                let x = self.use_value(a)?;
                let y = self.use_value(b)?;
                self.compare(ty, is_signed(cond), cached(x), cached(y));
                let r = self.fresh()?;
                self.put(cset(cached(r), int_cond(cond)));
                self.define(res.ok_or_else(uncovered)?, r);
                Ok(())
            }
            InstructionData::IntCompareImm { cond, arg, imm, .. } => {
                let ty = dfg.value_type(arg);
                let x = self.use_value(arg)?;
                let t = self.fresh()?;
                self.put_all(Inst::load_constant(cached(t), imm.bits() as u64, OperandSize::S64));
                self.compare(ty, is_signed(cond), cached(x), cached(t));
                let r = self.fresh()?;
                self.put(cset(cached(r), int_cond(cond)));
                self.define(res.ok_or_else(uncovered)?, r);
                Ok(())
            }
            InstructionData::Ternary {
                opcode: opcode @ (Opcode::Select | Opcode::SelectSpectreGuard),
                args: [c, x, y],
            } => {
                // Float operands too: their bits are selected in integer registers.
                let res = res.ok_or_else(uncovered)?;
                let cty = dfg.value_type(c);
                let rc = self.use_value(c)?;
                let rx = self.use_value(x)?;
                let ry = self.use_value(y)?;
                self.test_nonzero(cached(rc), cty);
                let r = self.fresh()?;
                let (rd, rn, rm) = (cached(r), cached(rx), cached(ry));
                self.put(Inst::CSel { op: CSelOp::Csel, size: OperandSize::S64, rd, rn, rm, cond: Cond::Ne });
                if opcode == Opcode::SelectSpectreGuard {
                    self.put(Inst::Csdb);
                }
                self.define(res, r);
                Ok(())
            }
            InstructionData::CondTrap { opcode: opcode @ (Opcode::Trapz | Opcode::Trapnz), arg, code } => {
                let ty = dfg.value_type(arg);
                let r = self.use_value(arg)?;
                let zero = opcode == Opcode::Trapz;
                let kind = match ty.bits() {
                    32 | 64 if zero => CondBrKind::Zero(cached(r), size_of(ty)),
                    32 | 64 => CondBrKind::NotZero(cached(r), size_of(ty)),
                    _ => {
                        self.test_nonzero(cached(r), ty);
                        CondBrKind::Cond(if zero { Cond::Eq } else { Cond::Ne })
                    }
                };
                self.put(Inst::TrapIf { kind, code });
                Ok(())
            }
            InstructionData::Load { opcode, flags, arg, offset } => {
                let res = res.ok_or_else(uncovered)?;
                let op = load_op(opcode, dfg.value_type(res)).ok_or_else(uncovered)?;
                if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
                    return Err(not_covered("big-endian memory accesses"));
                }
                let base = self.use_value(arg)?;
                let r = self.fresh()?;
                let mem = AMode::BaseOffset { rn: cached(base), offset: i64::from(offset.0) };
                self.put(Inst::Load { op, rt: cached(r), mem, trap: mem_trap(flags) });
                self.define(res, r);
                Ok(())
            }
            InstructionData::Store { opcode, flags, args: [value, address], offset } => {
                let op = store_op(opcode, dfg.value_type(value)).ok_or_else(uncovered)?;
                if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
                    return Err(not_covered("big-endian memory accesses"));
                }
                let base = self.use_value(address)?;
                let v = self.use_value(value)?;
                let mem = AMode::BaseOffset { rn: cached(base), offset: i64::from(offset.0) };
                self.put(Inst::Store { op, rt: cached(v), mem, trap: mem_trap(flags) });
                Ok(())
            }
            InstructionData::StackLoad { opcode, stack_slot, offset } => {
                let res = res.ok_or_else(uncovered)?;
                let at = u32::try_from(offset.0).map_err(|_| not_covered("negative stack slot offsets"))?;
                let offset = stack_slot_offset(&self.slots, stack_slot) + at;
                let r = self.fresh()?;
                if opcode == Opcode::StackAddr {
                    self.put(Inst::StackAddr { rd: cached(r), offset });
                } else {
                    let op = load_op(opcode, dfg.value_type(res)).ok_or_else(uncovered)?;
                    self.put(Inst::Load { op, rt: cached(r), mem: AMode::StackSlot { offset }, trap: None });
                }
                self.define(res, r);
                Ok(())
            }
            InstructionData::StackStore { opcode, arg, stack_slot, offset } => {
                let op = store_op(opcode, dfg.value_type(arg)).ok_or_else(uncovered)?;
                let at = u32::try_from(offset.0).map_err(|_| not_covered("negative stack slot offsets"))?;
                let offset = stack_slot_offset(&self.slots, stack_slot) + at;
                let v = self.use_value(arg)?;
                self.put(Inst::Store { op, rt: cached(v), mem: AMode::StackSlot { offset }, trap: None });
                Ok(())
            }
            InstructionData::IntAddTrap { opcode: Opcode::UaddOverflowTrap, args: [a, b], code } => {
                // Added at the type's width, so the carry is the overflow.
                let res = res.ok_or_else(uncovered)?;
                let ty = dfg.value_type(res);
                if ty.bits() < 32 {
                    return Err(not_covered("`uadd_overflow_trap` below 32 bits"));
                }
                let x = self.use_value(a)?;
                let y = self.use_value(b)?;
                let r = self.fresh()?;
                let (rd, rn, rm) = (cached(r), cached(x), cached(y));
                self.put(Inst::AluRRR { op: AluOp::Adds, size: size_of(ty), rd, rn, rm });
                self.put(Inst::TrapIf { kind: CondBrKind::Cond(Cond::Hs), code });
                self.define(res, r);
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

    /// `res = &name + offset`: `adrp`/`add`, or through the GOT for position-independent
    /// code reaching a symbol that may be in another module.
    fn symbol_address(
        &mut self,
        name: &crate::ir::ExternalName,
        offset: i64,
        colocated: bool,
        res: Value,
    ) -> Result<(), CodegenError> {
        let r = self.fresh()?;
        let rd = cached(r);
        if self.is_pic && !colocated {
            self.put(Inst::LoadGotAddr { rd, name: name.clone() });
            if offset != 0 {
                let imm = Imm12::maybe_from_u64(offset.unsigned_abs())
                    .ok_or_else(|| not_covered("a GOT symbol offset beyond 12 bits"))?;
                let op = if offset > 0 { AluOp::Add } else { AluOp::Sub };
                self.put(Inst::AluRRImm12 { op, size: OperandSize::S64, rd, rn: rd, imm });
            }
        } else {
            self.put(Inst::LoadAddr { rd, name: name.clone(), offset });
        }
        self.define(res, r);
        Ok(())
    }

    /// Sets the flags from `x`, a value of type `ty`, against zero (Z set when zero):
    /// `cmp x, #0`, or `tst` with the type's mask for narrow types.
    pub(super) fn test_nonzero(&mut self, x: Reg, ty: Type) {
        let zr = regs::zr();
        if ty.bits() >= 32 {
            let size = size_of(ty);
            self.put(Inst::AluRRImm12 { op: AluOp::Subs, size, rd: zr, rn: x, imm: Imm12::ZERO });
        } else {
            let imm = low_mask(ty.bits());
            self.put(Inst::AluRRImmLogic { op: AluOp::Ands, size: OperandSize::S32, rd: zr, rn: x, imm });
        }
    }

    /// `cmp x, y` for values of type `ty` (narrow ones extended, as `signed` says, into
    /// x16 and x17 first).
    fn compare(&mut self, ty: Type, signed: bool, x: Reg, y: Reg) {
        let (size, x, y) = self.exact_operands(ty, signed, x, y);
        self.put(Inst::AluRRR { op: AluOp::Subs, size, rd: regs::zr(), rn: x, rm: y });
    }

    /// The operands of an operation that reads all the bits of its type: as they are for
    /// 32 and 64 bits, else extended into x16 and x17 (read at 32 bits).
    fn exact_operands(&mut self, ty: Type, signed: bool, x: Reg, y: Reg) -> (OperandSize, Reg, Reg) {
        if ty.bits() >= 32 {
            return (size_of(ty), x, y);
        }
        self.put(extend(signed, ty.bits(), x16(), x));
        self.put(extend(signed, ty.bits(), x17(), y));
        (OperandSize::S32, x16(), x17())
    }

    /// `rd = x op y` for an integer type `ty`; `rd` is distinct from `x` and `y`.
    fn binary(&mut self, opcode: Opcode, ty: Type, x: Reg, y: Reg, rd: Reg) -> Result<(), CodegenError> {
        let size = size_of(ty);
        let bits = ty.bits();
        let zr = regs::zr();
        let alu = |op, rn, rm| Inst::AluRRR { op, size, rd, rn, rm };
        let op = match opcode {
            Opcode::Iadd => AluOp::Add,
            Opcode::Isub => AluOp::Sub,
            Opcode::Band => AluOp::And,
            Opcode::Bor => AluOp::Orr,
            Opcode::Bxor => AluOp::Eor,
            Opcode::BandNot => AluOp::Bic,
            Opcode::BorNot => AluOp::Orn,
            Opcode::BxorNot => AluOp::Eon,
            Opcode::Imul => {
                self.put(Inst::AluRRRR { op: AluOp3::Madd, size, rd, rn: x, rm: y, ra: zr });
                return Ok(());
            }
            Opcode::Ishl | Opcode::Ushr | Opcode::Sshr if bits < 32 => {
                // The amount modulo the width, and the operand extended for right shifts.
                let imm = low_mask(bits.trailing_zeros());
                self.put(Inst::AluRRImmLogic { op: AluOp::And, size: OperandSize::S32, rd: x17(), rn: y, imm });
                let (op, src) = match opcode {
                    Opcode::Ishl => (AluOp::Lslv, x),
                    Opcode::Ushr => (AluOp::Lsrv, x16()),
                    _ => (AluOp::Asrv, x16()),
                };
                if opcode != Opcode::Ishl {
                    self.put(extend(opcode == Opcode::Sshr, bits, x16(), x));
                }
                self.put(Inst::AluRRR { op, size: OperandSize::S32, rd, rn: src, rm: x17() });
                return Ok(());
            }
            // The register shifts take the amount modulo 32 or 64, as the IR does.
            Opcode::Ishl => AluOp::Lslv,
            Opcode::Ushr => AluOp::Lsrv,
            Opcode::Sshr => AluOp::Asrv,
            Opcode::Rotl | Opcode::Rotr if bits < 32 => {
                // n = the right rotation modulo the width; rd = (x >> n) | (x << (-n mod
                // width)) over the zero-extended operand, at 32 bits (the left shift
                // leaves only bits above the type when n = 0).
                let s32 = OperandSize::S32;
                let mask = low_mask(bits.trailing_zeros());
                let amount = if opcode == Opcode::Rotl {
                    self.put(Inst::AluRRR { op: AluOp::Sub, size: s32, rd: x17(), rn: zr, rm: y });
                    x17()
                } else {
                    y
                };
                self.put(Inst::AluRRImmLogic { op: AluOp::And, size: s32, rd: x17(), rn: amount, imm: mask });
                self.put(extend(false, bits, x16(), x));
                self.put(Inst::AluRRR { op: AluOp::Lsrv, size: s32, rd, rn: x16(), rm: x17() });
                self.put(Inst::AluRRR { op: AluOp::Sub, size: s32, rd: x17(), rn: zr, rm: x17() });
                self.put(Inst::AluRRImmLogic { op: AluOp::And, size: s32, rd: x17(), rn: x17(), imm: mask });
                self.put(Inst::AluRRR { op: AluOp::Lslv, size: s32, rd: x16(), rn: x16(), rm: x17() });
                self.put(Inst::AluRRR { op: AluOp::Orr, size: s32, rd, rn: rd, rm: x16() });
                return Ok(());
            }
            Opcode::Rotr => AluOp::Rorv,
            Opcode::Rotl => {
                self.put(Inst::AluRRR { op: AluOp::Sub, size, rd: x17(), rn: zr, rm: y });
                self.put(alu(AluOp::Rorv, x, x17()));
                return Ok(());
            }
            Opcode::Udiv | Opcode::Sdiv | Opcode::Urem | Opcode::Srem => return self.divide(opcode, ty, x, y, rd),
            Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax => {
                let signed = matches!(opcode, Opcode::Smin | Opcode::Smax);
                self.compare(ty, signed, x, y);
                let cond = match opcode {
                    Opcode::Smin => Cond::Lt,
                    Opcode::Smax => Cond::Gt,
                    Opcode::Umin => Cond::Lo,
                    _ => Cond::Hi,
                };
                self.put(Inst::CSel { op: CSelOp::Csel, size: OperandSize::S64, rd, rn: x, rm: y, cond });
                return Ok(());
            }
            Opcode::Umulhi | Opcode::Smulhi => {
                let signed = opcode == Opcode::Smulhi;
                if bits == 64 {
                    self.put(alu(if signed { AluOp::Smulh } else { AluOp::Umulh }, x, y));
                } else {
                    // The full product of the extended operands fits 64 bits; its high
                    // half is above bit `bits`.
                    self.put(extend(signed, bits, x16(), x));
                    self.put(extend(signed, bits, x17(), y));
                    let s64 = OperandSize::S64;
                    self.put(Inst::AluRRRR { op: AluOp3::Madd, size: s64, rd, rn: x16(), rm: x17(), ra: zr });
                    let op = if signed { BitfieldOp::Sbfm } else { BitfieldOp::Ubfm };
                    self.put(Inst::Bitfield { op, size: s64, rd, rn: rd, immr: bits as u8, imms: 63 });
                }
                return Ok(());
            }
            _ => return Err(not_covered(format_args!("`{opcode}`"))),
        };
        self.put(alu(op, x, y));
        Ok(())
    }

    /// Division and remainder, with the IR's traps: `int_divz` for a zero divisor, and
    /// `int_ovf` for `sdiv MIN, -1` (`srem MIN, -1` is 0, which `msub` gives).
    fn divide(&mut self, opcode: Opcode, ty: Type, x: Reg, y: Reg, rd: Reg) -> Result<(), CodegenError> {
        let signed = matches!(opcode, Opcode::Sdiv | Opcode::Srem);
        let bits = ty.bits();
        let (size, x, y) = self.exact_operands(ty, signed, x, y);
        self.put(Inst::TrapIf { kind: CondBrKind::Zero(y, size), code: TrapCode::IntegerDivisionByZero });
        if opcode == Opcode::Sdiv && bits >= 32 {
            // `cmn y, #1` (Z when y = -1), then `ccmp x, #1` when it is: V when x = MIN.
            let one = Imm12::maybe_from_u64(1).expect("1 fits");
            self.put(Inst::AluRRImm12 { op: AluOp::Adds, size, rd: regs::zr(), rn: y, imm: one });
            self.put(Inst::CCmp { op: CCmpOp::Ccmp, size, rn: x, rhs: CCmpRhs::Imm(1), nzcv: 0, cond: Cond::Eq });
            self.put(Inst::TrapIf { kind: CondBrKind::Cond(Cond::Vs), code: TrapCode::IntegerOverflow });
        }
        let op = if signed { AluOp::Sdiv } else { AluOp::Udiv };
        self.put(Inst::AluRRR { op, size, rd, rn: x, rm: y });
        if opcode == Opcode::Sdiv && bits < 32 {
            // Extended operands divide without overflow; the quotient overflows the type
            // when it differs from its own low bits sign-extended (only MIN / -1).
            let extend = if bits == 8 { ExtendOp::Sxtb } else { ExtendOp::Sxth };
            let zr = regs::zr();
            self.put(Inst::AluRRRExtend { op: AluOp::Subs, size, rd: zr, rn: rd, rm: rd, extend, amount: 0 });
            self.put(Inst::TrapIf { kind: CondBrKind::Cond(Cond::Ne), code: TrapCode::IntegerOverflow });
        }
        if matches!(opcode, Opcode::Urem | Opcode::Srem) {
            self.put(Inst::AluRRRR { op: AluOp3::Msub, size, rd, rn: rd, rm: y, ra: x });
        }
        Ok(())
    }

    /// `rd = op x` for integer operations from type `from` to type `ty`.
    fn unary(&mut self, opcode: Opcode, ty: Type, from: Type, x: Reg, rd: Reg) -> Result<(), CodegenError> {
        let size = size_of(ty);
        let bits = ty.bits();
        let zr = regs::zr();
        match opcode {
            Opcode::Ineg => self.put(Inst::AluRRR { op: AluOp::Sub, size, rd, rn: zr, rm: x }),
            Opcode::Bnot => self.put(Inst::AluRRR { op: AluOp::Orn, size, rd, rn: zr, rm: x }),
            Opcode::Uextend | Opcode::Sextend => self.put(extend(opcode == Opcode::Sextend, from.bits(), rd, x)),
            // The low bits are the value already.
            Opcode::Ireduce => self.put(Inst::mov64(rd, x)),
            Opcode::Iabs => {
                let (size, src) = match bits {
                    32 | 64 => (size, x),
                    _ => {
                        self.put(extend(true, bits, x16(), x));
                        (OperandSize::S32, x16())
                    }
                };
                self.put(Inst::AluRRImm12 { op: AluOp::Subs, size, rd: zr, rn: src, imm: Imm12::ZERO });
                self.put(Inst::CSel { op: CSelOp::Csneg, size, rd, rn: src, rm: src, cond: Cond::Ge });
            }
            Opcode::Bmask => {
                self.test_nonzero(x, from);
                self.put(Inst::CSel { op: CSelOp::Csinv, size: OperandSize::S64, rd, rn: zr, rm: zr, cond: Cond::Eq });
            }
            Opcode::Clz | Opcode::Ctz | Opcode::Cls | Opcode::Bitrev | Opcode::Bswap if bits >= 32 => {
                let op = match opcode {
                    Opcode::Clz => BitOp::Clz,
                    Opcode::Cls => BitOp::Cls,
                    Opcode::Bswap => BitOp::Rev,
                    _ => BitOp::Rbit,
                };
                self.put(Inst::BitRR { op, size, rd, rn: x });
                if opcode == Opcode::Ctz {
                    self.put(Inst::BitRR { op: BitOp::Clz, size, rd, rn: rd });
                }
            }
            Opcode::Clz => {
                // Counted at 32 bits over the zero-extended value, less the bits above.
                self.put(extend(false, bits, x16(), x));
                self.put(Inst::BitRR { op: BitOp::Clz, size, rd, rn: x16() });
                let imm = Imm12::maybe_from_u64(u64::from(32 - bits)).expect("below 32");
                self.put(Inst::AluRRImm12 { op: AluOp::Sub, size, rd, rn: rd, imm });
            }
            Opcode::Ctz => {
                // A one just above the type stops the count at its width.
                let imm = ImmLogic::maybe_from_u64(1 << bits, size).expect("one bit is a bitmask");
                self.put(Inst::AluRRImmLogic { op: AluOp::Orr, size, rd: x16(), rn: x, imm });
                self.put(Inst::BitRR { op: BitOp::Rbit, size, rd, rn: x16() });
                self.put(Inst::BitRR { op: BitOp::Clz, size, rd, rn: rd });
            }
            Opcode::Bitrev => {
                // Reversed at 32 bits, the type's bits end up at the top.
                self.put(Inst::BitRR { op: BitOp::Rbit, size, rd, rn: x });
                let shift = (32 - bits) as u8;
                self.put(Inst::Bitfield { op: BitfieldOp::Ubfm, size, rd, rn: rd, immr: shift, imms: 31 });
            }
            Opcode::Bswap if bits == 16 => self.put(Inst::BitRR { op: BitOp::Rev16, size, rd, rn: x }),
            Opcode::Popcnt => {
                // The byte counts of the vector unit, summed.
                let src = if bits < 64 {
                    self.put(extend(false, bits, x16(), x));
                    x16()
                } else {
                    x
                };
                let v0 = regs::vreg(0);
                self.put(Inst::MovToFpu { size: OperandSize::S64, rd: v0, rn: src });
                self.put(Inst::VecCnt { rd: v0, rn: v0 });
                self.put(Inst::VecAddv { rd: v0, rn: v0 });
                self.put(Inst::MovFromFpu { size: OperandSize::S32, rd, rn: v0 });
            }
            _ => return Err(not_covered(format_args!("`{opcode}` on `{ty}`"))),
        }
        Ok(())
    }
}
