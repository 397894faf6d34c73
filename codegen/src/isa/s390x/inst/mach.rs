//! The [`MachInst`] implementation of the s390x [`Inst`]: operands for the register
//! allocator, terminators, moves, spills and reloads, and the frame.
//!
//! The frame (s390x ELF ABI, no frame pointer, no backchain):
//!
//! ```text
//!   higher addresses
//!   | incoming stack arguments      |  [CFA + offset]             (MemArg::IncomingArg)
//!   | caller's register save area   |  CFA - 160 .. CFA: r`N` saved at CFA - 160 + 8N
//!   +-------------------------------+  <- CFA = r15 at entry + 160
//!   | saved f8-f15                  |  [sp + FrameInfo::stored_saves], 8 bytes each
//!   | spill slots (8 bytes each)    |
//!   | explicit stack slots          |  (MemArg::StackSlot)
//!   | outgoing arguments, starting  |
//!   |  with the callee's 160-byte   |
//!   |  register save area           |  [sp + 0 ..]
//!   lower addresses                     <- sp (8-byte aligned)
//! ```
//!
//! The prologue stores the general registers it must preserve with one `stmg` into the
//! caller's save area: from the lowest callee-saved register the function writes (or
//! r14 when none) to r15 when the frame is not empty (r14 and r15 change then: a function
//! with calls has an outgoing area, as the ABI step reserves the callee's 160-byte save
//! area there), else to the highest one written. Then `aghi %r15, -N` (probed per page
//! when large) and `std` of f8-f15. The epilogue loads the floats back, then one `lmg`
//! reloads the general registers, r15 included, which restores SP without an `aghi`.
//!
//! No backchain is stored (the Linux default, `-mno-backchain`): unwinding uses the CFI
//! from the unwind records. Register pairs (`DivMod`, `MulWide`, `Flogr`) are the fixed
//! pair r2 (even) and r3 (odd): the allocator places the operands there and moves them
//! out, so no pair has to be allocated.

use super::Inst;
use super::SAVE_AREA;
use super::args::*;
use crate::ir::{CallConv, Endianness};
use crate::isa::s390x::regs;
use crate::machinst::abi::{FrameDesc, SaveStyle};
use crate::machinst::{
    DwarfReg, EmitState, FrameInfo, FrameItem, FrameRules, MachBuffer, MachInst, MachLabel, OperandVisitor, PReg,
    PRegSet, Reg, RegClass, TerminatorKind, UnwindInst,
};

/// The s390x frame: no setup area (the return address and the caller's registers go to
/// the caller's save area), SP 8-byte aligned, general registers "pushed" (the shared
/// layout lists them in `pushed_saves`; this ISA's prologue stores them with `stmg`
/// above the frame, so they take no room in it) and float registers stored in 8-byte
/// slots.
pub const FRAME: FrameDesc =
    FrameDesc { setup_area: 0, stack_align: 8, int_save: SaveStyle::Push, float_save: SaveStyle::Store { size: 8 } };

/// The frame rules of s390x ELF ABI functions (r6-r13 and f8-f15 are callee-saved).
#[derive(Copy, Clone, Debug, Default)]
pub struct S390xFrameRules;

