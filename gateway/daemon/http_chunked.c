/*
 * gateway/daemon/http_chunked.c — the chunked transfer coding's decoder (RFC 9112 §7.1): a state machine
 * over bytes as they arrive, so any split of the input (inside a size line, inside the CRLF after a chunk's
 * data, inside a trailer field) decodes the same. Size lines are buffered (SBGW_HTTP_CHUNK_LINE_MAX) and
 * judged whole; data is handed to the sink in place; trailer fields are checked byte by byte with the
 * header field rules and dropped.
 */
#include "gateway/daemon/http_parse_local.h"

#include <string.h>

enum {
    C_SIZE = 0,          /* inside a chunk-size line (zero-initialised decoder starts here) */
    C_SIZE_LF,           /* after the CR of a chunk-size line */
    C_DATA,              /* inside a chunk's data (left bytes to go) */
    C_DATA_CR,           /* the CR after the data */
    C_DATA_LF,           /* the LF after the data */
    C_TR_START,          /* at the start of a trailer line */
    C_TR_NAME,           /* inside a trailer field name */
    C_TR_VALUE,          /* inside a trailer field value */
    C_TR_LF,             /* after the CR of a trailer field line */
    C_END_LF,            /* after the CR of the empty line that ends the body */
    C_DONE,
    C_FAILED
};

static int bws(char c)
{
    return c == ' ' || c == '\t';
}

/* After the opening '"' at line[*i]: a quoted-string (RFC 9110 §5.6.4) ending before n; *i past it. */
static int quoted_string(const char *line, size_t n, size_t *i)
{
    size_t k;
    unsigned char c;

    for (k = *i + 1; k < n; k++) {
        c = (unsigned char)line[k];
        if (c == '"') {
            *i = k + 1;
            return 1;
        }
        if (c == '\\') {
            if (k + 1 >= n || !sbgw_hp_value_byte((unsigned char)line[k + 1])) {
                return 0;
            }
            k++;
        } else if (!sbgw_hp_value_byte(c)) {
            return 0;
        }
    }
    return 0;
}

/* The extensions of a size line from line[i] on: *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted ) ] ). */
static enum sbgw_hp_result extensions(const char *line, size_t n, size_t i, struct sbgw_http_err *err)
{
    size_t digits_end = i, j;

    while (i < n) {
        for (j = i; j < n && bws(line[j]); j++) {
        }
        if (j == n) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "whitespace at the end of a chunk-size line");
        }
        if (line[j] != ';') {
            if (i == digits_end && j == i) {
                return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk size is not hexadecimal (byte 0x%02x after "
                                                             "the digits)", (unsigned char)line[j]);
            }
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk extension: ';' expected, got byte 0x%02x",
                                (unsigned char)line[j]);
        }
        for (j++; j < n && bws(line[j]); j++) {
        }
        for (i = j; j < n && sbgw_hp_tchar((unsigned char)line[j]); j++) {
        }
        if (j == i) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk extension name is not a token");
        }
        i = j;
        for (; j < n && bws(line[j]); j++) {
        }
        if (j == n || line[j] != '=') {
            continue;                   /* a name alone; what follows is judged by the next round */
        }
        for (j++; j < n && bws(line[j]); j++) {
        }
        if (j < n && line[j] == '"') {
            if (!quoted_string(line, n, &j)) {
                return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk extension value: bad quoted-string");
            }
            i = j;
            continue;
        }
        for (i = j; j < n && sbgw_hp_tchar((unsigned char)line[j]); j++) {
        }
        if (j == i) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk extension value is not a token or quoted-string");
        }
        i = j;
    }
    return SBGW_HP_DONE;
}

/* A complete chunk-size line (c->line, without its CRLF): the next state, or an error. */
static enum sbgw_hp_result size_line(struct sbgw_http_chunked *c, unsigned long long max_body,
                                     struct sbgw_http_err *err)
{
    unsigned long long size = 0;
    size_t i;

    for (i = 0; i < c->line_len && sbgw_hp_hexval((unsigned char)c->line[i]) >= 0; i++) {
        if (i < 16) {
            size = size * 16 + (unsigned)sbgw_hp_hexval((unsigned char)c->line[i]);
        }
    }
    if (i == 0) {
        if (c->line_len == 0) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk size is not hexadecimal (empty chunk-size line)");
        }
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk size is not hexadecimal (byte 0x%02x)",
                            (unsigned char)c->line[0]);
    }
    if (i > 16) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk size has more than 16 hex digits");
    }
    if (extensions(c->line, c->line_len, i, err) != SBGW_HP_DONE) {
        return SBGW_HP_ERROR;
    }
    if (c->total > max_body || size > max_body - c->total) {
        return sbgw_hp_fail(err, SBGW_E_BODY_TOO_LARGE, "chunked body over max_body (%llu bytes)", max_body);
    }
    c->line_len = 0;
    c->left = size;
    c->state = size == 0 ? C_TR_START : C_DATA;
    return SBGW_HP_DONE;
}

