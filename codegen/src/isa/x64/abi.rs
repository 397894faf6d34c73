//! The x86-64 calling conventions: where arguments and return values go, which registers
//! a call clobbers and which a function must preserve.
//!
//! Two families of conventions (see [`Family`]):
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
//!   and passes the address at the argument's position ([`ParamLoc::ByRef`]); an `i128`
//!   result always goes to the return area. Callee-saved: rbx, rbp, rdi, rsi, r12-r15 and
//!   xmm6-xmm15 (all 128 bits; the prologue saves them with `movups`).
//!
//! Results that do not fit the return registers go, for both families, to a return area
//! whose address the caller passes as a hidden first argument (rdi under System V, rcx
//! under Windows, shifting the other arguments by one position): one 8-byte word per
//! result, two for an `i128`, in result order (see [`return_locations`]). The callee does
//! not hand the address back in rax. `apple_aarch64` is unsupported on this target.

use super::regs::{
    self, FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS, WIN_FLOAT_ARG_REGS, WIN_FLOAT_RET_REGS,
    WIN_INT_ARG_REGS, WIN_INT_RET_REGS,
};
use crate::ir::{CallConv, Signature, Type};
use crate::machinst::{PReg, PRegSet};
use crate::result::CodegenError;

/// Bytes of shadow space a Windows x64 caller reserves below the stack arguments.
pub const WIN_SHADOW_SPACE: u32 = 32;

/// The register families of the x86-64 conventions: which registers carry arguments and
/// results, and which survive a call.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    /// System V (`system_v`, `fast`, `tail`).
    SysV,
    /// Windows x64 (`windows_fastcall`).
    Windows,
}

/// The family of `conv`, or an "unsupported" error for conventions of other targets.
pub fn family(conv: CallConv) -> Result<Family, CodegenError> {
    match conv {
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => Ok(Family::SysV),
        CallConv::WindowsFastcall => Ok(Family::Windows),
        other => Err(CodegenError::Unsupported(format!("the `{other}` calling convention on x86_64"))),
    }
}

/// The callee-saved registers of `conv` that the register allocator may hand out, which
/// a function of that convention saves in its prologue when it writes them (rbp is saved
/// by every prologue and never allocated). Conventions of other targets get the System V
/// set: a function using one is rejected before it is emitted.
pub fn callee_saved(conv: CallConv) -> &'static [PReg] {
    use regs::{preg_r12, preg_r13, preg_r14, preg_r15, preg_rbx};
    const SYSV: [PReg; 5] = [preg_rbx(), preg_r12(), preg_r13(), preg_r14(), preg_r15()];
    match family(conv) {
        Ok(Family::Windows) => &regs::WIN_CALLEE_SAVED[1..],
        _ => &SYSV,
    }
}

/// Every register a call to a function of `conv` may overwrite (besides its results).
pub fn call_clobbers(conv: CallConv) -> Result<PRegSet, CodegenError> {
    Ok(match family(conv)? {
        Family::SysV => regs::caller_saved_set(),
        Family::Windows => regs::win_caller_saved_set(),
    })
}

/// Where one argument (or one register's worth of it) is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    /// In a register.
    Reg(PReg),
    /// In the stack word at this byte offset of the argument area (Windows offsets count
    /// the shadow space: the fifth argument is at 32).
    Stack(u32),
}

/// Where one parameter is passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamLoc {
    /// The value itself: one location per register of the value (two for an `i128`, low
    /// half first).
    Direct(Vec<ArgLoc>),
    /// The value is in 16-byte aligned memory the caller provides (low half first); its
    /// address is at this location (Windows x64 `i128`).
    ByRef(ArgLoc),
}

fn check_type(ty: Type) -> Result<(), CodegenError> {
    if ty.is_int_scalar() || ty.is_float_scalar() {
        Ok(())
    } else {
        Err(CodegenError::Unsupported(format!("passing `{ty}` values in calls on x86_64")))
    }
}

