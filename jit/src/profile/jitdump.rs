//! jitdump: perf's binary format for JIT code (`tools/perf/Documentation/
//! jitdump-specification.txt` in Linux), in the file `jit-<pid>.dump`.
//!
//! Layout, all fields in the host's byte order (the magic tells a reader which):
//! - a file header: magic `0x4A695444` ("JiTD"), version 1, header size, ELF machine,
//!   padding, pid, creation timestamp, flags (0: timestamps are `CLOCK_MONOTONIC`, what
//!   `perf record -k 1` uses);
//! - then records, each a header (id, total size, timestamp) and its payload; this writer
//!   emits `JIT_CODE_LOAD` (id 0): pid, tid, virtual address, code address, code size,
//!   a load index unique in the file, the NUL-terminated name, then the code bytes.
//!
//! perf finds the file because the writer maps it once, readable and executable: the
//! mapping shows up as an `MMAP` event in `perf record`'s data, which `perf inject --jit`
//! follows to the file. The mapping is never read; it lasts as long as the writer, which
//! lives until the process ends (see the parent module).

use super::CodeRecord;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::Mutex;

/// "JiTD" read as a host-order `u32`.
pub(super) const MAGIC: u32 = 0x4A69_5444;
/// The format version.
pub(super) const VERSION: u32 = 1;
/// Bytes in the file header.
pub(super) const HEADER_SIZE: u32 = 40;
/// The record id of `JIT_CODE_LOAD`.
pub(super) const JIT_CODE_LOAD: u32 = 0;
/// Bytes of a record header (id, total size, timestamp).
pub(super) const RECORD_HEADER_SIZE: usize = 16;
/// Bytes of a `JIT_CODE_LOAD` payload before the name.
pub(super) const LOAD_FIXED_SIZE: usize = 40;
/// The ELF machine of the host (`EM_X86_64`).
#[cfg(target_arch = "x86_64")]
pub(super) const ELF_MACHINE: u32 = 62;

/// The file name perf expects.
pub(super) fn file_name(pid: u32) -> String {
    format!("jit-{pid}.dump")
}

/// An open jitdump file.
pub(super) struct JitDump {
    state: Mutex<State>,
    pid: u32,
}

struct State {
    file: File,
    /// The next `code_index`.
    next_index: u64,
    /// Kept for its lifetime: perf must see the mapping.
    _marker: Marker,
}

/// The read+execute mapping of the file's first page.
struct Marker {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is never read or written through `ptr`; it is only unmapped, once,
// by the owner.
unsafe impl Send for Marker {}

impl Drop for Marker {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly the mapping `JitDump::create` made, unmapped
        // only here.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

impl JitDump {
    /// Creates (or truncates) the file, writes the header and maps it.
    pub(super) fn create(path: &Path, pid: u32) -> io::Result<JitDump> {
        // Read access too: mapping a file needs it.
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
        let mut header = Vec::with_capacity(HEADER_SIZE as usize);
        for word in [MAGIC, VERSION, HEADER_SIZE, ELF_MACHINE, 0, pid] {
            header.extend_from_slice(&word.to_ne_bytes());
        }
        header.extend_from_slice(&monotonic_ns().to_ne_bytes());
        header.extend_from_slice(&0u64.to_ne_bytes());
        debug_assert_eq!(header.len(), HEADER_SIZE as usize);
        file.write_all(&header)?;
        file.flush()?;
        let len = crate::memory::page_size();
        // SAFETY: a new private mapping at an address of the kernel's choice, of a file we
        // opened for reading; it touches no existing memory and is never accessed (the
        // file may be shorter than the page; only touching the part past its end would
        // fault). The result is checked for MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_EXEC,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(JitDump { state: Mutex::new(State { file, next_index: 0, _marker: Marker { ptr, len } }), pid })
    }

