/*
 * gateway/daemon/audit.c — hash-chained JSONL decision log (see audit.h).
 */
#include "gateway/daemon/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "gateway/daemon/json_writer.h"
#include "gateway/daemon/log.h"
#include "pki/base/hex.h"

const char sbgw_audit_genesis[65] = "0000000000000000000000000000000000000000000000000000000000000000";

int sbgw_audit_is_hex64(const char *s)
{
    size_t i;

    for (i = 0; i < 64; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return s[64] == '\0';
}

int sbgw_audit_hash(const json_t *rec, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    json_t *copy;
    char *canon;
    int rc = -1;

    if ((copy = json_copy((json_t *)(uintptr_t)rec)) == NULL) {
        return -1;
    }
    json_object_del(copy, "hash");
    canon = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(copy);
    if (canon == NULL) {
        return -1;
    }
    if (EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32) {
        sb_hex_encode(md, 32, out, 65);
        rc = 0;
    }
    free(canon);
    return rc;
}

/* ---- writing -------------------------------------------------------------------------------- */

static void *flusher_main(void *arg)
{
    struct sbgw_audit *a = arg;
    struct timespec ts;
    int fd, dirty;

    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)a->batch_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&a->cv, &a->mu, &ts);
        dirty = a->dirty && a->mode == SBGW_FSYNC_BATCH;
        fd = a->fd;
        if (dirty) {
            a->dirty = 0;
            pthread_mutex_unlock(&a->mu);
            if (fdatasync(fd) != 0) {
                __atomic_add_fetch(&a->errors, 1, __ATOMIC_RELAXED);
            }
            pthread_mutex_lock(&a->mu);
        }
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

