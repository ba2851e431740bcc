/*
 * tests/unit/test_recognition.c — mutual-recognition rules (pki/policy/recognition.h): decisions on the demo
 * PKIs under the shipped policies (recognised, wrong policy OID, no rule for the pair, assurance level
 * too low), and recognition.yaml's strictness (one broken file per defect with the exact located
 * message, attestation key file modes, key/certificate mismatch, format vs key type).
 *
 * Files are written into a fresh temporary directory (tests/unit/tp_fixture.h) whose `pki` and
 * `build/pki` link to the fixture PKIs of tests/pki/make-all.sh ($SB_PKI, default build/pki).
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

#include "pki/x509/chain.h"
#include "pki/policy/recognition.h"
#include "pki/policy/trust_policy.h"
#include "tests/unit/tp_fixture.h"

#define ATTEST_CN "  attest: { format: gmt0010, key: pki/cn/leaf.key, cert: pki/cn/leaf.pem }\n"

struct bad_case {
    const char *name;
    const char *yaml;
    const char *expect;      /* the first message, with the temp dir as "@" */
};

static const struct bad_case bad_cases[] = {
    { "unknown jurisdiction with a hint", "- from: hx\n  to: cn\n  accept: { min_level: high }\n",
      "@/r.yaml:1:9: [0].from: unknown jurisdiction 'hx' (did you mean 'hk'?)" },
    { "unknown jurisdiction", "- from: hk\n  to: tw\n  accept: { min_level: high }\n",
      "@/r.yaml:2:7: [0].to: unknown jurisdiction 'tw' (the policy files define: cn, hk, mo)" },
    { "rule to itself", "- from: hk\n  to: hk\n  accept: { min_level: high }\n",
      "@/r.yaml:2:7: [0].to: a rule from 'hk' to itself is meaningless; name the receiving jurisdiction" },
    { "two rules for one pair",
      "- from: hk\n  to: cn\n  accept: { min_level: high }\n- from: hk\n  to: cn\n  accept: { min_level: low }\n",
      "@/r.yaml:4:3: [1]: a second rule from hk to cn (the first is at line 1, column 3)" },
    { "empty accept", "- from: hk\n  to: cn\n  accept: {}\n",
      "@/r.yaml:3:11: [0].accept: expected policy_oids and/or min_level (an empty accept would recognise every "
      "certificate)" },
    { "missing accept", "- from: hk\n  to: cn\n",
      "@/r.yaml:1:3: [0].accept: required key is missing (expected a mapping with policy_oids and/or min_level)" },
    { "missing from", "- to: cn\n  accept: { min_level: high }\n",
      "@/r.yaml:1:3: [0].from: required key is missing (expected the sending jurisdiction's id)" },
    { "unknown min_level", "- from: hk\n  to: cn\n  accept: { min_level: medium }\n",
      "@/r.yaml:3:24: [0].accept.min_level: expected one of low, substantial, high, got 'medium'" },
    { "malformed accepted OID", "- from: hk\n  to: cn\n  accept: { policy_oids: [\"2.16.344.8.2.2008.810.2*\"] }\n",
      "@/r.yaml:3:27: [0].accept.policy_oids[0]: '2.16.344.8.2.2008.810.2*' is not an OID or OID prefix (such as "
      "2.16.344.8.*): '*' may only stand for the last arc, after a dot (such as 2.16.344.*)" },
    { "unknown key with a hint", "- from: hk\n  to: cn\n  accept: { min_level: high }\n  atest: {}\n",
      "@/r.yaml:4:3: [0].atest: unknown key (did you mean 'attest'?)" },
    { "key of another section", "- from: hk\n  to: cn\n  min_level: high\n",
      "@/r.yaml:3:3: [0].min_level: unknown key (did you mean 'accept.min_level'?)" },
    { "unknown attest format", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: pkcs7, key: pki/cn/leaf.key, cert: pki/cn/leaf.pem }\n",
      "@/r.yaml:4:21: [0].attest.format: expected one of cms, gmt0010, xmldsig, got 'pkcs7'" },
    { "attest without key", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: cms, cert: pki/cn/leaf.pem }\n",
      "@/r.yaml:4:11: [0].attest.key: required key is missing (expected the gateway's private key file (mode 600))" },
    { "key readable by others", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: gmt0010, key: k644.key, cert: pki/cn/leaf.pem }\n",
      "@/r.yaml:4:35: [0].attest.key: private key 'k644.key' (resolved to @/k644.key) is accessible by group or "
      "others (mode 0644); chmod 600 it" },
    { "key file missing", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: gmt0010, key: nokey.key, cert: pki/cn/leaf.pem }\n",
      "@/r.yaml:4:35: [0].attest.key: cannot read 'nokey.key' (resolved to @/nokey.key): No such file or directory" },
    { "key file is not a key", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: cms, key: notkey.key, cert: pki/cn/leaf.pem }\n",
      "@/r.yaml:4:31: [0].attest.key: not a private key file: @/notkey.key: not a PEM or DER private key "
      "(error:1E08010C:DECODER routines::unsupported)" },
    { "certificate of another key", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: cms, key: pki/cn/leaf.key, cert: pki/hk/leaf.pem }\n",
      "@/r.yaml:4:54: [0].attest.cert: certificate CN=CHAN Tai Man (test),OU=e-Cert (Personal),O=Hongkong Post "
      "(test),C=HK does not belong to the private key in attest.key" },
    { "gmt0010 with an RSA key", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: gmt0010, key: pki/hk/leaf.key, cert: pki/hk/leaf.pem }\n",
      "@/r.yaml:4:21: [0].attest.format: gmt0010 attestations need an SM2 key; attest.key is RSA" },
    { "attestation certificate missing", "- from: hk\n  to: cn\n  accept: { min_level: high }\n"
      "  attest: { format: gmt0010, key: pki/cn/leaf.key, cert: pki/cn/none.pem }\n",
      "@/r.yaml:4:58: [0].attest.cert: cannot read 'pki/cn/none.pem' (resolved to @/pki/cn/none.pem): No such file "
      "or directory" },
    { "top level is a mapping", "from: hk\nto: cn\n",
      "@/r.yaml:1:1: expected a list of rules (- from: hk ...) at the top level, got a mapping" },
    { "rule is a string", "- hk -> cn\n",
      "@/r.yaml:1:3: [0]: expected a rule (a mapping with from, to, accept, attest), got string 'hk -> cn'" },
    { "YAML alias", "- from: &h hk\n  to: cn\n  accept: { min_level: high }\n- from: *h\n  to: mo\n"
      "  accept: { min_level: high }\n",
      "@/r.yaml:1:9: YAML anchors (&h) are not allowed in policy files; write the value out" },
    { "duplicate key in a rule", "- from: hk\n  to: cn\n  to: mo\n  accept: { min_level: high }\n",
      "@/r.yaml:3:3: [0].to: duplicate key (first at line 2, column 3)" },
};

