/*
 * tests/unit/test_chain.c — path building (pki/x509/chain.h) and RFC 5280 path validation (pki/x509/path.h).
 *
 * Every PKI is minted in C at test time (tests/unit/testcert.h) with P-256 keys and fixed validity
 * windows; the validation time is TC_T2025. Each verdict asserts the exact enum sb_reason. The hostile
 * cases (same-subject pools, loops, a 100-certificate chain, 10,000 policy mappings) also assert a
 * resource bound: the answer comes within 1 s (CLOCK_MONOTONIC).
 *
 * The path code also calls pki/x509/names.c (SAN syntax, host names), pki/x509/cert_policy.c and
 * pki/x509/revocation.c, so these tests exercise them too where noted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/x509/chain.h"
#include "pki/x509/path.h"
#include "tests/unit/testcert.h"

#define BOUND_SECS 1.0
#define LEAF_CN "leaf.example"

struct fx {
    EVP_PKEY *kr, *ki, *ki2, *kl, *kx; /* root, intermediate, second intermediate, leaf, spare */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    f->kr = tc_key_ec();
    f->ki = tc_key_ec();
    f->ki2 = tc_key_ec();
    f->kl = tc_key_ec();
    f->kx = tc_key_ec();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    EVP_PKEY_free(f->kr);
    EVP_PKEY_free(f->ki);
    EVP_PKEY_free(f->ki2);
    EVP_PKEY_free(f->kl);
    EVP_PKEY_free(f->kx);
    free(f);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------------- */

/* Options used by most tests: fixed time, revocation off (revocation has its own tests below). */
static void opts_init(struct sb_path_opts *o)
{
    sb_path_opts_init(o);
    o->at = TC_T2025;
    o->revocation = SB_REV_OFF;
}

static struct tc_spec ca_spec(const char *cn, EVP_PKEY *k, X509 *iss, EVP_PKEY *ik)
{
    struct tc_spec s;

    memset(&s, 0, sizeof(s));
    s.cn = cn;
    s.key = k;
    s.issuer = iss;
    s.issuer_key = ik;
    s.bc = "critical,CA:TRUE";
    s.ku = "critical,keyCertSign,cRLSign";
    s.serial = 2;
    return s;
}

static struct tc_spec leaf_spec(EVP_PKEY *k, X509 *iss, EVP_PKEY *ik)
{
    struct tc_spec s;

    memset(&s, 0, sizeof(s));
    s.cn = LEAF_CN;
    s.key = k;
    s.issuer = iss;
    s.issuer_key = ik;
    s.ku = "critical,digitalSignature";
    s.san = "DNS:" LEAF_CN;
    s.serial = 3;
    return s;
}

struct outcome {
    enum sb_reason rc;
    int len;                 /* certificates in res.chain */
    double secs;
    struct sb_err err;
    X509 *chain[40];         /* borrowed from the caller's inputs (res.chain entries) */
};

/*
 * Run sb_chain_validate and check the invariants of its result: err agrees with the return value, on
 * SB_OK the chain runs from leaf to a certificate of anchors, on failure the chain is either empty or
 * a complete path ending at an anchor.
 */
static struct outcome validate(const struct sb_path_opts *o, X509 *leaf, STACK_OF(X509) *anchors,
                               STACK_OF(X509) *untrusted)
{
    struct outcome out;
    struct sb_chain_result res;
    struct timespec t0;
    int i, n;

    memset(&out, 0, sizeof(out));
    memset(&res, 0, sizeof(res));
    sb_err_clear(&out.err);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    out.rc = sb_chain_validate(o, leaf, anchors, untrusted, &res, &out.err);
    out.secs = tc_elapsed(&t0);
    assert_int_equal(out.rc, out.err.reason);
    if (out.rc != SB_OK) {
        assert_true(out.err.msg[0] != '\0');
        assert_null(res.policies);
    }
    assert_non_null(res.chain);
    n = sk_X509_num(res.chain);
    out.len = n;
    assert_true(n <= (int)(sizeof(out.chain) / sizeof(out.chain[0])));
    for (i = 0; i < n; i++) {
        out.chain[i] = sk_X509_value(res.chain, i);
    }
    if (out.rc == SB_OK) {
        assert_true(n >= 1);
    }
    if (n > 0) {
        int found = 0;

        assert_int_equal(X509_cmp(out.chain[0], leaf), 0);
        for (i = 0; i < sk_X509_num(anchors); i++) {
            found |= X509_cmp(sk_X509_value(anchors, i), out.chain[n - 1]) == 0;
        }
        assert_true(found);
    }
    sb_chain_result_clear(&res);
    assert_null(res.chain);
    return out;
}

static void expect(const struct outcome *out, enum sb_reason want)
{
    if (out->rc != want) {
        fail_msg("got %s (%s), want %s", sb_reason_name(out->rc), out->err.msg, sb_reason_name(want));
    }
}

/* A three-level PKI: root (anchor) → intermediate → leaf. */
struct pki3 {
    X509 *root, *inter, *leaf;
    STACK_OF(X509) *anchors, *untrusted;
};

static void pki3_make(struct fx *f, struct pki3 *p)
{
    p->root = tc_root("Test Root", f->kr);
    p->inter = tc_inter("Test CA", f->ki, p->root, f->kr, -1);
    p->leaf = tc_leaf(LEAF_CN, f->kl, p->inter, f->ki);
    p->anchors = tc_stack(p->root, NULL);
    p->untrusted = tc_stack(p->inter, NULL);
}

static void pki3_free(struct pki3 *p)
{
    X509_free(p->root);
    X509_free(p->inter);
    X509_free(p->leaf);
    sk_X509_pop_free(p->anchors, X509_free);
    sk_X509_pop_free(p->untrusted, X509_free);
}

