//! The WASI file system under `lathe run --dir`: a C program that makes, copies, renames,
//! lists and deletes files prints what the same C prints natively (committed by
//! wasm/tests/wasi/build.sh), and a program that tries every way out of the granted
//! directory (`..`, absolute paths, symbolic links in and out) is refused each time, with
//! nothing outside read, created, changed or removed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn wasi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm/tests/wasi")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lathe-wasi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn lathe_run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lathe")).arg("run").args(args).output().expect("lathe runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs wasm/tests/wasi/<name>.wasm on an empty granted directory at both optimisation
/// levels and compares its output with the native run's.
fn matches_native(name: &str) {
    let dir = scratch(name);
    let wasm = wasi_dir().join(format!("{name}.wasm"));
    let expected = std::fs::read_to_string(wasi_dir().join(format!("{name}.expected"))).unwrap();
    for opt in ["none", "speed"] {
        let grant = format!("{}::/sandbox", dir.display());
        let (ok, out, err) = lathe_run(&["--opt-level", opt, "--dir", &grant, wasm.to_str().unwrap(), "/sandbox"]);
        assert!(ok, "{err}");
        assert_eq!(out, expected, "opt_level={opt}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the program cleans up after itself");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_system_walk_matches_the_native_run() {
    matches_native("fs_walk");
}

#[test]
fn links_times_flags_and_clocks_match_the_native_run() {
    matches_native("fs_more");
}

/// Every file and directory under `dir`, with file contents, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                todo.push(p.clone());
                out.push((p, None));
            } else if meta.is_file() {
                out.push((p.clone(), Some(std::fs::read(&p).unwrap())));
            } else {
                out.push((p.clone(), Some(std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes())));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_way_out_of_the_granted_directory_is_refused() {
    let top = scratch("escape");
    let granted = top.join("granted");
    let outside = top.join("outside");
    std::fs::create_dir_all(granted.join("inside")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(granted.join("inside/file"), "mine\n").unwrap();
    std::fs::write(outside.join("secret"), "not yours\n").unwrap();
    std::os::unix::fs::symlink("..", granted.join("up")).unwrap();
    std::os::unix::fs::symlink("../outside", granted.join("out")).unwrap();
    std::os::unix::fs::symlink(&outside, granted.join("abs")).unwrap();
    std::os::unix::fs::symlink("inside/file", granted.join("fine")).unwrap();
    let before = snapshot(&top);

    let grant = format!("{}::/sandbox", granted.display());
    let wasm = wasi_dir().join("escape.wasm");
    let (ok, out, err) = lathe_run(&["--dir", &grant, wasm.to_str().unwrap(), "/sandbox"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let result = |what: &str| {
        lines.iter().find(|l| l.starts_with(what)).unwrap_or_else(|| panic!("no line for {what}:\n{out}")).to_string()
    };
    for inside in ["open inside/file", "open fine", "lstat out (the link itself)", "open inside/file again"] {
        assert!(result(inside).ends_with(" ok"), "{inside} must work:\n{out}");
    }
    let attempts = lines.len() - 4;
    let refused = lines.iter().filter(|l| l.contains("fails:")).count();
    assert_eq!(refused, attempts, "every escape fails:\n{out}");
    // The refusals are the capability's (or the file is simply not there for the guest).
    assert!(result("open ../outside/secret").ends_with("ENOTCAPABLE"), "{out}");
    assert!(result("open out/secret").ends_with("ENOTCAPABLE"), "{out}");
    assert!(result("open abs/secret").ends_with("ENOTCAPABLE"), "{out}");
    assert_eq!(snapshot(&top), before, "nothing changed, inside or outside:\n{out}");
    std::fs::remove_dir_all(&top).ok();
}

#[test]
fn a_read_only_directory_refuses_writes() {
    let dir = scratch("readonly");
    std::fs::write(dir.join("kept"), "kept\n").unwrap();
    let before = snapshot(&dir);
    let grant = format!("{}::/sandbox", dir.display());
    let wasm = wasi_dir().join("fs_walk.wasm");
    let (ok, out, err) = lathe_run(&["--dir-ro", &grant, wasm.to_str().unwrap(), "/sandbox"]);
    assert!(ok || !err.is_empty(), "{err}");
    assert!(out.starts_with("mkdir a: -1\n"), "{out}");
    assert_eq!(snapshot(&dir), before);
    std::fs::remove_dir_all(&dir).ok();
}
