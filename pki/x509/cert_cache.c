/*
 * pki/x509/cert_cache.c — decoded certificates by SHA-256 of their DER, in a sharded LRU (cert_cache.h).
 */
#include "pki/x509/cert_cache.h"
#include "pki/x509/cert_decode.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/base/digest.h"
#include "pki/base/lru.h"
#include "pki/base/work_budget.h"

struct centry {
    struct sb_lru_node node;             /* first: the map's part */
    X509 *x;                             /* owned reference */
};

/* struct sb_cert_cache is the map itself: the handle is never dereferenced as anything but a struct sb_lru. */
static struct sb_lru *lru_of(struct sb_cert_cache *c)
{
    return (struct sb_lru *)(void *)c;
}

static void centry_free(struct sb_lru_node *n)
{
    struct centry *e = (struct centry *)n;

    X509_free(e->x);
    free(e);
}

/* A hit hands out a new reference (*arg). */
static enum sb_lru_use centry_take(struct sb_lru_node *n, void *arg)
{
    struct centry *e = (struct centry *)n;

    X509_up_ref(e->x);
    *(X509 **)arg = e->x;
    return SB_LRU_HIT;
}

struct sb_cert_cache *sb_cert_cache_new(size_t capacity)
{
    return (struct sb_cert_cache *)(void *)sb_lru_new(capacity, centry_free);
}

void sb_cert_cache_free(struct sb_cert_cache *c)
{
    sb_lru_free(lru_of(c));
}

static long decode_units(const X509 *x)
{
    return sb_cert_decoded_cheaply(x) ? SB_CERT_CHEAP_DECODE_UNITS : SB_CERT_DECODE_UNITS;
}

X509 *sb_cert_cache_d2i(struct sb_cert_cache *c, const unsigned char *der, size_t len)
{
    return sb_cert_cache_d2i_paid(c, der, len, NULL);
}

X509 *sb_cert_cache_d2i_paid(struct sb_cert_cache *c, const unsigned char *der, size_t len,
                             struct sb_work_budget *budget)
{
    unsigned char key[SB_LRU_KEY_LEN];
    struct centry *e;
    X509 *x = NULL;

    if (!sb_lru_enabled(lru_of(c)) || len > (1u << 20) ||
        !EVP_Digest(der, len, key, NULL, sb_md(SB_MD_SHA256), NULL)) {
        if ((x = sb_cert_d2i(der, len)) != NULL) {
            (void)sb_work_budget_take(budget, decode_units(x));
        }
        return x;
    }
    if (sb_lru_get(lru_of(c), key, centry_take, &x)) {
        (void)sb_work_budget_take(budget, 1);
        return x;
    }
    if ((x = sb_cert_d2i(der, len)) == NULL) {
        return NULL;
    }
    (void)sb_work_budget_take(budget, decode_units(x));
    /* fill the extension cache now, while the certificate is still private to this thread */
    (void)X509_get_extension_flags(x);
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        return x;
    }
    memcpy(e->node.key, key, sizeof(key));
    e->x = x;
    X509_up_ref(x);
    sb_lru_put(lru_of(c), &e->node);
    return x;
}

void sb_cert_cache_counts(struct sb_cert_cache *c, uint64_t *hits, uint64_t *misses)
{
    struct sb_lru_stats st;

    sb_lru_stats(lru_of(c), &st);
    *hits = st.hits;
    *misses = st.misses;
}
