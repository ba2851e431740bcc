/*
 * gateway/daemon/fetch_url.c — the fetcher's URL rules (fetch.h): parsing with libevent's strict RFC 3986
 * parser (evhttp_uri_parse), the normal form the allow-list compares (scheme and host lower-cased, default
 * port dropped, no userinfo, percent-encoded unreserved characters decoded and the remaining escapes
 * upper-cased — RFC 3986 §6.2.2 — dot-segments removed as in §5.2.4, and none hidden behind an escaped
 * separator), allow-list prefixes and their
 * path-boundary match, and the resolution of a redirect's Location against the URL that sent it (§5.2).
 *
 * Pure functions; allow-lists are immutable after sbgw_fetch_allow_new and refcounted (atomic). Every
 * string built here is malloc'd and owned by the struct that holds it (fetch_url_clear frees them).
 */
#include "gateway/daemon/fetch_local.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "pki/base/hex.h"

struct allow_prefix {
    struct fetch_url u;                  /* u.path is "/" for a whole origin */
    int origin_only;
};

struct sbgw_fetch_allow {
    int refs;                            /* atomic */
    size_t n;
    struct allow_prefix *p;              /* owned */
};

void fetch_cause(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    if (buf == NULL || len == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

void fetch_url_clear(struct fetch_url *u)
{
    if (u == NULL) {
        return;
    }
    free(u->path);
    free(u->query);
    free(u->text);
    memset(u, 0, sizeof(*u));
}

/* The length of url's scheme (RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) before ':'), 0 if
 * it has none. */
static size_t scheme_len(const char *url)
{
    size_t i = 0;

    if (!((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z'))) {
        return 0;
    }
    for (i = 1; url[i] != '\0' && url[i] != ':'; i++) {
        char c = url[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
              c == '.')) {
            return 0;
        }
    }
    return url[i] == ':' ? i : 0;
}

static int unreserved(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

/* Decode the escapes of unreserved characters, upper-case the others; refuse escaped controls. An escaped
 * '/' or '\' stays escaped (RFC 5019 GET requests carry base64 with %2F in their last segment) and sets
 * *enc_sep. out holds strlen(in) + 1. */
static int decode_path(const char *in, char *out, int *enc_sep, char *cause, size_t causelen)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in != '\0'; in++) {
        unsigned char c = (unsigned char)*in;
        int hi, lo, v;

        if (c == '%') {
            if ((hi = sb_hex_digit_value(in[1])) < 0 || (lo = sb_hex_digit_value(in[2])) < 0) {
                fetch_cause(cause, causelen, "malformed percent-escape in the path");
                return -1;
            }
            v = hi * 16 + lo;
            if (v < 0x20 || v == 0x7f) {
                fetch_cause(cause, causelen, "the path carries an encoded control character");
                return -1;
            }
            *enc_sep |= v == '/' || v == '\\';
            if (unreserved(v)) {
                out[o++] = (char)v;
            } else {
                out[o++] = '%';
                out[o++] = hx[v >> 4];
                out[o++] = hx[v & 15];
            }
            in += 2;
            continue;
        }
        if (c == '\\' || c <= 0x20 || c >= 0x7f) {
            fetch_cause(cause, causelen, "the path carries a '\\', space, control or non-ASCII character");
            return -1;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* RFC 3986 §5.2.4 on an absolute path (starts with '/'): the result (malloc'd) starts with '/'. */
static char *remove_dots(const char *in)
{
    size_t len = strlen(in), o = 0, depth = 0;
    char *out = malloc(len + 2);
    size_t *start = malloc((len + 1) * sizeof(*start));
    const char *p = in + 1;
    int slash_end = 0;

    if (out == NULL || start == NULL) {
        free(out);
        free(start);
        return NULL;
    }
    for (;;) {
        const char *e = strchr(p, '/');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        int last = e == NULL;

        slash_end = 0;
        if (n == 1 && p[0] == '.') {
            slash_end = last;
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (depth > 0) {
                o = start[--depth];
            }
            slash_end = last;
        } else {
            start[depth++] = o;
            out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        if (last) {
            break;
        }
        p = e + 1;
    }
    if (slash_end || o == 0) {
        out[o++] = '/';
    }
    out[o] = '\0';
    free(start);
    return out;
}

/* A server that decodes an escaped '/' or '\' into a separator must not find a dot-segment there (it could
 * resolve it out of the prefix the allow-list checked): refuse paths whose segments, split at real and escaped
 * separators alike, include "." or "..". */
static int hidden_dots(const char *path)
{
    const char *p = path;

    while (*p != '\0') {
        size_t n = 0;

        while (p[n] != '\0' && p[n] != '/' && !(p[n] == '%' && p[n + 1] == '2' && p[n + 2] == 'F') &&
               !(p[n] == '%' && p[n + 1] == '5' && p[n + 2] == 'C')) {
            n++;
        }
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            return 1;
        }
        p += n;
        p += *p == '/' ? 1 : *p == '%' ? 3 : 0;
    }
    return 0;
}

/* Host of the parsed URI into u: lower-cased name of letters, digits, '-', '.', '_' or a canonical IPv6
 * literal. */
static int take_host(const char *h, struct fetch_url *u, char *cause, size_t causelen)
{
    char tmp[256];
    size_t i, n;

    if (h == NULL || *h == '\0') {
        fetch_cause(cause, causelen, "the URL has no host");
        return -1;
    }
    n = strlen(h);
    if (h[0] == '[' || strchr(h, ':') != NULL) {
        struct in6_addr a6;

        if (h[0] == '[') {
            h++;
            n -= 2;
        }
        if (n >= sizeof(tmp) || (memcpy(tmp, h, n), tmp[n] = '\0', inet_pton(AF_INET6, tmp, &a6) != 1) ||
            inet_ntop(AF_INET6, &a6, u->host, sizeof(u->host)) == NULL) {
            fetch_cause(cause, causelen, "the URL's IP literal is not an IPv6 address");
            return -1;
        }
        u->ipv6 = 1;
        return 0;
    }
    if (n >= sizeof(u->host)) {
        fetch_cause(cause, causelen, "the URL's host name is too long");
        return -1;
    }
    for (i = 0; i < n; i++) {
        char c = h[i];

        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
            fetch_cause(cause, causelen, "the URL's host carries a character outside letters, digits, '-', '.', '_'");
            return -1;
        }
        u->host[i] = c;
    }
    u->host[n] = '\0';
    return 0;
}

static char *build_text(const struct fetch_url *u)
{
    const char *scheme = u->https ? "https" : "http";
    int dflt = u->https ? 443 : 80;
    size_t len = strlen(u->host) + strlen(u->path) + (u->query != NULL ? strlen(u->query) : 0) + 32;
    char *t = malloc(len);
    char port[16] = "";

    if (t == NULL) {
        return NULL;
    }
    if (u->port != dflt) {
        snprintf(port, sizeof(port), ":%d", u->port);
    }
    snprintf(t, len, "%s://%s%s%s%s%s%s", scheme, u->ipv6 ? "[" : "", u->host, u->ipv6 ? "]" : "", port, u->path,
             u->query != NULL ? "?" : "");
    if (u->query != NULL) {
        strcat(t, u->query);
    }
    return t;
}

enum sbgw_fetch_status fetch_url_parse(const char *url, struct fetch_url *u, char *cause, size_t causelen)
{
    struct evhttp_uri *uri = NULL;
    enum sbgw_fetch_status st = SBGW_FETCH_BAD_URL;
    size_t i, sl;
    char scheme[16], *dec = NULL;
    const char *path, *query;
    int port, enc_sep = 0;

    memset(u, 0, sizeof(*u));
    if (url == NULL || *url == '\0' || strlen(url) > SBGW_FETCH_URL_MAX) {
        fetch_cause(cause, causelen, "the URL is empty or longer than %d bytes", SBGW_FETCH_URL_MAX);
        return SBGW_FETCH_BAD_URL;
    }
    for (i = 0; url[i] != '\0'; i++) {
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
            fetch_cause(cause, causelen, "the URL carries a space, control or non-ASCII character");
            return SBGW_FETCH_BAD_URL;
        }
    }
    if ((sl = scheme_len(url)) == 0) {
        fetch_cause(cause, causelen, "not an absolute URL (no scheme)");
        return SBGW_FETCH_BAD_URL;
    }
    if (sl >= sizeof(scheme)) {
        sl = sizeof(scheme) - 1;
    }
    for (i = 0; i < sl; i++) {
        scheme[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] - 'A' + 'a' : url[i]);
    }
    scheme[sl] = '\0';
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        fetch_cause(cause, causelen, "scheme '%s' is not fetched (http and https only)", scheme);
        return SBGW_FETCH_REFUSED_SCHEME;
    }
    u->https = scheme[4] == 's';
    if ((uri = evhttp_uri_parse_with_flags(url, 0)) == NULL) {
        fetch_cause(cause, causelen, "the URL does not parse (RFC 3986)");
        goto out;
    }
    if (evhttp_uri_get_userinfo(uri) != NULL) {
        fetch_cause(cause, causelen, "the URL carries userinfo (refused)");
        goto out;
    }
    if (take_host(evhttp_uri_get_host(uri), u, cause, causelen) != 0) {
        goto out;
    }
    port = evhttp_uri_get_port(uri);
    if (port == 0 || port > 65535) {
        fetch_cause(cause, causelen, "the URL's port is not 1..65535");
        goto out;
    }
    u->port = port > 0 ? port : u->https ? 443 : 80;
    path = evhttp_uri_get_path(uri);
    if (path == NULL || *path == '\0') {
        path = "/";
    }
    if (path[0] != '/' || (dec = malloc(strlen(path) * 3 + 1)) == NULL) {
        fetch_cause(cause, causelen, path[0] != '/' ? "the URL's path is not absolute" : "out of memory");
        st = path[0] != '/' ? SBGW_FETCH_BAD_URL : SBGW_FETCH_INTERNAL;
        goto out;
    }
    if (decode_path(path, dec, &enc_sep, cause, causelen) != 0) {
        goto out;
    }
    query = evhttp_uri_get_query(uri);
    if ((u->path = remove_dots(dec)) == NULL || (query != NULL && (u->query = strdup(query)) == NULL) ||
        (u->text = build_text(u)) == NULL) {
        fetch_cause(cause, causelen, "out of memory");
        st = SBGW_FETCH_INTERNAL;
        goto out;
    }
    if (enc_sep && hidden_dots(u->path)) {
        fetch_cause(cause, causelen, "the path hides a dot-segment behind an encoded '/' or '\\'");
        goto out;
    }
    st = SBGW_FETCH_OK;
out:
    free(dec);
    if (uri != NULL) {
        evhttp_uri_free(uri);
    }
    return st;
}

void fetch_url_origin(const struct fetch_url *u, char *out, size_t len)
{
    int dflt = u->https ? 443 : 80;

    if (u->port != dflt) {
        snprintf(out, len, "%s://%s%s%s:%d", u->https ? "https" : "http", u->ipv6 ? "[" : "", u->host,
                 u->ipv6 ? "]" : "", u->port);
    } else {
        snprintf(out, len, "%s://%s%s%s", u->https ? "https" : "http", u->ipv6 ? "[" : "", u->host,
                 u->ipv6 ? "]" : "");
    }
}

static char *join3(const char *a, const char *b, size_t blen, const char *c)
{
    size_t la = strlen(a), lc = strlen(c);
    char *t = malloc(la + blen + lc + 1);

    if (t == NULL) {
        return NULL;
    }
    memcpy(t, a, la);
    memcpy(t + la, b, blen);
    memcpy(t + la + blen, c, lc + 1);
    return t;
}

char *fetch_url_resolve(const struct fetch_url *base, const char *loc)
{
    char origin[320];
    const char *slash;

    if (loc == NULL || *loc == '\0' || strlen(loc) > SBGW_FETCH_URL_MAX) {
        return NULL;
    }
    if (scheme_len(loc) > 0) {
        return strdup(loc);                                       /* absolute */
    }
    if (loc[0] == '/' && loc[1] == '/') {
        return join3(base->https ? "https:" : "http:", "", 0, loc);   /* network-path reference */
    }
    fetch_url_origin(base, origin, sizeof(origin));
    if (loc[0] == '/') {
        return join3(origin, "", 0, loc);
    }
    if (loc[0] == '?' || loc[0] == '#') {
        if (loc[0] == '#') {
            return join3(origin, base->path, strlen(base->path), base->query != NULL ? "?" : "");
        }
        return join3(origin, base->path, strlen(base->path), loc);
    }
    slash = strrchr(base->path, '/');                             /* merge (§5.2.3) */
    return join3(origin, base->path, (size_t)(slash - base->path) + 1, loc);
}

/* ---- allow-lists ---- */

struct sbgw_fetch_allow *sbgw_fetch_allow_new(const char *const *prefixes, size_t n, char *err, size_t errlen)
{
    struct sbgw_fetch_allow *a = calloc(1, sizeof(*a));
    char cause[200];
    size_t i;

    if (a == NULL || (n > 0 && (a->p = calloc(n, sizeof(*a->p))) == NULL)) {
        fetch_cause(err, errlen, "out of memory");
        free(a);
        return NULL;
    }
    a->refs = 1;
    for (i = 0; i < n; i++) {
        struct allow_prefix *p = &a->p[i];
        enum sbgw_fetch_status st = fetch_url_parse(prefixes[i], &p->u, cause, sizeof(cause));

        a->n = i + 1;
        if (st == SBGW_FETCH_OK && (p->u.query != NULL || strchr(prefixes[i], '#') != NULL)) {
            fetch_cause(cause, sizeof(cause), "a prefix carries no query or fragment");
            st = SBGW_FETCH_BAD_URL;
        }
        if (st != SBGW_FETCH_OK) {
            fetch_cause(err, errlen, "fetch allow-list prefix '%s': %s", prefixes[i], cause);
            sbgw_fetch_allow_free(a);
            return NULL;
        }
        p->origin_only = strcmp(p->u.path, "/") == 0;
    }
    return a;
}

void sbgw_fetch_allow_up_ref(struct sbgw_fetch_allow *a)
{
    __atomic_add_fetch(&a->refs, 1, __ATOMIC_RELAXED);
}

void sbgw_fetch_allow_free(struct sbgw_fetch_allow *a)
{
    size_t i;

    if (a == NULL || __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) > 0) {
        return;
    }
    for (i = 0; i < a->n; i++) {
        fetch_url_clear(&a->p[i].u);
    }
    free(a->p);
    free(a);
}

int fetch_allow_match(const struct sbgw_fetch_allow *a, const struct fetch_url *u)
{
    size_t i;

    for (i = 0; a != NULL && i < a->n; i++) {
        const struct allow_prefix *p = &a->p[i];
        size_t pl;

        if (p->u.https != u->https || p->u.port != u->port || strcmp(p->u.host, u->host) != 0) {
            continue;
        }
        if (p->origin_only) {
            return 1;
        }
        pl = strlen(p->u.path);
        if (strncmp(u->path, p->u.path, pl) == 0 &&
            (u->path[pl] == '\0' || u->path[pl] == '/' || p->u.path[pl - 1] == '/')) {
            return 1;
        }
    }
    return 0;
}

enum sbgw_fetch_status sbgw_fetch_allow_check(const struct sbgw_fetch_allow *a, const char *url, char **norm,
                                              char *cause, size_t causelen)
{
    struct fetch_url u;
    enum sbgw_fetch_status st = fetch_url_parse(url, &u, cause, causelen);

    if (norm != NULL) {
        *norm = NULL;
    }
    if (st == SBGW_FETCH_OK && !fetch_allow_match(a, &u)) {
        fetch_cause(cause, causelen, "%s is outside the fetch allow-list", u.text);
        st = SBGW_FETCH_REFUSED_NOT_ALLOWED;
    }
    if (st == SBGW_FETCH_OK && norm != NULL && (*norm = strdup(u.text)) == NULL) {
        fetch_cause(cause, causelen, "out of memory");
        st = SBGW_FETCH_INTERNAL;
    }
    fetch_url_clear(&u);
    return st;
}
