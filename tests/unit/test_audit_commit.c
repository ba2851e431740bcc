/*
 * tests/unit/test_audit_commit.c — concurrent appends to the audit log (gateway/daemon/audit_commit.c: the
 * chain sequenced under a short lock, written in batches by whichever appender holds the file lock).
 *
 * Several threads hammer sbgw_audit_append on a log with a signing key and a short checkpoint cadence (so
 * checkpoints are sequenced between decisions), while the main thread asks for reopen checks (SIGUSR1's
 * path) and renames the log away once (the flusher rotates: a "rotate" checkpoint closes the old file and a
 * "reopen" one opens the new, with appends running). Then: the old file followed by the new one is one
 * intact chain (in-process check and `sigbridge audit verify --cert` when SB_BIN is set), seq runs 1..N with
 * no gap, every decision is there exactly once with the hash its append returned, "rotate" is the old
 * file's last record and "reopen" the new file's first, and each append's record was already in the file
 * when the append returned (sampled: the reply follows the record). Run with fsync batch and always.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "gateway/daemon/audit.h"
#include "testcert.h"

#define THREADS 6

struct fx {
    char dir[64], path[128], old[140], cat[140], key[128], cert[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    EVP_PKEY *k;
    X509 *x;
    FILE *fp;

    snprintf(f->dir, sizeof(f->dir), "/tmp/sb_test_audit_commit_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/audit.jsonl", f->dir);
    snprintf(f->old, sizeof(f->old), "%s/audit.jsonl.1", f->dir);
    snprintf(f->cat, sizeof(f->cat), "%s/both.jsonl", f->dir);
    snprintf(f->key, sizeof(f->key), "%s/audit.key", f->dir);
    snprintf(f->cert, sizeof(f->cert), "%s/audit.pem", f->dir);
    k = tc_key_ec();
    x = tc_root("sigbridge audit test", k);
    assert_non_null(fp = fopen(f->key, "w"));
    assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL), 1);
    fclose(fp);
    chmod(f->key, 0600);
    assert_non_null(fp = fopen(f->cert, "w"));
    assert_int_equal(PEM_write_X509(fp, x), 1);
    fclose(fp);
    X509_free(x);
    EVP_PKEY_free(k);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[200];
    static const char *const names[] = { "audit.jsonl", "audit.jsonl.1", "both.jsonl", "audit.key", "audit.pem",
                                         "audit.jsonl.checkpoint", "verify.out" };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

struct worker {
    pthread_t t;
    struct sbgw_audit *a;
    const struct fx *f;
    int id, n;
    char (*hashes)[65];          /* the hash each append returned */
    int failures, unseen;
};

/* Is the line with this hash in the log (the current file or the renamed one)? */
static int in_log(const struct fx *f, const char *hash)
{
    const char *paths[2] = { f->old, f->path };
    char *buf, needle[80];
    size_t n;
    FILE *fp;
    int i, found = 0;

    snprintf(needle, sizeof(needle), "\"hash\":\"%s\"", hash);
    for (i = 0; i < 2 && !found; i++) {
        if ((fp = fopen(paths[i], "rb")) == NULL) {
            continue;
        }
        buf = malloc(16 << 20);
        n = buf != NULL ? fread(buf, 1, (16 << 20) - 1, fp) : 0;
        fclose(fp);
        if (buf != NULL) {
            buf[n] = '\0';
            found = strstr(buf, needle) != NULL;
            free(buf);
        }
    }
    return found;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct sbgw_audit_rec r;
    char rid[32];
    int i;

    for (i = 0; i < w->n; i++) {
        snprintf(rid, sizeof(rid), "t%d-%d", w->id, i);
        memset(&r, 0, sizeof(r));
        r.request_id = rid;
        r.client = "bank-\"a\"";
        r.route = "verify";
        r.from = i % 2 == 0 ? "hk" : "cn";
        r.object_sha256 = "6743aff33d74d6743a3e54e3fbb2157ae20d78f4d6716b8f0616d42ca6d0fa07";
        r.signer_subject = "CN=\xe9\x99\xb3\xe5\xa4\xa7\xe6\x96\x87,O=Hongkong Post,C=HK";
        r.signer_serial = "2000";
        r.indication = "TOTAL_PASSED";
        r.snapshot = "df565fd56b1ebd9bf2f30713608a9924484f8816d7bdd01e00fc78473848ae38";
        if (sbgw_audit_append(w->a, &r, w->hashes[i]) != 0) {
            w->failures++;
            w->hashes[i][0] = '\0';
            continue;
        }
        if (i % 97 == 0 && !in_log(w->f, w->hashes[i])) {
            w->unseen++;                     /* returned before its record was written */
        }
    }
    return NULL;
}

/* Append src's bytes to dst. */
static void cat_into(FILE *dst, const char *src)
{
    char buf[65536];
    size_t n;
    FILE *in = fopen(src, "rb");

    assert_non_null(in);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        assert_int_equal(fwrite(buf, 1, n, dst), n);
    }
    fclose(in);
}

