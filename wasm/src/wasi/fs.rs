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
//! outside a granted directory is opened, changed or even stat'ed. Rights: a read-only
//! preopen (and everything opened beneath it) refuses every operation that writes.
//!
//! Errors are WASI errno values ([`Errno`]); host errors map through [`errno_of`].

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt};

/// A WASI errno value.
pub type Errno = i32;

pub const EACCES: Errno = 2;
pub const EBADF: Errno = 8;
pub const EEXIST: Errno = 20;
pub const EINVAL: Errno = 28;
pub const EIO: Errno = 29;
pub const EISDIR: Errno = 31;
pub const ELOOP: Errno = 32;
pub const ENAMETOOLONG: Errno = 37;
pub const ENOENT: Errno = 44;
pub const ENOSPC: Errno = 51;
pub const ENOTDIR: Errno = 54;
pub const ENOTEMPTY: Errno = 55;
pub const EPERM: Errno = 63;
pub const ENOTSUP: Errno = 58;
pub const EROFS: Errno = 69;
pub const ESPIPE: Errno = 70;
pub const ENOTCAPABLE: Errno = 76;

/// The WASI errno for a host error.
pub fn errno_of(e: &std::io::Error) -> Errno {
    match e.raw_os_error() {
        Some(libc::EACCES) => EACCES,
        Some(libc::EBADF) => EBADF,
        Some(libc::EEXIST) => EEXIST,
        Some(libc::EINVAL) => EINVAL,
        Some(libc::EISDIR) => EISDIR,
        Some(libc::ELOOP) => ELOOP,
        Some(libc::ENAMETOOLONG) => ENAMETOOLONG,
        Some(libc::ENOENT) => ENOENT,
        Some(libc::ENOSPC) => ENOSPC,
        Some(libc::ENOTDIR) => ENOTDIR,
        Some(libc::ENOTEMPTY) => ENOTEMPTY,
        Some(libc::EPERM) => EPERM,
        Some(libc::EROFS) => EROFS,
        Some(libc::ESPIPE) => ESPIPE,
        // RESOLVE_BENEATH's answer to a path that would leave the directory.
        Some(libc::EXDEV) => ENOTCAPABLE,
        _ => EIO,
    }
}

/// WASI file types.
pub const FILETYPE_UNKNOWN: u8 = 0;
pub const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR_FILE: u8 = 4;
pub const FILETYPE_SYMBOLIC_LINK: u8 = 7;

/// `path_open`'s open flags.
pub const OFLAGS_CREAT: u16 = 1;
pub const OFLAGS_DIRECTORY: u16 = 2;
pub const OFLAGS_EXCL: u16 = 4;
pub const OFLAGS_TRUNC: u16 = 8;
/// The `append` descriptor flag.
pub const FDFLAGS_APPEND: u16 = 1;
/// Follow a final symbolic link (`lookupflags`).
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// The rights that write (refused on read-only preopens).
const RIGHT_FD_WRITE: u64 = 1 << 6;

/// What a descriptor is.
pub enum Desc {
    /// Standard input, output and error.
    Stdio(u32),
    /// A directory: a preopen (with the name the guest sees) or one opened beneath one.
    Dir { fd: OwnedFd, preopen: Option<String>, read_only: bool },
    /// A regular file (or anything else that is not a directory).
    File { file: File, append: bool, read_only: bool, readable: bool, writable: bool },
}

/// The descriptor table.
pub struct Fds {
    slots: Vec<Option<Desc>>,
}

impl Default for Fds {
    fn default() -> Self {
        Fds { slots: vec![Some(Desc::Stdio(0)), Some(Desc::Stdio(1)), Some(Desc::Stdio(2))] }
    }
}

/// A directory the host grants: its host path, the name the guest sees, read-only or not.
#[derive(Clone, Debug)]
pub struct Preopen {
    /// The host directory.
    pub host: std::path::PathBuf,
    /// The guest's name for it (`/sandbox`, `.`).
    pub guest: String,
    /// Refuse every operation that writes.
    pub read_only: bool,
}

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
        return Err(errno_of(&std::io::Error::last_os_error()));
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
    Err(errno_of(&std::io::Error::last_os_error()))
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

