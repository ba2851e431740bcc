/*
 * gateway/daemon/metrics.c — counters, histogram and the Prometheus text rendering (see metrics.h).
 */
#include "gateway/daemon/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double bounds[SBGW_HIST_N] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1.0,   2.5,  10.0 };

void sbgw_metrics_init(struct sbgw_metrics *m)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
}

void sbgw_metrics_free(struct sbgw_metrics *m)
{
    free(m->req);
    free(m->hist);
    pthread_mutex_destroy(&m->mu);
    memset(m, 0, sizeof(*m));
}

static int grow(void **v, size_t *alloc, size_t n, size_t elem)
{
    void *p;
    size_t na;

    if (n < *alloc) {
        return 1;
    }
    na = *alloc == 0 ? 16 : *alloc * 2;
    if ((p = realloc(*v, na * elem)) == NULL) {
        return 0;
    }
    *v = p;
    *alloc = na;
    return 1;
}

void sbgw_metrics_request(struct sbgw_metrics *m, const char *route, int status, const char *indication,
                          double seconds)
{
    const char *ind = indication != NULL ? indication : "none";
    struct sbgw_mreq *r = NULL;
    struct sbgw_mhist *h = NULL;
    size_t i;

    pthread_mutex_lock(&m->mu);
    for (i = 0; i < m->n_req; i++) {
        if (m->req[i].status == status && strcmp(m->req[i].route, route) == 0 &&
            strcmp(m->req[i].indication, ind) == 0) {
            r = &m->req[i];
            break;
        }
    }
    if (r == NULL && m->n_req < 4096 && grow((void **)&m->req, &m->alloc_req, m->n_req, sizeof(*m->req))) {
        r = &m->req[m->n_req++];
        memset(r, 0, sizeof(*r));
        snprintf(r->route, sizeof(r->route), "%s", route);
        snprintf(r->indication, sizeof(r->indication), "%s", ind);
        r->status = status;
    }
    if (r != NULL) {
        r->n++;
    }
    for (i = 0; i < m->n_hist; i++) {
        if (strcmp(m->hist[i].route, route) == 0) {
            h = &m->hist[i];
            break;
        }
    }
    if (h == NULL && m->n_hist < 1024 && grow((void **)&m->hist, &m->alloc_hist, m->n_hist, sizeof(*m->hist))) {
        h = &m->hist[m->n_hist++];
        memset(h, 0, sizeof(*h));
        snprintf(h->route, sizeof(h->route), "%s", route);
    }
    if (h != NULL) {
        for (i = 0; i < SBGW_HIST_N && seconds > bounds[i]; i++) {
        }
        h->bucket[i]++;
        h->count++;
        h->sum += seconds;
    }
    pthread_mutex_unlock(&m->mu);
}

void sbgw_metrics_reload(struct sbgw_metrics *m, int ok)
{
    pthread_mutex_lock(&m->mu);
    if (ok) {
        m->reloads_ok++;
    } else {
        m->reloads_failed++;
    }
    pthread_mutex_unlock(&m->mu);
}

struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (b->oom) {
        return;
    }
    for (;;) {
        va_start(ap, fmt);
        w = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)w < b->cap - b->n) {
            b->n += (size_t)w;
            return;
        }
        {
            size_t nc = b->cap * 2 + (size_t)w;
            char *np = realloc(b->p, nc);

            if (np == NULL) {
                b->oom = 1;
                return;
            }
            b->p = np;
            b->cap = nc;
        }
    }
}

