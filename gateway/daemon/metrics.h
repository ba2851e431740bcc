/*
 * gateway/daemon/metrics.h — Prometheus text exposition (format 0.0.4) of the gateway's counters.
 *
 * Request counters and the latency histogram are updated by every event loop (each sends its own
 * connections' replies) under the metrics' own mutex; figures owned by other threads (queue depth, worker
 * busy time, audit counters, connection counts) are read with atomic loads by the caller and passed in as
 * gauges at render time.
 *
 *   sigbridge_requests_total{route,status,indication}
 *   sigbridge_request_duration_seconds{route} (histogram)
 *   sigbridge_queue_depth, sigbridge_queue_capacity, sigbridge_workers
 *   sigbridge_worker_busy_seconds_total, sigbridge_loop_validations_total{outcome="answered"|"deferred"}
 *   sigbridge_reloads_total{result="ok"|"failed"}
 *   sigbridge_policy_snapshot_info{id} 1, sigbridge_policy_snapshot_loaded_timestamp_seconds
 *   sigbridge_audit_records_total, sigbridge_audit_writes_total, sigbridge_audit_errors_total,
 *   sigbridge_audit_checkpoints_total, sigbridge_audit_reopens_total, sigbridge_audit_refused_total, sigbridge_audit_anchors_total,
 *   sigbridge_audit_anchor_errors_total, sigbridge_audit_writable, sigbridge_connections
 *   sigbridge_chain_cache_{hits,misses,evictions,flushes}_total, sigbridge_chain_cache_{entries,capacity}
 *   sigbridge_cert_cache_{hits,misses}_total, sigbridge_cert_cache_capacity
 *   sigbridge_sm2_key_cache_{hits,misses}_total
 *   sigbridge_crl_fetch_cache_misses_total, sigbridge_crl_refreshes_total{result="ok"|"failed"},
 *   sigbridge_crl_next_update_seconds{url} (one per cached CRL, at most SBGW_CRL_METRIC_URLS_MAX),
 *   sigbridge_revocation_cache_{loads,writes,removed,errors}_total{kind="crl"|"ocsp"} (with revocation_cache.dir)
 *   sigbridge_loops, sigbridge_loop_connections{loop}, sigbridge_loop_accepted_total{loop},
 *   sigbridge_loop_callback_cpu_seconds{loop} (histogram), sigbridge_loop_callback_cpu_max_seconds{loop}
 */
#ifndef SBGW_METRICS_H
#define SBGW_METRICS_H

#include <pthread.h>
#include <stddef.h>

#include "gateway/daemon/config.h"
#include "gateway/daemon/fetch.h"
#include "gateway/daemon/ocsp_fetch.h"

#define SBGW_LOOP_BUSY_N 8          /* finite buckets of sigbridge_loop_callback_cpu_seconds */

#define SBGW_HIST_N 13              /* finite buckets; +Inf is implicit */
#define SBGW_LABEL_MAX 72

struct sbgw_mreq {
    char route[SBGW_LABEL_MAX];
    int status;
    char indication[24];
    unsigned long long n;
};

struct sbgw_mhist {
    char route[SBGW_LABEL_MAX];
    unsigned long long bucket[SBGW_HIST_N + 1];   /* non-cumulative; last = over the largest bound */
    unsigned long long count;
    double sum;
};

/* Shared by the event loops: every field under mu. */
struct sbgw_metrics {
    pthread_mutex_t mu;
    struct sbgw_mreq *req;          /* owned */
    size_t n_req, alloc_req;
    struct sbgw_mhist *hist;        /* owned */
    size_t n_hist, alloc_hist;
    unsigned long long reloads_ok, reloads_failed;
};

/* The CRL source's cache, refresh and disk figures (revocation_fetch.h, rev_disk_cache.h), sampled at render
 * time; everything borrowed for the call. */
struct sbgw_metrics_crl {
    unsigned long long misses, refresh_ok, refresh_failed;
    const char *const *next_url;    /* n_next cached CRLs' URLs and seconds until their nextUpdate */
    const long long *next_s;
    size_t n_next;
    int disk;                       /* 1: a revocation_cache.dir is in use: the four arrays below, by kind */
    unsigned long long disk_loads[2], disk_writes[2], disk_removed[2], disk_errors[2];   /* [0] crl, [1] ocsp */
};

/* Values sampled from other threads at render time. */
struct sbgw_metrics_gauges {
    long queue_depth, queue_capacity;
    int workers;
    double worker_busy_seconds;
    unsigned long long inline_answered, inline_deferred;   /* validations begun on an event loop */
    const char *snapshot;           /* NULL when no set is loaded */
    long long snapshot_loaded;      /* unix time */
    unsigned long long audit_records, audit_errors, audit_checkpoints, audit_reopens, audit_refused;
    unsigned long long audit_anchors, audit_anchor_errors, audit_writes;
    int audit_writable;
    long connections;
    long receiving;                 /* requests whose body is still arriving */
    long long pending_body;         /* bytes counted against limits.pending_body_bytes */
    unsigned long long chain_hits, chain_misses, chain_evictions, chain_flushes, chain_entries;
    long chain_capacity;            /* 0 = the chain cache is off */
    unsigned long long cert_hits, cert_misses;
    long cert_capacity;             /* 0 = the certificate cache is off */
    unsigned long long sm2_hits, sm2_misses;   /* SM2 key form + ZA reused / computed */
    unsigned long long sig_hits, sig_misses;   /* CA / CRL signatures answered from the memo / verified */
    long sig_capacity;              /* 0 = the signature memo is off */
    unsigned long long crl_fetch_hits, crl_fetch_fetched, crl_fetch_failed;   /* revocation_fetch.h */
    unsigned long long crl_fetch_entries;
    const struct sbgw_metrics_crl *crl;   /* NULL: the block below is not rendered */
    /* ---- the OCSP source and the shared revocation fetcher (ocsp_fetch.h, fetch.h) ---- */
    int have_ocsp, have_fetcher;    /* 0: not rendered */
    struct sbgw_ocsp_fetch_stats ocsp;
    struct sbgw_fetch_stats fetch;
    /* ---- */
    int loops;                      /* event loops, with each one's open and accepted connections */
    long loop_conns[SBGW_LOOPS_MAX];
    unsigned long long loop_accepted[SBGW_LOOPS_MAX];
    const unsigned long long *loop_busy_bounds;             /* ns, SBGW_LOOP_BUSY_N of them */
    unsigned long long loop_busy[SBGW_LOOPS_MAX][SBGW_LOOP_BUSY_N + 1];   /* non-cumulative, last = over */
    unsigned long long loop_busy_sum_ns[SBGW_LOOPS_MAX], loop_busy_max_ns[SBGW_LOOPS_MAX];
};

void sbgw_metrics_init(struct sbgw_metrics *m);
void sbgw_metrics_free(struct sbgw_metrics *m);
/* Count one answered request (indication NULL = "none") that took seconds. */
void sbgw_metrics_request(struct sbgw_metrics *m, const char *route, int status, const char *indication,
                          double seconds);
void sbgw_metrics_reload(struct sbgw_metrics *m, int ok);
/* The exposition text (malloc'd, NUL-terminated), or NULL on allocation failure. */
char *sbgw_metrics_render(struct sbgw_metrics *m, const struct sbgw_metrics_gauges *g);

#endif
