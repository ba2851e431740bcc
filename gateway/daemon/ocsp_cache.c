/*
 * gateway/daemon/ocsp_cache.c — the OCSP source's state (ocsp_fetch_local.h): the bounded response cache (an
 * array of slots under one mutex, least recently used evicted first, bounded by entries and bytes), the
 * requests of nonce flights, the background refresh and the counters.
 *
 * Ownership: struct sbgw_ocsp_fetch owns its slots (key, response, candidate, URLs, request copies, one
 * reference to an allow-list each) and the pending requests; a refresh in flight owns its struct refresh
 * until the fetcher's callback frees it. The fetcher is borrowed.
 */
#include "gateway/daemon/ocsp_fetch_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "pki/base/digest.h"
#include "pki/base/hex.h"

#define REFRESH_BATCH 16                /* refreshes started per tick at most */

struct sbgw_ocsp_fetch *sbgw_ocsp_fetch_new(struct sbgw_fetch_lazy *fetcher, size_t max_entries, size_t max_bytes)
{
    struct sbgw_ocsp_fetch *f;

    if (max_entries == 0 || max_bytes == 0 || (f = calloc(1, sizeof(*f))) == NULL) {
        return NULL;
    }
    if ((f->entries = calloc(max_entries, sizeof(*f->entries))) == NULL || pthread_mutex_init(&f->mu, NULL) != 0) {
        free(f->entries);
        free(f);
        return NULL;
    }
    f->fetcher = fetcher;
    f->n_max = max_entries;
    f->max_bytes = max_bytes;
    return f;
}

static void entry_clear(struct sbgw_ocsp_fetch *f, struct ocsp_entry *e)
{
    f->bytes -= e->len + e->cand_len;
    free(e->key);
    free(e->der);
    free(e->url);
    free(e->fetch_url);
    free(e->req);
    free(e->cand);
    sbgw_fetch_allow_free(e->allow);
    memset(e, 0, sizeof(*e));
}

static void pending_free(struct ocsp_pending *p)
{
    free(p->key);
    free(p->url);
    sb_ocsp_request_clear(&p->req);
    free(p);
}

void sbgw_ocsp_fetch_free(struct sbgw_ocsp_fetch *f)
{
    struct ocsp_pending *p, *next;
    size_t i;

    if (f == NULL) {
        return;
    }
    for (i = 0; i < f->n_max; i++) {
        entry_clear(f, &f->entries[i]);
    }
    for (p = f->pending; p != NULL; p = next) {
        next = p->next;
        pending_free(p);
    }
    free(f->entries);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void sbgw_ocsp_fetch_stats(struct sbgw_ocsp_fetch *f, struct sbgw_ocsp_fetch_stats *out)
{
    size_t i;

    pthread_mutex_lock(&f->mu);
    *out = f->st;
    out->entries = 0;
    for (i = 0; i < f->n_max; i++) {
        out->entries += f->entries[i].key != NULL;
    }
    out->bytes = f->bytes;
    pthread_mutex_unlock(&f->mu);
}

int ocsp_cache_key(X509 *cert, X509 *issuer, char *key, size_t len)
{
    const ASN1_BIT_STRING *spk = X509_get0_pubkey_bitstr(issuer);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
    unsigned char kh[EVP_MAX_MD_SIZE], sh[EVP_MAX_MD_SIZE];
    char khex[2 * 20 + 1], shex[2 * 64 + 1];
    unsigned int khl = 0, shl = 0;
    const EVP_MD *sha1 = sb_md(SB_MD_SHA1), *sha256 = sb_md(SB_MD_SHA256);
    int n;

    if (spk == NULL || serial == NULL || sha1 == NULL || sha256 == NULL
        || EVP_Digest(spk->data, (size_t)spk->length, kh, &khl, sha1, NULL) != 1 || khl != 20) {
        return 0;
    }
    sb_hex_encode(kh, khl, khex, sizeof(khex));
    if (serial->length <= 64) {                /* RFC 5280: at most 20 octets; a longer one is hashed */
        sb_hex_encode(serial->data, (size_t)serial->length, shex, sizeof(shex));
    } else if (EVP_Digest(serial->data, (size_t)serial->length, sh, &shl, sha256, NULL) == 1) {
        shex[0] = 'h';
        sb_hex_encode(sh, shl, shex + 1, sizeof(shex) - 1);
    } else {
        return 0;
    }
    n = snprintf(key, len, "ocsp:%s:%s%s", khex, serial->type == V_ASN1_NEG_INTEGER ? "-" : "", shex);
    return n > 0 && (size_t)n < len;
}

time_t ocsp_expiry(time_t tu, time_t nu, int max_age_s)
{
    if (nu != 0) {
        return nu;
    }
    return tu + (time_t)(max_age_s > 0 ? max_age_s : SB_OCSP_DEFAULT_MAX_AGE_S);
}

static struct ocsp_entry *find(struct sbgw_ocsp_fetch *f, const char *key)
{
    size_t i;

    for (i = 0; i < f->n_max; i++) {
        if (f->entries[i].key != NULL && strcmp(f->entries[i].key, key) == 0) {
            return &f->entries[i];
        }
    }
    return NULL;
}

static unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
    unsigned char *d;

    if (p == NULL || n == 0 || (d = malloc(n)) == NULL) {
        return NULL;
    }
    memcpy(d, p, n);
    return d;
}

