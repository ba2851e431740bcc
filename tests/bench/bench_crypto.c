/*
 * tests/bench/bench_crypto.c — micro-benchmark (`make bench-crypto`), never run as a test.
 *
 * Verifications per second, one thread, in-process, each row run for a fixed duration (see below):
 *   (a) our full CMS verify (pki/cms/cms.h: parse, signed attributes, signature, chain building and RFC 5280
 *       path validation) of a 3-level RSA-2048 CMS object and a 3-level SM2 GM/T 0010 object, with the
 *       caches cold (none: every call decodes every certificate and validates the path) and warm (rows
 *       a1w/a2w: a decoded-certificate cache and a validated-path cache, as the daemon uses them, filled by
 *       the warm-up: a repeat signer then costs parsing plus one signature verification);
 *   (b) OpenSSL's bare d2i_CMS_ContentInfo + CMS_verify with an X509_STORE (RSA only: stock OpenSSL 3.0
 *       cannot verify SM2 SignedData — the attempt is made once and its error printed);
 *   (c) raw signature verifications with the same leaf keys: RSA-2048/SHA-256 EVP_DigestVerify and the
 *       `openssl speed` style pre-initialised EVP_PKEY_verify over a hash; SM2/SM3 with the GM/T ID via
 *       sb_sm2_verify, via bare EVP_DigestVerify + EVP_PKEY_CTX_set1_id, and the bare primitive over a
 *       precomputed e = SM3(ZA || M).
 * Then the ratios (a)/((c)/3) — a 3-level chain plus the content signature is 3 signature verifications
 * (the anchor's self-signature is not checked) — and (a)/(b), and the SM2 verify cost in µs.
 * Every timed operation is checked for success; a failure aborts the run (exit 1).
 *
 * Each row's time is split into BENCH_ROUNDS slices run round-robin over all rows, so a load change on the
 * machine hits every row alike; the table gives the overall rate and the spread of the slices.
 *
 * Usage: bench_crypto [--seconds S] [--row ID] PKI_DIR RSA_CMS SM2_GMT0010 DOC
 *   --seconds: time per row (default 2); --row: run only that row (for profiling; no ratios).
 *   PKI_DIR: tests/pki/make-all.sh output; RSA_CMS: `sigbridge sign --format cms` by hk/leaf with
 *   hk/chain.pem; SM2_GMT0010: `sigbridge sign --format gmt0010` by cn/leaf with cn/chain.pem; DOC: the
 *   signed content (the raw-signature rows sign it in-process with the same leaf keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pki/x509/cert_cache.h"
#include "pki/x509/chain_cache.h"
#include "pki/cms/cms.h"
#include "pki/base/err.h"
#include "pki/base/load.h"
#include "pki/x509/path.h"
#include "pki/crypto/sm2.h"

#define BENCH_DEFAULT_SECONDS 2.0
#define BENCH_WARMUP_OPS 20
#define BENCH_ROUNDS 4
#define BENCH_MAX_ROWS 16
#define BENCH_CHAIN_SIGS 3   /* content signature + leaf (by int) + int (by root) */

/* One CMS verification case: the object and both verifiers' settings. */
struct cms_case {
    const unsigned char *der;
    size_t len;
    struct sb_path_opts path;
    struct sb_cms_verify_opts vo;
    X509_STORE *store;                /* for OpenSSL's CMS_verify; NULL when not applicable */
};

/* One raw signature case over msg with pub (sig made in-process by the matching leaf key). */
struct raw_case {
    EVP_PKEY *pub;                    /* SM2: an "SM2"-typed key */
    const char *md;                   /* "SHA256" or "SM3" */
    const unsigned char *msg;
    size_t msg_len;
    unsigned char *sig;               /* OPENSSL_free */
    size_t sig_len;
    unsigned char tbs[32];            /* hash (RSA) or e = SM3(ZA || msg) (SM2) for the pre-initialised row */
    EVP_PKEY_CTX *pre;                /* verify-initialised once, reused per operation */
};

typedef int (*bench_op)(void *arg, struct sb_err *err);

struct row {
    const char *id;
    const char *what;
    int sigs;                         /* signature verifications per operation; 0 = not applicable */
    bench_op fn;
    void *arg;
    double ops_per_s;                 /* over all slices */
    double us_per_op;
    double slice_min, slice_max;      /* slowest and fastest slice, ops/s */
    unsigned long n;
    double t;
};

