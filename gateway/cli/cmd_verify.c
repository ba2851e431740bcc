/*
 * `sigbridge verify [options] FILE` — verify a signed object (DESIGN §7) through the one validation entry
 * point, sb_validate (pki/verdict/validate.h). Without --policy-dir: a CMS / PKCS#7 SignedData (DER, PEM
 * or S/MIME, PKCS#7 or GM/T 0010 OIDs, attached, detached (--data) or over a digest (--digest)) or an
 * XML-DSig document (leading '<' after an optional BOM / XML declaration), under the chain options.
 * With --policy-dir DIR --from JUR: whatever JUR's adapter reads (adapters/adapter.h: CMS, GM/T 0010,
 * XML-DSig, the jurisdiction's JSON envelope) under JUR's trust policy, its time rule included
 * (time.validate_at), tightened by the chain options. --sm2-id is the signer's own ID, --chain-sm2-id the
 * one for certificate and CRL signatures. --report FILE writes the ETSI TS 119 102-2 report; --report - writes
 * it to stdout instead of the text output (refused with --json, which owns stdout).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "adapters/adapter.h"
#include "gateway/cli/cli_fetch.h"
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/x509/cert_format.h"
#include "pki/base/load.h"
#include "pki/cms/cms.h"
#include "pki/verdict/validate.h"
#include "pki/verdict/verdict_render.h"
#include "pki/xml/xml_safe.h"
#include "pki/xml/xmldsig.h"

struct verify_args {
    const char *signer_id;      /* --sm2-id */
    const char *data_path;      /* --data */
    const char *digest_hex;     /* --digest */
    const char *digest_alg;     /* --digest-alg */
    const char *report_path;    /* --report */
};

static void verify_usage(FILE *f)
{
    fprintf(f,
            "usage: sigbridge verify [options] FILE\n"
            "  FILE: CMS / PKCS#7 SignedData as DER, PEM (CMS, PKCS7) or S/MIME; PKCS#7 or GM/T 0010 OIDs;\n"
            "        or an XML-DSig document (enveloped, enveloping, same-document references)\n"
            "  --data FILE              detached content\n"
            "  --digest HEX             the object signs only this digest of the content (no content given)\n"
            "  --digest-alg ALG         sha256 | sha384 | sha512 | sm3 (default: by digest length, sha256)\n"
            "  --sm2-id ID              the signer's SM2 distinguishing ID (default 1234567812345678)\n"
            "  --chain-sm2-id ID        SM2 ID for certificate and CRL signatures (default GM/T)\n"
            "  --anchor FILE  --untrusted FILE  --crl FILE  --ocsp-response FILE   (repeatable)\n"
            "  --fetch  --fetch-allow PREFIX   ask OCSP responders / CRL distribution points (as for chain)\n"
            "  --at TIME  --policy OID  --explicit-policy  --inhibit-policy-mapping  --inhibit-any-policy\n"
            "  --max-depth N  --revocation require|prefer|off  --eku NAME  --key-usage NAME\n"
            "  --hostname NAME  --email ADDR  --profile rfc5280|strict|webpki   (as for sigbridge chain)\n"
            "  --policy-dir DIR --from JUR   validate under JUR's trust policy in DIR; FILE may then also be\n"
            "                           JUR's JSON envelope (e.g. an iAM Smart signing result)\n"
            "  --report FILE            write the ETSI TS 119 102-2 validation report (XML) to FILE\n"
            "                           ('-': to stdout instead of the text output; not with --json)\n"
            "  --json                   one JSON object on stdout\n"
            "exit: 0 passed, 1 failed, 3 indeterminate, 2 usage or unreadable input\n");
}

/* The first line of the text output: "OK: message" or "INDICATION/SUBINDICATION (REASON): message". */
static void print_outcome(const struct sb_cms_result *res)
{
    if (res->reason == SB_OK) {
        printf("OK: %s\n", res->message);
    } else {
        printf("%s/%s (%s): %s\n", sb_indication_name(sb_reason_indication(res->reason)),
               sb_reason_subindication(res->reason), sb_reason_name(res->reason), res->message);
    }
}

