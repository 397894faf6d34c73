//! `br_table` without a jump table: for `enable_jump_tables=false`, each `br_table` becomes
//! one unsigned range check that sends out-of-range indices to the default, then a binary
//! search over the entries (`icmp_imm ult` splits ranges in half; a range of a few entries
//! tests each with `icmp_imm eq`, and its last entry is what remains). A table of `n`
//! entries costs about `log2(n)` compares on any path, and no indirect jump.
//!
//! The new blocks have no parameters and go right after the block of the `br_table`; the
//! branch arguments of each table entry move unchanged to the branch that reaches it.

use crate::ir::{
    Block, BlockCall, FuncCursor, Function, Inst, InstBuilder, InstructionData, IntCC, Opcode, Value, types,
};

/// Ranges of at most this many entries are tested one by one.
const LINEAR: u32 = 4;

/// Whether `func` has a `br_table` in its layout.
pub fn has_br_table(func: &Function) -> bool {
    func.layout.blocks().any(|b| func.layout.last_inst(b).is_some_and(|i| func.dfg.is(i, Opcode::BrTable)))
}

/// Rewrites every `br_table` of `func` into compares and branches.
pub fn expand_br_tables(func: &mut Function) {
    let tables: Vec<(Block, Inst)> = func
        .layout
        .blocks()
        .filter_map(|b| func.layout.last_inst(b).map(|i| (b, i)))
        .filter(|&(_, i)| func.dfg.is(i, Opcode::BrTable))
        .collect();
    for (block, inst) in tables {
        expand(func, block, inst);
    }
}

/// One destination with its arguments, copied out of the jump table.
type Dest = (Block, Vec<Value>);

fn expand(func: &mut Function, block: Block, inst: Inst) {
    let InstructionData::BranchTable { arg: index, table, .. } = func.dfg.insts[inst] else {
        return;
    };
    let dest = |bc: BlockCall, f: &Function| -> Dest { (bc.block, bc.args_slice(&f.dfg.value_lists).to_vec()) };
    let default = dest(func.dfg.jump_tables[table].default_block(), func);
    let entries: Vec<Dest> = func.dfg.jump_tables[table].as_slice().iter().map(|&bc| dest(bc, func)).collect();
    let srcloc = func.srclocs[inst];
    func.layout.remove_inst(inst);

    let mut cur = FuncCursor::new(func);
    cur.set_srcloc(srcloc);
    cur.goto_bottom(block);
    let n = entries.len() as u32; // An i32 index reaches at most 2^32 entries.
    if n == 0 {
        cur.ins().jump(default.0, &default.1);
        return;
    }
    let search = new_block_after(&mut cur, block);
    let out_of_range = cur.ins().icmp_imm(IntCC::UnsignedGreaterThanOrEqual, index, i64::from(n));
    cur.ins().brif(out_of_range, default.0, &default.1, search, &[]);
    let mut work = vec![(search, 0u32, n)];
    while let Some((at, lo, hi)) = work.pop() {
        cur.goto_bottom(at);
        if hi - lo <= LINEAR {
            // The index is in [lo, hi): test all but the last entry.
            let mut here = at;
            for k in lo..hi - 1 {
                let next = new_block_after(&mut cur, here);
                cur.goto_bottom(here);
                let hit = cur.ins().icmp_imm(IntCC::Equal, index, i64::from(k));
                let (b, args) = &entries[k as usize];
                cur.ins().brif(hit, *b, args, next, &[]);
                here = next;
            }
            cur.goto_bottom(here);
            let (b, args) = &entries[(hi - 1) as usize];
            cur.ins().jump(*b, args);
        } else {
            let mid = lo + (hi - lo) / 2;
            let high = new_block_after(&mut cur, at);
            let low = new_block_after(&mut cur, at);
            cur.goto_bottom(at);
            let below = cur.ins().icmp_imm(IntCC::UnsignedLessThan, index, i64::from(mid));
            cur.ins().brif(below, low, &[], high, &[]);
            work.push((high, mid, hi));
            work.push((low, lo, mid));
        }
    }
    debug_assert_eq!(cur.func.dfg.value_type(index), types::I32, "br_table takes an i32 index");
}

fn new_block_after(cur: &mut FuncCursor<'_>, after: Block) -> Block {
    let b = cur.func.dfg.make_block();
    cur.func.layout.insert_block_after(b, after);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_table(entries: usize) -> Function {
        let mut text =
            String::from("function %f(i32, i64) -> i64 {\nblock0(v0: i32, v1: i64):\n    br_table v0, block1(v1), [");
        for k in 0..entries {
            text.push_str(&format!("{}block{}", if k > 0 { ", " } else { "" }, k + 2));
        }
        text.push_str("]\nblock1(v2: i64):\n    return v2\n");
        for k in 0..entries {
            text.push_str(&format!(
                "block{}:\n    v{} = iconst.i64 {}\n    return v{}\n",
                k + 2,
                k + 10,
                k * 7,
                k + 10
            ));
        }
        text.push_str("}\n");
        crate::text::parse_functions(&text).expect("valid CLIF").remove(0)
    }

    /// The number of compares on the longest path from the entry (blocks are acyclic here).
    fn max_compares(f: &Function) -> usize {
        let cfg = crate::flowgraph::ControlFlowGraph::with_function(f);
        let mut depth = std::collections::HashMap::new();
        let order: Vec<Block> = f.layout.blocks().collect();
        for &b in order.iter().rev() {
            let own = f.layout.block_insts(b).filter(|&i| f.dfg.is(i, Opcode::IcmpImm)).count();
            let below = cfg.succ_iter(b).map(|s| depth.get(&s).copied().unwrap_or(0)).max().unwrap_or(0);
            depth.insert(b, own + below);
        }
        depth[&f.layout.entry_block().unwrap()]
    }

    #[test]
    fn tables_become_verified_search_trees() {
        // Semantics are checked by the filetest `run/br_table_without_jump_tables.clif`,
        // natively against the interpreter; here the shape.
        for (entries, most) in [(0, 0), (1, 1), (4, 4), (5, 4), (33, 8), (1000, 12)] {
            let mut f = with_table(entries);
            assert!(has_br_table(&f));
            expand_br_tables(&mut f);
            assert!(!has_br_table(&f), "{f}");
            crate::verifier::verify_function(&f).unwrap_or_else(|e| panic!("{e}\n{f}"));
            let depth = max_compares(&f);
            assert!(depth <= most, "{entries} entries: {depth} compares on the longest path");
        }
    }
}
