//! The [`MachInst`] implementation of the riscv64 [`Inst`]: operands for the register
//! allocator, terminators, moves, spills and reloads, and the frame hooks.
//!
//! The frame (LP64D, with a frame record; `s0` is the frame pointer and, as the psABI's
//! frame-pointer convention has it, points at the CFA):
//!
//! ```text
//!   higher addresses
//!   | incoming stack arguments  |  [s0 + offset]          (AMode::IncomingArg)
//!   | saved ra                  |  [s0 - 8]     <- CFA = s0
//!   | saved s0                  |  [s0 - 16]
//!   | saved s1-s11, fs0-fs11    |  [sp + FrameInfo::stored_saves], 8 bytes each
//!   | spill slots (8 bytes each)|
//!   | explicit stack slots      |  (AMode::StackSlot)
//!   | outgoing arguments        |  [sp + 0 ..]
//!   lower addresses                              <- sp (16-byte aligned)
//! ```
//!
//! Note: the shared frame picture (`machinst::abi::frame`) draws the frame pointer
//! `setup_area` bytes below the CFA; here it is at the CFA. Nothing in the shared layer
//! reads the frame pointer's value (only its unwind rule, `CfaFp { offset: 0 }`), so the
//! psABI convention, which debuggers and profilers walking frame pointers expect, wins.
//!
//! The prologue is `addi sp, sp, -16; sd ra, 8(sp); sd s0, 0(sp); addi s0, sp, 16`, then
//! `sp` lowered (probed per page when large) and the callee-saved registers stored; the
//! epilogue undoes it in reverse, ending with `ld ra, 8(sp); ld s0, 0(sp); addi sp, sp,
//! 16`.

use super::Inst;
use super::args::*;
use crate::ir::{CallConv, Endianness};
use crate::isa::riscv64::regs;
use crate::machinst::abi::{FrameDesc, SaveStyle};
use crate::machinst::{
    DwarfReg, EmitState, FrameItem, FrameRules, MachBuffer, MachInst, MachLabel, OperandVisitor, PReg, PRegSet, Reg,
    RegClass, TerminatorKind, UnwindInst,
};

/// The riscv64 frame: ra and s0 in a 16-byte setup area, SP 16-byte aligned, every
/// callee-saved register stored in an 8-byte slot.
pub const FRAME: FrameDesc = FrameDesc {
    setup_area: 16,
    stack_align: 16,
    int_save: SaveStyle::Store { size: 8 },
    float_save: SaveStyle::Store { size: 8 },
};

/// The frame rules of LP64D functions (every supported convention saves s1-s11 and
/// fs0-fs11), and whether the target has compressed instructions.
#[derive(Copy, Clone, Debug, Default)]
pub struct Riscv64FrameRules {
    /// Emit compressed (C) encodings where they exist (`FrameInfo::emit_flags` bit 0).
    pub has_c: bool,
}

/// The `FrameInfo::emit_flags` bit of compressed encodings.
pub const EMIT_COMPRESSED: u32 = 1;

impl FrameRules for Riscv64FrameRules {
    fn callee_saved(&self, _conv: CallConv) -> &[PReg] {
        &regs::CALLEE_SAVED
    }
    fn frame_desc(&self) -> &FrameDesc {
        &FRAME
    }
    fn emit_flags(&self) -> u32 {
        if self.has_c { EMIT_COMPRESSED } else { 0 }
    }
}

/// The encoder's view of `state`'s emission flags.
fn emit_info(state: &EmitState<'_>) -> crate::isa::riscv64::emit::EmitInfo {
    crate::isa::riscv64::emit::EmitInfo { has_c: state.frame.emit_flags & EMIT_COMPRESSED != 0 }
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
    let mem = AMode::SpOffset { offset };
    match (store, r.class()) {
        (true, RegClass::Int) => Inst::Store { op: StoreOp::Sd, src: r, mem, trap: None },
        (true, _) => Inst::Store { op: StoreOp::Fsd, src: r, mem, trap: None },
        (false, RegClass::Int) => Inst::Load { op: LoadOp::Ld, rd: r, mem, trap: None },
        (false, _) => Inst::Load { op: LoadOp::Fld, rd: r, mem, trap: None },
    }
}