static void print_text(const struct sb_cms_result *res)
{
    const struct sb_cms_signer *s;
    char subj[512];
    size_t i;
    int j;

    print_outcome(res);
    for (i = 0; i < res->n_signers; i++) {
        s = &res->signers[i];
        printf("signer %zu: %s — %s\n", i + 1, s->subject[0] != '\0' ? s->subject : "(certificate not found)",
               s->reason == SB_OK ? "passed" : sb_reason_name(s->reason));
        if (s->signing_time[0] != '\0') {
            printf("  signing-time (claimed): %s\n", s->signing_time);
        }
        if (s->reason != SB_OK) {
            printf("  %s\n", s->message);
        }
        for (j = 0; j < sk_X509_num(s->chain); j++) {
            sb_certfmt_name(X509_get_subject_name(sk_X509_value(s->chain, j)), subj, sizeof(subj));
            printf("  %d: %s\n", j, subj);
        }
    }
}

static void print_xml_text(const struct sb_cms_result *res)
{
    const struct sb_cms_signer *s;
    char subj[512];
    size_t i, k;
    int j;

    print_outcome(res);
    for (i = 0; i < res->n_signers; i++) {
        s = &res->signers[i];
        printf("signature %zu at %s: %s — %s\n", i + 1, s->location,
               s->subject[0] != '\0' ? s->subject : "(no signer certificate verified)",
               s->reason == SB_OK ? "passed" : sb_reason_name(s->reason));
        if (s->signing_time[0] != '\0') {
            printf("  signing-time (claimed): %s\n", s->signing_time);
        }
        if (s->reason != SB_OK) {
            printf("  %s\n", s->message);
        }
        for (k = 0; k < s->n_refs; k++) {
            printf("  signed: URI \"%s\" -> %s%s\n", s->refs[k].uri, s->refs[k].element,
                   s->refs[k].digest_ok ? "" : " (digest not verified)");
        }
        for (j = 0; j < sk_X509_num(s->chain); j++) {
            sb_certfmt_name(X509_get_subject_name(sk_X509_value(s->chain, j)), subj, sizeof(subj));
            printf("  %d: %s\n", j, subj);
        }
    }
}

/* Write the ETSI TS 119 102-2 report of res about ev to path ("-": stdout); SB_OK or an error in err. */
static enum sb_reason write_report(const char *path, const struct sb_cms_result *res, time_t at,
                                   const struct sb_evidence *ev, const struct sb_path_opts *constraints,
                                   struct sb_err *err)
{
    unsigned char *xml = NULL;
    size_t len = 0;
    FILE *f;
    enum sb_reason rc;

    if ((rc = sb_verdict_etsi(res, at, ev, constraints, &xml, &len, err)) != SB_OK) {
        return rc;
    }
    if (strcmp(path, "-") == 0) {
        rc = fwrite(xml, 1, len, stdout) == len && fflush(stdout) == 0
                 ? SB_OK : sb_err_set(err, SB_R_INPUT_UNREADABLE, "--report: cannot write to stdout");
        OPENSSL_free(xml);
        return rc;
    }
    if ((f = fopen(path, "wb")) == NULL) {
        OPENSSL_free(xml);
        return sb_err_set(err, SB_R_INPUT_UNREADABLE, "--report: cannot create '%s'", path);
    }
    rc = fwrite(xml, 1, len, f) == len ? SB_OK : SB_R_INPUT_UNREADABLE;
    if (fclose(f) != 0 || rc != SB_OK) {
        rc = sb_err_set(err, SB_R_INPUT_UNREADABLE, "--report: cannot write '%s'", path);
    }
    OPENSSL_free(xml);
    return rc;
}

/*
 * The evidence of FILE in[0..len) (borrowed by ev: in must outlive it). With --policy-dir, what JUR's
 * adapter reads (*verdict set when the adapter already reached one, a document that does not match its
 * envelope's hash); else CMS or XML-DSig by sniffing. Then --data / --digest / --sm2-id. -1 to go on,
 * else the exit status (usage error).
 */
