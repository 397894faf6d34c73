//! The lowering driver: walks the IR in the block lowering order and asks the ISA's
//! backend (its ISLE rules) to turn each instruction into machine instructions over
//! virtual registers, producing [`VCode`].
//!
//! Everything is lowered backward: the IR blocks from last to first in the lowering order
//! (a reverse post-order, so a block comes after the blocks that dominate it), and within
//! a block the instructions from last to first. An instruction is lowered only if it has
//! side effects or one of its results is needed: by an instruction already lowered that
//! asked for it in a register ([`Lower::put_in_reg`]), or as a branch argument. So a rule
//! that folds an operand into its user (an `iconst` into an immediate, an `icmp` into a
//! branch, an address into an addressing mode) simply does not ask for that operand, and
//! the folded instruction is never lowered on its own if nothing else needs it, also
//! when the users are in other blocks. (A use in a block that the order places before the
//! definition's, which only cold blocks moved to the end make possible, counts as needed
//! from the start.) The split-edge blocks are lowered last, after the terminators whose
//! results they pass. Each block's machine instructions are kept until the block is
//! lowered, then handed to the [`VCodeBuilder`] in program order; the builder puts the
//! blocks themselves in program order when it is finished.
//!
//! Each IR value has one virtual register. A rule that computes a value in a register of
//! its own choosing names it with [`Lower::set_output`]; the value's register becomes an
//! alias of it, resolved when the VCode is finished, so no move is needed.

use super::CodegenError;
use super::blockorder::{BlockLoweringOrder, LoweredBlock};
use super::buffer::MachLabel;
use super::explain::{NO_RULE, Origin};
use super::inst::MachInst;
use super::reg::Reg;
use super::vcode::{BlockName, VCode, VCodeBuilder};
use crate::entity::SecondaryMap;
use crate::ir::{Block, Function, Inst, InstructionData, MemFlags, SourceLoc, StackSlot, Type, Value, ValueDef};
use regalloc2::RegClass;

/// What an ISA provides to lower instructions.
pub trait LowerBackend {
    /// The ISA's machine instruction.
    type MInst: MachInst;
    /// What this ISA does natively: the driver rewrites the rest with the shared
    /// legalization (`legalize::legalize`: library calls, expansions of wide operations,
    /// `br_table` as compares where there are no jump tables).
    fn native(&self) -> crate::legalize::Native;
    /// Rewrites of this ISA's own, run after the shared ones. `None` when the function
    /// needs no rewriting, which is the common case and makes no copy.
    fn legalize(&self, func: &Function) -> Option<Function> {
        let _ = func;
        None
    }
    /// The ISA's lowering rules (its generated `RULES` table), by the ids the rules report
    /// through `rule_enter` (for `lathe explain`).
    fn rule_table(&self) -> &'static [super::explain::RuleEntry] {
        &[]
    }
    /// Defines the function's parameters (the entry block's parameters) where the calling
    /// convention puts them: typically one pseudo instruction with fixed-register defs.
    fn lower_params(&self, ctx: &mut Lower<'_, Self::MInst>, params: &[Value]) -> Result<(), CodegenError>;
    /// Lowers one non-terminator instruction.
    fn lower_inst(&self, ctx: &mut Lower<'_, Self::MInst>, inst: Inst) -> Result<(), CodegenError>;
    /// Lowers the start of a landing pad (the split edge from a `try_call*` to one of its
    /// handlers): an instruction defining the exception payload registers, returned in
    /// order (`exn0`, `exn1`). ISAs without exceptions keep the default, an error (the
    /// driver refuses `try_call*` on them before lowering).
    fn lower_landing_pad(&self, ctx: &mut Lower<'_, Self::MInst>) -> Result<Vec<Reg>, CodegenError> {
        let _ = ctx;
        Err(CodegenError::Unsupported("exception landing pads on this ISA".into()))
    }
    /// Lowers a terminator whose successor edges go to `targets`, in order.
    fn lower_branch(
        &self,
        ctx: &mut Lower<'_, Self::MInst>,
        inst: Inst,
        targets: &[MachLabel],
    ) -> Result<(), CodegenError>;
}

/// The registers holding one IR value: one, or two for `i128` (low half first).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct ValueRegs {
    regs: [Reg; 2],
    len: u8,
}

