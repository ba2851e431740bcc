/*
 * gateway/daemon/http.c — requests and replies of sigbridge's HTTP/1.1 server: request contexts, admission
 * on the head (routes, methods, client checks, each route's own checks), running a request once its body is
 * in, and every reply.
 *
 * Why our own server and not libevent 2.1's evhttp: evhttp has no hook before a body is read, no header
 * deadline, no connection cap counted from accept and no error-reply hook (its own replies are HTML), and
 * its parser accepts bare LF, obs-fold, duplicate Content-Length and "0x" chunk sizes — leniency a gateway in
 * front of other servers must not have. Framing is gateway/daemon/http_parse.c, connections http_conn.c,
 * listening sockets http_listen.c. evhttp remains the proxy's upstream client.
 *
 * Admission runs on the head alone, so a request that will be refused anyway (no route, wrong method,
 * unknown jurisdiction, client not allowed, wrong Content-Type, body over max_body) is answered before any
 * of its body is read, and its connection closes. Every reply goes through sbgw_reply: request id header,
 * metrics, one access-log line (never a body) — or, for a body sent while it arrives (proxy routes), through
 * sbgw_reply_stream_begin / _data / _end (or _abort), with the same head and the same single log line.
 */
#include "gateway/daemon/sbgw.h"
#include "gateway/daemon/http_conn.h"
#include "gateway/daemon/http_path.h"
#include "gateway/daemon/lifecycle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

/* ---- request contexts ----------------------------------------------------------------------- */

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

struct sbgw_req *sbgw_req_new(struct sbgw_conn *conn, struct sbgw_listener *l, struct sbgw_http_head *head,
                              const char *peer, const char *client)
{
    struct sbgw *gw = l->gw;
    struct sbgw_req *rq = calloc(1, sizeof(*rq));
    const char *hid;

    if (rq == NULL || (rq->body = evbuffer_new()) == NULL || (rq->out_headers = malloc(sizeof(*rq->out_headers))) == NULL) {
        if (rq != NULL && rq->body != NULL) {
            evbuffer_free(rq->body);
        }
        free(rq);
        if (head != NULL) {
            sbgw_http_head_free(head);
            free(head);
        }
        return NULL;
    }
    TAILQ_INIT(rq->out_headers);
    __atomic_add_fetch(&gw->live_reqs, 1, __ATOMIC_ACQ_REL);
    rq->gw = gw;
    rq->loop = sbgw_conn_loop(conn);
    rq->l = l;
    rq->conn = conn;
    rq->head = head;
    rq->refs = 1;
    clock_gettime(CLOCK_MONOTONIC, &rq->t0);
    rq->method = head != NULL ? head->method_text : "-";
    snprintf(rq->path, sizeof(rq->path), "%s", head != NULL ? head->path : "-");
    snprintf(rq->peer, sizeof(rq->peer), "%s", peer);
    snprintf(rq->client, sizeof(rq->client), "%s", client);
    snprintf(rq->route, sizeof(rq->route), "other");
    /* the id is always the server's: a client's id could collide with another request's (issue 24); a
     * syntactically valid one is kept apart for the access log and the audit record */
    snprintf(rq->id, sizeof(rq->id), "%s-%llx", gw->id_prefix,
             __atomic_add_fetch(&gw->req_seq, 1, __ATOMIC_RELAXED));
    hid = head != NULL ? sbgw_http_head_field(head, "X-Request-Id") : NULL;
    if (hid != NULL && req_id_ok(hid)) {
        snprintf(rq->client_req_id, sizeof(rq->client_req_id), "%s", hid);
    }
    return rq;
}

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
    if (!rq->answered) {                        /* never leave a client without an answer */
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "request dropped without an answer");
    }
    sbgw_reply_stream_abort(rq);                /* a streamed reply left unfinished: its connection closes */
    if (rq->timer != NULL) {
        event_free(rq->timer);
    }
    if (rq->head != NULL) {
        sbgw_http_head_free(rq->head);
        free(rq->head);
    }
    free(rq->npath);
    evbuffer_free(rq->body);
    evhttp_clear_headers(rq->out_headers);
    free(rq->out_headers);
    sbgw_snap_unref(rq->snap);
    free(rq);
    __atomic_sub_fetch(&gw->live_reqs, 1, __ATOMIC_ACQ_REL);
    sbgw_drain_check(gw);
}

