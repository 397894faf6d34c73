//! Precompiled modules: written and loaded back, they run as the module compiled in
//! place; a damaged, truncated or foreign file is an error, never a crash.

use lathe_wasm::{Config, Engine, Extern, Module, Store, Val};

fn wasm() -> Vec<u8> {
    let src = r#"(module
      (memory 1)
      (global $g (mut i32) (i32.const 5))
      (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
      (func (export "f") (param i32) (result i32)
        (global.set $g (i32.add (global.get $g) (call $sq (local.get 0))))
        (i32.store (i32.const 8) (global.get $g))
        (i32.load (i32.const 8)))
      (func (export "boom") (result i32) (i32.div_u (i32.const 1) (i32.const 0))))"#;
    let buf = wast::parser::ParseBuffer::new(src).expect("lexes");
    let mut w: wast::Wat = wast::parser::parse(&buf).expect("parses");
    w.encode().expect("encodes")
}

fn run(engine: &Engine, module: &Module) -> (Vec<Val>, String) {
    let mut store = Store::new(engine);
    let inst = store.instantiate(module, &[]).expect("instantiates");
    let Some(Extern::Func(f)) = store.export(inst, "f") else { panic!("no f") };
    let Some(Extern::Func(boom)) = store.export(inst, "boom") else { panic!("no boom") };
    let r = store.call(f, &[Val::I32(6)]).expect("runs");
    let trap = store.call(boom, &[]).expect_err("traps").to_string();
    (r, trap)
}

#[test]
fn a_precompiled_module_runs_as_the_original() {
    for optimize in [false, true] {
        let engine = Engine::new(Config { optimize, ..Config::default() }).unwrap();
        let module = Module::new(&engine, &wasm()).unwrap();
        let bytes = module.serialize(&engine);
        let loaded = Module::deserialize(&engine, &bytes).expect("loads");
        assert_eq!(run(&engine, &loaded), run(&engine, &module));
        assert!(matches!(run(&engine, &loaded).0[..], [Val::I32(41)]));
        assert!(run(&engine, &loaded).1.contains("integer divide by zero"), "traps map back too");
    }
}

#[test]
fn damaged_or_foreign_files_are_errors() {
    let engine = Engine::new(Config::default()).unwrap();
    let bytes = Module::new(&engine, &wasm()).unwrap().serialize(&engine);
    for len in (0..bytes.len()).step_by(7) {
        assert!(Module::deserialize(&engine, &bytes[..len]).is_err(), "truncated to {len}");
    }
    for at in (0..bytes.len()).step_by(5) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x20;
        assert!(Module::deserialize(&engine, &bad).is_err(), "byte {at} flipped");
    }
    let err = |r: Result<Module, lathe_wasm::WasmError>| r.err().expect("an error").to_string();
    assert!(err(Module::deserialize(&engine, &wasm())).contains("not a precompiled"));
    let other = Engine::new(Config { consume_fuel: true, ..Config::default() }).unwrap();
    let e = err(Module::deserialize(&other, &bytes));
    assert!(e.contains("consume_fuel"), "{e}");
}
