/*
 * gateway/daemon/workers.c — bounded job queue, worker threads, one done queue + event per event loop (see
 * workers.h).
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

static void push_done(struct sbgw_work *w)
{
    struct sbgw_doneq *q = w->dq;

    w->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->tail == NULL) {
        q->head = w;
    } else {
        q->tail->next = w;
    }
    q->tail = w;
    pthread_mutex_unlock(&q->mu);
    event_active(q->ev, EV_READ, 0);
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
        push_done(w);
    }
    return NULL;
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_doneq *q = arg;
    struct sbgw_work *w, *next;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&q->mu);
    w = q->head;
    q->head = q->tail = NULL;
    pthread_mutex_unlock(&q->mu);
    for (; w != NULL; w = next) {
        next = w->next;
        __atomic_sub_fetch(&q->pool->outstanding, 1, __ATOMIC_ACQ_REL);
        w->done(w);
    }
}

int sbgw_pool_start(struct sbgw_pool *p, struct event_base *const *bases, int n_bases, int n, long cap)
{
    sigset_t all, old;
    int i;

    memset(p, 0, sizeof(*p));
    p->cap = cap;
    if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->cv, NULL) != 0) {
        return -1;
    }
    if ((p->dq = calloc((size_t)n_bases, sizeof(*p->dq))) == NULL) {
        return -1;
    }
    for (i = 0; i < n_bases; i++) {
        struct sbgw_doneq *q = &p->dq[i];

        q->pool = p;
        if (pthread_mutex_init(&q->mu, NULL) != 0) {
            return -1;
        }
        p->n_dq++;
        if ((q->ev = event_new(bases[i], -1, 0, done_cb, q)) == NULL) {
            return -1;
        }
    }
    if ((p->threads = calloc((size_t)n, sizeof(*p->threads))) == NULL) {
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

int sbgw_pool_submit(struct sbgw_pool *p, int loop, struct sbgw_work *w)
{
    pthread_mutex_lock(&p->mu);
    if (p->stop || p->depth >= p->cap || loop < 0 || loop >= p->n_dq) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    w->next = NULL;
    w->ran = 0;
    w->dq = &p->dq[loop];
    __atomic_add_fetch(&p->outstanding, 1, __ATOMIC_ACQ_REL);   /* before a worker can finish it */
    if (p->tail == NULL) {
        p->head = w;
    } else {
        p->tail->next = w;
    }
    p->tail = w;
    p->depth++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
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
    if (p->dq != NULL) {
        for (i = 0; i < p->n_dq; i++) {
            done_cb(-1, 0, &p->dq[i]);
            if (p->dq[i].ev != NULL) {
                event_free(p->dq[i].ev);
            }
            pthread_mutex_destroy(&p->dq[i].mu);
        }
        free(p->dq);
        p->dq = NULL;
        p->n_dq = 0;
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
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