const char *sbgw_req_header(const struct sbgw_req *rq, const char *name)
{
    return rq->head != NULL ? sbgw_http_head_field(rq->head, name) : NULL;
}

const char *sbgw_req_query(const struct sbgw_req *rq)
{
    return rq->head != NULL ? rq->head->query : NULL;
}

const char *sbgw_req_who(const struct sbgw_req *rq)
{
    if (rq->client[0] != '\0') {
        return rq->client;
    }
    return rq->cert_unmapped ? "(the client certificate maps to no configured client id)" : "(no client certificate)";
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
    if (!rq->answered) {
        if (strcasecmp(name, "Connection") == 0) {
            rq->close |= strcasecmp(value, "close") == 0;
            return;
        }
        evhttp_add_header(rq->out_headers, name, value);
    }
}

static const char *status_text(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

/* The reply's bytes: status line, headers, body (none for HEAD, with the length a GET gets). */
static struct evbuffer *serialize(struct sbgw_req *rq, int status, const char *content_type, const char *body,
                                  size_t len, int close)
{
    struct evbuffer *b = evbuffer_new();
    struct evkeyval *kv;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;

    if (b == NULL) {
        return NULL;
    }
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    evbuffer_add_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                           "X-Request-Id: %s\r\n", status, status_text(status), date, content_type, len, rq->id);
    if (evhttp_find_header(rq->out_headers, "Cache-Control") == NULL) {
        evbuffer_add_printf(b, "Cache-Control: no-store\r\n");
    }
    for (kv = rq->out_headers->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        if (strcasecmp(kv->key, "Content-Type") != 0 && strcasecmp(kv->key, "Content-Length") != 0 &&
            strcasecmp(kv->key, "Date") != 0) {      /* ours only (a relayed upstream reply has its own) */
            evbuffer_add_printf(b, "%s: %s\r\n", kv->key, kv->value);
        }
    }
    if (close) {
        evbuffer_add_printf(b, "Connection: close\r\n");
    } else if (rq->head != NULL && rq->head->minor == 0) {
        evbuffer_add_printf(b, "Connection: keep-alive\r\n");
    }
    evbuffer_add(b, "\r\n", 2);
    if (body != NULL && len > 0 && (rq->head == NULL || rq->head->method != SBGW_M_HEAD)) {
        evbuffer_add(b, body, len);
    }
    return b;
}

/* Metrics and the access-log line of rq's reply (once, when it is complete). */
static void account(struct sbgw_req *rq, int status)
{
    double secs = elapsed(&rq->t0);

    sbgw_metrics_request(&rq->gw->metrics, rq->route, status, rq->indication[0] != '\0' ? rq->indication : NULL,
                         secs);
    if (!sbgw_log_enabled(&rq->gw->log, SBGW_LOG_INFO)) {
        return;                 /* the access line below costs more than the rest of this function */
    }
    sbgw_log_kv(&rq->gw->log, SBGW_LOG_INFO, rq->id,
                json_pack("{s:s,s:s,s:s,s:i,s:f,s:s?,s:s,s:s?,s:s?,s:s?}", "listener",
                          sbgw_listener_name(rq->l->kind), "method", rq->method, "path", rq->path, "status", status,
                          "dur_ms", secs * 1000.0, "client", rq->client[0] != '\0' ? rq->client : NULL, "route",
                          rq->route, "indication", rq->indication[0] != '\0' ? rq->indication : NULL,
                          "reason", rq->reason[0] != '\0' ? rq->reason : NULL, "client_request_id",
                          rq->client_req_id[0] != '\0' ? rq->client_req_id : NULL),
                "request");
}

static int reply_closes(const struct sbgw_req *rq)
{
    return rq->close || rq->head == NULL || !rq->head->keep_alive || sbgw_conn_must_close(rq->conn);
}

