//! Tests of the riscv64 machine layer: the llvm-mc encoding oracle, the label-use ranges
//! and veneers, and the `MachInst` side (constants, frames, operands).

mod far;
mod labels;
mod mach;
mod oracle;
