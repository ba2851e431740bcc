/*
 * tests/unit/test_json_scan.c — the allocation-free JSON pre-scanner (pki/base/json_scan.h): a table of
 * inputs → first unknown member (name, byte offset) or end / not-an-object / syntax error (offset, line,
 * column, text); nesting at jansson's depth limit; long and escaped names; and agreement with jansson on
 * what is JSON (every table row and deterministic byte mutations of valid envelopes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pki/base/json_scan.h"
#include "case_table.h"

static const char *const gw[] = { "signature", "content", "digest", "sm2_id", NULL };

struct scan_case {
    const char *name;
    const char *in;
    enum sb_jscan_status want;
    const char *member;        /* MEMBER: the unknown name */
    size_t offset;             /* MEMBER: the name's offset; SYNTAX: the error's */
    size_t line, column;       /* SYNTAX */
    const char *error;         /* SYNTAX: a substring of the error text */
};

#define UNKNOWN(n, in, m, off) { n, in, SB_JSCAN_MEMBER, m, off, 0, 0, NULL }
#define OK(n, in) { n, in, SB_JSCAN_END, NULL, 0, 0, 0, NULL }
#define BAD(n, in, off, l, c, e) { n, in, SB_JSCAN_SYNTAX, NULL, off, l, c, e }

