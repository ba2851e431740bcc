/*
 * `sigbridge chain [options] CERT` — validate one certificate (DESIGN §7). CERT may hold several
 * certificates: the first is validated, the rest are untrusted path candidates.
 */
#include <stdio.h>
#include <string.h>

#include "gateway/cli/cli_fetch.h"
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/x509/chain.h"
#include "pki/base/load.h"
#include "pki/verdict/report.h"
#include "pki/verdict/report_revocation.h"
#include "pki/x509/cert_format.h"

static void chain_usage(FILE *f)
{
    fprintf(f,
            "usage: sigbridge chain [options] CERT\n"
            "  --anchor FILE            trusted certificate(s) (repeatable)\n"
            "  --untrusted FILE         untrusted path candidates (repeatable)\n"
            "  --crl FILE               CRLs (repeatable)\n"
            "  --ocsp-response FILE     an OCSP response, DER or PEM (repeatable); used like the CRLs\n"
            "  --fetch                  ask OCSP responders and CRL distribution points over HTTP (offline without)\n"
            "  --fetch-allow PREFIX     URL prefix that may be fetched when no policy gives one (repeatable)\n"
            "  --at TIME                validation time, RFC 3339 (default now)\n"
            "  --policy OID             user-initial-policy-set (repeatable; default anyPolicy)\n"
            "  --explicit-policy --inhibit-policy-mapping --inhibit-any-policy\n"
            "  --max-depth N            at most N intermediates (self-issued not counted)\n"
            "  --revocation MODE        require | prefer (default) | off\n"
            "  --eku NAME|OID           required extended key usage (repeatable)\n"
            "  --key-usage NAME         required key usage (repeatable)\n"
            "  --hostname NAME          DNS name or IP literal the leaf must match\n"
            "  --email ADDR             RFC 822 address the leaf must match (repeatable)\n"
            "  --profile rfc5280|strict|webpki (default rfc5280)\n"
            "  --sm2-id ID              SM2 distinguishing ID for certificate and CRL signatures\n"
            "  --policy-dir DIR --from JUR\n"
            "                           validate under jurisdiction JUR's trust policy in DIR instead of\n"
            "                           the flags above, which can then only tighten it\n"
            "                           (--anchor is refused)\n"
            "  --json                   one JSON object on stdout\n"
            "exit: 0 passed, 1 failed, 3 indeterminate, 2 usage or unreadable input\n");
}

static void print_text(enum sb_reason rc, const char *msg, STACK_OF(X509) *chain)
{
    char subj[512];
    int i;

    if (rc == SB_OK) {
        printf("OK: %s\n", msg[0] != '\0' ? msg : "path validated");
    } else {
        printf("%s/%s (%s): %s\n", sb_indication_name(sb_reason_indication(rc)), sb_reason_subindication(rc),
               sb_reason_name(rc), msg[0] != '\0' ? msg : sb_reason_message(rc));
    }
    for (i = 0; i < sk_X509_num(chain); i++) {
        sb_certfmt_name(X509_get_subject_name(sk_X509_value(chain, i)), subj, sizeof(subj));
        printf("  %d: %s\n", i, subj);
    }
}

int sbgw_cmd_chain(int argc, char **argv)
{
    struct sbgw_policy_cli pc;
    struct sbgw_chain_args a;
    struct sb_chain_result res = { NULL, NULL, NULL, 0 };
    struct sb_err err;
    STACK_OF(X509) *target = NULL;
    X509 *leaf;
    int i, json = 0, code;
    time_t at;
    enum sb_reason rc;

    memset(&pc, 0, sizeof(pc));
    json = sbgw_cli_wants_json(argc, argv);
    sb_err_clear(&err);
    if (sbgw_chain_args_init(&a, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    {
        const struct sbgw_opt_group groups[] = {
            { sbgw_policy_cli_opts, sbgw_policy_cli_opts_n, &pc, NULL },
            { sbgw_chain_opts, sbgw_chain_opts_n, &a, &pc.given },
        };
        const struct sbgw_cli cli = {
            .usage = chain_usage, .groups = groups, .n_groups = 2, .json = 1, .n_args = 1,
            .args_msg = "exactly one CERT argument expected (see sigbridge chain --help)",
        };

        if ((code = sbgw_cli_parse(&cli, argc, argv, json, &err)) >= 0) {
            goto out;
        }
    }
    if (sb_load_certs(argv[optind], &target, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    leaf = sk_X509_value(target, 0);
    for (i = 1; i < sk_X509_num(target); i++) {
        X509 *x = sk_X509_value(target, i);

        if (!X509_up_ref(x) || !sk_X509_push(a.untrusted, x)) {
            X509_free(x);
        }
    }
    if (pc.dir != NULL || pc.from != NULL) {
        if (sbgw_policy_cli_prepare(&pc, &a, json, &err) != SB_OK) {
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
        if (sbgw_cli_fetch_apply(&a, pc.pol, &pc.in.opts, &err) != SB_OK) {
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
        at = pc.in.opts.at;
        rc = sb_trust_policy_validate(pc.pol, &pc.in, leaf, &res, &err);
    } else {
        if (sbgw_cli_fetch_apply(&a, NULL, &a.path, &err) != SB_OK) {
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
        at = a.path.at;
        rc = sb_chain_validate(&a.path, leaf, a.anchors, a.untrusted, &res, &err);
    }
    if (sb_reason_exit_code(rc) == 2) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (json) {
        json_t *j = sb_report_result(rc, err.msg, at, res.chain);

        if (j != NULL && !sb_report_chain_revocation(json_object_get(j, "chain"), res.revocation, res.n_revocation)) {
            json_decref(j);
            j = NULL;
        }
        sbgw_print_json(j);
    } else {
        print_text(rc, err.msg, res.chain);
    }
    code = sb_reason_exit_code(rc);
out:
    sb_chain_result_clear(&res);
    sk_X509_pop_free(target, X509_free);
    sbgw_policy_cli_free(&pc);
    sbgw_chain_args_free(&a);
    return code;
}
