//! `VCode`: a lowered function. Machine instructions over virtual registers, in blocks in
//! emission order, with the CFG, block parameters and branch arguments regalloc2 needs.
//! [`VCode`] implements `regalloc2::Function`; [`VCode::emit`] applies the allocation and
//! writes the machine code.
//!
//! Invariants: blocks are numbered in emission order and their instructions are contiguous;
//! block 0 is the entry and has no parameters (arguments are defined by an ISA pseudo
//! instruction with fixed registers, which also names the function's calling convention);
//! no edge is critical (the lowering order splits them); each block ends with exactly one
//! terminator, and a branch's successors are the block's successors in order.

use super::buffer::{MachBuffer, MachLabel};
use super::compiled::CompiledCode;
use super::explain::{
    EmitOrigin, EmitRecord, NO_RULE, Origin, RegallocBlock, RegallocKind, RegallocLine, RegallocStage, RuleEntry,
    VBlock, VCodeStage, VInst,
};
use super::inst::{EmitState, FrameInfo, MachInst, TerminatorKind};
use super::reg::{AllocationApplier, FIRST_VIRTUAL, OperandCollector, Reg};
use super::unwind::{FrameItem, UnwindInst, UnwindRecord};
use crate::ir::{CallConv, SourceLoc, Value};
use regalloc2::{Block as RBlock, Edit, Inst as RInst, InstOrEdit, InstRange, Operand, PRegSet, RegClass, VReg};
use std::fmt::Write as _;

/// A range `[start, end)` into one of the flat tables.
type Range = (u32, u32);

/// The name of a block in listings: an IR block, or the block on a split edge (its
/// predecessor and the successor's index). Formatted only when a listing is written, so
/// lowering allocates no string per block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockName {
    /// An IR block (`block3`).
    Orig(crate::ir::Block),
    /// The block on the edge from `pred` to its successor number `succ_index`
    /// (`edge_block3_1`).
    Edge {
        /// The predecessor block.
        pred: crate::ir::Block,
        /// The index of the successor among the predecessor's.
        succ_index: usize,
    },
    /// A name given as text (VCode built by hand, in tests).
    Text(String),
}

impl From<String> for BlockName {
    fn from(name: String) -> Self {
        BlockName::Text(name)
    }
}

impl std::fmt::Display for BlockName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlockName::Orig(b) => write!(f, "{b}"),
            BlockName::Edge { pred, succ_index } => write!(f, "edge_{pred}_{succ_index}"),
            BlockName::Text(name) => f.write_str(name),
        }
    }
}

fn slice<T>(v: &[T], r: Range) -> &[T] {
    &v[r.0 as usize..r.1 as usize]
}

/// The lowered function.
pub struct VCode<I: MachInst> {
    insts: Vec<I>,
    srclocs: Vec<SourceLoc>,
    operands: Vec<Operand>,
    operand_ranges: Vec<Range>,
    clobbers: Vec<PRegSet>,
    block_ranges: Vec<Range>,
    succs: Vec<RBlock>,
    succ_ranges: Vec<Range>,
    preds: Vec<RBlock>,
    pred_ranges: Vec<Range>,
    params: Vec<VReg>,
    param_ranges: Vec<Range>,
    /// Per successor edge (indexed like `succs`): its range of `branch_args`.
    branch_arg_ranges: Vec<Range>,
    branch_args: Vec<VReg>,
    num_vregs: usize,
    /// Bytes of explicit stack slots (laid out by the lowering driver).
    pub stack_slots_size: u32,
    /// Bytes of the outgoing-argument area the calls of the function need.
    pub outgoing_args_size: u32,
    /// Names of the blocks for listings (`block3`, or `edge` blocks).
    pub block_names: Vec<BlockName>,
    /// The function's calling convention, as its entry pseudo-instruction names it
    /// ([`MachInst::entry_call_conv`]).
    pub call_conv: CallConv,
    /// When lowering traced provenance: per instruction, where it came from (else empty).
    origins: Vec<Origin>,
    /// When lowering traced provenance: each lowered value's registers, aliases resolved.
    value_regs: Vec<(Value, Vec<Reg>)>,
}

/// Builds a [`VCode`] block by block. The lowering driver gives each block's parameters,
/// instructions in order and successors with their branch arguments; blocks may come in
/// any order (the driver lowers them last to first), each under its number in the
/// emission order, and are put in that order when the VCode is finished.
pub struct VCodeBuilder<I: MachInst> {
    vcode: VCode<I>,
    aliases: Vec<u32>,
    /// The block being built.
    cur_block: usize,
}

