//! The interpreter's address space: a stack region holding the stack slots of the live
//! frames, at real numeric addresses starting at [`STACK_BASE`].
//!
//! Frames are pushed and popped in LIFO order, so the region is one byte vector that grows
//! and shrinks at its end, and the live slots form a list sorted by address. An access is
//! valid only when it lies entirely inside one live slot (padding between slots is not
//! memory). Function addresses live in a separate reserved range ([`FUNC_BASE`]) that is
//! not memory at all. See docs/ir.md, "The interpreter's address space".

use lathe_codegen::entity::PrimaryMap;
use lathe_codegen::ir::{StackSlot, StackSlotData};

/// The address of the first byte of the stack region.
pub(crate) const STACK_BASE: u64 = 0x1000_0000;
/// The most bytes the stack region may hold; more traps `stk_ovf`.
pub(crate) const STACK_LIMIT: u64 = 64 << 20;
/// The address of function 0; function `i` is at `FUNC_BASE + FUNC_STRIDE * i`.
pub(crate) const FUNC_BASE: u64 = 0x4000_0000;
/// The distance between two function addresses.
pub(crate) const FUNC_STRIDE: u64 = 16;

/// The part of the stack region one frame owns.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct FrameMem {
    /// First address of the frame (16-aligned).
    pub start: u64,
    /// One past the last address of the frame.
    pub end: u64,
    /// How many live slots existed before this frame's.
    slots_before: usize,
}

/// The stack region and the list of live slots.
#[derive(Default)]
pub(crate) struct Memory {
    bytes: Vec<u8>,
    /// `(start, end)` of every live slot, sorted by start.
    slots: Vec<(u64, u64)>,
}

fn align_up(x: u64, align: u64) -> Option<u64> {
    x.checked_add(align - 1).map(|y| y & !(align - 1))
}

impl Memory {
    /// Forgets everything (between top-level calls).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.slots.clear();
    }

    /// The next free address.
    fn top(&self) -> u64 {
        STACK_BASE + self.bytes.len() as u64
    }

    /// Allocates a frame with `slots`, zero-filled, and appends each slot's address to
    /// `addrs`. `None` when the stack region would exceed its limit.
    pub fn push_frame(
        &mut self,
        slots: &PrimaryMap<StackSlot, StackSlotData>,
        addrs: &mut Vec<u64>,
    ) -> Option<FrameMem> {
        let (slots_before, addrs_before) = (self.slots.len(), addrs.len());
        let r = self.try_push_frame(slots, addrs);
        if r.is_none() {
            self.slots.truncate(slots_before);
            addrs.truncate(addrs_before);
        }
        r
    }

    fn try_push_frame(
        &mut self,
        slots: &PrimaryMap<StackSlot, StackSlotData>,
        addrs: &mut Vec<u64>,
    ) -> Option<FrameMem> {
        let limit = STACK_BASE + STACK_LIMIT;
        let start = align_up(self.top(), 16)?;
        let slots_before = self.slots.len();
        let mut cursor = start;
        for data in slots.values() {
            let align = 1u64.checked_shl(u32::from(data.align_shift)).filter(|&a| a <= STACK_LIMIT)?;
            let at = align_up(cursor, align)?;
            let end = at.checked_add(u64::from(data.size))?;
            if end > limit {
                return None;
            }
            self.slots.push((at, end));
            addrs.push(at);
            cursor = end;
        }
        let end = align_up(cursor, 16)?;
        if end > limit {
            return None;
        }
        self.bytes.resize((end - STACK_BASE) as usize, 0);
        Some(FrameMem { start, end, slots_before })
    }

    /// Frees the frame's memory (it must be the most recent live frame).
    pub fn pop_frame(&mut self, frame: FrameMem) {
        self.slots.truncate(frame.slots_before);
        let keep = frame.start.saturating_sub(STACK_BASE) as usize;
        self.bytes.truncate(keep);
    }

    /// The byte range of the region for `size` bytes at `addr`, if they lie inside one
    /// live slot.
    fn range(&self, addr: u64, size: usize) -> Option<std::ops::Range<usize>> {
        let end = addr.checked_add(size as u64)?;
        let i = self.slots.partition_point(|&(s, _)| s <= addr).checked_sub(1)?;
        let (_, slot_end) = self.slots[i];
        if size == 0 || end > slot_end {
            return None;
        }
        let off = (addr - STACK_BASE) as usize;
        Some(off..off + size)
    }

    /// Reads `out.len()` bytes at `addr`; false if that is not valid memory.
    pub fn read(&self, addr: u64, out: &mut [u8]) -> bool {
        match self.range(addr, out.len()).and_then(|r| self.bytes.get(r)) {
            Some(src) => {
                out.copy_from_slice(src);
                true
            }
            None => false,
        }
    }

    /// Writes `data` at `addr`; false (and nothing written) if that is not valid memory.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> bool {
        match self.range(addr, data.len()) {
            Some(r) => match self.bytes.get_mut(r) {
                Some(dst) => {
                    dst.copy_from_slice(data);
                    true
                }
                None => false,
            },
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lathe_codegen::ir::StackSlotKind;

    #[test]
    fn slots_are_aligned_and_bounded() {
        let mut slots = PrimaryMap::new();
        slots.push(StackSlotData::new(StackSlotKind::ExplicitSlot, 3, 0));
        slots.push(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        let mut mem = Memory::default();
        let mut addrs = Vec::new();
        let f = mem.push_frame(&slots, &mut addrs).unwrap();
        assert_eq!(addrs, vec![STACK_BASE, STACK_BASE + 8]);
        assert!(mem.write(STACK_BASE + 8, &[1; 8]));
        assert!(!mem.write(STACK_BASE + 3, &[1]), "padding is not memory");
        assert!(!mem.write(STACK_BASE + 12, &[1; 8]), "crosses the slot end");
        let mut b = [0u8; 2];
        assert!(mem.read(STACK_BASE + 1, &mut b));
        assert_eq!(b, [0, 0]);
        mem.pop_frame(f);
        assert!(!mem.read(STACK_BASE, &mut b));
        assert!(!mem.read(u64::MAX, &mut b));
    }

    #[test]
    fn huge_slots_overflow() {
        let mut slots = PrimaryMap::new();
        slots.push(StackSlotData::new(StackSlotKind::ExplicitSlot, u32::MAX, 0));
        let mut mem = Memory::default();
        assert!(mem.push_frame(&slots, &mut Vec::new()).is_none());
        let mut slots = PrimaryMap::new();
        slots.push(StackSlotData::new(StackSlotKind::ExplicitSlot, 4, 200));
        assert!(mem.push_frame(&slots, &mut Vec::new()).is_none());
    }
}
