//! The test ISA of `buffer/tests.rs` as a minimal `MachInst`, so that a function larger
//! than its branches' reach goes through register allocation and `VCode::emit`, which
//! asks for islands between instructions. Blocks hold a run of nops, maybe a constant load,
//! and a conditional branch to a block anywhere in the function (or a return); edges are
//! split as lowering splits them, and emission leaves the split-edge blocks out.

use super::{TestUse, emit_use, follow};
use crate::ir::{Endianness, SourceLoc};
use crate::machinst::{
    BufferError, CompiledCode, EmitState, FrameItem, FrameRules, MachBuffer, MachInst, MachLabel, OperandVisitor, PReg,
    Reg, RegClass, TerminatorKind, VCode, VCodeBuilder,
};
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
enum TestInst {
    /// `n` bytes of `01 00`.
    Nops(u32),
    /// `e0 00 d16`: a load of an 8-byte constant.
    LoadConst(u64),
    /// `b0 d8` to `taken`, then `c1 00 d16` to `not_taken` unless it is the next block.
    Branch { taken: MachLabel, not_taken: MachLabel },
    /// `c1 00 d16`, left out when the target is the next block.
    Jump(MachLabel),
    /// `0c 00`.
    Ret,
}

impl MachInst for TestInst {
    type LabelUse = TestUse;
    const ENDIANNESS: Endianness = Endianness::Big;
    /// The nops of the test are at most 64 bytes; a branch is 6 bytes with veneers of at
    /// most 5 + 7 (each with its alignment padding); a load 4 with 8 + 7 of constant.
    const WORST_CASE_SIZE: u32 = 64;

    fn visit_operands(&mut self, _: &mut dyn OperandVisitor) {}
    fn terminator_kind(&self) -> TerminatorKind {
        match self {
            TestInst::Branch { .. } | TestInst::Jump(_) => TerminatorKind::Branch,
            TestInst::Ret => TerminatorKind::Ret,
            _ => TerminatorKind::None,
        }
    }
    // The test functions have no values, so the allocator asks for no moves.
    fn gen_move(_: Reg, _: Reg, _: RegClass) -> Self {
        TestInst::Nops(0)
    }
    fn gen_jump(target: MachLabel) -> Self {
        TestInst::Jump(target)
    }
    fn map_branch_targets(&mut self, f: &dyn Fn(MachLabel) -> MachLabel) {
        match self {
            TestInst::Branch { taken, not_taken } => {
                *taken = f(*taken);
                *not_taken = f(*not_taken);
            }
            TestInst::Jump(t) => *t = f(*t),
            _ => {}
        }
    }
    fn gen_spill(_: u32, _: Reg, _: RegClass) -> Self {
        TestInst::Nops(0)
    }
    fn gen_reload(_: Reg, _: u32, _: RegClass) -> Self {
        TestInst::Nops(0)
    }
    fn gen_frame_setup() -> Vec<FrameItem<Self>> {
        vec![]
    }
    fn gen_frame_teardown() -> Vec<FrameItem<Self>> {
        vec![]
    }
    fn gen_sp_sub(_: u32, _: Option<u32>) -> Vec<Self> {
        vec![]
    }
    fn gen_sp_add(_: u32) -> Self {
        TestInst::Nops(0)
    }
    fn gen_save(_: Reg, _: u32) -> Self {
        TestInst::Nops(0)
    }
    fn gen_restore(_: Reg, _: u32) -> Self {
        TestInst::Nops(0)
    }
    fn dwarf_reg(p: PReg) -> crate::machinst::DwarfReg {
        crate::machinst::DwarfReg(p.hw_enc() as u16)
    }
    fn emit(&self, buf: &mut MachBuffer<TestUse>, state: &EmitState<'_>) {
        match *self {
            TestInst::Nops(n) => buf.put_data(&[1, 0].repeat(n as usize / 2)),
            TestInst::LoadConst(v) => {
                let c = buf.constant(&v.to_be_bytes(), 8);
                emit_use(buf, TestUse::Lit16, c);
            }
            TestInst::Branch { taken, not_taken } => {
                emit_use(buf, TestUse::Cond8, taken);
                if state.next_block != Some(not_taken) {
                    emit_use(buf, TestUse::Jump16, not_taken);
                }
            }
            TestInst::Jump(t) => {
                if state.next_block != Some(t) {
                    emit_use(buf, TestUse::Jump16, t);
                }
            }
            TestInst::Ret => buf.put2(0x0c00),
        }
    }
    fn print(&self) -> String {
        format!("{self:?}")
    }
}

struct NoFrame;

impl FrameRules for NoFrame {
    fn callee_saved(&self, _: crate::ir::CallConv) -> &[PReg] {
        &[]
    }
    fn frame_desc(&self) -> &crate::machinst::abi::FrameDesc {
        use crate::machinst::abi::{FrameDesc, SaveStyle};
        const NONE: FrameDesc = FrameDesc {
            setup_area: 0,
            stack_align: 1,
            int_save: SaveStyle::Store { size: 8 },
            float_save: SaveStyle::Store { size: 8 },
        };
        &NONE
    }
}

