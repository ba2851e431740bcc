/*
 * tests/unit/test_load.c — reading certificates, CRLs and keys (pki/base/load.h): PEM / DER auto-detection,
 * bundles, every kind of damaged input, size limits, and hostile random bytes.
 *
 * Inputs are minted in C (tests/unit/testcert.h) and written into a fresh mkdtemp() directory that is
 * removed after the run. Damaged inputs are rows of damaged_cases[] (one cmocka test per row, see
 * case_table.h): how the input is made, file or memory, and what the refusal must name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "pki/base/load.h"
#include "tests/unit/case_table.h"
#include "tests/unit/testcert.h"

struct fx {
    char dir[PATH_MAX];
    EVP_PKEY *key;
    X509 *certs[3];        /* root, intermediate, leaf */
    X509_CRL *crl;
};

/* ---- helpers ---------------------------------------------------------------------------------- */

static void path_in(const struct fx *f, const char *name, char *out, size_t max)
{
    int n = snprintf(out, max, "%s/%s", f->dir, name);

    assert_true(n > 0 && (size_t)n < max);
}

/* Write data to dir/name and put the full path into out. */
static void write_file(const struct fx *f, const char *name, const void *data, size_t len, char *out, size_t max)
{
    FILE *fp;

    path_in(f, name, out, max);
    assert_non_null(fp = fopen(out, "wb"));
    if (len > 0) {
        assert_int_equal(fwrite(data, 1, len, fp), len);
    }
    assert_int_equal(fclose(fp), 0);
}

/* A growable byte buffer (memory BIO) the helpers append to. */
static BIO *buf_new(void)
{
    BIO *b = BIO_new(BIO_s_mem());

    assert_non_null(b);
    return b;
}

static size_t buf_get(BIO *b, const unsigned char **data)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);

    assert_true(n >= 0);
    *data = (const unsigned char *)p;
    return (size_t)n;
}

static void add_pem(BIO *b, X509 *x)
{
    assert_int_equal(PEM_write_bio_X509(b, x), 1);
}

static void add_der(BIO *b, X509 *x)
{
    assert_int_equal(i2d_X509_bio(b, x), 1);
}

/* Write the contents of b to dir/name. */
static void write_buf(const struct fx *f, const char *name, BIO *b, char *out, size_t max)
{
    const unsigned char *d;
    size_t n = buf_get(b, &d);

    write_file(f, name, d, n, out, max);
}

/* The forms write_one() writes a fixture object in. */
enum form { CERT_PEM, CERT_DER, CRL_PEM, CRL_DER, KEY_PEM, KEY_DER };

/* Write f's certificate certs[cert] (CERT_*), CRL or key in form to dir/name; the full path into out. */
static void write_one(const struct fx *f, const char *name, enum form form, int cert, char *out, size_t max)
{
    BIO *b = buf_new();

    switch (form) {
    case CERT_PEM:
        add_pem(b, f->certs[cert]);
        break;
    case CERT_DER:
        add_der(b, f->certs[cert]);
        break;
    case CRL_PEM:
        assert_int_equal(PEM_write_bio_X509_CRL(b, f->crl), 1);
        break;
    case CRL_DER:
        assert_int_equal(i2d_X509_CRL_bio(b, f->crl), 1);
        break;
    case KEY_PEM:
        assert_int_equal(PEM_write_bio_PrivateKey(b, f->key, NULL, NULL, 0, NULL, NULL), 1);
        break;
    case KEY_DER:
        assert_int_equal(i2d_PrivateKey_bio(b, f->key), 1);
        break;
    default:
        fail_msg("unknown form %d", (int)form);
    }
    write_buf(f, name, b, out, max);
    BIO_free(b);
}

/* sb_load_certs on path: returns the reason; on SB_OK *n = certificates loaded. Checks err agrees. */
static enum sb_reason load(const char *path, int *n, struct sb_err *e)
{
    STACK_OF(X509) *sk = NULL;
    enum sb_reason rc;

    sb_err_clear(e);
    rc = sb_load_certs(path, &sk, e);
    assert_int_equal(rc, e->reason);
    if (n != NULL) {
        *n = sk == NULL ? -1 : sk_X509_num(sk);
    }
    sk_X509_pop_free(sk, X509_free);
    return rc;
}

