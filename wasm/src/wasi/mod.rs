//! WASI preview 1 for programs built with wasi-libc: `args_*`, `environ_*`, `proc_exit`,
//! `proc_raise`, clocks (`clock.rs`), `random_get`, the standard streams, a
//! capability-based file system (`fs.rs`: directories the host grants, [`Preopen`],
//! `lathe run --dir`, and everything beneath them), TCP sockets the host listens on
//! (`sock.rs`, `lathe run --tcplisten`), `poll_oneoff` with real readiness (`poll.rs`),
//! and rights per descriptor (`rights.rs`, checked in one place by the descriptor table,
//! `fds.rs`). An unknown function returns `ENOSYS` (52).
//!
//! [`imports`] builds the host functions for a module's `wasi_snapshot_preview1`
//! imports; their state ([`WasiCtx`]) lives in the store. Guest pointers are checked
//! against the memory: a bad one is `EFAULT`, never a host fault.
//!
//! `proc_raise(sig)`: the guest cannot catch signals (WASI has no handlers), so a signal
//! whose default action terminates ends the run as a process killed by it would in a
//! shell: [`WasmError::Exit`] with status 128 + the Linux number of the signal (SIGABRT:
//! 134, SIGTERM: 143). The host process is never signalled. Signals whose default action
//! is to ignore (CHLD, URG, WINCH) or continue (CONT) return success and do nothing; the
//! stop signals (STOP, TSTP, TTIN, TTOU) return `ENOTSUP` (a guest cannot be suspended);
//! 0 and numbers past SYS (30) are `EINVAL`.

mod clock;
mod errno;
mod fds;
mod fs;
#[doc(hidden)]
pub mod harness;
mod poll;
pub mod rights;
mod sock;

pub use fds::Preopen;
pub use poll::WaitPolicy;

use crate::runtime::Caller;
use crate::{Extern, Module, Store, Val, WasmError};
use errno::{EFAULT, EINVAL, ENOSYS, ENOTSUP};
use std::io::Read;
use std::net::TcpListener;

/// The program's view of its environment.
#[derive(Default)]
pub struct WasiCtx {
    /// Arguments, the program name first.
    pub args: Vec<String>,
    /// `NAME=value` strings.
    pub env: Vec<String>,
    /// The directories the guest may reach (descriptors after the listeners, in order).
    pub preopens: Vec<Preopen>,
    /// Listening sockets the guest may `sock_accept` on: descriptors 3, 4, ... in order,
    /// before the directories.
    pub listeners: Vec<TcpListener>,
    /// How long one WASI call may block the host thread (`poll_oneoff`, `sock_accept`,
    /// reads and writes of sockets and standard input): `max_block` (a call that would
    /// wait longer returns `EAGAIN`; `None`, the default, waits as long as the call needs)
    /// and a `cancel` flag another thread sets to end every wait (`EINTR`), e.g. together
    /// with [`crate::InterruptHandle::interrupt`], so a guest blocked in a WASI call still
    /// stops.
    pub waits: WaitPolicy,
    /// The open descriptors, set up by [`imports`].
    fds: fds::Fds,
}

impl WasiCtx {
    /// The context of a program with these arguments (its name first), `NAME=value`
    /// variables and granted directories.
    pub fn new(args: Vec<String>, env: Vec<String>, preopens: Vec<Preopen>) -> WasiCtx {
        WasiCtx { args, env, preopens, ..WasiCtx::default() }
    }
}

fn mem<'a>(c: &'a mut Caller<'_>) -> Result<&'a mut [u8], WasmError> {
    c.memory().ok_or_else(|| WasmError::Host("WASI needs an exported memory".into()))
}

fn put(m: &mut [u8], at: u32, bytes: &[u8]) -> bool {
    match m.get_mut(at as usize..at as usize + bytes.len()) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            true
        }
        None => false,
    }
}

fn get_u32(m: &[u8], at: u32) -> Option<u32> {
    let at = at as usize;
    m.get(at..at.checked_add(4)?).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
}

