/*
 * gateway/daemon/audit.c — hash-chained JSONL decision log (see audit.h).
 */
#include "gateway/daemon/audit.h"

#include <errno.h>
#include <stdarg.h>
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

#include "gateway/daemon/audit_checkpoint.h"
#include "gateway/daemon/audit_local.h"
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

/* ---- writing ------------------------------------------------------------------------------ */

/* The record's text except seq, time, prev and hash, prepared before the chain lock is taken. */
struct prepared {
    struct sb_jtext c_a;     /* canonical (sorted keys): client .. object_sha256 — then prev */
    struct sb_jtext c_b;     /* reason, request_id, route — then seq */
    struct sb_jtext c_c;     /* signer_serial .. subindication — then time */
    struct sb_jtext c_d;     /* to */
    struct sb_jtext line;    /* insertion order: node .. snapshot (between time and prev) */
};

static void prepared_free(struct prepared *p)
{
    sb_jtext_free(&p->c_a);
    sb_jtext_free(&p->c_b);
    sb_jtext_free(&p->c_c);
    sb_jtext_free(&p->c_d);
    sb_jtext_free(&p->line);
}

/* "key":value with value as str_or_null would make it (NULL, "" and invalid UTF-8 → null), ASCII only. */
static void member(struct sb_jtext *b, const char *key, const char *value)
{
    if (b->n > 0) {
        sb_jtext_raw(b, ",", 1);
    }
    sb_jtext_raw(b, "\"", 1);
    sb_jtext_raw(b, key, strlen(key));
    sb_jtext_raw(b, "\":", 2);
    sbgw_jbuf_string_or_null(b, value, 1);
}

