//! The Wasm differential check: a `wasm-smith` module, made from the input bytes, is run by
//! `wasmi` (the reference) and by Lathe at `opt_level=none`, at `opt_level=speed`, at
//! the baseline tier and tiered (see `engines`), and every exported function must give
//! the same results or the same kind of trap in all of them.
//!
//! The module has no imports and canonical NaNs (so float results are deterministic), and
//! `ensure_termination` bounds every loop and call chain with a fuel global. Fixed-width
//! SIMD is on (wasm-smith canonicalizes NaNs in vector lanes too); relaxed SIMD is off (its
//! results may differ between engines by design), and so are the features the Lathe front
//! end does not take (threads, GC) and those `wasmi` lacks (exception handling, typed
//! function references; `tests/exceptions.rs` and the spec suite cover those). Tail
//! calls, memory64 and up to three memories are on. The bytes left after the module
//! choose the arguments of each call, leaning on edge values (0, -1, the minimum and
//! maximum, NaN, infinities, signed zeros).
//!
//! Exports are called in order; state (memory, globals, tables, the fuel) carries over
//! between calls, the same in both engines. Not findings, reported as skipped: a module
//! either engine rejects, an instantiation that fails in both, and a call that exhausts the
//! stack in one engine (how deep recursion may go is up to the engine; after it the two
//! states may differ, so the remaining exports are not compared).

use super::{Mismatch, Verdict};
use arbitrary::{Arbitrary, Unstructured};
use lathe_wasm::{Extern, Val, WasmError, WasmTrap};
use std::fmt::Write as _;
use std::sync::OnceLock;

/// The Lathe engines every check runs, made once (they hold only the target and
/// settings): `opt_level=none` with the single-pass allocator, `opt_level=speed` with
/// the mid-end and the backtracking allocator, the baseline tier, and tiered execution
/// moving each function to `speed` at its second count (entry or loop iteration; the
/// compiles are waited for, so a failing input reproduces).
fn engines() -> &'static [(&'static str, lathe_wasm::Engine); 4] {
    static ENGINES: OnceLock<[(&'static str, lathe_wasm::Engine); 4]> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let engine = |config: lathe_wasm::Config| lathe_wasm::Engine::new(config).expect("the host is supported");
        let base = lathe_wasm::Config::default;
        let tiering = lathe_wasm::runtime::Tiering { threshold: 2, synchronous: true };
        [
            ("opt_level=none", engine(base())),
            ("opt_level=speed", engine(lathe_wasm::Config { optimize: true, ..base() })),
            ("opt_level=baseline", engine(lathe_wasm::Config { baseline: true, ..base() })),
            ("tiered", engine(lathe_wasm::Config { tiering: Some(tiering), ..base() })),
        ]
    })
}

/// What `wasm-smith` may generate: the Wasm Lathe supports, small memories, no imports.
fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        min_types: 1,
        min_funcs: 1,
        canonicalize_nans: true,
        export_everything: true,
        simd_enabled: true,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: true,
        memory64_enabled: true,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        max_memories: 3,
        max_memory32_bytes: 1 << 20,
        max_memory64_bytes: 1 << 20,
        ..wasm_smith::Config::default()
    }
}

/// Fuel per module: each loop iteration and call spends one unit.
const FUEL: u32 = 1_000;

/// The module `bytes` make (what the check runs), or `None` when `wasm-smith` cannot make
/// one. Write it to a file to reproduce a finding with `lathe run --invoke`.
pub fn wasm_diff_module(bytes: &[u8]) -> Option<Vec<u8>> {
    module_and_rest(&mut Unstructured::new(bytes))
}

fn module_and_rest(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    let mut module = wasm_smith::Module::new(smith_config(), u).ok()?;
    module.ensure_termination(FUEL).ok()?;
    Some(module.to_bytes())
}

/// A value both engines take, kept as its type and raw bits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Arg {
    I32(u32),
    I64(u64),
    F32(u32),
    F64(u64),
    /// A null `funcref` (the only one a caller outside the module can make).
    NullFunc,
    /// A null `externref`.
    NullExtern,
    /// A `v128`, as its bits.
    V128(u128),
}

