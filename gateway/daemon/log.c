/*
 * gateway/daemon/log.c — JSON-lines logger (see log.h).
 */
#include "gateway/daemon/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pki/base/name_table.h"

static const char *level_name(enum sbgw_log_level l)
{
    static const struct sb_name_row names[] = {
        { SBGW_LOG_DEBUG, "debug" }, { SBGW_LOG_INFO, "info" }, { SBGW_LOG_WARN, "warn" },
    };

    return sb_name_of(SB_NAME_ROWS(names), (int)l, "error");
}

void sbgw_time_now_text(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

int sbgw_log_open(struct sbgw_log *lg, const char *path, enum sbgw_log_level level)
{
    memset(lg, 0, sizeof(*lg));
    lg->fd = 2;
    lg->level = level;
    if (path != NULL) {
        if ((lg->path = strdup(path)) == NULL) {
            errno = ENOMEM;
            return -1;
        }
        if ((lg->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
            int e = errno;

            free(lg->path);
            lg->path = NULL;
            lg->fd = 2;
            errno = e;
            return -1;
        }
    }
    if (pthread_mutex_init(&lg->mu, NULL) != 0) {
        if (lg->fd != 2) {
            close(lg->fd);
        }
        free(lg->path);
        lg->path = NULL;
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int sbgw_log_reopen(struct sbgw_log *lg)
{
    int fd, old;

    if (lg->path == NULL) {
        return 0;
    }
    if ((fd = open(lg->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
        return -1;
    }
    pthread_mutex_lock(&lg->mu);
    old = lg->fd;
    lg->fd = fd;
    pthread_mutex_unlock(&lg->mu);
    close(old);
    return 0;
}

void sbgw_log_close(struct sbgw_log *lg)
{
    if (lg->fd != 2 && lg->fd >= 0) {
        close(lg->fd);
    }
    lg->fd = -1;
    free(lg->path);
    lg->path = NULL;
    pthread_mutex_destroy(&lg->mu);
}

void sbgw_log_set_level(struct sbgw_log *lg, enum sbgw_log_level level)
{
    __atomic_store_n(&lg->level, level, __ATOMIC_RELAXED);
}

int sbgw_log_enabled(const struct sbgw_log *lg, enum sbgw_log_level level)
{
    return lg != NULL && level >= __atomic_load_n(&lg->level, __ATOMIC_RELAXED);
}

static void emit(struct sbgw_log *lg, enum sbgw_log_level level, const char *req, json_t *fields, const char *msg)
{
    char ts[40];
    json_t *o;
    char *line = NULL;
    size_t n, off = 0;
    ssize_t w;

    sbgw_time_now_text(ts, sizeof(ts));
    if ((o = json_object()) == NULL) {
        json_decref(fields);
        return;
    }
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(level_name(level)));
    json_object_set_new(o, "req", json_string(req != NULL ? req : "-"));
    /* messages can carry names from certificates: jansson refuses invalid UTF-8, so fall back */
    if (json_object_set_new(o, "msg", json_string(msg)) != 0) {
        json_object_set_new(o, "msg", json_string("(message not valid UTF-8)"));
    }
    if (fields != NULL) {
        json_object_update(o, fields);
        json_decref(fields);
    }
    line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (line == NULL) {
        return;
    }
    n = strlen(line);
    line[n] = '\n';          /* replaces the NUL: write n + 1 bytes, no terminator needed */
    pthread_mutex_lock(&lg->mu);
    while (off < n + 1) {
        w = write(lg->fd, line + off, n + 1 - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    pthread_mutex_unlock(&lg->mu);
    free(line);
}

static void vlog(struct sbgw_log *lg, enum sbgw_log_level level, const char *req, json_t *fields, int with_errno,
                 const char *fmt, va_list ap)
{
    char msg[1024];
    int e = errno;
    size_t n;

    if (lg == NULL || level < __atomic_load_n(&lg->level, __ATOMIC_RELAXED)) {
        json_decref(fields);
        return;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (with_errno) {
        n = strlen(msg);
        snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(e));
    }
    emit(lg, level, req, fields, msg);
    errno = e;
}

void sbgw_log_kv(struct sbgw_log *lg, enum sbgw_log_level level, const char *req, json_t *fields,
                 const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(lg, level, req, fields, 0, fmt, ap);
    va_end(ap);
}

#define SBGW_LOG_FN(fname, lvl, with_errno)                                  \
    void fname(struct sbgw_log *lg, const char *req, const char *fmt, ...)  \
    {                                                                        \
        va_list ap;                                                          \
        va_start(ap, fmt);                                                   \
        vlog(lg, lvl, req, NULL, with_errno, fmt, ap);                       \
        va_end(ap);                                                          \
    }

SBGW_LOG_FN(sbgw_log_info, SBGW_LOG_INFO, 0)
SBGW_LOG_FN(sbgw_log_warn, SBGW_LOG_WARN, 1)
SBGW_LOG_FN(sbgw_log_warnx, SBGW_LOG_WARN, 0)
SBGW_LOG_FN(sbgw_log_error, SBGW_LOG_ERROR, 0)