fn i(args: &[Val], k: usize) -> u32 {
    match args.get(k) {
        Some(Val::I32(x)) => *x as u32,
        Some(Val::I64(x)) => *x as u32,
        _ => 0,
    }
}

/// A 64-bit argument.
fn l(args: &[Val], k: usize) -> u64 {
    match args.get(k) {
        Some(Val::I64(x)) => *x as u64,
        Some(Val::I32(x)) => *x as u32 as u64,
        _ => 0,
    }
}

fn ok(errno: i32) -> Result<Vec<Val>, WasmError> {
    Ok(vec![Val::I32(errno)])
}

/// The guest bytes `[at, at + len)`, copied.
fn guest_bytes(m: &[u8], at: u32, len: u32) -> Option<Vec<u8>> {
    m.get(at as usize..(at as usize).checked_add(len as usize)?).map(<[u8]>::to_vec)
}

/// The (pointer, length) pairs of an iovec array; `None` when the array or any buffer it
/// names is not inside the memory (checked before anything is read, written or
/// allocated).
fn iovecs(m: &[u8], iovs: u32, n: u32) -> Option<Vec<(u32, u32)>> {
    let at = |k: u32, field: u32| get_u32(m, iovs.checked_add(k.checked_mul(8)?.checked_add(field)?)?);
    let list: Vec<(u32, u32)> = (0..n).map(|k| Some((at(k, 0)?, at(k, 4)?))).collect::<Option<_>>()?;
    let inside = |&(p, len): &(u32, u32)| (p as usize).checked_add(len as usize).is_some_and(|end| end <= m.len());
    list.iter().all(inside).then_some(list)
}

fn fds<'a>(c: &'a mut Caller<'_>) -> Result<&'a mut fds::Fds, WasmError> {
    c.state::<WasiCtx>().map(|w| &mut w.fds).ok_or_else(|| WasmError::Host("WASI state missing".into()))
}

/// Runs a file-system operation that needs the guest's memory and the descriptors: the
/// memory is copied out around it, so the two borrows of the store never overlap.
fn with_fds<T>(
    c: &mut Caller<'_>,
    f: impl FnOnce(&mut fds::Fds) -> Result<T, i32>,
) -> Result<Result<T, i32>, WasmError> {
    Ok(f(fds(c)?))
}

/// Reads `fd` into the guest's iovecs (at `offset` for `fd_pread`); the count.
fn read_into(
    c: &mut Caller<'_>,
    fd: u32,
    iovs: u32,
    n: u32,
    offset: Option<u64>,
) -> Result<Result<u32, i32>, WasmError> {
    let Some(list) = iovecs(mem(c)?, iovs, n) else { return Ok(Err(EFAULT)) };
    let mut total = 0u32;
    for (p, len) in list {
        let mut buf = vec![0u8; len as usize];
        let at = offset.map(|o| o.saturating_add(u64::from(total)));
        let got = match with_fds(c, |f| f.read(fd, &mut buf, at))? {
            Ok(n) => n,
            Err(e) => return Ok(Err(e)),
        };
        if !put(mem(c)?, p, &buf[..got]) {
            return Ok(Err(EFAULT));
        }
        total += got as u32;
        if got < len as usize {
            break;
        }
    }
    Ok(Ok(total))
}

/// Writes the guest's iovecs to `fd` (at `offset` for `fd_pwrite`); the count.
fn write_from(
    c: &mut Caller<'_>,
    fd: u32,
    iovs: u32,
    n: u32,
    offset: Option<u64>,
) -> Result<Result<u32, i32>, WasmError> {
    let data = match gather(mem(c)?, iovs, n) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    Ok(with_fds(c, |f| f.write(fd, &data, offset))?.map(|n| n as u32))
}

/// The most bytes one `sock_recv` moves (a stream read may always be short).
const MAX_TRANSFER: usize = 1 << 20;

/// The bytes of the guest's iovecs, in order, or `EFAULT`.
fn gather(m: &[u8], iovs: u32, n: u32) -> Result<Vec<u8>, i32> {
    let list = iovecs(m, iovs, n).ok_or(EFAULT)?;
    // `iovecs` checked that every buffer is inside the memory.
    Ok(list.iter().flat_map(|&(p, len)| &m[p as usize..p as usize + len as usize]).copied().collect())
}

