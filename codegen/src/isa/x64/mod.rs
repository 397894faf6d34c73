//! The x86-64 backend: registers, the machine instruction [`Inst`], its encoder and its
//! printer. Lowering rules (ISLE) that produce `Inst`s live beside these files.
//!
//! # The frame (System V, with a frame pointer)
//!
//! ```text
//!   higher addresses
//!   | incoming stack arguments  |  [rbp + 16 + offset]   (Amode::IncomingArg)
//!   | return address            |  [rbp + 8]
//!   | saved rbp                 |  [rbp]         <- rbp
//!   | saved callee-saved regs   |  pushed by the prologue, 8 bytes each
//!   | (padding to 16 bytes)     |
//!   | spill slots (8 bytes each)|  [rsp + FrameInfo::spill_slot_offset(i)]
//!   | explicit stack slots      |  [rsp + FrameInfo::stack_slot_offset(o)] (Amode::StackSlot)
//!   | outgoing arguments        |  [rsp + 0 ..]
//!   lower addresses                              <- rsp (16-byte aligned)
//! ```
//!
//! The prologue is `push rbp; mov rbp, rsp; push <clobbered callee-saves>; sub rsp, N`
//! with N = [`inst::frame_size`] (left out when zero); the epilogue is `add rsp, N; pop
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
