/*
 * gateway/daemon/audit_watch.c — keeping the audit log writable: noticing the file removed, renamed away or
 * truncated under the daemon and reopening it at its path, probing after failed writes, the time cadence of
 * checkpoints, the side file, and readiness (see audit.h, audit_local.h).
 */
#include "gateway/daemon/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gateway/daemon/audit_checkpoint.h"
#include "gateway/daemon/audit_local.h"

/* Seconds from a to b (CLOCK_MONOTONIC). */
static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Set the trouble text (logged once by the flusher). */
static void trouble(struct sbgw_audit *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trouble(struct sbgw_audit *a, const char *fmt, ...)
{
    char t[sizeof(a->trouble)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t, sizeof(t), fmt, ap);
    va_end(ap);
    if (strcmp(t, a->trouble) != 0) {
        memcpy(a->trouble, t, sizeof(t));
        a->reported = 0;
    }
}

void sbgw_audit_side_sync_locked(struct sbgw_audit *a)
{
    char err[600];

    if (a->side_line == NULL || a->fd < 0) {
        return;
    }
    if (fdatasync(a->fd) != 0 ||
        sbgw_audit_side_write(a->side_path, a->path, a->side_off, a->side_line, a->side_len, err, sizeof(err)) != 0) {
        sbgw_audit_logf(a, 1, "audit: cannot write the checkpoint side file: %s", err);
        return;
    }
    free(a->side_line);
    a->side_line = NULL;
}

/* The side file from the flusher: the log synced and the file staged without the lock, renamed under it
 * unless the log was reopened meanwhile (then the reopen has written a newer one). */
static void side_flush(struct sbgw_audit *a, const struct timespec *now)
{
    char tmp[4200], err[600], *line;
    size_t len;
    off_t off;
    unsigned gen;
    int fd, ok;

    /* at most once a second: each update costs an fdatasync of the log and an fsync of the side file, and
     * syncs compete with the appends (a busy gateway writes a checkpoint every ~0.1 s) */
    if (elapsed(&a->side_at, now) < 1.0) {
        return;
    }
    pthread_mutex_lock(&a->mu);
    if ((line = a->side_line) == NULL || a->fd < 0) {
        pthread_mutex_unlock(&a->mu);
        return;
    }
    a->side_at = *now;
    a->side_line = NULL;
    len = a->side_len;
    off = a->side_off;
    gen = a->file_gen;
    fd = dup(a->fd);
    pthread_mutex_unlock(&a->mu);
    snprintf(tmp, sizeof(tmp), "%s.tmp-flusher", a->side_path);
    ok = fd >= 0 && fdatasync(fd) == 0 &&
         sbgw_audit_side_stage(tmp, a->path, off, line, len, err, sizeof(err)) == 0;
    if (fd >= 0) {
        close(fd);
    }
    if (!ok) {
        sbgw_audit_logf(a, 1, "audit: cannot write the checkpoint side file %s", a->side_path);
    }
    pthread_mutex_lock(&a->mu);
    if (ok && gen == a->file_gen && rename(tmp, a->side_path) != 0) {
        sbgw_audit_logf(a, 1, "audit: cannot replace the checkpoint side file %s: %s", a->side_path, strerror(errno));
    }
    pthread_mutex_unlock(&a->mu);
    if (ok) {
        unlink(tmp);            /* left only when dropped */
    }
    free(line);
}

/* A file newly found at the path: 1 when it is empty, 2 when its last record is this chain's head (a copy
 * of the log put back), 0 when it is another file. */
static int usable_file(struct sbgw_audit *a, int fd, const struct stat *st)
{
    char hash[65];
    long long seq = 0;

    if (st->st_size == 0) {
        return 1;
    }
    return sbgw_audit_last_record(fd, st->st_size, hash, &seq) == 0 && seq == a->seq &&
           strcmp(hash, a->prev) == 0 ? 2 : 0;
}

/* No usable file at the path. While the open file is still linked (renamed away) the daemon keeps writing
 * to it; when it was removed, decisions are refused until a file can be opened (the "resumed" record that
 * follows the "reopen" one names the gap). */
static void lose_locked(struct sbgw_audit *a, int linked, int e)
{
    if (!linked) {
        a->lost = 1;
        sbgw_audit_fail_locked(a, e, "reopen");
    }
}

/* Where a removed log's content goes: path + ".removed-" + UTC time + "-" + its last seq. */
static void rescue_name(struct sbgw_audit *a)
{
    char stamp[32];
    struct tm tm;
    time_t now = time(NULL);

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(a->rescue_path, sizeof(a->rescue_path), "%s.removed-%s-%lld", a->path, stamp, a->seq);
}

/* The flusher, without the lock: copy a removed log (still open) next to the new one. */
static void rescue(struct sbgw_audit *a)
{
    char path[sizeof(a->rescue_path)], buf[65536];
    off_t off = 0;
    ssize_t r = 0;
    int in, out;

    pthread_mutex_lock(&a->mu);
    in = a->rescue_fd;
    a->rescue_fd = -1;
    memcpy(path, a->rescue_path, sizeof(path));
    pthread_mutex_unlock(&a->mu);
    if (in < 0) {
        return;
    }
    if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0) {
        while ((r = pread(in, buf, sizeof(buf), off)) > 0 && write(out, buf, (size_t)r) == r) {
            off += r;
        }
        if (r != 0 || fsync(out) != 0) {
            r = -1;
        }
        close(out);
    }
    close(in);
    if (out < 0 || r != 0) {
        sbgw_audit_logf(a, 1, "audit: cannot copy the removed log to %s: %s", path, strerror(errno));
    } else {
        sbgw_audit_logf(a, 1, "audit: the removed log's %lld bytes were copied to %s", (long long)off, path);
    }
}

