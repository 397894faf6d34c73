//! Loads and stores on s390x (big-endian; a little-endian access uses the byte-reversing
//! `lrv`/`strv` forms, through a general register for floats), stack slots, and atomics:
//! plain loads, stores followed by a serialization (`bcr 14, 0`), the interlocked-access
//! instructions (`laa`, `lan`, `lao`, `lax`) and `cs`/`csg`. Operations the hardware has
//! no single instruction for (exchange, `nand`, minimum and maximum, 8- and 16-bit
//! widths, little-endian read-modify-write and compare-and-swap) use the
//! compare-and-swap loop [`MInst::AtomicLoop`] (`inst/atomic.rs`).

use super::RuleCtx;
use crate::ir::{AtomicRmwOp, Endianness, MemFlags, StackSlot, TrapCode, Type, Value};
use crate::isa::s390x::inst::Inst as MInst;
use crate::isa::s390x::inst::args::{AtomicOp, CasOp, ImmOp, LoadOp, MemArg, ShiftOp, StoreOp, UnaryOp};
use crate::isa::s390x::inst::atomic::AtomicLoopOp;
use crate::isa::s390x::regs;
use crate::machinst::{Reg, ValueRegs};

fn is_little(flags: MemFlags) -> bool {
    flags.explicit_endianness() == Some(Endianness::Little)
}

impl RuleCtx<'_, '_> {
    /// The storage operand `addr + off`.
    pub(super) fn mem_at(&mut self, addr: Value, off: i32) -> MemArg {
        let base = self.lower.put_in_reg(addr);
        MemArg::RegOffset { base, offset: off as i64 }
    }

    /// The storage operand of `slot + off`.
    pub(super) fn stack_mem(&mut self, slot: StackSlot, off: i32) -> MemArg {
        let base = self.lower.stack_slot_offset(slot) as i64 + off as i64;
        match u32::try_from(base) {
            Ok(offset) => MemArg::StackSlot { offset },
            Err(_) => {
                self.unsupported("a negative stack-slot offset".into());
                MemArg::StackSlot { offset: 0 }
            }
        }
    }

    fn load_op(&mut self, op: LoadOp, mem: MemArg, trap: Option<TrapCode>) -> Reg {
        let rd = if op.is_fp() { self.ftmp() } else { self.tmp() };
        self.emit(MInst::Load { op, rd, mem, trap });
        rd
    }

    /// A load of `bits` from `mem` into a register of `ty`, extended (for integers) as
    /// `signed` says.
    pub(super) fn load_mem(&mut self, ty: Type, bits: u32, signed: bool, flags: MemFlags, mem: MemArg) -> Reg {
        let trap = Self::trap_code(flags);
        let le = is_little(flags);
        if ty.is_float() {
            if !le {
                return self.load_op(if bits == 32 { LoadOp::Le } else { LoadOp::Ld }, mem, trap);
            }
            let g = self.load_op(if bits == 32 { LoadOp::Lrv } else { LoadOp::Lrvg }, mem, trap);
            let g = if bits == 32 { self.shift_k(ShiftOp::Sllg, g, 32) } else { g };
            return self.fpr_of(g);
        }
        match (bits, le) {
            (64, false) => self.load_op(LoadOp::Lg, mem, trap),
            (64, true) => self.load_op(LoadOp::Lrvg, mem, trap),
            (32, false) => self.load_op(if signed { LoadOp::Lgf } else { LoadOp::Llgf }, mem, trap),
            (16, false) => self.load_op(if signed { LoadOp::Lgh } else { LoadOp::Llgh }, mem, trap),
            (8, _) => self.load_op(if signed { LoadOp::Lgb } else { LoadOp::Llgc }, mem, trap),
            (_, true) => {
                let op = if bits == 32 { LoadOp::Lrv } else { LoadOp::Lrvh };
                let r = self.load_op(op, mem, trap);
                self.ext64(signed, bits, r)
            }
            _ => {
                self.unsupported(format!("a {bits}-bit load on s390x"));
                self.tmp()
            }
        }
    }

    /// A store of the low `bits` of `x` (of type `ty`) to `mem`.
    pub(super) fn store_mem(&mut self, ty: Type, bits: u32, flags: MemFlags, x: Reg, mem: MemArg) {
        let trap = Self::trap_code(flags);
        let le = is_little(flags);
        let mut x = x;
        if ty.is_float() {
            if !le {
                let op = if bits == 32 { StoreOp::Ste } else { StoreOp::Std };
                return self.emit(MInst::Store { op, rs: x, mem, trap });
            }
            let rd = self.fbits(x);
            x = if bits == 32 { self.shift_k(ShiftOp::Srlg, rd, 32) } else { rd };
        }
        let op = match (bits, le) {
            (64, false) => StoreOp::Stg,
            (64, true) => StoreOp::Strvg,
            (32, false) => StoreOp::St,
            (32, true) => StoreOp::Strv,
            (16, false) => StoreOp::Sth,
            (16, true) => StoreOp::Strvh,
            _ => StoreOp::Stc,
        };
        self.emit(MInst::Store { op, rs: x, mem, trap });
    }

    /// An `i128` from big-endian memory: the high half at `m0`, the low half at `m1`.
    pub(super) fn i128_load_mem(&mut self, trap: Option<TrapCode>, m0: MemArg, m1: MemArg) -> ValueRegs {
        let hi = self.load_op(LoadOp::Lg, m0, trap);
        let lo = self.load_op(LoadOp::Lg, m1, trap);
        ValueRegs::two(lo, hi)
    }

