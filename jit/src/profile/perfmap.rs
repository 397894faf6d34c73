//! The perf map: `perf-<pid>.map`, a text file with one line `START SIZE name` per function
//! (start and size in hexadecimal without `0x`, the name the rest of the line), as perf's
//! `jit-interface.txt` describes. `perf report` reads it after the run to name samples in
//! anonymous executable memory.

use super::CodeRecord;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::Mutex;

/// The file name perf looks for under `/tmp`.
pub(super) fn file_name(pid: u32) -> String {
    format!("perf-{pid}.map")
}

/// An open perf map.
pub(super) struct PerfMap {
    file: Mutex<File>,
}

impl PerfMap {
    /// Creates (or truncates) the file.
    pub(super) fn create(path: &Path) -> io::Result<PerfMap> {
        Ok(PerfMap { file: Mutex::new(File::create(path)?) })
    }

    /// Appends one line per record, in one write.
    pub(super) fn write(&self, records: &[CodeRecord<'_>]) -> io::Result<()> {
        let mut text = String::new();
        for r in records {
            writeln!(text, "{:x} {:x} {}", r.address, r.code.len(), r.name).expect("writing to a String");
        }
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(text.as_bytes())?;
        file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::super::ProfilingStrategy;
    use super::super::test_util::{NAMES, fresh_dir, two_functions};

    /// The lines of the map, parsed back: start, size, name.
    fn parse(text: &str) -> Vec<(usize, usize, String)> {
        text.lines()
            .map(|line| {
                let mut fields = line.splitn(3, ' ');
                let mut hex = || usize::from_str_radix(fields.next().expect("a field"), 16).expect("hex");
                let (start, size) = (hex(), hex());
                (start, size, fields.next().expect("a name").to_string())
            })
            .collect()
    }

    #[test]
    fn finalize_writes_each_function_with_its_address_size_and_name() {
        let dir = fresh_dir("perfmap");
        let (m, ids) = two_functions(ProfilingStrategy::PerfMap, &dir);
        let text = std::fs::read_to_string(dir.join(super::file_name(std::process::id()))).unwrap();
        let lines = parse(&text);
        // The two functions (in one finalize), then the entry trampoline `call` placed.
        assert_eq!(lines.len(), 3, "{text}");
        for ((id, name), size) in ids.iter().zip(NAMES).zip([6, 9]) {
            let address = m.function_address(*id).unwrap() as usize;
            assert!(lines.contains(&(address, size, name.to_string())), "{name} at {address:x} in:\n{text}");
            assert!(text.contains(&format!("{address:x} {size:x} {name}\n")), "{text}");
        }
        let entry = &lines[2];
        assert_eq!(entry.2, "lathe_entry_(i32) -> i32 system_v", "{text}");
        assert!(entry.1 > 0 && !ids.iter().any(|&id| m.function_address(id).unwrap() as usize == entry.0));
        drop(m);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
