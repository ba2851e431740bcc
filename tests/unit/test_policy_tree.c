/*
 * tests/unit/test_policy_tree.c — RFC 5280 §6.1 policy processing (RFC 9618 policy graph).
 *
 * Certificates are built at test time with OpenSSL (X509V3_EXT_conf_nid for the extensions, or the
 * ASN.1 structures directly for bulk and malformed cases) and signed with a throwaway P-256 key; the
 * module under test reads only the extensions and names. The case table re-creates the NIST PKITS
 * 4.8 (certificate policies), 4.9 (requireExplicitPolicy), 4.10/4.11 (policy mapping,
 * inhibitPolicyMapping) and 4.12 (inhibitAnyPolicy) scenarios with PKITS' test policy OIDs; PKITS
 * numbers in case names point at the scenario, not at its exact certificates. Each case asserts the
 * reason code, the returned user-constrained policy set and, on failure, the message. Resource tests
 * check that 10,000 mappings, deep chains and RFC 9618's exponential-growth chain finish quickly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/x509/cert_policy.h"

#define P1 "2.16.840.1.101.3.2.1.48.1"
#define P2 "2.16.840.1.101.3.2.1.48.2"
#define P3 "2.16.840.1.101.3.2.1.48.3"
#define ANY "2.5.29.32.0"
#define BULK "1.3.6.1.4.1.55555.1"   /* prefix of generated policy OIDs */
#define BULK2 "1.3.6.1.4.1.55555.2"

#define MAX_PATH 8

/* One certificate: names by CN, extensions as X509V3_EXT_conf_nid values (NULL = absent). */
struct cspec {
    const char *subject;
    const char *issuer;
    const char *policies;      /* certificatePolicies */
    const char *mappings;      /* policyMappings */
    const char *constraints;   /* policyConstraints */
    const char *inhibit_any;   /* inhibitAnyPolicy */
};

struct pcase {
    const char *name;
    struct cspec certs[MAX_PATH];
    const char *user;          /* comma list for user-initial-policy-set; NULL = {anyPolicy} */
    int explicit_policy;
    int inhibit_mapping;
    int inhibit_any;
    enum sb_reason want;
    const char *want_set;      /* comma list of the expected output set ("" = empty) */
    const char *want_msg;      /* substring of err.msg on failure */
};

/* ---- helpers ---------------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ASN1_OBJECT *oid(const char *text)
{
    ASN1_OBJECT *o = OBJ_txt2obj(text, 1);

    assert_non_null(o);
    return o;
}

/* certificatePolicies from a comma list of OIDs, built as ASN.1 (OpenSSL's "certificatePolicies"
 * config syntax needs a config database); repeats are kept on purpose. */
static void add_policies(X509 *x, const char *list)
{
    CERTIFICATEPOLICIES *cp = sk_POLICYINFO_new_null();
    POLICYINFO *pi;
    char buf[512], *tok, *save = NULL;

    assert_non_null(cp);
    assert_true(strlen(list) < sizeof(buf));
    strcpy(buf, list);
    for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        pi = POLICYINFO_new();
        assert_non_null(pi);
        ASN1_OBJECT_free(pi->policyid);
        pi->policyid = oid(tok);
        assert_true(sk_POLICYINFO_push(cp, pi) > 0);
    }
    assert_int_equal(X509_add1_ext_i2d(x, NID_certificate_policies, cp, 0, X509V3_ADD_APPEND), 1);
    sk_POLICYINFO_pop_free(cp, POLICYINFO_free);
}

/* Other extensions through OpenSSL's config syntax ("1.2.3:1.2.4", "requireExplicitPolicy:0", "1"). */
static void add_conf_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *e;

    if (nid == NID_certificate_policies) {
        add_policies(x, value);
        return;
    }
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    e = X509V3_EXT_nconf_nid(NULL, &v3, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

static X509 *mk_cert(EVP_PKEY *key, const char *subject, const char *issuer, long serial)
{
    X509 *x = X509_new();

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                                (const unsigned char *)subject, -1, -1, 0), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_issuer_name(x), "CN", MBSTRING_UTF8,
                                                (const unsigned char *)issuer, -1, -1, 0), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    return x;
}

static void sign_cert(X509 *x, EVP_PKEY *key)
{
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
}

static X509 *mk_spec(EVP_PKEY *key, const struct cspec *s, long serial)
{
    X509 *x = mk_cert(key, s->subject, s->issuer, serial);

    if (s->policies != NULL) {
        add_conf_ext(x, NID_certificate_policies, s->policies);
    }
    if (s->mappings != NULL) {
        add_conf_ext(x, NID_policy_mappings, s->mappings);
    }
    if (s->constraints != NULL) {
        add_conf_ext(x, NID_policy_constraints, s->constraints);
    }
    if (s->inhibit_any != NULL) {
        add_conf_ext(x, NID_inhibit_any_policy, s->inhibit_any);
    }
    sign_cert(x, key);
    return x;
}

/* Comma-separated OIDs to a stack (NULL for NULL). */
static STACK_OF(ASN1_OBJECT) *oid_list(const char *list)
{
    STACK_OF(ASN1_OBJECT) *sk;
    char buf[512], *tok, *save = NULL;

    if (list == NULL) {
        return NULL;
    }
    sk = sk_ASN1_OBJECT_new_null();
    assert_non_null(sk);
    assert_true(strlen(list) < sizeof(buf));
    strcpy(buf, list);
    for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        assert_true(sk_ASN1_OBJECT_push(sk, oid(tok)) > 0);
    }
    return sk;
}

