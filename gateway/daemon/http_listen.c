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
 *
 * Event loops (loops.c): every loop binds its own socket for the api listener on the same address and port
 * (SO_REUSEPORT when there are several loops: the kernel spreads new connections over them) and serves what
 * it accepts; the admin listener is loop 0's alone. The caps count every loop's connections: a slot is taken
 * with one atomic add at accept and given back when the connection is freed.
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

/* Take a slot of l's cap (1), else one of the refusals being written (0), else none (-1). */
static int take_slot(struct sbgw_listener *l)
{
    struct sbgw *gw = l->gw;

    if (__atomic_add_fetch(&l->n_conns, 1, __ATOMIC_ACQ_REL) <= __atomic_load_n(&l->cap, __ATOMIC_ACQUIRE)) {
        return 1;
    }
    __atomic_sub_fetch(&l->n_conns, 1, __ATOMIC_ACQ_REL);
    if (__atomic_add_fetch(&gw->n_refusing, 1, __ATOMIC_ACQ_REL) <= MAX_REFUSING) {
        return 0;
    }
    __atomic_sub_fetch(&gw->n_refusing, 1, __ATOMIC_ACQ_REL);
    return -1;
}

static void serve(struct sbgw_accept *a, evutil_socket_t fd, const struct sockaddr *sa)
{
    char peer[64];
    int counted = take_slot(a->l);

    if (counted < 0) {
        evutil_closesocket(fd);
        return;
    }
    evutil_make_socket_nonblocking(fd);
    peer_text(sa, peer, sizeof(peer));
    /* api connections go to the least-loaded loop (loop_handoff.c): SO_REUSEPORT's hash spreads a few
     * keep-alive clients unevenly, and cheap validations run on the loop that owns the connection */
    if (counted == 1 && a->l->kind == SBGW_L_API && sbgw_handoff_maybe(a->loop, a->l, fd, peer)) {
        return;
    }
    __atomic_add_fetch(&a->loop->accepted, 1, __ATOMIC_RELAXED);
    (void)sbgw_conn_start(a->loop, a->l, fd, peer, counted);   /* (gives the slot back on failure) */
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
    struct sbgw_accept *a = arg;

    (void)fd;
    (void)what;
    if (a->lev != NULL && !sbgw_draining(a->l->gw)) {
        evconnlistener_enable(a->lev);
        evtimer_add(a->resume, &resume_idle);
    }
}

static void accept_error(struct evconnlistener *lev, void *arg)
{
    struct sbgw_accept *a = arg;
    struct sbgw_listener *l = a->l;
    struct timeval tv = { 0, 100000 };
    int e = EVUTIL_SOCKET_ERROR();

    evconnlistener_disable(lev);
    sbgw_log_kv(&l->gw->log, SBGW_LOG_WARN, "-", json_pack("{s:s,s:i,s:i}", "listener", sbgw_listener_name(l->kind),
                                                           "loop", a->loop->idx, "connections",
                                                           (int)__atomic_load_n(&l->gw->n_conns, __ATOMIC_RELAXED)),
                "accept failed: %s; pausing this listener for 100 ms", evutil_socket_error_to_string(e));
    evtimer_add(a->resume, &tv);
}

void sbgw_http_apply_limits(struct sbgw *gw, const struct sbgw_config *cfg)
{
    struct sbgw_listener *api = &gw->listeners[SBGW_L_API], *adm = &gw->listeners[SBGW_L_ADMIN];
    long api_cap = cfg->limits.max_connections, adm_cap = cfg->limits.admin_connections, fit;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        fit = (long)rl.rlim_cur - FD_SPARE - adm_cap - MAX_REFUSING;
        if (fit < api_cap) {
            api_cap = fit > 8 ? fit : 8;
            sbgw_log_warnx(&gw->log, "-", "open file limit %llu cannot hold limits.max_connections (%d) + "
                                          "admin_connections (%d) + %d: the api listener takes at most %ld",
                           (unsigned long long)rl.rlim_cur, cfg->limits.max_connections,
                           cfg->limits.admin_connections, FD_SPARE + MAX_REFUSING, api_cap);
        }
    }
    __atomic_store_n(&api->cap, api_cap, __ATOMIC_RELEASE);
    __atomic_store_n(&adm->cap, adm_cap, __ATOMIC_RELEASE);
}