/// `proc_raise` (see the module docs): the WASI signal number `sig`.
fn proc_raise(sig: u32) -> Result<Vec<Val>, WasmError> {
    match sig {
        // CHLD, CONT, URG, WINCH: ignored, or continuing a process that runs.
        16 | 17 | 22 | 27 => ok(0),
        // STOP, TSTP, TTIN, TTOU.
        18..=21 => ok(ENOTSUP),
        // HUP .. TERM share their numbers with Linux; from CHLD on, Linux counts one more
        // (its STKFLT is 16).
        1..=15 => Err(WasmError::Exit(128 + sig as i32)),
        23..=30 => Err(WasmError::Exit(128 + sig as i32 + 1)),
        _ => ok(EINVAL),
    }
}

/// Stores `value`'s bytes at `at` and answers 0, or `EFAULT`.
fn reply(c: &mut Caller<'_>, at: u32, value: &[u8]) -> Result<Vec<Val>, WasmError> {
    ok(if put(mem(c)?, at, value) { 0 } else { EFAULT })
}

/// A guest path argument, or `EFAULT`.
fn path_arg(c: &mut Caller<'_>, at: u32, len: u32) -> Result<Result<Vec<u8>, i32>, WasmError> {
    // WASI paths are UTF-8 strings (as Wasmtime, anything else is EILSEQ); a NUL byte
    // inside is refused later, where the host path is made (EINVAL).
    Ok(guest_bytes(mem(c)?, at, len)
        .ok_or(EFAULT)
        .and_then(|p| if std::str::from_utf8(&p).is_ok() { Ok(p) } else { Err(errno::EILSEQ) }))
}

macro_rules! try_errno {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(errno) => return ok(errno),
        }
    };
}

/// Writes a list of strings as `argv`/`environ` do: pointers at `ptrs`, bytes at `buf`.
fn write_list(c: &mut Caller<'_>, list: &[String], ptrs: u32, buf: u32) -> Result<Vec<Val>, WasmError> {
    let m = mem(c)?;
    let mut at = buf;
    for (k, s) in list.iter().enumerate() {
        let slot = ptrs.checked_add(4 * k as u32);
        let end = at.checked_add(s.len() as u32);
        let (Some(slot), Some(end)) = (slot, end) else { return ok(EFAULT) };
        if !put(m, slot, &at.to_le_bytes()) || !put(m, at, s.as_bytes()) || !put(m, end, &[0]) {
            return ok(EFAULT);
        }
        at = end + 1;
    }
    ok(0)
}

fn sizes(c: &mut Caller<'_>, list: &[String], count: u32, size: u32) -> Result<Vec<Val>, WasmError> {
    let total: usize = list.iter().map(|s| s.len() + 1).sum();
    let m = mem(c)?;
    if !put(m, count, &(list.len() as u32).to_le_bytes()) || !put(m, size, &(total as u32).to_le_bytes()) {
        return ok(EFAULT);
    }
    ok(0)
}

