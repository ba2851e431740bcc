/*
 * tests/unit/test_work_budget.c — the work budget of a validation run on an event loop
 * (pki/base/work_budget.h): what one verification costs by key (sb_sig_verify_cost); a budget pays until it
 * cannot and then stays spent; sb_validate under a budget that suffices reaches the verdict (and reason) it
 * reaches without one — for a valid object, a tampered content and a signer from another CA — while a budget
 * that runs out part-way is marked spent and leaves no path in the chain cache; with the CA signature in
 * the prefix memo a new signer costs less; an XML-DSig document spends any budget at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/pem.h>

#include "pki/base/work_budget.h"
#include "pki/cms/cms.h"
#include "pki/crypto/sig.h"
#include "pki/verdict/validate.h"
#include "pki/x509/cert_cache.h"
#include "pki/x509/chain_cache.h"
#include "pki/x509/sig_memo.h"
#include "testcert.h"

static const char content[] = "work budget test content\n";

struct wb {
    EVP_PKEY *rk, *ik, *lk, *ok;
    X509 *root, *inter, *leaf, *other_root, *other_leaf;
    char dir[64];
    struct sb_trust_policy *pol;
    unsigned char scope[32];
};

static struct wb W;

static int setup(void **state)
{
    char path[160];
    struct sb_err e;
    FILE *f;

    (void)state;
    W.rk = tc_key_rsa(2048);
    W.ik = tc_key_rsa(2048);
    W.lk = tc_key_ec();
    W.ok = tc_key_ec();
    W.root = tc_root("Budget Root", W.rk);
    W.inter = tc_inter("Budget CA", W.ik, W.root, W.rk, -1);
    W.leaf = tc_leaf("signer.budget.example", W.lk, W.inter, W.ik);
    W.other_root = tc_root("Other Root", W.ok);
    W.other_leaf = tc_leaf("stranger.budget.example", W.lk, W.other_root, W.ok);
    snprintf(W.dir, sizeof(W.dir), "/tmp/sb_work_budget.XXXXXX");
    assert_non_null(mkdtemp(W.dir));
    snprintf(path, sizeof(path), "%s/root.pem", W.dir);
    assert_non_null(f = fopen(path, "w"));
    assert_int_equal(PEM_write_X509(f, W.root), 1);
    assert_int_equal(fclose(f), 0);
    snprintf(path, sizeof(path), "%s/bt.yaml", W.dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "jurisdiction: bt\ntrust_anchors:\n  - file: root.pem\n"
               "algorithms:\n  signature: [rsa-pkcs1-sha256, ecdsa-sha256]\nrevocation: { mode: \"off\" }\n");
    assert_int_equal(fclose(f), 0);
    sb_err_clear(&e);
    if (sb_trust_policy_load(path, NULL, &W.pol, &e) != SB_OK) {
        fail_msg("policy: %s", e.msg);
    }
    assert_int_equal(sb_validate_cache_scope("snapshot-1", "bt", W.scope), 1);
    return 0;
}

static int teardown(void **state)
{
    char path[160];

    (void)state;
    sb_trust_policy_free(W.pol);
    snprintf(path, sizeof(path), "%s/root.pem", W.dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bt.yaml", W.dir);
    unlink(path);
    rmdir(W.dir);
    X509_free(W.other_leaf);
    X509_free(W.other_root);
    X509_free(W.leaf);
    X509_free(W.inter);
    X509_free(W.root);
    EVP_PKEY_free(W.ok);
    EVP_PKEY_free(W.lk);
    EVP_PKEY_free(W.ik);
    EVP_PKEY_free(W.rk);
    return 0;
}

/* CMS evidence: content signed by leaf (carrying leaf and inter when given), or tampered afterwards. */
static void cms_evidence(struct sb_evidence *ev, X509 *leaf, X509 *inter, int tamper)
{
    STACK_OF(X509) *chain = inter != NULL ? tc_stack(inter, NULL) : NULL;
    unsigned char *der = NULL;
    size_t len = 0;
    struct sb_err e;

    sb_err_clear(&e);
    assert_int_equal(sb_cms_sign(W.lk, leaf, chain, (const unsigned char *)content, strlen(content), 0,
                                 SB_CMS_FORMAT_CMS, NULL, TC_T2025, &der, &len, &e), SB_OK);
    sk_X509_free(chain);
    if (tamper) {                       /* flip a bit of the eContent */
        size_t i, n = strlen(content);

        for (i = 0; i + n <= len && memcmp(der + i, content, n) != 0; i++) {
        }
        assert_true(i + n <= len);
        der[i] ^= 0x01;
    }
    sb_evidence_init(ev);
    ev->format = SB_EV_CMS;
    sb_evidence_set0_obj(ev, der, len);
}

