//! [`FunctionBuilder`]: builds a [`Function`] block by block from typed instruction methods
//! and mutable [`Variable`]s, constructing SSA form as it goes (see [`crate::ssa`]).
//!
//! The builder owns nothing but a position and options; its state lives in a
//! [`FunctionBuilderContext`] that can be reused across functions to keep allocations.
//! Output: the function, whose blocks each end in one terminator and whose variables have
//! become SSA values and block parameters; [`FunctionBuilder::finish`] checks that.
//!
//! Invariants: an instruction is appended only to the current block, and never after its
//! terminator; a branch to a block is recorded as a predecessor edge of that block, which
//! must not be sealed yet.

use crate::error::FrontendError;
use crate::ssa::{PredEdge, SsaBuilder};
use crate::variable::Variable;
use lathe_codegen::entity::{EntityRef, PackedOption, SecondaryMap};
use lathe_codegen::ir::{
    Block, DataFlowGraph, ExtFuncData, FuncRef, Function, Inst, InstBuilderBase, InstructionData, JumpTable,
    JumpTableData, SigRef, Signature, SourceLoc, StackSlot, StackSlotData, Type, Value,
};

/// Per-block state of the builder.
#[derive(Copy, Clone, Default, Debug)]
struct BlockStatus {
    /// The block ends with a terminator.
    filled: bool,
}

/// The reusable state behind a [`FunctionBuilder`]: SSA construction tables and block
/// status. Create one and pass it to every [`FunctionBuilder::new`]; it is cleared then.
#[derive(Default, Debug)]
pub struct FunctionBuilderContext {
    ssa: SsaBuilder,
    status: SecondaryMap<Block, BlockStatus>,
    /// Jump tables already used by a `br_table` built here.
    used_tables: SecondaryMap<JumpTable, bool>,
}

impl FunctionBuilderContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    fn clear(&mut self) {
        self.ssa.clear();
        self.status.clear();
        self.used_tables.clear();
    }
}

/// Builds one [`Function`]: blocks, instructions and variables, with SSA construction.
///
/// The usual sequence: create blocks; `switch_to_block` one; declare, define and use
/// variables and append instructions through [`ins`](Self::ins); end the block with a
/// terminator; `seal_block` each block as soon as all branches into it have been built
/// (sealing early gives fewer temporary parameters); `finish`.
///
/// # Variables
///
/// [`declare_var`](Self::declare_var) gives a [`Variable`] of a fixed type;
/// [`def_var`](Self::def_var) assigns it in the current block; [`use_var`](Self::use_var)
/// reads it, adding block parameters only where different definitions meet. A variable
/// read before any definition on some path is zero there (the zero of its type, defined at
/// the top of the entry block, or of the unreachable block where the search ended).
///
/// # Panics
///
/// Misuse that is a bug in the calling front end panics with a message that says what was
/// wrong, as indexing a slice out of bounds does: building with no current block, building
/// after a block's terminator, switching to a filled block, branching to a block that is
/// already sealed, reusing a jump table, adding a parameter to a block after SSA
/// construction added some, and `use_var`/`def_var` of an undeclared variable or with a
/// value of the wrong type. The `try_` variants of the variable methods return a
/// [`FrontendError`] instead.
///
/// # Example
///
/// Sums `0 + 1 + ... + (n - 1)` with a loop; `i` and `sum` are variables, and only the loop
/// header gets block parameters.
///
/// ```
/// use lathe_codegen::ir::{AbiParam, Function, InstBuilder, IntCC, Signature, types::I64};
/// use lathe_frontend::{FunctionBuilder, FunctionBuilderContext};
///
/// let mut sig = Signature::default();
/// sig.params.push(AbiParam::new(I64));
/// sig.returns.push(AbiParam::new(I64));
/// let mut func = Function::new_test("sum_below", sig);
/// let mut ctx = FunctionBuilderContext::new();
/// let mut b = FunctionBuilder::new(&mut func, &mut ctx);
///
/// let entry = b.create_block();
/// let header = b.create_block();
/// let body = b.create_block();
/// let exit = b.create_block();
/// let (n, i, sum) = (b.declare_var(I64), b.declare_var(I64), b.declare_var(I64));
///
/// b.append_block_params_for_function_params(entry);
/// b.switch_to_block(entry);
/// b.seal_block(entry);
/// let arg = b.block_params(entry)[0];
/// b.def_var(n, arg);
/// let zero = b.ins().iconst(I64, 0);
/// b.def_var(i, zero);
/// b.def_var(sum, zero);
/// b.ins().jump(header, &[]);
///
/// b.switch_to_block(header); // two predecessors: entry and the loop body
/// let (iv, nv) = (b.use_var(i), b.use_var(n));
/// let more = b.ins().icmp(IntCC::SignedLessThan, iv, nv);
/// b.ins().brif(more, body, &[], exit, &[]);
///
/// b.switch_to_block(body);
/// b.seal_block(body);
/// let (iv, sv) = (b.use_var(i), b.use_var(sum));
/// let s2 = b.ins().iadd(sv, iv);
/// b.def_var(sum, s2);
/// let i2 = b.ins().iadd_imm(iv, 1);
/// b.def_var(i, i2);
/// b.ins().jump(header, &[]);
/// b.seal_block(header); // both predecessors are known now
///
/// b.switch_to_block(exit);
/// b.seal_block(exit);
/// let result = b.use_var(sum);
/// b.ins().return_(&[result]);
/// b.finish().unwrap();
///
/// // `n` is never reassigned in the loop, so the header has parameters for `i` and `sum`
/// // only.
/// assert_eq!(func.dfg.block_params(header).len(), 2);
/// ```
pub struct FunctionBuilder<'a> {
    /// The function being built. Reading it is fine at any time; changing its blocks or
    /// instructions directly bypasses the builder's bookkeeping.
    pub func: &'a mut Function,
    ctx: &'a mut FunctionBuilderContext,
    position: PackedOption<Block>,
    srcloc: SourceLoc,
    verify_on_finish: bool,
    pub(crate) libcalls: [Option<FuncRef>; 3],
}

