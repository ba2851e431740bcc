/*
 * tests/unit/test_name_table.c — value → name lookup (pki/base/name_table.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pki/base/name_table.h"

static const struct sb_name_row sparse[] = {
    { -1, "minus one" }, { 0, "zero" }, { 8, "eight" }, { 1 << 20, "flag" }, { 8, "shadowed" },
};

static void test_name_of_found(void **state)
{
    (void)state;
    assert_string_equal(sb_name_of(SB_NAME_ROWS(sparse), -1, "?"), "minus one");
    assert_string_equal(sb_name_of(SB_NAME_ROWS(sparse), 0, "?"), "zero");
    assert_string_equal(sb_name_of(SB_NAME_ROWS(sparse), 1 << 20, "?"), "flag");
    assert_string_equal(sb_name_of(SB_NAME_ROWS(sparse), 8, "?"), "eight");   /* the first row wins */
}

static void test_name_of_unknown(void **state)
{
    (void)state;
    assert_string_equal(sb_name_of(SB_NAME_ROWS(sparse), 7, "unknown"), "unknown");
    assert_null(sb_name_of(SB_NAME_ROWS(sparse), 7, NULL));
    assert_null(sb_name_of(NULL, 0, 0, NULL));                                  /* an empty table */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_of_found),
        cmocka_unit_test(test_name_of_unknown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
