/*
 * tests/unit/test_http_parse.c — strict request framing (gateway/daemon/http_parse.h): the head scanner
 * (whole and byte by byte: the same result, errors before the end arrives, no rescanning), the head parser
 * (every refusal with its status code and the rule it names, and the accepted forms), and the chunked
 * decoder (whole, byte by byte and at random splits, pipelined bytes left unconsumed).
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
#include "gateway/daemon/http_parse.h"

#define R(s) s, sizeof(s) - 1
#define SCAN_MAX 8192
#define NONE (-2)            /* "do not check" for int expectations */

enum stage { OK, SCAN, PARSE };

struct head_case {
    const char *name;
    const char *raw;
    size_t len;
    enum stage stage;        /* OK: parsed; SCAN: head_scan refuses (early); PARSE: head_parse refuses */
    enum sbgw_http_error code;
    const char *msg;         /* substring of err.msg */
    /* OK rows */
    int method;              /* 0: not checked */
    const char *path, *query;  /* query "-" = must be NULL; NULL = not checked */
    long long cl;            /* NONE: not checked */
    int chunked, keep_alive, expect, minor;   /* NONE: not checked */
    const char *fname, *fvalue;
};

#define H11 " HTTP/1.1\r\nHost: example.com\r\n"
#define BAD(n, raw, st, c, m) { n, R(raw), st, SBGW_E_##c, m, 0, NULL, NULL, NONE, NONE, NONE, NONE, NONE, NULL, NULL }
#define GOOD(n, raw, meth, p, q, cl, ch, ka, ex, mi) \
    { n, R(raw), OK, 0, NULL, meth, p, q, cl, ch, ka, ex, mi, NULL, NULL }
#define GOODF(n, raw, f, v) { n, R(raw), OK, 0, NULL, 0, NULL, NULL, NONE, NONE, NONE, NONE, NONE, f, v }

