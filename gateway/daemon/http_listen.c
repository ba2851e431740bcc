/*
 * gateway/daemon/http_listen.c — the listening sockets: accept, the connection caps, the descriptors kept for
 * the admin listener, pausing on EMFILE, drain and teardown.
 *
 * Connections are counted from accept (http_conn.c serves them): the api listener holds at most
 * limits.max_connections, the admin listener limits.admin_connections, each on its own count, so a flood of
 * idle or slow clients on the api listener never takes the admin listener's. When the open-file limit
 * cannot hold both caps plus FD_SPARE (log, audit, policies, upstream connections), the api cap is lowered
 * to what fits and a warning says so. A connection over its cap gets 503 OVERLOADED and is closed; at most
 * MAX_REFUSING of those are written at once, beyond that a new one is closed at once. accept() failing
 * (EMFILE, ENFILE, ENOBUFS) pauses that listener for 100 ms instead of spinning.
 */
#include "gateway/daemon/sbgw.h"
#include "gateway/daemon/http_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <event2/listener.h>
#include <jansson.h>

#define FD_SPARE 256
#define MAX_REFUSING 256
#define LISTEN_BACKLOG 4096             /* capped by net.core.somaxconn; libevent's default (128) overflowed
                                         * under waves of closing hostile connections (bench-hostile) */

static void peer_text(const struct sockaddr *sa, char *out, size_t len)
{
    out[0] = '\0';
    if (sa == NULL) {
        snprintf(out, len, "-");
    } else if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)len);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)len);
    } else {
        snprintf(out, len, "local");
    }
}

static void serve(struct sbgw_listener *l, evutil_socket_t fd, const struct sockaddr *sa)
{
    char peer[64];
    int counted = l->n_conns < l->cap;

    if (!counted && l->gw->n_refusing >= MAX_REFUSING) {
        evutil_closesocket(fd);
        return;
    }
    evutil_make_socket_nonblocking(fd);
    peer_text(sa, peer, sizeof(peer));
    (void)sbgw_conn_start(l, fd, peer, counted);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
    (void)lev;
    (void)salen;
    serve(arg, fd, sa);
}

/* The resume timer is always pending while a listener accepts (a long idle period, or 100 ms after an
 * accept error). */
static const struct timeval resume_idle = { 86400, 0 };

static void resume_accept(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_listener *l = arg;

    (void)fd;
    (void)what;
    if (l->lev != NULL && !l->gw->draining) {
        evconnlistener_enable(l->lev);
        evtimer_add(l->resume, &resume_idle);
    }
}

static void accept_error(struct evconnlistener *lev, void *arg)
{
    struct sbgw_listener *l = arg;
    struct timeval tv = { 0, 100000 };
    int e = EVUTIL_SOCKET_ERROR();

    evconnlistener_disable(lev);
    sbgw_log_kv(&l->gw->log, SBGW_LOG_WARN, "-", json_pack("{s:s,s:i}", "listener", sbgw_listener_name(l->kind),
                                                           "connections", (int)l->gw->n_conns),
                "accept failed: %s; pausing this listener for 100 ms", evutil_socket_error_to_string(e));
    evtimer_add(l->resume, &tv);
}

void sbgw_http_apply_limits(struct sbgw *gw, const struct sbgw_config *cfg)
{
    struct sbgw_listener *api = &gw->listeners[SBGW_L_API], *adm = &gw->listeners[SBGW_L_ADMIN];
    struct rlimit rl;
    long fit;

    api->cap = cfg->limits.max_connections;
    adm->cap = cfg->limits.admin_connections;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) {
        return;
    }
    fit = (long)rl.rlim_cur - FD_SPARE - adm->cap - MAX_REFUSING;
    if (fit < api->cap) {
        api->cap = fit > 8 ? fit : 8;
        sbgw_log_warnx(&gw->log, "-", "open file limit %llu cannot hold limits.max_connections (%d) + "
                                      "admin_connections (%d) + %d: the api listener takes at most %ld",
                       (unsigned long long)rl.rlim_cur, cfg->limits.max_connections, cfg->limits.admin_connections,
                       FD_SPARE + MAX_REFUSING, api->cap);
    }
}

int sbgw_http_start(struct sbgw *gw, const struct sbgw_snap *s)
{
    size_t i;

    for (i = 0; i < SBGW_L__COUNT; i++) {
        const struct sbgw_listener_conf *lc = &s->cfg->listeners[i];
        struct sbgw_listener *l = &gw->listeners[i];
        struct evutil_addrinfo hints, *ai = NULL;
        char port[16];

        l->gw = gw;
        l->kind = (enum sbgw_listener_kind)i;
        if (!lc->enabled) {
            continue;
        }
        l->tls = lc->tls.enabled;
        if ((l->resume = evtimer_new(gw->base, resume_accept, l)) == NULL) {
            sbgw_log_error(&gw->log, "-", "listener %s: out of memory", sbgw_listener_name(l->kind));
            return -1;
        }
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = EVUTIL_AI_PASSIVE;
        snprintf(port, sizeof(port), "%d", lc->port);
        if (evutil_getaddrinfo(lc->address, port, &hints, &ai) != 0 || ai == NULL ||
            (l->lev = evconnlistener_new_bind(gw->base, on_accept, l,
                                              LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
                                              LISTEN_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen)) == NULL) {
            sbgw_log_warn(&gw->log, "-", "listener %s: cannot listen on %s:%d", sbgw_listener_name(l->kind),
                          lc->address, lc->port);
            if (ai != NULL) {
                evutil_freeaddrinfo(ai);
            }
            return -1;
        }
        evutil_freeaddrinfo(ai);
        evconnlistener_set_error_cb(l->lev, accept_error);
        evtimer_add(l->resume, &resume_idle);
        sbgw_log_info(&gw->log, "-", "listening: %s on %s://%s:%d", sbgw_listener_name(l->kind),
                      lc->tls.enabled ? "https" : "http", lc->address, lc->port);
    }
    sbgw_http_apply_limits(gw, s->cfg);
    return 0;
}

int sbgw_http_adopt(struct sbgw *gw, enum sbgw_listener_kind kind, evutil_socket_t fd)
{
    struct sbgw_listener *l = &gw->listeners[kind];

    if ((int)kind < 0 || kind >= SBGW_L__COUNT || l->gw == NULL) {
        evutil_closesocket(fd);
        return -1;
    }
    serve(l, fd, NULL);
    return 0;
}

void sbgw_http_stop_accepting(struct sbgw *gw)
{
    size_t i;

    for (i = 0; i < SBGW_L__COUNT; i++) {
        struct sbgw_listener *l = &gw->listeners[i];

        if (l->lev != NULL) {
            evconnlistener_free(l->lev);
            l->lev = NULL;
        }
        if (l->resume != NULL) {
            event_del(l->resume);
        }
    }
}

void sbgw_http_free(struct sbgw *gw)
{
    size_t i;

    sbgw_conn_free_all(gw);
    sbgw_http_stop_accepting(gw);
    for (i = 0; i < SBGW_L__COUNT; i++) {
        if (gw->listeners[i].resume != NULL) {
            event_free(gw->listeners[i].resume);
            gw->listeners[i].resume = NULL;
        }
    }
}
