/*
 * gateway/daemon/audit_verify.c — checking a whole audit log: the hash chain (sbgw_audit_verify_file, audit.h)
 * and, with the node certificates, its signed checkpoints, unsigned tail and side file
 * (sbgw_audit_verify_report, audit_verify.h). One pass over the file; the side file's checkpoint and the last
 * checkpoints (for the time anchors that follow them) are kept in memory.
 */
#include "gateway/daemon/audit_verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gateway/daemon/audit_anchor.h"
#include "gateway/daemon/audit_checkpoint.h"
#include "gateway/daemon/audit_signer.h"

/* The state of one pass. */
struct pass {
    const struct sbgw_audit_verify_opts *o;
    struct sbgw_audit_report *r;
    char cert_sha[SBGW_AUDIT_VERIFY_MAX_CERTS][65];
    json_t *side;                        /* owned: the side file's checkpoint, NULL when none was read */
    size_t side_line;                    /* the line holding side_seq; 0 not seen */
    int side_hash_ok;                    /* that line's hash is the side file's */
    char prev[65];
    long long last_seq;
    json_t *ring[SBGW_AUDIT_VERIFY_ANCHOR_RING];   /* owned: the last checkpoints (tsa_anchors given) */
    size_t ring_n;                       /* checkpoints pushed so far */
};

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src != NULL ? src : "");
}

/* ---- the chain ------------------------------------------------------------------------------ */

/* Check rec (line lineno) against the chain so far; its hash into calc. 0 ok, 1 broken (why). */
static int chain_check(struct pass *p, const json_t *rec, size_t lineno, char calc[65], char *why, size_t n)
{
    const json_t *h = json_object_get(rec, "hash"), *pv = json_object_get(rec, "prev");
    const json_t *seq = json_object_get(rec, "seq");
    const char *event;
    long long s;
    int genesis;

    if (!json_is_string(h) || !sbgw_audit_is_hex64(json_string_value(h)) || !json_is_string(pv) ||
        !sbgw_audit_is_hex64(json_string_value(pv)) || !json_is_integer(seq)) {
        snprintf(why, n, "missing or malformed seq, prev or hash");
        return 1;
    }
    if (sbgw_audit_hash(rec, calc) != 0 || strcmp(calc, json_string_value(h)) != 0) {
        snprintf(why, n, "record hash does not match its content (record edited)");
        return 1;
    }
    s = (long long)json_integer_value(seq);
    genesis = strcmp(json_string_value(pv), sbgw_audit_genesis) == 0;
    if (lineno == 1) {
        event = json_string_value(json_object_get(rec, "event"));
        if (s == 1 && genesis) {
            return 0;
        }
        if (sbgw_audit_is_checkpoint(rec) && event != NULL && strcmp(event, "reopen") == 0 && s > 1 && !genesis) {
            p->r->continues = 1;
            p->r->continues_seq = s - 1;
            copy_str(p->r->continues_hash, sizeof(p->r->continues_hash), json_string_value(pv));
            return 0;
        }
        snprintf(why, n, "the first record is seq %lld with a%s prev and not a \"reopen\" checkpoint: records were "
                         "removed from the start of the log", s, genesis ? " genesis" : " non-genesis");
        return 1;
    }
    if (strcmp(json_string_value(pv), p->prev) != 0) {
        snprintf(why, n, "prev does not match the hash of line %zu (record removed, inserted or reordered)",
                 lineno - 1);
        return 1;
    }
    if (s != p->last_seq + 1) {
        snprintf(why, n, "seq jumps from %lld to %lld", p->last_seq, s);
        return 1;
    }
    return 0;
}

/* ---- signatures ----------------------------------------------------------------------------- */

enum sig_res { SIG_OK, SIG_UNSIGNED, SIG_OTHER_KEY, SIG_BAD };

/* Check a checkpoint's signature under the given certificates; *which the certificate used; detail says why
 * it failed (for SIG_OTHER_KEY: the cert_sha256). */
