//! The frame, shared by every ISA: where each area and each saved register lives, and the
//! prologue and epilogue built from it with their unwind events.
//!
//! An ISA describes its frames with a [`FrameDesc`] (how large its frame-setup area is,
//! the stack alignment, how each register class is saved) and supplies a few instruction
//! builders through `MachInst` (set up and tear down the frame pointer, push and pop,
//! adjust SP with probes, store and load a saved register); this module does the rest.
//!
//! The frame, from the caller's SP (the CFA) down:
//!
//! ```text
//!   CFA ->  | setup area (return address, saved frame pointer, ...) |  desc.setup_area bytes
//!   FP  ->  | pushed callee-saved registers (SaveStyle::Push)        |  8 bytes each
//!           | (padding for alignment)                               |
//!           | stored callee-saved registers (SaveStyle::Store)      |  at SP + stored offset
//!           | spill slots (8 bytes each)                            |
//!           | explicit stack slots                                  |
//!   SP  ->  | outgoing arguments                                    |
//! ```
//!
//! Input: the areas sized by lowering and allocation and the callee-saved registers the
//! function writes (`VCode::emit`). Output: a [`FrameInfo`] that emission and the ISA's
//! address computations read, and the prologue and epilogue as [`FrameItem`]s.
//!
//! Invariant: after the prologue SP is aligned to `desc.stack_align` (given that the CFA
//! is); every saved register is described by a `Saved` event at the offset where its save
//! completes, and restored (`Restored`) by every epilogue.

use crate::machinst::inst::{FrameInfo, MachInst};
use crate::machinst::reg::Reg;
use crate::machinst::unwind::{FrameItem, UnwindInst};
use regalloc2::RegClass;

/// How a class of callee-saved registers is saved.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SaveStyle {
    /// Pushed, 8 bytes each, right below the setup area (x86-64 integer registers).
    Push,
    /// Stored in slots of `size` bytes (aligned to `size`) above the spill slots, after SP
    /// is lowered (x86-64 Windows xmm registers: 16).
    Store {
        /// Bytes of each slot.
        size: u32,
    },
}

/// An ISA's frame rules, as data.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FrameDesc {
    /// Bytes between the CFA and the frame pointer once the frame is set up (x86-64: the
    /// return address and the saved rbp, 16).
    pub setup_area: u32,
    /// The alignment of SP after the prologue, which calls need.
    pub stack_align: u32,
    /// How integer callee-saved registers are saved.
    pub int_save: SaveStyle,
    /// How float and vector callee-saved registers are saved.
    pub float_save: SaveStyle,
}

impl FrameDesc {
    fn style(&self, class: RegClass) -> SaveStyle {
        match class {
            RegClass::Int => self.int_save,
            RegClass::Float | RegClass::Vector => self.float_save,
        }
    }
}

/// Lays out a frame: `outgoing` bytes of outgoing arguments, `slots` bytes of explicit
/// stack slots, `spills` 8-byte spill slots, the callee-saved registers `saved` (in the
/// order the prologue saves them), probed every `probe_interval` bytes when large.
pub fn layout(
    desc: &FrameDesc,
    outgoing: u32,
    slots: u32,
    spills: u32,
    saved: Vec<Reg>,
    probe_interval: Option<u32>,
) -> FrameInfo {
    let areas = outgoing + slots.next_multiple_of(8) + 8 * spills;
    let mut pushed = Vec::new();
    let mut stored = Vec::new();
    let mut top = areas;
    for r in saved {
        match desc.style(r.class()) {
            SaveStyle::Push => pushed.push(r),
            SaveStyle::Store { size } => {
                let at = top.next_multiple_of(size);
                stored.push((r, at));
                top = at + size;
            }
        }
    }
    let pushed_bytes = 8 * pushed.len() as u32;
    let above = desc.setup_area + pushed_bytes;
    let fixed = (above + top).next_multiple_of(desc.stack_align) - above;
    FrameInfo {
        outgoing_args_size: outgoing,
        stack_slots_size: slots,
        spill_slots: spills,
        pushed_saves: pushed,
        stored_saves: stored,
        setup_area: desc.setup_area,
        fixed_frame_size: fixed,
        probe_interval,
        sign_return_address: false,
        emit_flags: 0,
    }
}

