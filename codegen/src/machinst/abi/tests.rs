//! The location rules of the shared ABI layer, checked on descriptions shaped like the
//! conventions of the coming ISAs (AAPCS64, RISC-V LP64D, s390x), with facts from their
//! ABI documents. Registers are numbered by argument position here, not by hardware
//! number.

use super::*;
use crate::ir::{AbiParam, CallConv, types};
use regalloc2::RegClass;
use smallvec::smallvec;

const fn x(n: usize) -> PReg {
    PReg::new(n, RegClass::Int)
}
const fn f(n: usize) -> PReg {
    PReg::new(n, RegClass::Float)
}

const INT8: [PReg; 8] = [x(0), x(1), x(2), x(3), x(4), x(5), x(6), x(7)];
const FLT8: [PReg; 8] = [f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7)];
const RET2: [PReg; 2] = [x(0), x(1)];
const FRET2: [PReg; 2] = [f(0), f(1)];

fn no_clobbers() -> PRegSet {
    PRegSet::empty()
}

/// AAPCS64-shaped: eight integer and eight float registers by class, 128-bit integers in
/// an even-aligned pair, the return area's address in x8.
static AAPCS: ConvDesc = ConvDesc { name: "AAPCS64-like", ..AAPCS_FIELDS };

/// RISC-V LP64D-shaped: floats fall back to integer registers, a 128-bit integer may be
/// split between the last register and the stack.
static RISCV: ConvDesc = ConvDesc {
    name: "RISC-V-like",
    assignment: ArgAssignment::ByClass { float_to_int: true },
    wide_arg: WideArg::Pair { even: false, split: true },
    ret_area_ptr: RetAreaPtr::FirstArg,
    ..AAPCS_FIELDS
};

/// s390x-shaped: five integer and four float argument registers, 128-bit integers by
/// reference and returned through the area, stack arguments above a 160-byte save area.
static S390X: ConvDesc = ConvDesc {
    name: "s390x-like",
    int_args: &[x(0), x(1), x(2), x(3), x(4)],
    float_args: &[f(0), f(1), f(2), f(3)],
    int_rets: &[x(0)],
    float_rets: &[f(0)],
    wide_arg: WideArg::ByRef,
    wide_ret: WideRet::Area,
    ret_area_ptr: RetAreaPtr::FirstArg,
    reserved_arg_area: 160,
    ..AAPCS_FIELDS
};

const AAPCS_FIELDS: ConvDesc = ConvDesc {
    name: "",
    int_args: &INT8,
    float_args: &FLT8,
    int_rets: &RET2,
    float_rets: &FRET2,
    assignment: ArgAssignment::ByClass { float_to_int: false },
    wide_arg: WideArg::Pair { even: true, split: false },
    wide_ret: WideRet::Pair,
    ret_area_ptr: RetAreaPtr::Reg(x(8)),
    reserved_arg_area: 0,
    slot_size: 8,
    packing: StackPacking::Slots,
    callee_saved: &[],
    clobbers: no_clobbers,
    family: 0,
    vectors: VectorAbi::Unsupported,
};

fn sig(params: &[Type], returns: &[Type]) -> Signature {
    Signature {
        params: params.iter().map(|&t| AbiParam::new(t)).collect(),
        returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
        call_conv: CallConv::SystemV,
    }
}

fn reg(p: PReg) -> ParamLoc {
    ParamLoc::Direct(smallvec![ArgLoc::Reg(p)])
}

