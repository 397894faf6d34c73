//! The pooling instance allocator: slots run out with a typed error and come back when a
//! store drops, the next tenant of a slot reads none of the previous one's bytes, limits
//! on sizes are errors or failed growth, and address-space exhaustion (in a child process
//! under `RLIMIT_AS`) is an error the process survives.

mod common;

use common::{TENANT, call, tenant_cycle, wat};
use lathe_wasm::runtime::InstanceHandle;
use lathe_wasm::{Config, Engine, InstanceAllocator, Module, PoolingConfig, Store, Val, WasmError};

fn pooled(config: PoolingConfig) -> Engine {
    Engine::new(Config { allocator: InstanceAllocator::Pooling(config), ..Config::default() }).expect("engine")
}

fn small_pool() -> PoolingConfig {
    PoolingConfig {
        instances: 4,
        instance_state_bytes: 4096,
        memories: 4,
        max_memory_pages: 8,
        tables: 4,
        max_table_elements: 64,
    }
}

fn instantiate(engine: &Engine, module: &Module) -> Result<(Store, InstanceHandle), WasmError> {
    let mut store = Store::new(engine);
    let inst = store.instantiate(module, &[])?;
    Ok((store, inst))
}

const PLAIN: &str = r#"(module (func (export "seven") (result i32) (i32.const 7)))"#;
const MEMORY_ONLY: &str = r#"(module (memory 1))"#;
const TABLE_ONLY: &str = r#"(module (table 1 funcref))"#;

#[test]
fn instance_slots_run_out_and_a_freed_one_is_reused() {
    let engine = pooled(PoolingConfig { instances: 2, ..small_pool() });
    let module = Module::new(&engine, &wat(PLAIN)).unwrap();
    let a = instantiate(&engine, &module).unwrap();
    let b = instantiate(&engine, &module).unwrap();
    match instantiate(&engine, &module) {
        Err(WasmError::PoolExhausted { what: "instance", slots: 2 }) => {}
        other => panic!("expected the instance slots to run out, got {:?}", other.map(|_| ())),
    }
    // Two instances in one store hold two slots just the same.
    let (mut store, inst) = a;
    assert!(matches!(store.instantiate(&module, &[]), Err(WasmError::PoolExhausted { .. })));
    assert_eq!(call(&mut store, inst, "seven", &[]).unwrap(), [Val::I32(7)], "the store carries on");
    drop(b);
    let (mut c, inst) = instantiate(&engine, &module).expect("a freed slot is used again");
    assert_eq!(call(&mut c, inst, "seven", &[]).unwrap(), [Val::I32(7)]);
}

#[test]
fn memory_and_table_slots_run_out_and_come_back() {
    let engine = pooled(PoolingConfig { instances: 10, memories: 2, tables: 1, ..small_pool() });
    let memory = Module::new(&engine, &wat(MEMORY_ONLY)).unwrap();
    let table = Module::new(&engine, &wat(TABLE_ONLY)).unwrap();
    let plain = Module::new(&engine, &wat(PLAIN)).unwrap();
    let m1 = instantiate(&engine, &memory).unwrap();
    let _m2 = instantiate(&engine, &memory).unwrap();
    let (mut store, _) = instantiate(&engine, &table).unwrap();
    assert!(matches!(store.instantiate(&memory, &[]), Err(WasmError::PoolExhausted { what: "memory", slots: 2 })));
    assert!(matches!(store.instantiate(&table, &[]), Err(WasmError::PoolExhausted { what: "table", slots: 1 })));
    assert!(matches!(store.memory(1, None), Err(WasmError::PoolExhausted { what: "memory", .. })));
    // The failed instantiations left the store as it was and freed what they had taken.
    let inst = store.instantiate(&plain, &[]).expect("a module that needs no slot");
    assert_eq!(call(&mut store, inst, "seven", &[]).unwrap(), [Val::I32(7)]);
    drop(m1);
    store.instantiate(&memory, &[]).expect("the freed memory slot");
    drop(store);
    instantiate(&engine, &table).expect("the freed table slot");
}

#[test]
fn next_tenant_of_a_slot_reads_zeros() {
    let engine = pooled(PoolingConfig { memories: 1, tables: 1, ..small_pool() });
    let module = Module::new(&engine, &wat(TENANT)).unwrap();
    let mut first_base = None;
    for secret in 1..=20i64 {
        let (mut store, inst) = instantiate(&engine, &module).unwrap();
        // `tenant_cycle` fails if this tenant sees any word, element or global left by
        // the one before, which wrote `secret - 1` everywhere it could.
        let base = tenant_cycle(&mut store, inst, secret * 0x0101_0101);
        assert_eq!(*first_base.get_or_insert(base), base, "one slot, so every tenant has the same memory");
    }
    // The host's view of a reused slot after a tenant wrote all of it.
    let (mut store, inst) = instantiate(&engine, &module).unwrap();
    let Some(lathe_wasm::Extern::Memory(m)) = store.export(inst, "mem") else { panic!() };
    assert!(store.memory_bytes(m).iter().all(|&b| b == 0));
    assert_eq!(call(&mut store, inst, "read", &[Val::I32(0)]).unwrap(), [Val::I64(0)]);
}

