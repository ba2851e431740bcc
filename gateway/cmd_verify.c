/*
 * `sigbridge verify [options] FILE` — verify a CMS / PKCS#7 SignedData (DESIGN §7): DER, PEM or
 * S/MIME, PKCS#7 or GM/T 0010 OIDs, attached, detached (--data) or over a digest (--digest).
 * Every chain option applies to the signers' paths; --sm2-id is the signer's own ID, --chain-sm2-id the
 * one for certificate and CRL signatures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli_opts.h"
#include "cmd.h"
#include "pki/cms.h"
#include "pki/load.h"
#include "pki/report.h"

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
};

static void verify_usage(FILE *f)
{
    fprintf(f,
            "usage: sigbridge verify [options] FILE\n"
            "  FILE: CMS / PKCS#7 SignedData as DER, PEM (CMS, PKCS7) or S/MIME; PKCS#7 or GM/T 0010 OIDs\n"
            "  --data FILE              detached content\n"
            "  --digest HEX             the object signs only this digest of the content (no content given)\n"
            "  --digest-alg ALG         sha256 | sha384 | sha512 | sm3 (default: by digest length, sha256)\n"
            "  --sm2-id ID              the signer's SM2 distinguishing ID (default 1234567812345678)\n"
            "  --chain-sm2-id ID        SM2 ID for certificate and CRL signatures (default GM/T)\n"
            "  --anchor FILE  --untrusted FILE  --crl FILE   (repeatable)\n"
            "  --at TIME  --policy OID  --explicit-policy  --inhibit-policy-mapping  --inhibit-any-policy\n"
            "  --max-depth N  --revocation require|prefer|off  --eku NAME  --key-usage NAME\n"
            "  --hostname NAME  --email ADDR  --profile rfc5280|webpki   (as for sigbridge chain)\n"
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
                      struct sb_err *err)
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
        case OPT_POLICY_DIR:
        case OPT_FROM:
            sb_err_set(err, SB_R_USAGE, "--%s is not supported yet", longopts[idx].name);
            return sbgw_fail_usage(json, err);
        default:
            break;
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
    struct sb_cms_result res;
    struct sb_err err;
    unsigned char *in = NULL, *data = NULL, *digest = NULL;
    size_t in_len = 0, data_len = 0, digest_len = 0;
    long dlen = 0;
    int i, json = 0, code;
    enum sb_reason rc;

    memset(&va, 0, sizeof(va));
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
    if ((code = parse_args(argc, argv, json, &a, &va, &err)) >= 0) {
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
        sb_err_set(&err, SB_R_USAGE, "%s: XML-DSig verification is not supported yet", argv[optind]);
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    memset(&vo, 0, sizeof(vo));
    vo.path = &a.path;
    vo.anchors = a.anchors;
    vo.untrusted = a.untrusted;
    vo.data = data;
    vo.data_len = data_len;
    vo.digest = digest;
    vo.digest_len = digest_len;
    vo.digest_alg = va.digest_alg;
    vo.sm2_id = va.signer_id;
    rc = sb_cms_verify(in, in_len, &vo, &res, &err);
    if (sb_reason_exit_code(rc) == 2) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    if (json) {
        print_json(&res, a.path.at);
    } else {
        print_text(&res);
    }
    code = sb_reason_exit_code(rc);
out:
    sb_cms_result_clear(&res);
    free(in);
    free(data);
    OPENSSL_free(digest);
    sbgw_chain_args_free(&a);
    return code;
}
