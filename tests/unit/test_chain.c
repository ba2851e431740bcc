/*
 * tests/unit/test_chain.c — path building (pki/x509/chain.h) and RFC 5280 path validation (pki/x509/path.h).
 *
 * Every PKI is minted in C at test time (tests/unit/testcert.h) with P-256 keys and fixed validity
 * windows; the validation time is TC_T2025. Each verdict asserts the exact enum sb_reason. Most cases
 * are rows of chain_cases[] (one cmocka test per row, see case_table.h): a root → intermediate(s) → leaf
 * PKI where a row changes one certificate or one option and states the verdict. The hostile cases
 * (same-subject pools, loops, a 100-certificate chain, 10,000 policy mappings) stay functions; they also
 * assert a resource bound: the answer comes within 1 s of CPU time (tc_elapsed: the thread's CPU clock).
 *
 * The path code also calls pki/x509/names_*.c (SAN syntax, host names), pki/x509/cert_policy.c and
 * pki/x509/revocation*.c, so these tests exercise them too where noted.
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
#include "tests/unit/case_table.h"
#include "tests/unit/testcert.h"

#define BOUND_SECS 1.0
#define LEAF_CN "leaf.example"

/* Keys shared by every test, made once by the first test's setup (case_table.h), freed after the run. */
struct fx {
    int ready;
    EVP_PKEY *kr, *ki, *ki2, *kl, *kx; /* root, intermediate, second intermediate, leaf, spare */
    EVP_PKEY *rsa1024, *sm2_root, *sm2_leaf;
};

static void fx_make(void *arg)
{
    struct fx *f = arg;

    if (f->ready) {
        return;
    }
    f->kr = tc_key_ec();
    f->ki = tc_key_ec();
    f->ki2 = tc_key_ec();
    f->kl = tc_key_ec();
    f->kx = tc_key_ec();
    f->rsa1024 = tc_key_rsa(1024);
    f->sm2_root = tc_key_sm2();
    f->sm2_leaf = tc_key_sm2();
    f->ready = 1;
}

static void fx_free(void *arg)
{
    struct fx *f = arg;

    EVP_PKEY_free(f->kr);
    EVP_PKEY_free(f->ki);
    EVP_PKEY_free(f->ki2);
    EVP_PKEY_free(f->kl);
    EVP_PKEY_free(f->kx);
    EVP_PKEY_free(f->rsa1024);
    EVP_PKEY_free(f->sm2_root);
    EVP_PKEY_free(f->sm2_leaf);
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
    struct tc_spec s = tc_spec_of(cn, k, iss, ik);

    s.bc = "critical,CA:TRUE";
    s.ku = "critical,keyCertSign,cRLSign";
    s.serial = 2;
    return s;
}