/// Allocates `vcode` (the test ISA has no registers: its instructions have no operands)
/// and emits it with a listing.
fn allocate_and_emit(vcode: &VCode<TestInst>) -> Result<CompiledCode, BufferError> {
    let env = regalloc2::MachineEnv {
        preferred_regs_by_class: [regalloc2::PRegSet::empty(); 3],
        non_preferred_regs_by_class: [regalloc2::PRegSet::empty(); 3],
        scratch_by_class: [None; 3],
        fixed_stack_slots: vec![],
    };
    let output = regalloc2::run(vcode, &env, &regalloc2::RegallocOptions::default()).unwrap();
    vcode.emit(&output, &NoFrame, None, true)
}

/// The acceptance test through `VCode::emit`: every branch reaches the start of its
/// target block's code through islands and veneers, every load its constant, and falling
/// through from one block to the next only jumps over islands.
#[test]
fn a_function_larger_than_the_branch_reach_compiles_through_vcode() {
    const BLOCKS: u32 = 1200;
    let mut rng = crate::test_rng::Rng(0x0dd_ba11_cafe_f00d);
    // Real block k is VCode block 3k; 3k+1 and 3k+2 are the split edges of its branch.
    let real = |k: u32| 3 * k;
    let mut b = VCodeBuilder::<TestInst>::new();
    let mut plan = Vec::new();
    for k in 0..BLOCKS {
        let nops = 2 * (4 + rng.below(29) as u32);
        let load = (rng.below(4) == 0).then(|| rng.next());
        b.start_block(format!("block{k}"), &[]);
        b.push(TestInst::Nops(nops), SourceLoc::default());
        if let Some(value) = load {
            b.push(TestInst::LoadConst(value), SourceLoc::default());
        }
        if k == BLOCKS - 1 {
            b.push(TestInst::Ret, SourceLoc::default());
            plan.push((nops, load, None));
            continue;
        }
        let target = 1 + rng.below(BLOCKS as u64 - 1) as u32;
        let (taken, fall) = (3 * k + 1, 3 * k + 2);
        let branch = TestInst::Branch { taken: MachLabel(taken), not_taken: MachLabel(fall) };
        b.push(branch, SourceLoc::default());
        b.add_succ(taken, &[]);
        b.add_succ(fall, &[]);
        for (edge, to) in [(taken, real(target)), (fall, real(k + 1))] {
            b.start_block(format!("edge{edge}"), &[]);
            b.push(TestInst::Jump(MachLabel(to)), SourceLoc::default());
            b.add_succ(to, &[]);
        }
        plan.push((nops, load, Some(target)));
    }
    let vcode = b.finish();
    let code = allocate_and_emit(&vcode).expect("islands and veneers make every branch reach");
    let data = &code.code;
    let listing = code.listing.unwrap();
    let islands = listing.matches("; island:").count();
    assert!(data.len() > 40_000, "larger than the ±32 KiB jump, let alone the ±128-byte branch");
    assert!(islands > 100, "islands were emitted ({islands})");

    // Walk the fall-through path, skipping islands, to find where each block's code is.
    let mut starts = Vec::new();
    let mut instructions = BTreeSet::new();
    let mut uses = Vec::new();
    let mut pc = 0u32;
    let mut skipped = 0;
    for (k, &(nops, load, target)) in plan.iter().enumerate() {
        while data[pc as usize] == 0xc1 {
            pc = (pc as i64 + 2 + TestUse::Jump16.read(&data[pc as usize + 2..])) as u32;
            skipped += 1;
        }
        starts.push(pc);
        assert!(data[pc as usize..(pc + nops) as usize].chunks(2).all(|c| c == [1, 0]), "block {k}'s nops");
        instructions.insert(pc);
        pc += nops;
        if let Some(value) = load {
            while data[pc as usize] == 0xc1 {
                pc = (pc as i64 + 2 + TestUse::Jump16.read(&data[pc as usize + 2..])) as u32;
                skipped += 1;
            }
            assert_eq!(data[pc as usize], 0xe0, "block {k}'s load");
            instructions.insert(pc);
            uses.push((pc + 2, TestUse::Lit16, Err(value)));
            pc += 4;
        }
        while data[pc as usize] == 0xc1 {
            pc = (pc as i64 + 2 + TestUse::Jump16.read(&data[pc as usize + 2..])) as u32;
            skipped += 1;
        }
        instructions.insert(pc);
        match target {
            Some(t) => {
                assert_eq!(data[pc as usize], 0xb0, "block {k}'s branch; the jump to the next block is left out");
                uses.push((pc + 1, TestUse::Cond8, Ok(t)));
                pc += 2;
            }
            None => assert_eq!(&data[pc as usize..pc as usize + 2], &[0x0c, 0]),
        }
    }
    assert_eq!(skipped, islands, "every island is jumped over");
    // A branch may end at its block's label, which is bound before an island the block
    // starts with: follow that island's jump too.
    let mut labels = instructions.clone();
    labels.extend(starts.iter().copied());
    let mut hops_seen = [0; 3];
    for (field, kind, target) in uses {
        let stop = target.map_or(u32::MAX, |t| starts[t as usize]);
        let (mut end, hops) = follow(data, field, kind, &labels, stop);
        hops_seen[hops as usize] += 1;
        match target {
            Ok(t) => {
                if end != starts[t as usize] && data[end as usize] == 0xc1 {
                    end = (end as i64 + 2 + TestUse::Jump16.read(&data[end as usize + 2..])) as u32;
                }
                assert_eq!(end, starts[t as usize], "the branch at {field} reaches block {t}");
            }
            Err(value) => {
                assert!(!instructions.contains(&end) && end > field, "a load at {field} reads an island");
                assert_eq!(data[end as usize..end as usize + 8], value.to_be_bytes(), "the load at {field}");
            }
        }
    }
    assert!(hops_seen.iter().all(|&n| n > 0), "direct uses, one and two veneers: {hops_seen:?}");
}

