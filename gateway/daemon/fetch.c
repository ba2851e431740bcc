/*
 * gateway/daemon/fetch.c — the fetcher's thread and its front door (fetch.h): submissions from any thread,
 * single flight by key, waiters with their own deadlines (blocking or by callback), the answer of a finished
 * fetch to each of its waiters, and the counters.
 *
 * A submission checks the URL against the request's allow-list on the caller's thread (a refusal never
 * reaches the fetcher), then, under f->mu, joins the flight of its key or makes a new one and queues it for
 * the thread (event_active of f->wake). The thread starts queued flights (fetch_http.c) and, when one ends,
 * answers its waiters under f->mu: each gets its own copy of the body, after its own allow-list was checked
 * against every URL visited and its own max_bytes against the body. A blocking waiter sleeps on its ticket's
 * condition variable until then or its deadline; a callback waiter has a timer on the fetcher's base.
 *
 * Ownership: a flight is the fetcher's from submission until it is answered (fetch_flight_done frees it); a
 * blocking ticket is its waiter's (sbgw_fetch_wait frees it), a callback ticket the fetcher's until its
 * callback returned.
 */
#include "gateway/daemon/fetch_local.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/http.h>

static const char *const status_names[SBGW_FETCH__COUNT] = {
    "ok", "timeout", "too_large", "refused_not_allowed", "refused_scheme", "http_status", "connect_failed",
    "dns_failed", "redirect_refused", "tls_failed", "protocol", "bad_url", "busy", "internal",
};

const char *sbgw_fetch_status_name(enum sbgw_fetch_status s)
{
    return (unsigned)s < SBGW_FETCH__COUNT ? status_names[s] : "internal";
}

void sbgw_fetch_result_clear(struct sbgw_fetch_result *r)
{
    if (r == NULL) {
        return;
    }
    free(r->body);
    free(r->content_type);
    free(r->final_url);
    memset(r, 0, sizeof(*r));
}

