/*
 * gateway/daemon/http_conn.c — one client connection: reading requests with the strict parser, the
 * deadlines, the pending-body budget, writing replies, closing cleanly.
 *
 * States (one request at a time; a pipelined request is read only after the previous reply is written):
 *   HEAD     waiting for / reading a request head. Deadline: limits.header_timeout_ms from accept, or for
 *            a keep-alive connection idle_timeout_s until the next request's first byte and then
 *            header_timeout_ms. Expiry with nothing received closes silently; with part of a head, 408.
 *   BODY     reading the body of an admitted request (admission ran on the head: a refusal is answered
 *            without reading the body). Every second the body must have averaged limits.body_min_rate since
 *            header_timeout_ms after its head (else 408). Declared lengths are reserved against
 *            limits.pending_body_bytes at admission, chunked bodies as they arrive (over it: 503).
 *   BUSY     the request is being handled; reading is off.
 *   STREAM   a streamed reply (a proxy route relaying its upstream) is being written while its body still
 *            arrives: the request keeps the connection; the write deadline idle_timeout_s restarts with each
 *            piece and each drain; the request hears when the output drains and when the connection closes.
 *   WRITING  the reply is being written (write timeout idle_timeout_s); then back to HEAD.
 *   CLOSING  the last reply is being written; then TLS close_notify, or on plain sockets the write side is
 *            shut and unread input is discarded for up to LINGER_MS (LINGER) before the close, so the
 *            client reads the reply instead of a reset.
 * Every refusal here (framing, deadlines, budget) is a request context answered through http.c, so it is
 * the documented JSON error, logged and counted like any other reply. Reading a request (head, admission,
 * body) is http_conn_read.c; the connection's fields are in http_conn_local.h.
 */
#include "gateway/daemon/http_conn.h"
#include "gateway/daemon/http_conn_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "gateway/daemon/lifecycle.h"
#include "gateway/daemon/sbgw.h"

#define READ_HIGH_WATERMARK (64 * 1024)  /* input libevent buffers before we consume it */
#define LINGER_MS 1000
#define LINGER_MAX_BYTES (256 * 1024)    /* discarded while lingering before giving up */


/* Every state change goes through here: gw->receiving counts the connections in BODY. */
void sbgw_conn_set_state(struct sbgw_conn *c, enum conn_state st)
{
    long d = (st == CS_BODY) - (c->state == CS_BODY);

    if (d != 0) {
        __atomic_add_fetch(&c->gw->receiving, d, __ATOMIC_RELAXED);
    }
    c->state = st;
}

struct sbgw_loop *sbgw_conn_loop(const struct sbgw_conn *c)
{
    return c->loop;
}

static const struct sbgw_config *conn_cfg(const struct sbgw_conn *c)
{
    return c->rq != NULL && c->rq->snap != NULL ? c->rq->snap->cfg : NULL;
}

static double since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

void sbgw_conn_arm(struct sbgw_conn *c, long ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

    evtimer_add(c->timer, &tv);
}

void sbgw_conn_limits_now(const struct sbgw_conn *c, struct sbgw_conn_limits *lim)
{
    struct sbgw_snap *s = sbgw_snap_get(c->gw);
    const struct sbgw_config *cfg = conn_cfg(c);

    if (cfg == NULL && s != NULL) {
        cfg = s->cfg;
    }
    if (cfg != NULL) {
        lim->header_timeout_ms = cfg->limits.header_timeout_ms;
        lim->idle_timeout_s = cfg->limits.idle_timeout_s;
        lim->max_headers = cfg->limits.max_headers;
        lim->max_body = cfg->limits.max_body;
        lim->body_min_rate = cfg->limits.body_min_rate;
        lim->pending_body_bytes = cfg->limits.pending_body_bytes;
    } else {                                  /* not ready yet: the defaults */
        lim->header_timeout_ms = 10000;
        lim->idle_timeout_s = 60;
        lim->max_headers = 16 * 1024;
        lim->max_body = 10LL * 1024 * 1024;
        lim->body_min_rate = 4096;
        lim->pending_body_bytes = 256LL * 1024 * 1024;
    }
    sbgw_snap_unref(s);
}

/* ---- teardown ------------------------------------------------------------------------------- */

/* Give back the cap slot (counted) or the refusal slot a connection held (http_listen.c took it). */
static void release_slot(struct sbgw_listener *l, int counted)
{
    if (counted) {
        __atomic_sub_fetch(&l->n_conns, 1, __ATOMIC_ACQ_REL);
    } else {
        __atomic_sub_fetch(&l->gw->n_refusing, 1, __ATOMIC_ACQ_REL);
    }
}

