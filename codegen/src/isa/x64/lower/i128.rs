//! The Rust side of the `i128` lowering rules (`lower_i128.isle`): 128-bit operations on
//! pairs of 64-bit registers, low half first.

use super::super::inst::Inst as MInst;
use super::super::inst::args::{
    AluOp, Amode, CC, ExtMode, OperandSize, RegMem, RegMemImm, ShiftAmount, ShiftKind, UnaryOp,
};
use super::RuleCtx;
use super::isle::Ext;
use crate::ir::{IntCC, MemFlags, Type};
use crate::machinst::{Reg, ValueRegs};

const S64: OperandSize = OperandSize::S64;

impl RuleCtx<'_, '_> {
    fn alu64(&mut self, op: AluOp, a: Reg, b: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::AluRmiR { size: S64, op, src1: a, src2: RegMemImm::Reg(b), dst, trap: None });
        dst
    }

    pub(super) fn i128_alu_impl(&mut self, lo_op: AluOp, hi_op: AluOp, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        // The high-half instruction must follow the low one directly when it consumes the
        // carry (adc/sbb); moves the allocator inserts between them do not touch flags.
        let lo = self.alu64(lo_op, x.lo(), y.lo());
        let hi = self.alu64(hi_op, x.hi(), y.hi());
        ValueRegs::two(lo, hi)
    }

    pub(super) fn i128_not_impl(&mut self, x: ValueRegs) -> ValueRegs {
        let (lo, hi) = (self.tmp(), self.tmp());
        self.emit(MInst::Unary { size: S64, op: UnaryOp::Not, src: x.lo(), dst: lo });
        self.emit(MInst::Unary { size: S64, op: UnaryOp::Not, src: x.hi(), dst: hi });
        ValueRegs::two(lo, hi)
    }

    pub(super) fn i128_neg_impl(&mut self, x: ValueRegs) -> ValueRegs {
        // 0 - x: sub on the low halves, sbb on the high halves.
        let zero_lo = self.imm(crate::ir::types::I64, 0);
        let zero_hi = self.imm(crate::ir::types::I64, 0);
        self.i128_alu_impl(AluOp::Sub, AluOp::Sbb, ValueRegs::two(zero_lo, zero_hi), x)
    }

    pub(super) fn i128_mul_impl(&mut self, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        // (xh*2^64 + xl) * (yh*2^64 + yl) mod 2^128 = xl*yl + ((xl*yh + xh*yl) << 64).
        let (lo, hi) = (self.tmp(), self.tmp());
        self.emit(MInst::MulHi { size: S64, signed: false, src1: x.lo(), src2: y.lo(), lo, hi });
        let a = self.tmp();
        self.emit(MInst::Imul { size: S64, src1: x.lo(), src2: RegMem::Reg(y.hi()), dst: a });
        let b = self.tmp();
        self.emit(MInst::Imul { size: S64, src1: x.hi(), src2: RegMem::Reg(y.lo()), dst: b });
        let cross = self.alu64(AluOp::Add, a, b);
        let hi = self.alu64(AluOp::Add, hi, cross);
        ValueRegs::two(lo, hi)
    }

    pub(super) fn i128_extend_impl(&mut self, ext: Ext, from: Type, x: Reg) -> ValueRegs {
        let signed = matches!(ext, Ext::Sign);
        let lo = if from.bits() >= 64 {
            x
        } else {
            let dst = self.tmp();
            let (f, src) = (OperandSize::from_bits(from.bits()).unwrap_or(S64), RegMem::Reg(x));
            self.emit(if signed {
                MInst::MovsxRmR { from: f, to: S64, src, dst }
            } else {
                MInst::MovzxRmR { from: f, to: S64, src, dst }
            });
            dst
        };
        let hi = if signed {
            let dst = self.tmp();
            self.emit(MInst::Shift { size: S64, kind: ShiftKind::Sar, src: lo, amount: ShiftAmount::Imm(63), dst });
            dst
        } else {
            self.imm(crate::ir::types::I64, 0)
        };
        ValueRegs::two(lo, hi)
    }

    /// Flags for `x cc y` on 128-bit values; returns the condition to test.
    pub(super) fn i128_cmp_impl(&mut self, cc: IntCC, x: ValueRegs, y: ValueRegs) -> CC {
        match cc {
            IntCC::Equal | IntCC::NotEqual => {
                let lo = self.alu64(AluOp::Xor, x.lo(), y.lo());
                let hi = self.alu64(AluOp::Xor, x.hi(), y.hi());
                let _ = self.alu64(AluOp::Or, lo, hi);
                if cc == IntCC::Equal { CC::Z } else { CC::NZ }
            }
            _ => {
                // `a < b` is the borrow (unsigned) or sign-vs-overflow (signed) of the
                // 128-bit subtraction a - b: cmp on the low halves, sbb on the high ones.
                // `>` and `<=` swap the operands; `>=` and `<=` invert.
                let (a, b, less, invert) = match cc {
                    IntCC::UnsignedLessThan => (x, y, CC::B, false),
                    IntCC::UnsignedGreaterThanOrEqual => (x, y, CC::B, true),
                    IntCC::UnsignedGreaterThan => (y, x, CC::B, false),
                    IntCC::UnsignedLessThanOrEqual => (y, x, CC::B, true),
                    IntCC::SignedLessThan => (x, y, CC::L, false),
                    IntCC::SignedGreaterThanOrEqual => (x, y, CC::L, true),
                    IntCC::SignedGreaterThan => (y, x, CC::L, false),
                    _ => (y, x, CC::L, true),
                };
                self.emit(MInst::Cmp { size: S64, src1: a.lo(), src2: RegMemImm::Reg(b.lo()) });
                let _ = self.alu64(AluOp::Sbb, a.hi(), b.hi());
                if invert { less.invert() } else { less }
            }
        }
    }

    pub(super) fn i128_nonzero_impl(&mut self, x: ValueRegs) -> CC {
        let _ = self.alu64(AluOp::Or, x.lo(), x.hi());
        CC::NZ
    }

    pub(super) fn i128_select_impl(&mut self, cc: CC, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let (lo, hi) = (self.tmp(), self.tmp());
        self.emit(MInst::Cmov { size: S64, cc, consequent: RegMem::Reg(x.lo()), alternative: y.lo(), dst: lo });
        self.emit(MInst::Cmov { size: S64, cc, consequent: RegMem::Reg(x.hi()), alternative: y.hi(), dst: hi });
        ValueRegs::two(lo, hi)
    }

    fn plus8(&mut self, a: &Amode) -> Option<Amode> {
        Some(match *a {
            Amode::ImmReg { base, disp } => Amode::ImmReg { base, disp: disp.checked_add(8)? },
            Amode::ImmRegRegShift { base, index, shift, disp } => {
                Amode::ImmRegRegShift { base, index, shift, disp: disp.checked_add(8)? }
            }
            Amode::StackSlot { offset } => Amode::StackSlot { offset: offset.checked_add(8)? },
            Amode::IncomingArg { offset } => Amode::IncomingArg { offset: offset.checked_add(8)? },
            Amode::RipRelative(_) => return None,
        })
    }

    fn big_endian(&mut self, flags: MemFlags) -> bool {
        if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
            self.unsupported("big-endian memory accesses on x86_64".into());
            return true;
        }
        false
    }

    pub(super) fn i128_load_impl(&mut self, flags: MemFlags, addr: Amode) -> ValueRegs {
        let (lo, hi) = (self.tmp(), self.tmp());
        if self.big_endian(flags) {
            return ValueRegs::two(lo, hi);
        }
        let Some(addr_hi) = self.plus8(&addr) else {
            self.unsupported("this 128-bit address on x86_64".into());
            return ValueRegs::two(lo, hi);
        };
        let trap = Self::trap_code(flags);
        self.emit(MInst::Load { size: S64, ext: ExtMode::None, addr, dst: lo, trap });
        self.emit(MInst::Load { size: S64, ext: ExtMode::None, addr: addr_hi, dst: hi, trap });
        ValueRegs::two(lo, hi)
    }

    pub(super) fn i128_store_impl(&mut self, flags: MemFlags, x: ValueRegs, addr: Amode) {
        if self.big_endian(flags) {
            return;
        }
        let Some(addr_hi) = self.plus8(&addr) else {
            self.unsupported("this 128-bit address on x86_64".into());
            return;
        };
        let trap = Self::trap_code(flags);
        self.emit(MInst::Store { size: S64, src: x.lo(), addr, trap });
        self.emit(MInst::Store { size: S64, src: x.hi(), addr: addr_hi, trap });
    }
}

