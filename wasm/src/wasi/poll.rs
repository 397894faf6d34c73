//! `poll_oneoff` and waiting for host descriptors.
//!
//! Subscriptions (48 bytes each): clock ones (relative, or absolute with
//! `SUBSCRIPTION_CLOCK_ABSTIME`) set a deadline; `fd_read`/`fd_write` ones on the standard
//! streams and sockets wait for real readiness with the host's `ppoll(2)`; regular files
//! and directories are always ready (a file's `fd_read` event carries the bytes left after
//! its offset, a write event 0). The wait lasts until the earliest deadline (for ever
//! without a clock subscription), cut to [`WaitPolicy::max_block`] when the embedder sets one (a
//! wait that runs out with nothing ready then answers `EAGAIN`).
//!
//! A subscription that cannot be served (bad descriptor: `EBADF`, no `POLL_FD_READWRITE`
//! right: `ENOTCAPABLE`, unknown clock: `EINVAL`) is an event of its own with that error,
//! delivered at once; the call's own errno is for a malformed list only (none, or an
//! unknown subscription tag). Events (32 bytes each) follow the order of the
//! subscriptions.

use super::clock;
use super::errno::*;
use super::fds::{Desc, Fds};
use super::rights;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a blocking WASI call may wait, as the embedder sets it.
#[derive(Clone, Debug, Default)]
pub struct WaitPolicy {
    /// The longest one call may block the host thread (`None`: as long as it takes); a
    /// wait that runs out answers `EAGAIN`.
    pub max_block: Option<Duration>,
    /// Set by another thread to stop every wait at once: the call answers `EINTR` (within
    /// [`CANCEL_SLICE`]), so an interrupted guest gets back to its code, where the
    /// interrupt traps.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// How often a wait looks at [`WaitPolicy::cancel`].
pub const CANCEL_SLICE: Duration = Duration::from_millis(20);

impl WaitPolicy {
    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst))
    }
}

const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const SUBCLOCK_ABSTIME: u16 = 1;
const EVENTRW_HANGUP: u16 = 1;

/// `ppoll` on `fds` for at most `limit` (for ever when `None`), retried on `EINTR`; the
/// number of descriptors with events. With a cancel flag the wait goes in slices of
/// [`CANCEL_SLICE`] and answers `EINTR` once the flag is set.
fn host_poll(fds: &mut [libc::pollfd], limit: Option<Duration>, policy: &WaitPolicy) -> Result<usize, Errno> {
    let deadline = limit.and_then(|d| Instant::now().checked_add(d));
    loop {
        if policy.cancelled() {
            return Err(EINTR);
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let slice = match (left, policy.cancel.is_some()) {
            (Some(l), true) => Some(l.min(CANCEL_SLICE)),
            (None, true) => Some(CANCEL_SLICE),
            (l, false) => l,
        };
        let ts = slice.map(|d| libc::timespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
            tv_nsec: d.subsec_nanos() as libc::c_long,
        });
        let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `fds` is a valid array of `pollfd` for its length, `ts_ptr` null or a
        // valid timespec, and no signal mask is passed.
        let n = unsafe { libc::ppoll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ts_ptr, std::ptr::null()) };
        if n > 0 || (n == 0 && left.is_some_and(|l| l <= slice.unwrap_or(l))) {
            return Ok(n as usize);
        }
        if n == 0 {
            continue;
        }
        let e = last();
        if e != EINTR {
            return Err(e);
        }
    }
}

/// Waits until host descriptor `fd` has `events` (`POLLIN`, `POLLOUT`) or `limit`
/// passes; whether it is ready (an error or hang-up counts as ready: the call that
/// follows reports it).
pub fn wait(fd: RawFd, events: i16, limit: Option<Duration>, policy: &WaitPolicy) -> Result<bool, Errno> {
    let mut p = [libc::pollfd { fd, events, revents: 0 }];
    Ok(host_poll(&mut p, limit, policy)? > 0)
}

/// Before a read of a host descriptor that blocks (standard input): a non-blocking guest
/// descriptor, or a policy with `max_block`, only reads when the descriptor is ready in
/// time (else `EAGAIN`); with a cancel flag, the wait for readiness can be cancelled.
pub fn wait_ready(fd: RawFd, events: i16, nonblocking: bool, policy: &WaitPolicy) -> Result<(), Errno> {
    let limit = if nonblocking { Some(Duration::ZERO) } else { policy.max_block };
    if limit.is_none() && policy.cancel.is_none() {
        return Ok(());
    }
    if wait(fd, events, limit, policy)? { Ok(()) } else { Err(EAGAIN) }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn event(userdata: u64, error: Errno, kind: u8, nbytes: u64, flags: u16) -> [u8; 32] {
    let mut e = [0u8; 32];
    e[0..8].copy_from_slice(&userdata.to_le_bytes());
    e[8..10].copy_from_slice(&(error as u16).to_le_bytes());
    e[10] = kind;
    e[16..24].copy_from_slice(&nbytes.to_le_bytes());
    e[24..26].copy_from_slice(&flags.to_le_bytes());
    e
}

/// The bytes a read of `fd` would get now, when the host can tell (`FIONREAD`); 0
/// otherwise.
fn readable_bytes(fd: RawFd) -> u64 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int to `n`.
    if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } == 0 { n.max(0) as u64 } else { 0 }
}

