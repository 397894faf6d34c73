//! Tests of `MachBuffer` with a test-only ISA description: big-endian, 2-byte aligned
//! instructions, a conditional branch that reaches about ±128 bytes, with a veneer to a
//! ±32 KiB jump, whose veneer is a ±2 GiB jump; and a constant load that reaches 4 KiB
//! forward. Instructions (the field each label use patches is relative to itself):
//!
//! | bytes                  | instruction                                   |
//! | ---------------------- | --------------------------------------------- |
//! | `01 00`                | nop                                           |
//! | `b0 d8`                | conditional branch, `d8` an i8                |
//! | `b1 d8`                | short branch without veneer, `d8` an i8       |
//! | `c1 00 d16`            | jump, `d16` a big-endian i16                  |
//! | `c2 00 d32`            | long jump, `d32` a big-endian i32             |
//! | `e0 00 d16`            | load of a constant, `d16` a big-endian u16    |

use super::*;

mod pipeline;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum TestUse {
    /// `b0`: ±128 bytes, veneer `c1`.
    Cond8,
    /// `b1`: ±128 bytes, no veneer.
    Short8,
    /// `c1`: ±32 KiB, veneer `c2`.
    Jump16,
    /// `c2`: ±2 GiB, no veneer.
    Jump32,
    /// `e0`: 0 to 4095 bytes forward, no veneer.
    Lit16,
}

impl TestUse {
    /// The opcode of the instruction holding this use, and where the field starts in it.
    fn opcode_and_field(self) -> (u8, u32) {
        match self {
            TestUse::Cond8 => (0xb0, 1),
            TestUse::Short8 => (0xb1, 1),
            TestUse::Jump16 => (0xc1, 2),
            TestUse::Jump32 => (0xc2, 2),
            TestUse::Lit16 => (0xe0, 2),
        }
    }

    fn from_opcode(op: u8) -> Option<TestUse> {
        [TestUse::Cond8, TestUse::Short8, TestUse::Jump16, TestUse::Jump32, TestUse::Lit16]
            .into_iter()
            .find(|k| k.opcode_and_field().0 == op)
    }

    /// Bytes of the instruction holding this use.
    fn inst_size(self) -> u32 {
        self.opcode_and_field().1 + self.patch_size()
    }

    /// The distance stored in `field`.
    fn read(self, field: &[u8]) -> i64 {
        match self {
            TestUse::Cond8 | TestUse::Short8 => field[0] as i8 as i64,
            TestUse::Jump16 => i16::from_be_bytes([field[0], field[1]]) as i64,
            TestUse::Lit16 => u16::from_be_bytes([field[0], field[1]]) as i64,
            TestUse::Jump32 => i32::from_be_bytes([field[0], field[1], field[2], field[3]]) as i64,
        }
    }
}

impl LabelUse for TestUse {
    const ALIGN: u32 = 2;

    fn patch_size(self) -> u32 {
        match self {
            TestUse::Cond8 | TestUse::Short8 => 1,
            TestUse::Jump16 | TestUse::Lit16 => 2,
            TestUse::Jump32 => 4,
        }
    }
    fn max_forward(self) -> u32 {
        match self {
            TestUse::Cond8 | TestUse::Short8 => 127,
            TestUse::Jump16 => 32767,
            TestUse::Jump32 => i32::MAX as u32,
            TestUse::Lit16 => 4095,
        }
    }
    fn max_backward(self) -> u32 {
        match self {
            TestUse::Cond8 | TestUse::Short8 => 128,
            TestUse::Jump16 => 32768,
            TestUse::Jump32 => 1 << 31,
            TestUse::Lit16 => 0,
        }
    }
    fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32) {
        let d = label_offset as i64 - use_offset as i64;
        match self {
            TestUse::Cond8 | TestUse::Short8 => bytes[0] = d as i8 as u8,
            TestUse::Jump16 | TestUse::Lit16 => bytes.copy_from_slice(&(d as i16).to_be_bytes()),
            TestUse::Jump32 => bytes.copy_from_slice(&(d as i32).to_be_bytes()),
        }
    }
    fn supports_veneer(self) -> bool {
        matches!(self, TestUse::Cond8 | TestUse::Jump16)
    }
    fn veneer_size(self) -> u32 {
        match self {
            TestUse::Cond8 => TestUse::Jump16.inst_size(),
            TestUse::Jump16 => TestUse::Jump32.inst_size(),
            _ => 0,
        }
    }
    fn generate_veneer(self, veneer: &mut [u8], veneer_offset: u32) -> Option<(u32, Self)> {
        let kind = match self {
            TestUse::Cond8 => TestUse::Jump16,
            TestUse::Jump16 => TestUse::Jump32,
            _ => return None,
        };
        let (op, field) = kind.opcode_and_field();
        veneer[0] = op;
        Some((veneer_offset + field, kind))
    }
}

