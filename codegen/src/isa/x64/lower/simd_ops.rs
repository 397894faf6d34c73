//! The arithmetic of x86-64 vector lowering (see `simd.rs` for the emitters, lanes and
//! memory): integer arithmetic, compares, min/max, shifts and bit counts; float sign
//! operations, `fmin`/`fmax`, compares, rounding and conversions; reductions, narrowing,
//! widening and pairwise addition. Each function takes the lane type and the registers of
//! the operands and returns the register of the result; what the level cannot do is
//! reported "unsupported" (never a wrong answer).

use super::RuleCtx;
use super::simd::by_width;
use crate::ir::{FloatCC, IntCC, Opcode, Type, types};
use crate::isa::x64::inst::Inst as MInst;
use crate::isa::x64::inst::args::{AluOp, CC, OperandSize, RegMemImm};
use crate::isa::x64::inst::vector::{Ext, MovmskOp, VecOp, VecShiftOp};
use crate::machinst::Reg;

impl RuleCtx<'_, '_> {
    // ---- integer arithmetic ----

    pub(super) fn imul(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
        match ty.lane_bits() {
            16 => self.vbin(VecOp::Pmullw, x, y),
            32 if self.has(Ext::Sse41) => self.vbin(VecOp::Pmulld, x, y),
            32 => {
                // Products of lanes 0 and 2, then of lanes 1 and 3, each 64 bits wide; their
                // low halves, interleaved.
                let (even, odd) = self.mul32_wide(false, x, y);
                self.interleave_dwords(false, even, odd)
            }
            64 => {
                // lo(x)*lo(y) + ((hi(x)*lo(y) + lo(x)*hi(y)) << 32), each partial product
                // by `pmuludq`.
                let xh = self.vshift(VecShiftOp::Psrlq, x, 32);
                let yh = self.vshift(VecShiftOp::Psrlq, y, 32);
                let a = self.vbin(VecOp::Pmuludq, xh, y);
                let b = self.vbin(VecOp::Pmuludq, x, yh);
                let cross = self.vbin(VecOp::Paddq, a, b);
                let cross = self.vshift(VecShiftOp::Psllq, cross, 32);
                let low = self.vbin(VecOp::Pmuludq, x, y);
                self.vbin(VecOp::Paddq, low, cross)
            }
            _ => {
                // Bytes: widen to 16 bits, multiply, keep the low bytes, pack.
                let zero = self.vfill(false);
                let keep = self.vsplat_const(16, 0xff);
                let mut halves = [x; 2];
                for (k, unpack) in [VecOp::Punpcklbw, VecOp::Punpckhbw].into_iter().enumerate() {
                    let a = self.vbin(unpack, x, zero);
                    let b = self.vbin(unpack, y, zero);
                    let p = self.vbin(VecOp::Pmullw, a, b);
                    halves[k] = self.vbin(VecOp::Pand, p, keep);
                }
                self.vbin(VecOp::Packuswb, halves[0], halves[1])
            }
        }
    }

    /// `[even.0, odd.0, even.2, odd.2]`: the low (with `high`, the high) 32 bits of each
    /// 64-bit lane of `even` and `odd` (the products of `pmuludq`/`pmuldq`), interleaved.
    pub(super) fn interleave_dwords(&mut self, high: bool, even: Reg, odd: Reg) -> Reg {
        let imm = if high { 0x0d } else { 0x08 };
        let e = self.vun_imm(VecOp::Pshufd, even, imm);
        let o = self.vun_imm(VecOp::Pshufd, odd, imm);
        self.vbin(VecOp::Punpckldq, e, o)
    }

    /// The sign of each lane as all ones or zero.
    pub(super) fn lane_sign_mask(&mut self, bits: u32, x: Reg) -> Reg {
        match bits {
            8 => {
                let zero = self.vfill(false);
                self.vbin(VecOp::Pcmpgtb, zero, x)
            }
            16 => self.vshift(VecShiftOp::Psraw, x, 15),
            32 => self.vshift(VecShiftOp::Psrad, x, 31),
            _ => {
                let hi = self.vun_imm(VecOp::Pshufd, x, 0xf5);
                self.vshift(VecShiftOp::Psrad, hi, 31)
            }
        }
    }

    /// `iabs` without `pabs*`: `(x ^ s) - s` with `s` the sign mask.
    pub(super) fn iabs(&mut self, ty: Type, x: Reg) -> Reg {
        let bits = ty.lane_bits();
        let s = self.lane_sign_mask(bits, x);
        let t = self.vbin(VecOp::Pxor, x, s);
        let sub = by_width(bits, VecOp::Psubb, VecOp::Psubw, VecOp::Psubd, VecOp::Psubq);
        self.vbin(sub, t, s)
    }

    /// All ones in the lanes where `x == y`.
    pub(super) fn veq(&mut self, bits: u32, x: Reg, y: Reg) -> Reg {
        if bits == 64 && !self.has(Ext::Sse41) {
            // Both 32-bit halves equal.
            let e = self.vbin(VecOp::Pcmpeqd, x, y);
            let swapped = self.vun_imm(VecOp::Pshufd, e, 0xb1);
            return self.vbin(VecOp::Pand, e, swapped);
        }
        let op = by_width(bits, VecOp::Pcmpeqb, VecOp::Pcmpeqw, VecOp::Pcmpeqd, VecOp::Pcmpeqq);
        self.vbin(op, x, y)
    }

