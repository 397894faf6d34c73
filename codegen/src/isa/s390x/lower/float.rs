//! Floating point on s390x: arithmetic, `fmin`/`fmax` with the IR's NaN and signed-zero
//! rules, roundings (`fidbra` with a rounding mode), conversions with their traps and
//! saturation, comparisons, and the operations on a float's bits (through general
//! registers: `lgdr`/`ldgr`; an `f32` is the high half of its register).

use super::{RuleCtx, cc};
use crate::ir::{FloatCC, Opcode, TrapCode, Type, types};
use crate::isa::s390x::inst::Inst as MInst;
use crate::isa::s390x::inst::args::{
    AluRRROp, CmpOp, Cond, CondBrKind, ConvOp, FpuCmpOp, FpuFmaOp, FpuRROp, FpuUnaryOp, LoadOp, ShiftOp, round,
};
use crate::machinst::Reg;

fn is_double(ty: Type) -> bool {
    ty.bits() == 64
}

impl RuleCtx<'_, '_> {
    pub(super) fn fconst(&mut self, double: bool, bits: u64) -> Reg {
        let rd = self.ftmp();
        let op = if double { LoadOp::Ld } else { LoadOp::Le };
        self.emit(MInst::LoadConst { op, rd, bits });
        rd
    }

    /// The 64 bits of float register `x` in a general register.
    pub(super) fn fbits(&mut self, x: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::MovFromFpr { rd, rn: x });
        rd
    }

    /// The 64 bits of general register `x` in a float register.
    pub(super) fn fpr_of(&mut self, x: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::MovToFpr { rd, rn: x });
        rd
    }

    fn fpu_rr(&mut self, op: FpuRROp, x: Reg, y: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FpuRR { op, rd, ri: x, rm: y });
        rd
    }

    fn fpu_unary(&mut self, op: FpuUnaryOp, x: Reg) -> Reg {
        let rd = self.ftmp();
        self.emit(MInst::FpuUnary { op, rd, rn: x });
        rd
    }

    fn conv(&mut self, op: ConvOp, x: Reg, m3: u8, m4: u8) -> Reg {
        let rd = if op.int_dest() { self.tmp() } else { self.ftmp() };
        self.emit(MInst::FpuConv { op, rd, rn: x, m3, m4 });
        rd
    }

    fn fcmp_op(ty: Type) -> FpuCmpOp {
        if is_double(ty) { FpuCmpOp::Cdbr } else { FpuCmpOp::Cebr }
    }

    pub(super) fn fcmp_impl(&mut self, ty: Type, cc: FloatCC, x: Reg, y: Reg) -> Cond {
        self.emit(MInst::FpuCmp { op: Self::fcmp_op(ty), rn: x, rm: y });
        // CC 0 equal, 1 low, 2 high, 3 unordered.
        Cond(match cc {
            FloatCC::Equal => 8,
            FloatCC::NotEqual => 7,
            FloatCC::LessThan => 4,
            FloatCC::LessThanOrEqual => 12,
            FloatCC::GreaterThan => 2,
            FloatCC::GreaterThanOrEqual => 10,
            FloatCC::Ordered => 14,
            FloatCC::Unordered => 1,
            FloatCC::OrderedNotEqual => 6,
            FloatCC::UnorderedOrEqual => 9,
            FloatCC::UnorderedOrLessThan => 5,
            FloatCC::UnorderedOrLessThanOrEqual => 13,
            FloatCC::UnorderedOrGreaterThan => 3,
            FloatCC::UnorderedOrGreaterThanOrEqual => 11,
        })
    }

    pub(super) fn float_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let d = is_double(ty);
        let pick = |s: FpuRROp, dd: FpuRROp| if d { dd } else { s };
        match op {
            Opcode::Fadd => self.fpu_rr(pick(FpuRROp::Aebr, FpuRROp::Adbr), x, y),
            Opcode::Fsub => self.fpu_rr(pick(FpuRROp::Sebr, FpuRROp::Sdbr), x, y),
            Opcode::Fmul => self.fpu_rr(pick(FpuRROp::Meebr, FpuRROp::Mdbr), x, y),
            Opcode::Fdiv => self.fpu_rr(pick(FpuRROp::Debr, FpuRROp::Ddbr), x, y),
            Opcode::Fmin | Opcode::Fmax => self.fminmax(ty, op == Opcode::Fmin, x, y),
            Opcode::Fcopysign => {
                // The sign bit (bit 0 in both formats) of y inserted into x.
                let (gx, gy) = (self.fbits(x), self.fbits(y));
                let rd = self.tmp();
                let op = crate::isa::s390x::inst::args::RxSbgOp::Risbgn;
                self.emit(MInst::RxSbg { op, rd, ri: gx, rn: gy, start: 0, end: 0, rotate: 0 });
                self.fpr_of(rd)
            }
            Opcode::Band | Opcode::Bor | Opcode::Bxor | Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => {
                let (gx, gy) = (self.fbits(x), self.fbits(y));
                let r = self.int_binary(op, types::I64, gx, gy);
                self.fpr_of(r)
            }
            _ => {
                self.unsupported(format!("`{op}` on s390x"));
                x
            }
        }
    }

    /// `fmin`/`fmax`: a NaN operand gives a NaN (`x + y`), -0 is below +0 (equal operands
    /// combine their bits: OR for the minimum, AND for the maximum), else the smaller or
    /// larger operand; the candidates are chosen in general registers by the comparison.
    fn fminmax(&mut self, ty: Type, min: bool, x: Reg, y: Reg) -> Reg {
        let nan = self.fpu_rr(if is_double(ty) { FpuRROp::Adbr } else { FpuRROp::Aebr }, x, y);
        let gnan = self.fbits(nan);
        let (gx, gy) = (self.fbits(x), self.fbits(y));
        let equal = self.alu3(if min { AluRRROp::Ogrk } else { AluRRROp::Ngrk }, gx, gy);
        self.emit(MInst::FpuCmp { op: Self::fcmp_op(ty), rn: x, rm: y });
        let (take_x, take_y) = if min { (Cond::LT, Cond::GT) } else { (Cond::GT, Cond::LT) };
        let r = self.cmov(take_x, equal, gx);
        let r = self.cmov(take_y, r, gy);
        let r = self.cmov(cc::CC3, r, gnan);
        self.fpr_of(r)
    }

    pub(super) fn float_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let d = is_double(ty);
        let pick = |s: FpuUnaryOp, dd: FpuUnaryOp| if d { dd } else { s };
        let round_op = if d { ConvOp::Fidbr } else { ConvOp::Fiebr };
        match op {
            Opcode::Sqrt => self.fpu_unary(pick(FpuUnaryOp::Sqebr, FpuUnaryOp::Sqdbr), x),
            Opcode::Fneg => self.fpu_unary(pick(FpuUnaryOp::Lcebr, FpuUnaryOp::Lcdbr), x),
            Opcode::Fabs => self.fpu_unary(pick(FpuUnaryOp::Lpebr, FpuUnaryOp::Lpdbr), x),
            Opcode::Ceil => self.conv(round_op, x, round::UP, round::INEXACT_SUPPRESSED),
            Opcode::Floor => self.conv(round_op, x, round::DOWN, round::INEXACT_SUPPRESSED),
            Opcode::Trunc => self.conv(round_op, x, round::ZERO, round::INEXACT_SUPPRESSED),
            Opcode::Nearest => self.conv(round_op, x, round::NEAREST_EVEN, round::INEXACT_SUPPRESSED),
            Opcode::Bnot => {
                let g = self.fbits(x);
                let r = self.not(g);
                self.fpr_of(r)
            }
            _ => {
                self.unsupported(format!("`{op}` on s390x"));
                x
            }
        }
    }

    /// `x * y + z` (`madbr`), one rounding.
    pub(super) fn fma(&mut self, ty: Type, x: Reg, y: Reg, z: Reg) -> Reg {
        let op = if is_double(ty) { FpuFmaOp::Madbr } else { FpuFmaOp::Maebr };
        let rd = self.ftmp();
        self.emit(MInst::FpuFma { op, rd, ri: z, rn: x, rm: y });
        rd
    }

    pub(super) fn fcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        match op {
            Opcode::Fpromote if from == types::F32 && to == types::F64 => self.fpu_unary(FpuUnaryOp::Ldebr, x),
            Opcode::Fdemote if from == types::F64 && to == types::F32 => self.conv(ConvOp::Ledbr, x, 0, 0),
            Opcode::Fpromote | Opcode::Fdemote if from == to => x,
            Opcode::FcvtFromSint | Opcode::FcvtFromUint if from.is_int_scalar() && from.bits() <= 64 => {
                let signed = op == Opcode::FcvtFromSint;
                let xe = self.ext64(signed, from.bits(), x);
                let conv = match (signed, is_double(to)) {
                    (true, false) => ConvOp::Cegbr,
                    (true, true) => ConvOp::Cdgbr,
                    (false, false) => ConvOp::Celgbr,
                    (false, true) => ConvOp::Cdlgbr,
                };
                self.conv(conv, xe, round::CURRENT, 0)
            }
            Opcode::FcvtToSint | Opcode::FcvtToUint if from.is_float() => {
                self.fcvt_to_int_trapping(op == Opcode::FcvtToSint, to, from, x)
            }
            Opcode::FcvtToSintSat | Opcode::FcvtToUintSat if from.is_float() => {
                self.fcvt_to_int_sat(op == Opcode::FcvtToSintSat, to, from, x)
            }
            _ => {
                self.unsupported(format!("`{op}` from `{from}` to `{to}` on s390x"));
                x
            }
        }
    }

    /// The truncating conversion to a 64-bit integer (saturating out of range; a NaN
    /// gives the most negative value or 0).
    fn truncate_to_int64(&mut self, signed: bool, from: Type, x: Reg) -> Reg {
        let op = match (signed, is_double(from)) {
            (true, false) => ConvOp::Cgebr,
            (true, true) => ConvOp::Cgdbr,
            (false, false) => ConvOp::Clgebr,
            (false, true) => ConvOp::Clgdbr,
        };
        self.conv(op, x, round::ZERO, 0)
    }

    /// A float constant of type `ty` with the value `v` (exact for the bounds used).
    fn float_of(&mut self, ty: Type, v: f64) -> Reg {
        if is_double(ty) { self.fconst(true, v.to_bits()) } else { self.fconst(false, (v as f32).to_bits() as u64) }
    }

    fn fcvt_to_int_trapping(&mut self, signed: bool, to: Type, from: Type, x: Reg) -> Reg {
        let bits = to.bits();
        let op = Self::fcmp_op(from);
        self.emit(MInst::FpuCmp { op, rn: x, rm: x });
        self.emit(MInst::TrapIf { kind: CondBrKind::Cc(cc::CC3), code: TrapCode::BadConversionToInteger });
        // In range: strictly above `lo` (or at least `-2^(bits-1)` when `lo` is not
        // representable) and strictly below `hi`.
        let (lo, lo_strict, hi) = if signed {
            let min = -(2f64.powi(bits as i32 - 1));
            let below = min - 1.0;
            let exact = if is_double(from) { bits <= 53 } else { bits <= 24 };
            if exact { (below, true, -min) } else { (min, false, -min) }
        } else {
            (-1.0, true, 2f64.powi(bits as i32))
        };
        let lo_r = self.float_of(from, lo);
        self.emit(MInst::FpuCmp { op, rn: x, rm: lo_r });
        let below = if lo_strict { Cond::LE } else { Cond::LT };
        self.emit(MInst::TrapIf { kind: CondBrKind::Cc(below), code: TrapCode::IntegerOverflow });
        let hi_r = self.float_of(from, hi);
        self.emit(MInst::FpuCmp { op, rn: x, rm: hi_r });
        self.emit(MInst::TrapIf { kind: CondBrKind::Cc(Cond::GE), code: TrapCode::IntegerOverflow });
        self.truncate_to_int64(signed, from, x)
    }

    fn fcvt_to_int_sat(&mut self, signed: bool, to: Type, from: Type, x: Reg) -> Reg {
        let bits = to.bits();
        let mut r = self.truncate_to_int64(signed, from, x);
        if bits < 64 {
            let (min, max) =
                if signed { (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1) } else { (0, (1i64 << bits) - 1) };
            let maxr = self.constant(max as u64);
            self.cmp(if signed { CmpOp::Cgr } else { CmpOp::Clgr }, r, maxr);
            r = self.cmov(Cond::GT, r, maxr);
            if signed {
                let minr = self.constant(min as u64);
                self.cmp(CmpOp::Cgr, r, minr);
                r = self.cmov(Cond::LT, r, minr);
            }
        }
        self.emit(MInst::FpuCmp { op: Self::fcmp_op(from), rn: x, rm: x });
        self.cmov_imm(cc::CC3, r, 0)
    }

    pub(super) fn bitcast(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        match (from.is_float(), to.is_float()) {
            (true, false) => {
                let g = self.fbits(x);
                if from.bits() == 32 { self.shift_k(ShiftOp::Srlg, g, 32) } else { g }
            }
            (false, true) => {
                let g = if to.bits() == 32 { self.shift_k(ShiftOp::Sllg, x, 32) } else { x };
                self.fpr_of(g)
            }
            _ => x,
        }
    }

    /// `cond ? x : y` for floats: the bits chosen in general registers.
    pub(super) fn fsel(&mut self, _ty: Type, cond: Cond, x: Reg, y: Reg) -> Reg {
        let (gx, gy) = (self.fbits(x), self.fbits(y));
        let r = self.cmov(cond, gy, gx);
        self.fpr_of(r)
    }
}
