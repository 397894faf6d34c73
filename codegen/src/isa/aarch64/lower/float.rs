//! Floating point: constants, arithmetic, `fmin`/`fmax` (aarch64's `fmin`/`fmax` are the
//! IR's: NaN if either operand is NaN, -0 below +0), conversions with their traps and
//! saturation, comparisons and selects, and bit operations on floats (through integer
//! registers).

use super::{RuleCtx, size_of};
use crate::ir::{FloatCC, Opcode, TrapCode, Type, types};
use crate::isa::aarch64::inst::Inst as MInst;
use crate::isa::aarch64::inst::args::{
    AluOp, CSelOp, Cond, CondBrKind, FpSize, FpToIntOp, FpuOp1, FpuOp2, FpuOp3, IntToFpOp, LoadOp, OperandSize,
};
use crate::isa::aarch64::inst::imms::FpImm8;
use crate::isa::aarch64::regs;
use crate::machinst::Reg;

fn fp_size(ty: Type) -> FpSize {
    if ty.bits() == 32 { FpSize::S32 } else { FpSize::S64 }
}

impl RuleCtx<'_, '_> {
    pub(super) fn fconst(&mut self, double: bool, bits: u64) -> Reg {
        let size = if double { FpSize::S64 } else { FpSize::S32 };
        let rd = self.ftmp();
        if bits == 0 {
            let isize = if double { OperandSize::S64 } else { OperandSize::S32 };
            self.emit(MInst::MovToFpu { size: isize, rd, rn: regs::zr() });
        } else if let Some(imm) = FpImm8::maybe_from_bits(bits, size) {
            self.emit(MInst::FpuMoveImm { size, rd, imm });
        } else {
            let op = if double { LoadOp::LdrD } else { LoadOp::LdrS };
            self.emit(MInst::LoadConst { op, rt: rd, bits: bits as u128 });
        }
        rd
    }

