//! The riscv64 encoder: writes each [`Inst`] as little-endian 32-bit words, or 16-bit
//! compressed (C) halfwords when [`EmitInfo::has_c`] is on and the instruction has a
//! compressed form with these registers and immediates ([`compress`]), into a
//! [`MachBuffer`], with the label uses of branches, jumps and PC-relative addresses and the
//! relocations of calls and symbol addresses.
//!
//! Label uses ([`Riscv64LabelUse`]) patch the offset field of an instruction whose field
//! the encoder left zero. Reach is extended by veneers placed by the buffer in islands: a
//! conditional branch (±4 KiB) that cannot reach goes to a `jal zero` (±1 MiB), and a `jal`
//! that cannot reach goes to `auipc t6, hi; jalr zero, lo(t6)` (±2 GiB), so any branch in
//! a function of up to 2 GiB reaches its target. Compressed branches (`c.j`, `c.beqz`,
//! `c.bnez`) are only used backwards, where the distance is known at emission.
//!
//! Register fields panic on a register of the wrong class or a virtual register: that is a
//! bug in lowering or allocation (emission runs after allocation), never an input error.

use super::inst::Inst;
use super::inst::args::opcode::*;
use super::inst::args::*;
use super::inst::imms::{fits_signed, fits_simm12, split_hi_lo};
use super::regs;
use crate::machinst::{EmitState, LabelUse, MachBuffer, MachLabel, Reg, RegClass, RelocKind};

/// Target facts the encoder needs beyond the instruction (the ISA flags that change
/// encodings rather than selection).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct EmitInfo {
    /// Use compressed encodings where they exist (the C extension).
    pub has_c: bool,
}

/// How a riscv64 instruction refers to a label. Distances are in bytes from the
/// instruction (the use offset) to the label.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Riscv64LabelUse {
    /// A conditional branch (B-type): a 13-bit even offset (±4 KiB).
    B12,
    /// `jal` (J-type): a 21-bit even offset (±1 MiB).
    J20,
    /// `auipc` followed by an I-type instruction (`addi`, `ld`, `jalr`) using its result:
    /// the upper 20 bits in the first word and the low 12 in the second (±2 GiB, less
    /// 2 KiB backwards: the rounded upper part must fit its signed 20 bits).
    PcRelPair,
}

impl LabelUse for Riscv64LabelUse {
    const ALIGN: u32 = 4;

    fn patch_size(self) -> u32 {
        match self {
            Riscv64LabelUse::B12 | Riscv64LabelUse::J20 => 4,
            Riscv64LabelUse::PcRelPair => 8,
        }
    }
    fn max_forward(self) -> u32 {
        match self {
            Riscv64LabelUse::B12 => (1 << 12) - 2,
            Riscv64LabelUse::J20 => (1 << 20) - 2,
            Riscv64LabelUse::PcRelPair => 0x7fff_f7ff,
        }
    }
    fn max_backward(self) -> u32 {
        match self {
            Riscv64LabelUse::B12 => 1 << 12,
            Riscv64LabelUse::J20 => 1 << 20,
            Riscv64LabelUse::PcRelPair => 0x7fff_f800,
        }
    }
    fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32) {
        let delta = label_offset as i64 - use_offset as i64;
        let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        match self {
            Riscv64LabelUse::B12 => {
                let w = (word(bytes) & 0x01ff_f07f) | b_imm(delta);
                bytes.copy_from_slice(&w.to_le_bytes());
            }
            Riscv64LabelUse::J20 => {
                let w = (word(bytes) & 0xfff) | j_imm(delta);
                bytes.copy_from_slice(&w.to_le_bytes());
            }
            Riscv64LabelUse::PcRelPair => {
                let (hi, lo) = split_hi_lo(delta).expect("the distance was checked against the reach");
                let first = (word(&bytes[..4]) & 0xfff) | (hi << 12);
                let second = (word(&bytes[4..]) & 0xf_ffff) | (((lo as u32) & 0xfff) << 20);
                bytes[..4].copy_from_slice(&first.to_le_bytes());
                bytes[4..].copy_from_slice(&second.to_le_bytes());
            }
        }
    }
    fn supports_veneer(self) -> bool {
        self != Riscv64LabelUse::PcRelPair
    }
    fn veneer_size(self) -> u32 {
        match self {
            Riscv64LabelUse::B12 => 4,
            Riscv64LabelUse::J20 => 8,
            Riscv64LabelUse::PcRelPair => 0,
        }
    }
    fn generate_veneer(self, veneer: &mut [u8], veneer_offset: u32) -> Option<(u32, Self)> {
        match self {
            Riscv64LabelUse::B12 => {
                veneer.copy_from_slice(&JAL.to_le_bytes());
                Some((veneer_offset, Riscv64LabelUse::J20))
            }
            Riscv64LabelUse::J20 => {
                let t6 = 31;
                veneer[..4].copy_from_slice(&u_type(AUIPC, t6, 0).to_le_bytes());
                veneer[4..].copy_from_slice(&i_type(JALR, 0, 0, t6, 0).to_le_bytes());
                Some((veneer_offset, Riscv64LabelUse::PcRelPair))
            }
            Riscv64LabelUse::PcRelPair => None,
        }
    }
}

