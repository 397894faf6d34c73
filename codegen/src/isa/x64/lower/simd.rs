//! The vector side of x86-64 lowering (`lower_simd.isle`): 128-bit vectors in xmm
//! registers, the packed-instruction emitters, and the sequences for what SSE2 (or the
//! level the flags allow) has no single instruction for.
//!
//! Every packed instruction goes through [`RuleCtx::vbin`] and friends, which pick the
//! VEX-encoded three-operand form under `has_avx` and the destructive legacy form
//! otherwise (the register allocator copies a source that is still live). Lowering sees
//! the implied levels (`X64Flags::implied`), so each test below names the lowest level an
//! instruction needs. What a level cannot do is reported "unsupported" with the opcode,
//! the type and the level; nothing here emits a wrong answer instead.
//!
//! Lane values as the rules see them: a scalar integer lane lives in a general-purpose
//! register (narrow values with unspecified upper bits), a float lane in the low lane of
//! an xmm register (upper lanes unspecified), as everywhere in the x64 lowering.

use super::RuleCtx;
use crate::ir::{FloatCC, Inst, InstructionData, IntCC, MemFlags, Opcode, Type, Value, types};
use crate::isa::x64::inst::Inst as MInst;
use crate::isa::x64::inst::args::{AluOp, Amode, CC, OperandSize, RegMem, RegMemImm, ShiftAmount, ShiftKind};
use crate::isa::x64::inst::vector::{Ext, MovmskOp, VecOp, VecShiftOp};
use crate::machinst::Reg;

/// `v` repeated in every `lane_bits`-wide lane of 128 bits.
pub(super) fn splat_bits(lane_bits: u32, v: u64) -> u128 {
    let lane = if lane_bits >= 64 { v as u128 } else { (v as u128) & ((1u128 << lane_bits) - 1) };
    (0..128 / lane_bits).fold(0u128, |acc, i| acc | lane << (i * lane_bits))
}

/// The `pshufd` immediate that copies 32-bit lane `i` to every lane.
fn broadcast_dword(i: u8) -> u8 {
    i * 0x55
}

/// The opcode selector of a lane width (8, 16, 32, 64 bits).
fn by_width(bits: u32, b: VecOp, w: VecOp, d: VecOp, q: VecOp) -> VecOp {
    match bits {
        8 => b,
        16 => w,
        32 => d,
        _ => q,
    }
}

