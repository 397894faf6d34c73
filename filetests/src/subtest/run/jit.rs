//! The JIT runner of `test run`: the functions are compiled for a target the host runs,
//! loaded into this process, and each run line is a call through `JitModule::call`.

use super::{Functions, LineResult, Runs};
use crate::subtest::Failure;
use lathe_codegen::isa::TargetIsa;
use lathe_jit::{JitError, LoadError, compile_and_load};

/// One result per run line.
pub(super) fn run(isa: &dyn TargetIsa, funcs: &Functions<'_>, runs: &Runs) -> Result<Vec<LineResult>, Failure> {
    let loaded = match compile_and_load(isa, funcs.funcs.iter().copied()) {
        Ok(loaded) => loaded,
        Err(LoadError::Compile { name, error }) => {
            return Err(Failure::Failed(format!("function at line {}: {error}", funcs.line_of(&name))));
        }
        Err(LoadError::Define { name, error }) => {
            return Err(Failure::Failed(format!("function at line {}: {error}", funcs.line_of(&name))));
        }
        Err(LoadError::Link { error, not_compiled }) => {
            return Err(match not_compiled.first() {
                None => Failure::Failed(format!("loading the code: {error}")),
                Some((_, reason)) => Failure::Unsupported(format!("{reason} (a callee could not be compiled)")),
            });
        }
    };
    let jit = loaded.module;
    let results = runs
        .iter()
        .map(|(_, run)| {
            let Some(target) = funcs.by_run_name(&run.function) else {
                return LineResult::Failed(format!("no function `%{}`", run.function));
            };
            let Some(id) = jit.lookup(&target.name) else {
                return match loaded.not_compiled.iter().find(|(n, _)| *n == target.name) {
                    Some((_, reason)) => LineResult::Skipped(reason.clone()),
                    None => LineResult::Failed(format!("`%{}` was not loaded", run.function)),
                };
            };
            match jit.call(id, &run.args) {
                Ok(outcome) => LineResult::Ran(outcome),
                Err(JitError::Unsupported(m)) => LineResult::Skipped(m),
                Err(e) => LineResult::Failed(e.to_string()),
            }
        })
        .collect();
    Ok(results)
}
