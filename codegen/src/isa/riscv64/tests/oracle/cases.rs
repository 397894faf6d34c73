//! The oracle's cases: every `Inst` variant, each operation of every family, with a
//! spread of registers (including zero, sp, the compressible x8..x15 and the last ones)
//! and immediates at their edges, and the forms the `MachInst` hooks and the
//! pseudo-instructions expand to.

use super::super::super::inst::args::*;
use super::super::super::inst::{Inst, imms::fli_index};
use super::super::super::regs::{self, freg, sp, xreg, zero};
use crate::ir::{CallConv, ExternalName, TrapCode};
use crate::machinst::{FrameItem, MachInst, MachLabel, Reg, RegClass};

/// Integer registers to cycle through: argument, temporary, saved, compressible (x8..x15)
/// and high ones.
const GPRS: [u8; 12] = [10, 11, 9, 5, 27, 29, 17, 18, 8, 28, 15, 1];

fn g(k: usize) -> Reg {
    xreg(GPRS[k % GPRS.len()])
}
fn v(k: usize) -> Reg {
    freg([10u8, 11, 8, 0, 31, 27, 17, 9, 15][k % 9])
}

fn alu(out: &mut Vec<Inst>) {
    for &op in AluOp::ALL {
        for k in 0..4 {
            out.push(Inst::AluRRR { op, rd: g(k), rs1: g(k + 1), rs2: g(k + 2) });
        }
        // rd == rs1 (the compressed forms' shape), x8..x15 and zero operands (aliases).
        out.push(Inst::AluRRR { op, rd: xreg(8), rs1: xreg(8), rs2: xreg(9) });
        out.push(Inst::AluRRR { op, rd: xreg(10), rs1: xreg(10), rs2: xreg(31) });
        out.push(Inst::AluRRR { op, rd: xreg(12), rs1: zero(), rs2: xreg(13) });
        out.push(Inst::AluRRR { op, rd: xreg(14), rs1: xreg(15), rs2: zero() });
    }
    for &op in ImmOp::ALL {
        for (k, imm) in [-2048i16, -33, -32, -1, 0, 1, 31, 32, 255, 2047].into_iter().enumerate() {
            out.push(Inst::AluRRImm12 { op, rd: g(k), rs1: g(k + 3), imm });
            out.push(Inst::AluRRImm12 { op, rd: g(k), rs1: g(k), imm });
            out.push(Inst::AluRRImm12 { op, rd: g(k + 1), rs1: zero(), imm });
            out.push(Inst::AluRRImm12 { op, rd: xreg(9), rs1: xreg(9), imm });
        }
    }
    // The stack-pointer forms of addi (c.addi16sp, c.addi4spn) and nop.
    for imm in [-512i16, -16, 16, 496, 4, 1020, 1024, 8] {
        out.push(Inst::AluRRImm12 { op: ImmOp::Addi, rd: sp(), rs1: sp(), imm });
        out.push(Inst::AluRRImm12 { op: ImmOp::Addi, rd: xreg(10), rs1: sp(), imm });
    }
    out.push(Inst::AluRRImm12 { op: ImmOp::Addi, rd: zero(), rs1: zero(), imm: 0 });
    for &op in ShiftOp::ALL {
        let max = (1u8 << op.enc().3) - 1;
        for (k, shamt) in [0u8, 1, 17, max].into_iter().enumerate() {
            out.push(Inst::ShiftImm { op, rd: g(k), rs1: g(k + 5), shamt });
            out.push(Inst::ShiftImm { op, rd: xreg(13), rs1: xreg(13), shamt });
            out.push(Inst::ShiftImm { op, rd: xreg(31), rs1: xreg(31), shamt });
        }
    }
    for &op in UnaryOp::ALL {
        for k in 0..4 {
            out.push(Inst::AluRR { op, rd: g(k), rs1: g(k + 7) });
        }
    }
    for (k, imm) in [0u32, 1, 0x1f, 0x20, 0x8_0000, 0xf_ffe0, 0xf_ffff, 0x1_2345].into_iter().enumerate() {
        out.push(Inst::Lui { rd: g(k), imm });
        out.push(Inst::Auipc { rd: g(k + 1), imm });
    }
    out.push(Inst::Lui { rd: sp(), imm: 1 });
    for (k, value) in [
        0u64,
        2047,
        2048,
        u64::MAX,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1234_5678_9abc_def0,
        1 << 63,
        0x0000_1234_0000_0000,
        (-4096i64) as u64,
    ]
    .into_iter()
    .enumerate()
    {
        out.extend(Inst::load_constant(g(k), value));
    }
}

