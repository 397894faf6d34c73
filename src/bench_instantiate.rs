//! `lathe bench instantiate`: how fast the Wasm runtime makes and drops instances and
//! calls into them, on one thread and on several, with the on-demand and the pooling
//! allocator, and whether churn leaves memory or mappings behind.
//!
//! A cycle is: a new store, instantiate a small module (a one-page memory, a table, a
//! global), one call that checks the memory's first word is zero (no earlier tenant's
//! secret) and writes this cycle's secret there, drop the store. Calls per second are
//! measured separately: one instance per thread, a small function called in a loop.
//! After the run, the process's resident memory and mapping count are compared with their
//! values after the first 1,000 cycles. Figures go to docs/performance.md; nothing here
//! is asserted by tests (`wasm/tests/load.rs` checks the same churn at a small size).

use lathe_wasm::{Config, Engine, Extern, InstanceAllocator, Module, PoolingConfig, Store, Val};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Options of `lathe bench instantiate`.
#[derive(clap::Args)]
pub struct Options {
    /// Threads; by default one, then as many as the machine has cores.
    #[arg(long)]
    threads: Option<usize>,
    /// Instantiate-call-drop cycles per thread.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// Calls per thread in the call benchmark.
    #[arg(long, default_value_t = 1_000_000)]
    calls: usize,
    /// Only the pooling allocator (by default both).
    #[arg(long, conflicts_with = "on_demand")]
    pooling: bool,
    /// Only the on-demand allocator (by default both).
    #[arg(long)]
    on_demand: bool,
}

const MODULE: &str = r#"
(module
  (memory 1 4)
  (table 4 funcref)
  (global $g (mut i64) (i64.const 0))
  (func (export "tenant") (param $secret i64) (result i32)
    (local $seen i64)
    (local.set $seen (i64.load (i32.const 0)))
    (i64.store (i32.const 0) (local.get $secret))
    (global.set $g (local.get $secret))
    (i64.ne (local.get $seen) (i64.const 0)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
"#;

/// Resident bytes and mapping count of the process.
fn usage() -> (u64, usize) {
    let rss_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0u64);
    let maps = std::fs::read_to_string("/proc/self/maps").map_or(0, |m| m.lines().count());
    (rss_kib * 1024, maps)
}

fn func(store: &Store, inst: lathe_wasm::runtime::InstanceHandle, name: &str) -> Result<u32, String> {
    match store.export(inst, name) {
        Some(Extern::Func(f)) => Ok(f),
        _ => Err(format!("no export {name}")),
    }
}

/// One cycle; an error if the instance saw an earlier tenant's secret.
fn cycle(engine: &Engine, module: &Module, secret: i64) -> Result<(), String> {
    let mut store = Store::new(engine);
    let inst = store.instantiate(module, &[]).map_err(|e| e.to_string())?;
    let f = func(&store, inst, "tenant")?;
    match store.call(f, &[Val::I64(secret)]).map_err(|e| e.to_string())?[..] {
        [Val::I32(0)] => Ok(()),
        _ => Err("an instance read an earlier tenant's secret".into()),
    }
}

/// What one configuration measured.
struct Figures {
    cycles: usize,
    cycle_time: Duration,
    calls: usize,
    call_time: Duration,
    /// Resident bytes and mappings after the first 1,000 cycles (over all threads) and at the end.
    after_first: (u64, usize),
    at_end: (u64, usize),
}

fn measure(engine: &Engine, threads: usize, count: usize, calls: usize) -> Result<Figures, String> {
    let module = Module::new(engine, &wast_bytes(MODULE)?).map_err(|e| e.to_string())?;
    // The first 1,000 cycles (shared among the threads) run before the first measurement.
    let first = 1000usize.div_ceil(threads).min(count);
    let barrier = Barrier::new(threads + 1);
    let result = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, module) = (&barrier, &module);
                s.spawn(move || -> Result<(Duration, Duration), String> {
                    let secret = |i: usize| ((t as i64 + 1) << 40) | (i as i64 + 1);
                    let mut outcome = (0..first).try_for_each(|i| cycle(engine, module, secret(i)));
                    barrier.wait();
                    barrier.wait();
                    let start = Instant::now();
                    if outcome.is_ok() {
                        outcome = (first..count).try_for_each(|i| cycle(engine, module, secret(i)));
                    }
                    let cycle_time = start.elapsed();
                    barrier.wait();
                    barrier.wait();
                    outcome?;
                    let mut store = Store::new(engine);
                    let inst = store.instantiate(module, &[]).map_err(|e| e.to_string())?;
                    let add = func(&store, inst, "add")?;
                    let start = Instant::now();
                    for i in 0..calls {
                        let r = store.call(add, &[Val::I32(i as i32), Val::I32(1)]).map_err(|e| e.to_string())?;
                        if r[..] != [Val::I32((i as i32).wrapping_add(1))] {
                            return Err(format!("add returned {r:?}"));
                        }
                    }
                    Ok((cycle_time, start.elapsed()))
                })
            })
            .collect();
        barrier.wait();
        let after_first = usage();
        barrier.wait();
        barrier.wait();
        let at_end = usage();
        barrier.wait();
        let mut times = Vec::new();
        for w in workers {
            times.push(w.join().map_err(|_| "a benchmark thread panicked".to_string())??);
        }
        Ok::<_, String>((after_first, at_end, times))
    });
    let (after_first, at_end, times) = result?;
    // Threads run side by side: the slowest one's time is the wall time.
    let cycle_time = times.iter().map(|t| t.0).max().unwrap_or_default();
    let call_time = times.iter().map(|t| t.1).max().unwrap_or_default();
    Ok(Figures {
        cycles: (count - first) * threads,
        cycle_time,
        calls: calls * threads,
        call_time,
        after_first,
        at_end,
    })
}

