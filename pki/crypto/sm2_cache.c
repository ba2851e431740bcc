/*
 * pki/crypto/sm2_cache.c — SM2 key form and ZA per (public key, ID) (sm2_cache.h).
 */
#include "pki/crypto/sm2_cache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pki/base/slot_table.h"

#define KEY_MAX 160                      /* an uncompressed point on a 521-bit curve is 133 bytes */

struct slot {
    unsigned char key[KEY_MAX];
    size_t key_len;                      /* 0 = empty */
    char *id;                            /* owned */
    struct sb_sm2_pre pre;               /* owned */
};

struct sb_sm2_cache {
    struct sb_slot_table t;              /* of struct slot */
    atomic_uint_fast64_t hits, misses;
};

struct sb_sm2_cache *sb_sm2_cache_new(size_t capacity)
{
    struct sb_sm2_cache *c;

    if (capacity == 0 || (c = calloc(1, sizeof(*c))) == NULL) {
        return NULL;
    }
    if (!sb_slot_table_init(&c->t, capacity, (size_t)1 << 22, sizeof(struct slot))) {
        free(c);
        return NULL;
    }
    atomic_init(&c->hits, 0);
    atomic_init(&c->misses, 0);
    return c;
}

static void slot_clear(void *p)
{
    struct slot *s = p;

    free(s->id);
    sb_sm2_pre_clear(&s->pre);
}

void sb_sm2_cache_free(struct sb_sm2_cache *c)
{
    if (c == NULL) {
        return;
    }
    sb_slot_table_destroy(&c->t, slot_clear);
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
    return sb_slot_table_index(&c->t, h ^ (h >> 29));
}

/* A reference-holding copy of the entry for (k, id) into *out; 1 on a hit. */
static int lookup(struct sb_sm2_cache *c, size_t i, const unsigned char *k, size_t klen, const char *id,
                  struct sb_sm2_pre *out)
{
    struct slot *s = sb_slot_table_lock(&c->t, i);
    int hit = 0;

    if (s->key_len == klen && memcmp(s->key, k, klen) == 0 && s->id != NULL && strcmp(s->id, id) == 0
        && EVP_PKEY_up_ref(s->pre.key) == 1) {
        *out = s->pre;
        hit = 1;
    }
    sb_slot_table_unlock(&c->t, i);
    return hit;
}

/* Remember pre (a reference is taken) for (k, id), replacing the slot's previous entry. */
static void remember(struct sb_sm2_cache *c, size_t i, const unsigned char *k, size_t klen, const char *id,
                     const struct sb_sm2_pre *pre)
{
    struct slot *s;
    struct sb_sm2_pre old;
    char *nid = strdup(id), *old_id;

    if (nid == NULL || EVP_PKEY_up_ref(pre->key) != 1) {
        free(nid);
        return;
    }
    s = sb_slot_table_lock(&c->t, i);
    old = s->pre;
    old_id = s->id;
    memcpy(s->key, k, klen);
    s->key_len = klen;
    s->id = nid;
    s->pre = *pre;
    sb_slot_table_unlock(&c->t, i);
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
