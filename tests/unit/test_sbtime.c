/*
 * tests/unit/test_sbtime.c — RFC 3339 parsing (`--at`), formatting, and the RFC 5280 time profile of
 * UTCTime / GeneralizedTime values (pki/base/rfc3339_time.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include <openssl/asn1.h>

#include "pki/base/rfc3339_time.h"

#define T2024 ((time_t)1704067200) /* 2024-01-01T00:00:00Z */

static time_t parse_ok(const char *s)
{
    struct sb_err e;
    time_t t = (time_t)-12345;

    sb_err_clear(&e);
    if (sb_time_parse_rfc3339(s, &t, &e) != SB_OK) {
        fail_msg("'%s' rejected: %s", s, e.msg);
    }
    assert_int_equal(e.reason, SB_OK);
    return t;
}

static void parse_bad(const char *s)
{
    struct sb_err e;
    time_t t = (time_t)-12345;
    enum sb_reason rc;

    sb_err_clear(&e);
    rc = sb_time_parse_rfc3339(s, &t, &e);
    if (rc != SB_R_USAGE) {
        fail_msg("'%s' gave %s, want USAGE", s, sb_reason_name(rc));
    }
    assert_int_equal(e.reason, SB_R_USAGE);
    assert_non_null(strstr(e.msg, s)); /* the message quotes the input */
    assert_int_equal(t, (time_t)-12345); /* *out untouched */
}

static void test_rfc3339_zulu(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-01-01T00:00:00Z"), T2024);
    assert_int_equal(parse_ok("2024-01-01t00:00:00z"), T2024);
    assert_int_equal(parse_ok("2024-01-01 00:00:00Z"), T2024); /* RFC 3339 §5.6 NOTE allows a space */
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("2025-06-30T12:34:56Z"), (time_t)1751286896);
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), (time_t)1709164800); /* leap day */
}

static void test_rfc3339_offsets(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-01-01T08:00:00+08:00"), T2024);
    assert_int_equal(parse_ok("2023-12-31T18:30:00-05:30"), T2024);
    assert_int_equal(parse_ok("2024-01-01T00:00:00+00:00"), T2024);
    assert_int_equal(parse_ok("2024-01-01T00:00:00-00:00"), T2024);
    assert_int_equal(parse_ok("2024-01-01T23:59:00+23:59"), T2024);
}

static void test_rfc3339_fraction_truncated(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-01-01T00:00:00.999999999Z"), T2024);
    assert_int_equal(parse_ok("2024-01-01T00:00:00.5Z"), T2024);
    assert_int_equal(parse_ok("2024-01-01T08:00:00.123+08:00"), T2024);
    assert_int_equal(parse_ok("2023-12-31T23:59:59.999Z"), T2024 - 1); /* truncated, never rounded up */
}

static void test_rfc3339_leap_second(void **state)
{
    (void)state;
    /* RFC 3339 allows :60; it is read as :59 of the same minute */
    assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), (time_t)1483228799);
}

static void test_rfc3339_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "2024",
        "2024-01-01",
        "2024-01-01T00:00:00",          /* no offset */
        "2024-01-01T00:00Z",            /* no seconds */
        "2024-01-01T00:00:00.Z",        /* empty fraction */
        "2024-01-01T00:00:00,5Z",       /* comma fraction */
        "2024-01-01T00:00:00+0800",     /* offset without colon */
        "2024-01-01T00:00:00+08",
        "2024-01-01T00:00:00+8:00",
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+08:60",
        "2024-01-01T00:00:00Zjunk",
        "2024-01-01T00:00:00Z ",
        "2024-01-01T00:00:00+08:00:00",
        " 2024-01-01T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-00-01T00:00:00Z",
        "2024-01-00T00:00:00Z",
        "2024-01-32T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:61Z",
        "2024/01/01T00:00:00Z",
        "2024-01-01X00:00:00Z",
        "abcd-01-01T00:00:00Z",
        "2024-1-01T00:00:00Z",
        "+2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00UTC",
        "now",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        parse_bad(bad[i]);
    }
}

/* Day-of-month must exist in that month (RFC 3339 §5.7); timegm() would otherwise silently roll
 * 2024-02-31 over to 2024-03-02. */
static void test_rfc3339_impossible_dates(void **state)
{
    (void)state;
    parse_bad("2024-02-30T00:00:00Z");
    parse_bad("2024-02-31T00:00:00Z");
    parse_bad("2023-02-29T00:00:00Z"); /* not a leap year */
    parse_bad("2024-04-31T00:00:00Z");
    parse_bad("2100-02-29T00:00:00Z"); /* century, not a leap year */
    assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), (time_t)951782400);
}

