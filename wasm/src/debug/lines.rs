//! The line table: every row of a unit's line program, turned into [`LineSpan`]s over
//! module offsets.
//!
//! Input: a unit's line program (from `DW_AT_stmt_list`). Output: spans, one per row that
//! covers at least one byte, for the caller to sort and merge across units.
//!
//! A row covers the addresses from its own up to the next row of the same sequence; the
//! `end_sequence` row only ends the last range. Rows at the same address collapse to the
//! last one (the empty ranges before it are dropped), which is the row a debugger uses.
//! A whole sequence is dropped when it starts at address 0 or ends past the Code section:
//! that is dead code the linker gave a tombstone address (gimli already skips sequences at
//! the `-1` tombstone), and its rows would otherwise shadow live code.

use super::files::UnitFiles;
use super::{CodeBounds, LineSpan, Reader, SourceLine};
use gimli::{ColumnType, UnitRef};

/// The spans of `unit`'s line program (none without one).
pub(super) fn read_unit<'a>(
    bounds: &CodeBounds,
    unit: UnitRef<'_, Reader<'a>>,
    files: &mut UnitFiles<'_, '_, 'a>,
) -> gimli::Result<Vec<LineSpan>> {
    let Some(program) = unit.line_program.clone() else { return Ok(Vec::new()) };
    let mut rows = program.rows();
    let mut spans = Vec::new();
    // The rows of the sequence being read: its address and position (None for a row
    // naming a file the header lacks; it still ends the range before it).
    let mut sequence: Vec<(u64, Option<SourceLine>)> = Vec::new();
    while let Some((header, row)) = rows.next_row()? {
        if row.end_sequence() {
            close_sequence(bounds, &sequence, row.address(), &mut spans);
            sequence.clear();
            continue;
        }
        let loc = files.file(header, row.file_index())?.map(|file| SourceLine {
            file,
            line: row.line().map_or(0, |l| saturate(l.get())),
            column: match row.column() {
                ColumnType::LeftEdge => 0,
                ColumnType::Column(c) => saturate(c.get()),
            },
        });
        sequence.push((row.address(), loc));
    }
    // A program that stops without `end_sequence` gives no end for its last rows: they
    // are left out, as a debugger would.
    Ok(spans)
}

/// Turns the rows of one sequence, ending at `end`, into spans.
fn close_sequence(bounds: &CodeBounds, rows: &[(u64, Option<SourceLine>)], end: u64, spans: &mut Vec<LineSpan>) {
    let Some(&(first, _)) = rows.first() else { return };
    if first == 0 || end > u64::from(bounds.len) {
        return;
    }
    let ends = rows.iter().skip(1).map(|&(addr, _)| addr).chain(std::iter::once(end));
    for (&(begin, loc), stop) in rows.iter().zip(ends) {
        if let (Some(loc), Some(range)) = (loc, bounds.convert(begin, stop)) {
            spans.push(LineSpan { start: range.start, end: range.end, loc });
        }
    }
}

fn saturate(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}