fn memory(out: &mut Vec<Inst>) {
    let amodes = |log2: u32| {
        let mut m = Vec::new();
        for (k, base) in [xreg(10), sp(), xreg(8), xreg(15), xreg(30)].into_iter().enumerate() {
            for offset in [-2048i16, -8, 0, 8 << (log2 & 1), 124, 248, 504, 1 << log2, 2047] {
                m.push(AMode::RegOffset { base, offset });
            }
            m.push(AMode::BaseOffset { base, offset: [0x1_2345, -0x800, 0x7fff_f7ff, 1 << 40, -(1 << 33)][k] });
        }
        for offset in [0i64, 8, 2047, 2048, 4096, 0x12_3456, 1 << 33] {
            m.push(AMode::SpOffset { offset });
        }
        for offset in [0u32, 4, 16, 5000] {
            m.push(AMode::StackSlot { offset });
            m.push(AMode::IncomingArg { offset });
        }
        m
    };
    for (k, &op) in LoadOp::ALL.iter().enumerate() {
        for (j, mem) in amodes(op.size_log2()).into_iter().enumerate() {
            let rd = if op.is_fp() { v(j + k) } else { g(j + k) };
            let trap = (j % 3 == 0).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::Load { op, rd, mem, trap });
        }
    }
    for (k, &op) in StoreOp::ALL.iter().enumerate() {
        for (j, mem) in amodes(op.size_log2()).into_iter().enumerate() {
            let src = match (op.is_fp(), j % 7) {
                (true, _) => v(j + k),
                (false, 0) => zero(),
                (false, _) => g(j + k),
            };
            let trap = (j % 3 == 1).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::Store { op, src, mem, trap });
        }
    }
    for k in 0..4 {
        let names = [ExternalName::TestCase("foo".into()), ExternalName::User { namespace: 0, index: 3 }];
        for (j, offset) in [0i64, 16, -8].into_iter().enumerate() {
            out.push(Inst::LoadAddr { rd: g(k + j), name: names[(k + j) % 2].clone(), offset });
        }
        out.push(Inst::LoadGotAddr { rd: g(k), name: names[k % 2].clone() });
        out.push(Inst::LoadLabelAddr { rd: g(k), label: MachLabel(k as u32) });
        for (j, op) in [LoadOp::Lw, LoadOp::Ld, LoadOp::Flw, LoadOp::Fld].into_iter().enumerate() {
            let rd = if op.is_fp() { v(k + j) } else { g(k + j) };
            out.push(Inst::LoadConst { op, rd, bits: 0x0123_4567_89ab_cdef });
        }
    }
    for width in AmoWidth::ALL {
        for (k, order) in AmoOrder::ALL.into_iter().enumerate() {
            out.push(Inst::LoadReserved { width, order, rd: g(k), addr: g(k + 1) });
            out.push(Inst::StoreConditional { width, order, rd: g(k + 2), addr: g(k + 3), src: g(k + 4) });
            out.push(Inst::StoreConditional { width, order, rd: g(k), addr: sp(), src: zero() });
            for (j, &op) in AmoOp::ALL.iter().enumerate() {
                out.push(Inst::Amo { op, width, order, rd: g(j + k), addr: g(j + k + 1), src: g(j) });
                out.push(Inst::Amo { op, width, order, rd: zero(), addr: xreg(31), src: zero() });
            }
        }
    }
    for (pred, succ) in [(0xf, 0xf), (3, 3), (1, 2), (8, 4), (2, 1), (0xf, 3)] {
        out.push(Inst::Fence { pred, succ });
    }
}

