//! Linear memories: one `mmap` reservation per memory, never moved.
//!
//! A memory reserves [`RESERVATION`] bytes (8 GiB plus a 64 KiB guard) without access
//! rights and makes the first `pages * 64 KiB` readable and writable; `grow` extends the
//! accessible part with `mprotect`. So every address `base + u32 index + u32 offset` that
//! compiled code can form is either accessible (in bounds) or faults (out of bounds), and
//! the JIT reports the fault as `heap_oob`. The base never changes, which lets compiled code
//! load it once per function. The reservation is released on drop.
//!
//! With the pooling allocator (`runtime::pool`) the reservation is a pool slot of the same
//! size instead: it is reset and given back to the pool on drop rather than unmapped.

use super::pool::{MemorySlot, Pool};
use crate::WasmError;
use crate::vmctx::VmMemory;
use std::sync::Arc;

/// The Wasm page size.
pub const PAGE: u64 = 65536;
/// Bytes reserved per memory: 4 GiB of index, 4 GiB of static offset, and a guard.
pub const RESERVATION: usize = (8 << 30) + 65536;
/// The largest memory a 32-bit index can address, in pages: also the host's cap on a
/// 64-bit memory (whose declared limits may go up to 2^48 pages), so that every memory
/// fits the same reservation; growing past it fails (`memory.grow` returns -1) and a
/// larger initial size is an instantiation error.
pub const MAX_PAGES: u64 = 65536;

/// A linear memory.
pub struct LinearMemory {
    /// What compiled code reads; its address is stable (the memory is boxed by the store).
    pub vm: VmMemory,
    /// The maximum size in pages.
    pub max_pages: u64,
    /// Whether the memory has 64-bit indices (memory64): part of its type, which an
    /// import must match. Its size is capped like a 32-bit memory's (see [`MAX_PAGES`]).
    pub memory64: bool,
    /// The pool slot holding the memory, if it is pooled.
    slot: Option<MemorySlot>,
}

impl LinearMemory {
    /// Reserves a memory (in a slot of `pool`, if given) and makes `initial` pages
    /// accessible.
    pub(crate) fn new(initial: u64, maximum: Option<u64>, pool: Option<&Arc<Pool>>) -> Result<LinearMemory, WasmError> {
        let mut max_pages = super::store::max_memory_pages(maximum);
        if initial > max_pages {
            return Err(WasmError::Link(format!("memory of {initial} pages exceeds its maximum")));
        }
        let slot = match pool {
            Some(pool) => {
                let slot_pages = pool.config().max_memory_pages;
                if initial > slot_pages {
                    return Err(WasmError::Limit(format!(
                        "a memory of {initial} pages does not fit the pool's slots of {slot_pages} pages"
                    )));
                }
                max_pages = max_pages.min(slot_pages);
                Some(pool.memory()?)
            }
            None => None,
        };
        let base = match &slot {
            Some(slot) => slot.base(),
            None => reserve()?,
        };
        let mut m = LinearMemory { vm: VmMemory { base, len: 0 }, max_pages, memory64: false, slot };
        if m.grow(initial).is_none() {
            return Err(WasmError::OutOfMemory(format!(
                "could not make the initial {initial} pages of a memory accessible"
            )));
        }
        Ok(m)
    }

    /// Whether the memory lives in a pool slot.
    pub fn is_pooled(&self) -> bool {
        self.slot.is_some()
    }

    /// The size in pages.
    pub fn pages(&self) -> u64 {
        self.vm.len / PAGE
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` past the maximum
    /// (or when the system refuses).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        if delta > 0 {
            // SAFETY: [base, base + new * PAGE) lies inside our reservation (new <= 65536
            // pages = 4 GiB < RESERVATION); changing its protection affects only it.
            let r = unsafe {
                libc::mprotect(self.vm.base.cast(), (new * PAGE) as usize, libc::PROT_READ | libc::PROT_WRITE)
            };
            if r != 0 {
                return None;
            }
        }
        self.vm.len = new * PAGE;
        Some(old)
    }

    /// The accessible bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: [base, base + len) is mapped read+write for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.vm.base, self.vm.len as usize) }
    }

    /// The accessible bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; `&mut self` makes the borrow exclusive on the Rust side.
        unsafe { std::slice::from_raw_parts_mut(self.vm.base, self.vm.len as usize) }
    }
}

/// A fresh reservation of [`RESERVATION`] bytes without access rights.
fn reserve() -> Result<*mut u8, WasmError> {
    // SAFETY: an anonymous private mapping at an address the kernel chooses touches no
    // existing memory; the result is checked below.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVATION,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(WasmError::OutOfMemory(format!(
            "reserving {RESERVATION} bytes of address space for a memory: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(base.cast())
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        match self.slot.take() {
            Some(slot) => slot.release(self.vm.len as usize),
            // SAFETY: the reservation was made by `reserve` with this size and is not used
            // after the memory drops (the store drops instances' code before their memories).
            None => unsafe {
                libc::munmap(self.vm.base.cast(), RESERVATION);
            },
        }
    }
}
