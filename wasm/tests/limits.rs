//! Bounding a guest: interruption from another thread, fuel, and a memory limit, through
//! the embedding API (the `lathe run --timeout/--fuel/--max-memory` flags use the same).

use lathe_wasm::{Config, Engine, Extern, Module, Store, Val, WasmError, WasmTrap};

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

fn setup(config: Config) -> (Store, lathe_wasm::runtime::InstanceHandle) {
    let buf = wast::parser::ParseBuffer::new(GUEST).expect("lexes");
    let mut w: wast::Wat = wast::parser::parse(&buf).expect("parses");
    let engine = Engine::new(config).expect("engine");
    let module = Module::new(&engine, &w.encode().expect("encodes")).expect("compiles");
    let mut store = Store::new(&engine);
    let inst = store.instantiate(&module, &[]).expect("instantiates");
    (store, inst)
}

fn call(
    store: &mut Store,
    inst: lathe_wasm::runtime::InstanceHandle,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, WasmError> {
    let Some(Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
    store.call(f, args)
}

fn trap_of(r: Result<Vec<Val>, WasmError>) -> WasmTrap {
    match r {
        Err(WasmError::Trap { trap, .. }) => trap,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn another_thread_stops_an_infinite_loop_and_the_store_runs_again() {
    for optimize in [false, true] {
        let (mut store, inst) = setup(Config { interruptible: true, optimize, ..Config::default() });
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
        let (mut store, inst) = setup(Config { consume_fuel: true, optimize, ..Config::default() });
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
    let buf = wast::parser::ParseBuffer::new(GUEST).expect("lexes");
    let mut w: wast::Wat = wast::parser::parse(&buf).expect("parses");
    let module = Module::new(&engine, &w.encode().expect("encodes")).expect("compiles");
    let mut store = Store::new(&engine);
    store.set_max_memory(3 * 65536);
    let inst = store.instantiate(&module, &[]).expect("one page fits");
    assert!(matches!(call(&mut store, inst, "grow", &[Val::I32(3)]).unwrap()[..], [Val::I32(-1)]));
    assert!(matches!(call(&mut store, inst, "grow", &[Val::I32(2)]).unwrap()[..], [Val::I32(1)]));
    assert!(matches!(call(&mut store, inst, "grow", &[Val::I32(1)]).unwrap()[..], [Val::I32(-1)]));

    let mut small = Store::new(&engine);
    small.set_max_memory(1000);
    match small.instantiate(&module, &[]) {
        Err(WasmError::Link(m)) => assert!(m.contains("limit"), "{m}"),
        other => panic!("expected a link error, got {:?}", other.map(|_| ())),
    }
}
