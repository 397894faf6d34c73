//! The [`MachInst`] implementation of the aarch64 [`Inst`]: operands for the register
//! allocator, terminators, moves, spills and reloads, and the frame hooks.
//!
//! The frame (AAPCS64, with a frame record):
//!
//! ```text
//!   higher addresses
//!   | incoming stack arguments  |  [x29 + 16 + offset]   (AMode::IncomingArg)
//!   | saved x30 (return address)|  [x29 + 8]
//!   | saved x29                 |  [x29]         <- x29
//!   | (padding to 16 bytes)     |
//!   | saved x19-x28, d8-d15     |  [sp + FrameInfo::stored_saves], 8 bytes each
//!   | spill slots (8 bytes each)|
//!   | explicit stack slots      |  (AMode::StackSlot)
//!   | outgoing arguments        |  [sp + 0 ..]
//!   lower addresses                              <- sp (16-byte aligned)
//! ```
//!
//! The prologue is `stp x29, x30, [sp, #-16]!; mov x29, sp; sub sp, sp, #N` (probed per
//! page when large) and then `stp`/`str` of the callee-saved registers; the epilogue undoes
//! it in reverse, ending with `ldp x29, x30, [sp], #16`. Both class of callee-saved
//! registers are stored in 8-byte slots (only the low 64 bits of v8-v15 are preserved),
//! and two saves of one class in adjacent slots become one `stp` (one `ldp`).
//!
//! With the `sign_return_address` flag the prologue starts with `paciasp` (x30 signed
//! with the A key, SP as the modifier) and every epilogue ends with `autiasp` after x30 is
//! reloaded, each followed by a `NegateRaState` unwind event so unwinders strip the
//! signature while x30 (or its saved copy) is signed. Both are hint-space instructions:
//! on a CPU without pointer authentication they are `nop`s and the code still runs.

use super::Inst;
use super::args::*;
use crate::ir::{CallConv, Endianness};
use crate::isa::aarch64::regs;
use crate::machinst::abi::{FrameDesc, SaveStyle};
use crate::machinst::{
    DwarfReg, EmitState, FrameInfo, FrameItem, FrameRules, MachBuffer, MachInst, MachLabel, OperandVisitor, PReg,
    PRegSet, Reg, RegClass, TerminatorKind, UnwindInst,
};

/// The aarch64 frame: the frame record (x29, x30) above the frame pointer, SP 16-byte
/// aligned, every callee-saved register stored in an 8-byte slot.
pub const FRAME: FrameDesc = FrameDesc {
    setup_area: 16,
    stack_align: 16,
    int_save: SaveStyle::Store { size: 8 },
    float_save: SaveStyle::Store { size: 8 },
};

/// The frame rules of AAPCS64 functions (every supported convention saves x19-x28 and
/// the low halves of v8-v15).
#[derive(Copy, Clone, Debug, Default)]
pub struct AArch64FrameRules {
    /// Sign the return address in prologues and authenticate it in epilogues (the
    /// `sign_return_address` ISA flag).
    pub sign_return_address: bool,
}

impl FrameRules for AArch64FrameRules {
    fn callee_saved(&self, _conv: CallConv) -> &[PReg] {
        &regs::CALLEE_SAVED
    }
    fn frame_desc(&self) -> &FrameDesc {
        &FRAME
    }
    fn sign_return_address(&self) -> bool {
        self.sign_return_address
    }
}

fn visit_fixed_uses(list: &mut [(Reg, PReg)], v: &mut dyn OperandVisitor) {
    for (r, p) in list {
        v.reg_fixed_use(r, *p);
    }
}

fn visit_fixed_defs(list: &mut [(Reg, PReg)], v: &mut dyn OperandVisitor) {
    for (r, p) in list {
        v.reg_fixed_def(r, *p);
    }
}

/// The 8-byte store or load of a register of `class` at `[sp + offset]`.
fn sp_access(store: bool, r: Reg, offset: u32) -> Inst {
    let mem = AMode::SpOffset { offset: offset as i64 };
    match (store, r.class()) {
        (true, RegClass::Int) => Inst::Store { op: StoreOp::StrX, rt: r, mem, trap: None },
        (true, _) => Inst::Store { op: StoreOp::StrD, rt: r, mem, trap: None },
        (false, RegClass::Int) => Inst::Load { op: LoadOp::LdrX, rt: r, mem, trap: None },
        (false, _) => Inst::Load { op: LoadOp::LdrD, rt: r, mem, trap: None },
    }
}

