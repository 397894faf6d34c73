//! The error type of the text reader: a message with the 1-based line and column where the
//! problem was found.
//!
//! Every malformed input the reader sees ends in one of these, never a panic.

/// A syntax or structural error in CLIF text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The text is valid CLIF, but uses a construct Lathe does not implement yet (the
    /// message names it): a test runner reports the file as unsupported, not failed.
    pub unsupported: bool,
}

impl ParseError {
    /// An error at `pos`.
    pub(crate) fn at(pos: Pos, message: impl Into<String>) -> Self {
        ParseError { line: pos.line, column: pos.col, message: message.into(), unsupported: false }
    }

    /// At `pos`, a valid construct Lathe does not implement yet.
    pub(crate) fn unsupported(pos: Pos, message: impl Into<String>) -> Self {
        ParseError { unsupported: true, ..Self::at(pos, message) }
    }
}

/// A position in the text: 1-based line and column.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// The result type of the reader.
pub(crate) type PResult<T> = Result<T, ParseError>;
