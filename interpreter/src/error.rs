//! The interpreter's error type, and `Halt`, the internal "stop executing" signal that is
//! either a trap (a normal outcome of the program) or an error (a problem with the input
//! or a limit of the interpreter).

use lathe_codegen::ir::{Opcode, TrapCode};

/// Why the interpreter could not run a function to a result or a trap.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterpreterError {
    /// No function with this name is in the store (a top-level call, a `call`, a
    /// `func_addr`).
    #[error("unknown function `{0}`")]
    UnknownFunction(String),
    /// The arguments do not match the callee's signature in number or types (a top-level
    /// call, or a `call_indirect` whose signature differs from the callee's).
    #[error("arguments to `{function}` do not match its signature: {reason}")]
    ArgumentMismatch {
        /// The callee.
        function: String,
        /// What differs.
        reason: String,
    },
    /// More instructions ran than the step limit allows (the number is the limit).
    #[error("step limit of {0} instructions exceeded")]
    StepLimitExceeded(u64),
    /// The interpreter does not execute this opcode (or this form of it) yet.
    #[error("`{opcode}` is not supported by the interpreter: {reason}")]
    Unsupported {
        /// The opcode.
        opcode: Opcode,
        /// Which form, and why.
        reason: String,
    },
    /// The IR is malformed in a way the verifier would reject (an undefined value, a
    /// mistyped operand, a missing block, ...).
    #[error("invalid IR: {0}")]
    InvalidIr(String),
    /// `call_indirect` or `return_call_indirect` to an address that is not a function
    /// address of this interpreter.
    #[error("indirect call to {0:#x}, which is not a function address")]
    BadCallTarget(u64),
}

/// Why execution of an instruction stopped the program.
#[derive(Debug)]
pub(crate) enum Halt {
    /// The program trapped.
    Trap(TrapCode),
    /// The interpreter cannot go on.
    Error(InterpreterError),
}

impl From<InterpreterError> for Halt {
    fn from(e: InterpreterError) -> Self {
        Halt::Error(e)
    }
}

/// The result of executing part of an instruction.
pub(crate) type Ex<T> = Result<T, Halt>;

/// An `InvalidIr` halt with a message.
pub(crate) fn invalid<T>(msg: impl Into<String>) -> Ex<T> {
    Err(Halt::Error(InterpreterError::InvalidIr(msg.into())))
}

/// An `Unsupported` halt.
pub(crate) fn unsupported<T>(opcode: Opcode, reason: impl Into<String>) -> Ex<T> {
    Err(Halt::Error(InterpreterError::Unsupported { opcode, reason: reason.into() }))
}
