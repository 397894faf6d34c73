//! An in-memory ELF image describing code that is already placed in memory: the symbol
//! file a debugger reads through the GDB JIT interface.
//!
//! The image is a relocatable ELF whose `.text` section carries the code at the address it
//! runs at (`sh_addr` set to the region's base, as a loader would), a symbol per function,
//! `.eh_frame` with absolute addresses (so the debugger unwinds through the frames) and,
//! when asked, DWARF with absolute addresses. Nothing in it needs relocating: a debugger
//! reads it as it is.
//!
//! Input: placed functions (address, name, compiled code) within one region, the target.
//! Output: the image's bytes.

use crate::ObjectError;
use crate::debug::{DebugFunction, DebugOptions, write_dwarf};
use crate::elf::ElfTarget;
use crate::sections::{RelocSection, gimli_endian};
use crate::unwind::EhFrame;
use gimli::write::{Address, RelocationTarget};
use lathe_codegen::isa::TargetIsa;
use lathe_codegen::machinst::CompiledCode;
use object::write::{Object, StandardSection, Symbol, SymbolSection};
use object::{SectionKind, SymbolFlags, SymbolKind, SymbolScope};

/// A function placed in memory.
#[derive(Copy, Clone, Debug)]
pub struct ImageFunction<'a> {
    /// The name the debugger shows.
    pub name: &'a str,
    /// The address of its first byte.
    pub address: u64,
    /// Its code, unwind records and source locations.
    pub code: &'a CompiledCode,
}

/// Writes the image of `funcs` (placed, for `isa`'s target). With `debug`, DWARF is
/// included.
pub fn jit_image(
    isa: &dyn TargetIsa,
    funcs: &[ImageFunction<'_>],
    debug: Option<&DebugOptions>,
) -> Result<Vec<u8>, ObjectError> {
    let t = ElfTarget::of(isa.triple())?;
    let base = funcs.iter().map(|f| f.address).min().unwrap_or(0);
    let end = funcs.iter().map(|f| f.address + f.code.code.len() as u64).max().unwrap_or(0);
    let span = usize::try_from(end - base).map_err(|_| ObjectError::BadDefinition {
        name: "JIT image".into(),
        reason: "code spans more than the address space".into(),
    })?;
    let mut text_bytes = vec![0u8; span];
    for f in funcs {
        let at = (f.address - base) as usize;
        text_bytes[at..at + f.code.code.len()].copy_from_slice(&f.code.code);
    }

    let mut obj = Object::new(object::BinaryFormat::Elf, t.arch, t.endian);
    obj.flags = object::FileFlags::Elf { os_abi: object::elf::OsAbi(0), abi_version: 0, e_flags: t.e_flags };
    let text = obj.section_id(StandardSection::Text);
    obj.append_section_data(text, &text_bytes, 16);
    for f in funcs {
        obj.add_symbol(Symbol {
            name: f.name.as_bytes().to_vec(),
            value: f.address - base,
            size: f.code.code.len() as u64,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }

    let endian = gimli_endian(t.endian);
    let mut table = EhFrame::new(&isa.unwind_cie(), gimli::DW_EH_PE_absptr);
    for f in funcs.iter().filter(|f| !f.code.unwind.is_empty()) {
        table.add_function(Address::Constant(f.address), f.code.code.len() as u32, &f.code.unwind)?;
    }
    let eh_frame = resolved(table.write(RelocSection::new(endian))?)?;
    let eh = obj.section_id(StandardSection::EhFrame);
    obj.append_section_data(eh, &eh_frame, 8);

    if let Some(options) = debug {
        let described: Vec<DebugFunction<'_>> = funcs
            .iter()
            .map(|f| DebugFunction {
                name: f.name,
                address: Address::Constant(f.address),
                len: f.code.code.len() as u32,
                srclocs: &f.code.srclocs,
                external: true,
            })
            .collect();
        for (id, section) in write_dwarf(options, &described, endian)?.sections {
            let s = obj.add_section(Vec::new(), id.name().as_bytes().to_vec(), SectionKind::Debug);
            obj.append_section_data(s, &resolved(section)?, 1);
        }
    }

    let mut bytes = obj.write()?;
    set_section_address(&mut bytes, t.endian, ".text", base)?;
    Ok(bytes)
}

/// A section's bytes with its relocations applied in place: every section of the image
/// starts at offset 0 and addresses are constants, so an offset into another section is
/// its addend and a symbol relocation cannot occur.
fn resolved(mut section: RelocSection) -> Result<Vec<u8>, ObjectError> {
    for r in std::mem::take(&mut section.relocs) {
        match r.target {
            RelocationTarget::Section(_) => {
                use gimli::write::Writer;
                section.writer.write_udata_at(r.offset, r.addend as u64, r.size)?;
            }
            RelocationTarget::Symbol(_) => {
                return Err(ObjectError::BadDefinition {
                    name: "JIT image".into(),
                    reason: "a symbolic address in a placed image".into(),
                });
            }
        }
    }
    Ok(section.writer.into_vec())
}

/// Sets `sh_addr` of the named section in a written 64-bit ELF file: the address the
/// section's contents are at in memory.
fn set_section_address(
    bytes: &mut [u8],
    endian: object::Endianness,
    name: &str,
    address: u64,
) -> Result<(), ObjectError> {
    use object::read::elf::FileHeader;
    let bad = |reason: &str| ObjectError::BadDefinition { name: "JIT image".into(), reason: reason.into() };
    let header = object::elf::FileHeader64::<object::Endianness>::parse(&*bytes).map_err(|_| bad("unreadable"))?;
    let sections = header.sections(endian, &*bytes).map_err(|_| bad("unreadable sections"))?;
    let index = sections
        .iter()
        .position(|s| sections.section_name(endian, s).is_ok_and(|n| n == name.as_bytes()))
        .ok_or_else(|| bad("no such section"))?;
    let shoff = header.e_shoff(endian) as usize;
    let shentsize = header.e_shentsize(endian) as usize;
    // sh_addr follows sh_name, sh_type (4 bytes each) and sh_flags (8 bytes).
    let at = shoff + index * shentsize + 16;
    let field = match endian {
        object::Endianness::Little => address.to_le_bytes(),
        object::Endianness::Big => address.to_be_bytes(),
    };
    bytes.get_mut(at..at + 8).ok_or_else(|| bad("truncated section header"))?.copy_from_slice(&field);
    Ok(())
}
