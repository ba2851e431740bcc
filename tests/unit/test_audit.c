/*
 * tests/unit/test_audit.c — the gateway's hash-chained audit log (gateway/daemon/audit.h): records chain, the
 * chain continues across reopen, a torn tail is reported (exit 3) and cut on open, edited / removed /
 * reordered records are named (exit 1), the last record is checked on open, a failed write leaves the
 * file ending in a whole record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/daemon/audit.h"

struct fx {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/sb_test_audit_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/audit.jsonl", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Open path as the daemon would without an audit key (node "node-1"). */
static int open_log(struct sbgw_audit *a, const char *path, enum sbgw_fsync mode, int batch_ms,
                    struct sbgw_audit_open_info *info, char *err, size_t errlen)
{
    const struct sbgw_audit_opts o = { .path = path, .node_id = "node-1", .fsync = mode, .batch_ms = batch_ms };

    return sbgw_audit_open(a, &o, info, err, errlen);
}

static void rec_init(struct sbgw_audit_rec *r, const char *from, const char *reason)
{
    memset(r, 0, sizeof(*r));
    r->request_id = "req-1";
    r->client = "bank-a";
    r->route = "verify";
    r->from = from;
    r->object_sha256 = "6743aff33d74d6743a3e54e3fbb2157ae20d78f4d6716b8f0616d42ca6d0fa07";
    r->signer_subject = "CN=CHAN Tai Man,O=Hongkong Post,C=HK";
    r->signer_serial = "2000";
    r->indication = reason == NULL ? "TOTAL_PASSED" : "TOTAL_FAILED";
    r->subindication = reason == NULL ? NULL : "SIG_CRYPTO_FAILURE";
    r->reason = reason;
    r->snapshot = "df565fd56b1ebd9bf2f30713608a9924484f8816d7bdd01e00fc78473848ae38";
}

static void write_n(const char *path, int n)
{
    struct sbgw_audit a;
    struct sbgw_audit_open_info info;
    struct sbgw_audit_rec r;
    char err[256];
    int i;

    assert_int_equal(open_log(&a, path, SBGW_FSYNC_BATCH, 10, &info, err, sizeof(err)), 0);
    for (i = 0; i < n; i++) {
        rec_init(&r, i % 2 == 0 ? "hk" : "cn", i % 3 == 2 ? "SIG_CRYPTO" : NULL);
        assert_int_equal(sbgw_audit_append(&a, &r, NULL), 0);
    }
    sbgw_audit_close(&a);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 20);
    size_t n;

    assert_non_null(f);
    assert_non_null(buf);
    n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_audit_append_chain_verifies(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_verify v;
    char *text, *line2;
    size_t len;

    write_n(f->path, 5);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    assert_int_equal(v.records, 5);
    assert_int_equal(v.line, 0);
    text = slurp(f->path, &len);
    /* first record starts the chain from 64 zeros; the second carries the first's hash */
    assert_non_null(strstr(text, "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\""));
    line2 = strchr(text, '\n') + 1;
    assert_non_null(strstr(line2, "\"seq\":2"));
    assert_non_null(strstr(text, "\"node\":\"node-1\""));
    assert_non_null(strstr(text, "\"reason\":\"SIG_CRYPTO\""));
    assert_non_null(strstr(text, "\"to\":null"));
    free(text);
}

static void test_audit_reopen_continues_chain(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_open_info info;
    struct sbgw_audit_verify v;
    struct sbgw_audit a;
    char err[256];

    write_n(f->path, 3);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    assert_int_equal(open_log(&a, f->path, SBGW_FSYNC_EVERY, 100, &info, err, sizeof(err)), 0);
    assert_int_equal(info.last_seq, 3);
    assert_int_equal(info.cut_bytes, 0);
    assert_string_equal(info.last_hash, v.last_hash);
    sbgw_audit_close(&a);
    write_n(f->path, 2);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    assert_int_equal(v.records, 5);
}

