/*
 * tests/unit/cms_fixture.h — fixture and helpers for tests/unit/test_cms.c (included once, by it only).
 *
 * Loads the fixture PKIs of tests/pki/make-all.sh from $SB_PKI (default build/pki), runs sb_cms_verify
 * with a jurisdiction's root as anchor and its intermediate as untrusted candidate, makes SignedData with
 * sb_cms_sign and OpenSSL's CMS_sign, and hand-builds SignedData with the DER writer.
 */
#ifndef SB_TEST_CMS_FIXTURE_H
#define SB_TEST_CMS_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pki/cms/cms.h"
#include "pki/base/der.h"
#include "pki/crypto/sm2.h"

static const char msg[] = "The quick brown fox jumps over the lazy dog.\n";
static const char other[] = "The quick brown fox jumps over the lazy cat.\n";

struct jur {
    X509 *root, *inter;
    X509_CRL *crl;          /* the intermediate's fresh CRL */
};

struct fx {
    struct jur hk, mo, cn;
    X509 *hk_leaf, *hk_revoked, *hk_wrongku, *mo_ec, *cn_leaf;
    EVP_PKEY *hk_leaf_key, *hk_revoked_key, *hk_wrongku_key, *mo_ec_key, *cn_leaf_key;
};

struct vreq {
    const struct jur *j;
    const unsigned char *data;
    size_t data_len;
    const unsigned char *digest;
    size_t digest_len;
    const char *digest_alg;
    const char *sm2_id;
    int with_crl;
    STACK_OF(X509) *extra;   /* added to untrusted */
};

/* ---- fixture ----------------------------------------------------------------------------------- */

static FILE *open_pki(const char *name)
{
    const char *dir = getenv("SB_PKI");
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir != NULL && dir[0] != '\0' ? dir : "build/pki", name);
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "test_cms: cannot open %s (run sh tests/pki/make-all.sh build/pki or set SB_PKI)\n", path);
    }
    return f;
}

/* The object read by read() from the PEM file name under SB_PKI, or NULL (a message says why). */
static void *pki_read(const char *name, void *(*read)(FILE *))
{
    FILE *f = open_pki(name);
    void *obj = f != NULL ? read(f) : NULL;

    if (f != NULL) {
        fclose(f);
    }
    return obj;
}

static void *read_cert(FILE *f)
{
    return PEM_read_X509(f, NULL, NULL, NULL);
}

static void *read_key(FILE *f)
{
    return PEM_read_PrivateKey(f, NULL, NULL, NULL);
}

static void *read_crl(FILE *f)
{
    return PEM_read_X509_CRL(f, NULL, NULL, NULL);
}

static X509 *cert(const char *name)
{
    return pki_read(name, read_cert);
}

static EVP_PKEY *key(const char *name)
{
    return pki_read(name, read_key);
}

static X509_CRL *crl(const char *name)
{
    return pki_read(name, read_crl);
}

static int load_jur(struct jur *j, const char *d)
{
    char p[64];

    snprintf(p, sizeof(p), "%s/root.pem", d);
    j->root = cert(p);
    snprintf(p, sizeof(p), "%s/int.pem", d);
    j->inter = cert(p);
    snprintf(p, sizeof(p), "%s/int.crl", d);
    j->crl = crl(p);
    return j->root != NULL && j->inter != NULL && j->crl != NULL;
}