impl<I: MachInst> VCodeBuilder<I> {
    /// An empty builder.
    pub fn new() -> Self {
        Self {
            vcode: VCode {
                insts: Vec::new(),
                srclocs: Vec::new(),
                operands: Vec::new(),
                operand_ranges: Vec::new(),
                clobbers: Vec::new(),
                block_ranges: Vec::new(),
                succs: Vec::new(),
                succ_ranges: Vec::new(),
                preds: Vec::new(),
                pred_ranges: Vec::new(),
                params: Vec::new(),
                param_ranges: Vec::new(),
                branch_arg_ranges: Vec::new(),
                branch_args: Vec::new(),
                num_vregs: FIRST_VIRTUAL as usize,
                stack_slots_size: 0,
                outgoing_args_size: 0,
                block_names: Vec::new(),
                call_conv: CallConv::default(),
                origins: Vec::new(),
                value_regs: Vec::new(),
            },
            aliases: Vec::new(),
            cur_block: 0,
        }
    }

    /// Makes room for about `insts` more machine instructions, so the tables do not grow
    /// (and copy themselves) while a function of known size is lowered.
    pub fn reserve(&mut self, insts: usize) {
        let v = &mut self.vcode;
        v.insts.reserve(insts);
        v.srclocs.reserve(insts);
        v.operands.reserve(insts * 2);
        v.operand_ranges.reserve(insts);
        v.clobbers.reserve(insts);
    }

    /// A fresh virtual register of `class`.
    pub fn alloc_vreg(&mut self, class: RegClass) -> Reg {
        let n = self.vcode.num_vregs as u32 - FIRST_VIRTUAL;
        self.vcode.num_vregs += 1;
        Reg::virt(n, class)
    }

    /// Records that virtual register `from` is another name for `to`: every operand naming
    /// `from` is rewritten when the VCode is finished. Lets a lowering rule produce a value
    /// in whatever register it likes without a move.
    pub fn set_alias(&mut self, from: Reg, to: Reg) {
        let f = from.vreg().vreg();
        if self.aliases.len() <= f {
            self.aliases.resize(f + 1, u32::MAX);
        }
        self.aliases[f] = to.vreg().vreg() as u32;
    }

    /// Sets the size of the explicit stack-slot area.
    pub fn set_stack_slots_size(&mut self, size: u32) {
        self.vcode.stack_slots_size = size;
    }

    /// Sets the size of the outgoing-argument area.
    pub fn set_outgoing_args_size(&mut self, size: u32) {
        self.vcode.outgoing_args_size = size;
    }

    /// Starts the next block (numbered in order from 0) with the given parameters.
    pub fn start_block(&mut self, name: impl Into<BlockName>, params: &[Reg]) {
        self.start_block_at(self.vcode.block_ranges.len(), name, params);
    }

    /// Starts block number `index` (in emission order) with the given parameters. Every
    /// number below the highest one started must be started before the VCode is finished.
    pub fn start_block_at(&mut self, index: usize, name: impl Into<BlockName>, params: &[Reg]) {
        let v = &mut self.vcode;
        if v.block_ranges.len() <= index {
            v.block_ranges.resize(index + 1, (0, 0));
            v.param_ranges.resize(index + 1, (0, 0));
            v.succ_ranges.resize(index + 1, (0, 0));
            v.block_names.resize(index + 1, BlockName::Text(String::new()));
        }
        let start = v.insts.len() as u32;
        v.block_ranges[index] = (start, start);
        let p0 = v.params.len() as u32;
        v.params.extend(params.iter().map(|r| r.vreg()));
        v.param_ranges[index] = (p0, v.params.len() as u32);
        v.succ_ranges[index] = (v.succs.len() as u32, v.succs.len() as u32);
        v.block_names[index] = name.into();
        self.cur_block = index;
    }

    /// Appends an instruction to the current block.
    pub fn push(&mut self, mut inst: I, srcloc: SourceLoc) {
        let v = &mut self.vcode;
        let o0 = v.operands.len() as u32;
        // The collector appends to the function's operand table directly (a reuse-def's
        // index counts from the instruction's first operand, so the table's earlier
        // entries do not matter): no vector per instruction.
        let mut collector = OperandCollector { operands: std::mem::take(&mut v.operands) };
        inst.visit_operands(&mut collector);
        v.operands = collector.operands;
        v.operand_ranges.push((o0, v.operands.len() as u32));
        v.clobbers.push(inst.clobbers());
        if let Some(conv) = inst.entry_call_conv() {
            v.call_conv = conv;
        }
        v.insts.push(inst);
        v.srclocs.push(srcloc);
        if let Some(r) = v.block_ranges.get_mut(self.cur_block) {
            r.1 = v.insts.len() as u32;
        }
    }

