/*
 * tests/unit/test_lru.c — the sharded LRU map (pki/base/lru.h): hits, recency, eviction, replacement,
 * the visitor's verdicts, flush, counters, a disabled map, and concurrent use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pki/base/lru.h"

struct item {
    struct sb_lru_node node;
    int value;
};

static int freed;                        /* entries released (single-threaded tests) */

static void item_free(struct sb_lru_node *n)
{
    freed++;
    free(n);
}

/* Key with shard byte s and distinguishing number i. */
static void make_key(unsigned char key[SB_LRU_KEY_LEN], unsigned s, unsigned i)
{
    memset(key, 0, SB_LRU_KEY_LEN);
    key[0] = (unsigned char)s;
    memcpy(key + 16, &i, sizeof(i));
}

static void put(struct sb_lru *l, unsigned s, unsigned i, int value)
{
    struct item *it = calloc(1, sizeof(*it));

    assert_non_null(it);
    make_key(it->node.key, s, i);
    it->value = value;
    sb_lru_put(l, &it->node);
}

static enum sb_lru_use read_value(struct sb_lru_node *n, void *arg)
{
    *(int *)arg = ((struct item *)n)->value;
    return SB_LRU_HIT;
}

/* The value under (s, i), or -1 on a miss. */
static int get(struct sb_lru *l, unsigned s, unsigned i)
{
    unsigned char key[SB_LRU_KEY_LEN];
    int v = -1;

    make_key(key, s, i);
    return sb_lru_get(l, key, read_value, &v) ? v : -1;
}

static void test_lru_hit_and_miss(void **state)
{
    struct sb_lru *l = sb_lru_new(64, item_free);
    struct sb_lru_stats st;

    (void)state;
    assert_non_null(l);
    assert_true(sb_lru_enabled(l));
    put(l, 0, 1, 10);
    put(l, 5, 1, 51);                    /* same number, other shard: another key */
    assert_int_equal(get(l, 0, 1), 10);
    assert_int_equal(get(l, 5, 1), 51);
    assert_int_equal(get(l, 0, 2), -1);
    sb_lru_stats(l, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.insertions, 2);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.evictions, 0);
    sb_lru_free(l);
}

static void test_lru_evicts_least_recent_of_the_shard(void **state)
{
    struct sb_lru *l = sb_lru_new(4 * SB_LRU_SHARDS, item_free);   /* 4 entries per shard */
    struct sb_lru_stats st;
    unsigned i;

    (void)state;
    freed = 0;
    for (i = 0; i < 4; i++) {
        put(l, 3, i, (int)i);
    }
    assert_int_equal(get(l, 3, 0), 0);   /* 0 becomes the most recent: 1 is now the least */
    put(l, 3, 4, 4);
    assert_int_equal(get(l, 3, 1), -1);
    assert_int_equal(get(l, 3, 0), 0);
    assert_int_equal(get(l, 3, 2), 2);
    assert_int_equal(get(l, 3, 4), 4);
    put(l, 7, 0, 70);                    /* other shards keep their own share */
    assert_int_equal(get(l, 3, 3), 3);
    sb_lru_stats(l, &st);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(st.entries, 5);
    assert_int_equal(freed, 1);
    sb_lru_free(l);
    assert_int_equal(freed, 6);          /* free releases every entry */
}

static void test_lru_put_replaces_same_key(void **state)
{
    struct sb_lru *l = sb_lru_new(64, item_free);
    struct sb_lru_stats st;

    (void)state;
    freed = 0;
    put(l, 1, 9, 1);
    put(l, 1, 9, 2);
    assert_int_equal(freed, 1);
    assert_int_equal(get(l, 1, 9), 2);
    sb_lru_stats(l, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.insertions, 2);
    assert_int_equal(st.evictions, 0);   /* a replacement is not an eviction */
    sb_lru_free(l);
}

static enum sb_lru_use say_miss(struct sb_lru_node *n, void *arg)
{
    (void)n;
    (void)arg;
    return SB_LRU_MISS;
}

static enum sb_lru_use say_drop(struct sb_lru_node *n, void *arg)
{
    (void)n;
    (void)arg;
    return SB_LRU_DROP;
}

