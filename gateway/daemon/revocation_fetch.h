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
#include <openssl/x509.h>
#include "pki/x509/revocation.h"

#define SBGW_CRL_CACHE_DEFAULT 256      /* decoded CRLs kept */

struct sbgw_crl_fetch;

struct sbgw_crl_fetch_stats {
    unsigned long long hits;            /* CRLs served from the decoded cache */
    unsigned long long fetched;         /* CRLs fetched and decoded */
    unsigned long long failed;          /* URLs that gave no CRL (refused, fetch failed, not a CRL) */
    size_t entries;                     /* CRLs cached now */
};

/* max_entries > 0. NULL on allocation failure. The fetcher itself starts on the first fetch. */
struct sbgw_crl_fetch *sbgw_crl_fetch_new(size_t max_entries);
/* Stop the fetcher (if started) and free everything; no thread may be inside the hook. NULL is a no-op. */
void sbgw_crl_fetch_free(struct sbgw_crl_fetch *f);
struct sbgw_fetch_lazy;
/* Fetch through the daemon's shared fetcher (fetch_lazy.h, borrowed: it must outlive every fetch) instead of
 * starting one of its own; before the first fetch. */
void sbgw_crl_fetch_share(struct sbgw_crl_fetch *f, struct sbgw_fetch_lazy *shared);
/* The sb_more_crls_fn: arg is the struct sbgw_crl_fetch. */
enum sb_reason sbgw_crl_fetch_more(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                   struct sb_err *why);
void sbgw_crl_fetch_stats(struct sbgw_crl_fetch *f, struct sbgw_crl_fetch_stats *out);

#endif