struct fx {
    struct tpf t;
    struct sb_policy_set *shipped;
};

static struct sb_policy_set *load_set(struct fx *f, const char *sub)
{
    struct sb_policy_set *s = NULL;
    struct sb_diag d;
    struct sb_err err;
    char dir[PATH_MAX];
    size_t i;

    tpf_path(&f->t, sub, dir, sizeof(dir));
    sb_diag_init(&d);
    if (sb_policy_set_load(dir, &d, &s, &err) != SB_OK) {
        for (i = 0; i < d.n; i++) {
            print_error("%s\n", d.msgs[i]);
        }
    }
    sb_diag_clear(&d);
    return s;
}

static int group_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char key[PATH_MAX + 32], dst[PATH_MAX];
    size_t len = 0;
    char *text;

    if (f == NULL || tpf_setup(&f->t) != 0) {
        free(f);
        return -1;
    }
    tpf_copy_shipped(&f->t, "hk.yaml");
    tpf_copy_shipped(&f->t, "cn.yaml");
    tpf_copy_shipped(&f->t, "mo.yaml");
    tpf_copy_shipped(&f->t, "recognition.yaml");
    /* a private key with mode 0644, and a mode-0600 file that is no key */
    snprintf(key, sizeof(key), "%s/cn/leaf.key", f->t.pki);
    if ((text = tpf_slurp(key, &len)) == NULL) {
        return -1;
    }
    tpf_write(&f->t, "k644.key", text, len);
    free(text);
    tpf_path(&f->t, "k644.key", dst, sizeof(dst));
    if (chmod(dst, 0644) != 0) {
        return -1;
    }
    tpf_write_str(&f->t, "notkey.key", "not a key\n");
    tpf_path(&f->t, "notkey.key", dst, sizeof(dst));
    if (chmod(dst, 0600) != 0) {
        return -1;
    }
    if ((f->shipped = load_set(f, "policies")) == NULL) {
        return -1;
    }
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;

    sb_policy_set_free(f->shipped);
    tpf_teardown(&f->t);
    free(f);
    return 0;
}