impl Arg {
    /// An argument of type `ty` from `u`: an edge value half of the time.
    fn arbitrary(ty: &wasmi::core::ValType, u: &mut Unstructured<'_>) -> Arg {
        use wasmi::core::ValType as T;
        let edge = bool::arbitrary(u).unwrap_or(false);
        let pick = |u: &mut Unstructured<'_>, edges: &[u64]| -> u64 {
            let i = usize::arbitrary(u).unwrap_or(0) % edges.len();
            edges[i]
        };
        match ty {
            T::I32 if edge => Arg::I32(pick(u, &[0, 1, u32::MAX as u64, 0x8000_0000, 0x7fff_ffff, 0x10000]) as u32),
            T::I32 => Arg::I32(u32::arbitrary(u).unwrap_or(0)),
            T::I64 if edge => Arg::I64(pick(u, &[0, 1, u64::MAX, 1 << 63, (1 << 63) - 1, 1 << 32])),
            T::I64 => Arg::I64(u64::arbitrary(u).unwrap_or(0)),
            T::F32 if edge => Arg::F32(pick(
                u,
                &[0, 0x8000_0000, 0x7fc0_0000, 0x7f80_0000, 0xff80_0000, 0x3f80_0000, 0x4f00_0000, 0xcf00_0000],
            ) as u32),
            T::F32 => Arg::F32(u32::arbitrary(u).unwrap_or(0)),
            T::F64 if edge => Arg::F64(pick(
                u,
                &[
                    0,
                    1 << 63,
                    0x7ff8_0000_0000_0000,
                    0x7ff0_0000_0000_0000,
                    0xfff0_0000_0000_0000,
                    0x3ff0_0000_0000_0000,
                    0x43e0_0000_0000_0000,
                    0xc3e0_0000_0000_0000,
                ],
            )),
            T::F64 => Arg::F64(u64::arbitrary(u).unwrap_or(0)),
            T::FuncRef => Arg::NullFunc,
            T::ExternRef => Arg::NullExtern,
            T::V128 if edge => Arg::V128(
                pick(u, &[0, u64::MAX, 0x8000_0000_8000_0000, 0x7fc0_0000_3f80_0000]) as u128 * 0x1_0000_0000_0000_0001,
            ),
            T::V128 => Arg::V128(u128::arbitrary(u).unwrap_or(0)),
        }
    }

    fn wasmi(self) -> wasmi::Val {
        match self {
            Arg::I32(x) => wasmi::Val::I32(x as i32),
            Arg::I64(x) => wasmi::Val::I64(x as i64),
            Arg::F32(x) => wasmi::Val::F32(f32::from_bits(x).into()),
            Arg::F64(x) => wasmi::Val::F64(f64::from_bits(x).into()),
            Arg::NullFunc => wasmi::Val::default(wasmi::core::ValType::FuncRef),
            Arg::NullExtern => wasmi::Val::default(wasmi::core::ValType::ExternRef),
            Arg::V128(x) => wasmi::Val::V128(x.into()),
        }
    }

    fn lathe(self) -> Val {
        match self {
            Arg::I32(x) => Val::I32(x as i32),
            Arg::I64(x) => Val::I64(x as i64),
            Arg::F32(x) => Val::F32(x),
            Arg::F64(x) => Val::F64(x),
            Arg::NullFunc => Val::FuncRef(None),
            Arg::NullExtern => Val::ExternRef(None),
            Arg::V128(x) => Val::V128(x),
        }
    }
}

/// The kinds of trap both engines tell apart. `wasmi` uses one code for an index outside
/// the table in `call_indirect` and in table instructions, and one for every null
/// dereference; Lathe's finer kinds fold into these.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum TrapClass {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    Null,
    DivideByZero,
    IntegerOverflow,
    BadConversion,
    BadSignature,
    StackOverflow,
}