void ocsp_cached_clear(struct ocsp_cached *c)
{
    free(c->der);
    free(c->cand);
    free(c->url);
    memset(c, 0, sizeof(*c));
}

int ocsp_cache_get(struct sbgw_ocsp_fetch *f, const char *key, int nonce_on, time_t now, struct ocsp_cached *c)
{
    struct ocsp_entry *e;
    int found = 0;

    memset(c, 0, sizeof(*c));
    pthread_mutex_lock(&f->mu);
    if ((e = find(f, key)) != NULL) {
        if (e->der != NULL && e->expires <= now) {           /* expired: only a candidate may still serve */
            f->bytes -= e->len;
            free(e->der);
            e->der = NULL;
            e->len = 0;
            e->memo_ok = 0;
        }
        if (e->der == NULL && e->cand == NULL && !e->refreshing) {
            entry_clear(f, e);
        } else if (!nonce_on || e->nk == OCSP_NK_IGNORED) {
            c->der = dup_bytes(e->der, e->len);
            c->len = c->der != NULL ? e->len : 0;
            c->cand = dup_bytes(e->cand, e->cand_len);
            c->cand_len = c->cand != NULL ? e->cand_len : 0;
            c->url = e->url != NULL ? strdup(e->url) : NULL;
            c->gen = e->gen;
            if (c->der != NULL && e->memo_ok) {
                c->memo_ok = 1;
                memcpy(c->memo_id, e->memo_id, sizeof(c->memo_id));
                c->memo = e->memo;
            }
            e->used = 1;
            e->tick = ++f->tick;
            found = c->der != NULL || c->cand != NULL;
        }
    }
    pthread_mutex_unlock(&f->mu);
    if (!found) {
        ocsp_cached_clear(c);
    }
    return found;
}

void ocsp_cache_memo(struct sbgw_ocsp_fetch *f, const char *key, unsigned long long gen, const unsigned char *der,
                     size_t len, const unsigned char id[32], const struct sb_ocsp_result *res)
{
    struct ocsp_entry *e;

    pthread_mutex_lock(&f->mu);
    if ((e = find(f, key)) != NULL && e->gen == gen && e->der != NULL && e->len == len
        && memcmp(e->der, der, len) == 0) {
        memcpy(e->memo_id, id, sizeof(e->memo_id));
        e->memo = *res;
        e->memo_ok = 1;
    }
    pthread_mutex_unlock(&f->mu);
}

