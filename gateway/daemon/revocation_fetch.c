/*
 * gateway/daemon/revocation_fetch.c — CRLs from cRLDistributionPoints for validations in the daemon (revocation_fetch.h):
 * URI selection, allow-list check, the decoded-CRL cache (a small array under one mutex, least recently used
 * evicted first) and the fetch + decode. Ownership: struct sbgw_crl_fetch owns the fetcher, each cache entry's URL
 * copy and one reference to its X509_CRL; the hook pushes new references onto the caller's stack. The disk cache is
 * borrowed (sbgw_crl_fetch_use_disk). A background refresh owns its struct refresh until its callback ends.
 */
#include "gateway/daemon/revocation_fetch.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "gateway/daemon/fetch.h"
#include "gateway/daemon/rev_disk_cache.h"
#include "pki/x509/cert_decode.h"
#include "gateway/daemon/fetch_lazy.h"
#include "pki/base/rfc3339_time.h"
#include "pki/base/work_budget.h"

struct crl_entry {
    char *url;                          /* owned: normalised URL; NULL = free slot */
    X509_CRL *crl;                      /* owned reference */
    unsigned char sha256[32];           /* of the CRL's DER, taken once when it was stored (evidence) */
    time_t expires;                     /* nextUpdate, or thisUpdate + max_age_s */
    unsigned long long used;            /* recency tick */
    time_t this_update;                 /* the CRL's thisUpdate (a refresh never installs an older CRL) */
    time_t refresh_at;                  /* a hit from this time on starts a background refresh */
    int refreshing;                     /* a refresh of this URL is in flight */
};

struct sbgw_crl_fetch {
    pthread_mutex_t mu;                 /* guards everything below */
    struct sbgw_fetcher *fetcher;       /* owned: started on the first fetch (without shared) */
    struct sbgw_fetch_lazy *shared;     /* borrowed: the daemon's fetcher, shared with the OCSP source; or NULL */
    struct crl_entry *entries;          /* owned: n_max slots */
    size_t n_max;
    unsigned long long tick;
    struct sbgw_crl_fetch_stats stats;
    /* ---- persistence and refresh (revocation_cache) ---- */
    struct sbgw_rev_disk *disk;         /* borrowed: NULL = memory only */
    int refreshes;                      /* background refreshes in flight (free waits for 0) */
    pthread_cond_t refreshed;           /* signalled when refreshes drops */
};

struct sbgw_crl_fetch *sbgw_crl_fetch_new(size_t max_entries)
{
    struct sbgw_crl_fetch *f;

    if (max_entries == 0 || (f = calloc(1, sizeof(*f))) == NULL) {
        return NULL;
    }
    if ((f->entries = calloc(max_entries, sizeof(*f->entries))) == NULL || pthread_mutex_init(&f->mu, NULL) != 0) {
        free(f->entries);
        free(f);
        return NULL;
    }
    if (pthread_cond_init(&f->refreshed, NULL) != 0) {      /* background refreshes (see refresh_start) */
        pthread_mutex_destroy(&f->mu);
        free(f->entries);
        free(f);
        return NULL;
    }
    f->n_max = max_entries;
    return f;
}

