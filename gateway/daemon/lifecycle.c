/*
 * gateway/daemon/lifecycle.c — the daemon's start and stop sequences and its signals.
 *
 * Start order: load the whole snapshot (configuration, policy set, TLS contexts) and refuse to start on
 * any error; open the log, then the audit log (cutting a torn tail and continuing its chain); make the event
 * loops (loops.c); start the workers; publish the snapshot; bind the listeners; install the signal events;
 * start the loops' threads. Signals are libevent events on loop 0: SIGHUP reloads, SIGTERM / SIGINT drain
 * (every loop stops accepting, every request in flight finishes, at most limits.drain_timeout_s; a second
 * signal stops at once), SIGUSR1 reopens the log file and the audit log. The drain check runs on loop 0
 * (any loop asks for it) and stops every loop; the stop joins the loops' threads before anything is freed.
 * `sigbridge serve` (gateway/cli/cmd_serve.c) and tests/fuzz/fuzz_http.c run it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>
#include <openssl/rand.h>

#include "gateway/daemon/lifecycle.h"
#include "gateway/daemon/replay_cache.h"
#include "gateway/daemon/sbgw.h"
#include "pki/base/hex.h"
#include "pki/x509/cert_cache.h"
#include "pki/x509/sig_memo.h"
#include "gateway/daemon/revocation_fetch.h"
#include "gateway/daemon/rev_disk_cache.h"
#include "gateway/daemon/fetch_lazy.h"
#include "gateway/daemon/ocsp_fetch.h"
#include "pki/crypto/sm2_cache.h"
#include "pki/x509/chain_cache.h"
#include "pki/verdict/validate.h"
#include "pki/x509/cert_memo.h"

static int start_fetching(struct sbgw *gw);


static void drain_grace_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw *gw = arg;
    long writing = __atomic_load_n(&gw->writing, __ATOMIC_ACQUIRE);

    (void)fd;
    (void)what;
    if (writing > 0) {
        sbgw_log_warnx(&gw->log, "-", "drain: %ld replies not fully written (clients gone?); stopping", writing);
    }
    sbgw_loops_exit(gw);
}

/* The drain check proper, on loop 0. */
static void drain_check_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw *gw = arg;
    struct timeval grace = { 1, 0 };

    (void)fd;
    (void)what;
    if (!sbgw_draining(gw) || __atomic_load_n(&gw->live_reqs, __ATOMIC_ACQUIRE) > 0 ||
        __atomic_load_n(&gw->pool.outstanding, __ATOMIC_ACQUIRE) > 0) {
        return;
    }
    if (__atomic_load_n(&gw->writing, __ATOMIC_ACQUIRE) <= 0) {
        sbgw_loops_exit(gw);
    } else if (gw->drain_grace == NULL && (gw->drain_grace = evtimer_new(gw->base, drain_grace_cb, gw)) != NULL) {
        evtimer_add(gw->drain_grace, &grace);
    }
}

void sbgw_drain_check(struct sbgw *gw)
{
    if (sbgw_draining(gw) && gw->drain_ev != NULL) {
        event_active(gw->drain_ev, EV_READ, 0);
    }
}

static void drain_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw *gw = arg;

    (void)fd;
    (void)what;
    sbgw_log_warnx(&gw->log, "-", "drain: %ld requests still in flight after the drain timeout; stopping",
                   __atomic_load_n(&gw->live_reqs, __ATOMIC_ACQUIRE));
    gw->exit_code = 1;
    sbgw_loops_exit(gw);
}

