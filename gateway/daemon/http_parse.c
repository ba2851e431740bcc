/*
 * gateway/daemon/http_parse.c — the request head (RFC 9112 §2-§6): finding its end incrementally
 * (sbgw_http_head_scan), then parsing it strictly into a struct sbgw_http_head (sbgw_http_head_parse):
 * request line, field lines, and the framing fields (Host, Content-Length, Transfer-Encoding, Expect,
 * Connection). The request-target lives in http_target.c, chunked bodies in http_chunked.c.
 */
#include "gateway/daemon/http_parse_local.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LEADING_EMPTY_MAX 8   /* empty lines skipped before the request line (RFC 9112 §2.2) */

enum sbgw_hp_result sbgw_hp_fail(struct sbgw_http_err *err, enum sbgw_http_error code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return SBGW_HP_ERROR;
}

/* 1 if buf[0..i) is nothing but CRLF pairs (the empty lines before the request line). O(1): at most 16. */
static int all_empty_lines(const char *buf, size_t i)
{
    size_t k;

    if (i > 2 * LEADING_EMPTY_MAX || i % 2 != 0) {
        return 0;
    }
    for (k = 0; k < i; k += 2) {
        if (buf[k] != '\r' || buf[k + 1] != '\n') {
            return 0;
        }
    }
    return 1;
}

enum sbgw_hp_result sbgw_http_head_scan(const char *buf, size_t len, size_t max, size_t *scanned, size_t *head_len,
                                        struct sbgw_http_err *err)
{
    size_t i = *scanned, lim = len < max ? len : max;
    unsigned char c;

    if (i > len) {                      /* not the same request's prefix: start again */
        i = 0;
    }
    while (i < lim) {
        c = (unsigned char)buf[i];
        if (c == '\0') {
            *scanned = i;
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "NUL byte in the header block");
        }
        if (c == '\n') {
            *scanned = i;
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare LF in the header block (lines end in CRLF)");
        }
        if (c != '\r') {
            if ((c == ' ' || c == '\t') && (i == 0 || buf[i - 1] == '\n')) {
                *scanned = i;
                if (all_empty_lines(buf, i)) {
                    return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "whitespace before the request line");
                }
                return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_OBS_FOLD " (line folding is refused)");
            }
            i++;
            continue;
        }
        if (i + 1 >= lim) {             /* a CR whose next byte is not here (yet) */
            break;
        }
        if (buf[i + 1] != '\n') {
            *scanned = i;
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare CR in the header block (lines end in CRLF)");
        }
        if (i == 0 || buf[i - 1] == '\n') {               /* an empty line */
            if (!all_empty_lines(buf, i)) {
                *scanned = i + 2;
                *head_len = i + 2;
                return SBGW_HP_DONE;
            }
            if (i / 2 + 1 > LEADING_EMPTY_MAX) {
                *scanned = i;
                return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "more than %d empty lines before the request line",
                                    LEADING_EMPTY_MAX);
            }
        }
        i += 2;
    }
    *scanned = i;
    if (len > max) {
        return sbgw_hp_fail(err, SBGW_E_HEADERS_TOO_LARGE, "header block over %zu bytes without its end", max);
    }
    return SBGW_HP_INCOMPLETE;
}

/* ---- head_parse --------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    enum sbgw_http_method m;
} methods[] = {
    { "GET", SBGW_M_GET }, { "HEAD", SBGW_M_HEAD }, { "POST", SBGW_M_POST }, { "PUT", SBGW_M_PUT },
    { "DELETE", SBGW_M_DELETE }, { "PATCH", SBGW_M_PATCH }, { "OPTIONS", SBGW_M_OPTIONS },
    { "TRACE", SBGW_M_TRACE }, { "CONNECT", SBGW_M_CONNECT },
};

/*
 * Cut the line starting at s[*pos] (storage, n bytes in all) at its CRLF: NUL-terminated in place, *pos
 * moved past the CRLF; returns the line, or NULL with err for a NUL / bare CR / bare LF / no CRLF.
 */
