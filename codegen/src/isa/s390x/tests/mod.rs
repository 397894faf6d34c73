//! Tests of the s390x machine layer: the llvm-mc encoding oracle, the label-use ranges
//! and veneers, and the `MachInst` side (constants, frames, operands).

mod labels;
mod mach;
mod oracle;
