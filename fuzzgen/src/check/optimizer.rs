//! The optimizer check: the mid-end must keep what a program computes, and its output must
//! verify.

use super::compare::interp_failure;
use super::run::{interpret, show};
use super::{Mismatch, Verdict, verify_generated};
use crate::program::Program;
use lathe_codegen::data_value::DataValue;
use lathe_interpreter::InterpreterError;

/// Interprets `program` on each of `inputs` before and after `opt::optimize` (applied to
/// every function). Any difference in results (NaNs aside) or trap codes, an optimized
/// function the verifier rejects, or an interpreter error after optimization that did not
/// happen before is a [`Mismatch`]. Opcodes the interpreter does not run make the program
/// [`Verdict::Skipped`].
pub fn check_optimizer(program: &Program, inputs: &[Vec<DataValue>]) -> Result<Verdict, Mismatch> {
    verify_generated(program)?;
    let mut optimized = program.clone();
    for f in &mut optimized.functions {
        lathe_codegen::opt::optimize(f);
        if let Err(e) = lathe_codegen::verifier::verify_function(f) {
            return Err(Mismatch::new(
                format!("the optimizer's output fails the verifier: {e}"),
                format!("before:\n{}\nafter:\n{}", program.to_clif(), optimized.to_clif()),
            ));
        }
    }
    for args in inputs {
        let before = match interpret(program, args) {
            Ok(o) => o,
            Err(InterpreterError::Unsupported { opcode, reason }) => {
                return Ok(Verdict::Skipped(format!("the interpreter does not run `{opcode}`: {reason}")));
            }
            Err(e) => return Err(interp_failure(program, inputs, args, &e)),
        };
        let after = interpret(&optimized, args);
        let same = matches!(&after, Ok(a) if before.agrees_with(a));
        if !same {
            let after_text = match &after {
                Ok(a) => show(a),
                Err(e) => format!("interpreter error: {e}"),
            };
            let runs = vec![(args.clone(), Some(before.clone()))];
            return Err(Mismatch::new(
                format!(
                    "the optimizer changed the outcome on ({}): before {}, after {}",
                    crate::program::join(args),
                    show(&before),
                    after_text
                ),
                format!(
                    "{}\noptimized:\n{}",
                    program.to_filetest(&runs).replace("test run\ntarget x86_64\ntarget aarch64\ntarget riscv64\n", ""),
                    optimized.to_clif()
                ),
            ));
        }
    }
    Ok(Verdict::Checked)
}
