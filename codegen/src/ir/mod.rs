//! The intermediate representation: SSA values, instructions in blocks with parameters,
//! and everything a function declares. See `docs/ir.md` for the meaning of every opcode.
//!
//! Invariant: the IR knows nothing about machines; nothing here depends on an ISA.

mod builder;
mod condcodes;
mod decimal;
mod dfg;
pub mod entities;
mod extname;
mod function;
pub mod immediates;
mod instructions;
mod layout;
mod libcall;
mod memflags;
mod opcodes;
mod signature;
mod trapcode;
pub mod types;

pub use builder::{
    CursorInserter, CursorPosition, FuncCursor, InstBuilder, InstBuilderBase, ReplaceBuilder, inferred_ctrl_type,
};
pub use condcodes::{FloatCC, IntCC};
pub use dfg::{BlockData, DataFlowGraph, ValueDef};
pub use entities::{
    AliasRegion, Block, Constant, ExceptionTable, FuncRef, GlobalValue, Inst, JumpTable, SigRef, StackSlot, Value,
};
pub use extname::{ExtFuncData, ExternalName};
pub use function::{AliasRegionData, Function, GlobalValueData, MemoryPart, SourceLoc, StackSlotData, StackSlotKind};
pub use immediates::{Ieee16, Ieee32, Ieee64, Ieee128, Imm64, Offset32};
pub use instructions::{
    BlockArg, BlockCall, Constraint, CtrlSource, ExceptionTableData, InstructionData, InstructionFormat, JumpTableData,
    Opcode, OpcodeFlags, OpcodeInfo, TypeSet, ValueList, ValueListPool,
};
pub use layout::Layout;
pub use libcall::LibCall;
pub use memflags::{AliasClass, AtomicRmwOp, Endianness, MemFlags};
pub use signature::{AbiParam, ArgumentExtension, ArgumentPurpose, CallConv, Signature};
pub use trapcode::{THROW_FUNCTION, TrapCode, UNCAUGHT_EXCEPTION};
pub use types::Type;
