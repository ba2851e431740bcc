/*
 * `sigbridge verify [options] FILE` — verify a CMS / PKCS#7 SignedData (DESIGN §7): DER, PEM or
 * S/MIME, PKCS#7 or GM/T 0010 OIDs, attached, detached (--data) or over a digest (--digest); or an
 * XML-DSig document (leading '<' after an optional BOM / XML declaration; pki/xml/xmldsig.h).
 * Every chain option applies to the signers' paths; --sm2-id is the signer's own ID, --chain-sm2-id the
 * one for certificate and CRL signatures. --report FILE writes the ETSI TS 119 102-2 report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/cms/cms.h"
#include "pki/verdict/validate.h"
#include "pki/base/load.h"
#include "pki/verdict/report.h"
#include "pki/verdict/report_etsi.h"
#include "pki/xml/xmldsig.h"

enum {
    OPT_DATA = 2000, OPT_DIGEST, OPT_DIGEST_ALG, OPT_REPORT, OPT_POLICY_DIR, OPT_FROM
};

static const struct option verify_extra[] = {
    { "data", required_argument, NULL, OPT_DATA },
    { "digest", required_argument, NULL, OPT_DIGEST },
    { "digest-alg", required_argument, NULL, OPT_DIGEST_ALG },
    { "report", required_argument, NULL, OPT_REPORT },
    { "policy-dir", required_argument, NULL, OPT_POLICY_DIR },
    { "from", required_argument, NULL, OPT_FROM },
    { "help", no_argument, NULL, 'h' },
};

#define VERIFY_EXTRA_COUNT (sizeof(verify_extra) / sizeof(verify_extra[0]))

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
            "  --anchor FILE  --untrusted FILE  --crl FILE   (repeatable)\n"
            "  --at TIME  --policy OID  --explicit-policy  --inhibit-policy-mapping  --inhibit-any-policy\n"
            "  --max-depth N  --revocation require|prefer|off  --eku NAME  --key-usage NAME\n"
            "  --hostname NAME  --email ADDR  --profile rfc5280|webpki   (as for sigbridge chain)\n"
            "  --report FILE            write the ETSI TS 119 102-2 validation report (XML) to FILE\n"
            "  --json                   one JSON object on stdout\n"
            "exit: 0 passed, 1 failed, 3 indeterminate, 2 usage or unreadable input\n");
}

static void print_text(const struct sb_cms_result *res)
{
    const struct sb_cms_signer *s;
    char subj[512];
    size_t i;
    int j;

    if (res->reason == SB_OK) {
        printf("OK: %s\n", res->message);
    } else {
        printf("%s/%s (%s): %s\n", sb_indication_name(sb_reason_indication(res->reason)),
               sb_reason_subindication(res->reason), sb_reason_name(res->reason), res->message);
    }
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
            sb_report_name(X509_get_subject_name(sk_X509_value(s->chain, j)), subj, sizeof(subj));
            printf("  %d: %s\n", j, subj);
        }
    }
}

static void print_json(const struct sb_cms_result *res, time_t at)
{
    const struct sb_cms_signer *s;
    json_t *top, *arr;
    size_t i;

    top = sb_report_result(res->reason, res->message, at,
                           res->n_signers > 0 ? res->signers[res->worst].chain : NULL);
    arr = json_array();
    for (i = 0; arr != NULL && i < res->n_signers; i++) {
        s = &res->signers[i];
        json_array_append_new(arr, sb_report_signer(s->subject, s->issuer, s->serial, s->reason, s->message,
                                                    s->signing_time, s->chain));
    }
    if (top != NULL) {
        json_object_set_new(top, "signers", arr != NULL ? arr : json_array());
    } else {
        json_decref(arr);
    }
    sbgw_print_json(top);
}

/* Append {"uri","element"} of each reference of s whose signature and digest verified to arr; arr. */
static json_t *xml_refs(const struct sb_xmldsig_signer *s, json_t *arr)
{
    size_t i;

    for (i = 0; arr != NULL && s->cert != NULL && i < s->n_refs; i++) {
        if (s->refs[i].digest_ok) {
            json_array_append_new(arr, json_pack("{s:s, s:s}", "uri", s->refs[i].uri, "element", s->refs[i].element));
        }
    }
    return arr;
}

