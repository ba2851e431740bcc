#include "pki/x509/chain_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 16

struct entry {
    unsigned char key[32];
    STACK_OF(X509) *chain;                 /* owned */
    STACK_OF(ASN1_OBJECT) *policies;       /* owned; may be NULL */
    time_t from, until;
    struct entry *prev, *next;             /* LRU list, most recent first */
    struct entry *hnext;                   /* hash bucket chain */
};

struct shard {
    pthread_mutex_t lock;
    struct entry **buckets;                /* owned */
    size_t nbuckets;
    struct entry *head, *tail;
    size_t count, capacity;
    uint64_t hits, misses, insertions, evictions;
};

struct sb_chain_cache {
    struct shard shards[SHARDS];
    size_t capacity;
};

static void entry_free(struct entry *e)
{
    if (e == NULL) {
        return;
    }
    sk_X509_pop_free(e->chain, X509_free);
    sk_ASN1_OBJECT_pop_free(e->policies, ASN1_OBJECT_free);
    free(e);
}

static size_t bucket_of(const struct shard *s, const unsigned char key[32])
{
    size_t h;

    memcpy(&h, key + 4, sizeof(h));
    return h % s->nbuckets;
}

struct sb_chain_cache *sb_chain_cache_new(size_t capacity)
{
    struct sb_chain_cache *c = calloc(1, sizeof(*c));
    size_t i, per = (capacity + SHARDS - 1) / SHARDS;

    if (c == NULL) {
        return NULL;
    }
    c->capacity = capacity;
    for (i = 0; i < SHARDS; i++) {
        struct shard *s = &c->shards[i];

        pthread_mutex_init(&s->lock, NULL);
        s->capacity = capacity == 0 ? 0 : per;
        s->nbuckets = per < 8 ? 8 : per;
        if ((s->buckets = calloc(s->nbuckets, sizeof(*s->buckets))) == NULL) {
            sb_chain_cache_free(c);
            return NULL;
        }
    }
    return c;
}

static void unlink_lru(struct shard *s, struct entry *e)
{
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        s->head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        s->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void push_front(struct shard *s, struct entry *e)
{
    e->prev = NULL;
    e->next = s->head;
    if (s->head != NULL) {
        s->head->prev = e;
    }
    s->head = e;
    if (s->tail == NULL) {
        s->tail = e;
    }
}

/* Remove e from its bucket and the LRU list and free it. */
static void remove_entry(struct shard *s, struct entry *e)
{
    struct entry **pp = &s->buckets[bucket_of(s, e->key)];

    while (*pp != NULL && *pp != e) {
        pp = &(*pp)->hnext;
    }
    if (*pp == e) {
        *pp = e->hnext;
    }
    unlink_lru(s, e);
    s->count--;
    entry_free(e);
}

static void shard_flush(struct shard *s)
{
    while (s->head != NULL) {
        remove_entry(s, s->head);
    }
}

void sb_chain_cache_free(struct sb_chain_cache *c)
{
    size_t i;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < SHARDS; i++) {
        if (c->shards[i].buckets != NULL) {
            shard_flush(&c->shards[i]);
            free(c->shards[i].buckets);
        }
        pthread_mutex_destroy(&c->shards[i].lock);
    }
    free(c);
}

void sb_chain_cache_flush(struct sb_chain_cache *c)
{
    size_t i;

    for (i = 0; c != NULL && i < SHARDS; i++) {
        pthread_mutex_lock(&c->shards[i].lock);
        shard_flush(&c->shards[i]);
        pthread_mutex_unlock(&c->shards[i].lock);
    }
}

void sb_chain_cache_stats(struct sb_chain_cache *c, struct sb_chain_cache_stats *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; c != NULL && i < SHARDS; i++) {
        struct shard *s = &c->shards[i];

        pthread_mutex_lock(&s->lock);
        out->hits += s->hits;
        out->misses += s->misses;
        out->insertions += s->insertions;
        out->evictions += s->evictions;
        out->entries += s->count;
        pthread_mutex_unlock(&s->lock);
    }
}

