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
//!   | xmm save slots (16 each)  |  [rsp + inst::xmm_save_offset(i)] (windows_fastcall: xmm6-15)
//!   | spill slots (8 bytes each)|  [rsp + FrameInfo::spill_slot_offset(i)]
//!   | explicit stack slots      |  [rsp + FrameInfo::stack_slot_offset(o)] (Amode::StackSlot)
//!   | outgoing arguments        |  [rsp + 0 ..]
//!   lower addresses                              <- rsp (16-byte aligned)
//! ```
//!
//! The prologue is `push rbp; mov rbp, rsp; push <clobbered callee-saves>; sub rsp, N`
//! with N = [`inst::frame_size`] (left out when zero; a frame over
//! [`inst::PROBE_FREE`] bytes is allocated a page at a time with a read of each new page,
//! a stack probe); the epilogue is `add rsp, N; pop
//! <callee-saves, reversed>; pop rbp`, and the `ret` follows.

pub mod emit;
pub mod inst;
pub mod print;
pub mod regs;

#[cfg(test)]
mod tests;

pub use emit::X64LabelUse;
pub use inst::Inst;
pub use inst::args::{AluOp, Amode, CC, ExtMode, OperandSize, RegMem, RegMemImm, ShiftAmount, ShiftKind, UnaryOp};
pub use inst::{SysVFrameRules, frame_size};

pub mod abi;
mod lower;
pub use lower::lowering_rules;

use crate::ir::Function;
use crate::isa::{LookupError, TargetIsa};
use crate::machinst::{CompiledCode, StageTimes, compile_with, compile_with_times};
use crate::result::CodegenError;
use crate::settings::Flags;

/// The x86-64 ISA feature flags Lathe knows, by canonical name and the CPUID feature that
/// provides each.
const ISA_FLAGS: &[(&str, &str)] = &[
    ("has_sse3", "sse3"),
    ("has_ssse3", "ssse3"),
    ("has_sse41", "sse4.1"),
    ("has_sse42", "sse4.2"),
    ("has_popcnt", "popcnt"),
    ("has_avx", "avx"),
    ("has_avx2", "avx2"),
    ("has_fma", "fma"),
    ("has_bmi1", "bmi1"),
    ("has_bmi2", "bmi2"),
    ("has_lzcnt", "lzcnt"),
    ("has_avx512f", "avx512f"),
    ("has_avx512vl", "avx512vl"),
    ("has_avx512dq", "avx512dq"),
    ("has_avx512bitalg", "avx512bitalg"),
    ("has_avx512vbmi", "avx512vbmi"),
];

/// The canonical name of an ISA flag as written in a `target` line (`sse41` or
/// `has_sse41`).
fn canonical_flag(flag: &str) -> Option<&'static str> {
    let name = flag.strip_prefix("has_").unwrap_or(flag);
    ISA_FLAGS.iter().find(|(c, _)| &c[4..] == name).map(|(c, _)| *c)
}

/// Whether the machine running this code has the ISA flag (false for unknown flags and
/// on other architectures).
pub fn host_has_flag(flag: &str) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match canonical_flag(flag) {
            Some("has_sse3") => std::is_x86_feature_detected!("sse3"),
            Some("has_ssse3") => std::is_x86_feature_detected!("ssse3"),
            Some("has_sse41") => std::is_x86_feature_detected!("sse4.1"),
            Some("has_sse42") => std::is_x86_feature_detected!("sse4.2"),
            Some("has_popcnt") => std::is_x86_feature_detected!("popcnt"),
            Some("has_avx") => std::is_x86_feature_detected!("avx"),
            Some("has_avx2") => std::is_x86_feature_detected!("avx2"),
            Some("has_fma") => std::is_x86_feature_detected!("fma"),
            Some("has_bmi1") => std::is_x86_feature_detected!("bmi1"),
            Some("has_bmi2") => std::is_x86_feature_detected!("bmi2"),
            Some("has_lzcnt") => std::is_x86_feature_detected!("lzcnt"),
            Some("has_avx512f") => std::is_x86_feature_detected!("avx512f"),
            Some("has_avx512vl") => std::is_x86_feature_detected!("avx512vl"),
            Some("has_avx512dq") => std::is_x86_feature_detected!("avx512dq"),
            Some("has_avx512bitalg") => std::is_x86_feature_detected!("avx512bitalg"),
            Some("has_avx512vbmi") => std::is_x86_feature_detected!("avx512vbmi"),
            _ => false,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = flag;
        false
    }
}

/// Every ISA flag the machine running this code has, by canonical name.
pub fn host_isa_flags() -> Vec<String> {
    ISA_FLAGS.iter().filter(|(name, _)| host_has_flag(name)).map(|(name, _)| name.to_string()).collect()
}

/// The x86-64 target.
pub struct X64Isa {
    flags: Flags,
    isa_flags: Vec<&'static str>,
    env: regalloc2::MachineEnv,
}

impl X64Isa {
    /// The target with the given ISA flags (`sse41` or `has_sse41`, ...) and settings.
    pub fn new(isa_flags: &[String], flags: Flags) -> Result<Self, LookupError> {
        let mut on = Vec::new();
        for f in isa_flags {
            let c =
                canonical_flag(f).ok_or_else(|| LookupError::UnknownFlag { arch: "x86_64".into(), flag: f.clone() })?;
            if !on.contains(&c) {
                on.push(c);
            }
        }
        Ok(Self { flags, isa_flags: on, env: regs::machine_env() })
    }
}

impl TargetIsa for X64Isa {
    fn name(&self) -> &'static str {
        "x86_64"
    }
    fn flags(&self) -> &Flags {
        &self.flags
    }
    fn isa_flags(&self) -> Vec<&'static str> {
        self.isa_flags.clone()
    }
    fn compile_function(&self, func: &Function, want_listing: bool) -> Result<CompiledCode, CodegenError> {
        let backend = lower::X64Lower { isa_flags: self.isa_flags.clone() };
        compile_with(func, &backend, &SysVFrameRules, &self.env, &self.flags, want_listing)
    }
    fn compile_function_timed(&self, func: &Function, times: &mut StageTimes) -> Result<CompiledCode, CodegenError> {
        let backend = lower::X64Lower { isa_flags: self.isa_flags.clone() };
        compile_with_times(func, &backend, &SysVFrameRules, &self.env, &self.flags, false, times)
    }
}
