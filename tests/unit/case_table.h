/*
 * tests/unit/case_table.h — run a static table of cases as cmocka tests, one test per row, named by the row.
 *
 * A case table is a static array of structs whose first field is `const char *name`; one runner function
 * checks a row. ct_add() appends one cmocka test per row, so a failure names its row, and the count of
 * tests shows every row. cmocka hands a test its group's state whenever the group has a setup, which
 * would hide the row, so a file using tables runs its group without a group setup: each row's initial
 * state is a struct ct_run (the row and the file's fixture), and the file's per-test setup builds the
 * fixture once, lazily (the fixture lives in main, which frees it after the run). Include after <cmocka.h>.
 */
#ifndef SB_CASE_TABLE_H
#define SB_CASE_TABLE_H

#include <stddef.h>

#define CT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What a row's test receives as *state. */
struct ct_run {
    const void *row;   /* borrowed: one element of a static table */
    void *fx;          /* borrowed: the file's fixture, owned by main */
};

/*
 * Append one test per row of table (count rows of size bytes, each starting with its name) to tests at
 * *n; runs[i] is row i's state and must outlive the run. setup and teardown run around each row (NULL: none).
 */
static __attribute__((unused)) void ct_add(struct CMUnitTest *tests, size_t *n, struct ct_run *runs,
                                           const void *table, size_t size, size_t count, CMUnitTestFunction fn,
                                           CMFixtureFunction setup, CMFixtureFunction teardown, void *fx)
{
    size_t i;

    for (i = 0; i < count; i++) {
        const void *row = (const char *)table + i * size;

        runs[i].row = row;
        runs[i].fx = fx;
        tests[*n].name = *(const char *const *)row;
        tests[*n].test_func = fn;
        tests[*n].setup_func = setup;
        tests[*n].teardown_func = teardown;
        tests[*n].initial_state = &runs[i];
        (*n)++;
    }
}

#define CT_ADD(tests, n, runs, table, fn, setup, teardown, fx) \
    ct_add((tests), &(n), (runs), (table), sizeof((table)[0]), CT_COUNT(table), (fn), (setup), (teardown), (fx))

#endif
