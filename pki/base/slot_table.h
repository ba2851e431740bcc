/*
 * pki/base/slot_table.h — a bounded direct-mapped table of caller-defined slots, with striped locks.
 *
 * For memo caches whose entries are cheap to recompute (pki/crypto/sm2_cache.h, pki/x509/cert_memo.h):
 * a key's hash picks exactly one slot and a new entry replaces whatever occupied it — no recency list, no
 * allocation per entry (the sharded LRU for the caches that need recency is lru.h). The slot count is a
 * power of two; slot i is guarded by lock i % SB_SLOT_STRIPES. The struct is embedded by its user; its
 * slots are owned by it. Thread-safe between sb_slot_table_init and sb_slot_table_destroy.
 */
#ifndef SB_SLOT_TABLE_H
#define SB_SLOT_TABLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define SB_SLOT_STRIPES 64

struct sb_slot_table {
    unsigned char *slots;                /* owned: n slots of size bytes each, zeroed at first */
    size_t n;                            /* a power of two, at least 64 */
    size_t size;
    pthread_mutex_t locks[SB_SLOT_STRIPES];
};

/* Set t up with about capacity slots of slot_size bytes (rounded up to a power of two, at least 64, at most
 * max_slots). 1 on success, 0 when out of memory (t then needs no destroy). */
int sb_slot_table_init(struct sb_slot_table *t, size_t capacity, size_t max_slots, size_t slot_size);
/* Call clear_slot on every slot (it releases what the slot holds), then free the slots and the locks. */
void sb_slot_table_destroy(struct sb_slot_table *t, void (*clear_slot)(void *slot));
/* The slot index for a key's hash (its low bits). */
static inline size_t sb_slot_table_index(const struct sb_slot_table *t, uint64_t hash)
{
    return (size_t)hash & (t->n - 1);
}
/* Lock slot i and return it; sb_slot_table_unlock(t, i) releases it. */
static inline void *sb_slot_table_lock(struct sb_slot_table *t, size_t i)
{
    pthread_mutex_lock(&t->locks[i % SB_SLOT_STRIPES]);
    return t->slots + i * t->size;
}
static inline void sb_slot_table_unlock(struct sb_slot_table *t, size_t i)
{
    pthread_mutex_unlock(&t->locks[i % SB_SLOT_STRIPES]);
}

#endif
