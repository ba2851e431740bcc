/*
 * tests/unit/test_rev_disk_cache.c — the revocation cache directory (gateway/daemon/rev_disk_cache.h): layout
 * and modes (DIR created 0700 with its parents, crl/ and ocsp/, files 0600 named by SHA-256 of the URL or by
 * the OCSP key), put / get / replace / delete, expiry, persistence across a reopen, the OCSP key spelling,
 * key checks, size and count bounds (a put over max_entries prunes the oldest; scan visits newest first),
 * damaged files (truncated, checksum, header key that does not name the file, wrong kind, garbage) removed,
 * symbolic links never followed (an entry link removed with its target intact; crl/ as a link refused), a
 * directory writable by others refused, and leftover temporary files removed only when old.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "gateway/daemon/rev_disk_cache.h"

#define T0 1800000000                   /* "now" for every test: 2027-01-15 */
#define URL1 "http://crl.example.test/ca1.crl"
#define URL2 "http://crl.example.test/ca2.crl"
#define OKEY "0123456789abcdef0123456789abcdef01234567-1a2b"

static char tmpl[] = "/tmp/sb_revdisk_XXXXXX";
static char base[64];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof(base), "%s", tmpl);
    assert_non_null(mkdtemp(base));
    return 0;
}

static int teardown(void **state)
{
    char cmd[200];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static struct sbgw_rev_disk *open_at(const char *sub, size_t max_entries, size_t max_bytes)
{
    struct sbgw_rev_disk_opts o = { .max_entries = max_entries, .max_bytes = max_bytes };
    struct sbgw_rev_disk *d;
    char dir[200], err[300];

    snprintf(dir, sizeof(dir), "%s/%s", base, sub);
    o.dir = dir;
    if ((d = sbgw_rev_disk_open(&o, err, sizeof(err))) == NULL) {
        fail_msg("open %s: %s", dir, err);
    }
    return d;
}

static void url_file(const char *sub, const char *url, char *out, size_t len)
{
    unsigned char md[32];
    char hex[65];
    int i;

    assert_int_equal(EVP_Digest(url, strlen(url), md, NULL, EVP_sha256(), NULL), 1);
    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    snprintf(out, len, "%s/%s/crl/%s.crl", base, sub, hex);
}

static void expect_get(struct sbgw_rev_disk *d, enum sbgw_rev_kind k, const char *key, time_t now, const char *want,
                       time_t exp)
{
    unsigned char *data = NULL;
    size_t len = 0;
    time_t e = 0;

    if (!sbgw_rev_disk_get(d, k, key, now, &data, &len, &e)) {
        fail_msg("expected an entry for %s", key);
    }
    assert_int_equal(len, strlen(want));
    assert_memory_equal(data, want, len);
    assert_int_equal(e, exp);
    free(data);
}

static void expect_none(struct sbgw_rev_disk *d, enum sbgw_rev_kind k, const char *key, time_t now)
{
    unsigned char *data = (unsigned char *)"x";

    assert_int_equal(sbgw_rev_disk_get(d, k, key, now, &data, NULL, NULL), 0);
    assert_null(data);
}

static int exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

static size_t entries_in(const char *sub, const char *kind)
{
    char dir[200];
    DIR *dp;
    struct dirent *de;
    size_t n = 0;

    snprintf(dir, sizeof(dir), "%s/%s/%s", base, sub, kind);
    assert_non_null(dp = opendir(dir));
    while ((de = readdir(dp)) != NULL) {
        n += de->d_name[0] != '.';
    }
    closedir(dp);
    return n;
}

static void test_layout_put_get(void **state)
{
    struct sbgw_rev_disk *d;
    struct sbgw_rev_disk_stats st;
    char path[300];
    struct stat sb;

    (void)state;
    d = open_at("a/b/cache", 0, 0);                 /* parents created too */
    snprintf(path, sizeof(path), "%s/a/b/cache", base);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof(path), "%s/a/b/cache/crl", base);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(path, sizeof(path), "%s/a/b/cache/ocsp", base);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);

    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, URL1, (const unsigned char *)"crl one", 7, T0 + 100, T0), 0);
    url_file("a/b/cache", URL1, path, sizeof(path));
    assert_int_equal(stat(path, &sb), 0);                       /* DIR/crl/<sha256(url)>.crl, mode 0600 */
    assert_int_equal(sb.st_mode & 0777, 0600);
    expect_get(d, SBGW_REV_CRL, URL1, T0 + 99, "crl one", T0 + 100);
    expect_none(d, SBGW_REV_CRL, URL2, T0);
    /* replaced */
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, URL1, (const unsigned char *)"crl one, v2", 11, T0 + 200,
                                       T0 + 1), 0);
    expect_get(d, SBGW_REV_CRL, URL1, T0 + 150, "crl one, v2", T0 + 200);
    /* OCSP: DIR/ocsp/<key>.ocsp; a CRL key and an OCSP key never meet */
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_OCSP, OKEY, (const unsigned char *)"resp", 4, T0 + 50, T0), 0);
    snprintf(path, sizeof(path), "%s/a/b/cache/ocsp/%s.ocsp", base, OKEY);
    assert_true(exists(path));
    expect_get(d, SBGW_REV_OCSP, OKEY, T0, "resp", T0 + 50);
    assert_int_equal(entries_in("a/b/cache", "crl"), 1);        /* no temporary file left behind */
    assert_int_equal(entries_in("a/b/cache", "ocsp"), 1);
    /* expired: not served, and removed */
    expect_none(d, SBGW_REV_OCSP, OKEY, T0 + 50);
    assert_false(exists(path));
    /* delete */
    assert_int_equal(sbgw_rev_disk_del(d, SBGW_REV_CRL, URL1), 0);
    expect_none(d, SBGW_REV_CRL, URL1, T0);
    assert_int_equal(sbgw_rev_disk_del(d, SBGW_REV_CRL, URL1), 0);   /* absent: fine */
    sbgw_rev_disk_stats(d, &st);
    assert_int_equal(st.writes[SBGW_REV_CRL], 2);
    assert_int_equal(st.writes[SBGW_REV_OCSP], 1);
    assert_int_equal(st.loads[SBGW_REV_CRL], 2);
    assert_int_equal(st.removed[SBGW_REV_OCSP], 1);
    assert_int_equal(st.errors[SBGW_REV_CRL], 0);
    sbgw_rev_disk_close(d);
}

