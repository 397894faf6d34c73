//! The machine layer, shared by every ISA: from IR to machine code.
//!
//! Work in progress: this commit holds the output type; the lowering driver, `VCode`,
//! register allocation and the code buffer follow.

mod compiled;

pub use compiled::{CallSite, CompiledCode, FrameLayout, Reloc, RelocKind, SrcLocRange, TrapSite};
