//! 128-bit integers on s390x: register pairs (low half first) added and subtracted with
//! the logical carry forms (`algrk`/`alcgr`, `slgrk`/`slbgr`), multiplied with `mlgr`,
//! compared half by half, and shifted branch-free (both shift amounts computed, one
//! chosen by bit 6 of the amount with `locgr`).

use super::isle::ShiftKind;
use super::{RuleCtx, cc, int_cond, is_signed};
use crate::ir::{IntCC, Opcode, Value, types};
use crate::isa::s390x::inst::Inst as MInst;
use crate::isa::s390x::inst::args::{AluRROp, AluRRROp, CmpImmOp, CmpOp, Cond, ImmOp, MulWideOp, RxSbgOp, ShiftOp};
use crate::machinst::{Reg, ValueRegs};

impl RuleCtx<'_, '_> {
    fn pair(&mut self, op: AluRRROp, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let lo = self.alu3(op, x.lo(), y.lo());
        let hi = self.alu3(op, x.hi(), y.hi());
        ValueRegs::two(lo, hi)
    }

    fn add128(&mut self, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let lo = self.alu3(AluRRROp::Algrk, x.lo(), y.lo());
        let hi = self.alu2(AluRROp::Alcgr, x.hi(), y.hi());
        ValueRegs::two(lo, hi)
    }

    fn sub128(&mut self, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let lo = self.alu3(AluRRROp::Slgrk, x.lo(), y.lo());
        let hi = self.alu2(AluRROp::Slbgr, x.hi(), y.hi());
        ValueRegs::two(lo, hi)
    }

    pub(super) fn i128_binary_impl(&mut self, op: Opcode, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        match op {
            Opcode::Iadd => self.add128(x, y),
            Opcode::Isub => self.sub128(x, y),
            Opcode::Imul => {
                let (hi, lo) = self.mul_wide(MulWideOp::Mlgr, x.lo(), y.lo());
                let a = self.int_binary(Opcode::Imul, types::I64, x.lo(), y.hi());
                let b = self.int_binary(Opcode::Imul, types::I64, x.hi(), y.lo());
                let hi = self.alu3(AluRRROp::Agrk, hi, a);
                let hi = self.alu3(AluRRROp::Agrk, hi, b);
                ValueRegs::two(lo, hi)
            }
            Opcode::Band => self.pair(AluRRROp::Ngrk, x, y),
            Opcode::Bor => self.pair(AluRRROp::Ogrk, x, y),
            Opcode::Bxor => self.pair(AluRRROp::Xgrk, x, y),
            Opcode::BandNot | Opcode::BorNot | Opcode::BxorNot => {
                let lo = self.int_binary(op, types::I64, x.lo(), y.lo());
                let hi = self.int_binary(op, types::I64, x.hi(), y.hi());
                ValueRegs::two(lo, hi)
            }
            Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax => {
                let cc = match op {
                    Opcode::Smin => IntCC::SignedLessThan,
                    Opcode::Smax => IntCC::SignedGreaterThan,
                    Opcode::Umin => IntCC::UnsignedLessThan,
                    _ => IntCC::UnsignedGreaterThan,
                };
                let cond = self.i128_cmp_impl(cc, x, y);
                let lo = self.cmov(cond, y.lo(), x.lo());
                let hi = self.cmov(cond, y.hi(), x.hi());
                ValueRegs::two(lo, hi)
            }
            Opcode::UaddSat => {
                let r = self.add128(x, y);
                let lo = self.cmov_imm(cc::CARRY, r.lo(), -1);
                let hi = self.cmov_imm(cc::CARRY, r.hi(), -1);
                ValueRegs::two(lo, hi)
            }
            Opcode::UsubSat => {
                let r = self.sub128(x, y);
                let lo = self.cmov_imm(cc::BORROW, r.lo(), 0);
                let hi = self.cmov_imm(cc::BORROW, r.hi(), 0);
                ValueRegs::two(lo, hi)
            }
            Opcode::SaddSat | Opcode::SsubSat => {
                let add = op == Opcode::SaddSat;
                let s = self.shift_k(ShiftOp::Srag, x.hi(), 63);
                let max = self.constant(i64::MAX as u64);
                let sat_hi = self.alu3(AluRRROp::Xgrk, s, max);
                let sat_lo = self.not(s);
                let r = if add { self.add128(x, y) } else { self.sub128(x, y) };
                let cond = self.i128_signed_overflow(add, x, y, r);
                let lo = self.cmov(cond, r.lo(), sat_lo);
                let hi = self.cmov(cond, r.hi(), sat_hi);
                ValueRegs::two(lo, hi)
            }
            _ => {
                self.unsupported(format!("`{op}` on `i128` on s390x"));
                x
            }
        }
    }

