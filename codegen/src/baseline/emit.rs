//! What every ISA part of the baseline tier does the same way around its own
//! instructions: the driver of one compile ([`run_tier`]: preparation, timing, listing and
//! unwind records as the settings ask), putting one instruction or the frame's items into
//! the `MachBuffer` ([`put_inst`], [`put_frame_items`]), and the sizes of the frame areas
//! the tier reserves ([`outgoing_area_size`], [`home_slots`]).
//!
//! Input: the ISA part's instructions (any [`MachInst`]) and the function. Output: bytes,
//! records and listing lines in the buffer and vectors the ISA part owns.

use crate::ir::{CallConv, Function};
use crate::machinst::abi::{CallLayout, ConvDesc};
use crate::machinst::{
    CompileOptions, CompiledCode, EmitState, FrameInfo, FrameItem, MachBuffer, MachInst, MachLabel, Pass, UnwindRecord,
};
use crate::result::CodegenError;
use crate::settings::Flags;
use std::fmt::Write;
use std::time::Instant;

/// Compiles `func` with an ISA part's emitter: `emit(prepared, want_listing)` does the one
/// pass. The whole pass counts as emission (there is no separate lowering or allocation);
/// unwind records and the listing are dropped unless the settings and options ask for
/// them, and `print_after=emit` gets the listing.
pub fn run_tier(
    func: &Function,
    flags: &Flags,
    options: &mut CompileOptions,
    emit: impl FnOnce(&Function, bool) -> Result<CompiledCode, CodegenError>,
) -> Result<CompiledCode, CodegenError> {
    let start = Instant::now();
    let verify_before = options.times.verify;
    let func = super::prepare(func, flags, options)?;
    let want_listing = options.want_listing || options.print_after == Some(Pass::Emit);
    let result = emit(&func, want_listing);
    options.times.emit += start.elapsed().saturating_sub(options.times.verify - verify_before);
    let mut code = result?;
    if !flags.unwind_info {
        code.unwind.clear();
    }
    if options.print_after == Some(Pass::Emit) {
        options.printed = Some(code.listing.clone().unwrap_or_default());
    }
    if !options.want_listing {
        code.listing = None;
    }
    Ok(code)
}

/// Emits `inst`, which `next` follows (branches to it fall through), after an island if
/// one is due, and prints it into `listing` when there is one.
pub fn put_inst<I: MachInst>(
    buf: &mut MachBuffer<I::LabelUse>,
    frame: &FrameInfo,
    next: Option<MachLabel>,
    listing: &mut Option<String>,
    inst: I,
) {
    let state = EmitState { frame, next_block: next };
    if buf.island_needed(I::WORST_CASE_SIZE) {
        buf.emit_island(I::WORST_CASE_SIZE, &mut |buf, after| I::gen_jump(after).emit(buf, &state));
    }
    if let Some(l) = listing {
        for line in inst.print_emitted(&state).lines() {
            let _ = writeln!(l, "  {line}");
        }
    }
    inst.emit(buf, &state);
}

/// Emits a prologue's or epilogue's items: instructions as [`put_inst`] does, unwind
/// events recorded at the offset they follow.
pub fn put_frame_items<I: MachInst>(
    buf: &mut MachBuffer<I::LabelUse>,
    frame: &FrameInfo,
    next: Option<MachLabel>,
    listing: &mut Option<String>,
    unwind: &mut Vec<UnwindRecord>,
    items: Vec<FrameItem<I>>,
) {
    for item in items {
        match item {
            FrameItem::Inst(inst) => put_inst(buf, frame, next, listing, inst),
            FrameItem::Unwind(inst) => unwind.push(UnwindRecord { offset: buf.cur_offset(), inst }),
        }
    }
}

/// The outgoing area the tier reserves: room for the stack arguments and return area of
/// the largest call `func` may make (any signature it declares; those `conv` or the
/// layout refuse are left out, and a call with them makes the function fall back later).
pub fn outgoing_area_size(func: &Function, conv: impl Fn(CallConv) -> Result<&'static ConvDesc, CodegenError>) -> u32 {
    func.dfg
        .signatures
        .iter()
        .filter_map(|(_, sig)| CallLayout::new(conv(sig.call_conv).ok()?, sig).ok())
        .map(|l| l.stack_args_size.next_multiple_of(8) + l.ret_area_size)
        .max()
        .unwrap_or(0)
}

/// The spill slots the tier reserves: one home per value (slot `n` for value `n`), one
/// for the address of the function's own return area (slot `num_values`), and staging
/// slots for the parallel copies of branches to the block with the most parameters
/// (from slot `num_values + 1`).
pub fn home_slots(func: &Function) -> u32 {
    let max_params = func.layout.blocks().map(|b| func.dfg.block_params(b).len()).max().unwrap_or(0);
    (func.dfg.num_values() + 1 + max_params) as u32
}
