//! 128-bit integers as register pairs (low half first): arithmetic with the carry from
//! `sltu`, shifts and rotates without branches (the halves for amounts below 64 and at
//! least 64 computed both, then selected), comparisons, selects, saturating and
//! overflow-flag arithmetic. Division, multiply-high, bit counting and the products'
//! overflow flags are legalized before lowering (`legalize/native.rs`).

use super::RuleCtx;
use crate::ir::{IntCC, Opcode, Type, Value};
use crate::isa::riscv64::inst::args::{AluOp, ImmOp, ShiftOp};
use crate::isa::riscv64::regs;
use crate::machinst::{Reg, ValueRegs};

impl RuleCtx<'_, '_> {
    pub(super) fn i128_unary(&mut self, op: Opcode, ty: Type, from: Type, x: ValueRegs) -> ValueRegs {
        match op {
            Opcode::Ireduce if from.bits() == 128 => ValueRegs::one(x.lo()),
            Opcode::Bitcast if from.bits() == 128 && ty.bits() == 128 => x,
            Opcode::Uextend | Opcode::Sextend if ty.bits() == 128 && from.bits() <= 64 => {
                let signed = op == Opcode::Sextend;
                let lo = self.ext_ty(signed, from, x.lo());
                let hi = if signed { self.shift_imm(ShiftOp::Srai, lo, 63) } else { regs::zero() };
                ValueRegs::two(lo, hi)
            }
            Opcode::Bnot if ty.bits() == 128 => {
                let (lo, hi) = (self.not(x.lo()), self.not(x.hi()));
                ValueRegs::two(lo, hi)
            }
            Opcode::Ineg if ty.bits() == 128 => {
                let zero = ValueRegs::two(regs::zero(), regs::zero());
                self.i128_binary(Opcode::Isub, zero, x)
            }
            _ => {
                self.unsupported(format!("`{op}` from `{from}` to `{ty}` on riscv64"));
                x
            }
        }
    }

    /// `x + y` (or `x - y`) with the unsigned carry (borrow) out and the signed overflow
    /// bit, each 0 or 1; `cin` is added (subtracted) too.
    fn i128_add_flags(&mut self, add: bool, x: ValueRegs, y: ValueRegs, cin: Option<Reg>) -> (ValueRegs, Reg, Reg) {
        let (xl, xh, yl, yh) = (x.lo(), x.hi(), y.lo(), y.hi());
        let (op, lo, c0) = if add {
            let lo = self.alu(AluOp::Add, xl, yl);
            (AluOp::Add, lo, self.alu(AluOp::Sltu, lo, xl))
        } else {
            let lo = self.alu(AluOp::Sub, xl, yl);
            (AluOp::Sub, lo, self.alu(AluOp::Sltu, xl, yl))
        };
        let (lo, c0) = match cin {
            None => (lo, c0),
            Some(c) => {
                let l2 = self.alu(op, lo, c);
                let c1 = if add { self.alu(AluOp::Sltu, l2, lo) } else { self.alu(AluOp::Sltu, lo, c) };
                (l2, self.alu(AluOp::Or, c0, c1))
            }
        };
        let t = self.alu(op, xh, yh);
        let c1 = if add { self.alu(AluOp::Sltu, t, xh) } else { self.alu(AluOp::Sltu, xh, yh) };
        let hi = self.alu(op, t, c0);
        let c2 = if add { self.alu(AluOp::Sltu, hi, t) } else { self.alu(AluOp::Sltu, t, c0) };
        let carry = self.alu(AluOp::Or, c1, c2);
        let s = if add {
            let a = self.alu(AluOp::Xor, hi, xh);
            let b = self.alu(AluOp::Xor, hi, yh);
            self.alu(AluOp::And, a, b)
        } else {
            let a = self.alu(AluOp::Xor, xh, yh);
            let b = self.alu(AluOp::Xor, xh, hi);
            self.alu(AluOp::And, a, b)
        };
        let ovf = self.shift_imm(ShiftOp::Srli, s, 63);
        (ValueRegs::two(lo, hi), carry, ovf)
    }