static void print_xml_json(const struct sb_xmldsig_result *res, time_t at)
{
    const struct sb_xmldsig_signer *s;
    json_t *top, *arr, *all, *one;
    size_t i;

    top = sb_report_result(res->reason, res->message, at, res->n_signers > 0 ? res->signers[res->worst].chain : NULL);
    arr = json_array();
    all = json_array();
    for (i = 0; arr != NULL && i < res->n_signers; i++) {
        s = &res->signers[i];
        one = sb_report_signer(s->subject, s->issuer, s->serial, s->reason, s->message, s->signing_time, s->chain);
        if (one != NULL) {
            json_object_set_new(one, "signed_references", xml_refs(s, json_array()));
            json_array_append_new(arr, one);
        }
        all = xml_refs(s, all);
    }
    if (top != NULL) {
        json_object_set_new(top, "signers", arr != NULL ? arr : json_array());
        json_object_set_new(top, "signed_references", all != NULL ? all : json_array());
    } else {
        json_decref(arr);
        json_decref(all);
    }
    sbgw_print_json(top);
}

static void print_xml_text(const struct sb_xmldsig_result *res)
{
    const struct sb_xmldsig_signer *s;
    char subj[512];
    size_t i, k;
    int j;

    if (res->reason == SB_OK) {
        printf("OK: %s\n", res->message);
    } else {
        printf("%s/%s (%s): %s\n", sb_indication_name(sb_reason_indication(res->reason)),
               sb_reason_subindication(res->reason), sb_reason_name(res->reason), res->message);
    }
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
            sb_report_name(X509_get_subject_name(sk_X509_value(s->chain, j)), subj, sizeof(subj));
            printf("  %d: %s\n", j, subj);
        }
    }
}

/* Write the ETSI TS 119 102-2 report to path; SB_OK or an error in err. */
static enum sb_reason write_report(const char *path, const struct sb_etsi_input *in, struct sb_err *err)
{
    unsigned char *xml = NULL;
    size_t len = 0;
    FILE *f;
    enum sb_reason rc;

