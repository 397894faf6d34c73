//! DWARF debug information for compiled functions: one compile unit, a subprogram per
//! function (name, code range, frame base), and a line table from the functions' source
//! locations.
//!
//! A source location ([`SourceLoc`]) is an opaque number the front end attached to an IR
//! instruction; the backend carries it to code ranges (`CompiledCode::srclocs`). A
//! [`LineMap`] says which file, line and column a location stands for: the front end's
//! own table (a Wasm module's DWARF, a language's source map), or [`SrcLocAsLine`], which
//! reads the number itself as a line of the unit's primary file (for CLIF, whose `@NNNN`
//! annotations are the only locations there are).
//!
//! Input: the functions' names, addresses (symbols in an object, constants in the JIT),
//! sizes and source-location ranges, and [`DebugOptions`]. Output: the written sections,
//! each with the relocations its symbolic addresses need (none for constant addresses).
//!
//! DWARF version 4 is written: the version every consumer here reads (gdb, llvm-dwarfdump,
//! the system unwinder never looks), with file names inline in `.debug_line`.

use crate::ObjectError;
use crate::sections::RelocSection;
use gimli::write::{
    Address, AttributeValue, DwarfUnit, Expression, FileId, LineProgram, LineString, Range, RangeList, Sections,
};
use gimli::{Encoding, Format, LineEncoding, RunTimeEndian, SectionId};
use lathe_codegen::ir::SourceLoc;
use lathe_codegen::machinst::SrcLocRange;

/// A place in a source file: an index into [`DebugOptions::files`], a line (from 1) and a
/// column (from 1; 0 for none).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct LineLoc {
    /// The file, an index into [`DebugOptions::files`].
    pub file: u32,
    /// The line, counted from 1.
    pub line: u32,
    /// The column, counted from 1; 0 when unknown.
    pub column: u32,
}

/// Maps a source location to a place in a source file. Implemented by closures
/// `Fn(SourceLoc) -> Option<LineLoc>`. Shareable between threads, since a JIT module that
/// holds one is.
pub trait LineMap: Send + Sync {
    /// The file and line `loc` stands for, or `None` for code with no source line.
    fn line_of(&self, loc: SourceLoc) -> Option<LineLoc>;
}

impl<F: Fn(SourceLoc) -> Option<LineLoc> + Send + Sync> LineMap for F {
    fn line_of(&self, loc: SourceLoc) -> Option<LineLoc> {
        self(loc)
    }
}

/// Reads a source location's number as a line of the first file (column 0); the default
/// location (none given) has no line.
#[derive(Copy, Clone, Debug, Default)]
pub struct SrcLocAsLine;

impl LineMap for SrcLocAsLine {
    fn line_of(&self, loc: SourceLoc) -> Option<LineLoc> {
        (!loc.is_default()).then(|| LineLoc { file: 0, line: loc.bits(), column: 0 })
    }
}

/// What the debug information says about the compilation, and how source locations map to
/// lines.
pub struct DebugOptions {
    /// `DW_AT_producer`.
    pub producer: String,
    /// `DW_AT_comp_dir`: the directory relative file names are found from.
    pub comp_dir: String,
    /// The source files lines refer to; the first is the unit's primary file
    /// (`DW_AT_name`). Must not be empty.
    pub files: Vec<String>,
    /// The map from source locations to lines.
    pub lines: Box<dyn LineMap>,
}

impl DebugOptions {
    /// Options for a unit whose only source is `file`, with source locations read as its
    /// line numbers, the current directory as the compilation directory, and Lathe as the
    /// producer.
    pub fn new(file: impl Into<String>) -> DebugOptions {
        let comp_dir = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| "/".into());
        DebugOptions {
            producer: format!("Lathe {}", env!("CARGO_PKG_VERSION")),
            comp_dir,
            files: vec![file.into()],
            lines: Box::new(SrcLocAsLine),
        }
    }
}

impl std::fmt::Debug for DebugOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DebugOptions")
            .field("producer", &self.producer)
            .field("comp_dir", &self.comp_dir)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// A function to describe.
#[derive(Copy, Clone, Debug)]
pub struct DebugFunction<'a> {
    /// Its name as a debugger shows it.
    pub name: &'a str,
    /// Its first byte.
    pub address: Address,
    /// Its code size.
    pub len: u32,
    /// The source locations of its code, sorted by offset.
    pub srclocs: &'a [SrcLocRange],
    /// Whether it is visible outside the unit (`DW_AT_external`).
    pub external: bool,
}

fn encoding() -> Encoding {
    Encoding { format: Format::Dwarf32, version: 4, address_size: 8 }
}

