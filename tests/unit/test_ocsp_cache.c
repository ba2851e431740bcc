/*
 * tests/unit/test_ocsp_cache.c — the OCSP source's cache (gateway/daemon/ocsp_cache.c, ocsp_fetch_local.h):
 * the key (issuer key hash + serial: the same for certificates with the same issuer key and serial, different
 * otherwise), the window (nextUpdate, else thisUpdate + max age, the default when 0), put / get / expiry,
 * who may reuse a response (nonce rules), a refreshed candidate settled (promoted or dropped, also after the
 * old response expired; a judgement's memo attached to its own response only), the byte bound (least recently used out), the nonce flights' shared request, and the
 * counters. The network half is tested by tests/integration/test_gateway_ocsp.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "gateway/daemon/ocsp_fetch_local.h"

static X509 *cert_with(EVP_PKEY *key, long serial)
{
    X509 *x = X509_new();

    assert_non_null(x);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    return x;
}

static void test_key_and_expiry(void **state)
{
    EVP_PKEY *k1 = EVP_EC_gen("P-256"), *k2 = EVP_EC_gen("P-256");
    X509 *iss1, *iss2, *a, *b, *c;
    char ka[OCSP_KEY_MAX], kb[OCSP_KEY_MAX], kc[OCSP_KEY_MAX], k2a[OCSP_KEY_MAX];

    (void)state;
    assert_non_null(k1);
    assert_non_null(k2);
    iss1 = cert_with(k1, 1);
    iss2 = cert_with(k2, 1);
    a = cert_with(k1, 0x1234);
    b = cert_with(k2, 0x1234);            /* same serial, the issuer key differs below */
    c = cert_with(k1, 0x1235);
    assert_true(ocsp_cache_key(a, iss1, ka, sizeof(ka)));
    assert_true(ocsp_cache_key(b, iss1, kb, sizeof(kb)));
    assert_true(ocsp_cache_key(c, iss1, kc, sizeof(kc)));
    assert_true(ocsp_cache_key(a, iss2, k2a, sizeof(k2a)));
    assert_string_equal(ka, kb);           /* (issuer key, serial): the subject key does not matter */
    assert_string_not_equal(ka, kc);
    assert_string_not_equal(ka, k2a);
    assert_int_equal(strncmp(ka, "ocsp:", 5), 0);
    assert_non_null(strstr(ka, ":1234"));
    assert_int_equal(ocsp_expiry(1000, 2000, 5), 2000);
    assert_int_equal(ocsp_expiry(1000, 0, 5), 1005);
    assert_int_equal(ocsp_expiry(1000, 0, 0), 1000 + SB_OCSP_DEFAULT_MAX_AGE_S);
    X509_free(a);
    X509_free(b);
    X509_free(c);
    X509_free(iss1);
    X509_free(iss2);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

static void put(struct sbgw_ocsp_fetch *f, const char *key, const char *der, time_t tu, time_t exp,
                enum ocsp_nonce_kind nk, time_t now)
{
    struct ocsp_put p;

    memset(&p, 0, sizeof(p));
    p.key = key;
    p.url = "http://ocsp.example/";
    p.fetch_url = "http://ocsp.example/MEow";
    p.der = (const unsigned char *)der;
    p.len = strlen(der);
    p.this_update = tu;
    p.expires = exp;
    p.nk = nk;
    p.timeout_ms = 1000;
    p.max_bytes = 4096;
    ocsp_cache_put(f, &p, now);
}

static void expect(struct sbgw_ocsp_fetch *f, const char *key, int nonce_on, time_t now, const char *der,
                   const char *cand)
{
    struct ocsp_cached c;
    int found = ocsp_cache_get(f, key, nonce_on, now, &c);

    if (der == NULL && cand == NULL) {
        assert_int_equal(found, 0);
        return;
    }
    assert_int_equal(found, 1);
    if (der == NULL) {
        assert_null(c.der);
    } else {
        assert_int_equal(c.len, strlen(der));
        assert_memory_equal(c.der, der, c.len);
    }
    if (cand == NULL) {
        assert_null(c.cand);
    } else {
        assert_int_equal(c.cand_len, strlen(cand));
        assert_memory_equal(c.cand, cand, c.cand_len);
    }
    assert_string_equal(c.url, "http://ocsp.example/");
    ocsp_cached_clear(&c);
}

