//! The `MachInst` side of the aarch64 instruction: operand constraints, constants built
//! in registers, SP adjustments and probes, and the prologue and epilogue with their
//! unwind events.

use super::super::inst::args::*;
use super::super::inst::{FRAME, Inst};
use super::super::regs::{self, vreg, xreg};
use crate::machinst::abi::frame::layout;
use crate::machinst::{FrameItem, MachInst, OperandCollector, Reg, RegClass, UnwindInst};
use regalloc2::{OperandConstraint, OperandKind, OperandPos};

fn vr(n: u32) -> Reg {
    Reg::virt(n, RegClass::Int)
}

fn operands(mut inst: Inst) -> Vec<regalloc2::Operand> {
    let mut c = OperandCollector::default();
    inst.visit_operands(&mut c);
    c.operands
}

#[test]
fn read_modify_write_forms_reuse_their_first_operand() {
    let imm = super::super::inst::imms::MoveWideConst { bits: 1, shift: 1 };
    let ops = operands(Inst::MovK { size: OperandSize::S64, rd: vr(1), rn: vr(0), imm });
    assert_eq!(ops[0].kind(), OperandKind::Use);
    assert_eq!(ops[1].constraint(), OperandConstraint::Reuse(0));
    let cas = Inst::Cas { size: MemSize::B64, order: Ordering::AcqRel, rd: vr(3), rs: vr(0), rt: vr(1), rn: vr(2) };
    let ops = operands(cas);
    assert_eq!(ops.len(), 4);
    assert_eq!(ops[0].vreg().vreg(), vr(0).vreg().vreg(), "the expected value is operand 0");
    assert_eq!(ops[3].constraint(), OperandConstraint::Reuse(0));
    let stxr = Inst::StoreExclusive { release: true, size: MemSize::B32, rs: vr(2), rt: vr(0), rn: vr(1) };
    let ops = operands(stxr);
    assert_eq!((ops[2].kind(), ops[2].pos()), (OperandKind::Def, OperandPos::Early), "the status is an early def");
    // Physical registers (sp, the zero register) are not operands.
    let load = Inst::Load { op: LoadOp::LdrX, rt: vr(0), mem: AMode::SpOffset { offset: 8 }, trap: None };
    assert_eq!(operands(load).len(), 1);
    let ind = Inst::ReturnCallInd { rn: vr(0), uses: vec![] };
    assert_eq!(operands(ind)[0].constraint(), OperandConstraint::FixedReg(regs::preg_x(9)));
}

/// The value a `load_constant` sequence leaves in its register.
fn run(seq: &[Inst], size: OperandSize) -> u64 {
    let mask = if size.is64() { u64::MAX } else { 0xffff_ffff };
    let mut r = 0u64;
    for i in seq {
        r = match *i {
            Inst::MovWide { op: MoveWideOp::MovZ, imm, .. } => imm.value(),
            Inst::MovWide { op: MoveWideOp::MovN, imm, .. } => !imm.value() & mask,
            Inst::MovK { imm, .. } => (r & !(0xffffu64 << (16 * imm.shift))) | imm.value(),
            Inst::AluRRImmLogic { op: AluOp::Orr, imm, rn, .. } if regs::is_zr(rn) => imm.value,
            ref other => panic!("unexpected {other:?} in a constant sequence"),
        };
    }
    r & mask
}

#[test]
fn constants_are_built_exactly_and_briefly() {
    let values = [
        0u64,
        1,
        0xffff,
        0x1_0000,
        0xffff_ffff,
        u64::MAX,
        0x5555_5555_5555_5555,
        0x1234_5678_9abc_def0,
        0xffff_ffff_1234_ffff,
        0x8000_0000_0000_0001,
        0x0000_1234_0000_5678,
        (-4096i64) as u64,
    ];
    for size in OperandSize::ALL {
        for v in values {
            let seq = Inst::load_constant(xreg(3), v, size);
            let want = if size.is64() { v } else { v & 0xffff_ffff };
            assert_eq!(run(&seq, size), want, "{v:#x} at {size:?}: {seq:?}");
            let chunks = if size.is64() { 4 } else { 2 };
            assert!(seq.len() <= chunks && !seq.is_empty(), "{v:#x}: {} instructions", seq.len());
        }
    }
    assert_eq!(Inst::load_constant(xreg(0), 0xffff_ffff_1234_ffff, OperandSize::S64).len(), 1, "movn");
    assert_eq!(Inst::load_constant(xreg(0), 0xffff_1234_5678_ffff, OperandSize::S64).len(), 2, "movn + movk");
}

fn adjust_total(seq: &[Inst]) -> i64 {
    seq.iter()
        .map(|i| match i {
            Inst::AdjustSp { amount } => *amount,
            _ => 0,
        })
        .sum()
}

#[test]
fn large_frames_are_probed_one_page_at_a_time() {
    for size in [16u32, 3968, 3984, 4096, 10000, 1 << 20] {
        let seq = Inst::gen_sp_sub(size, Some(4096));
        assert_eq!(adjust_total(&seq), -(size as i64));
        let probes = seq.iter().filter(|i| matches!(i, Inst::Store { rt, .. } if regs::is_zr(*rt))).count();
        let expected = if size > 4096 - 128 { size.div_ceil(4096) as usize } else { 0 };
        assert_eq!(probes, expected, "{size} bytes");
        assert!(seq.iter().all(|i| !matches!(i, Inst::AdjustSp { amount } if *amount < -4096)), "no step skips a page");
        assert_eq!(Inst::gen_sp_sub(size, None).len(), 1);
    }
    assert!(Inst::gen_sp_sub(0, Some(4096)).is_empty());
}

#[test]
fn the_prologue_saves_pairs_and_describes_every_save() {
    let saved = vec![xreg(19), xreg(20), xreg(21), vreg(8), vreg(9)];
    let f = layout(&FRAME, 32, 8, 2, saved.clone(), Some(4096));
    let prologue = Inst::gen_prologue(&f);
    let insts: Vec<Inst> = prologue.iter().filter_map(|i| i.inst().cloned()).collect();
    let text: Vec<String> = insts.iter().map(|i| i.print()).collect();
    assert_eq!(text[0], "stp x29, x30, [sp, #-16]!");
    assert_eq!(text[1], "mov x29, sp");
    assert!(text[2].starts_with("sub sp, sp, #"), "{text:?}");
    let pairs =
        insts.iter().filter(|i| matches!(i, Inst::StorePair { mem: PairAMode::SignedOffset { .. }, .. })).count();
    assert_eq!(pairs, 2, "x19+x20 and d8+d9 are stored in pairs: {text:?}");
    // Every saved register has a `Saved` event at its slot's offset from the CFA.
    let below_cfa = (16 + f.fixed_frame_size) as i32;
    for &(r, at) in &f.stored_saves {
        let dwarf = regs::dwarf_reg(r.to_preg().unwrap());
        let saved_at = prologue.iter().find_map(|i| match i {
            FrameItem::Unwind(UnwindInst::Saved { reg, offset }) if *reg == dwarf => Some(*offset),
            _ => None,
        });
        assert_eq!(saved_at, Some(at as i32 - below_cfa), "{r:?}");
    }
    let epilogue = Inst::gen_epilogue(&f);
    let restored = epilogue.iter().filter(|i| matches!(i, FrameItem::Unwind(UnwindInst::Restored { .. }))).count();
    assert_eq!(restored, saved.len() + 2, "every saved register, x29 and x30 are restored");
    let last = epilogue.iter().filter_map(|i| i.inst()).next_back().unwrap().print();
    assert_eq!(last, "ldp x29, x30, [sp], #16");
}
