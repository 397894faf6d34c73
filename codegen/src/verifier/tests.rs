//! Tests of the verifier: valid functions pass; each class of error is reported at the
//! right entity with a message that names what is wrong; garbage never panics.

use super::*;
use crate::ir::types::*;
use crate::ir::{
    AbiParam, ArgumentPurpose, ExtFuncData, ExternalName, FuncCursor, GlobalValueData, Imm64, InstBuilder,
    InstructionData, IntCC, JumpTableData, MemFlags, Offset32, Opcode, Signature, StackSlotData, StackSlotKind,
    TrapCode, Type,
};

mod garbage;

fn sig(params: &[Type], returns: &[Type]) -> Signature {
    let mut s = Signature::default();
    s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    s.returns.extend(returns.iter().map(|&t| AbiParam::new(t)));
    s
}

/// A function with the given signature, an entry block whose parameters match it, and
/// `extra` more blocks in the layout. Returns the blocks and the entry parameters.
fn func_with(params: &[Type], returns: &[Type], extra: usize) -> (Function, Vec<Block>, Vec<Value>) {
    let mut func = Function::new_test("t", sig(params, returns));
    let blocks: Vec<Block> = (0..=extra).map(|_| func.dfg.make_block()).collect();
    for &b in &blocks {
        func.layout.append_block(b);
    }
    let vals = params.iter().map(|&t| func.dfg.append_block_param(blocks[0], t)).collect();
    (func, blocks, vals)
}

fn errors(func: &Function) -> VerifierErrors {
    match verify_function(func) {
        Ok(()) => panic!("expected verifier errors, got none"),
        Err(e) => e,
    }
}

fn assert_valid(func: &Function) {
    if let Err(e) = verify_function(func) {
        panic!("expected a valid function, got:\n{e}");
    }
}

/// Asserts that some error is at `loc` and its message contains `needle`.
fn assert_error(func: &Function, loc: AnyEntity, needle: &str) -> VerifierErrors {
    let errs = errors(func);
    assert!(
        errs.0.iter().any(|e| e.location == loc && e.message.contains(needle)),
        "no error at {loc} containing {needle:?}; got:\n{errs}"
    );
    errs
}

/// Appends raw instruction data to the end of `block` with results of `result_types`.
fn raw(func: &mut Function, block: Block, data: InstructionData, result_types: &[Type]) -> Inst {
    let inst = func.dfg.make_inst(data);
    for &t in result_types {
        func.dfg.append_result(inst, t);
    }
    func.layout.append_inst(inst, block);
    inst
}

// ---- Valid functions ----

#[test]
fn valid_loop() {
    let (mut func, b, v) = func_with(&[I32], &[I32], 2);
    func.dfg.append_block_param(b[1], I32);
    let n = func.dfg.block_params(b[1])[0];
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    cur.ins().jump(b[1], &[v[0]]);
    cur.goto_bottom(b[1]);
    let m = cur.ins().iadd_imm(n, -1);
    cur.ins().brif(m, b[1], &[m], b[2], &[]);
    cur.goto_bottom(b[2]);
    cur.ins().return_(&[n]);
    assert_valid(&func);
}

#[test]
fn valid_diamond_with_join_parameter() {
    let (mut func, b, v) = func_with(&[I64, I64], &[I64], 3);
    let join = func.dfg.append_block_param(b[3], I64);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let c = cur.ins().icmp(IntCC::SignedLessThan, v[0], v[1]);
    cur.ins().brif(c, b[1], &[], b[2], &[]);
    cur.goto_bottom(b[1]);
    let s = cur.ins().isub(v[1], v[0]);
    cur.ins().jump(b[3], &[s]);
    cur.goto_bottom(b[2]);
    let t = cur.ins().isub(v[0], v[1]);
    cur.ins().jump(b[3], &[t]);
    cur.goto_bottom(b[3]);
    let r = cur.ins().iadd(join, v[0]);
    cur.ins().return_(&[r]);
    assert_valid(&func);
}

#[test]
fn valid_unreachable_blocks() {
    // block1 and block2 are unreachable; block2 uses a value of block1 and jumps back into
    // reachable code. Only definedness is required there.
    let (mut func, b, v) = func_with(&[I32], &[I32], 3);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    cur.ins().jump(b[3], &[]);
    cur.goto_bottom(b[2]);
    let late = cur.ins().iconst(I32, 1);
    cur.ins().trap(TrapCode::User(1));
    cur.goto_bottom(b[1]);
    let x = cur.ins().iadd(late, v[0]);
    let _ = x;
    cur.ins().jump(b[3], &[]);
    cur.goto_bottom(b[3]);
    cur.ins().return_(&[v[0]]);
    assert_valid(&func);
}

