/*
 * gateway/daemon/http.c — evhttp listeners, limits, request contexts, dispatch and replies.
 *
 * Each listener is its own evhttp object (so the admin endpoints exist only on the admin listener and
 * limits are set per object): evhttp_set_max_body_size / _max_headers_size / _timeout_tv bound what one
 * connection can make the loop buffer and how long it may idle or dribble. The body limit is enforced
 * twice: evhttp refuses anything over max_body + 64 KiB while reading (its own, non-JSON 413 — libevent
 * 2.1 has no hook before the body is read), and dispatch answers the JSON 413 BODY_TOO_LARGE for
 * everything over max_body that evhttp let through. Connections that have sent a request are tracked
 * (closecb) to enforce max_connections and report the gauge; accept() failing with EMFILE pauses the
 * listener for 100 ms instead of spinning.
 *
 * Every reply goes through sbgw_reply: request id header, metrics, one access-log line (never a body).
 */
#include "gateway/daemon/sbgw.h"
#include "gateway/daemon/lifecycle.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http_struct.h>   /* the parsed HTTP version (no accessor in libevent 2.1) */
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "pki/base/name_table.h"

#define BODY_SLACK (64 * 1024)
#define CONN_BUCKETS 4096

/* ---- connection tracking -------------------------------------------------------------------- */

static size_t conn_hash(const void *p)
{
    return ((size_t)(uintptr_t)p >> 4) & (CONN_BUCKETS - 1);
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
    struct sbgw_conn *c = arg, **pp;
    struct sbgw *gw = c->gw;

    evhttp_connection_set_closecb(evcon, NULL, NULL);
    for (pp = &gw->conns[conn_hash(evcon)]; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            gw->n_conns--;
            break;
        }
    }
    free(c);
}

/* 0 tracked (new or known); -1 over max_connections. */
static int conn_track(struct sbgw *gw, struct evhttp_connection *evcon, int max)
{
    struct sbgw_conn *c;
    size_t h = conn_hash(evcon);

    for (c = gw->conns[h]; c != NULL; c = c->next) {
        if (c->evcon == evcon) {
            return 0;
        }
    }
    if (gw->n_conns >= max || (c = calloc(1, sizeof(*c))) == NULL) {
        return -1;
    }
    c->evcon = evcon;
    c->gw = gw;
    c->next = gw->conns[h];
    gw->conns[h] = c;
    gw->n_conns++;
    evhttp_connection_set_closecb(evcon, conn_closed, c);
    return 0;
}

/* ---- request contexts ----------------------------------------------------------------------- */

void sbgw_req_ref(struct sbgw_req *rq)
{
    rq->refs++;
}

void sbgw_req_unref(struct sbgw_req *rq)
{
    struct sbgw *gw;

    if (rq == NULL || --rq->refs > 0) {
        return;
    }
    gw = rq->gw;
    if (rq->req != NULL) {                      /* never leave a client without an answer */
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "request dropped without an answer");
    }
    if (rq->timer != NULL) {
        event_free(rq->timer);
    }
    free(rq);
    gw->live_reqs--;
    if (gw->draining) {
        sbgw_drain_check(gw);
    }
}

static const char *method_name(enum evhttp_cmd_type c)
{
    static const struct sb_name_row names[] = {
        { EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" }, { EVHTTP_REQ_HEAD, "HEAD" },
        { EVHTTP_REQ_PUT, "PUT" }, { EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_OPTIONS, "OPTIONS" },
        { EVHTTP_REQ_PATCH, "PATCH" },
    };

    return sb_name_of(SB_NAME_ROWS(names), (int)c, "OTHER");
}

static int req_id_ok(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];

        if (i >= SBGW_REQ_ID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                      c == '-' || c == '_' || c == '.')) {
            return 0;
        }
    }
    return i > 0;
}

