//! Shared legalization: IR-to-IR rewrites that do not depend on an ISA, which the
//! pipeline driver (`machinst/compile.rs`) runs before the ISA's own legalization when the
//! settings ask for them. Input and output are verified IR (the driver checks the output
//! with `enable_verifier`).
//!
//! - `br_table.rs`: `br_table` as a search tree of compares (`enable_jump_tables=false`).

mod br_table;

pub use br_table::{expand_br_tables, has_br_table};
