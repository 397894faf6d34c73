//! Runs the test kinds of files, alone or many in parallel, and sums up the outcomes.

use crate::subtest::{self, FileContext, Lookup};
use lathe_codegen::text::{self, TestFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the runner was asked to do.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Rewrite expected output in place instead of comparing.
    pub bless: bool,
    /// Include what `; print:` lines printed in the report.
    pub verbose: bool,
    /// Run `test run` files only on the targets of this ISA family (`aarch64`); the other
    /// kinds run as usual. `None`: every target.
    pub target: Option<String>,
    /// ISA flags (`has_c`) turned on in each target of `target`'s family, after the words
    /// of its `target` line: a way to run the whole suite with an extension on. A flag the
    /// ISA does not know leaves those targets unsupported, naming it (`lathe test` refuses
    /// it before running anything).
    pub target_flags: Vec<String>,
    /// How `test run` executes code.
    pub runner: RunnerMode,
}

/// How `test run` executes compiled code (`LATHE_RUNNER`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RunnerMode {
    /// The JIT for targets the host runs; an object linked with a C driver and run under
    /// `qemu-user` for other architectures (`auto`, the default).
    #[default]
    Auto,
    /// The object path for every target: host code runs natively as a child process,
    /// other architectures under `qemu-user` (`object`).
    Object,
    /// The object path under `qemu-user` for every target, the host's too (`qemu`).
    Qemu,
    /// An unknown `LATHE_RUNNER` value: every `test run` pair fails, naming it.
    Invalid(String),
}

impl RunnerMode {
    /// The mode named by a `LATHE_RUNNER` value.
    pub fn from_name(name: &str) -> RunnerMode {
        match name {
            "" | "auto" => RunnerMode::Auto,
            "object" => RunnerMode::Object,
            "qemu" => RunnerMode::Qemu,
            other => RunnerMode::Invalid(other.to_string()),
        }
    }
}

impl RunOptions {
    /// Options from the environment: `LATHE_BLESS=1` turns blessing on, `LATHE_RUNNER`
    /// (`auto`, `object`, `qemu`) chooses how `test run` executes code.
    pub fn from_env() -> Self {
        let bless = std::env::var("LATHE_BLESS").is_ok_and(|v| !v.is_empty() && v != "0");
        let runner = RunnerMode::from_name(&std::env::var("LATHE_RUNNER").unwrap_or_default());
        Self { bless, runner, ..Self::default() }
    }
}

/// The outcome of one test kind on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestOutcome {
    /// Every check held. The string holds output worth showing (`; print:` results).
    Passed(String),
    /// A check failed; the message says where and why.
    Failed(String),
    /// Lathe lacks what the test needs; the message says what.
    Unsupported(String),
}

/// The outcomes of every test kind of one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// One outcome per test kind, in header order.
    pub results: Vec<(String, TestOutcome)>,
    /// The outcome of `test run` on each ISA family the file's targets name (one entry
    /// per family, whatever the number of its `target` lines).
    pub isa_results: Vec<(String, TestOutcome)>,
    /// Functions the baseline tier compiled, and left to `opt_level=none` (`test run`).
    pub baseline: subtest::run::BaselineByIsa,
}

impl FileReport {
    fn new(path: &Path, results: Vec<(String, TestOutcome)>) -> Self {
        FileReport { path: path.to_path_buf(), results, isa_results: Vec::new(), baseline: Default::default() }
    }
}

/// Counts of outcomes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Outcomes that passed.
    pub passed: usize,
    /// That failed.
    pub failed: usize,
    /// That need something Lathe (or the machine) lacks.
    pub unsupported: usize,
}

impl Counts {
    fn add(&mut self, outcome: &TestOutcome) {
        match outcome {
            TestOutcome::Passed(_) => self.passed += 1,
            TestOutcome::Failed(_) => self.failed += 1,
            TestOutcome::Unsupported(_) => self.unsupported += 1,
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed, {} unsupported", self.passed, self.failed, self.unsupported)
    }
}

/// Counts over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// (file, kind) pairs that passed.
    pub passed: usize,
    /// Pairs that failed.
    pub failed: usize,
    /// Pairs that need something Lathe lacks.
    pub unsupported: usize,
    /// `test run` files per ISA family: how many passed, failed and were unsupported on
    /// it.
    pub per_isa: BTreeMap<String, Counts>,
    /// Functions the baseline tier compiled, and left to `opt_level=none`, over every
    /// `test run` file.
    pub baseline: subtest::run::BaselineByIsa,
}

