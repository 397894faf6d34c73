//! The GDB JIT interface: a process-wide list of in-memory symbol files that gdb reads
//! when the process calls `__jit_debug_register_code`, on which gdb keeps a breakpoint.
//!
//! The names and layouts (`__jit_debug_descriptor`, `jit_code_entry`, version 1, the
//! register and unregister actions) are the interface gdb's documentation defines ("JIT
//! Compilation Interface"); gdb finds both symbols by name in the executable, so they are
//! unmangled and there is exactly one copy per process (this crate's).
//!
//! Invariant: the list is only touched with `LOCK` held, and an entry's image stays
//! alive and unmoved from registration until it is unlinked.

use lathe_object::DebugOptions;
use lathe_object::image::{ImageFunction, jit_image};
use std::sync::Mutex;

const JIT_NOACTION: u32 = 0;
const JIT_REGISTER_FN: u32 = 1;
const JIT_UNREGISTER_FN: u32 = 2;

/// `struct jit_code_entry`.
#[repr(C)]
struct JitCodeEntry {
    next: *mut JitCodeEntry,
    prev: *mut JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

/// `struct jit_descriptor`.
#[repr(C)]
struct JitDescriptor {
    version: u32,
    action_flag: u32,
    relevant_entry: *mut JitCodeEntry,
    first_entry: *mut JitCodeEntry,
}

/// The descriptor gdb reads.
#[unsafe(no_mangle)]
static mut __jit_debug_descriptor: JitDescriptor = JitDescriptor {
    version: 1,
    action_flag: JIT_NOACTION,
    relevant_entry: std::ptr::null_mut(),
    first_entry: std::ptr::null_mut(),
};

/// gdb's breakpoint: called after each change to the list.
#[unsafe(no_mangle)]
#[inline(never)]
extern "C" fn __jit_debug_register_code() {
    // An empty body the optimizer must keep as a real call target.
    std::hint::black_box(());
}

/// Serializes changes to the list (gdb reads it while the process is stopped in
/// `__jit_debug_register_code`).
static LOCK: Mutex<()> = Mutex::new(());

/// One region described to gdb, unregistered on drop.
pub(crate) struct GdbRegistration {
    entry: *mut JitCodeEntry,
    /// The symbol file the entry points into.
    _image: Box<[u8]>,
}

// SAFETY: the entry is only read or changed with `LOCK` held; the image is immutable.
unsafe impl Send for GdbRegistration {}
// SAFETY: as for `Send`; `&GdbRegistration` gives no access to anything.
unsafe impl Sync for GdbRegistration {}

impl GdbRegistration {
    /// Writes the image of `funcs` (with DWARF from `options`, if any) and registers it.
    pub fn register(
        funcs: &[ImageFunction<'_>],
        options: Option<&DebugOptions>,
    ) -> Result<GdbRegistration, crate::JitError> {
        let isa = super::host_isa()?;
        let image = jit_image(isa, funcs, options)
            .map_err(|e| crate::JitError::Unsupported(format!("debug information: {e}")))?
            .into_boxed_slice();
        let entry = Box::into_raw(Box::new(JitCodeEntry {
            next: std::ptr::null_mut(),
            prev: std::ptr::null_mut(),
            symfile_addr: image.as_ptr(),
            symfile_size: image.len() as u64,
        }));
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: `LOCK` is held, so nothing else touches the descriptor or the list;
        // `entry` is a fresh allocation and the list's entries are live allocations of
        // registrations not yet dropped. The image outlives the entry (both freed in drop).
        unsafe {
            let descriptor = &raw mut __jit_debug_descriptor;
            let first = (*descriptor).first_entry;
            (*entry).next = first;
            if !first.is_null() {
                (*first).prev = entry;
            }
            (*descriptor).first_entry = entry;
            (*descriptor).relevant_entry = entry;
            (*descriptor).action_flag = JIT_REGISTER_FN;
            __jit_debug_register_code();
            (*descriptor).action_flag = JIT_NOACTION;
        }
        Ok(GdbRegistration { entry, _image: image })
    }
}

impl Drop for GdbRegistration {
    fn drop(&mut self) {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: `LOCK` is held; `self.entry` is in the list (linked in `register`, only
        // unlinked here), and its neighbours are live entries of other registrations.
        unsafe {
            let descriptor = &raw mut __jit_debug_descriptor;
            let entry = self.entry;
            let (prev, next) = ((*entry).prev, (*entry).next);
            if prev.is_null() {
                (*descriptor).first_entry = next;
            } else {
                (*prev).next = next;
            }
            if !next.is_null() {
                (*next).prev = prev;
            }
            (*descriptor).relevant_entry = entry;
            (*descriptor).action_flag = JIT_UNREGISTER_FN;
            __jit_debug_register_code();
            (*descriptor).action_flag = JIT_NOACTION;
            (*descriptor).relevant_entry = std::ptr::null_mut();
            drop(Box::from_raw(entry));
        }
    }
}