static void test_format(void **state)
{
    char buf[32];

    (void)state;
    sb_time_format(T2024, buf, sizeof(buf));
    assert_string_equal(buf, "2024-01-01T00:00:00Z");
    sb_time_format(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    sb_time_format((time_t)1751286896, buf, 21); /* exactly enough room */
    assert_string_equal(buf, "2025-06-30T12:34:56Z");
    /* round trip */
    assert_int_equal(parse_ok(buf), (time_t)1751286896);
}

/* ---- ASN.1 times ------------------------------------------------------------------------------ */

static ASN1_TIME *mk(int type, const char *s)
{
    ASN1_STRING *t = ASN1_STRING_type_new(type);

    assert_non_null(t);
    assert_int_equal(ASN1_STRING_set(t, s, -1), 1);
    return t;
}

static int well_formed(int type, const char *s)
{
    ASN1_TIME *t = mk(type, s);
    int r = sb_asn1_time_well_formed(t);

    ASN1_STRING_free(t);
    return r;
}

static void test_well_formed_utctime(void **state)
{
    (void)state;
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "240101000000Z"), 1);
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "991231235959Z"), 1);
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "2401010000Z"), 0);       /* no seconds */
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "240101000000"), 0);      /* no Z */
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "240101000000+0800"), 0); /* offset */
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "240101000000.5Z"), 0);   /* UTCTime has no fraction */
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "24010100000aZ"), 0);
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "20240101000000Z"), 0);   /* 4-digit year in UTCTime */
    assert_int_equal(well_formed(V_ASN1_UTCTIME, "Z"), 0);
    assert_int_equal(well_formed(V_ASN1_UTCTIME, ""), 0);
}

static void test_well_formed_generalizedtime(void **state)
{
    (void)state;
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000Z"), 1);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20500101000000Z"), 1);
    /* the documented profile accepts a fraction of one or more digits */
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000.5Z"), 1);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000.123456Z"), 1);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000.Z"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000,5Z"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000.5aZ"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "20240101000000+0800"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "202401010000Z"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "240101000000Z"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, "2024010100000aZ"), 0);
    assert_int_equal(well_formed(V_ASN1_GENERALIZEDTIME, ""), 0);
    /* not a time type at all */
    assert_int_equal(well_formed(V_ASN1_IA5STRING, "20240101000000Z"), 0);
}

static void test_well_formed_high_bytes(void **state)
{
    ASN1_TIME *t = mk(V_ASN1_GENERALIZEDTIME, "20240101000000Z");
    unsigned char raw[] = { '2', '0', '2', '4', 0xb2, '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z' };

    (void)state;
    assert_int_equal(ASN1_STRING_set(t, raw, (int)sizeof(raw)), 1);
    assert_int_equal(sb_asn1_time_well_formed(t), 0);
    ASN1_STRING_free(t);
}

/* A case table for sb_asn1_time_to_unix: the time, whether it converts, to what, and its fraction flag. */
struct to_unix_case {
    int type;
    const char *text;
    int want_ok;
    int check_time;       /* out must equal want_time */
    time_t want_time;
    int want_frac;        /* -1: converted with frac NULL */
};

static const struct to_unix_case to_unix_cases[] = {
    { V_ASN1_UTCTIME, "240101000000Z", 1, 1, T2024, 0 },
    /* RFC 5280: UTCTime YY >= 50 is 19YY */
    { V_ASN1_UTCTIME, "500101000000Z", 1, 1, (time_t)-631152000, -1 },
    { V_ASN1_UTCTIME, "491231235959Z", 1, 1, (time_t)2524607999, -1 },
    { V_ASN1_GENERALIZEDTIME, "20240101000000Z", 1, 1, T2024, 0 },
    { V_ASN1_GENERALIZEDTIME, "20240101000000.25Z", 1, 1, T2024, 1 },
    { V_ASN1_GENERALIZEDTIME, "20240101000000.000Z", 1, 0, 0, 0 },
    { V_ASN1_GENERALIZEDTIME, "21000101000000Z", 1, 1, (time_t)4102444800, -1 },
    /* unparsable */
    { V_ASN1_GENERALIZEDTIME, "20241301000000Z", 0, 0, 0, -1 },
    { V_ASN1_UTCTIME, "garbage", 0, 0, 0, -1 },
};

static void test_to_unix(void **state)
{
    time_t out = 0;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(to_unix_cases) / sizeof(to_unix_cases[0]); i++) {
        const struct to_unix_case *c = &to_unix_cases[i];
        ASN1_TIME *t = mk(c->type, c->text);
        int frac = -1, ok = sb_asn1_time_to_unix(t, &out, c->want_frac >= 0 ? &frac : NULL);

        if (ok != c->want_ok || (c->check_time && out != c->want_time) || (c->want_frac >= 0 && frac != c->want_frac)) {
            fail_msg("%s: got ok %d, %lld, frac %d; want ok %d, %lld, frac %d", c->text, ok, (long long)out, frac,
                     c->want_ok, (long long)c->want_time, c->want_frac);
        }
        ASN1_STRING_free(t);
    }
    assert_int_equal(sb_asn1_time_to_unix(NULL, &out, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_zulu),
        cmocka_unit_test(test_rfc3339_offsets),
        cmocka_unit_test(test_rfc3339_fraction_truncated),
        cmocka_unit_test(test_rfc3339_leap_second),
        cmocka_unit_test(test_rfc3339_malformed),
        cmocka_unit_test(test_rfc3339_impossible_dates),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_well_formed_utctime),
        cmocka_unit_test(test_well_formed_generalizedtime),
        cmocka_unit_test(test_well_formed_high_bytes),
        cmocka_unit_test(test_to_unix),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