/// The locations of the parameters of `sig`, and the bytes of the outgoing-argument area
/// they need: the stack words (an `i128` under System V takes a 16-byte-aligned pair of
/// them when fewer than two integer registers are left), and under Windows also the
/// 32-byte shadow space below them, so that it is never less than 32.
pub fn param_locations(sig: &Signature) -> Result<(Vec<ParamLoc>, u32), CodegenError> {
    let family = family(sig.call_conv)?;
    let hidden = ret_area_reg(sig)?.is_some() as usize;
    for p in &sig.params {
        check_type(p.value_type)?;
    }
    Ok(match family {
        Family::SysV => sysv_params(sig, hidden),
        Family::Windows => win_params(sig, hidden),
    })
}

fn sysv_params(sig: &Signature, hidden: usize) -> (Vec<ParamLoc>, u32) {
    // The hidden return-area pointer, when there is one, takes the first integer register.
    let (mut ints, mut floats, mut stack) = (hidden, 0usize, 0u32);
    let mut locs = Vec::with_capacity(sig.params.len());
    for p in &sig.params {
        let ty = p.value_type;
        let loc = if ty.is_float() {
            floats += 1;
            match FLOAT_ARG_REGS.get(floats - 1) {
                Some(&r) => vec![ArgLoc::Reg(r)],
                None => {
                    stack += 8;
                    vec![ArgLoc::Stack(stack - 8)]
                }
            }
        } else if ty.bits() == 128 {
            if ints + 2 <= INT_ARG_REGS.len() {
                ints += 2;
                vec![ArgLoc::Reg(INT_ARG_REGS[ints - 2]), ArgLoc::Reg(INT_ARG_REGS[ints - 1])]
            } else {
                ints = INT_ARG_REGS.len();
                stack = stack.next_multiple_of(16) + 16;
                vec![ArgLoc::Stack(stack - 16), ArgLoc::Stack(stack - 8)]
            }
        } else {
            ints += 1;
            match INT_ARG_REGS.get(ints - 1) {
                Some(&r) => vec![ArgLoc::Reg(r)],
                None => {
                    stack += 8;
                    vec![ArgLoc::Stack(stack - 8)]
                }
            }
        };
        locs.push(ParamLoc::Direct(loc));
    }
    (locs, stack)
}

fn win_params(sig: &Signature, hidden: usize) -> (Vec<ParamLoc>, u32) {
    // Position `i` (the hidden pointer first, when there is one) is in the i-th register
    // of its class, or, from the fifth on, in the stack word above the shadow space.
    let slot = |i: usize, float: bool| match (i < 4, float) {
        (true, false) => ArgLoc::Reg(WIN_INT_ARG_REGS[i]),
        (true, true) => ArgLoc::Reg(WIN_FLOAT_ARG_REGS[i]),
        (false, _) => ArgLoc::Stack(WIN_SHADOW_SPACE + 8 * (i as u32 - 4)),
    };
    let locs = sig
        .params
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (i, ty) = (hidden + k, p.value_type);
            if ty.is_int_scalar() && ty.bits() == 128 {
                ParamLoc::ByRef(slot(i, false))
            } else {
                ParamLoc::Direct(vec![slot(i, ty.is_float())])
            }
        })
        .collect();
    let positions = (hidden + sig.params.len()) as u32;
    (locs, WIN_SHADOW_SPACE + 8 * positions.saturating_sub(4))
}

/// Where one register's worth of a return value goes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RetLoc {
    /// In a register.
    Reg(PReg),
    /// In the return area, at this byte offset.
    Area(u32),
}

