//! Every WASI function called thousands of times with hostile arguments (pointers at and
//! past the end of memory, huge lengths, bad descriptors, paths that climb out, random
//! flags), including the sockets (a listener with a pending connection) and `proc_raise`:
//! no host panic, every call returns (an errno or a clean error), and nothing outside the
//! granted directory is created, changed, removed or read (access times are armed, see
//! `harness::snapshot`). Deterministic: a fixed-seed generator. The driver (function
//! table, module) is `lathe_wasm::wasi::harness`, shared with the `wasi` fuzz target.

use lathe_codegen::test_rng::Rng;
use lathe_wasm::wasi::harness::{self, FUNCS, Harness};
use lathe_wasm::wasi::{Preopen, WasiCtx};
use lathe_wasm::{Config, Engine};
use std::time::Duration;

/// A value of `xs` chosen by `rng`.
fn pick<T: Copy>(rng: &mut Rng, xs: &[T]) -> T {
    xs[rng.index(xs.len())]
}

#[test]
fn hostile_arguments_never_panic_or_escape() {
    let top = std::env::temp_dir().join(format!("lathe-wasi-robust-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&top);
    let (granted, outside) = (top.join("granted"), top.join("outside"));
    std::fs::create_dir_all(granted.join("sub")).unwrap();
    std::fs::create_dir_all(outside.join("inner")).unwrap();
    std::fs::write(granted.join("file"), "inside\n").unwrap();
    std::fs::write(outside.join("secret"), "outside\n").unwrap();
    std::fs::write(outside.join("inner/x"), "x\n").unwrap();
    std::os::unix::fs::symlink("../outside", granted.join("out")).unwrap();
    harness::arm(&outside);
    let outside_before = harness::snapshot(&outside);

    let engine = Engine::new(Config::default()).unwrap();
    let module = harness::module(&engine).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let preopen = Preopen { host: granted.clone(), guest: "/sandbox".into(), read_only: false };
    let mut ctx = WasiCtx::new(vec!["prog".into(), "arg".into()], vec!["A=b".into()], vec![preopen]);
    // fd 3 is the listener, fd 4 the directory.
    ctx.listeners = vec![listener];
    // Blocking calls (an accept with no one left to connect, a far clock) give up soon.
    ctx.waits.max_block = Some(Duration::from_millis(1));
    let mut h = Harness::new(&engine, &module, ctx).unwrap();

    let pointers: &[u32] = &[0, 8, 100, 120, 160, 200, 1000, 65528, 65535, 65536, u32::MAX - 3, u32::MAX];
    let lengths: &[u32] = &[0, 1, 3, 4, 11, 17, 64, 4096, 65536, 0x7fff_ffff, u32::MAX];
    let fds: &[u32] = &[3, 4, 5, 6, 7, 100, u32::MAX];
    let wide: &[u64] = &[0, 1, 7, 4096, 1 << 40, u64::MAX, i64::MAX as u64, i64::MIN as u64];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut calls, mut errnos) = (0, 0);
    for round in 0..60u32 {
        for (k, (name, params)) in FUNCS.iter().enumerate() {
            let args: Vec<u64> = params
                .chars()
                .enumerate()
                .map(|(i, c)| match c {
                    'I' => pick(&mut rng, wide),
                    // The first i32 of most calls is a descriptor.
                    _ if i == 0
                        && (name.starts_with("fd_") || name.starts_with("path_") || name.starts_with("sock_")) =>
                    {
                        u64::from(pick(&mut rng, fds))
                    }
                    _ if rng.next().is_multiple_of(2) => u64::from(pick(&mut rng, pointers)),
                    _ if round.is_multiple_of(3) => rng.next() & 0xffff_ffff,
                    _ => u64::from(pick(&mut rng, lengths)),
                })
                .collect();
            // An errno, or a clean error (`proc_raise`'s exit); never a crash of the test
            // process.
            if h.call(k, &args).is_ok_and(|e| e != 0) {
                errnos += 1;
            }
            calls += 1;
        }
    }
    assert_eq!(calls, 60 * FUNCS.len());
    assert!(errnos > calls / 2, "most hostile calls fail with an errno ({errnos} of {calls})");
    assert_eq!(harness::snapshot(&outside), outside_before, "nothing outside the granted directory changed or read");
    // The tripwire itself: a read outside does show (on a file system that updates
    // access times, as `relatime`, the default, does).
    std::fs::read(outside.join("inner/x")).unwrap();
    assert_ne!(harness::snapshot(&outside), outside_before, "the snapshot notices a read");
    std::fs::remove_dir_all(&top).ok();
}
