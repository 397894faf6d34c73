//! The riscv64 calling conventions, described for the shared ABI layer (`machinst::abi`,
//! which computes locations and lowers calls from [`ConvDesc`]s), and the hooks
//! ([`Rv64Abi`]) through which that layer builds riscv64 instructions.
//!
//! One family, the LP64D convention of the RISC-V ELF psABI, used for `system_v` (the
//! platform convention of riscv64 Linux), `fast` and `tail`: integer arguments in a0-a7,
//! floats in fa0-fa7 (by class), the rest in 8-byte stack words in order; an `i128` takes
//! two consecutive integer registers (any pair, not necessarily even-aligned), or the last
//! register and the first stack word, or two stack words. Results: integers in a0, a1,
//! floats in fa0, fa1, an `i128` in a0:a1; results that do not fit go to a return area
//! whose address the caller passes as a hidden first argument in a0. Callee-saved: s1-s11
//! and fs0-fs11; s0 (the frame pointer) and ra are saved by every frame.
//!
//! A float that finds no float register left takes the next integer register (the
//! psABI's hard-float rule), moved there with `fmv.x.w`/`fmv.x.d`; only when those run out
//! too does it go to the stack.
//!
//! Rejected with a reason: `apple_aarch64` and `windows_fastcall`, which do not exist on
//! riscv64.

use super::inst::Inst;
use super::inst::args::{AMode, FpSize, LoadOp, StoreOp};
use super::regs::{self, CALLEE_SAVED, FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS};
use crate::ir::{CallConv, Type};
use crate::machinst::abi::{
    AbiBase, AbiHooks, ArgAssignment, CallTarget, ConvDesc, RetAreaPtr, StackPacking, WideArg, WideRet,
};
use crate::machinst::{PReg, PRegSet, Reg, RegClass};
use crate::result::CodegenError;

/// LP64D (`system_v`, `fast`, `tail`).
pub static LP64D: ConvDesc = ConvDesc {
    name: "LP64D",
    int_args: &INT_ARG_REGS,
    float_args: &FLOAT_ARG_REGS,
    int_rets: &INT_RET_REGS,
    float_rets: &FLOAT_RET_REGS,
    assignment: ArgAssignment::ByClass { float_to_int: true },
    wide_arg: WideArg::Pair { even: false, split: true },
    wide_ret: WideRet::Pair,
    ret_area_ptr: RetAreaPtr::FirstArg,
    reserved_arg_area: 0,
    slot_size: 8,
    packing: StackPacking::Slots,
    callee_saved: &CALLEE_SAVED,
    clobbers: regs::caller_saved_set,
    family: 0,
    vectors: crate::machinst::abi::VectorAbi::Unsupported,
};

/// The description of `conv`, or an "unsupported" error naming why.
pub fn conv_desc(conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
    match conv {
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => Ok(&LP64D),
        CallConv::AppleAarch64 | CallConv::WindowsFastcall | CallConv::PreserveAll | CallConv::Winch => {
            Err(crate::machinst::abi::unsupported_conv(conv, "riscv64"))
        }
    }
}

/// How the shared ABI layer builds riscv64 instructions.
pub struct Rv64Abi;

fn amode(base: AbiBase, offset: u32) -> AMode {
    match base {
        AbiBase::Outgoing => AMode::SpOffset { offset: offset as i64 },
        AbiBase::Incoming => AMode::IncomingArg { offset },
        AbiBase::Reg(base) => AMode::BaseOffset { base, offset: offset as i64 },
    }
}

impl AbiHooks for Rv64Abi {
    type I = Inst;

