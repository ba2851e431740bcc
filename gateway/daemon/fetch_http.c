/*
 * gateway/daemon/fetch_http.c — one fetch on the network, on the fetcher's thread (fetch.h): resolve the
 * host asynchronously (evdns_getaddrinfo; an IP literal needs none), connect to the address found (https:
 * a libevent_openssl bufferevent, SNI and the URL's host verified by OpenSSL), send one request with libevent's
 * evhttp client (Connection: close), and read the reply under the fetch's rules: the total deadline is a
 * timer of our own armed once for the whole fetch, redirects included (evhttp's timeout is per read); a
 * Content-Length over the cap is refused on the head and a body is counted as it streams in (evhttp's
 * chunked callback, and its max body size as a second bound); a non-2xx status ends the fetch on the head; a
 * redirect is decided on the head too, and followed only to a Location inside the allow-list (the refused
 * target is never resolved or contacted).
 *
 * Every end goes through the flight's kick event (or the deadline's callback), never from inside an evhttp or
 * evdns callback, so the connection is cancelled and freed outside libevent's frames. The DNS context is
 * owned by its callback, which libevent always calls (with EVUTIL_EAI_CANCEL after a cancel).
 */
#include "gateway/daemon/fetch_local.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#define MAX_HEADERS_SIZE (64 * 1024)

struct fetch_dns {
    struct fetch_flight *fl;             /* NULL once the flight let go of this resolution */
    struct evdns_getaddrinfo_request *req;
    int starting;                        /* inside evdns_getaddrinfo: an answer now is kept for the caller */
    int answered, err;
    struct evutil_addrinfo *ai;
};

SSL_CTX *fetch_http_ssl_ctx(const char *ca_file, char *err, size_t errlen)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());

    if (c == NULL) {
        fetch_cause(err, errlen, "cannot make the fetcher's TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
    if (ca_file != NULL ? SSL_CTX_load_verify_locations(c, ca_file, NULL) != 1
                        : SSL_CTX_set_default_verify_paths(c) != 1) {
        fetch_cause(err, errlen, "cannot load the CA certificates for https fetches (%s)",
                    ca_file != NULL ? ca_file : "system store");
        SSL_CTX_free(c);
        ERR_clear_error();
        return NULL;
    }
    return c;
}

/* The first failure decides; the flight ends from its kick event. */
static void fail(struct fetch_flight *fl, enum sbgw_fetch_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct fetch_flight *fl, enum sbgw_fetch_status st, const char *fmt, ...)
{
    va_list ap;

    if (fl->status == SBGW_FETCH_OK) {
        fl->status = st;
        va_start(ap, fmt);
        vsnprintf(fl->cause, sizeof(fl->cause), fmt, ap);
        va_end(ap);
    }
    if (fl->kick != NULL) {
        event_active(fl->kick, EV_TIMEOUT, 0);
    }
}

/* Cancel the request and free the connection (never from inside evhttp's callbacks). */
static void teardown_conn(struct fetch_flight *fl)
{
    if (fl->req != NULL) {
        struct evhttp_request *r = fl->req;

        fl->req = NULL;
        evhttp_cancel_request(r);                /* calls the error callback only */
    }
    if (fl->evcon != NULL) {
        evhttp_connection_free(fl->evcon);       /* frees the bufferevent and its SSL */
        fl->evcon = NULL;
    }
    fl->ssl = NULL;
}

void fetch_http_abort(struct fetch_flight *fl)
{
    if (fl->dns != NULL) {
        struct fetch_dns *d = fl->dns;

        fl->dns = NULL;
        d->fl = NULL;
        if (d->req != NULL) {
            evdns_getaddrinfo_cancel(d->req);    /* its callback frees d */
        }
    }
    teardown_conn(fl);
    if (fl->deadline != NULL) {
        event_free(fl->deadline);
        fl->deadline = NULL;
    }
    if (fl->kick != NULL) {
        event_free(fl->kick);
        fl->kick = NULL;
    }
}

static int remaining_ms(const struct fetch_flight *fl)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long)fl->timeout_ms - ((long long)(now.tv_sec - fl->t0.tv_sec) * 1000 +
                                      (now.tv_nsec - fl->t0.tv_nsec) / 1000000);
    return ms < 1 ? 1 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* A Content-Length of digits only, else -1. */
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

