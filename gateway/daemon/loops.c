/*
 * gateway/daemon/loops.c — the daemon's event loops (config `loops`, one per core by default).
 *
 * Loop 0 is the main loop: it runs on gw->base in the thread that called sbgw_daemon_open (signals, reload,
 * drain, the admin listener). Loops 1..n-1 each run their own event_base in their own thread; every loop has
 * its own accept socket on the api listener (http_listen.c) and owns the connections it accepted, with their
 * requests, timers, worker completions and upstream connections: a connection never moves. A loop only does
 * I/O and cheap routes; validation runs on the worker pool (workers.c), whose completions come back to the
 * loop that submitted the job. Draining is broadcast: loop 0 wakes every other loop (its `wake` event) to
 * stop accepting; the drain check runs on loop 0 and stops every loop when nothing is left. Each loop samples
 * the CPU time of the callbacks that handle one connection or one job's answer (sbgw_loop_busy_*: thread CPU
 * time, so preemption by other threads does not count): /metrics shows how long one request held a loop.
 */
#include "gateway/daemon/sbgw.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>

struct event_base *sbgw_loop_base_new(void)
{
    struct event_config *cfg = event_config_new();
    struct event_base *base;

    if (cfg == NULL) {
        return NULL;
    }
    /* epoll changes of one loop iteration applied together: a reply disables reading and arms writing, its
     * end does the reverse; without the changelist each is its own epoll_ctl (~4 per request, 7% of a warm
     * request's CPU). Its one hazard, a dup()ed descriptor registered on the base, does not occur here: the
     * loops register sockets they accepted or connected, each once. */
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_loop *lp = arg;

    (void)fd;
    (void)what;
    if (sbgw_draining(lp->gw)) {
        sbgw_http_stop_accepting_loop(lp);
    }
}

int sbgw_loops_new(struct sbgw *gw, int n)
{
    int i;

    if (n < 1 || (gw->loops = calloc((size_t)n, sizeof(*gw->loops))) == NULL) {
        return -1;
    }
    gw->n_loops = n;
    for (i = 0; i < n; i++) {
        struct sbgw_loop *lp = &gw->loops[i];

        lp->gw = gw;
        lp->idx = i;
        if ((lp->base = i == 0 ? gw->base : sbgw_loop_base_new()) == NULL ||
            (lp->wake = event_new(lp->base, -1, 0, wake_cb, lp)) == NULL || (n > 1 && sbgw_handoff_init(lp) != 0)) {
            return -1;
        }
    }
    return 0;
}

static void *loop_main(void *arg)
{
    struct sbgw_loop *lp = arg;

    /* runs until sbgw_loops_exit, even while it has no connection and no listener (after a drain) */
    (void)event_base_loop(lp->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

int sbgw_loops_run(struct sbgw *gw)
{
    sigset_t all, old;
    int i, rc = 0;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (i = 1; i < gw->n_loops; i++) {
        if (pthread_create(&gw->loops[i].thread, NULL, loop_main, &gw->loops[i]) != 0) {
            rc = -1;
            break;
        }
        gw->loops[i].running = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void sbgw_loops_exit(struct sbgw *gw)
{
    int i;

    for (i = 0; i < gw->n_loops; i++) {
        event_base_loopexit(gw->loops[i].base, NULL);
    }
}

void sbgw_loops_join(struct sbgw *gw)
{
    int i;

    for (i = 1; i < gw->n_loops; i++) {
        struct sbgw_loop *lp = &gw->loops[i];

        if (lp->running) {
            event_base_loopexit(lp->base, NULL);    /* (kept until the loop runs: a break would be lost) */
            event_base_loopbreak(lp->base);
            pthread_join(lp->thread, NULL);
            lp->running = 0;
        }
    }
}

void sbgw_loops_free(struct sbgw *gw)
{
    int i;

    if (gw->loops == NULL) {
        return;
    }
    for (i = 0; i < gw->n_loops; i++) {
        struct sbgw_loop *lp = &gw->loops[i];

        if (lp->wake != NULL) {
            event_free(lp->wake);
        }
        sbgw_handoff_free(lp);
        if (i > 0 && lp->base != NULL) {
            event_base_free(lp->base);
        }
    }
    free(gw->loops);
    gw->loops = NULL;
    gw->n_loops = 0;
}

static unsigned long long thread_cpu_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
        return 0;
    }
    return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec + 1;   /* never 0 */
}

unsigned long long sbgw_loop_busy_begin(struct sbgw_loop *lp)
{
    /* the thread CPU clock is a system call (~1 us): one callback in SBGW_LOOP_BUSY_SAMPLE is measured */
    if (lp->busy_tick++ % SBGW_LOOP_BUSY_SAMPLE != 0) {
        return 0;
    }
    return thread_cpu_ns();
}

void sbgw_loop_busy_end(struct sbgw_loop *lp, unsigned long long t0)
{
    static const unsigned long long bounds[SBGW_LOOP_BUSY_N] = SBGW_LOOP_BUSY_BOUNDS;
    unsigned long long t1, d;
    int i;

    if (t0 == 0) {
        return;
    }
    t1 = thread_cpu_ns();
    d = t1 > t0 ? t1 - t0 : 0;
    for (i = 0; i < SBGW_LOOP_BUSY_N && d > bounds[i]; i++) {
    }
    /* only this loop's thread writes them: plain read-modify-write, atomic stores for the readers */
    __atomic_store_n(&lp->busy_hist[i], lp->busy_hist[i] + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&lp->busy_sum_ns, lp->busy_sum_ns + d, __ATOMIC_RELAXED);
    if (d > lp->busy_max_ns) {
        __atomic_store_n(&lp->busy_max_ns, d, __ATOMIC_RELAXED);
    }
}