static const struct scan_case scan_cases[] = {
    OK("all members allowed", "{\"signature\":\"AAAA\",\"content\":\"\",\"sm2_id\":\"1234\"}"),
    OK("empty object", " { } "),
    OK("nested values skipped", "{\"digest\":{\"alg\":\"sha256\",\"value\":[1,-2.5e+3,true,false,null,{},[]]}}"),
    OK("white space everywhere", "\r\n\t{ \"signature\" : \"x\" ,\n \"content\" :\"y\" }\n"),
    OK("escaped name equal to an allowed one", "{\"\\u0073ignature\":\"x\",\"sm2\\u005fid\":\"\"}"),
    OK("escapes and UTF-8 in values", "{\"content\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 \xc3\xa9\xf0\x9f\x98\x80\"}"),
    OK("duplicate allowed members (jansson's to refuse)", "{\"signature\":\"a\",\"signature\":\"b\"}"),
    UNKNOWN("unknown first member", "{\"junk\":[[[1]]],\"signature\":\"x\"}", "junk", 1),
    UNKNOWN("unknown member after allowed ones", "{\"signature\":\"x\", \"contents\":\"eA==\"}", "contents", 18),
    UNKNOWN("unknown member last, after a syntax error would come", "{\"x\":1,", "x", 1),
    UNKNOWN("escaped unknown name is unescaped", "{\"sig\\u006eature2\":0}", "signature2", 1),
    UNKNOWN("name differing only by case", "{\"Signature\":\"x\"}", "Signature", 1),
    UNKNOWN("name with an embedded escape newline", "{\"a\\nb\":null}", "a\nb", 1),
    UNKNOWN("prefix of an allowed name", "{\"sig\":1}", "sig", 1),
    UNKNOWN("empty name", "{\"\":1}", "", 1),
    UNKNOWN("UTF-8 name", "{\"\xe7\xb0\xbd\xe5\x90\x8d\":1}", "\xe7\xb0\xbd\xe5\x90\x8d", 1),
    { "top-level array: not an object", " [1, {\"a\": 2}] ", SB_JSCAN_NOT_OBJECT, NULL, 0, 0, 0, NULL },
    BAD("top-level array with trailing garbage", "[1] x", 4, 1, 5, "end of input expected"),
    BAD("top-level string", "\"signature\"", 0, 1, 1, "'{' or '[' expected"),
    BAD("top-level number", "12", 0, 1, 1, "'{' or '[' expected"),
    BAD("empty input", "", 0, 1, 1, "'{' or '[' expected"),
    BAD("white space only", " \n ", 3, 2, 2, "'{' or '[' expected"),
    BAD("trailing garbage after the object", "{\"signature\":\"x\"} {}", 18, 1, 19, "end of input expected"),
    BAD("truncated after the name", "{\"signature\":", 13, 1, 14, "premature end of input"),
    BAD("truncated string", "{\"signature\":\"abc", 17, 1, 18, "premature end of input in a string"),
    BAD("missing colon", "{\"signature\" \"x\"}", 13, 1, 14, "':' expected"),
    BAD("trailing comma in the object", "{\"signature\":\"x\",}", 17, 1, 18, "member name"),
    BAD("trailing comma in an array", "{\"digest\":[1,]}", 13, 1, 14, "invalid token"),
    BAD("missing comma between members", "{\"signature\":\"x\" \"content\":\"\"}", 17, 1, 18, "',' or '}'"),
    BAD("mismatched bracket", "{\"digest\":[1}", 12, 1, 13, "',' or ']' expected"),
    BAD("unquoted name", "{signature:1}", 1, 1, 2, "member name"),
    BAD("single quotes", "{\"signature\":'x'}", 13, 1, 14, "invalid token"),
    BAD("bad literal", "{\"signature\":nul}", 13, 1, 14, "invalid token"),
    BAD("leading zero", "{\"signature\":01}", 14, 1, 15, "',' or '}'"),
    BAD("bare minus", "{\"signature\":-}", 14, 1, 15, "invalid number"),
    BAD("fraction without digits", "{\"signature\":1.}", 15, 1, 16, "invalid number"),
    BAD("exponent without digits", "{\"signature\":1e+}", 16, 1, 17, "invalid number"),
    BAD("raw control character in a string", "{\"signature\":\"a\tb\"}", 15, 1, 16, "control character"),
    BAD("invalid escape", "{\"signature\":\"\\x\"}", 14, 1, 15, "invalid escape"),
    BAD("short \\u escape", "{\"signature\":\"\\u12\"}", 14, 1, 15, "invalid \\u escape"),
    BAD("\\u0000 in a name", "{\"sig\\u0000\":1}", 5, 1, 6, "\\u0000"),
    BAD("\\u0000 in a value", "{\"signature\":\"\\u0000\"}", 14, 1, 15, "\\u0000"),
    BAD("lone high surrogate", "{\"signature\":\"\\ud800x\"}", 14, 1, 15, "surrogate"),
    BAD("lone low surrogate", "{\"signature\":\"\\udc00\"}", 14, 1, 15, "surrogate"),
    BAD("invalid UTF-8 byte", "{\"signature\":\"\xff\"}", 14, 1, 15, "invalid UTF-8"),
    BAD("overlong UTF-8", "{\"signature\":\"\xc0\xaf\"}", 14, 1, 15, "invalid UTF-8"),
    BAD("UTF-8 surrogate", "{\"signature\":\"\xed\xa0\x80\"}", 14, 1, 15, "invalid UTF-8"),
    BAD("truncated UTF-8", "{\"signature\":\"\xe7\xb0", 14, 1, 15, "invalid UTF-8"),
    BAD("error line and column counted in characters", "{\"content\":\"\xc3\xa9\",\n \"sm2_id\":\"\xc3\xa9\" x}", 32,
        2, 15, "',' or '}'"),
    BAD("BOM", "\xef\xbb\xbf{}", 0, 1, 1, "'{' or '[' expected"),
};

static void run_scan_case(void **state)
{
    const struct scan_case *c = ct_row(state);
    struct sb_jscan s;
    enum sb_jscan_status st = sb_jscan_first_unknown(&s, (const unsigned char *)c->in, strlen(c->in), gw);

    if (st != c->want) {
        fail_msg("%s: status %d, want %d (error '%s' at %zu)", c->name, (int)st, (int)c->want,
                 s.error != NULL ? s.error : "", s.offset);
    }
    if (st == SB_JSCAN_MEMBER) {
        assert_string_equal(s.name, c->member);
        assert_int_equal(s.name_len, strlen(c->member));
        assert_int_equal(s.name_offset, c->offset);
        assert_false(s.name_cut);
    }
    if (st == SB_JSCAN_SYNTAX) {
        assert_non_null(s.error);
        if (strstr(s.error, c->error) == NULL) {
            fail_msg("%s: error '%s', want '%s'", c->name, s.error, c->error);
        }
        assert_int_equal(s.offset, c->offset);
        assert_int_equal(s.line, c->line);
        assert_int_equal(s.column, c->column);
    }
    if (st != SB_JSCAN_MEMBER) {
        assert_int_equal(sb_jscan_next(&s), st);        /* an ended scan stays ended */
    }
}

