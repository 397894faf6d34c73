//! The aarch64 calling conventions, described for the shared ABI layer
//! (`machinst::abi`, which computes locations and lowers calls from [`ConvDesc`]s), and
//! the hooks ([`A64Abi`]) through which that layer builds aarch64 instructions.
//!
//! One family, AAPCS64 (Arm's "Procedure Call Standard for the Arm 64-bit Architecture"),
//! used for `system_v` (the platform convention of aarch64 Linux), `fast` and `tail`:
//! integer arguments in x0-x7, floats in v0-v7 (by class), the rest in 8-byte stack words
//! in order; an `i128` takes an even-numbered register pair (x0:x1, x2:x3, ...) or two
//! 16-byte aligned stack words. Results: integers in x0, x1, floats in v0-v3, an `i128` in
//! x0:x1; results that do not fit go to a return area whose address the caller passes in
//! x8 (the indirect-result register, not an argument register). Callee-saved: x19-x28 and
//! the low 64 bits of v8-v15; x29 and x30 are saved by every frame; x16, x17 (veneers and
//! emission scratch) and x18 (the platform register) are never allocated.
//!
//! `apple_aarch64` (Apple's arm64 convention) is AAPCS64 with stack arguments packed by
//! their natural size and alignment (two `i32`s share a word) instead of one 8-byte slot
//! each ([`APPLE_AARCH64`]); the caller's extension of narrow arguments is what the
//! signature's `uext`/`sext` attributes ask for, as on every convention. x18 is reserved
//! on Apple platforms too, and Lathe never allocates it.
//!
//! Rejected with a reason: `windows_fastcall` (Windows on Arm's variadic and unwind rules
//! are not described).

use super::inst::Inst;
use super::inst::args::{AMode, BitfieldOp, LoadOp, OperandSize, StoreOp};
use super::inst::imms::Imm12;
use super::regs::{self, CALLEE_SAVED, FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS, RET_AREA_REG};
use crate::ir::{CallConv, Type};
use crate::machinst::abi::{
    AbiBase, AbiHooks, ArgAssignment, CallTarget, ConvDesc, RetAreaPtr, StackPacking, WideArg, WideRet,
    unsupported_conv,
};
use crate::machinst::{PReg, PRegSet, Reg};
use crate::result::CodegenError;

/// AAPCS64 (`system_v`, `fast`, `tail`).
pub static AAPCS64: ConvDesc = ConvDesc {
    name: "AAPCS64",
    int_args: &INT_ARG_REGS,
    float_args: &FLOAT_ARG_REGS,
    int_rets: &INT_RET_REGS,
    float_rets: &FLOAT_RET_REGS,
    assignment: ArgAssignment::ByClass { float_to_int: false },
    wide_arg: WideArg::Pair { even: true, split: false },
    wide_ret: WideRet::Pair,
    ret_area_ptr: RetAreaPtr::Reg(RET_AREA_REG),
    reserved_arg_area: 0,
    slot_size: 8,
    packing: StackPacking::Slots,
    callee_saved: &CALLEE_SAVED,
    clobbers: regs::caller_saved_set,
    family: 0,
    vectors: crate::machinst::abi::VectorAbi::Unsupported,
};

/// Apple's arm64 convention: AAPCS64 with naturally packed stack arguments. A family of
/// its own, so no tail call crosses between it and AAPCS64 (their stack arguments differ).
pub static APPLE_AARCH64: ConvDesc =
    ConvDesc { name: "Apple arm64", packing: StackPacking::Natural, family: 1, ..AAPCS64 };

/// The description of `conv`, or an "unsupported" error naming why.
pub fn conv_desc(conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
    match conv {
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => Ok(&AAPCS64),
        CallConv::AppleAarch64 => Ok(&APPLE_AARCH64),
        // `preserve_all` would also need frames that keep whole vector registers, not
        // just their low 64 bits.
        CallConv::WindowsFastcall | CallConv::PreserveAll | CallConv::Winch => Err(unsupported_conv(conv, "aarch64")),
    }
}

/// How the shared ABI layer builds aarch64 instructions.
pub struct A64Abi;

fn amode(base: AbiBase, offset: u32) -> AMode {
    match base {
        AbiBase::Outgoing => AMode::SpOffset { offset: offset as i64 },
        AbiBase::Incoming => AMode::IncomingArg { offset },
        AbiBase::Reg(rn) => AMode::BaseOffset { rn, offset: offset as i64 },
    }
}

impl AbiHooks for A64Abi {
    type I = Inst;