void sbgw_crl_fetch_free(struct sbgw_crl_fetch *f)
{
    size_t i;

    if (f == NULL) {
        return;
    }
    sbgw_fetcher_free(f->fetcher);
    pthread_mutex_lock(&f->mu);         /* refreshes end with the fetcher (or at their own deadline) */
    while (f->refreshes > 0) {
        pthread_cond_wait(&f->refreshed, &f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    pthread_cond_destroy(&f->refreshed);
    for (i = 0; i < f->n_max; i++) {
        free(f->entries[i].url);
        X509_CRL_free(f->entries[i].crl);
    }
    free(f->entries);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void sbgw_crl_fetch_share(struct sbgw_crl_fetch *f, struct sbgw_fetch_lazy *shared)
{
    pthread_mutex_lock(&f->mu);
    f->shared = shared;
    pthread_mutex_unlock(&f->mu);
}

static void entry_clear(struct crl_entry *e)
{
    free(e->url);
    X509_CRL_free(e->crl);
    memset(e, 0, sizeof(*e));
}

/* A new reference to url's CRL (and its DER's SHA-256 in sha256) when it is cached and not expired at now; an
 * expired entry is dropped. *refresh (may be NULL) is set to 1 when the hit is in the entry's refresh window and no refresh is in
 * flight: the caller starts one (refresh_start), the entry is marked. */
static X509_CRL *cache_get(struct sbgw_crl_fetch *f, const char *url, time_t now, unsigned char sha256[32],
                           int *refresh)
{
    X509_CRL *crl = NULL;
    size_t i;

    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max; i++) {
        struct crl_entry *e = &f->entries[i];

        if (e->url == NULL || strcmp(e->url, url) != 0) {
            continue;
        }
        if (e->expires <= now) {
            entry_clear(e);
        } else if (X509_CRL_up_ref(e->crl)) {
            crl = e->crl;
            memcpy(sha256, e->sha256, 32);
            e->used = ++f->tick;
            f->stats.hits++;
            if (refresh != NULL && now >= e->refresh_at && !e->refreshing) {
                e->refreshing = 1;
                *refresh = 1;
            }
        }
        break;
    }
    pthread_mutex_unlock(&f->mu);
    return crl;
}

/* When to refresh a CRL valid from this_update to expires: in the last tenth of its window, or its last
 * 5 minutes (at most its second half) when that is longer. */
static time_t refresh_lead(time_t this_update, time_t expires)
{
    time_t w = expires > this_update ? expires - this_update : 0, lead = w / 10;

    if (lead < SBGW_CRL_REFRESH_MIN_S && w / 2 > lead) {
        lead = w / 2 < SBGW_CRL_REFRESH_MIN_S ? w / 2 : SBGW_CRL_REFRESH_MIN_S;
    }
    return lead;
}

/* After a refresh that brought nothing newer: the next one no sooner than this. */
static time_t refresh_retry(time_t this_update, time_t expires)
{
    time_t r = refresh_lead(this_update, expires) / 5;

    return r < 1 ? 1 : r > SBGW_CRL_REFRESH_RETRY_MAX_S ? SBGW_CRL_REFRESH_RETRY_MAX_S : r;
}

/* Keep a reference to crl under url until expires, replacing what url held; the slot of an expired entry, else the
 * least recently used one, is reused. Its refresh window opens at refresh_lead before expires, not before not_before.
 * sha256: of the CRL's DER (NULL: computed here); a CRL that cannot be hashed is not kept. */
static void cache_put(struct sbgw_crl_fetch *f, const char *url, X509_CRL *crl, const unsigned char *sha256,
                      time_t expires, time_t this_update, time_t not_before, time_t now)
{
    struct crl_entry *slot = NULL;
    unsigned char h[32];
    char *copy;
    size_t i;

    if (sha256 == NULL && !sb_crl_sha256(crl, h)) {
        return;
    }
    copy = strdup(url);
    if (copy == NULL || !X509_CRL_up_ref(crl)) {
        free(copy);
        return;
    }
    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max && slot == NULL; i++) {          /* the URL's own entry */
        if (f->entries[i].url != NULL && strcmp(f->entries[i].url, url) == 0) {
            slot = &f->entries[i];
        }
    }
    for (i = 0; i < f->n_max && slot == NULL; i++) {          /* a free or expired slot */
        if (f->entries[i].url == NULL || f->entries[i].expires <= now) {
            slot = &f->entries[i];
        }
    }
    if (slot == NULL) {                                       /* else the least recently used */
        slot = &f->entries[0];
        for (i = 1; i < f->n_max; i++) {
            if (f->entries[i].used < slot->used) {
                slot = &f->entries[i];
            }
        }
    }
    entry_clear(slot);
    slot->url = copy;
    slot->crl = crl;
    memcpy(slot->sha256, sha256 != NULL ? sha256 : h, 32);
    slot->expires = expires;
    slot->used = ++f->tick;
    slot->this_update = this_update;
    slot->refresh_at = expires - refresh_lead(this_update, expires);
    if (slot->refresh_at < not_before) {
        slot->refresh_at = not_before;
    }
    pthread_mutex_unlock(&f->mu);
}

static struct sbgw_fetcher *fetcher_get(struct sbgw_crl_fetch *f, char *err, size_t errlen)
{
    struct sbgw_fetcher *r;

    pthread_mutex_lock(&f->mu);
    if (f->shared != NULL) {
        pthread_mutex_unlock(&f->mu);
        return sbgw_fetch_lazy_get(f->shared, err, errlen);
    }
    if (f->fetcher == NULL) {
        f->fetcher = sbgw_fetcher_new(NULL, err, errlen);
    }
    r = f->fetcher;
    pthread_mutex_unlock(&f->mu);
    return r;
}

/* A CRL from a body in DER or PEM; NULL when it is neither (or has bytes after the DER). */
static X509_CRL *decode_crl(const unsigned char *body, size_t len)
{
    const unsigned char *p = body;
    X509_CRL *crl;
    BIO *bio;

    if (len > 0 && len < (size_t)1 << 30) {
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl != NULL && p == body + len) {
            return crl;
        }
        X509_CRL_free(crl);
        if ((bio = BIO_new_mem_buf(body, (int)len)) != NULL) {
            crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
            BIO_free(bio);
            if (crl != NULL) {
                return crl;
            }
        }
    }
    ERR_clear_error();
    return NULL;
}

