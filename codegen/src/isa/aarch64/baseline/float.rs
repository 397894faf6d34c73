//! The baseline tier's scalar `f32`/`f64` instructions on aarch64.
//!
//! Float values are write-through (stored to their home when computed) and cached in
//! v16-v31 (`Emitter::fcache`): an operand comes from its cache register or is loaded
//! into one; the result is computed into a fresh one, stored, and recorded there. A value
//! is defined once, so an entry never goes stale; the cache is forgotten at block starts,
//! calls, branches and returns. v0 and v1 are scratch (bounds of checked conversions,
//! `popcnt`). A home holds the value's bits in its low 4 or 8 bytes, the bits an integer
//! register would hold, so moves that only carry bits (loads, stores, `select`, block
//! arguments, `bitcast`, constants, `fcopysign`) go through the integer paths of
//! `ops.rs` unchanged.

use super::ops::{cset, extend};
use super::{Emitter, FLOAT_POOL, cached, size_of, x16, x17};
use crate::baseline::not_covered;
use crate::ir::{FloatCC, Inst as IrInst, InstructionData, Opcode, TrapCode, Type, Value, types};
use crate::isa::aarch64::inst::Inst;
use crate::isa::aarch64::inst::args::{
    AluOp, CSelOp, Cond, CondBrKind, FpSize, FpToIntOp, FpuOp3, IntToFpOp, OperandSize,
};
use crate::isa::aarch64::inst::imms::ImmLogic;
use crate::isa::aarch64::lower::{float_cond, fpu_op1, fpu_op2};
use crate::isa::aarch64::regs;
use crate::machinst::Reg;
use crate::result::CodegenError;

/// The register of float cache index `r`.
fn freg(r: usize) -> Reg {
    regs::vreg(FLOAT_POOL[r])
}

fn fp_size(ty: Type) -> FpSize {
    if ty == types::F64 { FpSize::S64 } else { FpSize::S32 }
}

