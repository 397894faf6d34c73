//! The System V x86-64 calling convention: where arguments and return values go.
//!
//! `fast` and `tail` functions use the same locations for now (there is no faster
//! convention yet); `windows_fastcall` and `apple_aarch64` are unsupported on this target.
//! Integer arguments go in rdi rsi rdx rcx r8 r9, floats in xmm0-7, the rest in 8-byte
//! stack words in order; up to two integer and two float values are returned in rax rdx
//! and xmm0 xmm1; the rest go to a return area whose address the caller passes in rdi
//! (see [`return_locations`]). An `i128` takes two integer registers (low half first) or
//! two stack words.

use super::regs::{FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS};
use crate::ir::{CallConv, Signature, Type};
use crate::machinst::PReg;
use crate::result::CodegenError;

/// Where one argument is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    /// In a register.
    Reg(PReg),
    /// In the stack word at this byte offset of the argument area.
    Stack(u32),
}

fn check_conv(sig: &Signature) -> Result<(), CodegenError> {
    match sig.call_conv {
        CallConv::SystemV | CallConv::Fast | CallConv::Tail => Ok(()),
        other => Err(CodegenError::Unsupported(format!("the `{other}` calling convention on x86_64"))),
    }
}

fn check_type(ty: Type) -> Result<(), CodegenError> {
    if ty.is_int_scalar() || ty.is_float_scalar() {
        Ok(())
    } else {
        Err(CodegenError::Unsupported(format!("passing `{ty}` values in calls on x86_64")))
    }
}

/// The locations of the parameters of `sig` (one per register of each parameter: two for
/// `i128`, low half first), and the bytes of stack they take. An `i128` goes in two
/// consecutive integer registers, or, when fewer than two are left, in a 16-byte-aligned
/// pair of stack words.
pub fn param_locations(sig: &Signature) -> Result<(Vec<Vec<ArgLoc>>, u32), CodegenError> {
    check_conv(sig)?;
    // The hidden return-area pointer, when there is one, takes the first integer register.
    let (mut ints, mut floats, mut stack) = (ret_area_reg(sig)?.is_some() as usize, 0usize, 0u32);
    let mut locs = Vec::with_capacity(sig.params.len());
    for p in &sig.params {
        let ty = p.value_type;
        check_type(ty)?;
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
        locs.push(loc);
    }
    Ok((locs, stack))
}

/// Where one register's worth of a return value goes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RetLoc {
    /// In a register.
    Reg(PReg),
    /// In the return area, at this byte offset.
    Area(u32),
}

/// Where the return values of `sig` go, and the size of the return area. Results take
/// rax and rdx (integers; an `i128` takes both when both are free) and xmm0 and xmm1
/// (floats) in order; every result that does not fit goes to the return area, one 8-byte
/// word each (two for an `i128`), in result order. The caller passes the area's address
/// as a hidden first integer argument (in rdi). The JIT's calls (`lathe-jit`) follow the
/// same rule.
pub fn return_locations(sig: &Signature) -> Result<(Vec<Vec<RetLoc>>, u32), CodegenError> {
    check_conv(sig)?;
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
            match FLOAT_RET_REGS.get(floats - 1) {
                Some(&p) => vec![RetLoc::Reg(p)],
                None => in_area(1),
            }
        } else if ty.bits() == 128 {
            if ints == 0 {
                ints = 2;
                vec![RetLoc::Reg(INT_RET_REGS[0]), RetLoc::Reg(INT_RET_REGS[1])]
            } else {
                in_area(2)
            }
        } else {
            ints += 1;
            match INT_RET_REGS.get(ints - 1) {
                Some(&p) => vec![RetLoc::Reg(p)],
                None => in_area(1),
            }
        };
        locs.push(l);
    }
    Ok((locs, area))
}

/// The register holding the return-area address, when `sig` needs a return area.
pub fn ret_area_reg(sig: &Signature) -> Result<Option<PReg>, CodegenError> {
    Ok((return_locations(sig)?.1 > 0).then_some(INT_ARG_REGS[0]))
}
