//! Embedding Lathe's Wasm runtime in a Rust program: `cargo run -p lathe-wasm --example embed`.
//!
//! A guest (inline WAT) imports two host functions through a `Linker`: `host.print`
//! reads a string out of the guest's memory and prints it, and `host.next_id` counts
//! calls in the store's host data. The host instantiates the guest, calls its exports
//! through `TypedFunc`s, and prints the results. A resource limiter caps the guest's
//! memory, so its attempt to grow past it fails (and the guest sees -1).
//!
//! The work is in [`run`], which writes to any `Write`: `main` gives it stdout, and the
//! test `wasm/tests/example_embed.rs` includes this file and checks what `run` writes.

use lathe_wasm::runtime::{Linker, StoreLimits, TypedCaller};
use lathe_wasm::{Config, Engine, Module, Store, WasmError};
use std::io::Write;

const GUEST: &str = r#"(module
  (import "host" "print" (func $print (param i32 i32)))
  (import "host" "next_id" (func $next_id (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from the guest")
  (func (export "greet") (result i32)
    (call $print (i32.const 0) (i32.const 20))
    (call $next_id))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))"#;

/// The store's host data: where `print` writes, and the last id handed out.
struct Host {
    out: Box<dyn Write>,
    last_id: i32,
}

/// Runs the guest, writing what it prints and the results of the calls to `out`.
pub fn run(out: Box<dyn Write>) -> Result<(), WasmError> {
    let engine = Engine::new(Config::default())?;
    let bytes = wat(GUEST)?;
    let module = Module::new(&engine, &bytes)?;

    let mut linker = Linker::<Host>::new();
    linker.func_wrap("host", "print", |mut caller: TypedCaller<'_, Host>, ptr: u32, len: u32| {
        let (host, memory) = caller.data_and_memory();
        let text = memory
            .and_then(|m| m.get(ptr as usize..(ptr as usize).checked_add(len as usize)?))
            .ok_or_else(|| WasmError::Host(format!("print: {len} bytes at {ptr} are outside the memory")))?;
        writeln!(host.out, "guest says: {}", String::from_utf8_lossy(text)).map_err(|e| WasmError::Host(e.to_string()))
    })?;
    linker.func_wrap("host", "next_id", |mut caller: TypedCaller<'_, Host>| {
        caller.data().last_id += 1;
        caller.data().last_id
    })?;

    let mut store = Store::new(&engine);
    store.set_state(Host { out, last_id: 0 });
    // Two pages of memory at most (the guest starts with one).
    store.set_limiter(Box::new(StoreLimits { memory_size: Some(2 * 65536), ..StoreLimits::default() }));
    let instance = linker.instantiate(&mut store, &module)?;

    let greet = store.typed_func::<(), i32>(instance, "greet")?;
    let add = store.typed_func::<(i32, i32), i32>(instance, "add")?;
    let grow = store.typed_func::<i32, i32>(instance, "grow")?;
    let first = greet.call(&mut store, ())?;
    let second = greet.call(&mut store, ())?;
    let sum = add.call(&mut store, (40, 2))?;
    let grown = grow.call(&mut store, 1)?;
    let refused = grow.call(&mut store, 1)?;

    let host = store.state::<Host>().ok_or_else(|| WasmError::Host("the host data is gone".into()))?;
    let results =
        format!("ids: {first}, {second}\nadd(40, 2) = {sum}\ngrow(1) = {grown}, then {refused} (past the limiter)");
    writeln!(host.out, "{results}").map_err(|e| WasmError::Host(e.to_string()))?;
    host.out.flush().map_err(|e| WasmError::Host(e.to_string()))
}

/// The binary encoding of a WAT module.
fn wat(text: &str) -> Result<Vec<u8>, WasmError> {
    let invalid = |e: wast::Error| WasmError::Invalid(e.to_string());
    let buf = wast::parser::ParseBuffer::new(text).map_err(invalid)?;
    let mut module: wast::Wat = wast::parser::parse(&buf).map_err(invalid)?;
    module.encode().map_err(invalid)
}

#[allow(dead_code)] // The test that includes this file calls `run` only.
fn main() {
    if let Err(e) = run(Box::new(std::io::stdout())) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
