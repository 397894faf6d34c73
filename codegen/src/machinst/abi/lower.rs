//! Lowering of calls, tail calls, returns and a function's parameters, once for every ISA.
//!
//! Input: an IR instruction (or the entry block's parameters) and the [`CallLayout`] of
//! its signature. Output: machine instructions, made through an ISA's [`AbiHooks`]:
//! stores and loads of argument slots, the call with its arguments as fixed register uses,
//! its results as fixed register defs and the convention's clobbers, and the entry
//! pseudo-instruction that defines the incoming argument registers.
//!
//! The outgoing-argument area, at the stack pointer during a call, holds the reserved area
//! and the stack arguments, then the return area, then 16-byte aligned copies of the
//! arguments passed by reference; the driver sizes it for the largest call
//! (`Lower::need_outgoing_args`).

use super::{ArgLoc, CallLayout, ConvDesc, ParamLoc, RetLoc, check_tail_call};
use crate::ir::{AbiParam, ArgumentExtension, CallConv, ExternalName, Inst, InstructionData, Type, Value, types};
use crate::machinst::inst::MachInst;
use crate::machinst::lower::{Lower, ValueRegs, class_of};
use crate::machinst::reg::Reg;
use crate::result::CodegenError;
use regalloc2::{PReg, PRegSet, RegClass};

/// What a call goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallTarget {
    /// A symbol.
    Known(ExternalName),
    /// An address in a register.
    Reg(Reg),
}

/// The base of an address the ABI layer loads from or stores to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AbiBase {
    /// The stack pointer: the outgoing-argument area of a call.
    Outgoing,
    /// The function's own incoming argument area (its stack arguments).
    Incoming,
    /// A register.
    Reg(Reg),
}

/// The instructions an ISA builds for the ABI layer. A load or store moves one register's
/// worth of a value of type `ty` (`I64` for integer slots and halves, the float type for
/// floats).
pub trait AbiHooks {
    /// The ISA's instruction.
    type I: MachInst;
    /// The description of `conv`, or an "unsupported" error for conventions the ISA does
    /// not have.
    fn conv(&self, conv: CallConv) -> Result<&'static ConvDesc, CodegenError>;
    /// Loads `dst` from `base + offset`.
    fn gen_load(&self, dst: Reg, ty: Type, base: AbiBase, offset: u32) -> Self::I;
    /// Stores `src` to `base + offset`.
    fn gen_store(&self, src: Reg, ty: Type, base: AbiBase, offset: u32) -> Self::I;
    /// Puts the address `base + offset` in `dst`.
    fn gen_addr(&self, dst: Reg, base: AbiBase, offset: u32) -> Self::I;
    /// The entry pseudo-instruction: defines each argument register (fixed defs) and names
    /// the function's convention.
    fn gen_args(&self, args: Vec<(Reg, PReg)>, conv: CallConv) -> Self::I;
    /// The return, with each result as a fixed use of its register.
    fn gen_ret(&self, rets: Vec<(Reg, PReg)>) -> Self::I;
    /// A call with its arguments as fixed uses, results as fixed defs, and the registers
    /// it overwrites besides them.
    fn gen_call(
        &self,
        target: CallTarget,
        uses: Vec<(Reg, PReg)>,
        defs: Vec<(Reg, PReg)>,
        clobbers: PRegSet,
    ) -> Self::I;
    /// A `try_call*`'s call, a block terminator: like [`gen_call`](Self::gen_call), then a
    /// branch to `targets[0]` (the normal destination's block); `handlers` are the tags
    /// (`None` for `default`) and landing-pad labels recorded with the call site. The ISA
    /// adds every other allocatable register to `clobbers`, so that no value lives in a
    /// register across the call and a landing pad needs only the stack and frame pointers
    /// restored. `None` on ISAs without exceptions.
    fn gen_try_call(
        &self,
        target: CallTarget,
        uses: Vec<(Reg, PReg)>,
        defs: Vec<(Reg, PReg)>,
        clobbers: PRegSet,
        targets: &[crate::machinst::buffer::MachLabel],
        tags: Vec<Option<u32>>,
    ) -> Option<Self::I> {
        let _ = (target, uses, defs, clobbers, targets, tags);
        None
    }
    /// A tail call (the epilogue is emitted before it).
    fn gen_return_call(&self, target: CallTarget, uses: Vec<(Reg, PReg)>) -> Self::I;
    /// Extends the integer `src` of type `from` to 64 bits into `dst` (zero or sign), for
    /// parameters and results declared `uext` or `sext`.
    fn gen_extend(&self, dst: Reg, src: Reg, from: Type, signed: bool) -> Self::I;
    /// Copies the bits of `src`, a value of type `ty`, into `dst` of the other register
    /// class: a float argument passed in an integer register (RISC-V's hard-float rule,
    /// `ArgAssignment::ByClass { float_to_int: true }`). Only conventions that assign
    /// across classes are asked; the others need not implement it.
    fn gen_move_class(&self, dst: Reg, src: Reg, ty: Type) -> Option<Self::I> {
        let _ = (dst, src, ty);
        None
    }
}

