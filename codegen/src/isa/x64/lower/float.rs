//! The float side of x86-64 lowering (SSE2 scalar code): constants, arithmetic, the exact
//! `fmin`/`fmax` sequences, comparisons into flags, selects of floats, conversions with
//! their traps and saturation, and bit casts. Called from the `Context` methods of
//! `mod.rs`; each returns the register of the result.
//!
//! `f32` and `f64` values live in the low lane of xmm registers; upper lanes are never
//! looked at, so packed bitwise operations (`andps`, `xorps`) serve scalars too.

use super::RuleCtx;
use crate::ir::{FloatCC, Opcode, TrapCode, Type, types};
use crate::isa::x64::inst::Inst as MInst;
use crate::isa::x64::inst::args::{AluOp, CC, OperandSize, RegMem, RegMemImm, SseOp};
use crate::machinst::{Reg, RegClass};

/// The `ss` or `sd` form of an operation, by float width.
fn pick(double: bool, ss: SseOp, sd: SseOp) -> SseOp {
    if double { sd } else { ss }
}

impl RuleCtx<'_, '_> {
    fn xtmp(&mut self) -> Reg {
        self.lower.alloc_tmp(RegClass::Float)
    }

    /// A float constant from the constant pool (`bits` of an `f32` or `f64`).
    pub(super) fn fconst(&mut self, double: bool, bits: u64) -> Reg {
        let dst = self.xtmp();
        self.emit(MInst::XmmConst { double, bits, dst });
        dst
    }

    /// The constant `x` of float type `double`.
    fn fconst_value(&mut self, double: bool, x: f64) -> Reg {
        let bits = if double { x.to_bits() } else { (x as f32).to_bits() as u64 };
        self.fconst(double, bits)
    }

    fn sign_mask(&mut self, double: bool) -> Reg {
        self.fconst(double, if double { 1 << 63 } else { 1 << 31 })
    }

    /// `op src1, src2` in a fresh register.
    fn sse(&mut self, op: SseOp, src1: Reg, src2: Reg) -> Reg {
        let dst = self.xtmp();
        self.emit(MInst::XmmRmR { op, src1, src2: RegMem::Reg(src2), dst });
        dst
    }

    fn sse_unary(&mut self, op: SseOp, src: Reg) -> Reg {
        let dst = self.xtmp();
        self.emit(MInst::XmmUnary { op, src: RegMem::Reg(src), dst });
        dst
    }

    /// `fmin` exactly: `minss` returns its second operand when either is NaN or both are
    /// zeros, so the OR of `min(a, b)` and `min(b, a)` is NaN when either is, `-0.0` for
    /// zeros of different signs, and the smaller value otherwise.
    ///
    /// When either operand is NaN the result is `a + b` instead, which is a quiet NaN
    /// carrying an operand's payload (canonical for canonical inputs), as the NaN rules of
    /// docs/ir.md and of Wasm require; the OR above could mix the other operand's bits into
    /// the payload or keep a signalling NaN.
    fn fmin_exact(&mut self, double: bool, a: Reg, b: Reg) -> Reg {
        let op = pick(double, SseOp::Minss, SseOp::Minsd);
        let t1 = self.sse(op, a, b);
        let t2 = self.sse(op, b, a);
        let ordered = self.sse(SseOp::Orps, t1, t2);
        let nan = self.sse(pick(double, SseOp::Addss, SseOp::Addsd), a, b);
        let ty = if double { crate::ir::types::F64 } else { crate::ir::types::F32 };
        self.ucomi(double, a, b);
        self.fselect(ty, CC::P, nan, ordered)
    }

