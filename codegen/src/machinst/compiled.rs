//! `CompiledCode`: the plain-data result of compiling one function, handed to the JIT or
//! an object-file writer. Nothing in it points back into the compiler.

use crate::ir::{ExternalName, SourceLoc, TrapCode};

/// How a relocation patches the code, named after the ELF relocation an object writer
/// emits for it. In the formulas (the ELF psABI notation): `S` is the symbol's address, `A`
/// the addend, `P` the address of the patched field, `L` the address of the symbol's PLT
/// entry (the symbol itself when it is local or the code is linked statically), `G + GOT`
/// the address of the symbol's GOT slot, and `Page(x)` is `x` with its low 12 bits cleared.
/// Fields are written in the target's byte order.
///
/// A kind is the same on every object format; the object writer maps it to the format's
/// relocation (for ELF, the one named below) and the JIT applies the kinds of its host.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum RelocKind {
    /// An 8-byte absolute address, `S + A`: ELF `R_X86_64_64`, `R_AARCH64_ABS64`,
    /// `R_RISCV_64`, `R_390_64` (one kind for all, in the target's byte order).
    Abs8,
    /// x86-64 `R_X86_64_PC32`: a 4-byte signed `S + A - P`. A PC-relative data
    /// reference (`lea`, `mov` from `[rip+sym]`); the addend is minus the bytes from the
    /// field to the end of the instruction.
    X86PcRel4,
    /// x86-64 `R_X86_64_PLT32`: a 4-byte signed `L + A - P`, the rel32 of `call` and of
    /// a tail-call `jmp` to a function (addend -4). A linker may route it through a PLT
    /// entry, the JIT through a veneer, when the function is more than ±2 GiB away.
    X86CallPlt4,
    /// x86-64 `R_X86_64_GOTPCREL`: a 4-byte signed `G + GOT + A - P`, the rel32 of
    /// `mov reg, [rip+sym@GOTPCREL]`, which loads the symbol's address from its GOT slot
    /// (position-independent code).
    X86GotPcRel4,
    /// x86-64 `R_X86_64_TLSGD`: a 4-byte signed `G + GOT + A - P` to the symbol's
    /// general-dynamic TLS descriptor (module and offset), the rel32 of the
    /// `data16 lea rdi, [rip + sym@TLSGD]` that starts the `__tls_get_addr` call sequence
    /// (addend -4). The symbol is thread-local; a linker may relax the whole sequence.
    X86TlsGd4,
    /// aarch64 `R_AARCH64_CALL26`: `bl`'s 26-bit word offset, `(S + A - P) >> 2`
    /// (±128 MiB); a linker adds a veneer when the callee is further.
    Aarch64Call26,
    /// aarch64 `R_AARCH64_JUMP26`: `b`'s 26-bit word offset (a tail call), as
    /// [`RelocKind::Aarch64Call26`].
    Aarch64Jump26,
    /// aarch64 `R_AARCH64_ADR_PREL_PG_HI21`: `adrp`'s 21-bit page offset,
    /// `Page(S + A) - Page(P)` (±4 GiB); paired with [`RelocKind::Aarch64AddAbsLo12Nc`].
    Aarch64AdrPrelPgHi21,
    /// aarch64 `R_AARCH64_ADD_ABS_LO12_NC`: the 12-bit immediate of the `add` after an
    /// `adrp`, the low 12 bits of `S + A` (not checked for overflow).
    Aarch64AddAbsLo12Nc,
    /// aarch64 `R_AARCH64_ADR_GOT_PAGE`: `adrp`'s 21-bit page offset to the symbol's GOT
    /// slot, `Page(G(GDAT(S + A))) - Page(P)`; paired with
    /// [`RelocKind::Aarch64Ld64GotLo12Nc`] (position-independent code).
    Aarch64AdrGotPage,
    /// aarch64 `R_AARCH64_LD64_GOT_LO12_NC`: the scaled 12-bit offset of the `ldr` after
    /// that `adrp`, the low 12 bits of the GOT slot's address divided by 8.
    Aarch64Ld64GotLo12Nc,
    /// riscv64 `R_RISCV_CALL_PLT`: an `auipc ra` + `jalr ra` pair (8 bytes, the field is
    /// both instructions) holding `L + A - P` (±2 GiB).
    Riscv64CallPlt,
    /// riscv64 `R_RISCV_PCREL_HI20`: `auipc`'s upper 20 bits of `S + A - P`, rounded so
    /// that adding the sign-extended low 12 bits gives the full offset.
    Riscv64PcrelHi20,
    /// riscv64 `R_RISCV_GOT_HI20`: `auipc`'s upper 20 bits of `G + GOT + A - P`, the
    /// offset to the symbol's GOT slot (position-independent code); the `ld` after it
    /// carries the low 12 bits as a [`RelocKind::Riscv64PcrelLo12I`].
    Riscv64GotHi20,
    /// riscv64 `R_RISCV_PCREL_LO12_I`: the 12-bit I-type immediate (`addi`, `ld`) holding
    /// the low 12 bits of the offset computed by the paired `auipc`. Lathe always emits
    /// the pair adjacent: the `auipc` with its [`RelocKind::Riscv64PcrelHi20`] or
    /// [`RelocKind::Riscv64GotHi20`] (same
    /// target and addend) is at `offset - 4`; in ELF this relocation names a local
    /// symbol at that `auipc`, which the object writer makes.
    Riscv64PcrelLo12I,
    /// s390x `R_390_PLT32DBL`: `brasl`'s 4-byte halfword offset, `(L + A - P) >> 1`;
    /// the field starts 2 bytes into the instruction, so the addend is 2.
    S390xPlt32Dbl,
    /// s390x `R_390_PC32DBL`: a 4-byte halfword offset `(S + A - P) >> 1` (`larl`, and
    /// `brcl` to a symbol); addend 2 as for [`RelocKind::S390xPlt32Dbl`].
    S390xPc32Dbl,
    /// s390x `R_390_GOTENT`: `lgrl`'s 4-byte halfword offset to the symbol's GOT slot,
    /// `(G + GOT + A - P) >> 1`; addend 2 as for [`RelocKind::S390xPlt32Dbl`]
    /// (position-independent code).
    S390xGotEnt,
}