/// The metadata of an open descriptor.
fn fd_metadata(fd: &OwnedFd) -> Result<std::fs::Metadata, Errno> {
    let dup = fd.try_clone().map_err(|e| errno_of(&e))?;
    File::from(dup).metadata().map_err(|e| errno_of(&e))
}

impl Fds {
    /// Adds the preopens after the standard streams (fds 3, 4, ...), opening each host
    /// directory now; a directory that cannot be opened is an error for the host.
    pub fn with_preopens(preopens: &[Preopen]) -> std::io::Result<Fds> {
        let mut fds = Fds::default();
        for p in preopens {
            let dir = File::open(&p.host)?;
            if !dir.metadata()?.is_dir() {
                return Err(std::io::Error::other(format!("{} is not a directory", p.host.display())));
            }
            fds.insert(Desc::Dir { fd: dir.into(), preopen: Some(p.guest.clone()), read_only: p.read_only });
        }
        Ok(fds)
    }

    fn insert(&mut self, d: Desc) -> u32 {
        match self.slots.iter().position(Option::is_none) {
            Some(k) => {
                self.slots[k] = Some(d);
                k as u32
            }
            None => {
                self.slots.push(Some(d));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The descriptor `fd`.
    pub fn get(&mut self, fd: u32) -> Result<&mut Desc, Errno> {
        self.slots.get_mut(fd as usize).and_then(Option::as_mut).ok_or(EBADF)
    }

    fn dir(&mut self, fd: u32) -> Result<(&OwnedFd, bool), Errno> {
        match self.get(fd)? {
            Desc::Dir { fd, read_only, .. } => Ok((fd, *read_only)),
            _ => Err(ENOTDIR),
        }
    }

    fn writable_dir(&mut self, fd: u32) -> Result<&OwnedFd, Errno> {
        match self.dir(fd)? {
            (_, true) => Err(ENOTCAPABLE),
            (d, false) => Ok(d),
        }
    }

    /// `fd_close`.
    pub fn close(&mut self, fd: u32) -> Result<(), Errno> {
        match self.slots.get_mut(fd as usize) {
            Some(slot @ Some(_)) => {
                *slot = None;
                Ok(())
            }
            _ => Err(EBADF),
        }
    }

    /// `fd_prestat_get`: the length of a preopen's guest name.
    pub fn prestat(&mut self, fd: u32) -> Result<String, Errno> {
        match self.get(fd)? {
            Desc::Dir { preopen: Some(name), .. } => Ok(name.clone()),
            _ => Err(EBADF),
        }
    }

    /// `path_open`: opens `path` beneath directory `dirfd`; the new descriptor.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        &mut self,
        dirfd: u32,
        lookup: u32,
        path: &[u8],
        oflags: u16,
        rights: u64,
        fdflags: u16,
    ) -> Result<u32, Errno> {
        let (dir, read_only) = self.dir(dirfd)?;
        let writes = rights & RIGHT_FD_WRITE != 0
            || oflags & (OFLAGS_CREAT | OFLAGS_TRUNC) != 0
            || fdflags & FDFLAGS_APPEND != 0;
        if read_only && writes {
            return Err(ENOTCAPABLE);
        }
        let readable = rights & (1 << 1) != 0 || rights == 0;
        let writable = writes;
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
        let is_dir = fd_metadata(&fd)?.is_dir();
        let desc = if is_dir {
            Desc::Dir { fd, preopen: None, read_only }
        } else {
            Desc::File { file: File::from(fd), append: fdflags & FDFLAGS_APPEND != 0, read_only, readable, writable }
        };
        Ok(self.insert(desc))
    }

    /// Reads into `bufs` from a file; the count read.
    pub fn read(&mut self, fd: u32, buf: &mut [u8], at: Option<u64>) -> Result<usize, Errno> {
        match self.get(fd)? {
            Desc::Stdio(0) if at.is_none() => std::io::stdin().read(buf).map_err(|e| errno_of(&e)),
            Desc::File { file, readable: true, .. } => match at {
                Some(offset) => file.read_at(buf, offset),
                None => file.read(buf),
            }
            .map_err(|e| errno_of(&e)),
            Desc::Dir { .. } => Err(EISDIR),
            Desc::Stdio(_) => Err(if at.is_some() { ESPIPE } else { EBADF }),
            Desc::File { .. } => Err(ENOTCAPABLE),
        }
    }

    /// Writes `data` to a file or stream; the count written.
    pub fn write(&mut self, fd: u32, data: &[u8], at: Option<u64>) -> Result<usize, Errno> {
        let r = match self.get(fd)? {
            Desc::Stdio(1) if at.is_none() => std::io::stdout().write_all(data).and_then(|_| std::io::stdout().flush()),
            Desc::Stdio(2) if at.is_none() => std::io::stderr().write_all(data),
            Desc::File { file, writable: true, read_only: false, .. } => {
                return match at {
                    Some(offset) => file.write_at(data, offset),
                    None => file.write(data),
                }
                .map_err(|e| errno_of(&e));
            }
            Desc::Dir { .. } => return Err(EISDIR),
            Desc::Stdio(_) => return Err(if at.is_some() { ESPIPE } else { EBADF }),
            Desc::File { .. } => return Err(ENOTCAPABLE),
        };
        r.map(|_| data.len()).map_err(|e| errno_of(&e))
    }

    /// `fd_seek` (whence 0 set, 1 current, 2 end); the new offset.
    pub fn seek(&mut self, fd: u32, offset: i64, whence: u8) -> Result<u64, Errno> {
        match self.get(fd)? {
            Desc::File { file, .. } => {
                let pos = match whence {
                    0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| EINVAL)?),
                    1 => SeekFrom::Current(offset),
                    2 => SeekFrom::End(offset),
                    _ => return Err(EINVAL),
                };
                file.seek(pos).map_err(|e| errno_of(&e))
            }
            Desc::Dir { .. } => Err(EBADF),
            Desc::Stdio(_) => Err(ESPIPE),
        }
    }

