/*
 * pki/base/name_table.h — the names of enumerated values, from a table of (value, name) rows.
 *
 * How an enum, a flag or a sparse code becomes its name in messages and outputs: one const table of rows
 * per set of values and one lookup, not a switch per enum. Rows need no order and values need not be dense.
 * Pure; thread-safe.
 */
#ifndef SB_NAME_TABLE_H
#define SB_NAME_TABLE_H

#include <stddef.h>

struct sb_name_row {
    int value;
    const char *name;
};

/* rows and their count, for a table declared as an array. */
#define SB_NAME_ROWS(rows) (rows), (sizeof(rows) / sizeof((rows)[0]))

/* The name of the first row of rows[0..n) whose value is value; unknown (may be NULL) when none is. */
const char *sb_name_of(const struct sb_name_row *rows, size_t n, int value, const char *unknown);

#endif
