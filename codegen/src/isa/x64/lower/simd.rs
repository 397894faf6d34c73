//! The vector side of x86-64 lowering (`lower_simd.isle`): 128-bit vectors in xmm
//! registers, the packed-instruction emitters, memory, lanes (splat, extract, insert,
//! shuffle, swizzle), the matching of the instruction formats the generated opcode terms
//! do not cover, and the `isle::Context` methods of the vector rules. The arithmetic
//! sequences are in `simd_ops.rs`.
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
use crate::ir::{Inst, InstructionData, MemFlags, Opcode, Type, Value, types};
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
pub(super) fn broadcast_dword(i: u8) -> u8 {
    i * 0x55
}

/// The opcode selector of a lane width (8, 16, 32, 64 bits).
pub(super) fn by_width(bits: u32, b: VecOp, w: VecOp, d: VecOp, q: VecOp) -> VecOp {
    match bits {
        8 => b,
        16 => w,
        32 => d,
        _ => q,
    }
}

impl RuleCtx<'_, '_> {
    pub(super) fn has(&self, ext: Ext) -> bool {
        let f = &self.backend.isa_flags;
        match ext {
            Ext::Sse2 => true,
            Ext::Ssse3 => f.has_ssse3,
            Ext::Sse41 => f.has_sse41,
            Ext::Sse42 => f.has_sse42,
        }
    }
    pub(super) fn avx(&self) -> bool {
        self.backend.isa_flags.has_avx
    }
    /// The level named in "unsupported" messages.
    pub(super) fn level(&self) -> &'static str {
        if self.has(Ext::Sse41) {
            "SSE4.1"
        } else if self.has(Ext::Ssse3) {
            "SSSE3"
        } else {
            "SSE2"
        }
    }
    pub(super) fn vec_refuse(&mut self, op: Opcode, ty: Type, x: Reg) -> Reg {
        let level = self.level();
        self.unsupported(format!("`{op}` on `{ty}` is not lowered on x86_64 at the {level} level yet"));
        x
    }

    // ---- emitters ----

    /// `op a, b` (AVX: `vop dst, a, b`).
    pub(super) fn vbin(&mut self, op: VecOp, a: Reg, b: Reg) -> Reg {
        self.vbin_imm_opt(op, a, b, None)
    }
    pub(super) fn vbin_imm(&mut self, op: VecOp, a: Reg, b: Reg, imm: u8) -> Reg {
        self.vbin_imm_opt(op, a, b, Some(imm))
    }
    pub(super) fn vbin_imm_opt(&mut self, op: VecOp, a: Reg, b: Reg, imm: Option<u8>) -> Reg {
        debug_assert!(self.has(op.needs()) || self.avx(), "{op:?} needs {:?}", op.needs());
        let dst = self.ftmp();
        self.emit(MInst::VecBin { op, vex: self.avx(), src1: a, src2: RegMem::Reg(b), imm, dst, trap: None });
        dst
    }
    pub(super) fn vun(&mut self, op: VecOp, a: Reg) -> Reg {
        self.vun_imm_opt(op, a, None)
    }
    pub(super) fn vun_imm(&mut self, op: VecOp, a: Reg, imm: u8) -> Reg {
        self.vun_imm_opt(op, a, Some(imm))
    }
    pub(super) fn vun_imm_opt(&mut self, op: VecOp, a: Reg, imm: Option<u8>) -> Reg {
        let dst = self.ftmp();
        self.emit(MInst::VecUnary { op, vex: self.avx(), src: RegMem::Reg(a), imm, dst, trap: None });
        dst
    }
    pub(super) fn vshift(&mut self, op: VecShiftOp, a: Reg, imm: u8) -> Reg {
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
    pub(super) fn vfill(&mut self, ones: bool) -> Reg {
        let dst = self.ftmp();
        self.emit(MInst::VecFill { ones, dst });
        dst
    }
    /// A constant with `v` in every lane of `lane_bits`.
    pub(super) fn vsplat_const(&mut self, lane_bits: u32, v: u64) -> Reg {
        self.vconst(splat_bits(lane_bits, v))
    }
    pub(super) fn vnot(&mut self, x: Reg) -> Reg {
        let ones = self.vfill(true);
        self.vbin(VecOp::Pxor, x, ones)
    }
    /// `(a & m) | (b & !m)`.
    pub(super) fn vselect(&mut self, m: Reg, a: Reg, b: Reg) -> Reg {
        let t = self.vbin(VecOp::Pand, a, m);
        let u = self.vbin(VecOp::Pandn, m, b);
        self.vbin(VecOp::Por, t, u)
    }
    /// `movd`/`movq` of the low `bits` of a general-purpose register into lane 0 (the
    /// other lanes zero).
    pub(super) fn gpr_to_vec(&mut self, bits: u32, r: Reg) -> Reg {
        let dst = self.ftmp();
        let size = if bits == 64 { OperandSize::S64 } else { OperandSize::S32 };
        self.emit(MInst::GprToXmm { size, src: r, dst });
        dst
    }
    pub(super) fn vec_to_gpr(&mut self, bits: u32, x: Reg) -> Reg {
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
    pub(super) fn pextr(&mut self, bits: u32, x: Reg, lane: u8) -> Reg {
        let dst = self.tmp();
        let size = OperandSize::from_bits(bits).unwrap_or(OperandSize::S64);
        self.emit(MInst::Pextr { size, vex: self.avx(), src: x, lane, dst });
        dst
    }
    pub(super) fn pinsr(&mut self, bits: u32, x: Reg, y: Reg, lane: u8) -> Reg {
        let dst = self.ftmp();
        let size = OperandSize::from_bits(bits).unwrap_or(OperandSize::S64);
        self.emit(MInst::Pinsr { size, vex: self.avx(), src1: x, src2: y, lane, dst });
        dst
    }
    pub(super) fn gpr_op(&mut self, op: AluOp, a: Reg, b: RegMemImm) -> Reg {
        let dst = self.tmp();
        self.emit(MInst::AluRmiR { size: OperandSize::S32, op, src1: a, src2: b, dst, trap: None });
        dst
    }
    pub(super) fn gpr_shift(&mut self, kind: ShiftKind, a: Reg, n: u8) -> Reg {
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
    /// A vector load of `v` that can become the memory operand of its one user (the
    /// instruction being lowered; see `Lower::sinkable_load`): a plain little-endian load
    /// of 128 bits, and either AVX (whose forms take any alignment) or a load marked
    /// `aligned` (the legacy forms fault below 16, as `movdqa` would).
    ///
    /// The load may be seen through a bitcast that moves no bits and has no other use (the
    /// Wasm front end loads every `v128` as `i8x16`): the bitcast is then never lowered.
    pub(super) fn sinkable_vec_load_impl(&mut self, v: Value) -> Option<(Inst, MemFlags, Value, i32)> {
        let f = self.lower.f;
        let v = match self.vbitcast_of_impl(v) {
            Some(arg) if self.lower.use_count(v) == 1 => arg,
            _ => v,
        };
        let load = self.lower.sinkable_load(v, self.inst)?;
        let crate::ir::InstructionData::Load { opcode: Opcode::Load, flags, arg, offset } = f.dfg.insts[load] else {
            return None;
        };
        let ty = f.dfg.value_type(v);
        let plain =
            ty.is_vector() && ty.bits() == 128 && flags.explicit_endianness() != Some(crate::ir::Endianness::Big);
        (plain && (self.avx() || flags.aligned())).then_some((load, flags, arg, offset.0))
    }
    /// `op a, [addr]`, the load `load` merged in: its fault is reported as the load's
    /// (trap code and source location).
    pub(super) fn vec_bin_load_impl(&mut self, op: VecOp, a: Reg, load: Inst, flags: MemFlags, addr: Amode) -> Reg {
        self.lower.sink_inst(load);
        let dst = self.ftmp();
        let trap = Self::trap_code(flags);
        self.emit(MInst::VecBin { op, vex: self.avx(), src1: a, src2: RegMem::Mem(addr), imm: None, dst, trap });
        self.lower.set_last_srcloc(load);
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
            return self.byte_lookup_sse2(x, idx);
        }
        let bias = self.vsplat_const(8, 0x70);
        let sel = self.vbin(VecOp::Paddusb, idx, bias);
        self.vbin(VecOp::Pshufb, x, sel)
    }

    /// Lane `i` is `x[idx[i]]`, or 0 when `idx[i]` is 16 or more, in SSE2: for each
    /// source byte k, its value broadcast, kept in the lanes whose index equals k.
    pub(super) fn byte_lookup_sse2(&mut self, x: Reg, idx: Reg) -> Reg {
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
        acc
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
    /// A `bitcast`'s operand, result and operand types, and whether it is `big`.
    fn bitcast_parts(&mut self, v: Value) -> Option<(Value, Type, Type, bool)> {
        let f = self.lower.f;
        let inst = self.lower.def_inst(v)?;
        let InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, flags, arg } = f.dfg.insts[inst] else {
            return None;
        };
        let big = flags.explicit_endianness() == Some(crate::ir::Endianness::Big);
        Some((arg, f.dfg.value_type(v), f.dfg.value_type(arg), big))
    }
    /// The operand of a vector `bitcast` that moves no bits on x86-64: both types 128-bit
    /// vectors (or `f128`s, which keep their bits in place in an XMM register too), and
    /// memory order little-endian (or lanes of one size, where the order does not matter).
    pub(super) fn vbitcast_of_impl(&mut self, v: Value) -> Option<Value> {
        let (arg, to, from, big) = self.bitcast_parts(v)?;
        let whole = crate::machinst::abi::is_vector128;
        (whole(to) && whole(from) && (!big || to.lane_bits() == from.lane_bits())).then_some(arg)
    }
    /// The operand of a `big` bitcast between 128-bit vectors of different lane widths
    /// (the bytes move).
    pub(super) fn vbitcast_swap_of_impl(&mut self, v: Value) -> Option<Value> {
        let (arg, to, from, big) = self.bitcast_parts(v)?;
        let whole = crate::machinst::abi::is_vector128;
        (whole(to) && whole(from) && big && to.lane_bits() != from.lane_bits()).then_some(arg)
    }
    /// The operand of a bitcast between an `i128` and a 128-bit vector, and whether it is
    /// `big`.
    pub(super) fn i128_vbitcast_of_impl(&mut self, v: Value) -> Option<(Value, bool)> {
        let (arg, to, from, big) = self.bitcast_parts(v)?;
        let vec = |t: Type| t.is_vector() && t.bits() == 128;
        ((to == types::I128 && vec(from)) || (from == types::I128 && vec(to))).then_some((arg, big))
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
        fn sinkable_vec_load(&mut self, v: Value) -> Option<(Inst, MemFlags, Value, i32)> {
            self.sinkable_vec_load_impl(v)
        }
        fn vec_bin_load(&mut self, op: VecOp, a: Reg, load: Inst, flags: MemFlags, addr: Amode) -> Reg {
            self.vec_bin_load_impl(op, a, load, flags, addr)
        }
        fn stack_flags(&mut self) -> MemFlags {
            MemFlags::new().with_notrap()
        }
        fn is_f128(&mut self, ty: Type) -> Option<Type> {
            (ty == crate::ir::types::F128).then_some(ty)
        }
        fn xmm128(&mut self, ty: Type) -> Option<Type> {
            crate::machinst::abi::is_vector128(ty).then_some(ty)
        }
        fn xmm_to_i128(&mut self, x: Reg) -> ValueRegs {
            let lo = self.extractlane(crate::ir::types::I64X2, x, 0);
            let hi = self.extractlane(crate::ir::types::I64X2, x, 1);
            ValueRegs::two(lo, hi)
        }
        fn i128_to_xmm(&mut self, x: ValueRegs) -> Reg {
            let lo = self.gpr_to_vec(64, x.regs()[0]);
            let hi = self.gpr_to_vec(64, x.regs()[1]);
            self.vbin(VecOp::Punpcklqdq, lo, hi)
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
        fn vec_bswap(&mut self, ty: Type, x: Reg) -> Reg {
            self.byte_swap_lanes(ty.lane_bits(), x)
        }
        fn vec_avg_round_wide(&mut self, ty: Type, x: Reg, y: Reg) -> Reg {
            self.avg_round_wide(ty, x, y)
        }
        fn vec_mulhi(&mut self, signed: bool, ty: Type, x: Reg, y: Reg) -> Reg {
            self.mulhi(signed, ty, x, y)
        }
        fn vec_bitrev(&mut self, ty: Type, x: Reg) -> Reg {
            self.vec_bitrev_lanes(ty, x)
        }
        fn use_sse41(&mut self) -> bool {
            self.backend.isa_flags.has_sse41
        }
        fn vec_mask_select(&mut self, m: Reg, x: Reg, y: Reg) -> Reg {
            self.mask_select(m, x, y)
        }
        fn vec_vselect(&mut self, ty: Type, c: Reg, x: Reg, y: Reg) -> Reg {
            self.vselect_any(ty, c, x, y)
        }
        fn vec_blendv(&mut self, ty: Type, c: Reg, x: Reg, y: Reg) -> Reg {
            self.blendv(ty, c, x, y)
        }
        fn vec_mulhrs(&mut self, saturate: bool, ty: Type, x: Reg, y: Reg) -> Reg {
            self.mulhrs(saturate, ty, x, y)
        }
        fn vec_x86_pshufb(&mut self, x: Reg, y: Reg) -> Reg {
            self.x86_pshufb(x, y)
        }
        fn vec_x86_pmaddubsw(&mut self, x: Reg, y: Reg) -> Reg {
            self.x86_pmaddubsw(x, y)
        }
        fn vec_x86_cvtt2dq(&mut self, to: Type, from: Type, x: Reg) -> Reg {
            self.x86_cvtt2dq(to, from, x)
        }
        fn vec_load_extend(&mut self, op: Opcode, flags: MemFlags, addr: Amode) -> Reg {
            self.load_extend(op, flags, addr)
        }
        fn vbitcast_swap_of(&mut self, v: Value) -> Option<Value> {
            self.vbitcast_swap_of_impl(v)
        }
        fn i128_vbitcast_of(&mut self, v: Value) -> Option<(Value, bool)> {
            self.i128_vbitcast_of_impl(v)
        }
        fn vec_bitcast_order(&mut self, big: bool, to: Type, from: Type, x: Reg) -> Reg {
            if big { self.bitcast_big(to, from, x) } else { x }
        }
        fn vec_bitcast_swap(&mut self, to: Type, from: Type, x: Reg) -> Reg {
            self.bitcast_big(to, from, x)
        }
        fn vec_rotate_imm(&mut self, op: Opcode, ty: Type, x: Reg, k: i64) -> Reg {
            self.rotate_imm(op, ty, x, k)
        }
        fn vec_rotate(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
            self.rotate(op, ty, x, y)
        }
        fn wide_ivec(&mut self, ty: Type) -> Option<Type> {
            (ty.is_vector() && ty.bits() == 128 && ty.is_int() && ty.lane_bits() >= 32).then_some(ty)
        }
        fn vec_sat_arith(&mut self, op: Opcode, ty: Type, x: Reg, y: Reg) -> Reg {
            self.sat_arith(op, ty, x, y)
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