/// The direction of a 128-bit shift.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) enum Shift128 {
    Left,
    RightLogical,
    RightArith,
}

impl RuleCtx<'_, '_> {
    fn shift64(&mut self, kind: ShiftKind, x: Reg, amount: ShiftAmount) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Shift { size: S64, kind, src: x, amount, dst });
        dst
    }

    /// A 128-bit shift by `amount` (its low 7 bits), without branches: shift both halves by
    /// `amount mod 64`, carry the bits that cross between them (through a shift by 1 and
    /// then by `63 - s`, so that `s = 0` never needs a shift by 64), and swap the halves
    /// with `cmov` when bit 6 of the amount is set.
    pub(super) fn i128_shift_impl(&mut self, dir: Shift128, x: ValueRegs, amount: Reg) -> ValueRegs {
        let cl = |r| ShiftAmount::Cl(r);
        let sixty_three = self.imm(crate::ir::types::I64, 63);
        let inv = self.alu64(AluOp::Sub, sixty_three, amount); // 63 - s (mod 64 in the shifts)
        let (lo, hi) = (x.lo(), x.hi());
        let (near, far) = match dir {
            Shift128::Left => {
                let lo2 = self.shift64(ShiftKind::Shl, lo, cl(amount));
                let hi2 = self.shift64(ShiftKind::Shl, hi, cl(amount));
                let carry = self.shift64(ShiftKind::Shr, lo, ShiftAmount::Imm(1));
                let carry = self.shift64(ShiftKind::Shr, carry, cl(inv));
                let hi2 = self.alu64(AluOp::Or, hi2, carry);
                (lo2, hi2)
            }
            Shift128::RightLogical | Shift128::RightArith => {
                let kind = if dir == Shift128::RightArith { ShiftKind::Sar } else { ShiftKind::Shr };
                let hi2 = self.shift64(kind, hi, cl(amount));
                let lo2 = self.shift64(ShiftKind::Shr, lo, cl(amount));
                let carry = self.shift64(ShiftKind::Shl, hi, ShiftAmount::Imm(1));
                let carry = self.shift64(ShiftKind::Shl, carry, cl(inv));
                let lo2 = self.alu64(AluOp::Or, lo2, carry);
                (hi2, lo2)
            }
        };
        // `near` is the half that moves away from the other (hi for left, the new hi for
        // right shifts); when the amount is 64 or more it becomes the far half.
        let fill = match dir {
            Shift128::RightArith => self.shift64(ShiftKind::Sar, hi, ShiftAmount::Imm(63)),
            _ => self.imm(crate::ir::types::I64, 0),
        };
        self.emit(MInst::Test { size: S64, src1: amount, src2: RegMemImm::Imm(64) });
        match dir {
            Shift128::Left => {
                // near = lo', far = hi'.
                let new_hi = self.cmov64(CC::NZ, near, far);
                self.emit(MInst::Test { size: S64, src1: amount, src2: RegMemImm::Imm(64) });
                let new_lo = self.cmov64(CC::NZ, fill, near);
                ValueRegs::two(new_lo, new_hi)
            }
            _ => {
                // near = hi', far = lo'.
                let new_lo = self.cmov64(CC::NZ, near, far);
                self.emit(MInst::Test { size: S64, src1: amount, src2: RegMemImm::Imm(64) });
                let new_hi = self.cmov64(CC::NZ, fill, near);
                ValueRegs::two(new_lo, new_hi)
            }
        }
    }

    /// A 128-bit rotate: the OR of a shift by `n` and the opposite shift by `128 - n`
    /// (both taken modulo 128, so `n = 0` gives `x | x`).
    pub(super) fn i128_rotate_impl(&mut self, left: bool, x: ValueRegs, amount: Reg) -> ValueRegs {
        let neg = self.tmp();
        self.emit(MInst::Unary { size: S64, op: UnaryOp::Neg, src: amount, dst: neg });
        let (first, second) =
            if left { (Shift128::Left, Shift128::RightLogical) } else { (Shift128::RightLogical, Shift128::Left) };
        let a = self.i128_shift_impl(first, x, amount);
        let b = self.i128_shift_impl(second, x, neg);
        self.i128_alu_impl(AluOp::Or, AluOp::Or, a, b)
    }
}

