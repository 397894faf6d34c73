//! `MachBuffer`: where machine code is emitted. It collects bytes in the ISA's byte order,
//! binds labels and resolves the label uses (fixups) recorded by branches and constant
//! loads, places constants and veneers in islands (in the code, when a pending use would
//! otherwise go out of range, and after the code at the end), and records trap sites,
//! call sites, relocations and source-location ranges.
//!
//! Input: an ISA's emitter (`MachInst::emit`) writes bytes and records label uses; the
//! emission loop (`VCode::emit`) binds block labels and asks, before each instruction,
//! whether an island is due ([`MachBuffer::island_needed`], [`MachBuffer::emit_island`]).
//! Output: [`FinishedBuffer`], turned into `CompiledCode` by the emission loop.
//!
//! Labels `0..num_blocks` are the blocks of the function being emitted; more are made with
//! [`MachBuffer::get_label`] (constants, jump tables, local targets, islands).
//!
//! How a use is resolved: a use of a label that is already bound is patched at once; a
//! use of an unbound label waits in that label's list and is patched when the label is
//! bound. A use that cannot reach its label directly is pointed at a veneer in an island
//! (a longer-range branch, itself a new use of the label) when its [`LabelUse`] kind
//! supports one. The buffer keeps the earliest deadline (the last offset at which an
//! island still reaches every waiting use that an island can help) and the worst-case
//! size of the next island, so the check between instructions is O(1).
//!
//! Invariants: every label used is bound by [`MachBuffer::finish`]; a use whose distance
//! does not fit its kind and that no veneer can help is an error, never silently wrong
//! code; with islands requested as the emission loop does, every island lies within
//! reach of the uses that need it (see `docs/machinst.md`, "MachBuffer").

use super::compiled::{CallSite, ExceptionSite, Reloc, RelocKind, SrcLocRange, TrapSite};
use crate::ir::{Endianness, ExternalName, SourceLoc, TrapCode};
use std::fmt;

#[cfg(test)]
mod tests;

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
/// reaches, how to write the distance, and the veneer that extends its reach, if any.
///
/// Distances are taken from the use offset (the first patched byte) to the label; an
/// encoding relative to something else (the instruction start, the next instruction)
/// accounts for that in [`LabelUse::patch`] and in its reach.
pub trait LabelUse: Copy + fmt::Debug {
    /// Alignment of the ISA's instructions in bytes (a power of two): veneers, and the
    /// code after an island, start at a multiple of it.
    const ALIGN: u32;

    /// Bytes patched at the use.
    fn patch_size(self) -> u32;
    /// Largest forward distance (label offset minus use offset) that fits.
    fn max_forward(self) -> u32;
    /// Largest backward distance (use offset minus label offset) that fits.
    fn max_backward(self) -> u32;
    /// Writes the distance into `bytes` (the `patch_size` bytes at `use_offset`, already
    /// written by the emitter, which may have stored a bias there).
    fn patch(self, bytes: &mut [u8], use_offset: u32, label_offset: u32);

    /// Whether a use of this kind that cannot reach its label may be pointed at a veneer.
    fn supports_veneer(self) -> bool {
        false
    }
    /// Bytes of the veneer (a multiple of [`LabelUse::ALIGN`]).
    fn veneer_size(self) -> u32 {
        0
    }
    /// Writes the veneer into `veneer` (the `veneer_size` bytes at `veneer_offset`,
    /// zeroed) with its target field left for patching, and returns that field's offset
    /// and kind: a new use of the original label, which must reach further than this
    /// kind (so chains of veneers end). `None` when the kind has no veneer.
    fn generate_veneer(self, veneer: &mut [u8], veneer_offset: u32) -> Option<(u32, Self)> {
        let _ = (veneer, veneer_offset);
        None
    }
}

/// An error while emitting into the buffer, reported by [`MachBuffer::finish`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BufferError {
    /// A label was used but never bound.
    #[error("label {0} is used but never bound")]
    UnboundLabel(u32),
    /// A label was bound twice.
    #[error("label {0} is bound twice")]
    LabelBoundTwice(u32),
    /// A label is too far from its use for the instruction's reach, and no veneer helps.
    #[error("a branch or reference at offset {use_offset} cannot reach offset {label_offset}")]
    OutOfRange {
        /// Where the use is.
        use_offset: u32,
        /// Where the label (or the veneer meant to extend the use) is.
        label_offset: u32,
    },
    /// A use was recorded before its bytes were written, or a veneer described a use
    /// outside itself (a bug in the ISA's emitter).
    #[error("a label use at offset {use_offset} lies outside the code written so far")]
    InvalidUse {
        /// Where the use is.
        use_offset: u32,
    },
    /// The code grew beyond 4 GiB.
    #[error("the function's code is larger than 4 GiB")]
    TooLarge,
}

