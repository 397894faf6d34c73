//! The WASI file system under `lathe run --dir`: a C program that makes, copies, renames,
//! lists and deletes files prints what the same C prints natively (committed by
//! wasm/tests/wasi/build.sh), and a program that tries every way out of the granted
//! directory (`..`, absolute paths, symbolic links in and out) is refused each time, with
//! nothing outside read, created, changed or removed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// Starts `lathe run args...` with these standard input and output (standard error piped).
fn spawn_lathe(args: &[&str], stdin: std::process::Stdio, stdout: std::process::Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_lathe"))
        .arg("run")
        .args(args)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("lathe runs")
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

#[test]
fn random_yield_advice_allocation_file_times_and_environment_match_the_native_run() {
    matches_native("misc");
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
    let allowed = [
        "open inside/file",
        "open fine",
        "lstat out (the link itself)",
        "open inside/file again",
        "close the granted directory",
    ];
    for inside in allowed {
        assert!(result(inside).ends_with(" ok"), "{inside} must work:\n{out}");
    }
    let attempts = lines.len() - allowed.len();
    let refused = lines.iter().filter(|l| l.contains("fails:")).count();
    assert_eq!(refused, attempts, "every escape fails:\n{out}");
    // The refusals are the capability's (or the file is simply not there for the guest).
    assert!(result("open ../outside/secret").ends_with("ENOTCAPABLE"), "{out}");
    assert!(result("open out/secret").ends_with("ENOTCAPABLE"), "{out}");
    assert!(result("open abs/secret").ends_with("ENOTCAPABLE"), "{out}");
    assert!(result("link out/secret to inside/hl").ends_with("ENOTCAPABLE"), "{out}");
    assert!(result("open 1000 levels of ../").ends_with("ENOTCAPABLE"), "{out}");
    assert!(result("open inside/<0xff>").ends_with("EILSEQ"), "paths are UTF-8:\n{out}");
    assert!(result("path_open with a NUL byte").ends_with("EINVAL"), "{out}");
    assert!(result("path_open beneath the closed fd 3").ends_with("EBADF"), "{out}");
    assert!(result("open ../outside/secret after the close").ends_with("EBADF"), "{out}");
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

/// The output a program in wasm/tests/wasi prints under `lathe run`, as it should be: the
/// `.expected` file is written by hand for programs with no native counterpart (they call
/// WASI directly), and checked line by line here.
fn expected(name: &str) -> String {
    std::fs::read_to_string(wasi_dir().join(format!("{name}.expected"))).unwrap()
}

#[test]
fn rights_only_shrink_and_every_call_checks_them() {
    let dir = scratch("rights");
    let grant = format!("{}::/sandbox", dir.display());
    let wasm = wasi_dir().join("rights.wasm");
    let (ok, out, err) = lathe_run(&["--dir", &grant, wasm.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(out, expected("rights"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the program cleans up after itself");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn poll_oneoff_waits_for_real_readiness() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = scratch("poll");
    let grant = format!("{}::/sandbox", dir.display());
    let wasm = wasi_dir().join("poll.wasm");
    let mut child = spawn_lathe(&["--dir", &grant, wasm.to_str().unwrap()], Stdio::piped(), Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // Standard input stays empty until the program says it waits: that is the order of
    // events, whatever the timing.
    let mut out = String::new();
    while !out.ends_with("waiting\n") {
        assert_ne!(stdout.read_line(&mut out).unwrap(), 0, "the program ended early:\n{out}");
    }
    stdin.write_all(b"ping\n").unwrap();
    stdin.flush().unwrap();
    while !out.ends_with("\"ping\"\n") {
        assert_ne!(stdout.read_line(&mut out).unwrap(), 0, "no read line:\n{out}");
    }
    drop(stdin);
    stdout.read_to_string(&mut out).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(out, expected("poll"));
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs sock_echo.wasm listening on a free port of 127.0.0.1 and plays its client: the
/// echo of each message comes back, and the program's report matches.
#[test]
fn a_tcp_echo_server_on_a_preopened_listener() {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    let wasm = wasi_dir().join("sock_echo.wasm");
    // A port the kernel just handed out; if another process takes it before lathe binds
    // it, lathe fails to start and the next attempt picks another one.
    for attempt in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let child = spawn_lathe(&["--tcplisten", &addr, wasm.to_str().unwrap()], Stdio::null(), Stdio::piped());
        // Connecting is retried until lathe listens (a bounded number of times).
        let mut stream = None;
        for _ in 0..500 {
            match TcpStream::connect(&addr) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
        let Some(mut s) = stream else {
            let out = child.wait_with_output().unwrap();
            assert!(attempt < 4, "lathe never listened: {}", String::from_utf8_lossy(&out.stderr));
            continue;
        };
        s.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
        s.write_all(b"hello, lathe\n").unwrap();
        let mut echo = [0u8; 13];
        s.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"hello, lathe\n");
        s.write_all(b"bye\n").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"bye\n");
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected("sock_echo"));
        return;
    }
}

/// `proc_raise`: a terminating signal ends the guest with status 128 + its Linux number
/// (and nothing after the call runs); ignored signals return 0, stop signals `ENOTSUP`,
/// unknown ones `EINVAL`.
#[test]
fn proc_raise_ends_the_guest_as_the_signal_would() {
    let dir = scratch("raise");
    let run = |sig: u32| {
        let wat = format!(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
                 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                 (memory (export "memory") 1)
                 (func (export "_start") (call $exit (i32.add (i32.const 100) (call $raise (i32.const {sig}))))))"#
        );
        let file = dir.join(format!("raise{sig}.wat"));
        std::fs::write(&file, wat).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_lathe")).args(["run", file.to_str().unwrap()]).output().unwrap();
        out.status.code()
    };
    // SIGABRT (6), SIGTERM (15), SIGKILL (9), SIGXCPU (WASI 23, Linux 24), SIGSYS (30, 31).
    for (sig, status) in [(6, 134), (15, 143), (9, 137), (23, 152), (30, 159)] {
        assert_eq!(run(sig), Some(status), "signal {sig}");
    }
    // Returned errno + 100: CHLD and WINCH ignored (0), STOP not supported (58), 0 and 31
    // invalid (28).
    for (sig, status) in [(16, 100), (27, 100), (18, 158), (0, 128), (31, 128)] {
        assert_eq!(run(sig), Some(status), "signal {sig}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `--timeout` also stops a guest that waits in a WASI call: sock_echo.wasm, with no
/// client, blocks in `poll_oneoff` on its listener (a 60 s clock as a backstop, then
/// `sock_accept`); the cancelled wait returns `EINTR` and the interrupt traps.
#[test]
fn a_timeout_stops_a_guest_blocked_in_a_wasi_call() {
    let wasm = wasi_dir().join("sock_echo.wasm");
    let args = ["--timeout", "1s", "--tcplisten", "127.0.0.1:0", wasm.to_str().unwrap()];
    let mut child = spawn_lathe(&args, Stdio::null(), Stdio::null());
    // Without the cancellation it would wait at least a minute: give up well before.
    let mut status = None;
    for _ in 0..300 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let Some(status) = status else {
        child.kill().unwrap();
        panic!("lathe run --timeout 1s was still waiting after 30 s");
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success());
    assert!(err.contains("wasm trap: interrupt"), "{err}");
}

/// `fd_tell` reports the position writes and seeks left (5 after writing "hello", 2 after
/// seeking back), and `EBADF` (8) for a descriptor that is not open; the guest exits with
/// the number of the first step that went wrong, 0 when none did.
#[test]
fn fd_tell_follows_writes_and_seeks() {
    let dir = scratch("tell");
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "path_open"
          (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_tell" (func $tell (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (data (i32.const 0) "t.txt")
        (data (i32.const 16) "\20\00\00\00\05\00\00\00")
        (data (i32.const 32) "hello")
        (func $check (param $ok i32) (param $step i32)
          (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $step)))))
        (func (export "_start") (local $fd i32)
          ;; rights: fd_read, fd_seek, fd_tell, fd_write
          (call $check (i32.eqz (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 5)
                  (i32.const 1) (i64.const 0x66) (i64.const 0) (i32.const 0) (i32.const 52))) (i32.const 1))
          (local.set $fd (i32.load (i32.const 52)))
          (call $check (i32.eqz (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 48))) (i32.const 2))
          (call $check (i32.eqz (call $tell (local.get $fd) (i32.const 56))) (i32.const 3))
          (call $check (i64.eq (i64.load (i32.const 56)) (i64.const 5)) (i32.const 4))
          (call $check (i32.eqz (call $seek (local.get $fd) (i64.const 2) (i32.const 0) (i32.const 64))) (i32.const 5))
          (call $check (i32.eqz (call $tell (local.get $fd) (i32.const 56))) (i32.const 6))
          (call $check (i64.eq (i64.load (i32.const 56)) (i64.const 2)) (i32.const 7))
          (call $check (i32.eq (call $tell (i32.const 99) (i32.const 56)) (i32.const 8)) (i32.const 8))
          (call $exit (i32.const 0))))"#;
    let file = dir.join("tell.wat");
    std::fs::write(&file, wat).unwrap();
    let sandbox = dir.join("sandbox");
    std::fs::create_dir_all(&sandbox).unwrap();
    let grant = format!("{}::/sandbox", sandbox.display());
    let (ok, _, err) = lathe_run(&["--dir", &grant, file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read(sandbox.join("t.txt")).unwrap(), b"hello");
    std::fs::remove_dir_all(&dir).ok();
}
