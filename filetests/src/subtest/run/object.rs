//! The object runner of `test run`: the functions are compiled for the target and every
//! run line of the configuration becomes one call of one program (`crate::cross`), built
//! with the target's gcc and run natively or under `qemu-user`.
//!
//! It mirrors the JIT runner's cases: a function the backend reports unsupported is left
//! out and its lines are skipped (a call to it from another function makes the whole
//! configuration unsupported, as a JIT link would); a signature the entry trampolines do
//! not carry skips the line; arguments that do not fit the signature fail it. Exceptions
//! (a `try_call` or a call of the throw helper) make the configuration unsupported: the
//! thrower is the JIT's (`lathe_jit`), and the C driver has none.

use super::{Functions, LineResult, Runs};
use crate::cross::Toolchain;
use crate::cross::program::{self, CallResult, ProgramCall, ProgramError, ProgramFunction, symbol_name};
use crate::subtest::Failure;
use lathe_codegen::ir::ExternalName;
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::result::CodegenError;
use lathe_jit::{JitError, entry};

/// Whether compiled code catches exceptions or calls the throw helper.
fn uses_exceptions(code: &lathe_codegen::machinst::CompiledCode) -> bool {
    !code.exception_sites.is_empty()
        || code
            .relocs
            .iter()
            .any(|r| matches!(&r.target, ExternalName::TestCase(n) if n == lathe_codegen::ir::THROW_FUNCTION))
}

/// One result per run line.
pub(super) fn run(
    isa: &dyn TargetIsa,
    tools: &Toolchain,
    funcs: &Functions<'_>,
    runs: &Runs,
) -> Result<Vec<LineResult>, Failure> {
    let mut compiled = Vec::new();
    let mut not_compiled: Vec<(&ExternalName, String)> = Vec::new();
    for f in &funcs.funcs {
        let Some(name) = symbol_name(&f.name) else {
            return Err(Failure::Unsupported(format!(
                "function at line {}: the object path names functions by `%name`, not `{}`",
                funcs.line_of(&f.name),
                f.name
            )));
        };
        match isa.compile_function(f, false) {
            Ok(code) if uses_exceptions(&code) => {
                return Err(Failure::Unsupported(format!(
                    "function at line {}: exceptions run only through the JIT (the object path's driver has no `%{}`)",
                    funcs.line_of(&f.name),
                    lathe_codegen::ir::THROW_FUNCTION
                )));
            }
            Ok(code) => compiled.push(ProgramFunction { name, signature: &f.signature, code }),
            Err(CodegenError::Unsupported(reason)) => not_compiled.push((&f.name, reason)),
            Err(error) => {
                return Err(Failure::Failed(format!("function at line {}: {error}", funcs.line_of(&f.name))));
            }
        }
    }
    // Each line either becomes a call (its index in `calls`) or has its result already.
    let mut results: Vec<Option<LineResult>> = Vec::with_capacity(runs.len());
    let mut calls = Vec::new();
    for (_, run) in runs {
        let Some(target) = funcs.by_run_name(&run.function) else {
            results.push(Some(LineResult::Failed(format!("no function `%{}`", run.function))));
            continue;
        };
        let Some(callee) = compiled.iter().position(|c| c.name == symbol_name(&target.name).unwrap_or_default()) else {
            let reason = not_compiled.iter().find(|(n, _)| **n == target.name).map(|(_, r)| r.clone());
            results.push(Some(reason.map_or_else(
                || LineResult::Failed(format!("`%{}` was not compiled", run.function)),
                LineResult::Skipped,
            )));
            continue;
        };
        let sig = &target.signature;
        if let Err(e) = entry::check_signature(sig) {
            results.push(Some(match e {
                JitError::Unsupported(m) => LineResult::Skipped(m),
                other => LineResult::Failed(other.to_string()),
            }));
            continue;
        }
        let mut slots = entry::buffer(sig);
        if let Err(e) = entry::write_args(sig, &run.args, &mut slots, isa.endianness()) {
            results.push(Some(LineResult::Failed(e.to_string())));
            continue;
        }
        calls.push(ProgramCall { callee, slots });
        results.push(None);
    }
    let mut ran = if calls.is_empty() {
        Vec::new()
    } else {
        match program::run(isa, tools, &compiled, &calls) {
            Ok(r) => r,
            Err(ProgramError::Object(e)) if !not_compiled.is_empty() => {
                return Err(Failure::Unsupported(format!(
                    "{} (a callee could not be compiled: {e})",
                    not_compiled[0].1
                )));
            }
            Err(e @ ProgramError::Emulator(_)) => return Err(Failure::Unsupported(e.to_string())),
            Err(e) => return Err(Failure::Failed(e.to_string())),
        }
    }
    .into_iter();
    Ok(results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| match ran.next() {
                Some(CallResult::Outcome(o)) => LineResult::Ran(o),
                Some(CallResult::Fault(m)) => LineResult::Failed(m),
                None => LineResult::Failed("the driver gave no result".into()),
            })
        })
        .collect())
}