impl Summary {
    /// Adds the outcomes of one file.
    pub fn add(&mut self, report: &FileReport) {
        let mut total = Counts { passed: self.passed, failed: self.failed, unsupported: self.unsupported };
        for (_, outcome) in &report.results {
            total.add(outcome);
        }
        (self.passed, self.failed, self.unsupported) = (total.passed, total.failed, total.unsupported);
        for (isa, outcome) in &report.isa_results {
            self.per_isa.entry(isa.clone()).or_default().add(outcome);
        }
        self.baseline.merge(&report.baseline);
    }

    /// The lines `lathe test` prints about the baseline tier, one per ISA family it
    /// compiled anything for: `baseline tier (aarch64): N functions compiled, M fell back
    /// to opt_level=none`.
    pub fn baseline_lines(&self) -> Vec<String> {
        let lines = self.baseline.0.iter().filter(|(_, b)| b.compiled + b.fell_back > 0);
        lines
            .map(|(isa, b)| {
                format!(
                    "baseline tier ({isa}): {} functions compiled, {} fell back to opt_level=none",
                    b.compiled, b.fell_back
                )
            })
            .collect()
    }

    /// The per-ISA lines `lathe test` prints before the total:
    /// `aarch64: N passed, N failed, N unsupported`.
    pub fn isa_lines(&self) -> Vec<String> {
        self.per_isa.iter().map(|(isa, counts)| format!("{isa}: {counts}")).collect()
    }
}

/// The total line: `N passed, N failed, N unsupported`.
impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Counts { passed: self.passed, failed: self.failed, unsupported: self.unsupported }.fmt(f)
    }
}

/// The test kinds named by the header of `source` (`test <kind>` lines before the first
/// function), read without parsing the rest, so that a file that does not parse still
/// reports under its kinds.
pub fn file_test_kinds(source: &str) -> Vec<String> {
    let mut kinds = Vec::new();
    for line in source.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("test ") {
            if let Some(kind) = rest.split_whitespace().next()
                && !kinds.iter().any(|k| k == kind)
            {
                kinds.push(kind.to_string());
            }
            continue;
        }
        if t.starts_with("set ") || t.starts_with("target ") {
            continue;
        }
        break;
    }
    kinds
}

/// Runs every test kind of one file.
pub fn run_file(path: &Path, options: &RunOptions) -> FileReport {
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            return FileReport::new(
                path,
                vec![("read".into(), TestOutcome::Failed(format!("{}: {e}", path.display())))],
            );
        }
    };
    let kinds = file_test_kinds(&source);
    if kinds.is_empty() {
        return FileReport::new(
            path,
            vec![(
                "header".into(),
                TestOutcome::Failed(format!("{}: no `test <kind>` line in the header", path.display())),
            )],
        );
    }
    let mut report = FileReport::new(path, Vec::new());
    for kind in &kinds {
        let (outcome, isa_results, baseline) = run_kind_with_isas(path, &source, kind, options);
        report.results.push((kind.clone(), outcome));
        report.isa_results.extend(isa_results);
        report.baseline.merge(&baseline);
    }
    report
}

/// Runs one test kind of one file (for runners that show each pair as a test).
pub fn run_file_kind(path: &Path, kind: &str, options: &RunOptions) -> TestOutcome {
    match std::fs::read_to_string(path) {
        Ok(source) => run_kind_with_isas(path, &source, kind, options).0,
        Err(e) => TestOutcome::Failed(format!("{}: {e}", path.display())),
    }
}

/// Runs one test kind on a file's text (whatever its header says).
pub fn run_source_kind(path: &Path, source: &str, kind: &str, options: &RunOptions) -> TestOutcome {
    run_kind_with_isas(path, source, kind, options).0
}