/* Move to the file at the path. state: what happened to the open one ("removed", "renamed", "truncated").
 * The chain is held (reopen_locked): nothing is sequenced meanwhile but by this thread. */
static int reopen_held_locked(struct sbgw_audit *a, const char *state, const char *why)
{
    struct stat st, old;
    int nfd, kind, linked;
    long long last_seq = a->seq;
    off_t old_size = a->size;
    json_t *extra;

    linked = a->fd >= 0 && fstat(a->fd, &old) == 0 && old.st_nlink > 0;
    if (strcmp(state, "truncated") == 0) {
        a->size = fstat(a->fd, &old) == 0 ? old.st_size : 0;
        nfd = -1;
    } else {
        if ((nfd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0 || fstat(nfd, &st) != 0) {
            int e = errno;

            if (nfd >= 0) {
                close(nfd);
            }
            lose_locked(a, linked, e);
            trouble(a, "cannot open %s: %s", a->path, strerror(e));
            return -1;
        }
        if ((kind = usable_file(a, nfd, &st)) == 0) {
            close(nfd);
            lose_locked(a, linked, EEXIST);
            trouble(a, "%s is now another file, not this chain's log (%s): move it away", a->path,
                    linked ? "still writing to the renamed file" : "decisions are refused");
            return -1;
        }
        if (linked && kind == 1 && !a->broken && a->failing == 0) {
            (void)sbgw_audit_event_locked(a, "rotate", NULL);     /* the old file's closing checkpoint */
            sbgw_audit_side_sync_locked(a);
        }
        if (a->fd >= 0) {
            if (!linked && a->rescue_fd < 0 && (a->rescue_fd = dup(a->fd)) >= 0) {
                rescue_name(a);
            }
            if (a->mode != SBGW_FSYNC_OFF) {
                fdatasync(a->fd);
            }
            close(a->fd);
        }
        a->fd = nfd;
        a->dev = st.st_dev;
        a->ino = st.st_ino;
        a->size = st.st_size;
        a->broken = 0;
        __atomic_add_fetch(&a->file_gen, 1, __ATOMIC_RELAXED);
        free(a->side_line);
        a->side_line = NULL;
        if (kind == 2) {            /* the chain's own log, put back: carry on */
            a->lost = 0;
            sbgw_audit_logf(a, 1, "audit: %s was replaced by a copy ending at this chain's head; continuing in it",
                            a->path);
            return 0;
        }
    }
    a->lost = 0;
    extra = json_pack("{s:s,s:{s:s,s:I,s:I,s:s?}}", "why", why, "previous", "state", state, "last_seq",
                      (json_int_t)last_seq, "size", (json_int_t)old_size, "copied_to",
                      !linked && a->rescue_fd >= 0 ? a->rescue_path : NULL);
    if (sbgw_audit_event_locked(a, "reopen", extra) == 0) {
        sbgw_audit_side_sync_locked(a);
        a->trouble[0] = '\0';
    }
    __atomic_add_fetch(&a->reopens, 1, __ATOMIC_RELAXED);
    sbgw_audit_logf(a, 1, "audit: %s (%s); reopened %s: the chain continues at seq %lld in the new file", why, state,
                    a->path, a->seq);
    return a->failing == 0 ? 0 : -1;
}

/* reopen_held_locked with the chain held: what was sequenced before goes to the open file, and no decision
 * lands between the old file's last record ("rotate") and the new file's first ("reopen"). */
static int reopen_locked(struct sbgw_audit *a, const char *state, const char *why)
{
    int r;

    sbgw_audit_hold_locked(a, 1);
    r = reopen_held_locked(a, state, why);
    sbgw_audit_hold_locked(a, 0);
    return r;
}

int sbgw_audit_check_file_locked(struct sbgw_audit *a, const char *why)
{
    struct stat ps, fs;
    int have_path = stat(a->path, &ps) == 0;

    if (a->fd < 0 || fstat(a->fd, &fs) != 0) {
        return reopen_locked(a, "removed", why != NULL ? why : "the log file could not be used");
    }
    if (!have_path || ps.st_dev != fs.st_dev || ps.st_ino != fs.st_ino) {
        if (fs.st_nlink == 0) {
            return reopen_locked(a, "removed", why != NULL ? why : "the log file was removed");
        }
        return reopen_locked(a, "renamed", why != NULL ? why : "the log file was renamed or replaced");
    }
    if (fs.st_nlink == 0) {
        return reopen_locked(a, "removed", why != NULL ? why : "the log file was removed");
    }
    if (fs.st_size < a->size) {
        return reopen_locked(a, "truncated", why != NULL ? why : "the log file was truncated");
    }
    return a->lost ? -1 : 0;
}

void sbgw_audit_watch(struct sbgw_audit *a)
{
    struct timespec now;
    char msg[sizeof(a->trouble)];
    int say = 0;

    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&a->mu);
    (void)sbgw_audit_check_file_locked(a, a->reopen_why);
    a->reopen_why = NULL;
    if (a->failing != 0 && !a->lost && now.tv_sec != a->probe_at) {
        a->probe_at = now.tv_sec;                  /* at most once a second */
        (void)sbgw_audit_resume_locked(a);
    }
    if (a->signer.key != NULL && a->failing == 0 && !a->lost && a->seq > a->ckpt_seq &&
        elapsed(&a->ckpt_at, &now) >= (double)a->every_s) {
        (void)sbgw_audit_event_locked(a, "cadence", NULL);
    }
    if (a->trouble[0] != '\0' && !a->reported) {
        a->reported = 1;
        memcpy(msg, a->trouble, sizeof(msg));
        say = 1;
    }
    pthread_mutex_unlock(&a->mu);
    if (say) {
        sbgw_audit_logf(a, 1, "audit: %s", msg);
    }
    rescue(a);
    side_flush(a, &now);
}

void sbgw_audit_reopen(struct sbgw_audit *a, const char *why)
{
    pthread_mutex_lock(&a->mu);
    a->reopen_why = why;
    pthread_cond_signal(&a->cv);        /* the flusher checks the file now (no file I/O on the caller's thread) */
    pthread_mutex_unlock(&a->mu);
}

int sbgw_audit_ready(struct sbgw_audit *a, char *why, size_t whylen)
{
    int ok;

    pthread_mutex_lock(&a->mu);
    ok = a->fd >= 0 && !a->broken && !a->lost && a->failing == 0;
    if (!ok && why != NULL) {
        snprintf(why, whylen, "decisions cannot be audited: %s", a->trouble[0] != '\0' ? a->trouble
                 : a->broken ? "a failed write could not be cut back" : "the audit log is not open");
    }
    pthread_mutex_unlock(&a->mu);
    return ok;
}
