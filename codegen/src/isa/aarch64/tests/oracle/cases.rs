//! The oracle's table: instances of every `Inst` variant with a spread of registers
//! (x0, x1, x17, x28, x30, and sp or the zero register where a field takes one), immediates
//! at their limits and bitmask patterns of every element size, each with the aliases the
//! printer chooses among.

use super::super::super::inst::Inst;
use super::super::super::inst::args::*;
use super::super::super::inst::imms::*;
use super::super::super::regs::{self, sp, vreg, xreg, zr};
use crate::ir::{CallConv, ExternalName, TrapCode};
use crate::machinst::{FrameItem, MachInst, MachLabel, Reg};

const GPRS: [u8; 5] = [0, 1, 17, 28, 30];
const FPRS: [u8; 4] = [0, 1, 15, 31];

fn g(k: usize) -> Reg {
    xreg(GPRS[k % GPRS.len()])
}
fn v(k: usize) -> Reg {
    vreg(FPRS[k % FPRS.len()])
}

use OperandSize::{S32, S64};

fn alu(out: &mut Vec<Inst>) {
    for op in AluOp::ALL {
        for size in OperandSize::ALL {
            if op.only64() && size == S32 {
                continue;
            }
            for k in 0..5 {
                out.push(Inst::AluRRR { op, size, rd: g(k), rn: g(k + 1), rm: g(k + 2) });
            }
            for (rd, rn, rm) in [(zr(), g(1), g(2)), (g(0), zr(), g(3)), (g(4), g(2), zr()), (zr(), zr(), g(1))] {
                out.push(Inst::AluRRR { op, size, rd, rn, rm });
            }
            if !(op.is_arith() || op.is_logical()) {
                continue;
            }
            for (k, sop) in ShiftOp::ALL.into_iter().enumerate() {
                if sop == ShiftOp::Ror && !op.is_logical() {
                    continue;
                }
                for amt in [0, 1, size.bits() as u8 - 1] {
                    let shift = ShiftOpAndAmt { op: sop, amt };
                    out.push(Inst::AluRRRShift { op, size, rd: g(k), rn: g(k + 3), rm: g(k + 1), shift });
                    out.push(Inst::AluRRRShift { op, size, rd: zr(), rn: g(k), rm: g(k + 2), shift });
                    out.push(Inst::AluRRRShift { op, size, rd: g(k + 1), rn: zr(), rm: g(k), shift });
                }
            }
            if !op.is_arith() {
                continue;
            }
            let dest_sp = matches!(op, AluOp::Add | AluOp::Sub);
            for (k, extend) in ExtendOp::ALL.into_iter().enumerate() {
                for amount in [0, 2, 4] {
                    out.push(Inst::AluRRRExtend { op, size, rd: g(k), rn: g(k + 1), rm: g(k + 2), extend, amount });
                    out.push(Inst::AluRRRExtend { op, size, rd: g(k + 3), rn: sp(), rm: g(k), extend, amount });
                    let rd = if dest_sp { sp() } else { zr() };
                    out.push(Inst::AluRRRExtend { op, size, rd, rn: g(k + 4), rm: g(k + 1), extend, amount });
                    out.push(Inst::AluRRRExtend { op, size, rd, rn: sp(), rm: zr(), extend, amount });
                }
            }
            for (k, value) in [0u64, 1, 0xfff, 0x1000, 0xfff000, 0x123000].into_iter().enumerate() {
                let imm = Imm12::maybe_from_u64(value).expect("encodable");
                out.push(Inst::AluRRImm12 { op, size, rd: g(k), rn: g(k + 2), imm });
                out.push(Inst::AluRRImm12 { op, size, rd: g(k), rn: sp(), imm });
                let rd = if dest_sp { sp() } else { zr() };
                out.push(Inst::AluRRImm12 { op, size, rd, rn: g(k + 1), imm });
                out.push(Inst::AluRRImm12 { op, size, rd, rn: sp(), imm });
            }
        }
    }
    let patterns: [u64; 16] = [
        0xff,
        1,
        0x5555_5555_5555_5555,
        0x8000_0000_0000_0000,
        0xffff,
        0xffff_0000,
        0xffff_ffff_ffff_fffe,
        0x00ff_00ff_00ff_00ff,
        0x7fff_ffff_ffff_ffff,
        0x0000_ffff_0000_ffff,
        0xffff_0000_0000_0000,
        0xffff_ffff_0000_ffff,
        0x3333_3333_3333_3333,
        0x0f0f_0f0f_0f0f_0f0f,
        0xfffe_0000_0000_0001,
        0x0000_0fff_f000_0000,
    ];
    for op in [AluOp::And, AluOp::Orr, AluOp::Eor, AluOp::Ands] {
        for size in OperandSize::ALL {
            for (k, &p) in patterns.iter().enumerate() {
                let Some(imm) = ImmLogic::maybe_from_u64(p, size) else { continue };
                out.push(Inst::AluRRImmLogic { op, size, rd: g(k), rn: g(k + 1), imm });
                out.push(Inst::AluRRImmLogic { op, size, rd: g(k + 2), rn: zr(), imm });
                let rd = if op == AluOp::Ands { zr() } else { sp() };
                out.push(Inst::AluRRImmLogic { op, size, rd, rn: g(k), imm });
            }
        }
    }
    for op in AluOp3::ALL {
        for size in OperandSize::ALL {
            if op.is_widening() && size == S32 {
                continue;
            }
            for k in 0..5 {
                out.push(Inst::AluRRRR { op, size, rd: g(k), rn: g(k + 1), rm: g(k + 2), ra: g(k + 3) });
                out.push(Inst::AluRRRR { op, size, rd: g(k), rn: g(k + 4), rm: g(k + 1), ra: zr() });
            }
        }
    }
    for op in BitOp::ALL {
        for size in OperandSize::ALL {
            if op == BitOp::Rev32 && size == S32 {
                continue;
            }
            for k in 0..5 {
                out.push(Inst::BitRR { op, size, rd: g(k), rn: g(k + 2) });
            }
        }
    }
}

