//! Stack slots, loads and stores, byte order, bounds traps, globals and atomics.

mod common;
use common::*;
use lathe_codegen::ir::types::*;
use lathe_codegen::ir::{
    AbiParam, ArgumentPurpose, AtomicRmwOp, Endianness, FuncCursor, GlobalValueData, InstBuilder, MemFlags, StackSlot,
    StackSlotData, StackSlotKind, TrapCode,
};
use lathe_interpreter::InterpreterError;

fn slot(c: &mut FuncCursor<'_>, size: u32, align_shift: u8) -> StackSlot {
    c.func.create_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, align_shift))
}

fn flags() -> MemFlags {
    MemFlags::new()
}

fn big() -> MemFlags {
    MemFlags::new().with_endianness(Endianness::Big)
}

#[test]
fn store_then_load_through_stack_addr() {
    let r = eval1(&[i64v(0x1122_3344_5566_7788)], |c, v| {
        let ss = slot(c, 16, 3);
        let p = c.ins().stack_addr(I64, ss, 0);
        c.ins().store(flags(), v[0], p, 8);
        c.ins().load(I64, flags(), p, 8)
    });
    assert_eq!(r, val(i64v(0x1122_3344_5566_7788)));
}

#[test]
fn little_endian_by_default_and_big_on_request() {
    let r = eval1(&[i32v(0x1122_3344)], |c, v| {
        let ss = slot(c, 4, 2);
        let p = c.ins().stack_addr(I64, ss, 0);
        c.ins().store(flags(), v[0], p, 0);
        c.ins().uload8(I32, flags(), p, 0)
    });
    assert_eq!(r, val(i32v(0x44)));
    let r = eval1(&[i32v(0x1122_3344)], |c, v| {
        let ss = slot(c, 4, 2);
        let p = c.ins().stack_addr(I64, ss, 0);
        c.ins().store(big(), v[0], p, 0);
        let first = c.ins().uload8(I32, flags(), p, 0);
        let back = c.ins().load(I32, big(), p, 0);
        let same = c.ins().icmp(lathe_codegen::ir::IntCC::Equal, back, v[0]);
        let same = c.ins().uextend(I32, same);
        let s = c.ins().ishl_imm(same, 8);
        c.ins().bor(first, s)
    });
    assert_eq!(r, val(i32v(0x111)));
}

#[test]
fn narrow_loads_and_stores() {
    let r = Outcome::from(eval(&[i64v(-2)], |c, v| {
        let ss = slot(c, 8, 0);
        let p = c.ins().stack_addr(I32, ss, 0);
        c.ins().istore16(flags(), v[0], p, 0);
        c.ins().istore8(flags(), v[0], p, 4);
        let a = c.ins().uload16(I64, flags(), p, 0);
        let b = c.ins().sload16(I64, flags(), p, 0);
        let d = c.ins().sload8(I32, flags(), p, 4);
        let e = c.ins().uload32(I64, flags(), p, 0);
        let f = c.ins().sload32(I64, flags(), p, 4);
        vec![a, b, d, e, f]
    }));
    assert_eq!(r, vals(&[i64v(0xfffe), i64v(-2), i32v(-2), i64v(0xfffe), i64v(0xfe)]));
    let r = Outcome::from(eval(&[i32v(0x0102_0304)], |c, v| {
        let ss = slot(c, 4, 0);
        let p = c.ins().stack_addr(I64, ss, 0);
        c.ins().istore32(big(), v[0], p, 0);
        let x = c.ins().uload16(I32, big(), p, 0);
        vec![x]
    }));
    assert_eq!(r, val(i32v(0x0102)));
}

#[test]
fn stack_load_and_store() {
    let r = eval1(&[f64b(0x7ff0_0000_0000_0001)], |c, v| {
        let ss = slot(c, 24, 3);
        c.ins().stack_store(v[0], ss, 16);
        c.ins().stack_load(F64, ss, 16)
    });
    assert_eq!(r, val(f64b(0x7ff0_0000_0000_0001)), "loads and stores keep NaN payloads");
    let r = eval1(&[], |c, _| {
        let ss = slot(c, 8, 0);
        c.ins().stack_load(I64, ss, 0)
    });
    assert_eq!(r, val(i64v(0)), "new slots are zero");
    let r = eval1(&[i32v(1)], |c, v| {
        let ss = slot(c, 8, 0);
        c.ins().stack_store(v[0], ss, 6);
        c.ins().iconst(I8, 0)
    });
    assert_eq!(r, Outcome::Trap(TrapCode::HeapOutOfBounds));
}