void sbgw_reply(struct sbgw_req *rq, int status, const char *content_type, const char *body, size_t len)
{
    struct evbuffer *out;
    int close;

    if (rq->answered) {
        return;
    }
    rq->answered = 1;
    if (rq->timer != NULL) {
        event_del(rq->timer);
    }
    if (rq->conn != NULL) {
        close = reply_closes(rq);
        if ((out = serialize(rq, status, content_type, body, len, close)) == NULL) {
            close = 1;
            out = evbuffer_new();             /* out of memory: close without a reply */
        }
        if (out != NULL) {
            sbgw_conn_reply(rq->conn, out, close);
            evbuffer_free(out);
        }
    }
    account(rq, status);
}

/* ---- streamed replies ----------------------------------------------------------------------- */

int sbgw_reply_stream_begin(struct sbgw_req *rq, int status, const char *content_type, long long length,
                            sbgw_stream_fn cb, void *arg)
{
    struct evbuffer *head;
    int close;

    if (rq->answered) {
        return -1;
    }
    rq->answered = 1;
    if (rq->timer != NULL) {
        event_del(rq->timer);
    }
    if (rq->conn == NULL) {
        if (rq->reason[0] == '\0') {
            snprintf(rq->reason, sizeof(rq->reason), "CLIENT_GONE");
        }
        account(rq, status);
        return -1;
    }
    close = reply_closes(rq);
    if (length < 0 || (head = serialize(rq, status, content_type, NULL, (size_t)length, close)) == NULL) {
        snprintf(rq->reason, sizeof(rq->reason), "INTERNAL_ERROR");
        if ((head = evbuffer_new()) != NULL) {
            sbgw_conn_reply(rq->conn, head, 1);   /* out of memory: close without a reply */
            evbuffer_free(head);
        }
        account(rq, status);
        return -1;
    }
    rq->streaming = 1;
    rq->stream_status = status;
    rq->stream_close = close;
    rq->stream_left = rq->head != NULL && rq->head->method == SBGW_M_HEAD ? 0 : length;
    rq->stream_cb = cb;
    rq->stream_arg = arg;
    sbgw_conn_stream_begin(rq->conn, head);
    evbuffer_free(head);
    return 0;
}

void sbgw_reply_stream_data(struct sbgw_req *rq, struct evbuffer *data)
{
    size_t n = evbuffer_get_length(data);

    if (rq->streaming && rq->conn != NULL && rq->stream_left > 0) {
        if ((long long)n > rq->stream_left) {
            n = (size_t)rq->stream_left;
        }
        if (n == evbuffer_get_length(data)) {
            sbgw_conn_stream_write(rq->conn, data);
        } else {
            struct evbuffer *part = evbuffer_new();

            if (part != NULL && evbuffer_remove_buffer(data, part, n) == (int)n) {
                sbgw_conn_stream_write(rq->conn, part);
            }
            if (part != NULL) {
                evbuffer_free(part);
            }
        }
        rq->stream_left -= (long long)n;
    }
    evbuffer_drain(data, evbuffer_get_length(data));    /* beyond the Content-Length, HEAD, no client */
}

size_t sbgw_reply_stream_pending(const struct sbgw_req *rq)
{
    return rq->streaming && rq->conn != NULL ? sbgw_conn_stream_pending(rq->conn) : 0;
}

static void stream_finish(struct sbgw_req *rq, int complete)
{
    if (!rq->streaming) {
        return;
    }
    rq->streaming = 0;
    rq->stream_cb = NULL;
    rq->stream_arg = NULL;
    if (!complete || rq->stream_left > 0) {
        complete = 0;
        if (rq->reason[0] == '\0') {
            snprintf(rq->reason, sizeof(rq->reason), "REPLY_TRUNCATED");
        }
    }
    if (rq->conn != NULL) {
        sbgw_conn_stream_end(rq->conn, rq->stream_close || !complete);
    }
    account(rq, rq->stream_status);
}

void sbgw_reply_stream_end(struct sbgw_req *rq)
{
    stream_finish(rq, 1);
}

void sbgw_reply_stream_abort(struct sbgw_req *rq)
{
    stream_finish(rq, 0);
}

