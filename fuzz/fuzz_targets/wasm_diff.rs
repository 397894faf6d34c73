//! Fuzz target `wasm_diff`: a `wasm-smith` module is run by Lathe and by `wasmi`, and every
//! exported function must give the same results, or trap in both.
//!
//! The module has no imports and canonical NaNs (so results are deterministic), and
//! `ensure_termination` bounds every loop and call chain with fuel. Features Lathe's Wasm
//! front end does not take (SIMD, threads, exceptions, GC, tail calls, memory64, several
//! memories) are switched off in the generator; a module either engine rejects is skipped.
//! Exports are called in order with zero arguments; state carries over between calls, the
//! same in both engines. Trap kinds are not compared (the engines name some differently),
//! only whether a call trapped.

#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use lathe_wasm::WasmError;
use lathe_wasm::runtime::{self as lw, Extern, Val};

/// Modules generated, modules both engines ran, and calls compared; printed now and then
/// so a run shows that it compares something rather than skipping everything.
static GENERATED: AtomicU64 = AtomicU64::new(0);
static RAN: AtomicU64 = AtomicU64::new(0);
static COMPARED: AtomicU64 = AtomicU64::new(0);

fn report() {
    let g = GENERATED.fetch_add(1, Relaxed) + 1;
    if g.is_power_of_two() {
        eprintln!(
            "wasm_diff: {g} modules generated, {} run by both engines, {} calls compared",
            RAN.load(Relaxed),
            COMPARED.load(Relaxed)
        );
    }
}

fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        canonicalize_nans: true,
        export_everything: true,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        max_memories: 1,
        max_memory32_bytes: 1 << 20,
        ..wasm_smith::Config::default()
    }
}

/// What one call gave: results as raw bits, or a trap.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Values(Vec<u64>),
    Trap,
}

fn zero_wasmi(ty: &wasmi::core::ValType) -> Option<wasmi::Val> {
    use wasmi::core::ValType as T;
    Some(match ty {
        T::I32 => wasmi::Val::I32(0),
        T::I64 => wasmi::Val::I64(0),
        T::F32 => wasmi::Val::F32(0.0f32.into()),
        T::F64 => wasmi::Val::F64(0.0f64.into()),
        _ => return None,
    })
}

fn bits_wasmi(v: &wasmi::Val) -> Option<u64> {
    Some(match v {
        wasmi::Val::I32(x) => *x as u32 as u64,
        wasmi::Val::I64(x) => *x as u64,
        wasmi::Val::F32(x) => x.to_bits() as u64,
        wasmi::Val::F64(x) => x.to_bits(),
        _ => return None,
    })
}

fn bits_lathe(v: &Val) -> Option<u64> {
    Some(match v {
        Val::I32(x) => *x as u32 as u64,
        Val::I64(x) => *x as u64,
        Val::F32(x) => *x as u64,
        Val::F64(x) => *x,
        _ => return None,
    })
}

fn zero_lathe(v: &wasmi::Val) -> Val {
    match v {
        wasmi::Val::I32(_) => Val::I32(0),
        wasmi::Val::I64(_) => Val::I64(0),
        wasmi::Val::F32(_) => Val::F32(0),
        _ => Val::F64(0),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut module) = wasm_smith::Module::new(config(), &mut u) else { return };
    if module.ensure_termination(1_000).is_err() {
        return;
    }
    let bytes = module.to_bytes();
    report();

    // wasmi, the reference.
    let engine = wasmi::Engine::default();
    let Ok(wmodule) = wasmi::Module::new(&engine, &bytes) else { return };
    let mut wstore = wasmi::Store::new(&engine, ());
    let linker = wasmi::Linker::<()>::new(&engine);
    let winst = linker.instantiate_and_start(&mut wstore, &wmodule);

    // Lathe.
    let Ok(lengine) = lw::Engine::new(lw::Config::default()) else { return };
    let lmodule = match lw::Module::new(&lengine, &bytes) {
        Ok(m) => m,
        // The front end rejects what it does not support; wasmi took the module.
        Err(_) => return,
    };
    let mut lstore = lw::Store::new(&lengine);
    let linst = lstore.instantiate(&lmodule, &[]);

    let (winst, linst) = match (winst, linst) {
        (Ok(w), Ok(l)) => {
            RAN.fetch_add(1, Relaxed);
            (w, l)
        }
        (Err(_), Err(_)) => return,
        (Ok(_), Err(e)) => panic!("Lathe failed to instantiate a module wasmi runs: {e}"),
        (Err(e), Ok(_)) => panic!("wasmi failed to instantiate ({e}) but Lathe instantiated"),
    };

    let names: Vec<String> =
        winst.exports(&wstore).filter(|e| e.clone().into_func().is_some()).map(|e| e.name().to_string()).collect();
    for name in names {
        let Some(wf) = winst.get_func(&wstore, &name) else { continue };
        let ty = wf.ty(&wstore);
        let Some(params) = ty.params().iter().map(zero_wasmi).collect::<Option<Vec<_>>>() else { continue };
        let Some(mut results) = ty.results().iter().map(zero_wasmi).collect::<Option<Vec<_>>>() else { continue };
        let Some(Extern::Func(lf)) = lstore.export(linst, &name) else {
            panic!("Lathe has no exported function `{name}`");
        };
        let largs: Vec<Val> = params.iter().map(zero_lathe).collect();

        let expected = match wf.call(&mut wstore, &params, &mut results) {
            Ok(()) => Outcome::Values(results.iter().map(|v| bits_wasmi(v).unwrap()).collect()),
            Err(e) if e.as_trap_code().is_some() => Outcome::Trap,
            // Out of fuel or another host-side error: the states may diverge from here.
            Err(_) => return,
        };
        let actual = match lstore.call(lf, &largs) {
            Ok(vals) => Outcome::Values(vals.iter().map(|v| bits_lathe(v).unwrap()).collect()),
            Err(WasmError::Trap { .. }) => Outcome::Trap,
            Err(e) => panic!("calling `{name}` in Lathe failed: {e}"),
        };
        COMPARED.fetch_add(1, Relaxed);
        assert_eq!(expected, actual, "export `{name}`: wasmi (left) and Lathe (right) differ");
    }
});
