//! `lathe run --timeout/--fuel/--max-memory` on a guest that would run forever or grow
//! too much: each stops it with the right message and a failing exit code. Nothing is
//! timed: the infinite loop ends only if the timeout works.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const GUEST: &str = r#"(module
  (memory 1)
  (func (export "spin") (loop $l (br $l)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

/// Each call writes its own copy of the guest: the tests run in parallel threads, and a
/// shared file could be read by one while another rewrites it.
fn lathe_run(args: &[&str]) -> (bool, String, String) {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("lathe-run-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("guest{}.wat", SERIAL.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&file, GUEST).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .arg("run")
        .args(&args[..args.len() - 1])
        .arg(&file)
        .args(args.last().filter(|a| !a.is_empty()))
        .output()
        .expect("lathe runs");
    std::fs::remove_file(&file).ok();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn timeout_interrupts_an_infinite_loop() {
    let (ok, _, err) = lathe_run(&["--timeout", "200ms", "--invoke", "spin", ""]);
    assert!(!ok && err.contains("interrupt") && err.contains("spin"), "{err}");
}

#[test]
fn fuel_stops_an_infinite_loop() {
    let (ok, _, err) = lathe_run(&["--fuel", "1000", "--invoke", "spin", ""]);
    assert!(!ok && err.contains("all fuel consumed"), "{err}");
}

#[test]
fn max_memory_makes_memory_grow_fail() {
    let (ok, out, err) = lathe_run(&["--max-memory", "131072", "--invoke", "grow", "2"]);
    assert!(ok && out.trim() == "-1", "{out}{err}");
    let (ok, out, err) = lathe_run(&["--max-memory", "131072", "--invoke", "grow", "1"]);
    assert!(ok && out.trim() == "1", "{out}{err}");
}

#[test]
fn bad_durations_are_usage_errors() {
    let (ok, _, err) = lathe_run(&["--timeout", "5 parsecs", "--invoke", "spin", ""]);
    assert!(!ok && err.contains("unit"), "{err}");
}

#[test]
fn limits_hold_under_tiered_execution() {
    // The spinning loop moves to optimized code (OSR) after a few iterations; the
    // interrupt and the fuel checks are there too.
    let (ok, _, err) =
        lathe_run(&["--tier", "auto", "--tier-threshold", "5", "--timeout", "200ms", "--invoke", "spin", ""]);
    assert!(!ok && err.contains("interrupt") && err.contains("spin"), "{err}");
    let (ok, _, err) =
        lathe_run(&["--tier", "auto", "--tier-threshold", "5", "--fuel", "100000", "--invoke", "spin", ""]);
    assert!(!ok && err.contains("fuel"), "{err}");
}

#[test]
fn tier_and_opt_level_are_one_choice() {
    let (ok, _, err) = lathe_run(&["--tier", "auto", "--opt-level", "none", "--invoke", "grow", "1"]);
    assert!(!ok && err.contains("--opt-level"), "{err}");
    let (ok, out, err) = lathe_run(&["--tier", "baseline", "--invoke", "grow", "1"]);
    assert!(ok && out.trim() == "1", "{out} {err}");
}