/// Marks an unbound label, a free fixup slot and the end of a fixup list.
const NONE: u32 = u32::MAX;

/// At most this many rounds of veneers per island: a veneer's own use normally reaches,
/// and each round extends the reach of the uses still short.
const MAX_VENEER_ROUNDS: usize = 8;

#[derive(Copy, Clone)]
struct LabelInfo {
    /// Where the label is bound, or `NONE`.
    offset: u32,
    /// First fixup waiting for the label to be bound (a list through `Fixup::next`).
    waiting: u32,
    /// Whether the label is a constant's, placed by the next island.
    constant: bool,
}

/// A use that is not resolved yet: its label is unbound (it waits in the label's list),
/// or it is bound but out of direct reach (it waits for a veneer in the next island).
#[derive(Copy, Clone)]
struct Fixup<L> {
    offset: u32,
    /// The label, or `NONE` when the slot is free.
    label: u32,
    kind: L,
    next: u32,
}

impl<L: LabelUse> Fixup<L> {
    /// The last offset a veneer or constant for this use may start at.
    fn deadline(&self) -> u64 {
        self.offset as u64 + self.kind.max_forward() as u64
    }
}

/// A constant not placed yet; its bytes are `const_data[start..start + len]`.
#[derive(Copy, Clone)]
struct Constant {
    label: MachLabel,
    align: u32,
    start: u32,
    len: u32,
}

/// What an island places, in deadline order.
#[derive(Copy, Clone)]
enum Item {
    Constant(u32),
    Veneer(u32),
}

/// The code buffer of one function.
pub struct MachBuffer<L: LabelUse> {
    data: Vec<u8>,
    endianness: Endianness,
    labels: Vec<LabelInfo>,
    /// Unresolved uses (a slab: free slots are listed in `free_fixups`).
    fixups: Vec<Fixup<L>>,
    free_fixups: Vec<u32>,
    /// Constants waiting for the next island, and their bytes.
    constants: Vec<Constant>,
    const_data: Vec<u8>,
    /// Bytes the next island may take besides its jump: waiting constants with alignment
    /// padding, veneers for every waiting use that supports one, the final alignment.
    island_worst: u64,
    /// The earliest deadline of a waiting use an island helps (a use that supports a
    /// veneer, or a use of a constant); may be early after uses resolve, never late.
    min_deadline: u64,
    /// Reused by each island.
    island_items: Vec<(u64, u32, Item)>,
    error: Option<BufferError>,
    traps: Vec<TrapSite>,
    call_sites: Vec<CallSite>,
    /// `try_call` sites: the return offset and each handler's tag and landing label.
    exception_sites: Vec<(u32, Handlers)>,
    relocs: Vec<Reloc>,
    srclocs: Vec<SrcLocRange>,
    cur_srcloc: Option<(u32, SourceLoc)>,
}

/// A `try_call`'s handlers while code is emitted: each tag (`None` for `default`) with
/// its landing pad's label.
type Handlers = Vec<(Option<u32>, MachLabel)>;

/// What [`MachBuffer::finish`] produces.
pub struct FinishedBuffer {
    /// The code, with its islands, followed by the constants placed at the end.
    pub data: Vec<u8>,
    /// Trap sites, sorted.
    pub traps: Vec<TrapSite>,
    /// Call sites, sorted.
    pub call_sites: Vec<CallSite>,
    /// `try_call` sites with their landing pads, sorted.
    pub exception_sites: Vec<ExceptionSite>,
    /// Relocations.
    pub relocs: Vec<Reloc>,
    /// Source-location ranges, sorted.
    pub srclocs: Vec<SrcLocRange>,
}

impl<L: LabelUse> MachBuffer<L> {
    /// Makes room for `bytes` more bytes of code, so that a caller that can estimate the
    /// size avoids growing (copying) the buffer as it emits.
    pub fn reserve(&mut self, bytes: usize) {
        self.data.reserve(bytes);
    }

