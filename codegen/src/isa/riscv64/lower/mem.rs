//! Memory: loads and stores of every scalar type (big-endian accesses byte-swap in
//! registers around a little-endian access), `i128` as two doublewords, and atomics
//! (sequentially consistent: fenced loads and stores, `amo*.aqrl` for the 32- and 64-bit
//! read-modify-write operations the A extension has, LR/SC loops for the others and
//! for 8- and 16-bit memory).

use super::RuleCtx;
use crate::ir::{AtomicRmwOp, Endianness, MemFlags, Opcode, Type, Value};
use crate::isa::riscv64::inst::Inst as MInst;
use crate::isa::riscv64::inst::args::{AMode, AmoOp, AmoOrder, AmoWidth, FpSize, LoadOp, ShiftOp, StoreOp};
use crate::isa::riscv64::inst::atomic::AtomicLoopOp;
use crate::isa::riscv64::regs;
use crate::machinst::{Reg, ValueRegs};

/// `mem` moved up by `delta` bytes.
fn plus(mem: AMode, delta: i64) -> AMode {
    match mem {
        AMode::BaseOffset { base, offset } => AMode::BaseOffset { base, offset: offset + delta },
        AMode::RegOffset { base, offset } => AMode::BaseOffset { base, offset: offset as i64 + delta },
        AMode::SpOffset { offset } => AMode::SpOffset { offset: offset + delta },
        AMode::StackSlot { offset } => AMode::StackSlot { offset: offset + delta as u32 },
        AMode::IncomingArg { offset } => AMode::IncomingArg { offset: offset + delta as u32 },
    }
}

fn is_big(flags: MemFlags) -> bool {
    flags.explicit_endianness() == Some(Endianness::Big)
}

/// The integer load of `bits` bits, sign- or zero-extending.
fn int_load_op(bits: u32, signed: bool) -> LoadOp {
    match (bits, signed) {
        (8, false) => LoadOp::Lbu,
        (8, true) => LoadOp::Lb,
        (16, false) => LoadOp::Lhu,
        (16, true) => LoadOp::Lh,
        (32, false) => LoadOp::Lwu,
        (32, true) => LoadOp::Lw,
        _ => LoadOp::Ld,
    }
}

fn int_store_op(bits: u32) -> StoreOp {
    match bits {
        8 => StoreOp::Sb,
        16 => StoreOp::Sh,
        32 => StoreOp::Sw,
        _ => StoreOp::Sd,
    }
}

impl RuleCtx<'_, '_> {
    fn load_int(&mut self, bits: u32, signed: bool, flags: MemFlags, mem: AMode) -> Reg {
        let rd = self.tmp();
        let big = is_big(flags) && bits > 8;
        let op = int_load_op(bits, signed && !big);
        self.emit(MInst::Load { op, rd, mem, trap: Self::trap_code(flags) });
        if !big {
            return rd;
        }
        let s = self.bswap_bytes(rd, (bits / 8) as u8);
        if signed { self.ext(true, bits, s) } else { s }
    }

    /// The value of `r`'s low `bits` bits in the byte order `flags` asks for.
    fn store_order(&mut self, bits: u32, flags: MemFlags, r: Reg) -> Reg {
        if !is_big(flags) || bits <= 8 || regs::is_zero(r) {
            return r;
        }
        self.bswap_bytes(r, (bits / 8) as u8)
    }

