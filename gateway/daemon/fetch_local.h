/*
 * gateway/daemon/fetch_local.h — the fetcher's internals shared by fetch.c (thread, queue, single flight,
 * waiters, metrics), fetch_http.c (one fetch on the network) and fetch_url.c (URL normalisation, allow-lists,
 * redirect targets). Not for other modules: use fetch.h.
 *
 * Locking: f->mu guards f->flights, f->starting, every flight's waiters list, every ticket's fl / done / res,
 * and the counters. A flight's network state (the fields marked "fetcher thread") is touched only by the
 * fetcher's thread, without the lock.
 */
#ifndef SBGW_FETCH_LOCAL_H
#define SBGW_FETCH_LOCAL_H

#include "gateway/daemon/fetch.h"

#include <pthread.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/ssl.h>

/* A URL in the fetcher's normal form (fetch_url.c). */
struct fetch_url {
    int https;
    char host[256];                      /* lower-case; an IPv6 literal without brackets */
    int ipv6;                            /* host is an IPv6 literal */
    int port;                            /* explicit or the scheme's default */
    char *path;                          /* owned: normalised path, starts with '/' */
    char *query;                         /* owned: without '?', NULL if none */
    char *text;                          /* owned: the whole normalised URL */
};

/* Parse and normalise url into u (fetch_url_clear it, also on failure): OK, REFUSED_SCHEME or BAD_URL with the
 * reason in cause. */
enum sbgw_fetch_status fetch_url_parse(const char *url, struct fetch_url *u, char *cause, size_t causelen);
void fetch_url_clear(struct fetch_url *u);
/* 1 when the normalised u is inside a. */
int fetch_allow_match(const struct sbgw_fetch_allow *a, const struct fetch_url *u);
/* The absolute URL (malloc'd) that Location loc names relative to base (RFC 3986 §5.2 reference resolution;
 * the result still goes through fetch_url_parse); NULL when loc is unusable. */
char *fetch_url_resolve(const struct fetch_url *base, const char *loc);
/* "scheme://host[:port]" of u into out. */
void fetch_url_origin(const struct fetch_url *u, char *out, size_t len);

struct fetch_flight;

struct sbgw_fetch_ticket {
    struct sbgw_fetcher *f;
    struct fetch_flight *fl;             /* the fetch waited for; NULL once answered (under f->mu) */
    struct sbgw_fetch_ticket *next;      /* in fl->waiters */
    struct sbgw_fetch_allow *allow;      /* reference: checked against every URL the fetch visited */
    size_t max_bytes;
    int timeout_ms;
    struct timespec t0, deadline;        /* CLOCK_MONOTONIC */
    int done;                            /* res is final */
    int shared;
    struct sbgw_fetch_result res;
    pthread_cond_t cond;                 /* sync tickets: signalled when done */
    sbgw_fetch_cb cb;                    /* async tickets (NULL: sync) */
    void *arg;
    struct event *timer;                 /* owned, async only: the waiter's deadline (fetcher thread) */
};

struct fetch_dns;

struct fetch_flight {
    struct sbgw_fetcher *f;
    struct fetch_flight *next;           /* f->flights (under mu) */
    struct fetch_flight *next_start;     /* f->starting (under mu) */
    char *key;                           /* owned */
    struct sbgw_fetch_ticket *waiters;   /* under mu */
    /* the request, copied from the one that started it */
    enum sbgw_fetch_method method;
    char *url;                           /* owned: normalised */
    unsigned char *body;                 /* owned */
    size_t body_len;
    char *content_type, *accept;         /* owned, may be NULL */
    int timeout_ms;
    size_t max_bytes;
    struct sbgw_fetch_allow *allow;      /* reference */
    /* network state: fetcher thread */
    struct timespec t0;
    struct fetch_url cur;                /* the hop in progress */
    char *visited[SBGW_FETCH_MAX_HOPS + 1];   /* owned: normalised URL of each hop tried */
    int hops;                            /* redirects followed */
    struct fetch_dns *dns;               /* the resolution in progress (its callback owns it) */
    struct evhttp_connection *evcon;     /* owned */
    struct evhttp_request *req;          /* evhttp's: NULL once done, failed or cancelled */
    SSL *ssl;                            /* borrowed: owned by evcon's bufferevent */
    struct event *deadline, *kick;       /* owned */
    struct evbuffer *in;                 /* owned: the body received */
    char *next_url;                      /* owned: a redirect's resolved Location */
    enum sbgw_fetch_method hop_method;   /* this hop's method (a 301/302/303 turns POST into GET) */
    int errored, got_head, finished;
    int evreq_err;
    /* the outcome */
    enum sbgw_fetch_status status;       /* OK until something fails */
    int http_status;
    char *reply_type;                    /* owned */
    char cause[256];
};

struct sbgw_fetcher {
    pthread_mutex_t mu;
    pthread_cond_t idle;                 /* signalled when a sync waiter leaves */
    struct event_base *base;             /* owned */
    struct evdns_base *dns;              /* owned */
    SSL_CTX *ssl_ctx;                    /* owned */
    struct event *wake;                  /* owned: new flights to start, or stop */
    pthread_t thread;
    int running, stopping;
    char user_agent[128];
    int max_flights;
    struct fetch_flight *flights;        /* under mu: every flight not yet answered, by key */
    struct fetch_flight *starting;       /* under mu: flights the thread has not started yet */
    long n_flights;
    long sync_waiting;                   /* threads inside sbgw_fetch_wait */
    struct sbgw_fetch_stats st;          /* under mu */
};

/* ---- fetch_http.c (fetcher thread) ---- */

/* Start fl's first hop and its deadline; fl ends through fetch_flight_done. */
void fetch_http_start(struct fetch_flight *fl);
/* Abandon fl's network work (DNS, connection, timers) without answering. */
void fetch_http_abort(struct fetch_flight *fl);
/* A client SSL_CTX verifying peers against ca_file or the system store; NULL with err. */
SSL_CTX *fetch_http_ssl_ctx(const char *ca_file, char *err, size_t errlen);

/* ---- fetch.c (fetcher thread) ---- */

/* fl ended (fl->status and the rest set): answer its waiters, count it, free it. */
void fetch_flight_done(struct fetch_flight *fl);

/* Copy printf-style into a fixed buffer (never overflows). */
void fetch_cause(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
