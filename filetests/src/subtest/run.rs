//! `test run`: the file's functions are compiled for the host, loaded with the JIT, and
//! every `; run:` line is executed natively and in the interpreter: both must meet the
//! line's expectation and agree with each other. Unless the file sets `opt_level`, this
//! happens at `opt_level=none` and at `opt_level=speed`; the regalloc2 checker is always
//! on. A target the host cannot run (another architecture, or an ISA flag the host lacks)
//! is reported unsupported. A function the target cannot compile yet leaves its run lines
//! unrun: the others still run (and any failure among them fails the file), and the file
//! is then reported unsupported with the count, never as passed.

use super::interpret::{check_outcome, function_name, function_store, run_lines};
use super::targets::{TargetSpec, make_isa, target_specs};
use super::{Failure, FileContext, SubTest};
use lathe_codegen::ir::{ExternalName, Function};
use lathe_codegen::isa;
use lathe_codegen::settings::OptLevel;
use lathe_interpreter::Interpreter;
use lathe_jit::{LoadError, compile_and_load};

/// The `run` kind.
pub struct Run;

fn host_can_run(spec: &TargetSpec) -> Result<(), Failure> {
    let builder = spec.builder.as_ref().map_err(|e| Failure::Unsupported(e.clone()))?;
    isa::host_can_run(builder).map_err(|e| Failure::Unsupported(e.to_string()))
}

impl SubTest for Run {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        let specs = target_specs(ctx.file)?;
        let funcs: Vec<&Function> = ctx.file.functions.iter().map(|tf| &tf.function).collect();
        let mut interp = Interpreter::new(function_store(&funcs));
        let mut failures = Vec::new();
        let runs = run_lines(ctx.file, &funcs, &mut failures);
        let mut ran_any = false;
        let mut unsupported = None;
        let mut skipped: Vec<String> = Vec::new();
        for spec in &specs {
            if let Err(e) = host_can_run(spec) {
                unsupported.get_or_insert(e);
                continue;
            }
            let levels: Vec<OptLevel> =
                if spec.opt_level_set { vec![spec.flags.opt_level] } else { vec![OptLevel::None, OptLevel::Speed] };
            for level in levels {
                let mut flags = spec.flags.clone();
                flags.opt_level = level;
                flags.regalloc_checker = true;
                let isa = make_isa(spec, flags)?;
                // Functions the target cannot compile yet are left out; their run lines
                // are counted as unsupported, and the rest still run.
                let line_of = |name: &ExternalName| {
                    ctx.file.functions.iter().find(|tf| tf.function.name == *name).map_or(0, |tf| tf.start_line)
                };
                let loaded = match compile_and_load(&*isa, funcs.iter().copied()) {
                    Ok(loaded) => loaded,
                    Err(LoadError::Compile { name, error }) => {
                        return Err(Failure::Failed(format!("function at line {}: {error}", line_of(&name))));
                    }
                    Err(LoadError::Define { name, error }) => {
                        return Err(Failure::Failed(format!("function at line {}: {error}", line_of(&name))));
                    }
                    Err(LoadError::Link { error, not_compiled }) => match not_compiled.first() {
                        None => return Err(Failure::Failed(format!("loading the code: {error}"))),
                        Some((_, reason)) => {
                            return Err(Failure::Unsupported(format!("{reason} (a callee could not be compiled)")));
                        }
                    },
                };
                let jit = loaded.module;
                let not_compiled: Vec<(String, String)> = loaded
                    .not_compiled
                    .into_iter()
                    .filter_map(|(name, reason)| {
                        funcs.iter().find(|f| f.name == name).map(|f| (function_name(f), reason))
                    })
                    .collect();
                for (line, run) in &runs {
                    let Some(target) = funcs.iter().find(|f| function_name(f) == run.function) else {
                        failures.push(format!("line {}: no function `%{}`", line, run.function));
                        continue;
                    };
                    let Some(id) = jit.lookup(&target.name) else {
                        match not_compiled.iter().find(|(n, _)| *n == run.function) {
                            Some((_, reason)) => skipped.push(format!("line {line}: {reason}")),
                            None => failures.push(format!("line {}: `%{}` was not loaded", line, run.function)),
                        }
                        continue;
                    };
                    let native = match jit.call(id, &run.args) {
                        Ok(o) => o,
                        Err(lathe_jit::JitError::Unsupported(m)) => {
                            skipped.push(format!("line {line}: {m}"));
                            continue;
                        }
                        Err(e) => {
                            failures.push(format!("line {line}: {e}"));
                            continue;
                        }
                    };
                    ran_any = true;
                    if let Err(msg) = check_outcome(run, &native) {
                        failures.push(format!("line {line} (native, opt_level={level}): {msg}"));
                    }
                    match interp.call_by_name(&run.function, &run.args) {
                        Ok(reference) if !reference.agrees_with(&native) => failures.push(format!(
                            "line {line} (opt_level={level}): native {native:?} but the interpreter gives {reference:?}"
                        )),
                        Ok(_) => {}
                        Err(e) => failures.push(format!("line {line}: interpreter: {e}")),
                    }
                }
            }
        }
        if !failures.is_empty() {
            return Err(Failure::Failed(failures.join("\n")));
        }
        if let Some(first) = skipped.first() {
            return Err(Failure::Unsupported(format!(
                "{} run line(s) not run natively (the others passed); first: {first}",
                skipped.len()
            )));
        }
        match (ran_any, unsupported) {
            (false, Some(u)) => Err(u),
            _ => Ok(()),
        }
    }
}