/// Merges two adjacent 8-byte saves (or restores) of one class at `[sp + a]` and
/// `[sp + a + 8]` into one `stp` (`ldp`), when the offset fits the pair form.
fn pair_saves(items: Vec<FrameItem<Inst>>) -> Vec<FrameItem<Inst>> {
    let sp_slot = |i: &Inst| -> Option<(bool, Reg, i64)> {
        match *i {
            Inst::Store { op: StoreOp::StrX | StoreOp::StrD, rt, mem: AMode::SpOffset { offset }, trap: None } => {
                Some((true, rt, offset))
            }
            Inst::Load { op: LoadOp::LdrX | LoadOp::LdrD, rt, mem: AMode::SpOffset { offset }, trap: None } => {
                Some((false, rt, offset))
            }
            _ => None,
        }
    };
    let mut out: Vec<FrameItem<Inst>> = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        // A save is followed by its unwind event; a pair is save, event, save, event.
        if let (Some(FrameItem::Inst(a)), Some(FrameItem::Inst(b))) = (items.get(i), items.get(i + 2))
            && let (Some((sa, ra, oa)), Some((sb, rb, ob))) = (sp_slot(a), sp_slot(b))
            && sa == sb
            && ra.class() == rb.class()
            && ob == oa + 8
            && oa % 8 == 0
            && oa <= 504
            && matches!(items.get(i + 1), Some(FrameItem::Unwind(_)))
        {
            let size = if ra.class() == RegClass::Int { PairSize::X } else { PairSize::D };
            let mem = PairAMode::SignedOffset { rn: regs::sp(), offset: oa as i16 };
            let inst = if sa {
                Inst::StorePair { size, rt: ra, rt2: rb, mem }
            } else {
                Inst::LoadPair { size, rt: ra, rt2: rb, mem }
            };
            out.push(FrameItem::Inst(inst));
            out.push(items[i + 1].clone());
            if let Some(ev @ FrameItem::Unwind(_)) = items.get(i + 3) {
                out.push(ev.clone());
                i += 4;
            } else {
                i += 3;
            }
            continue;
        }
        out.push(items[i].clone());
        i += 1;
    }
    out
}

/// `sub sp, sp, size`, probing large frames: when `interval` is given and the frame is
/// more than `interval - 128` bytes, SP goes down one interval at a time and each step
/// stores zero at the new SP (`str xzr, [sp]`), so an overflow faults on the guard page
/// instead of jumping over it; the remainder is allocated and probed last.
fn stack_probed_sub(size: u32, interval: Option<u32>) -> Vec<Inst> {
    if size == 0 {
        return Vec::new();
    }
    let Some(page) = interval.filter(|&page| size > page.saturating_sub(128)) else {
        return vec![Inst::AdjustSp { amount: -(size as i64) }];
    };
    let probe = Inst::Store { op: StoreOp::StrX, rt: regs::zr(), mem: AMode::SpOffset { offset: 0 }, trap: None };
    let mut out = Vec::new();
    for _ in 0..size / page {
        out.push(Inst::AdjustSp { amount: -(page as i64) });
        out.push(probe.clone());
    }
    if !size.is_multiple_of(page) {
        out.push(Inst::AdjustSp { amount: -((size % page) as i64) });
        out.push(probe);
    }
    out
}

impl MachInst for Inst {
    fn reg_name(reg: Reg) -> String {
        match reg.class() {
            RegClass::Int => regs::gpr_name(reg, true),
            _ => regs::fpr_name(reg, 'v'),
        }
    }
    type LabelUse = crate::isa::aarch64::emit::AArch64LabelUse;

    const ENDIANNESS: Endianness = Endianness::Little;

    /// The longest expansion is five words (a 64-bit offset or SP adjustment built in
    /// x16, then the access); a literal adds up to 16 bytes of constant and 15 of padding
    /// to the island, a two-way branch two veneers, an atomic loop nine words. 64 bounds
    /// them all except a jump table, whose table may be longer: the uses pending across
    /// it whose reach it exceeds are reported `OutOfRange` by the buffer, never wrong.
    const WORST_CASE_SIZE: u32 = 64;

