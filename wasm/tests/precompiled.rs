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

/// `Config::cache_dir`: the first `Module::new` compiles and leaves an entry, the next
/// loads it; another optimisation level or other bytes get their own entries; an entry
/// whose stored Wasm differs from the bytes asked for (a hash collision, simulated by
/// renaming) or that is damaged is compiled again and replaced.
#[test]
fn the_module_cache_reuses_only_matching_entries() {
    let dir = std::env::temp_dir().join(format!("lathe-module-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let entries = || {
        let mut v: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let config = |optimize| Config { optimize, cache_dir: Some(dir.clone()), ..Config::default() };
    let engine = Engine::new(config(true)).unwrap();
    let first = Module::new(&engine, &wasm()).unwrap();
    assert!(!first.from_cache());
    assert_eq!(entries().len(), 1);
    let path = entries().remove(0);
    let second = Module::new(&engine, &wasm()).unwrap();
    assert!(second.from_cache());
    assert_eq!(run(&engine, &second), run(&engine, &first));

    let unoptimized = Engine::new(config(false)).unwrap();
    assert!(!Module::new(&unoptimized, &wasm()).unwrap().from_cache());
    assert_eq!(entries().len(), 2);

    // Other bytes under this module's entry name: not used, and the entry is replaced.
    let other = {
        let buf = wast::parser::ParseBuffer::new("(module (func (export \"f\") (result i32) (i32.const 7)))").unwrap();
        let mut w: wast::Wat = wast::parser::parse(&buf).unwrap();
        w.encode().unwrap()
    };
    let other_engine = Engine::new(Config { optimize: true, ..Config::default() }).unwrap();
    let foreign = Module::new(&other_engine, &other).unwrap().serialize(&other_engine);
    std::fs::write(&path, &foreign).unwrap();
    let again = Module::new(&engine, &wasm()).unwrap();
    assert!(!again.from_cache(), "an entry holding other Wasm bytes is not used");
    assert_eq!(run(&engine, &again), run(&engine, &first));
    assert!(Module::new(&engine, &wasm()).unwrap().from_cache(), "the entry was replaced");

    // A damaged entry is compiled again.
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    assert!(!Module::new(&engine, &wasm()).unwrap().from_cache());
    assert!(Module::new(&engine, &wasm()).unwrap().from_cache());
    let _ = std::fs::remove_dir_all(&dir);
}
