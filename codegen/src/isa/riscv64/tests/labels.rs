//! Label uses: each kind's reach and patching checked by decoding the patched fields as
//! the ISA manual defines them, and the buffer's veneers with riscv64 branches: a
//! conditional branch and a jump across more than 1 MiB reach their targets through a
//! chain of veneers.

use super::super::emit::{EmitInfo, Riscv64LabelUse, emit_with};
use super::super::inst::Inst;
use super::super::inst::args::*;
use super::super::regs::{xreg, zero};
use crate::machinst::{EmitState, FrameInfo, LabelUse, MachBuffer, MachInst, MachLabel};

const KINDS: [Riscv64LabelUse; 3] = [Riscv64LabelUse::B12, Riscv64LabelUse::J20, Riscv64LabelUse::PcRelPair];

fn sext(v: u32, bits: u32) -> i64 {
    ((v << (32 - bits)) as i32 >> (32 - bits)) as i64
}

fn word_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// The byte distance the instruction(s) at `bytes` encode.
fn decode(kind: Riscv64LabelUse, bytes: &[u8]) -> i64 {
    let w = word_at(bytes, 0);
    match kind {
        Riscv64LabelUse::B12 => {
            let v = ((w >> 31) << 12) | (((w >> 7) & 1) << 11) | (((w >> 25) & 0x3f) << 5) | (((w >> 8) & 0xf) << 1);
            sext(v, 13)
        }
        Riscv64LabelUse::J20 => {
            let v =
                ((w >> 31) << 20) | (((w >> 12) & 0xff) << 12) | (((w >> 20) & 1) << 11) | (((w >> 21) & 0x3ff) << 1);
            sext(v, 21)
        }
        Riscv64LabelUse::PcRelPair => {
            let hi = (w & 0xffff_f000) as i32 as i64;
            hi + sext(word_at(bytes, 4) >> 20, 12)
        }
    }
}

#[test]
fn each_kind_patches_every_distance_in_its_reach() {
    // In the middle of the address space, so that every distance in reach is an offset.
    let base = 0x8000_0000u32;
    for kind in KINDS {
        let (fwd, back) = (kind.max_forward() as i64, kind.max_backward() as i64);
        let expected = match kind {
            Riscv64LabelUse::B12 => 4 << 10,
            Riscv64LabelUse::J20 => 1 << 20,
            Riscv64LabelUse::PcRelPair => 2 << 30,
        };
        assert!(fwd < expected && back >= expected - 2048 && back <= expected + 2048, "{kind:?}: ±{expected}");
        for delta in [0, 2, -2, 4, fwd, -back, fwd - 2, -back + 2, 2046, -2048, 12, -1000] {
            if delta > fwd || -delta > back {
                continue;
            }
            // Registers and opcode bits set everywhere outside the offset fields.
            let mut bytes = match kind {
                Riscv64LabelUse::B12 => (0x01ff_f07fu32).to_le_bytes().to_vec(),
                Riscv64LabelUse::J20 => (0x0000_0fffu32).to_le_bytes().to_vec(),
                Riscv64LabelUse::PcRelPair => [0x0000_0fffu32.to_le_bytes(), 0x000f_ffffu32.to_le_bytes()].concat(),
            };
            let before = bytes.clone();
            kind.patch(&mut bytes, base, (base as i64 + delta) as u32);
            assert_eq!(decode(kind, &bytes), delta, "{kind:?} at distance {delta}");
            let others = |b: &[u8]| match kind {
                Riscv64LabelUse::B12 => word_at(b, 0) & 0x01ff_f07f,
                Riscv64LabelUse::J20 => word_at(b, 0) & 0xfff,
                Riscv64LabelUse::PcRelPair => (word_at(b, 0) & 0xfff) ^ (word_at(b, 4) & 0xf_ffff),
            };
            assert_eq!(others(&bytes), others(&before), "{kind:?} leaves the other bits alone");
        }
    }
}