    /// Sets the condition code so that `LT` means the 128-bit signed addition or
    /// subtraction `x op y = r` overflowed.
    fn i128_signed_overflow(&mut self, add: bool, x: ValueRegs, y: ValueRegs, r: ValueRegs) -> Cond {
        let t = if add {
            let a = self.alu3(AluRRROp::Xgrk, x.hi(), r.hi());
            let b = self.alu3(AluRRROp::Xgrk, y.hi(), r.hi());
            self.alu3(AluRRROp::Ngrk, a, b)
        } else {
            let a = self.alu3(AluRRROp::Xgrk, x.hi(), y.hi());
            let b = self.alu3(AluRRROp::Xgrk, x.hi(), r.hi());
            self.alu3(AluRRROp::Ngrk, a, b)
        };
        self.test_sign(t);
        Cond::LT
    }

    pub(super) fn i128_unary_impl(&mut self, op: Opcode, x: ValueRegs) -> ValueRegs {
        match op {
            Opcode::Bnot => {
                let lo = self.not(x.lo());
                let hi = self.not(x.hi());
                ValueRegs::two(lo, hi)
            }
            Opcode::Ineg => {
                let zero = self.imm16(0);
                self.sub128(ValueRegs::two(zero, zero), x)
            }
            _ => {
                self.unsupported(format!("`{op}` on `i128` on s390x"));
                x
            }
        }
    }

    /// Compares two pairs; returns the mask that holds when `x cc y`.
    pub(super) fn i128_cmp_impl(&mut self, cc: IntCC, x: ValueRegs, y: ValueRegs) -> Cond {
        if matches!(cc, IntCC::Equal | IntCC::NotEqual) {
            let a = self.alu3(AluRRROp::Xgrk, x.lo(), y.lo());
            let b = self.alu3(AluRRROp::Xgrk, x.hi(), y.hi());
            self.alu3(AluRRROp::Ogrk, a, b);
            return int_cond(cc);
        }
        // The low halves decide (unsigned) unless the high halves differ.
        self.cmp(CmpOp::Clgr, x.lo(), y.lo());
        let low = self.cset(int_cond(cc));
        self.cmp(if is_signed(cc) { CmpOp::Cgr } else { CmpOp::Clgr }, x.hi(), y.hi());
        let (strict, opposite) = match int_cond(cc) {
            Cond::LT | Cond::LE => (Cond::LT, Cond::GT),
            _ => (Cond::GT, Cond::LT),
        };
        let r = self.cmov_imm(strict, low, 1);
        let r = self.cmov_imm(opposite, r, 0);
        self.cmp_imm(CmpImmOp::Cghi, r, 0);
        Cond::NE
    }

    /// Sets the condition code from bit 6 (the value 64) of the shift amount `amt`:
    /// `NE` when it is set.
    fn test_bit6(&mut self, amt: Reg) {
        let rd = self.tmp();
        self.emit(MInst::RxSbg { op: RxSbgOp::Risbg, rd, ri: amt, rn: amt, start: 57, end: 57 | 0x80, rotate: 0 });
    }

    /// `x << n` (n modulo 128).
    fn shl128(&mut self, x: ValueRegs, n: Reg) -> ValueRegs {
        let lo = self.shift(ShiftOp::Sllg, x.lo(), 0, n);
        let hi = self.shift(ShiftOp::Sllg, x.hi(), 0, n);
        // The bits moving up: (lo >> 1) >> (63 - n), which is 0 for n = 0.
        let inv = self.alu_imm(ImmOp::Xilf, n, 63);
        let half = self.shift_k(ShiftOp::Srlg, x.lo(), 1);
        let carry = self.shift(ShiftOp::Srlg, half, 0, inv);
        let hi = self.alu3(AluRRROp::Ogrk, hi, carry);
        self.test_bit6(n);
        let hi = self.cmov(Cond::NE, hi, lo);
        let lo = self.cmov_imm(Cond::NE, lo, 0);
        ValueRegs::two(lo, hi)
    }

