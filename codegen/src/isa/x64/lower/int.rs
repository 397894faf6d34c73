//! Integer operations of x86-64 lowering beyond plain ALU work: min/max and saturating
//! arithmetic with `cmov`, bit counting (with `popcnt`/`lzcnt`/`tzcnt` when the ISA flags
//! allow, `bsr`/`bsf` or bit twiddling otherwise), byte and bit reversal, the
//! overflow-flag family (two results), the trapping add, and atomics (big-endian ones
//! reverse the bytes in registers around the access). Called from the `Context` methods
//! of `mod.rs`.
//!
//! Narrow (`i8`, `i16`) values live in 32-bit registers whose upper bits are unspecified:
//! flag-setting operations run at the value's own width, and anything that looks at more
//! bits zero- or sign-extends first.

use super::isle::Context as _;
use super::{RuleCtx, alu_size, size_of_bits};
use crate::ir::{AtomicRmwOp, MemFlags, Opcode, TrapCode, Type, Value, types};
use crate::isa::x64::inst::Inst as MInst;
use crate::isa::x64::inst::args::{
    AluOp, Amode, BitOp, CC, ExtMode, OperandSize, RegMem, RegMemImm, RmwLoopOp, ShiftAmount, ShiftKind, UnaryOp,
};
use crate::machinst::Reg;

