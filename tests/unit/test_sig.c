/*
 * tests/unit/test_sig.c — certificate and CRL signatures and the algorithm allow-list (pki/crypto/sig.h).
 *
 * RSA (PKCS#1 v1.5 and PSS), ECDSA, Ed25519 and SM2-with-SM3 certificates are minted in C. SM2 objects
 * are signed two independent ways: by OpenSSL's provider with the `distid` parameter (what
 * `openssl x509 -sigopt distid:ID` does) and by assembling the DER around a pki/crypto/sm2.h signature, the
 * latter cross-checked with OpenSSL's own X509_verify.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "pki/crypto/sig.h"
#include "pki/crypto/sm2.h"
#include "tests/unit/testcert.h"

struct fx {
    EVP_PKEY *rsa2048, *rsa1024, *p256, *ed25519, *sm2, *sm2b;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    f->rsa2048 = tc_key_rsa(2048);
    f->rsa1024 = tc_key_rsa(1024);
    f->p256 = tc_key_ec();
    f->ed25519 = tc_key_ed25519();
    f->sm2 = tc_key_sm2();
    f->sm2b = tc_key_sm2();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    EVP_PKEY_free(f->rsa2048);
    EVP_PKEY_free(f->rsa1024);
    EVP_PKEY_free(f->p256);
    EVP_PKEY_free(f->ed25519);
    EVP_PKEY_free(f->sm2);
    EVP_PKEY_free(f->sm2b);
    free(f);
    return 0;
}

/* Certificate cn for subject key sk, issued by a fresh root issuer_cn of key ik, signed with digest md
 * (NULL = SHA-256) or, for SM2, distinguishing ID id (NULL = GM/T default). */
static X509 *issued(const char *cn, const char *issuer_cn, EVP_PKEY *sk, EVP_PKEY *ik, const EVP_MD *md, const char *id)
{
    X509 *iss = tc_root(issuer_cn, ik), *x;
    struct tc_spec s = tc_spec_of(cn, sk, iss, ik);

    s.md = md;
    s.sm2_id = id;
    x = tc_make(&s);
    X509_free(iss);
    return x;
}

/* A leaf for subject key sk signed by ik with digest md (NULL = SHA-256). */
static X509 *signed_by(EVP_PKEY *sk, EVP_PKEY *ik, const EVP_MD *md)
{
    return issued("sig.example", "Sig Issuer", sk, ik, md, NULL);
}

static X509 *sm2_signed(EVP_PKEY *sk, EVP_PKEY *ik, const char *id)
{
    return issued("sm2.example", "SM2 Issuer", sk, ik, NULL, id);
}

static enum sb_reason verify(X509 *x, EVP_PKEY *k, const char *id)
{
    struct sb_err e;
    enum sb_reason rc;

    sb_err_clear(&e);
    rc = sb_sig_verify_cert(x, k, id, &e);
    assert_int_equal(rc, e.reason);
    if (rc != SB_OK) {
        assert_true(e.msg[0] != '\0');
    }
    return rc;
}

static enum sb_reason check_alg(X509 *x, const struct sb_algs *a)
{
    struct sb_err e;

    sb_err_clear(&e);
    return sb_sig_check_cert_alg(x, a, &e);
}

static enum sb_reason check_key(EVP_PKEY *k, const struct sb_algs *a)
{
    struct sb_err e;
    enum sb_reason rc;

    sb_err_clear(&e);
    rc = sb_sig_check_key(k, a, &e);
    assert_int_equal(rc, e.reason);
    return rc;
}

/* Copy of x's DER with fn applied, re-parsed. */
static X509 *mutate(X509 *x, void (*fn)(unsigned char *der, int len))
{
    unsigned char *der = NULL;
    int len = tc_der(x, &der);
    X509 *y;

    fn(der, len);
    y = tc_from_der(der, len);
    OPENSSL_free(der);
    return y;
}

static void flip_last_byte(unsigned char *der, int len)
{
    der[len - 1] ^= 0x01;
}

