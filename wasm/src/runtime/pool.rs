//! The pooling instance allocator: memories, tables and instance state taken from slots
//! reserved once per [`Engine`](super::Engine) and reset when given back.
//!
//! Chosen with [`InstanceAllocator::Pooling`] in `Config::allocator`; the default,
//! [`InstanceAllocator::OnDemand`], maps a fresh reservation per memory and grows tables
//! on the heap. A pool makes three kinds of slot, with the counts and sizes of its
//! [`PoolingConfig`]:
//!
//! - memory slots: one `PROT_NONE` mapping of `memories` consecutive reservations of
//!   [`RESERVATION`] bytes each, so every slot keeps the 8 GiB + guard layout compiled code
//!   relies on (a guard-page bounds check cannot reach the next slot); a slot is made
//!   accessible up to its memory's size, at most `max_memory_pages`;
//! - table slots: one read-write mapping of `tables` arrays of `max_table_elements`
//!   eight-byte elements, touched only as far as a table grows;
//! - instance slots: one read-write mapping of `instances` areas of
//!   `instance_state_bytes`, in which an instance's vmctx and its arrays (function
//!   references, and the pointers to functions, globals and tables compiled code reads)
//!   are placed one after the other ([`StateBox`]). Global cells stay in the store (host
//!   globals share their vector), as do the store's own bookkeeping vectors.
//!
//! Invariants: a slot is used by one memory, table or instance at a time (the free lists
//! hand each index out once until it is given back). When a slot is given back, the pages
//! its tenant touched are dropped with `madvise(MADV_DONTNEED)`, which makes the next
//! reader of a private anonymous mapping see zero-filled pages, and a memory slot is made
//! `PROT_NONE` again; only then does the index return to the free list. So the next
//! tenant of a slot reads zeros, never the previous tenant's bytes. A slot whose reset
//! fails is not reused (it is lost to the pool rather than leaked to another tenant).
//! The pool's mappings go when the engine and every store made from it have gone (each
//! slot holds an `Arc` of the pool).
//!
//! Running out of a kind of slot is [`WasmError::PoolExhausted`]; a memory, table or
//! instance state asked to start larger than a slot is [`WasmError::Limit`]; growth past
//! a slot fails the way growth past a maximum does (`memory.grow` returns -1). The vmctx
//! layout is the same for both allocators: only where it lives changes.

use super::memory::RESERVATION;
use crate::WasmError;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

/// How instances get their memories and tables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum InstanceAllocator {
    /// A fresh reservation per memory, tables on the heap, no count limit (the default).
    #[default]
    OnDemand,
    /// Preallocated slots, reset on reuse (see the module documentation).
    Pooling(PoolingConfig),
}

/// The counts and sizes of a pool's slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolingConfig {
    /// Instance slots: the most instances alive at once over all stores of the engine.
    pub instances: u32,
    /// Bytes per instance slot, for the vmctx and its arrays: about 32 bytes per function
    /// (imported or defined) and 8 per global and per table, plus 128.
    pub instance_state_bytes: u32,
    /// Memory slots (each reserves 8 GiB of address space plus a guard, without backing).
    pub memories: u32,
    /// The most pages (64 KiB) a memory in a slot can have.
    pub max_memory_pages: u64,
    /// Table slots.
    pub tables: u32,
    /// The most elements a table in a slot can have.
    pub max_table_elements: u32,
}

impl Default for PoolingConfig {
    /// 100 of each slot; instance state up to 1 MiB (about 30,000 functions), memories up
    /// to 160 pages (10 MiB), tables up to 10,000 elements: 800 GiB of address space,
    /// nothing of it backed until used.
    fn default() -> PoolingConfig {
        PoolingConfig {
            instances: 100,
            instance_state_bytes: 1 << 20,
            memories: 100,
            max_memory_pages: 160,
            tables: 100,
            max_table_elements: 10_000,
        }
    }
}

/// An anonymous mapping the pool owns.
struct Region {
    base: *mut u8,
    len: usize,
}

// SAFETY: the region is plain memory; which thread uses which part of it is decided by
// the free lists (behind mutexes), and only the owner of a slot touches it.
unsafe impl Send for Region {}
// SAFETY: as above; shared references to the region only read its address and length.
unsafe impl Sync for Region {}

