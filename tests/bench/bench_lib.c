/*
 * tests/bench/bench_lib.c — the library path in-process (part of `make bench`), never run as a test.
 *
 * What one gateway request does on a worker, minus HTTP and the audit log: sb_validate of one
 * signed object under a jurisdiction's trust policy loaded from a policy directory (the same loader as
 * the daemon), then the verdict JSON (sb_verdict_json + json_dumps). THREADS threads run the loop
 * for SECONDS; with --chains/--certificates > 0 the validated-path and decoded-certificate caches are
 * shared by the threads exactly as the daemon shares them (scope = sb_validate_cache_scope of the
 * snapshot id and jurisdiction; --certificates also sizes the verdict memo and the SM2 key cache, as in the
 * daemon) and warmed
 * by one untimed call first; with 0 every call is cold.
 * Every verdict is checked (TOTAL_PASSED expected; anything else aborts with exit 1).
 *
 * Usage: bench_lib [--seconds S] [--threads N] [--chains N] [--certificates N] [--no-json]
 *                  POLICY_DIR JURISDICTION OBJECT
 * Output: one line "ops=N seconds=S rate=R cpu_us=C" (C = process CPU time per operation, µs), for
 * tests/bench/bench.sh.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "pki/x509/cert_cache.h"
#include "pki/x509/chain_cache.h"
#include "pki/base/load.h"
#include "pki/crypto/sm2_cache.h"
#include "pki/policy/trust_policy.h"
#include "pki/verdict/validate.h"
#include "pki/verdict/verdict_render.h"

struct ctx {
    const struct sb_trust_policy *pol;
    const unsigned char *obj;
    size_t len;
    struct sb_chain_cache *chains;
    struct sb_cert_cache *certs;
    struct sb_cert_memo *memo;      /* with certs, as the daemon does */
    struct sb_sm2_cache *sm2;          /* with certs, as the daemon does */
    unsigned char scope[32];
    int json;
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

/* One request's worth of work; 1 when the object validated (TOTAL_PASSED). */
static int one(struct ctx *c)
{
    struct sb_validation_ctx vc;
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    time_t at = 0;
    json_t *v;
    char *text;
    int ok;

    sb_evidence_init(&ev);
    ev.format = SB_EV_CMS;
    ev.obj = c->obj;                     /* borrowed, as the daemon borrows the request body */
    ev.obj_len = c->len;
    memset(&vc, 0, sizeof(vc));
    vc.policy = c->pol;
    vc.now = time(NULL);
    vc.caches.chain = c->chains;
    vc.caches.scope = c->scope;
    vc.caches.certs = c->certs;
    vc.caches.memo = c->memo;
    vc.caches.sm2 = c->sm2;
    sb_err_clear(&err);
    ok = sb_validate(&vc, &ev, &res, &at, &err) == SB_OK;
    if (!ok) {
        fprintf(stderr, "bench_lib: the object does not validate: %s\n", err.msg);
    }
    if (ok && c->json) {
        if ((v = sb_verdict_json(&res, at, c->memo)) == NULL || (text = json_dumps(v, JSON_COMPACT)) == NULL) {
            ok = 0;
        } else {
            free(text);
        }
        json_decref(v);
    }
    sb_cms_result_clear(&res);
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

static void usage(void)
{
    fprintf(stderr, "usage: bench_lib [--seconds S] [--threads N] [--chains N] [--certificates N] [--no-json] "
                    "POLICY_DIR JURISDICTION OBJECT\n");
}

int main(int argc, char **argv)
{
    struct sb_policy_set *set = NULL;
    struct sb_diag diag;
    struct sb_err err;
    struct ctx c;
    struct worker w[64];
    unsigned char *obj = NULL;
    long chains = 0, certs = 0;
    int threads = 1, i, argi = 1, rc = 1;
    unsigned long total = 0;
    double t0, t1, c0, c1;

    memset(&c, 0, sizeof(c));
    c.seconds = 2.0;
    c.json = 1;
    for (; argi < argc && argv[argi][0] == '-'; argi++) {
        if (strcmp(argv[argi], "--no-json") == 0) {
            c.json = 0;
            continue;
        }
        if (argi + 1 >= argc) {
            usage();
            return 2;
        }
        if (strcmp(argv[argi], "--seconds") == 0) {
            c.seconds = atof(argv[++argi]);
        } else if (strcmp(argv[argi], "--threads") == 0) {
            threads = atoi(argv[++argi]);
        } else if (strcmp(argv[argi], "--chains") == 0) {
            chains = atol(argv[++argi]);
        } else if (strcmp(argv[argi], "--certificates") == 0) {
            certs = atol(argv[++argi]);
        } else {
            usage();
            return 2;
        }
    }
    if (argc - argi != 3 || threads < 1 || threads > 64 || !(c.seconds > 0.0) || chains < 0 || certs < 0) {
        usage();
        return 2;
    }
    sb_diag_init(&diag);
    sb_err_clear(&err);
    if (sb_policy_set_load(argv[argi], &diag, &set, &err) != SB_OK) {
        fprintf(stderr, "bench_lib: %s: %s\n", argv[argi], err.msg);
        goto out;
    }
    if ((c.pol = sb_policy_set_find(set, argv[argi + 1])) == NULL) {
        fprintf(stderr, "bench_lib: no jurisdiction %s in %s\n", argv[argi + 1], argv[argi]);
        goto out;
    }
    if (sb_load_file(argv[argi + 2], 16u * 1024 * 1024, &obj, &c.len, &err) != SB_OK) {
        fprintf(stderr, "bench_lib: %s\n", err.msg);
        goto out;
    }
    c.obj = obj;
    if ((chains > 0 && (c.chains = sb_chain_cache_new((size_t)chains)) == NULL) ||
        (certs > 0 && ((c.certs = sb_cert_cache_new((size_t)certs)) == NULL ||
                       (c.memo = sb_cert_memo_new((size_t)certs)) == NULL ||
                       (c.sm2 = sb_sm2_cache_new((size_t)certs)) == NULL)) ||
        !sb_validate_cache_scope(sb_policy_set_id(set), c.pol->id, c.scope)) {
        fprintf(stderr, "bench_lib: cannot set up the caches\n");
        goto out;
    }
    if (!one(&c)) {                 /* checks the object and warms the caches (if any) */
        goto out;
    }
    t0 = now_s();
    c0 = cpu_s();
    for (i = 0; i < threads; i++) {
        w[i].c = &c;
        w[i].n = 0;
        if (pthread_create(&w[i].t, NULL, run, &w[i]) != 0) {
            fprintf(stderr, "bench_lib: cannot start thread %d\n", i);
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
    sb_chain_cache_free(c.chains);
    sb_cert_cache_free(c.certs);
    sb_cert_memo_free(c.memo);
    sb_sm2_cache_free(c.sm2);
    sb_diag_clear(&diag);
    sb_policy_set_free(set);
    free(obj);
    return rc;
}