/* When a decoded CRL stops being served from the cache: nextUpdate, else thisUpdate + max_age_s; 0 never. */
static time_t crl_expiry(X509_CRL *crl, int max_age_s)
{
    time_t t;

    if (X509_CRL_get0_nextUpdate(crl) != NULL) {
        return sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &t, NULL) ? t : 0;
    }
    if (max_age_s > 0 && sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl), &t, NULL)) {
        return t + (time_t)max_age_s;
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- persistence and background refresh (revocation_cache) ------------------------------------------ */

static time_t crl_this_update(X509_CRL *crl)
{
    time_t t;

    return sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl), &t, NULL) ? t : 0;
}

/* Write crl, fetched from url (its body body[len]), to the disk cache: the body when it is the DER, else the
 * CRL re-encoded (a PEM body). Blocking file I/O: workers and the fetcher's callback only. */
static void disk_write(struct sbgw_crl_fetch *f, const char *url, X509_CRL *crl, const unsigned char *body,
                       size_t len, time_t expires, time_t now)
{
    const unsigned char *p = body;
    unsigned char *der = NULL;
    X509_CRL *probe;
    int dlen, ok;

    if (f->disk == NULL) {
        return;
    }
    probe = body != NULL ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
    if (probe != NULL && p == body + len) {
        ok = sbgw_rev_disk_put(f->disk, SBGW_REV_CRL, url, body, len, expires, now) == 0;
    } else if ((dlen = i2d_X509_CRL(crl, &der)) > 0) {
        ok = sbgw_rev_disk_put(f->disk, SBGW_REV_CRL, url, der, (size_t)dlen, expires, now) == 0;
    } else {
        ok = 0;
    }
    X509_CRL_free(probe);
    OPENSSL_free(der);
    ERR_clear_error();
    pthread_mutex_lock(&f->mu);
    if (ok) {
        f->stats.disk_writes++;
    } else {
        f->stats.disk_errors++;
    }
    pthread_mutex_unlock(&f->mu);
}

