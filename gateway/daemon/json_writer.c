/*
 * gateway/daemon/json_writer.c — compact JSON text identical to jansson 2.14's json_dumps (see json_writer.h).
 */
#include "gateway/daemon/json_writer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONW_MAX_DEPTH 64        /* deeper values are refused (json_dumps has no such limit: we fall back) */

void sbgw_jbuf_free(struct sbgw_jbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static int reserve(struct sbgw_jbuf *b, size_t more)
{
    size_t cap;
    char *np;

    if (b->failed) {
        return 0;
    }
    if (b->n + more + 1 <= b->cap) {
        return 1;
    }
    for (cap = b->cap < 256 ? 256 : b->cap; cap < b->n + more + 1; cap *= 2) {
    }
    if ((np = realloc(b->p, cap)) == NULL) {
        b->failed = 1;
        return 0;
    }
    b->p = np;
    b->cap = cap;
    return 1;
}

void sbgw_jbuf_raw(struct sbgw_jbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n)) {
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* Length of the UTF-8 sequence at s[0..left) and its code point; 0 when invalid (jansson's utf8.c rules:
 * no continuation byte first, no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
    size_t n, i;
    uint32_t v;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        v = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        v = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        v = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n > left) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (n == 2 && v < 0x80) || (n == 3 && v < 0x800) ||
        (n == 4 && v < 0x10000)) {
        return 0;
    }
    *cp = v;
    return n;
}

/* The two-character escape of cp (backslash + n for a newline...) into out; 0 when cp has none. */
static size_t short_escape(uint32_t cp, char *out)
{
    static const char pairs[] = "\\\\\"\"\bb\ff\nn\rr\tt";
    size_t i;

    for (i = 0; pairs[i] != '\0'; i += 2) {
        if (cp == (unsigned char)pairs[i]) {
            out[0] = '\\';
            out[1] = pairs[i + 1];
            return 2;
        }
    }
    return 0;
}

/* Backslash-uXXXX of the UTF-16 unit u into out (uppercase hex, as jansson writes it); returns 6. */
static size_t u_escape(char *out, uint32_t u)
{
    static const char hx[] = "0123456789ABCDEF";

    out[0] = '\\';
    out[1] = 'u';
    out[2] = hx[(u >> 12) & 15];
    out[3] = hx[(u >> 8) & 15];
    out[4] = hx[(u >> 4) & 15];
    out[5] = hx[u & 15];
    return 6;
}

int sbgw_jbuf_string(struct sbgw_jbuf *b, const char *str, size_t len, int ensure_ascii)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t start = b->n, i = 0, run, k;
    uint32_t cp;
    char esc[12];
    size_t elen;

    /* worst case: every byte six characters (\u00XX); ensure_ascii at most 12 per 4-byte sequence */
    if (!reserve(b, 6 * len + 2)) {
        return 1;
    }
    b->p[b->n++] = '"';
    while (i < len) {
        for (run = i; run < len && s[run] >= 0x20 && s[run] != '"' && s[run] != '\\' && s[run] < 0x80; run++) {
        }
        if (run > i) {
            memcpy(b->p + b->n, s + i, run - i);
            b->n += run - i;
            i = run;
            continue;
        }
        if ((k = utf8_seq(s + i, len - i, &cp)) == 0) {
            b->n = start;                         /* not a jansson string: append nothing */
            b->p[b->n] = '\0';
            return 0;
        }
        if (cp >= 0x80 && !ensure_ascii) {
            memcpy(b->p + b->n, s + i, k);
            b->n += k;
            i += k;
            continue;
        }
        if ((elen = short_escape(cp, esc)) == 0) {
            if (cp < 0x10000) {
                elen = u_escape(esc, cp);
            } else {                              /* a UTF-16 surrogate pair */
                cp -= 0x10000;
                elen = u_escape(esc, 0xD800 | ((cp & 0xFFC00) >> 10));
                elen += u_escape(esc + elen, 0xDC00 | (cp & 0x003FF));
            }
        }
        memcpy(b->p + b->n, esc, elen);
        b->n += elen;
        i += k;
    }
    b->p[b->n++] = '"';
    b->p[b->n] = '\0';
    return 1;
}

void sbgw_jbuf_string_or_null(struct sbgw_jbuf *b, const char *s, int ensure_ascii)
{
    if (s == NULL || s[0] == '\0' || !sbgw_jbuf_string(b, s, strlen(s), ensure_ascii)) {
        sbgw_jbuf_raw(b, "null", 4);
    }
}

static void value(struct sbgw_jbuf *b, const json_t *v, int ensure_ascii, int depth)
{
    const char *key;
    json_t *item;
    char num[32];
    size_t i, flags = JSON_COMPACT | JSON_ENCODE_ANY | (ensure_ascii ? JSON_ENSURE_ASCII : 0);
    int first = 1, w;
    char *text;

    if (b->failed || v == NULL || depth > JSONW_MAX_DEPTH) {
        b->failed = 1;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        sbgw_jbuf_raw(b, "{", 1);
        json_object_foreach((json_t *)(uintptr_t)v, key, item) {
            if (!first) {
                sbgw_jbuf_raw(b, ",", 1);
            }
            first = 0;
            if (!sbgw_jbuf_string(b, key, strlen(key), ensure_ascii)) {
                b->failed = 1;
                return;
            }
            sbgw_jbuf_raw(b, ":", 1);
            value(b, item, ensure_ascii, depth + 1);
        }
        sbgw_jbuf_raw(b, "}", 1);
        break;
    case JSON_ARRAY:
        sbgw_jbuf_raw(b, "[", 1);
        for (i = 0; i < json_array_size(v); i++) {
            if (i > 0) {
                sbgw_jbuf_raw(b, ",", 1);
            }
            value(b, json_array_get(v, i), ensure_ascii, depth + 1);
        }
        sbgw_jbuf_raw(b, "]", 1);
        break;
    case JSON_STRING:
        if (!sbgw_jbuf_string(b, json_string_value(v), json_string_length(v), ensure_ascii)) {
            b->failed = 1;
        }
        break;
    case JSON_INTEGER:
        w = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (w < 0 || (size_t)w >= sizeof(num)) {
            b->failed = 1;
            return;
        }
        sbgw_jbuf_raw(b, num, (size_t)w);
        break;
    case JSON_TRUE:
        sbgw_jbuf_raw(b, "true", 4);
        break;
    case JSON_FALSE:
        sbgw_jbuf_raw(b, "false", 5);
        break;
    case JSON_NULL:
        sbgw_jbuf_raw(b, "null", 4);
        break;
    case JSON_REAL:            /* jansson's own number formatting */
        if ((text = json_dumps(v, flags)) == NULL) {
            b->failed = 1;
            return;
        }
        sbgw_jbuf_raw(b, text, strlen(text));
        free(text);
        break;
    default:
        b->failed = 1;
        break;
    }
}

char *sbgw_json_compact(const json_t *v)
{
    struct sbgw_jbuf b;

    memset(&b, 0, sizeof(b));
    value(&b, v, 0, 0);
    if (b.failed || b.p == NULL) {
        sbgw_jbuf_free(&b);
        return json_dumps(v, JSON_COMPACT);      /* whatever jansson makes of it, errors included */
    }
    return b.p;
}
