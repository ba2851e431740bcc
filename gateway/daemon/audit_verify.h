/*
 * gateway/daemon/audit_verify.h — checking a whole audit log, with or without the node certificates that sign
 * its checkpoints (audit_checkpoint.h), and the summary a person in a dispute reads (`sigbridge audit verify`).
 *
 * The hash chain (audit.h): every record's hash matches its content, prev is the previous record's hash, seq
 * counts up by one. The first record is seq 1 with the genesis prev, or a "reopen" checkpoint (seq > 1, prev a
 * real hash): a continuation file after rotation or removal of the previous file.
 *
 * With certificates (any of them may have signed; a checkpoint's cert_sha256 picks one):
 *   - every checkpoint carries cert_sha256, sig_alg and sig, is signed by one of the certificates, and its
 *     signature verifies over sbgw_audit_ckpt_signed_text (so an edit before it, even with every later hash
 *     recomputed, fails at the first checkpoint after the edit);
 *   - a non-empty log holds at least one checkpoint;
 *   - the unsigned tail (records after the last checkpoint) is no longer than that checkpoint's every_records;
 *   - the side file's checkpoint (when there is one) verifies and is in the log with the same hash.
 * Without certificates only the chain decides; the rest is reported.
 *
 * Time anchors (anchor records, audit_anchor.h) are counted; with the TSA's trust anchors (tsa_anchors)
 * each must name a checkpoint written before it in this log (one of the last SBGW_AUDIT_VERIFY_ANCHOR_RING)
 * and pass sbgw_audit_anchor_check (the token verifies over that checkpoint's hash, its genTime lies within
 * the checkpoint's cadence of the checkpoint's time), genTimes must not go back, and a log with checkpoints
 * must hold at least one anchor — so a rewritten log cannot be re-anchored in the past.
 */
#ifndef SBGW_AUDIT_VERIFY_H
#define SBGW_AUDIT_VERIFY_H

#include <stddef.h>
#include <openssl/x509.h>

#include "gateway/daemon/audit.h"

#define SBGW_AUDIT_VERIFY_MAX_CERTS 16    /* --cert given at most this often */
#define SBGW_AUDIT_VERIFY_MAX_NODES 8     /* distinct node ids listed (more are counted in nodes_more) */
#define SBGW_AUDIT_TIME_MAX 48            /* longest "time" kept for the summary */
#define SBGW_AUDIT_VERIFY_ANCHOR_RING 1024   /* checkpoints remembered for the anchors that follow them */

struct sbgw_audit_verify_opts {
    X509 *const *certs;                   /* borrowed; n_certs 0: the chain only */
    size_t n_certs;
    const char *side_path;                /* the side file to check; NULL: the log's path + ".checkpoint" if present */
    STACK_OF(X509) *tsa_anchors;          /* borrowed; NULL: anchors are counted, not checked */
};

/* A checkpoint's place in the log. */
struct sbgw_audit_ckpt_at {
    size_t line;                          /* 0: none */
    long long seq;
    char time[SBGW_AUDIT_TIME_MAX];
    char event[24];
    long long every_records;              /* -1 when absent or not an integer */
};

enum sbgw_audit_side_state {
    SBGW_AUDIT_SIDE_NONE,                 /* no side file given and none found */
    SBGW_AUDIT_SIDE_IN_LOG,               /* its checkpoint is in the log (same seq and hash) */
    SBGW_AUDIT_SIDE_MISSING,              /* it is not */
    SBGW_AUDIT_SIDE_UNREADABLE            /* unreadable or malformed (side_why says why) */
};

struct sbgw_audit_report {
    struct sbgw_audit_verify v;           /* as sbgw_audit_verify_file: line/why also name a checkpoint failure */
    size_t decisions, checkpoints, signed_checkpoints, anchors;
    int anchors_checked;                  /* tsa_anchors given and every anchor verified */
    char first_gen_time[SBGW_AUDIT_TIME_MAX], last_gen_time[SBGW_AUDIT_TIME_MAX];   /* of the anchors */
    char nodes[SBGW_AUDIT_VERIFY_MAX_NODES][SBGW_ID_MAX + 1];
    size_t n_nodes, nodes_more;
    char first_time[SBGW_AUDIT_TIME_MAX], last_time[SBGW_AUDIT_TIME_MAX];
    long long first_seq, last_seq;        /* of the whole records read (0 when none) */
    size_t last_line;                     /* line of the last whole record read */
    int continues;                        /* the file starts with a "reopen" checkpoint */
    long long continues_seq;              /* the seq it continues (its seq - 1) and that record's hash */
    char continues_hash[65];
    struct sbgw_audit_ckpt_at last_ckpt;
    size_t tail_records, tail_first, tail_last;   /* the unsigned tail (records after the last checkpoint) */
    /* the side file */
    char side_path[4096];                 /* "" when none */
    int side_default;                     /* side_path is the log's path + ".checkpoint" */
    enum sbgw_audit_side_state side;
    long long side_seq;
    char side_hash[65];
    char side_why[256];
    /* signatures */
    int certs_given;
    unsigned signers_used;                /* bit i: certificate i signed a checkpoint */
    int signed_ok;                        /* certificates given and every check passed */
};

/* Check path as described above: 0 intact, 1 broken at r->v.line (r->v.why says how), 3 intact but the last
 * line is torn, 2 the log (or an explicitly named side file) cannot be read. */
int sbgw_audit_verify_report(const char *path, const struct sbgw_audit_verify_opts *o, struct sbgw_audit_report *r);

#endif
