//! Unwind records: what a prologue and an epilogue do to the frame, as ISA-independent
//! events at code offsets, from which `.eh_frame` (object files) and the JIT's frame
//! registration are written.
//!
//! The events follow the model of DWARF call-frame information without depending on it:
//! the canonical frame address (CFA) is the caller's stack pointer before the call, and
//! every event says how to find it or where a register of the caller was saved relative
//! to it. Registers are named by their DWARF numbers, which each ISA's psABI defines, so a
//! consumer needs nothing from the ISA to use them.
//!
//! Input: the ISA's prologue and epilogue ([`MachInst::gen_prologue`],
//! [`MachInst::gen_epilogue`](super::MachInst::gen_epilogue)) interleave [`FrameItem::Unwind`]
//! items with their instructions; emission records each at the offset where it is emitted
//! (after the instruction before it), and brackets every epilogue in the middle of a
//! function with [`UnwindInst::RememberState`] and [`UnwindInst::RestoreState`], so the
//! code after a return unwinds like the body.
//!
//! Output: `CompiledCode::unwind`, sorted by offset.
//!
//! [`MachInst::gen_prologue`]: super::MachInst::gen_prologue

/// A register, by its DWARF number in the ISA's psABI.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct DwarfReg(pub u16);

/// One change to the frame, effective from the offset it is recorded at.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum UnwindInst {
    /// The CFA is now the stack pointer plus `offset` bytes.
    CfaSp {
        /// Bytes from the stack pointer up to the CFA.
        offset: u32,
    },
    /// The CFA is now the frame-pointer register `reg` plus `offset` bytes (set once the
    /// frame pointer is established; moving the stack pointer then changes nothing).
    CfaFp {
        /// The frame-pointer register.
        reg: DwarfReg,
        /// Bytes from the frame pointer up to the CFA.
        offset: u32,
    },
    /// The caller's value of `reg` is saved at the CFA plus `offset` (negative: below it).
    Saved {
        /// The register saved.
        reg: DwarfReg,
        /// Where, relative to the CFA.
        offset: i32,
    },
    /// `reg` holds the caller's value again (an epilogue restored it).
    Restored {
        /// The register restored.
        reg: DwarfReg,
    },
    /// Remember the current rules (before an epilogue that more code follows).
    RememberState,
    /// Return to the rules last remembered (after that epilogue's return).
    RestoreState,
    /// The return address toggles between plain and signed (aarch64 pointer
    /// authentication: after `paciasp` it is signed, after `autiasp` plain again), so an
    /// unwinder strips the signature before using it (DWARF's
    /// `DW_CFA_AARCH64_negate_ra_state`). Only aarch64 records it.
    NegateRaState,
}

/// An item of a prologue or epilogue: an instruction, or an unwind event that holds from
/// the end of the instruction before it.
#[derive(Clone, Debug)]
pub enum FrameItem<I> {
    /// An instruction to emit.
    Inst(I),
    /// An event to record at the current offset.
    Unwind(UnwindInst),
}

impl<I> FrameItem<I> {
    /// The instruction, if this is one.
    pub fn inst(&self) -> Option<&I> {
        match self {
            FrameItem::Inst(i) => Some(i),
            FrameItem::Unwind(_) => None,
        }
    }

    /// The instruction, if this is one, by value.
    pub fn into_inst(self) -> Option<I> {
        match self {
            FrameItem::Inst(i) => Some(i),
            FrameItem::Unwind(_) => None,
        }
    }
}

/// An event and the code offset it takes effect at.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct UnwindRecord {
    /// Offset from the start of the function.
    pub offset: u32,
    /// The event.
    pub inst: UnwindInst,
}

/// What holds at a function's entry on an ISA, before its prologue runs: the part of the
/// call-frame information every function of the ISA shares (in `.eh_frame`, the common
/// information entry). Each ISA gives one through
/// [`TargetIsa::unwind_cie`](crate::isa::TargetIsa::unwind_cie).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct CieDesc {
    /// Code offsets in unwind records are multiples of this (the smallest instruction size).
    pub code_alignment: u8,
    /// Stack offsets of saved registers are multiples of this (negative: the stack grows
    /// down).
    pub data_alignment: i8,
    /// The DWARF column that holds the return address.
    pub return_address: DwarfReg,
    /// The stack-pointer register.
    pub stack_pointer: DwarfReg,
    /// At entry, the CFA is the stack pointer plus this.
    pub entry_cfa_offset: u32,
    /// At entry, where the return address is saved relative to the CFA; `None` when it
    /// is in the [`return_address`](Self::return_address) register itself (a link
    /// register).
    pub return_address_saved_at: Option<i32>,
}
