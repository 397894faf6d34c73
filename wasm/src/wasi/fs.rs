//! The file system a WASI guest reaches: directories the host grants (preopens) and the
//! files and directories opened beneath them, as a table of descriptors.
//!
//! Capability rule: every path a guest names is resolved beneath a directory descriptor it
//! holds, by the kernel, with `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`: `..` past
//! the directory, absolute paths, and symbolic links (absolute, or relative ones that
//! climb out) fail with `EXDEV` at any depth, and the kernel's check holds against
//! concurrent renames. Operations on a path's last component (create a directory, unlink,
//! rename, stat without following) first open its parent that way, then act on a single
//! name relative to the parent, which cannot be `..`, `.` or contain `/`. So nothing
//! outside a granted directory is opened, changed or even stat'ed. Rights: each operation
//! names the right it needs when it reaches its descriptor ([`Fds::entry`]); a read-only
//! preopen (and everything opened beneath it) lacks the rights that write.
//!
//! Errors are WASI errno values ([`Errno`]); host errors map through [`errno_of`].

use super::errno::*;
use super::fds::*;
use super::rights;
use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirEntryExt, FileExt, FileTypeExt, MetadataExt};

/// `path_open`'s open flags.
pub const OFLAGS_CREAT: u16 = 1;
pub const OFLAGS_DIRECTORY: u16 = 2;
pub const OFLAGS_EXCL: u16 = 4;
pub const OFLAGS_TRUNC: u16 = 8;
/// Follow a final symbolic link (`lookupflags`).
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

fn cstr(name: &[u8]) -> Result<CString, Errno> {
    CString::new(name).map_err(|_| EINVAL)
}

/// `openat2(dir, path, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`.
fn open_beneath(dir: &OwnedFd, path: &[u8], flags: i32, mode: u32, follow: bool) -> Result<OwnedFd, Errno> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    let c = cstr(path)?;
    // SAFETY: `open_how` is plain integers, for which all zeros is a valid value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64 | if follow { 0 } else { libc::O_NOFOLLOW as u64 };
    how.mode = if flags & libc::O_CREAT != 0 { u64::from(mode) } else { 0 };
    how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
    // SAFETY: `c` is a NUL-terminated string and `how` a valid `open_how` that live across
    // the call; the kernel returns a new descriptor or -1.
    let r = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            c.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if r < 0 {
        return Err(last());
    }
    // SAFETY: the kernel just returned this descriptor, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(r as i32) })
}

/// Splits a guest path into its parent (opened beneath `dir`) and its last component,
/// which is a plain name (never empty, `.`, `..`, or containing `/`).
fn parent_and_name(dir: &OwnedFd, path: &[u8]) -> Result<(OwnedFd, CString), Errno> {
    let trimmed = {
        let mut p = path;
        while p.len() > 1 && p.ends_with(b"/") {
            p = &p[..p.len() - 1];
        }
        p
    };
    let (parent, name) = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(k) => (&trimmed[..k.max(1)], &trimmed[k + 1..]),
        None => (&b"."[..], trimmed),
    };
    if name.is_empty() || name == b"." || name == b".." {
        return Err(if name == b".." { ENOTCAPABLE } else { EINVAL });
    }
    let parent_fd = open_beneath(dir, parent, libc::O_PATH | libc::O_DIRECTORY, 0, true)?;
    Ok((parent_fd, cstr(name)?))
}

fn last_error<T>() -> Result<T, Errno> {
    Err(last())
}