fn float(out: &mut Vec<Inst>) {
    for size in FpSize::ALL {
        for (k, frm) in Frm::ALL.into_iter().enumerate() {
            let (d, a, b, c) = (v(k), v(k + 1), v(k + 2), v(k + 3));
            for &op in FpuOp2::ALL {
                out.push(Inst::FpuRRR { op, size, frm, rd: d, rs1: a, rs2: b });
                out.push(Inst::FpuRRR { op, size, frm, rd: d, rs1: c, rs2: c });
            }
            for &op in FpuOp1::ALL {
                out.push(Inst::FpuRR { op, size, frm, rd: d, rs1: a });
            }
            for &op in FpuOp3::ALL {
                out.push(Inst::FpuRRRR { op, size, frm, rd: d, rs1: a, rs2: b, rs3: c });
            }
            for &op in FpuCmpOp::ALL {
                out.push(Inst::FpuCmp { op, size, rd: g(k), rs1: a, rs2: b });
            }
            out.push(Inst::FpuClass { size, rd: g(k + 1), rs1: c });
            for &int in IntWidth::ALL {
                out.push(Inst::FpuToInt { size, int, frm, rd: g(k + 2), rs1: b });
                let exact = super::super::super::print::int_to_fp_is_exact(size, int);
                let frm = if exact { Frm::Rne } else { frm };
                out.push(Inst::IntToFpu { size, int, frm, rd: v(k + 4), rs1: g(k + 3) });
            }
            out.push(Inst::FmvToInt { size, rd: g(k), rs1: v(k + 5) });
            out.push(Inst::FmvFromInt { size, rd: v(k + 6), rs1: g(k + 4) });
        }
        out.push(Inst::FmvFromInt { size, rd: v(1), rs1: zero() });
        for index in [0u8, 1, 2, 12, 16, 29, 30, 31] {
            out.push(Inst::Fli { size, rd: v(index as usize), index });
        }
    }
    for frm in Frm::ALL {
        out.push(Inst::FpuCvt { from: FpSize::D, frm, rd: v(1), rs1: v(2) });
    }
    out.push(Inst::FpuCvt { from: FpSize::S, frm: Frm::Rne, rd: v(3), rs1: v(4) });
    for k in 0..4 {
        out.push(Inst::FcvtModWD { rd: g(k), rs1: v(k + 1) });
    }
    let one = fli_index(1.0f64.to_bits(), false).expect("1.0 has an fli index");
    out.push(Inst::Fli { size: FpSize::D, rd: v(0), index: one });
}

fn control(out: &mut Vec<(Inst, Option<MachLabel>)>) {
    let mut kinds = Vec::new();
    for (k, &op) in BranchOp::ALL.iter().enumerate() {
        kinds.push(CondBrKind { op, rs1: g(k), rs2: g(k + 1) });
        kinds.push(CondBrKind { op, rs1: xreg(9), rs2: zero() });
        kinds.push(CondBrKind { op, rs1: xreg(31), rs2: zero() });
        if !matches!(op, BranchOp::Beq | BranchOp::Bne) {
            kinds.push(CondBrKind { op, rs1: zero(), rs2: g(k + 2) });
        }
    }
    for &kind in &kinds {
        for (taken, not_taken) in [(1, 2), (2, 1), (0, 3), (3, 0)] {
            let inst = Inst::CondBr { kind, taken: MachLabel(taken), not_taken: MachLabel(not_taken) };
            for next in [None, Some(MachLabel(1))] {
                out.push((inst.clone(), next));
            }
        }
        out.push((Inst::TrapIf { kind, code: TrapCode::IntegerDivisionByZero }, None));
    }
    for l in 0..4 {
        for next in [None, Some(MachLabel(1))] {
            out.push((Inst::Jump { target: MachLabel(l) }, next));
        }
    }
}