    /// All ones in the lanes where `x > y` (signed or unsigned).
    pub(super) fn vgt(&mut self, bits: u32, signed: bool, x: Reg, y: Reg) -> Reg {
        if bits == 64 && !self.has(Ext::Sse42) {
            return self.vgt64_sse2(signed, x, y);
        }
        let (x, y) = if signed {
            (x, y)
        } else {
            // Flipping the sign bits turns unsigned order into signed order.
            let bias = self.vsplat_const(bits, 1u64 << (bits - 1));
            (self.vbin(VecOp::Pxor, x, bias), self.vbin(VecOp::Pxor, y, bias))
        };
        let op = by_width(bits, VecOp::Pcmpgtb, VecOp::Pcmpgtw, VecOp::Pcmpgtd, VecOp::Pcmpgtq);
        self.vbin(op, x, y)
    }

    /// 64-bit `x > y` from 32-bit compares: the high halves decide unless they are equal,
    /// then the low halves compared unsigned. A bias on the low halves (and, unsigned, on
    /// the high halves too) makes every compare signed; the high-half results and the
    /// low-half result are then copied across each 64-bit lane.
    fn vgt64_sse2(&mut self, signed: bool, x: Reg, y: Reg) -> Reg {
        let bias_bits: u64 = if signed { 0x8000_0000 } else { 0x8000_0000_8000_0000 };
        let bias = self.vsplat_const(64, bias_bits);
        let xb = self.vbin(VecOp::Pxor, x, bias);
        let yb = self.vbin(VecOp::Pxor, y, bias);
        let gt = self.vbin(VecOp::Pcmpgtd, xb, yb);
        let eq = self.vbin(VecOp::Pcmpeqd, xb, yb);
        let gt_hi = self.vun_imm(VecOp::Pshufd, gt, 0xf5);
        let eq_hi = self.vun_imm(VecOp::Pshufd, eq, 0xf5);
        let gt_lo = self.vun_imm(VecOp::Pshufd, gt, 0xa0);
        let t = self.vbin(VecOp::Pand, eq_hi, gt_lo);
        self.vbin(VecOp::Por, gt_hi, t)
    }

    /// The unsigned min/max instruction of a lane width, where the level has one.
    fn umin_umax(&self, bits: u32) -> Option<(VecOp, VecOp)> {
        match bits {
            8 => Some((VecOp::Pminub, VecOp::Pmaxub)),
            16 if self.has(Ext::Sse41) => Some((VecOp::Pminuw, VecOp::Pmaxuw)),
            32 if self.has(Ext::Sse41) => Some((VecOp::Pminud, VecOp::Pmaxud)),
            _ => None,
        }
    }

    pub(super) fn icmp(&mut self, cc: IntCC, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.lane_bits();
        let unsigned = matches!(
            cc,
            IntCC::UnsignedGreaterThan
                | IntCC::UnsignedLessThan
                | IntCC::UnsignedGreaterThanOrEqual
                | IntCC::UnsignedLessThanOrEqual
        );
        if unsigned && let Some((min, max)) = self.umin_umax(bits) {
            // x >= y exactly when max(x, y) == x; x <= y when min(x, y) == x.
            return match cc {
                IntCC::UnsignedGreaterThanOrEqual | IntCC::UnsignedLessThan => {
                    let m = self.vbin(max, x, y);
                    let ge = self.veq(bits, m, x);
                    if cc == IntCC::UnsignedLessThan { self.vnot(ge) } else { ge }
                }
                _ => {
                    let m = self.vbin(min, x, y);
                    let le = self.veq(bits, m, x);
                    if cc == IntCC::UnsignedGreaterThan { self.vnot(le) } else { le }
                }
            };
        }
        // Every other condition is `==` or `>` (signed or not), with the operands swapped
        // and/or the answer inverted.
        use IntCC::*;
        let (gt, signed, swap, invert) = match cc {
            Equal => (false, false, false, false),
            NotEqual => (false, false, false, true),
            SignedGreaterThan => (true, true, false, false),
            SignedLessThan => (true, true, true, false),
            SignedGreaterThanOrEqual => (true, true, true, true),
            SignedLessThanOrEqual => (true, true, false, true),
            UnsignedGreaterThan => (true, false, false, false),
            UnsignedLessThan => (true, false, true, false),
            UnsignedGreaterThanOrEqual => (true, false, true, true),
            UnsignedLessThanOrEqual => (true, false, false, true),
        };
        let (a, b) = if swap { (y, x) } else { (x, y) };
        let r = if gt { self.vgt(bits, signed, a, b) } else { self.veq(bits, a, b) };
        if invert { self.vnot(r) } else { r }
    }

    pub(super) fn minmax(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.lane_bits();
        let sse41 = self.has(Ext::Sse41);
        let direct = match (op, bits) {
            (Opcode::Umin, 8) => Some(VecOp::Pminub),
            (Opcode::Umax, 8) => Some(VecOp::Pmaxub),
            (Opcode::Smin, 16) => Some(VecOp::Pminsw),
            (Opcode::Smax, 16) => Some(VecOp::Pmaxsw),
            (Opcode::Smin, 8) if sse41 => Some(VecOp::Pminsb),
            (Opcode::Smax, 8) if sse41 => Some(VecOp::Pmaxsb),
            (Opcode::Umin, 16) if sse41 => Some(VecOp::Pminuw),
            (Opcode::Umax, 16) if sse41 => Some(VecOp::Pmaxuw),
            (Opcode::Smin, 32) if sse41 => Some(VecOp::Pminsd),
            (Opcode::Smax, 32) if sse41 => Some(VecOp::Pmaxsd),
            (Opcode::Umin, 32) if sse41 => Some(VecOp::Pminud),
            (Opcode::Umax, 32) if sse41 => Some(VecOp::Pmaxud),
            _ => None,
        };
        if let Some(d) = direct {
            return self.vbin(d, x, y);
        }
        if bits == 16 {
            // umin(x, y) = x - sat(x - y); umax(x, y) = y + sat(x - y) (unsigned saturation).
            let d = self.vbin(VecOp::Psubusw, x, y);
            return if op == Opcode::Umin { self.vbin(VecOp::Psubw, x, d) } else { self.vbin(VecOp::Paddw, y, d) };
        }
        let signed = matches!(op, Opcode::Smin | Opcode::Smax);
        let gt = self.vgt(bits, signed, x, y);
        match op {
            Opcode::Smin | Opcode::Umin => self.vselect(gt, y, x),
            _ => self.vselect(gt, x, y),
        }
    }

