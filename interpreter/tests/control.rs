//! Branches, loops, calls, recursion, tail calls, traps, limits and special registers.

mod common;
use common::*;
use lathe_codegen::ir::types::*;
use lathe_codegen::ir::{
    AbiParam, CallConv, ExtFuncData, ExternalName, FuncCursor, FuncRef, Function, InstBuilder, IntCC, JumpTableData,
    MemFlags, SigRef, Signature, StackSlotData, StackSlotKind, TrapCode, Type,
};
use lathe_interpreter::{CallOutcome, FunctionStore, Interpreter, InterpreterError};

fn sig(params: &[Type], rets: &[Type]) -> Signature {
    let mut s = Signature::new(CallConv::Tail);
    s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    s.returns.extend(rets.iter().map(|&t| AbiParam::new(t)));
    s
}

fn import(c: &mut FuncCursor<'_>, name: &str, params: &[Type], rets: &[Type]) -> FuncRef {
    let signature = c.func.import_signature(sig(params, rets));
    c.func.import_function(ExtFuncData { name: ExternalName::TestCase(name.into()), signature, colocated: true })
}

fn import_sig(c: &mut FuncCursor<'_>, params: &[Type], rets: &[Type]) -> SigRef {
    c.func.import_signature(sig(params, rets))
}

