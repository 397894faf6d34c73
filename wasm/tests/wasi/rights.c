// Rights per descriptor under `lathe run --dir DIR::/sandbox` (the preopen is fd 3):
// dropping a right makes the call that needs it fail with ENOTCAPABLE, rights cannot be
// added back, and path_open cannot give a new descriptor more than the directory's
// inheriting rights. Prints one line per step (the errno names); tests/wasi_fs.rs
// compares the whole output. Leaves the directory empty.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char *name(__wasi_errno_t e) {
    switch (e) {
    case 0: return "ok";
    case __WASI_ERRNO_BADF: return "EBADF";
    case __WASI_ERRNO_INVAL: return "EINVAL";
    case __WASI_ERRNO_NOTCAPABLE: return "ENOTCAPABLE";
    default: return "other";
    }
}

static __wasi_rights_t base_of(__wasi_fd_t fd, __wasi_rights_t *inheriting) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(fd, &st)) return 0;
    if (inheriting) *inheriting = st.fs_rights_inheriting;
    return st.fs_rights_base;
}

static __wasi_errno_t write_str(__wasi_fd_t fd, const char *s) {
    __wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
    __wasi_size_t n;
    return __wasi_fd_write(fd, &iov, 1, &n);
}

static __wasi_errno_t read_some(__wasi_fd_t fd) {
    char buf[16];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n;
    return __wasi_fd_read(fd, &iov, 1, &n);
}

int main(void) {
    const __wasi_fd_t dir = 3;
    __wasi_rights_t dir_inh = 0;
    __wasi_rights_t dir_base = base_of(dir, &dir_inh);
    printf("preopen: path_open %d, create dir %d, fd_write %d; inherits fd_write %d, fd_read %d\n",
           (dir_base & __WASI_RIGHTS_PATH_OPEN) != 0, (dir_base & __WASI_RIGHTS_PATH_CREATE_DIRECTORY) != 0,
           (dir_base & __WASI_RIGHTS_FD_WRITE) != 0, (dir_inh & __WASI_RIGHTS_FD_WRITE) != 0,
           (dir_inh & __WASI_RIGHTS_FD_READ) != 0);
    __wasi_fdstat_t out;
    (void)__wasi_fd_fdstat_get(1, &out);
    printf("stdout: fd_write %d, fd_read %d\n", (out.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0,
           (out.fs_rights_base & __WASI_RIGHTS_FD_READ) != 0);

    const __wasi_rights_t rw = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK;
    __wasi_fd_t f;
    __wasi_errno_t e = __wasi_path_open(dir, 0, "f", __WASI_OFLAGS_CREAT, rw, 0, 0, &f);
    printf("open f for reading and writing: %s, rights exactly as asked %d\n", name(e), base_of(f, 0) == rw);
    printf("write: %s\n", name(write_str(f, "data\n")));
    printf("drop fd_write: %s\n", name(__wasi_fd_fdstat_set_rights(f, rw & ~__WASI_RIGHTS_FD_WRITE, 0)));
    printf("write: %s\n", name(write_str(f, "more\n")));
    __wasi_filesize_t pos;
    printf("seek: %s\n", name(__wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos)));
    printf("read: %s\n", name(read_some(f)));
    printf("add fd_write back: %s\n", name(__wasi_fd_fdstat_set_rights(f, rw, 0)));
    printf("add an inheriting right: %s\n", name(__wasi_fd_fdstat_set_rights(f, rw & ~__WASI_RIGHTS_FD_WRITE, 1)));
    printf("drop fd_seek: %s\n", name(__wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ, 0)));
    printf("seek: %s\n", name(__wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos)));
    __wasi_filestat_t fst;
    printf("filestat: %s\n", name(__wasi_fd_filestat_get(f, &fst)));
    printf("close: %s\n", name(__wasi_fd_close(f)));

    // The directory passes on no fd_write any more: a new descriptor cannot get it.
    printf("directory: drop inherited fd_write: %s\n",
           name(__wasi_fd_fdstat_set_rights(dir, dir_base, dir_inh & ~__WASI_RIGHTS_FD_WRITE)));
    e = __wasi_path_open(dir, 0, "f", 0, rw, rw, 0, &f);
    __wasi_rights_t inh = 0;
    __wasi_rights_t got = base_of(f, &inh);
    printf("open f asking for fd_write: %s, has fd_write %d, fd_read %d, inherits fd_write %d\n", name(e),
           (got & __WASI_RIGHTS_FD_WRITE) != 0, (got & __WASI_RIGHTS_FD_READ) != 0, (inh & __WASI_RIGHTS_FD_WRITE) != 0);
    printf("write: %s\n", name(write_str(f, "more\n")));
    printf("read: %s\n", name(read_some(f)));
    (void)__wasi_fd_close(f);

    printf("directory: drop create-directory and create-file: %s\n",
           name(__wasi_fd_fdstat_set_rights(
               dir, dir_base & ~(__WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_CREATE_FILE), 0)));
    printf("mkdir: %s\n", name(__wasi_path_create_directory(dir, "d")));
    printf("open with O_CREAT: %s\n",
           name(__wasi_path_open(dir, 0, "g", __WASI_OFLAGS_CREAT, rw, 0, 0, &f)));
    e = __wasi_path_open(dir, 0, "f", 0, rw, 0, 0, &f);
    printf("open f: %s, rights %llu\n", name(e), (unsigned long long)base_of(f, 0));
    printf("read: %s\n", name(read_some(f)));
    (void)__wasi_fd_close(f);
    printf("directory: keep unlink only: %s\n", name(__wasi_fd_fdstat_set_rights(dir, __WASI_RIGHTS_PATH_UNLINK_FILE, 0)));
    printf("open: %s\n", name(__wasi_path_open(dir, 0, "f", 0, 0, 0, 0, &f)));
    printf("stat: %s\n", name(__wasi_path_filestat_get(dir, 0, "f", &fst)));
    printf("unlink: %s\n", name(__wasi_path_unlink_file(dir, "f")));
    printf("bad descriptor: %s\n", name(__wasi_fd_fdstat_set_rights(99, 0, 0)));
    return 0;
}
