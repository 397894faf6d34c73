//! Wasm tail calls (`return_call`, `return_call_indirect`): deep tail recursion runs in
//! constant stack, directly, through a table and into another instance, and a tail call
//! the backend cannot make in constant stack is an "unsupported" compile error.

mod common;
use common::wat;

use lathe_wasm::{Config, Engine, Extern, Module, Store, Val, WasmError};

fn call(store: &mut Store, inst: lathe_wasm::runtime::InstanceHandle, name: &str, args: &[Val]) -> Vec<Val> {
    let Some(Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
    store.call(f, args).expect("runs without a trap")
}

/// Ten million levels: far more than any stack holds as ordinary calls (the store's
/// stack limit traps `stk_ovf` long before).
const DEPTH: i64 = 10_000_000;

const PROGRAM: &str = r#"
(module
  (type $pred (func (param i64) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $even $odd)
  ;; Sum of 1..n with an accumulator, by direct self tail calls.
  (func $sum (export "sum") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $sum
        (i64.sub (local.get $n) (i64.const 1))
        (i64.add (local.get $acc) (local.get $n))))))
  ;; Mutual recursion through the table.
  (func $even (export "even") (type $pred)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 1))
      (else (return_call_indirect (type $pred)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))
  (func $odd (type $pred)
    (if (result i32) (i64.eqz (local.get 0))
      (then (i32.const 0))
      (else (return_call_indirect (type $pred)
        (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
  ;; Eight i64 parameters: on x86-64 the last three go on the stack (vmctx takes the
  ;; first register), and the tail call rewrites them in place.
  (func $spin (export "spin")
    (param $n i64) (param i64 i64 i64 i64 i64 i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.add (local.get $acc)
        (i64.add (local.get 1) (i64.add (local.get 2) (i64.add (local.get 3)
          (i64.add (local.get 4) (i64.add (local.get 5) (local.get 6))))))))
      (else (return_call $spin
        (i64.sub (local.get $n) (i64.const 1))
        (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 1)
        (i64.add (local.get $acc) (i64.const 1))))))
  ;; Two results.
  (func $swap (export "swap") (param $n i64) (param $a i32) (param $b i32) (result i32 i32)
    (if (result i32 i32) (i64.eqz (local.get $n))
      (then (local.get $a) (local.get $b))
      (else (return_call $swap
        (i64.sub (local.get $n) (i64.const 1)) (local.get $b) (local.get $a))))))
"#;

fn instance() -> (Store, lathe_wasm::runtime::InstanceHandle) {
    common::setup(PROGRAM, Config::default())
}

#[test]
fn direct_tail_recursion_ten_million_deep() {
    let (mut store, inst) = instance();
    let r = call(&mut store, inst, "sum", &[Val::I64(DEPTH), Val::I64(0)]);
    assert_eq!(r, vec![Val::I64(DEPTH * (DEPTH + 1) / 2)]);
}

#[test]
fn mutual_recursion_through_the_table_ten_million_deep() {
    let (mut store, inst) = instance();
    assert_eq!(call(&mut store, inst, "even", &[Val::I64(DEPTH)]), vec![Val::I32(1)]);
    assert_eq!(call(&mut store, inst, "even", &[Val::I64(DEPTH + 1)]), vec![Val::I32(0)]);
}

#[test]
fn stack_arguments_are_rewritten_in_place() {
    let (mut store, inst) = instance();
    let args = [1, 10, 100, 1000, 10_000, 100_000].map(Val::I64);
    let mut all = vec![Val::I64(DEPTH)];
    all.extend(args);
    all.push(Val::I64(0));
    // The six middle arguments rotate but keep their sum; the accumulator counts levels.
    assert_eq!(call(&mut store, inst, "spin", &all), vec![Val::I64(111_111 + DEPTH)]);
}

#[test]
fn multiple_results_pass_through() {
    let (mut store, inst) = instance();
    let r = call(&mut store, inst, "swap", &[Val::I64(DEPTH + 1), Val::I32(3), Val::I32(4)]);
    assert_eq!(r, vec![Val::I32(4), Val::I32(3)]);
}

#[test]
fn tail_call_into_another_instance() {
    let engine = Engine::new(Config::default()).expect("engine");
    let mut store = Store::new(&engine);
    let a = Module::new(&engine, &wat(PROGRAM)).expect("compiles");
    let a = store.instantiate(&a, &[]).expect("instantiates");
    let Some(sum) = store.export(a, "sum") else { panic!("no export sum") };
    let b = r#"
      (module
        (import "a" "sum" (func $sum (param i64 i64) (result i64)))
        (func (export "run") (param i64) (result i64)
          (return_call $sum (local.get 0) (i64.const 0))))"#;
    let b = Module::new(&engine, &wat(b)).expect("compiles");
    let b = store.instantiate(&b, &[sum]).expect("instantiates");
    assert_eq!(call(&mut store, b, "run", &[Val::I64(DEPTH)]), vec![Val::I64(DEPTH * (DEPTH + 1) / 2)]);
}

/// A tail call whose callee takes more stack arguments than the caller received cannot
/// reuse the caller's argument area (the caller's caller sized it): the backend reports
/// it, and the module does not compile, rather than running with a growing stack.
#[test]
fn tail_call_needing_more_argument_stack_is_unsupported() {
    let src = r#"
      (module
        (func $many (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64) (local.get 7))
        (func (export "few") (param i64) (result i64)
          (return_call $many (local.get 0) (local.get 0) (local.get 0) (local.get 0)
            (local.get 0) (local.get 0) (local.get 0) (local.get 0))))"#;
    let engine = Engine::new(Config::default()).expect("engine");
    match Module::new(&engine, &wat(src)) {
        Err(e @ WasmError::Codegen { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("unsupported") && msg.contains("tail call"), "{msg}");
        }
        other => panic!("expected an unsupported error, got {:?}", other.map(|_| ())),
    }
}