static enum sb_reason load_mem(const void *data, size_t len, int *n, struct sb_err *e)
{
    STACK_OF(X509) *sk = NULL;
    enum sb_reason rc;

    sb_err_clear(e);
    rc = sb_load_certs_mem(data, len, "mem-input", &sk, e);
    assert_int_equal(rc, e->reason);
    if (n != NULL) {
        *n = sk == NULL ? -1 : sk_X509_num(sk);
    }
    sk_X509_pop_free(sk, X509_free);
    return rc;
}

/* load_mem on the contents of b. */
static enum sb_reason load_bio(BIO *b, int *n, struct sb_err *e)
{
    const unsigned char *d;
    size_t len = buf_get(b, &d);

    return load_mem(d, len, n, e);
}

/* xorshift64*: the deterministic PRNG of the random-input tests (state is the caller's). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void rnd_fill(uint64_t *s, unsigned char *p, size_t n)
{
    size_t i, k;
    uint64_t v;

    for (i = 0; i < n; i += 8) {
        v = rnd(s);
        for (k = 0; k < 8 && i + k < n; k++) {
            p[i + k] = (unsigned char)(v >> (8 * k));
        }
    }
}

static double secs_since(const struct timespec *t0)
{
    return tc_elapsed(t0);
}

/* ---- fixture ---------------------------------------------------------------------------------- */

/* Make the fixture on first use (struct ct_fixture.make): a fresh directory, a three-certificate PKI, a CRL. */
static void fx_make(void *arg)
{
    struct fx *f = arg;
    const char *tmp = getenv("TMPDIR");

    if (f->key != NULL) {
        return;
    }
    snprintf(f->dir, sizeof(f->dir), "%s/test_load.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    f->key = tc_key_ec();
    f->certs[0] = tc_root("Load Root", f->key);
    f->certs[1] = tc_inter("Load CA", f->key, f->certs[0], f->key, -1);
    f->certs[2] = tc_leaf("load.example", f->key, f->certs[1], f->key);
    f->crl = tc_crl(f->certs[0], f->key, TC_T2024, TC_T2030, NULL, 0, NULL);
}

/* Remove the directory and everything in it; free the PKI. */
static void fx_free(void *arg)
{
    struct fx *f = arg;
    DIR *d;
    struct dirent *de;
    char p[PATH_MAX + 300];
    int i;

    if (f->dir[0] != '\0' && (d = opendir(f->dir)) != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
                snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
                unlink(p);
            }
        }
        closedir(d);
        rmdir(f->dir);
    }
    for (i = 0; i < 3; i++) {
        X509_free(f->certs[i]);
    }
    X509_CRL_free(f->crl);
    EVP_PKEY_free(f->key);
}

/* ---- well-formed inputs ----------------------------------------------------------------------- */

static void test_pem_single(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    STACK_OF(X509) *sk = NULL;
    struct sb_err e;

    write_one(f, "single.pem", CERT_PEM, 2, path, sizeof(path));
    assert_int_equal(sb_load_certs(path, &sk, &e), SB_OK);
    assert_int_equal(sk_X509_num(sk), 1);
    assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->certs[2]), 0);
    /* a second load appends to the same stack */
    assert_int_equal(sb_load_certs(path, &sk, &e), SB_OK);
    assert_int_equal(sk_X509_num(sk), 2);
    sk_X509_pop_free(sk, X509_free);
}

static void test_pem_multiple_in_order(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    STACK_OF(X509) *sk = NULL;
    struct sb_err e;
    BIO *b = buf_new();
    int i;

    /* text before, between and after the blocks is allowed in PEM (openssl x509 -text output) */
    BIO_puts(b, "Subject: CN=load.example\n");
    add_pem(b, f->certs[2]);
    BIO_puts(b, "\n# intermediate\n");
    add_pem(b, f->certs[1]);
    add_pem(b, f->certs[0]);
    BIO_puts(b, "trailing comment\n");
    write_buf(f, "multi.pem", b, path, sizeof(path));
    BIO_free(b);
    assert_int_equal(sb_load_certs(path, &sk, &e), SB_OK);
    assert_int_equal(sk_X509_num(sk), 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(X509_cmp(sk_X509_value(sk, i), f->certs[2 - i]), 0);
    }
    sk_X509_pop_free(sk, X509_free);
}

