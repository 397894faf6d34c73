//! Label uses: each kind's reach and patching checked by decoding the patched field as
//! the Principles of Operation defines it (a signed halfword count from the instruction),
//! and the buffer's veneers with s390x branches: a conditional branch, a compare-and-
//! branch and a jump across more than 64 KiB reach their targets through `jg` veneers.

use super::super::emit::{S390xLabelUse, emit};
use super::super::inst::Inst;
use super::super::inst::args::*;
use super::super::regs::gpr;
use crate::machinst::{EmitState, FrameInfo, LabelUse, MachBuffer, MachInst, MachLabel};

/// The byte distance the instruction at `bytes` encodes.
fn decode(kind: S390xLabelUse, bytes: &[u8]) -> i64 {
    match kind {
        S390xLabelUse::Pc16Dbl => 2 * i16::from_be_bytes([bytes[2], bytes[3]]) as i64,
        S390xLabelUse::Pc32Dbl => 2 * i32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]) as i64,
        S390xLabelUse::Rel32 => i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as i64,
    }
}

#[test]
fn each_kind_patches_every_distance_in_its_reach() {
    let base = 0x8000_0000u32;
    for kind in [S390xLabelUse::Pc16Dbl, S390xLabelUse::Pc32Dbl, S390xLabelUse::Rel32] {
        let (fwd, back) = (kind.max_forward() as i64, kind.max_backward() as i64);
        match kind {
            S390xLabelUse::Pc16Dbl => assert_eq!((fwd, back), (65534, 65536)),
            S390xLabelUse::Pc32Dbl => assert!(fwd >= (1 << 31) && back >= (1 << 31)),
            S390xLabelUse::Rel32 => assert_eq!((fwd, back), (0x7fff_ffff, 1 << 31)),
        }
        for delta in [0i64, 2, -2, 4, 1000, -1000, 65534, -65536, 0x7fff_fffe, -0x8000_0000] {
            if delta > fwd || -delta > back {
                continue;
            }
            let mut bytes = vec![0xab; kind.patch_size() as usize];
            let before = bytes.clone();
            kind.patch(&mut bytes, base, (base as i64 + delta) as u32);
            assert_eq!(decode(kind, &bytes), delta, "{kind:?} at distance {delta}");
            if kind != S390xLabelUse::Rel32 {
                assert_eq!(bytes[..2], before[..2], "{kind:?} leaves the opcode and registers alone");
            }
        }
    }
}

fn put(buf: &mut MachBuffer<S390xLabelUse>, inst: &Inst, frame: &FrameInfo) {
    if buf.island_needed(Inst::WORST_CASE_SIZE) {
        buf.emit_island(Inst::WORST_CASE_SIZE, &mut |b, l| {
            emit(&Inst::gen_jump(l), b, &EmitState { frame, next_block: None })
        });
    }
    emit(inst, buf, &EmitState { frame, next_block: None });
}

/// Follows a chain of `brc`/`crj`/`cij` branches and `brcl` veneers from `at`, returning
/// where it lands.
fn follow(data: &[u8], mut at: usize) -> usize {
    for _ in 0..4 {
        let delta = match (data[at], data[at + 1] & 0xf, data.get(at + 5).copied().unwrap_or(0)) {
            (0xA7, 4, _) => decode(S390xLabelUse::Pc16Dbl, &data[at..]),
            (0xC0, 4, _) => decode(S390xLabelUse::Pc32Dbl, &data[at..]),
            (0xEC, _, 0x64 | 0x65 | 0x76 | 0x77 | 0x7c..=0x7f) => decode(S390xLabelUse::Pc16Dbl, &data[at..]),
            _ => return at,
        };
        at = (at as i64 + delta) as usize;
    }
    at
}

#[test]
fn branches_across_more_than_64_kib_reach_their_targets() {
    let frame = FrameInfo::default();
    let mut buf = MachBuffer::new(2, Inst::ENDIANNESS);
    let target = MachLabel(1);
    let brc = Inst::CondBr { kind: CondBrKind::Cc(Cond::LT), taken: target, not_taken: MachLabel(0) };
    put(&mut buf, &brc, &frame);
    let kind = CondBrKind::CmpRR { op: CmpBrOp::Crj, cond: Cond::EQ, rn: gpr(2), rm: gpr(3) };
    let crj_at = buf.cur_offset() as usize;
    put(&mut buf, &Inst::CondBr { kind, taken: target, not_taken: MachLabel(0) }, &frame);
    let kind = CondBrKind::CmpRI { op: CmpBrImmOp::Cgij, cond: Cond::GT, rn: gpr(4), imm: 0x80 };
    let cij_at = buf.cur_offset() as usize;
    put(&mut buf, &Inst::CondBr { kind, taken: target, not_taken: MachLabel(0) }, &frame);
    buf.bind_label(MachLabel(0));
    // 300 KiB of code between the branches and their target: beyond a 16-bit offset.
    for _ in 0..(300 << 10) / 4 {
        put(&mut buf, &Inst::AluRRR { op: AluRRROp::Agrk, rd: gpr(5), rn: gpr(6), rm: gpr(7) }, &frame);
    }
    let jump_at = buf.cur_offset() as usize;
    buf.bind_label(target);
    let target_at = buf.cur_offset() as usize;
    assert_eq!(jump_at, target_at);
    buf.put2(0x07fe);
    let out = buf.finish().expect("veneers bring the target in reach");
    assert_eq!(&out.data[..2], &[0xA7, 0x44], "jl stays a jl");
    for at in [0, crj_at, cij_at] {
        assert_eq!(follow(&out.data, at), target_at, "the branch at {at} lands on its target");
        assert_ne!(follow(&out.data, at), at);
    }
}

#[test]
fn a_backward_jump_across_more_than_64_kib_goes_through_a_veneer() {
    let frame = FrameInfo::default();
    let mut buf = MachBuffer::new(1, Inst::ENDIANNESS);
    buf.bind_label(MachLabel(0));
    for _ in 0..(100 << 10) / 2 {
        put(&mut buf, &Inst::Nop, &frame);
    }
    let at = buf.cur_offset() as usize;
    put(&mut buf, &Inst::Jump { target: MachLabel(0) }, &frame);
    let out = buf.finish().expect("a veneer after the code reaches back");
    assert_eq!(follow(&out.data, at), 0, "the jump lands on label 0");
}
