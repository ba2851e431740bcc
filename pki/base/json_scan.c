/*
 * pki/base/json_scan.c — the allocation-free JSON pre-scanner (json_scan.h): member names of a top-level
 * object in order, values skipped in one linear pass with an explicit depth bit stack (no recursion).
 */
#include "pki/base/json_scan.h"

#include <string.h>

enum { ST_BEFORE = 0, ST_IN, ST_DONE };

/* What skip_value expects next. */
enum want { W_VALUE, W_KEY, W_AFTER };

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(struct sb_jscan *s)
{
    while (s->pos < s->len && is_ws(s->in[s->pos])) {
        s->pos++;
    }
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* End the scan with a syntax error at byte at; -1. Line and column are counted here, once. */
static int fail(struct sb_jscan *s, size_t at, const char *what)
{
    size_t i, line = 1, col = 0;

    if (at > s->len) {
        at = s->len;
    }
    for (i = 0; i < at; i++) {
        if (s->in[i] == '\n') {
            line++;
            col = 0;
        } else if ((s->in[i] & 0xC0) != 0x80) {
            col++;                              /* characters, not bytes */
        }
    }
    s->state = ST_DONE;
    s->end = SB_JSCAN_SYNTAX;
    s->error = what;
    s->offset = at;
    s->line = line;
    s->column = col + 1;
    return -1;
}

/* Length of the well-formed UTF-8 character at p[0..n) (no overlong form, surrogate or value over
 * U+10FFFF); 0 when there is none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned int c = p[0], cp;
    size_t k, i;

    if (c < 0x80) {
        return 1;
    }
    if (c < 0xC2 || c > 0xF4) {
        return 0;
    }
    k = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    cp = c & (0x7F >> k);
    if (n < k) {
        return 0;
    }
    for (i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return k;
}

/* Four hex digits at p[0..n) into *v; 0 when they are not there. */
static int hex4(const unsigned char *p, size_t n, unsigned int *v)
{
    size_t i;

    *v = 0;
    if (n < 4) {
        return 0;
    }
    for (i = 0; i < 4; i++) {
        unsigned int c = p[i], d;

        if (is_digit((unsigned char)c)) {
            d = c - '0';
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            d = (c | 0x20) - 'a' + 10;
        } else {
            return 0;
        }
        *v = (*v << 4) | d;
    }
    return 1;
}

/* Append b[0..n) (one whole character) to the member name; past SB_JSCAN_NAME_MAX the name is cut. */
static void name_put(struct sb_jscan *s, const unsigned char *b, size_t n)
{
    if (s->name_cut || s->name_len + n > SB_JSCAN_NAME_MAX) {
        s->name_cut = 1;
        return;
    }
    memcpy(s->name + s->name_len, b, n);
    s->name_len += n;
    s->name[s->name_len] = '\0';
}

/* Code point cp as UTF-8 into the member name. */
static void name_put_cp(struct sb_jscan *s, unsigned int cp)
{
    unsigned char b[4];

    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        name_put(s, b, 1);
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        name_put(s, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        name_put(s, b, 3);
    } else {
        b[0] = (unsigned char)(0xF0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        name_put(s, b, 4);
    }
}

/* The \u escape at s->pos (a surrogate pair takes two) into *cp; -1 on error. */
static int unicode_escape(struct sb_jscan *s, unsigned int *cp)
{
    size_t at = s->pos;
    unsigned int lo;

    if (!hex4(s->in + at + 2, s->len - at - 2, cp)) {
        return fail(s, at, "invalid \\u escape in a string");
    }
    s->pos += 6;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
        return fail(s, at, "invalid Unicode: a low surrogate without a high one");
    }
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
        if (s->len - s->pos < 6 || s->in[s->pos] != '\\' || s->in[s->pos + 1] != 'u' ||
            !hex4(s->in + s->pos + 2, 4, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            return fail(s, at, "invalid Unicode: a high surrogate without a low one");
        }
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
        s->pos += 6;
    }
    if (*cp == 0) {
        return fail(s, at, "\\u0000 is not allowed in a string");
    }
    return 0;
}

/* The string at s->pos (its opening quote); when name, unescaped into s->name. */
static int scan_string(struct sb_jscan *s, int name)
{
    static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";

    if (name) {
        s->name_len = 0;
        s->name_cut = 0;
        s->name[0] = '\0';
    }
    s->pos++;
    for (;;) {
        unsigned char c;
        unsigned int cp;
        size_t k;
        const char *e;

        if (!name) {
            /* a value's run of printable ASCII other than '"' and '\\' (base64 fields are nothing else):
             * nothing to check or keep byte by byte */
            while (s->pos < s->len && s->in[s->pos] >= 0x20 && s->in[s->pos] < 0x7F && s->in[s->pos] != '"' &&
                   s->in[s->pos] != '\\') {
                s->pos++;
            }
        }
        if (s->pos >= s->len) {
            return fail(s, s->len, "premature end of input in a string");
        }
        c = s->in[s->pos];
        if (c == '"') {
            s->pos++;
            return 0;
        }
        if (c < 0x20) {
            return fail(s, s->pos, "control character in a string");
        }
        if (c != '\\') {
            if ((k = utf8_len(s->in + s->pos, s->len - s->pos)) == 0) {
                return fail(s, s->pos, "invalid UTF-8 in a string");
            }
            if (name) {
                name_put(s, s->in + s->pos, k);
            }
            s->pos += k;
            continue;
        }
        if (s->pos + 1 >= s->len) {
            return fail(s, s->len, "premature end of input in a string");
        }
        if (s->in[s->pos + 1] == 'u') {
            if (unicode_escape(s, &cp) != 0) {
                return -1;
            }
            if (name) {
                name_put_cp(s, cp);
            }
            continue;
        }
        if (s->in[s->pos + 1] == '\0' || (e = strchr(esc_in, s->in[s->pos + 1])) == NULL) {
            return fail(s, s->pos, "invalid escape in a string");
        }
        if (name) {
            name_put(s, (const unsigned char *)&esc_out[e - esc_in], 1);
        }
        s->pos += 2;
    }
}

static int scan_digits(struct sb_jscan *s)
{
    size_t at = s->pos;

    while (s->pos < s->len && is_digit(s->in[s->pos])) {
        s->pos++;
    }
    return s->pos > at ? 0 : fail(s, s->pos, "invalid number");
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct sb_jscan *s)
{
    if (s->in[s->pos] == '-') {
        s->pos++;
    }
    if (s->pos < s->len && s->in[s->pos] == '0') {
        s->pos++;
    } else if (scan_digits(s) != 0) {
        return -1;
    }
    if (s->pos < s->len && s->in[s->pos] == '.') {
        s->pos++;
        if (scan_digits(s) != 0) {
            return -1;
        }
    }
    if (s->pos < s->len && (s->in[s->pos] == 'e' || s->in[s->pos] == 'E')) {
        s->pos++;
        if (s->pos < s->len && (s->in[s->pos] == '+' || s->in[s->pos] == '-')) {
            s->pos++;
        }
        return scan_digits(s);
    }
    return 0;
}

static int scan_literal(struct sb_jscan *s)
{
    static const char *const lits[] = { "true", "false", "null" };
    size_t i, n;

    for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
        n = strlen(lits[i]);
        if (s->len - s->pos >= n && memcmp(s->in + s->pos, lits[i], n) == 0) {
            s->pos += n;
            return 0;
        }
    }
    return fail(s, s->pos, "invalid token");
}

