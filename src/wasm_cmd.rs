//! The Wasm subcommands: `lathe run prog.wasm [args...]` (WASI `_start`), `lathe run
//! --invoke <export> prog.wasm <args...>` (prints the results), and `lathe wast <file>`
//! (prints each failed assertion). Wasm runs on a thread with a fixed 64 MiB stack so that
//! unbounded recursion is caught as a stack-overflow trap.

use lathe_codegen::settings::OptLevel;
use lathe_wasm::wasi::{self, WasiCtx};
use lathe_wasm::{Config, Engine, Extern, Module, Profiler, Store, Val, WasmError};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Whether `lathe run` should treat `file` as Wasm.
pub fn is_wasm(file: &Path) -> bool {
    matches!(file.extension().and_then(|e| e.to_str()), Some("wasm" | "wat" | "lwasm"))
}

/// `lathe compile prog.wasm -o prog.lwasm`: compiles the module for this machine at
/// `level` (`speed`, `none` or `baseline`) and writes it precompiled.
pub fn precompile(file: &Path, out: &Path, level: OptLevel) -> Result<(), String> {
    let name = file.display().to_string();
    let bytes = module_bytes(&name)?;
    let config =
        Config { optimize: level == OptLevel::Speed, baseline: level == OptLevel::Baseline, ..Config::default() };
    let engine = Engine::new(config).map_err(|e| e.to_string())?;
    let module = Module::new(&engine, &bytes).map_err(|e| format!("{name}: {e}"))?;
    std::fs::write(out, module.serialize(&engine)).map_err(|e| format!("{}: {e}", out.display()))
}

fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .expect("spawning the wasm thread")
        .join()
        .expect("the wasm thread does not panic")
}

fn parse_arg(s: &str, ty: wasmparser::ValType) -> Result<Val, String> {
    use wasmparser::ValType::*;
    let bad = |e: &dyn std::fmt::Display| format!("bad argument {s:?}: {e}");
    Ok(match ty {
        I32 => Val::I32(s.parse::<i64>().map_err(|e| bad(&e))? as i32),
        I64 => Val::I64(s.parse().map_err(|e| bad(&e))?),
        F32 => Val::F32(s.parse::<f32>().map_err(|e| bad(&e))?.to_bits()),
        F64 => Val::F64(s.parse::<f64>().map_err(|e| bad(&e))?.to_bits()),
        V128 => {
            let hex = s.strip_prefix("0x").ok_or_else(|| bad(&"a v128 is written as 0x and 32 hex digits"))?;
            Val::V128(u128::from_str_radix(hex, 16).map_err(|e| bad(&e))?)
        }
        other => return Err(format!("cannot pass a {other:?} from the command line")),
    })
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(b) => format!("{b:#034x}"),
        Val::FuncRef(r) | Val::ExternRef(r) | Val::ExnRef(r) => format!("{r:?}"),
    }
}

/// The module's bytes: a `.wasm` file as is, a `.wat` file encoded.
fn module_bytes(file: &str) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    if !file.ends_with(".wat") {
        return Ok(bytes);
    }
    let text = String::from_utf8(bytes).map_err(|e| format!("{file}: {e}"))?;
    let buf = wast::parser::ParseBuffer::new(&text).map_err(|e| format!("{file}: {e}"))?;
    let mut w: wast::Wat = wast::parser::parse(&buf).map_err(|e| format!("{file}: {e}"))?;
    w.encode().map_err(|e| format!("{file}: {e}"))
}

/// The IR of every function a Wasm module defines, as the front end translates it (with
/// the default bounds checks), for `lathe compile`.
pub fn wasm_functions(file: &Path) -> Result<Vec<lathe_codegen::ir::Function>, String> {
    let name = file.display().to_string();
    let bytes = module_bytes(&name)?;
    let info = lathe_wasm::module::parse(&bytes).map_err(|e| format!("{name}: {e}"))?;
    let mut ctx = lathe_frontend::FunctionBuilderContext::new();
    let first = info.num_imported_funcs;
    (first..first + info.bodies.len() as u32)
        .map(|i| {
            lathe_wasm::translate::translate_function(&info, i, Default::default(), &mut ctx)
                .map_err(|e| format!("{name}: {e}"))
        })
        .collect()
}