#[test]
fn aapcs_pairs_start_at_even_registers() {
    use types::{I64, I128};
    // x0 holds the first i64; the i128 skips x1 and takes x2:x3.
    let l = CallLayout::new(&AAPCS, &sig(&[I64, I128, I64], &[])).unwrap();
    assert_eq!(l.params[0], reg(x(0)));
    assert_eq!(l.params[1], ParamLoc::Direct(smallvec![ArgLoc::Reg(x(2)), ArgLoc::Reg(x(3))]));
    assert_eq!(l.params[2], reg(x(4)), "the skipped register is not back-filled");
    // With x7 the only one left, the i128 goes to a 16-byte aligned stack pair and every
    // later integer argument to the stack too.
    let l = CallLayout::new(&AAPCS, &sig(&[I64, I64, I64, I64, I64, I64, I64, I128, I64], &[])).unwrap();
    assert_eq!(l.params[7], ParamLoc::Direct(smallvec![ArgLoc::Stack(0), ArgLoc::Stack(8)]));
    assert_eq!(l.params[8], ParamLoc::Direct(smallvec![ArgLoc::Stack(16)]));
    assert_eq!(l.stack_args_size, 24);
}

#[test]
fn a_return_area_in_a_dedicated_register_shifts_nothing() {
    use types::I64;
    let l = CallLayout::new(&AAPCS, &sig(&[I64], &[I64, I64, I64])).unwrap();
    assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(x(8))));
    assert_eq!(l.params[0], reg(x(0)));
    assert_eq!(l.rets[2].as_slice(), [RetLoc::Area(0)]);
    assert_eq!(l.ret_area_size, 8);
    assert_eq!(l.arg_regs().collect::<Vec<_>>(), [x(8), x(0)]);
}

#[test]
fn riscv_floats_fall_back_to_integer_registers_and_pairs_split() {
    use types::{F64, I64, I128};
    let mut params = vec![F64; 9];
    params.push(I64);
    let l = CallLayout::new(&RISCV, &sig(&params, &[])).unwrap();
    assert_eq!(l.params[7], reg(f(7)));
    assert_eq!(l.params[8], reg(x(0)), "the ninth float takes the first integer register");
    assert_eq!(l.params[9], reg(x(1)));
    let l = CallLayout::new(&RISCV, &sig(&[I64, I64, I64, I64, I64, I64, I64, I128], &[])).unwrap();
    assert_eq!(l.params[7], ParamLoc::Direct(smallvec![ArgLoc::Reg(x(7)), ArgLoc::Stack(0)]));
    assert_eq!(l.stack_args_size, 8);
}

#[test]
fn s390x_stack_arguments_start_above_the_save_area() {
    use types::{F64, I64, I128};
    let l = CallLayout::new(&S390X, &sig(&[I64, I64, I64, I64, I64, I64, I128, F64], &[I128])).unwrap();
    // The return area's pointer takes the first register: five integer arguments remain
    // for six, so the sixth i64 is on the stack, above the 160-byte save area.
    assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(x(0))));
    assert_eq!(l.params[3], reg(x(4)));
    assert_eq!(l.params[4], ParamLoc::Direct(smallvec![ArgLoc::Stack(160)]));
    assert_eq!(l.params[6], ParamLoc::ByRef(ArgLoc::Stack(176)));
    assert_eq!(l.params[7], reg(f(0)));
    assert_eq!(l.stack_args_size, 184);
    assert_eq!(l.rets[0].as_slice(), [RetLoc::Area(0), RetLoc::Area(8)]);
}

#[test]
fn vectors_are_reported_unsupported() {
    let e = CallLayout::new(&AAPCS, &sig(&[types::I8X16], &[])).unwrap_err();
    assert!(e.to_string().contains("i8x16"), "{e}");
}

#[test]
fn tail_calls_need_one_family_and_no_references() {
    let l = CallLayout::new(&S390X, &sig(&[types::I128], &[])).unwrap();
    assert!(check_tail_call(&S390X, &S390X, &l).is_err());
    let l = CallLayout::new(&AAPCS, &sig(&[types::I64], &[])).unwrap();
    assert!(check_tail_call(&AAPCS, &AAPCS, &l).is_ok());
    let other = ConvDesc { family: 7, ..AAPCS_FIELDS };
    assert!(check_tail_call(&other, &AAPCS, &l).is_err());
}
