//! Shared by the load, pool and thread tests: a tenant module that looks for what an
//! earlier tenant left behind and leaves a secret of its own, and helpers to call it.

// Each test binary uses part of this module.
#![allow(dead_code)]

use lathe_wasm::runtime::InstanceHandle;
use lathe_wasm::{Extern, Store, Val, WasmError, WasmTrap};

/// A store and one instance of the WAT module `src`, without imports.
pub fn setup(src: &str, config: lathe_wasm::Config) -> (Store, InstanceHandle) {
    let engine = lathe_wasm::Engine::new(config).expect("engine");
    let module = lathe_wasm::Module::new(&engine, &wat(src)).expect("compiles");
    let mut store = Store::new(&engine);
    let inst = store.instantiate(&module, &[]).expect("instantiates");
    (store, inst)
}

/// WAT text to module bytes.
pub fn wat(src: &str) -> Vec<u8> {
    let buf = wast::parser::ParseBuffer::new(src).expect("lexes");
    let mut w: wast::Wat = wast::parser::parse(&buf).expect("parses");
    w.encode().expect("encodes")
}

/// A tenant: one memory (1 page, up to 8), a table (4 elements), a mutable global.
///
/// - `leftovers` grows the memory by a page and counts the non-zero words of all of it,
///   the non-null table elements and a non-zero global: what an earlier tenant of the same
///   slots would show if they were not reset. A fresh instance must return 0.
/// - `write(secret)` writes the secret into every word of the (grown) memory, grows the
///   table by 4 and points every element at a function, and sets the global.
/// - `read(addr)` loads a word; `div(x)` divides 100 by `x` (traps on 0); `oob` loads past
///   the end of the memory; `recurse` never returns; `spin` loops until interrupted.
pub const TENANT: &str = r#"
(module
  (memory (export "mem") 1 8)
  (table $t 4 funcref)
  (global $g (mut i64) (i64.const 0))
  (func $f)
  (elem declare func $f)
  (func (export "leftovers") (result i32)
    (local $i i32) (local $end i32) (local $n i32)
    (drop (memory.grow (i32.const 1)))
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (if (i64.ne (i64.load (local.get $i)) (i64.const 0))
          (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $scan)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (table.size $t)))
        (if (i32.eqz (ref.is_null (table.get $t (local.get $i))))
          (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (if (i64.ne (global.get $g) (i64.const 0))
      (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
    (local.get $n))
  (func (export "write") (param $s i64)
    (local $i i32) (local $end i32)
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $fill
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (i64.store (local.get $i) (local.get $s))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $fill)))
    (drop (table.grow $t (ref.func $f) (i32.const 4)))
    (table.fill $t (i32.const 0) (ref.func $f) (table.size $t))
    (global.set $g (local.get $s)))
  (func (export "read") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 100) (local.get 0)))
  (func (export "oob") (result i32) (i32.load (i32.mul (memory.size) (i32.const 65536))))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "spin") (loop $l (br $l))))
"#;

/// Calls export `name` of `inst`.
pub fn call(store: &mut Store, inst: InstanceHandle, name: &str, args: &[Val]) -> Result<Vec<Val>, WasmError> {
    let Some(Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
    store.call(f, args)
}

/// The trap of a call that must trap.
pub fn trap_of(r: Result<Vec<Val>, WasmError>) -> WasmTrap {
    match r {
        Err(WasmError::Trap { trap, .. }) => trap,
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// One tenant's life in `store`: checks that it sees nothing of an earlier tenant, leaves
/// its secret, checks the secret reads back, traps twice and still answers. Returns the
/// address of the tenant's memory (to tell which slot it had).
pub fn tenant_cycle(store: &mut Store, inst: InstanceHandle, secret: i64) -> usize {
    assert_eq!(
        call(store, inst, "leftovers", &[]).unwrap(),
        [Val::I32(0)],
        "a fresh tenant sees no earlier tenant's data"
    );
    call(store, inst, "write", &[Val::I64(secret)]).unwrap();
    assert_eq!(call(store, inst, "read", &[Val::I32(65536 + 8)]).unwrap(), [Val::I64(secret)]);
    assert_eq!(trap_of(call(store, inst, "div", &[Val::I32(0)])), WasmTrap::IntegerDivideByZero);
    assert_eq!(trap_of(call(store, inst, "oob", &[])), WasmTrap::MemoryOutOfBounds);
    assert_eq!(call(store, inst, "div", &[Val::I32(7)]).unwrap(), [Val::I32(14)]);
    let Some(Extern::Memory(m)) = store.export(inst, "mem") else { panic!("no memory export") };
    store.memory_bytes(m).as_ptr() as usize
}