static void begin_drain(struct sbgw *gw, const char *why)
{
    struct sbgw_snap *s = sbgw_snap_get(gw);
    struct timeval tv = { 30, 0 };

    if (gw->draining) {
        sbgw_log_warnx(&gw->log, "-", "%s again: stopping now", why);
        gw->exit_code = 1;
        event_base_loopbreak(gw->base);      /* (the stop breaks the other loops) */
        sbgw_snap_unref(s);
        return;
    }
    __atomic_store_n(&gw->draining, 1, __ATOMIC_RELEASE);
    if (s != NULL) {
        tv.tv_sec = s->cfg->limits.drain_timeout_s;
    }
    sbgw_snap_unref(s);
    sbgw_log_info(&gw->log, "-", "%s: draining (%ld requests in flight, at most %ld s)", why,
                  __atomic_load_n(&gw->live_reqs, __ATOMIC_ACQUIRE),
                  (long)tv.tv_sec);
    sbgw_http_stop_accepting(gw);            /* every loop */
    if ((gw->drain_timer = evtimer_new(gw->base, drain_timeout, gw)) != NULL) {
        evtimer_add(gw->drain_timer, &tv);
    }
    sbgw_drain_check(gw);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct sbgw *gw = arg;

    (void)what;
    switch (sig) {
    case SIGHUP:
        sbgw_log_info(&gw->log, "-", "SIGHUP: reloading %s", gw->conf_path);
        if (!gw->draining) {
            sbgw_reload_request(gw, NULL);
        }
        break;
    case SIGUSR1:
        if (sbgw_log_reopen(&gw->log) != 0) {
            sbgw_log_warn(&gw->log, "-", "SIGUSR1: cannot reopen the log file");
        } else {
            sbgw_log_info(&gw->log, "-", "SIGUSR1: log file reopened");
        }
        sbgw_audit_reopen(&gw->audit, "SIGUSR1");    /* the audit flusher reopens it (and logs) */
        break;
    case SIGTERM:
        begin_drain(gw, "SIGTERM");
        break;
    case SIGINT:
        begin_drain(gw, "SIGINT");
        break;
    default:
        break;
    }
}

static void raise_nofile(struct sbgw *gw, long want)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= (rlim_t)want) {
        return;
    }
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (rlim_t)want ? (rlim_t)want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)want) {
        sbgw_log_warnx(&gw->log, "-", "open file limit is %llu, below max_connections + admin_connections + 512 = %ld",
                       (unsigned long long)rl.rlim_cur, want);
    }
}

/* Open the audit log (audit.h: the torn tail, the side file's checkpoint, --audit-new-chain) and say what it
 * found. */
static int open_audit(struct sbgw *gw, const struct sbgw_config *c, unsigned flags)
{
    struct sbgw_audit_open_info ai;
    struct sbgw_audit_opts o = {
        .path = c->audit.path, .node_id = c->audit.node_id, .fsync = c->audit.fsync, .batch_ms = c->audit.batch_ms,
        .signing_key = c->audit.signing_key, .signing_cert = c->audit.signing_cert,
        .checkpoint_file = c->audit.checkpoint_file, .every_records = c->audit.every_records,
        .every_s = c->audit.every_s, .new_chain = (flags & SBGW_OPEN_AUDIT_NEW_CHAIN) != 0, .log = &gw->log,
        .tsa_url = c->audit.tsa, .tsa_policy = c->audit.tsa_policy, .tsa_timeout_ms = c->audit.tsa_timeout_ms,
    };
    char err[2048];

    if (sbgw_audit_open(&gw->audit, &o, &ai, err, sizeof(err)) != 0) {
        sbgw_log_error(&gw->log, "-", "audit: %s", err);
        return -1;
    }
    if (ai.cut_bytes > 0) {
        sbgw_log_warnx(&gw->log, "-", "audit: cut a torn last record of %zu bytes from %s (crash during a write); "
                                      "the chain continues from record %lld", ai.cut_bytes, c->audit.path,
                       ai.last_seq);
    }
    if (ai.new_chain) {
        sbgw_log_warnx(&gw->log, "-", "audit: --audit-new-chain: started a new chain in %s%s%s; its first record "
                       "names the old head", c->audit.path, ai.moved_to[0] != '\0' ? ", the old log moved to " : "",
                       ai.moved_to);
    }
    sbgw_log_info(&gw->log, "-", "audit: %s, %lld records, fsync %s%s%s", c->audit.path, ai.last_seq,
                  c->audit.fsync == SBGW_FSYNC_EVERY ? "every" : c->audit.fsync == SBGW_FSYNC_BATCH ? "batch" : "off",
                  c->audit.signing_key != NULL ? ", checkpoints signed" : "",
                  ai.side_checked ? ", the side file's checkpoint is in the log" : "");
    return 0;
}

