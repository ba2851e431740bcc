/*
 * `sigbridge policy explain` — a step-by-step account of whether a certificate from one jurisdiction is
 * recognised by another: validation under the sending side's trust policy (which anchor, which path),
 * the sending side's certificate requirements (path length, key usage, policy OIDs, assurance level),
 * then the recognition rule (which OIDs matched which patterns, why not). Text or JSON (--json).
 */
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "pki/x509/cert_format.h"
#include "pki/base/load.h"
#include "pki/policy/recognition.h"
#include "pki/verdict/report.h"
#include "pki/verdict/report_revocation.h"
#include "pki/verdict/validate.h"
#include "pki/base/rfc3339_time.h"

/* ---- policy explain ------------------------------------------------------------------------------ */

struct explain {
    const char *dir, *from, *to;
    struct sb_policy_set *set;
    const struct sb_trust_policy *fp;
    X509 *leaf;                                  /* borrowed from certs */
    STACK_OF(X509) *certs;                       /* owned: CERT file contents */
    STACK_OF(X509) *extra;                       /* owned: certs[1..] */
    time_t at;
    int at_given;                                /* --at was given */
    struct sb_tp_inputs in;
    struct sb_chain_result res;
    enum sb_reason rc_chain, rc_pol, rc_rec, rc;
    struct sb_err e_chain, e_pol, e_rec;
    struct sb_tp_policy_match match;
    struct sb_tp_cert_policies leaf_cp;          /* the leaf's own certificatePolicies */
    struct sb_tp_cert_policies cp;               /* those that count (valid policy set) */
    enum sb_tp_level level;
    const char *level_oid;
    struct sb_recognition_decision dec;
    const struct sb_recognition_rule *rule;
    char message[2048];
};

static void explain_usage(FILE *f)
{
    fprintf(f,
            "usage: sigbridge policy explain [--policy-dir DIR] --from JUR --to JUR [--at TIME] [--json] CERT\n"
            "  Explains, step by step, whether JUR-to recognises the certificate CERT issued in JUR-from:\n"
            "  validation under JUR-from's trust policy in DIR (anchor, path), its certificate requirements,\n"
            "  then the from -> to rule of DIR/recognition.yaml.\n"
            "  --policy-dir DIR   policy directory (default policies)\n"
            "  --at TIME          validation time, RFC 3339 (default now)\n"
            "  --json             one JSON object on stdout\n"
            "exit: 0 recognised, 1 failed, 3 indeterminate / not recognised, 2 usage or configuration error\n");
}

static void run_explain(struct explain *x)
{
    const struct sb_recognition *rec = sb_policy_set_recognition(x->set);
    size_t idx = 0;
    int i;

    sb_err_clear(&x->e_chain);
    sb_err_clear(&x->e_pol);
    sb_err_clear(&x->e_rec);
    /* the same path checks as every signature's under sb_validate: chain, then the policy's own rules */
    (void)sb_validate_path(x->fp, &x->in, x->leaf, &x->res, &x->match, &x->e_chain, &x->e_pol);
    x->rc_chain = x->e_chain.reason;
    x->rc_pol = x->e_pol.reason;
    sb_tp_cert_policies(x->leaf, NULL, &x->leaf_cp);
    if (x->rc_chain == SB_OK) {
        sb_tp_cert_policies(x->leaf, x->res.policies, &x->cp);
    } else {
        x->cp = x->leaf_cp;
    }
    x->level = sb_trust_policy_level(x->fp, &x->cp, &x->level_oid);
    x->rule = sb_recognition_find(rec, x->from, x->to, &idx);
    x->rc_rec = sb_recognise(x->set, x->from, x->to, x->leaf, x->rc_chain == SB_OK ? x->res.policies : NULL, &x->dec,
                             &x->e_rec);
    x->rc = x->rc_chain != SB_OK ? x->rc_chain : x->rc_pol != SB_OK ? x->rc_pol : x->rc_rec;
    if (x->rc == SB_OK) {
        snprintf(x->message, sizeof(x->message), "%s recognises this %s certificate", x->to, x->from);
        return;
    }
    i = snprintf(x->message, sizeof(x->message), "not recognised by %s: %s", x->to,
                 x->rc_chain != SB_OK ? x->e_chain.msg : x->rc_pol != SB_OK ? x->e_pol.msg : x->e_rec.msg);
    if ((x->rc_chain != SB_OK || x->rc_pol != SB_OK) && x->rc_rec != SB_OK && i > 0 && (size_t)i < sizeof(x->message)) {
        snprintf(x->message + i, sizeof(x->message) - (size_t)i, "; and the rule would not accept it either: %s",
                 x->dec.why_not);
    }
}

