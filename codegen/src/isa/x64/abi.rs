//! The System V x86-64 calling convention: where arguments and return values go.
//!
//! `fast` and `tail` functions use the same locations for now (there is no faster
//! convention yet); `windows_fastcall` and `apple_aarch64` are unsupported on this target.
//! Integer arguments go in rdi rsi rdx rcx r8 r9, floats in xmm0-7, the rest in 8-byte
//! stack words in order; up to two integer and two float values are returned in rax rdx
//! and xmm0 xmm1 (more results need a return area: unsupported yet). An `i128` takes two
//! integer registers (low half first) or two stack words.

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
    let (mut ints, mut floats, mut stack) = (0usize, 0usize, 0u32);
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

/// The registers of the return values of `sig` (two for an `i128`, in rax and rdx).
pub fn return_locations(sig: &Signature) -> Result<Vec<Vec<PReg>>, CodegenError> {
    check_conv(sig)?;
    let (mut ints, mut floats) = (0, 0);
    let mut locs = Vec::with_capacity(sig.returns.len());
    let too_many = || CodegenError::Unsupported("more return values than return registers on x86_64".into());
    for r in &sig.returns {
        let ty = r.value_type;
        check_type(ty)?;
        let regs = if ty.is_float() {
            floats += 1;
            vec![*FLOAT_RET_REGS.get(floats - 1).ok_or_else(too_many)?]
        } else {
            let n = if ty.bits() == 128 { 2 } else { 1 };
            let mut v = Vec::new();
            for _ in 0..n {
                ints += 1;
                v.push(*INT_RET_REGS.get(ints - 1).ok_or_else(too_many)?);
            }
            v
        };
        locs.push(regs);
    }
    Ok(locs)
}