/* revocation_cache.dir: open (creating) the directory the revocation sources share and load the CRLs still
 * current into the CRL source, so that a restart does not refetch them. Unset: memory only. */
static int open_revocation_cache(struct sbgw *gw, const struct sbgw_config *c)
{
    struct sbgw_rev_disk_opts o = { .dir = c->revocation_cache.dir, .max_entries = (size_t)c->revocation_cache.max_files,
                                    .fsync = c->revocation_cache.fsync };
    char err[700];
    size_t n;

    if (c->revocation_cache.dir == NULL) {
        return 0;
    }
    if ((gw->rev_disk = sbgw_rev_disk_open(&o, err, sizeof(err))) == NULL) {
        sbgw_log_error(&gw->log, "-", "revocation_cache: %s", err);
        return -1;
    }
    n = sbgw_crl_fetch_use_disk(gw->crl_fetch, gw->rev_disk, time(NULL));
    sbgw_log_info(&gw->log, "-", "revocation_cache: %s: %zu current CRL(s) loaded", c->revocation_cache.dir, n);
    return 0;
}

static int start(struct sbgw *gw, struct sbgw_snap *s, unsigned flags)
{
    static const int sigs[4] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
    struct event_base *bases[SBGW_LOOPS_MAX];
    unsigned char rnd[4];
    size_t i;

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        memset(rnd, 0, sizeof(rnd));
    }
    sb_hex_encode(rnd, sizeof(rnd), gw->id_prefix, sizeof(gw->id_prefix));
    /* both listeners' caps, the refusals being written and FD_SPARE (http_listen.c) */
    raise_nofile(gw, (long)s->cfg->limits.max_connections + s->cfg->limits.admin_connections + 512);
    if (open_audit(gw, s->cfg, flags) != 0) {
        return -1;
    }
    /* caches: sized once per process (cache.* needs a restart); 0 = off, then no cache is consulted at all */
    if ((s->cfg->cache.chains > 0 && (gw->chain_cache = sb_chain_cache_new((size_t)s->cfg->cache.chains)) == NULL) ||
        (s->cfg->cache.certificates > 0 &&
         ((gw->cert_cache = sb_cert_cache_new((size_t)s->cfg->cache.certificates)) == NULL ||
          (gw->cert_memo = sb_cert_memo_new((size_t)s->cfg->cache.certificates)) == NULL ||
          (gw->sm2_cache = sb_sm2_cache_new((size_t)s->cfg->cache.certificates)) == NULL)) ||
        (s->cfg->cache.prefixes > 0 && (gw->sig_memo = sb_sig_memo_new((size_t)s->cfg->cache.prefixes)) == NULL)) {
        sbgw_log_error(&gw->log, "-", "cannot allocate the caches");
        return -1;
    }
    if ((gw->crl_fetch = sbgw_crl_fetch_new((size_t)s->cfg->revocation_cache.entries)) == NULL) {
        sbgw_log_error(&gw->log, "-", "cannot allocate the CRL fetch cache");
        return -1;
    }
    if (open_revocation_cache(gw, s->cfg) != 0 || start_fetching(gw) != 0) {
        return -1;
    }
    sbgw_snap_prime(gw, s);
    if ((gw->replay = sbgw_replay_new(SBGW_REPLAY_MAX_DEFAULT)) == NULL) {
        sbgw_log_error(&gw->log, "-", "cannot allocate the replay cache");
        return -1;
    }
    if (sbgw_loops_new(gw, s->cfg->loops) != 0 ||
        (gw->drain_ev = event_new(gw->base, -1, 0, drain_check_cb, gw)) == NULL) {
        sbgw_log_error(&gw->log, "-", "cannot create %d event loops", s->cfg->loops);
        return -1;
    }
    for (i = 0; i < (size_t)gw->n_loops; i++) {
        bases[i] = gw->loops[i].base;
    }
    if (sbgw_pool_start(&gw->pool, bases, gw->n_loops, s->cfg->workers, s->cfg->queue_max) != 0) {
        sbgw_log_error(&gw->log, "-", "cannot start %d worker threads", s->cfg->workers);
        return -1;
    }
    if (sbgw_reload_init(gw) != 0) {
        sbgw_log_error(&gw->log, "-", "cannot set up reloads");
        return -1;
    }
    sbgw_snap_up_ref(s);
    sbgw_snap_publish(gw, s);
    if (sbgw_http_start(gw, s) != 0) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        if ((gw->sig[i] = evsignal_new(gw->base, sigs[i], on_signal, gw)) == NULL || event_add(gw->sig[i], NULL) != 0) {
            sbgw_log_error(&gw->log, "-", "cannot install signal handlers");
            return -1;
        }
    }
    if (sbgw_loops_run(gw) != 0) {
        sbgw_log_error(&gw->log, "-", "cannot start %d event loop threads", gw->n_loops - 1);
        return -1;
    }
    sbgw_log_kv(&gw->log, SBGW_LOG_INFO, "-",
                json_pack("{s:i,s:s,s:i,s:i,s:i,s:s,s:i,s:i,s:i}", "pid", (int)getpid(), "snapshot",
                          sb_policy_set_id(s->set), "workers", s->cfg->workers, "loops", gw->n_loops, "queue_max", s->cfg->queue_max, "node", s->cfg->audit.node_id,
                          "cache_chains", s->cfg->cache.chains, "cache_certificates", s->cfg->cache.certificates,
                          "cache_prefixes", s->cfg->cache.prefixes),
                "sigbridge started");
    return 0;
}

