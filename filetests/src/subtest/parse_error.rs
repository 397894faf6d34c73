//! `test parse-error`: the file must fail to parse at the place and with the message a
//! `; expect-error: LINE:COLUMN: substring` line gives.

use super::{Failure, FileContext, SubTest};
use lathe_codegen::text;

/// The `parse-error` kind (run by the runner before parsing, through [`check`]).
pub struct ParseError;

impl SubTest for ParseError {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        check(ctx.source).map_err(Failure::Failed)
    }
}

/// Checks the file's expectation against the reader.
pub fn check(source: &str) -> Result<(), String> {
    let directive = source
        .lines()
        .find_map(|l| l.trim().strip_prefix("; expect-error:"))
        .ok_or("a `test parse-error` file needs a `; expect-error: LINE:COLUMN: message` line")?;
    let mut parts = directive.trim().splitn(3, ':');
    let line: usize = parts.next().and_then(|s| s.trim().parse().ok()).ok_or("bad LINE in `; expect-error:`")?;
    let column: usize = parts.next().and_then(|s| s.trim().parse().ok()).ok_or("bad COLUMN in `; expect-error:`")?;
    let message = parts.next().map(str::trim).unwrap_or("");
    match text::parse_test_file(source) {
        Ok(_) => Err(format!("expected a parse error at {line}:{column} ({message}), but the file parsed")),
        Err(e) => {
            if e.line == line && e.column == column && e.message.contains(message) {
                Ok(())
            } else {
                Err(format!(
                    "expected a parse error at {line}:{column} containing `{message}`, got {}:{}: {}",
                    e.line, e.column, e.message
                ))
            }
        }
    }
}