/* "node":"id" (always a string: node ids are checked by the configuration loader). */
static void member_node(struct sb_jtext *b, const char *node_id)
{
    if (b->n > 0) {
        sb_jtext_raw(b, ",", 1);
    }
    sb_jtext_raw(b, "\"node\":", 7);
    if (!sb_jtext_string(b, node_id, strlen(node_id), 1)) {
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
static const struct rec_field *members(struct sb_jtext *b, const struct rec_field *f, const struct sbgw_audit *a,
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

int sbgw_audit_write_locked(struct sbgw_audit *a, const char *line, size_t n)
{
    size_t off = 0;
    ssize_t w;
    int e;

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
            return e;
        }
        off += (size_t)w;
    }
    a->size += (off_t)n;
    return 0;
}

void sbgw_audit_fail_locked(struct sbgw_audit *a, int e, const char *what)
{
    if (a->failing != 0) {
        return;
    }
    a->failing = e != 0 ? e : EIO;
    a->refused_in_gap = 0;
    sbgw_time_now_text(a->failing_since, sizeof(a->failing_since));
    snprintf(a->trouble, sizeof(a->trouble), "cannot %s %s: %s (since %s)", what, a->path, strerror(a->failing),
             a->failing_since);
    a->reported = 0;
}

/* After a record (seq, hash) was written at the end of the log: the chain's head moves, the fsync policy. */
static int advance_locked(struct sbgw_audit *a, const char hash[65])
{
    a->seq++;
    memcpy(a->prev, hash, 65);
    if (a->mode == SBGW_FSYNC_EVERY && fdatasync(a->fd) != 0) {
        return errno;
    }
    if (a->mode == SBGW_FSYNC_BATCH) {
        a->dirty = 1;
    }
    return 0;
}

int sbgw_audit_event_locked(struct sbgw_audit *a, const char *event, json_t *extra)
{
    char ts[40], hash[65], *line = NULL;
    size_t len = 0;
    off_t at = a->size;
    json_t *rec;
    int e;

    sbgw_time_now_text(ts, sizeof(ts));
    if ((rec = sbgw_audit_ckpt_new(a->seq + 1, ts, a->node_id, event)) == NULL ||
        (extra != NULL && json_object_update(rec, extra) != 0) ||
        sbgw_audit_ckpt_finish(rec, a->every_records, a->every_s, a->signer.key != NULL ? &a->signer : NULL, a->prev,
                               hash, &line, &len) != 0) {
        json_decref(rec);
        json_decref(extra);
        return ENOMEM;
    }
    json_decref(rec);
    json_decref(extra);
    if ((e = sbgw_audit_write_locked(a, line, len)) != 0 || (e = advance_locked(a, hash)) != 0) {
        free(line);
        sbgw_audit_fail_locked(a, e, "write a checkpoint to");
        return e;
    }
    a->ckpt_seq = a->seq;
    clock_gettime(CLOCK_MONOTONIC, &a->ckpt_at);
    __atomic_add_fetch(&a->checkpoints, 1, __ATOMIC_RELAXED);
    if (a->tsa_url != NULL && a->signer.key != NULL) {   /* the newest checkpoint is the one to anchor */
        a->anchor_seq = a->seq;
        memcpy(a->anchor_hash, hash, sizeof(a->anchor_hash));
        a->anchor_gen = a->file_gen;
        pthread_cond_signal(&a->anchor_cv);
    }
    if (a->signer.key != NULL) {          /* the side file's next checkpoint */
        free(a->side_line);
        a->side_line = line;
        a->side_len = len;
        a->side_off = at;
    } else {
        free(line);
    }
    return 0;
}

int sbgw_audit_put_locked(struct sbgw_audit *a, const char *line, size_t n, const char hash[65], const char *what)
{
    int e;

    if ((e = sbgw_audit_write_locked(a, line, n)) != 0 || (e = advance_locked(a, hash)) != 0) {
        sbgw_audit_fail_locked(a, e, what);
    }
    return e;
}

int sbgw_audit_resume_locked(struct sbgw_audit *a)
{
    json_t *gap;
    int e;

    if (a->failing == 0) {
        return 0;
    }
    gap = json_pack("{s:{s:s,s:I,s:s}}", "gap", "since", a->failing_since, "refused", (json_int_t)a->refused_in_gap,
                    "error", strerror(a->failing));
    if ((e = sbgw_audit_event_locked(a, "resumed", gap)) != 0) {
        return e;
    }
    sbgw_audit_logf(a, 1, "audit: writing to %s again; %llu decisions were refused (503) since %s (%s)", a->path,
                    a->refused_in_gap, a->failing_since, strerror(a->failing));
    a->failing = 0;
    a->trouble[0] = '\0';
    return 0;
}

int sbgw_audit_append(struct sbgw_audit *a, const struct sbgw_audit_rec *r, char *hash_out)
{
    struct prepared p;
    char hash[65], ts[40], *line = NULL;
    size_t n = 0;
    int rc = -1, e = EIO, prepared;

    /* everything that does not depend on the chain is rendered before the lock: only the chain's own
     * fields (seq, time, prev), one SHA-256 and the write(2) are done while holding it */
    prepared = prepare(a, r, &p);
    pthread_mutex_lock(&a->mu);
    if (a->broken || a->fd < 0 || a->lost) {
        e = a->failing != 0 ? a->failing : EIO;
        goto out;
    }
    if (a->failing != 0 && (e = sbgw_audit_resume_locked(a)) != 0) {
        goto out;
    }
    sbgw_time_now_text(ts, sizeof(ts));
    if (!prepared || (line = finish(a, &p, a->seq + 1, ts, hash, &n)) == NULL) {
        e = ENOMEM;
        goto out;
    }
    if ((e = sbgw_audit_write_locked(a, line, n)) != 0) {
        sbgw_audit_fail_locked(a, e, "write a record to");
        goto out;
    }
    if ((e = advance_locked(a, hash)) != 0) {
        /* recorded but not durable: still refuse to answer as if all was well */
        sbgw_audit_fail_locked(a, e, "sync");
        goto out;
    }
    if (hash_out != NULL) {
        memcpy(hash_out, hash, sizeof(hash));
    }
    rc = 0;
    if (a->signer.key != NULL && a->seq - a->ckpt_seq >= a->every_records) {
        (void)sbgw_audit_event_locked(a, "cadence", NULL);   /* a failure marks the log failing */
    }
out:
    if (rc != 0) {
        a->refused_in_gap++;
    }
    pthread_mutex_unlock(&a->mu);
    if (rc == 0) {
        __atomic_add_fetch(&a->records, 1, __ATOMIC_RELAXED);
    } else {
        __atomic_add_fetch(&a->errors, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&a->refused, 1, __ATOMIC_RELAXED);
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

void sbgw_audit_set_cadence(struct sbgw_audit *a, int every_records, int every_s)
{
    pthread_mutex_lock(&a->mu);
    a->every_records = every_records > 0 ? every_records : 1000;
    a->every_s = every_s > 0 ? every_s : 10;
    pthread_mutex_unlock(&a->mu);
}

void sbgw_audit_logf(struct sbgw_audit *a, int warn, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (a->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (warn) {
        sbgw_log_warnx(a->log, "-", "%s", msg);
    } else {
        sbgw_log_info(a->log, "-", "%s", msg);
    }
}
