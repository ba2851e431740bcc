/*
 * tests/unit/test_cert_format.c — certificate names, serials and fingerprints as text (pki/x509/cert_format.h):
 * RFC 2253 names with UTF-8 kept, lowercase hex serials without leading zeros ("-" when negative), SHA-256
 * fingerprints, cutting to the buffer, and the subject label for messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "pki/x509/cert_format.h"
#include "tests/unit/testcert.h"

struct fx {
    EVP_PKEY *key;
    X509 *root, *leaf;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
    }
    f->key = tc_key_ec();
    f->root = tc_root("Format Root", f->key);
    f->leaf = tc_leaf("leaf.example", f->key, f->root, f->key);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    X509_free(f->root);
    X509_free(f->leaf);
    EVP_PKEY_free(f->key);
    free(f);
    return 0;
}

/* A leaf with a given serial (hex, big-endian magnitude; negative when neg). */
static X509 *with_serial(struct fx *f, const char *hex, int neg)
{
    BIGNUM *bn = NULL;
    X509 *x = X509_dup(f->leaf);

    assert_non_null(x);
    assert_true(BN_hex2bn(&bn, hex) > 0);
    BN_set_negative(bn, neg);
    assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
    BN_free(bn);
    assert_true(X509_sign(x, f->key, EVP_sha256()) > 0);
    return tc_reparse(x);
}

static void test_serial_forms(void **state)
{
    struct fx *f = *state;
    char buf[128];
    X509 *x;

    x = with_serial(f, "80", 0); /* DER 02 02 00 80: no leading zero in the output */
    sb_certfmt_serial(x, buf, sizeof(buf));
    assert_string_equal(buf, "80");
    X509_free(x);
    x = with_serial(f, "0102030405060708090A0B0C0D0E0F1011121314", 0); /* 20 octets */
    sb_certfmt_serial(x, buf, sizeof(buf));
    assert_string_equal(buf, "0102030405060708090a0b0c0d0e0f1011121314");
    X509_free(x);
    x = with_serial(f, "7F", 1);
    sb_certfmt_serial(x, buf, sizeof(buf));
    assert_string_equal(buf, "-7f");
    X509_free(x);
    /* a short buffer truncates, never overflows */
    x = with_serial(f, "ABCDEF01", 0);
    sb_certfmt_serial(x, buf, 5);
    assert_string_equal(buf, "abcd");
    X509_free(x);
}

static void test_sha256(void **state)
{
    struct fx *f = *state;
    char buf[65], small[10];

    sb_certfmt_sha256(f->leaf, buf, sizeof(buf)); /* exactly 65 bytes, as documented */
    tc_assert_lower_hex(buf, 64);
    sb_certfmt_sha256(f->leaf, small, sizeof(small));
    assert_int_equal(strlen(small), 8);
    assert_memory_equal(small, buf, 8);
}

static void test_names_rfc2253(void **state)
{
    X509_NAME *n = X509_NAME_new();
    char buf[256];

    (void)state;
    assert_non_null(n);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"HK", -1, -1, 0), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Example, Ltd", -1, -1, 0),
                     1);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                                (const unsigned char *)"\xe9\xa6\x99\xe6\xb8\xaf", -1, -1, 0), 1);
    sb_certfmt_name(n, buf, sizeof(buf));
    /* RFC 2253: most specific RDN first, ',' separators, ',' escaped, UTF-8 kept as UTF-8 */
    assert_string_equal(buf, "CN=\xe9\xa6\x99\xe6\xb8\xaf,O=Example\\, Ltd,C=HK");
    sb_certfmt_name(n, buf, 8);
    assert_true(strlen(buf) <= 7);
    X509_NAME_free(n);

    n = X509_NAME_new();
    sb_certfmt_name(n, buf, sizeof(buf));
    assert_string_equal(buf, "");
    X509_NAME_free(n);
}

static void test_subject_label(void **state)
{
    struct fx *f = *state;
    X509_NAME *empty = X509_NAME_new();
    struct tc_spec s;
    char buf[64];
    X509 *x;

    assert_ptr_equal(sb_certfmt_subject(f->leaf, buf, sizeof(buf)), buf);
    assert_string_equal(buf, "CN=leaf.example,O=sigbridge tests");
    memset(&s, 0, sizeof(s));
    s.subject = empty;
    s.key = f->key;
    s.issuer = f->root;
    s.issuer_key = f->key;
    s.serial = 7;
    x = tc_make(&s);
    assert_string_equal(sb_certfmt_subject(x, buf, sizeof(buf)), "empty subject");
    X509_free(x);
    X509_NAME_free(empty);
}

static void test_integer(void **state)
{
    ASN1_INTEGER *ai = ASN1_INTEGER_new();
    char buf[16];

    (void)state;
    assert_non_null(ai);
    assert_int_equal(ASN1_INTEGER_set(ai, 0x1001), 1);
    sb_certfmt_integer(ai, buf, sizeof(buf));
    assert_string_equal(buf, "1001");
    assert_int_equal(ASN1_INTEGER_set(ai, -255), 1);
    sb_certfmt_integer(ai, buf, sizeof(buf));
    assert_string_equal(buf, "-ff");
    ASN1_INTEGER_free(ai);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial_forms),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_names_rfc2253),
        cmocka_unit_test(test_subject_label),
        cmocka_unit_test(test_integer),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
