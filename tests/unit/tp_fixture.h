/*
 * tests/unit/tp_fixture.h — shared by test_trust_policy.c and test_recognition.c: a fresh temporary
 * directory with `pki` → the fixture PKIs of tests/pki/make-all.sh ($SB_PKI, default build/pki), a copy
 * of the shipped policies laid out so their "../build/pki/..." references resolve (DIR/policies/NAME.yaml,
 * DIR/build/pki → $SB_PKI), file writing, and message normalisation (the temp dir becomes "@").
 *
 * Include after <cmocka.h>. Every helper is static and marked unused. No global state.
 */
#ifndef SB_TP_FIXTURE_H
#define SB_TP_FIXTURE_H

#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pki/base/load.h"

#define TPF_UNUSED __attribute__((unused))

struct tpf {
    char dir[PATH_MAX];     /* the temporary directory */
    char pki[PATH_MAX];     /* absolute path of the fixture PKIs */
    char repo[PATH_MAX];    /* absolute path of the repository (the current directory) */
};

/* Remove path recursively (symbolic links are removed, never followed). */
static TPF_UNUSED void tpf_rm_rf(const char *path)
{
    char sub[PATH_MAX];
    struct dirent *de;
    struct stat st;
    DIR *d;

    if (lstat(path, &st) != 0) {
        return;
    }
    if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
                continue;
            }
            snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
            tpf_rm_rf(sub);
        }
        closedir(d);
    }
    (void)remove(path);
}

static TPF_UNUSED void tpf_path(const struct tpf *f, const char *name, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", f->dir, name);

    assert_true(n > 0 && (size_t)n < len);
}

/* Write text to DIR/name (creating DIR/name's directory if it is one level deep). */
static TPF_UNUSED void tpf_write(const struct tpf *f, const char *name, const char *text, size_t len)
{
    char path[PATH_MAX];
    char *slash;
    FILE *fp;

    tpf_path(f, name, path, sizeof(path));
    if (strchr(name, '/') != NULL && (slash = strrchr(path, '/')) != NULL) {
        *slash = '\0';
        (void)mkdir(path, 0700);
        *slash = '/';
    }
    assert_non_null(fp = fopen(path, "wb"));
    if (len > 0) {
        assert_int_equal(fwrite(text, 1, len, fp), len);
    }
    assert_int_equal(fclose(fp), 0);
}

static TPF_UNUSED void tpf_write_str(const struct tpf *f, const char *name, const char *text)
{
    tpf_write(f, name, text, strlen(text));
}

/* Read a whole file into a new NUL-terminated buffer (free()). */
static TPF_UNUSED char *tpf_slurp(const char *path, size_t *len)
{
    unsigned char *data = NULL;
    char *s;
    struct sb_err e;

    if (sb_load_file(path, 1u << 20, &data, len, &e) != SB_OK) {
        return NULL;
    }
    if ((s = realloc(data, *len + 1)) == NULL) {
        free(data);
        return NULL;
    }
    s[*len] = '\0';
    return s;
}

/* Copy the shipped file policies/name to DIR/policies/name. */
static TPF_UNUSED void tpf_copy_shipped(const struct tpf *f, const char *name)
{
    char src[PATH_MAX + 16], dst[PATH_MAX];
    char *text;
    size_t len = 0;

    snprintf(src, sizeof(src), "%s/policies/%s", f->repo, name);
    assert_non_null(text = tpf_slurp(src, &len));
    snprintf(dst, sizeof(dst), "policies/%s", name);
    tpf_write(f, dst, text, len);
    free(text);
}

/* A fresh temp dir with DIR/pki and DIR/build/pki → $SB_PKI, and DIR/policies = the shipped policies. */
static TPF_UNUSED int tpf_setup(struct tpf *f)
{
    const char *pki = getenv("SB_PKI") != NULL ? getenv("SB_PKI") : "build/pki";
    const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    char link[PATH_MAX + 16], probe[PATH_MAX + 32];
    struct stat st;

    memset(f, 0, sizeof(*f));
    if (realpath(pki, f->pki) == NULL || getcwd(f->repo, sizeof(f->repo)) == NULL) {
        fprintf(stderr, "tp_fixture: fixture PKIs not found in %s (run sh tests/pki/make-all.sh %s)\n", pki, pki);
        return -1;
    }
    snprintf(probe, sizeof(probe), "%s/hk/root.pem", f->pki);
    if (stat(probe, &st) != 0) {
        fprintf(stderr, "tp_fixture: %s missing (run sh tests/pki/make-all.sh %s)\n", probe, pki);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/sb-tp.XXXXXX", tmp);
    if (mkdtemp(f->dir) == NULL) {
        return -1;
    }
    snprintf(link, sizeof(link), "%s/pki", f->dir);
    if (symlink(f->pki, link) != 0) {
        return -1;
    }
    snprintf(link, sizeof(link), "%s/build", f->dir);
    if (mkdir(link, 0700) != 0) {
        return -1;
    }
    snprintf(link, sizeof(link), "%s/build/pki", f->dir);
    if (symlink(f->pki, link) != 0) {
        return -1;
    }
    snprintf(link, sizeof(link), "%s/policies", f->dir);
    if (mkdir(link, 0700) != 0) {
        return -1;
    }
    return 0;
}

static TPF_UNUSED void tpf_teardown(struct tpf *f)
{
    if (f->dir[0] != '\0') {
        tpf_rm_rf(f->dir);
    }
}

/* msg with every occurrence of the temp dir replaced by "@", into out. */
static TPF_UNUSED void tpf_norm(const struct tpf *f, const char *msg, char *out, size_t len)
{
    size_t dl = strlen(f->dir), o = 0;

    while (*msg != '\0' && o + 1 < len) {
        if (strncmp(msg, f->dir, dl) == 0) {
            out[o++] = '@';
            msg += dl;
        } else {
            out[o++] = *msg++;
        }
    }
    out[o] = '\0';
}

/* 1 if msg starts with "<file>:<line>:<col>: ". */
static TPF_UNUSED int tpf_located(const char *msg, const char *file)
{
    size_t fl = strlen(file);
    unsigned line = 0, col = 0;
    int used = 0;

    if (strncmp(msg, file, fl) != 0 || msg[fl] != ':') {
        return 0;
    }
    return sscanf(msg + fl, ":%u:%u: %n", &line, &col, &used) == 2 && used > 0 && line > 0 && col > 0;
}

/* The first certificate of a PKI file (X509_free). */
static TPF_UNUSED X509 *tpf_cert(const struct tpf *f, const char *name)
{
    char path[PATH_MAX + 64];
    STACK_OF(X509) *sk = NULL;
    struct sb_err e;
    X509 *x;

    snprintf(path, sizeof(path), "%s/%s", f->pki, name);
    assert_int_equal(sb_load_certs(path, &sk, &e), SB_OK);
    x = sk_X509_shift(sk);
    sk_X509_pop_free(sk, X509_free);
    return x;
}

#endif