/* ---- evhttp's callbacks ---- */

static void on_error(enum evhttp_request_error err, void *arg)
{
    struct fetch_flight *fl = arg;

    fl->errored = 1;
    fl->evreq_err = (int)err;
}

/* A 3xx with a Location: follow it only inside the allow-list (decided here, contacted from the kick). */
static void redirect(struct fetch_flight *fl, int code, const char *loc)
{
    struct fetch_url next;
    char cause[200], *abs;
    enum sbgw_fetch_status st;

    if (loc == NULL) {
        fail(fl, SBGW_FETCH_REDIRECT_REFUSED, "HTTP %d from %s without a Location", code, fl->cur.text);
        return;
    }
    if (fl->hops >= SBGW_FETCH_MAX_HOPS) {
        fail(fl, SBGW_FETCH_REDIRECT_REFUSED, "more than %d redirects (the last from %s)", SBGW_FETCH_MAX_HOPS,
             fl->cur.text);
        return;
    }
    if ((abs = fetch_url_resolve(&fl->cur, loc)) == NULL) {
        fail(fl, SBGW_FETCH_REDIRECT_REFUSED, "HTTP %d from %s with an unusable Location", code, fl->cur.text);
        return;
    }
    st = fetch_url_parse(abs, &next, cause, sizeof(cause));
    free(abs);
    if (st != SBGW_FETCH_OK) {
        fail(fl, SBGW_FETCH_REDIRECT_REFUSED, "redirect from %s refused: %s", fl->cur.text, cause);
    } else if (!fetch_allow_match(fl->allow, &next)) {
        fail(fl, SBGW_FETCH_REDIRECT_REFUSED, "redirect from %s to %s refused: outside the fetch allow-list (not "
             "contacted)", fl->cur.text, next.text);
    } else if ((fl->next_url = strdup(next.text)) == NULL) {
        fail(fl, SBGW_FETCH_INTERNAL, "out of memory");
    } else if (code == 303 || ((code == 301 || code == 302) && fl->hop_method == SBGW_FETCH_POST)) {
        fl->hop_method = SBGW_FETCH_GET;         /* RFC 9110 §15.4.2-4: the redirected request becomes a GET */
    }
    fetch_url_clear(&next);
}

/* The reply's head (negative: evhttp fails the request, then on_done). */
static int on_head(struct evhttp_request *req, void *arg)
{
    struct fetch_flight *fl = arg;
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *ct = evhttp_find_header(h, "Content-Type"), *te = evhttp_find_header(h, "Transfer-Encoding");
    int code = evhttp_request_get_response_code(req);
    long long cl;

    if (code < 100 || code > 999) {
        /* libevent 2.1 takes the status code with atoi() and refuses only 0: "2xyz", "-5", "2000" come
         * through. Not an HTTP status (RFC 9112 §4: three digits); never reported as one */
        fail(fl, SBGW_FETCH_PROTOCOL, "%s sent a malformed status line (status code %d)", fl->cur.text, code);
        return -1;
    }
    if (code >= 100 && code < 200) {
        return 0;                                /* interim: evhttp reads on after 100, ends after others
                                                  * (on_done refuses those) */
    }
    fl->got_head = 1;
    fl->http_status = code;
    free(fl->reply_type);
    fl->reply_type = ct != NULL ? strdup(ct) : NULL;
    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
        redirect(fl, code, evhttp_find_header(h, "Location"));
        if (fl->next_url != NULL) {
            event_active(fl->kick, EV_TIMEOUT, 0);
        }
        return -1;                               /* the body of a redirect is not read */
    }
    if (code < 200 || code > 299) {
        fail(fl, SBGW_FETCH_HTTP_STATUS, "HTTP %d from %s", code, fl->cur.text);
        return -1;
    }
    cl = te != NULL && strcasecmp(te, "chunked") == 0 ? -1 : parse_length(evhttp_find_header(h, "Content-Length"));
    if (cl >= 0 && (unsigned long long)cl > fl->max_bytes) {
        fail(fl, SBGW_FETCH_TOO_LARGE, "%s declares %lld bytes, over the cap of %zu bytes (not read)", fl->cur.text,
             cl, fl->max_bytes);
        return -1;
    }
    return 0;
}

