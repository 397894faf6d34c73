//! The data-flow graph: instructions and their operands, values and their definitions,
//! blocks and their parameters, and the tables instructions refer to (signatures, external
//! functions, jump tables, constants).
//!
//! The DFG knows nothing about the order of blocks and instructions: that is the
//! [`Layout`](super::Layout). An instruction or block may exist here without being placed.
//!
//! Invariants: each value is defined exactly once, by an instruction result or a block
//! parameter (or is an alias of another value, or a placeholder the reader has not defined
//! yet); result and parameter values record their position (`num`) in their definer's list.

use super::entities::{Block, Constant, ExceptionTable, FuncRef, Inst, JumpTable, SigRef, Value};
use super::extname::ExtFuncData;
use super::instructions::{
    BlockArg, BlockCall, CtrlSource, ExceptionTableData, InstructionData, JumpTableData, Opcode, ValueList,
    ValueListPool,
};
use super::signature::Signature;
use super::types::{self, Type};
use crate::entity::{EntityList, EntityRef, PrimaryMap, SecondaryMap};

/// Where a value comes from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ValueDef {
    /// Result number `usize` of an instruction.
    Result(Inst, usize),
    /// Parameter number `usize` of a block.
    Param(Block, usize),
    /// Another name for a value.
    Alias(Value),
    /// A number reserved by the reader that nothing defines.
    Placeholder,
}

#[derive(Copy, Clone, Debug)]
enum ValueData {
    Inst { ty: Type, num: u16, inst: Inst },
    Param { ty: Type, num: u16, block: Block },
    Alias { ty: Type, original: Value },
    Placeholder,
}

/// Follows aliases in `values`, at most as many steps as there are values.
fn resolve_in(values: &PrimaryMap<Value, ValueData>, mut v: Value) -> Value {
    for _ in 0..=values.len() {
        match values.get(v) {
            Some(ValueData::Alias { original, .. }) => v = *original,
            _ => return v,
        }
    }
    v
}

/// The per-block data kept in the DFG: its parameters.
#[derive(Clone, Debug, Default)]
pub struct BlockData {
    params: ValueList,
}

/// The data-flow graph of one function.
#[derive(Clone, Debug, Default)]
pub struct DataFlowGraph {
    /// Every instruction's operands, whether or not it is in the layout.
    pub insts: PrimaryMap<Inst, InstructionData>,
    results: SecondaryMap<Inst, ValueList>,
    blocks: PrimaryMap<Block, BlockData>,
    /// The pool holding every value list (results, parameters, operands, branch arguments).
    pub value_lists: ValueListPool,
    values: PrimaryMap<Value, ValueData>,
    /// Signatures referred to by `call_indirect` and external functions.
    pub signatures: PrimaryMap<SigRef, Signature>,
    /// External functions referred to by `call` and `func_addr`.
    pub ext_funcs: PrimaryMap<FuncRef, ExtFuncData>,
    /// Jump tables of `br_table`.
    pub jump_tables: PrimaryMap<JumpTable, JumpTableData>,
    /// Exception tables of `try_call` and `try_call_indirect`, one per instruction.
    pub exception_tables: PrimaryMap<ExceptionTable, ExceptionTableData>,
    /// Constant data (vector constants, shuffle masks), little-endian bytes.
    pub constants: PrimaryMap<Constant, Vec<u8>>,
}