/* url's CRL from the disk cache (written by another process, e.g. `sigbridge revocation fetch` from cron, since
 * the start), current at now; its expiry in *expires. NULL when there is none. Blocking: workers only. */
static X509_CRL *disk_get(struct sbgw_crl_fetch *f, const char *url, time_t now, time_t *expires)
{
    unsigned char *data = NULL;
    const unsigned char *p;
    X509_CRL *crl = NULL;
    size_t len = 0;
    time_t next;

    if (f->disk == NULL || !sbgw_rev_disk_get(f->disk, SBGW_REV_CRL, url, now, &data, &len, expires)) {
        return NULL;
    }
    p = data;
    if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL || p != data + len) {
        X509_CRL_free(crl);
        crl = NULL;
    } else if (X509_CRL_get0_nextUpdate(crl) != NULL &&
               sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &next, NULL) && next < *expires) {
        *expires = next;
    }
    if (crl != NULL && *expires <= now) {
        X509_CRL_free(crl);
        crl = NULL;
    }
    free(data);
    ERR_clear_error();
    if (crl != NULL) {
        pthread_mutex_lock(&f->mu);
        f->stats.disk_loads++;
        pthread_mutex_unlock(&f->mu);
    }
    return crl;
}

struct load_ctx {
    struct sbgw_crl_fetch *f;
    time_t now;
    size_t loaded;
};

static int load_one(void *arg, const char *key, const unsigned char *data, size_t len, time_t expires_at,
                    time_t stored_at)
{
    struct load_ctx *c = arg;
    const unsigned char *p = data;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    time_t next = 0;

    (void)stored_at;
    if (crl == NULL || p != data + len) {
        ERR_clear_error();
        X509_CRL_free(crl);
        return 0;                        /* not a CRL: skipped (the pki layer would refuse it anyway) */
    }
    /* never kept past the CRL's own nextUpdate, whatever the file says */
    if (X509_CRL_get0_nextUpdate(crl) != NULL && sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &next, NULL) &&
        next < expires_at) {
        expires_at = next;
    }
    if (expires_at > c->now) {
        cache_put(c->f, key, crl, NULL, expires_at, crl_this_update(crl), 0, c->now);
        c->loaded++;
    }
    X509_CRL_free(crl);
    return c->loaded >= c->f->n_max;     /* the newest n_max are enough */
}

size_t sbgw_crl_fetch_use_disk(struct sbgw_crl_fetch *f, struct sbgw_rev_disk *disk, time_t now)
{
    struct load_ctx c = { f, now, 0 };

    f->disk = disk;
    if (disk == NULL || sbgw_rev_disk_scan(disk, SBGW_REV_CRL, now, load_one, &c) < 0) {
        return 0;
    }
    pthread_mutex_lock(&f->mu);
    f->stats.disk_loads += c.loaded;
    pthread_mutex_unlock(&f->mu);
    return c.loaded;
}

struct refresh {
    struct sbgw_crl_fetch *f;
    char *url;                          /* owned: normalised */
    int max_age_s;
};

/* The end of a background refresh, on the fetcher's thread (or the caller's when refused at once): a CRL
 * that is current and not older than the cached one replaces it (memory and disk); otherwise the cached one
 * stays until its own expiry and the next refresh waits refresh_retry. */
