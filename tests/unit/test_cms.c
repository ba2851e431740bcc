/*
 * tests/unit/test_cms.c — CMS / PKCS#7 SignedData verification and signing (pki/cms/cms.h).
 *
 * Uses the fixture PKIs of tests/pki/make-all.sh from $SB_PKI (default build/pki): HK RSA, MO ECDSA,
 * CN SM2 (loading and helpers in cms_fixture.h). Objects come from our own sb_cms_sign, from OpenSSL's
 * CMS_sign (attached, detached, no attributes, RSA-PSS, SHA-1, two signers, S/MIME, PEM, BER streaming)
 * and from hand-built DER (SM2 without signed attributes, Ed25519, hostile structures).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h> /* before cms.h, which declares the CMS PEM functions only after it */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/cms/cms.h"
#include "pki/base/der.h"
#include "pki/crypto/sm2.h"

#include "cms_fixture.h"

/* ---- RSA --------------------------------------------------------------------------------------- */

static void test_cms_rsa_attached(void **state)
{
    struct fx *f = *state;
    struct vreq q = { .j = &f->hk };
    struct sb_cms_result res;
    size_t len;
    unsigned char *der = our_sign(f->hk_leaf, f->hk_leaf_key, f->hk.inter, 0, SB_CMS_FORMAT_CMS, NULL, &len);

    assert_int_equal(run_verify(der, len, &q, &res), SB_OK);
    assert_int_equal(res.n_signers, 1);
    assert_int_equal(res.signers[0].reason, SB_OK);
    assert_int_equal(res.format, SB_CMS_FORMAT_CMS);
    assert_int_equal(res.detached, 0);
    assert_int_equal(sk_X509_num(res.signers[0].chain), 3);
    assert_string_equal(res.signers[0].serial, "2000");
    assert_non_null(strstr(res.signers[0].subject, "CHAN Tai Man"));
    assert_true(strlen(res.signers[0].signing_time) == 20);
    sb_cms_result_clear(&res);
    OPENSSL_free(der);
}

static void test_cms_rsa_detached(void **state)
{
    struct fx *f = *state;
    struct vreq q = { .j = &f->hk };
    size_t len;
    unsigned char *der = our_sign(f->hk_leaf, f->hk_leaf_key, f->hk.inter, 1, SB_CMS_FORMAT_CMS, NULL, &len);

    assert_int_equal(verdict(der, len, &q), SB_R_SIGNED_DATA_NOT_FOUND);
    q.data = (const unsigned char *)msg;
    q.data_len = strlen(msg);
    assert_int_equal(verdict(der, len, &q), SB_OK);
    q.data = (const unsigned char *)other;
    assert_int_equal(verdict(der, len, &q), SB_R_HASH_MISMATCH);
    OPENSSL_free(der);
}

static void test_cms_rsa_digest_only(void **state)
{
    struct fx *f = *state;
    unsigned char dg[32], dg_other[32], sm3[32];
    struct vreq q = { .j = &f->hk, .digest = dg, .digest_len = 32, .digest_alg = "sha256" };
    size_t len, len2;
    unsigned char *der = our_sign(f->hk_leaf, f->hk_leaf_key, f->hk.inter, 1, SB_CMS_FORMAT_CMS, NULL, &len);
    unsigned char *noattr = ossl_sign(f->hk_leaf, f->hk_leaf_key, NULL, NULL, CMS_DETACHED | CMS_NOATTR, NULL, 0,
                                      &len2);

    SHA256((const unsigned char *)msg, strlen(msg), dg);
    SHA256((const unsigned char *)other, strlen(other), dg_other);
    assert_int_equal(sb_sm3((const unsigned char *)msg, strlen(msg), sm3, NULL), SB_OK);
    assert_int_equal(verdict(der, len, &q), SB_OK);
    /* without signed attributes RSA is checked over the digest directly */
    assert_int_equal(verdict(noattr, len2, &q), SB_OK);
    q.digest = dg_other;
    assert_int_equal(verdict(der, len, &q), SB_R_HASH_MISMATCH);
    assert_int_equal(verdict(noattr, len2, &q), SB_R_SIG_CRYPTO);
    /* an SM3 digest cannot stand in for the SHA-256 the signer used: the signed data is not there
     * (INDETERMINATE/SIGNED_DATA_NOT_FOUND, exit 3) and the reason says why */
    q.digest = sm3;
    q.digest_alg = "sm3";
    assert_int_equal(verdict(der, len, &q), SB_R_DIGEST_ALG_MISMATCH);
    assert_int_equal(verdict(noattr, len2, &q), SB_R_DIGEST_ALG_MISMATCH);
    assert_int_equal(sb_reason_indication(SB_R_DIGEST_ALG_MISMATCH), SB_IND_INDETERMINATE);
    assert_string_equal(sb_reason_subindication(SB_R_DIGEST_ALG_MISMATCH), "SIGNED_DATA_NOT_FOUND");
    assert_int_equal(sb_reason_exit_code(SB_R_DIGEST_ALG_MISMATCH), 3);
    /* bad option: 31 bytes for SHA-256 */
    q.digest = dg;
    q.digest_len = 31;
    q.digest_alg = "sha256";
    assert_int_equal(verdict(der, len, &q), SB_R_USAGE);
    OPENSSL_free(der);
    OPENSSL_free(noattr);
}

