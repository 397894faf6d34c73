/* fs_walk: works in the directory named by argv[1] (which must be empty): makes a small
 * tree, writes, copies, renames and deletes files, and prints what it sees (a sorted
 * recursive listing with types and sizes, stat results, and the errors of operations
 * that must fail) in a form that does not depend on the platform, so the output under
 * `lathe run --dir` can be compared with the native run's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root;

static char *at(const char *rel) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static const char *err_name(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    default: return "other";
    }
}

static void write_file(const char *rel, const char *text) {
    FILE *f = fopen(at(rel), "w");
    if (!f) {
        printf("open %s for writing: %s\n", rel, err_name(errno));
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void copy_file(const char *from, const char *to) {
    int in = open(at(from), O_RDONLY), out = open(at(to), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char buf[7]; /* small, so the copy takes several reads */
    ssize_t n;
    long total = 0;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        write(out, buf, (size_t)n);
        total += n;
    }
    close(in);
    close(out);
    printf("copied %s to %s: %ld bytes\n", from, to, total);
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *rel, int depth) {
    DIR *d = opendir(at(rel));
    if (!d) {
        printf("opendir %s: %s\n", rel, err_name(errno));
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++) {
        char child[512];
        snprintf(child, sizeof child, "%s/%s", rel, names[i]);
        struct stat st;
        stat(at(child), &st);
        printf("%*s%s %s", depth * 2, "", S_ISDIR(st.st_mode) ? "dir " : "file", names[i]);
        if (S_ISDIR(st.st_mode)) {
            printf("\n");
            list(child, depth + 1);
        } else {
            printf(" (%lld bytes)\n", (long long)st.st_size);
        }
        free(names[i]);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fs_walk DIR\n");
        return 2;
    }
    root = argv[1];
    printf("mkdir a: %d\n", mkdir(at("a"), 0755));
    printf("mkdir a/b: %d\n", mkdir(at("a/b"), 0755));
    int r = mkdir(at("a"), 0755);
    printf("mkdir a again: %d %s\n", r, r ? err_name(errno) : "");
    write_file("a/x.txt", "hello, file system\n");
    write_file("a/b/y.txt", "why\n");
    copy_file("a/x.txt", "a/b/x_copy.txt");

    /* Appending, seeking and reading back. */
    FILE *f = fopen(at("a/x.txt"), "a");
    fputs("more\n", f);
    fclose(f);
    int fd = open(at("a/x.txt"), O_RDONLY);
    char buf[64] = {0};
    lseek(fd, 7, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    printf("from offset 7: %zd bytes: %s", n, buf);
    printf("end at %lld\n", (long long)lseek(fd, 0, SEEK_END));
    close(fd);

    printf("rename a/b/y.txt to a/z.txt: %d\n", rename(at("a/b/y.txt"), at("a/z.txt")));
    r = rename(at("a/b/nothing"), at("a/w"));
    printf("rename a missing file: %d %s\n", r, r ? err_name(errno) : "");
    struct stat st;
    r = stat(at("a/b/y.txt"), &st);
    printf("stat the old name: %d %s\n", r, r ? err_name(errno) : "");
    r = stat(at("a/z.txt"), &st);
    printf("stat the new name: %d, %lld bytes, regular %d\n", r, (long long)st.st_size, S_ISREG(st.st_mode));

    printf("listing:\n");
    list(".", 1);

    r = rmdir(at("a/b"));
    printf("rmdir a non-empty directory: %d %s\n", r, r ? err_name(errno) : "");
    r = open(at("a/x.txt/inside"), O_RDONLY);
    printf("open beneath a file: %d %s\n", r < 0 ? -1 : 0, r < 0 ? err_name(errno) : "");
    printf("unlink a/x.txt: %d\n", unlink(at("a/x.txt")));
    printf("unlink a/z.txt: %d\n", unlink(at("a/z.txt")));
    printf("unlink a/b/x_copy.txt: %d\n", unlink(at("a/b/x_copy.txt")));
    printf("rmdir a/b: %d\n", rmdir(at("a/b")));
    printf("rmdir a: %d\n", rmdir(at("a")));
    printf("listing after:\n");
    list(".", 1);
    printf("done\n");
    return 0;
}