    /// `x >> n` (n modulo 128), arithmetic when `signed`.
    fn shr128(&mut self, x: ValueRegs, n: Reg, signed: bool) -> ValueRegs {
        let op = if signed { ShiftOp::Srag } else { ShiftOp::Srlg };
        let lo = self.shift(ShiftOp::Srlg, x.lo(), 0, n);
        let hi = self.shift(op, x.hi(), 0, n);
        let inv = self.alu_imm(ImmOp::Xilf, n, 63);
        let half = self.shift_k(ShiftOp::Sllg, x.hi(), 1);
        let carry = self.shift(ShiftOp::Sllg, half, 0, inv);
        let lo = self.alu3(AluRRROp::Ogrk, lo, carry);
        let fill = if signed { self.shift_k(ShiftOp::Srag, x.hi(), 63) } else { self.imm16(0) };
        self.test_bit6(n);
        let lo = self.cmov(Cond::NE, lo, hi);
        let hi = self.cmov(Cond::NE, hi, fill);
        ValueRegs::two(lo, hi)
    }

    pub(super) fn i128_shift_impl(&mut self, op: ShiftKind, x: ValueRegs, amt: Reg) -> ValueRegs {
        match op {
            ShiftKind::Shl => self.shl128(x, amt),
            ShiftKind::Shr => self.shr128(x, amt, false),
            ShiftKind::Sar => self.shr128(x, amt, true),
            ShiftKind::Rol | ShiftKind::Ror => {
                // rotl(x, n) = (x << n) | (x >> -n), amounts modulo 128.
                let neg = self.unary(crate::isa::s390x::inst::args::UnaryOp::Lcgr, amt);
                let (l, r) = if op == ShiftKind::Rol { (amt, neg) } else { (neg, amt) };
                let a = self.shl128(x, l);
                let b = self.shr128(x, r, false);
                self.pair(AluRRROp::Ogrk, a, b)
            }
        }
    }

    /// The two-result arithmetic on pairs, with a carry or borrow in when `c` is given.
    pub(super) fn i128_overflow_impl(
        &mut self,
        op: Opcode,
        x: ValueRegs,
        y: ValueRegs,
        c: Option<Reg>,
        r0: Value,
        r1: Value,
    ) {
        let add = matches!(
            op,
            Opcode::UaddOverflow | Opcode::SaddOverflow | Opcode::UaddOverflowCin | Opcode::SaddOverflowCin
        );
        let signed = matches!(
            op,
            Opcode::SaddOverflow | Opcode::SsubOverflow | Opcode::SaddOverflowCin | Opcode::SsubOverflowBin
        );
        if !matches!(
            op,
            Opcode::UaddOverflow
                | Opcode::SaddOverflow
                | Opcode::UsubOverflow
                | Opcode::SsubOverflow
                | Opcode::UaddOverflowCin
                | Opcode::SaddOverflowCin
                | Opcode::UsubOverflowBin
                | Opcode::SsubOverflowBin
        ) {
            return self.unsupported(format!("`{op}` on `i128` on s390x"));
        }
        let r = match c {
            Some(c) => {
                self.set_carry(c, add);
                let op = if add { AluRROp::Alcgr } else { AluRROp::Slbgr };
                let lo = self.alu2(op, x.lo(), y.lo());
                let hi = self.alu2(op, x.hi(), y.hi());
                ValueRegs::two(lo, hi)
            }
            None if add => self.add128(x, y),
            None => self.sub128(x, y),
        };
        let cond = if signed {
            self.i128_signed_overflow(add, x, y, r)
        } else if add {
            cc::CARRY
        } else {
            cc::BORROW
        };
        let flag = self.cset(cond);
        self.lower.set_output_regs(r0, r);
        self.lower.set_output(r1, flag);
    }
}
