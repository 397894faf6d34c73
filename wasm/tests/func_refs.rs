//! Wasm typed function references: `call_ref` through a typed table and a typed global,
//! `return_call_ref` recursion a million deep in constant stack, `br_on_null` and
//! `br_on_non_null` both ways, the null traps of `ref.as_non_null` and `call_ref`, and
//! typed references across instances (import type checks, `call_indirect` type identity),
//! and the checks on typed references the host hands in (arguments, globals, tables).

mod common;
use common::{call, setup, trap_of, wat};

use lathe_wasm::runtime::InstanceHandle;
use lathe_wasm::runtime::Linker;
use lathe_wasm::{Config, Engine, Extern, Module, Store, Val, WasmError, WasmTrap};

const PROGRAM: &str = r#"
(module
  (type $binop (func (param i32 i32) (result i32)))
  (type $count (func (param i64 i64) (result i64)))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  ;; A table of non-nullable typed references, every element $add to begin with.
  (table $ops 2 (ref $binop) (ref.func $add))
  (elem (table $ops) (i32.const 1) (ref $binop) (ref.func $sub))
  (global $op (mut (ref null $binop)) (ref.null $binop))
  (elem declare func $count)

  (func (export "table_op") (param $i i32) (param $a i32) (param $b i32) (result i32)
    (call_ref $binop (local.get $a) (local.get $b) (table.get $ops (local.get $i))))
  (func (export "set_global") (param $i i32)
    (global.set $op (table.get $ops (local.get $i))))
  (func (export "clear_global")
    (global.set $op (ref.null $binop)))
  (func (export "global_op") (param $a i32) (param $b i32) (result i32)
    (call_ref $binop (local.get $a) (local.get $b) (global.get $op)))
  (func (export "non_null") (result i32)
    (call_ref $binop (i32.const 1) (i32.const 2) (ref.as_non_null (global.get $op))))

  ;; 1 when the global holds null (br_on_null taken), else the function's result on 10, 3.
  (func (export "on_null") (result i32)
    (local $f (ref $binop))
    (block $null
      (local.set $f (br_on_null $null (global.get $op)))
      (return (call_ref $binop (i32.const 10) (i32.const 3) (local.get $f))))
    (i32.const -1))
  ;; The function's result on 10, 3 when the global is non-null (br_on_non_null taken),
  ;; else -2.
  (func (export "on_non_null") (result i32)
    (call_ref $binop (i32.const 10) (i32.const 3)
      (block $some (result (ref $binop))
        (br_on_non_null $some (global.get $op))
        (return (i32.const -2)))))

  ;; Counts down by tail calls through a reference to itself.
  (func $count (type $count) (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call_ref $count
        (i64.sub (local.get $n) (i64.const 1))
        (i64.add (local.get $acc) (i64.const 2))
        (ref.func $count)))))
  (func (export "count") (param i64) (result i64)
    (return_call_ref $count (local.get 0) (i64.const 0) (ref.func $count))))
"#;

fn instance() -> (Store, InstanceHandle) {
    setup(PROGRAM, Config::default())
}

#[test]
fn call_ref_through_a_typed_table_and_global() {
    let (mut s, i) = instance();
    assert_eq!(call(&mut s, i, "table_op", &[Val::I32(0), Val::I32(7), Val::I32(5)]).unwrap(), [Val::I32(12)]);
    assert_eq!(call(&mut s, i, "table_op", &[Val::I32(1), Val::I32(7), Val::I32(5)]).unwrap(), [Val::I32(2)]);
    assert_eq!(trap_of(call(&mut s, i, "global_op", &[Val::I32(7), Val::I32(5)])), WasmTrap::NullFunctionReference);
    call(&mut s, i, "set_global", &[Val::I32(1)]).unwrap();
    assert_eq!(call(&mut s, i, "global_op", &[Val::I32(7), Val::I32(5)]).unwrap(), [Val::I32(2)]);
    assert_eq!(call(&mut s, i, "non_null", &[]).unwrap(), [Val::I32(-1)]);
}

#[test]
fn ref_as_non_null_traps_on_null() {
    let (mut s, i) = instance();
    assert_eq!(trap_of(call(&mut s, i, "non_null", &[])), WasmTrap::NullReference);
}

#[test]
fn br_on_null_and_br_on_non_null_both_ways() {
    let (mut s, i) = instance();
    assert_eq!(call(&mut s, i, "on_null", &[]).unwrap(), [Val::I32(-1)]);
    assert_eq!(call(&mut s, i, "on_non_null", &[]).unwrap(), [Val::I32(-2)]);
    call(&mut s, i, "set_global", &[Val::I32(0)]).unwrap();
    assert_eq!(call(&mut s, i, "on_null", &[]).unwrap(), [Val::I32(13)]);
    assert_eq!(call(&mut s, i, "on_non_null", &[]).unwrap(), [Val::I32(13)]);
    call(&mut s, i, "clear_global", &[]).unwrap();
    assert_eq!(call(&mut s, i, "on_null", &[]).unwrap(), [Val::I32(-1)]);
}

#[test]
fn return_call_ref_recursion_runs_in_constant_stack() {
    // A million ordinary calls would pass the store's stack limit and trap.
    let (mut s, i) = instance();
    assert_eq!(call(&mut s, i, "count", &[Val::I64(1_000_000)]).unwrap(), [Val::I64(2_000_000)]);
}

