/*
 * pki/base/diag.c — the located-message list (diag.h).
 */
#include "pki/base/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sb_diag_init(struct sb_diag *d)
{
    memset(d, 0, sizeof(*d));
}

void sb_diag_clear(struct sb_diag *d)
{
    size_t i;

    if (d == NULL) {
        return;
    }
    for (i = 0; i < d->n; i++) {
        free(d->msgs[i]);
    }
    free(d->msgs);
    memset(d, 0, sizeof(*d));
}

void sb_diag_add(struct sb_diag *d, const char *fmt, ...)
{
    char buf[1024];
    char **grown;
    char *s;
    va_list ap;

    if (d == NULL) {
        return;
    }
    if (d->n >= SB_DIAG_MAX) {
        d->dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (d->n == d->alloc) {
        size_t na = d->alloc == 0 ? 16 : d->alloc * 2;

        if ((grown = realloc(d->msgs, na * sizeof(*grown))) == NULL) {
            d->dropped++;
            return;
        }
        d->msgs = grown;
        d->alloc = na;
    }
    if ((s = strdup(buf)) == NULL) {
        d->dropped++;
        return;
    }
    d->msgs[d->n++] = s;
}

void sb_diag_print(const struct sb_diag *d, FILE *f)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        fprintf(f, "%s\n", d->msgs[i]);
    }
    if (d->dropped > 0) {
        fprintf(f, "(%zu more errors not shown)\n", d->dropped);
    }
}