/// `r` (of type `ty`) in a register of `p`'s class: itself, or a copy into a fresh
/// register of that class (see [`AbiHooks::gen_move_class`]).
fn in_class_of<H: AbiHooks>(
    ctx: &mut Lower<'_, H::I>,
    hooks: &H,
    r: Reg,
    ty: Type,
    p: PReg,
) -> Result<Reg, CodegenError> {
    if r.class() == p.class() {
        return Ok(r);
    }
    let dst = ctx.alloc_tmp(p.class());
    let mv = hooks
        .gen_move_class(dst, r, ty)
        .ok_or_else(|| CodegenError::Unsupported(format!("passing a `{ty}` value in a register of another class")))?;
    ctx.emit(mv);
    Ok(dst)
}

/// `r`, holding a value passed as `param`, extended to 64 bits when the parameter is a
/// narrow integer declared `uext` or `sext`. Every convention Lathe supports leaves the
/// upper bits of narrow values unspecified unless the signature asks; some (RISC-V,
/// s390x) require the extension and their front ends declare it, and C compilers rely on
/// it on x86-64 too, so a declared extension is always made.
fn extended<H: AbiHooks>(ctx: &mut Lower<'_, H::I>, hooks: &H, param: &AbiParam, r: Reg) -> Reg {
    let ty = param.value_type;
    let signed = match param.extension {
        ArgumentExtension::Uext => false,
        ArgumentExtension::Sext => true,
        ArgumentExtension::None => return r,
    };
    if !ty.is_int_scalar() || ty.bits() >= 64 {
        return r;
    }
    let dst = ctx.alloc_tmp(RegClass::Int);
    ctx.emit(hooks.gen_extend(dst, r, ty, signed));
    dst
}

/// The type of one return-area slot's worth of a value of type `ty`.
fn area_type(ty: Type) -> Type {
    if ty.is_float() || ty.is_vector() { ty } else { types::I64 }
}

/// The offset and type of register `k` of a value of type `ty` passed by reference: the
/// halves of an `i128` (see [`half_offset`]), or a whole vector at offset 0.
fn by_ref_part<I: MachInst>(ty: Type, k: usize) -> (u32, Type) {
    if super::is_vector128(ty) { (0, ty) } else { (half_offset::<I>(k), types::I64) }
}

/// The byte offset of half `k` (0: low, 1: high) of a 128-bit integer in memory: the low
/// half first on a little-endian ISA, the high half first on a big-endian one (s390x), so
/// arguments passed by reference and results in the return area lie as the platform's C
/// compiler lays out a 128-bit integer.
fn half_offset<I: MachInst>(k: usize) -> u32 {
    match I::ENDIANNESS {
        crate::ir::Endianness::Little => 8 * k as u32,
        crate::ir::Endianness::Big => 8 * (1 - k as u32),
    }
}

/// The return-area location of half `k` of a result of `n` halves (`loc` as
/// `CallLayout` gives it, low half first), in the ISA's byte order (see [`half_offset`]).
fn area_loc<I: MachInst>(loc: RetLoc, k: usize, n: usize) -> RetLoc {
    match loc {
        RetLoc::Area(off) if n == 2 => RetLoc::Area(off - 8 * k as u32 + half_offset::<I>(k)),
        other => other,
    }
}

