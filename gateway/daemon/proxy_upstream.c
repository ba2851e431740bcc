/*
 * gateway/daemon/proxy_upstream.c — the validating proxy's upstream half: the forwarded request (the route's
 * configured upstream, never an address from the request; the normalised origin-form target; hop-by-hop and
 * client Sigbridge-* headers removed, the gateway's own added) and the upstream's reply relayed to the client
 * (replies name the route, never the upstream). libevent's evhttp is the HTTP client here.
 *
 * Client headers not forwarded: hop-by-hop ones (RFC 9110 §7.6.1) and those the client's Connection field
 * nominates; Host, Content-Length, Expect; Sigbridge-*; X-Request-Id (the gateway sends its own id); every
 * header whose name contains '_' (CGI and WSGI servers fold '_' into '-', so Sigbridge_Signer would arrive
 * as Sigbridge-Signer: nginx's default, applied to every name rather than to a list of look-alikes); and,
 * unless the peer is in api.trusted_proxies, X-Forwarded-*, Forwarded and X-Real-IP. From a trusted proxy,
 * those are kept and the peer is appended to its X-Forwarded-For ("client, proxy").
 *
 * The reply is streamed with bounded memory: a declared Content-Length over the route's max_response is 502
 * before anything is relayed; within it, the head goes out at once and the body piece by piece
 * (sbgw_reply_stream_*), and the upstream is not read while more than STREAM_HIGH_WATER bytes wait for the
 * client (reading resumes when the client's connection drains). A reply of unknown length (chunked or
 * close-delimited) is held up to max_response and then sent with its Content-Length (over it: 502; evhttp's
 * max body size refuses an oversized chunk before buffering it). The route's timeout_ms is a total deadline
 * from forwarding to the reply's last byte: before the head was relayed it is 504, after it the client's
 * connection is closed early (it sees a short body). Replies name the route, never the upstream's address
 * (which goes to the warning log only).
 */
#include "gateway/daemon/sbgw.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>

#define STREAM_HIGH_WATER (256 * 1024)   /* bytes waiting for the client above which the upstream is not read */

enum phase {
    PH_WAIT,                                  /* forwarded, no reply head yet */
    PH_STREAM,                                /* Content-Length known: the head went out, the body follows */
    PH_HOLD,                                  /* length unknown: the body is held, sent whole at the end */
    PH_EMPTY                                  /* a reply without a body (HEAD, 204, 304): the head went out */
};

enum failure { F_NONE, F_UPSTREAM, F_TOO_LARGE, F_TIMEOUT, F_CLIENT_GONE };

struct proxy_ctx {
    struct sbgw_verify_job *j;                 /* owned: holds the request and the snapshot (and so the route) */
    struct evhttp_connection *evcon;     /* owned: freed through the reap list, never inside its callback */
    struct evhttp_request *up;           /* evhttp's: NULL once it completed, failed or was cancelled */
    const struct sbgw_route *r;          /* borrowed: j->snap->cfg */
    struct event *deadline;              /* owned: the route's timeout_ms, from forwarding to the last byte */
    struct event *kick;                  /* owned: ends the exchange outside evhttp's callbacks */
    struct evbuffer *held;               /* owned: PH_HOLD's body so far */
    enum phase phase;
    enum failure fail;
    long long length;                    /* the upstream's Content-Length, -1 unknown */
    long long got;                       /* body bytes received */
    int head_sent;                       /* the reply's head went to the client */
    int paused;                          /* the upstream is not read (the client is behind) */
    enum evhttp_request_error err;
    int errored;
};

static const char *const hop_by_hop[] = {
    "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer",
    "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect",
};

/* Forwarding headers: a client could name any address in them; only a trusted proxy's are believed. */
static int forwarding_header(const char *name)
{
    return strncasecmp(name, "X-Forwarded-", 12) == 0 || strcasecmp(name, "Forwarded") == 0 ||
           strcasecmp(name, "X-Real-IP") == 0;
}

