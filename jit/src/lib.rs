//! `lathe-jit`: runs compiled code inside the current process.
//!
//! Input: [`CompiledCode`](lathe_codegen::machinst::CompiledCode) from a backend (machine
//! code, relocations, trap sites), one per function, plus host symbols (Rust `extern "C"`
//! functions or data addresses) that the code refers to by name.
//!
//! Output: callable functions. [`JitModule::finalize`] places the functions in fresh
//! executable memory (written while read+write, then switched to read+execute, never both
//! writable and executable), patches relocations, and registers the code with the trap
//! handler. [`JitModule::call`] passes [`DataValue`](lathe_codegen::data_value::DataValue) arguments through an entry
//! trampoline that Lathe compiles from IR for the callee's signature (so the calling
//! convention exists only in the backend's ABI layer) and returns either the results or
//! the [`TrapCode`](lathe_codegen::ir::TrapCode) of the hardware trap the code hit; the process carries on after a
//! trap.
//!
//! Modules:
//! - [`module`]: `JitModule`, the public face: definitions, symbols, finalize, call.
//! - `memory`: page-granular executable memory (mmap, mprotect, munmap).
//! - `link`: lays functions, veneers and GOT slots out in a region and applies the
//!   relocations of the host's kinds.
//! - [`libcalls`]: the runtime routines behind `ExternalName::LibCall` relocations.
//! - `tls`: thread-local variables, one block per thread, and the `__tls_get_addr` that
//!   compiled code calls to find them.
//! - `load`: [`compile_and_load`], compiling functions for a target and loading them.
//! - [`entry`]: the entry trampolines built as IR, and the argument buffer they read
//!   (public: the filetest runner's object path uses them for code of any ISA).
//! - `x64`: the x86-64 entry stub (the one hand-written piece of machine code: it saves
//!   the host's registers for trap recovery) and the trap handler's context table.
//! - `traps`: signal handlers, the registry of JIT code, per-thread call contexts.
//! - `debug`: the regions' `.eh_frame` registered with the system unwinder, and the GDB
//!   JIT interface.
//! - [`profile`]: reports placed code to Linux `perf` (a perf map or a jitdump file),
//!   chosen with [`JitModule::set_profiler`].
//!
//! Only x86-64 Linux is supported for now. `unsafe` lives only in this crate; every
//! `unsafe` block carries a `// SAFETY:` comment saying why it is sound.

#![warn(missing_docs)]

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
compile_error!("lathe-jit supports only x86-64 Linux for now");

mod debug;
pub mod entry;
pub mod libcalls;
mod link;
mod load;
mod memory;
pub mod module;
pub mod profile;
mod soft_float;
mod tls;
mod traps;
#[cfg(target_arch = "x86_64")]
mod x64;

/// The host architecture's entry stub and trap-context table: one folder per architecture,
/// chosen here and named nowhere else.
#[cfg(target_arch = "x86_64")]
use x64 as host;

pub use load::{LoadError, Loaded, compile_and_load};
pub use module::{FuncId, JitModule};
pub use profile::{ProfileError, Profiler, ProfilingStrategy};
pub use traps::{DEFAULT_ILLEGAL_INSTRUCTION_TRAP, take_uncaught_exception, thread_stack_low};

pub use lathe_codegen::data_value::CallOutcome;

/// Errors of the JIT.
#[derive(thiserror::Error, Debug)]
pub enum JitError {
    /// A relocation names a symbol that is neither a function of the module nor a host symbol.
    #[error("unknown symbol {0}")]
    UnknownSymbol(String),
    /// A function of this name is already defined in the module.
    #[error("duplicate definition of {0}")]
    DuplicateDefinition(String),
    /// Something the JIT does not handle yet (a type, a calling convention, an alignment).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The arguments given to `call` do not match the function's signature.
    #[error("argument mismatch: {0}")]
    ArgumentMismatch(String),
    /// The compiled code is malformed (a relocation or trap site outside the code, a bad
    /// alignment, a relocation that does not fit).
    #[error("bad compiled code for {name}: {reason}")]
    BadCode {
        /// The function.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The code carries a relocation of a kind the JIT does not apply on this host
    /// (another ISA's).
    #[error("bad compiled code for {name}: the JIT cannot apply a {kind:?} relocation on this host")]
    UnsupportedRelocation {
        /// The function.
        name: String,
        /// The relocation kind.
        kind: lathe_codegen::machinst::RelocKind,
    },
    /// The function id is unknown, or the function has not been finalized yet.
    #[error("function {0} is not finalized")]
    NotFinalized(String),
    /// Writing a profiler file failed.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A system call failed (mmap, mprotect, sigaction, sigaltstack).
    #[error("system error: {0}")]
    Io(#[from] std::io::Error),
}