static void test_refusals_and_keys(void **state)
{
    static const unsigned char ikh[20] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
                                           0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67 };
    static const unsigned char serial[4] = { 0x00, 0x00, 0x1a, 0x2b };
    unsigned char big[33];
    struct sbgw_rev_disk *d;
    char key[SBGW_REV_DISK_OCSP_KEY_MAX], small[20];

    (void)state;
    d = open_at("c", 0, 16);                        /* entries of at most 16 bytes */
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, URL1, (const unsigned char *)"0123456789abcdefX", 17,
                                       T0 + 10, T0), -1);                    /* over max_bytes */
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, URL1, (const unsigned char *)"x", 0, T0 + 10, T0), -1);
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, URL1, (const unsigned char *)"x", 1, T0, T0), -1); /* expired */
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, "http://a/b c", (const unsigned char *)"x", 1, T0 + 9, T0), -1);
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, "", (const unsigned char *)"x", 1, T0 + 9, T0), -1);
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_OCSP, "../../etc/passwd", (const unsigned char *)"x", 1, T0 + 9,
                                       T0), -1);
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_OCSP, URL1, (const unsigned char *)"x", 1, T0 + 9, T0), -1);
    assert_int_equal(entries_in("c", "crl"), 0);
    assert_int_equal(entries_in("c", "ocsp"), 0);
    /* key checks */
    assert_true(sbgw_rev_disk_key_ok(SBGW_REV_CRL, URL1));
    assert_false(sbgw_rev_disk_key_ok(SBGW_REV_CRL, "http://a/\n"));
    assert_true(sbgw_rev_disk_key_ok(SBGW_REV_OCSP, OKEY));
    assert_false(sbgw_rev_disk_key_ok(SBGW_REV_OCSP, "0123456789ABCDEF0123456789abcdef01234567-1a"));  /* upper */
    assert_false(sbgw_rev_disk_key_ok(SBGW_REV_OCSP, "0123456789abcdef0123456789abcdef0123456-1a"));   /* 39 */
    assert_false(sbgw_rev_disk_key_ok(SBGW_REV_OCSP, "0123456789abcdef0123456789abcdef01234567-"));
    /* the OCSP key spelling: lower-case hex, the serial's leading zero octets dropped, zero as "00" */
    assert_int_equal(sbgw_rev_disk_ocsp_key(ikh, 20, serial, sizeof(serial), key, sizeof(key)), 0);
    assert_string_equal(key, OKEY);
    assert_int_equal(sbgw_rev_disk_ocsp_key(ikh, 20, serial + 2, 2, key, sizeof(key)), 0);
    assert_string_equal(key, OKEY);
    assert_int_equal(sbgw_rev_disk_ocsp_key(ikh, 20, serial, 2, key, sizeof(key)), 0);
    assert_string_equal(key, "0123456789abcdef0123456789abcdef01234567-00");
    assert_true(sbgw_rev_disk_key_ok(SBGW_REV_OCSP, key));
    memset(big, 0x7f, sizeof(big));
    assert_int_equal(sbgw_rev_disk_ocsp_key(ikh, 20, big, 33, key, sizeof(key)), -1);       /* > 32 octets */
    assert_int_equal(sbgw_rev_disk_ocsp_key(ikh, 20, big, 32, key, sizeof(key)), 0);
    assert_true(sbgw_rev_disk_key_ok(SBGW_REV_OCSP, key));
    assert_int_equal(sbgw_rev_disk_ocsp_key(ikh, 32, serial, 4, key, sizeof(key)), -1);     /* not SHA-1 */
    assert_int_equal(sbgw_rev_disk_ocsp_key(ikh, 20, serial, 4, small, sizeof(small)), -1);
    sbgw_rev_disk_close(d);
}