/* Label values are ids and hex here, but escape as the format requires anyway. */
static void label(char *out, size_t len, const char *s)
{
    size_t o = 0;

    for (; *s != '\0' && o + 3 < len; s++) {
        if (*s == '\\' || *s == '"') {
            out[o++] = '\\';
            out[o++] = *s;
        } else if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* The CRL source's cache, refresh and disk block (struct sbgw_metrics_crl). A URL is escaped whole (no
 * truncation: two URLs must never render as the same series). */
static void render_crl(struct sbuf *b, const struct sbgw_metrics_crl *c)
{
    static const char *const kinds[2] = { "crl", "ocsp" };
    char *esc;
    size_t i;
    int k;

    sb_printf(b, "# HELP sigbridge_crl_fetch_cache_misses_total Allowed distribution point URLs not in the cache, "
                 "so fetched.\n# TYPE sigbridge_crl_fetch_cache_misses_total counter\n"
                 "sigbridge_crl_fetch_cache_misses_total %llu\n"
                 "# HELP sigbridge_crl_refreshes_total Background refetches of cached CRLs near their nextUpdate, "
                 "by result (failed: the cached CRL stays until its nextUpdate).\n"
                 "# TYPE sigbridge_crl_refreshes_total counter\n"
                 "sigbridge_crl_refreshes_total{result=\"ok\"} %llu\n"
                 "sigbridge_crl_refreshes_total{result=\"failed\"} %llu\n",
              c->misses, c->refresh_ok, c->refresh_failed);
    sb_printf(b, "# HELP sigbridge_crl_next_update_seconds Seconds until each cached CRL's nextUpdate (when it "
                 "stops being served).\n# TYPE sigbridge_crl_next_update_seconds gauge\n");
    for (i = 0; i < c->n_next; i++) {
        size_t n = strlen(c->next_url[i]) * 2 + 4;

        if ((esc = malloc(n)) == NULL) {
            b->oom = 1;
            return;
        }
        label(esc, n, c->next_url[i]);
        sb_printf(b, "sigbridge_crl_next_update_seconds{url=\"%s\"} %lld\n", esc, c->next_s[i]);
        free(esc);
    }
    if (!c->disk) {
        return;
    }
    sb_printf(b, "# HELP sigbridge_revocation_cache_loads_total Entries read from the revocation cache directory.\n"
                 "# TYPE sigbridge_revocation_cache_loads_total counter\n");
    for (k = 0; k < 2; k++) {
        sb_printf(b, "sigbridge_revocation_cache_loads_total{kind=\"%s\"} %llu\n", kinds[k], c->disk_loads[k]);
    }
    sb_printf(b, "# HELP sigbridge_revocation_cache_writes_total Entries written to the revocation cache directory.\n"
                 "# TYPE sigbridge_revocation_cache_writes_total counter\n");
    for (k = 0; k < 2; k++) {
        sb_printf(b, "sigbridge_revocation_cache_writes_total{kind=\"%s\"} %llu\n", kinds[k], c->disk_writes[k]);
    }
    sb_printf(b, "# HELP sigbridge_revocation_cache_removed_total Expired, damaged or surplus cache files removed.\n"
                 "# TYPE sigbridge_revocation_cache_removed_total counter\n");
    for (k = 0; k < 2; k++) {
        sb_printf(b, "sigbridge_revocation_cache_removed_total{kind=\"%s\"} %llu\n", kinds[k], c->disk_removed[k]);
    }
    sb_printf(b, "# HELP sigbridge_revocation_cache_errors_total Cache files that could not be written or read.\n"
                 "# TYPE sigbridge_revocation_cache_errors_total counter\n");
    for (k = 0; k < 2; k++) {
        sb_printf(b, "sigbridge_revocation_cache_errors_total{kind=\"%s\"} %llu\n", kinds[k], c->disk_errors[k]);
    }
}

/* ---- the OCSP source and the shared revocation fetcher (ocsp_fetch.h, fetch.h) ---------------------- */

static void render_ocsp_fetch(struct sbuf *b, const struct sbgw_metrics_gauges *g)
{
    static const int lat_ms[SBGW_FETCH_LAT_N] = SBGW_FETCH_LAT_BOUNDS_MS;
    const struct sbgw_ocsp_fetch_stats *o = &g->ocsp;
    const struct sbgw_fetch_stats *f = &g->fetch;
    char l1[320];
    unsigned long long cum = 0;
    size_t i;
    int k;

    if (g->have_ocsp) {
        sb_printf(b, "# HELP sigbridge_ocsp_requests_total Certificates the OCSP source answered, by result (good, "
                     "revoked, unknown, unusable: no response judged usable, unavailable: none received).\n"
                     "# TYPE sigbridge_ocsp_requests_total counter\n"
                     "sigbridge_ocsp_requests_total{result=\"good\"} %llu\n"
                     "sigbridge_ocsp_requests_total{result=\"revoked\"} %llu\n"
                     "sigbridge_ocsp_requests_total{result=\"unknown\"} %llu\n"
                     "sigbridge_ocsp_requests_total{result=\"unusable\"} %llu\n"
                     "sigbridge_ocsp_requests_total{result=\"unavailable\"} %llu\n",
                  o->good, o->revoked, o->unknown, o->unusable, o->unavailable);
        sb_printf(b, "# HELP sigbridge_ocsp_cache_hits_total OCSP answers served from a cached response.\n"
                     "# TYPE sigbridge_ocsp_cache_hits_total counter\nsigbridge_ocsp_cache_hits_total %llu\n"
                     "# HELP sigbridge_ocsp_cache_misses_total OCSP questions no cached response answered.\n"
                     "# TYPE sigbridge_ocsp_cache_misses_total counter\nsigbridge_ocsp_cache_misses_total %llu\n"
                     "# HELP sigbridge_ocsp_fetches_total OCSP responses received from responders.\n"
                     "# TYPE sigbridge_ocsp_fetches_total counter\nsigbridge_ocsp_fetches_total %llu\n"
                     "# HELP sigbridge_ocsp_refreshes_total Cached OCSP responses refetched before their end.\n"
                     "# TYPE sigbridge_ocsp_refreshes_total counter\nsigbridge_ocsp_refreshes_total %llu\n"
                     "# HELP sigbridge_ocsp_refresh_failures_total Refetches that brought no response.\n"
                     "# TYPE sigbridge_ocsp_refresh_failures_total counter\n"
                     "sigbridge_ocsp_refresh_failures_total %llu\n"
                     "# HELP sigbridge_ocsp_cache_entries OCSP responses cached.\n"
                     "# TYPE sigbridge_ocsp_cache_entries gauge\nsigbridge_ocsp_cache_entries %zu\n"
                     "# HELP sigbridge_ocsp_cache_bytes Bytes of cached OCSP responses.\n"
                     "# TYPE sigbridge_ocsp_cache_bytes gauge\nsigbridge_ocsp_cache_bytes %zu\n",
                  o->hits, o->misses, o->fetches, o->refreshes, o->refresh_failures, o->entries, o->bytes);
    }
    if (!g->have_fetcher) {
        return;
    }
    sb_printf(b, "# HELP sigbridge_fetch_requests_total Requests to the revocation fetcher (OCSP, CRL), by result "
                 "(a request that joined a fetch in flight counts here, not in fetches).\n"
                 "# TYPE sigbridge_fetch_requests_total counter\n");
    for (k = 0; k < SBGW_FETCH__COUNT; k++) {
        sb_printf(b, "sigbridge_fetch_requests_total{result=\"%s\"} %llu\n",
                  sbgw_fetch_status_name((enum sbgw_fetch_status)k), f->requests[k]);
    }
    sb_printf(b, "# HELP sigbridge_fetch_fetches_total Network fetches (single flights), by result.\n"
                 "# TYPE sigbridge_fetch_fetches_total counter\n");
    for (k = 0; k < SBGW_FETCH__COUNT; k++) {
        sb_printf(b, "sigbridge_fetch_fetches_total{result=\"%s\"} %llu\n",
                  sbgw_fetch_status_name((enum sbgw_fetch_status)k), f->fetches[k]);
    }
    sb_printf(b, "# HELP sigbridge_fetch_joined_total Requests that joined a fetch of the same key in flight.\n"
                 "# TYPE sigbridge_fetch_joined_total counter\nsigbridge_fetch_joined_total %llu\n"
                 "# HELP sigbridge_fetch_duration_seconds Network fetches from start to last byte (or failure).\n"
                 "# TYPE sigbridge_fetch_duration_seconds histogram\n", f->joined);
    for (k = 0; k < SBGW_FETCH_LAT_N; k++) {
        cum += f->latency[k];
        sb_printf(b, "sigbridge_fetch_duration_seconds_bucket{le=\"%g\"} %llu\n", lat_ms[k] / 1000.0, cum);
    }
    cum += f->latency[SBGW_FETCH_LAT_N];
    sb_printf(b, "sigbridge_fetch_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                 "sigbridge_fetch_duration_seconds_sum %.6f\nsigbridge_fetch_duration_seconds_count %llu\n",
              cum, f->latency_sum, cum);
    sb_printf(b, "# HELP sigbridge_fetch_in_flight Network fetches running now.\n"
                 "# TYPE sigbridge_fetch_in_flight gauge\nsigbridge_fetch_in_flight %ld\n"
                 "# HELP sigbridge_fetch_origin_failing Origins whose last fetch failed: consecutive failures.\n"
                 "# TYPE sigbridge_fetch_origin_failing gauge\n", f->in_flight);
    for (i = 0; i < f->n_failing && i < SBGW_FETCH_FAILING_MAX; i++) {
        label(l1, sizeof(l1), f->failing[i].origin);
        sb_printf(b, "sigbridge_fetch_origin_failing{origin=\"%s\",last=\"%s\"} %u\n", l1,
                  sbgw_fetch_status_name(f->failing[i].last), f->failing[i].fails);
    }
}
/* ---- end of the OCSP source and fetcher block ---- */

char *sbgw_metrics_render(struct sbgw_metrics *m, const struct sbgw_metrics_gauges *g)
{
    struct sbuf b;
    char l1[2 * SBGW_LABEL_MAX], l2[64];
    unsigned long long cum;
    size_t i, k;
    int lp;

    memset(&b, 0, sizeof(b));
    if ((b.p = malloc(8192)) == NULL) {
        return NULL;
    }
    b.cap = 8192;
    b.p[0] = '\0';
    pthread_mutex_lock(&m->mu);
    sb_printf(&b, "# HELP sigbridge_requests_total Requests answered, by route, HTTP status and ETSI indication.\n"
                  "# TYPE sigbridge_requests_total counter\n");
    for (i = 0; i < m->n_req; i++) {
        label(l1, sizeof(l1), m->req[i].route);
        label(l2, sizeof(l2), m->req[i].indication);
        sb_printf(&b, "sigbridge_requests_total{route=\"%s\",status=\"%d\",indication=\"%s\"} %llu\n", l1,
                  m->req[i].status, l2, m->req[i].n);
    }
    sb_printf(&b, "# HELP sigbridge_request_duration_seconds Time from the request being read to the reply.\n"
                  "# TYPE sigbridge_request_duration_seconds histogram\n");
    for (i = 0; i < m->n_hist; i++) {
        label(l1, sizeof(l1), m->hist[i].route);
        cum = 0;
        for (k = 0; k < SBGW_HIST_N; k++) {
            cum += m->hist[i].bucket[k];
            sb_printf(&b, "sigbridge_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", l1, bounds[k],
                      cum);
        }
        sb_printf(&b, "sigbridge_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", l1,
                  m->hist[i].count);
        sb_printf(&b, "sigbridge_request_duration_seconds_sum{route=\"%s\"} %.6f\n", l1, m->hist[i].sum);
        sb_printf(&b, "sigbridge_request_duration_seconds_count{route=\"%s\"} %llu\n", l1, m->hist[i].count);
    }
    sb_printf(&b, "# HELP sigbridge_queue_depth Jobs waiting for a worker.\n# TYPE sigbridge_queue_depth gauge\n"
                  "sigbridge_queue_depth %ld\n", g->queue_depth);
    sb_printf(&b, "# HELP sigbridge_queue_capacity Jobs that may wait before requests get 503.\n"
                  "# TYPE sigbridge_queue_capacity gauge\nsigbridge_queue_capacity %ld\n", g->queue_capacity);
    sb_printf(&b, "# HELP sigbridge_workers Worker threads.\n# TYPE sigbridge_workers gauge\nsigbridge_workers %d\n",
              g->workers);
    sb_printf(&b, "# HELP sigbridge_worker_busy_seconds_total Time workers spent on jobs.\n"
                  "# TYPE sigbridge_worker_busy_seconds_total counter\nsigbridge_worker_busy_seconds_total %.6f\n",
              g->worker_busy_seconds);
    sb_printf(&b, "# HELP sigbridge_reloads_total Configuration and policy reloads.\n"
                  "# TYPE sigbridge_reloads_total counter\n"
                  "sigbridge_reloads_total{result=\"ok\"} %llu\nsigbridge_reloads_total{result=\"failed\"} %llu\n",
              m->reloads_ok, m->reloads_failed);
    pthread_mutex_unlock(&m->mu);
    sb_printf(&b, "# HELP sigbridge_policy_snapshot_info The policy snapshot being served.\n"
                  "# TYPE sigbridge_policy_snapshot_info gauge\n");
    if (g->snapshot != NULL) {
        label(l1, sizeof(l1), g->snapshot);
        sb_printf(&b, "sigbridge_policy_snapshot_info{id=\"%s\"} 1\n", l1);
        sb_printf(&b, "# HELP sigbridge_policy_snapshot_loaded_timestamp_seconds When the snapshot was loaded.\n"
                      "# TYPE sigbridge_policy_snapshot_loaded_timestamp_seconds gauge\n"
                      "sigbridge_policy_snapshot_loaded_timestamp_seconds %lld\n", g->snapshot_loaded);
    }
    sb_printf(&b, "# HELP sigbridge_audit_records_total Decisions written to the audit log.\n"
                  "# TYPE sigbridge_audit_records_total counter\nsigbridge_audit_records_total %llu\n",
              g->audit_records);
    sb_printf(&b, "# HELP sigbridge_audit_writes_total write(2) calls that wrote records to the audit log (appends "
                  "running together share one: records / writes is the batching).\n"
                  "# TYPE sigbridge_audit_writes_total counter\nsigbridge_audit_writes_total %llu\n",
              g->audit_writes);
    sb_printf(&b, "# HELP sigbridge_audit_errors_total Audit writes or syncs that failed.\n"
                  "# TYPE sigbridge_audit_errors_total counter\nsigbridge_audit_errors_total %llu\n", g->audit_errors);
    sb_printf(&b, "# HELP sigbridge_audit_checkpoints_total Checkpoint records written to the audit log.\n"
                  "# TYPE sigbridge_audit_checkpoints_total counter\nsigbridge_audit_checkpoints_total %llu\n",
              g->audit_checkpoints);
    sb_printf(&b, "# HELP sigbridge_audit_reopens_total Audit log files reopened after being removed, renamed or "
                  "truncated.\n# TYPE sigbridge_audit_reopens_total counter\nsigbridge_audit_reopens_total %llu\n",
              g->audit_reopens);
    sb_printf(&b, "# HELP sigbridge_audit_refused_total Decisions answered 503 because they could not be audited.\n"
                  "# TYPE sigbridge_audit_refused_total counter\nsigbridge_audit_refused_total %llu\n",
              g->audit_refused);
    sb_printf(&b, "# HELP sigbridge_audit_anchors_total Checkpoints anchored by an RFC 3161 time-stamp token.\n"
                  "# TYPE sigbridge_audit_anchors_total counter\nsigbridge_audit_anchors_total %llu\n",
              g->audit_anchors);
    sb_printf(&b, "# HELP sigbridge_audit_anchor_errors_total Time-stamp exchanges that failed (TSA down, refused, "
                  "bad reply).\n# TYPE sigbridge_audit_anchor_errors_total counter\n"
                  "sigbridge_audit_anchor_errors_total %llu\n", g->audit_anchor_errors);
    sb_printf(&b, "# HELP sigbridge_audit_writable 1 when decisions can be audited.\n"
                  "# TYPE sigbridge_audit_writable gauge\nsigbridge_audit_writable %d\n", g->audit_writable);
    sb_printf(&b, "# HELP sigbridge_connections Client connections open on both listeners, counted from accept.\n"
                  "# TYPE sigbridge_connections gauge\nsigbridge_connections %ld\n", g->connections);
    sb_printf(&b, "# HELP sigbridge_requests_receiving Admitted requests whose body is still arriving.\n"
                  "# TYPE sigbridge_requests_receiving gauge\nsigbridge_requests_receiving %ld\n"
                  "# HELP sigbridge_pending_body_bytes Bytes of unfinished request bodies held against "
                  "limits.pending_body_bytes.\n"
                  "# TYPE sigbridge_pending_body_bytes gauge\nsigbridge_pending_body_bytes %lld\n",
              g->receiving, g->pending_body);
    sb_printf(&b, "# HELP sigbridge_chain_cache_hits_total Path validations answered from the validated-path cache.\n"
                  "# TYPE sigbridge_chain_cache_hits_total counter\nsigbridge_chain_cache_hits_total %llu\n"
                  "# HELP sigbridge_chain_cache_misses_total Path validations not found in the cache (then built).\n"
                  "# TYPE sigbridge_chain_cache_misses_total counter\nsigbridge_chain_cache_misses_total %llu\n"
                  "# HELP sigbridge_chain_cache_evictions_total Cached paths dropped to stay within the capacity.\n"
                  "# TYPE sigbridge_chain_cache_evictions_total counter\nsigbridge_chain_cache_evictions_total %llu\n"
                  "# HELP sigbridge_chain_cache_flushes_total Reloads that emptied the validated-path cache.\n"
                  "# TYPE sigbridge_chain_cache_flushes_total counter\nsigbridge_chain_cache_flushes_total %llu\n"
                  "# HELP sigbridge_chain_cache_entries Validated paths held.\n"
                  "# TYPE sigbridge_chain_cache_entries gauge\nsigbridge_chain_cache_entries %llu\n"
                  "# HELP sigbridge_chain_cache_capacity Validated paths the cache may hold (0 = off).\n"
                  "# TYPE sigbridge_chain_cache_capacity gauge\nsigbridge_chain_cache_capacity %ld\n",
              g->chain_hits, g->chain_misses, g->chain_evictions, g->chain_flushes, g->chain_entries,
              g->chain_capacity);
    sb_printf(&b, "# HELP sigbridge_crl_fetch_cache_hits_total CRLs for distribution points served decoded from "
                  "the cache.\n# TYPE sigbridge_crl_fetch_cache_hits_total counter\n"
                  "sigbridge_crl_fetch_cache_hits_total %llu\n"
                  "# HELP sigbridge_crl_fetch_fetched_total CRLs fetched from distribution points and decoded.\n"
                  "# TYPE sigbridge_crl_fetch_fetched_total counter\nsigbridge_crl_fetch_fetched_total %llu\n"
                  "# HELP sigbridge_crl_fetch_failed_total Distribution point URLs that gave no CRL (outside the "
                  "allow-list, fetch failed, not a CRL).\n# TYPE sigbridge_crl_fetch_failed_total counter\n"
                  "sigbridge_crl_fetch_failed_total %llu\n"
                  "# HELP sigbridge_crl_fetch_cache_entries Decoded CRLs held until their nextUpdate.\n"
                  "# TYPE sigbridge_crl_fetch_cache_entries gauge\nsigbridge_crl_fetch_cache_entries %llu\n",
              g->crl_fetch_hits, g->crl_fetch_fetched, g->crl_fetch_failed, g->crl_fetch_entries);
    if (g->crl != NULL) {
        render_crl(&b, g->crl);
    }
    sb_printf(&b, "# HELP sigbridge_cert_cache_hits_total Carried certificates found already decoded.\n"
                  "# TYPE sigbridge_cert_cache_hits_total counter\nsigbridge_cert_cache_hits_total %llu\n"
                  "# HELP sigbridge_cert_cache_misses_total Carried certificates decoded (then remembered).\n"
                  "# TYPE sigbridge_cert_cache_misses_total counter\nsigbridge_cert_cache_misses_total %llu\n"
                  "# HELP sigbridge_cert_cache_capacity Decoded certificates the cache may hold (0 = off).\n"
                  "# TYPE sigbridge_cert_cache_capacity gauge\nsigbridge_cert_cache_capacity %ld\n",
              g->cert_hits, g->cert_misses, g->cert_capacity);
    sb_printf(&b, "# HELP sigbridge_sm2_key_cache_hits_total SM2 verifications that reused the key's SM2 form and ZA.\n"
                  "# TYPE sigbridge_sm2_key_cache_hits_total counter\nsigbridge_sm2_key_cache_hits_total %llu\n"
                  "# HELP sigbridge_sm2_key_cache_misses_total SM2 verifications that computed them (then remembered).\n"
                  "# TYPE sigbridge_sm2_key_cache_misses_total counter\nsigbridge_sm2_key_cache_misses_total %llu\n",
              g->sm2_hits, g->sm2_misses);
    sb_printf(&b, "# HELP sigbridge_prefix_memo_hits_total CA certificate and CRL signatures found already verified.\n"
                  "# TYPE sigbridge_prefix_memo_hits_total counter\nsigbridge_prefix_memo_hits_total %llu\n"
                  "# HELP sigbridge_prefix_memo_misses_total CA certificate and CRL signatures verified (then "
                  "remembered when valid).\n"
                  "# TYPE sigbridge_prefix_memo_misses_total counter\nsigbridge_prefix_memo_misses_total %llu\n"
                  "# HELP sigbridge_prefix_memo_capacity Verified signatures the memo may hold (0 = off).\n"
                  "# TYPE sigbridge_prefix_memo_capacity gauge\nsigbridge_prefix_memo_capacity %ld\n",
              g->sig_hits, g->sig_misses, g->sig_capacity);
    sb_printf(&b, "# HELP sigbridge_loop_validations_total Validations begun on the event loop that received them "
                  "(inline_budget_us): answered there, or deferred to a worker when their work budget ran out.\n"
                  "# TYPE sigbridge_loop_validations_total counter\n"
                  "sigbridge_loop_validations_total{outcome=\"answered\"} %llu\n"
                  "sigbridge_loop_validations_total{outcome=\"deferred\"} %llu\n", g->inline_answered, g->inline_deferred);
    sb_printf(&b, "# HELP sigbridge_loops I/O event loops.\n# TYPE sigbridge_loops gauge\nsigbridge_loops %d\n"
                  "# HELP sigbridge_loop_connections Client connections open on each event loop.\n"
                  "# TYPE sigbridge_loop_connections gauge\n", g->loops);
    for (lp = 0; lp < g->loops && lp < SBGW_LOOPS_MAX; lp++) {
        sb_printf(&b, "sigbridge_loop_connections{loop=\"%d\"} %ld\n", lp, g->loop_conns[lp]);
    }
    sb_printf(&b, "# HELP sigbridge_loop_accepted_total Client connections accepted by each event loop.\n"
                  "# TYPE sigbridge_loop_accepted_total counter\n");
    for (lp = 0; lp < g->loops && lp < SBGW_LOOPS_MAX; lp++) {
        sb_printf(&b, "sigbridge_loop_accepted_total{loop=\"%d\"} %llu\n", lp, g->loop_accepted[lp]);
    }
    if (g->loop_busy_bounds != NULL) {
        sb_printf(&b, "# HELP sigbridge_loop_callback_cpu_seconds CPU time of event-loop callbacks that handled one "
                      "connection or one job's answer (how long one request held its loop; one in 16 sampled).\n"
                      "# TYPE sigbridge_loop_callback_cpu_seconds histogram\n");
        for (lp = 0; lp < g->loops && lp < SBGW_LOOPS_MAX; lp++) {
            cum = 0;
            for (k = 0; k < SBGW_LOOP_BUSY_N; k++) {
                cum += g->loop_busy[lp][k];
                sb_printf(&b, "sigbridge_loop_callback_cpu_seconds_bucket{loop=\"%d\",le=\"%g\"} %llu\n", lp,
                          (double)g->loop_busy_bounds[k] / 1e9, cum);
            }
            cum += g->loop_busy[lp][SBGW_LOOP_BUSY_N];
            sb_printf(&b, "sigbridge_loop_callback_cpu_seconds_bucket{loop=\"%d\",le=\"+Inf\"} %llu\n"
                          "sigbridge_loop_callback_cpu_seconds_sum{loop=\"%d\"} %.6f\n"
                          "sigbridge_loop_callback_cpu_seconds_count{loop=\"%d\"} %llu\n", lp, cum, lp,
                      (double)g->loop_busy_sum_ns[lp] / 1e9, lp, cum);
        }
        sb_printf(&b, "# HELP sigbridge_loop_callback_cpu_max_seconds The longest sampled callback since the start.\n"
                      "# TYPE sigbridge_loop_callback_cpu_max_seconds gauge\n");
        for (lp = 0; lp < g->loops && lp < SBGW_LOOPS_MAX; lp++) {
            sb_printf(&b, "sigbridge_loop_callback_cpu_max_seconds{loop=\"%d\"} %.6f\n", lp,
                      (double)g->loop_busy_max_ns[lp] / 1e9);
        }
    }
    render_ocsp_fetch(&b, g);            /* the OCSP source and the shared fetcher */
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
