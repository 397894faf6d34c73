//! Wasm exception handling (`tag`, `throw`, `throw_ref`, `try_table`): exceptions thrown
//! through many frames and caught by tag with their values, `catch_all_ref` and
//! `throw_ref` keeping an exception's identity, nested handlers in one function, values
//! live across calls that throw, handlers reached through `call_indirect` and another
//! instance, host functions throwing into Wasm, and exceptions no frame catches reaching
//! the host.

mod common;
use common::{call, setup, wat};

use lathe_wasm::runtime::InstanceHandle;
use lathe_wasm::{Config, Engine, Exception, Extern, Module, Store, Val, WasmError};
use wasmparser::{FuncType, ValType};

fn engine(optimize: bool) -> Engine {
    Engine::new(Config { optimize, ..Config::default() }).expect("host engine")
}

const PROGRAM: &str = r#"
(module
  (tag $deep (export "deep") (param i32 i64 f64))
  (tag $other (export "other") (param i32))
  (tag $empty)
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $dive_indirect)

  ;; Recurses `n` frames, then throws $deep with the depth, a 64-bit value and a float.
  (func $dive (param $n i32) (param $depth i32) (result i32)
    (if (i32.eqz (local.get $n))
      (then (throw $deep (local.get $depth) (i64.const 0x1234_5678_9abc) (f64.const 2.5))))
    (i32.add (i32.const 1)
      (call $dive (i32.sub (local.get $n) (i32.const 1)) (i32.add (local.get $depth) (i32.const 1)))))

  ;; Catches $deep thrown `n` frames down; returns depth + the low bits of the i64 +
  ;; the float truncated, so every value is checked.
  (func (export "catch_deep") (param $n i32) (result i64)
    (local $d i32) (local $x i64) (local $f f64)
    (block $h (result i32 i64 f64)
      (try_table (catch $deep $h)
        (drop (call $dive (local.get $n) (i32.const 0))))
      (return (i64.const -1)))
    (local.set $f) (local.set $x) (local.set $d)
    (i64.add (i64.extend_i32_u (local.get $d))
      (i64.add (i64.and (local.get $x) (i64.const 0xffff)) (i64.trunc_f64_s (local.get $f)))))

  ;; Values in locals survive a call that throws and is caught in the same function.
  (func (export "live_across") (param $a i32) (result i32)
    (local $b i32) (local $c i32)
    (local.set $b (i32.mul (local.get $a) (i32.const 3)))
    (local.set $c (i32.add (local.get $a) (i32.const 7)))
    (block $h
      (try_table (catch_all $h)
        (drop (call $dive (i32.const 5) (i32.const 0)))))
    (i32.add (local.get $a) (i32.add (local.get $b) (local.get $c))))

  ;; catch_all_ref takes the exception whole; throw_ref rethrows the same one, which an
  ;; outer handler then catches by tag with catch_ref: both refs name one exception.
  (func (export "rethrow") (param $v i32) (result i32)
    (local $first exnref)
    (block $outer (result i32 exnref)
      (try_table (catch_ref $other $outer)
        (block $inner (result exnref)
          (try_table (catch_all_ref $inner)
            (throw $other (local.get $v)))
          (unreachable))
        (local.tee $first)
        (throw_ref))
      (unreachable))
    ;; Stack: value, exnref of the outer catch.
    (drop)
    (i32.add (i32.const 1000)))

  ;; An inner handler for another tag lets $deep pass to the outer one; a handler that
  ;; does not match in one function hands over to the enclosing one in the same function.
  (func (export "nested") (result i32)
    (block $h_deep (result i32 i64 f64)
      (block $h_empty
        (drop (block $h_other (result i32)
          (try_table (catch $deep $h_deep)
            (try_table (catch $other $h_other) (catch $empty $h_empty)
              (drop (call $dive (i32.const 3) (i32.const 40))))
            (unreachable))
          (unreachable)))
        (return (i32.const -2)))
      (return (i32.const -3)))
    (drop) (drop))

  ;; A throw after an inner handler caught goes to the next handler out.
  (func (export "throw_from_catch") (result i32)
    (block $h2 (result i32)
      (try_table (catch $other $h2)
        (block $h1
          (try_table (catch_all $h1)
            (throw $empty))
          (unreachable))
        (throw $other (i32.const 77)))
      (unreachable)))

  ;; Through call_indirect.
  (func $dive_indirect (type $t)
    (call $dive (local.get 0) (i32.const 0)))
  (func (export "indirect") (param $n i32) (result i32)
    (block $h (result i32 i64 f64)
      (try_table (catch $deep $h)
        (return (call_indirect (type $t) (local.get $n) (i32.const 0))))
      (unreachable))
    (drop) (drop))

  ;; Nothing catches: the exception reaches the host.
  (func (export "uncaught") (param $v i32)
    (throw $other (local.get $v)))

  ;; A try_table in a loop, each iteration throwing and catching: the loop goes on.
  (func (export "many") (param $n i32) (result i32)
    (local $caught i32)
    (loop $again
      (block $h (result i32)
        (try_table (catch $other $h)
          (throw $other (local.get $n)))
        (unreachable))
      (local.set $caught (i32.add (local.get $caught) (i32.const 1)))
      (drop)
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $caught))
)
"#;