#[test]
fn valid_calls_and_tail_calls() {
    let (mut func, b, v) = func_with(&[I64, I32], &[I32], 0);
    let callee_sig = func.import_signature(sig(&[I32], &[I32]));
    let f = func.import_function(ExtFuncData {
        name: ExternalName::TestCase("callee".into()),
        signature: callee_sig,
        colocated: true,
    });
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let call = cur.ins().call(f, &[v[1]]);
    let r = cur.func.dfg.inst_results(call)[0];
    let addr = cur.ins().func_addr(I64, f);
    let ind = cur.ins().call_indirect(callee_sig, addr, &[r]);
    let r2 = cur.func.dfg.inst_results(ind)[0];
    cur.ins().return_call(f, &[r2]);
    assert_valid(&func);
    let _ = v[0];
}

#[test]
fn valid_br_table() {
    let (mut func, b, v) = func_with(&[I32], &[I32], 3);
    let p = func.dfg.append_block_param(b[3], I32);
    let d = func.dfg.block_call(b[3], &[v[0]]);
    let e0 = func.dfg.block_call(b[1], &[]);
    let e1 = func.dfg.block_call(b[2], &[]);
    let jt = func.dfg.make_jump_table(JumpTableData::new(d, &[e0, e1]));
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    cur.ins().br_table(v[0], jt);
    cur.goto_bottom(b[1]);
    let one = cur.ins().iconst(I32, 1);
    cur.ins().jump(b[3], &[one]);
    cur.goto_bottom(b[2]);
    cur.ins().trapz(v[0], TrapCode::IntegerDivisionByZero);
    cur.ins().jump(b[3], &[v[0]]);
    cur.goto_bottom(b[3]);
    cur.ins().return_(&[p]);
    assert_valid(&func);
}

#[test]
fn valid_memory_globals_and_vectors() {
    let mut s = sig(&[I64], &[I32]);
    s.params[0] = AbiParam::special(I64, ArgumentPurpose::VMContext);
    let mut func = Function::new_test("m", s);
    let b0 = func.dfg.make_block();
    func.layout.append_block(b0);
    let vmctx = func.dfg.append_block_param(b0, I64);
    let ss = func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
    let gv0 = func.create_global_value(GlobalValueData::VMContext);
    let gv1 = func.create_global_value(GlobalValueData::Load {
        base: gv0,
        offset: Offset32(8),
        global_type: I64,
        flags: MemFlags::trusted(),
    });
    let gv2 = func.create_global_value(GlobalValueData::IAddImm { base: gv1, offset: Imm64(16), global_type: I64 });
    let gv3 = func.create_global_value(GlobalValueData::Symbol {
        name: ExternalName::TestCase("sym".into()),
        offset: Imm64(0),
        colocated: false,
        tls: false,
    });
    let c = func.dfg.make_constant((0u8..16).collect());
    let mask = func.dfg.make_constant((0u8..16).map(|i| i * 2).collect());
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b0);
    let heap = cur.ins().global_value(I64, gv2);
    let _sym = cur.ins().symbol_value(I64, gv3);
    let x = cur.ins().load(I32, MemFlags::trusted(), heap, 4);
    cur.ins().store(MemFlags::new(), x, vmctx, 0);
    cur.ins().istore8(MemFlags::new(), x, heap, 1);
    let y = cur.ins().uload8(I32, MemFlags::new(), heap, 0);
    cur.ins().stack_store(y, ss, 12);
    let z = cur.ins().stack_load(I64, ss, 8);
    let _ = z;
    let vec = cur.ins().vconst(I8X16, c);
    let sh = cur.ins().shuffle(vec, vec, mask);
    let lane = cur.ins().extractlane(sh, 15);
    let wide = cur.ins().uextend(I32, lane);
    let m = cur.ins().iconst(I8, 255);
    let n = cur.ins().iconst(I8, -128);
    let sel = cur.ins().select(m, wide, y);
    let _ = n;
    cur.ins().return_(&[sel]);
    assert_valid(&func);
}

// ---- Structure ----

