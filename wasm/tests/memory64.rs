//! 64-bit memories (memory64): indices and offsets beyond 4 GiB trap rather than reach
//! past the reservation, whatever `Config::bounds_checks` says; `memory.size` and
//! `memory.grow` work in `i64` pages up to the host's cap; an import matches only a memory
//! of the same index type; and every access of a 64-bit memory is checked and guarded
//! against speculation even with guard pages configured.

mod common;
use common::wat;

use lathe_codegen::ir::{InstructionData, Opcode, ValueDef};
use lathe_frontend::FunctionBuilderContext;
use lathe_wasm::translate::{BoundsChecks, TranslateOptions, translate_function};
use lathe_wasm::{Config, Engine, Extern, InstanceAllocator, Module, PoolingConfig, Store, Val, WasmError, WasmTrap};

const PROGRAM: &str = r#"
(module
  (memory i64 1 3)
  (data (i64.const 16) "\2a")
  (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load_far") (param i64) (result i32)
    (i32.load8_u offset=0xffff_ffff_ffff_fff0 (local.get 0)))
  (func (export "store") (param i64 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2))))
"#;

fn is_oob(r: &Result<Vec<Val>, WasmError>) -> bool {
    matches!(r, Err(WasmError::Trap { trap: WasmTrap::MemoryOutOfBounds, .. }))
}

