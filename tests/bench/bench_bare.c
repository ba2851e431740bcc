/*
 * tests/bench/bench_bare.c — the baseline of `make bench`: what "just call OpenSSL" costs. Never a test.
 *
 * THREADS threads each loop d2i_CMS_ContentInfo + CMS_verify(flags 0) over the same DER object for
 * SECONDS, against one X509_STORE holding the trust anchors (shared by the threads, as an application
 * would share it). Nothing of sigbridge is linked: OpenSSL 3.0 only. Every call must verify (else exit 1).
 *
 * Usage: bench_bare [--seconds S] [--threads N] ANCHORS_PEM OBJECT_DER
 * Output: one line "ops=N seconds=S rate=R cpu_us=C" (C = process CPU time per operation, µs).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct ctx {
    X509_STORE *store;
    unsigned char *der;
    long len;
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

static void *run(void *arg)
{
    struct worker *w = arg;
    double t0 = now_s();

    do {
        if (!one(w->c)) {
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
    int threads = 1, i, argi = 1, rc = 1;
    unsigned long total = 0;
    double t0, t1, c0, c1;

    memset(&c, 0, sizeof(c));
    c.seconds = 2.0;
    for (; argi + 1 < argc && argv[argi][0] == '-'; argi += 2) {
        if (strcmp(argv[argi], "--seconds") == 0) {
            c.seconds = atof(argv[argi + 1]);
        } else if (strcmp(argv[argi], "--threads") == 0) {
            threads = atoi(argv[argi + 1]);
        } else {
            break;
        }
    }
    if (argc - argi != 2 || threads < 1 || threads > 64 || !(c.seconds > 0.0)) {
        fprintf(stderr, "usage: bench_bare [--seconds S] [--threads N] ANCHORS_PEM OBJECT_DER\n");
        return 2;
    }
    if ((c.store = X509_STORE_new()) == NULL || add_anchors(c.store, argv[argi]) < 1) {
        fprintf(stderr, "bench_bare: cannot load trust anchors from %s\n", argv[argi]);
        goto out;
    }
    if ((c.der = read_all(argv[argi + 1], &c.len)) == NULL) {
        fprintf(stderr, "bench_bare: cannot read %s\n", argv[argi + 1]);
        goto out;
    }
    if (!one(&c)) {
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
    free(c.der);
    return rc;
}
