//! The embedding API: `Linker` (host functions from typed closures, instances linked by
//! name), host data, `TypedFunc`, the resource limiter, and interruption with reuse.

mod common;
use common::wat;

use lathe_wasm::runtime::{
    ExternRef, FuncRef, InstanceHandle, Linker, ResourceLimiter, StoreLimits, TypedCaller, TypedFunc, V128,
};
use lathe_wasm::{Config, Engine, Extern, Module, Store, Val, WasmError, WasmTrap};
use std::cell::RefCell;
use std::rc::Rc;
use wasmparser::{FuncType, ValType};

fn engine() -> Engine {
    Engine::new(Config::default()).expect("engine")
}

fn module(engine: &Engine, src: &str) -> Module {
    Module::new(engine, &wat(src)).expect("compiles")
}

fn link_error(r: Result<InstanceHandle, WasmError>) -> String {
    match r {
        Err(WasmError::Link(m)) => m,
        other => panic!("expected a link error, got {other:?}"),
    }
}

fn limit_error(r: Result<InstanceHandle, WasmError>) -> String {
    match r {
        Err(WasmError::Limit(m)) => m,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn two_instances_link_by_name() {
    let engine = engine();
    let lib = module(
        &engine,
        r#"(module
          (memory (export "mem") 1)
          (global (export "base") (mut i32) (i32.const 100))
          (table (export "tab") 2 funcref)
          (elem (i32.const 1) $triple)
          (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
          (func (export "double") (param i32) (result i32) (i32.add (local.get 0) (local.get 0))))"#,
    );
    let app = module(
        &engine,
        r#"(module
          (import "lib" "double" (func $double (param i32) (result i32)))
          (import "lib" "mem" (memory 1))
          (import "lib" "base" (global $base (mut i32)))
          (import "lib" "tab" (table 2 funcref))
          (type $un (func (param i32) (result i32)))
          (func (export "run") (param i32) (result i32)
            (i32.store (i32.const 8) (call $double (local.get 0)))
            (global.set $base (i32.add (global.get $base) (i32.const 1)))
            (i32.add
              (i32.add (i32.load (i32.const 8)) (global.get $base))
              (call_indirect (type $un) (local.get 0) (i32.const 1)))))"#,
    );
    let mut store = Store::new(&engine);
    // No host function is imported, so the linker's data type need not be the store's.
    let mut linker = Linker::<String>::new();
    let lib_inst = linker.module(&mut store, "lib", &lib).expect("the library needs nothing");
    let app_inst = linker.instantiate(&mut store, &app).expect("the library satisfies the app");
    let run = store.typed_func::<i32, i32>(app_inst, "run").unwrap();
    // double(5) = 10 stored at 8; base 100 -> 101; triple(5) = 15.
    assert_eq!(run.call(&mut store, 5).unwrap(), 10 + 101 + 15);
    // The app wrote into the library's memory and global.
    let Some(Extern::Memory(m)) = store.export(lib_inst, "mem") else { panic!("no memory export") };
    assert_eq!(store.memory_bytes(m)[8..12], 10i32.to_le_bytes());
    let Some(Extern::Global(g)) = store.export(lib_inst, "base") else { panic!("no global export") };
    assert_eq!(store.global_get(g), Val::I32(101));
}

/// A guest calling `h{n}` (n i64 parameters 1..=n, one i64 result) for every n.
fn arity_guest() -> String {
    let mut imports = String::new();
    let mut exports = String::new();
    for n in 0..=8 {
        let params = " i64".repeat(n);
        imports += &format!("(import \"env\" \"h{n}\" (func $h{n} (param{params}) (result i64)))\n");
        let args: String = (1..=n).map(|k| format!(" (i64.const {k})")).collect();
        exports += &format!("(func (export \"c{n}\") (result i64) (call $h{n}{args}))\n");
    }
    format!("(module {imports} {exports})")
}

/// The digits of the arguments, last first: `h3(1, 2, 3)` is 321, which shows that every
/// argument arrived, in order.
fn digits(args: &[i64]) -> i64 {
    args.iter().rev().fold(0, |acc, a| acc * 10 + a)
}

#[test]
fn host_functions_of_every_arity() {
    type C<'a> = TypedCaller<'a, ()>;
    let engine = engine();
    let guest = module(&engine, &arity_guest());
    let mut linker = Linker::<()>::new();
    linker
        .func_wrap("env", "h0", |_: C| 0i64)
        .unwrap()
        .func_wrap("env", "h1", |_: C, a: i64| digits(&[a]))
        .unwrap()
        .func_wrap("env", "h2", |_: C, a: i64, b: i64| digits(&[a, b]))
        .unwrap()
        .func_wrap("env", "h3", |_: C, a: i64, b: i64, c: i64| digits(&[a, b, c]))
        .unwrap()
        .func_wrap("env", "h4", |_: C, a: i64, b: i64, c: i64, d: i64| digits(&[a, b, c, d]))
        .unwrap()
        .func_wrap("env", "h5", |_: C, a: i64, b: i64, c: i64, d: i64, e: i64| digits(&[a, b, c, d, e]))
        .unwrap()
        .func_wrap("env", "h6", |_: C, a: i64, b: i64, c: i64, d: i64, e: i64, f: i64| digits(&[a, b, c, d, e, f]))
        .unwrap()
        .func_wrap("env", "h7", |_: C, a: i64, b: i64, c: i64, d: i64, e: i64, f: i64, g: i64| {
            digits(&[a, b, c, d, e, f, g])
        })
        .unwrap()
        .func_wrap("env", "h8", |_: C, a: i64, b: i64, c: i64, d: i64, e: i64, f: i64, g: i64, h: i64| {
            digits(&[a, b, c, d, e, f, g, h])
        })
        .unwrap();
    let mut store = Store::new(&engine);
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    for n in 0..=8i64 {
        let f = store.typed_func::<(), i64>(inst, &format!("c{n}")).unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), digits(&(1..=n).collect::<Vec<_>>()), "arity {n}");
    }
}

