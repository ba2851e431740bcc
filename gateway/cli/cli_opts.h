/*
 * gateway/cli/cli_opts.h — the certificate-path options shared by `sigbridge chain` and `sigbridge verify`
 * (DESIGN §7) as option rows for cli_parse.h: anchors, untrusted candidates, CRLs and OCSP responses, time,
 * policy inputs,
 * name and usage requirements (cli_opts.c); and `--policy-dir DIR` for every command that takes one
 * (policy_dir.c).
 */
#ifndef SBGW_CLI_OPTS_H
#define SBGW_CLI_OPTS_H

#include <openssl/x509.h>
#include "gateway/cli/cli_parse.h"
#include "pki/base/err.h"
#include "pki/x509/path.h"
#include "pki/policy/trust_policy.h"

#define SBGW_MAX_FETCH_ALLOW 64             /* --fetch-allow prefixes (as revocation.fetch.allow) */

struct sbgw_rev_sources;

struct sbgw_chain_args {
    struct sb_path_opts path;               /* policies/ekus/crls point into the stacks below */
    STACK_OF(X509) *anchors;                /* owned */
    STACK_OF(X509) *untrusted;              /* owned */
    STACK_OF(X509_CRL) *crls;               /* owned */
    STACK_OF(ASN1_OBJECT) *policies;        /* owned */
    STACK_OF(ASN1_OBJECT) *ekus;            /* owned */
    struct sb_ocsp_supplied *ocsps;         /* owned (OPENSSL_free, each der too): --ocsp-response, source file;
                                             * path.ocsps points here */
    size_t n_ocsps;
    int at_given;                           /* --at was given */
    int fetch;                              /* --fetch (cli_fetch.h) */
    const char *fetch_allow[SBGW_MAX_FETCH_ALLOW];   /* --fetch-allow (borrowed from argv) */
    size_t n_fetch_allow;
    struct sb_rev_fetch fetch_settings;     /* without a policy: --fetch-allow and the default timeout and cap */
    struct sbgw_rev_sources *sources;       /* owned: the network sources once --fetch applied */
};

#define SBGW_MAX_OCSP_RESPONSES 64          /* --ocsp-response files per command */

/* Option rows (cli_parse.h) of the chain options, over a struct sbgw_chain_args; each policy-relevant row
 * carries its SBGW_GIVEN_* bit. */
extern const struct sbgw_opt sbgw_chain_opts[];
extern const size_t sbgw_chain_opts_n;
/* Option rows of --policy-dir DIR and --from JUR, over a struct sbgw_policy_cli. */
extern const struct sbgw_opt sbgw_policy_cli_opts[];
extern const size_t sbgw_policy_cli_opts_n;
/* CUSTOM handler: the const char * at o->off in obj = val, refused when longer than 8191 bytes. */
int sbgw_opt_sm2_id(void *obj, const struct sbgw_opt *o, const char *val, struct sb_err *err);

/* 1 when --json is among argv[1..argc): known before the options are parsed, so that even a usage error is
 * reported as JSON. */
int sbgw_cli_wants_json(int argc, char **argv);

/* Initialise a with defaults (now, prefer, rfc5280). */
enum sb_reason sbgw_chain_args_init(struct sbgw_chain_args *a, struct sb_err *err) SB_MUST_USE;
/* Free what a owns. */
void sbgw_chain_args_free(struct sbgw_chain_args *a);

/* ---- --policy-dir DIR --from JUR: chain options taken from a jurisdiction's trust policy ---- */

#define SBGW_GIVEN_ANCHOR     (1u << 0)
#define SBGW_GIVEN_REVOCATION (1u << 1)
#define SBGW_GIVEN_MAX_DEPTH  (1u << 2)
#define SBGW_GIVEN_PROFILE    (1u << 3)
#define SBGW_GIVEN_SM2_ID     (1u << 4)

/* `--policy-dir DIR --from JUR` for chain / verify. */
struct sbgw_policy_cli {
    const char *dir;                     /* --policy-dir (borrowed from argv); NULL = not used */
    const char *from;                    /* --from (borrowed from argv) */
    unsigned given;                      /* SBGW_GIVEN_*: policy-relevant chain options given explicitly */
    struct sb_policy_set *set;           /* owned once prepared */
    const struct sb_trust_policy *pol;   /* borrowed from set */
    struct sb_tp_inputs in;              /* owned: what to pass to sb_chain_validate / sb_cms_verify */
};

/* Load p->dir, select p->from and fill p->in from the policy plus a's explicit options (tightening only;
 * a->untrusted and a->crls are added). On failure (exit-2 reasons) every load error has been printed to
 * stderr and err says what failed. */
enum sb_reason sbgw_policy_cli_prepare(struct sbgw_policy_cli *p, const struct sbgw_chain_args *a, int json,
                                       struct sb_err *err) SB_MUST_USE;
/* Release what p owns. */
void sbgw_policy_cli_free(struct sbgw_policy_cli *p);

/* The policy of jurisdiction id in s, or NULL with a usage error in err naming opt and the known ids. */
const struct sb_trust_policy *sbgw_policy_find_jur(const struct sb_policy_set *s, const char *id, const char *opt,
                                                   struct sb_err *err);
/* Load dir into *set, printing every error to stderr ("sigbridge: " prefix omitted: they are located).
 * On failure err says "N errors in DIR" (text) or holds the first error (json). */
enum sb_reason sbgw_policy_load_set(const char *dir, int json, struct sb_policy_set **set,
                                    struct sb_err *err) SB_MUST_USE;

#endif