static enum sig_res sig_check(const struct pass *p, const json_t *rec, size_t *which, char *detail, size_t n)
{
    const char *cs = json_string_value(json_object_get(rec, "cert_sha256"));
    const char *alg = json_string_value(json_object_get(rec, "sig_alg"));
    const char *sig = json_string_value(json_object_get(rec, "sig"));
    char *text;
    size_t i;
    int ok;

    detail[0] = '\0';
    if (cs == NULL || alg == NULL || sig == NULL) {
        snprintf(detail, n, "%s", cs == NULL ? "no cert_sha256" : alg == NULL ? "no sig_alg" : "no sig");
        return SIG_UNSIGNED;
    }
    for (i = 0; i < p->o->n_certs && strcmp(cs, p->cert_sha[i]) != 0; i++) {
    }
    if (i == p->o->n_certs) {
        snprintf(detail, n, "%.64s", cs);
        return SIG_OTHER_KEY;
    }
    *which = i;
    if ((text = sbgw_audit_ckpt_signed_text(rec)) == NULL) {
        snprintf(detail, n, "out of memory");
        return SIG_BAD;
    }
    ok = sbgw_audit_sig_verify(p->o->certs[i], alg, (const unsigned char *)text, strlen(text), sig, detail, n);
    free(text);
    return ok ? SIG_OK : SIG_BAD;
}

/* A checkpoint at lineno whose signature must verify (certificates given). 0 ok, 1 with why. */
static int ckpt_sig(struct pass *p, const json_t *rec, size_t lineno, char *why, size_t n)
{
    char detail[200];
    size_t which = 0, from = p->r->last_ckpt.line + 1;

    switch (sig_check(p, rec, &which, detail, sizeof(detail))) {
    case SIG_OK:
        p->r->signed_checkpoints++;
        p->r->signers_used |= 1u << which;
        return 0;
    case SIG_UNSIGNED:
        snprintf(why, n, "checkpoint without a signature (%.40s)", detail);
        return 1;
    case SIG_OTHER_KEY:
        snprintf(why, n, "checkpoint signed by another key (cert_sha256 %s)", detail);
        return 1;
    case SIG_BAD:
    default:
        if (from < lineno) {
            snprintf(why, n, "checkpoint signature does not verify: the records it covers (lines %zu\u2013%zu) or the "
                             "checkpoint were changed (%.80s)", from, lineno - 1, detail);
        } else {
            snprintf(why, n, "checkpoint signature does not verify: the checkpoint was changed (%.100s)", detail);
        }
        return 1;
    }
}

/* ---- time anchors ------------------------------------------------------------------------- */

/* Remember checkpoint rec for the anchors after it. */
static void ring_push(struct pass *p, json_t *rec)
{
    size_t i = p->ring_n++ % SBGW_AUDIT_VERIFY_ANCHOR_RING;

    json_decref(p->ring[i]);
    p->ring[i] = json_incref(rec);
}

static void ring_free(struct pass *p)
{
    size_t i;

    for (i = 0; i < SBGW_AUDIT_VERIFY_ANCHOR_RING; i++) {
        json_decref(p->ring[i]);
    }
}

/* An anchor record at lineno: its checkpoint is among the remembered ones and the anchor checks out under
 * the TSA anchors; genTimes do not go back. 0 ok, 1 with why. */