/* Find the n-th (0-based) occurrence of needle in der; -1 when absent. */
static long find(const unsigned char *der, long len, const void *needle, long nlen, int n)
{
    long i;

    for (i = 0; i + nlen <= len; i++) {
        if (memcmp(der + i, needle, (size_t)nlen) == 0 && n-- == 0) {
            return i;
        }
    }
    return -1;
}

static void flip_subject_char(unsigned char *der, int len)
{
    long at = find(der, len, "sig.example", 11, 0);

    assert_true(at >= 0);
    der[at] = 'S';
}

/* ecdsa-with-SHA256 → ecdsa-with-SHA384 in the outer signatureAlgorithm only (the 2nd occurrence). */
static void outer_alg_sha384(unsigned char *der, int len)
{
    static const unsigned char oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
    long at = find(der, len, oid, sizeof(oid), 1);

    assert_true(at >= 0);
    der[at + 9] = 0x03;
}

/* ---- RSA / ECDSA / EdDSA ---------------------------------------------------------------------- */

static void test_rsa2048_sha256_ok(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    X509 *x = signed_by(f->p256, f->rsa2048, NULL);

    sb_algs_default(&a);
    assert_int_equal(a.min_rsa_bits, 2048);
    assert_int_equal(a.allow_sha1, 0);
    assert_int_equal(verify(x, f->rsa2048, NULL), SB_OK);
    assert_int_equal(check_alg(x, &a), SB_OK);
    assert_int_equal(check_key(f->rsa2048, &a), SB_OK);
    /* the wrong key */
    assert_int_equal(verify(x, f->p256, NULL), SB_R_SIG_CRYPTO);
    assert_int_equal(verify(x, f->rsa1024, NULL), SB_R_SIG_CRYPTO);
    X509_free(x);
}

static void test_rsa1024_weak_key(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    struct sb_err e;
    X509 *x = signed_by(f->p256, f->rsa1024, NULL);

    sb_algs_default(&a);
    /* the signature itself is fine; the key is too small */
    assert_int_equal(verify(x, f->rsa1024, NULL), SB_OK);
    assert_int_equal(sb_sig_check_key(f->rsa1024, &a, &e), SB_R_WEAK_KEY);
    assert_non_null(strstr(e.msg, "1024"));
    a.min_rsa_bits = 1024;
    assert_int_equal(check_key(f->rsa1024, &a), SB_OK);
    X509_free(x);
}

static void test_sha1_weak_algorithm(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    struct sb_err e;
    X509 *x = signed_by(f->p256, f->p256, EVP_sha1()), *r = signed_by(f->p256, f->rsa2048, EVP_sha1());

    sb_algs_default(&a);
    assert_int_equal(verify(x, f->p256, NULL), SB_OK);
    assert_int_equal(sb_sig_check_cert_alg(x, &a, &e), SB_R_WEAK_ALGORITHM);
    assert_non_null(strstr(e.msg, "SHA-1"));
    assert_int_equal(check_alg(r, &a), SB_R_WEAK_ALGORITHM);
    a.allow_sha1 = 1;
    assert_int_equal(check_alg(x, &a), SB_OK);
    assert_int_equal(check_alg(r, &a), SB_OK);
    X509_free(x);
    X509_free(r);
}

static void test_md5_weak_algorithm(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    X509 *x = signed_by(f->p256, f->rsa2048, EVP_md5());

    sb_algs_default(&a);
    assert_int_equal(check_alg(x, &a), SB_R_WEAK_ALGORITHM);
    a.allow_sha1 = 1;
    assert_int_equal(check_alg(x, &a), SB_R_WEAK_ALGORITHM);
    a.allow_md5 = 1;
    assert_int_equal(check_alg(x, &a), SB_OK);
    X509_free(x);
}

static void test_sha384_sha512_ok(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    X509 *x = signed_by(f->p256, f->p256, EVP_sha384()), *y = signed_by(f->p256, f->rsa2048, EVP_sha512());

    sb_algs_default(&a);
    assert_int_equal(check_alg(x, &a), SB_OK);
    assert_int_equal(check_alg(y, &a), SB_OK);
    assert_int_equal(verify(x, f->p256, NULL), SB_OK);
    assert_int_equal(verify(y, f->rsa2048, NULL), SB_OK);
    X509_free(x);
    X509_free(y);
}