#[test]
fn empty_function_and_empty_block() {
    let func = Function::new_test("e", Signature::default());
    assert_error(&func, AnyEntity::Function, "function has no blocks");
    let (func, b, _) = func_with(&[], &[], 0);
    assert_error(&func, AnyEntity::Block(b[0]), "is empty");
}

#[test]
fn missing_and_misplaced_terminators() {
    let (mut func, b, _) = func_with(&[], &[], 0);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let ret = cur.ins().return_(&[]);
    let c = cur.ins().iconst(I32, 3);
    let last = func.dfg.value_inst(c).unwrap();
    let errs = assert_error(&func, AnyEntity::Inst(ret), "terminator return is not the last instruction of block0");
    assert!(errs.0.iter().any(|e| e.location == AnyEntity::Inst(last)
        && e.message.contains("does not end with a terminator: its last instruction is iconst")
        && e.context.as_deref() == Some("v0 = iconst.i32 3")));
}

#[test]
fn format_mismatch() {
    let (mut func, b, v) = func_with(&[I32], &[], 0);
    let bad = raw(&mut func, b[0], InstructionData::Unary { opcode: Opcode::Iadd, arg: v[0] }, &[I32]);
    raw(&mut func, b[0], InstructionData::MultiAry { opcode: Opcode::Return, args: Default::default() }, &[]);
    assert_error(&func, AnyEntity::Inst(bad), "instruction data has format Unary, but iadd has format Binary");
}

#[test]
fn layout_entries_that_do_not_exist() {
    let (mut func, b, _) = func_with(&[], &[], 0);
    func.layout.append_inst(Inst::from_u32(40), b[0]);
    func.layout.append_block(Block::from_u32(9));
    let errs = errors(&func);
    assert!(errs.0.iter().any(|e| e.message.contains("contains inst40, which does not exist")));
    assert!(
        errs.0
            .iter()
            .any(|e| e.location == AnyEntity::Block(Block::from_u32(9)) && e.message.contains("does not exist"))
    );
}

#[test]
fn entry_parameters_must_match_signature() {
    let (mut func, b, _) = func_with(&[I32], &[], 0);
    func.signature.params.push(AbiParam::new(I64));
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    cur.ins().return_(&[]);
    assert_error(&func, AnyEntity::Block(b[0]), "entry block has 1 parameters, but the function signature has 2");
    func.signature.params.truncate(1);
    func.signature.params[0] = AbiParam::new(F32);
    assert_error(
        &func,
        AnyEntity::Block(b[0]),
        "entry block parameter 0 (v0) has type i32, but the function signature says f32",
    );
}

// ---- Entity references ----

#[test]
fn bad_value_references() {
    let (mut func, b, v) = func_with(&[I32], &[], 0);
    func.dfg.ensure_values(4);
    let placeholder = Value::from_u32(3);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let x = cur.ins().iadd(v[0], Value::from_u32(99));
    let y = cur.ins().iadd(v[0], placeholder);
    cur.ins().return_(&[]);
    let (ix, iy) = (func.dfg.value_inst(x).unwrap(), func.dfg.value_inst(y).unwrap());
    let errs = assert_error(&func, AnyEntity::Inst(ix), "uses v99, which does not exist");
    assert!(
        errs.0
            .iter()
            .any(|e| e.location == AnyEntity::Inst(iy) && e.message.contains("uses v3, which is never defined"))
    );
}

#[test]
fn alias_cycles_and_alias_types() {
    let (mut func, b, v) = func_with(&[I32], &[], 0);
    func.dfg.ensure_values(5);
    let (a1, a2, a3, p) = (Value::from_u32(1), Value::from_u32(2), Value::from_u32(3), Value::from_u32(4));
    func.dfg.make_alias(a1, a2);
    func.dfg.make_alias(a2, a1);
    // a3 aliases a placeholder (type unknown), which later becomes an i64 result.
    func.dfg.make_alias(a3, p);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let use_cycle = cur.ins().iadd(a1, v[0]);
    let inst = cur.func.dfg.make_inst(InstructionData::UnaryImm { opcode: Opcode::Iconst, imm: Imm64(0) });
    cur.func.dfg.attach_result(inst, p, I64);
    cur.insert_inst(inst);
    cur.ins().return_(&[]);
    let errs = assert_error(&func, AnyEntity::Value(a1), "is an alias in a cycle of aliases");
    assert!(errs.0.iter().any(|e| e.location == AnyEntity::Value(a3) && e.message.contains("has type")));
    // The use of the cyclic alias is reported once, at the alias, not again at the use.
    let use_inst = func.dfg.value_inst(use_cycle).unwrap();
    assert!(!errs.0.iter().any(|e| e.location == AnyEntity::Inst(use_inst)));
}

