/*
 * pki/x509/cert_index.c — certificates by subject name (cert_index.h).
 */
#include "pki/x509/cert_index.h"

#include <stdlib.h>

#include <openssl/err.h>

#include "pki/base/err.h"

struct entry {
    unsigned long hash;                  /* X509_NAME_hash_ex of the subject */
    size_t order;                        /* position in the input: ties keep the caller's preference */
    X509 *x;                             /* owned reference */
};

struct sb_cert_index {
    struct entry *e;                     /* owned: n entries sorted by (hash, order) */
    size_t n;
};

static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

static unsigned long name_hash(const X509_NAME *name)
{
    int ok = 0;
    unsigned long h = X509_NAME_hash_ex(name, NULL, NULL, &ok);

    if (!ok) {
        sb_openssl_errors_clear();
        return 0;                        /* unhashable names share bucket 0; X509_NAME_cmp still decides */
    }
    return h;
}

struct sb_cert_index *sb_cert_index_new(STACK_OF(X509) *certs)
{
    struct sb_cert_index *ix = calloc(1, sizeof(*ix));
    size_t i, n = certs != NULL ? (size_t)sk_X509_num(certs) : 0;

    if (ix == NULL || (n > 0 && (ix->e = calloc(n, sizeof(*ix->e))) == NULL)) {
        free(ix);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        X509 *x = sk_X509_value(certs, (int)i);

        if (X509_up_ref(x) != 1) {
            sb_cert_index_free(ix);
            return NULL;
        }
        ix->e[i].x = x;
        ix->e[i].order = i;
        ix->e[i].hash = name_hash(X509_get_subject_name(x));
        ix->n = i + 1;
    }
    if (n > 1) {
        qsort(ix->e, n, sizeof(*ix->e), entry_cmp);
    }
    return ix;
}

void sb_cert_index_free(struct sb_cert_index *ix)
{
    size_t i;

    if (ix == NULL) {
        return;
    }
    for (i = 0; i < ix->n; i++) {
        X509_free(ix->e[i].x);
    }
    free(ix->e);
    free(ix);
}

size_t sb_cert_index_count(const struct sb_cert_index *ix)
{
    return ix != NULL ? ix->n : 0;
}

int sb_cert_index_is_prefix_of(const struct sb_cert_index *ix, STACK_OF(X509) *sk)
{
    size_t i;

    if (ix == NULL || (size_t)sk_X509_num(sk) < ix->n) {
        return 0;
    }
    for (i = 0; i < ix->n; i++) {
        if (sk_X509_value(sk, (int)ix->e[i].order) != ix->e[i].x) {
            return 0;
        }
    }
    return 1;
}

size_t sb_cert_index_by_subject(const struct sb_cert_index *ix, const X509_NAME *name, X509 **out, size_t max)
{
    unsigned long h = name_hash(name);
    size_t lo = 0, hi, i, found = 0;

    if (ix == NULL) {
        return 0;
    }
    hi = ix->n;
    while (lo < hi) {                    /* first entry with hash >= h */
        size_t mid = lo + (hi - lo) / 2;

        if (ix->e[mid].hash < h) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (i = lo; i < ix->n && ix->e[i].hash == h; i++) {
        if (X509_NAME_cmp(X509_get_subject_name(ix->e[i].x), name) != 0) {
            continue;
        }
        if (found < max) {
            out[found] = ix->e[i].x;
        }
        found++;
    }
    return found;
}