static void test_pem_crlf_and_trusted_label(void **state)
{
    struct fx *f = ct_fx(state);
    const unsigned char *d;
    unsigned char *crlf;
    size_t n, i, m = 0;
    int cnt;
    struct sb_err e;
    BIO *b = buf_new();

    add_pem(b, f->certs[0]);
    n = buf_get(b, &d);
    assert_non_null(crlf = malloc(2 * n));
    for (i = 0; i < n; i++) {
        if (d[i] == '\n') {
            crlf[m++] = '\r';
        }
        crlf[m++] = d[i];
    }
    assert_int_equal(load_mem(crlf, m, &cnt, &e), SB_OK);
    assert_int_equal(cnt, 1);
    free(crlf);
    BIO_free(b);

    /* "TRUSTED CERTIFICATE" (X509_AUX) is a certificate too */
    b = buf_new();
    assert_int_equal(PEM_write_bio_X509_AUX(b, f->certs[0]), 1);
    n = buf_get(b, &d);
    assert_non_null(strstr((const char *)d, "BEGIN TRUSTED CERTIFICATE"));
    assert_int_equal(load_mem(d, n, &cnt, &e), SB_OK);
    assert_int_equal(cnt, 1);
    BIO_free(b);
}

static void test_pem_skips_other_blocks(void **state)
{
    struct fx *f = ct_fx(state);
    int cnt;
    struct sb_err e;
    BIO *b = buf_new();

    assert_int_equal(PEM_write_bio_PrivateKey(b, f->key, NULL, NULL, 0, NULL, NULL), 1);
    add_pem(b, f->certs[1]);
    assert_int_equal(load_bio(b, &cnt, &e), SB_OK);
    assert_int_equal(cnt, 1);
    BIO_free(b);
}

static void test_der_single_and_concatenated(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    STACK_OF(X509) *sk = NULL;
    struct sb_err e;
    BIO *b = buf_new();
    int i, cnt;

    add_der(b, f->certs[0]);
    write_buf(f, "one.der", b, path, sizeof(path));
    assert_int_equal(load(path, &cnt, &e), SB_OK);
    assert_int_equal(cnt, 1);
    BIO_free(b);

    b = buf_new();
    for (i = 2; i >= 0; i--) {
        add_der(b, f->certs[i]);
    }
    write_buf(f, "three.der", b, path, sizeof(path));
    BIO_free(b);
    assert_int_equal(sb_load_certs(path, &sk, &e), SB_OK);
    assert_int_equal(sk_X509_num(sk), 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(X509_cmp(sk_X509_value(sk, i), f->certs[2 - i]), 0);
    }
    sk_X509_pop_free(sk, X509_free);
}

/* ---- damaged inputs --------------------------------------------------------------------------- */

/* A PEM block that is not a certificate: INTEGER 1 under the CERTIFICATE label. */
static const char not_a_cert_pem[] = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";

/* The leaf's DER with extra bytes after it. */
static void der_then(const struct fx *f, BIO *b, const char *extra, size_t n)
{
    unsigned char *der = NULL;
    int len = tc_der(f->certs[2], &der);

    assert_int_equal(BIO_write(b, der, len), len);
    assert_int_equal(BIO_write(b, extra, (int)n), (int)n);
    OPENSSL_free(der);
}

/* The leaf as PEM (der 0) or DER (der 1), cut to its first half (half 1) or all but its last byte. */
static void leaf_cut(const struct fx *f, BIO *b, int der, int half)
{
    BIO *full = buf_new();
    const unsigned char *d;
    size_t n;

    if (der) {
        add_der(full, f->certs[2]);
    } else {
        add_pem(full, f->certs[2]);
    }
    n = buf_get(full, &d);
    n = half ? n / 2 : n - 1;
    assert_int_equal(BIO_write(b, d, (int)n), (int)n);
    BIO_free(full);
}

static void in_pem_bad_base64(const struct fx *f, BIO *b)
{
    char *p = NULL, *body;
    long n;

    add_pem(b, f->certs[2]);
    n = BIO_get_mem_data(b, &p);
    assert_non_null(body = memchr(p, '\n', (size_t)n));
    body[1 + 10] = '!';
    body[1 + 11] = '*';
}