    /// Records where the instruction pushed last came from (when tracing provenance).
    pub(crate) fn push_origin(&mut self, origin: Origin) {
        self.vcode.origins.push(origin);
    }

    /// Records the registers of value `v` (when tracing provenance); aliases are resolved
    /// when the VCode is finished.
    pub(crate) fn record_value_regs(&mut self, v: Value, regs: &[Reg]) {
        self.vcode.value_regs.push((v, regs.to_vec()));
    }

    /// Adds a successor of the current block with the arguments its terminator passes.
    pub fn add_succ(&mut self, block: u32, args: &[Reg]) {
        let v = &mut self.vcode;
        v.succs.push(RBlock::new(block as usize));
        if let Some(r) = v.succ_ranges.get_mut(self.cur_block) {
            r.1 = v.succs.len() as u32;
        }
        let a0 = v.branch_args.len() as u32;
        v.branch_args.extend(args.iter().map(|r| r.vreg()));
        let a1 = v.branch_args.len() as u32;
        v.branch_arg_ranges.push((a0, a1));
    }

    /// Whether two registers are the same after aliases (see [`VCodeBuilder::set_alias`]).
    pub fn same_reg(&self, a: Reg, b: Reg) -> bool {
        self.resolve(a.vreg()) == self.resolve(b.vreg())
    }

    fn resolve(&self, v: VReg) -> VReg {
        VReg::new(resolve_alias(&self.aliases, v.vreg()), v.class())
    }

    /// Resolves aliases, numbers the virtual registers in a fixed order, computes
    /// predecessors and returns the finished VCode.
    ///
    /// The driver lowers blocks last to first, so registers are created in that order;
    /// they are renumbered here by first appearance in the blocks taken first to last,
    /// each block's parameters and then its instructions last to first. The allocator
    /// breaks ties between equally good choices by register number, so this keeps its
    /// choices for a loop independent of how much code follows the loop.
    pub fn finish(mut self) -> VCode<I> {
        self.put_blocks_in_order();
        let total = self.vcode.num_vregs;
        let first = FIRST_VIRTUAL as usize;
        let mut map: Vec<u32> = (0..total as u32).map(|n| if (n as usize) < first { n } else { u32::MAX }).collect();
        let mut next = FIRST_VIRTUAL;
        let aliases = std::mem::take(&mut self.aliases);
        let mut number = |n: usize| -> u32 {
            if map[n] == u32::MAX {
                let root = resolve_alias(&aliases, n);
                if map[root] == u32::MAX {
                    map[root] = next;
                    next += 1;
                }
                map[n] = map[root];
            }
            map[n]
        };
        {
            let v = &self.vcode;
            for (b, &(i0, i1)) in v.block_ranges.iter().enumerate() {
                for p in slice(&v.params, v.param_ranges[b]) {
                    number(p.vreg());
                }
                for i in (i0..i1).rev() {
                    for op in slice(&v.operands, v.operand_ranges[i as usize]) {
                        number(op.vreg().vreg());
                    }
                }
            }
        }
        let v = &mut self.vcode;
        for op in &mut v.operands {
            let r = VReg::new(number(op.vreg().vreg()) as usize, op.class());
            *op = Operand::new(r, op.constraint(), op.kind(), op.pos());
        }
        for p in v.params.iter_mut().chain(v.branch_args.iter_mut()) {
            *p = VReg::new(number(p.vreg()) as usize, p.class());
        }
        let mut rewriter = RegRewriter(|r: &mut Reg| {
            if !r.is_physical() {
                let n = number(r.vreg().vreg()) as usize;
                *r = match (n as u32).checked_sub(FIRST_VIRTUAL) {
                    Some(v) => Reg::virt(v, r.class()),
                    None => Reg::from_preg(regalloc2::PReg::from_index(n)),
                };
            }
        });
        for inst in &mut v.insts {
            inst.visit_operands(&mut rewriter);
        }
        for (_, regs) in &mut v.value_regs {
            regs.iter_mut().for_each(&mut rewriter.0);
        }
        // Predecessors, from the successor lists: count each block's, then place them in
        // one table (in increasing predecessor order, as a list per block would).
        let v = &mut self.vcode;
        let n = v.block_ranges.len();
        let mut counts = vec![0u32; n + 1];
        for s in &v.succs {
            counts[s.index() + 1] += 1;
        }
        for b in 0..n {
            counts[b + 1] += counts[b];
        }
        v.pred_ranges = (0..n).map(|b| (counts[b], counts[b + 1])).collect();
        v.preds = vec![RBlock::new(0); v.succs.len()];
        let mut next = counts;
        for b in 0..n {
            let (s0, s1) = v.succ_ranges[b];
            for k in s0..s1 {
                let s = v.succs[k as usize].index();
                v.preds[next[s] as usize] = RBlock::new(b);
                next[s] += 1;
            }
        }
        self.vcode
    }
}