#[test]
fn every_value_type_and_result_shape() {
    type C<'a> = TypedCaller<'a, ()>;
    let engine = engine();
    let guest = module(
        &engine,
        r#"(module
          (import "env" "mix" (func $mix (param i32 i64 f32 f64 v128) (result f64 v128 i32)))
          (import "env" "unsigned" (func $unsigned (param i32 i64) (result i64)))
          (import "env" "nothing" (func $nothing (param i32)))
          (import "env" "pair" (func $pair (result i32 i32)))
          (import "env" "refs" (func $refs (param funcref externref) (result externref)))
          (func $f)
          (elem declare func $f)
          (func (export "mix") (result f64 v128 i32)
            (call $mix (i32.const -2) (i64.const 3) (f32.const 0.5) (f64.const 0.25)
              (v128.const i32x4 1 2 3 4)))
          (func (export "unsigned") (result i64) (call $unsigned (i32.const -1) (i64.const -1)))
          (func (export "nothing") (call $nothing (i32.const 1)))
          (func (export "pair") (result i32) (call $pair) (i32.sub))
          (func (export "refs") (param externref) (result externref) (call $refs (ref.func $f) (local.get 0)))
          (func (export "null_func") (result externref) (call $refs (ref.null func) (ref.null extern))))"#,
    );
    let mut linker = Linker::<()>::new();
    linker
        .func_wrap("env", "mix", |_: C, a: i32, b: i64, c: f32, d: f64, v: V128| {
            (a as f64 + b as f64 + c as f64 + d, V128(v.0 << 32), a * 10)
        })
        .unwrap()
        .func_wrap("env", "unsigned", |_: C, a: u32, b: u64| (a as u64).wrapping_add(b >> 1) as i64)
        .unwrap()
        .func_wrap("env", "nothing", |_: C, _: i32| {})
        .unwrap()
        .func_wrap("env", "pair", |_: C| (50i32, 8i32))
        .unwrap()
        // The result says whether the funcref was null (1 + its handle) or not (0), and
        // echoes the externref's handle (plus 100) when there is one.
        .func_wrap("env", "refs", |_: C, f: FuncRef, e: ExternRef| {
            ExternRef(Some(e.0.map_or(0, |x| x + 100) + f.0.map_or(0, |_| 1)))
        })
        .unwrap();
    let mut store = Store::new(&engine);
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    let mix = store.typed_func::<(), (f64, V128, i32)>(inst, "mix").unwrap();
    let lanes = |l: [u32; 4]| V128(l.iter().rev().fold(0u128, |acc, &x| acc << 32 | x as u128));
    assert_eq!(mix.call(&mut store, ()).unwrap(), (1.75, lanes([0, 1, 2, 3]), -20));
    let unsigned = store.typed_func::<(), i64>(inst, "unsigned").unwrap();
    assert_eq!(unsigned.call(&mut store, ()).unwrap(), (u32::MAX as u64 + (u64::MAX >> 1)) as i64);
    store.typed_func::<(), ()>(inst, "nothing").unwrap().call(&mut store, ()).unwrap();
    assert_eq!(store.typed_func::<(), i32>(inst, "pair").unwrap().call(&mut store, ()).unwrap(), 42);
    let refs = store.typed_func::<ExternRef, ExternRef>(inst, "refs").unwrap();
    assert_eq!(refs.call(&mut store, ExternRef(Some(5))).unwrap(), ExternRef(Some(106)));
    assert_eq!(refs.call(&mut store, ExternRef(None)).unwrap(), ExternRef(Some(1)));
    let nulls = store.typed_func::<(), ExternRef>(inst, "null_func").unwrap();
    assert_eq!(nulls.call(&mut store, ()).unwrap(), ExternRef(Some(0)));
}