/* no END line */
static void in_pem_half(const struct fx *f, BIO *b)
{
    leaf_cut(f, b, 0, 1);
}

/* a good certificate block followed by a damaged one: the whole input is refused */
static void in_pem_good_then_bad(const struct fx *f, BIO *b)
{
    add_pem(b, f->certs[0]);
    BIO_puts(b, not_a_cert_pem);
}

static void in_pem_not_a_certificate(const struct fx *f, BIO *b)
{
    (void)f;
    BIO_puts(b, not_a_cert_pem);
}

static void in_der_minus_one(const struct fx *f, BIO *b)
{
    leaf_cut(f, b, 1, 0);
}

static void in_der_half(const struct fx *f, BIO *b)
{
    leaf_cut(f, b, 1, 1);
}

static void in_der_then_bytes(const struct fx *f, BIO *b)
{
    der_then(f, b, "\x01\x02\x03\x04", 4);
}

/* a second SEQUENCE that is not a certificate */
static void in_der_then_sequence(const struct fx *f, BIO *b)
{
    der_then(f, b, "\x30\x02\x05\x00", 4);
}

/* one trailing byte (0x30, a SEQUENCE tag alone) */
static void in_der_then_one_byte(const struct fx *f, BIO *b)
{
    der_then(f, b, "\x30", 1);
}

static void in_key_only(const struct fx *f, BIO *b)
{
    assert_int_equal(PEM_write_bio_PrivateKey(b, f->key, NULL, NULL, 0, NULL, NULL), 1);
}

static void in_nothing(const struct fx *f, BIO *b)
{
    (void)f;
    (void)b;
}

static void in_whitespace(const struct fx *f, BIO *b)
{
    (void)f;
    BIO_puts(b, "\n\n  \n");
}

enum where { IN_FILE = 0, IN_MEMORY };
#define MSG_PATH "<path>"  /* damaged_case.want_msg: the file's path */

/* A damaged input (written by make) loaded from a file named after the case, or from memory ("mem-input"). */
struct damaged_case {
    const char *name;
    void (*make)(const struct fx *f, BIO *b);
    enum where where;
    const char *want_msg;   /* in err.msg; NULL: unchecked */
};

static const struct damaged_case damaged_cases[] = {
    { "pem_bad_base64", in_pem_bad_base64, IN_FILE, MSG_PATH },
    { "pem_truncated", in_pem_half, IN_FILE, MSG_PATH },
    { "pem_block_not_a_certificate", in_pem_not_a_certificate, IN_MEMORY, "mem-input" },
    { "pem_good_then_bad_block", in_pem_good_then_bad, IN_FILE, MSG_PATH },
    { "der_truncated_by_one", in_der_minus_one, IN_FILE, MSG_PATH },
    { "der_truncated_half", in_der_half, IN_FILE, MSG_PATH },
    { "der_trailing_bytes", in_der_then_bytes, IN_MEMORY, NULL },
    { "der_trailing_sequence", in_der_then_sequence, IN_MEMORY, NULL },
    { "der_trailing_byte", in_der_then_one_byte, IN_MEMORY, NULL },
    { "wrong_pem_label", in_key_only, IN_FILE, MSG_PATH },
    { "empty_file", in_nothing, IN_FILE, MSG_PATH },
    { "empty_memory", in_nothing, IN_MEMORY, NULL },
    { "whitespace_only", in_whitespace, IN_MEMORY, NULL },
};

/* Every damaged input is refused as INPUT_MALFORMED, naming where it came from. */
static void run_damaged_case(void **state)
{
    const struct damaged_case *c = ct_row(state);
    const struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    const unsigned char *d;
    struct sb_err e;
    enum sb_reason rc;
    BIO *b = buf_new();
    size_t n;

    c->make(f, b);
    n = buf_get(b, &d);
    if (c->where == IN_FILE) {
        write_file(f, c->name, d, n, path, sizeof(path));
        rc = load(path, NULL, &e);
    } else {
        rc = load_mem(d, n, NULL, &e);
    }
    if (rc != SB_R_INPUT_MALFORMED) {
        fail_msg("got %s (%s), want INPUT_MALFORMED", sb_reason_name(rc), e.msg);
    }
    if (c->want_msg != NULL) {
        const char *want = strcmp(c->want_msg, MSG_PATH) == 0 ? path : c->want_msg;

        if (strstr(e.msg, want) == NULL) {
            fail_msg("message '%s' lacks '%s'", e.msg, want);
        }
    }
    BIO_free(b);
}

