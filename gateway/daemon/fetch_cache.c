/*
 * gateway/daemon/fetch_cache.c — the bounded cache of fetched bytes (fetch_cache.h): a hash table of entries
 * on a recency list under one mutex, and its optional directory.
 *
 * File format (one per key, named <hex SHA-256 of the key>.sbfc): the line "SBFC1 <expires> <stored>
 * <key length> <data length>\n", then the key, then the data. Written as <name>.tmp.<pid>.<n> with O_EXCL,
 * fsync'd, renamed over the name: a reader sees the old file or the new one, never half of one. Files are
 * removed when their entry expires, is evicted or replaced by nothing; a file whose name does not match its
 * key, whose lengths do not add up, or that is expired, is removed at load.
 *
 * Ownership: the cache owns its entries and their copies of key and data; get hands out new copies.
 */
#include "gateway/daemon/fetch_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "gateway/daemon/fetch.h"

#define NAME_LEN 64                              /* hex SHA-256 */
#define SUFFIX ".sbfc"

struct centry {
    char *key;                                   /* owned */
    unsigned char *data;                         /* owned */
    size_t len;
    time_t expires, stored;
    char name[NAME_LEN + 1];
    unsigned hash;
    struct centry *hnext;                        /* bucket chain */
    struct centry *prev, *next;                  /* recency list, most recent first */
};

struct sbgw_fetch_cache {
    pthread_mutex_t mu;
    size_t max_entries, max_bytes;
    char *dir;                                   /* owned; NULL: memory only */
    struct centry **buckets;                     /* owned */
    size_t nbuckets;
    struct centry *head, *tail;
    unsigned long seq;                           /* temporary file names */
    struct sbgw_fetch_cache_stats st;
};

/* Names of files to remove once the lock is released. */
struct doomed {
    char (*names)[NAME_LEN + 1];
    size_t n, alloc;
};

static unsigned hash_key(const char *k)
{
    unsigned h = 2166136261u;

    for (; *k != '\0'; k++) {
        h = (h ^ (unsigned char)*k) * 16777619u;
    }
    return h;
}

static int key_name(const char *key, char name[NAME_LEN + 1])
{
    static const char hx[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    int i;

    if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        return -1;
    }
    for (i = 0; i < 32; i++) {
        name[2 * i] = hx[md[i] >> 4];
        name[2 * i + 1] = hx[md[i] & 15];
    }
    name[NAME_LEN] = '\0';
    return 0;
}

static void doom(struct doomed *d, const char *name)
{
    if (d == NULL) {
        return;
    }
    if (d->n == d->alloc) {
        size_t na = d->alloc > 0 ? d->alloc * 2 : 8;
        void *p = realloc(d->names, na * sizeof(*d->names));

        if (p == NULL) {
            return;                              /* the file stays; the next load checks it */
        }
        d->names = p;
        d->alloc = na;
    }
    memcpy(d->names[d->n++], name, NAME_LEN + 1);
}

static void unlink_name(const char *dir, const char *name)
{
    char path[4200];

    snprintf(path, sizeof(path), "%s/%s%s", dir, name, SUFFIX);
    (void)unlink(path);
}

static void unlink_doomed(struct sbgw_fetch_cache *c, struct doomed *d)
{
    size_t i;

    for (i = 0; c->dir != NULL && i < d->n; i++) {
        unlink_name(c->dir, d->names[i]);
    }
    free(d->names);
}

static void entry_free(struct centry *e)
{
    if (e != NULL) {
        free(e->key);
        free(e->data);
        free(e);
    }
}

static struct centry *find(struct sbgw_fetch_cache *c, const char *key, unsigned h)
{
    struct centry *e;

    for (e = c->buckets[h % c->nbuckets]; e != NULL; e = e->hnext) {
        if (e->hash == h && strcmp(e->key, key) == 0) {
            return e;
        }
    }
    return NULL;
}

static void list_unlink(struct sbgw_fetch_cache *c, struct centry *e)
{
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        c->head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        c->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void list_push(struct sbgw_fetch_cache *c, struct centry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head != NULL) {
        c->head->prev = e;
    }
    c->head = e;
    if (c->tail == NULL) {
        c->tail = e;
    }
}

/* Take e out of the table and the list and free it; its file joins d (NULL: the file stays). */
static void remove_entry(struct sbgw_fetch_cache *c, struct centry *e, struct doomed *d)
{
    struct centry **pp;

    for (pp = &c->buckets[e->hash % c->nbuckets]; *pp != NULL; pp = &(*pp)->hnext) {
        if (*pp == e) {
            *pp = e->hnext;
            break;
        }
    }
    list_unlink(c, e);
    c->st.entries--;
    c->st.bytes -= e->len;
    doom(d, e->name);
    entry_free(e);
}