static void test_put_get_nonce(void **state)
{
    struct sbgw_ocsp_fetch *f = sbgw_ocsp_fetch_new(NULL, 8, 1000);
    struct sbgw_ocsp_fetch_stats st;

    (void)state;
    assert_non_null(f);
    put(f, "k1", "resp-one", 100, 200, OCSP_NK_NONE, 100);
    put(f, "k2", "resp-two", 100, 200, OCSP_NK_BOUND, 100);
    put(f, "k3", "resp-three", 100, 200, OCSP_NK_IGNORED, 100);
    put(f, "k4", "expired", 100, 150, OCSP_NK_NONE, 150);          /* expires by now: not stored */
    expect(f, "k1", 0, 150, "resp-one", NULL);
    expect(f, "k1", 1, 150, NULL, NULL);     /* sent without a nonce: not for an ocsp_nonce request */
    expect(f, "k2", 0, 150, "resp-two", NULL);
    expect(f, "k2", 1, 150, NULL, NULL);     /* bound to another request's nonce */
    expect(f, "k3", 1, 150, "resp-three", NULL);   /* the responder ignores nonces: for everyone */
    expect(f, "k4", 0, 150, NULL, NULL);
    expect(f, "k1", 0, 200, NULL, NULL);     /* at nextUpdate: gone */
    put(f, "k3", "resp-3b", 190, 300, OCSP_NK_NONE, 190);            /* replaces */
    expect(f, "k3", 0, 250, "resp-3b", NULL);
    sbgw_ocsp_fetch_stats(f, &st);
    assert_int_equal(st.entries, 2);        /* k2, k3 (k1 dropped when found expired) */
    assert_int_equal(st.bytes, strlen("resp-two") + strlen("resp-3b"));
    sbgw_ocsp_fetch_free(f);
}

/* A candidate as the refresh leaves it (the callback's part, without the network). */
static void give_cand(struct sbgw_ocsp_fetch *f, const char *key, const char *cand)
{
    size_t i;

    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max; i++) {
        if (f->entries[i].key != NULL && strcmp(f->entries[i].key, key) == 0) {
            f->entries[i].cand = (unsigned char *)strdup(cand);
            f->entries[i].cand_len = strlen(cand);
            f->bytes += strlen(cand);
        }
    }
    pthread_mutex_unlock(&f->mu);
}

static void test_candidates(void **state)
{
    struct sbgw_ocsp_fetch *f = sbgw_ocsp_fetch_new(NULL, 8, 1000);
    struct ocsp_cached c;
    struct sbgw_ocsp_fetch_stats st;
    struct sb_ocsp_result res;
    unsigned char id[32];

    (void)state;
    assert_non_null(f);
    put(f, "k", "old", 100, 200, OCSP_NK_NONE, 100);
    give_cand(f, "k", "new");
    expect(f, "k", 0, 150, "old", "new");
    assert_int_equal(ocsp_cache_get(f, "k", 0, 150, &c), 1);
    ocsp_cache_settle(f, "k", c.gen, (const unsigned char *)"other", 5, 1, 180, 400);   /* not its candidate */
    expect(f, "k", 0, 150, "old", "new");
    ocsp_cache_settle(f, "k", c.gen, c.cand, c.cand_len, 1, 180, 400);   /* usable: promoted with its window */
    ocsp_cached_clear(&c);
    expect(f, "k", 0, 300, "new", NULL);
    give_cand(f, "k", "garbage");
    assert_int_equal(ocsp_cache_get(f, "k", 0, 300, &c), 1);
    ocsp_cache_settle(f, "k", c.gen, c.cand, c.cand_len, 0, 0, 0);      /* unusable: dropped, the old one stays */
    ocsp_cached_clear(&c);
    expect(f, "k", 0, 300, "new", NULL);
    give_cand(f, "k", "late");
    expect(f, "k", 0, 500, NULL, "late");    /* past the old window: the candidate alone still serves */
    assert_int_equal(ocsp_cache_get(f, "k", 0, 500, &c), 1);
    ocsp_cache_settle(f, "k", c.gen + 1, c.cand, c.cand_len, 1, 450, 900);   /* another generation: ignored */
    ocsp_cache_settle(f, "k", c.gen, c.cand, c.cand_len, 1, 450, 900);
    ocsp_cached_clear(&c);
    expect(f, "k", 0, 800, "late", NULL);
    /* the memo of a judgement attaches to the response judged, and goes with it */
    memset(&res, 0, sizeof(res));
    res.status = SB_OCSP_GOOD;
    memset(id, 7, sizeof(id));
    assert_int_equal(ocsp_cache_get(f, "k", 0, 800, &c), 1);
    ocsp_cache_memo(f, "k", c.gen, (const unsigned char *)"early", 5, id, &res);    /* not its response */
    ocsp_cached_clear(&c);
    assert_int_equal(ocsp_cache_get(f, "k", 0, 800, &c), 1);
    assert_int_equal(c.memo_ok, 0);
    ocsp_cache_memo(f, "k", c.gen, c.der, c.len, id, &res);
    ocsp_cached_clear(&c);
    assert_int_equal(ocsp_cache_get(f, "k", 0, 800, &c), 1);
    assert_int_equal(c.memo_ok, 1);
    assert_memory_equal(c.memo_id, id, sizeof(id));
    assert_int_equal(c.memo.status, SB_OCSP_GOOD);
    ocsp_cached_clear(&c);
    give_cand(f, "k", "next");
    assert_int_equal(ocsp_cache_get(f, "k", 0, 800, &c), 1);
    ocsp_cache_settle(f, "k", c.gen, c.cand, c.cand_len, 1, 800, 1200);
    ocsp_cached_clear(&c);
    assert_int_equal(ocsp_cache_get(f, "k", 0, 850, &c), 1);
    assert_int_equal(c.memo_ok, 0);                           /* a new response: judged anew */
    ocsp_cached_clear(&c);
    sbgw_ocsp_fetch_stats(f, &st);
    assert_int_equal(st.bytes, strlen("next"));
    sbgw_ocsp_fetch_free(f);
}

