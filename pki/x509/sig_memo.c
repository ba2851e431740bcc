/*
 * pki/x509/sig_memo.c — signatures already verified (sig_memo.h).
 */
#include "pki/x509/sig_memo.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/base/digest.h"
#include "pki/base/slot_table.h"
#include "pki/crypto/sig.h"
#include "pki/x509/cert_decode.h"

#define MAX_SLOTS (1u << 22)

struct memo_slot {
    unsigned char key[32];
    int used;
    X509_CRL *crl;             /* owned reference for CRL entries (keeps the keyed address alive), else NULL */
};

struct sb_sig_memo {
    struct sb_slot_table t;
    _Atomic uint64_t hits, misses;
};

static void clear_slot(void *p)
{
    struct memo_slot *s = p;

    X509_CRL_free(s->crl);
    memset(s, 0, sizeof(*s));
}

struct sb_sig_memo *sb_sig_memo_new(size_t capacity)
{
    struct sb_sig_memo *m;

    if (capacity == 0 || (m = calloc(1, sizeof(*m))) == NULL) {
        return NULL;
    }
    if (!sb_slot_table_init(&m->t, capacity, MAX_SLOTS, sizeof(struct memo_slot))) {
        free(m);
        return NULL;
    }
    atomic_init(&m->hits, 0);
    atomic_init(&m->misses, 0);
    return m;
}

void sb_sig_memo_free(struct sb_sig_memo *m)
{
    if (m != NULL) {
        sb_slot_table_destroy(&m->t, clear_slot);
        free(m);
    }
}

void sb_sig_memo_flush(struct sb_sig_memo *m)
{
    struct memo_slot *s;
    X509_CRL *old;
    size_t i;

    for (i = 0; m != NULL && i < m->t.n; i++) {
        s = sb_slot_table_lock(&m->t, i);
        old = s->crl;
        memset(s, 0, sizeof(*s));
        sb_slot_table_unlock(&m->t, i);
        X509_CRL_free(old);
    }
}

void sb_sig_memo_counts(struct sb_sig_memo *m, uint64_t *hits, uint64_t *misses)
{
    *hits = m != NULL ? atomic_load(&m->hits) : 0;
    *misses = m != NULL ? atomic_load(&m->misses) : 0;
}

/* SHA-256(kind || object id || issuer certificate digest || SM2 ID || 0). 0 when a digest fails. */
static int memo_key(const char *kind, const unsigned char *obj, size_t obj_len, X509 *issuer, const char *sm2_id,
                    unsigned char key[32])
{
    unsigned char iss[32];
    EVP_MD_CTX *md;
    int ok;

    if (!sb_cert_sha256(issuer, iss) || (md = EVP_MD_CTX_new()) == NULL) {
        return 0;
    }
    ok = EVP_DigestInit_ex(md, sb_md(SB_MD_SHA256), NULL) && EVP_DigestUpdate(md, kind, strlen(kind) + 1) &&
         EVP_DigestUpdate(md, obj, obj_len) && EVP_DigestUpdate(md, iss, sizeof(iss)) &&
         EVP_DigestUpdate(md, sm2_id != NULL ? sm2_id : "", strlen(sm2_id != NULL ? sm2_id : "") + 1) &&
         EVP_DigestFinal_ex(md, key, NULL);
    EVP_MD_CTX_free(md);
    return ok;
}

static size_t slot_of(const struct sb_sig_memo *m, const unsigned char key[32])
{
    uint64_t h;

    memcpy(&h, key, sizeof(h));
    return sb_slot_table_index(&m->t, h);
}

static int known(struct sb_sig_memo *m, const unsigned char key[32])
{
    size_t i = slot_of(m, key);
    struct memo_slot *s = sb_slot_table_lock(&m->t, i);
    int hit = s->used && memcmp(s->key, key, 32) == 0;

    sb_slot_table_unlock(&m->t, i);
    atomic_fetch_add_explicit(hit ? &m->hits : &m->misses, 1, memory_order_relaxed);
    return hit;
}

/* Remember key (crl: the CRL entry's object, a reference is taken). */
static void remember(struct sb_sig_memo *m, const unsigned char key[32], X509_CRL *crl)
{
    size_t i = slot_of(m, key);
    struct memo_slot *s;
    X509_CRL *old;

    if (crl != NULL && !X509_CRL_up_ref(crl)) {
        return;
    }
    s = sb_slot_table_lock(&m->t, i);
    old = s->crl;
    memcpy(s->key, key, 32);
    s->used = 1;
    s->crl = crl;
    sb_slot_table_unlock(&m->t, i);
    X509_CRL_free(old);
}

enum sb_reason sb_sig_verify_cert_memo(struct sb_sig_memo *m, X509 *cert, X509 *issuer, EVP_PKEY *key,
                                       const char *sm2_id, struct sb_err *err)
{
    unsigned char id[32], k[32];
    enum sb_reason rc;
    int keyed;

    /* CA certificates only: they are the prefixes every signer shares; a leaf comes back through the chain
     * cache, and remembering leaves would only evict the CA entries */
    keyed = m != NULL && issuer != NULL && (X509_get_extension_flags(cert) & EXFLAG_CA) != 0 &&
            sb_cert_sha256(cert, id) && memo_key("cert", id, sizeof(id), issuer, sm2_id, k);
    if (keyed && known(m, k)) {
        return SB_OK;
    }
    rc = sb_sig_verify_cert(cert, key, sm2_id, err);
    if (rc == SB_OK && keyed) {
        remember(m, k, NULL);
    }
    return rc;
}

enum sb_reason sb_sig_verify_crl_memo(struct sb_sig_memo *m, X509_CRL *crl, X509 *issuer, EVP_PKEY *key,
                                      const char *sm2_id, struct sb_err *err)
{
    unsigned char k[32];
    enum sb_reason rc;
    int keyed;

    keyed = m != NULL && issuer != NULL && memo_key("crl", (const unsigned char *)&crl, sizeof(crl), issuer, sm2_id, k);
    if (keyed && known(m, k)) {
        return SB_OK;
    }
    rc = sb_sig_verify_crl(crl, key, sm2_id, err);
    if (rc == SB_OK && keyed) {
        remember(m, k, crl);
    }
    return rc;
}