static void test_persistence_and_bounds(void **state)
{
    struct sbgw_rev_disk *d;
    char url[64];
    int i;

    (void)state;
    d = open_at("p", 0, 0);
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, URL1, (const unsigned char *)"one", 3, T0 + 100, T0), 0);
    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, URL2, (const unsigned char *)"two", 3, T0 + 100, T0), 0);
    sbgw_rev_disk_close(d);
    d = open_at("p", 0, 0);                         /* another process, later */
    expect_get(d, SBGW_REV_CRL, URL1, T0 + 10, "one", T0 + 100);
    expect_get(d, SBGW_REV_CRL, URL2, T0 + 10, "two", T0 + 100);
    sbgw_rev_disk_close(d);

    /* at most 3 per kind: the fifth put leaves the three most recently written */
    d = open_at("q", 3, 0);
    for (i = 0; i < 5; i++) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };

        snprintf(url, sizeof(url), "http://crl.example.test/%d.crl", i);
        assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, url, (const unsigned char *)url, strlen(url), T0 + 100,
                                           T0), 0);
        nanosleep(&ts, NULL);                       /* distinct modification times */
    }
    assert_int_equal(entries_in("q", "crl"), 3);
    for (i = 0; i < 2; i++) {
        snprintf(url, sizeof(url), "http://crl.example.test/%d.crl", i);
        expect_none(d, SBGW_REV_CRL, url, T0);
    }
    for (i = 2; i < 5; i++) {
        snprintf(url, sizeof(url), "http://crl.example.test/%d.crl", i);
        expect_get(d, SBGW_REV_CRL, url, T0, url, T0 + 100);
    }
    sbgw_rev_disk_close(d);
}

struct seen {
    int n;
    char keys[8][64];
    time_t stored[8];
};

static int collect(void *arg, const char *key, const unsigned char *data, size_t len, time_t expires_at,
                   time_t stored_at)
{
    struct seen *s = arg;

    assert_int_equal(len, strlen(key));             /* the tests store the key as the data */
    assert_memory_equal(data, key, len);
    assert_true(expires_at > T0);
    if (s->n < 8) {
        snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
        s->stored[s->n] = stored_at;
    }
    s->n++;
    return 0;
}