impl<I: MachInst> VCodeBuilder<I> {
    /// Moves the instructions (and their per-instruction tables) so that the blocks' ranges
    /// follow the block numbers, as regalloc2 and emission expect. The tables are permuted
    /// in place, one cycle of the permutation at a time: no second copy of the
    /// instructions.
    fn put_blocks_in_order(&mut self) {
        let v = &mut self.vcode;
        let mut at = 0;
        let in_order = v.block_ranges.iter().all(|&(s, e)| {
            let ok = s == at;
            at = e;
            ok
        });
        if in_order {
            return;
        }
        // `from[i]`: where the instruction that goes to position `i` is now.
        let mut from: Vec<u32> = Vec::with_capacity(v.insts.len());
        for r in &mut v.block_ranges {
            let start = from.len() as u32;
            from.extend(r.0..r.1);
            *r = (start, from.len() as u32);
        }
        debug_assert_eq!(from.len(), v.insts.len(), "every instruction is in one block");
        let tracing = !v.origins.is_empty();
        let mut done = vec![false; from.len()];
        for i in 0..from.len() {
            // Along the cycle through `i`: each position takes its instruction from the
            // next, and the last takes the one first at `i`.
            let mut j = i;
            while !done[j] {
                done[j] = true;
                let k = from[j] as usize;
                if k == i {
                    break;
                }
                v.insts.swap(j, k);
                v.srclocs.swap(j, k);
                v.operand_ranges.swap(j, k);
                v.clobbers.swap(j, k);
                if tracing {
                    v.origins.swap(j, k);
                }
                j = k;
            }
        }
    }
}

impl<I: MachInst> Default for VCodeBuilder<I> {
    fn default() -> Self {
        Self::new()
    }
}

/// A location of the allocation as text: a register, or a spill slot with its offset in
/// the frame.
fn describe_alloc<I: MachInst>(a: regalloc2::Allocation, frame: &FrameInfo) -> String {
    match (a.as_reg(), a.as_stack()) {
        (Some(p), _) => I::reg_name(Reg::from_preg(p)),
        (None, Some(slot)) => format!("slot{} (+{})", slot.index(), frame.spill_slot_offset(slot.index() as u32)),
        _ => "none".to_string(),
    }
}

/// Emission's listing text and, when explaining, its records.
struct EmitLog<'r> {
    text: String,
    records: Option<&'r mut Vec<EmitRecord>>,
}

/// Follows the alias chain of virtual register number `n` (a regalloc2 index) to its end.
fn resolve_alias(aliases: &[u32], mut n: usize) -> usize {
    for _ in 0..aliases.len() {
        match aliases.get(n) {
            Some(&t) if t != u32::MAX => n = t as usize,
            _ => break,
        }
    }
    n
}

/// Rewrites every register field through a function (alias resolution).
struct RegRewriter<F: FnMut(&mut Reg)>(F);

impl<F: FnMut(&mut Reg)> super::reg::OperandVisitor for RegRewriter<F> {
    fn reg_use(&mut self, reg: &mut Reg) {
        (self.0)(reg)
    }
    fn reg_late_use(&mut self, reg: &mut Reg) {
        (self.0)(reg)
    }
    fn reg_fixed_use(&mut self, reg: &mut Reg, _: regalloc2::PReg) {
        (self.0)(reg)
    }
    fn reg_def(&mut self, reg: &mut Reg) {
        (self.0)(reg)
    }
    fn reg_early_def(&mut self, reg: &mut Reg) {
        (self.0)(reg)
    }
    fn reg_fixed_def(&mut self, reg: &mut Reg, _: regalloc2::PReg) {
        (self.0)(reg)
    }
    fn reg_reuse_def(&mut self, reg: &mut Reg, _: usize) {
        (self.0)(reg)
    }
}

