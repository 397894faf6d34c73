//! `lathe test` end to end: `--target <isa>` runs only that ISA's `test run` targets, the
//! per-ISA lines come before the total, and `LATHE_RUNNER` picks how run files execute.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A run file with one correct and (optionally) one wrong run line, after `header`.
fn run_file(name: &str, header: &str, wrong: bool) -> PathBuf {
    let mut text = format!(
        "test run\n{header}\nfunction %add(i32, i32) -> i32 {{\nblock0(v0: i32, v1: i32):\n    v2 = iadd v0, v1\n    return v2\n}}\n; run: %add(1, 2) == 3\n"
    );
    if wrong {
        text.push_str("; run: %add(2, 2) == 5\n");
    }
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("test_cli_{name}.clif"));
    std::fs::write(&path, text).expect("the temporary directory is writable");
    path
}

fn lathe_test(args: &[&str], file: &PathBuf, runner: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lathe"))
        .arg("test")
        .args(args)
        .arg(file)
        .env("LATHE_RUNNER", runner)
        .output()
        .expect("the lathe binary runs")
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn per_isa_lines_come_before_the_total() {
    let file = run_file("per_isa", "target x86_64\ntarget aarch64", false);
    let out = lathe_test(&[], &file, "auto");
    assert!(out.status.success(), "{:?}", stdout_lines(&out));
    let lines = stdout_lines(&out);
    let n = lines.len();
    assert!(n >= 3, "{lines:?}");
    assert_eq!(lines[n - 1], "1 passed, 0 failed, 0 unsupported");
    assert_eq!(lines[n - 2], "x86_64: 1 passed, 0 failed, 0 unsupported");
    // aarch64 passes under qemu once its backend and tools are there, and is unsupported
    // with the reason otherwise; never counted as passed without running.
    let aarch64 = &lines[n - 3];
    assert!(
        aarch64 == "aarch64: 1 passed, 0 failed, 0 unsupported"
            || aarch64 == "aarch64: 0 passed, 0 failed, 1 unsupported",
        "{lines:?}"
    );
    if aarch64.ends_with("1 unsupported") {
        assert!(lines.iter().any(|l| l.starts_with("unsupported ") && l.contains("[run on aarch64]")), "{lines:?}");
    }
}

#[test]
fn target_filters_the_run_targets() {
    let file = run_file("filter", "target x86_64\ntarget aarch64", true);
    // Only aarch64 runs: the wrong line fails there or the target is unsupported, and
    // x86_64 is not counted.
    let out = lathe_test(&["--target", "aarch64"], &file, "auto");
    let lines = stdout_lines(&out);
    assert!(!lines.iter().any(|l| l.starts_with("x86_64:")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("aarch64: ")), "{lines:?}");
    // Only x86_64 runs, through the object path: the wrong line fails, named as such.
    let out = lathe_test(&["--target", "x86_64"], &file, "object");
    assert!(!out.status.success());
    let lines = stdout_lines(&out);
    assert!(lines.iter().any(|l| l.contains("(x86_64 object, opt_level=none): %add(2, 2) == 5: got 4")), "{lines:?}");
    assert!(!lines.iter().any(|l| l.starts_with("aarch64:")), "{lines:?}");
    assert_eq!(
        lines[lines.len() - 2..],
        ["x86_64: 0 passed, 1 failed, 0 unsupported", "0 passed, 1 failed, 0 unsupported"]
    );
}

#[test]
fn a_file_without_the_isa_still_checks_the_interpreter() {
    let good = run_file("no_isa_good", "target x86_64", false);
    let out = lathe_test(&["--target", "s390x"], &good, "auto");
    assert!(out.status.success(), "{:?}", stdout_lines(&out));
    assert_eq!(stdout_lines(&out), ["1 passed, 0 failed, 0 unsupported"]);
    let bad = run_file("no_isa_bad", "target x86_64", true);
    let out = lathe_test(&["--target", "s390x"], &bad, "auto");
    assert!(!out.status.success());
    assert!(
        stdout_lines(&out).iter().any(|l| l.contains("(interpreter): %add(2, 2) == 5: got 4")),
        "{:?}",
        stdout_lines(&out)
    );
}

#[test]
fn unknown_isas_and_runners_are_refused() {
    let file = run_file("refused", "", false);
    let out = lathe_test(&["--target", "mips"], &file, "auto");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--target mips: not an ISA Lathe targets"));
    let out = lathe_test(&[], &file, "jitt");
    assert!(!out.status.success());
    assert!(
        stdout_lines(&out).iter().any(|l| l.contains("LATHE_RUNNER=jitt is not one of")),
        "{:?}",
        stdout_lines(&out)
    );
}

#[test]
fn host_code_runs_the_same_under_qemu() {
    let file = run_file("qemu", "", true);
    let out = lathe_test(&[], &file, "qemu");
    let lines = stdout_lines(&out);
    assert!(lines.iter().any(|l| l.contains("(x86_64 object, opt_level=speed): %add(2, 2) == 5: got 4")), "{lines:?}");
}
