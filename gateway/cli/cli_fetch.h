/*
 * gateway/cli/cli_fetch.h — `--fetch` and `--fetch-allow PREFIX` of `sigbridge chain` and `sigbridge verify`
 * (DESIGN §7): the command line is offline unless --fetch is given; with it, the certificate's OCSP responders
 * (authorityInfoAccess) and CRL distribution points are asked over HTTP like the daemon asks them
 * (gateway/daemon/rev_sources.h: the same sources over a private fetcher, in-memory caches for this process).
 *
 * Under a policy (--policy-dir/--from) its revocation.sources and revocation.fetch (allow-list, timeout, size
 * cap) decide; --fetch-allow is used only when the policy fetches nothing (no `ocsp` or `crl` source, hence no
 * allow-list): then OCSP and CRL distribution points are asked under --fetch-allow. Without a policy --fetch needs
 * --fetch-allow. Nothing outside the allow-list is ever contacted.
 *
 * Ownership: the state lives in struct sbgw_chain_args (cli_opts.h); sbgw_chain_args_free closes it.
 */
#ifndef SBGW_CLI_FETCH_H
#define SBGW_CLI_FETCH_H

#include "gateway/cli/cli_opts.h"

struct sb_trust_policy;

/* Point o at the network revocation sources when a->fetch is set (pol: the policy o was prepared from, or
 * NULL). SB_OK (also when --fetch was not given); USAGE with a message for --fetch-allow without --fetch, --fetch
 * with nothing to fetch from, or a bad prefix; INTERNAL. */
enum sb_reason sbgw_cli_fetch_apply(struct sbgw_chain_args *a, const struct sb_trust_policy *pol,
                                    struct sb_path_opts *o, struct sb_err *err) SB_MUST_USE;
/* Stop the fetcher and free the sources (a no-op when none were opened). */
void sbgw_cli_fetch_close(struct sbgw_chain_args *a);

#endif