static int anchor_check(struct pass *p, const json_t *rec, const char *gen, char *why, size_t n)
{
    const json_t *cs = json_object_get(rec, "checkpoint_seq");
    json_t *ck = NULL;
    char detail[200];
    size_t i;

    for (i = 0; json_is_integer(cs) && i < SBGW_AUDIT_VERIFY_ANCHOR_RING && i < p->ring_n; i++) {
        json_t *c = p->ring[(p->ring_n - 1 - i) % SBGW_AUDIT_VERIFY_ANCHOR_RING];

        if (json_integer_value(json_object_get(c, "seq")) == json_integer_value(cs)) {
            ck = c;
            break;
        }
    }
    if (ck == NULL) {
        snprintf(why, n, "time anchor for checkpoint seq %lld, which is not among the %d checkpoints before it in "
                 "this log", json_is_integer(cs) ? (long long)json_integer_value(cs) : -1LL,
                 SBGW_AUDIT_VERIFY_ANCHOR_RING);
        return 1;
    }
    if (!sbgw_audit_anchor_check(rec, ck, p->o->tsa_anchors, detail, sizeof(detail))) {
        snprintf(why, n, "time anchor does not verify: %.200s", detail);
        return 1;
    }
    if (gen != NULL && p->r->last_gen_time[0] != '\0' && strcmp(gen, p->r->last_gen_time) < 0) {
        snprintf(why, n, "time anchor's genTime %.40s is before the previous anchor's %.40s", gen,
                 p->r->last_gen_time);
        return 1;
    }
    return 0;
}

/* ---- collecting the summary ---------------------------------------------------------------- */

static void note_node(struct sbgw_audit_report *r, const char *node)
{
    size_t i;

    if (node == NULL) {
        return;
    }
    for (i = 0; i < r->n_nodes; i++) {
        if (strcmp(r->nodes[i], node) == 0) {
            return;
        }
    }
    if (r->n_nodes == SBGW_AUDIT_VERIFY_MAX_NODES) {
        r->nodes_more++;
        return;
    }
    copy_str(r->nodes[r->n_nodes++], sizeof(r->nodes[0]), node);
}

/* rec at lineno verified: count it. 0, or 1 when its checkpoint signature fails (why). */
static int take(struct pass *p, const json_t *rec, size_t lineno, const char calc[65], char *why, size_t n)
{
    struct sbgw_audit_report *r = p->r;
    const char *t = json_string_value(json_object_get(rec, "time"));
    const json_t *er;
    long long seq = (long long)json_integer_value(json_object_get(rec, "seq"));

    if (sbgw_audit_is_anchor(rec)) {
        const char *gen = json_string_value(json_object_get(rec, "gen_time"));

        if (p->o->tsa_anchors != NULL && anchor_check(p, rec, gen, why, n) != 0) {
            return 1;
        }
        r->anchors++;
        if (r->first_gen_time[0] == '\0') {
            copy_str(r->first_gen_time, sizeof(r->first_gen_time), gen);
        }
        copy_str(r->last_gen_time, sizeof(r->last_gen_time), gen);
    } else if (sbgw_audit_is_checkpoint(rec)) {
        if (r->certs_given && ckpt_sig(p, rec, lineno, why, n) != 0) {
            return 1;
        }
        if (p->o->tsa_anchors != NULL) {
            ring_push(p, (json_t *)(uintptr_t)rec);
        }
        r->checkpoints++;
        r->last_ckpt.line = lineno;
        r->last_ckpt.seq = seq;
        copy_str(r->last_ckpt.time, sizeof(r->last_ckpt.time), t);
        copy_str(r->last_ckpt.event, sizeof(r->last_ckpt.event), json_string_value(json_object_get(rec, "event")));
        er = json_object_get(rec, "every_records");
        r->last_ckpt.every_records = json_is_integer(er) ? (long long)json_integer_value(er) : -1;
        r->tail_records = 0;
    } else {
        r->decisions++;
        if (r->tail_records++ == 0) {
            r->tail_first = lineno;
        }
        r->tail_last = lineno;
    }
    note_node(r, json_string_value(json_object_get(rec, "node")));
    if (r->first_seq == 0 && lineno == 1) {
        r->first_seq = seq;
        copy_str(r->first_time, sizeof(r->first_time), t);
    }
    r->last_seq = seq;
    copy_str(r->last_time, sizeof(r->last_time), t);
    r->last_line = lineno;
    if (p->side != NULL && seq == r->side_seq) {
        p->side_line = lineno;
        p->side_hash_ok = strcmp(calc, r->side_hash) == 0;
    }
    memcpy(p->prev, calc, 65);
    p->last_seq = seq;
    return 0;
}

