/*
 * pki/base/work_budget.c — a budget of work for one validation on an event loop (see work_budget.h).
 */
#include "pki/base/work_budget.h"

#include <stddef.h>

void sb_work_budget_init(struct sb_work_budget *b, long units)
{
    b->left = units;
    b->spent = 0;
}

int sb_work_budget_take(struct sb_work_budget *b, long units)
{
    if (b == NULL) {
        return 1;
    }
    if (b->spent || units > b->left) {
        b->spent = 1;
        return 0;
    }
    b->left -= units;
    return 1;
}

int sb_work_budget_spent(const struct sb_work_budget *b)
{
    return b != NULL && b->spent;
}
