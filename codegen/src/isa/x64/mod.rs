//! The x86-64 backend: registers, the machine instruction [`Inst`], its encoder and its
//! printer. Lowering rules (ISLE) that produce `Inst`s live beside these files.
//!
//! # The frame (System V and Windows x64, with a frame pointer)
//!
//! ```text
//!   higher addresses
//!   | incoming stack arguments  |  [rbp + 16 + offset]   (Amode::IncomingArg)
//!   | return address            |  [rbp + 8]
//!   | saved rbp                 |  [rbp]         <- rbp
//!   | saved callee-saved regs   |  pushed by the prologue, 8 bytes each
//!   | (padding to 16 bytes)     |
//!   | xmm save slots (16 each)  |  [rsp + FrameInfo::stored_saves] (windows_fastcall: xmm6-15)
//!   | spill slots (8 bytes each)|  [rsp + FrameInfo::spill_slot_offset(i)]
//!   | explicit stack slots      |  [rsp + FrameInfo::stack_slot_offset(o)] (Amode::StackSlot)
//!   | outgoing arguments        |  [rsp + 0 ..]
//!   lower addresses                              <- rsp (16-byte aligned)
//! ```
//!
//! The layout is the shared one (`machinst::abi::frame`) for the description
//! [`FRAME`]. The prologue is `push rbp; mov rbp, rsp; push <clobbered callee-saves>; sub
//! rsp, N; movups <xmm saves>` with N = `FrameInfo::fixed_frame_size` (left out when zero; unless `enable_probestack=false`, a
//! frame over the probe interval less 128 bytes is allocated one interval at a time with a
//! read of each new page, a stack probe); the epilogue is `movups <xmm restores>; add rsp,
//! N; pop <callee-saves, reversed>; pop rbp`, and the `ret` follows.

pub mod emit;
pub mod inst;
pub mod print;
pub mod regs;

#[cfg(test)]
mod tests;

pub use emit::X64LabelUse;
pub use inst::Inst;
pub use inst::args::{AluOp, Amode, CC, ExtMode, OperandSize, RegMem, RegMemImm, ShiftAmount, ShiftKind, UnaryOp};
pub use inst::{FRAME, SysVFrameRules};

pub mod abi;
mod host;
mod lower;
mod settings;

pub use lower::lowering_rules;
pub use settings::X64Flags;

use crate::ir::Function;
use crate::isa::{IsaDescription, IsaFlagValues, TargetIsa, Triple};
use crate::machinst::{CompileOptions, CompiledCode, compile_with};
use crate::result::CodegenError;
use crate::settings::Flags;

/// How `isa::lookup` makes x86-64 targets.
pub(crate) static ISA: IsaDescription = IsaDescription {
    name: "x86_64",
    flag_names: X64Flags::NAMES,
    detect_host_flags: || host::detect().to_values(),
    build: |triple, flags, isa_flags| Ok(Box::new(X64Isa::new(triple, flags, X64Flags::from_values(isa_flags)))),
};

/// The x86-64 target.
pub struct X64Isa {
    triple: Triple,
    flags: Flags,
    isa_flags: X64Flags,
    env: regalloc2::MachineEnv,
}

impl X64Isa {
    /// The target for `triple` with the shared settings and ISA flags.
    pub fn new(triple: Triple, flags: Flags, isa_flags: X64Flags) -> Self {
        Self { triple, flags, isa_flags, env: regs::machine_env() }
    }

    /// The ISA flags, typed.
    pub fn x64_flags(&self) -> &X64Flags {
        &self.isa_flags
    }
}

impl TargetIsa for X64Isa {
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
        let backend = lower::X64Lower { isa_flags: self.isa_flags, is_pic: self.flags.is_pic };
        compile_with(func, &backend, &SysVFrameRules, &self.env, &self.flags, options)
    }
    fn unwind_cie(&self) -> crate::machinst::CieDesc {
        regs::unwind_cie()
    }
}