impl RuleCtx<'_, '_> {
    fn has(&self, ext: Ext) -> bool {
        let f = &self.backend.isa_flags;
        match ext {
            Ext::Sse2 => true,
            Ext::Ssse3 => f.has_ssse3,
            Ext::Sse41 => f.has_sse41,
            Ext::Sse42 => f.has_sse42,
        }
    }
    fn avx(&self) -> bool {
        self.backend.isa_flags.has_avx
    }
    /// The level named in "unsupported" messages.
    fn level(&self) -> &'static str {
        if self.has(Ext::Sse41) {
            "SSE4.1"
        } else if self.has(Ext::Ssse3) {
            "SSSE3"
        } else {
            "SSE2"
        }
    }
    fn vec_refuse(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let level = self.level();
        self.unsupported(format!("`{op}` on `{ty}` is not lowered on x86_64 at the {level} level yet"));
        x
    }

    // ---- emitters ----

    /// `op a, b` (AVX: `vop dst, a, b`).
    pub(super) fn vbin(&mut self, op: VecOp, a: Reg, b: Reg) -> Reg {
        self.vbin_imm_opt(op, a, b, None)
    }
    fn vbin_imm(&mut self, op: VecOp, a: Reg, b: Reg, imm: u8) -> Reg {
        self.vbin_imm_opt(op, a, b, Some(imm))
    }
    fn vbin_imm_opt(&mut self, op: VecOp, a: Reg, b: Reg, imm: Option<u8>) -> Reg {
        debug_assert!(self.has(op.needs()) || self.avx(), "{op:?} needs {:?}", op.needs());
        let dst = self.ftmp();
        self.emit(MInst::VecBin { op, vex: self.avx(), src1: a, src2: RegMem::Reg(b), imm, dst });
        dst
    }
    pub(super) fn vun(&mut self, op: VecOp, a: Reg) -> Reg {
        self.vun_imm_opt(op, a, None)
    }
    pub(super) fn vun_imm(&mut self, op: VecOp, a: Reg, imm: u8) -> Reg {
        self.vun_imm_opt(op, a, Some(imm))
    }
    fn vun_imm_opt(&mut self, op: VecOp, a: Reg, imm: Option<u8>) -> Reg {
        let dst = self.ftmp();
        self.emit(MInst::VecUnary { op, vex: self.avx(), src: RegMem::Reg(a), imm, dst });
        dst
    }
    fn vshift(&mut self, op: VecShiftOp, a: Reg, imm: u8) -> Reg {
        let dst = self.ftmp();
        self.emit(MInst::VecShiftImm { op, vex: self.avx(), src: a, imm, dst });
        dst
    }
    pub(super) fn vconst(&mut self, bits: u128) -> Reg {
        match bits {
            0 => self.vfill(false),
            u128::MAX => self.vfill(true),
            _ => {
                let dst = self.ftmp();
                self.emit(MInst::VecConst { bits, dst });
                dst
            }
        }
    }
    fn vfill(&mut self, ones: bool) -> Reg {
        let dst = self.ftmp();
        self.emit(MInst::VecFill { ones, dst });
        dst
    }
    /// A constant with `v` in every lane of `lane_bits`.
    fn vsplat_const(&mut self, lane_bits: u32, v: u64) -> Reg {
        self.vconst(splat_bits(lane_bits, v))
    }
    pub(super) fn vnot(&mut self, x: Reg) -> Reg {
        let ones = self.vfill(true);
        self.vbin(VecOp::Pxor, x, ones)
    }
    /// `(a & m) | (b & !m)`.
    fn vselect(&mut self, m: Reg, a: Reg, b: Reg) -> Reg {
        let t = self.vbin(VecOp::Pand, a, m);
        let u = self.vbin(VecOp::Pandn, m, b);
        self.vbin(VecOp::Por, t, u)
    }
    /// `movd`/`movq` of the low `bits` of a general-purpose register into lane 0 (the
    /// other lanes zero).
    fn gpr_to_vec(&mut self, bits: u32, r: Reg) -> Reg {
        let dst = self.ftmp();
        let size = if bits == 64 { OperandSize::S64 } else { OperandSize::S32 };
        self.emit(MInst::GprToXmm { size, src: r, dst });
        dst
    }
    fn vec_to_gpr(&mut self, bits: u32, x: Reg) -> Reg {
        let dst = self.tmp();
        let size = if bits == 64 { OperandSize::S64 } else { OperandSize::S32 };
        self.emit(MInst::XmmToGpr { size, src: x, dst });
        dst
    }
    pub(super) fn vmovmsk(&mut self, op: MovmskOp, x: Reg) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Movmsk { op, vex: self.avx(), src: x, dst });
        dst
    }
    fn pextr(&mut self, bits: u32, x: Reg, lane: u8) -> Reg {
        let dst = self.tmp();
        let size = OperandSize::from_bits(bits).unwrap_or(OperandSize::S64);
        self.emit(MInst::Pextr { size, vex: self.avx(), src: x, lane, dst });
        dst
    }
    fn pinsr(&mut self, bits: u32, x: Reg, y: Reg, lane: u8) -> Reg {
        let dst = self.ftmp();
        let size = OperandSize::from_bits(bits).unwrap_or(OperandSize::S64);
        self.emit(MInst::Pinsr { size, vex: self.avx(), src1: x, src2: y, lane, dst });
        dst
    }
    fn gpr_op(&mut self, op: AluOp, a: Reg, b: RegMemImm) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::AluRmiR { size: OperandSize::S32, op, src1: a, src2: b, dst });
        dst
    }
    fn gpr_shift(&mut self, kind: ShiftKind, a: Reg, n: u8) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::Shift { size: OperandSize::S32, kind, src: a, amount: ShiftAmount::Imm(n), dst });
        dst
    }

    /// `cc ? x : y` on whole vectors: `setcc`, widened and negated into 0 or all ones,
    /// broadcast to every lane, then a bitwise select.
    pub(super) fn select_cc(&mut self, cc: CC, x: Reg, y: Reg) -> Reg {
        let bit = self.setcc(cc);
        let wide = self.tmp();
        self.emit(MInst::MovzxRmR { from: OperandSize::S8, to: OperandSize::S32, src: RegMem::Reg(bit), dst: wide });
        let neg = self.tmp();
        self.emit(MInst::Unary {
            size: OperandSize::S32,
            op: crate::isa::x64::inst::args::UnaryOp::Neg,
            src: wide,
            dst: neg,
        });
        let m = self.gpr_to_vec(32, neg);
        let m = self.vun_imm(VecOp::Pshufd, m, 0);
        self.vselect(m, x, y)
    }

    // ---- memory ----
    //
    // `movdqa` (which faults on a misaligned address) only when the access is marked
    // `aligned`, as CLIF promises then; `movdqu` otherwise.

    pub(super) fn vec_load_impl(&mut self, flags: MemFlags, addr: Amode) -> Reg {
        let dst = self.ftmp();
        if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
            self.unsupported("big-endian vector loads on x86_64".into());
        }
        let trap = Self::trap_code(flags);
        self.emit(MInst::VecLoad { aligned: flags.aligned(), addr, dst, trap });
        dst
    }
    pub(super) fn vec_store_impl(&mut self, flags: MemFlags, x: Reg, addr: Amode) {
        if flags.explicit_endianness() == Some(crate::ir::Endianness::Big) {
            self.unsupported("big-endian vector stores on x86_64".into());
        }
        let trap = Self::trap_code(flags);
        self.emit(MInst::VecStore { aligned: flags.aligned(), src: x, addr, trap });
    }

    // ---- lanes ----

    pub(super) fn splat(&mut self, ty: Type, x: Reg) -> Reg {
        match ty.lane_bits() {
            _ if ty.is_float() && ty.lane_bits() == 32 => self.vun_imm(VecOp::Pshufd, x, 0),
            _ if ty.is_float() => self.vun_imm(VecOp::Pshufd, x, 0x44),
            8 => {
                let v = self.gpr_to_vec(32, x);
                if self.has(Ext::Ssse3) {
                    let zero = self.vfill(false);
                    self.vbin(VecOp::Pshufb, v, zero)
                } else {
                    let w = self.vbin(VecOp::Punpcklbw, v, v);
                    let l = self.vun_imm(VecOp::Pshuflw, w, 0);
                    self.vun_imm(VecOp::Pshufd, l, 0)
                }
            }
            16 => {
                let v = self.gpr_to_vec(32, x);
                let l = self.vun_imm(VecOp::Pshuflw, v, 0);
                self.vun_imm(VecOp::Pshufd, l, 0)
            }
            32 => {
                let v = self.gpr_to_vec(32, x);
                self.vun_imm(VecOp::Pshufd, v, 0)
            }
            _ => {
                let v = self.gpr_to_vec(64, x);
                self.vun_imm(VecOp::Pshufd, v, 0x44)
            }
        }
    }

    /// Lane 0 = `x`, the other lanes zero.
    pub(super) fn scalar_to_vector(&mut self, ty: Type, x: Reg) -> Reg {
        let bits = ty.lane_bits();
        if ty.is_float() {
            // The upper lanes of a float register are unspecified: shift them out and back.
            let drop = (16 - bits / 8) as u8;
            let t = self.vshift(VecShiftOp::Pslldq, x, drop);
            return self.vshift(VecShiftOp::Psrldq, t, drop);
        }
        let x = if bits < 32 {
            let from = OperandSize::from_bits(bits).unwrap_or(OperandSize::S8);
            let dst = self.tmp();
            self.emit(MInst::MovzxRmR { from, to: OperandSize::S32, src: RegMem::Reg(x), dst });
            dst
        } else {
            x
        };
        self.gpr_to_vec(bits, x)
    }

    pub(super) fn extractlane(&mut self, ty: Type, x: Reg, lane: u8) -> Reg {
        let bits = ty.lane_bits();
        if ty.is_float() {
            return match (bits, lane) {
                (_, 0) => x,
                (32, _) => self.vun_imm(VecOp::Pshufd, x, broadcast_dword(lane)),
                _ => self.vun_imm(VecOp::Pshufd, x, 0xee),
            };
        }
        match bits {
            16 => self.pextr(16, x, lane),
            _ if self.has(Ext::Sse41) => self.pextr(bits, x, lane),
            8 => {
                let w = self.pextr(16, x, lane / 2);
                if lane % 2 == 1 { self.gpr_shift(ShiftKind::Shr, w, 8) } else { w }
            }
            32 => {
                let t = if lane == 0 { x } else { self.vun_imm(VecOp::Pshufd, x, broadcast_dword(lane)) };
                self.vec_to_gpr(32, t)
            }
            _ => {
                let t = if lane == 0 { x } else { self.vun_imm(VecOp::Pshufd, x, 0xee) };
                self.vec_to_gpr(64, t)
            }
        }
    }

    pub(super) fn insertlane(&mut self, ty: Type, x: Reg, y: Reg, lane: u8) -> Reg {
        let bits = ty.lane_bits();
        if ty.is_float() && bits == 64 {
            // y's low lane is the value: [y, x.hi] or [x.lo, y].
            return if lane == 0 {
                let hi = self.vshift(VecShiftOp::Psrldq, x, 8);
                self.vbin(VecOp::Punpcklqdq, y, hi)
            } else {
                self.vbin(VecOp::Punpcklqdq, x, y)
            };
        }
        let y = if ty.is_float() { self.vec_to_gpr(32, y) } else { y };
        match bits {
            16 => self.pinsr(16, x, y, lane),
            _ if self.has(Ext::Sse41) => self.pinsr(bits, x, y, lane),
            8 => {
                // Rebuild the 16-bit lane holding the byte, then `pinsrw` it.
                let w = self.pextr(16, x, lane / 2);
                let merged = if lane.is_multiple_of(2) {
                    let keep = self.gpr_op(AluOp::And, w, RegMemImm::Imm(0xff00));
                    let low = self.gpr_op(AluOp::And, y, RegMemImm::Imm(0xff));
                    self.gpr_op(AluOp::Or, keep, RegMemImm::Reg(low))
                } else {
                    let keep = self.gpr_op(AluOp::And, w, RegMemImm::Imm(0xff));
                    let high = self.gpr_shift(ShiftKind::Shl, y, 8);
                    self.gpr_op(AluOp::Or, keep, RegMemImm::Reg(high))
                };
                self.pinsr(16, x, merged, lane / 2)
            }
            32 => {
                let lo = self.pinsr(16, x, y, 2 * lane);
                let hi = self.gpr_shift(ShiftKind::Shr, y, 16);
                self.pinsr(16, lo, hi, 2 * lane + 1)
            }
            _ => {
                let v = self.gpr_to_vec(64, y);
                if lane == 0 {
                    let hi = self.vshift(VecShiftOp::Psrldq, x, 8);
                    self.vbin(VecOp::Punpcklqdq, v, hi)
                } else {
                    self.vbin(VecOp::Punpcklqdq, x, v)
                }
            }
        }
    }

    /// `shuffle`: byte `i` of the result is byte `mask[i]` of `x ++ y` (every index is
    /// below 32: the verifier checks it). A lane-aligned choice of 32-bit lanes from one
    /// operand is `pshufd`; two from each in order `x x y y` is `shufps`; otherwise
    /// `pshufb` (SSSE3) of each operand, or word by word through general registers.
    pub(super) fn shuffle(&mut self, x: Reg, y: Reg, mask: u128) -> Reg {
        let m = mask.to_le_bytes();
        // 32-bit lane choices, if the mask moves whole aligned lanes.
        let dwords: Option<Vec<u8>> = (0..4)
            .map(|i| {
                let b = m[4 * i];
                (b.is_multiple_of(4) && (0..4).all(|k| m[4 * i + k] == b + k as u8)).then_some(b / 4)
            })
            .collect();
        if let Some(d) = &dwords {
            let imm = |l: &[u8]| l.iter().enumerate().fold(0u8, |acc, (i, &s)| acc | (s % 4) << (2 * i));
            if d.iter().all(|&l| l < 4) {
                return self.vun_imm(VecOp::Pshufd, x, imm(d));
            }
            if d.iter().all(|&l| l >= 4) {
                return self.vun_imm(VecOp::Pshufd, y, imm(d));
            }
            if d[..2].iter().all(|&l| l < 4) && d[2..].iter().all(|&l| l >= 4) {
                return self.vbin_imm(VecOp::Shufps, x, y, imm(d));
            }
        }
        if self.has(Ext::Ssse3) {
            let pick = |lo: u8| -> u128 {
                let sel: Vec<u8> = m.iter().map(|&b| if (lo..lo + 16).contains(&b) { b - lo } else { 0x80 }).collect();
                u128::from_le_bytes(sel.try_into().unwrap_or([0x80; 16]))
            };
            let (from_x, from_y) = (pick(0), pick(16));
            let none = u128::from_le_bytes([0x80; 16]);
            let part = |s: &mut Self, v: Reg, sel: u128| {
                let c = s.vconst(sel);
                s.vbin(VecOp::Pshufb, v, c)
            };
            return match (from_x == none, from_y == none) {
                (false, true) => part(self, x, from_x),
                (true, false) => part(self, y, from_y),
                _ => {
                    let a = part(self, x, from_x);
                    let b = part(self, y, from_y);
                    self.vbin(VecOp::Por, a, b)
                }
            };
        }
        // SSE2: each 16-bit lane of the result from two bytes fetched with `pextrw`.
        let mut out = self.vfill(false);
        for w in 0..8u8 {
            let lo = self.shuffle_byte(x, y, m[2 * w as usize]);
            let hi = self.shuffle_byte(x, y, m[2 * w as usize + 1]);
            let hi = self.gpr_shift(ShiftKind::Shl, hi, 8);
            let both = self.gpr_op(AluOp::Or, lo, RegMemImm::Reg(hi));
            out = self.pinsr(16, out, both, w);
        }
        out
    }

    /// Byte `b` of `x ++ y` in the low 8 bits of a general register, the rest zero.
    fn shuffle_byte(&mut self, x: Reg, y: Reg, b: u8) -> Reg {
        let src = if b < 16 { x } else { y };
        let w = self.pextr(16, src, (b % 16) / 2);
        let w = if b % 2 == 1 { self.gpr_shift(ShiftKind::Shr, w, 8) } else { w };
        self.gpr_op(AluOp::And, w, RegMemImm::Imm(0xff))
    }

    /// `swizzle`: lane `i` is `x[idx[i]]`, or 0 when `idx[i]` is 16 or more. SSSE3's `pshufb` zeroes
    /// a lane whose index has its top bit set and otherwise uses the low four bits, so a
    /// saturating add of 0x70 maps 16..255 to 0x80.. and keeps 0..15 in the low nibble.
    pub(super) fn swizzle(&mut self, x: Reg, idx: Reg) -> Reg {
        if !self.has(Ext::Ssse3) {
            // SSE2: for each source byte k, its value broadcast, kept in the lanes whose
            // index equals k (indices of 16 and more match no k and stay 0).
            let mut acc = self.vfill(false);
            for k in 0..16u8 {
                let t = if k == 0 { x } else { self.vshift(VecShiftOp::Psrldq, x, k) };
                let t = self.vbin(VecOp::Punpcklbw, t, t);
                let t = self.vun_imm(VecOp::Pshuflw, t, 0);
                let b = self.vun_imm(VecOp::Pshufd, t, 0);
                let key = self.vsplat_const(8, k as u64);
                let m = self.vbin(VecOp::Pcmpeqb, idx, key);
                let sel = self.vbin(VecOp::Pand, m, b);
                acc = self.vbin(VecOp::Por, acc, sel);
            }
            return acc;
        }
        let bias = self.vsplat_const(8, 0x70);
        let sel = self.vbin(VecOp::Paddusb, idx, bias);
        self.vbin(VecOp::Pshufb, x, sel)
    }

    // ---- integer arithmetic ----

    pub(super) fn imul(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
        match ty.lane_bits() {
            16 => self.vbin(VecOp::Pmullw, x, y),
            32 if self.has(Ext::Sse41) => self.vbin(VecOp::Pmulld, x, y),
            32 => {
                // Products of lanes 0 and 2, then of lanes 1 and 3, each 64 bits wide; their
                // low halves, interleaved.
                let even = self.vbin(VecOp::Pmuludq, x, y);
                let xo = self.vshift(VecShiftOp::Psrlq, x, 32);
                let yo = self.vshift(VecShiftOp::Psrlq, y, 32);
                let odd = self.vbin(VecOp::Pmuludq, xo, yo);
                let e = self.vun_imm(VecOp::Pshufd, even, 0x08);
                let o = self.vun_imm(VecOp::Pshufd, odd, 0x08);
                self.vbin(VecOp::Punpckldq, e, o)
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

    /// The sign of each lane as all ones or zero.
    fn lane_sign_mask(&mut self, bits: u32, x: Reg) -> Reg {
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
    fn veq(&mut self, bits: u32, x: Reg, y: Reg) -> Reg {
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
    fn vgt(&mut self, bits: u32, signed: bool, x: Reg, y: Reg) -> Reg {
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
        match cc {
            IntCC::Equal => self.veq(bits, x, y),
            IntCC::NotEqual => {
                let e = self.veq(bits, x, y);
                self.vnot(e)
            }
            IntCC::SignedGreaterThan => self.vgt(bits, true, x, y),
            IntCC::SignedLessThan => self.vgt(bits, true, y, x),
            IntCC::SignedGreaterThanOrEqual => {
                let lt = self.vgt(bits, true, y, x);
                self.vnot(lt)
            }
            IntCC::SignedLessThanOrEqual => {
                let gt = self.vgt(bits, true, x, y);
                self.vnot(gt)
            }
            IntCC::UnsignedGreaterThan => self.vgt(bits, false, x, y),
            IntCC::UnsignedLessThan => self.vgt(bits, false, y, x),
            IntCC::UnsignedGreaterThanOrEqual => {
                let lt = self.vgt(bits, false, y, x);
                self.vnot(lt)
            }
            IntCC::UnsignedLessThanOrEqual => {
                let gt = self.vgt(bits, false, x, y);
                self.vnot(gt)
            }
        }
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

    /// `popcnt` and `clz` of bytes.
    pub(super) fn bit_count(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        if ty.lane_bits() != 8 {
            return self.vec_refuse(op, ty, x);
        }
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
    /// suppressed); without it, `nearest` by the 2^23 (2^52) trick.
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
        if op != Opcode::Nearest {
            return self.vec_refuse(op, ty, x);
        }
        // |x| < 2^23 (2^52): (|x| + 2^23) - 2^23 rounds to an integer, ties to even; the
        // sign of x is put back (so -0.4 gives -0). Larger magnitudes, infinities and NaN
        // are integers already (or stay NaN) and are kept.
        let bits = ty.lane_bits();
        let (magic, cmp, add, sub) = if f64 {
            ((52f64).exp2().to_bits(), VecOp::Cmppd, VecOp::Addpd, VecOp::Subpd)
        } else {
            ((23f32).exp2().to_bits() as u64, VecOp::Cmpps, VecOp::Addps, VecOp::Subps)
        };
        let sign = self.vsplat_const(bits, 1u64 << (bits - 1));
        let abs = self.vbin(VecOp::Andnps, sign, x);
        let m = self.vsplat_const(bits, magic);
        let small = self.vbin_imm(cmp, abs, m, 1);
        let t = self.vbin(add, abs, m);
        let t = self.vbin(sub, t, m);
        let s = self.vbin(VecOp::Andps, x, sign);
        let r = self.vbin(VecOp::Orps, t, s);
        self.vselect(small, r, x)
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
            _ => self.vec_refuse(Opcode::IaddPairwise, ty, x),
        }
    }

    // ---- matching (the extern extractors of lower_simd.isle) ----

    pub(super) fn vconst_of_impl(&mut self, v: Value) -> Option<u128> {
        let f = self.lower.f;
        let inst = self.lower.def_inst(v)?;
        let InstructionData::UnaryConst { opcode: Opcode::Vconst, constant } = f.dfg.insts[inst] else { return None };
        let bytes = f.dfg.constants.get(constant)?;
        let mut le = [0u8; 16];
        (bytes.len() == 16).then(|| le.copy_from_slice(bytes))?;
        Some(u128::from_le_bytes(le))
    }
    pub(super) fn lane_op_of(&mut self, v: Value, want: Opcode) -> Option<(Value, Option<Value>, u128)> {
        let f = self.lower.f;
        let inst = self.lower.def_inst(v)?;
        match f.dfg.insts[inst] {
            InstructionData::BinaryImm8 { opcode, arg, imm } if opcode == want => Some((arg, None, imm as u128)),
            InstructionData::TernaryImm8 { opcode, args, imm } if opcode == want => {
                Some((args[0], Some(args[1]), imm as u128))
            }
            InstructionData::Shuffle { opcode, args, mask } if opcode == want => {
                let bytes = f.dfg.constants.get(mask)?;
                let mut le = [0u8; 16];
                (bytes.len() == 16).then(|| le.copy_from_slice(bytes))?;
                Some((args[0], Some(args[1]), u128::from_le_bytes(le)))
            }
            _ => None,
        }
    }
    /// The operand of a vector `bitcast` that moves no bits on x86-64: both types 128-bit
    /// vectors, and memory order little-endian (or lanes of one size, where the order
    /// does not matter).
    pub(super) fn vbitcast_of_impl(&mut self, v: Value) -> Option<Value> {
        let f = self.lower.f;
        let inst = self.lower.def_inst(v)?;
        let InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, flags, arg } = f.dfg.insts[inst] else {
            return None;
        };
        let (to, from) = (f.dfg.value_type(v), f.dfg.value_type(arg));
        let vectors = to.is_vector() && from.is_vector() && to.bits() == 128 && from.bits() == 128;
        let big = flags.explicit_endianness() == Some(crate::ir::Endianness::Big);
        (vectors && (!big || to.lane_bits() == from.lane_bits())).then_some(arg)
    }
}

/// The error of an instruction no rule lowered, naming its vector type when it has one
/// (a vector result or a vector first operand): `no x86_64 lowering for ...` becomes
/// "`imul` on `i8x16` is not lowered on x86_64 yet (...)".
pub(super) fn name_vector_type(
    f: &crate::ir::Function,
    inst: Inst,
    e: crate::machinst::CodegenError,
) -> crate::machinst::CodegenError {
    use crate::machinst::CodegenError;
    let dfg = &f.dfg;
    let result = dfg.inst_results(inst).first().map(|&r| dfg.value_type(r));
    let arg = dfg.inst_args(inst).first().map(|&a| dfg.value_type(a));
    let Some(ty) = result.filter(|t| t.is_vector()).or(arg.filter(|t| t.is_vector())) else { return e };
    match e {
        CodegenError::Unsupported(m) if m.starts_with("no x86_64 lowering") => CodegenError::Unsupported(format!(
            "`{}` on `{ty}` is not lowered on x86_64 yet ({m})",
            dfg.insts[inst].opcode()
        )),
        other => other,
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

/// The `isle::Context` methods of `lower_simd.isle`, expanded inside the one `impl` of
/// the trait in `mod.rs`.
macro_rules! simd_context_methods {
    () => {
        fn lanes(&mut self, ty: Type) -> Option<isle::Lanes> {
            use isle::Lanes;
            if !(ty.is_vector() && ty.bits() == 128) {
                return None;
            }
            Some(match (ty.is_float(), ty.lane_bits()) {
                (false, 8) => Lanes::I8,
                (false, 16) => Lanes::I16,
                (false, 32) => Lanes::I32,
                (false, _) => Lanes::I64,
                (true, 32) => Lanes::F32,
                (true, _) => Lanes::F64,
            })
        }
        fn vec128(&mut self, ty: Type) -> Option<Type> {
            (ty.is_vector() && ty.bits() == 128).then_some(ty)
        }
        fn ivec(&mut self, ty: Type) -> Option<Type> {
            (ty.is_vector() && ty.bits() == 128 && ty.is_int()).then_some(ty)
        }
        fn fvec(&mut self, ty: Type) -> Option<Type> {
            (ty.is_vector() && ty.bits() == 128 && ty.is_float()).then_some(ty)
        }
        fn vconst_of(&mut self, v: Value) -> Option<u128> {
            self.vconst_of_impl(v)
        }
        fn extractlane_of(&mut self, v: Value) -> Option<(Value, u8)> {
            self.lane_op_of(v, Opcode::Extractlane).map(|(x, _, lane)| (x, lane as u8))
        }
        fn insertlane_of(&mut self, v: Value) -> Option<(Value, Value, u8)> {
            let (x, y, lane) = self.lane_op_of(v, Opcode::Insertlane)?;
            Some((x, y?, lane as u8))
        }
        fn shuffle_of(&mut self, v: Value) -> Option<(Value, Value, u128)> {
            let (x, y, mask) = self.lane_op_of(v, Opcode::Shuffle)?;
            Some((x, y?, mask))
        }
        fn vbitcast_of(&mut self, v: Value) -> Option<Value> {
            self.vbitcast_of_impl(v)
        }
        fn use_ssse3(&mut self) -> bool {
            self.backend.isa_flags.has_ssse3
        }
        fn vec_bin(&mut self, op: VecOp, a: Reg, b: Reg) -> Reg {
            self.vbin(op, a, b)
        }
        fn vec_unary(&mut self, op: VecOp, a: Reg) -> Reg {
            self.vun(op, a)
        }
        fn vec_const(&mut self, bits: u128) -> Reg {
            self.vconst(bits)
        }
        fn vec_load(&mut self, flags: MemFlags, addr: Amode) -> Reg {
            self.vec_load_impl(flags, addr)
        }
        fn vec_store(&mut self, flags: MemFlags, x: Reg, addr: Amode) -> Unit {
            self.vec_store_impl(flags, x, addr)
        }
        fn vec_select_cc(&mut self, cc: CC, x: Reg, y: Reg) -> Reg {
            self.select_cc(cc, x, y)
        }
        fn vec_splat(&mut self, ty: Type, x: Reg) -> Reg {
            self.splat(ty, x)
        }
        fn vec_scalar_to_vector(&mut self, ty: Type, x: Reg) -> Reg {
            self.scalar_to_vector(ty, x)
        }
        fn vec_extractlane(&mut self, ty: Type, x: Reg, lane: u8) -> Reg {
            self.extractlane(ty, x, lane)
        }
        fn vec_insertlane(&mut self, ty: Type, x: Reg, y: Reg, lane: u8) -> Reg {
            self.insertlane(ty, x, y, lane)
        }
        fn vec_shuffle(&mut self, x: Reg, y: Reg, mask: u128) -> Reg {
            self.shuffle(x, y, mask)
        }
        fn vec_swizzle(&mut self, x: Reg, y: Reg) -> Reg {
            self.swizzle(x, y)
        }
        fn vec_icmp(&mut self, cc: IntCC, ty: Type, x: Reg, y: Reg) -> Reg {
            self.icmp(cc, ty, x, y)
        }
        fn vec_fcmp(&mut self, cc: FloatCC, ty: Type, x: Reg, y: Reg) -> Reg {
            self.fcmp(cc, ty, x, y)
        }
        fn vec_minmax(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
            self.minmax(op, ty, x, y)
        }
        fn vec_shift(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
            self.shift(op, ty, x, y)
        }
        fn vec_shift_imm(&mut self, op: Opcode, ty: Type, x: Reg, k: i64) -> Reg {
            self.shift_imm(op, ty, x, k)
        }
        fn vec_imul(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
            self.imul(ty, x, y)
        }
        fn vec_iabs(&mut self, ty: Type, x: Reg) -> Reg {
            self.iabs(ty, x)
        }
        fn vec_not(&mut self, x: Reg) -> Reg {
            self.vnot(x)
        }
        fn vec_zero(&mut self) -> Reg {
            self.vconst(0)
        }
        fn vec_float_sign(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
            self.float_sign(op, ty, x, y)
        }
        fn vec_fminmax(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
            self.fminmax(op, ty, x, y)
        }
        fn vec_round(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
            self.round(op, ty, x)
        }
        fn vec_fcvt(&mut self, op: Opcode, to: Type, from: Type, x: Reg) -> Reg {
            self.vfcvt(op, to, from, x)
        }
        fn vec_any_true(&mut self, _ty: Type, x: Reg) -> Reg {
            self.any_true(x)
        }
        fn vec_all_true(&mut self, ty: Type, x: Reg) -> Reg {
            self.all_true(ty, x)
        }
        fn vec_high_bits(&mut self, ty: Type, x: Reg) -> Reg {
            self.high_bits(ty, x)
        }
        fn vec_narrow(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
            self.narrow(op, ty, x, y)
        }
        fn vec_widen(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
            self.widen(op, ty, x)
        }
        fn vec_iadd_pairwise(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
            self.iadd_pairwise(ty, x, y)
        }
        fn vec_bit_count(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
            self.bit_count(op, ty, x)
        }
    };
}
pub(super) use simd_context_methods;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splat_bits_repeats_the_lane() {
        assert_eq!(splat_bits(8, 0x70), 0x7070_7070_7070_7070_7070_7070_7070_7070);
        assert_eq!(splat_bits(16, 0x1ff), 0x01ff_01ff_01ff_01ff_01ff_01ff_01ff_01ff);
        assert_eq!(splat_bits(32, 0xffff_ffff_8000_0000), 0x8000_0000_8000_0000_8000_0000_8000_0000);
        assert_eq!(splat_bits(64, 1 << 63), (1u128 << 127) | (1u128 << 63));
    }
}
