//! The `MachInst` side of the s390x instruction: operand constraints (two-address forms,
//! the r2/r3 pair), constants built in registers (checked by evaluating the sequences),
//! SP adjustments and probes, and the prologue and epilogue with their unwind events.

use super::super::inst::args::*;
use super::super::inst::{FRAME, Inst, SAVE_AREA};
use super::super::regs::{self, fpr, gpr};
use crate::machinst::abi::frame::layout;
use crate::machinst::{FrameItem, MachInst, OperandCollector, Reg, RegClass, UnwindInst};
use regalloc2::{OperandConstraint, OperandKind};

fn vr(n: u32) -> Reg {
    Reg::virt(n, RegClass::Int)
}

fn operands(mut inst: Inst) -> Vec<regalloc2::Operand> {
    let mut c = OperandCollector::default();
    inst.visit_operands(&mut c);
    c.operands
}

#[test]
fn operand_constraints() {
    let agr = Inst::AluRR { op: AluRROp::Agr, rd: vr(2), ri: vr(0), rm: vr(1) };
    let ops = operands(agr);
    assert_eq!(ops[2].constraint(), OperandConstraint::Reuse(0), "agr's result is its first operand's register");
    let div = Inst::DivMod { op: DivOp::Dlgr, rem: vr(3), quot: vr(4), hi: Some(vr(0)), lo: vr(1), rn: vr(2) };
    let fixed: Vec<_> = operands(div).iter().map(|o| (o.kind(), o.constraint())).collect();
    let (r2, r3) = (regs::preg_r(2), regs::preg_r(3));
    assert_eq!(fixed[0], (OperandKind::Use, OperandConstraint::FixedReg(r2)));
    assert_eq!(fixed[1], (OperandKind::Use, OperandConstraint::FixedReg(r3)));
    assert_eq!(fixed[3], (OperandKind::Def, OperandConstraint::FixedReg(r2)));
    assert_eq!(fixed[4], (OperandKind::Def, OperandConstraint::FixedReg(r3)));
    let signed = Inst::DivMod { op: DivOp::Dsgr, rem: vr(3), quot: vr(4), hi: None, lo: vr(1), rn: vr(2) };
    assert_eq!(operands(signed).len(), 4, "dsgr does not read the even register");
    // Physical registers (r15, r0) are not operands.
    let load = Inst::Load { op: LoadOp::Lg, rd: vr(0), mem: MemArg::SpOffset { offset: 8 }, trap: None };
    assert_eq!(operands(load).len(), 1);
    let ind = Inst::ReturnCallInd { rn: vr(0), uses: vec![] };
    assert_eq!(operands(ind)[0].constraint(), OperandConstraint::FixedReg(regs::preg_r(5)));
    let ind = Inst::ReturnCallInd { rn: vr(0), uses: vec![(vr(1), regs::preg_r(5)), (vr(2), regs::preg_r(4))] };
    assert_eq!(operands(ind)[0].constraint(), OperandConstraint::FixedReg(regs::preg_r(3)));
}

/// The value a `load_constant` sequence leaves in its register, by the Principles of
/// Operation's semantics of each instruction.
fn run(seq: &[Inst]) -> u64 {
    let mut r = 0xdead_beef_dead_beefu64;
    for i in seq {
        r = match *i {
            Inst::LoadImm { op: LoadImmOp::Lghi, imm, .. } => imm as u16 as i16 as i64 as u64,
            Inst::LoadImm { op: LoadImmOp::Lgfi, imm, .. } => imm as i32 as i64 as u64,
            Inst::LoadImm { op: LoadImmOp::Llilf, imm, .. } => imm as u64,
            Inst::LoadImm { op: LoadImmOp::Llihf, imm, .. } => (imm as u64) << 32,
            Inst::AluImm { op: ImmOp::Iilf, imm, .. } => (r & !0xffff_ffff) | imm as u64,
            ref other => panic!("unexpected {other:?} in a constant sequence"),
        };
    }
    r
}

