//! Enough WASI preview 1 for C programs built with wasi-libc: `args_*`, `environ_*`,
//! `fd_write` and `fd_read` on the standard streams, `proc_exit`, `clock_time_get`,
//! `random_get`, and `fd_close`/`fd_seek`/`fd_fdstat_get` answering for the standard
//! streams only. No file system is reachable: other calls return `ENOSYS` (52) or `EBADF`.
//!
//! [`imports`] builds the host functions for a module's `wasi_snapshot_preview1`
//! imports; their state ([`WasiCtx`]) lives in the store.

use crate::runtime::Caller;
use crate::{Extern, Module, Store, Val, WasmError};
use std::io::{Read, Write};

/// The program's view of its environment.
#[derive(Default)]
pub struct WasiCtx {
    /// Arguments, the program name first.
    pub args: Vec<String>,
    /// `NAME=value` strings.
    pub env: Vec<String>,
}

const EBADF: i32 = 8;
const EINVAL: i32 = 28;
const ENOSYS: i32 = 52;
const EFAULT: i32 = 21;

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
    m.get(at as usize..at as usize + 4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
}

fn i(args: &[Val], k: usize) -> u32 {
    match args.get(k) {
        Some(Val::I32(x)) => *x as u32,
        Some(Val::I64(x)) => *x as u32,
        _ => 0,
    }
}

fn ok(errno: i32) -> Result<Vec<Val>, WasmError> {
    Ok(vec![Val::I32(errno)])
}

/// Writes a list of strings as `argv`/`environ` do: pointers at `ptrs`, bytes at `buf`.
fn write_list(c: &mut Caller<'_>, list: &[String], ptrs: u32, buf: u32) -> Result<Vec<Val>, WasmError> {
    let m = mem(c)?;
    let mut at = buf;
    for (k, s) in list.iter().enumerate() {
        if !put(m, ptrs + 4 * k as u32, &at.to_le_bytes())
            || !put(m, at, s.as_bytes())
            || !put(m, at + s.len() as u32, &[0])
        {
            return ok(EFAULT);
        }
        at += s.len() as u32 + 1;
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
        "fd_write" => {
            let (fd, iovs, n, nwritten) = (i(a, 0), i(a, 1), i(a, 2), i(a, 3));
            let m = mem(c)?;
            let mut out = Vec::new();
            for k in 0..n {
                let (Some(p), Some(len)) = (get_u32(m, iovs + 8 * k), get_u32(m, iovs + 8 * k + 4)) else {
                    return ok(EFAULT);
                };
                let Some(bytes) = m.get(p as usize..p as usize + len as usize) else { return ok(EFAULT) };
                out.extend_from_slice(bytes);
            }
            let r = match fd {
                1 => std::io::stdout().write_all(&out).and_then(|_| std::io::stdout().flush()),
                2 => std::io::stderr().write_all(&out),
                _ => return ok(EBADF),
            };
            if r.is_err() {
                return ok(EINVAL);
            }
            if !put(m, nwritten, &(out.len() as u32).to_le_bytes()) {
                return ok(EFAULT);
            }
            ok(0)
        }
        "fd_read" => {
            let (fd, iovs, n, nread) = (i(a, 0), i(a, 1), i(a, 2), i(a, 3));
            if fd != 0 {
                return ok(EBADF);
            }
            let m = mem(c)?;
            let mut total = 0u32;
            for k in 0..n {
                let (Some(p), Some(len)) = (get_u32(m, iovs + 8 * k), get_u32(m, iovs + 8 * k + 4)) else {
                    return ok(EFAULT);
                };
                let Some(buf) = m.get_mut(p as usize..p as usize + len as usize) else { return ok(EFAULT) };
                let got = std::io::stdin().read(buf).unwrap_or(0);
                total += got as u32;
                if got < len as usize {
                    break;
                }
            }
            if !put(m, nread, &total.to_le_bytes()) {
                return ok(EFAULT);
            }
            ok(0)
        }
        "clock_time_get" => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            let at = i(a, 2);
            let m = mem(c)?;
            if !put(m, at, &(now.as_nanos() as u64).to_le_bytes()) {
                return ok(EFAULT);
            }
            ok(0)
        }
        "random_get" => {
            let (buf, len) = (i(a, 0), i(a, 1));
            let m = mem(c)?;
            let Some(dst) = m.get_mut(buf as usize..buf as usize + len as usize) else { return ok(EFAULT) };
            let mut f = std::fs::File::open("/dev/urandom").map_err(|e| WasmError::Host(e.to_string()))?;
            f.read_exact(dst).map_err(|e| WasmError::Host(e.to_string()))?;
            ok(0)
        }
        "fd_close" | "fd_seek" => ok(if i(a, 0) <= 2 {
            if name == "fd_seek" {
                70 /* ESPIPE */
            } else {
                0
            }
        } else {
            EBADF
        }),
        "fd_fdstat_get" => {
            let (fd, at) = (i(a, 0), i(a, 1));
            if fd > 2 {
                return ok(EBADF);
            }
            let m = mem(c)?;
            // filetype character device (2), no flags, all rights.
            let mut stat = [0u8; 24];
            stat[0] = 2;
            stat[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
            stat[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
            if !put(m, at, &stat) {
                return ok(EFAULT);
            }
            ok(0)
        }
        "fd_prestat_get" => ok(EBADF),
        _ => ok(ENOSYS),
    }
}

/// Host functions for every import of `module`, which must all be WASI preview 1
/// functions. Stores `ctx` in the store.
pub fn imports(store: &mut Store, module: &Module, ctx: WasiCtx) -> Result<Vec<Extern>, WasmError> {
    store.set_state(ctx);
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