fn preg_num(r: Reg) -> u32 {
    let p = r.to_preg().expect("riscv64 emission needs allocated (physical) registers");
    p.hw_enc() as u32
}

/// An integer register field.
pub fn x(r: Reg) -> u32 {
    assert_eq!(r.class(), RegClass::Int, "{r:?} is not an integer register");
    preg_num(r)
}

/// A float register field.
pub fn f(r: Reg) -> u32 {
    assert_eq!(r.class(), RegClass::Float, "{r:?} is not a float register");
    preg_num(r)
}

fn check(ok: bool, what: &str) {
    assert!(ok, "not encodable: {what}");
}

/// An R-type word.
pub fn r_type(opcode: u32, rd: u32, funct3: u32, rs1: u32, rs2: u32, funct7: u32) -> u32 {
    (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode
}

/// An I-type word; `imm` is the 12-bit field (sign bits above it are ignored).
pub fn i_type(opcode: u32, rd: u32, funct3: u32, rs1: u32, imm: u32) -> u32 {
    ((imm & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode
}

fn s_type(opcode: u32, funct3: u32, rs1: u32, rs2: u32, imm: i16) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | opcode
}

fn u_type(opcode: u32, rd: u32, imm20: u32) -> u32 {
    ((imm20 & 0xf_ffff) << 12) | (rd << 7) | opcode
}

/// The immediate bits of a B-type branch by `delta` bytes.
fn b_imm(delta: i64) -> u32 {
    let v = delta as u32;
    (((v >> 12) & 1) << 31) | (((v >> 5) & 0x3f) << 25) | (((v >> 1) & 0xf) << 8) | (((v >> 11) & 1) << 7)
}

/// The immediate bits of a `jal` by `delta` bytes.
fn j_imm(delta: i64) -> u32 {
    let v = delta as u32;
    (((v >> 20) & 1) << 31) | (((v >> 1) & 0x3ff) << 21) | (((v >> 11) & 1) << 20) | (((v >> 12) & 0xff) << 12)
}

fn branch_word(kind: CondBrKind, delta: i64) -> u32 {
    r_type(BRANCH, 0, kind.op.enc(), x(kind.rs1), x(kind.rs2), 0) | b_imm(delta)
}

fn fp_word(funct5: u32, size: FpSize, rd: u32, funct3: u32, rs1: u32, rs2: u32) -> u32 {
    r_type(OP_FP, rd, funct3, rs1, rs2, (funct5 << 2) | size.fmt())
}

fn fp_funct3(f3: Funct3, frm: Frm) -> u32 {
    match f3 {
        Funct3::Rm => frm.bits(),
        Funct3::Fixed(v) => v,
    }
}

/// `bits` of `v` starting at `lo`, placed at `at`.
fn bits(v: u32, hi: u32, lo: u32, at: u32) -> u32 {
    ((v >> lo) & ((1 << (hi - lo + 1)) - 1)) << at
}

/// The 3-bit field of a register x8..x15 (or f8..f15) in the compressed forms that take
/// only those.
fn creg(n: u32) -> Option<u32> {
    n.checked_sub(8).filter(|&r| r < 8)
}

fn phys(r: Reg) -> Option<u32> {
    r.to_preg().map(|p| p.hw_enc() as u32)
}

/// The compressed encoding of `inst`, if it has one with these operands (backward
/// branches, which need the buffer, are handled by the emitter).
pub fn compress(inst: &Inst) -> Option<u16> {
    const SP: u32 = 2;
    let ci = |funct3: u32, op: u32, rd: u32, imm: i64| {
        let v = imm as u32;
        (funct3 << 13) | (bits(v, 5, 5, 12)) | (rd << 7) | bits(v, 4, 0, 2) | op
    };
    let small = |imm: i64| fits_signed(imm, 6);
    let word = match *inst {
        Inst::AluRRImm12 { op, rd, rs1, imm } => {
            let (d, s, imm) = (phys(rd)?, phys(rs1)?, imm as i64);
            match op {
                ImmOp::Addi if d == SP && s == SP && imm != 0 && imm % 16 == 0 && (-512..=496).contains(&imm) => {
                    let v = imm as u32;
                    (3 << 13)
                        | bits(v, 9, 9, 12)
                        | (SP << 7)
                        | bits(v, 4, 4, 6)
                        | bits(v, 6, 6, 5)
                        | bits(v, 8, 7, 3)
                        | bits(v, 5, 5, 2)
                        | 1
                }
                ImmOp::Addi if s == SP && creg(d).is_some() && imm > 0 && imm % 4 == 0 && imm < 1024 => {
                    let v = imm as u32;
                    bits(v, 5, 4, 11) | bits(v, 9, 6, 7) | bits(v, 2, 2, 6) | bits(v, 3, 3, 5) | (creg(d)? << 2)
                }
                ImmOp::Addi if s == 0 && d != 0 && small(imm) => ci(2, 1, d, imm),
                ImmOp::Addi if d == s && d != 0 && imm != 0 && small(imm) => ci(0, 1, d, imm),
                ImmOp::Addi if imm == 0 && d != 0 && s != 0 => (0b1000 << 12) | (d << 7) | (s << 2) | 2,
                ImmOp::Addiw if d == s && d != 0 && small(imm) => ci(1, 1, d, imm),
                ImmOp::Andi if d == s && small(imm) => {
                    (4 << 13) | bits(imm as u32, 5, 5, 12) | (2 << 10) | (creg(d)? << 7) | bits(imm as u32, 4, 0, 2) | 1
                }
                _ => return None,
            }
        }
        Inst::ShiftImm { op, rd, rs1, shamt } if rd == rs1 && shamt != 0 => {
            let (d, sh) = (phys(rd)?, shamt as u32);
            match op {
                ShiftOp::Slli if d != 0 => ci(0, 2, d, sh as i64),
                ShiftOp::Srli | ShiftOp::Srai => {
                    let funct2 = if op == ShiftOp::Srli { 0 } else { 1 };
                    (4 << 13) | bits(sh, 5, 5, 12) | (funct2 << 10) | (creg(d)? << 7) | bits(sh, 4, 0, 2) | 1
                }
                _ => return None,
            }
        }
        Inst::AluRRR { op, rd, rs1, rs2 } if rd == rs1 => {
            let (d, s2) = (phys(rd)?, phys(rs2)?);
            let ca = |high: u32, funct2: u32| -> Option<u32> {
                Some((high << 10) | (creg(d)? << 7) | (funct2 << 5) | (creg(s2)? << 2) | 1)
            };
            match op {
                AluOp::Add if d != 0 && s2 != 0 => (0b1001 << 12) | (d << 7) | (s2 << 2) | 2,
                AluOp::Sub => ca(0b100011, 0)?,
                AluOp::Xor => ca(0b100011, 1)?,
                AluOp::Or => ca(0b100011, 2)?,
                AluOp::And => ca(0b100011, 3)?,
                AluOp::Subw => ca(0b100111, 0)?,
                AluOp::Addw => ca(0b100111, 1)?,
                _ => return None,
            }
        }
        Inst::Lui { rd, imm } => {
            let d = phys(rd)?;
            let v = ((imm << 12) as i32 >> 12) as i64;
            if d == 0 || d == SP || v == 0 || !small(v) {
                return None;
            }
            ci(3, 1, d, v)
        }
        Inst::Load { op, rd, mem: AMode::RegOffset { base, offset }, .. } => {
            let (d, b, off) = (phys(rd)?, phys(base)?, offset as i64);
            compress_mem(op.enc().1, op.is_fp(), true, d, b, off)?
        }
        Inst::Store { op, src, mem: AMode::RegOffset { base, offset }, .. } => {
            let (s, b, off) = (phys(src)?, phys(base)?, offset as i64);
            compress_mem(op.enc().1, op.is_fp(), false, s, b, off)?
        }
        Inst::Jalr { rd, base, offset: 0 } => {
            let (d, b) = (phys(rd)?, phys(base)?);
            match d {
                0 if b != 0 => (0b1000 << 12) | (b << 7) | 2,
                1 if b != 0 => (0b1001 << 12) | (b << 7) | 2,
                _ => return None,
            }
        }
        Inst::Ret { .. } => (0b1000 << 12) | (1 << 7) | 2,
        Inst::CallInd { rs, .. } if phys(rs)? != 0 => (0b1001 << 12) | (phys(rs)? << 7) | 2,
        Inst::Ebreak => 0x9002,
        Inst::Nop => 0x0001,
        Inst::Udf { .. } => 0x0000,
        _ => return None,
    };
    Some(word as u16)
}

/// A compressed load or store: `funct3` of the full form (2 word, 3 doubleword), whether
/// float, whether a load, the data register, the base and the offset.
fn compress_mem(width: u32, fp: bool, load: bool, r: u32, base: u32, off: i64) -> Option<u32> {
    // The compressed funct3: lw 010, ld 011, fld 001; stores add 100.
    let funct3 = match (width, fp) {
        (2, false) => 2,
        (3, false) => 3,
        (3, true) => 1,
        _ => return None,
    } + if load { 0 } else { 4 };
    let scale = if width == 3 { 8 } else { 4 };
    if off < 0 || off % scale != 0 {
        return None;
    }
    let v = off as u32;
    if base == 2 {
        // c.lwsp/c.ldsp/c.fldsp, c.swsp/c.sdsp/c.fsdsp: 6 bits of scaled offset.
        if v >= 64 * scale as u32 || (load && !fp && r == 0) {
            return None;
        }
        let field = match (load, width) {
            (true, 3) => bits(v, 5, 5, 12) | bits(v, 4, 3, 5) | bits(v, 8, 6, 2),
            (true, _) => bits(v, 5, 5, 12) | bits(v, 4, 2, 4) | bits(v, 7, 6, 2),
            (false, 3) => bits(v, 5, 3, 10) | bits(v, 8, 6, 7),
            (false, _) => bits(v, 5, 2, 9) | bits(v, 7, 6, 7),
        };
        let reg = if load { r << 7 } else { r << 2 };
        return Some((funct3 << 13) | field | reg | 2);
    }
    // c.lw/c.ld/c.fld, c.sw/c.sd/c.fsd: x8..x15 only, 5 bits of scaled offset.
    let (r, base) = (creg(r)?, creg(base)?);
    if v >= 32 * scale as u32 {
        return None;
    }
    let field = if width == 3 {
        bits(v, 5, 3, 10) | bits(v, 7, 6, 5)
    } else {
        bits(v, 5, 3, 10) | bits(v, 2, 2, 6) | bits(v, 6, 6, 5)
    };
    Some((funct3 << 13) | field | (base << 7) | (r << 2))
}

/// `c.j` by `delta` bytes (even, -2048..=2046).
fn c_j(delta: i64) -> u16 {
    let v = delta as u32;
    let w = (5 << 13)
        | bits(v, 11, 11, 12)
        | bits(v, 4, 4, 11)
        | bits(v, 9, 8, 9)
        | bits(v, 10, 10, 8)
        | bits(v, 6, 6, 7)
        | bits(v, 7, 7, 6)
        | bits(v, 3, 1, 3)
        | bits(v, 5, 5, 2)
        | 1;
    w as u16
}

/// `c.beqz`/`c.bnez` for `kind` by `delta` bytes, when `kind` compares x8..x15 with zero
/// for (in)equality and `delta` fits 9 bits.
fn c_branch(kind: CondBrKind, delta: i64) -> Option<u16> {
    let funct3 = match kind.op {
        BranchOp::Beq => 6,
        BranchOp::Bne => 7,
        _ => return None,
    };
    if x(kind.rs2) != 0 || !fits_signed(delta, 9) {
        return None;
    }
    let r = creg(x(kind.rs1))?;
    let v = delta as u32;
    let w = (funct3 << 13)
        | bits(v, 8, 8, 12)
        | bits(v, 4, 3, 10)
        | (r << 7)
        | bits(v, 7, 6, 5)
        | bits(v, 2, 1, 3)
        | bits(v, 5, 5, 2)
        | 1;
    Some(w as u16)
}

/// The distance from the current offset back to `label`, if it is bound already.
fn bound_delta(buf: &MachBuffer<Riscv64LabelUse>, label: MachLabel) -> Option<i64> {
    buf.label_offset(label).map(|o| o as i64 - buf.cur_offset() as i64)
}

fn put_jump(buf: &mut MachBuffer<Riscv64LabelUse>, target: MachLabel, info: &EmitInfo) {
    if info.has_c
        && let Some(delta) = bound_delta(buf, target).filter(|&d| fits_signed(d, 12))
    {
        buf.put2(c_j(delta));
        return;
    }
    let at = buf.cur_offset();
    buf.put4(JAL);
    buf.use_label_at_offset(at, target, Riscv64LabelUse::J20);
}

fn put_cond_branch(buf: &mut MachBuffer<Riscv64LabelUse>, kind: CondBrKind, label: MachLabel, info: &EmitInfo) {
    if info.has_c
        && let Some(half) = bound_delta(buf, label).and_then(|d| c_branch(kind, d))
    {
        buf.put2(half);
        return;
    }
    let at = buf.cur_offset();
    buf.put4(branch_word(kind, 0));
    buf.use_label_at_offset(at, label, Riscv64LabelUse::B12);
}

/// Writes `auipc` with `rd` and the I-type `second` word using it, with a label use of
/// the pair.
fn put_pcrel_pair(buf: &mut MachBuffer<Riscv64LabelUse>, rd: u32, second: u32, label: MachLabel) {
    let at = buf.cur_offset();
    buf.put4(u_type(AUIPC, rd, 0));
    buf.put4(second);
    buf.use_label_at_offset(at, label, Riscv64LabelUse::PcRelPair);
}

/// The 4-byte `unimp` (`csrrw zero, cycle, zero`: writing a read-only CSR is illegal).
pub const UNIMP: u32 = 0xc000_1073;

/// Writes `inst`'s machine code without compressed forms.
pub fn emit(inst: &Inst, buf: &mut MachBuffer<Riscv64LabelUse>, state: &EmitState<'_>) {
    emit_with(inst, buf, state, &EmitInfo::default());
}

/// Writes `inst`'s machine code, compressed where `info` allows.
pub fn emit_with(inst: &Inst, buf: &mut MachBuffer<Riscv64LabelUse>, state: &EmitState<'_>, info: &EmitInfo) {
    if let Some(expansion) = inst.expand(Some(state.frame)) {
        for i in &expansion {
            emit_with(i, buf, state, info);
        }
        return;
    }
    if let Some(steps) = inst.atomic_steps() {
        // Every step uncompressed: branch distances are counted in 4-byte steps.
        for (i, step) in steps.iter().enumerate() {
            match step {
                super::inst::atomic::Step::Inst(i) => emit_with(i, buf, state, &EmitInfo::default()),
                &super::inst::atomic::Step::Branch(kind, to) => {
                    buf.put4(branch_word(kind, super::inst::atomic::branch_delta(i, to)))
                }
            }
        }
        return;
    }
    if info.has_c
        && let Some(half) = compress(inst)
    {
        match inst {
            Inst::Load { trap: Some(code), .. } | Inst::Store { trap: Some(code), .. } | Inst::Udf { code } => {
                buf.add_trap(*code)
            }
            _ => {}
        }
        buf.put2(half);
        if matches!(inst, Inst::CallInd { .. }) {
            buf.add_call_site();
        }
        return;
    }
    let word = match inst {
        &Inst::AluRRR { op, rd, rs1, rs2 } => {
            let (opc, f3, f7) = op.enc();
            r_type(opc, x(rd), f3, x(rs1), x(rs2), f7)
        }
        &Inst::AluRRImm12 { op, rd, rs1, imm } => {
            check(fits_simm12(imm as i64), "a 12-bit signed immediate");
            let (opc, f3) = op.enc();
            i_type(opc, x(rd), f3, x(rs1), imm as u32)
        }
        &Inst::ShiftImm { op, rd, rs1, shamt } => {
            let (opc, f3, top, width) = op.enc();
            check((shamt as u32) < (1 << width), "a shift amount below the width");
            i_type(opc, x(rd), f3, x(rs1), (top << 6) | shamt as u32)
        }
        &Inst::AluRR { op, rd, rs1 } => {
            let (opc, f3, imm) = op.enc();
            i_type(opc, x(rd), f3, x(rs1), imm)
        }
        &Inst::Lui { rd, imm } => {
            check(imm < 1 << 20, "a 20-bit upper immediate");
            u_type(LUI, x(rd), imm)
        }
        &Inst::Auipc { rd, imm } => {
            check(imm < 1 << 20, "a 20-bit upper immediate");
            u_type(AUIPC, x(rd), imm)
        }
        &Inst::Load { op, rd, mem, trap } => {
            let AMode::RegOffset { base, offset } = mem else { unreachable!("expanded above") };
            check(fits_simm12(offset as i64), "a 12-bit offset");
            if let Some(code) = trap {
                buf.add_trap(code);
            }
            let (opc, f3, _) = op.enc();
            let rd = if op.is_fp() { f(rd) } else { x(rd) };
            i_type(opc, rd, f3, x(base), offset as u32)
        }
        &Inst::Store { op, src, mem, trap } => {
            let AMode::RegOffset { base, offset } = mem else { unreachable!("expanded above") };
            check(fits_simm12(offset as i64), "a 12-bit offset");
            if let Some(code) = trap {
                buf.add_trap(code);
            }
            let (opc, f3, _) = op.enc();
            let src = if op.is_fp() { f(src) } else { x(src) };
            s_type(opc, f3, x(base), src, offset)
        }
        Inst::LoadAddr { rd, name, offset } => {
            let rd = x(*rd);
            buf.add_reloc(RelocKind::Riscv64PcrelHi20, name, *offset);
            buf.put4(u_type(AUIPC, rd, 0));
            buf.add_reloc(RelocKind::Riscv64PcrelLo12I, name, *offset);
            buf.put4(i_type(OP_IMM, rd, 0, rd, 0));
            return;
        }
        Inst::LoadGotAddr { rd, name } => {
            let rd = x(*rd);
            buf.add_reloc(RelocKind::Riscv64GotHi20, name, 0);
            buf.put4(u_type(AUIPC, rd, 0));
            buf.add_reloc(RelocKind::Riscv64PcrelLo12I, name, 0);
            let (opc, f3, _) = LoadOp::Ld.enc();
            buf.put4(i_type(opc, rd, f3, rd, 0));
            return;
        }
        &Inst::LoadLabelAddr { rd, label } => {
            let rd = x(rd);
            put_pcrel_pair(buf, rd, i_type(OP_IMM, rd, 0, rd, 0), label);
            return;
        }
        &Inst::LoadConst { op, rd, bits } => {
            let len = 1usize << op.size_log2();
            check(matches!(op, LoadOp::Lw | LoadOp::Ld | LoadOp::Flw | LoadOp::Fld), "a 4- or 8-byte constant");
            let label = buf.constant(&bits.to_le_bytes()[..len], len as u32);
            let (opc, f3, _) = op.enc();
            let (addr, rd) = if op.is_fp() { (x(regs::spilltmp()), f(rd)) } else { (x(rd), x(rd)) };
            put_pcrel_pair(buf, addr, i_type(opc, rd, f3, addr, 0), label);
            return;
        }
        &Inst::Jump { target } => {
            if state.next_block != Some(target) {
                put_jump(buf, target, info);
            }
            return;
        }
        &Inst::CondBr { kind, taken, not_taken } => {
            if state.next_block == Some(taken) {
                put_cond_branch(buf, kind.invert(), not_taken, info);
            } else {
                put_cond_branch(buf, kind, taken, info);
                if state.next_block != Some(not_taken) {
                    put_jump(buf, not_taken, info);
                }
            }
            return;
        }
        &Inst::TrapIf { kind, code } => {
            // The inverted test jumps over the trap: its own size plus the trap's.
            let trap_len = if info.has_c { 2 } else { 4 };
            match c_branch(kind.invert(), 2 + trap_len).filter(|_| info.has_c) {
                Some(half) => buf.put2(half),
                None => buf.put4(branch_word(kind.invert(), 4 + trap_len)),
            }
            buf.add_trap(code);
            if info.has_c {
                buf.put2(0);
                return;
            }
            UNIMP
        }
        &Inst::Jalr { rd, base, offset } => {
            check(fits_simm12(offset as i64), "a 12-bit offset");
            i_type(JALR, x(rd), 0, x(base), offset as u32)
        }
        Inst::Ret { .. } => i_type(JALR, 0, 0, 1, 0),
        Inst::Call { callee, .. } => {
            buf.add_reloc(RelocKind::Riscv64CallPlt, callee, 0);
            buf.put4(u_type(AUIPC, 1, 0));
            buf.put4(i_type(JALR, 1, 0, 1, 0));
            buf.add_call_site();
            return;
        }
        Inst::CallInd { rs, .. } => {
            buf.put4(i_type(JALR, 1, 0, x(*rs), 0));
            buf.add_call_site();
            return;
        }
        Inst::ReturnCall { callee, .. } => {
            let t6 = x(regs::spilltmp());
            buf.add_reloc(RelocKind::Riscv64CallPlt, callee, 0);
            buf.put4(u_type(AUIPC, t6, 0));
            i_type(JALR, 0, 0, t6, 0)
        }
        Inst::ReturnCallInd { rs, .. } => i_type(JALR, 0, 0, x(*rs), 0),
        Inst::Args { .. } => return,
        &Inst::Udf { code } => {
            buf.add_trap(code);
            UNIMP
        }
        Inst::Ebreak => 0x0010_0073,
        Inst::Nop => i_type(OP_IMM, 0, 0, 0, 0),
        &Inst::Fence { pred, succ } => {
            check(pred < 16 && succ < 16, "4-bit fence sets");
            i_type(MISC_MEM, 0, 0, 0, ((pred as u32) << 4) | succ as u32)
        }
        &Inst::LoadReserved { width, order, rd, addr } => {
            r_type(AMO, x(rd), width.funct3(), x(addr), 0, 0x02 << 2) | order.bits()
        }
        &Inst::StoreConditional { width, order, rd, addr, src } => {
            r_type(AMO, x(rd), width.funct3(), x(addr), x(src), 0x03 << 2) | order.bits()
        }
        &Inst::Amo { op, width, order, rd, addr, src } => {
            r_type(AMO, x(rd), width.funct3(), x(addr), x(src), op.enc() << 2) | order.bits()
        }
        &Inst::FpuRRR { op, size, frm, rd, rs1, rs2 } => {
            let (funct5, f3) = op.enc();
            fp_word(funct5, size, f(rd), fp_funct3(f3, frm), f(rs1), f(rs2))
        }
        &Inst::FpuRR { op, size, frm, rd, rs1 } => {
            let (funct5, sel) = op.enc();
            fp_word(funct5, size, f(rd), frm.bits(), f(rs1), sel)
        }
        &Inst::FpuRRRR { op, size, frm, rd, rs1, rs2, rs3 } => {
            r_type(op.enc(), f(rd), frm.bits(), f(rs1), f(rs2), (f(rs3) << 2) | size.fmt())
        }
        &Inst::FpuCmp { op, size, rd, rs1, rs2 } => fp_word(0x14, size, x(rd), op.enc(), f(rs1), f(rs2)),
        &Inst::FpuClass { size, rd, rs1 } => fp_word(0x1c, size, x(rd), 1, f(rs1), 0),
        &Inst::FpuCvt { from, frm, rd, rs1 } => match from {
            FpSize::D => fp_word(0x08, FpSize::S, f(rd), frm.bits(), f(rs1), 1),
            FpSize::S => fp_word(0x08, FpSize::D, f(rd), frm.bits(), f(rs1), 0),
        },
        &Inst::FpuToInt { size, int, frm, rd, rs1 } => fp_word(0x18, size, x(rd), frm.bits(), f(rs1), int.enc()),
        &Inst::IntToFpu { size, int, frm, rd, rs1 } => fp_word(0x1a, size, f(rd), frm.bits(), x(rs1), int.enc()),
        &Inst::FmvToInt { size, rd, rs1 } => fp_word(0x1c, size, x(rd), 0, f(rs1), 0),
        &Inst::FmvFromInt { size, rd, rs1 } => fp_word(0x1e, size, f(rd), 0, x(rs1), 0),
        &Inst::Fli { size, rd, index } => {
            check(index < 32, "an fli index below 32");
            fp_word(0x1e, size, f(rd), 0, index as u32, 1)
        }
        &Inst::FcvtModWD { rd, rs1 } => fp_word(0x18, FpSize::D, x(rd), Frm::Rtz.bits(), f(rs1), 8),
        Inst::AdjustSp { .. } | Inst::Extend { .. } | Inst::Lea { .. } | Inst::AtomicLoop { .. } => {
            unreachable!("expanded above")
        }
    };
    buf.put4(word);
}
