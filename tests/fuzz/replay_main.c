/*
 * tests/fuzz/replay_main.c — plain main() for the libFuzzer targets, so they build and run with gcc
 * (no clang, no libFuzzer): every FILE argument, and every regular file directly inside every DIR
 * argument (sorted by name, dot files skipped), is read whole and passed once to LLVMFuzzerTestOneInput.
 *
 *   replay_<target> [-t MS] FILE|DIR...
 *
 * LLVMFuzzerInitialize is called first when the target defines it. Each input that takes longer than
 * MS milliseconds (default 0 = no limit) is reported and makes the exit status 1 — the per-input time
 * bound the fuzz campaigns enforce with -timeout. A crash is a crash (run it under SAN=1 for reports).
 * SB_FUZZ_DEBUG=1 names each input on stderr before it runs (the targets then print its outcome).
 * Prints "replay_<target>: N inputs, max T ms (file)" and exits 0, 1 (slow input) or 2 (usage / I/O).
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_INPUT (64u * 1024u * 1024u)

struct replay {
    const char *prog;
    long limit_ms;          /* 0 = none */
    size_t inputs;
    size_t slow;
    double max_ms;
    char max_name[512];
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Run one file through the target; 0 ok, -1 unreadable. */
static int replay_file(struct replay *r, const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf = NULL;
    size_t n = 0;
    double t0, dt;
    int rc = -1;

    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", r->prog, path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || (unsigned long long)st.st_size > REPLAY_MAX_INPUT) {
        fprintf(stderr, "%s: %s: not a readable file of at most %u bytes\n", r->prog, path, REPLAY_MAX_INPUT);
        goto out;
    }
    /* one spare byte so that an empty file still gets a valid, unique pointer */
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        fprintf(stderr, "%s: %s: out of memory\n", r->prog, path);
        goto out;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    if (n != (size_t)st.st_size || ferror(f)) {
        fprintf(stderr, "%s: %s: read error\n", r->prog, path);
        goto out;
    }
    if (getenv("SB_FUZZ_DEBUG") != NULL) {
        fprintf(stderr, "%s\n", path);
    }
    t0 = now_ms();
    (void)LLVMFuzzerTestOneInput(buf, n);
    dt = now_ms() - t0;
    r->inputs++;
    if (dt > r->max_ms) {
        r->max_ms = dt;
        snprintf(r->max_name, sizeof(r->max_name), "%s", path);
    }
    if (r->limit_ms > 0 && dt > (double)r->limit_ms) {
        fprintf(stderr, "%s: SLOW %s: %.0f ms (limit %ld ms)\n", r->prog, path, dt, r->limit_ms);
        r->slow++;
    }
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular, non-dot file directly in dir, in name order; 0 ok, -1 on an error. */
static int replay_dir(struct replay *r, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL, **tmp, path[4096];
    size_t n = 0, cap = 0, i;
    struct stat st;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "%s: %s: %s\n", r->prog, dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            if ((tmp = realloc(names, cap * sizeof(*names))) == NULL) {
                rc = -1;
                goto out;
            }
            names = tmp;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            rc = -1;
            goto out;
        }
        n++;
    }
    if (n > 1) {
        qsort(names, n, sizeof(*names), name_cmp);
    }
    for (i = 0; i < n; i++) {
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
            fprintf(stderr, "%s: %s/%s: path too long\n", r->prog, dir, names[i]);
            rc = -1;
            continue;
        }
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        if (replay_file(r, path) != 0) {
            rc = -1;
        }
    }
out:
    for (i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    struct replay r;
    struct stat st;
    char *end;
    int i, first = 1, bad = 0;

    memset(&r, 0, sizeof(r));
    r.prog = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
    if (argc >= 3 && strcmp(argv[1], "-t") == 0) {
        errno = 0;
        r.limit_ms = strtol(argv[2], &end, 10);
        if (errno != 0 || *end != '\0' || r.limit_ms < 0) {
            fprintf(stderr, "%s: -t: '%s' is not a number of milliseconds\n", r.prog, argv[2]);
            return 2;
        }
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-t MS] FILE|DIR...\n", r.prog);
        return 2;
    }
    if (LLVMFuzzerInitialize != NULL) {
        (void)LLVMFuzzerInitialize(&argc, &argv);
    }
    for (i = first; i < argc; i++) {
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: %s: %s\n", r.prog, argv[i], strerror(errno));
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            bad |= replay_dir(&r, argv[i]) != 0;
        } else {
            bad |= replay_file(&r, argv[i]) != 0;
        }
    }
    printf("%s: %zu inputs, max %.1f ms%s%s%s\n", r.prog, r.inputs, r.max_ms, r.inputs > 0 ? " (" : "",
           r.inputs > 0 ? r.max_name : "", r.inputs > 0 ? ")" : "");
    if (bad) {
        return 2;
    }
    return r.slow > 0 ? 1 : 0;
}
