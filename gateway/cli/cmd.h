/*
 * gateway/cli/cmd.h — the `sigbridge` subcommands, one file each in gateway/cli/, dispatched by main.c.
 * Each returns the process exit status (DESIGN §7: 0 passed, 1 failed, 3 indeterminate, 2 usage /
 * unreadable input; `serve`: 0 after a clean drain, 1 on start failure).
 */
#ifndef SBGW_CMD_H
#define SBGW_CMD_H

#include <jansson.h>
#include "pki/base/err.h"

/* sigbridge chain [options] CERT */
int sbgw_cmd_chain(int argc, char **argv);
/* sigbridge verify [options] FILE */
int sbgw_cmd_verify(int argc, char **argv);
/* sigbridge sign --key KEY --cert CERT [--chain FILE] [--format cms|gmt0010|xmldsig] [--detached] [--sm2-id ID] IN */
int sbgw_cmd_sign(int argc, char **argv);
/* sigbridge tl show [--signer CERT]... [--at TIME] [--json] FILE */
int sbgw_cmd_tl(int argc, char **argv);
/* sigbridge translate --policy-dir DIR --from JUR --to JUR ... FILE */
int sbgw_cmd_translate(int argc, char **argv);
/* sigbridge check-config [--policy-dir DIR] */
int sbgw_cmd_check_config(int argc, char **argv);
/* sigbridge policy explain --policy-dir DIR --from JUR --to JUR [--at TIME] [--json] CERT */
int sbgw_cmd_policy(int argc, char **argv);
/* sigbridge serve [-c FILE] [--check] */
int sbgw_cmd_serve(int argc, char **argv);
/* sigbridge audit verify FILE: 0 intact, 1 broken chain, 3 truncated tail only, 2 usage / unreadable. */
int sbgw_cmd_audit(int argc, char **argv);

/* sigbridge revocation fetch --policy-dir DIR --cache DIR [--json]: 0 all fresh, 1 some failed, 2 usage. */
int sbgw_cmd_revocation(int argc, char **argv);

/* Print j (compact, one line) to stdout and release it. */
void sbgw_print_json(json_t *j);
/* Report a usage/input error: JSON {"error":…} when json, else "sigbridge: message" on stderr; returns 2. */
int sbgw_fail_usage(int json, const struct sb_err *err);

#endif
