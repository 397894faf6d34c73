//! Every (file, test kind) pair under `filetests/cases/` as a named test of `cargo test`.
//! Pairs Lathe cannot run yet are reported as ignored, with the reason.

use lathe_filetests::{RunOptions, TestOutcome, collect_files, file_test_kinds, run_file_kind};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::{Path, PathBuf};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let files = collect_files(std::slice::from_ref(&root)).expect("the filetests/cases folder is readable");
    let options = RunOptions::from_env();
    let mut trials = Vec::new();
    for path in files {
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        for kind in file_test_kinds(&source) {
            let path: PathBuf = path.clone();
            let options = options.clone();
            trials.push(Trial::ignorable_test(format!("{rel}::{kind}"), move || {
                match run_file_kind(&path, &kind, &options) {
                    TestOutcome::Passed(_) => Ok(Completion::Completed),
                    TestOutcome::Unsupported(reason) => Ok(Completion::ignored_with(format!("unsupported: {reason}"))),
                    TestOutcome::Failed(msg) => Err(Failed::from(msg)),
                }
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
