/*
 * `sigbridge tl show [--signer CERT]... [--at TIME] [--json] FILE` — parse an ETSI TS 119 612 trusted
 * list and check its signature (DESIGN §7). Exit 0: the signature verifies under one of the --signer
 * certificates (without --signer: under the certificate of the list's own KeyInfo) and --at is not past
 * NextUpdate; 1: missing, broken or foreign signature; 3: expired; 2: not XML, not a TrustServiceStatusList,
 * or a list whose signature verifies but whose content does not read (and usage errors). The signature is
 * checked before the content is read: a list altered after signing is 1 even when it no longer reads
 * (its own keys are then null / empty). When several hold, the first of 2, 1, 3 wins. --json starts with
 * the common keys valid, indication, subindication, reason, message (pki/verdict/report.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/base/load.h"
#include "pki/x509/cert_format.h"
#include "pki/base/rfc3339_time.h"
#include "pki/policy/trustlist.h"
#include "pki/verdict/report.h"
#include "pki/xml/xml_safe.h"

static void tl_usage(FILE *f)
{
    fprintf(f,
            "usage: sigbridge tl show [--signer CERT]... [--at TIME] [--json] FILE\n"
            "  FILE          an ETSI TS 119 612 trusted list (EU LOTL, national or MRA list; XAdES-signed)\n"
            "  --signer CERT expected list signer certificate(s) (repeatable; a file may hold several);\n"
            "                without it the certificate in the list's own KeyInfo is used (self-asserted)\n"
            "  --at TIME     RFC 3339 time checked against NextUpdate (default now)\n"
            "  --json        one JSON object on stdout\n"
            "exit: 0 signature ok and not expired, 1 missing/broken/foreign signature, 3 expired,\n"
            "      2 unparsable or not a trusted list\n");
}

static void time_str(time_t t, char *buf, size_t len)
{
    sb_time_format(t, buf, len);
}

static json_t *signer_json(const struct sb_tl *tl)
{
    char subj[1024], iss[1024], serial[128], fp[80];
    const char *src = tl->sig_source == SB_XMLDSIG_SRC_KEYINFO ? "keyinfo"
                      : (tl->sig_source == SB_XMLDSIG_SRC_SUPPLIED ? "argument" : NULL);
    json_t *j;

    if (tl->signer == NULL) {
        return json_pack("{s:n, s:b, s:s, s:s}", "source", "valid", 0, "reason", sb_reason_name(tl->sig_reason),
                         "message", tl->sig_message);
    }
    sb_certfmt_name(X509_get_subject_name(tl->signer), subj, sizeof(subj));
    sb_certfmt_name(X509_get_issuer_name(tl->signer), iss, sizeof(iss));
    sb_certfmt_serial(tl->signer, serial, sizeof(serial));
    sb_certfmt_sha256(tl->signer, fp, sizeof(fp));
    j = json_pack("{s:s?, s:s, s:s, s:s, s:s, s:b, s:s?, s:s}", "source", src, "subject", subj, "issuer", iss,
                  "serial", serial, "sha256", fp, "valid", tl->sig_reason == SB_OK,
                  "reason", tl->sig_reason == SB_OK ? NULL : sb_reason_name(tl->sig_reason), "message", tl->sig_message);
    return j;
}

static json_t *services_json(const struct sb_tl *tl)
{
    json_t *arr = json_array(), *certs, *one;
    const struct sb_tl_service *s;
    char when[40];
    size_t i, k;

    for (i = 0; arr != NULL && i < tl->n_services; i++) {
        s = &tl->services[i];
        certs = json_array();
        for (k = 0; certs != NULL && k < s->n_sha256; k++) {
            json_array_append_new(certs, json_string(s->sha256[k]));
        }
        time_str(s->status_start, when, sizeof(when));
        one = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "tsp", s->tsp, "name", s->name, "type", s->type,
                        "status", s->status, "status_start", when, "certificates_sha256", certs != NULL ? certs : json_array());
        if (one == NULL || json_array_append_new(arr, one) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *pointers_json(const struct sb_tl *tl)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr != NULL && i < tl->n_pointers; i++) {
        json_array_append_new(arr, json_pack("{s:s?, s:s, s:s?}", "territory", tl->pointers[i].territory,
                                             "location", tl->pointers[i].location, "mime_type", tl->pointers[i].mime_type));
    }
    return arr;
}

/* The common top-level keys for outcome rc (message msg), then the list's own keys. */
static void print_json(const struct sb_tl *tl, enum sb_reason rc, const char *msg)
{
    char issue[40], next[40];
    const int have = tl->content_read;
    json_t *top = sb_report_outcome(rc, msg), *own;
    json_t *services = services_json(tl), *pointers = pointers_json(tl);

    time_str(tl->issue_date, issue, sizeof(issue));
    time_str(tl->next_update, next, sizeof(next));
    own = json_pack("{s:s?, s:o, s:s?, s:s?, s:o, s:o, s:o}", "territory", have ? tl->territory : NULL,
                    "sequence_number", have ? json_integer((json_int_t)tl->sequence_number) : json_null(),
                    "issue_date", have ? issue : NULL, "next_update", have && tl->has_next_update ? next : NULL,
                    "signer", signer_json(tl), "services", services != NULL ? services : json_array(),
                    "pointers", pointers != NULL ? pointers : json_array());
    if (top != NULL && own != NULL && json_object_update(top, own) == 0) {
        json_decref(own);
        sbgw_print_json(top);
        return;
    }
    json_decref(own);
    json_decref(top);
    sbgw_print_json(NULL);
}

