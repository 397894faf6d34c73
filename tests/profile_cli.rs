//! `lathe run --profile`: the child process reports its JIT code under the Wasm function
//! names, in `/tmp/perf-<pid>.map` (`perfmap`) or `jit-<pid>.dump` in its working
//! directory (`jitdump`). What `perf report` needs is the map file's content, which is
//! what these tests check (perf itself is not run).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Named functions (the `$` names go to the name section) calling each other, and an
/// export with no name-section name.
const WAT: &str = r#"
(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (call $add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                       (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "exported_only") (result i32) (i32.const 1)))
"#;

fn wat_file(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("profile_cli_{name}.wat"));
    std::fs::write(&path, WAT).expect("the temporary directory is writable");
    path
}

/// Runs `lathe run --profile <profile> --invoke fib <file> 20` in `dir`; returns the
/// child's pid after checking its output.
fn run_profiled(profile: &str, file: &Path, dir: &Path) -> u32 {
    let child = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(["run", "--profile", profile, "--invoke", "fib"])
        .arg(file)
        .arg("20")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lathe binary runs");
    let pid = child.id();
    let out = child.wait_with_output().expect("lathe finishes");
    assert!(out.status.success(), "lathe failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "6765\n");
    pid
}

/// The names each function must appear under: the name section's, then the export name.
const NAMES: [&str; 3] = ["fib", "add", "exported_only"];

#[test]
fn perfmap_names_the_wasm_functions() {
    let file = wat_file("perfmap");
    let pid = run_profiled("perfmap", &file, Path::new(env!("CARGO_TARGET_TMPDIR")));
    let map = PathBuf::from(format!("/tmp/perf-{pid}.map"));
    let text = std::fs::read_to_string(&map).expect("the child wrote its perf map");
    std::fs::remove_file(&map).expect("the map can be removed");
    for name in NAMES {
        let line = text.lines().find(|l| l.splitn(3, ' ').nth(2) == Some(name));
        let line = line.unwrap_or_else(|| panic!("no line for {name} in:\n{text}"));
        let fields: Vec<&str> = line.split(' ').collect();
        let start = u64::from_str_radix(fields[0], 16).expect("a hex start");
        let size = u64::from_str_radix(fields[1], 16).expect("a hex size");
        assert!(start != 0 && size != 0, "{line}");
    }
}

#[test]
fn jitdump_names_the_wasm_functions() {
    let file = wat_file("jitdump");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("profile_cli_jitdump");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pid = run_profiled("jitdump", &file, &dir);
    let bytes = std::fs::read(dir.join(format!("jit-{pid}.dump"))).expect("the child wrote its jitdump");
    std::fs::remove_dir_all(&dir).unwrap();
    // The header's magic and pid, then each name NUL-terminated in a load record.
    assert_eq!(bytes[..4], 0x4A69_5444u32.to_ne_bytes());
    assert_eq!(bytes[20..24], pid.to_ne_bytes());
    for name in NAMES {
        let needle = [name.as_bytes(), &[0]].concat();
        assert!(bytes.windows(needle.len()).any(|w| w == needle), "no record for {name}");
    }
}

#[test]
fn an_unknown_profiler_lists_the_valid_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(["run", "--profile", "vtune"])
        .arg(wat_file("unknown"))
        .output()
        .expect("the lathe binary runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("vtune") && err.contains("perfmap") && err.contains("jitdump"), "{err}");
}
