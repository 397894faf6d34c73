//! `global_value` as ordinary instructions, so that backends never see it: each
//! `v = global_value.T gvN` becomes the chain its declaration describes, innermost first:
//! `vmctx` is the function's `vmctx` parameter, `load.T gvB+K` a `load` from the base's
//! value plus `K`, `iadd_imm gvB, K` an `iadd_imm`, and a symbol `symbol_value.T gvN`, which
//! backends lower. The result becomes an alias of the chain's last value.
//!
//! Run by the pipeline driver (`machinst/compile.rs`) for every function that has a
//! `global_value`, after `stack_limit.rs` (which emits one). Input: verified IR (the
//! verifier has checked that chains end and that a `vmctx` global value has its
//! parameter); output: verified IR without `global_value`. A chain the verifier would
//! reject is left alone, so the backend reports the instruction as unsupported.

use crate::ir::{
    ArgumentPurpose, FuncCursor, Function, GlobalValue, GlobalValueData, Inst, InstBuilder, InstructionData, Opcode,
    Type, Value,
};

/// Whether `func` has a `global_value` instruction in its layout.
pub fn has_global_values(func: &Function) -> bool {
    // Without a declared global value there is no `global_value` to expand (and no walk).
    !func.global_values.is_empty()
        && func.layout.blocks().any(|b| func.layout.block_insts(b).any(|i| func.dfg.is(i, Opcode::GlobalValue)))
}

/// Replaces every `global_value` of `func` with the instructions of its chain.
pub fn expand_global_values(func: &mut Function) {
    let insts: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b).collect::<Vec<_>>())
        .filter(|&i| func.dfg.is(i, Opcode::GlobalValue))
        .collect();
    for inst in insts {
        let InstructionData::UnaryGlobalValue { global_value, .. } = func.dfg.insts[inst] else { continue };
        let result = func.dfg.first_result(inst);
        let ty = func.dfg.value_type(result);
        let srcloc = func.srclocs[inst];
        let mut cur = FuncCursor::new(func);
        cur.set_srcloc(srcloc);
        cur.goto_inst(inst);
        let Some(v) = materialize(&mut cur, global_value, ty, 0) else { continue };
        func.dfg.replace_results_with_aliases(inst, &[v]);
        func.layout.remove_inst(inst);
    }
    crate::opt::resolve_aliases(func);
}

/// The value of `gv` as type `ty`, computed by instructions inserted at the cursor.
/// `None` when the chain is malformed (too deep, or `vmctx` without its parameter).
fn materialize(cur: &mut FuncCursor<'_>, gv: GlobalValue, ty: Type, depth: usize) -> Option<Value> {
    if depth > cur.func.global_values.len() {
        return None;
    }
    match cur.func.global_values.get(gv)?.clone() {
        GlobalValueData::VMContext => {
            let f = &*cur.func;
            let i = f.signature.params.iter().position(|p| p.purpose == ArgumentPurpose::VMContext)?;
            f.entry_block().and_then(|b| f.dfg.block_params(b).get(i).copied())
        }
        GlobalValueData::Load { base, offset, global_type, flags } => {
            let b = materialize(cur, base, crate::ir::types::I64, depth + 1)?;
            Some(cur.ins().load(global_type, flags, b, offset.0))
        }
        GlobalValueData::IAddImm { base, offset, global_type } => {
            let b = materialize(cur, base, global_type, depth + 1)?;
            Some(cur.ins().iadd_imm(b, offset.0))
        }
        GlobalValueData::Symbol { tls: true, .. } => None,
        GlobalValueData::Symbol { .. } => Some(cur.ins().symbol_value(ty, gv)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_functions;

    #[test]
    fn chains_become_loads_and_adds() {
        let src = "function %f(i64 vmctx) -> i64 {
    gv0 = vmctx
    gv1 = load.i64 notrap aligned readonly gv0+8
    gv2 = iadd_imm.i64 gv1, 16
block0(v0: i64):
    v1 = global_value.i64 gv2
    v2 = global_value.i64 gv0
    v3 = iadd v1, v2
    return v3
}";
        let mut f = parse_functions(src).unwrap().remove(0);
        assert!(has_global_values(&f));
        expand_global_values(&mut f);
        assert!(!has_global_values(&f));
        crate::verifier::verify_function(&f).unwrap();
        let text = f.to_string();
        assert!(text.contains("load.i64 notrap aligned readonly v0+8"), "{text}");
        assert!(text.contains("iadd_imm") && text.contains(", 16"), "{text}");
        // `global_value gv0` is the vmctx parameter itself.
        assert!(text.lines().any(|l| l.contains("= iadd v") && l.trim_end().ends_with(", v0")), "{text}");
    }
}
