/*
 * gateway/daemon/audit_open.c — opening the audit log (continuing its chain, checking it against the side
 * file, --audit-new-chain), the flusher thread, and closing (see audit.h, audit_local.h).
 */
#include "gateway/daemon/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gateway/daemon/audit_checkpoint.h"
#include "gateway/daemon/audit_local.h"

/* The flusher wakes at least this often (ms) to check the file, whatever batch_ms is. */
#define WATCH_MS 250

static void *flusher_main(void *arg)
{
    struct sbgw_audit *a = arg;
    struct timespec ts, now, synced;
    int fd, dirty, tick;

    clock_gettime(CLOCK_MONOTONIC, &synced);
    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        tick = a->batch_ms < WATCH_MS ? a->batch_ms : WATCH_MS;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)tick * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&a->cv, &a->mu, &ts);
        if (a->stop) {
            break;
        }
        /* fsync at most every batch_ms (the loss window the operator chose) */
        clock_gettime(CLOCK_MONOTONIC, &now);
        dirty = a->dirty && a->mode == SBGW_FSYNC_BATCH && a->fd >= 0 &&
                (now.tv_sec - synced.tv_sec) * 1000 + (now.tv_nsec - synced.tv_nsec) / 1000000 >= a->batch_ms - 1;
        /* a duplicate: a reopen may close a->fd while this one syncs */
        fd = dirty ? dup(a->fd) : -1;
        if (dirty) {
            a->dirty = 0;
            synced = now;
        }
        pthread_mutex_unlock(&a->mu);
        if (dirty && (fd < 0 || fdatasync(fd) != 0)) {
            __atomic_add_fetch(&a->errors, 1, __ATOMIC_RELAXED);
        }
        if (fd >= 0) {
            close(fd);
        }
        sbgw_audit_watch(a);
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Read the last whole line ending at offset end (exclusive of its '\n' at end - 1) into buf. */
static int read_last_line(int fd, off_t end, char *buf, size_t cap, size_t *len)
{
    off_t start = end - 1, lo;
    size_t want;
    ssize_t r;

    /* end - 1 is the '\n'; search backwards for the previous one */
    lo = start - (off_t)cap;
    if (lo < 0) {
        lo = 0;
    }
    want = (size_t)(start - lo);
    r = pread(fd, buf, want, lo);
    if (r < 0 || (size_t)r != want) {
        return -1;
    }
    while (want > 0 && buf[want - 1] != '\n') {
        want--;
    }
    if (want == 0 && lo > 0) {
        return -2;           /* longer than cap */
    }
    *len = (size_t)(start - lo) - want;
    memmove(buf, buf + want, *len);
    buf[*len] = '\0';
    return 0;
}

/* Offset just past the last '\n' of the file (0 if none). */
static int last_newline_end(int fd, off_t size, off_t *out)
{
    char buf[65536];
    off_t pos = size;
    ssize_t r, i;
    size_t n;

    while (pos > 0) {
        n = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
        pos -= (off_t)n;
        if ((r = pread(fd, buf, n, pos)) < 0 || (size_t)r != n) {
            return -1;
        }
        for (i = (ssize_t)n - 1; i >= 0; i--) {
            if (buf[i] == '\n') {
                *out = pos + i + 1;
                return 0;
            }
        }
    }
    *out = 0;
    return 0;
}

int sbgw_audit_last_record(int fd, off_t end, char hash[65], long long *seq)
{
    char *line;
    size_t len = 0;
    json_t *rec, *h, *sq;
    json_error_t je;
    char calc[65];
    int rc = -3, r;

    if ((line = malloc(SBGW_AUDIT_MAX_LINE + 1)) == NULL) {
        return -1;
    }
    if ((r = read_last_line(fd, end, line, SBGW_AUDIT_MAX_LINE, &len)) != 0) {
        free(line);
        return r;
    }
    rec = json_loadb(line, len, 0, &je);
    free(line);
    if (rec != NULL && (h = json_object_get(rec, "hash")) != NULL && json_is_string(h) &&
        sbgw_audit_is_hex64(json_string_value(h)) && (sq = json_object_get(rec, "seq")) != NULL &&
        json_is_integer(sq)) {
        rc = -4;
        if (sbgw_audit_hash(rec, calc) == 0 && strcmp(calc, json_string_value(h)) == 0) {
            memcpy(hash, calc, sizeof(calc));
            *seq = (long long)json_integer_value(sq);
            rc = 0;
        }
    }
    json_decref(rec);
    return rc;
}