static double elapsed(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void refuse(struct sbgw_fetch_result *res, enum sbgw_fetch_status st, const char *cause)
{
    memset(res, 0, sizeof(*res));
    res->status = st;
    fetch_cause(res->cause, sizeof(res->cause), "%s", cause);
}

static void flight_free(struct fetch_flight *fl)
{
    int i;

    if (fl == NULL) {
        return;
    }
    fetch_http_abort(fl);
    fetch_url_clear(&fl->cur);
    for (i = 0; i <= SBGW_FETCH_MAX_HOPS; i++) {
        free(fl->visited[i]);
    }
    free(fl->key);
    free(fl->url);
    free(fl->body);
    free(fl->content_type);
    free(fl->accept);
    free(fl->next_url);
    free(fl->reply_type);
    if (fl->in != NULL) {
        evbuffer_free(fl->in);
    }
    sbgw_fetch_allow_free(fl->allow);
    free(fl);
}

static void ticket_free(struct sbgw_fetch_ticket *t)
{
    if (t == NULL) {
        return;
    }
    if (t->timer != NULL) {
        event_free(t->timer);
    }
    if (t->cb == NULL) {
        pthread_cond_destroy(&t->cond);
    }
    sbgw_fetch_allow_free(t->allow);
    sbgw_fetch_result_clear(&t->res);
    free(t);
}

/* Remove t from its flight's waiters (under mu). */
static void detach(struct sbgw_fetch_ticket *t)
{
    struct sbgw_fetch_ticket **pp;

    if (t->fl == NULL) {
        return;
    }
    for (pp = &t->fl->waiters; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->fl = NULL;
    t->next = NULL;
}

/* The waiter's own deadline passed before its fetch ended (under mu). */
static void waiter_timeout(struct sbgw_fetch_ticket *t)
{
    char url[200];

    snprintf(url, sizeof(url), "%s", t->fl != NULL ? t->fl->url : "");
    detach(t);
    sbgw_fetch_result_clear(&t->res);
    t->res.status = SBGW_FETCH_TIMEOUT;
    fetch_cause(t->res.cause, sizeof(t->res.cause), "no result within %d ms from %s (the fetch goes on for later "
                "requests)", t->timeout_ms, url);
    t->done = 1;
}

static void count_request(struct sbgw_fetcher *f, const struct sbgw_fetch_result *res)
{
    f->st.requests[(unsigned)res->status < SBGW_FETCH__COUNT ? res->status : SBGW_FETCH_INTERNAL]++;
}

/* ---- answering a finished flight ---- */

/* Copy fl's outcome into t's result, as seen through t's own allow-list and size cap (under mu). */
static void answer(struct fetch_flight *fl, struct sbgw_fetch_ticket *t)
{
    struct sbgw_fetch_result *r = &t->res;
    size_t len = fl->in != NULL ? evbuffer_get_length(fl->in) : 0;
    int i;

    memset(r, 0, sizeof(*r));
    r->status = fl->status;
    r->http_status = fl->http_status;
    r->hops = fl->hops;
    r->shared = t->shared;
    fetch_cause(r->cause, sizeof(r->cause), "%s", fl->cause);
    for (i = 0; i <= fl->hops && i <= SBGW_FETCH_MAX_HOPS; i++) {
        if (fl->visited[i] == NULL) {
            break;
        }
        r->final_url = fl->visited[i];
        if (t->allow != fl->allow &&
            sbgw_fetch_allow_check(t->allow, fl->visited[i], NULL, r->cause, sizeof(r->cause)) != SBGW_FETCH_OK) {
            r->status = i == 0 ? SBGW_FETCH_REFUSED_NOT_ALLOWED : SBGW_FETCH_REDIRECT_REFUSED;
            break;
        }
    }
    r->final_url = r->final_url != NULL ? strdup(r->final_url) : NULL;
    if (r->status == SBGW_FETCH_OK && len > t->max_bytes) {
        r->status = SBGW_FETCH_TOO_LARGE;
        fetch_cause(r->cause, sizeof(r->cause), "the body (%zu bytes) is over this request's cap of %zu bytes", len,
                    t->max_bytes);
    }
    if (fl->reply_type != NULL) {
        r->content_type = strdup(fl->reply_type);
    }
    if (r->status == SBGW_FETCH_OK) {
        if ((r->body = malloc(len > 0 ? len : 1)) == NULL ||
            (len > 0 && evbuffer_copyout(fl->in, r->body, len) != (ev_ssize_t)len)) {
            free(r->body);
            r->body = NULL;
            r->status = SBGW_FETCH_INTERNAL;
            fetch_cause(r->cause, sizeof(r->cause), "out of memory");
        } else {
            r->len = len;
        }
    }
    r->seconds = elapsed(&t->t0);
    t->done = 1;
}

/* Count fl's outcome; keep the failing-origins table (under mu). */
static void count_flight(struct sbgw_fetcher *f, const struct fetch_flight *fl)
{
    static const unsigned bounds[SBGW_FETCH_LAT_N] = SBGW_FETCH_LAT_BOUNDS_MS;
    struct sbgw_fetch_stats *st = &f->st;
    double s = elapsed(&fl->t0);
    char origin[sizeof(st->failing[0].origin)];
    size_t i, b;
    int failed;

    st->fetches[fl->status]++;
    if (fl->t0.tv_sec == 0 && fl->t0.tv_nsec == 0) {
        return;                                         /* never started (the fetcher stopped) */
    }
    for (b = 0; b < SBGW_FETCH_LAT_N && s * 1000.0 > bounds[b]; b++) {
    }
    st->latency[b]++;
    st->latency_sum += s;
    if (fl->cur.text == NULL) {
        return;
    }
    fetch_url_origin(&fl->cur, origin, sizeof(origin));
    failed = fl->status != SBGW_FETCH_OK && fl->status != SBGW_FETCH_REFUSED_NOT_ALLOWED &&
             fl->status != SBGW_FETCH_REFUSED_SCHEME && fl->status != SBGW_FETCH_BAD_URL &&
             fl->status != SBGW_FETCH_REDIRECT_REFUSED && fl->status != SBGW_FETCH_INTERNAL;
    for (i = 0; i < st->n_failing && strcmp(st->failing[i].origin, origin) != 0; i++) {
    }
    if (!failed) {
        if (i < st->n_failing && fl->status == SBGW_FETCH_OK) {
            st->failing[i] = st->failing[--st->n_failing];
        }
        return;
    }
    if (i == st->n_failing) {
        if (st->n_failing == SBGW_FETCH_FAILING_MAX) {
            size_t old = 0;

            for (i = 1; i < st->n_failing; i++) {       /* full: forget the one failing for the longest */
                if (st->failing[i].since < st->failing[old].since) {
                    old = i;
                }
            }
            i = old;
        } else {
            i = st->n_failing++;
        }
        memset(&st->failing[i], 0, sizeof(st->failing[i]));
        snprintf(st->failing[i].origin, sizeof(st->failing[i].origin), "%s", origin);
        st->failing[i].since = time(NULL);
    }
    st->failing[i].fails++;
    st->failing[i].last = fl->status;
}

void fetch_flight_done(struct fetch_flight *fl)
{
    struct sbgw_fetcher *f = fl->f;
    struct sbgw_fetch_ticket *t, *next, *cbs = NULL;
    struct fetch_flight **pp;

    fetch_http_abort(fl);
    pthread_mutex_lock(&f->mu);
    for (pp = &f->flights; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == fl) {
            *pp = fl->next;
            break;
        }
    }
    f->n_flights--;
    f->st.in_flight = f->n_flights;
    count_flight(f, fl);
    for (t = fl->waiters; t != NULL; t = next) {
        next = t->next;
        t->fl = NULL;
        t->next = NULL;
        answer(fl, t);
        if (t->cb != NULL) {
            count_request(f, &t->res);
            t->next = cbs;
            cbs = t;
        } else {
            pthread_cond_signal(&t->cond);
        }
    }
    fl->waiters = NULL;
    pthread_mutex_unlock(&f->mu);
    for (t = cbs; t != NULL; t = next) {
        next = t->next;
        t->cb(&t->res, t->arg);
        memset(&t->res, 0, sizeof(t->res));             /* the callee's now */
        ticket_free(t);
    }
    flight_free(fl);
}

/* ---- the thread ---- */

static void stop_all(struct sbgw_fetcher *f)
{
    struct fetch_flight *fl;

    for (;;) {
        pthread_mutex_lock(&f->mu);
        fl = f->flights;
        f->starting = NULL;
        pthread_mutex_unlock(&f->mu);
        if (fl == NULL) {
            break;
        }
        fetch_http_abort(fl);
        fl->status = SBGW_FETCH_INTERNAL;
        fetch_cause(fl->cause, sizeof(fl->cause), "the fetcher stopped");
        fetch_flight_done(fl);
    }
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_fetcher *f = arg;
    struct fetch_flight *list, *fl, *next;
    int stopping;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&f->mu);
    stopping = f->stopping;
    list = f->starting;
    f->starting = NULL;
    pthread_mutex_unlock(&f->mu);
    if (stopping) {
        stop_all(f);
        event_base_loopbreak(f->base);
        return;
    }
    /* (the list was pushed at its head: start the oldest first) */
    for (fl = NULL; list != NULL; list = next) {
        next = list->next_start;
        list->next_start = fl;
        fl = list;
    }
    for (; fl != NULL; fl = next) {
        next = fl->next_start;
        fetch_http_start(fl);
    }
}

