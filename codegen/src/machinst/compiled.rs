//! `CompiledCode`: the plain-data result of compiling one function, handed to the JIT or
//! an object-file writer. Nothing in it points back into the compiler.

use crate::ir::{ExternalName, SourceLoc, TrapCode};

/// How a relocation patches the code.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum RelocKind {
    /// A 4-byte PC-relative offset: `target + addend - (address of the 4 bytes)`. x86-64
    /// `call rel32` uses this with addend -4.
    X86PcRel4,
    /// An absolute 8-byte address: `target + addend`.
    Abs8,
}

/// A place in the code that needs the address of a symbol.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Reloc {
    /// Offset of the bytes to patch, from the start of the function.
    pub offset: u32,
    /// How to patch them.
    pub kind: RelocKind,
    /// The symbol whose address is needed.
    pub target: ExternalName,
    /// Added to the symbol's address.
    pub addend: i64,
}

/// An instruction that may trap, and with which code.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct TrapSite {
    /// Offset of the trapping instruction from the start of the function.
    pub offset: u32,
    /// The trap code reported when it traps.
    pub code: TrapCode,
}

/// A call instruction: the offset just after it is the return address.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct CallSite {
    /// Offset of the return address (the end of the call instruction).
    pub ret_offset: u32,
}

/// A range of code produced for one source location.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct SrcLocRange {
    /// Start offset (inclusive).
    pub start: u32,
    /// End offset (exclusive).
    pub end: u32,
    /// The source location.
    pub loc: SourceLoc,
}

/// The frame of the compiled function, for unwinders and debuggers.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct FrameLayout {
    /// Bytes the prologue allocates below the saved frame pointer (spill slots, stack
    /// slots, outgoing arguments, saved registers).
    pub frame_size: u32,
    /// Whether the function sets up a frame pointer.
    pub uses_frame_pointer: bool,
}

/// One compiled function.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CompiledCode {
    /// The machine code, starting at the function's entry point.
    pub code: Vec<u8>,
    /// Required alignment of the code in bytes.
    pub alignment: u32,
    /// Symbol references to patch when the code is placed.
    pub relocs: Vec<Reloc>,
    /// Instructions that may trap, sorted by offset.
    pub traps: Vec<TrapSite>,
    /// Calls made by the function, sorted by offset.
    pub call_sites: Vec<CallSite>,
    /// Source locations of the code, sorted by offset.
    pub srclocs: Vec<SrcLocRange>,
    /// The frame description.
    pub frame: FrameLayout,
    /// What the prologue and epilogues do to the frame, sorted by offset (see
    /// `machinst::unwind`).
    pub unwind: Vec<super::unwind::UnwindRecord>,
    /// The disassembly-like listing, when requested (`test compile`, `lathe compile`).
    pub listing: Option<String>,
}
