//! Malformed IR gives typed errors, never a panic: named error cases, and a sweep that
//! runs every opcode in `Opcode::ALL` with operands of every type, including ones the
//! verifier would reject and references to entities that do not exist.

mod common;
use common::*;
use lathe_codegen::ir::immediates::{Ieee16, Ieee32, Ieee64, Imm64, Offset32};
use lathe_codegen::ir::types::*;
use lathe_codegen::ir::{
    AtomicRmwOp, Block, Constant, DataFlowGraph, ExceptionTable, FloatCC, FuncCursor, FuncRef, GlobalValue,
    InstBuilder, InstructionData as D, InstructionFormat as F, IntCC, JumpTable, MemFlags, Opcode, SigRef, StackSlot,
    StackSlotData, StackSlotKind, TrapCode, Type, Value,
};
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter, InterpreterError};

fn is_invalid(o: &Outcome) -> bool {
    matches!(o, Outcome::Err(InterpreterError::InvalidIr(_)))
}

#[test]
fn unknown_function_and_argument_mismatch() {
    let f = build("f", &[I32], |_, v| vec![v[0]]);
    assert_eq!(run_in(&[&f], "g", &[]), Err(InterpreterError::UnknownFunction("g".into())));
    assert!(matches!(run_in(&[&f], "f", &[]), Err(InterpreterError::ArgumentMismatch { .. })));
    assert!(matches!(run_in(&[&f], "f", &[i64v(1)]), Err(InterpreterError::ArgumentMismatch { .. })));
    assert_eq!(run_in(&[&f], "f", &[i32v(3)]), Ok(CallOutcome::Return(vec![i32v(3)])));
}

#[test]
fn malformed_functions() {
    // An operand of the wrong type.
    let r = eval1(&[i32v(1), i64v(2)], |c, v| c.ins().iadd(v[0], v[1]));
    assert!(is_invalid(&r), "{r:?}");
    // A value that is never defined.
    let r = eval1(&[i32v(1)], |c, v| {
        c.func.dfg.ensure_values(50);
        c.ins().iadd(v[0], Value::from_u32(49))
    });
    assert!(is_invalid(&r), "{r:?}");
    // A controlling type outside the opcode's set.
    let r = eval1(&[], |c, _| c.ins().iconst(I128, 1));
    assert!(is_invalid(&r), "{r:?}");
    let r = eval1(&[f32v(1.0), f32v(2.0)], |c, v| c.ins().iadd(v[0], v[1]));
    assert!(is_invalid(&r), "{r:?}");
    // A block without a terminator.
    let mut f = build("f", &[], |_, _| vec![]);
    let b0 = f.layout.entry_block().unwrap();
    let ret = f.layout.last_inst(b0).unwrap();
    f.layout.remove_inst(ret);
    assert!(matches!(run_in(&[&f], "f", &[]), Err(InterpreterError::InvalidIr(_))));
    // A function without blocks.
    let empty = lathe_codegen::ir::Function::new_test("e", Default::default());
    assert!(matches!(run_in(&[&empty], "e", &[]), Err(InterpreterError::InvalidIr(_))));
    // A jump with the wrong number of arguments, and to a block outside the layout.
    let r = Outcome::from(eval(&[i32v(1)], |c, v| {
        let b1 = c.func.dfg.make_block();
        c.func.layout.append_block(b1);
        c.func.dfg.append_block_param(b1, I32);
        c.ins().jump(b1, &[v[0], v[0]]);
        c.goto_bottom(b1);
        vec![]
    }));
    assert!(is_invalid(&r), "{r:?}");
    let r = Outcome::from(eval(&[], |c, _| {
        let b1 = c.func.dfg.make_block();
        c.ins().jump(b1, &[]);
        vec![]
    }));
    assert!(is_invalid(&r), "{r:?}");
    // Returning a value of the wrong type to a caller.
    let callee = build("callee", &[], |c, _| vec![c.ins().iconst(I8, 1)]);
    let caller = build("caller", &[], |c, _| {
        let mut s = callee.signature.clone();
        s.returns[0].value_type = I64;
        let sig = c.func.import_signature(s);
        let fr = c.func.import_function(lathe_codegen::ir::ExtFuncData {
            name: callee.name.clone(),
            signature: sig,
            colocated: true,
        });
        let call = c.ins().call(fr, &[]);
        c.func.dfg.inst_results(call).to_vec()
    });
    assert!(matches!(run_in(&[&callee, &caller], "caller", &[]), Err(InterpreterError::InvalidIr(_))));
}

