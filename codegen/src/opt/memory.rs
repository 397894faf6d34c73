//! Redundant-load elimination and store-to-load forwarding, reasoning about memory with
//! the alias classes of memory flags (`heap`, `table`, `vmctx`, declared regions; see
//! `ir/memflags.rs` and `Function::may_alias`).
//!
//! Memory is cut into the classes the function's accesses name, plus "any memory" for
//! accesses without a class. Each class has a *version*: the instruction that last may
//! have written it (a store, a call, a fence or other barrier), the function entry, or a
//! block where paths with different versions merge. A forward data-flow pass over the CFG
//! gives every instruction the versions it sees. Two accesses of the same kind, type and
//! byte order, at the same address value and offset, that see the same version of the
//! load's class read the same bytes; so a load is replaced by an earlier load, or by the
//! value an earlier `store` of that type wrote, when that earlier instruction dominates
//! it.
//!
//! What writes what: a store to class C changes C, "any memory" and every class that may
//! overlap C (`MemoryPart::may_overlap`, the rules of `Function::may_alias`); a store without a class, a call,
//! an atomic, a fence and every other instruction that may write memory change all
//! classes. A `readonly` load reads memory nothing writes while the function runs, so its
//! version is always the entry's. Atomic loads and stack slot accesses are left alone.
//!
//! Traps: the replaced load would have trapped only where the earlier access to the same
//! bytes already did, and that access runs first (it dominates). Input: verified IR with
//! aliases resolved. Output: the same function, redundant loads removed (their results
//! become aliases of the earlier values).

use super::hash::{FastMap, fast_map};
use crate::dominator_tree::DominatorTree;
use crate::entity::EntityRef;
use crate::flowgraph::ControlFlowGraph;
use crate::ir::{Block, Endianness, Function, Inst, InstructionData, MemFlags, MemoryPart, Opcode, Type, Value};

/// Who last may have written a class: `ENTRY`, an instruction (`index + 1`), or a block
/// where versions merge (after all instructions).
type Version = u32;
const ENTRY: Version = 0;

/// The parts of memory a function's accesses name (`MemoryPart::Any` first), each with an
/// index into the version states.
struct Classes {
    list: Vec<MemoryPart>,
    index: FastMap<MemoryPart, usize>,
}

impl Classes {
    fn of(func: &Function) -> Classes {
        let mut c = Classes { list: vec![MemoryPart::Any], index: fast_map(8) };
        c.index.insert(MemoryPart::Any, 0);
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                if let Some(flags) = func.dfg.insts[inst].memflags() {
                    let part = func.memory_part(flags);
                    if !c.index.contains_key(&part) {
                        c.index.insert(part, c.list.len());
                        c.list.push(part);
                    }
                }
            }
        }
        c
    }

    /// The state index of the part an access with `flags` touches.
    fn index(&self, func: &Function, flags: MemFlags) -> usize {
        self.index.get(&func.memory_part(flags)).copied().unwrap_or(0)
    }
}

/// What makes two loads (or a store and a load) read the same bytes as the same value.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
struct Key {
    version: Version,
    addr: Value,
    offset: i32,
    /// The loading opcode (`load`, `uload8`, ...); a `store` is keyed as `load`.
    op: Opcode,
    ty: Type,
    order: Option<Endianness>,
}

/// The loads this pass handles.
fn is_plain_load(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::Load
            | Opcode::Uload8
            | Opcode::Sload8
            | Opcode::Uload16
            | Opcode::Sload16
            | Opcode::Uload32
            | Opcode::Sload32
    )
}

/// The stores whose effect on a class is known (the rest of the writers are barriers).
fn is_plain_store(op: Opcode) -> bool {
    matches!(op, Opcode::Store | Opcode::Istore8 | Opcode::Istore16 | Opcode::Istore32)
}

/// How many passes over the blocks the data flow may take before the pass gives up
/// (leaving the function unchanged).
const MAX_ROUNDS: usize = 64;

/// Removes redundant loads; returns how many.
pub fn eliminate_redundant_loads(func: &mut Function) -> usize {
    if !any_load(func) {
        return 0;
    }
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    eliminate_redundant_loads_in(func, &cfg, &domtree)
}

