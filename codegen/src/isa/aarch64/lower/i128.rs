//! 128-bit integers as register pairs (low half first): carries through `adds`/`adc`,
//! products from `umulh` and `madd`, comparisons through `cmp`/`sbcs`, shifts by a
//! register amount with `csel` choosing between the halves. Division, conversions and
//! the bit-counting operations are rewritten by legalization before lowering.

use super::isle::ShiftKind;
use super::{RuleCtx, int_cond};
use crate::ir::{IntCC, MemFlags, Opcode, Value};
use crate::isa::aarch64::inst::Inst as MInst;
use crate::isa::aarch64::inst::args::{AMode, AluOp, AluOp3, CSelOp, Cond, LoadOp, OperandSize, StoreOp};
use crate::isa::aarch64::inst::imms::ImmLogic;
use crate::isa::aarch64::regs;
use crate::machinst::{Reg, ValueRegs};

const X: OperandSize = OperandSize::S64;

impl RuleCtx<'_, '_> {
    pub(super) fn i128_binary_impl(&mut self, op: Opcode, x: ValueRegs, y: ValueRegs) -> ValueRegs {
        let pair = |ctx: &mut Self, lo_op: AluOp, hi_op: AluOp| {
            let lo = ctx.alu(X, lo_op, x.lo(), y.lo());
            let hi = ctx.alu(X, hi_op, x.hi(), y.hi());
            ValueRegs::two(lo, hi)
        };
        match op {
            Opcode::Iadd => pair(self, AluOp::Adds, AluOp::Adc),
            Opcode::Isub => pair(self, AluOp::Subs, AluOp::Sbc),
            Opcode::Band => pair(self, AluOp::And, AluOp::And),
            Opcode::Bor => pair(self, AluOp::Orr, AluOp::Orr),
            Opcode::Bxor => pair(self, AluOp::Eor, AluOp::Eor),
            Opcode::BandNot => pair(self, AluOp::Bic, AluOp::Bic),
            Opcode::BorNot => pair(self, AluOp::Orn, AluOp::Orn),
            Opcode::BxorNot => pair(self, AluOp::Eon, AluOp::Eon),
            Opcode::Imul => {
                // hi = umulh(xl, yl) + xl * yh + xh * yl; lo = xl * yl.
                let lo = self.madd(x.lo(), y.lo(), regs::zr());
                let carry = self.alu(X, AluOp::Umulh, x.lo(), y.lo());
                let h1 = self.madd(x.lo(), y.hi(), carry);
                let hi = self.madd(x.hi(), y.lo(), h1);
                ValueRegs::two(lo, hi)
            }
            Opcode::UaddSat | Opcode::UsubSat => {
                let add = op == Opcode::UaddSat;
                let (lo_op, hi_op) = if add { (AluOp::Adds, AluOp::Adcs) } else { (AluOp::Subs, AluOp::Sbcs) };
                let r = pair(self, lo_op, hi_op);
                // A carry out saturates to all ones, a borrow (carry clear) to zero.
                let (op, cond) = if add { (CSelOp::Csinv, Cond::Lo) } else { (CSelOp::Csel, Cond::Hs) };
                let lo = self.csel(op, X, r.lo(), regs::zr(), cond);
                let hi = self.csel(op, X, r.hi(), regs::zr(), cond);
                ValueRegs::two(lo, hi)
            }
            Opcode::SaddSat | Opcode::SsubSat => {
                // Overflow saturates towards the sign of x: MAX or MIN.
                use crate::isa::aarch64::inst::args::BitfieldOp;
                let sign = self.bitfield(BitfieldOp::Sbfm, X, x.hi(), 63, 63);
                let max = ImmLogic::maybe_from_u64(i64::MAX as u64, X).expect("MAX is a bitmask");
                let sat_hi = self.tmp();
                self.emit(MInst::AluRRImmLogic { op: AluOp::Eor, size: X, rd: sat_hi, rn: sign, imm: max });
                let sat_lo = self.alu(X, AluOp::Orn, regs::zr(), sign);
                let add = op == Opcode::SaddSat;
                let (lo_op, hi_op) = if add { (AluOp::Adds, AluOp::Adcs) } else { (AluOp::Subs, AluOp::Sbcs) };
                let r = pair(self, lo_op, hi_op);
                let lo = self.csel(CSelOp::Csel, X, sat_lo, r.lo(), Cond::Vs);
                let hi = self.csel(CSelOp::Csel, X, sat_hi, r.hi(), Cond::Vs);
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
                let lo = self.csel(CSelOp::Csel, X, x.lo(), y.lo(), cond);
                let hi = self.csel(CSelOp::Csel, X, x.hi(), y.hi(), cond);
                ValueRegs::two(lo, hi)
            }
            _ => {
                self.unsupported(format!("`{op}` on i128 on aarch64"));
                x
            }
        }
    }

