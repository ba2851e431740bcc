/*
 * pki/policy/policy_set.c — the policy set: every jurisdiction policy of a directory plus recognition.yaml,
 * checked as a whole (duplicate jurisdictions, rules naming unknown ones), identified by the SHA-256 of
 * every input, immutable and reference-counted once loaded (trust_policy.h).
 */
#include "pki/base/hex.h"
#include "pki/policy/trust_policy_local.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "pki/policy/recognition.h"

struct sb_policy_set {
    atomic_int refs;
    char id[65];
    char *dir;                           /* owned */
    struct sb_trust_policy **pols;       /* owned, sorted by file name */
    size_t n;
    struct sb_recognition *recognition;  /* owned; never NULL */
};

static void set_free_now(struct sb_policy_set *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        sb_trust_policy_free(s->pols[i]);
    }
    free(s->pols);
    sb_recognition_free(s->recognition);
    free(s->dir);
    free(s);
}

void sb_policy_set_up_ref(struct sb_policy_set *s)
{
    if (s != NULL) {
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    }
}

void sb_policy_set_free(struct sb_policy_set *s)
{
    if (s == NULL) {
        return;
    }
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        set_free_now(s);
    }
}

const char *sb_policy_set_id(const struct sb_policy_set *s)
{
    return s->id;
}

const char *sb_policy_set_dir(const struct sb_policy_set *s)
{
    return s->dir;
}

size_t sb_policy_set_count(const struct sb_policy_set *s)
{
    return s->n;
}

const struct sb_trust_policy *sb_policy_set_get0(const struct sb_policy_set *s, size_t i)
{
    return i < s->n ? s->pols[i] : NULL;
}

const struct sb_trust_policy *sb_policy_set_find(const struct sb_policy_set *s, const char *id)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        if (strcmp(s->pols[i]->id, id) == 0) {
            return s->pols[i];
        }
    }
    return NULL;
}

const struct sb_recognition *sb_policy_set_recognition(const struct sb_policy_set *s)
{
    return s->recognition;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

/* The *.yaml jurisdiction files of dir, sorted; *n of them in *names (free each, then the array). */
static enum sb_reason list_dir(const char *dir, char ***names, size_t *n, struct sb_err *err)
{
    DIR *d;
    struct dirent *de;
    char **v = NULL;
    size_t cnt = 0;
    enum sb_reason rc = SB_OK;

    *names = NULL;
    *n = 0;
    if ((d = opendir(dir)) == NULL) {
        return sb_err_set(err, SB_R_INPUT_UNREADABLE, "%s: cannot open the policy directory: %s", dir, strerror(errno));
    }
    if ((v = calloc(SB_TP_MAX_FILES, sizeof(*v))) == NULL) {
        closedir(d);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".yaml") ||
            strcmp(de->d_name, SB_TP_RECOGNITION_FILE) == 0) {
            continue;
        }
        if (cnt == SB_TP_MAX_FILES) {
            rc = sb_err_set(err, SB_R_INPUT_TOO_LARGE, "%s: more than %d policy files", dir, SB_TP_MAX_FILES);
            break;
        }
        if ((v[cnt] = strdup(de->d_name)) == NULL) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            break;
        }
        cnt++;
    }
    closedir(d);
    if (rc == SB_OK && cnt == 0) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: no jurisdiction policy files (*.yaml other than %s)", dir,
                        SB_TP_RECOGNITION_FILE);
    }
    if (rc != SB_OK) {
        while (cnt > 0) {
            free(v[--cnt]);
        }
        free(v);
        return rc;
    }
    qsort(v, cnt, sizeof(*v), cmp_names);
    *names = v;
    *n = cnt;
    return SB_OK;
}

static void join_path(char *out, size_t len, const char *dir, const char *name)
{
    size_t dl = strlen(dir);

    snprintf(out, len, "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", name);
}