impl Region {
    fn map(len: usize, prot: libc::c_int, what: &str) -> Result<Region, WasmError> {
        if len == 0 {
            // Slots of no bytes (tables of at most 0 elements): a well-aligned non-null
            // address, so that empty slices of it are valid.
            return Ok(Region { base: std::ptr::NonNull::<u64>::dangling().as_ptr().cast(), len });
        }
        // SAFETY: an anonymous private mapping at an address the kernel chooses touches no
        // existing memory; the result is checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(WasmError::OutOfMemory(format!(
                "reserving {len} bytes for the pool's {what}: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(Region { base: base.cast(), len })
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the mapping was made by `map` with this length; every slot holds an
            // `Arc` of the pool, so none is in use when the pool (and this region) drops.
            unsafe { libc::munmap(self.base.cast(), self.len) };
        }
    }
}

/// The slots of one engine.
pub(crate) struct Pool {
    config: PoolingConfig,
    memories: Region,
    tables: Region,
    /// Bytes per table slot (whole pages).
    table_stride: usize,
    instances: Region,
    /// Bytes per instance slot (whole pages).
    instance_stride: usize,
    free_memories: Mutex<Vec<u32>>,
    free_tables: Mutex<Vec<u32>>,
    free_instances: Mutex<Vec<u32>>,
}

