//! The baseline tier (`opt_level=baseline`): a single pass from IR to machine code, for
//! compile speed. No mid-end, no VCode, no register allocator: an ISA part
//! (`isa::x64::baseline`, x86-64 only so far) turns each IR instruction, in layout order,
//! into machine instructions over physical registers and emits them straight into the
//! `MachBuffer`, with the same encoder, frame layout, prologue/epilogue and unwind records
//! as the optimizing pipeline, so `CompiledCode` looks the same to the JIT and the object
//! writer.
//!
//! This module holds what is not tied to one ISA: the preparation of the function (the
//! same verification, setting checks and IR legalizations the pipeline starts with), the
//! layout of explicit stack slots, the [`RegCache`] and the fallback rule.
//!
//! # Invariants of the tier
//!
//! - Every SSA value has a home: an 8-byte slot of the frame (the spill area, one slot per
//!   value number). A value is stored to its home as soon as it is computed
//!   (write-through), so the home is always current; a register only caches it.
//! - The [`RegCache`] records which value each cache register holds. It is forgotten at
//!   every block start and around calls (nothing to write back, by write-through).
//! - Block parameters are homes too: a branch writes its arguments into the target's
//!   parameter homes (as a parallel copy) before it jumps.
//! - Only caller-saved registers are used, so the prologue saves no callee-saved register.
//!
//! # Fallback
//!
//! A function the tier cannot compile yet (an instruction or type it does not cover, such
//! as `i128`, SIMD, floats, exceptions) is not guessed at: the ISA part returns
//! [`CodegenError::Unsupported`] naming what it lacks, and [`compile_or_fall_back`]
//! compiles the whole function with the `opt_level=none` pipeline instead, recording the
//! reason in [`CompileOptions::baseline_fallback`] so callers can count fallbacks
//! (`lathe bench compile`, the filetest harness).

use crate::ir::{Function, StackSlot};
use crate::machinst::{CompileOptions, CompiledCode};
use crate::result::CodegenError;
use crate::settings::{Flags, OptLevel};
use std::borrow::Cow;
use std::time::Instant;

/// Compiles `func` with `baseline`; when that reports [`CodegenError::Unsupported`],
/// compiles it with `fallback` at `opt_level=none` and records the reason in
/// `options.baseline_fallback`. Any other error is returned as it is.
pub fn compile_or_fall_back(
    func: &Function,
    flags: &Flags,
    options: &mut CompileOptions,
    baseline: impl FnOnce(&Function, &Flags, &mut CompileOptions) -> Result<CompiledCode, CodegenError>,
    fallback: impl FnOnce(&Function, &Flags, &mut CompileOptions) -> Result<CompiledCode, CodegenError>,
) -> Result<CompiledCode, CodegenError> {
    options.baseline_fallback = None;
    match baseline(func, flags, options) {
        Err(CodegenError::Unsupported(reason)) => {
            options.baseline_fallback = Some(reason);
            let none = Flags { opt_level: OptLevel::None, ..flags.clone() };
            fallback(func, &none, options)
        }
        other => other,
    }
}

/// The function as the tier compiles it: verified (with `enable_verifier`), checked
/// against the settings, with `global_value`, the stack limit and (with
/// `enable_jump_tables=false`) `br_table` expanded into plain IR as the optimizing
/// pipeline does. Borrowed when nothing needed expanding.
pub fn prepare<'f>(
    func: &'f Function,
    flags: &Flags,
    options: &mut CompileOptions,
) -> Result<Cow<'f, Function>, CodegenError> {
    if flags.enable_verifier {
        let start = Instant::now();
        let verified = crate::verifier::verify_function(func);
        options.times.verify += start.elapsed();
        verified?;
    }
    crate::machinst::check_features(func, flags)?;
    let mut func = Cow::Borrowed(func);
    if crate::legalize::has_stack_limit(&func) {
        crate::legalize::expand_stack_limit(func.to_mut(), crate::ir::types::I64);
    }
    if crate::legalize::has_global_values(&func) {
        crate::legalize::expand_global_values(func.to_mut());
    }
    if !flags.enable_jump_tables && crate::legalize::has_br_table(&func) {
        crate::legalize::expand_br_tables(func.to_mut());
    }
    Ok(func)
}

/// Lays out the explicit stack slots as the optimizing pipeline does (each aligned to its
/// alignment, in slot order): `offsets[slot]` is the slot's offset in the stack-slot area;
/// returns the area's size, a multiple of 16.
pub fn layout_stack_slots(func: &Function, offsets: &mut Vec<u32>) -> u32 {
    offsets.clear();
    let mut offset = 0u32;
    for (_, data) in func.stack_slots.iter() {
        let align = 1u32 << data.align_shift.min(12);
        offset = offset.next_multiple_of(align.max(1));
        offsets.push(offset);
        offset = offset.saturating_add(data.size);
    }
    offset.next_multiple_of(16)
}

/// The offset of `slot` in the area laid out by [`layout_stack_slots`].
pub fn stack_slot_offset(offsets: &[u32], slot: StackSlot) -> u32 {
    offsets[crate::entity::EntityRef::index(slot)]
}

