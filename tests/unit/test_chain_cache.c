/*
 * tests/unit/test_chain_cache.c — the validated-path cache: hits only inside the validity window, never
 * across scopes, CRL sets or options, LRU bounded, flushed on demand; and sb_chain_validate never serves
 * an expired, revoked (new CRL) or policy-changed chain from it, nor one validated with OCSP responses
 * without them or after their nextUpdate.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ocsp.h>

#include "pki/x509/chain.h"
#include "pki/x509/cert_decode.h"
#include "pki/x509/chain_cache.h"
#include "testcert.h"

struct pki {
    EVP_PKEY *rk, *ik, *lk;
    X509 *root, *inter, *leaf;
    STACK_OF(X509) *anchors, *untrusted;
};

static void pki_make(struct pki *p)
{
    p->rk = tc_key_ec();
    p->ik = tc_key_ec();
    p->lk = tc_key_ec();
    p->root = tc_root("Cache Root", p->rk);
    p->inter = tc_inter("Cache CA", p->ik, p->root, p->rk, -1);
    p->leaf = tc_leaf("cache.example", p->lk, p->inter, p->ik);
    p->anchors = sk_X509_new_null();
    p->untrusted = sk_X509_new_null();
    sk_X509_push(p->anchors, p->root);
    X509_up_ref(p->root);
    sk_X509_push(p->untrusted, p->inter);
    X509_up_ref(p->inter);
}

static void pki_free(struct pki *p)
{
    sk_X509_pop_free(p->anchors, X509_free);
    sk_X509_pop_free(p->untrusted, X509_free);
    X509_free(p->root);
    X509_free(p->inter);
    X509_free(p->leaf);
    EVP_PKEY_free(p->rk);
    EVP_PKEY_free(p->ik);
    EVP_PKEY_free(p->lk);
}

static enum sb_reason run(struct sb_path_opts *o, struct pki *p, struct sb_err *err)
{
    struct sb_chain_result r = { NULL, NULL, NULL, 0 };
    enum sb_reason rc = sb_chain_validate(o, p->leaf, p->anchors, p->untrusted, &r, err);

    sb_chain_result_clear(&r);
    return rc;
}

/* What each path test starts from (cached_make, cached_free): a PKI, a 64-entry cache, path options
 * through it (revocation off, one day after TC_T2020). */
struct cached {
    struct pki p;
    struct sb_chain_cache *c;
    struct sb_path_opts o;
    struct sb_err err;
};

static void cached_make(struct cached *x)
{
    memset(x, 0, sizeof(*x));
    pki_make(&x->p);
    assert_non_null(x->c = sb_chain_cache_new(64));
    sb_path_opts_init(&x->o);
    x->o.revocation = SB_REV_OFF;
    x->o.cache = x->c;
    x->o.at = TC_T2020 + 86400;
}

static void cached_free(struct cached *x)
{
    sb_chain_cache_free(x->c);
    pki_free(&x->p);
}

static void test_cache_hit_after_success(void **state)
{
    struct cached x;
    struct sb_chain_cache_stats st;

    (void)state;
    cached_make(&x);
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    sb_chain_cache_stats(x.c, &st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.entries, 1);
    sb_chain_cache_flush(x.c);
    sb_chain_cache_stats(x.c, &st);
    assert_int_equal(st.entries, 0);
    cached_free(&x);
}

static void test_cache_expired_never_served(void **state)
{
    struct cached x;

    (void)state;
    cached_make(&x);
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    x.o.at = TC_T2040 + 1; /* after every certificate's notAfter */
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_R_CERT_EXPIRED);
    cached_free(&x);
}

static void test_cache_new_crl_revokes(void **state)
{
    struct cached x;
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    long serial;
    X509_CRL *crl;
    time_t at = TC_T2020 + 10 * 86400;

    (void)state;
    cached_make(&x);
    x.o.revocation = SB_REV_PREFER;
    x.o.at = at;
    x.o.crls = crls;
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    serial = ASN1_INTEGER_get(X509_get0_serialNumber(x.p.leaf));
    crl = tc_crl(x.p.inter, x.p.ik, at - 3600, at + 86400, &serial, 1, NULL);
    assert_non_null(crl);
    sk_X509_CRL_push(crls, crl);
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_R_REVOKED);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    cached_free(&x);
}

/* A path served from the cache carries the revocation evidence it was validated with: the same CRLs (by hash),
 * each non-anchor certificate's, none for the anchor. */
