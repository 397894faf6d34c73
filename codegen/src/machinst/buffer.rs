//! `MachBuffer`: where machine code is emitted. It collects bytes, binds labels and
//! resolves the label uses (fixups) recorded by branches and constant loads, places a
//! constant pool after the code, and records trap sites, call sites, relocations and
//! source-location ranges.
//!
//! Labels `0..num_blocks` are the blocks of the function being emitted; more are made with
//! [`MachBuffer::get_label`] (constants, jump tables, local targets).
//!
//! Invariant: every label used is bound by [`MachBuffer::finish`]; a use whose distance
//! does not fit its [`LabelUse`] kind is an error, never silently wrong code.

use super::compiled::{CallSite, Reloc, RelocKind, SrcLocRange, TrapSite};
use crate::ir::{ExternalName, SourceLoc, TrapCode};
use std::fmt;

/// A position in the code to be determined: a block start, a constant, a local target.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MachLabel(pub u32);

impl MachLabel {
    /// The label of block number `b` (in emission numbering).
    pub fn from_block(b: u32) -> Self {
        MachLabel(b)
    }
}

impl fmt::Debug for MachLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "label{}", self.0)
    }
}

/// How an ISA's instruction refers to a label: how many bytes to patch, how far it
/// reaches, and how to write the distance.
pub trait LabelUse: Copy + fmt::Debug {
    /// Bytes patched at the use.
    fn patch_size(self) -> usize;
    /// Largest forward distance (label offset minus use offset) that fits.
    fn max_forward(self) -> i64;
    /// Largest backward distance (use offset minus label offset) that fits.
    fn max_backward(self) -> i64;
    /// Writes the distance into `bytes` (the `patch_size` bytes at `use_offset`).
    fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32);
}

/// An error while finishing the buffer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BufferError {
    /// A label was used but never bound.
    #[error("label {0} is used but never bound")]
    UnboundLabel(u32),
    /// A label is too far from its use for the instruction's reach.
    #[error("a branch or reference at offset {use_offset} cannot reach offset {label_offset}")]
    OutOfRange {
        /// Where the use is.
        use_offset: u32,
        /// Where the label is.
        label_offset: u32,
    },
    /// The code grew beyond 4 GiB.
    #[error("the function's code is larger than 4 GiB")]
    TooLarge,
}

struct Constant {
    label: MachLabel,
    align: u32,
    bytes: Vec<u8>,
}

/// The code buffer of one function.
pub struct MachBuffer<L: LabelUse> {
    data: Vec<u8>,
    labels: Vec<u32>,
    fixups: Vec<(u32, MachLabel, L)>,
    constants: Vec<Constant>,
    traps: Vec<TrapSite>,
    call_sites: Vec<CallSite>,
    relocs: Vec<Reloc>,
    srclocs: Vec<SrcLocRange>,
    cur_srcloc: Option<(u32, SourceLoc)>,
}

const UNBOUND: u32 = u32::MAX;

/// What [`MachBuffer::finish`] produces.
pub struct FinishedBuffer {
    /// The code followed by the constant pool.
    pub data: Vec<u8>,
    /// Trap sites, sorted.
    pub traps: Vec<TrapSite>,
    /// Call sites, sorted.
    pub call_sites: Vec<CallSite>,
    /// Relocations.
    pub relocs: Vec<Reloc>,
    /// Source-location ranges, sorted.
    pub srclocs: Vec<SrcLocRange>,
}

impl<L: LabelUse> MachBuffer<L> {
    /// An empty buffer with `num_blocks` block labels.
    pub fn new(num_blocks: u32) -> Self {
        Self {
            data: Vec::new(),
            labels: vec![UNBOUND; num_blocks as usize],
            fixups: Vec::new(),
            constants: Vec::new(),
            traps: Vec::new(),
            call_sites: Vec::new(),
            relocs: Vec::new(),
            srclocs: Vec::new(),
            cur_srcloc: None,
        }
    }

    /// The offset the next byte goes to.
    pub fn cur_offset(&self) -> u32 {
        self.data.len() as u32
    }

    /// Appends one byte.
    pub fn put1(&mut self, b: u8) {
        self.data.push(b);
    }
    /// Appends two bytes, little-endian.
    pub fn put2(&mut self, x: u16) {
        self.data.extend_from_slice(&x.to_le_bytes());
    }
    /// Appends four bytes, little-endian.
    pub fn put4(&mut self, x: u32) {
        self.data.extend_from_slice(&x.to_le_bytes());
    }
    /// Appends eight bytes, little-endian.
    pub fn put8(&mut self, x: u64) {
        self.data.extend_from_slice(&x.to_le_bytes());
    }
    /// Appends bytes.
    pub fn put_data(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }
    /// The bytes emitted so far.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// A new, unbound label.
    pub fn get_label(&mut self) -> MachLabel {
        self.labels.push(UNBOUND);
        MachLabel(self.labels.len() as u32 - 1)
    }

    /// Binds `label` to the current offset.
    pub fn bind_label(&mut self, label: MachLabel) {
        let off = self.cur_offset();
        if let Some(slot) = self.labels.get_mut(label.0 as usize) {
            *slot = off;
        }
    }

    /// Binds `label` where `to` is bound (a block left out in favour of the one it jumps
    /// to); `to` must be bound already.
    pub fn alias_label(&mut self, label: MachLabel, to: MachLabel) {
        let off = self.labels.get(to.0 as usize).copied().unwrap_or(UNBOUND);
        if let Some(slot) = self.labels.get_mut(label.0 as usize) {
            *slot = off;
        }
    }

