//! WASI errno values (the `errno` enum of `wasi_snapshot_preview1`) and the mapping of
//! host errors to them. Every WASI function answers one of these; a host error the table
//! does not name becomes `EIO`.

/// A WASI errno value.
pub type Errno = i32;

pub const EACCES: Errno = 2;
pub const EADDRINUSE: Errno = 3;
pub const EAGAIN: Errno = 6;
pub const EBADF: Errno = 8;
pub const ECONNABORTED: Errno = 13;
pub const ECONNREFUSED: Errno = 14;
pub const ECONNRESET: Errno = 15;
pub const EEXIST: Errno = 20;
pub const EFAULT: Errno = 21;
pub const EILSEQ: Errno = 25;
pub const EINTR: Errno = 27;
pub const EINVAL: Errno = 28;
pub const EIO: Errno = 29;
pub const EISDIR: Errno = 31;
pub const ELOOP: Errno = 32;
pub const ENAMETOOLONG: Errno = 37;
pub const ENOENT: Errno = 44;
pub const ENOSPC: Errno = 51;
pub const ENOSYS: Errno = 52;
pub const ENOTCONN: Errno = 53;
pub const ENOTDIR: Errno = 54;
pub const ENOTEMPTY: Errno = 55;
pub const ENOTSOCK: Errno = 57;
pub const ENOTSUP: Errno = 58;
pub const EPERM: Errno = 63;
pub const EPIPE: Errno = 64;
pub const EROFS: Errno = 69;
pub const ESPIPE: Errno = 70;
pub const ENOTCAPABLE: Errno = 76;

/// The WASI errno for a host `errno` value.
pub fn from_host(code: i32) -> Errno {
    match code {
        libc::EACCES => EACCES,
        libc::EADDRINUSE => EADDRINUSE,
        libc::EAGAIN => EAGAIN,
        libc::EBADF => EBADF,
        libc::ECONNABORTED => ECONNABORTED,
        libc::ECONNREFUSED => ECONNREFUSED,
        libc::ECONNRESET => ECONNRESET,
        libc::EEXIST => EEXIST,
        libc::EINTR => EINTR,
        libc::EINVAL => EINVAL,
        libc::EISDIR => EISDIR,
        libc::ELOOP => ELOOP,
        libc::ENAMETOOLONG => ENAMETOOLONG,
        libc::ENOENT => ENOENT,
        libc::ENOSPC => ENOSPC,
        libc::ENOTCONN => ENOTCONN,
        libc::ENOTDIR => ENOTDIR,
        libc::ENOTEMPTY => ENOTEMPTY,
        libc::ENOTSOCK => ENOTSOCK,
        libc::EPERM => EPERM,
        libc::EPIPE => EPIPE,
        libc::EROFS => EROFS,
        libc::ESPIPE => ESPIPE,
        // RESOLVE_BENEATH's answer to a path that would leave the directory.
        libc::EXDEV => ENOTCAPABLE,
        _ => EIO,
    }
}

/// The WASI errno for a host error.
pub fn errno_of(e: &std::io::Error) -> Errno {
    e.raw_os_error().map_or(EIO, from_host)
}

/// The WASI errno of the host call that just failed.
pub fn last() -> Errno {
    errno_of(&std::io::Error::last_os_error())
}
