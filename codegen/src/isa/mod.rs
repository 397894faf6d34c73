//! Instruction set architectures. Each ISA turns IR into machine code through the shared
//! machine layer (`crate::machinst`); [`lookup`] finds one by architecture name with its
//! feature flags.
//!
//! Invariant: an ISA knows nothing about Wasm or any other front end.

pub mod x64;

use crate::ir::Function;
use crate::machinst::CompiledCode;
use crate::result::CodegenError;
use crate::settings::Flags;

/// A target: an ISA with its feature flags and the shared settings.
pub trait TargetIsa: Send + Sync {
    /// The architecture name (`x86_64`).
    fn name(&self) -> &'static str;
    /// The shared settings.
    fn flags(&self) -> &Flags;
    /// The ISA feature flags that are on, by their canonical names (`has_sse41`, ...).
    fn isa_flags(&self) -> Vec<&'static str>;
    /// Compiles one function; with `want_listing`, the result carries the instruction
    /// listing.
    fn compile_function(&self, func: &Function, want_listing: bool) -> Result<CompiledCode, CodegenError>;
    /// Compiles one function, adding the time of each stage to `times`.
    fn compile_function_timed(
        &self,
        func: &Function,
        times: &mut crate::machinst::StageTimes,
    ) -> Result<CompiledCode, CodegenError>;
}

/// Why a target could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Lathe has no backend for this architecture yet.
    #[error("no backend for architecture `{0}` yet")]
    Unsupported(String),
    /// The architecture is not one Lathe knows.
    #[error("unknown architecture `{0}`")]
    UnknownArch(String),
    /// An ISA flag the architecture does not have.
    #[error("unknown {arch} ISA flag `{flag}`")]
    UnknownFlag {
        /// The architecture.
        arch: String,
        /// The flag.
        flag: String,
    },
}

/// Compiles `func` for `isa` (the entry point of code generation).
pub fn compile(func: &Function, isa: &dyn TargetIsa) -> Result<CompiledCode, CodegenError> {
    isa.compile_function(func, false)
}

/// The target named `arch` (as in a `target` line) with ISA `flags` and settings.
pub fn lookup(arch: &str, isa_flags: &[String], flags: Flags) -> Result<Box<dyn TargetIsa>, LookupError> {
    match arch {
        "x86_64" => Ok(Box::new(x64::X64Isa::new(isa_flags, flags)?)),
        "aarch64" | "riscv64" | "s390x" => Err(LookupError::Unsupported(arch.to_string())),
        other => match other.parse::<target_lexicon::Triple>() {
            Ok(t) if t.architecture == target_lexicon::Architecture::X86_64 => {
                Ok(Box::new(x64::X64Isa::new(isa_flags, flags)?))
            }
            Ok(t) => Err(LookupError::Unsupported(t.architecture.to_string())),
            Err(_) => Err(LookupError::UnknownArch(other.to_string())),
        },
    }
}

/// The architecture name of the machine running this code, as `lookup` takes it.
pub fn host_arch() -> &'static str {
    match target_lexicon::HOST.architecture {
        target_lexicon::Architecture::X86_64 => "x86_64",
        target_lexicon::Architecture::Aarch64(_) => "aarch64",
        target_lexicon::Architecture::Riscv64(_) => "riscv64",
        target_lexicon::Architecture::S390x => "s390x",
        _ => "unknown",
    }
}

/// Each ISA's lowering rules with their firing counts, for `lathe coverage` (see
/// [`crate::rule_coverage`]).
pub fn lowering_rule_sets() -> Vec<crate::rule_coverage::RuleSet> {
    vec![x64::lowering_rules()]
}