#[test]
fn sizes_beyond_a_slot_are_limit_errors_or_failed_growth() {
    let engine = pooled(PoolingConfig { max_memory_pages: 2, max_table_elements: 3, ..small_pool() });
    let big_memory = Module::new(&engine, &wat("(module (memory 3))")).unwrap();
    assert!(matches!(instantiate(&engine, &big_memory), Err(WasmError::Limit(_))));
    let big_table = Module::new(&engine, &wat("(module (table 4 funcref))")).unwrap();
    assert!(matches!(instantiate(&engine, &big_table), Err(WasmError::Limit(_))));
    let grow = Module::new(
        &engine,
        &wat(r#"(module (memory 1) (table 1 funcref)
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "grow_table") (param i32) (result i32)
                (table.grow (ref.null func) (local.get 0))))"#),
    )
    .unwrap();
    let (mut store, inst) = instantiate(&engine, &grow).unwrap();
    assert_eq!(call(&mut store, inst, "grow", &[Val::I32(2)]).unwrap(), [Val::I32(-1)], "past the slot");
    assert_eq!(call(&mut store, inst, "grow", &[Val::I32(1)]).unwrap(), [Val::I32(1)], "up to the slot");
    assert_eq!(call(&mut store, inst, "grow_table", &[Val::I32(3)]).unwrap(), [Val::I32(-1)]);
    assert_eq!(call(&mut store, inst, "grow_table", &[Val::I32(2)]).unwrap(), [Val::I32(1)]);
    // Instance state (vmctx and arrays, about 32 bytes per function) beyond a slot.
    let small_state = pooled(PoolingConfig { instance_state_bytes: 256, ..small_pool() });
    let many_funcs = format!("(module {})", "(func)".repeat(10));
    let many_funcs = Module::new(&small_state, &wat(&many_funcs)).unwrap();
    let mut store = Store::new(&small_state);
    assert!(matches!(store.instantiate(&many_funcs, &[]), Err(WasmError::Limit(_))));
    let plain = Module::new(&small_state, &wat(PLAIN)).unwrap();
    let inst = store.instantiate(&plain, &[]).expect("a small instance fits");
    assert_eq!(call(&mut store, inst, "seven", &[]).unwrap(), [Val::I32(7)]);
    // A store's own limit still applies inside a slot.
    let mut limited = Store::new(&engine);
    limited.set_max_memory(65536 / 2);
    assert!(matches!(limited.instantiate(&grow, &[]), Err(WasmError::Limit(_))));
    let mut limited = Store::new(&engine);
    limited.set_max_memory(65536);
    let inst = limited.instantiate(&grow, &[]).unwrap();
    assert_eq!(call(&mut limited, inst, "grow", &[Val::I32(1)]).unwrap(), [Val::I32(-1)]);
}

#[test]
fn a_pool_too_large_for_the_address_space_is_an_error() {
    let config = PoolingConfig { memories: u32::MAX, ..small_pool() };
    let e = Engine::new(Config { allocator: InstanceAllocator::Pooling(config), ..Config::default() });
    assert!(matches!(e, Err(WasmError::OutOfMemory(_))), "{:?}", e.err());
}

/// The environment variable that makes `address_space_exhaustion_is_an_error` the child.
const CHILD: &str = "LATHE_POOL_TEST_RLIMIT_CHILD";

/// The process's address-space size, from /proc/self/status.
fn vm_size() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmSize:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Runs in a child process (limits apply to the whole process): with the address space
/// capped at 1 GiB above what is mapped, an on-demand memory (an 8 GiB reservation) and a
/// pool cannot be made; the error is typed and the process goes on running Wasm.
fn address_space_child() {
    let on_demand = Engine::new(Config::default()).unwrap();
    let memory = Module::new(&on_demand, &wat(MEMORY_ONLY)).unwrap();
    let plain = Module::new(&on_demand, &wat(PLAIN)).unwrap();
    let limit = vm_size() + (1 << 30);
    let rlim = libc::rlimit { rlim_cur: limit, rlim_max: limit };
    // SAFETY: sets this (child) process's own limit from a valid local.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &rlim) }, 0);
    match instantiate(&on_demand, &memory) {
        Err(WasmError::OutOfMemory(_)) => {}
        other => panic!("expected an out-of-memory error, got {:?}", other.map(|_| ())),
    }
    let pool = Engine::new(Config { allocator: InstanceAllocator::Pooling(small_pool()), ..Config::default() });
    assert!(matches!(pool, Err(WasmError::OutOfMemory(_))), "{:?}", pool.err());
    let (mut store, inst) = instantiate(&on_demand, &plain).unwrap();
    assert_eq!(call(&mut store, inst, "seven", &[]).unwrap(), [Val::I32(7)]);
    println!("child carried on");
}

#[test]
fn address_space_exhaustion_is_an_error() {
    if std::env::var_os(CHILD).is_some() {
        address_space_child();
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["address_space_exhaustion_is_an_error", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("child carried on"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
