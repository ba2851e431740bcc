/*
 * pki/x509/cert_memo.c — rendered certificates remembered per certificate content (cert_memo.h).
 *
 * Keyed by the SHA-256 of the certificate's DER, not by the X509 object's address, and holding no
 * reference to the certificate. The address key (until issue 20) pinned every remembered X509 and made the
 * table's occupancy depend on malloc: a freed certificate's address is handed to the next one decoded, so
 * new entries kept landing in the slots just overwritten and the table filled over tens of minutes instead
 * of within a few capacities of insertions. Measured in `make bench-soak` (100k signers, 400 req/s): 62.8%
 * of the 16384 slots occupied at 75 s, 69.5% at 240 s (uniform hashing: 84% and 99.7%), the daemon's RSS
 * still growing ~1.5 MiB a minute with every other cache full, each new slot pinning a ~5 KiB decoded
 * certificate besides its rendering. A content key spreads uniformly, so the table is full (and RSS flat)
 * once a few times its slot count of distinct certificates went through, and a certificate decoded again
 * (a returning signer, after sb_cert_cache evicted it) is a hit.
 */
#include "pki/x509/cert_memo.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pki/base/digest.h"
#include "pki/base/err.h"
#include "pki/base/slot_table.h"
#include "pki/x509/cert_format.h"
#include "pki/x509/cert_decode.h"

#define KEY_LEN 32                       /* SHA-256 */

struct memo_slot {
    unsigned char key[KEY_LEN];          /* SHA-256 of the certificate's DER */
    json_t *j;                           /* owned: sb_certfmt_json of it, never modified; NULL = empty */
};

struct sb_cert_memo {
    struct sb_slot_table t;              /* of struct memo_slot */
    atomic_uint_fast64_t hits, misses;
};

struct sb_cert_memo *sb_cert_memo_new(size_t capacity)
{
    struct sb_cert_memo *m = calloc(1, sizeof(*m));

    if (m == NULL || !sb_slot_table_init(&m->t, capacity, (size_t)1 << 24, sizeof(struct memo_slot))) {
        free(m);
        return NULL;
    }
    atomic_init(&m->hits, 0);
    atomic_init(&m->misses, 0);
    return m;
}

static void slot_clear(void *p)
{
    struct memo_slot *s = p;

    json_decref(s->j);
}

void sb_cert_memo_free(struct sb_cert_memo *m)
{
    if (m == NULL) {
        return;
    }
    sb_slot_table_destroy(&m->t, slot_clear);
    free(m);
}

void sb_cert_memo_counts(struct sb_cert_memo *m, uint64_t *hits, uint64_t *misses, uint64_t *entries)
{
    const struct memo_slot *s;
    uint64_t n = 0;
    size_t i;

    *hits = atomic_load_explicit(&m->hits, memory_order_relaxed);
    *misses = atomic_load_explicit(&m->misses, memory_order_relaxed);
    if (entries == NULL) {
        return;
    }
    for (i = 0; i < m->t.n; i++) {
        s = sb_slot_table_lock(&m->t, i);
        n += s->j != NULL;
        sb_slot_table_unlock(&m->t, i);
    }
    *entries = n;
}

/* x's key; 0 when it cannot be computed (then x is rendered without the memo). */
static int key_of(X509 *x, unsigned char key[KEY_LEN])
{
    return KEY_LEN == 32 && sb_cert_sha256(x, key);
}

/* The slot of a key: the digest's bytes are already uniform. */
static size_t slot_of(const struct sb_cert_memo *m, const unsigned char key[KEY_LEN])
{
    uint64_t h;

    memcpy(&h, key, sizeof(h));
    return sb_slot_table_index(&m->t, h);
}

/* The miss path: render x, remember it in slot i under key, and return a copy. NULL when out of memory. */
static json_t *render(struct sb_cert_memo *m, X509 *x, const unsigned char key[KEY_LEN], size_t i)
{
    struct memo_slot *s;
    json_t *out, *fresh, *old;

    atomic_fetch_add_explicit(&m->misses, 1, memory_order_relaxed);
    if ((fresh = sb_certfmt_json(x)) == NULL || (out = json_deep_copy(fresh)) == NULL) {
        json_decref(fresh);
        return NULL;
    }
    s = sb_slot_table_lock(&m->t, i);
    old = s->j;
    memcpy(s->key, key, KEY_LEN);
    s->j = fresh;
    sb_slot_table_unlock(&m->t, i);
    json_decref(old);
    return out;
}

json_t *sb_cert_memo_cert(struct sb_cert_memo *m, X509 *x)
{
    unsigned char key[KEY_LEN];
    struct memo_slot *s;
    json_t *out = NULL;
    size_t i;

    if (!key_of(x, key)) {
        return sb_certfmt_json(x);
    }
    i = slot_of(m, key);
    s = sb_slot_table_lock(&m->t, i);
    if (s->j != NULL && memcmp(s->key, key, KEY_LEN) == 0) {
        out = json_deep_copy(s->j);
    }
    sb_slot_table_unlock(&m->t, i);
    if (out == NULL) {
        return render(m, x, key, i);
    }
    atomic_fetch_add_explicit(&m->hits, 1, memory_order_relaxed);
    return out;
}

/* Copy the string member key of j into buf ("" when absent). */
static void copy_member(const json_t *j, const char *key, char *buf, size_t len)
{
    const char *v = json_string_value(json_object_get(j, key));

    snprintf(buf, len, "%s", v != NULL ? v : "");
    sb_utf8_sanitize(buf);      /* a cut may have split a UTF-8 sequence */
}

int sb_cert_memo_names(struct sb_cert_memo *m, X509 *x, char *subject, size_t slen, char *issuer,
                          size_t ilen)
{
    unsigned char key[KEY_LEN];
    struct memo_slot *s;
    json_t *j;
    size_t i;
    int hit = 0;

    if (!key_of(x, key)) {
        j = sb_certfmt_json(x);
    } else {
        i = slot_of(m, key);
        s = sb_slot_table_lock(&m->t, i);
        if (s->j != NULL && memcmp(s->key, key, KEY_LEN) == 0) {
            copy_member(s->j, "subject", subject, slen);
            copy_member(s->j, "issuer", issuer, ilen);
            hit = 1;
        }
        sb_slot_table_unlock(&m->t, i);
        if (hit) {
            atomic_fetch_add_explicit(&m->hits, 1, memory_order_relaxed);
            return 1;
        }
        j = render(m, x, key, i);
    }
    if (j == NULL) {
        return 0;
    }
    copy_member(j, "subject", subject, slen);
    copy_member(j, "issuer", issuer, ilen);
    json_decref(j);
    return 1;
}
