/*
 * gateway/daemon/audit_local.h — what the audit log's files share (not for callers: use audit.h).
 *
 * audit.c renders and appends records and events; audit_commit.c sequences them on the chain's head and
 * writes them in batches (group commit); audit_open.c opens, checks and closes the log and runs
 * the flusher thread; audit_watch.c notices the file going away, reopens it, probes after failures, keeps
 * the checkpoint cadence and the side file; audit_tsa.c runs the anchor thread (audit_anchor.h). "_locked"
 * functions run under a->mu.
 */
#ifndef SBGW_AUDIT_LOCAL_H
#define SBGW_AUDIT_LOCAL_H

#include <jansson.h>
#include "gateway/daemon/audit.h"

/* write(2) all of line at the end of the log; on failure a partial record is cut back (or the log marked
 * broken). 0, or the errno. */
int sbgw_audit_write_locked(struct sbgw_audit *a, const char *line, size_t n);
/* Append a checkpoint record for event with extra's members (extra is consumed; may be NULL), signed when
 * there is an audit key; with a key it becomes the side file's next checkpoint. 0, or the errno (then the
 * log is marked failing). */
int sbgw_audit_event_locked(struct sbgw_audit *a, const char *event, json_t *extra);
/* The log could not be written (errno e, doing what): from now until a record is written again, appends
 * are refused and /readyz is not ready. */
void sbgw_audit_fail_locked(struct sbgw_audit *a, int e, const char *what);
/* When failing: write the "resumed" record that names the gap. 0 when writing again. */
int sbgw_audit_resume_locked(struct sbgw_audit *a);
/* Compare the path with the open file; reopen when it was removed, renamed away or truncated. why: what
 * asked (NULL: the flusher's check). 0 when a usable file is open. */
int sbgw_audit_check_file_locked(struct sbgw_audit *a, const char *why);
/* Write the side file now for the pending checkpoint (after syncing the log). Caller holds a->mu. */
void sbgw_audit_side_sync_locked(struct sbgw_audit *a);
/* The flusher's periodic work, a->mu not held: the file check, the failure probe, the time cadence and
 * the side file. */
void sbgw_audit_watch(struct sbgw_audit *a);
/* The hash and seq of the last whole record of fd, whose whole records end at end. 0 ok; -1 unreadable,
 * -2 longer than SBGW_AUDIT_MAX_LINE, -3 not an audit record. */
int sbgw_audit_last_record(int fd, off_t end, char hash[65], long long *seq);
/* One appender waiting for its record to be written (on its stack; done and err are set under mu). */
struct sbgw_audit_waiter {
    struct sbgw_audit_waiter *next;
    int done, err;
};

/* Where a record went: its seq and hash, and its line's offset and length (in the pending bytes from
 * sbgw_audit_chain_add; in the file from sbgw_audit_put_locked). */
struct sbgw_audit_pos {
    long long seq;
    size_t off, len;
    char hash[65];
};

/* Builds one record on the chain's head, called under chain_mu (keep it short: no I/O): seq, time ts and
 * prev of the new record; append its line (with the '\n') to out and put its hash in hash. 0, or an errno
 * (whatever it appended is dropped). */
typedef int (*sbgw_audit_build)(void *arg, const struct sbgw_audit *a, long long seq, const char *ts,
                                const char *prev, struct sb_jtext *out, char hash[65]);

/* Sequence one record (audit_commit.c): build it on the head and queue it behind the pending records, with
 * its appender w (NULL: none). Without force it is refused with EAGAIN while sequencing is closed (then take
 * mu: the slow path); force needs mu held. 0 queued (pos, may be NULL: where), or the build's errno. */
int sbgw_audit_chain_add(struct sbgw_audit *a, sbgw_audit_build build, void *arg, int force,
                         struct sbgw_audit_waiter *w, struct sbgw_audit_pos *pos);
/* Write everything pending with one write(2) and settle its appenders; on failure (doing what) the log is
 * marked failing and what was sequenced after is refused too. The batch's errno (0: written, or nothing
 * pending). */
int sbgw_audit_flush_locked(struct sbgw_audit *a, const char *what);
/* Sequence one record (force) and write it with everything pending before it: a checkpoint, an anchor.
 * pos (may be NULL): its seq, hash and offset in the file. 0, or the errno (the log then fails). */
int sbgw_audit_put_locked(struct sbgw_audit *a, sbgw_audit_build build, void *arg, const char *what,
                          struct sbgw_audit_pos *pos);
/* Refuse (with e) what was sequenced and not written, and set the chain's head back to the last record
 * written. */
void sbgw_audit_roll_back_locked(struct sbgw_audit *a, int e);
/* Open or close sequencing without mu after the state changed (fd, broken, lost, failing, hold). */
void sbgw_audit_gate_locked(struct sbgw_audit *a);
/* The chain's head := the last record written (open, a new chain: nothing is pending). */
void sbgw_audit_chain_sync_locked(struct sbgw_audit *a);
/* hold 1: close sequencing without mu and write what is pending to the open file (a reopen follows);
 * hold 0: open it again (when the log is healthy). */
void sbgw_audit_hold_locked(struct sbgw_audit *a, int hold);
/* Start the anchor thread (audit_tsa.c) when a->tsa_url is set. 0 ok, -1 it could not be started. */
int sbgw_audit_anchorer_start(struct sbgw_audit *a);
/* Stop it (waits for an exchange in progress: at most tsa_timeout_ms); a->mu not held. */
void sbgw_audit_anchorer_stop(struct sbgw_audit *a);
/* Log a warning through the daemon's log (when there is one). */
void sbgw_audit_logf(struct sbgw_audit *a, int warn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