/* A piece of the body (evhttp drains the input buffer afterwards). */
static void on_body(struct evhttp_request *req, void *arg)
{
    struct fetch_flight *fl = arg;
    struct evbuffer *buf = evhttp_request_get_input_buffer(req);
    size_t have;

    if (fl->status != SBGW_FETCH_OK) {
        return;
    }
    if (fl->in == NULL && (fl->in = evbuffer_new()) == NULL) {
        fail(fl, SBGW_FETCH_INTERNAL, "out of memory");
        return;
    }
    have = evbuffer_get_length(fl->in);
    if (have + evbuffer_get_length(buf) > fl->max_bytes) {
        fail(fl, SBGW_FETCH_TOO_LARGE, "the body from %s grew past the cap of %zu bytes (cut)", fl->cur.text,
             fl->max_bytes);
        return;
    }
    evbuffer_add_buffer(fl->in, buf);
}

/* The exchange is over: req complete, or NULL / response code 0 when it failed. */
static void on_done(struct evhttp_request *req, void *arg)
{
    struct fetch_flight *fl = arg;
    int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
    long vr;

    fl->req = NULL;                              /* evhttp frees it */
    if (fl->status != SBGW_FETCH_OK || fl->next_url != NULL) {
        event_active(fl->kick, EV_TIMEOUT, 0);
        return;
    }
    if (code == 0 && fl->ssl != NULL && (vr = SSL_get_verify_result(fl->ssl)) != X509_V_OK) {
        fail(fl, SBGW_FETCH_TLS_FAILED, "TLS to %s: certificate verification failed: %s", fl->cur.text,
             X509_verify_cert_error_string(vr));
        ERR_clear_error();
        return;
    }
    if (code == 0 && fl->ssl != NULL && fl->errored && !SSL_is_init_finished(fl->ssl)) {
        fail(fl, SBGW_FETCH_TLS_FAILED, "TLS to %s: the handshake failed", fl->cur.text);
        ERR_clear_error();
        return;
    }
    if (code == 0 && !fl->errored) {
        /* evhttp reports a failed connect (or TLS handshake) without its error callback */
        fail(fl, SBGW_FETCH_CONNECT_FAILED, fl->ssl != NULL ? "cannot connect to %s, or its TLS handshake failed"
                                                            : "cannot connect to %s", fl->cur.text);
        ERR_clear_error();
        return;
    }
    if (code == 0) {
        switch (fl->evreq_err) {
        case EVREQ_HTTP_TIMEOUT:
            fail(fl, SBGW_FETCH_TIMEOUT, "%s: no complete reply within %d ms", fl->cur.text, fl->timeout_ms);
            break;
        case EVREQ_HTTP_DATA_TOO_LONG:
            fail(fl, SBGW_FETCH_TOO_LARGE, "the body from %s is over the cap of %zu bytes (cut)", fl->cur.text,
                 fl->max_bytes);
            break;
        case EVREQ_HTTP_INVALID_HEADER:
            fail(fl, SBGW_FETCH_PROTOCOL, "%s sent a malformed reply head", fl->cur.text);
            break;
        default:
            fail(fl, SBGW_FETCH_PROTOCOL, fl->got_head ? "the reply from %s broke off"
                                                       : "%s closed the connection without a valid reply",
                 fl->cur.text);
            break;
        }
        ERR_clear_error();
        return;
    }
    if (code < 200 || code > 299) {
        /* libevent 2.1 reads past 100 Continue only: any other 1xx (103 Early Hints...) ends its exchange as
         * a complete reply without a body, and on_head let interim codes through. Not a 2xx: never OK. */
        fl->http_status = code;
        fail(fl, SBGW_FETCH_PROTOCOL, "%s sent an interim reply (HTTP %d) and no final one the client can read",
             fl->cur.text, code);
        return;
    }
    if (fl->in == NULL && (fl->in = evbuffer_new()) == NULL) {
        fail(fl, SBGW_FETCH_INTERNAL, "out of memory");
        return;
    }
    evbuffer_add_buffer(fl->in, evhttp_request_get_input_buffer(req));
    if (evbuffer_get_length(fl->in) > fl->max_bytes) {
        fail(fl, SBGW_FETCH_TOO_LARGE, "the body from %s is over the cap of %zu bytes", fl->cur.text, fl->max_bytes);
        return;
    }
    fl->finished = 1;
    event_active(fl->kick, EV_TIMEOUT, 0);
}

