//! The instructions a statement can be: an [`Op`] names a shape (its operands, immediates
//! and result types), an [`OpTable`] weighs the shapes allowed for one function, and
//! `FuncGen::gen_op` builds one.
//!
//! The backend subset ([`BACKEND_OPS`]) is what the x86-64 lowering rules handle today
//! (`codegen/src/isa/x64/lower/lower.isle`); [`OTHER_INT_OPS`], [`FLOAT_OPS`] and
//! [`I128_OPS`] are the rest of the scalar opcodes the interpreter executes. When the
//! backend learns an opcode, move it to [`BACKEND_OPS`].

use super::FuncGen;
use super::values::{interesting_int, trap_code};
use crate::config::Config;
use arbitrary::{Result, Unstructured};
use lathe_codegen::ir::types::{F32, F64, I8, I16, I32, I64, I128, INVALID};
use lathe_codegen::ir::{FloatCC, InstructionData, IntCC, MemFlags, Opcode, Type, Value};

/// The shape of one generated instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `op x, y` on one integer type.
    IntBinary(Opcode),
    /// A division or remainder; the divisor is usually forced odd so traps stay rare.
    IntDiv(Opcode),
    /// A shift or rotate; the amount may have any integer type.
    Shift(Opcode),
    /// `op x` on one integer type.
    IntUnary(Opcode),
    /// `op x, imm` (`BinaryImm64`).
    IntImm(Opcode),
    /// `icmp cc, x, y`.
    Icmp,
    /// `icmp_imm cc, x, imm`.
    IcmpImm,
    /// `select` / `select_spectre_guard` of any value type on an integer condition.
    Select(Opcode),
    /// `bitselect x, y, z` on integers.
    Bitselect,
    /// `uextend` / `sextend` to a wider integer type.
    Extend(Opcode),
    /// `ireduce` to a narrower integer type.
    Ireduce,
    /// `bmask` from any integer type to any.
    Bmask,
    /// Two results: the value and an `i8` overflow flag.
    Overflow(Opcode),
    /// Overflow with a carry or borrow in.
    OverflowCarry(Opcode),
    /// `uadd_overflow_trap x, y, code`.
    AddTrap,
    /// `iconst`.
    Iconst,
    /// `op x, y` on floats.
    FloatBinary(Opcode),
    /// `op x` on floats.
    FloatUnary(Opcode),
    /// `fma x, y, z`.
    Fma,
    /// `fcmp cc, x, y`.
    Fcmp,
    /// `fpromote` / `fdemote`.
    FloatConvert,
    /// `fcvt_to_*int` (trapping) or `fcvt_to_*int_sat`.
    FloatToInt(Opcode),
    /// `fcvt_from_*int`.
    IntToFloat(Opcode),
    /// `bitcast` between a float and the integer of its width.
    Bitcast,
    /// `isplit` of an `i128` (or narrower).
    Isplit,
    /// `iconcat` of two halves.
    Iconcat,
    /// `stack_store` in bounds.
    StackStore,
    /// `stack_load` in bounds.
    StackLoad,
    /// `store` / `istoreN` through `stack_addr` (plus an offset), in bounds.
    Store,
    /// `load` / `uloadN` / `sloadN` through `stack_addr`, in bounds.
    Load,
    /// `trapz` / `trapnz`.
    CondTrap(Opcode),
    /// `call` of the callee.
    Call,
}

use Op::*;
use Opcode as O;

