/*
 * gateway/daemon/fetch_cache.h — a bounded in-memory cache of fetched bytes (CRLs, OCSP responses, issuer
 * certificates), keyed by the caller's key (the URL for a CRL, issuer key hash + serial for OCSP), each entry
 * valid until an expiry the caller gives after parsing what it fetched (nextUpdate, or the policy's maximum
 * age: the fetcher cannot know). Optionally kept in a directory so that a restart does not refetch
 * everything: one file per key (named by the SHA-256 of the key), written to a temporary name and renamed
 * into place, loaded at start (expired, damaged or surplus files removed).
 *
 * It knows nothing of the network (fetch.h) or of what the bytes mean: the caller re-verifies what it gets
 * (a file in the directory is not trusted more than the network). Bounded by entry count and total bytes;
 * the least recently used entries go first. Thread-safe (one mutex; file writes happen outside it). Lives as
 * long as the daemon (struct sbgw), so a policy reload does not flush it.
 */
#ifndef SBGW_FETCH_CACHE_H
#define SBGW_FETCH_CACHE_H

#include <stddef.h>
#include <time.h>

struct sbgw_fetch_cache;

struct sbgw_fetch_cache_stats {
    unsigned long long hits, misses, puts, evictions, expired, disk_errors;
    size_t entries, bytes;
};

/* A cache of at most max_entries entries and max_bytes bytes of data (both > 0); dir NULL: memory only, else
 * an existing directory whose entries are loaded now (at time now). NULL with a message in err on failure. */
struct sbgw_fetch_cache *sbgw_fetch_cache_new(size_t max_entries, size_t max_bytes, const char *dir, time_t now,
                                              char *err, size_t errlen);
/* Free c (the directory stays as it is). NULL is a no-op. */
void sbgw_fetch_cache_free(struct sbgw_fetch_cache *c);
/* Keep a copy of data[len] under key (NUL-terminated, 1..SBGW_FETCH_KEY_MAX bytes) until expires_at,
 * replacing what the key held. 0 stored; -1 refused (expired already, larger than max_bytes, bad key, out of
 * memory). A failed file write counts a disk error and keeps the entry in memory. */
int sbgw_fetch_cache_put(struct sbgw_fetch_cache *c, const char *key, const unsigned char *data, size_t len,
                         time_t expires_at, time_t now);
/* 1 and a copy of key's bytes in *data (malloc'd, the caller frees it), *len and *expires_at (either may be
 * NULL) when key holds an entry that has not expired at now; else 0 (an expired entry is dropped). */
int sbgw_fetch_cache_get(struct sbgw_fetch_cache *c, const char *key, time_t now, unsigned char **data, size_t *len,
                         time_t *expires_at);
/* Drop key's entry (and its file). */
void sbgw_fetch_cache_del(struct sbgw_fetch_cache *c, const char *key);
/* Call fn for each entry (under the cache's lock: fn must not call into c), e.g. the seconds until each
 * cached CRL's nextUpdate for the metrics. */
void sbgw_fetch_cache_each(struct sbgw_fetch_cache *c, void (*fn)(const char *key, size_t len, time_t expires_at,
                                                                   void *arg), void *arg);
void sbgw_fetch_cache_stats(struct sbgw_fetch_cache *c, struct sbgw_fetch_cache_stats *out);

#endif