fn wast_bytes(src: &str) -> Result<Vec<u8>, String> {
    let buf = wast::parser::ParseBuffer::new(src).map_err(|e| e.to_string())?;
    let mut w: wast::Wat = wast::parser::parse(&buf).map_err(|e| e.to_string())?;
    w.encode().map_err(|e| e.to_string())
}

fn change(before: f64, after: f64) -> String {
    if before == 0.0 { "n/a".into() } else { format!("{:+.1}%", (after - before) / before * 100.0) }
}

/// Runs the benchmark and prints a table.
pub fn run(options: &Options) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let thread_counts = match options.threads {
        Some(n) => vec![n.max(1)],
        None if cores > 1 => vec![1, cores],
        None => vec![1],
    };
    let mut allocators = Vec::new();
    if !options.pooling {
        allocators.push(("on-demand", InstanceAllocator::OnDemand));
    }
    if !options.on_demand {
        let slots = *thread_counts.iter().max().unwrap_or(&1) as u32;
        let pool = PoolingConfig {
            instances: slots,
            memories: slots,
            max_memory_pages: 4,
            tables: slots,
            max_table_elements: 4,
            ..PoolingConfig::default()
        };
        allocators.push(("pooling", InstanceAllocator::Pooling(pool)));
    }
    println!("{cores} cores; {} cycles and {} calls per thread", options.count, options.calls);
    println!(
        "{:<10} {:>7} {:>12} {:>12} {:>14} {:>14} {:>8} {:>12}",
        "allocator", "threads", "inst/s", "calls/s", "RSS@1k MiB", "RSS@end MiB", "RSS", "maps 1k->end"
    );
    for (name, allocator) in &allocators {
        let engine =
            Engine::new(Config { allocator: allocator.clone(), ..Config::default() }).map_err(|e| e.to_string())?;
        for &threads in &thread_counts {
            let f = measure(&engine, threads, options.count.max(1), options.calls)?;
            let per_sec = |n: usize, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
            let mib = |b: u64| b as f64 / (1 << 20) as f64;
            println!(
                "{:<10} {:>7} {:>12.0} {:>12.0} {:>14.1} {:>14.1} {:>8} {:>12}",
                name,
                threads,
                per_sec(f.cycles, f.cycle_time),
                per_sec(f.calls, f.call_time),
                mib(f.after_first.0),
                mib(f.at_end.0),
                change(f.after_first.0 as f64, f.at_end.0 as f64),
                format!("{}->{}", f.after_first.1, f.at_end.1),
            );
        }
    }
    Ok(())
}
