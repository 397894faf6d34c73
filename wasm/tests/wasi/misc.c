/* misc: the WASI calls the file-system programs leave out, in the directory named by
 * argv[1]: random bytes (random_get), yielding (sched_yield), file advice and allocation
 * (fd_advise, fd_allocate), times set on an open file (fd_filestat_set_times), the
 * arguments and the environment (args_*, environ_*). Prints only what does not depend on
 * the platform, so the output is the same natively and under `lathe run --dir`. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

static char path[4096];

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    printf("argc: %d\n", argc);
    printf("unset variable: %s\n", getenv("LATHE_WASI_MISC_UNSET") ? "set" : "unset");

    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    printf("getentropy: %d %d\n", getentropy(a, sizeof a), getentropy(b, sizeof b));
    int zero = 1;
    for (size_t k = 0; k < sizeof a; k++)
        zero &= a[k] == 0;
    printf("random bytes all zero: %d, two draws equal: %d\n", zero, memcmp(a, b, sizeof a) == 0);

    printf("sched_yield: %d\n", sched_yield());

    snprintf(path, sizeof path, "%s/misc_file", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("open: %d\n", fd >= 0);
    printf("posix_fadvise sequential: %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    printf("posix_fadvise bad advice: %d\n", posix_fadvise(fd, 0, 0, 99) != 0);
    printf("posix_fallocate 4096: %d\n", posix_fallocate(fd, 0, 4096));
    struct stat st;
    fstat(fd, &st);
    printf("size after fallocate: %lld\n", (long long)st.st_size);
    printf("posix_fallocate within: %d\n", posix_fallocate(fd, 100, 100));
    fstat(fd, &st);
    printf("size unchanged: %lld\n", (long long)st.st_size);

    struct timespec times[2] = {{1000000000, 250}, {1200000000, 500}};
    printf("futimens: %d\n", futimens(fd, times));
    fstat(fd, &st);
    printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
    printf("futimens omit atime: %d\n", futimens(fd, omit));
    fstat(fd, &st);
    printf("atime %lld mtime %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    /* Both times to now. Under WASI through the call itself: Debian's wasi-libc turns
     * futimens(fd, NULL) into "set both to 0", and its <sys/stat.h> UTIME_NOW is not the
     * value its futimens checks. */
#ifdef __wasi__
    printf("futimens now: %d\n",
           __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW) ? -1 : 0);
#else
    printf("futimens now: %d\n", futimens(fd, NULL));
#endif
    fstat(fd, &st);
    printf("mtime moved to now: %d\n", st.st_mtim.tv_sec > 1600000000);

    close(fd);
    printf("unlink: %d\n", unlink(path));
    return 0;
}
