/*
 * sigbridge — cross-border signature gateway: command-line front end.
 */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "gateway/cli/cmd.h"
#include "gateway/daemon/lifecycle.h"
#include "gateway/cli/cmd.h"
#include "gateway/cli/cmd.h"
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"
#include "pki/verdict/report.h"

struct sbgw_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct sbgw_command commands[] = {
    { "chain", sbgw_cmd_chain, "validate one certificate path (RFC 5280)" },
    { "verify", sbgw_cmd_verify, "verify a CMS / PKCS#7 (PKCS#7 and GM/T 0010 OIDs) or XML-DSig signature" },
    { "sign", sbgw_cmd_sign, "make a CMS / GM/T 0010 SignedData (DER) or an XML-DSig signature" },
    { "tl", sbgw_cmd_tl, "tl show: parse an ETSI TS 119 612 trusted list and check its signature" },
    { "check-config", sbgw_cmd_check_config, "check the trust policies and recognition rules (policies/)" },
    { "policy", sbgw_cmd_policy, "policy explain: why a certificate is or is not recognised" },
    { "translate", sbgw_cmd_translate, "validate under one jurisdiction and attest for another (A -> B)" },
    { "serve", sbgw_cmd_serve, "run the gateway daemon (HTTP API, validating proxy; -c FILE)" },
    { "audit", sbgw_cmd_audit, "audit verify FILE: check the hash chain of a gateway audit log" },
    { "revocation", sbgw_cmd_revocation, "revocation fetch: refresh the revocation cache directory (cron)" },
};

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: sigbridge <command> [options]\n\ncommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(f, "\n'sigbridge <command> --help' describes a command's options.\n");
}

void sbgw_print_json(json_t *j)
{
    char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

    if (s == NULL) {
        puts("{\"error\":{\"code\":\"INTERNAL\",\"message\":\"cannot encode JSON\"}}");
    } else {
        puts(s);
        free(s);
    }
    json_decref(j);
}

int sbgw_fail_usage(int json, const struct sb_err *err)
{
    if (json) {
        sbgw_print_json(sb_report_error(err->reason, err->msg));
    } else {
        fprintf(stderr, "sigbridge: %s\n", err->msg[0] != '\0' ? err->msg : sb_reason_message(err->reason));
    }
    return 2;
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "sigbridge: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
