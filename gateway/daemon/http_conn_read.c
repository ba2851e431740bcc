/*
 * gateway/daemon/http_conn_read.c — reading one request on a connection: the head (strict scan and parse,
 * http_parse.h), admission on the head (http.c: a refusal is answered without reading the body), the
 * body's share of limits.pending_body_bytes (declared lengths reserved at admission, chunked bodies as they
 * arrive), the body itself (Content-Length copied into one buffer sized at admission, or chunked decoding),
 * then the request is run. States and deadlines: http_conn.c.
 */
#include "gateway/daemon/http_conn.h"
#include "gateway/daemon/http_conn_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

/* A refusal found by the connection itself (framing, deadlines, budget) while a request is read (HEAD or
 * BODY: the connection holds the request's reference): answered as a request, then the connection closes. */
void sbgw_conn_refuse(struct sbgw_conn *c, enum sbgw_http_error e, const char *msg)
{
    struct sbgw_req *rq = c->rq;

    if (rq == NULL) {
        if ((rq = sbgw_req_new(c, c->l, NULL, c->peer, c->client)) == NULL) {
            sbgw_conn_free(c);
            return;
        }
        c->rq = rq;
    }
    rq->close = 1;
    c->body_complete = 0;
    sbgw_reply_error(rq, e, "%s", msg);
    sbgw_req_unref(rq);
}

/* ---- reading -------------------------------------------------------------------------------- */

static int reserve(struct sbgw_conn *c, long long n, const struct sbgw_conn_limits *lim)
{
    if (__atomic_add_fetch(&c->gw->pending_body, n, __ATOMIC_ACQ_REL) > lim->pending_body_bytes) {
        __atomic_sub_fetch(&c->gw->pending_body, n, __ATOMIC_ACQ_REL);
        return -1;
    }
    c->reserved += n;
    return 0;
}

static void body_complete(struct sbgw_conn *c)
{
    struct sbgw_req *rq = c->rq;

    c->body_complete = 1;
    sbgw_conn_release_reservation(c);
    free(c->chunked);
    c->chunked = NULL;
    evtimer_del(c->timer);
    sbgw_conn_set_state(c, CS_BUSY);
    bufferevent_disable(c->bev, EV_READ);
    sbgw_http_run(rq);                        /* may answer at once (then the state moved on) */
}

/* A complete head in the first head_len bytes of p: parse, admit, start the body. */
static void head_complete(struct sbgw_conn *c, const char *p, size_t head_len, const struct sbgw_conn_limits *lim)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct sbgw_http_head *h = calloc(1, sizeof(*h));
    struct sbgw_http_err err;
    struct sbgw_req *rq;
    char msg[200];

    if (h == NULL) {
        sbgw_conn_refuse(c, SBGW_E_OVERLOADED, "out of memory");
        return;
    }
    if (sbgw_http_head_parse(p, head_len, h, &err) != SBGW_HP_DONE) {
        free(h);
        evbuffer_drain(in, head_len);
        sbgw_conn_refuse(c, err.code, err.msg);
        return;
    }
    evbuffer_drain(in, head_len);
    c->scanned = 0;
    c->n_requests++;
    if (c->ssl != NULL && !c->client_known) {
        struct sbgw_snap *s = sbgw_snap_get(c->gw);

        if (s != NULL) {
            c->cert_presented = sbgw_tls_client_id(c->ssl, &s->cfg->listeners[c->l->kind].tls, c->client,
                                                   sizeof(c->client));
        }
        sbgw_snap_unref(s);
        c->client_known = 1;
    }
    if ((rq = sbgw_req_new(c, c->l, h, c->peer, c->client)) == NULL) {
        sbgw_conn_refuse(c, SBGW_E_OVERLOADED, "out of memory");
        return;
    }
    rq->cert_unmapped = c->cert_presented && c->client[0] == '\0';
    c->rq = rq;
    c->body_left = h->chunked ? 0 : (h->content_length > 0 ? h->content_length : 0);
    c->body_complete = !h->chunked && c->body_left == 0;
    if (!sbgw_http_admit(rq)) {
        sbgw_req_unref(rq);                   /* answered; with a body unread, the reply closes */
        return;
    }
    if (c->body_complete) {
        body_complete(c);
        return;
    }
    if (c->body_left > 0 && reserve(c, c->body_left, lim) != 0) {
        snprintf(msg, sizeof(msg), "the gateway holds too many unfinished request bodies "
                                   "(limits.pending_body_bytes = %lld); retry later", lim->pending_body_bytes);
        sbgw_conn_refuse(c, SBGW_E_OVERLOADED, msg);
        return;
    }
    if (h->chunked && (c->chunked = calloc(1, sizeof(*c->chunked))) == NULL) {
        sbgw_conn_refuse(c, SBGW_E_OVERLOADED, "out of memory");
        return;
    }
    /* one allocation for the declared body (pages are committed as the bytes arrive) */
    if (c->body_left > 0 && evbuffer_expand(rq->body, (size_t)c->body_left) != 0) {
        sbgw_conn_refuse(c, SBGW_E_OVERLOADED, "out of memory");
        return;
    }
    if (h->expect_continue) {
        bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    }
    sbgw_conn_set_state(c, CS_BODY);
    clock_gettime(CLOCK_MONOTONIC, &c->t_phase);
    sbgw_conn_arm(c, 1000);
}

