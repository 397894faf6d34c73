//! The aarch64 backend: registers ([`regs`]), the machine instruction [`Inst`] with its
//! operand kinds, its encoder ([`emit`]) and its printer ([`print`]), the calling
//! conventions ([`abi`]), the ISA flags and the lowering rules (`lower/`), and the
//! [`TargetIsa`] that `isa::lookup` makes for `aarch64` triples.
//!
//! The frame layout and the prologue and epilogue are described in `inst/mach.rs`.

pub mod abi;
mod baseline;
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
use crate::isa::{Backend, IsaDescription, Target};
use crate::machinst::{CieDesc, CompileOptions, CompiledCode, DwarfReg, compile_with};
use crate::result::CodegenError;

/// How `isa::lookup` makes aarch64 targets.
pub(crate) static ISA: IsaDescription = IsaDescription::of::<Aarch64>();

/// The aarch64 ISA, as a [`Backend`] of the generic [`Target`].
pub struct Aarch64;

/// The aarch64 target.
pub type A64Isa = Target<Aarch64>;

impl Backend for Aarch64 {
    type Flags = A64Flags;
    const NAME: &'static str = "aarch64";
    fn detect_host() -> A64Flags {
        settings::detect_host()
    }
    fn settle(flags: A64Flags) -> Result<A64Flags, crate::settings::SettingError> {
        settings::check(&flags)?;
        Ok(flags)
    }
    fn machine_env() -> regalloc2::MachineEnv {
        regs::machine_env()
    }
    fn compile(target: &A64Isa, func: &Function, options: &mut CompileOptions) -> Result<CompiledCode, CodegenError> {
        let (flags, isa_flags) = (target.settings(), target.typed_flags());
        let backend = lower::A64Lower { isa_flags, is_pic: flags.is_pic };
        let frame_rules = AArch64FrameRules { sign_return_address: isa_flags.sign_return_address };
        compile_with(func, &backend, &frame_rules, target.machine_env(), flags, options)
    }
    fn compile_baseline(
        target: &A64Isa,
        func: &Function,
        options: &mut CompileOptions,
    ) -> Result<CompiledCode, CodegenError> {
        let isa_flags = target.typed_flags();
        let baseline = |func: &Function, flags: &crate::settings::Flags, options: &mut CompileOptions| {
            baseline::compile(func, flags, isa_flags, options)
        };
        crate::baseline::compile_or_fall_back(func, target.settings(), options, baseline, |func, flags, options| {
            let backend = lower::A64Lower { isa_flags, is_pic: flags.is_pic };
            let frame_rules = AArch64FrameRules { sign_return_address: isa_flags.sign_return_address };
            compile_with(func, &backend, &frame_rules, target.machine_env(), flags, options)
        })
    }
    /// Instructions are 4 bytes; the return address is in x30 at entry, the CFA is SP.
    fn unwind_cie(_: A64Flags) -> CieDesc {
        CieDesc {
            code_alignment: 4,
            data_alignment: -8,
            return_address: DwarfReg(30),
            stack_pointer: DwarfReg(31),
            entry_cfa_offset: 0,
            return_address_saved_at: None,
        }
    }
}
