//! The baseline tier (`opt_level=baseline`): a single pass from IR to machine code, for
//! compile speed. No mid-end, no VCode, no register allocator: an ISA part
//! (`isa::x64::baseline`, `isa::aarch64::baseline`) turns each IR instruction, in layout order,
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
//!   value number). [`Uses`] (one walk over the function before emission) splits the
//!   values in two kinds. A value read outside its own block, passed as a branch argument,
//!   or of a float type is *write-through*: stored to its home as soon as it is computed,
//!   so its home is always current and a register only caches it. Any other value is
//!   *block-local*: it lives in a cache register only (a dirty entry) and is stored to its
//!   home only when it leaves the register while an instruction at or after the current
//!   one still reads it (eviction, a register an instruction needs fixed or overwrites in
//!   place, a call, a return). At the end of its block it is dead.
//! - The [`RegCache`] records which value each cache register holds, and which of them are
//!   dirty. It is forgotten at every block start (dirty values are dead there) and around
//!   calls (after the dirty values still read are stored).
//! - Block parameters are homes too: a branch writes its arguments into the target's
//!   parameter homes (as a parallel copy) before it jumps.
//! - Two kinds of value have another home than their slot: a constant's home is its
//!   bits (rematerialized at each read, its instruction emits nothing), and a value
//!   [`Pins`] pins in a loop region has a register as home while that region runs (see
//!   `pins.rs`; the edges into and out of a region move pinned values between registers
//!   and slots). Pinned integer registers may be callee-saved: the prologue saves those.
//!   Only the x86-64 part pins values so far (the aarch64 part pins none).
//!
//! # Fallback
//!
//! A function the tier cannot compile yet (an instruction or type it does not cover, such
//! as `i128`, SIMD, atomics, exceptions) is not guessed at: the ISA part returns
//! [`CodegenError::Unsupported`] naming what it lacks, and [`compile_or_fall_back`]
//! compiles the whole function with the `opt_level=none` pipeline instead, recording the
//! reason in [`CompileOptions::baseline_fallback`] so callers can count fallbacks
//! (`lathe bench compile`, the filetest harness).

mod emit;
mod pins;

pub use emit::{home_slots, outgoing_area_size, put_frame_items, put_inst, run_tier};
pub use pins::{PinBudget, Pins};

use crate::entity::EntityRef;
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
/// A register is *dirty* when its value is not in the value's home (see [`Uses`]); the
/// cache only records that, the emitter decides when to store.
///
/// Invariant: `held[r] == Some(v)` exactly when `at[v] == r`; a dirty register holds a
/// value.
pub struct RegCache {
    held: Vec<Option<u32>>,
    at: Vec<u8>,
    pinned: u32,
    dirty: u32,
    /// Registers lent to other uses (the ISA part's pinned values): never picked.
    reserved: u32,
    next: usize,
}

const NOWHERE: u8 = u8::MAX;

impl RegCache {
    /// A cache of `regs` registers (at most 32).
    pub fn new(regs: usize) -> Self {
        assert!(regs <= 32, "the pin mask has 32 bits");
        Self { held: vec![None; regs], at: Vec::new(), pinned: 0, dirty: 0, reserved: 0, next: 0 }
    }

    /// Empties the cache for a function of `num_values` values, keeping its memory.
    pub fn reset(&mut self, num_values: usize) {
        self.held.iter_mut().for_each(|h| *h = None);
        self.at.clear();
        self.at.resize(num_values, NOWHERE);
        self.pinned = 0;
        self.dirty = 0;
        self.reserved = 0;
        self.next = 0;
    }

    /// Sets the registers that [`pick`](Self::pick) and [`take_free`](Self::take_free)
    /// must not choose; they must hold no value.
    pub fn set_reserved(&mut self, mask: u32) {
        debug_assert!((0..self.held.len()).all(|r| mask & (1 << r) == 0 || self.held[r].is_none()));
        self.reserved = mask;
    }

    /// Whether `r` is reserved.
    pub fn is_reserved(&self, r: usize) -> bool {
        self.reserved & (1 << r) != 0
    }

    /// The register holding value number `v`, if any.
    pub fn lookup(&self, v: u32) -> Option<usize> {
        match self.at.get(v as usize) {
            Some(&r) if r != NOWHERE => Some(r as usize),
            _ => None,
        }
    }

    /// Forgets every value (at a block start, around calls), dirty or not: the caller has
    /// stored the dirty values still needed.
    pub fn clear(&mut self) {
        for h in self.held.iter_mut() {
            if let Some(v) = h.take() {
                self.at[v as usize] = NOWHERE;
            }
        }
        self.dirty = 0;
    }

    /// Forgets what register `r` holds (it is about to be overwritten); returns the value
    /// if it was dirty, so the caller can store it while `r` still holds it.
    pub fn forget_reg(&mut self, r: usize) -> Option<u32> {
        let dirty = self.is_dirty(r);
        self.dirty &= !(1 << r);
        let v = self.held[r].take()?;
        self.at[v as usize] = NOWHERE;
        dirty.then_some(v)
    }

