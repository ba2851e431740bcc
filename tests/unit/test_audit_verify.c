/*
 * tests/unit/test_audit_verify.c — whole-log verification with signed checkpoints (gateway/daemon/audit_verify.h):
 * logs are built here from decision records (sbgw_audit_hash) and checkpoints (sbgw_audit_ckpt_new/finish,
 * signed with RSA-2048, P-256, Ed25519 and SM2 keys on self-signed certificates made at test time), then edited
 * the way an attacker without the key would (every later prev/hash recomputed). Each case checks the exit
 * code, the line and the message: signatures across the four key types, another key, an unsigned checkpoint,
 * an edit or a cut before a checkpoint, no checkpoint, the unsigned tail and its cadence, the side file (in the
 * log, cut from it, unreadable, explicitly named and absent), a torn tail, a "reopen" continuation file, and the
 * summary counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "gateway/daemon/audit.h"
#include "gateway/daemon/audit_checkpoint.h"
#include "gateway/daemon/audit_signer.h"
#include "gateway/daemon/audit_verify.h"
#include "testcert.h"

#define MAX_RECS 64

enum { K_RSA, K_EC, K_ED, K_SM2, K_N };

struct fx {
    char dir[64], path[128], side[160];
    struct sbgw_audit_signer s[K_N];     /* key + certificate of each type */
    json_t *recs[MAX_RECS];              /* the log being built, one record a line */
    size_t n;
    struct sbgw_audit_report r;
};

static void signer_of(struct sbgw_audit_signer *s, EVP_PKEY *key, const char *cn)
{
    memset(s, 0, sizeof(*s));
    s->key = key;
    s->cert = tc_root(cn, key);
    s->alg = sbgw_audit_alg_for(s->cert);
    assert_non_null(s->alg);
    assert_int_equal(sbgw_audit_cert_sha256(s->cert, s->cert_sha256), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/sb_test_auditv_XXXXXX");
    if (f == NULL || mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/audit.jsonl", f->dir);
    snprintf(f->side, sizeof(f->side), "%s.checkpoint", f->path);
    signer_of(&f->s[K_RSA], tc_key_rsa(2048), "audit rsa");
    signer_of(&f->s[K_EC], tc_key_ec(), "audit p256");
    signer_of(&f->s[K_ED], tc_key_ed25519(), "audit ed25519");
    signer_of(&f->s[K_SM2], tc_key_sm2(), "audit sm2");
    *state = f;
    return 0;
}

static void clear(struct fx *f)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        json_decref(f->recs[i]);
    }
    f->n = 0;
    unlink(f->path);
    unlink(f->side);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int i;

    clear(f);
    for (i = 0; i < K_N; i++) {
        sbgw_audit_signer_free(&f->s[i]);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- building logs -------------------------------------------------------------------------- */

static const char *prev_of(const struct fx *f)
{
    return f->n == 0 ? sbgw_audit_genesis : json_string_value(json_object_get(f->recs[f->n - 1], "hash"));
}

static long long next_seq(const struct fx *f, long long first)
{
    return f->n == 0 ? first : (long long)json_integer_value(json_object_get(f->recs[f->n - 1], "seq")) + 1;
}

static void add_decision(struct fx *f)
{
    char hash[65];
    json_t *d = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:n,s:s,s:s,s:s,s:s,s:n,s:n,s:s}", "seq",
                          (json_int_t)next_seq(f, 1), "time", "2026-12-07T10:00:00.000Z", "node", "node-1",
                          "request_id", "req", "client", "bank-a", "route", "verify", "from", "hk", "to",
                          "object_sha256", "6743aff33d74d6743a3e54e3fbb2157ae20d78f4d6716b8f0616d42ca6d0fa07",
                          "signer_subject", "CN=Signer", "signer_serial", "2000", "indication", "TOTAL_PASSED",
                          "subindication", "reason", "snapshot", "df565fd5");

    assert_non_null(d);
    assert_int_equal(json_object_set_new(d, "prev", json_string(prev_of(f))), 0);
    assert_int_equal(sbgw_audit_hash(d, hash), 0);
    assert_int_equal(json_object_set_new(d, "hash", json_string(hash)), 0);
    assert_true(f->n < MAX_RECS);
    f->recs[f->n++] = d;
}

