//! The interpreter-versus-target check for an ISA the host cannot run: the program is
//! compiled for the target, linked with the cross-run driver of `lathe-filetests`
//! (`lathe_filetests::cross`: the target's gcc, then `qemu-<arch>`), and every argument
//! set becomes one call of ONE program per optimisation level (starting qemu costs about a
//! quarter of a second, so calls are batched). The compare loop is `compare`'s.

use super::compare::{RunFailure, check_interp_vs_runner};
use super::{Mismatch, Verdict};
use crate::program::{Program, name_key};
use lathe_codegen::data_value::{CallOutcome, DataValue};
use lathe_codegen::isa::{self, IsaBuilder, TargetIsa};
use lathe_codegen::result::CodegenError;
use lathe_filetests::cross::{CallResult, ProgramCall, ProgramFunction, Toolchain, program, toolchain};
use lathe_jit::{JitError, entry};

/// A target ISA and the tools that build and run its programs (always under qemu, even for
/// the host's own architecture, so the object path is what is checked).
#[derive(Clone)]
pub struct CrossTarget {
    builder: IsaBuilder,
    tools: Toolchain,
}

/// Why a [`CrossTarget`] is not available.
#[derive(Debug, thiserror::Error)]
pub enum CrossTargetError {
    /// Lathe has no backend of that name.
    #[error("no backend for `{name}`: {error}")]
    NoBackend {
        /// The name asked for.
        name: String,
        /// The lookup's error.
        error: isa::LookupError,
    },
    /// The cross gcc or qemu is missing (the error names the Debian packages).
    #[error(transparent)]
    Tools(#[from] lathe_filetests::cross::ToolError),
}

impl CrossTarget {
    /// The target called `name` (`aarch64`, or a triple) with its toolchain from `PATH`.
    pub fn new(name: &str) -> Result<Self, CrossTargetError> {
        let builder =
            isa::lookup_by_name(name).map_err(|error| CrossTargetError::NoBackend { name: name.into(), error })?;
        let tools = toolchain(builder.triple().architecture, false)?;
        Ok(CrossTarget { builder, tools })
    }
}

/// Runs `program`'s entry on each of `inputs` in the interpreter and as `target` code
/// under qemu, at `opt_level=none` and `speed` (and `baseline` on aarch64) with the
/// regalloc2 checker on. A function
/// the backend reports as unsupported, or a signature the entry trampolines cannot carry,
/// make the program [`Verdict::Skipped`]; any other compile, link or run failure, a fault
/// outside Lathe's code, or a different result or trap code is a [`Mismatch`].
pub fn check_interp_vs_target(
    program: &Program,
    inputs: &[Vec<DataValue>],
    target: &CrossTarget,
) -> Result<Verdict, Mismatch> {
    let what = format!("{} code", target.tools.family);
    let mut runner = |isa: &dyn TargetIsa, program: &Program, inputs: &[Vec<DataValue>]| {
        run_cross(isa, &target.tools, program, inputs)
    };
    check_interp_vs_runner(program, inputs, &target.builder, &what, &mut runner)
}

/// Compiles every function, builds one program calling the entry once per argument set,
/// and runs it.
fn run_cross(
    isa: &dyn TargetIsa,
    tools: &Toolchain,
    program: &Program,
    inputs: &[Vec<DataValue>],
) -> Result<Vec<CallOutcome>, RunFailure> {
    let names: Vec<String> = program.functions.iter().map(|f| name_key(&f.name)).collect();
    let mut funcs = Vec::with_capacity(names.len());
    for (f, name) in program.functions.iter().zip(&names) {
        match isa.compile_function(f, false) {
            Ok(code) => funcs.push(ProgramFunction { name, signature: &f.signature, code }),
            Err(CodegenError::Unsupported(m)) => return Err(RunFailure::Skipped(format!("backend: {m}"))),
            Err(e) => return Err(RunFailure::Failed(format!("compiling `{name}`: {e}"))),
        }
    }
    let sig = &program.entry().signature;
    entry::check_signature(sig).map_err(|e| match e {
        JitError::Unsupported(m) => RunFailure::Skipped(format!("entry: {m}")),
        other => RunFailure::Failed(other.to_string()),
    })?;
    let mut calls = Vec::with_capacity(inputs.len());
    for args in inputs {
        let mut slots = entry::buffer(sig);
        entry::write_args(sig, args, &mut slots, isa.endianness())
            .map_err(|e| RunFailure::Failed(format!("passing arguments: {e}")))?;
        calls.push(ProgramCall { callee: 0, slots });
    }
    let results = program::run(isa, tools, &funcs, &calls).map_err(|e| RunFailure::Failed(e.to_string()))?;
    results
        .into_iter()
        .map(|r| match r {
            CallResult::Outcome(o) => Ok(o),
            CallResult::Fault(m) => Err(RunFailure::Failed(m)),
        })
        .collect()
}