    /// A shift by a constant, taken modulo the lane width (as CLIF defines it).
    pub(super) fn shift_imm(&mut self, op: Opcode, ty: Type, x: Reg, k: i64) -> Reg {
        let bits = ty.lane_bits();
        let n = (k as u64 % bits as u64) as u8;
        if n == 0 {
            return x;
        }
        match (op, bits) {
            (Opcode::Ishl, 8) => {
                let t = self.vshift(VecShiftOp::Psllw, x, n);
                let m = self.vsplat_const(8, (0xffu64 << n) & 0xff);
                self.vbin(VecOp::Pand, t, m)
            }
            (Opcode::Ushr, 8) => {
                let t = self.vshift(VecShiftOp::Psrlw, x, n);
                let m = self.vsplat_const(8, 0xff >> n);
                self.vbin(VecOp::Pand, t, m)
            }
            (Opcode::Sshr, 8) => {
                // Each byte doubled into a 16-bit lane, shifted arithmetically by 8 + n,
                // packed back (the results fit a byte, so packing does not saturate).
                let lo = self.vbin(VecOp::Punpcklbw, x, x);
                let hi = self.vbin(VecOp::Punpckhbw, x, x);
                let lo = self.vshift(VecShiftOp::Psraw, lo, 8 + n);
                let hi = self.vshift(VecShiftOp::Psraw, hi, 8 + n);
                self.vbin(VecOp::Packsswb, lo, hi)
            }
            (Opcode::Sshr, 64) => {
                // ((x >>u n) ^ m) - m with m the sign bit shifted the same way.
                let m = self.vsplat_const(64, (1u64 << 63) >> n);
                let t = self.vshift(VecShiftOp::Psrlq, x, n);
                let t = self.vbin(VecOp::Pxor, t, m);
                self.vbin(VecOp::Psubq, t, m)
            }
            _ => {
                let s = shift_op(op, bits);
                self.vshift(s, x, n)
            }
        }
    }

    /// A shift by a register amount, taken modulo the lane width.
    pub(super) fn shift(&mut self, op: Opcode, ty: Type, x: Reg, amount: Reg) -> Reg {
        let bits = ty.lane_bits();
        let masked = self.gpr_op(AluOp::And, amount, RegMemImm::Imm(bits as i32 - 1));
        if bits == 8 {
            return self.shift_bytes(op, x, masked);
        }
        let a = self.gpr_to_vec(32, masked);
        if op == Opcode::Sshr && bits == 64 {
            let sign = self.vsplat_const(64, 1 << 63);
            let m = self.vbin(VecOp::Psrlq, sign, a);
            let t = self.vbin(VecOp::Psrlq, x, a);
            let t = self.vbin(VecOp::Pxor, t, m);
            return self.vbin(VecOp::Psubq, t, m);
        }
        let vop = match (op, bits) {
            (Opcode::Ishl, 16) => VecOp::Psllw,
            (Opcode::Ishl, 32) => VecOp::Pslld,
            (Opcode::Ishl, _) => VecOp::Psllq,
            (Opcode::Ushr, 16) => VecOp::Psrlw,
            (Opcode::Ushr, 32) => VecOp::Psrld,
            (Opcode::Ushr, _) => VecOp::Psrlq,
            (_, 16) => VecOp::Psraw,
            _ => VecOp::Psrad,
        };
        self.vbin(vop, x, a)
    }

    /// Byte shifts by a register amount (0-7): each half of the bytes widened to 16-bit
    /// lanes (zero-extended, or doubled so the sign is on top for `sshr`), shifted,
    /// narrowed back.
    fn shift_bytes(&mut self, op: Opcode, x: Reg, n: Reg) -> Reg {
        let zero = self.vfill(false);
        let mut halves = [x; 2];
        let count = if op == Opcode::Sshr {
            let n8 = self.gpr_op(AluOp::Add, n, RegMemImm::Imm(8));
            self.gpr_to_vec(32, n8)
        } else {
            self.gpr_to_vec(32, n)
        };
        for (k, unpack) in [VecOp::Punpcklbw, VecOp::Punpckhbw].into_iter().enumerate() {
            halves[k] = match op {
                Opcode::Sshr => {
                    let w = self.vbin(unpack, x, x);
                    self.vbin(VecOp::Psraw, w, count)
                }
                Opcode::Ushr => {
                    let w = self.vbin(unpack, x, zero);
                    self.vbin(VecOp::Psrlw, w, count)
                }
                _ => {
                    let w = self.vbin(unpack, x, zero);
                    let w = self.vbin(VecOp::Psllw, w, count);
                    let keep = self.vsplat_const(16, 0xff);
                    self.vbin(VecOp::Pand, w, keep)
                }
            };
        }
        let pack = if op == Opcode::Sshr { VecOp::Packsswb } else { VecOp::Packuswb };
        self.vbin(pack, halves[0], halves[1])
    }