/* An empty file is no CRL either. */
static void test_empty_file_crls(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    STACK_OF(X509_CRL) *crls = NULL;
    struct sb_err e;

    write_file(f, "empty", "", 0, path, sizeof(path));
    assert_int_equal(sb_load_crls(path, &crls, &e), SB_R_INPUT_MALFORMED);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
}

static void test_unreadable(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    unsigned char *data = (unsigned char *)"x";
    size_t len = 7;
    struct sb_err e;

    path_in(f, "does-not-exist.pem", path, sizeof(path));
    assert_int_equal(load(path, NULL, &e), SB_R_INPUT_UNREADABLE);
    assert_non_null(strstr(e.msg, path));
    assert_int_equal(sb_load_file(path, 100, &data, &len, &e), SB_R_INPUT_UNREADABLE);
    assert_null(data);
    assert_int_equal(len, 0);
    /* a directory is not a file */
    assert_int_equal(load(f->dir, NULL, &e), SB_R_INPUT_UNREADABLE);
    assert_non_null(strstr(e.msg, f->dir));
}

static void test_load_file_limit(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    unsigned char *data = NULL;
    size_t len = 0;
    struct sb_err e;

    write_file(f, "ten", "0123456789", 10, path, sizeof(path));
    assert_int_equal(sb_load_file(path, 10, &data, &len, &e), SB_OK);
    assert_int_equal(len, 10);
    assert_memory_equal(data, "0123456789", 10);
    assert_int_equal(data[10], 0); /* NUL-terminated for text parsers */
    free(data);
    assert_int_equal(sb_load_file(path, 9, &data, &len, &e), SB_R_INPUT_TOO_LARGE);
    assert_null(data);
    assert_non_null(strstr(e.msg, path));
}

static void test_17mb_too_large(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    struct sb_err e;
    FILE *fp;
    struct timespec t0;

    path_in(f, "big17", path, sizeof(path));
    assert_non_null(fp = fopen(path, "wb"));
    /* sparse: 17 MiB of zero bytes without writing them */
    assert_int_equal(ftruncate(fileno(fp), 17L * 1024 * 1024), 0);
    assert_int_equal(fclose(fp), 0);
    tc_clock_start(&t0);
    assert_int_equal(load(path, NULL, &e), SB_R_INPUT_TOO_LARGE);
    assert_true(secs_since(&t0) < 0.5);
    assert_non_null(strstr(e.msg, path));
    {
        STACK_OF(X509_CRL) *crls = NULL;

        assert_int_equal(sb_load_crls(path, &crls, &e), SB_R_INPUT_TOO_LARGE);
        sk_X509_CRL_pop_free(crls, X509_CRL_free);
    }
    /* exactly the limit is read; one more byte is not */
    assert_non_null(fp = fopen(path, "r+b"));
    assert_int_equal(ftruncate(fileno(fp), (off_t)SB_LOAD_MAX_FILE + 1), 0);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(load(path, NULL, &e), SB_R_INPUT_TOO_LARGE);
    assert_non_null(fp = fopen(path, "r+b"));
    assert_int_equal(ftruncate(fileno(fp), (off_t)SB_LOAD_MAX_FILE), 0);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(load(path, NULL, &e), SB_R_INPUT_MALFORMED); /* zeros: not PEM, not DER */
    unlink(path);
}