    /// `fd_fdstat_get`: file type and flags.
    pub fn fdstat(&mut self, fd: u32) -> Result<(u8, u16), Errno> {
        Ok(match self.get(fd)? {
            Desc::Stdio(_) => (FILETYPE_CHARACTER_DEVICE, 0),
            Desc::Dir { .. } => (FILETYPE_DIRECTORY, 0),
            Desc::File { append, .. } => (FILETYPE_REGULAR_FILE, if *append { FDFLAGS_APPEND } else { 0 }),
        })
    }

    /// `fd_filestat_get`.
    pub fn filestat(&mut self, fd: u32) -> Result<[u8; 64], Errno> {
        match self.get(fd)? {
            Desc::Stdio(_) => {
                let mut b = [0u8; 64];
                b[16] = FILETYPE_CHARACTER_DEVICE;
                Ok(b)
            }
            Desc::Dir { fd, .. } => Ok(filestat_bytes(&fd_metadata(fd)?)),
            Desc::File { file, .. } => Ok(filestat_bytes(&file.metadata().map_err(|e| errno_of(&e))?)),
        }
    }

    /// `path_filestat_get`.
    pub fn path_filestat(&mut self, dirfd: u32, lookup: u32, path: &[u8]) -> Result<[u8; 64], Errno> {
        let (dir, _) = self.dir(dirfd)?;
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
        let dir = self.writable_dir(dirfd)?;
        let (parent, name) = parent_and_name(dir, path)?;
        // SAFETY: `parent` is an open directory and `name` a NUL-terminated plain name.
        if unsafe { libc::mkdirat(parent.as_raw_fd(), name.as_ptr(), 0o777) } != 0 {
            return last_error();
        }
        Ok(())
    }

