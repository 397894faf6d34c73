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
pub mod baseline;
mod host;
mod lower;
mod settings;

pub use lower::lowering_rules;
pub use settings::X64Flags;

use crate::ir::Function;
use crate::isa::{Backend, IsaDescription, Target};
use crate::machinst::{CieDesc, CompileOptions, CompiledCode, compile_with};
use crate::result::CodegenError;

/// How `isa::lookup` makes x86_64 targets.
pub(crate) static ISA: IsaDescription = IsaDescription::of::<X64>();

/// The x86_64 ISA, as a [`Backend`] of the generic [`Target`].
pub struct X64;

/// The x86_64 target.
pub type X64Isa = Target<X64>;

impl Backend for X64 {
    type Flags = X64Flags;
    const NAME: &'static str = "x86_64";
    fn detect_host() -> X64Flags {
        host::detect()
    }
    fn machine_env() -> regalloc2::MachineEnv {
        regs::machine_env()
    }
    fn compile(target: &X64Isa, func: &Function, options: &mut CompileOptions) -> Result<CompiledCode, CodegenError> {
        let flags = target.settings();
        // Lowering sees the levels each flag implies (AVX2 gives every SSE level).
        let backend = lower::X64Lower { isa_flags: target.typed_flags().implied(), is_pic: flags.is_pic };
        compile_with(func, &backend, &SysVFrameRules, target.machine_env(), flags, options)
    }
    fn compile_baseline(
        target: &X64Isa,
        func: &Function,
        options: &mut CompileOptions,
    ) -> Result<CompiledCode, CodegenError> {
        let isa_flags = target.typed_flags().implied();
        let baseline = |func: &Function, flags: &crate::settings::Flags, options: &mut CompileOptions| {
            baseline::compile(func, flags, isa_flags, options)
        };
        crate::baseline::compile_or_fall_back(func, target.settings(), options, baseline, |func, flags, options| {
            let backend = lower::X64Lower { isa_flags: target.typed_flags().implied(), is_pic: flags.is_pic };
            compile_with(func, &backend, &SysVFrameRules, target.machine_env(), flags, options)
        })
    }
    fn unwind_cie(_: X64Flags) -> CieDesc {
        regs::unwind_cie()
    }
}