/* ---- basic paths ------------------------------------------------------------------------------ */

static void test_root_int_leaf_ok(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;

    pki3_make(f, &p);
    opts_init(&o);
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    assert_int_equal(r.len, 3);
    assert_ptr_equal(r.chain[1], p.inter);
    assert_ptr_equal(r.chain[2], p.root);
    /* the same with the default options (revocation "prefer", no CRLs) */
    sb_path_opts_init(&o);
    o.at = TC_T2025;
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    pki3_free(&p);
}

static void test_untrusted_noise_ignored(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    X509 *other = tc_root("Unrelated Root", f->kx), *other_ca = tc_inter("Other CA", f->ki2, other, f->kx, -1);

    pki3_make(f, &p);
    opts_init(&o);
    /* unrelated certificates before the real intermediate, and the leaf itself */
    assert_true(sk_X509_unshift(p.untrusted, other) > 0);
    assert_true(sk_X509_unshift(p.untrusted, other_ca) > 0);
    assert_int_equal(X509_up_ref(p.leaf), 1);
    assert_true(sk_X509_push(p.untrusted, p.leaf) > 0);
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    assert_int_equal(r.len, 3);
    pki3_free(&p);
}

static void test_missing_intermediate(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    STACK_OF(X509) *none = sk_X509_new_null();

    pki3_make(f, &p);
    opts_init(&o);
    r = validate(&o, p.leaf, p.anchors, none);
    expect(&r, SB_R_CHAIN_NO_ANCHOR);
    assert_int_equal(r.len, 0);
    r = validate(&o, p.leaf, p.anchors, NULL);
    expect(&r, SB_R_CHAIN_NO_ANCHOR);
    sk_X509_free(none);
    pki3_free(&p);
}

static void test_no_anchors(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    STACK_OF(X509) *none = sk_X509_new_null();

    pki3_make(f, &p);
    opts_init(&o);
    /* the root offered only as an untrusted certificate is not an anchor */
    assert_int_equal(X509_up_ref(p.root), 1);
    assert_true(sk_X509_push(p.untrusted, p.root) > 0);
    r = validate(&o, p.leaf, none, p.untrusted);
    expect(&r, SB_R_CHAIN_NO_ANCHOR);
    sk_X509_free(none);
    pki3_free(&p);
}

static void test_leaf_is_anchor(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    STACK_OF(X509) *a;

    pki3_make(f, &p);
    opts_init(&o);
    a = tc_stack(p.leaf, NULL);
    r = validate(&o, p.leaf, a, NULL);
    expect(&r, SB_OK);
    assert_int_equal(r.len, 1);
    sk_X509_pop_free(a, X509_free);
    /* the intermediate as the anchor: a two-certificate path */
    a = tc_stack(p.inter, NULL);
    r = validate(&o, p.leaf, a, NULL);
    expect(&r, SB_OK);
    assert_int_equal(r.len, 2);
    sk_X509_pop_free(a, X509_free);
    pki3_free(&p);
}

static void test_wrong_issuer_signature(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    X509 *forged;
    struct tc_spec s;

    pki3_make(f, &p);
    opts_init(&o);
    /* names the intermediate as issuer but is signed by another key */
    s = leaf_spec(f->kl, p.inter, f->kx);
    forged = tc_make(&s);
    r = validate(&o, forged, p.anchors, p.untrusted);
    /* chain.h: no complete path, a candidate link failed its signature */
    expect(&r, SB_R_SIG_CRYPTO);
    assert_int_equal(r.len, 0);
    X509_free(forged);
    pki3_free(&p);
}

/* ---- validity --------------------------------------------------------------------------------- */

static void test_expired_and_not_yet_valid(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    struct tc_spec s;
    X509 *x;

    pki3_make(f, &p);
    opts_init(&o);

    s = leaf_spec(f->kl, p.inter, f->ki);
    s.nb = TC_T2020;
    s.na = TC_T2024;
    x = tc_make(&s);
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_R_CERT_EXPIRED);
    assert_int_equal(r.len, 3); /* the failed path is reported */
    /* notAfter is inclusive */
    o.at = TC_T2024;
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    o.at = TC_T2024 + 1;
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_R_CERT_EXPIRED);
    X509_free(x);

    opts_init(&o);
    s.nb = TC_T2030;
    s.na = TC_T2040;
    x = tc_make(&s);
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_R_CERT_NOT_YET_VALID);
    /* notBefore is inclusive */
    o.at = TC_T2030;
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    o.at = TC_T2030 - 1;
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_R_CERT_NOT_YET_VALID);
    X509_free(x);
    pki3_free(&p);
}

static void test_expired_intermediate_and_anchor(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root, *inter, *leaf, *oldroot;
    STACK_OF(X509) *a, *u;

    opts_init(&o);
    root = tc_root("Test Root", f->kr);
    s = ca_spec("Test CA", f->ki, root, f->kr);
    s.na = TC_T2024;
    inter = tc_make(&s);
    leaf = tc_leaf(LEAF_CN, f->kl, inter, f->ki);
    a = tc_stack(root, NULL);
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_CERT_EXPIRED);
    sk_X509_pop_free(a, X509_free);

    /* path.h: the anchor's own validity is enforced */
    s = ca_spec("Test Root", f->kr, NULL, NULL);
    s.na = TC_T2024;
    oldroot = tc_make(&s);
    X509_free(inter);
    sk_X509_pop_free(u, X509_free);
    X509_free(leaf);
    inter = tc_inter("Test CA", f->ki, oldroot, f->kr, -1);
    leaf = tc_leaf(LEAF_CN, f->kl, inter, f->ki);
    a = tc_stack(oldroot, NULL);
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_CERT_EXPIRED);
    sk_X509_pop_free(a, X509_free);
    sk_X509_pop_free(u, X509_free);
    X509_free(root);
    X509_free(oldroot);
    X509_free(inter);
    X509_free(leaf);
}

