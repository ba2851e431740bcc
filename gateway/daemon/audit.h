/*
 * gateway/daemon/audit.h — the tamper-evident decision log (DESIGN §6).
 *
 * One JSON line per validation decision: seq, time, node id, request id, the client's own request id (only
 * when it sent a valid X-Request-Id: client_request_id), client id, route, from, to,
 * object SHA-256, signer subject/serial, indication, subindication, reason, the revocation evidence of the
 * signer's certificates (only when revocation was checked: "revocation"), policy snapshot id, the
 * previous record's hash ("prev"; 64 zeros for the first record of a file) and the record's own hash:
 * SHA-256 over its canonical form (every field but "hash", keys sorted, compact, ASCII — jansson
 * JSON_COMPACT|JSON_SORT_KEYS|JSON_ENSURE_ASCII), lowercase hex.
 *
 * Each record is written with one write(2) before the reply is sent; fsync follows per record
 * ("every"), from a flusher thread every batch_ms ("batch", default 100 ms) or never ("off"). A write
 * that fails is cut back (ftruncate) so the chain stays whole, and the caller answers 503
 * AUDIT_UNAVAILABLE instead of deciding unaudited. On open, a torn last line (a crash mid-write) is cut
 * and reported, the last whole record's hash is checked, and the chain continues from it.
 *
 * Checkpoints (audit_checkpoint.h): with an audit key, a signed checkpoint record follows every
 * every_records records (in the append that reaches the count) and, from the flusher, every every_s seconds
 * while records are written; the side file is rewritten after the log was synced, by the flusher at most once
 * a second (at once on start, reopen and stop). The flusher also watches the file (stat of the path against
 * fstat of the descriptor, every batch_ms and at least every 250 ms): a log removed, renamed away or
 * truncated under the daemon is reopened at its path with a "reopen" record that continues the chain (a
 * renamed file first gets a closing "rotate" checkpoint; a removed one, still open, is copied by the flusher
 * to path + ".removed-TIME-SEQ", named in the reopen record, so the records written to it are not lost);
 * until a file is open again appends fail (503). After failed writes (a full disk) the flusher probes every
 * second with a "resumed" record naming the gap; sbgw_audit_ready is false meanwhile. audit_open.c opens,
 * checks the side file at start (--audit-new-chain) and closes; audit_watch.c has the watch, the reopen, the
 * probe and the side file.
 *
 * Time anchors (audit_anchor.h): with audit.timestamp each checkpoint becomes the pending anchor; a thread of
 * its own (never the flusher, never holding mu during the exchange) asks the TSA for a token over the newest
 * pending checkpoint's hash — older ones written meanwhile are covered by it — and appends an "anchor"
 * record under mu. A failure is counted and logged once per streak; the next checkpoint tries again.
 *
 * Thread-safe: workers append concurrently without a global lock around their write(2) (audit_commit.c): a
 * record's fields are rendered without any lock; a short lock (chain_mu) covers only its seq/time/prev, one
 * SHA-256 and the copy of its line into the pending bytes; then whoever holds the file lock (mu) writes
 * everything pending with one write(2) (group commit), and each append returns once its own record is in
 * the file. Checkpoints, anchors, reopen and the flusher keep using mu as before.
 */
#ifndef SBGW_AUDIT_H
#define SBGW_AUDIT_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "gateway/daemon/audit_signer.h"
#include "gateway/daemon/config.h"
#include "gateway/daemon/log.h"
#include "pki/base/json_text.h"

#define SBGW_AUDIT_MAX_LINE (64 * 1024)     /* longest record accepted when reading the tail back */

/* One decision. Strings are borrowed; NULL (or "" for the signer fields) is written as null. */
struct sbgw_audit_rec {
    const char *request_id;
    const char *client_request_id;   /* NULL or "": the member is left out */
    const char *client;
    const char *route;
    const char *from, *to;
    const char *object_sha256;
    const char *signer_subject, *signer_serial;
    const char *indication, *subindication, *reason;
    const char *snapshot;
    const char *revocation;          /* NULL or "": the member is left out (revocation off); else the worst
                                      * signer's revocation evidence per certificate (sb_report_rev_compact) */
};

