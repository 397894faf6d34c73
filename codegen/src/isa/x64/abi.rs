//! The System V x86-64 calling convention: where arguments and return values go.
//!
//! `fast` and `tail` functions use the same locations for now (there is no faster
//! convention yet); `windows_fastcall` and `apple_aarch64` are unsupported on this target.
//! Integer arguments go in rdi rsi rdx rcx r8 r9, floats in xmm0-7, the rest in 8-byte
//! stack words in order; up to two integer and two float values are returned in rax rdx
//! and xmm0 xmm1 (more results need a return area: unsupported yet).

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
    if (ty.is_int_scalar() && ty.bits() <= 64) || ty.is_float_scalar() {
        Ok(())
    } else {
        Err(CodegenError::Unsupported(format!("passing `{ty}` values in calls on x86_64")))
    }
}

/// The locations of the parameters of `sig`, and the bytes of stack they take.
pub fn param_locations(sig: &Signature) -> Result<(Vec<ArgLoc>, u32), CodegenError> {
    check_conv(sig)?;
    let (mut ints, mut floats, mut stack) = (0, 0, 0u32);
    let mut locs = Vec::with_capacity(sig.params.len());
    for p in &sig.params {
        check_type(p.value_type)?;
        let loc = if p.value_type.is_float() {
            floats += 1;
            FLOAT_ARG_REGS.get(floats - 1).map(|&r| ArgLoc::Reg(r))
        } else {
            ints += 1;
            INT_ARG_REGS.get(ints - 1).map(|&r| ArgLoc::Reg(r))
        };
        locs.push(loc.unwrap_or_else(|| {
            stack += 8;
            ArgLoc::Stack(stack - 8)
        }));
    }
    Ok((locs, stack))
}

/// The registers of the return values of `sig`.
pub fn return_locations(sig: &Signature) -> Result<Vec<PReg>, CodegenError> {
    check_conv(sig)?;
    let (mut ints, mut floats) = (0, 0);
    let mut locs = Vec::with_capacity(sig.returns.len());
    for r in &sig.returns {
        check_type(r.value_type)?;
        let reg = if r.value_type.is_float() {
            floats += 1;
            FLOAT_RET_REGS.get(floats - 1)
        } else {
            ints += 1;
            INT_RET_REGS.get(ints - 1)
        };
        locs.push(
            *reg.ok_or_else(|| CodegenError::Unsupported("more return values than return registers on x86_64".into()))?,
        );
    }
    Ok(locs)
}
