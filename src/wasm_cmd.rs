//! The Wasm subcommands: `lathe run prog.wasm [args...]` (WASI `_start`), `lathe run
//! --invoke <export> prog.wasm <args...>` (prints the results), and `lathe wast <file>`
//! (prints each failed assertion). Wasm runs on a thread with a fixed 64 MiB stack so that
//! unbounded recursion is caught as a stack-overflow trap.

use lathe_wasm::wasi::{self, WasiCtx};
use lathe_wasm::{Config, Engine, Extern, Module, Store, Val, WasmError};
use std::path::Path;
use std::process::ExitCode;

/// Whether `lathe run` should treat `file` as Wasm.
pub fn is_wasm(file: &Path) -> bool {
    matches!(file.extension().and_then(|e| e.to_str()), Some("wasm" | "wat"))
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
        other => return Err(format!("cannot pass a {other:?} from the command line")),
    })
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::FuncRef(r) | Val::ExternRef(r) => format!("{r:?}"),
    }
}

fn run_inner(file: String, invoke: Option<String>, args: Vec<String>) -> Result<i32, String> {
    let bytes = std::fs::read(&file).map_err(|e| format!("{file}: {e}"))?;
    let bytes = if file.ends_with(".wat") {
        let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
        let buf = wast::parser::ParseBuffer::new(&text).map_err(|e| e.to_string())?;
        let mut w: wast::Wat = wast::parser::parse(&buf).map_err(|e| e.to_string())?;
        w.encode().map_err(|e| e.to_string())?
    } else {
        bytes
    };
    let engine = Engine::new(Config::default()).map_err(|e| e.to_string())?;
    let module = Module::new(&engine, &bytes).map_err(|e| e.to_string())?;
    let mut store = Store::new(&engine);
    let mut argv = vec![file.clone()];
    if invoke.is_none() {
        argv.extend(args.iter().cloned());
    }
    let env = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    let imports = wasi::imports(&mut store, &module, WasiCtx { args: argv, env }).map_err(|e| e.to_string())?;
    let inst = match store.instantiate(&module, &imports) {
        Err(WasmError::Exit(code)) => return Ok(code),
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
            if invoke.is_some() {
                println!("{}", results.iter().map(show).collect::<Vec<_>>().join(" "));
            }
            Ok(0)
        }
        Err(WasmError::Exit(code)) => Ok(code),
        Err(e) => Err(e.to_string()),
    }
}

/// `lathe run` on a Wasm file.
pub fn cmd_run(file: &Path, invoke: Option<String>, args: Vec<String>) -> ExitCode {
    let file = file.display().to_string();
    match on_big_stack(move || run_inner(file, invoke, args)) {
        Ok(code) => ExitCode::from(code as u8),
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
