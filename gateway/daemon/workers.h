/*
 * gateway/daemon/workers.h — the fixed worker pool: a bounded FIFO of jobs, N threads that run them, and a done
 * queue drained on the loop thread.
 *
 * A job's run() executes on a worker (all parsing and crypto happen there); its done() executes later on
 * the thread of the event loop that submitted it (each loop owns its connections): the worker pushes the
 * job on that loop's done queue and event_active()s the queue's pre-made event (evthread_use_pthreads()
 * must have been called before the event bases were made). A full queue refuses the job at once (the caller answers 503 + Retry-After), so memory
 * never grows without bound. A job cancelled before a worker picks it up is not run (done() still is).
 * Worker threads block every signal so that signals reach the loop thread's libevent handlers.
 */
#ifndef SBGW_WORKERS_H
#define SBGW_WORKERS_H

#include <pthread.h>
#include <event2/event.h>

struct sbgw_work {
    struct sbgw_work *next;                  /* queue link, owned by the pool while queued */
    void (*run)(struct sbgw_work *w);        /* on a worker thread */
    void (*done)(struct sbgw_work *w);       /* on the loop thread, exactly once */
    int cancelled;                           /* set with __atomic from the loop; run() is skipped if set */
    int ran;                                 /* 1 if run() was called */
    struct sbgw_doneq *dq;                   /* the submitting loop's done queue (set by submit) */
};

/* One event loop's done queue. */
struct sbgw_doneq {
    pthread_mutex_t mu;
    struct sbgw_work *head, *tail;
    struct event *ev;                        /* owned */
    struct sbgw_pool *pool;
};

struct sbgw_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sbgw_work *head, *tail;           /* waiting jobs */
    long depth, cap;
    struct sbgw_doneq *dq;                   /* owned: one per event loop */
    int n_dq;
    pthread_t *threads;                      /* owned */
    int n, started, stop;
    long outstanding;                        /* atomic: submitted, done() not yet called (any loop) */
    unsigned long long busy_ns;              /* atomic */
    int busy_now;                            /* atomic: workers inside run() */
};

/* Start n threads with a queue of cap jobs; the done events of jobs submitted by loop i are delivered on
 * bases[i] (n_bases loops). 0 ok, -1 on failure. */
int sbgw_pool_start(struct sbgw_pool *p, struct event_base *const *bases, int n_bases, int n, long cap);
/* Queue w from loop `loop` (its thread). 0 queued; -1 the queue is full or the pool is stopping (w untouched). */
int sbgw_pool_submit(struct sbgw_pool *p, int loop, struct sbgw_work *w);
/* Change the queue capacity (reload). */
void sbgw_pool_set_cap(struct sbgw_pool *p, long cap);
/* Stop accepting, finish queued jobs, join the threads and deliver the remaining done() calls (on the
 * caller's thread: every loop must have stopped). */
void sbgw_pool_stop(struct sbgw_pool *p);
long sbgw_pool_depth(struct sbgw_pool *p);
double sbgw_pool_busy_seconds(struct sbgw_pool *p);

#endif