fn emit(buf: &mut MachBuffer<Riscv64LabelUse>, inst: &Inst, frame: &FrameInfo) {
    let info = EmitInfo { has_c: true };
    if buf.island_needed(Inst::WORST_CASE_SIZE) {
        buf.emit_island(Inst::WORST_CASE_SIZE, &mut |b, l| {
            emit_with(&Inst::gen_jump(l), b, &EmitState { frame, next_block: None }, &info)
        });
    }
    emit_with(inst, buf, &EmitState { frame, next_block: None }, &info);
}

/// Follows a chain of branches, jumps and `auipc`+`jalr` veneers from `at`, returning
/// where it lands.
fn follow(data: &[u8], mut at: usize) -> usize {
    for _ in 0..4 {
        let w = word_at(data, at);
        let delta = match w & 0x7f {
            0x63 => decode(Riscv64LabelUse::B12, &data[at..]),
            0x6f => decode(Riscv64LabelUse::J20, &data[at..]),
            0x17 => {
                let jalr = word_at(data, at + 4);
                assert_eq!(jalr & 0x000f_ffff, 0x000f_8067, "the veneer's auipc t6 is followed by jr t6");
                decode(Riscv64LabelUse::PcRelPair, &data[at..])
            }
            _ => return at,
        };
        at = (at as i64 + delta) as usize;
    }
    at
}

#[test]
fn a_branch_across_more_than_a_mebibyte_reaches_its_target() {
    let frame = FrameInfo::default();
    let mut buf = MachBuffer::new(2, Inst::ENDIANNESS);
    let target = MachLabel(1);
    let kind = CondBrKind { op: BranchOp::Bltu, rs1: xreg(10), rs2: xreg(11) };
    emit(&mut buf, &Inst::CondBr { kind, taken: target, not_taken: MachLabel(0) }, &frame);
    let jump_at = buf.cur_offset() as usize;
    emit(&mut buf, &Inst::Jump { target }, &frame);
    buf.bind_label(MachLabel(0));
    // 1.5 MiB of code between the branches and their target: beyond a `jal`'s reach.
    for _ in 0..(3 << 19) / 4 {
        emit(&mut buf, &Inst::AluRRImm12 { op: ImmOp::Addi, rd: xreg(5), rs1: xreg(6), imm: 1 }, &frame);
    }
    buf.bind_label(target);
    let target_at = buf.cur_offset() as usize;
    buf.put4(0x13);
    let out = buf.finish().expect("veneers bring the target in reach");
    let bltu = word_at(&out.data, 0);
    assert_eq!(bltu & 0x01ff_f07f, 0x00b5_6063, "bltu a0, a1 stays a bltu a0, a1");
    assert_eq!(follow(&out.data, 0), target_at, "the branch lands on its target");
    assert_eq!(follow(&out.data, jump_at), target_at, "the jump lands on its target");
}

#[test]
fn backward_branches_in_reach_are_compressed() {
    let frame = FrameInfo::default();
    let mut buf = MachBuffer::new(1, Inst::ENDIANNESS);
    buf.bind_label(MachLabel(0));
    emit(&mut buf, &Inst::Nop, &frame);
    let kind = CondBrKind { op: BranchOp::Bne, rs1: xreg(9), rs2: zero() };
    let at = buf.cur_offset();
    emit(&mut buf, &Inst::CondBr { kind, taken: MachLabel(0), not_taken: MachLabel(0) }, &frame);
    assert_eq!(buf.cur_offset() - at, 4, "c.bnez and c.j");
    let out = buf.finish().unwrap();
    let h = u16::from_le_bytes([out.data[2], out.data[3]]);
    assert_eq!(h >> 13, 7, "c.bnez");
    let h = u16::from_le_bytes([out.data[4], out.data[5]]);
    assert_eq!(h >> 13, 5, "c.j");
}