static int skip_header(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(hop_by_hop) / sizeof(hop_by_hop[0]); i++) {
        if (strcasecmp(name, hop_by_hop[i]) == 0) {
            return 1;
        }
    }
    return strncasecmp(name, "Sigbridge-", 10) == 0;
}

/* Percent-encode what may not appear in a header value (controls, non-ASCII, '%'). */
static void header_safe(const char *in, char *out, size_t len)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in != '\0' && o + 4 < len; in++) {
        unsigned char c = (unsigned char)*in;

        if (c < 0x20 || c >= 0x7f || c == '%') {
            out[o++] = '%';
            out[o++] = hx[c >> 4];
            out[o++] = hx[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sbgw_proxy_reap(arg);
}

void sbgw_proxy_reap(struct sbgw_loop *lp)
{
    struct sbgw_reap *r, *next;

    r = lp->reap;
    lp->reap = NULL;
    for (; r != NULL; r = next) {
        next = r->next;
        evhttp_connection_free(r->evcon);
        free(r);
    }
}

/* libevent 2.1 does not free an auto-free connection whose request failed, and a connection must not be
 * freed inside its own request callback: queue it and free it from an event on the next loop pass. */
static void reap_later(struct sbgw_loop *lp, struct evhttp_connection *evcon)
{
    struct sbgw_reap *r;

    if (evcon == NULL) {
        return;
    }
    if (lp->reap_ev == NULL) {
        lp->reap_ev = event_new(lp->base, -1, 0, reap_cb, lp);
    }
    if ((r = calloc(1, sizeof(*r))) == NULL || lp->reap_ev == NULL) {
        free(r);
        return;       /* out of memory: leak one connection rather than free it under libevent's feet */
    }
    r->evcon = evcon;
    r->next = lp->reap;
    lp->reap = r;
    event_active(lp->reap_ev, EV_READ, 0);
}

static void ctx_free(struct proxy_ctx *c)
{
    struct sbgw_req *rq = c->j->rq;

    if (rq->stream_arg == c) {
        sbgw_reply_stream_abort(rq);       /* (every path ends its stream first; never leave one behind) */
    }
    if (c->deadline != NULL) {
        event_free(c->deadline);
    }
    if (c->kick != NULL) {
        event_free(c->kick);
    }
    if (c->held != NULL) {
        evbuffer_free(c->held);
    }
    reap_later(rq->loop, c->evcon);
    sbgw_verify_job_free(c->j);
    free(c);
}

/* Stop or resume reading the upstream's connection. */
static void upstream_read(struct proxy_ctx *c, int on)
{
    struct bufferevent *bev = c->evcon != NULL ? evhttp_connection_get_bufferevent(c->evcon) : NULL;

    if (bev == NULL || c->paused == !on) {
        return;
    }
    c->paused = !on;
    if (on) {
        bufferevent_enable(bev, EV_READ);
    } else {
        bufferevent_disable(bev, EV_READ);
    }
}

/* The failure c->fail answered: the JSON error while nothing was relayed, else the client's connection is
 * closed early. The upstream's address goes to the warning log only. */
static void fail_reply(struct proxy_ctx *c)
{
    struct sbgw_req *rq = c->j->rq;
    const struct sbgw_route *r = c->r;
    enum sbgw_http_error e = c->fail == F_TIMEOUT ? SBGW_E_UPSTREAM_TIMEOUT : SBGW_E_UPSTREAM_ERROR;
    char msg[300];

    switch (c->fail) {
    case F_TOO_LARGE:
        if (c->length > r->max_response) {
            snprintf(msg, sizeof(msg), "route %s: the upstream's reply declares %lld bytes, over the route's "
                                       "max_response (%lld)", r->name, c->length, r->max_response);
        } else {
            snprintf(msg, sizeof(msg), "route %s: the upstream's reply is over the route's max_response (%lld bytes) "
                                       "or not validly framed", r->name, r->max_response);
        }
        break;
    case F_TIMEOUT:
        snprintf(msg, sizeof(msg), "route %s: the upstream's reply did not complete within the route's timeout_ms "
                                   "(%d ms)", r->name, r->timeout_ms);
        break;
    case F_CLIENT_GONE:
        snprintf(msg, sizeof(msg), "route %s: the client left", r->name);
        break;
    default:
        snprintf(msg, sizeof(msg), c->phase == PH_WAIT ? "route %s: the upstream could not be reached or sent no "
                                                         "valid reply"
                                                       : "route %s: the upstream's reply broke off", r->name);
        break;
    }
    if (c->fail == F_CLIENT_GONE) {
        sbgw_log_info(&rq->gw->log, rq->id, "proxy %s: %s after %lld bytes from upstream %s", r->name, msg, c->got,
                      r->upstream);
    } else {
        sbgw_log_warnx(&rq->gw->log, rq->id, "proxy %s: upstream %s: %s%s%s (%lld body bytes received)", r->name,
                       r->upstream, msg, c->errored ? "; evhttp error " : "",
                       c->errored ? (c->err == EVREQ_HTTP_TIMEOUT ? "timeout" : c->err == EVREQ_HTTP_EOF ? "eof"
                                     : c->err == EVREQ_HTTP_DATA_TOO_LONG ? "too long or malformed"
                                     : c->err == EVREQ_HTTP_INVALID_HEADER ? "invalid header" : "other") : "",
                       c->got);
    }
    if (rq->streaming) {
        if (rq->reason[0] == '\0') {
            snprintf(rq->reason, sizeof(rq->reason), "%s",
                     c->fail == F_CLIENT_GONE ? "CLIENT_GONE" : sbgw_http_error_name(e));
        }
        sbgw_reply_stream_abort(rq);
    } else if (c->fail != F_CLIENT_GONE) {
        sbgw_reply_error(rq, e, "%s", msg);
    }
}

/* Give up on the exchange from outside evhttp's callbacks: cancel the upstream request, answer, free. */
static void give_up(struct proxy_ctx *c)
{
    if (c->up != NULL) {
        struct evhttp_request *up = c->up;

        c->up = NULL;
        evhttp_cancel_request(up);         /* no callback but the error one */
    }
    fail_reply(c);
    ctx_free(c);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    struct proxy_ctx *c = arg;

    (void)fd;
    (void)what;
    if (c->fail == F_NONE) {
        c->fail = F_TIMEOUT;
    }
    give_up(c);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    give_up(arg);
}

/* The client's connection drained (read on) or closed (give up, from the next loop pass). */
static void client_event(struct sbgw_req *rq, int gone, void *arg)
{
    struct proxy_ctx *c = arg;

    (void)rq;
    if (gone) {
        if (c->fail == F_NONE) {
            c->fail = F_CLIENT_GONE;
        }
        upstream_read(c, 0);
        event_active(c->kick, EV_TIMEOUT, 0);
    } else if (c->fail == F_NONE && c->up != NULL) {
        upstream_read(c, 1);
    }
}

static void upstream_error(enum evhttp_request_error err, void *arg)
{
    struct proxy_ctx *c = arg;

    c->err = err;
    c->errored = 1;
}

/* Copy the upstream's headers that are the client's business into the reply. */
static void relay_headers(struct sbgw_req *rq, struct evkeyvalq *uh)
{
    struct evkeyval *kv;

    for (kv = uh->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        if (!skip_header(kv->key) && strcasecmp(kv->key, "Content-Type") != 0 &&
            strcasecmp(kv->key, "X-Request-Id") != 0) {
            sbgw_reply_header(rq, kv->key, kv->value);
        }
    }
}

static const char *reply_type(struct evhttp_request *up)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(up), "Content-Type");

    return ct != NULL ? ct : "application/octet-stream";
}