    fn visit_operands(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            Inst::AluRRR { rd, rn, rm, .. }
            | Inst::AluRRRShift { rd, rn, rm, .. }
            | Inst::AluRRRExtend { rd, rn, rm, .. }
            | Inst::Extr { rd, rn, rm, .. }
            | Inst::CSel { rd, rn, rm, .. }
            | Inst::FpuRRR { rd, rn, rm, .. }
            | Inst::FpuCSel { rd, rn, rm, .. } => {
                v.reg_use(rn);
                v.reg_use(rm);
                v.reg_def(rd);
            }
            Inst::AluRRImm12 { rd, rn, .. }
            | Inst::AluRRImmLogic { rd, rn, .. }
            | Inst::BitRR { rd, rn, .. }
            | Inst::Bitfield { rd, rn, .. }
            | Inst::FpuMove { rd, rn, .. }
            | Inst::FpuMove128 { rd, rn }
            | Inst::FpuRR { rd, rn, .. }
            | Inst::FpuCvt { rd, rn, .. }
            | Inst::IntToFpu { rd, rn, .. }
            | Inst::FpuToInt { rd, rn, .. }
            | Inst::MovToFpu { rd, rn, .. }
            | Inst::MovFromFpu { rd, rn, .. }
            | Inst::VecCnt { rd, rn }
            | Inst::VecAddv { rd, rn } => {
                v.reg_use(rn);
                v.reg_def(rd);
            }
            Inst::Mov { rd, rm, .. } => {
                v.reg_use(rm);
                v.reg_def(rd);
            }
            Inst::AluRRRR { rd, rn, rm, ra, .. } | Inst::FpuRRRR { rd, rn, rm, ra, .. } => {
                v.reg_use(rn);
                v.reg_use(rm);
                v.reg_use(ra);
                v.reg_def(rd);
            }
            Inst::MovWide { rd, .. } | Inst::FpuMoveImm { rd, .. } | Inst::Adr { rd, .. } => v.reg_def(rd),
            Inst::LoadAddr { rd, .. } | Inst::LoadGotAddr { rd, .. } | Inst::StackAddr { rd, .. } => v.reg_def(rd),
            Inst::MovK { rd, rn, .. } => {
                v.reg_use(rn);
                v.reg_reuse_def(rd, 0);
            }
            Inst::Bfm { rd, ri, rn, .. } => {
                v.reg_use(ri);
                v.reg_use(rn);
                v.reg_reuse_def(rd, 0);
            }
            Inst::CCmp { rn, rhs, .. } => {
                v.reg_use(rn);
                if let CCmpRhs::Reg(rm) = rhs {
                    v.reg_use(rm);
                }
            }
            Inst::Load { rt, mem, .. } => {
                mem.visit(v);
                v.reg_def(rt);
            }
            Inst::Store { rt, mem, .. } => {
                v.reg_use(rt);
                mem.visit(v);
            }
            Inst::LoadPair { rt, rt2, mem, .. } => {
                v.reg_use(mem.base_mut());
                v.reg_def(rt);
                v.reg_def(rt2);
            }
            Inst::StorePair { rt, rt2, mem, .. } => {
                v.reg_use(rt);
                v.reg_use(rt2);
                v.reg_use(mem.base_mut());
            }
            Inst::LoadLiteral { rt, .. } | Inst::LoadConst { rt, .. } => v.reg_def(rt),
            Inst::Jump { .. }
            | Inst::Udf { .. }
            | Inst::Brk { .. }
            | Inst::Nop
            | Inst::Dmb
            | Inst::Csdb
            | Inst::Pac { .. }
            | Inst::AdjustSp { .. } => {}
            Inst::CondBr { kind, .. } | Inst::TrapIf { kind, .. } => kind.visit(v),
            Inst::Br { rn } | Inst::JmpTable { index: rn, .. } => v.reg_use(rn),
            Inst::Ret { rets } => visit_fixed_uses(rets, v),
            Inst::Args { args, .. } => visit_fixed_defs(args, v),
            Inst::Call { uses, defs, .. } => {
                visit_fixed_uses(uses, v);
                visit_fixed_defs(defs, v);
            }
            Inst::CallInd { rn, uses, defs, .. } => {
                v.reg_use(rn);
                visit_fixed_uses(uses, v);
                visit_fixed_defs(defs, v);
            }
            Inst::ReturnCall { uses, .. } => visit_fixed_uses(uses, v),
            Inst::ReturnCallInd { rn, uses } => {
                v.reg_fixed_use(rn, regs::preg_x(9));
                visit_fixed_uses(uses, v);
            }
            Inst::FpuCmp { rn, rm, .. } => {
                v.reg_use(rn);
                if let Some(rm) = rm {
                    v.reg_use(rm);
                }
            }
            Inst::LoadExclusive { rt, rn, .. } | Inst::LoadAcquire { rt, rn, .. } => {
                v.reg_use(rn);
                v.reg_def(rt);
            }
            Inst::StoreExclusive { rs, rt, rn, .. } => {
                v.reg_use(rt);
                v.reg_use(rn);
                v.reg_early_def(rs);
            }
            Inst::StoreRelease { rt, rn, .. } => {
                v.reg_use(rt);
                v.reg_use(rn);
            }
            Inst::AtomicRmw { rs, rt, rn, .. } => {
                v.reg_use(rs);
                v.reg_use(rn);
                v.reg_def(rt);
            }
            Inst::AtomicRmwLoop { rn, rs, rt, .. } => {
                v.reg_use(rn);
                v.reg_use(rs);
                v.reg_early_def(rt);
            }
            Inst::AtomicCasLoop { rn, expected, replacement, rt, .. } => {
                v.reg_use(rn);
                v.reg_use(expected);
                v.reg_use(replacement);
                v.reg_early_def(rt);
            }
            Inst::Cas { rd, rs, rt, rn, .. } => {
                v.reg_use(rs);
                v.reg_use(rt);
                v.reg_use(rn);
                v.reg_reuse_def(rd, 0);
            }
        }
    }

    fn entry_call_conv(&self) -> Option<CallConv> {
        match self {
            Inst::Args { call_conv, .. } => Some(*call_conv),
            _ => None,
        }
    }

    fn clobbers(&self) -> PRegSet {
        match self {
            Inst::Call { clobbers, .. } | Inst::CallInd { clobbers, .. } => *clobbers,
            _ => PRegSet::empty(),
        }
    }

    fn terminator_kind(&self) -> TerminatorKind {
        match self {
            Inst::Jump { .. } | Inst::CondBr { .. } | Inst::JmpTable { .. } => TerminatorKind::Branch,
            Inst::Ret { .. } | Inst::ReturnCall { .. } | Inst::ReturnCallInd { .. } => TerminatorKind::Ret,
            Inst::Udf { .. } => TerminatorKind::NoReturn,
            _ => TerminatorKind::None,
        }
    }

    fn gen_move(dst: Reg, src: Reg, class: RegClass) -> Inst {
        match class {
            RegClass::Int => Inst::mov64(dst, src),
            RegClass::Float | RegClass::Vector => Inst::FpuMove128 { rd: dst, rn: src },
        }
    }

    fn gen_jump(target: MachLabel) -> Inst {
        Inst::Jump { target }
    }

    fn map_branch_targets(&mut self, f: &dyn Fn(MachLabel) -> MachLabel) {
        match self {
            Inst::Jump { target } => *target = f(*target),
            Inst::CondBr { taken, not_taken, .. } => {
                *taken = f(*taken);
                *not_taken = f(*not_taken);
            }
            Inst::JmpTable { default, targets, .. } => {
                *default = f(*default);
                for t in targets.iter_mut() {
                    *t = f(*t);
                }
            }
            _ => {}
        }
    }

    fn gen_spill(sp_offset: u32, src: Reg, _class: RegClass) -> Inst {
        sp_access(true, src, sp_offset)
    }

    fn gen_reload(dst: Reg, sp_offset: u32, _class: RegClass) -> Inst {
        sp_access(false, dst, sp_offset)
    }

    fn gen_prologue(frame: &FrameInfo) -> Vec<FrameItem<Inst>> {
        let mut out = Vec::new();
        if frame.sign_return_address {
            // Signed before x30 is stored, so the saved copy is signed too.
            out.push(FrameItem::Inst(Inst::Pac { op: PacOp::Paciasp }));
            out.push(FrameItem::Unwind(UnwindInst::NegateRaState));
        }
        out.extend(pair_saves(crate::machinst::abi::frame::gen_prologue(frame)));
        out
    }

    fn gen_epilogue(frame: &FrameInfo) -> Vec<FrameItem<Inst>> {
        let mut out = pair_saves(crate::machinst::abi::frame::gen_epilogue(frame));
        if frame.sign_return_address {
            // SP is back at its value at entry, the modifier `paciasp` used.
            out.push(FrameItem::Inst(Inst::Pac { op: PacOp::Autiasp }));
            out.push(FrameItem::Unwind(UnwindInst::NegateRaState));
        }
        out
    }

    fn gen_frame_setup() -> Vec<FrameItem<Inst>> {
        use FrameItem::{Inst as I, Unwind as U};
        let (fp, lr) = (regs::dwarf_reg(regs::preg_x(29)), regs::dwarf_reg(regs::preg_x(30)));
        let mem = PairAMode::PreIndex { rn: regs::sp(), offset: -16 };
        // After the `stp` the CFA (SP at entry) is 16 bytes up, with x29 and x30 at its
        // bottom; from `mov x29, sp` on it is x29 + 16.
        vec![
            I(Inst::StorePair { size: PairSize::X, rt: regs::fp(), rt2: regs::lr(), mem }),
            U(UnwindInst::CfaSp { offset: 16 }),
            U(UnwindInst::Saved { reg: fp, offset: -16 }),
            U(UnwindInst::Saved { reg: lr, offset: -8 }),
            I(Inst::mov_sp(regs::fp(), regs::sp())),
            U(UnwindInst::CfaFp { reg: fp, offset: 16 }),
        ]
    }

    fn gen_frame_teardown() -> Vec<FrameItem<Inst>> {
        use FrameItem::{Inst as I, Unwind as U};
        let mem = PairAMode::PostIndex { rn: regs::sp(), offset: 16 };
        vec![
            I(Inst::LoadPair { size: PairSize::X, rt: regs::fp(), rt2: regs::lr(), mem }),
            U(UnwindInst::CfaSp { offset: 0 }),
            U(UnwindInst::Restored { reg: regs::dwarf_reg(regs::preg_x(29)) }),
            U(UnwindInst::Restored { reg: regs::dwarf_reg(regs::preg_x(30)) }),
        ]
    }

    /// A 16-byte push (SP stays aligned): `str r, [sp, #-16]!`. Not used by [`FRAME`],
    /// which stores every register.
    fn gen_push(r: Reg) -> Vec<Inst> {
        let mem = AMode::PreIndex { rn: regs::sp(), offset: -16 };
        vec![match r.class() {
            RegClass::Int => Inst::Store { op: StoreOp::StrX, rt: r, mem, trap: None },
            _ => Inst::Store { op: StoreOp::StrD, rt: r, mem, trap: None },
        }]
    }

    /// `ldr r, [sp], #16`, undoing [`MachInst::gen_push`].
    fn gen_pop(r: Reg) -> Vec<Inst> {
        let mem = AMode::PostIndex { rn: regs::sp(), offset: 16 };
        vec![match r.class() {
            RegClass::Int => Inst::Load { op: LoadOp::LdrX, rt: r, mem, trap: None },
            _ => Inst::Load { op: LoadOp::LdrD, rt: r, mem, trap: None },
        }]
    }

    fn gen_sp_sub(size: u32, probe_interval: Option<u32>) -> Vec<Inst> {
        stack_probed_sub(size, probe_interval)
    }

    fn gen_sp_add(size: u32) -> Inst {
        Inst::AdjustSp { amount: size as i64 }
    }

    fn gen_save(r: Reg, sp_offset: u32) -> Inst {
        sp_access(true, r, sp_offset)
    }

    fn gen_restore(r: Reg, sp_offset: u32) -> Inst {
        sp_access(false, r, sp_offset)
    }

    fn dwarf_reg(p: PReg) -> DwarfReg {
        regs::dwarf_reg(p)
    }

    fn emit(&self, buf: &mut MachBuffer<Self::LabelUse>, state: &EmitState<'_>) {
        crate::isa::aarch64::emit::emit(self, buf, state);
    }

    fn print(&self) -> String {
        crate::isa::aarch64::print::print(self)
    }

    fn print_emitted(&self, state: &EmitState<'_>) -> String {
        crate::isa::aarch64::print::print_emitted(self, state)
    }
}
