//! Thread-local variables for JIT code: each variable a module defines
//! ([`JitModule::define_thread_local`](crate::JitModule::define_thread_local)) has one
//! zero-filled block per thread, allocated on the thread's first access and freed when
//! the thread exits.
//!
//! Compiled code reaches a variable the way ELF general-dynamic TLS does (the x86-64
//! backend's `tls_value` sequence): `lea rdi, [rip + descriptor]; call __tls_get_addr`.
//! Here the descriptor is a 16-byte slot the linker (`link.rs`) writes into the code's
//! region, `{ key, 0 }`, and `__tls_get_addr` is [`get_addr`] (the JIT resolves the
//! `ElfTlsGetAddr` library call to it), so the same machine code works in an object
//! file, where the system's dynamic linker provides both.
//!
//! Keys come from a process-wide registry of (size, alignment) and are never reused: a
//! dropped module's blocks stay with each thread until it exits (bounded by the number
//! of variables ever defined times the threads that touched them).

use std::alloc::Layout;
use std::cell::RefCell;
use std::sync::RwLock;

/// The layout of each key's block, indexed by key.
static LAYOUTS: RwLock<Vec<Layout>> = RwLock::new(Vec::new());

/// A thread's block of one variable.
struct Block {
    ptr: *mut u8,
    layout: Layout,
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc_zeroed(layout)` in `get_addr` and is freed once,
        // here, when the thread's table goes away.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) }
    }
}

thread_local! {
    /// This thread's blocks, indexed by key (`None` until first accessed).
    static BLOCKS: RefCell<Vec<Option<Block>>> = const { RefCell::new(Vec::new()) };
}

/// Registers a variable of `size` bytes aligned to `align` (a power of two) and returns
/// its key; `None` if the layout is invalid.
pub(crate) fn register(size: usize, align: usize) -> Option<u64> {
    let layout = Layout::from_size_align(size.max(1), align.max(1)).ok()?;
    let mut layouts = LAYOUTS.write().unwrap_or_else(|p| p.into_inner());
    layouts.push(layout);
    Some(layouts.len() as u64 - 1)
}

/// The descriptor the code's `lea` points at: the key and an offset into the block.
#[repr(C)]
pub(crate) struct Descriptor {
    pub key: u64,
    pub offset: u64,
}

/// The bytes of a descriptor as the linker writes it into a region.
pub(crate) fn descriptor_bytes(key: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&key.to_ne_bytes());
    out
}

/// The address of the calling thread's block for `key`, allocated on first use; null if
/// the key is unknown or memory runs out (the code then faults on its first access
/// instead of this function unwinding into JIT code).
fn block_address(key: u64) -> *mut u8 {
    let Some(layout) = LAYOUTS.read().unwrap_or_else(|p| p.into_inner()).get(key as usize).copied() else {
        return std::ptr::null_mut();
    };
    BLOCKS
        .try_with(|blocks| {
            let mut blocks = blocks.borrow_mut();
            let i = key as usize;
            if blocks.len() <= i {
                blocks.resize_with(i + 1, || None);
            }
            if let Some(b) = &blocks[i] {
                return b.ptr;
            }
            // SAFETY: `layout` has a non-zero size (`register` makes it at least 1).
            let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
            if !ptr.is_null() {
                blocks[i] = Some(Block { ptr, layout });
            }
            ptr
        })
        .unwrap_or(std::ptr::null_mut())
}

/// `__tls_get_addr` for JIT code: the calling thread's address of the variable that
/// `desc` describes.
pub(crate) extern "C" fn get_addr(desc: *const Descriptor) -> *mut u8 {
    if desc.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: JIT code passes the address of a descriptor slot that `link.rs` wrote into
    // a live region (the code that passes it lives in that same region).
    let (key, offset) = unsafe { ((*desc).key, (*desc).offset) };
    let base = block_address(key);
    if base.is_null() {
        return base;
    }
    base.wrapping_add(offset as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_has_its_own_zeroed_block() {
        let key = register(32, 16).unwrap();
        let desc = Descriptor { key, offset: 8 };
        let here = get_addr(&desc);
        assert!(!here.is_null());
        assert_eq!(here as usize % 8, 0);
        assert_eq!(get_addr(&desc), here, "the same block on each access");
        // SAFETY: `here` points 8 bytes into this thread's 32-byte block.
        unsafe { here.cast::<u64>().write(7) };
        let there = std::thread::spawn(move || {
            let p = get_addr(&Descriptor { key, offset: 8 });
            // SAFETY: as above, in the other thread's block.
            (p as usize, unsafe { p.cast::<u64>().read() })
        })
        .join()
        .unwrap();
        assert_ne!(there.0, here as usize);
        assert_eq!(there.1, 0, "a new thread's block starts zeroed");
        // SAFETY: still this thread's block.
        assert_eq!(unsafe { here.cast::<u64>().read() }, 7);
        assert!(get_addr(&Descriptor { key: u64::MAX, offset: 0 }).is_null());
        assert!(register(8, 3).is_none());
    }
}