/// The functions a module defines, each as (index, readable name, IR), translated as
/// `lathe compile` does; with `select`, only the one with that function index or
/// name-section name (an unknown one is an error listing what there is).
pub fn wasm_functions_selected(
    file: &Path,
    select: Option<&str>,
) -> Result<Vec<(u32, String, lathe_codegen::ir::Function)>, String> {
    let name = file.display().to_string();
    let bytes = module_bytes(&name)?;
    let info = lathe_wasm::module::parse(&bytes).map_err(|e| format!("{name}: {e}"))?;
    let first = info.num_imported_funcs;
    let defined = first..first + info.bodies.len() as u32;
    let indices: Vec<u32> = match select {
        None => defined.collect(),
        Some(s) => {
            let by_name = info.names.iter().filter(|(_, n)| n.as_str() == s).map(|(&i, _)| i).min();
            match (s.parse::<u32>().ok(), by_name) {
                (_, Some(i)) | (Some(i), None) if defined.contains(&i) => vec![i],
                (Some(i), None) if i < first => {
                    return Err(format!("{name}: function {i} is imported, not defined in the module"));
                }
                _ => {
                    return Err(format!(
                        "{name}: no function `{s}` (give an index from {} to {} or a name from the name section)",
                        defined.start,
                        defined.end.saturating_sub(1)
                    ));
                }
            }
        }
    };
    let mut ctx = lathe_frontend::FunctionBuilderContext::new();
    indices
        .into_iter()
        .map(|i| {
            let f = lathe_wasm::translate::translate_function(&info, i, Default::default(), &mut ctx)
                .map_err(|e| format!("{name}: {e}"))?;
            Ok((i, info.func_name(i), f))
        })
        .collect()
}

/// What `lathe bench programs` measures in one run of a program (a child process running
/// `lathe run --stats`).
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    /// Size of the module.
    pub wasm_bytes: usize,
    /// IR instructions the module was translated to.
    pub ir_insts: usize,
    /// Machine code produced.
    pub code_bytes: usize,
    /// Parsing, validation, translation and compilation (`Module::new`).
    pub compile: Duration,
    /// Instantiation and the call of `_start` (or of the invoked export).
    pub run: Duration,
    /// Peak resident memory after compiling, in KiB.
    pub peak_compile_kib: u64,
    /// Peak resident memory at the end, in KiB.
    pub peak_kib: u64,
    /// Under `--tier auto`: functions recompiled at `speed` and installed.
    pub tier_functions: u64,
    /// Under `--tier auto`: frames that moved to optimized code in a loop (OSR).
    pub tier_osr: u64,
    /// Under `--tier auto`: OSR code that left for the entry of an enclosing loop.
    pub tier_nested: u64,
}

impl RunStats {
    /// The one-line form printed on stderr by `lathe run --stats`.
    pub fn to_line(&self) -> String {
        format!(
            "lathe-stats: wasm_bytes={} ir_insts={} code_bytes={} compile_ns={} run_ns={} peak_compile_kib={} peak_kib={} tier_functions={} tier_osr={} tier_nested={}",
            self.wasm_bytes,
            self.ir_insts,
            self.code_bytes,
            self.compile.as_nanos(),
            self.run.as_nanos(),
            self.peak_compile_kib,
            self.peak_kib,
            self.tier_functions,
            self.tier_osr,
            self.tier_nested
        )
    }

    /// Parses the form [`RunStats::to_line`] prints.
    pub fn from_line(line: &str) -> Option<RunStats> {
        let rest = line.strip_prefix("lathe-stats: ")?;
        let mut stats = RunStats::default();
        for field in rest.split_whitespace() {
            let (key, value) = field.split_once('=')?;
            let n: u64 = value.parse().ok()?;
            match key {
                "wasm_bytes" => stats.wasm_bytes = n as usize,
                "ir_insts" => stats.ir_insts = n as usize,
                "code_bytes" => stats.code_bytes = n as usize,
                "compile_ns" => stats.compile = Duration::from_nanos(n),
                "run_ns" => stats.run = Duration::from_nanos(n),
                "peak_compile_kib" => stats.peak_compile_kib = n,
                "peak_kib" => stats.peak_kib = n,
                "tier_functions" => stats.tier_functions = n,
                "tier_osr" => stats.tier_osr = n,
                "tier_nested" => stats.tier_nested = n,
                _ => return None,
            }
        }
        Some(stats)
    }
}

/// What bounds a guest's time and memory.
struct Limits {
    timeout: Option<Duration>,
    fuel: Option<u64>,
    max_memory: Option<u64>,
    preopens: Vec<wasi::Preopen>,
    listeners: Vec<std::net::TcpListener>,
    env: Vec<String>,
}