static void free_jur(struct jur *j)
{
    X509_free(j->root);
    X509_free(j->inter);
    X509_CRL_free(j->crl);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL || !load_jur(&f->hk, "hk") || !load_jur(&f->mo, "mo") || !load_jur(&f->cn, "cn")) {
        *state = f;
        return -1;
    }
    f->hk_leaf = cert("hk/leaf.pem");
    f->hk_leaf_key = key("hk/leaf.key");
    f->hk_revoked = cert("hk/leaf-revoked.pem");
    f->hk_revoked_key = key("hk/leaf-revoked.key");
    f->hk_wrongku = cert("hk/leaf-wrongku.pem");
    f->hk_wrongku_key = key("hk/leaf-wrongku.key");
    f->mo_ec = cert("mo/leaf-ec.pem");
    f->mo_ec_key = key("mo/leaf-ec.key");
    f->cn_leaf = cert("cn/leaf.pem");
    f->cn_leaf_key = key("cn/leaf.key");
    *state = f;
    if (f->hk_leaf == NULL || f->hk_leaf_key == NULL || f->hk_revoked == NULL || f->hk_revoked_key == NULL
        || f->hk_wrongku == NULL || f->hk_wrongku_key == NULL || f->mo_ec == NULL || f->mo_ec_key == NULL
        || f->cn_leaf == NULL || f->cn_leaf_key == NULL) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    if (f == NULL) {
        return 0;
    }
    free_jur(&f->hk);
    free_jur(&f->mo);
    free_jur(&f->cn);
    X509_free(f->hk_leaf);
    X509_free(f->hk_revoked);
    X509_free(f->hk_wrongku);
    X509_free(f->mo_ec);
    X509_free(f->cn_leaf);
    EVP_PKEY_free(f->hk_leaf_key);
    EVP_PKEY_free(f->hk_revoked_key);
    EVP_PKEY_free(f->hk_wrongku_key);
    EVP_PKEY_free(f->mo_ec_key);
    EVP_PKEY_free(f->cn_leaf_key);
    free(f);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------------------- */

static enum sb_reason run_verify(const unsigned char *der, size_t len, const struct vreq *q, struct sb_cms_result *res)
{
    struct sb_path_opts po;
    struct sb_cms_verify_opts o;
    STACK_OF(X509) *anchors = sk_X509_new_null(), *untrusted = sk_X509_new_null();
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    struct sb_err err;
    enum sb_reason rc;
    int i;

    assert_non_null(anchors);
    assert_non_null(untrusted);
    assert_non_null(crls);
    sb_path_opts_init(&po);
    assert_true(sk_X509_push(anchors, q->j->root) > 0);
    assert_true(sk_X509_push(untrusted, q->j->inter) > 0);
    for (i = 0; i < sk_X509_num(q->extra); i++) {
        assert_true(sk_X509_push(untrusted, sk_X509_value(q->extra, i)) > 0);
    }
    if (q->with_crl) {
        assert_true(sk_X509_CRL_push(crls, q->j->crl) > 0);
    }
    po.crls = crls;
    memset(&o, 0, sizeof(o));
    o.path = &po;
    o.anchors = anchors;
    o.untrusted = untrusted;
    o.data = q->data;
    o.data_len = q->data_len;
    o.digest = q->digest;
    o.digest_len = q->digest_len;
    o.digest_alg = q->digest_alg;
    o.sm2_id = q->sm2_id;
    rc = sb_cms_verify(der, len, &o, res, &err);
    assert_int_equal(rc, res->reason);
    assert_int_equal(err.reason, rc);
    sk_X509_free(anchors);
    sk_X509_free(untrusted);
    sk_X509_CRL_free(crls);
    return rc;
}

/* Verify and return the reason, clearing the result. */
static enum sb_reason verdict(const unsigned char *der, size_t len, const struct vreq *q)
{
    struct sb_cms_result res;
    enum sb_reason rc = run_verify(der, len, q, &res);

    sb_cms_result_clear(&res);
    return rc;
}

static unsigned char *our_sign(X509 *c, EVP_PKEY *k, X509 *inter, int detached, enum sb_cms_format fmt,
                               const char *id, size_t *len)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    unsigned char *out = NULL;
    struct sb_err err;

    assert_true(sk_X509_push(chain, inter) > 0);
    assert_int_equal(sb_cms_sign(k, c, chain, (const unsigned char *)msg, strlen(msg), detached, fmt, id, 0, &out,
                                 len, &err),
                     SB_OK);
    sk_X509_free(chain);
    return out;
}