#[test]
fn constants_are_built_exactly_and_briefly() {
    let mut values = vec![
        0u64,
        1,
        0x7fff,
        0x8000,
        0xffff,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        u64::MAX,
        0x1234_5678_9abc_def0,
        0x8000_0000_0000_0001,
        0x0000_1234_0000_0000,
        i64::MIN as u64,
        (i32::MIN as i64 - 1) as u64,
    ];
    for b in 0..64 {
        values.extend([1u64 << b, (1u64 << b).wrapping_sub(1), !(1u64 << b)]);
    }
    for v in values {
        let seq = Inst::load_constant(regs::scratch(), v);
        assert_eq!(run(&seq), v, "{v:#x}: {seq:?}");
        assert!(!seq.is_empty() && seq.len() <= 2, "{v:#x}: {} instructions", seq.len());
    }
    assert_eq!(Inst::load_constant(gpr(2), (-5i64) as u64).len(), 1, "lghi");
    assert_eq!(Inst::load_constant(gpr(2), 0xffff_ffff).len(), 1, "llilf");
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
    for size in [16u32, 3968, 3976, 4096, 10000, 1 << 20] {
        let seq = Inst::gen_sp_sub(size, Some(4096));
        assert_eq!(adjust_total(&seq), -(size as i64));
        let probes = seq.iter().filter(|i| matches!(i, Inst::Store { .. })).count();
        let expected = if size > 4096 - 128 { size.div_ceil(4096) as usize } else { 0 };
        assert_eq!(probes, expected, "{size} bytes");
        assert!(seq.iter().all(|i| !matches!(i, Inst::AdjustSp { amount } if *amount < -4096)), "no step skips a page");
        assert_eq!(Inst::gen_sp_sub(size, None).len(), 1);
    }
    assert!(Inst::gen_sp_sub(0, Some(4096)).is_empty());
}

fn text(items: &[FrameItem<Inst>]) -> Vec<String> {
    items.iter().filter_map(|i| i.inst()).map(|i| i.print()).collect()
}

fn saved_at(items: &[FrameItem<Inst>], r: Reg) -> Option<i32> {
    let dwarf = regs::dwarf_reg(r.to_preg().unwrap());
    items.iter().find_map(|i| match i {
        FrameItem::Unwind(UnwindInst::Saved { reg, offset }) if *reg == dwarf => Some(*offset),
        _ => None,
    })
}

#[test]
fn the_prologue_saves_into_the_callers_area_and_describes_every_save() {
    let saved = vec![gpr(7), gpr(9), fpr(8), fpr(15)];
    let f = layout(&FRAME, 160, 8, 2, saved, Some(4096));
    let prologue = Inst::gen_prologue(&f);
    let t = text(&prologue);
    assert_eq!(t[0], "stmg %r7, %r15, 56(%r15)", "from the lowest saved register to r15");
    assert_eq!(t[1], format!("aghi %r15, -{}", f.fixed_frame_size));
    let cfa = UnwindInst::CfaSp { offset: SAVE_AREA + f.fixed_frame_size };
    assert!(prologue.iter().any(|i| matches!(i, FrameItem::Unwind(u) if *u == cfa)));
    // r`N` sits at CFA - 160 + 8N; r14 (the return address) too.
    for n in [7u8, 8, 9, 14, 15] {
        assert_eq!(saved_at(&prologue, gpr(n)), Some(8 * n as i32 - 160), "r{n}");
    }
    let below_cfa = (SAVE_AREA + f.fixed_frame_size) as i32;
    for &(r, at) in &f.stored_saves {
        assert_eq!(saved_at(&prologue, r), Some(at as i32 - below_cfa), "{r:?}");
    }
    let epilogue = Inst::gen_epilogue(&f);
    let t = text(&epilogue);
    assert_eq!(t.last().unwrap(), &format!("lmg %r7, %r15, {}(%r15)", f.fixed_frame_size + 56));
    let restored = epilogue.iter().filter(|i| matches!(i, FrameItem::Unwind(UnwindInst::Restored { .. }))).count();
    assert_eq!(restored, 2 + 9, "f8, f15 and r7..r15");
    assert!(matches!(epilogue.last(), Some(FrameItem::Unwind(UnwindInst::CfaSp { offset: 160 }))));
}

#[test]
fn a_leaf_without_a_frame_saves_only_what_it_writes() {
    let f = layout(&FRAME, 0, 0, 0, vec![], None);
    assert!(Inst::gen_prologue(&f).is_empty() && Inst::gen_epilogue(&f).is_empty());
    let f = layout(&FRAME, 0, 0, 0, vec![gpr(6), gpr(8)], None);
    assert_eq!(f.fixed_frame_size, 0);
    assert_eq!(text(&Inst::gen_prologue(&f)), ["stmg %r6, %r8, 48(%r15)"]);
    assert_eq!(text(&Inst::gen_epilogue(&f)), ["lmg %r6, %r8, 48(%r15)"]);
}

#[test]
fn a_huge_frame_raises_sp_before_reloading() {
    let f = layout(&FRAME, 160, 1 << 20, 0, vec![], None);
    let t = text(&Inst::gen_epilogue(&f));
    assert_eq!(t.last().unwrap(), "lmg %r14, %r15, 112(%r15)");
    assert!(t[0].starts_with("agfi %r15, "), "{t:?}");
}