impl<'a> FunctionBuilder<'a> {
    /// A builder for `func` (normally empty), using and clearing `ctx`.
    pub fn new(func: &'a mut Function, ctx: &'a mut FunctionBuilderContext) -> Self {
        ctx.clear();
        Self {
            func,
            ctx,
            position: PackedOption::none(),
            srcloc: SourceLoc::default(),
            verify_on_finish: false,
            libcalls: [None; 3],
        }
    }

    /// When `on`, [`finish`](Self::finish) also runs the IR verifier and returns its
    /// complaints as [`FrontendError::Verifier`]. Off by default.
    pub fn set_verify_on_finish(&mut self, on: bool) {
        self.verify_on_finish = on;
    }

    // ---- Blocks ----

    /// Creates a block. It enters the layout when first switched to.
    pub fn create_block(&mut self) -> Block {
        self.func.dfg.make_block()
    }

    /// Makes `block` the current block: instructions are appended to it from now on. The
    /// first switch to a block appends it to the layout, so blocks are laid out in the
    /// order they are first switched to.
    ///
    /// # Panics
    ///
    /// If `block` already ends with a terminator.
    pub fn switch_to_block(&mut self, block: Block) {
        assert!(
            !self.ctx.status[block].filled,
            "cannot switch to {block}: it already ends with a terminator, so nothing more can be added to it"
        );
        if !self.func.layout.is_block_inserted(block) {
            self.func.layout.append_block(block);
        }
        self.position = block.into();
    }

    /// The block instructions are appended to, if any.
    pub fn current_block(&self) -> Option<Block> {
        self.position.expand()
    }

    /// Declares that every branch into `block` has been built. Its variables' incomplete
    /// parameters are completed (or removed as trivial). Call it as early as possible:
    /// uses in a sealed block need no temporary parameters. Sealing twice does nothing.
    pub fn seal_block(&mut self, block: Block) {
        self.ctx.ssa.seal_block(self.func, block);
    }

    /// Seals every block created so far. Handy at the end, when no more branches will be
    /// built, though sealing each block early makes less work.
    pub fn seal_all_blocks(&mut self) {
        for i in 0..self.func.dfg.num_blocks() {
            self.seal_block(Block::new(i));
        }
    }

    /// Whether `block` was sealed.
    pub fn is_sealed(&self, block: Block) -> bool {
        self.ctx.ssa.is_sealed(block)
    }

    /// Whether `block` ends with a terminator.
    pub fn is_filled(&self, block: Block) -> bool {
        self.ctx.status[block].filled
    }