fn page_size() -> usize {
    // SAFETY: sysconf only reads a system constant.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

/// The free list of `n` slots, so that `pop` hands out slot 0 first.
fn free_list(n: u32) -> Mutex<Vec<u32>> {
    Mutex::new((0..n).rev().collect())
}

impl Pool {
    /// Reserves the slots of `config`.
    pub(crate) fn new(config: PoolingConfig) -> Result<Arc<Pool>, WasmError> {
        if config.max_memory_pages > super::memory::MAX_PAGES {
            return Err(WasmError::Limit(format!(
                "a pool's memory slots hold at most {} pages; {} asked for",
                super::memory::MAX_PAGES,
                config.max_memory_pages
            )));
        }
        let too_big = || WasmError::OutOfMemory("the pool's size overflows the address space".into());
        let memories_len = (config.memories as usize).checked_mul(RESERVATION).ok_or_else(too_big)?;
        let page = page_size();
        let table_bytes = (config.max_table_elements as usize).checked_mul(8).ok_or_else(too_big)?;
        let table_stride = table_bytes.div_ceil(page) * page;
        let tables_len = (config.tables as usize).checked_mul(table_stride).ok_or_else(too_big)?;
        let instance_stride = (config.instance_state_bytes as usize).div_ceil(page) * page;
        let instances_len = (config.instances as usize).checked_mul(instance_stride).ok_or_else(too_big)?;
        let memories = Region::map(memories_len, libc::PROT_NONE, "memories")?;
        let tables = Region::map(tables_len, libc::PROT_READ | libc::PROT_WRITE, "tables")?;
        let instances = Region::map(instances_len, libc::PROT_READ | libc::PROT_WRITE, "instances")?;
        Ok(Arc::new(Pool {
            free_memories: free_list(config.memories),
            free_tables: free_list(config.tables),
            free_instances: free_list(config.instances),
            config,
            memories,
            tables,
            table_stride,
            instances,
            instance_stride,
        }))
    }

    /// The pool's configuration.
    pub(crate) fn config(&self) -> &PoolingConfig {
        &self.config
    }

    /// Takes an instance slot, if it can hold `state_bytes` of instance state.
    pub(crate) fn instance(self: &Arc<Pool>, state_bytes: usize) -> Result<InstanceSlot, WasmError> {
        let capacity = self.config.instance_state_bytes as usize;
        if state_bytes > capacity {
            return Err(WasmError::Limit(format!(
                "the instance needs {state_bytes} bytes of state; the pool's instance slots hold {capacity}"
            )));
        }
        let index = take(&self.free_instances)
            .ok_or(WasmError::PoolExhausted { what: "instance", slots: self.config.instances })?;
        // SAFETY: `index < instances`, so the offset stays inside the region.
        let base = unsafe { self.instances.base.add(index as usize * self.instance_stride) };
        Ok(InstanceSlot { pool: self.clone(), index, base, used: 0 })
    }

    /// Takes a memory slot.
    pub(crate) fn memory(self: &Arc<Pool>) -> Result<MemorySlot, WasmError> {
        let index = take(&self.free_memories)
            .ok_or(WasmError::PoolExhausted { what: "memory", slots: self.config.memories })?;
        // SAFETY: `index < memories`, so the offset stays inside the region.
        let base = unsafe { self.memories.base.add(index as usize * RESERVATION) };
        Ok(MemorySlot { pool: self.clone(), index, base })
    }

    /// Takes a table slot.
    pub(crate) fn table(self: &Arc<Pool>) -> Result<TableSlot, WasmError> {
        let index =
            take(&self.free_tables).ok_or(WasmError::PoolExhausted { what: "table", slots: self.config.tables })?;
        // SAFETY: `index < tables`, so the offset stays inside the region.
        let base = unsafe { self.tables.base.add(index as usize * self.table_stride) };
        Ok(TableSlot { pool: self.clone(), index, base: base.cast(), touched: 0 })
    }
}

fn take(list: &Mutex<Vec<u32>>) -> Option<u32> {
    list.lock().unwrap_or_else(|e| e.into_inner()).pop()
}

fn give_back(list: &Mutex<Vec<u32>>, index: u32) {
    list.lock().unwrap_or_else(|e| e.into_inner()).push(index);
}

/// Drops the pages of `[base, base + len)` (whole pages): the next read sees zeros.
///
/// # Safety
/// The range must lie in one of the pool's private anonymous mappings and belong to a
/// slot no one uses any more.
unsafe fn discard(base: *mut u8, len: usize) -> bool {
    if len == 0 {
        return true;
    }
    let len = len.div_ceil(page_size()) * page_size();
    // SAFETY: see the function's contract.
    unsafe { libc::madvise(base.cast(), len, libc::MADV_DONTNEED) == 0 }
}

/// An instance slot: `instance_state_bytes` of zeroed memory, handed out front to back.
/// Whatever was placed in it must be dropped before it (the instance's fields are
/// declared before its slot).
pub(crate) struct InstanceSlot {
    pool: Arc<Pool>,
    index: u32,
    base: *mut u8,
    /// Bytes handed out.
    used: usize,
}

impl InstanceSlot {
    /// Room for `len` values of `T`, aligned, or `None` when the slot is full.
    fn alloc<T>(&mut self, len: usize) -> Option<NonNull<T>> {
        let start = self.used.next_multiple_of(std::mem::align_of::<T>());
        let end = start.checked_add(len.checked_mul(std::mem::size_of::<T>())?)?;
        if end > self.pool.config.instance_state_bytes as usize {
            return None;
        }
        self.used = end;
        // SAFETY: `start <= end <= instance_state_bytes <= stride`: inside this slot.
        NonNull::new(unsafe { self.base.add(start) }.cast())
    }

    fn full(&self) -> WasmError {
        WasmError::Limit(format!(
            "the instance's state does not fit the pool's instance slots of {} bytes",
            self.pool.config.instance_state_bytes
        ))
    }
}

impl Drop for InstanceSlot {
    fn drop(&mut self) {
        // SAFETY: everything placed in the slot was dropped before it (see the type).
        if unsafe { discard(self.base, self.used) } {
            give_back(&self.pool.free_instances, self.index);
        }
    }
}

/// Instance state compiled code points into: on the heap (on-demand allocator) or in an
/// instance slot. Its address does not change when the `StateBox` moves.
pub(crate) enum StateBox<T: ?Sized> {
    /// On the heap.
    Heap(Box<T>),
    /// In an instance slot that outlives it; never dropped in place (`T` needs no drop).
    Slot(NonNull<T>),
}

impl<T> StateBox<T> {
    /// `value`, in `slot` if given.
    pub(crate) fn new(slot: Option<&mut InstanceSlot>, value: T) -> Result<StateBox<T>, WasmError> {
        const { assert!(!std::mem::needs_drop::<T>(), "slot contents are never dropped") };
        let Some(slot) = slot else { return Ok(StateBox::Heap(Box::new(value))) };
        let p = slot.alloc::<T>(1).ok_or_else(|| slot.full())?;
        // SAFETY: `p` is fresh, aligned room for one `T` in the slot.
        unsafe { p.as_ptr().write(value) };
        Ok(StateBox::Slot(p))
    }

    /// The elements of `items`, in `slot` if given.
    pub(crate) fn slice(slot: Option<&mut InstanceSlot>, items: Vec<T>) -> Result<StateBox<[T]>, WasmError> {
        const { assert!(!std::mem::needs_drop::<T>(), "slot contents are never dropped") };
        let Some(slot) = slot else { return Ok(StateBox::Heap(items.into_boxed_slice())) };
        let p = slot.alloc::<T>(items.len()).ok_or_else(|| slot.full())?;
        // SAFETY: `p` is fresh, aligned room for `items.len()` values; the vector's copies
        // are then freed without dropping (`T` needs no drop).
        unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), p.as_ptr(), items.len()) };
        Ok(StateBox::Slot(NonNull::slice_from_raw_parts(p, items.len())))
    }
}