/* A checkpoint signed by s (NULL: unsigned) with event ev; seq first when it starts the file. */
static void add_ckpt(struct fx *f, const struct sbgw_audit_signer *s, const char *ev, long long first,
                     const char *prev)
{
    char hash[65], *line = NULL;
    size_t len = 0;
    json_t *c = sbgw_audit_ckpt_new(next_seq(f, first), "2026-12-07T10:00:01.000Z", "node-1", ev);

    assert_non_null(c);
    assert_int_equal(sbgw_audit_ckpt_finish(c, 3, 60, s, prev != NULL ? prev : prev_of(f), hash, &line, &len), 0);
    assert_int_equal(strlen(line), len);
    assert_int_equal(line[len - 1], '\n');
    free(line);
    assert_true(f->n < MAX_RECS);
    f->recs[f->n++] = c;
}

/* start checkpoint, then groups of 3 decisions each followed by a cadence checkpoint, then tail decisions:
 * groups 2, tail 2 gives lines 1 start, 2-4, 5 cadence, 6-8, 9 cadence, 10-11 tail. */
static void build(struct fx *f, const struct sbgw_audit_signer *s, int groups, int tail)
{
    int g, i;

    add_ckpt(f, s, "start", 1, NULL);
    for (g = 0; g < groups; g++) {
        for (i = 0; i < 3; i++) {
            add_decision(f);
        }
        add_ckpt(f, s, "cadence", 1, NULL);
    }
    for (i = 0; i < tail; i++) {
        add_decision(f);
    }
}

/* The attacker's tool: from index i on, renumber seq (when renumber), relink prev and recompute hash. */
static void recompute(struct fx *f, size_t i, int renumber)
{
    char hash[65];

    for (; i < f->n; i++) {
        if (i > 0) {
            json_object_set_new(f->recs[i], "prev", json_string(json_string_value(json_object_get(f->recs[i - 1],
                                                                                                 "hash"))));
            if (renumber) {
                json_object_set_new(f->recs[i], "seq",
                                    json_integer(json_integer_value(json_object_get(f->recs[i - 1], "seq")) + 1));
            }
        }
        assert_int_equal(sbgw_audit_hash(f->recs[i], hash), 0);
        json_object_set_new(f->recs[i], "hash", json_string(hash));
    }
}

/* Remove lines a..b (1-based, inclusive). */
static void cut(struct fx *f, size_t a, size_t b)
{
    size_t i, k = b - a + 1;

    for (i = a - 1; i < b; i++) {
        json_decref(f->recs[i]);
    }
    memmove(&f->recs[a - 1], &f->recs[b], (f->n - b) * sizeof(f->recs[0]));
    f->n -= k;
}

/* Write the log (torn: the last line without its newline) and, when side_line > 0, the side file naming the
 * record at that line. */
static void write_log(struct fx *f, int torn)
{
    FILE *o = fopen(f->path, "wb");
    size_t i;
    char *s;

    assert_non_null(o);
    for (i = 0; i < f->n; i++) {
        s = json_dumps(f->recs[i], JSON_COMPACT | JSON_ENSURE_ASCII);
        assert_non_null(s);
        fprintf(o, "%s%s", s, torn && i == f->n - 1 ? "" : "\n");
        free(s);
    }
    fclose(o);
}

static void write_side(struct fx *f, const json_t *ckpt)
{
    char err[256], *s = json_dumps(ckpt, JSON_COMPACT | JSON_ENSURE_ASCII);

    assert_non_null(s);
    assert_int_equal(sbgw_audit_side_write(f->side, f->path, 0, s, strlen(s), err, sizeof(err)), 0);
    free(s);
}