fn program(optimize: bool) -> (Store, InstanceHandle) {
    setup(PROGRAM, Config { optimize, ..Config::default() })
}

#[test]
fn thrown_through_a_hundred_frames_and_caught_by_tag() {
    for optimize in [false, true] {
        let (mut store, inst) = program(optimize);
        // depth 100 + 0x9abc + 2.
        assert_eq!(call(&mut store, inst, "catch_deep", &[Val::I32(100)]).unwrap(), [Val::I64(100 + 0x9abc + 2)]);
        assert_eq!(call(&mut store, inst, "catch_deep", &[Val::I32(0)]).unwrap(), [Val::I64(0x9abc + 2)]);
        assert_eq!(call(&mut store, inst, "catch_deep", &[Val::I32(5000)]).unwrap(), [Val::I64(5000 + 0x9abc + 2)]);
    }
}

#[test]
fn locals_survive_a_caught_call() {
    for optimize in [false, true] {
        let (mut store, inst) = program(optimize);
        assert_eq!(call(&mut store, inst, "live_across", &[Val::I32(10)]).unwrap(), [Val::I32(10 + 30 + 17)]);
    }
}

#[test]
fn catch_all_ref_and_throw_ref_keep_the_exception() {
    for optimize in [false, true] {
        let (mut store, inst) = program(optimize);
        assert_eq!(call(&mut store, inst, "rethrow", &[Val::I32(5)]).unwrap(), [Val::I32(1005)]);
        assert_eq!(call(&mut store, inst, "nested", &[]).unwrap(), [Val::I32(43)]);
        assert_eq!(call(&mut store, inst, "throw_from_catch", &[]).unwrap(), [Val::I32(77)]);
        assert_eq!(call(&mut store, inst, "indirect", &[Val::I32(7)]).unwrap(), [Val::I32(7)]);
        assert_eq!(call(&mut store, inst, "many", &[Val::I32(1000)]).unwrap(), [Val::I32(1000)]);
    }
}

#[test]
fn an_uncaught_exception_reaches_the_host_with_its_values() {
    let (mut store, inst) = program(true);
    let Some(Extern::Tag(other)) = store.export(inst, "other") else { panic!("tag export") };
    match call(&mut store, inst, "uncaught", &[Val::I32(42)]) {
        Err(WasmError::Exception(e)) => assert_eq!(e, Exception { tag: other, values: vec![Val::I32(42)] }),
        other => panic!("expected an exception, got {other:?}"),
    }
    // The store is usable afterwards.
    assert_eq!(call(&mut store, inst, "catch_deep", &[Val::I32(3)]).unwrap(), [Val::I64(3 + 0x9abc + 2)]);
}

