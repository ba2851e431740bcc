/*
 * pki/base/lru.h — a bounded, sharded LRU map from 32-byte digests to caller-defined entries.
 *
 * The caches of decoded certificates (pki/x509/cert_cache.h) and of validated paths (chain_cache.h) are
 * this map with their own entry type. Keys are digests (SHA-256), so their bytes serve as the hash: byte 0
 * picks one of SB_LRU_SHARDS shards, bytes 8..15 the bucket. Each shard has its own mutex, recency list
 * and counters, and an even share of the capacity. Entries are intrusive: the caller's struct embeds a
 * struct sb_lru_node and allocates it; from sb_lru_put on the map owns it and releases it with the
 * free function given at creation (under the shard lock: it must not call back into the map).
 * Thread-safe; no global state.
 */
#ifndef SB_LRU_H
#define SB_LRU_H

#include <stddef.h>
#include <stdint.h>

#define SB_LRU_KEY_LEN 32
#define SB_LRU_SHARDS 16

/* The map's part of an entry; embed it in the caller's entry struct. */
struct sb_lru_node {
    unsigned char key[SB_LRU_KEY_LEN];
    struct sb_lru_node *prev, *next;     /* recency list of the shard, most recent first */
    struct sb_lru_node *hnext;           /* hash bucket chain */
};

struct sb_lru_stats {
    uint64_t hits, misses, insertions, evictions, entries;
};

/* What the visitor of sb_lru_get decides about the entry it was shown. */
enum sb_lru_use {
    SB_LRU_HIT = 0,                      /* used: counts a hit and makes the entry the most recent */
    SB_LRU_MISS,                         /* not usable this time: counts a miss, the entry stays as it is */
    SB_LRU_DROP                          /* never usable again: counts a miss and frees the entry */
};

struct sb_lru;

/* Releases one entry (the struct embedding n). */
typedef void (*sb_lru_free_fn)(struct sb_lru_node *n);
/* Called under the shard lock with the entry found for a key: copy or reference what the caller needs. */
typedef enum sb_lru_use (*sb_lru_visit_fn)(struct sb_lru_node *n, void *arg);

/* New map of at most capacity entries (0: disabled, every get misses without counting and every put is
 * freed at once). NULL on allocation failure. */
struct sb_lru *sb_lru_new(size_t capacity, sb_lru_free_fn free_node);
/* Free l and every entry (NULL is a no-op). */
void sb_lru_free(struct sb_lru *l);
/* 1 when l exists and has a non-zero capacity. */
int sb_lru_enabled(const struct sb_lru *l);
/* Look key up: on an entry, visit(entry, arg) decides (see enum sb_lru_use); returns 1 on a hit, 0 on a
 * miss (no entry counts a miss too). */
int sb_lru_get(struct sb_lru *l, const unsigned char key[SB_LRU_KEY_LEN], sb_lru_visit_fn visit, void *arg);
/* Insert n (its key set; ownership passes to l, which must not be NULL) as the most recent entry, replacing
 * any entry with the same key and evicting the least recent ones beyond the shard's capacity. */
void sb_lru_put(struct sb_lru *l, struct sb_lru_node *n);
/* Free every entry; the counters stay. */
void sb_lru_flush(struct sb_lru *l);
/* The counters summed over the shards (all 0 for NULL). */
void sb_lru_stats(struct sb_lru *l, struct sb_lru_stats *out);

#endif
