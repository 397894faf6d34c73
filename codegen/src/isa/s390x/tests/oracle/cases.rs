//! The oracle's cases: every `Inst` variant, each operation of every family, with a
//! spread of registers (r0 where a field allows it, the pair registers, the high ones),
//! displacements (0, 4095, 4096, negative 20-bit, the 20-bit edges, beyond them),
//! immediates at their edges, every condition mask, and the forms the `MachInst` hooks
//! and the pseudo-instructions expand to.

use super::super::super::inst::Inst;
use super::super::super::inst::args::*;
use super::super::super::regs::{self, fpr, gpr, zero_reg};
use crate::ir::{CallConv, ExternalName, TrapCode};
use crate::machinst::{FrameItem, MachInst, MachLabel, Reg, RegClass};

/// General registers to cycle through (r0 only where the tests use it explicitly).
const GPRS: [u8; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

fn g(k: usize) -> Reg {
    gpr(GPRS[k % GPRS.len()])
}
fn v(k: usize) -> Reg {
    fpr([0u8, 2, 4, 6, 1, 8, 15, 9, 7][k % 9])
}

/// Sample raw immediates of a field.
fn imms(kind: ImmKind) -> Vec<u32> {
    match kind {
        ImmKind::S16 => vec![0, 1, 0x7fff, 0x8000, 0xffff, 0xfff6],
        ImmKind::U16 => vec![0, 1, 0x7fff, 0x8000, 0xffff],
        ImmKind::S32 | ImmKind::U32 => vec![0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1234_5678],
    }
}

fn integer(out: &mut Vec<Inst>) {
    for &op in AluRRROp::ALL {
        for k in 0..3 {
            out.push(Inst::AluRRR { op, rd: g(k), rn: g(k + 1), rm: g(k + 2) });
        }
        out.push(Inst::AluRRR { op, rd: gpr(0), rn: gpr(1), rm: gpr(15) });
    }
    for &op in AluRROp::ALL {
        for k in 0..3 {
            out.push(Inst::AluRR { op, rd: g(k), ri: g(k), rm: g(k + 5) });
        }
        out.push(Inst::AluRR { op, rd: gpr(15), ri: gpr(15), rm: gpr(0) });
    }
    for &op in ImmOp::ALL {
        for (k, imm) in imms(op.enc().1).into_iter().enumerate() {
            out.push(Inst::AluImm { op, rd: g(k), ri: g(k), imm });
        }
    }
    for &op in UnaryOp::ALL {
        for k in 0..3 {
            out.push(Inst::Unary { op, rd: g(k), rn: g(k + 7) });
        }
        out.push(Inst::Unary { op, rd: gpr(1), rn: gpr(0) });
    }
    for &op in LoadImmOp::ALL {
        for (k, imm) in imms(op.enc().1).into_iter().enumerate() {
            out.push(Inst::LoadImm { op, rd: g(k + 2), imm });
        }
    }
    for &op in CmpOp::ALL {
        for k in 0..3 {
            out.push(Inst::Cmp { op, rn: g(k), rm: g(k + 3) });
        }
    }
    for &op in CmpImmOp::ALL {
        for (k, imm) in imms(op.enc().1).into_iter().enumerate() {
            out.push(Inst::CmpImm { op, rn: g(k), imm });
        }
    }
    for value in
        [0u64, 1, u64::MAX, 0x7fff, 0x8000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 1 << 32, 0x1234_5678_9abc_def0]
    {
        out.extend(Inst::load_constant(gpr(1), value));
    }
    for &op in ShiftOp::ALL {
        for (k, (amt, amt_reg)) in
            [(0, zero_reg()), (63, zero_reg()), (1, gpr(4)), (-5, gpr(13)), (524287, gpr(1))].into_iter().enumerate()
        {
            out.push(Inst::Shift { op, rd: g(k), rn: g(k + 1), amt, amt_reg });
        }
    }
    for &op in Shift32Op::ALL {
        for (k, (amt, amt_reg)) in
            [(0, zero_reg()), (31, zero_reg()), (3, gpr(2)), (4095, gpr(1))].into_iter().enumerate()
        {
            out.push(Inst::Shift32 { op, rd: g(k), ri: g(k), amt, amt_reg });
        }
    }
    for &op in RxSbgOp::ALL {
        for (k, (start, end, rotate)) in
            [(0u8, 191u8, 3u8), (32, 63, 0), (0, 63, 63), (48, 0x80 | 55, 8)].into_iter().enumerate()
        {
            out.push(Inst::RxSbg { op, rd: g(k), ri: g(k), rn: g(k + 1), start, end, rotate });
        }
    }
    for mask in 0..16u8 {
        let cond = Cond(mask);
        let k = mask as usize;
        for &op in CMovOp::ALL {
            out.push(Inst::CMov { op, cond, rd: g(k), ri: g(k), rm: g(k + 1) });
        }
        for &op in CMovImmOp::ALL {
            out.push(Inst::CMovImm { op, cond, rd: g(k), ri: g(k), imm: [-32768i16, -1, 0, 5, 32767][k % 5] });
        }
        for &op in SelectOp::ALL {
            out.push(Inst::Select { op, cond, rd: g(k), rn: g(k + 1), rm: g(k + 2) });
        }
    }
    let (r2, r3) = (gpr(2), gpr(3));
    for &op in DivOp::ALL {
        for k in 4..7 {
            let hi = op.enc().1.then_some(r2);
            out.push(Inst::DivMod { op, rem: r2, quot: r3, hi, lo: r3, rn: g(k) });
        }
    }
    for k in 4..7 {
        out.push(Inst::MulWide { op: MulWideOp::Mlgr, hi: r2, lo: r3, rn: r3, rm: g(k) });
        out.push(Inst::MulWide { op: MulWideOp::Mgrk, hi: r2, lo: r3, rn: g(k), rm: g(k + 1) });
        out.push(Inst::Flogr { rd: r2, clobber: r3, rn: g(k) });
    }
}

/// Machine and pseudo storage operands: short and long displacements, with and without
/// an index (`indexed`), and offsets resolved through r1.
fn memargs(indexed: bool) -> Vec<MemArg> {
    let mut m = Vec::new();
    for (k, base) in [gpr(2), gpr(15), gpr(13), zero_reg()].into_iter().enumerate() {
        for disp in [0i32, 8, 4095, 4096, -1, -4096, 524287, -524288] {
            let index = if indexed {
                [zero_reg(), gpr(3), gpr(1), gpr(12)][(k + disp.unsigned_abs() as usize) % 4]
            } else {
                zero_reg()
            };
            m.push(MemArg::BXD { base, index, disp });
        }
    }
    for offset in [0i64, 4095, 4096, -8, 524287, 524288, -524289, 1 << 31, 1 << 40] {
        m.push(MemArg::RegOffset { base: gpr(5), offset });
        m.push(MemArg::SpOffset { offset });
    }
    for offset in [0u32, 8, 5000, 600_000] {
        m.push(MemArg::StackSlot { offset });
        m.push(MemArg::IncomingArg { offset });
    }
    m
}

fn memory(out: &mut Vec<Inst>) {
    for (k, &op) in LoadOp::ALL.iter().enumerate() {
        for (j, mem) in memargs(true).into_iter().enumerate() {
            let rd = if op.is_fp() { v(j + k) } else { g(j + k) };
            let trap = (!op.is_address() && j % 3 == 0).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::Load { op, rd, mem, trap });
        }
    }
    for (k, &op) in StoreOp::ALL.iter().enumerate() {
        for (j, mem) in memargs(true).into_iter().enumerate() {
            let rs = if op.is_fp() { v(j + k) } else { g(j + k) };
            let trap = (j % 3 == 1).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::Store { op, rs, mem, trap });
        }
    }
    for (k, &op) in CasOp::ALL.iter().enumerate() {
        for (j, mem) in memargs(false).into_iter().enumerate() {
            let trap = (j % 2 == 0).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::Cas { op, rd: g(j + k), ri: g(j + k), rn: g(j + k + 1), mem, trap });
        }
    }
    for (k, &op) in AtomicOp::ALL.iter().enumerate() {
        for (j, mem) in memargs(false).into_iter().enumerate().filter(|(j, _)| j % 3 == 0) {
            let trap = (j % 2 == 0).then_some(TrapCode::HeapOutOfBounds);
            out.push(Inst::AtomicRmw { op, rd: g(j + k), rn: g(j + k + 2), mem, trap });
        }
    }
    atomic_loops(out);
    let labels = |n: u32| (0..n).map(|k| MachLabel(k % 4)).collect::<Vec<_>>();
    out.push(Inst::JumpTable { index: g(2), default: MachLabel(3), targets: labels(3) });
    out.push(Inst::JumpTable { index: g(7), default: MachLabel(0), targets: labels(9) });
    for (first, last, disp) in [(6u8, 15u8, 48i32), (14, 15, 112), (6, 6, -8), (0, 15, 524287)] {
        let mem = MemArg::bd(regs::sp(), disp);
        out.push(Inst::StoreMultiple { first: gpr(first), last: gpr(last), mem });
        out.push(Inst::LoadMultiple { first: gpr(first), last: gpr(last), mem });
    }
    out.push(Inst::LoadMultiple { first: gpr(6), last: gpr(15), mem: MemArg::SpOffset { offset: 1 << 20 } });
    for k in 0..3 {
        let names = [ExternalName::TestCase("foo".into()), ExternalName::User { namespace: 0, index: 3 }];
        for (j, offset) in [0i64, 16, -8, 7].into_iter().enumerate() {
            out.push(Inst::LoadSymbolAddr { rd: g(k + j), name: names[(k + j) % 2].clone(), offset });
        }
        out.push(Inst::LoadGotAddr { rd: g(k + 5), name: names[k % 2].clone() });
        for l in 0..4 {
            out.push(Inst::LoadLabelAddr { rd: g(k + l), label: MachLabel(l as u32) });
        }
        for (j, op) in [LoadOp::L, LoadOp::Lg, LoadOp::Le, LoadOp::Ld].into_iter().enumerate() {
            let rd = if op.is_fp() { v(k + j) } else { g(k + j) };
            out.push(Inst::LoadConst { op, rd, bits: 0x0123_4567_89ab_cdef });
        }
    }
}

