//! More of x86-64 vector lowering (`lower_simd.isle`; emitters in `simd.rs`, arithmetic in
//! `simd_ops.rs`): lane selects (`vselect`, `x86_blendv`), fixed-point multiplies
//! (`sqmul_round_sat`, `x86_pmulhrsw`), the other x86-semantics opcodes (`x86_pshufb`,
//! `x86_pmaddubsw`, `x86_cvtt2dq`), extending loads, byte-order bitcasts, rotates and
//! saturating arithmetic on 32- and 64-bit lanes.
//!
//! Each function takes lane types and operand registers and returns the result register.
//! Every sequence has an SSE2 form (the baseline); a shorter form is used where the level
//! has the instruction. What no form covers is reported "unsupported", never wrong code.

use super::RuleCtx;
use crate::ir::{MemFlags, Opcode, Type, types};
use crate::isa::x64::inst::Inst as MInst;
use crate::isa::x64::inst::args::{Amode, OperandSize, RegMem, UnaryOp};
use crate::isa::x64::inst::vector::{BlendvOp, Ext, VecOp, VecShiftOp};
use crate::machinst::Reg;

/// The `pshufb` selector that reverses the bytes of every `bits`-wide lane.
fn byte_reverse_mask(bits: u32) -> u128 {
    let n = (bits / 8) as usize;
    let bytes: Vec<u8> = (0..16).map(|i| ((i / n) * n + (n - 1 - i % n)) as u8).collect();
    u128::from_le_bytes(bytes.try_into().unwrap_or([0; 16]))
}

impl RuleCtx<'_, '_> {
    // ---- selects ----

    /// `vselect c, x, y`: lane of `x` where `c`'s lane is non-zero. `c` is first turned
    /// into a full mask (a lane equal to zero selects `y`).
    pub(super) fn vselect_any(&mut self, ty: Type, c: Reg, x: Reg, y: Reg) -> Reg {
        let zero = self.vfill(false);
        let is_zero = self.veq(ty.lane_bits(), c, zero);
        self.mask_select(is_zero, y, x)
    }

    /// `pblendvb`/`blendvps`/`blendvpd`: lane of `x` where the top bit of `m`'s lane is
    /// set, else of `y` (SSE4.1; the legacy form takes `m` in `xmm0`).
    fn vblendv(&mut self, op: BlendvOp, m: Reg, x: Reg, y: Reg) -> Reg {
        let dst = self.ftmp();
        self.emit(MInst::Blendv { op, vex: self.avx(), src1: y, src2: x, mask: m, dst });
        dst
    }

    /// A select by a mask whose lanes are all ones or zero (a compare's): one `pblendvb`
    /// with SSE4.1, else `(x & m) | (y & !m)`.
    pub(super) fn mask_select(&mut self, m: Reg, x: Reg, y: Reg) -> Reg {
        if self.has(Ext::Sse41) {
            return self.vblendv(BlendvOp::Pblendvb, m, x, y);
        }
        self.vselect(m, x, y)
    }

    /// `x86_blendv c, x, y`: lane of `x` where the top bit of `c`'s lane is set. SSE4.1:
    /// `pblendvb`/`blendvps`/`blendvpd` (16-bit lanes, which have no form: `pblendvb`
    /// after copying each lane's sign to its low byte by `psraw`). SSE2: a sign mask and
    /// a bitwise select.
    pub(super) fn blendv(&mut self, ty: Type, c: Reg, x: Reg, y: Reg) -> Reg {
        let bits = ty.lane_bits();
        if self.has(Ext::Sse41) {
            return match bits {
                8 => self.vblendv(BlendvOp::Pblendvb, c, x, y),
                16 => {
                    let m = self.vshift(VecShiftOp::Psraw, c, 15);
                    self.vblendv(BlendvOp::Pblendvb, m, x, y)
                }
                32 => self.vblendv(BlendvOp::Blendvps, c, x, y),
                _ => self.vblendv(BlendvOp::Blendvpd, c, x, y),
            };
        }
        let m = self.lane_sign_mask(bits, c);
        self.vselect(m, x, y)
    }

    // ---- fixed-point multiplies ----

