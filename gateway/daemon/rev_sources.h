/*
 * gateway/daemon/rev_sources.h — the network revocation sources (CRL distribution points,
 * revocation_fetch.h, and OCSP responders, ocsp_fetch.h) over one private fetcher, for a process that is not
 * the daemon: the CLI's `--fetch` (gateway/cli/cli_fetch.c) opens them once, points its path options at them and closes them
 * before it exits. The daemon builds the same objects itself (lifecycle.c) with its refresh tick.
 *
 * Ownership: struct sbgw_rev_sources owns the fetcher and both sources (in-memory caches only, for the life of
 * the process); sbgw_rev_sources_close frees them, the fetcher first. Policies still decide everything: a
 * source is asked only for a policy listing it in revocation.sources, and only URLs in that policy's
 * revocation.fetch.allow are contacted.
 */
#ifndef SBGW_REV_SOURCES_H
#define SBGW_REV_SOURCES_H

#include <stddef.h>

struct sbgw_fetch_lazy;
struct sbgw_crl_fetch;
struct sbgw_ocsp_fetch;

struct sbgw_rev_sources {
    struct sbgw_fetch_lazy *fetcher;    /* owned: started on the first fetch */
    struct sbgw_crl_fetch *crl;         /* owned */
    struct sbgw_ocsp_fetch *ocsp;       /* owned */
};

/* Make both sources over one fetcher started on their first fetch (calls evthread_use_pthreads now). 0, or -1
 * with a message in err (s is then empty: nothing to close). */
int sbgw_rev_sources_open(struct sbgw_rev_sources *s, char *err, size_t errlen);
/* Free everything (no validation may be running with s); an empty or closed s is a no-op. */
void sbgw_rev_sources_close(struct sbgw_rev_sources *s);

#endif
