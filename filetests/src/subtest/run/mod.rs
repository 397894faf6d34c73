//! `test run`: the file's functions are compiled for each target and every `; run:` line
//! is executed on it and in the interpreter: both must meet the line's expectation and
//! agree with each other. Unless the file sets `opt_level`, this happens at
//! `opt_level=none` and at `opt_level=speed`, and on the ISAs with a baseline tier
//! ([`BASELINE_ISAS`]: x86_64 and aarch64) also at `opt_level=baseline` (the baseline tier,
//! `lathe_codegen::baseline`); the regalloc2 checker is always on. At `baseline`, the
//! functions the tier compiled itself and those it left to `opt_level=none` are counted
//! per ISA family ([`BaselineByIsa`], in `FileContext::baseline`).
//!
//! How the code runs (a [`Runner`]): targets the host runs go through the JIT (`jit`); a
//! target of another architecture goes through an object file linked with a C driver and
//! run under `qemu-user` (`object`, on `crate::cross`) when its tools are installed, and
//! is unsupported, naming the Debian packages, when not. `RunOptions::runner` can force
//! the object path for the host too. Both runners give one [`LineResult`] per run line;
//! the checks below are the same for both.
//!
//! Outcomes: a target that cannot run at all (no backend, a flag the host lacks, missing
//! tools) is unsupported; the file still passes on its other targets. A function a target
//! cannot compile yet leaves its run lines unrun: the others still run (and any failure
//! among them fails the file), and the file is then reported unsupported with the count,
//! never as passed. The same rules give one outcome per ISA family (`ctx.isa_results`),
//! for `lathe test`'s per-ISA lines. With `RunOptions::target`, only that family's
//! targets run; a file with none of them still checks its run lines in the interpreter.

mod jit;
mod object;

use super::interpret::{check_outcome, function_name, function_store, run_lines};
use super::targets::{TargetSpec, add_target_words, make_isa, target_specs};
use super::{Failure, FileContext, SubTest};
use crate::RunnerMode;
use crate::cross::{Toolchain, toolchain};
use lathe_codegen::data_value::CallOutcome;
use lathe_codegen::ir::{ExternalName, Function};
use lathe_codegen::isa::{self, HostMismatch, TargetIsa};
use lathe_codegen::machinst::CompileOptions;
use lathe_codegen::settings::OptLevel;
use lathe_interpreter::{Interpreter, InterpreterError};
use std::collections::BTreeMap;

/// The `run` kind.
pub struct Run;

/// What a run line gave on one target.
pub(super) enum LineResult {
    /// It ran: the outcome to check.
    Ran(CallOutcome),
    /// It could not run there (a function that did not compile, a signature the entry
    /// trampolines do not carry): unsupported, with the reason.
    Skipped(String),
    /// Running it went wrong.
    Failed(String),
}

/// The functions of a file, with where they start (for messages).
pub(super) struct Functions<'a> {
    /// Every function, in file order.
    pub funcs: Vec<&'a Function>,
    lines: Vec<usize>,
}

impl Functions<'_> {
    /// The line a function starts on (0 if it is not one of the file's).
    pub fn line_of(&self, name: &ExternalName) -> usize {
        self.funcs.iter().zip(&self.lines).find(|(f, _)| f.name == *name).map_or(0, |(_, &l)| l)
    }

    /// The function a run line calls.
    pub fn by_run_name(&self, name: &str) -> Option<&Function> {
        self.funcs.iter().copied().find(|f| function_name(f) == name)
    }
}

/// The run lines of a file: each with its line number.
pub(super) type Runs = [(usize, super::interpret::RunLine)];

/// How the code of one configuration runs.
enum Runner {
    /// Loaded into this process by the JIT.
    Jit,
    /// Linked into a program that runs as a child process (natively or emulated).
    Object(Toolchain),
}

impl Runner {
    /// One result per run line, or why the configuration as a whole failed (a function
    /// that did not compile for a reason other than "unsupported", the program not
    /// building).
    fn run(&self, isa: &dyn TargetIsa, funcs: &Functions<'_>, runs: &Runs) -> Result<Vec<LineResult>, Failure> {
        match self {
            Runner::Jit => jit::run(isa, funcs, runs),
            Runner::Object(tools) => object::run(isa, tools, funcs, runs),
        }
    }
}

