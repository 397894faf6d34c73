//! `.eh_frame` from unwind records: a CIE from the target's [`CieDesc`] and an FDE per
//! function from its [`UnwindRecord`]s, written with `gimli::write`.
//!
//! The same translation serves object files, where a function's address is a symbol that
//! the linker resolves (`DW_EH_PE_pcrel | DW_EH_PE_sdata4`, as C compilers write it), and
//! the JIT, where code is already placed and addresses are absolute
//! ([`eh_frame_for_placed`], `DW_EH_PE_absptr`).
//!
//! Invariant: the records of a function are sorted by offset (as `CompiledCode::unwind`
//! promises); a record at an offset past the end of the code is an error.

use crate::ObjectError;
use gimli::write::{
    Address, CallFrameInstruction, CieId, CommonInformationEntry, EndianVec, FrameDescriptionEntry, FrameTable, Writer,
};
use gimli::{Encoding, Format, Register, RunTimeEndian};
use lathe_codegen::machinst::{CieDesc, UnwindInst, UnwindRecord};

/// The encoding of `.eh_frame` on every 64-bit target Lathe has (CIE version 1).
fn encoding() -> Encoding {
    Encoding { format: Format::Dwarf32, version: 1, address_size: 8 }
}

/// The CIE of a target: the CFA and the return address at a function's entry.
pub fn cie(desc: &CieDesc, fde_address_encoding: gimli::DwEhPe) -> CommonInformationEntry {
    let mut cie = CommonInformationEntry::new(
        encoding(),
        desc.code_alignment,
        desc.data_alignment,
        Register(desc.return_address.0),
    );
    cie.fde_address_encoding = fde_address_encoding;
    cie.add_instruction(CallFrameInstruction::Cfa(Register(desc.stack_pointer.0), desc.entry_cfa_offset as i32));
    if let Some(offset) = desc.return_address_saved_at {
        cie.add_instruction(CallFrameInstruction::Offset(Register(desc.return_address.0), offset));
    }
    cie
}

/// The FDE of one function of `len` bytes at `address`.
pub fn fde(
    desc: &CieDesc,
    address: Address,
    len: u32,
    records: &[UnwindRecord],
) -> Result<FrameDescriptionEntry, ObjectError> {
    let mut fde = FrameDescriptionEntry::new(address, len);
    // The CFA register in force, to write a bare offset change when only the offset moves;
    // remembered states keep theirs.
    let sp = Register(desc.stack_pointer.0);
    let mut cfa_reg = sp;
    let mut saved_cfa_regs = Vec::new();
    let mut last = 0;
    for r in records {
        if r.offset > len || r.offset < last {
            return Err(ObjectError::BadDefinition {
                name: format!("function at {address:?}"),
                reason: format!("unwind record at {} out of order or past {len} bytes", r.offset),
            });
        }
        last = r.offset;
        let inst = match r.inst {
            UnwindInst::CfaSp { offset } if cfa_reg == sp => CallFrameInstruction::CfaOffset(offset as i32),
            UnwindInst::CfaSp { offset } => {
                cfa_reg = sp;
                CallFrameInstruction::Cfa(sp, offset as i32)
            }
            UnwindInst::CfaFp { reg, offset } => {
                cfa_reg = Register(reg.0);
                CallFrameInstruction::Cfa(cfa_reg, offset as i32)
            }
            UnwindInst::Saved { reg, offset } => CallFrameInstruction::Offset(Register(reg.0), offset),
            UnwindInst::Restored { reg } => CallFrameInstruction::Restore(Register(reg.0)),
            UnwindInst::RememberState => {
                saved_cfa_regs.push(cfa_reg);
                CallFrameInstruction::RememberState
            }
            UnwindInst::RestoreState => {
                cfa_reg = saved_cfa_regs.pop().unwrap_or(sp);
                CallFrameInstruction::RestoreState
            }
            UnwindInst::NegateRaState => CallFrameInstruction::NegateRaState,
        };
        fde.add_instruction(r.offset, inst);
    }
    Ok(fde)
}

/// A frame table with the target's CIE, to which FDEs are added.
pub struct EhFrame {
    table: FrameTable,
    cie: CieId,
    desc: CieDesc,
}

impl EhFrame {
    /// An empty table for a target, its FDE addresses encoded as `fde_address_encoding`.
    pub fn new(desc: &CieDesc, fde_address_encoding: gimli::DwEhPe) -> EhFrame {
        let mut table = FrameTable::default();
        let cie = table.add_cie(cie(desc, fde_address_encoding));
        EhFrame { table, cie, desc: *desc }
    }

    /// Adds the FDE of a function.
    pub fn add_function(&mut self, address: Address, len: u32, records: &[UnwindRecord]) -> Result<(), ObjectError> {
        let fde = fde(&self.desc, address, len, records)?;
        self.table.add_fde(self.cie, fde);
        Ok(())
    }

    /// Writes the table to `w` (CIE then FDEs), without a terminator.
    pub fn write<W: Writer>(&self, w: W) -> Result<W, ObjectError> {
        let mut section = gimli::write::EhFrame(w);
        self.table.write_eh_frame(&mut section)?;
        Ok(section.0)
    }
}

/// A function already placed in memory, for [`eh_frame_for_placed`].
#[derive(Copy, Clone, Debug)]
pub struct PlacedFunction<'a> {
    /// The address of its first byte.
    pub address: u64,
    /// Its code size.
    pub len: u32,
    /// Its unwind records.
    pub unwind: &'a [UnwindRecord],
}

/// `.eh_frame` bytes for code already placed at known addresses (the JIT), with absolute
/// FDE addresses and a zero terminator, as the system unwinder's `__register_frame`
/// expects. Functions without unwind records get no FDE.
pub fn eh_frame_for_placed(
    desc: &CieDesc,
    big_endian: bool,
    funcs: &[PlacedFunction<'_>],
) -> Result<Vec<u8>, ObjectError> {
    let mut table = EhFrame::new(desc, gimli::DW_EH_PE_absptr);
    for f in funcs.iter().filter(|f| !f.unwind.is_empty()) {
        table.add_function(Address::Constant(f.address), f.len, f.unwind)?;
    }
    let endian = if big_endian { RunTimeEndian::Big } else { RunTimeEndian::Little };
    let mut w = table.write(EndianVec::new(endian))?;
    w.write_u32(0)?;
    Ok(w.into_vec())
}