/* A Content-Length of digits only, else -1 (evhttp refuses the reply then). */
static long long parse_length(const char *v)
{
    long long n = 0;

    if (v == NULL || *v == '\0') {
        return -1;
    }
    for (; *v != '\0'; v++) {
        if (*v < '0' || *v > '9' || n > (LLONG_MAX - 9) / 10) {
            return -1;
        }
        n = n * 10 + (*v - '0');
    }
    return n;
}

/* The reply's head arrived (evhttp's header callback; negative: evhttp fails the request, then upstream_done). */
static int upstream_head(struct evhttp_request *up, void *arg)
{
    struct proxy_ctx *c = arg;
    struct sbgw_req *rq = c->j->rq;
    struct evkeyvalq *uh = evhttp_request_get_input_headers(up);
    const char *te = evhttp_find_header(uh, "Transfer-Encoding");
    int code = evhttp_request_get_response_code(up);

    if (code < 200 && code >= 100) {
        return 0;                             /* interim: evhttp reads on */
    }
    c->length = te != NULL && strcasecmp(te, "chunked") == 0 ? -1
                                                               : parse_length(evhttp_find_header(uh, "Content-Length"));
    if (rq->head->method == SBGW_M_HEAD || code == 204 || code == 304) {
        relay_headers(rq, uh);
        c->phase = PH_EMPTY;
        if (sbgw_reply_stream_begin(rq, code, reply_type(up),
                                    rq->head->method == SBGW_M_HEAD && c->length >= 0 ? c->length : 0,
                                    client_event, c) != 0) {
            c->fail = F_CLIENT_GONE;
            return -1;
        }
        c->head_sent = 1;
        return 0;
    }
    if (c->length > c->r->max_response) {
        c->fail = F_TOO_LARGE;
        return -1;
    }
    relay_headers(rq, uh);
    if (c->length >= 0) {
        c->phase = PH_STREAM;
        if (sbgw_reply_stream_begin(rq, code, reply_type(up), c->length, client_event, c) != 0) {
            c->fail = F_CLIENT_GONE;
            return -1;
        }
        c->head_sent = 1;
        return 0;
    }
    c->phase = PH_HOLD;
    if ((c->held = evbuffer_new()) == NULL) {
        c->fail = F_UPSTREAM;
        return -1;
    }
    return 0;
}