impl TrapClass {
    fn of_wasmi(code: wasmi::core::TrapCode) -> Option<TrapClass> {
        use wasmi::core::TrapCode as C;
        Some(match code {
            C::UnreachableCodeReached => TrapClass::Unreachable,
            C::MemoryOutOfBounds => TrapClass::MemoryOutOfBounds,
            C::TableOutOfBounds => TrapClass::TableOutOfBounds,
            C::IndirectCallToNull => TrapClass::Null,
            C::IntegerDivisionByZero => TrapClass::DivideByZero,
            C::IntegerOverflow => TrapClass::IntegerOverflow,
            C::BadConversionToInteger => TrapClass::BadConversion,
            C::StackOverflow => TrapClass::StackOverflow,
            C::BadSignature => TrapClass::BadSignature,
            // Fuel metering and resource limiters are off; anything else is host-side.
            _ => return None,
        })
    }

    fn of_lathe(trap: WasmTrap) -> Option<TrapClass> {
        Some(match trap {
            WasmTrap::Unreachable => TrapClass::Unreachable,
            WasmTrap::MemoryOutOfBounds => TrapClass::MemoryOutOfBounds,
            WasmTrap::UndefinedElement | WasmTrap::TableOutOfBounds => TrapClass::TableOutOfBounds,
            WasmTrap::UninitializedElement | WasmTrap::NullReference | WasmTrap::NullFunctionReference => {
                TrapClass::Null
            }
            WasmTrap::IntegerDivideByZero => TrapClass::DivideByZero,
            WasmTrap::IntegerOverflow => TrapClass::IntegerOverflow,
            WasmTrap::InvalidConversionToInteger => TrapClass::BadConversion,
            WasmTrap::IndirectCallTypeMismatch => TrapClass::BadSignature,
            WasmTrap::CallStackExhausted => TrapClass::StackOverflow,
            // No imports, so no host function can ask to stop; interruption and fuel are
            // off in these engines.
            WasmTrap::HostExit | WasmTrap::Interrupted | WasmTrap::OutOfFuel => return None,
        })
    }
}

/// What one call gave: results as raw bits (a reference as 0 for null, 1 otherwise: the
/// engines number functions differently), or a trap.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Values(Vec<u128>),
    Trap(TrapClass),
}

fn bits_wasmi(v: &wasmi::Val) -> u128 {
    match v {
        wasmi::Val::I32(x) => *x as u32 as u128,
        wasmi::Val::I64(x) => *x as u64 as u128,
        wasmi::Val::F32(x) => x.to_bits() as u128,
        wasmi::Val::F64(x) => x.to_bits() as u128,
        wasmi::Val::V128(x) => x.as_u128(),
        wasmi::Val::FuncRef(r) => !r.is_null() as u128,
        wasmi::Val::ExternRef(r) => !r.is_null() as u128,
    }
}

fn bits_lathe(v: &Val) -> u128 {
    match v {
        Val::I32(x) => *x as u32 as u128,
        Val::I64(x) => *x as u64 as u128,
        Val::F32(x) => *x as u128,
        Val::F64(x) => *x as u128,
        Val::V128(x) => *x,
        Val::FuncRef(r) | Val::ExternRef(r) | Val::ExnRef(r) => r.is_some() as u128,
    }
}

