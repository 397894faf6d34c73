//! The runtime: engines, compiled modules, stores with their instances, and calls.
//!
//! - [`Engine`]: the backend (`TargetIsa`) and the [`Config`].
//! - [`Module`]: a parsed, validated module with every defined function compiled (in
//!   parallel with rayon).
//! - [`Store`]: owns instances, memories, tables, globals and functions, each named by an
//!   index handle; instantiation links imports, builds the vmctx, places the code in a
//!   `JitModule`, runs segments and the start function. Calls go through the JIT; traps come
//!   back as [`WasmError::Trap`].
//!
//! - The embedding API on top: [`Linker`] (imports by module and name, host functions
//!   from typed Rust closures), [`TypedFunc`] (calls with Rust types), [`ResourceLimiter`]
//!   (memory, table and instance limits), [`InterruptHandle`] and fuel.
//!
//! - Threads: an [`Engine`] and a [`Module`] are `Send + Sync` (asserted below) and meant
//!   to be shared; a [`Store`] is not `Send`, so each thread makes its own. Traps, stack
//!   overflow and interruption are per thread (the JIT's trap context and alternate signal
//!   stack are thread-local; see `lathe_jit::traps`).
//!
//! Modules: `memory` (mmap-backed linear memory), `pool` (the pooling instance allocator:
//! preallocated memory, table and instance slots, reset on reuse), `store` (instantiation and calls),
//! `libcalls` (the `extern "C"` functions compiled code calls), `typed` (Rust types as
//! Wasm values, typed host functions and calls), `linker`, `limits`.

mod cache;
mod exceptions;
mod libcalls;
pub mod limits;
mod linker;
pub mod memory;
pub mod pool;
pub mod precompiled;
mod store;
mod tier;
mod typed;

pub use limits::{ResourceLimiter, StoreLimits};
pub use linker::Linker;
pub use pool::{InstanceAllocator, PoolingConfig};
pub use store::{Caller, HostFn, InstanceHandle, InterruptHandle, Store};
pub use tier::{TierStats, Tiering};
pub use typed::{
    ExternRef, FuncRef, IntoFunc, SharedHostFn, TypedCaller, TypedFunc, V128, WasmParams, WasmResults, WasmTy,
};

use crate::WasmError;
use crate::debug::WasmDebugInfo;
use crate::module::ModuleInfo;
use crate::translate::{self, BoundsChecks};
use lathe_codegen::ir::{Function, SourceLoc};
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::machinst::CompiledCode;
use lathe_codegen::settings::{Flags, OptLevel};
use lathe_frontend::FunctionBuilderContext;
use lathe_object::{DebugOptions, LineLoc};
use rayon::prelude::*;
use std::fmt;
use std::sync::Arc;
use wasmparser::{FuncType, GlobalType, TableType};

