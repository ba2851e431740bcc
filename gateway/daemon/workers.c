/*
 * gateway/daemon/workers.c — bounded job queue, worker threads, done queue + one event (see workers.h).
 */
#include "gateway/daemon/workers.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

static unsigned long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static void push_done(struct sbgw_pool *p, struct sbgw_work *w)
{
    w->next = NULL;
    pthread_mutex_lock(&p->done_mu);
    if (p->done_tail == NULL) {
        p->done_head = w;
    } else {
        p->done_tail->next = w;
    }
    p->done_tail = w;
    pthread_mutex_unlock(&p->done_mu);
    event_active(p->done_ev, EV_READ, 0);
}

static void *worker_main(void *arg)
{
    struct sbgw_pool *p = arg;
    struct sbgw_work *w;
    unsigned long long t0;

    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->head == NULL && !p->stop) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (p->head == NULL) {        /* stopping and nothing left */
            pthread_mutex_unlock(&p->mu);
            break;
        }
        w = p->head;
        p->head = w->next;
        if (p->head == NULL) {
            p->tail = NULL;
        }
        p->depth--;
        pthread_mutex_unlock(&p->mu);
        if (!__atomic_load_n(&w->cancelled, __ATOMIC_ACQUIRE)) {
            __atomic_add_fetch(&p->busy_now, 1, __ATOMIC_RELAXED);
            t0 = now_ns();
            w->ran = 1;
            w->run(w);
            ERR_clear_error();       /* nothing of this job leaks into the next one on this thread */
            __atomic_add_fetch(&p->busy_ns, now_ns() - t0, __ATOMIC_RELAXED);
            __atomic_sub_fetch(&p->busy_now, 1, __ATOMIC_RELAXED);
        }
        push_done(p, w);
    }
    return NULL;
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_pool *p = arg;
    struct sbgw_work *w, *next;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&p->done_mu);
    w = p->done_head;
    p->done_head = p->done_tail = NULL;
    pthread_mutex_unlock(&p->done_mu);
    for (; w != NULL; w = next) {
        next = w->next;
        p->outstanding--;
        w->done(w);
    }
}

int sbgw_pool_start(struct sbgw_pool *p, struct event_base *base, int n, long cap)
{
    sigset_t all, old;
    int i;

    memset(p, 0, sizeof(*p));
    p->cap = cap;
    if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->cv, NULL) != 0 ||
        pthread_mutex_init(&p->done_mu, NULL) != 0) {
        return -1;
    }
    if ((p->done_ev = event_new(base, -1, 0, done_cb, p)) == NULL ||
        (p->threads = calloc((size_t)n, sizeof(*p->threads))) == NULL) {
        return -1;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (i = 0; i < n; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            break;
        }
        p->n++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    p->started = p->n == n;
    return p->started ? 0 : -1;
}

int sbgw_pool_submit(struct sbgw_pool *p, struct sbgw_work *w)
{
    pthread_mutex_lock(&p->mu);
    if (p->stop || p->depth >= p->cap) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    w->next = NULL;
    w->ran = 0;
    if (p->tail == NULL) {
        p->head = w;
    } else {
        p->tail->next = w;
    }
    p->tail = w;
    p->depth++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    p->outstanding++;
    return 0;
}

void sbgw_pool_set_cap(struct sbgw_pool *p, long cap)
{
    pthread_mutex_lock(&p->mu);
    p->cap = cap;
    pthread_mutex_unlock(&p->mu);
}

void sbgw_pool_stop(struct sbgw_pool *p)
{
    int i;

    if (p->threads != NULL) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        for (i = 0; i < p->n; i++) {
            pthread_join(p->threads[i], NULL);
        }
        free(p->threads);
        p->threads = NULL;
    }
    if (p->done_ev != NULL) {
        done_cb(-1, 0, p);
        event_free(p->done_ev);
        p->done_ev = NULL;
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->done_mu);
    }
}

long sbgw_pool_depth(struct sbgw_pool *p)
{
    long d;

    pthread_mutex_lock(&p->mu);
    d = p->depth;
    pthread_mutex_unlock(&p->mu);
    return d;
}

double sbgw_pool_busy_seconds(struct sbgw_pool *p)
{
    return (double)__atomic_load_n(&p->busy_ns, __ATOMIC_RELAXED) / 1e9;
}