void ocsp_cache_settle(struct sbgw_ocsp_fetch *f, const char *key, unsigned long long gen, const unsigned char *cand,
                       size_t len, int usable, time_t this_update, time_t expires)
{
    struct ocsp_entry *e;

    pthread_mutex_lock(&f->mu);
    if ((e = find(f, key)) != NULL && e->gen == gen && e->cand != NULL && e->cand_len == len
        && memcmp(e->cand, cand, len) == 0) {
        if (usable) {
            f->bytes -= e->len;
            free(e->der);
            e->der = e->cand;
            e->len = e->cand_len;
            e->memo_ok = 0;
            e->this_update = this_update;
            e->expires = expires;
        } else {
            f->bytes -= e->cand_len;
            free(e->cand);
        }
        e->cand = NULL;
        e->cand_len = 0;
    }
    pthread_mutex_unlock(&f->mu);
}

/* Make room for add more bytes (under mu): least recently used entries out, except keep. */
static void make_room(struct sbgw_ocsp_fetch *f, size_t add, const struct ocsp_entry *keep)
{
    while (f->bytes + add > f->max_bytes) {
        struct ocsp_entry *old = NULL;
        size_t i;

        for (i = 0; i < f->n_max; i++) {
            struct ocsp_entry *e = &f->entries[i];

            if (e->key != NULL && e != keep && (old == NULL || e->tick < old->tick)) {
                old = e;
            }
        }
        if (old == NULL) {
            return;
        }
        entry_clear(f, old);
    }
}

void ocsp_cache_put(struct sbgw_ocsp_fetch *f, const struct ocsp_put *p, time_t now)
{
    struct ocsp_entry n, *slot;
    size_t i;

    if (p->expires <= now || p->len == 0 || p->len > f->max_bytes) {
        return;
    }
    memset(&n, 0, sizeof(n));
    n.key = strdup(p->key);
    n.der = dup_bytes(p->der, p->len);
    n.url = strdup(p->url);
    n.fetch_url = strdup(p->fetch_url);
    n.req = p->post ? dup_bytes(p->req, p->req_len) : NULL;
    if (n.key == NULL || n.der == NULL || n.url == NULL || n.fetch_url == NULL || (p->post && n.req == NULL)) {
        free(n.key);
        free(n.der);
        free(n.url);
        free(n.fetch_url);
        free(n.req);
        return;
    }
    n.len = p->len;
    n.req_len = p->post ? p->req_len : 0;
    n.post = p->post;
    n.this_update = p->this_update;
    n.expires = p->expires;
    n.nk = p->nk;
    if (p->allow != NULL) {
        sbgw_fetch_allow_up_ref(p->allow);
    }
    n.allow = p->allow;
    n.allow_hash = p->allow_hash;
    n.timeout_ms = p->timeout_ms;
    n.max_bytes = p->max_bytes;
    n.used = 1;
    pthread_mutex_lock(&f->mu);
    if ((slot = find(f, p->key)) == NULL) {
        for (i = 0; i < f->n_max && slot == NULL; i++) {      /* a free or expired slot */
            struct ocsp_entry *e = &f->entries[i];

            if (e->key == NULL || (e->expires <= now && e->cand == NULL && !e->refreshing)) {
                slot = e;
            }
        }
        if (slot == NULL) {                                   /* else the least recently used */
            slot = &f->entries[0];
            for (i = 1; i < f->n_max; i++) {
                if (f->entries[i].tick < slot->tick) {
                    slot = &f->entries[i];
                }
            }
        }
    }
    if (slot->key != NULL && strcmp(slot->key, p->key) == 0 && slot->refreshing) {
        n.refreshing = 1;              /* its callback finds the slot by key and generation: keep both */
        n.gen = slot->gen;
    } else {
        n.gen = ++f->gen;
    }
    entry_clear(f, slot);
    make_room(f, n.len, slot);
    *slot = n;
    slot->tick = ++f->tick;
    f->bytes += n.len;
    pthread_mutex_unlock(&f->mu);
}

void ocsp_cache_allow(struct sbgw_ocsp_fetch *f, const char *key, uint64_t h, struct sbgw_fetch_allow *allow,
                      int timeout_ms, size_t max_bytes)
{
    struct ocsp_entry *e;

    pthread_mutex_lock(&f->mu);
    if ((e = find(f, key)) != NULL && e->allow_hash != h) {
        sbgw_fetch_allow_up_ref(allow);
        sbgw_fetch_allow_free(e->allow);
        e->allow = allow;
        e->allow_hash = h;
        e->timeout_ms = timeout_ms;
        e->max_bytes = max_bytes;
    }
    pthread_mutex_unlock(&f->mu);
}

