/*
 * gateway/daemon/http_parse_local.h — private to http_parse.c, http_target.c, http_chunked.c (and http_path.c
 * for the hex digits): the byte
 * classes of RFC 9110 / RFC 3986 both use, the refusal helper and the checks shared by the head and the
 * trailer section, so a field line is judged by the same rules wherever it appears.
 */
#ifndef SBGW_HTTP_PARSE_LOCAL_H
#define SBGW_HTTP_PARSE_LOCAL_H

#include <stddef.h>

#include "gateway/daemon/http_parse.h"

/* tchar (RFC 9110 §5.6.2). */
static inline int sbgw_hp_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return 1;
    }
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
        return 1;
    default:
        return 0;
    }
}

/* A byte allowed inside a field value: VCHAR, obs-text, SP, HTAB (RFC 9110 §5.5). */
static inline int sbgw_hp_value_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

static inline int sbgw_hp_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Fill err (code, printf-style message) and return SBGW_HP_ERROR. err may be NULL. */
enum sbgw_hp_result sbgw_hp_fail(struct sbgw_http_err *err, enum sbgw_http_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The messages of the field-line rules, shared by head fields and trailer fields. */
#define SBGW_HP_MSG_OBS_FOLD "obs-fold: a field line starts with whitespace"
#define SBGW_HP_MSG_WS_COLON "whitespace between a field name and its colon"
#define SBGW_HP_MSG_NO_NAME "a field line without a field name"
#define SBGW_HP_MSG_NAME_TOKEN "a field name is not a token"
#define SBGW_HP_MSG_NO_COLON "a field line without a colon"
#define SBGW_HP_MSG_VALUE_CTL "a control character in a field value"

/*
 * Check a request-target against the method (origin-, absolute-, asterisk-, authority-form) and point
 * h->path and h->query into extra (room for strlen(target) + 3 bytes, NUL-terminated pieces).
 */
enum sbgw_hp_result sbgw_hp_target(struct sbgw_http_head *h, char *extra, struct sbgw_http_err *err);
/*
 * 1 if s (n bytes) is a sane host [":" port]: a non-empty reg-name of unreserved characters (no '%', '@',
 * ',', '/', whitespace) or an IP-literal "[...]" of hex digits, ':' and '.', then optionally ':' 1*5DIGIT.
 * *has_port (may be NULL) says whether the port is there.
 */
int sbgw_hp_authority_ok(const char *s, size_t n, int *has_port);

#endif