static void test_fractional_not_before(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    X509 *x, *y;
    ASN1_TIME *t = ASN1_STRING_type_new(V_ASN1_GENERALIZEDTIME);

    pki3_make(f, &p);
    opts_init(&o);
    /* notBefore 2025-01-01T00:00:00.5Z: not yet valid at 2025-01-01T00:00:00Z, valid one second later */
    assert_non_null(t);
    assert_int_equal(ASN1_STRING_set(t, "20250101000000.5Z", -1), 1);
    x = X509_dup(p.leaf);
    assert_non_null(x);
    assert_int_equal(X509_set1_notBefore(x, t), 1);
    assert_true(X509_sign(x, f->ki, EVP_sha256()) > 0);
    y = tc_reparse(x);
    r = validate(&o, y, p.anchors, p.untrusted);
    expect(&r, SB_R_CERT_NOT_YET_VALID);
    o.at = TC_T2025 + 1;
    r = validate(&o, y, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    X509_free(y);
    ASN1_STRING_free(t);
    pki3_free(&p);
}

static void test_alternative_issuer_when_first_expired(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root, *old, *cur, *other_key, *leaf;
    STACK_OF(X509) *a, *u;

    opts_init(&o);
    root = tc_root("Test Root", f->kr);
    /* two certificates for the same CA name and key: the first one listed has expired */
    s = ca_spec("Test CA", f->ki, root, f->kr);
    s.na = TC_T2024;
    s.serial = 10;
    old = tc_make(&s);
    s.na = TC_T2040;
    s.serial = 11;
    cur = tc_make(&s);
    /* and a same-name CA certificate with a different key (cannot have signed the leaf) */
    s = ca_spec("Test CA", f->kx, root, f->kr);
    s.serial = 12;
    other_key = tc_make(&s);
    leaf = tc_leaf(LEAF_CN, f->kl, cur, f->ki);
    a = tc_stack(root, NULL);

    u = tc_stack(old, cur, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_OK);
    assert_int_equal(r.len, 3);
    assert_ptr_equal(r.chain[1], cur);
    sk_X509_pop_free(u, X509_free);

    u = tc_stack(other_key, old, cur, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_OK);
    assert_ptr_equal(r.chain[1], cur);
    sk_X509_pop_free(u, X509_free);

    /* only the expired one: its failure is the answer */
    u = tc_stack(other_key, old, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_CERT_EXPIRED);
    assert_int_equal(r.len, 3);
    assert_ptr_equal(r.chain[1], old);
    sk_X509_pop_free(u, X509_free);

    sk_X509_pop_free(a, X509_free);
    X509_free(root);
    X509_free(old);
    X509_free(cur);
    X509_free(other_key);
    X509_free(leaf);
}

/* ---- CA constraints --------------------------------------------------------------------------- */

static void test_intermediate_not_ca(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root = tc_root("Test Root", f->kr), *inter, *leaf;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u;

    opts_init(&o);
    /* basicConstraints cA FALSE */
    s = ca_spec("Test CA", f->ki, root, f->kr);
    s.bc = "critical,CA:FALSE";
    s.ku = "critical,digitalSignature";
    inter = tc_make(&s);
    leaf = tc_leaf(LEAF_CN, f->kl, inter, f->ki);
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_BASIC_CONSTRAINTS);
    sk_X509_pop_free(u, X509_free);
    X509_free(inter);
    X509_free(leaf);

    /* no basicConstraints at all, no keyUsage */
    s = ca_spec("Test CA", f->ki, root, f->kr);
    s.bc = NULL;
    s.ku = NULL;
    inter = tc_make(&s);
    leaf = tc_leaf(LEAF_CN, f->kl, inter, f->ki);
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_BASIC_CONSTRAINTS);
    sk_X509_pop_free(u, X509_free);
    X509_free(inter);
    X509_free(leaf);

    /* a CA whose keyUsage lacks keyCertSign */
    s = ca_spec("Test CA", f->ki, root, f->kr);
    s.ku = "critical,digitalSignature,cRLSign";
    inter = tc_make(&s);
    leaf = tc_leaf(LEAF_CN, f->kl, inter, f->ki);
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_KEY_USAGE);
    sk_X509_pop_free(u, X509_free);
    X509_free(inter);
    X509_free(leaf);

    sk_X509_pop_free(a, X509_free);
    X509_free(root);
}

static void test_path_length(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    X509 *root = tc_root("Test Root", f->kr), *i1, *i2, *leaf, *leaf1;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u;

    opts_init(&o);
    i1 = tc_inter("CA One", f->ki, root, f->kr, 0);
    i2 = tc_inter("CA Two", f->ki2, i1, f->ki, -1);
    leaf = tc_leaf(LEAF_CN, f->kl, i2, f->ki2);
    leaf1 = tc_leaf(LEAF_CN, f->kl, i1, f->ki);
    u = tc_stack(i1, i2, NULL);
    /* pathLen 0 on CA One, but CA Two sits below it */
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_PATH_LENGTH);
    /* pathLen 0 allows CA One to issue end-entity certificates */
    r = validate(&o, leaf1, a, u);
    expect(&r, SB_OK);
    sk_X509_pop_free(u, X509_free);
    X509_free(i1);
    X509_free(i2);
    X509_free(leaf);
    X509_free(leaf1);

    /* pathLen 1 allows exactly one intermediate below */
    i1 = tc_inter("CA One", f->ki, root, f->kr, 1);
    i2 = tc_inter("CA Two", f->ki2, i1, f->ki, 0);
    leaf = tc_leaf(LEAF_CN, f->kl, i2, f->ki2);
    u = tc_stack(i1, i2, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_OK);
    assert_int_equal(r.len, 4);
    sk_X509_pop_free(u, X509_free);
    X509_free(i1);
    X509_free(i2);
    X509_free(leaf);
    sk_X509_pop_free(a, X509_free);
    X509_free(root);
}

