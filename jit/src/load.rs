//! Compiling functions for a target and loading them, as the tools that run IR natively
//! all do it (the filetest runner's `test run`, the interpreter-versus-native fuzzer):
//! one copy of the compile-define-finalize sequence and its error cases.
//!
//! A function the backend reports unsupported is left out and listed, so callers can run
//! what did compile and report the rest as unsupported; any other compile error, a
//! definition the JIT refuses, or a failure to link is an error. Each thread-local symbol
//! the functions name becomes a thread-local variable of
//! [`STANDALONE_THREAD_LOCAL_BYTES`], as in the interpreter.

use crate::{JitError, JitModule};
use lathe_codegen::data_value::STANDALONE_THREAD_LOCAL_BYTES;
use lathe_codegen::ir::{ExternalName, Function, GlobalValueData};
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::result::CodegenError;

/// Functions compiled and loaded into a new module.
pub struct Loaded {
    /// The finalized module holding every function that compiled.
    pub module: JitModule,
    /// The functions the target cannot compile yet, each with the backend's reason.
    pub not_compiled: Vec<(ExternalName, String)>,
}

/// Why functions could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The backend failed on a function for a reason other than "unsupported".
    #[error("compiling {name}: {error}")]
    Compile {
        /// The function.
        name: ExternalName,
        /// The backend's error.
        error: CodegenError,
    },
    /// The JIT refused a function's code.
    #[error("loading {name}: {error}")]
    Define {
        /// The function.
        name: ExternalName,
        /// The JIT's error.
        error: JitError,
    },
    /// Linking failed; when some function was left out, that is the likely cause (a call
    /// to it cannot be resolved).
    #[error("linking: {error}")]
    Link {
        /// The JIT's error.
        error: JitError,
        /// The functions left out as unsupported.
        not_compiled: Vec<(ExternalName, String)>,
    },
}

/// Compiles each of `funcs` for `isa` and loads them into a new module.
pub fn compile_and_load<'f>(
    isa: &dyn TargetIsa,
    funcs: impl IntoIterator<Item = &'f Function>,
) -> Result<Loaded, LoadError> {
    let mut module = JitModule::new();
    let mut not_compiled = Vec::new();
    let mut thread_locals: Vec<ExternalName> = Vec::new();
    for f in funcs {
        for gv in f.global_values.values() {
            if let GlobalValueData::Symbol { name, tls: true, .. } = gv
                && !thread_locals.contains(name)
            {
                thread_locals.push(name.clone());
                module
                    .define_thread_local(name.clone(), STANDALONE_THREAD_LOCAL_BYTES as usize, 16)
                    .map_err(|error| LoadError::Define { name: name.clone(), error })?;
            }
        }
        let code = match isa.compile_function(f, false) {
            Ok(code) => code,
            Err(CodegenError::Unsupported(reason)) => {
                not_compiled.push((f.name.clone(), reason));
                continue;
            }
            Err(error) => return Err(LoadError::Compile { name: f.name.clone(), error }),
        };
        module
            .define_function(f.name.clone(), &code, &f.signature)
            .map_err(|error| LoadError::Define { name: f.name.clone(), error })?;
    }
    if let Err(error) = module.finalize() {
        return Err(LoadError::Link { error, not_compiled });
    }
    Ok(Loaded { module, not_compiled })
}