/// How a configuration runs under `mode`, or why it cannot.
fn choose_runner(spec: &TargetSpec, mode: &RunnerMode) -> Result<Runner, Failure> {
    let builder = spec.builder.as_ref().map_err(|e| Failure::Unsupported(e.clone()))?;
    let arch = builder.triple().architecture;
    let unsupported = |e: &dyn std::fmt::Display| Failure::Unsupported(e.to_string());
    let object = |native: bool| toolchain(arch, native).map(Runner::Object).map_err(|e| unsupported(&e));
    match (isa::host_can_run(builder), mode) {
        (_, RunnerMode::Invalid(name)) => {
            Err(Failure::Failed(format!("LATHE_RUNNER={name} is not one of `auto`, `object`, `qemu`")))
        }
        (Ok(()), RunnerMode::Auto) => Ok(Runner::Jit),
        (Ok(()), RunnerMode::Object) => object(true),
        (Ok(()) | Err(HostMismatch::OtherArch(_)), _) => object(false),
        (Err(e), _) => Err(unsupported(&e)),
    }
}

/// The bookkeeping of outcomes, for one ISA family or a whole file: the one place that
/// decides between passed, failed and unsupported.
#[derive(Default)]
struct Tally {
    failures: Vec<String>,
    /// Run lines (or whole configurations) that could not run.
    skipped: Vec<String>,
    /// Whether some configuration ran its lines.
    ran_any: bool,
    /// Why the first configuration that could not run at all could not.
    unsupported: Option<Failure>,
}

impl Tally {
    fn merge(&mut self, other: &Tally) {
        self.failures.extend(other.failures.iter().cloned());
        self.skipped.extend(other.skipped.iter().cloned());
        self.ran_any |= other.ran_any;
        if self.unsupported.is_none() {
            self.unsupported = other.unsupported.as_ref().map(copy_failure);
        }
    }

    /// Any failure fails; then lines left unrun make it unsupported; then it passes if
    /// some configuration ran (or there was nothing to run), and is unsupported if none
    /// could.
    fn result(&self) -> Result<(), Failure> {
        if !self.failures.is_empty() {
            return Err(Failure::Failed(self.failures.join("\n")));
        }
        if let Some(first) = self.skipped.first() {
            return Err(Failure::Unsupported(format!(
                "{} run line(s) not run on the target (the others passed); first: {first}",
                self.skipped.len()
            )));
        }
        match (&self.unsupported, self.ran_any) {
            (Some(u), false) => Err(copy_failure(u)),
            _ => Ok(()),
        }
    }
}

fn copy_failure(f: &Failure) -> Failure {
    match f {
        Failure::Failed(m) => Failure::Failed(m.clone()),
        Failure::Unsupported(m) => Failure::Unsupported(m.clone()),
    }
}

/// The interpreter's outcome of each run line, computed once and shared by every
/// configuration.
struct Reference<'a> {
    interp: Interpreter<'a>,
    outcomes: Vec<Option<Result<CallOutcome, String>>>,
}

impl Reference<'_> {
    fn outcome(&mut self, index: usize, run: &super::interpret::RunLine) -> Result<CallOutcome, String> {
        if self.outcomes[index].is_none() {
            let got = self.interp.call_by_name(&run.function, &run.args).map_err(|e| match e {
                InterpreterError::Unsupported { opcode, reason } => {
                    format!("the interpreter does not execute `{opcode}` yet: {reason}")
                }
                other => other.to_string(),
            });
            self.outcomes[index] = Some(got);
        }
        self.outcomes[index].clone().expect("filled above")
    }
}