/// Every atomic-loop operation at every width and byte order (the sub-word forms with
/// their rotate registers, compare-and-swap with its expected value).
fn atomic_loops(out: &mut Vec<Inst>) {
    use super::super::super::inst::atomic::AtomicLoopOp;
    let mut k = 0;
    for op in AtomicLoopOp::all() {
        for bits in [8u8, 16, 32, 64] {
            for little in [false, true] {
                let sub = bits < 32;
                let (shift, neg) = if sub { (g(k + 1), g(k + 2)) } else { (zero_reg(), zero_reg()) };
                let expected = if op == AtomicLoopOp::Cas { g(k + 3) } else { zero_reg() };
                let trap = (k % 2 == 0).then_some(TrapCode::HeapOutOfBounds);
                out.push(Inst::AtomicLoop {
                    op,
                    bits,
                    little,
                    addr: g(k),
                    shift,
                    neg,
                    src: g(k + 4),
                    expected,
                    old: g(k + 5),
                    trap,
                });
                k += 1;
            }
        }
    }
}

fn float(out: &mut Vec<Inst>) {
    for k in 0..4 {
        let (d, a, b) = (v(k), v(k + 1), v(k + 2));
        for &op in FpuRROp::ALL {
            out.push(Inst::FpuRR { op, rd: d, ri: d, rm: a });
        }
        for &op in FpuUnaryOp::ALL {
            out.push(Inst::FpuUnary { op, rd: d, rn: a });
        }
        for &op in FpuFmaOp::ALL {
            out.push(Inst::FpuFma { op, rd: d, ri: d, rn: a, rm: b });
        }
        for &op in FpuCmpOp::ALL {
            out.push(Inst::FpuCmp { op, rn: a, rm: b });
        }
        out.push(Inst::MovToFpr { rd: d, rn: g(k) });
        out.push(Inst::MovFromFpr { rd: g(k), rn: d });
        out.push(Inst::FpuZero { double: k % 2 == 0, rd: d });
    }
    for &op in ConvOp::ALL {
        for (k, (m3, m4)) in
            [(0u8, 0u8), (round::ZERO, 0), (round::NEAREST_EVEN, round::INEXACT_SUPPRESSED), (round::DOWN, 0), (0, 4)]
                .into_iter()
                .enumerate()
        {
            let rd = if op.int_dest() { g(k) } else { v(k) };
            let rn = if op.int_src() { g(k + 1) } else { v(k + 1) };
            out.push(Inst::FpuConv { op, rd, rn, m3, m4 });
        }
    }
}

