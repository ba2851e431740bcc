/*
 * `sigbridge check-config [--policy-dir DIR]` — load the policy set with the exact loader the daemon
 * uses at start and reload, and print what it understood (per jurisdiction: anchors with subject and
 * SHA-256, intermediates, algorithms, certificate requirements, revocation, time, SM2 ID; the
 * recognition rules) and "configuration OK" (exit 0), or every error as path:line:col (exit 2), printed
 * through sb_diag_print exactly as `serve --check` prints them. An anchor that breaks the RFC 5280 §4 CA
 * profile gets a warning naming the rule (stdout under the anchor, and stderr); it changes no exit code.
 */
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"

#include <stdio.h>
#include <string.h>

#include "gateway/cli/cmd.h"
#include "pki/x509/cert_format.h"
#include "pki/policy/recognition.h"
#include "pki/x509/path.h"

static void check_usage(FILE *f)
{
    fprintf(f, "usage: sigbridge check-config [--policy-dir DIR]\n"
               "  Loads DIR/*.yaml (one per jurisdiction) and DIR/recognition.yaml (default DIR: policies)\n"
               "  and prints the loaded summary and \"configuration OK\", or every error.\n"
               "exit: 0 configuration OK, 2 errors\n");
}

static void print_oids(const char *label, const struct sb_tp_oid_list *l)
{
    char buf[1024];

    sb_tp_oid_list_text(l, buf, sizeof(buf));
    printf("%s%s\n", label, buf);
}

/* Warn (never fail) when an anchor breaks the RFC 5280 §4 CA profile: the default certificate.profile
 * rfc5280 accepts it as a trust input, strict refuses it. */
static void warn_anchor_profile(const struct sb_trust_policy *p, int i, X509 *x)
{
    struct sb_err e;
    const char *verdict;

    sb_err_clear(&e);
    if (sb_path_anchor_profile(x, &e) == SB_OK) {
        return;
    }
    verdict = p->profile >= SB_PROFILE_STRICT ? "this policy's certificate.profile strict refuses it"
                                             : "accepted under certificate.profile rfc5280, refused under strict";
    printf("    warning: breaks the RFC 5280 CA profile (%s): %s; %s\n", sb_reason_name(e.reason), e.msg, verdict);
    fprintf(stderr, "sigbridge: warning: %s: anchor from %s (line %u) breaks the RFC 5280 CA profile (%s): %s; %s\n",
            p->id, p->anchor_src[i].file, p->anchor_src[i].line, sb_reason_name(e.reason), e.msg, verdict);
}

static void print_policy(const struct sb_trust_policy *p)
{
    char subj[512], sha[65], buf[512];
    size_t o = 0;
    uint32_t b;
    int i, l;

    printf("jurisdiction %s (%s)%s%s\n", p->id, p->file, p->description[0] != '\0' ? ": " : "", p->description);
    for (i = 0; i < sk_X509_num(p->anchors); i++) {
        X509 *x = sk_X509_value(p->anchors, i);

        sb_certfmt_name(X509_get_subject_name(x), subj, sizeof(subj));
        sb_certfmt_sha256(x, sha, sizeof(sha));
        printf("  anchor %s\n    sha256 %s\n    from %s (line %u)\n", subj, sha, p->anchor_src[i].file,
               p->anchor_src[i].line);
        warn_anchor_profile(p, i, x);
    }
    printf("  intermediates: %d\n", sk_X509_num(p->intermediates));
    buf[0] = '\0';
    for (b = 1; b != 0; b <<= 1) {
        if ((p->sig_allow & b) != 0 && sb_tp_sigalg_name(b) != NULL && o < sizeof(buf)) {
            int w = snprintf(buf + o, sizeof(buf) - o, "%s%s", o > 0 ? ", " : "", sb_tp_sigalg_name(b));

            o += w > 0 ? (size_t)w : 0;
        }
    }
    printf("  algorithms: %s; min_rsa_bits %d\n", p->sig_allow != 0 ? buf : "built-in strong set", p->min_rsa_bits);
    if (p->policy_oids.n > 0) {
        print_oids("  certificate policy_oids: ", &p->policy_oids);
    } else {
        printf("  certificate policy_oids: any\n");
    }
    buf[0] = '\0';
    o = 0;
    for (b = 1; b <= 0x8000; b <<= 1) {
        if ((p->key_usage_any & b) != 0 && sb_tp_key_usage_name(b) != NULL && o < sizeof(buf)) {
            int w = snprintf(buf + o, sizeof(buf) - o, "%s%s", o > 0 ? "|" : "", sb_tp_key_usage_name(b));

            o += w > 0 ? (size_t)w : 0;
        }
    }
    printf("  require_explicit_policy %s; key_usage any of %s; ", p->require_explicit_policy ? "true" : "false",
           p->key_usage_any != 0 ? buf : "(not required)");
    if (p->max_chain_length > 0) {
        printf("max_chain_length %d\n", p->max_chain_length);
    } else {
        printf("max_chain_length unlimited\n");
    }
    printf("  certificate profile %s\n", sb_profile_name((enum sb_profile)p->profile));
    for (l = SB_TP_LEVEL_HIGH; l > SB_TP_LEVEL_NONE; l--) {
        if (p->levels[l].n > 0) {
            snprintf(buf, sizeof(buf), "  assurance level %s: ", sb_tp_level_name((enum sb_tp_level)l));
            print_oids(buf, &p->levels[l]);
        }
    }
    printf("  revocation: %s, %d CRL(s)\n", sb_tp_revocation_name(p->revocation), sk_X509_CRL_num(p->crls));
    printf("  time: validate_at %s, max_clock_skew_s %d\n", p->validate_at == SB_TP_AT_NOW ? "now" : "signing_time",
           p->max_clock_skew_s);
    printf("  sm2 default_id \"%s\"\n", p->sm2_default_id);
}

