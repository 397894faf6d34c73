//! `test cat`: each function is printed, and the text must equal the expected-output block
//! after the function (see `bless.rs` for its form).

use super::{Failure, FileContext, SubTest};
use crate::bless::{Replacement, expected_block};

/// The `cat` kind.
pub struct Cat;

impl SubTest for Cat {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        let mut failures = Vec::new();
        for tf in &ctx.file.functions {
            let printed = tf.function.to_string();
            let actual: Vec<String> = printed.lines().map(|l| l.trim_end().to_string()).collect();
            let (expected, old_len) = expected_block(ctx.source, tf.end_line);
            if actual == expected {
                continue;
            }
            if ctx.bless {
                ctx.replacements.push(Replacement { end_line: tf.end_line, old_len, new_lines: actual });
            } else {
                failures.push(format!(
                    "function at line {}: printed text differs from the expected block after line {} \
                     (LATHE_BLESS=1 rewrites it)\n--- expected\n{}\n--- actual\n{}",
                    tf.start_line,
                    tf.end_line,
                    expected.join("\n"),
                    actual.join("\n")
                ));
            }
        }
        if failures.is_empty() { Ok(()) } else { Err(Failure::Failed(failures.join("\n"))) }
    }
}