    /// `popcnt`, `clz`, `ctz` and `cls` of any lane width. Bytes: `bytes_bit_count`.
    /// Wider `popcnt`: the byte counts summed per lane (`psadbw` against zero for 64 bits,
    /// `pmaddwd` by ones for 32 after the 16-bit sums). Wider `clz`: the highest set bit
    /// smeared down by shifts and ors, then `popcnt` of the complement. `ctz(x)` is
    /// `popcnt(!x & (x - 1))`; `cls(x)` is `clz(x ^ (x >> (w - 1))) - 1`.
    pub(super) fn bit_count(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let bits = ty.lane_bits();
        let sub = by_width(bits, VecOp::Psubb, VecOp::Psubw, VecOp::Psubd, VecOp::Psubq);
        match op {
            Opcode::Ctz => {
                let ones = self.vfill(true);
                let add = by_width(bits, VecOp::Paddb, VecOp::Paddw, VecOp::Paddd, VecOp::Paddq);
                let dec = self.vbin(add, x, ones);
                let below = self.vbin(VecOp::Pandn, x, dec);
                self.popcnt_lanes(bits, below)
            }
            Opcode::Cls => {
                let s = self.lane_sign_mask(bits, x);
                let t = self.vbin(VecOp::Pxor, x, s);
                let c = self.bit_count(Opcode::Clz, ty, t);
                let one = self.vsplat_const(bits, 1);
                self.vbin(sub, c, one)
            }
            _ if bits == 8 => self.bytes_bit_count(op, x),
            Opcode::Clz => {
                let mut v = x;
                let mut n = 1;
                while n < bits {
                    let s = self.shift_imm(Opcode::Ushr, ty, v, n as i64);
                    v = self.vbin(VecOp::Por, v, s);
                    n *= 2;
                }
                let inv = self.vnot(v);
                self.popcnt_lanes(bits, inv)
            }
            _ => self.popcnt_lanes(bits, x),
        }
    }

    /// The number of set bits of each `bits`-wide lane.
    fn popcnt_lanes(&mut self, bits: u32, x: Reg) -> Reg {
        let p = self.bytes_bit_count(Opcode::Popcnt, x);
        match bits {
            8 => p,
            64 => {
                let zero = self.vfill(false);
                self.vbin(VecOp::Psadbw, p, zero)
            }
            _ => {
                let t = self.vshift(VecShiftOp::Psrlw, p, 8);
                let t = self.vbin(VecOp::Paddb, p, t);
                let low = self.vsplat_const(16, 0xff);
                let c16 = self.vbin(VecOp::Pand, t, low);
                if bits == 16 {
                    return c16;
                }
                let ones = self.vsplat_const(16, 1);
                self.vbin(VecOp::Pmaddwd, c16, ones)
            }
        }
    }

    /// `popcnt` and `clz` of bytes.
    fn bytes_bit_count(&mut self, op: Opcode, x: Reg) -> Reg {
        let low4 = self.vsplat_const(8, 0x0f);
        if self.has(Ext::Ssse3) {
            // Table lookups of each nibble with `pshufb`.
            let t = self.vshift(VecShiftOp::Psrlw, x, 4);
            let hi = self.vbin(VecOp::Pand, t, low4);
            let lo = self.vbin(VecOp::Pand, x, low4);
            return if op == Opcode::Popcnt {
                let table = self
                    .vconst(u128::from_le_bytes(*b"\x00\x01\x01\x02\x01\x02\x02\x03\x01\x02\x02\x03\x02\x03\x03\x04"));
                let a = self.vbin(VecOp::Pshufb, table, lo);
                let table = self
                    .vconst(u128::from_le_bytes(*b"\x00\x01\x01\x02\x01\x02\x02\x03\x01\x02\x02\x03\x02\x03\x03\x04"));
                let b = self.vbin(VecOp::Pshufb, table, hi);
                self.vbin(VecOp::Paddb, a, b)
            } else {
                // clz of the high nibble, plus that of the low one when the high is zero.
                let clz4 = u128::from_le_bytes(*b"\x04\x03\x02\x02\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00");
                let table = self.vconst(clz4);
                let c_hi = self.vbin(VecOp::Pshufb, table, hi);
                let table = self.vconst(clz4);
                let c_lo = self.vbin(VecOp::Pshufb, table, lo);
                let zero = self.vfill(false);
                let hi_zero = self.vbin(VecOp::Pcmpeqb, hi, zero);
                let add = self.vbin(VecOp::Pand, c_lo, hi_zero);
                self.vbin(VecOp::Paddb, c_hi, add)
            };
        }
        let x = if op == Opcode::Clz {
            // Smear the highest set bit down; clz = 8 - popcnt.
            let mut v = x;
            for (n, keep) in [(1u8, 0x7fu64), (2, 0x3f), (4, 0x0f)] {
                let s = self.vshift(VecShiftOp::Psrlw, v, n);
                let m = self.vsplat_const(8, keep);
                let s = self.vbin(VecOp::Pand, s, m);
                v = self.vbin(VecOp::Por, v, s);
            }
            v
        } else {
            x
        };
        // popcnt per byte: pairs, nibbles, bytes.
        let m55 = self.vsplat_const(8, 0x55);
        let t = self.vshift(VecShiftOp::Psrlw, x, 1);
        let t = self.vbin(VecOp::Pand, t, m55);
        let p = self.vbin(VecOp::Psubb, x, t);
        let m33 = self.vsplat_const(8, 0x33);
        let a = self.vbin(VecOp::Pand, p, m33);
        let t = self.vshift(VecShiftOp::Psrlw, p, 2);
        let t = self.vbin(VecOp::Pand, t, m33);
        let p = self.vbin(VecOp::Paddb, a, t);
        let t = self.vshift(VecShiftOp::Psrlw, p, 4);
        let p = self.vbin(VecOp::Paddb, p, t);
        let count = self.vbin(VecOp::Pand, p, low4);
        if op == Opcode::Clz {
            let eight = self.vsplat_const(8, 8);
            self.vbin(VecOp::Psubb, eight, count)
        } else {
            count
        }
    }

