//! The s390x (z/Architecture) backend's machine layer: registers ([`regs`]), the machine
//! instruction [`Inst`] with its operand kinds, its encoder ([`emit`], big-endian
//! instructions of 2, 4 or 6 bytes) and its printer ([`print`], llvm-mc's syntax). The
//! lowering rules, the s390x ELF ABI's calling convention and the target description come
//! in a later step; until then the ISA is not registered with `isa::lookup`.
//!
//! The frame layout and the prologue and epilogue are described in `inst/mach.rs`.

pub mod emit;
pub mod inst;
pub mod print;
pub mod regs;

#[cfg(test)]
mod tests;

pub use emit::S390xLabelUse;
pub use inst::{FRAME, Inst, S390xFrameRules};