#[test]
fn bad_block_and_table_references() {
    let (mut func, b, v) = func_with(&[I32], &[], 1);
    let outside = func.dfg.make_block();
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let br = cur.ins().brif(v[0], outside, &[], Block::from_u32(70), &[]);
    cur.goto_bottom(b[1]);
    let bt = cur.ins().br_table(v[0], JumpTable::from_u32(5));
    let errs = assert_error(&func, AnyEntity::Inst(br), "branches to block2, which is not in the layout");
    assert!(
        errs.0.iter().any(|e| e.location == AnyEntity::Inst(br) && e.message.contains("block70, which does not exist"))
    );
    assert!(
        errs.0
            .iter()
            .any(|e| e.location == AnyEntity::Inst(bt) && e.message.contains("uses jt5, which does not exist"))
    );
}

#[test]
fn bad_preamble_references() {
    let (mut func, b, _) = func_with(&[], &[], 0);
    let f = func.import_function(ExtFuncData {
        name: ExternalName::User { namespace: 0, index: 1 },
        signature: SigRef::from_u32(3),
        colocated: false,
    });
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let s = cur.ins().stack_addr(I64, StackSlot::from_u32(2), 0);
    let g = cur.ins().global_value(I64, GlobalValue::from_u32(4));
    let k = cur.ins().vconst(I8X16, crate::ir::Constant::from_u32(1));
    let missing_fn = cur.ins().func_addr(I64, FuncRef::from_u32(6));
    let c = cur.ins().iconst(I64, 0);
    let ci = cur.ins().call_indirect(SigRef::from_u32(8), c, &[]);
    let call = cur.ins().call(f, &[]);
    cur.ins().return_(&[]);
    let at = |v: Value| AnyEntity::Inst(func.dfg.value_inst(v).unwrap());
    let errs = assert_error(&func, AnyEntity::FuncRef(f), "fn0 uses sig3, which does not exist");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(at(s), "uses ss2, which does not exist"));
    assert!(has(at(g), "uses gv4, which does not exist"));
    assert!(has(at(k), "uses const1, which does not exist"));
    assert!(has(at(missing_fn), "uses fn6, which does not exist"));
    assert!(has(AnyEntity::Inst(ci), "uses sig8, which does not exist"));
    // The call through fn0 is not reported again: its fault is in the preamble.
    assert!(!errs.0.iter().any(|e| e.location == AnyEntity::Inst(call)));
}

#[test]
fn results_must_be_recorded() {
    let (mut func, b, _) = func_with(&[], &[], 0);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let x = cur.ins().iconst(I32, 1);
    let y = cur.ins().iconst(I32, 2);
    cur.ins().return_(&[]);
    let ix = func.dfg.value_inst(x).unwrap();
    // `x` stays in inst0's result list but now names something else.
    func.dfg.make_alias(x, y);
    assert_error(&func, AnyEntity::Inst(ix), "result 0 (v0) is not recorded as defined by inst0");
}

// ---- Types ----

#[test]
fn operand_and_controlling_types() {
    let (mut func, b, v) = func_with(&[I32, I64, F32], &[], 0);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let bad_arg = cur.ins().iadd(v[0], v[1]);
    let bad_ctrl = cur.ins().fadd(v[0], v[0]);
    let bad_cast = cur.ins().bitcast(I64, MemFlags::new(), v[0]);
    let bad_select = cur.ins().select(v[2], v[0], v[0]);
    cur.ins().return_(&[]);
    let at = |v: Value| AnyEntity::Inst(func.dfg.value_inst(v).unwrap());
    let errs = assert_error(&func, at(bad_arg), "operand 1 (v1) has type i64, but iadd needs i32");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(at(bad_ctrl), "controlling type i32 of fadd is not a float or float vector type"));
    assert!(has(at(bad_cast), "operand 0 (v0) has type i32, but bitcast needs a type of 64 bits"));
    assert!(has(at(bad_select), "operand 0 (v2) has type f32, but select needs an integer"));
}

