/*
 * gateway/daemon/reload.c — snapshots and reload.
 *
 * A snapshot is everything a reload may change: the configuration, the policy set, the TLS contexts and
 * the precomputed GET /v1/policies body. It is built completely — on the reload thread, never on the loop
 * — checked as a whole (routes and access lists must name loaded jurisdictions; settings that need a
 * restart must not change), and only then published: the loop swaps one pointer under a mutex and drops
 * the old reference. Requests in flight hold their own reference and finish on the snapshot they started
 * with. A failed load changes nothing: every error is logged with file:line:col, the failure is counted
 * and an admin caller gets the located errors (422). Never tear down first.
 */
#include "gateway/daemon/sbgw.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pki/x509/chain_cache.h"
#include "pki/x509/sig_memo.h"
#include "pki/policy/recognition.h"
#include "pki/x509/cert_format.h"
#include "pki/base/rfc3339_time.h"
#include "pki/verdict/validate.h"

/* ---- snapshot ------------------------------------------------------------------------------- */

void sbgw_snap_up_ref(struct sbgw_snap *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void sbgw_snap_unref(struct sbgw_snap *s)
{
    size_t i;

    if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    for (i = 0; i < SBGW_L__COUNT; i++) {
        SSL_CTX_free(s->tls[i]);
    }
    sb_policy_set_free(s->set);
    sbgw_config_free(s->cfg);
    free(s->policies_json);
    free(s->scopes);
    free(s);
}

const unsigned char *sbgw_snap_scope(const struct sbgw_snap *s, const struct sb_trust_policy *p)
{
    size_t i;

    for (i = 0; s->scopes != NULL && i < sb_policy_set_count(s->set); i++) {
        if (sb_policy_set_get0(s->set, i) == p) {
            return s->scopes[i];
        }
    }
    return NULL;
}

/* One chain-cache scope per policy: verdicts cached under one snapshot are never served under another. */
static int make_scopes(struct sbgw_snap *s)
{
    size_t i, n = sb_policy_set_count(s->set);

    if ((s->scopes = calloc(n > 0 ? n : 1, sizeof(*s->scopes))) == NULL) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!sb_validate_cache_scope(sb_policy_set_id(s->set), sb_policy_set_get0(s->set, i)->id, s->scopes[i])) {
            return 0;
        }
    }
    return 1;
}

struct sbgw_snap *sbgw_snap_get(struct sbgw *gw)
{
    struct sbgw_snap *s;

    pthread_mutex_lock(&gw->snap_mu);
    if ((s = gw->snap) != NULL) {
        sbgw_snap_up_ref(s);
    }
    pthread_mutex_unlock(&gw->snap_mu);
    return s;
}

static json_t *oid_list(const struct sb_tp_oid_list *l)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a != NULL && i < l->n; i++) {
        json_array_append_new(a, json_string(l->v[i].text));
    }
    return a;
}

static json_t *jurisdiction_json(const struct sb_trust_policy *p)
{
    json_t *o = json_object(), *anchors = json_array();
    char name[1024], fp[65];
    int i;

    for (i = 0; anchors != NULL && i < sk_X509_num(p->anchors); i++) {
        X509 *x = sk_X509_value(p->anchors, i);
        json_t *a = json_object();

        sb_certfmt_name(X509_get_subject_name(x), name, sizeof(name));
        sb_certfmt_sha256(x, fp, sizeof(fp));
        json_object_set_new(a, "subject", json_string(name));
        json_object_set_new(a, "sha256", json_string(fp));
        json_array_append_new(anchors, a);
    }
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "description", json_string(p->description != NULL ? p->description : ""));
    json_object_set_new(o, "anchors", anchors);
    json_object_set_new(o, "intermediates", json_integer(p->intermediates != NULL ? sk_X509_num(p->intermediates)
                                                                                  : 0));
    json_object_set_new(o, "policy_oids", oid_list(&p->policy_oids));
    json_object_set_new(o, "revocation", json_string(sb_tp_revocation_name(p->revocation)));
    json_object_set_new(o, "crls", json_integer(p->crls != NULL ? sk_X509_CRL_num(p->crls) : 0));
    json_object_set_new(o, "validate_at", json_string(p->validate_at == SB_TP_AT_NOW ? "now" : "signing_time"));
    return o;
}