/// Writes the instruction holding a use of `kind` to `label` and records the use.
fn emit_use(buf: &mut MachBuffer<TestUse>, kind: TestUse, label: MachLabel) {
    let (op, field) = kind.opcode_and_field();
    let at = buf.cur_offset();
    buf.put1(op);
    buf.put_data(&vec![0; (kind.inst_size() - 1) as usize]);
    buf.use_label_at_offset(at + field, label, kind);
}

/// The island jump, as an ISA's unconditional jump would be emitted.
fn island_jump(buf: &mut MachBuffer<TestUse>, after: MachLabel) {
    emit_use(buf, TestUse::Jump16, after);
}

fn buffer(num_blocks: u32) -> MachBuffer<TestUse> {
    MachBuffer::new(num_blocks, Endianness::Big)
}

#[test]
fn byte_order_follows_the_buffer() {
    let mut big = buffer(0);
    big.put2(0x1122);
    big.put4(0x3344_5566);
    big.put8(0x0102_0304_0506_0708);
    assert_eq!(big.endianness(), Endianness::Big);
    assert_eq!(big.data(), [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 1, 2, 3, 4, 5, 6, 7, 8]);
    let mut little = MachBuffer::<TestUse>::new(0, Endianness::Little);
    little.put2(0x1122);
    little.put4(0x3344_5566);
    little.put8(0x0102_0304_0506_0708);
    assert_eq!(little.data(), [0x22, 0x11, 0x66, 0x55, 0x44, 0x33, 8, 7, 6, 5, 4, 3, 2, 1]);
}

#[test]
fn labels_resolve_forward_and_backward() {
    let mut b = buffer(2);
    b.bind_label(MachLabel(0));
    emit_use(&mut b, TestUse::Cond8, MachLabel(1)); // 0..2, field at 1
    b.put_data(&[1, 0]);
    b.bind_label(MachLabel(1)); // 4
    emit_use(&mut b, TestUse::Jump16, MachLabel(0)); // 4..8, field at 6, resolved at once
    assert_eq!(&b.data()[4..8], &[0xc1, 0, 0xff, 0xfa]);
    let c = b.constant(&[1, 2, 3], 4);
    assert_eq!(b.constant(&[1, 2, 3], 2), c, "equal constants share an entry");
    assert_ne!(b.constant(&[1, 2, 3], 8), c, "a stricter alignment is another entry");
    emit_use(&mut b, TestUse::Lit16, c); // 8..12, field at 10
    let out = b.finish().unwrap();
    assert_eq!(&out.data[..4], &[0xb0, 3, 1, 0]);
    // The constants follow the code: [1, 2, 3] at 12 (4-aligned), the 8-aligned copy at 16.
    assert_eq!(&out.data[10..12], &[0, 2]);
    assert_eq!(&out.data[12..], &[1, 2, 3, 0, 1, 2, 3]);
}

#[test]
fn errors_are_reported_by_finish() {
    // A use of a label that is never bound.
    let mut b = buffer(1);
    emit_use(&mut b, TestUse::Cond8, MachLabel(0));
    assert_eq!(b.finish().err(), Some(BufferError::UnboundLabel(0)));
    // A use that cannot reach and has no veneer, forward and backward.
    let mut b = buffer(1);
    emit_use(&mut b, TestUse::Short8, MachLabel(0));
    b.put_data(&[0; 300]);
    b.bind_label(MachLabel(0));
    assert_eq!(b.finish().err(), Some(BufferError::OutOfRange { use_offset: 1, label_offset: 302 }));
    let mut b = buffer(1);
    b.bind_label(MachLabel(0));
    b.put_data(&[0; 300]);
    emit_use(&mut b, TestUse::Short8, MachLabel(0));
    assert_eq!(b.finish().err(), Some(BufferError::OutOfRange { use_offset: 301, label_offset: 0 }));
    // A use recorded before its bytes are written.
    let mut b = buffer(1);
    b.bind_label(MachLabel(0));
    b.use_label_at_offset(0, MachLabel(0), TestUse::Jump16);
    assert_eq!(b.finish().err(), Some(BufferError::InvalidUse { use_offset: 0 }));
    // A label bound twice.
    let mut b = buffer(1);
    b.bind_label(MachLabel(0));
    b.bind_label(MachLabel(0));
    assert_eq!(b.finish().err(), Some(BufferError::LabelBoundTwice(0)));
}