#[test]
fn out_of_bounds_traps() {
    let oob = |offset: i32, f: MemFlags| {
        eval1(&[], move |c, _| {
            let ss = slot(c, 8, 3);
            let p = c.ins().stack_addr(I64, ss, 0);
            c.ins().load(I32, f, p, offset)
        })
    };
    assert_eq!(oob(4, flags()), val(i32v(0)));
    assert_eq!(oob(5, flags()), Outcome::Trap(TrapCode::HeapOutOfBounds));
    assert_eq!(oob(-1, flags()), Outcome::Trap(TrapCode::HeapOutOfBounds));
    assert_eq!(oob(i32::MIN, flags()), Outcome::Trap(TrapCode::HeapOutOfBounds));
    assert_eq!(oob(8, flags().with_trap_code(Some(TrapCode::User(9)))), Outcome::Trap(TrapCode::User(9)));
    let wild = eval1(&[i64v(-8)], |c, v| c.ins().load(I64, flags(), v[0], 16));
    assert_eq!(wild, Outcome::Trap(TrapCode::HeapOutOfBounds));
    let null = eval1(&[i32v(0), i32v(0)], |c, v| {
        c.ins().store(flags(), v[0], v[1], 0);
        c.ins().iconst(I8, 1)
    });
    assert_eq!(null, Outcome::Trap(TrapCode::HeapOutOfBounds));
    let padding = eval1(&[], |c, _| {
        let a = slot(c, 1, 0);
        let _b = slot(c, 8, 3);
        let p = c.ins().stack_addr(I64, a, 0);
        c.ins().load(I8, flags(), p, 1)
    });
    assert_eq!(padding, Outcome::Trap(TrapCode::HeapOutOfBounds));
}

#[test]
fn atomics() {
    let rmw = |op: AtomicRmwOp, init: i32, x: i32| {
        Outcome::from(eval(&[i32v(init), i32v(x)], move |c, v| {
            let ss = slot(c, 4, 2);
            let p = c.ins().stack_addr(I64, ss, 0);
            c.ins().store(flags(), v[0], p, 0);
            let old = c.ins().atomic_rmw(I32, flags(), op, p, v[1]);
            let new = c.ins().atomic_load(I32, flags(), p);
            vec![old, new]
        }))
    };
    let cases = [
        (AtomicRmwOp::Add, 5, 3, 8),
        (AtomicRmwOp::Sub, 5, 7, -2),
        (AtomicRmwOp::And, 0b1100, 0b1010, 0b1000),
        (AtomicRmwOp::Nand, 0b1100, 0b1010, !0b1000),
        (AtomicRmwOp::Or, 0b1100, 0b1010, 0b1110),
        (AtomicRmwOp::Xor, 0b1100, 0b1010, 0b0110),
        (AtomicRmwOp::Xchg, 1, 2, 2),
        (AtomicRmwOp::Umin, -1, 3, 3),
        (AtomicRmwOp::Umax, -1, 3, -1),
        (AtomicRmwOp::Smin, -1, 3, -1),
        (AtomicRmwOp::Smax, -1, 3, 3),
        (AtomicRmwOp::Add, i32::MAX, 1, i32::MIN),
    ];
    for (op, init, x, want) in cases {
        assert_eq!(rmw(op, init, x), vals(&[i32v(init), i32v(want)]), "{op}");
    }
    let cas = |expected: i64| {
        Outcome::from(eval(&[i64v(expected)], |c, v| {
            let ss = slot(c, 8, 3);
            let p = c.ins().stack_addr(I64, ss, 0);
            let init = c.ins().iconst(I64, 10);
            c.ins().atomic_store(flags(), init, p);
            let repl = c.ins().iconst(I64, 20);
            let old = c.ins().atomic_cas(flags(), p, v[0], repl);
            let now = c.ins().load(I64, flags(), p, 0);
            vec![old, now]
        }))
    };
    assert_eq!(cas(10), vals(&[i64v(10), i64v(20)]));
    assert_eq!(cas(11), vals(&[i64v(10), i64v(10)]));
    let bad = eval1(&[i64v(0x10)], |c, v| c.ins().atomic_rmw(I8, flags(), AtomicRmwOp::Add, v[0], v[0]));
    assert!(matches!(bad, Outcome::Err(InterpreterError::InvalidIr(_))), "{bad:?}");
    let oob = eval1(&[i64v(0x10), i8v(1)], |c, v| c.ins().atomic_rmw(I8, flags(), AtomicRmwOp::Add, v[0], v[1]));
    assert_eq!(oob, Outcome::Trap(TrapCode::HeapOutOfBounds));
    assert_eq!(
        eval1(&[], |c, _| {
            c.ins().fence();
            c.ins().iconst(I8, 1)
        }),
        val(i8v(1))
    );
}

