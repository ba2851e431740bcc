/*
 * tests/unit/test_base64.c — strict base64 decoding and encoding (pki/base/base64.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pki/base/base64.h"

/* Decode s and expect status want; on OK, expect the bytes exp[0..exp_len). */
static void expect_decode(const char *s, size_t max, enum sb_b64_status want, const char *exp, size_t exp_len)
{
    unsigned char *out = (unsigned char *)"sentinel";
    size_t len = 77, at = 0;
    enum sb_b64_status st = sb_base64_decode(s, strlen(s), max, &out, &len, &at);

    if (st != want) {
        fail_msg("'%s': status %d, want %d", s, (int)st, (int)want);
    }
    if (want != SB_B64_OK) {
        assert_null(out);
        assert_int_equal(len, 0);
        return;
    }
    assert_int_equal(len, exp_len);
    assert_memory_equal(out, exp, exp_len);
    OPENSSL_free(out);
}

static void test_base64_decode_rfc4648_vectors(void **state)
{
    (void)state;
    expect_decode("Zg==", 64, SB_B64_OK, "f", 1);
    expect_decode("Zm8=", 64, SB_B64_OK, "fo", 2);
    expect_decode("Zm9v", 64, SB_B64_OK, "foo", 3);
    expect_decode("Zm9vYg==", 64, SB_B64_OK, "foob", 4);
    expect_decode("Zm9vYmE=", 64, SB_B64_OK, "fooba", 5);
    expect_decode("Zm9vYmFy", 64, SB_B64_OK, "foobar", 6);
    expect_decode("AP8=", 64, SB_B64_OK, "\x00\xff", 2);
}

static void test_base64_decode_ignores_white_space(void **state)
{
    (void)state;
    expect_decode(" Zm9v\r\n YmFy\t", 64, SB_B64_OK, "foobar", 6);
    expect_decode("Zm\n9v\nYg\n==\n", 64, SB_B64_OK, "foob", 4);
}

static void test_base64_decode_refuses_bad_characters(void **state)
{
    unsigned char *out = NULL;
    size_t len = 0, at = 99;

    (void)state;
    expect_decode("Zm9v!mFy", 64, SB_B64_BAD_CHAR, NULL, 0);
    expect_decode("Zm9v-_Fy", 64, SB_B64_BAD_CHAR, NULL, 0);     /* base64url is not base64 */
    assert_int_equal(sb_base64_decode("Zm 9\xc3\xa9", 7, 64, &out, &len, &at), SB_B64_BAD_CHAR);
    assert_int_equal(at, 4);                                      /* offset in the input, spaces counted */
    assert_int_equal(sb_base64_decode("Zg==Zg==", 8, 64, &out, &len, &at), SB_B64_AFTER_PAD);
    assert_int_equal(at, 4);
    expect_decode("Z=g=", 64, SB_B64_AFTER_PAD, NULL, 0);
}

static void test_base64_decode_refuses_bad_lengths(void **state)
{
    (void)state;
    expect_decode("", 64, SB_B64_EMPTY, NULL, 0);
    expect_decode(" \n ", 64, SB_B64_EMPTY, NULL, 0);
    expect_decode("Zm9", 64, SB_B64_BAD_LENGTH, NULL, 0);
    expect_decode("Zm9vY", 64, SB_B64_BAD_LENGTH, NULL, 0);
    expect_decode("Z===", 64, SB_B64_BAD_LENGTH, NULL, 0);        /* three '=' */
    expect_decode("====", 64, SB_B64_BAD_LENGTH, NULL, 0);
}

static void test_base64_decode_max(void **state)
{
    (void)state;
    expect_decode("Zm9vYmFy", 6, SB_B64_OK, "foobar", 6);
    expect_decode("Zm9vYmFy", 5, SB_B64_TOO_LONG, NULL, 0);
    expect_decode("Zm9vYg==", 4, SB_B64_OK, "foob", 4);          /* padding does not count */
}

static void test_base64_encode_round_trip(void **state)
{
    static const unsigned char bin[] = { 0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0xff };
    unsigned char *back = NULL;
    size_t n, len = 0;
    char *s;

    (void)state;
    for (n = 0; n <= sizeof(bin); n++) {
        assert_non_null(s = sb_base64_encode(bin, n));
        assert_int_equal(strlen(s), (n + 2) / 3 * 4);
        if (n == 0) {
            assert_string_equal(s, "");
        } else {
            assert_int_equal(sb_base64_decode(s, strlen(s), n, &back, &len, NULL), SB_B64_OK);
            assert_int_equal(len, n);
            assert_memory_equal(back, bin, n);
            OPENSSL_free(back);
        }
        OPENSSL_free(s);
    }
    assert_non_null(s = sb_base64_encode((const unsigned char *)"foobar", 6));
    assert_string_equal(s, "Zm9vYmFy");
    OPENSSL_free(s);
}

/* Our decoder against OpenSSL's encoder, on random bytes of every length up to 600, also with the text wrapped
 * every 64 characters (CR LF) as PEM and XML producers do. */
static void test_base64_decode_matches_openssl(void **state)
{
    unsigned char bin[600], *back = NULL;
    char text[1000], wrapped[1100];
    size_t n, len, i, w;
    int tl;

    (void)state;
    for (n = 1; n <= sizeof(bin); n++) {
        assert_int_equal(RAND_bytes(bin, (int)n), 1);
        tl = EVP_EncodeBlock((unsigned char *)text, bin, (int)n);
        assert_int_equal(sb_base64_decode(text, (size_t)tl, n, &back, &len, NULL), SB_B64_OK);
        assert_int_equal(len, n);
        assert_memory_equal(back, bin, n);
        OPENSSL_free(back);
        for (i = 0, w = 0; i < (size_t)tl; i++) {
            wrapped[w++] = text[i];
            if (i % 64 == 63) {
                wrapped[w++] = '\r';
                wrapped[w++] = '\n';
            }
        }
        assert_int_equal(sb_base64_decode(wrapped, w, n, &back, &len, NULL), SB_B64_OK);
        assert_int_equal(len, n);
        assert_memory_equal(back, bin, n);
        OPENSSL_free(back);
        assert_int_equal(sb_base64_decode(text, (size_t)tl, n - 1, &back, &len, NULL), SB_B64_TOO_LONG);
        assert_null(back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_decode_rfc4648_vectors),
        cmocka_unit_test(test_base64_decode_ignores_white_space),
        cmocka_unit_test(test_base64_decode_refuses_bad_characters),
        cmocka_unit_test(test_base64_decode_refuses_bad_lengths),
        cmocka_unit_test(test_base64_decode_max),
        cmocka_unit_test(test_base64_encode_round_trip),
        cmocka_unit_test(test_base64_decode_matches_openssl),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