static void test_cache_hit_keeps_evidence(void **state)
{
    struct cached x;
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    struct sb_chain_result r1 = { NULL, NULL, NULL, 0 }, r2 = { NULL, NULL, NULL, 0 };
    struct sb_chain_cache_stats st;
    unsigned char h[32];
    time_t at = TC_T2020 + 10 * 86400;

    (void)state;
    cached_make(&x);
    x.o.revocation = SB_REV_REQUIRE;
    x.o.at = at;
    x.o.crls = crls;
    sk_X509_CRL_push(crls, tc_crl(x.p.inter, x.p.ik, at - 3600, at + 86400, NULL, 0, NULL));
    sk_X509_CRL_push(crls, tc_crl(x.p.root, x.p.rk, at - 3600, at + 86400, NULL, 0, NULL));
    assert_int_equal(sb_chain_validate(&x.o, x.p.leaf, x.p.anchors, x.p.untrusted, &r1, &x.err), SB_OK);
    assert_int_equal(sb_chain_validate(&x.o, x.p.leaf, x.p.anchors, x.p.untrusted, &r2, &x.err), SB_OK);
    sb_chain_cache_stats(x.c, &st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(r1.n_revocation, 3);
    assert_int_equal(r2.n_revocation, 3);
    assert_non_null(r2.revocation);
    assert_memory_equal(r1.revocation, r2.revocation, 3 * sizeof(*r1.revocation));
    assert_int_equal(r2.revocation[0].source, SB_REV_SRC_FILE);
    assert_int_equal(sb_crl_sha256(sk_X509_CRL_value(crls, 0), h), 1);
    assert_memory_equal(r2.revocation[0].sha256, h, 32);
    assert_int_equal(sb_crl_sha256(sk_X509_CRL_value(crls, 1), h), 1);
    assert_memory_equal(r2.revocation[1].sha256, h, 32);
    assert_false(sb_rev_evidence_present(&r2.revocation[2]));
    sb_chain_result_clear(&r1);
    sb_chain_result_clear(&r2);
    assert_null(r2.revocation);
    /* revocation off: no evidence at all */
    x.o.revocation = SB_REV_OFF;
    assert_int_equal(sb_chain_validate(&x.o, x.p.leaf, x.p.anchors, x.p.untrusted, &r1, &x.err), SB_OK);
    assert_null(r1.revocation);
    assert_int_equal(r1.n_revocation, 0);
    sb_chain_result_clear(&r1);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    cached_free(&x);
}

static void test_cache_policy_change_misses(void **state)
{
    struct cached x;
    STACK_OF(ASN1_OBJECT) *pol = sk_ASN1_OBJECT_new_null();
    struct sb_chain_cache_stats st;

    (void)state;
    cached_make(&x);
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    /* the same leaf under a policy requirement it does not meet: never the cached verdict */
    sk_ASN1_OBJECT_push(pol, OBJ_txt2obj("1.2.3.4.5", 1));
    x.o.policies = pol;
    x.o.explicit_policy = 1;
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_R_POLICY);
    /* and a different scope (a reloaded snapshot) misses too */
    x.o.policies = NULL;
    x.o.explicit_policy = 0;
    x.o.cache_scope[0] ^= 1;
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    sb_chain_cache_stats(x.c, &st);
    assert_int_equal(st.hits, 0);
    sk_ASN1_OBJECT_pop_free(pol, ASN1_OBJECT_free);
    cached_free(&x);
}

/* A good OCSP response about cert from its issuer (OpenSSL's OCSP API), thisUpdate an hour before now,
 * nextUpdate a day after it. */
static struct sb_ocsp_supplied good_response(X509 *cert, X509 *issuer, EVP_PKEY *ikey, time_t now)
{
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, cert, issuer);
    ASN1_TIME *tu = ASN1_TIME_set(NULL, now - 3600), *nu = ASN1_TIME_set(NULL, now + 86400);
    EVP_MD_CTX *mctx = tc_sign_ctx(ikey, NULL, NULL);
    OCSP_RESPONSE *resp;
    unsigned char *der = NULL;
    int n;

    assert_non_null(OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, -1, NULL, tu, nu));
    assert_int_equal(OCSP_basic_sign_ctx(bs, issuer, mctx, NULL, OCSP_NOCERTS), 1);
    assert_non_null(resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs));
    assert_true((n = i2d_OCSP_RESPONSE(resp, &der)) > 0);
    OCSP_RESPONSE_free(resp);
    EVP_MD_CTX_free(mctx);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    return (struct sb_ocsp_supplied){ der, (size_t)n, SB_REV_SRC_EMBEDDED, 0 };
}

/* A path validated with supplied OCSP responses: cached with them, never served without them, nor after
 * their nextUpdate. */
static void test_cache_ocsp_responses(void **state)
{
    struct cached x;
    struct sb_chain_cache_stats st;
    struct sb_ocsp_supplied s[2];
    time_t now = time(NULL);

    (void)state;
    cached_make(&x);
    s[0] = good_response(x.p.leaf, x.p.inter, x.p.ik, now);
    s[1] = good_response(x.p.inter, x.p.root, x.p.rk, now);
    x.o.revocation = SB_REV_REQUIRE;
    x.o.at = now;
    x.o.skew_s = 300;
    x.o.ocsps = s;
    x.o.n_ocsps = 2;
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
    sb_chain_cache_stats(x.c, &st);
    assert_int_equal(st.hits, 1);
    /* the same leaf without the responses: never the cached verdict */
    x.o.n_ocsps = 0;
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_R_REVOCATION_UNAVAILABLE);
    /* with only one of them: neither */
    x.o.n_ocsps = 1;
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_R_REVOCATION_UNAVAILABLE);
    assert_non_null(strstr(x.err.msg, "Cache Root"));
    /* with both, after their nextUpdate: stale, not the cached verdict */
    x.o.n_ocsps = 2;
    x.o.at = now + 2 * 86400;
    assert_int_equal(run(&x.o, &x.p, &x.err), SB_R_REVOCATION_UNAVAILABLE);
    assert_non_null(strstr(x.err.msg, "stale"));
    sb_chain_cache_stats(x.c, &st);
    assert_int_equal(st.hits, 1);
    OPENSSL_free((void *)s[0].der);
    OPENSSL_free((void *)s[1].der);
    cached_free(&x);
}

