/*
 * gateway/daemon/audit_commit.c — the audit chain's head and its group commit (see audit.h, audit_local.h).
 *
 * Appending a record has a part that must be serialised — its seq and prev come from the record before it,
 * and its hash covers both — and a part that only has to follow it: the write(2). They are split:
 *
 *   sequencing (a->chain_mu, short): take seq = head + 1 and prev = the head's hash, hash the record's
 *     canonical text (rendered before, without any lock: audit.c), append its line to the pending bytes and
 *     move the head. No I/O, no allocation in the common case, one SHA-256 over ~600 bytes.
 *   committing (a->mu, the file lock): whoever holds it writes everything pending with one write(2)
 *     (flat combining / group commit), then marks every record of that batch written. An appender takes
 *     a->mu after sequencing; if its record was in a batch another thread wrote meanwhile, it is done at
 *     once, else it writes the batch itself. So workers never write one after the other, each record is
 *     written before its appender returns (and so before its reply), and the file holds the records in
 *     chain order, since batches are taken and written under a->mu in the order they were sequenced.
 *
 * Failures keep today's rules: a batch that cannot be written is cut back (the file ends in a whole
 * record), every record of it and every record sequenced after it (they chain onto it) is refused, and the
 * head goes back to the last record written. While the log is failing, lost, broken, closed or held (a
 * reopen in progress), sequencing without a->mu is closed: appenders take a->mu first (audit.c's slow
 * path: the "resumed" record, the refusal), exactly as every append did before.
 */
#include "gateway/daemon/audit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/daemon/audit_local.h"

/* The time text of now (as sbgw_time_now_text writes it), formatting the date only when the second
 * changes. Under chain_mu: records' times follow their seq. */
static void now_text_chained(struct sbgw_audit *a, char ts[40])
{
    struct timespec now;
    struct tm tm;
    long ms;

    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec != a->c_sec || a->c_day[0] == '\0') {
        gmtime_r(&now.tv_sec, &tm);
        snprintf(a->c_day, sizeof(a->c_day), "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        a->c_sec = now.tv_sec;
    }
    ms = now.tv_nsec / 1000000;
    memcpy(ts, a->c_day, 20);
    ts[20] = (char)('0' + ms / 100);
    ts[21] = (char)('0' + ms / 10 % 10);
    ts[22] = (char)('0' + ms % 10);
    ts[23] = 'Z';
    ts[24] = '\0';
}

int sbgw_audit_chain_add(struct sbgw_audit *a, sbgw_audit_build build, void *arg, int force,
                         struct sbgw_audit_waiter *w, struct sbgw_audit_pos *pos)
{
    char ts[40], hash[65];
    size_t mark;
    int e;

    pthread_mutex_lock(&a->chain_mu);
    if (a->closed && !force) {
        pthread_mutex_unlock(&a->chain_mu);
        return EAGAIN;
    }
    now_text_chained(a, ts);
    mark = a->pend.n;
    if ((e = build(arg, a, a->cseq + 1, ts, a->cprev, &a->pend, hash)) != 0 || a->pend.failed) {
        a->pend.failed = 0;                  /* a failed realloc left the buffer as it was: drop this record */
        a->pend.n = mark;
        if (a->pend.p != NULL) {
            a->pend.p[mark] = '\0';
        }
        pthread_mutex_unlock(&a->chain_mu);
        return e != 0 ? e : ENOMEM;
    }
    a->cseq++;
    memcpy(a->cprev, hash, sizeof(a->cprev));
    if (w != NULL) {
        w->next = NULL;
        w->done = 0;
        w->err = 0;
        *a->pend_tail = w;
        a->pend_tail = &w->next;
    }
    if (pos != NULL) {
        pos->seq = a->cseq;
        pos->off = mark;
        pos->len = a->pend.n - mark;
        memcpy(pos->hash, hash, sizeof(pos->hash));
    }
    pthread_mutex_unlock(&a->chain_mu);
    return 0;
}

/* Mark the appenders of list done with err. */
static void settle(struct sbgw_audit_waiter *list, int err)
{
    struct sbgw_audit_waiter *next;

    for (; list != NULL; list = next) {
        next = list->next;           /* read first: once done is set the waiter's owner may return */
        list->err = err;
        list->done = 1;
    }
}

