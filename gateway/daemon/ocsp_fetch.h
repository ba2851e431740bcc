/*
 * gateway/daemon/ocsp_fetch.h — the daemon's OCSP source: the sb_ocsp_source_fn (pki/x509/revocation.h) that
 * validations under a policy listing `ocsp` in revocation.sources call when the data they were given do not
 * decide a certificate.
 *
 * For a certificate it takes the OCSP responder URLs of its authorityInfoAccess (id-ad-ocsp, in order; http
 * and https only: other schemes are refused with a reason), checks each against the policy's
 * revocation.fetch.allow (a URL outside it is never contacted) and asks the first ones in turn until one
 * gives a good or revoked answer: a request from sb_ocsp_request_build (SHA-1 CertID; a nonce when
 * revocation.ocsp_nonce), sent with GET when the RFC 5019 GET URL is shorter than 255 characters and with
 * POST (application/ocsp-request) otherwise, Accept: application/ocsp-response, through the daemon's fetcher
 * (fetch.h: size cap revocation.fetch.max_bytes, redirects inside the allow-list only, single flight). The
 * worker waits at most revocation.fetch.timeout_ms for all of a certificate's responders together. Every
 * response is judged by sb_ocsp_check (pki/x509/ocsp.h) under the validation's algorithms, SM2 ID, clock
 * skew and revocation.max_age_s.
 *
 * Cache: bounded (entries and bytes, least recently used out first), keyed by (SHA-1 of the issuer's key,
 * serial) like a CertID, holding the DER response and its window (nextUpdate, or thisUpdate + max_age_s,
 * SB_OCSP_DEFAULT_MAX_AGE_S when 0); a cached response is judged again at every use (it is the evidence,
 * and the judgement depends on the policy asking) unless the same inputs (issuer, CertID, algorithms, SM2 ID,
 * skew, max age) judged it good or unknown already and the time is inside its window: that memo makes a hit
 * ~15 us instead of ~150 us (P-256, measured); an unusable response is never cached. Single flight: the
 * fetcher's key is the cache key, so concurrent validations of one uncached certificate send one request
 * (with revocation.ocsp_nonce they all share its nonce), while other certificates are fetched in parallel.
 * Nonces: a response that carries the nonce of the request it answered is served only to requests without
 * revocation.ocsp_nonce; a request under ocsp_nonce reuses only a cached response from a responder that
 * ignored a nonce (RFC 5019 responders with pre-produced responses), else it fetches its own.
 * Refresh: sbgw_ocsp_fetch_tick (called every second by the daemon) refetches, in the background, the
 * responses used since they were stored that are close to their end (less than 10% of their window, or less
 * than 60 s, at most half the window); the new response is judged at its next use and replaces the old one
 * when usable. No validation waits for a refresh.
 *
 * Work budget: a cached response costs its signature verifications (taken from q->budget); a fetch takes
 * SB_WORK_UNBOUNDED, so that a run on an event loop moves to a worker (as revocation_fetch.h).
 *
 * Ownership and threads: one struct sbgw_ocsp_fetch per daemon (struct sbgw), created at start and freed at
 * stop, not flushed by a policy reload. The fetcher (fetch_lazy.h) is borrowed (shared with the CRL source)
 * and must be freed *before* this (its stop answers the refreshes in flight, which touch this). Every function may be
 * called from any thread once sbgw_ocsp_fetch_new returned.
 */
#ifndef SBGW_OCSP_FETCH_H
#define SBGW_OCSP_FETCH_H

#include <stddef.h>
#include <time.h>

#include "pki/x509/revocation.h"

#define SBGW_OCSP_CACHE_DEFAULT 1024               /* responses kept */
#define SBGW_OCSP_CACHE_BYTES_DEFAULT (16u << 20)  /* bytes of responses kept */

struct sbgw_fetch_lazy;
struct sbgw_ocsp_fetch;

/* Counters (the metrics' sigbridge_ocsp_*). */
struct sbgw_ocsp_fetch_stats {
    unsigned long long good, revoked, unknown, unusable, unavailable;  /* answers given, by result */
    unsigned long long hits, misses;    /* a usable cached response served / none, so the network was asked */
    unsigned long long fetches;         /* responses received from responders (usable or not) */
    unsigned long long refreshes, refresh_failures;   /* background refetches started / failed */
    size_t entries, bytes;              /* responses cached now */
};

/* fetcher: borrowed, started on the first fetch (NULL: every answer that needs the network is "unavailable");
 * max_entries, max_bytes > 0. NULL on allocation failure. */
struct sbgw_ocsp_fetch *sbgw_ocsp_fetch_new(struct sbgw_fetch_lazy *fetcher, size_t max_entries, size_t max_bytes);
/* Free everything (after the fetcher; no thread may be inside the source). NULL is a no-op. */
void sbgw_ocsp_fetch_free(struct sbgw_ocsp_fetch *f);
/* The sb_ocsp_source_fn: arg is the struct sbgw_ocsp_fetch. */
enum sb_reason sbgw_ocsp_fetch_source(void *arg, const struct sb_ocsp_query *q, struct sb_rev_evidence *ev,
                                      struct sb_err *why);
/* Start the background refreshes due at now (non-blocking). */
void sbgw_ocsp_fetch_tick(struct sbgw_ocsp_fetch *f, time_t now);
void sbgw_ocsp_fetch_stats(struct sbgw_ocsp_fetch *f, struct sbgw_ocsp_fetch_stats *out);

struct sbgw_rev_disk;
/* Keep responses in the revocation cache directory too (borrowed; it must outlive f): a response that is not bound
 * to a nonce is written there when fetched, and a certificate missing from memory is looked up there before its
 * responder is asked (a restart, or `sigbridge revocation fetch` run by cron), judged like a fetched one. Call
 * before the first use of f. */
void sbgw_ocsp_fetch_use_disk(struct sbgw_ocsp_fetch *f, struct sbgw_rev_disk *disk);

#endif