impl DataFlowGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything, keeping the tables' memory (for a front end that builds one
    /// function after another in the same graph).
    pub fn clear(&mut self) {
        // Destructured, so a field added later cannot be forgotten here.
        let DataFlowGraph {
            insts,
            results,
            blocks,
            value_lists,
            values,
            signatures,
            ext_funcs,
            jump_tables,
            exception_tables,
            constants,
        } = self;
        insts.clear();
        results.clear();
        blocks.clear();
        value_lists.clear();
        values.clear();
        signatures.clear();
        ext_funcs.clear();
        jump_tables.clear();
        exception_tables.clear();
        constants.clear();
    }

    // ---- Values ----

    /// Number of value numbers in use (including aliases and placeholders).
    pub fn num_values(&self) -> usize {
        self.values.len()
    }

    /// Whether `v` is a value number of this graph.
    pub fn value_is_valid(&self, v: Value) -> bool {
        self.values.is_valid(v)
    }

    /// Whether `v` is defined: a result, a parameter, or an alias.
    pub fn value_is_defined(&self, v: Value) -> bool {
        matches!(self.values.get(v), Some(d) if !matches!(d, ValueData::Placeholder))
    }

    /// The type of a value (`INVALID` for a placeholder or an unknown value).
    pub fn value_type(&self, v: Value) -> Type {
        match self.values.get(v) {
            Some(ValueData::Inst { ty, .. } | ValueData::Param { ty, .. } | ValueData::Alias { ty, .. }) => *ty,
            _ => types::INVALID,
        }
    }

    /// Where the value comes from (aliases are not followed).
    pub fn value_def(&self, v: Value) -> ValueDef {
        match self.values.get(v) {
            Some(ValueData::Inst { num, inst, .. }) => ValueDef::Result(*inst, *num as usize),
            Some(ValueData::Param { num, block, .. }) => ValueDef::Param(*block, *num as usize),
            Some(ValueData::Alias { original, .. }) => ValueDef::Alias(*original),
            _ => ValueDef::Placeholder,
        }
    }

    /// Follows aliases to the value that is really defined. Stops after as many steps as
    /// there are values, so a (malformed) alias cycle cannot loop forever.
    pub fn resolve_aliases(&self, v: Value) -> Value {
        resolve_in(&self.values, v)
    }

    /// Whether following aliases from `v` runs into a cycle.
    pub fn alias_cycle(&self, v: Value) -> bool {
        let r = self.resolve_aliases(v);
        matches!(self.values.get(r), Some(ValueData::Alias { .. }))
    }

    /// The instruction defining `v` (after following aliases), if `v` is a result.
    pub fn value_inst(&self, v: Value) -> Option<Inst> {
        match self.value_def(self.resolve_aliases(v)) {
            ValueDef::Result(inst, _) => Some(inst),
            _ => None,
        }
    }

    /// Turns `v` into an alias of `original`. `v` must not be used as a definition any
    /// more (its old definer keeps its slot; use this after detaching it, or on a
    /// placeholder).
    pub fn make_alias(&mut self, v: Value, original: Value) {
        let ty = self.value_type(self.resolve_aliases(original));
        self.values[v] = ValueData::Alias { ty, original };
    }

    /// Whether any value is an alias (a scan of the value table, cheaper than visiting
    /// every operand when there are none).
    pub fn has_aliases(&self) -> bool {
        self.values.values().any(|d| matches!(d, ValueData::Alias { .. }))
    }

    /// Makes sure value numbers `0..n` exist; new ones are placeholders. The reader uses
    /// this to keep the value numbers written in the text.
    pub fn ensure_values(&mut self, n: usize) {
        while self.values.len() < n {
            self.values.push(ValueData::Placeholder);
        }
    }

    /// Replaces every use of `from` by `to` in the operands and branch arguments of the
    /// instructions in `insts` (for passes that rewrite uses directly).
    pub fn replace_uses_in(&mut self, insts: impl IntoIterator<Item = Inst>, from: Value, to: Value) {
        for inst in insts {
            self.map_inst_values(inst, |v| if v == from { to } else { v });
        }
    }

    /// Replaces every alias among the operands and branch arguments of `inst` by the value
    /// it stands for.
    pub fn resolve_aliases_in(&mut self, inst: Inst) {
        let values = &self.values;
        let resolve = |v: Value| resolve_in(values, v);
        let data = &mut self.insts[inst];
        for v in data.arguments_mut(&mut self.value_lists) {
            *v = resolve(*v);
        }
        if let Some(ctx) = data.exception_table().and_then(|t| self.exception_tables.get_mut(t)?.context_mut()) {
            *ctx = resolve(*ctx);
        }
        for bc in data.branch_destinations_mut(&mut self.jump_tables, &mut self.exception_tables) {
            for v in bc.args.as_mut_slice(&mut self.value_lists) {
                if BlockArg::is_value(*v) {
                    *v = resolve(*v);
                }
            }
        }
    }

    /// Applies `f` to every value operand, exception-table context and branch argument of
    /// `inst`, in the order [`inst_values_into`](Self::inst_values_into) lists them
    /// (`retN`/`exnN` arguments are not values and are skipped).
    pub fn map_inst_values(&mut self, inst: Inst, mut f: impl FnMut(Value) -> Value) {
        let data = &mut self.insts[inst];
        for v in data.arguments_mut(&mut self.value_lists) {
            *v = f(*v);
        }
        if let Some(ctx) = data.exception_table().and_then(|t| self.exception_tables.get_mut(t)?.context_mut()) {
            *ctx = f(*ctx);
        }
        for bc in data.branch_destinations_mut(&mut self.jump_tables, &mut self.exception_tables) {
            for v in bc.args.as_mut_slice(&mut self.value_lists) {
                if BlockArg::is_value(*v) {
                    *v = f(*v);
                }
            }
        }
    }

    /// Every value used by `inst`: operands first, then the exception table's context,
    /// then branch arguments in destination order (without `retN`/`exnN`). Appends to
    /// `out`.
    pub fn inst_values_into(&self, inst: Inst, out: &mut Vec<Value>) {
        let data = &self.insts[inst];
        out.extend_from_slice(data.arguments(&self.value_lists));
        if let Some(ctx) = data.exception_table().and_then(|t| self.exception_tables.get(t)?.context()) {
            out.push(ctx);
        }
        for bc in data.branch_destinations(&self.jump_tables, &self.exception_tables) {
            out.extend(bc.args.as_slice(&self.value_lists).iter().copied().filter(|&v| BlockArg::is_value(v)));
        }
    }

    /// The branch destinations of `inst` (see [`InstructionData::branch_destinations`]).
    pub fn inst_branches(&self, inst: Inst) -> &[BlockCall] {
        self.insts[inst].branch_destinations(&self.jump_tables, &self.exception_tables)
    }

    // ---- Instructions ----

    /// Adds an instruction (not placed in the layout, no results yet).
    pub fn make_inst(&mut self, data: InstructionData) -> Inst {
        let inst = self.insts.push(data);
        self.results[inst] = ValueList::new();
        inst
    }

    /// The value operands of `inst` (see [`InstructionData::arguments`]).
    pub fn inst_args(&self, inst: Inst) -> &[Value] {
        self.insts[inst].arguments(&self.value_lists)
    }

    /// The results of `inst`.
    pub fn inst_results(&self, inst: Inst) -> &[Value] {
        self.results[inst].as_slice(&self.value_lists)
    }

    /// The first result of `inst`. Panics if it has none: callers use this only on
    /// instructions whose opcode always has a result.
    pub fn first_result(&self, inst: Inst) -> Value {
        self.inst_results(inst).first().copied().expect("instruction has no results")
    }

    /// The signature a call instruction uses, if `inst` is a call.
    pub fn call_signature(&self, inst: Inst) -> Option<SigRef> {
        match self.insts[inst] {
            InstructionData::Call { func_ref, .. } => self.ext_funcs.get(func_ref).map(|f| f.signature),
            InstructionData::CallIndirect { sig_ref, .. } => Some(sig_ref),
            InstructionData::TryCall { exception, .. } | InstructionData::TryCallIndirect { exception, .. } => {
                self.exception_tables.get(exception).map(|t| t.signature())
            }
            _ => None,
        }
    }

    /// The controlling type of `inst`: the type of its first result when the opcode has an
    /// explicit one, the type of the named operand when it is inferred, else `INVALID`.
    pub fn ctrl_typevar(&self, inst: Inst) -> Type {
        let data = &self.insts[inst];
        match data.opcode().info().ctrl {
            CtrlSource::Explicit => self.inst_results(inst).first().map_or(types::INVALID, |&v| self.value_type(v)),
            CtrlSource::Arg(i) => {
                data.arguments(&self.value_lists).get(i as usize).map_or(types::INVALID, |&v| self.value_type(v))
            }
            CtrlSource::None => types::INVALID,
        }
    }

    /// The result types `inst` should have given its controlling type: from the opcode
    /// table, or from the callee's signature for calls. A type that cannot be derived (a
    /// bad controlling type) comes out `INVALID`, for the verifier to report.
    pub fn result_types(&self, inst: Inst, ctrl: Type) -> smallvec::SmallVec<[Type; 4]> {
        let data = &self.insts[inst];
        let op = data.opcode();
        if op.is_call() {
            // Tail calls have no results; a `try_call` passes its callee's results to its
            // normal destination as `retN` instead.
            if op.is_return() || op.is_branch() {
                return smallvec::SmallVec::new();
            }
            return match self.call_signature(inst).and_then(|s| self.signatures.get(s)) {
                Some(sig) => sig.returns.iter().map(|p| p.value_type).collect(),
                None => smallvec::SmallVec::new(),
            };
        }
        op.info().results.iter().map(|c| c.resolve(ctrl).unwrap_or(types::INVALID)).collect()
    }

    /// Creates the result values of `inst` from the opcode table and `ctrl`; returns how
    /// many. Calls take their results from the signature.
    pub fn make_inst_results(&mut self, inst: Inst, ctrl: Type) -> usize {
        let op = self.insts[inst].opcode();
        if op.is_call() {
            let tys = self.result_types(inst, ctrl);
            for &ty in &tys {
                self.append_result(inst, ty);
            }
            return tys.len();
        }
        // Straight from the opcode table (every front end builds instructions here, so
        // no vector is collected on the way).
        let results = op.info().results;
        for c in results {
            self.append_result(inst, c.resolve(ctrl).unwrap_or(types::INVALID));
        }
        results.len()
    }

    /// Adds a result value of type `ty` to `inst`.
    pub fn append_result(&mut self, inst: Inst, ty: Type) -> Value {
        let num = self.results[inst].len(&self.value_lists);
        let v = self.values.push(ValueData::Inst { ty, num: num as u16, inst });
        self.results[inst].push(v, &mut self.value_lists);
        v
    }

    /// Makes the placeholder `v` the next result of `inst`, with type `ty` (the reader uses
    /// this to keep value numbers). Returns false if `v` is already defined.
    pub fn attach_result(&mut self, inst: Inst, v: Value, ty: Type) -> bool {
        if self.value_is_defined(v) {
            return false;
        }
        self.ensure_values(v.index() + 1);
        let num = self.results[inst].len(&self.value_lists);
        self.values[v] = ValueData::Inst { ty, num: num as u16, inst };
        self.results[inst].push(v, &mut self.value_lists);
        true
    }

    /// Removes every result of `inst` (the values become placeholders).
    pub fn clear_results(&mut self, inst: Inst) {
        let results = self.results[inst];
        for &v in results.as_slice(&self.value_lists) {
            self.values[v] = ValueData::Placeholder;
        }
        self.results[inst].clear(&mut self.value_lists);
    }

    /// Replaces the operands of `inst` with `data`, keeping its results. The new data
    /// must produce results of the same types (an in-place rewrite).
    pub fn replace_inst_data(&mut self, inst: Inst, data: InstructionData) {
        self.insts[inst] = data;
    }

    /// Makes `inst` an alias-producing copy: the results of `inst` become aliases of
    /// `values`, and `inst` is left without results (the caller removes it from the
    /// layout).
    pub fn replace_results_with_aliases(&mut self, inst: Inst, values: &[Value]) {
        let results: smallvec::SmallVec<[Value; 4]> = self.inst_results(inst).iter().copied().collect();
        self.results[inst].clear(&mut self.value_lists);
        for (r, &v) in results.iter().zip(values) {
            self.make_alias(*r, v);
        }
    }

    // ---- Blocks ----

    /// Adds a block (not placed in the layout).
    pub fn make_block(&mut self) -> Block {
        self.blocks.push(BlockData::default())
    }

    /// Number of blocks created.
    pub fn num_blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Whether `block` exists.
    pub fn block_is_valid(&self, block: Block) -> bool {
        self.blocks.is_valid(block)
    }

    /// Makes sure blocks `0..n` exist.
    pub fn ensure_blocks(&mut self, n: usize) {
        while self.blocks.len() < n {
            self.blocks.push(BlockData::default());
        }
    }

    /// The parameters of `block`.
    pub fn block_params(&self, block: Block) -> &[Value] {
        self.blocks[block].params.as_slice(&self.value_lists)
    }

    /// The types of the parameters of `block`.
    pub fn block_param_types(&self, block: Block) -> impl Iterator<Item = Type> + '_ {
        self.block_params(block).iter().map(|&v| self.value_type(v))
    }

    /// Adds a parameter of type `ty` to `block`.
    pub fn append_block_param(&mut self, block: Block, ty: Type) -> Value {
        let num = self.blocks[block].params.len(&self.value_lists);
        let v = self.values.push(ValueData::Param { ty, num: num as u16, block });
        self.blocks[block].params.push(v, &mut self.value_lists);
        v
    }

    /// Makes the placeholder `v` the next parameter of `block` (for the reader). Returns
    /// false if `v` is already defined.
    pub fn attach_block_param(&mut self, block: Block, v: Value, ty: Type) -> bool {
        if self.value_is_defined(v) {
            return false;
        }
        self.ensure_values(v.index() + 1);
        let num = self.blocks[block].params.len(&self.value_lists);
        self.values[v] = ValueData::Param { ty, num: num as u16, block };
        self.blocks[block].params.push(v, &mut self.value_lists);
        true
    }

    /// Removes parameter `v` from its block; later parameters shift down. `v` becomes a
    /// placeholder. The caller fixes the branches that pass it.
    pub fn remove_block_param(&mut self, v: Value) {
        let ValueDef::Param(block, num) = self.value_def(v) else {
            return;
        };
        self.blocks[block].params.remove(num, &mut self.value_lists);
        let rest: smallvec::SmallVec<[Value; 8]> = self.block_params(block)[num..].iter().copied().collect();
        for (i, p) in rest.into_iter().enumerate() {
            if let ValueData::Param { num: n, .. } = &mut self.values[p] {
                *n = (num + i) as u16;
            }
        }
        self.values[v] = ValueData::Placeholder;
    }

    /// Makes a branch destination.
    pub fn block_call(&mut self, block: Block, args: &[Value]) -> BlockCall {
        BlockCall::new(block, args, &mut self.value_lists)
    }

    /// Adds a jump table.
    pub fn make_jump_table(&mut self, data: JumpTableData) -> JumpTable {
        self.jump_tables.push(data)
    }

    /// Adds an exception table.
    pub fn make_exception_table(&mut self, data: ExceptionTableData) -> ExceptionTable {
        self.exception_tables.push(data)
    }

    /// Adds constant data.
    pub fn make_constant(&mut self, bytes: Vec<u8>) -> Constant {
        self.constants.push(bytes)
    }

    /// Makes a value list from a slice.
    pub fn value_list(&mut self, values: &[Value]) -> ValueList {
        EntityList::from_slice(values, &mut self.value_lists)
    }

    /// Whether the opcode of `inst` is `op`.
    pub fn is(&self, inst: Inst, op: Opcode) -> bool {
        self.insts[inst].opcode() == op
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{InstructionData, Opcode, types};

    #[test]
    fn results_and_params() {
        let mut dfg = DataFlowGraph::new();
        let block = dfg.make_block();
        let p = dfg.append_block_param(block, types::I32);
        let inst = dfg.make_inst(InstructionData::Binary { opcode: Opcode::UaddOverflow, args: [p, p] });
        assert_eq!(dfg.make_inst_results(inst, types::I32), 2);
        let r = dfg.inst_results(inst).to_vec();
        assert_eq!(dfg.value_type(r[0]), types::I32);
        assert_eq!(dfg.value_type(r[1]), types::I8);
        assert_eq!(dfg.value_def(r[1]), ValueDef::Result(inst, 1));
        assert_eq!(dfg.ctrl_typevar(inst), types::I32);
        let q = dfg.append_block_param(block, types::I64);
        dfg.remove_block_param(p);
        assert_eq!(dfg.block_params(block), &[q]);
        assert_eq!(dfg.value_def(q), ValueDef::Param(block, 0));
    }

    #[test]
    fn aliases_resolve_and_cycles_stop() {
        let mut dfg = DataFlowGraph::new();
        let block = dfg.make_block();
        let p = dfg.append_block_param(block, types::I64);
        dfg.ensure_values(4);
        let a = Value::from_u32(2);
        dfg.make_alias(a, p);
        assert_eq!(dfg.resolve_aliases(a), p);
        assert_eq!(dfg.value_type(a), types::I64);
        let b = Value::from_u32(3);
        dfg.make_alias(b, a);
        dfg.make_alias(a, b);
        assert!(dfg.alias_cycle(a));
    }
}