static X509 *pss_signed(EVP_PKEY *sk, EVP_PKEY *ik, const EVP_MD *md)
{
    X509 *iss = tc_root("PSS Issuer", ik), *x = X509_new();
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;

    assert_non_null(x);
    assert_non_null(mctx);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 5), 1);
    assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(iss)), 1);
    assert_int_equal(X509_set_subject_name(x, X509_get_subject_name(iss)), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), TC_T2020));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), TC_T2040));
    assert_int_equal(X509_set_pubkey(x, sk), 1);
    assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, EVP_MD_get0_name(md), NULL, NULL, ik, NULL), 1);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0);
    assert_true(X509_sign_ctx(x, mctx) > 0);
    EVP_MD_CTX_free(mctx);
    X509_free(iss);
    return tc_reparse(x);
}

static void test_rsa_pss(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    X509 *x = pss_signed(f->p256, f->rsa2048, EVP_sha256()), *y = pss_signed(f->p256, f->rsa2048, EVP_sha1());

    sb_algs_default(&a);
    assert_int_equal(verify(x, f->rsa2048, NULL), SB_OK);
    assert_int_equal(check_alg(x, &a), SB_OK);
    /* PSS with SHA-1: the digest comes from the PSS parameters (absent hashAlgorithm = SHA-1) */
    assert_int_equal(verify(y, f->rsa2048, NULL), SB_OK);
    assert_int_equal(check_alg(y, &a), SB_R_WEAK_ALGORITHM);
    a.allow_sha1 = 1;
    assert_int_equal(check_alg(y, &a), SB_OK);
    X509_free(x);
    X509_free(y);
}

static void test_p256_ok(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    X509 *x = signed_by(f->p256, f->p256, NULL);

    sb_algs_default(&a);
    assert_int_equal(verify(x, f->p256, NULL), SB_OK);
    assert_int_equal(check_alg(x, &a), SB_OK);
    assert_int_equal(check_key(f->p256, &a), SB_OK);
    /* the key as read back from the certificate */
    assert_int_equal(check_key(X509_get0_pubkey(x), &a), SB_OK);
    X509_free(x);
}

static void test_other_curves(void **state)
{
    struct sb_algs a;
    EVP_PKEY *k;

    (void)state;
    sb_algs_default(&a);
    k = tc_key_curve("P-192");
    if (k != NULL) {
        X509 *x = signed_by(k, k, NULL);

        assert_int_equal(verify(x, k, NULL), SB_OK);
        assert_int_equal(check_key(k, &a), SB_R_WEAK_KEY);
        assert_int_equal(check_key(X509_get0_pubkey(x), &a), SB_R_WEAK_KEY);
        X509_free(x);
        EVP_PKEY_free(k);
    } else {
        print_message("P-192 not available in this OpenSSL; weak-curve case skipped\n");
    }
    assert_non_null(k = tc_key_curve("secp256k1"));
    assert_int_equal(check_key(k, &a), SB_R_WEAK_KEY);
    EVP_PKEY_free(k);
    assert_non_null(k = tc_key_curve("P-384"));
    assert_int_equal(check_key(k, &a), SB_OK);
    EVP_PKEY_free(k);
    assert_non_null(k = tc_key_curve("P-521"));
    assert_int_equal(check_key(k, &a), SB_OK);
    EVP_PKEY_free(k);
    assert_non_null(k = tc_key_curve("brainpoolP256r1"));
    assert_int_equal(check_key(k, &a), SB_R_WEAK_KEY);
    EVP_PKEY_free(k);
}