/// The `wasm_diff` check on fuzzer bytes.
pub fn check_wasm_diff(bytes: &[u8]) -> Result<Verdict, Mismatch> {
    let mut u = Unstructured::new(bytes);
    let Some(wasm) = module_and_rest(&mut u) else {
        return Ok(Verdict::Skipped("wasm-smith made no module".into()));
    };

    // wasmi, the reference.
    // Deep enough that the fuel, not wasmi's default limit of 1000 frames, ends recursion.
    let mut wconfig = wasmi::Config::default();
    wconfig.set_max_recursion_depth(100_000);
    wconfig.wasm_memory64(true);
    let wengine = wasmi::Engine::new(&wconfig);
    let wmodule = match wasmi::Module::new(&wengine, &wasm[..]) {
        Ok(m) => m,
        Err(e) => return Ok(Verdict::Skipped(format!("wasmi rejects the module: {e}"))),
    };
    let mut wstore = wasmi::Store::new(&wengine, ());
    let winst = wasmi::Linker::<()>::new(&wengine).instantiate_and_start(&mut wstore, &wmodule);

    let reproduce = |what: String| {
        let mut details = String::new();
        let _ = writeln!(details, "module ({} bytes, from `wasm_diff_module(input)`):", wasm.len());
        for chunk in wasm.chunks(32) {
            let _ = writeln!(details, "  {}", chunk.iter().map(|b| format!("{b:02x}")).collect::<String>());
        }
        Mismatch::new(what, details)
    };

    // Lathe, at each optimisation level: one store and instance each.
    let mut lathe = Vec::with_capacity(engines().len());
    for (level, engine) in engines() {
        let module = match lathe_wasm::Module::new(engine, &wasm) {
            Ok(m) => m,
            Err(e) => return Ok(Verdict::Skipped(format!("Lathe rejects the module: {e}"))),
        };
        let mut store = lathe_wasm::Store::new(engine);
        let inst = store.instantiate(&module, &[]);
        match (&winst, inst) {
            (Ok(_), Ok(inst)) => lathe.push((*level, store, inst)),
            (Err(_), Err(_)) => return Ok(Verdict::Skipped("instantiation fails in both engines".into())),
            (Ok(_), Err(e)) => {
                return Err(reproduce(format!("Lathe ({level}) fails to instantiate a module wasmi runs: {e}")));
            }
            (Err(e), Ok(_)) => {
                return Err(reproduce(format!("wasmi fails to instantiate ({e}) but Lathe ({level}) instantiates")));
            }
        }
    }
    let Ok(winst) = winst else { unreachable!("a failed wasmi instantiation returned above") };

    let names: Vec<String> =
        winst.exports(&wstore).filter(|e| e.clone().into_func().is_some()).map(|e| e.name().to_string()).collect();
    let mut compared = 0usize;
    for name in &names {
        let name = name.as_str();
        let Some(wf) = winst.get_func(&wstore, name) else { continue };
        let ty = wf.ty(&wstore);
        let args: Vec<Arg> = ty.params().iter().map(|t| Arg::arbitrary(t, &mut u)).collect();
        let mut results: Vec<wasmi::Val> = ty.results().iter().map(|t| wasmi::Val::default(*t)).collect();
        let wargs: Vec<wasmi::Val> = args.iter().map(|a| a.wasmi()).collect();
        let largs: Vec<Val> = args.iter().map(|a| a.lathe()).collect();

        let expected = match wf.call(&mut wstore, &wargs, &mut results) {
            Ok(()) => Outcome::Values(results.iter().map(bits_wasmi).collect()),
            Err(e) => match e.as_trap_code().and_then(TrapClass::of_wasmi) {
                Some(class) => Outcome::Trap(class),
                None => return Ok(Verdict::Skipped(format!("wasmi stopped with a host error: {e}"))),
            },
        };
        for (level, store, inst) in &mut lathe {
            let Some(Extern::Func(f)) = store.export(*inst, name) else {
                return Err(reproduce(format!("Lathe ({level}) has no exported function `{name}`")));
            };
            let actual = match store.call(f, &largs) {
                Ok(vals) => Outcome::Values(vals.iter().map(bits_lathe).collect()),
                Err(WasmError::Trap { trap, .. }) => match TrapClass::of_lathe(trap) {
                    Some(class) => Outcome::Trap(class),
                    None => return Err(reproduce(format!("export `{name}` stopped Lathe ({level}) with {trap}"))),
                },
                Err(e) => return Err(reproduce(format!("calling `{name}` in Lathe ({level}) failed: {e}"))),
            };
            let overflow = Outcome::Trap(TrapClass::StackOverflow);
            if expected != actual && (expected == overflow || actual == overflow) {
                let which = if actual == overflow { "Lathe" } else { "wasmi" };
                return Ok(Verdict::Skipped(format!("{which} alone exhausted its stack")));
            }
            if expected != actual {
                return Err(reproduce(format!(
                    "export `{name}` with arguments {args:?}: wasmi gives {expected:?}, Lathe ({level}) gives {actual:?}"
                )));
            }
        }
        compared += 1;
    }
    if compared == 0 {
        return Ok(Verdict::Skipped(format!("no exported function to compare ({} exported)", names.len())));
    }
    Ok(Verdict::Checked)
}
