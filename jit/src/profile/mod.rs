//! Telling profilers where JIT code is, so that samples in it get function names.
//!
//! Linux `perf` sees JIT code as anonymous memory. Two conventions of perf's name it:
//! - a perf map (`perfmap`): the text file `/tmp/perf-<pid>.map`, one line per function
//!   with its start, size and name; `perf report` reads it after the run;
//! - jitdump (`jitdump`): the binary file `jit-<pid>.dump`, one record per function with
//!   its address, size, name and machine code; `perf inject --jit` turns it into ELF
//!   images, so `perf annotate` shows the instructions.
//!
//! Input: [`JitModule`](crate::JitModule) reports every function it places (its finalized
//! functions and its entry trampolines) as a `CodeRecord` right after the region is
//! sealed, with the bytes as they run (relocations applied). Output: the file of the
//! chosen [`ProfilingStrategy`].
//!
//! Invariant: there is one file per process and path, shared by every module and
//! [`Profiler`] that names it (perf reads exactly one file per pid); it is opened once,
//! truncated then (a file left by an earlier process with a recycled pid would name the
//! wrong code), and stays open until the process ends, because perf reads it after the
//! code is gone. Each report is written whole under the file's lock, so the lines or
//! records of concurrent finalizes never interleave.

mod jitdump;
mod perfmap;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// Which profiler a [`JitModule`](crate::JitModule) reports its code to.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProfilingStrategy {
    /// No reporting (the default).
    #[default]
    None,
    /// Lines `START SIZE name` in `/tmp/perf-<pid>.map`, for `perf report`.
    PerfMap,
    /// perf's jitdump format in `jit-<pid>.dump` (current directory by default), for
    /// `perf record -k 1` then `perf inject --jit` and `perf annotate`.
    JitDump,
}

impl ProfilingStrategy {
    /// The spellings [`FromStr`] accepts, in the order of the variants (as `wasmtime run
    /// --profile` spells them).
    pub const NAMES: [&'static str; 3] = ["none", "perfmap", "jitdump"];
}

impl fmt::Display for ProfilingStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = match self {
            ProfilingStrategy::None => 0,
            ProfilingStrategy::PerfMap => 1,
            ProfilingStrategy::JitDump => 2,
        };
        f.write_str(Self::NAMES[i])
    }
}

impl FromStr for ProfilingStrategy {
    type Err = ProfileError;

    fn from_str(s: &str) -> Result<Self, ProfileError> {
        [ProfilingStrategy::None, ProfilingStrategy::PerfMap, ProfilingStrategy::JitDump]
            .into_iter()
            .find(|p| p.to_string() == s)
            .ok_or_else(|| ProfileError::UnknownStrategy(s.to_string()))
    }
}

/// Errors of the profiler files.
#[derive(thiserror::Error, Debug)]
pub enum ProfileError {
    /// A strategy name that is not one of [`ProfilingStrategy::NAMES`].
    #[error("unknown profiling strategy {0:?} (expected none, perfmap or jitdump)")]
    UnknownStrategy(String),
    /// Creating, mapping or writing a profiler file failed.
    #[error("profiler file {}: {source}", path.display())]
    Io {
        /// The file (or the directory it was to be made in).
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
}

/// One function in executable memory, as a profiler is told of it.
pub(crate) struct CodeRecord<'a> {
    /// The entry address.
    pub address: usize,
    /// The machine code as placed (its length is the function's size).
    pub code: &'a [u8],
    /// The display name, one line with no NUL (see [`CodeRecord::new`]).
    pub name: String,
}

impl<'a> CodeRecord<'a> {
    /// A record; control characters in `name` (a Wasm name section may hold any text)
    /// become `?`, since a perf map line ends at a newline and a jitdump name at a NUL.
    pub(crate) fn new(address: usize, code: &'a [u8], name: &str) -> Self {
        let name = name.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
        CodeRecord { address, code, name }
    }
}

/// An open profiler file.
enum Sink {
    PerfMap(perfmap::PerfMap),
    JitDump(jitdump::JitDump),
}

/// A handle on the profiler file code is reported to; cheap to clone and shared by any
/// number of modules and threads. The default reports nothing.
#[derive(Clone, Default)]
pub struct Profiler {
    sink: Option<(ProfilingStrategy, PathBuf, Arc<Sink>)>,
}

impl fmt::Debug for Profiler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profiler").field("strategy", &self.strategy()).field("path", &self.path()).finish()
    }
}

/// The files opened in this process, by path (see the module doc for why they stay open).
static OPEN: Mutex<Option<HashMap<PathBuf, Arc<Sink>>>> = Mutex::new(None);

impl Profiler {
    /// A profiler writing where perf looks by default: `/tmp/perf-<pid>.map` for
    /// [`PerfMap`](ProfilingStrategy::PerfMap), `jit-<pid>.dump` in the current directory
    /// for [`JitDump`](ProfilingStrategy::JitDump).
    pub fn new(strategy: ProfilingStrategy) -> Result<Profiler, ProfileError> {
        match strategy {
            ProfilingStrategy::None => Ok(Profiler::default()),
            ProfilingStrategy::PerfMap => Profiler::in_dir(strategy, Path::new("/tmp")),
            ProfilingStrategy::JitDump => Profiler::in_dir(strategy, Path::new(".")),
        }
    }

