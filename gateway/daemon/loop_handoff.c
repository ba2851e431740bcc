/*
 * gateway/daemon/loop_handoff.c — a new api connection goes to the loop with the fewest connections.
 *
 * Every loop accepts on its own SO_REUSEPORT socket (http_listen.c), and the kernel picks the socket by a hash
 * of the connection's addresses: with a few keep-alive clients one loop often holds most of them (four
 * clients are split 3+1 or 4+0 more often than 2+2). Cheap validations run on the loop that owns the
 * connection (verify_job.c), so that loop saturates while another idles, and half-saturation latency goes to
 * tens of milliseconds. So the loop that accepted a connection hands it to the loop with the fewest
 * connections — open, plus handed over and not yet started — when that one has fewer than itself ("exact
 * balance"); ties stay where they are. The handed connection is started by its new loop, which owns it from
 * then on as if it had accepted it; it holds its slot of the listener's cap throughout.
 *
 * Ownership: a handed connection (its descriptor and slot) is the queue's until the target loop starts it;
 * sbgw_handoff_free closes what is still queued and gives the slots back. Any thread may hand over; only the
 * target loop's thread takes from its queue.
 */
#include "gateway/daemon/sbgw.h"
#include "gateway/daemon/http_conn.h"

#include <stdio.h>
#include <stdlib.h>

struct sbgw_handoff {
    struct sbgw_handoff *next;
    struct sbgw_listener *l;
    evutil_socket_t fd;
    char peer[64];
};

static long load_of(struct sbgw_loop *lp)
{
    return __atomic_load_n(&lp->n_conns, __ATOMIC_RELAXED) + __atomic_load_n(&lp->incoming, __ATOMIC_RELAXED);
}

/* On the target loop: start every connection handed to it. */
static void take_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw_loop *lp = arg;
    struct sbgw_handoff *h, *next;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&lp->ho_mu);
    h = lp->ho_head;
    lp->ho_head = lp->ho_tail = NULL;
    pthread_mutex_unlock(&lp->ho_mu);
    for (; h != NULL; h = next) {
        next = h->next;
        __atomic_add_fetch(&lp->accepted, 1, __ATOMIC_RELAXED);
        (void)sbgw_conn_start(lp, h->l, h->fd, h->peer, 1);     /* (gives the slot back on failure) */
        __atomic_sub_fetch(&lp->incoming, 1, __ATOMIC_RELAXED);
        free(h);
    }
}

int sbgw_handoff_init(struct sbgw_loop *lp)
{
    if (pthread_mutex_init(&lp->ho_mu, NULL) != 0) {
        return -1;
    }
    lp->ho_init = 1;
    return (lp->ho_ev = event_new(lp->base, -1, 0, take_cb, lp)) != NULL ? 0 : -1;
}

void sbgw_handoff_free(struct sbgw_loop *lp)
{
    struct sbgw_handoff *h, *next;

    if (!lp->ho_init) {
        return;
    }
    for (h = lp->ho_head; h != NULL; h = next) {
        next = h->next;
        evutil_closesocket(h->fd);
        __atomic_sub_fetch(&h->l->n_conns, 1, __ATOMIC_ACQ_REL);   /* its slot of the cap */
        free(h);
    }
    lp->ho_head = lp->ho_tail = NULL;
    if (lp->ho_ev != NULL) {
        event_free(lp->ho_ev);
        lp->ho_ev = NULL;
    }
    pthread_mutex_destroy(&lp->ho_mu);
    lp->ho_init = 0;
}

int sbgw_handoff_maybe(struct sbgw_loop *from, struct sbgw_listener *l, evutil_socket_t fd, const char *peer)
{
    struct sbgw *gw = from->gw;
    struct sbgw_loop *to = NULL;
    struct sbgw_handoff *h;
    long best = load_of(from), n;
    int k;

    for (k = 0; k < gw->n_loops; k++) {
        if (&gw->loops[k] != from && gw->loops[k].ho_ev != NULL && (n = load_of(&gw->loops[k])) < best) {
            best = n;
            to = &gw->loops[k];
        }
    }
    if (to == NULL || sbgw_draining(gw) || (h = calloc(1, sizeof(*h))) == NULL) {
        return 0;
    }
    h->l = l;
    h->fd = fd;
    snprintf(h->peer, sizeof(h->peer), "%s", peer);
    __atomic_add_fetch(&to->incoming, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&to->ho_mu);
    if (to->ho_tail != NULL) {
        to->ho_tail->next = h;
    } else {
        to->ho_head = h;
    }
    to->ho_tail = h;
    pthread_mutex_unlock(&to->ho_mu);
    event_active(to->ho_ev, EV_READ, 0);
    return 1;
}