static int make_evidence(const struct sbgw_policy_cli *pc, struct verify_args *va, int json, const unsigned char *in,
                         size_t len, const unsigned char *data, size_t data_len, const unsigned char *digest,
                         size_t digest_len, struct sb_evidence *ev, enum sb_reason *verdict, struct sb_err *err)
{
    const struct sb_adapter *a;
    enum sb_reason rc;

    *verdict = SB_OK;
    if (pc->dir != NULL) {
        a = sb_adapter_find(pc->from);
        if ((rc = a->parse(in, len, NULL, ev, err)) != SB_OK) {
            if (sb_reason_exit_code(rc) == 2) {
                return sbgw_fail_usage(json, err);
            }
            *verdict = rc;
            return -1;
        }
    } else {
        ev->format = !sb_cms_looks_like(in, len) && sb_xml_looks_like(in, len) ? SB_EV_XMLDSIG : SB_EV_CMS;
        ev->obj = in;
        ev->obj_len = len;
    }
    if ((data != NULL || digest != NULL) && ev->format != SB_EV_CMS && ev->format != SB_EV_GMT0010) {
        sb_err_set(err, SB_R_USAGE, "--data and --digest apply to CMS only: XML-DSig references must point into "
                   "the document");
        return sbgw_fail_usage(json, err);
    }
    if (data != NULL) {
        ev->content = data;
        ev->content_len = data_len;
    }
    if (digest != NULL && !sb_evidence_set_digest(ev, va->digest_alg, digest, digest_len)) {
        if (sb_evidence_digest_size(va->digest_alg) == 0) {
            sb_err_set(err, SB_R_USAGE, "digest algorithm '%s' is not sha256, sha384, sha512 or sm3", va->digest_alg);
        } else {
            sb_err_set(err, SB_R_USAGE, "a %s digest is %zu bytes, %zu were given", va->digest_alg,
                       sb_evidence_digest_size(va->digest_alg), digest_len);
        }
        return sbgw_fail_usage(json, err);
    }
    if (va->signer_id != NULL) {
        OPENSSL_free(ev->sm2_id);
        if ((ev->sm2_id = OPENSSL_strdup(va->signer_id)) == NULL) {
            sb_err_set(err, SB_R_INTERNAL, "out of memory");
            return sbgw_fail_usage(json, err);
        }
    }
    return -1;
}

#define VA(f) offsetof(struct verify_args, f)

/* verify's own rows; its --sm2-id (the signer's own ID) stands before the chain rows' */
static const struct sbgw_opt verify_opts[] = {
    { .name = "data", .has_value = 1, .kind = SBGW_OPT_STR, .off = VA(data_path) },
    { .name = "digest", .has_value = 1, .kind = SBGW_OPT_STR, .off = VA(digest_hex) },
    { .name = "digest-alg", .has_value = 1, .kind = SBGW_OPT_STR, .off = VA(digest_alg) },
    { .name = "report", .has_value = 1, .kind = SBGW_OPT_STR, .off = VA(report_path) },
    { .name = "sm2-id", .has_value = 1, .kind = SBGW_OPT_CUSTOM, .fn = sbgw_opt_sm2_id, .off = VA(signer_id),
      .given = SBGW_GIVEN_SM2_ID },
};

/* Parse the command line into a and va; -1 to go on, else the exit status (usage error or --help). */
static int parse_args(int argc, char **argv, int json, struct sbgw_chain_args *a, struct verify_args *va,
                      struct sbgw_policy_cli *pc, struct sb_err *err)
{
    const struct sbgw_opt_group groups[] = {
        { verify_opts, sizeof(verify_opts) / sizeof(verify_opts[0]), va, &pc->given },
        { sbgw_policy_cli_opts, sbgw_policy_cli_opts_n, pc, NULL },
        { sbgw_chain_opts, sbgw_chain_opts_n, a, &pc->given },
    };
    const struct sbgw_cli cli = {
        .usage = verify_usage, .groups = groups, .n_groups = 3, .json = 1, .n_args = 1,
        .args_msg = "exactly one FILE argument expected (see sigbridge verify --help)",
    };
    int code;

    if ((code = sbgw_cli_parse(&cli, argc, argv, json, err)) >= 0) {
        return code;
    }
    if ((pc->dir == NULL) != (pc->from == NULL)) {
        sb_err_set(err, SB_R_USAGE, "--policy-dir and --from go together");
        return sbgw_fail_usage(json, err);
    }
    if (va->data_path != NULL && va->digest_hex != NULL) {
        sb_err_set(err, SB_R_USAGE, "--data and --digest exclude each other");
        return sbgw_fail_usage(json, err);
    }
    if (va->digest_alg != NULL && va->digest_hex == NULL) {
        sb_err_set(err, SB_R_USAGE, "--digest-alg needs --digest");
        return sbgw_fail_usage(json, err);
    }
    if (va->report_path != NULL && strcmp(va->report_path, "-") == 0 && json) {
        sb_err_set(err, SB_R_USAGE, "--report - and --json both write to stdout: give --report a FILE");
        return sbgw_fail_usage(json, err);
    }
    return -1;
}