static void test_audit_torn_tail_reported_then_cut(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_open_info info;
    struct sbgw_audit_verify v;
    struct sbgw_audit a;
    char err[256];
    int fd;

    write_n(f->path, 3);
    fd = open(f->path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"seq\":4,\"time\":\"2025-", 22), 22);
    close(fd);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 3);
    assert_int_equal(v.records, 3);
    assert_int_equal(v.line, 4);
    assert_int_equal(v.torn_bytes, 22);
    assert_int_equal(open_log(&a, f->path, SBGW_FSYNC_OFF, 100, &info, err, sizeof(err)), 0);
    assert_int_equal(info.cut_bytes, 22);
    assert_int_equal(info.last_seq, 3);
    sbgw_audit_close(&a);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    write_n(f->path, 1);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    assert_int_equal(v.records, 4);
}

static void test_audit_edited_record_named(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_verify v;
    char *text, *p;
    size_t len;

    write_n(f->path, 4);
    text = slurp(f->path, &len);
    p = strstr(strchr(text, '\n') + 1, "\"from\":\"cn\"");   /* line 2 */
    assert_non_null(p);
    memcpy(p, "\"from\":\"mo\"", 11);
    spit(f->path, text, len);
    free(text);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 1);
    assert_int_equal(v.line, 2);
    assert_int_equal(v.records, 1);
    assert_non_null(strstr(v.why, "hash does not match"));
}

static void test_audit_removed_record_named(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_verify v;
    char *text, *l2, *l3;
    size_t len;

    write_n(f->path, 4);
    text = slurp(f->path, &len);
    l2 = strchr(text, '\n') + 1;
    l3 = strchr(l2, '\n') + 1;
    memmove(l2, l3, len - (size_t)(l3 - text));
    spit(f->path, text, len - (size_t)(l3 - l2));
    free(text);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 1);
    assert_int_equal(v.line, 2);
    assert_non_null(strstr(v.why, "prev does not match"));
}

static void test_audit_open_refuses_edited_last_record(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_open_info info;
    struct sbgw_audit a;
    char err[512], *text, *p;
    size_t len;

    write_n(f->path, 2);
    text = slurp(f->path, &len);
    p = strstr(strchr(text, '\n') + 1, "\"signer_serial\":\"2000\"");
    assert_non_null(p);
    p[17] = '3';
    spit(f->path, text, len);
    free(text);
    assert_int_equal(open_log(&a, f->path, SBGW_FSYNC_OFF, 100, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "does not match its content"));
}

static void test_audit_write_failure_keeps_file_whole(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_open_info info;
    struct sbgw_audit_verify v;
    struct sbgw_audit_rec r;
    struct sbgw_audit a;
    struct rlimit saved, small;
    struct stat st;
    char err[256];

    write_n(f->path, 2);
    assert_int_equal(open_log(&a, f->path, SBGW_FSYNC_OFF, 100, &info, err, sizeof(err)), 0);
    /* a real write failure, without touching the log's internals: the file size limit (EFBIG; SIGXFSZ
     * ignored) set to the log's size, so the next record cannot be written */
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, SIG_IGN);
    small = saved;
    small.rlim_cur = (rlim_t)st.st_size;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    rec_init(&r, "hk", NULL);
    assert_int_equal(sbgw_audit_append(&a, &r, NULL), -1);
    assert_int_equal(errno, EFBIG);
    assert_int_equal(a.seq, 2);
    assert_true(__atomic_load_n(&a.errors, __ATOMIC_RELAXED) >= 1);
    assert_int_equal(sbgw_audit_ready(&a, err, sizeof(err)), 0);  /* not ready until a write succeeds */
    assert_non_null(strstr(err, "File too large"));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(sbgw_audit_append(&a, &r, NULL), 0);  /* the chain goes on from record 2 */
    assert_int_equal(sbgw_audit_ready(&a, err, sizeof(err)), 1);
    sbgw_audit_close(&a);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    assert_int_equal(v.records, 4);                  /* 2, the "resumed" record naming the gap, the decision */
    {
        FILE *in = fopen(f->path, "r");
        char line[4096];
        json_t *rec;
        int n = 0;

        assert_non_null(in);
        while (fgets(line, sizeof(line), in) != NULL && ++n < 3) {
        }
        fclose(in);
        assert_non_null(rec = json_loads(line, 0, NULL));
        assert_string_equal(json_string_value(json_object_get(rec, "event")), "resumed");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "gap"), "refused")), 1);
        assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "gap"), "error")),
                            "File too large");
        assert_null(json_object_get(rec, "sig"));         /* no audit key: unsigned */
        json_decref(rec);
    }
}

