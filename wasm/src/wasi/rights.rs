//! WASI rights: the operations a descriptor allows (`rights` in the witx), as a base set
//! (what the descriptor itself may do) and an inheriting set (the most a descriptor opened
//! through it by `path_open` may get). Rights only shrink: `fd_fdstat_set_rights` may drop
//! them, `path_open` intersects what the guest asks for with the directory's inheriting
//! set, and a read-only preopen starts without the rights that write.
//!
//! The check lives in one place, [`super::fds::Fds::entry`]; this module holds the bits
//! and the sets each kind of descriptor can have at most.

/// The right to call `fd_datasync`.
pub const FD_DATASYNC: u64 = 1 << 0;
/// The right to call `fd_read`.
pub const FD_READ: u64 = 1 << 1;
/// The right to call `fd_seek`.
pub const FD_SEEK: u64 = 1 << 2;
/// The right to call `fd_fdstat_set_flags`.
pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
/// The right to call `fd_sync`.
pub const FD_SYNC: u64 = 1 << 4;
/// The right to call `fd_tell`.
pub const FD_TELL: u64 = 1 << 5;
/// The right to call `fd_write`.
pub const FD_WRITE: u64 = 1 << 6;
/// The right to call `fd_advise`.
pub const FD_ADVISE: u64 = 1 << 7;
/// The right to call `fd_allocate`.
pub const FD_ALLOCATE: u64 = 1 << 8;
/// The right to call `path_create_directory`.
pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
/// The right to create files with `path_open`.
pub const PATH_CREATE_FILE: u64 = 1 << 10;
/// The right to be the source directory of `path_link`.
pub const PATH_LINK_SOURCE: u64 = 1 << 11;
/// The right to be the target directory of `path_link`.
pub const PATH_LINK_TARGET: u64 = 1 << 12;
/// The right to call `path_open`.
pub const PATH_OPEN: u64 = 1 << 13;
/// The right to call `fd_readdir`.
pub const FD_READDIR: u64 = 1 << 14;
/// The right to call `path_readlink`.
pub const PATH_READLINK: u64 = 1 << 15;
/// The right to be the source directory of `path_rename`.
pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
/// The right to be the target directory of `path_rename`.
pub const PATH_RENAME_TARGET: u64 = 1 << 17;
/// The right to call `path_filestat_get`.
pub const PATH_FILESTAT_GET: u64 = 1 << 18;
/// The right to truncate with `path_open` (`O_TRUNC`).
pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
/// The right to call `path_filestat_set_times`.
pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
/// The right to call `fd_filestat_get`.
pub const FD_FILESTAT_GET: u64 = 1 << 21;
/// The right to call `fd_filestat_set_size`.
pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
/// The right to call `fd_filestat_set_times`.
pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
/// The right to call `path_symlink`.
pub const PATH_SYMLINK: u64 = 1 << 24;
/// The right to call `path_remove_directory`.
pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
/// The right to call `path_unlink_file`.
pub const PATH_UNLINK_FILE: u64 = 1 << 26;
/// The right to subscribe to the descriptor in `poll_oneoff`.
pub const POLL_FD_READWRITE: u64 = 1 << 27;
/// The right to call `sock_shutdown`.
pub const SOCK_SHUTDOWN: u64 = 1 << 28;
/// The right to call `sock_accept`.
pub const SOCK_ACCEPT: u64 = 1 << 29;

/// Rights every kind of descriptor has.
const COMMON: u64 = FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;

/// The most a regular file may do.
pub const FILE: u64 = COMMON
    | FD_DATASYNC
    | FD_READ
    | FD_SEEK
    | FD_SYNC
    | FD_TELL
    | FD_WRITE
    | FD_ADVISE
    | FD_ALLOCATE
    | FD_FILESTAT_SET_SIZE
    | FD_FILESTAT_SET_TIMES;

/// The most a directory may do.
pub const DIRECTORY: u64 = COMMON
    | FD_DATASYNC
    | FD_SYNC
    | FD_ADVISE
    | FD_READDIR
    | FD_FILESTAT_SET_TIMES
    | PATH_CREATE_DIRECTORY
    | PATH_CREATE_FILE
    | PATH_LINK_SOURCE
    | PATH_LINK_TARGET
    | PATH_OPEN
    | PATH_READLINK
    | PATH_RENAME_SOURCE
    | PATH_RENAME_TARGET
    | PATH_FILESTAT_GET
    | PATH_FILESTAT_SET_SIZE
    | PATH_FILESTAT_SET_TIMES
    | PATH_SYMLINK
    | PATH_REMOVE_DIRECTORY
    | PATH_UNLINK_FILE;

/// What a directory passes on: its own rights and a file's.
pub const DIRECTORY_INHERITING: u64 = DIRECTORY | FILE;

/// The rights that change the file system, which read-only preopens never have.
pub const WRITES: u64 = FD_DATASYNC
    | FD_WRITE
    | FD_ALLOCATE
    | FD_FILESTAT_SET_SIZE
    | FD_FILESTAT_SET_TIMES
    | PATH_CREATE_DIRECTORY
    | PATH_CREATE_FILE
    | PATH_LINK_SOURCE
    | PATH_LINK_TARGET
    | PATH_RENAME_SOURCE
    | PATH_RENAME_TARGET
    | PATH_FILESTAT_SET_SIZE
    | PATH_FILESTAT_SET_TIMES
    | PATH_SYMLINK
    | PATH_REMOVE_DIRECTORY
    | PATH_UNLINK_FILE;

/// A connected stream socket (from `sock_accept`).
pub const STREAM: u64 = COMMON | FD_READ | FD_WRITE | SOCK_SHUTDOWN;

/// A listening socket (`--tcplisten`).
pub const LISTENER: u64 = COMMON | SOCK_ACCEPT;

/// Standard input. wasi-libc's `isatty` is "a character device without seek and tell
/// rights", so a stream that is not a terminal also gets `FD_SEEK | FD_TELL` (seeking it
/// still fails with `ESPIPE`), and the guest buffers its output as a native program would.
pub const STDIN: u64 = COMMON | FD_READ;

/// Standard output and error (see [`STDIN`] for the seek rights).
pub const STDOUT: u64 = COMMON | FD_WRITE;

/// Seek rights a standard stream has unless it is a terminal.
pub const NOT_A_TTY: u64 = FD_SEEK | FD_TELL;

/// Every right any kind of descriptor can have.
pub const ALL: u64 = FILE | DIRECTORY | STREAM | LISTENER;