/* Skip the value at s->pos inside outer open containers: strings, numbers, literals, and arrays / objects
 * followed on a bit stack (1 = object) up to SB_JSCAN_DEPTH_MAX in all. Linear, no recursion. */
static int skip_value(struct sb_jscan *s, size_t outer)
{
    unsigned char objs[SB_JSCAN_DEPTH_MAX / 8 + 1];
    size_t depth = 0;
    enum want w = W_VALUE;
    unsigned char c;

    for (;;) {
        if (w == W_AFTER && depth == 0) {
            return 0;                           /* the white space after the value is not part of it */
        }
        skip_ws(s);
        if (s->pos >= s->len) {
            return fail(s, s->len, "premature end of input");
        }
        c = s->in[s->pos];
        if (w == W_KEY) {
            if (c != '"') {
                return fail(s, s->pos, "string or '}' expected");
            }
            if (scan_string(s, 0) != 0) {
                return -1;
            }
            skip_ws(s);
            if (s->pos >= s->len || s->in[s->pos] != ':') {
                return fail(s, s->pos, "':' expected");
            }
            s->pos++;
            w = W_VALUE;
            continue;
        }
        if (w == W_AFTER) {
            int obj = (objs[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1;

            s->pos++;
            if (c == ',') {
                w = obj ? W_KEY : W_VALUE;
            } else if (c == (obj ? '}' : ']')) {
                depth--;
            } else {
                return fail(s, s->pos - 1, obj ? "',' or '}' expected" : "',' or ']' expected");
            }
            continue;
        }
        /* W_VALUE */
        if (c == '{' || c == '[') {
            if (outer + depth >= SB_JSCAN_DEPTH_MAX) {
                return fail(s, s->pos, "maximum nesting depth reached");
            }
            if (c == '{') {
                objs[depth / 8] |= (unsigned char)(1u << (depth % 8));
            } else {
                objs[depth / 8] &= (unsigned char)~(1u << (depth % 8));
            }
            depth++;
            s->pos++;
            skip_ws(s);
            if (s->pos < s->len && s->in[s->pos] == (c == '{' ? '}' : ']')) {
                s->pos++;
                depth--;
                w = W_AFTER;
            } else {
                w = c == '{' ? W_KEY : W_VALUE;
            }
            continue;
        }
        if ((c == '"' ? scan_string(s, 0)
             : (c == '-' || is_digit(c)) ? scan_number(s)
             : scan_literal(s)) != 0) {
            return -1;
        }
        w = W_AFTER;
    }
}

/* The top level ended with st: only white space may follow. */
static enum sb_jscan_status finish(struct sb_jscan *s, enum sb_jscan_status st)
{
    skip_ws(s);
    if (s->pos < s->len) {
        fail(s, s->pos, "end of input expected");
        return SB_JSCAN_SYNTAX;
    }
    s->state = ST_DONE;
    s->end = st;
    return st;
}

void sb_jscan_init(struct sb_jscan *s, const unsigned char *in, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->in = in;
    s->len = in != NULL ? len : 0;
}

enum sb_jscan_status sb_jscan_next(struct sb_jscan *s)
{
    if (s->state == ST_DONE) {
        return s->end;
    }
    skip_ws(s);
    if (s->state == ST_BEFORE) {
        if (s->pos < s->len && s->in[s->pos] == '[') {
            return skip_value(s, 0) != 0 ? SB_JSCAN_SYNTAX : finish(s, SB_JSCAN_NOT_OBJECT);
        }
        if (s->pos >= s->len || s->in[s->pos] != '{') {
            fail(s, s->pos, "'{' or '[' expected");
            return SB_JSCAN_SYNTAX;
        }
        s->pos++;
        s->state = ST_IN;
        skip_ws(s);
        if (s->pos < s->len && s->in[s->pos] == '}') {
            s->pos++;
            return finish(s, SB_JSCAN_END);
        }
    } else if (s->pos < s->len && s->in[s->pos] == '}') {
        s->pos++;
        return finish(s, SB_JSCAN_END);
    } else if (s->pos >= s->len || s->in[s->pos] != ',') {
        fail(s, s->pos, "',' or '}' expected");
        return SB_JSCAN_SYNTAX;
    } else {
        s->pos++;
        skip_ws(s);
    }
    if (s->pos >= s->len || s->in[s->pos] != '"') {
        fail(s, s->pos, "string (a member name) expected");
        return SB_JSCAN_SYNTAX;
    }
    s->name_offset = s->pos;
    if (scan_string(s, 1) != 0) {
        return SB_JSCAN_SYNTAX;
    }
    skip_ws(s);
    if (s->pos >= s->len || s->in[s->pos] != ':') {
        fail(s, s->pos, "':' expected");
        return SB_JSCAN_SYNTAX;
    }
    s->pos++;
    skip_ws(s);
    s->value_offset = s->pos;
    if (skip_value(s, 1) != 0) {
        return SB_JSCAN_SYNTAX;
    }
    s->value_len = s->pos - s->value_offset;
    s->count++;
    return SB_JSCAN_MEMBER;
}

int sb_jscan_name_in(const struct sb_jscan *s, const char *const *names)
{
    size_t i;

    for (i = 0; names != NULL && names[i] != NULL && !s->name_cut; i++) {
        if (strlen(names[i]) == s->name_len && memcmp(names[i], s->name, s->name_len) == 0) {
            return 1;
        }
    }
    return 0;
}

enum sb_jscan_status sb_jscan_first_unknown(struct sb_jscan *s, const unsigned char *in, size_t len,
                                            const char *const *allowed)
{
    enum sb_jscan_status st;

    sb_jscan_init(s, in, len);
    while ((st = sb_jscan_next(s)) == SB_JSCAN_MEMBER) {
        if (!sb_jscan_name_in(s, allowed)) {
            return st;
        }
    }
    return st;
}