/// The WASI `filestat` (64 bytes) of host metadata.
pub fn filestat_bytes(m: &std::fs::Metadata) -> [u8; 64] {
    let mut b = [0u8; 64];
    let ft = m.file_type();
    let kind = if ft.is_dir() {
        FILETYPE_DIRECTORY
    } else if ft.is_file() {
        FILETYPE_REGULAR_FILE
    } else if ft.is_symlink() {
        FILETYPE_SYMBOLIC_LINK
    } else if ft.is_socket() {
        FILETYPE_SOCKET_STREAM
    } else {
        FILETYPE_UNKNOWN
    };
    let nanos = |s: i64, ns: i64| (s.max(0) as u64).saturating_mul(1_000_000_000).saturating_add(ns.max(0) as u64);
    b[0..8].copy_from_slice(&m.dev().to_le_bytes());
    b[8..16].copy_from_slice(&m.ino().to_le_bytes());
    b[16] = kind;
    b[24..32].copy_from_slice(&m.nlink().to_le_bytes());
    b[32..40].copy_from_slice(&m.size().to_le_bytes());
    b[40..48].copy_from_slice(&nanos(m.atime(), m.atime_nsec()).to_le_bytes());
    b[48..56].copy_from_slice(&nanos(m.mtime(), m.mtime_nsec()).to_le_bytes());
    b[56..64].copy_from_slice(&nanos(m.ctime(), m.ctime_nsec()).to_le_bytes());
    b
}

impl Fds {
    /// The directory behind `fd`, for an operation that needs `needed`.
    fn dir(&mut self, fd: u32, needed: u64) -> Result<&OwnedFd, Errno> {
        match self.get(fd, needed)? {
            Desc::Dir { fd, .. } => Ok(fd),
            _ => Err(ENOTDIR),
        }
    }

