//! Per-thread state for trap handling: the stack of active call contexts, the alternate
//! signal stack, and the bounds of the thread's stack.
//!
//! `CURRENT` is a const-initialised thread-local `Cell` of a raw pointer with no destructor,
//! so reading it from the signal handler is a plain TLS load (async-signal-safe).

use crate::host::stub::CallBlock;
use std::cell::{Cell, RefCell};
use std::io;
use std::ptr;

thread_local! {
    /// The innermost active call on this thread, or null.
    static CURRENT: Cell<*mut CallBlock> = const { Cell::new(ptr::null_mut()) };
    /// The lowest address of this thread's stack, once computed (0 when unknown).
    static STACK_LOW: Cell<Option<usize>> = const { Cell::new(None) };
    /// The alternate signal stack this crate installed for the thread, if any.
    static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
    /// Whether the thread is known to have an alternate signal stack.
    static HAS_ALT_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Makes `block` the innermost context; returns the previous one for [`pop`].
pub(super) fn push(block: *mut CallBlock) -> *mut CallBlock {
    let prev = CURRENT.with(|c| c.replace(block));
    // SAFETY: `block` is live for the duration of the call it describes (the caller keeps
    // the `&mut CallBlock` it came from), and nothing else accesses it right now.
    unsafe { (*block).prev = prev };
    prev
}

/// Restores the context that was innermost before the matching [`push`].
pub(super) fn pop(prev: *mut CallBlock) {
    CURRENT.with(|c| c.set(prev));
}

/// The innermost active context, for the signal handler (null if none or if the
/// thread-local is gone, during thread teardown).
pub(super) fn current() -> *mut CallBlock {
    CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null_mut())
}

/// The lowest address of the current thread's stack (0 when the system cannot say).
pub(super) fn stack_low() -> usize {
    if let Some(low) = STACK_LOW.with(|s| s.get()) {
        return low;
    }
    let low = query_stack_low().unwrap_or(0);
    STACK_LOW.with(|s| s.set(Some(low)));
    low
}

fn query_stack_low() -> Option<usize> {
    // SAFETY: `attr` is initialised by pthread_getattr_np before use and destroyed once;
    // the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = ptr::null_mut();
        let mut size: libc::size_t = 0;
        let r = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (r == 0).then_some(addr as usize)
    }
}

/// Size of the alternate signal stacks this crate installs (the handler needs little; a
/// chained handler gets the rest).
const ALT_STACK_SIZE: usize = 64 * 1024;

/// An alternate signal stack mapping (one guard page below the usable part).
struct AltStack {
    base: *mut libc::c_void,
    len: usize,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // SAFETY: runs at thread exit, on the thread that installed the stack. The stack is
        // disabled first if it is still the thread's alternate stack (no signal handler can
        // be running on it now: we are on the normal stack), then the mapping is freed.
        unsafe {
            let mut cur: libc::stack_t = std::mem::zeroed();
            if libc::sigaltstack(ptr::null(), &mut cur) == 0
                && cur.ss_sp as usize == self.base as usize + crate::memory::page_size()
            {
                let disable = libc::stack_t { ss_sp: ptr::null_mut(), ss_flags: libc::SS_DISABLE, ss_size: 0 };
                libc::sigaltstack(&disable, ptr::null_mut());
            }
            libc::munmap(self.base, self.len);
        }
    }
}

/// Makes sure the thread has an alternate signal stack, installing one if it has none (the
/// Rust runtime usually installs one for its own stack-overflow reporting; we keep it).
pub(super) fn ensure_alt_stack() -> io::Result<()> {
    if HAS_ALT_STACK.with(|h| h.get()) {
        return Ok(());
    }
    // SAFETY: querying the current alternate stack into a valid local.
    let mut cur: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above; a null new stack only queries.
    if unsafe { libc::sigaltstack(ptr::null(), &mut cur) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if cur.ss_flags & libc::SS_DISABLE == 0 {
        HAS_ALT_STACK.with(|h| h.set(true));
        return Ok(());
    }
    let page = crate::memory::page_size();
    let len = page + ALT_STACK_SIZE;
    // SAFETY: a fresh anonymous mapping, checked for failure; the guard page is made
    // inaccessible so a handler overflowing the alternate stack faults instead of
    // corrupting memory.
    let base = unsafe {
        let p = libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        libc::mprotect(p, page, libc::PROT_NONE);
        p
    };
    let alt = AltStack { base, len };
    let stack = libc::stack_t {
        // The usable part starts above the guard page.
        ss_sp: (base as usize + page) as *mut libc::c_void,
        ss_flags: 0,
        ss_size: ALT_STACK_SIZE,
    };
    // SAFETY: the stack memory is a live mapping owned by `alt`, which lives in a
    // thread-local until thread exit and disables the alternate stack before unmapping.
    if unsafe { libc::sigaltstack(&stack, ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    ALT_STACK.with(|a| *a.borrow_mut() = Some(alt));
    HAS_ALT_STACK.with(|h| h.set(true));
    Ok(())
}