#[test]
fn host_errors_stop_the_guest_and_reach_the_caller() {
    type C<'a> = TypedCaller<'a, ()>;
    let engine = engine();
    let guest = module(
        &engine,
        r#"(module
          (import "env" "check" (func $check (param i32) (result i32)))
          (import "env" "quit" (func $quit (param i32)))
          (memory (export "mem") 1)
          (func (export "run") (param i32) (result i32)
            (i32.store (i32.const 0) (i32.const 1))
            (call $check (local.get 0))
            ;; Reached only when the host function returned.
            (i32.store (i32.const 0) (i32.const 2)))
          (func (export "quit") (param i32) (call $quit (local.get 0)) (unreachable)))"#,
    );
    let mut linker = Linker::<()>::new();
    linker
        .func_wrap("env", "check", |_: C, x: i32| if x >= 0 { Ok(x * 2) } else { Err(format!("negative: {x}")) })
        .unwrap()
        .func_wrap("env", "quit", |_: C, code: i32| -> Result<(), WasmError> { Err(WasmError::Exit(code)) })
        .unwrap();
    let mut store = Store::new(&engine);
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    let run = store.typed_func::<i32, i32>(inst, "run").unwrap();
    let Some(Extern::Memory(mem)) = store.export(inst, "mem") else { panic!("no memory") };
    assert_eq!(run.call(&mut store, 4).unwrap(), 8);
    assert_eq!(store.memory_bytes(mem)[0], 2);
    match run.call(&mut store, -3) {
        Err(WasmError::Host(m)) => assert_eq!(m, "negative: -3"),
        other => panic!("expected the host error, got {other:?}"),
    }
    assert_eq!(store.memory_bytes(mem)[0], 1, "the guest stopped at the failing call");
    let quit = store.typed_func::<i32, ()>(inst, "quit").unwrap();
    assert!(matches!(quit.call(&mut store, 7), Err(WasmError::Exit(7))));
    // The store still runs.
    assert_eq!(run.call(&mut store, 1).unwrap(), 2);
}

