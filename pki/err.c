#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

void sb_err_clear(struct sb_err *err)
{
    if (err == NULL) {
        return;
    }
    err->reason = SB_OK;
    err->msg[0] = '\0';
}

enum sb_reason sb_err_set(struct sb_err *err, enum sb_reason r, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return r;
    }
    err->reason = r;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return r;
}

enum sb_reason sb_err_openssl(struct sb_err *err, enum sb_reason r, const char *fmt, ...)
{
    va_list ap;
    unsigned long e = ERR_peek_error();
    char buf[256];
    size_t n;

    if (err != NULL) {
        err->reason = r;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        if (e != 0) {
            ERR_error_string_n(e, buf, sizeof(buf));
            n = strlen(err->msg);
            snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", buf);
        }
    }
    ERR_clear_error();
    return r;
}
