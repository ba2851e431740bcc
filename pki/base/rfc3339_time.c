#include "pki/base/rfc3339_time.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int digits(const char *s, int n, int *val)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    *val = v;
    return 1;
}

enum sb_reason sb_time_parse_rfc3339(const char *s, time_t *out, struct sb_err *err)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    const char *p;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec)) {
        goto bad;
    }
    p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) {
            goto bad;
        }
        while (isdigit((unsigned char)*p)) {
            p++;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59) {
            goto bad;
        }
        p += 6;
    } else {
        goto bad;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        goto bad;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec > 59 ? 59 : sec;
    t = timegm(&tm);
    if (gmtime_r(&t, &tm) == NULL || tm.tm_mday != d || tm.tm_mon != mo - 1) {
        goto bad; /* 2024-02-31 and the like: timegm would roll it over */
    }
    t -= (time_t)sign * (oh * 3600 + om * 60);
    *out = t;
    return SB_OK;
bad:
    return sb_err_set(err, SB_R_USAGE, "'%s' is not an RFC 3339 time (e.g. 2024-01-01T00:00:00Z)", s);
}

void sb_time_format(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(buf, len, "invalid-time");
    }
}

static int has_fraction(const ASN1_TIME *t)
{
    const unsigned char *d = ASN1_STRING_get0_data(t);
    int i, n = ASN1_STRING_length(t), seen_dot = 0;

    if (ASN1_STRING_type(t) != V_ASN1_GENERALIZEDTIME) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (d[i] == '.') {
            seen_dot = 1;
        } else if (seen_dot && d[i] >= '1' && d[i] <= '9') {
            return 1;
        }
    }
    return 0;
}

int sb_asn1_time_to_unix(const ASN1_TIME *t, time_t *out, int *frac)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
        return 0;
    }
    *out = timegm(&tm);
    if (frac != NULL) {
        *frac = has_fraction(t);
    }
    return 1;
}

int sb_asn1_time_well_formed(const ASN1_TIME *t)
{
    const unsigned char *d = ASN1_STRING_get0_data(t);
    int i, n = ASN1_STRING_length(t), want;

    switch (ASN1_STRING_type(t)) {
    case V_ASN1_UTCTIME:
        want = 12;
        break;
    case V_ASN1_GENERALIZEDTIME:
        want = 14;
        break;
    default:
        return 0;
    }
    if (n < want + 1 || d[n - 1] != 'Z') {
        return 0;
    }
    for (i = 0; i < want; i++) {
        if (!isdigit(d[i])) {
            return 0;
        }
    }
    if (n == want + 1) {
        return 1;
    }
    /* only GeneralizedTime may carry a fraction: .d+ before Z */
    if (want != 14 || d[want] != '.' || n < want + 3) {
        return 0;
    }
    for (i = want + 1; i < n - 1; i++) {
        if (!isdigit(d[i])) {
            return 0;
        }
    }
    return 1;
}
