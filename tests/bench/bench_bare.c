/*
 * tests/bench/bench_bare.c — the baseline of `make bench`: what "just call OpenSSL" costs. Never a test.
 *
 * THREADS threads each loop d2i_CMS_ContentInfo + CMS_verify(flags 0) over the same DER object for
 * SECONDS, against one X509_STORE holding the trust anchors (shared by the threads, as an application
 * would share it). Nothing of sigbridge is linked: OpenSSL 3.0 only. Every call must verify (else exit 1).
 *
 * With --pairs FILE (tests/bench/gen_distinct.c's PAIRS output: length-prefixed DER SignedData, then its
 * length-prefixed detached content, repeated) the threads take the pairs in rotation from one shared
 * counter instead, each call a d2i_CMS_ContentInfo + CMS_verify with the content as a memory BIO: the bare
 * baseline on distinct signers and distinct contents.
 *
 * Usage: bench_bare [--seconds S] [--threads N] ANCHORS_PEM OBJECT_DER
 *        bench_bare [--seconds S] [--threads N] --pairs PAIRS_FILE ANCHORS_PEM
 * Output: one line "ops=N seconds=S rate=R cpu_us=C" (C = process CPU time per operation, µs).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct pair {
    const unsigned char *der, *content;
    size_t der_len, content_len;
};

struct ctx {
    X509_STORE *store;
    unsigned char *der;            /* the object, or the whole pairs file */
    long len;
    struct pair *pairs;            /* --pairs: npairs entries pointing into der */
    size_t npairs;
    atomic_ulong next;             /* --pairs: the next pair to verify (mod npairs) */
    double seconds;
    volatile int failed;
};

struct worker {
    struct ctx *c;
    pthread_t t;
    unsigned long n;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static int one(const struct ctx *c)
{
    const unsigned char *p = c->der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, c->len);
    int ok = cms != NULL && CMS_verify(cms, NULL, c->store, NULL, NULL, 0) == 1;

    if (!ok) {
        fprintf(stderr, "bench_bare: the object does not verify with OpenSSL CMS_verify:\n");
        ERR_print_errors_fp(stderr);
    }
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return ok;
}

/* The next pair in rotation: d2i + CMS_verify with its detached content. */
static int one_pair(struct ctx *c)
{
    const struct pair *pr = &c->pairs[atomic_fetch_add(&c->next, 1) % c->npairs];
    const unsigned char *p = pr->der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)pr->der_len);
    BIO *content = BIO_new_mem_buf(pr->content, (int)pr->content_len);
    int ok = cms != NULL && content != NULL && CMS_verify(cms, NULL, c->store, content, NULL, CMS_BINARY) == 1;

    if (!ok) {
        fprintf(stderr, "bench_bare: a pair does not verify with OpenSSL CMS_verify:\n");
        ERR_print_errors_fp(stderr);
    }
    BIO_free(content);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return ok;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Indexes the pairs of c->der[0..len) into c->pairs; 0 when the file is not a whole number of pairs. */
static int index_pairs(struct ctx *c)
{
    size_t at = 0, n = 0, cap = 0, len = (size_t)c->len;

    while (at < len) {
        struct pair pr;
        uint32_t l;

        if (len - at < 4 || (l = be32(c->der + at)) > len - at - 4) {
            return 0;
        }
        pr.der = c->der + at + 4;
        pr.der_len = l;
        at += 4 + (size_t)l;
        if (len - at < 4 || (l = be32(c->der + at)) > len - at - 4) {
            return 0;
        }
        pr.content = c->der + at + 4;
        pr.content_len = l;
        at += 4 + (size_t)l;
        if (n == cap) {
            struct pair *np = realloc(c->pairs, (cap = cap ? 2 * cap : 1024) * sizeof(*np));

            if (np == NULL) {
                return 0;
            }
            c->pairs = np;
        }
        c->pairs[n++] = pr;
    }
    c->npairs = n;
    return n > 0;
}