/* How to open the log (the audit section of the configuration, and the serve flags). */
struct sbgw_audit_opts {
    const char *path;
    const char *node_id;
    enum sbgw_fsync fsync;
    int batch_ms;
    const char *signing_key, *signing_cert;   /* both or neither: NULL = checkpoints not signed */
    const char *checkpoint_file;              /* NULL = path + ".checkpoint" */
    int every_records, every_s;               /* checkpoint cadence (0: 1000 records, 10 s) */
    int new_chain;                            /* --audit-new-chain */
    const char *tsa_url;                      /* audit.timestamp.tsa: anchor checkpoints there; NULL = no */
    const char *tsa_policy;                   /* NULL = the TSA's default policy */
    int tsa_timeout_ms;                       /* 0: 5000 */
    struct sbgw_log *log;                     /* where the audit log's own events are logged; may be NULL */
};

struct sbgw_audit_waiter;

struct sbgw_audit {
    pthread_mutex_t mu;              /* the file lock: writes, checkpoints, reopen, the state below */
    pthread_cond_t cv;
    pthread_t flusher;
    int lock_ready, flusher_running, stop;
    int fd;
    char *path;                      /* owned */
    char *side_path;                 /* owned: the checkpoint side file */
    char node_id[SBGW_ID_MAX + 1];
    enum sbgw_fsync mode;
    int batch_ms;
    char prev[65];                   /* hash of the last record written */
    long long seq;                   /* seq of the last record written */
    /* the chain's head and the records sequenced, not yet written (audit_commit.c) */
    pthread_mutex_t chain_mu;        /* short: never held over I/O; taken inside mu, never the other way */
    int chain_ready;
    long long cseq;                  /* chain_mu: seq of the last record sequenced (>= seq) */
    char cprev[65];                  /* chain_mu: its hash */
    struct sb_jtext pend;            /* chain_mu: their lines, in chain order */
    struct sbgw_audit_waiter *pend_head, **pend_tail;   /* chain_mu: their appenders, in order */
    int closed;                      /* chain_mu: sequencing needs mu (failing, lost, held...) */
    time_t c_sec;                    /* chain_mu: the second c_day was formatted for */
    char c_day[40];
    struct sb_jtext spare;           /* mu: the batch being written */
    int hold;                        /* mu: a reopen in progress holds the chain (no sequencing without mu) */
    unsigned long long batches;      /* write(2)s of records (__atomic loads; records / batches = batching) */
    off_t size;                      /* bytes of whole records in the file */
    dev_t dev;                       /* the file the descriptor is open on (to notice it being replaced) */
    ino_t ino;
    int dirty;                       /* written but not yet fsync'ed */
    int broken;                      /* a failed write could not be cut back: refuse further appends */
    /* checkpoints */
    struct sbgw_audit_signer signer; /* key NULL: no audit key */
    int every_records, every_s;
    long long ckpt_seq;              /* seq of the last checkpoint record, + the anchor records written since
                                      * (they do not count toward every_records nor start a time cadence) */
    struct timespec ckpt_at;         /* when it was written (CLOCK_MONOTONIC) */
    char *side_line;                 /* owned: the checkpoint the side file should hold next; NULL = up to date */
    size_t side_len;
    off_t side_off;
    unsigned file_gen;               /* +1 on every reopen: a side file staged for an older file is dropped */
    struct timespec side_at;         /* the flusher's last side file update (CLOCK_MONOTONIC; at most 1/s) */
    /* trouble */
    int lost;                        /* the file was removed or replaced and no new one is open yet */
    int rescue_fd;                   /* -1, or a removed log still open: the flusher copies it to rescue_path */
    char rescue_path[4200];
    int failing;                     /* errno of the last failed write; 0 = writing */
    char failing_since[40];
    time_t probe_at;                 /* the last second a "resumed" record was tried */
    const char *reopen_why;          /* static: a reopen was asked for (SIGUSR1); the flusher's next check */
    unsigned long long refused_in_gap;    /* decisions refused since failing began */
    char trouble[256];               /* what is wrong, for /readyz and the log (under mu) */
    int reported;                    /* trouble was logged */
    struct sbgw_log *log;            /* borrowed */
    unsigned long long records, errors, checkpoints, reopens, refused;   /* counters (__atomic loads) */
    EVP_MD *sha256;                  /* owned: fetched once at open (no implicit fetch per record) */
    /* time anchors (audit_anchor.h; the thread is in audit_tsa.c) */
    char *tsa_url, *tsa_policy;      /* owned; tsa_url NULL: no anchors. Fixed while open (read unlocked) */
    int tsa_timeout_ms;
    pthread_t anchorer;
    pthread_cond_t anchor_cv;        /* with mu: a checkpoint to anchor, or stop */
    int anchorer_running, anchor_stop;
    long long anchor_seq;            /* the newest checkpoint not yet anchored (0 = none) */
    char anchor_hash[65];
    unsigned anchor_gen;             /* file_gen when it was written */
    int anchor_failing;              /* a failure streak was logged */
    unsigned long long anchors, anchor_errors;   /* counters (__atomic loads) */
};

