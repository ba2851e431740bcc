/*
 * gateway/daemon/audit_anchor.h — RFC 3161 time anchors of audit checkpoints: the anchor record and its check.
 *
 * With audit.timestamp the daemon asks a time-stamping authority (TSA) for a TimeStampToken whose SHA-256
 * message imprint is a checkpoint's record hash (the 32 bytes of its hex "hash", already the SHA-256 of the
 * record's canonical form), and appends an anchor record to the chain (audit_checkpoint.h lists its members).
 * The token proves the checkpoint — and so, through prev, every record before it — existed at the token's
 * genTime: a log rewritten later cannot get a token that old. The anchor thread (audit_tsa.c) does the
 * exchange outside the chain lock.
 *
 * sbgw_audit_anchor_check is what a verifier (`sigbridge audit verify`) calls for each anchor record with the
 * checkpoint it names and the TSA's trust anchors.
 */
#ifndef SBGW_AUDIT_ANCHOR_H
#define SBGW_AUDIT_ANCHOR_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include <openssl/x509.h>

/* How far a token's genTime may lie from the checkpoint's "time": not earlier than time - EARLY_S (clocks
 * differ), not later than time + 2 × every_s + LATE_S (the anchor thread asks right after the checkpoint; a
 * slow TSA or a skipped checkpoint may delay it, a token obtained much later proves nothing). */
#define SBGW_ANCHOR_EARLY_S 5
#define SBGW_ANCHOR_LATE_S  60

/* 1 when rec is an anchor record ("type":"anchor"). */
int sbgw_audit_is_anchor(const json_t *rec);

/* A new anchor record with seq, time, node, type, checkpoint_seq, checkpoint_hash, tsa, gen_time (RFC 3339,
 * Z) and token (base64 of the DER TimeStampToken). NULL when out of memory. */
json_t *sbgw_audit_anchor_new(long long seq, const char *time, const char *node, long long ckpt_seq,
                              const char *ckpt_hash, const char *tsa, time_t gen_time, const unsigned char *token,
                              size_t token_len);
/* Add prev and hash: *line is the record's text with its '\n' (free()), hash its hash. 0 ok, -1 no memory. */
int sbgw_audit_anchor_finish(json_t *rec, const char *prev, char hash[65], char **line, size_t *len);

/* Check an anchor record against the checkpoint record it names: the token verifies under tsa_anchors
 * (signature, TSA certificate path with extKeyUsage timeStamping) with the imprint = the checkpoint's hash
 * bytes; checkpoint_seq / checkpoint_hash equal the checkpoint's seq / hash (and that hash is the
 * checkpoint's own); gen_time equals the token's genTime; genTime lies in [time - SBGW_ANCHOR_EARLY_S,
 * time + 2 × every_s + SBGW_ANCHOR_LATE_S] of the checkpoint. 1 good; 0 bad, why says what. */
int sbgw_audit_anchor_check(const json_t *anchor_rec, const json_t *checkpoint_rec, STACK_OF(X509) *tsa_anchors,
                            char *why, size_t whylen);

#endif
