//! `lathe bench instantiate` runs at a tiny size with both allocators and prints one row
//! per allocator; its churn fails the run if any instance reads an earlier tenant's
//! secret. Speed is not looked at (the timed runs are in docs/performance.md).

use std::process::Command;

#[test]
fn bench_instantiate_runs_both_allocators() {
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(["bench", "instantiate", "--threads", "2", "--count", "600", "--calls", "100"])
        .output()
        .expect("runs lathe");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("on-demand") || l.starts_with("pooling")).collect();
    assert_eq!(rows.len(), 2, "one row per allocator:\n{stdout}");
    for row in rows {
        let threads = row.split_whitespace().nth(1);
        assert_eq!(threads, Some("2"), "{row}");
    }
}
