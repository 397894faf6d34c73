//! `lathe-wasm`: WebAssembly on Lathe.
//!
//! - [`module`]: parse and validate bytes into [`ModuleInfo`].
//! - [`debug`]: read the module's own DWARF (clang `-g`), mapped to module offsets.
//! - [`translate`]: one IR function per Wasm function, through the `FunctionBuilder`.
//! - [`vmctx`]: the `#[repr(C)]` data compiled code reads (memory, globals, tables, functions).
//! - [`trap`]: the Wasm trap kinds and their IR codes.
//! - [`runtime`]: compile modules (in parallel), instantiate them with imports, call exports;
//!   the embedding API (`Linker`, `TypedFunc`, host data, resource limits; docs/wasm-embedding.md).
//! - [`wasi`]: enough WASI preview 1 for C programs.
//! - [`wast`](mod@wast_runner): the `.wast` spec-test runner.
//!
//! Invariant: translation knows the vmctx layout and the runtime-call names, nothing else of
//! the runtime; the runtime knows the backend only through `TargetIsa` and the JIT.

#![warn(missing_docs)]

pub mod debug;
mod error;
pub mod module;
pub mod runtime;
pub mod translate;
pub mod trap;
pub mod vmctx;
pub mod wasi;
pub mod wast_runner;

pub use error::{WasmError, WasmFrame};
pub use module::ModuleInfo;
pub use runtime::{
    Config, Engine, Exception, Extern, InstanceAllocator, InterruptHandle, Module, PoolingConfig, Store, Val,
};
pub use trap::WasmTrap;

pub use lathe_jit::{Profiler, ProfilingStrategy};