static void ocsp_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sbgw *gw = arg;

    (void)fd;
    (void)what;
    sbgw_ocsp_fetch_tick(gw->ocsp_fetch, time(NULL));
}

/* The fetcher the CRL and OCSP sources share (started on their first fetch), the OCSP source and its refresh
 * tick. */
static int start_fetching(struct sbgw *gw)
{
    struct timeval one = { 1, 0 };

    if ((gw->fetcher = sbgw_fetch_lazy_new()) == NULL) {
        sbgw_log_error(&gw->log, "-", "cannot allocate the revocation fetcher");
        return -1;
    }
    sbgw_crl_fetch_share(gw->crl_fetch, gw->fetcher);
    if ((gw->ocsp_fetch = sbgw_ocsp_fetch_new(gw->fetcher, SBGW_OCSP_CACHE_DEFAULT,
                                              SBGW_OCSP_CACHE_BYTES_DEFAULT)) != NULL && gw->rev_disk != NULL) {
        sbgw_ocsp_fetch_use_disk(gw->ocsp_fetch, gw->rev_disk);
    }
    if (gw->ocsp_fetch == NULL ||
        (gw->ocsp_tick = event_new(gw->base, -1, EV_PERSIST, ocsp_tick_cb, gw)) == NULL ||
        event_add(gw->ocsp_tick, &one) != 0) {
        sbgw_log_error(&gw->log, "-", "cannot allocate the OCSP response cache");
        return -1;
    }
    return 0;
}