fn call(name: &str, c: &mut Caller<'_>, a: &[Val]) -> Result<Vec<Val>, WasmError> {
    let ctx_list = |c: &mut Caller<'_>, env: bool| {
        c.state::<WasiCtx>().map(|w| if env { w.env.clone() } else { w.args.clone() }).unwrap_or_default()
    };
    match name {
        "args_sizes_get" | "environ_sizes_get" => {
            let l = ctx_list(c, name.starts_with("environ"));
            sizes(c, &l, i(a, 0), i(a, 1))
        }
        "args_get" | "environ_get" => {
            let l = ctx_list(c, name.starts_with("environ"));
            write_list(c, &l, i(a, 0), i(a, 1))
        }
        "proc_exit" => Err(WasmError::Exit(i(a, 0) as i32)),
        "fd_write" | "fd_pwrite" => {
            let offset = (name == "fd_pwrite").then(|| l(a, 3));
            let out = if offset.is_some() { i(a, 4) } else { i(a, 3) };
            let n = try_errno!(write_from(c, i(a, 0), i(a, 1), i(a, 2), offset)?);
            reply(c, out, &n.to_le_bytes())
        }
        "fd_read" | "fd_pread" => {
            let offset = (name == "fd_pread").then(|| l(a, 3));
            let out = if offset.is_some() { i(a, 4) } else { i(a, 3) };
            let n = try_errno!(read_into(c, i(a, 0), i(a, 1), i(a, 2), offset)?);
            reply(c, out, &n.to_le_bytes())
        }
        "fd_seek" => {
            let pos = try_errno!(with_fds(c, |f| f.seek(i(a, 0), l(a, 1) as i64, i(a, 2) as u8, false))?);
            reply(c, i(a, 3), &pos.to_le_bytes())
        }
        "fd_tell" => {
            let pos = try_errno!(with_fds(c, |f| f.seek(i(a, 0), 0, 1, true))?);
            reply(c, i(a, 1), &pos.to_le_bytes())
        }
        "fd_close" => ok(with_fds(c, |f| f.close(i(a, 0)))?.err().unwrap_or(0)),
        "fd_fdstat_get" => {
            let stat = try_errno!(with_fds(c, |f| f.fdstat(i(a, 0)))?);
            reply(c, i(a, 1), &stat)
        }
        "fd_filestat_get" => {
            let stat = try_errno!(with_fds(c, |f| f.filestat(i(a, 0)))?);
            reply(c, i(a, 1), &stat)
        }
        "fd_prestat_get" => {
            let name = try_errno!(with_fds(c, |f| f.prestat(i(a, 0)))?);
            let mut pre = [0u8; 8];
            pre[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
            reply(c, i(a, 1), &pre)
        }
        "fd_prestat_dir_name" => {
            let name = try_errno!(with_fds(c, |f| f.prestat(i(a, 0)))?);
            if (i(a, 2) as usize) < name.len() {
                return ok(errno::ENAMETOOLONG);
            }
            reply(c, i(a, 1), name.as_bytes())
        }
        "path_open" => {
            let path = try_errno!(path_arg(c, i(a, 2), i(a, 3))?);
            let (dirfd, lookup, oflags, fdflags) = (i(a, 0), i(a, 1), i(a, 4) as u16, i(a, 7) as u16);
            let fd = try_errno!(with_fds(c, |f| f.open(dirfd, lookup, &path, oflags, l(a, 5), l(a, 6), fdflags))?);
            reply(c, i(a, 8), &fd.to_le_bytes())
        }
        "path_filestat_get" => {
            let path = try_errno!(path_arg(c, i(a, 2), i(a, 3))?);
            let stat = try_errno!(with_fds(c, |f| f.path_filestat(i(a, 0), i(a, 1), &path))?);
            reply(c, i(a, 4), &stat)
        }
        "path_create_directory" | "path_remove_directory" | "path_unlink_file" => {
            let path = try_errno!(path_arg(c, i(a, 1), i(a, 2))?);
            let r = with_fds(c, |f| match name {
                "path_create_directory" => f.mkdir(i(a, 0), &path),
                _ => f.remove(i(a, 0), &path, name == "path_remove_directory"),
            })?;
            ok(r.err().unwrap_or(0))
        }
        "path_rename" => {
            let from = try_errno!(path_arg(c, i(a, 1), i(a, 2))?);
            let to = try_errno!(path_arg(c, i(a, 4), i(a, 5))?);
            ok(with_fds(c, |f| f.rename(i(a, 0), &from, i(a, 3), &to))?.err().unwrap_or(0))
        }
        "fd_readdir" => {
            let (buf, len, cookie, used) = (i(a, 1), i(a, 2), l(a, 3), i(a, 4));
            let bytes = try_errno!(with_fds(c, |f| f.readdir(i(a, 0), cookie, len as usize))?);
            if !put(mem(c)?, buf, &bytes) {
                return ok(EFAULT);
            }
            reply(c, used, &(bytes.len() as u32).to_le_bytes())
        }
        "clock_time_get" => {
            let t = try_errno!(clock::now(i(a, 0)));
            reply(c, i(a, 2), &t.to_le_bytes())
        }
        "clock_res_get" => {
            let r = try_errno!(clock::resolution(i(a, 0)));
            reply(c, i(a, 1), &r.to_le_bytes())
        }
        "sched_yield" => {
            std::thread::yield_now();
            ok(0)
        }
        "poll_oneoff" => {
            let (input, output, n, nevents) = (i(a, 0), i(a, 1), i(a, 2), i(a, 3));
            let Some(subs) = guest_bytes(mem(c)?, input, n.saturating_mul(48)) else { return ok(EFAULT) };
            let events = try_errno!(with_fds(c, |f| poll::poll_oneoff(f, &subs))?);
            let m = mem(c)?;
            for (k, e) in events.iter().enumerate() {
                let Some(at) = output.checked_add(32 * k as u32) else { return ok(EFAULT) };
                if !put(m, at, e) {
                    return ok(EFAULT);
                }
            }
            reply(c, nevents, &(events.len() as u32).to_le_bytes())
        }
        "fd_sync" | "fd_datasync" => ok(with_fds(c, |f| f.sync(i(a, 0), name == "fd_datasync"))?.err().unwrap_or(0)),
        "fd_filestat_set_size" => ok(with_fds(c, |f| f.set_size(i(a, 0), l(a, 1)))?.err().unwrap_or(0)),
        "fd_allocate" => ok(with_fds(c, |f| f.allocate(i(a, 0), l(a, 1), l(a, 2)))?.err().unwrap_or(0)),
        "fd_advise" => ok(with_fds(c, |f| f.advise(i(a, 0), i(a, 3)))?.err().unwrap_or(0)),
        "fd_fdstat_set_flags" => ok(with_fds(c, |f| f.set_flags(i(a, 0), i(a, 1) as u16))?.err().unwrap_or(0)),
        "fd_fdstat_set_rights" => ok(with_fds(c, |f| f.set_rights(i(a, 0), l(a, 1), l(a, 2)))?.err().unwrap_or(0)),
        "proc_raise" => proc_raise(i(a, 0)),
        "sock_accept" => {
            let fd = try_errno!(with_fds(c, |f| f.accept(i(a, 0), i(a, 1) as u16))?);
            reply(c, i(a, 2), &fd.to_le_bytes())
        }
        "sock_recv" => {
            let (fd, iovs, n, riflags, out_len, out_flags) =
                (i(a, 0), i(a, 1), i(a, 2), i(a, 3) as u16, i(a, 4), i(a, 5));
            let Some(list) = iovecs(mem(c)?, iovs, n) else { return ok(EFAULT) };
            let total = list.iter().map(|&(_, len)| len as usize).sum::<usize>().min(MAX_TRANSFER);
            let mut buf = vec![0u8; total];
            let (got, roflags) = try_errno!(with_fds(c, |f| f.sock_recv(fd, &mut buf, riflags))?);
            let m = mem(c)?;
            let mut at = 0;
            for (p, len) in list {
                let k = (len as usize).min(got - at);
                if !put(m, p, &buf[at..at + k]) {
                    return ok(EFAULT);
                }
                at += k;
            }
            if !put(m, out_len, &(got as u32).to_le_bytes()) {
                return ok(EFAULT);
            }
            reply(c, out_flags, &roflags.to_le_bytes())
        }
        "sock_send" => {
            let (fd, iovs, n, siflags, out) = (i(a, 0), i(a, 1), i(a, 2), i(a, 3) as u16, i(a, 4));
            let data = try_errno!(gather(mem(c)?, iovs, n));
            let sent = try_errno!(with_fds(c, |f| f.sock_send(fd, &data, siflags))?);
            reply(c, out, &(sent as u32).to_le_bytes())
        }
        "sock_shutdown" => ok(with_fds(c, |f| f.shutdown(i(a, 0), i(a, 1) as u8))?.err().unwrap_or(0)),
        "fd_renumber" => ok(with_fds(c, |f| f.renumber(i(a, 0), i(a, 1)))?.err().unwrap_or(0)),
        "fd_filestat_set_times" => {
            let r = with_fds(c, |f| f.set_times(i(a, 0), None, l(a, 1), l(a, 2), i(a, 3) as u16))?;
            ok(r.err().unwrap_or(0))
        }
        "path_filestat_set_times" => {
            let path = try_errno!(path_arg(c, i(a, 2), i(a, 3))?);
            let r = with_fds(c, |f| f.set_times(i(a, 0), Some((i(a, 1), &path)), l(a, 4), l(a, 5), i(a, 6) as u16))?;
            ok(r.err().unwrap_or(0))
        }
        "path_readlink" => {
            let path = try_errno!(path_arg(c, i(a, 1), i(a, 2))?);
            let target = try_errno!(with_fds(c, |f| f.readlink(i(a, 0), &path))?);
            let n = target.len().min(i(a, 4) as usize);
            if !put(mem(c)?, i(a, 3), &target[..n]) {
                return ok(EFAULT);
            }
            reply(c, i(a, 5), &(n as u32).to_le_bytes())
        }
        "path_symlink" => {
            let target = try_errno!(path_arg(c, i(a, 0), i(a, 1))?);
            let path = try_errno!(path_arg(c, i(a, 3), i(a, 4))?);
            ok(with_fds(c, |f| f.symlink(&target, i(a, 2), &path))?.err().unwrap_or(0))
        }
        "path_link" => {
            let from = try_errno!(path_arg(c, i(a, 2), i(a, 3))?);
            let to = try_errno!(path_arg(c, i(a, 5), i(a, 6))?);
            ok(with_fds(c, |f| f.link(i(a, 0), i(a, 1), &from, i(a, 4), &to))?.err().unwrap_or(0))
        }
        "random_get" => {
            let (buf, len) = (i(a, 0), i(a, 1));
            let m = mem(c)?;
            let Some(dst) = m.get_mut(buf as usize..buf as usize + len as usize) else { return ok(EFAULT) };
            let mut f = std::fs::File::open("/dev/urandom").map_err(|e| WasmError::Host(e.to_string()))?;
            f.read_exact(dst).map_err(|e| WasmError::Host(e.to_string()))?;
            ok(0)
        }
        _ => ok(ENOSYS),
    }
}

