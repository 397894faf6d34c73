//! `lathe-codegen`: Lathe's IR, its text format, the verifier, the mid-end, the
//! machine-code layer and the ISAs.
//!
//! Start at [`ir::Function`]; read text with `text::parse_functions` and print with
//! `Display`; check with `verifier::verify_function`.

#![warn(missing_docs)]

pub mod baseline;
pub mod data_value;
pub mod dominator_tree;
pub mod entity;
pub mod flowgraph;
pub mod ir;
pub mod isa;
pub mod isle_view;
pub mod legalize;
pub mod machinst;
pub mod opt;
pub mod result;
pub mod rule_coverage;
pub mod settings;
pub mod softfloat;
pub mod text;
pub mod verifier;

#[doc(hidden)]
pub mod test_rng;