static void refresh_cb(struct sbgw_fetch_result *res, void *arg)
{
    struct refresh *r = arg;
    struct sbgw_crl_fetch *f = r->f;
    X509_CRL *crl = NULL;
    time_t now = time(NULL), expires = 0, tu = 0, retry = 0;
    int ok = 0, unchanged = 0;
    size_t i;

    if (res->status == SBGW_FETCH_OK && (crl = decode_crl(res->body, res->len)) != NULL) {
        expires = crl_expiry(crl, r->max_age_s);
        tu = crl_this_update(crl);
        ok = expires > now;
    }
    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max; i++) {
        struct crl_entry *e = &f->entries[i];

        if (e->url == NULL || strcmp(e->url, r->url) != 0) {
            continue;
        }
        if (ok && tu < e->this_update) {
            ok = 0;                     /* an older CRL than the one held (a lagging mirror): not installed */
        }
        unchanged = ok && expires == e->expires;
        retry = now + refresh_retry(e->this_update, e->expires);
        e->refreshing = 0;
        e->refresh_at = retry;
        break;
    }
    if (ok) {
        f->stats.refresh_ok++;
    } else {
        f->stats.refresh_failed++;
    }
    pthread_mutex_unlock(&f->mu);
    if (ok) {
        cache_put(f, r->url, crl, NULL, expires, tu, unchanged ? retry : 0, now);
        if (!unchanged) {
            disk_write(f, r->url, crl, res->body, res->len, expires, now);
        }
    }
    X509_CRL_free(crl);
    sbgw_fetch_result_clear(res);
    free(r->url);
    free(r);
    pthread_mutex_lock(&f->mu);         /* the last touch of f: sbgw_crl_fetch_free waits for it */
    f->refreshes--;
    pthread_cond_broadcast(&f->refreshed);
    pthread_mutex_unlock(&f->mu);
}

/* Refetch url in the background (no request waits for it) under the allow-list and limits of the request
 * whose hit asked for it. Never blocks: sbgw_fetch_async. */
static void refresh_start(struct sbgw_crl_fetch *f, const char *url, struct sbgw_fetch_allow *allow,
                          const struct sb_rev_fetch *fetch)
{
    struct sbgw_fetch_result res;
    struct sbgw_fetch_req req;
    struct sbgw_fetcher *fetcher;
    struct refresh *r;
    char err[200];
    size_t i;

    if ((r = calloc(1, sizeof(*r))) == NULL || (r->url = strdup(url)) == NULL) {
        free(r);
        pthread_mutex_lock(&f->mu);     /* out of memory: unmark, a later hit tries again */
        for (i = 0; i < f->n_max; i++) {
            if (f->entries[i].url != NULL && strcmp(f->entries[i].url, url) == 0) {
                f->entries[i].refreshing = 0;
            }
        }
        f->stats.refresh_failed++;
        pthread_mutex_unlock(&f->mu);
        return;
    }
    r->f = f;
    r->max_age_s = fetch->max_age_s;
    pthread_mutex_lock(&f->mu);
    f->refreshes++;
    pthread_mutex_unlock(&f->mu);
    if ((fetcher = fetcher_get(f, err, sizeof(err))) == NULL) {
        memset(&res, 0, sizeof(res));
        res.status = SBGW_FETCH_INTERNAL;
        refresh_cb(&res, r);
        return;
    }
    memset(&req, 0, sizeof(req));
    req.key = r->url;
    req.method = SBGW_FETCH_GET;
    req.url = r->url;
    req.accept = "application/pkix-crl";
    req.timeout_ms = fetch->timeout_ms;
    req.max_bytes = (size_t)fetch->max_bytes;
    req.allow = allow;
    (void)sbgw_fetch_async(fetcher, &req, refresh_cb, r);     /* refused at once: refresh_cb ran already */
}

void sbgw_crl_fetch_stats(struct sbgw_crl_fetch *f, struct sbgw_crl_fetch_stats *out)
{
    size_t i;

    pthread_mutex_lock(&f->mu);
    *out = f->stats;
    out->entries = 0;
    for (i = 0; i < f->n_max; i++) {
        out->entries += f->entries[i].url != NULL;
    }
    pthread_mutex_unlock(&f->mu);
}

size_t sbgw_crl_fetch_next_updates(struct sbgw_crl_fetch *f, time_t now, struct sbgw_crl_next *out, size_t max)
{
    size_t i, n = 0;

    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max && n < max; i++) {
        const struct crl_entry *e = &f->entries[i];

        if (e->url != NULL && e->expires > now && (out[n].url = strdup(e->url)) != NULL) {
            out[n++].seconds = (long long)(e->expires - now);
        }
    }
    pthread_mutex_unlock(&f->mu);
    return n;
}

