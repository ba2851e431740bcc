/*
 * tests/fuzz/fuzz_common.h — helpers shared by the fuzz targets (header-only, static functions).
 *
 * The targets hold a little process-wide state set up once (fixed validation time, a scratch directory
 * for the parsers that only read files); that is harness state, never library state. Everything a
 * target needs is built from the fuzz input itself or generated in-process, except fuzz_policy /
 * fuzz_recognition, which reference the test PKI of tests/pki/make-all.sh (SB_FUZZ_PKI, default
 * build/pki) so that seed policies load their anchors.
 */
#ifndef SB_FUZZ_COMMON_H
#define SB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

/* 2026-06-01T00:00:00Z: inside the validity of every test-PKI leaf (2024..2034), so seeds pass. */
#define SB_FUZZ_AT ((time_t)1780272000)

/* Scratch directory of this process (created on first use, removed at exit). NULL on failure. */
static char sb_fuzz_dir_buf[512];

static inline void sb_fuzz_cleanup(void)
{
    char cmd[600];

    if (sb_fuzz_dir_buf[0] != '\0' && strncmp(sb_fuzz_dir_buf, "/", 1) == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sb_fuzz_dir_buf);
        if (system(cmd) != 0) {
            sb_fuzz_dir_buf[0] = '\0';
        }
    }
}

static inline const char *sb_fuzz_dir(void)
{
    const char *base;

    if (sb_fuzz_dir_buf[0] != '\0') {
        return sb_fuzz_dir_buf;
    }
    base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    snprintf(sb_fuzz_dir_buf, sizeof(sb_fuzz_dir_buf), "%s/sb-fuzz.XXXXXX", base);
    if (mkdtemp(sb_fuzz_dir_buf) == NULL) {
        sb_fuzz_dir_buf[0] = '\0';
        return NULL;
    }
    atexit(sb_fuzz_cleanup);
    return sb_fuzz_dir_buf;
}

/* Write data to path (replacing it); 0 ok, -1 on failure. */
static inline int sb_fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL) {
        return -1;
    }
    ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : -1;
}

/* <scratch>/policies, with <scratch>/build/pki a symbolic link to the test PKI (SB_FUZZ_PKI, default
 * build/pki relative to the current directory) so that policy files written to it resolve
 * "../build/pki/..." exactly as the files of policies/ do. NULL on failure. */
static char sb_fuzz_pdir_buf[600];

static inline const char *sb_fuzz_policy_dir(void)
{
    const char *dir, *pki = getenv("SB_FUZZ_PKI");
    char link[700], target[PATH_MAX];

    if (sb_fuzz_pdir_buf[0] != '\0') {
        return sb_fuzz_pdir_buf;
    }
    if ((dir = sb_fuzz_dir()) == NULL || realpath(pki != NULL ? pki : "build/pki", target) == NULL) {
        return NULL;
    }
    snprintf(link, sizeof(link), "%s/build", dir);
    if (mkdir(link, 0700) != 0) {
        return NULL;
    }
    snprintf(link, sizeof(link), "%s/build/pki", dir);
    if (symlink(target, link) != 0) {
        return NULL;
    }
    snprintf(sb_fuzz_pdir_buf, sizeof(sb_fuzz_pdir_buf), "%s/policies", dir);
    if (mkdir(sb_fuzz_pdir_buf, 0700) != 0) {
        sb_fuzz_pdir_buf[0] = '\0';
        return NULL;
    }
    return sb_fuzz_pdir_buf;
}

/* SB_FUZZ_DEBUG=1 in the environment: print each input's outcome on stderr (for reading replays). */
static inline void sb_fuzz_debug(const char *what, const char *reason, const char *msg)
{
    static int on = -1;

    if (on < 0) {
        on = getenv("SB_FUZZ_DEBUG") != NULL;
    }
    if (on) {
        fprintf(stderr, "  %s: %s: %s\n", what, reason, msg);
    }
}

/* End every input with an empty OpenSSL error queue, so one input never leaks state into the next. */
static inline void sb_fuzz_end(void)
{
    ERR_clear_error();
}

#endif
