//! Instruction set architectures: each ISA's machine instructions, encoder and printer,
//! on top of the ISA-independent machine layer in [`crate::machinst`].

pub mod x64;
