//! Making JIT code visible to unwinders and debuggers.
//!
//! - Every finalized region's `.eh_frame` (written by `lathe-object` from the functions'
//!   unwind records, with absolute addresses) is registered with the system unwinder
//!   (`__register_frame` of libgcc, which Rust's standard library links on Linux), so
//!   `_Unwind_Backtrace`, C++ exceptions and panics walk through Lathe frames. It is
//!   deregistered before the region is unmapped.
//! - With [`JitModule::enable_debugger`](crate::JitModule::enable_debugger), each region is
//!   also described to gdb through the GDB JIT interface ([`gdb`]): an in-memory ELF image
//!   with the functions' symbols, `.eh_frame` and DWARF from their source locations.
//!
//! Input: the functions of one region as placed by `module::place`. Output: registrations
//! that undo themselves on drop.

pub(crate) mod gdb;

use crate::JitError;
use lathe_codegen::isa::TargetIsa;
use lathe_object::image::ImageFunction;
use lathe_object::unwind::{PlacedFunction, eh_frame_for_placed};
use std::sync::OnceLock;

/// The host target, for its call-frame facts and ELF header (made once per process).
pub(crate) fn host_isa() -> Result<&'static dyn TargetIsa, JitError> {
    static HOST: OnceLock<Result<Box<dyn TargetIsa>, String>> = OnceLock::new();
    let host = HOST.get_or_init(|| {
        lathe_codegen::isa::host_isa(lathe_codegen::settings::Flags::default()).map_err(|e| e.to_string())
    });
    match host {
        Ok(isa) => Ok(&**isa),
        Err(e) => Err(JitError::Unsupported(format!("the host target: {e}"))),
    }
}

unsafe extern "C" {
    /// libgcc: adds the `.eh_frame` table starting at `begin` (CIEs and FDEs, ended by a
    /// zero length word) to the unwinder's list. The table must outlive the registration.
    fn __register_frame(begin: *const u8);
    /// libgcc: removes a table added by `__register_frame`.
    fn __deregister_frame(begin: *const u8);
}

/// A region's `.eh_frame`, registered with the system unwinder while this lives.
pub(crate) struct FrameRegistration {
    /// The table; its heap buffer does not move while registered.
    table: Box<[u8]>,
}

impl FrameRegistration {
    /// Writes and registers the `.eh_frame` of `funcs`; `None` when none has unwind
    /// records.
    pub fn register(funcs: &[ImageFunction<'_>]) -> Result<Option<FrameRegistration>, JitError> {
        if funcs.iter().all(|f| f.code.unwind.is_empty()) {
            return Ok(None);
        }
        let isa = host_isa()?;
        let placed: Vec<PlacedFunction<'_>> = funcs
            .iter()
            .map(|f| PlacedFunction { address: f.address, len: f.code.code.len() as u32, unwind: &f.code.unwind })
            .collect();
        let big_endian = isa.endianness() == lathe_codegen::ir::Endianness::Big;
        let table = eh_frame_for_placed(&isa.unwind_cie(), big_endian, &placed)
            .map_err(|e| JitError::Unsupported(format!("unwind information: {e}")))?
            .into_boxed_slice();
        // SAFETY: `table` is a complete `.eh_frame` table (a CIE, FDEs whose absolute
        // addresses lie in the region just sealed, a zero terminator), written by
        // `eh_frame_for_placed`; it stays alive and unmoved in `self` until `drop`
        // deregisters it, and the region it describes outlives the registration
        // (`PlacedRegion` drops this first).
        unsafe { __register_frame(table.as_ptr()) };
        Ok(Some(FrameRegistration { table }))
    }
}

impl Drop for FrameRegistration {
    fn drop(&mut self) {
        // SAFETY: the same pointer was registered in `register` and not deregistered since.
        unsafe { __deregister_frame(self.table.as_ptr()) };
    }
}