/// Lowers SP by `size`, probing large frames: when `interval` is given and the frame is
/// more than `interval - 128` bytes, SP goes down one interval at a time and each step
/// stores zero at the new SP (`sd zero, 0(sp)`), so an overflow faults on the guard page
/// instead of jumping over it; the remainder is allocated and probed last.
fn stack_probed_sub(size: u32, interval: Option<u32>) -> Vec<Inst> {
    if size == 0 {
        return Vec::new();
    }
    let Some(page) = interval.filter(|&page| size > page.saturating_sub(128)) else {
        return vec![Inst::AdjustSp { amount: -(size as i64) }];
    };
    let probe = Inst::Store { op: StoreOp::Sd, src: regs::zero(), mem: AMode::SpOffset { offset: 0 }, trap: None };
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
            RegClass::Int => regs::gpr_name(reg),
            _ => regs::fpr_name(reg),
        }
    }
    type LabelUse = crate::isa::riscv64::emit::Riscv64LabelUse;

    const ENDIANNESS: Endianness = Endianness::Little;

    /// The longest expansion is an access at a 64-bit offset: up to four instructions
    /// building it in t6 (or a literal load: 8 bytes of code, 8 of constant and 7 of
    /// padding), the `add` and the access; a two-way branch adds two veneers (4 and 8
    /// bytes). 64 bounds them all.
    const WORST_CASE_SIZE: u32 = 64;

    fn visit_operands(&mut self, v: &mut dyn OperandVisitor) {
        match self {
            Inst::AluRRR { rd, rs1, rs2, .. }
            | Inst::FpuRRR { rd, rs1, rs2, .. }
            | Inst::FpuCmp { rd, rs1, rs2, .. } => {
                v.reg_use(rs1);
                v.reg_use(rs2);
                v.reg_def(rd);
            }
            Inst::AluRRImm12 { rd, rs1, .. }
            | Inst::ShiftImm { rd, rs1, .. }
            | Inst::AluRR { rd, rs1, .. }
            | Inst::FpuRR { rd, rs1, .. }
            | Inst::FpuClass { rd, rs1, .. }
            | Inst::FpuCvt { rd, rs1, .. }
            | Inst::FpuToInt { rd, rs1, .. }
            | Inst::IntToFpu { rd, rs1, .. }
            | Inst::FmvToInt { rd, rs1, .. }
            | Inst::FmvFromInt { rd, rs1, .. }
            | Inst::FcvtModWD { rd, rs1 } => {
                v.reg_use(rs1);
                v.reg_def(rd);
            }
            Inst::Extend { rd, rs, .. } => {
                v.reg_use(rs);
                v.reg_def(rd);
            }
            Inst::Lea { rd, mem } => {
                mem.visit(v);
                v.reg_def(rd);
            }
            Inst::AtomicLoop { addr, src, expected, old, t1, t2, t3, t4, .. } => {
                v.reg_use(addr);
                v.reg_use(src);
                v.reg_use(expected);
                v.reg_early_def(old);
                v.reg_early_def(t1);
                v.reg_early_def(t2);
                v.reg_early_def(t3);
                v.reg_early_def(t4);
            }
            Inst::FpuRRRR { rd, rs1, rs2, rs3, .. } => {
                v.reg_use(rs1);
                v.reg_use(rs2);
                v.reg_use(rs3);
                v.reg_def(rd);
            }
            Inst::Lui { rd, .. }
            | Inst::Auipc { rd, .. }
            | Inst::LoadAddr { rd, .. }
            | Inst::LoadGotAddr { rd, .. }
            | Inst::LoadLabelAddr { rd, .. }
            | Inst::LoadConst { rd, .. }
            | Inst::Fli { rd, .. } => v.reg_def(rd),
            Inst::Load { rd, mem, .. } => {
                mem.visit(v);
                v.reg_def(rd);
            }
            Inst::Store { src, mem, .. } => {
                v.reg_use(src);
                mem.visit(v);
            }
            Inst::Jump { .. }
            | Inst::Udf { .. }
            | Inst::Ebreak
            | Inst::Nop
            | Inst::Fence { .. }
            | Inst::AdjustSp { .. } => {}
            Inst::CondBr { kind, .. } | Inst::TrapIf { kind, .. } => kind.visit(v),
            Inst::Jalr { rd, base, .. } => {
                v.reg_use(base);
                v.reg_def(rd);
            }
            Inst::Ret { rets } => visit_fixed_uses(rets, v),
            Inst::Args { args, .. } => visit_fixed_defs(args, v),
            Inst::Call { uses, defs, .. } => {
                visit_fixed_uses(uses, v);
                visit_fixed_defs(defs, v);
            }
            Inst::CallInd { rs, uses, defs, .. } => {
                v.reg_use(rs);
                visit_fixed_uses(uses, v);
                visit_fixed_defs(defs, v);
            }
            Inst::ReturnCall { uses, .. } => visit_fixed_uses(uses, v),
            Inst::ReturnCallInd { rs, uses } => {
                v.reg_fixed_use(rs, regs::preg_x(6));
                visit_fixed_uses(uses, v);
            }
            Inst::LoadReserved { rd, addr, .. } => {
                v.reg_use(addr);
                v.reg_def(rd);
            }
            Inst::StoreConditional { rd, addr, src, .. } => {
                v.reg_use(addr);
                v.reg_use(src);
                v.reg_early_def(rd);
            }
            Inst::Amo { rd, addr, src, .. } => {
                v.reg_use(addr);
                v.reg_use(src);
                v.reg_def(rd);
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
            Inst::Jump { .. } | Inst::CondBr { .. } => TerminatorKind::Branch,
            Inst::Ret { .. } | Inst::ReturnCall { .. } | Inst::ReturnCallInd { .. } => TerminatorKind::Ret,
            Inst::Udf { .. } => TerminatorKind::NoReturn,
            _ => TerminatorKind::None,
        }
    }

    /// `mv` for integers; `fmv.d` for floats (it copies all 64 bits, so a NaN-boxed
    /// single moves unchanged). riscv64 has no vector class in this backend yet; a
    /// vector move is asked for only by code the lowering does not produce.
    fn gen_move(dst: Reg, src: Reg, class: RegClass) -> Inst {
        match class {
            RegClass::Int => Inst::mv(dst, src),
            RegClass::Float | RegClass::Vector => Inst::fmv(dst, src),
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
            _ => {}
        }
    }

    fn gen_spill(sp_offset: u32, src: Reg, _class: RegClass) -> Inst {
        sp_access(true, src, sp_offset as i64)
    }

    fn gen_reload(dst: Reg, sp_offset: u32, _class: RegClass) -> Inst {
        sp_access(false, dst, sp_offset as i64)
    }

    fn gen_frame_setup() -> Vec<FrameItem<Inst>> {
        use FrameItem::{Inst as I, Unwind as U};
        let (sp, fp) = (regs::sp(), regs::fp());
        let (dw_ra, dw_fp) = (regs::dwarf_reg(regs::preg_x(1)), regs::dwarf_reg(regs::preg_x(8)));
        vec![
            I(Inst::AluRRImm12 { op: ImmOp::Addi, rd: sp, rs1: sp, imm: -16 }),
            U(UnwindInst::CfaSp { offset: 16 }),
            I(sp_access(true, regs::ra(), 8)),
            U(UnwindInst::Saved { reg: dw_ra, offset: -8 }),
            I(sp_access(true, fp, 0)),
            U(UnwindInst::Saved { reg: dw_fp, offset: -16 }),
            I(Inst::AluRRImm12 { op: ImmOp::Addi, rd: fp, rs1: sp, imm: 16 }),
            U(UnwindInst::CfaFp { reg: dw_fp, offset: 0 }),
        ]
    }

    fn gen_frame_teardown() -> Vec<FrameItem<Inst>> {
        use FrameItem::{Inst as I, Unwind as U};
        let sp = regs::sp();
        // SP is 16 bytes below the CFA here (the shared epilogue raised it); describe
        // the CFA by SP before s0 is reloaded.
        vec![
            U(UnwindInst::CfaSp { offset: 16 }),
            I(sp_access(false, regs::ra(), 8)),
            U(UnwindInst::Restored { reg: regs::dwarf_reg(regs::preg_x(1)) }),
            I(sp_access(false, regs::fp(), 0)),
            U(UnwindInst::Restored { reg: regs::dwarf_reg(regs::preg_x(8)) }),
            I(Inst::AluRRImm12 { op: ImmOp::Addi, rd: sp, rs1: sp, imm: 16 }),
            U(UnwindInst::CfaSp { offset: 0 }),
        ]
    }

    // `gen_push`/`gen_pop`: the trait's defaults (`addi sp, sp, -8` and a store, a load
    // and `addi sp, sp, 8`); [`FRAME`] stores every callee-saved register instead.

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
        crate::isa::riscv64::emit::emit_with(self, buf, state, &emit_info(state));
    }

    fn print(&self) -> String {
        crate::isa::riscv64::print::print(self)
    }

    fn print_emitted(&self, state: &EmitState<'_>) -> String {
        crate::isa::riscv64::print::print_emitted(self, state, &emit_info(state))
    }
}