#[test]
fn a_backward_use_out_of_reach_goes_through_a_veneer_after_the_code() {
    let mut b = buffer(1);
    b.bind_label(MachLabel(0));
    b.put_data(&[1, 0].repeat(100));
    emit_use(&mut b, TestUse::Cond8, MachLabel(0)); // 200..202: 201 bytes back, too far
    let out = b.finish().unwrap();
    // The branch goes to the veneer right after the code (202), a jump back to 0.
    assert_eq!(&out.data[200..202], &[0xb0, 1]);
    assert_eq!(&out.data[202..206], &[0xc1, 0, 0xff, 0x34]);
    assert_eq!(204 + TestUse::Jump16.read(&out.data[204..206]), 0);
}

#[test]
fn an_island_holds_the_constants_a_load_would_miss() {
    let mut b = buffer(0);
    let c = b.constant(&[0xab; 8], 8);
    emit_use(&mut b, TestUse::Lit16, c);
    let mut islands = 0;
    while b.cur_offset() < 6000 {
        if b.island_needed(16) {
            islands += 1;
            assert!(b.emit_island(16, &mut island_jump) > 0);
        }
        b.put_data(&[1, 0]);
    }
    assert_eq!(islands, 1, "one island, before the load's 4 KiB reach ran out");
    let out = b.finish().unwrap();
    let target = 2 + TestUse::Lit16.read(&out.data[2..4]);
    assert!((4..4096).contains(&target));
    assert_eq!(&out.data[target as usize..target as usize + 8], &[0xab; 8]);
}

/// What the big test emitted at one offset: the instruction and, for a label use, its
/// kind and the label.
#[derive(Copy, Clone, Debug)]
enum Emitted {
    Nop,
    Use(TestUse, MachLabel),
}

use crate::test_rng::Rng;

/// Follows the use whose field is at `field` through any veneers, stopping at `stop` (the
/// offset the use should reach: a veneer may start exactly where a label is bound, at
/// the end of the code); returns where it ends and how many veneers it passed.
fn follow(data: &[u8], mut field: u32, mut kind: TestUse, emitted_at: &BTreeSet<u32>, stop: u32) -> (u32, u32) {
    let mut hops = 0;
    loop {
        let target = (field as i64 + kind.read(&data[field as usize..])) as u32;
        // A veneer is a jump the test did not emit (it lies in an island).
        let veneer = match target == stop || emitted_at.contains(&target) {
            true => None,
            false => data.get(target as usize).and_then(|&op| TestUse::from_opcode(op)),
        };
        match veneer {
            Some(next @ (TestUse::Jump16 | TestUse::Jump32)) if kind.supports_veneer() && hops < 2 => {
                hops += 1;
                field = target + next.opcode_and_field().1;
                kind = next;
            }
            _ => return (target, hops),
        }
    }
}

use std::collections::BTreeSet;

