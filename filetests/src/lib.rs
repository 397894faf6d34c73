//! `lathe-filetests`: runs `.clif` test files.
//!
//! A file's header names one or more test kinds (`test cat`, `test verifier`,
//! `test interpret`, `test parse-error`, ...). Each kind is a [`subtest::SubTest`] run on
//! every function of the file; the outcome of one (file, kind) pair is a [`TestOutcome`].
//! Kinds, targets or settings that Lathe does not have yet give
//! [`TestOutcome::Unsupported`] with the reason, never a failure.
//!
//! Every file that parses is also checked to print stably: printing it, parsing the
//! printed text and printing again gives the same text.
//!
//! `test run` executes natively through the JIT for the host, and through an object file
//! linked with a C driver and run under `qemu-user` for other architectures ([`cross`]).
//!
//! Input: paths from `lathe test` or the `cargo test` runner (`tests/filetests.rs`).
//! Output: outcomes and a summary; with `LATHE_BLESS=1`, expected-output comment blocks are
//! rewritten in place.

#![warn(missing_docs)]

pub mod bless;
pub mod cross;
mod discover;
mod runner;
pub mod subtest;

pub use discover::collect_files;
pub use runner::{
    Counts, FileReport, RunOptions, RunnerMode, Summary, TestOutcome, file_test_kinds, run_file, run_file_kind,
    run_paths, run_source_kind,
};
