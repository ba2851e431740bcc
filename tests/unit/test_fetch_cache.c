/*
 * tests/unit/test_fetch_cache.c — the cache of fetched bytes (gateway/daemon/fetch_cache.h): put / get with
 * the caller's expiry, replacement, the bounds by entry count and by bytes (least recently used first),
 * refusals, and the directory: entries written, reloaded by a new cache, expired / damaged / half-written
 * files removed at load, evicted entries' files removed, and a reload bounded by the entry count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/daemon/fetch_cache.h"

static void expect_hit(struct sbgw_fetch_cache *c, const char *key, time_t now, const char *want, time_t exp)
{
    unsigned char *d = NULL;
    size_t len = 0;
    time_t e = 0;

    if (!sbgw_fetch_cache_get(c, key, now, &d, &len, &e)) {
        fail_msg("expected a hit for %s at %lld", key, (long long)now);
    }
    assert_int_equal(len, strlen(want));
    assert_memory_equal(d, want, len);
    assert_int_equal(e, exp);
    free(d);
}

static void expect_miss(struct sbgw_fetch_cache *c, const char *key, time_t now)
{
    unsigned char *d = (unsigned char *)"x";

    assert_int_equal(sbgw_fetch_cache_get(c, key, now, &d, NULL, NULL), 0);
    assert_null(d);
}

static size_t files_in(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(dp);
    while ((de = readdir(dp)) != NULL) {
        n += de->d_name[0] != '.';
    }
    closedir(dp);
    return n;
}

static void test_put_get_expiry(void **state)
{
    char err[200];
    struct sbgw_fetch_cache *c = sbgw_fetch_cache_new(10, 1000, NULL, 1000, err, sizeof(err));
    struct sbgw_fetch_cache_stats st;

    (void)state;
    assert_non_null(c);
    assert_int_equal(sbgw_fetch_cache_put(c, "http://crl.example/ca.crl", (const unsigned char *)"CRL-1", 5, 2000,
                                          1000), 0);
    expect_hit(c, "http://crl.example/ca.crl", 1000, "CRL-1", 2000);
    expect_hit(c, "http://crl.example/ca.crl", 1999, "CRL-1", 2000);
    expect_miss(c, "http://crl.example/other.crl", 1000);
    /* replaced by a fresher one */
    assert_int_equal(sbgw_fetch_cache_put(c, "http://crl.example/ca.crl", (const unsigned char *)"CRL-2", 5, 3000,
                                          1500), 0);
    expect_hit(c, "http://crl.example/ca.crl", 2500, "CRL-2", 3000);
    /* expired: gone */
    expect_miss(c, "http://crl.example/ca.crl", 3000);
    sbgw_fetch_cache_stats(c, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.hits, 3);
    assert_int_equal(st.misses, 2);
    /* refusals: already expired, over the byte bound, empty key */
    assert_int_equal(sbgw_fetch_cache_put(c, "k", (const unsigned char *)"v", 1, 1000, 1000), -1);
    {
        unsigned char *big = calloc(1, 1001);

        assert_int_equal(sbgw_fetch_cache_put(c, "k", big, 1001, 5000, 1000), -1);
        free(big);
    }
    assert_int_equal(sbgw_fetch_cache_put(c, "", (const unsigned char *)"v", 1, 5000, 1000), -1);
    /* an empty body is a value */
    assert_int_equal(sbgw_fetch_cache_put(c, "empty", NULL, 0, 5000, 1000), 0);
    expect_hit(c, "empty", 1000, "", 5000);
    sbgw_fetch_cache_free(c);
}

static void test_bounds(void **state)
{
    char err[200], key[32];
    struct sbgw_fetch_cache *c = sbgw_fetch_cache_new(3, 100, NULL, 0, err, sizeof(err));
    struct sbgw_fetch_cache_stats st;
    unsigned char buf[60];
    int i;

    (void)state;
    assert_non_null(c);
    for (i = 0; i < 3; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(sbgw_fetch_cache_put(c, key, (const unsigned char *)"0123456789", 10, 100, 0), 0);
    }
    expect_hit(c, "k0", 1, "0123456789", 100);             /* k0 is now the most recent: k1 goes first */
    assert_int_equal(sbgw_fetch_cache_put(c, "k3", (const unsigned char *)"abc", 3, 100, 0), 0);
    expect_miss(c, "k1", 1);
    expect_hit(c, "k0", 1, "0123456789", 100);
    expect_hit(c, "k2", 1, "0123456789", 100);
    expect_hit(c, "k3", 1, "abc", 100);
    /* by bytes: 60 more bytes push out the least recent until 100 hold */
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(sbgw_fetch_cache_put(c, "k4", buf, sizeof(buf), 100, 0), 0);
    sbgw_fetch_cache_stats(c, &st);
    assert_true(st.bytes <= 100);
    assert_true(st.entries <= 3);
    assert_int_equal(st.evictions, 2);
    expect_miss(c, "k0", 1);                                /* the least recent of k0, k2, k3 */
    sbgw_fetch_cache_free(c);
}

