//! Every WASI function called thousands of times with hostile arguments (pointers at and
//! past the end of memory, huge lengths, bad descriptors, paths that climb out, random
//! flags): no host panic, every call returns (an errno or a clean trap), and nothing
//! outside the granted directory is touched. Deterministic: a fixed-seed generator.

use lathe_codegen::test_rng::Rng;
use lathe_wasm::wasi::{self, Preopen, WasiCtx};
use lathe_wasm::{Config, Engine, Extern, Module, Store, Val};
use std::path::{Path, PathBuf};

/// (name, parameter types) of each function exercised (`proc_exit` ends the run, so it
/// is left out).
const FUNCS: &[(&str, &str)] = &[
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
    ("random_get", "ii"),
    ("sched_yield", ""),
];

fn module_text() -> String {
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
    // Paths the calls may point at: "file", "../outside/secret", "/etc/passwd", "sub".
    format!(
        "(module\n{imports}  (memory (export \"memory\") 1)\n  (data (i32.const 100) \"file\")\n  (data (i32.const 120) \"../outside/secret\")\n  (data (i32.const 160) \"/etc/passwd\")\n  (data (i32.const 200) \"sub\")\n{exports})"
    )
}

/// A value of `xs` chosen by `rng`.
fn pick<T: Copy>(rng: &mut Rng, xs: &[T]) -> T {
    xs[rng.index(xs.len())]
}

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
            } else {
                out.push((p.clone(), std::fs::read(&p).ok()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_arguments_never_panic_or_escape() {
    let top = std::env::temp_dir().join(format!("lathe-wasi-robust-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&top);
    let (granted, outside) = (top.join("granted"), top.join("outside"));
    std::fs::create_dir_all(granted.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(granted.join("file"), "inside\n").unwrap();
    std::fs::write(outside.join("secret"), "outside\n").unwrap();
    let outside_before = snapshot(&outside);

    let src = module_text();
    let buf = wast::parser::ParseBuffer::new(&src).expect("lexes");
    let mut w: wast::Wat = wast::parser::parse(&buf).expect("parses");
    let engine = Engine::new(Config::default()).unwrap();
    let module = Module::new(&engine, &w.encode().unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let preopen = Preopen { host: granted.clone(), guest: "/sandbox".into(), read_only: false };
    let ctx = WasiCtx::new(vec!["prog".into(), "arg".into()], vec!["A=b".into()], vec![preopen]);
    let imports = wasi::imports(&mut store, &module, ctx).unwrap();
    let inst = store.instantiate(&module, &imports).unwrap();

    let pointers: &[u32] = &[0, 8, 100, 120, 160, 200, 1000, 65528, 65535, 65536, u32::MAX - 3, u32::MAX];
    let lengths: &[u32] = &[0, 1, 3, 4, 11, 17, 64, 4096, 65536, 0x7fff_ffff, u32::MAX];
    let fds: &[u32] = &[3, 4, 5, 6, 7, 100, u32::MAX];
    let wide: &[u64] = &[0, 1, 7, 4096, 1 << 40, u64::MAX, i64::MAX as u64, i64::MIN as u64];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut calls = 0;
    for round in 0..60u32 {
        for (name, params) in FUNCS {
            let Some(Extern::Func(f)) = store.export(inst, name) else { panic!("no {name}") };
            let args: Vec<Val> = params
                .chars()
                .enumerate()
                .map(|(k, c)| match c {
                    'I' => Val::I64(pick(&mut rng, wide) as i64),
                    // The first i32 of most calls is a descriptor.
                    _ if k == 0 && (name.starts_with("fd_") || name.starts_with("path_")) => {
                        Val::I32(pick(&mut rng, fds) as i32)
                    }
                    _ if rng.next().is_multiple_of(2) => Val::I32(pick(&mut rng, pointers) as i32),
                    _ => Val::I32(if round.is_multiple_of(3) {
                        rng.next() as i32
                    } else {
                        pick(&mut rng, lengths) as i32
                    }),
                })
                .collect();
            // An errno, or a clean error (a bad pointer for the stdio shortcuts); never
            // a crash of the test process.
            let _ = store.call(f, &args);
            calls += 1;
        }
    }
    assert_eq!(calls, 60 * FUNCS.len());
    assert_eq!(snapshot(&outside), outside_before, "nothing outside the granted directory changed");
    std::fs::remove_dir_all(&top).ok();
}