    /// Bits 15..30 of `x * y + 0x4000` in each 16-bit lane (`pmulhrsw`): the instruction
    /// with SSSE3, else from the low and high halves of the product:
    /// `(p >> 15) + ((p >> 14) & 1)`, modulo 2^16.
    fn mulhrs16(&mut self, x: Reg, y: Reg) -> Reg {
        if self.has(Ext::Ssse3) {
            return self.vbin(VecOp::Pmulhrsw, x, y);
        }
        let lo = self.vbin(VecOp::Pmullw, x, y);
        let hi = self.vbin(VecOp::Pmulhw, x, y);
        let a = self.vshift(VecShiftOp::Psrlw, lo, 15);
        let b = self.vshift(VecShiftOp::Psllw, hi, 1);
        let p15 = self.vbin(VecOp::Por, a, b);
        let r = self.vshift(VecShiftOp::Psrlw, lo, 14);
        let one = self.vsplat_const(16, 1);
        let r = self.vbin(VecOp::Pand, r, one);
        self.vbin(VecOp::Paddw, p15, r)
    }

    /// The same in 32-bit lanes: bits 31..62 of `x * y + 2^30`.
    fn mulhrs32(&mut self, x: Reg, y: Reg) -> Reg {
        let (even, odd) = self.mul32_wide(true, x, y);
        let half = self.vsplat_const(64, 1 << 30);
        let [e, o] = [even, odd].map(|p| {
            let p = self.vbin(VecOp::Paddq, p, half);
            self.vshift(VecShiftOp::Psrlq, p, 31)
        });
        self.interleave_dwords(false, e, o)
    }

    /// The 64-bit products of the even 32-bit lanes and of the odd ones (moved down by
    /// `psrlq`), in the 64-bit lanes of two registers. Unsigned: `pmuludq`. Signed:
    /// `pmuldq` with SSE4.1, else `pmuludq` corrected for the signs:
    /// `x * y = ux * uy - 2^32 * ((x < 0 ? y : 0) + (y < 0 ? x : 0))` (mod 2^64).
    pub(super) fn mul32_wide(&mut self, signed: bool, x: Reg, y: Reg) -> (Reg, Reg) {
        let xo = self.vshift(VecShiftOp::Psrlq, x, 32);
        let yo = self.vshift(VecShiftOp::Psrlq, y, 32);
        if !signed {
            return (self.vbin(VecOp::Pmuludq, x, y), self.vbin(VecOp::Pmuludq, xo, yo));
        }
        if self.has(Ext::Sse41) {
            (self.vbin(VecOp::Pmuldq, x, y), self.vbin(VecOp::Pmuldq, xo, yo))
        } else {
            let even = self.vbin(VecOp::Pmuludq, x, y);
            let odd = self.vbin(VecOp::Pmuludq, xo, yo);
            // The correction of each 32-bit lane, in that lane.
            let sx = self.vshift(VecShiftOp::Psrad, x, 31);
            let sy = self.vshift(VecShiftOp::Psrad, y, 31);
            let a = self.vbin(VecOp::Pand, sx, y);
            let b = self.vbin(VecOp::Pand, sy, x);
            let corr = self.vbin(VecOp::Paddd, a, b);
            // Even lanes' corrections moved to the high halves; odd lanes' are there.
            let ce = self.vshift(VecShiftOp::Psllq, corr, 32);
            let high = self.vsplat_const(64, 0xffff_ffff_0000_0000);
            let co = self.vbin(VecOp::Pand, corr, high);
            (self.vbin(VecOp::Psubq, even, ce), self.vbin(VecOp::Psubq, odd, co))
        }
    }