int ocsp_cache_allow_current(struct sbgw_ocsp_fetch *f, const char *key, uint64_t h)
{
    struct ocsp_entry *e;
    int r = 1;

    pthread_mutex_lock(&f->mu);
    if ((e = find(f, key)) != NULL) {
        r = e->allow_hash == h;
    }
    pthread_mutex_unlock(&f->mu);
    return r;
}

/* ---- nonce flights ---- */

static struct ocsp_pending *pending_find(struct sbgw_ocsp_fetch *f, const char *key, const char *url)
{
    struct ocsp_pending *p;

    for (p = f->pending; p != NULL; p = p->next) {
        if (strcmp(p->key, key) == 0 && strcmp(p->url, url) == 0) {
            return p;
        }
    }
    return NULL;
}

static int request_copy(struct sb_ocsp_request *to, const struct sb_ocsp_request *from)
{
    memset(to, 0, sizeof(*to));
    if ((to->der = OPENSSL_malloc(from->der_len)) == NULL) {
        return 0;
    }
    memcpy(to->der, from->der, from->der_len);
    to->der_len = from->der_len;
    memcpy(to->nonce, from->nonce, sizeof(to->nonce));
    to->nonce_len = from->nonce_len;
    return 1;
}

int ocsp_pending_join(struct sbgw_ocsp_fetch *f, const char *key, const char *url, struct sb_ocsp_request *req)
{
    struct ocsp_pending *p;
    int r = 0;

    pthread_mutex_lock(&f->mu);
    if ((p = pending_find(f, key, url)) != NULL && request_copy(req, &p->req)) {
        p->refs++;
        r = 1;
    }
    pthread_mutex_unlock(&f->mu);
    return r;
}

int ocsp_pending_add(struct sbgw_ocsp_fetch *f, const char *key, const char *url, const struct sb_ocsp_request *req)
{
    struct ocsp_pending *p = calloc(1, sizeof(*p));

    if (p == NULL || (p->key = strdup(key)) == NULL || (p->url = strdup(url)) == NULL
        || !request_copy(&p->req, req)) {
        if (p != NULL) {
            pending_free(p);
        }
        return 0;
    }
    p->refs = 1;
    pthread_mutex_lock(&f->mu);
    p->next = f->pending;
    f->pending = p;
    pthread_mutex_unlock(&f->mu);
    return 1;
}

void ocsp_pending_leave(struct sbgw_ocsp_fetch *f, const char *key, const char *url)
{
    struct ocsp_pending **pp, *p = NULL;

    pthread_mutex_lock(&f->mu);
    for (pp = &f->pending; *pp != NULL; pp = &(*pp)->next) {
        if (strcmp((*pp)->key, key) == 0 && strcmp((*pp)->url, url) == 0) {
            if (--(*pp)->refs == 0) {
                p = *pp;
                *pp = p->next;
            }
            break;
        }
    }
    pthread_mutex_unlock(&f->mu);
    if (p != NULL) {
        pending_free(p);
    }
}

/* ---- background refresh ---- */

struct refresh {
    struct sbgw_ocsp_fetch *f;
    char key[OCSP_KEY_MAX];
    unsigned long long gen;
    time_t lead;                        /* how long before the end it was started */
};

/* How long before its end a response with this window is refreshed: 10% of it or 60 s, at most half. */
static time_t refresh_lead(const struct ocsp_entry *e)
{
    time_t window = e->expires - e->this_update, lead = window / 10;

    lead = lead < 60 ? 60 : lead;
    return lead > window / 2 ? window / 2 : lead;
}

/* A body the refresh may keep as a candidate: one successful OCSPResponse (judged at its next use). */
static int plausible(const unsigned char *body, size_t len)
{
    const unsigned char *p = body;
    OCSP_RESPONSE *r;
    int ok;

    if (body == NULL || len == 0 || len > SB_OCSP_MAX_RESPONSE) {
        return 0;
    }
    r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
    ok = r != NULL && p == body + len && OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL;
    OCSP_RESPONSE_free(r);
    return ok;
}