/* OpenSSL CMS_sign: one or two signers; md NULL = default; pss for RSASSA-PSS. */
static unsigned char *ossl_sign(X509 *c1, EVP_PKEY *k1, X509 *c2, EVP_PKEY *k2, unsigned int flags, const EVP_MD *md,
                                int pss, size_t *len)
{
    BIO *in = BIO_new_mem_buf(msg, -1);
    CMS_ContentInfo *cms;
    CMS_SignerInfo *si;
    unsigned char *der = NULL;
    int n;

    flags |= CMS_BINARY;
    cms = CMS_sign(NULL, NULL, NULL, in, flags | CMS_PARTIAL);
    assert_non_null(cms);
    si = CMS_add1_signer(cms, c1, k1, md, flags | (pss ? CMS_KEY_PARAM : 0));
    assert_non_null(si);
    if (pss) {
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(CMS_SignerInfo_get0_pkey_ctx(si), RSA_PKCS1_PSS_PADDING), 1);
    }
    if (c2 != NULL) {
        assert_non_null(CMS_add1_signer(cms, c2, k2, md, flags));
    }
    assert_int_equal(CMS_final(cms, in, NULL, flags), 1);
    n = i2d_CMS_ContentInfo(cms, &der);
    assert_true(n > 0);
    *len = (size_t)n;
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return der;
}

/* The bytes of a memory BIO as a new buffer. */
static unsigned char *bio_bytes(BIO *b, size_t *len)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    unsigned char *out = malloc((size_t)n);

    assert_true(n > 0);
    assert_non_null(out);
    memcpy(out, p, (size_t)n);
    *len = (size_t)n;
    return out;
}

/* Locate the signerInfos SET and the first SignerInfo of a DER SignedData. */
static void locate_signer_infos(const unsigned char *der, size_t len, struct sb_der_elem *set, struct sb_der_elem *si)
{
    struct sb_der top, ci, x, sd, sis;
    struct sb_der_elem e;

    sb_der_init(&top, der, len, NULL);
    assert_int_equal(sb_der_next(&top, &e, "ci", NULL), SB_OK);
    assert_int_equal(sb_der_enter(&top, &e, &ci, "ci", NULL), SB_OK);
    assert_int_equal(sb_der_next(&ci, &e, "oid", NULL), SB_OK);
    assert_int_equal(sb_der_next(&ci, &e, "[0]", NULL), SB_OK);
    assert_int_equal(sb_der_enter(&ci, &e, &x, "[0]", NULL), SB_OK);
    assert_int_equal(sb_der_next(&x, &e, "sd", NULL), SB_OK);
    assert_int_equal(sb_der_enter(&x, &e, &sd, "sd", NULL), SB_OK);
    while (sb_der_more(&sd)) {
        assert_int_equal(sb_der_next(&sd, set, "elem", NULL), SB_OK);
    }
    assert_int_equal(sb_der_enter(&sd, set, &sis, "sis", NULL), SB_OK);
    assert_int_equal(sb_der_next(&sis, si, "si", NULL), SB_OK);
}

