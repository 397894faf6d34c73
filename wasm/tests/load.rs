//! Churn: several threads instantiate the tenant module, call into it, trap in it and drop
//! it, over and over, with each allocator; afterwards the process's resident memory,
//! mapping count and open file descriptors are back near where they were after a
//! warm-up, and no tenant ever saw an earlier tenant's secret. Then threads churn: many
//! short-lived threads each trap once, and their per-thread trap state (the alternate
//! signal stack, the call context) goes with them.
//!
//! Sizes are small so that this runs in seconds; `lathe bench instantiate` runs the same
//! kind of loop at any size and reports speed (docs/performance.md). The tests measure the
//! whole process, so they take turns (`SERIAL`).

mod common;

use common::{TENANT, tenant_cycle, wat};
use lathe_wasm::{Config, Engine, InstanceAllocator, Module, PoolingConfig, Store};
use std::sync::{Barrier, Mutex};
use std::thread;

const THREADS: usize = 4;

/// Held by each test while it runs: what one measures, the other must not disturb.
static SERIAL: Mutex<()> = Mutex::new(());
const WARM_UP: usize = 100;
const CYCLES: usize = 1000;

/// Keeps glibc to one malloc arena. It otherwise makes a new arena (two mappings) for a
/// thread that finds the others busy, up to eight per core, whenever timing says so: a
/// bounded cache outside Lathe that would make the mapping count depend on the load of
/// the machine. Each test calls this before it starts any thread.
fn one_malloc_arena() {
    // SAFETY: mallopt only changes a glibc tunable; M_ARENA_MAX takes any positive count.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
}

/// Resident bytes, mapping count and open descriptors of the process.
#[derive(Debug, Clone, Copy)]
struct Usage {
    rss: u64,
    maps: usize,
    fds: usize,
}

fn usage() -> Usage {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap().lines().count();
    let fds = std::fs::read_dir("/proc/self/fd").unwrap().count();
    Usage { rss: pages * page, maps, fds }
}

/// Runs the churn with `engine`; returns the usage after the warm-up and at the end.
fn churn(engine: &Engine) -> (Usage, Usage) {
    let module = Module::new(engine, &wat(TENANT)).unwrap();
    // The threads stay alive across both measurements, so that their stacks and
    // allocator arenas count in both.
    let barrier = Barrier::new(THREADS + 1);
    let run = |t: usize, from: usize, to: usize| {
        for i in from..to {
            let mut store = Store::new(engine);
            let inst = store.instantiate(&module, &[]).unwrap();
            tenant_cycle(&mut store, inst, ((t as i64 + 1) << 40) | (i as i64 + 1));
        }
    };
    thread::scope(|s| {
        for t in 0..THREADS {
            let (barrier, run) = (&barrier, &run);
            s.spawn(move || {
                run(t, 0, WARM_UP);
                barrier.wait();
                barrier.wait();
                run(t, WARM_UP, WARM_UP + CYCLES);
                barrier.wait();
                barrier.wait();
            });
        }
        barrier.wait();
        let start = usage();
        barrier.wait();
        barrier.wait();
        let end = usage();
        barrier.wait();
        (start, end)
    })
}

#[test]
fn churn_leaves_no_memory_mappings_or_descriptors_behind() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    one_malloc_arena();
    let pool = PoolingConfig {
        instances: THREADS as u32,
        memories: THREADS as u32,
        max_memory_pages: 8,
        tables: THREADS as u32,
        max_table_elements: 64,
        ..PoolingConfig::default()
    };
    for allocator in [InstanceAllocator::OnDemand, InstanceAllocator::Pooling(pool)] {
        let engine = Engine::new(Config { allocator: allocator.clone(), ..Config::default() }).unwrap();
        let (start, end) = churn(&engine);
        let what = format!("{allocator:?}: after warm-up {start:?}, after {CYCLES} cycles per thread {end:?}");
        eprintln!("{what}");
        // Bounds: a few MiB for the allocator's free lists settling, a few mappings for
        // the same; descriptors exactly.
        assert!(end.rss <= start.rss + (8 << 20), "resident memory grew: {what}");
        assert!(end.maps <= start.maps + 8, "mappings were left behind: {what}");
        assert_eq!(end.fds, start.fds, "descriptors were left open: {what}");
    }
}

/// Runs one tenant's cycle and a stack overflow on each of `n` threads, one after the
/// other. Every other thread first turns off the alternate signal stack the Rust runtime
/// gave it, so that the JIT installs (and at thread exit frees) its own.
fn thread_churn(engine: &Engine, module: &Module, n: usize) {
    for t in 0..n {
        thread::scope(|s| {
            let body = move || {
                if t % 2 == 1 {
                    let off = libc::stack_t { ss_sp: std::ptr::null_mut(), ss_flags: libc::SS_DISABLE, ss_size: 0 };
                    // SAFETY: disables this thread's alternate signal stack (no handler runs
                    // on it now); the Rust runtime still frees its memory at thread exit.
                    assert_eq!(unsafe { libc::sigaltstack(&off, std::ptr::null_mut()) }, 0);
                }
                let mut store = Store::new(engine);
                let inst = store.instantiate(module, &[]).unwrap();
                tenant_cycle(&mut store, inst, t as i64 + 1);
                let r = common::call(&mut store, inst, "recurse", &[lathe_wasm::Val::I32(0)]);
                assert_eq!(common::trap_of(r), lathe_wasm::WasmTrap::CallStackExhausted);
            };
            // Joined, not left to the scope: a scope's threads are detached, and a detached
            // thread frees its stack after the scope moves on, so the next thread would get
            // a new one and glibc's cache of stacks would grow the mapping count.
            thread::Builder::new().stack_size(1 << 20).spawn_scoped(s, body).unwrap().join().unwrap();
        });
    }
}

#[test]
fn short_lived_threads_leave_no_trap_state_behind() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    one_malloc_arena();
    let engine = Engine::new(Config::default()).unwrap();
    let module = Module::new(&engine, &wat(TENANT)).unwrap();
    thread_churn(&engine, &module, 20);
    let start = usage();
    thread_churn(&engine, &module, 300);
    let end = usage();
    let what = format!("after 20 threads {start:?}, after 300 more {end:?}");
    eprintln!("{what}");
    assert!(end.rss <= start.rss + (8 << 20), "resident memory grew: {what}");
    assert!(end.maps <= start.maps + 8, "mappings were left behind: {what}");
    assert_eq!(end.fds, start.fds, "descriptors were left open: {what}");
}
