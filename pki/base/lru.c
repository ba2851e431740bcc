/*
 * pki/base/lru.c — the sharded LRU map (lru.h).
 */
#include "pki/base/lru.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct lru_shard {
    pthread_mutex_t lock;
    struct sb_lru_node **buckets;        /* owned: nbuckets chains */
    size_t nbuckets, count, capacity;
    struct sb_lru_node *head, *tail;     /* most / least recent */
    uint64_t hits, misses, insertions, evictions;
};

struct sb_lru {
    struct lru_shard shards[SB_LRU_SHARDS];
    size_t capacity;
    sb_lru_free_fn free_node;
};

static struct lru_shard *shard_of(struct sb_lru *l, const unsigned char *key)
{
    return &l->shards[key[0] % SB_LRU_SHARDS];
}

static struct sb_lru_node **bucket_of(const struct lru_shard *s, const unsigned char *key)
{
    size_t h;

    memcpy(&h, key + 8, sizeof(h));
    return &s->buckets[h % s->nbuckets];
}

static void list_unlink(struct lru_shard *s, struct sb_lru_node *n)
{
    if (n->prev != NULL) {
        n->prev->next = n->next;
    } else {
        s->head = n->next;
    }
    if (n->next != NULL) {
        n->next->prev = n->prev;
    } else {
        s->tail = n->prev;
    }
    n->prev = n->next = NULL;
}

static void list_push_front(struct lru_shard *s, struct sb_lru_node *n)
{
    n->prev = NULL;
    n->next = s->head;
    if (s->head != NULL) {
        s->head->prev = n;
    }
    s->head = n;
    if (s->tail == NULL) {
        s->tail = n;
    }
}

static struct sb_lru_node *find(const struct lru_shard *s, const unsigned char *key)
{
    struct sb_lru_node *n;

    for (n = *bucket_of(s, key); n != NULL; n = n->hnext) {
        if (memcmp(n->key, key, SB_LRU_KEY_LEN) == 0) {
            return n;
        }
    }
    return NULL;
}

/* Take n out of its bucket and the recency list, and free it. */
static void remove_node(struct sb_lru *l, struct lru_shard *s, struct sb_lru_node *n)
{
    struct sb_lru_node **pp = bucket_of(s, n->key);

    while (*pp != NULL && *pp != n) {
        pp = &(*pp)->hnext;
    }
    if (*pp == n) {
        *pp = n->hnext;
    }
    list_unlink(s, n);
    s->count--;
    l->free_node(n);
}

struct sb_lru *sb_lru_new(size_t capacity, sb_lru_free_fn free_node)
{
    struct sb_lru *l = calloc(1, sizeof(*l));
    size_t i, per = (capacity + SB_LRU_SHARDS - 1) / SB_LRU_SHARDS;

    if (l == NULL) {
        return NULL;
    }
    l->capacity = capacity;
    l->free_node = free_node;
    for (i = 0; i < SB_LRU_SHARDS; i++) {
        struct lru_shard *s = &l->shards[i];

        pthread_mutex_init(&s->lock, NULL);
        s->capacity = per;
        s->nbuckets = per < 8 ? 8 : per;
        if ((s->buckets = calloc(s->nbuckets, sizeof(*s->buckets))) == NULL) {
            sb_lru_free(l);
            return NULL;
        }
    }
    return l;
}

static void shard_flush(struct sb_lru *l, struct lru_shard *s)
{
    while (s->head != NULL) {
        remove_node(l, s, s->head);
    }
}

void sb_lru_free(struct sb_lru *l)
{
    size_t i;

    if (l == NULL) {
        return;
    }
    for (i = 0; i < SB_LRU_SHARDS; i++) {
        if (l->shards[i].buckets != NULL) {
            shard_flush(l, &l->shards[i]);
            free(l->shards[i].buckets);
        }
        pthread_mutex_destroy(&l->shards[i].lock);
    }
    free(l);
}

int sb_lru_enabled(const struct sb_lru *l)
{
    return l != NULL && l->capacity > 0;
}

int sb_lru_get(struct sb_lru *l, const unsigned char key[SB_LRU_KEY_LEN], sb_lru_visit_fn visit, void *arg)
{
    struct lru_shard *s;
    struct sb_lru_node *n;
    enum sb_lru_use use = SB_LRU_MISS;

    if (!sb_lru_enabled(l)) {
        return 0;
    }
    s = shard_of(l, key);
    pthread_mutex_lock(&s->lock);
    if ((n = find(s, key)) != NULL && (use = visit(n, arg)) == SB_LRU_HIT) {
        list_unlink(s, n);
        list_push_front(s, n);
        s->hits++;
    } else {
        if (n != NULL && use == SB_LRU_DROP) {
            remove_node(l, s, n);
        }
        s->misses++;
    }
    pthread_mutex_unlock(&s->lock);
    return use == SB_LRU_HIT;
}

void sb_lru_put(struct sb_lru *l, struct sb_lru_node *n)
{
    struct lru_shard *s;
    struct sb_lru_node *old, **b;

    if (!sb_lru_enabled(l)) {
        if (l != NULL) {
            l->free_node(n);
        }
        return;
    }
    s = shard_of(l, n->key);
    pthread_mutex_lock(&s->lock);
    if ((old = find(s, n->key)) != NULL) {
        remove_node(l, s, old);
    }
    while (s->count >= s->capacity && s->tail != NULL) {
        remove_node(l, s, s->tail);
        s->evictions++;
    }
    b = bucket_of(s, n->key);
    n->hnext = *b;
    *b = n;
    list_push_front(s, n);
    s->count++;
    s->insertions++;
    pthread_mutex_unlock(&s->lock);
}

void sb_lru_flush(struct sb_lru *l)
{
    size_t i;

    for (i = 0; l != NULL && i < SB_LRU_SHARDS; i++) {
        pthread_mutex_lock(&l->shards[i].lock);
        shard_flush(l, &l->shards[i]);
        pthread_mutex_unlock(&l->shards[i].lock);
    }
}

void sb_lru_stats(struct sb_lru *l, struct sb_lru_stats *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; l != NULL && i < SB_LRU_SHARDS; i++) {
        struct lru_shard *s = &l->shards[i];

        pthread_mutex_lock(&s->lock);
        out->hits += s->hits;
        out->misses += s->misses;
        out->insertions += s->insertions;
        out->evictions += s->evictions;
        out->entries += s->count;
        pthread_mutex_unlock(&s->lock);
    }
}
