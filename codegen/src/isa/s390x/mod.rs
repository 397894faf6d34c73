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
use crate::isa::{Backend, IsaDescription, Target};
use crate::machinst::{CieDesc, CompileOptions, CompiledCode, DwarfReg, compile_with};
use crate::result::CodegenError;

/// How `isa::lookup` makes s390x targets.
pub(crate) static ISA: IsaDescription = IsaDescription::of::<S390x>();

/// The s390x ISA, as a [`Backend`] of the generic [`Target`].
pub struct S390x;

/// The s390x target.
pub type S390xIsa = Target<S390x>;

impl Backend for S390x {
    type Flags = S390xFlags;
    const NAME: &'static str = "s390x";
    /// The facilities of the architecture levels turned on.
    fn settle(flags: S390xFlags) -> Result<S390xFlags, crate::settings::SettingError> {
        Ok(flags.implied())
    }
    fn machine_env() -> regalloc2::MachineEnv {
        regs::machine_env()
    }
    fn compile(target: &S390xIsa, func: &Function, options: &mut CompileOptions) -> Result<CompiledCode, CodegenError> {
        let flags = target.settings();
        let backend = lower::S390xLower { isa_flags: target.typed_flags(), is_pic: flags.is_pic };
        compile_with(func, &backend, &S390xFrameRules, target.machine_env(), flags, options)
    }
    /// Instructions are multiples of 2 bytes; the return address is in r14 at entry; the
    /// CFA is r15 plus 160 (the caller's register save area belongs to the caller's frame).
    fn unwind_cie(_: S390xFlags) -> CieDesc {
        CieDesc {
            code_alignment: 2,
            data_alignment: -8,
            return_address: DwarfReg(14),
            stack_pointer: DwarfReg(15),
            entry_cfa_offset: inst::SAVE_AREA,
            return_address_saved_at: None,
        }
    }
}