static char *next_line(char *s, size_t n, size_t *pos, struct sbgw_http_err *err)
{
    size_t i;
    char *line = s + *pos;

    for (i = *pos; i < n; i++) {
        if (s[i] == '\0') {
            sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "NUL byte in the header block");
            return NULL;
        }
        if (s[i] == '\n') {
            sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare LF in the header block (lines end in CRLF)");
            return NULL;
        }
        if (s[i] == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n') {
                sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare CR in the header block (lines end in CRLF)");
                return NULL;
            }
            s[i] = '\0';
            *pos = i + 2;
            return line;
        }
    }
    sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "the header block does not end with an empty line (CRLF CRLF)");
    return NULL;
}

static enum sbgw_hp_result request_line(struct sbgw_http_head *h, char *line, struct sbgw_http_err *err)
{
    char *sp1, *sp2, *v;
    size_t i, n;

    for (n = 0; sbgw_hp_tchar((unsigned char)line[n]); n++) {
    }
    if (n == 0 || (line[n] != ' ' && line[n] != '\0')) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "request line: the method is not a token");
    }
    if (line[n] == '\0') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "request line is not \"method SP request-target SP "
                                                     "HTTP-version\" (no request-target)");
    }
    sp1 = line + n;
    *sp1 = '\0';
    h->method_text = line;
    h->method = SBGW_M_OTHER;
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(line, methods[i].name) == 0) {
            h->method = methods[i].m;
        }
    }
    if ((sp2 = strchr(sp1 + 1, ' ')) == NULL) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "request line is not \"method SP request-target SP "
                                                     "HTTP-version\" (no HTTP version)");
    }
    if (sp2 == sp1 + 1) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "request line is not \"method SP request-target SP "
                                                     "HTTP-version\" (empty request-target)");
    }
    *sp2 = '\0';
    h->target = sp1 + 1;
    v = sp2 + 1;
    /* the version first: "PRI * HTTP/2.0" is 505, not a refused asterisk-form */
    if (strlen(v) != 8 || strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
        v[7] > '9') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "request line: malformed HTTP version (HTTP/DIGIT.DIGIT)");
    }
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1')) {
        return sbgw_hp_fail(err, SBGW_E_HTTP_VERSION_NOT_SUPPORTED, "HTTP version %s is not supported "
                                                                    "(HTTP/1.0 and HTTP/1.1 only)", v);
    }
    h->minor = v[7] - '0';
    return SBGW_HP_DONE;
}

/* Split the field line into h->fields[h->n_fields++] (name and OWS-trimmed value, in place). */
static enum sbgw_hp_result field_line(struct sbgw_http_head *h, char *line, struct sbgw_http_err *err)
{
    size_t n, e;
    char *v;

    if (line[0] == ' ' || line[0] == '\t') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_OBS_FOLD " (line folding is refused)");
    }
    for (n = 0; sbgw_hp_tchar((unsigned char)line[n]); n++) {
    }
    if (line[n] == ' ' || line[n] == '\t') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_WS_COLON);
    }
    if (n == 0 && line[0] == ':') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_NO_NAME);
    }
    if (line[n] == '\0') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_NO_COLON);
    }
    if (line[n] != ':') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_NAME_TOKEN " (byte 0x%02x)",
                            (unsigned char)line[n]);
    }
    if (h->n_fields >= SBGW_HTTP_MAX_FIELDS) {
        return sbgw_hp_fail(err, SBGW_E_HEADERS_TOO_LARGE, "more than %d header fields", SBGW_HTTP_MAX_FIELDS);
    }
    line[n] = '\0';
    for (v = line + n + 1; *v == ' ' || *v == '\t'; v++) {
    }
    for (e = 0; v[e] != '\0'; e++) {
        if (!sbgw_hp_value_byte((unsigned char)v[e])) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_VALUE_CTL " (0x%02x in %.40s)",
                                (unsigned char)v[e], line);
        }
    }
    while (e > 0 && (v[e - 1] == ' ' || v[e - 1] == '\t')) {
        v[--e] = '\0';
    }
    h->fields[h->n_fields].name = line;
    h->fields[h->n_fields].value = v;
    h->n_fields++;
    return SBGW_HP_DONE;
}