impl RuleCtx<'_, '_> {
    /// `x op y` on 128 bits with the flags of the whole operation left set (add/adc or
    /// sub/sbb), for the overflow and saturating forms.
    fn i128_addsub(&mut self, add: bool, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        if add {
            self.i128_alu_impl(AluOp::Add, AluOp::Adc, x, y)
        } else {
            self.i128_alu_impl(AluOp::Sub, AluOp::Sbb, x, y)
        }
    }

    /// The `*_overflow` family on `i128`: the wrapped result and the `i8` flag (carry or
    /// borrow for unsigned, overflow for signed). Multiplication is not supported yet.
    pub(super) fn i128_overflow_impl(
        &mut self,
        op: crate::ir::Opcode,
        x: ValueRegs,
        y: ValueRegs,
    ) -> Option<(ValueRegs, Reg)> {
        use crate::ir::Opcode as O;
        let (add, cc) = match op {
            O::UaddOverflow => (true, CC::B),
            O::SaddOverflow => (true, CC::O),
            O::UsubOverflow => (false, CC::B),
            O::SsubOverflow => (false, CC::O),
            _ => return None,
        };
        let r = self.i128_addsub(add, x, y);
        let flag = self.tmp();
        self.emit(MInst::Setcc { cc, dst: flag });
        Some((r, flag))
    }