/* A piece of the reply's body (evhttp drains what is left of it afterwards). */
static void upstream_body(struct evhttp_request *up, void *arg)
{
    struct proxy_ctx *c = arg;
    struct sbgw_req *rq = c->j->rq;
    struct evbuffer *in = evhttp_request_get_input_buffer(up);

    c->got += (long long)evbuffer_get_length(in);
    if (c->fail != F_NONE) {
        return;
    }
    switch (c->phase) {
    case PH_STREAM:
        sbgw_reply_stream_data(rq, in);
        if (sbgw_reply_stream_pending(rq) > STREAM_HIGH_WATER) {
            upstream_read(c, 0);          /* resumed by client_event when the client's buffer drains */
        }
        break;
    case PH_HOLD:
        if (c->got > c->r->max_response) {   /* (evhttp's max body size should have refused it first) */
            c->fail = F_TOO_LARGE;
            upstream_read(c, 0);
            event_active(c->kick, EV_TIMEOUT, 0);
            break;
        }
        evbuffer_add_buffer(c->held, in);
        break;
    default:
        break;
    }
}

/* The exchange is over: up complete, or NULL / response code 0 when it failed. */
static void upstream_done(struct evhttp_request *up, void *arg)
{
    struct proxy_ctx *c = arg;
    struct sbgw_req *rq = c->j->rq;
    int code = up != NULL ? evhttp_request_get_response_code(up) : 0;

    c->up = NULL;
    if (c->fail == F_NONE && (up == NULL || code == 0)) {
        c->fail = !c->errored ? F_UPSTREAM : c->err == EVREQ_HTTP_TIMEOUT ? F_TIMEOUT
                                           : c->err == EVREQ_HTTP_DATA_TOO_LONG ? F_TOO_LARGE : F_UPSTREAM;
    }
    if (c->fail != F_NONE) {
        fail_reply(c);
        ctx_free(c);
        return;
    }
    switch (c->phase) {
    case PH_WAIT:                             /* (the head callback always runs first) */
    case PH_HOLD:
        if (c->phase == PH_WAIT) {
            relay_headers(rq, evhttp_request_get_input_headers(up));
        }
        if (c->held == NULL) {
            c->held = evbuffer_new();
        }
        if (c->held != NULL) {
            evbuffer_add_buffer(c->held, evhttp_request_get_input_buffer(up));
        }
        if (c->held == NULL || sbgw_reply_stream_begin(rq, code, reply_type(up),
                                                       (long long)evbuffer_get_length(c->held), NULL, c) == 0) {
            if (c->held != NULL) {
                sbgw_reply_stream_data(rq, c->held);
            }
            sbgw_reply_stream_end(rq);
        }
        break;
    default:
        sbgw_reply_stream_end(rq);
        break;
    }
    ctx_free(c);
}