/// Where the return values of `sig` go, and the size of the return area. System V:
/// results take rax and rdx (integers; an `i128` takes both when both are free) and xmm0
/// and xmm1 (floats) in order. Windows: the first integer result takes rax and the first
/// float result xmm0; `i128` results never take registers. Every result that does not fit
/// goes to the return area, one 8-byte word each (two for an `i128`), in result order.
/// The caller passes the area's address as a hidden first argument (see
/// [`ret_area_reg`]). The JIT's calls (`lathe-jit`) follow the same rule.
pub fn return_locations(sig: &Signature) -> Result<(Vec<Vec<RetLoc>>, u32), CodegenError> {
    let family = family(sig.call_conv)?;
    let (int_regs, float_regs): (&[PReg], &[PReg]) = match family {
        Family::SysV => (&INT_RET_REGS, &FLOAT_RET_REGS),
        Family::Windows => (&WIN_INT_RET_REGS, &WIN_FLOAT_RET_REGS),
    };
    let (mut ints, mut floats, mut area) = (0usize, 0usize, 0u32);
    let mut locs = Vec::with_capacity(sig.returns.len());
    for r in &sig.returns {
        let ty = r.value_type;
        check_type(ty)?;
        let mut in_area = |words: u32| {
            area += 8 * words;
            (0..words).map(|w| RetLoc::Area(area - 8 * words + 8 * w)).collect::<Vec<_>>()
        };
        let l = if ty.is_float() {
            floats += 1;
            match float_regs.get(floats - 1) {
                Some(&p) => vec![RetLoc::Reg(p)],
                None => in_area(1),
            }
        } else if ty.bits() == 128 {
            if ints == 0 && int_regs.len() >= 2 {
                ints = 2;
                vec![RetLoc::Reg(int_regs[0]), RetLoc::Reg(int_regs[1])]
            } else {
                in_area(2)
            }
        } else {
            ints += 1;
            match int_regs.get(ints - 1) {
                Some(&p) => vec![RetLoc::Reg(p)],
                None => in_area(1),
            }
        };
        locs.push(l);
    }
    Ok((locs, area))
}

/// The register holding the return-area address, when `sig` needs a return area: the
/// first integer argument register of its convention (rdi or rcx).
pub fn ret_area_reg(sig: &Signature) -> Result<Option<PReg>, CodegenError> {
    let reg = match family(sig.call_conv)? {
        Family::SysV => INT_ARG_REGS[0],
        Family::Windows => WIN_INT_ARG_REGS[0],
    };
    Ok((return_locations(sig)?.1 > 0).then_some(reg))
}