static void test_cms_digest_with_attached_content(void **state)
{
    struct fx *f = *state;
    unsigned char dg[32], dg_other[32];
    struct vreq q = { .j = &f->hk, .digest = dg, .digest_len = 32, .digest_alg = "sha256" };
    size_t len;
    unsigned char *der = our_sign(f->hk_leaf, f->hk_leaf_key, f->hk.inter, 0, SB_CMS_FORMAT_CMS, NULL, &len);

    SHA256((const unsigned char *)msg, strlen(msg), dg);
    SHA256((const unsigned char *)other, strlen(other), dg_other);
    assert_int_equal(verdict(der, len, &q), SB_OK);
    q.digest = dg_other;
    assert_int_equal(verdict(der, len, &q), SB_R_HASH_MISMATCH);
    OPENSSL_free(der);
}

/* A case table: one signature made by OpenSSL's CMS_sign and the verdict it must get. */
struct ossl_case {
    const char *name;
    enum { HK_LEAF = 0, HK_REVOKED, HK_WRONG_KU } signer;
    unsigned int flags;
    const EVP_MD *(*md)(void);   /* NULL: CMS_sign's default */
    int pss;
    int under_mo;                /* verified against the MO anchor instead of HK */
    int with_crl;
    int supply_signer;           /* the signer certificate supplied by the caller */
    enum sb_reason want;
};

static const struct ossl_case variant_cases[] = {
    { "default", HK_LEAF, 0, NULL, 0, 0, 0, 0, SB_OK },
    { "no_signed_attributes", HK_LEAF, CMS_NOATTR, NULL, 0, 0, 0, 0, SB_OK },
    { "sha384", HK_LEAF, 0, EVP_sha384, 0, 0, 0, 0, SB_OK },
    { "sha512_pss", HK_LEAF, 0, EVP_sha512, 1, 0, 0, 0, SB_OK },
    { "key_identifier", HK_LEAF, CMS_USE_KEYID, NULL, 0, 0, 0, 0, SB_OK },
    { "sha1", HK_LEAF, 0, EVP_sha1, 0, 0, 0, 0, SB_R_WEAK_ALGORITHM },
    /* signer certificate neither carried nor supplied */
    { "no_certificates", HK_LEAF, CMS_NOCERTS, NULL, 0, 0, 0, 0, SB_R_NO_SIGNING_CERTIFICATE_FOUND },
    { "no_certificates_signer_supplied", HK_LEAF, CMS_NOCERTS, NULL, 0, 0, 0, 1, SB_OK },
};

static const struct ossl_case chain_cases[] = {
    { "revoked_signer", HK_REVOKED, 0, NULL, 0, 0, 1, 0, SB_R_REVOKED },
    { "signer_key_usage", HK_WRONG_KU, 0, NULL, 0, 0, 1, 0, SB_R_KEY_USAGE },
    /* the HK signer under the MO anchor */
    { "hk_signer_under_mo_anchor", HK_LEAF, 0, NULL, 0, 1, 1, 0, SB_R_CHAIN_NO_ANCHOR },
};