    /// `umulhi`/`smulhi`: the high half of each lane's full product. 16-bit lanes have
    /// `pmulhuw`/`pmulhw` (rules); bytes are widened to 16 bits (zero- or sign-extended),
    /// multiplied, shifted down by 8 and packed (exactly: each high byte fits); 32-bit lanes
    /// take the high halves of the 64-bit products; 64-bit lanes go through `mul`/`imul`
    /// on each lane.
    pub(super) fn mulhi(&mut self, signed: bool, ty: Type, x: Reg, y: Reg) -> Reg {
        match ty.lane_bits() {
            8 => {
                let mut halves = [x; 2];
                for (k, unpack) in [VecOp::Punpcklbw, VecOp::Punpckhbw].into_iter().enumerate() {
                    let [a, b] = [x, y].map(|v| {
                        if signed {
                            let d = self.vbin(unpack, v, v);
                            self.vshift(VecShiftOp::Psraw, d, 8)
                        } else {
                            let zero = self.vfill(false);
                            self.vbin(unpack, v, zero)
                        }
                    });
                    let p = self.vbin(VecOp::Pmullw, a, b);
                    let shift = if signed { VecShiftOp::Psraw } else { VecShiftOp::Psrlw };
                    halves[k] = self.vshift(shift, p, 8);
                }
                let pack = if signed { VecOp::Packsswb } else { VecOp::Packuswb };
                self.vbin(pack, halves[0], halves[1])
            }
            16 => self.vbin(if signed { VecOp::Pmulhw } else { VecOp::Pmulhuw }, x, y),
            32 => {
                let (even, odd) = self.mul32_wide(signed, x, y);
                self.interleave_dwords(true, even, odd)
            }
            _ => {
                let hi_lane = |c: &mut Self, v: Reg| c.vun_imm(VecOp::Pshufd, v, 0xee);
                let (xh, yh) = (hi_lane(self, x), hi_lane(self, y));
                let lanes = [(x, y), (xh, yh)].map(|(a, b)| {
                    let (a, b) = (self.vec_to_gpr(64, a), self.vec_to_gpr(64, b));
                    let (lo, hi) = (self.tmp(), self.tmp());
                    self.emit(MInst::MulHi { size: OperandSize::S64, signed, src1: a, src2: b, lo, hi });
                    self.gpr_to_vec(64, hi)
                });
                self.vbin(VecOp::Punpcklqdq, lanes[0], lanes[1])
            }
        }
    }

    /// `avg_round` of 32- and 64-bit lanes (no `pavg*`): `(x | y) - ((x ^ y) >> 1)`, the
    /// rounded-up unsigned mean without overflow.
    pub(super) fn avg_round_wide(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
        let wide = ty.lane_bits() == 64;
        let o = self.vbin(VecOp::Por, x, y);
        let d = self.vbin(VecOp::Pxor, x, y);
        let d = self.vshift(if wide { VecShiftOp::Psrlq } else { VecShiftOp::Psrld }, d, 1);
        self.vbin(if wide { VecOp::Psubq } else { VecOp::Psubd }, o, d)
    }

    /// `x86_pmulhrsw` (wrapping) or, with `saturate`, `sqmul_round_sat`: the rounded
    /// product is `MIN` only for `MIN * MIN` (whose true value is `MAX + 1`), so the
    /// saturating form flips exactly the lanes equal to `MIN` to `MAX`.
    pub(super) fn mulhrs(&mut self, saturate: bool, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.lane_bits();
        let r = if bits == 16 { self.mulhrs16(x, y) } else { self.mulhrs32(x, y) };
        if !saturate {
            return r;
        }
        let min = self.vsplat_const(bits, 1 << (bits - 1));
        let over = self.veq(bits, r, min);
        self.vbin(VecOp::Pxor, r, over)
    }

    // ---- other x86-semantics opcodes ----

    /// `x86_pshufb x, y`: `pshufb` with SSSE3; else each byte looked up by its index
    /// with bits 4-6 cleared (so a set bit 7 matches no source byte and gives 0).
    pub(super) fn x86_pshufb(&mut self, x: Reg, y: Reg) -> Reg {
        if self.has(Ext::Ssse3) {
            return self.vbin(VecOp::Pshufb, x, y);
        }
        let keep = self.vsplat_const(8, 0x8f);
        let idx = self.vbin(VecOp::Pand, y, keep);
        self.byte_lookup_sse2(x, idx)
    }

    /// `x86_pmaddubsw x, y` (`x` signed bytes, `y` unsigned): `pmaddubsw y, x` with
    /// SSSE3; else the even and odd bytes widened to 16-bit lanes (each product fits in
    /// 16 bits), multiplied, and added with signed saturation.
    pub(super) fn x86_pmaddubsw(&mut self, x: Reg, y: Reg) -> Reg {
        if self.has(Ext::Ssse3) {
            return self.vbin(VecOp::Pmaddubsw, y, x);
        }
        let xe = self.vshift(VecShiftOp::Psllw, x, 8);
        let xe = self.vshift(VecShiftOp::Psraw, xe, 8);
        let xo = self.vshift(VecShiftOp::Psraw, x, 8);
        let low = self.vsplat_const(16, 0xff);
        let ye = self.vbin(VecOp::Pand, y, low);
        let yo = self.vshift(VecShiftOp::Psrlw, y, 8);
        let pe = self.vbin(VecOp::Pmullw, xe, ye);
        let po = self.vbin(VecOp::Pmullw, xo, yo);
        self.vbin(VecOp::Paddsw, pe, po)
    }