/* A network source that fails: an outage (no_source 0) or a certificate naming nothing it may ask (1). */
struct failing_source {
    int no_source;
    int calls;
};

static enum sb_reason failing_ocsp(void *arg, const struct sb_ocsp_query *q, struct sb_rev_evidence *ev,
                                   struct sb_err *why)
{
    struct failing_source *f = arg;

    (void)q;
    f->calls++;
    ev->no_source = f->no_source;
    return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, f->no_source ? "no responder" : "responder down");
}

static enum sb_reason failing_crls(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                   struct sb_err *why)
{
    struct failing_source *f = arg;

    (void)out;
    f->calls++;
    if (rq->origins != NULL) {
        rq->origins->no_source = f->no_source;
    }
    return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, f->no_source ? "no distribution point" : "server down");
}

/* Under prefer, a path that passed without status is cached when the sources had nothing to ask (a fact of the
 * certificate and the policy), never when one was down (the next request must ask again). */
static void test_cache_pass_without_status(void **state)
{
    static const char pw[] = "allowed";
    const char *allow[1] = { pw };
    struct sb_rev_fetch fetch = { allow, 1, 1000, 1 << 20, 0, 0 };
    struct failing_source src;
    struct sb_chain_cache_stats st;
    struct cached x;
    int down;

    (void)state;
    for (down = 0; down < 2; down++) {
        cached_make(&x);
        memset(&src, 0, sizeof(src));
        src.no_source = !down;
        x.o.revocation = SB_REV_PREFER;
        x.o.fetch = &fetch;
        x.o.ocsp = failing_ocsp;
        x.o.ocsp_arg = &src;
        x.o.more_crls = failing_crls;
        x.o.more_crls_arg = &src;
        assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
        assert_int_equal(run(&x.o, &x.p, &x.err), SB_OK);
        sb_chain_cache_stats(x.c, &st);
        if (down) {
            assert_int_equal(st.hits, 0);           /* asked again: an outage is never cached */
            assert_int_equal(st.entries, 0);
            assert_int_equal(src.calls, 8);         /* leaf and intermediate, both sources, twice */
        } else {
            assert_int_equal(st.hits, 1);
            assert_int_equal(src.calls, 4);
        }
        cached_free(&x);
    }
}

static void test_cache_lru_bounded(void **state)
{
    struct sb_chain_cache *c = sb_chain_cache_new(16);
    struct sb_chain_cache_stats st;
    STACK_OF(X509) *chain = sk_X509_new_null(), *got = NULL;
    unsigned char key[32];
    int i;

    (void)state;
    for (i = 0; i < 1000; i++) {
        memset(key, 0, sizeof(key));
        memcpy(key, &i, sizeof(i));
        sb_chain_cache_put(c, key, chain, NULL, NULL, 0, 0, 100);
    }
    sb_chain_cache_stats(c, &st);
    assert_true(st.entries <= 16);
    assert_true(st.evictions >= 1000 - 16);
    /* a window check: outside [from, until] is a miss and the entry is dropped */
    assert_int_equal(sb_chain_cache_get(c, key, 101, &got, NULL, NULL, NULL), 0);
    assert_int_equal(sb_chain_cache_get(c, key, 50, &got, NULL, NULL, NULL), 0);
    sk_X509_free(chain);
    sb_chain_cache_free(c);
}

static void test_cache_disabled(void **state)
{
    struct sb_chain_cache *c = sb_chain_cache_new(0);
    STACK_OF(X509) *chain = sk_X509_new_null(), *got = NULL;
    unsigned char key[32] = { 1 };

    (void)state;
    sb_chain_cache_put(c, key, chain, NULL, NULL, 0, 0, 100);
    assert_int_equal(sb_chain_cache_get(c, key, 50, &got, NULL, NULL, NULL), 0);
    sk_X509_free(chain);
    sb_chain_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_hit_after_success),
        cmocka_unit_test(test_cache_expired_never_served),
        cmocka_unit_test(test_cache_new_crl_revokes),
        cmocka_unit_test(test_cache_hit_keeps_evidence),
        cmocka_unit_test(test_cache_policy_change_misses),
        cmocka_unit_test(test_cache_ocsp_responses),
        cmocka_unit_test(test_cache_pass_without_status),
        cmocka_unit_test(test_cache_lru_bounded),
        cmocka_unit_test(test_cache_disabled),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
