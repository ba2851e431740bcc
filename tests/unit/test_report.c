/*
 * tests/unit/test_report.c — the JSON result of DESIGN §7 (pki/verdict/report.h): exact key set, null
 * subindication / reason when passed, lowercase hex serials and SHA-256 fingerprints in every chain entry
 * (the formats themselves: test_cert_format.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/verdict/report.h"
#include "pki/x509/cert_format.h"
#include "tests/unit/testcert.h"

struct fx {
    EVP_PKEY *key;
    X509 *root, *leaf;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct tc_spec s;

    if (f == NULL) {
        return -1;
    }
    f->key = tc_key_ec();
    f->root = tc_root("Report Root", f->key);
    s = tc_spec_of("leaf.example", f->key, f->root, f->key);
    s.serial = 0xABCDEF;
    f->leaf = tc_make(&s);
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

static void assert_keys(json_t *obj, const char *const *keys, size_t n)
{
    size_t i;

    assert_true(json_is_object(obj));
    assert_int_equal(json_object_size(obj), n);
    for (i = 0; i < n; i++) {
        if (json_object_get(obj, keys[i]) == NULL) {
            fail_msg("key '%s' missing", keys[i]);
        }
    }
}

static const char *str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void check_cert_entry(json_t *c, X509 *x)
{
    static const char *const keys[] = { "subject", "issuer", "serial", "sha256" };
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[65];
    int i;

    assert_keys(c, keys, 4);
    assert_int_equal(X509_digest(x, EVP_sha256(), md, &mdlen), 1);
    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    assert_string_equal(str(c, "sha256"), hex);
    tc_assert_lower_hex(str(c, "serial"), 0);
}

static void test_result_ok(void **state)
{
    static const char *const keys[] = { "valid", "indication", "subindication", "reason", "message",
                                        "validation_time", "chain" };
    struct fx *f = *state;
    STACK_OF(X509) *chain = tc_stack(f->leaf, f->root, NULL);
    json_t *j = sb_report_result(SB_OK, NULL, TC_T2024, chain), *arr;

    assert_non_null(j);
    assert_keys(j, keys, 7);
    assert_true(json_is_true(json_object_get(j, "valid")));
    assert_string_equal(str(j, "indication"), "TOTAL_PASSED");
    assert_true(json_is_null(json_object_get(j, "subindication")));
    assert_true(json_is_null(json_object_get(j, "reason")));
    assert_string_equal(str(j, "message"), "validation passed");
    assert_string_equal(str(j, "validation_time"), "2024-01-01T00:00:00Z");
    arr = json_object_get(j, "chain");
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 2);
    /* leaf → anchor */
    check_cert_entry(json_array_get(arr, 0), f->leaf);
    check_cert_entry(json_array_get(arr, 1), f->root);
    assert_string_equal(str(json_array_get(arr, 0), "subject"), "CN=leaf.example,O=sigbridge tests");
    assert_string_equal(str(json_array_get(arr, 0), "issuer"), "CN=Report Root,O=sigbridge tests");
    assert_string_equal(str(json_array_get(arr, 0), "serial"), "abcdef");
    assert_string_equal(str(json_array_get(arr, 1), "serial"), "01");
    json_decref(j);

    /* the serialisation is one JSON object with the literal nulls */
    j = sb_report_result(SB_OK, "", TC_T2024, NULL);
    {
        char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

        assert_non_null(text);
        assert_non_null(strstr(text, "\"subindication\":null"));
        assert_non_null(strstr(text, "\"reason\":null"));
        assert_non_null(strstr(text, "\"chain\":[]"));
        assert_non_null(strstr(text, "\"message\":\"validation passed\"")); /* "" → the table's */
        free(text);
    }
    json_decref(j);
    sk_X509_pop_free(chain, X509_free);
}

static void test_result_failures(void **state)
{
    struct fx *f = *state;
    STACK_OF(X509) *chain = tc_stack(f->leaf, NULL);
    json_t *j;

    j = sb_report_result(SB_R_CHAIN_NO_ANCHOR, "no path from CN=leaf", TC_T2024, NULL);
    assert_int_equal(json_object_size(j), 7);
    assert_true(json_is_false(json_object_get(j, "valid")));
    assert_string_equal(str(j, "indication"), "INDETERMINATE");
    assert_string_equal(str(j, "subindication"), "NO_CERTIFICATE_CHAIN_FOUND");
    assert_string_equal(str(j, "reason"), "CHAIN_NO_ANCHOR");
    assert_string_equal(str(j, "message"), "no path from CN=leaf");
    assert_true(json_is_array(json_object_get(j, "chain")));
    assert_int_equal(json_array_size(json_object_get(j, "chain")), 0);
    json_decref(j);

    j = sb_report_result(SB_R_SM2_ID_MISMATCH, NULL, TC_T2025, chain);
    assert_true(json_is_false(json_object_get(j, "valid")));
    assert_string_equal(str(j, "indication"), "TOTAL_FAILED");
    assert_string_equal(str(j, "subindication"), "SIG_CRYPTO_FAILURE");
    assert_string_equal(str(j, "reason"), "SM2_ID_MISMATCH");
    assert_string_equal(str(j, "message"), sb_reason_message(SB_R_SM2_ID_MISMATCH));
    assert_string_equal(str(j, "validation_time"), "2025-01-01T00:00:00Z");
    assert_int_equal(json_array_size(json_object_get(j, "chain")), 1);
    check_cert_entry(json_array_get(json_object_get(j, "chain"), 0), f->leaf);
    json_decref(j);

    j = sb_report_result(SB_R_CERT_EXPIRED, "expired", TC_T2025, NULL);
    assert_string_equal(str(j, "subindication"), "OUT_OF_BOUNDS_NO_POE");
    assert_string_equal(str(j, "reason"), "CERT_EXPIRED");
    json_decref(j);
    sk_X509_pop_free(chain, X509_free);
}