/// Runs one kind; also the per-ISA outcomes of `test run` and its baseline-tier counts.
fn run_kind_with_isas(
    path: &Path,
    source: &str,
    kind: &str,
    options: &RunOptions,
) -> (TestOutcome, Vec<(String, TestOutcome)>, subtest::run::BaselineByIsa) {
    let display = path.display();
    let test = match subtest::lookup(kind) {
        Lookup::Found(t) => t,
        Lookup::Unsupported(reason) => return (TestOutcome::Unsupported(reason), Vec::new(), Default::default()),
    };
    if kind == subtest::PARSE_ERROR {
        let outcome = match subtest::parse_error::check(source) {
            Ok(()) => TestOutcome::Passed(String::new()),
            Err(msg) => TestOutcome::Failed(format!("{display}: {msg}")),
        };
        return (outcome, Vec::new(), Default::default());
    }
    let file = match text::parse_test_file(source) {
        Ok(f) => f,
        Err(e) => {
            let at = format!("{display}:{}:{}: {}", e.line, e.column, e.message);
            let outcome = if e.unsupported { TestOutcome::Unsupported(at) } else { TestOutcome::Failed(at) };
            return (outcome, Vec::new(), Default::default());
        }
    };
    if let Err(msg) = check_round_trip(&file) {
        return (TestOutcome::Failed(format!("{display}: {msg}")), Vec::new(), Default::default());
    }
    let mut ctx = FileContext::new(path, source, &file, options);
    let result = test.run(&mut ctx);
    if options.bless && !ctx.replacements.is_empty() {
        let new_source = crate::bless::apply(source, std::mem::take(&mut ctx.replacements));
        if new_source != source
            && let Err(e) = std::fs::write(path, new_source)
        {
            return (TestOutcome::Failed(format!("{display}: cannot bless: {e}")), Vec::new(), Default::default());
        }
    }
    let outcome = |result: Result<(), subtest::Failure>, log: String| match result {
        Ok(()) => TestOutcome::Passed(log),
        Err(subtest::Failure::Failed(msg)) => TestOutcome::Failed(format!("{display}: {msg}")),
        Err(subtest::Failure::Unsupported(msg)) => TestOutcome::Unsupported(msg),
    };
    let isa_results = std::mem::take(&mut ctx.isa_results);
    let isas = isa_results.into_iter().map(|(isa, r)| (isa, outcome(r, String::new()))).collect();
    (outcome(result, ctx.log), isas, ctx.baseline)
}

/// Checks that each function prints, parses back and prints identically.
fn check_round_trip(file: &TestFile) -> Result<(), String> {
    for tf in &file.functions {
        let printed = tf.function.to_string();
        let reparsed = text::parse_functions(&printed).map_err(|e| {
            format!(
                "function at line {}: the printed text does not parse back (line {}, column {}: {})\n{printed}",
                tf.start_line, e.line, e.column, e.message
            )
        })?;
        let again: String = reparsed.iter().map(|f| f.to_string()).collect();
        if again != printed {
            return Err(format!(
                "function at line {}: printing is not stable\n--- first print\n{printed}--- after re-parsing\n{again}",
                tf.start_line
            ));
        }
    }
    Ok(())
}

/// Runs every (file, kind) under `paths` on all cores, calling `report` for each file as
/// it finishes (in completion order), and returns the counts.
pub fn run_paths(files: &[PathBuf], options: &RunOptions, report: &(dyn Fn(&FileReport) + Sync)) -> Summary {
    let next = AtomicUsize::new(0);
    let summary = Mutex::new(Summary::default());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(files.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let rep = run_file(path, options);
                    summary.lock().unwrap_or_else(|p| p.into_inner()).add(&rep);
                    report(&rep);
                }
            });
        }
    });
    summary.into_inner().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_kinds_are_read_without_parsing() {
        let src =
            "; a comment\ntest interpret\ntest run\nset opt_level=speed\ntarget riscv64\ntest cat\n\nfunction %f() {";
        assert_eq!(file_test_kinds(src), vec!["interpret", "run", "cat"]);
        assert!(file_test_kinds("function %f() {}").is_empty());
    }

    #[test]
    fn summaries_count_files_per_isa() {
        let passed = TestOutcome::Passed(String::new());
        let mut report = FileReport::new(Path::new("a.clif"), vec![("run".into(), passed.clone())]);
        report.isa_results =
            vec![("x86_64".into(), passed.clone()), ("aarch64".into(), TestOutcome::Unsupported("no".into()))];
        let mut other = FileReport::new(Path::new("b.clif"), vec![("run".into(), TestOutcome::Failed("f".into()))]);
        other.isa_results = vec![("aarch64".into(), TestOutcome::Failed("f".into()))];
        let mut summary = Summary::default();
        summary.add(&report);
        summary.add(&other);
        assert_eq!(summary.to_string(), "1 passed, 1 failed, 0 unsupported");
        assert_eq!(
            summary.isa_lines(),
            ["aarch64: 0 passed, 1 failed, 1 unsupported", "x86_64: 1 passed, 0 failed, 0 unsupported"]
        );
    }

    #[test]
    fn runner_modes_are_read_by_name() {
        assert_eq!(RunnerMode::from_name(""), RunnerMode::Auto);
        assert_eq!(RunnerMode::from_name("object"), RunnerMode::Object);
        assert_eq!(RunnerMode::from_name("qemu"), RunnerMode::Qemu);
        assert_eq!(RunnerMode::from_name("jtt"), RunnerMode::Invalid("jtt".into()));
    }
}
