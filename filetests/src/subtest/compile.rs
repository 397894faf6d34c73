//! `test compile`: each function is compiled for the file's target and its machine-code
//! listing must equal the expected-output block after the function (precise output,
//! blessable like `test cat`).

use super::targets::{make_isa, target_specs};
use super::{Failure, FileContext, SubTest};
use crate::bless::{Replacement, expected_block};
use lathe_codegen::result::CodegenError;

/// The `compile` kind.
pub struct Compile;

impl SubTest for Compile {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        let specs = target_specs(ctx.file)?;
        let [spec] = specs.as_slice() else {
            return Err(Failure::Unsupported("`test compile` with more than one target".into()));
        };
        let isa = make_isa(spec, spec.flags.clone())?;
        let mut failures = Vec::new();
        for tf in &ctx.file.functions {
            let code = match isa.compile_function(&tf.function, true) {
                Ok(c) => c,
                Err(CodegenError::Unsupported(m)) => return Err(Failure::Unsupported(m)),
                Err(e) => {
                    failures.push(format!("function at line {}: {e}", tf.start_line));
                    continue;
                }
            };
            let listing = code.listing.unwrap_or_default();
            let actual: Vec<String> = listing.lines().map(|l| l.trim_end().to_string()).collect();
            let (expected, old_len) = expected_block(ctx.source, tf.end_line);
            if actual != expected {
                if ctx.bless {
                    ctx.replacements.push(Replacement { end_line: tf.end_line, old_len, new_lines: actual });
                } else {
                    failures.push(format!(
                        "function at line {}: the listing differs from the expected block (LATHE_BLESS=1 rewrites it)\n--- expected\n{}\n--- actual\n{}",
                        tf.start_line,
                        expected.join("\n"),
                        actual.join("\n")
                    ));
                }
            }
        }
        if failures.is_empty() { Ok(()) } else { Err(Failure::Failed(failures.join("\n"))) }
    }
}