/* Verify with the certificates of the listed key types (-1 ends the list). */
static int verify(struct fx *f, const char *side, ...)
{
    X509 *certs[K_N];
    struct sbgw_audit_verify_opts o = { .certs = certs, .side_path = side };
    va_list ap;
    int k;

    va_start(ap, side);
    while ((k = va_arg(ap, int)) >= 0) {
        certs[o.n_certs++] = f->s[k].cert;
    }
    va_end(ap);
    return sbgw_audit_verify_report(f->path, &o, &f->r);
}

static void assert_broken(struct fx *f, int rc, size_t line, const char *why)
{
    if (rc != 1 || f->r.v.line != line || strstr(f->r.v.why, why) != f->r.v.why) {
        fail_msg("rc %d line %zu why '%s' (want 1, line %zu, '%s...')", rc, f->r.v.line, f->r.v.why, line, why);
    }
    assert_int_equal(f->r.signed_ok, 0);
}

/* ---- tests ---------------------------------------------------------------------------------- */

/* Each key type signs checkpoints that verify with its certificate (and only with it); the summary counts. */
static void test_sig_across_key_types(void **state)
{
    static const char *const algs[K_N] = { "rsa-pkcs1-sha256", "ecdsa-sha256", "ed25519", "sm2-sm3" };
    struct fx *f = *state;
    int k;

    for (k = 0; k < K_N; k++) {
        clear(f);
        build(f, &f->s[k], 2, 2);
        write_log(f, 0);
        assert_string_equal(json_string_value(json_object_get(f->recs[0], "sig_alg")), algs[k]);
        assert_int_equal(verify(f, NULL, k, -1), 0);
        assert_int_equal(f->r.v.records, 11);
        assert_int_equal(f->r.decisions, 8);
        assert_int_equal(f->r.checkpoints, 3);
        assert_int_equal(f->r.signed_checkpoints, 3);
        assert_int_equal(f->r.signed_ok, 1);
        assert_int_equal(f->r.signers_used, 1u);
        assert_int_equal(f->r.last_ckpt.line, 9);
        assert_string_equal(f->r.last_ckpt.event, "cadence");
        assert_int_equal(f->r.tail_records, 2);
        assert_int_equal(f->r.tail_first, 10);
        assert_int_equal(f->r.tail_last, 11);
        assert_int_equal(f->r.anchors, 0);
        assert_int_equal(f->r.n_nodes, 1);
        assert_int_equal(f->r.first_seq, 1);
        assert_int_equal(f->r.last_seq, 11);
        assert_int_equal(f->r.side, SBGW_AUDIT_SIDE_NONE);
        /* the certificate of the next key type: another key, at the first checkpoint */
        assert_broken(f, verify(f, NULL, (k + 1) % K_N, -1), 1, "checkpoint signed by another key (cert_sha256 ");
        assert_non_null(strstr(f->r.v.why, f->s[k].cert_sha256));
        /* any of several certificates may have signed */
        assert_int_equal(verify(f, NULL, (k + 1) % K_N, k, -1), 0);
        assert_int_equal(f->r.signers_used, 2u);
        /* without --cert: the chain only */
        assert_int_equal(verify(f, NULL, -1), 0);
        assert_int_equal(f->r.signed_checkpoints, 0);
        assert_int_equal(f->r.signed_ok, 0);
    }
}

/* A log signed by two nodes' keys needs both certificates. */
static void test_two_signers(void **state)
{
    struct fx *f = *state;

    add_ckpt(f, &f->s[K_EC], "start", 1, NULL);
    add_decision(f);
    add_ckpt(f, &f->s[K_SM2], "cadence", 1, NULL);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, K_EC, K_SM2, -1), 0);
    assert_int_equal(f->r.signers_used, 3u);
    assert_broken(f, verify(f, NULL, K_EC, -1), 3, "checkpoint signed by another key");
}