/* What jansson says of in[0..len): 1 parses, 0 refused, -1 refused for a reason the scanner leaves to it. */
static int jansson_verdict(const char *in, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb(in, len, JSON_REJECT_DUPLICATES, &je);

    if (j != NULL) {
        json_decref(j);
        return 1;
    }
    if (strstr(je.text, "duplicate") != NULL || strstr(je.text, "too big") != NULL ||
        strstr(je.text, "overflow") != NULL) {
        return -1;
    }
    return 0;
}

/* 1 if the scanner walks all of in[0..len) to END or NOT_OBJECT. */
static int scanner_accepts(const char *in, size_t len)
{
    struct sb_jscan s;
    enum sb_jscan_status st;

    sb_jscan_init(&s, (const unsigned char *)in, len);
    while ((st = sb_jscan_next(&s)) == SB_JSCAN_MEMBER) {
    }
    return st == SB_JSCAN_END || st == SB_JSCAN_NOT_OBJECT;
}

static void test_table_agrees_with_jansson(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < CT_COUNT(scan_cases); i++) {
        const char *in = scan_cases[i].in;
        int j = jansson_verdict(in, strlen(in));

        if (j >= 0 && j != scanner_accepts(in, strlen(in))) {
            fail_msg("'%s': jansson %s, the scanner %s", scan_cases[i].name, j ? "parses" : "refuses",
                     j ? "refuses" : "accepts");
        }
    }
}

/* Byte mutations (deterministic LCG) of valid envelopes: the scanner accepts exactly what jansson parses,
 * duplicates and number range aside. */
static void test_mutations_agree_with_jansson(void **state)
{
    static const char *const seeds[] = {
        "{\"signature\":\"MIIB\",\"content\":\"eA==\",\"digest\":{\"alg\":\"sha256\",\"value\":\"00ff\"}}",
        "{\"hash\":\"q83v\",\"chain\":[\"a\",\"b\"],\"n\":[1,2.5,-3e2,true,false,null],\"s\":\"\\u00e9\\n\"}",
        "[{\"a\":[[],{}]},\"\xc3\xa9\",0]",
    };
    static const char alphabet[] = "{}[]\":,\\ \n0-1.eE+tfnu\"a\xc3\xa9\xff";
    char buf[256];
    unsigned long r = 12345;
    size_t i, k, n, agree = 0;

    (void)state;
    for (i = 0; i < 20000; i++) {
        const char *seed = seeds[i % CT_COUNT(seeds)];

        n = strlen(seed);
        memcpy(buf, seed, n);
        for (k = 0; k < 1 + i % 3; k++) {
            r = r * 6364136223846793005UL + 1442695040888963407UL;
            buf[(r >> 33) % n] = alphabet[(r >> 17) % (sizeof(alphabet) - 1)];
        }
        r = r * 6364136223846793005UL + 1442695040888963407UL;
        if ((r >> 40) % 4 == 0) {
            n = (r >> 20) % n;                                     /* and truncated */
        }
        {
            int j = jansson_verdict(buf, n);

            if (j < 0) {
                continue;
            }
            if (j != scanner_accepts(buf, n)) {
                fail_msg("mutation %zu '%.*s': jansson %s, the scanner does not", i, (int)n, buf,
                         j ? "parses" : "refuses");
            }
            agree++;
        }
    }
    assert_true(agree > 10000);
}

/* depth nested arrays as the value of member "x" (NUL-terminated, malloc). */
static char *nested(size_t depth)
{
    char *b = malloc(2 * depth + 16);
    size_t i, n = 0;

    assert_non_null(b);
    n += (size_t)sprintf(b, "{\"x\":");
    for (i = 0; i < depth; i++) {
        b[n++] = '[';
    }
    for (i = 0; i < depth; i++) {
        b[n++] = ']';
    }
    b[n++] = '}';
    b[n] = '\0';
    return b;
}

