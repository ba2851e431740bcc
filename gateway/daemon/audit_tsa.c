/*
 * gateway/daemon/audit_tsa.c — the anchor thread: time anchors for audit checkpoints (audit_anchor.h).
 *
 * A thread of its own, so that a slow or dead TSA never delays an fsync, the file watch or a decision: it
 * waits for a pending checkpoint (set by sbgw_audit_event_locked), takes the newest — checkpoints written
 * during an exchange replace the pending one, the newest covers the older through the chain — and runs the
 * RFC 3161 exchange (pki/cms/tsp.h) without holding a->mu; only the anchor record's append takes the lock.
 * The token is not verified here (the daemon has no TSA trust anchors): its imprint and nonce are, and
 * `sigbridge audit verify` checks the rest.
 */
#include "gateway/daemon/audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gateway/daemon/audit_anchor.h"
#include "gateway/daemon/audit_local.h"
#include "pki/base/err.h"
#include "pki/base/hex.h"
#include "pki/cms/tsp.h"

/* Ask the TSA for a token over the checkpoint hash (hex). Runs without a->mu (the URL, policy and timeout
 * do not change while the log is open). */
static enum sb_reason fetch(const struct sbgw_audit *a, const char hash[65], unsigned char **tok, size_t *tok_len,
                            time_t *gen, struct sb_err *err)
{
    struct sb_tsp_req req;
    unsigned char imprint[32], *rsp = NULL;
    size_t n = 0, rsp_len = 0;
    enum sb_reason r;

    if (!sb_hex_decode(hash, imprint, sizeof(imprint), &n) || n != 32) {
        return sb_err_set(err, SB_R_INTERNAL, "checkpoint hash is not 32 bytes of hex");
    }
    if ((r = sb_tsp_request(imprint, a->tsa_policy, &req, err)) != SB_OK) {
        return r;
    }
    r = sb_tsp_http_post(a->tsa_url, req.der, req.der_len, a->tsa_timeout_ms, SB_TSP_MAX_RESPONSE, &rsp, &rsp_len,
                         err);
    if (r == SB_OK) {
        r = sb_tsp_response(&req, rsp, rsp_len, tok, tok_len, gen, err);
    }
    OPENSSL_free(rsp);
    sb_tsp_req_free(&req);
    return r;
}

/* The anchor record to sequence on the chain's head. */
struct anchor_build {
    long long ck_seq;
    const char *ck_hash;
    const unsigned char *tok;
    size_t tok_len;
    time_t gen;
};

/* sbgw_audit_build for an anchor record (under the chain lock). */
static int build_anchor(void *arg, const struct sbgw_audit *a, long long seq, const char *ts, const char *prev,
                        struct sb_jtext *out, char hash[65])
{
    const struct anchor_build *b = arg;
    char *line = NULL;
    size_t len = 0;
    json_t *rec;

    if ((rec = sbgw_audit_anchor_new(seq, ts, a->node_id, b->ck_seq, b->ck_hash, a->tsa_url, b->gen, b->tok,
                                     b->tok_len)) == NULL || sbgw_audit_anchor_finish(rec, prev, hash, &line, &len) != 0) {
        json_decref(rec);
        free(line);
        return ENOMEM;
    }
    json_decref(rec);
    sb_jtext_raw(out, line, len);
    free(line);
    return 0;
}

/* Append the anchor record for checkpoint (seq, hash) with token. 0, or an errno (the log then fails). */
static int append_locked(struct sbgw_audit *a, long long ck_seq, const char *ck_hash, const unsigned char *tok,
                         size_t tok_len, time_t gen)
{
    struct anchor_build b = { ck_seq, ck_hash, tok, tok_len, gen };
    int e;

    e = sbgw_audit_put_locked(a, build_anchor, &b, "write an anchor record to", NULL);
    if (e == 0) {
        a->ckpt_seq++;           /* an anchor is not a record the checkpoint cadence counts */
    }
    return e;
}

/* One exchange's outcome, under a->mu: the record, the counters, the log (once per failure streak). */
static void settle_locked(struct sbgw_audit *a, long long ck_seq, const char *ck_hash, unsigned gen_of_file,
                          enum sb_reason r, const struct sb_err *err, const unsigned char *tok, size_t tok_len,
                          time_t gen)
{
    char why[SB_ERR_MSG_MAX + 64];
    int e;

    if (r == SB_OK && gen_of_file != a->file_gen) {
        return;                  /* the log was reopened since: the new file's checkpoint is anchored instead */
    }
    if (r == SB_OK && (a->fd < 0 || a->broken || a->lost || a->failing != 0)) {
        snprintf(why, sizeof(why), "the log cannot be written");
    } else if (r == SB_OK && (e = append_locked(a, ck_seq, ck_hash, tok, tok_len, gen)) != 0) {
        snprintf(why, sizeof(why), "cannot append the anchor record: %s", strerror(e));
    } else if (r != SB_OK) {
        snprintf(why, sizeof(why), "%s", err->msg);
    } else {
        __atomic_add_fetch(&a->anchors, 1, __ATOMIC_RELAXED);
        if (a->anchor_failing) {
            a->anchor_failing = 0;
            sbgw_audit_logf(a, 0, "audit: time anchors from %s again (checkpoint %lld anchored)", a->tsa_url, ck_seq);
        }
        return;
    }
    __atomic_add_fetch(&a->anchor_errors, 1, __ATOMIC_RELAXED);
    if (!a->anchor_failing) {
        a->anchor_failing = 1;
        sbgw_audit_logf(a, 1, "audit: checkpoint %lld not anchored by %s: %s (the next checkpoint tries again; "
                        "logged once until an anchor succeeds)", ck_seq, a->tsa_url, why);
    }
}

static void *anchorer_main(void *arg)
{
    struct sbgw_audit *a = arg;
    unsigned char *tok;
    size_t tok_len;
    long long seq;
    char hash[65];
    unsigned gen_of_file;
    time_t gen;
    struct sb_err err;
    enum sb_reason r;

    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->anchor_stop && a->anchor_seq == 0) {
            pthread_cond_wait(&a->anchor_cv, &a->mu);
        }
        if (a->anchor_stop) {
            break;
        }
        seq = a->anchor_seq;
        memcpy(hash, a->anchor_hash, sizeof(hash));
        gen_of_file = a->anchor_gen;
        a->anchor_seq = 0;
        pthread_mutex_unlock(&a->mu);

        tok = NULL;
        tok_len = 0;
        gen = 0;
        sb_err_clear(&err);
        r = fetch(a, hash, &tok, &tok_len, &gen, &err);

        pthread_mutex_lock(&a->mu);
        settle_locked(a, seq, hash, gen_of_file, r, &err, tok, tok_len, gen);
        OPENSSL_free(tok);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

int sbgw_audit_anchorer_start(struct sbgw_audit *a)
{
    if (a->tsa_url == NULL || a->signer.key == NULL) {
        return 0;
    }
    if (pthread_create(&a->anchorer, NULL, anchorer_main, a) != 0) {
        return -1;
    }
    a->anchorer_running = 1;
    return 0;
}

void sbgw_audit_anchorer_stop(struct sbgw_audit *a)
{
    if (!a->anchorer_running) {
        return;
    }
    pthread_mutex_lock(&a->mu);
    a->anchor_stop = 1;
    pthread_cond_signal(&a->anchor_cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->anchorer, NULL);
    a->anchorer_running = 0;
}
