//! The s390x calling conventions, described for the shared ABI layer (`machinst::abi`),
//! and the hooks ([`S390xAbi`]) through which that layer builds s390x instructions.
//!
//! The s390x ELF ABI (the "ELF Application Binary Interface s390x Supplement"), used for
//! `system_v` (the platform convention of Linux on IBM Z) and `fast`: integer arguments
//! in r2-r6, floats in f0, f2, f4, f6 (by class),
//! the rest in 8-byte stack words starting at offset 160 of the caller's outgoing area;
//! the 160 bytes below them are the register save area the callee may store r2-r15 and
//! f0-f6 into (every caller reserves it: `ConvDesc::reserved_arg_area`). A narrow
//! argument is right-aligned in its word (the value is the low bits of the 64-bit
//! register, stored whole); an `f32` in a stack word is in its second half. An `i128`
//! argument goes by reference: the caller copies it (big-endian, the high half first) and
//! passes the copy's address. Results: an integer in r2, a float in f0; an `i128` result
//! and every result past those two go to a return area whose address the caller passes
//! as a hidden first argument in r2. `tail` is the same with three integer argument
//! registers ([`TAIL`], its own family: tail calls between it and the others are refused).
//!
//! Callee-saved: r6-r13 (allocated), r14/r15 (saved by every frame that changes them) and
//! f8-f15. No backchain is kept (see `inst/mach.rs`).
//!
//! Rejected with a reason: `windows_fastcall` and `apple_aarch64`, which do not exist
//! on this architecture.

use super::inst::Inst;
use super::inst::SAVE_AREA;
use super::inst::args::{LoadOp, MemArg, StoreOp, UnaryOp};
use super::regs::{self, CALLEE_SAVED, FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS};
use crate::ir::{CallConv, Type};
use crate::machinst::abi::{
    AbiBase, AbiHooks, ArgAssignment, CallTarget, ConvDesc, RetAreaPtr, StackPacking, WideArg, WideRet,
};
use crate::machinst::{PReg, PRegSet, Reg};
use crate::result::CodegenError;

/// The s390x ELF ABI (`system_v`, `fast`, `tail`).
pub static ELF_S390X: ConvDesc = ConvDesc {
    name: "s390x ELF ABI",
    int_args: &INT_ARG_REGS,
    float_args: &FLOAT_ARG_REGS,
    int_rets: &INT_RET_REGS,
    float_rets: &FLOAT_RET_REGS,
    assignment: ArgAssignment::ByClass { float_to_int: false },
    wide_arg: WideArg::ByRef,
    wide_ret: WideRet::Area,
    ret_area_ptr: RetAreaPtr::FirstArg,
    reserved_arg_area: SAVE_AREA,
    slot_size: 8,
    packing: StackPacking::Slots,
    callee_saved: &CALLEE_SAVED,
    clobbers: regs::caller_saved_set,
    family: 0,
    vectors: crate::machinst::abi::VectorAbi::Unsupported,
};

/// Integer argument registers of `tail`: r2..r4.
const TAIL_INT_ARGS: [PReg; 3] = [INT_ARG_REGS[0], INT_ARG_REGS[1], INT_ARG_REGS[2]];

/// The `tail` convention: the s390x ELF ABI with three integer argument registers,
/// r2..r4. r6 is callee-saved, so a tail call passing an argument in it would have the
/// epilogue restore the caller's r6 over the argument; and r5 stays free for the target
/// of an indirect tail call (`inst::return_call_target`). Further integer arguments go
/// on the stack. (The system convention refuses the tail calls it cannot make: see
/// [`check_return_call`].)
pub static TAIL: ConvDesc = ConvDesc { name: "s390x tail", int_args: &TAIL_INT_ARGS, family: 1, ..ELF_S390X };

/// The description of `conv`, or an "unsupported" error naming why.
pub fn conv_desc(conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
    match conv {
        CallConv::SystemV | CallConv::Fast => Ok(&ELF_S390X),
        CallConv::Tail => Ok(&TAIL),
        CallConv::AppleAarch64 | CallConv::WindowsFastcall | CallConv::PreserveAll | CallConv::Winch => {
            Err(crate::machinst::abi::unsupported_conv(conv, "s390x"))
        }
    }
}

/// Refuses a tail call (`return_call`) whose arguments need r6, which the epilogue
/// restores (see [`TAIL`]), and an indirect one that leaves no caller-saved register for
/// its target (`inst::return_call_target`).
pub fn check_return_call(sig: &crate::ir::Signature, indirect: bool) -> Result<(), CodegenError> {
    let layout = crate::machinst::abi::CallLayout::new(conv_desc(sig.call_conv)?, sig)?;
    let uses: Vec<PReg> = layout.arg_regs().collect();
    if uses.contains(&regs::preg_r(6)) {
        return Err(CodegenError::Unsupported(
            "a tail call passing an argument in r6 on s390x (the epilogue restores r6; use the `tail` convention)"
                .into(),
        ));
    }
    if indirect && (2..=5).all(|n| uses.contains(&regs::preg_r(n))) {
        return Err(CodegenError::Unsupported(
            "an indirect tail call with four integer register arguments on s390x (no register is left for its target)"
                .into(),
        ));
    }
    Ok(())
}

