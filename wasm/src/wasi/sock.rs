//! WASI sockets: `sock_accept` on the listening sockets the host grants (`--tcplisten`),
//! and `sock_recv`, `sock_send`, `sock_shutdown` (and `fd_read`/`fd_write`, through
//! [`recv`] and [`send`]) on the connected streams it returns.
//!
//! Host sockets are always non-blocking; a guest descriptor without `NONBLOCK` waits for
//! readiness with `poll(2)` and retries, bounded by [`WaitPolicy::max_block`] when the embedder
//! sets it (then a wait that runs out answers `EAGAIN`), and cancelled (`EINTR`) by
//! [`WaitPolicy::cancel`]. Sends use `MSG_NOSIGNAL`, so a
//! peer that went away is `EPIPE` for the guest, never a `SIGPIPE` for the host.
//! `sock_*` on a descriptor that is not a socket is `ENOTSOCK`; data calls on a listener
//! are `ENOTCONN`.

use super::errno::*;
use super::fds::{Desc, Entry, FDFLAGS_NONBLOCK, Fds};
use super::poll::{self, WaitPolicy};
use super::rights;
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

/// `sock_recv` input flags.
pub const RECV_PEEK: u16 = 1;
pub const RECV_WAITALL: u16 = 2;
/// `sock_shutdown` flags.
const SHUT_RD: u8 = 1;
const SHUT_WR: u8 = 2;

/// Runs `op` (a non-blocking host call on `fd`) until it does not answer `EAGAIN`,
/// waiting for `events` in between; a non-blocking descriptor answers at once, and a wait
/// past `max_block` gives up with `EAGAIN`.
fn retry<T>(
    fd: RawFd,
    events: i16,
    nonblocking: bool,
    policy: &WaitPolicy,
    mut op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, Errno> {
    let deadline = policy.max_block.and_then(|d| Instant::now().checked_add(d));
    loop {
        match op() {
            Err(EAGAIN) if !nonblocking => {
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                if left == Some(Duration::ZERO) || !poll::wait(fd, events, left, policy)? {
                    return Err(EAGAIN);
                }
            }
            r => return r,
        }
    }
}

/// `recv(2)` on a stream with host flags `flags`; the count (0 at end of stream).
fn host_recv(fd: RawFd, buf: &mut [u8], flags: i32) -> Result<usize, Errno> {
    // SAFETY: `buf` is writable for its length; `fd` is an open socket.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), flags | libc::MSG_DONTWAIT) };
    if n < 0 { Err(last()) } else { Ok(n as usize) }
}

/// Reads from a connected stream (`fd_read`, `sock_recv`) with WASI `riflags`.
/// `RECV_WAITALL` on a blocking descriptor without a [`WaitPolicy::max_block`] waits for the
/// whole buffer (or the end of the stream) with a blocking host `recv`; otherwise it
/// returns what one ready `recv` gives, as a short count is always allowed.
pub fn recv(
    s: &TcpStream,
    buf: &mut [u8],
    riflags: u16,
    nonblocking: bool,
    policy: &WaitPolicy,
) -> Result<usize, Errno> {
    let fd = s.as_raw_fd();
    let mut flags = 0;
    if riflags & RECV_PEEK != 0 {
        flags |= libc::MSG_PEEK;
    }
    if riflags & RECV_WAITALL != 0
        && !nonblocking
        && policy.max_block.is_none()
        && policy.cancel.is_none()
        && !buf.is_empty()
    {
        // Wait for the first byte as usual, then let the kernel gather the rest.
        retry(fd, libc::POLLIN, false, policy, || host_recv(fd, &mut [0u8], libc::MSG_PEEK))?;
        s.set_nonblocking(false).map_err(|e| errno_of(&e))?;
        // SAFETY: as in `host_recv`; the socket is blocking for this call only.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), flags | libc::MSG_WAITALL) };
        let r = if n < 0 { Err(last()) } else { Ok(n as usize) };
        s.set_nonblocking(true).map_err(|e| errno_of(&e))?;
        return r;
    }
    retry(fd, libc::POLLIN, nonblocking, policy, || host_recv(fd, buf, flags))
}

/// Writes to a connected stream (`fd_write`, `sock_send`); the count.
pub fn send(s: &TcpStream, data: &[u8], nonblocking: bool, policy: &WaitPolicy) -> Result<usize, Errno> {
    let fd = s.as_raw_fd();
    retry(fd, libc::POLLOUT, nonblocking, policy, || {
        // SAFETY: `data` is readable for its length; `fd` is an open socket.
        let n = unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) };
        if n < 0 { Err(last()) } else { Ok(n as usize) }
    })
}