/* Sign and verify every row of cases (n rows); a failure names its row. */
static void run_ossl_cases(struct fx *f, const struct ossl_case *cases, size_t n)
{
    X509 *certs[] = { f->hk_leaf, f->hk_revoked, f->hk_wrongku };
    EVP_PKEY *keys[] = { f->hk_leaf_key, f->hk_revoked_key, f->hk_wrongku_key };
    size_t i, len;

    for (i = 0; i < n; i++) {
        const struct ossl_case *c = &cases[i];
        struct vreq q = { .j = c->under_mo ? &f->mo : &f->hk, .with_crl = c->with_crl };
        unsigned char *der = ossl_sign(certs[c->signer], keys[c->signer], NULL, NULL, c->flags,
                                       c->md != NULL ? c->md() : NULL, c->pss, &len);
        enum sb_reason rc;

        if (c->supply_signer) {
            assert_non_null(q.extra = sk_X509_new_null());
            assert_true(sk_X509_push(q.extra, f->hk_leaf) > 0);
        }
        rc = verdict(der, len, &q);
        if (rc != c->want) {
            fail_msg("%s: got %s, want %s", c->name, sb_reason_name(rc), sb_reason_name(c->want));
        }
        sk_X509_free(q.extra);
        OPENSSL_free(der);
    }
}

static void test_cms_openssl_variants(void **state)
{
    run_ossl_cases(*state, variant_cases, sizeof(variant_cases) / sizeof(variant_cases[0]));
}

static void test_cms_chain_outcomes(void **state)
{
    run_ossl_cases(*state, chain_cases, sizeof(chain_cases) / sizeof(chain_cases[0]));
}

static void test_cms_two_signers_worst_wins(void **state)
{
    struct fx *f = *state;
    struct vreq q = { .j = &f->hk, .with_crl = 1 };
    struct sb_cms_result res;
    size_t len;
    unsigned char *der = ossl_sign(f->hk_leaf, f->hk_leaf_key, f->hk_revoked, f->hk_revoked_key, 0, NULL, 0, &len);

    assert_int_equal(run_verify(der, len, &q, &res), SB_R_REVOKED);
    assert_int_equal(res.n_signers, 2);
    assert_int_equal(res.signers[0].reason, SB_OK);
    assert_int_equal(res.signers[1].reason, SB_R_REVOKED);
    assert_int_equal(res.worst, 1);
    assert_non_null(strstr(res.message, "signer 2 of 2"));
    sb_cms_result_clear(&res);
    /* without the CRL both pass */
    q.with_crl = 0;
    assert_int_equal(verdict(der, len, &q), SB_OK);
    /* a broken signature in the first signer outranks the second's chain problem */
    der[find_bytes(der, len, "\x04\x82\x01\x00", 4) + 10] ^= 0x01;
    q.with_crl = 1;
    assert_int_equal(run_verify(der, len, &q, &res), SB_R_SIG_CRYPTO);
    assert_int_equal(res.signers[0].reason, SB_R_SIG_CRYPTO);
    assert_int_equal(res.worst, 0);
    sb_cms_result_clear(&res);
    OPENSSL_free(der);
}

static void test_cms_tampering(void **state)
{
    struct fx *f = *state;
    struct vreq q = { .j = &f->hk };
    size_t len, off;
    unsigned char *der = our_sign(f->hk_leaf, f->hk_leaf_key, f->hk.inter, 0, SB_CMS_FORMAT_CMS, NULL, &len);

    off = find_bytes(der, len, "quick", 5);
    der[off] = 'Q';
    assert_int_equal(verdict(der, len, &q), SB_R_HASH_MISMATCH);
    der[off] = 'q';
    der[len - 1] ^= 0x80; /* last byte of the RSA signature */
    assert_int_equal(verdict(der, len, &q), SB_R_SIG_CRYPTO);
    der[len - 1] ^= 0x80;
    assert_int_equal(verdict(der, len, &q), SB_OK);
    OPENSSL_free(der);
    /* no signed attributes: content change is recognised from the recovered DigestInfo */
    der = ossl_sign(f->hk_leaf, f->hk_leaf_key, NULL, NULL, CMS_NOATTR, NULL, 0, &len);
    der[find_bytes(der, len, "quick", 5)] = 'Q';
    assert_int_equal(verdict(der, len, &q), SB_R_HASH_MISMATCH);
    OPENSSL_free(der);
}

/* ---- ECDSA, SM2 -------------------------------------------------------------------------------- */

