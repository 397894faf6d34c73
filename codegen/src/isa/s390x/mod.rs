//! The s390x (z/Architecture) backend: registers ([`regs`]), the machine instruction
//! [`Inst`] with its operand kinds, its encoder ([`emit`], big-endian instructions of 2, 4
//! or 6 bytes) and its printer ([`print`], llvm-mc's syntax), the s390x ELF ABI
//! ([`abi`]), the facility flags and the lowering rules (`lower/`), and the [`TargetIsa`]
//! that `isa::lookup` makes for `s390x` triples.
//!
//! The frame layout and the prologue and epilogue are described in `inst/mach.rs` (no
//! backchain is stored: unwinding uses CFI).

pub mod abi;
pub mod emit;
pub mod inst;
mod lower;
pub mod print;
pub mod regs;
mod settings;

#[cfg(test)]
mod tests;

pub use emit::S390xLabelUse;
pub use inst::{FRAME, Inst, S390xFrameRules};
pub use lower::lowering_rules;
pub use settings::S390xFlags;

use crate::ir::Function;
use crate::isa::{IsaDescription, IsaFlagValues, TargetIsa, Triple};
use crate::machinst::{CompileOptions, CompiledCode, DwarfReg, compile_with};
use crate::result::CodegenError;
use crate::settings::Flags;

/// How `isa::lookup` makes s390x targets.
pub(crate) static ISA: IsaDescription = IsaDescription {
    name: "s390x",
    flag_names: S390xFlags::NAMES,
    detect_host_flags: || S390xFlags::default().to_values(),
    build: |triple, flags, isa_flags| {
        let isa_flags = S390xFlags::from_values(isa_flags).implied();
        Ok(Box::new(S390xIsa::new(triple, flags, isa_flags)))
    },
};

/// The s390x target.
pub struct S390xIsa {
    triple: Triple,
    flags: Flags,
    isa_flags: S390xFlags,
    env: regalloc2::MachineEnv,
}

impl S390xIsa {
    /// The target for `triple` with the shared settings and facility flags.
    pub fn new(triple: Triple, flags: Flags, isa_flags: S390xFlags) -> Self {
        Self { triple, flags, isa_flags: isa_flags.implied(), env: regs::machine_env() }
    }

    /// The facility flags, typed.
    pub fn s390x_flags(&self) -> &S390xFlags {
        &self.isa_flags
    }
}

impl TargetIsa for S390xIsa {
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
        let backend = lower::S390xLower { isa_flags: self.isa_flags, is_pic: self.flags.is_pic };
        compile_with(func, &backend, &S390xFrameRules, &self.env, &self.flags, options)
    }
    /// Instructions are multiples of 2 bytes; the return address is in r14 at entry; the
    /// CFA is r15 plus 160 (the caller's register save area belongs to the caller's frame).
    fn unwind_cie(&self) -> crate::machinst::CieDesc {
        crate::machinst::CieDesc {
            code_alignment: 2,
            data_alignment: -8,
            return_address: DwarfReg(14),
            stack_pointer: DwarfReg(15),
            entry_cfa_offset: inst::SAVE_AREA,
            return_address_saved_at: None,
        }
    }
}
