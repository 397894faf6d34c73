//! The process-wide registry of finalized JIT code, read by the signal handler and by the
//! exception thrower (`<arch>/throw.rs`), which looks up `try_call` return addresses.
//!
//! Each finalized region registers its function ranges and absolute trap-site addresses;
//! the region is unregistered before it is unmapped. The handler only reads (a shared
//! lock, no allocation): the interrupted thread is inside JIT code, so it cannot be
//! holding the lock itself. Writers (finalize, drop) hold it briefly.

use lathe_codegen::ir::TrapCode;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The code and trap sites of one finalized region.
pub(crate) struct RegionTraps {
    /// Function ranges `[start, end)`, sorted by start.
    pub funcs: Vec<(usize, usize)>,
    /// Absolute trap-site addresses with their codes, sorted by address.
    pub sites: Vec<(usize, TrapCode)>,
    /// Absolute return addresses of `try_call` calls with their handlers (tag, `None` for
    /// `default`, and the absolute landing-pad address), sorted by return address.
    pub handlers: Vec<(usize, Handlers)>,
}

/// The handlers of one `try_call`: each tag (`None` for `default`) and the absolute
/// address of its landing pad, in table order.
pub(crate) type Handlers = Vec<(Option<u32>, usize)>;

struct Entry {
    id: u64,
    start: usize,
    end: usize,
    traps: RegionTraps,
}

static REGISTRY: RwLock<Vec<Entry>> = RwLock::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Registers a region; returns the id to unregister it with.
pub(crate) fn register(mut traps: RegionTraps) -> u64 {
    traps.funcs.sort_unstable();
    traps.sites.sort_unstable_by_key(|s| s.0);
    traps.handlers.sort_unstable_by_key(|s| s.0);
    let start = traps.funcs.first().map_or(0, |f| f.0);
    let end = traps.funcs.iter().map(|f| f.1).max().unwrap_or(0);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    reg.push(Entry { id, start, end, traps });
    id
}

/// Removes a region registered with [`register`].
pub(crate) fn unregister(id: u64) {
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    reg.retain(|e| e.id != id);
}

/// Looks `pc` up: `None` when it is not inside a JIT function, else the trap code of the
/// trap site exactly at `pc`, if there is one. Called from the signal handler: no allocation.
pub(crate) fn lookup(pc: usize) -> Option<Option<TrapCode>> {
    let reg = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let entry = reg.iter().find(|e| e.start <= pc && pc < e.end)?;
    let funcs = &entry.traps.funcs;
    let i = funcs.partition_point(|f| f.0 <= pc);
    if i == 0 || pc >= funcs[i - 1].1 {
        return None;
    }
    let sites = &entry.traps.sites;
    Some(sites.binary_search_by_key(&pc, |s| s.0).ok().map(|k| sites[k].1))
}

/// Where an exception of `tag` goes from the frame whose call returns to `ret`: `None`
/// when `ret` is not inside a JIT function (the walk has left JIT code), else the landing
/// pad of the first handler of the `try_call` there that catches `tag`, if any.
pub(crate) fn lookup_handler(ret: usize, tag: u32) -> Option<Option<usize>> {
    let reg = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    // A return address may equal the end of its function (a call that never returns as
    // the last instruction); look up the byte before it.
    let pc = ret.checked_sub(1)?;
    let entry = reg.iter().find(|e| e.start <= pc && pc < e.end)?;
    let funcs = &entry.traps.funcs;
    let i = funcs.partition_point(|f| f.0 <= pc);
    if i == 0 || pc >= funcs[i - 1].1 {
        return None;
    }
    let handlers = &entry.traps.handlers;
    let Ok(k) = handlers.binary_search_by_key(&ret, |s| s.0) else { return Some(None) };
    Some(handlers[k].1.iter().find(|(t, _)| t.is_none_or(|t| t == tag)).map(|&(_, landing)| landing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_functions_and_exact_sites_only() {
        // Addresses far from any real code, so concurrent tests cannot collide.
        let base = 0x7fff_0000_0000usize;
        let id = register(RegionTraps {
            funcs: vec![(base + 32, base + 40), (base, base + 16)],
            sites: vec![(base + 4, TrapCode::User(3))],
            handlers: Vec::new(),
        });
        assert_eq!(lookup(base + 4), Some(Some(TrapCode::User(3))));
        assert_eq!(lookup(base + 5), Some(None));
        assert_eq!(lookup(base + 20), None, "padding between functions is not code");
        assert_eq!(lookup(base + 39), Some(None));
        assert_eq!(lookup(base + 40), None);
        unregister(id);
        assert_eq!(lookup(base + 4), None);
    }
}