#[test]
fn result_types_and_counts() {
    let (mut func, b, v) = func_with(&[I32], &[], 0);
    let wrong_ty = raw(&mut func, b[0], InstructionData::Binary { opcode: Opcode::Iadd, args: [v[0], v[0]] }, &[I64]);
    let wrong_n = raw(&mut func, b[0], InstructionData::Binary { opcode: Opcode::Isub, args: [v[0], v[0]] }, &[]);
    let no_ctrl = raw(&mut func, b[0], InstructionData::UnaryImm { opcode: Opcode::Iconst, imm: Imm64(0) }, &[]);
    raw(&mut func, b[0], InstructionData::MultiAry { opcode: Opcode::Return, args: Default::default() }, &[]);
    let errs = assert_error(&func, AnyEntity::Inst(wrong_ty), "result 0 (v1) has type i64, but iadd produces i32");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(AnyEntity::Inst(wrong_n), "isub has 0 results, but should have 1"));
    assert!(has(AnyEntity::Inst(no_ctrl), "iconst has no controlling type"));
}

#[test]
fn narrow_memory_and_immediates() {
    let (mut func, b, v) = func_with(&[I64, I8, I32], &[], 0);
    let mut_c = func.dfg.make_constant(vec![0; 8]);
    let short_mask = func.dfg.make_constant(vec![0; 15]);
    let far_mask = func.dfg.make_constant((0u8..16).map(|i| if i == 5 { 40 } else { i }).collect());
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let l8 = cur.ins().uload8(I8, MemFlags::new(), v[0], 0);
    let l32 = cur.ins().sload32(I32, MemFlags::new(), v[0], 0);
    let s8 = cur.ins().istore8(MemFlags::new(), v[1], v[0], 0);
    let big = cur.ins().iconst(I8, 256);
    let neg = cur.ins().iconst(I16, -40000);
    let vec = cur.ins().vconst(I32X4, mut_c);
    let lane = cur.ins().extractlane(vec, 4);
    let ins = cur.ins().insertlane(vec, v[2], 7);
    let sh1 = cur.ins().shuffle(v[0], v[0], short_mask);
    let _ = sh1;
    let bytes = cur.func.dfg.make_constant(vec![0; 16]);
    let bv = cur.ins().vconst(I8X16, bytes);
    let sh2 = cur.ins().shuffle(bv, bv, far_mask);
    let sh3 = cur.ins().shuffle(bv, bv, short_mask);
    cur.ins().return_(&[]);
    let at = |v: Value| AnyEntity::Inst(func.dfg.value_inst(v).unwrap());
    let errs = assert_error(&func, at(l8), "uload8 result type i8 must be wider than 8 bits");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(at(l32), "sload32 result type i32 must be wider than 32 bits"));
    assert!(has(AnyEntity::Inst(s8), "istore8 stored value type i8 must be wider than 8 bits"));
    assert!(has(at(big), "immediate 256 does not fit in i8"));
    assert!(has(at(neg), "immediate -40000 does not fit in i16"));
    assert!(has(at(vec), "constant const0 has 8 bytes, but i32x4 needs 16"));
    assert!(has(at(lane), "lane index 4 is out of range for i32x4, which has 4 lanes"));
    assert!(has(at(ins), "lane index 7 is out of range for i32x4"));
    assert!(has(at(sh2), "shuffle mask const2 byte 5 is 40"));
    assert!(has(at(sh3), "shuffle mask const1 has 15 bytes, but must have 16"));
}

#[test]
fn memory_flags_and_trap_codes() {
    let (mut func, b, v) = func_with(&[I64], &[], 1);
    let mut both = MemFlags::new();
    assert!(both.set_by_name("little") && both.set_by_name("big"));
    let bad_code = MemFlags::new().with_trap_code(Some(TrapCode::User(251)));
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let l = cur.ins().load(I32, both, v[0], 0);
    let l2 = cur.ins().load(I32, bad_code, v[0], 0);
    let t = cur.ins().trapnz(v[0], TrapCode::User(0));
    cur.ins().jump(b[1], &[]);
    cur.goto_bottom(b[1]);
    let t2 = cur.ins().trap(TrapCode::User(250));
    let at = |v: Value| AnyEntity::Inst(func.dfg.value_inst(v).unwrap());
    let errs = assert_error(&func, at(l), "memory flags cannot be both little and big endian");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(at(l2), "invalid trap code user251"));
    assert!(has(AnyEntity::Inst(t), "invalid trap code user0"));
    assert!(!errs.0.iter().any(|e| e.location == AnyEntity::Inst(t2)));
}

