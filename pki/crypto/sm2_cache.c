/*
 * pki/crypto/sm2_cache.c — SM2 key form and ZA per (public key, ID) (sm2_cache.h).
 */
#include "pki/crypto/sm2_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64
#define KEY_MAX 160                      /* an uncompressed point on a 521-bit curve is 133 bytes */

struct slot {
    unsigned char key[KEY_MAX];
    size_t key_len;                      /* 0 = empty */
    char *id;                            /* owned */
    struct sb_sm2_pre pre;               /* owned */
};

struct sb_sm2_cache {
    struct slot *slots;                  /* owned: n entries */
    size_t n;                            /* a power of two */
    pthread_mutex_t locks[STRIPES];
    atomic_uint_fast64_t hits, misses;
};

struct sb_sm2_cache *sb_sm2_cache_new(size_t capacity)
{
    struct sb_sm2_cache *c;
    size_t i;

    if (capacity == 0 || (c = calloc(1, sizeof(*c))) == NULL) {
        return NULL;
    }
    for (c->n = 64; c->n < capacity && c->n < ((size_t)1 << 22); c->n <<= 1) {
    }
    if ((c->slots = calloc(c->n, sizeof(*c->slots))) == NULL) {
        free(c);
        return NULL;
    }
    for (i = 0; i < STRIPES; i++) {
        pthread_mutex_init(&c->locks[i], NULL);
    }
    atomic_init(&c->hits, 0);
    atomic_init(&c->misses, 0);
    return c;
}

void sb_sm2_cache_free(struct sb_sm2_cache *c)
{
    size_t i;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < c->n; i++) {
        free(c->slots[i].id);
        sb_sm2_pre_clear(&c->slots[i].pre);
    }
    for (i = 0; i < STRIPES; i++) {
        pthread_mutex_destroy(&c->locks[i]);
    }
    free(c->slots);
    free(c);
}

void sb_sm2_cache_counts(struct sb_sm2_cache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = c != NULL ? atomic_load(&c->hits) : 0;
    *misses = c != NULL ? atomic_load(&c->misses) : 0;
}

/* FNV-1a over the key bytes and the ID. */
static size_t slot_of(const struct sb_sm2_cache *c, const unsigned char *k, size_t klen, const char *id)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; i < klen; i++) {
        h = (h ^ k[i]) * 0x100000001b3ULL;
    }
    for (i = 0; id[i] != '\0'; i++) {
        h = (h ^ (unsigned char)id[i]) * 0x100000001b3ULL;
    }
    return (size_t)(h ^ (h >> 29)) & (c->n - 1);
}

/* A reference-holding copy of the entry for (k, id) into *out; 1 on a hit. */
static int lookup(struct sb_sm2_cache *c, size_t i, const unsigned char *k, size_t klen, const char *id,
                  struct sb_sm2_pre *out)
{
    struct slot *s = &c->slots[i];
    int hit = 0;

    pthread_mutex_lock(&c->locks[i % STRIPES]);
    if (s->key_len == klen && memcmp(s->key, k, klen) == 0 && s->id != NULL && strcmp(s->id, id) == 0
        && EVP_PKEY_up_ref(s->pre.key) == 1) {
        *out = s->pre;
        hit = 1;
    }
    pthread_mutex_unlock(&c->locks[i % STRIPES]);
    return hit;
}

/* Remember pre (a reference is taken) for (k, id), replacing the slot's previous entry. */
static void remember(struct sb_sm2_cache *c, size_t i, const unsigned char *k, size_t klen, const char *id,
                     const struct sb_sm2_pre *pre)
{
    struct slot *s = &c->slots[i];
    struct sb_sm2_pre old;
    char *nid = strdup(id), *old_id;

    if (nid == NULL || EVP_PKEY_up_ref(pre->key) != 1) {
        free(nid);
        return;
    }
    pthread_mutex_lock(&c->locks[i % STRIPES]);
    old = s->pre;
    old_id = s->id;
    memcpy(s->key, k, klen);
    s->key_len = klen;
    s->id = nid;
    s->pre = *pre;
    pthread_mutex_unlock(&c->locks[i % STRIPES]);
    free(old_id);
    sb_sm2_pre_clear(&old);
}

enum sb_reason sb_sm2_cache_verify(struct sb_sm2_cache *c, EVP_PKEY *pub, const unsigned char *key_bytes,
                                   size_t key_len, const char *id, const unsigned char *msg, size_t msg_len,
                                   const unsigned char *sig, size_t sig_len, struct sb_err *err)
{
    const char *use = id != NULL ? id : SB_SM2_DEFAULT_ID;
    struct sb_sm2_pre pre;
    size_t i = 0;
    int cacheable = c != NULL && key_bytes != NULL && key_len > 0 && key_len <= KEY_MAX;
    enum sb_reason rc;

    memset(&pre, 0, sizeof(pre));
    if (cacheable) {
        i = slot_of(c, key_bytes, key_len, use);
        if (lookup(c, i, key_bytes, key_len, use, &pre)) {
            atomic_fetch_add(&c->hits, 1);
        } else {
            atomic_fetch_add(&c->misses, 1);
        }
    }
    if (pre.key == NULL) {
        if ((rc = sb_sm2_prepare(pub, use, &pre, err)) != SB_OK) {
            return rc;
        }
        if (cacheable) {
            remember(c, i, key_bytes, key_len, use, &pre);
        }
    }
    rc = sb_sm2_verify_pre(&pre, msg, msg_len, sig, sig_len, err);
    sb_sm2_pre_clear(&pre);
    return rc;
}
