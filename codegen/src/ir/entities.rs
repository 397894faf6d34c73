//! The entity references of the IR. Each is a `u32` index into an arena of the function
//! that owns it, printed with its CLIF prefix (`v3`, `block2`, `ss0`, ...).

use crate::entity_impl;

/// An SSA value: an instruction result or a block parameter.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(u32);
entity_impl!(Value, "v");

/// An instruction.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inst(u32);
entity_impl!(Inst, "inst");

/// A basic block.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(u32);
entity_impl!(Block, "block");

/// A stack slot of the function's frame.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StackSlot(u32);
entity_impl!(StackSlot, "ss");

/// A global value: an address or value computed from the vmctx or a symbol.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalValue(u32);
entity_impl!(GlobalValue, "gv");

/// A reference to an external function declared in the preamble.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncRef(u32);
entity_impl!(FuncRef, "fn");

/// A reference to a signature declared in the preamble.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SigRef(u32);
entity_impl!(SigRef, "sig");

/// A jump table used by `br_table`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JumpTable(u32);
entity_impl!(JumpTable, "jt");

/// A constant in the function's constant pool (`vconst` data and `shuffle` masks).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Constant(u32);
entity_impl!(Constant, "const");

/// An alias region declared in the preamble (`region0 = 8 "vmctx+8"`) and named by memory
/// flags: accesses in regions with different keys never touch the same bytes.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AliasRegion(u32);
entity_impl!(AliasRegion, "region");

/// An exception table of a `try_call`: its signature, optional context, normal-return
/// destination and catch handlers, printed inline in the instruction.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExceptionTable(u32);
entity_impl!(ExceptionTable, "extable");