/* Assert that got holds exactly the OIDs listed in want (any order). */
static void assert_set(STACK_OF(ASN1_OBJECT) *got, const char *want)
{
    STACK_OF(ASN1_OBJECT) *w = oid_list(want);
    int i, j, found;

    assert_non_null(got);
    assert_int_equal(sk_ASN1_OBJECT_num(got), sk_ASN1_OBJECT_num(w));
    for (i = 0; i < sk_ASN1_OBJECT_num(w); i++) {
        found = 0;
        for (j = 0; j < sk_ASN1_OBJECT_num(got); j++) {
            found |= OBJ_cmp(sk_ASN1_OBJECT_value(w, i), sk_ASN1_OBJECT_value(got, j)) == 0;
        }
        if (found == 0) {
            char t[80];

            OBJ_obj2txt(t, sizeof(t), sk_ASN1_OBJECT_value(w, i), 1);
            fail_msg("expected policy %s missing from the result", t);
        }
    }
    sk_ASN1_OBJECT_pop_free(w, ASN1_OBJECT_free);
}

static void free_path(X509 **path, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        X509_free(path[i]);
    }
}

static char *bulk_oid(char *buf, size_t size, const char *prefix, int k)
{
    snprintf(buf, size, "%s.%d", prefix, k);
    return buf;
}

/* certificatePolicies with prefix.1 .. prefix.count (and anyPolicy when with_any). */
static void add_bulk_policies(X509 *x, const char *prefix, int count, int with_any)
{
    CERTIFICATEPOLICIES *cp = sk_POLICYINFO_new_null();
    POLICYINFO *pi;
    char buf[64];
    int k;

    assert_non_null(cp);
    for (k = 1; k <= count + (with_any != 0); k++) {
        pi = POLICYINFO_new();
        assert_non_null(pi);
        ASN1_OBJECT_free(pi->policyid);
        pi->policyid = oid(k <= count ? bulk_oid(buf, sizeof(buf), prefix, k) : ANY);
        assert_true(sk_POLICYINFO_push(cp, pi) > 0);
    }
    assert_int_equal(X509_add1_ext_i2d(x, NID_certificate_policies, cp, 0, X509V3_ADD_DEFAULT), 1);
    sk_POLICYINFO_pop_free(cp, POLICYINFO_free);
}

/* policyMappings: cartesian != 0 maps every from.a to every to.b (a, b in 1..na/nb), else from.k to
 * to.k for k in 1..na. */
static void add_bulk_mappings(X509 *x, const char *from, const char *to, int na, int nb, int cartesian)
{
    POLICY_MAPPINGS *pm = sk_POLICY_MAPPING_new_null();
    POLICY_MAPPING *m;
    char buf[64];
    int a, b;

    assert_non_null(pm);
    for (a = 1; a <= na; a++) {
        for (b = cartesian != 0 ? 1 : a; b <= (cartesian != 0 ? nb : a); b++) {
            m = POLICY_MAPPING_new();
            assert_non_null(m);
            ASN1_OBJECT_free(m->issuerDomainPolicy);
            ASN1_OBJECT_free(m->subjectDomainPolicy);
            m->issuerDomainPolicy = oid(bulk_oid(buf, sizeof(buf), from, a));
            m->subjectDomainPolicy = oid(bulk_oid(buf, sizeof(buf), to, b));
            assert_true(sk_POLICY_MAPPING_push(pm, m) > 0);
        }
    }
    assert_int_equal(X509_add1_ext_i2d(x, NID_policy_mappings, pm, 0, X509V3_ADD_DEFAULT), 1);
    sk_POLICY_MAPPING_pop_free(pm, POLICY_MAPPING_free);
}

/* Add an extension whose value is the given DER bytes (possibly not valid for the type). */
static void add_raw_ext(X509 *x, int nid, const unsigned char *der, int len)
{
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e;

    assert_non_null(os);
    assert_int_equal(ASN1_OCTET_STRING_set(os, der, len), 1);
    e = X509_EXTENSION_create_by_NID(NULL, nid, 0, os);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
}

static enum sb_reason run(X509 **path, size_t n, const char *user, int explicit_policy,
                          STACK_OF(ASN1_OBJECT) **out, struct sb_err *err)
{
    struct sb_certpol_params params;
    STACK_OF(ASN1_OBJECT) *u = oid_list(user);
    enum sb_reason rc;

    memset(&params, 0, sizeof(params));
    params.user_initial_policy_set = u;
    params.initial_explicit_policy = explicit_policy;
    sb_err_clear(err);
    rc = sb_certpol_process(path, n, &params, out, err);
    sk_ASN1_OBJECT_pop_free(u, ASN1_OBJECT_free);
    return rc;
}

#define TA "Trust Anchor"

/* run(), which must answer within a second. */
static enum sb_reason run_bounded(X509 **path, size_t n, const char *user, int explicit_policy,
                                  STACK_OF(ASN1_OBJECT) **out, struct sb_err *err)
{
    double t0 = now_s();
    enum sb_reason rc = run(path, n, user, explicit_policy, out, err);

    assert_true(now_s() - t0 < 1.0);
    return rc;
}

/* Certificate i (from 0) of a chain CA1, CA2, ... under the trust anchor, its policies still to add. */
static X509 *chain_ca(EVP_PKEY *key, size_t i)
{
    char subj[32], iss[32];

    snprintf(subj, sizeof(subj), "CA%zu", i + 1);
    if (i == 0) {
        snprintf(iss, sizeof(iss), "%s", TA);
    } else {
        snprintf(iss, sizeof(iss), "CA%zu", i);
    }
    return mk_cert(key, subj, iss, (long)i + 1);
}

/* ---- the case table ----------------------------------------------------------------------------- */

/* Shorthand: C(subject, issuer, policies, mappings, constraints, inhibitAnyPolicy). */
#define C(s, i, p, m, c, a) { s, i, p, m, c, a }

