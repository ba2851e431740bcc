/*
 * gateway/cli/cli_fetch.c — `--fetch` / `--fetch-allow` for chain and verify (cli_fetch.h).
 */
#include "gateway/cli/cli_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/daemon/fetch.h"
#include "gateway/daemon/ocsp_fetch.h"
#include "gateway/daemon/rev_sources.h"
#include "gateway/daemon/revocation_fetch.h"
#include "pki/policy/trust_policy.h"

#define CLI_FETCH_TIMEOUT_MS 2000              /* as revocation.fetch.timeout_ms's default */
#define CLI_FETCH_MAX_BYTES (10LL << 20)       /* as revocation.fetch.max_bytes's default */

/* The --fetch-allow prefixes as the fetcher will read them: USAGE naming the first it refuses. */
static enum sb_reason check_allow(const struct sbgw_chain_args *a, struct sb_err *err)
{
    struct sbgw_fetch_allow *al;
    char why[300];

    if ((al = sbgw_fetch_allow_new(a->fetch_allow, a->n_fetch_allow, why, sizeof(why))) == NULL) {
        return sb_err_set(err, SB_R_USAGE, "--fetch-allow: %s", why);
    }
    sbgw_fetch_allow_free(al);
    return SB_OK;
}

enum sb_reason sbgw_cli_fetch_apply(struct sbgw_chain_args *a, const struct sb_trust_policy *pol,
                                    struct sb_path_opts *o, struct sb_err *err)
{
    unsigned sources = SB_TP_SRC_OCSP | SB_TP_SRC_CRL;
    int ocsp_first = 1;
    char why[300];
    enum sb_reason rc;

    if (!a->fetch) {
        return a->n_fetch_allow > 0 ? sb_err_set(err, SB_R_USAGE, "--fetch-allow has no effect without --fetch")
                                    : SB_OK;
    }
    if (pol != NULL && (pol->rev_sources & (SB_TP_SRC_OCSP | SB_TP_SRC_CRL)) != 0) {
        sources = pol->rev_sources & (SB_TP_SRC_OCSP | SB_TP_SRC_CRL);
        ocsp_first = pol->rev_ocsp_before_crl || (sources & SB_TP_SRC_CRL) == 0;
        o->fetch = &pol->fetch;                /* the policy's allow-list, timeout, cap and max age */
    } else if (a->n_fetch_allow == 0) {
        return sb_err_set(err, SB_R_USAGE, pol != NULL ?
                          "--fetch: the policy of %s fetches nothing (revocation.sources lists neither ocsp nor crl) "
                          "and no --fetch-allow PREFIX was given" : "--fetch needs --fetch-allow PREFIX (the URL "
                          "prefixes that may be fetched) when no policy gives an allow-list",
                          pol != NULL ? pol->id : "");
    } else {
        if ((rc = check_allow(a, err)) != SB_OK) {
            return rc;
        }
        memset(&a->fetch_settings, 0, sizeof(a->fetch_settings));
        a->fetch_settings.allow = a->fetch_allow;
        a->fetch_settings.n_allow = a->n_fetch_allow;
        a->fetch_settings.timeout_ms = CLI_FETCH_TIMEOUT_MS;
        a->fetch_settings.max_bytes = CLI_FETCH_MAX_BYTES;
        a->fetch_settings.max_age_s = pol != NULL ? pol->fetch.max_age_s : 0;
        o->fetch = &a->fetch_settings;
    }
    if (a->sources == NULL) {
        if ((a->sources = calloc(1, sizeof(*a->sources))) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        if (sbgw_rev_sources_open(a->sources, why, sizeof(why)) != 0) {
            free(a->sources);
            a->sources = NULL;
            return sb_err_set(err, SB_R_INTERNAL, "--fetch: %s", why);
        }
    }
    o->more_crls = (sources & SB_TP_SRC_CRL) != 0 ? sbgw_crl_fetch_more : NULL;
    o->more_crls_arg = a->sources->crl;
    o->ocsp = (sources & SB_TP_SRC_OCSP) != 0 ? sbgw_ocsp_fetch_source : NULL;
    o->ocsp_arg = a->sources->ocsp;
    o->ocsp_before_crl = ocsp_first;
    return SB_OK;
}

void sbgw_cli_fetch_close(struct sbgw_chain_args *a)
{
    if (a->sources != NULL) {
        sbgw_rev_sources_close(a->sources);
        free(a->sources);
        a->sources = NULL;
    }
}
