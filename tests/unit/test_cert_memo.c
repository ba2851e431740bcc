/*
 * tests/unit/test_cert_memo.c — the rendered-certificate memo (pki/x509/cert_memo.h): keyed by content (a
 * certificate decoded again is a hit), holding no reference to the certificate, bounded, and filled by
 * content whatever the heap addresses are (issue 20: the address key made the daemon's RSS creep).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>

#include "pki/x509/cert_format.h"
#include "pki/x509/cert_memo.h"
#include "testcert.h"

struct memo_pki {
    EVP_PKEY *rk, *lk;
    X509 *root, *leaf;
};

static void memo_pki_make(struct memo_pki *p)
{
    p->rk = tc_key_ec();
    p->lk = tc_key_ec();
    p->root = tc_root("Memo Root", p->rk);
    p->leaf = tc_leaf("memo.example", p->lk, p->root, p->rk);
}

static void memo_pki_free(struct memo_pki *p)
{
    X509_free(p->leaf);
    X509_free(p->root);
    EVP_PKEY_free(p->lk);
    EVP_PKEY_free(p->rk);
}

/* A second X509 object for x's certificate, decoded from its DER (x stays the caller's). */
static X509 *decode_again(X509 *x)
{
    unsigned char *der = NULL;
    int len = tc_der(x, &der);
    X509 *y = tc_from_der(der, len);

    OPENSSL_free(der);
    return y;
}

static void assert_counts(struct sb_cert_memo *m, uint64_t hits, uint64_t misses, uint64_t entries)
{
    uint64_t h, mi, e;

    sb_cert_memo_counts(m, &h, &mi, &e);
    assert_int_equal(h, hits);
    assert_int_equal(mi, misses);
    assert_int_equal(e, entries);
}

/* The same certificate decoded twice is two X509 objects: the second is answered from the memo. */
static void test_memo_hit_by_content(void **state)
{
    struct memo_pki p;
    struct sb_cert_memo *m;
    json_t *want, *first, *again;
    X509 *copy;
    char subj[256], iss[256];

    (void)state;
    memo_pki_make(&p);
    assert_non_null(m = sb_cert_memo_new(64));
    assert_counts(m, 0, 0, 0);
    assert_non_null(want = sb_certfmt_json(p.leaf));
    assert_non_null(first = sb_cert_memo_cert(m, p.leaf));
    assert_true(json_equal(first, want));
    assert_counts(m, 0, 1, 1);

    assert_non_null(copy = decode_again(p.leaf));
    assert_ptr_not_equal(copy, p.leaf);
    assert_non_null(again = sb_cert_memo_cert(m, copy));
    assert_true(json_equal(again, want));
    assert_ptr_not_equal(again, first);              /* a copy the caller owns */
    assert_counts(m, 1, 1, 1);
    assert_int_equal(sb_cert_memo_names(m, copy, subj, sizeof(subj), iss, sizeof(iss)), 1);
    assert_string_equal(subj, json_string_value(json_object_get(want, "subject")));
    assert_string_equal(iss, json_string_value(json_object_get(want, "issuer")));
    assert_counts(m, 2, 1, 1);

    /* another certificate is another entry */
    assert_int_equal(sb_cert_memo_names(m, p.root, subj, sizeof(subj), iss, sizeof(iss)), 1);
    assert_string_equal(subj, iss);                  /* self-signed */
    assert_counts(m, 2, 2, 2);

    json_decref(want);
    json_decref(first);
    json_decref(again);
    X509_free(copy);
    sb_cert_memo_free(m);
    memo_pki_free(&p);
}

static void count_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (ptr != NULL) {
        (*(int *)ptr)++;
    }
}

/* Remembering a certificate does not keep it alive: the caller's X509_free releases it at once, and the
 * rendering still answers for the same content afterwards. */
static void test_memo_holds_no_reference(void **state)
{
    struct memo_pki p;
    struct sb_cert_memo *m;
    json_t *j;
    X509 *x;
    int idx, freed = 0;

    (void)state;
    memo_pki_make(&p);
    assert_true((idx = X509_get_ex_new_index(0, NULL, NULL, NULL, count_free)) >= 0);
    assert_non_null(m = sb_cert_memo_new(64));
    assert_non_null(x = decode_again(p.leaf));
    assert_int_equal(X509_set_ex_data(x, idx, &freed), 1);
    assert_non_null(j = sb_cert_memo_cert(m, x));
    json_decref(j);
    X509_free(x);
    assert_int_equal(freed, 1);                      /* the memo held no reference */
    assert_non_null(j = sb_cert_memo_cert(m, p.leaf));
    json_decref(j);
    assert_counts(m, 1, 1, 1);
    sb_cert_memo_free(m);
    assert_int_equal(freed, 1);
    memo_pki_free(&p);
}

/* 256 distinct certificates, each freed right after its lookup (so the allocator hands their addresses to
 * the next ones), through 64 slots: the table is bounded and, keyed by content, nearly full — uniform
 * hashing leaves 64 * e^-4 ~ 1.2 slots empty on average; more than 8 empty is below one chance in 10^5. */
static void test_memo_fills_by_content(void **state)
{
    struct memo_pki p;
    struct sb_cert_memo *m;
    struct tc_spec s;
    uint64_t h, mi, e;
    char cn[32];
    json_t *j;
    X509 *x;
    int i;

    (void)state;
    memo_pki_make(&p);
    assert_non_null(m = sb_cert_memo_new(64));
    for (i = 0; i < 256; i++) {
        snprintf(cn, sizeof(cn), "signer-%d.example", i);
        s = tc_spec_of(cn, p.lk, p.root, p.rk);
        s.serial = 1000 + i;
        x = tc_make(&s);
        assert_non_null(j = sb_cert_memo_cert(m, x));
        json_decref(j);
        X509_free(x);
    }
    sb_cert_memo_counts(m, &h, &mi, &e);
    assert_int_equal(h, 0);
    assert_int_equal(mi, 256);
    assert_true(e <= 64);
    assert_true(e >= 56);
    sb_cert_memo_free(m);
    memo_pki_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_hit_by_content),
        cmocka_unit_test(test_memo_holds_no_reference),
        cmocka_unit_test(test_memo_fills_by_content),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