static struct tc_spec leaf_spec(EVP_PKEY *k, X509 *iss, EVP_PKEY *ik)
{
    struct tc_spec s = tc_spec_of(LEAF_CN, k, iss, ik);

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
    tc_clock_start(&t0);
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

/* ---- the case table: one PKI, one change, one verdict ----------------------------------------- */

#define NONE ""              /* cert_tweak.bc / .ku: leave the extension out */
#define DEPTH(n) ((n) + 1)   /* chain_case.max_depth: --max-depth n (0: the default, none) */
#define NO_CHAIN (-1)        /* chain_case.want_len: no path reported */

enum key_id { KEY_ROLE = 0, KEY_SPARE, KEY_RSA1024, KEY_SM2_ROOT, KEY_SM2_LEAF };

/* How one certificate differs from its role's default (root: tc_root; intermediate: tc_inter, no
 * pathLenConstraint; leaf: tc_leaf). Zero fields keep the default. */
struct cert_tweak {
    const char *cn;
    const char *bc, *ku;      /* X509V3 config text; NONE: no extension */
    const char *eku;
    time_t nb, na;
    long serial;
    enum key_id key;          /* the certificate's own key */
    enum key_id signed_by;    /* KEY_ROLE: the issuer's key; another: a forged signature */
    int sha1;                 /* signed with SHA-1 */
    int self_issued;          /* subject = the issuer's subject (a key rollover certificate) */
    const char *ext_oid;      /* an unknown extension (value NULL) with this OID ... */
    int ext_critical;         /* ... marked critical */
    const char *nb_text;      /* notBefore rewritten to this GeneralizedTime text, then re-signed */
    const char *pc;           /* policyConstraints, X509V3 config text ("critical," marks it critical) */
    const char *nc;           /* nameConstraints, likewise */
    int no_ski, no_aki;       /* leave out the subject / authority key identifier */
};

enum shape { ROOT_INT_LEAF = 0, ROOT_INT_INT_LEAF, ROOT_LEAF };
enum leaf_by { BY_LAST_CA = 0, BY_FIRST_INTER, BY_ROOT };
enum anchors {
    ANCHOR_ROOT = 0, ANCHOR_NONE, ANCHOR_LEAF, ANCHOR_INTER,
    ANCHOR_IMPOSTOR,          /* only a self-signed root named like the root, under another key */
};
enum untrusted {
    UNTRUSTED_INTERS = 0,     /* the intermediates, first to last */
    UNTRUSTED_EMPTY,          /* an empty stack */
    UNTRUSTED_NULL,           /* no stack */
    UNTRUSTED_INTERS_ROOT,    /* the intermediates, then the root */
    UNTRUSTED_NOISE,          /* an unrelated CA and its root, the intermediates, the leaf itself */
    UNTRUSTED_IMPOSTOR,       /* instead of the intermediate: a CA of the same name and issuer, another key */
    UNTRUSTED_IMPOSTOR_INTERS,   /* that impostor, then the intermediates */
};

struct chain_case {
    const char *name;
    /* the PKI */
    enum shape shape;
    struct cert_tweak root, inter[2], leaf;   /* inter[0] "Test CA" (key ki), inter[1] "CA Two" (key ki2) */
    enum leaf_by leaf_by;
    enum anchors anchors;
    enum untrusted untrusted;
    /* the options: opts_init() (TC_T2025, revocation off) unless stated */
    time_t at;
    int max_depth;             /* DEPTH(n) */
    const char *hostname;
    int eku_nid;               /* required extended key usage */
    unsigned key_usage;
    int allow_sha1, min_rsa_bits;
    const char *sm2_id;
    enum sb_profile profile;   /* default rfc5280 */
    int revocation_default;    /* keep sb_path_opts_init's revocation mode ("prefer") */
    int crl_revokes_leaf;      /* a current CRL of the leaf's issuer lists the leaf */
    /* the verdict */
    enum sb_reason want;
    int want_len;              /* certificates in the reported path; 0: unchecked; NO_CHAIN: none */
    int want_path;             /* the reported path is exactly the built one, certificate by certificate */
    const char *want_msg;      /* in err.msg */
};

static const struct chain_case chain_cases[] = {
    /* basic paths */
    { .name = "root_int_leaf_ok", .want = SB_OK, .want_len = 3, .want_path = 1 },
    { .name = "root_int_leaf_ok_default_options", .revocation_default = 1, .want = SB_OK },
    { .name = "untrusted_noise_ignored", .untrusted = UNTRUSTED_NOISE, .want = SB_OK, .want_len = 3 },
    { .name = "missing_intermediate", .untrusted = UNTRUSTED_EMPTY, .want = SB_R_CHAIN_NO_ANCHOR,
      .want_len = NO_CHAIN },
    { .name = "missing_intermediate_no_stack", .untrusted = UNTRUSTED_NULL, .want = SB_R_CHAIN_NO_ANCHOR },
    /* the root offered only as an untrusted certificate is not an anchor */
    { .name = "no_anchors_root_untrusted", .anchors = ANCHOR_NONE, .untrusted = UNTRUSTED_INTERS_ROOT,
      .want = SB_R_CHAIN_NO_ANCHOR },
    { .name = "leaf_is_anchor", .anchors = ANCHOR_LEAF, .untrusted = UNTRUSTED_NULL, .want = SB_OK, .want_len = 1 },
    /* the intermediate as the anchor: a two-certificate path */
    { .name = "intermediate_is_anchor", .anchors = ANCHOR_INTER, .untrusted = UNTRUSTED_NULL, .want = SB_OK,
      .want_len = 2 },
    /* names the intermediate as issuer but is signed by another key; chain.h: no complete path, a
     * candidate link failed its signature */
    { .name = "wrong_issuer_signature", .leaf = { .signed_by = KEY_SPARE }, .want = SB_R_SIG_CRYPTO,
      .want_len = NO_CHAIN },

    /* validity; notBefore and notAfter are inclusive */
    { .name = "leaf_expired", .leaf = { .nb = TC_T2020, .na = TC_T2024 }, .want = SB_R_CERT_EXPIRED,
      .want_len = 3 /* the failed path is reported */ },
    { .name = "leaf_valid_at_not_after", .leaf = { .nb = TC_T2020, .na = TC_T2024 }, .at = TC_T2024, .want = SB_OK },
    { .name = "leaf_expired_after_not_after", .leaf = { .nb = TC_T2020, .na = TC_T2024 }, .at = TC_T2024 + 1,
      .want = SB_R_CERT_EXPIRED },
    { .name = "leaf_not_yet_valid", .leaf = { .nb = TC_T2030, .na = TC_T2040 }, .want = SB_R_CERT_NOT_YET_VALID },
    { .name = "leaf_valid_at_not_before", .leaf = { .nb = TC_T2030, .na = TC_T2040 }, .at = TC_T2030, .want = SB_OK },
    { .name = "leaf_not_yet_valid_before_not_before", .leaf = { .nb = TC_T2030, .na = TC_T2040 },
      .at = TC_T2030 - 1, .want = SB_R_CERT_NOT_YET_VALID },
    { .name = "intermediate_expired", .inter = { { .na = TC_T2024 } }, .want = SB_R_CERT_EXPIRED },
    /* path.h: the anchor's own validity is enforced */
    { .name = "anchor_expired", .root = { .na = TC_T2024, .serial = 2 }, .want = SB_R_CERT_EXPIRED },
    /* notBefore 2025-01-01T00:00:00.5Z: not yet valid at 2025-01-01T00:00:00Z, valid one second later */
    { .name = "fractional_not_before", .leaf = { .nb_text = "20250101000000.5Z" }, .want = SB_R_CERT_NOT_YET_VALID },
    { .name = "fractional_not_before_second_later", .leaf = { .nb_text = "20250101000000.5Z" }, .at = TC_T2025 + 1,
      .want = SB_OK },

    /* CA constraints */
    { .name = "intermediate_ca_false", .inter = { { .bc = "critical,CA:FALSE", .ku = "critical,digitalSignature" } },
      .want = SB_R_BASIC_CONSTRAINTS },
    { .name = "intermediate_without_basic_constraints", .inter = { { .bc = NONE, .ku = NONE } },
      .want = SB_R_BASIC_CONSTRAINTS },
    { .name = "intermediate_without_key_cert_sign", .inter = { { .ku = "critical,digitalSignature,cRLSign" } },
      .want = SB_R_KEY_USAGE },
    /* pathLen 0 on CA One, but CA Two sits below it */
    { .name = "path_length_exceeded", .shape = ROOT_INT_INT_LEAF,
      .inter = { { .cn = "CA One", .bc = "critical,CA:TRUE,pathlen:0" } }, .want = SB_R_PATH_LENGTH },
    /* pathLen 0 allows CA One to issue end-entity certificates */
    { .name = "path_length_zero_issues_leaf", .shape = ROOT_INT_INT_LEAF, .leaf_by = BY_FIRST_INTER,
      .inter = { { .cn = "CA One", .bc = "critical,CA:TRUE,pathlen:0" } }, .want = SB_OK },
    /* pathLen 1 allows exactly one intermediate below */
    { .name = "path_length_one_allows_one_below", .shape = ROOT_INT_INT_LEAF,
      .inter = { { .cn = "CA One", .bc = "critical,CA:TRUE,pathlen:1" }, { .bc = "critical,CA:TRUE,pathlen:0" } },
      .want = SB_OK, .want_len = 4 },
    /* key rollover certificate: subject = issuer = CA One, new key, signed by the old key; neither
     * pathLenConstraint nor --max-depth counts it */
    { .name = "path_length_self_issued_not_counted", .shape = ROOT_INT_INT_LEAF,
      .inter = { { .cn = "CA One", .bc = "critical,CA:TRUE,pathlen:0" }, { .self_issued = 1, .serial = 5 } },
      .want = SB_OK, .want_len = 4, .want_path = 1 },
    { .name = "max_depth_self_issued_not_counted", .shape = ROOT_INT_INT_LEAF,
      .inter = { { .cn = "CA One", .bc = "critical,CA:TRUE,pathlen:0" }, { .self_issued = 1, .serial = 5 } },
      .max_depth = DEPTH(1), .want = SB_OK },
    { .name = "max_depth_zero_self_issued", .shape = ROOT_INT_INT_LEAF,
      .inter = { { .cn = "CA One", .bc = "critical,CA:TRUE,pathlen:0" }, { .self_issued = 1, .serial = 5 } },
      .max_depth = DEPTH(0), .want = SB_R_CHAIN_TOO_LONG },
    /* path.h: the anchor's basicConstraints are enforced as for any CA */
    { .name = "anchor_path_length_enforced", .root = { .bc = "critical,CA:TRUE,pathlen:0", .serial = 2 },
      .want = SB_R_PATH_LENGTH },
    { .name = "max_depth_2_two_intermediates", .shape = ROOT_INT_INT_LEAF, .inter = { { .cn = "CA One" } },
      .max_depth = DEPTH(2), .want = SB_OK },
    { .name = "max_depth_1_two_intermediates", .shape = ROOT_INT_INT_LEAF, .inter = { { .cn = "CA One" } },
      .max_depth = DEPTH(1), .want = SB_R_CHAIN_TOO_LONG },
    { .name = "max_depth_1_one_intermediate", .shape = ROOT_INT_INT_LEAF, .inter = { { .cn = "CA One" } },
      .leaf_by = BY_FIRST_INTER, .max_depth = DEPTH(1), .want = SB_OK },
    { .name = "max_depth_0_one_intermediate", .shape = ROOT_INT_INT_LEAF, .inter = { { .cn = "CA One" } },
      .leaf_by = BY_FIRST_INTER, .max_depth = DEPTH(0), .want = SB_R_CHAIN_TOO_LONG },
    { .name = "max_depth_0_leaf_under_root", .shape = ROOT_INT_INT_LEAF, .inter = { { .cn = "CA One" } },
      .leaf_by = BY_ROOT, .max_depth = DEPTH(0), .want = SB_OK },
    { .name = "unknown_critical_extension_leaf", .leaf = { .ext_oid = "1.3.6.1.4.1.55555.1.1", .ext_critical = 1 },
      .want = SB_R_UNKNOWN_CRITICAL_EXT, .want_msg = "1.3.6.1.4.1.55555.1.1" },
    /* the same extension non-critical is ignored */
    { .name = "unknown_noncritical_extension_leaf", .leaf = { .ext_oid = "1.3.6.1.4.1.55555.1.1" }, .want = SB_OK },
    { .name = "unknown_critical_extension_intermediate",
      .inter = { { .ext_oid = "1.3.6.1.4.1.55555.1.2", .ext_critical = 1 } }, .want = SB_R_UNKNOWN_CRITICAL_EXT },

    /* profiles (path.h): RFC 5280 §4 rules that bind the issuing CA are failures only under strict; §6
     * still processes the extensions, and §6.1.4 (k) binds intermediates in every profile */
    { .name = "policy_constraints_noncritical_rfc5280", .inter = { { .pc = "inhibitPolicyMapping:0" } },
      .want = SB_OK },
    { .name = "policy_constraints_noncritical_strict", .inter = { { .pc = "inhibitPolicyMapping:0" } },
      .profile = SB_PROFILE_STRICT, .want = SB_R_CERT_MALFORMED,
      .want_msg = "has a non-critical policyConstraints extension" },
    { .name = "policy_constraints_critical_strict", .inter = { { .pc = "critical,inhibitPolicyMapping:0" } },
      .profile = SB_PROFILE_STRICT, .want = SB_OK },
    /* non-critical, still applied: requireExplicitPolicy 0 and a leaf without certificate policies */
    { .name = "policy_constraints_noncritical_still_applied", .inter = { { .pc = "requireExplicitPolicy:0" } },
      .want = SB_R_POLICY },
    { .name = "anchor_bc_noncritical_rfc5280", .root = { .bc = "CA:TRUE", .serial = 2 }, .want = SB_OK },
    { .name = "anchor_bc_noncritical_strict", .root = { .bc = "CA:TRUE", .serial = 2 }, .profile = SB_PROFILE_STRICT,
      .want = SB_R_BASIC_CONSTRAINTS, .want_msg = "basicConstraints is not critical" },
    { .name = "anchor_bc_noncritical_webpki", .root = { .bc = "CA:TRUE", .serial = 2 }, .profile = SB_PROFILE_WEBPKI,
      .want = SB_R_BASIC_CONSTRAINTS, .want_msg = "basicConstraints is not critical" },
    { .name = "anchor_without_bc_rfc5280", .root = { .bc = NONE, .serial = 2 }, .want = SB_OK },
    { .name = "anchor_without_bc_strict", .root = { .bc = NONE, .serial = 2 }, .profile = SB_PROFILE_STRICT,
      .want = SB_R_CERT_MALFORMED, .want_msg = "asserts keyCertSign without basicConstraints cA" },
    /* the anchor's own cA=false and keyUsage still constrain the path */
    { .name = "anchor_ca_false_rfc5280", .root = { .bc = "critical,CA:FALSE", .ku = NONE, .serial = 2 },
      .want = SB_R_BASIC_CONSTRAINTS },
    { .name = "anchor_without_key_cert_sign_rfc5280", .root = { .ku = "critical,cRLSign", .serial = 2 },
      .want = SB_R_KEY_USAGE },
    { .name = "intermediate_ca_false_strict", .inter = { { .bc = "critical,CA:FALSE", .ku = "critical,digitalSignature" } },
      .profile = SB_PROFILE_STRICT, .want = SB_R_BASIC_CONSTRAINTS },
    { .name = "intermediate_without_basic_constraints_strict", .inter = { { .bc = NONE, .ku = NONE } },
      .profile = SB_PROFILE_STRICT, .want = SB_R_BASIC_CONSTRAINTS },
    { .name = "intermediate_without_ski_rfc5280", .inter = { { .no_ski = 1 } }, .leaf = { .no_aki = 1 },
      .want = SB_OK },
    { .name = "intermediate_without_ski_strict", .inter = { { .no_ski = 1 } }, .leaf = { .no_aki = 1 },
      .profile = SB_PROFILE_STRICT, .want = SB_R_CERT_MALFORMED },
    { .name = "leaf_without_aki_rfc5280", .leaf = { .no_aki = 1 }, .want = SB_OK },
    { .name = "leaf_without_aki_strict", .leaf = { .no_aki = 1 }, .profile = SB_PROFILE_STRICT,
      .want = SB_R_CERT_MALFORMED, .want_msg = "lacks the authorityKeyIdentifier" },
    /* nameConstraints are applied whatever their criticality; strict refuses the non-critical form */
    { .name = "name_constraints_noncritical_rfc5280", .inter = { { .nc = "permitted;DNS:" LEAF_CN } }, .want = SB_OK },
    { .name = "name_constraints_noncritical_rfc5280_applied", .inter = { { .nc = "permitted;DNS:other.example" } },
      .want = SB_R_NAME_CONSTRAINTS },
    { .name = "name_constraints_noncritical_strict", .inter = { { .nc = "permitted;DNS:" LEAF_CN } },
      .profile = SB_PROFILE_STRICT, .want = SB_R_NAME_CONSTRAINTS, .want_msg = "non-critical nameConstraints" },

    /* impostor issuers (RFC 4158): a candidate whose subjectKeyIdentifier contradicts the child's
     * authorityKeyIdentifier is another CA with the same name, never tried as issuer */
    { .name = "impostor_intermediate", .untrusted = UNTRUSTED_IMPOSTOR, .want = SB_R_CHAIN_NO_ANCHOR,
      .want_len = NO_CHAIN, .want_msg = "candidate CN=Test CA" },
    { .name = "impostor_anchor", .shape = ROOT_LEAF, .anchors = ANCHOR_IMPOSTOR, .untrusted = UNTRUSTED_EMPTY,
      .want = SB_R_CHAIN_NO_ANCHOR, .want_len = NO_CHAIN, .want_msg = "trust anchor CN=Test Root" },
    /* the real intermediate beside the impostor still builds the path */
    { .name = "impostor_beside_real_intermediate", .untrusted = UNTRUSTED_IMPOSTOR_INTERS, .want = SB_OK,
      .want_len = 3, .want_path = 1 },

    /* leaf requirements */
    { .name = "eku_server_required_client_only", .eku_nid = NID_server_auth, .leaf = { .eku = "clientAuth" },
      .want = SB_R_EKU },
    { .name = "eku_server_required_client_and_server", .eku_nid = NID_server_auth,
      .leaf = { .eku = "clientAuth,serverAuth" }, .want = SB_OK },
    { .name = "eku_server_required_any", .eku_nid = NID_server_auth, .leaf = { .eku = "anyExtendedKeyUsage" },
      .want = SB_OK },
    /* a leaf without extendedKeyUsage is unrestricted */
    { .name = "eku_server_required_none_in_leaf", .eku_nid = NID_server_auth, .want = SB_OK },
    /* no EKU required: clientAuth-only is fine */
    { .name = "eku_not_required_client_only", .leaf = { .eku = "clientAuth" }, .want = SB_OK },
    { .name = "key_usage_required_present", .key_usage = KU_DIGITAL_SIGNATURE, .want = SB_OK },
    { .name = "key_usage_required_missing", .key_usage = KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION,
      .want = SB_R_KEY_USAGE },
    /* host names use pki/x509/names_match.c (sb_names_match_host) */
    { .name = "hostname_match", .hostname = LEAF_CN, .want = SB_OK },
    { .name = "hostname_match_case_insensitive", .hostname = "LEAF.Example", .want = SB_OK },
    { .name = "hostname_other", .hostname = "other.example", .want = SB_R_NAME_MISMATCH },
    { .name = "hostname_subdomain", .hostname = "sub." LEAF_CN, .want = SB_R_NAME_MISMATCH },
    { .name = "hostname_ip_address", .hostname = "192.0.2.1", .want = SB_R_NAME_MISMATCH },

    /* algorithms in the path */
    { .name = "sha1_leaf_refused", .leaf = { .sha1 = 1 }, .want = SB_R_WEAK_ALGORITHM },
    { .name = "sha1_leaf_allowed", .leaf = { .sha1 = 1 }, .allow_sha1 = 1, .want = SB_OK },
    { .name = "rsa1024_intermediate_refused", .inter = { { .key = KEY_RSA1024 } }, .want = SB_R_WEAK_KEY },
    { .name = "rsa1024_intermediate_allowed", .inter = { { .key = KEY_RSA1024 } }, .min_rsa_bits = 1024,
      .want = SB_OK },
    { .name = "sm2_path", .shape = ROOT_LEAF, .root = { .cn = "SM2 Root", .key = KEY_SM2_ROOT },
      .leaf = { .key = KEY_SM2_LEAF }, .untrusted = UNTRUSTED_NULL, .want = SB_OK },
    { .name = "sm2_path_default_id", .shape = ROOT_LEAF, .root = { .cn = "SM2 Root", .key = KEY_SM2_ROOT },
      .leaf = { .key = KEY_SM2_LEAF }, .untrusted = UNTRUSTED_NULL, .sm2_id = TC_SM2_ID, .want = SB_OK },
    /* --sm2-id that does not match the certificates: a signature failure, diagnosed as the ID */
    { .name = "sm2_path_other_id", .shape = ROOT_LEAF, .root = { .cn = "SM2 Root", .key = KEY_SM2_ROOT },
      .leaf = { .key = KEY_SM2_LEAF }, .untrusted = UNTRUSTED_NULL, .sm2_id = "alice@example.com",
      .want = SB_R_SM2_ID_MISMATCH },

    /* revocation (pki/x509/revocation.c) */
    { .name = "revoked_leaf", .revocation_default = 1, .crl_revokes_leaf = 1, .want = SB_R_REVOKED },
    { .name = "revoked_leaf_revocation_off", .crl_revokes_leaf = 1, .want = SB_OK },
};

/* What a row builds; everything owned. */
struct built {
    X509 *root, *inter[2], *leaf, *noise[2];
    EVP_PKEY *key_root, *key_inter[2];   /* borrowed: the fixture's */
    int n_inter;
    X509 *path[4];                       /* borrowed: leaf, its issuers, root */
    int path_len;
    STACK_OF(X509) *anchors, *untrusted;
    STACK_OF(X509_CRL) *crls;
    STACK_OF(ASN1_OBJECT) *ekus;
};

static EVP_PKEY *key_of(struct fx *f, enum key_id id, EVP_PKEY *role_key)
{
    switch (id) {
    case KEY_ROLE:
        return role_key;
    case KEY_SPARE:
        return f->kx;
    case KEY_RSA1024:
        return f->rsa1024;
    case KEY_SM2_ROOT:
        return f->sm2_root;
    case KEY_SM2_LEAF:
        return f->sm2_leaf;
    default:
        fail_msg("unknown key id %d", (int)id);
        return NULL;
    }
}

/* The certificate of spec s (its role's default) changed by t; *key is the certificate's key. */
static X509 *tweaked(struct fx *f, struct tc_spec s, const struct cert_tweak *t, EVP_PKEY **key)
{
    static const unsigned char null_der[] = { 0x05, 0x00 };
    X509_EXTENSION *ext = NULL;
    X509 *x;

    if (t->cn != NULL) {
        s.cn = t->cn;
    }
    if (t->bc != NULL) {
        s.bc = t->bc[0] != '\0' ? t->bc : NULL;
    }
    if (t->ku != NULL) {
        s.ku = t->ku[0] != '\0' ? t->ku : NULL;
    }
    s.eku = t->eku;
    s.nb = t->nb;
    s.na = t->na;
    if (t->serial != 0) {
        s.serial = t->serial;
    }
    s.key = key_of(f, t->key, s.key);
    if (s.issuer != NULL && t->signed_by != KEY_ROLE) {
        s.issuer_key = key_of(f, t->signed_by, NULL);
    }
    if (t->sha1) {
        s.md = EVP_sha1();
    }
    if (t->self_issued) {
        s.subject = X509_get_subject_name(s.issuer);
    }
    if (t->ext_oid != NULL) {
        s.extra[0] = ext = tc_ext_raw(t->ext_oid, t->ext_critical, null_der, 2);
    }
    if (t->pc != NULL) {
        assert_non_null(s.extra[1] = X509V3_EXT_conf_nid(NULL, NULL, NID_policy_constraints, t->pc));
    }
    if (t->nc != NULL) {
        assert_non_null(s.extra[2] = X509V3_EXT_conf_nid(NULL, NULL, NID_name_constraints, t->nc));
    }
    s.no_ski = t->no_ski;
    s.no_aki = t->no_aki;
    x = tc_make(&s);
    X509_EXTENSION_free(ext);
    X509_EXTENSION_free(s.extra[1]);
    X509_EXTENSION_free(s.extra[2]);
    if (t->nb_text != NULL) {
        ASN1_TIME *nb = ASN1_STRING_type_new(V_ASN1_GENERALIZEDTIME);

        assert_non_null(nb);
        assert_int_equal(ASN1_STRING_set(nb, t->nb_text, -1), 1);
        assert_int_equal(X509_set1_notBefore(x, nb), 1);
        assert_true(X509_sign(x, s.issuer != NULL ? s.issuer_key : s.key, EVP_sha256()) > 0);
        x = tc_reparse(x);
        ASN1_STRING_free(nb);
    }
    *key = s.key;
    return x;
}

static void push_ref(STACK_OF(X509) *sk, X509 *x)
{
    assert_int_equal(X509_up_ref(x), 1);
    assert_true(sk_X509_push(sk, x) > 0);
}

static void built_make(struct fx *f, const struct chain_case *c, struct built *b)
{
    static const char *const inter_cn[2] = { "Test CA", "CA Two" };
    EVP_PKEY *inter_key[2] = { f->ki, f->ki2 }, *issuer_key, *leaf_key;
    struct tc_spec root_spec;
    X509 *issuer;
    int i, by;

    memset(b, 0, sizeof(*b));
    b->n_inter = c->shape == ROOT_LEAF ? 0 : c->shape == ROOT_INT_INT_LEAF ? 2 : 1;
    root_spec = ca_spec("Test Root", f->kr, NULL, NULL);
    root_spec.serial = 0; /* tc_root's */
    b->root = tweaked(f, root_spec, &c->root, &b->key_root);
    issuer = b->root;
    issuer_key = b->key_root;
    for (i = 0; i < b->n_inter; i++) {
        b->inter[i] = tweaked(f, ca_spec(inter_cn[i], inter_key[i], issuer, issuer_key), &c->inter[i],
                              &b->key_inter[i]);
        issuer = b->inter[i];
        issuer_key = b->key_inter[i];
    }
    by = c->leaf_by == BY_ROOT ? 0 : c->leaf_by == BY_FIRST_INTER ? 1 : b->n_inter;
    issuer = by == 0 ? b->root : b->inter[by - 1];
    issuer_key = by == 0 ? b->key_root : b->key_inter[by - 1];
    b->leaf = tweaked(f, leaf_spec(f->kl, issuer, issuer_key), &c->leaf, &leaf_key);
    b->path[b->path_len++] = b->leaf;
    for (i = by; i > 0; i--) {
        b->path[b->path_len++] = b->inter[i - 1];
    }
    b->path[b->path_len++] = b->root;

    assert_non_null(b->anchors = sk_X509_new_null());
    switch (c->anchors) {
    case ANCHOR_ROOT:
        push_ref(b->anchors, b->root);
        break;
    case ANCHOR_LEAF:
        push_ref(b->anchors, b->leaf);
        break;
    case ANCHOR_INTER:
        push_ref(b->anchors, b->inter[0]);
        break;
    case ANCHOR_NONE:
        break;
    case ANCHOR_IMPOSTOR:
        b->noise[1] = tc_root("Test Root", f->kx);
        push_ref(b->anchors, b->noise[1]);
        break;
    default:
        fail_msg("unknown anchors %d", (int)c->anchors);
    }
    if (c->untrusted != UNTRUSTED_NULL) {
        assert_non_null(b->untrusted = sk_X509_new_null());
    }
    if (c->untrusted == UNTRUSTED_NOISE) {
        b->noise[1] = tc_root("Unrelated Root", f->kx);
        b->noise[0] = tc_inter("Other CA", f->ki2, b->noise[1], f->kx, -1);
        push_ref(b->untrusted, b->noise[0]);
        push_ref(b->untrusted, b->noise[1]);
    }
    if (c->untrusted == UNTRUSTED_INTERS || c->untrusted == UNTRUSTED_INTERS_ROOT ||
        c->untrusted == UNTRUSTED_NOISE || c->untrusted == UNTRUSTED_IMPOSTOR_INTERS) {
        for (i = 0; i < b->n_inter; i++) {
            push_ref(b->untrusted, b->inter[i]);
        }
    }
    if (c->untrusted == UNTRUSTED_IMPOSTOR || c->untrusted == UNTRUSTED_IMPOSTOR_INTERS) {
        b->noise[0] = tc_inter("Test CA", f->kx, b->root, b->key_root, -1);
        push_ref(b->untrusted, b->noise[0]);
    }
    if (c->untrusted == UNTRUSTED_INTERS_ROOT) {
        push_ref(b->untrusted, b->root);
    }
    if (c->untrusted == UNTRUSTED_NOISE) {
        push_ref(b->untrusted, b->leaf);
    }
    if (c->crl_revokes_leaf) {
        long serial = c->leaf.serial != 0 ? c->leaf.serial : 3; /* tc_leaf's serial */

        assert_non_null(b->crls = sk_X509_CRL_new_null());
        assert_true(sk_X509_CRL_push(b->crls, tc_crl(issuer, issuer_key, TC_T2024, TC_T2030, &serial, 1, NULL)) > 0);
    }
}

static void built_free(struct built *b)
{
    int i;

    X509_free(b->root);
    for (i = 0; i < 2; i++) {
        X509_free(b->inter[i]);
        X509_free(b->noise[i]);
    }
    X509_free(b->leaf);
    sk_X509_pop_free(b->anchors, X509_free);
    sk_X509_pop_free(b->untrusted, X509_free);
    sk_X509_CRL_pop_free(b->crls, X509_CRL_free);
    sk_ASN1_OBJECT_free(b->ekus); /* OBJ_nid2obj objects are static */
}

static void case_opts(const struct chain_case *c, struct built *b, struct sb_path_opts *o)
{
    opts_init(o);
    if (c->revocation_default) {
        sb_path_opts_init(o);
        o->at = TC_T2025;
    }
    if (c->at != 0) {
        o->at = c->at;
    }
    if (c->max_depth != 0) {
        o->max_depth = c->max_depth - 1;
    }
    if (c->hostname != NULL) {
        o->hostname = c->hostname;
    }
    if (c->eku_nid != 0) {
        assert_non_null(b->ekus = sk_ASN1_OBJECT_new_null());
        assert_true(sk_ASN1_OBJECT_push(b->ekus, OBJ_nid2obj(c->eku_nid)) > 0);
        o->ekus = b->ekus;
    }
    if (c->key_usage != 0) {
        o->key_usage = c->key_usage;
    }
    if (c->allow_sha1) {
        o->algs.allow_sha1 = 1;
    }
    if (c->min_rsa_bits != 0) {
        o->algs.min_rsa_bits = c->min_rsa_bits;
    }
    if (c->sm2_id != NULL) {
        o->sm2_id = c->sm2_id;
    }
    o->crls = b->crls;
    o->profile = c->profile;
}

static void run_chain_case(void **state)
{
    const struct chain_case *c = ct_row(state);
    struct sb_path_opts o;
    struct built b;
    struct outcome r;
    int i;

    built_make(ct_fx(state), c, &b);
    case_opts(c, &b, &o);
    r = validate(&o, b.leaf, b.anchors, b.untrusted);
    expect(&r, c->want);
    if (c->want_len == NO_CHAIN) {
        assert_int_equal(r.len, 0);
    } else if (c->want_len != 0) {
        assert_int_equal(r.len, c->want_len);
    }
    if (c->want_path) {
        assert_int_equal(r.len, b.path_len);
        for (i = 0; i < b.path_len; i++) {
            assert_ptr_equal(r.chain[i], b.path[i]);
        }
    }
    if (c->want_msg != NULL && strstr(r.err.msg, c->want_msg) == NULL) {
        fail_msg("message '%s' lacks '%s'", r.err.msg, c->want_msg);
    }
    built_free(&b);
}

/* ---- paths a table row cannot describe -------------------------------------------------------- */

static void test_alternative_issuer_when_first_expired(void **state)
{
    struct fx *f = ct_fx(state);
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

/* ---- hostile inputs: bounded answers ---------------------------------------------------------- */

static void test_loop_without_anchor(void **state)
{
    struct fx *f = ct_fx(state);
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
    struct fx *f = ct_fx(state);
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
    struct fx *f = ct_fx(state);
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
    struct fx *f = ct_fx(state);
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
    struct fx *f = ct_fx(state);
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
    static const struct ct_fn fns[] = {
        CT_FN(test_alternative_issuer_when_first_expired),
        CT_FN(test_failure_message_is_utf8),
        CT_FN(test_loop_without_anchor),
        CT_FN(test_same_subject_pool_bounded),
        CT_FN(test_chain_of_100_bounded),
        CT_FN(test_policy_mappings_10000_bounded),
        CT_FN(test_policy_work_bounded_across_paths),
    };
    static const struct ct_table tables[] = {
        CT_TABLE(chain_cases, run_chain_case),
    };
    struct fx fx;
    const struct ct_fixture fixture = { &fx, fx_make, fx_free };

    memset(&fx, 0, sizeof(fx));
    return ct_main("test_chain", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
