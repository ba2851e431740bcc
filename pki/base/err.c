#include "pki/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid or cut short. */
static size_t utf8_seq_len(const unsigned char *s)
{
    size_t n, i;
    unsigned int cp;

    if (s[0] < 0x80) {
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

void sb_utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n, rest;

    while (*p != '\0') {
        n = utf8_seq_len(p);
        if (n > 0) {
            p += n;
            continue;
        }
        rest = strlen((const char *)p);
        if (rest < 4 && (*p & 0xc0) == 0xc0) {
            *p = '\0'; /* a sequence cut short by truncation */
            return;
        }
        *p++ = '?';
    }
}

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
    sb_utf8_sanitize(err->msg);
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
        sb_utf8_sanitize(err->msg);
    }
    ERR_clear_error();
    return r;
}

void sb_openssl_errors_clear(void)
{
    if (ERR_peek_error() != 0) {
        ERR_clear_error();
    }
}