static struct pcase cases[] = {   /* not const: cmocka passes it as void * state */
    /* 4.8 certificate policies */
    { "4.8.1 same policy everywhere, explicit, user any",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },
    { "4.8.1 same policy everywhere, explicit, user {P1}",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "4.8.1 same policy everywhere, explicit, user {P2}",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      P2, 1, 0, 0, SB_R_POLICY, NULL,
      "no policy of user-initial-policy-set {" P2 "} is valid for the path" },
    { "4.8.1 same policy everywhere, not explicit, user {P2}: passes with no policy",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      P2, 0, 0, 0, SB_OK, "", NULL },
    { "4.8.1 user set {P1, P2}",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      P1 "," P2, 1, 0, 0, SB_OK, P1, NULL },
    { "user set containing anyPolicy means any",
      { C("CA1", TA, P1 "," P2, NULL, NULL, NULL), C("EE", "CA1", P1 "," P2, NULL, NULL, NULL) },
      P3 "," ANY, 1, 0, 0, SB_OK, P1 "," P2, NULL },
    { "4.8.2 no policies, not explicit",
      { C("CA1", TA, NULL, NULL, NULL, NULL), C("EE", "CA1", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_OK, "", NULL },
    { "4.8.2 no policies, explicit",
      { C("CA1", TA, NULL, NULL, NULL, NULL), C("EE", "CA1", NULL, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL,
      "certificate 1 (CN=CA1) has no certificatePolicies while an explicit policy is required "
      "(initial-explicit-policy is set)" },
    { "4.8.3 different policies, not explicit",
      { C("CA1", TA, P2, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_OK, "", NULL },
    { "4.8.3 different policies, explicit",
      { C("CA1", TA, P2, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL,
      "none of the policies {" P1 "} of certificate 2 (CN=EE) is valid for the path while an explicit "
      "policy is required (initial-explicit-policy is set)" },
    { "4.8.4 end entity without policies, explicit",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("Sub", "CA1", P1, NULL, NULL, NULL),
        C("EE", "Sub", NULL, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL,
      "certificate 3 (CN=EE) has no certificatePolicies while an explicit policy is required" },
    { "4.8.6 overlapping policies, user {P1}",
      { C("CA1", TA, P1 "," P2, NULL, NULL, NULL), C("Sub", "CA1", P1 "," P2, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "4.8.6 overlapping policies, user {P2}",
      { C("CA1", TA, P1 "," P2, NULL, NULL, NULL), C("Sub", "CA1", P1 "," P2, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      P2, 1, 0, 0, SB_R_POLICY, NULL, "authorities-constrained policies {" P1 "}" },
    { "4.8.10 same two policies, user any",
      { C("CA1", TA, P1 "," P2, NULL, NULL, NULL), C("EE", "CA1", P1 "," P2, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1 "," P2, NULL },
    { "4.8.10 same two policies, user {P2}",
      { C("CA1", TA, P1 "," P2, NULL, NULL, NULL), C("EE", "CA1", P1 "," P2, NULL, NULL, NULL) },
      P2, 1, 0, 0, SB_OK, P2, NULL },
    { "4.8.13 anyPolicy everywhere, user any",
      { C("CA1", TA, ANY, NULL, NULL, NULL), C("EE", "CA1", ANY, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, ANY, NULL },
    { "4.8.13 anyPolicy everywhere, user {P1, P2}",
      { C("CA1", TA, ANY, NULL, NULL, NULL), C("EE", "CA1", ANY, NULL, NULL, NULL) },
      P1 "," P2, 1, 0, 0, SB_OK, P1 "," P2, NULL },
    { "4.8.14 anyPolicy CA, P1 end entity, user {P1}",
      { C("CA1", TA, ANY, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "4.8.14 anyPolicy CA, P1 end entity, user {P2}",
      { C("CA1", TA, ANY, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      P2, 1, 0, 0, SB_R_POLICY, NULL, "no policy of user-initial-policy-set" },
    { "anyPolicy plus P1 in the CA, anyPolicy end entity: result is anyPolicy",
      { C("CA1", TA, P1 "," ANY, NULL, NULL, NULL), C("EE", "CA1", ANY, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, ANY, NULL },

    { "single-certificate path with a policy",
      { C("EE", TA, P1, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "single-certificate path without policies, explicit",
      { C("EE", TA, NULL, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "certificate 1 (CN=EE) has no certificatePolicies" },

    /* 4.9 requireExplicitPolicy */
    { "4.9.1 requireExplicitPolicy 10, no policies below",
      { C("CA1", TA, NULL, NULL, "requireExplicitPolicy:10", NULL), C("Sub", "CA1", NULL, NULL, NULL, NULL),
        C("EE", "Sub", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_OK, "", NULL },
    { "4.9.2 requireExplicitPolicy 3 on a 3-certificate path, no policies",
      { C("CA1", TA, NULL, NULL, "requireExplicitPolicy:3", NULL), C("Sub", "CA1", NULL, NULL, NULL, NULL),
        C("EE", "Sub", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_OK, "", NULL },
    { "4.9.3 requireExplicitPolicy 2 on a 3-certificate path, no policies",
      { C("CA1", TA, NULL, NULL, "requireExplicitPolicy:2", NULL), C("Sub", "CA1", NULL, NULL, NULL, NULL),
        C("EE", "Sub", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL,
      "certificate 1 (CN=CA1) has no certificatePolicies, while an explicit policy is required "
      "(requireExplicitPolicy of certificate 1 (CN=CA1))" },
    { "4.9.4 requireExplicitPolicy 0 with policies everywhere",
      { C("CA1", TA, P1, NULL, "requireExplicitPolicy:0", NULL), C("Sub", "CA1", P1, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_OK, P1, NULL },
    { "4.9.5 requireExplicitPolicy 0, next CA without policies",
      { C("CA1", TA, P1, NULL, "requireExplicitPolicy:0", NULL), C("Sub", "CA1", NULL, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL,
      "certificate 2 (CN=Sub) has no certificatePolicies while an explicit policy is required "
      "(requireExplicitPolicy of certificate 1 (CN=CA1))" },
    { "requireExplicitPolicy 1: policies required from the certificate after next",
      { C("CA1", TA, P1, NULL, "requireExplicitPolicy:1", NULL), C("Sub", "CA1", P1, NULL, NULL, NULL),
        C("EE", "Sub", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL, "certificate 3 (CN=EE) has no certificatePolicies" },
    { "requireExplicitPolicy 2: graph lost at certificate 2, required at the end",
      { C("CA1", TA, P1, NULL, "requireExplicitPolicy:2", NULL), C("Sub", "CA1", NULL, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL,
      "certificate 2 (CN=Sub) has no certificatePolicies, while an explicit policy is required" },
    { "4.9.6 self-issued certificate does not count toward requireExplicitPolicy",
      { C("CA1", TA, NULL, NULL, "requireExplicitPolicy:2", NULL), C("CA1", "CA1", NULL, NULL, NULL, NULL),
        C("EE", "CA1", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_OK, "", NULL },
    { "4.9.7 self-issued plus another CA exhausts requireExplicitPolicy 2",
      { C("CA1", TA, NULL, NULL, "requireExplicitPolicy:2", NULL), C("CA1", "CA1", NULL, NULL, NULL, NULL),
        C("Sub", "CA1", NULL, NULL, NULL, NULL), C("EE", "Sub", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL, "requireExplicitPolicy of certificate 1 (CN=CA1)" },
    { "a self-issued target still decrements explicit_policy at wrap-up (6.1.5 (a))",
      { C("CA1", TA, P1, NULL, "requireExplicitPolicy:1", NULL), C("CA1", "CA1", NULL, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL, "certificate 2 (CN=CA1) has no certificatePolicies" },
    { "end entity requireExplicitPolicy 0 with a matching policy",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, "requireExplicitPolicy:0", NULL) },
      NULL, 0, 0, 0, SB_OK, P1, NULL },
    { "end entity requireExplicitPolicy 0 with user set {P2}",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, "requireExplicitPolicy:0", NULL) },
      P2, 0, 0, 0, SB_R_POLICY, NULL, "requireExplicitPolicy of certificate 2 (CN=EE)" },
    { "larger requireExplicitPolicy does not relax an earlier smaller one",
      { C("CA1", TA, P1, NULL, "requireExplicitPolicy:0", NULL),
        C("Sub", "CA1", P1, NULL, "requireExplicitPolicy:5", NULL), C("EE", "Sub", P2, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL, "requireExplicitPolicy of certificate 1 (CN=CA1)" },

    /* 4.10 / 4.11 policy mapping and inhibitPolicyMapping */
    { "4.10.1 mapping P1 to P2, user {P1}",
      { C("CA1", TA, P1, P1 ":" P2, NULL, NULL), C("EE", "CA1", P2, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "4.10.1 mapping P1 to P2, user {P2}",
      { C("CA1", TA, P1, P1 ":" P2, NULL, NULL), C("EE", "CA1", P2, NULL, NULL, NULL) },
      P2, 1, 0, 0, SB_R_POLICY, NULL, "authorities-constrained policies {" P1 "}" },
    { "4.10.1 mapping P1 to P2, user any",
      { C("CA1", TA, P1, P1 ":" P2, NULL, NULL), C("EE", "CA1", P2, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },
    { "mapped policy no longer matches its own OID below",
      { C("CA1", TA, P1, P1 ":" P2, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "none of the policies {" P1 "} of certificate 2 (CN=EE)" },
    { "one-to-many mapping",
      { C("CA1", TA, P1, P1 ":" P2 "," P1 ":" P3, NULL, NULL), C("EE", "CA1", P3, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "4.10.2 initial-policy-mapping-inhibit deletes the mapped policy",
      { C("CA1", TA, P1, P1 ":" P2, NULL, NULL), C("EE", "CA1", P2, NULL, NULL, NULL) },
      NULL, 1, 1, 0, SB_R_POLICY, NULL,
      "an explicit policy is required at certificate 2 (CN=EE) (initial-explicit-policy is set), but "
      "policy mapping is inhibited and certificate 1 (CN=CA1) maps its last valid policies" },
    { "mapping inhibited: unmapped policy survives",
      { C("CA1", TA, P1 "," P2, P1 ":" P3, NULL, NULL), C("EE", "CA1", P2 "," P3, NULL, NULL, NULL) },
      NULL, 1, 1, 0, SB_OK, P2, NULL },
    { "4.11.1 inhibitPolicyMapping 0 blocks the next CA's mapping",
      { C("CA1", TA, P1, NULL, "inhibitPolicyMapping:0", NULL), C("Sub", "CA1", P1, P1 ":" P2, NULL, NULL),
        C("EE", "Sub", P2, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "policy mapping is inhibited and certificate 2 (CN=Sub)" },
    { "4.11.2 inhibitPolicyMapping 1 allows the next CA's mapping",
      { C("CA1", TA, P1, NULL, "inhibitPolicyMapping:1", NULL), C("Sub", "CA1", P1, P1 ":" P2, NULL, NULL),
        C("EE", "Sub", P2, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "4.11 inhibitPolicyMapping 1 blocks a mapping two CAs down",
      { C("CA1", TA, P1, NULL, "inhibitPolicyMapping:1", NULL), C("Sub", "CA1", P1, NULL, NULL, NULL),
        C("Sub2", "Sub", P1, P1 ":" P2, NULL, NULL), C("EE", "Sub2", P2, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "certificate 3 (CN=Sub2) maps its last valid policies" },
    { "4.11 self-issued CA does not count toward inhibitPolicyMapping 1",
      { C("CA1", TA, P1, NULL, "inhibitPolicyMapping:1", NULL), C("CA1", "CA1", P1, NULL, NULL, NULL),
        C("Sub", "CA1", P1, P1 ":" P2, NULL, NULL), C("EE", "Sub", P2, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },
    { "mapping under an anyPolicy CA, user {P1}",
      { C("CA1", TA, ANY, P1 ":" P2, NULL, NULL), C("EE", "CA1", P2, NULL, NULL, NULL) },
      P1, 1, 0, 0, SB_OK, P1, NULL },
    { "mapping under an anyPolicy CA, user {P2}",
      { C("CA1", TA, ANY, P1 ":" P2, NULL, NULL), C("EE", "CA1", P2, NULL, NULL, NULL) },
      P2, 1, 0, 0, SB_R_POLICY, NULL, "no policy of user-initial-policy-set {" P2 "}" },
    { "mapping to anyPolicy is an error",
      { C("CA1", TA, P1, P1 ":" ANY, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL,
      "certificate 1 (CN=CA1) maps to anyPolicy in policyMappings" },
    { "mapping from anyPolicy is an error",
      { C("CA1", TA, P1, ANY ":" P1, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 0, 0, 0, SB_R_POLICY, NULL,
      "certificate 1 (CN=CA1) maps from anyPolicy in policyMappings" },
    { "policyMappings in the target certificate are not processed",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("EE", "CA1", P1, P1 ":" ANY, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },

    { "a policy created by anyPolicy and then mapped expects only its mapping targets",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("CA2", "CA1", ANY, P1 ":" P2, NULL, NULL),
        C("CA3", "CA2", ANY, NULL, NULL, NULL), C("EE", "CA3", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "none of the policies {" P1 "} of certificate 4 (CN=EE)" },
    { "a policy created by anyPolicy and then mapped reaches the mapping target",
      { C("CA1", TA, P1, NULL, NULL, NULL), C("CA2", "CA1", ANY, P1 ":" P2, NULL, NULL),
        C("CA3", "CA2", ANY, NULL, NULL, NULL), C("EE", "CA3", P2, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },

    /* 4.12 inhibitAnyPolicy */
    { "inhibited anyPolicy does not turn policyMappings into policies",
      { C("CA1", TA, ANY, P2 ":" P1, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 1, SB_R_POLICY, NULL, "none of the policies {anyPolicy} of certificate 1 (CN=CA1)" },
    { "4.12.1 inhibitAnyPolicy 0, next CA asserts only anyPolicy",
      { C("CA1", TA, P1, NULL, NULL, "0"), C("Sub", "CA1", ANY, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "none of the policies {anyPolicy} of certificate 2 (CN=Sub)" },
    { "4.12.2 inhibitAnyPolicy 0, explicit policies below",
      { C("CA1", TA, P1, NULL, NULL, "0"), C("Sub", "CA1", P1, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },
    { "4.12.3 initial-any-policy-inhibit ignores anyPolicy in the first CA",
      { C("CA1", TA, ANY, NULL, NULL, NULL), C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 1, SB_R_POLICY, NULL, "none of the policies {anyPolicy} of certificate 1 (CN=CA1)" },
    { "4.12.4 inhibitAnyPolicy 1 lets the next CA use anyPolicy",
      { C("CA1", TA, P1, NULL, NULL, "1"), C("Sub", "CA1", ANY, NULL, NULL, NULL),
        C("EE", "Sub", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },
    { "4.12.5 inhibitAnyPolicy 1: anyPolicy in the end entity is not honoured",
      { C("CA1", TA, P1, NULL, NULL, "1"), C("Sub", "CA1", ANY, NULL, NULL, NULL),
        C("EE", "Sub", ANY, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "none of the policies {anyPolicy} of certificate 3 (CN=EE)" },
    { "4.12.7 self-issued CA may use anyPolicy despite inhibitAnyPolicy 0",
      { C("CA1", TA, P1, NULL, NULL, "0"), C("CA1", "CA1", ANY, NULL, NULL, NULL),
        C("EE", "CA1", P1, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_OK, P1, NULL },
    { "4.12.8 self-issued target gets no anyPolicy exception",
      { C("CA1", TA, P1, NULL, NULL, "0"), C("CA1", "CA1", ANY, NULL, NULL, NULL) },
      NULL, 1, 0, 0, SB_R_POLICY, NULL, "none of the policies {anyPolicy} of certificate 2 (CN=CA1)" },
    { "anyPolicy in the end entity matches the CA policy when not inhibited",
      { C("CA1", TA, P1 "," P2, NULL, NULL, NULL), C("EE", "CA1", ANY, NULL, NULL, NULL) },
      P2, 1, 0, 0, SB_OK, P2, NULL },
};

static void test_policy_case(void **state)
{
    const struct pcase *pc = *state;
    struct sb_certpol_params params;
    STACK_OF(ASN1_OBJECT) *user = oid_list(pc->user), *out = NULL;
    X509 *path[MAX_PATH];
    EVP_PKEY *key = EVP_EC_gen("P-256");
    struct sb_err err;
    enum sb_reason rc;
    size_t n = 0;

    assert_non_null(key);
    while (n < MAX_PATH && pc->certs[n].subject != NULL) {
        path[n] = mk_spec(key, &pc->certs[n], (long)n + 1);
        n++;
    }
    memset(&params, 0, sizeof(params));
    params.user_initial_policy_set = user;
    params.initial_explicit_policy = pc->explicit_policy;
    params.initial_policy_mapping_inhibit = pc->inhibit_mapping;
    params.initial_any_policy_inhibit = pc->inhibit_any;
    sb_err_clear(&err);
    rc = sb_certpol_process(path, n, &params, &out, &err);
    if (rc != pc->want) {
        fail_msg("%s: got %s (%s), want %s", pc->name, sb_reason_name(rc), err.msg, sb_reason_name(pc->want));
    }
    if (pc->want == SB_OK) {
        assert_set(out, pc->want_set);
    } else {
        assert_null(out);
        assert_int_equal(err.reason, pc->want);
        if (pc->want_msg != NULL && strstr(err.msg, pc->want_msg) == NULL) {
            fail_msg("%s: message \"%s\" lacks \"%s\"", pc->name, err.msg, pc->want_msg);
        }
    }
    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
    sk_ASN1_OBJECT_pop_free(user, ASN1_OBJECT_free);
    free_path(path, n);
    EVP_PKEY_free(key);
}

/* ---- individual tests ------------------------------------------------------------------------ */

/* Policy qualifiers (here a CPS URI) are ignored; the valid set is still returned when out is set,
 * and out may be NULL. */
static void test_policy_qualifiers_ignored(void **state)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    CERTIFICATEPOLICIES *cp = sk_POLICYINFO_new_null();
    POLICYINFO *pi = POLICYINFO_new();
    POLICYQUALINFO *q = POLICYQUALINFO_new();
    STACK_OF(ASN1_OBJECT) *out = NULL;
    X509 *path[2];
    struct sb_err err;

    (void)state;
    assert_non_null(key);
    assert_non_null(cp);
    assert_non_null(pi);
    assert_non_null(q);
    ASN1_OBJECT_free(pi->policyid);
    pi->policyid = oid(P1);
    q->pqualid = OBJ_nid2obj(NID_id_qt_cps);
    q->d.cpsuri = ASN1_IA5STRING_new();
    assert_non_null(q->d.cpsuri);
    assert_int_equal(ASN1_STRING_set(q->d.cpsuri, "http://cps.example/", -1), 1);
    pi->qualifiers = sk_POLICYQUALINFO_new_null();
    assert_non_null(pi->qualifiers);
    assert_true(sk_POLICYQUALINFO_push(pi->qualifiers, q) > 0);
    assert_true(sk_POLICYINFO_push(cp, pi) > 0);

    path[0] = mk_cert(key, "CA1", TA, 1);
    assert_int_equal(X509_add1_ext_i2d(path[0], NID_certificate_policies, cp, 1, X509V3_ADD_DEFAULT), 1);
    sign_cert(path[0], key);
    path[1] = mk_cert(key, "EE", "CA1", 2);
    assert_int_equal(X509_add1_ext_i2d(path[1], NID_certificate_policies, cp, 0, X509V3_ADD_DEFAULT), 1);
    sign_cert(path[1], key);

    assert_int_equal(run(path, 2, P1, 1, &out, &err), SB_OK);
    assert_set(out, P1);
    assert_int_equal(run(path, 2, P1, 1, NULL, &err), SB_OK);
    assert_int_equal(run(path, 2, P2, 1, NULL, &err), SB_R_POLICY);
    assert_int_equal(err.reason, SB_R_POLICY);

    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
    sk_POLICYINFO_pop_free(cp, POLICYINFO_free);
    free_path(path, 2);
    EVP_PKEY_free(key);
}

/* A case table of malformed policy extensions: what CA1 (or the EE) carries and what the refusal says. */
struct malformed_case {
    const char *name;
    const char *ca_policies;     /* CA1's certificatePolicies (X509V3 text); NULL: none */
    const char *ca_policies2;    /* a second certificatePolicies extension in CA1 */
    int raw_nid;                 /* then an extension of this NID (0: none) ... */
    const char *raw;             /* ... with these raw_len DER bytes as its value */
    size_t raw_len;
    int raw_on_ee;               /* ... replacing the EE's certificatePolicies instead */
    const char *msg;             /* in the POLICY message */
};

#define RAW(nid, der) (nid), (der), sizeof(der) - 1

static const struct malformed_case malformed_cases[] = {
    /* SEQUENCE { INTEGER 1 } */
    { "garbage_policies", NULL, NULL, RAW(NID_certificate_policies, "\x30\x03\x02\x01\x01"), 0,
      "certificate 1 (CN=CA1) has a malformed certificatePolicies extension: cannot be decoded" },
    { "duplicate_oid", P1 "," P2 "," P1, NULL, 0, NULL, 0, 0, "policy " P1 " appears more than once" },
    { "two_extensions", P1, P2, 0, NULL, 0, 0,
      "certificatePolicies extension: the extension appears more than once" },
    { "empty_policies", NULL, NULL, RAW(NID_certificate_policies, "\x30\x00"), 0,
      "certificatePolicies extension: it lists no policy" },
    { "empty_constraints", P1, NULL, RAW(NID_policy_constraints, "\x30\x00"), 0,
      "policyConstraints extension: it is an empty sequence" },
    /* [0] -1 */
    { "negative_require", P1, NULL, RAW(NID_policy_constraints, "\x30\x03\x80\x01\xff"), 0,
      "policyConstraints extension: negative SkipCerts" },
    { "negative_inhibit_any", P1, NULL, RAW(NID_inhibit_any_policy, "\x02\x01\xff"), 0,
      "inhibitAnyPolicy extension: negative SkipCerts" },
    { "garbage_mappings", P1, NULL, RAW(NID_policy_mappings, "\x04\x01\x00"), 0,
      "malformed policyMappings extension: cannot be decoded" },
    { "empty_mappings", P1, NULL, RAW(NID_policy_mappings, "\x30\x00"), 0,
      "policyMappings extension: it lists no mapping" },
    { "garbage_ee_policies", P1, NULL, RAW(NID_certificate_policies, "\x05\x00"), 1,
      "certificate 2 (CN=EE) has a malformed certificatePolicies" },
};

/* Build [CA1, EE] damaged as c says, and expect POLICY with c->msg in the message. */
static void expect_malformed(const struct malformed_case *c)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    STACK_OF(ASN1_OBJECT) *out = NULL;
    X509 *path[2];
    struct sb_err err;

    assert_non_null(key);
    path[0] = mk_cert(key, "CA1", TA, 1);
    path[1] = mk_cert(key, "EE", "CA1", 2);
    add_conf_ext(path[1], NID_certificate_policies, P1);
    if (c->ca_policies != NULL) {
        add_conf_ext(path[0], NID_certificate_policies, c->ca_policies);
    }
    if (c->ca_policies2 != NULL) {
        add_conf_ext(path[0], NID_certificate_policies, c->ca_policies2);
    }
    if (c->raw_on_ee) {
        X509_EXTENSION_free(X509_delete_ext(path[1], X509_get_ext_by_NID(path[1], NID_certificate_policies, -1)));
    }
    if (c->raw_nid != 0) {
        add_raw_ext(path[c->raw_on_ee ? 1 : 0], c->raw_nid, (const unsigned char *)c->raw, (int)c->raw_len);
    }
    sign_cert(path[0], key);
    sign_cert(path[1], key);
    if (run(path, 2, NULL, 0, &out, &err) != SB_R_POLICY) {
        fail_msg("%s: got %s, want POLICY", c->name, sb_reason_name(err.reason));
    }
    assert_int_equal(err.reason, SB_R_POLICY);
    assert_null(out);
    if (strstr(err.msg, c->msg) == NULL) {
        fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, err.msg, c->msg);
    }
    free_path(path, 2);
    EVP_PKEY_free(key);
}

static void test_policy_malformed_extensions(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(malformed_cases) / sizeof(malformed_cases[0]); i++) {
        expect_malformed(&malformed_cases[i]);
    }
}

static void test_policy_bad_arguments(void **state)
{
    struct sb_certpol_params params;
    STACK_OF(ASN1_OBJECT) *out = NULL;
    struct sb_err err;
    X509 *path[1] = { NULL };

    (void)state;
    memset(&params, 0, sizeof(params));
    assert_int_equal(sb_certpol_process(NULL, 1, &params, &out, &err), SB_R_INTERNAL);
    assert_int_equal(sb_certpol_process(path, 1, NULL, &out, &err), SB_R_INTERNAL);
    assert_int_equal(sb_certpol_process(path, 1, &params, &out, &err), SB_R_INTERNAL);
    assert_int_equal(err.reason, SB_R_INTERNAL);
    assert_null(out);
}

/* An empty path (the target is the trust anchor): RFC 5280 leaves the depth-0 anyPolicy node, so
 * any policy is valid even when an explicit policy is required. */
static void test_policy_empty_path(void **state)
{
    STACK_OF(ASN1_OBJECT) *out = NULL;
    struct sb_err err;

    (void)state;
    assert_int_equal(run(NULL, 0, NULL, 1, &out, &err), SB_OK);
    assert_set(out, ANY);
    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
    out = NULL;
    assert_int_equal(run(NULL, 0, P1 "," P2 "," P1, 1, &out, &err), SB_OK);
    assert_set(out, P1 "," P2);
    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
}

/* A CA with 10,000 policy mappings (100 x 100, the RFC 9618 cartesian pattern) is processed, quickly. */
static void test_policy_dos_10000_mappings(void **state)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    STACK_OF(ASN1_OBJECT) *out = NULL;
    X509 *path[3];
    struct sb_err err;
    char buf[64];

    (void)state;
    assert_non_null(key);
    path[0] = mk_cert(key, "CA1", TA, 1);
    add_bulk_policies(path[0], BULK, 100, 0);
    add_bulk_mappings(path[0], BULK, BULK2, 100, 100, 1);
    sign_cert(path[0], key);
    path[1] = mk_cert(key, "Sub", "CA1", 2);
    add_bulk_policies(path[1], BULK2, 100, 1);
    sign_cert(path[1], key);
    path[2] = mk_cert(key, "EE", "Sub", 3);
    add_conf_ext(path[2], NID_certificate_policies, bulk_oid(buf, sizeof(buf), BULK2, 7));
    sign_cert(path[2], key);

    assert_int_equal(run_bounded(path, 3, NULL, 1, &out, &err), SB_OK);
    assert_int_equal(sk_ASN1_OBJECT_num(out), 100);   /* every issuer-domain policy maps to BULK2.7 */
    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
    out = NULL;

    /* The user set is expressed in the anchor's domain: BULK.5 is valid, BULK2.7 is not. */
    assert_int_equal(run(path, 3, bulk_oid(buf, sizeof(buf), BULK, 5), 1, &out, &err), SB_OK);
    assert_int_equal(sk_ASN1_OBJECT_num(out), 1);
    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
    out = NULL;
    assert_int_equal(run(path, 3, bulk_oid(buf, sizeof(buf), BULK2, 7), 1, &out, &err), SB_R_POLICY);
    assert_int_equal(err.reason, SB_R_POLICY);
    free_path(path, 3);
    EVP_PKEY_free(key);
}

/* path[0..1]: CA1 asserting one BULK policy (or only anyPolicy) with n mappings from BULK to BULK2, then an
 * EE asserting one BULK2 policy. */
static void mapping_path(EVP_PKEY *key, X509 **path, int any_policy, int n)
{
    path[0] = mk_cert(key, "CA1", TA, 1);
    add_bulk_policies(path[0], BULK, any_policy ? 0 : 1, any_policy);
    add_bulk_mappings(path[0], BULK, BULK2, n, 0, 0);
    sign_cert(path[0], key);
    path[1] = mk_cert(key, "EE", "CA1", 2);
    add_bulk_policies(path[1], BULK2, 1, 0);
    sign_cert(path[1], key);
}

/* One mapping over the limit is refused at once; under anyPolicy, 9,999 mappings each create a node
 * and hit the node cap. */
static void test_policy_dos_mapping_caps(void **state)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *path[2];
    struct sb_err err;

    (void)state;
    assert_non_null(key);
    mapping_path(key, path, 0, SB_CERTPOL_MAX_MAPPINGS + 1);
    assert_int_equal(run_bounded(path, 2, NULL, 0, NULL, &err), SB_R_POLICY);
    assert_non_null(strstr(err.msg, "more than 10000 policy mappings"));
    free_path(path, 2);

    mapping_path(key, path, 1, SB_CERTPOL_MAX_NODES - 1);
    assert_int_equal(run_bounded(path, 2, NULL, 0, NULL, &err), SB_R_POLICY);
    assert_non_null(strstr(err.msg, "certificate 1 (CN=CA1): the policy graph would exceed 10000 nodes"));
    free_path(path, 2);

    /* The same with 9,997 mappings fits: root, anyPolicy, 9,997 mapped nodes, one end-entity node. */
    mapping_path(key, path, 1, SB_CERTPOL_MAX_NODES - 3);
    assert_int_equal(run(path, 2, BULK ".1", 1, NULL, &err), SB_OK);
    free_path(path, 2);
    EVP_PKEY_free(key);
}

/* Deep chains asserting 50 policies each: linear, and the node cap is enforced. */
static void test_policy_dos_deep_chain(void **state)
{
    enum { DEEP = 100, TOO_DEEP = SB_CERTPOL_MAX_NODES / 50 + 1 };
    EVP_PKEY *key = EVP_EC_gen("P-256");
    STACK_OF(ASN1_OBJECT) *out = NULL;
    X509 **path = calloc(TOO_DEEP, sizeof(*path));
    struct sb_err err;
    size_t i;

    (void)state;
    assert_non_null(key);
    assert_non_null(path);
    for (i = 0; i < TOO_DEEP; i++) {
        path[i] = chain_ca(key, i);
        add_bulk_policies(path[i], BULK, 50, i % 2 == 0);
        sign_cert(path[i], key);
    }
    assert_int_equal(run_bounded(path, DEEP, NULL, 1, &out, &err), SB_OK);
    assert_int_equal(sk_ASN1_OBJECT_num(out), 50);
    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);

    assert_int_equal(run_bounded(path, TOO_DEEP, NULL, 1, NULL, &err), SB_R_POLICY);
    assert_non_null(strstr(err.msg, "the policy graph would exceed 10000 nodes"));
    free_path(path, TOO_DEEP);
    free(path);
    EVP_PKEY_free(key);
}

/* RFC 9618 §3.1: every CA asserts P1, P2 and maps each to both; a tree would double per level. */
static void test_policy_dos_exponential_chain(void **state)
{
    enum { DEPTH = 60 };
    EVP_PKEY *key = EVP_EC_gen("P-256");
    STACK_OF(ASN1_OBJECT) *out = NULL;
    X509 *path[DEPTH + 1];
    struct sb_err err;
    char iss[32];
    size_t i;

    (void)state;
    assert_non_null(key);
    for (i = 0; i < DEPTH; i++) {
        path[i] = chain_ca(key, i);
        add_conf_ext(path[i], NID_certificate_policies, P1 "," P2);
        add_conf_ext(path[i], NID_policy_mappings, P1 ":" P1 "," P1 ":" P2 "," P2 ":" P1 "," P2 ":" P2);
        sign_cert(path[i], key);
    }
    snprintf(iss, sizeof(iss), "CA%d", DEPTH);
    path[DEPTH] = mk_cert(key, "EE", iss, DEPTH + 1);
    add_conf_ext(path[DEPTH], NID_certificate_policies, P1);
    sign_cert(path[DEPTH], key);

    assert_int_equal(run_bounded(path, DEPTH + 1, P2, 1, &out, &err), SB_OK);
    assert_set(out, P2);
    sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
    free_path(path, DEPTH + 1);
    EVP_PKEY_free(key);
}

int main(void)
{
    struct CMUnitTest *tests;
    size_t ncases = sizeof(cases) / sizeof(cases[0]), i, k = 0;
    int rc;
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_policy_qualifiers_ignored),
        cmocka_unit_test(test_policy_malformed_extensions),
        cmocka_unit_test(test_policy_bad_arguments),
        cmocka_unit_test(test_policy_empty_path),
        cmocka_unit_test(test_policy_dos_10000_mappings),
        cmocka_unit_test(test_policy_dos_mapping_caps),
        cmocka_unit_test(test_policy_dos_deep_chain),
        cmocka_unit_test(test_policy_dos_exponential_chain),
    };
    size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);

    tests = calloc(ncases + nfixed, sizeof(*tests));
    if (tests == NULL) {
        return 1;
    }
    for (i = 0; i < ncases; i++) {
        tests[k].name = cases[i].name;
        tests[k].test_func = test_policy_case;
        tests[k].initial_state = (void *)&cases[i];
        k++;
    }
    for (i = 0; i < nfixed; i++) {
        tests[k++] = fixed[i];
    }
    rc = _cmocka_run_group_tests("policy_tree", tests, k, NULL, NULL);
    free(tests);
    return rc;
}
