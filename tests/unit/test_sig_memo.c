/*
 * tests/unit/test_sig_memo.c — the memo of verified CA-certificate and CRL signatures
 * (pki/x509/sig_memo.h): a repeat is answered without the arithmetic; another certificate, another issuer,
 * another SM2 ID or another CRL object is verified again; failures and end-entity certificates are never
 * remembered; flush forgets; and path validation with a warm memo still judges what the memo does not
 * cover: an intermediate revoked by a new CRL, an intermediate expired at the validation time, a CRL whose
 * signature is bad.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pki/crypto/sig.h"
#include "pki/x509/sig_memo.h"
#include "pki/x509/chain.h"
#include "testcert.h"

struct memo_pki {
    EVP_PKEY *rk, *ik, *lk, *other;
    X509 *root, *inter, *leaf, *other_root;
};

static void pki_make(struct memo_pki *p)
{
    p->rk = tc_key_ec();
    p->ik = tc_key_ec();
    p->lk = tc_key_ec();
    p->other = tc_key_ec();
    p->root = tc_root("Memo Root", p->rk);
    p->other_root = tc_root("Memo Root", p->other);     /* same name, another key */
    p->inter = tc_inter("Memo CA", p->ik, p->root, p->rk, -1);
    p->leaf = tc_leaf("memo.example", p->lk, p->inter, p->ik);
}

static void pki_free(struct memo_pki *p)
{
    X509_free(p->leaf);
    X509_free(p->inter);
    X509_free(p->other_root);
    X509_free(p->root);
    EVP_PKEY_free(p->other);
    EVP_PKEY_free(p->lk);
    EVP_PKEY_free(p->ik);
    EVP_PKEY_free(p->rk);
}

static void counts(struct sb_sig_memo *m, uint64_t want_hits, uint64_t want_misses)
{
    uint64_t h = 0, mi = 0;

    sb_sig_memo_counts(m, &h, &mi);
    assert_int_equal(h, want_hits);
    assert_int_equal(mi, want_misses);
}