    /// `path_open`: opens `path` beneath directory `dirfd`; the new descriptor, whose
    /// rights are the ones asked for, within the directory's inheriting rights (and what
    /// its kind can have). Creating needs `PATH_CREATE_FILE` on the directory, truncating
    /// `PATH_FILESTAT_SET_SIZE`.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        &mut self,
        dirfd: u32,
        lookup: u32,
        path: &[u8],
        oflags: u16,
        base: u64,
        inheriting: u64,
        fdflags: u16,
    ) -> Result<u32, Errno> {
        let mut needed = rights::PATH_OPEN;
        if oflags & OFLAGS_CREAT != 0 {
            needed |= rights::PATH_CREATE_FILE;
        }
        if oflags & OFLAGS_TRUNC != 0 {
            needed |= rights::PATH_FILESTAT_SET_SIZE;
        }
        let e = self.entry(dirfd, needed)?;
        let allowed = e.inheriting;
        let Desc::Dir { fd: dir, .. } = &e.desc else { return Err(ENOTDIR) };
        let base = base & allowed;
        let readable = base & (rights::FD_READ | rights::FD_READDIR) != 0;
        let writable = base & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE) != 0
            || oflags & OFLAGS_TRUNC != 0;
        let mut flags = match (readable, writable) {
            (_, false) => libc::O_RDONLY,
            (false, true) => libc::O_WRONLY,
            (true, true) => libc::O_RDWR,
        };
        if oflags & OFLAGS_CREAT != 0 {
            flags |= libc::O_CREAT;
        }
        if oflags & OFLAGS_EXCL != 0 {
            flags |= libc::O_EXCL;
        }
        if oflags & OFLAGS_TRUNC != 0 {
            flags |= libc::O_TRUNC;
        }
        if oflags & OFLAGS_DIRECTORY != 0 {
            flags |= libc::O_DIRECTORY;
        }
        if fdflags & FDFLAGS_APPEND != 0 {
            flags |= libc::O_APPEND;
        }
        let follow = lookup & LOOKUP_SYMLINK_FOLLOW != 0;
        let fd = match open_beneath(dir, path, flags, 0o666, follow) {
            // A directory asked for with write access: open it for reading instead (the
            // guest learns it is a directory and gets directory rights).
            Err(EISDIR) if oflags & (OFLAGS_CREAT | OFLAGS_TRUNC) == 0 => {
                open_beneath(dir, path, libc::O_RDONLY | libc::O_DIRECTORY, 0, follow)?
            }
            r => r?,
        };
        let desc =
            if fd_metadata(&fd)?.is_dir() { Desc::Dir { fd, preopen: None } } else { Desc::File(File::from(fd)) };
        let mut entry = Entry::new(desc, inheriting & allowed);
        entry.base &= base;
        entry.flags = fdflags & (FDFLAGS_APPEND | FDFLAGS_NONBLOCK);
        Ok(self.insert(entry))
    }

    /// Reads into `buf` from a file or stream (at `at` for `fd_pread`); the count read.
    pub fn read(&mut self, fd: u32, buf: &mut [u8], at: Option<u64>) -> Result<usize, Errno> {
        let needed = if at.is_some() { rights::FD_READ | rights::FD_SEEK } else { rights::FD_READ };
        let waits = self.waits.clone();
        let e = self.entry(fd, needed)?;
        let nonblocking = e.nonblocking();
        match &mut e.desc {
            Desc::Stdio(0) if at.is_none() => {
                super::poll::wait_ready(0, libc::POLLIN, nonblocking, &waits)?;
                // Straight from the host descriptor, not through Rust's buffered stdin:
                // bytes held in a user-space buffer would be invisible to `poll_oneoff`.
                // SAFETY: `buf` is writable for its length.
                let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
                if n < 0 { Err(last()) } else { Ok(n as usize) }
            }
            Desc::File(file) => match at {
                Some(offset) => file.read_at(buf, offset),
                None => file.read(buf),
            }
            .map_err(|e| errno_of(&e)),
            Desc::Stream(s) if at.is_none() => super::sock::recv(s, buf, 0, nonblocking, &waits),
            Desc::Dir { .. } => Err(EISDIR),
            Desc::Listener(_) => Err(ENOTCONN),
            Desc::Stdio(_) | Desc::Stream(_) => Err(if at.is_some() { ESPIPE } else { EBADF }),
        }
    }

    /// Writes `data` to a file or stream (at `at` for `fd_pwrite`); the count written.
    pub fn write(&mut self, fd: u32, data: &[u8], at: Option<u64>) -> Result<usize, Errno> {
        let needed = if at.is_some() { rights::FD_WRITE | rights::FD_SEEK } else { rights::FD_WRITE };
        let waits = self.waits.clone();
        let e = self.entry(fd, needed)?;
        let nonblocking = e.nonblocking();
        let r = match &mut e.desc {
            Desc::Stdio(1) if at.is_none() => std::io::stdout().write_all(data).and_then(|_| std::io::stdout().flush()),
            Desc::Stdio(2) if at.is_none() => std::io::stderr().write_all(data),
            Desc::File(file) => {
                return match at {
                    Some(offset) => file.write_at(data, offset),
                    None => file.write(data),
                }
                .map_err(|e| errno_of(&e));
            }
            Desc::Stream(s) if at.is_none() => return super::sock::send(s, data, nonblocking, &waits),
            Desc::Dir { .. } => return Err(EISDIR),
            Desc::Listener(_) => return Err(ENOTCONN),
            Desc::Stdio(_) | Desc::Stream(_) => return Err(if at.is_some() { ESPIPE } else { EBADF }),
        };
        r.map(|_| data.len()).map_err(|e| errno_of(&e))
    }

    /// `fd_seek` (whence 0 set, 1 current, 2 end; `fd_tell` is a seek by 0 from the
    /// current offset, needing `FD_TELL`); the new offset.
    pub fn seek(&mut self, fd: u32, offset: i64, whence: u8, tell: bool) -> Result<u64, Errno> {
        match self.get(fd, if tell { rights::FD_TELL } else { rights::FD_SEEK })? {
            Desc::File(file) => {
                let pos = match whence {
                    0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| EINVAL)?),
                    1 => SeekFrom::Current(offset),
                    2 => SeekFrom::End(offset),
                    _ => return Err(EINVAL),
                };
                file.seek(pos).map_err(|e| errno_of(&e))
            }
            Desc::Dir { .. } => Err(EBADF),
            Desc::Stdio(_) | Desc::Listener(_) | Desc::Stream(_) => Err(ESPIPE),
        }
    }

    /// `fd_filestat_get`.
    pub fn filestat(&mut self, fd: u32) -> Result<[u8; 64], Errno> {
        match self.get(fd, rights::FD_FILESTAT_GET)? {
            Desc::Stdio(_) => {
                let mut b = [0u8; 64];
                b[16] = FILETYPE_CHARACTER_DEVICE;
                Ok(b)
            }
            d => Ok(filestat_bytes(&fd_metadata(&d.host_fd())?)),
        }
    }

    /// `path_filestat_get`.
    pub fn path_filestat(&mut self, dirfd: u32, lookup: u32, path: &[u8]) -> Result<[u8; 64], Errno> {
        let dir = self.dir(dirfd, rights::PATH_FILESTAT_GET)?;
        if lookup & LOOKUP_SYMLINK_FOLLOW != 0 {
            let fd = open_beneath(dir, path, libc::O_PATH, 0, true)?;
            return Ok(filestat_bytes(&fd_metadata(&fd)?));
        }
        // The link itself: `O_PATH | O_NOFOLLOW` opens a final symbolic link as itself
        // (links before it are still followed, beneath the directory).
        let fd = open_beneath(dir, path, libc::O_PATH, 0, false)?;
        Ok(filestat_bytes(&fd_metadata(&fd)?))
    }

    /// `path_create_directory`.
    pub fn mkdir(&mut self, dirfd: u32, path: &[u8]) -> Result<(), Errno> {
        let dir = self.dir(dirfd, rights::PATH_CREATE_DIRECTORY)?;
        let (parent, name) = parent_and_name(dir, path)?;
        // SAFETY: `parent` is an open directory and `name` a NUL-terminated plain name.
        if unsafe { libc::mkdirat(parent.as_raw_fd(), name.as_ptr(), 0o777) } != 0 {
            return last_error();
        }
        Ok(())
    }

    /// `path_unlink_file` (`dir` false) or `path_remove_directory` (`dir` true).
    pub fn remove(&mut self, dirfd: u32, path: &[u8], is_dir: bool) -> Result<(), Errno> {
        let dir = self.dir(dirfd, if is_dir { rights::PATH_REMOVE_DIRECTORY } else { rights::PATH_UNLINK_FILE })?;
        let (parent, name) = parent_and_name(dir, path)?;
        let flags = if is_dir { libc::AT_REMOVEDIR } else { 0 };
        // SAFETY: `parent` is an open directory and `name` a NUL-terminated plain name.
        if unsafe { libc::unlinkat(parent.as_raw_fd(), name.as_ptr(), flags) } != 0 {
            return last_error();
        }
        Ok(())
    }

    /// `path_rename`.
    pub fn rename(&mut self, from_fd: u32, from: &[u8], to_fd: u32, to: &[u8]) -> Result<(), Errno> {
        let (old_parent, old_name) = parent_and_name(self.dir(from_fd, rights::PATH_RENAME_SOURCE)?, from)?;
        let (new_parent, new_name) = parent_and_name(self.dir(to_fd, rights::PATH_RENAME_TARGET)?, to)?;
        // SAFETY: both parents are open directories and both names plain NUL-terminated
        // names.
        let r = unsafe {
            libc::renameat(old_parent.as_raw_fd(), old_name.as_ptr(), new_parent.as_raw_fd(), new_name.as_ptr())
        };
        if r != 0 {
            return last_error();
        }
        Ok(())
    }

    /// The file behind `fd`, for operations only files have, needing `needed`.
    fn file(&mut self, fd: u32, needed: u64) -> Result<&mut File, Errno> {
        match self.get(fd, needed)? {
            Desc::File(file) => Ok(file),
            Desc::Dir { .. } => Err(EISDIR),
            _ => Err(EINVAL),
        }
    }

    /// `fd_sync` / `fd_datasync` (`data_only`): files and directories.
    pub fn sync(&mut self, fd: u32, data_only: bool) -> Result<(), Errno> {
        let needed = if data_only { rights::FD_DATASYNC } else { rights::FD_SYNC };
        let host = match self.get(fd, needed)? {
            d @ (Desc::File(_) | Desc::Dir { .. }) => d.host_fd(),
            _ => return Err(EINVAL),
        };
        // SAFETY: `host` is an open descriptor of this table.
        let r = unsafe { if data_only { libc::fdatasync(host) } else { libc::fsync(host) } };
        if r != 0 { last_error() } else { Ok(()) }
    }

    /// `fd_advise`: checked, then ignored (advice only).
    pub fn advise(&mut self, fd: u32, advice: u32) -> Result<(), Errno> {
        match self.get(fd, rights::FD_ADVISE)? {
            Desc::File(_) if advice <= 5 => Ok(()),
            Desc::File(_) => Err(EINVAL),
            Desc::Dir { .. } => Err(EISDIR),
            Desc::Stdio(_) | Desc::Listener(_) | Desc::Stream(_) => Err(ESPIPE),
        }
    }

    /// `fd_filestat_set_size`.
    pub fn set_size(&mut self, fd: u32, size: u64) -> Result<(), Errno> {
        self.file(fd, rights::FD_FILESTAT_SET_SIZE)?.set_len(size).map_err(|e| errno_of(&e))
    }

    /// `fd_allocate`: makes sure `[offset, offset + len)` is backed by the file.
    pub fn allocate(&mut self, fd: u32, offset: u64, len: u64) -> Result<(), Errno> {
        let file = self.file(fd, rights::FD_ALLOCATE)?;
        let end = offset.checked_add(len).ok_or(EINVAL)?;
        if file.metadata().map_err(|e| errno_of(&e))?.len() < end {
            file.set_len(end).map_err(|e| errno_of(&e))?;
        }
        Ok(())
    }

    /// `path_readlink`: the target of the symbolic link `path`.
    pub fn readlink(&mut self, dirfd: u32, path: &[u8]) -> Result<Vec<u8>, Errno> {
        let dir = self.dir(dirfd, rights::PATH_READLINK)?;
        let (parent, name) = parent_and_name(dir, path)?;
        let mut buf = vec![0u8; 4096];
        // SAFETY: `parent` is an open directory, `name` a NUL-terminated plain name and
        // `buf` writable for its length.
        let n = unsafe { libc::readlinkat(parent.as_raw_fd(), name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return last_error();
        }
        buf.truncate(n as usize);
        Ok(buf)
    }

    /// `path_symlink`: a link `path` whose target is `target`. The target is only data:
    /// following it later is still resolved beneath the directory, so a link pointing out
    /// leads nowhere; absolute targets are refused all the same, as they can never work.
    pub fn symlink(&mut self, target: &[u8], dirfd: u32, path: &[u8]) -> Result<(), Errno> {
        if target.starts_with(b"/") {
            return Err(ENOTCAPABLE);
        }
        let target = cstr(target)?;
        let dir = self.dir(dirfd, rights::PATH_SYMLINK)?;
        let (parent, name) = parent_and_name(dir, path)?;
        // SAFETY: NUL-terminated strings and an open directory.
        if unsafe { libc::symlinkat(target.as_ptr(), parent.as_raw_fd(), name.as_ptr()) } != 0 {
            return last_error();
        }
        Ok(())
    }

    /// `path_link`: a hard link `to` (beneath `to_fd`) to the file `from` (beneath
    /// `from_fd`).
    pub fn link(&mut self, from_fd: u32, lookup: u32, from: &[u8], to_fd: u32, to: &[u8]) -> Result<(), Errno> {
        let (old_parent, old_name) = parent_and_name(self.dir(from_fd, rights::PATH_LINK_SOURCE)?, from)?;
        let (new_parent, new_name) = parent_and_name(self.dir(to_fd, rights::PATH_LINK_TARGET)?, to)?;
        if lookup & LOOKUP_SYMLINK_FOLLOW != 0 {
            // Following a final link could leave the directory: refused rather than
            // resolved by hand.
            return Err(ENOTCAPABLE);
        }
        // SAFETY: open directories and NUL-terminated plain names.
        let r = unsafe {
            libc::linkat(old_parent.as_raw_fd(), old_name.as_ptr(), new_parent.as_raw_fd(), new_name.as_ptr(), 0)
        };
        if r != 0 {
            return last_error();
        }
        Ok(())
    }

    /// `fd_filestat_set_times` (`path` empty) or `path_filestat_set_times`: `atim`/`mtim`
    /// in nanoseconds, each set when its `*_set` flag says so, or to now with `*_now`.
    pub fn set_times(
        &mut self,
        fd: u32,
        path: Option<(u32, &[u8])>,
        atim: u64,
        mtim: u64,
        flags: u16,
    ) -> Result<(), Errno> {
        const ATIM: u16 = 1;
        const ATIM_NOW: u16 = 2;
        const MTIM: u16 = 4;
        const MTIM_NOW: u16 = 8;
        let spec = |set: u16, now: u16, t: u64| {
            if flags & now != 0 {
                libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_NOW }
            } else if flags & set != 0 {
                libc::timespec { tv_sec: (t / 1_000_000_000) as i64, tv_nsec: (t % 1_000_000_000) as i64 }
            } else {
                libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_OMIT }
            }
        };
        let times = [spec(ATIM, ATIM_NOW, atim), spec(MTIM, MTIM_NOW, mtim)];
        let target = match path {
            None => match self.get(fd, rights::FD_FILESTAT_SET_TIMES)? {
                Desc::File(file) => file.try_clone().map(OwnedFd::from).map_err(|e| errno_of(&e))?,
                Desc::Dir { fd, .. } => fd.try_clone().map_err(|e| errno_of(&e))?,
                _ => return Err(EINVAL),
            },
            Some((lookup, p)) => {
                let dir = self.dir(fd, rights::PATH_FILESTAT_SET_TIMES)?;
                open_beneath(dir, p, libc::O_RDONLY, 0, lookup & LOOKUP_SYMLINK_FOLLOW != 0)?
            }
        };
        // SAFETY: `target` is an open descriptor and `times` two valid timespecs.
        if unsafe { libc::futimens(target.as_raw_fd(), times.as_ptr()) } != 0 {
            return last_error();
        }
        Ok(())
    }

    /// `fd_readdir`: the directory's entries from `cookie` on, as WASI `dirent`s followed
    /// by their names, at most `len` bytes (the last entry may be cut, as the ABI allows).
    pub fn readdir(&mut self, fd: u32, cookie: u64, len: usize) -> Result<Vec<u8>, Errno> {
        let Desc::Dir { fd, .. } = self.get(fd, rights::FD_READDIR)? else { return Err(ENOTDIR) };
        // The entries are read through the descriptor itself (its /proc/self/fd link names
        // the open directory, wherever it has moved), never through a path the guest gave.
        let dup = open_beneath(fd, b".", libc::O_RDONLY | libc::O_DIRECTORY, 0, false)?;
        let path = format!("/proc/self/fd/{}", dup.as_raw_fd());
        let mut names: Vec<(Vec<u8>, u64, u8)> =
            vec![(b".".to_vec(), 0, FILETYPE_DIRECTORY), (b"..".to_vec(), 0, FILETYPE_DIRECTORY)];
        for entry in std::fs::read_dir(&path).map_err(|e| errno_of(&e))? {
            let entry = entry.map_err(|e| errno_of(&e))?;
            let kind = match entry.file_type() {
                Ok(t) if t.is_dir() => FILETYPE_DIRECTORY,
                Ok(t) if t.is_file() => FILETYPE_REGULAR_FILE,
                Ok(t) if t.is_symlink() => FILETYPE_SYMBOLIC_LINK,
                _ => FILETYPE_UNKNOWN,
            };
            names.push((entry.file_name().as_bytes().to_vec(), entry.ino(), kind));
        }
        let mut out = Vec::new();
        for (k, (name, ino, kind)) in names.iter().enumerate().skip(cookie as usize) {
            let mut header = [0u8; 24];
            header[0..8].copy_from_slice(&(k as u64 + 1).to_le_bytes());
            header[8..16].copy_from_slice(&ino.to_le_bytes());
            header[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
            header[20] = *kind;
            out.extend_from_slice(&header);
            out.extend_from_slice(name);
            if out.len() >= len {
                out.truncate(len);
                break;
            }
        }
        Ok(out)
    }
}
