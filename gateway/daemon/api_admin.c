/*
 * gateway/daemon/api_admin.c — operational endpoints: GET /healthz (liveness: the loop answers), GET /readyz
 * (policies loaded, workers up, decisions can be audited, not draining), GET /v1/policies (the snapshot's jurisdictions, anchors
 * and recognition rules, computed when the snapshot was loaded), GET /metrics (Prometheus text) and
 * POST /admin/reload (admin listener only: answered when the reload thread finishes).
 */
#include "gateway/daemon/sbgw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "gateway/daemon/revocation_fetch.h"
#include "gateway/daemon/rev_disk_cache.h"
#include "gateway/daemon/fetch_lazy.h"
#include "pki/x509/cert_cache.h"
#include "pki/x509/sig_memo.h"
#include "pki/crypto/sm2_cache.h"
#include "pki/x509/chain_cache.h"

void sbgw_api_healthz(struct sbgw_req *rq)
{
    sbgw_reply_json(rq, 200, "{\"status\":\"ok\"}");
}

void sbgw_api_readyz(struct sbgw_req *rq, struct sbgw_snap *s)
{
    struct sbgw *gw = rq->gw;
    char why[400];
    json_t *o;

    if (sbgw_draining(gw)) {
        sbgw_reply_error(rq, SBGW_E_SHUTTING_DOWN, NULL);
        return;
    }
    if (s == NULL || s->set == NULL || sb_policy_set_count(s->set) == 0 || !gw->pool.started) {
        sbgw_reply_error(rq, SBGW_E_NOT_READY, "%s", s == NULL || s->set == NULL ? "no policy set loaded"
                                                   : !gw->pool.started ? "workers not running"
                                                                       : "the policy set has no jurisdiction");
        return;
    }
    if (!sbgw_audit_ready(&gw->audit, why, sizeof(why))) {
        sbgw_reply_error(rq, SBGW_E_NOT_READY, "%s", why);
        return;
    }
    o = json_pack("{s:b,s:s,s:i,s:i,s:i,s:i}", "ready", 1, "snapshot", sb_policy_set_id(s->set), "generation",
                  (int)s->generation, "jurisdictions", (int)sb_policy_set_count(s->set), "workers", gw->pool.n,
                  "queue_depth", (int)sbgw_pool_depth(&gw->pool));
    sbgw_reply_json_value(rq, 200, o, SBGW_E_INTERNAL_ERROR);
}

void sbgw_api_policies(struct sbgw_req *rq, struct sbgw_snap *s)
{
    sbgw_reply_json(rq, 200, s->policies_json);
}

/* The CRL source's cache / refresh / disk figures into c: the URL arrays are malloc'd (crl_metrics_clear). */
static void crl_metrics(struct sbgw *gw, struct sbgw_metrics_crl *c, struct sbgw_crl_next **next, char ***urls,
                        long long **secs)
{
    struct sbgw_crl_fetch_stats fs;
    struct sbgw_rev_disk_stats ds;
    size_t i, n = 0, cap;
    int k;

    memset(c, 0, sizeof(*c));
    *next = NULL;
    *urls = NULL;
    *secs = NULL;
    sbgw_crl_fetch_stats(gw->crl_fetch, &fs);
    c->misses = fs.misses;
    c->refresh_ok = fs.refresh_ok;
    c->refresh_failed = fs.refresh_failed;
    cap = fs.entries < SBGW_CRL_METRIC_URLS_MAX ? fs.entries : SBGW_CRL_METRIC_URLS_MAX;
    if (cap > 0 && (*next = calloc(cap, sizeof(**next))) != NULL && (*urls = calloc(cap, sizeof(**urls))) != NULL &&
        (*secs = calloc(cap, sizeof(**secs))) != NULL) {
        n = sbgw_crl_fetch_next_updates(gw->crl_fetch, time(NULL), *next, cap);
        for (i = 0; i < n; i++) {
            (*urls)[i] = (*next)[i].url;
            (*secs)[i] = (*next)[i].seconds;
        }
    }
    c->next_url = (const char *const *)*urls;
    c->next_s = *secs;
    c->n_next = n;
    if (gw->rev_disk != NULL) {
        sbgw_rev_disk_stats(gw->rev_disk, &ds);
        c->disk = 1;
        for (k = 0; k < 2; k++) {
            c->disk_loads[k] = ds.loads[k];
            c->disk_writes[k] = ds.writes[k];
            c->disk_removed[k] = ds.removed[k];
            c->disk_errors[k] = ds.errors[k];
        }
    }
}