impl<I: MachInst> regalloc2::Function for VCode<I> {
    fn num_insts(&self) -> usize {
        self.insts.len()
    }
    fn num_blocks(&self) -> usize {
        self.block_ranges.len()
    }
    fn entry_block(&self) -> RBlock {
        RBlock::new(0)
    }
    fn block_insns(&self, block: RBlock) -> InstRange {
        let (s, e) = self.block_ranges[block.index()];
        InstRange::new(RInst::new(s as usize), RInst::new(e as usize))
    }
    fn block_succs(&self, block: RBlock) -> &[RBlock] {
        slice(&self.succs, self.succ_ranges[block.index()])
    }
    fn block_preds(&self, block: RBlock) -> &[RBlock] {
        slice(&self.preds, self.pred_ranges[block.index()])
    }
    fn block_params(&self, block: RBlock) -> &[VReg] {
        slice(&self.params, self.param_ranges[block.index()])
    }
    fn is_ret(&self, insn: RInst) -> bool {
        matches!(self.insts[insn.index()].terminator_kind(), TerminatorKind::Ret | TerminatorKind::NoReturn)
    }
    fn is_branch(&self, insn: RInst) -> bool {
        self.insts[insn.index()].terminator_kind() == TerminatorKind::Branch
    }
    fn branch_blockparams(&self, block: RBlock, _insn: RInst, succ_idx: usize) -> &[VReg] {
        let (s0, s1) = self.succ_ranges[block.index()];
        match self.branch_arg_ranges.get(s0 as usize + succ_idx) {
            Some(&r) if (succ_idx as u32) < s1 - s0 => slice(&self.branch_args, r),
            _ => &[],
        }
    }
    fn inst_operands(&self, insn: RInst) -> &[Operand] {
        slice(&self.operands, self.operand_ranges[insn.index()])
    }
    fn inst_clobbers(&self, insn: RInst) -> PRegSet {
        self.clobbers[insn.index()]
    }
    fn num_vregs(&self) -> usize {
        self.num_vregs
    }
    fn spillslot_size(&self, regclass: RegClass) -> usize {
        match regclass {
            RegClass::Int => 1,
            RegClass::Float | RegClass::Vector => 2,
        }
    }
}

/// What an ISA tells emission about its frames.
pub trait FrameRules {
    /// The callee-saved registers of calling convention `conv` that the prologue must
    /// save when the function writes them.
    fn callee_saved(&self, conv: CallConv) -> &[regalloc2::PReg];
    /// The ISA's frame description (setup area, alignment, how registers are saved).
    fn frame_desc(&self) -> &super::abi::FrameDesc;
    /// Whether prologues sign the return address and epilogues authenticate it (an ISA
    /// with return-address signing turned on by its flags); see
    /// [`FrameInfo::sign_return_address`].
    fn sign_return_address(&self) -> bool {
        false
    }
    /// Bits the ISA's encoder reads from `FrameInfo::emit_flags` (encoding choices of a
    /// target, such as riscv64's compressed forms); none by default.
    fn emit_flags(&self) -> u32 {
        0
    }
}

impl<I: MachInst> VCode<I> {
    /// Number of blocks.
    pub fn num_blocks(&self) -> usize {
        self.block_ranges.len()
    }

    /// The instructions before allocation, as text (for debugging).
    pub fn print_virtual(&self) -> String {
        let mut s = String::new();
        for (b, &(start, end)) in self.block_ranges.iter().enumerate() {
            let _ = writeln!(s, "{}:", self.block_names[b]);
            for i in start..end {
                let _ = writeln!(s, "  {}", self.insts[i as usize].print());
            }
        }
        s
    }

    /// The instructions with the allocator's `output` applied, and its moves, spills and
    /// reloads, as text: what emission will write, before the prologue and epilogues (for
    /// `--print-after regalloc`).
    pub fn print_allocated(&self, output: &regalloc2::Output, frame_rules: &dyn FrameRules) -> String {
        let frame = self.frame_info(output, frame_rules, None);
        let mut s = String::new();
        for b in 0..self.block_ranges.len() {
            let _ = writeln!(s, "{}:", self.block_names[b]);
            for item in output.block_insts_and_edits(self, RBlock::new(b)) {
                let inst = match item {
                    InstOrEdit::Inst(i) => {
                        let mut inst = self.insts[i.index()].clone();
                        inst.visit_operands(&mut AllocationApplier::new(output.inst_allocs(i)));
                        inst
                    }
                    InstOrEdit::Edit(edit) => match Self::edit_inst(edit, &frame) {
                        Some(inst) => inst,
                        None => continue,
                    },
                };
                let _ = writeln!(s, "  {}", inst.print());
            }
        }
        self.name_labels(&s)
    }