    /// `x86_cvtt2dq`: `cvttps2dq` for `f32x4`; for `f64x2`, `cvttsd2si` (64-bit) of each
    /// lane, which gives the same "integer indefinite" `MIN` for NaN and out of range.
    pub(super) fn x86_cvtt2dq(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        if to == types::I32X4 && from == types::F32X4 {
            return self.vun(VecOp::Cvttps2dq, x);
        }
        if to == types::I64X2 && from == types::F64X2 {
            let hi = self.vun_imm(VecOp::Pshufd, x, 0xee);
            let lanes = [x, hi].map(|l| {
                let g = self.tmp();
                self.emit(MInst::CvtFloatToInt { double: true, size: OperandSize::S64, src: l, dst: g });
                self.gpr_to_vec(64, g)
            });
            return self.vbin(VecOp::Punpcklqdq, lanes[0], lanes[1]);
        }
        self.vec_refuse(Opcode::X86Cvtt2dq, to, x)
    }

    // ---- byte order ----

    /// Every `bits`-wide lane (16 to 128) with its bytes reversed: one `pshufb` with
    /// SSSE3; else words swapped by `pshuflw`/`pshufhw` (and qwords by `pshufd`), then the
    /// bytes of each word by two shifts.
    pub(super) fn byte_swap_lanes(&mut self, bits: u32, x: Reg) -> Reg {
        if bits == 8 {
            return x;
        }
        if self.has(Ext::Ssse3) {
            let m = self.vconst(byte_reverse_mask(bits));
            return self.vbin(VecOp::Pshufb, x, m);
        }
        let words = match bits {
            16 => x,
            32 => {
                let t = self.vun_imm(VecOp::Pshuflw, x, 0xb1);
                self.vun_imm(VecOp::Pshufhw, t, 0xb1)
            }
            _ => {
                let t = if bits == 128 { self.vun_imm(VecOp::Pshufd, x, 0x4e) } else { x };
                let t = self.vun_imm(VecOp::Pshuflw, t, 0x1b);
                self.vun_imm(VecOp::Pshufhw, t, 0x1b)
            }
        };
        let a = self.vshift(VecShiftOp::Psllw, words, 8);
        let b = self.vshift(VecShiftOp::Psrlw, words, 8);
        self.vbin(VecOp::Por, a, b)
    }

    /// A `big` bitcast between 128-bit values of different lane widths (`i128` counts as
    /// one 128-bit lane): stored with the source's lanes most significant byte first and
    /// loaded the same way, so each source lane's bytes are reversed, then each result
    /// lane's.
    pub(super) fn bitcast_big(&mut self, to: Type, from: Type, x: Reg) -> Reg {
        if self.has(Ext::Ssse3) {
            // Both byte permutations in one `pshufb`: result byte i is byte
            // first[second[i]] of x.
            let first = byte_reverse_mask(from.lane_bits()).to_le_bytes();
            let second = byte_reverse_mask(to.lane_bits()).to_le_bytes();
            let both: Vec<u8> = second.iter().map(|&j| first[j as usize]).collect();
            let m = self.vconst(u128::from_le_bytes(both.try_into().unwrap_or([0; 16])));
            return self.vbin(VecOp::Pshufb, x, m);
        }
        // Reversing the bytes of each narrow lane and then of each wide lane reverses the
        // order of the narrow lanes within each wide one (bytes: a plain byte swap).
        let (unit, lane) = {
            let (a, b) = (from.lane_bits(), to.lane_bits());
            (a.min(b), a.max(b))
        };
        if unit == 8 {
            return self.byte_swap_lanes(lane, x);
        }
        self.reverse_units(unit, lane, x)
    }