    // ---- floats ----

    /// `fneg`, `fabs` (of `x`) and `fcopysign` (magnitude of `x`, sign of `y`) by masks.
    pub(super) fn float_sign(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.lane_bits();
        let sign = self.vsplat_const(bits, 1u64 << (bits - 1));
        match op {
            Opcode::Fneg => self.vbin(VecOp::Xorps, x, sign),
            Opcode::Fabs => self.vbin(VecOp::Andnps, sign, x),
            _ => {
                let mag = self.vbin(VecOp::Andnps, sign, x);
                let s = self.vbin(VecOp::Andps, y, sign);
                self.vbin(VecOp::Orps, mag, s)
            }
        }
    }

    /// `fmin`/`fmax` with CLIF's rules (NaN if either operand is; `-0 < +0`). `minps`
    /// returns its second operand when either is NaN or both are zeros, so
    /// `min(x, y) | min(y, x)` is right for zeros of either sign and NaN when either is.
    /// For `fmax` the AND of both orders gives `+0` for mixed zeros; lanes where an operand
    /// is NaN are then set to all ones (a NaN).
    pub(super) fn fminmax(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let f64 = ty.lane_bits() == 64;
        if op == Opcode::Fmin {
            let m = if f64 { VecOp::Minpd } else { VecOp::Minps };
            let a = self.vbin(m, x, y);
            let b = self.vbin(m, y, x);
            return self.vbin(VecOp::Orps, a, b);
        }
        let m = if f64 { VecOp::Maxpd } else { VecOp::Maxps };
        let a = self.vbin(m, x, y);
        let b = self.vbin(m, y, x);
        let r = self.vbin(VecOp::Andps, a, b);
        let cmp = if f64 { VecOp::Cmppd } else { VecOp::Cmpps };
        let nan = self.vbin_imm(cmp, x, y, 3);
        self.vbin(VecOp::Orps, r, nan)
    }

    /// `fcmp`: `cmpps`/`cmppd` with the predicate (0 eq, 1 lt, 2 le, 3 unord, 4 neq, 5 nlt,
    /// 6 nle, 7 ord), operands swapped for the greater-than forms; `one` and `ueq` are
    /// two compares.
    pub(super) fn fcmp(&mut self, cc: FloatCC, ty: Type, x: Reg, y: Reg) -> Reg {
        let op = if ty.lane_bits() == 64 { VecOp::Cmppd } else { VecOp::Cmpps };
        let (a, b, imm) = match cc {
            FloatCC::Equal => (x, y, 0),
            FloatCC::NotEqual => (x, y, 4),
            FloatCC::LessThan => (x, y, 1),
            FloatCC::LessThanOrEqual => (x, y, 2),
            FloatCC::GreaterThan => (y, x, 1),
            FloatCC::GreaterThanOrEqual => (y, x, 2),
            FloatCC::Unordered => (x, y, 3),
            FloatCC::Ordered => (x, y, 7),
            FloatCC::UnorderedOrLessThan => (y, x, 6),
            FloatCC::UnorderedOrLessThanOrEqual => (y, x, 5),
            FloatCC::UnorderedOrGreaterThan => (x, y, 6),
            FloatCC::UnorderedOrGreaterThanOrEqual => (x, y, 5),
            FloatCC::OrderedNotEqual => {
                let ord = self.vbin_imm(op, x, y, 7);
                let ne = self.vbin_imm(op, x, y, 4);
                return self.vbin(VecOp::Andps, ord, ne);
            }
            FloatCC::UnorderedOrEqual => {
                let uno = self.vbin_imm(op, x, y, 3);
                let eq = self.vbin_imm(op, x, y, 0);
                return self.vbin(VecOp::Orps, uno, eq);
            }
        };
        self.vbin_imm(op, a, b, imm)
    }