/// What the x86-64 backend lowers today, with weights.
pub const BACKEND_OPS: &[(Op, u32)] = &[
    (IntBinary(O::Iadd), 6),
    (IntBinary(O::Isub), 4),
    (IntBinary(O::Imul), 4),
    (IntBinary(O::Umulhi), 1),
    (IntBinary(O::Smulhi), 1),
    (IntBinary(O::Band), 3),
    (IntBinary(O::Bor), 3),
    (IntBinary(O::Bxor), 3),
    (IntBinary(O::BandNot), 1),
    (IntBinary(O::BorNot), 1),
    (IntBinary(O::BxorNot), 1),
    (IntDiv(O::Udiv), 2),
    (IntDiv(O::Sdiv), 2),
    (IntDiv(O::Urem), 2),
    (IntDiv(O::Srem), 2),
    (Shift(O::Ishl), 2),
    (Shift(O::Ushr), 2),
    (Shift(O::Sshr), 2),
    (Shift(O::Rotl), 1),
    (Shift(O::Rotr), 1),
    (IntUnary(O::Ineg), 1),
    (IntUnary(O::Bnot), 1),
    (IntImm(O::IaddImm), 2),
    (IntImm(O::ImulImm), 1),
    (IntImm(O::BandImm), 1),
    (IntImm(O::BorImm), 1),
    (IntImm(O::BxorImm), 1),
    (IntImm(O::IrsubImm), 1),
    (IntImm(O::IshlImm), 1),
    (IntImm(O::UshrImm), 1),
    (IntImm(O::SshrImm), 1),
    (IntImm(O::RotlImm), 1),
    (IntImm(O::RotrImm), 1),
    (IntImm(O::UdivImm), 1),
    (IntImm(O::SdivImm), 1),
    (IntImm(O::UremImm), 1),
    (IntImm(O::SremImm), 1),
    (Icmp, 4),
    (IcmpImm, 2),
    (Select(O::Select), 3),
    (Select(O::SelectSpectreGuard), 1),
    (Extend(O::Uextend), 2),
    (Extend(O::Sextend), 2),
    (Ireduce, 2),
    (Iconst, 2),
    (StackStore, 2),
    (StackLoad, 2),
    (Store, 3),
    (Load, 3),
    (CondTrap(O::Trapz), 1),
    (CondTrap(O::Trapnz), 1),
    (Call, 3),
];

/// Scalar integer opcodes the interpreter runs but the x86-64 backend does not lower yet.
pub const OTHER_INT_OPS: &[(Op, u32)] = &[
    (IntUnary(O::Iabs), 1),
    (IntBinary(O::Smin), 1),
    (IntBinary(O::Umin), 1),
    (IntBinary(O::Smax), 1),
    (IntBinary(O::Umax), 1),
    (IntBinary(O::UaddSat), 1),
    (IntBinary(O::SaddSat), 1),
    (IntBinary(O::UsubSat), 1),
    (IntBinary(O::SsubSat), 1),
    (IntBinary(O::AvgRound), 1),
    (IntUnary(O::Bitrev), 1),
    (IntUnary(O::Clz), 1),
    (IntUnary(O::Cls), 1),
    (IntUnary(O::Ctz), 1),
    (IntUnary(O::Bswap), 1),
    (IntUnary(O::Popcnt), 1),
    (Bmask, 1),
    (Bitselect, 1),
    (Overflow(O::UaddOverflow), 1),
    (Overflow(O::SaddOverflow), 1),
    (Overflow(O::UsubOverflow), 1),
    (Overflow(O::SsubOverflow), 1),
    (Overflow(O::UmulOverflow), 1),
    (Overflow(O::SmulOverflow), 1),
    (OverflowCarry(O::UaddOverflowCin), 1),
    (OverflowCarry(O::SaddOverflowCin), 1),
    (OverflowCarry(O::UsubOverflowBin), 1),
    (OverflowCarry(O::SsubOverflowBin), 1),
    (AddTrap, 1),
];

/// Float opcodes (with `Config::floats`).
pub const FLOAT_OPS: &[(Op, u32)] = &[
    (FloatBinary(O::Fadd), 3),
    (FloatBinary(O::Fsub), 2),
    (FloatBinary(O::Fmul), 2),
    (FloatBinary(O::Fdiv), 2),
    (FloatBinary(O::Fcopysign), 1),
    (FloatBinary(O::Fmin), 1),
    (FloatBinary(O::Fmax), 1),
    (FloatUnary(O::Sqrt), 1),
    (FloatUnary(O::Fneg), 1),
    (FloatUnary(O::Fabs), 1),
    (FloatUnary(O::Ceil), 1),
    (FloatUnary(O::Floor), 1),
    (FloatUnary(O::Trunc), 1),
    (FloatUnary(O::Nearest), 1),
    (Fma, 1),
    (Fcmp, 2),
    (FloatConvert, 1),
    (FloatToInt(O::FcvtToUint), 1),
    (FloatToInt(O::FcvtToSint), 1),
    (FloatToInt(O::FcvtToUintSat), 1),
    (FloatToInt(O::FcvtToSintSat), 1),
    (IntToFloat(O::FcvtFromUint), 1),
    (IntToFloat(O::FcvtFromSint), 1),
    (Bitcast, 2),
];