/* 1: the state advanced (go on), 0: wait for more input. */
int sbgw_conn_read_head(struct sbgw_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t len = evbuffer_get_length(in), n, head_len = 0;
    struct sbgw_conn_limits lim;
    struct sbgw_http_err err;
    const char *p;
    enum sbgw_hp_result r;

    if (len == 0) {
        return 0;
    }
    sbgw_conn_limits_now(c, &lim);
    if (!c->started) {
        c->started = 1;
        if (c->n_requests > 0) {              /* keep-alive: the idle wait is over, the head has its deadline */
            sbgw_conn_arm(c, lim.header_timeout_ms);
        }
    }
    n = len < (size_t)lim.max_headers + 1 ? len : (size_t)lim.max_headers + 1;
    if ((p = (const char *)evbuffer_pullup(in, (ev_ssize_t)n)) == NULL) {
        sbgw_conn_refuse(c, SBGW_E_OVERLOADED, "out of memory");
        return 0;
    }
    r = sbgw_http_head_scan(p, n, (size_t)lim.max_headers, &c->scanned, &head_len, &err);
    if (r == SBGW_HP_INCOMPLETE) {
        return 0;
    }
    if (r == SBGW_HP_ERROR) {
        sbgw_conn_refuse(c, err.code, err.msg);
        return 0;
    }
    head_complete(c, p, head_len, &lim);
    return 1;
}

/* Decoded chunked data: into the request body, counted against the budget as it arrives. */
static int chunk_sink(void *arg, const char *p, size_t n)
{
    struct sbgw_conn *c = arg;
    struct sbgw_conn_limits lim;

    sbgw_conn_limits_now(c, &lim);
    if (reserve(c, (long long)n, &lim) != 0) {
        c->over_budget = 1;
        return -1;
    }
    return evbuffer_add(c->rq->body, p, n);
}

/* Copy n bytes of in into body's reserved space (sized from Content-Length at admission): moving libevent's
 * read chunks instead would keep ~32 KiB of allocation per 16 KiB read, twice the body in memory. */
static int copy_body(struct evbuffer *in, struct evbuffer *body, size_t n)
{
    while (n > 0) {
        struct evbuffer_iovec v;
        int got;

        if (evbuffer_reserve_space(body, (ev_ssize_t)n, &v, 1) < 1 || v.iov_len == 0) {
            return -1;
        }
        if (v.iov_len > n) {
            v.iov_len = n;
        }
        if ((got = evbuffer_remove(in, v.iov_base, v.iov_len)) <= 0) {
            return -1;
        }
        v.iov_len = (size_t)got;
        if (evbuffer_commit_space(body, &v, 1) != 0) {
            return -1;
        }
        n -= (size_t)got;
    }
    return 0;
}

int sbgw_conn_read_body(struct sbgw_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct sbgw_conn_limits lim;

    sbgw_conn_limits_now(c, &lim);
    if (c->chunked == NULL) {
        size_t len = evbuffer_get_length(in);
        size_t n = (long long)len < c->body_left ? len : (size_t)c->body_left;

        if (n > 0 && copy_body(in, c->rq->body, n) != 0) {
            sbgw_conn_refuse(c, SBGW_E_OVERLOADED, "out of memory");
            return 0;
        }
        c->body_left -= (long long)n;
        if (c->body_left > 0) {
            return 0;
        }
        body_complete(c);
        return 1;
    }
    while (evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v;
        struct sbgw_http_err err;
        size_t used = 0;
        enum sbgw_hp_result r;

        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0) {
            break;
        }
        r = sbgw_http_chunked_feed(c->chunked, v.iov_base, v.iov_len, (unsigned long long)lim.max_body,
                                   (size_t)lim.max_headers, chunk_sink, c, &used, &err);
        if (r == SBGW_HP_ERROR) {
            if (c->over_budget) {
                sbgw_conn_refuse(c, SBGW_E_OVERLOADED, "the gateway holds too many unfinished request bodies "
                                             "(limits.pending_body_bytes); retry later");
            } else {
                sbgw_conn_refuse(c, err.code, err.msg);
            }
            return 0;
        }
        if (r == SBGW_HP_DONE) {
            evbuffer_drain(in, used);
            body_complete(c);
            return 1;
        }
        evbuffer_drain(in, v.iov_len);
    }
    return 0;
}