/// A guest whose `run(x)` returns `env.f(x)`, instantiated through `linker`.
fn instantiate_calling_f(linker: &mut Linker<()>) -> (Store, TypedFunc<i32, i32>) {
    let engine = engine();
    let guest = module(
        &engine,
        r#"(module
          (import "env" "f" (func $f (param i32) (result i32)))
          (func (export "run") (param i32) (result i32) (call $f (local.get 0))))"#,
    );
    let mut store = Store::new(&engine);
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    let run = store.typed_func::<i32, i32>(inst, "run").unwrap();
    (store, run)
}

#[test]
fn untyped_host_functions_are_checked_against_their_type() {
    let mut linker = Linker::<()>::new();
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    // Returns the right result for 0, too many for 1, the wrong type for 2.
    linker
        .func_new("env", "f", ty, |_, args| match args {
            [Val::I32(0)] => Ok(vec![Val::I32(10)]),
            [Val::I32(1)] => Ok(vec![Val::I32(1); 40]),
            _ => Ok(vec![Val::I64(2)]),
        })
        .unwrap();
    let (mut store, run) = instantiate_calling_f(&mut linker);
    assert_eq!(run.call(&mut store, 0).unwrap(), 10);
    for bad in [1, 2] {
        match run.call(&mut store, bad) {
            Err(WasmError::Host(m)) => assert!(m.contains("returned"), "{m}"),
            other => panic!("expected a host error, got {other:?}"),
        }
    }
    assert_eq!(run.call(&mut store, 0).unwrap(), 10);
}

#[test]
fn missing_and_mistyped_imports_name_module_name_and_types() {
    type C<'a> = TypedCaller<'a, ()>;
    let engine = engine();
    let guest = module(
        &engine,
        r#"(module
          (import "env" "f" (func (param i32) (result i64)))
          (import "env" "g" (global i32)))"#,
    );
    let mut store = Store::new(&engine);
    let mut linker = Linker::<()>::new();
    let m = link_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("env::f") && m.contains("(func (param i32) (result i64))"), "{m}");

    // Names resolve first, then the store checks every type.
    let immutable = wasmparser::GlobalType { content_type: ValType::I32, mutable: false, shared: false };
    let g = store.global(immutable, Val::I32(1));
    linker.func_wrap("env", "f", |_: C, x: i32| x).unwrap().define("env", "g", g).unwrap();
    let m = link_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("env::f"), "{m}");
    assert!(m.contains("expected (func (param i32) (result i64))"), "{m}");
    assert!(m.contains("given (func (param i32) (result i32))"), "{m}");

    let mut linker = Linker::<()>::new();
    linker.func_wrap("env", "f", |_: C, x: i32| x as i64).unwrap();
    let m = link_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("env::g") && m.contains("(global i32)"), "{m}");
    let wrong = store.global(wasmparser::GlobalType { mutable: true, ..immutable }, Val::I32(1));
    linker.define("env", "g", wrong).unwrap();
    let m = link_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("env::g") && m.contains("expected (global i32), given (global (mut i32))"), "{m}");
    linker.allow_shadowing(true).define("env", "g", g).unwrap();
    linker.instantiate(&mut store, &guest).expect("every import is defined, with its type");
    // A handle that names nothing in the store is an error too, not a panic.
    linker.define("env", "g", Extern::Global(999)).unwrap();
    let m = link_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("env::g") && m.contains("not a handle"), "{m}");
}