    /// Records that register `r` now holds `v` (and nothing else; `v` nowhere else), clean.
    /// Whatever `r` held is dropped without being reported: the caller dealt with it.
    pub fn assign(&mut self, r: usize, v: u32) {
        let _ = self.forget_reg(r);
        if let Some(old) = self.lookup(v) {
            self.held[old] = None;
            self.dirty &= !(1 << old);
        }
        self.held[r] = Some(v);
        self.at[v as usize] = r as u8;
    }

    /// Marks register `r` (holding a value) dirty or clean.
    pub fn set_dirty(&mut self, r: usize, dirty: bool) {
        debug_assert!(self.held[r].is_some());
        if dirty {
            self.dirty |= 1 << r;
        } else {
            self.dirty &= !(1 << r);
        }
    }

    /// Whether `r` holds a value that is not in its home.
    pub fn is_dirty(&self, r: usize) -> bool {
        self.dirty & (1 << r) != 0
    }

    /// The value held by `r` if `r` is dirty.
    pub fn dirty_value(&self, r: usize) -> Option<u32> {
        if self.is_dirty(r) { self.held[r] } else { None }
    }

    /// The value register `r` holds.
    pub fn held(&self, r: usize) -> Option<u32> {
        self.held.get(r).copied().flatten()
    }

    /// A free, unpinned register, pinned, if there is one (nothing is evicted).
    pub fn take_free(&mut self) -> Option<usize> {
        let r = (0..self.held.len()).find(|&r| self.held[r].is_none() && !self.is_pinned(r) && !self.is_reserved(r))?;
        self.pin(r);
        Some(r)
    }

    /// The number of cache registers.
    pub fn num_regs(&self) -> usize {
        self.held.len()
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
    /// unpinned one in round-robin order, with the value it held if that was dirty (still
    /// in the register, for the caller to store if it is needed). `None` when every
    /// register is pinned.
    pub fn pick(&mut self) -> Option<(usize, Option<u32>)> {
        self.pick_by(|_, _| 0)
    }

    /// [`pick`](Self::pick), evicting the value of least `cost(value, dirty)` (the first
    /// in round-robin order among equals) when no register is free.
    pub fn pick_by(&mut self, cost: impl Fn(u32, bool) -> u8) -> Option<(usize, Option<u32>)> {
        let n = self.held.len();
        let free = (0..n).find(|&r| self.held[r].is_none() && !self.is_pinned(r) && !self.is_reserved(r));
        let r = match free {
            Some(r) => r,
            None => {
                let candidates =
                    (0..n).map(|k| (self.next + k) % n).filter(|&r| !self.is_pinned(r) && !self.is_reserved(r));
                let r = candidates.min_by_key(|&r| self.held[r].map_or(0, |v| cost(v, self.is_dirty(r))))?;
                self.next = (r + 1) % n;
                r
            }
        };
        let evicted = self.forget_reg(r);
        self.pin(r);
        Some((r, evicted))
    }
}

/// What the pre-pass over a function learns about each value, for the dirty cache
/// entries (see the module's invariants): whether it is write-through, and the position
/// (1-based ordinal of the instruction in layout order) of the last instruction of its own
/// block that reads it (0: none). Built in one walk, with two vectors indexed by value.
pub struct Uses {
    last_use: Vec<u32>,
    write_through: Vec<bool>,
}

impl Uses {
    /// Walks `func` in layout order, the order the emitter numbers instructions in.
    pub fn compute(func: &Function) -> Self {
        let dfg = &func.dfg;
        let n = dfg.num_values();
        let mut last_use = vec![0u32; n];
        let mut write_through = vec![false; n];
        // The block (by layout position, plus one) each result is defined in; 0 until its
        // definition is seen, so a read before it (in layout order) counts as outside.
        let mut def_block = vec![0u32; n];
        let mut pos = 0u32;
        for (b, block) in func.layout.blocks().enumerate() {
            let b = b as u32 + 1;
            for inst in func.layout.block_insts(block) {
                pos += 1;
                for &a in dfg.inst_args(inst) {
                    let a = dfg.resolve_aliases(a).index();
                    if def_block[a] == b {
                        last_use[a] = pos;
                    } else {
                        write_through[a] = true;
                    }
                }
                for call in dfg.inst_branches(inst) {
                    for &a in call.args_slice(&dfg.value_lists) {
                        if crate::ir::BlockArg::is_value(a) {
                            write_through[dfg.resolve_aliases(a).index()] = true;
                        }
                    }
                }
                for &r in dfg.inst_results(inst) {
                    def_block[r.index()] = b;
                    // Float instructions read their operands from homes.
                    if !dfg.value_type(r).is_int() {
                        write_through[r.index()] = true;
                    }
                }
            }
        }
        Self { last_use, write_through }
    }

    /// Whether value number `v` is stored to its home when it is computed.
    pub fn write_through(&self, v: u32) -> bool {
        self.write_through[v as usize]
    }

