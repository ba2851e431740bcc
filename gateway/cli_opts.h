/*
 * gateway/cli_opts.h — the certificate-path options shared by `sigbridge chain` and `sigbridge verify`
 * (DESIGN §7): anchors, untrusted candidates, CRLs, time, policy inputs, name and usage requirements.
 */
#ifndef SBGW_CLI_OPTS_H
#define SBGW_CLI_OPTS_H

#include <getopt.h>
#include <openssl/x509.h>
#include "pki/err.h"
#include "pki/path.h"

struct sbgw_chain_args {
    struct sb_path_opts path;               /* policies/ekus/crls point into the stacks below */
    STACK_OF(X509) *anchors;                /* owned */
    STACK_OF(X509) *untrusted;              /* owned */
    STACK_OF(X509_CRL) *crls;               /* owned */
    STACK_OF(ASN1_OBJECT) *policies;        /* owned */
    STACK_OF(ASN1_OBJECT) *ekus;            /* owned */
    int json;
    int at_given;
};

/* getopt_long option rows for the chain options (terminated by a zero row); values >= 1000. */
extern const struct option sbgw_chain_longopts[];
#define SBGW_CHAIN_LONGOPTS_COUNT 18   /* rows before the terminator */

/* Initialise a with defaults (now, prefer, rfc5280). */
enum sb_reason sbgw_chain_args_init(struct sbgw_chain_args *a, struct sb_err *err) SB_MUST_USE;
/* Apply one parsed option (opt = getopt value, val = optarg). 1 if it was a chain option, 0 if not;
 * on a bad value sets err and returns -1. */
int sbgw_chain_args_apply(struct sbgw_chain_args *a, int opt, const char *val, struct sb_err *err);
/* Free what a owns. */
void sbgw_chain_args_free(struct sbgw_chain_args *a);

#endif
