/*
 * gateway/daemon/audit_checkpoint.h — checkpoint records of the audit log and the checkpoint side file.
 *
 * A checkpoint is a record of the chain (it has seq, time, node, prev and hash like a decision) with
 * "type":"checkpoint". Its members, in the order they are written:
 *   seq, time, node, type, event, [why], [previous], [gap], every_records, every_s,
 *   [cert_sha256, sig_alg, sig], prev, hash
 * event says why it was written:
 *   "start"     the daemon started and continues the chain (the torn tail, if any, already cut)
 *   "cadence"   every audit.checkpoint.every_records records or every_s seconds (when records were written)
 *   "stop"      graceful stop: the last record of a cleanly closed log
 *   "rotate"    the last record of a file the daemon stops writing to because it was renamed away
 *   "reopen"    the first record of a new file that continues the chain (seq = last + 1, prev = its hash);
 *               previous: {"state": "removed"|"renamed"|"truncated"|"signal", "last_seq", "size"}
 *   "new_chain" the first record (seq 1, genesis prev) of a chain started with --audit-new-chain because the
 *               log did not hold the side file's checkpoint; previous: {"checkpoint_seq", "checkpoint_hash",
 *               "found", "moved_to"}; why: what the start found
 *   "resumed"   the first record after writes failed; gap: {"since", "refused", "error"}
 * The head a checkpoint signs is its prev (the hash of record seq - 1). When the node has an audit key
 * (audit.signing_key) a checkpoint carries cert_sha256 (SHA-256 of the signing certificate's DER), sig_alg
 * (audit_signer.h) and sig: the signature over the record's canonical form without "sig" and "hash"
 * (keys sorted, compact, ASCII — the same form the record hash uses). The record's hash covers sig.
 * Without a key, "start", "cadence" and "stop" checkpoints are not written; the others are, unsigned.
 *
 * Anchor records (audit_anchor.h; with audit.timestamp) are records of the chain too, "type":"anchor":
 *   seq, time, node, type, checkpoint_seq, checkpoint_hash, tsa, gen_time, token, prev, hash
 * checkpoint_seq / checkpoint_hash name the checkpoint anchored (the newest one when the anchor thread
 * asked: older checkpoints written meanwhile are covered through the chain); tsa is the URL asked; token the
 * RFC 3161 TimeStampToken (base64 of its DER) whose SHA-256 imprint is the 32 bytes of checkpoint_hash;
 * gen_time its genTime (RFC 3339, whole seconds, Z). An anchor follows its checkpoint after the TSA's reply,
 * so decisions may lie between them; it is not signed by the node (the token is the TSA's signature), does
 * not count toward every_records and does not start a time cadence. None for the "stop" checkpoint.
 *
 * The side file (audit.checkpoint_file, default the log's path + ".checkpoint") holds the latest
 * checkpoint, one line: {"log": PATH, "offset": byte offset of the checkpoint's line in the log,
 * "checkpoint": the record exactly as in the log}. It is replaced atomically (temporary file, fsync, rename)
 * and only after the log itself was synced, so it never names a record the log could lose; it is updated at
 * most once a second (at once on start, reopen, new chain and stop), so it may name a checkpoint up to a
 * second older than the log's last.
 */
#ifndef SBGW_AUDIT_CHECKPOINT_H
#define SBGW_AUDIT_CHECKPOINT_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "gateway/daemon/audit_signer.h"

/* A new checkpoint record with seq, time, node, type and event (why and the event's objects are added by
 * the caller with json_object_set_new before sbgw_audit_ckpt_finish). NULL when out of memory. */
json_t *sbgw_audit_ckpt_new(long long seq, const char *time, const char *node, const char *event);
/* Add every_records / every_s, then (s not NULL) cert_sha256, sig_alg and sig, then prev and hash: *line
 * is the record's text with its '\n' (free()), hash its hash. 0 ok, -1 (signing or memory) failed. */
int sbgw_audit_ckpt_finish(json_t *rec, int every_records, int every_s, const struct sbgw_audit_signer *s,
                           const char *prev, char hash[65], char **line, size_t *len);
/* The bytes a checkpoint's signature covers: rec's canonical form without "sig" and "hash" (free()). */
char *sbgw_audit_ckpt_signed_text(const json_t *rec);
/* 1 when rec is a checkpoint record ("type":"checkpoint"). */
int sbgw_audit_is_checkpoint(const json_t *rec);

/* Replace the side file at path with {"log": log_path, "offset": offset, "checkpoint": line}. 0 ok, -1 with
 * a message in err. */
int sbgw_audit_side_write(const char *path, const char *log_path, off_t offset, const char *line, size_t len,
                          char *err, size_t errlen);
/* The first half of sbgw_audit_side_write: the new content written and synced to tmp (renamed by the caller). */
int sbgw_audit_side_stage(const char *tmp, const char *log_path, off_t offset, const char *line, size_t len,
                          char *err, size_t errlen);
/* Read the side file: *ckpt the checkpoint record (json_decref), *offset its offset. 1 read, 0 no side file,
 * -1 unreadable or malformed (err says why). */
int sbgw_audit_side_read(const char *path, json_t **ckpt, long long *offset, char *err, size_t errlen);

#endif