static void test_error_object(void **state)
{
    json_t *j, *e;

    (void)state;
    j = sb_report_error(SB_R_INPUT_MALFORMED, "x.pem: not PEM");
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 1);
    e = json_object_get(j, "error");
    assert_int_equal(json_object_size(e), 2);
    assert_string_equal(str(e, "code"), "INPUT_MALFORMED");
    assert_string_equal(str(e, "message"), "x.pem: not PEM");
    json_decref(j);
    j = sb_report_error(SB_R_USAGE, NULL);
    assert_string_equal(str(json_object_get(j, "error"), "message"), sb_reason_message(SB_R_USAGE));
    json_decref(j);
}

static void test_chain_array(void **state)
{
    struct fx *f = *state;
    STACK_OF(X509) *empty = sk_X509_new_null();
    json_t *a;

    a = sb_report_chain(NULL);
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
    a = sb_report_chain(empty);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
    a = sb_certfmt_json(f->root);
    check_cert_entry(a, f->root);
    assert_string_equal(str(a, "subject"), str(a, "issuer"));
    json_decref(a);
    sk_X509_free(empty);
}

/* A leaf whose subject is name (borrowed), otherwise like the fixture's. */
static X509 *with_subject(struct fx *f, const X509_NAME *name)
{
    struct tc_spec s = tc_spec_of(NULL, f->key, f->root, f->key);

    s.subject = name;
    s.serial = 9;
    return tc_make(&s);
}

/* The result must stay one valid JSON object whatever the certificate names hold: json_pack refuses
 * invalid UTF-8, and a NULL result would leave the CLI with nothing to print. */
static void assert_result_survives(struct fx *f, X509 *x)
{
    STACK_OF(X509) *chain = tc_stack(x, f->root, NULL);
    json_t *j = sb_report_result(SB_R_CHAIN_NO_ANCHOR, NULL, TC_T2024, chain), *c;

    assert_non_null(j);
    c = json_object_get(j, "chain");
    assert_int_equal(json_array_size(c), 2);
    assert_true(json_is_string(json_object_get(json_array_get(c, 0), "subject")));
    json_decref(j);
    assert_non_null(j = sb_certfmt_json(x));
    json_decref(j);
    sk_X509_pop_free(chain, X509_free);
}

static void test_long_utf8_subject_truncation(void **state)
{
    struct fx *f = *state;
    X509_NAME *n = X509_NAME_new();
    char ou[200];
    int i, k;
    X509 *x;

    /* 64 three-byte characters per OU (192 bytes), 6 OUs: the RFC 2253 text is > 1024 bytes and any
     * fixed-size cut lands inside a character for one of the offsets tried */
    assert_non_null(n);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"x", -1, -1, 0), 1);
    for (i = 0; i < 6; i++) {
        for (k = 0; k < 64; k++) {
            memcpy(ou + 3 * k, "\xe9\xa6\x99", 3);
        }
        ou[192] = '\0';
        assert_int_equal(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)ou, -1, -1, 0), 1);
    }
    for (i = 0; i < 3; i++) {
        /* shift the cut point by one byte each round */
        X509_NAME_ENTRY *e = X509_NAME_delete_entry(n, 0);
        char cn[4] = "xxx";

        X509_NAME_ENTRY_free(e);
        cn[i + 1] = '\0';
        assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, 0, 0), 1);
        x = with_subject(f, n);
        assert_result_survives(f, x);
        X509_free(x);
    }
    X509_NAME_free(n);
}

/* DESIGN §7: --json always prints exactly one JSON object, so a message that is not valid UTF-8 (e.g.
 * a certificate name cut inside a character by a fixed-size buffer) must not make the result NULL. */
static void test_result_with_non_utf8_message(void **state)
{
    json_t *j;

    (void)state;
    j = sb_report_result(SB_R_CERT_EXPIRED, "certificate 0 (CN=\xe8\xaf\x81\xe4", TC_T2024, NULL);
    assert_non_null(j);
    assert_true(json_is_string(json_object_get(j, "message")));
    assert_string_equal(str(j, "reason"), "CERT_EXPIRED");
    json_decref(j);
    j = sb_report_error(SB_R_INPUT_MALFORMED, "\xff\xfe.pem: not PEM");
    assert_non_null(j);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_ok),
        cmocka_unit_test(test_result_failures),
        cmocka_unit_test(test_error_object),
        cmocka_unit_test(test_chain_array),
        cmocka_unit_test(test_long_utf8_subject_truncation),
        cmocka_unit_test(test_result_with_non_utf8_message),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
