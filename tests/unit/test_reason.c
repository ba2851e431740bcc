/*
 * tests/unit/test_reason.c — the reason table (pki/base/reason.h) and the error carrier (pki/base/err.h).
 *
 * The table drives CLI exit codes, JSON indications and HTTP statuses, so its rows must agree with
 * DESIGN §7: exit 0 ⇔ TOTAL_PASSED, 1 ⇔ TOTAL_FAILED, 3 ⇔ INDETERMINATE, 2 ⇔ no indication.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "pki/base/err.h"
#include "pki/base/reason.h"

static void test_names_unique_and_known(void **state)
{
    int i, j;

    (void)state;
    for (i = 0; i < SB_R__COUNT; i++) {
        const char *n = sb_reason_name((enum sb_reason)i);

        assert_non_null(n);
        assert_true(strlen(n) > 1);
        assert_string_not_equal(n, "UNKNOWN");
        assert_non_null(sb_reason_message((enum sb_reason)i));
        for (j = i + 1; j < SB_R__COUNT; j++) {
            assert_string_not_equal(n, sb_reason_name((enum sb_reason)j));
        }
    }
    assert_string_equal(sb_reason_name(SB_R_OK), "OK");
    assert_string_equal(sb_reason_name(SB_R_CHAIN_NO_ANCHOR), "CHAIN_NO_ANCHOR");
    assert_string_equal(sb_reason_name(SB_R_UNKNOWN_CRITICAL_EXT), "UNKNOWN_CRITICAL_EXT");
    assert_string_equal(sb_reason_name(SB_R_POLICY_PROCESSING), "POLICY_PROCESSING");
    assert_int_equal(SB_OK, SB_R_OK);
    assert_int_equal(SB_R_OK, 0);
}

static void test_rows_consistent(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < SB_R__COUNT; i++) {
        enum sb_reason r = (enum sb_reason)i;
        enum sb_indication ind = sb_reason_indication(r);
        const char *sub = sb_reason_subindication(r);
        int ex = sb_reason_exit_code(r), http = sb_reason_http_status(r);

        switch (ind) {
        case SB_IND_TOTAL_PASSED:
            assert_int_equal(ex, 0);
            assert_null(sub);
            assert_int_equal(http, 200);
            break;
        case SB_IND_TOTAL_FAILED:
            assert_int_equal(ex, 1);
            assert_non_null(sub);
            assert_int_equal(http, 200);
            break;
        case SB_IND_INDETERMINATE:
            assert_int_equal(ex, 3);
            assert_non_null(sub);
            assert_int_equal(http, 200);
            break;
        case SB_IND_NONE:
        default:
            assert_int_equal(ind, SB_IND_NONE);
            assert_int_equal(ex, 2);
            assert_null(sub);
            assert_true(http >= 400 && http <= 599);
            break;
        }
    }
}

static void test_specific_rows(void **state)
{
    (void)state;
    assert_int_equal(sb_reason_indication(SB_R_OK), SB_IND_TOTAL_PASSED);
    assert_null(sb_reason_subindication(SB_R_OK));

    assert_int_equal(sb_reason_indication(SB_R_SIG_CRYPTO), SB_IND_TOTAL_FAILED);
    assert_string_equal(sb_reason_subindication(SB_R_SIG_CRYPTO), "SIG_CRYPTO_FAILURE");
    /* DESIGN §7: a wrong SM2 ID is a SIG_CRYPTO_FAILURE, exit 1 */
    assert_string_equal(sb_reason_subindication(SB_R_SM2_ID_MISMATCH), "SIG_CRYPTO_FAILURE");
    assert_int_equal(sb_reason_exit_code(SB_R_SM2_ID_MISMATCH), 1);
    assert_string_equal(sb_reason_subindication(SB_R_REVOKED), "REVOKED");
    assert_int_equal(sb_reason_exit_code(SB_R_REVOKED), 1);
    assert_string_equal(sb_reason_subindication(SB_R_HASH_MISMATCH), "HASH_FAILURE");
    assert_string_equal(sb_reason_subindication(SB_R_FORMAT), "FORMAT_FAILURE");

    assert_string_equal(sb_reason_subindication(SB_R_CHAIN_NO_ANCHOR), "NO_CERTIFICATE_CHAIN_FOUND");
    assert_int_equal(sb_reason_exit_code(SB_R_CHAIN_NO_ANCHOR), 3);
    assert_string_equal(sb_reason_subindication(SB_R_CERT_EXPIRED), "OUT_OF_BOUNDS_NO_POE");
    assert_string_equal(sb_reason_subindication(SB_R_CERT_NOT_YET_VALID), "OUT_OF_BOUNDS_NO_POE");
    assert_string_equal(sb_reason_subindication(SB_R_WEAK_KEY), "CRYPTO_CONSTRAINTS_FAILURE");
    assert_string_equal(sb_reason_subindication(SB_R_WEAK_ALGORITHM), "CRYPTO_CONSTRAINTS_FAILURE");
    assert_string_equal(sb_reason_subindication(SB_R_PATH_LENGTH), "CHAIN_CONSTRAINTS_FAILURE");
    assert_string_equal(sb_reason_subindication(SB_R_REVOCATION_UNAVAILABLE), "TRY_LATER");
    assert_string_equal(sb_reason_subindication(SB_R_POLICY_PROCESSING), "POLICY_PROCESSING_ERROR");
    assert_string_equal(sb_reason_subindication(SB_R_SIGNED_DATA_NOT_FOUND), "SIGNED_DATA_NOT_FOUND");
    /* DESIGN §7: NO_SIGNING_CERTIFICATE_FOUND (3); a digest of another algorithm is still SIGNED_DATA_NOT_FOUND */
    assert_string_equal(sb_reason_name(SB_R_NO_SIGNING_CERTIFICATE_FOUND), "NO_SIGNING_CERTIFICATE_FOUND");
    assert_int_equal(sb_reason_indication(SB_R_NO_SIGNING_CERTIFICATE_FOUND), SB_IND_INDETERMINATE);
    assert_string_equal(sb_reason_subindication(SB_R_NO_SIGNING_CERTIFICATE_FOUND), "NO_SIGNING_CERTIFICATE_FOUND");
    assert_int_equal(sb_reason_exit_code(SB_R_NO_SIGNING_CERTIFICATE_FOUND), 3);
    assert_string_equal(sb_reason_name(SB_R_DIGEST_ALG_MISMATCH), "DIGEST_ALG_MISMATCH");
    assert_int_equal(sb_reason_indication(SB_R_DIGEST_ALG_MISMATCH), SB_IND_INDETERMINATE);
    assert_string_equal(sb_reason_subindication(SB_R_DIGEST_ALG_MISMATCH), "SIGNED_DATA_NOT_FOUND");
    assert_int_equal(sb_reason_exit_code(SB_R_DIGEST_ALG_MISMATCH), 3);

    assert_int_equal(sb_reason_exit_code(SB_R_USAGE), 2);
    assert_int_equal(sb_reason_exit_code(SB_R_INPUT_UNREADABLE), 2);
    assert_int_equal(sb_reason_exit_code(SB_R_INPUT_MALFORMED), 2);
    assert_int_equal(sb_reason_http_status(SB_R_INPUT_TOO_LARGE), 413);
    assert_int_equal(sb_reason_http_status(SB_R_INTERNAL), 500);
    assert_int_equal(sb_reason_http_status(SB_R_USAGE), 400);
    assert_string_equal(sb_reason_message(SB_R_OK), "validation passed");
}

