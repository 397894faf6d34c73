//! Integer operations whose machine sequence is more than one choice of instruction:
//! shifts and rotates of narrow values, division with its traps, high multiplies, bit
//! counting, minimum and maximum, saturating arithmetic, and the overflow families.
//!
//! Narrow values (`i8`, `i16`) sit in `w` registers with unspecified upper bits: each
//! helper extends them before the upper bits could matter.

use super::isle::{Context as _, ShiftKind};
use super::{RuleCtx, extend_op, size_of};
use crate::ir::{Opcode, TrapCode, Type, Value};
use crate::isa::aarch64::inst::Inst as MInst;
use crate::isa::aarch64::inst::args::{AluOp, AluOp3, BitOp, BitfieldOp, CSelOp, Cond, CondBrKind, OperandSize};
use crate::isa::aarch64::inst::imms::{Imm12, ImmLogic};
use crate::isa::aarch64::regs;
use crate::machinst::Reg;

impl RuleCtx<'_, '_> {
    pub(super) fn shift_imm_impl(&mut self, ty: Type, op: ShiftKind, x: Reg, k: i64) -> Reg {
        let bits = ty.bits();
        let amt = (k as u64 % bits as u64) as u8;
        if amt == 0 {
            return x;
        }
        let size = size_of(ty);
        let width = size.bits() as u8;
        let top = bits as u8 - 1;
        match op {
            // `lsl`: ubfm with the rotation that moves bit 0 to `amt`.
            ShiftKind::Shl => self.bitfield(BitfieldOp::Ubfm, size, x, (width - amt) % width, width - 1 - amt),
            // The field `amt..bits` of the value, zero- or sign-extended: also extends a
            // narrow value, whose upper bits are unspecified.
            ShiftKind::Shr => self.bitfield(BitfieldOp::Ubfm, size, x, amt, top),
            ShiftKind::Sar => self.bitfield(BitfieldOp::Sbfm, size, x, amt, top),
            ShiftKind::Rol | ShiftKind::Ror => {
                let right = if op == ShiftKind::Ror { amt } else { bits as u8 - amt };
                if bits >= 32 {
                    let rd = self.tmp();
                    self.emit(MInst::Extr { size, rd, rn: x, rm: x, lsb: right });
                    rd
                } else {
                    // (x >> right) | (x << (bits - right)) on the zero-extended value.
                    let xz = self.ext_reg(false, ty, x);
                    let lo = self.bitfield(BitfieldOp::Ubfm, size, xz, right, top);
                    let left = bits as u8 - right;
                    let rd = self.tmp();
                    let shift = crate::isa::aarch64::inst::args::ShiftOpAndAmt {
                        op: crate::isa::aarch64::inst::args::ShiftOp::Lsl,
                        amt: left,
                    };
                    self.emit(MInst::AluRRRShift { op: AluOp::Orr, size, rd, rn: lo, rm: xz, shift });
                    rd
                }
            }
        }
    }