struct caches {
    struct sb_chain_cache *chain;
    struct sb_cert_cache *certs;
    struct sb_sig_memo *sigs;
};

static void caches_new(struct caches *c)
{
    assert_non_null(c->chain = sb_chain_cache_new(64));
    assert_non_null(c->certs = sb_cert_cache_new(64));
    assert_non_null(c->sigs = sb_sig_memo_new(64));
}

static void caches_free(struct caches *c)
{
    sb_chain_cache_free(c->chain);
    sb_cert_cache_free(c->certs);
    sb_sig_memo_free(c->sigs);
}

static uint64_t chain_entries(const struct caches *c)
{
    struct sb_chain_cache_stats st;

    sb_chain_cache_stats(c->chain, &st);
    return st.entries;
}

/* sb_validate of ev under W.pol at 2025 with caches c (may be NULL) and budget b (may be NULL). */
static enum sb_reason run(const struct sb_evidence *ev, const struct caches *c, struct sb_work_budget *b,
                          struct sb_cms_result *res, struct sb_err *err)
{
    struct sb_validation_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = W.pol;
    ctx.now = TC_T2025;
    ctx.budget = b;
    if (c != NULL) {
        ctx.caches.chain = c->chain;
        ctx.caches.certs = c->certs;
        ctx.caches.sigs = c->sigs;
        ctx.caches.scope = W.scope;
    }
    sb_err_clear(err);
    memset(res, 0, sizeof(*res));
    return sb_validate(&ctx, ev, res, NULL, err);
}

static void test_costs(void **state)
{
    EVP_PKEY *k;

    (void)state;
    assert_int_equal(sb_sig_verify_cost(W.rk), 2);                     /* RSA-2048 */
    assert_int_equal(sb_sig_verify_cost(W.lk), 6);                     /* P-256 */
    assert_non_null(k = tc_key_sm2());
    assert_int_equal(sb_sig_verify_cost(k), 37);
    EVP_PKEY_free(k);
    assert_non_null(k = tc_key_ed25519());
    assert_int_equal(sb_sig_verify_cost(k), 10);
    EVP_PKEY_free(k);
    assert_non_null(k = tc_key_rsa(4096));
    assert_int_equal(sb_sig_verify_cost(k), 8);
    EVP_PKEY_free(k);
    assert_non_null(k = tc_key_curve("brainpoolP256r1"));             /* no fast code in OpenSSL 3.0 */
    assert_int_equal(sb_sig_verify_cost(k), SB_WORK_UNBOUNDED);
    EVP_PKEY_free(k);
    assert_int_equal(sb_sig_verify_cost(NULL), SB_WORK_UNBOUNDED);
}

static void test_budget_pays_then_stays_spent(void **state)
{
    struct sb_work_budget b;

    (void)state;
    sb_work_budget_init(&b, 10);
    assert_int_equal(sb_work_budget_take(&b, 6), 1);
    assert_int_equal(sb_work_budget_take(&b, 4), 1);
    assert_int_equal(b.left, 0);
    assert_int_equal(sb_work_budget_spent(&b), 0);
    assert_int_equal(sb_work_budget_take(&b, 1), 0);
    assert_int_equal(sb_work_budget_spent(&b), 1);
    assert_int_equal(sb_work_budget_take(&b, 0), 0);                   /* spent stays spent */
    assert_int_equal(sb_work_budget_take(NULL, SB_WORK_UNBOUNDED), 1);   /* NULL: unlimited */
    assert_int_equal(sb_work_budget_spent(NULL), 0);
}