/* sb_recognise on a PKI file leaf, without (NULL) a valid policy set. */
static enum sb_reason recognise(const struct sb_policy_set *s, const char *from, const char *to, X509 *leaf,
                                STACK_OF(ASN1_OBJECT) *valid, struct sb_recognition_decision *d, struct sb_err *err)
{
    sb_err_clear(err);
    return sb_recognise(s, from, to, leaf, valid, d, err);
}

/* ---- decisions on the demo PKIs ----------------------------------------------------------------- */

static void test_recognise_hk_mr_leaf_by_cn_and_mo(void **state)
{
    struct fx *f = *state;
    const struct sb_trust_policy *hk = sb_policy_set_find(f->shipped, "hk");
    struct sb_chain_result res = { NULL, NULL, NULL, 0 };
    struct sb_recognition_decision d;
    struct sb_tp_inputs in;
    struct sb_err err;
    X509 *leaf = tpf_cert(&f->t, "hk/leaf.pem");

    /* validated under hk's own policy first, then recognised with the path's valid policy set */
    assert_int_equal(sb_trust_policy_prepare(hk, NULL, NULL, time(NULL), &in, &err), SB_OK);
    assert_int_equal(sb_trust_policy_validate(hk, &in, leaf, &res, &err), SB_OK);
    assert_int_equal(recognise(f->shipped, "hk", "cn", leaf, res.policies, &d, &err), SB_OK);
    assert_true(d.accepted);
    assert_int_equal(d.rule, 0);
    assert_string_equal(d.matched_oid, "2.16.344.8.2.2008.810.2.2012.1.0");
    assert_string_equal(d.matched_pattern->text, "2.16.344.8.2.2008.810.2.*");
    assert_int_equal(d.level, SB_TP_LEVEL_HIGH);
    assert_string_equal(d.why_not, "");
    assert_int_equal(recognise(f->shipped, "hk", "mo", leaf, res.policies, &d, &err), SB_OK);
    assert_true(d.accepted);
    assert_int_equal(d.rule, 1);
    sb_chain_result_clear(&res);
    sb_tp_inputs_clear(&in);
    X509_free(leaf);
}

static void test_recognise_wrong_policy_names_oid_and_rule(void **state)
{
    struct fx *f = *state;
    struct sb_recognition_decision d;
    struct sb_err err;
    char got[SB_ERR_MSG_MAX + 64], want[SB_ERR_MSG_MAX + 64];
    X509 *leaf = tpf_cert(&f->t, "hk/leaf-wrongpolicy.pem");

    assert_int_equal(recognise(f->shipped, "hk", "cn", leaf, NULL, &d, &err), SB_R_POLICY);
    assert_false(d.accepted);
    assert_int_equal(d.rule, 0);
    assert_null(d.matched_pattern);
    tpf_norm(&f->t, d.why_not, got, sizeof(got));
    snprintf(want, sizeof(want), "certificate policy 1.2.3.4.5 of CN=CHAN Tai Man (test\\, wrong policy),OU=e-Cert "
             "(Personal),O=Hongkong Post (test),C=HK matches none of rule [0] hk -> cn "
             "(@/policies/recognition.yaml:%u:3) accept.policy_oids [2.16.344.8.2.2008.810.2.*]",
             sb_recognition_find(sb_policy_set_recognition(f->shipped), "hk", "cn", NULL)->line);
    assert_string_equal(got, want);
    assert_string_equal(err.msg, d.why_not);
    X509_free(leaf);
}

static void test_recognise_no_rule_for_pair(void **state)
{
    struct fx *f = *state;
    struct sb_recognition_decision d;
    struct sb_err err;
    char got[SB_ERR_MSG_MAX + 64];
    X509 *leaf = tpf_cert(&f->t, "cn/leaf.pem");

    assert_int_equal(recognise(f->shipped, "cn", "mo", leaf, NULL, &d, &err), SB_R_POLICY);
    assert_int_equal(d.rule, -1);
    tpf_norm(&f->t, d.why_not, got, sizeof(got));
    assert_string_equal(got, "no recognition rule from cn to mo in @/policies/recognition.yaml: mo does not "
                             "recognise cn certificates");
    assert_int_equal(recognise(f->shipped, "cn", "hk", leaf, NULL, &d, &err), SB_OK);
    assert_int_equal(d.rule, 2);
    assert_int_equal(d.level, SB_TP_LEVEL_HIGH);
    assert_int_equal(recognise(f->shipped, "cn", "tw", leaf, NULL, &d, &err), SB_R_USAGE);
    assert_int_equal(recognise(f->shipped, "xx", "hk", leaf, NULL, &d, &err), SB_R_USAGE);
    X509_free(leaf);
}