static void test_depth_limit_is_janssons(void **state)
{
    static const char *const x[] = { "x", NULL };
    char *ok = nested(SB_JSCAN_DEPTH_MAX - 1), *deep = nested(SB_JSCAN_DEPTH_MAX);
    struct sb_jscan s;

    (void)state;
    assert_int_equal(sb_jscan_first_unknown(&s, (unsigned char *)ok, strlen(ok), x), SB_JSCAN_END);
    assert_int_equal(jansson_verdict(ok, strlen(ok)), 1);
    assert_int_equal(sb_jscan_first_unknown(&s, (unsigned char *)deep, strlen(deep), x), SB_JSCAN_SYNTAX);
    assert_non_null(strstr(s.error, "depth"));
    assert_int_equal(s.offset, 5 + SB_JSCAN_DEPTH_MAX - 1);
    assert_int_equal(jansson_verdict(deep, strlen(deep)), 0);
    free(ok);
    free(deep);
}

static void test_long_name_is_cut_and_never_allowed(void **state)
{
    static const char *const allowed[] = {
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,   /* 64 bytes */
    };
    const char *in = "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1,"
                     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9\":2}";
    struct sb_jscan s;

    (void)state;
    assert_int_equal(sb_jscan_first_unknown(&s, (const unsigned char *)in, strlen(in), allowed), SB_JSCAN_MEMBER);
    assert_int_equal(s.count, 2);
    assert_true(s.name_cut);
    assert_int_equal(s.name_len, 63);        /* cut before the 2-byte character that would not fit */
    assert_int_equal(strlen(s.name), s.name_len);
    assert_int_equal(s.name_offset, 70);
}

static void test_members_in_order_with_value_spans(void **state)
{
    const char *in = "{ \"a\" : [1, {\"b\": \"}\"}] , \"c\":\"x\\\"y\" }";
    struct sb_jscan s;

    (void)state;
    sb_jscan_init(&s, (const unsigned char *)in, strlen(in));
    assert_int_equal(sb_jscan_next(&s), SB_JSCAN_MEMBER);
    assert_string_equal(s.name, "a");
    assert_int_equal(s.name_offset, 2);
    assert_memory_equal(in + s.value_offset, "[1, {\"b\": \"}\"}]", s.value_len);
    assert_int_equal(s.value_len, strlen("[1, {\"b\": \"}\"}]"));
    assert_int_equal(sb_jscan_next(&s), SB_JSCAN_MEMBER);
    assert_string_equal(s.name, "c");
    assert_memory_equal(in + s.value_offset, "\"x\\\"y\"", s.value_len);
    assert_int_equal(sb_jscan_next(&s), SB_JSCAN_END);
    assert_int_equal(s.count, 2);
    assert_int_equal(sb_jscan_next(&s), SB_JSCAN_END);
}

/* A NUL byte inside the buffer is no JSON (json_loadb reads it as a character). */
static void test_embedded_nul_byte(void **state)
{
    static const char in[] = "{\"signature\":\"a\0b\"}";
    struct sb_jscan s;

    (void)state;
    assert_int_equal(sb_jscan_first_unknown(&s, (const unsigned char *)in, sizeof(in) - 1, gw), SB_JSCAN_SYNTAX);
    assert_int_equal(s.offset, 15);
    assert_int_equal(jansson_verdict(in, sizeof(in) - 1), 0);
    assert_int_equal(sb_jscan_first_unknown(&s, (const unsigned char *)"{}\0", 3, gw), SB_JSCAN_SYNTAX);
    assert_int_equal(sb_jscan_first_unknown(&s, NULL, 0, gw), SB_JSCAN_SYNTAX);
}

static void noop(void *fx)
{
    (void)fx;
}

int main(void)
{
    static const struct ct_fn fns[] = {
        CT_FN(test_table_agrees_with_jansson),
        CT_FN(test_mutations_agree_with_jansson),
        CT_FN(test_depth_limit_is_janssons),
        CT_FN(test_long_name_is_cut_and_never_allowed),
        CT_FN(test_members_in_order_with_value_spans),
        CT_FN(test_embedded_nul_byte),
    };
    static const struct ct_table tables[] = {
        CT_TABLE(scan_cases, run_scan_case),
    };
    const struct ct_fixture fixture = { NULL, noop, noop };

    return ct_main("test_json_scan", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
