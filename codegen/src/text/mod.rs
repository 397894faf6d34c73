//! The CLIF text format: a reader ([`parse_functions`], [`parse_test_file`],
//! [`parse_run_command`]) and a writer (`Display` for [`Function`], [`write_function`],
//! [`display_inst`]).
//!
//! The syntax is Cranelift's (see `/work/shared/clif-format.md` and `docs/ir.md`); the
//! code is Lathe's. The reader keeps the value and block numbers of the text, so printing
//! what it read gives the same numbers back, and `print(parse(print(f))) == print(f)`.
//! Every malformed input gives a [`ParseError`] with a line and column, never a panic.
//!
//! Module map: `lexer` (tokens and comments) → `header` (`test`/`set`/`target` lines) →
//! `parser` (functions, blocks, lines) with `preamble` (declarations) and `instructions`
//! (operands per format) → `infer` (checks and result types). `run_command` reads
//! `; run:` lines, `writer` prints.

mod cursor;
mod error;
mod header;
mod infer;
mod instructions;
mod lexer;
mod literals;
mod parser;
mod preamble;
mod run_command;
mod testfile;
pub mod writer;

pub use error::ParseError;
pub use run_command::{Comparison, Invocation, RunCommand, parse_data_value, parse_run_command};
pub use testfile::{Comment, CommentEntity, HeaderLine, TestCommand, TestFile, TestFunction};
pub use writer::{display_inst, write_function};

use crate::ir::Function;

/// Reads every function of `text`. Header lines (`test`, `set`, `target`) before the first
/// function are skipped; comments are dropped.
pub fn parse_functions(text: &str) -> Result<Vec<Function>, ParseError> {
    Ok(parse_test_file(text)?.functions.into_iter().map(|f| f.function).collect())
}

/// Reads a whole test file: header lines, then functions with their comments.
pub fn parse_test_file(text: &str) -> Result<TestFile, ParseError> {
    let header = header::parse_header(text)?;
    let body = text.get(header.body_offset..).unwrap_or("");
    let lexed = lexer::lex(body, header.body_line)?;
    let mut parser = parser::Parser::new(cursor::Cursor::new(lexed.tokens), text.len());
    let parsed = parser.parse_all()?;
    let mut functions = Vec::with_capacity(parsed.len());
    let mut comments = lexed.comments.into_iter().peekable();
    for (i, pf) in parsed.iter().enumerate() {
        // Comments before this function's first line belong to no function.
        while comments.next_if(|c| c.line < pf.start_line).is_some() {}
        let next_start = parsed.get(i + 1).map_or(usize::MAX, |n| n.start_line);
        let mut mine = Vec::new();
        while let Some(c) = comments.next_if(|c| c.line < next_start) {
            let entity = pf.line_entities.get(&c.line).copied().unwrap_or(CommentEntity::None);
            mine.push(Comment { line: c.line, text: c.text.to_string(), entity });
        }
        functions.push(mine);
    }
    Ok(TestFile {
        commands: header.commands,
        headers: header.headers,
        functions: parsed
            .into_iter()
            .zip(functions)
            .map(|(pf, comments)| TestFunction {
                function: pf.function,
                start_line: pf.start_line,
                end_line: pf.end_line,
                comments,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests;