static void collect(const char *key, size_t len, time_t exp, void *arg)
{
    long long *sum = arg;

    (void)key;
    sum[0] += (long long)len;
    sum[1] += (long long)exp;
}

static void test_directory(void **state)
{
    char dir[] = "/tmp/sb-test-fetch-cache-XXXXXX", err[200], path[512], key[32];
    struct sbgw_fetch_cache *c;
    long long sum[2] = { 0, 0 };
    FILE *fp;
    int i;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_non_null(c = sbgw_fetch_cache_new(10, 1000, dir, 1000, err, sizeof(err)));
    assert_int_equal(sbgw_fetch_cache_put(c, "ocsp:aa:01", (const unsigned char *)"RESP-A", 6, 5000, 1000), 0);
    assert_int_equal(sbgw_fetch_cache_put(c, "ocsp:aa:02", (const unsigned char *)"RESP-B", 6, 1500, 1000), 0);
    assert_int_equal(sbgw_fetch_cache_put(c, "http://crl/x.crl", (const unsigned char *)"CRL", 3, 9000, 1000), 0);
    assert_int_equal(files_in(dir), 3);
    sbgw_fetch_cache_free(c);
    /* litter: a damaged entry file, a half-written one, and a file that is not ours */
    snprintf(path, sizeof(path), "%s/%064d.sbfc", dir, 0);
    assert_non_null(fp = fopen(path, "w"));
    fputs("SBFC1 9999 1 5 100\nshort", fp);
    fclose(fp);
    snprintf(path, sizeof(path), "%s/%064d.sbfc.tmp.1.1", dir, 1);
    assert_non_null(fp = fopen(path, "w"));
    fclose(fp);
    snprintf(path, sizeof(path), "%s/README", dir);
    assert_non_null(fp = fopen(path, "w"));
    fclose(fp);
    /* a restart at 2000: RESP-B has expired and its file goes, so do the damaged and half-written ones */
    assert_non_null(c = sbgw_fetch_cache_new(10, 1000, dir, 2000, err, sizeof(err)));
    expect_hit(c, "ocsp:aa:01", 2000, "RESP-A", 5000);
    expect_hit(c, "http://crl/x.crl", 2000, "CRL", 9000);
    expect_miss(c, "ocsp:aa:02", 2000);
    assert_int_equal(files_in(dir), 3);                     /* two entries + README */
    sbgw_fetch_cache_each(c, collect, sum);
    assert_int_equal(sum[0], 9);
    assert_int_equal(sum[1], 14000);
    /* deleting removes the file */
    sbgw_fetch_cache_del(c, "ocsp:aa:01");
    assert_int_equal(files_in(dir), 2);
    sbgw_fetch_cache_free(c);
    /* a smaller cache loads at most its bound, and removes the surplus files */
    assert_non_null(c = sbgw_fetch_cache_new(2, 1000, dir, 2000, err, sizeof(err)));
    for (i = 0; i < 5; i++) {
        snprintf(key, sizeof(key), "key-%d", i);
        assert_int_equal(sbgw_fetch_cache_put(c, key, (const unsigned char *)"v", 1, 9000, 2000), 0);
    }
    assert_int_equal(files_in(dir), 3);                     /* the 2 newest + README */
    sbgw_fetch_cache_free(c);
    assert_non_null(c = sbgw_fetch_cache_new(1, 1000, dir, 2000, err, sizeof(err)));
    assert_int_equal(files_in(dir), 2);
    sbgw_fetch_cache_free(c);
    /* a directory that does not exist */
    assert_null(sbgw_fetch_cache_new(1, 1000, "/nonexistent/sb-cache", 0, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/sb-cache"));
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_expiry),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_directory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
