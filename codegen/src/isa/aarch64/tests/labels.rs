//! Label uses: each kind's reach and patching checked by decoding the patched field, and
//! the buffer's veneers and range errors with aarch64 branches, including a test-bit
//! branch and a literal load whose targets lie beyond their direct reach.

use super::super::emit::AArch64LabelUse;
use super::super::inst::Inst;
use super::super::inst::args::*;
use super::super::regs::xreg;
use crate::machinst::{BufferError, EmitState, FrameInfo, LabelUse, MachBuffer, MachInst, MachLabel};

const KINDS: [AArch64LabelUse; 6] = [
    AArch64LabelUse::Branch26,
    AArch64LabelUse::Branch19,
    AArch64LabelUse::Branch14,
    AArch64LabelUse::Adr21,
    AArch64LabelUse::Ldr19,
    AArch64LabelUse::PcRel32,
];

/// The byte distance a patched word encodes, read back as the ARM ARM defines each field.
fn decode(kind: AArch64LabelUse, word: u32) -> i64 {
    let sext = |v: u32, bits: u32| ((v << (32 - bits)) as i32 >> (32 - bits)) as i64;
    match kind {
        AArch64LabelUse::Branch26 => sext(word & 0x03ff_ffff, 26) * 4,
        AArch64LabelUse::Branch19 | AArch64LabelUse::Ldr19 => sext((word >> 5) & 0x7ffff, 19) * 4,
        AArch64LabelUse::Branch14 => sext((word >> 5) & 0x3fff, 14) * 4,
        AArch64LabelUse::Adr21 => sext((((word >> 5) & 0x7ffff) << 2) | ((word >> 29) & 3), 21),
        AArch64LabelUse::PcRel32 => word as i32 as i64,
    }
}

/// The bits of the instruction outside the offset field.
fn field_mask(kind: AArch64LabelUse) -> u32 {
    match kind {
        AArch64LabelUse::Branch26 => 0x03ff_ffff,
        AArch64LabelUse::Branch19 | AArch64LabelUse::Ldr19 => 0x7ffff << 5,
        AArch64LabelUse::Branch14 => 0x3fff << 5,
        AArch64LabelUse::Adr21 => (3 << 29) | (0x7ffff << 5),
        AArch64LabelUse::PcRel32 => u32::MAX,
    }
}

#[test]
fn each_kind_patches_every_distance_in_its_reach() {
    let base = 0x1000_0000u32;
    for kind in KINDS {
        let unit = if matches!(kind, AArch64LabelUse::Adr21 | AArch64LabelUse::PcRel32) { 1 } else { 4 };
        let (fwd, back) = (kind.max_forward() as i64, kind.max_backward() as i64);
        let expected = match kind {
            AArch64LabelUse::Branch26 => 128 << 20,
            AArch64LabelUse::Branch19 | AArch64LabelUse::Ldr19 | AArch64LabelUse::Adr21 => 1 << 20,
            AArch64LabelUse::Branch14 => 32 << 10,
            AArch64LabelUse::PcRel32 => 1 << 31,
        };
        assert_eq!((fwd + unit, back), (expected, expected), "{kind:?}: ±{expected} less one unit forward");
        for delta in [0, unit, -unit, fwd, -back, fwd - unit, -back + unit, 12 * unit, -1000 * unit] {
            let others = !field_mask(kind);
            let mut bytes = others.to_le_bytes();
            kind.patch(&mut bytes, base, (base as i64 + delta) as u32);
            let word = u32::from_le_bytes(bytes);
            assert_eq!(decode(kind, word), delta, "{kind:?} at distance {delta}");
            assert_eq!(word & others, others, "{kind:?} leaves the other bits alone");
        }
    }
}

fn emit(buf: &mut MachBuffer<AArch64LabelUse>, inst: &Inst, frame: &FrameInfo) {
    if buf.island_needed(Inst::WORST_CASE_SIZE) {
        buf.emit_island(Inst::WORST_CASE_SIZE, &mut |b, l| {
            Inst::gen_jump(l).emit(b, &EmitState { frame, next_block: None })
        });
    }
    inst.emit(buf, &EmitState { frame, next_block: None });
}

fn word_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

#[test]
fn far_test_bit_branches_go_through_a_veneer() {
    let frame = FrameInfo::default();
    let mut buf = MachBuffer::new(2, Inst::ENDIANNESS);
    let target = MachLabel(1);
    let kind = CondBrKind::BitNotZero(xreg(3), 40);
    emit(&mut buf, &Inst::CondBr { kind, taken: target, not_taken: MachLabel(0) }, &frame);
    buf.bind_label(MachLabel(0));
    // 64 KiB of code between the branch and its target: twice the reach of `tbnz`.
    for _ in 0..16 * 1024 {
        emit(&mut buf, &Inst::Nop, &frame);
    }
    buf.bind_label(target);
    let target_at = buf.cur_offset() as i64;
    emit(&mut buf, &Inst::Nop, &frame);
    let out = buf.finish().expect("the veneer brings the target in reach");
    // Follow the tbnz to its veneer, then the veneer's `b` to the target.
    let tbnz = word_at(&out.data, 0);
    assert_eq!(tbnz & 0x7f00_001f, 0x3700_0003, "tbnz x3 stays a tbnz x3");
    let veneer = decode(AArch64LabelUse::Branch14, tbnz);
    assert!(veneer > 0 && veneer < 32 << 10, "the veneer is within reach: {veneer}");
    let b = word_at(&out.data, veneer as usize);
    assert_eq!(b & 0xfc00_0000, 0x1400_0000, "the veneer is a `b`");
    assert_eq!(veneer + decode(AArch64LabelUse::Branch26, b), target_at);
}

#[test]
fn literal_loads_and_adr_out_of_reach_are_errors() {
    for (inst, kind) in [
        (Inst::Adr { rd: xreg(0), label: MachLabel(0) }, "adr"),
        (Inst::LoadLiteral { op: LoadOp::LdrX, rt: xreg(0), label: MachLabel(0) }, "ldr"),
    ] {
        let frame = FrameInfo::default();
        let mut buf = MachBuffer::new(1, Inst::ENDIANNESS);
        buf.bind_label(MachLabel(0));
        for _ in 0..(1 << 20) / 4 + 1 {
            buf.put4(0xd503_201f);
        }
        inst.emit(&mut buf, &EmitState { frame: &frame, next_block: None });
        let err = buf.finish().err().unwrap_or_else(|| panic!("{kind} 1 MiB back is out of reach"));
        assert!(matches!(err, BufferError::OutOfRange { .. }), "{kind}: {err}");
    }
}

#[test]
fn constants_far_from_their_loads_are_placed_in_islands() {
    let frame = FrameInfo::default();
    let mut buf = MachBuffer::new(0, Inst::ENDIANNESS);
    let load = Inst::LoadConst { op: LoadOp::LdrD, rt: super::super::regs::vreg(2), bits: 0x4009_21fb_5444_2d18 };
    emit(&mut buf, &load, &frame);
    // 2 MiB of code after the load: the constant cannot wait for the end.
    for _ in 0..(2 << 20) / 4 {
        emit(&mut buf, &Inst::Nop, &frame);
    }
    let out = buf.finish().expect("the island keeps the literal in reach");
    let at = decode(AArch64LabelUse::Ldr19, word_at(&out.data, 0)) as usize;
    assert!(at < 1 << 20, "the constant lies within the load's reach");
    assert_eq!(&out.data[at..at + 8], &0x4009_21fb_5444_2d18u64.to_le_bytes());
    assert_eq!(at % 8, 0, "the constant is aligned to its size");
}