static void test_indication_names(void **state)
{
    (void)state;
    assert_string_equal(sb_indication_name(SB_IND_TOTAL_PASSED), "TOTAL_PASSED");
    assert_string_equal(sb_indication_name(SB_IND_TOTAL_FAILED), "TOTAL_FAILED");
    assert_string_equal(sb_indication_name(SB_IND_INDETERMINATE), "INDETERMINATE");
    assert_null(sb_indication_name(SB_IND_NONE));
    assert_null(sb_indication_name((enum sb_indication)99));
}

static void test_out_of_range_fails_closed(void **state)
{
    enum sb_reason bad[] = { SB_R__COUNT, (enum sb_reason)(SB_R__COUNT + 7), (enum sb_reason)-1 };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_string_equal(sb_reason_name(bad[i]), "UNKNOWN");
        /* never "passed": the INTERNAL row */
        assert_int_equal(sb_reason_exit_code(bad[i]), 2);
        assert_int_equal(sb_reason_http_status(bad[i]), 500);
        assert_int_equal(sb_reason_indication(bad[i]), SB_IND_NONE);
        assert_null(sb_reason_subindication(bad[i]));
        assert_int_equal(sb_reason_severity(bad[i]), sb_reason_severity(SB_R_INTERNAL));
    }
}