#[test]
fn stack_slot_bounds() {
    let (mut func, b, v) = func_with(&[I64], &[], 0);
    let ss = func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 0));
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let ok = cur.ins().stack_load(I64, ss, 8);
    let past = cur.ins().stack_load(I64, ss, 12);
    let neg = cur.ins().stack_store(v[0], ss, -1);
    cur.ins().return_(&[]);
    let _ = ok;
    let at = |v: Value| AnyEntity::Inst(func.dfg.value_inst(v).unwrap());
    let errs = assert_error(&func, at(past), "stack_load of 8 bytes at offset 12 is outside ss0, which has 16 bytes");
    assert!(
        errs.0.iter().any(|e| e.location == AnyEntity::Inst(neg) && e.message.contains("at offset -1 is outside ss0"))
    );
    assert_eq!(errs.0.len(), 2, "{errs}");
}

#[test]
fn global_value_cycles_and_types() {
    let mut s = sig(&[I64], &[]);
    s.params[0] = AbiParam::special(I64, ArgumentPurpose::VMContext);
    let mut func = Function::new_test("g", s);
    let b0 = func.dfg.make_block();
    func.layout.append_block(b0);
    func.dfg.append_block_param(b0, I64);
    let vm = func.create_global_value(GlobalValueData::VMContext);
    let c0 = GlobalValue::from_u32(1);
    let c1 = GlobalValue::from_u32(2);
    func.create_global_value(GlobalValueData::Load {
        base: c1,
        offset: Offset32(0),
        global_type: I64,
        flags: MemFlags::new(),
    });
    func.create_global_value(GlobalValueData::IAddImm { base: c0, offset: Imm64(4), global_type: I64 });
    let narrow = func.create_global_value(GlobalValueData::IAddImm { base: vm, offset: Imm64(4), global_type: I32 });
    let f32gv = func.create_global_value(GlobalValueData::Load {
        base: vm,
        offset: Offset32(0),
        global_type: F32,
        flags: MemFlags::new(),
    });
    let through_f32 = func.create_global_value(GlobalValueData::Load {
        base: f32gv,
        offset: Offset32(0),
        global_type: I64,
        flags: MemFlags::new(),
    });
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b0);
    let wrong = cur.ins().global_value(I32, vm);
    let cyc = cur.ins().global_value(I64, c0);
    let not_sym = cur.ins().symbol_value(I64, vm);
    cur.ins().return_(&[]);
    let at = |v: Value| AnyEntity::Inst(func.dfg.value_inst(v).unwrap());
    let errs = assert_error(&func, AnyEntity::GlobalValue(c0), "gv1 is part of a cycle of global value bases");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(AnyEntity::GlobalValue(c1), "part of a cycle"));
    assert!(has(AnyEntity::GlobalValue(narrow), "gv3 has type i32, but its base gv0 has type i64"));
    assert!(has(AnyEntity::GlobalValue(through_f32), "loads through gv4, whose type f32 is not an address type"));
    assert!(has(at(wrong), "global_value has type i32, but gv0 has type i64"));
    assert!(has(at(cyc), "uses gv1, whose chain of bases is invalid"));
    assert!(has(at(not_sym), "symbol_value needs a symbol global value, but gv0 is not one"));
}

// ---- Branches, returns, calls ----

#[test]
fn branch_arguments() {
    let (mut func, b, v) = func_with(&[I32, I64], &[], 3);
    func.dfg.append_block_param(b[1], I32);
    func.dfg.append_block_param(b[2], I32);
    let d = func.dfg.block_call(b[1], &[v[0]]);
    let e = func.dfg.block_call(b[2], &[v[1]]);
    let jt = func.dfg.make_jump_table(JumpTableData::new(d, &[e]));
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let br = cur.ins().brif(v[0], b[1], &[], b[2], &[v[1]]);
    cur.goto_bottom(b[1]);
    let j = cur.ins().jump(b[2], &[v[0], v[0]]);
    cur.goto_bottom(b[2]);
    let t = cur.ins().br_table(v[0], jt);
    cur.goto_bottom(b[3]);
    cur.ins().return_(&[]);
    let errs = assert_error(&func, AnyEntity::Inst(br), "block1 takes 1 arguments, but the branch passes 0");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(AnyEntity::Inst(br), "argument 0 to block2 (v1) has type i64, but the parameter v3 has type i32"));
    assert!(has(AnyEntity::Inst(j), "block2 takes 1 arguments, but the branch passes 2"));
    assert!(has(AnyEntity::Inst(t), "argument 0 to block2 (v1) has type i64"));
}

