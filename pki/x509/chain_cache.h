/*
 * pki/x509/chain_cache.h — bounded LRU cache of validated certification paths.
 *
 * A repeat signer then costs one signature verification instead of a full path build. Only successful
 * validations are cached. An entry is keyed by the leaf certificate, the caller's scope (policy
 * snapshot id + jurisdiction) and every validation option that can change the outcome, and it is
 * served only while the validation time lies inside the intersection of the path certificates'
 * validity periods and of the used CRLs' [thisUpdate, nextUpdate] windows. The revocation evidence of the
 * path is stored with it, so a hit reports what the validation that filled it found. Entries are never served
 * for a different scope, so a reload (new snapshot id) or new CRLs (new snapshot) never reuse a verdict;
 * sb_chain_cache_flush empties it. The cache is sharded, one mutex per shard; thread-safe.
 */
#ifndef SB_CHAIN_CACHE_H
#define SB_CHAIN_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

struct sb_chain_cache;
struct sb_rev_evidence;

struct sb_chain_cache_stats {
    uint64_t hits, misses, insertions, evictions, entries;
};

/* New cache holding at most capacity entries (0 = disabled: every lookup misses). NULL on allocation failure. */
struct sb_chain_cache *sb_chain_cache_new(size_t capacity);
/* Free c and every entry (NULL is a no-op). */
void sb_chain_cache_free(struct sb_chain_cache *c);
/* Drop every entry (counts stay). */
void sb_chain_cache_flush(struct sb_chain_cache *c);
/* Snapshot of the counters. */
void sb_chain_cache_stats(struct sb_chain_cache *c, struct sb_chain_cache_stats *out);

/* Look key up for validation time at; on a hit *chain is a new stack holding new references (leaf →
 * anchor), *policies (if not NULL) a copy of the valid policy set and *ev (if not NULL) a copy of the revocation
 * evidence stored with it (OPENSSL_free; NULL when none was), *n_ev its count. 1 on a hit, 0 on a miss. */
int sb_chain_cache_get(struct sb_chain_cache *c, const unsigned char key[32], time_t at, STACK_OF(X509) **chain,
                       STACK_OF(ASN1_OBJECT) **policies, struct sb_rev_evidence **ev, size_t *n_ev);
/* Remember chain (references taken), policies and ev[0..n_ev) (copied; ev may be NULL) for key, valid for times
 * in [from, until]. */
void sb_chain_cache_put(struct sb_chain_cache *c, const unsigned char key[32], STACK_OF(X509) *chain,
                        STACK_OF(ASN1_OBJECT) *policies, const struct sb_rev_evidence *ev, size_t n_ev, time_t from,
                        time_t until);

#endif
