/*
 * gateway/cli/cli_parse.h — the one option parser of the `sigbridge` subcommands: each command describes
 * its options as rows of a table (long name, optional short letter, whether a value follows, how the value
 * is stored: a string, a flag, an RFC 3339 time, certificates loaded from a file, or a handler for the few
 * that need code), like the YAML key rows of pki/base/yaml_schema.h. sbgw_cli_parse runs getopt_long over
 * the rows (options may follow the positional arguments), answers --help / -h with the command's usage on
 * stdout (exit 0), accepts --json where the command reports JSON, refuses unknown options and missing
 * values ("unknown option or missing value: ARG", exit 2, as JSON with --json), then checks the number of
 * positional arguments and the required options.
 */
#ifndef SBGW_CLI_PARSE_H
#define SBGW_CLI_PARSE_H

#include <stddef.h>
#include <stdio.h>
#include <unistd.h>                 /* optind */
#include "pki/base/err.h"

/* How a row stores its value in the object of its group. */
enum sbgw_opt_kind {
    SBGW_OPT_STR,      /* const char * at off = the value (borrowed from argv) */
    SBGW_OPT_FLAG,     /* int at off = 1 (no value) */
    SBGW_OPT_TIME,     /* time_t at off = the value read as RFC 3339; and int at given_off = 1 unless 0 */
    SBGW_OPT_CERTS,    /* STACK_OF(X509) * at off: the certificates of the file appended (repeatable) */
    SBGW_OPT_CUSTOM    /* fn(obj, row, value, err) */
};

struct sbgw_opt;
/* Custom handler: store val (NULL for a row without a value) in obj; 0, or -1 with a usage error in err. */
typedef int (*sbgw_opt_fn)(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err);

/* One option. Write rows with designated initializers; unused fields stay 0 / NULL. */
struct sbgw_opt {
    const char *name;          /* long name, without "--" */
    char short_name;           /* e.g. 'c' for -c; 0 = none */
    int has_value;             /* 1: a value follows (--name VALUE or --name=VALUE) */
    enum sbgw_opt_kind kind;
    size_t off;                /* offsetof the field in the group's object (CUSTOM: free to use) */
    size_t given_off;          /* TIME: offsetof an int set to 1 when given; 0 = none (never the first field) */
    int required;              /* the command fails (required_msg) without it */
    unsigned given;            /* bits or-ed into the group's *given when the option is seen */
    sbgw_opt_fn fn;            /* CUSTOM */
    const char *const *names;  /* a CUSTOM row's accepted words, NULL-terminated, for sbgw_opt_word */
};

/* Rows and the object they write into; earlier groups win when two rows share a name. */
struct sbgw_opt_group {
    const struct sbgw_opt *rows;
    size_t n;
    void *obj;
    unsigned *given;           /* where rows' given bits go; NULL = nowhere */
};

/* What went wrong on a command line (for a command that words its own usage errors). */
enum sbgw_cli_fault {
    SBGW_CLI_BAD_OPTION,       /* unknown option or missing value: arg is the argument */
    SBGW_CLI_BAD_ARGS,         /* wrong number of positional arguments: arg is the first extra one or NULL */
    SBGW_CLI_MISSING,          /* a required option is missing: arg is its name */
    SBGW_CLI_BAD_VALUE         /* a value was refused: err says why, arg is the value */
};

/* A command's command line. */
struct sbgw_cli {
    void (*usage)(FILE *f);    /* printed to stdout for --help / -h */
    const struct sbgw_opt_group *groups;
    size_t n_groups;
    int json;                  /* --json is accepted (the caller learnt it with sbgw_cli_wants_json) */
    int n_args;                /* exact number of positional arguments */
    const char *args_msg;      /* usage error for a wrong number of them */
    const char *required_msg;  /* usage error for a missing required option; NULL: args_msg */
    /* NULL: report err through sbgw_fail_usage (JSON when json) and exit 2; else the command's own
     * wording: returns the exit status. */
    int (*fail)(enum sbgw_cli_fault f, const char *arg, const struct sb_err *err);
};

/* The index of val in o->names, or -1 with the usage error "--NAME: 'VAL' is not a, b or c" in err. */
int sbgw_opt_word(const struct sbgw_opt *o, const char *val, struct sb_err *err);

/* Parse argv[1..argc) (argv[0] is the command or subcommand name). -1 to go on, with the positional
 * arguments at argv[optind..argc); else the exit status (0 after --help, 2 on a usage error). json: report
 * usage errors as JSON. */
int sbgw_cli_parse(const struct sbgw_cli *cmd, int argc, char **argv, int json, struct sb_err *err);

#endif
