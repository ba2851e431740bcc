/*
 * pki/base/slot_table.c — direct-mapped slots with striped locks (slot_table.h).
 */
#include "pki/base/slot_table.h"

#include <stdlib.h>

int sb_slot_table_init(struct sb_slot_table *t, size_t capacity, size_t max_slots, size_t slot_size)
{
    size_t i;

    for (t->n = 64; t->n < capacity && t->n < max_slots; t->n <<= 1) {
    }
    t->size = slot_size;
    if ((t->slots = calloc(t->n, slot_size)) == NULL) {
        return 0;
    }
    for (i = 0; i < SB_SLOT_STRIPES; i++) {
        pthread_mutex_init(&t->locks[i], NULL);
    }
    return 1;
}

void sb_slot_table_destroy(struct sb_slot_table *t, void (*clear_slot)(void *slot))
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        clear_slot(t->slots + i * t->size);
    }
    for (i = 0; i < SB_SLOT_STRIPES; i++) {
        pthread_mutex_destroy(&t->locks[i]);
    }
    free(t->slots);
    t->slots = NULL;
}