static void test_cms_ecdsa(void **state)
{
    struct fx *f = *state;
    struct vreq q = { .j = &f->mo };
    size_t len;
    unsigned char *der = our_sign(f->mo_ec, f->mo_ec_key, f->mo.inter, 0, SB_CMS_FORMAT_CMS, NULL, &len);

    assert_int_equal(verdict(der, len, &q), SB_OK);
    OPENSSL_free(der);
    der = ossl_sign(f->mo_ec, f->mo_ec_key, NULL, NULL, 0, NULL, 0, &len);
    assert_int_equal(verdict(der, len, &q), SB_OK);
    der[len - 3] ^= 0x01;
    assert_int_equal(verdict(der, len, &q), SB_R_SIG_CRYPTO);
    OPENSSL_free(der);
    /* GM/T 0010 needs an SM2 key */
    {
        unsigned char *out = NULL;
        size_t n = 0;
        struct sb_err err;

        assert_int_equal(sb_cms_sign(f->mo_ec_key, f->mo_ec, NULL, (const unsigned char *)msg, strlen(msg), 0,
                                     SB_CMS_FORMAT_GMT0010, NULL, 0, &out, &n, &err),
                         SB_R_USAGE);
        assert_int_equal(sb_cms_sign(f->hk_leaf_key, f->mo_ec, NULL, (const unsigned char *)msg, strlen(msg), 0,
                                     SB_CMS_FORMAT_CMS, NULL, 0, &out, &n, &err),
                         SB_R_USAGE);
        assert_null(out);
    }
}

static void test_cms_sm2_both_flavours(void **state)
{
    static const enum sb_cms_format fmts[] = { SB_CMS_FORMAT_CMS, SB_CMS_FORMAT_GMT0010 };
    struct fx *f = *state;
    struct vreq q = { .j = &f->cn };
    struct sb_cms_result res;
    unsigned char dg[32];
    size_t len, i;
    unsigned char *der;

    assert_int_equal(sb_sm3((const unsigned char *)msg, strlen(msg), dg, NULL), SB_OK);
    for (i = 0; i < 2; i++) {
        der = our_sign(f->cn_leaf, f->cn_leaf_key, f->cn.inter, 0, fmts[i], NULL, &len);
        q.sm2_id = NULL;
        assert_int_equal(run_verify(der, len, &q, &res), SB_OK);
        assert_int_equal(res.format, fmts[i]);
        sb_cms_result_clear(&res);
        q.sm2_id = "1234567812345679";
        assert_int_equal(verdict(der, len, &q), SB_R_SM2_ID_MISMATCH);
        OPENSSL_free(der);
        der = our_sign(f->cn_leaf, f->cn_leaf_key, f->cn.inter, 1, fmts[i], "ALICE123@YAHOO.COM", &len);
        q.sm2_id = NULL;
        q.digest = dg;
        q.digest_len = 32;
        q.digest_alg = "sm3";
        assert_int_equal(verdict(der, len, &q), SB_R_SIG_CRYPTO);
        q.sm2_id = "ALICE123@YAHOO.COM";
        assert_int_equal(verdict(der, len, &q), SB_OK);
        q.digest = NULL;
        q.data = (const unsigned char *)msg;
        q.data_len = strlen(msg);
        assert_int_equal(verdict(der, len, &q), SB_OK);
        q.data = NULL;
        OPENSSL_free(der);
    }
}

