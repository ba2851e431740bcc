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
 *   signer_serial, indication, subindication, reason, [revocation,] snapshot, prev, hash
 * and sorted (the canonical form that is hashed, without hash):
 *   client, [client_request_id,] from, indication, node, object_sha256, prev, reason, request_id, [revocation,]
 *   route, seq, signer_serial, signer_subject, snapshot, subindication, time, to
 * client_request_id (the client's own X-Request-Id) and revocation (the evidence; none when revocation is off)
 * are left out when there is none, so a record without them is the same as before they existed; `audit
 * verify` hashes whatever members a record has.
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
    { "reason", REC(reason) }, { "request_id", REC(request_id) }, { "revocation", OPT(revocation) },
    { "route", REC(route) }, { END },                                                 /* c_b */
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
    { "revocation", OPT(revocation) }, { "snapshot", REC(snapshot) }, { END },
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

/* A decision record to sequence: its prepared text and a scratch buffer for the canonical form (allocated
 * before the chain lock is taken). */
struct decision {
    const struct prepared *p;
    char *canon;
    size_t cap;
};

static char *put(char *q, const char *s, size_t n)
{
    memcpy(q, s, n);
    return q + n;
}

/* sbgw_audit_build for a decision, under the chain lock: the canonical text of record seq (time ts,
 * previous hash prev) and its hash, then the line into out. Plain copies: the fields were escaped before. */
static int build_decision(void *arg, const struct sbgw_audit *a, long long seq, const char *ts, const char *prev,
                          struct sb_jtext *out, char hash[65])
{
    struct decision *d = arg;
    const struct prepared *p = d->p;
    unsigned char md[32];
    unsigned int mdlen = 0;
    char num[24], *q = d->canon;
    size_t nn, tn = strlen(ts);
    int w = snprintf(num, sizeof(num), "%lld", seq);

    if (w < 0 || (size_t)w >= sizeof(num) || p->c_a.n + p->c_b.n + p->c_c.n + p->c_d.n + 256 > d->cap) {
        return ENOMEM;
    }
    nn = (size_t)w;
    q = put(q, "{", 1);
    q = put(q, p->c_a.p, p->c_a.n);
    q = put(q, ",\"prev\":\"", 9);
    q = put(q, prev, 64);
    q = put(q, "\",", 2);
    q = put(q, p->c_b.p, p->c_b.n);
    q = put(q, ",\"seq\":", 7);
    q = put(q, num, nn);
    q = put(q, ",", 1);
    q = put(q, p->c_c.p, p->c_c.n);
    q = put(q, ",\"time\":\"", 9);
    q = put(q, ts, tn);
    q = put(q, "\",", 2);
    q = put(q, p->c_d.p, p->c_d.n);
    q = put(q, "}", 1);
    if (EVP_Digest(d->canon, (size_t)(q - d->canon), md, &mdlen, a->sha256, NULL) != 1 || mdlen != 32) {
        return EIO;
    }
    sb_hex_encode(md, 32, hash, 65);
    if (!sb_jtext_reserve(out, nn + tn + p->line.n + 200)) {
        return ENOMEM;
    }
    q = out->p + out->n;
    q = put(q, "{\"seq\":", 7);
    q = put(q, num, nn);
    q = put(q, ",\"time\":\"", 9);
    q = put(q, ts, tn);
    q = put(q, "\",", 2);
    q = put(q, p->line.p, p->line.n);
    q = put(q, ",\"prev\":\"", 9);
    q = put(q, prev, 64);
    q = put(q, "\",\"hash\":\"", 10);
    q = put(q, hash, 64);
    q = put(q, "\"}\n", 3);
    *q = '\0';
    out->n = (size_t)(q - out->p);
    return 0;
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
    /* from now on appenders take mu (the "resumed" record first); what was sequenced and not yet written is
     * refused, as a decision arriving now would be */
    sbgw_audit_gate_locked(a);
    sbgw_audit_roll_back_locked(a, a->failing);
}

/* A checkpoint record to sequence: the event, the members to add (borrowed), and its line once built. */
struct ckpt_build {
    const char *event;
    json_t *extra;
    char *line;                      /* owned: the line (with '\n'), kept for the side file */
    size_t len;
};

/* sbgw_audit_build for a checkpoint (signed when there is an audit key: the signature is over prev, so it is
 * made under the chain lock; a checkpoint is every every_records records or every_s seconds). */
static int build_ckpt(void *arg, const struct sbgw_audit *a, long long seq, const char *ts, const char *prev,
                      struct sb_jtext *out, char hash[65])
{
    struct ckpt_build *c = arg;
    json_t *rec;

    free(c->line);
    c->line = NULL;
    if ((rec = sbgw_audit_ckpt_new(seq, ts, a->node_id, c->event)) == NULL ||
        (c->extra != NULL && json_object_update(rec, c->extra) != 0) ||
        sbgw_audit_ckpt_finish(rec, a->every_records, a->every_s, a->signer.key != NULL ? &a->signer : NULL, prev,
                               hash, &c->line, &c->len) != 0) {
        json_decref(rec);
        return ENOMEM;
    }
    json_decref(rec);
    sb_jtext_raw(out, c->line, c->len);
    return 0;
}

int sbgw_audit_event_locked(struct sbgw_audit *a, const char *event, json_t *extra)
{
    struct ckpt_build c = { event, extra, NULL, 0 };
    struct sbgw_audit_pos pos;
    int e;

    e = sbgw_audit_put_locked(a, build_ckpt, &c, "write a checkpoint to", &pos);
    json_decref(extra);
    if (e != 0) {
        free(c.line);
        return e;
    }
    a->ckpt_seq = pos.seq;
    clock_gettime(CLOCK_MONOTONIC, &a->ckpt_at);
    __atomic_add_fetch(&a->checkpoints, 1, __ATOMIC_RELAXED);
    if (a->tsa_url != NULL && a->signer.key != NULL) {   /* the newest checkpoint is the one to anchor */
        a->anchor_seq = pos.seq;
        memcpy(a->anchor_hash, pos.hash, sizeof(a->anchor_hash));
        a->anchor_gen = a->file_gen;
        pthread_cond_signal(&a->anchor_cv);
    }
    if (a->signer.key != NULL) {          /* the side file's next checkpoint */
        free(a->side_line);
        a->side_line = c.line;
        a->side_len = c.len;
        a->side_off = (off_t)pos.off;
    } else {
        free(c.line);
    }
    return 0;
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
    sbgw_audit_gate_locked(a);
    return 0;
}

int sbgw_audit_append(struct sbgw_audit *a, const struct sbgw_audit_rec *r, char *hash_out)
{
    struct prepared p;
    struct decision d;
    struct sbgw_audit_waiter w;
    struct sbgw_audit_pos pos;
    int rc = -1, e = EIO, prepared, queued = 0;

    /* everything that does not depend on the chain is rendered without any lock; sequencing (seq, time,
     * prev, one SHA-256, a copy) takes the short chain lock; the write(2) is shared (audit_commit.c) */
    memset(&w, 0, sizeof(w));
    memset(&d, 0, sizeof(d));
    if ((prepared = prepare(a, r, &p)) != 0) {
        d.p = &p;
        d.cap = p.c_a.n + p.c_b.n + p.c_c.n + p.c_d.n + 512;
        d.canon = malloc(d.cap);
    }
    if (d.canon != NULL) {
        queued = sbgw_audit_chain_add(a, build_decision, &d, 0, &w, &pos) == 0;
    }
    pthread_mutex_lock(&a->mu);
    if (!queued) {
        /* the slow path, as every append was before: the log's state checked (and a "resumed" record
         * written after failures) under the file lock */
        if (a->broken || a->fd < 0 || a->lost) {
            e = a->failing != 0 ? a->failing : EIO;
            goto out;
        }
        if (a->failing != 0 && (e = sbgw_audit_resume_locked(a)) != 0) {
            goto out;
        }
        if (d.canon == NULL) {
            e = ENOMEM;
            goto out;
        }
        if ((e = sbgw_audit_chain_add(a, build_decision, &d, 1, &w, &pos)) != 0) {
            goto out;
        }
    }
    if (!w.done) {
        (void)sbgw_audit_flush_locked(a, "write a record to");  /* this thread writes the batch */
    }
    if ((e = w.err) != 0) {
        goto out;
    }
    if (hash_out != NULL) {
        memcpy(hash_out, pos.hash, sizeof(pos.hash));
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
    free(d.canon);
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