    if ((rc = sb_report_etsi(in, &xml, &len, err)) != SB_OK) {
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

/* The XML-DSig branch of verify; returns the exit status. */
static int verify_xml(struct sbgw_chain_args *a, const struct verify_args *va, int json, const unsigned char *in,
                      size_t in_len, struct sb_err *err)
{
    struct sb_xmldsig_verify_opts xo;
    struct sb_xmldsig_result res;
    struct sb_etsi_signer *es = NULL;
    struct sb_etsi_input ei;
    enum sb_reason rc;
    size_t i;
    int code;

    memset(&res, 0, sizeof(res));
    if (va->data_path != NULL || va->digest_hex != NULL) {
        sb_err_set(err, SB_R_USAGE, "--data and --digest apply to CMS only: XML-DSig references must point into "
                   "the document");
        return sbgw_fail_usage(json, err);
    }
    memset(&xo, 0, sizeof(xo));
    xo.path = &a->path;
    xo.anchors = a->anchors;
    xo.untrusted = a->untrusted;
    rc = sb_xmldsig_verify(in, in_len, &xo, &res, err);
    if (sb_reason_exit_code(rc) == 2) {
        code = sbgw_fail_usage(json, err);
        goto out;
    }
    if (va->report_path != NULL) {
        memset(&ei, 0, sizeof(ei));
        if (res.n_signers > 0 && (es = OPENSSL_zalloc(sizeof(*es) * res.n_signers)) == NULL) {
            sb_err_set(err, SB_R_INTERNAL, "out of memory");
            code = sbgw_fail_usage(json, err);
            goto out;
        }
        for (i = 0; i < res.n_signers; i++) {
            es[i].reason = res.signers[i].reason;
            es[i].message = res.signers[i].message;
            es[i].cert = res.signers[i].cert;
            es[i].chain = res.signers[i].chain;
            es[i].signing_time = res.signers[i].signing_time;
            es[i].sig_value = res.signers[i].sig_value;
            es[i].sig_len = res.signers[i].sig_len;
        }
        ei.validation_time = a->path.at;
        ei.object = in;
        ei.object_len = in_len;
        ei.path = &a->path;
        ei.signers = es;
        ei.n_signers = res.n_signers;
        ei.reason = res.reason;
        ei.message = res.message;
        if (write_report(va->report_path, &ei, err) != SB_OK) {
            code = sbgw_fail_usage(json, err);
            goto out;
        }
    }
    if (json) {
        print_xml_json(&res, a->path.at);
    } else {
        print_xml_text(&res);
    }
    code = sb_reason_exit_code(rc);
out:
    OPENSSL_free(es);
    sb_xmldsig_result_clear(&res);
    return code;
}

/* The ETSI report for a CMS result. */
static enum sb_reason cms_report(const struct verify_args *va, const struct sbgw_chain_args *a,
                                 const struct sb_cms_result *res, const unsigned char *in, size_t in_len,
                                 const unsigned char *data, size_t data_len, struct sb_err *err)
{
    struct sb_etsi_signer *es = NULL;
    struct sb_etsi_input ei;
    enum sb_reason rc;
    size_t i;

    memset(&ei, 0, sizeof(ei));
    if (res->n_signers > 0 && (es = OPENSSL_zalloc(sizeof(*es) * res->n_signers)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    for (i = 0; i < res->n_signers; i++) {
        es[i].reason = res->signers[i].reason;
        es[i].message = res->signers[i].message;
        es[i].cert = res->signers[i].cert;
        es[i].chain = res->signers[i].chain;
        es[i].signing_time = res->signers[i].signing_time;
    }
    ei.validation_time = a->path.at;
    ei.object = in;
    ei.object_len = in_len;
    ei.content = data;
    ei.content_len = data_len;
    ei.hash_only = va->digest_hex != NULL;
    ei.path = &a->path;
    ei.signers = es;
    ei.n_signers = res->n_signers;
    ei.reason = res->reason;
    ei.message = res->message;
    rc = write_report(va->report_path, &ei, err);
    OPENSSL_free(es);
    return rc;
}

/* 1 if the input starts (after a BOM and white space) with '<': XML. */
static int looks_xml(const unsigned char *d, size_t n)
{
    size_t i = 0;

    if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
        i = 3;
    }
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) {
        i++;
    }
    return i < n && d[i] == '<';
}

/* Parse the command line into a and va; -1 to go on, else the exit status (usage error or --help). */
static int parse_args(int argc, char **argv, int json, struct sbgw_chain_args *a, struct verify_args *va,
                      struct sbgw_policy_cli *pc, struct sb_err *err)
{
    struct option longopts[SBGW_CHAIN_LONGOPTS_COUNT + VERIFY_EXTRA_COUNT + 1];
    size_t n = 0;
    int c, r, idx;

    /* the shared rows, up to their terminator (SBGW_CHAIN_LONGOPTS_COUNT bounds the table) */
    while (n < SBGW_CHAIN_LONGOPTS_COUNT && sbgw_chain_longopts[n].name != NULL) {
        n++;
    }
    memcpy(longopts, sbgw_chain_longopts, sizeof(struct option) * n);
    memcpy(longopts + n, verify_extra, sizeof(verify_extra));
    longopts[n + VERIFY_EXTRA_COUNT] = (struct option){ NULL, 0, NULL, 0 };
    optind = 1;
    opterr = 0;
    for (;;) {
        idx = -1;
        if ((c = getopt_long(argc, argv, "h", longopts, &idx)) == -1) {
            break;
        }
        switch (c) {
        case 'h':
            verify_usage(stdout);
            return 0;
        case '?':
        case ':':
            sb_err_set(err, SB_R_USAGE, "unknown option or missing value: %s", argv[optind - 1]);
            return sbgw_fail_usage(json, err);
        case OPT_DATA:
            va->data_path = optarg;
            continue;
        case OPT_DIGEST:
            va->digest_hex = optarg;
            continue;
        case OPT_DIGEST_ALG:
            va->digest_alg = optarg;
            continue;
        case OPT_REPORT:
            va->report_path = optarg;
            continue;
        case OPT_POLICY_DIR:
            pc->dir = optarg;
            continue;
        case OPT_FROM:
            pc->from = optarg;
            continue;
        default:
            break;
        }
        if (idx >= 0) {
            sbgw_policy_cli_note(pc, longopts[idx].name);
        }
        /* the chain options' --sm2-id is, for verify, the signer's own ID */
        if (idx >= 0 && strcmp(longopts[idx].name, "sm2-id") == 0) {
            va->signer_id = optarg;
            continue;
        }
        r = sbgw_chain_args_apply(a, c, optarg, err);
        if (r <= 0) {
            if (r == 0) {
                sb_err_set(err, SB_R_USAGE, "option not valid for verify");
            }
            return sbgw_fail_usage(json, err);
        }
    }
    if (optind != argc - 1) {
        sb_err_set(err, SB_R_USAGE, "exactly one FILE argument expected (see sigbridge verify --help)");
        return sbgw_fail_usage(json, err);
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
    return -1;
}

int sbgw_cmd_verify(int argc, char **argv)
{
    struct sbgw_chain_args a;
    struct verify_args va;
    struct sb_cms_verify_opts vo;
    struct sbgw_policy_cli pc;
    struct sb_cms_result res;
    struct sb_err err;
    unsigned char *in = NULL, *data = NULL, *digest = NULL;
    size_t in_len = 0, data_len = 0, digest_len = 0;
    long dlen = 0;
    int i, json = 0, code;
    enum sb_reason rc;

    memset(&va, 0, sizeof(va));
    memset(&pc, 0, sizeof(pc));
    memset(&res, 0, sizeof(res));
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        }
    }
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
    if (!sb_cms_looks_like(in, in_len) && looks_xml(in, in_len)) {
        if (pc.dir != NULL) {
            sb_err_set(&err, SB_R_USAGE, "--policy-dir with XML input: use sigbridge translate or the gateway");
            code = sbgw_fail_usage(json, &err);
            goto out;
        }
        code = verify_xml(&a, &va, json, in, in_len, &err);
        goto out;
    }
    memset(&vo, 0, sizeof(vo));
    vo.path = pc.dir != NULL ? &pc.in.opts : &a.path;
    vo.anchors = pc.dir != NULL ? pc.in.anchors : a.anchors;
    vo.untrusted = pc.dir != NULL ? pc.in.untrusted : a.untrusted;
    vo.data = data;
    vo.data_len = data_len;
    vo.digest = digest;
    vo.digest_len = digest_len;
    vo.digest_alg = va.digest_alg;
    vo.sm2_id = va.signer_id != NULL || pc.pol == NULL ? va.signer_id : pc.pol->sm2_default_id;
    rc = sb_cms_verify(in, in_len, &vo, &res, &err);
    if (pc.pol != NULL && res.n_signers > 0) {
        sb_validate_apply_policy(pc.pol, &res);
        rc = res.reason;
    }
    if (sb_reason_exit_code(rc) == 2) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (va.report_path != NULL && cms_report(&va, &a, &res, in, in_len, data, data_len, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (json) {
        print_json(&res, vo.path->at);
    } else {
        print_text(&res);
    }
    code = sb_reason_exit_code(rc);
out:
    sbgw_policy_cli_free(&pc);
    sb_cms_result_clear(&res);
    free(in);
    free(data);
    OPENSSL_free(digest);
    sbgw_chain_args_free(&a);
    return code;
}
