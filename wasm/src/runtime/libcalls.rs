//! The `extern "C"` functions compiled code calls (`translate::RuntimeCall`): memory and
//! table growth, bulk memory and table operations, segment drops, host calls, and new
//! exceptions (`throw`).
//!
//! Each gets the caller's vmctx, finds the store and instance through it, and returns 0
//! for success or non-zero for "trap" (the translated code then traps with the code it
//! knows the operation can raise); `grow` returns the old size or -1.

use super::store::{Caller, StoreData, bits_val};
use crate::translate::RuntimeCall;
use crate::translate::stub::{HOST_THREW, SLOT};
use crate::vmctx::VmCtx;
use wasmparser::ValType;

/// The address of a runtime call's implementation.
pub(crate) fn address(call: RuntimeCall) -> *const u8 {
    match call {
        RuntimeCall::MemoryGrow => memory_grow as *const u8,
        RuntimeCall::MemoryFill => memory_fill as *const u8,
        RuntimeCall::MemoryCopy => memory_copy as *const u8,
        RuntimeCall::MemoryInit => memory_init as *const u8,
        RuntimeCall::DataDrop => data_drop as *const u8,
        RuntimeCall::TableGrow => table_grow as *const u8,
        RuntimeCall::TableFill => table_fill as *const u8,
        RuntimeCall::TableCopy => table_copy as *const u8,
        RuntimeCall::TableInit => table_init as *const u8,
        RuntimeCall::ElemDrop => elem_drop as *const u8,
        RuntimeCall::HostCall => host_call as *const u8,
        RuntimeCall::ExnNew => exn_new as *const u8,
        RuntimeCall::TierUp => super::tier::tier_up as *const u8,
    }
}

/// The store and instance index of a vmctx.
///
/// # Safety
/// `vmctx` must be the vmctx of a live instance, passed by compiled code during a call
/// from `Store::call`, which holds no reference into the store's data meanwhile.
pub(crate) unsafe fn context<'a>(vmctx: *mut VmCtx) -> (&'a mut StoreData, usize) {
    // SAFETY: as the caller promises; the store data is boxed and outlives the call.
    unsafe {
        let ctx = &*vmctx;
        (&mut *ctx.store.cast::<StoreData>(), ctx.instance as usize)
    }
}

/// Whether `[start, start + len)` fits in `size`.
fn fits(start: u32, len: u32, size: usize) -> bool {
    start as u64 + len as u64 <= size as u64
}

/// Whether `[start, start + len)` fits in `size` (64-bit memory operands).
fn fits64(start: u64, len: u64, size: usize) -> bool {
    start.checked_add(len).is_some_and(|end| end <= size as u64)
}

/// The store index of memory `mem` of instance `i`.
fn memory_of(data: &StoreData, i: usize, mem: u32) -> usize {
    data.instances[i].memories[mem as usize] as usize
}

extern "C" fn memory_grow(vmctx: *mut VmCtx, mem: u32, delta: u64) -> u64 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let m = memory_of(data, i, mem);
    let mem = &mut data.memories[m];
    if let Some(limiter) = &mut data.limiter {
        let page = super::memory::PAGE;
        let current = mem.pages() * page;
        let desired = mem.pages().saturating_add(delta).saturating_mul(page);
        if !limiter.memory_growing(current, desired, Some(mem.max_pages * page)) {
            return u64::MAX;
        }
    }
    mem.grow(delta).unwrap_or(u64::MAX)
}

extern "C" fn memory_fill(vmctx: *mut VmCtx, mem: u32, dst: u64, val: u32, len: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let m = memory_of(data, i, mem);
    let mem = data.memories[m].bytes_mut();
    if !fits64(dst, len, mem.len()) {
        return 1;
    }
    mem[dst as usize..(dst + len) as usize].fill(val as u8);
    0
}

extern "C" fn memory_copy(vmctx: *mut VmCtx, dst_mem: u32, src_mem: u32, dst: u64, src: u64, len: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let (d, s) = (memory_of(data, i, dst_mem), memory_of(data, i, src_mem));
    if !fits64(dst, len, data.memories[d].bytes().len()) || !fits64(src, len, data.memories[s].bytes().len()) {
        return 1;
    }
    let (dst, src, len) = (dst as usize, src as usize, len as usize);
    if d == s {
        data.memories[d].bytes_mut().copy_within(src..src + len, dst);
    } else {
        // Two distinct memories (distinct reservations): borrow both at once.
        let (lo, hi) = data.memories.split_at_mut(d.max(s));
        let (dm, sm) = if d < s { (&mut lo[d], &hi[0]) } else { (&mut hi[0], &lo[s]) };
        dm.bytes_mut()[dst..dst + len].copy_from_slice(&sm.bytes()[src..src + len]);
    }
    0
}

extern "C" fn memory_init(vmctx: *mut VmCtx, mem: u32, seg: u32, dst: u64, src: u32, len: u32) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let inst = &data.instances[i];
    let bytes = inst.data[seg as usize].clone().unwrap_or_else(|| std::sync::Arc::from(&[][..]));
    let m = memory_of(data, i, mem);
    let mem = data.memories[m].bytes_mut();
    if !fits(src, len, bytes.len()) || !fits64(dst, len as u64, mem.len()) {
        return 1;
    }
    let dst = dst as usize;
    mem[dst..dst + len as usize].copy_from_slice(&bytes[src as usize..(src + len) as usize]);
    0
}

extern "C" fn data_drop(vmctx: *mut VmCtx, seg: u32) {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    data.instances[i].data[seg as usize] = None;
}

// Table element counts and indices arrive as `u64` (a 32-bit table's zero-extended, a
// 64-bit table's as they are), so one routine serves both kinds.

