/*
 * gateway/daemon/replay_cache.c — the replay cache (replay_cache.h): an open-addressing table (linear probing)
 * of 128-bit keys (the first half of each SHA-256: a false match needs 2^64 work and only refuses a request)
 * with their expiry. A slot whose expiry passed is dead: lookups probe past it, adds reuse it; when used slots
 * (live or dead) reach 3/4 of the table, or max, the live ones are rehashed into a table sized for them.
 */
#include "gateway/daemon/replay_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 1024

struct slot {
    uint64_t k0, k1;
    int64_t expires;                  /* 0: never used (ends a probe chain) */
};

struct sbgw_replay {
    struct slot *slots;               /* owned: cap entries */
    size_t cap;                       /* a power of two */
    size_t used;                      /* slots with expires != 0 (live or dead) */
    size_t max;
    time_t full_until;                /* after a FULL sweep: answer FULL without sweeping again before this */
};

static void key_of(const unsigned char key[32], uint64_t *k0, uint64_t *k1)
{
    memcpy(k0, key, 8);
    memcpy(k1, key + 8, 8);
    if (*k0 == 0 && *k1 == 0) {
        *k1 = 1;                      /* any value works as a key; keep the all-zero one distinct from nothing */
    }
}

struct sbgw_replay *sbgw_replay_new(size_t max)
{
    struct sbgw_replay *c = calloc(1, sizeof(*c));

    if (c == NULL || (c->slots = calloc(MIN_SLOTS, sizeof(*c->slots))) == NULL) {
        free(c);
        return NULL;
    }
    c->cap = MIN_SLOTS;
    c->max = max > 0 ? max : 1;
    return c;
}

void sbgw_replay_free(struct sbgw_replay *c)
{
    if (c != NULL) {
        free(c->slots);
        free(c);
    }
}

/* The slot holding k0/k1 (live or dead), or NULL; *reuse (if not NULL) the first dead or empty slot met. */
static struct slot *find(const struct sbgw_replay *c, uint64_t k0, uint64_t k1, time_t now, struct slot **reuse)
{
    size_t mask = c->cap - 1, i = (size_t)(k0 ^ (k1 >> 7)) & mask;
    struct slot *s;

    if (reuse != NULL) {
        *reuse = NULL;
    }
    for (;; i = (i + 1) & mask) {
        s = &c->slots[i];
        if (s->expires == 0) {
            if (reuse != NULL && *reuse == NULL) {
                *reuse = s;
            }
            return NULL;
        }
        if (s->k0 == k0 && s->k1 == k1) {
            return s;
        }
        if (reuse != NULL && *reuse == NULL && s->expires <= (int64_t)now) {
            *reuse = s;
        }
    }
}

int sbgw_replay_seen(const struct sbgw_replay *c, const unsigned char key[32], time_t now)
{
    uint64_t k0, k1;
    const struct slot *s;

    key_of(key, &k0, &k1);
    s = find(c, k0, k1, now, NULL);
    return s != NULL && s->expires > (int64_t)now;
}

size_t sbgw_replay_count(const struct sbgw_replay *c, time_t now)
{
    size_t i, n = 0;

    for (i = 0; i < c->cap; i++) {
        n += c->slots[i].expires > (int64_t)now;
    }
    return n;
}

/* Rehash the live keys into a table with room for them plus one at under 2/3 load; -1 when out of memory
 * (the old table stays). */
static int sweep(struct sbgw_replay *c, time_t now)
{
    size_t live = sbgw_replay_count(c, now), cap = MIN_SLOTS, i, j, mask;
    struct slot *ns;

    while (cap < (live + 1) + (live + 1) / 2) {
        cap *= 2;
    }
    if ((ns = calloc(cap, sizeof(*ns))) == NULL) {
        return -1;
    }
    mask = cap - 1;
    for (i = 0; i < c->cap; i++) {
        const struct slot *s = &c->slots[i];

        if (s->expires > (int64_t)now) {
            for (j = (size_t)(s->k0 ^ (s->k1 >> 7)) & mask; ns[j].expires != 0; j = (j + 1) & mask) {
            }
            ns[j] = *s;
        }
    }
    free(c->slots);
    c->slots = ns;
    c->cap = cap;
    c->used = live;
    return 0;
}

enum sbgw_replay_result sbgw_replay_add(struct sbgw_replay *c, const unsigned char key[32], time_t expires,
                                        time_t now)
{
    uint64_t k0, k1;
    struct slot *s, *reuse;

    key_of(key, &k0, &k1);
    if ((s = find(c, k0, k1, now, &reuse)) != NULL && s->expires > (int64_t)now) {
        return SBGW_REPLAY_SEEN;
    }
    if (s != NULL) {                           /* the same key, dead: live again */
        s->expires = expires;
        return SBGW_REPLAY_ADDED;
    }
    if (reuse->expires == 0 && (c->used + 1 > c->cap / 4 * 3 || c->used + 1 > c->max)) {
        if (now < c->full_until) {
            return SBGW_REPLAY_FULL;
        }
        if (sweep(c, now) != 0) {
            return SBGW_REPLAY_NO_MEMORY;
        }
        if (c->used + 1 > c->max) {
            c->full_until = now + 1;           /* at most one sweep a second while full */
            return SBGW_REPLAY_FULL;
        }
        find(c, k0, k1, now, &reuse);          /* the new table: an empty slot */
    }
    if (reuse->expires == 0) {
        c->used++;
    }
    reuse->k0 = k0;
    reuse->k1 = k1;
    reuse->expires = expires;
    return SBGW_REPLAY_ADDED;
}