fn moves_and_bitfields(out: &mut Vec<Inst>) {
    for size in OperandSize::ALL {
        let halves = if size.is64() { 4 } else { 2 };
        for (k, bits) in [0u16, 1, 0x8000, 0xffff, 0x1234].into_iter().enumerate() {
            for shift in 0..halves {
                let imm = MoveWideConst { bits, shift };
                for op in [MoveWideOp::MovZ, MoveWideOp::MovN] {
                    out.push(Inst::MovWide { op, size, rd: g(k + shift as usize), imm });
                }
                let r = g(k + 1);
                out.push(Inst::MovK { size, rd: r, rn: r, imm });
            }
        }
        for k in 0..5 {
            out.push(Inst::Mov { size, rd: g(k), rm: g(k + 1) });
        }
        out.push(Inst::Mov { size, rd: g(2), rm: zr() });
        let top = size.bits() as u8 - 1;
        let pairs =
            [(3, top), (0, top), (top, top - 1), (1, 0), (10, 3), (3, 10), (0, 7), (0, 15), (0, 31), (0, 0), (5, 5)];
        for op in [BitfieldOp::Sbfm, BitfieldOp::Ubfm] {
            for (k, &(immr, imms)) in pairs.iter().enumerate() {
                if imms > top {
                    continue;
                }
                out.push(Inst::Bitfield { op, size, rd: g(k), rn: g(k + 1), immr, imms });
            }
        }
        for (k, &(immr, imms)) in [(10u8, 3u8), (3, 10), (0, 0), (1, 0), (0, top), (top, top)].iter().enumerate() {
            let r = g(k);
            out.push(Inst::Bfm { size, rd: r, ri: r, rn: g(k + 2), immr, imms });
        }
        for (k, lsb) in [0u8, 1, top].into_iter().enumerate() {
            out.push(Inst::Extr { size, rd: g(k), rn: g(k + 1), rm: g(k + 2), lsb });
            out.push(Inst::Extr { size, rd: g(k + 3), rn: g(k), rm: g(k), lsb });
        }
        for op in CSelOp::ALL {
            for (k, cond) in Cond::ALL.into_iter().enumerate() {
                out.push(Inst::CSel { op, size, rd: g(k), rn: g(k + 1), rm: g(k + 2), cond });
                out.push(Inst::CSel { op, size, rd: g(k), rn: g(k + 3), rm: g(k + 3), cond });
                out.push(Inst::CSel { op, size, rd: g(k + 1), rn: zr(), rm: zr(), cond });
            }
        }
        for op in [CCmpOp::Ccmp, CCmpOp::Ccmn] {
            for (k, cond) in [Cond::Eq, Cond::Ne, Cond::Lt, Cond::Hi, Cond::Al].into_iter().enumerate() {
                for (rhs, nzcv) in [(CCmpRhs::Reg(g(k + 1)), 0), (CCmpRhs::Imm(0), 15), (CCmpRhs::Imm(31), 6)] {
                    out.push(Inst::CCmp { op, size, rn: g(k), rhs, nzcv, cond });
                }
                out.push(Inst::CCmp { op, size, rn: zr(), rhs: CCmpRhs::Reg(zr()), nzcv: 1, cond });
            }
        }
    }
    for k in 0..5 {
        out.push(Inst::Adr { rd: g(k), label: MachLabel(k as u32 % 4) });
        let names = [ExternalName::TestCase("foo".into()), ExternalName::User { namespace: 0, index: 3 }];
        for (j, offset) in [0i64, 16, -8].into_iter().enumerate() {
            out.push(Inst::LoadAddr { rd: g(k + j), name: names[(k + j) % 2].clone(), offset });
        }
        out.push(Inst::LoadGotAddr { rd: g(k + 3), name: names[k % 2].clone() });
    }
}