static void refresh_done(struct sbgw_fetch_result *res, void *arg)
{
    struct refresh *r = arg;
    struct sbgw_ocsp_fetch *f = r->f;
    struct ocsp_entry *e;
    int ok = res->status == SBGW_FETCH_OK && plausible(res->body, res->len);
    time_t now = time(NULL);

    pthread_mutex_lock(&f->mu);
    if ((e = find(f, r->key)) != NULL && e->gen == r->gen) {
        e->refreshing = 0;
        if (ok && e->cand == NULL) {
            make_room(f, res->len, e);
            e->cand = res->body;
            e->cand_len = res->len;
            f->bytes += res->len;
            res->body = NULL;
        } else if (!ok) {
            e->retry_at = now + (r->lead / 4 > 1 ? r->lead / 4 : 1);
        }
    }
    if (!ok) {
        f->st.refresh_failures++;
    }
    pthread_mutex_unlock(&f->mu);
    sbgw_fetch_result_clear(res);
    free(r);
}

void sbgw_ocsp_fetch_tick(struct sbgw_ocsp_fetch *f, time_t now)
{
    struct sbgw_fetch_req rq[REFRESH_BATCH];
    struct refresh *rf[REFRESH_BATCH];
    struct sbgw_fetch_allow *allow[REFRESH_BATCH];
    char *url[REFRESH_BATCH];
    unsigned char *body[REFRESH_BATCH];
    struct sbgw_fetcher *fetcher;
    size_t i, n = 0;

    if (f == NULL || f->fetcher == NULL || (fetcher = sbgw_fetch_lazy_peek(f->fetcher)) == NULL) {
        return;                          /* (nothing was ever fetched) */
    }
    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max && n < REFRESH_BATCH; i++) {
        struct ocsp_entry *e = &f->entries[i];
        time_t lead;

        if (e->key == NULL || e->der == NULL || !e->used || e->refreshing || e->cand != NULL || e->allow == NULL
            || e->nk == OCSP_NK_BOUND || now < e->retry_at || e->expires <= now) {
            continue;
        }
        if (now < e->expires - (lead = refresh_lead(e))) {
            continue;
        }
        url[n] = NULL;
        body[n] = NULL;
        if ((rf[n] = calloc(1, sizeof(*rf[n]))) == NULL || (url[n] = strdup(e->fetch_url)) == NULL
            || (e->post && (body[n] = dup_bytes(e->req, e->req_len)) == NULL)) {
            free(url[n]);
            free(rf[n]);
            break;
        }
        rf[n]->f = f;
        snprintf(rf[n]->key, sizeof(rf[n]->key), "%s", e->key);
        rf[n]->gen = e->gen;
        rf[n]->lead = lead;
        memset(&rq[n], 0, sizeof(rq[n]));
        rq[n].key = rf[n]->key;
        rq[n].method = e->post ? SBGW_FETCH_POST : SBGW_FETCH_GET;
        rq[n].url = url[n];
        rq[n].body = body[n];
        rq[n].body_len = e->post ? e->req_len : 0;
        rq[n].content_type = e->post ? "application/ocsp-request" : NULL;
        rq[n].accept = "application/ocsp-response";
        rq[n].timeout_ms = e->timeout_ms;
        rq[n].max_bytes = e->max_bytes;
        sbgw_fetch_allow_up_ref(e->allow);
        allow[n] = rq[n].allow = e->allow;
        e->refreshing = 1;
        e->used = 0;                     /* refreshed again only if served meanwhile */
        f->st.refreshes++;
        n++;
    }
    pthread_mutex_unlock(&f->mu);
    for (i = 0; i < n; i++) {
        sbgw_fetch_async(fetcher, &rq[i], refresh_done, rf[i]);     /* refresh_done frees rf[i] */
        sbgw_fetch_allow_free(allow[i]);
        free(url[i]);
        free(body[i]);
    }
}