    /// Appends one `JIT_CODE_LOAD` record per function, in one write.
    pub(super) fn write(&self, records: &[CodeRecord<'_>]) -> io::Result<()> {
        let tid = thread_id();
        let timestamp = monotonic_ns();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut bytes = Vec::new();
        for r in records {
            let total = RECORD_HEADER_SIZE + LOAD_FIXED_SIZE + r.name.len() + 1 + r.code.len();
            let total = u32::try_from(total).map_err(|_| io::Error::other("a function over 4 GiB"))?;
            bytes.extend_from_slice(&JIT_CODE_LOAD.to_ne_bytes());
            bytes.extend_from_slice(&total.to_ne_bytes());
            bytes.extend_from_slice(&timestamp.to_ne_bytes());
            bytes.extend_from_slice(&self.pid.to_ne_bytes());
            bytes.extend_from_slice(&tid.to_ne_bytes());
            let (address, size) = (r.address as u64, r.code.len() as u64);
            // The virtual address and the code address are the same: the code runs where
            // it was written.
            for field in [address, address, size, state.next_index] {
                bytes.extend_from_slice(&field.to_ne_bytes());
            }
            bytes.extend_from_slice(r.name.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(r.code);
            state.next_index += 1;
        }
        state.file.write_all(&bytes)?;
        state.file.flush()
    }
}

/// `CLOCK_MONOTONIC` in nanoseconds: the clock `perf record -k 1` stamps samples with, so
/// perf can order code loads against samples.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    debug_assert_eq!(r, 0, "CLOCK_MONOTONIC is always readable");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// The calling thread's kernel id.
fn thread_id() -> u32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() as u32 }
}

#[cfg(test)]
mod tests {
    use super::super::ProfilingStrategy;
    use super::super::test_util::{NAMES, fresh_dir, two_functions};
    use super::*;

    /// A `JIT_CODE_LOAD` record read back.
    #[derive(Debug)]
    struct Load {
        timestamp: u64,
        pid: u32,
        tid: u32,
        vma: u64,
        code_addr: u64,
        index: u64,
        name: String,
        code: Vec<u8>,
    }

    /// Reads fields in the host byte order the writer used.
    struct Reader<'a>(&'a [u8]);

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> &[u8] {
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            head
        }
        fn u32(&mut self) -> u32 {
            u32::from_ne_bytes(self.take(4).try_into().unwrap())
        }
        fn u64(&mut self) -> u64 {
            u64::from_ne_bytes(self.take(8).try_into().unwrap())
        }
    }

    #[test]
    fn finalize_writes_a_header_and_a_load_record_per_function() {
        let before = monotonic_ns();
        let dir = fresh_dir("jitdump");
        let (m, ids) = two_functions(ProfilingStrategy::JitDump, &dir);
        let bytes = std::fs::read(dir.join(file_name(std::process::id()))).unwrap();
        let mut r = Reader(&bytes);

        assert_eq!(r.u32(), MAGIC);
        assert_eq!(r.u32(), VERSION);
        assert_eq!(r.u32(), HEADER_SIZE);
        assert_eq!(r.u32(), 62, "EM_X86_64");
        assert_eq!(r.u32(), 0, "padding");
        assert_eq!(r.u32(), std::process::id());
        let created = r.u64();
        assert!(created >= before && created <= monotonic_ns());
        assert_eq!(r.u64(), 0, "flags");

        let mut loads = Vec::new();
        while !r.0.is_empty() {
            assert_eq!(r.u32(), JIT_CODE_LOAD);
            let total = r.u32() as usize;
            let mut rec = Reader(r.take(total - 8));
            let timestamp = rec.u64();
            let (pid, tid) = (rec.u32(), rec.u32());
            let (vma, code_addr, size, index) = (rec.u64(), rec.u64(), rec.u64(), rec.u64());
            let nul = rec.0.iter().position(|&b| b == 0).expect("a NUL-terminated name");
            let name = String::from_utf8(rec.take(nul).to_vec()).unwrap();
            rec.take(1);
            let code = rec.take(size as usize).to_vec();
            assert!(rec.0.is_empty(), "total_size covers exactly the record");
            loads.push(Load { timestamp, pid, tid, vma, code_addr, index, name, code });
        }
        // The two functions (one finalize), then the entry trampoline `call` placed.
        assert_eq!(loads.len(), 3, "{loads:?}");
        let expected: [&[u8]; 2] = [&[0xb8, 7, 0, 0, 0, 0xc3], &[0x8d, 0x47, 0x01, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x90]];
        for (i, (load, id)) in loads.iter().zip(ids).enumerate() {
            let address = m.function_address(id).unwrap() as u64;
            assert_eq!((load.vma, load.code_addr), (address, address), "{load:?}");
            assert_eq!(load.name, NAMES[i]);
            assert_eq!(load.code, expected[i]);
            assert_eq!(load.index, i as u64);
            assert_eq!(load.pid, std::process::id());
            assert_eq!(load.tid, thread_id(), "the test thread finalized");
            assert!(load.timestamp >= created);
        }
        assert_eq!(loads[2].name, "lathe_entry_(i32) -> i32 system_v");
        assert_eq!(loads[2].index, 2);
        assert!(!loads[2].code.is_empty() && loads[2].timestamp >= loads[1].timestamp);
        drop(m);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
