//! The view of an instruction that every ISLE rule set matches: the controlling type and
//! operands of the single-result instruction defining a value, by format (`InstData`).
//!
//! The mid-end's rules (`opt/`) and each ISA's lowering rules declare `InstData` as an
//! `extern` enum in the prelude `build.rs` generates, so both match this one Rust type and
//! build it from IR through this one function ([`def_inst`]). Immediates are given in the
//! canonical form of their type (sign-extended from its width), so rules compare them as
//! plain numbers.
//!
//! Invariant: the variants and field names are exactly those of the generated prelude's
//! `(type InstData extern (enum ...))`.

use crate::ir::InstructionData;
use crate::ir::{DataFlowGraph, FloatCC, IntCC, MemFlags, Opcode, StackSlot, Type, Value, ValueDef};
use crate::opt::canonical_imm;

/// The operands of a single-result instruction, by format.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum InstData {
    Unary { op: Opcode, a: Value },
    UnaryImm { op: Opcode, imm: i64 },
    Binary { op: Opcode, a: Value, b: Value },
    BinaryImm64 { op: Opcode, a: Value, imm: i64 },
    Ternary { op: Opcode, a: Value, b: Value, c: Value },
    IntCompare { op: Opcode, cc: IntCC, a: Value, b: Value },
    IntCompareImm { op: Opcode, cc: IntCC, a: Value, imm: i64 },
    FloatCompare { op: Opcode, cc: FloatCC, a: Value, b: Value },
    Load { op: Opcode, flags: MemFlags, addr: Value, offset: i32 },
    StackLoad { op: Opcode, slot: StackSlot, offset: i32 },
}

/// The controlling type and operands of the instruction that defines `v` (after aliases);
/// `None` for block parameters, instructions with several results, and formats the view
/// has no variant for. A `bitcast` is a `Unary`, unless its memory flags name a lane
/// order for a vector (then rules must not treat it as a plain reinterpretation).
pub fn def_inst(dfg: &DataFlowGraph, v: Value) -> Option<(Type, InstData)> {
    let v = dfg.resolve_aliases(v);
    let ValueDef::Result(inst, 0) = dfg.value_def(v) else { return None };
    if dfg.inst_results(inst).len() != 1 {
        return None;
    }
    let ty = dfg.ctrl_typevar(inst);
    let canon = |k: i64| canonical_imm(ty, k);
    let data = match dfg.insts[inst] {
        InstructionData::Unary { opcode, arg } => InstData::Unary { op: opcode, a: arg },
        InstructionData::LoadNoOffset { opcode: Opcode::Bitcast, flags, arg }
            if flags.is_empty() || !dfg.value_type(v).is_vector() =>
        {
            InstData::Unary { op: Opcode::Bitcast, a: arg }
        }
        InstructionData::UnaryImm { opcode, imm } => InstData::UnaryImm { op: opcode, imm: canon(imm.bits()) },
        InstructionData::Binary { opcode, args } => InstData::Binary { op: opcode, a: args[0], b: args[1] },
        InstructionData::BinaryImm64 { opcode, arg, imm } => {
            InstData::BinaryImm64 { op: opcode, a: arg, imm: canon(imm.bits()) }
        }
        InstructionData::Ternary { opcode, args } => {
            InstData::Ternary { op: opcode, a: args[0], b: args[1], c: args[2] }
        }
        InstructionData::IntCompare { opcode, cond, args } => {
            InstData::IntCompare { op: opcode, cc: cond, a: args[0], b: args[1] }
        }
        InstructionData::IntCompareImm { opcode, cond, arg, imm } => {
            let k = canonical_imm(dfg.value_type(arg), imm.bits());
            InstData::IntCompareImm { op: opcode, cc: cond, a: arg, imm: k }
        }
        InstructionData::FloatCompare { opcode, cond, args } => {
            InstData::FloatCompare { op: opcode, cc: cond, a: args[0], b: args[1] }
        }
        InstructionData::Load { opcode, flags, arg, offset } => {
            InstData::Load { op: opcode, flags, addr: arg, offset: offset.0 }
        }
        InstructionData::StackLoad { opcode, stack_slot, offset } => {
            InstData::StackLoad { op: opcode, slot: stack_slot, offset: offset.0 }
        }
        _ => return None,
    };
    Some((ty, data))
}
