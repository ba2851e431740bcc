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
#include "pki/base/work_budget.h"
#include "pki/crypto/sig.h"
#include "pki/x509/cert_decode.h"

#define WAYS 8                 /* entries per set: the few CA entries must not evict each other */
#define MAX_SETS (1u << 19)

struct memo_entry {
    unsigned char key[32];
    int used;
    X509_CRL *crl;             /* owned reference for CRL entries (keeps the keyed address alive), else NULL */
};

/* One set of the table: a key's hash picks the set, the key may sit in any of its ways; a new key takes a
 * free way, else the ways in turn (next). */
struct memo_set {
    struct memo_entry way[WAYS];
    unsigned next;
};

struct sb_sig_memo {
    struct sb_slot_table t;
    _Atomic uint64_t hits, misses;
};

static void clear_slot(void *p)
{
    struct memo_set *set = p;
    int w;

    for (w = 0; w < WAYS; w++) {
        X509_CRL_free(set->way[w].crl);
    }
    memset(set, 0, sizeof(*set));
}

struct sb_sig_memo *sb_sig_memo_new(size_t capacity)
{
    struct sb_sig_memo *m;

    if (capacity == 0 || (m = calloc(1, sizeof(*m))) == NULL) {
        return NULL;
    }
    if (!sb_slot_table_init(&m->t, (capacity + WAYS - 1) / WAYS, MAX_SETS, sizeof(struct memo_set))) {
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
    struct memo_set *set, old;
    size_t i;

    for (i = 0; m != NULL && i < m->t.n; i++) {
        set = sb_slot_table_lock(&m->t, i);
        old = *set;
        memset(set, 0, sizeof(*set));
        sb_slot_table_unlock(&m->t, i);
        clear_slot(&old);          /* the CRL references, outside the lock */
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
    struct memo_set *set = sb_slot_table_lock(&m->t, i);
    int w, hit = 0;

    for (w = 0; w < WAYS && !hit; w++) {
        hit = set->way[w].used && memcmp(set->way[w].key, key, 32) == 0;
    }
    sb_slot_table_unlock(&m->t, i);
    atomic_fetch_add_explicit(hit ? &m->hits : &m->misses, 1, memory_order_relaxed);
    return hit;
}

/* Remember key (crl: the CRL entry's object, a reference is taken). */
static void remember(struct sb_sig_memo *m, const unsigned char key[32], X509_CRL *crl)
{
    size_t i = slot_of(m, key);
    struct memo_set *set;
    struct memo_entry *e = NULL;
    X509_CRL *old;
    int w;

    if (crl != NULL && !X509_CRL_up_ref(crl)) {
        return;
    }
    set = sb_slot_table_lock(&m->t, i);
    for (w = 0; w < WAYS && e == NULL; w++) {       /* already there (two threads verified it), else a free way */
        if (set->way[w].used && memcmp(set->way[w].key, key, 32) == 0) {
            e = &set->way[w];
        }
    }
    for (w = 0; w < WAYS && e == NULL; w++) {
        if (!set->way[w].used) {
            e = &set->way[w];
        }
    }
    if (e == NULL) {
        e = &set->way[set->next++ % WAYS];
    }
    old = e->crl;
    memcpy(e->key, key, 32);
    e->used = 1;
    e->crl = crl;
    sb_slot_table_unlock(&m->t, i);
    X509_CRL_free(old);
}

enum sb_reason sb_sig_verify_cert_memo_budget(struct sb_sig_memo *m, struct sb_work_budget *budget, X509 *cert,
                                              X509 *issuer, EVP_PKEY *key, const char *sm2_id, struct sb_err *err)
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
    if (!sb_work_budget_take(budget, sb_sig_verify_cost(key))) {
        return sb_err_set(err, SB_R_INTERNAL, "the work budget of this run is spent");
    }
    rc = sb_sig_verify_cert(cert, key, sm2_id, err);
    if (rc == SB_OK && keyed) {
        remember(m, k, NULL);
    }
    return rc;
}

enum sb_reason sb_sig_verify_cert_memo(struct sb_sig_memo *m, X509 *cert, X509 *issuer, EVP_PKEY *key,
                                       const char *sm2_id, struct sb_err *err)
{
    return sb_sig_verify_cert_memo_budget(m, NULL, cert, issuer, key, sm2_id, err);
}

enum sb_reason sb_sig_verify_crl_memo_budget(struct sb_sig_memo *m, struct sb_work_budget *budget, X509_CRL *crl,
                                             X509 *issuer, EVP_PKEY *key, const char *sm2_id, struct sb_err *err)
{
    unsigned char k[32];
    enum sb_reason rc;
    int keyed;

    keyed = m != NULL && issuer != NULL && memo_key("crl", (const unsigned char *)&crl, sizeof(crl), issuer, sm2_id, k);
    if (keyed && known(m, k)) {
        return SB_OK;
    }
    if (!sb_work_budget_take(budget, sb_sig_verify_cost(key))) {
        return sb_err_set(err, SB_R_INTERNAL, "the work budget of this run is spent");
    }
    rc = sb_sig_verify_crl(crl, key, sm2_id, err);
    if (rc == SB_OK && keyed) {
        remember(m, k, crl);
    }
    return rc;
}

enum sb_reason sb_sig_verify_crl_memo(struct sb_sig_memo *m, X509_CRL *crl, X509 *issuer, EVP_PKEY *key,
                                      const char *sm2_id, struct sb_err *err)
{
    return sb_sig_verify_crl_memo_budget(m, NULL, crl, issuer, key, sm2_id, err);
}