/// A function `%name(params) -> rets` with `nblocks` blocks; `body` fills them in.
fn func(
    name: &str,
    params: &[Type],
    rets: &[Type],
    nblocks: usize,
    body: impl FnOnce(&mut FuncCursor<'_>, &[lathe_codegen::ir::Block], &[lathe_codegen::ir::Value]),
) -> Function {
    let mut f = Function::new_test(name, sig(params, rets));
    let blocks: Vec<_> = (0..nblocks).map(|_| f.dfg.make_block()).collect();
    for &b in &blocks {
        f.layout.append_block(b);
    }
    let args: Vec<_> = params.iter().map(|&t| f.dfg.append_block_param(blocks[0], t)).collect();
    let mut c = FuncCursor::new(&mut f);
    body(&mut c, &blocks, &args);
    f
}

fn run(funcs: &[&Function], name: &str, args: &[lathe_codegen::data_value::DataValue]) -> Outcome {
    Outcome::from(run_in(funcs, name, args))
}

#[test]
fn loop_sums() {
    let f = func("sum", &[I64], &[I64], 4, |c, b, a| {
        c.goto_bottom(b[0]);
        let zero = c.ins().iconst(I64, 0);
        c.ins().jump(b[1], &[a[0], zero]);
        let i = c.func.dfg.append_block_param(b[1], I64);
        let acc = c.func.dfg.append_block_param(b[1], I64);
        c.goto_bottom(b[1]);
        c.ins().brif(i, b[2], &[], b[3], &[acc]);
        c.goto_bottom(b[2]);
        let acc2 = c.ins().iadd(acc, i);
        let i2 = c.ins().iadd_imm(i, -1);
        c.ins().jump(b[1], &[i2, acc2]);
        let r = c.func.dfg.append_block_param(b[3], I64);
        c.goto_bottom(b[3]);
        c.ins().return_(&[r]);
    });
    assert_eq!(run(&[&f], "sum", &[i64v(100)]), val(i64v(5050)));
    assert_eq!(run(&[&f], "sum", &[i64v(0)]), val(i64v(0)));
}

#[test]
fn branch_arguments_are_a_parallel_copy() {
    let f = func("swap", &[I32, I32, I32], &[I32, I32], 4, |c, b, a| {
        c.goto_bottom(b[0]);
        c.ins().jump(b[1], &[a[0], a[1], a[2]]);
        let x = c.func.dfg.append_block_param(b[1], I32);
        let y = c.func.dfg.append_block_param(b[1], I32);
        let k = c.func.dfg.append_block_param(b[1], I32);
        c.goto_bottom(b[1]);
        c.ins().brif(k, b[2], &[], b[3], &[]);
        c.goto_bottom(b[2]);
        let k2 = c.ins().iadd_imm(k, -1);
        c.ins().jump(b[1], &[y, x, k2]);
        c.goto_bottom(b[3]);
        c.ins().return_(&[x, y]);
    });
    assert_eq!(run(&[&f], "swap", &[i32v(1), i32v(2), i32v(1)]), vals(&[i32v(2), i32v(1)]));
    assert_eq!(run(&[&f], "swap", &[i32v(1), i32v(2), i32v(4)]), vals(&[i32v(1), i32v(2)]));
}

#[test]
fn br_table_and_brif() {
    let f = func("table", &[I32], &[I32], 4, |c, b, a| {
        let d = c.func.dfg.block_call(b[3], &[]);
        let e1 = c.func.dfg.block_call(b[1], &[]);
        let e2 = c.func.dfg.block_call(b[2], &[]);
        let jt = c.func.dfg.make_jump_table(JumpTableData::new(d, &[e1, e2]));
        c.goto_bottom(b[0]);
        c.ins().br_table(a[0], jt);
        for (i, &blk) in b[1..].iter().enumerate() {
            c.goto_bottom(blk);
            let v = c.ins().iconst(I32, 10 + i as i64);
            c.ins().return_(&[v]);
        }
    });
    assert_eq!(run(&[&f], "table", &[i32v(0)]), val(i32v(10)));
    assert_eq!(run(&[&f], "table", &[i32v(1)]), val(i32v(11)));
    assert_eq!(run(&[&f], "table", &[i32v(2)]), val(i32v(12)));
    assert_eq!(run(&[&f], "table", &[i32v(-1)]), val(i32v(12)), "the index is unsigned");
    let g = func("cond", &[I128], &[I8], 3, |c, b, a| {
        c.goto_bottom(b[0]);
        c.ins().brif(a[0], b[1], &[], b[2], &[]);
        c.goto_bottom(b[1]);
        let one = c.ins().iconst(I8, 1);
        c.ins().return_(&[one]);
        c.goto_bottom(b[2]);
        let zero = c.ins().iconst(I8, 0);
        c.ins().return_(&[zero]);
    });
    assert_eq!(run(&[&g], "cond", &[i128v(1 << 100)]), val(i8v(1)));
    assert_eq!(run(&[&g], "cond", &[i128v(0)]), val(i8v(0)));
}

fn factorial() -> Function {
    func("fact", &[I64], &[I64], 3, |c, b, a| {
        let me = import(c, "fact", &[I64], &[I64]);
        c.goto_bottom(b[0]);
        let small = c.ins().icmp_imm(IntCC::SignedLessThanOrEqual, a[0], 1);
        c.ins().brif(small, b[1], &[], b[2], &[]);
        c.goto_bottom(b[1]);
        let one = c.ins().iconst(I64, 1);
        c.ins().return_(&[one]);
        c.goto_bottom(b[2]);
        let m = c.ins().iadd_imm(a[0], -1);
        let call = c.ins().call(me, &[m]);
        let r = c.func.dfg.inst_results(call)[0];
        let p = c.ins().imul(a[0], r);
        c.ins().return_(&[p]);
    })
}

#[test]
fn recursion() {
    let f = factorial();
    assert_eq!(run(&[&f], "fact", &[i64v(10)]), val(i64v(3_628_800)));
    assert_eq!(run(&[&f], "fact", &[i64v(20)]), val(i64v(2_432_902_008_176_640_000)));
}

/// `%down(n)`: returns 0 after `n` nested calls (or tail calls).
fn countdown(tail: bool) -> Function {
    func("down", &[I64], &[I64], 3, |c, b, a| {
        let me = import(c, "down", &[I64], &[I64]);
        c.goto_bottom(b[0]);
        c.ins().brif(a[0], b[1], &[], b[2], &[]);
        c.goto_bottom(b[1]);
        let m = c.ins().iadd_imm(a[0], -1);
        if tail {
            c.ins().return_call(me, &[m]);
        } else {
            let call = c.ins().call(me, &[m]);
            let r = c.func.dfg.inst_results(call)[0];
            c.ins().return_(&[r]);
        }
        c.goto_bottom(b[2]);
        c.ins().return_(&[a[0]]);
    })
}

#[test]
fn deep_recursion_overflows_the_interpreted_stack_not_the_host() {
    let f = countdown(false);
    assert_eq!(run(&[&f], "down", &[i64v(50_000)]), val(i64v(0)));
    assert_eq!(run(&[&f], "down", &[i64v(1_000_000)]), Outcome::Trap(TrapCode::StackOverflow));
}

#[test]
fn big_frames_overflow_the_stack_memory() {
    let f = func("big", &[I64], &[I64], 3, |c, b, a| {
        c.func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 1 << 20, 4));
        let me = import(c, "big", &[I64], &[I64]);
        c.goto_bottom(b[0]);
        c.ins().brif(a[0], b[1], &[], b[2], &[]);
        c.goto_bottom(b[1]);
        let m = c.ins().iadd_imm(a[0], -1);
        let call = c.ins().call(me, &[m]);
        let r = c.func.dfg.inst_results(call)[0];
        c.ins().return_(&[r]);
        c.goto_bottom(b[2]);
        c.ins().return_(&[a[0]]);
    });
    assert_eq!(run(&[&f], "big", &[i64v(10)]), val(i64v(0)));
    assert_eq!(run(&[&f], "big", &[i64v(100)]), Outcome::Trap(TrapCode::StackOverflow));
}