/* ---- one hop ---- */

static void connect_addr(struct fetch_flight *fl, const char *addr)
{
    struct sbgw_fetcher *f = fl->f;
    struct evhttp_request *req;
    struct evkeyvalq *h;
    struct bufferevent *bev;
    struct timeval tv;
    char hostport[300], *target;
    size_t tlen;
    int ms, rc;

    if (fl->cur.https) {
        SSL *ssl = SSL_new(f->ssl_ctx);
        X509_VERIFY_PARAM *vp = ssl != NULL ? SSL_get0_param(ssl) : NULL;
        int ip = fl->cur.ipv6 || inet_pton(AF_INET, fl->cur.host, hostport) == 1;

        if (ssl == NULL ||
            (!ip && SSL_set_tlsext_host_name(ssl, fl->cur.host) != 1) ||
            (ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, fl->cur.host) : X509_VERIFY_PARAM_set1_host(vp, fl->cur.host, 0))
                != 1) {
            SSL_free(ssl);
            ERR_clear_error();
            fail(fl, SBGW_FETCH_INTERNAL, "cannot set up TLS for %s", fl->cur.text);
            return;
        }
        X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if ((bev = bufferevent_openssl_socket_new(f->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                  BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL) {
            SSL_free(ssl);
            fail(fl, SBGW_FETCH_INTERNAL, "cannot set up TLS for %s", fl->cur.text);
            return;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        fl->ssl = ssl;
        fl->evcon = evhttp_connection_base_bufferevent_new(f->base, NULL, bev, addr, (ev_uint16_t)fl->cur.port);
        if (fl->evcon == NULL) {
            bufferevent_free(bev);
            fl->ssl = NULL;
        }
    } else {
        /* an IP address and no DNS base: libevent never resolves (or blocks) here */
        fl->evcon = evhttp_connection_base_new(f->base, NULL, addr, (ev_uint16_t)fl->cur.port);
    }
    if (fl->evcon == NULL || (req = evhttp_request_new(on_done, fl)) == NULL) {
        fail(fl, SBGW_FETCH_INTERNAL, "cannot make a connection object for %s", fl->cur.text);
        return;
    }
    ms = remaining_ms(fl);
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evhttp_connection_set_timeout_tv(fl->evcon, &tv);
    evhttp_connection_set_retries(fl->evcon, 0);
    evhttp_connection_set_max_body_size(fl->evcon, (ev_ssize_t)(fl->max_bytes < (size_t)LLONG_MAX / 2 ? fl->max_bytes
                                                                                                      : LLONG_MAX / 2));
    evhttp_connection_set_max_headers_size(fl->evcon, MAX_HEADERS_SIZE);
    evhttp_request_set_error_cb(req, on_error);
    evhttp_request_set_header_cb(req, on_head);
    evhttp_request_set_chunked_cb(req, on_body);
    h = evhttp_request_get_output_headers(req);
    if (fl->cur.port != (fl->cur.https ? 443 : 80)) {
        snprintf(hostport, sizeof(hostport), "%s%s%s:%d", fl->cur.ipv6 ? "[" : "", fl->cur.host,
                 fl->cur.ipv6 ? "]" : "", fl->cur.port);
    } else {
        snprintf(hostport, sizeof(hostport), "%s%s%s", fl->cur.ipv6 ? "[" : "", fl->cur.host, fl->cur.ipv6 ? "]" : "");
    }
    evhttp_add_header(h, "Host", hostport);
    evhttp_add_header(h, "User-Agent", f->user_agent);
    evhttp_add_header(h, "Connection", "close");
    if (fl->accept != NULL) {
        evhttp_add_header(h, "Accept", fl->accept);
    }
    if (fl->hop_method == SBGW_FETCH_POST) {
        if (fl->content_type != NULL) {
            evhttp_add_header(h, "Content-Type", fl->content_type);
        }
        evbuffer_add(evhttp_request_get_output_buffer(req), fl->body, fl->body_len);
    }
    tlen = strlen(fl->cur.path) + (fl->cur.query != NULL ? strlen(fl->cur.query) + 1 : 0) + 1;
    if ((target = malloc(tlen)) == NULL) {
        evhttp_request_free(req);
        fail(fl, SBGW_FETCH_INTERNAL, "out of memory");
        return;
    }
    snprintf(target, tlen, "%s%s%s", fl->cur.path, fl->cur.query != NULL ? "?" : "",
             fl->cur.query != NULL ? fl->cur.query : "");
    fl->req = req;
    /* (a connect refused at once calls on_done from inside this call) */
    rc = evhttp_make_request(fl->evcon, req, fl->hop_method == SBGW_FETCH_POST ? EVHTTP_REQ_POST : EVHTTP_REQ_GET,
                             target);
    free(target);
    if (rc != 0) {
        if (fl->req != NULL) {
            fl->req = NULL;
            evhttp_request_free(req);
        }
        fail(fl, SBGW_FETCH_CONNECT_FAILED, "cannot connect to %s", fl->cur.text);
    }
}

static void resolved(struct fetch_flight *fl, int err, struct evutil_addrinfo *ai)
{
    char addr[INET6_ADDRSTRLEN];
    const void *a;

    const struct evutil_addrinfo *pick = ai;

    for (; pick != NULL && pick->ai_family != AF_INET; pick = pick->ai_next) {
    }
    if (pick == NULL) {
        pick = ai;                               /* IPv4 first when there is one, else the first address */
    }
    if (err != 0 || ai == NULL) {
        fail(fl, SBGW_FETCH_DNS_FAILED, "cannot resolve %s: %s", fl->cur.host,
             err != 0 ? evutil_gai_strerror(err) : "no address");
    } else {
        a = pick->ai_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)pick->ai_addr)->sin6_addr
                                        : (const void *)&((const struct sockaddr_in *)pick->ai_addr)->sin_addr;
        if (evutil_inet_ntop(pick->ai_family, a, addr, sizeof(addr)) == NULL) {
            fail(fl, SBGW_FETCH_DNS_FAILED, "cannot resolve %s: unusable address", fl->cur.host);
        } else {
            connect_addr(fl, addr);
        }
    }
    if (ai != NULL) {
        evutil_freeaddrinfo(ai);
    }
}

