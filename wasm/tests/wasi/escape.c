/* escape: tries to reach outside the directory named by argv[1] in every way a path can,
 * and prints what each attempt gives. Run under `lathe run --dir HOST::/sandbox` with a
 * tree the test prepares (tests/wasi_fs.rs): `inside/file`, a link `up -> ..`, a link
 * `out -> ../outside` (relative, climbing out), a link `abs -> <absolute path of
 * outside>`, a link `fine -> inside/file` (stays inside), and a sibling directory
 * `outside/secret` next to the granted one. Every attempt to leave must fail; the test
 * then checks that nothing outside changed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
                                      : "other");
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
    report("open inside/file again", try_open("inside/file"));
    return 0;
}
