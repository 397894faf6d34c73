//! The benchmark programs (bench/wasm/*.wasm, built from bench/programs/*.c by
//! bench/build.sh) run under `lathe run` at their small sizes, at `opt_level=none` and
//! `speed`, at the baseline tier and tiered (`--tier auto`), and must print exactly what the same C compiled natively printed
//! (bench/wasm/<name>.small, written by build.sh from the native run). This keeps the suite
//! runnable in CI without clang; `lathe bench programs` does the timed runs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bench_wasm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/wasm")
}

fn programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(bench_wasm_dir())
        .expect("bench/wasm exists")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".wasm").map(str::to_string))
        .collect();
    names.sort();
    names
}

#[test]
fn the_suite_has_at_least_eight_programs_with_sources() {
    let names = programs();
    assert!(names.len() >= 8, "only {} programs: {names:?}", names.len());
    for name in &names {
        // `<name>-simd` is `<name>.c` built with -msimd128 (bench/build.sh).
        let source = name.strip_suffix("-simd").unwrap_or(name);
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("bench/programs/{source}.c"));
        assert!(src.exists(), "{} has no source", src.display());
    }
}

#[test]
fn benchmark_programs_print_the_native_checksums() {
    let dir = bench_wasm_dir();
    for name in programs() {
        let n = std::fs::read_to_string(dir.join(format!("{name}.small_n"))).expect("the small size is committed");
        let expected =
            std::fs::read_to_string(dir.join(format!("{name}.small"))).expect("the native output is committed");
        // Each compile level, and tiered execution switching as early as it can (every
        // function asks for `speed` code at its first count; the compiles run beside the
        // program, so where each switch happens varies from run to run).
        let levels: [&[&str]; 4] = [
            &["--opt-level", "none"],
            &["--opt-level", "speed"],
            &["--tier", "baseline"],
            &["--tier", "auto", "--tier-threshold", "1"],
        ];
        for opt in levels {
            let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
                .arg("run")
                .args(opt)
                .arg(dir.join(format!("{name}.wasm")))
                .arg(n.trim())
                .output()
                .expect("the lathe binary runs");
            assert!(out.status.success(), "{name} with {opt:?}: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{name} with {opt:?}");
        }
    }
}