/* After a batch was not written (or not all of it): what was sequenced since chains onto records the file
 * does not hold, so it is refused too, and the head goes back to the last record written. */
void sbgw_audit_roll_back_locked(struct sbgw_audit *a, int e)
{
    struct sbgw_audit_waiter *late;

    pthread_mutex_lock(&a->chain_mu);
    late = a->pend_head;
    a->pend_head = NULL;
    a->pend_tail = &a->pend_head;
    a->pend.n = 0;
    if (a->pend.p != NULL) {
        a->pend.p[0] = '\0';
    }
    a->cseq = a->seq;
    memcpy(a->cprev, a->prev, sizeof(a->cprev));
    pthread_mutex_unlock(&a->chain_mu);
    settle(late, e);
}

int sbgw_audit_flush_locked(struct sbgw_audit *a, const char *what)
{
    struct sb_jtext batch;
    struct sbgw_audit_waiter *list;
    long long last_seq;
    char last_hash[65];
    int e;

    pthread_mutex_lock(&a->chain_mu);
    batch = a->pend;                 /* the pending bytes become the batch; the spare buffer takes their place */
    a->pend = a->spare;
    a->pend.n = 0;
    if (a->pend.p != NULL) {
        a->pend.p[0] = '\0';
    }
    list = a->pend_head;
    a->pend_head = NULL;
    a->pend_tail = &a->pend_head;
    last_seq = a->cseq;
    memcpy(last_hash, a->cprev, sizeof(last_hash));
    pthread_mutex_unlock(&a->chain_mu);
    a->spare = batch;
    if (batch.n == 0) {
        settle(list, 0);             /* (nothing pending has no waiter) */
        return 0;
    }
    if (a->broken || a->fd < 0 || a->lost) {       /* (a failing log is written: the "resumed" probe) */
        e = a->failing != 0 ? a->failing : EIO;
        sbgw_audit_roll_back_locked(a, e);
        settle(list, e);
        return e;
    }
    if ((e = sbgw_audit_write_locked(a, batch.p, batch.n)) != 0) {
        sbgw_audit_fail_locked(a, e, what);
        sbgw_audit_roll_back_locked(a, e);
        settle(list, e);
        return e;
    }
    a->seq = last_seq;
    memcpy(a->prev, last_hash, sizeof(a->prev));
    __atomic_add_fetch(&a->batches, 1, __ATOMIC_RELAXED);
    if (a->mode == SBGW_FSYNC_EVERY && fdatasync(a->fd) != 0) {
        /* written but not durable: still refuse to answer as if all was well */
        e = errno;
        sbgw_audit_fail_locked(a, e, "sync");
    } else if (a->mode == SBGW_FSYNC_BATCH) {
        a->dirty = 1;
    }
    settle(list, e);
    return e;
}

int sbgw_audit_put_locked(struct sbgw_audit *a, sbgw_audit_build build, void *arg, const char *what,
                          struct sbgw_audit_pos *pos)
{
    off_t base;
    int e;

    if ((e = sbgw_audit_chain_add(a, build, arg, 1, NULL, pos)) != 0) {
        return e;
    }
    base = a->size;                  /* the pending bytes start where the file ends (flushes need a->mu) */
    if ((e = sbgw_audit_flush_locked(a, what)) == 0 && pos != NULL) {
        pos->off += (size_t)base;
    }
    return e;
}

void sbgw_audit_gate_locked(struct sbgw_audit *a)
{
    int closed = a->hold || a->fd < 0 || a->broken || a->lost || a->failing != 0;

    pthread_mutex_lock(&a->chain_mu);
    a->closed = closed;
    pthread_mutex_unlock(&a->chain_mu);
}

void sbgw_audit_chain_sync_locked(struct sbgw_audit *a)
{
    pthread_mutex_lock(&a->chain_mu);
    a->cseq = a->seq;
    memcpy(a->cprev, a->prev, sizeof(a->cprev));
    pthread_mutex_unlock(&a->chain_mu);
}

void sbgw_audit_hold_locked(struct sbgw_audit *a, int hold)
{
    a->hold = hold;
    sbgw_audit_gate_locked(a);
    if (hold) {
        (void)sbgw_audit_flush_locked(a, "write a record to");   /* what was sequenced goes to the open file */
    }
}
