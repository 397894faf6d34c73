//! The checkers. Each takes its input (bytes, or a generated program with argument sets)
//! and returns a [`Verdict`] when Lathe behaved, or a [`Mismatch`] describing the finding:
//! what differed, the program as a filetest ready to be minimised and checked in, the
//! arguments, and both outcomes.
//!
//! - [`check_reader`]: the CLIF reader never panics; whatever parses prints, and the print
//!   parses back to the same print. Parsed functions also go through the verifier, which
//!   must not panic either.
//! - [`check_isle`]: the ISLE compiler never panics.
//! - [`check_interp_vs_jit`]: the interpreter and x86-64 native code (through the JIT) give
//!   the same results or the same trap, at `opt_level=none` and `speed`, with the regalloc2
//!   checker on.
//! - [`check_interp_vs_target`]: the same comparison for code compiled for another ISA
//!   (aarch64), linked with the cross-run driver and run under `qemu-user`; all argument
//!   sets of one optimisation level run in one program.
//! - [`check_optimizer`]: the interpreter gives the same outcome before and after the
//!   mid-end, and the mid-end's output verifies.
//! - [`check_wasm_reader`]: arbitrary bytes into the Wasm front end give an error, never a
//!   panic.
//! - [`check_wasm_diff`]: a `wasm-smith` module run by Lathe and by `wasmi` gives the same
//!   results and the same kinds of trap for every exported function.
//! - [`check_wasi`]: sequences of WASI calls with arbitrary arguments never panic the
//!   host and never touch anything outside the granted directory.
//!
//! [`check_jit_bytes`], [`check_target_bytes`] and [`check_optimizer_bytes`] generate the program and its inputs
//! from fuzzer bytes first; the fuzz targets call them.

mod compare;
mod cross;
mod isle;
mod jit;
mod optimizer;
mod reader;
mod run;
mod wasi;
mod wasm;
mod wasm_diff;

pub use cross::{CrossTarget, CrossTargetError, check_interp_vs_target};
pub use isle::check_isle;
pub use jit::check_interp_vs_jit;
pub use optimizer::check_optimizer;
pub use reader::check_reader;
pub use wasi::check_wasi;
pub use wasm::check_wasm_reader;
pub use wasm_diff::{check_wasm_diff, wasm_diff_module};

use crate::config::Config;
use crate::r#gen::{generate_inputs, generate_program};
use crate::program::Program;
use arbitrary::Unstructured;
use lathe_codegen::data_value::DataValue;
use std::fmt;

/// Lathe behaved: the check ran, or it could not run for a reason that is not a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything compared equal.
    Checked,
    /// The input was not interesting (for example the backend reported an opcode as
    /// unsupported); the reason says why.
    Skipped(String),
}

/// A finding: Lathe panicked-free but wrong, or a generator produced invalid IR.
#[derive(Clone, Debug, thiserror::Error)]
pub struct Mismatch {
    /// One line: what went wrong.
    pub summary: String,
    /// The reproducer and the details (a filetest, arguments, outcomes).
    pub details: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary)?;
        f.write_str(&self.details)
    }
}

impl Mismatch {
    pub(crate) fn new(summary: impl Into<String>, details: impl Into<String>) -> Self {
        Mismatch { summary: summary.into(), details: details.into() }
    }
}

/// Verifies every function of a generated program; a failure is a generator bug.
pub(crate) fn verify_generated(program: &Program) -> Result<(), Mismatch> {
    for f in &program.functions {
        if let Err(e) = lathe_codegen::verifier::verify_function(f) {
            return Err(Mismatch::new(
                format!("the generator made a function the verifier rejects: {e}"),
                program.to_clif(),
            ));
        }
    }
    Ok(())
}

/// A program under `cfg` and its argument sets, from fuzzer bytes.
pub fn program_from_bytes(bytes: &[u8], cfg: &Config) -> Option<(Program, Vec<Vec<DataValue>>)> {
    let mut u = Unstructured::new(bytes);
    let program = generate_program(&mut u, cfg).ok()?;
    let inputs = generate_inputs(&mut u, &program.entry().signature, cfg.max_input_sets).ok()?;
    Some((program, inputs))
}

/// The `fuzzgen` target: a program from `bytes` under [`Config::jit`], run by the
/// interpreter and natively.
pub fn check_jit_bytes(bytes: &[u8]) -> Result<Verdict, Mismatch> {
    match program_from_bytes(bytes, &Config::jit()) {
        Some((program, inputs)) => check_interp_vs_jit(&program, &inputs),
        None => Ok(Verdict::Skipped("the generator failed".into())),
    }
}

/// The `fuzzgen_aarch64` target (with `target` for aarch64): a program from `bytes` under
/// [`Config::jit`], run by the interpreter and as `target` code under qemu.
pub fn check_target_bytes(bytes: &[u8], target: &CrossTarget) -> Result<Verdict, Mismatch> {
    match program_from_bytes(bytes, &Config::jit()) {
        Some((program, inputs)) => check_interp_vs_target(&program, &inputs, target),
        None => Ok(Verdict::Skipped("the generator failed".into())),
    }
}

/// The `optimizer` target: a program from `bytes` under [`Config::interpreter`],
/// interpreted before and after the mid-end.
pub fn check_optimizer_bytes(bytes: &[u8]) -> Result<Verdict, Mismatch> {
    match program_from_bytes(bytes, &Config::interpreter()) {
        Some((program, inputs)) => check_optimizer(&program, &inputs),
        None => Ok(Verdict::Skipped("the generator failed".into())),
    }
}