impl ValueRegs {
    /// A value in one register.
    pub fn one(r: Reg) -> Self {
        Self { regs: [r, r], len: 1 }
    }
    /// A value in two registers, low half first.
    pub fn two(lo: Reg, hi: Reg) -> Self {
        Self { regs: [lo, hi], len: 2 }
    }
    /// The registers, low half first.
    pub fn regs(&self) -> &[Reg] {
        &self.regs[..self.len as usize]
    }
    /// The only (or low) register.
    pub fn lo(&self) -> Reg {
        self.regs[0]
    }
    /// The high register (the low one for a single-register value).
    pub fn hi(&self) -> Reg {
        self.regs[self.len as usize - 1]
    }
}

/// How many registers a value of type `ty` takes.
pub fn regs_for_type(ty: Type) -> usize {
    if ty.is_int_scalar() && ty.bits() == 128 { 2 } else { 1 }
}

/// The register class of values of type `ty`.
pub fn class_of(ty: Type) -> RegClass {
    if ty.is_float() || ty.is_vector() { RegClass::Float } else { RegClass::Int }
}

/// The state of lowering one function.
pub struct Lower<'f, I: MachInst> {
    /// The function being lowered.
    pub f: &'f Function,
    vcode: VCodeBuilder<I>,
    value_regs: SecondaryMap<Value, Option<ValueRegs>>,
    /// Values needed in a register by an instruction already lowered (or as a branch
    /// argument, or by a block lowered after the definition's).
    needed: SecondaryMap<Value, bool>,
    /// Machine instructions of the block being lowered: one chunk per IR instruction,
    /// each in order, the chunks in reverse order (the block is lowered backward).
    /// (Lowering allocates nothing per instruction here: the buffers are reused from
    /// block to block.)
    block_insts: Vec<Option<I>>,
    /// Where each finished chunk of the block starts in `block_insts`, with its source
    /// location and IR instruction.
    chunks: Vec<(usize, SourceLoc, Option<Inst>)>,
    /// Where the chunk being built starts.
    chunk_start: usize,
    /// Scratch: indices of `block_insts` in program order, while the block is flushed.
    order: Vec<usize>,
    /// The registers of the block's parameters, then of the arguments its edges pass
    /// (ranges in `block_succs`).
    block_args: Vec<Reg>,
    /// The block's successor edges: the target's VCode block and its range of
    /// `block_args`.
    block_succs: Vec<(u32, u32, u32)>,
    /// Scratch, reused from block to block: the labels of a terminator's successors.
    scratch_labels: Vec<MachLabel>,
    /// Instructions of `block_insts` reported at another location than their chunk's (a
    /// merged load keeps its own, so a fault in it is reported where the load was), by
    /// increasing index (`block_insts` only grows while a block is lowered).
    srcloc_overrides: Vec<(usize, SourceLoc)>,
    cur_srcloc: SourceLoc,
    /// The IR instruction being lowered (`None` for the driver's own instructions).
    cur_inst: Option<Inst>,
    /// The ISLE rule whose right-hand side is running ([`Lower::enter_rule`]), or `NO_RULE`.
    cur_rule: u32,
    /// Whether to record where each machine instruction came from (`lathe explain`); when
    /// off, the only cost of provenance is the store of `cur_rule` per rule firing.
    trace: bool,
    /// When tracing: the rule current when each entry of `block_insts` was emitted.
    block_rules: Vec<u32>,
    stack_slot_offsets: SecondaryMap<StackSlot, u32>,
    outgoing_args_size: u32,
    /// How many times each value is used (operands and branch arguments).
    use_counts: SecondaryMap<Value, u32>,
    /// Instructions merged into their user (sunk loads): not lowered on their own.
    sunk: SecondaryMap<Inst, bool>,
    /// The block parameters for which the ISA's one value fact holds (see
    /// [`Lower::value_fact`]), computed on first use.
    param_facts: Option<SecondaryMap<Value, bool>>,
    /// The register holding the address of the return area, for conventions that pass
    /// one (set by the ISA's `lower_params`).
    pub ret_area: Option<Reg>,
    /// The registers of each `try_call*`'s results, by instruction, for the split edge to
    /// its normal destination (`retN`); set by the ABI layer's `lower_try_call`.
    pub try_call_results: std::collections::HashMap<Inst, Vec<ValueRegs>>,
}