fn amodes(log2: u32) -> Vec<AMode> {
    let size = 1u32 << log2;
    let mut v = Vec::new();
    for (k, rn) in [xreg(1), sp(), xreg(28)].into_iter().enumerate() {
        for offset in [0, size, 4095 * size] {
            v.push(AMode::UnsignedOffset { rn, offset });
        }
        for offset in [-256i16, 255, -1] {
            v.push(AMode::Unscaled { rn, offset });
            v.push(AMode::PreIndex { rn, offset });
            v.push(AMode::PostIndex { rn, offset });
        }
        for (j, extend) in IndexExtend::ALL.into_iter().enumerate() {
            for scaled in [false, true] {
                v.push(AMode::RegOffset { rn, rm: g(k + j), extend, scaled });
            }
        }
        v.push(AMode::RegOffset { rn, rm: zr(), extend: IndexExtend::Lsl, scaled: true });
        v.push(AMode::BaseOffset { rn, offset: 0x1234_5678 });
    }
    for offset in [0i64, 8, 3, -8, 4095 * size as i64, 0x12_3456, 1 << 32, -(1 << 40)] {
        v.push(AMode::SpOffset { offset });
    }
    for offset in [0u32, 4, 16] {
        v.push(AMode::StackSlot { offset });
        v.push(AMode::IncomingArg { offset });
    }
    v
}

fn memory(out: &mut Vec<Inst>) {
    for (k, op) in LoadOp::ALL.into_iter().enumerate() {
        for (j, mem) in amodes(op.size_log2()).into_iter().enumerate() {
            let rt = if op.is_fp() { v(j + k) } else { g(j + k) };
            let trap = (j % 3 == 0).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::Load { op, rt, mem, trap });
        }
    }
    for (k, op) in StoreOp::ALL.into_iter().enumerate() {
        for (j, mem) in amodes(op.size_log2()).into_iter().enumerate() {
            let rt = if op.is_fp() {
                v(j + k)
            } else if j % 7 == 0 {
                zr()
            } else {
                g(j + k)
            };
            let trap = (j % 3 == 1).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::Store { op, rt, mem, trap });
        }
    }
    for (k, size) in PairSize::ALL.into_iter().enumerate() {
        let b = size.bytes();
        let regs_of = |j: usize| if size.is_fp() { (v(j), v(j + 1)) } else { (g(j), g(j + 2)) };
        for (j, rn) in [sp(), xreg(1), xreg(28)].into_iter().enumerate() {
            for offset in [0, b, -64 * b, 63 * b] {
                for mem in [
                    PairAMode::SignedOffset { rn, offset },
                    PairAMode::PreIndex { rn, offset },
                    PairAMode::PostIndex { rn, offset },
                ] {
                    let (rt, rt2) = regs_of(j + k);
                    out.push(Inst::LoadPair { size, rt, rt2, mem });
                    out.push(Inst::StorePair { size, rt, rt2, mem });
                }
            }
        }
        if !size.is_fp() {
            let mem = PairAMode::SignedOffset { rn: sp(), offset: b };
            out.push(Inst::StorePair { size, rt: zr(), rt2: zr(), mem });
        }
    }
    let literal_ops = [LoadOp::LdrW, LoadOp::LdrX, LoadOp::Ldrsw, LoadOp::LdrS, LoadOp::LdrD, LoadOp::LdrQ];
    for (k, op) in literal_ops.into_iter().enumerate() {
        for l in 0..4 {
            let rt = if op.is_fp() { v(k + l) } else { g(k + l) };
            out.push(Inst::LoadLiteral { op, rt, label: MachLabel(l as u32) });
        }
        if op != LoadOp::Ldrsw {
            let rt = if op.is_fp() { v(k) } else { g(k) };
            out.push(Inst::LoadConst { op, rt, bits: 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210 });
        }
    }
    for size in MemSize::ALL {
        for (k, rn) in [xreg(2), sp(), xreg(28)].into_iter().enumerate() {
            for acquire in [false, true] {
                out.push(Inst::LoadExclusive { acquire, size, rt: g(k), rn });
                out.push(Inst::StoreExclusive { release: acquire, size, rs: g(k + 1), rt: g(k + 3), rn });
            }
            out.push(Inst::LoadAcquire { size, rt: g(k + 2), rn });
            out.push(Inst::StoreRelease { size, rt: g(k + 4), rn });
            for order in Ordering::ALL {
                let r = g(k + 1);
                out.push(Inst::Cas { size, order, rd: r, rs: r, rt: g(k + 2), rn });
                for (j, op) in LseOp::ALL.into_iter().enumerate() {
                    out.push(Inst::AtomicRmw { op, size, order, rs: g(j + k), rt: g(j + k + 1), rn });
                    out.push(Inst::AtomicRmw { op, size, order, rs: g(j), rt: zr(), rn });
                }
            }
        }
        out.push(Inst::StoreExclusive { release: true, size, rs: zr(), rt: zr(), rn: xreg(5) });
    }
    out.push(Inst::Dmb);
}