    /// `ceil`/`floor`/`trunc`/`nearest`: `roundps`/`roundpd` (SSE4.1, the exception
    /// suppressed); without it, the 2^23 (2^52) trick, then a correction by one.
    pub(super) fn round(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let f64 = ty.lane_bits() == 64;
        let mode = match op {
            Opcode::Nearest => 0,
            Opcode::Floor => 1,
            Opcode::Ceil => 2,
            _ => 3,
        };
        if self.has(Ext::Sse41) {
            let r = if f64 { VecOp::Roundpd } else { VecOp::Roundps };
            return self.vun_imm(r, x, 8 | mode);
        }
        // |x| < 2^23 (2^52): (|x| + 2^23) - 2^23 rounds |x| to an integer, ties to even.
        // Larger magnitudes, infinities and NaN are integers already (or stay NaN) and
        // are kept by the final select (a NaN fails the `<` compare).
        let bits = ty.lane_bits();
        let (magic, one, cmp, add, sub) = if f64 {
            ((52f64).exp2().to_bits(), 1f64.to_bits(), VecOp::Cmppd, VecOp::Addpd, VecOp::Subpd)
        } else {
            ((23f32).exp2().to_bits() as u64, 1f32.to_bits() as u64, VecOp::Cmpps, VecOp::Addps, VecOp::Subps)
        };
        let sign = self.vsplat_const(bits, 1u64 << (bits - 1));
        let abs = self.vbin(VecOp::Andnps, sign, x);
        let m = self.vsplat_const(bits, magic);
        let small = self.vbin_imm(cmp, abs, m, 1);
        let t = self.vbin(add, abs, m);
        let r = self.vbin(sub, t, m);
        let s = self.vbin(VecOp::Andps, x, sign);
        // `r` is |x| rounded to nearest; the others step by one where it went the wrong
        // way: `trunc` on magnitudes (down where r > |x|), `floor` down where the signed
        // nearest value is above x, `ceil` up where it is below. The sign of x is put
        // back on every result, so -0.4 gives -0 and `ceil(-0.6)` gives -0 (a negative x
        // has a result of 0 or less; a positive x, of 0 or more).
        let step = |c: &mut Self, mask: Reg| {
            let one = c.vsplat_const(bits, one);
            c.vbin(VecOp::Andps, mask, one)
        };
        let r = match op {
            Opcode::Nearest => self.vbin(VecOp::Orps, r, s),
            Opcode::Trunc => {
                let over = self.vbin_imm(cmp, abs, r, 1);
                let d = step(self, over);
                let r = self.vbin(sub, r, d);
                self.vbin(VecOp::Orps, r, s)
            }
            _ => {
                let n = self.vbin(VecOp::Orps, r, s);
                let (wrong, fix) = if op == Opcode::Floor {
                    (self.vbin_imm(cmp, x, n, 1), sub)
                } else {
                    (self.vbin_imm(cmp, n, x, 1), add)
                };
                let d = step(self, wrong);
                let r = self.vbin(fix, n, d);
                self.vbin(VecOp::Orps, r, s)
            }
        };
        // The lanes kept as they are: `x * 1` keeps every value (-0 and infinities too)
        // and makes a signalling NaN quiet, as rounding a NaN must (Wasm requires an
        // arithmetic NaN; `roundps` does the same).
        let ones = self.vsplat_const(bits, one);
        let kept = self.vbin(if f64 { VecOp::Mulpd } else { VecOp::Mulps }, x, ones);
        self.vselect(small, r, kept)
    }

