//! Running compiled code outside the Lathe process: the object path of `test run`.
//!
//! The JIT runs code only for the host. For any other target (and for the host when asked,
//! `LATHE_RUNNER=object`), the file's functions are compiled for the target, written into
//! an ELF object with `lathe-object`, linked by the target's gcc with a C driver (the fixed
//! part `lathe_driver.c` plus tables generated per program), and the program runs natively
//! or under `qemu-<arch>` from Debian's `qemu-user`. Each call's outcome comes back as the
//! same [`CallOutcome`](lathe_codegen::data_value::CallOutcome) the JIT gives, so the
//! run-line checks are shared (`subtest::run`).
//!
//! Nothing here knows an ISA: an architecture needs only a row in the tools table
//! (`tools`), and the driver's one-line macro reading the pc from a signal context. Any
//! registered backend whose object files `lathe-object` writes runs this way.
//!
//! Modules:
//! - [`tools`]: the compiler and emulator of each architecture, found on `PATH`, and the
//!   Debian packages to name when they are missing.
//! - [`program`]: one program: object, generated tables, build, run, read back.
//! - `workdir`: temporary folders, and the driver's fixed part compiled once per
//!   architecture and process.

pub mod program;
pub mod tools;
mod workdir;

pub use program::{CallResult, ProgramCall, ProgramError, ProgramFunction};
pub use tools::{ToolError, Toolchain, family_of_name, isa_family, target_families, toolchain};
