//! The `MachInst` trait: what the machine layer needs from an ISA's instruction type.
//!
//! An ISA's instruction names its registers through [`MachInst::visit_operands`], says
//! whether it ends a block, knows how to emit itself into a [`MachBuffer`] and how to print
//! itself, and provides the moves, spills and reloads the register allocator asks for and
//! the prologue and epilogue of a frame.

use super::buffer::{LabelUse, MachBuffer, MachLabel};
use super::reg::{OperandVisitor, Reg};
use super::unwind::FrameItem;
use crate::ir::{CallConv, Endianness};
use regalloc2::{PRegSet, RegClass};

/// What kind of block end an instruction is.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum TerminatorKind {
    /// Not a terminator.
    None,
    /// Returns from the function (the epilogue is emitted before it).
    Ret,
    /// Branches to blocks of the function (its targets are the block's successors, in
    /// order).
    Branch,
    /// Ends the block without successors and without returning (a trap, a tail call).
    NoReturn,
}

/// The frame of a function as emission sees it, after register allocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameInfo {
    /// Bytes of the outgoing-argument area at the bottom of the frame (at SP).
    pub outgoing_args_size: u32,
    /// Bytes of the explicit stack slots, above the outgoing arguments.
    pub stack_slots_size: u32,
    /// Number of spill slots (8 bytes each), above the stack slots.
    pub spill_slots: u32,
    /// The callee-saved registers the function writes (or calls of other conventions may
    /// overwrite) that the prologue pushes, in push order.
    pub pushed_saves: Vec<Reg>,
    /// Those the prologue stores, with their slots' offsets from SP.
    pub stored_saves: Vec<(Reg, u32)>,
    /// Bytes between the CFA and the frame pointer (`FrameDesc::setup_area`).
    pub setup_area: u32,
    /// Bytes the prologue subtracts from SP after pushing registers.
    pub fixed_frame_size: u32,
    /// The stack guard size large frames are probed by (`Flags::stack_probe_interval`),
    /// or `None` when the settings turn probes off.
    pub probe_interval: Option<u32>,
    /// The prologue signs the return address and every epilogue authenticates it before
    /// returning (`FrameRules::sign_return_address`; aarch64 pointer authentication).
    pub sign_return_address: bool,
    /// ISA-defined bits choosing among encodings of the same instructions (not among
    /// instructions: that is lowering's job), from [`FrameRules::emit_flags`]
    /// (riscv64: bit 0, compressed forms). 0 unless an ISA sets them.
    ///
    /// [`FrameRules::emit_flags`]: super::FrameRules::emit_flags
    pub emit_flags: u32,
}

impl FrameInfo {
    /// Offset from SP of explicit stack slot byte `offset` (stack slot offsets are laid out
    /// by the lowering driver).
    pub fn stack_slot_offset(&self, offset: u32) -> u32 {
        self.outgoing_args_size + offset
    }
    /// Offset from SP of spill slot `slot`.
    pub fn spill_slot_offset(&self, slot: u32) -> u32 {
        self.outgoing_args_size + self.stack_slots_size.next_multiple_of(8) + 8 * slot
    }
}

/// What an instruction's emission may need to know besides itself.
pub struct EmitState<'a> {
    /// The frame layout.
    pub frame: &'a FrameInfo,
    /// The label of the block emitted right after the current one, if any, so branches
    /// can fall through.
    pub next_block: Option<MachLabel>,
}

/// An ISA's machine instruction.
pub trait MachInst: Clone + std::fmt::Debug {
    /// How this ISA's instructions refer to labels.
    type LabelUse: LabelUse;

    /// The byte order of the ISA's instructions and data (the buffer's `put2/4/8`).
    const ENDIANNESS: Endianness;

    /// An upper bound on the bytes one instruction emits plus what its emission adds to
    /// the buffer's next island (constants with alignment padding, veneers of its label
    /// uses); emission asks the buffer before each instruction whether an island is due
    /// within this distance (`MachBuffer::island_needed`).
    const WORST_CASE_SIZE: u32;

    /// Visits every register field with its constraint, always in the same order.
    fn visit_operands(&mut self, visitor: &mut dyn OperandVisitor);

    /// Physical registers the instruction overwrites besides its defs (calls).
    fn clobbers(&self) -> PRegSet {
        PRegSet::empty()
    }

    /// For the pseudo-instruction that defines a function's incoming arguments: the
    /// function's calling convention, which decides its callee-saved registers (see
    /// `FrameRules`). `None` for every other instruction; a function without such an
    /// instruction is taken to use `CallConv::default()`.
    fn entry_call_conv(&self) -> Option<CallConv> {
        None
    }