/// Runtime settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// How memory accesses are checked.
    pub bounds_checks: BoundsChecks,
    /// Guard every explicitly bounds-checked access (memory with
    /// [`BoundsChecks::Explicit`], and table elements, which are always checked) so that
    /// a mispredicted check cannot read or write out of bounds speculatively (Spectre v1):
    /// the address is computed with `select_spectre_guard` and is null when the check
    /// fails. On by default; off only for code you trust (docs/security.md). It sets the
    /// codegen settings `enable_heap_access_spectre_mitigation` and
    /// `enable_table_access_spectre_mitigation`, which the translation reads.
    pub spectre_mitigation: bool,
    /// Run the mid-end and the better register allocator.
    pub optimize: bool,
    /// Compile with the single-pass baseline tier (`opt_level=baseline`: fast compiles,
    /// slower code; x86-64 only, and a function it does not cover yet is compiled at
    /// `opt_level=none` instead). Takes precedence over `optimize`.
    pub baseline: bool,
    /// Tiered execution (`lathe run --tier auto`): compile every function at the
    /// baseline tier with counters, and recompile the hot ones at `opt_level=speed` in a
    /// background thread while the program runs, switching running loops over too (see
    /// `runtime/tier.rs`). Takes precedence over `baseline` and `optimize`. x86-64 only,
    /// like the baseline tier (elsewhere the first tier is `opt_level=none`).
    pub tiering: Option<Tiering>,
    /// Where instances report their code for `perf` (each function under its Wasm name,
    /// [`ModuleInfo::func_name`]); by default nowhere.
    pub profiler: lathe_jit::Profiler,
    /// Describe instances' code to gdb (the GDB JIT interface), with the module's own DWARF
    /// (if it has any) mapped onto the native code, as `wasmtime run -g`: gdb then shows
    /// the source language's functions, files and lines.
    pub debug_info: bool,
    /// Compile for the architecture's baseline (x86-64: SSE2, no later extension) rather
    /// than for the features the host has: the code then runs on any CPU of the
    /// architecture, and the baseline lowering paths get exercised (the spec tests run
    /// the SIMD files both ways).
    pub baseline_cpu: bool,
    /// Check the store's interrupt flag on every function entry and loop iteration, so
    /// that an [`InterruptHandle`] (or `lathe run --timeout`) can stop a running guest.
    /// Costs an atomic load and a branch at each.
    pub interruptible: bool,
    /// Charge one unit of the store's fuel on every function entry and loop iteration
    /// (`Store::set_fuel`, `lathe run --fuel`); the guest traps when it runs out.
    pub consume_fuel: bool,
    /// Keep compiled modules in this directory and reuse them: `Module::new` of the same
    /// bytes with the same configuration loads the code instead of compiling it (see
    /// `runtime/cache.rs`; [`Module::from_cache`] tells which happened).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Where instances' memories and tables come from: fresh mappings per memory (the
    /// default) or an engine-wide pool of preallocated slots with fixed limits, reset on
    /// reuse (`runtime/pool.rs`).
    pub allocator: InstanceAllocator,
    /// The Wasm features modules may use: by default every one Lathe supports
    /// ([`crate::module::features`]); turning one off makes modules using it invalid (the
    /// spec runner validates the 1.0 and 2.0 files without the later proposals, whose
    /// files assert, for example, that a second memory is invalid). Features Lathe lacks
    /// stay off whatever this says.
    pub wasm_features: wasmparser::WasmFeatures,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bounds_checks: BoundsChecks::default(),
            spectre_mitigation: true,
            optimize: false,
            baseline: false,
            tiering: None,
            profiler: lathe_jit::Profiler::default(),
            debug_info: false,
            baseline_cpu: false,
            interruptible: false,
            consume_fuel: false,
            cache_dir: None,
            allocator: InstanceAllocator::OnDemand,
            wasm_features: crate::module::features(),
        }
    }
}

/// The backend and settings shared by modules and stores.
#[derive(Clone)]
pub struct Engine {
    pub(crate) isa: Arc<dyn TargetIsa>,
    pub(crate) config: Config,
    /// The slots of the pooling allocator, when the config asks for it.
    pub(crate) pool: Option<Arc<pool::Pool>>,
    /// Under tiering, the backend hot functions are recompiled with (`isa` is then the
    /// first tier's).
    pub(crate) speed_isa: Option<Arc<dyn TargetIsa>>,
}

// Engines and modules are shared between threads; stores are per thread.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Engine>();
    shareable::<Module>();
    shareable::<Config>();
};

impl Engine {
    /// An engine for the host, using the ISA features the host has.
    pub fn new(config: Config) -> Result<Engine, WasmError> {
        let flags = Flags {
            opt_level: match (config.tiering.is_some() || config.baseline, config.optimize) {
                (true, _) => OptLevel::Baseline,
                (false, true) => OptLevel::Speed,
                (false, false) => OptLevel::None,
            },
            enable_verifier: cfg!(debug_assertions),
            enable_heap_access_spectre_mitigation: config.spectre_mitigation,
            enable_table_access_spectre_mitigation: config.spectre_mitigation,
            ..Flags::default()
        };
        let unsupported = |e: &dyn std::fmt::Display| WasmError::Unsupported(e.to_string());
        let builder = if config.baseline_cpu {
            lathe_codegen::isa::lookup(lathe_codegen::isa::Triple::host()).map_err(|e| unsupported(&e))?
        } else {
            lathe_codegen::isa::host_builder().map_err(|e| unsupported(&e))?
        };
        let speed_isa = match config.tiering {
            Some(_) => {
                let flags = Flags { opt_level: OptLevel::Speed, ..flags.clone() };
                Some(Arc::from(builder.clone().with_flags(flags).finish().map_err(|e| unsupported(&e))?))
            }
            None => None,
        };
        let isa = builder.with_flags(flags).finish().map_err(|e| unsupported(&e))?;
        let pool = match &config.allocator {
            InstanceAllocator::OnDemand => None,
            InstanceAllocator::Pooling(p) => Some(pool::Pool::new(p.clone())?),
        };
        Ok(Engine { isa: Arc::from(isa), config, pool, speed_isa })
    }