void sbgw_conn_release_reservation(struct sbgw_conn *c)
{
    if (c->reserved != 0) {
        __atomic_sub_fetch(&c->gw->pending_body, c->reserved, __ATOMIC_ACQ_REL);
    }
    c->reserved = 0;
}

static void reply_done(struct sbgw_conn *c)
{
    if (c->replying) {
        c->replying = 0;
        __atomic_sub_fetch(&c->gw->writing, 1, __ATOMIC_ACQ_REL);
    }
}

void sbgw_conn_free(struct sbgw_conn *c)
{
    struct sbgw *gw = c->gw;
    struct sbgw_req *rq = c->rq;

    if (rq != NULL) {
        rq->conn = NULL;
        c->rq = NULL;
        if (c->state == CS_HEAD || c->state == CS_BODY) {
            rq->answered = 1;                 /* the client left mid-request: nobody to answer */
            sbgw_req_unref(rq);
        } else if (c->state == CS_STREAM) {
            sbgw_req_stream_event(rq, 1);     /* the handler still holds it: it stops its source */
        }                                     /* BUSY: the handler still holds it; its reply is dropped */
    }
    sbgw_conn_release_reservation(c);
    reply_done(c);
    sbgw_conn_set_state(c, CS_LINGER);                  /* (out of BODY for the count) */
    free(c->chunked);
    if (c->timer != NULL) {
        event_free(c->timer);
    }
    if (c->bev != NULL) {
        bufferevent_free(c->bev);             /* closes the socket, frees the SSL */
    }
    release_slot(c->l, c->counted);
    __atomic_sub_fetch(&gw->n_conns, 1, __ATOMIC_ACQ_REL);
    __atomic_sub_fetch(&c->loop->n_conns, 1, __ATOMIC_RELAXED);
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        c->loop->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    free(c);
    sbgw_drain_check(gw);
}

/* The last reply is written: close_notify (TLS) or shut the write side and linger (plain). */
static void conn_finish(struct sbgw_conn *c)
{
    evutil_socket_t fd = bufferevent_getfd(c->bev);

    reply_done(c);
    if (c->ssl != NULL) {
        (void)SSL_shutdown(c->ssl);           /* close_notify; the peer's is not awaited */
        sbgw_conn_free(c);
        return;
    }
    if (fd < 0 || shutdown(fd, SHUT_WR) != 0) {
        sbgw_conn_free(c);
        return;
    }
    sbgw_conn_set_state(c, CS_LINGER);
    evbuffer_drain(bufferevent_get_input(c->bev), evbuffer_get_length(bufferevent_get_input(c->bev)));
    bufferevent_enable(c->bev, EV_READ);
    sbgw_conn_arm(c, LINGER_MS);
}

/* ---- replies -------------------------------------------------------------------------------- */

int sbgw_conn_must_close(const struct sbgw_conn *c)
{
    return !c->body_complete || sbgw_draining(c->gw);
}

void sbgw_conn_reply(struct sbgw_conn *c, struct evbuffer *resp, int close_after)
{
    struct sbgw_conn_limits lim;

    sbgw_conn_limits_now(c, &lim);
    if (c->rq != NULL) {                      /* (a refusal's reference is dropped by its caller) */
        c->rq->conn = NULL;
        c->rq = NULL;
    }
    sbgw_conn_release_reservation(c);
    free(c->chunked);
    c->chunked = NULL;
    if (sbgw_conn_must_close(c)) {
        close_after = 1;
    }
    /* A plain connection with nothing queued: write the reply now (a reply is a few KB; the socket buffer
     * takes it), and give only what is left to the bufferevent. When nothing is left no write event is armed
     * at all: the write callback runs deferred, as it would after the bufferevent wrote it. */
    if (c->ssl == NULL && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        (void)evbuffer_write(resp, bufferevent_getfd(c->bev));      /* (an error shows on the next read) */
    }
    if (evbuffer_get_length(resp) > 0) {
        bufferevent_write_buffer(c->bev, resp);
    } else {
        bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
    }
    if (!c->replying) {
        c->replying = 1;
        __atomic_add_fetch(&c->gw->writing, 1, __ATOMIC_ACQ_REL);
    }
    sbgw_conn_set_state(c, close_after ? CS_CLOSING : CS_WRITING);
    bufferevent_disable(c->bev, EV_READ);
    sbgw_conn_arm(c, (long)lim.idle_timeout_s * 1000);  /* a client that does not read its reply */
}