static int continue_chain(struct sbgw_audit *a, struct sbgw_audit_open_info *info, char *err, size_t errlen)
{
    struct stat st;
    off_t end;
    int r;

    if (fstat(a->fd, &st) != 0 || last_newline_end(a->fd, st.st_size, &end) != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", a->path, strerror(errno));
        return -1;
    }
    a->dev = st.st_dev;
    a->ino = st.st_ino;
    if (end < st.st_size) {
        if (ftruncate(a->fd, end) != 0) {
            snprintf(err, errlen, "%s: cannot cut the torn last record: %s", a->path, strerror(errno));
            return -1;
        }
        info->cut_bytes = (size_t)(st.st_size - end);
    }
    a->size = end;
    memcpy(a->prev, sbgw_audit_genesis, sizeof(sbgw_audit_genesis));
    a->seq = 0;
    if (end == 0) {
        return 0;
    }
    switch ((r = sbgw_audit_last_record(a->fd, end, a->prev, &a->seq))) {
    case 0:
        return 0;
    case -4:
        snprintf(err, errlen, "%s: the last record's hash does not match its content (edited?); run 'sigbridge "
                              "audit verify %s' and move the file aside", a->path, a->path);
        break;
    case -3:
        snprintf(err, errlen, "%s: the last record is not a sigbridge audit record; run 'sigbridge audit verify %s' "
                              "and move the file aside", a->path, a->path);
        break;
    default:
        snprintf(err, errlen, "%s: cannot read the last record%s", a->path, r == -2 ? " (longer than 64 KiB)" : "");
        break;
    }
    memcpy(a->prev, sbgw_audit_genesis, sizeof(sbgw_audit_genesis));
    a->seq = 0;
    return -1;
}

/* Does the log hold the side file's checkpoint? 1 yes, 0 no (found says what is there instead), -1 the side
 * file is unreadable (found says why). ck_seq / ck_hash: the side file's checkpoint. */
static int holds_checkpoint(struct sbgw_audit *a, long long *ck_seq, char ck_hash[65], char *found, size_t flen)
{
    json_t *ck = NULL, *rec;
    long long off = 0, seq = 0;
    const char *h;
    char *buf = NULL, *nl, calc[65];
    ssize_t r;
    int rc;

    *ck_seq = 0;
    ck_hash[0] = '\0';
    if ((rc = sbgw_audit_side_read(a->side_path, &ck, &off, found, flen)) <= 0) {
        return rc == 0 ? 1 : -1;
    }
    h = json_string_value(json_object_get(ck, "hash"));
    *ck_seq = (long long)json_integer_value(json_object_get(ck, "seq"));
    snprintf(ck_hash, 65, "%s", h != NULL ? h : "");
    json_decref(ck);
    if (off >= (long long)a->size) {
        snprintf(found, flen, "the log has %lld bytes and ends at seq %lld; the checkpoint was at byte %lld",
                 (long long)a->size, a->seq, off);
        return 0;
    }
    if ((buf = malloc(SBGW_AUDIT_MAX_LINE + 1)) == NULL || (r = pread(a->fd, buf, SBGW_AUDIT_MAX_LINE, off)) <= 0) {
        snprintf(found, flen, "cannot read the log at byte %lld", off);
        free(buf);
        return 0;
    }
    buf[r] = '\0';
    rc = 0;
    if ((nl = strchr(buf, '\n')) == NULL || (rec = json_loadb(buf, (size_t)(nl - buf), 0, NULL)) == NULL) {
        snprintf(found, flen, "no record starts at byte %lld of the log", off);
    } else {
        seq = (long long)json_integer_value(json_object_get(rec, "seq"));
        if (sbgw_audit_hash(rec, calc) == 0 && strcmp(calc, ck_hash) == 0 && seq == *ck_seq) {
            rc = 1;
        } else {
            snprintf(found, flen, "the record at byte %lld is seq %lld with hash %.16s...", off, seq, calc);
        }
        json_decref(rec);
    }
    free(buf);
    return rc;
}

/* --audit-new-chain: move the log aside (when it holds anything), start a new one whose first record names
 * the old head and why. */
