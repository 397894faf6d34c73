//! Structural tests of SSA construction: block parameters appear only where a variable
//! really has different definitions, uses before definition give zero, unreachable and
//! very deep CFGs are handled, and misuse is reported.

use lathe_codegen::ir::{
    AbiParam, Block, Function, InstBuilder, IntCC, Opcode, Signature, SourceLoc, Type, Value, ValueDef, types::*,
};
use lathe_frontend::{FrontendError, FunctionBuilder, FunctionBuilderContext};

fn sig(params: &[Type], returns: &[Type]) -> Signature {
    let mut s = Signature::default();
    s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    s.returns.extend(returns.iter().map(|&t| AbiParam::new(t)));
    s
}

/// Runs the verifier, then checks directly what matters most here: every placed block ends in a terminator; every branch
/// passes one argument of the right type per parameter; every operand is a defined value
/// (no alias, no placeholder).
fn check_structure(func: &Function) {
    if let Err(e) = lathe_codegen::verifier::verify_function(func) {
        panic!("the verifier rejected the function:\n{e}");
    }
    let dfg = &func.dfg;
    for block in func.layout.blocks() {
        let last = func.layout.last_inst(block).expect("empty block");
        assert!(dfg.insts[last].opcode().is_terminator(), "{block} does not end in a terminator");
        for inst in func.layout.block_insts(block) {
            let mut vals = Vec::new();
            dfg.inst_values_into(inst, &mut vals);
            for v in vals {
                assert!(
                    matches!(dfg.value_def(v), ValueDef::Result(..) | ValueDef::Param(..)),
                    "{inst} uses {v}, which is {:?}",
                    dfg.value_def(v)
                );
            }
            for bc in dfg.insts[inst].branch_destinations(&dfg.jump_tables, &dfg.exception_tables) {
                let args = bc.args.as_slice(&dfg.value_lists);
                let params = dfg.block_params(bc.block);
                assert_eq!(args.len(), params.len(), "{inst} passes the wrong number of arguments to {}", bc.block);
                for (a, p) in args.iter().zip(params) {
                    assert_eq!(dfg.value_type(*a), dfg.value_type(*p));
                }
            }
        }
    }
}

fn count_params(func: &Function, block: Block) -> usize {
    func.dfg.block_params(block).len()
}

/// entry(x): if x { a = 1 } else { a = 2 (when `both`) } ; merge: return a, x
#[test]
fn diamond_gets_a_parameter_only_for_reassigned_variables() {
    for both in [true, false] {
        let mut func = Function::new_test("diamond", sig(&[I32], &[I32, I32]));
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let [entry, then_b, else_b, merge] = [(); 4].map(|_| b.create_block());
        let a = b.declare_var(I32);
        let x = b.declare_var(I32);
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let p = b.block_params(entry)[0];
        b.def_var(x, p);
        let zero = b.ins().iconst(I32, 0);
        b.def_var(a, zero);
        b.ins().brif(p, then_b, &[], else_b, &[]);
        for (blk, k) in [(then_b, 1), (else_b, 2)] {
            b.switch_to_block(blk);
            b.seal_block(blk);
            if k == 1 || both {
                let c = b.ins().iconst(I32, k);
                b.def_var(a, c);
            }
            b.ins().jump(merge, &[]);
        }
        b.switch_to_block(merge);
        b.seal_block(merge);
        let (av, xv) = (b.use_var(a), b.use_var(x));
        b.ins().return_(&[av, xv]);
        b.finish().unwrap();
        // `a` differs on the two paths either way (1 vs 2, or 1 vs the entry's 0); `x`
        // never does.
        assert_eq!(count_params(&func, merge), 1);
        check_structure(&func);
    }
}

fn count_aliases(func: &Function) -> usize {
    (0..func.dfg.num_values())
        .filter(|&i| matches!(func.dfg.value_def(Value::from_u32(i as u32)), ValueDef::Alias(_)))
        .count()
}

