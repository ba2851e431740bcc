/*
 * tests/unit/case_table.h — run static tables of cases and plain test functions as one cmocka group, one
 * test per row, named by the row.
 *
 * A case table is a static array of structs whose first field is `const char *name`; one runner function
 * checks a row (ct_row(state) is the row). ct_main() lists one cmocka test per row, so a failure names
 * its row and the count of tests shows every row, plus the file's plain test functions. Every test gets
 * the file's fixture through ct_fx(state); the fixture is made once, by the first test's setup, and freed
 * after the run. (cmocka hands every test the group's state when the group has a setup, which would hide
 * the row; so the group has none and each test's initial state is a struct ct_run instead.)
 * Include after <cmocka.h>.
 */
#ifndef SB_CASE_TABLE_H
#define SB_CASE_TABLE_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define CT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The file's fixture: make() builds it on first use and does nothing after; release() frees what it holds. */
struct ct_fixture {
    void *fx;
    void (*make)(void *fx);
    void (*release)(void *fx);
};

/* What each test receives as *state. */
struct ct_run {
    const void *row;                 /* borrowed: one element of a static table; NULL for a plain test */
    const struct ct_fixture *fixture;
};

/* A plain test function. */
struct ct_fn {
    const char *name;
    CMUnitTestFunction fn;
};
#define CT_FN(f) { #f, f }

/* A case table and its runner. */
struct ct_table {
    const void *rows;
    size_t size, count;
    CMUnitTestFunction run;
};
#define CT_TABLE(rows, run) { (rows), sizeof((rows)[0]), CT_COUNT(rows), (run) }

/* The fixture of the running test. */
static __attribute__((unused)) void *ct_fx(void **state)
{
    const struct ct_run *run = *state;

    return run->fixture->fx;
}

/* The row of the running test (NULL in a plain test). */
static __attribute__((unused)) const void *ct_row(void **state)
{
    const struct ct_run *run = *state;

    return run->row;
}

static __attribute__((unused)) int ct_setup(void **state)
{
    const struct ct_run *run = *state;

    run->fixture->make(run->fixture->fx);
    return 0;
}

/*
 * Run the plain tests fns (nfns) and every row of tables (ntables) as the cmocka group name, with fixture;
 * returns the number of failed tests (cmocka's count), or 1 when out of memory.
 */
static __attribute__((unused)) int ct_main(const char *name, const struct ct_fn *fns, size_t nfns,
                                           const struct ct_table *tables, size_t ntables,
                                           const struct ct_fixture *fixture)
{
    struct CMUnitTest *tests;
    struct ct_run *runs;
    size_t i, j, n = nfns;
    int failed;

    for (i = 0; i < ntables; i++) {
        n += tables[i].count;
    }
    tests = calloc(n, sizeof(*tests));
    runs = calloc(n, sizeof(*runs));
    if (tests == NULL || runs == NULL) {
        fprintf(stderr, "%s: out of memory\n", name);
        free(tests);
        free(runs);
        return 1;
    }
    n = 0;
    for (i = 0; i < nfns; i++, n++) {
        runs[n].fixture = fixture;
        tests[n].name = fns[i].name;
        tests[n].test_func = fns[i].fn;
    }
    for (i = 0; i < ntables; i++) {
        for (j = 0; j < tables[i].count; j++, n++) {
            runs[n].row = (const char *)tables[i].rows + j * tables[i].size;
            runs[n].fixture = fixture;
            tests[n].name = *(const char *const *)runs[n].row;
            tests[n].test_func = tables[i].run;
        }
    }
    for (i = 0; i < n; i++) {
        tests[i].setup_func = ct_setup;
        tests[i].initial_state = &runs[i];
    }
    failed = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
    fixture->release(fixture->fx);
    free(tests);
    free(runs);
    return failed;
}

#endif
