/*
 * gateway/daemon/http_target.c — the request-target of a request line (RFC 9112 §3.2): which of the four
 * forms it is, whether the method allows that form, whether every byte is one RFC 3986 allows there, and
 * the path / query it names. Also the host[:port] check the Host field and absolute-form share.
 */
#include "gateway/daemon/http_parse_local.h"

#include <string.h>
#include <strings.h>

static int unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

static int sub_delim(unsigned char c)
{
    return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

int sbgw_hp_authority_ok(const char *s, size_t n, int *has_port)
{
    size_t i = 0, digits;

    if (has_port != NULL) {
        *has_port = 0;
    }
    if (n == 0) {
        return 0;
    }
    if (s[0] == '[') {
        for (i = 1; i < n && s[i] != ']'; i++) {
            if (sbgw_hp_hexval((unsigned char)s[i]) < 0 && s[i] != ':' && s[i] != '.') {
                return 0;
            }
        }
        if (i >= n || i == 1) {
            return 0;
        }
        i++;
    } else {
        while (i < n && unreserved((unsigned char)s[i])) {
            i++;
        }
        if (i == 0) {
            return 0;
        }
    }
    if (i == n) {
        return 1;
    }
    if (s[i] != ':') {
        return 0;
    }
    for (i++, digits = 0; i < n; i++, digits++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    if (digits < 1 || digits > 5) {
        return 0;
    }
    if (has_port != NULL) {
        *has_port = 1;
    }
    return 1;
}

/* Check s as path-abempty [ "?" query ] (pchar, '/', and '?' in the query); *q = offset of '?' or -1. */
static enum sbgw_hp_result check_path_query(const char *s, long *q, struct sbgw_http_err *err)
{
    size_t i;
    unsigned char c;

    *q = -1;
    for (i = 0; s[i] != '\0'; i++) {
        c = (unsigned char)s[i];
        if (c == '?' && *q < 0) {
            *q = (long)i;
        } else if (c == '%') {
            if (sbgw_hp_hexval((unsigned char)s[i + 1]) < 0 || sbgw_hp_hexval((unsigned char)s[i + 2]) < 0) {
                return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST,
                                    "bad percent-escape in the request-target (not '%%' and two hex digits)");
            }
            i += 2;
        } else if (c == '#') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "a fragment ('#') in the request-target");
        } else if (!unreserved(c) && !sub_delim(c) && c != ':' && c != '@' && c != '/' && c != '?') {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "invalid character 0x%02x in the request-target", c);
        }
    }
    return SBGW_HP_DONE;
}

/* Copy path (n bytes, "/" when empty) and the query (NULL when q < 0) of s into extra. */
static void split(struct sbgw_http_head *h, char *extra, const char *s, long q)
{
    size_t n = q < 0 ? strlen(s) : (size_t)q;

    if (n == 0) {
        memcpy(extra, "/", 2);
    } else {
        memcpy(extra, s, n);
        extra[n] = '\0';
    }
    h->path = extra;
    h->query = NULL;
    if (q >= 0) {
        extra += (n == 0 ? 1 : n) + 1;
        memcpy(extra, s + q + 1, strlen(s + q + 1) + 1);
        h->query = extra;
    }
}

/* Length of "http://" or "https://" (case-insensitive) at the start of t, else 0. */
static size_t http_scheme(const char *t)
{
    if (strncasecmp(t, "http://", 7) == 0) {
        return 7;
    }
    if (strncasecmp(t, "https://", 8) == 0) {
        return 8;
    }
    return 0;
}

/* 1 if t starts with a URI scheme and ':' (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"). */
static int has_scheme(const char *t)
{
    size_t i = 0;

    if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z'))) {
        return 0;
    }
    for (i = 1; t[i] != '\0' && t[i] != ':'; i++) {
        if (!unreserved((unsigned char)t[i]) && t[i] != '+') {
            return 0;
        }
    }
    return t[i] == ':';
}

enum sbgw_hp_result sbgw_hp_target(struct sbgw_http_head *h, char *extra, struct sbgw_http_err *err)
{
    const char *t = h->target;
    size_t sl, an;
    long q;
    int port;

    if (h->method == SBGW_M_CONNECT) {
        if (!sbgw_hp_authority_ok(t, strlen(t), &port) || !port) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "CONNECT requires an authority-form request-target "
                                                         "(host:port)");
        }
        memcpy(extra, t, strlen(t) + 1);
        h->path = extra;
        h->query = NULL;
        return SBGW_HP_DONE;
    }
    if (strcmp(t, "*") == 0) {
        if (h->method != SBGW_M_OPTIONS) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "asterisk-form request-target is only allowed with OPTIONS");
        }
        memcpy(extra, "*", 2);
        h->path = extra;
        h->query = NULL;
        return SBGW_HP_DONE;
    }
    if (t[0] == '/') {
        if (check_path_query(t, &q, err) != SBGW_HP_DONE) {
            return SBGW_HP_ERROR;
        }
        split(h, extra, t, q);
        return SBGW_HP_DONE;
    }
    if ((sl = http_scheme(t)) > 0) {
        an = strcspn(t + sl, "/?");
        if (an == 0) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "absolute-form request-target with an empty authority");
        }
        if (!sbgw_hp_authority_ok(t + sl, an, NULL)) {
            return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "absolute-form request-target with an invalid authority "
                                                         "(host[:port] expected, no userinfo)");
        }
        if (check_path_query(t + sl + an, &q, err) != SBGW_HP_DONE) {
            return SBGW_HP_ERROR;
        }
        split(h, extra, t + sl + an, q);
        return SBGW_HP_DONE;
    }
    if (sbgw_hp_authority_ok(t, strlen(t), &port) && port) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "authority-form request-target is only allowed with CONNECT");
    }
    if (has_scheme(t)) {
        return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "absolute-form request-target with a scheme other than http "
                                                     "or https");
    }
    return sbgw_hp_fail(err, SBGW_E_BAD_REQUEST, "origin-form request-target does not start with '/'");
}
