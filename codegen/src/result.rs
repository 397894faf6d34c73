//! Errors of compilation.

use crate::machinst::{BufferError, Pass};
use crate::verifier::VerifierErrors;

/// Why a function could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The function is not valid IR.
    #[error("the function does not verify:\n{0}")]
    Verifier(#[from] VerifierErrors),
    /// The function stopped verifying after a pass of the pipeline (a compiler bug in
    /// that pass).
    #[error("the function does not verify after {pass} (a bug in that pass):\n{errors}")]
    VerifierAfter {
        /// The pass after which the IR was invalid.
        pass: Pass,
        /// What the verifier found.
        errors: VerifierErrors,
    },
    /// The function needs something a setting turned off (`enable_float=false` and a float
    /// value, `is_pic=true` and an absolute address).
    #[error("{message}, which `{setting}` forbids")]
    Setting {
        /// The setting and its value, as written (`enable_float=false`).
        setting: &'static str,
        /// What the function needs.
        message: String,
    },
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