/* Bind a's socket for lc; reuseport: share the address and port with the other loops' sockets. */
static int bind_accept(struct sbgw_accept *a, const struct sbgw_listener_conf *lc, int reuseport)
{
    struct sbgw *gw = a->l->gw;
    struct evutil_addrinfo hints, *ai = NULL;
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    char port[16];

    if ((a->resume = evtimer_new(a->loop->base, resume_accept, a)) == NULL) {
        sbgw_log_error(&gw->log, "-", "listener %s: out of memory", sbgw_listener_name(a->l->kind));
        return -1;
    }
    if (reuseport) {
        flags |= LEV_OPT_REUSEABLE_PORT;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_PASSIVE;
    snprintf(port, sizeof(port), "%d", lc->port);
    if (evutil_getaddrinfo(lc->address, port, &hints, &ai) != 0 || ai == NULL ||
        (a->lev = evconnlistener_new_bind(a->loop->base, on_accept, a, flags, LISTEN_BACKLOG, ai->ai_addr,
                                          (int)ai->ai_addrlen)) == NULL) {
        sbgw_log_warn(&gw->log, "-", "listener %s: cannot listen on %s:%d (loop %d)", sbgw_listener_name(a->l->kind),
                      lc->address, lc->port, a->loop->idx);
        if (ai != NULL) {
            evutil_freeaddrinfo(ai);
        }
        return -1;
    }
    evutil_freeaddrinfo(ai);
    evconnlistener_set_error_cb(a->lev, accept_error);
    evtimer_add(a->resume, &resume_idle);
    return 0;
}

int sbgw_http_start(struct sbgw *gw, const struct sbgw_snap *s)
{
    size_t i;
    int k;

    for (i = 0; i < SBGW_L__COUNT; i++) {
        const struct sbgw_listener_conf *lc = &s->cfg->listeners[i];
        struct sbgw_listener *l = &gw->listeners[i];
        int n = i == SBGW_L_API ? gw->n_loops : 1;   /* the admin listener is loop 0's */

        l->gw = gw;
        l->kind = (enum sbgw_listener_kind)i;
        for (k = 0; k < gw->n_loops; k++) {
            gw->loops[k].acc[i].loop = &gw->loops[k];
            gw->loops[k].acc[i].l = l;
        }
        if (!lc->enabled) {
            continue;
        }
        l->tls = lc->tls.enabled;
        for (k = 0; k < n; k++) {
            if (bind_accept(&gw->loops[k].acc[i], lc, n > 1) != 0) {
                return -1;
            }
        }
        sbgw_log_info(&gw->log, "-", "listening: %s on %s://%s:%d (%d loop%s)", sbgw_listener_name(l->kind),
                      lc->tls.enabled ? "https" : "http", lc->address, lc->port, n, n > 1 ? "s" : "");
    }
    sbgw_http_apply_limits(gw, s->cfg);
    return 0;
}

int sbgw_http_adopt(struct sbgw *gw, enum sbgw_listener_kind kind, evutil_socket_t fd)
{
    if ((int)kind < 0 || kind >= SBGW_L__COUNT || gw->n_loops < 1 || gw->listeners[kind].gw == NULL) {
        evutil_closesocket(fd);
        return -1;
    }
    serve(&gw->loops[0].acc[kind], fd, NULL);
    return 0;
}

void sbgw_http_stop_accepting_loop(struct sbgw_loop *lp)
{
    size_t i;

    for (i = 0; i < SBGW_L__COUNT; i++) {
        struct sbgw_accept *a = &lp->acc[i];

        if (a->lev != NULL) {
            evconnlistener_free(a->lev);
            a->lev = NULL;
        }
        if (a->resume != NULL) {
            event_del(a->resume);
        }
    }
}

void sbgw_http_stop_accepting(struct sbgw *gw)
{
    int k;

    for (k = 0; k < gw->n_loops; k++) {
        if (k > 0 && gw->loops[k].running) {
            event_active(gw->loops[k].wake, EV_READ, 0);     /* it stops its own */
        } else {
            sbgw_http_stop_accepting_loop(&gw->loops[k]);
        }
    }
}

void sbgw_http_free(struct sbgw *gw)
{
    size_t i;
    int k;

    sbgw_conn_free_all(gw);
    for (k = 0; k < gw->n_loops; k++) {
        sbgw_http_stop_accepting_loop(&gw->loops[k]);
        for (i = 0; i < SBGW_L__COUNT; i++) {
            if (gw->loops[k].acc[i].resume != NULL) {
                event_free(gw->loops[k].acc[i].resume);
                gw->loops[k].acc[i].resume = NULL;
            }
        }
    }
}
