/*
 * pki/base/name_table.c — value → name lookup (name_table.h).
 */
#include "pki/base/name_table.h"

const char *sb_name_of(const struct sb_name_row *rows, size_t n, int value, const char *unknown)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (rows[i].value == value) {
            return rows[i].name;
        }
    }
    return unknown;
}
