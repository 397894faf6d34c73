//! Runs the test kinds of files, alone or many in parallel, and sums up the outcomes.

use crate::subtest::{self, FileContext, Lookup};
use lathe_codegen::text::{self, TestFile};
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
}

impl RunOptions {
    /// Options from the environment: `LATHE_BLESS=1` turns blessing on.
    pub fn from_env() -> Self {
        let bless = std::env::var("LATHE_BLESS").is_ok_and(|v| !v.is_empty() && v != "0");
        Self { bless, verbose: false }
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
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed, {} unsupported", self.passed, self.failed, self.unsupported)
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
            return FileReport {
                path: path.to_path_buf(),
                results: vec![("read".into(), TestOutcome::Failed(format!("{}: {e}", path.display())))],
            };
        }
    };
    let kinds = file_test_kinds(&source);
    if kinds.is_empty() {
        return FileReport {
            path: path.to_path_buf(),
            results: vec![(
                "header".into(),
                TestOutcome::Failed(format!("{}: no `test <kind>` line in the header", path.display())),
            )],
        };
    }
    let results = kinds.iter().map(|k| (k.clone(), run_kind_on_source(path, &source, k, options))).collect();
    FileReport { path: path.to_path_buf(), results }
}

/// Runs one test kind of one file (for runners that show each pair as a test).
pub fn run_file_kind(path: &Path, kind: &str, options: &RunOptions) -> TestOutcome {
    match std::fs::read_to_string(path) {
        Ok(source) => run_kind_on_source(path, &source, kind, options),
        Err(e) => TestOutcome::Failed(format!("{}: {e}", path.display())),
    }
}

/// Runs one test kind on a file's text (whatever its header says).
pub fn run_source_kind(path: &Path, source: &str, kind: &str, options: &RunOptions) -> TestOutcome {
    run_kind_on_source(path, source, kind, options)
}

fn run_kind_on_source(path: &Path, source: &str, kind: &str, options: &RunOptions) -> TestOutcome {
    let display = path.display();
    let test = match subtest::lookup(kind) {
        Lookup::Found(t) => t,
        Lookup::Unsupported(reason) => return TestOutcome::Unsupported(reason),
    };
    if kind == subtest::PARSE_ERROR {
        return match subtest::parse_error::check(source) {
            Ok(()) => TestOutcome::Passed(String::new()),
            Err(msg) => TestOutcome::Failed(format!("{display}: {msg}")),
        };
    }
    let file = match text::parse_test_file(source) {
        Ok(f) => f,
        Err(e) => return TestOutcome::Failed(format!("{display}:{}:{}: {}", e.line, e.column, e.message)),
    };
    if let Err(msg) = check_round_trip(&file) {
        return TestOutcome::Failed(format!("{display}: {msg}"));
    }
    let mut ctx = FileContext::new(path, source, &file, options.bless);
    let result = test.run(&mut ctx);
    if options.bless && !ctx.replacements.is_empty() {
        let new_source = crate::bless::apply(source, std::mem::take(&mut ctx.replacements));
        if new_source != source
            && let Err(e) = std::fs::write(path, new_source)
        {
            return TestOutcome::Failed(format!("{display}: cannot bless: {e}"));
        }
    }
    match result {
        Ok(()) => TestOutcome::Passed(ctx.log),
        Err(subtest::Failure::Failed(msg)) => TestOutcome::Failed(format!("{display}: {msg}")),
        Err(subtest::Failure::Unsupported(msg)) => TestOutcome::Unsupported(msg),
    }
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
                    {
                        let mut sum = summary.lock().unwrap_or_else(|p| p.into_inner());
                        for (_, outcome) in &rep.results {
                            match outcome {
                                TestOutcome::Passed(_) => sum.passed += 1,
                                TestOutcome::Failed(_) => sum.failed += 1,
                                TestOutcome::Unsupported(_) => sum.unsupported += 1,
                            }
                        }
                    }
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
}
