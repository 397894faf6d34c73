//! The one compare loop of the native checks: the interpreter gives the expected outcome
//! of every argument set, then a runner (the JIT in `jit`, a cross-run program under
//! qemu in `cross`) runs the program compiled for a target at `opt_level=none` and
//! `speed` (and on the ISAs with a baseline tier, x86_64 and aarch64, at `baseline`), with
//! the regalloc2 checker on, and each of its [`CallOutcome`]s must agree with the
//! interpreter's (`CallOutcome::agrees_with`).
//!
//! Runners only produce outcomes; what counts as a skip or a finding is decided here, so
//! the host and cross checks report in the same words and the same filetest form.

use super::run::{interpret, show};
use super::{Mismatch, Verdict, verify_generated};
use crate::program::{Program, join};
use lathe_codegen::data_value::{CallOutcome, DataValue};
use lathe_codegen::isa::{IsaBuilder, TargetIsa};
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_interpreter::InterpreterError;

/// Why a runner gave no outcomes.
pub(super) enum RunFailure {
    /// Not a finding: the backend or the runner does not support something in the
    /// program (the reason says what).
    Skipped(String),
    /// A finding: compiling, linking or running failed (the message says how).
    Failed(String),
}

/// Runs the program's entry on every argument set with code compiled by `isa`, giving one
/// outcome per set in order.
pub(super) type Runner<'a> =
    dyn FnMut(&dyn TargetIsa, &Program, &[Vec<DataValue>]) -> Result<Vec<CallOutcome>, RunFailure> + 'a;

/// Compares the interpreter with `runner` on `target` (its flags replaced per level);
/// `what` names the compiled side in reports ("native code", "aarch64 code").
pub(super) fn check_interp_vs_runner(
    program: &Program,
    inputs: &[Vec<DataValue>],
    target: &IsaBuilder,
    what: &str,
    runner: &mut Runner<'_>,
) -> Result<Verdict, Mismatch> {
    verify_generated(program)?;
    let mut expected = Vec::with_capacity(inputs.len());
    for args in inputs {
        match interpret(program, args) {
            Ok(o) => expected.push(o),
            Err(InterpreterError::Unsupported { opcode, reason }) => {
                return Ok(Verdict::Skipped(format!("the interpreter does not run `{opcode}`: {reason}")));
            }
            Err(e) => return Err(interp_failure(program, inputs, args, &e)),
        }
    }
    let runs: Vec<(Vec<DataValue>, Option<CallOutcome>)> =
        inputs.iter().cloned().zip(expected.iter().cloned().map(Some)).collect();
    let mut levels = vec![OptLevel::None, OptLevel::Speed];
    if matches!(target.isa_name(), "x86_64" | "aarch64") {
        levels.push(OptLevel::Baseline);
    }
    for level in levels {
        let flags = Flags { opt_level: level, regalloc_checker: true, ..Flags::default() };
        let isa = target
            .clone()
            .with_flags(flags)
            .finish()
            .map_err(|e| Mismatch::new(format!("no {what} target: {e}"), String::new()))?;
        let got = match runner(&*isa, program, inputs) {
            Ok(got) => got,
            Err(RunFailure::Skipped(why)) => return Ok(Verdict::Skipped(why)),
            Err(RunFailure::Failed(m)) => {
                return Err(Mismatch::new(format!("{what} (opt_level={level}): {m}"), program.to_filetest(&runs)));
            }
        };
        if got.len() != inputs.len() {
            return Err(Mismatch::new(
                format!("{what} (opt_level={level}) gave {} outcomes for {} calls", got.len(), inputs.len()),
                program.to_filetest(&runs),
            ));
        }
        for ((args, want), have) in inputs.iter().zip(&expected).zip(&got) {
            if !want.agrees_with(have) {
                return Err(Mismatch::new(
                    format!(
                        "interpreter and {what} (opt_level={level}) disagree on ({}): interpreter {}, {what} {}",
                        join(args),
                        show(want),
                        show(have)
                    ),
                    program.to_filetest(&runs),
                ));
            }
        }
    }
    Ok(Verdict::Checked)
}

/// The interpreter failed on a verified, terminating program: a bug in the interpreter or
/// the generator.
pub(super) fn interp_failure(
    program: &Program,
    inputs: &[Vec<DataValue>],
    args: &[DataValue],
    e: &InterpreterError,
) -> Mismatch {
    let runs: Vec<_> = inputs.iter().map(|a| (a.clone(), None)).collect();
    Mismatch::new(format!("the interpreter failed on ({}): {e}", join(args)), program.to_filetest(&runs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::program_from_bytes;
    use crate::config::Config;
    use crate::seed::seed_bytes;
    use lathe_codegen::ir::TrapCode;

    /// A runner that answers every call with the opposite kind of outcome from the
    /// interpreter's, or with `count` outcomes, must be reported, and an agreeing one not.
    #[test]
    fn the_loop_reports_disagreement_and_missing_outcomes() {
        let (program, inputs) = program_from_bytes(&seed_bytes(1, 4096), &Config::jit()).expect("a program");
        let target = lathe_codegen::isa::lookup_by_name("aarch64").expect("aarch64 is registered");
        let mut honest = |_: &dyn TargetIsa, p: &Program, ins: &[Vec<DataValue>]| {
            Ok(ins.iter().map(|a| interpret(p, a).expect("interprets")).collect())
        };
        assert_eq!(check_interp_vs_runner(&program, &inputs, &target, "fake", &mut honest).unwrap(), Verdict::Checked);
        let mut liar = |_: &dyn TargetIsa, p: &Program, ins: &[Vec<DataValue>]| {
            Ok(ins
                .iter()
                .map(|a| match interpret(p, a).expect("interprets") {
                    CallOutcome::Return(_) => CallOutcome::Trap(TrapCode::User(1)),
                    CallOutcome::Trap(_) => CallOutcome::Return(Vec::new()),
                })
                .collect())
        };
        let m = check_interp_vs_runner(&program, &inputs, &target, "fake", &mut liar).unwrap_err();
        assert!(m.summary.starts_with("interpreter and fake (opt_level=none) disagree"), "{m}");
        assert!(m.details.contains("target aarch64"), "{m}");
        let mut short = |_: &dyn TargetIsa, _: &Program, _: &[Vec<DataValue>]| Ok(Vec::new());
        let m = check_interp_vs_runner(&program, &inputs, &target, "fake", &mut short).unwrap_err();
        assert!(m.summary.contains(&format!("gave 0 outcomes for {} calls", inputs.len())), "{m}");
        let mut skip = |_: &dyn TargetIsa, _: &Program, _: &[Vec<DataValue>]| Err(RunFailure::Skipped("why".into()));
        assert_eq!(
            check_interp_vs_runner(&program, &inputs, &target, "fake", &mut skip).unwrap(),
            Verdict::Skipped("why".into())
        );
    }
}