#[test]
fn shadowing_is_an_error_unless_allowed() {
    type C<'a> = TypedCaller<'a, ()>;
    let engine = engine();
    let guest = module(
        &engine,
        r#"(module (import "env" "f" (func $f (result i32))) (func (export "run") (result i32) (call $f)))"#,
    );
    let mut linker = Linker::<()>::new();
    linker.func_wrap("env", "f", |_: C| 1i32).unwrap();
    match linker.func_wrap("env", "f", |_: C| 2i32) {
        Err(WasmError::Link(m)) => assert!(m.contains("env::f") && m.contains("already defined"), "{m}"),
        other => panic!("expected a link error, got {:?}", other.map(|_| ())),
    }
    let mut store = Store::new(&engine);
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    assert_eq!(store.typed_func::<(), i32>(inst, "run").unwrap().call(&mut store, ()).unwrap(), 1);

    linker.allow_shadowing(true).func_wrap("env", "f", |_: C| 2i32).unwrap();
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    assert_eq!(store.typed_func::<(), i32>(inst, "run").unwrap().call(&mut store, ()).unwrap(), 2);

    // Registering an instance's exports under a taken name is shadowing too.
    let exporter = module(&engine, r#"(module (func (export "f") (result i32) (i32.const 3)))"#);
    let e = Linker::<()>::new().instantiate(&mut store, &exporter).unwrap();
    linker.allow_shadowing(false);
    assert!(matches!(linker.instance(&store, "env", e), Err(WasmError::Link(_))));
    linker.allow_shadowing(true).instance(&store, "env", e).unwrap();
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    assert_eq!(store.typed_func::<(), i32>(inst, "run").unwrap().call(&mut store, ()).unwrap(), 3);
}

#[test]
fn typed_funcs_check_the_signature_once() {
    let engine = engine();
    let m = module(
        &engine,
        r#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#,
    );
    let mut store = Store::new(&engine);
    let inst = Linker::<()>::new().instantiate(&mut store, &m).unwrap();
    let add: TypedFunc<(i32, i32), i32> = store.typed_func(inst, "add").unwrap();
    assert_eq!(add.call(&mut store, (40, 2)).unwrap(), 42);
    assert_eq!(add.call(&mut store, (i32::MAX, 1)).unwrap(), i32::MIN);
    match store.typed_func::<(i32, i32), i64>(inst, "add") {
        Err(WasmError::TypeMismatch { what, expected, given }) => {
            assert!(what.contains("add"), "{what}");
            assert_eq!(expected, "(func (param i32 i32) (result i64))");
            assert_eq!(given, "(func (param i32 i32) (result i32))");
        }
        other => panic!("expected a type mismatch, got {:?}", other.map(|_| ())),
    }
    assert!(matches!(store.typed_func::<i32, i32>(inst, "add"), Err(WasmError::TypeMismatch { .. })));
    assert!(matches!(store.typed_func::<(), ()>(inst, "sub"), Err(WasmError::NoExport { .. })));
    // A TypedFunc belongs to its store.
    let mut other = Store::new(&engine);
    Linker::<()>::new().instantiate(&mut other, &m).unwrap();
    assert!(matches!(add.call(&mut other, (1, 2)), Err(WasmError::Arguments(_))));
}

/// Host data: a log of what the guest printed and a counter.
#[derive(Default)]
struct Host {
    calls: u32,
    printed: Vec<String>,
}

const LOGGER: &str = r#"(module
  (import "host" "count" (func $count (result i32)))
  (import "host" "print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm")
  (func (export "run") (result i32)
    (call $print (i32.const 16) (i32.const 15))
    (drop (call $count))
    (call $count)))"#;

fn logger_linker() -> Linker<Host> {
    let mut linker = Linker::<Host>::new();
    linker
        .func_wrap("host", "count", |mut c: TypedCaller<'_, Host>| {
            c.data().calls += 1;
            c.data().calls as i32
        })
        .unwrap()
        .func_wrap("host", "print", |mut c: TypedCaller<'_, Host>, ptr: u32, len: u32| {
            let (host, memory) = c.data_and_memory();
            let bytes = memory
                .and_then(|m| m.get(ptr as usize..ptr as usize + len as usize))
                .ok_or_else(|| WasmError::Host("string out of bounds".into()))?;
            host.printed.push(String::from_utf8_lossy(bytes).into_owned());
            Ok::<(), WasmError>(())
        })
        .unwrap();
    linker
}