/// The bytes of a regular file after its offset.
fn file_bytes_left(f: &std::fs::File) -> u64 {
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    // SAFETY: seeking by 0 from the current offset only reads the offset.
    let pos = unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_CUR) };
    size.saturating_sub(pos.max(0) as u64)
}

/// One subscription, as understood.
enum Sub {
    /// Done already: the event to report.
    Now([u8; 32]),
    /// A clock firing at `deadline` (`None`: too far to reach).
    Clock { userdata: u64, deadline: Option<Instant> },
    /// A host descriptor to poll: its index in the `pollfd` list.
    Fd { userdata: u64, kind: u8, index: usize },
}

/// `poll_oneoff` on the subscriptions `subs` (48 bytes each): the events (32 bytes
/// each), at least one unless the wait was cut by `max_block` (then `EAGAIN`).
pub fn poll_oneoff(fds: &mut Fds, subs: &[u8]) -> Result<Vec<[u8; 32]>, Errno> {
    if subs.is_empty() {
        return Err(EINVAL);
    }
    let start = Instant::now();
    let mut pollfds: Vec<libc::pollfd> = Vec::new();
    let mut list = Vec::new();
    for s in subs.chunks_exact(48) {
        let userdata = u64_at(s, 0);
        let sub = match s[8] {
            EVENTTYPE_CLOCK => {
                let id = u32::from_le_bytes(s[16..20].try_into().expect("4 bytes"));
                let timeout = u64_at(s, 24);
                let absolute = u16::from_le_bytes([s[40], s[41]]) & SUBCLOCK_ABSTIME != 0;
                match clock::now(id) {
                    Err(e) => Sub::Now(event(userdata, e, EVENTTYPE_CLOCK, 0, 0)),
                    Ok(now) => {
                        let wait = if absolute { timeout.saturating_sub(now) } else { timeout };
                        Sub::Clock { userdata, deadline: start.checked_add(Duration::from_nanos(wait)) }
                    }
                }
            }
            kind @ (EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE) => {
                let fd = u32::from_le_bytes(s[16..20].try_into().expect("4 bytes"));
                match fds.get(fd, rights::POLL_FD_READWRITE) {
                    Err(e) => Sub::Now(event(userdata, e, kind, 0, 0)),
                    Ok(Desc::File(f)) => {
                        let n = if kind == EVENTTYPE_FD_READ { file_bytes_left(f) } else { 0 };
                        Sub::Now(event(userdata, 0, kind, n, 0))
                    }
                    Ok(Desc::Dir { .. }) => Sub::Now(event(userdata, 0, kind, 0, 0)),
                    Ok(d) => {
                        let events = if kind == EVENTTYPE_FD_READ { libc::POLLIN } else { libc::POLLOUT };
                        pollfds.push(libc::pollfd { fd: d.host_fd(), events, revents: 0 });
                        Sub::Fd { userdata, kind, index: pollfds.len() - 1 }
                    }
                }
            }
            _ => return Err(EINVAL),
        };
        list.push(sub);
    }
    let ready_now = list.iter().any(|s| matches!(s, Sub::Now(_)));
    let earliest = list
        .iter()
        .filter_map(|s| match s {
            Sub::Clock { deadline, .. } => Some(*deadline),
            _ => None,
        })
        // `None` (unreachable) sorts first: put it last.
        .min_by_key(|d| d.map_or((1, start), |d| (0, d)));
    loop {
        let mut limit = match earliest {
            _ if ready_now => Some(Duration::ZERO),
            Some(Some(d)) => Some(d.saturating_duration_since(Instant::now())),
            _ => None,
        };
        if let Some(max) = fds.waits.max_block {
            let left = max.saturating_sub(start.elapsed());
            limit = Some(limit.map_or(left, |l| l.min(left)));
        }
        host_poll(&mut pollfds, limit, &fds.waits)?;
        let now = Instant::now();
        let mut events = Vec::new();
        for s in &list {
            match *s {
                Sub::Now(e) => events.push(e),
                Sub::Clock { userdata, deadline: Some(d) } if d <= now => {
                    events.push(event(userdata, 0, EVENTTYPE_CLOCK, 0, 0))
                }
                Sub::Clock { .. } => {}
                Sub::Fd { userdata, kind, index } => {
                    let p = pollfds[index];
                    if p.revents == 0 {
                        continue;
                    }
                    let hangup = if p.revents & libc::POLLHUP != 0 { EVENTRW_HANGUP } else { 0 };
                    let error = if p.revents & libc::POLLNVAL != 0 { EBADF } else { 0 };
                    let n = if kind == EVENTTYPE_FD_READ { readable_bytes(p.fd) } else { 0 };
                    events.push(event(userdata, error, kind, n, hangup));
                }
            }
        }
        if !events.is_empty() {
            return Ok(events);
        }
        if fds.waits.max_block.is_some_and(|max| start.elapsed() >= max) {
            return Err(EAGAIN);
        }
    }
}
