//! The riscv64 backend: registers ([`regs`]), the machine instruction [`Inst`] with its
//! operand kinds, its encoder ([`emit`], including the compressed C forms) and its
//! printer ([`print`]), the LP64D calling convention ([`abi`]), the ISA flags and the
//! lowering rules (`lower/`), and the [`TargetIsa`] that `isa::lookup` makes for riscv64
//! triples.
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

pub use emit::{EmitInfo, Riscv64LabelUse};
pub use inst::{FRAME, Inst, Riscv64FrameRules};
pub use lower::lowering_rules;
pub use settings::Rv64Flags;

use crate::ir::Function;
use crate::isa::{IsaDescription, IsaFlagValues, TargetIsa, Triple};
use crate::machinst::{CompileOptions, CompiledCode, DwarfReg, compile_with};
use crate::result::CodegenError;
use crate::settings::Flags;

/// How `isa::lookup` makes riscv64 targets.
pub(crate) static ISA: IsaDescription = IsaDescription {
    name: "riscv64",
    flag_names: Rv64Flags::NAMES,
    detect_host_flags: || settings::detect_host().to_values(),
    build: |triple, flags, isa_flags| Ok(Box::new(Rv64Isa::new(triple, flags, Rv64Flags::from_values(isa_flags)))),
};

/// The riscv64 target.
pub struct Rv64Isa {
    triple: Triple,
    flags: Flags,
    isa_flags: Rv64Flags,
    env: regalloc2::MachineEnv,
}

impl Rv64Isa {
    /// The target for `triple` with the shared settings and ISA flags.
    pub fn new(triple: Triple, flags: Flags, isa_flags: Rv64Flags) -> Self {
        Self { triple, flags, isa_flags, env: regs::machine_env() }
    }

    /// The ISA flags, typed.
    pub fn rv64_flags(&self) -> &Rv64Flags {
        &self.isa_flags
    }
}

impl TargetIsa for Rv64Isa {
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
        let backend = lower::Rv64Lower { isa_flags: self.isa_flags, is_pic: self.flags.is_pic };
        let rules = Riscv64FrameRules { has_c: self.isa_flags.has_c };
        compile_with(func, &backend, &rules, &self.env, &self.flags, options)
    }
    /// Instructions are 4 bytes (2 with C); the return address is in ra at entry, the CFA
    /// is SP.
    fn unwind_cie(&self) -> crate::machinst::CieDesc {
        crate::machinst::CieDesc {
            code_alignment: if self.isa_flags.has_c { 2 } else { 4 },
            data_alignment: -8,
            return_address: DwarfReg(1),
            stack_pointer: DwarfReg(2),
            entry_cfa_offset: 0,
            return_address_saved_at: None,
        }
    }
}
