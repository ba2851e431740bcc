/*
 * gateway/daemon/http_path.c — origin-form path normalisation (see http_path.h): percent-decoding of
 * unreserved characters, upper-case hex for the other escapes, refusals of encoded separators and NUL, then
 * RFC 3986 §5.2.4 dot-segment removal done in place, refusing a '..' above the root.
 */
#include "gateway/daemon/http_parse_local.h"
#include "gateway/daemon/http_path.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

/* pchar without pct-encoded, or '/' (RFC 3986 §3.3). */
static int path_char(unsigned char c)
{
    return unreserved(c) || (c != '\0' && strchr("!$&'()*+,;=:@/", c) != NULL);
}

static int fail(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;

    if (msg != NULL && msglen > 0) {
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Decode path into out (o bytes written into *n); 0 or -1 with msg. */
static int decode(const char *path, char *out, size_t *n, char *msg, size_t msglen)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; path[i] != '\0'; i++) {
        unsigned char c = (unsigned char)path[i];
        int hi, lo, v;

        if (c == '%') {
            if ((hi = sbgw_hp_hexval((unsigned char)path[i + 1])) < 0 || (lo = sbgw_hp_hexval((unsigned char)path[i + 2])) < 0) {
                return fail(msg, msglen, "bad percent-escape in the path (not '%%' and two hex digits)");
            }
            v = hi * 16 + lo;
            if (v == '/') {
                return fail(msg, msglen, "encoded '/' (%%2F) in the path");
            }
            if (v == '\\') {
                return fail(msg, msglen, "encoded '\\' (%%5C) in the path");
            }
            if (v == 0) {
                return fail(msg, msglen, "encoded NUL (%%00) in the path");
            }
            if (unreserved((unsigned char)v)) {
                out[o++] = (char)v;
            } else {
                out[o++] = '%';
                out[o++] = hx[hi];
                out[o++] = hx[lo];
            }
            i += 2;
        } else if (c == '\\') {
            return fail(msg, msglen, "'\\' in the path");
        } else if (!path_char(c)) {
            return fail(msg, msglen, "invalid character 0x%02x in the path", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    *n = o;
    return 0;
}

/* RFC 3986 §5.2.4 on p[0..n) (starts with '/'), in place: each segment "/seg" is copied down to the write
 * end w (w <= r always), "." dropped, ".." drops the last segment written; a dot-segment at the end leaves
 * the path ending in '/'. */
static int remove_dots(char *p, size_t n, char *msg, size_t msglen)
{
    size_t r = 0, w = 0, e, len;
    int last;

    while (r < n) {
        for (e = r + 1; e < n && p[e] != '/'; e++) {
        }
        len = e - r - 1;
        last = e == n;
        if (len == 1 && p[r + 1] == '.') {
            if (last) {
                p[w++] = '/';
            }
        } else if (len == 2 && p[r + 1] == '.' && p[r + 2] == '.') {
            if (w == 0) {
                return fail(msg, msglen, "'..' in the path climbs above '/'");
            }
            while (p[--w] != '/') {
            }
            if (last) {
                p[w++] = '/';
            }
        } else {
            memmove(p + w, p + r, e - r);
            w += e - r;
        }
        r = e;
    }
    if (w == 0) {
        p[w++] = '/';
    }
    p[w] = '\0';
    return 0;
}

/* The checks both entry points share, then the decoding into out. */
static int decode_checked(const char *path, char *out, size_t len, size_t *n, char *msg, size_t msglen)
{
    if (msg != NULL && msglen > 0) {
        msg[0] = '\0';
    }
    if (path == NULL || path[0] != '/') {
        return fail(msg, msglen, "the path does not start with '/'");
    }
    if (len < strlen(path) + 1) {
        return fail(msg, msglen, "the path is too long");
    }
    return decode(path, out, n, msg, msglen);
}

int sbgw_http_path_decode(const char *path, char *out, size_t len, char *msg, size_t msglen)
{
    size_t n = 0;

    return decode_checked(path, out, len, &n, msg, msglen);
}

int sbgw_http_path_normalise(const char *path, char *out, size_t len, char *msg, size_t msglen)
{
    size_t n = 0;

    if (decode_checked(path, out, len, &n, msg, msglen) != 0) {
        return -1;
    }
    return remove_dots(out, n, msg, msglen);
}