static void test_explicit_curve_weak_key(void **state)
{
    struct sb_algs a;
    EVP_PKEY_CTX *ctx;
    EVP_PKEY *k = NULL;
    OSSL_PARAM params[3];
    X509 *x;

    (void)state;
    sb_algs_default(&a);
    assert_non_null(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL));
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING,
                                                 (char *)OSSL_PKEY_EC_ENCODING_EXPLICIT, 0);
    params[2] = OSSL_PARAM_construct_end();
    assert_int_equal(EVP_PKEY_CTX_set_params(ctx, params), 1);
    assert_int_equal(EVP_PKEY_generate(ctx, &k), 1);
    EVP_PKEY_CTX_free(ctx);
    x = signed_by(k, k, NULL);
    /* the SubjectPublicKeyInfo carries explicit parameters */
    assert_int_equal(check_key(X509_get0_pubkey(x), &a), SB_R_WEAK_KEY);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_ed25519_ok(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    X509 *x = signed_by(f->ed25519, f->ed25519, NULL);

    sb_algs_default(&a);
    assert_int_equal(verify(x, f->ed25519, NULL), SB_OK);
    assert_int_equal(check_alg(x, &a), SB_OK);
    assert_int_equal(check_key(f->ed25519, &a), SB_OK);
    assert_int_equal(verify(x, f->p256, NULL), SB_R_SIG_CRYPTO);
    X509_free(x);
}

static void test_null_key_weak(void **state)
{
    struct sb_algs a;

    (void)state;
    sb_algs_default(&a);
    assert_int_equal(check_key(NULL, &a), SB_R_WEAK_KEY);
}

static void test_tamper_sig_crypto(void **state)
{
    struct fx *f = *state;
    X509 *ok[3], *bad;
    EVP_PKEY *keys[3];
    int i;

    keys[0] = f->p256;
    keys[1] = f->rsa2048;
    keys[2] = f->ed25519;
    for (i = 0; i < 3; i++) {
        ok[i] = signed_by(f->p256, keys[i], NULL);
        assert_int_equal(verify(ok[i], keys[i], NULL), SB_OK);
        bad = mutate(ok[i], flip_last_byte);
        assert_int_equal(verify(bad, keys[i], NULL), SB_R_SIG_CRYPTO);
        X509_free(bad);
        bad = mutate(ok[i], flip_subject_char);
        assert_int_equal(verify(bad, keys[i], NULL), SB_R_SIG_CRYPTO);
        X509_free(bad);
        X509_free(ok[i]);
    }
}

static void test_outer_inner_alg_mismatch(void **state)
{
    struct fx *f = *state;
    X509 *x = signed_by(f->p256, f->p256, NULL), *y = mutate(x, outer_alg_sha384);
    struct sb_err e;

    assert_int_equal(sb_sig_verify_cert(y, f->p256, NULL, &e), SB_R_SIG_CRYPTO);
    assert_non_null(strstr(e.msg, "differs"));
    X509_free(x);
    X509_free(y);
}

/* ---- SM2 -------------------------------------------------------------------------------------- */

static void test_sm2_default_id(void **state)
{
    struct fx *f = *state;
    struct sb_algs a;
    X509 *x = sm2_signed(f->sm2b, f->sm2, NULL);

    sb_algs_default(&a);
    assert_int_equal(OBJ_obj2nid(X509_get0_tbs_sigalg(x)->algorithm), NID_SM2_with_SM3);
    assert_int_equal(check_alg(x, &a), SB_OK);
    assert_int_equal(check_key(f->sm2, &a), SB_OK);
    assert_int_equal(check_key(X509_get0_pubkey(x), &a), SB_OK);
    assert_int_equal(verify(x, f->sm2, NULL), SB_OK);
    assert_int_equal(verify(x, f->sm2, SB_SM2_DEFAULT_ID), SB_OK);
    /* another ID: the signature still verifies under the GM/T ID, so it is diagnosed as an ID mismatch */
    assert_int_equal(verify(x, f->sm2, "alice@example.com"), SB_R_SM2_ID_MISMATCH);
    assert_int_equal(verify(x, f->sm2, ""), SB_R_SM2_ID_MISMATCH);
    /* wrong keys */
    assert_int_equal(verify(x, f->sm2b, NULL), SB_R_SIG_CRYPTO);
    assert_int_equal(verify(x, f->p256, NULL), SB_R_SIG_CRYPTO);
    X509_free(x);
}