#[test]
fn host_functions_reach_the_stores_host_data() {
    let engine = engine();
    let guest = module(&engine, LOGGER);
    let mut linker = logger_linker();
    // One linker, two stores: each store's calls see its own data.
    let mut a = Store::new(&engine);
    let mut b = Store::new(&engine);
    a.set_state(Host::default());
    b.set_state(Host { calls: 100, printed: Vec::new() });
    let ia = linker.instantiate(&mut a, &guest).unwrap();
    let ib = linker.instantiate(&mut b, &guest).unwrap();
    let run_a = a.typed_func::<(), i32>(ia, "run").unwrap();
    let run_b = b.typed_func::<(), i32>(ib, "run").unwrap();
    assert_eq!(run_a.call(&mut a, ()).unwrap(), 2);
    assert_eq!(run_a.call(&mut a, ()).unwrap(), 4);
    assert_eq!(run_b.call(&mut b, ()).unwrap(), 102);
    assert_eq!(a.state::<Host>().unwrap().printed, ["hello from wasm", "hello from wasm"]);
    assert_eq!(b.state::<Host>().unwrap().calls, 102);
    // A second instance in the same store imports the same host functions.
    let ia2 = linker.instantiate(&mut a, &guest).unwrap();
    assert_eq!(a.typed_func::<(), i32>(ia2, "run").unwrap().call(&mut a, ()).unwrap(), 6);
}

#[test]
fn host_data_of_another_type_is_an_error_not_a_panic() {
    let engine = engine();
    let guest = module(&engine, LOGGER);
    let mut linker = logger_linker();
    let mut store = Store::new(&engine);
    let m = link_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("()") && m.contains("Host"), "{m}");
    store.set_state(Host::default());
    let inst = linker.instantiate(&mut store, &guest).unwrap();
    let run = store.typed_func::<(), i32>(inst, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 2);
    store.set_state(String::from("not the host data"));
    match run.call(&mut store, ()) {
        Err(WasmError::Host(m)) => assert!(m.contains("String") && m.contains("Host"), "{m}"),
        other => panic!("expected a host error, got {other:?}"),
    }
}

/// Records what the store asked, and allows up to fixed sizes.
struct Recorder {
    log: Rc<RefCell<Vec<String>>>,
    max_bytes: u64,
    max_elements: u64,
}

impl ResourceLimiter for Recorder {
    fn memory_growing(&mut self, current: u64, desired: u64, maximum: Option<u64>) -> bool {
        self.log.borrow_mut().push(format!("memory {current} -> {desired} (max {maximum:?})"));
        desired <= self.max_bytes
    }
    fn table_growing(&mut self, current: u64, desired: u64, maximum: Option<u64>) -> bool {
        self.log.borrow_mut().push(format!("table {current} -> {desired} (max {maximum:?})"));
        desired <= self.max_elements
    }
}

const GROWER: &str = r#"(module
  (memory 1 10)
  (table 2 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))"#;

