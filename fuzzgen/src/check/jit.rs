//! The interpreter-versus-native check: the reference interpreter and the host's machine
//! code (x86-64 for now) loaded by the JIT must agree on every argument set, at both optimisation levels, with
//! the regalloc2 checker on.

use super::run::{interpret, show};
use super::{Mismatch, Verdict, verify_generated};
use crate::program::Program;
use lathe_codegen::data_value::CallOutcome;
use lathe_codegen::data_value::DataValue;
use lathe_codegen::isa;
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_interpreter::InterpreterError;
use lathe_jit::{JitError, LoadError};

/// Runs `program`'s entry on each of `inputs` in the interpreter and natively. A function
/// the backend reports as unsupported (`CodegenError::Unsupported`), or arguments the JIT
/// cannot pass, make the program [`Verdict::Skipped`]; any other compile or load error, a
/// different result or trap code, or a program that fails the verifier is a [`Mismatch`].
/// On a host Lathe has no backend for, everything is skipped.
pub fn check_interp_vs_jit(program: &Program, inputs: &[Vec<DataValue>]) -> Result<Verdict, Mismatch> {
    // The host's architecture with baseline features (no CPU detection), so that the
    // checked code is the same on every machine of one architecture.
    let target = match isa::lookup(isa::Triple::host()) {
        Ok(b) => b,
        Err(e) => return Ok(Verdict::Skipped(format!("no backend for the host: {e}"))),
    };
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
    for level in [OptLevel::None, OptLevel::Speed] {
        let flags = Flags { opt_level: level, regalloc_checker: true, ..Flags::default() };
        let isa = target
            .clone()
            .with_flags(flags)
            .finish()
            .map_err(|e| Mismatch::new(format!("no host target: {e}"), String::new()))?;
        let jit = match lathe_jit::compile_and_load(&*isa, &program.functions) {
            Ok(loaded) => match loaded.not_compiled.first() {
                Some((_, m)) => return Ok(Verdict::Skipped(format!("backend: {m}"))),
                None => loaded.module,
            },
            Err(LoadError::Link { not_compiled, .. }) if !not_compiled.is_empty() => {
                return Ok(Verdict::Skipped(format!("backend: {}", not_compiled[0].1)));
            }
            Err(e) => {
                return Err(Mismatch::new(format!("at opt_level={level}: {e}"), program.to_filetest(&runs)));
            }
        };
        let Some(id) = jit.lookup(&program.entry().name) else {
            return Err(Mismatch::new("the JIT lost the entry function", program.to_filetest(&runs)));
        };
        for (args, want) in inputs.iter().zip(&expected) {
            let native = match jit.call(id, args) {
                Ok(outcome) => outcome,
                Err(JitError::Unsupported(m)) => return Ok(Verdict::Skipped(format!("JIT: {m}"))),
                Err(e) => {
                    return Err(Mismatch::new(
                        format!("calling native code failed (opt_level={level}): {e}"),
                        program.to_filetest(&runs),
                    ));
                }
            };
            if !want.agrees_with(&native) {
                return Err(Mismatch::new(
                    format!(
                        "interpreter and native code (opt_level={level}) disagree on ({}): interpreter {}, native {}",
                        crate::program::join(args),
                        show(want),
                        show(&native)
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
    Mismatch::new(
        format!("the interpreter failed on ({}): {e}", crate::program::join(args)),
        program.to_filetest(&runs),
    )
}
