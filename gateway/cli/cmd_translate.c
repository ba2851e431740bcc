/*
 * `sigbridge translate --policy-dir DIR --from A --to B [--at TIME] [--content-type T]
 * [--gateway-id ID] [--json] [--out FILE] FILE` — validate FILE under A's policy, apply recognition.yaml's
 * A→B rule and, when B recognises the signer, sign an attestation with B's gateway key (adapters/
 * translate.h). Exit status (DESIGN §7): 0 valid and recognised (attestation made), 1 / 3 the validation
 * verdict under A, 3 with reason POLICY when valid but not recognised, 2 usage or unreadable input.
 */
#include "gateway/cli/cmd.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/translate.h"
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/base/load.h"
#include "pki/base/rfc3339_time.h"

struct translate_args {
    const char *policy_dir, *from, *to, *content_type, *gateway_id, *out, *file;
    time_t at;
    int at_given, json;
};

#define TA(f) offsetof(struct translate_args, f)

static const struct sbgw_opt translate_opts[] = {
    { .name = "policy-dir", .has_value = 1, .kind = SBGW_OPT_STR, .off = TA(policy_dir), .required = 1 },
    { .name = "from", .has_value = 1, .kind = SBGW_OPT_STR, .off = TA(from), .required = 1 },
    { .name = "to", .has_value = 1, .kind = SBGW_OPT_STR, .off = TA(to), .required = 1 },
    { .name = "at", .has_value = 1, .kind = SBGW_OPT_TIME, .off = TA(at), .given_off = TA(at_given) },
    { .name = "content-type", .has_value = 1, .kind = SBGW_OPT_STR, .off = TA(content_type) },
    { .name = "gateway-id", .has_value = 1, .kind = SBGW_OPT_STR, .off = TA(gateway_id) },
    { .name = "out", .has_value = 1, .kind = SBGW_OPT_STR, .off = TA(out) },
};

static void translate_usage(FILE *f)
{
    fprintf(f,
            "usage: sigbridge translate --policy-dir DIR --from A --to B [options] FILE\n"
            "  FILE: what A's systems send: CMS / PKCS#7 / GM/T 0010 SignedData, an XML-DSig document, or an\n"
            "        adapter's JSON envelope (hk: iAM Smart hash signing result; cn: raw SM2 signature)\n"
            "  --policy-dir DIR         the policy set (A.yaml, B.yaml, recognition.yaml)\n"
            "  --from A  --to B         sending and receiving jurisdictions\n"
            "  --at TIME                validation time (RFC 3339); default: A's policy rule at now\n"
            "  --content-type T         media type of FILE (default: sniffed)\n"
            "  --gateway-id ID          gateway id written into the attestation (default: host name)\n"
            "  --out FILE               write the attestation (DER SignedData or signed XML) to FILE\n"
            "  --json                   one JSON object on stdout (result, recognition, attestation base64)\n"
            "exit: 0 valid and recognised, 1 failed, 3 indeterminate or not recognised (POLICY), 2 usage/input\n");
}

/* -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct translate_args *a, struct sb_err *err)
{
    const struct sbgw_opt_group group = { translate_opts, sizeof(translate_opts) / sizeof(translate_opts[0]), a,
                                          NULL };
    const struct sbgw_cli cli = {
        .usage = translate_usage, .groups = &group, .n_groups = 1, .json = 1, .n_args = 1,
        .args_msg = "exactly one FILE argument expected (see sigbridge translate --help)",
        .required_msg = "--policy-dir, --from and --to are required",
    };
    int code;

    if ((code = sbgw_cli_parse(&cli, argc, argv, a->json, err)) >= 0) {
        return code;
    }
    a->file = argv[optind];
    return -1;
}

static int write_file(const char *path, const unsigned char *d, size_t n, struct sb_err *err)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL) {
        sb_err_set(err, SB_R_INPUT_UNREADABLE, "--out %s: cannot create the file", path);
        return 0;
    }
    if (fwrite(d, 1, n, f) != n) {
        fclose(f);
        sb_err_set(err, SB_R_INPUT_UNREADABLE, "--out %s: write failed", path);
        return 0;
    }
    if (fclose(f) != 0) {
        sb_err_set(err, SB_R_INPUT_UNREADABLE, "--out %s: write failed", path);
        return 0;
    }
    return 1;
}

static void print_text(const struct translate_args *a, const struct sb_translate_out *o)
{
    if (o->reason == SB_OK) {
        printf("OK: %s -> %s recognised by rule %s; %s attestation (%zu bytes)%s%s\n", a->from, a->to, o->rule,
               sb_attest_format_name(o->attestation_format), o->attestation_len, a->out != NULL ? " written to " : "",
               a->out != NULL ? a->out : " (give --out FILE to keep it)");
    } else {
        printf("%s/%s (%s): %s\n", sb_indication_name(sb_reason_indication(o->reason)),
               sb_reason_subindication(o->reason), sb_reason_name(o->reason), o->why_not);
    }
    if (o->signer_subject[0] != '\0') {
        printf("signer: %s (serial %s)\n", o->signer_subject, o->signer_serial);
    }
    printf("object sha256: %s\n", o->object_sha256);
}

int sbgw_cmd_translate(int argc, char **argv)
{
    struct translate_args a;
    struct sb_translate_req req;
    struct sb_translate_out out;
    struct sb_policy_set *set = NULL;
    struct sb_err err;
    unsigned char *in = NULL;
    size_t in_len = 0;
    char host[128];
    int code;

    memset(&a, 0, sizeof(a));
    memset(&out, 0, sizeof(out));
    sb_err_clear(&err);
    a.json = sbgw_cli_wants_json(argc, argv);
    if ((code = parse_args(argc, argv, &a, &err)) >= 0) {
        goto out;
    }
    if (sbgw_policy_load_set(a.policy_dir, a.json, &set, &err) != SB_OK) {
        code = sbgw_fail_usage(a.json, &err);
        goto out;
    }
    if (sb_load_file(a.file, SB_EV_MAX_INPUT, &in, &in_len, &err) != SB_OK) {
        code = sbgw_fail_usage(a.json, &err);
        goto out;
    }
    if (a.gateway_id == NULL) {
        host[0] = '\0';
        if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
            snprintf(host, sizeof(host), "sigbridge");
        }
        host[sizeof(host) - 1] = '\0';
        a.gateway_id = host;
    }
    memset(&req, 0, sizeof(req));
    req.set = set;
    req.from = a.from;
    req.to = a.to;
    req.in = in;
    req.len = in_len;
    req.content_type = a.content_type;
    req.now = time(NULL);
    req.at = a.at_given ? &a.at : NULL;
    req.gateway_id = a.gateway_id;
    if (sb_translate_run(&req, &out, &err) != SB_OK && out.json == NULL) {
        code = sbgw_fail_usage(a.json, &err);
        goto out;
    }
    if (a.out != NULL && out.attestation != NULL && !write_file(a.out, out.attestation, out.attestation_len, &err)) {
        code = sbgw_fail_usage(a.json, &err);
        goto out;
    }
    if (a.json) {
        sbgw_print_json(out.json);
        out.json = NULL;
    } else {
        print_text(&a, &out);
    }
    code = sb_reason_exit_code(out.reason);
out:
    sb_translate_out_clear(&out);
    sb_policy_set_free(set);
    free(in);
    return code;
}
