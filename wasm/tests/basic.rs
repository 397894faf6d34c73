//! End-to-end tests: WAT modules compiled through the x86-64 backend and run by the JIT.

mod common;
use common::{call, setup, trap_of, wat};

use lathe_wasm::{Config, Engine, Extern, Module, Store, Val, WasmError, WasmTrap};

const PROGRAM: &str = r#"
(module
  (memory 1 3)
  (global $g (mut i32) (i32.const 10))
  (table 2 funcref)
  (elem (i32.const 0) $sq $neg)
  (type $un (func (param i32) (result i32)))
  (func $sq (type $un) (i32.mul (local.get 0) (local.get 0)))
  (func $neg (type $un) (i32.sub (i32.const 0) (local.get 0)))
  (func (export "fib") (param $n i32) (result i64)
    (local $a i64) (local $b i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $b (i64.add (local.get $a) (local.tee $a (local.get $b))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $a))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $un) (local.get 1) (local.get 0)))
  (func (export "bad_sig") (result i64)
    (call_indirect (result i64) (i32.const 0)))
  (func (export "store_load") (param i32 i32) (result i32)
    (i32.store (local.get 0) (local.get 1))
    (i32.load (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "boom") (unreachable))
  (func $rec (export "recurse") (param i32) (result i32)
    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "switch") (param i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.get 0)))
      (return (i32.const 100)))
      (return (i32.const 200)))
    (i32.const 300))
  (func (export "pair") (param i32) (result i32 i32)
    (local.get 0) (i32.add (local.get 0) (i32.const 1)))
)
"#;

fn run_program(config: Config) {
    let (mut s, i) = setup(PROGRAM, config);
    assert_eq!(call(&mut s, i, "fib", &[Val::I32(50)]).unwrap(), vec![Val::I64(12586269025)]);
    assert_eq!(call(&mut s, i, "indirect", &[Val::I32(0), Val::I32(7)]).unwrap(), vec![Val::I32(49)]);
    assert_eq!(call(&mut s, i, "indirect", &[Val::I32(1), Val::I32(7)]).unwrap(), vec![Val::I32(-7)]);
    assert_eq!(trap_of(call(&mut s, i, "indirect", &[Val::I32(2), Val::I32(7)])), WasmTrap::UndefinedElement);
    assert_eq!(trap_of(call(&mut s, i, "bad_sig", &[])), WasmTrap::IndirectCallTypeMismatch);
    assert_eq!(call(&mut s, i, "store_load", &[Val::I32(65532), Val::I32(-3)]).unwrap(), vec![Val::I32(-3)]);
    assert_eq!(trap_of(call(&mut s, i, "load", &[Val::I32(65533)])), WasmTrap::MemoryOutOfBounds);
    assert_eq!(trap_of(call(&mut s, i, "load", &[Val::I32(-1)])), WasmTrap::MemoryOutOfBounds);
    assert_eq!(call(&mut s, i, "grow", &[Val::I32(1)]).unwrap(), vec![Val::I32(1)]);
    assert_eq!(call(&mut s, i, "size", &[]).unwrap(), vec![Val::I32(2)]);
    // Bytes 65533..65536 are ff ff ff (from the store of -3) and a fresh 00.
    assert_eq!(call(&mut s, i, "load", &[Val::I32(65533)]).unwrap(), vec![Val::I32(0x00ff_ffff)]);
    assert_eq!(call(&mut s, i, "grow", &[Val::I32(5)]).unwrap(), vec![Val::I32(-1)]);
    assert_eq!(call(&mut s, i, "bump", &[]).unwrap(), vec![Val::I32(11)]);
    assert_eq!(call(&mut s, i, "bump", &[]).unwrap(), vec![Val::I32(12)]);
    assert_eq!(call(&mut s, i, "div", &[Val::I32(-7), Val::I32(2)]).unwrap(), vec![Val::I32(-3)]);
    assert_eq!(trap_of(call(&mut s, i, "div", &[Val::I32(1), Val::I32(0)])), WasmTrap::IntegerDivideByZero);
    assert_eq!(trap_of(call(&mut s, i, "div", &[Val::I32(i32::MIN), Val::I32(-1)])), WasmTrap::IntegerOverflow);
    assert_eq!(trap_of(call(&mut s, i, "boom", &[])), WasmTrap::Unreachable);
    assert_eq!(trap_of(call(&mut s, i, "recurse", &[Val::I32(0)])), WasmTrap::CallStackExhausted);
    for (k, want) in [(0, 100), (1, 200), (2, 300), (9, 300)] {
        assert_eq!(call(&mut s, i, "switch", &[Val::I32(k)]).unwrap(), vec![Val::I32(want)]);
    }
    assert_eq!(call(&mut s, i, "pair", &[Val::I32(4)]).unwrap(), vec![Val::I32(4), Val::I32(5)]);
    // After all the traps, the instance still works.
    assert_eq!(call(&mut s, i, "fib", &[Val::I32(10)]).unwrap(), vec![Val::I64(55)]);
}