/* What sbgw_audit_open found. */
struct sbgw_audit_open_info {
    long long last_seq;              /* seq of the last whole record; 0 for an empty file */
    size_t cut_bytes;                /* torn tail removed */
    char last_hash[65];
    int side_checked;                /* the side file's checkpoint was found in the log */
    int new_chain;                   /* --audit-new-chain started a new chain */
    char moved_to[4200];             /* ... and moved the old log here ("" if there was none) */
};

/* Open (create) o->path and continue its chain: cut a torn tail, check that the log still holds the side
 * file's checkpoint (else refuse, or with o->new_chain move the log aside and start a new chain whose first
 * record names the old head), write a "start" checkpoint when there is an audit key. 0 ok; -1 with a message
 * in err (e.g. the last record's hash does not match its content: run `sigbridge audit verify`). */
int sbgw_audit_open(struct sbgw_audit *a, const struct sbgw_audit_opts *o, struct sbgw_audit_open_info *info,
                    char *err, size_t errlen);
/* Append one record; its hash (65 bytes, may be NULL) is copied to hash_out. 0 ok; -1 not recorded
 * (errno set; the file is left ending in a whole record). */
int sbgw_audit_append(struct sbgw_audit *a, const struct sbgw_audit_rec *r, char *hash_out);
/* 1 when decisions can be audited now; else 0 and why says what is wrong (for /readyz). */
int sbgw_audit_ready(struct sbgw_audit *a, char *why, size_t whylen);
/* Have the flusher check the log's path now and reopen it (SIGUSR1; why: a static string for the reopen
 * record): a no-op when the path is still the open file. Returns at once (the event loop's thread does no
 * file I/O for it). */
void sbgw_audit_reopen(struct sbgw_audit *a, const char *why);
/* Change the checkpoint cadence (reload). */
void sbgw_audit_set_cadence(struct sbgw_audit *a, int every_records, int every_s);
/* Change the fsync policy (reload). */
void sbgw_audit_set_fsync(struct sbgw_audit *a, enum sbgw_fsync mode, int batch_ms);
/* Write a "stop" checkpoint (with an audit key), stop the flusher, fsync and close. Safe on a zeroed or already closed struct. */
void sbgw_audit_close(struct sbgw_audit *a);

/* The prev of a chain's first record: 64 zeros. */
extern const char sbgw_audit_genesis[65];
/* 1 when s is exactly 64 lowercase hex digits. */
int sbgw_audit_is_hex64(const char *s);

/* Lowercase hex SHA-256 of rec's canonical form, ignoring any "hash" member, into out[65]. 0 ok. */
int sbgw_audit_hash(const json_t *rec, char out[65]);

/* Result of checking a whole file. */
struct sbgw_audit_verify {
    size_t records;                  /* whole records that verified */
    size_t line;                     /* the first bad line (1-based) or the torn line; 0 if none */
    size_t torn_bytes;
    char why[256];
    char last_hash[65];
};

/* Check every record of path: 0 intact, 1 broken chain at v->line (why says how), 3 intact but the last
 * line is torn (no newline), 2 unreadable. */
int sbgw_audit_verify_file(const char *path, struct sbgw_audit_verify *v);

#endif