void sbgw_crl_next_clear(struct sbgw_crl_next *v, size_t n)
{
    size_t i;

    for (i = 0; v != NULL && i < n; i++) {
        free(v[i].url);
        v[i].url = NULL;
    }
}

struct attempt {
    struct sbgw_crl_fetch *f;
    const struct sb_crl_request *rq;
    struct sbgw_fetch_allow *allow;
    long long deadline;                 /* monotonic ms */
    char notes[SB_ERR_MSG_MAX];
    int budget_spent;
    int allowed;                        /* a URI passed the allow-list (else the certificate has none to fetch) */
};

/* One URI: 1 with a CRL pushed onto out, 0 with a note (or budget_spent). */
static int try_uri(struct attempt *a, const char *uri, STACK_OF(X509_CRL) *out)
{
    struct sbgw_fetch_result res;
    struct sbgw_fetch_req req;
    struct sbgw_fetcher *fetcher;
    char cause[256], err[200];
    char *norm = NULL;
    X509_CRL *crl = NULL;
    time_t now = time(NULL), expires;
    long long left;
    unsigned char sha256[32];
    int ok = 0, refresh = 0, have_sha = 1;

    memset(&res, 0, sizeof(res));
    if (sbgw_fetch_allow_check(a->allow, uri, &norm, cause, sizeof(cause)) != SBGW_FETCH_OK) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s not fetched: %s", uri, cause);
        goto fail;
    }
    a->allowed = 1;
    if ((crl = cache_get(a->f, norm, now, sha256, &refresh)) != NULL) {
        if (refresh) {
            refresh_start(a->f, norm, a->allow, a->rq->fetch);    /* in the background: nobody waits */
        }
        goto push;
    }
    if (!sb_work_budget_take(a->rq->budget, SB_WORK_UNBOUNDED)) {
        a->budget_spent = 1;             /* on an event loop: the run goes to a worker, which fetches */
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s needs a fetch, not done on an event loop", norm);
        goto out;
    }
    if ((crl = disk_get(a->f, norm, now, &expires)) != NULL) {  /* e.g. stored by the cron command */
        if ((have_sha = sb_crl_sha256(crl, sha256)) != 0) {
            cache_put(a->f, norm, crl, sha256, expires, crl_this_update(crl), 0, now);
        }
        goto push;
    }
    if ((left = a->deadline - now_ms()) <= 0) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s not fetched: revocation.fetch.timeout_ms spent", norm);
        goto fail;
    }
    if ((fetcher = fetcher_get(a->f, err, sizeof(err))) == NULL) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s not fetched: %s", norm, err);
        goto fail;
    }
    pthread_mutex_lock(&a->f->mu);
    a->f->stats.misses++;
    pthread_mutex_unlock(&a->f->mu);
    memset(&req, 0, sizeof(req));
    req.key = norm;
    req.method = SBGW_FETCH_GET;
    req.url = norm;
    req.accept = "application/pkix-crl";
    req.timeout_ms = (int)left;
    req.max_bytes = (size_t)a->rq->fetch->max_bytes;
    req.allow = a->allow;
    if (sbgw_fetch(fetcher, &req, &res) != SBGW_FETCH_OK) {
        if (res.cause[0] != '\0' && strstr(res.cause, norm) != NULL) {
            sbgw_fetch_note(a->notes, sizeof(a->notes), "%s", res.cause);        /* the cause names the URL */
        } else {
            sbgw_fetch_note(a->notes, sizeof(a->notes), "%s: %s", norm, res.cause[0] != '\0' ? res.cause :
                 sbgw_fetch_status_name(res.status));
        }
        goto fail;
    }
    if ((crl = decode_crl(res.body, res.len)) == NULL) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s: the reply is not a CRL (DER or PEM)", norm);
        goto fail;
    }
    pthread_mutex_lock(&a->f->mu);
    a->f->stats.fetched++;
    pthread_mutex_unlock(&a->f->mu);
    have_sha = sb_crl_sha256(crl, sha256);          /* once per fetch: the evidence names the CRL by it */
    if (have_sha && (expires = crl_expiry(crl, a->rq->fetch->max_age_s)) > now) {
        cache_put(a->f, norm, crl, sha256, expires, crl_this_update(crl), 0, now);
        disk_write(a->f, norm, crl, res.body, res.len, expires, now);
    }
