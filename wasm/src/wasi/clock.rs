//! WASI clocks and `poll_oneoff`: realtime, monotonic, process and thread CPU time (from
//! the host's `clock_gettime`), and polling that sleeps until the earliest clock
//! subscription, reporting descriptor subscriptions as ready at once (reads and writes of
//! files and the standard streams do not block the guest for long; sockets are not
//! offered yet).

use super::fs::{EINVAL, Errno};

/// The host clock of a WASI clock id.
fn host_clock(id: u32) -> Result<libc::clockid_t, Errno> {
    Ok(match id {
        0 => libc::CLOCK_REALTIME,
        1 => libc::CLOCK_MONOTONIC,
        2 => libc::CLOCK_PROCESS_CPUTIME_ID,
        3 => libc::CLOCK_THREAD_CPUTIME_ID,
        _ => return Err(EINVAL),
    })
}

fn nanos(t: libc::timespec) -> u64 {
    (t.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(t.tv_nsec as u64)
}

/// `clock_time_get`: the time of clock `id` in nanoseconds.
pub fn now(id: u32) -> Result<u64, Errno> {
    let clock = host_clock(id)?;
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a writable timespec and `clock` a valid clock id.
    if unsafe { libc::clock_gettime(clock, &mut t) } != 0 {
        return Err(EINVAL);
    }
    Ok(nanos(t))
}

/// `clock_res_get`: the resolution of clock `id` in nanoseconds.
pub fn resolution(id: u32) -> Result<u64, Errno> {
    let clock = host_clock(id)?;
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: as in `now`.
    if unsafe { libc::clock_getres(clock, &mut t) } != 0 {
        return Err(EINVAL);
    }
    Ok(nanos(t).max(1))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// `poll_oneoff` on the subscriptions `subs` (48 bytes each): the events (32 bytes each).
pub fn poll(subs: &[u8]) -> Result<Vec<[u8; 32]>, Errno> {
    if subs.is_empty() {
        return Err(EINVAL);
    }
    let event = |userdata: u64, error: u16, kind: u8| {
        let mut e = [0u8; 32];
        e[0..8].copy_from_slice(&userdata.to_le_bytes());
        e[8..10].copy_from_slice(&error.to_le_bytes());
        e[10] = kind;
        e
    };
    let mut ready = Vec::new();
    let mut earliest: Option<(u64, Vec<u64>)> = None;
    for s in subs.chunks_exact(48) {
        let userdata = u64_at(s, 0);
        match s[8] {
            0 => {
                let id = u32::from_le_bytes(s[16..20].try_into().expect("4 bytes"));
                let timeout = u64_at(s, 24);
                let absolute = u16::from_le_bytes([s[40], s[41]]) & 1 != 0;
                let now_ns = match now(id) {
                    Ok(t) => t,
                    Err(e) => {
                        ready.push(event(userdata, e as u16, 0));
                        continue;
                    }
                };
                let wait = if absolute { timeout.saturating_sub(now_ns) } else { timeout };
                match &mut earliest {
                    Some((w, users)) if *w == wait => users.push(userdata),
                    Some((w, _)) if *w < wait => {}
                    _ => earliest = Some((wait, vec![userdata])),
                }
            }
            kind @ (1 | 2) => {
                // fd_read / fd_write: ready now, with no byte count promised.
                ready.push(event(userdata, 0, kind));
            }
            _ => return Err(EINVAL),
        }
    }
    if ready.is_empty()
        && let Some((wait, users)) = earliest
    {
        std::thread::sleep(std::time::Duration::from_nanos(wait));
        ready.extend(users.into_iter().map(|u| event(u, 0, 0)));
    }
    Ok(ready)
}