/* One byte of the trailer section (states C_TR_*). */
static enum sbgw_hp_result trailer_byte(struct sbgw_http_chunked *c, unsigned char b, size_t max_trailer,
                                        struct sbgw_http_err *err)
{
    if (c->state == C_TR_START && b == '\r') {
        c->state = C_END_LF;
        return SBGW_HP_DONE;
    }
    if (++c->trailer_len > max_trailer) {
        return sbgw_hp_fail(err, SBGW_E_HEADERS_TOO_LARGE, "trailer section over %zu bytes", max_trailer);
    }
    if (b == '\n' && c->state != C_TR_LF) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare LF in the trailer section");
    }
    switch (c->state) {
    case C_TR_START:
        if (b == ' ' || b == '\t') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_OBS_FOLD " (in the trailer section)");
        }
        if (b == ':') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_NO_NAME " (in the trailer section)");
        }
        if (!sbgw_hp_tchar(b)) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_NAME_TOKEN " (trailer byte 0x%02x)", b);
        }
        c->state = C_TR_NAME;
        return SBGW_HP_DONE;
    case C_TR_NAME:
        if (b == ':') {
            c->state = C_TR_VALUE;
        } else if (b == ' ' || b == '\t') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_WS_COLON " (in the trailer section)");
        } else if (b == '\r') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_NO_COLON " (in the trailer section)");
        } else if (!sbgw_hp_tchar(b)) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_NAME_TOKEN " (trailer byte 0x%02x)", b);
        }
        return SBGW_HP_DONE;
    case C_TR_VALUE:
        if (b == '\r') {
            c->state = C_TR_LF;
        } else if (!sbgw_hp_value_byte(b)) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, SBGW_HP_MSG_VALUE_CTL " (0x%02x in a trailer field)", b);
        }
        return SBGW_HP_DONE;
    default:                            /* C_TR_LF */
        if (b != '\n') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare CR in the trailer section");
        }
        c->state = C_TR_START;
        return SBGW_HP_DONE;
    }
}

/* Consume bytes of in[*i..len) in the current state; SBGW_HP_DONE to go on, DONE body via c->state. */
static enum sbgw_hp_result step(struct sbgw_http_chunked *c, const char *in, size_t len, size_t *i,
                                unsigned long long max_body, size_t max_trailer, sbgw_http_sink sink, void *arg,
                                struct sbgw_http_err *err)
{
    unsigned char b = (unsigned char)in[*i];
    size_t n;

    switch (c->state) {
    case C_SIZE:
        if (b == '\n') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare LF in a chunk-size line");
        }
        if (b == '\r') {
            c->state = C_SIZE_LF;
        } else if (c->line_len >= sizeof(c->line)) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk-size line longer than %d bytes",
                                SBGW_HTTP_CHUNK_LINE_MAX);
        } else {
            c->line[c->line_len++] = (char)b;
        }
        (*i)++;
        return SBGW_HP_DONE;
    case C_SIZE_LF:
        if (b != '\n') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare CR in a chunk-size line");
        }
        (*i)++;
        return size_line(c, max_body, err);
    case C_DATA:
        n = len - *i < c->left ? len - *i : (size_t)c->left;
        if (sink != NULL && sink(arg, in + *i, n) != 0) {
            return sbgw_hp_fail(err, SBGW_E_INTERNAL_ERROR, "the body sink refused the decoded data");
        }
        *i += n;
        c->left -= n;
        c->total += n;
        if (c->left == 0) {
            c->state = C_DATA_CR;
        }
        return SBGW_HP_DONE;
    case C_DATA_CR:
    case C_DATA_LF:
        if (b != (c->state == C_DATA_CR ? '\r' : '\n')) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "chunk data not followed by CRLF");
        }
        c->state = c->state == C_DATA_CR ? C_DATA_LF : C_SIZE;
        (*i)++;
        return SBGW_HP_DONE;
    case C_END_LF:
        if (b != '\n') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "bare CR at the end of the chunked body");
        }
        c->state = C_DONE;
        (*i)++;
        return SBGW_HP_DONE;
    default:
        (*i)++;
        return trailer_byte(c, b, max_trailer, err);
    }
}

enum sbgw_hp_result sbgw_http_chunked_feed(struct sbgw_http_chunked *c, const char *in, size_t len,
                                           unsigned long long max_body, size_t max_trailer, sbgw_http_sink sink,
                                           void *arg, size_t *used, struct sbgw_http_err *err)
{
    size_t i = 0;

    if (used != NULL) {
        *used = 0;
    }
    if (c->state == C_DONE) {
        return SBGW_HP_DONE;
    }
    if (c->state == C_FAILED || c->state < 0 || c->state > C_FAILED) {
        c->state = C_FAILED;
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "the chunked body was already refused");
    }
    while (i < len && c->state != C_DONE) {
        if (step(c, in, len, &i, max_body, max_trailer, sink, arg, err) != SBGW_HP_DONE) {
            c->state = C_FAILED;
            if (used != NULL) {
                *used = i;
            }
            return SBGW_HP_ERROR;
        }
    }
    if (used != NULL) {
        *used = i;
    }
    return c->state == C_DONE ? SBGW_HP_DONE : SBGW_HP_INCOMPLETE;
}