/// Opens `ctx`'s preopens and listeners and makes it the store's WASI state, replacing
/// the one before (with every descriptor it had open). [`imports`] does this; calling it
/// again starts the same instance over with fresh descriptors.
pub fn set_ctx(store: &mut Store, mut ctx: WasiCtx) -> Result<(), WasmError> {
    let listeners = std::mem::take(&mut ctx.listeners);
    ctx.fds = fds::Fds::with_preopens(&ctx.preopens, listeners).map_err(|e| WasmError::Host(format!("--dir: {e}")))?;
    ctx.fds.waits = ctx.waits.clone();
    store.set_state(ctx);
    Ok(())
}

/// Host functions for every import of `module`, which must all be WASI preview 1
/// functions. Stores `ctx` in the store.
pub fn imports(store: &mut Store, module: &Module, ctx: WasiCtx) -> Result<Vec<Extern>, WasmError> {
    set_ctx(store, ctx)?;
    let mut out = Vec::new();
    for (k, imp) in module.info().imports.iter().enumerate() {
        let crate::module::ImportKind::Func(_) = imp.kind else {
            return Err(WasmError::Link(format!("unknown import {}.{}", imp.module, imp.name)));
        };
        if imp.module != "wasi_snapshot_preview1" {
            return Err(WasmError::Link(format!("unknown import {}.{}", imp.module, imp.name)));
        }
        let ty = module.info().func_type(k as u32).clone();
        let name = imp.name.clone();
        let results = ty.results().len();
        out.push(store.host_func(
            ty,
            Box::new(move |c, a| {
                let r = call(&name, c, a)?;
                Ok(r.into_iter().take(results).collect())
            }),
        ));
    }
    Ok(out)
}