/// What a call instruction calls, before its address is in a register.
enum Callee {
    Known(ExternalName),
    Value(Value),
}

impl Callee {
    /// The call target; an address value is put in a register now (after the arguments,
    /// so registers are numbered in the order the instructions use them).
    fn target<I: MachInst>(self, ctx: &mut Lower<'_, I>) -> CallTarget {
        match self {
            Callee::Known(name) => CallTarget::Known(name),
            Callee::Value(v) => CallTarget::Reg(ctx.put_in_reg(v)),
        }
    }
}

/// The signature of a call instruction, its callee and its arguments.
fn call_parts<'f, I: MachInst>(
    ctx: &Lower<'f, I>,
    inst: Inst,
) -> Result<(&'f crate::ir::Signature, Callee, Vec<Value>), CodegenError> {
    let f = ctx.f;
    let sig_ref =
        f.dfg.call_signature(inst).ok_or_else(|| CodegenError::Unsupported("a call without a signature".into()))?;
    let sig =
        f.dfg.signatures.get(sig_ref).ok_or_else(|| CodegenError::Unsupported("an undeclared signature".into()))?;
    let all_args = f.dfg.inst_args(inst);
    Ok(match f.dfg.insts[inst] {
        InstructionData::CallIndirect { .. } => {
            let (callee, args) =
                all_args.split_first().ok_or_else(|| CodegenError::Unsupported("a malformed call".into()))?;
            (sig, Callee::Value(*callee), args.to_vec())
        }
        InstructionData::TryCallIndirect { .. } => {
            let (callee, args) =
                all_args.split_first().ok_or_else(|| CodegenError::Unsupported("a malformed call".into()))?;
            (sig, Callee::Value(*callee), args.to_vec())
        }
        InstructionData::Call { func_ref, .. } | InstructionData::TryCall { func_ref, .. } => {
            let ext = f
                .dfg
                .ext_funcs
                .get(func_ref)
                .ok_or_else(|| CodegenError::Unsupported("a call to an undeclared function".into()))?;
            (sig, Callee::Known(ext.name.clone()), all_args.to_vec())
        }
        _ => return Err(CodegenError::Unsupported("a malformed call".into())),
    })
}

/// The register holding the function's own return-area pointer, made on first use (blocks
/// are lowered backward, so a return may be lowered before the parameters define it).
fn own_ret_area<I: MachInst>(ctx: &mut Lower<'_, I>) -> Reg {
    match ctx.ret_area {
        Some(r) => r,
        None => {
            let r = ctx.alloc_tmp(RegClass::Int);
            ctx.ret_area = Some(r);
            r
        }
    }
}

/// Puts outgoing argument register `r` where `at` says: a fixed use of the call, or a
/// store to its stack slot.
fn place_arg<H: AbiHooks>(
    ctx: &mut Lower<'_, H::I>,
    hooks: &H,
    desc: &ConvDesc,
    r: Reg,
    ty: Type,
    at: ArgLoc,
    uses: &mut Vec<(Reg, PReg)>,
) -> Result<(), CodegenError> {
    match at {
        ArgLoc::Reg(p) => uses.push((in_class_of(ctx, hooks, r, ty, p)?, p)),
        ArgLoc::Stack(off) => ctx.emit(hooks.gen_store(r, desc.stack_type(ty), AbiBase::Outgoing, off)),
    }
    Ok(())
}

/// Lowers `call` and `call_indirect`: arguments into their registers and stack slots (and,
/// for arguments passed by reference, into 16-byte slots of the outgoing area whose
/// addresses are passed), the call, then the results out of their registers and the return
/// area.
pub fn lower_call<H: AbiHooks>(ctx: &mut Lower<'_, H::I>, hooks: &H, inst: Inst) -> Result<(), CodegenError> {
    lower_call_or_try(ctx, hooks, inst, None)
}