#[test]
fn host_functions_throw_into_wasm_and_see_wasm_exceptions() {
    let engine = engine(true);
    let mut store = Store::new(&engine);
    let tag = store.tag(FuncType::new([ValType::I64], [])).unwrap();
    let Extern::Tag(tag_handle) = tag else { unreachable!() };
    let thrower = store.host_func(
        FuncType::new([ValType::I64], []),
        Box::new(move |_, args| Err(WasmError::Exception(Exception { tag: tag_handle, values: args.to_vec() }))),
    );
    let src = r#"
    (module
      (import "host" "tag" (tag $t (param i64)))
      (import "host" "throw" (func $throw (param i64)))
      (func $middle (param i64) (call $throw (local.get 0)))
      (func (export "catch") (param i64) (result i64)
        (block $h (result i64)
          (try_table (catch $t $h) (call $middle (local.get 0)))
          (return (i64.const -1)))
        (i64.add (i64.const 1)))
      (func (export "pass") (param i64) (call $throw (local.get 0))))
    "#;
    let module = Module::new(&engine, &wat(src)).unwrap();
    let inst = store.instantiate(&module, &[tag, thrower]).unwrap();
    assert_eq!(call(&mut store, inst, "catch", &[Val::I64(41)]).unwrap(), [Val::I64(42)]);
    match call(&mut store, inst, "pass", &[Val::I64(9)]) {
        Err(WasmError::Exception(e)) => assert_eq!(e, Exception { tag: tag_handle, values: vec![Val::I64(9)] }),
        other => panic!("expected an exception, got {other:?}"),
    }
    // A host exception of a tag the store does not have is the host's error.
    let bad = store.host_func(
        FuncType::new([ValType::I64], []),
        Box::new(|_, _| Err(WasmError::Exception(Exception { tag: 999, values: vec![] }))),
    );
    let inst = store.instantiate(&module, &[tag, bad]).unwrap();
    assert!(matches!(call(&mut store, inst, "catch", &[Val::I64(1)]), Err(WasmError::Host(_))));
}

#[test]
fn imported_tags_catch_what_the_exporter_throws() {
    let engine = engine(true);
    let mut store = Store::new(&engine);
    let a = r#"
    (module
      (tag $e (export "e") (param i32))
      (func (export "throw") (param i32) (throw $e (local.get 0))))
    "#;
    let b = r#"
    (module
      (import "a" "e" (tag $e (param i32)))
      (tag $mine (param i32))
      (import "a" "throw" (func $throw (param i32)))
      (func (export "run") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $mine $h) (catch $e $h) (call $throw (local.get 0)))
          (return (i32.const -1)))))
    "#;
    let ma = Module::new(&engine, &wat(a)).unwrap();
    let mb = Module::new(&engine, &wat(b)).unwrap();
    let ia = store.instantiate(&ma, &[]).unwrap();
    let e = store.export(ia, "e").unwrap();
    let throw = store.export(ia, "throw").unwrap();
    let ib = store.instantiate(&mb, &[e, throw]).unwrap();
    assert_eq!(call(&mut store, ib, "run", &[Val::I32(6)]).unwrap(), [Val::I32(6)]);
    // A second instance of `a` has its own tag: `b`'s import of the first does not catch it.
    let ia2 = store.instantiate(&ma, &[]).unwrap();
    let throw2 = store.export(ia2, "throw").unwrap();
    let ib2 = store.instantiate(&mb, &[e, throw2]).unwrap();
    assert!(matches!(call(&mut store, ib2, "run", &[Val::I32(6)]), Err(WasmError::Exception(_))));
    // Tag types must match at link time.
    let wrong = r#"(module (import "a" "e" (tag (param i64))))"#;
    let mw = Module::new(&engine, &wat(wrong)).unwrap();
    assert!(matches!(store.instantiate(&mw, &[e]), Err(WasmError::Link(_))));
}
