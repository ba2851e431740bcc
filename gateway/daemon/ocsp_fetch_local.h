/*
 * gateway/daemon/ocsp_fetch_local.h — what ocsp_fetch.c (the source: responders, requests, judging) and
 * ocsp_cache.c (the response cache, the shared requests of nonce flights, the background refresh) share.
 * Not for other modules: use ocsp_fetch.h.
 *
 * Locking: f->mu guards the entries, the pending list and the counters. Copies leave the lock: a caller
 * owns what ocsp_cache_get and ocsp_pending_join give it.
 */
#ifndef SBGW_OCSP_FETCH_LOCAL_H
#define SBGW_OCSP_FETCH_LOCAL_H

#include "gateway/daemon/ocsp_fetch.h"

#include <pthread.h>
#include <stdint.h>

#include "gateway/daemon/fetch.h"
#include "gateway/daemon/fetch_lazy.h"
#include "pki/x509/ocsp.h"

#define OCSP_KEY_MAX 192                /* "ocsp:" 40 hex ":" up to 128 hex (longer serials are hashed) */

/* What a cached response's request carried (who may reuse it, ocsp_fetch.h "Nonces"). */
enum ocsp_nonce_kind {
    OCSP_NK_NONE = 0,                   /* sent without a nonce */
    OCSP_NK_IGNORED,                    /* sent with a nonce, answered without one: reusable by everyone */
    OCSP_NK_BOUND                       /* the response carries its request's nonce: not for ocsp_nonce requests */
};

struct ocsp_entry {
    char *key;                          /* owned; NULL = free slot */
    unsigned char *der;                 /* owned: a response judged usable when stored; NULL when only cand */
    size_t len;
    time_t this_update, expires;        /* der's window (expires: nextUpdate or thisUpdate + max age) */
    enum ocsp_nonce_kind nk;
    char *url;                          /* owned: the normalised responder URL der came from */
    char *fetch_url;                    /* owned: what was fetched (the GET URL, or url for POST) */
    int post;
    unsigned char *req;                 /* owned: the POST body (NULL for GET) */
    size_t req_len;
    struct sbgw_fetch_allow *allow;     /* reference: the allow-list a refresh is checked against */
    uint64_t allow_hash;                /* of the policy settings allow was compiled from */
    int timeout_ms;
    size_t max_bytes;
    int memo_ok;                        /* memo holds a judgement of der under the inputs memo_id names */
    unsigned char memo_id[32];
    struct sb_ocsp_result memo;
    unsigned char *cand;                /* owned: a refetched response not yet judged (NULL: none) */
    size_t cand_len;
    int used;                           /* served since the last refresh started */
    int refreshing;
    time_t retry_at;                    /* no refresh before (after a failed one) */
    unsigned long long gen;             /* identity of this use of the slot (refresh callbacks) */
    unsigned long long tick;            /* recency */
};

/* A request under revocation.ocsp_nonce in flight: every validation of the same certificate and responder
 * meanwhile sends (or joins) exactly this request, so they can all check the response's nonce. */
struct ocsp_pending {
    struct ocsp_pending *next;
    char *key, *url;                    /* owned */
    struct sb_ocsp_request req;         /* owned (der) */
    int refs;
};

struct sbgw_ocsp_fetch {
    pthread_mutex_t mu;
    struct sbgw_fetch_lazy *fetcher;    /* borrowed: the shared fetcher, started on the first fetch */
    struct ocsp_entry *entries;         /* owned: n_max slots */
    size_t n_max, max_bytes, bytes;
    unsigned long long tick, gen;
    struct ocsp_pending *pending;       /* owned */
    struct sbgw_rev_disk *disk;         /* borrowed: the revocation cache directory (rev_disk_cache.h); NULL */
    struct sbgw_ocsp_fetch_stats st;
};

/* A copy of a cache entry for one use (ocsp_cache_get); ocsp_cached_clear frees it. */
struct ocsp_cached {
    unsigned char *der, *cand;          /* der NULL when absent or expired; cand NULL when none */
    size_t len, cand_len;
    char *url;
    unsigned long long gen;
    int memo_ok;                        /* a judgement of der (ocsp_cache_memo) */
    unsigned char memo_id[32];
    struct sb_ocsp_result memo;
};

/* What ocsp_cache_put stores (all borrowed, copied). */
struct ocsp_put {
    const char *key, *url, *fetch_url;
    int post;
    const unsigned char *req, *der;
    size_t req_len, len;
    time_t this_update, expires;
    enum ocsp_nonce_kind nk;
    struct sbgw_fetch_allow *allow;
    uint64_t allow_hash;
    int timeout_ms;
    size_t max_bytes;
};

/* The key of (cert, issuer): "ocsp:" SHA-1(issuer's subjectPublicKey) ":" serial in hex. 0 on failure. */
int ocsp_cache_key(X509 *cert, X509 *issuer, char *key, size_t len);
/* When a response with thisUpdate tu and nextUpdate nu (0: absent) stops being served: nu, or tu + max_age_s
 * (SB_OCSP_DEFAULT_MAX_AGE_S when 0). */
time_t ocsp_expiry(time_t tu, time_t nu, int max_age_s);
/* Copy key's entry into c when it may serve a request (nonce_on: ocsp_nonce) at now: its der while not expired,
 * and a refreshed candidate if any; marks it used. 1 found, 0 not (c zeroed). */
int ocsp_cache_get(struct sbgw_ocsp_fetch *f, const char *key, int nonce_on, time_t now, struct ocsp_cached *c);
void ocsp_cached_clear(struct ocsp_cached *c);
/* The candidate cand[len] of entry (key, gen) was judged: usable (with its window) replaces der, else it is
 * dropped (nothing when the entry holds another candidate by now). */
void ocsp_cache_settle(struct sbgw_ocsp_fetch *f, const char *key, unsigned long long gen, const unsigned char *cand,
                       size_t len, int usable, time_t this_update, time_t expires);
/* Remember res, the judgement of der[len] under the inputs id names, when it is still entry (key, gen)'s
 * (ocsp_fetch.c decides when a memo may stand in for another judgement). */
void ocsp_cache_memo(struct sbgw_ocsp_fetch *f, const char *key, unsigned long long gen, const unsigned char *der,
                     size_t len, const unsigned char id[32], const struct sb_ocsp_result *res);
/* Store a usable response (replacing key's entry); nothing when it expires by now or is too large. */
void ocsp_cache_put(struct sbgw_ocsp_fetch *f, const struct ocsp_put *p, time_t now);
/* Refresh the allow-list kept by key's entry when the policy's settings (hash h) changed since. */
void ocsp_cache_allow(struct sbgw_ocsp_fetch *f, const char *key, uint64_t h, struct sbgw_fetch_allow *allow,
                      int timeout_ms, size_t max_bytes);
/* 1 when key's entry keeps an allow-list compiled from settings with hash h. */
int ocsp_cache_allow_current(struct sbgw_ocsp_fetch *f, const char *key, uint64_t h);

/* Nonce flights: 1 and a copy of the request in *req (the caller clears it) when one for (key, url) is in flight
 * (joined: ocsp_pending_leave later), else 0. */
int ocsp_pending_join(struct sbgw_ocsp_fetch *f, const char *key, const char *url, struct sb_ocsp_request *req);
/* Register req (copied) for (key, url); 0 out of memory. */
int ocsp_pending_add(struct sbgw_ocsp_fetch *f, const char *key, const char *url, const struct sb_ocsp_request *req);
void ocsp_pending_leave(struct sbgw_ocsp_fetch *f, const char *key, const char *url);

#endif