/// Runs a Wasm program; returns its exit code and what was measured.
fn run_inner(
    file: String,
    invoke: Option<String>,
    args: Vec<String>,
    config: Config,
    limits: Limits,
) -> Result<(i32, RunStats), String> {
    let bytes = module_bytes(&file)?;
    let engine = Engine::new(config).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let module = if lathe_wasm::runtime::precompiled::is_precompiled(&bytes) {
        Module::deserialize(&engine, &bytes).map_err(|e| format!("{file}: {e}"))?
    } else {
        Module::new(&engine, &bytes).map_err(|e| e.to_string())?
    };
    if let Some(e) = module.debug_info_error() {
        eprintln!("warning: {file}: the module's DWARF is unreadable ({e}); debugging without source lines");
    }
    let mut stats = RunStats {
        wasm_bytes: bytes.len(),
        ir_insts: module.ir_instructions(),
        code_bytes: module.code_size(),
        compile: start.elapsed(),
        peak_compile_kib: crate::bench::peak_memory_kib().unwrap_or(0),
        ..RunStats::default()
    };
    let start = Instant::now();
    let mut store = Store::new(&engine);
    if let Some(fuel) = limits.fuel {
        store.set_fuel(fuel);
    }
    if let Some(bytes) = limits.max_memory {
        store.set_max_memory(bytes);
    }
    // Set with the interrupt: a guest blocked in a WASI call (an accept, a poll) gets
    // `EINTR` and returns to its code, where the interrupt traps.
    let cancel_waits = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(timeout) = limits.timeout {
        // The watchdog outlives the run harmlessly: interrupting an idle store only makes
        // its next call stop, and the process is about to exit.
        let handle = store.interrupt_handle();
        let cancel = cancel_waits.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            handle.interrupt();
            cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    let mut argv = vec![file.clone()];
    if invoke.is_none() {
        argv.extend(args.iter().cloned());
    }
    let mut ctx = WasiCtx::new(argv, limits.env, limits.preopens);
    ctx.listeners = limits.listeners;
    if limits.timeout.is_some() {
        ctx.waits.cancel = Some(cancel_waits);
    }
    let imports = wasi::imports(&mut store, &module, ctx).map_err(|e| e.to_string())?;
    let mut finish = |code: i32, tier: Option<lathe_wasm::runtime::TierStats>| {
        stats.run = start.elapsed();
        stats.peak_kib = crate::bench::peak_memory_kib().unwrap_or(0);
        if let Some(tier) = tier {
            stats.tier_functions = tier.functions as u64;
            stats.tier_osr = tier.osr_transfers as u64;
            stats.tier_nested = tier.nested_transfers as u64;
        }
        Ok((code, stats.clone()))
    };
    let inst = match store.instantiate(&module, &imports) {
        Err(WasmError::Exit(code)) => return finish(code, store.tier_stats()),
        r => r.map_err(|e| e.to_string())?,
    };
    let name = invoke.clone().unwrap_or_else(|| "_start".to_string());
    let Some(Extern::Func(f)) = store.export(inst, &name) else { return Err(format!("no exported function {name:?}")) };
    let call_args = if invoke.is_some() {
        let ty = store.func_type(f).clone();
        if ty.params().len() != args.len() {
            return Err(format!("{name} takes {} arguments, {} given", ty.params().len(), args.len()));
        }
        args.iter().zip(ty.params()).map(|(a, &t)| parse_arg(a, t)).collect::<Result<Vec<_>, _>>()?
    } else {
        vec![]
    };
    match store.call(f, &call_args) {
        Ok(results) => {
            let done = finish(0, store.tier_stats());
            if invoke.is_some() {
                println!("{}", results.iter().map(show).collect::<Vec<_>>().join(" "));
            }
            done
        }
        Err(WasmError::Exit(code)) => finish(code, store.tier_stats()),
        Err(e) => Err(e.to_string()),
    }
}

/// How `lathe run` runs a Wasm program (the flags besides the file and its arguments).
pub struct RunOptions {
    /// The `--opt-level`: `speed`, `none` or `baseline`.
    pub opt_level: lathe_codegen::settings::OptLevel,
    /// `--tier auto`: tiered execution (then `opt_level` does not matter).
    pub tiering: Option<lathe_wasm::runtime::Tiering>,
    /// Print a `lathe-stats:` line at the end.
    pub stats: bool,
    /// The `--profile` strategy's name.
    pub profile: String,
    /// `-g`: describe the code to gdb.
    pub debug_info: bool,
    /// `--timeout`: interrupt the guest after this long.
    pub timeout: Option<Duration>,
    /// `--fuel`: the fuel the guest gets.
    pub fuel: Option<u64>,
    /// `--max-memory`: the most bytes a memory may grow to.
    pub max_memory: Option<u64>,
    /// What the program sees of the host.
    pub wasi: WasiOptions,
}

/// `--dir`, `--dir-ro`, `--env`, `--inherit-env`, `--tcplisten`.
pub struct WasiOptions {
    /// `HOST[::GUEST]` directories to grant.
    pub dirs: Vec<String>,
    /// The same, read-only.
    pub dirs_ro: Vec<String>,
    /// `NAME=VALUE` variables.
    pub env: Vec<String>,
    /// Pass the host's variables too.
    pub inherit_env: bool,
    /// Addresses to listen on and hand to the guest.
    pub tcplisten: Vec<String>,
}

impl WasiOptions {
    /// Binds and listens on each `--tcplisten` address, in order.
    fn listeners(&self) -> Result<Vec<std::net::TcpListener>, String> {
        self.tcplisten
            .iter()
            .map(|addr| std::net::TcpListener::bind(addr).map_err(|e| format!("--tcplisten {addr}: {e}")))
            .collect()
    }

    /// The preopens, in the order given (`--dir` ones first), and the environment.
    fn resolve(&self) -> Result<(Vec<wasi::Preopen>, Vec<String>), String> {
        let preopen = |spec: &String, read_only: bool| {
            let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
            if host.is_empty() || guest.is_empty() {
                return Err(format!("--dir {spec}: expected HOST or HOST::GUEST"));
            }
            Ok(wasi::Preopen { host: host.into(), guest: guest.to_string(), read_only })
        };
        let dirs = self.dirs.iter().map(|d| preopen(d, false));
        let preopens = dirs.chain(self.dirs_ro.iter().map(|d| preopen(d, true))).collect::<Result<Vec<_>, _>>()?;
        let mut env: Vec<String> =
            if self.inherit_env { std::env::vars().map(|(k, v)| format!("{k}={v}")).collect() } else { vec![] };
        for e in &self.env {
            if !e.contains('=') {
                return Err(format!("--env {e}: expected NAME=VALUE"));
            }
            env.push(e.clone());
        }
        Ok((preopens, env))
    }
}

/// A `--timeout` value: a number with a unit (`ms`, `s`, `m`, `h`), or seconds alone.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number.parse().map_err(|_| format!("`{s}` is not a duration (e.g. 1s, 500ms, 2m)"))?;
    let seconds = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        other => return Err(format!("unknown unit `{other}` in `{s}` (use ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{s}`: {e}"))
}