    /// The saturating forms on `i128`.
    pub(super) fn i128_sat_impl(&mut self, op: crate::ir::Opcode, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        use crate::ir::Opcode as O;
        let i64t = crate::ir::types::I64;
        match op {
            O::UaddSat | O::UsubSat => {
                let add = op == O::UaddSat;
                let bound = self.imm(i64t, if add { -1 } else { 0 });
                let r = self.i128_addsub(add, x, y);
                let lo = self.cmov64(CC::B, bound, r.lo());
                let hi = self.cmov64(CC::B, bound, r.hi());
                ValueRegs::two(lo, hi)
            }
            _ => {
                // On overflow the result goes to MIN if `x` is negative, else MAX:
                // lo = !sign, hi = sign ^ 0x7fff...ffff, computed before the flags are set.
                let add = op == O::SaddSat;
                let sign = self.shift64(ShiftKind::Sar, x.hi(), ShiftAmount::Imm(63));
                let sat_lo = self.tmp();
                self.emit(MInst::Unary { size: S64, op: UnaryOp::Not, src: sign, dst: sat_lo });
                let max = self.imm(i64t, i64::MAX);
                let sat_hi = self.alu64(AluOp::Xor, sign, max);
                let r = self.i128_addsub(add, x, y);
                let lo = self.cmov64(CC::O, sat_lo, r.lo());
                let hi = self.cmov64(CC::O, sat_hi, r.hi());
                ValueRegs::two(lo, hi)
            }
        }
    }
}

impl RuleCtx<'_, '_> {
    /// The carry-in forms on `i128`: CF is set from the `i8` carry (`neg` sets CF when its
    /// operand is non-zero), then adc/adc or sbb/sbb, and the flag of the whole operation.
    pub(super) fn i128_carry_impl(
        &mut self,
        op: crate::ir::Opcode,
        x: ValueRegs,
        y: ValueRegs,
        carry: Reg,
    ) -> Option<(ValueRegs, Reg)> {
        use crate::ir::Opcode as O;
        let (op64, cc) = match op {
            O::UaddOverflowCin => (AluOp::Adc, CC::B),
            O::SaddOverflowCin => (AluOp::Adc, CC::O),
            O::UsubOverflowBin => (AluOp::Sbb, CC::B),
            O::SsubOverflowBin => (AluOp::Sbb, CC::O),
            _ => return None,
        };
        let scratch = self.tmp();
        self.emit(MInst::Unary { size: OperandSize::S8, op: UnaryOp::Neg, src: carry, dst: scratch });
        let r = self.i128_alu_impl(op64, op64, x, y);
        let flag = self.tmp();
        self.emit(MInst::Setcc { cc, dst: flag });
        Some((r, flag))
    }
}