    /// How functions are translated for this engine.
    pub(crate) fn translate_options(&self) -> translate::TranslateOptions {
        translate::TranslateOptions {
            bounds_checks: self.config.bounds_checks,
            interruptible: self.config.interruptible,
            consume_fuel: self.config.consume_fuel,
            spectre_heap: self.isa.flags().enable_heap_access_spectre_mitigation,
            spectre_table: self.isa.flags().enable_table_access_spectre_mitigation,
            tier: match self.config.tiering {
                Some(_) => translate::TierMode::Counted,
                None => translate::TierMode::Off,
            },
        }
    }

    /// A new store's tiering state, when the engine tiers.
    pub(crate) fn tier_runtime(&self) -> Option<Box<tier::TierRuntime>> {
        let (tiering, isa) = (self.config.tiering.as_ref()?, self.speed_isa.clone()?);
        let options = self.translate_options();
        Some(Box::new(tier::TierRuntime::new(tiering, isa, options, self.config.profiler.clone())))
    }

    /// Compiles one IR function.
    pub(crate) fn compile(&self, func: u32, ir: &lathe_codegen::ir::Function) -> Result<CompiledCode, WasmError> {
        self.isa.compile_function(ir, false).map_err(|e| WasmError::Codegen { func, message: e.to_string() })
    }
}

/// A compiled module, ready to instantiate any number of times.
#[derive(Clone)]
pub struct Module {
    pub(crate) info: Arc<ModuleInfo>,
    /// Code of the defined functions, in order.
    pub(crate) code: Arc<Vec<CompiledCode>>,
    /// IR instructions the translation produced, over all functions (before the mid-end).
    ir_insts: usize,
    /// The module's own DWARF, read when the engine asks for debug information.
    pub(crate) debug: Option<Arc<WasmDebugInfo>>,
    /// Why the module's DWARF could not be read, when it could not.
    debug_error: Option<String>,
    /// Loaded from the module cache.
    from_cache: bool,
}

impl Module {
    /// Parses, validates and compiles `bytes` (or, with [`Config::cache_dir`], loads the
    /// code compiled earlier for the same bytes and configuration).
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module, WasmError> {
        // Tiered code is not cached: its first tier is quick to compile, and the
        // optimized code is made while it runs.
        let Some(dir) = engine.config.cache_dir.as_ref().filter(|_| engine.config.tiering.is_none()) else {
            return Module::compile(engine, bytes);
        };
        let path = cache::entry_path(dir, engine, bytes);
        if let Some(module) = cache::load(engine, &path, bytes) {
            return Ok(module);
        }
        let module = Module::compile(engine, bytes)?;
        cache::store(engine, &path, &module);
        Ok(module)
    }