static void test_10mb_garbage_fast(void **state)
{
    struct fx *f = ct_fx(state);
    const size_t n = 10u * 1024u * 1024u;
    char path[PATH_MAX];
    unsigned char *g;
    uint64_t s = 0x5eed5eed12345678ULL;
    struct sb_err e;
    struct timespec t0;
    enum sb_reason rc;
    size_t i;

    assert_non_null(g = malloc(n));
    rnd_fill(&s, g, n);

    /* random bytes */
    g[0] = 0x01;
    write_file(f, "garbage10", g, n, path, sizeof(path));
    tc_clock_start(&t0);
    rc = load(path, NULL, &e);
    assert_true(rc == SB_R_INPUT_MALFORMED || rc == SB_R_INPUT_TOO_LARGE);
    assert_true(secs_since(&t0) < 1.0);
    assert_non_null(strstr(e.msg, path));

    /* random bytes that start like DER (a SEQUENCE with a long length) */
    g[0] = 0x30;
    g[1] = 0x83;
    write_file(f, "garbage10", g, n, path, sizeof(path));
    tc_clock_start(&t0);
    rc = load(path, NULL, &e);
    assert_true(rc == SB_R_INPUT_MALFORMED || rc == SB_R_INPUT_TOO_LARGE);
    assert_true(secs_since(&t0) < 1.0);

    /* a PEM header followed by 10 MB of base64 alphabet without an END line */
    memcpy(g, "-----BEGIN CERTIFICATE-----\n", 28);
    for (i = 28; i < n; i++) {
        g[i] = (i % 65 == 64) ? '\n' : (unsigned char)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[g[i] & 63];
    }
    write_file(f, "garbage10", g, n, path, sizeof(path));
    tc_clock_start(&t0);
    rc = load(path, NULL, &e);
    assert_true(rc == SB_R_INPUT_MALFORMED || rc == SB_R_INPUT_TOO_LARGE);
    assert_true(secs_since(&t0) < 1.0);
    unlink(path);
    free(g);
}

static void test_random_bytes_never_crash(void **state)
{
    struct fx *f = ct_fx(state);
    uint64_t s = 0x0123456789abcdefULL;
    unsigned char *buf, *der = NULL;
    int derlen = tc_der(f->certs[2], &der), it, cnt;
    struct sb_err e;
    enum sb_reason rc;
    size_t len, k;

    assert_non_null(buf = malloc(70000));
    for (it = 0; it < 200; it++) {
        len = (size_t)(rnd(&s) % 4096);
        if (it % 20 == 0) {
            len = (size_t)(rnd(&s) % 70000);
        }
        rnd_fill(&s, buf, len);
        switch (it % 4) {
        case 1: /* DER-looking start */
            if (len > 2) {
                buf[0] = 0x30;
                buf[1] = (unsigned char)(0x80 | (rnd(&s) % 5));
            }
            break;
        case 2: /* a real certificate with random bytes flipped */
            if ((size_t)derlen <= 70000) {
                len = (size_t)derlen;
                memcpy(buf, der, len);
                for (k = 0; k < 1 + rnd(&s) % 8; k++) {
                    buf[rnd(&s) % len] ^= (unsigned char)(1u << (rnd(&s) % 8));
                }
            }
            break;
        case 3: /* PEM armour around random base64-ish text */
            if (len > 60) {
                memcpy(buf, "-----BEGIN CERTIFICATE-----\n", 28);
                for (k = 28; k < len; k++) {
                    buf[k] = (unsigned char)"AB+/=\n-Zz09"[buf[k] % 11];
                }
            }
            break;
        default:
            break;
        }
        cnt = -1;
        rc = load_mem(buf, len, &cnt, &e);
        if (it % 4 == 2 && rc == SB_OK) {
            /* a bit flip inside a string or the signature still parses: one certificate */
            assert_int_equal(cnt, 1);
            continue;
        }
        if (rc != SB_R_INPUT_MALFORMED && rc != SB_R_INPUT_TOO_LARGE) {
            fail_msg("iteration %d (len %zu): %s", it, len, sb_reason_name(rc));
        }
        assert_true(e.msg[0] != '\0');
    }
    free(buf);
    OPENSSL_free(der);
}

static void test_object_limit(void **state)
{
    struct fx *f = ct_fx(state);
    BIO *b = buf_new();
    int i, cnt;
    struct sb_err e;

    for (i = 0; i < SB_LOAD_MAX_OBJECTS; i++) {
        add_der(b, f->certs[0]);
    }
    assert_int_equal(load_bio(b, &cnt, &e), SB_OK);
    assert_int_equal(cnt, SB_LOAD_MAX_OBJECTS);
    add_der(b, f->certs[0]);
    assert_int_equal(load_bio(b, &cnt, &e), SB_R_INPUT_TOO_LARGE);
    BIO_free(b);

    b = buf_new();
    for (i = 0; i <= SB_LOAD_MAX_OBJECTS; i++) {
        add_pem(b, f->certs[0]);
    }
    assert_int_equal(load_bio(b, &cnt, &e), SB_R_INPUT_TOO_LARGE);
    BIO_free(b);
}