    pub(super) fn i128_binary(&mut self, op: Opcode, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let pair = |ctx: &mut Self, aop: AluOp, not_y: bool| {
            let (yl, yh) = if not_y { (ctx.not(y.lo()), ctx.not(y.hi())) } else { (y.lo(), y.hi()) };
            let lo = ctx.alu(aop, x.lo(), yl);
            let hi = ctx.alu(aop, x.hi(), yh);
            ValueRegs::two(lo, hi)
        };
        match op {
            Opcode::Iadd | Opcode::Isub => self.i128_add_flags(op == Opcode::Iadd, x, y, None).0,
            Opcode::Imul => {
                let lo = self.alu(AluOp::Mul, x.lo(), y.lo());
                let h = self.alu(AluOp::Mulhu, x.lo(), y.lo());
                let a = self.alu(AluOp::Mul, x.lo(), y.hi());
                let b = self.alu(AluOp::Mul, x.hi(), y.lo());
                let s = self.alu(AluOp::Add, h, a);
                let hi = self.alu(AluOp::Add, s, b);
                ValueRegs::two(lo, hi)
            }
            Opcode::Band => pair(self, AluOp::And, false),
            Opcode::Bor => pair(self, AluOp::Or, false),
            Opcode::Bxor => pair(self, AluOp::Xor, false),
            Opcode::BandNot => pair(self, AluOp::And, true),
            Opcode::BorNot => pair(self, AluOp::Or, true),
            Opcode::BxorNot => pair(self, AluOp::Xor, true),
            Opcode::Ishl | Opcode::Ushr | Opcode::Sshr => self.i128_shift(op, x, y.lo()),
            Opcode::Rotl | Opcode::Rotr => {
                let neg = self.neg(y.lo());
                let (l, r) = if op == Opcode::Rotl { (y.lo(), neg) } else { (neg, y.lo()) };
                let a = self.i128_shift(Opcode::Ishl, x, l);
                let b = self.i128_shift(Opcode::Ushr, x, r);
                let lo = self.alu(AluOp::Or, a.lo(), b.lo());
                let hi = self.alu(AluOp::Or, a.hi(), b.hi());
                ValueRegs::two(lo, hi)
            }
            Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax => {
                let cc = if matches!(op, Opcode::Smin | Opcode::Smax) {
                    IntCC::SignedLessThan
                } else {
                    IntCC::UnsignedLessThan
                };
                let lt = self.i128_cmp(cc, x, y);
                let (a, b) = if matches!(op, Opcode::Smin | Opcode::Umin) { (x, y) } else { (y, x) };
                let lo = self.select_reg(lt, a.lo(), b.lo());
                let hi = self.select_reg(lt, a.hi(), b.hi());
                ValueRegs::two(lo, hi)
            }
            Opcode::UaddSat | Opcode::UsubSat => {
                let add = op == Opcode::UaddSat;
                let (r, carry, _) = self.i128_add_flags(add, x, y, None);
                let m = self.neg(carry);
                if add {
                    let lo = self.alu(AluOp::Or, r.lo(), m);
                    let hi = self.alu(AluOp::Or, r.hi(), m);
                    ValueRegs::two(lo, hi)
                } else {
                    let keep = self.not(m);
                    let lo = self.alu(AluOp::And, r.lo(), keep);
                    let hi = self.alu(AluOp::And, r.hi(), keep);
                    ValueRegs::two(lo, hi)
                }
            }
            Opcode::SaddSat | Opcode::SsubSat => {
                let (r, _, ovf) = self.i128_add_flags(op == Opcode::SaddSat, x, y, None);
                let s = self.shift_imm(ShiftOp::Srai, x.hi(), 63);
                let max = self.konst(i64::MAX as u64);
                let sat_hi = self.alu(AluOp::Xor, s, max);
                let sat_lo = self.not(s);
                let lo = self.select_reg(ovf, sat_lo, r.lo());
                let hi = self.select_reg(ovf, sat_hi, r.hi());
                ValueRegs::two(lo, hi)
            }
            _ => {
                self.unsupported(format!("`{op}` on `i128` on riscv64"));
                x
            }
        }
    }