#[test]
fn the_limiter_decides_memory_and_table_growth() {
    let engine = engine();
    let guest = module(&engine, GROWER);
    let mut store = Store::new(&engine);
    let log = Rc::new(RefCell::new(Vec::new()));
    store.set_limiter(Box::new(Recorder { log: log.clone(), max_bytes: 3 * 65536, max_elements: 5 }));
    let inst = Linker::<()>::new().instantiate(&mut store, &guest).unwrap();
    let grow = store.typed_func::<i32, i32>(inst, "grow").unwrap();
    let grow_table = store.typed_func::<i32, i32>(inst, "grow_table").unwrap();
    assert_eq!(grow.call(&mut store, 3).unwrap(), -1, "4 pages are past the limiter");
    assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(grow_table.call(&mut store, 4).unwrap(), -1, "6 elements are past the limiter");
    assert_eq!(grow_table.call(&mut store, 3).unwrap(), 2);
    assert_eq!(grow_table.call(&mut store, 1).unwrap(), -1);
    assert_eq!(
        *log.borrow(),
        [
            "memory 0 -> 65536 (max Some(655360))",
            "table 0 -> 2 (max None)",
            "memory 65536 -> 262144 (max Some(655360))",
            "memory 65536 -> 196608 (max Some(655360))",
            "memory 196608 -> 262144 (max Some(655360))",
            "table 2 -> 6 (max None)",
            "table 2 -> 5 (max None)",
            "table 5 -> 6 (max None)",
        ]
    );
    // Sizes past the limiter at instantiation are an error.
    let mut small = Store::new(&engine);
    small.set_limiter(Box::new(StoreLimits { table_elements: Some(1), ..StoreLimits::default() }));
    let m = limit_error(Linker::<()>::new().instantiate(&mut small, &guest));
    assert!(m.contains("table of 2 elements"), "{m}");
    small.set_max_memory(1000);
    let m = limit_error(Linker::<()>::new().instantiate(&mut small, &guest));
    assert!(m.contains("memory of 1 pages"), "{m}");
}

#[test]
fn the_limiter_counts_instances_memories_and_tables() {
    let engine = engine();
    let guest = module(&engine, GROWER);
    let plain = module(&engine, r#"(module (func (export "f")))"#);
    let limits = |instances, memories, tables| StoreLimits { instances, memories, tables, ..StoreLimits::default() };
    let mut linker = Linker::<()>::new();

    let mut store = Store::new(&engine);
    store.set_limiter(Box::new(limits(Some(2), None, None)));
    linker.instantiate(&mut store, &plain).unwrap();
    linker.instantiate(&mut store, &guest).unwrap();
    let m = limit_error(linker.instantiate(&mut store, &plain));
    assert!(m.contains("2 instances") && m.contains("at most 2"), "{m}");

    let mut store = Store::new(&engine);
    store.set_limiter(Box::new(limits(None, Some(1), None)));
    linker.instantiate(&mut store, &guest).unwrap();
    let m = limit_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("memories"), "{m}");
    assert!(matches!(store.memory(1, None), Err(WasmError::Limit(_))), "host-made memories count too");
    linker.instantiate(&mut store, &plain).expect("a module without memory still fits");

    let mut store = Store::new(&engine);
    store.set_limiter(Box::new(limits(None, None, Some(1))));
    linker.instantiate(&mut store, &guest).unwrap();
    let m = limit_error(linker.instantiate(&mut store, &guest));
    assert!(m.contains("tables"), "{m}");
    // The refused instantiation left the store as it was: the memory it would have made
    // does not exist.
    assert!(matches!(store.memory(1, None), Ok(Extern::Memory(1))));
}

const SPINNER: &str = r#"(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1)))"#;

#[test]
fn an_interrupted_store_runs_its_next_calls_normally() {
    for consume_fuel in [false, true] {
        let engine = Engine::new(Config { interruptible: true, consume_fuel, ..Config::default() }).unwrap();
        let guest = module(&engine, SPINNER);
        let mut store = Store::new(&engine);
        store.set_fuel(u64::MAX);
        let inst = Linker::<()>::new().instantiate(&mut store, &guest).unwrap();
        let spin = store.typed_func::<(), ()>(inst, "spin").unwrap();
        let count = store.typed_func::<i32, i32>(inst, "count").unwrap();
        for round in 0..3 {
            let handle = store.interrupt_handle();
            // The loop cannot end on its own: the test ends only if the interrupt works.
            let stopper = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(20));
                handle.interrupt();
            });
            match spin.call(&mut store, ()) {
                Err(WasmError::Trap { trap: WasmTrap::Interrupted, .. }) => {}
                other => panic!("round {round}: expected an interrupt, got {other:?}"),
            }
            stopper.join().unwrap();
            // The flag was cleared: calls run to the end, and fuel is counted as before.
            store.set_fuel(1000);
            assert_eq!(count.call(&mut store, 100).unwrap(), 100, "round {round}");
            if consume_fuel {
                // Entry, then 100 loop iterations.
                assert_eq!(store.fuel(), 1000 - 101);
            }
            store.set_fuel(u64::MAX);
        }
        // An interrupt while nothing runs stops the next call (and only that one).
        store.interrupt_handle().interrupt();
        assert!(matches!(count.call(&mut store, 5), Err(WasmError::Trap { trap: WasmTrap::Interrupted, .. })));
        assert_eq!(count.call(&mut store, 5).unwrap(), 5);
        if consume_fuel {
            // Running out of fuel leaves no interrupt behind either.
            store.set_fuel(10);
            assert!(matches!(count.call(&mut store, 100), Err(WasmError::Trap { trap: WasmTrap::OutOfFuel, .. })));
            store.set_fuel(1000);
            assert_eq!(count.call(&mut store, 100).unwrap(), 100);
        }
    }
}