static int stop_after_one(void *arg, const char *key, const unsigned char *data, size_t len, time_t expires_at,
                          time_t stored_at)
{
    (void)key;
    (void)data;
    (void)len;
    (void)expires_at;
    (void)stored_at;
    ++*(int *)arg;
    return 1;
}

static void put_key(struct sbgw_rev_disk *d, const char *url, time_t expires, time_t now)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };

    assert_int_equal(sbgw_rev_disk_put(d, SBGW_REV_CRL, url, (const unsigned char *)url, strlen(url), expires, now), 0);
    nanosleep(&ts, NULL);
}

/* Rewrite file: the bytes at off replaced by c (off < 0: truncate by -off bytes). */
static void damage(const char *file, long off, char c)
{
    FILE *f;
    struct stat st;

    assert_int_equal(stat(file, &st), 0);
    if (off < 0) {
        assert_int_equal(truncate(file, st.st_size + off), 0);
        return;
    }
    assert_non_null(f = fopen(file, "r+b"));
    assert_int_equal(fseek(f, off < st.st_size ? off : st.st_size - 1, SEEK_SET), 0);
    assert_int_equal(fputc(c, f), c);
    fclose(f);
}

static void test_scan_and_damage(void **state)
{
    struct sbgw_rev_disk *d;
    struct sbgw_rev_disk_stats st;
    struct seen s;
    char f1[300], f2[300], f3[300], f4[300], tmp_old[300], tmp_new[300], mine[300], cmd[700];
    struct timespec old[2];
    int fd, stops = 0;
    long n;

    (void)state;
    d = open_at("s", 0, 0);
    put_key(d, "http://h/1.crl", T0 + 100, T0);
    put_key(d, "http://h/2.crl", T0 + 100, T0 + 1);
    put_key(d, "http://h/3.crl", T0 + 5, T0 + 2);         /* expires soon */
    put_key(d, "http://h/4.crl", T0 + 100, T0 + 3);
    put_key(d, "http://h/5.crl", T0 + 100, T0 + 4);
    put_key(d, "http://h/6.crl", T0 + 100, T0 + 5);
    url_file("s", "http://h/1.crl", f1, sizeof(f1));
    url_file("s", "http://h/2.crl", f2, sizeof(f2));
    url_file("s", "http://h/4.crl", f3, sizeof(f3));
    url_file("s", "http://h/5.crl", f4, sizeof(f4));
    damage(f1, -1, 0);                                    /* truncated */
    damage(f2, 100000, 'Z');                              /* a data byte changed: checksum */
    /* a whole, valid entry under another entry's name: its header key does not name the file */
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", f4, f3);
    assert_int_equal(system(cmd), 0);
    /* garbage under an entry-like name; a stranger's file; temporary files, old and new */
    snprintf(mine, sizeof(mine), "%s/s/crl/%064d.crl", base, 0);
    assert_true((fd = open(mine, O_WRONLY | O_CREAT, 0600)) >= 0);
    assert_int_equal(write(fd, "garbage", 7), 7);
    close(fd);
    snprintf(tmp_old, sizeof(tmp_old), "%s/s/crl/.tmp-1-1", base);
    snprintf(tmp_new, sizeof(tmp_new), "%s/s/crl/.tmp-1-2", base);
    assert_true((fd = open(tmp_old, O_WRONLY | O_CREAT, 0600)) >= 0);
    close(fd);
    assert_true((fd = open(tmp_new, O_WRONLY | O_CREAT, 0600)) >= 0);
    close(fd);
    old[0].tv_sec = old[1].tv_sec = T0;             /* "now" in the test's clock */
    old[0].tv_nsec = old[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, tmp_new, old, 0), 0);
    old[0].tv_sec = old[1].tv_sec = T0 - SBGW_REV_DISK_TMP_AGE_S - 10;
    old[0].tv_nsec = old[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, tmp_old, old, 0), 0);
    snprintf(cmd, sizeof(cmd), "touch -d @%d '%s/s/crl/README'", T0 + 10, base);
    assert_int_equal(system(cmd), 0);

    memset(&s, 0, sizeof(s));
    n = sbgw_rev_disk_scan(d, SBGW_REV_CRL, T0 + 10, collect, &s);
    /* 5 and 6 are whole; 1 truncated, 2 checksum, 3 expired, 4's file holds 5's entry, 000… garbage */
    assert_int_equal(n, 2);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.keys[0], "http://h/6.crl");     /* newest first */
    assert_string_equal(s.keys[1], "http://h/5.crl");
    assert_int_equal(s.stored[0], T0 + 5);
    assert_false(exists(f1));
    assert_false(exists(f2));
    assert_false(exists(f3));
    assert_false(exists(mine));
    assert_true(exists(f4));
    assert_false(exists(tmp_old));                        /* a leftover: removed */
    assert_true(exists(tmp_new));                         /* maybe another process's write in progress: kept */
    snprintf(cmd, sizeof(cmd), "%s/s/crl/README", base);
    assert_true(exists(cmd));                             /* not ours: left alone */
    sbgw_rev_disk_stats(d, &st);
    assert_int_equal(st.removed[SBGW_REV_CRL], 6);        /* 1, 2, 3, 4, garbage, old temporary */
    assert_int_equal(st.loads[SBGW_REV_CRL], 2);
    /* a callback may stop the scan */
    assert_int_equal(sbgw_rev_disk_scan(d, SBGW_REV_CRL, T0 + 10, stop_after_one, &stops), 1);
    assert_int_equal(stops, 1);
    sbgw_rev_disk_close(d);
}