/// The prologue of `frame`: frame setup, pushes, the SP adjustment, stores, each with the
/// unwind events that describe it.
pub fn gen_prologue<I: MachInst>(frame: &FrameInfo) -> Vec<FrameItem<I>> {
    let mut out = I::gen_frame_setup();
    for (k, &r) in frame.pushed_saves.iter().enumerate() {
        out.extend(I::gen_push(r).into_iter().map(FrameItem::Inst));
        let offset = -((frame.setup_area + 8 * (k as u32 + 1)) as i32);
        out.push(FrameItem::Unwind(UnwindInst::Saved { reg: dwarf_of::<I>(r), offset }));
    }
    out.extend(I::gen_sp_sub(frame.fixed_frame_size, frame.probe_interval).into_iter().map(FrameItem::Inst));
    let sp_below_cfa = (frame.setup_area + 8 * frame.pushed_saves.len() as u32 + frame.fixed_frame_size) as i32;
    for &(r, at) in &frame.stored_saves {
        out.push(FrameItem::Inst(I::gen_save(r, at)));
        let offset = at as i32 - sp_below_cfa;
        out.push(FrameItem::Unwind(UnwindInst::Saved { reg: dwarf_of::<I>(r), offset }));
    }
    out
}

/// The epilogue of `frame`, before a return: the prologue undone in reverse.
pub fn gen_epilogue<I: MachInst>(frame: &FrameInfo) -> Vec<FrameItem<I>> {
    let mut out = Vec::new();
    for &(r, at) in &frame.stored_saves {
        out.push(FrameItem::Inst(I::gen_restore(r, at)));
        out.push(FrameItem::Unwind(UnwindInst::Restored { reg: dwarf_of::<I>(r) }));
    }
    if frame.fixed_frame_size > 0 {
        out.push(FrameItem::Inst(I::gen_sp_add(frame.fixed_frame_size)));
    }
    for &r in frame.pushed_saves.iter().rev() {
        out.extend(I::gen_pop(r).into_iter().map(FrameItem::Inst));
        out.push(FrameItem::Unwind(UnwindInst::Restored { reg: dwarf_of::<I>(r) }));
    }
    out.extend(I::gen_frame_teardown());
    out
}

fn dwarf_of<I: MachInst>(r: Reg) -> crate::machinst::unwind::DwarfReg {
    I::dwarf_reg(r.to_preg().expect("saved registers are physical"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use regalloc2::PReg;

    const X64_LIKE: FrameDesc = FrameDesc {
        setup_area: 16,
        stack_align: 16,
        int_save: SaveStyle::Push,
        float_save: SaveStyle::Store { size: 16 },
    };

    fn int(n: usize) -> Reg {
        Reg::from_preg(PReg::new(n, RegClass::Int))
    }
    fn float(n: usize) -> Reg {
        Reg::from_preg(PReg::new(n, RegClass::Float))
    }

    #[test]
    fn sp_is_aligned_and_every_area_fits() {
        for desc in [
            X64_LIKE,
            FrameDesc {
                setup_area: 16,
                stack_align: 16,
                int_save: SaveStyle::Store { size: 8 },
                float_save: SaveStyle::Store { size: 8 },
            },
        ] {
            for outgoing in [0, 8, 16, 24] {
                for slots in [0, 1, 12, 33] {
                    for spills in 0..4 {
                        for ints in 0..4 {
                            for floats in 0..3 {
                                let saved: Vec<Reg> = (0..ints).map(int).chain((0..floats).map(float)).collect();
                                let f = layout(&desc, outgoing, slots, spills, saved, None);
                                let pushed = 8 * f.pushed_saves.len() as u32;
                                assert_eq!((desc.setup_area + pushed + f.fixed_frame_size) % 16, 0, "{f:?}");
                                let areas = outgoing + slots.next_multiple_of(8) + 8 * spills;
                                assert!(f.fixed_frame_size >= areas);
                                let mut end = areas;
                                for &(r, at) in &f.stored_saves {
                                    let SaveStyle::Store { size } = desc.style(r.class()) else { unreachable!() };
                                    assert!(at >= end && at % size == 0, "slots do not overlap and are aligned");
                                    end = at + size;
                                }
                                assert!(f.fixed_frame_size >= end, "the stored registers fit");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_x64_like_layout_pushes_integers_and_stores_floats_above_the_spills() {
        let f = layout(&X64_LIKE, 32, 0, 1, vec![int(6), float(6), int(7), float(15)], None);
        assert_eq!(f.pushed_saves, [int(6), int(7)]);
        assert_eq!(f.stored_saves, [(float(6), 48), (float(15), 64)]);
        assert_eq!(f.fixed_frame_size, 80);
    }
}
