//! The x86-64 calling conventions, described for the shared ABI layer
//! (`machinst::abi`, which computes locations and lowers calls from [`ConvDesc`]s), and
//! the hooks ([`X64Abi`]) through which that layer builds x86-64 instructions.
//!
//! Two families of conventions:
//!
//! - **System V** (`system_v`; `fast` and `tail` use the same locations for now, there is
//!   no faster convention yet). Integer arguments go in rdi rsi rdx rcx r8 r9, floats in
//!   xmm0-7, the rest in 8-byte stack words in order; up to two integer and two float
//!   values are returned in rax rdx and xmm0 xmm1. An `i128` takes two integer registers
//!   (low half first) or two stack words, and comes back in rax:rdx when both are free.
//!   Callee-saved: rbx, rbp, r12-r15; every xmm register is caller-saved.
//! - **Windows x64** (`windows_fastcall`, Microsoft's "x64 calling convention"). An
//!   argument's position decides its register, whatever its class: the first four go in
//!   rcx rdx r8 r9 (integers) or xmm0-3 (floats), so `(f64, i64)` takes xmm0 and rdx. The
//!   caller always reserves a 32-byte shadow space at the bottom of its outgoing
//!   arguments, and the fifth and later arguments go in 8-byte stack words above it. One
//!   integer result is returned in rax and one float in xmm0. An `i128` argument is
//!   passed by reference: the caller stores it in 16-byte aligned memory of its own frame
//!   and passes the address at the argument's position (`ParamLoc::ByRef`); an `i128`
//!   result always goes to the return area. Callee-saved: rbx, rbp, rdi, rsi, r12-r15 and
//!   xmm6-xmm15 (all 128 bits; the prologue saves them with `movups`).
//!
//! 128-bit vectors (`__m128`): under System V in the float argument and result registers
//! like floats, on the stack in 16-byte slots aligned to 16; under Windows x64 by
//! reference (the caller's 16-byte aligned copy, like an `i128`), returned in xmm0 when no
//! float result took it, else in the return area (16 bytes aligned to 16 within it).
//!
//! Results that do not fit the return registers go, for both families, to a return area
//! whose address the caller passes as a hidden first argument (rdi under System V, rcx
//! under Windows, shifting the other arguments by one position): one 8-byte word per
//! result, two for an `i128`, in result order. The callee does
//! not hand the address back in rax. `apple_aarch64` is unsupported on this target.

use super::inst::Inst;
use super::inst::args::{Amode, ExtMode, OperandSize, RegMem};
use super::regs::{
    self, FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS, WIN_FLOAT_ARG_REGS, WIN_FLOAT_RET_REGS,
    WIN_INT_ARG_REGS, WIN_INT_RET_REGS,
};
use crate::ir::{CallConv, Type};
use crate::machinst::abi::{
    AbiBase, AbiHooks, ArgAssignment, CallTarget, ConvDesc, RetAreaPtr, StackPacking, VectorAbi, WideArg, WideRet,
    is_vector128, unsupported_conv,
};
use crate::machinst::{PReg, PRegSet, Reg};
use crate::result::CodegenError;

/// Bytes of shadow space a Windows x64 caller reserves below the stack arguments.
pub const WIN_SHADOW_SPACE: u32 = 32;

const SYSV_CALLEE_SAVED: [PReg; 5] =
    [regs::preg_rbx(), regs::preg_r12(), regs::preg_r13(), regs::preg_r14(), regs::preg_r15()];

/// System V (`system_v`, `fast`, `tail`).
pub static SYSV: ConvDesc = ConvDesc {
    name: "System V x86-64",
    int_args: &INT_ARG_REGS,
    float_args: &FLOAT_ARG_REGS,
    int_rets: &INT_RET_REGS,
    float_rets: &FLOAT_RET_REGS,
    assignment: ArgAssignment::ByClass { float_to_int: false },
    wide_arg: WideArg::Pair { even: false, split: false },
    wide_ret: WideRet::Pair,
    ret_area_ptr: RetAreaPtr::FirstArg,
    reserved_arg_area: 0,
    slot_size: 8,
    packing: StackPacking::Slots,
    callee_saved: &SYSV_CALLEE_SAVED,
    clobbers: regs::caller_saved_set,
    family: 0,
    vectors: VectorAbi::InFloatRegs,
};

