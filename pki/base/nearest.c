/*
 * pki/base/nearest.c — "did you mean" hints (nearest.h).
 */
#include "pki/base/nearest.h"

#include <string.h>
#include <strings.h>

#define HINT_MAX 64

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions: "fiel" is 1 from "file"). */
size_t sb_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t d[HINT_MAX + 1][HINT_MAX + 1];

    if (la > HINT_MAX || lb > HINT_MAX) {
        return (size_t)-1;
    }
    for (i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            size_t best = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);

            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

int sb_nearest_close_enough(const char *s, size_t d)
{
    size_t l = strlen(s);

    return d <= (l <= 4 ? 1 : l <= 9 ? 2 : l / 3);
}

const char *sb_nearest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t i, bd = (size_t)-1, d;

    for (i = 0; i < n; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            return names[i];
        }
        d = sb_edit_distance(s, names[i]);
        if (d < bd) {
            bd = d;
            best = names[i];
        }
    }
    return best != NULL && sb_nearest_close_enough(s, bd) ? best : NULL;
}
