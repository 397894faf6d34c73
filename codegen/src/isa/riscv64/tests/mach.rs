//! The `MachInst` side of the riscv64 instruction: operand constraints, constants built
//! in registers (checked by evaluating the sequences), SP adjustments and probes, and the
//! prologue and epilogue with their unwind events.

use super::super::inst::args::*;
use super::super::inst::{FRAME, Inst};
use super::super::regs::{self, freg, xreg};
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
fn operand_constraints() {
    let sc = Inst::StoreConditional { width: AmoWidth::W, order: AmoOrder::AcqRel, rd: vr(2), addr: vr(0), src: vr(1) };
    let ops = operands(sc);
    assert_eq!((ops[2].kind(), ops[2].pos()), (OperandKind::Def, OperandPos::Early), "sc's status is an early def");
    // Physical registers (sp, zero) are not operands.
    let load = Inst::Load { op: LoadOp::Ld, rd: vr(0), mem: AMode::SpOffset { offset: 8 }, trap: None };
    assert_eq!(operands(load).len(), 1);
    let kind = CondBrKind { op: BranchOp::Beq, rs1: vr(0), rs2: regs::zero() };
    assert_eq!(operands(Inst::TrapIf { kind, code: crate::ir::TrapCode::HeapOutOfBounds }).len(), 1);
    let ind = Inst::ReturnCallInd { rs: vr(0), uses: vec![] };
    assert_eq!(operands(ind)[0].constraint(), OperandConstraint::FixedReg(regs::preg_x(6)));
}

/// The value a `load_constant` sequence leaves in its register, evaluated by the ISA
/// manual's semantics of each instruction.
fn run(seq: &[Inst]) -> u64 {
    let mut r = 0u64;
    for i in seq {
        r = match *i {
            Inst::AluRRImm12 { op: ImmOp::Addi, rs1, imm, .. } if regs::is_zero(rs1) => imm as i64 as u64,
            Inst::AluRRImm12 { op: ImmOp::Addi, imm, .. } => r.wrapping_add(imm as i64 as u64),
            Inst::AluRRImm12 { op: ImmOp::Addiw, imm, .. } => (r as u32).wrapping_add(imm as i32 as u32) as i32 as u64,
            Inst::Lui { imm, .. } => ((imm << 12) as i32) as i64 as u64,
            Inst::ShiftImm { op: ShiftOp::Slli, shamt, .. } => r << shamt,
            Inst::LoadConst { op: LoadOp::Ld, bits, .. } => bits,
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
        2047,
        2048,
        0xfff,
        0x7fff_f800,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        u64::MAX,
        0x5555_5555_5555_5555,
        0x1234_5678_9abc_def0,
        0x8000_0000_0000_0001,
        0x0000_1234_0000_0000,
        (-4096i64) as u64,
        i64::MIN as u64,
        (i32::MIN as i64) as u64,
        (i32::MIN as i64 - 1) as u64,
    ];
    // A sweep of single bits and their neighbours.
    for b in 0..64 {
        values.extend([1u64 << b, (1u64 << b).wrapping_sub(1), !(1u64 << b)]);
    }
    for v in values {
        let seq = Inst::load_constant(xreg(31), v);
        assert_eq!(run(&seq), v, "{v:#x}: {seq:?}");
        assert!(!seq.is_empty() && seq.len() <= 4, "{v:#x}: {} instructions", seq.len());
    }
    assert_eq!(Inst::load_constant(xreg(5), 0x7fff_ffff).len(), 2, "lui + addiw");
    assert_eq!(Inst::load_constant(xreg(5), 1 << 40).len(), 2, "li + slli");
    assert!(matches!(Inst::load_constant(xreg(5), 0x1234_5678_9abc_def0)[..], [Inst::LoadConst { .. }]));
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
        let probes = seq.iter().filter(|i| matches!(i, Inst::Store { src, .. } if regs::is_zero(*src))).count();
        let expected = if size > 4096 - 128 { size.div_ceil(4096) as usize } else { 0 };
        assert_eq!(probes, expected, "{size} bytes");
        assert!(seq.iter().all(|i| !matches!(i, Inst::AdjustSp { amount } if *amount < -4096)), "no step skips a page");
        assert_eq!(Inst::gen_sp_sub(size, None).len(), 1);
    }
    assert!(Inst::gen_sp_sub(0, Some(4096)).is_empty());
}

#[test]
fn the_prologue_sets_up_the_frame_record_and_describes_every_save() {
    let saved = vec![xreg(9), xreg(18), xreg(27), freg(8), freg(9)];
    let f = layout(&FRAME, 32, 8, 2, saved.clone(), Some(4096));
    let prologue = Inst::gen_prologue(&f);
    let text: Vec<String> = prologue.iter().filter_map(|i| i.inst()).map(|i| i.print()).collect();
    assert_eq!(text[..4], ["addi sp, sp, -16", "sd ra, 8(sp)", "sd s0, 0(sp)", "addi s0, sp, 16"]);
    let cfa_fp = UnwindInst::CfaFp { reg: regs::dwarf_reg(regs::preg_x(8)), offset: 0 };
    assert!(prologue.iter().any(|i| matches!(i, FrameItem::Unwind(u) if *u == cfa_fp)), "the CFA is s0 + 0");
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
    assert_eq!(restored, saved.len() + 2, "every saved register, ra and s0 are restored");
    let last = epilogue.iter().filter_map(|i| i.inst()).next_back().unwrap().print();
    assert_eq!(last, "addi sp, sp, 16");
}

/// The trait's default push and pop (riscv64 has no push instruction): SP lowered by 8
/// and the register stored at 0(sp), then the reverse, for both register classes.
#[test]
fn push_and_pop_are_sp_adjustments_around_a_store() {
    let print = |seq: Vec<Inst>| seq.iter().map(|i| i.print()).collect::<Vec<_>>();
    assert_eq!(print(Inst::gen_push(xreg(9))), ["addi sp, sp, -8", "sd s1, 0(sp)"]);
    assert_eq!(print(Inst::gen_pop(xreg(9))), ["ld s1, 0(sp)", "addi sp, sp, 8"]);
    assert_eq!(print(Inst::gen_push(freg(8))), ["addi sp, sp, -8", "fsd fs0, 0(sp)"]);
    assert_eq!(print(Inst::gen_pop(freg(8))), ["fld fs0, 0(sp)", "addi sp, sp, 8"]);
}