const char *sbgw_http_head_field(const struct sbgw_http_head *h, const char *name)
{
    size_t i;

    for (i = 0; i < h->n_fields; i++) {
        if (strcasecmp(h->fields[i].name, name) == 0) {
            return h->fields[i].value;
        }
    }
    return NULL;
}

static size_t field_count(const struct sbgw_http_head *h, const char *name)
{
    size_t i, n = 0;

    for (i = 0; i < h->n_fields; i++) {
        n += strcasecmp(h->fields[i].name, name) == 0;
    }
    return n;
}

/* Whether the comma-separated list s has the member token (case-insensitive, OWS around members). */
static int list_has(const char *s, const char *token)
{
    size_t tl = strlen(token), n;

    while (*s != '\0') {
        while (*s == ' ' || *s == '\t' || *s == ',') {
            s++;
        }
        n = strcspn(s, ",");
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
        if (n == tl && n > 0 && strncasecmp(s, token, n) == 0) {
            return 1;
        }
        s += strcspn(s, ",");
    }
    return 0;
}

int sbgw_http_head_connection_has(const struct sbgw_http_head *h, const char *token)
{
    size_t i;

    for (i = 0; i < h->n_fields; i++) {
        if (strcasecmp(h->fields[i].name, "Connection") == 0 && list_has(h->fields[i].value, token)) {
            return 1;
        }
    }
    return 0;
}

static enum sbgw_hp_result content_length(struct sbgw_http_head *h, struct sbgw_http_err *err)
{
    const char *v = sbgw_http_head_field(h, "Content-Length");
    long long n = 0;
    size_t i;

    h->content_length = -1;
    if (v == NULL) {
        return SBGW_HP_DONE;
    }
    if (field_count(h, "Content-Length") > 1) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "duplicate Content-Length (one field only, even if equal)");
    }
    if (v[0] == '\0') {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "Content-Length is empty (1*DIGIT)");
    }
    for (i = 0; v[i] != '\0'; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "Content-Length is not 1*DIGIT (byte '%c')", v[i]);
        }
        n = n >= SBGW_HTTP_CL_HUGE / 10 ? SBGW_HTTP_CL_HUGE : n * 10 + (v[i] - '0');
    }
    h->content_length = n > SBGW_HTTP_CL_HUGE ? SBGW_HTTP_CL_HUGE : n;
    return SBGW_HP_DONE;
}

/* The coding name of the list member s[0..n) (before any ';' parameters, OWS trimmed) into *name, *nl. */
static int coding_name(const char *s, size_t n, const char **name, size_t *nl, int *params)
{
    size_t i = 0, k;

    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    for (k = i; k < n && sbgw_hp_tchar((unsigned char)s[k]); k++) {
    }
    *name = s + i;
    *nl = k - i;
    *params = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t')) {
        k++;
    }
    if (k < n && s[k] == ';') {
        *params = 1;
        return *nl > 0;
    }
    return *nl > 0 && k == n;
}

static enum sbgw_hp_result transfer_encoding(struct sbgw_http_head *h, struct sbgw_http_err *err)
{
    const char *v = sbgw_http_head_field(h, "Transfer-Encoding"), *name = NULL, *s;
    size_t n, nl = 0, members = 0;
    int params = 0, last_chunked = 0;

    if (v == NULL) {
        return SBGW_HP_DONE;
    }
    if (h->minor == 0) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (field_count(h, "Transfer-Encoding") > 1) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "more than one Transfer-Encoding field");
    }
    if (h->content_length >= 0) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "Transfer-Encoding with Content-Length");
    }
    for (s = v; *s != '\0'; s += n + (s[n] == ',')) {
        n = strcspn(s, ",");
        if (!coding_name(s, n, &name, &nl, &params)) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "Transfer-Encoding is not a list of transfer codings");
        }
        members++;
        last_chunked = nl == 7 && strncasecmp(name, "chunked", 7) == 0;
        if (last_chunked && params) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "Transfer-Encoding: chunked takes no parameters");
        }
    }
    if (!last_chunked) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "Transfer-Encoding: the last transfer coding is not chunked");
    }
    if (members != 1) {
        return sbgw_hp_fail(err, SBGW_E_NOT_IMPLEMENTED, "Transfer-Encoding: only a single \"chunked\" coding is "
                                                         "implemented (got \"%.60s\")", v);
    }
    h->chunked = 1;
    return SBGW_HP_DONE;
}