/// Opcodes that make or split `i128` values (with `Config::i128`).
pub const I128_OPS: &[(Op, u32)] = &[(Isplit, 1), (Iconcat, 1)];

/// The weighted shapes one function draws from.
pub struct OpTable {
    ops: Vec<(Op, u32)>,
    total: u32,
}

impl OpTable {
    /// The table for a function under `cfg`; `any_opcode` adds the opcodes the backend does
    /// not lower (always on without `backend_subset`); `has_callee` allows calls.
    pub fn new(cfg: &Config, any_opcode: bool, has_callee: bool) -> Self {
        let mut ops: Vec<(Op, u32)> = BACKEND_OPS.iter().copied().filter(|&(op, _)| has_callee || op != Call).collect();
        if any_opcode {
            ops.extend_from_slice(OTHER_INT_OPS);
        }
        if cfg.floats {
            ops.extend_from_slice(FLOAT_OPS);
        }
        if cfg.i128 {
            ops.extend_from_slice(I128_OPS);
        }
        let total = ops.iter().map(|&(_, w)| w).sum();
        OpTable { ops, total }
    }

    /// A shape, by weight.
    pub fn pick(&self, u: &mut Unstructured<'_>) -> Result<Op> {
        let mut k = u.int_in_range(0..=self.total - 1)?;
        for &(op, w) in &self.ops {
            if k < w {
                return Ok(op);
            }
            k -= w;
        }
        Ok(self.ops[0].0)
    }
}

/// The integer type of the same width as float type `ty`.
fn int_of_width(ty: Type) -> Type {
    if ty == F32 { I32 } else { I64 }
}

impl FuncGen<'_, '_> {
    fn float_type(&mut self) -> Result<Type> {
        Ok(if self.u.ratio(1u8, 2)? { F32 } else { F64 })
    }

    fn any_type(&mut self) -> Result<Type> {
        Ok(*self.u.choose(&self.types)?)
    }

    /// An integer type of at most 64 bits.
    fn int64_type(&mut self) -> Result<Type> {
        Ok(*self.u.choose(&[I8, I16, I32, I64])?)
    }

    fn unary(&mut self, opcode: Opcode, arg: Value, ctrl: Type) -> Value {
        self.ins1(InstructionData::Unary { opcode, arg }, ctrl)
    }

    fn binary(&mut self, opcode: Opcode, x: Value, y: Value) -> Value {
        let ty = self.func.dfg.value_type(x);
        self.ins1(InstructionData::Binary { opcode, args: [x, y] }, ty)
    }

    fn imm(&mut self, opcode: Opcode, arg: Value, imm: i64) -> Value {
        let ty = self.func.dfg.value_type(arg);
        self.ins1(InstructionData::BinaryImm64 { opcode, arg, imm: imm.into() }, ty)
    }

    /// A divisor of type `ty`: three times in four forced odd (so non-zero), else as it is.
    fn divisor(&mut self, ty: Type) -> Result<Value> {
        let y = self.operand(ty)?;
        Ok(if self.u.ratio(3u8, 4)? { self.imm(O::BorImm, y, 1) } else { y })
    }