fn control(out: &mut Vec<(Inst, Option<MachLabel>)>) {
    let mut kinds = Vec::new();
    for mask in 0..16u8 {
        kinds.push(CondBrKind::Cc(Cond(mask)));
    }
    for mask in [2u8, 4, 6, 8, 10, 12, 14] {
        let cond = Cond(mask);
        for (k, &op) in CmpBrOp::ALL.iter().enumerate() {
            kinds.push(CondBrKind::CmpRR { op, cond, rn: g(k), rm: g(k + 1) });
        }
        for (k, &op) in CmpBrImmOp::ALL.iter().enumerate() {
            for imm in [0u8, 1, 0x7f, 0x80, 0xff] {
                kinds.push(CondBrKind::CmpRI { op, cond, rn: g(k + 3), imm });
            }
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
        let uses = vec![(gpr(2), regs::preg_r(2))];
        let defs = vec![(gpr(2), regs::preg_r(2))];
        out.push(Inst::Call { callee: callee.clone(), uses: uses.clone(), defs, clobbers });
        out.push(Inst::ReturnCall { callee, uses });
    }
    for k in 0..5 {
        out.push(Inst::CallInd { rn: g(k), uses: vec![], defs: vec![], clobbers });
    }
    out.push(Inst::CallInd { rn: gpr(1), uses: vec![], defs: vec![], clobbers });
    out.push(Inst::ReturnCallInd { rn: gpr(1), uses: vec![] });
    out.push(Inst::Ret { rets: vec![] });
    out.push(Inst::Ret { rets: vec![(gpr(2), regs::preg_r(2))] });
    out.push(Inst::Args { args: vec![(Reg::virt(0, RegClass::Int), regs::preg_r(2))], call_conv: CallConv::SystemV });
    for code in
        [TrapCode::StackOverflow, TrapCode::HeapOutOfBounds, TrapCode::BadConversionToInteger, TrapCode::User(250)]
    {
        out.push(Inst::Udf { code });
    }
    out.push(Inst::Nop);
    out.push(Inst::Fence { fast: false });
    out.push(Inst::Fence { fast: true });
    for amount in [160i64, -160, 32767, -32768, 32768, 0x12_3456, -0xff_ffff, -(1 << 32), 0x1234_5678_9abc] {
        out.push(Inst::AdjustSp { amount });
    }
    // The allocator's moves, spills and reloads, and a frame's prologue and epilogue.
    for k in 0..5 {
        let offset = [0u32, 8, 4088, 4096, 1 << 20][k];
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
    for size in [160u32, 4096, 5000, 70000, 1 << 25] {
        out.extend(Inst::gen_sp_sub(size, Some(4096)));
        out.extend(Inst::gen_sp_sub(size, None));
        out.push(Inst::gen_sp_add(size));
    }
}

/// Every case, with the next block its emission assumes.
pub(super) fn cases() -> Vec<(Inst, Option<MachLabel>)> {
    let mut v = Vec::new();
    integer(&mut v);
    memory(&mut v);
    float(&mut v);
    calls_and_misc(&mut v);
    let mut out: Vec<(Inst, Option<MachLabel>)> = v.into_iter().map(|i| (i, None)).collect();
    control(&mut out);
    out
}
