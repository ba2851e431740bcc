/*
 * `sigbridge audit verify [--json] FILE` — check a gateway audit log's hash chain (gateway/daemon/audit.h).
 * Exit 0: every record verifies; 1: the chain is broken (the first bad line is named: edited, removed,
 * inserted or reordered records); 3: every whole record verifies but the last line is torn (a crash
 * mid-write; the daemon cuts it on its next start); 2: usage or unreadable file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "gateway/daemon/audit.h"

static void audit_usage(FILE *f)
{
    fprintf(f, "usage: sigbridge audit verify [--json] FILE\n"
               "  check the hash chain of a gateway audit log\n"
               "  exit 0 intact, 1 broken chain (names the first bad line), 3 truncated tail only,\n"
               "  2 usage or unreadable file\n");
}

static void print_json(const char *file, int rc, const struct sbgw_audit_verify *v)
{
    json_t *o = json_object();
    char *s;

    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "status", json_string(rc == 0 ? "intact" : rc == 1 ? "broken" : rc == 3 ? "truncated"
                                                                                                     : "error"));
    json_object_set_new(o, "records", json_integer((json_int_t)v->records));
    json_object_set_new(o, "line", v->line > 0 ? json_integer((json_int_t)v->line) : json_null());
    json_object_set_new(o, "message", json_string(v->why));
    json_object_set_new(o, "last_hash", v->last_hash[0] != '\0' ? json_string(v->last_hash) : json_null());
    if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
        puts(s);
        free(s);
    }
    json_decref(o);
}

/* audit words its usage errors itself (never JSON). */
static int audit_fail(enum sbgw_cli_fault f, const char *arg, const struct sb_err *err)
{
    (void)err;
    if (f == SBGW_CLI_BAD_OPTION) {
        fprintf(stderr, "sigbridge audit verify: unknown option '%s'\n", arg);
    } else {
        audit_usage(stderr);
    }
    return 2;
}

int sbgw_cmd_audit(int argc, char **argv)
{
    const struct sbgw_cli cli = { .usage = audit_usage, .json = 1, .n_args = 1, .fail = audit_fail };
    struct sbgw_audit_verify v;
    struct sb_err err;
    const char *file;
    int json, rc;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        audit_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        audit_usage(stderr);
        return 2;
    }
    json = sbgw_cli_wants_json(argc, argv);
    sb_err_clear(&err);
    if ((rc = sbgw_cli_parse(&cli, argc - 1, argv + 1, json, &err)) >= 0) {
        return rc;
    }
    file = argv[1 + optind];
    rc = sbgw_audit_verify_file(file, &v);
    if (json) {
        print_json(file, rc, &v);
        return rc;
    }
    switch (rc) {
    case 0:
        printf("%s: %zu records, chain intact%s%s\n", file, v.records, v.records > 0 ? "; last hash " : "",
               v.last_hash);
        break;
    case 1:
        printf("%s:%zu: broken chain: %s (%zu records before it verify)\n", file, v.line, v.why, v.records);
        break;
    case 3:
        printf("%s:%zu: %s; the %zu records before it are intact\n", file, v.line, v.why, v.records);
        break;
    default:
        fprintf(stderr, "sigbridge audit verify: %s: %s\n", file, v.why);
        rc = 2;
        break;
    }
    return rc;
}