static void test_cms_sm2_without_signed_attrs(void **state)
{
    static const char *const sig_oids[] = { "1.2.156.10197.1.301.1", "1.2.156.10197.1.501", "1.2.156.10197.1.301" };
    struct fx *f = *state;
    struct vreq q = { .j = &f->cn };
    struct sb_derbuf si;
    unsigned char dg[32], *der;
    size_t len, i;

    assert_int_equal(sb_sm3((const unsigned char *)msg, strlen(msg), dg, NULL), SB_OK);
    for (i = 0; i < 3; i++) {
        sb_derbuf_init(&si);
        sm2_noattr_si(f->cn_leaf, f->cn_leaf_key, sig_oids[i], &si);
        der = build_sd("1.2.156.10197.6.1.4.2.2", "1.2.156.10197.6.1.4.2.1", msg, f->cn_leaf, si.data, si.len, 1,
                       &len);
        assert_int_equal(verdict(der, len, &q), SB_OK);
        OPENSSL_free(der);
        /* PKCS#7 outer, GM/T inner */
        der = build_sd("1.2.840.113549.1.7.2", "1.2.156.10197.6.1.4.2.1", msg, f->cn_leaf, si.data, si.len, 1, &len);
        assert_int_equal(verdict(der, len, &q), SB_OK);
        OPENSSL_free(der);
        /* detached: the content or nothing; a digest cannot replace SM3(ZA || content) */
        der = build_sd("1.2.156.10197.6.1.4.2.2", "1.2.156.10197.6.1.4.2.1", NULL, f->cn_leaf, si.data, si.len, 1,
                       &len);
        q.digest = dg;
        q.digest_len = 32;
        q.digest_alg = "sm3";
        assert_int_equal(verdict(der, len, &q), SB_R_SIGNED_DATA_NOT_FOUND);
        q.digest = NULL;
        q.data = (const unsigned char *)other;
        q.data_len = strlen(other);
        assert_int_equal(verdict(der, len, &q), SB_R_SIG_CRYPTO);
        q.data = (const unsigned char *)msg;
        q.data_len = strlen(msg);
        assert_int_equal(verdict(der, len, &q), SB_OK);
        q.data = NULL;
        OPENSSL_free(der);
        sb_derbuf_free(&si);
    }
}