    /// Whether the module's code was loaded from the cache directory rather than compiled.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module, WasmError> {
        let info = crate::module::parse_with(bytes, engine.config.wasm_features)?;
        let first = info.num_imported_funcs;
        let count = info.bodies.len() as u32;
        let options = engine.translate_options();
        // Largest bodies first: the threads finish together (a large function started
        // last would leave one thread working alone), and each thread's reused tables
        // (the allocator's context, the IR function) grow once, to the largest function's
        // size, rather than step by step over functions whose needs differ.
        let mut order: Vec<u32> = (first..first + count).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(info.bodies[(i - first) as usize].len()));
        let mut compiled = order
            .into_par_iter()
            .map_init(
                || (FunctionBuilderContext::new(), Function::default()),
                |(ctx, ir), i| {
                    translate::translate_function_into(&info, i, options, ctx, ir)?;
                    Ok((i, ir.num_placed_insts(), engine.compile(i, ir)?))
                },
            )
            .collect::<Result<Vec<_>, WasmError>>()?;
        compiled.sort_unstable_by_key(|&(i, ..)| i);
        let ir_insts = compiled.iter().map(|(_, n, _)| n).sum();
        let code = compiled.into_iter().map(|(_, _, c)| c).collect();
        Ok(Module::from_parts(engine, info, code, ir_insts, bytes))
    }

    /// A module from its parsed description and compiled functions (compiled here, or
    /// loaded from a precompiled file), reading its DWARF when the engine asks.
    fn from_parts(engine: &Engine, info: ModuleInfo, code: Vec<CompiledCode>, ir_insts: usize, bytes: &[u8]) -> Module {
        let (debug, debug_error) = match engine.config.debug_info.then(|| WasmDebugInfo::parse(bytes)) {
            Some(Ok(debug)) => (debug.map(Arc::new), None),
            Some(Err(e)) => (None, Some(e.to_string())),
            None => (None, None),
        };
        Module { info: Arc::new(info), code: Arc::new(code), ir_insts, debug, debug_error, from_cache: false }
    }

    /// When debug information was asked for but the module's DWARF could not be read,
    /// why (the code runs and is named all the same, without source lines).
    pub fn debug_info_error(&self) -> Option<&str> {
        self.debug_error.as_deref()
    }

    /// What gdb is told about an instance's code: the module's source files, and each
    /// instruction's Wasm offset mapped through its DWARF line table. Without DWARF the
    /// code has names but no lines.
    pub(crate) fn debug_options(&self) -> DebugOptions {
        let Some(debug) = self.debug.clone() else {
            let mut options = DebugOptions::new("<wasm module without DWARF>");
            options.lines = Box::new(|_| None);
            return options;
        };
        let mut options = DebugOptions::new(debug.files().first().cloned().unwrap_or_else(|| "<unknown>".into()));
        options.files = debug.files().to_vec();
        if options.files.is_empty() {
            options.files.push("<unknown>".into());
        }
        // Source locations are the instructions' offsets in the module (the translation
        // stamps them), the same space the DWARF reader converted its addresses to.
        options.lines = Box::new(move |loc: SourceLoc| {
            let line = debug.lookup(loc.bits())?;
            Some(LineLoc { file: line.file.0, line: line.line, column: line.column })
        });
        options
    }

    /// How many IR instructions the module's functions were translated to (before the
    /// mid-end): the measure of compile throughput in `lathe bench programs`.
    pub fn ir_instructions(&self) -> usize {
        self.ir_insts
    }

    /// Bytes of machine code over all functions.
    pub fn code_size(&self) -> usize {
        self.code.iter().map(|c| c.code.len()).sum()
    }

    /// The module's parsed description.
    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }
}

/// A Wasm value.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Val {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32`, by bits.
    F32(u32),
    /// `f64`, by bits.
    F64(u64),
    /// `v128`, by bits (lane 0 in the low bits, as Wasm's little-endian memory holds it).
    V128(u128),
    /// `funcref`: a function handle of the store, or null.
    FuncRef(Option<u32>),
    /// `externref`: a host value, or null.
    ExternRef(Option<u32>),
    /// `exnref`: an exception of the store (its handle; see [`Store::exception`]), or
    /// null.
    ExnRef(Option<u32>),
}

impl Val {
    /// The type of the value (references as their nullable abstract type).
    pub fn ty(&self) -> wasmparser::ValType {
        use wasmparser::ValType;
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::ExnRef(_) => ValType::EXNREF,
        }
    }

    /// Whether the value can be passed as a `ty`: of its kind, and not null where `ty` is
    /// non-nullable. (A function of a concrete type `(ref $t)` must also be of type `$t`,
    /// which the store checks when a value enters Wasm code.)
    pub fn has_type(&self, ty: wasmparser::ValType) -> bool {
        match (self, ty) {
            (Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None), wasmparser::ValType::Ref(r))
                if !r.is_nullable() =>
            {
                false
            }
            (Val::FuncRef(_), wasmparser::ValType::Ref(r)) => crate::module::is_func_ref(r),
            (Val::ExnRef(_), wasmparser::ValType::Ref(r)) => is_exn_ref(r),
            (Val::ExternRef(_), wasmparser::ValType::Ref(r)) => !crate::module::is_func_ref(r) && !is_exn_ref(r),
            _ => self.ty() == ty,
        }
    }
}