/// Windows x64 (`windows_fastcall`).
pub static WINDOWS: ConvDesc = ConvDesc {
    name: "Windows x64",
    int_args: &WIN_INT_ARG_REGS,
    float_args: &WIN_FLOAT_ARG_REGS,
    int_rets: &WIN_INT_RET_REGS,
    float_rets: &WIN_FLOAT_RET_REGS,
    assignment: ArgAssignment::ByPosition,
    wide_arg: WideArg::ByRef,
    wide_ret: WideRet::Area,
    ret_area_ptr: RetAreaPtr::FirstArg,
    reserved_arg_area: WIN_SHADOW_SPACE,
    slot_size: 8,
    packing: StackPacking::Slots,
    callee_saved: {
        let all: &'static [PReg] = &regs::WIN_CALLEE_SAVED;
        all.split_at(1).1
    },
    clobbers: regs::win_caller_saved_set,
    family: 1,
    vectors: VectorAbi::ByRef,
};

/// What a `preserve_all` function keeps for its caller: every allocatable register but
/// the System V result registers (rax, rdx, xmm0, xmm1), which a call may overwrite.
const PRESERVE_ALL_SAVED: [PReg; 26] = {
    let mut out = [regs::preg_rbx(); 26];
    let ints = [
        regs::preg_rbx(),
        regs::preg_rcx(),
        regs::preg_rsi(),
        regs::preg_rdi(),
        regs::preg_r8(),
        regs::preg_r9(),
        regs::preg_r10(),
        regs::preg_r11(),
        regs::preg_r12(),
        regs::preg_r13(),
        regs::preg_r14(),
        regs::preg_r15(),
    ];
    let mut i = 0;
    while i < ints.len() {
        out[i] = ints[i];
        i += 1;
    }
    let mut n = 2;
    while n < 16 {
        out[ints.len() + n as usize - 2] = regs::preg_xmm(n);
        n += 1;
    }
    out
};

/// The registers a call to a `preserve_all` function overwrites: its result registers.
fn preserve_all_clobbers() -> PRegSet {
    let mut set = PRegSet::empty();
    for p in [regs::preg_rax(), regs::preg_rdx(), regs::preg_xmm(0), regs::preg_xmm(1)] {
        set.add(p);
    }
    set
}

/// `preserve_all`: System V's argument and result locations, with every other register
/// preserved by the callee (saved in its prologue when it writes them or calls a function
/// that may; xmm registers whole, 16 bytes each). A family of its own: a tail call would
/// hand the callee's registers to a caller that expects them preserved.
pub static PRESERVE_ALL: ConvDesc = ConvDesc {
    name: "preserve_all x86-64",
    callee_saved: &PRESERVE_ALL_SAVED,
    clobbers: preserve_all_clobbers,
    family: 2,
    ..SYSV
};

/// The description of `conv`, or an "unsupported" error for conventions of other targets.
pub fn conv_desc(conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
    match conv {
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => Ok(&SYSV),
        CallConv::WindowsFastcall => Ok(&WINDOWS),
        CallConv::PreserveAll => Ok(&PRESERVE_ALL),
        CallConv::Winch | CallConv::AppleAarch64 => Err(unsupported_conv(conv, "x86_64")),
    }
}

/// The callee-saved registers of `conv` that the register allocator may hand out, which
/// a function of that convention saves in its prologue when it writes them (rbp is saved
/// by every prologue and never allocated). Conventions of other targets get the System V
/// set: a function using one is rejected before it is emitted.
pub fn callee_saved(conv: CallConv) -> &'static [PReg] {
    conv_desc(conv).unwrap_or(&SYSV).callee_saved
}

/// How the shared ABI layer builds x86-64 instructions.
pub struct X64Abi;

fn amode(base: AbiBase, offset: u32) -> Amode {
    match base {
        AbiBase::Outgoing => Amode::ImmReg { base: regs::rsp(), disp: offset as i32 },
        AbiBase::Incoming => Amode::IncomingArg { offset },
        AbiBase::Reg(base) => Amode::ImmReg { base, disp: offset as i32 },
    }
}

impl AbiHooks for X64Abi {
    type I = Inst;