static void test_sm2_custom_and_empty_id(void **state)
{
    struct fx *f = *state;
    X509 *x = sm2_signed(f->sm2b, f->sm2, "alice@example.com"), *z = sm2_signed(f->sm2b, f->sm2, "");

    assert_int_equal(verify(x, f->sm2, "alice@example.com"), SB_OK);
    /* neither the GM/T ID nor the empty ID verifies: a plain signature failure */
    assert_int_equal(verify(x, f->sm2, NULL), SB_R_SIG_CRYPTO);
    assert_int_equal(verify(x, f->sm2, "bob"), SB_R_SIG_CRYPTO);
    /* empty ID (OpenSSL 3.0's own default) */
    assert_int_equal(verify(z, f->sm2, ""), SB_OK);
    assert_int_equal(verify(z, f->sm2, NULL), SB_R_SM2_ID_MISMATCH);
    X509_free(x);
    X509_free(z);
}

static void test_sm2_tamper(void **state)
{
    struct fx *f = *state;
    X509 *x = sm2_signed(f->sm2b, f->sm2, NULL), *y = mutate(x, flip_last_byte);
    static const unsigned char cn[] = "sm2.example";
    unsigned char *der = NULL;
    int len = tc_der(x, &der);
    long at = find(der, len, cn, 11, 0);
    X509 *z;

    assert_int_equal(verify(y, f->sm2, NULL), SB_R_SIG_CRYPTO);
    assert_true(at >= 0);
    der[at] = 'S';
    z = tc_from_der(der, len);
    assert_int_equal(verify(z, f->sm2, NULL), SB_R_SIG_CRYPTO);
    X509_free(x);
    X509_free(y);
    X509_free(z);
    OPENSSL_free(der);
}

/* DER TLV header for tag/len into out; returns its size. */
static int put_hdr(unsigned char *out, int tag, int len)
{
    unsigned char *p = out;

    ASN1_put_object(&p, tag == V_ASN1_SEQUENCE, len, tag, V_ASN1_UNIVERSAL);
    return (int)(p - out);
}

/* Replace the signature of SM2 certificate x with one made by sb_sm2_sign(priv, id) over the exact
 * tbsCertificate bytes. */
static X509 *resign_with_sb_sm2(X509 *x, EVP_PKEY *priv, const char *id)
{
    unsigned char *der = NULL, *sig = NULL, *out, *o;
    const unsigned char *p, *tbs, *alg;
    long plen, tbs_len, alg_len;
    int len = tc_der(x, &der), tag, cls, body, n;
    size_t sig_len = 0;
    struct sb_err e;
    X509 *y;

    p = der;
    assert_int_equal(ASN1_get_object(&p, &plen, &tag, &cls, len), V_ASN1_CONSTRUCTED);
    tbs = p;
    assert_int_equal(ASN1_get_object(&p, &plen, &tag, &cls, len - (p - der)), V_ASN1_CONSTRUCTED);
    p += plen;
    tbs_len = p - tbs;
    alg = p;
    assert_int_equal(ASN1_get_object(&p, &plen, &tag, &cls, len - (p - der)), V_ASN1_CONSTRUCTED);
    p += plen;
    alg_len = p - alg;
    assert_int_equal(sb_sm2_sign(priv, id, tbs, (size_t)tbs_len, &sig, &sig_len, &e), SB_OK);

    body = (int)tbs_len + (int)alg_len + ASN1_object_size(0, (int)sig_len + 1, V_ASN1_BIT_STRING);
    assert_non_null(out = malloc((size_t)ASN1_object_size(1, body, V_ASN1_SEQUENCE)));
    o = out;
    o += put_hdr(o, V_ASN1_SEQUENCE, body);
    memcpy(o, tbs, (size_t)tbs_len);
    o += tbs_len;
    memcpy(o, alg, (size_t)alg_len);
    o += alg_len;
    o += put_hdr(o, V_ASN1_BIT_STRING, (int)sig_len + 1);
    *o++ = 0x00; /* no unused bits */
    memcpy(o, sig, sig_len);
    o += sig_len;
    n = (int)(o - out);
    y = tc_from_der(out, n);
    free(out);
    OPENSSL_free(sig);
    OPENSSL_free(der);
    return y;
}