static void test_recognise_mo_leaves_by_hk(void **state)
{
    struct fx *f = *state;
    struct sb_recognition_decision d;
    struct sb_err err;
    X509 *rsa = tpf_cert(&f->t, "mo/leaf-rsa.pem"), *ec = tpf_cert(&f->t, "mo/leaf-ec.pem");

    assert_int_equal(recognise(f->shipped, "mo", "hk", rsa, NULL, &d, &err), SB_OK);
    assert_int_equal(d.rule, 3);
    assert_int_equal(d.level, SB_TP_LEVEL_SUBSTANTIAL);
    assert_string_equal(d.matched_oid, "1.3.6.1.4.1.99999.1.1");
    assert_int_equal(recognise(f->shipped, "mo", "hk", ec, NULL, &d, &err), SB_OK);
    /* an MO certificate presented as if it came from hk */
    assert_int_equal(recognise(f->shipped, "hk", "cn", ec, NULL, &d, &err), SB_R_POLICY);
    X509_free(rsa);
    X509_free(ec);
}

static void test_recognise_min_level(void **state)
{
    struct fx *f = *state;
    struct sb_policy_set *s;
    struct sb_recognition_decision d;
    struct sb_err err;
    X509 *mo = tpf_cert(&f->t, "mo/leaf-rsa.pem"), *hk = tpf_cert(&f->t, "hk/leaf.pem");
    char hkyaml[PATH_MAX + 32], *text, got[SB_ERR_MSG_MAX + 64];
    size_t len;

    snprintf(hkyaml, sizeof(hkyaml), "%s/policies/hk.yaml", f->t.repo);
    assert_non_null(text = tpf_slurp(hkyaml, &len));
    tpf_write(&f->t, "lvl/hk.yaml", text, len);
    free(text);
    snprintf(hkyaml, sizeof(hkyaml), "%s/policies/mo.yaml", f->t.repo);
    assert_non_null(text = tpf_slurp(hkyaml, &len));
    tpf_write(&f->t, "lvl/mo.yaml", text, len);
    free(text);
    tpf_write_str(&f->t, "lvl/recognition.yaml",
                  "- from: mo\n  to: hk\n  accept: { policy_oids: [\"1.3.6.1.4.1.99999.*\"], min_level: high }\n"
                  "- from: hk\n  to: mo\n  accept: { min_level: substantial }\n");
    assert_non_null(s = load_set(f, "lvl"));
    assert_int_equal(recognise(s, "mo", "hk", mo, NULL, &d, &err), SB_R_POLICY);
    assert_int_equal(d.level, SB_TP_LEVEL_SUBSTANTIAL);
    assert_string_equal(d.matched_oid, "1.3.6.1.4.1.99999.1.1");
    tpf_norm(&f->t, d.why_not, got, sizeof(got));
    assert_string_equal(got, "CN=CHAN Siu Ming (test\\, RSA),OU=Qualified Certificate,O=eSignTrust (test),C=MO has "
                             "assurance level substantial under mo's certificate.assurance_levels; rule [0] mo -> hk "
                             "(@/lvl/recognition.yaml:1:3) requires min_level high");
    /* a level-only rule */
    assert_int_equal(recognise(s, "hk", "mo", hk, NULL, &d, &err), SB_OK);
    assert_int_equal(d.level, SB_TP_LEVEL_HIGH);
    assert_string_equal(d.matched_oid, "");
    sb_policy_set_free(s);
    X509_free(mo);
    X509_free(hk);
}

static void test_recognise_without_recognition_file(void **state)
{
    struct fx *f = *state;
    struct sb_policy_set *s;
    struct sb_recognition_decision d;
    struct sb_err err;
    X509 *hk = tpf_cert(&f->t, "hk/leaf.pem");

    tpf_write_str(&f->t, "norules/hk.yaml", "jurisdiction: hk\ntrust_anchors: [{file: ../pki/hk/root.pem}]\n");
    tpf_write_str(&f->t, "norules/cn.yaml", "jurisdiction: cn\ntrust_anchors: [{file: ../pki/cn/root.pem}]\n");
    assert_non_null(s = load_set(f, "norules"));
    assert_null(sb_policy_set_recognition(s)->file);
    assert_int_equal(recognise(s, "hk", "cn", hk, NULL, &d, &err), SB_R_POLICY);
    assert_string_equal(d.why_not, "no recognition rule from hk to cn: cn does not recognise hk certificates");
    sb_policy_set_free(s);
    X509_free(hk);
}

