//! [`Variable`]: the mutable, typed variables a front end declares instead of SSA values.
//!
//! A variable is only a name (a dense `u32` index) with a type fixed at declaration. The
//! [`FunctionBuilder`](crate::FunctionBuilder) maps each (variable, block) pair to the SSA
//! value that holds the variable there; the variable itself never appears in the IR.

use lathe_codegen::entity_impl;

/// A mutable variable of the source language, declared with
/// [`FunctionBuilder::declare_var`](crate::FunctionBuilder::declare_var). Printed `var3`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Variable(u32);
entity_impl!(Variable, "var");