void sbgw_req_stream_event(struct sbgw_req *rq, int gone)
{
    if (rq != NULL && rq->streaming && rq->stream_cb != NULL) {
        rq->stream_cb(rq, gone, rq->stream_arg);
    }
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

    if (rq->answered) {
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

    if (rq->timer == NULL && (rq->timer = evtimer_new(rq->loop->base, deadline_cb, rq)) == NULL) {
        return;
    }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evtimer_add(rq->timer, &tv);
}

/* ---- routes --------------------------------------------------------------------------------- */

static void run_healthz(struct sbgw_req *rq, struct sbgw_snap *s)
{
    (void)s;
    sbgw_api_healthz(rq);
}

static void run_reload(struct sbgw_req *rq, struct sbgw_snap *s)
{
    (void)s;
    sbgw_api_reload(rq);
}

#define GET_HEAD (SBGW_M_GET | SBGW_M_HEAD)
#define PROXY_METHODS (SBGW_M_GET | SBGW_M_HEAD | SBGW_M_POST | SBGW_M_PUT | SBGW_M_DELETE | SBGW_M_PATCH | \
                       SBGW_M_OPTIONS)

enum route_on { ON_BOTH, ON_API, ON_ADMIN };

static const struct route_row {
    const char *path;
    enum route_on on;
    unsigned methods;
    const char *allow;                        /* the Allow header of a 405 */
    const char *label;                        /* metrics / audit */
    int needs_client;                         /* on a listener with tls.clients: a mapped client id only */
    sbgw_admit_fn admit;                      /* NULL: nothing to check before the body */
    sbgw_run_fn run;
} routes[] = {
    { "/healthz", ON_BOTH, GET_HEAD, "GET, HEAD", "healthz", 0, NULL, run_healthz },
    { "/readyz", ON_BOTH, GET_HEAD, "GET, HEAD", "readyz", 0, NULL, sbgw_api_readyz },
    { "/metrics", ON_BOTH, GET_HEAD, "GET, HEAD", "metrics", 1, NULL, sbgw_api_metrics },
    { "/v1/policies", ON_BOTH, GET_HEAD, "GET, HEAD", "policies", 1, NULL, sbgw_api_policies },
    { "/v1/verify", ON_API, SBGW_M_POST, "POST", "verify", 0, sbgw_api_verify_admit, sbgw_api_verify },
    { "/v1/translate", ON_API, SBGW_M_POST, "POST", "translate", 0, sbgw_api_translate_admit, sbgw_api_translate },
    { "/admin/reload", ON_ADMIN, SBGW_M_POST, "POST", "reload", 0, NULL, run_reload },
};

/* Find the route of rq (on its normalised path): 1 with rq->route / rq->run set (and admit in *admit), 0
 * answered (400 / 403 / 404 / 405). */
static int route_find(struct sbgw_req *rq, struct sbgw_snap *s, sbgw_admit_fn *admit)
{
    int api = rq->l->kind == SBGW_L_API;
    const char *path = rq->npath;
    unsigned m = (unsigned)rq->head->method;
    const struct sbgw_route *r;
    size_t i;

    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct route_row *row = &routes[i];

        if ((row->on == ON_API && !api) || (row->on == ON_ADMIN && api) || strcmp(path, row->path) != 0) {
            continue;
        }
        snprintf(rq->route, sizeof(rq->route), "%s", row->label);
        if (row->needs_client && s->cfg->listeners[rq->l->kind].tls.n_clients > 0 && rq->client[0] == '\0') {
            sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "client %s may not read %s: only the clients of listeners.%s.tls."
                             "clients may", sbgw_req_who(rq), row->path, sbgw_listener_name(rq->l->kind));
            return 0;
        }
        if ((m & row->methods) == 0) {
            sbgw_reply_header(rq, "Allow", row->allow);
            sbgw_reply_error(rq, SBGW_E_METHOD_NOT_ALLOWED, "%s is not allowed on %s (allowed: %s)", rq->method,
                             rq->path, row->allow);
            return 0;
        }
        *admit = row->admit;
        rq->run = row->run;
        return 1;
    }
    if (api && (r = sbgw_config_route(s->cfg, path)) != NULL) {
        snprintf(rq->route, sizeof(rq->route), "proxy:%s", r->name);
        if (rq->head->target[0] != '/') {
            sbgw_reply_error(rq, SBGW_E_BAD_REQUEST, "route %s takes origin-form request-targets only (a path and "
                             "query, not an absolute URI)", r->name);
            return 0;
        }
        if ((m & PROXY_METHODS) == 0) {
            sbgw_reply_header(rq, "Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
            sbgw_reply_error(rq, SBGW_E_METHOD_NOT_ALLOWED, "%s is not allowed on %s", rq->method, rq->path);
            return 0;
        }
        rq->proxy_route = r;
        *admit = sbgw_proxy_admit;
        rq->run = sbgw_proxy;
        return 1;
    }
    sbgw_reply_error(rq, SBGW_E_NOT_FOUND, "no resource %s on the %s listener", path, sbgw_listener_name(rq->l->kind));
    return 0;
}