    /// The `unit`-bit parts (16 to 64) of each `lane`-bit lane (up to 128) in reverse
    /// order, by word and dword shuffles.
    fn reverse_units(&mut self, unit: u32, lane: u32, x: Reg) -> Reg {
        let words = |c: &mut Self, imm: u8, x: Reg| {
            let t = c.vun_imm(VecOp::Pshuflw, x, imm);
            c.vun_imm(VecOp::Pshufhw, t, imm)
        };
        match (unit, lane) {
            (16, 32) => words(self, 0xb1, x),
            (16, 64) => words(self, 0x1b, x),
            (16, _) => {
                let t = self.vun_imm(VecOp::Pshufd, x, 0x4e);
                words(self, 0x1b, t)
            }
            (32, 64) => self.vun_imm(VecOp::Pshufd, x, 0xb1),
            (32, _) => self.vun_imm(VecOp::Pshufd, x, 0x1b),
            _ => self.vun_imm(VecOp::Pshufd, x, 0x4e),
        }
    }

    /// `bitrev`: the bytes of each lane reversed, then the bits of each byte: with SSSE3
    /// two nibble-table lookups (`pshufb`), else swaps of nibbles, bit pairs and bits by
    /// masks and shifts.
    pub(super) fn vec_bitrev_lanes(&mut self, ty: Type, x: Reg) -> Reg {
        let x = self.byte_swap_lanes(ty.lane_bits(), x);
        let low4 = self.vsplat_const(8, 0x0f);
        if self.has(Ext::Ssse3) {
            // rev4[n] is n's four bits reversed; a byte's low nibble goes to the high one.
            let rev4: [u8; 16] = std::array::from_fn(|n| (n as u8).reverse_bits() >> 4);
            let hi = self.vshift(VecShiftOp::Psrlw, x, 4);
            let hi = self.vbin(VecOp::Pand, hi, low4);
            let lo = self.vbin(VecOp::Pand, x, low4);
            let table = self.vconst(u128::from_le_bytes(rev4));
            let from_hi = self.vbin(VecOp::Pshufb, table, hi);
            let table = self.vconst(u128::from_le_bytes(rev4.map(|r| r << 4)));
            let from_lo = self.vbin(VecOp::Pshufb, table, lo);
            return self.vbin(VecOp::Por, from_hi, from_lo);
        }
        let mut v = x;
        for (n, mask) in [(4u8, 0x0fu64), (2, 0x33), (1, 0x55)] {
            let m = self.vsplat_const(8, mask);
            let down = self.vshift(VecShiftOp::Psrlw, v, n);
            let down = self.vbin(VecOp::Pand, down, m);
            let up = self.vbin(VecOp::Pand, v, m);
            let up = self.vshift(VecShiftOp::Psllw, up, n);
            v = self.vbin(VecOp::Por, down, up);
        }
        v
    }

    // ---- extending loads ----

    /// `uload8x8` ... `sload32x2`: with SSE4.1 `pmovzx*`/`pmovsx*` straight from memory;
    /// else (or for `big` lanes, whose bytes are swapped first) a `movq` of the 8 bytes and
    /// the widening of `swiden_low`/`uwiden_low`.
    pub(super) fn load_extend(&mut self, op: Opcode, flags: MemFlags, addr: Amode) -> Reg {
        let (bits, signed) = match op {
            Opcode::Uload8x8 => (8, false),
            Opcode::Sload8x8 => (8, true),
            Opcode::Uload16x4 => (16, false),
            Opcode::Sload16x4 => (16, true),
            Opcode::Uload32x2 => (32, false),
            _ => (32, true),
        };
        let trap = Self::trap_code(flags);
        let big = flags.explicit_endianness() == Some(crate::ir::Endianness::Big) && bits > 8;
        if self.has(Ext::Sse41) && !big {
            let ext = match (signed, bits) {
                (true, 8) => VecOp::Pmovsxbw,
                (true, 16) => VecOp::Pmovsxwd,
                (true, _) => VecOp::Pmovsxdq,
                (false, 8) => VecOp::Pmovzxbw,
                (false, 16) => VecOp::Pmovzxwd,
                (false, _) => VecOp::Pmovzxdq,
            };
            let dst = self.ftmp();
            self.emit(MInst::VecUnary { op: ext, vex: self.avx(), src: RegMem::Mem(addr), imm: None, dst, trap });
            return dst;
        }
        let raw = self.ftmp();
        self.emit(MInst::XmmLoad { double: true, addr, dst: raw, trap });
        let v = if big { self.byte_swap_lanes(bits, raw) } else { raw };
        let narrow = Type::int_with_bits(bits).and_then(|t| t.by(128 / bits)).unwrap_or(types::I8X16);
        let widen = if signed { Opcode::SwidenLow } else { Opcode::UwidenLow };
        self.widen(widen, narrow, v)
    }