    fn fpu_rr(&mut self, op: FpuOp1, size: FpSize, rn: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FpuRR { op, size, rd, rn });
        rd
    }

    fn fpu_rrr(&mut self, op: FpuOp2, size: FpSize, rn: Reg, rm: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FpuRRR { op, size, rd, rn, rm });
        rd
    }

    fn int_bits(&mut self, ty: Type, x: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::MovFromFpu { size: size_of(ty), rd, rn: x });
        rd
    }

    fn float_bits(&mut self, ty: Type, x: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::MovToFpu { size: size_of(ty), rd, rn: x });
        rd
    }

    pub(super) fn float_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let size = fp_size(ty);
        let fop = match op {
            _ if let Some(fop) = fpu_op1(op) => fop,
            Opcode::Bnot => {
                let i = self.int_bits(ty, x);
                let n = self.alu(size_of(ty), AluOp::Orn, regs::zr(), i);
                return self.float_bits(ty, n);
            }
            _ => {
                self.unsupported(format!("`{op}` on aarch64"));
                return x;
            }
        };
        self.fpu_rr(fop, size, x)
    }

    pub(super) fn float_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let size = fp_size(ty);
        let fop = match op {
            _ if let Some(fop) = fpu_op2(op) => fop,
            Opcode::Fcopysign => {
                // The sign bit of y with the other bits of x (`bfxil`).
                let (xi, yi) = (self.int_bits(ty, x), self.int_bits(ty, y));
                let rd = self.tmp();
                let top = ty.bits() as u8 - 2;
                self.emit(MInst::Bfm { size: size_of(ty), rd, ri: yi, rn: xi, immr: 0, imms: top });
                return self.float_bits(ty, rd);
            }
            Opcode::Band | Opcode::Bor | Opcode::Bxor | Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => {
                let aop = match op {
                    Opcode::Band => AluOp::And,
                    Opcode::Bor => AluOp::Orr,
                    Opcode::Bxor => AluOp::Eor,
                    Opcode::BandNot => AluOp::Bic,
                    Opcode::BorNot => AluOp::Orn,
                    _ => AluOp::Eon,
                };
                let (xi, yi) = (self.int_bits(ty, x), self.int_bits(ty, y));
                let r = self.alu(size_of(ty), aop, xi, yi);
                return self.float_bits(ty, r);
            }
            _ => {
                self.unsupported(format!("`{op}` on aarch64"));
                return x;
            }
        };
        self.fpu_rrr(fop, size, x, y)
    }

    /// `x * y + z`, or `-x * y + z` (`fmsub`) when `neg`.
    pub(super) fn fma(&mut self, ty: Type, neg: bool, x: Reg, y: Reg, z: Reg) -> Reg {
        let rd = self.ftmp();
        let op = if neg { FpuOp3::Msub } else { FpuOp3::Madd };
        self.emit(MInst::FpuRRRR { op, size: fp_size(ty), rd, rn: x, rm: y, ra: z });
        rd
    }

    /// The flags of `fcmp x, y` and the condition that means `cc`. `one` and `ueq` need
    /// two conditions: they are computed into a register and tested.
    pub(super) fn fcmp_impl(&mut self, ty: Type, cc: FloatCC, x: Reg, y: Reg) -> Cond {
        self.emit(MInst::FpuCmp { size: fp_size(ty), rn: x, rm: Some(y) });
        match float_cond(cc) {
            Some(cond) => cond,
            None => {
                // less (mi) or greater (gt): `cset t, gt; csinc t, t, zr, pl`.
                let gt = self.cset(Cond::Gt);
                let one = self.csel(CSelOp::Csinc, OperandSize::S32, gt, regs::zr(), Cond::Pl);
                self.cmp_imm_flags(OperandSize::S32, one, 0);
                if cc == FloatCC::OrderedNotEqual { Cond::Ne } else { Cond::Eq }
            }
        }
    }

    pub(super) fn fsel(&mut self, ty: Type, cond: Cond, x: Reg, y: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FpuCSel { size: fp_size(ty), rd, rn: x, rm: y, cond });
        rd
    }

    pub(super) fn bitcast(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        match (to.is_float(), from.is_float()) {
            (true, false) => self.float_bits(to, x),
            (false, true) => self.int_bits(from, x),
            _ => x,
        }
    }

    /// Conversions. To an integer: `fcvtzs`/`fcvtzu` saturate and give 0 for NaN, which
    /// is the `_sat` semantics at 32 and 64 bits (narrower results are clamped after); the
    /// trapping forms first trap `bad_toint` on NaN and `int_ovf` outside the range.
    pub(super) fn fcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        match op {
            Opcode::Fpromote | Opcode::Fdemote => {
                if from == to {
                    return x;
                }
                let rd = self.ftmp();
                self.emit(MInst::FpuCvt { from: fp_size(from), rd, rn: x });
                rd
            }
            Opcode::FcvtFromSint | Opcode::FcvtFromUint => {
                let signed = op == Opcode::FcvtFromSint;
                self.check_int(from);
                let x = self.ext_reg(signed, from, x);
                let rd = self.ftmp();
                let op = if signed { IntToFpOp::Scvtf } else { IntToFpOp::Ucvtf };
                self.emit(MInst::IntToFpu { op, int_size: size_of(from), fp_size: fp_size(to), rd, rn: x });
                rd
            }
            Opcode::FcvtToSint | Opcode::FcvtToUint | Opcode::FcvtToSintSat | Opcode::FcvtToUintSat => {
                let signed = matches!(op, Opcode::FcvtToSint | Opcode::FcvtToSintSat);
                let sat = matches!(op, Opcode::FcvtToSintSat | Opcode::FcvtToUintSat);
                if !sat {
                    self.fcvt_checks(signed, to, from, x);
                }
                let size = size_of(to);
                let rd = self.tmp();
                let cop = if signed { FpToIntOp::Fcvtzs } else { FpToIntOp::Fcvtzu };
                self.emit(MInst::FpuToInt { op: cop, int_size: size, fp_size: fp_size(from), rd, rn: x });
                if !sat || to.bits() >= 32 {
                    return rd;
                }
                // Clamp the 32-bit result to the narrow range.
                let bits = to.bits();
                let (lo, hi) =
                    if signed { (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1) } else { (0, (1i64 << bits) - 1) };
                let hi_r = self.constant(hi as u64, size);
                self.emit(MInst::AluRRR { op: AluOp::Subs, size, rd: regs::zr(), rn: rd, rm: hi_r });
                let (gt, lt) = if signed { (Cond::Gt, Cond::Lt) } else { (Cond::Hi, Cond::Lo) };
                let r = self.csel(CSelOp::Csel, size, hi_r, rd, gt);
                if !signed {
                    return r;
                }
                let lo_r = self.constant(lo as u64, size);
                self.emit(MInst::AluRRR { op: AluOp::Subs, size, rd: regs::zr(), rn: r, rm: lo_r });
                self.csel(CSelOp::Csel, size, lo_r, r, lt)
            }
            _ => {
                self.unsupported(format!("`{op}` on aarch64"));
                x
            }
        }
    }

    /// The traps of a float-to-integer conversion to `to`: NaN, then the bounds. The
    /// valid range is `(lo, hi)` exclusive, with `lo` = MIN - 1 (or -1 unsigned) when the
    /// float type can hold it exactly, else `[MIN, hi)`.
    fn fcvt_checks(&mut self, signed: bool, to: Type, from: Type, x: Reg) {
        let size = fp_size(from);
        self.emit(MInst::FpuCmp { size, rn: x, rm: Some(x) });
        self.emit(MInst::TrapIf { kind: CondBrKind::Cond(Cond::Vs), code: TrapCode::BadConversionToInteger });
        let bits = to.bits() as i32;
        let (lo, lo_inclusive) = if signed {
            let min = -(2f64.powi(bits - 1));
            let mantissa = if from == types::F32 { 24 } else { 53 };
            if bits - 1 < mantissa { (min - 1.0, false) } else { (min, true) }
        } else {
            (-1.0, false)
        };
        let hi = if signed { 2f64.powi(bits - 1) } else { 2f64.powi(bits) };
        let konst = |ctx: &mut Self, v: f64| {
            if from == types::F32 {
                ctx.fconst(false, (v as f32).to_bits() as u64)
            } else {
                ctx.fconst(true, v.to_bits())
            }
        };
        let lo_r = konst(self, lo);
        self.emit(MInst::FpuCmp { size, rn: x, rm: Some(lo_r) });
        // Fails when x < lo (inclusive bound) or x <= lo.
        let fail = if lo_inclusive { Cond::Mi } else { Cond::Ls };
        self.emit(MInst::TrapIf { kind: CondBrKind::Cond(fail), code: TrapCode::IntegerOverflow });
        let hi_r = konst(self, hi);
        self.emit(MInst::FpuCmp { size, rn: x, rm: Some(hi_r) });
        self.emit(MInst::TrapIf { kind: CondBrKind::Cond(Cond::Ge), code: TrapCode::IntegerOverflow });
    }
}