struct bench {
    double seconds;
    const char *only;                 /* --row: run just this row; NULL = all */
    unsigned char *rsa_der, *sm2_der, *doc;
    size_t rsa_der_len, sm2_der_len, doc_len;
    STACK_OF(X509) *hk_anchors, *hk_chain, *cn_anchors, *cn_chain;
    STACK_OF(X509_CRL) *hk_crls, *cn_crls;
    X509 *hk_leaf, *cn_leaf;
    EVP_PKEY *hk_key, *cn_key, *cn_pub;
    struct cms_case rsa, rsa_crl, sm2, sm2_crl, rsa_warm, sm2_warm;
    struct sb_chain_cache *chain_cache;  /* for the warm rows */
    struct sb_cert_cache *cert_cache;
    struct raw_case rsa_raw, sm2_raw;
    struct row rows[BENCH_MAX_ROWS];
    size_t n_rows;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- timed operations (each returns 1 on a successful verification) --------------------------------- */

static int op_sb_cms(void *arg, struct sb_err *err)
{
    const struct cms_case *c = arg;
    struct sb_cms_result res;
    enum sb_reason rc;

    memset(&res, 0, sizeof(res));
    rc = sb_cms_verify(c->der, c->len, &c->vo, &res, err);
    sb_cms_result_clear(&res);
    return rc == SB_OK;
}

static int op_openssl_cms(void *arg, struct sb_err *err)
{
    const struct cms_case *c = arg;
    const unsigned char *p = c->der;
    CMS_ContentInfo *cms = NULL;
    int ok = 0;

    if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)c->len)) == NULL) {
        sb_err_openssl(err, SB_R_FORMAT, "d2i_CMS_ContentInfo failed");
        goto err;
    }
    if (CMS_verify(cms, NULL, c->store, NULL, NULL, 0) != 1) {
        sb_err_openssl(err, SB_R_SIG_CRYPTO, "CMS_verify failed");
        goto err;
    }
    ok = 1;
err:
    CMS_ContentInfo_free(cms);
    return ok;
}

