//! The typed errors of the frontend: misuse the builder can report instead of panicking,
//! and the checks `finish` makes.

use crate::Variable;
use lathe_codegen::ir::{Block, Type, Value};
use lathe_codegen::verifier::VerifierErrors;

/// What went wrong while building a function.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrontendError {
    /// A variable was used or defined without having been declared by this builder.
    #[error("{0} was not declared")]
    UndeclaredVariable(Variable),
    /// A value of the wrong type was assigned to a variable.
    #[error("{var} has type {expected}, but {value} has type {found}")]
    TypeMismatch {
        /// The variable.
        var: Variable,
        /// Its declared type.
        expected: Type,
        /// The value that was assigned.
        value: Value,
        /// The type of that value.
        found: Type,
    },
    /// A variable was used or defined while the builder was not positioned in any block.
    #[error("no current block: call switch_to_block first")]
    NoCurrentBlock,
    /// At `finish`, a block that is in the layout (or is branched to) does not end with a
    /// terminator.
    #[error("{0} is not filled: it does not end with a terminator")]
    UnfilledBlock(Block),
    /// At `finish`, a block was never sealed (its predecessors were never declared complete).
    #[error("{0} was never sealed")]
    UnsealedBlock(Block),
    /// At `finish`, the verifier (enabled with `set_verify_on_finish`) rejected the function.
    #[error("the verifier rejected the function:\n{0}")]
    Verifier(VerifierErrors),
}
