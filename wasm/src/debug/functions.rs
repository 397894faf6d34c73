//! The functions: each `DW_TAG_subprogram` that has a name and code, as a
//! [`DebugFunction`] over module offsets.
//!
//! Input: a unit's DIE tree. Output: functions, one per code range, for the caller to sort.
//!
//! The name is `DW_AT_name` (what gdb shows for a C function), or that of the DIE named by
//! `DW_AT_specification`/`DW_AT_abstract_origin` in the same unit when the subprogram has
//! none. Inlined copies (`DW_TAG_inlined_subroutine`) are not functions here. Ranges at a
//! tombstone address (dead code) are dropped, see [`CodeBounds::convert`].

use super::files::UnitFiles;
use super::{CodeBounds, DebugFunction, Reader};
use gimli::{AttributeValue, DebuggingInformationEntry, UnitRef, constants};

/// The functions of `unit`.
pub(super) fn read_unit<'a>(
    bounds: &CodeBounds,
    unit: UnitRef<'_, Reader<'a>>,
    files: &mut UnitFiles<'_, '_, 'a>,
) -> gimli::Result<Vec<DebugFunction>> {
    let mut out = Vec::new();
    let mut entries = unit.entries();
    while let Some(entry) = entries.next_dfs()? {
        if entry.tag() != constants::DW_TAG_subprogram {
            continue;
        }
        let ranges: Vec<_> = code_ranges(unit, entry)?.into_iter().filter_map(|(b, e)| bounds.convert(b, e)).collect();
        if ranges.is_empty() {
            continue;
        }
        let Some(name) = name_of(unit, entry)? else { continue };
        // A declaration file that does not resolve costs only that attribute: the
        // function's name and code are what a debugger needs most.
        let decl_file = match entry.attr_value(constants::DW_AT_decl_file) {
            Some(AttributeValue::FileIndex(index)) => Some(index),
            Some(other) => other.udata_value(),
            None => None,
        }
        .and_then(|index| files.unit_file(index).ok().flatten());
        let decl_line = entry
            .attr_value(constants::DW_AT_decl_line)
            .and_then(|v| v.udata_value())
            .map_or(0, |l| u32::try_from(l).unwrap_or(u32::MAX));
        for range in ranges {
            out.push(DebugFunction { range, name: name.clone(), decl_file, decl_line });
        }
    }
    Ok(out)
}

/// The DWARF address ranges of a DIE: `DW_AT_ranges`, or `DW_AT_low_pc` with
/// `DW_AT_high_pc` (an address, or a size from `low_pc`). A range whose end would overflow
/// is left out rather than wrapped.
fn code_ranges<'a>(
    unit: UnitRef<'_, Reader<'a>>,
    entry: &DebuggingInformationEntry<Reader<'a>>,
) -> gimli::Result<Vec<(u64, u64)>> {
    if let Some(value) = entry.attr_value(constants::DW_AT_ranges)
        && let Some(mut list) = unit.attr_ranges(value)?
    {
        let mut out = Vec::new();
        while let Some(r) = list.next()? {
            out.push((r.begin, r.end));
        }
        return Ok(out);
    }
    let Some(low) = entry.attr_value(constants::DW_AT_low_pc) else { return Ok(Vec::new()) };
    let Some(low) = unit.attr_address(low)? else { return Ok(Vec::new()) };
    let high = match entry.attr_value(constants::DW_AT_high_pc) {
        Some(AttributeValue::Udata(size)) => low.checked_add(size),
        Some(other) => match unit.attr_address(other)? {
            Some(address) => Some(address),
            None => other.udata_value().and_then(|size| low.checked_add(size)),
        },
        None => None,
    };
    Ok(high.map(|high| vec![(low, high)]).unwrap_or_default())
}

/// The subprogram's name, looking through one `DW_AT_specification` or
/// `DW_AT_abstract_origin` within the unit.
fn name_of<'a>(
    unit: UnitRef<'_, Reader<'a>>,
    entry: &DebuggingInformationEntry<Reader<'a>>,
) -> gimli::Result<Option<String>> {
    if let Some(name) = entry.attr_value(constants::DW_AT_name) {
        return Ok(Some(unit.attr_string(name)?.to_string_lossy().into_owned()));
    }
    for link in [constants::DW_AT_specification, constants::DW_AT_abstract_origin] {
        if let Some(AttributeValue::UnitRef(offset)) = entry.attr_value(link)
            && let Some(name) = unit.entry(offset)?.attr_value(constants::DW_AT_name)
        {
            return Ok(Some(unit.attr_string(name)?.to_string_lossy().into_owned()));
        }
    }
    Ok(None)
}