#[test]
fn tail_calls_reuse_the_frame() {
    let f = countdown(true);
    assert_eq!(run(&[&f], "down", &[i64v(1_000_000)]), val(i64v(0)));
}

#[test]
fn step_limit() {
    let f = func("spin", &[], &[], 1, |c, b, _| {
        c.goto_bottom(b[0]);
        c.ins().jump(b[0], &[]);
    });
    let mut store = FunctionStore::new();
    store.add(&f);
    let mut interp = Interpreter::new(store).with_step_limit(1000);
    assert_eq!(interp.call_by_name("spin", &[]), Err(InterpreterError::StepLimitExceeded(1000)));
    let g = factorial();
    let mut store = FunctionStore::new();
    store.add(&g);
    let mut interp = Interpreter::new(store).with_step_limit(5);
    assert_eq!(interp.call_by_name("fact", &[i64v(1)]), Ok(CallOutcome::Return(vec![i64v(1)])));
    assert_eq!(interp.call_by_name("fact", &[i64v(3)]), Err(InterpreterError::StepLimitExceeded(5)));
}

#[test]
fn indirect_calls() {
    let fact = factorial();
    let caller = func("caller", &[I64], &[I64], 1, |c, b, a| {
        let fr = import(c, "fact", &[I64], &[I64]);
        let s = import_sig(c, &[I64], &[I64]);
        c.goto_bottom(b[0]);
        let addr = c.ins().func_addr(I64, fr);
        let call = c.ins().call_indirect(s, addr, &[a[0]]);
        let r = c.func.dfg.inst_results(call)[0];
        c.ins().return_(&[r]);
    });
    assert_eq!(run(&[&fact, &caller], "caller", &[i64v(5)]), val(i64v(120)));
    let wild = func("wild", &[I64], &[I64], 1, |c, b, a| {
        let s = import_sig(c, &[I64], &[I64]);
        c.goto_bottom(b[0]);
        let call = c.ins().call_indirect(s, a[0], &[a[0]]);
        let r = c.func.dfg.inst_results(call)[0];
        c.ins().return_(&[r]);
    });
    assert_eq!(run(&[&fact, &wild], "wild", &[i64v(0x1234)]), Outcome::Err(InterpreterError::BadCallTarget(0x1234)));
    let mismatch = func("mismatch", &[I32], &[I32], 1, |c, b, a| {
        let fr = import(c, "fact", &[I64], &[I64]);
        let s = import_sig(c, &[I32], &[I32]);
        c.goto_bottom(b[0]);
        let addr = c.ins().func_addr(I32, fr);
        let call = c.ins().call_indirect(s, addr, &[a[0]]);
        let r = c.func.dfg.inst_results(call)[0];
        c.ins().return_(&[r]);
    });
    let r = run(&[&fact, &mismatch], "mismatch", &[i32v(1)]);
    assert!(matches!(r, Outcome::Err(InterpreterError::ArgumentMismatch { .. })), "{r:?}");
    let tail = func("tail", &[I64], &[I64], 1, |c, b, a| {
        let fr = import(c, "fact", &[I64], &[I64]);
        let s = import_sig(c, &[I64], &[I64]);
        c.goto_bottom(b[0]);
        let addr = c.ins().func_addr(I64, fr);
        c.ins().return_call_indirect(s, addr, &[a[0]]);
    });
    assert_eq!(run(&[&fact, &tail], "tail", &[i64v(4)]), val(i64v(24)));
}

