/*
 * gateway/daemon/revocation_fetch.h — the daemon's source of CRLs from cRLDistributionPoints: the
 * sb_more_crls_fn hook (pki/x509/revocation.h) that validations under a policy listing `crl` in
 * revocation.sources call when the CRLs they were given do not decide a certificate.
 *
 * For a certificate it takes the fullName URIs of its CRL distribution points in order (http and https
 * only: ldap:, file: and other schemes are refused with a reason), checks each against the policy's
 * revocation.fetch.allow (a URL outside it is never contacted), and serves the first one that gives a CRL:
 * from a bounded cache of *decoded* CRLs by normalised URL, kept until the CRL's nextUpdate (or thisUpdate +
 * revocation.max_age_s without one), so that while a CRL is fresh every validation sees the same X509_CRL
 * object (its signature is verified once, through the signature memo); otherwise from the network through
 * the fetcher (fetch.h: single flight by URL, size cap, redirects inside the allow-list only), the worker
 * waiting at most revocation.fetch.timeout_ms for all of the certificate's URLs together. DER and PEM
 * bodies are accepted. The hook never judges a CRL: the pki layer checks its scope, signature and
 * freshness, so a wrong or stale CRL is "unavailable", never trusted.
 *
 * Persistence and refresh (the daemon's revocation_cache, README "Operations"): with a disk cache
 * (rev_disk_cache.h, sbgw_crl_fetch_use_disk) every CRL fetched and cached is also written to DIR/crl/, and
 * the newest files are loaded at start, so a restart does not refetch what is still current (and a miss looks
 * in the directory before the network: `sigbridge revocation fetch` may have stored it since); loaded CRLs
 * are judged by the pki layer at use like fetched ones, and served only for URLs the policy allows. A cache
 * hit in a CRL's refresh window — its last tenth, or its last SBGW_CRL_REFRESH_MIN_S seconds (at most its
 * second half) when that is longer — starts one background refetch (sbgw_fetch_async; no request waits for
 * it) under the allow-list and limits of the validation that hit. A newer current CRL replaces the cached
 * one (memory and disk); on failure, or when the server still has the same CRL, the cached one stays until
 * its expiry and the next refresh waits a fifth of the window's lead (1 s to SBGW_CRL_REFRESH_RETRY_MAX_S).
 * A refresh never installs a CRL older (by thisUpdate) than the one held.
 *
 * Work budget: a validation on an event loop carries a budget (pki/base/work_budget.h); a CRL in the cache
 * costs nothing here, a fetch first spends the budget at once so that the run moves to a worker.
 *
 * Ownership and threads: one struct sbgw_crl_fetch per daemon (struct sbgw), created at start and freed at
 * stop, not flushed by a policy reload. It owns the fetcher (started on first use; or uses the daemon's
 * one shared with the OCSP source, sbgw_crl_fetch_share) and the cached CRLs
 * (each cache entry holds one reference; callers get their own). Every function may be called from any
 * thread once sbgw_crl_fetch_new returned; evthread_use_pthreads() must have been called before.
 */
#ifndef SBGW_REVOCATION_FETCH_H
#define SBGW_REVOCATION_FETCH_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include "pki/x509/revocation.h"

#define SBGW_CRL_CACHE_DEFAULT 256      /* decoded CRLs kept */
#define SBGW_CRL_REFRESH_MIN_S 300      /* refresh window: at least the last 5 minutes (or half the window) */
#define SBGW_CRL_REFRESH_RETRY_MAX_S 600 /* longest wait between two refresh attempts of one CRL */
#define SBGW_CRL_METRIC_URLS_MAX 1024   /* sigbridge_crl_next_update_seconds series at most */

struct sbgw_crl_fetch;
struct sbgw_rev_disk;

struct sbgw_crl_fetch_stats {
    unsigned long long hits;            /* CRLs served from the decoded cache */
    unsigned long long fetched;         /* CRLs fetched and decoded */
    unsigned long long failed;          /* URLs that gave no CRL (refused, fetch failed, not a CRL) */
    size_t entries;                     /* CRLs cached now */
    unsigned long long misses;          /* allowed URLs not in the cache, so fetched (whatever the outcome) */
    unsigned long long refresh_ok;      /* background refreshes that got a current CRL */
    unsigned long long refresh_failed;  /* ... that did not (the cached CRL stays until its expiry) */
    unsigned long long disk_loads;      /* CRLs loaded from the disk cache (at start, or on a miss: a file
                                         * another process wrote, e.g. `sigbridge revocation fetch`) */
    unsigned long long disk_writes;     /* CRLs written to the disk cache */
    unsigned long long disk_errors;     /* CRLs that could not be written */
};

/* One cached CRL's time left (metrics). */
struct sbgw_crl_next {
    char *url;                          /* owned (sbgw_crl_next_clear) */
    long long seconds;                  /* until its expiry (nextUpdate, or thisUpdate + max_age_s) */
};

/* max_entries > 0. NULL on allocation failure. The fetcher itself starts on the first fetch. */
struct sbgw_crl_fetch *sbgw_crl_fetch_new(size_t max_entries);
/* Stop the fetcher (if started), wait for background refreshes to end, and free everything; no thread may be
 * inside the hook. NULL is a no-op. */
void sbgw_crl_fetch_free(struct sbgw_crl_fetch *f);
struct sbgw_fetch_lazy;
/* Fetch through the daemon's shared fetcher (fetch_lazy.h, borrowed: it must outlive every fetch) instead of
 * starting one of its own; before the first fetch. */
void sbgw_crl_fetch_share(struct sbgw_crl_fetch *f, struct sbgw_fetch_lazy *shared);
/* The sb_more_crls_fn: arg is the struct sbgw_crl_fetch. */
enum sb_reason sbgw_crl_fetch_more(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                   struct sb_err *why);
void sbgw_crl_fetch_stats(struct sbgw_crl_fetch *f, struct sbgw_crl_fetch_stats *out);

/* Persist to disk (borrowed: it must outlive f; NULL = memory only) and load its current CRLs now, newest
 * first, at most as many as the cache holds. Call once, before the first validation. Returns the number
 * loaded. Blocking file I/O (start-up). */
size_t sbgw_crl_fetch_use_disk(struct sbgw_crl_fetch *f, struct sbgw_rev_disk *disk, time_t now);
/* The cached CRLs' URLs and seconds until their expiry at now, at most max of them, into out; returns how
 * many (release their URLs with sbgw_crl_next_clear). */
size_t sbgw_crl_fetch_next_updates(struct sbgw_crl_fetch *f, time_t now, struct sbgw_crl_next *out, size_t max);
void sbgw_crl_next_clear(struct sbgw_crl_next *v, size_t n);

#endif
