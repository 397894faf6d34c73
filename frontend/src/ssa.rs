//! SSA construction from mutable variables, after Braun, Buchwald, Hack, Leißa, Mallon and
//! Zwinkau, "Simple and Efficient Construction of Static Single Assignment Form" (CC 2013).
//!
//! Input comes from the [`FunctionBuilder`](crate::FunctionBuilder): variable definitions
//! (`def_var`) and uses (`use_var`) in the block being built, predecessor edges recorded
//! when a branch is built, and `seal_block` once every predecessor of a block is known.
//! Output goes straight into the function: block parameters where a variable has different
//! values on different incoming paths, the matching branch arguments, and zero constants
//! for variables read before any definition.
//!
//! How it works:
//! - Each block remembers the value each variable has at its end (local value numbering).
//! - A use not defined locally looks through the predecessors. In an unsealed block (more
//!   predecessors may come) it adds an *incomplete* parameter, finished at `seal_block`. In
//!   a sealed block with one predecessor it asks that predecessor. With several it marks
//!   the block *pending* and asks every predecessor. If the predecessors all answer the
//!   same value, that is the variable's value in the block and no parameter is made. If
//!   they differ, a parameter is added and the answers become its branch arguments. If a
//!   lookup comes back to the pending block (a loop), the parameter is added right then,
//!   recorded as the variable's value (which stops the loop), and completed as above
//!   when the answers are in.
//! - A parameter whose arguments are all the same value (or itself) is *trivial*: it is
//!   removed, its branch arguments are dropped, and it becomes an alias of that value.
//!   Parameters that took it as an argument may become trivial in turn; a worklist handles
//!   that cascade.
//! - The lookup runs on an explicit task stack, never by recursion, so a CFG thousands of
//!   blocks deep cannot overflow the native stack.
//!
//! Use before definition: when the search reaches a block with no predecessors (the entry
//! block, or an unreachable block) without finding a definition, the variable's value is
//! a zero of its type (`iconst 0`, `f32const 0.0`, `f64const 0.0`, `iconst.i64 0` then
//! `uextend.i128`, or an all-zero `vconst`), placed at the top of that block. A trivial
//! parameter with no argument other than itself (a loop nobody enters) also becomes zero.
//!
//! Invariants: every branch into a block passes one argument per block parameter; the
//! parameters this module adds follow the ones the user declared; the arguments of a
//! parameter are appended all at once, so a parameter is either incomplete (no arguments
//! yet, its block unsealed) or complete.

use crate::Variable;
use lathe_codegen::entity::{EntityRef, PackedOption, PrimaryMap, SecondaryMap};
use lathe_codegen::ir::{Block, FuncCursor, Function, Inst, InstBuilder, Type, Value, ValueDef, types};

/// A predecessor edge: `inst`, a branch at the end of `block`, jumps to the block that
/// lists this edge.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct PredEdge {
    /// The block holding the branch.
    pub block: Block,
    /// The branch instruction.
    pub inst: Inst,
}

#[derive(Clone, Default, Debug)]
struct SsaBlock {
    sealed: bool,
    preds: Vec<PredEdge>,
    /// Parameters added while the block was unsealed, waiting for `seal_block`.
    incomplete: Vec<(Variable, Value)>,
    /// How many parameters SSA construction added (the user's come first).
    ssa_params: u32,
}

/// What SSA construction knows of a value.
#[derive(Copy, Clone, PartialEq, Eq, Default, Debug)]
enum ParamState {
    /// Not a parameter made here.
    #[default]
    Other,
    /// A parameter of an unsealed block, without branch arguments yet.
    Incomplete,
    /// A parameter with all its branch arguments.
    Complete,
    /// A removed trivial parameter, now an alias.
    Removed,
}

