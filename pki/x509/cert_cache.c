#include "pki/x509/cert_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/base/digest.h"

#define SHARDS 16

struct centry {
    unsigned char key[32];
    X509 *x;                             /* owned reference */
    struct centry *prev, *next;          /* LRU, most recent first */
    struct centry *hnext;
};

struct cshard {
    pthread_mutex_t lock;
    struct centry **buckets;
    size_t nbuckets, count, capacity;
    struct centry *head, *tail;
    uint64_t hits, misses;
};

struct sb_cert_cache {
    struct cshard shards[SHARDS];
    size_t capacity;
};

static size_t bucket(const struct cshard *s, const unsigned char key[32])
{
    size_t h;

    memcpy(&h, key + 8, sizeof(h));
    return h % s->nbuckets;
}

static void lru_unlink(struct cshard *s, struct centry *e)
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

static void lru_front(struct cshard *s, struct centry *e)
{
    e->next = s->head;
    e->prev = NULL;
    if (s->head != NULL) {
        s->head->prev = e;
    }
    s->head = e;
    if (s->tail == NULL) {
        s->tail = e;
    }
}

static void drop(struct cshard *s, struct centry *e)
{
    struct centry **pp = &s->buckets[bucket(s, e->key)];

    while (*pp != NULL && *pp != e) {
        pp = &(*pp)->hnext;
    }
    if (*pp == e) {
        *pp = e->hnext;
    }
    lru_unlink(s, e);
    s->count--;
    X509_free(e->x);
    free(e);
}

struct sb_cert_cache *sb_cert_cache_new(size_t capacity)
{
    struct sb_cert_cache *c = calloc(1, sizeof(*c));
    size_t i, per = (capacity + SHARDS - 1) / SHARDS;

    if (c == NULL) {
        return NULL;
    }
    c->capacity = capacity;
    for (i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&c->shards[i].lock, NULL);
        c->shards[i].capacity = per;
        c->shards[i].nbuckets = per < 8 ? 8 : per;
        if ((c->shards[i].buckets = calloc(c->shards[i].nbuckets, sizeof(struct centry *))) == NULL) {
            sb_cert_cache_free(c);
            return NULL;
        }
    }
    return c;
}

void sb_cert_cache_free(struct sb_cert_cache *c)
{
    size_t i;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < SHARDS; i++) {
        while (c->shards[i].head != NULL) {
            drop(&c->shards[i], c->shards[i].head);
        }
        free(c->shards[i].buckets);
        pthread_mutex_destroy(&c->shards[i].lock);
    }
    free(c);
}

static X509 *decode(const unsigned char *der, size_t len)
{
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)len);

    if (x != NULL && q != der + len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

X509 *sb_cert_cache_d2i(struct sb_cert_cache *c, const unsigned char *der, size_t len)
{
    unsigned char key[32];
    struct cshard *s;
    struct centry *e;
    X509 *x;

    if (c == NULL || c->capacity == 0 || len > (1u << 20) ||
        !EVP_Digest(der, len, key, NULL, sb_md(SB_MD_SHA256), NULL)) {
        return decode(der, len);
    }
    s = &c->shards[key[0] % SHARDS];
    pthread_mutex_lock(&s->lock);
    for (e = s->buckets[bucket(s, key)]; e != NULL; e = e->hnext) {
        if (memcmp(e->key, key, sizeof(key)) == 0) {
            break;
        }
    }
    if (e != NULL) {
        X509_up_ref(e->x);
        x = e->x;
        lru_unlink(s, e);
        lru_front(s, e);
        s->hits++;
        pthread_mutex_unlock(&s->lock);
        return x;
    }
    s->misses++;
    pthread_mutex_unlock(&s->lock);

    if ((x = decode(der, len)) == NULL) {
        return NULL;
    }
    /* fill the extension cache now, while the certificate is still private to this thread */
    (void)X509_get_extension_flags(x);
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        return x;
    }
    memcpy(e->key, key, sizeof(key));
    e->x = x;
    X509_up_ref(x);
    pthread_mutex_lock(&s->lock);
    {
        struct centry *old;

        for (old = s->buckets[bucket(s, key)]; old != NULL; old = old->hnext) {
            if (memcmp(old->key, key, sizeof(key)) == 0) {
                break;
            }
        }
        if (old != NULL) {
            drop(s, old);
        }
    }
    while (s->count >= s->capacity && s->tail != NULL) {
        drop(s, s->tail);
    }
    e->hnext = s->buckets[bucket(s, key)];
    s->buckets[bucket(s, key)] = e;
    lru_front(s, e);
    s->count++;
    pthread_mutex_unlock(&s->lock);
    return x;
}

void sb_cert_cache_counts(struct sb_cert_cache *c, uint64_t *hits, uint64_t *misses)
{
    size_t i;

    *hits = *misses = 0;
    for (i = 0; c != NULL && i < SHARDS; i++) {
        pthread_mutex_lock(&c->shards[i].lock);
        *hits += c->shards[i].hits;
        *misses += c->shards[i].misses;
        pthread_mutex_unlock(&c->shards[i].lock);
    }
}
