//! Source file paths: a line program's file entries turned into full paths, deduplicated
//! across units into [`FileId`]s.
//!
//! Input: a unit (its `DW_AT_comp_dir`) and its line program header (include directories
//! and file entries), from `lines` (row files) and `functions` (`DW_AT_decl_file`).
//! Output: a [`FileId`] per (unit, file index), and at the end the path of each id.
//!
//! Paths are joined the way a debugger resolves them: an absolute file name stands alone,
//! otherwise it goes under its directory, and a relative directory goes under the
//! compilation directory. Nothing is normalised (`./` stays), so the paths read as the
//! compiler wrote them.

use super::{FileId, Reader};
use gimli::{AttributeValue, UnitRef};
use std::collections::HashMap;

/// Every path seen so far, once each.
#[derive(Default)]
pub(super) struct FileTable {
    paths: Vec<String>,
    ids: HashMap<String, FileId>,
}

impl FileTable {
    /// A view for resolving the file indices of `unit`.
    pub(super) fn for_unit<'t, 'u, 'a>(&'t mut self, unit: UnitRef<'u, Reader<'a>>) -> UnitFiles<'t, 'u, 'a> {
        UnitFiles { table: self, unit, cache: HashMap::new() }
    }

    /// The paths, indexed by [`FileId`].
    pub(super) fn into_paths(self) -> Vec<String> {
        self.paths
    }

    fn intern(&mut self, path: String) -> FileId {
        if let Some(&id) = self.ids.get(&path) {
            return id;
        }
        let id = FileId(self.paths.len() as u32);
        self.paths.push(path.clone());
        self.ids.insert(path, id);
        id
    }
}

/// File-index resolution for one unit, cached per index.
pub(super) struct UnitFiles<'t, 'u, 'a> {
    table: &'t mut FileTable,
    unit: UnitRef<'u, Reader<'a>>,
    cache: HashMap<u64, Option<FileId>>,
}

impl<'a> UnitFiles<'_, '_, 'a> {
    /// The file with index `index` in the unit's line program header, `None` when the
    /// unit has no line program or no such entry.
    pub(super) fn file(
        &mut self,
        header: &gimli::LineProgramHeader<Reader<'a>>,
        index: u64,
    ) -> gimli::Result<Option<FileId>> {
        if let Some(&id) = self.cache.get(&index) {
            return Ok(id);
        }
        let id = match self.path(header, index)? {
            Some(path) => Some(self.table.intern(path)),
            None => None,
        };
        self.cache.insert(index, id);
        Ok(id)
    }

    /// [`Self::file`] against the unit's own line program header (for `DW_AT_decl_file`).
    pub(super) fn unit_file(&mut self, index: u64) -> gimli::Result<Option<FileId>> {
        let unit = self.unit;
        match &unit.line_program {
            Some(program) => self.file(program.header(), index),
            None => Ok(None),
        }
    }

    fn path(&self, header: &gimli::LineProgramHeader<Reader<'a>>, index: u64) -> gimli::Result<Option<String>> {
        let Some(entry) = header.file(index) else { return Ok(None) };
        let name = self.string(entry.path_name())?;
        if is_absolute(&name) {
            return Ok(Some(name));
        }
        let dir = match entry.directory(header) {
            Some(dir) => self.string(dir)?,
            None => String::new(),
        };
        // Directory 0 is the compilation directory itself (DWARF 4 leaves it implicit,
        // DWARF 5 repeats it); others are relative to it unless absolute.
        let comp_dir = self.unit.comp_dir.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
        let base = if entry.directory_index() == 0 || is_absolute(&dir) { dir } else { join(&comp_dir, &dir) };
        Ok(Some(join(&base, &name)))
    }

    fn string(&self, value: AttributeValue<Reader<'a>>) -> gimli::Result<String> {
        Ok(self.unit.attr_string(value)?.to_string_lossy().into_owned())
    }
}

fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
}

/// `dir/name`, or `name` alone when `dir` is empty.
fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        _ if dir.ends_with('/') => format!("{dir}{name}"),
        _ => format!("{dir}/{name}"),
    }
}