    /// The branches into `block` built so far: (block holding the branch, branch).
    pub fn predecessors(&self, block: Block) -> impl Iterator<Item = (Block, Inst)> + '_ {
        self.ctx.ssa.predecessors(block).iter().map(|&PredEdge { block, inst }| (block, inst))
    }

    /// Adds a parameter of type `ty` to `block`; branches into it must pass an argument
    /// for it. Parameters declared this way come before those SSA construction adds.
    ///
    /// # Panics
    ///
    /// If SSA construction already added parameters to `block` (declare a block's own
    /// parameters before reading variables in it or through it).
    pub fn append_block_param(&mut self, block: Block, ty: Type) -> Value {
        assert!(
            !self.ctx.ssa.has_ssa_params(block),
            "cannot add a parameter to {block}: variables already gave it parameters; declare block parameters first"
        );
        self.func.dfg.append_block_param(block, ty)
    }

    /// Adds one parameter per parameter of the function's signature to `block` (the entry
    /// block), in order.
    pub fn append_block_params_for_function_params(&mut self, block: Block) {
        for i in 0..self.func.signature.params.len() {
            let ty = self.func.signature.params[i].value_type;
            self.append_block_param(block, ty);
        }
    }

    /// Adds one parameter per return value of the function's signature to `block` (useful
    /// for a shared exit block).
    pub fn append_block_params_for_function_returns(&mut self, block: Block) {
        for i in 0..self.func.signature.returns.len() {
            let ty = self.func.signature.returns[i].value_type;
            self.append_block_param(block, ty);
        }
    }

    /// The parameters of `block`.
    pub fn block_params(&self, block: Block) -> &[Value] {
        self.func.dfg.block_params(block)
    }

    // ---- Variables ----

    /// Declares a new variable of type `ty` (any type: integers, floats, vectors).
    pub fn declare_var(&mut self, ty: Type) -> Variable {
        self.ctx.ssa.declare_var(ty)
    }

    /// The type `var` was declared with, or `None` if this builder did not declare it.
    pub fn var_type(&self, var: Variable) -> Option<Type> {
        self.ctx.ssa.var_type(var)
    }

    /// Assigns `val` to `var` in the current block.
    ///
    /// # Panics
    ///
    /// Where [`try_def_var`](Self::try_def_var) returns an error.
    pub fn def_var(&mut self, var: Variable, val: Value) {
        if let Err(e) = self.try_def_var(var, val) {
            panic!("def_var({var}, {val}): {e}");
        }
    }

    /// Assigns `val` to `var` in the current block. Errors if `var` was not declared, if
    /// `val` is not of its type, or if there is no current block.
    pub fn try_def_var(&mut self, var: Variable, val: Value) -> Result<(), FrontendError> {
        let expected = self.ctx.ssa.var_type(var).ok_or(FrontendError::UndeclaredVariable(var))?;
        let found = self.func.dfg.value_type(val);
        if found != expected {
            return Err(FrontendError::TypeMismatch { var, expected, value: val, found });
        }
        let block = self.position.expand().ok_or(FrontendError::NoCurrentBlock)?;
        self.ctx.ssa.def_var(var, val, block);
        Ok(())
    }

    /// The value of `var` in the current block.
    ///
    /// # Panics
    ///
    /// Where [`try_use_var`](Self::try_use_var) returns an error.
    pub fn use_var(&mut self, var: Variable) -> Value {
        match self.try_use_var(var) {
            Ok(v) => v,
            Err(e) => panic!("use_var({var}): {e}"),
        }
    }

    /// The value of `var` in the current block, adding block parameters where different
    /// definitions meet. A variable with no definition on some path is zero there (see
    /// the type docs). Errors if `var` was not declared or there is no current block.
    pub fn try_use_var(&mut self, var: Variable) -> Result<Value, FrontendError> {
        if !self.ctx.ssa.is_declared(var) {
            return Err(FrontendError::UndeclaredVariable(var));
        }
        let block = self.position.expand().ok_or(FrontendError::NoCurrentBlock)?;
        Ok(self.ctx.ssa.use_var(self.func, var, block))
    }

    // ---- Instructions ----

    /// A builder that appends one instruction to the current block. Its methods, one per
    /// opcode, come from [`InstBuilder`](lathe_codegen::ir::InstBuilder), which must be in
    /// scope.
    ///
    /// # Panics
    ///
    /// If there is no current block.
    pub fn ins<'short>(&'short mut self) -> FuncInstBuilder<'short, 'a> {
        let block =
            self.position.expand().expect("no current block: call switch_to_block before building instructions");
        FuncInstBuilder { builder: self, block }
    }

    /// Sets the source location given to the instructions built from now on.
    pub fn set_srcloc(&mut self, loc: SourceLoc) {
        self.srcloc = loc;
    }

    /// The source location given to new instructions.
    pub fn srcloc(&self) -> SourceLoc {
        self.srcloc
    }

    /// The results of `inst` (for calls, whose result count comes from the signature).
    pub fn inst_results(&self, inst: Inst) -> &[Value] {
        self.func.dfg.inst_results(inst)
    }

    /// Declares a stack slot.
    pub fn create_stack_slot(&mut self, data: StackSlotData) -> StackSlot {
        self.func.create_stack_slot(data)
    }

    /// Declares a signature for `call_indirect`.
    pub fn import_signature(&mut self, sig: Signature) -> SigRef {
        self.func.import_signature(sig)
    }

    /// Declares an external function for `call` and `func_addr`.
    pub fn import_function(&mut self, data: ExtFuncData) -> FuncRef {
        self.func.import_function(data)
    }

    /// Declares a jump table for one `br_table`.
    pub fn create_jump_table(&mut self, data: JumpTableData) -> JumpTable {
        self.func.dfg.make_jump_table(data)
    }

    // ---- Finishing ----

    /// Checks that every block in the layout, and every block branched to, ends with a
    /// terminator and was sealed; rewrites operands that name aliases (left by removed
    /// trivial parameters) to the values they stand for; in blocks not reachable from the
    /// entry, replaces by zero any operand computed in an unreachable block other than
    /// earlier in the same block (a loop nobody enters can otherwise leave an instruction
    /// that uses its own result; nothing can observe the change); runs the verifier if
    /// [`set_verify_on_finish`](Self::set_verify_on_finish) asked for it.
    pub fn finish(self) -> Result<(), FrontendError> {
        let func = self.func;
        for i in 0..func.dfg.num_blocks() {
            let block = Block::new(i);
            let used = func.layout.is_block_inserted(block) || !self.ctx.ssa.predecessors(block).is_empty();
            if !used {
                continue;
            }
            if !self.ctx.status[block].filled {
                return Err(FrontendError::UnfilledBlock(block));
            }
            if !self.ctx.ssa.is_sealed(block) {
                return Err(FrontendError::UnsealedBlock(block));
            }
        }
        // Both fix-ups only undo what removing trivial parameters leaves (aliases, and
        // the cycles through them in unreachable loops): without an alias there is nothing
        // to do, and a function without loops has none.
        if func.dfg.has_aliases() {
            crate::cleanup::resolve_all_aliases(func);
            crate::cleanup::break_unreachable_cycles(func);
        }
        if self.verify_on_finish {
            lathe_codegen::verifier::verify_function(func).map_err(FrontendError::Verifier)?;
        }
        Ok(())
    }
}

