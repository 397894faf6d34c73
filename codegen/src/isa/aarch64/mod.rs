//! The aarch64 backend: registers ([`regs`]), the machine instruction [`Inst`] with its
//! operand kinds, its encoder ([`emit`]) and its printer ([`print`]), the calling
//! conventions ([`abi`]), the ISA flags and the lowering rules (`lower/`), and the
//! [`TargetIsa`] that `isa::lookup` makes for `aarch64` triples.
//!
//! The frame layout and the prologue and epilogue are described in `inst/mach.rs`.

pub mod abi;
pub mod emit;
pub mod inst;
mod lower;
pub mod print;
pub mod regs;
mod settings;

#[cfg(test)]
mod tests;

pub use emit::AArch64LabelUse;
pub use inst::{AArch64FrameRules, FRAME, Inst};
pub use lower::lowering_rules;
pub use settings::A64Flags;

use crate::ir::Function;
use crate::isa::{IsaDescription, IsaFlagValues, TargetIsa, Triple};
use crate::machinst::{CompileOptions, CompiledCode, DwarfReg, compile_with};
use crate::result::CodegenError;
use crate::settings::Flags;

/// How `isa::lookup` makes aarch64 targets.
pub(crate) static ISA: IsaDescription = IsaDescription {
    name: "aarch64",
    flag_names: A64Flags::NAMES,
    detect_host_flags: || settings::detect_host().to_values(),
    build: |triple, flags, isa_flags| {
        let isa_flags = A64Flags::from_values(isa_flags);
        settings::check(&isa_flags)?;
        Ok(Box::new(A64Isa::new(triple, flags, isa_flags)))
    },
};

/// The aarch64 target.
pub struct A64Isa {
    triple: Triple,
    flags: Flags,
    isa_flags: A64Flags,
    env: regalloc2::MachineEnv,
}

impl A64Isa {
    /// The target for `triple` with the shared settings and ISA flags.
    pub fn new(triple: Triple, flags: Flags, isa_flags: A64Flags) -> Self {
        Self { triple, flags, isa_flags, env: regs::machine_env() }
    }

    /// The ISA flags, typed.
    pub fn a64_flags(&self) -> &A64Flags {
        &self.isa_flags
    }
}

impl TargetIsa for A64Isa {
    fn name(&self) -> &'static str {
        ISA.name
    }
    fn triple(&self) -> &Triple {
        &self.triple
    }
    fn flags(&self) -> &Flags {
        &self.flags
    }
    fn isa_flags(&self) -> IsaFlagValues {
        self.isa_flags.to_values()
    }
    fn compile_function_with(
        &self,
        func: &Function,
        options: &mut CompileOptions,
    ) -> Result<CompiledCode, CodegenError> {
        let backend = lower::A64Lower { isa_flags: self.isa_flags, is_pic: self.flags.is_pic };
        let frame_rules = AArch64FrameRules { sign_return_address: self.isa_flags.sign_return_address };
        compile_with(func, &backend, &frame_rules, &self.env, &self.flags, options)
    }
    /// Instructions are 4 bytes; the return address is in x30 at entry, the CFA is SP.
    fn unwind_cie(&self) -> crate::machinst::CieDesc {
        crate::machinst::CieDesc {
            code_alignment: 4,
            data_alignment: -8,
            return_address: DwarfReg(30),
            stack_pointer: DwarfReg(31),
            entry_cfa_offset: 0,
            return_address_saved_at: None,
        }
    }
}
