//! Floating point: constants (`fli` with Zfa), arithmetic, `fmin`/`fmax` with the IR's
//! NaN rule (NaN if either operand is NaN: `fminm`/`fmaxm` with Zfa, else `fmin`/`fmax`
//! with a NaN from `fadd` selected when an operand is unordered), rounding (`fround` with
//! Zfa; without it `legalize` turns it into library calls), conversions with their traps
//! and saturation (riscv64's `fcvt` saturates, but gives the largest value for NaN, where
//! the IR wants 0), comparisons as values, selects, and bit operations on floats (through
//! integer registers).

use super::RuleCtx;
use crate::ir::{FloatCC, Opcode, TrapCode, Type, types};
use crate::isa::riscv64::inst::Inst as MInst;
use crate::isa::riscv64::inst::args::{
    AluOp, BranchOp, CondBrKind, FpSize, FpuCmpOp, FpuOp1, FpuOp2, FpuOp3, Frm, IntWidth,
};
use crate::isa::riscv64::inst::imms::fli_index;
use crate::isa::riscv64::regs;
use crate::machinst::Reg;

fn fp_size(ty: Type) -> FpSize {
    if ty.bits() == 32 { FpSize::S } else { FpSize::D }
}

impl RuleCtx<'_, '_> {
    pub(super) fn fconst(&mut self, double: bool, bits: u64) -> Reg {
        let size = if double { FpSize::D } else { FpSize::S };
        let bits = if double { bits } else { bits & 0xffff_ffff };
        let rd = self.ftmp();
        if self.flags().has_zfa
            && let Some(index) = fli_index(bits, !double)
        {
            self.emit(MInst::Fli { size, rd, index });
            return rd;
        }
        let src = self.konst(bits);
        self.emit(MInst::FmvFromInt { size, rd, rs1: src });
        rd
    }