/// One step of a variable lookup on the explicit stack.
#[derive(Copy, Clone, Debug)]
enum Task {
    /// Find the variable's value at the end of the block and push it on the result stack.
    Lookup(Block),
    /// The predecessors' values of a pending sealed block are the top results: the one
    /// value they agree on, or a parameter that takes them (see [`SsaBuilder::merge`]).
    Merge(Block),
    /// Record the value on top of the result stack as the variable's value in the block.
    SetDef(Block),
    /// The predecessors' values are the top results: pass them to the parameter, try to
    /// remove it, and push what it became.
    Finish(Block, Value),
}

/// The state of SSA construction for one function.
#[derive(Default, Debug)]
pub struct SsaBuilder {
    var_types: PrimaryMap<Variable, Type>,
    /// The value of each variable at the end of each block, once known.
    defs: SecondaryMap<Variable, SecondaryMap<Block, PackedOption<Value>>>,
    blocks: SecondaryMap<Block, SsaBlock>,
    params: SecondaryMap<Value, ParamState>,
    /// For each complete parameter made here, the parameters that received it as a branch
    /// argument: candidates to become trivial when it is removed.
    users: SecondaryMap<Value, Vec<Value>>,
    // Scratch space, kept to avoid allocating per lookup.
    tasks: Vec<Task>,
    results: Vec<Value>,
    chain: Vec<Block>,
    visited: SecondaryMap<Block, bool>,
    /// Sealed blocks whose predecessors are being asked for the current variable (between
    /// their `Lookup` and their `Merge`); a lookup that reaches one is a cycle.
    pending: SecondaryMap<Block, bool>,
    worklist: Vec<Value>,
    args: Vec<Value>,
}

impl SsaBuilder {
    /// Forgets everything, keeping allocations.
    pub fn clear(&mut self) {
        // Each variable's map over blocks is emptied, not dropped: the next function reuses
        // it instead of allocating (and the kernel zeroing) one per variable again.
        for var in self.var_types.keys() {
            self.defs[var].clear();
        }
        self.var_types.clear();
        self.blocks.clear();
        self.params.clear();
        self.users.clear();
        self.tasks.clear();
        self.results.clear();
        self.chain.clear();
        self.visited.clear();
        self.pending.clear();
        self.worklist.clear();
        self.args.clear();
    }

    /// Declares a new variable of type `ty`.
    pub fn declare_var(&mut self, ty: Type) -> Variable {
        self.var_types.push(ty)
    }

    /// The type of `var`, or `None` if it was not declared.
    pub fn var_type(&self, var: Variable) -> Option<Type> {
        self.var_types.get(var).copied()
    }

    /// Records that `var` holds `val` at the current end of `block`.
    pub fn def_var(&mut self, var: Variable, val: Value, block: Block) {
        self.defs[var][block] = val.into();
    }

    /// Whether `block` was sealed.
    pub fn is_sealed(&self, block: Block) -> bool {
        self.blocks[block].sealed
    }

    /// The predecessor edges of `block` recorded so far.
    pub fn predecessors(&self, block: Block) -> &[PredEdge] {
        &self.blocks[block].preds
    }

    /// Whether SSA construction added parameters to `block` (after which the user may not
    /// add more).
    pub fn has_ssa_params(&self, block: Block) -> bool {
        self.blocks[block].ssa_params > 0
    }

    /// Records that branch `inst` at the end of `pred` jumps to `block`. Returns false (and
    /// records nothing) if `block` is already sealed.
    pub fn declare_predecessor(&mut self, block: Block, pred: Block, inst: Inst) -> bool {
        let b = &mut self.blocks[block];
        if b.sealed {
            return false;
        }
        let edge = PredEdge { block: pred, inst };
        if !b.preds.contains(&edge) {
            b.preds.push(edge);
        }
        true
    }

    /// The value of `var` at the current end of `block`, adding block parameters as needed.
    /// `var` must have been declared.
    pub fn use_var(&mut self, func: &mut Function, var: Variable, block: Block) -> Value {
        if let Some(v) = self.defs[var][block].expand() {
            return v;
        }
        let ty = self.var_types[var];
        debug_assert!(self.tasks.is_empty() && self.results.is_empty());
        self.tasks.push(Task::Lookup(block));
        self.run(func, var, ty);
        let v = self.results.pop().expect("a lookup leaves exactly one result");
        debug_assert!(self.results.is_empty());
        func.dfg.resolve_aliases(v)
    }