fn float(out: &mut Vec<Inst>) {
    for size in FpSize::ALL {
        for k in 0..4 {
            let (d, n, m, a) = (v(k), v(k + 1), v(k + 2), v(k + 3));
            out.push(Inst::FpuMove { size, rd: d, rn: n });
            for op in FpuOp1::ALL {
                out.push(Inst::FpuRR { op, size, rd: d, rn: m });
            }
            for op in FpuOp2::ALL {
                out.push(Inst::FpuRRR { op, size, rd: d, rn: n, rm: m });
            }
            for op in FpuOp3::ALL {
                out.push(Inst::FpuRRRR { op, size, rd: d, rn: n, rm: m, ra: a });
            }
            out.push(Inst::FpuCmp { size, rn: d, rm: Some(a) });
            out.push(Inst::FpuCmp { size, rn: m, rm: None });
            out.push(Inst::FpuCvt { from: size, rd: d, rn: a });
            for int_size in OperandSize::ALL {
                for op in [IntToFpOp::Scvtf, IntToFpOp::Ucvtf] {
                    out.push(Inst::IntToFpu { op, int_size, fp_size: size, rd: d, rn: g(k) });
                }
                for op in [FpToIntOp::Fcvtzs, FpToIntOp::Fcvtzu] {
                    out.push(Inst::FpuToInt { op, int_size, fp_size: size, rd: g(k + 1), rn: n });
                }
            }
        }
        for (k, cond) in Cond::ALL.into_iter().enumerate() {
            out.push(Inst::FpuCSel { size, rd: v(k), rn: v(k + 1), rm: v(k + 2), cond });
        }
        for (k, value) in [1.0f64, -0.125, 31.0, 0.5, -2.0, 0.1328125].into_iter().enumerate() {
            let bits = match size {
                FpSize::S32 => (value as f32).to_bits() as u64,
                FpSize::S64 => value.to_bits(),
            };
            let imm = FpImm8::maybe_from_bits(bits, size).expect("an 8-bit float immediate");
            out.push(Inst::FpuMoveImm { size, rd: v(k), imm });
        }
    }
    for k in 0..5 {
        out.push(Inst::FpuMove128 { rd: v(k), rn: v(k + 1) });
        out.push(Inst::VecCnt { rd: v(k), rn: v(k + 2) });
        out.push(Inst::VecAddv { rd: v(k + 1), rn: v(k) });
        for size in OperandSize::ALL {
            out.push(Inst::MovToFpu { size, rd: v(k), rn: g(k) });
            out.push(Inst::MovFromFpu { size, rd: g(k + 1), rn: v(k + 3) });
        }
    }
    out.push(Inst::MovToFpu { size: S64, rd: v(2), rn: zr() });
}