/* An edit of a decision with every later hash recomputed fails at the next checkpoint, naming its lines. */
static void test_edit_recomputed(void **state)
{
    struct fx *f = *state;

    build(f, &f->s[K_EC], 2, 2);
    json_object_set_new(f->recs[6], "indication", json_string("TOTAL_FAILED"));      /* line 7 */
    recompute(f, 6, 0);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, -1), 0);             /* the chain alone cannot tell */
    assert_broken(f, verify(f, NULL, K_EC, -1), 9,
                  "checkpoint signature does not verify: the records it covers (lines 6\u20138) or the checkpoint "
                  "were changed");
    assert_int_equal(f->r.v.records, 8);
    /* an edit in the unsigned tail is not covered */
    clear(f);
    build(f, &f->s[K_EC], 2, 2);
    json_object_set_new(f->recs[10], "indication", json_string("TOTAL_FAILED"));
    recompute(f, 10, 0);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, K_EC, -1), 0);
    /* the checkpoint itself edited and rehashed */
    clear(f);
    build(f, &f->s[K_ED], 2, 2);
    json_object_set_new(f->recs[4], "every_records", json_integer(1000));
    recompute(f, 4, 0);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, K_ED, -1), 5, "checkpoint signature does not verify");
}

/* Records cut before the last checkpoint: with seq/prev/hash recomputed, with seq kept, or not recomputed. */
static void test_cut_before_checkpoint(void **state)
{
    struct fx *f = *state;

    build(f, &f->s[K_RSA], 2, 2);
    cut(f, 3, 3);
    recompute(f, 2, 1);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, K_RSA, -1), 4, "checkpoint signature does not verify: the records it covers "
                                                   "(lines 2\u20133)");
    clear(f);
    build(f, &f->s[K_RSA], 2, 2);
    cut(f, 6, 7);
    recompute(f, 5, 0);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, K_RSA, -1), 6, "seq jumps from 5 to 8");
    clear(f);
    build(f, &f->s[K_RSA], 2, 2);
    cut(f, 6, 6);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, K_RSA, -1), 6, "prev does not match the hash of line 5");
    /* the whole first group and its checkpoint cut, renumbered: the next checkpoint's seq and prev changed */
    clear(f);
    build(f, &f->s[K_RSA], 2, 2);
    cut(f, 2, 5);
    recompute(f, 1, 1);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, K_RSA, -1), 5, "checkpoint signature does not verify");
}

static void test_unsigned_checkpoint(void **state)
{
    struct fx *f = *state;

    add_ckpt(f, &f->s[K_EC], "start", 1, NULL);
    add_decision(f);
    add_ckpt(f, NULL, "cadence", 1, NULL);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, -1), 0);
    assert_broken(f, verify(f, NULL, K_EC, -1), 3, "checkpoint without a signature");
}

static void test_no_checkpoint(void **state)
{
    struct fx *f = *state;

    build(f, &f->s[K_EC], 2, 2);
    cut(f, 9, 9);
    cut(f, 5, 5);
    cut(f, 1, 1);
    json_object_set_new(f->recs[0], "prev", json_string(sbgw_audit_genesis));
    json_object_set_new(f->recs[0], "seq", json_integer(1));
    recompute(f, 0, 1);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, -1), 0);
    assert_int_equal(f->r.checkpoints, 0);
    assert_broken(f, verify(f, NULL, K_EC, -1), 9, "no signed checkpoint in the log: checkpoints were removed");
    assert_int_equal(f->r.v.records, 8);
    /* an empty log has nothing to sign */
    clear(f);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, K_EC, -1), 0);
}

/* Checkpoints cut from the end: the unsigned tail grows past the cadence (every_records 3). */
static void test_tail_cadence(void **state)
{
    struct fx *f = *state;

    build(f, &f->s[K_SM2], 2, 3);                          /* a tail of 3 = the cadence: fine */
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, K_SM2, -1), 0);
    assert_int_equal(f->r.tail_records, 3);
    clear(f);
    build(f, &f->s[K_SM2], 2, 2);
    cut(f, 9, 9);                                          /* the last checkpoint */
    recompute(f, 8, 1);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, K_SM2, -1), 9, "unsigned tail of 5 records is longer than the checkpoint "
                                                   "cadence (3 records): checkpoints after line 5 were removed");
    /* records cut after the last checkpoint: a shorter tail, still intact */
    clear(f);
    build(f, &f->s[K_SM2], 2, 2);
    cut(f, 11, 11);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, K_SM2, -1), 0);
    assert_int_equal(f->r.tail_records, 1);
}

