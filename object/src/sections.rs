//! A gimli section writer that records relocations, and the placing of a written DWARF or
//! `.eh_frame` section into an object.
//!
//! gimli writes a field for an [`Address::Symbol`](gimli::write::Address) or for an offset
//! into another section as zero and reports a relocation; [`RelocSection`] keeps them.
//! Symbols in gimli's relocations are indices the caller chose: here, the index of a
//! declared symbol of the module, mapped to the object's symbol when the section is added.

use crate::ObjectError;
use crate::elf::ElfTarget;
use gimli::write::{EndianVec, RelocateWriter, Relocation, RelocationTarget};
use gimli::{RunTimeEndian, SectionId};
use object::write::{Object, SectionId as ObjSection, SymbolId};

/// A section's bytes and the relocations gimli asked for.
#[derive(Clone, Debug)]
pub(crate) struct RelocSection {
    pub writer: EndianVec<RunTimeEndian>,
    pub relocs: Vec<Relocation>,
}

impl RelocSection {
    pub fn new(endian: RunTimeEndian) -> Self {
        RelocSection { writer: EndianVec::new(endian), relocs: Vec::new() }
    }
}

impl RelocateWriter for RelocSection {
    type Writer = EndianVec<RunTimeEndian>;

    fn writer(&self) -> &Self::Writer {
        &self.writer
    }

    fn writer_mut(&mut self) -> &mut Self::Writer {
        &mut self.writer
    }

    fn relocate(&mut self, relocation: Relocation) {
        self.relocs.push(relocation);
    }
}

/// gimli's byte order for the target's.
pub(crate) fn gimli_endian(endian: object::Endianness) -> RunTimeEndian {
    match endian {
        object::Endianness::Little => RunTimeEndian::Little,
        object::Endianness::Big => RunTimeEndian::Big,
    }
}

/// Applies `section`'s relocations in `obj`: symbol targets through `symbol_of` (index →
/// object symbol and a bias added to the addend), section targets through `section_of` (a
/// DWARF section written to the same object, whose section symbol is used).
pub(crate) fn add_relocations(
    obj: &mut Object<'_>,
    target: &ElfTarget,
    into: ObjSection,
    name: &str,
    section: &RelocSection,
    symbol_of: &dyn Fn(usize) -> Option<(SymbolId, i64)>,
    section_of: &mut dyn FnMut(&mut Object<'_>, SectionId) -> Option<SymbolId>,
) -> Result<(), ObjectError> {
    for r in &section.relocs {
        let (symbol, bias) = match r.target {
            RelocationTarget::Symbol(i) => symbol_of(i),
            RelocationTarget::Section(id) => section_of(obj, id).map(|s| (s, 0)),
        }
        .ok_or_else(|| ObjectError::BadDefinition {
            name: name.to_string(),
            reason: format!("a debug relocation to {:?} with no symbol", r.target),
        })?;
        let r_type = if r.eh_pe.is_some_and(|pe| pe.application() == gimli::DW_EH_PE_pcrel) {
            target.pcrel32_reloc()
        } else {
            target.abs_reloc(r.size)
        };
        obj.add_relocation(
            into,
            object::write::Relocation {
                offset: r.offset as u64,
                symbol,
                addend: r.addend + bias,
                flags: object::RelocationFlags::Elf { r_type },
            },
        )?;
    }
    Ok(())
}