static char *policies_json(const struct sbgw_snap *s)
{
    const struct sb_recognition *rec = sb_policy_set_recognition(s->set);
    json_t *o = json_object(), *jurs = json_array(), *rules = json_array();
    char at[40];
    char *text;
    size_t i;

    for (i = 0; i < sb_policy_set_count(s->set); i++) {
        json_array_append_new(jurs, jurisdiction_json(sb_policy_set_get0(s->set, i)));
    }
    for (i = 0; i < rec->n; i++) {
        const struct sb_recognition_rule *r = &rec->rules[i];
        json_t *j = json_object();

        json_object_set_new(j, "from", json_string(r->from));
        json_object_set_new(j, "to", json_string(r->to));
        json_object_set_new(j, "policy_oids", oid_list(&r->policy_oids));
        json_object_set_new(j, "min_level", r->min_level == SB_TP_LEVEL_NONE ? json_null()
                                                                             : json_string(sb_tp_level_name(r->min_level)));
        json_object_set_new(j, "attest", r->has_attest ? json_string(sb_attest_format_name(r->attest_format))
                                                       : json_null());
        json_array_append_new(rules, j);
    }
    sb_time_format(s->loaded_at, at, sizeof(at));
    json_object_set_new(o, "snapshot", json_string(sb_policy_set_id(s->set)));
    json_object_set_new(o, "loaded_at", json_string(at));
    json_object_set_new(o, "jurisdictions", jurs);
    json_object_set_new(o, "recognition", rules);
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* Routes and access lists must name jurisdictions of the loaded set. */
static int check_against_set(const struct sbgw_config *c, const struct sb_policy_set *set, struct sb_diag *diag)
{
    size_t i, bad = 0;

    for (i = 0; i < c->n_routes; i++) {
        const struct sbgw_route *r = &c->routes[i];

        if (sb_policy_set_find(set, r->from) == NULL) {
            sb_diag_add(diag, "%s:%u:%u: routes[%zu].from: no trust policy for jurisdiction '%s' in %s", c->file,
                          r->from_pos.line, r->from_pos.col, i, r->from, c->policy_dir);
            bad++;
        }
        if (r->to != NULL && sb_policy_set_find(set, r->to) == NULL) {
            sb_diag_add(diag, "%s:%u:%u: routes[%zu].to: no trust policy for jurisdiction '%s' in %s", c->file,
                          r->pos.line, r->pos.col, i, r->to, c->policy_dir);
            bad++;
        }
    }
    for (i = 0; i < c->api.n_jur; i++) {
        if (sb_policy_set_find(set, c->api.jur[i].jurisdiction) == NULL) {
            sb_diag_add(diag, "%s:%u:%u: api.jurisdictions.%s: no trust policy for this jurisdiction in %s", c->file,
                          c->api.jur[i].pos.line, c->api.jur[i].pos.col, c->api.jur[i].jurisdiction, c->policy_dir);
            bad++;
        }
    }
    return bad == 0;
}

static int check_boot(const struct sbgw_config *c, const struct sbgw_boot *b, struct sb_diag *diag)
{
    size_t bad = 0, l;

    for (l = 0; l < SBGW_L__COUNT; l++) {
        const struct sbgw_listener_conf *lc = &c->listeners[l];

        if (lc->enabled != b->listeners[l].enabled || lc->tls.enabled != b->listeners[l].tls ||
            (lc->enabled && (lc->port != b->listeners[l].port || strcmp(lc->address, b->listeners[l].address) != 0))) {
            sb_diag_add(diag, "%s: listeners.%s: adding, removing or moving a listener or switching TLS on or off "
                                "needs a restart (running: %s %s:%d)", c->file, sbgw_listener_name((enum sbgw_listener_kind)l),
                          b->listeners[l].tls ? "https" : "http", b->listeners[l].address, b->listeners[l].port);
            bad++;
        }
    }
    if (c->workers != b->workers) {
        sb_diag_add(diag, "%s: workers: changing the pool size needs a restart (running %d)", c->file, b->workers);
        bad++;
    }
    if (c->loops != b->loops) {
        sb_diag_add(diag, "%s: loops: changing the number of event loops needs a restart (running %d)", c->file,
                    b->loops);
        bad++;
    }
    if (c->cache.chains != b->cache_chains || c->cache.certificates != b->cache_certificates ||
        c->cache.prefixes != b->cache_prefixes) {
        sb_diag_add(diag, "%s: cache: changing the cache sizes needs a restart (running chains %d, "
                            "certificates %d, prefixes %d)", c->file, b->cache_chains, b->cache_certificates,
                    b->cache_prefixes);
        bad++;
    }
    if (strcmp(c->audit.path, b->audit_path) != 0 || strcmp(c->audit.node_id, b->node_id) != 0) {
        sb_diag_add(diag, "%s: audit: path and node_id need a restart (running %s as %s)", c->file, b->audit_path,
                      b->node_id);
        bad++;
    }
    if (strcmp(c->audit.signing_key != NULL ? c->audit.signing_key : "", b->audit_key) != 0 ||
        strcmp(c->audit.signing_cert != NULL ? c->audit.signing_cert : "", b->audit_cert) != 0 ||
        strcmp(c->audit.checkpoint_file, b->audit_side) != 0) {
        sb_diag_add(diag, "%s: audit: signing_key, signing_cert and checkpoint_file need a restart", c->file);
        bad++;
    }
    if (strcmp(c->audit.tsa != NULL ? c->audit.tsa : "", b->audit_tsa) != 0 ||
        strcmp(c->audit.tsa_policy != NULL ? c->audit.tsa_policy : "", b->audit_tsa_policy) != 0 ||
        (c->audit.tsa != NULL && c->audit.tsa_timeout_ms != b->audit_tsa_timeout_ms)) {
        sb_diag_add(diag, "%s: audit.timestamp: tsa, timeout_ms and policy need a restart", c->file);
        bad++;
    }
    if (strcmp(c->revocation_cache.dir != NULL ? c->revocation_cache.dir : "", b->rev_cache_dir) != 0 ||
        c->revocation_cache.entries != b->rev_cache_entries || c->revocation_cache.max_files != b->rev_cache_files ||
        c->revocation_cache.fsync != b->rev_cache_fsync) {
        sb_diag_add(diag, "%s: revocation_cache: needs a restart (running dir '%s', entries %d)", c->file,
                    b->rev_cache_dir, b->rev_cache_entries);
        bad++;
    }
    if (strcmp(c->log.path != NULL ? c->log.path : "", b->log_path) != 0) {
        sb_diag_add(diag, "%s: log.path: needs a restart (SIGUSR1 reopens the current file)", c->file);
        bad++;
    }
    return bad == 0;
}

void sbgw_boot_from(struct sbgw_boot *b, const struct sbgw_snap *s)
{
    const struct sbgw_config *c = s->cfg;
    size_t l;

    memset(b, 0, sizeof(*b));
    for (l = 0; l < SBGW_L__COUNT; l++) {
        b->listeners[l].enabled = c->listeners[l].enabled;
        b->listeners[l].tls = c->listeners[l].tls.enabled;
        b->listeners[l].port = c->listeners[l].port;
        snprintf(b->listeners[l].address, sizeof(b->listeners[l].address), "%s",
                 c->listeners[l].address != NULL ? c->listeners[l].address : "");
    }
    b->workers = c->workers;
    b->loops = c->loops;
    b->cache_chains = c->cache.chains;
    b->cache_certificates = c->cache.certificates;
    b->cache_prefixes = c->cache.prefixes;
    snprintf(b->audit_path, sizeof(b->audit_path), "%s", c->audit.path);
    snprintf(b->node_id, sizeof(b->node_id), "%s", c->audit.node_id);
    snprintf(b->audit_key, sizeof(b->audit_key), "%s", c->audit.signing_key != NULL ? c->audit.signing_key : "");
    snprintf(b->audit_cert, sizeof(b->audit_cert), "%s", c->audit.signing_cert != NULL ? c->audit.signing_cert : "");
    snprintf(b->audit_side, sizeof(b->audit_side), "%s", c->audit.checkpoint_file);
    snprintf(b->audit_tsa, sizeof(b->audit_tsa), "%s", c->audit.tsa != NULL ? c->audit.tsa : "");
    snprintf(b->audit_tsa_policy, sizeof(b->audit_tsa_policy), "%s",
             c->audit.tsa_policy != NULL ? c->audit.tsa_policy : "");
    b->audit_tsa_timeout_ms = c->audit.tsa_timeout_ms;
    snprintf(b->rev_cache_dir, sizeof(b->rev_cache_dir), "%s",
             c->revocation_cache.dir != NULL ? c->revocation_cache.dir : "");
    b->rev_cache_entries = c->revocation_cache.entries;
    b->rev_cache_files = c->revocation_cache.max_files;
    b->rev_cache_fsync = c->revocation_cache.fsync;
    snprintf(b->log_path, sizeof(b->log_path), "%s", c->log.path != NULL ? c->log.path : "");
}

struct sbgw_snap *sbgw_snap_load(const char *conf_path, const struct sbgw_boot *boot, struct sb_diag *diag)
{
    struct sbgw_snap *s;
    struct sb_err err;
    size_t before, l;
    int ok = 1;

    if ((s = calloc(1, sizeof(*s))) == NULL) {
        sb_diag_add(diag, "out of memory");
        return NULL;
    }
    s->refs = 1;
    s->loaded_at = time(NULL);
    if (sbgw_config_load(conf_path, &s->cfg, diag) != 0) {
        goto err;
    }
    if (boot != NULL && !check_boot(s->cfg, boot, diag)) {
        ok = 0;
    }
    sb_err_clear(&err);
    before = diag != NULL ? diag->n + diag->dropped : 0;
    if (sb_policy_set_load(s->cfg->policy_dir, diag, &s->set, &err) != SB_OK) {
        if (diag != NULL && diag->n + diag->dropped == before) {
            sb_diag_add(diag, "%s: %s", s->cfg->policy_dir, err.msg);
        }
        goto err;
    }
    if (!check_against_set(s->cfg, s->set, diag)) {
        ok = 0;
    }
    for (l = 0; l < SBGW_L__COUNT; l++) {
        if (s->cfg->listeners[l].enabled && s->cfg->listeners[l].tls.enabled &&
            (s->tls[l] = sbgw_tls_ctx_new(s->cfg, (enum sbgw_listener_kind)l, diag)) == NULL) {
            ok = 0;
        }
    }
    if (!ok) {
        goto err;
    }
    if ((s->policies_json = policies_json(s)) == NULL || !make_scopes(s)) {
        sb_diag_add(diag, "out of memory");
        goto err;
    }
    return s;
err:
    sbgw_snap_unref(s);
    return NULL;
}

void sbgw_snap_publish(struct sbgw *gw, struct sbgw_snap *s)
{
    struct sbgw_snap *old;

    s->generation = ++gw->generation;
    pthread_mutex_lock(&gw->snap_mu);
    old = gw->snap;
    gw->snap = s;
    pthread_mutex_unlock(&gw->snap_mu);
    sbgw_snap_unref(old);
}

/* ---- reload thread -------------------------------------------------------------------------- */

void sbgw_snap_prime(struct sbgw *gw, const struct sbgw_snap *s)
{
    size_t i;

    if (gw->sig_memo == NULL) {
        return;
    }
    /* the memo stays true across snapshots, but its CRL entries hold the old snapshot's CRLs: forget them
     * (requests still on the old snapshot may add a few back until the next reload), then verify the new
     * snapshot's CA certificates and CRLs once, so that no request pays for them */
    sb_sig_memo_flush(gw->sig_memo);
    for (i = 0; i < sb_policy_set_count(s->set); i++) {
        (void)sb_trust_policy_prime_signatures(sb_policy_set_get0(s->set, i), gw->sig_memo);
    }
}

static void *reload_main(void *arg)
{
    struct sbgw *gw = arg;
    struct sb_diag diag;
    struct sbgw_snap *s;

    sb_diag_init(&diag);
    s = sbgw_snap_load(gw->conf_path, &gw->boot, &diag);
    if (s != NULL) {
        sbgw_snap_prime(gw, s);         /* here, not on the loop: CRLs can be megabytes to hash */
    }
    pthread_mutex_lock(&gw->reload.mu);
    gw->reload.result = s;
    gw->reload.diag = diag;
    pthread_mutex_unlock(&gw->reload.mu);
    event_active(gw->reload.done_ev, EV_READ, 0);
    return NULL;
}

static void start_thread(struct sbgw *gw)
{
    sigset_t all, old;
    int rc;

    gw->reload.again = 0;
    gw->reload.waiters = gw->reload.waiters_next;
    gw->reload.waiters_next = NULL;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&gw->reload.thread, NULL, reload_main, gw);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        struct sbgw_req *rq, *next;

        sbgw_log_error(&gw->log, "-", "reload: cannot start the reload thread");
        sbgw_metrics_reload(&gw->metrics, 0);
        for (rq = gw->reload.waiters; rq != NULL; rq = next) {
            next = rq->next_waiter;
            sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "cannot start the reload thread");
            sbgw_req_unref(rq);
        }
        gw->reload.waiters = NULL;
        return;
    }
    gw->reload.running = 1;
}