static const struct head_case head_cases[] = {
    /* accepted */
    GOOD("ok_origin_query_split", "GET /a/b;p=1?x=1&y=%2F/?z" H11 "\r\n", SBGW_M_GET, "/a/b;p=1", "x=1&y=%2F/?z", -1,
         0, 1, 0, 1),
    GOOD("ok_origin_no_query", "GET /" H11 "\r\n", SBGW_M_GET, "/", "-", -1, 0, 1, 0, 1),
    GOOD("ok_origin_empty_query", "GET /p?" H11 "\r\n", SBGW_M_GET, "/p", "", -1, 0, 1, 0, 1),
    GOOD("ok_leading_crlfs", "\r\n\r\nGET /x" H11 "\r\n", SBGW_M_GET, "/x", "-", -1, 0, 1, 0, 1),
    GOOD("ok_eight_leading_crlfs", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET /x" H11 "\r\n", SBGW_M_GET, "/x", "-", -1, 0,
         1, 0, 1),
    GOOD("ok_absolute_form", "GET http://example.com:8080/p/q?k=v" H11 "\r\n", SBGW_M_GET, "/p/q", "k=v", -1, 0, 1, 0,
         1),
    GOOD("ok_absolute_form_https_upper_empty_path", "GET HTTPS://Example.com?q=1" H11 "\r\n", SBGW_M_GET, "/", "q=1",
         -1, 0, 1, 0, 1),
    GOOD("ok_absolute_form_bare_authority", "GET http://[::1]:8443" H11 "\r\n", SBGW_M_GET, "/", "-", -1, 0, 1, 0, 1),
    GOOD("ok_http10_no_host_closes", "GET / HTTP/1.0\r\n\r\n", SBGW_M_GET, "/", "-", -1, 0, 0, 0, 0),
    GOOD("ok_http10_keep_alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", SBGW_M_GET, "/", "-", -1, 0, 1,
         0, 0),
    GOOD("ok_http10_keep_alive_and_close", "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
         SBGW_M_GET, "/", "-", -1, 0, 0, 0, 0),
    GOOD("ok_http11_close_in_list", "GET /" H11 "Connection: foo , CLOSE\r\n\r\n", SBGW_M_GET, "/", "-", -1, 0, 0, 0,
         1),
    GOOD("ok_http11_close_second_field", "GET /" H11 "Connection: foo\r\nConnection: close\r\n\r\n", SBGW_M_GET, "/",
         "-", -1, 0, 0, 0, 1),
    GOOD("ok_http11_closed_not_close", "GET /" H11 "Connection: closed, x-close\r\n\r\n", SBGW_M_GET, "/", "-", -1,
         0, 1, 0, 1),
    GOOD("ok_expect_100_continue", "POST /v" H11 "Content-Length: 3\r\nExpect: 100-Continue\r\n\r\n", SBGW_M_POST,
         "/v", "-", 3, 0, 1, 1, 1),
    GOOD("ok_expect_ignored_in_http10", "POST /v HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
         SBGW_M_POST, "/v", "-", 3, 0, 0, 0, 0),
    GOOD("ok_head_with_content_length", "HEAD /r" H11 "Content-Length: 5\r\n\r\n", SBGW_M_HEAD, "/r", "-", 5, 0, 1,
         0, 1),
    GOOD("ok_content_length_zero", "POST /" H11 "Content-Length: 0\r\n\r\n", SBGW_M_POST, "/", "-", 0, 0, 1, 0, 1),
    GOOD("ok_content_length_leading_zeros", "POST /" H11 "Content-Length: 00000000000000000000007\r\n\r\n",
         SBGW_M_POST, "/", "-", 7, 0, 1, 0, 1),
    GOOD("ok_content_length_18_digits", "PUT /" H11 "Content-Length: 999999999999999999\r\n\r\n", SBGW_M_PUT, "/", "-",
         999999999999999999LL, 0, 1, 0, 1),
    GOOD("ok_content_length_saturates", "PUT /" H11 "Content-Length: 1000000000000000000000\r\n\r\n", SBGW_M_PUT, "/",
         "-", SBGW_HTTP_CL_HUGE, 0, 1, 0, 1),
    GOOD("ok_chunked", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n", SBGW_M_POST, "/", "-", -1, 1, 1, 0, 1),
    GOOD("ok_chunked_case_insensitive", "POST /" H11 "transfer-encoding:  ChunKed \r\n\r\n", SBGW_M_POST, "/", "-", -1,
         1, 1, 0, 1),
    GOOD("ok_options_asterisk", "OPTIONS *" H11 "\r\n", SBGW_M_OPTIONS, "*", "-", -1, 0, 1, 0, 1),
    GOOD("ok_connect_authority", "CONNECT example.com:443" H11 "\r\n", SBGW_M_CONNECT, "example.com:443", "-", -1, 0,
         1, 0, 1),
    GOOD("ok_other_method", "PROPFIND /d" H11 "\r\n", SBGW_M_OTHER, "/d", "-", -1, 0, 1, 0, 1),
    GOOD("ok_method_case_sensitive", "get /" H11 "\r\n", SBGW_M_OTHER, "/", "-", -1, 0, 1, 0, 1),
    GOOD("ok_delete_patch_trace", "PATCH /" H11 "\r\n", SBGW_M_PATCH, "/", "-", -1, 0, 1, 0, 1),
    GOODF("ok_value_ows_trimmed", "GET /" H11 "X-A: \t v  a \t\r\n\r\n", "x-a", "v  a"),
    GOODF("ok_value_empty", "GET /" H11 "X-Empty:\r\n\r\n", "X-EMPTY", ""),
    GOODF("ok_value_obs_text", "GET /" H11 "X-T: caf\xc3\xa9\r\n\r\n", "x-t", "caf\xc3\xa9"),
    GOODF("ok_host_ipv6_port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "host", "[::1]:8080"),
    GOODF("ok_first_of_repeated_field", "GET /" H11 "X-R: 1\r\nX-R: 2\r\n\r\n", "x-r", "1"),

    /* refused by head_scan, as soon as seen */
    BAD("scan_bare_lf_request_line", "GET / HTTP/1.1\nHost: h\r\n\r\n", SCAN, BAD_REQUEST, "bare LF in the header block"),
    BAD("scan_bare_lf_field", "GET /" H11 "X: y\nZ: w\r\n\r\n", SCAN, BAD_REQUEST, "bare LF in the header block"),
    BAD("scan_bare_lf_end", "GET /" H11 "X: y\n\n", SCAN, BAD_REQUEST, "bare LF"),
    BAD("scan_bare_cr", "GET / HTTP/1.1\rHost: h\r\n\r\n", SCAN, BAD_REQUEST, "bare CR in the header block"),
    BAD("scan_bare_cr_field", "GET /" H11 "X: a\rb\r\n\r\n", SCAN, BAD_REQUEST, "bare CR"),
    BAD("scan_nul_target", "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n", SCAN, BAD_REQUEST, "NUL byte"),
    BAD("scan_nul_value", "GET /" H11 "X: a\0b\r\n\r\n", SCAN, BAD_REQUEST, "NUL byte"),
    BAD("scan_obs_fold_sp", "GET /" H11 "X: a\r\n b\r\n\r\n", SCAN, BAD_REQUEST, "obs-fold"),
    BAD("scan_obs_fold_htab", "GET /" H11 "X: a\r\n\tb\r\n\r\n", SCAN, BAD_REQUEST, "obs-fold"),
    BAD("scan_ws_before_first_field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", SCAN, BAD_REQUEST, "obs-fold"),
    BAD("scan_ws_before_request_line", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", SCAN, BAD_REQUEST,
        "whitespace before the request line"),
    BAD("scan_ws_after_leading_crlf", "\r\n\tGET / HTTP/1.1\r\nHost: h\r\n\r\n", SCAN, BAD_REQUEST,
        "whitespace before the request line"),
    BAD("scan_nine_leading_crlfs", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET /" H11 "\r\n", SCAN, BAD_REQUEST,
        "more than 8 empty lines"),

    /* request line */
    BAD("version_http2_preface", "PRI * HTTP/2.0\r\n\r\n", PARSE, HTTP_VERSION_NOT_SUPPORTED, "HTTP/2.0"),
    BAD("version_1_2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", PARSE, HTTP_VERSION_NOT_SUPPORTED, "not supported"),
    BAD("version_0_9", "GET / HTTP/0.9\r\n\r\n", PARSE, HTTP_VERSION_NOT_SUPPORTED, "not supported"),
    BAD("version_3_0_before_target_checks", "GET * HTTP/3.0\r\n\r\n", PARSE, HTTP_VERSION_NOT_SUPPORTED,
        "not supported"),
    BAD("version_two_digit_minor", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "malformed HTTP version"),
    BAD("version_lowercase", "GET / http/1.1\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "malformed HTTP version"),
    BAD("version_missing", "GET /\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "no HTTP version"),
    BAD("version_trailing_space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "malformed HTTP version"),
    BAD("version_no_dot", "GET / HTTP/11\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "malformed HTTP version"),
    BAD("request_line_double_space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST,
        "empty request-target"),
    BAD("request_line_target_with_space", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST,
        "malformed HTTP version"),
    BAD("request_line_method_only", "GET\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "no request-target"),
    BAD("method_not_token", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "method is not a token"),
    BAD("method_tab_separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", PARSE, BAD_REQUEST, "method is not a token"),

    /* request-target */
    BAD("target_fragment", "GET /a#b" H11 "\r\n", PARSE, BAD_REQUEST, "fragment ('#')"),
    BAD("target_quote", "GET /a\"b" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x22"),
    BAD("target_lt", "GET /<" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x3c"),
    BAD("target_gt", "GET />" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x3e"),
    BAD("target_backslash", "GET /a\\b" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x5c"),
    BAD("target_caret", "GET /^" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x5e"),
    BAD("target_backtick", "GET /`" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x60"),
    BAD("target_brace_open", "GET /{" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x7b"),
    BAD("target_pipe", "GET /?a|b" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x7c"),
    BAD("target_brace_close", "GET /}" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x7d"),
    BAD("target_ctl", "GET /a\x01" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x01"),
    BAD("target_del", "GET /a\x7f" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x7f"),
    BAD("target_high_byte", "GET /caf\xc3\xa9" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0xc3"),
    BAD("target_bracket_in_path", "GET /[x]" H11 "\r\n", PARSE, BAD_REQUEST, "invalid character 0x5b"),
    BAD("target_bad_escape_not_hex", "GET /%zz" H11 "\r\n", PARSE, BAD_REQUEST, "bad percent-escape"),
    BAD("target_bad_escape_short", "GET /a%4" H11 "\r\n", PARSE, BAD_REQUEST, "bad percent-escape"),
    BAD("target_bad_escape_in_query", "GET /a?b=%" H11 "\r\n", PARSE, BAD_REQUEST, "bad percent-escape"),
    BAD("target_asterisk_not_options", "GET *" H11 "\r\n", PARSE, BAD_REQUEST, "asterisk-form"),
    BAD("target_authority_not_connect", "GET example.com:443" H11 "\r\n", PARSE, BAD_REQUEST,
        "authority-form request-target is only allowed with CONNECT"),
    BAD("target_connect_origin_form", "CONNECT /" H11 "\r\n", PARSE, BAD_REQUEST, "CONNECT requires an authority-form"),
    BAD("target_connect_absolute_form", "CONNECT http://example.com:443/" H11 "\r\n", PARSE, BAD_REQUEST,
        "CONNECT requires an authority-form"),
    BAD("target_connect_no_port", "CONNECT example.com" H11 "\r\n", PARSE, BAD_REQUEST,
        "CONNECT requires an authority-form"),
    BAD("target_relative", "GET a/b" H11 "\r\n", PARSE, BAD_REQUEST, "does not start with '/'"),
    BAD("target_not_a_scheme", "GET 1a:b" H11 "\r\n", PARSE, BAD_REQUEST, "does not start with '/'"),
    BAD("target_other_scheme", "GET ftp://example.com/" H11 "\r\n", PARSE, BAD_REQUEST, "scheme other than http"),
    BAD("target_absolute_empty_authority", "GET http:///p" H11 "\r\n", PARSE, BAD_REQUEST, "empty authority"),
    BAD("target_absolute_userinfo", "GET http://u@example.com/" H11 "\r\n", PARSE, BAD_REQUEST, "invalid authority"),
    BAD("target_absolute_fragment", "GET http://example.com/p#f" H11 "\r\n", PARSE, BAD_REQUEST, "fragment"),

    /* field lines */
    BAD("field_space_before_colon", "GET /" H11 "X-A : v\r\n\r\n", PARSE, BAD_REQUEST,
        "whitespace between a field name and its colon"),
    BAD("field_tab_before_colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", PARSE, BAD_REQUEST,
        "whitespace between a field name and its colon"),
    BAD("field_no_name", "GET /" H11 ": v\r\n\r\n", PARSE, BAD_REQUEST, "without a field name"),
    BAD("field_name_not_token", "GET /" H11 "X(A): v\r\n\r\n", PARSE, BAD_REQUEST, "field name is not a token"),
    BAD("field_no_colon", "GET /" H11 "NoColon\r\n\r\n", PARSE, BAD_REQUEST, "without a colon"),
    BAD("field_value_ctl", "GET /" H11 "X: a\x01" "b\r\n\r\n", PARSE, BAD_REQUEST, "control character"),
    BAD("field_value_del", "GET /" H11 "X: a\x7f\r\n\r\n", PARSE, BAD_REQUEST, "control character"),

    /* Host */
    BAD("host_missing_http11", "GET / HTTP/1.1\r\nX: y\r\n\r\n", PARSE, BAD_REQUEST, "without a Host field"),
    BAD("host_twice_http11", "GET /" H11 "Host: example.com\r\n\r\n", PARSE, BAD_REQUEST, "more than one Host"),
    BAD("host_twice_http10", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", PARSE, BAD_REQUEST, "more than one Host"),
    BAD("host_empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_at", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_comma", "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_bad_port", "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_port_six_digits", "GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_empty_port", "GET / HTTP/1.1\r\nHost: a:\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_no_name", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_ip_literal_bad_char", "GET / HTTP/1.1\r\nHost: [::g]\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_ip_literal_unterminated", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),
    BAD("host_ip_literal_empty", "GET / HTTP/1.1\r\nHost: []\r\n\r\n", PARSE, BAD_REQUEST, "invalid Host"),

    /* Content-Length */
    BAD("cl_plus", "POST /" H11 "Content-Length: +5\r\n\r\n", PARSE, BAD_REQUEST, "Content-Length is not 1*DIGIT"),
    BAD("cl_list", "POST /" H11 "Content-Length: 5, 5\r\n\r\n", PARSE, BAD_REQUEST, "Content-Length is not 1*DIGIT"),
    BAD("cl_trailing_junk", "POST /" H11 "Content-Length:  5x\r\n\r\n", PARSE, BAD_REQUEST,
        "Content-Length is not 1*DIGIT"),
    BAD("cl_empty", "POST /" H11 "Content-Length:\r\n\r\n", PARSE, BAD_REQUEST, "Content-Length is empty"),
    BAD("cl_negative", "POST /" H11 "Content-Length: -1\r\n\r\n", PARSE, BAD_REQUEST, "Content-Length is not 1*DIGIT"),
    BAD("cl_hex", "POST /" H11 "Content-Length: 0x5\r\n\r\n", PARSE, BAD_REQUEST, "Content-Length is not 1*DIGIT"),
    BAD("cl_duplicate_equal", "POST /" H11 "Content-Length: 5\r\ncontent-length: 5\r\n\r\n", PARSE, BAD_REQUEST,
        "duplicate Content-Length"),

    /* Transfer-Encoding */
    BAD("te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", PARSE, BAD_REQUEST,
        "Transfer-Encoding in an HTTP/1.0"),
    BAD("te_two_fields", "POST /" H11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", PARSE,
        BAD_REQUEST, "more than one Transfer-Encoding"),
    BAD("te_with_cl", "POST /" H11 "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", PARSE, BAD_REQUEST,
        "Transfer-Encoding with Content-Length"),
    BAD("te_gzip_only", "POST /" H11 "Transfer-Encoding: gzip\r\n\r\n", PARSE, BAD_REQUEST,
        "last transfer coding is not chunked"),
    BAD("te_chunked_then_gzip", "POST /" H11 "Transfer-Encoding: chunked, gzip\r\n\r\n", PARSE, BAD_REQUEST,
        "last transfer coding is not chunked"),
    BAD("te_empty", "POST /" H11 "Transfer-Encoding:\r\n\r\n", PARSE, BAD_REQUEST, "last transfer coding is not chunked"),
    BAD("te_not_a_list", "POST /" H11 "Transfer-Encoding: , chunked\r\n\r\n", PARSE, BAD_REQUEST,
        "not a list of transfer codings"),
    BAD("te_chunked_params", "POST /" H11 "Transfer-Encoding: chunked;q=1\r\n\r\n", PARSE, BAD_REQUEST,
        "chunked takes no parameters"),
    BAD("te_gzip_chunked", "POST /" H11 "Transfer-Encoding: gzip, chunked\r\n\r\n", PARSE, NOT_IMPLEMENTED,
        "only a single \"chunked\" coding"),
    BAD("te_param_then_chunked", "POST /" H11 "Transfer-Encoding: gzip ; q=1, chunked\r\n\r\n", PARSE,
        NOT_IMPLEMENTED, "only a single \"chunked\" coding"),
    BAD("te_chunked_chunked", "POST /" H11 "Transfer-Encoding: chunked, chunked\r\n\r\n", PARSE, NOT_IMPLEMENTED,
        "only a single \"chunked\" coding"),

    /* Expect, Content-Type, field count */
    BAD("expect_other", "POST /" H11 "Expect: bogus\r\n\r\n", PARSE, EXPECTATION_FAILED, "Expect other than 100"),
    BAD("expect_list", "POST /" H11 "Expect: 100-continue, x\r\n\r\n", PARSE, EXPECTATION_FAILED,
        "Expect other than 100"),
    BAD("expect_other_http10", "POST / HTTP/1.0\r\nExpect: foo\r\n\r\n", PARSE, EXPECTATION_FAILED,
        "Expect other than 100"),
    BAD("content_type_duplicate", "POST /" H11 "Content-Type: a/b\r\nContent-Type: a/b\r\n\r\n", PARSE, BAD_REQUEST,
        "duplicate Content-Type"),
};

/* Scan raw whole (max SCAN_MAX); the result, *head_len, err. */
static enum sbgw_hp_result scan_whole(const char *raw, size_t len, size_t *head_len, struct sbgw_http_err *err)
{
    size_t scanned = 0;

    return sbgw_http_head_scan(raw, len, SCAN_MAX, &scanned, head_len, err);
}

/*
 * Scan raw growing one byte at a time, the same buffer, *scanned carried over: INCOMPLETE until the
 * result; *at = the length at which it came; *scanned never moves back and lags the length by at most
 * one byte (a CR waiting for its LF), so nothing is scanned twice.
 */
static enum sbgw_hp_result scan_bytewise(const char *raw, size_t len, size_t *at, size_t *head_len,
                                         struct sbgw_http_err *err)
{
    size_t k, scanned = 0, prev = 0;
    enum sbgw_hp_result r = SBGW_HP_INCOMPLETE;

    for (k = 1; k <= len; k++) {
        r = sbgw_http_head_scan(raw, k, SCAN_MAX, &scanned, head_len, err);
        if (r != SBGW_HP_INCOMPLETE) {
            *at = k;
            return r;
        }
        assert_true(scanned >= prev);
        assert_true(scanned + 1 >= k && scanned <= k);
        prev = scanned;
    }
    *at = len;
    return r;
}

static void run_head_case(void **state)
{
    const struct head_case *c = ct_row(state);
    struct sbgw_http_err err, err2;
    struct sbgw_http_head h;
    size_t hl = 0, hl2 = 0, at = 0;
    enum sbgw_hp_result r, r2;
    const char *v;

    memset(&err, 0, sizeof(err));
    memset(&err2, 0, sizeof(err2));
    r = scan_whole(c->raw, c->len, &hl, &err);
    r2 = scan_bytewise(c->raw, c->len, &at, &hl2, &err2);
    assert_int_equal(r, r2);
    if (c->stage == SCAN) {
        assert_int_equal(r, SBGW_HP_ERROR);
        assert_int_equal(err.code, c->code);
        assert_non_null(strstr(err.msg, c->msg));
        assert_int_equal(err2.code, c->code);
        assert_string_equal(err.msg, err2.msg);
        assert_true(at < c->len);                    /* reported before the end of the head arrived */
        /* the parser refuses the same bytes on its own (defence in depth) */
        assert_int_equal(sbgw_http_head_parse(c->raw, c->len, &h, &err2), SBGW_HP_ERROR);
        assert_int_equal(err2.code, c->code);
        assert_null(h.storage);
        return;
    }
    assert_int_equal(r, SBGW_HP_DONE);
    assert_int_equal(hl, c->len);
    assert_int_equal(hl2, c->len);
    assert_int_equal(at, c->len);
    r = sbgw_http_head_parse(c->raw, hl, &h, &err);
    if (c->stage == PARSE) {
        if (r != SBGW_HP_ERROR) {
            sbgw_http_head_free(&h);
            fail_msg("%s: parsed, expected %s", c->name, c->msg);
        }
        assert_null(h.storage);
        if (err.code != c->code || strstr(err.msg, c->msg) == NULL) {
            fail_msg("%s: got %s \"%s\", expected %s \"%s\"", c->name, sbgw_http_error_name(err.code), err.msg,
                     sbgw_http_error_name(c->code), c->msg);
        }
        return;
    }
    if (r != SBGW_HP_DONE) {
        fail_msg("%s: refused: %s %s", c->name, sbgw_http_error_name(err.code), err.msg);
    }
    if (c->method != 0) {
        assert_int_equal(h.method, c->method);
    }
    if (c->path != NULL) {
        assert_string_equal(h.path, c->path);
    }
    if (c->query != NULL && strcmp(c->query, "-") == 0) {
        assert_null(h.query);
    } else if (c->query != NULL) {
        assert_non_null(h.query);
        assert_string_equal(h.query, c->query);
    }
    if (c->cl != NONE) {
        assert_int_equal(h.content_length, c->cl);
    }
    if (c->chunked != NONE) {
        assert_int_equal(h.chunked, c->chunked);
    }
    if (c->keep_alive != NONE) {
        assert_int_equal(h.keep_alive, c->keep_alive);
    }
    if (c->expect != NONE) {
        assert_int_equal(h.expect_continue, c->expect);
    }
    if (c->minor != NONE) {
        assert_int_equal(h.minor, c->minor);
    }
    if (c->fname != NULL) {
        v = sbgw_http_head_field(&h, c->fname);
        assert_non_null(v);
        assert_string_equal(v, c->fvalue);
    }
    sbgw_http_head_free(&h);
}

/* ---- plain head tests ------------------------------------------------------------------------------ */

static void test_head_fields_and_target_text(void **state)
{
    static const char raw[] = "\r\nPOST http://example.com/v1/verify?j=hk HTTP/1.1\r\nHost: gw:8080\r\n"
                              "Content-Type: application/cms\r\nContent-Length: 12\r\n\r\n";
    struct sbgw_http_head h;
    struct sbgw_http_err err;

    (void)state;
    assert_int_equal(sbgw_http_head_parse(raw, sizeof(raw) - 1, &h, &err), SBGW_HP_DONE);
    assert_string_equal(h.method_text, "POST");
    assert_string_equal(h.target, "http://example.com/v1/verify?j=hk");
    assert_string_equal(h.path, "/v1/verify");
    assert_string_equal(h.query, "j=hk");
    assert_int_equal(h.n_fields, 3);
    assert_string_equal(h.fields[0].name, "Host");
    assert_string_equal(h.fields[0].value, "gw:8080");
    assert_string_equal(sbgw_http_head_field(&h, "content-type"), "application/cms");
    assert_null(sbgw_http_head_field(&h, "Content-Encoding"));
    assert_false(sbgw_http_head_connection_has(&h, "close"));
    sbgw_http_head_free(&h);
    assert_null(h.storage);
    sbgw_http_head_free(&h);                    /* twice is harmless */
}

static void test_head_scan_pipelined_and_limits(void **state)
{
    static const char two[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    static const char head[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";       /* 28 bytes */
    struct sbgw_http_err err;
    size_t scanned = 0, hl = 0, k;

    (void)state;
    assert_int_equal(sbgw_http_head_scan(two, sizeof(two) - 1, SCAN_MAX, &scanned, &hl, &err), SBGW_HP_DONE);
    assert_int_equal(hl, sizeof(head) - 1);
    /* a head of exactly max bytes fits, even with more bytes (the body) behind it */
    scanned = 0;
    assert_int_equal(sbgw_http_head_scan(two, sizeof(two) - 1, sizeof(head) - 1, &scanned, &hl, &err), SBGW_HP_DONE);
    assert_int_equal(hl, sizeof(head) - 1);
    /* one byte less: 431 once more than max bytes are there, INCOMPLETE before */
    scanned = 0;
    for (k = 1; k <= sizeof(head) - 2; k++) {
        assert_int_equal(sbgw_http_head_scan(head, k, sizeof(head) - 2, &scanned, &hl, &err), SBGW_HP_INCOMPLETE);
    }
    assert_int_equal(sbgw_http_head_scan(head, sizeof(head) - 1, sizeof(head) - 2, &scanned, &hl, &err),
                     SBGW_HP_ERROR);
    assert_int_equal(err.code, SBGW_E_HEADERS_TOO_LARGE);
    assert_non_null(strstr(err.msg, "header block over"));
    /* a bare LF inside the first max bytes is still a 400, not a 431 */
    scanned = 0;
    assert_int_equal(sbgw_http_head_scan("GET /\nxxxxxxxxxxxxxxxxxxxx", 26, 10, &scanned, &hl, &err), SBGW_HP_ERROR);
    assert_int_equal(err.code, SBGW_E_BAD_REQUEST);
    /* a CR at the end waits for its next byte */
    scanned = 0;
    assert_int_equal(sbgw_http_head_scan("GET / HTTP/1.1\r", 15, SCAN_MAX, &scanned, &hl, &err), SBGW_HP_INCOMPLETE);
    assert_int_equal(scanned, 14);
    assert_int_equal(sbgw_http_head_scan("GET / HTTP/1.1\rX", 16, SCAN_MAX, &scanned, &hl, &err), SBGW_HP_ERROR);
    assert_non_null(strstr(err.msg, "bare CR"));
}

static void test_head_too_many_fields(void **state)
{
    char *raw = malloc(16384);
    struct sbgw_http_head h;
    struct sbgw_http_err err;
    size_t n, i;
    int fields;

    (void)state;
    assert_non_null(raw);
    for (fields = SBGW_HTTP_MAX_FIELDS; fields <= SBGW_HTTP_MAX_FIELDS + 1; fields++) {
        n = (size_t)snprintf(raw, 16384, "GET / HTTP/1.1\r\nHost: h\r\n");
        for (i = 1; i < (size_t)fields; i++) {
            n += (size_t)snprintf(raw + n, 16384 - n, "X-F%zu: %zu\r\n", i, i);
        }
        n += (size_t)snprintf(raw + n, 16384 - n, "\r\n");
        if (fields == SBGW_HTTP_MAX_FIELDS) {
            assert_int_equal(sbgw_http_head_parse(raw, n, &h, &err), SBGW_HP_DONE);
            assert_int_equal(h.n_fields, SBGW_HTTP_MAX_FIELDS);
            sbgw_http_head_free(&h);
        } else {
            assert_int_equal(sbgw_http_head_parse(raw, n, &h, &err), SBGW_HP_ERROR);
            assert_int_equal(err.code, SBGW_E_HEADERS_TOO_LARGE);
            assert_non_null(strstr(err.msg, "more than 100 header fields"));
        }
    }
    free(raw);
}

static void test_head_parse_refuses_unterminated(void **state)
{
    struct sbgw_http_head h;
    struct sbgw_http_err err;

    (void)state;
    assert_int_equal(sbgw_http_head_parse(R("GET / HTTP/1.1\r\nHost: h\r\n"), &h, &err), SBGW_HP_ERROR);
    assert_non_null(strstr(err.msg, "does not end with an empty line"));
    assert_int_equal(sbgw_http_head_parse(R("GET / HTTP/1.1\r\nHost: h\r\n\r\nX"), &h, &err), SBGW_HP_ERROR);
    assert_non_null(strstr(err.msg, "bytes after the end"));
    assert_int_equal(sbgw_http_head_parse("", 0, &h, &err), SBGW_HP_ERROR);
    assert_null(h.storage);
}

/* ---- chunked -------------------------------------------------------------------------------------- */

struct sinkbuf {
    char d[4096];
    size_t n;
    int refuse;
};

static int sink(void *arg, const char *p, size_t n)
{
    struct sinkbuf *b = arg;

    if (b->refuse) {
        return -1;
    }
    assert_true(n > 0 && b->n + n <= sizeof(b->d));
    memcpy(b->d + b->n, p, n);
    b->n += n;
    return 0;
}

struct chunk_case {
    const char *name;
    const char *raw;
    size_t len;
    enum sbgw_hp_result result;
    enum sbgw_http_error code;
    const char *msg;          /* error substring, or the decoded data for DONE rows */
    size_t tail;              /* DONE: bytes after the body, not consumed */
    unsigned long long max_body;   /* 0: 1 MiB */
    size_t max_trailer;       /* 0: 1024 */
};

#define CDONE(n, raw, data, tail) { n, R(raw), SBGW_HP_DONE, 0, data, tail, 0, 0 }
#define CBAD(n, raw, c, m) { n, R(raw), SBGW_HP_ERROR, SBGW_E_##c, m, 0, 0, 0 }
#define CBADL(n, raw, c, m, mb, mt) { n, R(raw), SBGW_HP_ERROR, SBGW_E_##c, m, 0, mb, mt }

static const struct chunk_case chunk_cases[] = {
    CDONE("chunk_one", "5\r\nhello\r\n0\r\n\r\n", "hello", 0),
    CDONE("chunk_several", "3\r\nabc\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n", "abcdef", 0),
    CDONE("chunk_empty_body", "0\r\n\r\n", "", 0),
    CDONE("chunk_upper_hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 0),
    CDONE("chunk_leading_zeros_16_digits", "000000000000000a\r\n0123456789\r\n00\r\n\r\n", "0123456789", 0),
    CDONE("chunk_ext_token", "5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello", 0),
    CDONE("chunk_ext_bws", "5 ;\tname = value ; flag\r\nhello\r\n0\r\n\r\n", "hello", 0),
    CDONE("chunk_ext_quoted", "5;a=\"q \\\" ;x\";b\r\nhello\r\n0\r\n\r\n", "hello", 0),
    CDONE("chunk_trailers", "5\r\nhello\r\n0\r\nX-Digest: sha-256=abc\r\nY:\r\nZ: \t v \r\n\r\n", "hello", 0),
    CDONE("chunk_pipelined_next_request", "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "hello", 27),
    CDONE("chunk_pipelined_after_trailer", "2\r\nhi\r\n0\r\nT: 1\r\n\r\nPOST", "hi", 4),
    CDONE("chunk_data_with_crlf_inside", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n", 0),
    CBAD("chunk_size_0x", "0x10\r\n0123456789abcdef\r\n0\r\n\r\n", BAD_REQUEST, "chunk size is not hexadecimal"),
    CBAD("chunk_size_plus", "+a\r\n0123456789\r\n0\r\n\r\n", BAD_REQUEST, "chunk size is not hexadecimal"),
    CBAD("chunk_size_leading_space", " a\r\n0123456789\r\n0\r\n\r\n", BAD_REQUEST, "chunk size is not hexadecimal"),
    CBAD("chunk_size_minus", "-1\r\nx\r\n0\r\n\r\n", BAD_REQUEST, "chunk size is not hexadecimal"),
    CBAD("chunk_size_empty", "\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "chunk size is not hexadecimal"),
    CBAD("chunk_size_17_digits", "00000000000000001\r\nx\r\n0\r\n\r\n", BAD_REQUEST, "more than 16 hex digits"),
    CBAD("chunk_size_trailing_space", "5 \r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "whitespace at the end"),
    CBAD("chunk_size_nul", "5\0\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "chunk size is not hexadecimal"),
    CBAD("chunk_ext_no_name", "5;\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "chunk extension name is not a token"),
    CBAD("chunk_ext_no_value", "5;a=\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "not a token or quoted-string"),
    CBAD("chunk_ext_unterminated_quote", "5;a=\"x\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "bad quoted-string"),
    CBAD("chunk_ext_quoted_ctl", "5;a=\"x\x01\"\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "bad quoted-string"),
    CBAD("chunk_ext_quoted_pair_ctl", "5;a=\"x\\\x01\"\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "bad quoted-string"),
    CBAD("chunk_ext_space_in_name", "5;a b\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "';' expected"),
    CBAD("chunk_ext_space_in_value", "5;a=b c\r\nhello\r\n0\r\n\r\n", BAD_REQUEST, "';' expected"),
    CBAD("chunk_bare_lf_size", "5\nhello\r\n0\r\n\r\n", BAD_REQUEST, "bare LF in a chunk-size line"),
    CBAD("chunk_bare_cr_size", "5\rhello\r\n0\r\n\r\n", BAD_REQUEST, "bare CR in a chunk-size line"),
    CBAD("chunk_data_overlong", "5\r\nhelloX\r\n0\r\n\r\n", BAD_REQUEST, "chunk data not followed by CRLF"),
    CBAD("chunk_data_bare_lf", "5\r\nhello\n0\r\n\r\n", BAD_REQUEST, "chunk data not followed by CRLF"),
    CBAD("chunk_data_cr_not_lf", "5\r\nhello\rX0\r\n\r\n", BAD_REQUEST, "chunk data not followed by CRLF"),
    CBAD("chunk_trailer_obs_fold", "0\r\nX: a\r\n b\r\n\r\n", BAD_REQUEST, "obs-fold"),
    CBAD("chunk_trailer_ws_colon", "0\r\nX : a\r\n\r\n", BAD_REQUEST, "whitespace between a field name and its colon"),
    CBAD("chunk_trailer_no_colon", "0\r\nX\r\n\r\n", BAD_REQUEST, "without a colon"),
    CBAD("chunk_trailer_no_name", "0\r\n: a\r\n\r\n", BAD_REQUEST, "without a field name"),
    CBAD("chunk_trailer_name_not_token", "0\r\nX(: a\r\n\r\n", BAD_REQUEST, "field name is not a token"),
    CBAD("chunk_trailer_name_bad_start", "0\r\n(X: a\r\n\r\n", BAD_REQUEST, "field name is not a token"),
    CBAD("chunk_trailer_bare_cr", "0\r\nX: a\rb\r\n\r\n", BAD_REQUEST, "bare CR in the trailer section"),
    CBAD("chunk_trailer_value_ctl", "0\r\nX: a\x01\r\n\r\n", BAD_REQUEST, "control character"),
    CBAD("chunk_trailer_bare_lf", "0\r\nX: a\n\r\n", BAD_REQUEST, "bare LF in the trailer section"),
    CBAD("chunk_end_bare_lf", "0\r\n\n", BAD_REQUEST, "bare LF in the trailer section"),
    CBAD("chunk_end_bare_cr", "0\r\n\rX", BAD_REQUEST, "bare CR at the end"),
    CBADL("chunk_trailer_over_max", "0\r\nX-Long: 123456\r\n\r\n", HEADERS_TOO_LARGE, "trailer section over 8 bytes",
          0, 8),
    CBADL("chunk_over_max_body_at_size_line", "b\r\n", BODY_TOO_LARGE, "over max_body", 10, 0),
    CBADL("chunk_over_max_body_cumulative", "5\r\nhello\r\n6\r\n", BODY_TOO_LARGE, "over max_body", 10, 0),
    CBADL("chunk_huge_size", "ffffffffffffffff\r\n", BODY_TOO_LARGE, "over max_body", 0, 0),
};

static enum sbgw_hp_result chunk_feed(struct sbgw_http_chunked *d, const struct chunk_case *c, const char *in,
                                      size_t n, struct sinkbuf *b, size_t *used, struct sbgw_http_err *err)
{
    return sbgw_http_chunked_feed(d, in, n, c->max_body != 0 ? c->max_body : 1024 * 1024,
                                  c->max_trailer != 0 ? c->max_trailer : 1024, sink, b, used, err);
}

/* Feed c->raw cut at the offsets cuts[0..ncuts) (ascending); the result, with *used of the last call summed. */
static enum sbgw_hp_result chunk_split(const struct chunk_case *c, const size_t *cuts, size_t ncuts,
                                       struct sinkbuf *b, size_t *consumed, struct sbgw_http_err *err)
{
    struct sbgw_http_chunked d;
    size_t start = 0, end, i, used = 0;
    enum sbgw_hp_result r = SBGW_HP_INCOMPLETE;

    memset(&d, 0, sizeof(d));
    memset(b, 0, sizeof(*b));
    *consumed = 0;
    for (i = 0; i <= ncuts && start < c->len; i++, start = end) {
        end = i < ncuts ? cuts[i] : c->len;
        if (end <= start) {
            end = start;
            continue;
        }
        r = chunk_feed(&d, c, c->raw + start, end - start, b, &used, err);
        *consumed += used;
        if (r != SBGW_HP_INCOMPLETE) {
            return r;
        }
        assert_int_equal(used, end - start);
    }
    return r;
}

static void check_chunk_outcome(const struct chunk_case *c, enum sbgw_hp_result r, const struct sinkbuf *b,
                                size_t consumed, const struct sbgw_http_err *err)
{
    if (r != c->result) {
        fail_msg("%s: result %d (%s), expected %d", c->name, r, r == SBGW_HP_ERROR ? err->msg : "", c->result);
    }
    if (c->result == SBGW_HP_DONE) {
        assert_int_equal(b->n, strlen(c->msg));
        assert_memory_equal(b->d, c->msg, b->n);
        if (consumed != c->len - c->tail) {
            fail_msg("%s: consumed %zu, expected %zu", c->name, consumed, c->len - c->tail);
        }
        return;
    }
    if (err->code != c->code || strstr(err->msg, c->msg) == NULL) {
        fail_msg("%s: got %s \"%s\", expected %s \"%s\"", c->name, sbgw_http_error_name(err->code), err->msg,
                 sbgw_http_error_name(c->code), c->msg);
    }
}

static void run_chunk_case(void **state)
{
    const struct chunk_case *c = ct_row(state);
    struct sinkbuf *b = malloc(sizeof(*b));
    struct sbgw_http_err err, err1;
    size_t consumed = 0, cuts[4096], i;
    enum sbgw_hp_result r;

    assert_non_null(b);
    memset(&err, 0, sizeof(err));
    /* whole */
    r = chunk_split(c, NULL, 0, b, &consumed, &err);
    check_chunk_outcome(c, r, b, consumed, &err);
    err1 = err;
    /* byte by byte */
    assert_true(c->len <= sizeof(cuts) / sizeof(cuts[0]));
    for (i = 0; i < c->len; i++) {
        cuts[i] = i + 1;
    }
    r = chunk_split(c, cuts, c->len, b, &consumed, &err);
    check_chunk_outcome(c, r, b, consumed, &err);
    if (r == SBGW_HP_ERROR) {
        assert_string_equal(err.msg, err1.msg);
    }
    free(b);
}

static void test_chunked_random_splits(void **state)
{
    static const struct chunk_case body = CDONE("random", "1a;ext=\"v\"\r\nabcdefghijklmnopqrstuvwxyz\r\n1\r\n!\r\n"
                                                          "3 ; x = y\r\n\r\n\r\r\n0;end\r\nT-1: a b\r\nT-2: c\r\n\r\n"
                                                          "NEXT", "abcdefghijklmnopqrstuvwxyz!\r\n\r", 4);
    struct sinkbuf *b = malloc(sizeof(*b));
    struct sbgw_http_err err;
    size_t cuts[16], consumed, n, i, j, t;
    unsigned long long x = 0x9e3779b97f4a7c15ULL;
    enum sbgw_hp_result r;
    int round;

    (void)state;
    assert_non_null(b);
    for (round = 0; round < 2000; round++) {
        n = (size_t)(round % 16);
        for (i = 0; i < n; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            cuts[i] = (size_t)((x >> 33) % (body.len + 1));
        }
        for (i = 1; i < n; i++) {                /* ascending */
            for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        }
        r = chunk_split(&body, cuts, n, b, &consumed, &err);
        check_chunk_outcome(&body, r, b, consumed, &err);
    }
    free(b);
}

static void test_chunked_long_line_and_sink(void **state)
{
    char line[SBGW_HTTP_CHUNK_LINE_MAX + 8];
    struct sbgw_http_chunked d;
    struct sbgw_http_err err;
    struct sinkbuf *b = calloc(1, sizeof(*b));
    size_t used;

    (void)state;
    assert_non_null(b);
    /* a size line of exactly SBGW_HTTP_CHUNK_LINE_MAX bytes is fine, one more is refused before its CRLF */
    memset(line, 'a', sizeof(line));
    memcpy(line, "1;", 2);
    memcpy(line + SBGW_HTTP_CHUNK_LINE_MAX, "\r\nx\r\n", 5);
    memset(&d, 0, sizeof(d));
    assert_int_equal(sbgw_http_chunked_feed(&d, line, SBGW_HTTP_CHUNK_LINE_MAX + 5, 100, 100, sink, b, &used, &err),
                     SBGW_HP_INCOMPLETE);
    assert_int_equal(b->n, 1);
    memset(line, 'a', sizeof(line));
    memcpy(line, "1;", 2);
    memset(&d, 0, sizeof(d));
    assert_int_equal(sbgw_http_chunked_feed(&d, line, SBGW_HTTP_CHUNK_LINE_MAX + 1, 100, 100, sink, b, &used, &err),
                     SBGW_HP_ERROR);
    assert_int_equal(err.code, SBGW_E_BAD_REQUEST);
    assert_non_null(strstr(err.msg, "chunk-size line longer than 1024 bytes"));
    /* a failed decoder stays failed */
    assert_int_equal(sbgw_http_chunked_feed(&d, "0\r\n\r\n", 5, 100, 100, sink, b, &used, &err), SBGW_HP_ERROR);
    /* the sink says stop: INTERNAL_ERROR */
    memset(&d, 0, sizeof(d));
    b->refuse = 1;
    assert_int_equal(sbgw_http_chunked_feed(&d, R("5\r\nhello\r\n0\r\n\r\n"), 100, 100, sink, b, &used, &err),
                     SBGW_HP_ERROR);
    assert_int_equal(err.code, SBGW_E_INTERNAL_ERROR);
    assert_non_null(strstr(err.msg, "sink"));
    /* a finished decoder consumes nothing more */
    memset(&d, 0, sizeof(d));
    b->refuse = 0;
    assert_int_equal(sbgw_http_chunked_feed(&d, R("0\r\n\r\nGET"), 100, 100, sink, b, &used, &err), SBGW_HP_DONE);
    assert_int_equal(used, 5);
    assert_int_equal(sbgw_http_chunked_feed(&d, R("GET"), 100, 100, sink, b, &used, &err), SBGW_HP_DONE);
    assert_int_equal(used, 0);
    /* exactly max_body is fine */
    memset(&d, 0, sizeof(d));
    b->n = 0;
    assert_int_equal(sbgw_http_chunked_feed(&d, R("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), 5, 0, sink, b, &used, &err),
                     SBGW_HP_DONE);
    assert_int_equal(b->n, 5);
    free(b);
}

static void fx_nothing(void *fx)
{
    (void)fx;
}

int main(void)
{
    const struct ct_fn fns[] = {
        CT_FN(test_head_fields_and_target_text),
        CT_FN(test_head_scan_pipelined_and_limits),
        CT_FN(test_head_too_many_fields),
        CT_FN(test_head_parse_refuses_unterminated),
        CT_FN(test_chunked_random_splits),
        CT_FN(test_chunked_long_line_and_sink),
    };
    const struct ct_table tables[] = {
        CT_TABLE(head_cases, run_head_case),
        CT_TABLE(chunk_cases, run_chunk_case),
    };
    int fx = 0;
    const struct ct_fixture fixture = { &fx, fx_nothing, fx_nothing };

    return ct_main("test_http_parse", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
