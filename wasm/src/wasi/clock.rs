//! WASI clocks: realtime, monotonic, process and thread CPU time (from the host's
//! `clock_gettime`), with their resolutions. (`poll_oneoff` is in `poll.rs`.)

use super::errno::{EINVAL, Errno};

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
