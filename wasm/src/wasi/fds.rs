//! The descriptor table of a WASI guest: what each descriptor number is ([`Desc`]), its
//! rights and its flags ([`Entry`]), and the operations on the table itself (open the
//! preopens, insert, close, renumber, fdstat and its setters).
//!
//! Layout at start: 0, 1, 2 are the standard streams; then one descriptor per listening
//! socket the host grants (`--tcplisten`, in order); then one per preopened directory
//! (`--dir`, in order). This is the order Wasmtime uses.
//!
//! Invariant: every operation reaches a descriptor through [`Fds::entry`], which checks
//! the rights the operation needs: `EBADF` for a number that is not open, `ENOTCAPABLE`
//! when this kind of descriptor could do it but this one's rights were dropped. An
//! operation this kind of descriptor can never do is left to the operation, which answers
//! with its own errno (`EISDIR`, `ENOTSOCK`, `ESPIPE`, ...).

use super::errno::{EBADF, EINVAL, ENOTCAPABLE, ENOTSUP, Errno, errno_of, last};
use super::poll::WaitPolicy;
use super::rights;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// WASI file types.
pub const FILETYPE_UNKNOWN: u8 = 0;
pub const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR_FILE: u8 = 4;
pub const FILETYPE_SOCKET_STREAM: u8 = 6;
pub const FILETYPE_SYMBOLIC_LINK: u8 = 7;

/// Descriptor flags (`fdflags`).
pub const FDFLAGS_APPEND: u16 = 1;
pub const FDFLAGS_NONBLOCK: u16 = 4;

/// What a descriptor is.
pub enum Desc {
    /// Standard input, output and error.
    Stdio(u32),
    /// A directory: a preopen (with the name the guest sees) or one opened beneath one.
    Dir { fd: OwnedFd, preopen: Option<String> },
    /// A regular file (or anything else that is not a directory).
    File(File),
    /// A listening TCP socket the host granted. The host socket is non-blocking; a
    /// blocking `sock_accept` waits for readiness first.
    Listener(TcpListener),
    /// A connected TCP stream from `sock_accept` (non-blocking on the host, as above).
    Stream(TcpStream),
}

impl Desc {
    /// The most this kind of descriptor can ever do.
    pub fn kind_rights(&self) -> u64 {
        match self {
            Desc::Stdio(0) => rights::STDIN | rights::NOT_A_TTY,
            Desc::Stdio(_) => rights::STDOUT | rights::NOT_A_TTY,
            Desc::Dir { .. } => rights::DIRECTORY,
            Desc::File(_) => rights::FILE,
            Desc::Listener(_) => rights::LISTENER,
            Desc::Stream(_) => rights::STREAM,
        }
    }

    /// The WASI file type.
    pub fn filetype(&self) -> u8 {
        match self {
            Desc::Stdio(_) => FILETYPE_CHARACTER_DEVICE,
            Desc::Dir { .. } => FILETYPE_DIRECTORY,
            Desc::File(_) => FILETYPE_REGULAR_FILE,
            Desc::Listener(_) | Desc::Stream(_) => FILETYPE_SOCKET_STREAM,
        }
    }

    /// The host descriptor behind it.
    pub fn host_fd(&self) -> RawFd {
        match self {
            Desc::Stdio(k) => *k as RawFd,
            Desc::Dir { fd, .. } => fd.as_raw_fd(),
            Desc::File(f) => f.as_raw_fd(),
            Desc::Listener(l) => l.as_raw_fd(),
            Desc::Stream(s) => s.as_raw_fd(),
        }
    }
}

/// An open descriptor: what it is, its rights, its flags.
pub struct Entry {
    /// The object.
    pub desc: Desc,
    /// What this descriptor may do.
    pub base: u64,
    /// The most a descriptor opened through it may do.
    pub inheriting: u64,
    /// `fdflags` (`APPEND`, `NONBLOCK`).
    pub flags: u16,
}

impl Entry {
    /// An entry with all the rights its kind can have (`inheriting` passed on).
    pub fn new(desc: Desc, inheriting: u64) -> Entry {
        Entry { base: desc.kind_rights(), inheriting, flags: 0, desc }
    }

    /// Whether operations on it must not wait.
    pub fn nonblocking(&self) -> bool {
        self.flags & FDFLAGS_NONBLOCK != 0
    }
}

/// The descriptor table.
pub struct Fds {
    slots: Vec<Option<Entry>>,
    /// How long blocking calls may wait.
    pub waits: WaitPolicy,
}