static void test_severity_order(void **state)
{
    (void)state;
    /* passed < indeterminate < failed < error */
    assert_true(sb_reason_severity(SB_R_OK) < sb_reason_severity(SB_R_CHAIN_NO_ANCHOR));
    assert_true(sb_reason_severity(SB_R_CERT_EXPIRED) < sb_reason_severity(SB_R_SIG_CRYPTO));
    assert_true(sb_reason_severity(SB_R_REVOKED) < sb_reason_severity(SB_R_INPUT_MALFORMED));
    assert_int_equal(sb_reason_severity(SB_R_SM2_ID_MISMATCH), sb_reason_severity(SB_R_SIG_CRYPTO));
    assert_int_equal(sb_reason_severity(SB_R_CERT_EXPIRED), sb_reason_severity(SB_R_POLICY));
    assert_int_equal(sb_reason_severity(SB_R_USAGE), sb_reason_severity(SB_R_INTERNAL));
}

/* ---- err.h ------------------------------------------------------------------------------------ */

static void test_err_set_clear(void **state)
{
    struct sb_err e;

    (void)state;
    sb_err_clear(&e);
    assert_int_equal(e.reason, SB_OK);
    assert_string_equal(e.msg, "");
    assert_int_equal(sb_err_set(&e, SB_R_PATH_LENGTH, "cert %d of %s", 2, "chain"), SB_R_PATH_LENGTH);
    assert_int_equal(e.reason, SB_R_PATH_LENGTH);
    assert_string_equal(e.msg, "cert 2 of chain");
    /* NULL carrier: just returns the code */
    assert_int_equal(sb_err_set(NULL, SB_R_EKU, "x"), SB_R_EKU);
    sb_err_clear(NULL);
}

static void test_err_truncates(void **state)
{
    struct sb_err e;
    char big[2 * SB_ERR_MSG_MAX];

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(sb_err_set(&e, SB_R_INTERNAL, "%s", big), SB_R_INTERNAL);
    assert_int_equal(strlen(e.msg), SB_ERR_MSG_MAX - 1);
}

static void test_err_openssl_appends_and_clears(void **state)
{
    struct sb_err e;

    (void)state;
    ERR_clear_error();
    /* provoke an OpenSSL error: an unknown digest name */
    assert_null(EVP_MD_fetch(NULL, "no-such-digest", NULL));
    assert_true(ERR_peek_error() != 0);
    assert_int_equal(sb_err_openssl(&e, SB_R_INTERNAL, "fetch %s", "x"), SB_R_INTERNAL);
    assert_true(strncmp(e.msg, "fetch x (", 9) == 0);
    assert_int_equal(ERR_peek_error(), 0);

    /* empty queue: message only */
    assert_int_equal(sb_err_openssl(&e, SB_R_USAGE, "plain"), SB_R_USAGE);
    assert_string_equal(e.msg, "plain");

    /* NULL carrier still clears the queue */
    assert_null(EVP_MD_fetch(NULL, "no-such-digest", NULL));
    assert_int_equal(sb_err_openssl(NULL, SB_R_INTERNAL, "x"), SB_R_INTERNAL);
    assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_unique_and_known),
        cmocka_unit_test(test_rows_consistent),
        cmocka_unit_test(test_specific_rows),
        cmocka_unit_test(test_indication_names),
        cmocka_unit_test(test_out_of_range_fails_closed),
        cmocka_unit_test(test_severity_order),
        cmocka_unit_test(test_err_set_clear),
        cmocka_unit_test(test_err_truncates),
        cmocka_unit_test(test_err_openssl_appends_and_clears),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