extern "C" fn table_grow(vmctx: *mut VmCtx, table: u32, init: u64, delta: u64) -> u64 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let t = data.instances[i].tables[table as usize];
    let Ok(delta) = u32::try_from(delta) else { return u64::MAX };
    let limiter = data.limiter.as_deref_mut();
    data.tables[t as usize].grow(delta, init, limiter).map_or(u64::MAX, u64::from)
}

extern "C" fn table_fill(vmctx: *mut VmCtx, table: u32, dst: u64, val: u64, len: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let t = data.instances[i].tables[table as usize];
    let elems = &mut data.tables[t as usize].elems;
    if !fits64(dst, len, elems.len()) {
        return 1;
    }
    elems[dst as usize..(dst + len) as usize].fill(val);
    0
}

extern "C" fn table_copy(vmctx: *mut VmCtx, dst_table: u32, src_table: u32, dst: u64, src: u64, len: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let d = data.instances[i].tables[dst_table as usize] as usize;
    let s = data.instances[i].tables[src_table as usize] as usize;
    if !fits64(src, len, data.tables[s].elems.len()) || !fits64(dst, len, data.tables[d].elems.len()) {
        return 1;
    }
    let items: Vec<u64> = data.tables[s].elems[src as usize..(src + len) as usize].to_vec();
    data.tables[d].elems[dst as usize..(dst + len) as usize].copy_from_slice(&items);
    0
}

extern "C" fn table_init(vmctx: *mut VmCtx, table: u32, seg: u32, dst: u64, src: u32, len: u32) -> u32 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let inst = &data.instances[i];
    let t = inst.tables[table as usize] as usize;
    let empty = Vec::new();
    let items = inst.elems[seg as usize].as_ref().unwrap_or(&empty);
    if !fits(src, len, items.len()) || !fits64(dst, u64::from(len), data.tables[t].elems.len()) {
        return 1;
    }
    let items = items[src as usize..(src + len) as usize].to_vec();
    data.tables[t].elems[dst as usize..dst as usize + len as usize].copy_from_slice(&items);
    0
}

extern "C" fn elem_drop(vmctx: *mut VmCtx, seg: u32) {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    data.instances[i].elems[seg as usize] = None;
}

extern "C" fn host_call(vmctx: *mut VmCtx, host: u32, values: *mut u8) -> u32 {
    // SAFETY: called by a host stub with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let ty = data.hosts[host as usize].ty.clone();
    let slot = |k: usize| {
        // SAFETY: the stub's buffer has a SLOT-byte slot per parameter and result.
        unsafe { values.add(k * SLOT as usize) }
    };
    let args: Vec<_> = ty
        .params()
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            // SAFETY: slot k holds parameter k, stored by the stub (SLOT = 16 bytes each).
            let bits = unsafe { slot(k).cast::<u128>().read_unaligned() };
            let bits = match t {
                ValType::V128 => bits,
                ValType::I32 | ValType::F32 => bits & 0xffff_ffff,
                _ => bits & u128::from(u64::MAX),
            };
            bits_val(data, t, bits)
        })
        .collect();
    let Some(mut f) = data.hosts[host as usize].f.take() else {
        data.pending = Some(crate::WasmError::Host("host function re-entered".into()));
        return 1;
    };
    // A panic must not unwind into compiled code (through an `extern "C"` frame it would
    // abort the process): it becomes the call's error, and the guest stops there.
    let call = std::panic::AssertUnwindSafe(|| f(&mut Caller { data, instance: Some(i as u32) }, &args));
    let result = std::panic::catch_unwind(call).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(crate::WasmError::Host(format!("host function panicked: {what}")))
    });
    // SAFETY: as above; `data` was only lent to the host function.
    let (data, _) = unsafe { context(vmctx) };
    data.hosts[host as usize].f = Some(f);
    // Results go into the stub's slots, one per declared result: any other count or type
    // is the host function's error, never a write past the buffer.
    let result = result.and_then(|vals| {
        let fits = vals.len() == ty.results().len()
            && vals.iter().zip(ty.results()).all(|(v, &t)| super::store::val_fits(data, *v, t));
        if fits {
            Ok(vals)
        } else {
            Err(crate::WasmError::Host(format!("host function returned {vals:?} for results {:?}", ty.results())))
        }
    });
    match result {
        Ok(vals) => {
            for (k, v) in vals.iter().enumerate() {
                let bits = super::store::val_bits(data, *v);
                // SAFETY: slot k exists for result k (the buffer covers max(params, results)).
                unsafe { slot(k).cast::<u128>().write_unaligned(bits) };
            }
            0
        }
        // The host throws: the stub throws the exception (its address in slot 0) into
        // the Wasm code that called it.
        Err(crate::WasmError::Exception(e)) => match data.throwable(&e) {
            Ok(exn) => {
                // SAFETY: the buffer has at least one slot.
                unsafe { slot(0).cast::<u64>().write_unaligned(exn as u64) };
                HOST_THREW
            }
            Err(why) => {
                data.pending = Some(why);
                1
            }
        },
        Err(e) => {
            data.pending = Some(e);
            1
        }
    }
}

extern "C" fn exn_new(vmctx: *mut VmCtx, tag: u32, values: *const u8) -> u64 {
    // SAFETY: called by compiled code with its own vmctx.
    let (data, i) = unsafe { context(vmctx) };
    let handle = data.instances[i].tags[tag as usize];
    let n = data.tags[handle as usize].ty.params().len();
    let bits = (0..n).map(|k| {
        // SAFETY: the buffer has a SLOT-byte slot per value of the tag, stored by the
        // translated `throw`.
        unsafe { values.add(k * SLOT as usize).cast::<u128>().read_unaligned() }
    });
    data.new_exception(handle, bits) as u64
}