static void answer_ok(struct sbgw *gw, struct sbgw_req *rq, const char *previous)
{
    struct sbgw_snap *s = gw->snap;
    json_t *o = json_object(), *jurs = json_array();
    size_t i;

    for (i = 0; i < sb_policy_set_count(s->set); i++) {
        json_array_append_new(jurs, json_string(sb_policy_set_get0(s->set, i)->id));
    }
    json_object_set_new(o, "result", json_string("ok"));
    json_object_set_new(o, "snapshot", json_string(sb_policy_set_id(s->set)));
    json_object_set_new(o, "previous", json_string(previous));
    json_object_set_new(o, "changed", json_boolean(strcmp(previous, sb_policy_set_id(s->set)) != 0));
    json_object_set_new(o, "generation", json_integer(s->generation));
    json_object_set_new(o, "jurisdictions", jurs);
    sbgw_reply_json_value(rq, 200, o, SBGW_E_INTERNAL_ERROR);
}

static void answer_failed(struct sbgw_req *rq, const struct sb_diag *diag)
{
    json_t *o = json_object(), *e = json_object(), *errs = json_array();
    size_t i;

    snprintf(rq->reason, sizeof(rq->reason), "%s", sbgw_http_error_name(SBGW_E_RELOAD_FAILED));

    for (i = 0; i < diag->n; i++) {
        json_array_append_new(errs, json_string(diag->msgs[i]));
    }
    json_object_set_new(e, "code", json_string(sbgw_http_error_name(SBGW_E_RELOAD_FAILED)));
    json_object_set_new(e, "message", json_string(diag->n > 0 ? diag->msgs[0]
                                                               : sbgw_http_error_message(SBGW_E_RELOAD_FAILED)));
    json_object_set_new(e, "status", json_integer(sbgw_http_error_status(SBGW_E_RELOAD_FAILED)));
    json_object_set_new(e, "errors", errs);
    json_object_set_new(o, "error", e);
    sbgw_reply_json_value(rq, sbgw_http_error_status(SBGW_E_RELOAD_FAILED), o, SBGW_E_RELOAD_FAILED);
}