impl FrameRules for S390xFrameRules {
    fn callee_saved(&self, _conv: CallConv) -> &[PReg] {
        &regs::CALLEE_SAVED
    }
    fn frame_desc(&self) -> &FrameDesc {
        &FRAME
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
fn sp_access(store: bool, r: Reg, offset: i64) -> Inst {
    let mem = MemArg::SpOffset { offset };
    match (store, r.class()) {
        (true, RegClass::Int) => Inst::Store { op: StoreOp::Stg, rs: r, mem, trap: None },
        (true, _) => Inst::Store { op: StoreOp::Std, rs: r, mem, trap: None },
        (false, RegClass::Int) => Inst::Load { op: LoadOp::Lg, rd: r, mem, trap: None },
        (false, _) => Inst::Load { op: LoadOp::Ld, rd: r, mem, trap: None },
    }
}

/// Lowers SP by `size`, probing large frames: when `interval` is given and the frame is
/// more than `interval - 128` bytes, SP goes down one interval at a time and each step
/// stores r0 at the new SP (`stg %r0, 0(%r15)`; the value does not matter), so an
/// overflow faults on the guard page instead of jumping over it.
fn stack_probed_sub(size: u32, interval: Option<u32>) -> Vec<Inst> {
    if size == 0 {
        return Vec::new();
    }
    let Some(page) = interval.filter(|&page| size > page.saturating_sub(128)) else {
        return vec![Inst::AdjustSp { amount: -(size as i64) }];
    };
    let probe = Inst::Store { op: StoreOp::Stg, rs: regs::zero_reg(), mem: MemArg::bd(regs::sp(), 0), trap: None };
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

/// The general registers the prologue's `stmg` stores, as hardware numbers `(first,
/// last)`, or `None` when the frame needs none.
pub fn saved_gpr_range(frame: &FrameInfo) -> Option<(u8, u8)> {
    let nums = frame.pushed_saves.iter().filter_map(|r| r.to_preg()).map(|p| p.hw_enc() as u8);
    let (lo, hi) = nums.fold((None::<u8>, None::<u8>), |(lo, hi), n| {
        (Some(lo.map_or(n, |l| l.min(n))), Some(hi.map_or(n, |h| h.max(n))))
    });
    if frame.fixed_frame_size > 0 {
        return Some((lo.unwrap_or(14).min(14), 15));
    }
    Some((lo?, hi?))
}

/// The DWARF offset from the CFA of general register `n`'s slot in the caller's save area.
fn save_slot(n: u8) -> i32 {
    8 * n as i32 - SAVE_AREA as i32
}

fn prologue(frame: &FrameInfo) -> Vec<FrameItem<Inst>> {
    use FrameItem::{Inst as I, Unwind as U};
    let mut out = Vec::new();
    if let Some((lo, hi)) = saved_gpr_range(frame) {
        let mem = MemArg::bd(regs::sp(), 8 * lo as i32);
        out.push(I(Inst::StoreMultiple { first: regs::gpr(lo), last: regs::gpr(hi), mem }));
        for n in lo..=hi {
            out.push(U(UnwindInst::Saved { reg: regs::dwarf_reg(regs::preg_r(n)), offset: save_slot(n) }));
        }
    }
    if frame.fixed_frame_size > 0 {
        out.extend(stack_probed_sub(frame.fixed_frame_size, frame.probe_interval).into_iter().map(I));
        out.push(U(UnwindInst::CfaSp { offset: SAVE_AREA + frame.fixed_frame_size }));
    }
    let below_cfa = (SAVE_AREA + frame.fixed_frame_size) as i32;
    for &(r, at) in &frame.stored_saves {
        out.push(I(sp_access(true, r, at as i64)));
        let reg = regs::dwarf_reg(r.to_preg().expect("saved registers are physical"));
        out.push(U(UnwindInst::Saved { reg, offset: at as i32 - below_cfa }));
    }
    out
}

fn epilogue(frame: &FrameInfo) -> Vec<FrameItem<Inst>> {
    use FrameItem::{Inst as I, Unwind as U};
    let mut out = Vec::new();
    for &(r, at) in &frame.stored_saves {
        out.push(I(sp_access(false, r, at as i64)));
        out.push(U(UnwindInst::Restored { reg: regs::dwarf_reg(r.to_preg().expect("physical")) }));
    }
    let Some((lo, hi)) = saved_gpr_range(frame) else {
        return out;
    };
    // The save area is `fixed_frame_size` above SP; beyond a 20-bit displacement, SP is
    // raised first (r15 is reloaded from the same slot either way).
    let mut disp = frame.fixed_frame_size as i64 + 8 * lo as i64;
    if disp >= 1 << 19 {
        out.push(I(Inst::AdjustSp { amount: frame.fixed_frame_size as i64 }));
        out.push(U(UnwindInst::CfaSp { offset: SAVE_AREA }));
        disp = 8 * lo as i64;
    }
    let mem = MemArg::bd(regs::sp(), disp as i32);
    out.push(I(Inst::LoadMultiple { first: regs::gpr(lo), last: regs::gpr(hi), mem }));
    for n in lo..=hi {
        out.push(U(UnwindInst::Restored { reg: regs::dwarf_reg(regs::preg_r(n)) }));
    }
    if hi == 15 {
        out.push(U(UnwindInst::CfaSp { offset: SAVE_AREA }));
    }
    out
}

/// The register an indirect tail call takes its target in: the highest of r5..r2 that no
/// argument uses (caller-saved, so the epilogue's `lmg` does not restore over it, and an
/// allocatable register). Lowering refuses an indirect tail call with all four as
/// arguments; r5 is returned then, and the allocator reports the conflict.
pub fn return_call_target(uses: &[(Reg, PReg)]) -> PReg {
    (2u8..=5).rev().map(regs::preg_r).find(|p| !uses.iter().any(|(_, u)| u == p)).unwrap_or(regs::preg_r(5))
}

impl MachInst for Inst {
    fn reg_name(reg: Reg) -> String {
        match reg.class() {
            RegClass::Int => regs::gpr_name(reg),
            _ => regs::fpr_name(reg),
        }
    }
    type LabelUse = crate::isa::s390x::emit::S390xLabelUse;

    const ENDIANNESS: Endianness = Endianness::Big;

    /// The longest expansion is a storage access at a 64-bit offset: the offset built in
    /// r1 (12 bytes), an `la` (4) and the access (6); a literal load adds 8 bytes of
    /// constant and 7 of padding; a two-way branch adds two 6-byte veneers. 64 bounds
    /// them all.
    const WORST_CASE_SIZE: u32 = 64;

    fn visit_operands(&mut self, v: &mut dyn OperandVisitor) {
        let (r2, r3) = (regs::preg_r(2), regs::preg_r(3));
        match self {
            Inst::AluRRR { rd, rn, rm, .. } | Inst::Select { rd, rn, rm, .. } => {
                v.reg_use(rn);
                v.reg_use(rm);
                v.reg_def(rd);
            }
            Inst::AluRR { rd, ri, rm, .. }
            | Inst::CMov { rd, ri, rm, .. }
            | Inst::FpuRR { rd, ri, rm, .. }
            | Inst::RxSbg { rd, ri, rn: rm, .. } => {
                v.reg_use(ri);
                v.reg_use(rm);
                v.reg_reuse_def(rd, 0);
            }
            Inst::AluImm { rd, ri, .. } | Inst::CMovImm { rd, ri, .. } => {
                v.reg_use(ri);
                v.reg_reuse_def(rd, 0);
            }
            Inst::Shift32 { rd, ri, amt_reg, .. } => {
                v.reg_use(ri);
                v.reg_use(amt_reg);
                v.reg_reuse_def(rd, 0);
            }
            Inst::Unary { rd, rn, .. }
            | Inst::FpuUnary { rd, rn, .. }
            | Inst::FpuConv { rd, rn, .. }
            | Inst::MovToFpr { rd, rn }
            | Inst::MovFromFpr { rd, rn } => {
                v.reg_use(rn);
                v.reg_def(rd);
            }
            Inst::Shift { rd, rn, amt_reg, .. } => {
                v.reg_use(rn);
                v.reg_use(amt_reg);
                v.reg_def(rd);
            }
            Inst::LoadImm { rd, .. }
            | Inst::FpuZero { rd, .. }
            | Inst::LoadSymbolAddr { rd, .. }
            | Inst::LoadGotAddr { rd, .. }
            | Inst::LoadLabelAddr { rd, .. }
            | Inst::LoadConst { rd, .. } => v.reg_def(rd),
            Inst::Cmp { rn, rm, .. } | Inst::FpuCmp { rn, rm, .. } => {
                v.reg_use(rn);
                v.reg_use(rm);
            }
            Inst::CmpImm { rn, .. } | Inst::JumpTable { index: rn, .. } => v.reg_use(rn),
            Inst::Load { rd, mem, .. } => {
                mem.visit(v);
                v.reg_def(rd);
            }
            Inst::Store { rs, mem, .. } => {
                v.reg_use(rs);
                mem.visit(v);
            }
            Inst::Cas { rd, ri, rn, mem, .. } => {
                v.reg_use(ri);
                v.reg_use(rn);
                mem.visit(v);
                v.reg_reuse_def(rd, 0);
            }
            Inst::AtomicRmw { rd, rn, mem, .. } => {
                v.reg_use(rn);
                mem.visit(v);
                v.reg_def(rd);
            }
            Inst::AtomicLoop { addr, shift, neg, src, expected, old, .. } => {
                v.reg_use(addr);
                v.reg_use(shift);
                v.reg_use(neg);
                v.reg_use(src);
                v.reg_use(expected);
                v.reg_early_def(old);
            }
            Inst::FpuFma { rd, ri, rn, rm, .. } => {
                v.reg_use(ri);
                v.reg_use(rn);
                v.reg_use(rm);
                v.reg_reuse_def(rd, 0);
            }
            Inst::DivMod { rem, quot, hi, lo, rn, .. } => {
                if let Some(hi) = hi {
                    v.reg_fixed_use(hi, r2);
                }
                v.reg_fixed_use(lo, r3);
                v.reg_use(rn);
                v.reg_fixed_def(rem, r2);
                v.reg_fixed_def(quot, r3);
            }
            Inst::MulWide { op, hi, lo, rn, rm } => {
                if op.enc().1 {
                    v.reg_use(rn);
                } else {
                    v.reg_fixed_use(rn, r3);
                }
                v.reg_use(rm);
                v.reg_fixed_def(hi, r2);
                v.reg_fixed_def(lo, r3);
            }
            Inst::Flogr { rd, clobber, rn } => {
                v.reg_use(rn);
                v.reg_fixed_def(rd, r2);
                v.reg_fixed_def(clobber, r3);
            }
            // Physical registers only (prologue and epilogue).
            Inst::LoadMultiple { .. } | Inst::StoreMultiple { .. } => {}
            Inst::Jump { .. } | Inst::Udf { .. } | Inst::Nop | Inst::Fence { .. } | Inst::AdjustSp { .. } => {}
            Inst::CondBr { kind, .. } | Inst::TrapIf { kind, .. } => kind.visit(v),
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
                let target = return_call_target(uses);
                v.reg_fixed_use(rn, target);
                visit_fixed_uses(uses, v);
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
            Inst::Jump { .. } | Inst::CondBr { .. } | Inst::JumpTable { .. } => TerminatorKind::Branch,
            Inst::Ret { .. } | Inst::ReturnCall { .. } | Inst::ReturnCallInd { .. } => TerminatorKind::Ret,
            Inst::Udf { .. } => TerminatorKind::NoReturn,
            _ => TerminatorKind::None,
        }
    }

    /// `lgr` for integers; `ldr` for floats (it copies all 64 bits, so a single moves
    /// unchanged). There is no vector class in this backend yet; a vector move is asked
    /// for only by code the lowering does not produce.
    fn gen_move(dst: Reg, src: Reg, class: RegClass) -> Inst {
        match class {
            RegClass::Int => Inst::mov64(dst, src),
            RegClass::Float | RegClass::Vector => Inst::fmov(dst, src),
        }
    }

    fn gen_jump(target: MachLabel) -> Inst {
        Inst::Jump { target }
    }

    fn map_branch_targets(&mut self, f: &dyn Fn(MachLabel) -> MachLabel) {
        match self {
            Inst::Jump { target } => *target = f(*target),
            Inst::JumpTable { default, targets, .. } => {
                *default = f(*default);
                for t in targets.iter_mut() {
                    *t = f(*t);
                }
            }
            Inst::CondBr { taken, not_taken, .. } => {
                *taken = f(*taken);
                *not_taken = f(*not_taken);
            }
            _ => {}
        }
    }

    fn gen_spill(sp_offset: u32, src: Reg, _class: RegClass) -> Inst {
        sp_access(true, src, sp_offset as i64)
    }

    fn gen_reload(dst: Reg, sp_offset: u32, _class: RegClass) -> Inst {
        sp_access(false, dst, sp_offset as i64)
    }

    /// The s390x prologue (see the module documentation): `stmg` into the caller's save
    /// area, SP lowered, float registers stored.
    fn gen_prologue(frame: &FrameInfo) -> Vec<FrameItem<Inst>> {
        prologue(frame)
    }

    /// The s390x epilogue: float registers loaded, then one `lmg` that also restores SP.
    fn gen_epilogue(frame: &FrameInfo) -> Vec<FrameItem<Inst>> {
        epilogue(frame)
    }

    /// Not used: [`MachInst::gen_prologue`] is this ISA's own (there is no frame pointer
    /// to set up).
    fn gen_frame_setup() -> Vec<FrameItem<Inst>> {
        Vec::new()
    }

    /// Not used: see [`MachInst::gen_frame_setup`].
    fn gen_frame_teardown() -> Vec<FrameItem<Inst>> {
        Vec::new()
    }

    // `gen_push`/`gen_pop`: the trait's defaults (the general registers are saved with
    // `stmg` by this ISA's own prologue; nothing is pushed).

    fn gen_sp_sub(size: u32, probe_interval: Option<u32>) -> Vec<Inst> {
        stack_probed_sub(size, probe_interval)
    }

    fn gen_sp_add(size: u32) -> Inst {
        Inst::AdjustSp { amount: size as i64 }
    }

    fn gen_save(r: Reg, sp_offset: u32) -> Inst {
        sp_access(true, r, sp_offset as i64)
    }

    fn gen_restore(r: Reg, sp_offset: u32) -> Inst {
        sp_access(false, r, sp_offset as i64)
    }

    fn dwarf_reg(p: PReg) -> DwarfReg {
        regs::dwarf_reg(p)
    }

    fn emit(&self, buf: &mut MachBuffer<Self::LabelUse>, state: &EmitState<'_>) {
        crate::isa::s390x::emit::emit(self, buf, state);
    }

    fn print(&self) -> String {
        crate::isa::s390x::print::print(self)
    }

    fn print_emitted(&self, state: &EmitState<'_>) -> String {
        crate::isa::s390x::print::print_emitted(self, state)
    }
}