static void cp_text(const struct sb_tp_cert_policies *cp, char *buf, size_t len)
{
    size_t i, o = 0;

    snprintf(buf, len, "(none)");
    for (i = 0; i < cp->n && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s%s", i > 0 ? ", " : "", cp->oid[i]);

        o += w > 0 ? (size_t)w : 0;
    }
}

static void ku_names(uint32_t bits, char *buf, size_t len)
{
    uint32_t b;
    size_t o = 0;
    const char *n;

    snprintf(buf, len, "(none)");
    for (b = 1; b <= 0x8000; b <<= 1) {
        if ((bits & b) != 0 && (n = sb_tp_key_usage_name(b)) != NULL && o < len) {
            int w = snprintf(buf + o, len - o, "%s%s", o > 0 ? ", " : "", n);

            o += w > 0 ? (size_t)w : 0;
        }
    }
}

static const char *ok_or(int ok)
{
    return ok ? "ok" : "FAILS";
}

static void print_outcome(const char *label, enum sb_reason rc, const char *msg)
{
    if (rc == SB_OK) {
        printf("  %s: passed\n", label);
    } else {
        printf("  %s: %s/%s (%s): %s\n", label, sb_indication_name(sb_reason_indication(rc)),
               sb_reason_subindication(rc) != NULL ? sb_reason_subindication(rc) : "-", sb_reason_name(rc), msg);
    }
}