static void stop(struct sbgw *gw)
{
    size_t i;
    int k;

    sbgw_loops_join(gw);               /* from here on this thread alone touches every loop */
    sbgw_http_stop_accepting(gw);
    sbgw_pool_stop(&gw->pool);         /* finish queued jobs; their replies are the last writes */
    sbgw_reload_shutdown(gw);
    for (k = 0; k < gw->n_loops; k++) {
        sbgw_proxy_reap(&gw->loops[k]);
        if (gw->loops[k].reap_ev != NULL) {
            event_free(gw->loops[k].reap_ev);
            gw->loops[k].reap_ev = NULL;
        }
    }
    sbgw_http_free(gw);
    if (gw->drain_ev != NULL) {
        event_free(gw->drain_ev);
        gw->drain_ev = NULL;
    }
    for (i = 0; i < 4; i++) {
        if (gw->sig[i] != NULL) {
            event_free(gw->sig[i]);
        }
    }
    if (gw->drain_timer != NULL) {
        event_free(gw->drain_timer);
    }
    if (gw->drain_grace != NULL) {
        event_free(gw->drain_grace);
    }
    sbgw_audit_close(&gw->audit);
    pthread_mutex_lock(&gw->snap_mu);
    sbgw_snap_unref(gw->snap);
    gw->snap = NULL;
    pthread_mutex_unlock(&gw->snap_mu);
    sbgw_metrics_free(&gw->metrics);
    sb_chain_cache_free(gw->chain_cache);     /* after the pool: no job uses them any more */
    sb_cert_cache_free(gw->cert_cache);
    sb_cert_memo_free(gw->cert_memo);
    sb_sm2_cache_free(gw->sm2_cache);
    sb_sig_memo_free(gw->sig_memo);
    gw->sig_memo = NULL;
    if (gw->ocsp_tick != NULL) {
        event_free(gw->ocsp_tick);
        gw->ocsp_tick = NULL;
    }
    sbgw_fetch_lazy_free(gw->fetcher);       /* first: its stop answers the OCSP refreshes in flight */
    gw->fetcher = NULL;
    sbgw_ocsp_fetch_free(gw->ocsp_fetch);    /* after the pool: no validation is inside its hook */
    gw->ocsp_fetch = NULL;
    sbgw_crl_fetch_free(gw->crl_fetch);      /* after the pool: no validation is inside its hook */
    gw->crl_fetch = NULL;
    sbgw_rev_disk_close(gw->rev_disk);       /* after its users */
    gw->rev_disk = NULL;
    sbgw_replay_free(gw->replay);
    gw->replay = NULL;
    sbgw_loops_free(gw);               /* (their bases, after every event on them) */
    gw->chain_cache = NULL;
    gw->cert_cache = NULL;
    gw->cert_memo = NULL;
    gw->sm2_cache = NULL;
}

int sbgw_daemon_open(struct sbgw *gw, const char *conf_path, unsigned flags, struct sb_diag *diag)
{
    struct sbgw_snap *s;
    int rc = -1;

    memset(gw, 0, sizeof(*gw));
    if ((s = sbgw_snap_load(conf_path, NULL, diag)) == NULL) {
        return 1;
    }
    gw->conf_path = conf_path;
    sbgw_boot_from(&gw->boot, s);
    sbgw_metrics_init(&gw->metrics);
    if (sbgw_log_open(&gw->log, s->cfg->log.path, s->cfg->log.level) != 0) {
        sb_diag_add(diag, "sigbridge serve: cannot open log %s: %s", s->cfg->log.path, strerror(errno));
        sbgw_metrics_free(&gw->metrics);
        goto out;
    }
    if (pthread_mutex_init(&gw->snap_mu, NULL) != 0) {
        sbgw_log_error(&gw->log, "-", "cannot create the event loop");
        sbgw_metrics_free(&gw->metrics);
        sbgw_log_close(&gw->log);
        goto out;
    }
    if (pthread_mutex_init(&gw->replay_mu, NULL) != 0) {
        sbgw_log_error(&gw->log, "-", "cannot create the event loop");
        sbgw_metrics_free(&gw->metrics);
        pthread_mutex_destroy(&gw->snap_mu);
        sbgw_log_close(&gw->log);
        goto out;
    }
    if ((gw->base = sbgw_loop_base_new()) == NULL) {
        sbgw_log_error(&gw->log, "-", "cannot create the event loop");
        sbgw_metrics_free(&gw->metrics);
        pthread_mutex_destroy(&gw->snap_mu);
        pthread_mutex_destroy(&gw->replay_mu);
        sbgw_log_close(&gw->log);
        goto out;
    }
    if (start(gw, s, flags) != 0) {
        sbgw_daemon_close(gw);
        goto out;
    }
    rc = 0;
out:
    sbgw_snap_unref(s);       /* once started, the published snapshot holds its own reference */
    return rc;
}

void sbgw_daemon_close(struct sbgw *gw)
{
    stop(gw);
    event_base_free(gw->base);
    gw->base = NULL;
    pthread_mutex_destroy(&gw->snap_mu);
    pthread_mutex_destroy(&gw->replay_mu);
    sbgw_log_close(&gw->log);
}