    pub(super) fn shift_reg_impl(&mut self, ty: Type, op: ShiftKind, x: Reg, amt: Reg) -> Reg {
        let bits = ty.bits();
        let size = size_of(ty);
        if bits >= 32 {
            // The register forms take the amount modulo the width.
            let (op, amt) = match op {
                ShiftKind::Shl => (AluOp::Lslv, amt),
                ShiftKind::Shr => (AluOp::Lsrv, amt),
                ShiftKind::Sar => (AluOp::Asrv, amt),
                ShiftKind::Ror => (AluOp::Rorv, amt),
                ShiftKind::Rol => (AluOp::Rorv, self.alu(size, AluOp::Sub, regs::zr(), amt)),
            };
            return self.alu(size, op, x, amt);
        }
        let mask = ImmLogic::maybe_from_u64(bits as u64 - 1, OperandSize::S32);
        let Some(mask) = mask else {
            self.unsupported(format!("a `{ty}` shift on aarch64"));
            return x;
        };
        let and_mask = |ctx: &mut Self, r: Reg| {
            let rd = ctx.tmp();
            ctx.emit(MInst::AluRRImmLogic { op: AluOp::And, size: OperandSize::S32, rd, rn: r, imm: mask });
            rd
        };
        let amt = and_mask(self, amt);
        match op {
            ShiftKind::Shl => self.alu(size, AluOp::Lslv, x, amt),
            ShiftKind::Shr => {
                let xz = self.ext_reg(false, ty, x);
                self.alu(size, AluOp::Lsrv, xz, amt)
            }
            ShiftKind::Sar => {
                let xs = self.ext_reg(true, ty, x);
                self.alu(size, AluOp::Asrv, xs, amt)
            }
            ShiftKind::Rol | ShiftKind::Ror => {
                // (x << a) | (x >> ((bits - a) & (bits - 1))) on the zero-extended value,
                // or the mirror image for `ror`.
                let xz = self.ext_reg(false, ty, x);
                let neg = self.alu(size, AluOp::Sub, regs::zr(), amt);
                let other = and_mask(self, neg);
                let (l, r) = if op == ShiftKind::Rol { (amt, other) } else { (other, amt) };
                let hi = self.alu(size, AluOp::Lslv, xz, l);
                let lo = self.alu(size, AluOp::Lsrv, xz, r);
                self.alu(size, AluOp::Orr, hi, lo)
            }
        }
    }

    /// Division and remainder: traps `int_divz` on a zero divisor and, for `sdiv`,
    /// `int_ovf` on `MIN / -1` (the instruction itself never faults). A remainder is
    /// `x - (x / y) * y` (`msub`), which is 0 for `MIN % -1` as the IR wants.
    pub(super) fn div_impl(&mut self, ty: Type, signed: bool, is_rem: bool, x: Reg, y: Reg) -> Reg {
        let size = size_of(ty);
        let x = self.ext_reg(signed, ty, x);
        let y = self.ext_reg(signed, ty, y);
        self.emit(MInst::TrapIf { kind: CondBrKind::Zero(y, size), code: TrapCode::IntegerDivisionByZero });
        if signed && !is_rem {
            // `cmn y, #1; ccmp x, MIN, #0, eq; b.eq trap`: x == MIN only tested when y == -1.
            let min = self.constant((i64::MIN >> (64 - ty.bits())) as u64, size);
            self.emit(MInst::AluRRImm12 {
                op: AluOp::Adds,
                size,
                rd: regs::zr(),
                rn: y,
                imm: Imm12 { bits: 1, shift12: false },
            });
            self.emit(MInst::CCmp {
                op: crate::isa::aarch64::inst::args::CCmpOp::Ccmp,
                size,
                rn: x,
                rhs: crate::isa::aarch64::inst::args::CCmpRhs::Reg(min),
                nzcv: 0,
                cond: Cond::Eq,
            });
            self.emit(MInst::TrapIf { kind: CondBrKind::Cond(Cond::Eq), code: TrapCode::IntegerOverflow });
        }
        let q = self.alu(size, if signed { AluOp::Sdiv } else { AluOp::Udiv }, x, y);
        if !is_rem {
            return q;
        }
        let rd = self.tmp();
        self.emit(MInst::AluRRRR { op: AluOp3::Msub, size, rd, rn: q, rm: y, ra: x });
        rd
    }

    pub(super) fn mulhi_impl(&mut self, ty: Type, signed: bool, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        if bits == 64 {
            return self.alu(OperandSize::S64, if signed { AluOp::Smulh } else { AluOp::Umulh }, x, y);
        }
        // The full product of the extended values in 64 bits, then its high half.
        let xs = self.extend(signed, bits, OperandSize::S64, x);
        let ys = self.extend(signed, bits, OperandSize::S64, y);
        let rd = self.tmp();
        self.emit(MInst::AluRRRR { op: AluOp3::Madd, size: OperandSize::S64, rd, rn: xs, rm: ys, ra: regs::zr() });
        let op = if signed { BitfieldOp::Sbfm } else { BitfieldOp::Ubfm };
        self.bitfield(op, OperandSize::S64, rd, bits as u8, 63)
    }