    /// Builds one instruction of shape `op` (plus any operands it needs).
    pub(super) fn gen_op(&mut self, op: Op) -> Result<()> {
        match op {
            IntBinary(opcode) => {
                let ty = self.int_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                self.binary(opcode, x, y);
            }
            IntDiv(opcode) => {
                let ty = self.int_type()?;
                let x = self.operand(ty)?;
                let y = self.divisor(ty)?;
                self.binary(opcode, x, y);
            }
            Shift(opcode) => {
                let ty = self.int_type()?;
                let x = self.operand(ty)?;
                let aty = self.int_type()?;
                let y = self.operand(aty)?;
                self.ins1(InstructionData::Binary { opcode, args: [x, y] }, ty);
            }
            IntUnary(opcode) => {
                let ty = self.int_type()?;
                let x = self.operand(ty)?;
                self.unary(opcode, x, ty);
            }
            IntImm(opcode) => {
                let ty = self.int_type()?;
                let x = self.operand(ty)?;
                let k = self.immediate(opcode, ty)?;
                self.imm(opcode, x, k);
            }
            Icmp => {
                let ty = self.int_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                let cond = *self.u.choose(IntCC::ALL)?;
                self.ins1(InstructionData::IntCompare { opcode: O::Icmp, cond, args: [x, y] }, ty);
            }
            IcmpImm => {
                let ty = self.int_type()?;
                let x = self.operand(ty)?;
                let cond = *self.u.choose(IntCC::ALL)?;
                let k = interesting_int(self.u, ty.bits().min(64))?;
                self.ins1(InstructionData::IntCompareImm { opcode: O::IcmpImm, cond, arg: x, imm: k.into() }, ty);
            }
            Select(opcode) => {
                let c = self.condition()?;
                let ty = self.any_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                self.ins1(InstructionData::Ternary { opcode, args: [c, x, y] }, ty);
            }
            Bitselect => {
                let ty = self.int_type()?;
                let (c, x, y) = (self.operand(ty)?, self.operand(ty)?, self.operand(ty)?);
                self.ins1(InstructionData::Ternary { opcode: O::Bitselect, args: [c, x, y] }, ty);
            }
            Extend(opcode) => {
                let (from, to) = self.widening_pair()?;
                let x = self.operand(from)?;
                self.unary(opcode, x, to);
            }
            Ireduce => {
                let (to, from) = self.widening_pair()?;
                let x = self.operand(from)?;
                self.unary(O::Ireduce, x, to);
            }
            Bmask => {
                let (from, to) = (self.int_type()?, self.int_type()?);
                let x = self.operand(from)?;
                self.unary(O::Bmask, x, to);
            }
            Overflow(opcode) => {
                let ty = self.int_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                let inst = self.ins(InstructionData::Binary { opcode, args: [x, y] }, ty);
                self.push_results(inst);
            }
            OverflowCarry(opcode) => {
                let ty = self.int_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                let c = self.operand(I8)?;
                let inst = self.ins(InstructionData::Ternary { opcode, args: [x, y, c] }, ty);
                self.push_results(inst);
            }
            AddTrap => {
                let ty = self.int64_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                let code = trap_code(self.u)?;
                self.ins1(InstructionData::IntAddTrap { opcode: O::UaddOverflowTrap, args: [x, y], code }, ty);
            }
            Iconst => {
                let ty = self.int64_type()?;
                self.constant(ty)?;
            }
            FloatBinary(opcode) => {
                let ty = self.float_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                self.binary(opcode, x, y);
            }
            FloatUnary(opcode) => {
                let ty = self.float_type()?;
                let x = self.operand(ty)?;
                self.unary(opcode, x, ty);
            }
            Fma => {
                let ty = self.float_type()?;
                let (x, y, z) = (self.operand(ty)?, self.operand(ty)?, self.operand(ty)?);
                self.ins1(InstructionData::Ternary { opcode: O::Fma, args: [x, y, z] }, ty);
            }
            Fcmp => {
                let ty = self.float_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                let cond = *self.u.choose(FloatCC::ALL)?;
                self.ins1(InstructionData::FloatCompare { opcode: O::Fcmp, cond, args: [x, y] }, ty);
            }
            FloatConvert => {
                if self.u.ratio(1u8, 2)? {
                    let x = self.operand(F32)?;
                    self.unary(O::Fpromote, x, F64);
                } else {
                    let x = self.operand(F64)?;
                    self.unary(O::Fdemote, x, F32);
                }
            }
            FloatToInt(opcode) => {
                let fty = self.float_type()?;
                let x = self.operand(fty)?;
                let ity = self.int_type()?;
                self.unary(opcode, x, ity);
            }
            IntToFloat(opcode) => {
                let ity = self.int_type()?;
                let x = self.operand(ity)?;
                let fty = self.float_type()?;
                self.unary(opcode, x, fty);
            }
            Bitcast => {
                let fty = self.float_type()?;
                let (from, to) =
                    if self.u.ratio(1u8, 2)? { (fty, int_of_width(fty)) } else { (int_of_width(fty), fty) };
                let x = self.operand(from)?;
                self.ins1(InstructionData::LoadNoOffset { opcode: O::Bitcast, flags: MemFlags::new(), arg: x }, to);
            }
            Isplit => {
                let ty = *self.u.choose(&[I16, I32, I64, I128])?;
                let x = self.operand(ty)?;
                let inst = self.ins(InstructionData::Unary { opcode: O::Isplit, arg: x }, ty);
                self.push_results(inst);
            }
            Iconcat => {
                let ty = self.int64_type()?;
                let (x, y) = (self.operand(ty)?, self.operand(ty)?);
                self.binary(O::Iconcat, x, y);
            }
            StackStore | StackLoad | Store | Load => self.memory(op)?,
            CondTrap(opcode) => {
                let c = self.condition()?;
                let code = trap_code(self.u)?;
                self.ins(InstructionData::CondTrap { opcode, arg: c, code }, INVALID);
            }
            Call => {
                let Some(callee) = &self.callee else { return Ok(()) };
                let (func_ref, params) = (callee.func_ref, callee.params.clone());
                let args = self.operands(&params)?;
                let args = self.func.dfg.value_list(&args);
                let inst = self.ins(InstructionData::Call { opcode: O::Call, func_ref, args }, INVALID);
                self.push_results(inst);
            }
        }
        Ok(())
    }