/* The set id: SHA-256 over each file's base name and digest, in order. */
static void compute_id(struct sb_policy_set *s)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const char *base;
    size_t i;

    memset(md, 0, sizeof(md));
    if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        for (i = 0; i < s->n; i++) {
            base = strrchr(s->pols[i]->file, '/');
            base = base != NULL ? base + 1 : s->pols[i]->file;
            EVP_DigestUpdate(ctx, base, strlen(base) + 1);
            EVP_DigestUpdate(ctx, s->pols[i]->digest, 32);
        }
        if (s->recognition->file != NULL) {
            EVP_DigestUpdate(ctx, SB_TP_RECOGNITION_FILE, sizeof(SB_TP_RECOGNITION_FILE));
            EVP_DigestUpdate(ctx, s->recognition->digest, 32);
        }
        EVP_DigestFinal_ex(ctx, md, &mdlen);
    }
    EVP_MD_CTX_free(ctx);
    sb_hex_encode(md, sizeof(md), s->id, 65);
}

enum sb_reason sb_policy_set_load(const char *dir, struct sb_diag *diag, struct sb_policy_set **out,
                                  struct sb_err *err)
{
    struct sb_policy_set *s = NULL;
    struct sb_trust_policy *pol;
    struct sb_err first, e;
    char **names = NULL, path[PATH_MAX];
    char (*ids)[SB_TP_ID_MAX + 1] = NULL;
    const char *idp[SB_TP_MAX_FILES];
    struct stat st;
    size_t n = 0, i, j, nids = 0;
    int failed = 0;
    enum sb_reason rc;

    *out = NULL;
    sb_err_clear(&first);
    if ((rc = list_dir(dir, &names, &n, &e)) != SB_OK) {
        sb_diag_add(diag, "%s", e.msg);
        return sb_err_set(err, rc, "%s", e.msg);
    }
    s = calloc(1, sizeof(*s));
    ids = calloc(n, sizeof(*ids));
    if (s == NULL || ids == NULL || (s->dir = strdup(dir)) == NULL || (s->pols = calloc(n, sizeof(*s->pols))) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        goto err;
    }
    atomic_init(&s->refs, 1);
    for (i = 0; i < n; i++) {
        join_path(path, sizeof(path), dir, names[i]);
        sb_err_clear(&e);
        if (sb_tp_load_file(path, diag, &pol, ids[nids], sizeof(ids[nids]), &e) != SB_OK) {
            if (!failed) {
                first = e;
            }
            failed = 1;
            if (ids[nids][0] != '\0') {
                nids++;
            }
            continue;
        }
        snprintf(ids[nids++], sizeof(ids[0]), "%s", pol->id);
        for (j = 0; j < s->n; j++) {
            if (strcmp(s->pols[j]->id, pol->id) == 0) {
                break;
            }
        }
        if (j < s->n) {
            sb_diag_add(diag, "%s:%u:%u: jurisdiction: '%s' is already defined in %s:%u:%u", pol->file,
                           pol->id_line, pol->id_col, pol->id, s->pols[j]->file, s->pols[j]->id_line,
                           s->pols[j]->id_col);
            if (!failed) {
                sb_err_set(&first, SB_R_INPUT_MALFORMED, "%s:%u:%u: jurisdiction: '%s' is already defined in %s:%u:%u",
                           pol->file, pol->id_line, pol->id_col, pol->id, s->pols[j]->file, s->pols[j]->id_line,
                           s->pols[j]->id_col);
            }
            failed = 1;
            sb_trust_policy_free(pol);
            continue;
        }
        s->pols[s->n++] = pol;
    }
    for (i = 0; i < nids; i++) {
        idp[i] = ids[i];
    }
    join_path(path, sizeof(path), dir, SB_TP_RECOGNITION_FILE);
    if (stat(path, &st) != 0 && errno == ENOENT) {
        s->recognition = sb_recognition_new_empty();
        if (s->recognition == NULL) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            goto err;
        }
    } else {
        sb_err_clear(&e);
        if (sb_recognition_load(path, idp, nids, diag, &s->recognition, &e) != SB_OK) {
            if (!failed) {
                first = e;
            }
            failed = 1;
        }
    }
    if (failed) {
        rc = sb_err_set(err, first.reason != SB_OK ? first.reason : SB_R_INPUT_MALFORMED, "%s", first.msg);
        goto err;
    }
    compute_id(s);
    *out = s;
    s = NULL;
    rc = SB_OK;
err:
    if (s != NULL) {
        set_free_now(s);
    }
    for (i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    free(ids);
    return rc;
}