impl<'f, I: MachInst> Lower<'f, I> {
    fn new(f: &'f Function, trace: bool) -> Self {
        let mut stack_slot_offsets = SecondaryMap::new();
        let mut offset = 0u32;
        for (ss, data) in f.stack_slots.iter() {
            let align = 1u32 << data.align_shift.min(12);
            offset = offset.next_multiple_of(align.max(1));
            stack_slot_offsets[ss] = offset;
            offset = offset.saturating_add(data.size);
        }
        let mut vcode = VCodeBuilder::new();
        vcode.set_stack_slots_size(offset.next_multiple_of(16));
        // The side tables are sized once for the whole function, rather than growing as
        // lowering reaches higher-numbered values.
        let (num_values, num_insts) = (f.dfg.num_values(), f.dfg.insts.len());
        fn sized<K: crate::entity::EntityRef, V: Clone + Default>(n: usize) -> SecondaryMap<K, V> {
            let mut m = SecondaryMap::new();
            m.resize(n);
            m
        }
        Self {
            f,
            vcode,
            value_regs: sized(num_values),
            needed: sized(num_values),
            block_insts: Vec::new(),
            chunks: Vec::new(),
            chunk_start: 0,
            order: Vec::new(),
            block_args: Vec::new(),
            block_succs: Vec::new(),
            scratch_labels: Vec::new(),
            srcloc_overrides: Vec::new(),
            cur_srcloc: SourceLoc::default(),
            cur_inst: None,
            cur_rule: NO_RULE,
            trace,
            block_rules: Vec::new(),
            stack_slot_offsets,
            outgoing_args_size: 0,
            use_counts: sized(num_values),
            sunk: sized(num_insts),
            param_facts: None,
            ret_area: None,
            try_call_results: std::collections::HashMap::new(),
        }
    }