/// Lowers `try_call` and `try_call_indirect`, terminators whose successors (the normal
/// destination, then each handler) are the split edges `targets`: the arguments as for
/// `call`, then the call with its branch. The results' registers are kept in
/// [`Lower::try_call_results`] for the normal edge's `retN` arguments. Results in the
/// return area would need loads after the call, on the normal edge only: refused as
/// unsupported.
pub fn lower_try_call<H: AbiHooks>(
    ctx: &mut Lower<'_, H::I>,
    hooks: &H,
    inst: Inst,
    targets: &[crate::machinst::buffer::MachLabel],
) -> Result<(), CodegenError> {
    lower_call_or_try(ctx, hooks, inst, Some(targets))
}

fn lower_call_or_try<H: AbiHooks>(
    ctx: &mut Lower<'_, H::I>,
    hooks: &H,
    inst: Inst,
    try_targets: Option<&[crate::machinst::buffer::MachLabel]>,
) -> Result<(), CodegenError> {
    let (sig, callee, args) = call_parts(ctx, inst)?;
    let desc = hooks.conv(sig.call_conv)?;
    let layout = CallLayout::new(desc, sig)?;
    let area_offset = layout.stack_args_size.next_multiple_of(8);
    let byref_offset = (area_offset + layout.ret_area_size).next_multiple_of(16);
    let num_byref = layout.params.iter().filter(|l| matches!(l, ParamLoc::ByRef(_))).count() as u32;
    ctx.need_outgoing_args(byref_offset + 16 * num_byref);
    let mut uses = Vec::new();
    if let Some(at) = layout.ret_area_ptr {
        let ptr = ctx.alloc_tmp(RegClass::Int);
        ctx.emit(hooks.gen_addr(ptr, AbiBase::Outgoing, area_offset));
        place_arg(ctx, hooks, desc, ptr, types::I64, at, &mut uses)?;
    }
    let mut byref_slot = byref_offset;
    for ((&a, loc), param) in args.iter().zip(&layout.params).zip(&sig.params) {
        let ty = ctx.value_type(a);
        let value_regs = ctx.put_in_regs(a);
        match loc {
            ParamLoc::Direct(arg_locs) => {
                for (&r, &at) in value_regs.regs().iter().zip(arg_locs) {
                    let r = extended(ctx, hooks, param, r);
                    place_arg(ctx, hooks, desc, r, ty, at, &mut uses)?;
                }
            }
            ParamLoc::ByRef(at) => {
                for (k, &r) in value_regs.regs().iter().enumerate() {
                    let (off, part) = by_ref_part::<H::I>(ty, k);
                    ctx.emit(hooks.gen_store(r, part, AbiBase::Outgoing, byref_slot + off));
                }
                let ptr = ctx.alloc_tmp(RegClass::Int);
                ctx.emit(hooks.gen_addr(ptr, AbiBase::Outgoing, byref_slot));
                place_arg(ctx, hooks, desc, ptr, types::I64, *at, &mut uses)?;
                byref_slot += 16;
            }
        }
    }
    // A `try_call` has no result values: its callee's returns are typed by the signature.
    let result_types: Vec<Type> = match try_targets {
        Some(_) => sig.returns.iter().map(|p| p.value_type).collect(),
        None => ctx.f.dfg.inst_results(inst).iter().map(|&v| ctx.value_type(v)).collect(),
    };
    let results = ctx.f.dfg.inst_results(inst).to_vec();
    let mut defs = Vec::new();
    let mut clobbers = (desc.clobbers)();
    let mut area_loads = Vec::new();
    let mut outputs = Vec::with_capacity(result_types.len());
    for (&ty, ret_locs) in result_types.iter().zip(&layout.rets) {
        let mut rs = Vec::with_capacity(2);
        for (k, &loc) in ret_locs.iter().enumerate() {
            let r = ctx.alloc_tmp(class_of(ty));
            match area_loc::<H::I>(loc, k, ret_locs.len()) {
                RetLoc::Reg(p) => {
                    defs.push((r, p));
                    clobbers.remove(p);
                }
                RetLoc::Area(off) => {
                    area_loads.push(hooks.gen_load(r, area_type(ty), AbiBase::Outgoing, area_offset + off))
                }
            }
            rs.push(r);
        }
        outputs.push(if rs.len() == 2 { ValueRegs::two(rs[0], rs[1]) } else { ValueRegs::one(rs[0]) });
    }
    let target = callee.target(ctx);
    if let Some(targets) = try_targets {
        if !area_loads.is_empty() || layout.ret_area_ptr.is_some() {
            return Err(CodegenError::Unsupported(
                "a try_call whose callee returns values in memory (more results than return registers)".into(),
            ));
        }
        let tags: Vec<Option<u32>> = ctx.f.dfg.insts[inst]
            .exception_table()
            .and_then(|t| ctx.f.dfg.exception_tables.get(t))
            .map(|t| t.handlers().map(|(tag, _)| tag).collect())
            .unwrap_or_default();
        let call = hooks
            .gen_try_call(target, uses, defs, clobbers, targets, tags)
            .ok_or_else(|| CodegenError::Unsupported("try_call on this ISA".into()))?;
        ctx.emit(call);
        ctx.try_call_results.insert(inst, outputs);
        return Ok(());
    }
    ctx.emit(hooks.gen_call(target, uses, defs, clobbers));
    for load in area_loads {
        ctx.emit(load);
    }
    for (&v, regs) in results.iter().zip(outputs) {
        ctx.set_output_regs(v, regs);
    }
    Ok(())
}

