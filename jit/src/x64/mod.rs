//! x86-64 specifics of the JIT: the entry stub that Rust calls (with the trap landing
//! code), the host's calling convention and the host target.

pub(crate) mod context;
pub(crate) mod stub;

use lathe_codegen::ir::CallConv;
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::settings::Flags;

/// The convention of the host's C functions, which the entry stub calls trampolines with.
pub(crate) const HOST_CALL_CONV: CallConv = CallConv::SystemV;

/// The target the JIT compiles its entry trampolines for: this machine, with the ISA
/// features it has.
pub(crate) fn host_isa() -> Result<Box<dyn TargetIsa>, crate::JitError> {
    let flags = lathe_codegen::isa::x64::host_isa_flags();
    lathe_codegen::isa::lookup("x86_64", &flags, Flags::default())
        .map_err(|e| crate::JitError::Unsupported(format!("the host target: {e}")))
}