int sbgw_cmd_verify(int argc, char **argv)
{
    struct sbgw_chain_args a;
    struct verify_args va;
    struct sbgw_policy_cli pc;
    struct sb_tp_inputs flags;
    struct sb_validation_ctx ctx;
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    unsigned char *in = NULL, *data = NULL, *digest = NULL;
    size_t in_len = 0, data_len = 0, digest_len = 0;
    time_t at = 0;
    long dlen = 0;
    int json = 0, code;
    enum sb_reason rc, verdict;

    memset(&va, 0, sizeof(va));
    memset(&pc, 0, sizeof(pc));
    memset(&res, 0, sizeof(res));
    sb_evidence_init(&ev);
    json = sbgw_cli_wants_json(argc, argv);
    sb_err_clear(&err);
    if (sbgw_chain_args_init(&a, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if ((code = parse_args(argc, argv, json, &a, &va, &pc, &err)) >= 0) {
        goto out;
    }
    if (pc.dir != NULL && sbgw_policy_cli_prepare(&pc, &a, json, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (sb_load_file(argv[optind], SB_CMS_MAX_INPUT, &in, &in_len, &err) != SB_OK
        || (va.data_path != NULL && sb_load_file(va.data_path, SB_CMS_MAX_INPUT, &data, &data_len, &err) != SB_OK)) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (va.digest_hex != NULL) {
        if ((digest = OPENSSL_hexstr2buf(va.digest_hex, &dlen)) == NULL || dlen <= 0) {
            sb_err_set(&err, SB_R_USAGE, "--digest: '%.80s' is not hexadecimal", va.digest_hex);
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
        digest_len = (size_t)dlen;
        if (va.digest_alg == NULL) {
            va.digest_alg = digest_len == 48 ? "sha384" : (digest_len == 64 ? "sha512" : "sha256");
        }
    }
    if ((code = make_evidence(&pc, &va, json, in, in_len, data, data_len, digest, digest_len, &ev, &verdict,
                              &err)) >= 0) {
        goto out;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.now = time(NULL);
    if (pc.dir != NULL) {
        ctx.policy = pc.pol;
        ctx.inputs = &pc.in;             /* the policy, tightened by the command line */
        ctx.at = a.at_given ? &a.path.at : NULL;
        if (sbgw_cli_fetch_apply(&a, pc.pol, &pc.in.opts, &err) != SB_OK) {
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
    } else {
        memset(&flags, 0, sizeof(flags));
        if (sbgw_cli_fetch_apply(&a, NULL, &a.path, &err) != SB_OK) {
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
        flags.opts = a.path;
        flags.anchors = a.anchors;
        flags.untrusted = a.untrusted;
        flags.crls = a.crls;
        ctx.inputs = &flags;
        ctx.at = &a.path.at;
    }
    at = ctx.at != NULL ? *ctx.at : ctx.now;
    if (verdict != SB_OK) {
        /* a verdict reached while reading the envelope (a document that does not match its hash) */
        res.reason = verdict;
        snprintf(res.message, sizeof(res.message), "%s", err.msg);
        rc = verdict;
    } else {
        rc = sb_validate(&ctx, &ev, &res, &at, &err);
    }
    if (sb_reason_exit_code(rc) == 2) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (va.report_path != NULL && write_report(va.report_path, &res, at, &ev, &a.path, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (json) {
        sbgw_print_json(sb_verdict_json(&res, at, NULL));
    } else if (va.report_path != NULL && strcmp(va.report_path, "-") == 0) {
        /* stdout holds the report alone */
    } else if (res.xmldsig) {
        print_xml_text(&res);
    } else {
        print_text(&res);
    }
    code = sb_reason_exit_code(rc);
out:
    sb_evidence_clear(&ev);
    sbgw_policy_cli_free(&pc);
    sb_cms_result_clear(&res);
    free(in);
    free(data);
    OPENSSL_free(digest);
    sbgw_chain_args_free(&a);
    return code;
}