void sbgw_conn_stream_begin(struct sbgw_conn *c, struct evbuffer *head)
{
    struct sbgw_conn_limits lim;

    sbgw_conn_limits_now(c, &lim);
    sbgw_conn_release_reservation(c);
    free(c->chunked);
    c->chunked = NULL;
    bufferevent_write_buffer(c->bev, head);
    if (!c->replying) {
        c->replying = 1;
        __atomic_add_fetch(&c->gw->writing, 1, __ATOMIC_ACQ_REL);
    }
    sbgw_conn_set_state(c, CS_STREAM);
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_setwatermark(c->bev, EV_WRITE, SBGW_STREAM_LOW_WATER, 0);   /* on_write: drained */
    sbgw_conn_arm(c, (long)lim.idle_timeout_s * 1000);
}

void sbgw_conn_stream_write(struct sbgw_conn *c, struct evbuffer *data)
{
    struct sbgw_conn_limits lim;

    if (evbuffer_get_length(data) == 0) {
        return;
    }
    sbgw_conn_limits_now(c, &lim);
    bufferevent_write_buffer(c->bev, data);
    sbgw_conn_arm(c, (long)lim.idle_timeout_s * 1000);
}

size_t sbgw_conn_stream_pending(const struct sbgw_conn *c)
{
    return evbuffer_get_length(bufferevent_get_output(c->bev));
}

void sbgw_conn_stream_end(struct sbgw_conn *c, int close_after)
{
    struct sbgw_conn_limits lim;

    sbgw_conn_limits_now(c, &lim);
    if (c->rq != NULL) {
        c->rq->conn = NULL;
        c->rq = NULL;
    }
    if (sbgw_conn_must_close(c)) {
        close_after = 1;
    }
    bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);    /* on_write once everything is written */
    sbgw_conn_set_state(c, close_after ? CS_CLOSING : CS_WRITING);
    sbgw_conn_arm(c, (long)lim.idle_timeout_s * 1000);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);  /* nothing left: no write event */
    }
}

static void conn_process(struct sbgw_conn *c)
{
    for (;;) {
        switch (c->state) {
        case CS_HEAD:
            if (!sbgw_conn_read_head(c)) {
                return;
            }
            break;
        case CS_BODY:
            if (!sbgw_conn_read_body(c)) {
                return;
            }
            break;
        case CS_LINGER: {
            struct evbuffer *in = bufferevent_get_input(c->bev);

            c->lingered += evbuffer_get_length(in);
            evbuffer_drain(in, evbuffer_get_length(in));
            if (c->lingered > LINGER_MAX_BYTES) {
                sbgw_conn_free(c);
            }
            return;
        }
        default:
            return;
        }
    }
}

/* ---- callbacks ------------------------------------------------------------------------------ */

static void on_read(struct bufferevent *bev, void *arg)
{
    struct sbgw_loop *lp = ((struct sbgw_conn *)arg)->loop;   /* (the connection may be freed inside) */
    unsigned long long t0 = sbgw_loop_busy_begin(lp);

    (void)bev;
    conn_process(arg);
    sbgw_loop_busy_end(lp, t0);
}

static void on_write_now(struct sbgw_conn *c)
{
    struct sbgw_conn_limits lim;

    if (c->state == CS_CLOSING) {
        conn_finish(c);
        return;
    }
    if (c->state == CS_STREAM) {              /* output below SBGW_STREAM_LOW_WATER */
        sbgw_conn_limits_now(c, &lim);
        sbgw_conn_arm(c, (long)lim.idle_timeout_s * 1000);
        sbgw_req_stream_event(c->rq, 0);
        return;
    }
    if (c->state != CS_WRITING) {
        return;                               /* a 100 Continue went out */
    }
    reply_done(c);
    sbgw_conn_limits_now(c, &lim);
    sbgw_conn_set_state(c, CS_HEAD);
    c->started = 0;
    c->scanned = 0;
    sbgw_conn_arm(c, (long)lim.idle_timeout_s * 1000);
    bufferevent_enable(c->bev, EV_READ);
    conn_process(c);                          /* a pipelined request may be waiting */
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct sbgw_loop *lp = ((struct sbgw_conn *)arg)->loop;
    unsigned long long t0 = sbgw_loop_busy_begin(lp);

    (void)bev;
    on_write_now(arg);
    sbgw_loop_busy_end(lp, t0);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct sbgw_conn *c = arg;

    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        if (c->state == CS_BUSY && !(what & BEV_EVENT_ERROR)) {
            bufferevent_disable(c->bev, EV_READ);   /* half-close while handled: answer, then close */
            return;
        }
        sbgw_conn_free(c);
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_conn *c = arg;
    struct sbgw_conn_limits lim;
    char msg[200];

    (void)fd;
    (void)what;
    sbgw_conn_limits_now(c, &lim);
    switch (c->state) {
    case CS_HEAD:
        if (!c->started && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
            sbgw_conn_free(c);                     /* idle, or a connection that never sent a byte */
            return;
        }
        snprintf(msg, sizeof(msg), "the request head did not arrive within limits.header_timeout_ms (%d ms)",
                 lim.header_timeout_ms);
        sbgw_conn_refuse(c, SBGW_E_REQUEST_TIMEOUT, msg);
        return;
    case CS_BODY: {
        double secs = since(&c->t_phase) - lim.header_timeout_ms / 1000.0;
        long long got = c->chunked != NULL ? (long long)c->chunked->total
                                           : (c->rq->head->content_length - c->body_left);

        if (secs > 0 && (double)got < secs * (double)lim.body_min_rate) {
            snprintf(msg, sizeof(msg), "the request body arrived slower than limits.body_min_rate (%lld bytes/s "
                                       "after %d ms): %lld bytes in %.1f s", lim.body_min_rate,
                     lim.header_timeout_ms, got, since(&c->t_phase));
            sbgw_conn_refuse(c, SBGW_E_REQUEST_TIMEOUT, msg);
            return;
        }
        sbgw_conn_arm(c, 1000);
        return;
    }
    case CS_BUSY:
        return;
    default:                                  /* STREAM / WRITING / CLOSING: reply not read in time; LINGER over */
        sbgw_conn_free(c);
        return;
    }
}