    /// A profiler writing its file (named as perf expects) in `dir` instead: for tests,
    /// and for a jitdump directory chosen by the user.
    pub fn in_dir(strategy: ProfilingStrategy, dir: &Path) -> Result<Profiler, ProfileError> {
        let pid = std::process::id();
        let file = match strategy {
            ProfilingStrategy::None => return Ok(Profiler::default()),
            ProfilingStrategy::PerfMap => perfmap::file_name(pid),
            ProfilingStrategy::JitDump => jitdump::file_name(pid),
        };
        // One key per file however the directory is spelled.
        let dir = std::fs::canonicalize(dir).map_err(|source| ProfileError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(file);
        let mut open = OPEN.lock().unwrap_or_else(|e| e.into_inner());
        let files = open.get_or_insert_with(HashMap::new);
        let sink = match files.get(&path) {
            Some(sink) => sink.clone(),
            None => {
                let io = |source| ProfileError::Io { path: path.clone(), source };
                let sink = Arc::new(match strategy {
                    ProfilingStrategy::PerfMap => Sink::PerfMap(perfmap::PerfMap::create(&path).map_err(io)?),
                    _ => Sink::JitDump(jitdump::JitDump::create(&path, pid).map_err(io)?),
                });
                files.insert(path.clone(), sink.clone());
                sink
            }
        };
        Ok(Profiler { sink: Some((strategy, path, sink)) })
    }

    /// The strategy this profiler follows.
    pub fn strategy(&self) -> ProfilingStrategy {
        self.sink.as_ref().map_or(ProfilingStrategy::None, |s| s.0)
    }

    /// The file it writes, if any.
    pub fn path(&self) -> Option<&Path> {
        self.sink.as_ref().map(|s| s.1.as_path())
    }

    /// Whether reports go anywhere (callers skip building records otherwise).
    pub(crate) fn is_enabled(&self) -> bool {
        self.sink.is_some()
    }

    /// Writes `records` to the file and flushes it.
    pub(crate) fn report(&self, records: &[CodeRecord<'_>]) -> Result<(), ProfileError> {
        let Some((_, path, sink)) = &self.sink else { return Ok(()) };
        let written = match &**sink {
            Sink::PerfMap(m) => m.write(records),
            Sink::JitDump(d) => d.write(records),
        };
        written.map_err(|source| ProfileError::Io { path: path.clone(), source })
    }
}

/// Helpers for the tests of both formats: a fresh directory per test, and modules placed
/// with a profiler in it.
#[cfg(test)]
pub(crate) mod test_util {
    use super::{Profiler, ProfilingStrategy};
    use crate::{FuncId, JitModule};
    use lathe_codegen::ir::{AbiParam, CallConv, ExternalName, Signature, types};
    use lathe_codegen::machinst::CompiledCode;
    use std::path::PathBuf;

    /// An empty directory of this test's own, removed by the caller.
    pub fn fresh_dir(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lathe-profile-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
        dir
    }

    /// A module reporting to `strategy`'s file in `dir`, with two functions defined under
    /// display names (`mov eax, 7; ret` and `lea eax, [rdi+1]; ret`, padded differently so
    /// their sizes differ) and finalized; also calls the second, which places an entry
    /// trampoline.
    pub fn two_functions(strategy: ProfilingStrategy, dir: &std::path::Path) -> (JitModule, [FuncId; 2]) {
        let profiler = Profiler::in_dir(strategy, dir).expect("the profiler file opens");
        let mut m = JitModule::new();
        m.set_profiler(profiler);
        let code = |bytes: &[u8]| CompiledCode { code: bytes.to_vec(), alignment: 16, ..Default::default() };
        let sig = |params: usize| Signature {
            params: vec![AbiParam::new(types::I32); params],
            returns: vec![AbiParam::new(types::I32)],
            call_conv: CallConv::SystemV,
        };
        let seven = m
            .define_function_named(
                ExternalName::TestCase("seven".into()),
                "wasm seven",
                &code(&[0xb8, 7, 0, 0, 0, 0xc3]),
                &sig(0),
            )
            .unwrap();
        let inc = m
            .define_function_named(
                ExternalName::TestCase("inc".into()),
                "inc\nwith a newline",
                &code(&[0x8d, 0x47, 0x01, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x90]),
                &sig(1),
            )
            .unwrap();
        m.finalize().unwrap();
        let args = [lathe_codegen::data_value::DataValue::I32(41)];
        let out = m.call(inc, &args).unwrap();
        assert_eq!(out, crate::CallOutcome::Return(vec![lathe_codegen::data_value::DataValue::I32(42)]));
        (m, [seven, inc])
    }

    /// The names `two_functions` gives, as the files must show them.
    pub const NAMES: [&str; 2] = ["wasm seven", "inc?with a newline"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_names_round_trip() {
        for name in ProfilingStrategy::NAMES {
            assert_eq!(name.parse::<ProfilingStrategy>().unwrap().to_string(), name);
        }
        assert!(matches!("vtune".parse::<ProfilingStrategy>(), Err(ProfileError::UnknownStrategy(s)) if s == "vtune"));
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let dir = test_util::fresh_dir("missing").join("not-there");
        let err = Profiler::in_dir(ProfilingStrategy::PerfMap, &dir).unwrap_err();
        assert!(matches!(&err, ProfileError::Io { path, .. } if *path == dir), "{err}");
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn profilers_of_one_path_share_the_file() {
        let dir = test_util::fresh_dir("shared");
        let a = Profiler::in_dir(ProfilingStrategy::PerfMap, &dir).unwrap();
        let b = Profiler::in_dir(ProfilingStrategy::PerfMap, &dir.join(".")).unwrap();
        assert_eq!(a.path(), b.path());
        a.report(&[CodeRecord::new(0x1000, &[0xc3], "one")]).unwrap();
        b.report(&[CodeRecord::new(0x2000, &[0xc3, 0xc3], "two")]).unwrap();
        let text = std::fs::read_to_string(a.path().unwrap()).unwrap();
        assert_eq!(text, "1000 1 one\n2000 2 two\n");
        assert_eq!(Profiler::default().strategy(), ProfilingStrategy::None);
        assert!(Profiler::default().path().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