/// Builds the unit describing `funcs`.
fn build_unit(options: &DebugOptions, funcs: &[DebugFunction<'_>]) -> Result<DwarfUnit, ObjectError> {
    let primary = options.files.first().filter(|f| !f.is_empty()).ok_or_else(|| ObjectError::BadDefinition {
        name: "debug information".into(),
        reason: "no source file named".into(),
    })?;
    let text = |s: &str| LineString::String(s.as_bytes().to_vec());
    let mut dwarf = DwarfUnit::new(encoding());
    let comp_dir = if options.comp_dir.is_empty() { "/" } else { &options.comp_dir };
    let mut program = LineProgram::new(encoding(), LineEncoding::default(), text(comp_dir), None, text(primary), None);
    let dir = program.default_directory();
    let files: Vec<FileId> = options
        .files
        .iter()
        .map(|f| {
            let name = if f.is_empty() { "<unknown>" } else { f };
            program.add_file(text(name), dir, None)
        })
        .collect();

    let mut ranges = Vec::with_capacity(funcs.len());
    for f in funcs {
        ranges.push(Range::StartLength { begin: f.address, length: u64::from(f.len) });
        add_line_rows(&mut program, &files, options.lines.as_ref(), f);
    }
    dwarf.unit.line_program = program;

    let range_list = dwarf.unit.ranges.add(RangeList(ranges));
    let producer = dwarf.strings.add(options.producer.as_str());
    let name = dwarf.strings.add(primary.as_str());
    let dir_name = dwarf.strings.add(comp_dir);
    let root = dwarf.unit.root();
    let cu = dwarf.unit.get_mut(root);
    cu.set(gimli::DW_AT_producer, AttributeValue::StringRef(producer));
    cu.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
    cu.set(gimli::DW_AT_comp_dir, AttributeValue::StringRef(dir_name));
    // No source language of DWARF's list fits IR in general; C's rules for names hold.
    cu.set(gimli::DW_AT_language, AttributeValue::Language(gimli::DW_LANG_C99));
    cu.set(gimli::DW_AT_stmt_list, AttributeValue::LineProgramRef);
    cu.set(gimli::DW_AT_low_pc, AttributeValue::Address(Address::Constant(0)));
    cu.set(gimli::DW_AT_ranges, AttributeValue::RangeListRef(range_list));

    for f in funcs {
        let name = dwarf.strings.add(f.name);
        let id = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
        let sub = dwarf.unit.get_mut(id);
        sub.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
        sub.set(gimli::DW_AT_low_pc, AttributeValue::Address(f.address));
        sub.set(gimli::DW_AT_high_pc, AttributeValue::Udata(u64::from(f.len)));
        let mut frame_base = Expression::new();
        frame_base.op(gimli::DW_OP_call_frame_cfa);
        sub.set(gimli::DW_AT_frame_base, AttributeValue::Exprloc(frame_base));
        if f.external {
            sub.set(gimli::DW_AT_external, AttributeValue::Flag(true));
        }
        let first = f.srclocs.iter().find_map(|r| options.lines.line_of(r.loc));
        if let Some((first, &file)) = first.and_then(|l| Some((l, files.get(l.file as usize)?))) {
            sub.set(gimli::DW_AT_decl_file, AttributeValue::FileIndex(Some(file)));
            sub.set(gimli::DW_AT_decl_line, AttributeValue::Udata(u64::from(first.line)));
        }
    }
    Ok(dwarf)
}

/// One sequence per function: a row where each source location's code starts (line 0
/// where code has none), and one at the entry with the function's first line so that the
/// prologue belongs to the function's first statement.
fn add_line_rows(program: &mut LineProgram, files: &[FileId], lines: &dyn LineMap, f: &DebugFunction<'_>) {
    let place = |loc| match lines.line_of(loc) {
        Some(l) => match files.get(l.file as usize) {
            Some(&file) => (file, l.line, l.column),
            None => (files[0], 0, 0),
        },
        None => (files[0], 0, 0),
    };
    let ranges = f.srclocs.iter().filter(|r| r.start < r.end && r.end <= f.len);
    program.begin_sequence(Some(f.address));
    let entry = ranges.clone().map(|r| (r.start, place(r.loc))).find(|(_, (_, line, _))| *line != 0);
    if let Some((start, (file, line, column))) = entry.filter(|&(start, _)| start > 0) {
        let row = program.row();
        row.address_offset = 0;
        (row.file, row.line, row.column, row.is_statement) = (file, u64::from(line), u64::from(column), true);
        program.generate_row();
        debug_assert!(start > 0);
    }
    let mut prologue_end = entry.is_some();
    for r in ranges {
        let (file, line, column) = place(r.loc);
        let row = program.row();
        row.address_offset = u64::from(r.start);
        (row.file, row.line, row.column) = (file, u64::from(line), u64::from(column));
        row.is_statement = line != 0;
        row.prologue_end = prologue_end && line != 0;
        if row.prologue_end {
            prologue_end = false;
        }
        program.generate_row();
    }
    program.end_sequence(u64::from(f.len));
}

/// The written DWARF sections, by name, each with its relocations.
pub(crate) struct DwarfSections {
    pub sections: Vec<(SectionId, RelocSection)>,
}

/// Writes the DWARF describing `funcs`.
pub(crate) fn write_dwarf(
    options: &DebugOptions,
    funcs: &[DebugFunction<'_>],
    endian: RunTimeEndian,
) -> Result<DwarfSections, ObjectError> {
    let mut dwarf = build_unit(options, funcs)?;
    let mut sections = Sections::new(RelocSection::new(endian));
    dwarf.write(&mut sections)?;
    let mut out = Vec::new();
    sections.for_each(|id, section| -> Result<(), ObjectError> {
        if !section.writer.slice().is_empty() {
            out.push((id, section.clone()));
        }
        Ok(())
    })?;
    Ok(DwarfSections { sections: out })
}