static void test_lru_visitor_miss_and_drop(void **state)
{
    struct sb_lru *l = sb_lru_new(64, item_free);
    unsigned char key[SB_LRU_KEY_LEN];
    struct sb_lru_stats st;

    (void)state;
    freed = 0;
    put(l, 2, 2, 22);
    make_key(key, 2, 2);
    assert_int_equal(sb_lru_get(l, key, say_miss, NULL), 0);
    assert_int_equal(get(l, 2, 2), 22);  /* a MISS keeps the entry */
    assert_int_equal(sb_lru_get(l, key, say_drop, NULL), 0);
    assert_int_equal(freed, 1);          /* a DROP frees it */
    assert_int_equal(get(l, 2, 2), -1);
    sb_lru_stats(l, &st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 3);
    assert_int_equal(st.entries, 0);
    sb_lru_free(l);
}

static void test_lru_flush_keeps_counters(void **state)
{
    struct sb_lru *l = sb_lru_new(64, item_free);
    struct sb_lru_stats st;
    unsigned i;

    (void)state;
    for (i = 0; i < 20; i++) {
        put(l, i, i, (int)i);
    }
    assert_int_equal(get(l, 4, 4), 4);
    sb_lru_flush(l);
    assert_int_equal(get(l, 4, 4), -1);
    sb_lru_stats(l, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.insertions, 20);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    put(l, 4, 4, 44);                    /* usable after a flush */
    assert_int_equal(get(l, 4, 4), 44);
    sb_lru_free(l);
}

static void test_lru_disabled_and_null(void **state)
{
    struct sb_lru *l = sb_lru_new(0, item_free);
    struct sb_lru_stats st;

    (void)state;
    freed = 0;
    assert_non_null(l);
    assert_false(sb_lru_enabled(l));
    put(l, 1, 1, 1);                     /* freed at once */
    assert_int_equal(freed, 1);
    assert_int_equal(get(l, 1, 1), -1);
    sb_lru_stats(l, &st);
    assert_int_equal(st.misses, 0);      /* a disabled map counts nothing */
    assert_int_equal(st.entries, 0);
    sb_lru_free(l);
    assert_false(sb_lru_enabled(NULL));
    assert_int_equal(get(NULL, 1, 1), -1);
    sb_lru_stats(NULL, &st);
    assert_int_equal(st.hits + st.misses + st.entries, 0);
    sb_lru_flush(NULL);
    sb_lru_free(NULL);
}

/* ---- concurrency: every thread puts and gets its own keys across all shards -------------------- */

#define THREADS 4
#define ROUNDS 2000

static void quiet_free(struct sb_lru_node *n)
{
    free(n);
}

struct worker {
    struct sb_lru *l;
    unsigned id;
    int wrong;                           /* values read back that were not written for the key */
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    unsigned r;

    for (r = 0; r < ROUNDS; r++) {
        unsigned i = w->id * ROUNDS + r;
        struct item *it = calloc(1, sizeof(*it));
        unsigned char key[SB_LRU_KEY_LEN];
        int v = -1;

        if (it == NULL) {
            continue;
        }
        make_key(it->node.key, i % 251, i);
        it->value = (int)i;
        sb_lru_put(w->l, &it->node);
        make_key(key, i % 251, i / 2);
        if (sb_lru_get(w->l, key, read_value, &v) && v != (int)(i / 2)) {
            w->wrong++;
        }
    }
    return NULL;
}

static void test_lru_concurrent(void **state)
{
    struct sb_lru *l = sb_lru_new(256, quiet_free);
    struct worker w[THREADS];
    pthread_t t[THREADS];
    struct sb_lru_stats st;
    unsigned i;

    (void)state;
    for (i = 0; i < THREADS; i++) {
        w[i].l = l;
        w[i].id = i;
        w[i].wrong = 0;
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].wrong, 0);
    }
    sb_lru_stats(l, &st);
    assert_int_equal(st.hits + st.misses, THREADS * ROUNDS);
    assert_int_equal(st.insertions, THREADS * ROUNDS);
    assert_true(st.entries <= 256);
    assert_int_equal(st.entries + st.evictions, THREADS * ROUNDS);
    sb_lru_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru_hit_and_miss),
        cmocka_unit_test(test_lru_evicts_least_recent_of_the_shard),
        cmocka_unit_test(test_lru_put_replaces_same_key),
        cmocka_unit_test(test_lru_visitor_miss_and_drop),
        cmocka_unit_test(test_lru_flush_keeps_counters),
        cmocka_unit_test(test_lru_disabled_and_null),
        cmocka_unit_test(test_lru_concurrent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