#[test]
fn the_host_can_call_host_functions_itself() {
    let engine = engine();
    let mut linker = Linker::<Host>::new();
    linker
        .func_wrap("host", "bump", |mut c: TypedCaller<'_, Host>, by: u32| {
            if c.memory().is_some() {
                return Err("no instance called, so there is no memory to see");
            }
            c.data().calls += by;
            Ok(c.data().calls)
        })
        .unwrap();
    let mut store = Store::new(&engine);
    store.set_state(Host::default());
    let Some(Ok(Extern::Func(f))) = linker.get(&mut store, "host", "bump") else { panic!("bump is defined") };
    assert!(linker.get(&mut store, "host", "other").is_none());
    let bump = TypedFunc::<u32, u32>::new(&store, f).unwrap();
    assert_eq!(bump.call(&mut store, 5).unwrap(), 5);
    assert_eq!(bump.call(&mut store, 2).unwrap(), 7);
    // Untyped calls are checked against the type too.
    assert!(matches!(store.call(f, &[Val::I64(1)]), Err(WasmError::Arguments(_))));
    assert!(matches!(TypedFunc::<i64, u32>::new(&store, f), Err(WasmError::TypeMismatch { .. })));
}

#[test]
fn a_panicking_host_function_is_an_error_of_the_call() {
    type C<'a> = TypedCaller<'a, ()>;
    let mut linker = Linker::<()>::new();
    linker
        .func_wrap("env", "f", |_: C, x: i32| {
            if x == 0 {
                panic!("the host cannot take 0");
            }
            x + 1
        })
        .unwrap();
    let (mut store, run) = instantiate_calling_f(&mut linker);
    match run.call(&mut store, 0) {
        Err(WasmError::Host(m)) => assert_eq!(m, "host function panicked: the host cannot take 0"),
        other => panic!("expected a host error, got {other:?}"),
    }
    assert_eq!(run.call(&mut store, 1).unwrap(), 2, "the store is usable after the panic");
}

/// A linker's host functions keep no state of their own, so one linker can be built on
/// one thread and used on another (each store gets its own functions from it).
#[test]
fn a_linker_moves_between_threads() {
    fn send_and_sync<X: Send + Sync>(x: X) -> X {
        x
    }
    let mut linker = send_and_sync(Linker::<i64>::new());
    linker
        .func_wrap("env", "f", |mut c: TypedCaller<'_, i64>, x: i64| -> i64 {
            *c.data() += x;
            *c.data()
        })
        .unwrap();
    let got = std::thread::spawn(move || {
        let engine = engine();
        let m = module(
            &engine,
            r#"(module (import "env" "f" (func $f (param i64) (result i64)))
                 (func (export "run") (result i64) (drop (call $f (i64.const 2))) (call $f (i64.const 5))))"#,
        );
        let mut store = Store::new(&engine);
        store.set_state(10i64);
        let inst = linker.instantiate(&mut store, &m).unwrap();
        store.typed_func::<(), i64>(inst, "run").unwrap().call(&mut store, ()).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(got, 17);
}