/// "The baseline tier does not cover X yet": the error that makes the function fall back.
pub fn not_covered(what: impl std::fmt::Display) -> CodegenError {
    CodegenError::Unsupported(format!("baseline tier: {what}"))
}

/// Which SSA value each cache register holds: a small, fixed set of registers (an ISA's
/// choice, numbered 0..n here), each holding at most one value and each value in at most
/// one register. Registers in use by the instruction being emitted are pinned so that
/// picking a register for another operand cannot take them.
///
/// Invariant: `held[r] == Some(v)` exactly when `at[v] == r`.
pub struct RegCache {
    held: Vec<Option<u32>>,
    at: Vec<u8>,
    pinned: u32,
    next: usize,
}

const NOWHERE: u8 = u8::MAX;

impl RegCache {
    /// A cache of `regs` registers (at most 32).
    pub fn new(regs: usize) -> Self {
        assert!(regs <= 32, "the pin mask has 32 bits");
        Self { held: vec![None; regs], at: Vec::new(), pinned: 0, next: 0 }
    }

    /// Empties the cache for a function of `num_values` values, keeping its memory.
    pub fn reset(&mut self, num_values: usize) {
        self.held.iter_mut().for_each(|h| *h = None);
        self.at.clear();
        self.at.resize(num_values, NOWHERE);
        self.pinned = 0;
        self.next = 0;
    }

    /// The register holding value number `v`, if any.
    pub fn lookup(&self, v: u32) -> Option<usize> {
        match self.at.get(v as usize) {
            Some(&r) if r != NOWHERE => Some(r as usize),
            _ => None,
        }
    }

    /// Forgets every value (at a block start, around calls).
    pub fn clear(&mut self) {
        for h in self.held.iter_mut() {
            if let Some(v) = h.take() {
                self.at[v as usize] = NOWHERE;
            }
        }
    }

    /// Forgets what register `r` holds (it is about to be overwritten).
    pub fn forget_reg(&mut self, r: usize) {
        if let Some(v) = self.held[r].take() {
            self.at[v as usize] = NOWHERE;
        }
    }

    /// Records that register `r` now holds `v` (and nothing else; `v` nowhere else).
    pub fn assign(&mut self, r: usize, v: u32) {
        self.forget_reg(r);
        if let Some(old) = self.lookup(v) {
            self.held[old] = None;
        }
        self.held[r] = Some(v);
        self.at[v as usize] = r as u8;
    }

    /// Pins `r` until [`unpin_all`](Self::unpin_all).
    pub fn pin(&mut self, r: usize) {
        self.pinned |= 1 << r;
    }

    /// Whether `r` is pinned.
    pub fn is_pinned(&self, r: usize) -> bool {
        self.pinned & (1 << r) != 0
    }

    /// Unpins every register (after each instruction).
    pub fn unpin_all(&mut self) {
        self.pinned = 0;
    }

    /// A register to overwrite, pinned: a free one if there is one, else the next
    /// unpinned one in round-robin order (its value stays in its home). `None` when every
    /// register is pinned.
    pub fn pick(&mut self) -> Option<usize> {
        let n = self.held.len();
        let free = (0..n).find(|&r| self.held[r].is_none() && !self.is_pinned(r));
        let r = match free {
            Some(r) => r,
            None => {
                let r = (0..n).map(|k| (self.next + k) % n).find(|&r| !self.is_pinned(r))?;
                self.next = (r + 1) % n;
                r
            }
        };
        self.forget_reg(r);
        self.pin(r);
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_lives_in_one_register_and_pinned_registers_are_not_taken() {
        let mut c = RegCache::new(3);
        c.reset(10);
        let a = c.pick().unwrap();
        c.assign(a, 4);
        let b = c.pick().unwrap();
        c.assign(b, 5);
        assert_ne!(a, b);
        assert_eq!((c.lookup(4), c.lookup(5), c.lookup(6)), (Some(a), Some(b), None));
        // Moving value 4 to another register forgets the first one.
        let d = c.pick().unwrap();
        c.assign(d, 4);
        assert_eq!(c.lookup(4), Some(d));
        // All three are pinned now: nothing to pick.
        assert_eq!(c.pick(), None);
        c.unpin_all();
        let e = c.pick().unwrap();
        assert_eq!(e, a, "the free register comes first");
        c.assign(e, 7);
        c.unpin_all();
        // No free register: a victim is evicted, and its value forgotten.
        c.pin(e);
        let f = c.pick().unwrap();
        assert_ne!(f, e);
        assert!(c.lookup(4).is_none() || c.lookup(5).is_none());
        c.clear();
        assert_eq!((c.lookup(4), c.lookup(5), c.lookup(7)), (None, None, None));
    }

    #[test]
    fn stack_slots_are_aligned_and_the_area_rounded_to_16() {
        let f = crate::text::parse_functions(
            "function %f() {\n    ss0 = explicit_slot 3\n    ss1 = explicit_slot 8, align = 8\n\nblock0:\n    return\n}\n",
        )
        .unwrap()
        .remove(0);
        let mut offsets = Vec::new();
        assert_eq!(layout_stack_slots(&f, &mut offsets), 16);
        assert_eq!(offsets, [0, 8]);
    }
}
