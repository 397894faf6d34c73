// poll_oneoff readiness under `lathe run --dir DIR::/sandbox` with standard input a pipe
// the test (tests/wasi_fs.rs) writes to only after this program prints "waiting": an empty
// pipe is not ready (the clock fires first), a written one is (with its byte count), a
// closed one hangs up; a regular file is ready with the bytes after its offset; absolute
// clocks; per-subscription errors (bad descriptor, no poll right, unknown clock).
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static __wasi_subscription_t fd_sub(__wasi_userdata_t u, __wasi_eventtype_t tag, __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = u;
    s.u.tag = tag;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t u, __wasi_clockid_t id, __wasi_timestamp_t t, int abs) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = u;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = t;
    s.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
    return s;
}

static void show(const char *what, __wasi_subscription_t *subs, int n) {
    __wasi_event_t ev[8];
    __wasi_size_t got = 0;
    __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, n, &got);
    printf("%s: errno %d, %lu events:", what, e, (unsigned long)got);
    for (__wasi_size_t k = 0; k < got; k++)
        printf(" [userdata %llu type %d error %d nbytes %llu hangup %d]", (unsigned long long)ev[k].userdata,
               ev[k].type, ev[k].error, (unsigned long long)ev[k].fd_readwrite.nbytes,
               (ev[k].fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP) != 0);
    printf("\n");
    fflush(stdout);
}

int main(void) {
    __wasi_subscription_t subs[4];
    subs[0] = fd_sub(1, __WASI_EVENTTYPE_FD_READ, 0);
    subs[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 1000000, 0);
    show("empty stdin, 1ms clock", subs, 2);

    __wasi_timestamp_t now, later;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &now);
    subs[0] = clock_sub(3, __WASI_CLOCKID_REALTIME, now + 20000000, 1);
    show("absolute realtime clock 20ms ahead", subs, 1);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &later);
    printf("waited at least 20ms: %d\n", later >= now + 20000000);
    subs[0] = clock_sub(4, __WASI_CLOCKID_MONOTONIC, 0, 1);
    show("absolute clock in the past", subs, 1);

    subs[0] = fd_sub(5, __WASI_EVENTTYPE_FD_READ, 99);
    subs[1] = clock_sub(6, 77, 0, 0);
    subs[2] = fd_sub(7, __WASI_EVENTTYPE_FD_WRITE, 1);
    show("bad fd, unknown clock, stdout writable", subs, 3);

    __wasi_fd_t f;
    __wasi_errno_t e = __wasi_path_open(3, 0, "file", __WASI_OFLAGS_CREAT,
                                        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |
                                            __WASI_RIGHTS_POLL_FD_READWRITE | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS,
                                        0, 0, &f);
    __wasi_ciovec_t out = {(const uint8_t *)"0123456789", 10};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    if (e || __wasi_fd_write(f, &out, 1, &n) || __wasi_fd_seek(f, 3, __WASI_WHENCE_SET, &pos))
        printf("setting up the file failed\n");
    subs[0] = fd_sub(8, __WASI_EVENTTYPE_FD_READ, f);
    subs[1] = fd_sub(9, __WASI_EVENTTYPE_FD_WRITE, f);
    show("regular file at offset 3 of 10", subs, 2);
    e = __wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ, 0);
    show("regular file without the poll right", subs, 1);
    (void)__wasi_fd_close(f);
    (void)__wasi_path_unlink_file(3, "file");

    printf("waiting\n");
    fflush(stdout);
    subs[0] = fd_sub(10, __WASI_EVENTTYPE_FD_READ, 0);
    subs[1] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 60ull * 1000000000ull, 0);
    show("stdin after the test wrote 5 bytes", subs, 2);
    // Two bytes first: the other three must still show as readable (nothing may sit in a
    // host-side buffer that poll_oneoff cannot see).
    char buf[16];
    __wasi_iovec_t in = {(uint8_t *)buf, 2};
    e = __wasi_fd_read(0, &in, 1, &n);
    printf("read 2: %d, \"%.*s\"\n", e, (int)n, buf);
    show("stdin with 3 bytes left", subs, 2);
    in.buf_len = sizeof buf - 2;
    in.buf = (uint8_t *)buf + 2;
    __wasi_size_t m = 0;
    e = __wasi_fd_read(0, &in, 1, &m);
    printf("read: %d, \"%.*s\"\n", e, (int)(n + m) - 1, buf);
    fflush(stdout);
    show("stdin closed by the test", subs, 2);
    show("no subscriptions", subs, 0);
    return 0;
}
