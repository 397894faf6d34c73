//! `lathe explain` end to end: its text on a filetest function for every ISA Lathe targets
//! (`filetests/explain/<isa>.clif`, the expected output in the comment block after the
//! function, blessed with `LATHE_BLESS=1` as the filetests are), Wasm function selection by
//! index and by name, and one-line errors for bad input.

use lathe_filetests::bless::{Replacement, apply, expected_block};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lathe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lathe")).args(args).output().expect("the lathe binary runs")
}

fn explain_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("filetests/explain")
}

fn bless() -> bool {
    std::env::var("LATHE_BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Checks (or, when blessing, rewrites) the expected output of one file; returns the
/// architecture of its `target` line.
fn check_file(path: &Path) -> String {
    let source = std::fs::read_to_string(path).expect("the test file reads");
    let arch = source
        .lines()
        .find_map(|l| l.strip_prefix("target "))
        .and_then(|t| t.split_whitespace().next())
        .expect("a target line")
        .to_string();
    let out = lathe(&["explain", path.to_str().expect("a UTF-8 path")]);
    assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let actual: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    // The function's closing brace: the last line that is exactly `}`.
    let end_line =
        source.lines().enumerate().filter(|(_, l)| *l == "}").map(|(i, _)| i + 1).last().expect("a function");
    let (expected, old_len) = expected_block(&source, end_line);
    if bless() {
        if expected != actual {
            let text = apply(&source, vec![Replacement { end_line, old_len, new_lines: actual }]);
            std::fs::write(path, text).expect("the test file is writable");
        }
        return arch;
    }
    if expected != actual {
        let first = expected.iter().zip(&actual).position(|(e, a)| e != a).unwrap_or(expected.len().min(actual.len()));
        panic!(
            "{}: the output differs from the expected block from its line {} (expected {:?}, got {:?}); \
             rerun with LATHE_BLESS=1 and read the diff\n--- actual ---\n{}",
            path.display(),
            first + 1,
            expected.get(first),
            actual.get(first),
            actual.join("\n")
        );
    }
    arch
}

#[test]
fn text_output_on_every_isa_is_as_blessed() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(explain_dir())
        .expect("filetests/explain exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "clif"))
        .collect();
    files.sort();
    let covered: Vec<String> = files.iter().map(|f| check_file(f)).collect();
    for family in lathe_filetests::cross::target_families() {
        assert!(covered.iter().any(|a| a == family), "no explain test for {family} in filetests/explain");
    }
}

#[test]
fn every_stage_names_its_rules_and_sources() {
    let path = explain_dir().join("x86_64.clif");
    let out = lathe(&["explain", "--function", "f", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    for stage in ["== input ==", "== mid-end: ", "== lower: ", "== regalloc: ", "locations:", "== emit: machine code"] {
        assert!(text.contains(stage), "missing {stage:?} in:\n{text}");
    }
    // Every machine instruction lowered from IR names its IR instruction and a rule.
    let lowered: Vec<&str> = text.lines().filter(|l| l.contains("] inst")).collect();
    assert!(!lowered.is_empty());
    for l in lowered {
        assert!(l.contains("| rule src/isa/x64/lower/"), "no rule on {l:?}");
    }
}

/// A small module with a name section (`$` names) to select functions from, in a file of
/// the test's own (`name`), so tests running in parallel do not race on it.
fn wat_file(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("explain_cli_{name}.wat"));
    std::fs::write(
        &path,
        "(module
           (import \"env\" \"h\" (func $h (param i32)))
           (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
           (func $twice (param i32) (result i32) local.get 0 local.get 0 i32.add))",
    )
    .unwrap();
    path
}

#[test]
fn wasm_functions_by_index_or_name() {
    let wat = wat_file("select");
    let wat = wat.to_str().unwrap();
    for (sel, title) in [("1", "function 1 (add)"), ("twice", "function 2 (twice)")] {
        let out = lathe(&["explain", "--target", "x86_64", "--function", sel, wat]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with(&format!("==== {title} (x86_64) ====\n")), "{text}");
        assert_eq!(text.matches("==== ").count(), 1, "one function: {text}");
        // Wasm instructions carry their byte offset as the source location.
        assert!(text.lines().any(|l| l.contains("] inst") && l.contains(" @00")), "{text}");
    }
}

/// Runs `lathe explain args` expecting a failure with one line on stderr containing `what`.
fn one_line_error(args: &[&str], what: &str) {
    let out = lathe(args);
    assert!(!out.status.success(), "{args:?} succeeded");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    assert!(err.starts_with("error: ") && err.contains(what), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: printed {}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn bad_input_is_a_one_line_error() {
    let clif = explain_dir().join("x86_64.clif");
    let clif = clif.to_str().unwrap();
    one_line_error(&["explain", "--function", "nope", clif], "no function named `nope`");
    let wat = wat_file("errors");
    let wat = wat.to_str().unwrap();
    one_line_error(&["explain", "--function", "nope", wat], "no function `nope`");
    one_line_error(&["explain", "--function", "9", wat], "no function `9`");
    one_line_error(&["explain", "--function", "0", wat], "function 0 is imported");
    let bad = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explain_bad.clif");
    std::fs::write(&bad, "function %f() {\nblock0:\n    v0 = iadd\n}\n").unwrap();
    one_line_error(&["explain", bad.to_str().unwrap()], "explain_bad.clif:4:1: expected a value");
    let bad_wasm = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explain_bad.wasm");
    std::fs::write(&bad_wasm, b"\0asm\x01\0\0\0\x01\xff").unwrap();
    one_line_error(&["explain", bad_wasm.to_str().unwrap()], "explain_bad.wasm");
    one_line_error(&["explain", "--target", "pdp11", clif], "--target pdp11");
}