#[test]
fn returns_and_calls() {
    let (mut func, b, v) = func_with(&[I32, I64, I8], &[I32], 2);
    let callee = func.import_signature(sig(&[I32, I32], &[I64]));
    let f = func.import_function(ExtFuncData {
        name: ExternalName::TestCase("c".into()),
        signature: callee,
        colocated: false,
    });
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let few = cur.ins().call(f, &[v[0]]);
    let wrong_ty = cur.ins().call(f, &[v[0], v[1]]);
    let bad_callee = cur.ins().call_indirect(callee, v[2], &[v[0], v[0]]);
    let c = cur.ins().iconst(I8, 0);
    cur.ins().brif(c, b[1], &[], b[2], &[]);
    cur.goto_bottom(b[1]);
    let ret = cur.ins().return_(&[v[1]]);
    cur.goto_bottom(b[2]);
    let tail = cur.ins().return_call(f, &[v[0], v[0]]);
    let errs = assert_error(&func, AnyEntity::Inst(few), "1 arguments given, but fn0 takes 2 (i32, i32)");
    let has = |loc: AnyEntity, needle: &str| errs.0.iter().any(|e| e.location == loc && e.message.contains(needle));
    assert!(has(AnyEntity::Inst(wrong_ty), "argument 1 (v1) has type i64, but fn0 takes i32"));
    assert!(has(AnyEntity::Inst(bad_callee), "operand 0 (v2) has type i8, but call_indirect needs an address type"));
    assert!(has(AnyEntity::Inst(ret), "return value 0 (v1) has type i64, but the function returns i32"));
    assert!(has(AnyEntity::Inst(tail), "tail call to fn0 returns (i64), but this function returns (i32)"));
}

#[test]
fn return_count() {
    let (mut func, b, v) = func_with(&[I32], &[I32], 0);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let ret = cur.ins().return_(&[v[0], v[0]]);
    assert_error(&func, AnyEntity::Inst(ret), "2 return values given, but the function returns 1 (i32)");
}

// ---- SSA ----

#[test]
fn use_before_definition_in_one_block() {
    let (mut func, b, v) = func_with(&[I32], &[I32], 0);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let x = cur.ins().iadd(v[0], v[0]);
    let ret = cur.ins().return_(&[x]);
    let def = func.dfg.value_inst(x).unwrap();
    // Move the definition after its use.
    func.layout.remove_inst(def);
    func.layout.insert_inst_before(def, ret);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_inst(def);
    let early = cur.ins().iadd(x, v[0]);
    let at = AnyEntity::Inst(func.dfg.value_inst(early).unwrap());
    assert_error(&func, at, "uses v1, whose definition in inst0 does not dominate this use");
}

#[test]
fn use_not_dominated_across_blocks() {
    let (mut func, b, v) = func_with(&[I32], &[I32], 3);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    cur.ins().brif(v[0], b[1], &[], b[2], &[]);
    cur.goto_bottom(b[1]);
    let x = cur.ins().iconst(I32, 1);
    cur.ins().jump(b[3], &[]);
    cur.goto_bottom(b[2]);
    cur.ins().jump(b[3], &[]);
    cur.goto_bottom(b[3]);
    let p = cur.func.dfg.append_block_param(b[1], I32);
    let ret = cur.ins().return_(&[x]);
    let errs = assert_error(&func, AnyEntity::Inst(ret), "whose definition in inst1 does not dominate this use");
    // block1 now has a parameter the brif does not pass; adding a use of it in block3:
    assert!(errs.has_message("block1 takes 1 arguments"));
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_inst(ret);
    let y = cur.ins().iadd(p, p);
    let at = AnyEntity::Inst(func.dfg.value_inst(y).unwrap());
    assert_error(&func, at, "uses v2, a parameter of block1, which does not dominate this use");
}