#[test]
fn traps() {
    let t = |c: i32, op: u8| {
        eval1(&[i32v(c)], move |cur, v| {
            match op {
                0 => {
                    cur.ins().trapz(v[0], TrapCode::User(1));
                }
                _ => {
                    cur.ins().trapnz(v[0], TrapCode::IntegerOverflow);
                }
            }
            cur.ins().iconst(I8, 7)
        })
    };
    assert_eq!(t(0, 0), Outcome::Trap(TrapCode::User(1)));
    assert_eq!(t(5, 0), val(i8v(7)));
    assert_eq!(t(5, 1), Outcome::Trap(TrapCode::IntegerOverflow));
    assert_eq!(t(0, 1), val(i8v(7)));
    let f = func("t", &[], &[], 1, |c, b, _| {
        c.goto_bottom(b[0]);
        c.ins().debugtrap();
        c.ins().nop();
        c.ins().trap(TrapCode::User(250));
    });
    assert_eq!(run(&[&f], "t", &[]), Outcome::Trap(TrapCode::User(250)));
    // A trap in a callee ends the caller too.
    let callee = func("callee", &[], &[], 1, |c, b, _| {
        c.goto_bottom(b[0]);
        c.ins().trap(TrapCode::HeapOutOfBounds);
    });
    let caller = func("caller", &[], &[I8], 1, |c, b, _| {
        let fr = import(c, "callee", &[], &[]);
        c.goto_bottom(b[0]);
        c.ins().call(fr, &[]);
        let one = c.ins().iconst(I8, 1);
        c.ins().return_(&[one]);
    });
    assert_eq!(run(&[&callee, &caller], "caller", &[]), Outcome::Trap(TrapCode::HeapOutOfBounds));
}

#[test]
fn slots_die_with_their_frame() {
    let leak = func("leak", &[], &[I64], 1, |c, b, _| {
        let ss = c.func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        c.goto_bottom(b[0]);
        let p = c.ins().stack_addr(I64, ss, 0);
        c.ins().return_(&[p]);
    });
    let user = func("user", &[], &[I64], 1, |c, b, _| {
        let fr = import(c, "leak", &[], &[I64]);
        c.goto_bottom(b[0]);
        let call = c.ins().call(fr, &[]);
        let p = c.func.dfg.inst_results(call)[0];
        let x = c.ins().load(I64, MemFlags::new(), p, 0);
        c.ins().return_(&[x]);
    });
    assert_eq!(run(&[&leak, &user], "user", &[]), Outcome::Trap(TrapCode::HeapOutOfBounds));
}

#[test]
fn special_registers() {
    let r = Outcome::from(eval(&[], |c, _| {
        let ss = c.func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        let fp = c.ins().get_frame_pointer(I64);
        let sp = c.ins().get_stack_pointer(I64);
        let p = c.ins().stack_addr(I64, ss, 0);
        let e = c.ins().iadd_imm(p, 8);
        let a = c.ins().icmp(IntCC::UnsignedLessThanOrEqual, fp, p);
        let b = c.ins().icmp(IntCC::UnsignedLessThanOrEqual, e, sp);
        let x = c.ins().iconst(I64, 42);
        c.ins().set_pinned_reg(x);
        let g = c.ins().get_pinned_reg(I32);
        vec![a, b, g]
    }));
    assert_eq!(r, vals(&[i8v(1), i8v(1), i32v(42)]));
    let r = eval1(&[], |c, _| c.ins().get_pinned_reg(I64));
    assert_eq!(r, val(i64v(0)), "the pinned register starts at 0");
    let r = eval1(&[], |c, _| c.ins().get_return_address(I64));
    assert!(matches!(r, Outcome::Err(InterpreterError::Unsupported { .. })), "{r:?}");
}

#[test]
fn user_names_resolve() {
    let mut f = factorial();
    f.name = ExternalName::User { namespace: 0, index: 1 };
    let mut store = FunctionStore::new();
    store.add(&f);
    assert!(store.get_by_name("u0:1").is_some());
    assert!(store.get_by_name("fact").is_none());
    // Its self-call still names %fact, which is not in the store.
    let mut interp = Interpreter::new(store);
    assert_eq!(interp.call_by_name("u0:1", &[i64v(1)]), Ok(CallOutcome::Return(vec![i64v(1)])));
    assert_eq!(interp.call_by_name("u0:1", &[i64v(2)]), Err(InterpreterError::UnknownFunction("fact".into())));
}