    /// `uadd_overflow` and friends on pairs, with an optional carry (borrow) in: the
    /// wrapped value and the flag as 0 or 1.
    pub(super) fn i128_overflow_impl(
        &mut self,
        op: Opcode,
        x: ValueRegs,
        y: ValueRegs,
        carry: Option<Reg>,
        r0: Value,
        r1: Value,
    ) {
        let (add, signed) = match op {
            Opcode::UaddOverflow | Opcode::UaddOverflowCin => (true, false),
            Opcode::SaddOverflow | Opcode::SaddOverflowCin => (true, true),
            Opcode::UsubOverflow | Opcode::UsubOverflowBin => (false, false),
            Opcode::SsubOverflow | Opcode::SsubOverflowBin => (false, true),
            _ => return self.unsupported(format!("`{op}` on i128 on aarch64")),
        };
        let lo_op = match (carry.is_some(), add) {
            (false, true) => AluOp::Adds,
            (false, false) => AluOp::Subs,
            (true, true) => AluOp::Adcs,
            (true, false) => AluOp::Sbcs,
        };
        if let Some(c) = carry {
            self.set_carry(c, add);
        }
        let lo = self.alu(X, lo_op, x.lo(), y.lo());
        let hi = self.alu(X, if add { AluOp::Adcs } else { AluOp::Sbcs }, x.hi(), y.hi());
        let cond = match (add, signed) {
            (true, false) => Cond::Hs,
            (false, false) => Cond::Lo,
            _ => Cond::Vs,
        };
        let flag = self.cset(cond);
        self.lower.set_output_regs(r0, ValueRegs::two(lo, hi));
        self.lower.set_output(r1, flag);
    }

    fn madd(&mut self, rn: Reg, rm: Reg, ra: Reg) -> Reg {
        let rd = self.tmp();
        self.emit(MInst::AluRRRR { op: AluOp3::Madd, size: X, rd, rn, rm, ra });
        rd
    }

    pub(super) fn i128_unary_impl(&mut self, op: Opcode, x: ValueRegs) -> ValueRegs {
        let zr = regs::zr();
        match op {
            Opcode::Bnot => {
                let lo = self.alu(X, AluOp::Orn, zr, x.lo());
                let hi = self.alu(X, AluOp::Orn, zr, x.hi());
                ValueRegs::two(lo, hi)
            }
            _ => {
                // ineg: 0 - x with the borrow.
                let lo = self.alu(X, AluOp::Subs, zr, x.lo());
                let hi = self.alu(X, AluOp::Sbc, zr, x.hi());
                ValueRegs::two(lo, hi)
            }
        }
    }

    /// The flags of a 128-bit comparison and the condition meaning `cc`. `cmp`/`sbcs`
    /// give N, V and C of the whole subtraction but Z of the high half only, so the
    /// conditions that need Z compare the other way round; equality tests both halves.
    pub(super) fn i128_cmp_impl(&mut self, cc: IntCC, x: ValueRegs, y: ValueRegs) -> Cond {
        let zr = regs::zr();
        match cc {
            IntCC::Equal | IntCC::NotEqual => {
                let lo = self.alu(X, AluOp::Eor, x.lo(), y.lo());
                let hi = self.alu(X, AluOp::Eor, x.hi(), y.hi());
                let either = self.alu(X, AluOp::Orr, lo, hi);
                self.cmp_imm_flags(X, either, 0);
                int_cond(cc)
            }
            _ => {
                let swap = matches!(
                    cc,
                    IntCC::SignedGreaterThan
                        | IntCC::SignedLessThanOrEqual
                        | IntCC::UnsignedGreaterThan
                        | IntCC::UnsignedLessThanOrEqual
                );
                let (a, b, cc) = if swap { (y, x, cc.swap_args()) } else { (x, y, cc) };
                self.emit(MInst::AluRRR { op: AluOp::Subs, size: X, rd: zr, rn: a.lo(), rm: b.lo() });
                self.emit(MInst::AluRRR { op: AluOp::Sbcs, size: X, rd: zr, rn: a.hi(), rm: b.hi() });
                int_cond(cc)
            }
        }
    }