static void test_side_file(void **state)
{
    struct fx *f = *state;
    char other[200];
    json_t *keep;

    build(f, &f->s[K_EC], 2, 2);
    write_log(f, 0);
    write_side(f, f->recs[8]);
    assert_int_equal(verify(f, NULL, K_EC, -1), 0);
    assert_int_equal(f->r.side, SBGW_AUDIT_SIDE_IN_LOG);
    assert_int_equal(f->r.side_default, 1);
    assert_int_equal(f->r.side_seq, 9);
    /* the log cut back to line 6 (a shorter, intact chain): the side file gives it away */
    cut(f, 7, 11);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, -1), 0);              /* reported, not judged, without --cert */
    assert_int_equal(f->r.side, SBGW_AUDIT_SIDE_MISSING);
    assert_broken(f, verify(f, NULL, K_EC, -1), 7, "the side file's checkpoint (seq 9, hash ");
    assert_non_null(strstr(f->r.v.why, "is not in the log: records were cut or the log replaced"));
    /* the log replaced by another one signed with the same key (ECDSA signatures differ each time): the same
     * seq with another hash, named at that line */
    clear(f);
    build(f, &f->s[K_EC], 2, 2);
    keep = json_incref(f->recs[4]);
    clear(f);
    build(f, &f->s[K_EC], 2, 2);
    write_log(f, 0);
    write_side(f, keep);
    json_decref(keep);
    assert_broken(f, verify(f, NULL, K_EC, -1), 5, "the side file's checkpoint (seq 5, hash ");
    /* a side file signed by another key */
    clear(f);
    build(f, &f->s[K_RSA], 1, 0);
    keep = json_incref(f->recs[4]);
    clear(f);
    build(f, &f->s[K_EC], 1, 0);
    write_log(f, 0);
    write_side(f, keep);
    json_decref(keep);
    assert_broken(f, verify(f, NULL, K_EC, -1), 5, "the side file's checkpoint (seq 5) does not verify");
    /* unreadable side file */
    {
        FILE *o = fopen(f->side, "w");

        assert_non_null(o);
        fputs("{\"nope\":1}\n", o);
        fclose(o);
    }
    assert_broken(f, verify(f, NULL, K_EC, -1), 6, "the checkpoint file is unreadable");
    assert_int_equal(f->r.side, SBGW_AUDIT_SIDE_UNREADABLE);
    /* --checkpoint naming a file that does not exist: 2 */
    snprintf(other, sizeof(other), "%s/nothing.checkpoint", f->dir);
    assert_int_equal(verify(f, other, K_EC, -1), 2);
    /* --checkpoint naming another file wins over the default */
    unlink(f->side);
    write_side(f, f->recs[4]);
    rename(f->side, other);
    assert_int_equal(verify(f, other, K_EC, -1), 0);
    assert_int_equal(f->r.side, SBGW_AUDIT_SIDE_IN_LOG);
    assert_int_equal(f->r.side_default, 0);
    unlink(other);
}

/* A torn last line stays 3 when everything else holds; a signature failure before it wins (1). */
static void test_torn_tail(void **state)
{
    struct fx *f = *state;

    build(f, &f->s[K_ED], 2, 2);
    write_side(f, f->recs[8]);
    write_log(f, 1);
    assert_int_equal(verify(f, NULL, K_ED, -1), 3);
    assert_int_equal(f->r.v.line, 11);
    assert_int_equal(f->r.signed_ok, 1);
    assert_int_equal(f->r.tail_records, 1);
    json_object_set_new(f->recs[2], "indication", json_string("TOTAL_FAILED"));
    recompute(f, 2, 0);
    write_log(f, 1);
    assert_broken(f, verify(f, NULL, K_ED, -1), 5, "checkpoint signature does not verify");
}