/* EVP_DigestVerify with a fresh context per operation (what a verifier does per signature). */
static int op_evp_digestverify(void *arg, struct sb_err *err)
{
    const struct raw_case *r = arg;
    EVP_MD_CTX *mctx = NULL;
    int ok = 0;

    if ((mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestVerifyInit_ex(mctx, NULL, r->md, NULL, NULL, r->pub, NULL) != 1
        || EVP_DigestVerify(mctx, r->sig, r->sig_len, r->msg, r->msg_len) != 1) {
        sb_err_openssl(err, SB_R_SIG_CRYPTO, "EVP_DigestVerify (%s) failed", r->md);
        goto err;
    }
    ok = 1;
err:
    EVP_MD_CTX_free(mctx);
    return ok;
}

/* Bare OpenSSL SM2: EVP_DigestVerify with the GM/T ID set through EVP_PKEY_CTX_set1_id. */
static int op_evp_sm2_id(void *arg, struct sb_err *err)
{
    const struct raw_case *r = arg;
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL; /* owned by mctx */
    int ok = 0;

    if ((mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestVerifyInit_ex(mctx, &pctx, "SM3", NULL, NULL, r->pub, NULL) != 1
        || EVP_PKEY_CTX_set1_id(pctx, SB_SM2_DEFAULT_ID, (int)strlen(SB_SM2_DEFAULT_ID)) != 1
        || EVP_DigestVerify(mctx, r->sig, r->sig_len, r->msg, r->msg_len) != 1) {
        sb_err_openssl(err, SB_R_SIG_CRYPTO, "EVP SM2 verify with set1_id failed");
        goto err;
    }
    ok = 1;
err:
    EVP_MD_CTX_free(mctx);
    return ok;
}

static int op_sb_sm2(void *arg, struct sb_err *err)
{
    const struct raw_case *r = arg;

    return sb_sm2_verify(r->pub, NULL, r->msg, r->msg_len, r->sig, r->sig_len, 0, err) == SB_OK;
}

/* `openssl speed` style: EVP_PKEY_verify over a precomputed hash with a context initialised once. */
static int op_pkey_verify_pre(void *arg, struct sb_err *err)
{
    const struct raw_case *r = arg;

    if (EVP_PKEY_verify(r->pre, r->sig, r->sig_len, r->tbs, sizeof(r->tbs)) != 1) {
        sb_err_openssl(err, SB_R_SIG_CRYPTO, "EVP_PKEY_verify (pre-initialised, %s) failed", r->md);
        return 0;
    }
    return 1;
}

/* ---- harness -------------------------------------------------------------------------------------- */

static void add_row(struct bench *b, const char *id, const char *what, int sigs, bench_op fn, void *arg)
{
    struct row *r;

    if (b->n_rows >= BENCH_MAX_ROWS) {
        fprintf(stderr, "bench_crypto: too many rows\n");
        exit(1);
    }
    r = &b->rows[b->n_rows++];
    memset(r, 0, sizeof(*r));
    r->id = id;
    r->what = what;
    r->sigs = sigs;
    r->fn = fn;
    r->arg = arg;
}

/* Warm up the operation and check that it succeeds; 0 (with a message) when it does not. */
static int warm_row(struct row *r)
{
    struct sb_err err;
    int i;

    sb_err_clear(&err);
    for (i = 0; i < BENCH_WARMUP_OPS; i++) {
        if (!r->fn(r->arg, &err)) {
            fprintf(stderr, "bench_crypto: row %s (%s) does not verify: %s\n", r->id, r->what, err.msg);
            return 0;
        }
    }
    return 1;
}

/* Run one slice of secs seconds and add it to r; 0 when any operation failed. */
static int run_slice(struct row *r, double secs)
{
    struct sb_err err;
    unsigned long n = 0;
    double t0, t, rate;

    sb_err_clear(&err);
    t0 = now_s();
    do {
        if (!r->fn(r->arg, &err)) {
            fprintf(stderr, "bench_crypto: row %s (%s) failed after %lu operations: %s\n", r->id, r->what,
                    r->n + n, err.msg);
            return 0;
        }
        n++;
        t = now_s();
    } while (t - t0 < secs);
    rate = (double)n / (t - t0);
    if (r->n == 0 || rate < r->slice_min) {
        r->slice_min = rate;
    }
    if (r->n == 0 || rate > r->slice_max) {
        r->slice_max = rate;
    }
    r->n += n;
    r->t += t - t0;
    r->ops_per_s = (double)r->n / r->t;
    r->us_per_op = 1e6 * r->t / (double)r->n;
    return 1;
}

static int selected(const struct bench *b, const struct row *r)
{
    return b->only == NULL || strcmp(b->only, r->id) == 0;
}

/* Warm up every selected row, then BENCH_ROUNDS round-robin slices of seconds / BENCH_ROUNDS each. */
static int run_rows(struct bench *b)
{
    size_t i;
    int k;

    for (i = 0; i < b->n_rows; i++) {
        if (selected(b, &b->rows[i]) && !warm_row(&b->rows[i])) {
            return 0;
        }
    }
    for (k = 0; k < BENCH_ROUNDS; k++) {
        for (i = 0; i < b->n_rows; i++) {
            if (selected(b, &b->rows[i]) && !run_slice(&b->rows[i], b->seconds / BENCH_ROUNDS)) {
                return 0;
            }
        }
    }
    return 1;
}

static const struct row *find_row(const struct bench *b, const char *id)
{
    size_t i;

    for (i = 0; i < b->n_rows; i++) {
        if (strcmp(b->rows[i].id, id) == 0) {
            return &b->rows[i];
        }
    }
    fprintf(stderr, "bench_crypto: no row %s\n", id);
    exit(1);
}

/* ---- setup ---------------------------------------------------------------------------------------- */

static int pki_path(char *buf, size_t size, const char *dir, const char *rel)
{
    int n = snprintf(buf, size, "%s/%s", dir, rel);

    return n > 0 && (size_t)n < size;
}

static int load_certs_at(const char *dir, const char *rel, STACK_OF(X509) **out, struct sb_err *err)
{
    char p[4096];

    return pki_path(p, sizeof(p), dir, rel) && sb_load_certs(p, out, err) == SB_OK;
}

static int load_crls_at(const char *dir, const char *rel, STACK_OF(X509_CRL) **out, struct sb_err *err)
{
    char p[4096];

    return pki_path(p, sizeof(p), dir, rel) && sb_load_crls(p, out, err) == SB_OK;
}

static int load_key_at(const char *dir, const char *rel, EVP_PKEY **out, struct sb_err *err)
{
    char p[4096];

    return pki_path(p, sizeof(p), dir, rel) && sb_load_key(p, out, err) == SB_OK;
}

/* The OpenSSL store: anchors trusted; with crls, CRL checking for the whole chain. */
static X509_STORE *make_store(STACK_OF(X509) *anchors, STACK_OF(X509_CRL) *crls, struct sb_err *err)
{
    X509_STORE *st = NULL;
    int i;

    if ((st = X509_STORE_new()) == NULL) {
        goto err;
    }
    for (i = 0; i < sk_X509_num(anchors); i++) {
        if (X509_STORE_add_cert(st, sk_X509_value(anchors, i)) != 1) {
            goto err;
        }
    }
    if (crls != NULL) {
        for (i = 0; i < sk_X509_CRL_num(crls); i++) {
            if (X509_STORE_add_crl(st, sk_X509_CRL_value(crls, i)) != 1) {
                goto err;
            }
        }
        if (X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) != 1) {
            goto err;
        }
    }
    return st;
err:
    sb_err_openssl(err, SB_R_INTERNAL, "cannot build the X509_STORE");
    X509_STORE_free(st);
    return NULL;
}

static void cms_case_init(struct cms_case *c, const unsigned char *der, size_t len, STACK_OF(X509) *anchors,
                          STACK_OF(X509_CRL) *crls, X509_STORE *store)
{
    memset(c, 0, sizeof(*c));
    c->der = der;
    c->len = len;
    sb_path_opts_init(&c->path);          /* validation time: now */
    if (crls != NULL) {
        c->path.revocation = SB_REV_REQUIRE;
        c->path.crls = crls;
    }
    c->vo.path = &c->path;
    c->vo.anchors = anchors;
    c->store = store;
}

/* pkey as an "SM2"-typed key (new reference): OpenSSL may decode a key on the SM2 curve as "EC". */
static EVP_PKEY *sm2_typed(EVP_PKEY *pkey, struct sb_err *err)
{
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;

    if (EVP_PKEY_is_a(pkey, "SM2")) {
        if (EVP_PKEY_up_ref(pkey) != 1) {
            goto err;
        }
        return pkey;
    }
    if (EVP_PKEY_todata(pkey, EVP_PKEY_PUBLIC_KEY, &params) != 1
        || (ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        EVP_PKEY_free(key);
        key = NULL;
        goto err;
    }
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    return key;
err:
    sb_err_openssl(err, SB_R_INTERNAL, "cannot make an SM2-typed public key");
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    return NULL;
}

/* RSA raw case: sign doc with the hk leaf key, SHA-256 of doc, a pre-initialised PKCS#1 verify context. */
static int setup_rsa_raw(struct bench *b, struct sb_err *err)
{
    struct raw_case *r = &b->rsa_raw;
    EVP_MD_CTX *mctx = NULL;
    unsigned int hl = 0;
    int ok = 0;

    r->pub = X509_get0_pubkey(b->hk_leaf);
    r->md = "SHA256";
    r->msg = b->doc;
    r->msg_len = b->doc_len;
    if (r->pub == NULL || (mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestSignInit_ex(mctx, NULL, "SHA256", NULL, NULL, b->hk_key, NULL) != 1
        || EVP_DigestSign(mctx, NULL, &r->sig_len, b->doc, b->doc_len) != 1
        || (r->sig = OPENSSL_malloc(r->sig_len)) == NULL
        || EVP_DigestSign(mctx, r->sig, &r->sig_len, b->doc, b->doc_len) != 1
        || EVP_Digest(b->doc, b->doc_len, r->tbs, &hl, EVP_sha256(), NULL) != 1 || hl != sizeof(r->tbs)
        || (r->pre = EVP_PKEY_CTX_new_from_pkey(NULL, r->pub, NULL)) == NULL
        || EVP_PKEY_verify_init(r->pre) != 1 || EVP_PKEY_CTX_set_rsa_padding(r->pre, RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_CTX_set_signature_md(r->pre, EVP_sha256()) != 1) {
        sb_err_openssl(err, SB_R_INTERNAL, "RSA raw-signature setup failed");
        goto err;
    }
    ok = 1;
err:
    EVP_MD_CTX_free(mctx);
    return ok;
}

/* SM2 raw case: sb_sm2_sign doc with the cn leaf key (GM/T ID), e = SM3(ZA || doc), pre-initialised ctx. */
static int setup_sm2_raw(struct bench *b, struct sb_err *err)
{
    struct raw_case *r = &b->sm2_raw;
    unsigned char za[32];
    EVP_MD_CTX *mctx = NULL;
    EVP_MD *sm3 = NULL;
    unsigned int hl = 0;
    int ok = 0;

    if ((b->cn_pub = sm2_typed(X509_get0_pubkey(b->cn_leaf), err)) == NULL) {
        return 0;
    }
    r->pub = b->cn_pub;
    r->md = "SM3";
    r->msg = b->doc;
    r->msg_len = b->doc_len;
    if (sb_sm2_sign(b->cn_key, NULL, b->doc, b->doc_len, &r->sig, &r->sig_len, err) != SB_OK
        || sb_sm2_za(r->pub, NULL, za, err) != SB_OK) {
        return 0;
    }
    if ((sm3 = EVP_MD_fetch(NULL, "SM3", NULL)) == NULL || (mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestInit_ex2(mctx, sm3, NULL) != 1 || EVP_DigestUpdate(mctx, za, sizeof(za)) != 1
        || EVP_DigestUpdate(mctx, b->doc, b->doc_len) != 1 || EVP_DigestFinal_ex(mctx, r->tbs, &hl) != 1
        || hl != sizeof(r->tbs) || (r->pre = EVP_PKEY_CTX_new_from_pkey(NULL, r->pub, NULL)) == NULL
        || EVP_PKEY_verify_init(r->pre) != 1 || EVP_PKEY_CTX_set_signature_md(r->pre, sm3) != 1) {
        sb_err_openssl(err, SB_R_INTERNAL, "SM2 raw-signature setup failed");
        goto err;
    }
    ok = 1;
err:
    EVP_MD_CTX_free(mctx);
    EVP_MD_free(sm3);
    return ok;
}

static int setup(struct bench *b, const char *pki, const char *rsa_cms, const char *sm2_cms, const char *doc,
                 struct sb_err *err)
{
    X509_STORE *st = NULL, *st_crl = NULL;

    if (sb_load_file(rsa_cms, SB_CMS_MAX_INPUT, &b->rsa_der, &b->rsa_der_len, err) != SB_OK
        || sb_load_file(sm2_cms, SB_CMS_MAX_INPUT, &b->sm2_der, &b->sm2_der_len, err) != SB_OK
        || sb_load_file(doc, SB_CMS_MAX_INPUT, &b->doc, &b->doc_len, err) != SB_OK
        || !load_certs_at(pki, "hk/root.pem", &b->hk_anchors, err)
        || !load_certs_at(pki, "hk/leaf.pem", &b->hk_chain, err)
        || !load_crls_at(pki, "hk/int.crl", &b->hk_crls, err)
        || !load_crls_at(pki, "hk/root.crl", &b->hk_crls, err)
        || !load_key_at(pki, "hk/leaf.key", &b->hk_key, err)
        || !load_certs_at(pki, "cn/root.pem", &b->cn_anchors, err)
        || !load_certs_at(pki, "cn/leaf.pem", &b->cn_chain, err)
        || !load_certs_at(pki, "cn/chain.pem", &b->cn_chain, err)
        || !load_crls_at(pki, "cn/int.crl", &b->cn_crls, err)
        || !load_crls_at(pki, "cn/root.crl", &b->cn_crls, err)
        || !load_key_at(pki, "cn/leaf.key", &b->cn_key, err)) {
        return 0;
    }
    b->hk_leaf = sk_X509_value(b->hk_chain, 0);
    b->cn_leaf = sk_X509_value(b->cn_chain, 0);
    if ((st = make_store(b->hk_anchors, NULL, err)) == NULL
        || (st_crl = make_store(b->hk_anchors, b->hk_crls, err)) == NULL) {
        X509_STORE_free(st);
        return 0;
    }
    cms_case_init(&b->rsa, b->rsa_der, b->rsa_der_len, b->hk_anchors, NULL, st);
    cms_case_init(&b->rsa_crl, b->rsa_der, b->rsa_der_len, b->hk_anchors, b->hk_crls, st_crl);
    cms_case_init(&b->sm2, b->sm2_der, b->sm2_der_len, b->cn_anchors, NULL, NULL);
    cms_case_init(&b->sm2_crl, b->sm2_der, b->sm2_der_len, b->cn_anchors, b->cn_crls, NULL);
    /* warm rows: the same objects through both caches (scopes differ, as two jurisdictions would) */
    if ((b->chain_cache = sb_chain_cache_new(1024)) == NULL || (b->cert_cache = sb_cert_cache_new(1024)) == NULL) {
        sb_err_set(err, SB_R_INTERNAL, "out of memory");
        return 0;
    }
    cms_case_init(&b->rsa_warm, b->rsa_der, b->rsa_der_len, b->hk_anchors, NULL, NULL);
    cms_case_init(&b->sm2_warm, b->sm2_der, b->sm2_der_len, b->cn_anchors, NULL, NULL);
    b->rsa_warm.path.cache = b->sm2_warm.path.cache = b->chain_cache;
    b->rsa_warm.path.cache_scope[0] = 1;
    b->sm2_warm.path.cache_scope[0] = 2;
    b->rsa_warm.vo.cert_cache = b->sm2_warm.vo.cert_cache = b->cert_cache;
    return setup_rsa_raw(b, err) && setup_sm2_raw(b, err);
}

static void raw_case_free(struct raw_case *r)
{
    OPENSSL_free(r->sig);
    EVP_PKEY_CTX_free(r->pre);
}

static void teardown(struct bench *b)
{
    X509_STORE_free(b->rsa.store);
    X509_STORE_free(b->rsa_crl.store);
    sb_chain_cache_free(b->chain_cache);
    sb_cert_cache_free(b->cert_cache);
    raw_case_free(&b->rsa_raw);
    raw_case_free(&b->sm2_raw);
    EVP_PKEY_free(b->hk_key);
    EVP_PKEY_free(b->cn_key);
    EVP_PKEY_free(b->cn_pub);
    sk_X509_pop_free(b->hk_anchors, X509_free);
    sk_X509_pop_free(b->hk_chain, X509_free);
    sk_X509_pop_free(b->cn_anchors, X509_free);
    sk_X509_pop_free(b->cn_chain, X509_free);
    sk_X509_CRL_pop_free(b->hk_crls, X509_CRL_free);
    sk_X509_CRL_pop_free(b->cn_crls, X509_CRL_free);
    free(b->rsa_der);
    free(b->sm2_der);
    free(b->doc);
}

/* Try stock OpenSSL CMS_verify on one SM2 object once and print what happens (not timed). */
static void openssl_sm2_attempt(const char *label, const unsigned char *der, size_t len, STACK_OF(X509) *anchors)
{
    struct cms_case c;
    struct sb_err err;

    sb_err_clear(&err);
    memset(&c, 0, sizeof(c));
    c.der = der;
    c.len = len;
    if ((c.store = make_store(anchors, NULL, &err)) == NULL) {
        printf("  %-34s store setup failed: %s\n", label, err.msg);
        return;
    }
    if (op_openssl_cms(&c, &err)) {
        printf("  %-34s VERIFIED by stock OpenSSL (unexpected)\n", label);
    } else {
        printf("  %-34s fails: %.150s\n", label, err.msg);
    }
    X509_STORE_free(c.store);
}

/* The same SM2 signer as a PKCS#7-OID object (sb_cms_sign, in memory) to show what CMS_verify does with it. */
static void openssl_sm2_attempts(const struct bench *b)
{
    STACK_OF(X509) *chain = NULL;
    unsigned char *der = NULL;
    size_t len = 0;
    struct sb_err err;
    int i;

    sb_err_clear(&err);
    printf("\n(b) for SM2: stock OpenSSL 3.0 cannot verify SM2 SignedData (no GM/T 0010 content types; CMS "
           "SM2 signatures\n    need the signer's distinguishing ID, which CMS_verify cannot be given). "
           "One untimed attempt each:\n");
    openssl_sm2_attempt("GM/T 0010 object (benchmarked):", b->sm2_der, b->sm2_der_len, b->cn_anchors);
    if ((chain = sk_X509_new_null()) == NULL) {
        return;
    }
    for (i = 1; i < sk_X509_num(b->cn_chain); i++) {
        if (sk_X509_push(chain, sk_X509_value(b->cn_chain, i)) <= 0) {
            goto out;
        }
    }
    if (sb_cms_sign(b->cn_key, b->cn_leaf, chain, b->doc, b->doc_len, 0, SB_CMS_FORMAT_CMS, NULL, 0, &der, &len,
                    &err) != SB_OK) {
        printf("  SM2 with PKCS#7 OIDs: could not be produced: %s\n", err.msg);
        goto out;
    }
    openssl_sm2_attempt("same signer, PKCS#7 OIDs:", der, len, b->cn_anchors);
out:
    OPENSSL_free(der);
    sk_X509_free(chain);
}

/* ---- report --------------------------------------------------------------------------------------- */

static void print_table(const struct bench *b)
{
    size_t i;

    printf("\n%-4s %-66s %4s %9s %9s %s\n", "row", "operation (1 thread, in-process)", "sigs", "ops/s", "us/op",
           "slices");
    for (i = 0; i < b->n_rows; i++) {
        const struct row *r = &b->rows[i];

        if (!selected(b, r)) {
            continue;
        }
        printf("%-4s %-66s %4d %9.0f %9.2f %+.0f%%/%+.0f%%\n", r->id, r->what, r->sigs, r->ops_per_s, r->us_per_op,
               100.0 * (r->slice_min - r->ops_per_s) / r->ops_per_s,
               100.0 * (r->slice_max - r->ops_per_s) / r->ops_per_s);
    }
}

/* Fraction of the crypto limit: a / (c / sigs) = a * sigs / c. */
static double limit_frac(const struct row *a, const struct row *c)
{
    return a->ops_per_s * (double)a->sigs / c->ops_per_s;
}

static void print_ratios(const struct bench *b)
{
    const struct row *ra = find_row(b, "a1"), *rac = find_row(b, "a1r"), *rb = find_row(b, "b1");
    const struct row *rbc = find_row(b, "b1r"), *rc = find_row(b, "c1"), *rcs = find_row(b, "c1s");
    const struct row *sa = find_row(b, "a2"), *sac = find_row(b, "a2r"), *sc = find_row(b, "c2");
    const struct row *se = find_row(b, "c2e"), *sp = find_row(b, "c2p");
    const struct row *raw = find_row(b, "a1w"), *saw = find_row(b, "a2w");

    printf("\nRatios (crypto limit of one object = raw verifies/s divided by the signature verifications it "
           "needs:\n3 for a 3-level chain + content signature; 5 with the two CRL signatures):\n");
    printf("  RSA  (a)/(c/3)   our CMS verify vs EVP_DigestVerify limit (%.0f/s):        %5.1f%%\n",
           rc->ops_per_s / BENCH_CHAIN_SIGS, 100.0 * limit_frac(ra, rc));
    printf("  RSA  (a)/(c'/3)  our CMS verify vs `openssl speed`-style limit (%.0f/s):   %5.1f%%\n",
           rcs->ops_per_s / BENCH_CHAIN_SIGS, 100.0 * limit_frac(ra, rcs));
    printf("  RSA  (a)/(b)     our CMS verify vs bare OpenSSL CMS_verify:                %5.2fx\n",
           ra->ops_per_s / rb->ops_per_s);
    printf("  RSA  (b)/(c/3)   bare OpenSSL CMS_verify vs EVP_DigestVerify limit:         %5.1f%%\n",
           100.0 * rb->ops_per_s * BENCH_CHAIN_SIGS / rc->ops_per_s);
    printf("  RSA  with CRLs:  (a)/(c/5) %5.1f%%, (a)/(b) %5.2fx\n", 100.0 * limit_frac(rac, rc),
           rac->ops_per_s / rbc->ops_per_s);
    printf("  RSA  warm:       (a1w)/(c/1) %5.1f%% of one EVP_DigestVerify, (a1w)/(a1) %5.2fx cold, (a1w)/(b) "
           "%5.2fx\n", 100.0 * limit_frac(raw, rc), raw->ops_per_s / ra->ops_per_s, raw->ops_per_s / rb->ops_per_s);
    printf("  SM2  (a)/(c/3)   our CMS verify vs sb_sm2_verify limit (%.0f/s):            %5.1f%%\n",
           sc->ops_per_s / BENCH_CHAIN_SIGS, 100.0 * limit_frac(sa, sc));
    printf("  SM2  (a)/(c/3)   our CMS verify vs bare EVP+set1_id limit (%.0f/s):         %5.1f%%\n",
           se->ops_per_s / BENCH_CHAIN_SIGS, 100.0 * limit_frac(sa, se));
    printf("  SM2  (a)/(c'/3)  our CMS verify vs pre-hashed primitive limit (%.0f/s):     %5.1f%%\n",
           sp->ops_per_s / BENCH_CHAIN_SIGS, 100.0 * limit_frac(sa, sp));
    printf("  SM2  with CRLs:  (a)/(c/5) %5.1f%% (vs sb_sm2_verify)\n", 100.0 * limit_frac(sac, sc));
    printf("  SM2  warm:       (a2w)/(c/1) %5.1f%% of one sb_sm2_verify, (a2w)/(a2) %5.2fx cold\n",
           100.0 * limit_frac(saw, sc), saw->ops_per_s / sa->ops_per_s);
    printf("  SM2  (a)/(b)     n/a: stock OpenSSL cannot verify SM2 SignedData (see above)\n");
    printf("\nSM2 verify cost (GM/T ID %s, %zu-byte message):\n", SB_SM2_DEFAULT_ID, b->doc_len);
    printf("  sb_sm2_verify                               %8.2f us\n", sc->us_per_op);
    printf("  OpenSSL EVP_DigestVerify + set1_id          %8.2f us   (sb_sm2_verify overhead %+.2f us, %+.1f%%)\n",
           se->us_per_op, sc->us_per_op - se->us_per_op, 100.0 * (sc->us_per_op - se->us_per_op) / se->us_per_op);
    printf("  EVP_PKEY_verify over precomputed e          %8.2f us   (ZA + SM3 + context set-up: %.2f us)\n",
           sp->us_per_op, se->us_per_op - sp->us_per_op);
    printf("  RSA-2048 EVP_DigestVerify, for comparison   %8.2f us\n", rc->us_per_op);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_crypto [--seconds S] [--row ID] PKI_DIR RSA_CMS SM2_GMT0010 DOC\n");
}

int main(int argc, char **argv)
{
    struct bench b;
    struct sb_err err;
    int argi = 1, rc = 1;
    size_t i;
    double total0;

    memset(&b, 0, sizeof(b));
    sb_err_clear(&err);
    b.seconds = BENCH_DEFAULT_SECONDS;
    while (argc - argi > 4 && argv[argi][0] == '-') {
        if (strcmp(argv[argi], "--seconds") == 0) {
            char *end = NULL;

            b.seconds = strtod(argv[argi + 1], &end);
            if (end == argv[argi + 1] || *end != '\0' || !(b.seconds > 0.0 && b.seconds <= 60.0)) {
                usage();
                return 2;
            }
        } else if (strcmp(argv[argi], "--row") == 0) {
            b.only = argv[argi + 1];
        } else {
            usage();
            return 2;
        }
        argi += 2;
    }
    if (argc - argi != 4) {
        usage();
        return 2;
    }
    total0 = now_s();
    if (!setup(&b, argv[argi], argv[argi + 1], argv[argi + 2], argv[argi + 3], &err)) {
        fprintf(stderr, "bench_crypto: setup: %s\n", err.msg);
        goto out;
    }
    add_row(&b, "a1", "RSA  sb_cms_verify: 3-level CMS, parse+attrs+sig+chain, no CRLs", 3, op_sb_cms, &b.rsa);
    add_row(&b, "a1w", "RSA  sb_cms_verify, caches warm (cert + validated-path cache)", 1, op_sb_cms, &b.rsa_warm);
    add_row(&b, "b1", "RSA  OpenSSL d2i_CMS_ContentInfo + CMS_verify(X509_STORE)", 3, op_openssl_cms, &b.rsa);
    add_row(&b, "a1r", "RSA  sb_cms_verify, --revocation require + int/root CRLs", 5, op_sb_cms, &b.rsa_crl);
    add_row(&b, "b1r", "RSA  OpenSSL CMS_verify, CRL_CHECK|CRL_CHECK_ALL + the same CRLs", 5, op_openssl_cms,
            &b.rsa_crl);
    add_row(&b, "c1", "RSA  EVP_DigestVerify RSA-2048/SHA-256, hk leaf key, fresh ctx", 1, op_evp_digestverify,
            &b.rsa_raw);
    add_row(&b, "c1s", "RSA  EVP_PKEY_verify over SHA-256 hash, ctx reused (openssl speed)", 1,
            op_pkey_verify_pre, &b.rsa_raw);
    add_row(&b, "a2", "SM2  sb_cms_verify: 3-level GM/T 0010, parse+attrs+sig+chain", 3, op_sb_cms, &b.sm2);
    add_row(&b, "a2w", "SM2  sb_cms_verify, caches warm (cert + validated-path cache)", 1, op_sb_cms, &b.sm2_warm);
    add_row(&b, "a2r", "SM2  sb_cms_verify, --revocation require + int/root CRLs", 5, op_sb_cms, &b.sm2_crl);
    add_row(&b, "c2", "SM2  sb_sm2_verify (GM/T ID), cn leaf key", 1, op_sb_sm2, &b.sm2_raw);
    add_row(&b, "c2e", "SM2  bare EVP_DigestVerify SM3 + EVP_PKEY_CTX_set1_id, fresh ctx", 1, op_evp_sm2_id,
            &b.sm2_raw);
    add_row(&b, "c2p", "SM2  EVP_PKEY_verify over precomputed SM3(ZA||M), ctx reused", 1, op_pkey_verify_pre,
            &b.sm2_raw);

    for (i = 0; i < b.n_rows && b.only != NULL; i++) {
        if (strcmp(b.only, b.rows[i].id) == 0) {
            break;
        }
    }
    if (i == b.n_rows) {
        fprintf(stderr, "bench_crypto: --row %s: no such row\n", b.only);
        goto out;
    }
    printf("sigbridge bench-crypto — %s; 1 thread; %g s per row in %d interleaved slices; validation "
           "time now\n", OpenSSL_version(OPENSSL_VERSION), b.seconds, BENCH_ROUNDS);
    printf("  RSA CMS: %s (%zu bytes; hk leaf -> int -> root, RSA-2048/SHA-256)\n", argv[argi + 1], b.rsa_der_len);
    printf("  SM2 CMS: %s (%zu bytes; cn leaf -> int -> root, SM2/SM3, GM/T 0010 OIDs)\n", argv[argi + 2],
           b.sm2_der_len);
    printf("  raw rows sign the %zu-byte document %s in-process with the same leaf keys\n", b.doc_len,
           argv[argi + 3]);
    fflush(stdout);
    if (!run_rows(&b)) {
        goto out;
    }
    print_table(&b);
    if (b.only == NULL) {
        openssl_sm2_attempts(&b);
        print_ratios(&b);
    }
    printf("\n(total %.1f s; timing only — these figures are never asserted by tests)\n", now_s() - total0);
    rc = 0;
out:
    teardown(&b);
    return rc;
}