static void *run(void *arg)
{
    struct worker *w = arg;
    double t0 = now_s();

    do {
        if (!(w->c->pairs != NULL ? one_pair(w->c) : one(w->c))) {
            w->c->failed = 1;
            break;
        }
        w->n++;
    } while (!w->c->failed && now_s() - t0 < w->c->seconds);
    return NULL;
}

static unsigned char *read_all(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)n)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    } else {
        *len = n;
    }
    if (f != NULL) {
        fclose(f);
    }
    return buf;
}

/* Every certificate of the PEM file as a trusted anchor; the number added, -1 on error. */
static int add_anchors(X509_STORE *st, const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x;
    int n = 0;

    if (f == NULL) {
        return -1;
    }
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(st, x) != 1) {
            X509_free(x);
            fclose(f);
            return -1;
        }
        X509_free(x);
        n++;
    }
    ERR_clear_error();
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    struct ctx c;
    struct worker w[64];
    int threads = 1, i, argi = 1, rc = 1, ok;
    const char *pairs = NULL;
    unsigned long total = 0;
    double t0, t1, c0, c1;

    memset(&c, 0, sizeof(c));
    c.seconds = 2.0;
    for (; argi + 1 < argc && argv[argi][0] == '-'; argi += 2) {
        if (strcmp(argv[argi], "--seconds") == 0) {
            c.seconds = atof(argv[argi + 1]);
        } else if (strcmp(argv[argi], "--threads") == 0) {
            threads = atoi(argv[argi + 1]);
        } else if (strcmp(argv[argi], "--pairs") == 0) {
            pairs = argv[argi + 1];
        } else {
            break;
        }
    }
    if (argc - argi != (pairs != NULL ? 1 : 2) || threads < 1 || threads > 64 || !(c.seconds > 0.0)) {
        fprintf(stderr, "usage: bench_bare [--seconds S] [--threads N] ANCHORS_PEM OBJECT_DER\n"
                        "       bench_bare [--seconds S] [--threads N] --pairs PAIRS_FILE ANCHORS_PEM\n");
        return 2;
    }
    atomic_init(&c.next, 0);
    if ((c.store = X509_STORE_new()) == NULL || add_anchors(c.store, argv[argi]) < 1) {
        fprintf(stderr, "bench_bare: cannot load trust anchors from %s\n", argv[argi]);
        goto out;
    }
    if ((c.der = read_all(pairs != NULL ? pairs : argv[argi + 1], &c.len)) == NULL) {
        fprintf(stderr, "bench_bare: cannot read %s\n", pairs != NULL ? pairs : argv[argi + 1]);
        goto out;
    }
    if (pairs != NULL && !index_pairs(&c)) {
        fprintf(stderr, "bench_bare: %s is not a pairs file (length-prefixed DER, content, ...)\n", pairs);
        goto out;
    }
    ok = pairs != NULL ? one_pair(&c) : one(&c);      /* a check before timing (the run starts at pair 2) */
    if (!ok) {
        goto out;
    }
    t0 = now_s();
    c0 = cpu_s();
    for (i = 0; i < threads; i++) {
        w[i].c = &c;
        w[i].n = 0;
        if (pthread_create(&w[i].t, NULL, run, &w[i]) != 0) {
            c.failed = 1;
            threads = i;
            break;
        }
    }
    for (i = 0; i < threads; i++) {
        pthread_join(w[i].t, NULL);
        total += w[i].n;
    }
    t1 = now_s();
    c1 = cpu_s();
    if (c.failed || total == 0) {
        goto out;
    }
    printf("ops=%lu seconds=%.3f rate=%.1f cpu_us=%.2f\n", total, t1 - t0, (double)total / (t1 - t0),
           1e6 * (c1 - c0) / (double)total);
    rc = 0;
out:
    X509_STORE_free(c.store);
    free(c.pairs);
    free(c.der);
    return rc;
}