    /// An empty buffer with `num_blocks` block labels, writing multi-byte values in
    /// `endianness`.
    pub fn new(num_blocks: u32, endianness: Endianness) -> Self {
        Self {
            data: Vec::new(),
            endianness,
            labels: vec![LabelInfo { offset: NONE, waiting: NONE, constant: false }; num_blocks as usize],
            fixups: Vec::new(),
            free_fixups: Vec::new(),
            constants: Vec::new(),
            const_data: Vec::new(),
            island_worst: L::ALIGN as u64 - 1,
            min_deadline: u64::MAX,
            island_items: Vec::new(),
            error: None,
            traps: Vec::new(),
            call_sites: Vec::new(),
            exception_sites: Vec::new(),
            relocs: Vec::new(),
            srclocs: Vec::new(),
            cur_srcloc: None,
        }
    }

    /// The byte order of [`MachBuffer::put2`], [`MachBuffer::put4`] and
    /// [`MachBuffer::put8`].
    pub fn endianness(&self) -> Endianness {
        self.endianness
    }

    /// The offset the next byte goes to.
    pub fn cur_offset(&self) -> u32 {
        self.data.len() as u32
    }

    /// Appends one byte.
    pub fn put1(&mut self, b: u8) {
        self.data.push(b);
    }
    /// Appends two bytes in the buffer's byte order.
    pub fn put2(&mut self, x: u16) {
        match self.endianness {
            Endianness::Little => self.data.extend_from_slice(&x.to_le_bytes()),
            Endianness::Big => self.data.extend_from_slice(&x.to_be_bytes()),
        }
    }
    /// Appends four bytes in the buffer's byte order (an instruction word on fixed-width
    /// ISAs).
    pub fn put4(&mut self, x: u32) {
        match self.endianness {
            Endianness::Little => self.data.extend_from_slice(&x.to_le_bytes()),
            Endianness::Big => self.data.extend_from_slice(&x.to_be_bytes()),
        }
    }
    /// Appends eight bytes in the buffer's byte order.
    pub fn put8(&mut self, x: u64) {
        match self.endianness {
            Endianness::Little => self.data.extend_from_slice(&x.to_le_bytes()),
            Endianness::Big => self.data.extend_from_slice(&x.to_be_bytes()),
        }
    }
    /// Appends bytes as given.
    pub fn put_data(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }
    /// The bytes emitted so far.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// A new, unbound label.
    pub fn get_label(&mut self) -> MachLabel {
        self.labels.push(LabelInfo { offset: NONE, waiting: NONE, constant: false });
        MachLabel(self.labels.len() as u32 - 1)
    }

    /// Binds `label` to the current offset and resolves the uses waiting for it.
    pub fn bind_label(&mut self, label: MachLabel) {
        let offset = self.cur_offset();
        self.bind_at(label, offset);
    }

    /// Binds `label` where `to` is bound (a block left out in favour of the one it jumps
    /// to); when `to` is not bound, `label` stays unbound.
    pub fn alias_label(&mut self, label: MachLabel, to: MachLabel) {
        if let Some(offset) = self.label_offset(to) {
            self.bind_at(label, offset);
        }
    }

    /// The offset `label` is bound to, if it is bound yet.
    pub fn label_offset(&self, label: MachLabel) -> Option<u32> {
        self.labels.get(label.0 as usize).map(|l| l.offset).filter(|&o| o != NONE)
    }

    /// Records that the `kind.patch_size()` bytes at `offset`, already written, refer to
    /// `label`. A bound label is resolved now; an unbound one when it is bound.
    pub fn use_label_at_offset(&mut self, offset: u32, label: MachLabel, kind: L) {
        if offset as u64 + kind.patch_size() as u64 > self.data.len() as u64 {
            self.fail(BufferError::InvalidUse { use_offset: offset });
            return;
        }
        let Some(info) = self.labels.get(label.0 as usize).copied() else {
            self.fail(BufferError::UnboundLabel(label.0));
            return;
        };
        if info.offset != NONE {
            self.resolve(offset, label.0, kind, info.offset);
            return;
        }
        let slot = self.alloc_fixup(Fixup { offset, label: label.0, kind, next: info.waiting });
        self.labels[label.0 as usize].waiting = slot;
        self.track(slot);
    }