/// Lowers `return_call` and `return_call_indirect`: arguments into their registers (the
/// function's own return area, if the results need one, is passed on), then the epilogue
/// and a jump. Stack arguments are written over the function's own incoming argument
/// area, where the callee finds them once the epilogue has run; the caller that made that
/// area (and frees it) sized it for our signature, so a callee that needs more argument
/// stack than we received is reported unsupported. Every incoming stack argument was
/// loaded into a register at entry, so overwriting the area loses nothing.
pub fn lower_return_call<H: AbiHooks>(ctx: &mut Lower<'_, H::I>, hooks: &H, inst: Inst) -> Result<(), CodegenError> {
    let (sig, callee, args) = call_parts(ctx, inst)?;
    let own = hooks.conv(ctx.f.signature.call_conv)?;
    let desc = hooks.conv(sig.call_conv)?;
    let layout = CallLayout::new(desc, sig)?;
    check_tail_call(own, desc, &layout)?;
    let incoming = CallLayout::new(own, &ctx.f.signature)?.stack_args_size;
    if layout.stack_args_size > incoming {
        return Err(CodegenError::Unsupported(format!(
            "a tail call passing {} bytes of stack arguments from a function that received {incoming} ({})",
            layout.stack_args_size, desc.name
        )));
    }
    let mut uses = Vec::new();
    if let Some(at) = layout.ret_area_ptr {
        let area = own_ret_area(ctx);
        match at {
            ArgLoc::Reg(p) => uses.push((area, p)),
            ArgLoc::Stack(off) => ctx.emit(hooks.gen_store(area, types::I64, AbiBase::Incoming, off)),
        }
    }
    let mut stores = Vec::new();
    for ((&a, loc), param) in args.iter().zip(&layout.params).zip(&sig.params) {
        let ty = ctx.value_type(a);
        let value_regs = ctx.put_in_regs(a);
        let ParamLoc::Direct(arg_locs) = loc else {
            return Err(CodegenError::Unsupported(format!(
                "a tail call passing an argument by reference ({})",
                desc.name
            )));
        };
        for (&r, &at) in value_regs.regs().iter().zip(arg_locs) {
            let r = extended(ctx, hooks, param, r);
            match at {
                ArgLoc::Reg(p) => uses.push((in_class_of(ctx, hooks, r, ty, p)?, p)),
                ArgLoc::Stack(off) => stores.push(hooks.gen_store(r, desc.stack_type(ty), AbiBase::Incoming, off)),
            }
        }
    }
    // The callee reads its stack arguments only after the jump, and every value stored is
    // already in a register, so the stores may go in any order.
    for s in stores {
        ctx.emit(s);
    }
    let target = callee.target(ctx);
    ctx.emit(hooks.gen_return_call(target, uses));
    Ok(())
}