static void print_text(const struct explain *x)
{
    const struct sb_trust_policy *p = x->fp;
    const struct sb_recognition *rec = sb_policy_set_recognition(x->set);
    char subj[512], buf[1024], sha[65], when[32];
    int i, n = sk_X509_num(x->res.chain);
    uint32_t ku = X509_get_key_usage(x->leaf);
    size_t k;

    sb_time_format(x->at, when, sizeof(when));
    printf("policy set %s (%s: %zu jurisdictions, %zu recognition rules)\n", sb_policy_set_id(x->set), x->dir,
           sb_policy_set_count(x->set), rec->n);
    sb_certfmt_name(X509_get_subject_name(x->leaf), subj, sizeof(subj));
    sb_certfmt_sha256(x->leaf, sha, sizeof(sha));
    printf("certificate %s\n  sha256 %s\n", subj, sha);
    sb_certfmt_name(X509_get_issuer_name(x->leaf), subj, sizeof(subj));
    cp_text(&x->leaf_cp, buf, sizeof(buf));
    printf("  issuer %s\n  certificate policies: %s\n\n", subj, buf);

    printf("step 1: validate under %s's trust policy (%s) at %s\n", p->id, p->file, when);
    printf("  %d trust anchor(s), %d intermediate(s), revocation %s with %d CRL(s), SM2 ID '%s'\n",
           sk_X509_num(p->anchors), sk_X509_num(p->intermediates), sb_tp_revocation_name(p->revocation),
           sk_X509_CRL_num(p->crls), p->sm2_default_id);
    for (i = 0; i < n; i++) {
        X509 *c = sk_X509_value(x->res.chain, i);

        sb_certfmt_name(X509_get_subject_name(c), subj, sizeof(subj));
        printf("  path[%d] %s\n", i, subj);
        if (i == n - 1) {
            for (k = 0; k < (size_t)sk_X509_num(p->anchors); k++) {
                if (X509_cmp(sk_X509_value(p->anchors, (int)k), c) == 0) {
                    sb_certfmt_sha256(c, sha, sizeof(sha));
                    printf("          trust anchor from %s:%u:%u (%s), sha256 %s\n", p->file, p->anchor_src[k].line,
                           p->anchor_src[k].col, p->anchor_src[k].file, sha);
                }
            }
        }
    }
    if (n == 0) {
        printf("  no path to any of %s's anchors was built\n", p->id);
    }
    print_outcome("result", x->rc_chain, x->e_chain.msg);

    printf("\nstep 2: %s's certificate requirements\n", p->id);
    if (x->rc_chain != SB_OK) {
        printf("  not evaluated: no path validated\n");
    } else {
        if (p->max_chain_length > 0) {
            printf("  max_chain_length %d: the path has %d certificates: %s\n", p->max_chain_length, n,
                   ok_or(n <= p->max_chain_length));
        }
        if (p->key_usage_any != 0) {
            ku_names(p->key_usage_any, buf, sizeof(buf));
            printf("  key_usage any of [%s]: ", buf);
            ku_names((X509_get_extension_flags(x->leaf) & EXFLAG_KUSAGE) != 0 ? ku : 0, buf, sizeof(buf));
            printf("the certificate has %s: %s\n", buf,
                   ok_or((X509_get_extension_flags(x->leaf) & EXFLAG_KUSAGE) != 0 && (ku & p->key_usage_any) != 0));
        }
        if (p->policy_oids.n > 0) {
            sb_tp_oid_list_text(&p->policy_oids, buf, sizeof(buf));
            printf("  policy_oids %s\n", buf);
            cp_text(&x->cp, buf, sizeof(buf));
            printf("    valid policies of the path: %s\n", buf);
            if (x->match.pattern != NULL) {
                printf("    %s matches %s: ok\n", x->match.oid, x->match.pattern->text);
            } else {
                printf("    none matches: FAILS\n");
            }
        }
        print_outcome("result", x->rc_pol, x->e_pol.msg);
    }
    printf("  assurance level: %s%s%s%s\n", sb_tp_level_name(x->level), x->level_oid != NULL ? " (from " : "",
           x->level_oid != NULL ? x->level_oid : "", x->level_oid != NULL ? ")" : "");

    printf("\nstep 3: recognition by %s (%s)\n", x->to, rec->file != NULL ? rec->file : "no recognition.yaml");
    if (x->rule == NULL) {
        printf("  no rule from %s to %s\n", x->from, x->to);
    } else {
        printf("  rule [%d] %s -> %s at %s:%u:%u\n", x->dec.rule, x->rule->from, x->rule->to, rec->file, x->rule->line,
               x->rule->col);
        if (x->rc_chain != SB_OK) {
            printf("  (evaluated on the certificate's own policies: no path validated)\n");
        }
        if (x->rule->policy_oids.n > 0) {
            sb_tp_oid_list_text(&x->rule->policy_oids, buf, sizeof(buf));
            printf("  accept.policy_oids %s: ", buf);
            if (x->dec.matched_pattern != NULL) {
                printf("%s matches %s: ok\n", x->dec.matched_oid, x->dec.matched_pattern->text);
            } else {
                printf("no policy matches: FAILS\n");
            }
        }
        if (x->rule->min_level != SB_TP_LEVEL_NONE) {
            printf("  accept.min_level %s: the certificate's level is %s: %s\n", sb_tp_level_name(x->rule->min_level),
                   sb_tp_level_name(x->dec.level), ok_or(x->dec.level >= x->rule->min_level));
        }
        if (x->rule->has_attest) {
            sb_certfmt_name(X509_get_subject_name(x->rule->attest_cert), subj, sizeof(subj));
            printf("  attests as %s with %s (key %s)\n", sb_attest_format_name(x->rule->attest_format), subj,
                   x->rule->attest_key);
        }
    }
    print_outcome("result", x->rc_rec, x->e_rec.msg);
    printf("\ndecision: %s\n  %s\n", x->rc == SB_OK ? "RECOGNISED" : "NOT RECOGNISED", x->message);
}

static json_t *cp_json(const struct sb_tp_cert_policies *cp)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < cp->n; i++) {
        json_array_append_new(a, json_string(cp->oid[i]));
    }
    return a;
}

static json_t *oids_json(const struct sb_tp_oid_list *l)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < l->n; i++) {
        json_array_append_new(a, json_string(l->v[i].text));
    }
    return a;
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static void outcome_json(json_t *o, enum sb_reason rc, const char *msg)
{
    json_object_set_new(o, "passed", json_boolean(rc == SB_OK));
    json_object_set_new(o, "indication", str_or_null(sb_indication_name(sb_reason_indication(rc))));
    json_object_set_new(o, "subindication", str_or_null(sb_reason_subindication(rc)));
    json_object_set_new(o, "reason", rc == SB_OK ? json_null() : json_string(sb_reason_name(rc)));
    json_object_set_new(o, "message", json_string(msg[0] != '\0' ? msg : sb_reason_message(rc)));
}