static void test_path_length_self_issued_not_counted(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root = tc_root("Test Root", f->kr), *i1, *rollover, *leaf;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u;

    opts_init(&o);
    i1 = tc_inter("CA One", f->ki, root, f->kr, 0);
    /* key rollover certificate: subject = issuer = CA One, new key, signed by the old key */
    s = ca_spec(NULL, f->ki2, i1, f->ki);
    s.subject = X509_get_subject_name(i1);
    s.serial = 5;
    rollover = tc_make(&s);
    leaf = tc_leaf(LEAF_CN, f->kl, rollover, f->ki2);
    u = tc_stack(i1, rollover, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_OK);
    assert_int_equal(r.len, 4);
    assert_ptr_equal(r.chain[1], rollover);
    /* and --max-depth does not count it either */
    o.max_depth = 1;
    r = validate(&o, leaf, a, u);
    expect(&r, SB_OK);
    o.max_depth = 0;
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_CHAIN_TOO_LONG);
    sk_X509_pop_free(u, X509_free);
    sk_X509_pop_free(a, X509_free);
    X509_free(root);
    X509_free(i1);
    X509_free(rollover);
    X509_free(leaf);
}

static void test_anchor_path_length_enforced(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root, *inter, *leaf;
    STACK_OF(X509) *a, *u;

    opts_init(&o);
    s = ca_spec("Test Root", f->kr, NULL, NULL);
    s.bc = "critical,CA:TRUE,pathlen:0";
    root = tc_make(&s);
    inter = tc_inter("Test CA", f->ki, root, f->kr, -1);
    leaf = tc_leaf(LEAF_CN, f->kl, inter, f->ki);
    a = tc_stack(root, NULL);
    u = tc_stack(inter, NULL);
    /* path.h: the anchor's basicConstraints are enforced as for any CA */
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_PATH_LENGTH);
    sk_X509_pop_free(a, X509_free);
    sk_X509_pop_free(u, X509_free);
    X509_free(root);
    X509_free(inter);
    X509_free(leaf);
}

static void test_max_depth(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    X509 *root = tc_root("Test Root", f->kr), *i1, *i2, *leaf, *leaf1, *leaf0;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u;

    opts_init(&o);
    i1 = tc_inter("CA One", f->ki, root, f->kr, -1);
    i2 = tc_inter("CA Two", f->ki2, i1, f->ki, -1);
    leaf = tc_leaf(LEAF_CN, f->kl, i2, f->ki2);
    leaf1 = tc_leaf(LEAF_CN, f->kl, i1, f->ki);
    leaf0 = tc_leaf(LEAF_CN, f->kl, root, f->kr);
    u = tc_stack(i1, i2, NULL);
    o.max_depth = 2;
    r = validate(&o, leaf, a, u);
    expect(&r, SB_OK);
    o.max_depth = 1;
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_CHAIN_TOO_LONG);
    r = validate(&o, leaf1, a, u);
    expect(&r, SB_OK);
    o.max_depth = 0;
    r = validate(&o, leaf1, a, u);
    expect(&r, SB_R_CHAIN_TOO_LONG);
    r = validate(&o, leaf0, a, u);
    expect(&r, SB_OK);
    sk_X509_pop_free(u, X509_free);
    sk_X509_pop_free(a, X509_free);
    X509_free(root);
    X509_free(i1);
    X509_free(i2);
    X509_free(leaf);
    X509_free(leaf1);
    X509_free(leaf0);
}

static void test_unknown_critical_extension(void **state)
{
    struct fx *f = *state;
    static const unsigned char null_der[] = { 0x05, 0x00 };
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    struct tc_spec s;
    X509 *x, *inter;
    STACK_OF(X509) *u;

    pki3_make(f, &p);
    opts_init(&o);
    s = leaf_spec(f->kl, p.inter, f->ki);
    s.extra[0] = tc_ext_raw("1.3.6.1.4.1.55555.1.1", 1, null_der, 2);
    x = tc_make(&s);
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_R_UNKNOWN_CRITICAL_EXT);
    assert_non_null(strstr(r.err.msg, "1.3.6.1.4.1.55555.1.1"));
    X509_free(x);
    X509_EXTENSION_free(s.extra[0]);

    /* the same extension non-critical is ignored */
    s.extra[0] = tc_ext_raw("1.3.6.1.4.1.55555.1.1", 0, null_der, 2);
    x = tc_make(&s);
    r = validate(&o, x, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    X509_free(x);
    X509_EXTENSION_free(s.extra[0]);

    /* in the intermediate */
    s = ca_spec("Test CA", f->ki, p.root, f->kr);
    s.extra[0] = tc_ext_raw("1.3.6.1.4.1.55555.1.2", 1, null_der, 2);
    inter = tc_make(&s);
    u = tc_stack(inter, NULL);
    r = validate(&o, p.leaf, p.anchors, u);
    expect(&r, SB_R_UNKNOWN_CRITICAL_EXT);
    X509_EXTENSION_free(s.extra[0]);
    sk_X509_pop_free(u, X509_free);
    X509_free(inter);
    pki3_free(&p);
}