    fn fpu_rrr(&mut self, op: FpuOp2, ty: Type, rs1: Reg, rs2: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FpuRRR { op, size: fp_size(ty), frm: Frm::Dyn, rd, rs1, rs2 });
        rd
    }

    fn fpu_cmp(&mut self, op: FpuCmpOp, ty: Type, rs1: Reg, rs2: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::FpuCmp { op, size: fp_size(ty), rd, rs1, rs2 });
        rd
    }

    /// The float's register as 64 integer bits (a single stays NaN-boxed).
    fn bits_of_float(&mut self, x: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::FmvToInt { size: FpSize::D, rd, rs1: x });
        rd
    }

    fn float_of_bits(&mut self, x: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FmvFromInt { size: FpSize::D, rd, rs1: x });
        rd
    }

    /// 1 when neither `x` nor `y` is NaN.
    fn ordered(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
        let a = self.fpu_cmp(FpuCmpOp::Eq, ty, x, x);
        let b = self.fpu_cmp(FpuCmpOp::Eq, ty, y, y);
        self.alu(AluOp::And, a, b)
    }

    pub(super) fn float_select(&mut self, _ty: Type, c: Reg, x: Reg, y: Reg) -> Reg {
        let (xi, yi) = (self.bits_of_float(x), self.bits_of_float(y));
        let r = self.select_reg(c, xi, yi);
        self.float_of_bits(r)
    }

    pub(super) fn float_bitselect(&mut self, _ty: Type, c: Reg, x: Reg, y: Reg) -> Reg {
        let (ci, xi, yi) = (self.bits_of_float(c), self.bits_of_float(x), self.bits_of_float(y));
        let d = self.alu(AluOp::Xor, xi, yi);
        let m = self.alu(AluOp::And, d, ci);
        let r = self.alu(AluOp::Xor, yi, m);
        self.float_of_bits(r)
    }

    pub(super) fn fma(&mut self, ty: Type, x: Reg, y: Reg, z: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FpuRRRR { op: FpuOp3::Madd, size: fp_size(ty), frm: Frm::Dyn, rd, rs1: x, rs2: y, rs3: z });
        rd
    }

    pub(super) fn float_unary(&mut self, op: Opcode, ty: Type, from: Type, x: Reg) -> Reg {
        match op {
            Opcode::Fneg => return self.fpu_rrr(FpuOp2::Sgnjn, ty, x, x),
            Opcode::Fabs => return self.fpu_rrr(FpuOp2::Sgnjx, ty, x, x),
            Opcode::Sqrt | Opcode::Ceil | Opcode::Floor | Opcode::Trunc | Opcode::Nearest => {
                let (fop, frm) = match op {
                    Opcode::Sqrt => (FpuOp1::Sqrt, Frm::Dyn),
                    Opcode::Ceil => (FpuOp1::Round, Frm::Rup),
                    Opcode::Floor => (FpuOp1::Round, Frm::Rdn),
                    Opcode::Trunc => (FpuOp1::Round, Frm::Rtz),
                    _ => (FpuOp1::Round, Frm::Rne),
                };
                if fop == FpuOp1::Round && !self.flags().has_zfa {
                    self.unsupported(format!("`{op}` without Zfa on riscv64 (it is legalized into a call)"));
                    return x;
                }
                let rd = self.ftmp();
                self.emit(MInst::FpuRR { op: fop, size: fp_size(ty), frm, rd, rs1: x });
                return rd;
            }
            Opcode::Bnot if ty.is_float() => {
                let i = self.bits_of_float(x);
                let n = self.not(i);
                return self.float_of_bits(n);
            }
            Opcode::Fpromote | Opcode::Fdemote => {
                if from == ty {
                    return x;
                }
                let rd = self.ftmp();
                let frm = if op == Opcode::Fdemote { Frm::Dyn } else { Frm::Rne };
                self.emit(MInst::FpuCvt { from: fp_size(from), frm, rd, rs1: x });
                return rd;
            }
            Opcode::Bitcast => {
                if from.is_float() == ty.is_float() {
                    return x;
                }
                if ty.is_float() {
                    let rd = self.ftmp();
                    self.emit(MInst::FmvFromInt { size: fp_size(ty), rd, rs1: x });
                    return rd;
                }
                let rd = self.tmp();
                self.emit(MInst::FmvToInt { size: fp_size(from), rd, rs1: x });
                return rd;
            }
            Opcode::FcvtFromSint | Opcode::FcvtFromUint if from.is_int_scalar() && from.bits() <= 64 => {
                let signed = op == Opcode::FcvtFromSint;
                let e = self.ext_ty(signed, from, x);
                let rd = self.ftmp();
                let int = if signed { IntWidth::L } else { IntWidth::Lu };
                self.emit(MInst::IntToFpu { size: fp_size(ty), int, frm: Frm::Dyn, rd, rs1: e });
                return rd;
            }
            Opcode::FcvtToSint | Opcode::FcvtToUint | Opcode::FcvtToSintSat | Opcode::FcvtToUintSat
                if ty.is_int_scalar() && ty.bits() <= 64 =>
            {
                return self.fcvt_to_int(op, ty, from, x);
            }
            _ => {}
        }
        self.unsupported(format!("`{op}` from `{from}` to `{ty}` on riscv64"));
        x
    }

    fn fcvt_to_int(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        let signed = matches!(op, Opcode::FcvtToSint | Opcode::FcvtToSintSat);
        let sat = matches!(op, Opcode::FcvtToSintSat | Opcode::FcvtToUintSat);
        if !sat {
            self.fcvt_checks(signed, to, from, x);
        }
        let bits = to.bits();
        let int = match (signed, bits) {
            (true, 32) => IntWidth::W,
            (false, 32) => IntWidth::Wu,
            (true, _) => IntWidth::L,
            (false, _) => IntWidth::Lu,
        };
        let rd = self.tmp();
        self.emit(MInst::FpuToInt { size: fp_size(from), int, frm: Frm::Rtz, rd, rs1: x });
        if !sat {
            return rd;
        }
        let mut r = rd;
        if bits < 32 {
            let (lo, hi) =
                if signed { (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1) } else { (0, (1i64 << bits) - 1) };
            let hi_r = self.konst(hi as u64);
            let m = self.alu(if signed { AluOp::Slt } else { AluOp::Sltu }, hi_r, r);
            r = self.select_reg(m, hi_r, r);
            if signed {
                let lo_r = self.konst(lo as u64);
                let m = self.alu(AluOp::Slt, r, lo_r);
                r = self.select_reg(m, lo_r, r);
            }
        }
        // NaN converts to 0.
        let ord = self.fpu_cmp(FpuCmpOp::Eq, from, x, x);
        let mask = self.neg(ord);
        self.alu(AluOp::And, r, mask)
    }

    /// The traps of a float-to-integer conversion to `to`: NaN, then the bounds. The
    /// valid range is `(lo, hi)` exclusive, with `lo` = MIN - 1 (or -1 unsigned) when the
    /// float type holds it exactly, else `[MIN, hi)`.
    fn fcvt_checks(&mut self, signed: bool, to: Type, from: Type, x: Reg) {
        let ord = self.fpu_cmp(FpuCmpOp::Eq, from, x, x);
        self.trap_if(CondBrKind { op: BranchOp::Beq, rs1: ord, rs2: regs::zero() }, TrapCode::BadConversionToInteger);
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
        // In range below: lo <= x (inclusive bound) or lo < x.
        let ok_lo = self.fpu_cmp(if lo_inclusive { FpuCmpOp::Le } else { FpuCmpOp::Lt }, from, lo_r, x);
        self.trap_if(CondBrKind { op: BranchOp::Beq, rs1: ok_lo, rs2: regs::zero() }, TrapCode::IntegerOverflow);
        let hi_r = konst(self, hi);
        let ok_hi = self.fpu_cmp(FpuCmpOp::Lt, from, x, hi_r);
        self.trap_if(CondBrKind { op: BranchOp::Beq, rs1: ok_hi, rs2: regs::zero() }, TrapCode::IntegerOverflow);
    }

    pub(super) fn float_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let fop = match op {
            Opcode::Fadd => FpuOp2::Add,
            Opcode::Fsub => FpuOp2::Sub,
            Opcode::Fmul => FpuOp2::Mul,
            Opcode::Fdiv => FpuOp2::Div,
            Opcode::Fcopysign => FpuOp2::Sgnj,
            Opcode::Fmin | Opcode::Fmax => {
                let min = op == Opcode::Fmin;
                if self.flags().has_zfa {
                    return self.fpu_rrr(if min { FpuOp2::Minm } else { FpuOp2::Maxm }, ty, x, y);
                }
                let r = self.fpu_rrr(if min { FpuOp2::Min } else { FpuOp2::Max }, ty, x, y);
                let nan = self.fpu_rrr(FpuOp2::Add, ty, x, y);
                let ord = self.ordered(ty, x, y);
                return self.float_select(ty, ord, r, nan);
            }
            Opcode::Band | Opcode::Bor | Opcode::Bxor | Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => {
                let (xi, yi) = (self.bits_of_float(x), self.bits_of_float(y));
                let r = self.int_binary(op, types::I64, xi, yi);
                return self.float_of_bits(r);
            }
            _ => {
                self.unsupported(format!("`{op}` on `{ty}` on riscv64"));
                return x;
            }
        };
        self.fpu_rrr(fop, ty, x, y)
    }

    /// The float comparison as a value, 0 or 1.
    pub(super) fn fcmp(&mut self, cc: FloatCC, ty: Type, x: Reg, y: Reg) -> Reg {
        let inv = |ctx: &mut Self, r: Reg| ctx.alu_imm(crate::isa::riscv64::inst::args::ImmOp::Xori, r, 1);
        match cc {
            FloatCC::Equal => self.fpu_cmp(FpuCmpOp::Eq, ty, x, y),
            FloatCC::NotEqual => {
                let r = self.fpu_cmp(FpuCmpOp::Eq, ty, x, y);
                inv(self, r)
            }
            FloatCC::LessThan => self.fpu_cmp(FpuCmpOp::Lt, ty, x, y),
            FloatCC::LessThanOrEqual => self.fpu_cmp(FpuCmpOp::Le, ty, x, y),
            FloatCC::GreaterThan => self.fpu_cmp(FpuCmpOp::Lt, ty, y, x),
            FloatCC::GreaterThanOrEqual => self.fpu_cmp(FpuCmpOp::Le, ty, y, x),
            FloatCC::Ordered => self.ordered(ty, x, y),
            FloatCC::Unordered => {
                let r = self.ordered(ty, x, y);
                inv(self, r)
            }
            FloatCC::OrderedNotEqual | FloatCC::UnorderedOrEqual => {
                let a = self.fpu_cmp(FpuCmpOp::Lt, ty, x, y);
                let b = self.fpu_cmp(FpuCmpOp::Lt, ty, y, x);
                let r = self.alu(AluOp::Or, a, b);
                if cc == FloatCC::OrderedNotEqual { r } else { inv(self, r) }
            }
            FloatCC::UnorderedOrLessThan => {
                let r = self.fpu_cmp(FpuCmpOp::Le, ty, y, x);
                inv(self, r)
            }
            FloatCC::UnorderedOrLessThanOrEqual => {
                let r = self.fpu_cmp(FpuCmpOp::Lt, ty, y, x);
                inv(self, r)
            }
            FloatCC::UnorderedOrGreaterThan => {
                let r = self.fpu_cmp(FpuCmpOp::Le, ty, x, y);
                inv(self, r)
            }
            FloatCC::UnorderedOrGreaterThanOrEqual => {
                let r = self.fpu_cmp(FpuCmpOp::Lt, ty, x, y);
                inv(self, r)
            }
        }
    }
}