static int continue_chain(struct sbgw_audit *a, struct sbgw_audit_open_info *info, char *err, size_t errlen)
{
    struct stat st;
    off_t end;
    char *line = NULL;
    size_t len = 0;
    json_t *rec = NULL, *h, *seq;
    json_error_t je;
    char calc[65];
    int rc = -1, r;

    if (fstat(a->fd, &st) != 0 || last_newline_end(a->fd, st.st_size, &end) != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", a->path, strerror(errno));
        return -1;
    }
    if (end < st.st_size) {
        if (ftruncate(a->fd, end) != 0) {
            snprintf(err, errlen, "%s: cannot cut the torn last record: %s", a->path, strerror(errno));
            return -1;
        }
        info->cut_bytes = (size_t)(st.st_size - end);
    }
    a->size = end;
    if (end == 0) {
        memcpy(a->prev, sbgw_audit_genesis, sizeof(sbgw_audit_genesis));
        return 0;
    }
    if ((line = malloc(SBGW_AUDIT_MAX_LINE + 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if ((r = read_last_line(a->fd, end, line, SBGW_AUDIT_MAX_LINE, &len)) != 0) {
        snprintf(err, errlen, "%s: cannot read the last record%s", a->path, r == -2 ? " (longer than 64 KiB)" : "");
        goto out;
    }
    if ((rec = json_loadb(line, len, 0, &je)) == NULL || (h = json_object_get(rec, "hash")) == NULL ||
        !json_is_string(h) || !sbgw_audit_is_hex64(json_string_value(h)) ||
        (seq = json_object_get(rec, "seq")) == NULL || !json_is_integer(seq)) {
        snprintf(err, errlen, "%s: the last record is not a sigbridge audit record; run 'sigbridge audit verify %s' "
                              "and move the file aside", a->path, a->path);
        goto out;
    }
    if (sbgw_audit_hash(rec, calc) != 0 || strcmp(calc, json_string_value(h)) != 0) {
        snprintf(err, errlen, "%s: the last record's hash does not match its content (edited?); run 'sigbridge "
                              "audit verify %s' and move the file aside", a->path, a->path);
        goto out;
    }
    memcpy(a->prev, calc, sizeof(calc));
    a->seq = (long long)json_integer_value(seq);
    rc = 0;
out:
    json_decref(rec);
    free(line);
    return rc;
}

/* Close the file (after fdatasync when sync) and free the path and the digest; a is then closed. */
static void release_file(struct sbgw_audit *a, int sync)
{
    if (a->fd >= 0) {
        if (sync) {
            fdatasync(a->fd);
        }
        close(a->fd);
    }
    a->fd = -1;
    free(a->path);
    a->path = NULL;
    EVP_MD_free(a->sha256);
    a->sha256 = NULL;
}

int sbgw_audit_open(struct sbgw_audit *a, const char *path, const char *node_id, enum sbgw_fsync mode,
                    int batch_ms, struct sbgw_audit_open_info *info, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    memset(info, 0, sizeof(*info));
    a->fd = -1;
    a->mode = mode;
    a->batch_ms = batch_ms > 0 ? batch_ms : 100;
    snprintf(a->node_id, sizeof(a->node_id), "%s", node_id);
    if ((a->path = strdup(path)) == NULL || (a->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
        snprintf(err, errlen, "out of memory");
        release_file(a, 0);
        return -1;
    }
    if ((a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto err;
    }
    if (continue_chain(a, info, err, errlen) != 0) {
        goto err;
    }
    info->last_seq = a->seq;
    memcpy(info->last_hash, a->prev, sizeof(a->prev));
    if (pthread_mutex_init(&a->mu, NULL) != 0 || pthread_cond_init(&a->cv, NULL) != 0) {
        snprintf(err, errlen, "cannot create the audit lock");
        goto err;
    }
    if (pthread_create(&a->flusher, NULL, flusher_main, a) != 0) {
        snprintf(err, errlen, "cannot start the audit flusher thread");
        goto err;
    }
    a->flusher_running = 1;
    return 0;
err:
    release_file(a, 0);
    return -1;
}

/* The record's text except seq, time, prev and hash, prepared before the chain lock is taken. */
struct prepared {
    struct sbgw_jbuf c_a;     /* canonical (sorted keys): client .. object_sha256 — then prev */
    struct sbgw_jbuf c_b;     /* reason, request_id, route — then seq */
    struct sbgw_jbuf c_c;     /* signer_serial .. subindication — then time */
    struct sbgw_jbuf c_d;     /* to */
    struct sbgw_jbuf line;    /* insertion order: node .. snapshot (between time and prev) */
};

static void prepared_free(struct prepared *p)
{
    sbgw_jbuf_free(&p->c_a);
    sbgw_jbuf_free(&p->c_b);
    sbgw_jbuf_free(&p->c_c);
    sbgw_jbuf_free(&p->c_d);
    sbgw_jbuf_free(&p->line);
}

/* "key":value with value as str_or_null would make it (NULL, "" and invalid UTF-8 → null), ASCII only. */
static void member(struct sbgw_jbuf *b, const char *key, const char *value)
{
    if (b->n > 0) {
        sbgw_jbuf_raw(b, ",", 1);
    }
    sbgw_jbuf_raw(b, "\"", 1);
    sbgw_jbuf_raw(b, key, strlen(key));
    sbgw_jbuf_raw(b, "\":", 2);
    sbgw_jbuf_string_or_null(b, value, 1);
}

/* "node":"id" (always a string: node ids are checked by the configuration loader). */
static void member_node(struct sbgw_jbuf *b, const char *node_id)
{
    if (b->n > 0) {
        sbgw_jbuf_raw(b, ",", 1);
    }
    sbgw_jbuf_raw(b, "\"node\":", 7);
    if (!sbgw_jbuf_string(b, node_id, strlen(node_id), 1)) {
        b->failed = 1;
    }
}

/*
 * Outside the lock: every field that does not depend on the chain, written exactly as jansson writes the
 * whole record (json_writer.h: compact, ASCII). The record's keys, in the order they are written:
 *   seq, time, node, request_id, [client_request_id,] client, route, from, to, object_sha256, signer_subject,
 *   signer_serial, indication, subindication, reason, snapshot, prev, hash
 * and sorted (the canonical form that is hashed, without hash):
 *   client, [client_request_id,] from, indication, node, object_sha256, prev, reason, request_id, route, seq,
 *   signer_serial, signer_subject, snapshot, subindication, time, to
 * client_request_id (the client's own X-Request-Id) is left out when there is none, so a record without it
 * is the same as before it existed; `audit verify` hashes whatever members a record has.
 * Subjects come from certificates and may hold invalid UTF-8: written as null (as json_string refuses it).
 */
#define REC(f) offsetof(struct sbgw_audit_rec, f), 0
#define OPT(f) offsetof(struct sbgw_audit_rec, f), 1     /* left out when NULL or "" */
#define NODE_OFF ((size_t)-1)
#define NODE NODE_OFF, 0                 /* the node id: from the log, not the record */
#define END NULL, 0, 0

/* A record field: its key and where its value is (NODE: the node id); optional: left out when NULL or "". */
struct rec_field {
    const char *key;
    size_t off;
    int optional;
};

/* The canonical chunks, in sorted key order; a NULL key ends a chunk. */
static const struct rec_field canon_fields[] = {
    { "client", REC(client) }, { "client_request_id", OPT(client_request_id) }, { "from", REC(from) },
    { "indication", REC(indication) }, { "node", NODE },
    { "object_sha256", REC(object_sha256) }, { END },                                /* c_a; then prev */
    { "reason", REC(reason) }, { "request_id", REC(request_id) }, { "route", REC(route) }, { END }, /* c_b */
    { "signer_serial", REC(signer_serial) }, { "signer_subject", REC(signer_subject) },
    { "snapshot", REC(snapshot) }, { "subindication", REC(subindication) }, { END },   /* c_c; then time */
    { "to", REC(to) }, { END },                                                       /* c_d */
};

/* The line's fields between time and prev, in the order they are written. */
static const struct rec_field line_fields[] = {
    { "node", NODE }, { "request_id", REC(request_id) }, { "client_request_id", OPT(client_request_id) },
    { "client", REC(client) }, { "route", REC(route) },
    { "from", REC(from) }, { "to", REC(to) }, { "object_sha256", REC(object_sha256) },
    { "signer_subject", REC(signer_subject) }, { "signer_serial", REC(signer_serial) },
    { "indication", REC(indication) }, { "subindication", REC(subindication) }, { "reason", REC(reason) },
    { "snapshot", REC(snapshot) }, { END },
};

/* Write the fields from f up to the next NULL key into b; returns the entry after that NULL. */
static const struct rec_field *members(struct sbgw_jbuf *b, const struct rec_field *f, const struct sbgw_audit *a,
                                       const struct sbgw_audit_rec *r)
{
    for (; f->key != NULL; f++) {
        const char *v = f->off == NODE_OFF ? NULL : *(const char *const *)(const void *)((const char *)r + f->off);

        if (f->off == NODE_OFF) {
            member_node(b, a->node_id);
        } else if (!f->optional || (v != NULL && v[0] != '\0')) {
            member(b, f->key, v);
        }
    }
    return f + 1;
}

static int prepare(struct sbgw_audit *a, const struct sbgw_audit_rec *r, struct prepared *p)
{
    const struct rec_field *f = canon_fields;

    memset(p, 0, sizeof(*p));
    f = members(&p->c_a, f, a, r);
    f = members(&p->c_b, f, a, r);
    f = members(&p->c_c, f, a, r);
    (void)members(&p->c_d, f, a, r);
    (void)members(&p->line, line_fields, a, r);
    if (p->c_a.failed || p->c_b.failed || p->c_c.failed || p->c_d.failed || p->line.failed) {
        prepared_free(p);
        return 0;
    }
    return 1;
}

/* Under the lock: the canonical text and line of record seq (time ts, previous hash a->prev), and the hash. */
static char *finish(struct sbgw_audit *a, const struct prepared *p, long long seq, const char *ts, char hash[65],
                    size_t *line_len)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    size_t cap = p->c_a.n + p->c_b.n + p->c_c.n + p->c_d.n + p->line.n + 512;
    char *canon = malloc(cap), *line = malloc(cap);
    int n;

    if (canon == NULL || line == NULL) {
        goto err;
    }
    n = snprintf(canon, cap, "{%s,\"prev\":\"%s\",%s,\"seq\":%lld,%s,\"time\":\"%s\",%s}", p->c_a.p, a->prev,
                 p->c_b.p, seq, p->c_c.p, ts, p->c_d.p);
    if (n < 0 || (size_t)n >= cap || EVP_Digest(canon, (size_t)n, md, &mdlen, a->sha256, NULL) != 1 || mdlen != 32) {
        goto err;
    }
    sb_hex_encode(md, 32, hash, 65);
    n = snprintf(line, cap, "{\"seq\":%lld,\"time\":\"%s\",%s,\"prev\":\"%s\",\"hash\":\"%s\"}\n", seq, ts,
                 p->line.p, a->prev, hash);
    if (n < 0 || (size_t)n >= cap) {
        goto err;
    }
    *line_len = (size_t)n;
    free(canon);
    return line;
err:
    free(canon);
    free(line);
    return NULL;
}

int sbgw_audit_append(struct sbgw_audit *a, const struct sbgw_audit_rec *r, char *hash_out)
{
    struct prepared p;
    char hash[65], ts[40], *line = NULL;
    size_t n = 0, off = 0;
    ssize_t w;
    int rc = -1, e = EIO, prepared;

    /* everything that does not depend on the chain is rendered before the lock: only the chain's own
     * fields (seq, time, prev), one SHA-256 and the write(2) are done while holding it */
    prepared = prepare(a, r, &p);
    pthread_mutex_lock(&a->mu);
    if (a->broken || a->fd < 0) {
        e = EIO;
        goto out;
    }
    sbgw_time_now_text(ts, sizeof(ts));
    if (!prepared || (line = finish(a, &p, a->seq + 1, ts, hash, &n)) == NULL) {
        e = ENOMEM;
        goto out;
    }
    while (off < n) {
        w = write(a->fd, line + off, n - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            e = w < 0 ? errno : ENOSPC;
            /* cut a partial record back so the file still ends in a whole record */
            if (off > 0 && ftruncate(a->fd, a->size) != 0) {
                a->broken = 1;
            }
            goto out;
        }
        off += (size_t)w;
    }
    a->size += (off_t)n;
    a->seq++;
    memcpy(a->prev, hash, sizeof(hash));
    if (a->mode == SBGW_FSYNC_EVERY && fdatasync(a->fd) != 0) {
        e = errno;
        goto out;             /* recorded but not durable: still refuse to answer as if all was well */
    }
    if (a->mode == SBGW_FSYNC_BATCH) {
        a->dirty = 1;
    }
    if (hash_out != NULL) {
        memcpy(hash_out, hash, sizeof(hash));
    }
    rc = 0;
out:
    pthread_mutex_unlock(&a->mu);
    if (rc == 0) {
        __atomic_add_fetch(&a->records, 1, __ATOMIC_RELAXED);
    } else {
        __atomic_add_fetch(&a->errors, 1, __ATOMIC_RELAXED);
    }
    if (prepared) {
        prepared_free(&p);
    }
    free(line);
    errno = e;
    return rc;
}

void sbgw_audit_set_fsync(struct sbgw_audit *a, enum sbgw_fsync mode, int batch_ms)
{
    pthread_mutex_lock(&a->mu);
    a->mode = mode;
    a->batch_ms = batch_ms > 0 ? batch_ms : 100;
    pthread_mutex_unlock(&a->mu);
}

void sbgw_audit_close(struct sbgw_audit *a)
{
    if (a->path == NULL) {          /* never opened, or already closed */
        return;
    }
    if (a->flusher_running) {
        pthread_mutex_lock(&a->mu);
        a->stop = 1;
        pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->flusher, NULL);
        a->flusher_running = 0;
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
    }
    release_file(a, a->mode != SBGW_FSYNC_OFF);
}