static void print_text(const struct sb_tl *tl, const struct sb_err *fresh, const char *unread)
{
    char a[40], b[40], subj[1024];
    const struct sb_tl_service *s;
    size_t i;

    time_str(tl->issue_date, a, sizeof(a));
    time_str(tl->next_update, b, sizeof(b));
    if (tl->content_read) {
        printf("trusted list %s, sequence %lld, issued %s, next update %s\n", tl->territory, tl->sequence_number, a,
               tl->has_next_update ? b : "(none: closed list)");
    } else {
        printf("trusted list content not read: %s\n", unread);
    }
    if (tl->sig_reason == SB_OK) {
        sb_certfmt_name(X509_get_subject_name(tl->signer), subj, sizeof(subj));
        printf("signature: valid, signer %s (%s)\n", subj,
               tl->sig_source == SB_XMLDSIG_SRC_KEYINFO ? "from the list's own KeyInfo: self-asserted" : "expected signer");
    } else {
        printf("signature: NOT VALID (%s): %s\n", sb_reason_name(tl->sig_reason), tl->sig_message);
    }
    if (fresh->reason != SB_OK) {
        printf("expired: %s\n", fresh->msg);
    }
    printf("%zu service(s)\n", tl->n_services);
    for (i = 0; i < tl->n_services; i++) {
        s = &tl->services[i];
        time_str(s->status_start, a, sizeof(a));
        printf("  %s | %s\n    type %s\n    status %s since %s, %zu certificate(s), %zu granted period(s)\n", s->tsp,
               s->name, s->type, s->status, a, s->n_sha256, s->n_granted);
    }
    if (tl->n_pointers > 0) {
        printf("%zu pointer(s) to other lists\n", tl->n_pointers);
    }
    for (i = 0; i < tl->n_pointers; i++) {
        printf("  %s %s %s\n", tl->pointers[i].territory != NULL ? tl->pointers[i].territory : "-",
               tl->pointers[i].location, tl->pointers[i].mime_type != NULL ? tl->pointers[i].mime_type : "-");
    }
}

/* The message of a list whose signature verified and that has not expired. */
static const char *ok_message(const struct sb_tl *tl, char *buf, size_t len)
{
    char subj[1024];

    snprintf(subj, sizeof(subj), "(unknown)");
    if (tl->signer != NULL) {
        sb_certfmt_name(X509_get_subject_name(tl->signer), subj, sizeof(subj));
    }
    snprintf(buf, len, "trusted list %s #%lld: signature valid under %.300s (%s)", tl->territory, tl->sequence_number, subj,
             tl->sig_source == SB_XMLDSIG_SRC_KEYINFO ? "the certificate of its own KeyInfo: self-asserted"
                                                      : "an expected signer");
    return buf;
}

struct tl_args {
    STACK_OF(X509) *signers;    /* owned */
    time_t at;
};

static const struct sbgw_opt tl_opts[] = {
    { .name = "signer", .has_value = 1, .kind = SBGW_OPT_CERTS, .off = offsetof(struct tl_args, signers) },
    { .name = "at", .has_value = 1, .kind = SBGW_OPT_TIME, .off = offsetof(struct tl_args, at) },
};

static int tl_show(int argc, char **argv, int json)
{
    struct tl_args ta = { NULL, time(NULL) };
    const struct sbgw_opt_group group = { tl_opts, sizeof(tl_opts) / sizeof(tl_opts[0]), &ta, NULL };
    const struct sbgw_cli cli = {
        .usage = tl_usage, .groups = &group, .n_groups = 1, .json = 1, .n_args = 1,
        .args_msg = "exactly one FILE argument expected (see sigbridge tl show --help)",
    };
    struct sb_tl *tl = NULL;
    struct sb_err err, fresh, unread;
    const struct sb_err *outcome;
    char msg[SB_ERR_MSG_MAX];
    unsigned char *in = NULL;
    size_t in_len = 0;
    enum sb_reason sig, fr;
    int code;

    sb_err_clear(&err);
    sb_err_clear(&fresh);
    if ((code = sbgw_cli_parse(&cli, argc, argv, json, &err)) >= 0) {
        goto out;
    }
    if (sb_load_file(argv[optind], SB_XML_MAX_INPUT, &in, &in_len, &err) != SB_OK
        || sb_tl_open(in, in_len, argv[optind], &tl, &err) != SB_OK) {
        code = sbgw_fail_usage(json, &err);
        goto out;
    }
    sig = sb_tl_verify(tl, ta.signers, &err);
    sb_err_clear(&unread);
    if (sb_tl_read(tl, argv[optind], &unread) != SB_OK && (sig == SB_OK || unread.reason == SB_R_INTERNAL)) {
        code = sbgw_fail_usage(json, &unread); /* signed as it is, but not a readable list */
        goto out;
    }
    fr = sb_tl_check_fresh(tl, ta.at, &fresh);
    outcome = sig != SB_OK ? &err : &fresh;
    if (json) {
        print_json(tl, outcome->reason, outcome->reason == SB_OK ? ok_message(tl, msg, sizeof(msg)) : outcome->msg);
    } else {
        print_text(tl, &fresh, unread.msg);
    }
    code = sig != SB_OK ? 1 : (fr != SB_OK ? 3 : 0);
out:
    sb_tl_free(tl);
    free(in);
    sk_X509_pop_free(ta.signers, X509_free);
    return code;
}

int sbgw_cmd_tl(int argc, char **argv)
{
    struct sb_err err;
    int json = sbgw_cli_wants_json(argc, argv);

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        tl_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "show") != 0) {
        sb_err_set(&err, SB_R_USAGE, "usage: sigbridge tl show [--signer CERT]... [--at TIME] [--json] FILE");
        return sbgw_fail_usage(json, &err);
    }
    return tl_show(argc - 1, argv + 1, json);
}