/* Hand-built ContentInfo/SignedData: outer/inner OIDs, optional content, cert, n copies of si. */
static unsigned char *build_sd(const char *outer, const char *inner, const char *content, X509 *c,
                               const unsigned char *si, size_t si_len, size_t n, size_t *len)
{
    static const unsigned char v1[3] = { 0x02, 0x01, 0x01 };
    struct sb_derbuf sd, encap, tmp, sis, ci, out;
    unsigned char *cd = NULL;
    int cl;
    size_t i;

    sb_derbuf_init(&sd);
    sb_derbuf_init(&encap);
    sb_derbuf_init(&tmp);
    sb_derbuf_init(&sis);
    sb_derbuf_init(&ci);
    sb_derbuf_init(&out);
    sb_derbuf_put(&sd, v1, 3);
    sb_derbuf_tlv(&sd, 0x31, NULL, 0);
    sb_derbuf_oid(&encap, inner);
    if (content != NULL) {
        sb_derbuf_tlv(&tmp, 0x04, content, strlen(content));
        sb_derbuf_wrap(&encap, 0xA0, &tmp);
    }
    sb_derbuf_wrap(&sd, 0x30, &encap);
    if (c != NULL) {
        cl = i2d_X509(c, &cd);
        assert_true(cl > 0);
        sb_derbuf_tlv(&sd, 0xA0, cd, (size_t)cl);
        OPENSSL_free(cd);
    }
    for (i = 0; i < n; i++) {
        sb_derbuf_put(&sis, si, si_len);
    }
    sb_derbuf_wrap(&sd, 0x31, &sis);
    sb_derbuf_oid(&ci, outer);
    sb_derbuf_free(&tmp);
    sb_derbuf_wrap(&tmp, 0x30, &sd);
    sb_derbuf_wrap(&ci, 0xA0, &tmp);
    sb_derbuf_wrap(&out, 0x30, &ci);
    assert_int_equal(sb_derbuf_check(&out, "test SignedData", NULL), SB_OK);
    *len = out.len;
    cd = out.data;
    out.data = NULL;
    sb_derbuf_free(&sd);
    sb_derbuf_free(&encap);
    sb_derbuf_free(&tmp);
    sb_derbuf_free(&sis);
    sb_derbuf_free(&ci);
    sb_derbuf_free(&out);
    return cd;
}

/* SignerInfo without signed attributes, SM2 over SM3(ZA || content), signatureAlgorithm sig_oid. */
static void sm2_noattr_si(X509 *c, EVP_PKEY *k, const char *sig_oid, struct sb_derbuf *out)
{
    static const unsigned char v1[3] = { 0x02, 0x01, 0x01 };
    struct sb_derbuf si, ias, a;
    unsigned char *name = NULL, *serial = NULL, *sig = NULL;
    size_t sig_len = 0;
    int nl, sl;

    sb_derbuf_init(&si);
    sb_derbuf_init(&ias);
    sb_derbuf_init(&a);
    assert_int_equal(sb_sm2_sign(k, NULL, (const unsigned char *)msg, strlen(msg), &sig, &sig_len, NULL), SB_OK);
    nl = i2d_X509_NAME(X509_get_issuer_name(c), &name);
    sl = i2d_ASN1_INTEGER(X509_get0_serialNumber(c), &serial);
    assert_true(nl > 0 && sl > 0);
    sb_derbuf_put(&ias, name, (size_t)nl);
    sb_derbuf_put(&ias, serial, (size_t)sl);
    sb_derbuf_put(&si, v1, 3);
    sb_derbuf_wrap(&si, 0x30, &ias);
    sb_derbuf_oid(&a, "1.2.156.10197.1.401");
    sb_derbuf_wrap(&si, 0x30, &a);
    sb_derbuf_free(&a);
    sb_derbuf_oid(&a, sig_oid);
    sb_derbuf_wrap(&si, 0x30, &a);
    sb_derbuf_tlv(&si, 0x04, sig, sig_len);
    sb_derbuf_wrap(out, 0x30, &si);
    assert_int_equal(sb_derbuf_check(out, "SignerInfo", NULL), SB_OK);
    OPENSSL_free(name);
    OPENSSL_free(serial);
    OPENSSL_free(sig);
    sb_derbuf_free(&a);
    sb_derbuf_free(&ias);
    sb_derbuf_free(&si);
}

static size_t find_bytes(const unsigned char *hay, size_t n, const void *needle, size_t m)
{
    size_t i;

    for (i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return i;
        }
    }
    fail_msg("bytes not found");
    return 0;
}

#endif
