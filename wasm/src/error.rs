//! The errors of translation, instantiation and calls.

use crate::trap::WasmTrap;

/// One frame of a trap's backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasmFrame {
    /// The function, by its name-section name or index.
    pub func: String,
    /// The byte offset in the module of the instruction (the call, for outer frames).
    pub offset: Option<u32>,
}

/// The backtrace as lines after the trap message (nothing for one frame or none).
fn show_backtrace(frames: &[WasmFrame]) -> String {
    if frames.len() < 2 {
        return String::new();
    }
    let mut s = String::from("\nwasm backtrace:");
    for (k, f) in frames.iter().enumerate() {
        let at = f.offset.map(|o| format!(" at {o:#x}")).unwrap_or_default();
        s += &format!("\n  {k:>2}: {}{at}", f.func);
    }
    s
}

/// Anything that can go wrong between Wasm bytes and results.
#[derive(thiserror::Error, Debug)]
pub enum WasmError {
    /// The bytes are not a valid module (malformed or failing validation).
    #[error("invalid module: {0}")]
    Invalid(String),
    /// A feature Lathe does not handle yet (a type, an instruction, a backend limit).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The backend could not compile a translated function.
    #[error("compiling wasm function {func}: {message}")]
    Codegen {
        /// The function index.
        func: u32,
        /// What the backend said.
        message: String,
    },
    /// Imports did not match the module's needs.
    #[error("link error: {0}")]
    Link(String),
    /// Wasm code trapped.
    #[error("wasm trap: {trap} (in {func}{}){}", offset.map(|o| format!(", at code offset {o:#x}")).unwrap_or_default(), show_backtrace(backtrace))]
    Trap {
        /// The kind.
        trap: WasmTrap,
        /// The Wasm function that trapped (the one the call entered when the trap was in
        /// code no frame could be found for), by its name-section name or index.
        func: String,
        /// The byte offset in the module of the Wasm instruction that trapped, when known.
        offset: Option<u32>,
        /// The Wasm frames at the trap, innermost (the trapping function) first; empty
        /// when they could not be read.
        backtrace: Vec<WasmFrame>,
    },
    /// An exception no Wasm frame caught reached the host (or, returned by a host
    /// function, an exception to throw into the Wasm code that called it).
    #[error("uncaught wasm exception (tag {}, values {:?})", .0.tag, .0.values)]
    Exception(crate::runtime::Exception),
    /// A host function failed.
    #[error("host error: {0}")]
    Host(String),
    /// The program asked to exit (WASI `proc_exit`).
    #[error("exit with status {0}")]
    Exit(i32),
    /// An export is missing or has another kind.
    #[error("no exported {kind} named {name:?}")]
    NoExport {
        /// Function, global, memory or table.
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
    /// Arguments do not match a function's parameters.
    #[error("argument mismatch: {0}")]
    Arguments(String),
    /// A store's resource limiter refused a memory, a table or an instance.
    #[error("resource limit: {0}")]
    Limit(String),
    /// The engine's pooling allocator has no free slot of this kind (every one is held by
    /// a live instance); dropping a store that holds one frees it.
    #[error("pool exhausted: all {slots} {what} slots are in use")]
    PoolExhausted {
        /// `instance`, `memory` or `table`.
        what: &'static str,
        /// How many slots of that kind the pool has.
        slots: u32,
    },
    /// The system refused address space or memory (a reservation or a mapping failed).
    #[error("out of memory: {0}")]
    OutOfMemory(String),
    /// A value or function has another type than the one asked for.
    #[error("type mismatch for {what}: expected {expected}, given {given}")]
    TypeMismatch {
        /// What was asked for (a function by name, an argument).
        what: String,
        /// The type the caller asked for.
        expected: String,
        /// The type it has.
        given: String,
    },
    /// The JIT failed (not a trap).
    #[error("jit: {0}")]
    Jit(String),
}

impl From<String> for WasmError {
    /// A host function's error message (`WasmError::Host`).
    fn from(message: String) -> WasmError {
        WasmError::Host(message)
    }
}

impl From<&str> for WasmError {
    /// A host function's error message (`WasmError::Host`).
    fn from(message: &str) -> WasmError {
        WasmError::Host(message.to_string())
    }
}