    fn conv(&self, conv: CallConv) -> Result<&'static ConvDesc, CodegenError> {
        conv_desc(conv)
    }
    fn gen_load(&self, dst: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let addr = amode(base, offset);
        if is_vector128(ty) {
            // Unaligned: return-area slots are only 8-byte aligned.
            Inst::VecLoad { aligned: false, addr, dst, trap: None }
        } else if ty.is_float() {
            Inst::XmmLoad { double: ty.bits() == 64, addr, dst, trap: None }
        } else {
            Inst::Load { size: OperandSize::S64, ext: ExtMode::None, addr, dst, trap: None }
        }
    }
    fn gen_store(&self, src: Reg, ty: Type, base: AbiBase, offset: u32) -> Inst {
        let addr = amode(base, offset);
        if is_vector128(ty) {
            Inst::VecStore { aligned: false, src, addr, trap: None }
        } else if ty.is_float() {
            Inst::XmmStore { double: ty.bits() == 64, src, addr, trap: None }
        } else {
            Inst::Store { size: OperandSize::S64, src, addr, trap: None }
        }
    }
    fn gen_addr(&self, dst: Reg, base: AbiBase, offset: u32) -> Inst {
        Inst::Lea { size: OperandSize::S64, addr: amode(base, offset), dst }
    }
    fn gen_args(&self, args: Vec<(Reg, PReg)>, call_conv: CallConv) -> Inst {
        Inst::Args { args, call_conv }
    }
    fn gen_ret(&self, rets: Vec<(Reg, PReg)>) -> Inst {
        Inst::Ret { rets }
    }
    fn gen_call(&self, target: CallTarget, uses: Vec<(Reg, PReg)>, defs: Vec<(Reg, PReg)>, clobbers: PRegSet) -> Inst {
        match target {
            CallTarget::Known(callee) => Inst::CallKnown { callee, uses, defs, clobbers },
            CallTarget::Reg(r) => Inst::CallUnknown { target: RegMem::Reg(r), uses, defs, clobbers },
        }
    }
    fn gen_try_call(
        &self,
        target: CallTarget,
        uses: Vec<(Reg, PReg)>,
        defs: Vec<(Reg, PReg)>,
        mut clobbers: PRegSet,
        targets: &[crate::machinst::MachLabel],
        tags: Vec<Option<u32>>,
    ) -> Option<Inst> {
        // Every allocatable register but the results: rbx and r12-r15 too, which the
        // frames a throw skips may have changed without restoring (rbp and rsp are
        // restored by the thrower). The prologue saves them, since they are written here.
        for p in regs::CALLEE_SAVED {
            if p != regs::preg_rbp() {
                clobbers.add(p);
            }
        }
        for (_, p) in &defs {
            clobbers.remove(*p);
        }
        let (callee, target) = match target {
            CallTarget::Known(callee) => (Some(callee), None),
            CallTarget::Reg(r) => (None, Some(RegMem::Reg(r))),
        };
        Some(Inst::TryCall { callee, target, uses, defs, clobbers, targets: targets.to_vec(), tags })
    }
    fn gen_return_call(&self, target: CallTarget, uses: Vec<(Reg, PReg)>) -> Inst {
        match target {
            CallTarget::Known(callee) => Inst::ReturnCallKnown { callee, uses },
            CallTarget::Reg(target) => Inst::ReturnCallUnknown { target, uses },
        }
    }
    fn gen_extend(&self, dst: Reg, src: Reg, from: Type, signed: bool) -> Inst {
        let from = match from.bits() {
            8 => OperandSize::S8,
            16 => OperandSize::S16,
            _ => OperandSize::S32,
        };
        let (to, src) = (OperandSize::S64, RegMem::Reg(src));
        if signed { Inst::MovsxRmR { from, to, src, dst } } else { Inst::MovzxRmR { from, to, src, dst } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AbiParam, Signature, types};
    use crate::machinst::abi::{ArgLoc, CallLayout, ParamLoc, RetLoc, check_tail_call};

    fn sig(conv: CallConv, params: &[Type], returns: &[Type]) -> Signature {
        Signature {
            params: params.iter().map(|&t| AbiParam::new(t)).collect(),
            returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
            call_conv: conv,
        }
    }

    fn layout(s: &Signature) -> CallLayout {
        CallLayout::new(conv_desc(s.call_conv).unwrap(), s).unwrap()
    }

    fn direct(locs: &[ParamLoc]) -> Vec<ArgLoc> {
        locs.iter()
            .map(|l| match l {
                ParamLoc::Direct(v) => v[0],
                ParamLoc::ByRef(a) => *a,
            })
            .collect()
    }

    #[test]
    fn sysv_arguments_go_by_class_and_i128_takes_a_pair() {
        use types::{F64, I64, I128};
        let s = sig(CallConv::SystemV, &[I64, F64, I128, I64, I64, I64, I128, F64], &[I128]);
        let l = layout(&s);
        assert_eq!(l.params[0], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_rdi())]));
        assert_eq!(l.params[1], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_xmm(0))]));
        assert_eq!(
            l.params[2],
            ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_rsi()), ArgLoc::Reg(regs::preg_rdx())])
        );
        assert_eq!(l.params[5], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_r9())]));
        // No register pair is left: the i128 takes a 16-byte aligned pair of stack words.
        assert_eq!(l.params[6], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Stack(0), ArgLoc::Stack(8)]));
        assert_eq!(l.params[7], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_xmm(1))]));
        assert_eq!(l.stack_args_size, 16);
        assert_eq!(l.rets[0].as_slice(), [RetLoc::Reg(regs::preg_rax()), RetLoc::Reg(regs::preg_rdx())]);
        assert_eq!(l.ret_area_ptr, None);
    }

    #[test]
    fn windows_arguments_go_by_position() {
        use types::{F32, F64, I8, I32, I64};
        let s = sig(CallConv::WindowsFastcall, &[F64, I64, F32, I32, I8, F64], &[I32]);
        let l = layout(&s);
        assert_eq!(
            direct(&l.params),
            [
                ArgLoc::Reg(regs::preg_xmm(0)),
                ArgLoc::Reg(regs::preg_rdx()),
                ArgLoc::Reg(regs::preg_xmm(2)),
                ArgLoc::Reg(regs::preg_r9()),
                ArgLoc::Stack(32),
                ArgLoc::Stack(40),
            ]
        );
        assert_eq!(l.stack_args_size, 48, "shadow space and two stack words");
        let l = layout(&sig(CallConv::WindowsFastcall, &[], &[]));
        assert_eq!(l.stack_args_size, 32, "the shadow space is always reserved");
    }

    #[test]
    fn windows_return_area_pointer_takes_rcx_and_shifts_arguments() {
        use types::{F64, I64};
        let s = sig(CallConv::WindowsFastcall, &[I64, F64, I64, I64], &[I64, I64, F64, F64]);
        let l = layout(&s);
        assert_eq!(l.rets[0].as_slice(), [RetLoc::Reg(regs::preg_rax())]);
        assert_eq!(l.rets[1].as_slice(), [RetLoc::Area(0)]);
        assert_eq!(l.rets[2].as_slice(), [RetLoc::Reg(regs::preg_xmm(0))]);
        assert_eq!(l.rets[3].as_slice(), [RetLoc::Area(8)]);
        assert_eq!(l.ret_area_size, 16);
        assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(regs::preg_rcx())));
        assert_eq!(
            direct(&l.params),
            [
                ArgLoc::Reg(regs::preg_rdx()),
                ArgLoc::Reg(regs::preg_xmm(2)),
                ArgLoc::Reg(regs::preg_r9()),
                ArgLoc::Stack(32)
            ]
        );
        assert_eq!(l.stack_args_size, 40);
    }

    #[test]
    fn windows_i128_goes_by_reference_and_returns_in_the_area() {
        let s = sig(CallConv::WindowsFastcall, &[types::I128, types::I64], &[types::I128]);
        let l = layout(&s);
        // The return area's pointer takes rcx, so the i128's address is in rdx.
        assert_eq!(l.params[0], ParamLoc::ByRef(ArgLoc::Reg(regs::preg_rdx())));
        assert_eq!(l.params[1], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_r8())]));
        assert_eq!(l.rets[0].as_slice(), [RetLoc::Area(0), RetLoc::Area(8)]);
        assert_eq!(l.ret_area_size, 16);
    }

    #[test]
    fn callee_saved_and_clobbers_follow_the_convention() {
        let win = callee_saved(CallConv::WindowsFastcall);
        for p in [regs::preg_rdi(), regs::preg_rsi(), regs::preg_rbx(), regs::preg_xmm(6), regs::preg_xmm(15)] {
            assert!(win.contains(&p));
        }
        assert!(!win.contains(&regs::preg_rbp()) && !win.contains(&regs::preg_xmm(5)));
        let sysv = callee_saved(CallConv::SystemV);
        assert!(!sysv.contains(&regs::preg_rdi()) && !sysv.contains(&regs::preg_xmm(6)));
        let c = (WINDOWS.clobbers)();
        for p in win {
            assert!(!c.contains(*p), "{p:?} survives a Windows call");
        }
        for p in [regs::preg_rax(), regs::preg_rcx(), regs::preg_r11(), regs::preg_xmm(0), regs::preg_xmm(5)] {
            assert!(c.contains(p));
        }
        assert!(conv_desc(CallConv::AppleAarch64).is_err());
        let e = conv_desc(CallConv::Winch).unwrap_err();
        assert!(e.to_string().contains("winch"), "{e}");
    }

    #[test]
    fn preserve_all_keeps_everything_but_the_result_registers() {
        let all = conv_desc(CallConv::PreserveAll).unwrap();
        let clobbered = (all.clobbers)();
        let results = [regs::preg_rax(), regs::preg_rdx(), regs::preg_xmm(0), regs::preg_xmm(1)];
        for p in results {
            assert!(clobbered.contains(p) && !all.callee_saved.contains(&p), "{p:?}");
        }
        for p in regs::CALLER_SAVED_INT.iter().chain(&SYSV_CALLEE_SAVED).filter(|p| !results.contains(p)) {
            assert!(all.callee_saved.contains(p) && !clobbered.contains(*p), "{p:?}");
        }
        for n in 2..16 {
            assert!(all.callee_saved.contains(&regs::preg_xmm(n)) && !clobbered.contains(regs::preg_xmm(n)));
        }
        // Arguments and results go where System V puts them.
        assert_eq!(all.int_args, SYSV.int_args);
        assert_eq!(all.float_rets, SYSV.float_rets);
    }

    #[test]
    fn tail_calls_stay_within_a_family() {
        use types::{I64, I128};
        let check = |from: &Signature, to: &Signature| {
            check_tail_call(conv_desc(from.call_conv).unwrap(), conv_desc(to.call_conv).unwrap(), &layout(to))
        };
        let win = sig(CallConv::WindowsFastcall, &[I64], &[I64]);
        let sysv = sig(CallConv::SystemV, &[I64], &[I64]);
        assert!(check(&win, &win).is_ok());
        assert!(check(&sysv, &sig(CallConv::Tail, &[I64], &[I64])).is_ok());
        assert!(check(&win, &sysv).is_err());
        assert!(check(&sysv, &win).is_err());
        assert!(check(&win, &sig(CallConv::WindowsFastcall, &[I64; 5], &[I64])).is_ok());
        assert!(check(&win, &sig(CallConv::WindowsFastcall, &[I128], &[I64])).is_err());
    }

    #[test]
    fn vectors_go_in_xmm_registers_then_aligned_stack_slots_under_system_v() {
        use types::{F64, I32X4, I64, I64X2};
        let mut params = vec![I64, I32X4];
        params.extend([F64; 7]);
        params.extend([I64X2, I64]);
        params.push(I32X4);
        let l = layout(&sig(CallConv::SystemV, &params, &[I32X4, I64X2, I32X4]));
        assert_eq!(l.params[1], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_xmm(0))]));
        assert_eq!(l.params[8], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_xmm(7))]));
        // xmm registers are used up: the vector takes a 16-byte slot aligned to 16, after
        // which the i64 (still in a register: rdi holds the return area's address, the
        // first i64 rsi) and the last vector follow.
        assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(regs::preg_rdi())));
        assert_eq!(l.params[9], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Stack(0)]));
        assert_eq!(l.params[10], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_rdx())]));
        assert_eq!(l.params[11], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Stack(16)]));
        assert_eq!(l.stack_args_size, 32);
        assert_eq!(l.rets[0].as_slice(), [RetLoc::Reg(regs::preg_xmm(0))]);
        assert_eq!(l.rets[1].as_slice(), [RetLoc::Reg(regs::preg_xmm(1))]);
        assert_eq!(l.rets[2].as_slice(), [RetLoc::Area(0)]);
        assert_eq!(l.ret_area_size, 16);
    }

    #[test]
    fn windows_vectors_go_by_reference_and_return_in_xmm0() {
        use types::{F32, F32X4, I64, I64X2};
        let s = sig(CallConv::WindowsFastcall, &[F32X4, I64, F32, I64X2, F32X4], &[F32X4, I64, I64X2]);
        let l = layout(&s);
        // The second vector result needs the return area, whose pointer takes rcx.
        assert_eq!(l.ret_area_ptr, Some(ArgLoc::Reg(regs::preg_rcx())));
        assert_eq!(l.params[0], ParamLoc::ByRef(ArgLoc::Reg(regs::preg_rdx())));
        assert_eq!(l.params[2], ParamLoc::Direct(smallvec::smallvec![ArgLoc::Reg(regs::preg_xmm(3))]));
        assert_eq!(l.params[3], ParamLoc::ByRef(ArgLoc::Stack(32)));
        assert_eq!(l.params[4], ParamLoc::ByRef(ArgLoc::Stack(40)));
        assert_eq!(l.rets[0].as_slice(), [RetLoc::Reg(regs::preg_xmm(0))]);
        assert_eq!(l.rets[2].as_slice(), [RetLoc::Area(0)]);
        assert!(check_tail_call(&WINDOWS, &WINDOWS, &l).is_err(), "a tail call cannot pass a reference");
    }
}