    /// The VCode as plain data, with where each instruction came from (lowering must have
    /// traced provenance; `rules` is the ISA's rule table).
    pub(crate) fn explain(&self, rules: &'static [RuleEntry]) -> VCodeStage {
        let mut blocks = Vec::new();
        for (b, &(start, end)) in self.block_ranges.iter().enumerate() {
            let params = slice(&self.params, self.param_ranges[b]).iter().map(|&v| Reg::from_vreg(v)).collect();
            let insts = (start..end)
                .map(|i| {
                    let origin = self.origins.get(i as usize).copied();
                    let regs = slice(&self.operands, self.operand_ranges[i as usize])
                        .iter()
                        .map(|op| Reg::from_vreg(op.vreg()))
                        .collect();
                    VInst {
                        index: i,
                        text: self.name_labels(&self.insts[i as usize].print()),
                        regs,
                        ir_inst: origin.and_then(|o| o.ir_inst),
                        rule: origin.map(|o| o.rule).filter(|&r| r != NO_RULE && (r as usize) < rules.len()),
                        srcloc: self.srclocs[i as usize],
                    }
                })
                .collect();
            blocks.push(VBlock { name: self.block_names[b].to_string(), params, insts });
        }
        VCodeStage { blocks, value_regs: self.value_regs.clone() }
    }

    /// The allocation as plain data: each instruction with every operand's location, and
    /// the allocator's moves, spills and reloads where emission will put them.
    pub(crate) fn explain_allocation(&self, output: &regalloc2::Output, frame_rules: &dyn FrameRules) -> RegallocStage {
        let frame = self.frame_info(output, frame_rules, None);
        let mut locations: std::collections::BTreeMap<usize, (Reg, Vec<String>)> = Default::default();
        let mut blocks = Vec::new();
        for b in 0..self.block_ranges.len() {
            let mut lines = Vec::new();
            for item in output.block_insts_and_edits(self, RBlock::new(b)) {
                match item {
                    InstOrEdit::Inst(i) => {
                        let mut inst = self.insts[i.index()].clone();
                        let allocs = output.inst_allocs(i);
                        inst.visit_operands(&mut AllocationApplier::new(allocs));
                        let ops = slice(&self.operands, self.operand_ranges[i.index()]);
                        let allocs: Vec<(Reg, String)> = ops
                            .iter()
                            .zip(allocs)
                            .map(|(op, a)| (Reg::from_vreg(op.vreg()), describe_alloc::<I>(*a, &frame)))
                            .collect();
                        for (r, loc) in &allocs {
                            let entry = locations.entry(r.vreg().vreg()).or_insert_with(|| (*r, Vec::new()));
                            if !entry.1.contains(loc) {
                                entry.1.push(loc.clone());
                            }
                        }
                        let text = self.name_labels(&inst.print());
                        lines.push(RegallocLine { text, kind: RegallocKind::Inst(i.index() as u32), allocs });
                    }
                    InstOrEdit::Edit(edit) => {
                        let Edit::Move { from, to } = edit;
                        let kind = match (from.is_stack(), to.is_stack()) {
                            (false, true) => RegallocKind::Spill,
                            (true, false) => RegallocKind::Reload,
                            _ => RegallocKind::Move,
                        };
                        if let Some(inst) = Self::edit_inst(edit, &frame) {
                            lines.push(RegallocLine { text: inst.print(), kind, allocs: Vec::new() });
                        }
                    }
                }
            }
            blocks.push(RegallocBlock { name: self.block_names[b].to_string(), lines });
        }
        RegallocStage { blocks, locations: locations.into_values().collect(), spill_slots: output.num_spillslots }
    }

    /// The instruction that carries out an allocator edit (a move between registers, a
    /// spill or a reload), or `None` when there is nothing to do.
    fn edit_inst(edit: &Edit, frame: &FrameInfo) -> Option<I> {
        let Edit::Move { from, to } = edit;
        match (from.as_reg(), to.as_reg(), from.as_stack(), to.as_stack()) {
            (Some(f), Some(t), _, _) if f != t => Some(I::gen_move(Reg::from_preg(t), Reg::from_preg(f), f.class())),
            (Some(f), None, _, Some(slot)) => {
                Some(I::gen_spill(frame.spill_slot_offset(slot.index() as u32), Reg::from_preg(f), f.class()))
            }
            (None, Some(t), Some(slot), _) => {
                Some(I::gen_reload(Reg::from_preg(t), frame.spill_slot_offset(slot.index() as u32), t.class()))
            }
            _ => None,
        }
    }

    /// Emits the function with the allocator's `output`: applies allocations, inserts
    /// moves, spills and reloads, the prologue and the epilogues. Large frames are probed
    /// every `probe_interval` bytes (`None`: not at all).
    pub fn emit(
        &self,
        output: &regalloc2::Output,
        frame_rules: &dyn FrameRules,
        probe_interval: Option<u32>,
        want_listing: bool,
    ) -> Result<CompiledCode, super::buffer::BufferError> {
        self.emit_recorded(output, frame_rules, probe_interval, want_listing, None)
    }