    pub(super) fn load(&mut self, op: Opcode, ty: Type, flags: MemFlags, mem: AMode) -> ValueRegs {
        let (bits, signed) = match op {
            Opcode::Load => (ty.bits(), false),
            Opcode::Uload8 => (8, false),
            Opcode::Sload8 => (8, true),
            Opcode::Uload16 => (16, false),
            Opcode::Sload16 => (16, true),
            Opcode::Uload32 => (32, false),
            Opcode::Sload32 => (32, true),
            _ => {
                self.unsupported(format!("`{op}` on riscv64"));
                return ValueRegs::one(regs::zero());
            }
        };
        if ty.is_float() {
            if is_big(flags) {
                let i = self.load_int(bits, false, flags, mem);
                let rd = self.ftmp();
                let size = if bits == 32 { FpSize::S } else { FpSize::D };
                self.emit(MInst::FmvFromInt { size, rd, rs1: i });
                return ValueRegs::one(rd);
            }
            let rd = self.ftmp();
            let op = if bits == 32 { LoadOp::Flw } else { LoadOp::Fld };
            self.emit(MInst::Load { op, rd, mem, trap: Self::trap_code(flags) });
            return ValueRegs::one(rd);
        }
        if ty.bits() == 128 {
            if bits == 128 {
                let lo = self.load_int(64, false, flags, mem);
                let hi = self.load_int(64, false, flags, plus(mem, 8));
                return ValueRegs::two(lo, hi);
            }
            let lo = self.load_int(bits, signed, flags, mem);
            let hi = if signed { self.shift_imm(ShiftOp::Srai, lo, 63) } else { regs::zero() };
            return ValueRegs::two(lo, hi);
        }
        ValueRegs::one(self.load_int(bits, signed, flags, mem))
    }

    pub(super) fn store(&mut self, op: Opcode, flags: MemFlags, ty: Type, x: ValueRegs, mem: AMode) {
        let bits = match op {
            Opcode::Store => ty.bits(),
            Opcode::Istore8 => 8,
            Opcode::Istore16 => 16,
            Opcode::Istore32 => 32,
            _ => return self.unsupported(format!("`{op}` on riscv64")),
        };
        let trap = Self::trap_code(flags);
        if ty.is_float() {
            if is_big(flags) {
                let i = self.tmp();
                let size = if bits == 32 { FpSize::S } else { FpSize::D };
                self.emit(MInst::FmvToInt { size, rd: i, rs1: x.lo() });
                let v = self.store_order(bits, flags, i);
                self.emit(MInst::Store { op: int_store_op(bits), src: v, mem, trap });
                return;
            }
            let op = if bits == 32 { StoreOp::Fsw } else { StoreOp::Fsd };
            self.emit(MInst::Store { op, src: x.lo(), mem, trap });
            return;
        }
        if bits == 128 {
            let (lo, hi) = (self.store_order(64, flags, x.lo()), self.store_order(64, flags, x.hi()));
            self.emit(MInst::Store { op: StoreOp::Sd, src: lo, mem, trap });
            self.emit(MInst::Store { op: StoreOp::Sd, src: hi, mem: plus(mem, 8), trap });
            return;
        }
        let v = self.store_order(bits, flags, x.lo());
        self.emit(MInst::Store { op: int_store_op(bits), src: v, mem, trap });
    }

    fn fence_rw(&mut self) {
        self.emit(MInst::Fence { pred: 0x3, succ: 0x3 });
    }

    fn atomic_ty(&mut self, ty: Type) -> bool {
        let ok = ty.is_int_scalar() && ty.bits() <= 64;
        if !ok {
            self.unsupported(format!("atomic accesses of `{ty}` on riscv64"));
        }
        ok
    }