/* The upstream request with its callbacks and the route's total deadline (armed here: forwarding starts). */
static struct evhttp_request *upstream_request(struct proxy_ctx *c)
{
    struct event_base *base = c->j->rq->loop->base;
    struct evhttp_request *up;
    struct timeval tv;

    c->length = -1;
    if ((c->deadline = evtimer_new(base, deadline_cb, c)) == NULL ||
        (c->kick = event_new(base, -1, 0, kick_cb, c)) == NULL ||
        (up = evhttp_request_new(upstream_done, c)) == NULL) {
        return NULL;
    }
    evhttp_request_set_error_cb(up, upstream_error);
    evhttp_request_set_header_cb(up, upstream_head);
    evhttp_request_set_chunked_cb(up, upstream_body);
    /* evhttp refuses a chunk or a close-delimited body over this before buffering it */
    evhttp_connection_set_max_body_size(c->evcon, (ev_ssize_t)c->r->max_response);
    tv.tv_sec = c->r->timeout_ms / 1000;
    tv.tv_usec = (c->r->timeout_ms % 1000) * 1000;
    evtimer_add(c->deadline, &tv);
    c->up = up;
    return up;
}

static enum evhttp_cmd_type upstream_method(enum sbgw_http_method m)
{
    switch (m) {
    case SBGW_M_HEAD: return EVHTTP_REQ_HEAD;
    case SBGW_M_POST: return EVHTTP_REQ_POST;
    case SBGW_M_PUT: return EVHTTP_REQ_PUT;
    case SBGW_M_DELETE: return EVHTTP_REQ_DELETE;
    case SBGW_M_PATCH: return EVHTTP_REQ_PATCH;
    case SBGW_M_OPTIONS: return EVHTTP_REQ_OPTIONS;
    default: return EVHTTP_REQ_GET;           /* the routes admit no other method */
    }
}