#[test]
fn vmctx_globals() {
    // The caller passes the address of one of its slots as the callee's vmctx; the callee
    // loads a field through a `load` global value and an `iadd_imm` one.
    let callee = {
        let mut f = build("callee", &[I64], |c, v| {
            let vmctx = c.func.create_global_value(GlobalValueData::VMContext);
            let field = c.func.create_global_value(GlobalValueData::Load {
                base: vmctx,
                offset: 8.into(),
                global_type: I64,
                flags: MemFlags::trusted(),
            });
            let addr = c.func.create_global_value(GlobalValueData::IAddImm {
                base: vmctx,
                offset: 4.into(),
                global_type: I64,
            });
            let a = c.ins().global_value(I64, field);
            let b = c.ins().global_value(I64, addr);
            let d = c.ins().isub(b, v[0]);
            vec![a, d]
        });
        f.signature.params[0] = AbiParam::special(I64, ArgumentPurpose::VMContext);
        f
    };
    let caller = build("caller", &[], |c, _| {
        let ss = slot(c, 16, 3);
        let p = c.ins().stack_addr(I64, ss, 0);
        let x = c.ins().iconst(I64, 77);
        c.ins().store(flags(), x, p, 8);
        let sig = c.func.import_signature(callee.signature.clone());
        let fr = c.func.import_function(lathe_codegen::ir::ExtFuncData {
            name: callee.name.clone(),
            signature: sig,
            colocated: true,
        });
        let call = c.ins().call(fr, &[p]);
        c.func.dfg.inst_results(call).to_vec()
    });
    assert_eq!(Outcome::from(run_in(&[&callee, &caller], "caller", &[])), vals(&[i64v(77), i64v(4)]));
    // Without a vmctx parameter the global is malformed.
    let r = eval1(&[], |c, _| {
        let vmctx = c.func.create_global_value(GlobalValueData::VMContext);
        c.ins().global_value(I64, vmctx)
    });
    assert!(matches!(r, Outcome::Err(InterpreterError::InvalidIr(_))), "{r:?}");
}

#[test]
fn vectors_move_as_whole_values() {
    let r = eval1(&[], |c, _| {
        let k = c.func.dfg.make_constant((0u8..16).collect());
        let x = c.ins().vconst(I32X4, k);
        let ss = slot(c, 16, 4);
        let p = c.ins().stack_addr(I64, ss, 0);
        c.ins().store(flags(), x, p, 0);
        let y = c.ins().load(I32X4, flags(), p, 0);
        let z = c.ins().bnot(y);
        c.ins().band(z, y)
    });
    assert_eq!(r, val(lathe_codegen::data_value::DataValue::V128(I32X4, [0; 16])));
    // Lane-wise forms run the scalar rule on each lane: 0x01010101 + 0x01010101 per lane.
    let lanewise = eval1(&[], |c, _| {
        let k = c.func.dfg.make_constant(vec![1; 16]);
        let x = c.ins().vconst(I32X4, k);
        c.ins().iadd(x, x)
    });
    assert_eq!(lanewise, val(lathe_codegen::data_value::DataValue::V128(I32X4, [2; 16])));
    let splat = eval1(&[i32v(1)], |c, v| c.ins().splat(I32X4, v[0]));
    assert_eq!(
        splat,
        val(lathe_codegen::data_value::DataValue::V128(I32X4, [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]))
    );
}