static void *thread_main(void *arg)
{
    struct sbgw_fetcher *f = arg;
    sigset_t all;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);             /* signals are the main loop's */
    event_base_loop(f->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

struct sbgw_fetcher *sbgw_fetcher_new(const struct sbgw_fetch_opts *o, char *err, size_t errlen)
{
    struct sbgw_fetch_opts dflt;
    struct sbgw_fetcher *f;
    int r;

    if (o == NULL) {
        memset(&dflt, 0, sizeof(dflt));
        o = &dflt;
    }
    if ((f = calloc(1, sizeof(*f))) == NULL) {
        fetch_cause(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->idle, NULL);
    snprintf(f->user_agent, sizeof(f->user_agent), "%s", o->user_agent != NULL ? o->user_agent : "sigbridge-fetch/1");
    f->max_flights = o->max_flights > 0 ? o->max_flights : 256;
    if ((f->base = event_base_new()) == NULL || (f->wake = event_new(f->base, -1, 0, wake_cb, f)) == NULL) {
        fetch_cause(err, errlen, "cannot make the fetcher's event base");
        goto fail;
    }
    if ((f->dns = evdns_base_new(f->base, 0)) == NULL) {
        fetch_cause(err, errlen, "cannot make the fetcher's resolver");
        goto fail;
    }
    r = evdns_base_resolv_conf_parse(f->dns, DNS_OPTIONS_ALL, o->resolv_conf != NULL ? o->resolv_conf
                                                                                      : "/etc/resolv.conf");
    /* 6: no nameserver listed; 1 (the system file only): no /etc/resolv.conf. libevent then asks 127.0.0.1 */
    if (r != 0 && r != 6 && !(r == 1 && o->resolv_conf == NULL)) {
        fetch_cause(err, errlen, "cannot read the resolver configuration %s (evdns error %d)",
                    o->resolv_conf != NULL ? o->resolv_conf : "/etc/resolv.conf", r);
        goto fail;
    }
    if ((f->ssl_ctx = fetch_http_ssl_ctx(o->ca_file, err, errlen)) == NULL) {
        goto fail;
    }
    if (pthread_create(&f->thread, NULL, thread_main, f) != 0) {
        fetch_cause(err, errlen, "cannot start the fetcher's thread");
        goto fail;
    }
    f->running = 1;
    return f;
fail:
    sbgw_fetcher_free(f);
    return NULL;
}

void sbgw_fetcher_free(struct sbgw_fetcher *f)
{
    if (f == NULL) {
        return;
    }
    if (f->running) {
        pthread_mutex_lock(&f->mu);
        f->stopping = 1;
        pthread_mutex_unlock(&f->mu);
        event_active(f->wake, EV_READ, 0);
        pthread_join(f->thread, NULL);
        pthread_mutex_lock(&f->mu);
        while (f->sync_waiting > 0) {                  /* blocked waiters were answered: let them leave */
            pthread_cond_wait(&f->idle, &f->mu);
        }
        pthread_mutex_unlock(&f->mu);
    }
    if (f->dns != NULL) {
        evdns_base_free(f->dns, 1);
    }
    if (f->base != NULL) {
        event_base_loop(f->base, EVLOOP_NONBLOCK);     /* deferred callbacks of cancelled resolutions */
    }
    if (f->wake != NULL) {
        event_free(f->wake);
    }
    if (f->base != NULL) {
        event_base_free(f->base);
    }
    SSL_CTX_free(f->ssl_ctx);
    pthread_cond_destroy(&f->idle);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* ---- submissions ---- */

static struct fetch_flight *flight_new(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq, char *norm)
{
    struct fetch_flight *fl = calloc(1, sizeof(*fl));

    if (fl == NULL) {
        free(norm);
        return NULL;
    }
    fl->f = f;
    fl->url = norm;
    fl->method = rq->method;
    fl->timeout_ms = rq->timeout_ms;
    fl->max_bytes = rq->max_bytes;
    fl->allow = rq->allow;
    sbgw_fetch_allow_up_ref(rq->allow);
    if ((fl->key = strdup(rq->key)) == NULL ||
        (rq->body_len > 0 && (fl->body = malloc(rq->body_len)) == NULL) ||
        (rq->content_type != NULL && (fl->content_type = strdup(rq->content_type)) == NULL) ||
        (rq->accept != NULL && (fl->accept = strdup(rq->accept)) == NULL)) {
        flight_free(fl);
        return NULL;
    }
    if (rq->body_len > 0) {
        memcpy(fl->body, rq->body, rq->body_len);
        fl->body_len = rq->body_len;
    }
    return fl;
}

/* A condition variable timed on CLOCK_MONOTONIC (the tickets' deadlines). */
static int cond_init_mono(pthread_cond_t *c)
{
    pthread_condattr_t a;
    int r;

    if (pthread_condattr_init(&a) != 0) {
        return -1;
    }
    r = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0 && pthread_cond_init(c, &a) == 0 ? 0 : -1;
    pthread_condattr_destroy(&a);
    return r;
}

static void async_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_fetch_ticket *t = arg;
    struct sbgw_fetcher *f = t->f;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&f->mu);
    if (t->done) {                                      /* (answered: its callback runs from the flight) */
        pthread_mutex_unlock(&f->mu);
        return;
    }
    waiter_timeout(t);
    t->res.seconds = elapsed(&t->t0);
    count_request(f, &t->res);
    pthread_mutex_unlock(&f->mu);
    t->cb(&t->res, t->arg);
    memset(&t->res, 0, sizeof(t->res));
    ticket_free(t);
}

/* Check rq and queue a ticket for it (sync when cb is NULL). */
static enum sbgw_fetch_status submit(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq, sbgw_fetch_cb cb,
                                     void *arg, struct sbgw_fetch_ticket **out, struct sbgw_fetch_result *res)
{
    struct sbgw_fetch_ticket *t = NULL;
    struct fetch_flight *fl;
    struct timespec t0;
    struct timeval tv;
    char cause[256], *norm = NULL;
    enum sbgw_fetch_status st;
    int wake = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    *out = NULL;
    if (f == NULL || rq == NULL || rq->key == NULL || rq->key[0] == '\0' || strlen(rq->key) > SBGW_FETCH_KEY_MAX ||
        rq->timeout_ms <= 0 || rq->max_bytes == 0 || rq->allow == NULL || (rq->body_len > 0 && rq->body == NULL)) {
        refuse(res, SBGW_FETCH_INTERNAL, "invalid fetch request (key, timeout_ms, max_bytes, allow-list)");
        return res->status;
    }
    if ((st = sbgw_fetch_allow_check(rq->allow, rq->url, &norm, cause, sizeof(cause))) != SBGW_FETCH_OK) {
        refuse(res, st, cause);
        pthread_mutex_lock(&f->mu);
        count_request(f, res);
        pthread_mutex_unlock(&f->mu);
        return st;
    }
    if ((t = calloc(1, sizeof(*t))) == NULL ||
        (cb == NULL && cond_init_mono(&t->cond) != 0)) {
        free(t);
        free(norm);
        refuse(res, SBGW_FETCH_INTERNAL, "out of memory");
        return res->status;
    }
    t->f = f;
    t->cb = cb;
    t->arg = arg;
    t->allow = rq->allow;
    sbgw_fetch_allow_up_ref(rq->allow);
    t->max_bytes = rq->max_bytes;
    t->timeout_ms = rq->timeout_ms;
    t->t0 = t0;
    t->deadline.tv_sec = t0.tv_sec + rq->timeout_ms / 1000;
    t->deadline.tv_nsec = t0.tv_nsec + (long)(rq->timeout_ms % 1000) * 1000000L;
    if (t->deadline.tv_nsec >= 1000000000L) {
        t->deadline.tv_sec++;
        t->deadline.tv_nsec -= 1000000000L;
    }
    if (cb != NULL && (t->timer = evtimer_new(f->base, async_timer_cb, t)) == NULL) {
        free(norm);
        ticket_free(t);
        refuse(res, SBGW_FETCH_INTERNAL, "out of memory");
        return res->status;
    }
    pthread_mutex_lock(&f->mu);
    for (fl = f->flights; fl != NULL && strcmp(fl->key, rq->key) != 0; fl = fl->next) {
    }
    if (f->stopping) {
        st = SBGW_FETCH_INTERNAL;
        fetch_cause(cause, sizeof(cause), "the fetcher is stopping");
    } else if (fl != NULL) {
        t->shared = 1;
        f->st.joined++;
        free(norm);
    } else if (f->n_flights >= f->max_flights) {
        st = SBGW_FETCH_BUSY;
        fetch_cause(cause, sizeof(cause), "%d different fetches in flight already", f->max_flights);
    } else if ((fl = flight_new(f, rq, norm)) == NULL) {
        st = SBGW_FETCH_INTERNAL;
        fetch_cause(cause, sizeof(cause), "out of memory");
    } else {
        fl->next = f->flights;
        f->flights = fl;
        fl->next_start = f->starting;
        f->starting = fl;
        f->n_flights++;
        f->st.in_flight = f->n_flights;
        wake = 1;
    }
    norm = NULL;
    if (st != SBGW_FETCH_OK) {
        refuse(res, st, cause);
        count_request(f, res);
        pthread_mutex_unlock(&f->mu);
        ticket_free(t);
        return st;
    }
    t->fl = fl;
    t->next = fl->waiters;
    fl->waiters = t;
    if (t->timer != NULL) {
        tv.tv_sec = rq->timeout_ms / 1000;
        tv.tv_usec = (rq->timeout_ms % 1000) * 1000;
        evtimer_add(t->timer, &tv);
    }
    pthread_mutex_unlock(&f->mu);
    if (wake) {
        event_active(f->wake, EV_READ, 0);
    }
    *out = cb == NULL ? t : NULL;
    return SBGW_FETCH_OK;
}

enum sbgw_fetch_status sbgw_fetch_submit(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq,
                                         struct sbgw_fetch_ticket **t, struct sbgw_fetch_result *res)
{
    return submit(f, rq, NULL, NULL, t, res);
}

enum sbgw_fetch_status sbgw_fetch_wait(struct sbgw_fetch_ticket *t, struct sbgw_fetch_result *res)
{
    struct sbgw_fetcher *f = t->f;

    pthread_mutex_lock(&f->mu);
    f->sync_waiting++;
    while (!t->done) {
        if (pthread_cond_timedwait(&t->cond, &f->mu, &t->deadline) == ETIMEDOUT && !t->done) {
            waiter_timeout(t);
        }
    }
    *res = t->res;
    memset(&t->res, 0, sizeof(t->res));
    res->seconds = elapsed(&t->t0);
    count_request(f, res);
    f->sync_waiting--;
    pthread_cond_broadcast(&f->idle);
    pthread_mutex_unlock(&f->mu);
    ticket_free(t);
    return res->status;
}

enum sbgw_fetch_status sbgw_fetch(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq,
                                  struct sbgw_fetch_result *res)
{
    struct sbgw_fetch_ticket *t;
    enum sbgw_fetch_status st = sbgw_fetch_submit(f, rq, &t, res);

    return st != SBGW_FETCH_OK ? st : sbgw_fetch_wait(t, res);
}

enum sbgw_fetch_status sbgw_fetch_async(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq, sbgw_fetch_cb cb,
                                        void *arg)
{
    struct sbgw_fetch_ticket *t;
    struct sbgw_fetch_result res;
    enum sbgw_fetch_status st;

    if (cb == NULL) {
        return SBGW_FETCH_INTERNAL;
    }
    if ((st = submit(f, rq, cb, arg, &t, &res)) != SBGW_FETCH_OK) {
        cb(&res, arg);
    }
    return st;
}

void sbgw_fetcher_stats(struct sbgw_fetcher *f, struct sbgw_fetch_stats *out)
{
    pthread_mutex_lock(&f->mu);
    *out = f->st;
    pthread_mutex_unlock(&f->mu);
}

void sbgw_fetch_note(char *notes, size_t len, const char *fmt, ...)
{
    size_t used = strlen(notes);
    va_list ap;

    if (used + 3 >= len) {
        return;
    }
    if (used > 0) {
        notes[used++] = ';';
        notes[used++] = ' ';
        notes[used] = '\0';
    }
    va_start(ap, fmt);
    vsnprintf(notes + used, len - used, fmt, ap);
    va_end(ap);
}