/// [`eliminate_redundant_loads`] with the function's CFG and dominator tree already
/// computed (the pipeline shares them with value numbering: neither changes the CFG).
pub(super) fn eliminate_redundant_loads_in(
    func: &mut Function,
    cfg: &ControlFlowGraph,
    domtree: &DominatorTree,
) -> usize {
    let classes = Classes::of(func);
    if classes.list.is_empty() || !any_load(func) {
        return 0;
    }
    let rpo: Vec<Block> = domtree.cfg_rpo().collect();
    let n = classes.list.len();
    // Which classes a store to each class changes.
    let bumps: Vec<Vec<usize>> =
        classes.list.iter().map(|&a| (0..n).filter(|&i| a.may_overlap(classes.list[i])).collect()).collect();
    let merge_base = func.dfg.insts.len() as u32 + 1;
    let Some(ins) = block_states(func, cfg, &rpo, &classes, &bumps, merge_base) else { return 0 };

    let mut seen: FastMap<Key, (Value, Inst)> = fast_map(0);
    let mut removed = 0;
    for &block in &rpo {
        let mut state = ins[block.index()].clone().unwrap_or_else(|| vec![ENTRY; n]);
        let mut next = func.layout.first_inst(block);
        while let Some(inst) = next {
            next = func.layout.next_inst(inst);
            let data = func.dfg.insts[inst];
            match data {
                InstructionData::Load { opcode, flags, arg, offset } if is_plain_load(opcode) => {
                    let version = if flags.readonly() { ENTRY } else { state[classes.index(func, flags)] };
                    let ty = func.dfg.value_type(func.dfg.first_result(inst));
                    let key = Key {
                        version,
                        addr: func.dfg.resolve_aliases(arg),
                        offset: offset.0,
                        op: opcode,
                        ty,
                        order: flags.explicit_endianness(),
                    };
                    match seen.get(&key) {
                        Some(&(value, earlier)) if domtree.inst_dominates(earlier, inst, &func.layout) => {
                            func.dfg.replace_results_with_aliases(inst, &[value]);
                            func.layout.remove_inst(inst);
                            removed += 1;
                        }
                        _ => {
                            seen.insert(key, (func.dfg.first_result(inst), inst));
                        }
                    }
                }
                _ => {
                    let written = transfer(func, inst, &classes, &bumps, &mut state);
                    if let (
                        Some(version),
                        InstructionData::Store { opcode: Opcode::Store, flags, args: [x, p], offset },
                    ) = (written, data)
                    {
                        let x = func.dfg.resolve_aliases(x);
                        let key = Key {
                            version,
                            addr: func.dfg.resolve_aliases(p),
                            offset: offset.0,
                            op: Opcode::Load,
                            ty: func.dfg.value_type(x),
                            order: flags.explicit_endianness(),
                        };
                        seen.insert(key, (x, inst));
                    }
                }
            }
        }
    }
    removed
}

fn any_load(func: &Function) -> bool {
    func.layout.blocks().any(|b| func.layout.block_insts(b).any(|i| is_plain_load(func.dfg.insts[i].opcode())))
}

/// Applies `inst`'s writes to `state`; the version it wrote, if it writes memory.
fn transfer(
    func: &Function,
    inst: Inst,
    classes: &Classes,
    bumps: &[Vec<usize>],
    state: &mut [Version],
) -> Option<Version> {
    let data = &func.dfg.insts[inst];
    let op = data.opcode();
    let version = inst.index() as Version + 1;
    if is_plain_store(op) {
        let flags = data.memflags().unwrap_or_default();
        for &i in &bumps[classes.index(func, flags)] {
            state[i] = version;
        }
        Some(version)
    } else if op.may_write_memory() {
        // Stores of other kinds, atomics, calls, fences and other unnamed effects.
        state.fill(version);
        Some(version)
    } else {
        None
    }
}

/// The versions each reachable block starts with (indexed by block), by iterating the
/// data flow to a fixed point; `None` if it does not settle within `MAX_ROUNDS`.
fn block_states(
    func: &Function,
    cfg: &ControlFlowGraph,
    rpo: &[Block],
    classes: &Classes,
    bumps: &[Vec<usize>],
    merge_base: u32,
) -> Option<Vec<Option<Vec<Version>>>> {
    let n = classes.list.len();
    let size = func.dfg.num_blocks();
    let mut ins: Vec<Option<Vec<Version>>> = vec![None; size];
    let mut outs: Vec<Option<Vec<Version>>> = vec![None; size];
    let entry = func.layout.entry_block()?;
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for &block in rpo {
            let merge = merge_base + block.index() as u32;
            let mut state: Option<Vec<Version>> = (block == entry).then(|| vec![ENTRY; n]);
            for pred in cfg.pred_iter(block) {
                let Some(out) = &outs[pred.block.index()] else { continue };
                match &mut state {
                    None => state = Some(out.clone()),
                    Some(s) => {
                        for (v, &o) in s.iter_mut().zip(out) {
                            if *v != o {
                                *v = merge;
                            }
                        }
                    }
                }
            }
            let state = state.unwrap_or_else(|| vec![merge; n]);
            if ins[block.index()].as_ref() != Some(&state) {
                ins[block.index()] = Some(state.clone());
                changed = true;
            }
            let mut out = state;
            for inst in func.layout.block_insts(block) {
                transfer(func, inst, classes, bumps, &mut out);
            }
            if outs[block.index()].as_ref() != Some(&out) {
                outs[block.index()] = Some(out);
                changed = true;
            }
        }
        if !changed {
            return Some(ins);
        }
    }
    None
}