impl Emitter<'_> {
    /// The float instructions, or `None` when `data` is not one of them.
    pub(super) fn float_inst(&mut self, inst: IrInst, data: InstructionData) -> Option<Result<(), CodegenError>> {
        let dfg = &self.func.dfg;
        let res = dfg.inst_results(inst).first().copied();
        let is_float = |v: Value| dfg.value_type(v).is_float();
        Some(match data {
            InstructionData::Binary { opcode: Opcode::Fcopysign, args: [a, b] } => self.copysign(a, b, res?),
            InstructionData::Binary { opcode, args: [a, b] } if is_float(a) => {
                // Bitwise operations work on the bits, in integer registers.
                let op = fpu_op2(opcode)?;
                let size = fp_size(dfg.value_type(a));
                self.float_op(res?, &[a, b], |rd, r| Inst::FpuRRR { op, size, rd, rn: r[0], rm: r[1] })
            }
            InstructionData::Ternary { opcode: Opcode::Fma, args } => {
                let size = fp_size(dfg.value_type(args[0]));
                self.float_op(res?, &args, |rd, r| Inst::FpuRRRR {
                    op: FpuOp3::Madd,
                    size,
                    rd,
                    rn: r[0],
                    rm: r[1],
                    ra: r[2],
                })
            }
            InstructionData::Unary { opcode, arg } if is_float(arg) => {
                let size = fp_size(dfg.value_type(arg));
                let op = match opcode {
                    _ if let Some(op) = fpu_op1(opcode) => op,
                    Opcode::Fpromote | Opcode::Fdemote => {
                        return Some(self.float_op(res?, &[arg], |rd, r| Inst::FpuCvt { from: size, rd, rn: r[0] }));
                    }
                    Opcode::FcvtToSint | Opcode::FcvtToUint | Opcode::FcvtToSintSat | Opcode::FcvtToUintSat => {
                        return Some(self.float_to_int(opcode, arg, res?));
                    }
                    // `bnot` works on the bits, in integer registers.
                    Opcode::Bnot => return None,
                    _ => return Some(Err(not_covered(format_args!("`{opcode}` on floats")))),
                };
                self.float_op(res?, &[arg], |rd, r| Inst::FpuRR { op, size, rd, rn: r[0] })
            }
            InstructionData::Unary { opcode: opcode @ (Opcode::FcvtFromSint | Opcode::FcvtFromUint), arg } => {
                self.int_to_float(opcode == Opcode::FcvtFromSint, arg, res?)
            }
            InstructionData::FloatCompare { cond, args: [a, b], .. } => self.fcmp(cond, a, b, res?),
            _ => return None,
        })
    }

    /// The float cache register holding `v`, for reading (loaded from its home if
    /// needed), pinned.
    fn use_float(&mut self, v: Value) -> Result<usize, CodegenError> {
        let v = self.resolve(v);
        let n = crate::entity::EntityRef::index(v) as u32;
        if let Some(r) = self.fcache.lookup(n) {
            self.fcache.pin(r);
            return Ok(r);
        }
        let (r, _) = self.fcache.pick().ok_or_else(|| not_covered("an instruction needing more than 16 floats"))?;
        self.load_home(v, freg(r));
        self.fcache.assign(r, n);
        Ok(r)
    }

    /// `res = op(args)` where `make(rd, operand registers)` is the instruction; the
    /// result is stored to its home and cached.
    fn float_op(
        &mut self,
        res: Value,
        args: &[Value],
        make: impl FnOnce(Reg, &[Reg]) -> Inst,
    ) -> Result<(), CodegenError> {
        let mut regs = [freg(0); 3];
        for (k, &a) in args.iter().enumerate() {
            regs[k] = freg(self.use_float(a)?);
        }
        let (r, _) = self.fcache.pick().ok_or_else(|| not_covered("an instruction needing more than 16 floats"))?;
        self.put(make(freg(r), &regs[..args.len()]));
        self.store_home(res, freg(r));
        self.fcache.assign(r, crate::entity::EntityRef::index(res) as u32);
        Ok(())
    }

    /// The sign of `b` with the other bits of `a`, in integer registers.
    fn copysign(&mut self, a: Value, b: Value, res: Value) -> Result<(), CodegenError> {
        let ty = self.func.dfg.value_type(a);
        let size = size_of(ty);
        let sign = 1u64 << (ty.bits() - 1);
        let x = self.use_value(a)?;
        let y = self.use_value(b)?;
        let r = self.fresh()?;
        let rd = cached(r);
        let mask = |bits| ImmLogic::maybe_from_u64(bits, size).expect("a sign mask is a bitmask immediate");
        let (sign_imm, rest_imm) = (mask(sign), mask(!sign & (sign | (sign - 1))));
        self.put(Inst::AluRRImmLogic { op: AluOp::And, size, rd: x17(), rn: cached(y), imm: sign_imm });
        self.put(Inst::AluRRImmLogic { op: AluOp::And, size, rd, rn: cached(x), imm: rest_imm });
        self.put(Inst::AluRRR { op: AluOp::Orr, size, rd, rn: rd, rm: x17() });
        self.define(res, r);
        Ok(())
    }

    /// `fcmp` and the 0 or 1 of `cond` (two conditions for `one` and `ueq`).
    fn fcmp(&mut self, cond: FloatCC, a: Value, b: Value, res: Value) -> Result<(), CodegenError> {
        let size = fp_size(self.func.dfg.value_type(a));
        let x = self.use_float(a)?;
        let y = self.use_float(b)?;
        self.put(Inst::FpuCmp { size, rn: freg(x), rm: Some(freg(y)) });
        let r = self.fresh()?;
        let rd = cached(r);
        match float_cond(cond) {
            Some(c) => self.put(cset(rd, c)),
            None => {
                // Less (mi) or greater (gt); `ueq` is the opposite.
                self.put(cset(rd, Cond::Gt));
                let zr = regs::zr();
                self.put(Inst::CSel { op: CSelOp::Csinc, size: OperandSize::S32, rd, rn: rd, rm: zr, cond: Cond::Pl });
                if cond == FloatCC::UnorderedOrEqual {
                    let one = ImmLogic::maybe_from_u64(1, OperandSize::S32).expect("1 is a bitmask");
                    self.put(Inst::AluRRImmLogic { op: AluOp::Eor, size: OperandSize::S32, rd, rn: rd, imm: one });
                }
            }
        }
        self.define(res, r);
        Ok(())
    }

    /// `fcvt_to_{s,u}int{,_sat}`: `fcvtzs`/`fcvtzu` saturate (at 32 or 64 bits) and give 0
    /// for NaN, which is the `_sat` semantics (narrow results are then clamped to their
    /// type's range); the trapping forms first trap `bad_toint` on NaN and `int_ovf`
    /// outside the values whose truncation fits.
    fn float_to_int(&mut self, opcode: Opcode, arg: Value, res: Value) -> Result<(), CodegenError> {
        let dfg = &self.func.dfg;
        let (fty, ity) = (dfg.value_type(arg), dfg.value_type(res));
        let bits = ity.bits();
        let signed = matches!(opcode, Opcode::FcvtToSint | Opcode::FcvtToSintSat);
        let fsize = fp_size(fty);
        let x = freg(self.use_float(arg)?);
        if matches!(opcode, Opcode::FcvtToSint | Opcode::FcvtToUint) {
            self.put(Inst::FpuCmp { size: fsize, rn: x, rm: Some(x) });
            self.put(Inst::TrapIf { kind: CondBrKind::Cond(Cond::Vs), code: TrapCode::BadConversionToInteger });
            // The lower bound: the first value below the range whose truncation leaves it
            // (-2^(n-1) - 1 or -1), excluded, when the float type holds it exactly, else
            // the range's own bottom (-2^(n-1)), included.
            let top = 2f64.powi(if signed { bits as i32 - 1 } else { bits as i32 });
            let mantissa = if fty == types::F64 { 53 } else { 24 };
            let (low, strict) = match signed {
                false => (-1.0, true),
                true if bits as i32 <= mantissa => (-top - 1.0, true),
                true => (-top, false),
            };
            let below = if strict { Cond::Ls } else { Cond::Mi };
            for (bound, trap_when) in [(low, below), (top, Cond::Ge)] {
                let bits = if fty == types::F64 { bound.to_bits() } else { u64::from((bound as f32).to_bits()) };
                let v0 = regs::vreg(0);
                self.put_all(Inst::load_constant(x17(), bits, OperandSize::S64));
                self.put(Inst::MovToFpu { size: OperandSize::S64, rd: v0, rn: x17() });
                self.put(Inst::FpuCmp { size: fsize, rn: x, rm: Some(v0) });
                self.put(Inst::TrapIf { kind: CondBrKind::Cond(trap_when), code: TrapCode::IntegerOverflow });
            }
        }
        let r = self.fresh()?;
        let rd = cached(r);
        let op = if signed { FpToIntOp::Fcvtzs } else { FpToIntOp::Fcvtzu };
        self.put(Inst::FpuToInt { op, int_size: size_of(ity), fp_size: fsize, rd, rn: x });
        if bits < 32 && matches!(opcode, Opcode::FcvtToSintSat | Opcode::FcvtToUintSat) {
            let s32 = OperandSize::S32;
            let clamps: &[(i64, Cond)] = match signed {
                true => &[((1 << (bits - 1)) - 1, Cond::Gt), (-(1 << (bits - 1)), Cond::Lt)],
                false => &[((1 << bits) - 1, Cond::Hi)],
            };
            for &(limit, beyond) in clamps {
                self.put_all(Inst::load_constant(x17(), limit as u64, s32));
                self.put(Inst::AluRRR { op: AluOp::Subs, size: s32, rd: regs::zr(), rn: rd, rm: x17() });
                self.put(Inst::CSel { op: CSelOp::Csel, size: s32, rd, rn: x17(), rm: rd, cond: beyond });
            }
        }
        self.define(res, r);
        Ok(())
    }

    /// `fcvt_from_{s,u}int`: narrow integers are extended to 32 bits first.
    fn int_to_float(&mut self, signed: bool, arg: Value, res: Value) -> Result<(), CodegenError> {
        let dfg = &self.func.dfg;
        let (ity, fty) = (dfg.value_type(arg), dfg.value_type(res));
        let x = self.use_value(arg)?;
        let rn = if ity.bits() < 32 {
            self.put(extend(signed, ity.bits(), x16(), cached(x)));
            x16()
        } else {
            cached(x)
        };
        let op = if signed { IntToFpOp::Scvtf } else { IntToFpOp::Ucvtf };
        let int_size = size_of(ity);
        self.float_op(res, &[], |rd, _| Inst::IntToFpu { op, int_size, fp_size: fp_size(fty), rd, rn })
    }
}