static void test_audit_hash_is_canonical(void **state)
{
    json_t *a = json_loads("{\"seq\":1,\"b\":\"x\",\"a\":null,\"hash\":\"ignored\"}", 0, NULL);
    json_t *b = json_loads("{ \"a\" : null, \"b\":\"x\", \"seq\":1 }", 0, NULL);
    json_t *c = json_loads("{\"a\":null,\"b\":\"y\",\"seq\":1}", 0, NULL);
    char ha[65], hb[65], hc[65];

    (void)state;
    assert_int_equal(sbgw_audit_hash(a, ha), 0);
    assert_int_equal(sbgw_audit_hash(b, hb), 0);
    assert_int_equal(sbgw_audit_hash(c, hc), 0);
    assert_string_equal(ha, hb);
    assert_string_not_equal(ha, hc);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

/* client_request_id: written after request_id when given, left out when not; records with and without it
 * chain and verify, and an edit of it is caught. */
static void test_audit_client_request_id_optional(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit a;
    struct sbgw_audit_open_info info;
    struct sbgw_audit_rec r;
    struct sbgw_audit_verify v;
    char err[256], *text, *p;
    size_t len;

    assert_int_equal(open_log(&a, f->path, SBGW_FSYNC_OFF, 10, &info, err, sizeof(err)), 0);
    rec_init(&r, "hk", NULL);
    assert_int_equal(sbgw_audit_append(&a, &r, NULL), 0);
    r.client_request_id = "";
    assert_int_equal(sbgw_audit_append(&a, &r, NULL), 0);
    r.client_request_id = "client-chosen-1";
    assert_int_equal(sbgw_audit_append(&a, &r, NULL), 0);
    sbgw_audit_close(&a);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    assert_int_equal(v.records, 3);
    text = slurp(f->path, &len);
    assert_non_null(p = strstr(text, "\"request_id\":\"req-1\",\"client_request_id\":\"client-chosen-1\",\"client\""));
    assert_null(strstr(text, "\"client_request_id\":null"));
    assert_ptr_equal(strstr(text, "client_request_id"), p + 22);       /* only the third record has it */
    strstr(p, "chosen")[4] = 'X';                                      /* client-chosen-1 -> client-chosXn-1 */
    spit(f->path, text, len);
    free(text);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 1);
    assert_int_equal(v.line, 3);
}

static void test_audit_verify_edge_files(void **state)
{
    struct fx *f = *state;
    struct sbgw_audit_verify v;

    spit(f->path, "", 0);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 0);
    assert_int_equal(v.records, 0);
    spit(f->path, "not json\n", 9);
    assert_int_equal(sbgw_audit_verify_file(f->path, &v), 1);
    assert_int_equal(v.line, 1);
    assert_int_equal(sbgw_audit_verify_file("/nonexistent/audit.jsonl", &v), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_append_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_reopen_continues_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_torn_tail_reported_then_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_edited_record_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_removed_record_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_open_refuses_edited_last_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_write_failure_keeps_file_whole, setup, teardown),
        cmocka_unit_test(test_audit_hash_is_canonical),
        cmocka_unit_test_setup_teardown(test_audit_client_request_id_optional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_edge_files, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