/// The one condition that means `cc` after `fcmp x, y`; `None` for `one` and `ueq`, which
/// need two (less or greater). Shared with the baseline tier.
pub(crate) fn float_cond(cc: FloatCC) -> Option<Cond> {
    Some(match cc {
        FloatCC::Equal => Cond::Eq,
        FloatCC::NotEqual => Cond::Ne,
        FloatCC::LessThan => Cond::Mi,
        FloatCC::LessThanOrEqual => Cond::Ls,
        FloatCC::GreaterThan => Cond::Gt,
        FloatCC::GreaterThanOrEqual => Cond::Ge,
        FloatCC::Ordered => Cond::Vc,
        FloatCC::Unordered => Cond::Vs,
        FloatCC::UnorderedOrLessThan => Cond::Lt,
        FloatCC::UnorderedOrLessThanOrEqual => Cond::Le,
        FloatCC::UnorderedOrGreaterThan => Cond::Hi,
        FloatCC::UnorderedOrGreaterThanOrEqual => Cond::Pl,
        FloatCC::OrderedNotEqual | FloatCC::UnorderedOrEqual => return None,
    })
}

/// The two-operand float instruction of `op` (`fadd`, `fsub`, `fmul`, `fdiv`, `fmin`,
/// `fmax`). Shared with the baseline tier.
pub(crate) fn fpu_op2(op: Opcode) -> Option<FpuOp2> {
    Some(match op {
        Opcode::Fadd => FpuOp2::Add,
        Opcode::Fsub => FpuOp2::Sub,
        Opcode::Fmul => FpuOp2::Mul,
        Opcode::Fdiv => FpuOp2::Div,
        Opcode::Fmin => FpuOp2::Min,
        Opcode::Fmax => FpuOp2::Max,
        _ => return None,
    })
}

/// The one-instruction float operation of `op` (`sqrt`, `fneg`, `fabs` and the roundings).
/// Shared with the baseline tier.
pub(crate) fn fpu_op1(op: Opcode) -> Option<FpuOp1> {
    Some(match op {
        Opcode::Sqrt => FpuOp1::Sqrt,
        Opcode::Fneg => FpuOp1::Neg,
        Opcode::Fabs => FpuOp1::Abs,
        Opcode::Ceil => FpuOp1::RintP,
        Opcode::Floor => FpuOp1::RintM,
        Opcode::Trunc => FpuOp1::RintZ,
        Opcode::Nearest => FpuOp1::RintN,
        _ => return None,
    })
}