    /// A shift of `x` by `amt` modulo 128 (see the module docs); rotates are two shifts.
    pub(super) fn i128_shift_impl(&mut self, op: ShiftKind, x: ValueRegs, amt: Reg) -> ValueRegs {
        match op {
            ShiftKind::Rol | ShiftKind::Ror => {
                let neg = self.alu(X, AluOp::Sub, regs::zr(), amt);
                let (l, r) = if op == ShiftKind::Rol { (amt, neg) } else { (neg, amt) };
                let a = self.i128_shift_impl(ShiftKind::Shl, x, l);
                let b = self.i128_shift_impl(ShiftKind::Shr, x, r);
                let lo = self.alu(X, AluOp::Orr, a.lo(), b.lo());
                let hi = self.alu(X, AluOp::Orr, a.hi(), b.hi());
                ValueRegs::two(lo, hi)
            }
            _ => {
                let not_amt = self.alu(X, AluOp::Orn, regs::zr(), amt);
                let bit64 = ImmLogic::maybe_from_u64(64, X).expect("a single bit is a bitmask");
                let (near, far, into) =
                    if op == ShiftKind::Shl { (x.lo(), x.hi(), true) } else { (x.hi(), x.lo(), false) };
                // The part of `near` shifted into the `far` half: (near >> 1) >> !amt
                // (zero for amounts that are multiples of 64).
                let second = if into { AluOp::Lslv } else { AluOp::Lsrv };
                let half = self.shift1(near, into);
                let carried = self.alu(X, if into { AluOp::Lsrv } else { AluOp::Lslv }, half, not_amt);
                let near_op = match op {
                    ShiftKind::Shl => AluOp::Lslv,
                    ShiftKind::Sar => AluOp::Asrv,
                    _ => AluOp::Lsrv,
                };
                let near_sh = self.alu(X, near_op, near, amt);
                let far_sh = self.alu(X, second, far, amt);
                let far_new = self.alu(X, AluOp::Orr, far_sh, carried);
                self.emit(MInst::AluRRImmLogic { op: AluOp::Ands, size: X, rd: regs::zr(), rn: amt, imm: bit64 });
                // amt >= 64: the far half is the near half shifted, the near half is zero
                // (or the sign for `sshr`).
                let fill = if op == ShiftKind::Sar {
                    self.bitfield(crate::isa::aarch64::inst::args::BitfieldOp::Sbfm, X, near, 63, 63)
                } else {
                    regs::zr()
                };
                let far_out = self.csel(CSelOp::Csel, X, near_sh, far_new, Cond::Ne);
                let near_out = self.csel(CSelOp::Csel, X, fill, near_sh, Cond::Ne);
                if into { ValueRegs::two(near_out, far_out) } else { ValueRegs::two(far_out, near_out) }
            }
        }
    }

    /// `r >> 1` (`into`: a left shift moves bits from the low half into the high one)
    /// or `r << 1`.
    fn shift1(&mut self, r: Reg, into: bool) -> Reg {
        use crate::isa::aarch64::inst::args::BitfieldOp;
        if into { self.bitfield(BitfieldOp::Ubfm, X, r, 1, 63) } else { self.bitfield(BitfieldOp::Ubfm, X, r, 63, 62) }
    }

    fn i128_amode(&mut self, addr: Value, off: i32, half: i64) -> AMode {
        let rn = self.lower.put_in_reg(addr);
        AMode::BaseOffset { rn, offset: off as i64 + half }
    }

    pub(super) fn i128_load_impl(&mut self, flags: MemFlags, addr: Value, off: i32) -> ValueRegs {
        let trap = Self::trap_code(flags);
        let (lo, hi) = (self.tmp(), self.tmp());
        let m0 = self.i128_amode(addr, off, 0);
        let m1 = self.i128_amode(addr, off, 8);
        self.emit(MInst::Load { op: LoadOp::LdrX, rt: lo, mem: m0, trap });
        self.emit(MInst::Load { op: LoadOp::LdrX, rt: hi, mem: m1, trap });
        ValueRegs::two(lo, hi)
    }

    pub(super) fn i128_store_impl(&mut self, flags: MemFlags, x: ValueRegs, addr: Value, off: i32) {
        let trap = Self::trap_code(flags);
        let m0 = self.i128_amode(addr, off, 0);
        let m1 = self.i128_amode(addr, off, 8);
        self.emit(MInst::Store { op: StoreOp::StrX, rt: x.lo(), mem: m0, trap });
        self.emit(MInst::Store { op: StoreOp::StrX, rt: x.hi(), mem: m1, trap });
    }
}