    fn conv(&self, conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
        conv_desc(conv)
    }
    fn gen_load(&self, dst: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let op = match (ty.is_float(), ty.bits()) {
            (true, 32) => LoadOp::Flw,
            (true, _) => LoadOp::Fld,
            _ => LoadOp::Ld,
        };
        Inst::Load { op, rd: dst, mem: amode(base, offset), trap: None }
    }
    fn gen_store(&self, src: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let op = match (ty.is_float(), ty.bits()) {
            (true, 32) => StoreOp::Fsw,
            (true, _) => StoreOp::Fsd,
            _ => StoreOp::Sd,
        };
        Inst::Store { op, src, mem: amode(base, offset), trap: None }
    }
    fn gen_addr(&self, dst: Reg, base: AbiBase, offset: u32) -> Inst {
        Inst::Lea { rd: dst, mem: amode(base, offset) }
    }
    fn gen_args(&self, args: Vec<(Reg, PReg)>, call_conv: CallConv) -> Inst {
        Inst::Args { args, call_conv }
    }
    fn gen_ret(&self, rets: Vec<(Reg, PReg)>) -> Inst {
        Inst::Ret { rets }
    }
    fn gen_call(&self, target: CallTarget, uses: Vec<(Reg, PReg)>, defs: Vec<(Reg, PReg)>, clobbers: PRegSet) -> Inst {
        match target {
            CallTarget::Known(callee) => Inst::Call { callee, uses, defs, clobbers },
            CallTarget::Reg(rs) => Inst::CallInd { rs, uses, defs, clobbers },
        }
    }
    fn gen_return_call(&self, target: CallTarget, uses: Vec<(Reg, PReg)>) -> Inst {
        match target {
            CallTarget::Known(callee) => Inst::ReturnCall { callee, uses },
            CallTarget::Reg(rs) => Inst::ReturnCallInd { rs, uses },
        }
    }
    fn gen_extend(&self, dst: Reg, src: Reg, from: Type, signed: bool) -> Inst {
        Inst::Extend { rd: dst, rs: src, bits: from.bits() as u8, signed }
    }
    fn gen_move_class(&self, dst: Reg, src: Reg, ty: Type) -> Option<Inst> {
        let size = if ty.bits() == 32 { FpSize::S } else { FpSize::D };
        Some(match dst.class() {
            RegClass::Int => Inst::FmvToInt { size, rd: dst, rs1: src },
            _ => Inst::FmvFromInt { size, rd: dst, rs1: src },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AbiParam, Signature, types};
    use crate::machinst::abi::{ArgLoc, CallLayout, ParamLoc, RetLoc};
    use smallvec::smallvec;

    fn sig(params: &[Type], returns: &[Type]) -> Signature {
        Signature {
            params: params.iter().map(|&t| AbiParam::new(t)).collect(),
            returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
            call_conv: CallConv::SystemV,
        }
    }

    #[test]
    fn i128_takes_any_pair_and_may_split_and_the_area_pointer_is_a0() {
        use types::{F64, I64, I128};
        let s = sig(&[I64, I128, F64, I64], &[I64, I64, I64]);
        let l = CallLayout::new(&LP64D, &s).unwrap();
        assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(regs::preg_x(10))), "the hidden first argument");
        assert_eq!(l.params[0], ParamLoc::Direct(smallvec![ArgLoc::Reg(regs::preg_x(11))]));
        assert_eq!(
            l.params[1],
            ParamLoc::Direct(smallvec![ArgLoc::Reg(regs::preg_x(12)), ArgLoc::Reg(regs::preg_x(13))]),
            "an odd-numbered start is fine"
        );
        assert_eq!(l.params[2], ParamLoc::Direct(smallvec![ArgLoc::Reg(regs::preg_f(10))]));
        assert_eq!(l.rets[2].as_slice(), [RetLoc::Area(0)]);
        let s = sig(&[I64, I64, I64, I64, I64, I64, I64, I128], &[]);
        let l = CallLayout::new(&LP64D, &s).unwrap();
        assert_eq!(
            l.params[7],
            ParamLoc::Direct(smallvec![ArgLoc::Reg(regs::preg_x(17)), ArgLoc::Stack(0)]),
            "split between a7 and the stack"
        );
    }

    #[test]
    fn floats_past_fa7_take_integer_registers_then_the_stack() {
        let mut params = vec![types::F64; 9];
        params.extend([types::F32; 8]);
        let l = CallLayout::new(&LP64D, &sig(&params, &[])).unwrap();
        assert_eq!(l.params[7], ParamLoc::Direct(smallvec![ArgLoc::Reg(regs::preg_f(17))]));
        assert_eq!(l.params[8], ParamLoc::Direct(smallvec![ArgLoc::Reg(regs::preg_x(10))]), "fa7 is taken: a0");
        assert_eq!(l.params[15], ParamLoc::Direct(smallvec![ArgLoc::Reg(regs::preg_x(17))]));
        assert_eq!(l.params[16], ParamLoc::Direct(smallvec![ArgLoc::Stack(0)]), "a0-a7 are taken too");
    }

    #[test]
    fn other_platforms_conventions_are_refused_with_a_reason() {
        let e = conv_desc(CallConv::WindowsFastcall).unwrap_err();
        assert!(e.to_string().contains("riscv64 (the Windows x64 convention"), "{e}");
        assert!(conv_desc(CallConv::Tail).is_ok());
    }
}
