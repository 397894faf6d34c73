// A tiny TCP echo server on the listening socket `lathe run --tcplisten` preopens (fd 3),
// driven by tests/wasi_fs.rs, which connects, sends "hello, lathe\n", reads the echo,
// sends "bye\n" and closes its side. Prints one line per step: what it checked and the
// errno the runtime answered, so the test compares the whole output.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char *name(__wasi_errno_t e) {
    switch (e) {
    case 0: return "ok";
    case __WASI_ERRNO_AGAIN: return "EAGAIN";
    case __WASI_ERRNO_BADF: return "EBADF";
    case __WASI_ERRNO_INVAL: return "EINVAL";
    case __WASI_ERRNO_NOTCAPABLE: return "ENOTCAPABLE";
    case __WASI_ERRNO_NOTCONN: return "ENOTCONN";
    case __WASI_ERRNO_NOTDIR: return "ENOTDIR";
    case __WASI_ERRNO_NOTSOCK: return "ENOTSOCK";
    case __WASI_ERRNO_SPIPE: return "ESPIPE";
    default: return "other";
    }
}

static __wasi_errno_t recv_into(__wasi_fd_t fd, char *buf, size_t len, __wasi_riflags_t flags, size_t *got) {
    __wasi_iovec_t iov = {(uint8_t *)buf, len};
    __wasi_size_t n = 0;
    __wasi_roflags_t ro = 99;
    __wasi_errno_t e = __wasi_sock_recv(fd, &iov, 1, flags, &n, &ro);
    *got = n;
    if (e == 0 && ro != 0) printf("unexpected roflags %d\n", ro);
    return e;
}

static __wasi_errno_t send_all(__wasi_fd_t fd, const char *buf, size_t len) {
    __wasi_ciovec_t iov = {(const uint8_t *)buf, len};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_sock_send(fd, &iov, 1, 0, &n);
    if (e == 0 && n != len) printf("short send %lu\n", (unsigned long)n);
    return e;
}

int main(void) {
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(3, &st);
    printf("listener fdstat: %s, socket stream %d, accept right %d\n", name(e),
           st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM, (st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT) != 0);
    __wasi_fd_t c = 0;
    printf("accept on stdout: %s\n", name(__wasi_sock_accept(1, 0, &c)));
    printf("accept with bad flags: %s\n", name(__wasi_sock_accept(3, __WASI_FDFLAGS_APPEND, &c)));
    size_t got = 0;
    char buf[64];
    printf("recv on the listener: %s\n", name(recv_into(3, buf, sizeof buf, 0, &got)));

    // Wait for the client: readiness of the listener, with a long clock as a backstop.
    __wasi_subscription_t subs[2];
    memset(subs, 0, sizeof subs);
    subs[0].userdata = 1;
    subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    subs[0].u.u.fd_read.file_descriptor = 3;
    subs[1].userdata = 2;
    subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[1].u.u.clock.timeout = 60ull * 1000000000ull;
    __wasi_event_t ev[2];
    __wasi_size_t nev = 0;
    e = __wasi_poll_oneoff(subs, ev, 2, &nev);
    printf("poll for a connection: %s, %lu event, userdata %llu, error %d\n", name(e), (unsigned long)nev,
           (unsigned long long)ev[0].userdata, ev[0].error);

    e = __wasi_sock_accept(3, 0, &c);
    printf("accept: %s\n", name(e));
    if (e) return 1;
    if (__wasi_fd_fdstat_get(c, &st)) printf("fdstat failed\n");
    printf("connection fdstat: socket stream %d, flags %d, shutdown right %d, accept right %d\n",
           st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM, st.fs_flags,
           (st.fs_rights_base & __WASI_RIGHTS_SOCK_SHUTDOWN) != 0, (st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT) != 0);
    printf("set listener non-blocking: %s\n", name(__wasi_fd_fdstat_set_flags(3, __WASI_FDFLAGS_NONBLOCK)));
    __wasi_fd_t none;
    printf("accept with no one waiting: %s\n", name(__wasi_sock_accept(3, 0, &none)));

    // The first message: peeked, then read whole with WAITALL, then echoed.
    subs[0].u.u.fd_read.file_descriptor = c;
    e = __wasi_poll_oneoff(subs, ev, 2, &nev);
    printf("poll for data: %s, userdata %llu, some bytes %d\n", name(e), (unsigned long long)ev[0].userdata,
           ev[0].fd_readwrite.nbytes > 0);
    e = recv_into(c, buf, 5, __WASI_RIFLAGS_RECV_PEEK, &got);
    printf("peek: %s, \"%.*s\"\n", name(e), (int)got, buf);
    e = recv_into(c, buf, 13, __WASI_RIFLAGS_RECV_WAITALL, &got);
    printf("recv waitall: %s, %zu bytes, \"%.*s\"\n", name(e), got, (int)got - 1, buf);
    printf("send: %s\n", name(send_all(c, buf, got)));

    // The rest, through fd_read/fd_write, until the client closes its side.
    size_t total = 0;
    for (;;) {
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
        __wasi_size_t n = 0;
        e = __wasi_fd_read(c, &iov, 1, &n);
        if (e || n == 0) break;
        __wasi_ciovec_t out = {(const uint8_t *)buf, n};
        __wasi_size_t w = 0;
        if (__wasi_fd_write(c, &out, 1, &w) || w != n) printf("fd_write failed\n");
        total += n;
    }
    printf("fd_read until end of stream: %s, echoed %zu bytes\n", name(e), total);

    __wasi_filesize_t pos;
    printf("seek on a socket: %s\n", name(__wasi_fd_seek(c, 0, __WASI_WHENCE_SET, &pos)));
    __wasi_fd_t f;
    printf("path_open beneath a socket: %s\n", name(__wasi_path_open(c, 0, "x", 0, 0, 0, 0, &f)));
    printf("shutdown with bad flags: %s\n", name(__wasi_sock_shutdown(c, 4)));
    printf("shutdown on the listener: %s\n", name(__wasi_sock_shutdown(3, __WASI_SDFLAGS_RD)));
    printf("shutdown on stdout: %s\n", name(__wasi_sock_shutdown(1, __WASI_SDFLAGS_RD)));
    printf("drop the write right: %s\n", name(__wasi_fd_fdstat_set_rights(c, st.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0)));
    printf("send without it: %s\n", name(send_all(c, "x", 1)));
    printf("shutdown write: %s\n", name(__wasi_sock_shutdown(c, __WASI_SDFLAGS_WR)));
    printf("close: %s\n", name(__wasi_fd_close(c)));
    printf("recv after close: %s\n", name(recv_into(c, buf, 1, 0, &got)));
    return 0;
}
