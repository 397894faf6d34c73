//! Facts about block parameters that follow from the values branches pass them.
//!
//! Lowering rules sometimes know something about a value from the instruction that defines
//! it (on x86-64: an `i32` computed by a 32-bit instruction has bits 32-63 clear, so
//! extending it to 64 bits costs nothing). A block parameter has no defining instruction,
//! but the fact still holds for it when it holds for every value any branch passes it —
//! loop counters and Wasm addresses carried around loops are such parameters.
//!
//! [`params_where`] computes, for a fact about instruction results given as a predicate,
//! the largest set of block parameters for which it holds through any chain of branches:
//! start from every parameter of a block reached only by branches (not the entry block,
//! whose parameters come from the caller) and remove, until nothing changes, each one
//! that some branch passes a value the fact does not hold for. Cycles through parameters
//! keep the fact (the greatest fixpoint), which is sound because every value entering the
//! cycle from outside was checked.
//!
//! Input: the function being lowered. Output: a set of parameters, consulted by
//! [`Lower::value_fact`](super::Lower::value_fact).

use crate::entity::SecondaryMap;
use crate::ir::{Function, Inst, Value, ValueDef};

/// The block parameters for which `holds` (a fact about an instruction's result) holds of
/// every value passed to them, directly or through other such parameters.
pub fn params_where(f: &Function, holds: &dyn Fn(Inst, Value) -> bool) -> SecondaryMap<Value, bool> {
    let mut fact: SecondaryMap<Value, bool> = SecondaryMap::new();
    // Parameters without the fact whose dependents are still to be visited.
    let mut work: Vec<Value> = Vec::new();
    let entry = f.layout.entry_block();
    for block in f.layout.blocks() {
        let params = f.dfg.block_params(block);
        if Some(block) == entry {
            work.extend_from_slice(params);
        } else {
            for &p in params {
                fact[p] = true;
            }
        }
    }
    let mut lose = |fact: &mut SecondaryMap<Value, bool>, p: Value| {
        if std::mem::replace(&mut fact[p], false) {
            work.push(p);
        }
    };
    // (from, to): parameter `from` is passed to parameter `to` by some branch.
    let mut feeds: Vec<(Value, Value)> = Vec::new();
    for block in f.layout.blocks() {
        let Some(term) = f.layout.last_inst(block) else { continue };
        for call in f.dfg.insts[term].branch_destinations(&f.dfg.jump_tables, &f.dfg.exception_tables) {
            let params = f.dfg.block_params(call.block);
            let args = call.args_slice(&f.dfg.value_lists);
            if params.len() != args.len() {
                params.iter().for_each(|&p| lose(&mut fact, p));
                continue;
            }
            for (&p, &a) in params.iter().zip(args) {
                let a = f.dfg.resolve_aliases(a);
                match f.dfg.value_def(a) {
                    ValueDef::Result(inst, _) if holds(inst, a) => {}
                    ValueDef::Param(..) => feeds.push((a, p)),
                    _ => lose(&mut fact, p),
                }
            }
        }
    }
    feeds.sort_unstable();
    while let Some(p) = work.pop() {
        let start = feeds.partition_point(|&(from, _)| from < p);
        for &(_, to) in feeds[start..].iter().take_while(|&&(from, _)| from == p) {
            if std::mem::replace(&mut fact[to], false) {
                work.push(to);
            }
        }
    }
    fact
}