/* The same verdict and reason with a budget that suffices as without one, for every outcome. */
static void test_sufficient_budget_same_verdict(void **state)
{
    static const struct {
        int other, tamper;
        enum sb_reason want;
    } cases[] = {
        {0, 0, SB_OK},
        {0, 1, SB_R_HASH_MISMATCH},
        {1, 0, SB_R_CHAIN_NO_ANCHOR},
    };
    struct sb_evidence ev;
    struct sb_cms_result r1, r2;
    struct sb_err e1, e2;
    struct sb_work_budget b;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cms_evidence(&ev, cases[i].other ? W.other_leaf : W.leaf, cases[i].other ? NULL : W.inter, cases[i].tamper);
        assert_int_equal(run(&ev, NULL, NULL, &r1, &e1), cases[i].want);
        sb_work_budget_init(&b, 60);
        assert_int_equal(run(&ev, NULL, &b, &r2, &e2), cases[i].want);
        assert_int_equal(sb_work_budget_spent(&b), 0);
        assert_true(b.left < 60);
        assert_int_equal(r2.reason, r1.reason);
        assert_string_equal(r2.message, r1.message);
        assert_int_equal(r2.n_signers, 1);
        assert_int_equal(r2.signers[0].reason, r1.signers[0].reason);
        sb_cms_result_clear(&r1);
        sb_cms_result_clear(&r2);
        sb_evidence_clear(&ev);
    }
}

/* A budget that runs out part-way: spent, and the path it did not finish is not cached; the same object then
 * validates (without a budget) and its path is cached. With the CA's signature in the prefix memo, the next
 * run costs one verification less. */
static void test_spent_budget_caches_nothing(void **state)
{
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    struct sb_work_budget b;
    struct caches c;
    long full, warm;

    (void)state;
    cms_evidence(&ev, W.leaf, W.inter, 0);
    /* what a cold run costs: two certificates decoded, the content (P-256), inter and leaf (RSA-2048) */
    caches_new(&c);
    sb_work_budget_init(&b, 1000);
    assert_int_equal(run(&ev, NULL, &b, &res, &err), SB_OK);
    full = 1000 - b.left;
    assert_true(full >= 2 * SB_CERT_CHEAP_DECODE_UNITS + 6 + 2 + 2);
    sb_cms_result_clear(&res);
    /* one unit short: spent before the end, nothing cached */
    sb_work_budget_init(&b, full - 1);
    (void)run(&ev, &c, &b, &res, &err);
    assert_int_equal(sb_work_budget_spent(&b), 1);
    assert_int_equal(chain_entries(&c), 0);
    sb_cms_result_clear(&res);
    /* no budget: validated, cached */
    assert_int_equal(run(&ev, &c, NULL, &res, &err), SB_OK);
    assert_string_equal(res.message, "signature and certification path valid");
    assert_int_equal(chain_entries(&c), 1);
    sb_cms_result_clear(&res);
    /* warm: the path comes from the chain cache, the certificates from the certificate cache */
    sb_work_budget_init(&b, 1000);
    assert_int_equal(run(&ev, &c, &b, &res, &err), SB_OK);
    warm = 1000 - b.left;
    assert_true(warm < full);
    assert_int_equal(warm, 2 + 6);                                      /* two cache hits + the content */
    sb_cms_result_clear(&res);
    sb_evidence_clear(&ev);
    caches_free(&c);
}

static void test_xml_spends_at_once(void **state)
{
    static const char xml[] = "<?xml version=\"1.0\"?><doc>no signature</doc>";
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    struct sb_work_budget b;
    unsigned char *copy;

    (void)state;
    sb_evidence_init(&ev);
    ev.format = SB_EV_XMLDSIG;
    assert_non_null(copy = OPENSSL_memdup(xml, sizeof(xml) - 1));
    sb_evidence_set0_obj(&ev, copy, sizeof(xml) - 1);
    sb_work_budget_init(&b, 1000);
    (void)run(&ev, NULL, &b, &res, &err);
    assert_int_equal(sb_work_budget_spent(&b), 1);
    sb_cms_result_clear(&res);
    sb_evidence_clear(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_costs),
        cmocka_unit_test(test_budget_pays_then_stays_spent),
        cmocka_unit_test(test_sufficient_budget_same_verdict),
        cmocka_unit_test(test_spent_budget_caches_nothing),
        cmocka_unit_test(test_xml_spends_at_once),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
