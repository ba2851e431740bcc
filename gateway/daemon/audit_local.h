/*
 * gateway/daemon/audit_local.h — what the audit log's files share (not for callers: use audit.h).
 *
 * audit.c renders and appends records and events; audit_open.c opens, checks and closes the log and runs
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
/* Write line (record hash) at the end of the log and move the chain's head to it; on failure the log is
 * marked failing (doing what). 0, or the errno. */
int sbgw_audit_put_locked(struct sbgw_audit *a, const char *line, size_t n, const char hash[65], const char *what);
/* Start the anchor thread (audit_tsa.c) when a->tsa_url is set. 0 ok, -1 it could not be started. */
int sbgw_audit_anchorer_start(struct sbgw_audit *a);
/* Stop it (waits for an exchange in progress: at most tsa_timeout_ms); a->mu not held. */
void sbgw_audit_anchorer_stop(struct sbgw_audit *a);
/* Log a warning through the daemon's log (when there is one). */
void sbgw_audit_logf(struct sbgw_audit *a, int warn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