impl RuleCtx<'_, '_> {
    fn alu_sz(&mut self, size: OperandSize, op: AluOp, src1: Reg, src2: RegMemImm) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::AluRmiR { size, op, src1, src2, dst, trap: None });
        dst
    }

    fn shift_sz(&mut self, size: OperandSize, kind: ShiftKind, src: Reg, n: u8) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Shift { size, kind, src, amount: ShiftAmount::Imm(n), dst });
        dst
    }

    fn unary_sz(&mut self, size: OperandSize, op: UnaryOp, src: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Unary { size, op, src, dst });
        dst
    }

    fn cmov_sz(&mut self, size: OperandSize, cc: CC, consequent: Reg, alternative: Reg) -> Reg {
        let size = if size == OperandSize::S8 { OperandSize::S32 } else { size };
        let dst = self.tmp();
        self.emit(MInst::Cmov { size, cc, consequent: RegMem::Reg(consequent), alternative, dst });
        dst
    }

    fn bitcount(&mut self, op: BitOp, size: OperandSize, src: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::BitCount { op, size, src, dst });
        dst
    }

    /// The constant `k` in a register (64-bit move).
    fn imm64(&mut self, k: i64) -> Reg {
        self.imm(types::I64, k)
    }

    /// `x` zero-extended from `bits` to the 32- or 64-bit register width.
    fn zext(&mut self, bits: u32, x: Reg) -> Reg {
        if bits >= 32 {
            return x;
        }
        self.ext_to_32(false, Type::int_with_bits(bits).unwrap_or(types::I32), x)
    }

    /// Population count of the low `bits` of `x` (zero-extended) without `popcnt`: the
    /// classic pairwise sums, then a multiply gathering the byte counts in the top byte.
    fn popcnt_soft(&mut self, size: OperandSize, x: Reg) -> Reg {
        let wide = size == OperandSize::S64;
        let m = |b: u8| -> i64 { if wide { i64::from_ne_bytes([b; 8]) } else { i32::from_ne_bytes([b; 4]) as i64 } };
        let mask = |s: &mut Self, b: u8| -> RegMemImm {
            if wide { RegMemImm::Reg(s.imm64(m(b))) } else { RegMemImm::Imm(m(b) as i32) }
        };
        // x - ((x >> 1) & 0x55..)
        let t = self.shift_sz(size, ShiftKind::Shr, x, 1);
        let m55 = mask(self, 0x55);
        let t = self.alu_sz(size, AluOp::And, t, m55);
        let x = self.alu_sz(size, AluOp::Sub, x, RegMemImm::Reg(t));
        // (x & 0x33..) + ((x >> 2) & 0x33..)
        let m33 = mask(self, 0x33);
        let a = self.alu_sz(size, AluOp::And, x, m33);
        let t = self.shift_sz(size, ShiftKind::Shr, x, 2);
        let b = self.alu_sz(size, AluOp::And, t, m33);
        let x = self.alu_sz(size, AluOp::Add, a, RegMemImm::Reg(b));
        // (x + (x >> 4)) & 0x0f..
        let t = self.shift_sz(size, ShiftKind::Shr, x, 4);
        let x = self.alu_sz(size, AluOp::Add, x, RegMemImm::Reg(t));
        let m0f = mask(self, 0x0f);
        let x = self.alu_sz(size, AluOp::And, x, m0f);
        // (x * 0x01..) >> (width - 8)
        let p = self.tmp();
        if wide {
            let m01 = self.imm64(m(0x01));
            self.emit(MInst::Imul { size, src1: x, src2: RegMem::Reg(m01), dst: p });
        } else {
            self.emit(MInst::ImulImm { size, src: RegMem::Reg(x), imm: m(0x01) as i32, dst: p });
        }
        self.shift_sz(size, ShiftKind::Shr, p, if wide { 56 } else { 24 })
    }

    /// Leading zeros of the low `bits` of `x`.
    fn clz_bits(&mut self, bits: u32, x: Reg) -> Reg {
        let size = alu_size(Type::int_with_bits(bits).unwrap_or(types::I64));
        let z = self.zext(bits, x);
        let width = size.bits();
        if self.backend.isa_flags.has_lzcnt {
            let r = self.bitcount(BitOp::Lzcnt, size, z);
            if width == bits {
                return r;
            }
            return self.alu_sz(OperandSize::S32, AluOp::Sub, r, RegMemImm::Imm((width - bits) as i32));
        }
        // bits - 1 - bsr(x), with bsr taken as -1 for zero.
        let b = self.bitcount(BitOp::Bsr, size, z);
        let m1 = self.imm64(-1);
        let b = self.cmov_sz(size, CC::Z, m1, b);
        let n = self.unary_sz(size, UnaryOp::Neg, b);
        self.alu_sz(size, AluOp::Add, n, RegMemImm::Imm(bits as i32 - 1))
    }

    pub(super) fn int_unary(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let bits = ty.bits();
        let nsize = size_of_bits(bits);
        let size = alu_size(ty);
        match op {
            Opcode::Iabs => {
                // neg sets SF from -x; where -x is negative, x was the answer (MIN too).
                let n = self.unary_sz(nsize, UnaryOp::Neg, x);
                self.cmov_sz(size, CC::S, x, n)
            }
            Opcode::Popcnt => {
                let z = self.zext(bits, x);
                if self.backend.isa_flags.has_popcnt {
                    self.bitcount(BitOp::Popcnt, size, z)
                } else {
                    self.popcnt_soft(size, z)
                }
            }
            Opcode::Clz => self.clz_bits(bits, x),
            Opcode::Ctz => {
                let tz = if self.backend.isa_flags.has_bmi1 { BitOp::Tzcnt } else { BitOp::Bsf };
                if bits < 32 {
                    // Bit `bits` set makes a zero input count `bits`.
                    let w = self.alu_sz(OperandSize::S32, AluOp::Or, x, RegMemImm::Imm(1 << bits));
                    return self.bitcount(tz, OperandSize::S32, w);
                }
                if bits == 32 {
                    let z = self.tmp();
                    self.emit(MInst::MovzxRmR {
                        from: OperandSize::S32,
                        to: OperandSize::S64,
                        src: RegMem::Reg(x),
                        dst: z,
                    });
                    let t = self.imm64(1 << 32);
                    let w = self.alu_sz(OperandSize::S64, AluOp::Or, z, RegMemImm::Reg(t));
                    return self.bitcount(tz, OperandSize::S64, w);
                }
                let b = self.bitcount(tz, size, x);
                if tz == BitOp::Tzcnt {
                    return b;
                }
                let n = self.imm64(64);
                self.cmov_sz(size, CC::Z, n, b)
            }
            Opcode::Cls => {
                // clz(x ^ (x >> (bits-1))) - 1, at the value's width.
                let s = self.shift_sz(nsize, ShiftKind::Sar, x, bits as u8 - 1);
                let t = self.alu_sz(size, AluOp::Xor, x, RegMemImm::Reg(s));
                let c = self.clz_bits(bits, t);
                self.alu_sz(OperandSize::S32, AluOp::Sub, c, RegMemImm::Imm(1))
            }
            Opcode::Bswap => match bits {
                8 => x,
                16 => self.shift_sz(OperandSize::S16, ShiftKind::Rol, x, 8),
                _ => {
                    let dst = self.tmp();
                    self.emit(MInst::Bswap { size, src: x, dst });
                    dst
                }
            },
            Opcode::Bitrev => self.bitrev(bits, x),
            Opcode::Bmask => {
                // `x` is the 0/1 byte of `operand != 0`: 0 - x, at the result width.
                let z = self.zext(8, x);
                self.unary_sz(size, UnaryOp::Neg, z)
            }
            _ => {
                self.unsupported(format!("integer operation `{op}` on x86_64"));
                x
            }
        }
    }

    /// Bit reversal: swap adjacent bits, pairs, nibbles, then bytes (`bswap`), at 32 or 64
    /// bits; narrower values end up in the top bits and are shifted down.
    fn bitrev(&mut self, bits: u32, x: Reg) -> Reg {
        let wide = bits == 64;
        let size = if wide { OperandSize::S64 } else { OperandSize::S32 };
        let mut x = x;
        for (shift, byte) in [(1u8, 0x55u8), (2, 0x33), (4, 0x0f)] {
            let m = if wide { i64::from_ne_bytes([byte; 8]) } else { i32::from_ne_bytes([byte; 4]) as i64 };
            let mask = if wide { RegMemImm::Reg(self.imm64(m)) } else { RegMemImm::Imm(m as i32) };
            let hi = self.shift_sz(size, ShiftKind::Shr, x, shift);
            let hi = self.alu_sz(size, AluOp::And, hi, mask);
            let lo = self.alu_sz(size, AluOp::And, x, mask);
            let lo = self.shift_sz(size, ShiftKind::Shl, lo, shift);
            x = self.alu_sz(size, AluOp::Or, hi, RegMemImm::Reg(lo));
        }
        let dst = self.tmp();
        self.emit(MInst::Bswap { size, src: x, dst });
        if bits < 32 { self.shift_sz(OperandSize::S32, ShiftKind::Shr, dst, (32 - bits) as u8) } else { dst }
    }

    pub(super) fn int_binary(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.bits();
        let nsize = size_of_bits(bits);
        let size = alu_size(ty);
        let minmax = |s: &mut Self, cc: CC| {
            s.emit(MInst::Cmp { size: nsize, src1: x, src2: RegMemImm::Reg(y) });
            s.cmov_sz(size, cc, x, y)
        };
        match op {
            Opcode::Smin => minmax(self, CC::L),
            Opcode::Smax => minmax(self, CC::NLE),
            Opcode::Umin => minmax(self, CC::B),
            Opcode::Umax => minmax(self, CC::NBE),
            Opcode::UaddSat | Opcode::UsubSat => {
                let (aop, sat) = if op == Opcode::UaddSat { (AluOp::Add, -1) } else { (AluOp::Sub, 0) };
                let s = self.imm64(sat);
                let r = self.alu_sz(nsize, aop, x, RegMemImm::Reg(y));
                self.cmov_sz(size, CC::B, s, r)
            }
            Opcode::SaddSat | Opcode::SsubSat => {
                // On overflow the result is MAX when x >= 0, MIN when x < 0:
                // (x >> (bits-1)) ^ MAX.
                let aop = if op == Opcode::SaddSat { AluOp::Add } else { AluOp::Sub };
                let s = self.shift_sz(nsize, ShiftKind::Sar, x, bits as u8 - 1);
                let max = if bits == 64 { i64::MAX } else { (1i64 << (bits - 1)) - 1 };
                let maxr = self.imm64(max);
                let sat = self.alu_sz(size, AluOp::Xor, s, RegMemImm::Reg(maxr));
                let r = self.alu_sz(nsize, aop, x, RegMemImm::Reg(y));
                self.cmov_sz(size, CC::O, sat, r)
            }
            Opcode::AvgRound => {
                // (x | y) - ((x ^ y) >> 1), exact without a wider type.
                let o = self.alu_sz(size, AluOp::Or, x, RegMemImm::Reg(y));
                let e = self.alu_sz(size, AluOp::Xor, x, RegMemImm::Reg(y));
                let e = self.zext(bits, e);
                let h = self.shift_sz(size, ShiftKind::Shr, e, 1);
                self.alu_sz(size, AluOp::Sub, o, RegMemImm::Reg(h))
            }
            _ => {
                self.unsupported(format!("integer operation `{op}` on x86_64"));
                x
            }
        }
    }

    /// `uadd_overflow` and friends: the wrapped value and an `i8` flag.
    pub(super) fn overflow(&mut self, op: Opcode, ty: Type, a: Value, b: Value, r0: Value, r1: Value) {
        let bits = ty.bits();
        let nsize = size_of_bits(bits);
        let (x, y) = (self.put_in_reg(a), self.put_in_reg(b));
        let (value, flag) = match op {
            Opcode::UaddOverflow | Opcode::SaddOverflow | Opcode::UsubOverflow | Opcode::SsubOverflow => {
                let aop =
                    if matches!(op, Opcode::UaddOverflow | Opcode::SaddOverflow) { AluOp::Add } else { AluOp::Sub };
                let cc = if matches!(op, Opcode::UaddOverflow | Opcode::UsubOverflow) { CC::B } else { CC::O };
                let v = self.alu_sz(nsize, aop, x, RegMemImm::Reg(y));
                (v, self.setcc(cc))
            }
            Opcode::UmulOverflow | Opcode::SmulOverflow if bits == 8 => {
                // Widen to 32 bits, multiply, and compare with the extended low byte.
                let signed = op == Opcode::SmulOverflow;
                let wx = self.ext_to_32(signed, ty, x);
                let wy = self.ext_to_32(signed, ty, y);
                let p = self.tmp();
                self.emit(MInst::Imul { size: OperandSize::S32, src1: wx, src2: RegMem::Reg(wy), dst: p });
                let e = self.ext_to_32(signed, ty, p);
                self.emit(MInst::Cmp { size: OperandSize::S32, src1: p, src2: RegMemImm::Reg(e) });
                (p, self.setcc(CC::NZ))
            }
            Opcode::UmulOverflow => {
                // `mul` sets CF (and OF) when the high half is not zero.
                let (lo, hi) = (self.tmp(), self.tmp());
                self.emit(MInst::MulHi { size: nsize, signed: false, src1: x, src2: y, lo, hi });
                (lo, self.setcc(CC::B))
            }
            Opcode::SmulOverflow => {
                let p = self.tmp();
                self.emit(MInst::Imul { size: nsize, src1: x, src2: RegMem::Reg(y), dst: p });
                (p, self.setcc(CC::O))
            }
            _ => {
                self.unsupported(format!("`{op}` on x86_64"));
                return;
            }
        };
        self.lower.set_output(r0, value);
        self.lower.set_output(r1, flag);
    }

    /// `uadd_overflow_cin` and friends: CF is set from the carry/borrow byte (`neg` sets
    /// CF exactly when its operand is not zero), then `adc`/`sbb`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn overflow_carry(&mut self, op: Opcode, ty: Type, a: Value, b: Value, c: Value, r0: Value, r1: Value) {
        let nsize = size_of_bits(ty.bits());
        let (x, y, cin) = (self.put_in_reg(a), self.put_in_reg(b), self.put_in_reg(c));
        let (aop, cc) = match op {
            Opcode::UaddOverflowCin => (AluOp::Adc, CC::B),
            Opcode::SaddOverflowCin => (AluOp::Adc, CC::O),
            Opcode::UsubOverflowBin => (AluOp::Sbb, CC::B),
            Opcode::SsubOverflowBin => (AluOp::Sbb, CC::O),
            _ => {
                self.unsupported(format!("`{op}` on x86_64"));
                return;
            }
        };
        self.unary_sz(OperandSize::S8, UnaryOp::Neg, cin);
        let v = self.alu_sz(nsize, aop, x, RegMemImm::Reg(y));
        let flag = self.setcc(cc);
        self.lower.set_output(r0, v);
        self.lower.set_output(r1, flag);
    }

    pub(super) fn add_trap(&mut self, v: Value, a: Value, b: Value, code: TrapCode) {
        let ty = self.lower.value_type(v);
        if !(ty.is_int_scalar() && ty.bits() <= 64) {
            return self.unsupported(format!("`uadd_overflow_trap` on `{ty}` on x86_64"));
        }
        let (x, y) = (self.put_in_reg(a), self.put_in_reg(b));
        let r = self.alu_sz(size_of_bits(ty.bits()), AluOp::Add, x, RegMemImm::Reg(y));
        self.emit(MInst::TrapIf { cc: CC::B, code });
        self.lower.set_output(v, r);
    }

    /// Whether `ty` is an integer type atomics support (up to 64 bits); reports it
    /// unsupported otherwise.
    fn atomic_check(&mut self, ty: Type) -> bool {
        if !(ty.is_int_scalar() && ty.bits() <= 64) {
            self.unsupported(format!("atomics on `{ty}` on x86_64"));
            return false;
        }
        true
    }

    /// Whether an atomic access of `ty` with `flags` must reverse bytes: memory is
    /// big-endian and the value is wider than a byte.
    fn atomic_big(ty: Type, flags: MemFlags) -> bool {
        ty.bits() > 8 && flags.explicit_endianness() == Some(crate::ir::Endianness::Big)
    }

    /// An atomic load is a plain load on x86-64 (stores are the fenced side).
    pub(super) fn atomic_load(&mut self, v: Value, flags: MemFlags, addr: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_check(ty) {
            return;
        }
        let base = self.put_in_reg(addr);
        let dst = self.tmp();
        let size = size_of_bits(ty.bits());
        let ext = if ty.bits() < 32 { ExtMode::Zero } else { ExtMode::None };
        self.emit(MInst::Load { size, ext, addr: Amode::imm_reg(0, base), dst, trap: Self::trap_code(flags) });
        let dst = if Self::atomic_big(ty, flags) { self.byte_swap(ty.bits(), dst) } else { dst };
        self.lower.set_output(v, dst);
    }

    /// A sequentially consistent store: `mov` then `mfence`.
    pub(super) fn atomic_store(&mut self, flags: MemFlags, x: Value, addr: Value) {
        let ty = self.lower.value_type(x);
        if !self.atomic_check(ty) {
            return;
        }
        let (src, base) = (self.put_in_reg(x), self.put_in_reg(addr));
        let src = if Self::atomic_big(ty, flags) { self.byte_swap(ty.bits(), src) } else { src };
        let size = size_of_bits(ty.bits());
        self.emit(MInst::Store { size, src, addr: Amode::imm_reg(0, base), trap: Self::trap_code(flags) });
        self.emit(MInst::Mfence);
    }

    /// An atomic read-modify-write. Little-endian add, sub and xchg are one `lock xadd`
    /// (of the negated operand for sub) or `xchg`; the other operations, and big-endian
    /// add and sub, are a compare-exchange loop ([`MInst::AtomicRmwLoop`], which swaps
    /// bytes around the operation when memory is big-endian). A big-endian `xchg` swaps
    /// the operand before and the old value after.
    pub(super) fn atomic_rmw(&mut self, v: Value, flags: MemFlags, op: AtomicRmwOp, addr: Value, x: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_check(ty) {
            return;
        }
        let big = Self::atomic_big(ty, flags);
        let size = size_of_bits(ty.bits());
        let (base, operand) = (self.put_in_reg(addr), self.put_in_reg(x));
        let loop_op = match op {
            AtomicRmwOp::Xchg => {
                let src = if big { self.byte_swap(ty.bits(), operand) } else { operand };
                let dst = self.tmp();
                self.emit(MInst::AtomicXadd { xchg: true, size, addr: Amode::imm_reg(0, base), src, dst });
                let dst = if big { self.byte_swap(ty.bits(), dst) } else { dst };
                return self.lower.set_output(v, dst);
            }
            AtomicRmwOp::Add | AtomicRmwOp::Sub if !big => {
                let src = if op == AtomicRmwOp::Sub { self.unary_sz(size, UnaryOp::Neg, operand) } else { operand };
                let dst = self.tmp();
                self.emit(MInst::AtomicXadd { xchg: false, size, addr: Amode::imm_reg(0, base), src, dst });
                return self.lower.set_output(v, dst);
            }
            AtomicRmwOp::Add => RmwLoopOp::Add,
            AtomicRmwOp::Sub => RmwLoopOp::Sub,
            AtomicRmwOp::And => RmwLoopOp::And,
            AtomicRmwOp::Nand => RmwLoopOp::Nand,
            AtomicRmwOp::Or => RmwLoopOp::Or,
            AtomicRmwOp::Xor => RmwLoopOp::Xor,
            AtomicRmwOp::Umin => RmwLoopOp::Umin,
            AtomicRmwOp::Umax => RmwLoopOp::Umax,
            AtomicRmwOp::Smin => RmwLoopOp::Smin,
            AtomicRmwOp::Smax => RmwLoopOp::Smax,
        };
        let (tmp, dst) = (self.tmp(), self.tmp());
        self.emit(MInst::AtomicRmwLoop { op: loop_op, size, big, addr: base, operand, tmp, dst });
        self.lower.set_output(v, dst);
    }

    /// An atomic compare-and-swap: `lock cmpxchg`. Big-endian: the expected and the
    /// replacement values are byte-swapped before, the old value after.
    pub(super) fn atomic_cas(&mut self, v: Value, flags: MemFlags, addr: Value, e: Value, r: Value) {
        let ty = self.lower.value_type(v);
        if !self.atomic_check(ty) {
            return;
        }
        let big = Self::atomic_big(ty, flags);
        let size = size_of_bits(ty.bits());
        let (base, expected, replacement) = (self.put_in_reg(addr), self.put_in_reg(e), self.put_in_reg(r));
        let (expected, replacement) = if big {
            (self.byte_swap(ty.bits(), expected), self.byte_swap(ty.bits(), replacement))
        } else {
            (expected, replacement)
        };
        let dst = self.tmp();
        self.emit(MInst::LockCmpxchg { size, addr: Amode::imm_reg(0, base), expected, replacement, dst });
        let dst = if big { self.byte_swap(ty.bits(), dst) } else { dst };
        self.lower.set_output(v, dst);
    }
}
