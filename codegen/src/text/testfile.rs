//! The parsed form of a `.clif` test file: test commands, `set`/`target` lines, and each
//! function with the comments that follow it (where `; run:` lines and expected output
//! live). Built by [`parse_test_file`](super::parse_test_file); used by the filetest
//! harness.

use crate::ir::{Block, Function, Inst};

/// A whole test file.
#[derive(Clone, Debug)]
pub struct TestFile {
    /// The `test <kind> [options]` lines, in order.
    pub commands: Vec<TestCommand>,
    /// The `set` and `target` lines in file order (a `set` applies to the targets after it).
    pub headers: Vec<HeaderLine>,
    /// The functions, in order.
    pub functions: Vec<TestFunction>,
}

/// A `test <kind> [options...]` line, such as `test compile precise-output`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCommand {
    /// The kind (`interpret`, `run`, `compile`, ...).
    pub name: String,
    /// The words after the kind.
    pub options: Vec<String>,
    /// 1-based line number.
    pub line: usize,
}

/// A `set` or `target` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderLine {
    /// `set <name>[=<value>]`; a line with several settings gives one entry each.
    Set {
        /// The setting name.
        name: String,
        /// The value after `=`, if any.
        value: Option<String>,
        /// 1-based line number.
        line: usize,
    },
    /// `target <arch> [flags...]`.
    Target {
        /// The architecture name (`x86_64`, `aarch64`, ...), not checked here.
        arch: String,
        /// The ISA flags and CPU presets after it, as written.
        flags: Vec<String>,
        /// 1-based line number.
        line: usize,
    },
}

/// One function of a test file and the comments that belong to it.
#[derive(Clone, Debug)]
pub struct TestFunction {
    /// The function.
    pub function: Function,
    /// Line of the `function` keyword.
    pub start_line: usize,
    /// Line of the closing `}`.
    pub end_line: usize,
    /// Every comment inside the function and after it, up to the next `function` (or the
    /// end of the file), in order.
    pub comments: Vec<Comment>,
}

/// A `;` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// 1-based line number.
    pub line: usize,
    /// The text from `;` to the end of the line.
    pub text: String,
    /// What is defined on the same line.
    pub entity: CommentEntity,
}

/// The entity defined on the line of a comment.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CommentEntity {
    /// Nothing (a comment on a line of its own, a preamble line, an alias).
    None,
    /// The `function` line.
    Function,
    /// A block header.
    Block(Block),
    /// An instruction.
    Inst(Inst),
}