static struct shard *shard_of(struct sb_chain_cache *c, const unsigned char key[32])
{
    return &c->shards[key[0] % SHARDS];
}

static struct entry *find(struct shard *s, const unsigned char key[32])
{
    struct entry *e;

    for (e = s->buckets[bucket_of(s, key)]; e != NULL; e = e->hnext) {
        if (memcmp(e->key, key, 32) == 0) {
            return e;
        }
    }
    return NULL;
}

static STACK_OF(X509) *dup_chain(STACK_OF(X509) *in)
{
    STACK_OF(X509) *out = sk_X509_new_null();
    int i;

    for (i = 0; out != NULL && i < sk_X509_num(in); i++) {
        if (!sk_X509_push(out, sk_X509_value(in, i))) {
            sk_X509_pop_free(out, X509_free);
            return NULL;
        }
        X509_up_ref(sk_X509_value(in, i));
    }
    return out;
}

static STACK_OF(ASN1_OBJECT) *dup_policies(STACK_OF(ASN1_OBJECT) *in)
{
    STACK_OF(ASN1_OBJECT) *out;
    ASN1_OBJECT *o;
    int i;

    if (in == NULL) {
        return NULL;
    }
    if ((out = sk_ASN1_OBJECT_new_null()) == NULL) {
        return NULL;
    }
    for (i = 0; i < sk_ASN1_OBJECT_num(in); i++) {
        if ((o = OBJ_dup(sk_ASN1_OBJECT_value(in, i))) == NULL || !sk_ASN1_OBJECT_push(out, o)) {
            ASN1_OBJECT_free(o);
            sk_ASN1_OBJECT_pop_free(out, ASN1_OBJECT_free);
            return NULL;
        }
    }
    return out;
}

int sb_chain_cache_get(struct sb_chain_cache *c, const unsigned char key[32], time_t at, STACK_OF(X509) **chain,
                       STACK_OF(ASN1_OBJECT) **policies)
{
    struct shard *s;
    struct entry *e;
    int hit = 0;

    *chain = NULL;
    if (policies != NULL) {
        *policies = NULL;
    }
    if (c == NULL || c->capacity == 0) {
        return 0;
    }
    s = shard_of(c, key);
    pthread_mutex_lock(&s->lock);
    e = find(s, key);
    if (e != NULL && (at < e->from || at > e->until)) {
        remove_entry(s, e); /* outside its window: never served again */
        e = NULL;
    }
    if (e != NULL && (*chain = dup_chain(e->chain)) != NULL) {
        if (policies != NULL && e->policies != NULL) {
            *policies = dup_policies(e->policies);
        }
        unlink_lru(s, e);
        push_front(s, e);
        s->hits++;
        hit = 1;
    } else {
        s->misses++;
    }
    pthread_mutex_unlock(&s->lock);
    return hit;
}

void sb_chain_cache_put(struct sb_chain_cache *c, const unsigned char key[32], STACK_OF(X509) *chain,
                        STACK_OF(ASN1_OBJECT) *policies, time_t from, time_t until)
{
    struct shard *s;
    struct entry *e, *old;
    size_t b;

    if (c == NULL || c->capacity == 0 || from > until) {
        return;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        return;
    }
    memcpy(e->key, key, 32);
    e->from = from;
    e->until = until;
    e->chain = dup_chain(chain);
    e->policies = dup_policies(policies);
    if (e->chain == NULL || (policies != NULL && e->policies == NULL)) {
        entry_free(e);
        return;
    }
    s = shard_of(c, key);
    pthread_mutex_lock(&s->lock);
    if ((old = find(s, key)) != NULL) {
        remove_entry(s, old);
    }
    while (s->count >= s->capacity && s->tail != NULL) {
        remove_entry(s, s->tail);
        s->evictions++;
    }
    b = bucket_of(s, key);
    e->hnext = s->buckets[b];
    s->buckets[b] = e;
    push_front(s, e);
    s->count++;
    s->insertions++;
    pthread_mutex_unlock(&s->lock);
}