/// The instruction builder returned by [`FunctionBuilder::ins`]: appends to the current
/// block and keeps the builder's bookkeeping (predecessor edges, filled blocks, source
/// locations).
pub struct FuncInstBuilder<'short, 'a> {
    builder: &'short mut FunctionBuilder<'a>,
    block: Block,
}

impl<'short> InstBuilderBase<'short> for FuncInstBuilder<'short, '_> {
    fn data_flow_graph(&self) -> &DataFlowGraph {
        &self.builder.func.dfg
    }

    fn data_flow_graph_mut(&mut self) -> &mut DataFlowGraph {
        &mut self.builder.func.dfg
    }

    fn build(self, data: InstructionData, ctrl: Type) -> (Inst, &'short mut DataFlowGraph) {
        let fb = self.builder;
        let block = self.block;
        let op = data.opcode();
        assert!(!fb.ctx.status[block].filled, "cannot add `{op}` to {block}: the block already ends with a terminator");
        if let InstructionData::BranchTable { table, .. } = data {
            assert!(
                !fb.ctx.used_tables[table],
                "{table} is already used by another br_table; each br_table needs its own jump table"
            );
            fb.ctx.used_tables[table] = true;
        }
        let inst = fb.func.dfg.make_inst(data);
        fb.func.dfg.make_inst_results(inst, ctrl);
        fb.func.layout.append_inst(inst, block);
        if !fb.srcloc.is_default() {
            fb.func.srclocs[inst] = fb.srcloc;
        }
        if op.is_branch() {
            let dfg = &fb.func.dfg;
            let dests: smallvec::SmallVec<[Block; 4]> = dfg.insts[inst]
                .branch_destinations(&dfg.jump_tables, &dfg.exception_tables)
                .iter()
                .map(|bc| bc.block)
                .collect();
            for dest in dests {
                let ok = fb.ctx.ssa.declare_predecessor(dest, block, inst);
                assert!(
                    ok,
                    "cannot branch from {block} to {dest}: {dest} is already sealed, so it cannot get new predecessors"
                );
            }
        }
        if op.is_terminator() {
            fb.ctx.status[block].filled = true;
        }
        (inst, &mut fb.func.dfg)
    }
}
