/*
 * gateway/cmd_policy.h — the policy-driven commands (`sigbridge check-config`, `sigbridge policy explain`)
 * and the helper `chain` and `verify` use for `--policy-dir DIR --from JUR`: validate under that
 * jurisdiction's trust policy instead of the command-line flags. Explicit flags still apply but can only
 * tighten the policy (--at, --policy, --explicit-policy, --eku, --key-usage, --hostname, --email,
 * --untrusted, --crl, a stricter --revocation or --max-depth, --profile webpki, --sm2-id); --anchor and a
 * weaker --revocation are usage errors.
 */
#ifndef SBGW_CMD_POLICY_H
#define SBGW_CMD_POLICY_H

#include "cli_opts.h"
#include "pki/trust_policy.h"

/* sigbridge check-config [--policy-dir DIR] */
int sbgw_cmd_check_config(int argc, char **argv);
/* sigbridge policy explain --policy-dir DIR --from JUR --to JUR [--at TIME] [--json] CERT */
int sbgw_cmd_policy(int argc, char **argv);

#define SBGW_POLICY_OPT_DIR  2000    /* getopt values for --policy-dir / --from (clear of cli_opts.c's) */
#define SBGW_POLICY_OPT_FROM 2001

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

/* Record that the chain option with long name `name` (a row of sbgw_chain_longopts) was given. */
void sbgw_policy_cli_note(struct sbgw_policy_cli *p, const char *name);
/* Handle SBGW_POLICY_OPT_DIR / _FROM: 1 if opt was one of them, 0 otherwise. */
int sbgw_policy_cli_apply(struct sbgw_policy_cli *p, int opt, const char *val);
/* Load p->dir, select p->from and fill p->in from the policy plus a's explicit options (tightening only;
 * a->untrusted and a->crls are added). On failure (exit-2 reasons) every load error has been printed to
 * stderr and err says what failed. */
enum sb_reason sbgw_policy_cli_prepare(struct sbgw_policy_cli *p, const struct sbgw_chain_args *a, int json,
                                       struct sb_err *err) SB_MUST_USE;
/* Release what p owns. */
void sbgw_policy_cli_free(struct sbgw_policy_cli *p);

/* Load dir into *set, printing every error to stderr ("sigbridge: " prefix omitted: they are located).
 * On failure err says "N errors in DIR" (text) or holds the first error (json). */
enum sb_reason sbgw_policy_load_set(const char *dir, int json, struct sb_policy_set **set,
                                    struct sb_err *err) SB_MUST_USE;

#endif