/* Host, Content-Length, Transfer-Encoding, Content-Type, Expect, Connection. */
static enum sbgw_hp_result framing(struct sbgw_http_head *h, struct sbgw_http_err *err)
{
    size_t i, hosts = field_count(h, "Host");
    const char *host = sbgw_http_head_field(h, "Host");

    if (h->minor == 1 && hosts == 0) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "HTTP/1.1 request without a Host field");
    }
    if (hosts > 1) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "more than one Host field");
    }
    if (host != NULL && !sbgw_hp_authority_ok(host, strlen(host), NULL)) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "invalid Host field value (host[:port] expected)");
    }
    if (content_length(h, err) != SBGW_HP_DONE || transfer_encoding(h, err) != SBGW_HP_DONE) {
        return SBGW_HP_ERROR;
    }
    if (field_count(h, "Content-Type") > 1) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "duplicate Content-Type");
    }
    for (i = 0; i < h->n_fields; i++) {
        if (strcasecmp(h->fields[i].name, "Expect") != 0) {
            continue;
        }
        if (strcasecmp(h->fields[i].value, "100-continue") != 0) {
            return sbgw_hp_fail(err, SBGW_E_EXPECTATION_FAILED, "Expect other than 100-continue (\"%.60s\")",
                                h->fields[i].value);
        }
        h->expect_continue = h->minor == 1;
    }
    if (h->minor == 1) {
        h->keep_alive = !sbgw_http_head_connection_has(h, "close");
    } else {
        h->keep_alive = sbgw_http_head_connection_has(h, "keep-alive") && !sbgw_http_head_connection_has(h, "close");
    }
    return SBGW_HP_DONE;
}

enum sbgw_hp_result sbgw_http_head_parse(const char *buf, size_t len, struct sbgw_http_head *h,
                                         struct sbgw_http_err *err)
{
    size_t pos = 0, skipped = 0;
    char *line;

    memset(h, 0, sizeof(*h));
    h->content_length = -1;
    /* the head, then room for the path and query copies (each at most the target plus a NUL, or "/") */
    if (len > ((size_t)-1 - 8) / 2 || (h->storage = malloc(2 * len + 8)) == NULL) {
        return sbgw_hp_fail(err, SBGW_E_INTERNAL_ERROR, "out of memory for the request head");
    }
    memcpy(h->storage, buf, len);
    h->storage[len] = '\0';
    while (pos + 1 < len && h->storage[pos] == '\r' && h->storage[pos + 1] == '\n') {
        if (++skipped > LEADING_EMPTY_MAX) {
            sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "more than %d empty lines before the request line",
                         LEADING_EMPTY_MAX);
            goto fail;
        }
        pos += 2;
    }
    if (pos < len && (h->storage[pos] == ' ' || h->storage[pos] == '\t')) {
        sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "whitespace before the request line");
        goto fail;
    }
    if ((line = next_line(h->storage, len, &pos, err)) == NULL || request_line(h, line, err) != SBGW_HP_DONE) {
        goto fail;
    }
    for (;;) {
        if ((line = next_line(h->storage, len, &pos, err)) == NULL) {
            goto fail;
        }
        if (line[0] == '\0') {
            break;
        }
        if (field_line(h, line, err) != SBGW_HP_DONE) {
            goto fail;
        }
    }
    if (pos != len) {
        sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bytes after the end of the header block");
        goto fail;
    }
    if (sbgw_hp_target(h, h->storage + len + 1, err) != SBGW_HP_DONE ||
        framing(h, err) != SBGW_HP_DONE) {
        goto fail;
    }
    return SBGW_HP_DONE;
fail:
    sbgw_http_head_free(h);
    return SBGW_HP_ERROR;
}

void sbgw_http_head_free(struct sbgw_http_head *h)
{
    if (h == NULL) {
        return;
    }
    free(h->storage);
    memset(h, 0, sizeof(*h));
    h->content_length = -1;
}