    /// Whether value number `v` is read by an instruction after position `pos`.
    pub fn read_after(&self, v: u32, pos: u32) -> bool {
        self.last_use[v as usize] > pos
    }

    /// Whether value number `v` is read by the instruction at `pos` or a later one.
    pub fn read_from(&self, v: u32, pos: u32) -> bool {
        self.last_use[v as usize] >= pos
    }

    /// What evicting value number `v` (`dirty` or not) costs at position `pos`, for
    /// [`RegCache::pick_by`]: a dirty value no longer read costs nothing, a clean one a
    /// reload if it is read again, a dirty one still read a store now.
    pub fn eviction_cost(&self, v: u32, dirty: bool, pos: u32) -> u8 {
        match (dirty, self.read_from(v, pos)) {
            (true, false) => 0,
            (false, _) => 1,
            (true, true) => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_lives_in_one_register_and_pinned_registers_are_not_taken() {
        let mut c = RegCache::new(3);
        c.reset(10);
        let a = c.pick().unwrap().0;
        c.assign(a, 4);
        let b = c.pick().unwrap().0;
        c.assign(b, 5);
        assert_ne!(a, b);
        assert_eq!((c.lookup(4), c.lookup(5), c.lookup(6)), (Some(a), Some(b), None));
        // Moving value 4 to another register forgets the first one.
        let d = c.pick().unwrap().0;
        c.assign(d, 4);
        assert_eq!(c.lookup(4), Some(d));
        // All three are pinned now: nothing to pick.
        assert_eq!(c.pick(), None);
        c.unpin_all();
        let e = c.pick().unwrap().0;
        assert_eq!(e, a, "the free register comes first");
        c.assign(e, 7);
        c.unpin_all();
        // No free register: a victim is evicted, and its value forgotten.
        c.pin(e);
        let f = c.pick().unwrap().0;
        assert_ne!(f, e);
        assert!(c.lookup(4).is_none() || c.lookup(5).is_none());
        c.clear();
        assert_eq!((c.lookup(4), c.lookup(5), c.lookup(7)), (None, None, None));
    }

    #[test]
    fn an_evicted_dirty_value_is_reported_and_a_moved_one_stays_dirty() {
        let mut c = RegCache::new(2);
        c.reset(10);
        let (a, _) = c.pick().unwrap();
        c.assign(a, 1);
        c.set_dirty(a, true);
        let (b, _) = c.pick().unwrap();
        c.assign(b, 2);
        c.unpin_all();
        c.pin(b);
        // Only `a` can go: its dirty value 1 is reported, 2 is clean and stays.
        assert_eq!(c.pick(), Some((a, Some(1))));
        assert!(!c.is_dirty(a));
        assert_eq!(c.forget_reg(b), None, "a clean value is not reported");
        c.assign(b, 3);
        c.set_dirty(b, true);
        assert_eq!(c.dirty_value(b), Some(3));
        c.clear();
        assert_eq!(c.dirty_value(b), None);
    }

    #[test]
    fn reserved_registers_are_never_picked_and_the_cheapest_value_goes_first() {
        let mut c = RegCache::new(3);
        c.reset(10);
        c.set_reserved(0b010);
        let a = c.pick().unwrap().0;
        c.assign(a, 1);
        let b = c.pick().unwrap().0;
        c.assign(b, 2);
        assert_eq!((a, b), (0, 2), "register 1 is reserved");
        assert_eq!(c.take_free(), None);
        c.unpin_all();
        c.set_dirty(a, true);
        // Value 2 (clean) costs less than the dirty value 1: it goes, wherever the
        // round-robin order stands.
        let cost = |v: u32, dirty: bool| if dirty { 2 } else { u8::from(v == 2) };
        assert_eq!(c.pick_by(cost), Some((b, None)));
        c.unpin_all();
        c.set_reserved(0);
        assert_eq!(c.take_free(), Some(1));
    }

    #[test]
    fn uses_tell_block_local_values_from_write_through_ones() {
        let f = crate::text::parse_functions(
            "function %f(i64) -> i64 {\nblock0(v0: i64):\n    v1 = iadd v0, v0\n    v2 = iadd v1, v1\n    v3 = imul v2, v1\n    v4 = f64const 0x1.0\n    jump block1(v3)\n\nblock1(v5: i64):\n    v6 = iadd v5, v2\n    return v6\n}\n",
        )
        .unwrap()
        .remove(0);
        let u = Uses::compute(&f);
        // v1: read at positions 2 and 3 only, in its block.
        assert!(!u.write_through(1) && u.read_after(1, 2) && !u.read_after(1, 3) && u.read_from(1, 3));
        // v2 is read in block1, v3 is a branch argument, v4 is a float: write-through.
        assert!(u.write_through(2) && u.write_through(3) && u.write_through(4));
        // v6: read by the return only.
        assert!(!u.write_through(6) && u.read_from(6, 7) && !u.read_after(6, 7));
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