static json_t *explain_json(const struct explain *x)
{
    const struct sb_trust_policy *p = x->fp;
    const struct sb_recognition *rec = sb_policy_set_recognition(x->set);
    json_t *top = json_object(), *cert = sb_certfmt_json(x->leaf), *steps = json_array(), *s, *anchor = json_null();
    char when[32], loc[PATH_MAX + 32], kus[256];
    int n = sk_X509_num(x->res.chain);
    size_t k;

    sb_time_format(x->at, when, sizeof(when));
    outcome_json(top, x->rc, x->message);
    json_object_set_new(top, "recognised", json_boolean(x->rc == SB_OK));
    json_object_set_new(top, "from", json_string(x->from));
    json_object_set_new(top, "to", json_string(x->to));
    json_object_set_new(top, "policy_set", json_string(sb_policy_set_id(x->set)));
    json_object_set_new(top, "validation_time", json_string(when));
    json_object_set_new(cert, "policies", cp_json(&x->leaf_cp));
    json_object_set_new(top, "certificate", cert);

    s = json_object();
    json_object_set_new(s, "step", json_string("validation"));
    json_object_set_new(s, "policy_file", json_string(p->file));
    outcome_json(s, x->rc_chain, x->e_chain.msg);
    json_object_set_new(s, "chain", sb_report_chain(x->res.chain));
    (void)sb_report_chain_revocation(json_object_get(s, "chain"), x->res.revocation, x->res.n_revocation);
    if (n > 0) {
        for (k = 0; k < (size_t)sk_X509_num(p->anchors); k++) {
            if (X509_cmp(sk_X509_value(p->anchors, (int)k), sk_X509_value(x->res.chain, n - 1)) == 0) {
                json_decref(anchor);
                anchor = sb_certfmt_json(sk_X509_value(p->anchors, (int)k));
                snprintf(loc, sizeof(loc), "%s:%u:%u", p->file, p->anchor_src[k].line, p->anchor_src[k].col);
                json_object_set_new(anchor, "defined_at", json_string(loc));
                json_object_set_new(anchor, "file", json_string(p->anchor_src[k].file));
            }
        }
    }
    json_object_set_new(s, "anchor", anchor);
    json_object_set_new(s, "valid_policies", x->rc_chain == SB_OK ? cp_json(&x->cp) : json_null());
    json_array_append_new(steps, s);

    s = json_object();
    json_object_set_new(s, "step", json_string("policy"));
    if (x->rc_chain == SB_OK) {
        outcome_json(s, x->rc_pol, x->e_pol.msg);
    } else {
        json_object_set_new(s, "passed", json_null());
        json_object_set_new(s, "message", json_string("not evaluated: no path validated"));
    }
    json_object_set_new(s, "chain_length", json_integer(n));
    json_object_set_new(s, "max_chain_length",
                        p->max_chain_length > 0 ? json_integer(p->max_chain_length) : json_null());
    ku_names(p->key_usage_any, kus, sizeof(kus));
    json_object_set_new(s, "key_usage_any", p->key_usage_any != 0 ? json_string(kus) : json_null());
    json_object_set_new(s, "policy_oids", oids_json(&p->policy_oids));
    json_object_set_new(s, "matched_oid", str_or_null(x->match.oid));
    json_object_set_new(s, "matched_pattern",
                        x->match.pattern != NULL ? json_string(x->match.pattern->text) : json_null());
    json_object_set_new(s, "level", json_string(sb_tp_level_name(x->level)));
    json_array_append_new(steps, s);

    s = json_object();
    json_object_set_new(s, "step", json_string("recognition"));
    outcome_json(s, x->rc_rec, x->e_rec.msg);
    json_object_set_new(s, "rule", x->rule != NULL ? json_integer(x->dec.rule) : json_null());
    if (x->rule != NULL) {
        snprintf(loc, sizeof(loc), "%s:%u:%u", rec->file, x->rule->line, x->rule->col);
        json_object_set_new(s, "rule_location", json_string(loc));
        json_object_set_new(s, "accept_policy_oids", oids_json(&x->rule->policy_oids));
        json_object_set_new(s, "min_level", x->rule->min_level != SB_TP_LEVEL_NONE
                                                ? json_string(sb_tp_level_name(x->rule->min_level)) : json_null());
        json_object_set_new(s, "attest_format", x->rule->has_attest
                                                    ? json_string(sb_attest_format_name(x->rule->attest_format))
                                                    : json_null());
    }
    json_object_set_new(s, "level", json_string(sb_tp_level_name(x->dec.level)));
    json_object_set_new(s, "matched_oid", str_or_null(x->dec.matched_oid));
    json_object_set_new(s, "matched_pattern",
                        x->dec.matched_pattern != NULL ? json_string(x->dec.matched_pattern->text) : json_null());
    json_object_set_new(s, "why_not", str_or_null(x->dec.why_not));
    json_array_append_new(steps, s);
    json_object_set_new(top, "steps", steps);
    return top;
}