static void test_sm2_signed_by_sb_sm2_sign(void **state)
{
    struct fx *f = *state;
    X509 *x = sm2_signed(f->sm2b, f->sm2, NULL), *y = resign_with_sb_sm2(x, f->sm2, NULL);
    X509 *z = resign_with_sb_sm2(x, f->sm2, "alice@example.com");
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();

    /* a fresh signature, not the one OpenSSL made */
    assert_int_not_equal(X509_cmp(x, y), 0);
    assert_int_equal(verify(y, f->sm2, NULL), SB_OK);
    assert_int_equal(verify(y, f->sm2, "alice@example.com"), SB_R_SM2_ID_MISMATCH);
    assert_int_equal(verify(z, f->sm2, "alice@example.com"), SB_OK);
    assert_int_equal(verify(z, f->sm2, NULL), SB_R_SIG_CRYPTO);
    /* independent check: OpenSSL verifies y under the GM/T ID */
    assert_non_null(id);
    assert_int_equal(ASN1_OCTET_STRING_set(id, (const unsigned char *)SB_SM2_DEFAULT_ID, 16), 1);
    X509_set0_distinguishing_id(y, id);
    assert_int_equal(X509_verify(y, f->sm2), 1);
    X509_free(x);
    X509_free(y);
    X509_free(z);
}

/* ---- CRLs ------------------------------------------------------------------------------------- */

static enum sb_reason verify_crl(X509_CRL *c, EVP_PKEY *k, const char *id)
{
    struct sb_err e;
    enum sb_reason rc;

    sb_err_clear(&e);
    rc = sb_sig_verify_crl(c, k, id, &e);
    assert_int_equal(rc, e.reason);
    return rc;
}

static X509_CRL *crl_mutate(X509_CRL *c, void (*fn)(unsigned char *der, int len))
{
    unsigned char *der = NULL;
    const unsigned char *p;
    int len = i2d_X509_CRL(c, &der);
    X509_CRL *d;

    assert_true(len > 0);
    fn(der, len);
    p = der;
    assert_non_null(d = d2i_X509_CRL(NULL, &p, len));
    OPENSSL_free(der);
    return d;
}

/* SM2-with-SM3 (1.2.156.10197.1.501) → SM2-with-SHA256 (…503) in the inner tbsCertList algorithm. */
static void inner_sm2_alg_changed(unsigned char *der, int len)
{
    static const unsigned char oid[] = { 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75 };
    long at = find(der, len, oid, sizeof(oid), 0);

    assert_true(at >= 0);
    der[at + 9] = 0x77;
}

static void test_crl_sm2(void **state)
{
    struct fx *f = *state;
    X509 *iss = tc_root("SM2 CRL Issuer", f->sm2);
    long serials[] = { 7, 9 };
    X509_CRL *c = tc_crl(iss, f->sm2, TC_T2024, TC_T2030, serials, 2, NULL);
    X509_CRL *c2 = tc_crl(iss, f->sm2, TC_T2024, TC_T2030, serials, 2, "alice@example.com"), *bad;
    struct sb_algs a;
    struct sb_err e;

    sb_algs_default(&a);
    assert_int_equal(sb_sig_check_crl_alg(c, &a, &e), SB_OK);
    assert_int_equal(verify_crl(c, f->sm2, NULL), SB_OK);
    assert_int_equal(verify_crl(c, f->sm2, SB_SM2_DEFAULT_ID), SB_OK);
    assert_int_equal(verify_crl(c, f->sm2, "alice@example.com"), SB_R_SM2_ID_MISMATCH);
    assert_int_equal(verify_crl(c, f->sm2b, NULL), SB_R_SIG_CRYPTO);
    assert_int_equal(verify_crl(c, f->p256, NULL), SB_R_SIG_CRYPTO);
    assert_int_equal(verify_crl(c2, f->sm2, "alice@example.com"), SB_OK);
    assert_int_equal(verify_crl(c2, f->sm2, NULL), SB_R_SIG_CRYPTO);

    bad = crl_mutate(c, flip_last_byte);
    assert_int_equal(verify_crl(bad, f->sm2, NULL), SB_R_SIG_CRYPTO);
    X509_CRL_free(bad);
    bad = crl_mutate(c, inner_sm2_alg_changed);
    assert_int_equal(sb_sig_verify_crl(bad, f->sm2, NULL, &e), SB_R_SIG_CRYPTO);
    assert_non_null(strstr(e.msg, "differs"));
    X509_CRL_free(bad);
    X509_CRL_free(c);
    X509_CRL_free(c2);
    X509_free(iss);
}

