//! The interpreter-versus-native check: the host's machine code (x86-64 or aarch64 with
//! baseline features) loaded by the JIT must agree with the reference interpreter on every
//! argument set. The compare loop is `compare`'s; this module only runs the code.

use super::compare::{RunFailure, check_interp_vs_runner};
use super::{Mismatch, Verdict};
use crate::program::Program;
use lathe_codegen::data_value::{CallOutcome, DataValue};
use lathe_codegen::isa::{self, TargetIsa};
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
    check_interp_vs_runner(program, inputs, &target, "native code", &mut run_jit)
}

/// Loads the program into the JIT and calls its entry once per argument set.
fn run_jit(isa: &dyn TargetIsa, program: &Program, inputs: &[Vec<DataValue>]) -> Result<Vec<CallOutcome>, RunFailure> {
    let jit = match lathe_jit::compile_and_load(isa, &program.functions) {
        Ok(loaded) => match loaded.not_compiled.first() {
            Some((_, m)) => return Err(RunFailure::Skipped(format!("backend: {m}"))),
            None => loaded.module,
        },
        Err(LoadError::Link { not_compiled, .. }) if !not_compiled.is_empty() => {
            return Err(RunFailure::Skipped(format!("backend: {}", not_compiled[0].1)));
        }
        Err(e) => return Err(RunFailure::Failed(e.to_string())),
    };
    let id = jit.lookup(&program.entry().name).ok_or_else(|| RunFailure::Failed("the JIT lost the entry".into()))?;
    inputs
        .iter()
        .map(|args| match jit.call(id, args) {
            Ok(outcome) => Ok(outcome),
            Err(JitError::Unsupported(m)) => Err(RunFailure::Skipped(format!("JIT: {m}"))),
            Err(e) => Err(RunFailure::Failed(format!("calling native code failed: {e}"))),
        })
        .collect()
}