fn calls_and_misc(out: &mut Vec<Inst>) {
    let clobbers = regs::caller_saved_set();
    for callee in [ExternalName::TestCase("foo".into()), ExternalName::User { namespace: 1, index: 7 }] {
        let uses = vec![(xreg(10), regs::preg_x(10))];
        let defs = vec![(xreg(10), regs::preg_x(10))];
        out.push(Inst::Call { callee: callee.clone(), uses: uses.clone(), defs, clobbers });
        out.push(Inst::ReturnCall { callee, uses });
    }
    for k in 0..5 {
        out.push(Inst::CallInd { rs: g(k), uses: vec![], defs: vec![], clobbers });
        for (rd, offset) in [(zero(), 0i16), (regs::ra(), 0), (g(k + 2), 0), (zero(), -2048), (regs::ra(), 2047)] {
            out.push(Inst::Jalr { rd, base: g(k + 1), offset });
        }
    }
    out.push(Inst::Jalr { rd: zero(), base: regs::ra(), offset: 0 });
    out.push(Inst::ReturnCallInd { rs: xreg(6), uses: vec![] });
    out.push(Inst::Ret { rets: vec![] });
    out.push(Inst::Ret { rets: vec![(xreg(10), regs::preg_x(10)), (xreg(11), regs::preg_x(11))] });
    out.push(Inst::Args { args: vec![(Reg::virt(0, RegClass::Int), regs::preg_x(10))], call_conv: CallConv::SystemV });
    for code in
        [TrapCode::StackOverflow, TrapCode::HeapOutOfBounds, TrapCode::BadConversionToInteger, TrapCode::User(250)]
    {
        out.push(Inst::Udf { code });
    }
    out.push(Inst::Ebreak);
    out.push(Inst::Nop);
    for amount in [16i64, -16, 2047, -2048, 2048, 0x12_3456, -0xff_ffff, -(1 << 32), 0x1234_5678_9abc] {
        out.push(Inst::AdjustSp { amount });
    }
    for op in super::super::super::inst::atomic::AtomicLoopOp::ALL {
        for bits in [8u8, 16, 32, 64] {
            let (addr, src, expected) =
                (g(1), g(2), if op == super::super::super::inst::atomic::AtomicLoopOp::Cas { g(3) } else { zero() });
            for big in [false, true] {
                let (old, t1, t2, t3, t4) = (g(4), g(5), g(6), g(7), g(8));
                out.push(Inst::AtomicLoop { op, bits, big, addr, src, expected, old, t1, t2, t3, t4 });
            }
        }
    }
    for (bits, signed) in [(8, false), (8, true), (16, false), (16, true), (32, false), (32, true)] {
        out.push(Inst::Extend { rd: g(1), rs: g(2), bits, signed });
    }
    for mem in [
        AMode::RegOffset { base: g(3), offset: -8 },
        AMode::BaseOffset { base: g(3), offset: 0x12345 },
        AMode::SpOffset { offset: 16 },
        AMode::StackSlot { offset: 8 },
        AMode::IncomingArg { offset: 4096 },
    ] {
        out.push(Inst::Lea { rd: g(1), mem });
    }
    // The allocator's moves, spills and reloads, and a frame's prologue and epilogue.
    for k in 0..5 {
        let offset = [0u32, 8, 2040, 2048, 1 << 20][k];
        out.push(Inst::gen_spill(offset, g(k), RegClass::Int));
        out.push(Inst::gen_reload(g(k + 1), offset, RegClass::Int));
        out.push(Inst::gen_spill(offset, v(k), RegClass::Float));
        out.push(Inst::gen_reload(v(k + 1), offset, RegClass::Float));
        out.push(Inst::gen_move(g(k), g(k + 2), RegClass::Int));
        out.push(Inst::gen_move(v(k), v(k + 2), RegClass::Float));
    }
    let f = super::frame();
    out.extend(Inst::gen_prologue(&f).into_iter().filter_map(FrameItem::into_inst));
    out.extend(Inst::gen_epilogue(&f).into_iter().filter_map(FrameItem::into_inst));
    for size in [100u32, 4096, 5000, 70000, 1 << 25] {
        out.extend(Inst::gen_sp_sub(size, Some(4096)));
        out.extend(Inst::gen_sp_sub(size, None));
        out.push(Inst::gen_sp_add(size));
    }
}

/// Every case, with the next block its emission assumes.
pub(super) fn cases() -> Vec<(Inst, Option<MachLabel>)> {
    let mut v = Vec::new();
    alu(&mut v);
    memory(&mut v);
    float(&mut v);
    calls_and_misc(&mut v);
    let mut out: Vec<(Inst, Option<MachLabel>)> = v.into_iter().map(|i| (i, None)).collect();
    control(&mut out);
    out
}