impl<T: ?Sized> std::ops::Deref for StateBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            StateBox::Heap(b) => b,
            // SAFETY: the value was written by `new`/`slice` and the slot outlives the box.
            StateBox::Slot(p) => unsafe { p.as_ref() },
        }
    }
}

impl<T: ?Sized> std::ops::DerefMut for StateBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        match self {
            StateBox::Heap(b) => b,
            // SAFETY: as in `deref`; `&mut self` makes the borrow exclusive.
            StateBox::Slot(p) => unsafe { p.as_mut() },
        }
    }
}

/// A memory slot: [`RESERVATION`] bytes, `PROT_NONE` and zero-filled when handed out.
pub(crate) struct MemorySlot {
    pool: Arc<Pool>,
    index: u32,
    base: *mut u8,
}

impl MemorySlot {
    /// The slot's first byte.
    pub(crate) fn base(&self) -> *mut u8 {
        self.base
    }

    /// Resets the slot, of which the first `accessible` bytes were made readable and
    /// writable, and gives it back to the pool.
    pub(crate) fn release(self, accessible: usize) {
        // SAFETY: the slot's memory is being dropped: no compiled code or Rust reference
        // uses these bytes any more (the store drops code before memories).
        let reset = unsafe {
            discard(self.base, accessible)
                && (accessible == 0 || libc::mprotect(self.base.cast(), accessible, libc::PROT_NONE) == 0)
        };
        if reset {
            give_back(&self.pool.free_memories, self.index);
        }
    }
}

/// A table slot: room for `max_table_elements` elements, zero when handed out.
pub(crate) struct TableSlot {
    pool: Arc<Pool>,
    index: u32,
    base: *mut u64,
    /// Elements ever written (the high-water mark to reset).
    touched: usize,
}

impl TableSlot {
    /// The most elements the slot holds.
    pub(crate) fn capacity(&self) -> usize {
        self.pool.config.max_table_elements as usize
    }
}

impl Drop for TableSlot {
    fn drop(&mut self) {
        // SAFETY: the table is being dropped, so nothing reads its elements any more; the
        // range lies in the slot.
        if unsafe { discard(self.base.cast(), self.touched * 8) } {
            give_back(&self.pool.free_tables, self.index);
        }
    }
}

/// A table's elements: a heap vector (on-demand allocator) or a pool slot.
pub(crate) enum TableElems {
    /// Grown on the heap.
    Heap(Vec<u64>),
    /// In a pool slot; `len` elements are in use.
    Slot {
        /// The slot.
        slot: TableSlot,
        /// The table's size.
        len: usize,
    },
}

impl TableElems {
    /// `len` null elements, in `slot` if given.
    pub(crate) fn new(len: usize, slot: Option<TableSlot>) -> Result<TableElems, WasmError> {
        let Some(mut slot) = slot else { return Ok(TableElems::Heap(vec![0; len])) };
        if len > slot.capacity() {
            return Err(WasmError::Limit(format!(
                "a table of {len} elements does not fit the pool's slots of {}",
                slot.capacity()
            )));
        }
        // The slot is zero (fresh or reset), and zero is the null reference.
        slot.touched = len;
        Ok(TableElems::Slot { slot, len })
    }

    /// Resizes to `new` elements, filling new ones with `init`; `false` when a slot is
    /// too small (the caller checks the table's own maximum).
    pub(crate) fn resize(&mut self, new: usize, init: u64) -> bool {
        match self {
            TableElems::Heap(v) => {
                v.resize(new, init);
                true
            }
            TableElems::Slot { slot, len } => {
                if new > slot.capacity() {
                    return false;
                }
                if new > *len {
                    // SAFETY: `[len, new)` lies within the slot's capacity, owned by this table.
                    unsafe { std::slice::from_raw_parts_mut(slot.base.add(*len), new - *len) }.fill(init);
                }
                slot.touched = slot.touched.max(new);
                *len = new;
                true
            }
        }
    }
}