/* ---- CRLs and keys ---------------------------------------------------------------------------- */

static void test_crls(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    STACK_OF(X509_CRL) *crls = NULL;
    struct sb_err e;
    BIO *b = buf_new();

    assert_int_equal(PEM_write_bio_X509_CRL(b, f->crl), 1);
    assert_int_equal(PEM_write_bio_X509_CRL(b, f->crl), 1);
    write_buf(f, "two.crl.pem", b, path, sizeof(path));
    BIO_free(b);
    assert_int_equal(sb_load_crls(path, &crls, &e), SB_OK);
    assert_int_equal(sk_X509_CRL_num(crls), 2);
    assert_int_equal(X509_CRL_cmp(sk_X509_CRL_value(crls, 0), f->crl), 0);

    write_one(f, "one.crl", CRL_DER, 0, path, sizeof(path));
    assert_int_equal(sb_load_crls(path, &crls, &e), SB_OK);
    assert_int_equal(sk_X509_CRL_num(crls), 3);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    crls = NULL;

    /* a certificate is not a CRL, in PEM or DER */
    write_one(f, "cert-as-crl.pem", CERT_PEM, 0, path, sizeof(path));
    assert_int_equal(sb_load_crls(path, &crls, &e), SB_R_INPUT_MALFORMED);
    assert_non_null(strstr(e.msg, path));
    write_one(f, "cert-as-crl.der", CERT_DER, 0, path, sizeof(path));
    assert_int_equal(sb_load_crls(path, &crls, &e), SB_R_INPUT_MALFORMED);
    assert_non_null(strstr(e.msg, path));
    /* and a CRL is not a certificate */
    write_one(f, "crl-as-cert.pem", CRL_PEM, 0, path, sizeof(path));
    assert_int_equal(load(path, NULL, &e), SB_R_INPUT_MALFORMED);
    path_in(f, "no-such.crl", path, sizeof(path));
    assert_int_equal(sb_load_crls(path, &crls, &e), SB_R_INPUT_UNREADABLE);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
}

static void test_keys(void **state)
{
    struct fx *f = ct_fx(state);
    char path[PATH_MAX];
    EVP_PKEY *k = NULL;
    struct sb_err e;

    write_one(f, "k.pem", KEY_PEM, 0, path, sizeof(path));
    assert_int_equal(sb_load_key(path, &k, &e), SB_OK);
    assert_int_equal(EVP_PKEY_eq(k, f->key), 1);
    EVP_PKEY_free(k);

    write_one(f, "k.der", KEY_DER, 0, path, sizeof(path));
    assert_int_equal(sb_load_key(path, &k, &e), SB_OK);
    assert_int_equal(EVP_PKEY_eq(k, f->key), 1);
    EVP_PKEY_free(k);

    write_one(f, "cert-as-key.pem", CERT_PEM, 0, path, sizeof(path));
    assert_int_equal(sb_load_key(path, &k, &e), SB_R_INPUT_MALFORMED);
    assert_null(k);
    assert_non_null(strstr(e.msg, path));
    path_in(f, "nokey", path, sizeof(path));
    assert_int_equal(sb_load_key(path, &k, &e), SB_R_INPUT_UNREADABLE);
}

int main(void)
{
    static const struct ct_fn fns[] = {
        CT_FN(test_pem_single),
        CT_FN(test_pem_multiple_in_order),
        CT_FN(test_pem_crlf_and_trusted_label),
        CT_FN(test_pem_skips_other_blocks),
        CT_FN(test_der_single_and_concatenated),
        CT_FN(test_empty_file_crls),
        CT_FN(test_unreadable),
        CT_FN(test_load_file_limit),
        CT_FN(test_17mb_too_large),
        CT_FN(test_10mb_garbage_fast),
        CT_FN(test_random_bytes_never_crash),
        CT_FN(test_object_limit),
        CT_FN(test_crls),
        CT_FN(test_keys),
    };
    static const struct ct_table tables[] = {
        CT_TABLE(damaged_cases, run_damaged_case),
    };
    struct fx fx;
    const struct ct_fixture fixture = { &fx, fx_make, fx_free };

    memset(&fx, 0, sizeof(fx));
    return ct_main("test_load", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
