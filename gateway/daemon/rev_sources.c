/*
 * gateway/daemon/rev_sources.c — the CRL and OCSP sources over a private fetcher for one process
 * (rev_sources.h). Ownership: everything in struct sbgw_rev_sources, freed by sbgw_rev_sources_close.
 */
#include "gateway/daemon/rev_sources.h"

#include <stdio.h>
#include <string.h>

#include <event2/thread.h>

#include "gateway/daemon/fetch_lazy.h"
#include "gateway/daemon/ocsp_fetch.h"
#include "gateway/daemon/revocation_fetch.h"

int sbgw_rev_sources_open(struct sbgw_rev_sources *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    if (evthread_use_pthreads() != 0) {
        snprintf(err, errlen, "libevent threads are not available");
        return -1;
    }
    if ((s->fetcher = sbgw_fetch_lazy_new()) == NULL ||
        (s->crl = sbgw_crl_fetch_new(SBGW_CRL_CACHE_DEFAULT)) == NULL ||
        (s->ocsp = sbgw_ocsp_fetch_new(s->fetcher, SBGW_OCSP_CACHE_DEFAULT, SBGW_OCSP_CACHE_BYTES_DEFAULT)) == NULL) {
        snprintf(err, errlen, "out of memory");
        sbgw_rev_sources_close(s);
        return -1;
    }
    sbgw_crl_fetch_share(s->crl, s->fetcher);
    return 0;
}

void sbgw_rev_sources_close(struct sbgw_rev_sources *s)
{
    sbgw_fetch_lazy_free(s->fetcher);   /* first: its stop answers what is still in flight */
    sbgw_ocsp_fetch_free(s->ocsp);
    sbgw_crl_fetch_free(s->crl);
    memset(s, 0, sizeof(*s));
}