void sbgw_api_metrics(struct sbgw_req *rq, struct sbgw_snap *s)
{
    struct sbgw *gw = rq->gw;
    struct sbgw_metrics_gauges g;
    static const unsigned long long busy_bounds[SBGW_LOOP_BUSY_N] = SBGW_LOOP_BUSY_BOUNDS;
    struct sbgw_metrics_crl crl;
    struct sbgw_crl_next *crl_next = NULL;
    char **crl_urls = NULL;
    long long *crl_secs = NULL;
    char *text;
    int i, k;

    memset(&g, 0, sizeof(g));
    memset(&crl, 0, sizeof(crl));
    g.queue_depth = sbgw_pool_depth(&gw->pool);
    g.queue_capacity = s->cfg->queue_max;
    g.workers = gw->pool.n;
    g.worker_busy_seconds = sbgw_pool_busy_seconds(&gw->pool);
    g.snapshot = sb_policy_set_id(s->set);
    g.snapshot_loaded = (long long)s->loaded_at;
    g.audit_records = __atomic_load_n(&gw->audit.records, __ATOMIC_RELAXED);
    g.audit_errors = __atomic_load_n(&gw->audit.errors, __ATOMIC_RELAXED);
    g.audit_checkpoints = __atomic_load_n(&gw->audit.checkpoints, __ATOMIC_RELAXED);
    g.audit_reopens = __atomic_load_n(&gw->audit.reopens, __ATOMIC_RELAXED);
    g.audit_refused = __atomic_load_n(&gw->audit.refused, __ATOMIC_RELAXED);
    g.audit_anchors = __atomic_load_n(&gw->audit.anchors, __ATOMIC_RELAXED);
    g.audit_anchor_errors = __atomic_load_n(&gw->audit.anchor_errors, __ATOMIC_RELAXED);
    g.audit_writes = __atomic_load_n(&gw->audit.batches, __ATOMIC_RELAXED);
    g.inline_answered = __atomic_load_n(&gw->inline_answered, __ATOMIC_RELAXED);
    g.inline_deferred = __atomic_load_n(&gw->inline_deferred, __ATOMIC_RELAXED);
    g.audit_writable = sbgw_audit_ready(&gw->audit, NULL, 0);
    g.connections = __atomic_load_n(&gw->n_conns, __ATOMIC_RELAXED);
    g.receiving = __atomic_load_n(&gw->receiving, __ATOMIC_RELAXED);
    g.pending_body = __atomic_load_n(&gw->pending_body, __ATOMIC_RELAXED);
    g.loops = gw->n_loops < SBGW_LOOPS_MAX ? gw->n_loops : SBGW_LOOPS_MAX;
    for (i = 0; i < g.loops; i++) {
        g.loop_conns[i] = __atomic_load_n(&gw->loops[i].n_conns, __ATOMIC_RELAXED);
        g.loop_accepted[i] = __atomic_load_n(&gw->loops[i].accepted, __ATOMIC_RELAXED);
        for (k = 0; k <= SBGW_LOOP_BUSY_N; k++) {
            g.loop_busy[i][k] = __atomic_load_n(&gw->loops[i].busy_hist[k], __ATOMIC_RELAXED);
        }
        g.loop_busy_sum_ns[i] = __atomic_load_n(&gw->loops[i].busy_sum_ns, __ATOMIC_RELAXED);
        g.loop_busy_max_ns[i] = __atomic_load_n(&gw->loops[i].busy_max_ns, __ATOMIC_RELAXED);
    }
    g.loop_busy_bounds = busy_bounds;
    if (gw->chain_cache != NULL) {
        struct sb_chain_cache_stats cs;

        sb_chain_cache_stats(gw->chain_cache, &cs);
        g.chain_hits = cs.hits;
        g.chain_misses = cs.misses;
        g.chain_evictions = cs.evictions;
        g.chain_entries = cs.entries;
        g.chain_capacity = gw->boot.cache_chains;
    }
    g.chain_flushes = __atomic_load_n(&gw->chain_cache_flushes, __ATOMIC_RELAXED);
    if (gw->crl_fetch != NULL) {
        struct sbgw_crl_fetch_stats fs;

        sbgw_crl_fetch_stats(gw->crl_fetch, &fs);
        g.crl_fetch_hits = fs.hits;
        g.crl_fetch_fetched = fs.fetched;
        g.crl_fetch_failed = fs.failed;
        g.crl_fetch_entries = fs.entries;
        crl_metrics(gw, &crl, &crl_next, &crl_urls, &crl_secs);
        g.crl = &crl;
    }
    /* ---- the OCSP source and the shared revocation fetcher ---- */
    if (gw->ocsp_fetch != NULL) {
        sbgw_ocsp_fetch_stats(gw->ocsp_fetch, &g.ocsp);
        g.have_ocsp = 1;
    }
    if (gw->fetcher != NULL && sbgw_fetch_lazy_peek(gw->fetcher) != NULL) {
        sbgw_fetcher_stats(sbgw_fetch_lazy_peek(gw->fetcher), &g.fetch);
        g.have_fetcher = 1;
    }
    /* ---- */
    if (gw->sig_memo != NULL) {
        uint64_t hits = 0, misses = 0;

        sb_sig_memo_counts(gw->sig_memo, &hits, &misses);
        g.sig_hits = hits;
        g.sig_misses = misses;
        g.sig_capacity = gw->boot.cache_prefixes;
    }
    if (gw->cert_cache != NULL) {
        uint64_t hits = 0, misses = 0;

        sb_cert_cache_counts(gw->cert_cache, &hits, &misses);
        g.cert_hits = hits;
        g.cert_misses = misses;
        g.cert_capacity = gw->boot.cache_certificates;
    }
    if (gw->sm2_cache != NULL) {
        uint64_t hits = 0, misses = 0;

        sb_sm2_cache_counts(gw->sm2_cache, &hits, &misses);
        g.sm2_hits = hits;
        g.sm2_misses = misses;
    }
    text = sbgw_metrics_render(&gw->metrics, &g);
    if (g.crl != NULL) {
        sbgw_crl_next_clear(crl_next, crl.n_next);
    }
    free(crl_next);
    free(crl_urls);
    free(crl_secs);
    if (text == NULL) {
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, NULL);
        return;
    }
    sbgw_reply(rq, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
    free(text);
}

void sbgw_api_reload(struct sbgw_req *rq)
{
    if (sbgw_draining(rq->gw)) {
        sbgw_reply_error(rq, SBGW_E_SHUTTING_DOWN, NULL);
        return;
    }
    sbgw_log_info(&rq->gw->log, rq->id, "reload requested on the admin listener");
    sbgw_reload_request(rq->gw, rq);
}