/* Insert e (its key absent), evicting the least recent entries beyond the bounds (under mu). */
static void insert(struct sbgw_fetch_cache *c, struct centry *e, struct doomed *d)
{
    while (c->tail != NULL && (c->st.entries + 1 > c->max_entries || c->st.bytes + e->len > c->max_bytes)) {
        c->st.evictions++;
        remove_entry(c, c->tail, d);
    }
    e->hnext = c->buckets[e->hash % c->nbuckets];
    c->buckets[e->hash % c->nbuckets] = e;
    list_push(c, e);
    c->st.entries++;
    c->st.bytes += e->len;
}

static struct centry *entry_new(const char *key, const unsigned char *data, size_t len, time_t expires, time_t stored)
{
    struct centry *e = calloc(1, sizeof(*e));

    if (e == NULL || (e->key = strdup(key)) == NULL || (e->data = malloc(len > 0 ? len : 1)) == NULL ||
        key_name(key, e->name) != 0) {
        entry_free(e);
        return NULL;
    }
    if (len > 0) {
        memcpy(e->data, data, len);
    }
    e->len = len;
    e->expires = expires;
    e->stored = stored;
    e->hash = hash_key(key);
    return e;
}

/* ---- the directory ---- */

static int write_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n > 0) {
        ssize_t w = write(fd, b, n);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_file(struct sbgw_fetch_cache *c, const struct centry *e, unsigned long seq)
{
    char tmp[4300], path[4200], head[128];
    int fd, n, ok;

    snprintf(path, sizeof(path), "%s/%s%s", c->dir, e->name, SUFFIX);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%lu", path, (long)getpid(), seq);
    n = snprintf(head, sizeof(head), "SBFC1 %lld %lld %zu %zu\n", (long long)e->expires, (long long)e->stored,
                 strlen(e->key), e->len);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        return -1;
    }
    ok = write_all(fd, head, (size_t)n) == 0 && write_all(fd, e->key, strlen(e->key)) == 0 &&
         write_all(fd, e->data, e->len) == 0 && fsync(fd) == 0;
    if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
        (void)unlink(tmp);
        return -1;
    }
    return 0;
}

/* One file of the directory: its entry, or NULL (and the file is removed) when unusable. */
static struct centry *read_file(struct sbgw_fetch_cache *c, const char *name, time_t now)
{
    char path[4200], *key = NULL;
    unsigned char *buf = NULL;
    struct centry *e = NULL;
    struct stat sb;
    long long exp, stored;
    size_t klen, dlen;
    int fd, hl = 0;
    ssize_t r;

    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > c->max_bytes + 2 * SBGW_FETCH_KEY_MAX ||
        (buf = malloc((size_t)sb.st_size + 1)) == NULL) {
        goto out;
    }
    r = read(fd, buf, (size_t)sb.st_size);
    if (r != (ssize_t)sb.st_size) {
        goto out;
    }
    buf[r] = '\0';
    if (sscanf((char *)buf, "SBFC1 %lld %lld %zu %zu\n%n", &exp, &stored, &klen, &dlen, &hl) != 4 || hl == 0 ||
        klen == 0 || klen > SBGW_FETCH_KEY_MAX || dlen > c->max_bytes || (size_t)hl + klen + dlen != (size_t)r ||
        (time_t)exp <= now || (key = malloc(klen + 1)) == NULL) {
        goto out;
    }
    memcpy(key, buf + hl, klen);
    key[klen] = '\0';
    if (strlen(key) != klen || (e = entry_new(key, buf + hl + klen, dlen, (time_t)exp, (time_t)stored)) == NULL ||
        strncmp(e->name, name, NAME_LEN) != 0) {
        entry_free(e);
        e = NULL;
    }
out:
    close(fd);
    free(buf);
    free(key);
    if (e == NULL) {
        (void)unlink(path);
    }
    return e;
}

static int load_dir(struct sbgw_fetch_cache *c, time_t now, char *err, size_t errlen)
{
    DIR *dp = opendir(c->dir);
    struct dirent *de;
    struct doomed d = { 0 };

    if (dp == NULL) {
        snprintf(err, errlen, "fetch cache directory %s: %s", c->dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(dp)) != NULL) {
        size_t n = strlen(de->d_name);
        struct centry *e, *old;

        if (n > NAME_LEN + strlen(SUFFIX) && strstr(de->d_name, SUFFIX ".tmp.") == de->d_name + NAME_LEN) {
            char path[4200];

            snprintf(path, sizeof(path), "%s/%s", c->dir, de->d_name);
            (void)unlink(path);                  /* a write that never finished */
            continue;
        }
        if (n != NAME_LEN + strlen(SUFFIX) || strcmp(de->d_name + NAME_LEN, SUFFIX) != 0) {
            continue;                            /* not ours */
        }
        if ((e = read_file(c, de->d_name, now)) == NULL) {
            continue;
        }
        if ((old = find(c, e->key, e->hash)) != NULL) {
            remove_entry(c, old, NULL);
        }
        insert(c, e, &d);
    }
    closedir(dp);
    unlink_doomed(c, &d);
    return 0;
}

