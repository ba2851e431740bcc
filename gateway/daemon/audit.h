/*
 * gateway/daemon/audit.h — the tamper-evident decision log (DESIGN §6).
 *
 * One JSON line per validation decision: seq, time, node id, request id, the client's own request id (only
 * when it sent a valid X-Request-Id: client_request_id), client id, route, from, to,
 * object SHA-256, signer subject/serial, indication, subindication, reason, policy snapshot id, the
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
 * Thread-safe: workers append concurrently (one mutex orders the chain; a record's fields are rendered
 * before it is taken, so only seq/time/prev, one SHA-256 and the write(2) happen under it).
 */
#ifndef SBGW_AUDIT_H
#define SBGW_AUDIT_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "gateway/daemon/config.h"

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
};

struct sbgw_audit {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t flusher;
    int flusher_running, stop;
    int fd;
    char *path;                      /* owned */
    char node_id[SBGW_ID_MAX + 1];
    enum sbgw_fsync mode;
    int batch_ms;
    char prev[65];
    long long seq;                   /* seq of the last record written */
    off_t size;                      /* bytes of whole records in the file */
    int dirty;                       /* written but not yet fsync'ed */
    int broken;                      /* a failed write could not be cut back: refuse further appends */
    unsigned long long records, errors;   /* counters (read with __atomic loads) */
    EVP_MD *sha256;                  /* owned: fetched once at open (no implicit fetch per record) */
};

/* What sbgw_audit_open found. */
struct sbgw_audit_open_info {
    long long last_seq;              /* seq of the last whole record; 0 for an empty file */
    size_t cut_bytes;                /* torn tail removed */
    char last_hash[65];
};

/* Open (create) path and continue its chain. 0 ok; -1 with a message in err (e.g. the last record's
 * hash does not match its content: run `sigbridge audit verify`). */
int sbgw_audit_open(struct sbgw_audit *a, const char *path, const char *node_id, enum sbgw_fsync mode,
                    int batch_ms, struct sbgw_audit_open_info *info, char *err, size_t errlen);
/* Append one record; its hash (65 bytes, may be NULL) is copied to hash_out. 0 ok; -1 not recorded
 * (errno set; the file is left ending in a whole record). */
int sbgw_audit_append(struct sbgw_audit *a, const struct sbgw_audit_rec *r, char *hash_out);
/* Change the fsync policy (reload). */
void sbgw_audit_set_fsync(struct sbgw_audit *a, enum sbgw_fsync mode, int batch_ms);
/* Stop the flusher, fsync and close. Safe on a zeroed or already closed struct. */
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
