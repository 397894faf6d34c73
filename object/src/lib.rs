//! `lathe-object`: relocatable object files from compiled functions, with unwind tables and
//! debug information, for the system linker and for debuggers.
//!
//! Input: [`CompiledCode`](lathe_codegen::machinst::CompiledCode) from any Lathe backend
//! (machine code, relocations, unwind records, source locations), plus data objects given
//! as bytes with relocations, and the target they were compiled for.
//!
//! Output: the bytes of an ELF relocatable object (`ET_REL`) that `cc`/`ld` link: a `.text`
//! section per module, data sections, a symbol per function and data object, each
//! relocation mapped to the ELF relocation its [`RelocKind`] names, `.eh_frame` written from
//! the unwind records (a CIE per target, an FDE per function), DWARF (`.debug_info`,
//! `.debug_abbrev`, `.debug_line`, `.debug_str`, `.debug_line_str`) when asked for, and an
//! empty `.note.GNU-stack` so the linker keeps the stack non-executable.
//!
//! Modules:
//! - [`module`]: [`ObjectModule`], the public face: declare, define, finish.
//! - [`unwind`]: `.eh_frame` (CIE and FDEs) from `CompiledCode::unwind`, with symbolic
//!   addresses (objects) or absolute ones (the JIT's frame registration).
//! - [`debug`]: DWARF from the functions' source locations and a front end's line map.
//! - `elf`: ELF facts per target (machine, `e_flags`, relocation types, library-call
//!   symbols).
//! - `sections`: a gimli section writer that records relocations.
//! - [`image`]: an in-memory ELF describing code already placed at known addresses (for
//!   the GDB JIT interface).
//!
//! [`RelocKind`]: lathe_codegen::machinst::RelocKind

#![warn(missing_docs)]

pub mod debug;
mod elf;
pub mod image;
pub mod module;
mod sections;
pub mod unwind;

pub use debug::{DebugOptions, LineLoc, LineMap, SrcLocAsLine};
pub use elf::libcall_symbol;
pub use module::{DataDescription, DataId, DataReloc, FuncId, Linkage, ObjectModule, SymbolRef};

/// Errors of the object writer. Every malformed input is one of these, never a panic.
#[derive(thiserror::Error, Debug)]
pub enum ObjectError {
    /// The target has no object-file support (an architecture or format not written).
    #[error("unsupported target {0}")]
    UnsupportedTarget(String),
    /// A name was declared twice with different linkage or kind.
    #[error("{name} is already declared as {previous}")]
    IncompatibleDeclaration {
        /// The symbol.
        name: String,
        /// What it was declared as before.
        previous: String,
    },
    /// A function or data object was defined twice.
    #[error("duplicate definition of {0}")]
    DuplicateDefinition(String),
    /// An imported symbol was given a definition.
    #[error("{0} is declared as an import and cannot be defined here")]
    DefinedImport(String),
    /// A symbol declared local (or exported) was never defined.
    #[error("{0} is declared but never defined")]
    Undefined(String),
    /// A relocation names a symbol that was never declared.
    #[error("relocation in {from} to unknown symbol {target}")]
    UnknownSymbol {
        /// The function or data object holding the relocation.
        from: String,
        /// The name it refers to.
        target: String,
    },
    /// A relocation kind that does not belong to the module's target.
    #[error("relocation in {from}: {kind:?} is not a relocation of {target}")]
    ForeignRelocation {
        /// The function or data object holding the relocation.
        from: String,
        /// The relocation kind.
        kind: lathe_codegen::machinst::RelocKind,
        /// The module's target.
        target: String,
    },
    /// The compiled code or data is malformed (a relocation outside it, a bad alignment).
    #[error("bad definition of {name}: {reason}")]
    BadDefinition {
        /// The function or data object.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// An identifier that is not from this module.
    #[error("unknown {0}")]
    UnknownId(String),
    /// Writing DWARF or `.eh_frame` failed.
    #[error("writing debug or unwind information: {0}")]
    Dwarf(#[from] gimli::write::Error),
    /// The `object` crate refused the file.
    #[error("writing the object file: {0}")]
    Object(#[from] object::write::Error),
}

#[cfg(test)]
mod tests;