static void reload_done(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw *gw = arg;
    struct sbgw_snap *s;
    struct sb_diag diag;
    struct sbgw_req *rq, *next;
    char previous[65];
    size_t i;

    (void)fd;
    (void)what;
    pthread_join(gw->reload.thread, NULL);
    gw->reload.running = 0;
    pthread_mutex_lock(&gw->reload.mu);
    s = gw->reload.result;
    diag = gw->reload.diag;
    gw->reload.result = NULL;
    sb_diag_init(&gw->reload.diag);
    pthread_mutex_unlock(&gw->reload.mu);
    snprintf(previous, sizeof(previous), "%s", gw->snap != NULL ? sb_policy_set_id(gw->snap->set) : "");
    if (s != NULL) {
        sbgw_snap_publish(gw, s);
        sbgw_http_apply_limits(gw, s->cfg);
        sbgw_pool_set_cap(&gw->pool, s->cfg->queue_max);
        sbgw_log_set_level(&gw->log, s->cfg->log.level);
        sbgw_audit_set_fsync(&gw->audit, s->cfg->audit.fsync, s->cfg->audit.batch_ms);
        sbgw_audit_set_cadence(&gw->audit, s->cfg->audit.every_records, s->cfg->audit.every_s);
        sbgw_metrics_reload(&gw->metrics, 1);
        if (gw->chain_cache != NULL) {          /* belt and braces: the new scopes already never match */
            sb_chain_cache_flush(gw->chain_cache);
            __atomic_add_fetch(&gw->chain_cache_flushes, 1, __ATOMIC_RELAXED);
        }
        sbgw_log_kv(&gw->log, SBGW_LOG_INFO, "-",
                    json_pack("{s:s,s:s,s:i,s:i,s:i}", "snapshot", sb_policy_set_id(s->set), "previous", previous,
                              "generation", (int)s->generation, "jurisdictions", (int)sb_policy_set_count(s->set),
                              "routes", (int)s->cfg->n_routes),
                    "reload: new snapshot published");
    } else {
        sbgw_metrics_reload(&gw->metrics, 0);
        for (i = 0; i < diag.n; i++) {
            sbgw_log_error(&gw->log, "-", "reload: %s", diag.msgs[i]);
        }
        if (diag.dropped > 0) {
            sbgw_log_error(&gw->log, "-", "reload: %zu more errors not shown", diag.dropped);
        }
        sbgw_log_error(&gw->log, "-", "reload failed: still serving snapshot %s", previous);
    }
    for (rq = gw->reload.waiters; rq != NULL; rq = next) {
        next = rq->next_waiter;
        if (s != NULL) {
            answer_ok(gw, rq, previous);
        } else {
            answer_failed(rq, &diag);
        }
        sbgw_req_unref(rq);
    }
    gw->reload.waiters = NULL;
    sb_diag_clear(&diag);
    if (gw->reload.again && !gw->draining) {
        start_thread(gw);
    }
}

