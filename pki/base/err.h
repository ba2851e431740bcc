/*
 * pki/base/err.h — caller-owned error detail: a reason code plus a human message.
 *
 * No error globals: every fallible pki function takes a struct sb_err * (may be NULL) and returns the
 * enum sb_reason it stored. OpenSSL's per-thread error queue is drained into the message and cleared.
 */
#ifndef SB_ERR_H
#define SB_ERR_H

#include <stddef.h>
#include "pki/base/reason.h"

#define SB_ERR_MSG_MAX 512

struct sb_err {
    enum sb_reason reason;
    char msg[SB_ERR_MSG_MAX];
};

/* Make s valid UTF-8 in place: invalid bytes become '?', a sequence cut at the end is dropped. */
void sb_utf8_sanitize(char *s);

/* Reset err to SB_OK with an empty message. */
void sb_err_clear(struct sb_err *err);
/* Empty this thread's OpenSSL error queue; cheap when it is already empty (the common case on hot paths,
 * where ERR_clear_error's unconditional sweep of every slot shows in profiles). */
void sb_openssl_errors_clear(void);
/* Store reason r and a printf-style message in err (if not NULL); returns r. */
enum sb_reason sb_err_set(struct sb_err *err, enum sb_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As sb_err_set, then append the first OpenSSL error text (if any) and clear OpenSSL's queue. */
enum sb_reason sb_err_openssl(struct sb_err *err, enum sb_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