#[test]
fn program_with_guard_pages() {
    run_program(Config::default());
}

#[test]
fn program_with_explicit_bounds_checks() {
    run_program(Config { bounds_checks: lathe_wasm::translate::BoundsChecks::Explicit, ..Config::default() });
}

#[test]
fn host_functions_and_imports() {
    let engine = Engine::new(Config::default()).unwrap();
    let module = Module::new(
        &engine,
        &wat(r#"(module
            (import "env" "add" (func $add (param i32 i64) (result i64)))
            (import "env" "fail" (func $fail))
            (func (export "go") (param i32) (result i64) (call $add (local.get 0) (i64.const 1000)))
            (func (export "fail") (call $fail)))"#),
    )
    .unwrap();
    let mut store = Store::new(&engine);
    let ty =
        wasmparser::FuncType::new([wasmparser::ValType::I32, wasmparser::ValType::I64], [wasmparser::ValType::I64]);
    let add = store.host_func(
        ty,
        Box::new(|_, args| match args {
            [Val::I32(a), Val::I64(b)] => Ok(vec![Val::I64(*a as i64 + b)]),
            _ => Err(WasmError::Host("bad args".into())),
        }),
    );
    let fail = store.host_func(wasmparser::FuncType::new([], []), Box::new(|_, _| Err(WasmError::Exit(3))));
    let inst = store.instantiate(&module, &[add, fail]).unwrap();
    assert_eq!(call(&mut store, inst, "go", &[Val::I32(-5)]).unwrap(), vec![Val::I64(995)]);
    assert!(matches!(call(&mut store, inst, "fail", &[]), Err(WasmError::Exit(3))));
}

#[test]
fn traps_name_the_function_and_the_code_offset() {
    // The module's bytes: the `unreachable` (opcode 0x00) is the first instruction of the
    // second function's body; the error must point at its byte offset.
    let bytes = wat(r#"(module
      (func (export "ok") (result i32) (i32.const 1))
      (func (export "boom") (param i32) (result i32)
        (local.get 0) (drop) (unreachable)))"#);
    let engine = Engine::new(Config::default()).expect("engine");
    let module = Module::new(&engine, &bytes).expect("compiles");
    let mut store = Store::new(&engine);
    let inst = store.instantiate(&module, &[]).expect("instantiates");
    let err = call(&mut store, inst, "boom", &[Val::I32(3)]).expect_err("traps");
    let WasmError::Trap { trap, func, offset, .. } = &err else { panic!("expected a trap, got {err:?}") };
    assert_eq!(*trap, WasmTrap::Unreachable);
    assert_eq!(func, "boom");
    let offset = offset.expect("the trap site maps back to a Wasm offset") as usize;
    assert_eq!(bytes[offset], 0x00, "the offset is that of the `unreachable` opcode");
    assert_eq!(&bytes[offset - 3..offset], &[0x20, 0x00, 0x1a], "after `local.get 0` and `drop`");
    assert!(err.to_string().contains(&format!("at code offset {offset:#x}")), "{err}");
}