/* ---- leaf requirements ------------------------------------------------------------------------ */

static void test_eku(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    struct tc_spec s;
    X509 *client, *server, *any;
    STACK_OF(ASN1_OBJECT) *ekus = sk_ASN1_OBJECT_new_null();

    pki3_make(f, &p);
    opts_init(&o);
    assert_non_null(ekus);
    assert_true(sk_ASN1_OBJECT_push(ekus, OBJ_nid2obj(NID_server_auth)) > 0);
    o.ekus = ekus;
    s = leaf_spec(f->kl, p.inter, f->ki);
    s.eku = "clientAuth";
    client = tc_make(&s);
    s.eku = "clientAuth,serverAuth";
    server = tc_make(&s);
    s.eku = "anyExtendedKeyUsage";
    any = tc_make(&s);

    r = validate(&o, client, p.anchors, p.untrusted);
    expect(&r, SB_R_EKU);
    r = validate(&o, server, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    r = validate(&o, any, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    /* a leaf without extendedKeyUsage is unrestricted */
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    /* no EKU required: clientAuth-only is fine */
    o.ekus = NULL;
    r = validate(&o, client, p.anchors, p.untrusted);
    expect(&r, SB_OK);

    sk_ASN1_OBJECT_free(ekus); /* OBJ_nid2obj objects are static */
    X509_free(client);
    X509_free(server);
    X509_free(any);
    pki3_free(&p);
}

static void test_key_usage_required(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;

    pki3_make(f, &p);
    opts_init(&o);
    o.key_usage = KU_DIGITAL_SIGNATURE;
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    o.key_usage = KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION;
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_R_KEY_USAGE);
    pki3_free(&p);
}

/* Uses pki/x509/names.c (sb_names_match_host), written concurrently with these tests. */
static void test_hostname(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;

    pki3_make(f, &p);
    opts_init(&o);
    o.hostname = LEAF_CN;
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    o.hostname = "LEAF.Example";
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    o.hostname = "other.example";
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_R_NAME_MISMATCH);
    o.hostname = "sub." LEAF_CN;
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_R_NAME_MISMATCH);
    o.hostname = "192.0.2.1";
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_R_NAME_MISMATCH);
    pki3_free(&p);
}

/* ---- algorithms in the path ------------------------------------------------------------------- */

static void test_weak_algorithms_in_path(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    struct tc_spec s;
    X509 *sha1leaf, *inter, *leaf;
    EVP_PKEY *rsa1024 = tc_key_rsa(1024);
    STACK_OF(X509) *u;

    pki3_make(f, &p);
    opts_init(&o);
    s = leaf_spec(f->kl, p.inter, f->ki);
    s.md = EVP_sha1();
    sha1leaf = tc_make(&s);
    r = validate(&o, sha1leaf, p.anchors, p.untrusted);
    expect(&r, SB_R_WEAK_ALGORITHM);
    o.algs.allow_sha1 = 1;
    r = validate(&o, sha1leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    opts_init(&o);

    /* an RSA-1024 intermediate */
    inter = tc_inter("Test CA", rsa1024, p.root, f->kr, -1);
    leaf = tc_leaf(LEAF_CN, f->kl, inter, rsa1024);
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, p.anchors, u);
    expect(&r, SB_R_WEAK_KEY);
    o.algs.min_rsa_bits = 1024;
    r = validate(&o, leaf, p.anchors, u);
    expect(&r, SB_OK);
    sk_X509_pop_free(u, X509_free);
    X509_free(inter);
    X509_free(leaf);
    X509_free(sha1leaf);
    EVP_PKEY_free(rsa1024);
    pki3_free(&p);
}

static void test_sm2_path(void **state)
{
    struct sb_path_opts o;
    struct outcome r;
    EVP_PKEY *kr = tc_key_sm2(), *kl = tc_key_sm2();
    X509 *root = tc_root("SM2 Root", kr), *leaf = tc_leaf(LEAF_CN, kl, root, kr);
    STACK_OF(X509) *a = tc_stack(root, NULL);

    (void)state;
    opts_init(&o);
    r = validate(&o, leaf, a, NULL);
    expect(&r, SB_OK);
    o.sm2_id = TC_SM2_ID;
    r = validate(&o, leaf, a, NULL);
    expect(&r, SB_OK);
    /* --sm2-id that does not match the certificates: a signature failure, diagnosed as the ID */
    o.sm2_id = "alice@example.com";
    r = validate(&o, leaf, a, NULL);
    expect(&r, SB_R_SM2_ID_MISMATCH);
    sk_X509_pop_free(a, X509_free);
    X509_free(root);
    X509_free(leaf);
    EVP_PKEY_free(kr);
    EVP_PKEY_free(kl);
}

/* ---- revocation (pki/x509/revocation.c, written concurrently) ------------------------------------- */

static void test_revoked_leaf(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct pki3 p;
    struct outcome r;
    long serial = 3; /* tc_leaf's serial */
    X509_CRL *crl;
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();

    pki3_make(f, &p);
    crl = tc_crl(p.inter, f->ki, TC_T2024, TC_T2030, &serial, 1, NULL);
    assert_true(sk_X509_CRL_push(crls, crl) > 0);
    sb_path_opts_init(&o);
    o.at = TC_T2025;
    o.crls = crls;
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_R_REVOKED);
    o.revocation = SB_REV_OFF;
    r = validate(&o, p.leaf, p.anchors, p.untrusted);
    expect(&r, SB_OK);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    pki3_free(&p);
}

/* ---- hostile inputs: bounded answers ---------------------------------------------------------- */