    pub(super) fn int_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let bits = ty.bits();
        let size = size_of(ty);
        let width = size.bits();
        let bit_op = |ctx: &mut Self, op: BitOp, size: OperandSize, rn: Reg| {
            let rd = ctx.tmp();
            ctx.emit(MInst::BitRR { op, size, rd, rn });
            rd
        };
        match op {
            Opcode::Iabs => {
                let xs = self.ext_reg(true, ty, x);
                self.cmp_imm_flags(size, xs, 0);
                self.csel(CSelOp::Csneg, size, xs, xs, Cond::Ge)
            }
            Opcode::Popcnt => {
                // cnt counts each byte, addv adds the eight counts.
                let xz = self.ext_reg(false, ty, x);
                let v = self.ftmp();
                self.emit(MInst::MovToFpu { size: OperandSize::S64, rd: v, rn: xz });
                let c = self.ftmp();
                self.emit(MInst::VecCnt { rd: c, rn: v });
                let s = self.ftmp();
                self.emit(MInst::VecAddv { rd: s, rn: c });
                let rd = self.tmp();
                self.emit(MInst::MovFromFpu { size: OperandSize::S32, rd, rn: s });
                rd
            }
            Opcode::Clz => {
                let xz = self.ext_reg(false, ty, x);
                let n = bit_op(self, BitOp::Clz, size, xz);
                self.less(size, n, width - bits)
            }
            Opcode::Cls => {
                let xs = self.ext_reg(true, ty, x);
                let n = bit_op(self, BitOp::Cls, size, xs);
                self.less(size, n, width - bits)
            }
            Opcode::Ctz => {
                // A bit set just above the value makes the count stop at `bits`.
                let x = if bits < width {
                    let imm = ImmLogic::maybe_from_u64(1 << bits, size).expect("a single bit is a bitmask");
                    let rd = self.tmp();
                    self.emit(MInst::AluRRImmLogic { op: AluOp::Orr, size, rd, rn: x, imm });
                    rd
                } else {
                    x
                };
                let r = bit_op(self, BitOp::Rbit, size, x);
                bit_op(self, BitOp::Clz, size, r)
            }
            Opcode::Bswap => match bits {
                16 => bit_op(self, BitOp::Rev16, OperandSize::S32, x),
                32 | 64 => bit_op(self, BitOp::Rev, size, x),
                _ => x,
            },
            Opcode::Bitrev => {
                let r = bit_op(self, BitOp::Rbit, size, x);
                if bits < width {
                    self.bitfield(BitfieldOp::Ubfm, size, r, (width - bits) as u8, width as u8 - 1)
                } else {
                    r
                }
            }
            // The operand is already 0 or 1 (`cset`): 0 - it is 0 or all ones.
            Opcode::Bmask => self.alu(size, AluOp::Sub, regs::zr(), x),
            _ => {
                self.unsupported(format!("`{op}` on aarch64"));
                x
            }
        }
    }

    /// `n - k` (a count corrected for the bits above a narrow value).
    fn less(&mut self, size: OperandSize, n: Reg, k: u32) -> Reg {
        if k == 0 {
            return n;
        }
        self.alu_imm(size, AluOp::Sub, n, Imm12 { bits: k as u16, shift12: false })
    }

    pub(super) fn int_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let size = size_of(ty);
        let minmax = |ctx: &mut Self, signed: bool, cond: Cond| {
            let xe = ctx.ext_reg(signed, ty, x);
            let ye = ctx.ext_reg(signed, ty, y);
            ctx.emit(MInst::AluRRR { op: AluOp::Subs, size, rd: regs::zr(), rn: xe, rm: ye });
            ctx.csel(CSelOp::Csel, size, xe, ye, cond)
        };
        match op {
            Opcode::Smin => minmax(self, true, Cond::Lt),
            Opcode::Smax => minmax(self, true, Cond::Gt),
            Opcode::Umin => minmax(self, false, Cond::Lo),
            Opcode::Umax => minmax(self, false, Cond::Hi),
            Opcode::UaddSat | Opcode::UsubSat if bits >= 32 => {
                let add = op == Opcode::UaddSat;
                let r = self.alu(size, if add { AluOp::Adds } else { AluOp::Subs }, x, y);
                if add {
                    // On a carry out, all ones.
                    self.csel(CSelOp::Csinv, size, r, regs::zr(), Cond::Lo)
                } else {
                    // On a borrow (carry clear), zero.
                    self.csel(CSelOp::Csel, size, r, regs::zr(), Cond::Hs)
                }
            }
            Opcode::SaddSat | Opcode::SsubSat if bits >= 32 => {
                let add = op == Opcode::SaddSat;
                // Overflow saturates towards the sign of `x`: MAX ^ (x >> (bits - 1)).
                let sign = self.bitfield(BitfieldOp::Sbfm, size, x, bits as u8 - 1, bits as u8 - 1);
                let max = ImmLogic::maybe_from_u64((1u64 << (bits - 1)) - 1, size).expect("MAX is a bitmask");
                let sat = self.tmp();
                self.emit(MInst::AluRRImmLogic { op: AluOp::Eor, size, rd: sat, rn: sign, imm: max });
                let r = self.alu(size, if add { AluOp::Adds } else { AluOp::Subs }, x, y);
                self.csel(CSelOp::Csel, size, sat, r, Cond::Vs)
            }
            Opcode::UaddSat | Opcode::UsubSat | Opcode::SaddSat | Opcode::SsubSat => {
                // Narrow: exact in 32 bits, then clamped to the type's range.
                let signed = matches!(op, Opcode::SaddSat | Opcode::SsubSat);
                let xe = self.ext_reg(signed, ty, x);
                let ye = self.ext_reg(signed, ty, y);
                let add = matches!(op, Opcode::UaddSat | Opcode::SaddSat);
                let r = self.alu(size, if add { AluOp::Add } else { AluOp::Sub }, xe, ye);
                let (lo, hi) =
                    if signed { (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1) } else { (0, (1i64 << bits) - 1) };
                let hi_r = self.constant(hi as u64, size);
                self.emit(MInst::AluRRR { op: AluOp::Subs, size, rd: regs::zr(), rn: r, rm: hi_r });
                let r = self.csel(CSelOp::Csel, size, hi_r, r, Cond::Gt);
                let lo_r = self.constant(lo as u64, size);
                self.emit(MInst::AluRRR { op: AluOp::Subs, size, rd: regs::zr(), rn: r, rm: lo_r });
                self.csel(CSelOp::Csel, size, lo_r, r, Cond::Lt)
            }
            Opcode::AvgRound => {
                if bits == 64 {
                    // (x | y) - ((x ^ y) >> 1) never overflows.
                    let or = self.alu(size, AluOp::Orr, x, y);
                    let xor = self.alu(size, AluOp::Eor, x, y);
                    let half = self.bitfield(BitfieldOp::Ubfm, size, xor, 1, 63);
                    self.alu(size, AluOp::Sub, or, half)
                } else {
                    let xz = self.extend(false, bits, OperandSize::S64, x);
                    let yz = self.extend(false, bits, OperandSize::S64, y);
                    let sum = self.alu(OperandSize::S64, AluOp::Add, xz, yz);
                    let sum = self.alu_imm(OperandSize::S64, AluOp::Add, sum, Imm12 { bits: 1, shift12: false });
                    self.bitfield(BitfieldOp::Ubfm, OperandSize::S64, sum, 1, 63)
                }
            }
            _ => {
                self.unsupported(format!("`{op}` on aarch64"));
                x
            }
        }
    }

    /// `uadd_overflow` and friends: the wrapped value and the flag as 0 or 1.
    pub(super) fn overflow(&mut self, op: Opcode, ty: Type, a: Value, b: Value, r0: Value, r1: Value) {
        let (x, y) = (self.put_in_reg(a), self.put_in_reg(b));
        let bits = ty.bits();
        let size = size_of(ty);
        let (value, flag) = match op {
            Opcode::UaddOverflow | Opcode::SaddOverflow | Opcode::UsubOverflow | Opcode::SsubOverflow if bits >= 32 => {
                let add = matches!(op, Opcode::UaddOverflow | Opcode::SaddOverflow);
                let r = self.alu(size, if add { AluOp::Adds } else { AluOp::Subs }, x, y);
                let cond = match op {
                    Opcode::UaddOverflow => Cond::Hs,
                    Opcode::UsubOverflow => Cond::Lo,
                    _ => Cond::Vs,
                };
                (r, self.cset(cond))
            }
            Opcode::UaddOverflow | Opcode::SaddOverflow | Opcode::UsubOverflow | Opcode::SsubOverflow => {
                // Narrow: exact in 32 bits; overflow when extending the low bits changes it.
                let signed = matches!(op, Opcode::SaddOverflow | Opcode::SsubOverflow);
                let xe = self.ext_reg(signed, ty, x);
                let ye = self.ext_reg(signed, ty, y);
                let add = matches!(op, Opcode::UaddOverflow | Opcode::SaddOverflow);
                let r = self.alu(size, if add { AluOp::Add } else { AluOp::Sub }, xe, ye);
                let extend = extend_op(signed, bits);
                self.emit(MInst::AluRRRExtend {
                    op: AluOp::Subs,
                    size,
                    rd: regs::zr(),
                    rn: r,
                    rm: r,
                    extend,
                    amount: 0,
                });
                (r, self.cset(Cond::Ne))
            }
            Opcode::UmulOverflow | Opcode::SmulOverflow => {
                let signed = op == Opcode::SmulOverflow;
                if bits == 64 {
                    let r = self.tmp();
                    self.emit(MInst::AluRRRR { op: AluOp3::Madd, size, rd: r, rn: x, rm: y, ra: regs::zr() });
                    let hi = self.alu(size, if signed { AluOp::Smulh } else { AluOp::Umulh }, x, y);
                    if signed {
                        // Overflow unless the high half is the sign of the low half.
                        let shift = crate::isa::aarch64::inst::args::ShiftOpAndAmt {
                            op: crate::isa::aarch64::inst::args::ShiftOp::Asr,
                            amt: 63,
                        };
                        self.emit(MInst::AluRRRShift { op: AluOp::Subs, size, rd: regs::zr(), rn: hi, rm: r, shift });
                    } else {
                        self.cmp_imm_flags(size, hi, 0);
                    }
                    (r, self.cset(Cond::Ne))
                } else {
                    // The exact product in 64 bits, compared with its truncation extended.
                    let xe = self.extend(signed, bits, OperandSize::S64, x);
                    let ye = self.extend(signed, bits, OperandSize::S64, y);
                    let p = self.tmp();
                    self.emit(MInst::AluRRRR {
                        op: AluOp3::Madd,
                        size: OperandSize::S64,
                        rd: p,
                        rn: xe,
                        rm: ye,
                        ra: regs::zr(),
                    });
                    let extend = extend_op(signed, bits);
                    self.emit(MInst::AluRRRExtend {
                        op: AluOp::Subs,
                        size: OperandSize::S64,
                        rd: regs::zr(),
                        rn: p,
                        rm: p,
                        extend,
                        amount: 0,
                    });
                    (p, self.cset(Cond::Ne))
                }
            }
            _ => {
                self.unsupported(format!("`{op}` on aarch64"));
                (x, x)
            }
        };
        self.lower.set_output(r0, value);
        self.lower.set_output(r1, flag);
    }

    /// `uadd_overflow_cin` and friends: the carry (borrow) in is any non-zero `i8`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn overflow_carry(&mut self, op: Opcode, ty: Type, a: Value, b: Value, c: Value, r0: Value, r1: Value) {
        let (x, y, c) = (self.put_in_reg(a), self.put_in_reg(b), self.put_in_reg(c));
        let bits = ty.bits();
        let size = size_of(ty);
        let add = matches!(op, Opcode::UaddOverflowCin | Opcode::SaddOverflowCin);
        let signed = matches!(op, Opcode::SaddOverflowCin | Opcode::SsubOverflowBin);
        if !matches!(
            op,
            Opcode::UaddOverflowCin | Opcode::SaddOverflowCin | Opcode::UsubOverflowBin | Opcode::SsubOverflowBin
        ) {
            return self.unsupported(format!("`{op}` on aarch64"));
        }
        self.set_carry(c, add);
        if bits >= 32 {
            let r = self.alu(size, if add { AluOp::Adcs } else { AluOp::Sbcs }, x, y);
            let cond = match (add, signed) {
                (true, false) => Cond::Hs,
                (false, false) => Cond::Lo,
                _ => Cond::Vs,
            };
            let flag = self.cset(cond);
            self.lower.set_output(r0, r);
            self.lower.set_output(r1, flag);
        } else {
            let xe = self.ext_reg(signed, ty, x);
            let ye = self.ext_reg(signed, ty, y);
            let r = self.alu(size, if add { AluOp::Adc } else { AluOp::Sbc }, xe, ye);
            let extend = extend_op(signed, bits);
            self.emit(MInst::AluRRRExtend { op: AluOp::Subs, size, rd: regs::zr(), rn: r, rm: r, extend, amount: 0 });
            let flag = self.cset(Cond::Ne);
            self.lower.set_output(r0, r);
            self.lower.set_output(r1, flag);
        }
    }

    /// Sets the carry flag from the `i8` carry (`add`) or borrow `c`: C = (c != 0) for an
    /// add, C = (c == 0) for a subtract (aarch64's borrow is !C).
    pub(super) fn set_carry(&mut self, c: Reg, add: bool) {
        let imm = ImmLogic::maybe_from_u64(0xff, OperandSize::S32).expect("0xff is a bitmask");
        self.emit(MInst::AluRRImmLogic { op: AluOp::Ands, size: OperandSize::S32, rd: regs::zr(), rn: c, imm });
        let one = self.cset(if add { Cond::Ne } else { Cond::Eq });
        // `cmp one, #1` sets C exactly when one >= 1.
        self.cmp_imm_flags(OperandSize::S32, one, 1);
    }

    /// `uadd_overflow_trap`: the sum, trapping with `code` on a carry out.
    pub(super) fn add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) {
        let ty = self.lower.value_type(v);
        self.check_int(ty);
        let (x, y) = (self.put_in_reg(a), self.put_in_reg(b));
        let bits = ty.bits();
        let size = size_of(ty);
        let r = if bits >= 32 {
            let r = self.alu(size, AluOp::Adds, x, y);
            self.emit(MInst::TrapIf { kind: CondBrKind::Cond(Cond::Hs), code });
            r
        } else {
            let xe = self.ext_reg(false, ty, x);
            let ye = self.ext_reg(false, ty, y);
            let r = self.alu(size, AluOp::Add, xe, ye);
            let extend = extend_op(false, bits);
            self.emit(MInst::AluRRRExtend { op: AluOp::Subs, size, rd: regs::zr(), rn: r, rm: r, extend, amount: 0 });
            self.emit(MInst::TrapIf { kind: CondBrKind::Cond(Cond::Ne), code });
            r
        };
        self.lower.set_output(v, r);
    }
}