static void test_crl_ecdsa_rsa(void **state)
{
    struct fx *f = *state;
    X509 *iss = tc_root("CRL Issuer", f->p256), *riss = tc_root("RSA CRL Issuer", f->rsa2048);
    X509_CRL *c = tc_crl(iss, f->p256, TC_T2024, TC_T2030, NULL, 0, NULL);
    X509_CRL *r = tc_crl(riss, f->rsa2048, TC_T2024, TC_T2030, NULL, 0, NULL), *bad;
    struct sb_algs a;
    struct sb_err e;

    sb_algs_default(&a);
    assert_int_equal(verify_crl(c, f->p256, NULL), SB_OK);
    assert_int_equal(verify_crl(r, f->rsa2048, NULL), SB_OK);
    assert_int_equal(verify_crl(c, f->rsa2048, NULL), SB_R_SIG_CRYPTO);
    assert_int_equal(sb_sig_check_crl_alg(c, &a, &e), SB_OK);
    bad = crl_mutate(c, flip_last_byte);
    assert_int_equal(verify_crl(bad, f->p256, NULL), SB_R_SIG_CRYPTO);
    X509_CRL_free(bad);
    X509_CRL_free(c);
    X509_CRL_free(r);

    /* SHA-1 CRL: no nextUpdate, no number */
    {
        struct tc_crl_spec spec = { .issuer = iss, .key = f->p256, .last = TC_T2024, .no_number = 1, .md = EVP_sha1() };
        X509_CRL *s = tc_crl_make(&spec);

        assert_int_equal(sb_sig_check_crl_alg(s, &a, &e), SB_R_WEAK_ALGORITHM);
        a.allow_sha1 = 1;
        assert_int_equal(sb_sig_check_crl_alg(s, &a, &e), SB_OK);
        assert_int_equal(verify_crl(s, f->p256, NULL), SB_OK);
        X509_CRL_free(s);
    }
    X509_free(iss);
    X509_free(riss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa2048_sha256_ok),
        cmocka_unit_test(test_rsa1024_weak_key),
        cmocka_unit_test(test_sha1_weak_algorithm),
        cmocka_unit_test(test_md5_weak_algorithm),
        cmocka_unit_test(test_sha384_sha512_ok),
        cmocka_unit_test(test_rsa_pss),
        cmocka_unit_test(test_p256_ok),
        cmocka_unit_test(test_other_curves),
        cmocka_unit_test(test_explicit_curve_weak_key),
        cmocka_unit_test(test_ed25519_ok),
        cmocka_unit_test(test_null_key_weak),
        cmocka_unit_test(test_tamper_sig_crypto),
        cmocka_unit_test(test_outer_inner_alg_mismatch),
        cmocka_unit_test(test_sm2_default_id),
        cmocka_unit_test(test_sm2_custom_and_empty_id),
        cmocka_unit_test(test_sm2_tamper),
        cmocka_unit_test(test_sm2_signed_by_sb_sm2_sign),
        cmocka_unit_test(test_crl_sm2),
        cmocka_unit_test(test_crl_ecdsa_rsa),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