    pub(super) fn atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_ty(ty) {
            return;
        }
        let a = self.put_in_reg_checked(addr);
        self.fence_rw();
        let r = self.load_int(ty.bits(), false, flags, AMode::RegOffset { base: a, offset: 0 });
        self.emit(MInst::Fence { pred: 0x2, succ: 0x3 });
        self.lower.set_output(v, r);
    }

    pub(super) fn atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) {
        let ty = self.lower.value_type(x);
        if !self.atomic_ty(ty) {
            return;
        }
        let (r, a) = (self.put_in_reg_checked(x), self.put_in_reg_checked(addr));
        let v = self.store_order(ty.bits(), flags, r);
        self.emit(MInst::Fence { pred: 0x3, succ: 0x1 });
        let mem = AMode::RegOffset { base: a, offset: 0 };
        self.emit(MInst::Store { op: int_store_op(ty.bits()), src: v, mem, trap: Self::trap_code(flags) });
        self.fence_rw();
    }

    /// An LR/SC loop (`Inst::AtomicLoop`) for `op`; the operand and expected value are
    /// extended as the loop's comparisons need.
    fn atomic_loop(
        &mut self,
        v: Value,
        flags: MemFlags,
        op: AtomicLoopOp,
        addr: Value,
        src: Value,
        exp: Option<Value>,
    ) {
        let ty = self.lower.value_type(v);
        if !self.atomic_ty(ty) {
            return;
        }
        let bits = ty.bits();
        let a = self.put_in_reg_checked(addr);
        let s = self.put_in_reg_checked(src);
        let signed = bits == 32 || matches!(op, AtomicLoopOp::Smin | AtomicLoopOp::Smax);
        let s = if bits < 64 { self.ext(signed, bits, s) } else { s };
        let e = match exp {
            Some(e) => {
                let r = self.put_in_reg_checked(e);
                if bits == 32 { self.ext(true, 32, r) } else { r }
            }
            None => regs::zero(),
        };
        let (old, t1, t2, t3, t4) = (self.tmp(), self.tmp(), self.tmp(), self.tmp(), self.tmp());
        let big = is_big(flags);
        self.emit(MInst::AtomicLoop { op, bits: bits as u8, big, addr: a, src: s, expected: e, old, t1, t2, t3, t4 });
        self.lower.set_output(v, old);
    }

    pub(super) fn atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_ty(ty) {
            return;
        }
        let bits = ty.bits();
        let loop_op = match op {
            AtomicRmwOp::Add => AtomicLoopOp::Add,
            AtomicRmwOp::Sub => AtomicLoopOp::Sub,
            AtomicRmwOp::And => AtomicLoopOp::And,
            AtomicRmwOp::Nand => AtomicLoopOp::Nand,
            AtomicRmwOp::Or => AtomicLoopOp::Or,
            AtomicRmwOp::Xor => AtomicLoopOp::Xor,
            AtomicRmwOp::Xchg => AtomicLoopOp::Xchg,
            AtomicRmwOp::Umin => AtomicLoopOp::Umin,
            AtomicRmwOp::Umax => AtomicLoopOp::Umax,
            AtomicRmwOp::Smin => AtomicLoopOp::Smin,
            AtomicRmwOp::Smax => AtomicLoopOp::Smax,
        };
        if bits < 32 || is_big(flags) || op == AtomicRmwOp::Nand {
            return self.atomic_loop(v, flags, loop_op, addr, x, None);
        }
        let (a, mut src) = (self.put_in_reg_checked(addr), self.put_in_reg_checked(x));
        let amo = match op {
            AtomicRmwOp::Add => AmoOp::Add,
            AtomicRmwOp::Sub => {
                src = self.neg(src);
                AmoOp::Add
            }
            AtomicRmwOp::And => AmoOp::And,
            AtomicRmwOp::Or => AmoOp::Or,
            AtomicRmwOp::Xor => AmoOp::Xor,
            AtomicRmwOp::Xchg => AmoOp::Swap,
            AtomicRmwOp::Umin => AmoOp::Minu,
            AtomicRmwOp::Umax => AmoOp::Maxu,
            AtomicRmwOp::Smin => AmoOp::Min,
            AtomicRmwOp::Smax => AmoOp::Max,
            AtomicRmwOp::Nand => unreachable!("an LR/SC loop above"),
        };
        let width = if bits == 32 { AmoWidth::W } else { AmoWidth::D };
        let rd = self.tmp();
        self.emit(MInst::Amo { op: amo, width, order: AmoOrder::AcqRel, rd, addr: a, src });
        self.lower.set_output(v, rd);
    }

    pub(super) fn atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) {
        self.atomic_loop(v, flags, AtomicLoopOp::Cas, addr, r, Some(e));
    }
}
