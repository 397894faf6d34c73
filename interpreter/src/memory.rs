//! The interpreter's address space: a stack region holding the stack slots of the live
//! frames, at real numeric addresses starting at [`STACK_BASE`].
//!
//! Frames are pushed and popped in LIFO order, so the region is one byte vector that grows
//! and shrinks at its end, and the live slots form a list sorted by address. An access is
//! valid only when it lies entirely inside one live slot (padding between slots is not
//! memory). Function addresses live in a separate reserved range ([`FUNC_BASE`]) that is
//! not memory at all. Thread-local variables (`tls_value`) live in a third range
//! ([`TLS_BASE`]): each symbol gets a zero-filled block of [`THREAD_LOCAL_BYTES`] on its
//! first use, gone with the rest of memory between top-level calls (each call is a fresh
//! thread). See docs/ir.md, "The interpreter's address space".

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
/// The address of the first thread-local block.
pub(crate) const TLS_BASE: u64 = 0x6000_0000;
/// The size of each thread-local variable's block (16-aligned), the one every engine that
/// runs functions standalone uses.
pub(crate) const THREAD_LOCAL_BYTES: u64 = lathe_codegen::data_value::STANDALONE_THREAD_LOCAL_BYTES;
/// At most this many thread-local symbols.
const MAX_THREAD_LOCALS: u64 = 1024;

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
    /// The thread-local blocks, one after another from `TLS_BASE`.
    tls: Vec<u8>,
    /// The symbol of each thread-local block, in address order.
    tls_names: Vec<String>,
}

fn align_up(x: u64, align: u64) -> Option<u64> {
    x.checked_add(align - 1).map(|y| y & !(align - 1))
}

impl Memory {
    /// Forgets everything (between top-level calls).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.slots.clear();
        self.tls.clear();
        self.tls_names.clear();
    }

    /// The address of the thread-local block of symbol `name`, made (zero-filled) on first
    /// use; `None` past the limit on thread-local symbols.
    pub fn thread_local(&mut self, name: &str) -> Option<u64> {
        let i = match self.tls_names.iter().position(|n| n == name) {
            Some(i) => i,
            None if (self.tls_names.len() as u64) < MAX_THREAD_LOCALS => {
                self.tls_names.push(name.to_string());
                self.tls.resize(self.tls.len() + THREAD_LOCAL_BYTES as usize, 0);
                self.tls_names.len() - 1
            }
            None => return None,
        };
        Some(TLS_BASE + i as u64 * THREAD_LOCAL_BYTES)
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

    /// The byte range of the thread-local blocks for `size` bytes at `addr`, if they lie
    /// inside one block.
    fn tls_range(&self, addr: u64, size: usize) -> Option<std::ops::Range<usize>> {
        let off = addr.checked_sub(TLS_BASE)?;
        let end = off.checked_add(size as u64)?;
        let block_end = (off / THREAD_LOCAL_BYTES + 1) * THREAD_LOCAL_BYTES;
        (size > 0 && end <= block_end && end <= self.tls.len() as u64).then_some(off as usize..end as usize)
    }

    /// Where `size` bytes at `addr` are: in one thread-local block (`true`) or one live
    /// stack slot (`false`), with their range in that backing vector.
    fn locate(&self, addr: u64, size: usize) -> Option<(bool, std::ops::Range<usize>)> {
        if addr >= TLS_BASE {
            self.tls_range(addr, size).map(|r| (true, r))
        } else {
            self.range(addr, size).map(|r| (false, r))
        }
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
        let src =
            self.locate(addr, out.len()).and_then(|(tls, r)| if tls { self.tls.get(r) } else { self.bytes.get(r) });
        match src {
            Some(src) => {
                out.copy_from_slice(src);
                true
            }
            None => false,
        }
    }

    /// Writes `data` at `addr`; false (and nothing written) if that is not valid memory.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> bool {
        let dst = self
            .locate(addr, data.len())
            .and_then(|(tls, r)| if tls { self.tls.get_mut(r) } else { self.bytes.get_mut(r) });
        match dst {
            Some(dst) => {
                dst.copy_from_slice(data);
                true
            }
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
    fn thread_local_blocks_are_separate_and_bounded() {
        let mut mem = Memory::default();
        let a = mem.thread_local("a").unwrap();
        let b = mem.thread_local("b").unwrap();
        assert_eq!(mem.thread_local("a"), Some(a));
        assert_eq!(b - a, THREAD_LOCAL_BYTES);
        assert!(mem.write(b + THREAD_LOCAL_BYTES - 8, &[7; 8]));
        assert!(!mem.write(a + THREAD_LOCAL_BYTES - 4, &[7; 8]), "crosses into the next block");
        assert!(!mem.write(b + THREAD_LOCAL_BYTES, &[7]), "past the last block");
        let mut x = [0u8; 8];
        assert!(mem.read(b + THREAD_LOCAL_BYTES - 8, &mut x));
        assert_eq!(x, [7; 8]);
        assert!(mem.read(a, &mut x));
        assert_eq!(x, [0; 8]);
        mem.clear();
        assert!(!mem.read(a, &mut x), "a new call is a new thread");
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
