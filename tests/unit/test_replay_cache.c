/*
 * tests/unit/test_replay_cache.c — the replay cache of bound proxy routes (gateway/daemon/replay_cache.h):
 * seen / add, expiry (a key is live until its expiry, then gone and addable again), keys that differ only
 * past the stored half, growth and sweeps over many keys with the live count exact, the bound (FULL, never
 * forgetting a live key; room again once keys expire), and the clock stepped back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gateway/daemon/replay_cache.h"

static void key_n(unsigned char key[32], unsigned n)
{
    unsigned i;

    for (i = 0; i < 32; i++) {
        key[i] = (unsigned char)((n * 2654435761u) >> (i % 4 * 8)) ^ (unsigned char)i;
    }
    memcpy(key, &n, sizeof(n));
}

static void test_replay_seen_add_expire(void **state)
{
    struct sbgw_replay *c = sbgw_replay_new(100);
    unsigned char a[32], b[32];

    (void)state;
    assert_non_null(c);
    key_n(a, 1);
    key_n(b, 2);
    assert_false(sbgw_replay_seen(c, a, 1000));
    assert_int_equal(sbgw_replay_add(c, a, 1600, 1000), SBGW_REPLAY_ADDED);
    assert_true(sbgw_replay_seen(c, a, 1000));
    assert_true(sbgw_replay_seen(c, a, 1599));
    assert_false(sbgw_replay_seen(c, b, 1000));
    assert_int_equal(sbgw_replay_add(c, a, 1700, 1200), SBGW_REPLAY_SEEN);
    assert_int_equal(sbgw_replay_count(c, 1000), 1);
    /* expired: gone, and the same key can be accepted again */
    assert_false(sbgw_replay_seen(c, a, 1600));
    assert_int_equal(sbgw_replay_count(c, 1600), 0);
    assert_int_equal(sbgw_replay_add(c, a, 2200, 1600), SBGW_REPLAY_ADDED);
    assert_true(sbgw_replay_seen(c, a, 2199));
    sbgw_replay_free(c);
}

static void test_replay_keys_differ_in_stored_half(void **state)
{
    struct sbgw_replay *c = sbgw_replay_new(100);
    unsigned char a[32], b[32], zero[32];

    (void)state;
    key_n(a, 7);
    memcpy(b, a, 32);
    b[15] ^= 1;                       /* inside the 128 bits kept */
    memset(zero, 0, sizeof(zero));
    assert_int_equal(sbgw_replay_add(c, a, 100, 0), SBGW_REPLAY_ADDED);
    assert_false(sbgw_replay_seen(c, b, 0));
    assert_int_equal(sbgw_replay_add(c, b, 100, 0), SBGW_REPLAY_ADDED);
    assert_false(sbgw_replay_seen(c, zero, 0));
    assert_int_equal(sbgw_replay_add(c, zero, 100, 0), SBGW_REPLAY_ADDED);
    assert_true(sbgw_replay_seen(c, zero, 0));
    assert_int_equal(sbgw_replay_count(c, 0), 3);
    sbgw_replay_free(c);
}

/* 50,000 keys with expiries spread over time: growth, reuse of dead slots and sweeps keep every live key. */
static void test_replay_many_keys_and_sweeps(void **state)
{
    struct sbgw_replay *c = sbgw_replay_new(1u << 20);
    unsigned char k[32];
    unsigned i;
    time_t now;

    (void)state;
    for (i = 0; i < 50000; i++) {
        now = (time_t)(i / 100);                           /* 100 keys a second, each live for 60 s */
        key_n(k, i);
        assert_int_equal(sbgw_replay_add(c, k, now + 60, now), SBGW_REPLAY_ADDED);
    }
    now = 499;
    assert_int_equal(sbgw_replay_count(c, now), 6000);     /* added at seconds 440..499 */
    for (i = 0; i < 50000; i++) {
        key_n(k, i);
        assert_int_equal(sbgw_replay_seen(c, k, now), i / 100 >= 440);
    }
    sbgw_replay_free(c);
}

static void test_replay_bounded_fails_closed(void **state)
{
    struct sbgw_replay *c = sbgw_replay_new(10);
    unsigned char k[32];
    unsigned i;

    (void)state;
    for (i = 0; i < 10; i++) {
        key_n(k, i);
        assert_int_equal(sbgw_replay_add(c, k, 100, 0), SBGW_REPLAY_ADDED);
    }
    key_n(k, 10);
    assert_int_equal(sbgw_replay_add(c, k, 100, 0), SBGW_REPLAY_FULL);
    assert_int_equal(sbgw_replay_add(c, k, 100, 0), SBGW_REPLAY_FULL);       /* no sweep within the second */
    for (i = 0; i < 10; i++) {                                                 /* nothing live was forgotten */
        key_n(k, i);
        assert_true(sbgw_replay_seen(c, k, 50));
        assert_int_equal(sbgw_replay_add(c, k, 200, 50), SBGW_REPLAY_SEEN);
    }
    /* once they expire there is room again */
    key_n(k, 10);
    assert_int_equal(sbgw_replay_add(c, k, 300, 100), SBGW_REPLAY_ADDED);
    assert_int_equal(sbgw_replay_count(c, 100), 1);
    sbgw_replay_free(c);
}

/* The wall clock stepped back: keys live longer (never shorter than the Date window needs). */
static void test_replay_clock_back(void **state)
{
    struct sbgw_replay *c = sbgw_replay_new(10);
    unsigned char k[32];

    (void)state;
    key_n(k, 3);
    assert_int_equal(sbgw_replay_add(c, k, 1600, 1000), SBGW_REPLAY_ADDED);
    assert_true(sbgw_replay_seen(c, k, 0));
    assert_int_equal(sbgw_replay_add(c, k, 600, 0), SBGW_REPLAY_SEEN);
    sbgw_replay_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_seen_add_expire),
        cmocka_unit_test(test_replay_keys_differ_in_stored_half),
        cmocka_unit_test(test_replay_many_keys_and_sweeps),
        cmocka_unit_test(test_replay_bounded_fails_closed),
        cmocka_unit_test(test_replay_clock_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
