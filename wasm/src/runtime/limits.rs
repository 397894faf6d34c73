//! Resource limits: what a store lets its guests allocate.
//!
//! A [`ResourceLimiter`] installed on a store (`Store::set_limiter`) is asked before a
//! memory or table is created or grown, and gives the most instances, memories and tables
//! the store may hold. A refused `memory.grow` / `table.grow` returns -1 to the guest (as
//! the specification allows: growth may always fail); a refused creation, or an
//! instantiation that would pass a count, is a `WasmError::Limit` and leaves the store as
//! it was. [`StoreLimits`] is the ready-made limiter of fixed caps; `Store::set_max_memory`
//! installs one.
//!
//! Sizes are bytes for memories and elements for tables; `maximum` is the entity's own
//! maximum (the limiter need not re-check it: growth past it fails regardless).

/// Decides how far a store's memories and tables may grow and how many it may hold.
pub trait ResourceLimiter {
    /// A memory wants to grow from `current` to `desired` bytes (`current` is 0 when it
    /// is being created); `maximum` is the most bytes it can have (its declared maximum,
    /// or the 4 GiB a 32-bit index reaches), always `Some` today. `false` refuses.
    fn memory_growing(&mut self, current: u64, desired: u64, maximum: Option<u64>) -> bool;

    /// A table wants to grow from `current` to `desired` elements (`current` is 0 when it
    /// is being created); `maximum` is its declared maximum. `false` refuses.
    fn table_growing(&mut self, current: u64, desired: u64, maximum: Option<u64>) -> bool;

    /// The most instances the store may hold.
    fn instances(&self) -> usize {
        usize::MAX
    }

    /// The most memories the store may hold (defined by instances or by the host).
    fn memories(&self) -> usize {
        usize::MAX
    }

    /// The most tables the store may hold (defined by instances or by the host).
    fn tables(&self) -> usize {
        usize::MAX
    }
}

/// A limiter of fixed caps; `None` (the default) leaves a resource unlimited.
#[derive(Clone, Debug, Default)]
pub struct StoreLimits {
    /// The most bytes any one memory may have.
    pub memory_size: Option<u64>,
    /// The most elements any one table may have.
    pub table_elements: Option<u64>,
    /// The most instances.
    pub instances: Option<usize>,
    /// The most memories.
    pub memories: Option<usize>,
    /// The most tables.
    pub tables: Option<usize>,
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _current: u64, desired: u64, _maximum: Option<u64>) -> bool {
        self.memory_size.is_none_or(|max| desired <= max)
    }

    fn table_growing(&mut self, _current: u64, desired: u64, _maximum: Option<u64>) -> bool {
        self.table_elements.is_none_or(|max| desired <= max)
    }

    fn instances(&self) -> usize {
        self.instances.unwrap_or(usize::MAX)
    }

    fn memories(&self) -> usize {
        self.memories.unwrap_or(usize::MAX)
    }

    fn tables(&self) -> usize {
        self.tables.unwrap_or(usize::MAX)
    }
}
