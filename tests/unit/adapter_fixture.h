/*
 * tests/unit/adapter_fixture.h — shared by tests/unit/test_hk_iamsmart.c and test_cn_gmt.c.
 *
 * Mints a CA and signer certificates in C (testcert.h), writes the CA and a one-anchor trust policy into
 * a fresh temporary directory and loads it with the real loader, and builds JSON envelopes. Validation
 * runs at the fixed time TC_T2025, revocation off. Include after <cmocka.h>.
 */
#ifndef SB_TEST_ADAPTER_FIXTURE_H
#define SB_TEST_ADAPTER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "adapters/adapter.h"
#include "pki/verdict/validate.h"
#include "testcert.h"

#define AF_POLICY_OID "2.16.344.8.2.2008.810.2.2012.1.0"

struct af {
    EVP_PKEY *ca_key, *key, *stranger_key;
    X509 *ca, *leaf, *stranger;       /* stranger: self-signed, not an anchor */
    char dir[64];
    struct sb_trust_policy *pol;
};

static TC_UNUSED void af_write_pem(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    assert_int_equal(fclose(f), 0);
}

/* A leaf for key issued by issuer/ikey with the mutual-recognition policy and signing key usage. */
static TC_UNUSED X509 *af_leaf(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *ku)
{
    struct tc_spec s = tc_spec_of(cn, key, issuer, ikey);

    s.ku = ku != NULL ? ku : "critical,digitalSignature,nonRepudiation";
    s.policies = AF_POLICY_OID;
    s.serial = 0x2000;
    return tc_make(&s);
}

/* Fill f: CA (key from ca_keygen()) + leaf + stranger (keys from keygen()), policy `jur` with algorithms
 * algs (a YAML list). */
static TC_UNUSED void af_setup(struct af *f, EVP_PKEY *(*ca_keygen)(void), EVP_PKEY *(*keygen)(void), const char *jur,
                               const char *algs)
{
    char path[128];
    FILE *y;
    struct sb_err e;

    memset(f, 0, sizeof(f[0]));
    f->ca_key = ca_keygen();
    f->key = keygen();
    f->stranger_key = keygen();
    f->ca = tc_root("Adapter Test CA", f->ca_key);
    f->leaf = af_leaf("Adapter Test Signer", f->key, f->ca, f->ca_key, NULL);
    f->stranger = af_leaf("Stranger", f->stranger_key, NULL, NULL, NULL);
    snprintf(f->dir, sizeof(f->dir), "/tmp/sb_adapter_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(path, sizeof(path), "%s/ca.pem", f->dir);
    af_write_pem(path, f->ca);
    snprintf(path, sizeof(path), "%s/%s.yaml", f->dir, jur);
    assert_non_null(y = fopen(path, "w"));
    fprintf(y, "jurisdiction: %s\ntrust_anchors:\n  - file: ca.pem\nalgorithms:\n  signature: %s\n"
               "certificate:\n  policy_oids: [\"2.16.344.8.2.2008.810.2.*\"]\n"
               "  key_usage: [digitalSignature, nonRepudiation]\n"
               "revocation: { mode: \"off\" }\nsm2: { default_id: \"1234567812345678\" }\n", jur, algs);
    assert_int_equal(fclose(y), 0);
    sb_err_clear(&e);
    if (sb_trust_policy_load(path, NULL, &f->pol, &e) != SB_OK) {
        fail_msg("policy: %s", e.msg);
    }
}

static TC_UNUSED void af_teardown(struct af *f)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/ca.pem", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s.yaml", f->dir, f->pol != NULL ? f->pol->id : "");
    unlink(path);
    rmdir(f->dir);
    sb_trust_policy_free(f->pol);
    X509_free(f->ca);
    X509_free(f->leaf);
    X509_free(f->stranger);
    EVP_PKEY_free(f->ca_key);
    EVP_PKEY_free(f->key);
    EVP_PKEY_free(f->stranger_key);
}

/* Base64 of d[0..n) as a new string (free). */
static TC_UNUSED char *af_b64(const unsigned char *d, size_t n)
{
    char *s = malloc(n / 3 * 4 + 8);

    assert_non_null(s);
    EVP_EncodeBlock((unsigned char *)s, d, (int)n);
    return s;
}

/* Base64 of x's DER (free). */
static TC_UNUSED char *af_cert_b64(X509 *x)
{
    unsigned char *der = NULL;
    int n = tc_der(x, &der);
    char *s = af_b64(der, (size_t)n);

    OPENSSL_free(der);
    return s;
}

/* Set key to the base64 of d[0..n) in j. */
static TC_UNUSED void af_set_b64(json_t *j, const char *key, const unsigned char *d, size_t n)
{
    char *s = af_b64(d, n);

    assert_int_equal(json_object_set_new(j, key, json_string(s)), 0);
    free(s);
}

/* Parse the envelope j (consumed) with adapter a into ev; returns the reason; err gets the message. */
static TC_UNUSED enum sb_reason af_parse(const struct sb_adapter *a, json_t *j, struct sb_evidence *ev,
                                         struct sb_err *err)
{
    char *s = json_dumps(j, JSON_COMPACT);
    enum sb_reason rc;

    assert_non_null(s);
    json_decref(j);
    sb_evidence_init(ev);
    sb_err_clear(err);
    rc = a->parse((const unsigned char *)s, strlen(s), "application/json", ev, err);
    free(s);
    return rc;
}

/* Parse the raw text s with adapter a (content type ct); evidence cleared before returning. */
static TC_UNUSED enum sb_reason af_parse_text(const struct sb_adapter *a, const char *s, const char *ct,
                                              struct sb_err *err)
{
    struct sb_evidence ev;
    enum sb_reason rc;

    sb_evidence_init(&ev);
    sb_err_clear(err);
    rc = a->parse((const unsigned char *)s, strlen(s), ct, &ev, err);
    sb_evidence_clear(&ev);
    return rc;
}

/* Validate ev under f's policy at TC_T2025; returns the reason and clears ev. */
static TC_UNUSED enum sb_reason af_validate(struct af *f, struct sb_evidence *ev, struct sb_err *err)
{
    struct sb_validation_ctx ctx;
    struct sb_cms_result res;
    time_t at = TC_T2025, used = 0;
    enum sb_reason rc;

    sb_err_clear(err);
    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = f->pol;
    ctx.now = TC_T2025;
    ctx.at = &at;
    rc = sb_validate(&ctx, ev, &res, &used, err);
    assert_int_equal(used, at);
    assert_int_equal(res.reason, rc);
    if (rc == SB_OK) {
        assert_int_equal(res.n_signers, 1);
        assert_non_null(res.signers[0].cert);
        assert_non_null(res.signers[0].chain);
    }
    sb_cms_result_clear(&res);
    sb_evidence_clear(ev);
    return rc;
}

/* Assert rc == want and that err's message contains needle. */
#define af_expect(rc, want, err, needle)                                                                   \
    do {                                                                                                   \
        enum sb_reason af_rc_ = (rc);                                                                      \
        if (af_rc_ != (want) || strstr((err)->msg, (needle)) == NULL) {                                    \
            fail_msg("got %s (%s), want %s containing '%s'", sb_reason_name(af_rc_), (err)->msg,            \
                     sb_reason_name(want), (needle));                                                      \
        }                                                                                                  \
    } while (0)

#endif
