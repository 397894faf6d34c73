/* fs_more: the rest of the file and clock calls, in the directory named by argv[1]
 * (empty): links, symbolic links, truncation, syncing, times, descriptor flags and
 * renumbering, clocks and sleeping. Prints only what does not depend on the platform, so
 * the native run's output is the expected output. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *root;

/* `to` becomes `from`'s open file, and `from` is closed (WASI's fd_renumber). */
#ifdef __wasi__
#include <wasi/api.h>
static int renumber(int from, int to) { return __wasi_fd_renumber(from, to) == 0 ? to : -1; }
#else
static int renumber(int from, int to) {
    int r = dup2(from, to);
    close(from);
    return r;
}
#endif

static const char *at(const char *rel) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    root = argv[1];
    int fd = open(at("f"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("write: %zd\n", write(fd, "0123456789", 10));
    printf("fsync: %d, fdatasync: %d\n", fsync(fd), fdatasync(fd));
    printf("ftruncate to 4: %d\n", ftruncate(fd, 4));
    struct stat st;
    fstat(fd, &st);
    printf("size now %lld\n", (long long)st.st_size);
    char buf[16] = {0};
    printf("pread at 1: %zd '%s'\n", pread(fd, buf, 8, 1), buf);
    printf("pwrite at 2: %zd\n", pwrite(fd, "ab", 2, 2));
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 8, 0);
    printf("now '%s'\n", buf);

    int flags = fcntl(fd, F_GETFL);
    printf("set append: %d\n", fcntl(fd, F_SETFL, flags | O_APPEND));
    printf("append flag: %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    lseek(fd, 0, SEEK_SET);
    write(fd, "Z", 1);
    fstat(fd, &st);
    printf("size after an appending write: %lld\n", (long long)st.st_size);

    int other = open(at("f"), O_RDONLY);
    printf("renumber onto another descriptor: %d\n", renumber(fd, other) == other);
    lseek(other, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    read(other, buf, 8);
    printf("read through it: '%s'\n", buf);
    close(other);

    printf("link f to g: %d\n", link(at("f"), at("g")));
    stat(at("f"), &st);
    printf("links: %lld\n", (long long)st.st_nlink);
    printf("symlink s -> f: %d\n", symlink("f", at("s")));
    char target[64] = {0};
    printf("readlink s: %zd '%s'\n", readlink(at("s"), target, sizeof target - 1), target);
    lstat(at("s"), &st);
    printf("lstat s is a link: %d\n", S_ISLNK(st.st_mode));
    stat(at("s"), &st);
    printf("stat s is the file: %d, %lld bytes\n", S_ISREG(st.st_mode), (long long)st.st_size);

    struct timespec times[2] = {{1000000000, 5}, {1200000000, 0}};
    printf("utimensat: %d\n", utimensat(AT_FDCWD, at("f"), times, 0));
    stat(at("f"), &st);
    printf("mtime %lld, atime %lld\n", (long long)st.st_mtime, (long long)st.st_atime);

    struct timespec a, b, res;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec nap = {0, 20000000};
    printf("nanosleep: %d\n", nanosleep(&nap, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long slept = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    printf("slept at least 20 ms: %d\n", slept >= 20000000);
    printf("monotonic resolution positive: %d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && (res.tv_sec || res.tv_nsec));
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    printf("process cputime readable: %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0);

    unlink(at("s"));
    unlink(at("g"));
    unlink(at("f"));
    printf("done\n");
    return 0;
}