void sbgw_reload_request(struct sbgw *gw, struct sbgw_req *rq)
{
    if (rq != NULL) {
        sbgw_req_ref(rq);
        rq->next_waiter = gw->reload.waiters_next;
        gw->reload.waiters_next = rq;
    }
    if (gw->reload.running) {
        gw->reload.again = 1;     /* files may have changed after this run started: run once more */
        return;
    }
    start_thread(gw);
}

int sbgw_reload_init(struct sbgw *gw)
{
    if (pthread_mutex_init(&gw->reload.mu, NULL) != 0) {
        return -1;
    }
    sb_diag_init(&gw->reload.diag);
    gw->reload.done_ev = event_new(gw->base, -1, 0, reload_done, gw);     /* loop 0 */
    return gw->reload.done_ev != NULL ? 0 : -1;
}

void sbgw_reload_shutdown(struct sbgw *gw)
{
    struct sbgw_req *rq, *next;

    if (gw->reload.running) {
        pthread_join(gw->reload.thread, NULL);
        gw->reload.running = 0;
        sbgw_snap_unref(gw->reload.result);
        gw->reload.result = NULL;
        sb_diag_clear(&gw->reload.diag);
    }
    for (rq = gw->reload.waiters; rq != NULL; rq = next) {
        next = rq->next_waiter;
        sbgw_reply_error(rq, SBGW_E_SHUTTING_DOWN, NULL);
        sbgw_req_unref(rq);
    }
    for (rq = gw->reload.waiters_next; rq != NULL; rq = next) {
        next = rq->next_waiter;
        sbgw_reply_error(rq, SBGW_E_SHUTTING_DOWN, NULL);
        sbgw_req_unref(rq);
    }
    gw->reload.waiters = gw->reload.waiters_next = NULL;
    if (gw->reload.done_ev != NULL) {
        event_free(gw->reload.done_ev);
        gw->reload.done_ev = NULL;
        pthread_mutex_destroy(&gw->reload.mu);
    }
}