/// Checks the conditions on conventions for a function of signature `caller` to tail-call
/// (`return_call`) one of signature `callee` on x86-64: both conventions must be of the
/// same family (a tail callee must preserve what the caller's caller expects, and its
/// arguments must survive the caller's epilogue, which restores the caller's callee-saved
/// registers; a Windows callee reuses the shadow space the caller's caller reserved), and
/// no argument may be passed by reference (its memory would be in the frame the epilogue
/// pops). How much stack the arguments take is checked by the lowering of the call.
pub fn check_tail_call(caller: &Signature, callee: &Signature) -> Result<(), CodegenError> {
    let (from, to) = (family(caller.call_conv)?, family(callee.call_conv)?);
    if from != to {
        return Err(CodegenError::Unsupported(format!(
            "tail calls from a `{}` function to a `{}` one on x86_64 (their callee-saved registers differ)",
            caller.call_conv, callee.call_conv
        )));
    }
    let (locs, _) = param_locations(callee)?;
    if locs.iter().any(|l| matches!(l, ParamLoc::ByRef(_))) {
        return Err(CodegenError::Unsupported(
            "tail calls passing `i128` by reference (`windows_fastcall`) on x86_64".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AbiParam, types};

    fn sig(conv: CallConv, params: &[Type], returns: &[Type]) -> Signature {
        Signature {
            params: params.iter().map(|&t| AbiParam::new(t)).collect(),
            returns: returns.iter().map(|&t| AbiParam::new(t)).collect(),
            call_conv: conv,
        }
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
    fn windows_arguments_go_by_position() {
        use types::{F32, F64, I8, I32, I64};
        let s = sig(CallConv::WindowsFastcall, &[F64, I64, F32, I32, I8, F64], &[I32]);
        let (locs, stack) = param_locations(&s).unwrap();
        assert_eq!(
            direct(&locs),
            [
                ArgLoc::Reg(regs::preg_xmm(0)),
                ArgLoc::Reg(regs::preg_rdx()),
                ArgLoc::Reg(regs::preg_xmm(2)),
                ArgLoc::Reg(regs::preg_r9()),
                ArgLoc::Stack(32),
                ArgLoc::Stack(40),
            ]
        );
        assert_eq!(stack, 48, "shadow space and two stack words");
        let (_, stack) = param_locations(&sig(CallConv::WindowsFastcall, &[], &[])).unwrap();
        assert_eq!(stack, 32, "the shadow space is always reserved");
    }

    #[test]
    fn windows_return_area_pointer_takes_rcx_and_shifts_arguments() {
        use types::{F64, I64};
        let s = sig(CallConv::WindowsFastcall, &[I64, F64, I64, I64], &[I64, I64, F64, F64]);
        let (rets, area) = return_locations(&s).unwrap();
        assert_eq!(rets[0], [RetLoc::Reg(regs::preg_rax())]);
        assert_eq!(rets[1], [RetLoc::Area(0)]);
        assert_eq!(rets[2], [RetLoc::Reg(regs::preg_xmm(0))]);
        assert_eq!(rets[3], [RetLoc::Area(8)]);
        assert_eq!(area, 16);
        assert_eq!(ret_area_reg(&s).unwrap(), Some(regs::preg_rcx()));
        let (locs, stack) = param_locations(&s).unwrap();
        assert_eq!(
            direct(&locs),
            [
                ArgLoc::Reg(regs::preg_rdx()),
                ArgLoc::Reg(regs::preg_xmm(2)),
                ArgLoc::Reg(regs::preg_r9()),
                ArgLoc::Stack(32)
            ]
        );
        assert_eq!(stack, 40);
    }

    #[test]
    fn windows_i128_goes_by_reference_and_returns_in_the_area() {
        let s = sig(CallConv::WindowsFastcall, &[types::I128, types::I64], &[types::I128]);
        let (locs, _) = param_locations(&s).unwrap();
        // The return area's pointer takes rcx, so the i128's address is in rdx.
        assert_eq!(locs[0], ParamLoc::ByRef(ArgLoc::Reg(regs::preg_rdx())));
        assert_eq!(locs[1], ParamLoc::Direct(vec![ArgLoc::Reg(regs::preg_r8())]));
        let (rets, area) = return_locations(&s).unwrap();
        assert_eq!(rets[0], [RetLoc::Area(0), RetLoc::Area(8)]);
        assert_eq!(area, 16);
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
        let c = call_clobbers(CallConv::WindowsFastcall).unwrap();
        for p in win {
            assert!(!c.contains(*p), "{p:?} survives a Windows call");
        }
        for p in [regs::preg_rax(), regs::preg_rcx(), regs::preg_r11(), regs::preg_xmm(0), regs::preg_xmm(5)] {
            assert!(c.contains(p));
        }
        assert!(call_clobbers(CallConv::AppleAarch64).is_err());
    }

    #[test]
    fn tail_calls_stay_within_a_family() {
        use types::{I64, I128};
        let win = sig(CallConv::WindowsFastcall, &[I64], &[I64]);
        let sysv = sig(CallConv::SystemV, &[I64], &[I64]);
        assert!(check_tail_call(&win, &win).is_ok());
        assert!(check_tail_call(&sysv, &sig(CallConv::Tail, &[I64], &[I64])).is_ok());
        assert!(check_tail_call(&win, &sysv).is_err());
        assert!(check_tail_call(&sysv, &win).is_err());
        assert!(check_tail_call(&win, &sig(CallConv::WindowsFastcall, &[I64; 5], &[I64])).is_ok());
        assert!(check_tail_call(&win, &sig(CallConv::WindowsFastcall, &[I128], &[I64])).is_err());
    }
}