    pub(super) fn float_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let double = ty.bits() == 64;
        match op {
            Opcode::Sqrt => self.sse_unary(pick(double, SseOp::Sqrtss, SseOp::Sqrtsd), x),
            Opcode::Fneg => {
                let m = self.sign_mask(double);
                self.sse(SseOp::Xorps, x, m)
            }
            Opcode::Bnot => {
                let ones = self.fconst(double, u64::MAX >> if double { 0 } else { 32 });
                self.sse(SseOp::Xorps, x, ones)
            }
            Opcode::Fabs => {
                let m = self.fconst(double, if double { !(1u64 << 63) } else { 0x7fff_ffff });
                self.sse(SseOp::Andps, x, m)
            }
            Opcode::Ceil | Opcode::Floor | Opcode::Trunc | Opcode::Nearest => {
                if !self.backend.isa_flags.has_sse41 {
                    self.unsupported(format!("`{op}` on x86_64 without `has_sse41`"));
                    return x;
                }
                let mode = match op {
                    Opcode::Nearest => 0,
                    Opcode::Floor => 1,
                    Opcode::Ceil => 2,
                    _ => 3,
                };
                let dst = self.xtmp();
                self.emit(MInst::XmmRound { double, imm: mode | 8, src: x, dst });
                dst
            }
            _ => {
                self.unsupported(format!("float operation `{op}` on x86_64"));
                x
            }
        }
    }

    pub(super) fn float_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let double = ty.bits() == 64;
        let sse = match op {
            Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv => {
                SseOp::scalar_arith(op, double).expect("an arithmetic opcode")
            }
            Opcode::Fmin => return self.fmin_exact(double, x, y),
            Opcode::Fmax => {
                // fmax(a, b) = -fmin(-a, -b), which keeps NaNs and gives +0.0 for zeros.
                let m = self.sign_mask(double);
                let na = self.sse(SseOp::Xorps, x, m);
                let nb = self.sse(SseOp::Xorps, y, m);
                let r = self.fmin_exact(double, na, nb);
                return self.sse(SseOp::Xorps, r, m);
            }
            Opcode::Band => SseOp::Andps,
            Opcode::Bor => SseOp::Orps,
            Opcode::Bxor => SseOp::Xorps,
            Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => {
                let ny = self.float_unary(Opcode::Bnot, ty, y);
                let op = match op {
                    Opcode::BandNot => SseOp::Andps,
                    Opcode::BorNot => SseOp::Orps,
                    _ => SseOp::Xorps,
                };
                return self.sse(op, x, ny);
            }
            Opcode::Fcopysign => {
                let sign = self.sign_mask(double);
                let abs = self.fconst(double, if double { !(1u64 << 63) } else { 0x7fff_ffff });
                let mag = self.sse(SseOp::Andps, x, abs);
                let s = self.sse(SseOp::Andps, y, sign);
                return self.sse(SseOp::Orps, mag, s);
            }
            _ => {
                self.unsupported(format!("float operation `{op}` on x86_64"));
                return x;
            }
        };
        self.sse(sse, x, y)
    }

    pub(super) fn fma(&mut self, ty: Type, x: Reg, y: Reg, z: Reg) -> Reg {
        if !self.backend.isa_flags.has_fma {
            self.unsupported("`fma` on x86_64 without `has_fma` (no libcall fallback in the JIT yet)".into());
            return x;
        }
        let dst = self.xtmp();
        let packed = ty.is_vector();
        self.emit(MInst::Fma { double: ty.lane_bits() == 64, packed, src1: x, src2: y, src3: z, dst });
        dst
    }

    /// `ucomis a, b`.
    fn ucomi(&mut self, double: bool, a: Reg, b: Reg) {
        self.emit(MInst::XmmCmp { double, src1: a, src2: RegMem::Reg(b) });
    }

    /// A float comparison as one condition code when there is one: (swap operands,
    /// condition after `ucomis`). `eq` and `ne` need two flags and give `None`.
    fn fcmp_cc(cc: FloatCC) -> Option<(bool, CC)> {
        use FloatCC::*;
        Some(match cc {
            Ordered => (false, CC::NP),
            Unordered => (false, CC::P),
            GreaterThan => (false, CC::NBE),
            GreaterThanOrEqual => (false, CC::NB),
            LessThan => (true, CC::NBE),
            LessThanOrEqual => (true, CC::NB),
            OrderedNotEqual => (false, CC::NZ),
            UnorderedOrEqual => (false, CC::Z),
            UnorderedOrGreaterThan => (true, CC::B),
            UnorderedOrGreaterThanOrEqual => (true, CC::BE),
            UnorderedOrLessThan => (false, CC::B),
            UnorderedOrLessThanOrEqual => (false, CC::BE),
            Equal | NotEqual => return None,
        })
    }

    /// `eq` (ZF=1 and PF=0) or `ne` (ZF=0 or PF=1) as a 0/1 byte.
    fn fcmp_two_flags(&mut self, double: bool, cc: FloatCC, a: Reg, b: Reg) -> Reg {
        self.ucomi(double, a, b);
        let (c1, c2, op) = if cc == FloatCC::Equal { (CC::NP, CC::Z, AluOp::And) } else { (CC::P, CC::NZ, AluOp::Or) };
        let t1 = self.setcc(c1);
        let t2 = self.setcc(c2);
        self.x64_alu_raw(OperandSize::S32, op, t1, RegMemImm::Reg(t2))
    }

    fn x64_alu_raw(&mut self, size: OperandSize, op: AluOp, src1: Reg, src2: RegMemImm) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::AluRmiR { size, op, src1, src2, dst, trap: None });
        dst
    }

    /// Sets the flags for `a cc b` and returns the condition that holds when it is true.
    pub(super) fn fcmp_cond(&mut self, ty: Type, cc: FloatCC, a: Reg, b: Reg) -> CC {
        let double = ty.bits() == 64;
        match Self::fcmp_cc(cc) {
            Some((swap, c)) => {
                let (l, r) = if swap { (b, a) } else { (a, b) };
                self.ucomi(double, l, r);
                c
            }
            None => {
                let v = self.fcmp_two_flags(double, cc, a, b);
                self.emit(MInst::Test { size: OperandSize::S8, src1: v, src2: RegMemImm::Reg(v) });
                CC::NZ
            }
        }
    }

    /// `a cc b` as an `i8` 0 or 1.
    pub(super) fn fcmp_value(&mut self, ty: Type, cc: FloatCC, a: Reg, b: Reg) -> Reg {
        match Self::fcmp_cc(cc) {
            Some(_) => {
                let c = self.fcmp_cond(ty, cc, a, b);
                self.setcc(c)
            }
            None => self.fcmp_two_flags(ty.bits() == 64, cc, a, b),
        }
    }

    /// `cc ? x : y` for floats: through integer registers and `cmov` (moves between
    /// register files leave the flags alone).
    pub(super) fn fselect(&mut self, ty: Type, cc: CC, x: Reg, y: Reg) -> Reg {
        let size = if ty.bits() == 64 { OperandSize::S64 } else { OperandSize::S32 };
        let gx = self.move_to_gpr(size, x);
        let gy = self.move_to_gpr(size, y);
        let g = self.tmp();
        self.emit(MInst::Cmov { size, cc, consequent: RegMem::Reg(gx), alternative: gy, dst: g });
        self.move_to_xmm(size, g)
    }

    fn move_to_gpr(&mut self, size: OperandSize, x: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::XmmToGpr { size, src: x, dst });
        dst
    }

    fn move_to_xmm(&mut self, size: OperandSize, x: Reg) -> Reg {
        let dst = self.xtmp();
        self.emit(MInst::GprToXmm { size, src: x, dst });
        dst
    }

    pub(super) fn bitcast(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        let size = if to.bits() == 64 { OperandSize::S64 } else { OperandSize::S32 };
        match (to.is_float_scalar(), from.is_float_scalar()) {
            (true, false) if from.is_int_scalar() && to.bits() == from.bits() => self.move_to_xmm(size, x),
            (false, true) if to.is_int_scalar() && to.bits() == from.bits() => self.move_to_gpr(size, x),
            _ if to == from => x,
            _ => {
                self.unsupported(format!("`bitcast` from `{from}` to `{to}` on x86_64"));
                x
            }
        }
    }

    fn cvt_to_float(&mut self, double: bool, size: OperandSize, src: Reg) -> Reg {
        let dst = self.xtmp();
        self.emit(MInst::CvtIntToFloat { double, size, src, dst });
        dst
    }

    /// `cvtts*2si` to a 64-bit integer.
    fn cvtt64(&mut self, double: bool, src: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::CvtFloatToInt { double, size: OperandSize::S64, src, dst });
        dst
    }

    /// `cc ? consequent : alternative` in 64-bit integer registers.
    pub(super) fn cmov64(&mut self, cc: CC, consequent: Reg, alternative: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Cmov { size: OperandSize::S64, cc, consequent: RegMem::Reg(consequent), alternative, dst });
        dst
    }

    /// `cvtt64(x)`, with `x >= 2^63` handled as `cvtt64(x - 2^63) ^ 2^63` (for unsigned
    /// 64-bit results; valid for `x < 2^64`).
    fn cvtt_u64(&mut self, double: bool, x: Reg) -> Reg {
        let a = self.cvtt64(double, x);
        let two63 = self.fconst_value(double, 9223372036854775808.0);
        let xs = self.sse(pick(double, SseOp::Subss, SseOp::Subsd), x, two63);
        let b0 = self.cvtt64(double, xs);
        let top = self.imm(types::I64, i64::MIN);
        let b = self.x64_alu_raw(OperandSize::S64, AluOp::Xor, b0, RegMemImm::Reg(top));
        self.ucomi(double, x, two63);
        self.cmov64(CC::NB, b, a)
    }

    pub(super) fn fcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        let bad = |s: &mut Self| {
            s.unsupported(format!("`{op}` from `{from}` to `{to}` on x86_64"));
            x
        };
        match op {
            Opcode::Fpromote if from == types::F32 && to == types::F64 => self.sse_unary(SseOp::Cvtss2sd, x),
            Opcode::Fdemote if from == types::F64 && to == types::F32 => self.sse_unary(SseOp::Cvtsd2ss, x),
            // Only with F16C: without, legalization made these library calls.
            Opcode::Fpromote | Opcode::Fdemote
                if matches!((from, to), (types::F16, types::F32) | (types::F32, types::F16)) =>
            {
                let dst = self.xtmp();
                self.emit(MInst::HalfConvert { to_half: to == types::F16, src: x, dst });
                dst
            }
            Opcode::FcvtFromSint | Opcode::FcvtFromUint
                if to.is_float_scalar() && from.is_int_scalar() && from.bits() <= 64 =>
            {
                self.cvt_from_int(op == Opcode::FcvtFromSint, to.bits() == 64, from.bits(), x)
            }
            Opcode::FcvtToSint | Opcode::FcvtToUint
                if from.is_float_scalar() && to.is_int_scalar() && to.bits() <= 64 =>
            {
                self.cvt_to_int_trapping(op == Opcode::FcvtToSint, from.bits() == 64, to.bits(), x)
            }
            Opcode::FcvtToSintSat | Opcode::FcvtToUintSat
                if from.is_float_scalar() && to.is_int_scalar() && to.bits() <= 64 =>
            {
                self.cvt_to_int_sat(op == Opcode::FcvtToSintSat, from.bits() == 64, to.bits(), x)
            }
            _ => bad(self),
        }
    }

    pub(super) fn cvt_from_int(&mut self, signed: bool, double: bool, bits: u32, x: Reg) -> Reg {
        use OperandSize::*;
        if bits < 32 {
            let from = if bits == 8 { S8 } else { S16 };
            let w = self.tmp();
            let src = RegMem::Reg(x);
            self.emit(if signed {
                MInst::MovsxRmR { from, to: S32, src, dst: w }
            } else {
                MInst::MovzxRmR { from, to: S32, src, dst: w }
            });
            return self.cvt_to_float(double, S32, w);
        }
        if signed {
            return self.cvt_to_float(double, if bits == 64 { S64 } else { S32 }, x);
        }
        if bits == 32 {
            let w = self.tmp();
            self.emit(MInst::MovzxRmR { from: S32, to: S64, src: RegMem::Reg(x), dst: w });
            return self.cvt_to_float(double, S64, w);
        }
        // Unsigned 64-bit: values with the top bit set are halved (keeping the low bit
        // so rounding stays correct), converted, and doubled.
        let half = self.tmp();
        self.emit(MInst::Shift {
            size: S64,
            kind: crate::isa::x64::inst::args::ShiftKind::Shr,
            src: x,
            amount: crate::isa::x64::inst::args::ShiftAmount::Imm(1),
            dst: half,
        });
        let low = self.x64_alu_raw(S64, AluOp::And, x, RegMemImm::Imm(1));
        let h = self.x64_alu_raw(S64, AluOp::Or, half, RegMemImm::Reg(low));
        self.emit(MInst::Test { size: S64, src1: x, src2: RegMemImm::Reg(x) });
        let src = self.cmov64(CC::S, h, x);
        let f = self.cvt_to_float(double, S64, src);
        let f2 = self.sse(pick(double, SseOp::Addss, SseOp::Addsd), f, f);
        let ty = if double { types::F64 } else { types::F32 };
        self.fselect(ty, CC::S, f2, f)
    }

    fn cvt_to_int_trapping(&mut self, signed: bool, double: bool, bits: u32, x: Reg) -> Reg {
        self.ucomi(double, x, x);
        self.emit(MInst::TrapIf { cc: CC::P, code: TrapCode::BadConversionToInteger });
        // Valid iff lo < x (or lo <= x) and x < hi, with bounds exact in the float type.
        let mantissa = if double { 53 } else { 24 };
        let (lo, lo_inclusive, hi) = if signed {
            let min = -(2f64.powi(bits as i32 - 1));
            if bits < mantissa { (min - 1.0, false, -min) } else { (min, true, -min) }
        } else {
            (-1.0, false, 2f64.powi(bits as i32))
        };
        let hi_r = self.fconst_value(double, hi);
        self.ucomi(double, x, hi_r);
        self.emit(MInst::TrapIf { cc: CC::NB, code: TrapCode::IntegerOverflow });
        let lo_r = self.fconst_value(double, lo);
        self.ucomi(double, x, lo_r);
        let cc = if lo_inclusive { CC::B } else { CC::BE };
        self.emit(MInst::TrapIf { cc, code: TrapCode::IntegerOverflow });
        if !signed && bits == 64 {
            return self.cvtt_u64(double, x);
        }
        let size = if signed && bits <= 32 { OperandSize::S32 } else { OperandSize::S64 };
        let dst = self.tmp();
        self.emit(MInst::CvtFloatToInt { double, size, src: x, dst });
        dst
    }

    pub(super) fn cvt_to_int_sat(&mut self, signed: bool, double: bool, bits: u32, x: Reg) -> Reg {
        use OperandSize::S64;
        let two63 = self.fconst_value(double, 9223372036854775808.0);
        if !signed && bits == 64 {
            let a = self.cvtt64(double, x);
            let zero_f = self.fconst(double, 0);
            let zero = self.imm(types::I64, 0);
            self.ucomi(double, x, zero_f);
            let a = self.cmov64(CC::B, zero, a);
            let xs = self.sse(pick(double, SseOp::Subss, SseOp::Subsd), x, two63);
            let b0 = self.cvtt64(double, xs);
            let top = self.imm(types::I64, i64::MIN);
            let b = self.x64_alu_raw(S64, AluOp::Xor, b0, RegMemImm::Reg(top));
            self.ucomi(double, x, two63);
            let a = self.cmov64(CC::NB, b, a);
            let two64 = self.fconst_value(double, 18446744073709551616.0);
            let ones = self.imm(types::I64, -1);
            self.ucomi(double, x, two64);
            return self.cmov64(CC::NB, ones, a);
        }
        let (min, max): (i64, i64) = if signed {
            if bits == 64 { (i64::MIN, i64::MAX) } else { (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1) }
        } else {
            (0, ((1u64 << bits) - 1) as i64)
        };
        // cvtt64 is exact on [-2^63, 2^63) and gives i64::MIN beyond and for NaN.
        let r = self.cvtt64(double, x);
        let max_r = self.imm(types::I64, max);
        self.ucomi(double, x, two63);
        let mut r = self.cmov64(CC::NB, max_r, r);
        if bits < 64 {
            // Clamp the 64-bit value to [min, max] (signed 64-bit comparisons).
            self.emit(MInst::Cmp { size: S64, src1: r, src2: RegMemImm::Reg(max_r) });
            r = self.cmov64(CC::NLE, max_r, r);
            let min_r = self.imm(types::I64, min);
            self.emit(MInst::Cmp { size: S64, src1: r, src2: RegMemImm::Reg(min_r) });
            r = self.cmov64(CC::L, min_r, r);
        }
        if signed {
            // NaN gives 0 (it became i64::MIN, then MIN above).
            let zero = self.imm(types::I64, 0);
            self.ucomi(double, x, x);
            r = self.cmov64(CC::P, zero, r);
        }
        r
    }
}