/* ---- the side file -------------------------------------------------------------------------- */

/* Read the side file into p->side. 0 (state set), 2 an explicitly named side file cannot be read. */
static int side_load(struct pass *p, const char *log_path)
{
    struct sbgw_audit_report *r = p->r;
    const json_t *seq, *h;
    long long off;
    int rc;

    r->side_default = p->o->side_path == NULL;
    if (r->side_default) {
        snprintf(r->side_path, sizeof(r->side_path), "%s.checkpoint", log_path);
    } else {
        copy_str(r->side_path, sizeof(r->side_path), p->o->side_path);
    }
    rc = sbgw_audit_side_read(r->side_path, &p->side, &off, r->side_why, sizeof(r->side_why));
    if (rc == 0 && r->side_default) {
        r->side_path[0] = '\0';
        return 0;
    }
    if (rc == 0) {
        snprintf(r->v.why, sizeof(r->v.why), "%.160s: cannot read the checkpoint file: %s", r->side_path,
                 strerror(ENOENT));
        return 2;
    }
    if (rc < 0) {
        r->side = SBGW_AUDIT_SIDE_UNREADABLE;
        return 0;
    }
    seq = json_object_get(p->side, "seq");
    h = json_object_get(p->side, "hash");
    if (!json_is_integer(seq) || !json_is_string(h) || !sbgw_audit_is_hex64(json_string_value(h))) {
        snprintf(r->side_why, sizeof(r->side_why), "%.200s: its checkpoint has no seq or hash", r->side_path);
        json_decref(p->side);
        p->side = NULL;
        r->side = SBGW_AUDIT_SIDE_UNREADABLE;
        return 0;
    }
    r->side_seq = (long long)json_integer_value(seq);
    copy_str(r->side_hash, sizeof(r->side_hash), json_string_value(h));
    r->side = SBGW_AUDIT_SIDE_MISSING;          /* until the pass finds it */
    return 0;
}

/* ---- after the pass: the rules that need the whole file ------------------------------------ */

/* Fail at line with why (printf format). Always 1. */
static int fail_at(struct sbgw_audit_report *r, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(struct sbgw_audit_report *r, size_t line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->v.why, sizeof(r->v.why), fmt, ap);
    va_end(ap);
    r->v.line = line;
    r->v.records = line - 1;
    return 1;
}

/* rc the chain's verdict (0 or 3): the checks on the whole file. */
static int whole_file(struct pass *p, int rc)
{
    struct sbgw_audit_report *r = p->r;
    size_t end = r->last_line + 1, which = 0;
    char detail[200];
    long long every = r->last_ckpt.every_records;

    if (p->side != NULL && p->side_line > 0 && p->side_hash_ok) {
        r->side = SBGW_AUDIT_SIDE_IN_LOG;
    }
    if (p->o->tsa_anchors != NULL) {
        if (r->checkpoints > 0 && r->anchors == 0) {
            return fail_at(r, end, "no time anchor in the log: anchor records were removed, or the log was not "
                                   "written with audit.timestamp");
        }
        r->anchors_checked = 1;
    }
    if (!r->certs_given) {
        return rc;
    }
    if (r->last_line > 0 && r->checkpoints == 0) {
        return fail_at(r, end, "no signed checkpoint in the log: checkpoints were removed, or the log was not "
                               "written with audit.signing_key");
    }
    if (r->side == SBGW_AUDIT_SIDE_UNREADABLE) {
        return fail_at(r, end, "the checkpoint file is unreadable: %s", r->side_why);
    }
    if (p->side != NULL && sig_check(p, p->side, &which, detail, sizeof(detail)) != SIG_OK) {
        return fail_at(r, p->side_line > 0 ? p->side_line : end, "the side file's checkpoint (seq %lld) does not "
                       "verify with the given certificates: %s", r->side_seq, detail);
    }
    if (r->side == SBGW_AUDIT_SIDE_MISSING) {
        return fail_at(r, p->side_line > 0 ? p->side_line : end, "the side file's checkpoint (seq %lld, hash "
                       "%.16s\u2026) is not in the log: records were cut or the log replaced", r->side_seq,
                       r->side_hash);
    }
    if (r->last_ckpt.line > 0 && every > 0 && (long long)r->tail_records > every) {
        return fail_at(r, r->last_ckpt.line + (size_t)every + 1, "unsigned tail of %zu records is longer than the "
                       "checkpoint cadence (%lld records): checkpoints after line %zu were removed", r->tail_records,
                       every, r->last_ckpt.line);
    }
    r->signed_ok = 1;
    return rc;
}