static void test_bounds(void **state)
{
    struct sbgw_ocsp_fetch *f = sbgw_ocsp_fetch_new(NULL, 3, 20);
    struct sbgw_ocsp_fetch_stats st;

    (void)state;
    assert_non_null(f);
    put(f, "a", "aaaaaaaa", 100, 900, OCSP_NK_NONE, 100);    /* 8 bytes each */
    put(f, "b", "bbbbbbbb", 100, 900, OCSP_NK_NONE, 100);
    expect(f, "a", 0, 110, "aaaaaaaa", NULL);                 /* a used more recently than b */
    put(f, "c", "cccccccc", 100, 900, OCSP_NK_NONE, 120);    /* 24 > 20 bytes: b out */
    expect(f, "b", 0, 130, NULL, NULL);
    expect(f, "a", 0, 130, "aaaaaaaa", NULL);
    expect(f, "c", 0, 130, "cccccccc", NULL);
    put(f, "d", "dd", 100, 900, OCSP_NK_NONE, 140);
    put(f, "e", "ee", 100, 900, OCSP_NK_NONE, 140);          /* 3 slots: the least recent (a) out */
    expect(f, "a", 0, 150, NULL, NULL);
    put(f, "big", "012345678901234567890", 100, 900, OCSP_NK_NONE, 150);   /* over the whole bound: refused */
    expect(f, "big", 0, 150, NULL, NULL);
    sbgw_ocsp_fetch_stats(f, &st);
    assert_true(st.bytes <= 20);
    assert_int_equal(st.entries, 3);
    sbgw_ocsp_fetch_free(f);
}

static void test_pending(void **state)
{
    struct sbgw_ocsp_fetch *f = sbgw_ocsp_fetch_new(NULL, 2, 100);
    struct sb_ocsp_request r, j1, j2;
    unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };

    (void)state;
    memset(&r, 0, sizeof(r));
    r.der = der;
    r.der_len = sizeof(der);
    memset(r.nonce, 0xab, 16);
    r.nonce_len = 16;
    assert_int_equal(ocsp_pending_join(f, "k", "http://a/", &j1), 0);
    assert_int_equal(ocsp_pending_add(f, "k", "http://a/", &r), 1);
    assert_int_equal(ocsp_pending_join(f, "k", "http://b/", &j1), 0);     /* another responder */
    assert_int_equal(ocsp_pending_join(f, "k", "http://a/", &j1), 1);     /* the same request and nonce */
    assert_int_equal(j1.der_len, sizeof(der));
    assert_memory_equal(j1.der, der, sizeof(der));
    assert_int_equal(j1.nonce_len, 16);
    assert_memory_equal(j1.nonce, r.nonce, 16);
    ocsp_pending_leave(f, "k", "http://a/");                  /* the first leaves: the joiner keeps it */
    assert_int_equal(ocsp_pending_join(f, "k", "http://a/", &j2), 1);
    ocsp_pending_leave(f, "k", "http://a/");
    ocsp_pending_leave(f, "k", "http://a/");
    assert_int_equal(ocsp_pending_join(f, "k", "http://a/", &r), 0);     /* gone with its last user */
    sb_ocsp_request_clear(&j1);
    sb_ocsp_request_clear(&j2);
    sbgw_ocsp_fetch_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_and_expiry),
        cmocka_unit_test(test_put_get_nonce),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_pending),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
