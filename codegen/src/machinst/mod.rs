//! The machine layer, shared by every ISA: from IR to machine code.
//!
//! The stages, each handing the next a plain data type:
//! lowering (`lower.rs`, driving an ISA's ISLE rules) produces `VCode` (`vcode.rs`): machine
//! instructions over virtual registers ([`Reg`]), in blocks in emission order, with
//! critical edges split; `regalloc2` allocates registers for it (VCode implements
//! `regalloc2::Function`); emission applies the allocation, inserts the allocator's moves,
//! spills and reloads and the prologue and epilogue, and writes bytes into a
//! [`MachBuffer`]; the result is [`CompiledCode`].
//!
//! An ISA provides a [`MachInst`] type (operands, emission, printing, moves, frame code),
//! its lowering rules, and its calling conventions.
//!
//! The driver, [`compile_with`] (`compile.rs`), runs the stages in order for one function:
//! it first checks what the settings forbid (`features.rs`), verifies the IR before and
//! after each IR-to-IR pass when `enable_verifier` is on, and prints the function after a
//! chosen [`Pass`] on request ([`CompileOptions`]).

pub mod abi;
mod blockorder;
mod buffer;
mod compile;
mod compiled;
pub mod explain;
mod features;
mod inst;
mod lower;
mod lower_prelude;
mod param_facts;
mod reg;
mod rule_ctx;
pub mod unwind;
mod vcode;

pub use crate::ir::Endianness;
pub use crate::result::CodegenError;
pub use blockorder::{BlockLoweringOrder, LoweredBlock};
pub use buffer::{BufferError, FinishedBuffer, LabelUse, MachBuffer, MachLabel};
pub use compile::{CompileOptions, Pass, StageTimes, UnknownPass, compile_with};
pub use compiled::{CallSite, CompiledCode, ExceptionSite, FrameLayout, Reloc, RelocKind, SrcLocRange, TrapSite};
pub use explain::Explanation;
pub use features::check_features;
pub use inst::{EmitState, FrameInfo, MachInst, TerminatorKind};
pub use lower::{Lower, LowerBackend, ValueRegs, class_of, lower, regs_for_type};
pub use reg::{AllocationApplier, FIRST_VIRTUAL, OperandCollector, OperandVisitor, Reg};
pub use regalloc2::{PReg, PRegSet, RegClass};
pub use rule_ctx::{RuleCtx, describe, run_rules};
pub use unwind::{CieDesc, DwarfReg, FrameItem, UnwindInst, UnwindRecord};
pub use vcode::{BlockName, FrameRules, VCode, VCodeBuilder};
