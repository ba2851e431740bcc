/*
 * `sigbridge audit verify [--json] [--cert NODE.pem]... [--checkpoint FILE] LOG` — check a gateway audit log
 * (gateway/daemon/audit_verify.h): its hash chain and, with the node certificates, its signed checkpoints,
 * unsigned tail and checkpoint side file. Exit 0: every check holds; 1: broken (the first bad line is named:
 * edited, removed, inserted or reordered records, a checkpoint that does not verify, checkpoints removed,
 * records cut); 3: everything holds but the last line is torn (a crash mid-write; the daemon cuts it on its
 * next start); 2: usage, or an unreadable file or certificate.
 * The first output line is the verdict; the indented lines after it summarise the log for a person in a
 * dispute (records, nodes, times, the last checkpoint, the unsigned tail, the side file, the signer).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "gateway/daemon/audit_signer.h"
#include "gateway/daemon/audit_verify.h"
#include "pki/x509/cert_format.h"

struct audit_args {
    STACK_OF(X509) *certs;               /* owned: --cert, repeatable */
    STACK_OF(X509) *tsa;                 /* owned: --tsa-anchor, repeatable */
    const char *checkpoint;              /* --checkpoint FILE */
    int json;
};

#define AA(f) offsetof(struct audit_args, f)
static const struct sbgw_opt audit_opts[] = {
    { .name = "cert", .has_value = 1, .kind = SBGW_OPT_CERTS, .off = AA(certs) },
    { .name = "checkpoint", .has_value = 1, .kind = SBGW_OPT_STR, .off = AA(checkpoint) },
    { .name = "tsa-anchor", .has_value = 1, .kind = SBGW_OPT_CERTS, .off = AA(tsa) },
};

static void audit_usage(FILE *f)
{
    fprintf(f, "usage: sigbridge audit verify [--json] [--cert NODE.pem]... [--checkpoint FILE] "
               "[--tsa-anchor TSA.pem]... LOG\n"
               "  check the hash chain of a gateway audit log; a log may start with a \"reopen\" checkpoint\n"
               "  (a continuation file after rotation). With --cert (repeatable: any of the node certificates\n"
               "  may have signed) every checkpoint must be signed by one of them and verify, the log must hold\n"
               "  a checkpoint, the unsigned tail after the last one must not exceed its cadence, and the side\n"
               "  file's checkpoint (--checkpoint FILE, default LOG.checkpoint when present) must be in the log.\n"
               "  With --tsa-anchor (repeatable: the time-stamping authority's CA or certificate) every time anchor\n"
               "  must verify over the checkpoint it names, with its genTime within the checkpoint's cadence, and\n"
               "  a log with checkpoints must hold one.\n"
               "  exit 0 intact, 1 broken (names the first bad line), 3 truncated tail only,\n"
               "  2 usage or unreadable file\n");
}

static const char *status_word(int rc)
{
    return rc == 0 ? "intact" : rc == 1 ? "broken" : rc == 3 ? "truncated" : "error";
}