    /// Whether this instruction, found right between `prev` and `next` in a block before
    /// register allocation, does nothing they need: lowering then leaves it out. (x86-64:
    /// `test r, r` after an `add` that wrote `r` and set the same zero flag, when `next`
    /// only reads that flag.) The register allocator inserts only moves, spills and
    /// reloads between instructions, which change no flags or values. `same` tells
    /// whether two registers name one value (virtual registers may be aliases).
    fn is_redundant_between(&self, _prev: &Self, _next: &Self, _same: &dyn Fn(Reg, Reg) -> bool) -> bool {
        false
    }

    /// Whether and how the instruction ends a block.
    fn terminator_kind(&self) -> TerminatorKind {
        TerminatorKind::None
    }

    /// A register-to-register move of `class`.
    fn gen_move(dst: Reg, src: Reg, class: RegClass) -> Self;

    /// An unconditional jump to a block (for split edges).
    fn gen_jump(target: MachLabel) -> Self;

    /// Rewrites every label the instruction branches to through `f` (emission uses it to
    /// send branches past blocks that hold nothing but a jump). By default nothing: an
    /// ISA whose branches carry labels must implement it.
    fn map_branch_targets(&mut self, f: &dyn Fn(MachLabel) -> MachLabel) {
        let _ = f;
    }

    /// A store of `src` to the spill slot at `sp_offset` bytes above SP.
    fn gen_spill(sp_offset: u32, src: Reg, class: RegClass) -> Self;

    /// A load of the spill slot at `sp_offset` bytes above SP into `dst`.
    fn gen_reload(dst: Reg, sp_offset: u32, class: RegClass) -> Self;

    /// The instructions that set up `frame` on entry, with the unwind events that
    /// describe them: by default the shared prologue (`abi::frame`) built from the frame
    /// hooks below.
    fn gen_prologue(frame: &FrameInfo) -> Vec<FrameItem<Self>> {
        super::abi::frame::gen_prologue(frame)
    }

    /// The instructions that tear `frame` down before a return, with the unwind events
    /// that describe them: by default the shared epilogue.
    fn gen_epilogue(frame: &FrameInfo) -> Vec<FrameItem<Self>> {
        super::abi::frame::gen_epilogue(frame)
    }

    /// Sets up the frame pointer on entry (saving the caller's and whatever the ISA keeps
    /// in the setup area), with the unwind events that say where the CFA and the saved
    /// registers then are.
    fn gen_frame_setup() -> Vec<FrameItem<Self>>;

    /// Undoes [`MachInst::gen_frame_setup`] before a return, with its unwind events.
    fn gen_frame_teardown() -> Vec<FrameItem<Self>>;

    /// Pushes callee-saved register `r` (for a [`SaveStyle::Push`](super::abi::SaveStyle)
    /// class): SP goes down 8 bytes and `r` is stored there. By default SP is lowered
    /// with [`MachInst::gen_sp_sub`] and `r` stored with [`MachInst::gen_save`], so an ISA
    /// without a push instruction (or whose frames only store) need not provide it.
    fn gen_push(r: Reg) -> Vec<Self> {
        let mut out = Self::gen_sp_sub(8, None);
        out.push(Self::gen_save(r, 0));
        out
    }

    /// Pops callee-saved register `r`, undoing [`MachInst::gen_push`]; by default
    /// [`MachInst::gen_restore`] then [`MachInst::gen_sp_add`].
    fn gen_pop(r: Reg) -> Vec<Self> {
        vec![Self::gen_restore(r, 0), Self::gen_sp_add(8)]
    }

    /// Lowers SP by `size` bytes (nothing when 0), touching each `probe_interval` bytes of
    /// a large frame so a stack overflow hits the guard page.
    fn gen_sp_sub(size: u32, probe_interval: Option<u32>) -> Vec<Self>;

    /// Raises SP by `size` bytes.
    fn gen_sp_add(size: u32) -> Self;

    /// Stores callee-saved register `r` whole in its slot at `sp_offset`.
    fn gen_save(r: Reg, sp_offset: u32) -> Self;

    /// Loads callee-saved register `r` whole from its slot at `sp_offset`.
    fn gen_restore(r: Reg, sp_offset: u32) -> Self;

    /// The DWARF number of `p` in the ISA's psABI (for unwind records).
    fn dwarf_reg(p: regalloc2::PReg) -> super::unwind::DwarfReg;

    /// Writes the instruction's machine code.
    fn emit(&self, buf: &mut MachBuffer<Self::LabelUse>, state: &EmitState<'_>);

    /// The instruction in the ISA's assembly syntax, registers as allocated (or virtual).
    fn print(&self) -> String;

    /// The name of a register in the ISA's syntax, at its full width (`%vN` for a virtual
    /// one); used where a register is shown on its own (`lathe explain`'s allocation).
    fn reg_name(reg: Reg) -> String {
        format!("{reg:?}")
    }

    /// The instruction as it is emitted in `state` (a branch to the next block left out,
    /// for instance); by default the same as [`MachInst::print`].
    fn print_emitted(&self, _state: &EmitState<'_>) -> String {
        self.print()
    }
}