    /// The load defining `v`, if it can be merged into `user` (a later instruction of the
    /// same block): `v` has no other use, and nothing between the two writes memory, calls,
    /// traps or has another effect, so performing the load at `user` is the same. Plain
    /// loads in between are passed (memory does not change) unless both may fault with
    /// different trap codes: which of two faults of one kind comes first is not
    /// observable, as nothing happens between them. The caller merges the load with
    /// [`Lower::sink_inst`], and reports the merged access at the load's location with
    /// [`Lower::set_last_srcloc`].
    pub fn sinkable_load(&self, v: Value, user: Inst) -> Option<Inst> {
        let f = self.f;
        let v = f.dfg.resolve_aliases(v);
        let load = self.def_inst(v)?;
        // `needed`: a user folded into more than one place (a compare lowered again by each
        // branch or select that reads its flags) may have asked for the value in a
        // register already; that register must then be defined by the load itself.
        if !f.dfg.insts[load].opcode().can_load() || self.use_counts[v] != 1 || self.sunk[load] || self.needed[v] {
            return None;
        }
        // The trap code of a plain load that may fault; `None` if it cannot.
        let fault = |flags: MemFlags| (!flags.notrap()).then(|| flags.trap_code());
        let load_fault = f.dfg.insts[load].memflags().and_then(fault);
        let block = f.layout.inst_block(load)?;
        if f.layout.inst_block(user) != Some(block) {
            return None;
        }
        let mut cur = f.layout.next_inst(load);
        for _ in 0..64 {
            let i = cur?;
            if i == user {
                return Some(load);
            }
            let passable = match f.dfg.insts[i] {
                InstructionData::Load { flags, .. } => match (load_fault, fault(flags)) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                },
                ref data => !data.opcode().has_side_effects() && !data.opcode().can_store(),
            };
            if !passable {
                return None;
            }
            cur = f.layout.next_inst(i);
        }
        None
    }

    /// Whether a fact about values holds of `v`: `holds` decides it for instruction
    /// results, and a block parameter has it when every value passed to it has it (see
    /// `param_facts.rs`). An ISA asks about one fact only (the set of parameters is
    /// computed once per function, with the first `holds` given).
    pub fn value_fact(&mut self, v: Value, holds: &dyn Fn(Inst, Value) -> bool) -> bool {
        let v = self.f.dfg.resolve_aliases(v);
        match self.f.dfg.value_def(v) {
            crate::ir::ValueDef::Result(inst, _) => holds(inst, v),
            crate::ir::ValueDef::Param(..) => {
                let f = self.f;
                self.param_facts.get_or_insert_with(|| super::param_facts::params_where(f, holds))[v]
            }
            _ => false,
        }
    }

    /// Whether `v` may be used after `inst`: by a later instruction of `inst`'s block
    /// (including its branch arguments), or, if `v` is defined in another block, anywhere
    /// (it may be live around a loop). Conservative: true when the block is too long to
    /// look through.
    pub fn used_after(&self, v: Value, inst: Inst) -> bool {
        let f = self.f;
        let v = f.dfg.resolve_aliases(v);
        let block = f.layout.inst_block(inst);
        let def_block = match f.dfg.value_def(v) {
            ValueDef::Result(i, _) => f.layout.inst_block(i),
            ValueDef::Param(b, _) => Some(b),
            _ => None,
        };
        if block.is_none() || def_block != block {
            return true;
        }
        let mut cur = f.layout.next_inst(inst);
        for _ in 0..32 {
            let Some(i) = cur else { return false };
            let data = &f.dfg.insts[i];
            let mut uses = data.arguments(&f.dfg.value_lists).iter().copied().chain(
                data.branch_destinations(&f.dfg.jump_tables, &f.dfg.exception_tables)
                    .iter()
                    .flat_map(|c| c.args_slice(&f.dfg.value_lists).iter().copied()),
            );
            if uses.any(|u| f.dfg.resolve_aliases(u) == v) {
                return true;
            }
            cur = f.layout.next_inst(i);
        }
        true
    }

    /// How many times `v` is used (as an operand or a branch argument).
    pub fn use_count(&self, v: Value) -> u32 {
        self.use_counts[self.f.dfg.resolve_aliases(v)]
    }

    /// Marks `inst` as merged into the instruction being lowered, so it is not lowered on
    /// its own. Its operands are still asked for by the rule that merged it.
    pub fn sink_inst(&mut self, inst: Inst) {
        self.sunk[inst] = true;
    }

    /// The type of a value.
    pub fn value_type(&self, v: Value) -> Type {
        self.f.dfg.value_type(v)
    }

    /// The virtual registers of `v` (created on first request), without marking it needed.
    pub fn value_regs(&mut self, v: Value) -> ValueRegs {
        let v = self.f.dfg.resolve_aliases(v);
        if let Some(r) = self.value_regs[v] {
            return r;
        }
        let ty = self.value_type(v);
        let class = class_of(ty);
        let r = if regs_for_type(ty) == 2 {
            ValueRegs::two(self.vcode.alloc_vreg(class), self.vcode.alloc_vreg(class))
        } else {
            ValueRegs::one(self.vcode.alloc_vreg(class))
        };
        self.value_regs[v] = Some(r);
        r
    }

    /// The (low) virtual register of `v`, without marking it needed.
    pub fn value_reg(&mut self, v: Value) -> Reg {
        self.value_regs(v).lo()
    }

    /// `v` in its registers: marks `v` needed, so its defining instruction will be lowered.
    pub fn put_in_regs(&mut self, v: Value) -> ValueRegs {
        let v = self.f.dfg.resolve_aliases(v);
        self.needed[v] = true;
        self.value_regs(v)
    }

    /// `v` in a register (the low one of a two-register value): marks `v` needed.
    pub fn put_in_reg(&mut self, v: Value) -> Reg {
        self.put_in_regs(v).lo()
    }

    /// Says that result `v` is computed in `regs` (emitted by the rule): `v`'s registers
    /// become aliases of them.
    pub fn set_output_regs(&mut self, v: Value, regs: ValueRegs) {
        let vr = self.value_regs(v);
        for (&a, &b) in vr.regs().iter().zip(regs.regs()) {
            if a != b {
                self.vcode.set_alias(a, b);
            }
        }
    }

    /// Says that single-register result `v` is computed in `reg`.
    pub fn set_output(&mut self, v: Value, reg: Reg) {
        self.set_output_regs(v, ValueRegs::one(reg));
    }

    /// A fresh temporary register.
    pub fn alloc_tmp(&mut self, class: RegClass) -> Reg {
        self.vcode.alloc_vreg(class)
    }

    /// Emits a machine instruction (in order within the current IR instruction).
    pub fn emit(&mut self, inst: I) {
        self.block_insts.push(Some(inst));
        if self.trace {
            self.block_rules.push(self.cur_rule);
        }
    }

    /// Notes that the right-hand side of lowering rule `rule` starts (called by the
    /// generated rules through `isle::Context::rule_enter`); returns the rule it replaces,
    /// for [`Lower::exit_rule`].
    #[inline(always)]
    pub fn enter_rule(&mut self, rule: u32) -> u32 {
        std::mem::replace(&mut self.cur_rule, rule)
    }

    /// Notes that a rule's right-hand side ended: `saved` is what [`Lower::enter_rule`]
    /// returned.
    #[inline(always)]
    pub fn exit_rule(&mut self, saved: u32) {
        self.cur_rule = saved;
    }

    /// Reports the instruction emitted last at the location of IR instruction `inst`
    /// rather than at the one being lowered: for a load merged into its user, whose
    /// faults belong to the load.
    pub fn set_last_srcloc(&mut self, inst: Inst) {
        if let Some(last) = self.block_insts.len().checked_sub(1) {
            self.srcloc_overrides.push((last, self.f.srclocs[inst]));
        }
    }

    /// The instruction defining `v`, if `v` is an instruction result.
    pub fn def_inst(&self, v: Value) -> Option<Inst> {
        match self.f.dfg.value_def(self.f.dfg.resolve_aliases(v)) {
            ValueDef::Result(inst, _) => Some(inst),
            _ => None,
        }
    }

    /// The byte offset of a stack slot in the explicit stack-slot area.
    pub fn stack_slot_offset(&self, ss: StackSlot) -> u32 {
        self.stack_slot_offsets[ss]
    }

    /// Reserves `size` bytes of outgoing arguments at the bottom of the frame.
    pub fn need_outgoing_args(&mut self, size: u32) {
        self.outgoing_args_size = self.outgoing_args_size.max(size.next_multiple_of(16));
    }

    fn finish_inst(&mut self) {
        self.chunks.push((self.chunk_start, self.cur_srcloc, self.cur_inst));
        self.chunk_start = self.block_insts.len();
    }

    /// Hands the block just lowered (number `index`, named `name`) to the VCode: its
    /// `params` first registers of `block_args`, its instructions in program order less
    /// those the ISA finds redundant, its successors; then empties the buffers.
    fn flush_block(&mut self, index: usize, name: BlockName, params: usize) {
        self.vcode.start_block_at(index, name, &self.block_args[..params]);
        // The block's instructions in program order (chunks were built last to first).
        self.order.clear();
        let mut end = self.block_insts.len();
        for &(start, ..) in self.chunks.iter().rev() {
            self.order.extend((start..end).filter(|&i| self.block_insts[i].is_some()));
            end = start;
        }
        // Leave out what the ISA finds redundant between its neighbours (a flags test
        // repeating what the previous instruction set). The aliases of the values the
        // block defines are all known by now, and a value of another block cannot be an
        // alias of a register this block defines.
        let mut prev: Option<usize> = None;
        for k in 0..self.order.len() {
            let cur = self.order[k];
            let redundant = match (prev, self.order.get(k + 1)) {
                (Some(p), Some(&n)) => {
                    let (p, c, n) = (&self.block_insts[p], &self.block_insts[cur], &self.block_insts[n]);
                    let same = |a: Reg, b: Reg| self.vcode.same_reg(a, b);
                    matches!((p, c, n), (Some(p), Some(c), Some(n)) if c.is_redundant_between(p, n, &same))
                }
                _ => false,
            };
            if redundant {
                self.block_insts[cur] = None;
            } else {
                prev = Some(cur);
            }
        }
        let mut end = self.block_insts.len();
        for &(start, loc, ir_inst) in self.chunks.iter().rev() {
            for (index, slot) in self.block_insts[start..end].iter_mut().enumerate() {
                if let Some(i) = slot.take() {
                    // Overrides are recorded as instructions are emitted, so by increasing
                    // index: a binary search, not a scan per instruction.
                    let at = start + index;
                    let k = self.srcloc_overrides.partition_point(|o| o.0 < at);
                    let own = self.srcloc_overrides.get(k).filter(|o| o.0 == at).map(|o| o.1);
                    self.vcode.push(i, own.unwrap_or(loc));
                    if self.trace {
                        let rule = self.block_rules.get(at).copied().unwrap_or(NO_RULE);
                        self.vcode.push_origin(Origin { ir_inst, rule });
                    }
                }
            }
            end = start;
        }
        for &(target, a0, a1) in &self.block_succs {
            self.vcode.add_succ(target, &self.block_args[a0 as usize..a1 as usize]);
        }
        self.block_insts.clear();
        self.chunks.clear();
        self.chunk_start = 0;
        self.srcloc_overrides.clear();
        self.block_rules.clear();
        self.block_args.clear();
        self.block_succs.clear();
    }

    /// Whether the results of `inst` are needed or it has effects that must happen.
    fn must_lower(&self, inst: Inst) -> bool {
        let needed = self.f.dfg.inst_results(inst).iter().any(|&r| self.needed[r]);
        if self.sunk[inst] {
            // A load merged into one lowering of its user and read from a register by
            // another (a compare folded into two selects): it is emitted for the latter.
            return needed;
        }
        let op = self.f.dfg.insts[inst].opcode();
        op.has_side_effects() || op.can_load() || needed
    }
}