/// The acceptance test: a function far larger than the short branch's reach, with
/// branches forward and backward over thousands of bytes and constant loads, emitted the
/// way `VCode::emit` does (asking for an island before each instruction). Every use must
/// end at its label (through veneers) or its constant, and the fall-through path must
/// jump over every island.
#[test]
fn islands_and_veneers_make_a_large_function_resolve() {
    const INSTS: usize = 40_000;
    const LABELS: usize = 2_000;
    // The largest instruction (a 6-byte jump) plus what it may add to an island (a
    // 16-byte constant with 7 bytes of padding, or a 6-byte veneer).
    const DISTANCE: u32 = 6 + 16 + 7;
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut b = buffer(LABELS as u32);
    // Each label is bound before one instruction; several may share a point.
    let mut bind_at: Vec<(usize, u32)> = (0..LABELS as u32).map(|l| (rng.below(INSTS as u64) as usize, l)).collect();
    bind_at.sort();
    let mut next_bind = 0;
    let mut label_offsets = vec![u32::MAX; LABELS];
    let mut emitted: Vec<(u32, Emitted)> = Vec::with_capacity(INSTS);
    let mut constants: Vec<(MachLabel, Vec<u8>)> = Vec::new();
    let mut islands = 0;
    for i in 0..INSTS {
        if b.island_needed(DISTANCE) && b.emit_island(DISTANCE, &mut island_jump) > 0 {
            islands += 1;
        }
        while next_bind < bind_at.len() && bind_at[next_bind].0 == i {
            let l = bind_at[next_bind].1;
            label_offsets[l as usize] = b.cur_offset();
            b.bind_label(MachLabel(l));
            next_bind += 1;
        }
        let at = b.cur_offset();
        let what = match rng.below(100) {
            // A label near this point (its index is close) or anywhere.
            0..=29 | 45..=49 => {
                let near = (i * LABELS / INSTS) as i64 + rng.below(9) as i64 - 4;
                let label = match rng.below(3) {
                    0 => rng.below(LABELS as u64) as u32,
                    _ => near.clamp(0, LABELS as i64 - 1) as u32,
                };
                let kind = match rng.below(20) {
                    0..=13 => TestUse::Cond8,
                    14..=18 => TestUse::Jump16,
                    _ => TestUse::Jump32,
                };
                Emitted::Use(kind, MachLabel(label))
            }
            30..=39 => {
                // A few distinct constants, so equal ones are shared.
                let len = 1 + rng.below(16) as usize;
                let fill = rng.below(8) as u8;
                let bytes: Vec<u8> = (0..len as u8).map(|k| k.wrapping_mul(31) ^ fill).collect();
                let label = b.constant(&bytes, 1 << rng.below(4));
                constants.push((label, bytes));
                Emitted::Use(TestUse::Lit16, label)
            }
            _ => Emitted::Nop,
        };
        match what {
            Emitted::Nop => b.put_data(&[1, 0]),
            Emitted::Use(kind, label) => emit_use(&mut b, kind, label),
        }
        emitted.push((at, what));
    }
    while next_bind < bind_at.len() {
        let l = bind_at[next_bind].1;
        label_offsets[l as usize] = b.cur_offset();
        b.bind_label(MachLabel(l));
        next_bind += 1;
    }
    let code_end = b.cur_offset();
    let out = b.finish().expect("every use reaches through islands and veneers");
    let data = &out.data;
    assert!(data.len() > 100_000, "the function is far larger than the jump's ±32 KiB");
    assert!(islands > 10, "islands were needed ({islands})");

    // The fall-through path: from one emitted instruction to the next, only island jumps.
    // (Labels are bound at instruction starts or at the end of the code, where veneers and
    // constants may follow: `follow` stops at the expected label first.)
    let emitted_at: BTreeSet<u32> = emitted.iter().map(|e| e.0).collect();
    let mut pc = 0u32;
    let mut jumped_islands = 0;
    for &(at, what) in &emitted {
        while pc != at {
            assert!(pc < at, "the code at {pc} runs past the instruction at {at}");
            assert_eq!(data[pc as usize], 0xc1, "an island at {pc} starts with its jump");
            let (end, hops) = follow(data, pc + 2, TestUse::Jump16, &emitted_at, at);
            assert_eq!(hops, 0);
            pc = end;
            jumped_islands += 1;
        }
        let size = match what {
            Emitted::Nop => 2,
            Emitted::Use(kind, _) => kind.inst_size(),
        };
        let op = match what {
            Emitted::Nop => 1,
            Emitted::Use(kind, _) => kind.opcode_and_field().0,
        };
        assert_eq!(data[pc as usize], op, "instruction at {pc}");
        pc += size;
    }
    assert_eq!(jumped_islands, islands);

    // Every use ends at its label or its constant.
    let mut hops_seen = [0usize; 3];
    let mut backward_veneered = 0;
    let mut constant_loads = 0;
    for &(at, what) in &emitted {
        let Emitted::Use(kind, label) = what else { continue };
        let field = at + kind.opcode_and_field().1;
        let stop = if kind == TestUse::Lit16 { u32::MAX } else { label_offsets[label.0 as usize] };
        let (end, hops) = follow(data, field, kind, &emitted_at, stop);
        if kind == TestUse::Lit16 {
            let bytes = &constants.iter().find(|c| c.0 == label).unwrap().1;
            assert_eq!(&data[end as usize..end as usize + bytes.len()], &bytes[..], "constant of the load at {at}");
            let in_island = !emitted_at.contains(&end);
            assert!(end > at && (in_island || end == code_end), "constants are in islands or after the code");
            constant_loads += 1;
        } else {
            assert_eq!(end, label_offsets[label.0 as usize], "the use at {at} ends at its label");
            if hops > 0 && end < at {
                backward_veneered += 1;
            }
        }
        hops_seen[hops as usize] += 1;
    }
    assert!(hops_seen.iter().all(|&n| n > 0), "direct uses, one and two veneers all occur: {hops_seen:?}");
    assert!(backward_veneered > 0, "some backward uses went through veneers");
    assert!(constant_loads > 1000);
}