    // ---- rotates ----

    /// `rotl`/`rotr` by a constant: `(x << n) | (x >> (w - n))`, `n` modulo the width.
    pub(super) fn rotate_imm(&mut self, op: Opcode, ty: Type, x: Reg, k: i64) -> Reg {
        let w = ty.lane_bits() as i64;
        let n = k.rem_euclid(w);
        let left = if op == Opcode::Rotl { n } else { (w - n) % w };
        if left == 0 {
            return x;
        }
        let a = self.shift_imm(Opcode::Ishl, ty, x, left);
        let b = self.shift_imm(Opcode::Ushr, ty, x, w - left);
        self.vbin(VecOp::Por, a, b)
    }

    /// `rotl`/`rotr` by a register: `(x << n) | (x >> -n)`, both shifts taking their
    /// amount modulo the width (so `n = 0` gives `x | x`).
    pub(super) fn rotate(&mut self, op: Opcode, ty: Type, x: Reg, n: Reg) -> Reg {
        let neg = self.tmp();
        self.emit(MInst::Unary { size: OperandSize::S32, op: UnaryOp::Neg, src: n, dst: neg });
        let (l, r) = if op == Opcode::Rotl { (n, neg) } else { (neg, n) };
        let a = self.shift(Opcode::Ishl, ty, x, l);
        let b = self.shift(Opcode::Ushr, ty, x, r);
        self.vbin(VecOp::Por, a, b)
    }

    // ---- saturating arithmetic on 32- and 64-bit lanes (no instruction) ----

    /// `uadd_sat`/`usub_sat`/`sadd_sat`/`ssub_sat` of 32- or 64-bit lanes. Unsigned: the
    /// wrapped result, and all ones (add) or zero (sub) where it wrapped (`x > sum`,
    /// `y > x`). Signed: the wrapped result, and `x < 0 ? MIN : MAX` where the sign of the
    /// result is wrong (add: `x`, `y` of one sign and the sum of the other; sub: `x`, `y` of
    /// different signs and the difference of `y`'s).
    pub(super) fn sat_arith(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
        let bits = ty.lane_bits();
        let add = matches!(op, Opcode::UaddSat | Opcode::SaddSat);
        let (addop, subop) = if bits == 64 { (VecOp::Paddq, VecOp::Psubq) } else { (VecOp::Paddd, VecOp::Psubd) };
        let r = if add { self.vbin(addop, x, y) } else { self.vbin(subop, x, y) };
        match op {
            Opcode::UaddSat => {
                let wrapped = self.vgt(bits, false, x, r);
                self.vbin(VecOp::Por, r, wrapped)
            }
            Opcode::UsubSat => {
                let wrapped = self.vgt(bits, false, y, x);
                self.vbin(VecOp::Pandn, wrapped, r)
            }
            _ => {
                let ov = if add {
                    let a = self.vbin(VecOp::Pxor, r, x);
                    let b = self.vbin(VecOp::Pxor, r, y);
                    self.vbin(VecOp::Pand, a, b)
                } else {
                    let a = self.vbin(VecOp::Pxor, x, y);
                    let b = self.vbin(VecOp::Pxor, x, r);
                    self.vbin(VecOp::Pand, a, b)
                };
                let ov = self.lane_sign_mask(bits, ov);
                let sx = self.lane_sign_mask(bits, x);
                let max = self.vsplat_const(bits, u64::MAX >> (65 - bits));
                let sat = self.vbin(VecOp::Pxor, sx, max);
                self.vselect(ov, sat, r)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_reverse_masks() {
        assert_eq!(byte_reverse_mask(16).to_le_bytes()[..4], [1, 0, 3, 2]);
        assert_eq!(byte_reverse_mask(32).to_le_bytes()[..8], [3, 2, 1, 0, 7, 6, 5, 4]);
        assert_eq!(byte_reverse_mask(64).to_le_bytes()[8..], [15, 14, 13, 12, 11, 10, 9, 8]);
        assert_eq!(byte_reverse_mask(128).to_le_bytes()[0], 15);
    }
}