/// A module exporting a typed global, a typed table and a function whose parameter is a
/// typed reference; the type `$f` it names is defined after an unrelated type, so its
/// index differs from the importer's.
const EXPORTER: &str = r#"
(module
  (type $other (func (param f64)))
  (type $f (func (result i32)))
  (type $takes (func (param (ref $f)) (result i32)))
  (func $seven (type $f) (i32.const 7))
  (func $apply (export "apply") (type $takes) (call_ref $f (local.get 0)))
  (global (export "g") (ref $f) (ref.func $seven))
  (table (export "t") 1 (ref null $takes) (ref.func $apply)))
"#;

#[test]
fn typed_references_link_across_instances_by_type_not_index() {
    let engine = Engine::new(Config::default()).unwrap();
    let mut store = Store::new(&engine);
    let mut linker: Linker<()> = Linker::new();
    let exporter = Module::new(&engine, &wat(EXPORTER)).unwrap();
    let e = linker.instantiate(&mut store, &exporter).unwrap();
    linker.instance(&store, "e", e).unwrap();

    // The same types at other indices: imports match, and `call_indirect` finds the
    // table's function of the type it names.
    let importer = r#"
    (module
      (type $f (func (result i32)))
      (type $takes (func (param (ref $f)) (result i32)))
      (import "e" "g" (global $g (ref null $f)))
      (import "e" "apply" (func $apply (type $takes)))
      (import "e" "t" (table $t 1 (ref null $takes)))
      (func (export "run") (result i32)
        (i32.add
          (call $apply (ref.as_non_null (global.get $g)))
          (call_indirect $t (type $takes) (ref.as_non_null (global.get $g)) (i32.const 0)))))
    "#;
    let m = Module::new(&engine, &wat(importer)).unwrap();
    let i = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(call(&mut store, i, "run", &[]).unwrap(), [Val::I32(14)]);

    // A global of another function type, a table of another element type (tables are
    // invariant) and a non-nullable global expected where a nullable one is given are
    // each refused at link time.
    for (what, import) in [
        ("global type", r#"(type $x (func (result i64))) (import "e" "g" (global (ref null $x)))"#),
        ("table element type", r#"(import "e" "t" (table 1 funcref))"#),
        (
            "function type",
            r#"(type $x (func (param (ref null func)) (result i32))) (import "e" "apply" (func (type $x)))"#,
        ),
    ] {
        let m = Module::new(&engine, &wat(&format!("(module {import})"))).unwrap();
        match linker.instantiate(&mut store, &m) {
            Err(WasmError::Link(_)) => {}
            other => panic!("{what}: expected a link error, got {other:?}"),
        }
    }
}

#[test]
fn host_arguments_of_a_typed_reference_are_checked() {
    let engine = Engine::new(Config::default()).unwrap();
    let mut store = Store::new(&engine);
    let exporter = Module::new(&engine, &wat(EXPORTER)).unwrap();
    let e = store.instantiate(&exporter, &[]).unwrap();
    let Some(Extern::Func(apply)) = store.export(e, "apply") else { panic!("no apply") };
    // `apply` itself is not of type `$f`, and null is not a `(ref $f)`.
    for arg in [Val::FuncRef(Some(apply)), Val::FuncRef(None)] {
        match store.call(apply, &[arg]) {
            Err(WasmError::Arguments(_)) => {}
            other => panic!("{arg:?}: expected an argument error, got {other:?}"),
        }
    }
}

#[test]
fn host_globals_and_tables_of_typed_references_are_checked() {
    let engine = Engine::new(Config::default()).unwrap();
    let mut store = Store::new(&engine);
    let exporter = Module::new(&engine, &wat(EXPORTER)).unwrap();
    let e = store.instantiate(&exporter, &[]).unwrap();
    let (Some(Extern::Func(apply)), Some(Extern::Global(g))) = (store.export(e, "apply"), store.export(e, "g")) else {
        panic!("no exports")
    };
    // The canonical `(ref $f)`, as the store knows it.
    let ty = store.global_type(g);
    let seven = store.global_get(g);
    let importer = Module::new(
        &engine,
        &wat(r#"(module (type $f (func (result i32))) (import "h" "g" (global $g (ref $f)))
                  (func (export "run") (result i32) (call_ref $f (global.get $g))))"#),
    )
    .unwrap();

    let good = store.global(ty, seven);
    let i = store.instantiate(&importer, &[good]).expect("a function of type $f fits");
    assert_eq!(call(&mut store, i, "run", &[]).unwrap(), [Val::I32(7)]);

    // `apply` is of another type: `call_ref` would call it with the wrong signature.
    let wrong = store.global(ty, Val::FuncRef(Some(apply)));
    match store.instantiate(&importer, &[wrong]) {
        Err(WasmError::Link(_)) => {}
        other => panic!("expected a link error, got {other:?}"),
    }

    // A host table starts with null elements, which a non-nullable type forbids.
    let table = wasmparser::TableType {
        element_type: wasmparser::RefType::FUNCREF.as_non_null(),
        table64: false,
        initial: 1,
        maximum: None,
        shared: false,
    };
    assert!(matches!(store.table(table), Err(WasmError::Unsupported(_))));
}