/// Counts every use of every value, and marks as needed from the start the values whose
/// use may come too late to be seen: branch arguments (always in registers), and uses in
/// a block that is lowered after the definition's (see the module doc).
/// Returns how many IR instructions the lowered blocks hold.
fn mark_cross_block_uses<I: MachInst>(ctx: &mut Lower<'_, I>, order: &BlockLoweringOrder) -> usize {
    let f = ctx.f;
    let mut vals = Vec::new();
    let mut num_insts = 0;
    for (index, lb) in order.blocks.iter().enumerate() {
        let LoweredBlock::Orig(b) = *lb else { continue };
        for inst in f.layout.block_insts(b) {
            num_insts += 1;
            vals.clear();
            f.dfg.inst_values_into(inst, &mut vals);
            // Operands come first in `vals`, then branch arguments.
            let num_operands = f.dfg.inst_args(inst).len();
            for (k, &v) in vals.iter().enumerate() {
                let v = f.dfg.resolve_aliases(v);
                ctx.use_counts[v] += 1;
                let def_block = match f.dfg.value_def(v) {
                    ValueDef::Result(i, _) => f.layout.inst_block(i),
                    ValueDef::Param(pb, _) => Some(pb),
                    _ => None,
                };
                // Blocks are lowered last to first: a use in a later block is lowered
                // before the definition and marks it needed if it asks for a register.
                let seen_in_time = match def_block {
                    Some(d) if d == b => true,
                    Some(d) => order.lowered_index(d).is_some_and(|di| (di as usize) < index),
                    None => false,
                };
                if !seen_in_time || k >= num_operands {
                    ctx.needed[v] = true;
                }
            }
        }
    }
    num_insts
}