impl std::ops::Deref for TableElems {
    type Target = [u64];
    fn deref(&self) -> &[u64] {
        match self {
            TableElems::Heap(v) => v,
            // SAFETY: the first `len` elements of the slot are initialised and owned by this table.
            TableElems::Slot { slot, len } => unsafe { std::slice::from_raw_parts(slot.base, *len) },
        }
    }
}

impl std::ops::DerefMut for TableElems {
    fn deref_mut(&mut self) -> &mut [u64] {
        match self {
            TableElems::Heap(v) => v,
            // SAFETY: as in `deref`; `&mut self` makes the borrow exclusive.
            TableElems::Slot { slot, len } => unsafe { std::slice::from_raw_parts_mut(slot.base, *len) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> PoolingConfig {
        PoolingConfig {
            instances: 2,
            instance_state_bytes: 4096,
            memories: 2,
            max_memory_pages: 2,
            tables: 2,
            max_table_elements: 600,
        }
    }

    #[test]
    fn slots_run_out_and_come_back() {
        let pool = Pool::new(small()).unwrap();
        let a = pool.memory().unwrap();
        let b = pool.memory().unwrap();
        assert!(matches!(pool.memory(), Err(WasmError::PoolExhausted { what: "memory", slots: 2 })));
        let freed = b.base();
        b.release(0);
        let c = pool.memory().unwrap();
        assert_eq!(c.base(), freed, "the slot given back is the one handed out next");
        a.release(0);
        c.release(0);
        let i = pool.instance(100).unwrap();
        let _j = pool.instance(100).unwrap();
        assert!(matches!(pool.instance(100), Err(WasmError::PoolExhausted { what: "instance", .. })));
        drop(i);
        assert!(pool.instance(100).is_ok());
        assert!(matches!(pool.instance(4097), Err(WasmError::Limit(_))));
    }

    #[test]
    fn table_slots_are_zero_for_the_next_tenant() {
        let pool = Pool::new(small()).unwrap();
        let mut t = TableElems::new(4, Some(pool.table().unwrap())).unwrap();
        assert!(t.resize(600, 0xdead_beef));
        assert!(!t.resize(601, 0), "a slot does not grow past its capacity");
        t[3] = 7;
        let base = t.as_ptr();
        drop(t);
        let t = TableElems::new(4, Some(pool.table().unwrap())).unwrap();
        assert_eq!(t.as_ptr(), base, "same slot");
        assert_eq!(&t[..], &[0; 4]);
        drop(t);
        let t = TableElems::new(600, Some(pool.table().unwrap())).unwrap();
        assert!(t.iter().all(|&e| e == 0), "no element keeps an earlier tenant's value");
        assert!(matches!(TableElems::new(601, Some(pool.table().unwrap())), Err(WasmError::Limit(_))));
    }

    #[test]
    fn empty_table_slots_hold_empty_tables() {
        let pool = Pool::new(PoolingConfig { max_table_elements: 0, ..small() }).unwrap();
        let mut t = TableElems::new(0, Some(pool.table().unwrap())).unwrap();
        assert!(t.is_empty());
        assert!(!t.resize(1, 0));
        assert!(matches!(TableElems::new(1, Some(pool.table().unwrap())), Err(WasmError::Limit(_))));
    }

    #[test]
    fn instance_state_is_placed_in_order_and_zero_for_the_next_tenant() {
        let pool = Pool::new(small()).unwrap();
        let mut slot = pool.instance(0).unwrap();
        let a = StateBox::new(Some(&mut slot), 7u8).unwrap();
        let mut b = StateBox::slice(Some(&mut slot), vec![1u64, 2, 3]).unwrap();
        assert_eq!((*a, &b[..]), (7, &[1, 2, 3][..]));
        assert_eq!(b.as_ptr() as usize % 8, 0, "aligned after the byte");
        b[2] = 9;
        let too_big = StateBox::slice(Some(&mut slot), vec![0u64; 600]);
        assert!(matches!(too_big, Err(WasmError::Limit(_))));
        let base = &*a as *const u8;
        drop((a, b));
        drop(slot);
        let mut slot = pool.instance(0).unwrap();
        let words = StateBox::slice(Some(&mut slot), vec![0u64; 0]).unwrap();
        assert_eq!(words.as_ptr() as *const u8, base, "the freed slot again");
        // SAFETY: the slot's first 32 bytes are in its mapping (4096 bytes), read as bytes.
        let left = unsafe { std::slice::from_raw_parts(base, 32) };
        assert!(left.iter().all(|&x| x == 0), "the earlier tenant's state is gone: {left:?}");
    }
}