    /// Declares that every predecessor of `block` is known, completing the parameters
    /// added while it was unsealed. Sealing twice does nothing.
    pub fn seal_block(&mut self, func: &mut Function, block: Block) {
        if self.blocks[block].sealed {
            return;
        }
        // New incomplete parameters may be added to this very block while the earlier ones
        // are completed (a loop whose body reads another variable); they are appended to
        // the list, so walking it by index finishes them too, in parameter order.
        let mut i = 0;
        while let Some(&(var, param)) = self.blocks[block].incomplete.get(i) {
            i += 1;
            let ty = self.var_types[var];
            self.push_param_lookups(block, param);
            self.run(func, var, ty);
            self.results.pop().expect("a parameter lookup leaves exactly one result");
        }
        let b = &mut self.blocks[block];
        b.incomplete.clear();
        b.sealed = true;
    }

    /// Schedules the completion of `param` of `block`: a lookup in each predecessor (pushed
    /// in reverse so the results come out in predecessor order), then `Finish`.
    fn push_param_lookups(&mut self, block: Block, param: Value) {
        self.tasks.push(Task::Finish(block, param));
        for edge in self.blocks[block].preds.iter().rev() {
            self.tasks.push(Task::Lookup(edge.block));
        }
    }

    /// Runs the task stack for `var` until it is empty.
    fn run(&mut self, func: &mut Function, var: Variable, ty: Type) {
        while let Some(task) = self.tasks.pop() {
            match task {
                Task::Lookup(block) => self.lookup(func, var, ty, block),
                Task::SetDef(block) => {
                    let v = *self.results.last().expect("SetDef runs after a lookup");
                    self.defs[var][block] = v.into();
                }
                Task::Merge(block) => {
                    let v = self.merge(func, var, ty, block);
                    self.results.push(v);
                }
                Task::Finish(block, param) => {
                    let v = self.finish_param(func, block, param);
                    // A parameter completed at sealing time may have been overwritten by a
                    // later definition in its block; only the parameter itself is replaced.
                    if self.defs[var][block].expand() == Some(param) {
                        self.defs[var][block] = v.into();
                    }
                    self.results.push(v);
                }
            }
        }
    }

    fn lookup(&mut self, func: &mut Function, var: Variable, ty: Type, block: Block) {
        if let Some(v) = self.defs[var][block].expand() {
            self.results.push(v);
            return;
        }
        if self.pending[block] {
            // A cycle back to a block whose predecessors are being asked: it needs a
            // parameter, and the parameter is the answer on this path.
            let p = self.add_param(func, block, ty, ParamState::Incomplete);
            self.defs[var][block] = p.into();
            self.results.push(p);
            return;
        }
        let b = &self.blocks[block];
        if !b.sealed {
            let p = self.add_param(func, block, ty, ParamState::Incomplete);
            self.blocks[block].incomplete.push((var, p));
            self.defs[var][block] = p.into();
            self.results.push(p);
        } else if b.preds.len() == 1 {
            self.lookup_chain(func, var, ty, block);
        } else if b.preds.is_empty() {
            let z = zero_value(func, block, ty);
            self.defs[var][block] = z.into();
            self.results.push(z);
        } else {
            // Most merges need no parameter (the variable is the same on every path), so
            // none is made unless the answers differ or a loop comes back here; making and
            // then removing one costs branch-argument edits on every predecessor.
            self.pending[block] = true;
            self.tasks.push(Task::Merge(block));
            for edge in self.blocks[block].preds.iter().rev() {
                self.tasks.push(Task::Lookup(edge.block));
            }
        }
    }