    /// `path_unlink_file` (`dir` false) or `path_remove_directory` (`dir` true).
    pub fn remove(&mut self, dirfd: u32, path: &[u8], is_dir: bool) -> Result<(), Errno> {
        let dir = self.writable_dir(dirfd)?;
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
        let (old_parent, old_name) = parent_and_name(self.writable_dir(from_fd)?, from)?;
        let (new_parent, new_name) = parent_and_name(self.writable_dir(to_fd)?, to)?;
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

    /// The file behind `fd`, for operations only files have.
    fn file(&mut self, fd: u32, writes: bool) -> Result<&mut File, Errno> {
        match self.get(fd)? {
            Desc::File { read_only: true, .. } if writes => Err(ENOTCAPABLE),
            Desc::File { file, .. } => Ok(file),
            Desc::Dir { .. } => Err(EISDIR),
            Desc::Stdio(_) => Err(EINVAL),
        }
    }

    /// `fd_sync` / `fd_datasync` (`data_only`).
    pub fn sync(&mut self, fd: u32, data_only: bool) -> Result<(), Errno> {
        let file = self.file(fd, false)?;
        if data_only { file.sync_data() } else { file.sync_all() }.map_err(|e| errno_of(&e))
    }

    /// `fd_filestat_set_size`.
    pub fn set_size(&mut self, fd: u32, size: u64) -> Result<(), Errno> {
        self.file(fd, true)?.set_len(size).map_err(|e| errno_of(&e))
    }

    /// `fd_allocate`: makes sure `[offset, offset + len)` is backed by the file.
    pub fn allocate(&mut self, fd: u32, offset: u64, len: u64) -> Result<(), Errno> {
        let file = self.file(fd, true)?;
        let end = offset.checked_add(len).ok_or(EINVAL)?;
        if file.metadata().map_err(|e| errno_of(&e))?.len() < end {
            file.set_len(end).map_err(|e| errno_of(&e))?;
        }
        Ok(())
    }

    /// `fd_fdstat_set_flags`: only `append` can change.
    pub fn set_flags(&mut self, fd: u32, flags: u16) -> Result<(), Errno> {
        if flags & !FDFLAGS_APPEND != 0 {
            return Err(ENOTSUP);
        }
        match self.get(fd)? {
            Desc::File { file, append, read_only, .. } => {
                if *read_only && flags & FDFLAGS_APPEND != 0 {
                    return Err(ENOTCAPABLE);
                }
                let fd = file.as_raw_fd();
                // SAFETY: `fd` is an open descriptor this table owns; F_GETFL/F_SETFL read
                // and set its status flags only.
                let old = unsafe { libc::fcntl(fd, libc::F_GETFL) };
                let new = if flags & FDFLAGS_APPEND != 0 { old | libc::O_APPEND } else { old & !libc::O_APPEND };
                // SAFETY: as above.
                if old < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, new) } < 0 {
                    return last_error();
                }
                *append = flags & FDFLAGS_APPEND != 0;
                Ok(())
            }
            _ => Err(EBADF),
        }
    }

    /// `fd_renumber`: `to` becomes `from`'s descriptor (closing what `to` was); `from`
    /// is closed.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        let d = self.slots[from as usize].take();
        self.slots[to as usize] = d;
        Ok(())
    }

    /// `path_readlink`: the target of the symbolic link `path`.
    pub fn readlink(&mut self, dirfd: u32, path: &[u8]) -> Result<Vec<u8>, Errno> {
        let (dir, _) = self.dir(dirfd)?;
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
        let dir = self.writable_dir(dirfd)?;
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
        let (old_parent, old_name) = parent_and_name(self.writable_dir(from_fd)?, from)?;
        let (new_parent, new_name) = parent_and_name(self.writable_dir(to_fd)?, to)?;
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
            None => match self.get(fd)? {
                Desc::File { read_only: true, .. } | Desc::Dir { read_only: true, .. } => return Err(ENOTCAPABLE),
                Desc::File { file, .. } => file.try_clone().map(OwnedFd::from).map_err(|e| errno_of(&e))?,
                Desc::Dir { fd, .. } => fd.try_clone().map_err(|e| errno_of(&e))?,
                Desc::Stdio(_) => return Err(EINVAL),
            },
            Some((lookup, p)) => {
                let dir = self.writable_dir(fd)?;
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
        let Desc::Dir { fd, .. } = self.get(fd)? else { return Err(ENOTDIR) };
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

use std::os::unix::fs::DirEntryExt;
