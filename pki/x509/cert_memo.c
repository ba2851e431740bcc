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
 *
 * An entry is one allocation holding the four rendered fields and the object's JSON text, already escaped
 * (issue 19): a verdict written directly (pki/verdict/verdict_render.h) copies that text, so a repeat
 * certificate costs a memcpy; the jansson object of sb_cert_memo_cert is packed from the fields on demand
 * (no longer kept: a tree per slot cost more memory than the text). The text is exactly what
 * json_dumps(sb_certfmt_json(x), JSON_COMPACT) writes: same buffers (so the same truncation), same escaping.
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

/* One rendered certificate: data holds subject, issuer, serial, sha256 and the JSON text, each
 * NUL-terminated, in that order. Never modified once made. */
struct memo_entry {
    size_t issuer, serial, sha256, text;  /* offsets into data */
    size_t text_len;
    char data[];
};

struct memo_slot {
    unsigned char key[KEY_LEN];          /* SHA-256 of the certificate's DER */
    struct memo_entry *e;                /* owned; NULL = empty */
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

    free(s->e);
    s->e = NULL;
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
        n += s->e != NULL;
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

/* x rendered as sb_certfmt_json renders it (the same buffer sizes, so the same cuts), with its JSON text;
 * NULL when out of memory or when json_pack would refuse a field (not valid UTF-8). */
static struct memo_entry *entry_new(X509 *x)
{
    char subj[1024], iss[1024], serial[128], fp[80];
    const char *f[4] = { subj, iss, serial, fp };
    static const char *const keys[4] = { "{\"subject\":", ",\"issuer\":", ",\"serial\":", ",\"sha256\":" };
    size_t len[4], total, off, i;
    struct sb_jtext t;
    struct memo_entry *e;

    sb_certfmt_name(X509_get_subject_name(x), subj, sizeof(subj));
    sb_certfmt_name(X509_get_issuer_name(x), iss, sizeof(iss));
    sb_certfmt_serial(x, serial, sizeof(serial));
    sb_certfmt_sha256(x, fp, sizeof(fp));
    memset(&t, 0, sizeof(t));
    for (i = 0; i < 4; i++) {
        sb_jtext_cstr(&t, keys[i]);
        sb_jtext_str(&t, f[i]);
    }
    sb_jtext_raw(&t, "}", 1);
    if (t.failed) {
        sb_jtext_free(&t);
        return NULL;
    }
    for (total = t.n + 1, i = 0; i < 4; i++) {
        total += (len[i] = strlen(f[i])) + 1;
    }
    if ((e = malloc(sizeof(*e) + total)) == NULL) {
        sb_jtext_free(&t);
        return NULL;
    }
    for (off = 0, i = 0; i < 4; i++) {
        memcpy(e->data + off, f[i], len[i] + 1);
        if (i == 0) {
            e->issuer = off + len[0] + 1;
        } else if (i == 1) {
            e->serial = off + len[1] + 1;
        } else if (i == 2) {
            e->sha256 = off + len[2] + 1;
        }
        off += len[i] + 1;
    }
    e->text = off;
    e->text_len = t.n;
    memcpy(e->data + off, t.p, t.n + 1);
    sb_jtext_free(&t);
    return e;
}

/* The {"subject","issuer","serial","sha256"} object of e (as sb_certfmt_json packs it). */
static json_t *entry_json(const struct memo_entry *e)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "subject", e->data, "issuer", e->data + e->issuer, "serial",
                     e->data + e->serial, "sha256", e->data + e->sha256);
}

/* Copy s into buf (cut to len, a split UTF-8 sequence dropped). */
static void copy_name(const char *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s", s);
    sb_utf8_sanitize(buf);      /* a cut may have split a UTF-8 sequence */
}

/* What a lookup does with the entry it found or made. */
struct use {
    json_t *j;                                   /* sb_cert_memo_cert: the new object */
    struct sb_jtext *text;                       /* sb_cert_memo_cert_text: where the text goes */
    char *subject, *issuer;                      /* sb_cert_memo_names */
    size_t slen, ilen;
    int ok;
};

static void use_entry(const struct memo_entry *e, struct use *u)
{
    if (u->text != NULL) {
        sb_jtext_raw(u->text, e->data + e->text, e->text_len);
        u->ok = !u->text->failed;
    } else if (u->subject != NULL) {
        copy_name(e->data, u->subject, u->slen);
        copy_name(e->data + e->issuer, u->issuer, u->ilen);
        u->ok = 1;
    } else {
        u->ok = (u->j = entry_json(e)) != NULL;
    }
}

/* Find x in m (NULL: no memo), else render it and remember it (replacing whatever occupied the slot);
 * then u says what to do with it. u->ok: done; 0 when out of memory or x cannot be rendered. */
static void lookup(struct sb_cert_memo *m, X509 *x, struct use *u)
{
    unsigned char key[KEY_LEN];
    struct memo_slot *s;
    struct memo_entry *e, *old;
    size_t i;
    int hit = 0;

    if (m == NULL || !key_of(x, key)) {
        if ((e = entry_new(x)) != NULL) {
            use_entry(e, u);
        }
        free(e);
        return;
    }
    i = slot_of(m, key);
    s = sb_slot_table_lock(&m->t, i);
    if (s->e != NULL && memcmp(s->key, key, KEY_LEN) == 0) {
        use_entry(s->e, u);                      /* under the stripe lock: the entry may be replaced after */
        hit = 1;
    }
    sb_slot_table_unlock(&m->t, i);
    if (hit) {
        atomic_fetch_add_explicit(&m->hits, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&m->misses, 1, memory_order_relaxed);
    if ((e = entry_new(x)) == NULL) {
        return;
    }
    use_entry(e, u);
    s = sb_slot_table_lock(&m->t, i);
    old = s->e;
    memcpy(s->key, key, KEY_LEN);
    s->e = e;
    sb_slot_table_unlock(&m->t, i);
    free(old);
}

json_t *sb_cert_memo_cert(struct sb_cert_memo *m, X509 *x)
{
    struct use u;

    memset(&u, 0, sizeof(u));
    lookup(m, x, &u);
    return u.ok ? u.j : NULL;
}

int sb_cert_memo_cert_text(struct sb_cert_memo *m, X509 *x, struct sb_jtext *out)
{
    struct use u;

    memset(&u, 0, sizeof(u));
    u.text = out;
    lookup(m, x, &u);
    if (!u.ok) {
        out->failed = 1;
    }
    return u.ok;
}

int sb_cert_memo_names(struct sb_cert_memo *m, X509 *x, char *subject, size_t slen, char *issuer,
                          size_t ilen)
{
    struct use u;

    memset(&u, 0, sizeof(u));
    u.subject = subject;
    u.slen = slen;
    u.issuer = issuer;
    u.ilen = ilen;
    lookup(m, x, &u);
    return u.ok;
}
