//! The WASI host-function check: fuzzer bytes are decoded (with [`Unstructured`]) into
//! bytes for the guest memory and a sequence of WASI calls with arbitrary arguments,
//! which run against a fresh scratch directory granted as a preopen (with symbolic links
//! that point out of it) and a listening socket with one pending connection. Every call
//! must return (an errno, or a clean error such as `proc_raise`'s exit); a panic is the
//! finding, and so is any change to the sibling `outside` directory: its entries'
//! contents, modes, modification times and access times are compared with a snapshot
//! taken before (access times are armed in the past, so under `relatime` even a read or
//! a listing shows), and it holds a file with no permissions as a tripwire.
//!
//! The calls go through `lathe_wasm::wasi::harness`, the same driver as
//! `wasm/tests/wasi_robust.rs`. Waits are bounded (`WaitPolicy::max_block`), so a call that
//! would block (an accept with no one connecting, a poll with a far clock) returns.

use super::{Mismatch, Verdict};
use arbitrary::Unstructured;
use lathe_wasm::wasi::harness::{self, FUNCS, Harness, PATHS};
use lathe_wasm::wasi::{Preopen, WasiCtx};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The most calls one input makes.
const MAX_CALLS: usize = 64;

/// Runs `f` on the thread's driver instance, reset to `ctx` (instantiated once per
/// thread: instantiating compiles, which would dominate each input).
fn with_harness<T>(ctx: WasiCtx, f: impl FnOnce(&mut Harness) -> T) -> Result<T, Mismatch> {
    thread_local! {
        static HARNESS: std::cell::RefCell<Option<Harness>> = const { std::cell::RefCell::new(None) };
    }
    HARNESS.with(|cell| {
        let mut slot = cell.borrow_mut();
        let fail = |e: lathe_wasm::WasmError| Mismatch::new(format!("the driver did not start: {e}"), "");
        match slot.as_mut() {
            Some(h) => h.reset(ctx).map_err(fail)?,
            None => {
                let engine = lathe_wasm::Engine::new(lathe_wasm::Config::default()).map_err(fail)?;
                let module = harness::module(&engine).map_err(fail)?;
                *slot = Some(Harness::new(&engine, &module, ctx).map_err(fail)?);
            }
        }
        Ok(f(slot.as_mut().expect("set above")))
    })
}

/// The per-process scratch tree: `granted/` (made afresh for each input) and `outside/`
/// (made once, never granted).
fn scratch() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let top = std::env::temp_dir().join(format!("lathe-fuzz-wasi-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&top);
        let outside = top.join("outside");
        std::fs::create_dir_all(outside.join("inner")).expect("scratch directory");
        std::fs::write(outside.join("secret"), "not yours\n").expect("scratch file");
        std::fs::write(outside.join("inner/x"), "x\n").expect("scratch file");
        let tripwire = outside.join("tripwire");
        std::fs::write(&tripwire, "no permissions\n").expect("scratch file");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tripwire, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        harness::arm(&outside);
        top
    })
}

/// A fresh granted directory: a file, a subdirectory, and links out (`..`, relative and
/// absolute) and in.
fn fresh_granted(top: &Path) -> std::io::Result<PathBuf> {
    let granted = top.join("granted");
    let _ = std::fs::remove_dir_all(&granted);
    std::fs::create_dir_all(granted.join("sub"))?;
    std::fs::write(granted.join("file"), "inside\n")?;
    std::os::unix::fs::symlink("..", granted.join("up"))?;
    std::os::unix::fs::symlink("../outside", granted.join("out"))?;
    std::os::unix::fs::symlink(top.join("outside"), granted.join("abs"))?;
    std::os::unix::fs::symlink("file", granted.join("fine"))?;
    Ok(granted)
}

/// One argument: mostly values that reach somewhere (open descriptors, pointers to paths
/// and buffers, small flags), sometimes anything.
fn arg(u: &mut Unstructured<'_>) -> arbitrary::Result<u64> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => u64::from(u.int_in_range(0..=9u8)?),
        1 => {
            let (at, path) = PATHS[u.choose_index(PATHS.len())?];
            if u.arbitrary()? { u64::from(at) } else { path.len() as u64 }
        }
        2 => u64::from(u.arbitrary::<u16>()?),
        3 => u64::from(u.arbitrary::<u8>()?),
        4 => u64::from(u.arbitrary::<u32>()?),
        _ => u.arbitrary()?,
    })
}

/// Runs the calls `bytes` describe; see the module docs.
pub fn check_wasi(bytes: &[u8]) -> Result<Verdict, Mismatch> {
    let top = scratch();
    let outside = top.join("outside");
    let before = harness::snapshot(&outside);
    let granted = fresh_granted(top).map_err(|e| Mismatch::new(format!("scratch directory: {e}"), ""))?;
    let mut u = Unstructured::new(bytes);
    let memory_at = u.arbitrary::<u16>().unwrap_or(0);
    let memory_len = u.int_in_range(0..=1024usize).unwrap_or(0);
    let memory = u.bytes(memory_len.min(u.len())).unwrap_or(&[]).to_vec();
    let mut calls = Vec::new();
    while !u.is_empty() && calls.len() < MAX_CALLS {
        let Ok(k) = u.choose_index(FUNCS.len()) else { break };
        let args: Vec<u64> = (0..FUNCS[k].1.len()).map(|_| arg(&mut u).unwrap_or(0)).collect();
        calls.push((k, args));
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| Mismatch::new(format!("bind: {e}"), ""))?;
    let addr = listener.local_addr().map_err(|e| Mismatch::new(format!("bind: {e}"), ""))?;
    // One connection waits to be accepted; it stays open for the whole input.
    let _client = std::net::TcpStream::connect(addr).map_err(|e| Mismatch::new(format!("connect: {e}"), ""))?;
    let preopen = Preopen { host: granted.clone(), guest: "/sandbox".into(), read_only: false };
    let mut ctx = WasiCtx::new(vec!["prog".into(), "arg".into()], vec!["A=b".into()], vec![preopen]);
    ctx.listeners = vec![listener];
    ctx.waits.max_block = Some(Duration::from_micros(200));

    let describe = |calls: &[(usize, Vec<u64>)]| {
        let list: Vec<String> = calls.iter().map(|(k, a)| format!("{}{a:?}", FUNCS[*k].0)).collect();
        format!("memory at {memory_at}: {memory:?}\ncalls:\n  {}", list.join("\n  "))
    };
    with_harness(ctx, |h| {
        h.write_memory(u32::from(memory_at), &memory)
            .map_err(|e| Mismatch::new(format!("poke failed: {e}"), describe(&calls)))?;
        for (k, args) in &calls {
            // An errno or a clean error (an exit from `proc_raise`) are both fine.
            let _ = h.call(*k, args);
        }
        Ok::<(), Mismatch>(())
    })??;
    let after = harness::snapshot(&outside);
    if after != before {
        return Err(Mismatch::new(
            "a WASI call reached outside the granted directory",
            format!("{}\nbefore: {before:#?}\nafter: {after:#?}", describe(&calls)),
        ));
    }
    Ok(Verdict::Checked)
}