    /// Ends the lookup of pending `block`: its predecessors' values are the top results.
    /// Returns the variable's value in the block (recorded there).
    fn merge(&mut self, func: &mut Function, var: Variable, ty: Type, block: Block) -> Value {
        self.pending[block] = false;
        if let Some(p) = self.defs[var][block].expand() {
            // A loop came back here and made the parameter: complete it.
            let v = self.finish_param(func, block, p);
            self.defs[var][block] = v.into();
            return v;
        }
        let n = self.blocks[block].preds.len();
        let start = self.results.len() - n;
        let first = func.dfg.resolve_aliases(self.results[start]);
        let agree = self.results[start + 1..].iter().all(|&v| func.dfg.resolve_aliases(v) == first);
        if agree {
            self.results.truncate(start);
            self.defs[var][block] = first.into();
            return first;
        }
        let p = self.add_param(func, block, ty, ParamState::Incomplete);
        let v = self.finish_param(func, block, p);
        self.defs[var][block] = v.into();
        v
    }

    /// Follows a chain of sealed single-predecessor blocks without a definition, then
    /// looks up the block where it ends and records the answer in every block on the way.
    fn lookup_chain(&mut self, func: &mut Function, var: Variable, ty: Type, start: Block) {
        self.chain.clear();
        self.chain.push(start);
        self.visited[start] = true;
        let mut cur = self.blocks[start].preds[0].block;
        let mut cycle = false;
        loop {
            if self.defs[var][cur].is_some() {
                break;
            }
            let b = &self.blocks[cur];
            if !(b.sealed && b.preds.len() == 1) {
                break;
            }
            if self.visited[cur] {
                cycle = true;
                break;
            }
            self.visited[cur] = true;
            self.chain.push(cur);
            cur = b.preds[0].block;
        }
        for &blk in &self.chain {
            self.visited[blk] = false;
        }
        if cycle {
            // A ring of single-predecessor blocks: nothing enters it, so it is unreachable
            // and the variable was never defined on the way in.
            let z = zero_value(func, start, ty);
            for &blk in &self.chain {
                self.defs[var][blk] = z.into();
            }
            self.results.push(z);
            return;
        }
        for i in 0..self.chain.len() {
            let blk = self.chain[i];
            self.tasks.push(Task::SetDef(blk));
        }
        self.tasks.push(Task::Lookup(cur));
    }

    fn add_param(&mut self, func: &mut Function, block: Block, ty: Type, state: ParamState) -> Value {
        let p = func.dfg.append_block_param(block, ty);
        self.params[p] = state;
        self.blocks[block].ssa_params += 1;
        p
    }

    /// Passes the predecessors' values (the top results) to `param` and removes it if it
    /// is trivial. Returns the value the variable has in `block`.
    fn finish_param(&mut self, func: &mut Function, block: Block, param: Value) -> Value {
        let n = self.blocks[block].preds.len();
        let start = self.results.len() - n;
        self.args.clear();
        self.args.extend(self.results.drain(start..));
        for i in 0..n {
            let edge = self.blocks[block].preds[i];
            let arg = func.dfg.resolve_aliases(self.args[i]);
            append_branch_arg(func, edge.inst, block, arg);
            if matches!(self.params[arg], ParamState::Incomplete | ParamState::Complete) {
                self.users[arg].push(param);
            }
        }
        self.params[param] = ParamState::Complete;
        self.remove_trivial_params(func, param)
    }