/// Lowers `return`: each result into its register or its slot of the return area.
pub fn lower_return<H: AbiHooks>(ctx: &mut Lower<'_, H::I>, hooks: &H, inst: Inst) -> Result<(), CodegenError> {
    let f = ctx.f;
    let desc = hooks.conv(f.signature.call_conv)?;
    let layout = CallLayout::new(desc, &f.signature)?;
    let args = f.dfg.inst_args(inst).to_vec();
    let mut rets = Vec::new();
    for ((&v, ret_locs), param) in args.iter().zip(&layout.rets).zip(&f.signature.returns) {
        let ty = ctx.value_type(v);
        let regs = ctx.put_in_regs(v);
        for (k, (&r, &loc)) in regs.regs().iter().zip(ret_locs).enumerate() {
            let r = extended(ctx, hooks, param, r);
            match area_loc::<H::I>(loc, k, ret_locs.len()) {
                RetLoc::Reg(p) => rets.push((r, p)),
                RetLoc::Area(off) => {
                    let base = own_ret_area(ctx);
                    ctx.emit(hooks.gen_store(r, area_type(ty), AbiBase::Reg(base), off));
                }
            }
        }
    }
    ctx.emit(hooks.gen_ret(rets));
    Ok(())
}

/// Lowers the entry block's parameters: the entry pseudo-instruction defines the argument
/// registers, then stack arguments and arguments passed by reference are loaded.
pub fn lower_params<H: AbiHooks>(ctx: &mut Lower<'_, H::I>, hooks: &H, params: &[Value]) -> Result<(), CodegenError> {
    let conv = ctx.f.signature.call_conv;
    let desc = hooks.conv(conv)?;
    let layout = CallLayout::new(desc, &ctx.f.signature)?;
    let mut args: Vec<(Reg, PReg)> = Vec::new();
    let mut loads = Vec::new();
    if let Some(at) = layout.ret_area_ptr {
        let ptr = own_ret_area(ctx);
        match at {
            ArgLoc::Reg(p) => args.push((ptr, p)),
            ArgLoc::Stack(off) => loads.push(hooks.gen_load(ptr, types::I64, AbiBase::Incoming, off)),
        }
    }
    for (&p, loc) in params.iter().zip(&layout.params) {
        let ty = ctx.value_type(p);
        let value_regs = ctx.value_regs(p);
        match loc {
            ParamLoc::Direct(locs) => {
                for (&r, &at) in value_regs.regs().iter().zip(locs) {
                    match at {
                        ArgLoc::Reg(preg) if preg.class() != r.class() => {
                            // Arrives in the other class: copied over after the entry.
                            let arrived = ctx.alloc_tmp(preg.class());
                            args.push((arrived, preg));
                            loads.push(hooks.gen_move_class(r, arrived, ty).ok_or_else(|| {
                                CodegenError::Unsupported(format!("receiving a `{ty}` value in another class"))
                            })?);
                        }
                        ArgLoc::Reg(preg) => args.push((r, preg)),
                        ArgLoc::Stack(off) => {
                            loads.push(hooks.gen_load(r, desc.stack_type(ty), AbiBase::Incoming, off))
                        }
                    }
                }
            }
            ParamLoc::ByRef(at) => {
                // The caller's copy: its address arrives in a register or a stack slot.
                let ptr = ctx.alloc_tmp(RegClass::Int);
                match *at {
                    ArgLoc::Reg(preg) => args.push((ptr, preg)),
                    ArgLoc::Stack(off) => loads.push(hooks.gen_load(ptr, types::I64, AbiBase::Incoming, off)),
                }
                for (k, &r) in value_regs.regs().iter().enumerate() {
                    let (off, part) = by_ref_part::<H::I>(ty, k);
                    loads.push(hooks.gen_load(r, part, AbiBase::Reg(ptr), off));
                }
            }
        }
    }
    ctx.emit(hooks.gen_args(args, conv));
    for l in loads {
        ctx.emit(l);
    }
    Ok(())
}