static const char *side_word(enum sbgw_audit_side_state s)
{
    switch (s) {
    case SBGW_AUDIT_SIDE_IN_LOG:
        return "in_log";
    case SBGW_AUDIT_SIDE_MISSING:
        return "missing";
    case SBGW_AUDIT_SIDE_UNREADABLE:
        return "unreadable";
    case SBGW_AUDIT_SIDE_NONE:
    default:
        return "none";
    }
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static void print_json(const char *file, int rc, const struct sbgw_audit_report *r, const STACK_OF(X509) *certs)
{
    const struct sbgw_audit_verify *v = &r->v;
    json_t *o = json_object(), *nodes = json_array(), *signers = json_array();
    char subj[512];
    size_t i;
    char *s;

    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "status", json_string(status_word(rc)));
    json_object_set_new(o, "records", json_integer((json_int_t)v->records));
    json_object_set_new(o, "line", v->line > 0 ? json_integer((json_int_t)v->line) : json_null());
    json_object_set_new(o, "message", json_string(v->why));
    json_object_set_new(o, "last_hash", v->last_hash[0] != '\0' ? json_string(v->last_hash) : json_null());
    json_object_set_new(o, "decisions", json_integer((json_int_t)r->decisions));
    json_object_set_new(o, "checkpoints", json_integer((json_int_t)r->checkpoints));
    json_object_set_new(o, "signed_checkpoints", json_integer((json_int_t)r->signed_checkpoints));
    json_object_set_new(o, "anchors", json_integer((json_int_t)r->anchors));
    json_object_set_new(o, "anchors_verified", json_boolean(r->anchors_checked));
    json_object_set_new(o, "first_anchor_time", str_or_null(r->first_gen_time));
    json_object_set_new(o, "last_anchor_time", str_or_null(r->last_gen_time));
    for (i = 0; i < r->n_nodes; i++) {
        json_array_append_new(nodes, json_string(r->nodes[i]));
    }
    json_object_set_new(o, "nodes", nodes);
    json_object_set_new(o, "first_time", str_or_null(r->first_time));
    json_object_set_new(o, "last_time", str_or_null(r->last_time));
    json_object_set_new(o, "first_seq", r->last_line > 0 ? json_integer(r->first_seq) : json_null());
    json_object_set_new(o, "last_seq", r->last_line > 0 ? json_integer(r->last_seq) : json_null());
    json_object_set_new(o, "continues_seq", r->continues ? json_integer(r->continues_seq) : json_null());
    json_object_set_new(o, "last_checkpoint",
                        r->last_ckpt.line == 0 ? json_null()
                                               : json_pack("{s:I,s:I,s:o,s:o}", "line", (json_int_t)r->last_ckpt.line,
                                                           "seq", (json_int_t)r->last_ckpt.seq, "time",
                                                           str_or_null(r->last_ckpt.time), "event",
                                                           str_or_null(r->last_ckpt.event)));
    json_object_set_new(o, "unsigned_tail",
                        r->tail_records == 0 ? json_null()
                                             : json_pack("{s:I,s:I,s:I}", "records", (json_int_t)r->tail_records,
                                                         "first_line", (json_int_t)r->tail_first, "last_line",
                                                         (json_int_t)r->tail_last));
    json_object_set_new(o, "checkpoint_file",
                        r->side == SBGW_AUDIT_SIDE_NONE
                            ? json_null()
                            : json_pack("{s:s,s:o,s:s}", "file", r->side_path, "seq",
                                        r->side == SBGW_AUDIT_SIDE_UNREADABLE ? json_null()
                                                                              : json_integer(r->side_seq),
                                        "status", side_word(r->side)));
    for (i = 0; i < (size_t)sk_X509_num(certs) && i < SBGW_AUDIT_VERIFY_MAX_CERTS; i++) {
        if (r->signers_used & (1u << i)) {
            sb_certfmt_name(X509_get_subject_name(sk_X509_value(certs, (int)i)), subj, sizeof(subj));
            json_array_append_new(signers, json_string(subj));
        }
    }
    json_object_set_new(o, "signers", signers);
    json_object_set_new(o, "signed", json_boolean(r->signed_ok));
    if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
        puts(s);
        free(s);
    }
    json_decref(o);
}

/* "(none)" for an empty string. */
static const char *or_none(const char *s)
{
    return s[0] != '\0' ? s : "(none)";
}

/* The indented summary after the verdict line. */
static void print_summary(const struct sbgw_audit_report *r, const STACK_OF(X509) *certs)
{
    char subj[512], sha[65];
    size_t i;

    if (r->v.line > 0 && r->v.records + 1 == r->v.line && r->last_line + 1 == r->v.line) {
        printf("  (what follows describes the %zu records before line %zu)\n", r->v.records, r->v.line);
    }
    printf("  records: %zu (%zu decisions, %zu checkpoints, %zu signed checkpoints)\n",
           r->decisions + r->checkpoints, r->decisions, r->checkpoints, r->signed_checkpoints);
    printf("  anchors: %zu", r->anchors);
    if (r->anchors > 0) {
        printf(" (genTime %s to %s)", or_none(r->first_gen_time), or_none(r->last_gen_time));
    }
    printf("%s\n  nodes:", r->anchors_checked ? ", every token verifies under the given TSA anchors"
                            : r->anchors > 0 ? ", not checked (no --tsa-anchor)" : "");
    for (i = 0; i < r->n_nodes; i++) {
        printf("%s %s", i > 0 ? "," : "", r->nodes[i]);
    }
    if (r->nodes_more > 0) {
        printf(" and %zu more", r->nodes_more);
    }
    printf("%s\n", r->n_nodes == 0 ? " (none)" : "");
    if (r->last_line > 0) {
        printf("  first record: seq %lld at %s\n  last record: seq %lld at %s\n", r->first_seq,
               or_none(r->first_time), r->last_seq, or_none(r->last_time));
    }
    if (r->continues) {
        printf("  continues the chain of seq %lld (hash %s)\n", r->continues_seq, r->continues_hash);
    }
    if (r->last_ckpt.line > 0) {
        printf("  last checkpoint: line %zu, seq %lld, %s, event %s\n", r->last_ckpt.line, r->last_ckpt.seq,
               or_none(r->last_ckpt.time), or_none(r->last_ckpt.event));
    } else {
        printf("  last checkpoint: none\n");
    }
    if (r->tail_records > 0) {
        printf("  unsigned tail: %zu records after the last checkpoint (lines %zu\u2013%zu), not covered by a "
               "signature\n", r->tail_records, r->tail_first, r->tail_last);
    } else if (r->last_ckpt.line > 0) {
        printf("  unsigned tail: none (the log ends with a checkpoint)\n");
    }
    switch (r->side) {
    case SBGW_AUDIT_SIDE_NONE:
        printf("  checkpoint file: none found\n");
        break;
    case SBGW_AUDIT_SIDE_UNREADABLE:
        printf("  checkpoint file: %s (%s): unreadable: %s\n", r->side_path, r->side_default ? "default" : "given",
               r->side_why);
        break;
    case SBGW_AUDIT_SIDE_IN_LOG:
    case SBGW_AUDIT_SIDE_MISSING:
    default:
        printf("  checkpoint file: %s (%s): its checkpoint (seq %lld) is %s\n", r->side_path,
               r->side_default ? "default" : "given", r->side_seq,
               r->side == SBGW_AUDIT_SIDE_IN_LOG ? "in the log" : "NOT in the log");
        break;
    }
    if (!r->certs_given) {
        printf("  signatures: not checked (no --cert)\n");
        return;
    }
    printf("  signatures: %s\n", r->signed_ok ? "every checkpoint verifies with the given certificates"
                                               : "NOT verified (see above)");
    for (i = 0; i < (size_t)sk_X509_num(certs) && i < SBGW_AUDIT_VERIFY_MAX_CERTS; i++) {
        if (r->signers_used & (1u << i)) {
            sb_certfmt_name(X509_get_subject_name(sk_X509_value(certs, (int)i)), subj, sizeof(subj));
            if (sbgw_audit_cert_sha256(sk_X509_value(certs, (int)i), sha) != 0) {
                sha[0] = '\0';
            }
            printf("  signed by: %s (cert_sha256 %s)\n", subj, sha);
        }
    }
}