    /// An `i128` to big-endian memory (see [`Self::i128_load_mem`]).
    pub(super) fn i128_store_mem(&mut self, trap: Option<TrapCode>, x: ValueRegs, m0: MemArg, m1: MemArg) {
        self.emit(MInst::Store { op: StoreOp::Stg, rs: x.hi(), mem: m0, trap });
        self.emit(MInst::Store { op: StoreOp::Stg, rs: x.lo(), mem: m1, trap });
    }

    /// The type of an atomic operation's value, if it is one this backend handles.
    fn atomic_ty(&mut self, v: Value) -> Type {
        self.lower.value_type(v)
    }

    pub(super) fn atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) {
        let ty = self.atomic_ty(v);
        let mem = self.mem_at(addr, 0);
        // Loads are not reordered with earlier loads or with later accesses; the
        // serialization after every atomic store orders them with earlier stores.
        let r = self.load_mem(ty, ty.bits(), false, flags, mem);
        self.lower.set_output(v, r);
    }

    pub(super) fn atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) {
        let ty = self.lower.value_type(x);
        let r = self.lower.put_in_reg(x);
        let mem = self.mem_at(addr, 0);
        self.store_mem(ty, ty.bits(), flags, r, mem);
        self.emit(MInst::Fence { fast: true });
    }

    pub(super) fn atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) {
        let ty = self.atomic_ty(v);
        let wide = ty.bits() == 64;
        let pick = |n: AtomicOp, g: AtomicOp| if wide { g } else { n };
        let interlocked = match op {
            AtomicRmwOp::Add | AtomicRmwOp::Sub => Some(pick(AtomicOp::Laa, AtomicOp::Laag)),
            AtomicRmwOp::And => Some(pick(AtomicOp::Lan, AtomicOp::Lang)),
            AtomicRmwOp::Or => Some(pick(AtomicOp::Lao, AtomicOp::Laog)),
            AtomicRmwOp::Xor => Some(pick(AtomicOp::Lax, AtomicOp::Laxg)),
            _ => None,
        };
        let aop = match interlocked {
            Some(aop) if matches!(ty.bits(), 32 | 64) && !is_little(flags) => aop,
            _ => {
                let lop = AtomicLoopOp::Rmw(op);
                let src = self.lower.put_in_reg(x);
                let r = self.atomic_loop(lop, ty, flags, addr, src, regs::zero_reg());
                return self.lower.set_output(v, r);
            }
        };
        let mut operand = self.lower.put_in_reg(x);
        if op == AtomicRmwOp::Sub {
            operand = self.unary(UnaryOp::Lcgr, operand);
        }
        let mem = self.mem_at(addr, 0);
        let rd = self.tmp();
        self.emit(MInst::AtomicRmw { op: aop, rd, rn: operand, mem, trap: Self::trap_code(flags) });
        self.lower.set_output(v, rd);
    }

    pub(super) fn atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) {
        let ty = self.atomic_ty(v);
        let (expected, replacement) = (self.lower.put_in_reg(e), self.lower.put_in_reg(r));
        if !matches!(ty.bits(), 32 | 64) || is_little(flags) {
            let out = self.atomic_loop(AtomicLoopOp::Cas, ty, flags, addr, replacement, expected);
            return self.lower.set_output(v, out);
        }
        let mem = self.mem_at(addr, 0);
        let rd = self.tmp();
        let op = if ty.bits() == 64 { CasOp::Csg } else { CasOp::Cs };
        self.emit(MInst::Cas { op, rd, ri: expected, rn: replacement, mem, trap: Self::trap_code(flags) });
        self.lower.set_output(v, rd);
    }

    /// A compare-and-swap loop for `op` on `ty` at `addr` (see [`MInst::AtomicLoop`]):
    /// places the operands, emits the loop and returns the old value, zero-extended for 8
    /// and 16 bits.
    fn atomic_loop(
        &mut self,
        op: AtomicLoopOp,
        ty: Type,
        flags: MemFlags,
        addr: Value,
        src: Reg,
        expected: Reg,
    ) -> Reg {
        let bits = ty.bits() as u8;
        let little = is_little(flags) && bits > 8;
        let trap = Self::trap_code(flags);
        let addr = self.lower.put_in_reg(addr);
        let old = self.tmp();
        let zero = regs::zero_reg();
        if bits >= 32 {
            let expected = if op == AtomicLoopOp::Cas { expected } else { zero };
            self.emit(MInst::AtomicLoop { op, bits, little, addr, shift: zero, neg: zero, src, expected, old, trap });
            if !little {
                return old;
            }
            return self.unary(if bits == 64 { UnaryOp::Lrvgr } else { UnaryOp::Lrvr }, old);
        }
        // The aligned word, the value's bit offset from its top and the operands moved to
        // the top of 32 bits.
        let word = self.alu_imm(ImmOp::Nill, addr, 0xfffc);
        let shift = self.shift_k(ShiftOp::Sllg, addr, 3);
        let neg = self.unary(UnaryOp::Lcgr, shift);
        let up = 32 - bits as u32;
        let src = self.shift_k(ShiftOp::Sllk, src, up);
        let expected = if op == AtomicLoopOp::Cas { self.shift_k(ShiftOp::Sllk, expected, up) } else { zero };
        self.emit(MInst::AtomicLoop { op, bits, little, addr: word, shift, neg, src, expected, old, trap });
        let low = if little {
            let swapped = self.unary(UnaryOp::Lrvr, old);
            self.shift(ShiftOp::Rll, swapped, 0, neg)
        } else {
            self.shift(ShiftOp::Rll, old, bits as i32, shift)
        };
        self.ext64(false, bits as u32, low)
    }
}
