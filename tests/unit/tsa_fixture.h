/*
 * tests/unit/tsa_fixture.h — an RFC 3161 time-stamping authority made in the test: a root CA, a TSA
 * certificate under it (extKeyUsage critical timeStamping), and TS_RESP_CTX answering requests in-process.
 *
 * Include after <cmocka.h> and testcert.h. Helpers fail the running test with cmocka assertions.
 */
#ifndef SB_TSA_FIXTURE_H
#define SB_TSA_FIXTURE_H

#include <openssl/ts.h>

#define TSA_POLICY   "1.3.6.1.4.1.99999.1.1"     /* the TSA's default policy */
#define TSA_POLICY_2 "1.3.6.1.4.1.99999.1.2"     /* also accepted */

struct tsa {
    EVP_PKEY *root_key, *key;
    X509 *root, *cert;
    STACK_OF(X509) *anchors;                       /* { root } */
};

static TC_UNUSED void tsa_init(struct tsa *t)
{
    struct tc_spec s;

    memset(t, 0, sizeof(*t));
    t->root_key = tc_key_ec();
    t->key = tc_key_ec();
    t->root = tc_root("tsa test root", t->root_key);
    s = tc_spec_of("tsa test unit", t->key, t->root, t->root_key);
    s.ku = "critical,digitalSignature";
    s.eku = "critical,timeStamping";
    s.serial = 7;
    t->cert = tc_make(&s);
    assert_non_null(t->anchors = sk_X509_new_null());
    assert_true(sk_X509_push(t->anchors, t->root) > 0);
    assert_int_equal(X509_up_ref(t->root), 1);
}

static TC_UNUSED void tsa_free(struct tsa *t)
{
    sk_X509_pop_free(t->anchors, X509_free);
    X509_free(t->root);
    X509_free(t->cert);
    EVP_PKEY_free(t->root_key);
    EVP_PKEY_free(t->key);
    memset(t, 0, sizeof(*t));
}

/* The TSA's answer (TimeStampResp DER, OPENSSL_free) to the request req; returns its length. */
static TC_UNUSED int tsa_respond(const struct tsa *t, const unsigned char *req, size_t len, unsigned char **out)
{
    TS_RESP_CTX *rc = TS_RESP_CTX_new();
    ASN1_OBJECT *pol = OBJ_txt2obj(TSA_POLICY, 1), *pol2 = OBJ_txt2obj(TSA_POLICY_2, 1);
    BIO *in = BIO_new_mem_buf(req, (int)len);
    TS_RESP *rsp;
    int n;

    assert_non_null(rc);
    assert_non_null(pol);
    assert_non_null(pol2);
    assert_non_null(in);
    assert_int_equal(TS_RESP_CTX_set_signer_cert(rc, t->cert), 1);
    assert_int_equal(TS_RESP_CTX_set_signer_key(rc, t->key), 1);
    assert_int_equal(TS_RESP_CTX_set_def_policy(rc, pol), 1);
    assert_int_equal(TS_RESP_CTX_add_policy(rc, pol2), 1);
    assert_int_equal(TS_RESP_CTX_add_md(rc, EVP_sha256()), 1);
    assert_int_equal(TS_RESP_CTX_set_signer_digest(rc, EVP_sha256()), 1);
    assert_non_null(rsp = TS_RESP_create_response(rc, in));
    *out = NULL;
    assert_true((n = i2d_TS_RESP(rsp, out)) > 0);
    TS_RESP_free(rsp);
    BIO_free(in);
    ASN1_OBJECT_free(pol);
    ASN1_OBJECT_free(pol2);
    TS_RESP_CTX_free(rc);
    return n;
}

#endif
