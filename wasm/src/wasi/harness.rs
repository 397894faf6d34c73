//! A driver that calls WASI host functions directly, with any arguments, for the tests
//! that throw hostile input at them (`wasm/tests/wasi_robust.rs`) and the `wasi` fuzz
//! target (through `lathe-fuzzgen`): one table of the functions and their parameter types
//! ([`FUNCS`]), a module that imports and re-exports each of them, and a way to fill the
//! guest memory. Also [`snapshot`], which records a directory tree so a test can tell
//! that nothing in it was created, changed, removed or read.
//!
//! Not part of the API: hidden from the docs, kept here so both users share one copy.

use super::WasiCtx;
use crate::runtime::InstanceHandle;
use crate::{Engine, Extern, Module, Store, Val, WasmError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// (name, parameter types: `i` i32, `I` i64) of every function driven. `proc_exit` is
/// left out (it only ends the run); `proc_raise` is in (most signals end the run too, as
/// an error of that one call).
pub const FUNCS: &[(&str, &str)] = &[
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "iIi"),
    ("fd_advise", "iIIi"),
    ("fd_allocate", "iII"),
    ("fd_close", "i"),
    ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_fdstat_set_rights", "iII"),
    ("fd_filestat_get", "ii"),
    ("fd_filestat_set_size", "iI"),
    ("fd_filestat_set_times", "iIIi"),
    ("fd_pread", "iiiIi"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiIi"),
    ("fd_read", "iiii"),
    ("fd_readdir", "iiiIi"),
    ("fd_renumber", "ii"),
    ("fd_seek", "iIii"),
    ("fd_sync", "i"),
    ("fd_tell", "ii"),
    ("fd_write", "iiii"),
    ("path_create_directory", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiIIi"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"),
    ("path_readlink", "iiiiii"),
    ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_unlink_file", "iii"),
    ("poll_oneoff", "iiii"),
    ("proc_raise", "i"),
    ("random_get", "ii"),
    ("sched_yield", ""),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
];

/// Where the driver module's data segment puts paths a call may point at.
pub const PATHS: &[(u32, &str)] = &[(100, "file"), (120, "../outside/secret"), (160, "/etc/passwd"), (200, "sub")];

/// The text of a module importing every function of [`FUNCS`] and exporting a wrapper of
/// each under the same name, one page of memory (exported), [`PATHS`] in it, and
/// `poke(addr, byte)` to store a byte.
pub fn module_text() -> String {
    let ty = |c: char| if c == 'I' { "i64" } else { "i32" };
    let mut imports = String::new();
    let mut exports = String::new();
    for (k, (name, params)) in FUNCS.iter().enumerate() {
        let ps: Vec<&str> = params.chars().map(ty).collect();
        let decl = if ps.is_empty() { String::new() } else { format!("(param {})", ps.join(" ")) };
        imports += &format!("  (import \"wasi_snapshot_preview1\" \"{name}\" (func $f{k} {decl} (result i32)))\n");
        let gets: String = (0..ps.len()).map(|i| format!(" (local.get {i})")).collect();
        exports += &format!("  (func (export \"{name}\") {decl} (result i32) (call $f{k}{gets}))\n");
    }
    let data: String = PATHS.iter().map(|(at, p)| format!("  (data (i32.const {at}) \"{p}\")\n")).collect();
    // `reset` zeroes the memory and stores the paths again, byte by byte.
    let stores: String = PATHS
        .iter()
        .flat_map(|(at, p)| p.bytes().enumerate().map(move |(k, b)| (at + k as u32, b)))
        .map(|(addr, b)| format!(" (i32.store8 (i32.const {addr}) (i32.const {b}))"))
        .collect();
    format!(
        "(module\n{imports}  (memory (export \"memory\") 1)\n{data}{exports}  (func (export \"poke\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))\n  (func (export \"reset\") (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536)){stores})\n)"
    )
}

/// The driver module, compiled.
pub fn module(engine: &Engine) -> Result<Module, WasmError> {
    let src = module_text();
    let buf = wast::parser::ParseBuffer::new(&src).map_err(|e| WasmError::Invalid(e.to_string()))?;
    let mut w: wast::Wat = wast::parser::parse(&buf).map_err(|e| WasmError::Invalid(e.to_string()))?;
    Module::new(engine, &w.encode().map_err(|e| WasmError::Invalid(e.to_string()))?)
}

/// An instance of the driver module with a WASI context.
pub struct Harness {
    store: Store,
    funcs: Vec<u32>,
    poke: u32,
    reset: u32,
}

impl Harness {
    /// Instantiates `module` (from [`module`]) in a new store with `ctx`.
    pub fn new(engine: &Engine, module: &Module, ctx: WasiCtx) -> Result<Harness, WasmError> {
        let mut store = Store::new(engine);
        let imports = super::imports(&mut store, module, ctx)?;
        let inst = store.instantiate(module, &imports)?;
        let func = |store: &Store, inst: InstanceHandle, name: &str| match store.export(inst, name) {
            Some(Extern::Func(f)) => Ok(f),
            _ => Err(WasmError::NoExport { kind: "function", name: name.to_string() }),
        };
        let funcs = FUNCS.iter().map(|(name, _)| func(&store, inst, name)).collect::<Result<_, _>>()?;
        let poke = func(&store, inst, "poke")?;
        let reset = func(&store, inst, "reset")?;
        Ok(Harness { store, funcs, poke, reset })
    }

    /// Starts over as a fresh instance would (memory as instantiated, descriptors from
    /// `ctx`), without instantiating again (which compiles).
    pub fn reset(&mut self, ctx: WasiCtx) -> Result<(), WasmError> {
        self.store.call(self.reset, &[])?;
        super::set_ctx(&mut self.store, ctx)
    }

    /// Calls function `k` of [`FUNCS`] with `args` (each cut to its parameter's type,
    /// missing ones 0): the errno, or the error that ended the call (`proc_raise`'s exit,
    /// a trap).
    pub fn call(&mut self, k: usize, args: &[u64]) -> Result<i32, WasmError> {
        let (_, params) = FUNCS[k];
        let vals: Vec<Val> = params
            .chars()
            .enumerate()
            .map(|(i, t)| {
                let a = args.get(i).copied().unwrap_or(0);
                if t == 'I' { Val::I64(a as i64) } else { Val::I32(a as u32 as i32) }
            })
            .collect();
        match self.store.call(self.funcs[k], &vals)?.first() {
            Some(Val::I32(errno)) => Ok(*errno),
            other => Err(WasmError::Host(format!("{} returned {other:?}", FUNCS[k].0))),
        }
    }

    /// Stores `bytes` in the guest memory from `at` (wrapping inside the one page).
    pub fn write_memory(&mut self, at: u32, bytes: &[u8]) -> Result<(), WasmError> {
        for (k, &b) in bytes.iter().enumerate() {
            let addr = (at as usize + k) % 65536;
            self.store.call(self.poke, &[Val::I32(addr as i32), Val::I32(i32::from(b))])?;
        }
        Ok(())
    }
}

/// What [`snapshot`] records of one file, directory or link.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The path.
    pub path: PathBuf,
    /// File contents (`None` for a directory or when unreadable), or a link's target.
    pub contents: Option<Vec<u8>>,
    /// Permission bits and type.
    pub mode: u32,
    /// Modification time.
    pub mtime: Option<SystemTime>,
    /// Access time, as found (before [`snapshot`] itself read the entry).
    pub atime: Option<SystemTime>,
}

