/*
 * tests/unit/test_canon_request.c — the canonical request of bound proxy routes (gateway/daemon/canon_request.h):
 * the exact bytes of README's example (full bind, LF-separated, no trailing LF), subsets in the fixed order
 * with @signature-params following them, control bytes and empty bound values refused, unbound values
 * ignored; and the IMF-fixdate parser (exact form, weekday fitting the date, impossible dates, other forms).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "gateway/daemon/canon_request.h"
#include "gateway/daemon/config.h"

static void body_digest(struct sbgw_canon_in *in, const char *body)
{
    unsigned int n = 0;

    assert_int_equal(EVP_Digest(body, strlen(body), in->body_sha256, &n, EVP_sha256(), NULL), 1);
}

static void test_canon_readme_example(void **state)
{
    struct sbgw_canon_in in = { .bind = SBGW_BIND_METHOD | SBGW_BIND_TARGET | SBGW_BIND_DATE, .method = "POST",
                                .target = "/contracts/accounts/42?action=close",
                                .date = "Mon, 07 Dec 2026 10:00:00 GMT" };
    const char *want = "\"@method\": POST\n"
                       "\"@target\": /contracts/accounts/42?action=close\n"
                       "\"date\": Mon, 07 Dec 2026 10:00:00 GMT\n"
                       "\"content-digest\": sha-256=:craauxkMVEnyjWWavhNaEz48+mLq6UjI1ZUTdMiJ36g=:\n"
                       "\"@signature-params\": (\"@method\" \"@target\" \"date\" \"content-digest\");alg=\"cms\"";
    char *out = NULL;
    size_t len = 0;

    (void)state;
    body_digest(&in, "{\"action\":\"close\",\"account\":42}\n");
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

static void test_canon_subsets_in_fixed_order(void **state)
{
    struct sbgw_canon_in in = { .bind = SBGW_BIND_TARGET, .method = "PUT", .target = "/a?b=c", .date = NULL };
    char *out = NULL;
    size_t len = 0;

    (void)state;
    body_digest(&in, "");
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_OK);
    assert_string_equal(out, "\"@target\": /a?b=c\n"
                             "\"content-digest\": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n"
                             "\"@signature-params\": (\"@target\" \"content-digest\");alg=\"cms\"");
    free(out);
    in.bind = SBGW_BIND_DATE | SBGW_BIND_METHOD;       /* bits, not list order: method comes first */
    in.date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_OK);
    assert_non_null(strstr(out, "\"@method\": PUT\n\"date\": Sun, 06 Nov 1994 08:49:37 GMT\n\"content-digest\""));
    assert_non_null(strstr(out, "(\"@method\" \"date\" \"content-digest\");alg=\"cms\""));
    assert_null(strstr(out, "@target"));
    free(out);
}

static void test_canon_bad_values(void **state)
{
    struct sbgw_canon_in in = { .bind = SBGW_BIND_METHOD | SBGW_BIND_TARGET, .method = "POST",
                                .target = "/a\n\"x\": y" };
    char *out = (char *)"x";
    size_t len = 1;

    (void)state;
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_BAD_VALUE);
    assert_null(out);
    in.target = "/a\rb";
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_BAD_VALUE);
    in.target = "";
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_BAD_VALUE);
    in.target = "/ok";
    in.bind |= SBGW_BIND_DATE;                          /* bound but missing */
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_BAD_VALUE);
    in.bind = SBGW_BIND_TARGET;                         /* unbound: ignored */
    in.method = "BAD\nMETHOD";
    assert_int_equal(sbgw_canon_request(&in, &out, &len), SBGW_CANON_OK);
    free(out);
}

static void test_imf_fixdate(void **state)
{
    time_t t = 0;

    (void)state;
    assert_true(sbgw_imf_fixdate_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    assert_int_equal(t, 784111777);
    assert_true(sbgw_imf_fixdate_parse("Mon, 07 Dec 2026 10:00:00 GMT", &t));
    assert_int_equal(t, 1796637600);
    assert_true(sbgw_imf_fixdate_parse("Thu, 29 Feb 2024 23:59:60 GMT", &t));   /* leap second: :59 */
    assert_int_equal(t, 1709251199);
    assert_false(sbgw_imf_fixdate_parse("Mon, 06 Nov 1994 08:49:37 GMT", &t));  /* it was a Sunday */
    assert_false(sbgw_imf_fixdate_parse("Sat, 31 Feb 2026 10:00:00 GMT", &t));
    assert_false(sbgw_imf_fixdate_parse("Sun, 06 Nov 1994 08:49:37 UTC", &t));
    assert_false(sbgw_imf_fixdate_parse("Sun, 6 Nov 1994 08:49:37 GMT", &t));
    assert_false(sbgw_imf_fixdate_parse("Sun, 06 Nov 1994 08:49:37 GMT ", &t));
    assert_false(sbgw_imf_fixdate_parse("sun, 06 nov 1994 08:49:37 GMT", &t));
    assert_false(sbgw_imf_fixdate_parse("Sun, 06 Nov 1994 24:00:00 GMT", &t));
    assert_false(sbgw_imf_fixdate_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t));
    assert_false(sbgw_imf_fixdate_parse("Sun Nov  6 08:49:37 1994", &t));
    assert_false(sbgw_imf_fixdate_parse("Sun, 06 Nov 1994 08:49:3x GMT", &t));
    assert_false(sbgw_imf_fixdate_parse("", &t));
    assert_false(sbgw_imf_fixdate_parse(NULL, &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canon_readme_example),
        cmocka_unit_test(test_canon_subsets_in_fixed_order),
        cmocka_unit_test(test_canon_bad_values),
        cmocka_unit_test(test_imf_fixdate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