static void test_cms_ed25519(void **state)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_EXTENSION *ku = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,digitalSignature");
    struct jur j = { NULL, NULL, NULL };
    struct vreq q = { .j = &j };
    struct sb_err err;
    unsigned char *der;
    size_t len;

    (void)state;
    sb_err_clear(&err);
    assert_non_null(k);
    assert_non_null(x);
    assert_non_null(ku);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Ed25519 signer", -1,
                                                -1, 0),
                     1);
    assert_int_equal(X509_set_subject_name(x, n), 1);
    assert_int_equal(X509_set_issuer_name(x, n), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    assert_int_equal(X509_set_pubkey(x, k), 1);
    assert_int_equal(X509_add_ext(x, ku, -1), 1);
    assert_true(X509_sign(x, k, NULL) > 0);
    /* an end-entity certificate given as anchor is trusted directly */
    j.root = x;
    j.inter = x;
    /* OpenSSL 3.0 cannot sign Ed25519 CMS ("no default digest"); ours can (RFC 8419) */
    assert_int_equal(sb_cms_sign(k, x, NULL, (const unsigned char *)msg, strlen(msg), 0, SB_CMS_FORMAT_CMS, NULL, 0,
                                 &der, &len, &err),
                     SB_OK);
    assert_int_equal(verdict(der, len, &q), SB_OK);
    der[len - 5] ^= 0x01;
    assert_int_equal(verdict(der, len, &q), SB_R_SIG_CRYPTO);
    der[len - 5] ^= 0x01;
    der[find_bytes(der, len, "quick", 5)] = 'Q';
    assert_int_equal(verdict(der, len, &q), SB_R_HASH_MISMATCH);
    OPENSSL_free(der);
    X509_EXTENSION_free(ku);
    X509_NAME_free(n);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* ---- input forms ------------------------------------------------------------------------------- */

static void test_cms_pem_smime_ber(void **state)
{
    struct fx *f = *state;
    struct vreq q = { .j = &f->mo };
    BIO *in, *out;
    CMS_ContentInfo *cms;
    unsigned char *buf;
    size_t len;

    /* S/MIME multipart/signed, text mode (what `openssl cms -sign` writes by default) */
    in = BIO_new_mem_buf(msg, -1);
    out = BIO_new(BIO_s_mem());
    cms = CMS_sign(f->mo_ec, f->mo_ec_key, NULL, in, CMS_DETACHED | CMS_STREAM);
    assert_non_null(cms);
    assert_int_equal(SMIME_write_CMS(out, cms, in, CMS_DETACHED | CMS_STREAM), 1);
    buf = bio_bytes(out, &len);
    assert_int_equal(verdict(buf, len, &q), SB_OK);
    /* as saved from a mail client: other header lines first */
    {
        static const char hdr[] = "From: chan.siuming@example.com\r\nSubject: signed\r\n";
        unsigned char *mail = malloc(len + sizeof(hdr));

        assert_non_null(mail);
        memcpy(mail, hdr, sizeof(hdr) - 1);
        memcpy(mail + sizeof(hdr) - 1, buf, len);
        assert_int_equal(verdict(mail, len + sizeof(hdr) - 1, &q), SB_OK);
        free(mail);
    }
    free(buf);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(out);
    /* BER with indefinite lengths (streaming DER output) and PEM of it */
    in = BIO_new_mem_buf(msg, -1);
    out = BIO_new(BIO_s_mem());
    cms = CMS_sign(f->mo_ec, f->mo_ec_key, NULL, in, CMS_STREAM | CMS_BINARY);
    assert_non_null(cms);
    assert_int_equal(i2d_CMS_bio_stream(out, cms, in, CMS_STREAM | CMS_BINARY), 1);
    buf = bio_bytes(out, &len);
    assert_int_equal(buf[1], 0x80);
    assert_int_equal(verdict(buf, len, &q), SB_OK);
    free(buf);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(out);
    in = BIO_new_mem_buf(msg, -1);
    out = BIO_new(BIO_s_mem());
    cms = CMS_sign(f->mo_ec, f->mo_ec_key, NULL, in, CMS_BINARY);
    assert_int_equal(PEM_write_bio_CMS(out, cms), 1);
    buf = bio_bytes(out, &len);
    assert_int_equal(verdict(buf, len, &q), SB_OK);
    free(buf);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(out);
}

/* ---- hostile input ----------------------------------------------------------------------------- */

static int is_format_or_malformed(enum sb_reason r)
{
    return r == SB_R_FORMAT || r == SB_R_INPUT_MALFORMED;
}

static void test_cms_truncated_and_garbage(void **state)
{
    struct fx *f = *state;
    struct vreq q = { .j = &f->hk };
    unsigned char junk[3000];
    uint32_t x = 12345;
    size_t len, i;
    unsigned char *der = our_sign(f->hk_leaf, f->hk_leaf_key, f->hk.inter, 0, SB_CMS_FORMAT_CMS, NULL, &len);

    for (i = 0; i < len; i++) {
        assert_true(is_format_or_malformed(verdict(der, i, &q)));
    }
    for (i = 0; i < sizeof(junk); i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    assert_int_equal(verdict(junk, sizeof(junk), &q), SB_R_INPUT_MALFORMED);
    junk[0] = 0x30;
    assert_true(is_format_or_malformed(verdict(junk, sizeof(junk), &q)));
    assert_int_equal(verdict((const unsigned char *)"", 0, &q), SB_R_INPUT_MALFORMED);
    {
        static const char pem[] = "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n";

        assert_int_equal(verdict((const unsigned char *)pem, strlen(pem), &q), SB_R_INPUT_MALFORMED);
    }
    /* flipped bytes anywhere: any verdict, never a crash (sanitizers watch) */
    for (i = 0; i < len; i += 7) {
        der[i] ^= 0xFF;
        (void)verdict(der, len, &q);
        der[i] ^= 0xFF;
    }
    OPENSSL_free(der);
}

static void test_cms_hostile_structures(void **state)
{
    static const unsigned char huge[] = { 0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x06, 0x09, 0x2A, 0x86, 0x48,
                                          0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0, 0x80 };
    static const unsigned char inner_huge[] = { 0x30, 0x11, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01,
                                                0x07, 0x02, 0xA0, 0x84, 0x7F, 0xFF, 0xFF, 0xFF };
    struct fx *f = *state;
    struct vreq q = { .j = &f->hk };
    struct sb_der_elem set, si;
    struct sb_cms_result res;
    unsigned char *der, *big, *ber;
    size_t len, blen, i;

    assert_int_equal(verdict(huge, sizeof(huge), &q), SB_R_INPUT_MALFORMED);
    assert_int_equal(verdict(inner_huge, sizeof(inner_huge), &q), SB_R_FORMAT);
    der = our_sign(f->hk_leaf, f->hk_leaf_key, f->hk.inter, 0, SB_CMS_FORMAT_CMS, NULL, &len);
    locate_signer_infos(der, len, &set, &si);
    /* 1000 SignerInfos, and exactly the cap */
    big = build_sd("1.2.840.113549.1.7.2", "1.2.840.113549.1.7.1", msg, f->hk_leaf, si.der, si.der_len, 1000, &blen);
    assert_int_equal(run_verify(big, blen, &q, &res), SB_R_FORMAT);
    assert_non_null(strstr(res.message, "more than 64 SignerInfos"));
    assert_int_equal(res.n_signers, 0);
    sb_cms_result_clear(&res);
    OPENSSL_free(big);
    big = build_sd("1.2.840.113549.1.7.2", "1.2.840.113549.1.7.1", msg, f->hk_leaf, si.der, si.der_len,
                   SB_CMS_MAX_SIGNERS, &blen);
    assert_int_equal(run_verify(big, blen, &q, &res), SB_OK);
    assert_int_equal(res.n_signers, SB_CMS_MAX_SIGNERS);
    sb_cms_result_clear(&res);
    OPENSSL_free(big);
    /* no SignerInfo at all; not signedData */
    big = build_sd("1.2.840.113549.1.7.2", "1.2.840.113549.1.7.1", msg, f->hk_leaf, si.der, si.der_len, 0, &blen);
    assert_int_equal(verdict(big, blen, &q), SB_R_FORMAT);
    OPENSSL_free(big);
    big = build_sd("1.2.840.113549.1.7.1", "1.2.840.113549.1.7.1", msg, f->hk_leaf, si.der, si.der_len, 1, &blen);
    assert_int_equal(verdict(big, blen, &q), SB_R_FORMAT);
    OPENSSL_free(big);
    /* wrong tag: signerInfos as SEQUENCE */
    der[set.der - der] = 0x30;
    assert_int_equal(verdict(der, len, &q), SB_R_FORMAT);
    der[set.der - der] = 0x31;
    /* indefinite outer length: accepted (normalised) for PKCS#7 OIDs, FORMAT for GM/T ones */
    assert_int_equal(der[1], 0x82);
    ber = malloc(len + 2);
    assert_non_null(ber);
    ber[0] = 0x30;
    ber[1] = 0x80;
    memcpy(ber + 2, der + 4, len - 4);
    ber[len - 2] = 0;
    ber[len - 1] = 0;
    assert_int_equal(verdict(ber, len, &q), SB_OK);
    free(ber);
    OPENSSL_free(der);
    q.j = &f->cn;
    der = our_sign(f->cn_leaf, f->cn_leaf_key, f->cn.inter, 0, SB_CMS_FORMAT_GMT0010, NULL, &len);
    ber = malloc(len);
    assert_non_null(ber);
    ber[0] = 0x30;
    ber[1] = 0x80;
    memcpy(ber + 2, der + 4, len - 4);
    ber[len - 2] = 0;
    ber[len - 1] = 0;
    assert_int_equal(verdict(ber, len, &q), SB_R_FORMAT);
    free(ber);
    /* trailing garbage after the ContentInfo */
    ber = malloc(len + 1);
    assert_non_null(ber);
    memcpy(ber, der, len);
    ber[len] = 0;
    assert_int_equal(verdict(ber, len + 1, &q), SB_R_FORMAT);
    free(ber);
    OPENSSL_free(der);
    /* deep nesting inside the content */
    big = malloc(2 * 200);
    assert_non_null(big);
    for (i = 0; i < 200; i++) {
        big[2 * i] = 0x30;
        big[2 * i + 1] = 0x80;
    }
    assert_true(is_format_or_malformed(verdict(big, 400, &q)));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cms_rsa_attached),
        cmocka_unit_test(test_cms_rsa_detached),
        cmocka_unit_test(test_cms_rsa_digest_only),
        cmocka_unit_test(test_cms_digest_with_attached_content),
        cmocka_unit_test(test_cms_openssl_variants),
        cmocka_unit_test(test_cms_chain_outcomes),
        cmocka_unit_test(test_cms_two_signers_worst_wins),
        cmocka_unit_test(test_cms_tampering),
        cmocka_unit_test(test_cms_ecdsa),
        cmocka_unit_test(test_cms_sm2_both_flavours),
        cmocka_unit_test(test_cms_sm2_without_signed_attrs),
        cmocka_unit_test(test_cms_ed25519),
        cmocka_unit_test(test_cms_pem_smime_ber),
        cmocka_unit_test(test_cms_truncated_and_garbage),
        cmocka_unit_test(test_cms_hostile_structures),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