fn run(config: Config) {
    let engine = Engine::new(config).expect("engine");
    let module = Module::new(&engine, &wat(PROGRAM)).expect("compiles");
    let mut store = Store::new(&engine);
    let inst = store.instantiate(&module, &[]).expect("instantiates");
    let mut call = |name: &str, args: &[Val]| -> Result<Vec<Val>, WasmError> {
        let Some(Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
        store.call(f, args)
    };
    assert_eq!(call("load", &[Val::I64(16)]).unwrap(), vec![Val::I32(42)]);
    assert_eq!(call("size", &[]).unwrap(), vec![Val::I64(1)]);
    // Indices a 32-bit guard region would not cover: 4 GiB, 8 GiB + 64 KiB (past the
    // reservation), and the largest.
    for far in [1i64 << 32, (8 << 30) + 65536, -1] {
        assert!(is_oob(&call("load", &[Val::I64(far)])), "load at {far:#x}");
        assert!(is_oob(&call("store", &[Val::I64(far), Val::I32(1)])), "store at {far:#x}");
    }
    // index + offset wraps around 2^64: out of bounds, not address 0.
    assert!(is_oob(&call("load_far", &[Val::I64(0x20)])));
    assert!(is_oob(&call("load", &[Val::I64(65536)])));
    assert_eq!(call("grow", &[Val::I64(1)]).unwrap(), vec![Val::I64(1)]);
    assert_eq!(call("load", &[Val::I64(65536)]).unwrap(), vec![Val::I32(0)]);
    assert_eq!(call("grow", &[Val::I64(2)]).unwrap(), vec![Val::I64(-1)], "past the maximum of 3");
    assert_eq!(call("grow", &[Val::I64(1 << 40)]).unwrap(), vec![Val::I64(-1)], "past the host cap");
    assert_eq!(call("size", &[]).unwrap(), vec![Val::I64(2)]);
    // A length whose end wraps.
    assert!(is_oob(&call("fill", &[Val::I64(8), Val::I32(1), Val::I64(-4)])));
    call("fill", &[Val::I64(0), Val::I32(7), Val::I64(2 * 65536)]).unwrap();
    assert_eq!(call("load", &[Val::I64(2 * 65536 - 1)]).unwrap(), vec![Val::I32(7)]);
}

#[test]
fn guard_page_configuration() {
    run(Config::default());
}

#[test]
fn explicit_checks_with_and_without_spectre_masks() {
    run(Config { bounds_checks: BoundsChecks::Explicit, ..Config::default() });
    run(Config { bounds_checks: BoundsChecks::Explicit, spectre_mitigation: false, ..Config::default() });
}

#[test]
fn pooled() {
    let pool = PoolingConfig { memories: 2, max_memory_pages: 4, ..PoolingConfig::default() };
    run(Config { allocator: InstanceAllocator::Pooling(pool), ..Config::default() });
}

#[test]
fn imports_match_the_index_type() {
    let engine = Engine::new(Config::default()).expect("engine");
    let mut store = Store::new(&engine);
    let m64 = Module::new(&engine, &wat("(module (memory (export \"m\") i64 1))")).expect("compiles");
    let m64 = store.instantiate(&m64, &[]).expect("instantiates");
    let Some(mem) = store.export(m64, "m") else { panic!("no export m") };
    let as32 = Module::new(&engine, &wat("(module (import \"a\" \"m\" (memory 1)))")).expect("compiles");
    assert!(matches!(store.instantiate(&as32, &[mem]), Err(WasmError::Link(_))));
    let as64 = Module::new(&engine, &wat("(module (import \"a\" \"m\" (memory i64 1)))")).expect("compiles");
    store.instantiate(&as64, &[mem]).expect("a 64-bit import of a 64-bit memory");
}

/// Translated with guard pages (under which a 32-bit memory has no checks), every load
/// and store of the 64-bit memory still takes an address from `select_spectre_guard`.
#[test]
fn every_access_is_checked_and_guarded_even_with_guard_pages() {
    let info = lathe_wasm::module::parse(&wat(PROGRAM)).expect("valid module");
    let options = TranslateOptions {
        bounds_checks: BoundsChecks::GuardPages,
        spectre_heap: true,
        spectre_table: true,
        ..TranslateOptions::default()
    };
    let mut ctx = FunctionBuilderContext::new();
    let mut accesses = 0;
    for i in 0..info.bodies.len() as u32 {
        let f = translate_function(&info, i, options, &mut ctx).expect("translates");
        for block in f.layout.blocks() {
            for inst in f.layout.block_insts(block) {
                let addr = match f.dfg.insts[inst] {
                    InstructionData::Load { arg, flags, .. } if flags.trap_code().is_some() => arg,
                    InstructionData::Store { args: [_, addr], flags, .. } if flags.trap_code().is_some() => addr,
                    _ => continue,
                };
                accesses += 1;
                let ValueDef::Result(def, _) = f.dfg.value_def(f.dfg.resolve_aliases(addr)) else {
                    panic!("an access address that is not an instruction result")
                };
                assert_eq!(f.dfg.insts[def].opcode(), Opcode::SelectSpectreGuard, "unguarded access in {}", f.name);
            }
        }
    }
    assert_eq!(accesses, 3, "the module's three loads and stores");
}

/// 64-bit tables (`table64`, part of memory64): every table instruction and
/// `call_indirect` take `i64` indices, and an index at or past 2^32 traps rather than
/// wrapping (generated modules with a `table64` once failed to translate).
#[test]
fn tables_with_64_bit_indices() {
    let src = r#"
    (module
      (type $r (func (result i32)))
      (table $t i64 4 10 funcref)
      (table $u 2 funcref)
      (func $one (type $r) (i32.const 1))
      (func $two (type $r) (i32.const 2))
      (elem (table $t) (i64.const 1) func $one $two)
      (elem $seg func $two $one)
      (func (export "size") (result i64) (table.size $t))
      (func (export "grow") (param i64) (result i64) (table.grow $t (ref.null func) (local.get 0)))
      (func (export "grow32") (param i32) (result i32) (table.grow $u (ref.null func) (local.get 0)))
      (func (export "call") (param i64) (result i32) (call_indirect $t (type $r) (local.get 0)))
      (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t (local.get 0))))
      (func (export "set") (param i64) (table.set $t (local.get 0) (ref.func $one)))
      (func (export "fill") (param i64 i64) (table.fill $t (local.get 0) (ref.func $two) (local.get 1)))
      (func (export "copy") (param i64 i64 i64) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
      (func (export "init") (param i64 i32 i32) (table.init $t $seg (local.get 0) (local.get 1) (local.get 2))))
    "#;
    for optimize in [false, true] {
        let (mut store, inst) = common::setup(src, Config { optimize, ..Config::default() });
        let mut call = |name: &str, args: &[Val]| -> Result<Vec<Val>, WasmError> {
            let Some(Extern::Func(f)) = store.export(inst, name) else { panic!("no export {name}") };
            store.call(f, args)
        };
        let table_oob = |r: Result<Vec<Val>, WasmError>| {
            matches!(r, Err(WasmError::Trap { trap: WasmTrap::TableOutOfBounds | WasmTrap::UndefinedElement, .. }))
        };
        assert_eq!(call("size", &[]).unwrap(), [Val::I64(4)]);
        assert_eq!(call("call", &[Val::I64(1)]).unwrap(), [Val::I32(1)]);
        assert_eq!(call("call", &[Val::I64(2)]).unwrap(), [Val::I32(2)]);
        assert!(table_oob(call("call", &[Val::I64(1 << 32 | 1)])), "an index past 2^32 must not wrap");
        assert!(table_oob(call("is_null", &[Val::I64(1 << 32)])));
        assert_eq!(call("grow", &[Val::I64(2)]).unwrap(), [Val::I64(4)]);
        assert_eq!(call("grow", &[Val::I64(1 << 32)]).unwrap(), [Val::I64(-1)]);
        assert_eq!(call("grow", &[Val::I64(100)]).unwrap(), [Val::I64(-1)]);
        assert_eq!(call("grow32", &[Val::I32(-1)]).unwrap(), [Val::I32(-1)]);
        assert_eq!(call("size", &[]).unwrap(), [Val::I64(6)]);
        call("set", &[Val::I64(5)]).unwrap();
        assert_eq!(call("call", &[Val::I64(5)]).unwrap(), [Val::I32(1)]);
        call("fill", &[Val::I64(3), Val::I64(2)]).unwrap();
        assert_eq!(call("call", &[Val::I64(4)]).unwrap(), [Val::I32(2)]);
        assert!(table_oob(call("fill", &[Val::I64(1 << 32), Val::I64(0)])));
        call("copy", &[Val::I64(0), Val::I64(1), Val::I64(1)]).unwrap();
        assert_eq!(call("call", &[Val::I64(0)]).unwrap(), [Val::I32(1)]);
        assert!(table_oob(call("copy", &[Val::I64(0), Val::I64(1 << 32), Val::I64(1)])));
        call("init", &[Val::I64(2), Val::I32(0), Val::I32(2)]).unwrap();
        assert_eq!(call("call", &[Val::I64(2)]).unwrap(), [Val::I32(2)]);
        assert_eq!(call("call", &[Val::I64(3)]).unwrap(), [Val::I32(1)]);
        assert!(table_oob(call("init", &[Val::I64(u64::MAX as i64), Val::I32(0), Val::I32(1)])));
    }
}