static double elapsed(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- replies -------------------------------------------------------------------------------- */

void sbgw_reply_header(struct sbgw_req *rq, const char *name, const char *value)
{
    if (rq->req != NULL) {
        evhttp_add_header(evhttp_request_get_output_headers(rq->req), name, value);
    }
}

/* evhttp wrote the whole reply: a drain can end once nothing is left to write. (If the client goes away
 * mid-write this is not called; the drain's grace timer covers that.) */
static void reply_written(struct evhttp_request *req, void *arg)
{
    struct sbgw *gw = arg;

    (void)req;
    gw->writing--;
    if (gw->draining) {
        sbgw_drain_check(gw);
    }
}

void sbgw_reply(struct sbgw_req *rq, int status, const char *content_type, const char *body, size_t len)
{
    struct evkeyvalq *h;
    char clen[32];
    double secs;

    if (rq->req == NULL) {
        return;
    }
    h = evhttp_request_get_output_headers(rq->req);
    evhttp_remove_header(h, "Content-Type");
    evhttp_add_header(h, "Content-Type", content_type);
    evhttp_add_header(h, "X-Request-Id", rq->id);
    if (evhttp_find_header(h, "Cache-Control") == NULL) {
        evhttp_add_header(h, "Cache-Control", "no-store");
    }
    if (rq->gw->draining && evhttp_find_header(h, "Connection") == NULL) {
        evhttp_add_header(h, "Connection", "close");
    }
    if (body != NULL && len > 0 && evhttp_request_get_command(rq->req) == EVHTTP_REQ_HEAD) {
        /* libevent 2.1 would send a HEAD reply's body (without Content-Length), and a keep-alive client
         * would read it as the start of the next reply: headers only, with the length a GET gets */
        snprintf(clen, sizeof(clen), "%zu", len);
        evhttp_remove_header(h, "Content-Length");
        evhttp_add_header(h, "Content-Length", clen);
    } else if (body != NULL && len > 0) {
        evbuffer_add(evhttp_request_get_output_buffer(rq->req), body, len);
    }
    rq->gw->writing++;
    evhttp_request_set_on_complete_cb(rq->req, reply_written, rq->gw);
    evhttp_send_reply(rq->req, status, NULL, NULL);
    rq->req = NULL;
    if (rq->timer != NULL) {
        event_del(rq->timer);
    }
    secs = elapsed(&rq->t0);
    sbgw_metrics_request(&rq->gw->metrics, rq->route, status, rq->indication[0] != '\0' ? rq->indication : NULL,
                         secs);
    if (!sbgw_log_enabled(&rq->gw->log, SBGW_LOG_INFO)) {
        return;                 /* the access line below costs more than the rest of this function */
    }
    sbgw_log_kv(&rq->gw->log, SBGW_LOG_INFO, rq->id,
                json_pack("{s:s,s:s,s:s,s:i,s:f,s:s?,s:s,s:s?,s:s?}", "listener", sbgw_listener_name(rq->l->kind),
                          "method", rq->method, "path", rq->path, "status", status, "dur_ms", secs * 1000.0,
                          "client", rq->client[0] != '\0' ? rq->client : NULL, "route", rq->route,
                          "indication", rq->indication[0] != '\0' ? rq->indication : NULL,
                          "reason", rq->reason[0] != '\0' ? rq->reason : NULL),
                "request");
}

void sbgw_reply_json(struct sbgw_req *rq, int status, const char *json)
{
    sbgw_reply(rq, status, "application/json", json, strlen(json));
}

void sbgw_reply_json_value(struct sbgw_req *rq, int status, json_t *o, enum sbgw_http_error on_failure)
{
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

    json_decref(o);
    if (text == NULL) {
        sbgw_reply_error(rq, on_failure, NULL);
        return;
    }
    sbgw_reply_json(rq, status, text);
    free(text);
}

char *sbgw_error_json(const char *code, const char *msg, int status)
{
    json_t *o = json_pack("{s:{s:s,s:s,s:i}}", "error", "code", code, "message", msg, "status", status);
    char *text;

    if (o == NULL) {          /* msg not valid UTF-8 */
        o = json_pack("{s:{s:s,s:s,s:i}}", "error", "code", code, "message", "(message not valid UTF-8)", "status",
                      status);
    }
    text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

static void reply_error_text(struct sbgw_req *rq, const char *code, const char *msg, int status)
{
    char *text = sbgw_error_json(code, msg, status);

    if (rq->reason[0] == '\0') {
        snprintf(rq->reason, sizeof(rq->reason), "%s", code);
    }
    if (text == NULL) {
        sbgw_reply_json(rq, 500, "{\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"out of memory\","
                                 "\"status\":500}}");
        return;
    }
    sbgw_reply_json(rq, status, text);
    free(text);
}

void sbgw_reply_error(struct sbgw_req *rq, enum sbgw_http_error e, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    int status = sbgw_http_error_status(e);

    if (rq->req == NULL) {
        return;
    }
    va_start(ap, fmt);
    sbgw_http_error_vformat(msg, sizeof(msg), e, fmt, ap);
    va_end(ap);
    if (status == 503) {
        sbgw_reply_header(rq, "Retry-After", "1");
    }
    reply_error_text(rq, sbgw_http_error_name(e), msg, status);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_req *rq = arg;
    struct sbgw_verify_job *j = rq->job;

    (void)fd;
    (void)what;
    if (j != NULL) {
        __atomic_store_n(&j->w.cancelled, 1, __ATOMIC_RELEASE);
    }
    sbgw_reply_error(rq, SBGW_E_TIMEOUT, "no answer within request_timeout_ms");
}

void sbgw_req_deadline(struct sbgw_req *rq, int ms)
{
    struct timeval tv;

    if (rq->timer == NULL && (rq->timer = evtimer_new(rq->gw->base, deadline_cb, rq)) == NULL) {
        return;
    }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evtimer_add(rq->timer, &tv);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static int method_is(struct sbgw_req *rq, int allowed, const char *allow_hdr)
{
    if ((evhttp_request_get_command(rq->req) & allowed) != 0) {
        return 1;
    }
    sbgw_reply_header(rq, "Allow", allow_hdr);
    sbgw_reply_error(rq, SBGW_E_METHOD_NOT_ALLOWED, "%s is not allowed on %s (allowed: %s)", rq->method, rq->path,
                     allow_hdr);
    return 0;
}

static void route_request(struct sbgw_req *rq, struct sbgw_snap *s, const char *path)
{
    const int get = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD;
    int api = rq->l->kind == SBGW_L_API;
    const struct sbgw_route *r;

    if (strcmp(path, "/healthz") == 0) {
        snprintf(rq->route, sizeof(rq->route), "healthz");
        if (method_is(rq, get, "GET, HEAD")) {
            sbgw_api_healthz(rq);
        }
    } else if (strcmp(path, "/readyz") == 0) {
        snprintf(rq->route, sizeof(rq->route), "readyz");
        if (method_is(rq, get, "GET, HEAD")) {
            sbgw_api_readyz(rq, s);
        }
    } else if (strcmp(path, "/metrics") == 0) {
        snprintf(rq->route, sizeof(rq->route), "metrics");
        if (method_is(rq, get, "GET, HEAD")) {
            sbgw_api_metrics(rq, s);
        }
    } else if (strcmp(path, "/v1/policies") == 0) {
        snprintf(rq->route, sizeof(rq->route), "policies");
        if (method_is(rq, get, "GET, HEAD")) {
            sbgw_api_policies(rq, s);
        }
    } else if (api && strcmp(path, "/v1/verify") == 0) {
        snprintf(rq->route, sizeof(rq->route), "verify");
        if (method_is(rq, EVHTTP_REQ_POST, "POST")) {
            sbgw_api_verify(rq, s);
        }
    } else if (api && strcmp(path, "/v1/translate") == 0) {
        snprintf(rq->route, sizeof(rq->route), "translate");
        if (method_is(rq, EVHTTP_REQ_POST, "POST")) {
            sbgw_api_translate(rq, s);
        }
    } else if (!api && strcmp(path, "/admin/reload") == 0) {
        snprintf(rq->route, sizeof(rq->route), "reload");
        if (method_is(rq, EVHTTP_REQ_POST, "POST")) {
            sbgw_api_reload(rq);
        }
    } else if (api && (r = sbgw_config_route(s->cfg, path)) != NULL) {
        snprintf(rq->route, sizeof(rq->route), "proxy:%s", r->name);
        sbgw_proxy(rq, s, r);
    } else {
        snprintf(rq->route, sizeof(rq->route), "other");
        sbgw_reply_error(rq, SBGW_E_NOT_FOUND, "no resource %s on the %s listener", path,
                         sbgw_listener_name(rq->l->kind));
    }
}

static void dispatch(struct evhttp_request *req, void *arg)
{
    struct sbgw_listener *l = arg;
    struct sbgw *gw = l->gw;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct sbgw_req *rq;
    struct sbgw_snap *s = NULL;
    const char *path, *hid;

    if ((rq = calloc(1, sizeof(*rq))) == NULL) {
        evhttp_send_error(req, sbgw_http_error_status(SBGW_E_OVERLOADED), NULL);   /* no memory for a body */
        return;
    }
    gw->live_reqs++;
    rq->gw = gw;
    rq->l = l;
    rq->req = req;
    rq->refs = 1;
    clock_gettime(CLOCK_MONOTONIC, &rq->t0);
    rq->method = method_name(evhttp_request_get_command(req));
    snprintf(rq->route, sizeof(rq->route), "other");
    hid = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Request-Id");
    if (hid != NULL && req_id_ok(hid)) {
        snprintf(rq->id, sizeof(rq->id), "%s", hid);
    } else {
        snprintf(rq->id, sizeof(rq->id), "%s-%llx", gw->id_prefix, ++gw->req_seq);
    }
    path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    if (path == NULL || path[0] == '\0') {
        path = "/";
    }
    snprintf(rq->path, sizeof(rq->path), "%s", path);
    if (req->major != 1 || (req->minor != 0 && req->minor != 1)) {
        /* libevent 2.1 would answer in the version it parsed ("HTTP/1.44", "HTTP/0.1" without a length):
         * refuse in HTTP/1.1 and close, so the client can frame the reply */
        int major = req->major, minor = req->minor;

        req->major = 1;
        req->minor = 1;
        sbgw_reply_header(rq, "Connection", "close");
        sbgw_reply_error(rq, SBGW_E_HTTP_VERSION_NOT_SUPPORTED, "HTTP version %d.%d is not supported (1.0 or 1.1)",
                         major, minor);
        goto out;
    }
    if ((s = sbgw_snap_get(gw)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_NOT_READY, "no configuration loaded");
        goto out;
    }
    if (evcon != NULL && conn_track(gw, evcon, s->cfg->limits.max_connections) != 0) {
        sbgw_reply_header(rq, "Connection", "close");
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "too many connections (limits.max_connections = %d)",
                         s->cfg->limits.max_connections);
        goto out;
    }
    if (l->tls && evcon != NULL) {
        sbgw_tls_client_id(evcon, &s->cfg->listeners[l->kind].tls, rq->client, sizeof(rq->client));
    }
    if (l->kind == SBGW_L_ADMIN && s->cfg->listeners[l->kind].tls.n_clients > 0 && rq->client[0] == '\0') {
        sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "the admin listener only serves the clients listed in "
                                               "listeners.admin.tls.clients");
        goto out;
    }
    if ((long long)evbuffer_get_length(evhttp_request_get_input_buffer(req)) > s->cfg->limits.max_body) {
        sbgw_reply_header(rq, "Connection", "close");
        sbgw_reply_error(rq, SBGW_E_BODY_TOO_LARGE, "request body of %zu bytes is over limits.max_body (%lld)",
                         evbuffer_get_length(evhttp_request_get_input_buffer(req)), s->cfg->limits.max_body);
        goto out;
    }
    route_request(rq, s, path);
out:
    sbgw_snap_unref(s);
    sbgw_req_unref(rq);
}

/* ---- listeners ------------------------------------------------------------------------------ */

static struct bufferevent *tls_bevcb(struct event_base *base, void *arg)
{
    struct sbgw_listener *l = arg;
    struct sbgw_snap *s = sbgw_snap_get(l->gw);
    struct bufferevent *bev = NULL;
    SSL *ssl = NULL;

    if (s != NULL && s->tls[l->kind] != NULL) {
        ssl = SSL_new(s->tls[l->kind]);
    }
    sbgw_snap_unref(s);
    if (ssl == NULL) {
        sbgw_log_error(&l->gw->log, "-", "listener %s: cannot create a TLS session", sbgw_listener_name(l->kind));
        return NULL;     /* evhttp then falls back to a plain socket, which fails the TLS client at once */
    }
    bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        SSL_free(ssl);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* The resume timer is always pending while a listener accepts (a long idle period, or 100 ms after an
 * accept error), so accept_error can find its listener among the base's events. */
static const struct timeval resume_idle = { 86400, 0 };

static void resume_accept(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_listener *l = arg;

    (void)fd;
    (void)what;
    if (l->bound != NULL && !l->gw->draining) {
        evconnlistener_enable(evhttp_bound_socket_get_listener(l->bound));
        evtimer_add(l->resume, &resume_idle);
    }
}

struct listener_search {
    const void *http;                         /* the evhttp that owns the failing evconnlistener */
    struct sbgw_listener *found;
};

static int match_resume_timer(const struct event_base *base, const struct event *ev, void *arg)
{
    struct listener_search *f = arg;
    struct sbgw_listener *l;

    (void)base;
    if (event_get_callback(ev) != resume_accept) {
        return 0;
    }
    l = event_get_callback_arg(ev);
    if ((const void *)l->http != f->http) {
        return 0;
    }
    f->found = l;
    return 1;
}

/* libevent hands the evconnlistener's own argument here, which evhttp set to the struct evhttp: the
 * sigbridge listener is found through its (always pending) resume timer. */
static void accept_error(struct evconnlistener *lst, void *arg)
{
    struct listener_search f = { arg, NULL };
    struct sbgw_listener *l;
    struct timeval tv = { 0, 100000 };
    int e = EVUTIL_SOCKET_ERROR();

    evconnlistener_disable(lst);
    event_base_foreach_event(evconnlistener_get_base(lst), match_resume_timer, &f);
    if ((l = f.found) == NULL) {
        return; /* draining: the listener stays disabled */
    }

    sbgw_log_kv(&l->gw->log, SBGW_LOG_WARN, "-", json_pack("{s:s,s:i}", "listener", sbgw_listener_name(l->kind),
                                                           "connections", (int)l->gw->n_conns),
                "accept failed: %s; pausing this listener for 100 ms", evutil_socket_error_to_string(e));
    evtimer_add(l->resume, &tv);
}

void sbgw_http_apply_limits(struct sbgw *gw, const struct sbgw_config *cfg)
{
    struct timeval tv;
    size_t i;

    tv.tv_sec = cfg->limits.idle_timeout_s;
    tv.tv_usec = 0;
    for (i = 0; i < SBGW_L__COUNT; i++) {
        struct evhttp *h = gw->listeners[i].http;

        if (h == NULL) {
            continue;
        }
        evhttp_set_max_body_size(h, (ev_ssize_t)(cfg->limits.max_body + BODY_SLACK));
        evhttp_set_max_headers_size(h, (ev_ssize_t)cfg->limits.max_headers);
        evhttp_set_timeout_tv(h, &tv);
    }
}

int sbgw_http_start(struct sbgw *gw, const struct sbgw_snap *s)
{
    size_t i;

    if ((gw->conns = calloc(CONN_BUCKETS, sizeof(*gw->conns))) == NULL) {
        return -1;
    }
    gw->conn_buckets = CONN_BUCKETS;
    for (i = 0; i < SBGW_L__COUNT; i++) {
        const struct sbgw_listener_conf *lc = &s->cfg->listeners[i];
        struct sbgw_listener *l = &gw->listeners[i];

        l->gw = gw;
        l->kind = (enum sbgw_listener_kind)i;
        if (!lc->enabled) {
            continue;
        }
        if ((l->http = evhttp_new(gw->base)) == NULL ||
            (l->resume = evtimer_new(gw->base, resume_accept, l)) == NULL) {
            sbgw_log_error(&gw->log, "-", "listener %s: out of memory", sbgw_listener_name(l->kind));
            return -1;
        }
        evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                                EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
        evhttp_set_default_content_type(l->http, "application/json");
        evhttp_set_gencb(l->http, dispatch, l);
        if (lc->tls.enabled) {
            l->tls = 1;
            evhttp_set_bevcb(l->http, tls_bevcb, l);
        }
        if ((l->bound = evhttp_bind_socket_with_handle(l->http, lc->address, (ev_uint16_t)lc->port)) == NULL) {
            sbgw_log_warn(&gw->log, "-", "listener %s: cannot listen on %s:%d", sbgw_listener_name(l->kind),
                          lc->address, lc->port);
            return -1;
        }
        evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(l->bound), accept_error);
        evtimer_add(l->resume, &resume_idle);
        sbgw_log_info(&gw->log, "-", "listening: %s on %s://%s:%d", sbgw_listener_name(l->kind),
                      lc->tls.enabled ? "https" : "http", lc->address, lc->port);
    }
    sbgw_http_apply_limits(gw, s->cfg);
    return 0;
}

void sbgw_http_stop_accepting(struct sbgw *gw)
{
    size_t i;

    for (i = 0; i < SBGW_L__COUNT; i++) {
        struct sbgw_listener *l = &gw->listeners[i];

        if (l->http != NULL && l->bound != NULL) {
            evhttp_del_accept_socket(l->http, l->bound);
            l->bound = NULL;
        }
        if (l->resume != NULL) {
            event_del(l->resume);
        }
    }
}

void sbgw_http_free(struct sbgw *gw)
{
    size_t i;
    struct sbgw_conn *c, *next;

    for (i = 0; i < SBGW_L__COUNT; i++) {
        struct sbgw_listener *l = &gw->listeners[i];

        if (l->http != NULL) {
            evhttp_free(l->http);      /* closes the remaining connections (their closecbs run) */
            l->http = NULL;
        }
        if (l->resume != NULL) {
            event_free(l->resume);
            l->resume = NULL;
        }
    }
    for (i = 0; gw->conns != NULL && i < gw->conn_buckets; i++) {
        for (c = gw->conns[i]; c != NULL; c = next) {
            next = c->next;
            free(c);
        }
    }
    free(gw->conns);
    gw->conns = NULL;
}