static void on_resolved(int err, struct evutil_addrinfo *ai, void *arg)
{
    struct fetch_dns *d = arg;
    struct fetch_flight *fl = d->fl;

    if (d->starting) {                           /* answered inside evdns_getaddrinfo */
        d->answered = 1;
        d->err = err;
        d->ai = ai;
        return;
    }
    free(d);
    if (fl == NULL) {                            /* the flight let go (cancelled, deadline, stop) */
        if (ai != NULL) {
            evutil_freeaddrinfo(ai);
        }
        return;
    }
    fl->dns = NULL;
    resolved(fl, err, ai);
}

static void start_hop(struct fetch_flight *fl, const char *url)
{
    struct evutil_addrinfo hints;
    struct evdns_getaddrinfo_request *r;
    struct fetch_dns *d;
    unsigned char a4[4];
    char cause[200];
    enum sbgw_fetch_status st;

    fetch_url_clear(&fl->cur);
    /* what evhttp told of the previous hop (a redirect's head, the error its refusal raised) is not this
     * hop's: left set, a refused connect here read as "the reply broke off" (PROTOCOL) */
    fl->errored = fl->got_head = fl->evreq_err = 0;
    if ((st = fetch_url_parse(url, &fl->cur, cause, sizeof(cause))) != SBGW_FETCH_OK) {
        fail(fl, st, "%s", cause);               /* (checked at submission or by redirect(): not expected) */
        return;
    }
    if ((fl->visited[fl->hops] = strdup(fl->cur.text)) == NULL) {
        fail(fl, SBGW_FETCH_INTERNAL, "out of memory");
        return;
    }
    if (fl->cur.ipv6 || inet_pton(AF_INET, fl->cur.host, a4) == 1) {
        connect_addr(fl, fl->cur.host);
        return;
    }
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        fail(fl, SBGW_FETCH_INTERNAL, "out of memory");
        return;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    d->fl = fl;
    d->starting = 1;
    r = evdns_getaddrinfo(fl->f->dns, fl->cur.host, NULL, &hints, on_resolved, d);
    d->starting = 0;
    if (d->answered || r == NULL) {
        int err = d->answered ? d->err : EVUTIL_EAI_FAIL;
        struct evutil_addrinfo *ai = d->ai;

        free(d);
        resolved(fl, err, ai);
        return;
    }
    d->req = r;
    fl->dns = d;
}