/* ---- the API ---- */

struct sbgw_fetch_cache *sbgw_fetch_cache_new(size_t max_entries, size_t max_bytes, const char *dir, time_t now,
                                              char *err, size_t errlen)
{
    struct sbgw_fetch_cache *c;

    if (max_entries == 0 || max_bytes == 0) {
        snprintf(err, errlen, "fetch cache: max_entries and max_bytes must be > 0");
        return NULL;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    c->nbuckets = max_entries < 16 ? 16 : max_entries > (1u << 20) ? (1u << 20) : max_entries;
    if ((c->buckets = calloc(c->nbuckets, sizeof(*c->buckets))) == NULL ||
        (dir != NULL && (c->dir = strdup(dir)) == NULL)) {
        snprintf(err, errlen, "out of memory");
        sbgw_fetch_cache_free(c);
        return NULL;
    }
    if (c->dir != NULL && load_dir(c, now, err, errlen) != 0) {
        sbgw_fetch_cache_free(c);
        return NULL;
    }
    return c;
}

void sbgw_fetch_cache_free(struct sbgw_fetch_cache *c)
{
    struct centry *e, *next;

    if (c == NULL) {
        return;
    }
    for (e = c->head; e != NULL; e = next) {
        next = e->next;
        entry_free(e);
    }
    free(c->buckets);
    free(c->dir);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int sbgw_fetch_cache_put(struct sbgw_fetch_cache *c, const char *key, const unsigned char *data, size_t len,
                         time_t expires_at, time_t now)
{
    struct centry *e, *old;
    struct doomed d = { 0 };
    unsigned long seq;

    if (c == NULL || key == NULL || key[0] == '\0' || strlen(key) > SBGW_FETCH_KEY_MAX || expires_at <= now ||
        len > c->max_bytes || (len > 0 && data == NULL) || (e = entry_new(key, data, len, expires_at, now)) == NULL) {
        return -1;
    }
    pthread_mutex_lock(&c->mu);
    seq = ++c->seq;
    pthread_mutex_unlock(&c->mu);
    if (c->dir != NULL && write_file(c, e, seq) != 0) {
        pthread_mutex_lock(&c->mu);
        c->st.disk_errors++;
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_lock(&c->mu);
    if ((old = find(c, key, e->hash)) != NULL) {
        remove_entry(c, old, NULL);             /* (same file name: just rewritten) */
    }
    insert(c, e, &d);
    c->st.puts++;
    pthread_mutex_unlock(&c->mu);
    unlink_doomed(c, &d);
    return 0;
}

int sbgw_fetch_cache_get(struct sbgw_fetch_cache *c, const char *key, time_t now, unsigned char **data, size_t *len,
                         time_t *expires_at)
{
    struct centry *e;
    struct doomed d = { 0 };
    int hit = 0;

    *data = NULL;
    if (c == NULL || key == NULL) {
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    if ((e = find(c, key, hash_key(key))) != NULL && e->expires <= now) {
        c->st.expired++;
        remove_entry(c, e, &d);
        e = NULL;
    }
    if (e != NULL && (*data = malloc(e->len > 0 ? e->len : 1)) != NULL) {
        memcpy(*data, e->data, e->len);
        if (len != NULL) {
            *len = e->len;
        }
        if (expires_at != NULL) {
            *expires_at = e->expires;
        }
        list_unlink(c, e);
        list_push(c, e);
        hit = 1;
    }
    if (hit) {
        c->st.hits++;
    } else {
        c->st.misses++;
    }
    pthread_mutex_unlock(&c->mu);
    unlink_doomed(c, &d);
    return hit;
}

void sbgw_fetch_cache_del(struct sbgw_fetch_cache *c, const char *key)
{
    struct centry *e;
    struct doomed d = { 0 };

    if (c == NULL || key == NULL) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    if ((e = find(c, key, hash_key(key))) != NULL) {
        remove_entry(c, e, &d);
    }
    pthread_mutex_unlock(&c->mu);
    unlink_doomed(c, &d);
}

void sbgw_fetch_cache_each(struct sbgw_fetch_cache *c, void (*fn)(const char *key, size_t len, time_t expires_at,
                                                                   void *arg), void *arg)
{
    struct centry *e;

    pthread_mutex_lock(&c->mu);
    for (e = c->head; e != NULL; e = e->next) {
        fn(e->key, e->len, e->expires, arg);
    }
    pthread_mutex_unlock(&c->mu);
}

void sbgw_fetch_cache_stats(struct sbgw_fetch_cache *c, struct sbgw_fetch_cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->st;
    pthread_mutex_unlock(&c->mu);
}
