/*
 * pki/base/json_text.c — compact JSON text identical to jansson 2.14's json_dumps (see json_text.h).
 */
#include "pki/base/json_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_jtext_free(struct sb_jtext *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

int sb_jtext_reserve(struct sb_jtext *b, size_t more)
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

void sb_jtext_raw(struct sb_jtext *b, const char *s, size_t n)
{
    if (!sb_jtext_reserve(b, n)) {
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void sb_jtext_cstr(struct sb_jtext *b, const char *s)
{
    sb_jtext_raw(b, s, strlen(s));
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

int sb_jtext_string(struct sb_jtext *b, const char *str, size_t len, int ensure_ascii)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t start = b->n, i = 0, run, k;
    uint32_t cp;
    char esc[12];
    size_t elen;

    /* worst case: every byte six characters (\u00XX); ensure_ascii at most 12 per 4-byte sequence */
    if (!sb_jtext_reserve(b, 6 * len + 2)) {
        return 1;                                 /* failed already: the text is unusable anyway */
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

void sb_jtext_str(struct sb_jtext *b, const char *s)
{
    if (s == NULL || !sb_jtext_string(b, s, strlen(s), 0)) {
        b->failed = 1;
    }
}

void sb_jtext_str_or_null(struct sb_jtext *b, const char *s)
{
    if (s == NULL) {
        sb_jtext_raw(b, "null", 4);
    } else {
        sb_jtext_str(b, s);
    }
}

void sb_jtext_int(struct sb_jtext *b, long long v)
{
    char num[32];
    int w = snprintf(num, sizeof(num), "%lld", v);

    if (w < 0 || (size_t)w >= sizeof(num)) {
        b->failed = 1;
        return;
    }
    sb_jtext_raw(b, num, (size_t)w);
}

char *sb_jtext_take(struct sb_jtext *b, size_t *len)
{
    char *p;

    if (b->failed || b->p == NULL) {
        sb_jtext_free(b);
        return NULL;
    }
    p = b->p;
    if (len != NULL) {
        *len = b->n;
    }
    memset(b, 0, sizeof(*b));
    return p;
}
