/*
 * tests/unit/test_http_path.c — origin-form path normalisation (gateway/daemon/http_path.h): one row per
 * case, the normalised path or the refusal's message; RFC 3986 §5.2.4's own examples; the attacks of issue
 * 24 (dot-segments and their encodings escaping a route prefix, encoded separators, NUL, backslashes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_table.h"
#include "gateway/daemon/http_path.h"

struct path_case {
    const char *name;
    const char *in;
    const char *want;        /* the normalised path; NULL: refused */
    const char *msg;         /* refused: substring of the message */
};

#define OK(n, in, out) { n, in, out, NULL }
#define NO(n, in, m) { n, in, NULL, m }

static const struct path_case cases[] = {
    OK("root", "/", "/"),
    OK("plain", "/contracts/42", "/contracts/42"),
    OK("trailing_slash_kept", "/contracts/", "/contracts/"),
    OK("empty_segments_kept", "/a//b", "/a//b"),
    OK("dot_removed", "/a/./b", "/a/b"),
    OK("dot_at_end_leaves_slash", "/a/.", "/a/"),
    OK("dotdot_inside", "/contracts/a/../b", "/contracts/b"),
    OK("dotdot_at_end_leaves_slash", "/a/b/..", "/a/"),
    OK("dotdot_to_root", "/a/..", "/"),
    OK("dot_only", "/.", "/"),
    OK("escape_attack_normalised", "/contracts/../admin/secret", "/admin/secret"),
    OK("rfc3986_example_1", "/a/b/c/./../../g", "/a/g"),
    OK("rfc3986_example_2_mid_content", "/mid/content=5/../6", "/mid/6"),
    OK("dots_in_names_are_not_segments", "/a/..b/c./.../d", "/a/..b/c./.../d"),
    OK("dotdot_after_empty_segment", "/a//../b", "/a/b"),
    OK("unreserved_decoded", "/%63ontracts/%41%7a%30%2D%2E%5F%7E", "/contracts/Az0-._~"),
    OK("encoded_dots_are_dot_segments", "/contracts/%2e%2e/admin", "/admin"),
    OK("encoded_dot_upper", "/a/%2E/b", "/a/b"),
    OK("other_escapes_upper_hex", "/caf%c3%a9/%3f%20x", "/caf%C3%A9/%3F%20x"),
    OK("reserved_escapes_kept", "/a%3Bb/%40", "/a%3Bb/%40"),
    OK("sub_delims_kept", "/a;p=1,b/!$&'()*+:@", "/a;p=1,b/!$&'()*+:@"),
    NO("encoded_slash", "/contracts/..%2Fadmin", "encoded '/' (%2F)"),
    NO("encoded_slash_lower", "/a%2fb", "encoded '/' (%2F)"),
    NO("encoded_backslash", "/contracts/..%5cadmin", "encoded '\\' (%5C)"),
    NO("encoded_nul", "/a%00.txt", "encoded NUL (%00)"),
    NO("raw_backslash", "/contracts\\..\\admin", "'\\' in the path"),
    NO("dotdot_above_root", "/..", "climbs above '/'"),
    NO("dotdot_above_root_later", "/a/../../b", "climbs above '/'"),
    NO("encoded_dotdot_above_root", "/%2e%2e/etc/passwd", "climbs above '/'"),
    NO("bad_escape", "/a%zz", "bad percent-escape"),
    NO("short_escape", "/a%4", "bad percent-escape"),
    NO("space", "/a b", "invalid character 0x20"),
    NO("query_char", "/a?b", "invalid character 0x3f"),
    NO("not_origin_form", "contracts/x", "does not start with '/'"),
    NO("asterisk", "*", "does not start with '/'"),
};

static void run_case(void **state)
{
    const struct path_case *c = ct_row(state);
    char out[256], msg[160];
    int rc = sbgw_http_path_normalise(c->in, out, sizeof(out), msg, sizeof(msg));

    if (c->want != NULL) {
        if (rc != 0) {
            fail_msg("%s: refused: %s", c->in, msg);
        }
        assert_string_equal(out, c->want);
        assert_true(strlen(out) <= strlen(c->in));
    } else {
        assert_int_equal(rc, -1);
        if (strstr(msg, c->msg) == NULL) {
            fail_msg("%s: message '%s' does not contain '%s'", c->in, msg, c->msg);
        }
    }
}

/* Normalising a normalised path changes nothing. */
static void test_idempotent(void **state)
{
    char a[256], b[256];
    size_t i;

    (void)state;
    for (i = 0; i < CT_COUNT(cases); i++) {
        if (cases[i].want == NULL) {
            continue;
        }
        assert_int_equal(sbgw_http_path_normalise(cases[i].in, a, sizeof(a), NULL, 0), 0);
        assert_int_equal(sbgw_http_path_normalise(a, b, sizeof(b), NULL, 0), 0);
        assert_string_equal(a, b);
    }
}

/* An output buffer shorter than the input is refused, never overrun; exactly strlen + 1 is enough. */
static void test_buffer_bounds(void **state)
{
    char out[8], msg[64];

    (void)state;
    assert_int_equal(sbgw_http_path_normalise("/abcdefgh", out, sizeof(out), msg, sizeof(msg)), -1);
    assert_non_null(strstr(msg, "too long"));
    assert_int_equal(sbgw_http_path_normalise("/abcdef", out, sizeof(out), msg, sizeof(msg)), 0);
    assert_string_equal(out, "/abcdef");
}

/* Decoding alone keeps the dot-segments (what the spelling names) and refuses what normalising refuses. */
static void test_decode_only(void **state)
{
    char out[256], msg[160];

    (void)state;
    assert_int_equal(sbgw_http_path_decode("/contracts/%2e%2E/admin%2d%c3%a9", out, sizeof(out), msg, sizeof(msg)), 0);
    assert_string_equal(out, "/contracts/../admin-%C3%A9");
    assert_int_equal(sbgw_http_path_decode("/..", out, sizeof(out), msg, sizeof(msg)), 0);
    assert_string_equal(out, "/..");
    assert_int_equal(sbgw_http_path_decode("/a%2Fb", out, sizeof(out), msg, sizeof(msg)), -1);
    assert_non_null(strstr(msg, "encoded '/' (%2F)"));
}

static void fx_nothing(void *fx)
{
    (void)fx;
}

int main(void)
{
    const struct ct_fn fns[] = {
        CT_FN(test_idempotent),
        CT_FN(test_buffer_bounds),
        CT_FN(test_decode_only),
    };
    const struct ct_table tables[] = {
        CT_TABLE(cases, run_case),
    };
    int fx = 0;
    const struct ct_fixture fixture = { &fx, fx_nothing, fx_nothing };

    return ct_main("test_http_path", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
