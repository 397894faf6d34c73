//! The data compiled code reads at run time, laid out `#[repr(C)]`.
//!
//! Every translated function takes a pointer to its instance's [`VmCtx`] as its first
//! parameter. Through it the code reaches the memories ([`VmMemory`]: base and current length;
//! memory 0 directly, every memory through an array),
//! the globals (one pointer per global to an 8- or 16-byte cell), the tables ([`VmTable`]:
//! element array and length), and the functions ([`VmFuncRef`]: code, type id, vmctx), one
//! pointer per function index, imported or not, and the exception tags ([`VmTag`], whose
//! address is the tag's identity). Imported entities are pointers to the
//! exporter's data, so sharing needs no copying.
//!
//! Invariant: the runtime (`runtime::store`) owns every structure here, at an address that
//! does not change while any instance that can reach it lives. The translator
//! (`translate`) only knows the offsets below.

use std::mem::offset_of;

/// The per-instance context.
#[repr(C)]
pub struct VmCtx {
    /// The instance's memory 0, or null (the common case, one load away).
    pub memory: *mut VmMemory,
    /// One pointer per memory index (multi-memory; entry 0 is `memory`).
    pub memories: *const *mut VmMemory,
    /// One pointer per global index to its cell.
    pub globals: *const *mut u64,
    /// One pointer per table index.
    pub tables: *const *mut VmTable,
    /// One pointer per function index.
    pub funcs: *const *const VmFuncRef,
    /// The store the instance lives in (for runtime calls).
    pub store: *mut u8,
    /// The instance's index in its store.
    pub instance: u64,
    /// Points to the stack limit of the store's running thread: every function checks on
    /// entry that the stack pointer is above it, and traps `stk_ovf` otherwise.
    pub stack_limit: *const u64,
    /// The store's interrupt flag: non-zero asks running code to stop. Code compiled with
    /// `Config::interruptible` reads it (atomically) on function entry and at each loop
    /// header and traps `interrupt`; another thread sets it (`InterruptHandle`).
    pub interrupt: *const std::sync::atomic::AtomicU64,
    /// The store's fuel: code compiled with `Config::consume_fuel` takes one unit on each
    /// function entry and each loop iteration, and traps `all fuel consumed` when it would
    /// go below zero.
    pub fuel: *mut i64,
    /// One pointer per tag index to its [`VmTag`] (imported tags: the exporter's).
    pub tags: *const *const VmTag,
    /// Under tiered execution, one counter per defined function that its first-tier
    /// code takes down on entry and at loop headers (`translate/tier.rs`); null
    /// otherwise.
    pub tier_counters: *mut i32,
}

/// An exception tag. Its address is its identity: `catch` compares the tag pointer an
/// exception carries with the pointer of the tag it names, so an imported tag catches
/// what its exporter throws.
#[repr(C)]
pub struct VmTag {
    /// The process-wide id of the tag's function type (`module::type_id`).
    pub type_id: u64,
}

/// An exception, as `exnref` points to it: 16-byte slots, the first holding the
/// `*const VmTag` of its tag, the rest the values of the tag's parameters in order (each
/// in the low bits of its slot, `v128` filling one). The runtime allocates it (the
/// `lathe_wasm_exn_new` runtime call) and owns it until the store is dropped.
pub const EXN_SLOT: i32 = 16;
/// The offset of an exception's tag pointer.
pub const EXN_TAG: i32 = 0;

/// The offset of value `k` of an exception.
pub const fn exn_value(k: usize) -> i32 {
    EXN_SLOT * (k as i32 + 1)
}

/// A linear memory as compiled code sees it.
#[repr(C)]
pub struct VmMemory {
    /// The first byte.
    pub base: *mut u8,
    /// The accessible length in bytes.
    pub len: u64,
}

/// A table as compiled code sees it. Elements are 8 bytes: a `*const VmFuncRef` for
/// funcref tables (null for a null reference), an opaque non-zero word for externref.
#[repr(C)]
pub struct VmTable {
    /// The first element.
    pub base: *mut u64,
    /// The number of elements.
    pub len: u64,
}

/// A function reference: what `call_indirect` and imported calls need.
#[repr(C)]
pub struct VmFuncRef {
    /// The entry of the compiled code, signature `(vmctx, params...) -> results`.
    pub code: *const u8,
    /// The process-wide id of the function's type (`types::type_id`).
    pub type_id: u64,
    /// The vmctx to pass.
    pub vmctx: *mut VmCtx,
}

/// Offset of [`VmCtx::memory`].
pub const CTX_MEMORY: i32 = offset_of!(VmCtx, memory) as i32;
/// Offset of [`VmCtx::memories`].
pub const CTX_MEMORIES: i32 = offset_of!(VmCtx, memories) as i32;
/// Offset of [`VmCtx::globals`].
pub const CTX_GLOBALS: i32 = offset_of!(VmCtx, globals) as i32;
/// Offset of [`VmCtx::tables`].
pub const CTX_TABLES: i32 = offset_of!(VmCtx, tables) as i32;
/// Offset of [`VmCtx::funcs`].
pub const CTX_FUNCS: i32 = offset_of!(VmCtx, funcs) as i32;
/// Offset of [`VmCtx::stack_limit`].
pub const CTX_STACK_LIMIT: i32 = offset_of!(VmCtx, stack_limit) as i32;
/// Offset of [`VmCtx::interrupt`].
pub const CTX_INTERRUPT: i32 = offset_of!(VmCtx, interrupt) as i32;
/// Offset of [`VmCtx::fuel`].
pub const CTX_FUEL: i32 = offset_of!(VmCtx, fuel) as i32;
/// Offset of [`VmCtx::tags`].
pub const CTX_TAGS: i32 = offset_of!(VmCtx, tags) as i32;
/// Offset of [`VmCtx::tier_counters`].
pub const CTX_TIER_COUNTERS: i32 = offset_of!(VmCtx, tier_counters) as i32;
/// Offset of [`VmMemory::base`].
pub const MEM_BASE: i32 = offset_of!(VmMemory, base) as i32;
/// Offset of [`VmMemory::len`].
pub const MEM_LEN: i32 = offset_of!(VmMemory, len) as i32;
/// Offset of [`VmTable::base`].
pub const TABLE_BASE: i32 = offset_of!(VmTable, base) as i32;
/// Offset of [`VmTable::len`].
pub const TABLE_LEN: i32 = offset_of!(VmTable, len) as i32;
/// Offset of [`VmFuncRef::code`].
pub const FUNC_CODE: i32 = offset_of!(VmFuncRef, code) as i32;
/// Offset of [`VmFuncRef::type_id`].
pub const FUNC_TYPE: i32 = offset_of!(VmFuncRef, type_id) as i32;
/// Offset of [`VmFuncRef::vmctx`].
pub const FUNC_VMCTX: i32 = offset_of!(VmFuncRef, vmctx) as i32;