/* ---- the flight's events ---- */

/* Redirect to the next hop, or end the flight (outside evhttp's and evdns's callbacks). */
static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_flight *fl = arg;
    char *url;

    (void)fd;
    (void)what;
    if (fl->status == SBGW_FETCH_OK && fl->next_url != NULL && fl->req == NULL) {
        teardown_conn(fl);
        url = fl->next_url;
        fl->next_url = NULL;
        fl->hops++;
        start_hop(fl, url);
        free(url);
        return;
    }
    if (fl->status == SBGW_FETCH_OK && !fl->finished) {
        return;                                  /* (not over yet) */
    }
    fetch_flight_done(fl);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_flight *fl = arg;

    (void)fd;
    (void)what;
    if (fl->status == SBGW_FETCH_OK && !fl->finished) {
        fail(fl, SBGW_FETCH_TIMEOUT, "%s: no complete reply within the deadline of %d ms (%s)", fl->cur.text,
             fl->timeout_ms, fl->dns != NULL ? "resolving the name" : fl->got_head ? "reading the body"
                                                                                   : "connecting or waiting for the reply");
    }
    fetch_flight_done(fl);
}

void fetch_http_start(struct fetch_flight *fl)
{
    struct event_base *base = fl->f->base;
    struct timeval tv;

    clock_gettime(CLOCK_MONOTONIC, &fl->t0);
    fl->status = SBGW_FETCH_OK;
    fl->hop_method = fl->method;
    if ((fl->deadline = evtimer_new(base, deadline_cb, fl)) == NULL ||
        (fl->kick = event_new(base, -1, 0, kick_cb, fl)) == NULL) {
        fl->status = SBGW_FETCH_INTERNAL;
        fetch_cause(fl->cause, sizeof(fl->cause), "out of memory");
        fetch_flight_done(fl);
        return;
    }
    tv.tv_sec = fl->timeout_ms / 1000;
    tv.tv_usec = (fl->timeout_ms % 1000) * 1000;
    evtimer_add(fl->deadline, &tv);
    start_hop(fl, fl->url);
}
