//! Reading a Wasm module's own DWARF (what `clang -g` puts in custom sections), so native
//! code compiled from the module can be described to a debugger in terms of the C source.
//!
//! Input: the module bytes, the same bytes translation reads. The DWARF sections are the
//! custom sections named `.debug_*`; the Code section gives the base of the address space.
//!
//! The address convention (WebAssembly DWARF, tool-conventions `Debugging.md`): a code
//! address in DWARF is a byte offset from the start of the Code section's *contents* (the
//! byte after the section's size), while translation stamps each instruction with its byte
//! offset in the whole module file (`SourceLoc`, from `original_position`). Everything here
//! is converted once, at parse time, to module offsets, so a native address's `SourceLoc`
//! can be looked up directly.
//!
//! Output: [`WasmDebugInfo`], a sorted table of disjoint
//! [`LineSpan`]s (module offset range to file, line, column), the deduplicated file paths,
//! and the [`DebugFunction`]s (`DW_TAG_subprogram`s with a name and code). The DWARF writer
//! reads these to describe JIT code: line rows from [`WasmDebugInfo::lookup`] of each
//! instruction's `SourceLoc`, subprograms from [`WasmDebugInfo::function_at`].
//!
//! Invariants:
//! - every offset in the tables lies inside the Code section's contents; ranges are
//!   half-open and non-empty; entries outside it (dead code that `wasm-ld` gave a tombstone
//!   address, 0 or `0xffff_ffff`) are dropped;
//! - bad DWARF never panics: a unit or line program that fails to read is skipped and its
//!   error kept in [`WasmDebugInfo::skipped`]; only when nothing at all could be read is the
//!   error returned.

mod files;
mod functions;
mod lines;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_clang;

use files::FileTable;
use gimli::{EndianSlice, LittleEndian};
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::{Encoding, Parser, Payload};

/// The gimli reader over a borrowed section of the module.
type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// Why a module's debug information could not be read.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DebugError {
    /// The module's section structure could not be walked.
    #[error("reading the module's sections: {0}")]
    Module(String),
    /// A DWARF unit, or its line program, is malformed.
    #[error("DWARF unit at .debug_info offset {unit_offset:#x}: {error}")]
    Dwarf {
        /// The unit's offset in `.debug_info` (0 when the unit headers themselves are bad).
        unit_offset: usize,
        /// What gimli reported.
        error: gimli::Error,
    },
}

/// A source file of a [`WasmDebugInfo`], an index into [`WasmDebugInfo::files`]; only
/// meaningful with the info that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A position in the source: file, line (1-based; 0 when the compiler attributes the code to
/// no line) and column (1-based; 0 for "the whole line").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceLine {
    /// The file.
    pub file: FileId,
    /// The line.
    pub line: u32,
    /// The column.
    pub column: u32,
}

/// The code at module offsets `start..end` comes from `loc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSpan {
    /// First module offset covered.
    pub start: u32,
    /// One past the last module offset covered.
    pub end: u32,
    /// Where it comes from.
    pub loc: SourceLine,
}

/// A function of the source (`DW_TAG_subprogram` with code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugFunction {
    /// Module offsets of its code (half-open). A function split into several ranges
    /// (`DW_AT_ranges`) appears once per range.
    pub range: Range<u32>,
    /// Its name as gdb shows C functions (`DW_AT_name`).
    pub name: String,
    /// The file it is declared in, when given.
    pub decl_file: Option<FileId>,
    /// The line it is declared on (0 when not given).
    pub decl_line: u32,
}

/// A module's DWARF, converted to module offsets. See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct WasmDebugInfo {
    code_start: u32,
    code_len: u32,
    files: Vec<String>,
    lines: Vec<LineSpan>,
    functions: Vec<DebugFunction>,
    /// See [`reach_of`].
    function_reach: Vec<u32>,
    skipped: Vec<DebugError>,
}

/// Where the Code section's contents lie in the module, and the DWARF custom sections.
struct RawSections<'a> {
    code: Option<Range<usize>>,
    dwarf: HashMap<&'a str, &'a [u8]>,
}

impl WasmDebugInfo {
    /// Reads the DWARF of `module_bytes`. `Ok(None)` when the module carries none (no
    /// `.debug_info`) or has no code to describe.
    pub fn parse(module_bytes: &[u8]) -> Result<Option<WasmDebugInfo>, DebugError> {
        let raw = match find_sections(module_bytes)? {
            Some(raw) => raw,
            None => return Ok(None),
        };
        let Some(code) = raw.code else { return Ok(None) };
        if !raw.dwarf.contains_key(".debug_info") {
            return Ok(None);
        }
        let (Ok(code_start), Ok(code_len)) = (u32::try_from(code.start), u32::try_from(code.len())) else {
            return Err(DebugError::Module("the Code section lies beyond 4 GiB".into()));
        };
        let dwarf = gimli::Dwarf::load(|id| {
            let bytes: &[u8] = raw.dwarf.get(id.name()).copied().unwrap_or(&[]);
            Ok::<_, std::convert::Infallible>(EndianSlice::new(bytes, LittleEndian))
        })
        .unwrap_or_else(|never| match never {});

        let mut info = WasmDebugInfo { code_start, code_len, ..Default::default() };
        let mut files = FileTable::default();
        let mut units = dwarf.units();
        loop {
            let header = match units.next() {
                Ok(Some(header)) => header,
                Ok(None) => break,
                Err(error) => {
                    // A bad unit header hides where the next unit starts: stop here.
                    info.skipped.push(DebugError::Dwarf { unit_offset: 0, error });
                    break;
                }
            };
            let unit_offset = header.offset().0;
            let unit = match dwarf.unit(header) {
                Ok(unit) => unit,
                Err(error) => {
                    info.skipped.push(DebugError::Dwarf { unit_offset, error });
                    continue;
                }
            };
            let unit = gimli::UnitRef::new(&dwarf, &unit);
            let mut unit_files = files.for_unit(unit);
            match lines::read_unit(&info.bounds(), unit, &mut unit_files) {
                Ok(spans) => info.lines.extend(spans),
                Err(error) => info.skipped.push(DebugError::Dwarf { unit_offset, error }),
            }
            match functions::read_unit(&info.bounds(), unit, &mut unit_files) {
                Ok(funcs) => info.functions.extend(funcs),
                Err(error) => info.skipped.push(DebugError::Dwarf { unit_offset, error }),
            }
        }
        if info.lines.is_empty()
            && info.functions.is_empty()
            && let Some(first) = info.skipped.first()
        {
            return Err(first.clone());
        }
        info.files = files.into_paths();
        info.lines.sort_by_key(|s| (s.start, s.end));
        make_disjoint(&mut info.lines);
        // Outer (longer) ranges first among equal starts, so the inner one is found first.
        info.functions.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
        info.function_reach = reach_of(&info.functions);
        Ok(Some(info))
    }