/// Lowers `f` with `backend`, producing VCode. With `trace`, the VCode also records where
/// each instruction came from and each value's registers (for `lathe explain`).
pub fn lower<B: LowerBackend>(f: &Function, backend: &B, trace: bool) -> Result<VCode<B::MInst>, CodegenError> {
    let order = BlockLoweringOrder::new(f);
    let mut ctx = Lower::new(f, trace);
    let num_insts = mark_cross_block_uses(&mut ctx, &order);
    // About one machine instruction per IR instruction, plus a jump per split edge: the
    // VCode's tables then rarely grow (and copy themselves) while the function is lowered.
    ctx.vcode.reserve(num_insts + order.blocks.len());
    let entry = f.layout.entry_block().ok_or_else(|| CodegenError::Unsupported("a function without blocks".into()))?;
    // The IR blocks, last to first.
    for (index, lb) in order.blocks.iter().enumerate().rev() {
        let LoweredBlock::Orig(b) = *lb else { continue };
        if b != entry {
            for &p in f.dfg.block_params(b) {
                let regs = ctx.value_regs(p);
                ctx.block_args.extend_from_slice(regs.regs());
            }
        }
        let params = ctx.block_args.len();
        lower_block(&mut ctx, backend, b, &order.succ_targets[index], &order)?;
        if b == entry {
            ctx.cur_inst = None;
            backend.lower_params(&mut ctx, f.dfg.block_params(b))?;
            ctx.finish_inst();
        }
        ctx.flush_block(index, BlockName::Orig(b), params);
    }
    // The split edges, once the terminators that define what they pass are lowered.
    for (index, lb) in order.blocks.iter().enumerate() {
        let LoweredBlock::Edge { pred, succ_index, succ } = *lb else { continue };
        ctx.cur_inst = None;
        let term = f.layout.last_inst(pred).expect("a lowered block ends with a terminator");
        let args: &[Value] = f.dfg.insts[term]
            .branch_destinations(&f.dfg.jump_tables, &f.dfg.exception_tables)
            .get(succ_index)
            .map(|bc| bc.args_slice(&f.dfg.value_lists))
            .unwrap_or_default();
        // A `try_call*`'s handler edge is a landing pad: it starts by taking the
        // payload registers.
        let is_try = f.dfg.insts[term].exception_table().is_some();
        let exns = if is_try && succ_index > 0 { backend.lower_landing_pad(&mut ctx)? } else { Vec::new() };
        for &a in args {
            match crate::ir::BlockArg::decode(a) {
                crate::ir::BlockArg::Value(v) => {
                    let regs = ctx.put_in_regs(v);
                    ctx.block_args.extend_from_slice(regs.regs());
                }
                crate::ir::BlockArg::TryCallRet(n) => {
                    let r = ctx.try_call_results.get(&term).and_then(|rs| rs.get(n as usize)).ok_or_else(|| {
                        CodegenError::Unsupported(format!("ret{n} of a try_call without that result"))
                    })?;
                    let regs = *r;
                    ctx.block_args.extend_from_slice(regs.regs());
                }
                crate::ir::BlockArg::TryCallExn(n) => {
                    let r = exns.get(n as usize).ok_or_else(|| {
                        CodegenError::Unsupported(format!("exn{n} (the ISA has {} payload registers)", exns.len()))
                    })?;
                    ctx.block_args.push(*r);
                }
            }
        }
        let target = order.lowered_index(succ).expect("a successor of a lowered block is lowered");
        ctx.block_succs.push((target, 0, ctx.block_args.len() as u32));
        ctx.emit(B::MInst::gen_jump(MachLabel::from_block(target)));
        ctx.finish_inst();
        ctx.flush_block(index, BlockName::Edge { pred, succ_index }, 0);
    }
    ctx.vcode.set_outgoing_args_size(ctx.outgoing_args_size);
    if trace {
        let regs: Vec<(Value, ValueRegs)> = ctx.value_regs.iter().filter_map(|(v, r)| Some((v, (*r)?))).collect();
        for (v, r) in regs {
            ctx.vcode.record_value_regs(v, r.regs());
        }
    }
    Ok(ctx.vcode.finish())
}

