/*
 * gateway/daemon/proxy_upstream.c — the validating proxy's upstream half: the forwarded request (the route's
 * configured upstream, never an address from the request; the normalised origin-form target; hop-by-hop and
 * client Sigbridge-* headers removed, the gateway's own added) and the upstream's reply relayed to the client
 * (502 when it cannot be reached, 504 after the route's timeout_ms). libevent's evhttp is the HTTP client here.
 *
 * Client headers not forwarded: hop-by-hop ones (RFC 9110 §7.6.1) and those the client's Connection field
 * nominates; Host, Content-Length, Expect; Sigbridge-*; X-Request-Id (the gateway sends its own id); every
 * header whose name contains '_' (CGI and WSGI servers fold '_' into '-', so Sigbridge_Signer would arrive
 * as Sigbridge-Signer: nginx's default, applied to every name rather than to a list of look-alikes); and,
 * unless the peer is in api.trusted_proxies, X-Forwarded-*, Forwarded and X-Real-IP. From a trusted proxy,
 * those are kept and the peer is appended to its X-Forwarded-For ("client, proxy").
 */
#include "gateway/daemon/sbgw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

struct proxy_ctx {
    struct sbgw_verify_job *j;                 /* owned: holds the request and the snapshot (and so the route) */
    struct evhttp_connection *evcon;     /* owned: freed through the reap list, never inside its callback */
    const struct sbgw_route *r;          /* borrowed: j->snap->cfg */
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

void sbgw_proxy_reap(struct sbgw *gw)
{
    struct sbgw_reap *r, *next;

    r = gw->reap;
    gw->reap = NULL;
    for (; r != NULL; r = next) {
        next = r->next;
        evhttp_connection_free(r->evcon);
        free(r);
    }
}

/* libevent 2.1 does not free an auto-free connection whose request failed, and a connection must not be
 * freed inside its own request callback: queue it and free it from an event on the next loop pass. */
static void reap_later(struct sbgw *gw, struct evhttp_connection *evcon)
{
    struct sbgw_reap *r;

    if (evcon == NULL) {
        return;
    }
    if (gw->reap_ev == NULL) {
        gw->reap_ev = event_new(gw->base, -1, 0, reap_cb, gw);
    }
    if ((r = calloc(1, sizeof(*r))) == NULL || gw->reap_ev == NULL) {
        free(r);
        return;       /* out of memory: leak one connection rather than free it under libevent's feet */
    }
    r->evcon = evcon;
    r->next = gw->reap;
    gw->reap = r;
    event_active(gw->reap_ev, EV_READ, 0);
}

static void ctx_free(struct proxy_ctx *c)
{
    reap_later(c->j->rq->gw, c->evcon);
    sbgw_verify_job_free(c->j);
    free(c);
}

static void upstream_error(enum evhttp_request_error err, void *arg)
{
    struct proxy_ctx *c = arg;

    c->err = err;
    c->errored = 1;
}

static void upstream_done(struct evhttp_request *up, void *arg)
{
    struct proxy_ctx *c = arg;
    struct sbgw_req *rq = c->j->rq;
    struct evkeyvalq *uh;
    struct evkeyval *kv;
    struct evbuffer *body;
    const char *ct;
    int code = up != NULL ? evhttp_request_get_response_code(up) : 0;

    if (up == NULL || code == 0) {
        if (c->errored && c->err == EVREQ_HTTP_TIMEOUT) {
            sbgw_reply_error(rq, SBGW_E_UPSTREAM_TIMEOUT, "upstream %s did not answer within %d ms", c->r->upstream,
                             c->r->timeout_ms);
        } else {
            sbgw_reply_error(rq, SBGW_E_UPSTREAM_ERROR, "upstream %s could not be reached", c->r->upstream);
        }
        sbgw_log_warnx(&rq->gw->log, rq->id, "proxy %s: upstream %s failed (%s)", c->r->name, c->r->upstream,
                       c->errored && c->err == EVREQ_HTTP_TIMEOUT ? "timeout" : "connection error");
        ctx_free(c);
        return;
    }
    uh = evhttp_request_get_input_headers(up);
    for (kv = uh->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        if (!skip_header(kv->key) && strcasecmp(kv->key, "Content-Type") != 0 &&
            strcasecmp(kv->key, "X-Request-Id") != 0) {
            sbgw_reply_header(rq, kv->key, kv->value);
        }
    }
    ct = evhttp_find_header(uh, "Content-Type");
    body = evhttp_request_get_input_buffer(up);
    sbgw_reply(rq, code, ct != NULL ? ct : "application/octet-stream",
               evbuffer_get_length(body) > 0 ? (const char *)evbuffer_pullup(body, -1) : NULL,
               evbuffer_get_length(body));
    ctx_free(c);
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

    if ((evcon = evhttp_connection_base_new(rq->gw->base, NULL, c->r->up_host, (ev_uint16_t)c->r->up_port)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_UPSTREAM_ERROR, "cannot create a connection to %s", c->r->upstream);
        ctx_free(c);
        return;
    }
    tv.tv_sec = c->r->timeout_ms / 1000;
    tv.tv_usec = (c->r->timeout_ms % 1000) * 1000;
    evhttp_connection_set_timeout_tv(evcon, &tv);
    evhttp_connection_set_retries(evcon, 0);
    c->evcon = evcon;
    if ((up = evhttp_request_new(upstream_done, c)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "out of memory");
        ctx_free(c);
        return;
    }
    evhttp_request_set_error_cb(up, upstream_error);
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
        evhttp_request_free(up);
        sbgw_reply_error(rq, SBGW_E_UPSTREAM_ERROR, "cannot send the request to %s", c->r->upstream);
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