/* rq->npath from the head's path; 0 answered (400). Refused besides what http_path.h refuses: a path whose
 * spelling names a proxy route (its escapes decoded) but whose dot-segments lead out of it — the request
 * would reach something else than what the route's checks were chosen for. */
static int normalise(struct sbgw_req *rq, const struct sbgw_snap *s)
{
    const char *raw = rq->head->path;
    size_t len = strlen(raw) + 1;
    const struct sbgw_route *named, *r;
    char msg[160], *spelled;

    if ((rq->npath = malloc(len)) == NULL || (spelled = malloc(len)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "out of memory");
        return 0;
    }
    if (strcmp(raw, "*") == 0) {                /* OPTIONS *: no path to normalise (and no route) */
        memcpy(rq->npath, raw, len);
        free(spelled);
        return 1;
    }
    if (sbgw_http_path_normalise(raw, rq->npath, len, msg, sizeof(msg)) != 0 ||
        sbgw_http_path_decode(raw, spelled, len, msg, sizeof(msg)) != 0) {
        free(spelled);
        sbgw_reply_error(rq, SBGW_E_BAD_REQUEST, "%s", msg);
        return 0;
    }
    snprintf(rq->path, sizeof(rq->path), "%s", rq->npath);
    named = rq->l->kind == SBGW_L_API ? sbgw_config_route(s->cfg, spelled) : NULL;
    r = rq->l->kind == SBGW_L_API ? sbgw_config_route(s->cfg, rq->npath) : NULL;
    free(spelled);
    if (named != NULL && named != r) {
        snprintf(rq->route, sizeof(rq->route), "proxy:%s", named->name);
        sbgw_reply_error(rq, SBGW_E_BAD_REQUEST, "path escapes route %s: its dot-segments lead out of %s", named->name,
                         named->prefix);
        return 0;
    }
    return 1;
}

int sbgw_http_admit(struct sbgw_req *rq)
{
    const struct sbgw_http_head *h = rq->head;
    struct sbgw_snap *s;
    sbgw_admit_fn admit = NULL;

    if ((s = rq->snap = sbgw_snap_get(rq->gw)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_NOT_READY, "no configuration loaded");
        return 0;
    }
    if (h->method == SBGW_M_CONNECT) {
        rq->close = 1;
        sbgw_reply_error(rq, SBGW_E_NOT_IMPLEMENTED, "CONNECT is not supported: sigbridge is not a forward proxy");
        return 0;
    }
    if (h->method == SBGW_M_OTHER) {
        sbgw_reply_error(rq, SBGW_E_NOT_IMPLEMENTED, "method %.32s is not implemented", h->method_text);
        return 0;
    }
    if (!normalise(rq, s)) {
        return 0;
    }
    if (h->content_length > s->cfg->limits.max_body) {
        sbgw_reply_error(rq, SBGW_E_BODY_TOO_LARGE, "request body of %lld bytes is over limits.max_body (%lld)",
                         h->content_length, s->cfg->limits.max_body);
        return 0;
    }
    if (rq->l->kind == SBGW_L_ADMIN && s->cfg->listeners[SBGW_L_ADMIN].tls.n_clients > 0 && rq->client[0] == '\0') {
        sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "the admin listener only serves the clients listed in "
                                               "listeners.admin.tls.clients");
        return 0;
    }
    if (!route_find(rq, s, &admit)) {
        return 0;
    }
    return admit == NULL || admit(rq, s);
}

void sbgw_http_run(struct sbgw_req *rq)
{
    if (rq->run != NULL && !rq->answered) {
        rq->run(rq, rq->snap);
    }
    sbgw_req_unref(rq);                       /* the connection's reference */
}
