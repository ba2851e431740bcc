/*
 * tests/unit/test_slot_table.c — the direct-mapped striped table (pki/base/slot_table.h): sizing, slot
 * addressing, replacement in place, and destroy releasing every slot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "pki/base/slot_table.h"

struct slot {
    int *owned;                          /* what a slot holds */
    uint64_t key;
};

static int cleared;

static void slot_clear(void *p)
{
    struct slot *s = p;

    cleared++;
    free(s->owned);
}

static void test_slot_table_sizes(void **state)
{
    struct sb_slot_table t;

    (void)state;
    assert_int_equal(sb_slot_table_init(&t, 0, 1024, sizeof(struct slot)), 1);
    assert_int_equal(t.n, 64);           /* at least 64 */
    sb_slot_table_destroy(&t, slot_clear);
    assert_int_equal(sb_slot_table_init(&t, 100, 1024, sizeof(struct slot)), 1);
    assert_int_equal(t.n, 128);          /* rounded up to a power of two */
    sb_slot_table_destroy(&t, slot_clear);
    assert_int_equal(sb_slot_table_init(&t, 100000, 1024, sizeof(struct slot)), 1);
    assert_int_equal(t.n, 1024);         /* capped */
    assert_int_equal(sb_slot_table_index(&t, 1024 + 7), 7);
    sb_slot_table_destroy(&t, slot_clear);
}

static void test_slot_table_replace_and_destroy(void **state)
{
    struct sb_slot_table t;
    struct slot *s;
    uint64_t k;
    size_t i;

    (void)state;
    cleared = 0;
    assert_int_equal(sb_slot_table_init(&t, 64, 64, sizeof(struct slot)), 1);
    for (k = 0; k < 100; k++) {          /* keys 64.. collide with 0.. and replace them */
        i = sb_slot_table_index(&t, k);
        s = sb_slot_table_lock(&t, i);
        assert_ptr_equal(s, (struct slot *)(void *)t.slots + i);
        free(s->owned);
        s->owned = malloc(sizeof(int));
        s->key = k;
        sb_slot_table_unlock(&t, i);
    }
    s = sb_slot_table_lock(&t, sb_slot_table_index(&t, 3));
    assert_int_equal(s->key, 67);
    sb_slot_table_unlock(&t, sb_slot_table_index(&t, 3));
    s = sb_slot_table_lock(&t, sb_slot_table_index(&t, 40));
    assert_int_equal(s->key, 40);
    sb_slot_table_unlock(&t, sb_slot_table_index(&t, 40));
    sb_slot_table_destroy(&t, slot_clear);
    assert_int_equal(cleared, 64);       /* every slot, empty or not */
    assert_null(t.slots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_table_sizes),
        cmocka_unit_test(test_slot_table_replace_and_destroy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