/* ---- birth ---------------------------------------------------------------------------------- */

int sbgw_conn_start(struct sbgw_loop *lp, struct sbgw_listener *l, evutil_socket_t fd, const char *peer, int counted)
{
    struct sbgw *gw = l->gw;
    struct sbgw_conn *c = calloc(1, sizeof(*c));
    struct sbgw_conn_limits lim;
    SSL *ssl = NULL;

    if (c == NULL) {
        evutil_closesocket(fd);
        release_slot(l, counted);
        return -1;
    }
    c->gw = gw;
    c->loop = lp;
    c->l = l;
    c->counted = counted;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    if (l->tls) {
        struct sbgw_snap *s = sbgw_snap_get(gw);

        if (s != NULL && s->tls[l->kind] != NULL) {
            ssl = SSL_new(s->tls[l->kind]);
        }
        sbgw_snap_unref(s);
        if (ssl == NULL) {
            sbgw_log_error(&gw->log, "-", "listener %s: cannot create a TLS session", sbgw_listener_name(l->kind));
            evutil_closesocket(fd);
            free(c);
            release_slot(l, counted);
            return -1;
        }
        c->bev = bufferevent_openssl_socket_new(lp->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
        if (c->bev == NULL) {
            SSL_free(ssl);
        } else {
            c->ssl = ssl;
            bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
        }
    } else {
        c->bev = bufferevent_socket_new(lp->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (c->bev == NULL || (c->timer = evtimer_new(lp->base, on_timer, c)) == NULL) {
        if (c->bev != NULL) {
            bufferevent_free(c->bev);
        } else {
            evutil_closesocket(fd);
        }
        free(c);
        release_slot(l, counted);
        return -1;
    }
    c->next = lp->conns;
    if (lp->conns != NULL) {
        lp->conns->prev = c;
    }
    lp->conns = c;
    __atomic_add_fetch(&gw->n_conns, 1, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(&lp->n_conns, 1, __ATOMIC_RELAXED);
    c->body_complete = 1;
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, READ_HIGH_WATERMARK);
    sbgw_conn_limits_now(c, &lim);
    if (!counted) {
        char msg[160];

        snprintf(msg, sizeof(msg), "too many connections on the %s listener (%ld); retry later",
                 sbgw_listener_name(l->kind), __atomic_load_n(&l->cap, __ATOMIC_RELAXED));
        c->body_complete = 0;                 /* nothing read: close after the reply */
        sbgw_conn_refuse(c, SBGW_E_OVERLOADED, msg);
        return 0;
    }
    sbgw_conn_set_state(c, CS_HEAD);
    sbgw_conn_arm(c, lim.header_timeout_ms);            /* a new connection: its first head, TLS handshake included */
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    return 0;
}

/* ---- drain and shutdown --------------------------------------------------------------------- */

void sbgw_conn_free_all(struct sbgw *gw)
{
    int k;

    for (k = 0; k < gw->n_loops; k++) {
        while (gw->loops[k].conns != NULL) {
            int draining = gw->draining;

            gw->draining = 0;                 /* no drain checks from inside the teardown */
            sbgw_conn_free(gw->loops[k].conns);
            gw->draining = draining;
        }
    }
}