impl Default for Fds {
    fn default() -> Self {
        let stdio = |k: u32| {
            let mut e = Entry::new(Desc::Stdio(k), 0);
            // SAFETY: `isatty` only queries the descriptor.
            if unsafe { libc::isatty(k as RawFd) } == 1 {
                e.base &= !rights::NOT_A_TTY;
            }
            Some(e)
        };
        Fds { slots: vec![stdio(0), stdio(1), stdio(2)], waits: WaitPolicy::default() }
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

impl Fds {
    /// The standard streams, then the listening sockets (set non-blocking on the host),
    /// then the preopened directories, opening each host directory now; a directory that
    /// cannot be opened is an error for the host.
    pub fn with_preopens(preopens: &[Preopen], listeners: Vec<TcpListener>) -> std::io::Result<Fds> {
        let mut fds = Fds::default();
        for l in listeners {
            l.set_nonblocking(true)?;
            fds.insert(Entry::new(Desc::Listener(l), 0));
        }
        for p in preopens {
            let dir = File::open(&p.host)?;
            if !dir.metadata()?.is_dir() {
                return Err(std::io::Error::other(format!("{} is not a directory", p.host.display())));
            }
            let mut e =
                Entry::new(Desc::Dir { fd: dir.into(), preopen: Some(p.guest.clone()) }, rights::DIRECTORY_INHERITING);
            if p.read_only {
                e.base &= !rights::WRITES;
                e.inheriting &= !rights::WRITES;
            }
            fds.insert(e);
        }
        Ok(fds)
    }

    /// Adds a descriptor at the lowest free number.
    pub fn insert(&mut self, e: Entry) -> u32 {
        match self.slots.iter().position(Option::is_none) {
            Some(k) => {
                self.slots[k] = Some(e);
                k as u32
            }
            None => {
                self.slots.push(Some(e));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The descriptor `fd` for an operation that needs `needed`: `EBADF` when it is not
    /// open, `ENOTCAPABLE` when its kind could have the rights but it does not.
    pub fn entry(&mut self, fd: u32, needed: u64) -> Result<&mut Entry, Errno> {
        let e = self.slots.get_mut(fd as usize).and_then(Option::as_mut).ok_or(EBADF)?;
        if e.base & needed != needed && e.desc.kind_rights() & needed == needed {
            return Err(ENOTCAPABLE);
        }
        Ok(e)
    }

    /// The object behind `fd`, checked as [`Fds::entry`] does.
    pub fn get(&mut self, fd: u32, needed: u64) -> Result<&mut Desc, Errno> {
        self.entry(fd, needed).map(|e| &mut e.desc)
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

    /// `fd_renumber`: `to` becomes `from`'s descriptor (closing what `to` was); `from`
    /// is closed.
    pub fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.entry(from, 0)?;
        self.entry(to, 0)?;
        let d = self.slots[from as usize].take();
        self.slots[to as usize] = d;
        Ok(())
    }

    /// `fd_prestat_get`: a preopened directory's guest name.
    pub fn prestat(&mut self, fd: u32) -> Result<String, Errno> {
        match self.get(fd, 0)? {
            Desc::Dir { preopen: Some(name), .. } => Ok(name.clone()),
            _ => Err(EBADF),
        }
    }

    /// `fd_fdstat_get`: the 24-byte `fdstat` (file type, flags, base and inheriting
    /// rights).
    pub fn fdstat(&mut self, fd: u32) -> Result<[u8; 24], Errno> {
        let e = self.entry(fd, 0)?;
        let mut stat = [0u8; 24];
        stat[0] = e.desc.filetype();
        stat[2..4].copy_from_slice(&e.flags.to_le_bytes());
        stat[8..16].copy_from_slice(&e.base.to_le_bytes());
        stat[16..24].copy_from_slice(&e.inheriting.to_le_bytes());
        Ok(stat)
    }

    /// `fd_fdstat_set_rights`: rights may only be dropped.
    pub fn set_rights(&mut self, fd: u32, base: u64, inheriting: u64) -> Result<(), Errno> {
        let e = self.entry(fd, 0)?;
        if base & !e.base != 0 || inheriting & !e.inheriting != 0 {
            return Err(ENOTCAPABLE);
        }
        e.base = base;
        e.inheriting = inheriting;
        Ok(())
    }

    /// `fd_fdstat_set_flags`: `APPEND` (files only, set on the host descriptor) and
    /// `NONBLOCK` (kept here; the operations that could wait honour it); the
    /// synchronisation flags are not supported.
    pub fn set_flags(&mut self, fd: u32, flags: u16) -> Result<(), Errno> {
        if flags & !(FDFLAGS_APPEND | FDFLAGS_NONBLOCK) != 0 {
            return Err(ENOTSUP);
        }
        let e = self.entry(fd, rights::FD_FDSTAT_SET_FLAGS)?;
        match &e.desc {
            Desc::File(file) => {
                if flags & FDFLAGS_APPEND != 0 && e.base & rights::FD_WRITE == 0 {
                    return Err(ENOTCAPABLE);
                }
                let fd = file.as_raw_fd();
                // SAFETY: `fd` is an open descriptor this table owns; F_GETFL/F_SETFL read
                // and set its status flags only.
                let old = unsafe { libc::fcntl(fd, libc::F_GETFL) };
                let new = if flags & FDFLAGS_APPEND != 0 { old | libc::O_APPEND } else { old & !libc::O_APPEND };
                // SAFETY: as above.
                if old < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, new) } < 0 {
                    return Err(last());
                }
            }
            _ if flags & FDFLAGS_APPEND != 0 => return Err(EINVAL),
            _ => {}
        }
        e.flags = flags;
        Ok(())
    }
}

/// The metadata of an open descriptor.
pub fn fd_metadata(fd: &impl AsRawFd) -> Result<std::fs::Metadata, Errno> {
    // SAFETY: `fd` stays open for the call; the borrowed descriptor is only duplicated.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd.as_raw_fd()) };
    let dup = borrowed.try_clone_to_owned().map_err(|e| errno_of(&e))?;
    File::from(dup).metadata().map_err(|e| errno_of(&e))
}