    /// A shift of a pair by `amt` modulo 128.
    fn i128_shift(&mut self, op: Opcode, x: ValueRegs, amt: Reg) -> ValueRegs {
        let (lo, hi) = (x.lo(), x.hi());
        let s = self.alu_imm(ImmOp::Andi, amt, 63);
        let big = self.alu_imm(ImmOp::Andi, amt, 64);
        let inv = self.alu_imm(ImmOp::Xori, s, 63);
        if op == Opcode::Ishl {
            let lo_sh = self.alu(AluOp::Sll, lo, s);
            let hi_sh = self.alu(AluOp::Sll, hi, s);
            let l1 = self.shift_imm(ShiftOp::Srli, lo, 1);
            let carry = self.alu(AluOp::Srl, l1, inv);
            let hi1 = self.alu(AluOp::Or, hi_sh, carry);
            let new_lo = self.select_reg(big, regs::zero(), lo_sh);
            let new_hi = self.select_reg(big, lo_sh, hi1);
            return ValueRegs::two(new_lo, new_hi);
        }
        let signed = op == Opcode::Sshr;
        let lo_sh = self.alu(AluOp::Srl, lo, s);
        let hi_sh = self.alu(if signed { AluOp::Sra } else { AluOp::Srl }, hi, s);
        let h1 = self.shift_imm(ShiftOp::Slli, hi, 1);
        let carry = self.alu(AluOp::Sll, h1, inv);
        let lo1 = self.alu(AluOp::Or, lo_sh, carry);
        let fill = if signed { self.shift_imm(ShiftOp::Srai, hi, 63) } else { regs::zero() };
        let new_lo = self.select_reg(big, hi_sh, lo1);
        let new_hi = self.select_reg(big, fill, hi_sh);
        ValueRegs::two(new_lo, new_hi)
    }

    /// The comparison of two pairs as 0 or 1.
    pub(super) fn i128_cmp(&mut self, cc: IntCC, x: ValueRegs, y: ValueRegs) -> Reg {
        let (x, y, cc) = match cc {
            IntCC::SignedGreaterThan => (y, x, IntCC::SignedLessThan),
            IntCC::SignedLessThanOrEqual => (y, x, IntCC::SignedGreaterThanOrEqual),
            IntCC::UnsignedGreaterThan => (y, x, IntCC::UnsignedLessThan),
            IntCC::UnsignedLessThanOrEqual => (y, x, IntCC::UnsignedGreaterThanOrEqual),
            other => (x, y, other),
        };
        let dl = self.alu(AluOp::Xor, x.lo(), y.lo());
        let dh = self.alu(AluOp::Xor, x.hi(), y.hi());
        match cc {
            IntCC::Equal | IntCC::NotEqual => {
                let d = self.alu(AluOp::Or, dl, dh);
                if cc == IntCC::Equal { self.seqz(d) } else { self.snez(d) }
            }
            _ => {
                let signed = matches!(cc, IntCC::SignedLessThan | IntCC::SignedGreaterThanOrEqual);
                let hi_lt = self.alu(if signed { AluOp::Slt } else { AluOp::Sltu }, x.hi(), y.hi());
                let hi_eq = self.seqz(dh);
                let lo_lt = self.alu(AluOp::Sltu, x.lo(), y.lo());
                let t = self.alu(AluOp::And, hi_eq, lo_lt);
                let lt = self.alu(AluOp::Or, hi_lt, t);
                if matches!(cc, IntCC::SignedLessThan | IntCC::UnsignedLessThan) {
                    lt
                } else {
                    self.alu_imm(ImmOp::Xori, lt, 1)
                }
            }
        }
    }

    /// The overflow family on pairs (the products' flags are legalized).
    pub(super) fn i128_overflow(&mut self, op: Opcode, a: Value, b: Value, c: Option<Value>, r0: Value, r1: Value) {
        let (x, y) = (self.lower.put_in_regs(a), self.lower.put_in_regs(b));
        let cin = c.map(|c| {
            let r = self.put_in_reg_checked(c);
            let z = self.ext(false, 8, r);
            self.snez(z)
        });
        let (add, signed) = match op {
            Opcode::UaddOverflow | Opcode::UaddOverflowCin => (true, false),
            Opcode::SaddOverflow | Opcode::SaddOverflowCin => (true, true),
            Opcode::UsubOverflow | Opcode::UsubOverflowBin => (false, false),
            Opcode::SsubOverflow | Opcode::SsubOverflowBin => (false, true),
            _ => return self.unsupported(format!("`{op}` on `i128` on riscv64")),
        };
        let (r, carry, ovf) = self.i128_add_flags(add, x, y, cin);
        self.lower.set_output_regs(r0, r);
        self.lower.set_output(r1, if signed { ovf } else { carry });
    }
}