/// Whether a reference type is an exception reference (`exnref`, or its bottom type
/// `nullexnref`; nullable or not).
pub(crate) fn is_exn_ref(r: wasmparser::RefType) -> bool {
    use wasmparser::{AbstractHeapType, HeapType};
    matches!(r.heap_type(), HeapType::Abstract { ty: AbstractHeapType::Exn | AbstractHeapType::NoExn, .. })
}

/// An exception as the host sees it: one that no Wasm frame caught (the error
/// [`WasmError::Exception`] of a call), or one a host function throws into Wasm by
/// returning that error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    /// The tag, a handle of the store ([`Extern::Tag`]'s).
    pub tag: u32,
    /// The values, as many and of the types the tag's parameters say.
    pub values: Vec<Val>,
}

/// Something an instance exports or imports: a handle into a [`Store`].
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Extern {
    /// A function.
    Func(u32),
    /// A memory.
    Memory(u32),
    /// A table.
    Table(u32),
    /// A global.
    Global(u32),
    /// An exception tag.
    Tag(u32),
}

/// The type of an [`Extern`]: what an import asks for, or what a definition is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function of this type.
    Func(FuncType),
    /// A memory of `initial` pages (its current size, for a definition) and a maximum.
    Memory {
        /// Pages.
        initial: u64,
        /// Pages, if bounded.
        maximum: Option<u64>,
        /// 64-bit indices (memory64); an import matches only a memory of the same kind.
        memory64: bool,
    },
    /// A table (its current size as `initial`, for a definition).
    Table(TableType),
    /// A global.
    Global(GlobalType),
    /// An exception tag with the parameters of this function type (no results).
    Tag(FuncType),
}

impl ExternType {
    /// Whether a definition of type `self` can satisfy an import of type `wanted`: the
    /// same function type, the same global type (a subtype, for an immutable global); a
    /// memory or table at least as large as asked,
    /// with a maximum no larger (and present when asked for), of the same element type.
    pub fn satisfies(&self, wanted: &ExternType) -> bool {
        let max_ok = |have: Option<u64>, want: Option<u64>| match (want, have) {
            (None, _) => true,
            (Some(want), Some(have)) => have <= want,
            (Some(_), None) => false,
        };
        match (self, wanted) {
            (ExternType::Func(a), ExternType::Func(b)) => a.params() == b.params() && a.results() == b.results(),
            (
                ExternType::Memory { initial, maximum, memory64 },
                ExternType::Memory { initial: want_initial, maximum: want_max, memory64: want_64 },
            ) => initial >= want_initial && max_ok(*maximum, *want_max) && memory64 == want_64,
            (ExternType::Table(have), ExternType::Table(want)) => {
                have.initial >= want.initial
                    && max_ok(have.maximum, want.maximum)
                    && have.element_type == want.element_type
            }
            // A mutable global is read and written, so its type must be the same; an
            // immutable one is only read, so a subtype will do.
            (ExternType::Global(a), ExternType::Global(b)) => {
                a.mutable == b.mutable
                    && if a.mutable {
                        a.content_type == b.content_type
                    } else {
                        crate::module::is_subtype(a.content_type, b.content_type)
                    }
            }
            (ExternType::Tag(a), ExternType::Tag(b)) => a.params() == b.params() && a.results() == b.results(),
            _ => false,
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = |m: Option<u64>| m.map(|m| format!(" {m}")).unwrap_or_default();
        match self {
            ExternType::Func(t) => write!(f, "{t}"),
            ExternType::Memory { initial, maximum, memory64 } => {
                let index = if *memory64 { "i64 " } else { "" };
                write!(f, "(memory {index}{initial}{})", max(*maximum))
            }
            ExternType::Table(t) => write!(f, "(table {}{} {})", t.initial, max(t.maximum), t.element_type),
            ExternType::Global(g) if g.mutable => write!(f, "(global (mut {}))", g.content_type),
            ExternType::Global(g) => write!(f, "(global {})", g.content_type),
            ExternType::Tag(t) => write!(f, "(tag {t})"),
        }
    }
}
