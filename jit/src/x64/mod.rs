//! x86-64 specifics of the JIT: the entry stub that Rust calls (with the trap landing
//! code) and the trap handler's context table.

pub(crate) mod context;
pub(crate) mod stub;
pub(crate) mod throw;