static const char *event_of(const char *line)
{
    static char ev[32];
    json_t *j = json_loads(line, 0, NULL);
    const char *e = json_string_value(json_object_get(j, "event"));

    snprintf(ev, sizeof(ev), "%s", e != NULL ? e : "");
    json_decref(j);
    return ev;
}

static void hammer(const struct fx *f, enum sbgw_fsync mode, int per_thread)
{
    const struct sbgw_audit_opts o = { .path = f->path, .node_id = "node-1", .fsync = mode, .batch_ms = 5,
                                       .signing_key = f->key, .signing_cert = f->cert, .every_records = 37,
                                       .every_s = 1 };
    struct sbgw_audit a;
    struct sbgw_audit_open_info info;
    struct worker w[THREADS];
    struct sbgw_audit_verify v;
    char err[512], cmd[600], *line = NULL, rid[32], *seen;
    size_t cap = 0, lines = 0, decisions = 0;
    long long seq;
    ssize_t len;
    json_t *j;
    FILE *fp;
    int i, k, renamed = 0, old_lines = 0;
    struct stat st;
    char last_old[32] = "";

    assert_int_equal(sbgw_audit_open(&a, &o, &info, err, sizeof(err)), 0);
    for (i = 0; i < THREADS; i++) {
        w[i].a = &a;
        w[i].f = f;
        w[i].id = i;
        w[i].n = per_thread;
        w[i].failures = w[i].unseen = 0;
        assert_non_null(w[i].hashes = calloc((size_t)per_thread, 65));
        assert_int_equal(pthread_create(&w[i].t, NULL, work, &w[i]), 0);
    }
    /* meanwhile: reopen checks (a no-op while the path is the open file), then the log renamed away once
     * appends are under way (the flusher rotates to a new file at the path) */
    for (k = 0; k < 200 && !renamed; k++) {
        sbgw_audit_reopen(&a, "signal");
        usleep(2000);
        if (k >= 5 && stat(f->path, &st) == 0 && st.st_size > 20000) {
            assert_int_equal(rename(f->path, f->old), 0);
            renamed = 1;
        }
    }
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(w[i].t, NULL), 0);
        assert_int_equal(w[i].failures, 0);
        assert_int_equal(w[i].unseen, 0);
    }
    sbgw_audit_close(&a);
    assert_true(renamed);
    assert_true(__atomic_load_n(&a.batches, __ATOMIC_RELAXED) > 0);

    /* the old file then the new one: one chain */
    assert_non_null(fp = fopen(f->cat, "wb"));
    cat_into(fp, f->old);
    cat_into(fp, f->path);
    fclose(fp);
    memset(&v, 0, sizeof(v));
    assert_int_equal(sbgw_audit_verify_file(f->cat, &v), 0);
    if (getenv("SB_BIN") != NULL) {
        snprintf(cmd, sizeof(cmd), "'%s' audit verify --cert '%s' '%s' >'%s/verify.out' 2>&1", getenv("SB_BIN"),
                 f->cert, f->cat, f->dir);
        assert_int_equal(system(cmd), 0);
    }
    /* seq 1..N without a gap; each decision once, with the hash its append returned */
    assert_non_null(seen = calloc((size_t)THREADS * (size_t)per_thread, 1));
    assert_non_null(fp = fopen(f->old, "rb"));
    while ((len = getline(&line, &cap, fp)) > 0) {
        old_lines++;
        snprintf(last_old, sizeof(last_old), "%s", event_of(line));
    }
    fclose(fp);
    assert_string_equal(last_old, "rotate");
    assert_non_null(fp = fopen(f->cat, "rb"));
    while ((len = getline(&line, &cap, fp)) > 0) {
        assert_non_null(j = json_loads(line, 0, NULL));
        seq = (long long)json_integer_value(json_object_get(j, "seq"));
        assert_int_equal(seq, (long long)lines + 1);
        if ((int)lines == old_lines) {
            assert_string_equal(json_string_value(json_object_get(j, "event")), "reopen");
        }
        if (json_object_get(j, "type") == NULL) {
            snprintf(rid, sizeof(rid), "%s", json_string_value(json_object_get(j, "request_id")));
            assert_int_equal(sscanf(rid, "t%d-%d", &i, &k), 2);
            assert_true(i >= 0 && i < THREADS && k >= 0 && k < per_thread);
            assert_int_equal(seen[i * per_thread + k], 0);
            seen[i * per_thread + k] = 1;
            assert_string_equal(json_string_value(json_object_get(j, "hash")), w[i].hashes[k]);
            decisions++;
        }
        json_decref(j);
        lines++;
    }
    fclose(fp);
    free(line);
    assert_int_equal(decisions, (size_t)THREADS * (size_t)per_thread);
    assert_int_equal(v.records, lines);
    free(seen);
    for (i = 0; i < THREADS; i++) {
        free(w[i].hashes);
    }
    unlink(f->cat);
}

static void test_audit_concurrent_appends_batch(void **state)
{
    hammer(*state, SBGW_FSYNC_BATCH, 1500);
}

static void test_audit_concurrent_appends_fsync_always(void **state)
{
    hammer(*state, SBGW_FSYNC_EVERY, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_concurrent_appends_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_concurrent_appends_fsync_always, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