impl RelocKind {
    /// Bytes of code the relocation patches, from its offset.
    pub fn patch_size(self) -> u32 {
        match self {
            RelocKind::Abs8 | RelocKind::Riscv64CallPlt => 8,
            RelocKind::X86PcRel4
            | RelocKind::X86CallPlt4
            | RelocKind::X86GotPcRel4
            | RelocKind::X86TlsGd4
            | RelocKind::Aarch64Call26
            | RelocKind::Aarch64Jump26
            | RelocKind::Aarch64AdrPrelPgHi21
            | RelocKind::Aarch64AddAbsLo12Nc
            | RelocKind::Aarch64AdrGotPage
            | RelocKind::Aarch64Ld64GotLo12Nc
            | RelocKind::Riscv64PcrelHi20
            | RelocKind::Riscv64GotHi20
            | RelocKind::Riscv64PcrelLo12I
            | RelocKind::S390xPlt32Dbl
            | RelocKind::S390xPc32Dbl
            | RelocKind::S390xGotEnt => 4,
        }
    }
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

/// A `try_call`'s call: where it returns to, and where each of its handlers lands.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ExceptionSite {
    /// Offset of the return address (the end of the call instruction).
    pub ret_offset: u32,
    /// The handlers in table order: the tag (`None` for `default`) and the offset of the
    /// landing pad. A thrower that finds no match unwinds past this frame.
    pub handlers: Vec<(Option<u32>, u32)>,
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
    /// The calls of `try_call` instructions with their handlers, sorted by offset.
    pub exception_sites: Vec<ExceptionSite>,
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

impl CompiledCode {
    /// The function whose code and records `done` holds (16-byte aligned, with a frame
    /// pointer), with its frame size, unwind records and listing: what every code
    /// emitter ends with.
    pub fn from_buffer(
        done: super::FinishedBuffer,
        frame_size: u32,
        unwind: Vec<super::unwind::UnwindRecord>,
        listing: Option<String>,
    ) -> CompiledCode {
        // A module's functions are all held until they are linked: give back what the
        // buffer's tables reserved or doubled into beyond their length, so that memory
        // holds the code and not its growth.
        let mut done = done;
        done.data.shrink_to_fit();
        done.relocs.shrink_to_fit();
        done.traps.shrink_to_fit();
        done.call_sites.shrink_to_fit();
        done.srclocs.shrink_to_fit();
        CompiledCode {
            code: done.data,
            alignment: 16,
            relocs: done.relocs,
            traps: done.traps,
            call_sites: done.call_sites,
            exception_sites: done.exception_sites,
            srclocs: done.srclocs,
            frame: FrameLayout { frame_size, uses_frame_pointer: true },
            unwind,
            listing,
        }
    }
}