    pub(super) fn vfcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
        match op {
            Opcode::FcvtFromSint if to == types::F32X4 && from == types::I32X4 => self.vun(VecOp::Cvtdq2ps, x),
            Opcode::FcvtFromUint if to == types::F32X4 && from == types::I32X4 => {
                // The high and low 16 bits converted exactly, then one rounding add.
                let lo_mask = self.vsplat_const(32, 0xffff);
                let lo = self.vbin(VecOp::Pand, x, lo_mask);
                let hi = self.vshift(VecShiftOp::Psrld, x, 16);
                let lo = self.vun(VecOp::Cvtdq2ps, lo);
                let hi = self.vun(VecOp::Cvtdq2ps, hi);
                let scale = self.vsplat_const(32, 65536f32.to_bits() as u64);
                let hi = self.vbin(VecOp::Mulps, hi, scale);
                self.vbin(VecOp::Addps, hi, lo)
            }
            Opcode::FcvtToSintSat if to == types::I32X4 && from == types::F32X4 => {
                // NaN lanes zeroed; `cvttps2dq` gives 0x80000000 out of range, which is
                // right below and flipped to 0x7fffffff for lanes >= 2^31.
                let ord = self.vbin_imm(VecOp::Cmpps, x, x, 7);
                let x = self.vbin(VecOp::Andps, x, ord);
                let r = self.vun(VecOp::Cvttps2dq, x);
                let limit = self.vsplat_const(32, 2147483648f32.to_bits() as u64);
                let big = self.vbin_imm(VecOp::Cmpps, limit, x, 2);
                self.vbin(VecOp::Pxor, r, big)
            }
            Opcode::FcvtToUintSat if to == types::I32X4 && from == types::F32X4 => {
                // Negative and NaN lanes to 0 (`maxps` returns its second operand for NaN),
                // lanes below 2^31 converted directly, lanes in [2^31, 2^32) as
                // 2^31 + (x - 2^31), lanes >= 2^32 all ones.
                let zero = self.vfill(false);
                let x = self.vbin(VecOp::Maxps, x, zero);
                let two31 = self.vsplat_const(32, 2147483648f32.to_bits() as u64);
                let a = self.vun(VecOp::Cvttps2dq, x);
                let t = self.vbin(VecOp::Subps, x, two31);
                let mid = self.vbin_imm(VecOp::Cmpps, two31, x, 2);
                let t = self.vbin(VecOp::Andps, t, mid);
                let b = self.vun(VecOp::Cvttps2dq, t);
                let sum = self.vbin(VecOp::Paddd, a, b);
                let two32 = self.vsplat_const(32, 4294967296f32.to_bits() as u64);
                let over = self.vbin_imm(VecOp::Cmpps, two32, x, 2);
                self.vbin(VecOp::Por, sum, over)
            }
            // Between i64x2 and f64x2 (no packed instruction before AVX-512): each lane
            // by the scalar conversion, then the two lanes joined.
            Opcode::FcvtFromSint | Opcode::FcvtFromUint if to == types::F64X2 && from == types::I64X2 => {
                let signed = op == Opcode::FcvtFromSint;
                let hi = self.vun_imm(VecOp::Pshufd, x, 0xee);
                let lanes = [x, hi].map(|l| {
                    let g = self.vec_to_gpr(64, l);
                    self.cvt_from_int(signed, true, 64, g)
                });
                self.vbin(VecOp::Punpcklqdq, lanes[0], lanes[1])
            }
            Opcode::FcvtToSintSat | Opcode::FcvtToUintSat if to == types::I64X2 && from == types::F64X2 => {
                let signed = op == Opcode::FcvtToSintSat;
                let hi = self.vun_imm(VecOp::Pshufd, x, 0xee);
                let lanes = [x, hi].map(|l| {
                    let g = self.cvt_to_int_sat(signed, true, 64, l);
                    self.gpr_to_vec(64, g)
                });
                self.vbin(VecOp::Punpcklqdq, lanes[0], lanes[1])
            }
            _ => {
                let level = self.level();
                self.unsupported(format!("`{op}` from `{from}` to `{to}` on x86_64 at the {level} level"));
                x
            }
        }
    }

    // ---- reductions, narrowing, widening ----

    /// 1 if any lane is nonzero: not every byte equals zero.
    pub(super) fn any_true(&mut self, x: Reg) -> Reg {
        let zero = self.vfill(false);
        let e = self.vbin(VecOp::Pcmpeqb, x, zero);
        let m = self.vmovmsk(MovmskOp::Pmovmskb, e);
        self.emit(MInst::Cmp { size: OperandSize::S32, src1: m, src2: RegMemImm::Imm(0xffff) });
        self.setcc(CC::NZ)
    }

    /// 1 if every lane is nonzero: no lane equals zero.
    pub(super) fn all_true(&mut self, ty: Type, x: Reg) -> Reg {
        let zero = self.vfill(false);
        let e = self.veq(ty.lane_bits(), x, zero);
        let m = self.vmovmsk(MovmskOp::Pmovmskb, e);
        self.emit(MInst::Test { size: OperandSize::S32, src1: m, src2: RegMemImm::Reg(m) });
        self.setcc(CC::Z)
    }

    /// The top bit of each lane, lane 0 in bit 0.
    pub(super) fn high_bits(&mut self, ty: Type, x: Reg) -> Reg {
        match ty.lane_bits() {
            8 => self.vmovmsk(MovmskOp::Pmovmskb, x),
            16 => {
                // Signed saturation keeps each sign; the packed copy fills bits 8-15.
                let p = self.vbin(VecOp::Packsswb, x, x);
                let m = self.vmovmsk(MovmskOp::Pmovmskb, p);
                self.gpr_op(AluOp::And, m, RegMemImm::Imm(0xff))
            }
            32 => self.vmovmsk(MovmskOp::Movmskps, x),
            _ => self.vmovmsk(MovmskOp::Movmskpd, x),
        }
    }

    /// `snarrow`/`unarrow`/`uunarrow` of `x` (low half) and `y` (high half), `ty` the
    /// input type.
    pub(super) fn narrow(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let sse41 = self.has(Ext::Sse41);
        match (op, ty.lane_bits()) {
            (Opcode::Snarrow, 16) => self.vbin(VecOp::Packsswb, x, y),
            (Opcode::Snarrow, 32) => self.vbin(VecOp::Packssdw, x, y),
            (Opcode::Unarrow, 16) => self.vbin(VecOp::Packuswb, x, y),
            (Opcode::Unarrow, 32) if sse41 => self.vbin(VecOp::Packusdw, x, y),
            (Opcode::Uunarrow, 16) => {
                // min(v, 255) = v - sat(v - 255) (unsigned), then an exact pack.
                let max = self.vsplat_const(16, 0xff);
                let mut halves = [x; 2];
                for (k, v) in [x, y].into_iter().enumerate() {
                    let over = self.vbin(VecOp::Psubusw, v, max);
                    halves[k] = self.vbin(VecOp::Psubw, v, over);
                }
                self.vbin(VecOp::Packuswb, halves[0], halves[1])
            }
            (Opcode::Uunarrow, 32) if sse41 => {
                let max = self.vsplat_const(32, 0xffff);
                let a = self.vbin(VecOp::Pminud, x, max);
                let b = self.vbin(VecOp::Pminud, y, max);
                self.vbin(VecOp::Packusdw, a, b)
            }
            (Opcode::Unarrow | Opcode::Uunarrow, 32) => {
                // SSE2: each lane clamped to [0, 65535] (signed or unsigned input), then
                // packed exactly through a bias of 0x8000 (`packssdw` is signed).
                let max = self.vsplat_const(32, 0xffff);
                let mut halves = [x; 2];
                for (k, v) in [x, y].into_iter().enumerate() {
                    let v = if op == Opcode::Unarrow {
                        let neg = self.vshift(VecShiftOp::Psrad, v, 31);
                        self.vbin(VecOp::Pandn, neg, v)
                    } else {
                        v
                    };
                    let over = self.vgt(32, op == Opcode::Unarrow, v, max);
                    let v = self.vselect(over, max, v);
                    let bias = self.vsplat_const(32, 0x8000);
                    halves[k] = self.vbin(VecOp::Psubd, v, bias);
                }
                let p = self.vbin(VecOp::Packssdw, halves[0], halves[1]);
                let bias = self.vsplat_const(16, 0x8000);
                self.vbin(VecOp::Pxor, p, bias)
            }
            (_, 64) => {
                // Each 64-bit lane clamped to the 32-bit range (signed for `snarrow`;
                // `unarrow` reads signed lanes, `uunarrow` unsigned ones, both into
                // [0, 2^32 - 1]), then the low halves of x's and y's lanes joined.
                let mut halves = [x; 2];
                for (k, v) in [x, y].into_iter().enumerate() {
                    let (max, signed) = match op {
                        Opcode::Snarrow => (i32::MAX as u64, true),
                        Opcode::Unarrow => (u32::MAX as u64, true),
                        _ => (u32::MAX as u64, false),
                    };
                    let top = self.vsplat_const(64, max);
                    let over = self.vgt(64, signed, v, top);
                    let v = self.vselect(over, top, v);
                    let v = match op {
                        Opcode::Snarrow => {
                            let bottom = self.vsplat_const(64, i32::MIN as i64 as u64);
                            let under = self.vgt(64, true, bottom, v);
                            self.vselect(under, bottom, v)
                        }
                        Opcode::Unarrow => {
                            let neg = self.lane_sign_mask(64, v);
                            self.vbin(VecOp::Pandn, neg, v)
                        }
                        _ => v,
                    };
                    halves[k] = self.vun_imm(VecOp::Pshufd, v, 0x08);
                }
                self.vbin(VecOp::Punpcklqdq, halves[0], halves[1])
            }
            _ => self.vec_refuse(op, ty, x),
        }
    }

    /// `swiden_low`/`_high`, `uwiden_low`/`_high`; `ty` is the input type.
    pub(super) fn widen(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let bits = ty.lane_bits();
        if bits == 64 {
            return self.vec_refuse(op, ty, x);
        }
        let signed = matches!(op, Opcode::SwidenLow | Opcode::SwidenHigh);
        let high = matches!(op, Opcode::SwidenHigh | Opcode::UwidenHigh);
        if self.has(Ext::Sse41) {
            let src = if high { self.vun_imm(VecOp::Pshufd, x, 0xee) } else { x };
            let ext = match (signed, bits) {
                (true, 8) => VecOp::Pmovsxbw,
                (true, 16) => VecOp::Pmovsxwd,
                (true, _) => VecOp::Pmovsxdq,
                (false, 8) => VecOp::Pmovzxbw,
                (false, 16) => VecOp::Pmovzxwd,
                (false, _) => VecOp::Pmovzxdq,
            };
            return self.vun(ext, src);
        }
        let (lo, hi) = match bits {
            8 => (VecOp::Punpcklbw, VecOp::Punpckhbw),
            16 => (VecOp::Punpcklwd, VecOp::Punpckhwd),
            _ => (VecOp::Punpckldq, VecOp::Punpckhdq),
        };
        let unpack = if high { hi } else { lo };
        if !signed {
            let zero = self.vfill(false);
            return self.vbin(unpack, x, zero);
        }
        match bits {
            // Each lane doubled, then shifted arithmetically into place.
            8 => {
                let d = self.vbin(unpack, x, x);
                self.vshift(VecShiftOp::Psraw, d, 8)
            }
            16 => {
                let d = self.vbin(unpack, x, x);
                self.vshift(VecShiftOp::Psrad, d, 16)
            }
            _ => {
                let s = self.vshift(VecShiftOp::Psrad, x, 31);
                self.vbin(unpack, x, s)
            }
        }
    }

    /// `iadd_pairwise`: `[x0+x1, x2+x3, .., y0+y1, ..]`, wrapping.
    pub(super) fn iadd_pairwise(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
        match ty.lane_bits() {
            16 if self.has(Ext::Ssse3) => self.vbin(VecOp::Phaddw, x, y),
            32 if self.has(Ext::Ssse3) => self.vbin(VecOp::Phaddd, x, y),
            32 => {
                let even = self.vbin_imm(VecOp::Shufps, x, y, 0x88);
                let odd = self.vbin_imm(VecOp::Shufps, x, y, 0xdd);
                self.vbin(VecOp::Paddd, even, odd)
            }
            16 => {
                // Sums in 32-bit lanes, their low halves sign-extended so that the
                // saturating pack is exact.
                let mut sums = [x; 2];
                for (k, v) in [x, y].into_iter().enumerate() {
                    let even = self.vshift(VecShiftOp::Pslld, v, 16);
                    let even = self.vshift(VecShiftOp::Psrad, even, 16);
                    let odd = self.vshift(VecShiftOp::Psrad, v, 16);
                    let s = self.vbin(VecOp::Paddd, even, odd);
                    let s = self.vshift(VecShiftOp::Pslld, s, 16);
                    sums[k] = self.vshift(VecShiftOp::Psrad, s, 16);
                }
                self.vbin(VecOp::Packssdw, sums[0], sums[1])
            }
            64 => {
                let lo = self.vbin(VecOp::Punpcklqdq, x, y);
                let hi = self.vbin(VecOp::Punpckhqdq, x, y);
                self.vbin(VecOp::Paddq, lo, hi)
            }
            _ => {
                // Bytes: each 16-bit lane's two bytes added into its low byte, the high
                // byte cleared, then packed (sums modulo 256 fit a byte, so exactly).
                let low = self.vsplat_const(16, 0xff);
                let mut sums = [x; 2];
                for (k, v) in [x, y].into_iter().enumerate() {
                    let t = self.vshift(VecShiftOp::Psrlw, v, 8);
                    let t = self.vbin(VecOp::Paddb, v, t);
                    sums[k] = self.vbin(VecOp::Pand, t, low);
                }
                self.vbin(VecOp::Packuswb, sums[0], sums[1])
            }
        }
    }
}

/// The immediate-count shift of `op` on lanes of `bits` (not 8-bit lanes nor 64-bit
/// `sshr`, which have none).
fn shift_op(op: Opcode, bits: u32) -> VecShiftOp {
    match (op, bits) {
        (Opcode::Ishl, 16) => VecShiftOp::Psllw,
        (Opcode::Ishl, 32) => VecShiftOp::Pslld,
        (Opcode::Ishl, _) => VecShiftOp::Psllq,
        (Opcode::Ushr, 16) => VecShiftOp::Psrlw,
        (Opcode::Ushr, 32) => VecShiftOp::Psrld,
        (Opcode::Ushr, _) => VecShiftOp::Psrlq,
        (_, 16) => VecShiftOp::Psraw,
        _ => VecShiftOp::Psrad,
    }
}