/* audit words its usage errors itself (never JSON). */
static int audit_fail(enum sbgw_cli_fault f, const char *arg, const struct sb_err *err)
{
    if (f == SBGW_CLI_BAD_OPTION && (strcmp(arg, "--cert") == 0 || strcmp(arg, "--checkpoint") == 0 ||
                                     strcmp(arg, "--tsa-anchor") == 0)) {
        fprintf(stderr, "sigbridge audit verify: option '%s' needs a value\n", arg);
    } else if (f == SBGW_CLI_BAD_OPTION) {
        fprintf(stderr, "sigbridge audit verify: unknown option '%s'\n", arg);
    } else if (f == SBGW_CLI_BAD_VALUE) {
        fprintf(stderr, "sigbridge audit verify: cannot load a certificate: %s\n", err->msg);
    } else {
        audit_usage(stderr);
    }
    return 2;
}

static int run(struct audit_args *a, const char *file)
{
    X509 *certs[SBGW_AUDIT_VERIFY_MAX_CERTS];
    struct sbgw_audit_verify_opts o = { .certs = certs, .side_path = a->checkpoint, .tsa_anchors = a->tsa };
    struct sbgw_audit_report *r;
    const struct sbgw_audit_verify *v;
    int n = a->certs != NULL ? sk_X509_num(a->certs) : 0, rc, i;

    if (n > SBGW_AUDIT_VERIFY_MAX_CERTS) {
        fprintf(stderr, "sigbridge audit verify: at most %d certificates\n", SBGW_AUDIT_VERIFY_MAX_CERTS);
        return 2;
    }
    for (i = 0; i < n; i++) {
        certs[i] = sk_X509_value(a->certs, i);
    }
    o.n_certs = (size_t)n;
    if ((r = malloc(sizeof(*r))) == NULL) {
        fprintf(stderr, "sigbridge audit verify: out of memory\n");
        return 2;
    }
    rc = sbgw_audit_verify_report(file, &o, r);
    v = &r->v;
    if (a->json) {
        print_json(file, rc, r, a->certs);
        free(r);
        return rc;
    }
    switch (rc) {
    case 0:
        printf("%s: %zu records, chain intact%s%s\n", file, v->records, v->records > 0 ? "; last hash " : "",
               v->last_hash);
        break;
    case 1:
        printf("%s:%zu: broken chain: %s (%zu records before it verify)\n", file, v->line, v->why, v->records);
        break;
    case 3:
        printf("%s:%zu: %s; the %zu records before it are intact\n", file, v->line, v->why, v->records);
        break;
    default:
        fprintf(stderr, "sigbridge audit verify: %s: %s\n", file, v->why);
        free(r);
        return 2;
    }
    print_summary(r, a->certs);
    free(r);
    return rc;
}

int sbgw_cmd_audit(int argc, char **argv)
{
    struct audit_args a = { 0 };
    const struct sbgw_opt_group groups[] = { { audit_opts, sizeof(audit_opts) / sizeof(audit_opts[0]), &a, NULL } };
    const struct sbgw_cli cli = { .usage = audit_usage, .groups = groups, .n_groups = 1, .json = 1, .n_args = 1,
                                  .fail = audit_fail };
    struct sb_err err;
    int rc;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        audit_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        audit_usage(stderr);
        return 2;
    }
    a.json = sbgw_cli_wants_json(argc, argv);
    sb_err_clear(&err);
    if ((rc = sbgw_cli_parse(&cli, argc - 1, argv + 1, a.json, &err)) < 0) {
        rc = run(&a, argv[1 + optind]);
    }
    sk_X509_pop_free(a.certs, X509_free);
    sk_X509_pop_free(a.tsa, X509_free);
    return rc;
}