static void test_loop_without_anchor(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root = tc_root("Test Root", f->kr), *a_by_b, *b_by_a, *a_self, *b_self, *leaf, *tmp_a, *tmp_b;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u;

    opts_init(&o);
    /* CA A and CA B certify each other; neither reaches the root */
    tmp_a = tc_root("CA A", f->ki);
    tmp_b = tc_root("CA B", f->ki2);
    s = ca_spec("CA A", f->ki, tmp_b, f->ki2);
    a_by_b = tc_make(&s);
    s = ca_spec("CA B", f->ki2, tmp_a, f->ki);
    b_by_a = tc_make(&s);
    a_self = tmp_a;
    b_self = tmp_b;
    leaf = tc_leaf(LEAF_CN, f->kl, a_by_b, f->ki);
    u = tc_stack(a_by_b, b_by_a, a_self, b_self, NULL);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_CHAIN_NO_ANCHOR);
    assert_true(r.secs < BOUND_SECS);

    /* with a way out: B is also certified by the root */
    {
        X509 *b_by_root, *leaf2;

        s = ca_spec("CA B", f->ki2, root, f->kr);
        s.serial = 7;
        b_by_root = tc_make(&s);
        assert_int_equal(X509_up_ref(b_by_root), 1);
        assert_true(sk_X509_push(u, b_by_root) > 0);
        r = validate(&o, leaf, a, u);
        expect(&r, SB_OK);
        /* leaf, A (by B), B (by root), root — or the equally valid path through the self-signed B
         * certificate (same key as B by root) as a self-issued intermediate */
        assert_true(r.len == 4 || r.len == 5);
        assert_ptr_equal(r.chain[r.len - 2], b_by_root);
        leaf2 = tc_leaf(LEAF_CN, f->kl, b_by_a, f->ki2);
        r = validate(&o, leaf2, a, u);
        expect(&r, SB_OK);
        /* any valid path will do (the builder is depth-first, not shortest-first) */
        assert_true(r.len >= 3);
        assert_ptr_equal(r.chain[r.len - 2], b_by_root);
        X509_free(leaf2);
        X509_free(b_by_root);
    }
    sk_X509_pop_free(u, X509_free);
    sk_X509_pop_free(a, X509_free);
    X509_free(root);
    X509_free(a_by_b);
    X509_free(b_by_a);
    X509_free(a_self);
    X509_free(b_self);
    X509_free(leaf);
}

static void test_same_subject_pool_bounded(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root = tc_root("Test Root", f->kr), *dup[100], *leaf, *decoy;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u = sk_X509_new_null();
    int i;

    opts_init(&o);
    /* 100 distinct self-issued CA certificates named "Dup", all under the same key, so every one
     * verifies as the issuer of every other: the candidate graph is complete */
    for (i = 0; i < 100; i++) {
        s = ca_spec("Dup", f->ki, NULL, NULL);
        s.serial = 1000 + i;
        s.na = TC_T2040 - i * TC_DAY;
        dup[i] = tc_make(&s);
        assert_int_equal(X509_up_ref(dup[i]), 1);
        assert_true(sk_X509_push(u, dup[i]) > 0);
    }
    leaf = tc_leaf(LEAF_CN, f->kl, dup[0], f->ki);
    r = validate(&o, leaf, a, u);
    expect(&r, SB_R_CHAIN_NO_ANCHOR);
    assert_true(r.secs < BOUND_SECS);
    print_message("same-subject pool of 100: %.3f s\n", r.secs);

    /* plus an anchor of the same name under another key: tried (and refused) at every level */
    decoy = tc_root("Dup", f->kx);
    assert_int_equal(X509_up_ref(decoy), 1);
    assert_true(sk_X509_push(a, decoy) > 0);
    r = validate(&o, leaf, a, u);
    /* chain.h: no complete path, a candidate's signature failed */
    expect(&r, SB_R_SIG_CRYPTO);
    assert_true(r.secs < BOUND_SECS);
    print_message("same-subject pool of 100 + decoy anchor: %.3f s\n", r.secs);

    for (i = 0; i < 100; i++) {
        X509_free(dup[i]);
    }
    X509_free(decoy);
    X509_free(leaf);
    X509_free(root);
    sk_X509_pop_free(a, X509_free);
    sk_X509_pop_free(u, X509_free);
}

static void test_chain_of_100_bounded(void **state)
{
    struct sb_path_opts o;
    struct outcome r;
    EVP_PKEY *k[100];
    X509 *c[100];
    STACK_OF(X509) *a, *u = sk_X509_new_null();
    char cn[16];
    int i;

    (void)state;
    opts_init(&o);
    for (i = 0; i < 100; i++) {
        k[i] = tc_key_ec();
        snprintf(cn, sizeof(cn), "C%d", i);
        c[i] = i == 0 ? tc_root(cn, k[0]) : tc_inter(cn, k[i], c[i - 1], k[i - 1], -1);
        if (i > 0 && i < 99) {
            assert_int_equal(X509_up_ref(c[i]), 1);
            assert_true(sk_X509_push(u, c[i]) > 0);
        }
    }
    a = tc_stack(c[0], NULL);
    /* C99 → C98 → … → C0 (anchor): 100 certificates, far over SB_CHAIN_MAX_LEN */
    r = validate(&o, c[99], a, u);
    if (r.rc != SB_R_CHAIN_TOO_LONG && r.rc != SB_R_CHAIN_NO_ANCHOR) {
        fail_msg("got %s (%s), want CHAIN_TOO_LONG or CHAIN_NO_ANCHOR", sb_reason_name(r.rc), r.err.msg);
    }
    assert_true(r.secs < BOUND_SECS);
    print_message("chain of 100: %s in %.3f s\n", sb_reason_name(r.rc), r.secs);
    /* the longest path within SB_CHAIN_MAX_LEN still validates */
    r = validate(&o, c[SB_CHAIN_MAX_LEN - 1], a, u);
    expect(&r, SB_OK);
    assert_int_equal(r.len, SB_CHAIN_MAX_LEN);
    for (i = 0; i < 100; i++) {
        X509_free(c[i]);
        EVP_PKEY_free(k[i]);
    }
    sk_X509_pop_free(a, X509_free);
    sk_X509_pop_free(u, X509_free);
}