static void test_cert_signatures(void **state)
{
    struct memo_pki p;
    struct sb_sig_memo *m = sb_sig_memo_new(64);
    X509 *copy;

    (void)state;
    pki_make(&p);
    assert_non_null(m);
    assert_int_equal(sb_sig_verify_cert_memo(m, p.inter, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    counts(m, 0, 1);
    assert_int_equal(sb_sig_verify_cert_memo(m, p.inter, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    counts(m, 1, 1);
    /* the same certificate decoded again: same bytes, a hit */
    copy = tc_reparse(X509_dup(p.inter));
    assert_int_equal(sb_sig_verify_cert_memo(m, copy, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    counts(m, 2, 1);
    X509_free(copy);
    /* another issuer certificate (same name, other key): verified, and it fails */
    assert_int_equal(sb_sig_verify_cert_memo(m, p.inter, p.other_root, X509_get0_pubkey(p.other_root), NULL, NULL),
                     SB_R_SIG_CRYPTO);
    counts(m, 2, 2);
    assert_int_equal(sb_sig_verify_cert_memo(m, p.inter, p.other_root, X509_get0_pubkey(p.other_root), NULL, NULL),
                     SB_R_SIG_CRYPTO);
    counts(m, 2, 3);                 /* the failure was not remembered */
    /* another SM2 ID is another entry */
    assert_int_equal(sb_sig_verify_cert_memo(m, p.inter, p.root, X509_get0_pubkey(p.root), "9999", NULL), SB_OK);
    counts(m, 2, 4);
    /* end-entity certificates are never looked up nor remembered */
    assert_int_equal(sb_sig_verify_cert_memo(m, p.leaf, p.inter, X509_get0_pubkey(p.inter), NULL, NULL), SB_OK);
    assert_int_equal(sb_sig_verify_cert_memo(m, p.leaf, p.inter, X509_get0_pubkey(p.inter), NULL, NULL), SB_OK);
    counts(m, 2, 4);
    /* flush forgets */
    sb_sig_memo_flush(m);
    assert_int_equal(sb_sig_verify_cert_memo(m, p.inter, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    counts(m, 2, 5);
    /* no memo: always verified */
    assert_null(sb_sig_memo_new(0));
    assert_int_equal(sb_sig_verify_cert_memo(NULL, p.inter, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    sb_sig_memo_free(m);
    pki_free(&p);
}

/* A certificate whose signature value was altered after it was remembered is another certificate. */
static void test_tampered_cert_verified_again(void **state)
{
    struct memo_pki p;
    struct sb_sig_memo *m = sb_sig_memo_new(64);
    unsigned char *der = NULL;
    int len;
    X509 *bad;

    (void)state;
    pki_make(&p);
    assert_int_equal(sb_sig_verify_cert_memo(m, p.inter, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    len = tc_der(p.inter, &der);
    der[len - 5] ^= 0x01;            /* inside the signature value */
    bad = tc_from_der(der, len);
    assert_int_equal(sb_sig_verify_cert_memo(m, bad, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_R_SIG_CRYPTO);
    counts(m, 0, 2);
    X509_free(bad);
    OPENSSL_free(der);
    sb_sig_memo_free(m);
    pki_free(&p);
}

static void test_crl_signatures(void **state)
{
    struct memo_pki p;
    struct sb_sig_memo *m = sb_sig_memo_new(64);
    X509_CRL *crl, *again, *forged;

    (void)state;
    pki_make(&p);
    crl = tc_crl(p.root, p.rk, TC_T2024, TC_T2030, NULL, 0, NULL);
    forged = tc_crl(p.root, p.other, TC_T2024, TC_T2030, NULL, 0, NULL);
    assert_int_equal(sb_sig_verify_crl_memo(m, crl, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    assert_int_equal(sb_sig_verify_crl_memo(m, crl, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    counts(m, 1, 1);
    /* another CRL object is verified again, even with the same bytes */
    again = tc_crl_reparse(X509_CRL_dup(crl));
    assert_int_equal(sb_sig_verify_crl_memo(m, again, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    counts(m, 1, 2);
    assert_int_not_equal(sb_sig_verify_crl_memo(m, forged, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    assert_int_not_equal(sb_sig_verify_crl_memo(m, forged, p.root, X509_get0_pubkey(p.root), NULL, NULL), SB_OK);
    counts(m, 1, 4);
    /* the memo holds a reference: the caller may free its own */
    X509_CRL_free(crl);
    X509_CRL_free(again);
    X509_CRL_free(forged);
    sb_sig_memo_free(m);
    pki_free(&p);
}

/* Path validation with a warm memo: what is not a signature is judged every time. */
static enum sb_reason validate(struct memo_pki *p, struct sb_sig_memo *m, time_t at, X509_CRL *root_crl,
                               X509_CRL *inter_crl, struct sb_err *err)
{
    struct sb_path_opts o;
    struct sb_chain_result r;
    STACK_OF(X509) *anchors = tc_stack(p->root, NULL), *untrusted = tc_stack(p->inter, NULL);
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    enum sb_reason rc;

    sb_path_opts_init(&o);
    o.at = at;
    o.revocation = SB_REV_REQUIRE;
    o.sig_memo = m;
    assert_non_null(crls);
    assert_true(sk_X509_CRL_push(crls, root_crl) > 0);
    assert_true(sk_X509_CRL_push(crls, inter_crl) > 0);
    o.crls = crls;
    memset(&r, 0, sizeof(r));
    sb_err_clear(err);
    rc = sb_chain_validate(&o, p->leaf, anchors, untrusted, &r, err);
    sb_chain_result_clear(&r);
    sk_X509_CRL_free(crls);
    sk_X509_free(untrusted);
    sk_X509_free(anchors);
    return rc;
}

static void test_path_with_warm_memo(void **state)
{
    struct memo_pki p;
    struct sb_sig_memo *m = sb_sig_memo_new(64);
    const long inter_serial[] = { 2 };
    X509_CRL *root_crl, *inter_crl, *root_revokes, *bad_crl;
    struct sb_err e;
    uint64_t h = 0, mi = 0;

    (void)state;
    pki_make(&p);
    root_crl = tc_crl(p.root, p.rk, TC_T2024, TC_T2030, NULL, 0, NULL);
    inter_crl = tc_crl(p.inter, p.ik, TC_T2024, TC_T2030, NULL, 0, NULL);
    root_revokes = tc_crl(p.root, p.rk, TC_T2024 + TC_DAY, TC_T2030, inter_serial, 1, NULL);
    bad_crl = tc_crl(p.root, p.other, TC_T2024 + TC_DAY, TC_T2030, NULL, 0, NULL);
    assert_int_equal(validate(&p, m, TC_T2025, root_crl, inter_crl, &e), SB_OK);
    assert_int_equal(validate(&p, m, TC_T2025, root_crl, inter_crl, &e), SB_OK);
    sb_sig_memo_counts(m, &h, &mi);
    assert_true(h >= 3);             /* intermediate + both CRLs the second time */
    /* a new CRL of the root revoking the intermediate: REVOKED although the intermediate's signature is known */
    assert_int_equal(validate(&p, m, TC_T2025, root_revokes, inter_crl, &e), SB_R_REVOKED);
    assert_non_null(strstr(e.msg, "revoked"));
    /* the validity of the path is judged every time: 2040-01-02 is past every notAfter */
    assert_int_not_equal(validate(&p, m, TC_T2040 + TC_DAY, root_crl, inter_crl, &e), SB_OK);
    assert_int_equal(e.reason, SB_R_CERT_EXPIRED);
    /* a root CRL with a bad signature: never usable, so revocation information is missing */
    assert_int_equal(validate(&p, m, TC_T2025, bad_crl, inter_crl, &e), SB_R_REVOCATION_UNAVAILABLE);
    X509_CRL_free(bad_crl);
    X509_CRL_free(root_revokes);
    X509_CRL_free(inter_crl);
    X509_CRL_free(root_crl);
    sb_sig_memo_free(m);
    pki_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_signatures),
        cmocka_unit_test(test_tampered_cert_verified_again),
        cmocka_unit_test(test_crl_signatures),
        cmocka_unit_test(test_path_with_warm_memo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
