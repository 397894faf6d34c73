//! Errors of compilation.

use crate::machinst::BufferError;
use crate::verifier::VerifierErrors;

/// Why a function could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The function is not valid IR.
    #[error("the function does not verify:\n{0}")]
    Verifier(#[from] VerifierErrors),
    /// The function uses something this target does not support yet.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The register allocator failed.
    #[error("register allocation failed: {0}")]
    Regalloc(String),
    /// The regalloc2 checker found the allocation wrong (a compiler bug).
    #[error("the register allocation checker failed: {0}")]
    RegallocChecker(String),
    /// The code could not be laid out.
    #[error("{0}")]
    Buffer(#[from] BufferError),
}