/* CA "Test CA" (key ki) with n policy mappings 1.3.6.1.4.1.55555.2.i → ….3.i and certificatePolicies
 * pols, issued by root (NULL: self-signed). */
static X509 *mapping_ca(struct fx *f, X509 *root, int n, const char *pols)
{
    POLICY_MAPPINGS *maps = sk_POLICY_MAPPING_new_null();
    X509_EXTENSION *ext;
    struct tc_spec s;
    char oid[40];
    X509 *inter;
    int i;

    assert_non_null(maps);
    for (i = 0; i < n; i++) {
        POLICY_MAPPING *m = POLICY_MAPPING_new();

        assert_non_null(m);
        snprintf(oid, sizeof(oid), "1.3.6.1.4.1.55555.2.%d", i);
        assert_non_null(m->issuerDomainPolicy = OBJ_txt2obj(oid, 1));
        snprintf(oid, sizeof(oid), "1.3.6.1.4.1.55555.3.%d", i);
        assert_non_null(m->subjectDomainPolicy = OBJ_txt2obj(oid, 1));
        assert_true(sk_POLICY_MAPPING_push(maps, m) > 0);
    }
    assert_non_null(ext = X509V3_EXT_i2d(NID_policy_mappings, 1, maps));
    sk_POLICY_MAPPING_pop_free(maps, POLICY_MAPPING_free);
    s = ca_spec("Test CA", f->ki, root, root != NULL ? f->kr : NULL);
    s.policies = pols;
    s.extra[0] = ext;
    inter = tc_make(&s);
    X509_EXTENSION_free(ext);
    return inter;
}

/* Uses pki/x509/cert_policy.c. */
static void test_policy_mappings_10000_bounded(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root = tc_root("Test Root", f->kr), *inter, *leaf;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u;

    opts_init(&o);
    /* 10,000 mappings; the CA asserts one of the issuer-domain policies, the leaf its mapped policy */
    inter = mapping_ca(f, root, 10000, "1.3.6.1.4.1.55555.2.7");
    s = leaf_spec(f->kl, inter, f->ki);
    s.policies = "1.3.6.1.4.1.55555.3.7";
    leaf = tc_make(&s);
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, a, u);
    print_message("10,000 policy mappings: %s in %.3f s\n", sb_reason_name(r.rc), r.secs);
    expect(&r, SB_OK);
    assert_true(r.secs < BOUND_SECS);
    /* requiring the issuer-domain policy explicitly still passes (it maps to what the leaf has) */
    {
        STACK_OF(ASN1_OBJECT) *pol = sk_ASN1_OBJECT_new_null();

        assert_non_null(pol);
        assert_true(sk_ASN1_OBJECT_push(pol, OBJ_txt2obj("1.3.6.1.4.1.55555.2.7", 1)) > 0);
        o.policies = pol;
        o.explicit_policy = 1;
        r = validate(&o, leaf, a, u);
        expect(&r, SB_OK);
        assert_true(r.secs < BOUND_SECS);
        /* and a policy nobody asserts fails */
        sk_ASN1_OBJECT_pop_free(pol, ASN1_OBJECT_free);
        pol = sk_ASN1_OBJECT_new_null();
        assert_true(sk_ASN1_OBJECT_push(pol, OBJ_txt2obj("1.3.6.1.4.1.55555.2.8", 1)) > 0);
        o.policies = pol;
        r = validate(&o, leaf, a, u);
        expect(&r, SB_R_POLICY);
        sk_ASN1_OBJECT_pop_free(pol, ASN1_OBJECT_free);
    }
    sk_X509_pop_free(u, X509_free);
    X509_free(inter);

    /* the CA asserts anyPolicy: every one of the 10,000 mappings would create a graph node, which is
     * over SB_CERTPOL_MAX_NODES — policy_tree.h: POLICY when the caps are exceeded */
    opts_init(&o);
    inter = mapping_ca(f, root, 10000, "2.5.29.32.0");
    u = tc_stack(inter, NULL);
    r = validate(&o, leaf, a, u);
    print_message("10,000 policy mappings under anyPolicy: %s in %.3f s\n", sb_reason_name(r.rc), r.secs);
    expect(&r, SB_R_POLICY);
    assert_true(r.secs < BOUND_SECS);
    sk_X509_pop_free(u, X509_free);
    X509_free(inter);

    sk_X509_pop_free(a, X509_free);
    X509_free(root);
    X509_free(leaf);
}

/*
 * Work across alternative paths must stay bounded too. Eight CA certificates share one name and key
 * (four under the root, four self-issued), each with 9,999 policy mappings (~960 KB in all); the
 * user requires an explicit policy nobody asserts, so every complete path fails in policy processing
 * and the builder moves on to the next. Uses pki/x509/cert_policy.c.
 */