#[test]
fn definitions_outside_the_layout() {
    let (mut func, b, v) = func_with(&[I32], &[I32], 1);
    let floating = func.dfg.make_inst(InstructionData::Binary { opcode: Opcode::Iadd, args: [v[0], v[0]] });
    func.dfg.make_inst_results(floating, I32);
    let x = func.dfg.inst_results(floating)[0];
    let outside = func.dfg.make_block();
    let q = func.dfg.append_block_param(outside, I32);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let r1 = cur.ins().return_(&[x]);
    // Unreachable block: dominance is not required, but definitions still must be placed.
    cur.goto_bottom(b[1]);
    let r2 = cur.ins().return_(&[q]);
    let errs = assert_error(&func, AnyEntity::Inst(r1), "uses v1, defined by inst0, which is not in the layout");
    assert!(errs.0.iter().any(|e| e.location == AnyEntity::Inst(r2)
        && e.message.contains("uses v2, a parameter of block2, which is not in the layout")));
}

#[test]
fn own_result_use() {
    let (mut func, b, v) = func_with(&[I32], &[], 0);
    let inst = func.dfg.make_inst(InstructionData::Binary { opcode: Opcode::Iadd, args: [v[0], v[0]] });
    func.dfg.make_inst_results(inst, I32);
    let r = func.dfg.inst_results(inst)[0];
    func.dfg.insts[inst] = InstructionData::Binary { opcode: Opcode::Iadd, args: [v[0], r] };
    func.layout.append_inst(inst, b[0]);
    raw(&mut func, b[0], InstructionData::MultiAry { opcode: Opcode::Return, args: Default::default() }, &[]);
    assert_error(&func, AnyEntity::Inst(inst), "uses its own result v1");
}

#[test]
fn block_parameters_must_be_recorded() {
    let (mut func, b, v) = func_with(&[I32], &[], 0);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    cur.ins().return_(&[]);
    // Turn the parameter into an alias of a new value: the block still lists it.
    let inst = func.dfg.make_inst(InstructionData::UnaryImm { opcode: Opcode::Iconst, imm: Imm64(0) });
    func.dfg.make_inst_results(inst, I32);
    let other = func.dfg.inst_results(inst)[0];
    func.dfg.make_alias(v[0], other);
    assert_error(&func, AnyEntity::Block(b[0]), "parameter 0 (v0) is not recorded as defined by block0");
}

#[test]
fn errors_display_one_per_line() {
    let (mut func, b, v) = func_with(&[I32, I64], &[], 0);
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    cur.ins().iadd(v[0], v[1]);
    cur.ins().isub(v[1], v[0]);
    cur.ins().return_(&[]);
    let errs = errors(&func);
    assert_eq!(errs.0.len(), 2);
    let text = errs.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0], "inst0: operand 1 (v1) has type i64, but iadd needs i32 (v2 = iadd v0, v1)");
    assert_eq!(lines[1], "inst1: operand 1 (v0) has type i32, but isub needs i64 (v3 = isub v1, v0)");
    let e: &dyn std::error::Error = &errs;
    assert!(e.to_string().starts_with("inst0:"));
}

#[test]
fn context_text_for_every_format() {
    let (mut func, b, v) = func_with(&[I64, I32], &[], 1);
    let f = func.import_function(ExtFuncData {
        name: ExternalName::TestCase("x".into()),
        signature: SigRef::from_u32(0),
        colocated: false,
    });
    let s0 = func.import_signature(sig(&[I32], &[]));
    let d = func.dfg.block_call(b[1], &[v[1]]);
    let jt = func.dfg.make_jump_table(JumpTableData::new(d, &[d]));
    let mut cur = FuncCursor::new(&mut func);
    cur.goto_bottom(b[0]);
    let l = cur.ins().load(I32, MemFlags::trusted(), v[0], 8);
    cur.ins().store(MemFlags::new(), l, v[0], -4);
    let call = cur.ins().call(f, &[v[1]]);
    let ci = cur.ins().call_indirect(s0, v[0], &[v[1]]);
    let c = cur.ins().icmp_imm(IntCC::Equal, v[1], 7);
    let t = cur.ins().br_table(v[1], jt);
    let _ = c;
    let text = |i: Inst| inst_text(&func, i);
    assert_eq!(text(func.dfg.value_inst(l).unwrap()), "v2 = load.i32 notrap aligned v0+8");
    assert_eq!(text(Inst::from_u32(1)), "store v2, v0-4");
    assert_eq!(text(call), "call fn0(v1)");
    assert_eq!(text(ci), "call_indirect sig0, v0(v1)");
    assert_eq!(text(Inst::from_u32(4)), "v3 = icmp_imm eq v1, 7");
    assert_eq!(text(t), "br_table v1, block1(v1), [block1(v1)]");
    assert_eq!(text(Inst::from_u32(99)), "inst99 (not in the function)");
}
