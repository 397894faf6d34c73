//! Tests of the aarch64 machine layer: the llvm-mc encoding oracle and the label-use
//! ranges and patching.

mod labels;
mod mach;
mod oracle;
