/*
 * gateway/cmd.h — `sigbridge` subcommands. Each returns the process exit status (DESIGN §7:
 * 0 passed, 1 failed, 3 indeterminate, 2 usage / unreadable input).
 */
#ifndef SBGW_CMD_H
#define SBGW_CMD_H

#include <jansson.h>
#include "pki/err.h"

/* sigbridge chain [options] CERT */
int sbgw_cmd_chain(int argc, char **argv);
/* sigbridge verify [options] FILE (CMS / PKCS#7 SignedData) */
int sbgw_cmd_verify(int argc, char **argv);
/* sigbridge sign --key KEY --cert CERT [--chain FILE] [--format cms|gmt0010] [--detached] [--sm2-id ID] IN */
int sbgw_cmd_sign(int argc, char **argv);

/* Print j (compact, one line) to stdout and release it. */
void sbgw_print_json(json_t *j);
/* Report a usage/input error: JSON {"error":…} when json, else "sigbridge: message" on stderr; returns 2. */
int sbgw_fail_usage(int json, const struct sb_err *err);

#endif