    /// A (narrower, wider) pair of integer types.
    fn widening_pair(&mut self) -> Result<(Type, Type)> {
        let tys: &[Type] = if self.cfg.i128 { &[I8, I16, I32, I64, I128] } else { &[I8, I16, I32, I64] };
        let a = self.u.choose_index(tys.len() - 1)?;
        let b = self.u.int_in_range(a + 1..=tys.len() - 1)?;
        Ok((tys[a], tys[b]))
    }

    /// The immediate of a `BinaryImm64` instruction: shift amounts mostly in range,
    /// `imul_imm` within 32 bits when only backend opcodes are wanted (the backend needs a
    /// sign-extended 32-bit immediate there), divisors non-zero (and not -1 for signed ones,
    /// so the immediate forms do not trap).
    fn immediate(&mut self, opcode: Opcode, ty: Type) -> Result<i64> {
        let bits = ty.bits().min(64);
        match opcode {
            O::IshlImm | O::UshrImm | O::SshrImm | O::RotlImm | O::RotrImm => {
                if self.u.ratio(7u8, 8)? {
                    Ok(i64::from(self.u.int_in_range(0..=ty.bits() - 1)?))
                } else {
                    interesting_int(self.u, 64)
                }
            }
            O::ImulImm if self.cfg.backend_subset => Ok(i64::from(interesting_int(self.u, 32)? as i32)),
            O::UdivImm | O::UremImm | O::SdivImm | O::SremImm => {
                let k = interesting_int(self.u, bits)?;
                let signed = matches!(opcode, O::SdivImm | O::SremImm);
                Ok(if k == 0 || (signed && k == -1) { 3 } else { k })
            }
            _ => interesting_int(self.u, bits),
        }
    }

