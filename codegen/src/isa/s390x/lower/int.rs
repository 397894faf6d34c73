//! Integer operations on s390x: the binary and unary families, shifts and rotates,
//! division with its traps, high products, and the two-result arithmetic with overflow
//! and carry flags. Narrow values are extended to 64 bits where their upper bits matter
//! and computed with the 64-bit (`g`) instructions.

use super::isle::ShiftKind;
use super::{RuleCtx, cc};
use crate::ir::{Opcode, TrapCode, Type, Value};
use crate::isa::s390x::inst::Inst as MInst;
use crate::isa::s390x::inst::args::{
    AluRROp, AluRRROp, CmpBrImmOp, CmpImmOp, CmpOp, Cond, CondBrKind, DivOp, ImmOp, MulWideOp, ShiftOp, UnaryOp,
};
use crate::machinst::Reg;

impl RuleCtx<'_, '_> {
    pub(super) fn int_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let mie3 = self.flags().has_mie3;
        match op {
            Opcode::Iadd => self.alu3(AluRRROp::Agrk, x, y),
            Opcode::Isub => self.alu3(AluRRROp::Sgrk, x, y),
            Opcode::Imul => self.mul64(x, y),
            Opcode::Band => self.alu3(AluRRROp::Ngrk, x, y),
            Opcode::Bor => self.alu3(AluRRROp::Ogrk, x, y),
            Opcode::Bxor => self.alu3(AluRRROp::Xgrk, x, y),
            Opcode::BandNot if mie3 => self.alu3(AluRRROp::Ncgrk, x, y),
            Opcode::BorNot if mie3 => self.alu3(AluRRROp::Ocgrk, x, y),
            Opcode::BxorNot if mie3 => self.alu3(AluRRROp::Nxgrk, x, y),
            Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => {
                let ny = self.not(y);
                let op = match op {
                    Opcode::BandNot => AluRRROp::Ngrk,
                    Opcode::BorNot => AluRRROp::Ogrk,
                    _ => AluRRROp::Xgrk,
                };
                self.alu3(op, x, ny)
            }
            Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax => {
                let signed = matches!(op, Opcode::Smin | Opcode::Smax);
                let (xe, ye) = (self.ext64(signed, bits, x), self.ext64(signed, bits, y));
                self.cmp(if signed { CmpOp::Cgr } else { CmpOp::Clgr }, xe, ye);
                let take_x = if matches!(op, Opcode::Smin | Opcode::Umin) { Cond::LT } else { Cond::GT };
                self.cmov(take_x, y, x)
            }
            Opcode::UaddSat | Opcode::UsubSat | Opcode::SaddSat | Opcode::SsubSat => self.saturating(op, bits, x, y),
            Opcode::AvgRound => {
                if bits < 64 {
                    let (xe, ye) = (self.ext64(false, bits, x), self.ext64(false, bits, y));
                    let s = self.alu3(AluRRROp::Agrk, xe, ye);
                    let s = self.add_i16(s, 1);
                    return self.shift_k(ShiftOp::Srlg, s, 1);
                }
                // (x | y) - ((x ^ y) >> 1): no carry out of 64 bits.
                let or = self.alu3(AluRRROp::Ogrk, x, y);
                let xor = self.alu3(AluRRROp::Xgrk, x, y);
                let half = self.shift_k(ShiftOp::Srlg, xor, 1);
                self.alu3(AluRRROp::Sgrk, or, half)
            }
            Opcode::Umulhi | Opcode::Smulhi => self.mulhi(ty, op == Opcode::Smulhi, x, y),
            Opcode::Udiv | Opcode::Sdiv | Opcode::Urem | Opcode::Srem => self.div(ty, op, x, y),
            _ => {
                self.unsupported(format!("`{op}` on s390x"));
                x
            }
        }
    }

    /// The low 64 bits of `x * y`: `msgrkc` (z14) or `msgr`.
    fn mul64(&mut self, x: Reg, y: Reg) -> Reg {
        if self.flags().has_mie2 {
            return self.alu3(AluRRROp::Msgrkc, x, y);
        }
        self.alu2(AluRROp::Msgr, x, y)
    }

    /// Saturating addition and subtraction.
    fn saturating(&mut self, op: Opcode, bits: u32, x: Reg, y: Reg) -> Reg {
        let signed = matches!(op, Opcode::SaddSat | Opcode::SsubSat);
        let add = matches!(op, Opcode::UaddSat | Opcode::SaddSat);
        if bits < 64 {
            // Exact in 64 bits, then clamped to the type's range.
            let (xe, ye) = (self.ext64(signed, bits, x), self.ext64(signed, bits, y));
            let r = self.alu3(if add { AluRRROp::Agrk } else { AluRRROp::Sgrk }, xe, ye);
            let (min, max) =
                if signed { (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1) } else { (0, (1i64 << bits) - 1) };
            let maxr = self.constant(max as u64);
            self.cmp(CmpOp::Cgr, r, maxr);
            let r = self.cmov(Cond::GT, r, maxr);
            let minr = self.constant(min as u64);
            self.cmp(CmpOp::Cgr, r, minr);
            return self.cmov(Cond::LT, r, minr);
        }
        match (signed, add) {
            (false, true) => {
                let r = self.alu3(AluRRROp::Algrk, x, y);
                self.cmov_imm(cc::CARRY, r, -1)
            }
            (false, false) => {
                let r = self.alu3(AluRRROp::Slgrk, x, y);
                self.cmov_imm(cc::BORROW, r, 0)
            }
            (true, _) => {
                // The saturated value has the sign of `x` (computed before the
                // operation, whose condition code picks it).
                let s = self.shift_k(ShiftOp::Srag, x, 63);
                let max = self.constant(i64::MAX as u64);
                let sat = self.alu3(AluRRROp::Xgrk, s, max);
                let r = self.alu3(if add { AluRRROp::Agrk } else { AluRRROp::Sgrk }, x, y);
                self.cmov(cc::CC3, r, sat)
            }
        }
    }

    /// The high half of the product.
    fn mulhi(&mut self, ty: Type, signed: bool, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        if bits < 64 {
            let (xe, ye) = (self.ext64(signed, bits, x), self.ext64(signed, bits, y));
            let p = self.mul64(xe, ye);
            return self.shift_k(if signed { ShiftOp::Srag } else { ShiftOp::Srlg }, p, bits);
        }
        if signed && self.flags().has_mie2 {
            return self.mul_wide(MulWideOp::Mgrk, x, y).0;
        }
        let hi = self.mul_wide(MulWideOp::Mlgr, x, y).0;
        if !signed {
            return hi;
        }
        // The signed high half: the unsigned one minus `y` when `x` is negative and minus
        // `x` when `y` is.
        let sx = self.shift_k(ShiftOp::Srag, x, 63);
        let t1 = self.alu3(AluRRROp::Ngrk, sx, y);
        let sy = self.shift_k(ShiftOp::Srag, y, 63);
        let t2 = self.alu3(AluRRROp::Ngrk, sy, x);
        let hi = self.alu3(AluRRROp::Sgrk, hi, t1);
        self.alu3(AluRRROp::Sgrk, hi, t2)
    }

    /// The 128-bit product `(high, low)` (the fixed pair r2:r3).
    pub(super) fn mul_wide(&mut self, op: MulWideOp, x: Reg, y: Reg) -> (Reg, Reg) {
        let (hi, lo) = (self.tmp(), self.tmp());
        self.emit(MInst::MulWide { op, hi, lo, rn: x, rm: y });
        (hi, lo)
    }

    /// Division and remainder: traps on a zero divisor and (`sdiv`) on `MIN / -1`; `srem`
    /// by -1 is 0 (the divisor becomes 1, as the hardware would trap).
    fn div(&mut self, ty: Type, op: Opcode, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let signed = matches!(op, Opcode::Sdiv | Opcode::Srem);
        let is_rem = matches!(op, Opcode::Urem | Opcode::Srem);
        let xe = self.ext64(signed, bits, x);
        let mut ye = self.ext64(signed, bits, y);
        let zero_test = CondBrKind::CmpRI { op: CmpBrImmOp::Cgij, cond: Cond::EQ, rn: ye, imm: 0 };
        self.emit(MInst::TrapIf { kind: zero_test, code: TrapCode::IntegerDivisionByZero });
        let (rem, quot) = (self.tmp(), self.tmp());
        if signed {
            if is_rem {
                self.cmp_imm(CmpImmOp::Cghi, ye, -1);
                ye = self.cmov_imm(Cond::EQ, ye, 1);
            } else {
                // MIN / -1: (x ^ MIN) | (y + 1) is zero exactly then.
                let min = self.constant((-1i64 << (bits - 1)) as u64);
                let t1 = self.alu3(AluRRROp::Xgrk, xe, min);
                let t2 = self.add_i16(ye, 1);
                self.alu3(AluRRROp::Ogrk, t1, t2);
                self.emit(MInst::TrapIf { kind: CondBrKind::Cc(Cond::EQ), code: TrapCode::IntegerOverflow });
            }
            self.emit(MInst::DivMod { op: DivOp::Dsgr, rem, quot, hi: None, lo: xe, rn: ye });
        } else {
            let hi = self.imm16(0);
            self.emit(MInst::DivMod { op: DivOp::Dlgr, rem, quot, hi: Some(hi), lo: xe, rn: ye });
        }
        if is_rem { rem } else { quot }
    }

    /// `flogr`: the number of leading zeros of the 64-bit `x` (64 for zero).
    fn flogr(&mut self, x: Reg) -> Reg {
        let (rd, clobber) = (self.tmp(), self.tmp());
        self.emit(MInst::Flogr { rd, clobber, rn: x });
        rd
    }

    pub(super) fn int_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let bits = ty.bits();
        match op {
            Opcode::Ineg => self.unary(UnaryOp::Lcgr, x),
            Opcode::Bnot => self.not(x),
            Opcode::Iabs => {
                let xs = self.ext64(true, bits, x);
                self.unary(UnaryOp::Lpgr, xs)
            }
            Opcode::Bmask => self.unary(UnaryOp::Lcgr, x),
            Opcode::Popcnt => {
                let xz = self.ext64(false, bits, x);
                if self.flags().has_mie3 {
                    return self.unary(UnaryOp::PopcntAll, xz);
                }
                // Per-byte counts, summed into the top byte by a multiplication.
                let bytes = self.unary(UnaryOp::Popcnt, xz);
                let ones = self.constant(0x0101_0101_0101_0101);
                let sum = self.mul64(bytes, ones);
                self.shift_k(ShiftOp::Srlg, sum, 56)
            }
            Opcode::Clz => {
                let xz = self.ext64(false, bits, x);
                let n = self.flogr(xz);
                if bits == 64 { n } else { self.add_i16(n, -(64 - bits as i64)) }
            }
            Opcode::Ctz => {
                // 64 - clz(!x & (x - 1)); a narrow value gets a bit set above it, so zero
                // counts `bits`.
                let xz = if bits < 64 {
                    let top = self.constant(1u64 << bits);
                    self.alu3(AluRRROp::Ogrk, x, top)
                } else {
                    x
                };
                let nx = self.not(xz);
                let dec = self.add_i16(xz, -1);
                let t = self.alu3(AluRRROp::Ngrk, nx, dec);
                let n = self.flogr(t);
                let neg = self.unary(UnaryOp::Lcgr, n);
                self.add_i16(neg, 64)
            }
            Opcode::Cls => {
                let xs = self.ext64(true, bits, x);
                let s = self.shift_k(ShiftOp::Srag, xs, 63);
                let t = self.alu3(AluRRROp::Xgrk, xs, s);
                let n = self.flogr(t);
                self.add_i16(n, -(65 - bits as i64))
            }
            Opcode::Bswap => {
                let r = self.unary(UnaryOp::Lrvgr, x);
                if bits == 64 { r } else { self.shift_k(ShiftOp::Srlg, r, 64 - bits) }
            }
            Opcode::Bitrev => {
                let mut r = x;
                for (s, m) in [(1u32, 0x5555_5555_5555_5555u64), (2, 0x3333_3333_3333_3333), (4, 0x0f0f_0f0f_0f0f_0f0f)]
                {
                    let mask = self.constant(m);
                    let hi = self.shift_k(ShiftOp::Srlg, r, s);
                    let hi = self.alu3(AluRRROp::Ngrk, hi, mask);
                    let lo = self.alu3(AluRRROp::Ngrk, r, mask);
                    let lo = self.shift_k(ShiftOp::Sllg, lo, s);
                    r = self.alu3(AluRRROp::Ogrk, hi, lo);
                }
                let r = self.unary(UnaryOp::Lrvgr, r);
                if bits == 64 { r } else { self.shift_k(ShiftOp::Srlg, r, 64 - bits) }
            }
            _ => {
                self.unsupported(format!("`{op}` on s390x"));
                x
            }
        }
    }

    pub(super) fn shift_imm_impl(&mut self, ty: Type, op: ShiftKind, x: Reg, k: i64) -> Reg {
        let bits = ty.bits();
        let k = (k as u64 % bits as u64) as u32;
        match op {
            ShiftKind::Shl => self.shift_k(ShiftOp::Sllg, x, k),
            ShiftKind::Shr => {
                let xz = self.ext64(false, bits, x);
                self.shift_k(ShiftOp::Srlg, xz, k)
            }
            ShiftKind::Sar => {
                let xs = self.ext64(true, bits, x);
                self.shift_k(ShiftOp::Srag, xs, k)
            }
            ShiftKind::Rol | ShiftKind::Ror => {
                let left = if op == ShiftKind::Rol { k } else { (bits - k) % bits };
                match bits {
                    64 => self.shift_k(ShiftOp::Rllg, x, left),
                    32 => self.shift_k(ShiftOp::Rll, x, left),
                    _ if left == 0 => x,
                    _ => {
                        let xz = self.ext64(false, bits, x);
                        let l = self.shift_k(ShiftOp::Sllg, xz, left);
                        let r = self.shift_k(ShiftOp::Srlg, xz, bits - left);
                        self.alu3(AluRRROp::Ogrk, l, r)
                    }
                }
            }
        }
    }

    pub(super) fn shift_reg_impl(&mut self, ty: Type, op: ShiftKind, x: Reg, amt: Reg) -> Reg {
        let bits = ty.bits();
        // The hardware reads the low 6 bits of the amount; a narrow shift masks it to
        // its width first (`nill` changes only the low 16 bits, which is all that counts).
        let masked = |s: &mut Self| if bits == 64 { amt } else { s.alu_imm(ImmOp::Nill, amt, bits - 1) };
        match op {
            ShiftKind::Shl => {
                let m = masked(self);
                self.shift(ShiftOp::Sllg, x, 0, m)
            }
            ShiftKind::Shr => {
                let m = masked(self);
                let xz = self.ext64(false, bits, x);
                self.shift(ShiftOp::Srlg, xz, 0, m)
            }
            ShiftKind::Sar => {
                let m = masked(self);
                let xs = self.ext64(true, bits, x);
                self.shift(ShiftOp::Srag, xs, 0, m)
            }
            ShiftKind::Rol | ShiftKind::Ror if bits >= 32 => {
                let rot = if bits == 64 { ShiftOp::Rllg } else { ShiftOp::Rll };
                let a = if op == ShiftKind::Rol { amt } else { self.unary(UnaryOp::Lcgr, amt) };
                self.shift(rot, x, 0, a)
            }
            ShiftKind::Rol | ShiftKind::Ror => {
                let m = masked(self);
                let neg = self.unary(UnaryOp::Lcgr, m);
                let rest = self.add_i16(neg, bits as i64);
                let xz = self.ext64(false, bits, x);
                let (l_amt, r_amt) = if op == ShiftKind::Rol { (m, rest) } else { (rest, m) };
                let l = self.shift(ShiftOp::Sllg, xz, 0, l_amt);
                let r = self.shift(ShiftOp::Srlg, xz, 0, r_amt);
                self.alu3(AluRRROp::Ogrk, l, r)
            }
        }
    }

    /// Whether the 64-bit `r` is the extension of its low `bits`: sets the condition code
    /// so that `NE` means it is not (the operation overflowed the type).
    fn fits_test(&mut self, signed: bool, bits: u32, r: Reg) {
        let e = self.ext64(signed, bits, r);
        self.cmp(CmpOp::Cgr, e, r);
    }

    /// The sign test of a signed overflow: `t < 0` exactly when the operation overflowed;
    /// returns `LT` after setting the condition code.
    fn signed_overflow(&mut self, add: bool, x: Reg, y: Reg, r: Reg) -> Cond {
        let t = if add {
            let a = self.alu3(AluRRROp::Xgrk, x, r);
            let b = self.alu3(AluRRROp::Xgrk, y, r);
            self.alu3(AluRRROp::Ngrk, a, b)
        } else {
            let a = self.alu3(AluRRROp::Xgrk, x, y);
            let b = self.alu3(AluRRROp::Xgrk, x, r);
            self.alu3(AluRRROp::Ngrk, a, b)
        };
        self.test_sign(t);
        Cond::LT
    }

    pub(super) fn overflow(&mut self, op: Opcode, ty: Type, a: Value, b: Value, r0: Value, r1: Value) {
        let (x, y) = (self.lower.put_in_reg(a), self.lower.put_in_reg(b));
        let bits = ty.bits();
        let signed = matches!(op, Opcode::SaddOverflow | Opcode::SsubOverflow | Opcode::SmulOverflow);
        let (value, cond) = match op {
            _ if bits < 64 => {
                let (xe, ye) = (self.ext64(signed, bits, x), self.ext64(signed, bits, y));
                let r = match op {
                    Opcode::UaddOverflow | Opcode::SaddOverflow => self.alu3(AluRRROp::Agrk, xe, ye),
                    Opcode::UsubOverflow | Opcode::SsubOverflow => self.alu3(AluRRROp::Sgrk, xe, ye),
                    _ => self.mul64(xe, ye),
                };
                self.fits_test(signed, bits, r);
                (r, Cond::NE)
            }
            Opcode::UaddOverflow => (self.alu3(AluRRROp::Algrk, x, y), cc::CARRY),
            Opcode::UsubOverflow => (self.alu3(AluRRROp::Slgrk, x, y), cc::BORROW),
            Opcode::SaddOverflow => (self.alu3(AluRRROp::Agrk, x, y), cc::CC3),
            Opcode::SsubOverflow => (self.alu3(AluRRROp::Sgrk, x, y), cc::CC3),
            Opcode::UmulOverflow => {
                let (hi, lo) = self.mul_wide(MulWideOp::Mlgr, x, y);
                self.cmp_imm(CmpImmOp::Cghi, hi, 0);
                (lo, Cond::NE)
            }
            Opcode::SmulOverflow => {
                let hi = self.mulhi(ty, true, x, y);
                let lo = self.mul64(x, y);
                let sign = self.shift_k(ShiftOp::Srag, lo, 63);
                self.cmp(CmpOp::Cgr, hi, sign);
                (lo, Cond::NE)
            }
            _ => return self.unsupported(format!("`{op}` on s390x")),
        };
        let flag = self.cset(cond);
        self.lower.set_output(r0, value);
        self.lower.set_output(r1, flag);
    }

    /// Sets the carry (`add`) or the borrow of the condition code from the `i8` flag `c`
    /// (nonzero: set), for `alcgr` or `slbgr`.
    pub(super) fn set_carry(&mut self, c: Reg, add: bool) {
        let cz = self.ext64(false, 8, c);
        if add {
            // cz + (2^64 - 1) carries exactly when cz is nonzero.
            let ones = self.imm16(-1);
            self.alu3(AluRRROp::Algrk, cz, ones);
        } else {
            // 0 - cz borrows exactly when cz is nonzero.
            let zero = self.imm16(0);
            self.alu3(AluRRROp::Slgrk, zero, cz);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn overflow_carry(&mut self, op: Opcode, ty: Type, a: Value, b: Value, c: Value, r0: Value, r1: Value) {
        let (x, y, c) = (self.lower.put_in_reg(a), self.lower.put_in_reg(b), self.lower.put_in_reg(c));
        let bits = ty.bits();
        let add = matches!(op, Opcode::UaddOverflowCin | Opcode::SaddOverflowCin);
        let signed = matches!(op, Opcode::SaddOverflowCin | Opcode::SsubOverflowBin);
        if !matches!(
            op,
            Opcode::UaddOverflowCin | Opcode::SaddOverflowCin | Opcode::UsubOverflowBin | Opcode::SsubOverflowBin
        ) {
            return self.unsupported(format!("`{op}` on s390x"));
        }
        let (value, cond) = if bits < 64 {
            let (xe, ye) = (self.ext64(signed, bits, x), self.ext64(signed, bits, y));
            let cz = self.ext64(false, 8, c);
            self.cmp_imm(CmpImmOp::Cghi, cz, 0);
            let one = self.cset(Cond::NE);
            let op = if add { AluRRROp::Agrk } else { AluRRROp::Sgrk };
            let r = self.alu3(op, xe, ye);
            let r = self.alu3(op, r, one);
            self.fits_test(signed, bits, r);
            (r, Cond::NE)
        } else {
            self.set_carry(c, add);
            let r = self.alu2(if add { AluRROp::Alcgr } else { AluRROp::Slbgr }, x, y);
            if signed { (r, self.signed_overflow(add, x, y, r)) } else { (r, if add { cc::CARRY } else { cc::BORROW }) }
        };
        let flag = self.cset(cond);
        self.lower.set_output(r0, value);
        self.lower.set_output(r1, flag);
    }

    /// `uadd_overflow_trap`: the sum, trapping with `code` on a carry out of the type.
    pub(super) fn add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) {
        let ty = self.lower.value_type(v);
        if !(ty.is_int_scalar() && ty.bits() <= 64) {
            return self.unsupported(format!("values of type `{ty}` in `uadd_overflow_trap` on s390x"));
        }
        let (x, y) = (self.lower.put_in_reg(a), self.lower.put_in_reg(b));
        let bits = ty.bits();
        let r = if bits == 64 {
            let r = self.alu3(AluRRROp::Algrk, x, y);
            self.emit(MInst::TrapIf { kind: CondBrKind::Cc(cc::CARRY), code });
            r
        } else {
            let (xe, ye) = (self.ext64(false, bits, x), self.ext64(false, bits, y));
            let r = self.alu3(AluRRROp::Agrk, xe, ye);
            self.fits_test(false, bits, r);
            self.emit(MInst::TrapIf { kind: CondBrKind::Cc(Cond::NE), code });
            r
        };
        self.lower.set_output(v, r);
    }
}