impl Fds {
    /// The socket entry `fd` for a `sock_*` call needing `needed`: `ENOTSOCK` for
    /// anything else (checked before the rights, which a file may also lack).
    fn socket(&mut self, fd: u32, needed: u64) -> Result<&mut Entry, Errno> {
        if !matches!(self.get(fd, 0)?.filetype(), super::fds::FILETYPE_SOCKET_STREAM) {
            return Err(ENOTSOCK);
        }
        self.entry(fd, needed)
    }

    /// `sock_accept`: the next connection on listener `fd`, as a new stream descriptor
    /// with `fdflags` (only `NONBLOCK` is allowed).
    pub fn accept(&mut self, fd: u32, fdflags: u16) -> Result<u32, Errno> {
        if fdflags & !FDFLAGS_NONBLOCK != 0 {
            return Err(EINVAL);
        }
        let waits = self.waits.clone();
        let e = self.socket(fd, rights::SOCK_ACCEPT)?;
        let nonblocking = e.nonblocking();
        let Desc::Listener(l) = &e.desc else { return Err(EINVAL) };
        let (stream, _) =
            retry(l.as_raw_fd(), libc::POLLIN, nonblocking, &waits, || l.accept().map_err(|e| errno_of(&e)))?;
        stream.set_nonblocking(true).map_err(|e| errno_of(&e))?;
        let mut entry = Entry::new(Desc::Stream(stream), 0);
        entry.flags = fdflags;
        Ok(self.insert(entry))
    }

    /// `sock_recv` into `buf` with `riflags`; the count and the `roflags` (always 0: a
    /// stream is never truncated).
    pub fn sock_recv(&mut self, fd: u32, buf: &mut [u8], riflags: u16) -> Result<(usize, u16), Errno> {
        if riflags & !(RECV_PEEK | RECV_WAITALL) != 0 {
            return Err(EINVAL);
        }
        let waits = self.waits.clone();
        let e = self.socket(fd, rights::FD_READ)?;
        let nonblocking = e.nonblocking();
        match &e.desc {
            Desc::Stream(s) => Ok((recv(s, buf, riflags, nonblocking, &waits)?, 0)),
            _ => Err(ENOTCONN),
        }
    }

    /// `sock_send`; the count. No `siflags` are defined: they must be 0.
    pub fn sock_send(&mut self, fd: u32, data: &[u8], siflags: u16) -> Result<usize, Errno> {
        if siflags != 0 {
            return Err(EINVAL);
        }
        let waits = self.waits.clone();
        let e = self.socket(fd, rights::FD_WRITE)?;
        let nonblocking = e.nonblocking();
        match &e.desc {
            Desc::Stream(s) => send(s, data, nonblocking, &waits),
            _ => Err(ENOTCONN),
        }
    }

    /// `sock_shutdown`: `how` is `RD`, `WR` or both.
    pub fn shutdown(&mut self, fd: u32, how: u8) -> Result<(), Errno> {
        let host_how = match how {
            SHUT_RD => libc::SHUT_RD,
            SHUT_WR => libc::SHUT_WR,
            x if x == SHUT_RD | SHUT_WR => libc::SHUT_RDWR,
            _ => return Err(EINVAL),
        };
        let e = self.socket(fd, rights::SOCK_SHUTDOWN)?;
        let Desc::Stream(s) = &e.desc else { return Err(ENOTCONN) };
        // SAFETY: `s` is an open socket.
        if unsafe { libc::shutdown(s.as_raw_fd(), host_how) } != 0 {
            return Err(last());
        }
        Ok(())
    }
}
