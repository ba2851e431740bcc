/*
 * tests/unit/test_cert_decode.c — certificates decoded without OpenSSL's public-key decoder
 * (pki/x509/cert_decode.h): the key built from the SubjectPublicKeyInfo equals the one OpenSSL decodes, for
 * every key type the fast path builds; certificates decoded so still verify under their issuer (RSA PKCS#1,
 * RSA-PSS, ECDSA, SM2, Ed25519 issuers) and still verify their own children; self-issued certificates and
 * keys the fast path does not build take the ordinary decoder; the DER digest is the SHA-256 of the bytes;
 * anything but exactly one certificate is refused.
 */
#define _GNU_SOURCE   /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/rsa.h>

#include "pki/base/digest.h"
#include "pki/crypto/sig.h"
#include "pki/x509/cert_decode.h"
#include "testcert.h"

/* Decode x's DER with sb_cert_d2i; *fast says whether the fast path was taken (no key inside the X509). */
static X509 *fast_copy(X509 *x, int *fast)
{
    unsigned char *der = NULL, want[32], got[32];
    int len = tc_der(x, &der);
    X509 *y = sb_cert_d2i(der, (size_t)len);

    assert_non_null(y);
    *fast = X509_get0_pubkey(y) == NULL;
    assert_non_null(sb_cert_pubkey(y));
    assert_int_equal(EVP_PKEY_eq(sb_cert_pubkey(y), X509_get0_pubkey(x)), 1);
    assert_int_equal(EVP_Digest(der, (size_t)len, want, NULL, sb_md(SB_MD_SHA256), NULL), 1);
    assert_int_equal(sb_cert_sha256(y, got), 1);
    assert_memory_equal(want, got, 32);
    assert_int_equal(X509_cmp(x, y), 0);
    OPENSSL_free(der);
    return y;
}

/* A leaf with key k issued by an EC root: decoded on the fast path, same key, verifies under the root. */
static void check_leaf_key(EVP_PKEY *k, int want_fast)
{
    EVP_PKEY *rk = tc_key_ec();
    X509 *root = tc_root("Decode Root", rk), *leaf = tc_leaf("decode.example", k, root, rk), *y;
    int fast = 0;

    y = fast_copy(leaf, &fast);
    assert_int_equal(fast, want_fast);
    assert_int_equal(sb_sig_verify_cert(y, X509_get0_pubkey(root), NULL, NULL), SB_OK);
    X509_free(y);
    X509_free(leaf);
    X509_free(root);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(k);
}

static void test_rsa_key(void **state)
{
    (void)state;
    check_leaf_key(tc_key_rsa(2048), 1);
}

static void test_ec_keys(void **state)
{
    (void)state;
    check_leaf_key(tc_key_ec(), 1);
    check_leaf_key(tc_key_curve("P-384"), 1);
    check_leaf_key(tc_key_curve("P-521"), 1);
}

static void test_sm2_key(void **state)
{
    EVP_PKEY *k = tc_key_sm2();
    EVP_PKEY *rk = tc_key_sm2();
    X509 *root = tc_root("SM2 Root", rk), *leaf = tc_leaf("sm2.example", k, root, rk), *y;
    int fast = 0;

    (void)state;
    y = fast_copy(leaf, &fast);
    assert_int_equal(fast, 1);
    assert_true(EVP_PKEY_is_a(sb_cert_pubkey(y), "SM2"));
    assert_int_equal(sb_sig_verify_cert(y, X509_get0_pubkey(root), TC_SM2_ID, NULL), SB_OK);
    assert_int_not_equal(sb_sig_verify_cert(y, X509_get0_pubkey(root), "another id", NULL), SB_OK);
    X509_free(y);
    X509_free(leaf);
    X509_free(root);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(k);
}

static void test_edwards_keys(void **state)
{
    EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");

    (void)state;
    check_leaf_key(tc_key_ed25519(), 1);
    if (ed448 != NULL) {
        check_leaf_key(ed448, 1);
    }
}

/* Intermediates decoded on the fast path verify their children (RSA, ECDSA, SM2, Ed25519 signatures), and
 * their children decoded so verify under them. */
