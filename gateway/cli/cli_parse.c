#include "gateway/cli/cli_parse.h"

#include <getopt.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "gateway/cli/cmd.h"
#include "pki/base/load.h"
#include "pki/base/rfc3339_time.h"

#define MAX_ROWS 64
#define VAL_BASE 1000            /* getopt value of row i: VAL_BASE + i (clear of the short letters) */

struct row_ref {
    const struct sbgw_opt *o;
    const struct sbgw_opt_group *g;
    int seen;
};

static int fail(const struct sbgw_cli *cmd, enum sbgw_cli_fault f, const char *arg, int json, struct sb_err *err)
{
    return cmd->fail != NULL ? cmd->fail(f, arg, err) : sbgw_fail_usage(json, err);
}

int sbgw_opt_word(const struct sbgw_opt *o, const char *val, struct sb_err *err)
{
    char list[256];
    size_t n, i, len = 0;

    for (n = 0; o->names[n] != NULL; n++) {
        if (strcmp(o->names[n], val) == 0) {
            return (int)n;
        }
    }
    list[0] = '\0';
    for (i = 0; i < n && len < sizeof(list); i++) {
        int w = snprintf(list + len, sizeof(list) - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                         o->names[i]);

        len += w > 0 ? (size_t)w : 0;
    }
    sb_err_set(err, SB_R_USAGE, "--%s: '%s' is not %s", o->name, val, list);
    return -1;
}

/* Store val as row r says; 0, or -1 with err set. */
static int store(const struct row_ref *r, const char *val, struct sb_err *err)
{
    char *base = r->g->obj;
    const struct sbgw_opt *o = r->o;

    if (r->g->given != NULL) {
        *r->g->given |= o->given;
    }
    switch (o->kind) {
    case SBGW_OPT_STR:
        *(const char **)(base + o->off) = val;
        return 0;
    case SBGW_OPT_FLAG:
        *(int *)(base + o->off) = 1;
        return 0;
    case SBGW_OPT_TIME:
        if (sb_time_parse_rfc3339(val, (time_t *)(base + o->off), err) != SB_OK) {
            return -1;
        }
        if (o->given_off != 0) {
            *(int *)(base + o->given_off) = 1;
        }
        return 0;
    case SBGW_OPT_CERTS:
        return sb_load_certs(val, (STACK_OF(X509) **)(base + o->off), err) == SB_OK ? 0 : -1;
    case SBGW_OPT_CUSTOM:
        return o->fn(r->g->obj, o, val, err);
    }
    return -1;
}

/* The rows of every group, first of each name only, into refs / longopts / shorts; the count, or -1. */
static int collect(const struct sbgw_cli *cmd, struct row_ref *refs, struct option *longopts, char *shorts)
{
    size_t gi, i, k, ns = 0;
    int n = 0, dup;

    shorts[ns++] = 'h';
    for (gi = 0; gi < cmd->n_groups; gi++) {
        for (i = 0; i < cmd->groups[gi].n; i++) {
            const struct sbgw_opt *o = &cmd->groups[gi].rows[i];

            for (dup = 0, k = 0; k < (size_t)n && !dup; k++) {
                dup = strcmp(refs[k].o->name, o->name) == 0;
            }
            if (dup) {
                continue;
            }
            if (n >= MAX_ROWS - 3) {
                return -1;
            }
            refs[n] = (struct row_ref){ o, &cmd->groups[gi], 0 };
            longopts[n] = (struct option){ o->name, o->has_value ? required_argument : no_argument, NULL,
                                           VAL_BASE + n };
            if (o->short_name != 0) {
                shorts[ns++] = o->short_name;
                if (o->has_value) {
                    shorts[ns++] = ':';
                }
            }
            n++;
        }
    }
    shorts[ns] = '\0';
    longopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
    if (cmd->json) {
        longopts[n + 1] = (struct option){ "json", no_argument, NULL, VAL_BASE - 1 };
        longopts[n + 2] = (struct option){ NULL, 0, NULL, 0 };
    } else {
        longopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
    }
    return n;
}

int sbgw_cli_parse(const struct sbgw_cli *cmd, int argc, char **argv, int json, struct sb_err *err)
{
    struct row_ref refs[MAX_ROWS];
    struct option longopts[MAX_ROWS];
    char shorts[2 * MAX_ROWS + 2];
    int n, c, i;

    if ((n = collect(cmd, refs, longopts, shorts)) < 0) {
        sb_err_set(err, SB_R_INTERNAL, "too many options");
        return sbgw_fail_usage(json, err);
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
        if (c == 'h') {
            cmd->usage(stdout);
            return 0;
        }
        if (c == VAL_BASE - 1) {
            continue;                                   /* --json: already known (sbgw_cli_wants_json) */
        }
        for (i = 0; c < VAL_BASE && i < n; i++) {       /* a short letter: its row */
            if (refs[i].o->short_name == c) {
                c = VAL_BASE + i;
            }
        }
        if (c < VAL_BASE || c >= VAL_BASE + n) {       /* '?': unknown option or missing value */
            sb_err_set(err, SB_R_USAGE, "unknown option or missing value: %s", argv[optind - 1]);
            return fail(cmd, SBGW_CLI_BAD_OPTION, argv[optind - 1], json, err);
        }
        refs[c - VAL_BASE].seen = 1;
        if (store(&refs[c - VAL_BASE], optarg, err) != 0) {
            return fail(cmd, SBGW_CLI_BAD_VALUE, optarg, json, err);
        }
    }
    if (argc - optind != cmd->n_args) {
        sb_err_set(err, SB_R_USAGE, "%s", cmd->args_msg != NULL ? cmd->args_msg : "wrong number of arguments");
        return fail(cmd, SBGW_CLI_BAD_ARGS, optind + cmd->n_args < argc ? argv[optind + cmd->n_args] : NULL, json,
                    err);
    }
    for (i = 0; i < n; i++) {
        if (refs[i].o->required && !refs[i].seen) {
            sb_err_set(err, SB_R_USAGE, "%s", cmd->required_msg != NULL ? cmd->required_msg : cmd->args_msg);
            return fail(cmd, SBGW_CLI_MISSING, refs[i].o->name, json, err);
        }
    }
    return -1;
}
