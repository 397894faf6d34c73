//! `lathe-frontend`: build Lathe IR from a language's own notion of mutable variables.
//!
//! A front end creates blocks, switches between them, appends instructions through the
//! typed methods of [`InstBuilder`](lathe_codegen::ir::InstBuilder) (one per opcode), and
//! declares, defines and reads [`Variable`]s in any control flow. [`FunctionBuilder`] turns
//! the variables into SSA values and block parameters, adding a parameter only where a
//! variable really has different definitions on different incoming paths.
//!
//! - [`builder`]: [`FunctionBuilder`] and its reusable [`FunctionBuilderContext`].
//! - [`ssa`]: the SSA construction algorithm (Braun et al., CC 2013), iterative.
//! - [`switch`]: [`Switch`], multi-way branches lowered to jump tables and compare trees.
//! - [`memops`]: inline or libcall `memcpy`, `memset` and `memmove`.
//!
//! Invariant: this crate only builds IR through the public API of `lathe-codegen`; it
//! knows nothing of machines. Start with the example on [`FunctionBuilder`] and with
//! `examples/toy.rs` (`cargo run -p lathe-frontend --example toy`).

#![warn(missing_docs)]

pub mod builder;
mod cleanup;
mod error;
pub mod memops;
pub mod ssa;
pub mod switch;
mod variable;

pub use builder::{FuncInstBuilder, FunctionBuilder, FunctionBuilderContext};
pub use error::FrontendError;
pub use memops::{LibCall, MemOpConfig};
pub use switch::Switch;
pub use variable::Variable;