static void forward(struct proxy_ctx *c)
{
    struct sbgw_verify_job *j = c->j;
    struct sbgw_req *rq = j->rq;
    struct evhttp_connection *evcon;
    struct evhttp_request *up;
    struct evkeyvalq *out;
    struct evbuffer *target, *xff;
    struct timeval tv;
    char signer[1024];
    size_t i;
    int rc, trusted = sbgw_config_trusted_proxy(j->snap->cfg, rq->peer), has_proto = 0;

    if ((evcon = evhttp_connection_base_new(rq->loop->base, NULL, c->r->up_host, (ev_uint16_t)c->r->up_port)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_UPSTREAM_ERROR, "route %s: cannot create a connection to the upstream",
                         c->r->name);
        ctx_free(c);
        return;
    }
    tv.tv_sec = c->r->timeout_ms / 1000;
    tv.tv_usec = (c->r->timeout_ms % 1000) * 1000;
    evhttp_connection_set_timeout_tv(evcon, &tv);
    evhttp_connection_set_retries(evcon, 0);
    c->evcon = evcon;
    if ((up = upstream_request(c)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "out of memory");
        ctx_free(c);
        return;
    }
    out = evhttp_request_get_output_headers(up);
    if ((xff = evbuffer_new()) == NULL) {
        evhttp_request_free(up);
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "out of memory");
        ctx_free(c);
        return;
    }
    for (i = 0; i < rq->head->n_fields; i++) {
        const char *name = rq->head->fields[i].name, *value = rq->head->fields[i].value;

        if (skip_header(name) || strchr(name, '_') != NULL || strcasecmp(name, "X-Request-Id") == 0 ||
            sbgw_http_head_connection_has(rq->head, name) || (forwarding_header(name) && !trusted)) {
            continue;
        }
        if (strcasecmp(name, "X-Forwarded-For") == 0) {
            evbuffer_add_printf(xff, "%s, ", value);
            continue;
        }
        has_proto |= strcasecmp(name, "X-Forwarded-Proto") == 0;
        evhttp_add_header(out, name, value);
    }
    evbuffer_add_printf(xff, "%s", rq->peer);
    evbuffer_add(xff, "", 1);
    evhttp_add_header(out, "Host", c->r->up_hostport);
    evhttp_add_header(out, "X-Forwarded-For", (const char *)evbuffer_pullup(xff, -1));
    evbuffer_free(xff);
    if (!has_proto) {
        evhttp_add_header(out, "X-Forwarded-Proto", rq->l->tls ? "https" : "http");
    }
    evhttp_add_header(out, "X-Request-Id", rq->id);
    evhttp_add_header(out, "Sigbridge-Verdict", j->indication);
    header_safe(j->signer_subject, signer, sizeof(signer));
    evhttp_add_header(out, "Sigbridge-Signer", signer);
    evhttp_add_header(out, "Sigbridge-Jurisdiction", j->from);
    evhttp_add_header(out, "Sigbridge-Snapshot", sb_policy_set_id(j->snap->set));
    evhttp_add_header(out, "Sigbridge-Request-Id", rq->id);
    evbuffer_add_buffer(evhttp_request_get_output_buffer(up), j->body);
    if (rq->timer != NULL) {
        event_del(rq->timer);          /* from here the route's timeout_ms applies (504) */
    }
    /* origin-form only (absolute-form is refused on routes): the normalised path, the query as received */
    if ((target = evbuffer_new()) == NULL ||
        evbuffer_add_printf(target, "%s%s%s", rq->npath, rq->head->query != NULL ? "?" : "",
                            rq->head->query != NULL ? rq->head->query : "") < 0 ||
        evbuffer_add(target, "", 1) != 0) {
        rc = -1;
    } else {
        rc = evhttp_make_request(evcon, up, upstream_method(rq->head->method),
                                 (const char *)evbuffer_pullup(target, -1));
    }
    if (target != NULL) {
        evbuffer_free(target);
    }
    if (rc != 0) {
        /* refused before anything was queued or called back (no socket): the request is still ours */
        c->up = NULL;
        evhttp_request_free(up);
        sbgw_reply_error(rq, SBGW_E_UPSTREAM_ERROR, "route %s: cannot send the request to the upstream",
                         c->r->name);
        ctx_free(c);
    }
}

void sbgw_proxy_forward(struct sbgw_verify_job *j)
{
    struct sbgw_req *rq = j->rq;
    struct proxy_ctx *c;

    if ((c = calloc(1, sizeof(*c))) == NULL) {
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "out of memory");
        sbgw_verify_job_free(j);
        return;
    }
    c->j = j;
    c->r = rq->proxy_route;
    forward(c);
}