fn lower_block<B: LowerBackend>(
    ctx: &mut Lower<'_, B::MInst>,
    backend: &B,
    b: Block,
    targets: &[u32],
    order: &BlockLoweringOrder,
) -> Result<(), CodegenError> {
    let f = ctx.f;
    let Some(term) = f.layout.last_inst(b) else {
        return Err(CodegenError::Unsupported(format!("{b} is empty")));
    };
    // The terminator, with the arguments of each successor edge that is not split.
    ctx.cur_srcloc = f.srclocs[term];
    ctx.cur_inst = Some(term);
    let mut labels = std::mem::take(&mut ctx.scratch_labels);
    labels.clear();
    labels.extend(targets.iter().map(|&t| MachLabel::from_block(t)));
    let lowered = backend.lower_branch(ctx, term, &labels);
    ctx.scratch_labels = labels;
    lowered?;
    ctx.finish_inst();
    let dests = f.dfg.insts[term].branch_destinations(&f.dfg.jump_tables, &f.dfg.exception_tables);
    for (i, &target) in targets.iter().enumerate() {
        let is_edge_block = matches!(order.blocks.get(target as usize), Some(LoweredBlock::Edge { .. }));
        let args = match dests.get(i) {
            Some(bc) if !is_edge_block => bc.args_slice(&f.dfg.value_lists),
            _ => &[],
        };
        let a0 = ctx.block_args.len() as u32;
        for &a in args {
            let regs = ctx.put_in_regs(a);
            ctx.block_args.extend_from_slice(regs.regs());
        }
        ctx.block_succs.push((target, a0, ctx.block_args.len() as u32));
    }
    // The body, last to first.
    let mut next = f.layout.prev_inst(term);
    while let Some(inst) = next {
        next = f.layout.prev_inst(inst);
        if !ctx.must_lower(inst) {
            continue;
        }
        ctx.cur_srcloc = f.srclocs[inst];
        ctx.cur_inst = Some(inst);
        backend.lower_inst(ctx, inst)?;
        ctx.finish_inst();
    }
    Ok(())
}