/* ---- the pass ------------------------------------------------------------------------------- */

int sbgw_audit_verify_report(const char *path, const struct sbgw_audit_verify_opts *o, struct sbgw_audit_report *r)
{
    static const struct sbgw_audit_verify_opts none;
    struct sbgw_audit_verify *v = &r->v;
    struct pass p;
    FILE *f;
    char *line = NULL, calc[65];
    size_t cap = 0, lineno = 0, i;
    ssize_t len;
    json_t *rec;
    json_error_t je;
    int rc = 0;

    memset(r, 0, sizeof(*r));
    memset(&p, 0, sizeof(p));
    p.o = o != NULL ? o : &none;
    p.r = r;
    r->last_ckpt.every_records = -1;
    r->certs_given = p.o->n_certs > 0;
    if (p.o->n_certs > SBGW_AUDIT_VERIFY_MAX_CERTS) {
        snprintf(v->why, sizeof(v->why), "at most %d certificates", SBGW_AUDIT_VERIFY_MAX_CERTS);
        return 2;
    }
    for (i = 0; i < p.o->n_certs; i++) {
        if (sbgw_audit_cert_sha256(p.o->certs[i], p.cert_sha[i]) != 0) {
            snprintf(v->why, sizeof(v->why), "cannot encode certificate %zu", i + 1);
            return 2;
        }
    }
    if ((f = fopen(path, "rb")) == NULL) {
        snprintf(v->why, sizeof(v->why), "cannot read: %s", strerror(errno));
        return 2;
    }
    if (side_load(&p, path) != 0) {
        fclose(f);
        return 2;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[len - 1] != '\n') {
            v->line = lineno;
            v->torn_bytes = (size_t)len;
            snprintf(v->why, sizeof(v->why), "truncated tail: the last line (%zd bytes) has no newline", len);
            rc = 3;
            break;
        }
        rec = json_loadb(line, (size_t)len - 1, 0, &je);
        if (rec == NULL || !json_is_object(rec)) {
            snprintf(v->why, sizeof(v->why), "not a JSON record (%s)", rec == NULL ? je.text : "not an object");
            rc = 1;
        } else if (chain_check(&p, rec, lineno, calc, v->why, sizeof(v->why)) != 0 ||
                   take(&p, rec, lineno, calc, v->why, sizeof(v->why)) != 0) {
            rc = 1;
        }
        json_decref(rec);
        if (rc != 0) {
            v->line = lineno;
            break;
        }
        v->records++;
    }
    if (rc == 0 && ferror(f)) {
        snprintf(v->why, sizeof(v->why), "read error: %s", strerror(errno));
        rc = 2;
    }
    memcpy(v->last_hash, p.prev, sizeof(p.prev));
    free(line);
    fclose(f);
    if (rc == 0 || rc == 3) {
        rc = whole_file(&p, rc);
    }
    json_decref(p.side);
    ring_free(&p);
    return rc;
}

int sbgw_audit_verify_file(const char *path, struct sbgw_audit_verify *v)
{
    struct sbgw_audit_report *r = malloc(sizeof(*r));
    int rc;

    if (r == NULL) {
        memset(v, 0, sizeof(*v));
        snprintf(v->why, sizeof(v->why), "out of memory");
        return 2;
    }
    rc = sbgw_audit_verify_report(path, NULL, r);
    *v = r->v;
    free(r);
    return rc;
}
