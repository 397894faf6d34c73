//! `gdb --args lathe run -g prog.wasm` on a C program built with `clang -g`: at a trap the
//! backtrace names the C functions with their files and lines (the module's own DWARF,
//! mapped through each instruction's Wasm offset onto the native code), and a breakpoint
//! on a C function set before the code exists is hit.
//!
//! Needs Debian `clang lld wasi-libc libclang-rt-14-dev-wasm32` and `gdb`; `.ci/run`
//! installs them.

use std::path::{Path, PathBuf};
use std::process::Command;

const C: &str = r#"#include <stdio.h>

int table[4] = {1, 2, 3, 4};

__attribute__((noinline)) int divide(int a, int b) {
    int q = a / b; /* TRAP LINE */
    return q + table[a & 3];
}

__attribute__((noinline)) int compute(int n) {
    int sum = 0;
    for (int i = 3; i >= n; i--) {
        sum += divide(100, i); /* CALL LINE */
    }
    return sum;
}

int main(int argc, char **argv) {
    printf("start\n");
    fflush(stdout);
    printf("%d\n", compute(argc - 1)); /* MAIN LINE */
    return 0;
}
"#;

/// The 1-based line of the marker in `C`.
fn line_of(marker: &str) -> usize {
    C.lines().position(|l| l.contains(marker)).expect("the marker is in the source") + 1
}

fn build(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let src = dir.join("crash.c");
    std::fs::write(&src, C).unwrap();
    let wasm = dir.join("crash.wasm");
    let out = Command::new("clang")
        .args(["--target=wasm32-wasi", "-g", "-O1"])
        .arg(&src)
        .arg("-o")
        .arg(&wasm)
        .output()
        .expect("clang runs (Debian packages clang lld wasi-libc libclang-rt-14-dev-wasm32)");
    assert!(out.status.success(), "clang failed: {}", String::from_utf8_lossy(&out.stderr));
    wasm
}

fn gdb(commands: &[&str], wasm: &Path) -> String {
    let mut cmd = Command::new("gdb");
    cmd.args(["-nx", "-batch"]);
    for c in commands {
        cmd.args(["-ex", c]);
    }
    let out = cmd
        .arg("--args")
        .arg(env!("CARGO_BIN_EXE_lathe"))
        .args(["run", "-g"])
        .arg(wasm)
        .output()
        .expect("gdb runs (Debian package gdb)");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn backtrace(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with('#')).collect()
}

#[test]
fn a_trap_under_gdb_shows_c_functions_and_lines() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasm_debug_trap");
    let wasm = build(&dir);
    let text = gdb(&["run", "bt 4", "kill"], &wasm);
    assert!(text.contains("SIGFPE"), "the division by zero did not stop gdb:\n{text}");
    let bt = backtrace(&text);
    let file = dir.join("crash.c");
    let at = |f: &str, marker: &str| format!("{f} () at {}:{}", file.display(), line_of(marker));
    assert!(bt.first().is_some_and(|l| l.contains(&at("divide", "TRAP LINE"))), "{text}");
    assert!(bt.get(1).is_some_and(|l| l.contains(&at("compute", "CALL LINE"))), "{text}");
    assert!(bt.get(2).is_some_and(|l| l.contains(&at("main", "MAIN LINE"))), "{text}");
}

#[test]
fn a_breakpoint_on_a_c_function_is_hit() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasm_debug_break");
    let wasm = build(&dir);
    let text = gdb(&["set breakpoint pending on", "break compute", "run", "bt 2", "kill"], &wasm);
    let file = dir.join("crash.c");
    assert!(text.contains("hit Breakpoint 1, compute () at"), "{text}");
    let bt = backtrace(&text);
    assert!(
        bt.first().is_some_and(|l| l.contains("compute () at") && l.contains(&file.display().to_string())),
        "{text}"
    );
    let main_at = format!("main () at {}:{}", file.display(), line_of("MAIN LINE"));
    assert!(bt.get(1).is_some_and(|l| l.contains(&main_at)), "{text}");
}
