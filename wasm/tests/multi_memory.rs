//! Several memories in one instance: each instruction's memory index, data segments into
//! memory 1, `memory.copy` between memories, grow and size per memory, an imported memory
//! next to a defined one, with fresh mappings and with the pooling allocator.

mod common;
use common::wat;

use lathe_wasm::{Config, Engine, Extern, InstanceAllocator, Module, PoolingConfig, Store, Val, WasmError, WasmTrap};

const PROGRAM: &str = r#"
(module
  (import "host" "mem" (memory $imp 1))
  (memory $a 1 4)
  (memory $b 2)
  (data (memory $b) (i32.const 100) "\2a\00\00\00")
  (func (export "load_b") (param i32) (result i32) (i32.load $b (local.get 0)))
  (func (export "store_a") (param i32 i32) (i32.store $a (local.get 0) (local.get 1)))
  (func (export "load_a") (param i32) (result i32) (i32.load $a (local.get 0)))
  (func (export "load_imp") (param i32) (result i32) (i32.load $imp (local.get 0)))
  ;; b[100..104] -> imp[8..12]
  (func (export "copy_b_to_imp") (memory.copy $imp $b (i32.const 8) (i32.const 100) (i32.const 4)))
  (func (export "grow_a") (param i32) (result i32) (memory.grow $a (local.get 0)))
  (func (export "sizes") (result i32 i32 i32) (memory.size $imp) (memory.size $a) (memory.size $b))
  (func (export "fill_b") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1) (local.get 2))))
"#;

fn run(config: Config) {
    let engine = Engine::new(config).expect("engine");
    let module = Module::new(&engine, &wat(PROGRAM)).expect("compiles");
    let mut store = Store::new(&engine);
    let imp = store.memory(1, None).expect("a host memory");
    let inst = store.instantiate(&module, &[imp]).expect("instantiates");
    let mut call = |name: &str, args: &[Val]| -> Result<Vec<Val>, WasmError> {
        let Some(Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
        store.call(f, args)
    };
    assert_eq!(call("load_b", &[Val::I32(100)]).unwrap(), vec![Val::I32(42)]);
    // The segment went to memory $b only.
    assert_eq!(call("load_a", &[Val::I32(100)]).unwrap(), vec![Val::I32(0)]);
    call("store_a", &[Val::I32(0), Val::I32(7)]).unwrap();
    assert_eq!(call("load_imp", &[Val::I32(0)]).unwrap(), vec![Val::I32(0)]);
    assert_eq!(call("load_a", &[Val::I32(0)]).unwrap(), vec![Val::I32(7)]);
    call("copy_b_to_imp", &[]).unwrap();
    assert_eq!(call("load_imp", &[Val::I32(8)]).unwrap(), vec![Val::I32(42)]);
    // Memory $b has two pages, $a one: the same index is in bounds in one only.
    assert_eq!(call("load_b", &[Val::I32(65536)]).unwrap(), vec![Val::I32(0)]);
    let oob = call("load_a", &[Val::I32(65536)]);
    assert!(matches!(oob, Err(WasmError::Trap { trap: WasmTrap::MemoryOutOfBounds, .. })), "{oob:?}");
    assert_eq!(call("grow_a", &[Val::I32(1)]).unwrap(), vec![Val::I32(1)]);
    assert_eq!(call("load_a", &[Val::I32(65536)]).unwrap(), vec![Val::I32(0)]);
    assert_eq!(call("grow_a", &[Val::I32(3)]).unwrap(), vec![Val::I32(-1)], "past $a's maximum of 4");
    assert_eq!(call("sizes", &[]).unwrap(), vec![Val::I32(1), Val::I32(2), Val::I32(2)]);
    let fill = call("fill_b", &[Val::I32(131071), Val::I32(1), Val::I32(2)]);
    assert!(matches!(fill, Err(WasmError::Trap { trap: WasmTrap::MemoryOutOfBounds, .. })), "{fill:?}");
}

#[test]
fn three_memories_with_guard_pages() {
    run(Config::default());
}

#[test]
fn three_memories_with_explicit_checks() {
    run(Config { bounds_checks: lathe_wasm::translate::BoundsChecks::Explicit, ..Config::default() });
}

#[test]
fn three_memories_in_pool_slots() {
    let pool = PoolingConfig { memories: 8, max_memory_pages: 16, ..PoolingConfig::default() };
    run(Config { allocator: InstanceAllocator::Pooling(pool), ..Config::default() });
}

#[test]
fn second_memory_is_invalid_without_the_feature() {
    let features = lathe_wasm::module::features() - wasmparser::WasmFeatures::MULTI_MEMORY;
    let engine = Engine::new(Config { wasm_features: features, ..Config::default() }).expect("engine");
    let r = Module::new(&engine, &wat("(module (memory 1) (memory 1))"));
    assert!(matches!(r, Err(WasmError::Invalid(_))), "{:?}", r.map(|_| ()));
}