static void test_policy_work_bounded_across_paths(void **state)
{
    struct fx *f = *state;
    struct sb_path_opts o;
    struct outcome r;
    X509 *root = tc_root("Test Root", f->kr), *leaf;
    STACK_OF(X509) *a = tc_stack(root, NULL), *u = sk_X509_new_null();
    STACK_OF(ASN1_OBJECT) *pol = sk_ASN1_OBJECT_new_null();
    int i;

    opts_init(&o);
    assert_non_null(u);
    assert_non_null(pol);
    for (i = 0; i < 8; i++) {
        X509 *c = mapping_ca(f, i % 2 == 0 ? root : NULL, 9999, "1.3.6.1.4.1.55555.2.5");

        assert_true(sk_X509_push(u, c) > 0);
    }
    leaf = tc_leaf(LEAF_CN, f->kl, sk_X509_value(u, 0), f->ki);
    assert_true(sk_ASN1_OBJECT_push(pol, OBJ_txt2obj("1.3.6.1.4.1.55555.9", 1)) > 0);
    o.policies = pol;
    o.explicit_policy = 1;
    r = validate(&o, leaf, a, u);
    print_message("8 same-name CAs with 9,999 mappings each: %s in %.3f s\n", sb_reason_name(r.rc), r.secs);
    expect(&r, SB_R_POLICY);
    assert_true(r.secs < BOUND_SECS);
    sk_ASN1_OBJECT_pop_free(pol, ASN1_OBJECT_free);
    sk_X509_pop_free(u, X509_free);
    sk_X509_pop_free(a, X509_free);
    X509_free(root);
    X509_free(leaf);
}

/* 1 if s is valid UTF-8 (RFC 3629: no overlongs, surrogates or values above U+10FFFF). */
static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned int c;
    int n, i;

    while (*p != 0) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        if ((*p & 0xe0) == 0xc0) {
            n = 1;
            c = *p & 0x1f;
        } else if ((*p & 0xf0) == 0xe0) {
            n = 2;
            c = *p & 0x0f;
        } else if ((*p & 0xf8) == 0xf0) {
            n = 3;
            c = *p & 0x07;
        } else {
            return 0;
        }
        for (i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return 0;
            }
            c = (c << 6) | (p[i] & 0x3f);
        }
        if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) || c > 0x10ffff ||
            (c >= 0xd800 && c <= 0xdfff)) {
            return 0;
        }
        p += n + 1;
    }
    return 1;
}

/*
 * Failure messages name certificates by subject; Mainland certificates routinely carry long Chinese
 * names. Whatever gets cut to fit a buffer must be cut on a character boundary, or the message is not
 * UTF-8 and cannot go into the JSON result (json_pack refuses it and sb_report_result returns NULL).
 */
static void test_failure_message_is_utf8(void **state)
{
    struct fx *f = *state;
    static const char zh[] = "\xe8\xaf\x81\xe4\xb9\xa6"; /* 证书 */
    struct sb_path_opts o;
    struct outcome r;
    struct tc_spec s;
    X509 *root = tc_root("Test Root", f->kr), *leaf;
    STACK_OF(X509) *a = tc_stack(root, NULL);
    char long_zh[20 * sizeof(zh)], cn[32];
    int v, i;

    opts_init(&o);
    long_zh[0] = '\0';
    for (i = 0; i < 20; i++) {
        strcat(long_zh, zh);
    }
    for (v = 1; v <= 3; v++) {
        X509_NAME *n = X509_NAME_new();

        /* a 1-, 2- or 3-byte ASCII prefix moves the cut point across a 3-byte character */
        snprintf(cn, sizeof(cn), "%.*s%s%s", v, "xyz", zh, zh);
        assert_non_null(n);
        assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)long_zh, -1, -1, 0), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)long_zh, -1, -1, 0), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
        s = leaf_spec(f->kl, root, f->kr);
        s.subject = n;
        s.na = TC_T2024;
        leaf = tc_make(&s);
        r = validate(&o, leaf, a, NULL);
        expect(&r, SB_R_CERT_EXPIRED);
        if (!utf8_valid(r.err.msg)) {
            fail_msg("prefix %d: the message is not valid UTF-8", v);
        }
        X509_free(leaf);
        X509_NAME_free(n);
    }
    sk_X509_pop_free(a, X509_free);
    X509_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_int_leaf_ok),
        cmocka_unit_test(test_untrusted_noise_ignored),
        cmocka_unit_test(test_missing_intermediate),
        cmocka_unit_test(test_no_anchors),
        cmocka_unit_test(test_leaf_is_anchor),
        cmocka_unit_test(test_wrong_issuer_signature),
        cmocka_unit_test(test_expired_and_not_yet_valid),
        cmocka_unit_test(test_expired_intermediate_and_anchor),
        cmocka_unit_test(test_fractional_not_before),
        cmocka_unit_test(test_alternative_issuer_when_first_expired),
        cmocka_unit_test(test_intermediate_not_ca),
        cmocka_unit_test(test_path_length),
        cmocka_unit_test(test_path_length_self_issued_not_counted),
        cmocka_unit_test(test_anchor_path_length_enforced),
        cmocka_unit_test(test_max_depth),
        cmocka_unit_test(test_unknown_critical_extension),
        cmocka_unit_test(test_eku),
        cmocka_unit_test(test_key_usage_required),
        cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_failure_message_is_utf8),
        cmocka_unit_test(test_weak_algorithms_in_path),
        cmocka_unit_test(test_sm2_path),
        cmocka_unit_test(test_revoked_leaf),
        cmocka_unit_test(test_loop_without_anchor),
        cmocka_unit_test(test_same_subject_pool_bounded),
        cmocka_unit_test(test_chain_of_100_bounded),
        cmocka_unit_test(test_policy_mappings_10000_bounded),
        cmocka_unit_test(test_policy_work_bounded_across_paths),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
