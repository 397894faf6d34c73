//! `lathe-fuzzgen`: random valid Lathe IR programs, and the differential checkers that the
//! fuzz targets under `fuzz/` and the smoke tests under `tests/` run.
//!
//! The fuzz targets are thin wrappers: they hand libFuzzer's bytes to a function of this
//! crate and panic on a [`Mismatch`]. Everything that decides what a finding is lives here,
//! so the same checks run without nightly on fixed seeds (`cargo test -p lathe-fuzzgen`).
//!
//! Modules:
//! - [`config`]: what the generator may produce ([`Config::jit`] for code the x86-64
//!   backend compiles today, [`Config::interpreter`] for everything the interpreter runs).
//! - [`gen`]: bytes (through [`arbitrary::Unstructured`]) to a [`Program`] of one entry
//!   function and an optional callee; every program verifies and terminates.
//! - [`program`]: the [`Program`] type, its argument sets, and printing it as a filetest.
//! - [`check`]: the checkers ([`check_reader`], [`check_isle`], [`check_interp_vs_jit`],
//!   [`check_interp_vs_target`],
//!   [`check_optimizer`], [`check_wasm_reader`], [`check_wasm_diff`], [`check_wasi`]) and the [`Mismatch`]
//!   they report.
//! - [`seed`]: deterministic byte buffers from a seed, for the smoke tests.
//!
//! Invariant: a generated program that fails the verifier is a generator bug and is
//! reported as a [`Mismatch`] like any other finding.

#![warn(missing_docs)]

pub mod check;
pub mod config;
pub mod r#gen;
pub mod program;
pub mod seed;

pub use arbitrary;
pub use check::{
    CrossTarget, Mismatch, Verdict, check_interp_vs_jit, check_interp_vs_target, check_isle, check_optimizer,
    check_reader, check_wasi, check_wasm_diff, check_wasm_reader,
};
pub use config::Config;
pub use r#gen::{generate_inputs, generate_program};
pub use program::Program;