/* A file that starts with a "reopen" checkpoint continues a chain; any other first record must be seq 1
 * with the genesis prev. */
static void test_reopen_start(void **state)
{
    static const char prev[] = "1111111111111111111111111111111111111111111111111111111111111111";
    struct fx *f = *state;

    add_ckpt(f, &f->s[K_EC], "reopen", 42, prev);
    add_decision(f);
    add_decision(f);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, -1), 0);
    assert_int_equal(f->r.continues, 1);
    assert_int_equal(f->r.continues_seq, 41);
    assert_string_equal(f->r.continues_hash, prev);
    assert_int_equal(verify(f, NULL, K_EC, -1), 0);
    assert_int_equal(f->r.first_seq, 42);
    assert_int_equal(f->r.last_seq, 44);
    /* the same start with another event, or a decision first: records removed from the start */
    clear(f);
    add_ckpt(f, &f->s[K_EC], "cadence", 42, prev);
    add_decision(f);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, -1), 1, "the first record is seq 42 with a non-genesis prev and not a "
                                             "\"reopen\" checkpoint");
    clear(f);
    build(f, &f->s[K_EC], 2, 2);
    cut(f, 1, 3);
    write_log(f, 0);
    assert_broken(f, verify(f, NULL, K_EC, -1), 1, "the first record is seq 4");
}

/* Anchor records are counted (checked only with TSA anchors: test_audit_anchor.c, test_gateway_audit_anchor.sh);
 * several nodes are listed. */
static void test_anchors_and_nodes(void **state)
{
    struct fx *f = *state;

    build(f, &f->s[K_EC], 1, 2);
    json_object_set_new(f->recs[5], "type", json_string("anchor"));
    json_object_set_new(f->recs[5], "token", json_string("MIIB"));
    json_object_set_new(f->recs[5], "node", json_string("node-2"));
    recompute(f, 5, 0);
    write_log(f, 0);
    assert_int_equal(verify(f, NULL, K_EC, -1), 0);
    assert_int_equal(f->r.anchors, 1);
    assert_int_equal(f->r.anchors_checked, 0);
    assert_int_equal(f->r.n_nodes, 2);
    assert_string_equal(f->r.nodes[1], "node-2");
}

/* The other direction: checkpoints written by sbgw_audit_ckpt_finish verify in an independent implementation
 * (tests/integration/audit_forge.py, Python `cryptography`; no SM2 there). Skipped without python3 + cryptography
 * or when not run from the source tree. */
static void test_python_verifies_ours(void **state)
{
    static const char forge[] = "tests/integration/audit_forge.py";
    struct fx *f = *state;
    char pem[200], cmd[800];
    FILE *o;
    int k;

    if (access(forge, R_OK) != 0 || system("python3 -c 'import cryptography' >/dev/null 2>&1") != 0) {
        skip();
    }
    snprintf(pem, sizeof(pem), "%s/cert.pem", f->dir);
    snprintf(cmd, sizeof(cmd), "python3 %s verify %s %s >/dev/null", forge, f->path, pem);
    for (k = K_RSA; k <= K_ED; k++) {
        clear(f);
        build(f, &f->s[k], 2, 1);
        write_log(f, 0);
        assert_non_null(o = fopen(pem, "w"));
        assert_int_equal(PEM_write_X509(o, f->s[k].cert), 1);
        fclose(o);
        assert_int_equal(system(cmd), 0);
        /* and it is not vacuous: an edit before a checkpoint, recomputed, fails there too */
        json_object_set_new(f->recs[2], "indication", json_string("TOTAL_FAILED"));
        recompute(f, 2, 0);
        write_log(f, 0);
        assert_int_not_equal(system(cmd), 0);
    }
    unlink(pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sig_across_key_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_signers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_recomputed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_before_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsigned_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_cadence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_side_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchors_and_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_python_verifies_ours, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