    /// [`VCode::emit`], and with `records`, a record of each emitted instruction and
    /// label (for `lathe explain`).
    pub(crate) fn emit_recorded(
        &self,
        output: &regalloc2::Output,
        frame_rules: &dyn FrameRules,
        probe_interval: Option<u32>,
        want_listing: bool,
        records: Option<&mut Vec<EmitRecord>>,
    ) -> Result<CompiledCode, super::buffer::BufferError> {
        let frame = self.frame_info(output, frame_rules, probe_interval);
        let nblocks = self.block_ranges.len() as u32;
        let mut buf = MachBuffer::<I::LabelUse>::new(nblocks, I::ENDIANNESS);
        let mut listing = EmitLog { text: String::new(), records };
        let mut unwind = Vec::new();
        let emit_one = |inst: &I,
                        origin: EmitOrigin,
                        buf: &mut MachBuffer<I::LabelUse>,
                        state: &EmitState<'_>,
                        listing: &mut EmitLog<'_>| {
            // Before the instruction, an island (jumped over) if a pending label use would
            // otherwise go out of reach.
            if buf.island_needed(I::WORST_CASE_SIZE) {
                let start = buf.cur_offset();
                let size = buf.emit_island(I::WORST_CASE_SIZE, &mut |buf, after| I::gen_jump(after).emit(buf, state));
                let text = format!("; island: {size} bytes (jump over it, constants, veneers)");
                if want_listing && size > 0 {
                    let _ = writeln!(listing.text, "  {text}");
                }
                if let Some(records) = listing.records.as_deref_mut().filter(|_| size > 0) {
                    let end = buf.cur_offset();
                    records.push(EmitRecord { start, end, text, origin: EmitOrigin::Island, label: None });
                }
            }
            let text = (want_listing || listing.records.is_some()).then(|| inst.print_emitted(state));
            if want_listing {
                for line in text.iter().flat_map(|t| t.lines()) {
                    let _ = writeln!(listing.text, "  {line}");
                }
            }
            let start = buf.cur_offset();
            inst.emit(buf, state);
            if let Some(records) = listing.records.as_deref_mut() {
                let (end, text) = (buf.cur_offset(), self.name_labels(&text.unwrap_or_default()));
                records.push(EmitRecord { start, end, text, origin, label: None });
            }
        };
        // Blocks that hold nothing but a jump (split edges that needed no moves) are not
        // emitted: branches to them go straight to where they jump, and their labels are
        // bound there too.
        let forward = self.jump_forwarding(output);
        let resolve = |l: MachLabel| match forward.get(l.0 as usize) {
            Some(&t) => MachLabel::from_block(t),
            None => l,
        };
        let emitted: Vec<u32> = (0..nblocks).filter(|&b| forward[b as usize] == b).collect();
        let emit_frame = |items: Vec<FrameItem<I>>,
                          buf: &mut MachBuffer<I::LabelUse>,
                          state: &EmitState<'_>,
                          listing: &mut EmitLog<'_>,
                          unwind: &mut Vec<UnwindRecord>| {
            for item in items {
                match item {
                    FrameItem::Inst(inst) => emit_one(&inst, EmitOrigin::Frame, buf, state, listing),
                    FrameItem::Unwind(inst) => unwind.push(UnwindRecord { offset: buf.cur_offset(), inst }),
                }
            }
        };
        for (k, &b) in emitted.iter().enumerate() {
            buf.bind_label(MachLabel::from_block(b));
            let next_block = emitted.get(k + 1).map(|&n| MachLabel::from_block(n));
            let state = EmitState { frame: &frame, next_block };
            if want_listing {
                let _ = writeln!(listing.text, "{}:", self.block_names[b as usize]);
            }
            if let Some(records) = listing.records.as_deref_mut() {
                let (at, name) = (buf.cur_offset(), self.block_names[b as usize].to_string());
                let origin = EmitOrigin::Frame;
                records.push(EmitRecord { start: at, end: at, text: String::new(), origin, label: Some(name) });
            }
            if b == 0 {
                emit_frame(I::gen_prologue(&frame), &mut buf, &state, &mut listing, &mut unwind);
            }
            for item in output.block_insts_and_edits(self, RBlock::new(b as usize)) {
                match item {
                    InstOrEdit::Inst(i) => {
                        let mut inst = self.insts[i.index()].clone();
                        inst.visit_operands(&mut AllocationApplier::new(output.inst_allocs(i)));
                        inst.map_branch_targets(&resolve);
                        let is_ret = inst.terminator_kind() == TerminatorKind::Ret;
                        if is_ret {
                            // Code after this return (later blocks) unwinds like the body.
                            let at = buf.cur_offset();
                            unwind.push(UnwindRecord { offset: at, inst: UnwindInst::RememberState });
                            emit_frame(I::gen_epilogue(&frame), &mut buf, &state, &mut listing, &mut unwind);
                        }
                        buf.start_srcloc(self.srclocs[i.index()]);
                        emit_one(&inst, EmitOrigin::VInst(i.index() as u32), &mut buf, &state, &mut listing);
                        buf.end_srcloc();
                        if is_ret {
                            let at = buf.cur_offset();
                            unwind.push(UnwindRecord { offset: at, inst: UnwindInst::RestoreState });
                        }
                    }
                    InstOrEdit::Edit(edit) => {
                        if let Some(inst) = Self::edit_inst(edit, &frame) {
                            emit_one(&inst, EmitOrigin::Edit, &mut buf, &state, &mut listing);
                        }
                    }
                }
            }
        }
        for (b, &t) in forward.iter().enumerate() {
            if t as usize != b {
                buf.alias_label(MachLabel::from_block(b as u32), MachLabel::from_block(t));
            }
        }
        let done = buf.finish()?;
        let listing = want_listing.then(|| self.name_labels(&listing.text));
        Ok(CompiledCode::from_buffer(done, frame.fixed_frame_size, unwind, listing))
    }

    /// For each block, the block that control really reaches when it jumps there: itself,
    /// unless it holds only an unconditional jump (no other instruction, no moves from the
    /// allocator), in which case the chain of such jumps is followed. The entry block and
    /// blocks on a cycle of empty jumps keep themselves.
    fn jump_forwarding(&self, output: &regalloc2::Output) -> Vec<u32> {
        let n = self.block_ranges.len();
        let only_jump = |b: usize| -> Option<u32> {
            let succs = regalloc2::Function::block_succs(self, RBlock::new(b));
            if b == 0 || succs.len() != 1 || succs[0].index() == b {
                return None;
            }
            let mut items = output.block_insts_and_edits(self, RBlock::new(b));
            match (items.next(), items.next()) {
                (Some(InstOrEdit::Inst(i)), None)
                    if self.insts[i.index()].terminator_kind() == TerminatorKind::Branch =>
                {
                    Some(succs[0].index() as u32)
                }
                _ => None,
            }
        };
        let step: Vec<Option<u32>> = (0..n).map(only_jump).collect();
        (0..n as u32)
            .map(|b| {
                let mut t = b;
                for _ in 0..n {
                    match step[t as usize] {
                        Some(next) if next != b => t = next,
                        Some(_) => return b,
                        None => return t,
                    }
                }
                b
            })
            .collect()
    }

    /// Replaces the block labels `labelN` of a listing by the names of the blocks.
    fn name_labels(&self, listing: &str) -> String {
        let mut out = String::with_capacity(listing.len());
        let mut rest = listing;
        while let Some(pos) = rest.find("label") {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 5..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            match after[..digits].parse::<usize>().ok().and_then(|n| self.block_names.get(n)) {
                Some(name) if digits > 0 => {
                    let _ = write!(out, "{name}");
                }
                _ => out.push_str(&rest[pos..pos + 5 + digits]),
            }
            rest = &after[digits..];
        }
        out.push_str(rest);
        out
    }

    /// The frame: areas sized by lowering and allocation, and the callee-saved registers
    /// (of the function's convention) that the allocation writes or that a call may
    /// overwrite (a callee of another convention can clobber registers this function must
    /// preserve).
    fn frame_info(&self, output: &regalloc2::Output, rules: &dyn FrameRules, probe_interval: Option<u32>) -> FrameInfo {
        let callee_saved = rules.callee_saved(self.call_conv);
        let mut written = PRegSet::empty();
        for clobbers in &self.clobbers {
            written.union_from(*clobbers);
        }
        for (i, r) in self.operand_ranges.iter().enumerate() {
            let allocs = output.inst_allocs(RInst::new(i));
            for (op, alloc) in slice(&self.operands, *r).iter().zip(allocs) {
                if op.kind() == regalloc2::OperandKind::Def
                    && let Some(p) = alloc.as_reg()
                {
                    written.add(p);
                }
            }
        }
        for (_, edit) in &output.edits {
            let Edit::Move { to, .. } = edit;
            if let Some(p) = to.as_reg() {
                written.add(p);
            }
        }
        let saved: Vec<Reg> =
            callee_saved.iter().filter(|p| written.contains(**p)).map(|&p| Reg::from_preg(p)).collect();
        let spills = output.num_spillslots as u32;
        let mut frame = super::abi::frame::layout(
            rules.frame_desc(),
            self.outgoing_args_size,
            self.stack_slots_size,
            spills,
            saved,
            probe_interval,
        );
        frame.sign_return_address = rules.sign_return_address();
        frame.emit_flags = rules.emit_flags();
        frame
    }
}
