/* escape: tries to reach outside the directory named by argv[1] in every way a path can,
 * and prints what each attempt gives. Run under `lathe run --dir HOST::/sandbox` with a
 * tree the test prepares (tests/wasi_fs.rs): `inside/file`, a link `up -> ..`, a link
 * `out -> ../outside` (relative, climbing out), a link `abs -> <absolute path of
 * outside>`, a link `fine -> inside/file` (stays inside), and a sibling directory
 * `outside/secret` next to the granted one. Every attempt to leave must fail; the test
 * then checks that nothing outside changed. Beyond paths: hard links in and out, renames
 * onto and of the granted directory itself, very long paths, invalid UTF-8 and NUL bytes
 * in paths (through the raw WASI call, which takes a length), and the granted
 * directory's descriptor once closed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

static const char *root;

static const char *at(const char *rel) {
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    if (rel[0] == '/')
        return rel;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static void report(const char *what, int r) {
    if (r >= 0)
        printf("%-40s ok\n", what);
    else
        printf("%-40s fails: %s\n", what, errno == ENOTCAPABLE ? "ENOTCAPABLE"
                                      : errno == ENOENT   ? "ENOENT"
                                      : errno == EPERM    ? "EPERM"
                                      : errno == EACCES   ? "EACCES"
                                      : errno == ELOOP    ? "ELOOP"
                                      : errno == ENOTDIR  ? "ENOTDIR"
                                      : errno == EILSEQ   ? "EILSEQ"
                                      : errno == EINVAL   ? "EINVAL"
                                      : errno == ENAMETOOLONG ? "ENAMETOOLONG"
                                      : errno == EBADF    ? "EBADF"
                                      : errno == EBUSY    ? "EBUSY"
                                      : errno == EISDIR   ? "EISDIR"
                                      : errno == EEXIST   ? "EEXIST"
                                      : errno == ENOTEMPTY ? "ENOTEMPTY"
                                      : errno == EXDEV    ? "EXDEV"
                                      : "other");
}

/* The raw `path_open` import: a path with its length, so it may hold a NUL byte. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open"))) int32_t
raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags, int64_t base,
              int64_t inheriting, int32_t fdflags, int32_t result);

/* path_open of `len` bytes at `path` beneath descriptor `fd`, as report() wants it. */
static int raw_open(int fd, const char *path, size_t len) {
    int32_t out = -1;
    int32_t e = raw_path_open(fd, 0, (int32_t)(uintptr_t)path, (int32_t)len, 0, 0x1fffffff, 0x1fffffff, 0,
                              (int32_t)(uintptr_t)&out);
    if (e == 0) {
        (void)__wasi_fd_close((__wasi_fd_t)out);
        return 0;
    }
    errno = e;
    return -1;
}

static int try_open(const char *rel) {
    int fd = open(at(rel), O_RDONLY);
    if (fd >= 0)
        close(fd);
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    root = argv[1];
    struct stat st;
    report("open inside/file", try_open("inside/file"));
    report("open fine (a link that stays inside)", try_open("fine"));
    report("open ../outside/secret", try_open("../outside/secret"));
    report("open inside/../../outside/secret", try_open("inside/../../outside/secret"));
    report("open up/outside/secret", try_open("up/outside/secret"));
    report("open out/secret", try_open("out/secret"));
    report("open abs/secret", try_open("abs/secret"));
    report("open /etc/passwd", try_open("/etc/passwd"));
    report("stat out/secret", stat(at("out/secret"), &st));
    report("lstat out (the link itself)", lstat(at("out"), &st));
    report("stat ../outside", stat(at("../outside"), &st));
    DIR *d = opendir(at("out"));
    report("opendir out", d ? 0 : -1);
    if (d)
        closedir(d);
    report("mkdir out/new", mkdir(at("out/new"), 0755));
    report("mkdir ../new", mkdir(at("../new"), 0755));
    report("create out/new_file", open(at("out/new_file"), O_WRONLY | O_CREAT, 0644));
    report("create abs/new_file", open(at("abs/new_file"), O_WRONLY | O_CREAT, 0644));
    report("unlink out/secret", unlink(at("out/secret")));
    report("unlink ../outside/secret", unlink(at("../outside/secret")));
    report("rename inside/file to out/stolen", rename(at("inside/file"), at("out/stolen")));
    report("rename ../outside/secret to inside/s", rename(at("../outside/secret"), at("inside/s")));
    report("rmdir ../outside", rmdir(at("../outside")));
    report("link out/secret to inside/hl", link(at("out/secret"), at("inside/hl")));
    report("link ../outside/secret to inside/hl", link(at("../outside/secret"), at("inside/hl")));
    report("link inside/file to out/hl", link(at("inside/file"), at("out/hl")));
    report("link inside/file to ../hl", link(at("inside/file"), at("../hl")));
    report("rename inside/file onto the root", rename(at("inside/file"), root));
    report("rename the root to inside/r", rename(root, at("inside/r")));
    report("rename inside to ../inside", rename(at("inside"), at("../inside")));
    /* 4000 bytes of "x/" below `inside`, and 1000 levels of "../" then the secret. */
    char *longp = malloc(8200);
    strcpy(longp, "inside/");
    for (int k = 0; k < 2000; k++)
        strcat(longp, "x/");
    report("open a 4000-byte path", try_open(longp));
    strcpy(longp, "inside/");
    for (int k = 0; k < 1000; k++)
        strcat(longp, "../");
    strcat(longp, "outside/secret");
    report("open 1000 levels of ../ then outside", try_open(longp));
    free(longp);
    report("open inside/<0xff> (invalid UTF-8)", try_open("inside/\xff"));
    report("create inside/<0xc3> (invalid UTF-8)", open(at("inside/\xc3"), O_WRONLY | O_CREAT, 0644));
    report("open ..<0xff>/outside/secret", try_open("..\xff/outside/secret"));
    static const char nul_path[] = "inside/file\0/../../outside/secret";
    report("path_open with a NUL byte", raw_open(3, nul_path, sizeof nul_path - 1));
    static const char nul_up[] = "\0../outside/secret";
    report("path_open of NUL then ../", raw_open(3, nul_up, sizeof nul_up - 1));
    report("open inside/file again", try_open("inside/file"));
    /* Last, as it ends all access: the granted directory's descriptor, closed. */
    errno = __wasi_fd_close(3);
    report("close the granted directory (fd 3)", errno ? -1 : 0);
    report("path_open beneath the closed fd 3", raw_open(3, "inside/file", 11));
    report("open inside/file after the close", try_open("inside/file"));
    report("open ../outside/secret after the close", try_open("../outside/secret"));
    return 0;
}