static int cmd_explain(int argc, char **argv)
{
    static const struct sbgw_opt explain_opts[] = {
        { .name = "policy-dir", .has_value = 1, .kind = SBGW_OPT_STR, .off = offsetof(struct explain, dir) },
        { .name = "from", .has_value = 1, .kind = SBGW_OPT_STR, .off = offsetof(struct explain, from), .required = 1 },
        { .name = "to", .has_value = 1, .kind = SBGW_OPT_STR, .off = offsetof(struct explain, to), .required = 1 },
        { .name = "at", .has_value = 1, .kind = SBGW_OPT_TIME, .off = offsetof(struct explain, at),
          .given_off = offsetof(struct explain, at_given) },
    };
    struct explain x;
    struct sb_err err;
    const struct sbgw_opt_group group = { explain_opts, sizeof(explain_opts) / sizeof(explain_opts[0]), &x, NULL };
    const struct sbgw_cli cli = {
        .usage = explain_usage, .groups = &group, .n_groups = 1, .json = 1, .n_args = 1,
        .args_msg = "--from JUR, --to JUR and exactly one CERT are required (see sigbridge policy explain --help)",
    };
    int i, json, code = 2;

    memset(&x, 0, sizeof(x));
    x.dir = "policies";
    sb_err_clear(&err);
    json = sbgw_cli_wants_json(argc, argv);
    if ((code = sbgw_cli_parse(&cli, argc, argv, json, &err)) >= 0) {
        goto out;
    }
    if (sbgw_policy_load_set(x.dir, json, &x.set, &err) != SB_OK ||
        (x.fp = sbgw_policy_find_jur(x.set, x.from, "--from", &err)) == NULL ||
        sbgw_policy_find_jur(x.set, x.to, "--to", &err) == NULL ||
        sb_load_certs(argv[optind], &x.certs, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    x.leaf = sk_X509_value(x.certs, 0);
    if ((x.extra = sk_X509_new_null()) == NULL) {
        sb_err_set(&err, SB_R_INTERNAL, "out of memory");
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    for (i = 1; i < sk_X509_num(x.certs); i++) {
        X509 *e = sk_X509_value(x.certs, i);

        if (!X509_up_ref(e) || !sk_X509_push(x.extra, e)) {
            X509_free(e);
        }
    }
    if (!x.at_given) {
        x.at = time(NULL);
    }
    if (sb_trust_policy_prepare(x.fp, x.extra, NULL, x.at, &x.in, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    run_explain(&x);
    if (sb_reason_exit_code(x.rc_chain) == 2) {
        sb_err_set(&err, x.rc_chain, "%s", x.e_chain.msg);
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (json) {
        sbgw_print_json(explain_json(&x));
    } else {
        print_text(&x);
    }
    code = sb_reason_exit_code(x.rc);
out:
    sb_chain_result_clear(&x.res);
    sb_tp_inputs_clear(&x.in);
    sk_X509_pop_free(x.extra, X509_free);
    sk_X509_pop_free(x.certs, X509_free);
    sb_policy_set_free(x.set);
    return code;
}

int sbgw_cmd_policy(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "explain") == 0) {
        return cmd_explain(argc - 1, argv + 1);
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        explain_usage(stdout);
        return 0;
    }
    fprintf(stderr, "sigbridge: policy: expected the subcommand 'explain'\n");
    explain_usage(stderr);
    return 2;
}