#[test]
fn a_perf_map_names_each_function_as_the_module_does() {
    use lathe_wasm::{Profiler, ProfilingStrategy};
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("basic_perf_map");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let profiler = Profiler::in_dir(ProfilingStrategy::PerfMap, &dir).expect("the map opens");
    let path = profiler.path().expect("a perf map has a file").to_path_buf();
    let (mut store, inst) = setup(PROGRAM, Config { profiler, ..Config::default() });
    assert_eq!(call(&mut store, inst, "fib", &[Val::I32(10)]).unwrap(), vec![Val::I64(55)]);
    let text = std::fs::read_to_string(&path).unwrap();
    // The name section's names (`$sq`, `$neg`), and export names for unnamed functions;
    // each once, with a size, at a distinct address.
    let mut starts = Vec::new();
    for name in ["sq", "neg", "fib", "indirect", "bad_sig", "store_load"] {
        let lines: Vec<&str> = text.lines().filter(|l| l.splitn(3, ' ').nth(2) == Some(name)).collect();
        assert_eq!(lines.len(), 1, "{name} in:\n{text}");
        let fields: Vec<&str> = lines[0].split(' ').collect();
        assert!(u64::from_str_radix(fields[1], 16).unwrap() > 0, "{text}");
        starts.push(u64::from_str_radix(fields[0], 16).unwrap());
    }
    starts.sort_unstable();
    starts.dedup();
    assert_eq!(starts.len(), 6, "{text}");
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_trap_carries_the_wasm_backtrace() {
    let bytes = wat(r#"(module
      (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
      (func $middle (param i32) (result i32) (i32.add (call $inner (local.get 0)) (i32.const 1)))
      (func (export "outer") (param i32) (result i32) (call $middle (local.get 0))))"#);
    for optimize in [false, true] {
        let engine = Engine::new(Config { optimize, ..Config::default() }).expect("engine");
        let module = Module::new(&engine, &bytes).expect("compiles");
        let mut store = Store::new(&engine);
        let inst = store.instantiate(&module, &[]).expect("instantiates");
        let err = call(&mut store, inst, "outer", &[Val::I32(0)]).expect_err("traps");
        let WasmError::Trap { trap, func, backtrace, .. } = &err else { panic!("expected a trap, got {err:?}") };
        assert_eq!(*trap, WasmTrap::IntegerDivideByZero);
        assert_eq!(func, "inner", "the trap names the function that trapped");
        let names: Vec<&str> = backtrace.iter().map(|f| f.func.as_str()).collect();
        assert_eq!(names, ["inner", "middle", "outer"], "{err}");
        let at = |k: usize| bytes[backtrace[k].offset.expect("every frame has an offset") as usize];
        assert_eq!(at(0), 0x6d, "i32.div_s");
        assert_eq!((at(1), at(2)), (0x10, 0x10), "the outer frames point at their `call`s");
        assert!(err.to_string().contains("wasm backtrace:"), "{err}");
        // The store is usable after the trap.
        let Some(Extern::Func(f)) = store.export(inst, "outer") else { panic!() };
        assert!(matches!(store.call(f, &[Val::I32(1)]).unwrap()[..], [Val::I32(2)]));
    }
}

// Bounding a guest: interruption from another thread, fuel, and a memory limit, through
// the embedding API (the `lathe run --timeout/--fuel/--max-memory` flags use the same).

const GUEST: &str = r#"
(module
  (memory 1)
  (func (export "spin") (loop $l (br $l)))
  (func $f (param i32) (result i32) (local.get 0))
  (func (export "count") (param i32) (result i32)
    (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (call $f (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
"#;

#[test]
fn another_thread_stops_an_infinite_loop_and_the_store_runs_again() {
    for optimize in [false, true] {
        let (mut store, inst) = setup(GUEST, Config { interruptible: true, optimize, ..Config::default() });
        let handle = store.interrupt_handle();
        // The loop cannot end on its own, so the test ends only if the interrupt works;
        // no time is measured.
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            handle.interrupt();
        });
        assert_eq!(trap_of(call(&mut store, inst, "spin", &[])), WasmTrap::Interrupted);
        stopper.join().unwrap();
        let r = call(&mut store, inst, "count", &[Val::I32(10)]).expect("the store is usable");
        assert!(matches!(r[..], [Val::I32(10)]), "{r:?}");
    }
}

#[test]
fn fuel_is_one_unit_per_call_and_loop_iteration() {
    for optimize in [false, true] {
        let (mut store, inst) = setup(GUEST, Config { consume_fuel: true, optimize, ..Config::default() });
        // count(n): its own entry, n loop iterations, then the call of $f: n + 2 units.
        store.set_fuel(12);
        let r = call(&mut store, inst, "count", &[Val::I32(10)]).expect("12 units are enough");
        assert!(matches!(r[..], [Val::I32(10)]), "{r:?}");
        assert_eq!(store.fuel(), 0);
        store.set_fuel(11);
        assert_eq!(trap_of(call(&mut store, inst, "count", &[Val::I32(10)])), WasmTrap::OutOfFuel);
        assert_eq!(store.fuel(), 0, "the fuel does not go below zero");
        store.set_fuel(1_000);
        assert!(call(&mut store, inst, "count", &[Val::I32(10)]).is_ok(), "more fuel, and it runs again");
        assert_eq!(store.fuel(), 1_000 - 12);
    }
}

#[test]
fn memory_grow_fails_past_the_store_limit() {
    let engine = Engine::new(Config::default()).expect("engine");
    let module = Module::new(&engine, &wat(GUEST)).expect("compiles");
    let mut store = Store::new(&engine);
    store.set_max_memory(3 * 65536);
    let inst = store.instantiate(&module, &[]).expect("one page fits");
    assert!(matches!(call(&mut store, inst, "grow", &[Val::I32(3)]).unwrap()[..], [Val::I32(-1)]));
    assert!(matches!(call(&mut store, inst, "grow", &[Val::I32(2)]).unwrap()[..], [Val::I32(1)]));
    assert!(matches!(call(&mut store, inst, "grow", &[Val::I32(1)]).unwrap()[..], [Val::I32(-1)]));

    let mut small = Store::new(&engine);
    small.set_max_memory(1000);
    match small.instantiate(&module, &[]) {
        Err(WasmError::Limit(m)) => assert!(m.contains("limit"), "{m}"),
        other => panic!("expected a limit error, got {:?}", other.map(|_| ())),
    }
}

/// Translating functions one after another into one reused `Function` (as module
/// compilation does, to keep the tables' memory) gives the same IR as translating each
/// into a fresh one: nothing of an earlier function is left behind, whatever its size,
/// loops (parameters removed as trivial leave aliases), tables, calls or constants.
#[test]
fn translating_into_a_reused_function_matches_fresh_translations() {
    use lathe_codegen::ir::Function;
    use lathe_frontend::FunctionBuilderContext;
    use lathe_wasm::translate::{TranslateOptions, translate_function, translate_function_into};
    let bytes = wat(r#"
(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (memory 1)
  (func $big (param i32 i32) (result i32) (local i32 i64 f64 v128)
    (local.set 2 (i32.const 7))
    (loop $l
      (local.set 2 (i32.add (local.get 2) (local.get 0)))
      (local.set 3 (i64.extend_i32_u (local.get 2)))
      (br_if $l (i32.lt_u (local.get 2) (local.get 1))))
    (block $a (block $b (br_table $a $b $a (local.get 0))))
    (i32.store (i32.const 8) (i32.wrap_i64 (local.get 3)))
    (call_indirect (type $t) (local.get 2) (local.get 1)))
  (func $small (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $mid (param f64) (result f64) (local i32)
    (loop $m (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $m (i32.lt_s (local.get 1) (i32.const 9))))
    (f64.mul (local.get 0) (f64.convert_i32_s (local.get 1)))))
"#);
    let info = lathe_wasm::module::parse(&bytes).expect("parses");
    let options = TranslateOptions::default();
    let mut fresh_ctx = FunctionBuilderContext::new();
    let mut ctx = FunctionBuilderContext::new();
    let mut reused = Function::default();
    // Large first, then small, then large again: shrinking and growing both.
    for i in [0u32, 1, 2, 0, 2, 1] {
        let fresh = translate_function(&info, i, options, &mut fresh_ctx).expect("translates");
        translate_function_into(&info, i, options, &mut ctx, &mut reused).expect("translates");
        assert_eq!(reused.to_string(), fresh.to_string(), "function {i}");
    }
}