impl SubTest for Run {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        let mut specs = target_specs(ctx.file)?;
        let wanted = |spec: &TargetSpec| ctx.options.target.as_ref().is_none_or(|t| *t == spec.family);
        for spec in specs.iter_mut().filter(|s| wanted(s)) {
            add_target_words(spec, &ctx.options.target_flags);
        }
        let funcs = Functions {
            funcs: ctx.file.functions.iter().map(|tf| &tf.function).collect(),
            lines: ctx.file.functions.iter().map(|tf| tf.start_line).collect(),
        };
        let mut file = Tally::default();
        let runs = run_lines(ctx.file, &funcs.funcs, &mut file.failures);
        let mut reference = Reference { interp: Interpreter::new(function_store(&funcs.funcs)), outcomes: vec![] };
        reference.outcomes.resize(runs.len(), None);
        let mut per_isa: BTreeMap<String, Tally> = BTreeMap::new();
        for spec in specs.iter().filter(|s| wanted(s)) {
            let tally = per_isa.entry(spec.family.clone()).or_default();
            let runner = match choose_runner(spec, &ctx.options.runner) {
                Ok(r) => r,
                Err(Failure::Failed(m)) => {
                    tally.failures.push(m);
                    continue;
                }
                Err(e) => {
                    tally.unsupported.get_or_insert(e);
                    continue;
                }
            };
            let levels: Vec<OptLevel> = match spec.opt_level_set {
                true => vec![spec.flags.opt_level],
                false if BASELINE_ISAS.contains(&spec.family.as_str()) => {
                    vec![OptLevel::None, OptLevel::Speed, OptLevel::Baseline]
                }
                false => vec![OptLevel::None, OptLevel::Speed],
            };
            for level in levels {
                let mut flags = spec.flags.clone();
                flags.opt_level = level;
                flags.regalloc_checker = true;
                let isa = match make_isa(spec, flags) {
                    Ok(isa) => isa,
                    Err(e) => {
                        record_config_failure(tally, e);
                        continue;
                    }
                };
                if level == OptLevel::Baseline {
                    ctx.baseline.add(&spec.family, count_baseline(&*isa, &funcs));
                }
                let results = match runner.run(&*isa, &funcs, &runs) {
                    Ok(r) => r,
                    Err(e) => {
                        record_config_failure(tally, e);
                        continue;
                    }
                };
                let place = if matches!(runner, Runner::Jit) { "native" } else { "object" };
                for (index, ((line, run), result)) in runs.iter().zip(results).enumerate() {
                    let outcome = match result {
                        LineResult::Ran(o) => o,
                        LineResult::Skipped(reason) => {
                            tally.skipped.push(format!("line {line}: {reason}"));
                            continue;
                        }
                        LineResult::Failed(msg) => {
                            tally.failures.push(format!("line {line}: {msg}"));
                            continue;
                        }
                    };
                    tally.ran_any = true;
                    let at = format!("{} {place}, opt_level={level}", spec.family);
                    if let Err(msg) = check_outcome(run, &outcome) {
                        tally.failures.push(format!("line {line} ({at}): {msg}"));
                    }
                    match reference.outcome(index, run) {
                        Ok(r) if !r.agrees_with(&outcome) => tally
                            .failures
                            .push(format!("line {line} ({at}): {outcome:?} but the interpreter gives {r:?}")),
                        Ok(_) => {}
                        Err(e) => tally.failures.push(format!("line {line}: interpreter: {e}")),
                    }
                }
            }
        }
        if per_isa.is_empty() {
            // `--target` left no configuration: the run lines still hold in the interpreter.
            for (index, (line, run)) in runs.iter().enumerate() {
                match reference.outcome(index, run).and_then(|o| check_outcome(run, &o)) {
                    Ok(_) => {}
                    Err(e) => file.failures.push(format!("line {line} (interpreter): {e}")),
                }
            }
        }
        for (family, tally) in &per_isa {
            let mut own = Tally::default();
            own.failures.extend(file.failures.iter().cloned());
            own.merge(tally);
            ctx.isa_results.push((family.clone(), own.result()));
        }
        for tally in per_isa.values() {
            file.merge(tally);
        }
        file.result()
    }
}

/// The ISA families whose `test run` configurations also run at `opt_level=baseline`
/// (those with a baseline tier; other ISAs refuse the level).
pub const BASELINE_ISAS: [&str; 2] = ["x86_64", "aarch64"];

/// How many functions of a file the baseline tier compiled, and how many it left to
/// `opt_level=none` (the fallback of `lathe_codegen::baseline`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct BaselineCounts {
    /// Functions the tier compiled itself.
    pub compiled: usize,
    /// Functions compiled at `opt_level=none` instead.
    pub fell_back: usize,
}

impl BaselineCounts {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: BaselineCounts) {
        self.compiled += other.compiled;
        self.fell_back += other.fell_back;
    }
}

/// [`BaselineCounts`] per ISA family.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BaselineByIsa(pub BTreeMap<String, BaselineCounts>);

impl BaselineByIsa {
    /// Adds `counts` to `family`'s.
    pub fn add(&mut self, family: &str, counts: BaselineCounts) {
        self.0.entry(family.to_string()).or_default().add(counts);
    }
    /// Adds every family's counts of `other`.
    pub fn merge(&mut self, other: &BaselineByIsa) {
        for (family, &counts) in &other.0 {
            self.add(family, counts);
        }
    }
}

/// Compiles each function at `isa`'s level (`baseline`) once more, only to see which ones
/// the tier fell back on (the JIT loader does not report it). Functions that do not
/// compile at all are not counted: their run lines report them.
fn count_baseline(isa: &dyn TargetIsa, funcs: &Functions<'_>) -> BaselineCounts {
    let mut counts = BaselineCounts::default();
    for f in &funcs.funcs {
        let mut options = CompileOptions::default();
        if isa.compile_function_with(f, &mut options).is_ok() {
            match options.baseline_fallback {
                Some(_) => counts.fell_back += 1,
                None => counts.compiled += 1,
            }
        }
    }
    counts
}

/// A configuration that could not run at all: a failure fails; "unsupported" leaves its
/// lines unrun (so the file cannot pass as if they had run).
fn record_config_failure(tally: &mut Tally, failure: Failure) {
    match failure {
        Failure::Failed(m) => tally.failures.push(m),
        Failure::Unsupported(m) => tally.skipped.push(m),
    }
}