static void test_symlinks_and_modes(void **state)
{
    struct sbgw_rev_disk_opts o = { 0 };
    struct sbgw_rev_disk *d;
    char f1[300], outside[300], dir[300], err[300], cmd[700];
    struct seen s;
    struct stat st;
    int fd;

    (void)state;
    d = open_at("l", 0, 0);
    put_key(d, "http://h/1.crl", T0 + 100, T0);
    url_file("l", "http://h/1.crl", f1, sizeof(f1));
    /* a whole entry moved outside the directory, a symbolic link to it in its place: never followed */
    snprintf(outside, sizeof(outside), "%s/outside.crl", base);
    assert_int_equal(rename(f1, outside), 0);
    assert_int_equal(symlink(outside, f1), 0);
    expect_none(d, SBGW_REV_CRL, "http://h/1.crl", T0);
    assert_false(exists(f1));                             /* the link is removed */
    assert_int_equal(stat(outside, &st), 0);              /* its target is untouched */
    assert_true(st.st_size > 0);
    /* found by a scan: removed too */
    assert_int_equal(symlink(outside, f1), 0);
    memset(&s, 0, sizeof(s));
    assert_int_equal(sbgw_rev_disk_scan(d, SBGW_REV_CRL, T0, collect, &s), 0);
    assert_false(exists(f1));
    assert_true(exists(outside));
    /* a put replaces a link by a file, never writes through it */
    assert_int_equal(symlink(outside, f1), 0);
    put_key(d, "http://h/1.crl", T0 + 100, T0);
    assert_int_equal(lstat(f1, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(stat(outside, &st), 0);
    sbgw_rev_disk_close(d);

    /* crl/ as a symbolic link to a directory elsewhere: refused */
    snprintf(dir, sizeof(dir), "%s/m", base);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(cmd, sizeof(cmd), "%s/elsewhere", base);
    assert_int_equal(mkdir(cmd, 0700), 0);
    snprintf(f1, sizeof(f1), "%s/m/crl", base);
    assert_int_equal(symlink(cmd, f1), 0);
    o.dir = dir;
    assert_null(sbgw_rev_disk_open(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "symbolic link"));
    /* a directory others may write into: refused */
    snprintf(dir, sizeof(dir), "%s/w", base);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    o.dir = dir;
    assert_null(sbgw_rev_disk_open(&o, err, sizeof(err)));
    assert_non_null(strstr(err, "writable by group or others"));
    /* a file where the directory should be: refused */
    snprintf(dir, sizeof(dir), "%s/file", base);
    assert_true((fd = open(dir, O_WRONLY | O_CREAT, 0600)) >= 0);
    close(fd);
    o.dir = dir;
    assert_null(sbgw_rev_disk_open(&o, err, sizeof(err)));
    assert_non_null(strstr(err, dir));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout_put_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_and_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistence_and_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_and_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks_and_modes, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
