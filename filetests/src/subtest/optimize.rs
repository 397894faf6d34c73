//! `test optimize`: each function is run through the mid-end (`lathe_codegen::opt`) and the
//! result must print as the expected-output block after the function (blessable, like
//! `test cat`). Every `; run:` line is executed by the interpreter on the functions before
//! and after optimization: both must give the same outcome, and it must meet the line's
//! expectation.

use super::interpret::{check_outcome, function_store, run_lines};
use super::{Failure, FileContext, SubTest};
use crate::bless::{Replacement, expected_block};
use lathe_codegen::ir::Function;
use lathe_codegen::{opt, verifier};
use lathe_interpreter::{CallOutcome, Interpreter};

/// The `optimize` kind.
pub struct Optimize;

fn same_outcome(a: &CallOutcome, b: &CallOutcome) -> bool {
    match (a, b) {
        (CallOutcome::Trap(x), CallOutcome::Trap(y)) => x == y,
        (CallOutcome::Return(x), CallOutcome::Return(y)) => x == y,
        _ => false,
    }
}

impl SubTest for Optimize {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        let mut failures = Vec::new();
        let before: Vec<&Function> = ctx.file.functions.iter().map(|tf| &tf.function).collect();
        let mut after_owned: Vec<Function> = Vec::new();
        for tf in &ctx.file.functions {
            let mut func = tf.function.clone();
            opt::optimize(&mut func);
            if let Err(errs) = verifier::verify_function(&func) {
                failures.push(format!(
                    "function at line {}: the optimized function does not verify:\n{errs}",
                    tf.start_line
                ));
            }
            let actual: Vec<String> = func.to_string().lines().map(|l| l.trim_end().to_string()).collect();
            let (expected, old_len) = expected_block(ctx.source, tf.end_line);
            if actual != expected {
                if ctx.bless {
                    ctx.replacements.push(Replacement { end_line: tf.end_line, old_len, new_lines: actual });
                } else {
                    failures.push(format!(
                        "function at line {}: the optimized function differs from the expected block \
                         (LATHE_BLESS=1 rewrites it)\n--- expected\n{}\n--- actual\n{}",
                        tf.start_line,
                        expected.join("\n"),
                        actual.join("\n")
                    ));
                }
            }
            after_owned.push(func);
        }
        let after: Vec<&Function> = after_owned.iter().collect();
        let mut interp_before = Interpreter::new(function_store(&before));
        let mut interp_after = Interpreter::new(function_store(&after));
        for (line, run) in run_lines(ctx.file, &before, &mut failures) {
            let b = interp_before.call_by_name(&run.function, &run.args);
            let a = interp_after.call_by_name(&run.function, &run.args);
            match (b, a) {
                (Ok(b), Ok(a)) => {
                    if !same_outcome(&b, &a) {
                        failures
                            .push(format!("line {line}: the optimizer changed the result: {b:?} before, {a:?} after"));
                    } else if let Err(msg) = check_outcome(&run, &a) {
                        failures.push(format!("line {line}: {msg}"));
                    }
                }
                (Err(e), _) | (_, Err(e)) => failures.push(format!("line {line}: {e}")),
            }
        }
        if failures.is_empty() { Ok(()) } else { Err(Failure::Failed(failures.join("\n"))) }
    }
}