/// A sealed merge whose predecessors all pass the same value makes no parameter at all,
/// not even a temporary one removed afterwards (which would leave an alias behind).
#[test]
fn agreeing_merges_make_no_temporary_parameter() {
    let mut func = Function::new_test("agree", sig(&[I32], &[I32]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let [entry, then_b, else_b, merge] = [(); 4].map(|_| b.create_block());
    let x = b.declare_var(I32);
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry)[0];
    b.def_var(x, p);
    b.ins().brif(p, then_b, &[], else_b, &[]);
    for blk in [then_b, else_b] {
        b.switch_to_block(blk);
        b.seal_block(blk);
        b.ins().jump(merge, &[]);
    }
    b.switch_to_block(merge);
    b.seal_block(merge);
    let xv = b.use_var(x);
    b.ins().return_(&[xv]);
    b.finish().unwrap();
    check_structure(&func);
    assert_eq!(xv, p);
    assert_eq!(count_params(&func, merge), 0);
    assert_eq!(count_aliases(&func), 0, "a temporary parameter was made and removed");
}

/// A loop whose blocks are all sealed before anything reads the variable: the read after
/// the loop walks back to the header, and the lookup through the first back edge comes
/// back to the header while its predecessors are being asked (a cycle). Unchanged on
/// both back edges, the variable needs no parameter; changed on the second, the header
/// keeps the parameter the cycle made, fed by all three edges.
#[test]
fn lookup_cycles_through_a_sealed_header() {
    for changed in [false, true] {
        let mut func = Function::new_test("cycle", sig(&[I32], &[I32]));
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let [entry, header, body, tail, back1, back2, exit] = [(); 7].map(|_| b.create_block());
        let x = b.declare_var(I32);
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let p = b.block_params(entry)[0];
        b.def_var(x, p);
        b.ins().jump(header, &[]);
        b.switch_to_block(header);
        b.ins().jump(body, &[]);
        b.switch_to_block(body);
        b.ins().brif(p, back1, &[], tail, &[]);
        b.switch_to_block(tail);
        b.ins().brif(p, back2, &[], exit, &[]);
        b.switch_to_block(back1);
        b.ins().jump(header, &[]);
        b.switch_to_block(back2);
        if changed {
            let c = b.ins().iconst(I32, 7);
            b.def_var(x, c);
        }
        b.ins().jump(header, &[]);
        for blk in [entry, header, body, tail, back1, back2, exit] {
            b.seal_block(blk);
        }
        b.switch_to_block(exit);
        let xv = b.use_var(x);
        b.ins().return_(&[xv]);
        b.finish().unwrap();
        check_structure(&func);
        if changed {
            assert_eq!(count_params(&func, header), 1);
            assert_eq!(xv, func.dfg.block_params(header)[0]);
        } else {
            assert_eq!(count_params(&func, header), 0);
            assert_eq!(xv, p);
        }
    }
}

/// A context reused for a second function forgets the first one's definitions: the second
/// function's variables, read before any definition, are zero, not values of the first.
#[test]
fn a_reused_context_forgets_earlier_definitions() {
    let mut ctx = FunctionBuilderContext::new();
    let mut first = Function::new_test("first", sig(&[I32], &[I32]));
    {
        let mut b = FunctionBuilder::new(&mut first, &mut ctx);
        let vars: Vec<_> = (0..4).map(|_| b.declare_var(I32)).collect();
        let [entry, next] = [(); 2].map(|_| b.create_block());
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let p = b.block_params(entry)[0];
        for &v in &vars {
            b.def_var(v, p);
        }
        b.ins().jump(next, &[]);
        b.switch_to_block(next);
        b.seal_block(next);
        let r = b.use_var(vars[3]);
        b.ins().return_(&[r]);
        b.finish().unwrap();
    }
    let mut second = Function::new_test("second", sig(&[I32], &[I32]));
    let mut b = FunctionBuilder::new(&mut second, &mut ctx);
    let vars: Vec<_> = (0..4).map(|_| b.declare_var(I32)).collect();
    let [entry, next] = [(); 2].map(|_| b.create_block());
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    b.ins().jump(next, &[]);
    b.switch_to_block(next);
    b.seal_block(next);
    let r = b.use_var(vars[3]);
    b.ins().return_(&[r]);
    b.finish().unwrap();
    check_structure(&second);
    let ValueDef::Result(def, _) = second.dfg.value_def(r) else { panic!("{r} is not an instruction result") };
    assert_eq!(second.dfg.insts[def].opcode(), Opcode::Iconst);
}

/// A loop that reads `n` but never assigns it: the header gets a parameter for `i` only,
/// whether the header is sealed before or after the body is built.
#[test]
fn loop_invariant_variable_gets_no_parameter() {
    for seal_late in [false, true] {
        let mut func = Function::new_test("count", sig(&[I64], &[I64]));
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let [entry, header, body, exit] = [(); 4].map(|_| b.create_block());
        let (n, i) = (b.declare_var(I64), b.declare_var(I64));
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let p = b.block_params(entry)[0];
        b.def_var(n, p);
        let z = b.ins().iconst(I64, 0);
        b.def_var(i, z);
        b.ins().jump(header, &[]);
        b.switch_to_block(header);
        let (iv, nv) = (b.use_var(i), b.use_var(n));
        let c = b.ins().icmp(IntCC::SignedLessThan, iv, nv);
        b.ins().brif(c, body, &[], exit, &[]);
        b.switch_to_block(body);
        b.seal_block(body);
        let iv = b.use_var(i);
        let nv = b.use_var(n);
        let i2 = b.ins().iadd_imm(iv, 1);
        let _ = b.ins().iadd(i2, nv);
        b.def_var(i, i2);
        b.ins().jump(header, &[]);
        if seal_late {
            b.switch_to_block(exit);
            b.seal_block(exit);
            let r = b.use_var(n);
            b.ins().return_(&[r]);
            b.seal_block(header);
        } else {
            b.seal_block(header);
            b.switch_to_block(exit);
            b.seal_block(exit);
            let r = b.use_var(n);
            b.ins().return_(&[r]);
        }
        b.finish().unwrap();
        assert_eq!(count_params(&func, header), 1, "only `i` changes in the loop");
        assert_eq!(count_params(&func, exit), 0);
        check_structure(&func);
        // The value returned is the function parameter itself.
        let ret = func.layout.last_inst(exit).unwrap();
        assert_eq!(func.dfg.inst_args(ret), &[p]);
    }
}

/// Three nested loops, all sealed only at the very end; the variable is read in the
/// innermost body and never assigned after the entry. Every temporary parameter must
/// cascade away.
#[test]
fn nested_loops_sealed_late_leave_no_parameters() {
    let mut func = Function::new_test("nest", sig(&[I32], &[I32]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    let v = b.declare_var(I32);
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry)[0];
    b.def_var(v, p);
    let headers: Vec<Block> = (0..3).map(|_| b.create_block()).collect();
    let exits: Vec<Block> = (0..3).map(|_| b.create_block()).collect();
    b.ins().jump(headers[0], &[]);
    for d in 0..3 {
        b.switch_to_block(headers[d]);
        let x = b.use_var(v);
        let next = if d < 2 { headers[d + 1] } else { headers[d] };
        b.ins().brif(x, next, &[], exits[d], &[]);
    }
    for d in (0..3).rev() {
        b.switch_to_block(exits[d]);
        if d == 0 {
            let x = b.use_var(v);
            b.ins().return_(&[x]);
        } else {
            b.ins().jump(headers[d - 1], &[]);
        }
    }
    b.seal_all_blocks();
    b.finish().unwrap();
    for &h in &headers {
        assert_eq!(count_params(&func, h), 0, "{h} kept a parameter");
    }
    check_structure(&func);
}

#[test]
fn use_before_definition_is_zero_of_the_type_in_the_entry_block() {
    for ty in [I8, I16, I32, I64, I128, F32, F64, I32X4, F64X2] {
        let mut func = Function::new_test("undef", sig(&[], &[ty]));
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let entry = b.create_block();
        let var = b.declare_var(ty);
        b.switch_to_block(entry);
        // Unsealed entry first: the temporary parameter must go when it is sealed.
        let v = b.use_var(var);
        b.ins().return_(&[v]);
        b.seal_block(entry);
        b.finish().unwrap();
        assert_eq!(count_params(&func, entry), 0);
        check_structure(&func);
        let ret = func.layout.last_inst(entry).unwrap();
        let r = func.dfg.inst_args(ret)[0];
        assert_eq!(func.dfg.value_type(r), ty);
        let def = func.dfg.value_inst(r).unwrap();
        let expected = if ty.is_vector() {
            Opcode::Vconst
        } else if ty == F32 {
            Opcode::F32const
        } else if ty == F64 {
            Opcode::F64const
        } else if ty == I128 {
            Opcode::Uextend
        } else {
            Opcode::Iconst
        };
        assert_eq!(func.dfg.insts[def].opcode(), expected, "{ty}");
        assert_eq!(func.layout.inst_block(def), Some(entry));
        if let Some(imm) = func.dfg.insts[def].imm64() {
            assert_eq!(imm.bits(), 0);
        }
    }
}

#[test]
fn use_on_one_path_only_merges_with_zero() {
    let mut func = Function::new_test("partial", sig(&[I32], &[I32]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let [entry, then_b, merge] = [(); 3].map(|_| b.create_block());
    let a = b.declare_var(I32);
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry)[0];
    b.ins().brif(p, then_b, &[], merge, &[]);
    b.switch_to_block(then_b);
    b.seal_block(then_b);
    let seven = b.ins().iconst(I32, 7);
    b.def_var(a, seven);
    b.ins().jump(merge, &[]);
    b.switch_to_block(merge);
    b.seal_block(merge);
    let v = b.use_var(a);
    b.ins().return_(&[v]);
    b.finish().unwrap();
    assert_eq!(count_params(&func, merge), 1);
    check_structure(&func);
}

#[test]
fn unreachable_block_reads_zero_in_itself() {
    let mut func = Function::new_test("dead", sig(&[I64], &[I64]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let [entry, dead] = [(); 2].map(|_| b.create_block());
    let a = b.declare_var(I64);
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry)[0];
    b.def_var(a, p);
    b.ins().return_(&[p]);
    b.switch_to_block(dead);
    b.seal_block(dead);
    let v = b.use_var(a);
    b.ins().return_(&[v]);
    b.finish().unwrap();
    check_structure(&func);
    let def = func.dfg.value_inst(func.dfg.inst_args(func.layout.last_inst(dead).unwrap())[0]).unwrap();
    assert_eq!(func.layout.inst_block(def), Some(dead));
    assert_eq!(func.dfg.insts[def].opcode(), Opcode::Iconst);
}

/// A ring of single-predecessor blocks nobody enters (read after everything is sealed),
/// and a self loop nobody enters (read while unsealed).
#[test]
fn unreachable_cycles_terminate() {
    let mut func = Function::new_test("ring", sig(&[], &[I32]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let [entry, r0, r1, out, s] = [(); 5].map(|_| b.create_block());
    let a = b.declare_var(I32);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let z = b.ins().iconst(I32, 0);
    b.ins().return_(&[z]);
    b.switch_to_block(r0);
    b.ins().jump(r1, &[]);
    b.switch_to_block(r1);
    let c = b.ins().iconst(I32, 1);
    b.ins().brif(c, r0, &[], out, &[]);
    b.seal_block(r0);
    b.seal_block(r1);
    b.switch_to_block(out);
    b.seal_block(out);
    let v = b.use_var(a); // out <- r1 <- r0 <- r1: a ring
    b.ins().return_(&[v]);
    b.switch_to_block(s);
    let v = b.use_var(a);
    let w = b.ins().iadd_imm(v, 1);
    b.def_var(a, w);
    b.ins().jump(s, &[]);
    b.seal_block(s);
    b.finish().unwrap();
    check_structure(&func);
    assert_eq!(
        count_params(&func, s),
        0,
        "one operand besides itself: trivial (unreachable code may then read its own result)"
    );
}

/// A chain of 50,000 blocks, then a read at the end: the lookup walks the whole chain
/// without recursion. Then the same chain left unsealed until the end, so that every
/// block gets a temporary parameter that the final sealing removes.
#[test]
fn very_deep_cfgs_do_not_overflow_the_stack() {
    for seal_early in [true, false] {
        let depth = 50_000;
        let mut func = Function::new_test("deep", sig(&[I32], &[I32]));
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let a = b.declare_var(I32);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let p = b.block_params(entry)[0];
        b.def_var(a, p);
        let mut prev = entry;
        let mut last = entry;
        for _ in 0..depth {
            let blk = b.create_block();
            b.switch_to_block(prev);
            b.ins().jump(blk, &[]);
            b.switch_to_block(blk);
            if seal_early {
                b.seal_block(blk);
            } else {
                // Read in every block while unsealed: each read adds a temporary parameter.
                b.use_var(a);
            }
            prev = blk;
            last = blk;
        }
        b.switch_to_block(last);
        let v = b.use_var(a);
        b.ins().return_(&[v]);
        // Seal from the end backwards: each sealing asks the still unsealed block before it.
        for i in (0..b.func.dfg.num_blocks()).rev() {
            b.seal_block(Block::from_u32(i as u32));
        }
        b.finish().unwrap();
        let ret = func.layout.last_inst(last).unwrap();
        assert_eq!(func.dfg.inst_args(ret), &[p]);
        assert!(func.layout.blocks().all(|blk| blk == entry || func.dfg.block_params(blk).is_empty()));
    }
}

#[test]
fn finish_reports_unfilled_and_unsealed_blocks() {
    let mut func = Function::new_test("f", sig(&[], &[]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.switch_to_block(entry);
    b.seal_block(entry);
    b.ins().iconst(I32, 1);
    assert_eq!(b.finish(), Err(FrontendError::UnfilledBlock(entry)));

    let mut func = Function::new_test("g", sig(&[], &[]));
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    let next = b.create_block();
    b.switch_to_block(entry);
    b.seal_block(entry);
    b.ins().jump(next, &[]);
    // `next` is branched to but never built.
    assert_eq!(b.finish(), Err(FrontendError::UnfilledBlock(next)));

    let mut func = Function::new_test("h", sig(&[], &[]));
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.switch_to_block(entry);
    b.ins().return_(&[]);
    assert_eq!(b.finish(), Err(FrontendError::UnsealedBlock(entry)));
}

#[test]
fn variable_errors_are_typed() {
    let mut func = Function::new_test("f", sig(&[], &[]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let var = b.declare_var(I64);
    let entry = b.create_block();
    assert_eq!(b.try_use_var(var), Err(FrontendError::NoCurrentBlock));
    b.switch_to_block(entry);
    let small = b.ins().iconst(I32, 1);
    assert_eq!(
        b.try_def_var(var, small),
        Err(FrontendError::TypeMismatch { var, expected: I64, value: small, found: I32 })
    );
    let mut other_ctx = FunctionBuilderContext::new();
    let mut other_func = Function::new_test("g", sig(&[], &[]));
    let mut other = FunctionBuilder::new(&mut other_func, &mut other_ctx);
    other.declare_var(I32);
    let foreign = other.declare_var(I32);
    assert_eq!(b.try_use_var(foreign), Err(FrontendError::UndeclaredVariable(foreign)));
    assert_eq!(b.var_type(var), Some(I64));
}

#[test]
#[should_panic(expected = "already sealed")]
fn branching_to_a_sealed_block_panics() {
    let mut func = Function::new_test("f", sig(&[], &[]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let [entry, next] = [(); 2].map(|_| b.create_block());
    b.seal_block(next);
    b.switch_to_block(entry);
    b.ins().jump(next, &[]);
}

#[test]
#[should_panic(expected = "already ends with a terminator")]
fn building_after_the_terminator_panics() {
    let mut func = Function::new_test("f", sig(&[], &[]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.switch_to_block(entry);
    b.ins().return_(&[]);
    b.ins().iconst(I32, 0);
}

#[test]
#[should_panic(expected = "has type i64, but")]
fn def_var_with_the_wrong_type_panics_with_a_clear_message() {
    let mut func = Function::new_test("f", sig(&[], &[]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let var = b.declare_var(I64);
    let entry = b.create_block();
    b.switch_to_block(entry);
    let small = b.ins().iconst(I32, 1);
    b.def_var(var, small);
}

#[test]
fn source_locations_apply_to_later_instructions() {
    let mut func = Function::new_test("f", sig(&[], &[I32]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.switch_to_block(entry);
    b.seal_block(entry);
    let a = b.ins().iconst(I32, 1);
    b.set_srcloc(SourceLoc::new(0x12));
    let c = b.ins().iadd(a, a);
    let ret = b.ins().return_(&[c]);
    b.finish().unwrap();
    let ia = func.dfg.value_inst(a).unwrap();
    let ic = func.dfg.value_inst(c).unwrap();
    assert!(func.srclocs[ia].is_default());
    assert_eq!(func.srclocs[ic], SourceLoc::new(0x12));
    assert_eq!(func.srclocs[ret], SourceLoc::new(0x12));
}

/// `brif` to the same block on both sides and a `br_table` listing one block many times:
/// one predecessor edge each, and every destination gets the argument.
#[test]
fn repeated_destinations_get_the_argument_on_every_edge() {
    let mut func = Function::new_test("f", sig(&[I32], &[I32]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let [entry, mid, merge, other] = [(); 4].map(|_| b.create_block());
    let a = b.declare_var(I32);
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry)[0];
    b.def_var(a, p);
    b.ins().brif(p, mid, &[], mid, &[]);
    b.switch_to_block(mid);
    b.seal_block(mid);
    let one = b.ins().iconst(I32, 1);
    b.def_var(a, one);
    let mut sw = lathe_frontend::Switch::new();
    for i in 0..6 {
        sw.set_entry(i, merge);
    }
    sw.emit(&mut b, p, other);
    b.switch_to_block(other);
    b.seal_block(other);
    let two = b.ins().iconst(I32, 2);
    b.def_var(a, two);
    b.ins().jump(merge, &[]);
    b.switch_to_block(merge);
    b.seal_block(merge);
    let v: Value = b.use_var(a);
    b.ins().return_(&[v]);
    assert_eq!(b.predecessors(mid).count(), 1);
    b.finish().unwrap();
    assert_eq!(count_params(&func, merge), 1);
    check_structure(&func);
    assert!(func.layout.blocks().any(|blk| {
        let last = func.layout.last_inst(blk).unwrap();
        func.dfg.insts[last].opcode() == Opcode::BrTable
    }));
}

#[test]
fn finish_can_run_the_verifier() {
    let mut func = Function::new_test("f", sig(&[], &[I32]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    b.set_verify_on_finish(true);
    let entry = b.create_block();
    b.switch_to_block(entry);
    b.seal_block(entry);
    let wide = b.ins().iconst(I64, 1);
    b.ins().return_(&[wide]); // the signature says i32
    match b.finish() {
        Err(FrontendError::Verifier(errs)) => assert!(!errs.0.is_empty()),
        other => panic!("expected a verifier error, got {other:?}"),
    }
}

/// Regression: a variable read and then reassigned in an unsealed loop header. Completing
/// the header's parameter at sealing must not make the header's value of the variable
/// the parameter again: after the loop, the reassigned value is what counts.
#[test]
fn sealing_keeps_a_definition_made_after_a_use_in_the_same_block() {
    use lathe_codegen::data_value::DataValue;
    use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter};
    // a = 0; loop { a = a + 1; if a == 3 break }; return a  (header sealed last)
    let mut func = Function::new_test("f", sig(&[], &[I64]));
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let [entry, header, exit] = [(); 3].map(|_| b.create_block());
    let a = b.declare_var(I64);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let z = b.ins().iconst(I64, 0);
    b.def_var(a, z);
    b.ins().jump(header, &[]);
    b.switch_to_block(header);
    let x = b.use_var(a);
    let x1 = b.ins().iadd_imm(x, 1);
    b.def_var(a, x1);
    let done = b.ins().icmp_imm(IntCC::Equal, x1, 3);
    b.ins().brif(done, exit, &[], header, &[]);
    b.switch_to_block(exit);
    b.seal_block(exit);
    let r = b.use_var(a);
    b.ins().return_(&[r]);
    b.seal_block(header);
    b.finish().unwrap();
    check_structure(&func);
    let mut store = FunctionStore::new();
    store.add(&func);
    let out = Interpreter::new(store).call_by_name("f", &[]);
    assert_eq!(out, Ok(CallOutcome::Return(vec![DataValue::I64(3)])));
}