    /// The offset `label` is bound to, if it is bound yet.
    pub fn label_offset(&self, label: MachLabel) -> Option<u32> {
        self.labels.get(label.0 as usize).copied().filter(|&o| o != UNBOUND)
    }

    /// Records that the `kind.patch_size()` bytes at `offset` refer to `label`.
    pub fn use_label_at_offset(&mut self, offset: u32, label: MachLabel, kind: L) {
        self.fixups.push((offset, label, kind));
    }

    /// A label for `bytes` in the constant pool (aligned to `align`); equal constants share
    /// one entry.
    pub fn constant(&mut self, bytes: &[u8], align: u32) -> MachLabel {
        if let Some(c) = self.constants.iter().find(|c| c.bytes == bytes && c.align >= align) {
            return c.label;
        }
        let label = self.get_label();
        self.constants.push(Constant { label, align: align.max(1), bytes: bytes.to_vec() });
        label
    }

    /// Records that the instruction starting at the current offset may trap with `code`.
    pub fn add_trap(&mut self, code: TrapCode) {
        self.traps.push(TrapSite { offset: self.cur_offset(), code });
    }

    /// Records a call whose return address is the current offset (call after emitting the
    /// call instruction).
    pub fn add_call_site(&mut self) {
        self.call_sites.push(CallSite { ret_offset: self.cur_offset() });
    }

    /// Records that the bytes at the current offset need the address of `target`.
    pub fn add_reloc(&mut self, kind: RelocKind, target: &ExternalName, addend: i64) {
        self.relocs.push(Reloc { offset: self.cur_offset(), kind, target: target.clone(), addend });
    }

    /// Starts a range of code for `loc` (ending any open one).
    pub fn start_srcloc(&mut self, loc: SourceLoc) {
        self.end_srcloc();
        self.cur_srcloc = Some((self.cur_offset(), loc));
    }

    /// Ends the open source-location range.
    pub fn end_srcloc(&mut self) {
        if let Some((start, loc)) = self.cur_srcloc.take() {
            let end = self.cur_offset();
            if end > start && !loc.is_default() {
                self.srclocs.push(SrcLocRange { start, end, loc });
            }
        }
    }

    /// Places the constant pool, resolves every label use and returns the result.
    pub fn finish(mut self) -> Result<FinishedBuffer, BufferError> {
        self.end_srcloc();
        let constants = std::mem::take(&mut self.constants);
        for c in &constants {
            while !self.data.len().is_multiple_of(c.align as usize) {
                self.data.push(0);
            }
            self.bind_label(c.label);
            self.data.extend_from_slice(&c.bytes);
        }
        if self.data.len() > u32::MAX as usize {
            return Err(BufferError::TooLarge);
        }
        for &(use_offset, label, kind) in &self.fixups {
            let label_offset = self.labels.get(label.0 as usize).copied().unwrap_or(UNBOUND);
            if label_offset == UNBOUND {
                return Err(BufferError::UnboundLabel(label.0));
            }
            let dist = label_offset as i64 - use_offset as i64;
            if dist > kind.max_forward() || -dist > kind.max_backward() {
                return Err(BufferError::OutOfRange { use_offset, label_offset });
            }
            let start = use_offset as usize;
            let end = start + kind.patch_size();
            let bytes = self.data.get_mut(start..end).ok_or(BufferError::OutOfRange { use_offset, label_offset })?;
            kind.patch(bytes, use_offset, label_offset);
        }
        self.traps.sort_by_key(|t| t.offset);
        self.call_sites.sort_by_key(|c| c.ret_offset);
        Ok(FinishedBuffer {
            data: self.data,
            traps: self.traps,
            call_sites: self.call_sites,
            relocs: self.relocs,
            srclocs: self.srclocs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Copy, Clone, Debug)]
    struct Rel8;
    impl LabelUse for Rel8 {
        fn patch_size(self) -> usize {
            1
        }
        fn max_forward(self) -> i64 {
            127
        }
        fn max_backward(self) -> i64 {
            128
        }
        fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32) {
            bytes[0] = (label_offset as i64 - (use_offset as i64 + 1)) as i8 as u8;
        }
    }

    #[test]
    fn labels_resolve_forward_and_backward() {
        let mut b = MachBuffer::<Rel8>::new(2);
        b.bind_label(MachLabel(0));
        b.put1(0xeb);
        b.use_label_at_offset(1, MachLabel(1), Rel8);
        b.put1(0);
        b.put1(0x90);
        b.bind_label(MachLabel(1));
        b.put1(0xeb);
        b.use_label_at_offset(4, MachLabel(0), Rel8);
        b.put1(0);
        let c = b.constant(&[1, 2, 3, 4], 4);
        assert_eq!(b.constant(&[1, 2, 3, 4], 4), c, "equal constants share an entry");
        let out = b.finish().unwrap();
        assert_eq!(&out.data[..5], &[0xeb, 1, 0x90, 0xeb, (-5i8) as u8]);
        assert_eq!(&out.data[8..], &[1, 2, 3, 4]);
    }

    #[test]
    fn unbound_and_out_of_range_are_errors() {
        let mut b = MachBuffer::<Rel8>::new(1);
        b.put1(0);
        b.use_label_at_offset(0, MachLabel(0), Rel8);
        assert_eq!(b.finish().err(), Some(BufferError::UnboundLabel(0)));
        let mut b = MachBuffer::<Rel8>::new(1);
        b.put1(0);
        b.use_label_at_offset(0, MachLabel(0), Rel8);
        b.put_data(&[0; 300]);
        b.bind_label(MachLabel(0));
        assert!(matches!(b.finish(), Err(BufferError::OutOfRange { .. })));
    }
}