/* ---- recognition.yaml strictness ---------------------------------------------------------------- */

static void test_recognition_load_broken_files(void **state)
{
    static const char *const ids[] = { "cn", "hk", "mo" };
    struct fx *f = *state;
    struct sb_recognition *rec;
    struct sb_diag d;
    struct sb_err err;
    char path[PATH_MAX], got[2048];
    size_t i, j, bad = 0, n = sizeof(bad_cases) / sizeof(bad_cases[0]);
    enum sb_reason rc;

    tpf_path(&f->t, "r.yaml", path, sizeof(path));
    for (i = 0; i < n; i++) {
        tpf_write_str(&f->t, "r.yaml", bad_cases[i].yaml);
        sb_diag_init(&d);
        sb_err_clear(&err);
        rec = NULL;
        rc = sb_recognition_load(path, ids, 3, &d, &rec, &err);
        tpf_norm(&f->t, d.n > 0 ? d.msgs[0] : "(no message)", got, sizeof(got));
        if (rc != SB_R_INPUT_MALFORMED || rec != NULL || strcmp(got, bad_cases[i].expect) != 0) {
            print_error("case %zu '%s': rc %s\n  expected: %s\n  got:      %s\n", i, bad_cases[i].name,
                        sb_reason_name(rc), bad_cases[i].expect, got);
            bad++;
        }
        for (j = 0; j < d.n; j++) {
            if (!tpf_located(d.msgs[j], path)) {
                print_error("case %zu: message %zu not located: %s\n", i, j, d.msgs[j]);
                bad++;
            }
        }
        sb_recognition_free(rec);
        sb_diag_clear(&d);
    }
    assert_int_equal(bad, 0);
}

static void test_recognition_load_good(void **state)
{
    static const char *const ids[] = { "cn", "hk", "mo" };
    struct fx *f = *state;
    struct sb_recognition *rec = NULL;
    const struct sb_recognition_rule *r;
    struct sb_diag d;
    struct sb_err err;
    char path[PATH_MAX];
    size_t idx = 9;

    tpf_write_str(&f->t, "good.yaml", "[]\n");
    tpf_path(&f->t, "good.yaml", path, sizeof(path));
    sb_diag_init(&d);
    assert_int_equal(sb_recognition_load(path, ids, 3, &d, &rec, &err), SB_OK);
    assert_int_equal(rec->n, 0);
    sb_recognition_free(rec);
    tpf_write_str(&f->t, "good.yaml",
                  "# two rules\n- from: hk\n  to: cn\n"
                  "  accept: { policy_oids: [\"2.16.344.*\", \"1.2.3\"], min_level: low }\n" ATTEST_CN
                  "- from: cn\n  to: hk\n  accept:\n    min_level: substantial\n");
    assert_int_equal(sb_recognition_load(path, ids, 3, &d, &rec, &err), SB_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(rec->n, 2);
    assert_non_null(r = sb_recognition_find(rec, "cn", "hk", &idx));
    assert_int_equal(idx, 1);
    assert_int_equal(r->line, 6);
    assert_int_equal(r->min_level, SB_TP_LEVEL_SUBSTANTIAL);
    assert_false(r->has_attest);
    assert_non_null(r = sb_recognition_find(rec, "hk", "cn", NULL));
    assert_int_equal(r->policy_oids.n, 2);
    assert_true(r->has_attest);
    assert_int_equal(r->attest_format, SB_ATTEST_GMT0010);
    assert_non_null(r->attest_cert);
    assert_non_null(strstr(r->attest_key, "/pki/cn/leaf.key"));
    assert_null(sb_recognition_find(rec, "mo", "hk", NULL));
    assert_string_equal(sb_attest_format_name(SB_ATTEST_XMLDSIG), "xmldsig");
    sb_recognition_free(rec);
    sb_diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recognise_hk_mr_leaf_by_cn_and_mo),
        cmocka_unit_test(test_recognise_wrong_policy_names_oid_and_rule),
        cmocka_unit_test(test_recognise_no_rule_for_pair),
        cmocka_unit_test(test_recognise_mo_leaves_by_hk),
        cmocka_unit_test(test_recognise_min_level),
        cmocka_unit_test(test_recognise_without_recognition_file),
        cmocka_unit_test(test_recognition_load_broken_files),
        cmocka_unit_test(test_recognition_load_good),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
