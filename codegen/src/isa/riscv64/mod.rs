//! The riscv64 backend's machine layer: registers ([`regs`]), the machine instruction
//! [`Inst`] with its operand kinds, its encoder ([`emit`], including the compressed C
//! forms) and its printer ([`print`]). The lowering rules, the LP64D calling convention
//! and the target description come in a later step; until then the ISA is not registered
//! with `isa::lookup`.
//!
//! The frame layout and the prologue and epilogue are described in `inst/mach.rs`.

pub mod emit;
pub mod inst;
pub mod print;
pub mod regs;

#[cfg(test)]
mod tests;

pub use emit::{EmitInfo, Riscv64LabelUse};
pub use inst::{FRAME, Inst, Riscv64FrameRules};