/// `lathe run` on a Wasm file: compiled at `opt_level`; with `stats`, a
/// [`RunStats`] line goes to stderr at the end; its code reported to the profiler named by
/// `profile` (one of [`lathe_wasm::ProfilingStrategy::NAMES`]); with `debug_info`,
/// described to gdb.
pub fn cmd_run(file: &Path, invoke: Option<String>, args: Vec<String>, options: RunOptions) -> ExitCode {
    let RunOptions { opt_level, tiering, stats, profile, debug_info, timeout, fuel, max_memory, wasi } = options;
    let (preopens, env, listeners) = match wasi.resolve().and_then(|(p, e)| Ok((p, e, wasi.listeners()?))) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let file = file.display().to_string();
    let profiler = match profile.parse().and_then(Profiler::new) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = Config {
        optimize: opt_level == OptLevel::Speed,
        baseline: opt_level == OptLevel::Baseline,
        tiering,
        profiler,
        debug_info,
        interruptible: timeout.is_some(),
        consume_fuel: fuel.is_some(),
        ..Config::default()
    };
    let limits = Limits { timeout, fuel, max_memory, preopens, listeners, env };
    match on_big_stack(move || run_inner(file, invoke, args, config, limits)) {
        Ok((code, measured)) => {
            if stats {
                eprintln!("{}", measured.to_line());
            }
            ExitCode::from(code as u8)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `lathe wast <file>`.
pub fn cmd_wast(file: &Path) -> ExitCode {
    let name = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {name}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match on_big_stack(move || lathe_wasm::wast_runner::run_wast(&text, Config::default())) {
        Ok(report) => {
            for f in &report.failures {
                println!("{name}: {f}");
            }
            println!("{} passed, {} failed", report.passed, report.failures.len());
            if report.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            eprintln!("error: {name}: {e}");
            ExitCode::FAILURE
        }
    }
}