/// How the shared ABI layer builds s390x instructions.
pub struct S390xAbi;

/// The storage operand for `base + offset`; `offset` counts from the start of the
/// argument area, whose first 160 bytes (the save area) `MemArg::IncomingArg` leaves out.
fn mem(base: AbiBase, offset: u32) -> MemArg {
    match base {
        AbiBase::Outgoing => MemArg::SpOffset { offset: offset as i64 },
        AbiBase::Incoming => MemArg::IncomingArg { offset: offset.saturating_sub(SAVE_AREA) },
        AbiBase::Reg(base) => MemArg::RegOffset { base, offset: offset as i64 },
    }
}

/// `mem`, 4 bytes further: where an `f32` sits in an 8-byte big-endian slot.
fn low_half(m: MemArg) -> MemArg {
    match m {
        MemArg::SpOffset { offset } => MemArg::SpOffset { offset: offset + 4 },
        MemArg::IncomingArg { offset } => MemArg::IncomingArg { offset: offset + 4 },
        MemArg::RegOffset { base, offset } => MemArg::RegOffset { base, offset: offset + 4 },
        other => other,
    }
}

impl AbiHooks for S390xAbi {
    type I = Inst;

    fn conv(&self, conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
        conv_desc(conv)
    }
    fn gen_load(&self, dst: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let m = mem(base, offset);
        match (ty.is_float(), ty.bits()) {
            (true, 32) => Inst::Load { op: LoadOp::Le, rd: dst, mem: low_half(m), trap: None },
            (true, _) => Inst::Load { op: LoadOp::Ld, rd: dst, mem: m, trap: None },
            _ => Inst::Load { op: LoadOp::Lg, rd: dst, mem: m, trap: None },
        }
    }
    fn gen_store(&self, src: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let m = mem(base, offset);
        match (ty.is_float(), ty.bits()) {
            (true, 32) => Inst::Store { op: StoreOp::Ste, rs: src, mem: low_half(m), trap: None },
            (true, _) => Inst::Store { op: StoreOp::Std, rs: src, mem: m, trap: None },
            _ => Inst::Store { op: StoreOp::Stg, rs: src, mem: m, trap: None },
        }
    }
    /// `la dst, offset(base)` (resolved at emission like any storage operand).
    fn gen_addr(&self, dst: Reg, base: AbiBase, offset: u32) -> Inst {
        Inst::Load { op: LoadOp::La, rd: dst, mem: mem(base, offset), trap: None }
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
            CallTarget::Reg(rn) => Inst::CallInd { rn, uses, defs, clobbers },
        }
    }
    fn gen_return_call(&self, target: CallTarget, uses: Vec<(Reg, PReg)>) -> Inst {
        match target {
            CallTarget::Known(callee) => Inst::ReturnCall { callee, uses },
            CallTarget::Reg(rn) => Inst::ReturnCallInd { rn, uses },
        }
    }
    fn gen_extend(&self, dst: Reg, src: Reg, from: Type, signed: bool) -> Inst {
        Inst::Unary { op: extend_op(signed, from.bits()), rd: dst, rn: src }
    }
}

/// The register-to-register extension of the low `bits` of a register to 64 bits.
pub fn extend_op(signed: bool, bits: u32) -> UnaryOp {
    match (signed, bits) {
        (true, 8) => UnaryOp::Lgbr,
        (true, 16) => UnaryOp::Lghr,
        (true, 32) => UnaryOp::Lgfr,
        (false, 8) => UnaryOp::Llgcr,
        (false, 16) => UnaryOp::Llghr,
        (false, 32) => UnaryOp::Llgfr,
        _ => UnaryOp::Lgr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AbiParam, Signature, types};
    use crate::machinst::abi::{ArgLoc, CallLayout, ParamLoc, RetLoc};

    fn sig(params: &[Type], returns: &[Type]) -> Signature {
        Signature {
            params: params.iter().map(|&t| AbiParam::new(t)).collect(),
            returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
            call_conv: CallConv::SystemV,
        }
    }

    #[test]
    fn i128_goes_by_reference_and_stack_arguments_start_above_the_save_area() {
        use types::{F64, I64, I128};
        let s = sig(&[I64, I128, F64, I64, I64, I64, I64], &[I128]);
        let l = CallLayout::new(&ELF_S390X, &s).unwrap();
        // The return-area pointer is the hidden first argument, in r2.
        assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(regs::preg_r(2))));
        assert_eq!(l.params[0], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_r(3))]));
        assert_eq!(l.params[1], ParamLoc::ByRef(ArgLoc::Reg(regs::preg_r(4))));
        assert_eq!(l.params[2], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_f(0))]));
        assert_eq!(l.params[5], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Stack(160)]));
        assert_eq!(l.params[6], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Stack(168)]));
        assert_eq!(l.stack_args_size, 176);
        assert_eq!(l.rets[0].as_slice(), [RetLoc::Area(0), RetLoc::Area(8)]);
    }

    #[test]
    fn other_platforms_conventions_are_refused() {
        assert!(conv_desc(CallConv::WindowsFastcall).unwrap_err().to_string().contains("s390x"));
        assert!(conv_desc(CallConv::AppleAarch64).is_err());
        assert!(conv_desc(CallConv::Tail).is_ok());
    }
}
