/*
 * gateway/daemon/canon_request.c — the canonical request of a bound proxy route and the IMF-fixdate parser
 * (canon_request.h has the format).
 */
#include "gateway/daemon/canon_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "gateway/daemon/config.h"

static const struct {
    unsigned bit;
    const char *name;
} components[] = {
    { SBGW_BIND_METHOD, "@method" },
    { SBGW_BIND_TARGET, "@target" },
    { SBGW_BIND_DATE, "date" },
};

/* Non-empty, and every byte a visible character or a space / tab inside (no CR, LF, NUL or DEL). */
static int value_ok(const char *v)
{
    const unsigned char *p = (const unsigned char *)v;

    if (v == NULL || *p == '\0') {
        return 0;
    }
    for (; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return 0;
        }
    }
    return 1;
}

enum sbgw_canon_status sbgw_canon_request(const struct sbgw_canon_in *in, char **out, size_t *len)
{
    const char *vals[3];
    char digest[64], params[128];
    size_t i, need, o = 0;
    char *buf;
    int n;

    *out = NULL;
    *len = 0;
    vals[0] = in->method;
    vals[1] = in->target;
    vals[2] = in->date;
    if (EVP_EncodeBlock((unsigned char *)digest, in->body_sha256, 32) != 44) {
        return SBGW_CANON_NO_MEMORY;
    }
    snprintf(params, sizeof(params), "(");
    need = 0;
    for (i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
        if ((in->bind & components[i].bit) == 0) {
            continue;
        }
        if (!value_ok(vals[i])) {
            return SBGW_CANON_BAD_VALUE;
        }
        need += strlen(components[i].name) + strlen(vals[i]) + 6;      /* "name": value LF */
        strcat(params, "\"");
        strcat(params, components[i].name);
        strcat(params, "\" ");
    }
    strcat(params, "\"content-digest\");alg=\"cms\"");
    need += sizeof("\"content-digest\": sha-256=::\n") + strlen(digest) + sizeof("\"@signature-params\": ") +
            strlen(params) + 1;
    if ((buf = malloc(need)) == NULL) {
        return SBGW_CANON_NO_MEMORY;
    }
    for (i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
        if ((in->bind & components[i].bit) != 0) {
            n = snprintf(buf + o, need - o, "\"%s\": %s\n", components[i].name, vals[i]);
            o += (size_t)n;
        }
    }
    n = snprintf(buf + o, need - o, "\"content-digest\": sha-256=:%s:\n\"@signature-params\": %s", digest, params);
    if (n < 0 || (size_t)n >= need - o) {
        free(buf);
        return SBGW_CANON_NO_MEMORY;      /* cannot happen: need counts every byte */
    }
    *out = buf;
    *len = o + (size_t)n;
    return SBGW_CANON_OK;
}

static int name_index(const char *s, const char *const *names, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (strncmp(s, names[i], 3) == 0) {
            return i;
        }
    }
    return -1;
}

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int sbgw_imf_fixdate_parse(const char *s, time_t *out)
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct tm tm, back;
    int wday, mday, mon, year, hh, mm, ss;
    time_t t;

    /* "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes, fixed positions */
    if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s[25] != ' ' || strcmp(s + 26, "GMT") != 0 ||
        (wday = name_index(s, days, 7)) < 0 || (mon = name_index(s + 8, months, 12)) < 0 ||
        !digits(s + 5, 2, &mday) || !digits(s + 12, 4, &year) || !digits(s + 17, 2, &hh) ||
        !digits(s + 20, 2, &mm) || !digits(s + 23, 2, &ss) || mday < 1 || year < 1970 || hh > 23 || mm > 59 ||
        ss > 60) {
        return 0;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = mday;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss == 60 ? 59 : ss;                /* a leap second: the second before it */
    if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != mday ||
        back.tm_mon != mon || back.tm_wday != wday) {
        return 0;                                  /* 31 Feb, or a weekday that does not fit the date */
    }
    *out = t;
    return 1;
}