/// An instruction of `op`'s format whose operands are all `v` and whose references point
/// at entities that mostly do not exist.
fn junk(op: Opcode, dfg: &mut DataFlowGraph, v: Value, block: Block) -> D {
    let list = dfg.value_list(&[v, v]);
    let bc = dfg.block_call(block, &[v]);
    let flags = MemFlags::new().with_trap_code(Some(TrapCode::User(2)));
    let opcode = op;
    match op.format() {
        F::Nullary => D::Nullary { opcode },
        F::Unary => D::Unary { opcode, arg: v },
        F::UnaryImm => D::UnaryImm { opcode, imm: Imm64(-1) },
        F::UnaryIeee32 => D::UnaryIeee32 { opcode, imm: Ieee32(0x7fc0_0001) },
        F::UnaryIeee64 => D::UnaryIeee64 { opcode, imm: Ieee64(1) },
        F::UnaryIeee16 => D::UnaryIeee16 { opcode, imm: Ieee16(1) },
        F::UnaryConst => D::UnaryConst { opcode, constant: Constant::from_u32(5) },
        F::UnaryGlobalValue => D::UnaryGlobalValue { opcode, global_value: GlobalValue::from_u32(3) },
        F::Binary => D::Binary { opcode, args: [v, v] },
        F::BinaryImm64 => D::BinaryImm64 { opcode, arg: v, imm: Imm64(i64::MIN) },
        F::BinaryImm8 => D::BinaryImm8 { opcode, arg: v, imm: 200 },
        F::Ternary => D::Ternary { opcode, args: [v, v, v] },
        F::TernaryImm8 => D::TernaryImm8 { opcode, args: [v, v], imm: 200 },
        F::Shuffle => D::Shuffle { opcode, args: [v, v], mask: Constant::from_u32(9) },
        F::IntCompare => D::IntCompare { opcode, cond: IntCC::SignedLessThan, args: [v, v] },
        F::IntCompareImm => D::IntCompareImm { opcode, cond: IntCC::UnsignedGreaterThan, arg: v, imm: Imm64(-1) },
        F::FloatCompare => D::FloatCompare { opcode, cond: FloatCC::UnorderedOrLessThan, args: [v, v] },
        F::Load => D::Load { opcode, flags, arg: v, offset: Offset32(i32::MIN) },
        F::Store => D::Store { opcode, flags, args: [v, v], offset: Offset32(i32::MAX) },
        F::LoadNoOffset => D::LoadNoOffset { opcode, flags, arg: v },
        F::StoreNoOffset => D::StoreNoOffset { opcode, flags, args: [v, v] },
        F::StackLoad => D::StackLoad { opcode, stack_slot: StackSlot::from_u32(7), offset: Offset32(4) },
        F::StackStore => D::StackStore { opcode, arg: v, stack_slot: StackSlot::from_u32(0), offset: Offset32(-1) },
        F::FuncAddr => D::FuncAddr { opcode, func_ref: FuncRef::from_u32(4) },
        F::AtomicRmw => D::AtomicRmw { opcode, flags, op: AtomicRmwOp::Nand, args: [v, v] },
        F::AtomicCas => D::AtomicCas { opcode, flags, args: [v, v, v] },
        F::Jump => D::Jump { opcode, destination: bc },
        F::Brif => D::Brif { opcode, arg: v, blocks: [bc, bc] },
        F::BranchTable => D::BranchTable { opcode, arg: v, table: JumpTable::from_u32(2) },
        F::MultiAry => D::MultiAry { opcode, args: list },
        F::Trap => D::Trap { opcode, code: TrapCode::User(1) },
        F::CondTrap => D::CondTrap { opcode, arg: v, code: TrapCode::User(1) },
        F::IntAddTrap => D::IntAddTrap { opcode, args: [v, v], code: TrapCode::User(1) },
        F::Call => D::Call { opcode, func_ref: FuncRef::from_u32(4), args: list },
        F::CallIndirect => D::CallIndirect { opcode, sig_ref: SigRef::from_u32(4), args: list },
        F::TryCall => {
            D::TryCall { opcode, func_ref: FuncRef::from_u32(4), args: list, exception: ExceptionTable::from_u32(4) }
        }
        F::TryCallIndirect => D::TryCallIndirect { opcode, args: list, exception: ExceptionTable::from_u32(4) },
    }
}

#[test]
fn every_opcode_with_junk_operands_gives_an_outcome_or_a_typed_error() {
    let types: [Type; 9] = [I8, I16, I32, I64, I128, F32, F64, I32X4, F64X2];
    let mut outcomes = 0;
    for &op in Opcode::ALL {
        for &ty in &types {
            for ctrl in [ty, I64, lathe_codegen::ir::types::INVALID] {
                for in_layout in [true, false] {
                    let f = build("j", &[ty], |c: &mut FuncCursor<'_>, v| {
                        c.func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 4, 0));
                        let other = c.func.dfg.make_block();
                        let target = if in_layout { c.func.layout.entry_block().unwrap() } else { other };
                        let data = junk(op, &mut c.func.dfg, v[0], target);
                        let inst = c.func.dfg.make_inst(data);
                        c.func.dfg.make_inst_results(inst, ctrl);
                        c.insert_inst(inst);
                        vec![v[0]]
                    });
                    let arg = match ty {
                        F32 => f32v(1.5),
                        F64 => f64v(-0.0),
                        I32X4 | F64X2 => lathe_codegen::data_value::DataValue::V128(ty, [0x80; 16]),
                        t => lathe_codegen::data_value::DataValue::from_integer(-1, t).unwrap(),
                    };
                    let mut store = FunctionStore::new();
                    store.add(&f);
                    let r = Interpreter::new(store).with_step_limit(50).call_by_name("j", &[arg]);
                    // Whatever happens, a return carries the declared return types.
                    if let Ok(CallOutcome::Return(vals)) = &r {
                        let got: Vec<Type> = vals.iter().map(|v| v.ty()).collect();
                        let want: Vec<Type> = f.signature.returns.iter().map(|p| p.value_type).collect();
                        assert_eq!(got, want, "{op} {ty} {ctrl}");
                    }
                    outcomes += 1;
                }
            }
        }
    }
    assert_eq!(outcomes, Opcode::ALL.len() * 9 * 3 * 2);
}
