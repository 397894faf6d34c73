//! Every `test run` file under `filetests/cases/` through the object path for the host:
//! compiled into an ELF object, linked with the generated C driver by `cc` and run as a
//! child process (`RunnerMode::Object`). This tests the cross-run machinery (objects,
//! trampolines, the driver's trap handling, the output protocol) on the one architecture
//! every machine here can run, so that other ISAs under `qemu-user` only add their
//! backend. Each file is a named test; unsupported files show as ignored with the reason.

use lathe_filetests::{RunOptions, RunnerMode, TestOutcome, collect_files, file_test_kinds, run_file_kind};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::Path;

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let files = collect_files(std::slice::from_ref(&root)).expect("the filetests/cases folder is readable");
    let options = RunOptions { runner: RunnerMode::Object, ..RunOptions::default() };
    let mut trials = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        if !file_test_kinds(&source).iter().any(|k| k == "run") {
            continue;
        }
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let options = options.clone();
        trials.push(Trial::ignorable_test(format!("{rel}::run::object"), move || {
            match run_file_kind(&path, "run", &options) {
                TestOutcome::Passed(_) => Ok(Completion::Completed),
                TestOutcome::Unsupported(reason) => Ok(Completion::ignored_with(format!("unsupported: {reason}"))),
                TestOutcome::Failed(msg) => Err(Failed::from(msg)),
            }
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