static void check_issuer(EVP_PKEY *ik, const char *sm2_id)
{
    EVP_PKEY *rk = tc_key_ec(), *lk = tc_key_ec();
    X509 *root = tc_root("Issuer Root", rk), *inter = tc_inter("Issuer CA", ik, root, rk, -1);
    X509 *leaf = tc_leaf("child.example", lk, inter, ik), *fi, *fl;
    int fast = 0;

    fi = fast_copy(inter, &fast);
    assert_int_equal(fast, 1);
    fl = fast_copy(leaf, &fast);
    assert_int_equal(fast, 1);
    assert_int_equal(sb_sig_verify_cert(fl, sb_cert_pubkey(fi), sm2_id, NULL), SB_OK);
    assert_int_equal(sb_sig_verify_cert(fi, X509_get0_pubkey(root), NULL, NULL), SB_OK);
    /* a child of another key does not verify under it */
    assert_int_not_equal(sb_sig_verify_cert(fl, X509_get0_pubkey(root), sm2_id, NULL), SB_OK);
    X509_free(fl);
    X509_free(fi);
    X509_free(leaf);
    X509_free(inter);
    X509_free(root);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
}

static void test_issuers(void **state)
{
    (void)state;
    check_issuer(tc_key_rsa(2048), NULL);
    check_issuer(tc_key_ec(), NULL);
    check_issuer(tc_key_sm2(), TC_SM2_ID);
    check_issuer(tc_key_ed25519(), NULL);
}

/* An RSA-PSS signature over a certificate decoded on the fast path. */
static void test_rsa_pss_child(void **state)
{
    EVP_PKEY *rk = tc_key_rsa(2048), *lk = tc_key_ec();
    X509 *root = tc_root("PSS Root", rk), *leaf = tc_leaf("pss.example", lk, root, rk), *y;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int fast = 0;

    (void)state;
    assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, "SHA256", NULL, NULL, rk, NULL), 1);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0);
    assert_true(X509_sign_ctx(leaf, mctx) > 0);
    EVP_MD_CTX_free(mctx);
    leaf = tc_reparse(leaf);
    y = fast_copy(leaf, &fast);
    assert_int_equal(fast, 1);
    assert_int_equal(sb_sig_verify_cert(y, X509_get0_pubkey(root), NULL, NULL), SB_OK);
    X509_free(y);
    X509_free(leaf);
    X509_free(root);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(rk);
}

/* Self-issued certificates keep the key inside the X509 (OpenSSL's own self-checks read it). */
static void test_self_issued_ordinary(void **state)
{
    EVP_PKEY *rk = tc_key_rsa(2048);
    X509 *root = tc_root("Self Root", rk), *y;
    int fast = 1;

    (void)state;
    y = fast_copy(root, &fast);
    assert_int_equal(fast, 0);
    assert_int_equal(X509_check_issued(y, y), X509_V_OK);
    X509_free(y);
    X509_free(root);
    EVP_PKEY_free(rk);
}

/* A point that is not on the curve: no key, as with OpenSSL's own decoder (the certificate still decodes). */
static void test_off_curve_point(void **state)
{
    EVP_PKEY *rk = tc_key_ec(), *lk = tc_key_ec();
    X509 *root = tc_root("Curve Root", rk), *leaf = tc_leaf("curve.example", lk, root, rk), *y;
    const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(leaf);
    unsigned char *der = NULL, *at;
    int len = tc_der(leaf, &der);

    (void)state;
    assert_non_null(bits);
    assert_non_null(at = memmem(der, (size_t)len, bits->data, (size_t)bits->length));
    at[bits->length - 1] ^= 0x01;
    assert_non_null(y = sb_cert_d2i(der, (size_t)len));
    assert_null(sb_cert_pubkey(y));
    ERR_clear_error();
    X509_free(y);
    OPENSSL_free(der);
    X509_free(leaf);
    X509_free(root);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(rk);
}

/* Anything but exactly one certificate is refused. */
static void test_refusals(void **state)
{
    EVP_PKEY *rk = tc_key_ec();
    X509 *root = tc_root("Refusal Root", rk);
    unsigned char *der = NULL, *longer;
    int len = tc_der(root, &der);

    (void)state;
    assert_null(sb_cert_d2i(der, 0));
    assert_null(sb_cert_d2i(der, (size_t)len - 1));
    assert_non_null(longer = malloc((size_t)len + 1));
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    assert_null(sb_cert_d2i(longer, (size_t)len + 1));
    memset(longer, 0x30, (size_t)len);
    assert_null(sb_cert_d2i(longer, (size_t)len));
    ERR_clear_error();
    free(longer);
    OPENSSL_free(der);
    X509_free(root);
    EVP_PKEY_free(rk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa_key),
        cmocka_unit_test(test_ec_keys),
        cmocka_unit_test(test_sm2_key),
        cmocka_unit_test(test_edwards_keys),
        cmocka_unit_test(test_issuers),
        cmocka_unit_test(test_rsa_pss_child),
        cmocka_unit_test(test_self_issued_ordinary),
        cmocka_unit_test(test_off_curve_point),
        cmocka_unit_test(test_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
