/*
 * tests/unit/test_hex.c — lowercase hex encoding and decoding (pki/base/hex.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pki/base/hex.h"

static void test_hex_encode_lowercase(void **state)
{
    static const unsigned char d[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
    char buf[13];

    (void)state;
    assert_ptr_equal(sb_hex_encode(d, sizeof(d), buf, sizeof(buf)), buf);
    assert_string_equal(buf, "00017f80abff");
}

static void test_hex_encode_empty_input(void **state)
{
    char buf[4] = "xyz";

    (void)state;
    sb_hex_encode((const unsigned char *)"", 0, buf, sizeof(buf));
    assert_string_equal(buf, "");
}

static void test_hex_encode_cuts_whole_bytes(void **state)
{
    static const unsigned char d[] = { 0xde, 0xad, 0xbe, 0xef };
    char buf[8];

    (void)state;
    memset(buf, 'X', sizeof(buf));
    sb_hex_encode(d, sizeof(d), buf, 6);     /* room for 2 whole bytes and the NUL */
    assert_string_equal(buf, "dead");
    assert_int_equal(buf[6], 'X');           /* nothing written past len */
    sb_hex_encode(d, sizeof(d), buf, 2);     /* room for no whole byte */
    assert_string_equal(buf, "");
    buf[0] = 'Q';
    sb_hex_encode(d, sizeof(d), buf, 0);     /* len 0: nothing written */
    assert_int_equal(buf[0], 'Q');
}

static void test_hex_decode_round_trip(void **state)
{
    unsigned char out[8];
    size_t n = 0;

    (void)state;
    assert_int_equal(sb_hex_decode("00ff7Fab", out, sizeof(out), &n), 1);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "\x00\xff\x7f\xab", 4);
}

static void test_hex_decode_refuses_bad_text(void **state)
{
    unsigned char out[2];
    size_t n = 99;

    (void)state;
    assert_int_equal(sb_hex_decode("", out, sizeof(out), &n), 0);       /* empty */
    assert_int_equal(sb_hex_decode("abc", out, sizeof(out), &n), 0);    /* odd length */
    assert_int_equal(sb_hex_decode("zz", out, sizeof(out), &n), 0);     /* not hex */
    assert_int_equal(sb_hex_decode("0g", out, sizeof(out), &n), 0);
    assert_int_equal(sb_hex_decode("aabbcc", out, sizeof(out), &n), 0); /* over max */
    assert_int_equal(n, 99);                                           /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_encode_lowercase),
        cmocka_unit_test(test_hex_encode_empty_input),
        cmocka_unit_test(test_hex_encode_cuts_whole_bytes),
        cmocka_unit_test(test_hex_decode_round_trip),
        cmocka_unit_test(test_hex_decode_refuses_bad_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