static int new_chain(struct sbgw_audit *a, long long ck_seq, const char *ck_hash, const char *why,
                     const char *found, struct sbgw_audit_open_info *info, char *err, size_t errlen)
{
    char stamp[32];
    struct tm tm;
    struct stat st;
    time_t now = time(NULL);
    json_t *extra;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    if (fstat(a->fd, &st) == 0 && st.st_size > 0) {
        snprintf(info->moved_to, sizeof(info->moved_to), "%s.replaced-%s", a->path, stamp);
        if (rename(a->path, info->moved_to) != 0) {
            snprintf(err, errlen, "%s: cannot move it aside to %s: %s", a->path, info->moved_to, strerror(errno));
            return -1;
        }
    }
    close(a->fd);
    if ((a->fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 || fstat(a->fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", a->path, strerror(errno));
        return -1;
    }
    a->dev = st.st_dev;
    a->ino = st.st_ino;
    a->size = 0;
    a->seq = 0;
    memcpy(a->prev, sbgw_audit_genesis, sizeof(sbgw_audit_genesis));
    sbgw_audit_chain_sync_locked(a);
    extra = json_pack("{s:s,s:{s:I,s:s?,s:s,s:s?}}", "why", why, "previous",
                      "checkpoint_seq", (json_int_t)ck_seq, "checkpoint_hash", ck_hash[0] != '\0' ? ck_hash : NULL,
                      "found", found, "moved_to", info->moved_to[0] != '\0' ? info->moved_to : NULL);
    if (sbgw_audit_event_locked(a, "new_chain", extra) != 0) {
        snprintf(err, errlen, "%s: cannot write the new chain's first record: %s", a->path, strerror(a->failing));
        return -1;
    }
    info->new_chain = 1;
    return 0;
}

/* Continue the chain, or refuse, or start a new one (o->new_chain). */
static int check_start(struct sbgw_audit *a, const struct sbgw_audit_opts *o, struct sbgw_audit_open_info *info,
                       const char *chain_err, char *err, size_t errlen)
{
    char found[600], ck_hash[65];
    long long ck_seq = 0;
    int held;

    if (chain_err != NULL) {          /* the last record is not valid (only reached with new_chain) */
        snprintf(found, sizeof(found), "%s", chain_err);
        ck_hash[0] = '\0';
        return new_chain(a, 0, ck_hash, "started with --audit-new-chain: the log's last record is not a valid "
                         "audit record", found, info, err, errlen);
    }
    held = holds_checkpoint(a, &ck_seq, ck_hash, found, sizeof(found));
    if (held == 1) {
        info->side_checked = ck_seq > 0;
        if (o->new_chain) {
            sbgw_audit_logf(a, 0, "audit: --audit-new-chain: %s holds its last checkpoint; the chain continues",
                            a->path);
        }
        return 0;
    }
    if (!o->new_chain) {
        if (held < 0) {
            snprintf(err, errlen, "%s; move it aside only after checking the log", found);
        } else {
            snprintf(err, errlen, "%s does not hold the checkpoint named by %s (seq %lld, hash %.16s...): %s. The log "
                     "was replaced or cut before its last checkpoint: keep it as evidence, check it with 'sigbridge "
                     "audit verify --cert CERT %s', then start with --audit-new-chain to begin a new chain that "
                     "names the old head", a->path, a->side_path, ck_seq, ck_hash, found, a->path);
        }
        return -1;
    }
    return new_chain(a, ck_seq, ck_hash, held < 0 ? "started with --audit-new-chain: the checkpoint side file "
                     "is unreadable" : "started with --audit-new-chain: the log does not hold the checkpoint named by "
                     "its side file (replaced, or cut before it)", found, info, err, errlen);
}

static void release_file(struct sbgw_audit *a, int sync)
{
    if (a->rescue_fd >= 0) {
        close(a->rescue_fd);
        a->rescue_fd = -1;
    }
    if (a->fd >= 0) {
        if (sync) {
            fdatasync(a->fd);
        }
        close(a->fd);
    }
    a->fd = -1;
    if (a->chain_ready) {
        pthread_mutex_destroy(&a->chain_mu);
        a->chain_ready = 0;
    }
    sb_jtext_free(&a->pend);
    sb_jtext_free(&a->spare);
    if (a->lock_ready) {
        pthread_cond_destroy(&a->anchor_cv);
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        a->lock_ready = 0;
    }
    free(a->path);
    a->path = NULL;
    free(a->side_path);
    a->side_path = NULL;
    free(a->side_line);
    a->side_line = NULL;
    sbgw_audit_signer_free(&a->signer);
    EVP_MD_free(a->sha256);
    a->sha256 = NULL;
    free(a->tsa_url);
    a->tsa_url = NULL;
    free(a->tsa_policy);
    a->tsa_policy = NULL;
}

static char *side_path_of(const struct sbgw_audit_opts *o)
{
    size_t n = strlen(o->path) + sizeof(".checkpoint");
    char *p;

    if (o->checkpoint_file != NULL) {
        return strdup(o->checkpoint_file);
    }
    if ((p = malloc(n)) != NULL) {
        snprintf(p, n, "%s.checkpoint", o->path);
    }
    return p;
}

int sbgw_audit_open(struct sbgw_audit *a, const struct sbgw_audit_opts *o, struct sbgw_audit_open_info *info,
                    char *err, size_t errlen)
{
    char chain_err[600];
    int chain_bad = 0;

    memset(a, 0, sizeof(*a));
    memset(info, 0, sizeof(*info));
    a->fd = -1;
    a->rescue_fd = -1;
    a->mode = o->fsync;
    a->batch_ms = o->batch_ms > 0 ? o->batch_ms : 100;
    a->every_records = o->every_records > 0 ? o->every_records : 1000;
    a->every_s = o->every_s > 0 ? o->every_s : 10;
    a->log = o->log;
    snprintf(a->node_id, sizeof(a->node_id), "%s", o->node_id);
    clock_gettime(CLOCK_MONOTONIC, &a->ckpt_at);
    if ((a->path = strdup(o->path)) == NULL || (a->side_path = side_path_of(o)) == NULL ||
        (a->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
        (o->tsa_url != NULL && (a->tsa_url = strdup(o->tsa_url)) == NULL) ||
        (o->tsa_policy != NULL && (a->tsa_policy = strdup(o->tsa_policy)) == NULL)) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    a->tsa_timeout_ms = o->tsa_timeout_ms > 0 ? o->tsa_timeout_ms : 5000;
    if (o->signing_key != NULL &&
        sbgw_audit_signer_load(&a->signer, o->signing_key, o->signing_cert, err, errlen) != 0) {
        goto err;
    }
    if (pthread_mutex_init(&a->mu, NULL) != 0) {
        snprintf(err, errlen, "cannot create the audit lock");
        goto err;
    }
    if (pthread_cond_init(&a->cv, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        snprintf(err, errlen, "cannot create the audit lock");
        goto err;
    }
    if (pthread_cond_init(&a->anchor_cv, NULL) != 0) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        snprintf(err, errlen, "cannot create the audit lock");
        goto err;
    }
    a->lock_ready = 1;
    if (pthread_mutex_init(&a->chain_mu, NULL) != 0) {
        snprintf(err, errlen, "cannot create the audit lock");
        goto err;
    }
    a->chain_ready = 1;
    a->closed = 1;                   /* until the log is open and its chain continued */
    a->pend_tail = &a->pend_head;
    if ((a->fd = open(o->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", o->path, strerror(errno));
        goto err;
    }
    if (continue_chain(a, info, chain_err, sizeof(chain_err)) != 0) {
        if (!o->new_chain) {
            snprintf(err, errlen, "%s", chain_err);
            goto err;
        }
        chain_bad = 1;
    }
    info->last_seq = a->seq;
    memcpy(info->last_hash, a->prev, sizeof(a->prev));
    pthread_mutex_lock(&a->mu);
    sbgw_audit_chain_sync_locked(a);
    if (check_start(a, o, info, chain_bad ? chain_err : NULL, err, errlen) != 0) {
        pthread_mutex_unlock(&a->mu);
        goto err;
    }
    if (info->new_chain) {
        info->last_seq = 0;
        memcpy(info->last_hash, sbgw_audit_genesis, sizeof(sbgw_audit_genesis));
    }
    if (a->signer.key != NULL && !info->new_chain) {
        (void)sbgw_audit_event_locked(a, "start", NULL);   /* a full disk: started, but not ready */
    }
    sbgw_audit_side_sync_locked(a);
    sbgw_audit_gate_locked(a);       /* appenders may sequence without mu from now on */
    pthread_mutex_unlock(&a->mu);
    if (pthread_create(&a->flusher, NULL, flusher_main, a) != 0) {
        snprintf(err, errlen, "cannot start the audit flusher thread");
        goto err;
    }
    a->flusher_running = 1;
    if (sbgw_audit_anchorer_start(a) != 0) {
        snprintf(err, errlen, "cannot start the audit anchor thread");
        sbgw_audit_close(a);
        return -1;
    }
    return 0;
err:
    release_file(a, 0);
    return -1;
}

void sbgw_audit_close(struct sbgw_audit *a)
{
    if (a->path == NULL) {          /* never opened, or already closed */
        return;
    }
    sbgw_audit_anchorer_stop(a);    /* no anchor for the "stop" checkpoint */
    if (a->flusher_running) {
        pthread_mutex_lock(&a->mu);
        a->stop = 1;
        pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->flusher, NULL);
        a->flusher_running = 0;
    }
    pthread_mutex_lock(&a->mu);
    sbgw_audit_hold_locked(a, 1);    /* what is pending is written; "stop" is the last record */
    if (a->signer.key != NULL && a->fd >= 0 && !a->broken && !a->lost && a->failing == 0) {
        (void)sbgw_audit_event_locked(a, "stop", NULL);
    }
    sbgw_audit_side_sync_locked(a);
    pthread_mutex_unlock(&a->mu);
    release_file(a, a->mode != SBGW_FSYNC_OFF);
}