    /// The conversion from DWARF code addresses to module offsets.
    fn bounds(&self) -> CodeBounds {
        CodeBounds { start: self.code_start, len: self.code_len }
    }

    /// The source position of the code at `module_offset` (an instruction's `SourceLoc`):
    /// the span holding it, or `None` where the line table says nothing.
    pub fn lookup(&self, module_offset: u32) -> Option<SourceLine> {
        // The spans are disjoint, so only the last one starting at or before the offset
        // can hold it.
        let after = self.lines.partition_point(|s| s.start <= module_offset);
        let span = self.lines[..after].last()?;
        (module_offset < span.end).then_some(span.loc)
    }

    /// The function whose code holds `module_offset`.
    /// Where ranges nest, the innermost (latest-starting) function is the answer.
    pub fn function_at(&self, module_offset: u32) -> Option<&DebugFunction> {
        let after = self.functions.partition_point(|f| f.range.start <= module_offset);
        (0..after)
            .rev()
            .take_while(|&i| self.function_reach[i] > module_offset)
            .map(|i| &self.functions[i])
            .find(|f| f.range.contains(&module_offset))
    }

    /// The path of `file` (joined from the compilation directory, the include directory and
    /// the file name; absolute when the DWARF gives enough). Empty for an id this info did
    /// not issue.
    pub fn file_name(&self, file: FileId) -> &str {
        self.files.get(file.0 as usize).map_or("", String::as_str)
    }

    /// All file paths, indexed by [`FileId`].
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The line table, sorted by start offset.
    pub fn lines(&self) -> &[LineSpan] {
        &self.lines
    }

    /// The functions, sorted by start offset.
    pub fn functions(&self) -> &[DebugFunction] {
        &self.functions
    }

    /// The module offset where the Code section's contents start (DWARF address 0).
    pub fn code_section_start(&self) -> u32 {
        self.code_start
    }

    /// Units or line programs that could not be read and were left out.
    pub fn skipped(&self) -> &[DebugError] {
        &self.skipped
    }
}

/// The Code section's contents as module offsets: DWARF address `a` is module offset
/// `start + a`, valid when `0 < a <= len` (0 is the function count, never code; `len` is
/// allowed as the end of a range).
#[derive(Clone, Copy, Debug)]
struct CodeBounds {
    start: u32,
    len: u32,
}

impl CodeBounds {
    /// The module offsets of the DWARF address range `begin..end`, when it is a non-empty
    /// range of real code (not a tombstone).
    fn convert(self, begin: u64, end: u64) -> Option<Range<u32>> {
        if begin == 0 || begin >= end || end > u64::from(self.len) {
            return None;
        }
        // Both fit: end <= len and start + len is the end of the section, a u32.
        Some(self.start + begin as u32..self.start + end as u32)
    }
}

/// Makes sorted spans disjoint: where two overlap (repeated or conflicting DWARF), the
/// later-starting one wins and the earlier one is cut short; spans left empty go.
fn make_disjoint(spans: &mut Vec<LineSpan>) {
    for i in 1..spans.len() {
        let next_start = spans[i].start;
        let prev = &mut spans[i - 1];
        prev.end = prev.end.min(next_start);
    }
    spans.retain(|s| s.start < s.end);
}

/// For each function (sorted by start), the furthest end among it and all before it: a
/// backwards scan for a covering function can stop once this is at or below the offset.
fn reach_of(functions: &[DebugFunction]) -> Vec<u32> {
    functions
        .iter()
        .scan(0, |reach, f| {
            *reach = (*reach).max(f.range.end);
            Some(*reach)
        })
        .collect()
}

/// Walks the module's sections: the Code section's content range and the `.debug_*`
/// custom sections. `None` for a component (its modules are not described here).
fn find_sections(bytes: &[u8]) -> Result<Option<RawSections<'_>>, DebugError> {
    let mut raw = RawSections { code: None, dwarf: HashMap::new() };
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| DebugError::Module(e.to_string()))? {
            Payload::Version { encoding: Encoding::Component, .. } => return Ok(None),
            Payload::CodeSectionStart { unchecked_range: r, .. } => {
                let (start, end) = (usize::try_from(r.start), usize::try_from(r.end));
                match (start, end) {
                    (Ok(start), Ok(end)) if start <= end && end <= bytes.len() => raw.code = Some(start..end),
                    _ => return Err(DebugError::Module("the Code section runs past the end of the module".into())),
                }
            }
            Payload::CustomSection(c) if c.name().starts_with(".debug_") => {
                raw.dwarf.entry(c.name()).or_insert(c.data());
            }
            _ => {}
        }
    }
    Ok(Some(raw))
}