/// The lowering driver starts blocks last to first: `VCodeBuilder::finish` puts them (and
/// each instruction's source location) in emission order, so the function emits exactly
/// as when its blocks are given first to last.
#[test]
fn blocks_given_in_any_order_emit_as_in_order() {
    const BLOCKS: u32 = 60;
    let mut rng = crate::test_rng::Rng(0x5eed_0fb1_0c0d);
    // Per VCode block: its name, its instructions with their locations, its successors.
    type Block = (String, Vec<(TestInst, SourceLoc)>, Vec<u32>);
    let mut blocks: Vec<Block> = Vec::new();
    for k in 0..BLOCKS {
        let loc = |n: u32| SourceLoc::new(1000 * k + n);
        let mut insts = vec![(TestInst::Nops(2 * (1 + rng.below(8) as u32)), loc(0))];
        if rng.below(3) == 0 {
            insts.push((TestInst::LoadConst(rng.next()), loc(1)));
        }
        if k == BLOCKS - 1 {
            insts.push((TestInst::Ret, loc(2)));
            blocks.push((format!("block{k}"), insts, vec![]));
            continue;
        }
        let target = 3 * (1 + rng.below(BLOCKS as u64 - 1) as u32);
        let (taken, fall) = (3 * k + 1, 3 * k + 2);
        insts.push((TestInst::Branch { taken: MachLabel(taken), not_taken: MachLabel(fall) }, loc(2)));
        blocks.push((format!("block{k}"), insts, vec![taken, fall]));
        for (edge, to) in [(taken, target), (fall, 3 * (k + 1))] {
            blocks.push((format!("edge{edge}"), vec![(TestInst::Jump(MachLabel(to)), loc(3))], vec![to]));
        }
    }
    let emit = |order: &mut dyn Iterator<Item = usize>| {
        let mut b = VCodeBuilder::<TestInst>::new();
        for i in order {
            let (name, insts, succs) = &blocks[i];
            b.start_block_at(i, name.clone(), &[]);
            for (inst, loc) in insts {
                b.push(inst.clone(), *loc);
            }
            for &s in succs {
                b.add_succ(s, &[]);
            }
        }
        let vcode = b.finish();
        // The blocks' instructions follow one another in block order, as the VCode's
        // invariant says and regalloc2's program points assume.
        assert_eq!(regalloc2::Function::num_blocks(&vcode), blocks.len());
        let mut at = 0;
        for (k, (_, insts, _)) in blocks.iter().enumerate() {
            let range = regalloc2::Function::block_insns(&vcode, regalloc2::Block::new(k));
            assert_eq!((range.first().index(), range.len()), (at, insts.len()), "block {k}'s instructions");
            at += range.len();
        }
        let code = allocate_and_emit(&vcode).unwrap();
        let locs: Vec<(u32, u32, SourceLoc)> = code.srclocs.iter().map(|r| (r.start, r.end, r.loc)).collect();
        (code.code, code.listing, locs)
    };
    let in_order = emit(&mut (0..blocks.len()));
    let backward = emit(&mut (0..blocks.len()).rev());
    // Real blocks last to first, then the split edges, as `lower()` does.
    let mut driver = (0..blocks.len()).filter(|i| i % 3 == 0).rev().chain((0..blocks.len()).filter(|i| i % 3 != 0));
    let as_lowered = emit(&mut driver);
    assert!(!in_order.2.is_empty(), "the instructions carry their locations");
    assert_eq!(backward, in_order);
    assert_eq!(as_lowered, in_order);
}
