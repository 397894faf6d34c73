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
use crate::isa::{Backend, IsaDescription, Target};
use crate::machinst::{CieDesc, CompileOptions, CompiledCode, DwarfReg, compile_with};
use crate::result::CodegenError;

/// How `isa::lookup` makes riscv64 targets.
pub(crate) static ISA: IsaDescription = IsaDescription::of::<Riscv64>();

/// The riscv64 ISA, as a [`Backend`] of the generic [`Target`].
pub struct Riscv64;

/// The riscv64 target.
pub type Rv64Isa = Target<Riscv64>;

impl Backend for Riscv64 {
    type Flags = Rv64Flags;
    const NAME: &'static str = "riscv64";
    fn detect_host() -> Rv64Flags {
        settings::detect_host()
    }
    fn machine_env() -> regalloc2::MachineEnv {
        regs::machine_env()
    }
    fn compile(target: &Rv64Isa, func: &Function, options: &mut CompileOptions) -> Result<CompiledCode, CodegenError> {
        let (flags, isa_flags) = (target.settings(), target.typed_flags());
        let backend = lower::Rv64Lower { isa_flags, is_pic: flags.is_pic };
        let rules = Riscv64FrameRules { has_c: isa_flags.has_c };
        compile_with(func, &backend, &rules, target.machine_env(), flags, options)
    }
    /// Instructions are 4 bytes (2 with C); the return address is in ra at entry, the CFA
    /// is SP.
    fn unwind_cie(flags: Rv64Flags) -> CieDesc {
        CieDesc {
            code_alignment: if flags.has_c { 2 } else { 4 },
            data_alignment: -8,
            return_address: DwarfReg(1),
            stack_pointer: DwarfReg(2),
            entry_cfa_offset: 0,
            return_address_saved_at: None,
        }
    }
}
