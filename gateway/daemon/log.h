/*
 * gateway/daemon/log.h — structured logs: one JSON object per line ({"ts","level","req","msg",…fields}) to
 * stderr or a file (O_APPEND, one write(2) per line, so lines from the loop, the workers and the reload
 * thread never interleave). SIGUSR1 reopens the file for log rotation.
 *
 * What never goes in a log line: request or response bodies, private keys, passwords, bearer tokens.
 * Certificates appear only as subject and SHA-256 fingerprint. Callers pass the request id ("-" when
 * there is none) so every line about a request can be found. Thread-safe.
 */
#ifndef SBGW_LOG_H
#define SBGW_LOG_H

#include <pthread.h>
#include <jansson.h>
#include "gateway/daemon/config.h"

struct sbgw_log {
    pthread_mutex_t mu;
    int fd;                           /* 2 when logging to stderr */
    char *path;                       /* owned; NULL = stderr */
    enum sbgw_log_level level;
};

/* Open path (NULL = stderr) for appending. 0 ok; -1 with errno set. */
int sbgw_log_open(struct sbgw_log *lg, const char *path, enum sbgw_log_level level);
/* Reopen the file (after rotation); stderr logs are left alone. 0 ok; -1 keeps the old descriptor. */
int sbgw_log_reopen(struct sbgw_log *lg);
void sbgw_log_close(struct sbgw_log *lg);
void sbgw_log_set_level(struct sbgw_log *lg, enum sbgw_log_level level);
/* 1 if a line at level would be written: callers skip building costly fields when it would not. */
int sbgw_log_enabled(const struct sbgw_log *lg, enum sbgw_log_level level);

/* One line at level with message fmt; fields (may be NULL; reference stolen) are merged in. */
void sbgw_log_kv(struct sbgw_log *lg, enum sbgw_log_level level, const char *req, json_t *fields,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sbgw_log_info(struct sbgw_log *lg, const char *req, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Warning with ": strerror(errno)" appended. */
void sbgw_log_warn(struct sbgw_log *lg, const char *req, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Warning without errno. */
void sbgw_log_warnx(struct sbgw_log *lg, const char *req, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sbgw_log_error(struct sbgw_log *lg, const char *req, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* RFC 3339 UTC time with milliseconds ("2025-01-01T00:00:00.123Z") of now into buf (>= 32 bytes). */
void sbgw_time_now_text(char *buf, size_t len);

#endif