fn control(out: &mut Vec<(Inst, Option<MachLabel>)>) {
    let mut kinds = Vec::new();
    for cond in Cond::ALL {
        kinds.push(CondBrKind::Cond(cond));
    }
    for (k, size) in [S32, S64, S64].into_iter().enumerate() {
        kinds.push(CondBrKind::Zero(g(k), size));
        kinds.push(CondBrKind::NotZero(g(k + 2), size));
    }
    for (k, bit) in [0u8, 31, 32, 63].into_iter().enumerate() {
        kinds.push(CondBrKind::BitZero(g(k), bit));
        kinds.push(CondBrKind::BitNotZero(g(k + 1), bit));
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
        let uses = vec![(xreg(0), regs::preg_x(0))];
        let defs = vec![(xreg(0), regs::preg_x(0))];
        out.push(Inst::Call { callee: callee.clone(), uses: uses.clone(), defs, clobbers });
        out.push(Inst::ReturnCall { callee, uses });
    }
    for k in 0..5 {
        out.push(Inst::CallInd { rn: g(k), uses: vec![], defs: vec![], clobbers });
        out.push(Inst::Br { rn: g(k + 1) });
    }
    out.push(Inst::ReturnCallInd { rn: xreg(9), uses: vec![] });
    out.push(Inst::Ret { rets: vec![] });
    out.push(Inst::Ret { rets: vec![(xreg(0), regs::preg_x(0)), (xreg(1), regs::preg_x(1))] });
    out.push(Inst::Args {
        args: vec![(Reg::virt(0, crate::machinst::RegClass::Int), regs::preg_x(0))],
        call_conv: CallConv::SystemV,
    });
    for code in
        [TrapCode::StackOverflow, TrapCode::HeapOutOfBounds, TrapCode::BadConversionToInteger, TrapCode::User(250)]
    {
        out.push(Inst::Udf { code });
    }
    for imm in [0u16, 1, 0xf000, 0xffff] {
        out.push(Inst::Brk { imm });
    }
    out.push(Inst::Nop);
    out.push(Inst::Csdb);
    for op in PacOp::ALL {
        out.push(Inst::Pac { op });
    }
    for amount in [16i64, -16, 4095, -4096, 0x12_3456, -0xff_ffff, 0x100_0000, -(1 << 32), 0x1234_5678_9abc] {
        out.push(Inst::AdjustSp { amount });
    }
    for (k, offset) in [0u32, 8, 4000, 0x12_3450, 0x100_0000].into_iter().enumerate() {
        out.push(Inst::StackAddr { rd: g(k), offset });
    }
    // Jump tables: a 32-bit and a 64-bit index, an immediate and a register length.
    let labels = |n: usize| (0..n).map(|k| MachLabel(1 + (k % 3) as u32)).collect::<Vec<_>>();
    out.push(Inst::JmpTable { index: g(2), wide: false, default: MachLabel(3), targets: labels(3) });
    out.push(Inst::JmpTable { index: g(5), wide: true, default: MachLabel(1), targets: labels(5000) });
    // Atomic loops: every operation at one size, every size and byte order with a few.
    for (k, op) in crate::ir::AtomicRmwOp::ALL.into_iter().enumerate() {
        let (rn, rs, rt) = (g(k), g(k + 1), g(k + 2));
        out.push(Inst::AtomicRmwLoop { op, size: MemSize::B64, big: false, rn, rs, rt });
    }
    for (k, size) in MemSize::ALL.into_iter().enumerate() {
        for big in [false, true] {
            let (rn, rs, rt) = (g(k + 3), g(k + 4), g(k + 5));
            for op in [crate::ir::AtomicRmwOp::Add, crate::ir::AtomicRmwOp::Smax, crate::ir::AtomicRmwOp::Nand] {
                out.push(Inst::AtomicRmwLoop { op, size, big, rn, rs, rt });
            }
            out.push(Inst::AtomicCasLoop { size, big, rn, expected: rs, replacement: g(k), rt });
        }
    }
    // The allocator's moves, spills and reloads, and a frame's prologue and epilogue.
    for k in 0..5 {
        let offset = [0u32, 8, 32760, 32768, 1 << 20][k];
        out.push(Inst::gen_spill(offset, g(k), crate::machinst::RegClass::Int));
        out.push(Inst::gen_reload(g(k + 1), offset, crate::machinst::RegClass::Int));
        out.push(Inst::gen_spill(offset, v(k), crate::machinst::RegClass::Float));
        out.push(Inst::gen_reload(v(k + 1), offset, crate::machinst::RegClass::Float));
        out.push(Inst::gen_move(g(k), g(k + 2), crate::machinst::RegClass::Int));
        out.push(Inst::gen_move(v(k), v(k + 2), crate::machinst::RegClass::Float));
        out.extend(Inst::gen_push(g(k)));
        out.extend(Inst::gen_pop(g(k)));
        out.extend(Inst::gen_push(v(k)));
        out.extend(Inst::gen_pop(v(k)));
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
    moves_and_bitfields(&mut v);
    memory(&mut v);
    float(&mut v);
    calls_and_misc(&mut v);
    let mut out: Vec<(Inst, Option<MachLabel>)> = v.into_iter().map(|i| (i, None)).collect();
    control(&mut out);
    out
}
