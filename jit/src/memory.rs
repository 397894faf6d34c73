//! Page-granular memory for machine code, with a W^X discipline.
//!
//! A [`CodeRegion`] is created read+write, filled by the linker, then sealed read+execute.
//! It is never writable and executable at the same time. The mapping is freed when the
//! region is dropped; callers must make sure no code in it can still run by then (the
//! module unregisters the region from the trap handler first, and `call` borrows the
//! module, so no call through `JitModule::call` can be in flight).

use std::io;
use std::ptr::NonNull;

/// The system page size.
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf only reads a system constant.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

/// An anonymous private mapping of whole pages.
pub(crate) struct CodeRegion {
    ptr: NonNull<u8>,
    len: usize,
    sealed: bool,
}

// SAFETY: the region owns its mapping exclusively; after sealing it is immutable, and
// before sealing it is only written through `&mut self`.
unsafe impl Send for CodeRegion {}
// SAFETY: shared references only read the (immutable after sealing) mapping's address.
unsafe impl Sync for CodeRegion {}

impl CodeRegion {
    /// Maps at least `size` bytes (rounded up to whole pages) read+write, filled with zeros.
    pub(crate) fn new(size: usize) -> io::Result<Self> {
        let page = page_size();
        let len = size.max(1).div_ceil(page) * page;
        // SAFETY: an anonymous private mapping at an address of the kernel's choice touches
        // no existing memory; the result is checked for MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Self { ptr, len, sealed: false })
    }

    /// The start address.
    pub(crate) fn base(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// The length in bytes (whole pages).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The contents, readable both before and after sealing (for the profilers, which
    /// record the code as linked).
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is `len` bytes, readable both while read+write and once
        // read+execute, owned by `self`; the shared borrow excludes `bytes_mut`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The contents, for writing before sealing.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        assert!(!self.sealed, "a sealed code region is never written again");
        // SAFETY: the mapping is `len` bytes, readable and writable while unsealed, and
        // owned exclusively by `self`, which is borrowed mutably here.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Makes the region read+execute; it cannot be written afterwards.
    pub(crate) fn seal(&mut self) -> io::Result<()> {
        // SAFETY: the range is exactly our own mapping; changing its protection affects no
        // other memory.
        let r = unsafe { libc::mprotect(self.ptr.as_ptr().cast(), self.len, libc::PROT_READ | libc::PROT_EXEC) };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        self.sealed = true;
        Ok(())
    }
}

impl Drop for CodeRegion {
    fn drop(&mut self) {
        // SAFETY: the range is our own mapping, unmapped once; the owner guarantees no code
        // in it runs any more (see the module doc).
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CodeRegion;

    /// The permissions (`rwxp` field) of the mapping holding `addr`, from the kernel's
    /// own record of this process's mappings (a neighbour with the same permissions may
    /// have been merged with it, hence "holding").
    fn permissions(addr: usize) -> String {
        let maps = std::fs::read_to_string("/proc/self/maps").expect("Linux lists the mappings");
        maps.lines()
            .find_map(|l| {
                let (range, rest) = l.split_once(' ')?;
                let (start, end) = range.split_once('-')?;
                let (start, end) = (usize::from_str_radix(start, 16).ok()?, usize::from_str_radix(end, 16).ok()?);
                (start <= addr && addr < end).then(|| rest.split(' ').next().unwrap_or("").to_string())
            })
            .expect("the region is mapped")
    }

    #[test]
    fn a_region_is_writable_then_executable_never_both() {
        let mut r = CodeRegion::new(3 * super::page_size()).unwrap();
        assert_eq!(&permissions(r.base())[..3], "rw-", "filled while read+write");
        r.bytes_mut()[0] = 0xc3;
        r.seal().unwrap();
        assert_eq!(&permissions(r.base())[..3], "r-x", "run while read+execute, no longer writable");
    }
}