    /// A label for `bytes` (aligned to `align`, a power of two) in the next island; equal
    /// constants waiting for the same island share one entry. Use the label right away
    /// (once placed, a constant may be beyond a later use's reach: ask again instead).
    pub fn constant(&mut self, bytes: &[u8], align: u32) -> MachLabel {
        let align = align.max(1).next_power_of_two();
        let data = &self.const_data;
        let same = |c: &&Constant| c.align >= align && &data[c.start as usize..(c.start + c.len) as usize] == bytes;
        if let Some(c) = self.constants.iter().find(same) {
            return c.label;
        }
        let label = self.get_label();
        self.labels[label.0 as usize].constant = true;
        let start = self.const_data.len() as u32;
        self.const_data.extend_from_slice(bytes);
        self.constants.push(Constant { label, align, start, len: bytes.len() as u32 });
        self.island_worst += bytes.len() as u64 + align as u64 - 1;
        label
    }

    /// Records that the instruction starting at the current offset may trap with `code`.
    pub fn add_trap(&mut self, code: TrapCode) {
        self.traps.push(TrapSite { offset: self.cur_offset(), code });
    }

    /// Records that the call just emitted is a `try_call`'s, with its handlers (tag, or
    /// `None` for `default`, and the label of the landing pad) in table order. Labels are
    /// resolved when the buffer is finished.
    pub fn add_exception_site(&mut self, handlers: Vec<(Option<u32>, MachLabel)>) {
        self.exception_sites.push((self.cur_offset(), handlers));
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

    /// Whether an island must come before the next instruction: true when emitting an
    /// instruction of up to `distance` bytes (counting what it adds to the island:
    /// constants with their padding, veneers of its uses), then an island (a jump of up
    /// to `distance` bytes and everything waiting), could leave a waiting use out of
    /// reach. O(1).
    pub fn island_needed(&self, distance: u32) -> bool {
        self.worst_island_end(distance) >= self.min_deadline
    }

    /// Emits an island if one is still needed (see [`MachBuffer::island_needed`]):
    /// `jump` writes an unconditional jump to the label it is given (bound right after
    /// the island), then come the waiting constants and veneers for the uses that would
    /// otherwise go out of reach, in deadline order. Returns the island's size in bytes
    /// (0 when none was needed after all).
    pub fn emit_island(&mut self, distance: u32, jump: &mut dyn FnMut(&mut Self, MachLabel)) -> u32 {
        self.refresh_min_deadline();
        if !self.island_needed(distance) {
            return 0;
        }
        let start = self.cur_offset();
        let open = self.cur_srcloc.map(|(_, loc)| loc);
        self.end_srcloc();
        let after = self.get_label();
        jump(self, after);
        self.place_island_items(Some(distance));
        self.align_to(L::ALIGN);
        self.bind_label(after);
        if let Some(loc) = open {
            self.cur_srcloc = Some((self.cur_offset(), loc));
        }
        self.refresh_min_deadline();
        self.cur_offset() - start
    }

    /// Places the remaining constants (and veneers for uses waiting on a bound label)
    /// after the code, checks every label use is resolved and returns the result.
    pub fn finish(mut self) -> Result<FinishedBuffer, BufferError> {
        self.end_srcloc();
        self.place_island_items(None);
        if self.data.len() > u32::MAX as usize {
            return Err(BufferError::TooLarge);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let Some(i) = self.labels.iter().position(|l| l.waiting != NONE) {
            return Err(BufferError::UnboundLabel(i as u32));
        }
        if let Some(f) = self.fixups.iter().find(|f| f.label != NONE) {
            // A use still waits for a veneer: its chain of veneers did not end.
            let label_offset = self.labels[f.label as usize].offset;
            return Err(BufferError::OutOfRange { use_offset: f.offset, label_offset });
        }
        self.traps.sort_by_key(|t| t.offset);
        self.call_sites.sort_by_key(|c| c.ret_offset);
        let mut exception_sites = Vec::with_capacity(self.exception_sites.len());
        for (ret_offset, handlers) in std::mem::take(&mut self.exception_sites) {
            let mut resolved = Vec::with_capacity(handlers.len());
            for (tag, label) in handlers {
                let offset = self.label_offset(label).ok_or(BufferError::UnboundLabel(label.0))?;
                resolved.push((tag, offset));
            }
            exception_sites.push(ExceptionSite { ret_offset, handlers: resolved });
        }
        exception_sites.sort_by_key(|s| s.ret_offset);
        Ok(FinishedBuffer {
            data: self.data,
            traps: self.traps,
            call_sites: self.call_sites,
            exception_sites,
            relocs: self.relocs,
            srclocs: self.srclocs,
        })
    }

    /// The offset an island started before an instruction of `distance` bytes could end
    /// at, at worst.
    fn worst_island_end(&self, distance: u32) -> u64 {
        self.cur_offset() as u64 + 2 * distance as u64 + self.island_worst
    }

    /// Keeps the first error.
    fn fail(&mut self, e: BufferError) {
        self.error.get_or_insert(e);
    }

    fn bind_at(&mut self, label: MachLabel, offset: u32) {
        let Some(info) = self.labels.get_mut(label.0 as usize) else {
            return;
        };
        if info.offset != NONE {
            self.fail(BufferError::LabelBoundTwice(label.0));
            return;
        }
        info.offset = offset;
        let mut slot = std::mem::replace(&mut info.waiting, NONE);
        while slot != NONE {
            let f = self.fixups[slot as usize];
            self.untrack(slot);
            self.free_fixup(slot);
            self.resolve(f.offset, f.label, f.kind, offset);
            slot = f.next;
        }
    }

    /// Patches a use of a bound label, or, when it cannot reach, lets it wait for a
    /// veneer in the next island (an error when its kind has none).
    fn resolve(&mut self, use_offset: u32, label: u32, kind: L, label_offset: u32) {
        let fits = if label_offset >= use_offset {
            label_offset - use_offset <= kind.max_forward()
        } else {
            use_offset - label_offset <= kind.max_backward()
        };
        if fits {
            let at = use_offset as usize;
            kind.patch(&mut self.data[at..at + kind.patch_size() as usize], use_offset, label_offset);
        } else if kind.supports_veneer() {
            let slot = self.alloc_fixup(Fixup { offset: use_offset, label, kind, next: NONE });
            self.track(slot);
        } else {
            self.fail(BufferError::OutOfRange { use_offset, label_offset });
        }
    }

    fn alloc_fixup(&mut self, f: Fixup<L>) -> u32 {
        match self.free_fixups.pop() {
            Some(slot) => {
                self.fixups[slot as usize] = f;
                slot
            }
            None => {
                self.fixups.push(f);
                self.fixups.len() as u32 - 1
            }
        }
    }

    fn free_fixup(&mut self, slot: u32) {
        self.fixups[slot as usize].label = NONE;
        self.free_fixups.push(slot);
    }

    /// Whether an island helps the waiting use in `slot`: it may get a veneer, or its
    /// label is a constant the island places.
    fn island_helps(&self, f: &Fixup<L>) -> bool {
        f.kind.supports_veneer() || self.labels[f.label as usize].constant
    }

    /// Counts a new waiting use in the island's worst-case size and deadline.
    fn track(&mut self, slot: u32) {
        let f = self.fixups[slot as usize];
        if f.kind.supports_veneer() {
            self.island_worst += f.kind.veneer_size() as u64 + L::ALIGN as u64 - 1;
        }
        if self.island_helps(&f) {
            self.min_deadline = self.min_deadline.min(f.deadline());
        }
    }

    /// Stops counting a waiting use (the deadline stays: it is refreshed by islands).
    fn untrack(&mut self, slot: u32) {
        let f = self.fixups[slot as usize];
        if f.kind.supports_veneer() {
            self.island_worst -= f.kind.veneer_size() as u64 + L::ALIGN as u64 - 1;
        }
    }

    fn refresh_min_deadline(&mut self) {
        let live = self.fixups.iter().filter(|f| f.label != NONE);
        self.min_deadline = live.filter(|f| self.island_helps(f)).map(Fixup::deadline).min().unwrap_or(u64::MAX);
    }

    fn align_to(&mut self, align: u32) {
        let len = self.data.len().next_multiple_of(align as usize);
        self.data.resize(len, 0);
    }

    /// Places constants and veneers in deadline order. Inside the code (`distance`
    /// given) it stops at the first item that can wait for a later island: one whose
    /// deadline lies beyond the worst-case end of that island (everything still waiting
    /// counted in). After the code (`None`) it places every constant and a veneer for
    /// every use of a bound label that cannot reach it. A veneer's own use may need a
    /// veneer in turn: rounds repeat until nothing more is due.
    fn place_island_items(&mut self, distance: Option<u32>) {
        let mut items = std::mem::take(&mut self.island_items);
        for _ in 0..MAX_VENEER_ROUNDS {
            if self.error.is_some() {
                break; // The function fails anyway; do not retry the use that failed.
            }
            items.clear();
            for (i, c) in self.constants.iter().enumerate() {
                items.push((self.first_deadline(c.label), i as u32, Item::Constant(i as u32)));
            }
            let n = self.constants.len() as u32;
            for (slot, f) in self.fixups.iter().enumerate() {
                if f.label == NONE || !f.kind.supports_veneer() {
                    continue;
                }
                let label = self.labels[f.label as usize];
                let bound = label.offset != NONE;
                // A use of an unbound constant is served by placing the constant; after
                // the code, a use of an unbound label is an error, not a veneer.
                if bound || (distance.is_some() && !label.constant) {
                    items.push((f.deadline(), n + slot as u32, Item::Veneer(slot as u32)));
                }
            }
            items.sort_unstable_by_key(|&(deadline, order, _)| (deadline, order));
            let mut placed = 0;
            for &(deadline, _, item) in &items {
                // Due: a later island (and this one's final alignment) could end past it.
                let due = distance.is_none_or(|d| deadline < self.worst_island_end(d) + L::ALIGN as u64);
                if !due {
                    break;
                }
                match item {
                    Item::Constant(i) => self.place_constant(i),
                    Item::Veneer(slot) => self.place_veneer(slot),
                }
                placed += 1;
            }
            let labels = &self.labels;
            self.constants.retain(|c| labels[c.label.0 as usize].offset == NONE);
            if self.constants.is_empty() {
                self.const_data.clear();
            }
            if placed == 0 {
                break;
            }
        }
        self.island_items = items;
    }

    /// The earliest deadline of the uses waiting for `label`.
    fn first_deadline(&self, label: MachLabel) -> u64 {
        let mut slot = self.labels[label.0 as usize].waiting;
        let mut first = u64::MAX;
        while slot != NONE {
            let f = &self.fixups[slot as usize];
            first = first.min(f.deadline());
            slot = f.next;
        }
        first
    }

    fn place_constant(&mut self, i: u32) {
        let c = self.constants[i as usize];
        self.island_worst -= c.len as u64 + c.align as u64 - 1;
        self.align_to(c.align);
        self.bind_label(c.label);
        let bytes = &self.const_data[c.start as usize..(c.start + c.len) as usize];
        self.data.extend_from_slice(bytes);
    }

    /// Writes the veneer of the use in `slot` here, points the use at it, and replaces the
    /// use by the veneer's own (waiting in the same place when the label is unbound).
    fn place_veneer(&mut self, slot: u32) {
        let f = self.fixups[slot as usize];
        self.align_to(L::ALIGN);
        let at = self.cur_offset();
        if at - f.offset > f.kind.max_forward() {
            self.fail(BufferError::OutOfRange { use_offset: f.offset, label_offset: at });
            return;
        }
        let size = f.kind.veneer_size();
        self.data.resize(self.data.len() + size as usize, 0);
        let veneer = &mut self.data[at as usize..(at + size) as usize];
        let new_use = f.kind.generate_veneer(veneer, at).filter(|&(offset, kind)| {
            offset >= at && offset as u64 + kind.patch_size() as u64 <= at as u64 + size as u64
        });
        let Some((offset, kind)) = new_use else {
            self.fail(BufferError::InvalidUse { use_offset: f.offset });
            return;
        };
        let use_at = f.offset as usize;
        f.kind.patch(&mut self.data[use_at..use_at + f.kind.patch_size() as usize], f.offset, at);
        self.untrack(slot);
        let label_offset = self.labels[f.label as usize].offset;
        if label_offset == NONE {
            self.fixups[slot as usize] = Fixup { offset, kind, ..f };
            self.track(slot);
        } else {
            self.free_fixup(slot);
            self.resolve(offset, f.label, kind, label_offset);
        }
    }
}
