//! One engine and one compiled module shared by several threads, each with its own
//! stores: traps, stack overflows and interruptions happen on every thread at once and
//! each thread gets its own trap back and carries on. Run with both allocators.

mod common;

use common::{TENANT, call, tenant_cycle, trap_of, wat};
use lathe_wasm::{Config, Engine, InstanceAllocator, Module, PoolingConfig, Store, Val, WasmTrap};
use std::sync::{Barrier, mpsc};
use std::thread;

const THREADS: usize = 4;

fn engines(interruptible: bool) -> Vec<Engine> {
    let pool = PoolingConfig {
        instances: 16,
        memories: 16,
        max_memory_pages: 8,
        tables: 16,
        max_table_elements: 64,
        ..PoolingConfig::default()
    };
    [InstanceAllocator::OnDemand, InstanceAllocator::Pooling(pool)]
        .into_iter()
        .map(|allocator| Engine::new(Config { allocator, interruptible, ..Config::default() }).unwrap())
        .collect()
}

/// Spawns `THREADS` threads with a fixed stack (so that stack overflow is detected the
/// same way on each) running `f(thread index)`, and joins them.
fn on_threads(f: impl Fn(usize) + Sync) {
    thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let f = &f;
                thread::Builder::new().stack_size(2 << 20).spawn_scoped(s, move || f(t)).unwrap()
            })
            .collect();
        for h in handles {
            h.join().expect("thread panicked");
        }
    });
}

#[test]
fn traps_on_every_thread_at_once() {
    for engine in engines(false) {
        let module = Module::new(&engine, &wat(TENANT)).unwrap();
        let barrier = Barrier::new(THREADS);
        on_threads(|t| {
            barrier.wait();
            for i in 0..50 {
                let mut store = Store::new(&engine);
                let inst = store.instantiate(&module, &[]).unwrap();
                tenant_cycle(&mut store, inst, ((t as i64) << 32) | (i + 1));
            }
        });
    }
}

#[test]
fn stack_overflow_on_every_thread_at_once() {
    for engine in engines(false) {
        let module = Module::new(&engine, &wat(TENANT)).unwrap();
        let barrier = Barrier::new(THREADS);
        on_threads(|_| {
            let mut store = Store::new(&engine);
            let inst = store.instantiate(&module, &[]).unwrap();
            for _ in 0..3 {
                barrier.wait();
                assert_eq!(trap_of(call(&mut store, inst, "recurse", &[Val::I32(0)])), WasmTrap::CallStackExhausted);
                assert_eq!(call(&mut store, inst, "div", &[Val::I32(4)]).unwrap(), [Val::I32(25)]);
            }
        });
    }
}

#[test]
fn interrupts_on_every_thread_at_once() {
    for engine in engines(true) {
        let module = Module::new(&engine, &wat(TENANT)).unwrap();
        let (send, receive) = mpsc::channel();
        thread::scope(|s| {
            let interrupter = s.spawn(move || {
                // Each request stays until the thread's spinning call serves it, so the
                // order of request and call does not matter.
                for handle in receive {
                    let handle: lathe_wasm::InterruptHandle = handle;
                    handle.interrupt();
                }
            });
            on_threads(|_| {
                for _ in 0..3 {
                    let mut store = Store::new(&engine);
                    let inst = store.instantiate(&module, &[]).unwrap();
                    send.clone().send(store.interrupt_handle()).unwrap();
                    assert_eq!(trap_of(call(&mut store, inst, "spin", &[])), WasmTrap::Interrupted);
                    assert_eq!(call(&mut store, inst, "div", &[Val::I32(5)]).unwrap(), [Val::I32(20)]);
                }
            });
            drop(send);
            interrupter.join().unwrap();
        });
    }
}