push:
    if (sk_X509_CRL_push(out, crl) > 0) {
        sb_crl_origins_note(a->rq->origins, crl, norm, have_sha ? sha256 : NULL);
        crl = NULL;
        ok = 1;
    }
    goto out;
fail:
    pthread_mutex_lock(&a->f->mu);
    a->f->stats.failed++;
    pthread_mutex_unlock(&a->f->mu);
out:
    X509_CRL_free(crl);
    sbgw_fetch_result_clear(&res);
    free(norm);
    return ok;
}

enum sb_reason sbgw_crl_fetch_more(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                   struct sb_err *why)
{
    struct sbgw_crl_fetch *f = arg;
    STACK_OF(DIST_POINT) *dps = NULL;
    struct attempt a;
    char err[200], uri[SBGW_FETCH_URL_MAX];
    int i, j, got = 0, tried = 0;
    enum sb_reason rc;

    if (f == NULL || rq == NULL || rq->fetch == NULL || rq->fetch->n_allow == 0) {
        if (rq != NULL && rq->origins != NULL) {
            rq->origins->no_source = 1;
        }
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "no URL may be fetched (revocation.fetch.allow)");
    }
    memset(&a, 0, sizeof(a));
    a.f = f;
    a.rq = rq;
    a.deadline = now_ms() + rq->fetch->timeout_ms;
    if ((a.allow = sbgw_fetch_allow_new(rq->fetch->allow, rq->fetch->n_allow, err, sizeof(err))) == NULL) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "revocation.fetch.allow: %s", err);
    }
    dps = X509_get_ext_d2i(rq->cert, NID_crl_distribution_points, NULL, NULL);
    /* the first distribution point that gives a CRL; the pki layer judges whether it covers the certificate */
    for (i = 0; i < sk_DIST_POINT_num(dps) && !got && !a.budget_spent; i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

        if (dp->distpoint == NULL || dp->distpoint->type != 0) {
            continue;                    /* no name, or a nameRelativeToCRLIssuer: nothing to fetch */
        }
        for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) && !got && !a.budget_spent; j++) {
            GENERAL_NAME *gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);
            const ASN1_IA5STRING *s;

            if (gn->type != GEN_URI) {
                continue;
            }
            s = gn->d.uniformResourceIdentifier;
            tried++;
            if (s->length <= 0 || (size_t)s->length >= sizeof(uri) || memchr(s->data, '\0', (size_t)s->length)) {
                sbgw_fetch_note(a.notes, sizeof(a.notes), "a distribution point URI is empty, too long or has a NUL");
                continue;
            }
            memcpy(uri, s->data, (size_t)s->length);
            uri[s->length] = '\0';
            got = try_uri(&a, uri, out);
        }
    }
    if (!got && !a.allowed && !a.budget_spent && rq->origins != NULL) {
        rq->origins->no_source = 1;      /* nothing it may fetch: the same answer every time */
    }
    if (got) {
        sb_err_clear(why);
        rc = SB_OK;
    } else if (tried == 0) {
        rc = sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "the certificate has no CRL distribution point URI");
    } else {
        rc = sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "no CRL fetched: %s", a.notes);
    }
    CRL_DIST_POINTS_free(dps);
    sbgw_fetch_allow_free(a.allow);
    ERR_clear_error();
    return rc;
}