static void print_rules(const struct sb_recognition *rec)
{
    char subj[512], buf[1024];
    size_t i;

    if (rec->file == NULL) {
        printf("recognition: no %s: no jurisdiction recognises another\n", SB_TP_RECOGNITION_FILE);
        return;
    }
    printf("recognition (%s): %zu rule(s)\n", rec->file, rec->n);
    for (i = 0; i < rec->n; i++) {
        const struct sb_recognition_rule *r = &rec->rules[i];

        sb_tp_oid_list_text(&r->policy_oids, buf, sizeof(buf));
        printf("  [%zu] %s -> %s (line %u): accept policy_oids %s, min_level %s\n", i, r->from, r->to, r->line,
               r->policy_oids.n > 0 ? buf : "(any)", r->min_level != SB_TP_LEVEL_NONE ? sb_tp_level_name(r->min_level)
                                                                                       : "(none)");
        if (r->has_attest) {
            sb_certfmt_name(X509_get_subject_name(r->attest_cert), subj, sizeof(subj));
            printf("      attest %s as %s (key %s)\n", sb_attest_format_name(r->attest_format), subj, r->attest_key);
        } else {
            printf("      attest: none\n");
        }
    }
}

/* check-config words its usage errors itself (never JSON). */
static int check_fail(enum sbgw_cli_fault f, const char *arg, const struct sb_err *err)
{
    if (f == SBGW_CLI_BAD_ARGS) {
        fprintf(stderr, "sigbridge: check-config: unexpected argument '%s'\n", arg);
        return 2;
    }
    fprintf(stderr, "sigbridge: check-config: %s\n", err->msg);
    check_usage(stderr);
    return 2;
}

int sbgw_cmd_check_config(int argc, char **argv)
{
    static const struct sbgw_opt check_opts[] = {
        { .name = "policy-dir", .has_value = 1, .kind = SBGW_OPT_STR, .off = 0 },
    };
    struct sb_policy_set *set = NULL;
    struct sb_diag d;
    struct sb_err err;
    const char *dir = "policies";
    const struct sbgw_opt_group group = { check_opts, 1, &dir, NULL };
    const struct sbgw_cli cli = { .usage = check_usage, .groups = &group, .n_groups = 1, .fail = check_fail };
    size_t i;
    int code;

    sb_err_clear(&err);
    if ((code = sbgw_cli_parse(&cli, argc, argv, 0, &err)) >= 0) {
        return code;
    }
    sb_diag_init(&d);
    if (sb_policy_set_load(dir, &d, &set, &err) != SB_OK) {
        sb_diag_print(&d, stderr);
        fprintf(stderr, "sigbridge: %s: configuration has errors; nothing was loaded\n", dir);
        sb_diag_clear(&d);
        return 2;
    }
    sb_diag_clear(&d);
    printf("policy set %s (%s)\n", sb_policy_set_id(set), dir);
    for (i = 0; i < sb_policy_set_count(set); i++) {
        print_policy(sb_policy_set_get0(set, i));
    }
    print_rules(sb_policy_set_recognition(set));
    printf("configuration OK\n");
    sb_policy_set_free(set);
    return 0;
}