    /// A stack access of shape `op` at an in-bounds offset of a random slot (nothing when
    /// the function has no slot).
    fn memory(&mut self, op: Op) -> Result<()> {
        if self.slots.is_empty() {
            return Ok(());
        }
        let which = self.u.choose_index(self.slots.len())?;
        let (slot, size, align_shift) = self.slots[which];
        // The value type (one that fits the slot), and the number of bytes accessed
        // (fewer for the extending and truncating forms).
        let mut ty = self.any_type()?;
        if ty.bytes() > size {
            ty = I64;
        }
        let (opcode, bytes) = self.memory_opcode(op, ty)?;
        let at = self.u.int_in_range(0..=size - bytes)?;
        match op {
            StackStore => {
                let x = self.operand(ty)?;
                self.ins(
                    InstructionData::StackStore { opcode, arg: x, stack_slot: slot, offset: (at as i32).into() },
                    ty,
                );
            }
            StackLoad => {
                self.ins1(InstructionData::StackLoad { opcode, stack_slot: slot, offset: (at as i32).into() }, ty);
            }
            _ => {
                // stack_addr(slot, base) [+ delta] with the access offset making up the rest.
                // Addresses never become operands of other instructions: the interpreter's
                // and the machine's stack addresses differ, so results computed from them
                // would too.
                let saved = self.vars.len();
                let base = self.u.int_in_range(0..=size as i32)?;
                let mut p = self.ins1(
                    InstructionData::StackLoad { opcode: O::StackAddr, stack_slot: slot, offset: base.into() },
                    I64,
                );
                let mut delta = 0i32;
                if self.u.ratio(1u8, 3)? {
                    delta = self.u.int_in_range(-16i32..=16)?;
                    p = if self.u.ratio(1u8, 2)? {
                        self.imm(O::IaddImm, p, i64::from(delta))
                    } else {
                        let k = self
                            .ins1(InstructionData::UnaryImm { opcode: O::Iconst, imm: i64::from(delta).into() }, I64);
                        self.binary(O::Iadd, p, k)
                    };
                }
                self.vars.truncate(saved);
                let offset = at as i32 - base - delta;
                let mut flags = self.mem_flags(align_shift, at, bytes)?;
                if let Some(class) = self.slot_classes[which]
                    && self.u.ratio(3u8, 4)?
                {
                    flags = flags.with_alias_class(Some(class));
                }
                if op == Store {
                    let x = self.operand(ty)?;
                    self.ins(InstructionData::Store { opcode, flags, args: [x, p], offset: offset.into() }, ty);
                } else {
                    self.ins1(InstructionData::Load { opcode, flags, arg: p, offset: offset.into() }, ty);
                }
            }
        }
        Ok(())
    }

    /// The opcode for a memory shape and value type, and the bytes it touches.
    fn memory_opcode(&mut self, op: Op, ty: Type) -> Result<(Opcode, u32)> {
        let full = ty.bytes();
        let narrow = ty.is_int() && ty.bits() > 8 && ty != I128 && self.u.ratio(1u8, 3)?;
        Ok(match op {
            StackStore => (O::StackStore, full),
            StackLoad => (O::StackLoad, full),
            Store if narrow => {
                let choices: &[(Opcode, u32)] = &[(O::Istore8, 1), (O::Istore16, 2), (O::Istore32, 4)];
                let fits: Vec<_> = choices.iter().copied().filter(|&(_, b)| b < full).collect();
                *self.u.choose(&fits)?
            }
            Store => (O::Store, full),
            Load if narrow => {
                let choices: &[(Opcode, u32)] = &[
                    (O::Uload8, 1),
                    (O::Sload8, 1),
                    (O::Uload16, 2),
                    (O::Sload16, 2),
                    (O::Uload32, 4),
                    (O::Sload32, 4),
                ];
                let fits: Vec<_> = choices.iter().copied().filter(|&(_, b)| b < full).collect();
                *self.u.choose(&fits)?
            }
            _ => (O::Load, full),
        })
    }

    /// Flags for an access of `bytes` at offset `at` of a slot aligned to `2^align_shift`:
    /// `aligned` only when it is true, `notrap` sometimes (every access here is in bounds).
    fn mem_flags(&mut self, align_shift: u8, at: u32, bytes: u32) -> Result<MemFlags> {
        let mut flags = MemFlags::new();
        if self.u.ratio(1u8, 3)? {
            flags = flags.with_notrap();
        }
        let slot_align = 1u32 << align_shift;
        if bytes.is_power_of_two() && slot_align >= bytes && at.is_multiple_of(bytes) && self.u.ratio(1u8, 2)? {
            flags = flags.with_aligned();
        }
        Ok(flags)
    }
}