/// The access time [`snapshot`] leaves on every file and directory: far in the past, so
/// that under `relatime` any read or listing moves it (a tripwire for reads).
fn armed_atime() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

/// Every entry under `dir` (not `dir` itself), sorted, with contents, mode and times;
/// afterwards each file's and directory's access time is set back to a time long past,
/// so a later read or listing by anyone else shows in the next snapshot (on file systems
/// mounted `relatime` or `strictatime`).
pub fn snapshot(dir: &Path) -> Vec<Entry> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    let mut rearm = Vec::new();
    while let Some(d) = todo.pop() {
        let Ok(list) = std::fs::read_dir(&d) else { continue };
        for e in list.flatten() {
            let path = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            let contents = if meta.is_dir() {
                todo.push(path.clone());
                None
            } else if meta.is_symlink() {
                std::fs::read_link(&path).ok().map(|t| t.into_os_string().into_encoded_bytes())
            } else {
                std::fs::read(&path).ok()
            };
            if !meta.is_symlink() {
                rearm.push(path.clone());
            }
            out.push(Entry {
                path,
                contents,
                mode: meta.mode(),
                mtime: meta.modified().ok(),
                atime: meta.accessed().ok(),
            });
        }
        rearm.push(d);
    }
    for p in rearm {
        if let Ok(f) = std::fs::File::open(&p) {
            let _ = f.set_times(std::fs::FileTimes::new().set_accessed(armed_atime()));
        }
    }
    out.sort();
    out
}

/// Sets the access time of everything under `dir` long past (see [`snapshot`]), so that
/// the first snapshot taken afterwards can be compared with later ones.
pub fn arm(dir: &Path) {
    snapshot(dir);
}
