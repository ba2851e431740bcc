/*
 * pki/x509/chain_cache.c — validated paths by key, in a sharded LRU (chain_cache.h).
 */
#include "pki/x509/chain_cache.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pki/base/lru.h"
#include "pki/x509/revocation.h"

struct entry {
    struct sb_lru_node node;               /* first: the map's part */
    STACK_OF(X509) *chain;                 /* owned */
    STACK_OF(ASN1_OBJECT) *policies;       /* owned; may be NULL */
    struct sb_rev_evidence *ev;            /* owned (OPENSSL_free); may be NULL */
    size_t n_ev;
    time_t from, until;
};

/* struct sb_chain_cache is the map itself: the handle is never dereferenced as anything but a struct sb_lru. */
static struct sb_lru *lru_of(struct sb_chain_cache *c)
{
    return (struct sb_lru *)(void *)c;
}

static void entry_free(struct sb_lru_node *n)
{
    struct entry *e = (struct entry *)n;

    sk_X509_pop_free(e->chain, X509_free);
    sk_ASN1_OBJECT_pop_free(e->policies, ASN1_OBJECT_free);
    OPENSSL_free(e->ev);
    free(e);
}

struct sb_chain_cache *sb_chain_cache_new(size_t capacity)
{
    return (struct sb_chain_cache *)(void *)sb_lru_new(capacity, entry_free);
}

void sb_chain_cache_free(struct sb_chain_cache *c)
{
    sb_lru_free(lru_of(c));
}

void sb_chain_cache_flush(struct sb_chain_cache *c)
{
    sb_lru_flush(lru_of(c));
}

void sb_chain_cache_stats(struct sb_chain_cache *c, struct sb_chain_cache_stats *out)
{
    struct sb_lru_stats st;

    sb_lru_stats(lru_of(c), &st);
    out->hits = st.hits;
    out->misses = st.misses;
    out->insertions = st.insertions;
    out->evictions = st.evictions;
    out->entries = st.entries;
}

static STACK_OF(X509) *dup_chain(STACK_OF(X509) *in)
{
    STACK_OF(X509) *out = sk_X509_new_null();
    int i;

    for (i = 0; out != NULL && i < sk_X509_num(in); i++) {
        if (!sk_X509_push(out, sk_X509_value(in, i))) {
            sk_X509_pop_free(out, X509_free);
            return NULL;
        }
        X509_up_ref(sk_X509_value(in, i));
    }
    return out;
}

static STACK_OF(ASN1_OBJECT) *dup_policies(STACK_OF(ASN1_OBJECT) *in)
{
    STACK_OF(ASN1_OBJECT) *out;
    ASN1_OBJECT *o;
    int i;

    if (in == NULL) {
        return NULL;
    }
    if ((out = sk_ASN1_OBJECT_new_null()) == NULL) {
        return NULL;
    }
    for (i = 0; i < sk_ASN1_OBJECT_num(in); i++) {
        if ((o = OBJ_dup(sk_ASN1_OBJECT_value(in, i))) == NULL || !sk_ASN1_OBJECT_push(out, o)) {
            ASN1_OBJECT_free(o);
            sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
            return NULL;
        }
    }
    return out;
}

struct lookup {
    time_t at;
    STACK_OF(X509) **chain;
    STACK_OF(ASN1_OBJECT) **policies;
    struct sb_rev_evidence **ev;
    size_t *n_ev;
};

/* Served only inside its window (outside it, never again); a hit copies the chain and the policies. */
static enum sb_lru_use entry_take(struct sb_lru_node *n, void *arg)
{
    struct entry *e = (struct entry *)n;
    struct lookup *q = arg;

    if (q->at < e->from || q->at > e->until) {
        return SB_LRU_DROP;
    }
    if ((*q->chain = dup_chain(e->chain)) == NULL) {
        return SB_LRU_MISS;
    }
    if (q->policies != NULL && e->policies != NULL) {
        *q->policies = dup_policies(e->policies);
    }
    if (q->ev != NULL && e->ev != NULL && (*q->ev = OPENSSL_memdup(e->ev, e->n_ev * sizeof(*e->ev))) != NULL) {
        *q->n_ev = e->n_ev;
    }
    return SB_LRU_HIT;
}

int sb_chain_cache_get(struct sb_chain_cache *c, const unsigned char key[32], time_t at, STACK_OF(X509) **chain,
                       STACK_OF(ASN1_OBJECT) **policies, struct sb_rev_evidence **ev, size_t *n_ev)
{
    struct lookup q = { at, chain, policies, ev, n_ev };

    *chain = NULL;
    if (policies != NULL) {
        *policies = NULL;
    }
    if (ev != NULL) {
        *ev = NULL;
        *n_ev = 0;
    }
    return sb_lru_get(lru_of(c), key, entry_take, &q);
}

void sb_chain_cache_put(struct sb_chain_cache *c, const unsigned char key[32], STACK_OF(X509) *chain,
                        STACK_OF(ASN1_OBJECT) *policies, const struct sb_rev_evidence *ev, size_t n_ev, time_t from,
                        time_t until)
{
    struct entry *e;

    if (!sb_lru_enabled(lru_of(c)) || from > until) {
        return;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        return;
    }
    memcpy(e->node.key, key, SB_LRU_KEY_LEN);
    e->from = from;
    e->until = until;
    e->chain = dup_chain(chain);
    e->policies = dup_policies(policies);
    if (ev != NULL && n_ev > 0) {
        e->ev = OPENSSL_memdup(ev, n_ev * sizeof(*ev));
        e->n_ev = n_ev;
    }
    if (e->chain == NULL || (policies != NULL && e->policies == NULL) || (ev != NULL && n_ev > 0 && e->ev == NULL)) {
        entry_free(&e->node);
        return;
    }
    sb_lru_put(lru_of(c), &e->node);
}
