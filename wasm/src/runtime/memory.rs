//! Linear memories: one `mmap` reservation per memory, never moved.
//!
//! A memory reserves [`RESERVATION`] bytes (8 GiB plus a 64 KiB guard) without access
//! rights and makes the first `pages * 64 KiB` readable and writable; `grow` extends the
//! accessible part with `mprotect`. So every address `base + u32 index + u32 offset` that
//! compiled code can form is either accessible (in bounds) or faults (out of bounds), and
//! the JIT reports the fault as `heap_oob`. The base never changes, which lets compiled code
//! load it once per function. The reservation is released on drop.

use crate::WasmError;
use crate::vmctx::VmMemory;

/// The Wasm page size.
pub const PAGE: u64 = 65536;
/// Bytes reserved per memory: 4 GiB of index, 4 GiB of static offset, and a guard.
pub const RESERVATION: usize = (8 << 30) + 65536;
/// The largest memory a 32-bit index can address, in pages.
pub const MAX_PAGES: u64 = 65536;

/// A linear memory.
pub struct LinearMemory {
    /// What compiled code reads; its address is stable (the memory is boxed by the store).
    pub vm: VmMemory,
    /// The maximum size in pages.
    pub max_pages: u64,
}

impl LinearMemory {
    /// Reserves a memory and makes `initial` pages accessible.
    pub fn new(initial: u64, maximum: Option<u64>) -> Result<LinearMemory, WasmError> {
        let max_pages = super::store::max_memory_pages(maximum);
        if initial > max_pages {
            return Err(WasmError::Link(format!("memory of {initial} pages exceeds its maximum")));
        }
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
            return Err(WasmError::Host(format!("mmap of memory failed: {}", std::io::Error::last_os_error())));
        }
        let mut m = LinearMemory { vm: VmMemory { base: base.cast(), len: 0 }, max_pages };
        if m.grow(initial).is_none() {
            return Err(WasmError::Host("could not make the initial memory accessible".into()));
        }
        Ok(m)
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

impl Drop for LinearMemory {
    fn drop(&mut self) {
        // SAFETY: the reservation was made by `new` with this size and is not used after
        // the memory drops (the store drops instances' code before their memories).
        unsafe {
            libc::munmap(self.vm.base.cast(), RESERVATION);
        }
    }
}