    /// Removes `start` if it is trivial, and then every parameter that becomes trivial
    /// because of that. Returns what `start` stands for afterwards.
    fn remove_trivial_params(&mut self, func: &mut Function, start: Value) -> Value {
        self.worklist.push(start);
        while let Some(p) = self.worklist.pop() {
            if self.params[p] != ParamState::Complete {
                continue;
            }
            let ValueDef::Param(block, num) = func.dfg.value_def(p) else {
                continue;
            };
            let mut same = None;
            let mut trivial = true;
            for edge in &self.blocks[block].preds {
                let Some(arg) = branch_arg(func, edge.inst, block, num) else {
                    continue;
                };
                let arg = func.dfg.resolve_aliases(arg);
                if arg == p || Some(arg) == same {
                    continue;
                }
                if same.is_some() {
                    trivial = false;
                    break;
                }
                same = Some(arg);
            }
            if !trivial {
                continue;
            }
            let ty = func.dfg.value_type(p);
            let same = match same {
                Some(v) => v,
                None => zero_value(func, block, ty),
            };
            for i in 0..self.blocks[block].preds.len() {
                let edge = self.blocks[block].preds[i];
                remove_branch_arg(func, edge.inst, block, num);
            }
            func.dfg.remove_block_param(p);
            func.dfg.make_alias(p, same);
            self.params[p] = ParamState::Removed;
            self.blocks[block].ssa_params -= 1;
            // Users that were removed already are dropped here, or the lists would grow with
            // every removal along a chain.
            let mut users = std::mem::take(&mut self.users[p]);
            users.retain(|&u| self.params[u] == ParamState::Complete);
            if matches!(self.params[same], ParamState::Incomplete | ParamState::Complete) {
                self.users[same].extend(users.iter().copied());
            }
            self.worklist.extend(users);
        }
        func.dfg.resolve_aliases(start)
    }
}

/// Appends `arg` to every destination of branch `inst` that goes to `block`.
fn append_branch_arg(func: &mut Function, inst: Inst, block: Block, arg: Value) {
    let dfg = &mut func.dfg;
    for bc in dfg.insts[inst].branch_destinations_mut(&mut dfg.jump_tables, &mut dfg.exception_tables) {
        if bc.block == block {
            bc.args.push(arg, &mut dfg.value_lists);
        }
    }
}

/// The argument number `num` that branch `inst` passes to `block`.
fn branch_arg(func: &Function, inst: Inst, block: Block, num: usize) -> Option<Value> {
    let dfg = &func.dfg;
    dfg.insts[inst]
        .branch_destinations(&dfg.jump_tables, &dfg.exception_tables)
        .iter()
        .find(|bc| bc.block == block)
        .and_then(|bc| bc.args.get(num, &dfg.value_lists))
}

/// Removes argument number `num` from every destination of `inst` that goes to `block`.
fn remove_branch_arg(func: &mut Function, inst: Inst, block: Block, num: usize) {
    let dfg = &mut func.dfg;
    for bc in dfg.insts[inst].branch_destinations_mut(&mut dfg.jump_tables, &mut dfg.exception_tables) {
        if bc.block == block && num < bc.args.len(&dfg.value_lists) {
            bc.args.remove(num, &mut dfg.value_lists);
        }
    }
}

/// A zero of type `ty` defined at the top of `block` (see the module docs). A block not
/// in the layout cannot hold it, so the entry block is used then.
pub(crate) fn zero_value(func: &mut Function, block: Block, ty: Type) -> Value {
    let block = if func.layout.is_block_inserted(block) {
        block
    } else if let Some(entry) = func.layout.entry_block() {
        entry
    } else {
        func.layout.append_block(block);
        block
    };
    let first = func.layout.first_inst(block);
    let mut cur = FuncCursor::new(func);
    match first {
        Some(inst) => cur.goto_inst(inst),
        None => cur.goto_bottom(block),
    }
    if ty.is_vector() {
        let c = cur.func.dfg.make_constant(vec![0; ty.bytes() as usize]);
        cur.ins().vconst(ty, c)
    } else if ty == types::F32 {
        cur.ins().f32const(0.0f32)
    } else if ty == types::F64 {
        cur.ins().f64const(0.0f64)
    } else if ty == types::I128 {
        let z = cur.ins().iconst(types::I64, 0);
        cur.ins().uextend(types::I128, z)
    } else {
        cur.ins().iconst(ty, 0)
    }
}

impl SsaBuilder {
    /// Number of variables declared.
    pub fn num_vars(&self) -> usize {
        self.var_types.len()
    }

    /// Whether `var` is a declared variable.
    pub fn is_declared(&self, var: Variable) -> bool {
        var.index() < self.var_types.len()
    }
}