    fn conv(&self, conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
        conv_desc(conv)
    }
    fn gen_load(&self, dst: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let op = match (ty.is_float(), ty.bits()) {
            (true, 32) => LoadOp::LdrS,
            (true, _) => LoadOp::LdrD,
            (false, 8) => LoadOp::Ldrb,
            (false, 16) => LoadOp::Ldrh,
            (false, 32) => LoadOp::LdrW,
            _ => LoadOp::LdrX,
        };
        Inst::Load { op, rt: dst, mem: amode(base, offset), trap: None }
    }
    fn gen_store(&self, src: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let op = match (ty.is_float(), ty.bits()) {
            (true, 32) => StoreOp::StrS,
            (true, _) => StoreOp::StrD,
            (false, 8) => StoreOp::Strb,
            (false, 16) => StoreOp::Strh,
            (false, 32) => StoreOp::StrW,
            _ => StoreOp::StrX,
        };
        Inst::Store { op, rt: src, mem: amode(base, offset), trap: None }
    }
    /// `add dst, base, #offset`. The only addresses the layer asks for on aarch64 are the
    /// outgoing return area's (no argument goes by reference), whose offset is the size
    /// of the stack arguments: `lower::A64Lower` refuses a call whose offset does not fit
    /// the immediate before the layer gets here.
    fn gen_addr(&self, dst: Reg, base: AbiBase, offset: u32) -> Inst {
        let imm = Imm12::maybe_from_u64(offset as u64).unwrap_or(Imm12::ZERO);
        let (rn, imm) = match base {
            AbiBase::Outgoing => (regs::sp(), imm),
            AbiBase::Incoming => {
                (regs::fp(), Imm12::maybe_from_u64(16 + offset as u64).unwrap_or(Imm12 { bits: 16, shift12: false }))
            }
            AbiBase::Reg(r) => (r, imm),
        };
        Inst::AluRRImm12 { op: super::inst::args::AluOp::Add, size: OperandSize::S64, rd: dst, rn, imm }
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
        let op = if signed { BitfieldOp::Sbfm } else { BitfieldOp::Ubfm };
        Inst::Bitfield { op, size: OperandSize::S64, rd: dst, rn: src, immr: 0, imms: from.bits() as u8 - 1 }
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
    fn i128_takes_an_even_pair_and_results_spill_to_the_x8_area() {
        use types::{F64, I64, I128};
        let s = sig(&[I64, I128, F64, I64], &[I64, I64, I64]);
        let l = CallLayout::new(&AAPCS64, &s).unwrap();
        assert_eq!(l.params[0], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_x(0))]));
        assert_eq!(
            l.params[1],
            ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_x(2)), ArgLoc::Reg(regs::preg_x(3))])
        );
        assert_eq!(l.params[2], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_v(0))]));
        assert_eq!(l.params[3], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_x(4))]));
        assert_eq!(l.rets[2].as_slice(), [RetLoc::Area(0)]);
        assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(regs::preg_x(8))));
    }

    #[test]
    fn apple_packs_stack_arguments_by_natural_size() {
        use types::{F32, I8, I16, I32, I64, I128};
        // Eight arguments fill x0-x7; the rest go to the stack.
        let mut params = vec![I64; 8];
        params.extend([I8, I16, I32, I8, I64, F32, I128]);
        let mut s = sig(&params, &[]);
        s.call_conv = CallConv::AppleAarch64;
        let stack = |l: &CallLayout| -> Vec<ArgLoc> {
            l.params[8..]
                .iter()
                .flat_map(|p| match p {
                    ParamLoc::Direct(v) => v.to_vec(),
                    ParamLoc::ByRef(a) => vec![*a],
                })
                .collect()
        };
        let apple = CallLayout::new(conv_desc(CallConv::AppleAarch64).unwrap(), &s).unwrap();
        // i8 at 0, i16 at 2, i32 at 4, i8 at 8, i64 at 16; the f32 is in s0; the i128 at 32.
        let at = |o| ArgLoc::Stack(o);
        assert_eq!(stack(&apple), [at(0), at(2), at(4), at(8), at(16), ArgLoc::Reg(regs::preg_v(0)), at(32), at(40)]);
        assert_eq!(apple.stack_args_size, 48);
        let aapcs = CallLayout::new(&AAPCS64, &s).unwrap();
        assert_eq!(stack(&aapcs), [at(0), at(8), at(16), at(24), at(32), ArgLoc::Reg(regs::preg_v(0)), at(48), at(56)]);
        assert_eq!(APPLE_AARCH64.stack_type(I8), I8);
        assert_eq!(AAPCS64.stack_type(I8), I64);
    }

    #[test]
    fn windows_is_refused_with_a_reason() {
        assert!(conv_desc(CallConv::WindowsFastcall).is_err());
        assert!(conv_desc(CallConv::Tail).is_ok());
    }
}
