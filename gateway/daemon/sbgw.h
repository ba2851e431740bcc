/*
 * gateway/daemon/sbgw.h — the daemon's internals shared by lifecycle.c, http.c, api_*.c, proxy.c, reload.c and
 * tls.c: the single mutable daemon context (struct sbgw), the published snapshot (configuration + policy
 * set + TLS contexts, refcounted, immutable once published), the per-request context and the validation
 * job (verify_job.c) that api_verify.c, api_translate.c and proxy.c hand to the worker pool.
 *
 * Threads: the daemon runs `loops` event loops (loops.c). Loop 0 is the main loop (gw->base): signals,
 * reload, drain, the admin listener. Every loop has its own accept socket on the api listener (SO_REUSEPORT
 * when there are several loops: the kernel spreads new connections), and owns its connections, their
 * requests, timers, worker completions (its own done queue) and upstream evhttp objects completely: a
 * connection never moves. Shared between loops: the counters the caps and the drain read (gw->n_conns,
 * n_refusing, receiving, pending_body, writing, live_reqs, req_seq, draining, listeners[].n_conns / cap:
 * __atomic builtins), the replay cache (replay_mu), the metrics (their own lock), a snapshot (any thread
 * may hold a reference and read it), and the pieces with their own locks (log, audit, pool). What only
 * loop 0 touches: the reload state and its waiters (the admin listener is loop 0's), the drain timers.
 * A validation job is its worker's while it runs.
 */
#ifndef SBGW_SBGW_H
#define SBGW_SBGW_H

#include <pthread.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "gateway/daemon/audit.h"
#include "gateway/daemon/config.h"
#include "gateway/daemon/http_errors.h"
#include "gateway/daemon/http_parse.h"
#include "gateway/daemon/log.h"
#include "gateway/daemon/metrics.h"
#include "gateway/daemon/workers.h"
#include "pki/policy/trust_policy.h"

struct sb_validation_caches;
struct sbgw_rev_disk;

#define SBGW_REQ_ID_MAX 64

/* What the daemon serves: replaced as a whole by a reload. */
struct sbgw_snap {
    int refs;                                 /* atomic */
    unsigned generation;
    struct sbgw_config *cfg;                  /* owned */
    struct sb_policy_set *set;                /* owned reference */
    SSL_CTX *tls[SBGW_L__COUNT];              /* owned; NULL for plain HTTP listeners */
    char *policies_json;                      /* owned: the GET /v1/policies body */
    time_t loaded_at;
    unsigned char (*scopes)[32];              /* owned: chain-cache scope of each policy of set, same order
                                               * (sb_validate_cache_scope: snapshot id + jurisdiction) */
};

/* Settings that only a restart can change (checked by every reload). */
struct sbgw_boot {
    struct {
        int enabled, tls, port;
        char address[64];
    } listeners[SBGW_L__COUNT];
    int workers;
    int loops;
    int cache_chains, cache_certificates;     /* cache sizes (the caches live as long as the process) */
    int cache_prefixes;
    char audit_path[4096];
    char audit_key[4096];                     /* "" = none */
    char audit_cert[4096];
    char audit_side[4096];
    char audit_tsa[2100];                     /* audit.timestamp: "" = none */
    char audit_tsa_policy[256];
    int audit_tsa_timeout_ms;
    char node_id[SBGW_ID_MAX + 1];
    char log_path[4096];
    char rev_cache_dir[4096];                 /* revocation_cache.dir: "" = memory only */
    int rev_cache_entries, rev_cache_files, rev_cache_fsync;
};

struct sbgw;

struct sbgw_conn;

struct sbgw_listener {
    struct sbgw *gw;
    enum sbgw_listener_kind kind;
    int tls;
    long n_conns;                             /* atomic: accepted connections open on every loop (the cap
                                               * counts these) */
    long cap;                                 /* atomic: the cap in force: limits.max_connections /
                                               * admin_connections, lowered when the open-file limit cannot
                                               * hold it */
};

struct sbgw_loop;

/* Buckets (ns) of sbgw_loop.busy_hist (SBGW_LOOP_BUSY_N of them: metrics.h). */
#define SBGW_LOOP_BUSY_BOUNDS { 25000ULL, 50000ULL, 100000ULL, 250000ULL, 500000ULL, 1000000ULL, 2500000ULL, \
                                10000000ULL }

/* One loop's accept socket of one listener (http_listen.c). */
struct sbgw_accept {
    struct sbgw_loop *loop;
    struct sbgw_listener *l;
    struct evconnlistener *lev;               /* owned; NULL when off, not this loop's or no longer accepting */
    struct event *resume;                     /* owned: re-enable accept after EMFILE */
};

struct sbgw_reap;
struct sbgw_handoff;

/* One event loop (loops.c): its thread, its accept sockets, its connections. */
struct sbgw_loop {
    struct sbgw *gw;
    int idx;                                  /* 0 = the main loop */
    struct event_base *base;                  /* owned (loop 0: gw->base, owned by gw) */
    pthread_t thread;                         /* loops 1..: started by sbgw_loops_run */
    int running;
    struct event *wake;                       /* owned: the daemon started draining (stop accepting here) */
    struct sbgw_accept acc[SBGW_L__COUNT];
    struct sbgw_conn *conns;                  /* owned: this loop's client connections (http_conn.c) */
    long n_conns;                             /* atomic: connections open on this loop (metrics) */
    unsigned long long accepted;              /* atomic: connections accepted by this loop (metrics) */
    struct sbgw_reap *reap;                   /* upstream connections to free outside their callbacks */
    struct event *reap_ev;                    /* owned */
    /* atomic (written by the loop, read by /metrics): CPU time of the sampled callbacks that handled one
     * connection or one job's answer — how long one request held the loop — by SBGW_LOOP_BUSY_BOUNDS bucket
     * (the last: over the largest), their sum and the largest */
    unsigned long long busy_hist[SBGW_LOOP_BUSY_N + 1], busy_sum_ns, busy_max_ns;
    unsigned busy_tick;                       /* the loop's callbacks, for the sampling */
    /* connections handed to this loop by the loop that accepted them (loop_handoff.c) */
    pthread_mutex_t ho_mu;
    int ho_init;
    struct sbgw_handoff *ho_head, *ho_tail;   /* owned: waiting to be started here */
    struct event *ho_ev;                      /* owned: wakes this loop to start them */
    long incoming;                            /* atomic: handed here, not yet started */
};

struct sbgw_req;
struct sbgw_replay;

struct sbgw_reap {
    struct evhttp_connection *evcon;          /* owned */
    struct sbgw_reap *next;
};

struct sbgw {
    struct event_base *base;                  /* owned */
    const char *conf_path;                    /* borrowed: argv */
    struct sbgw_boot boot;
    struct sbgw_log log;
    struct sbgw_audit audit;
    struct sbgw_metrics metrics;
    struct sbgw_pool pool;
    struct sb_chain_cache *chain_cache;       /* owned: validated paths, shared by the workers; NULL = off */
    struct sb_cert_cache *cert_cache;         /* owned: decoded certificates by DER hash; NULL = off */
    struct sb_cert_memo *cert_memo;           /* owned: rendered certificates of verdicts; NULL = off (with
                                               * cert_cache) */
    struct sb_sm2_cache *sm2_cache;           /* owned: SM2 key form + ZA per (key, ID); NULL = off (with
                                               * cert_cache) */
    struct sb_sig_memo *sig_memo;             /* owned: verified CA and CRL signatures; NULL = off (cache.prefixes) */
    struct sbgw_crl_fetch *crl_fetch;         /* owned: CRLs fetched from distribution points, decoded, by URL
                                               * (revocation_fetch.h); kept across policy reloads */
    struct sbgw_rev_disk *rev_disk;           /* owned: revocation_cache.dir (rev_disk_cache.h), shared by the
                                               * revocation sources; NULL = memory only */
    struct sbgw_fetch_lazy *fetcher;          /* owned: the network fetcher (fetch.h, fetch_lazy.h) the CRL and
                                               * OCSP sources share, started on their first fetch */
    struct sbgw_ocsp_fetch *ocsp_fetch;       /* owned: the OCSP source and its response cache (ocsp_fetch.h);
                                               * kept across policy reloads */
    struct event *ocsp_tick;                  /* owned: every second on loop 0, the OCSP cache's refreshes */
    unsigned long long chain_cache_flushes;   /* atomic: successful reloads that emptied chain_cache */
    unsigned long long inline_answered;       /* atomic: validations answered on their event loop */
    unsigned long long inline_deferred;       /* atomic: validations begun on a loop, then run on a worker */
    struct sbgw_listener listeners[SBGW_L__COUNT];
    struct sbgw_loop *loops;                  /* owned: n_loops event loops; loops[0] runs on gw->base */
    int n_loops;
    pthread_mutex_t snap_mu;
    struct sbgw_snap *snap;                   /* owned reference: the published snapshot */
    unsigned generation;
    char id_prefix[16];                       /* random per process start: request ids */
    unsigned long long req_seq;               /* atomic */
    long live_reqs;                           /* atomic: request contexts alive */
    long writing;                             /* atomic: replies handed to a connection, not yet fully written */
    int draining;                             /* atomic (set by loop 0): sbgw_draining() */
    struct event *sig[4], *drain_timer;       /* owned */
    struct event *drain_grace;                /* owned: last replies of a drain get this long to flush */
    struct event *drain_ev;                   /* owned: sbgw_drain_check from any loop runs the check on loop 0 */
    pthread_mutex_t replay_mu;                /* guards replay */
    struct sbgw_replay *replay;               /* owned: keys of accepted bound-route signatures (replay_cache.h) */
    long n_conns;                             /* atomic: of both listeners and every loop, refused ones included */
    long n_refusing;                          /* atomic: connections refused over a cap, writing their 503 */
    long receiving;                           /* atomic: connections reading an admitted request's body */
    long long pending_body;                   /* atomic: bytes of unfinished bodies counted against
                                               * limits.pending_body_bytes (declared or received) */
    struct {
        pthread_t thread;
        int running, again;
        struct event *done_ev;                /* owned */
        pthread_mutex_t mu;
        struct sbgw_snap *result;             /* set by the reload thread */
        struct sb_diag diag;                /* filled by the reload thread */
        struct sbgw_req *waiters, *waiters_next;   /* admin calls waiting for this / the next run */
    } reload;
    int exit_code;
};

struct sbgw_req;
/* Told about a streamed reply's connection: gone 0 — its output drained (read more from the source); gone 1
 * — it closed (stop the source, then end the stream). Never called from inside an sbgw_reply_stream_* call. */
typedef void (*sbgw_stream_fn)(struct sbgw_req *rq, int gone, void *arg);
/* A route's two halves: admit runs on the request head, before any of the body is read (0: it answered
 * a refusal, and the body is never read); run gets the whole body. */
typedef int (*sbgw_admit_fn)(struct sbgw_req *rq, struct sbgw_snap *s);
typedef void (*sbgw_run_fn)(struct sbgw_req *rq, struct sbgw_snap *s);

/* One HTTP request from arrival to reply. Freed when its last reference goes. */
struct sbgw_req {
    struct sbgw *gw;
    struct sbgw_loop *loop;                   /* the loop of its connection: everything of rq happens there */
    struct sbgw_listener *l;
    struct sbgw_conn *conn;                   /* borrowed: where the reply goes; NULL once answered or when the
                                               * client went away */
    int answered;
    int close;                                /* close the connection after the reply */
    struct sbgw_http_head *head;              /* owned; NULL for a request refused before its head parsed */
    struct evbuffer *body;                    /* owned: the body as it arrives (handlers move it out) */
    struct evkeyvalq *out_headers;            /* owned: extra reply headers */
    struct sbgw_snap *snap;                   /* reference from admission to the end of the request */
    sbgw_run_fn run;                          /* set by admission */
    const struct sbgw_route *proxy_route;     /* borrowed from snap: the proxy route, if any */
    const struct sb_trust_policy *pol;        /* borrowed from snap: set by a route's admit */
    int body_kind;                            /* set by /v1/verify's admit (enum sbgw_vin) */
    char to[SB_TP_ID_MAX + 1];                /* set by /v1/translate's admit */
    int refs;
    char id[SBGW_REQ_ID_MAX + 1];             /* always the server's (never the client's X-Request-Id) */
    char client_req_id[SBGW_REQ_ID_MAX + 1];  /* the client's X-Request-Id when its syntax is valid, else "";
                                               * logged and audited as client_request_id */
    char client[SBGW_ID_MAX + 1];             /* "" = no client certificate id */
    int cert_unmapped;                        /* a verified client certificate was presented but maps to no
                                               * configured client id (client is ""): unauthenticated */
    char peer[64];                            /* the client's address */
    char *npath;                              /* owned: the normalised path (http_path.h), set by admission
                                               * (NULL before): routes match it, proxies forward it */
    char path[256];                           /* for logs: the normalised path once admission made it, the
                                               * path as received before (or when it was refused) */
    char route[SBGW_LABEL_MAX];               /* metrics / audit label */
    const char *method;
    struct timespec t0;
    struct event *timer;                      /* owned: the request deadline */
    char indication[24];                      /* of the answered verdict, "" if none */
    char reason[48];
    struct sbgw_req *next_waiter;             /* reload waiters */
    void *job;                                /* the validation job in flight, if any */
    int streaming;                            /* a streamed reply's head went out, its end not yet */
    int stream_status;
    int stream_close;                         /* its head said Connection: close */
    long long stream_left;                    /* body bytes it still owes (its Content-Length) */
    sbgw_stream_fn stream_cb;                 /* borrowed with stream_arg: its source */
    void *stream_arg;
};

/* Input forms a validation job understands. */
enum sbgw_vin {
    SBGW_VIN_RAW = 0,         /* the body is the signed object: XML-DSig when it starts with '<', else CMS
                               * (optional digest / SM2 id headers) */
    SBGW_VIN_ENVELOPE,        /* the body is a JSON envelope: the gateway's {signature, content | digest, sm2_id}
                               * or the jurisdiction adapter's (adapters/adapter.h) */
    SBGW_VIN_DETACHED         /* sig is a base64 detached CMS over the body (proxy detached-header) */
};

/* A validation whose body is at most this many bytes may first run on its event loop (verify_job.c):
 * reading and hashing it stays within a few microseconds. */
#define SBGW_INLINE_MAX_BODY (16 * 1024)

struct sbgw_verify_job {
    struct sbgw_work w;
    struct sbgw_req *rq;                      /* reference */
    struct sbgw_snap *snap;                   /* reference: the snapshot the job started with */
    const struct sb_trust_policy *pol;        /* borrowed from snap->set */
    char from[SB_TP_ID_MAX + 1];
    char to[SB_TP_ID_MAX + 1];
    char route[SBGW_LABEL_MAX];
    enum sbgw_vin kind;
    struct evbuffer *body;                    /* owned: moved out of the request */
    char *sig_b64;                            /* owned: SBGW_VIN_DETACHED */
    /* SBGW_VIN_DETACHED on a bound route (routes[].bind): the signature covers the canonical request
     * (canon_request.h) built by the worker from these and the body's SHA-256, not the body */
    unsigned bind;                            /* enum sbgw_bind bits; 0 = the body is the signed content */
    char bind_method[16], bind_date[32];
    char *bind_target;                        /* owned */
    char *canon;                              /* owned: the canonical request (worker) */
    unsigned char canon_key[32];              /* its SHA-256 (worker): the request's replay key */
    char digest_hdr[200];                     /* X-Sigbridge-Digest value, "" if none */
    char sm2_id[128];                         /* X-Sigbridge-SM2-Id value, "" if none */
    int has_sm2_id;
    char content_type[96];                    /* the request's Content-Type (translate), "" if none */
    int want_xml;                             /* answer a verdict as the ETSI TS 119 102-2 report */
    int require_full_coverage;                /* the body is forwarded whole (proxy routes): an XML-DSig
                                               * document with unsigned content is UNSIGNED_CONTENT */
    /* results (written by the worker, read on the loop after done) */
    int status;                               /* HTTP status to answer */
    int passed;                               /* TOTAL_PASSED */
    char *reply;                              /* owned: body (verdict or error), NUL-terminated */
    const char *reply_type;                   /* its Content-Type (static); NULL = application/json */
    char indication[24], reason[48];
    char signer_subject[512], signer_serial[128];
    void (*then)(struct sbgw_verify_job *j);        /* continuation on the loop thread */
};

/* ---- snapshots (reload.c) ------------------------------------------------------------------- */

/* Load configuration, policy set, TLS contexts and the policies JSON from conf_path; boot (may be NULL)
 * refuses changes a restart would need. NULL on failure with every error in diag. Any thread. */
struct sbgw_snap *sbgw_snap_load(const char *conf_path, const struct sbgw_boot *boot, struct sb_diag *diag);
/* Empty the signature memo and verify s's CA certificates and CRLs into it (reload thread, or at start before
 * serving). A no-op when cache.prefixes is 0. */
void sbgw_snap_prime(struct sbgw *gw, const struct sbgw_snap *s);
void sbgw_snap_up_ref(struct sbgw_snap *s);
void sbgw_snap_unref(struct sbgw_snap *s);
/* A new reference to the published snapshot (NULL if none). */
struct sbgw_snap *sbgw_snap_get(struct sbgw *gw);
/* The chain-cache scope (32 bytes) of policy p of s, or NULL when p is not one of s's policies. */
const unsigned char *sbgw_snap_scope(const struct sbgw_snap *s, const struct sb_trust_policy *p);
/* Record boot from the first snapshot. */
void sbgw_boot_from(struct sbgw_boot *b, const struct sbgw_snap *s);
/* Publish s (takes the caller's reference) and drop the old one. Loop thread. */
void sbgw_snap_publish(struct sbgw *gw, struct sbgw_snap *s);
/* Start a reload (SIGHUP: rq NULL; POST /admin/reload: rq answered when it finishes). Loop thread. */
void sbgw_reload_request(struct sbgw *gw, struct sbgw_req *rq);
int sbgw_reload_init(struct sbgw *gw);
void sbgw_reload_shutdown(struct sbgw *gw);

/* ---- TLS (tls.c) ---------------------------------------------------------------------------- */

/* Server context for listener l of cfg; NULL with errors in diag. */
SSL_CTX *sbgw_tls_ctx_new(const struct sbgw_config *cfg, enum sbgw_listener_kind l, struct sb_diag *diag);
/* The configured client id of the TLS session's verified peer certificate into id ("" if none). Returns 1
 * when a verified peer certificate was presented (mapped or not), else 0. */
int sbgw_tls_client_id(SSL *ssl, const struct sbgw_tls_conf *t, char *id, size_t len);

/* Whether the daemon is draining (any thread). */
static inline int sbgw_draining(const struct sbgw *gw)
{
    return __atomic_load_n(&gw->draining, __ATOMIC_ACQUIRE);
}

/* ---- event loops (loops.c) ------------------------------------------------------------------- */

/* A new event_base for a loop (epoll's changelist on: the changes of one iteration in one epoll_ctl per fd). */
struct event_base *sbgw_loop_base_new(void);
/* Make n loops: loop 0 on gw->base (already made), the others with their own event_base. 0 or -1. */
int sbgw_loops_new(struct sbgw *gw, int n);
/* Start the threads of loops 1..n-1 (each blocks every signal: signals are loop 0's). 0 or -1. */
int sbgw_loops_run(struct sbgw *gw);
/* Tell every loop to stop (any thread). */
void sbgw_loops_exit(struct sbgw *gw);
/* Stop the threads of loops 1..n-1 and wait for them (loop 0's thread, its loop not running). */
void sbgw_loops_join(struct sbgw *gw);
/* Free the loops (after every connection, listener and event of theirs). */
void sbgw_loops_free(struct sbgw *gw);
/* Around a callback of loop lp that handles one connection or one job's answer (its thread): begin gives the
 * start to hand to end, which counts the callback's CPU time in lp's busy histogram; one callback in
 * SBGW_LOOP_BUSY_SAMPLE is measured (begin gives 0 for the others, and end ignores them). */
#define SBGW_LOOP_BUSY_SAMPLE 16
unsigned long long sbgw_loop_busy_begin(struct sbgw_loop *lp);
void sbgw_loop_busy_end(struct sbgw_loop *lp, unsigned long long t0);

/* ---- connections handed to the least-loaded loop (loop_handoff.c) ----------------------------------- */

/* Make lp's handoff queue and its event (with the loop); free it, closing what was never started. */
int sbgw_handoff_init(struct sbgw_loop *lp);
void sbgw_handoff_free(struct sbgw_loop *lp);
/* Hand fd (accepted by loop `from` on l, holding a slot of l's cap) to the loop with the fewest connections
 * when it has fewer than `from` (from's thread): 1 handed (the queue owns fd and the slot), 0 keep it. */
int sbgw_handoff_maybe(struct sbgw_loop *from, struct sbgw_listener *l, evutil_socket_t fd, const char *peer);

/* ---- listeners (http_listen.c) --------------------------------------------------------------- */

/* Bind the listeners: the api listener on every loop, the admin listener on loop 0. */
int sbgw_http_start(struct sbgw *gw, const struct sbgw_snap *s);
/* Stop accepting on loop lp (its thread, or any thread once the loops stopped). */
void sbgw_http_stop_accepting_loop(struct sbgw_loop *lp);
/* Apply the limits of cfg to every listener (start and reload): the connection caps. */
void sbgw_http_apply_limits(struct sbgw *gw, const struct sbgw_config *cfg);
/* Drain: stop accepting on every loop (connections stay; every reply from now on closes its connection).
 * Loop 0 (the other loops are woken to stop their own), or any thread once the loops stopped. */
void sbgw_http_stop_accepting(struct sbgw *gw);
void sbgw_http_free(struct sbgw *gw);
/* Serve the connected socket fd on listener kind as if accepted there (the fuzz harness); 0 or -1. */
int sbgw_http_adopt(struct sbgw *gw, enum sbgw_listener_kind kind, evutil_socket_t fd);

/* ---- requests and replies (http.c) ----------------------------------------------------------- */

/* A request context for a head that arrived on conn (head taken; NULL for a request refused before its
 * head parsed); NULL when out of memory (head freed). */
struct sbgw_req *sbgw_req_new(struct sbgw_conn *conn, struct sbgw_listener *l, struct sbgw_http_head *head,
                              const char *peer, const char *client);
/* Admission, on the head alone: 1 the body may be read; 0 the request was answered (a refusal). */
int sbgw_http_admit(struct sbgw_req *rq);
/* The whole body is in rq->body: run the request. */
void sbgw_http_run(struct sbgw_req *rq);
/* The request's header name (case-insensitive), or NULL. */
const char *sbgw_req_header(const struct sbgw_req *rq, const char *name);
/* The request's query string (without '?'), or NULL. */
const char *sbgw_req_query(const struct sbgw_req *rq);
/* Who rq's client is, for messages: its client id, "(the client certificate maps to no configured client
 * id)" or "(no client certificate)". */
const char *sbgw_req_who(const struct sbgw_req *rq);

void sbgw_req_ref(struct sbgw_req *rq);
void sbgw_req_unref(struct sbgw_req *rq);
/* Send body (copied; NULL = empty) with status and content type; records metrics and the access log
 * line. No-op if rq was already answered. */
void sbgw_reply(struct sbgw_req *rq, int status, const char *content_type, const char *body, size_t len);
void sbgw_reply_json(struct sbgw_req *rq, int status, const char *json);
/* Send o (taken: json_decref'd here; NULL allowed) as compact JSON with status; when it cannot be written,
 * the error reply of on_failure instead. */
void sbgw_reply_json_value(struct sbgw_req *rq, int status, json_t *o, enum sbgw_http_error on_failure);
/* {"error":{"code","message","status"}} with e's status (fmt NULL = the table's message). */
void sbgw_reply_error(struct sbgw_req *rq, enum sbgw_http_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add a response header (before the reply). */
void sbgw_reply_header(struct sbgw_req *rq, const char *name, const char *value);
/* Streamed replies, for bodies that arrive while they are sent (proxy routes). begin sends the head — status,
 * Content-Type, Content-Length: length (a HEAD request gets no body whatever is written), X-Request-Id and
 * the reply headers — and marks rq answered; cb (may be NULL) hears about the client's connection. -1 when
 * there is no client connection any more (rq is then answered and accounted; nothing else to do). data moves
 * data's bytes out (never more than the Content-Length promised). end completes the reply; abort gives up
 * on it: what is queued is written, then the connection closes, so the client sees a short body (rq->reason
 * says why in the access log). The access-log line and metrics are written once, by end or abort. */
int sbgw_reply_stream_begin(struct sbgw_req *rq, int status, const char *content_type, long long length,
                            sbgw_stream_fn cb, void *arg);
void sbgw_reply_stream_data(struct sbgw_req *rq, struct evbuffer *data);
/* Bytes of the reply queued for the client and not yet written (0 without a connection). */
size_t sbgw_reply_stream_pending(const struct sbgw_req *rq);
void sbgw_reply_stream_end(struct sbgw_req *rq);
void sbgw_reply_stream_abort(struct sbgw_req *rq);
/* From the connection (http_conn.c): its output drained (gone 0) or it closed (gone 1). */
void sbgw_req_stream_event(struct sbgw_req *rq, int gone);
/* Arm the per-request deadline (request_timeout_ms): answers 503 TIMEOUT if still pending. */
void sbgw_req_deadline(struct sbgw_req *rq, int ms);
/* Build the error JSON text (malloc'd). */
char *sbgw_error_json(const char *code, const char *msg, int status);

/* ---- handlers -------------------------------------------------------------------------------- */

int sbgw_api_verify_admit(struct sbgw_req *rq, struct sbgw_snap *s);           /* api_verify.c */
void sbgw_api_verify(struct sbgw_req *rq, struct sbgw_snap *s);
int sbgw_api_translate_admit(struct sbgw_req *rq, struct sbgw_snap *s);        /* api_translate.c */
void sbgw_api_translate(struct sbgw_req *rq, struct sbgw_snap *s);
/* Queue a validation job (verify_job.c); on a full queue answers 503 and returns -1. */
int sbgw_verify_job_submit(struct sbgw_verify_job *j);
/* Drop the job and its references (request, snapshot). Loop thread. */
void sbgw_verify_job_free(struct sbgw_verify_job *j);
/* A job for rq validating under pol of s (references to rq and s taken); NULL when out of memory. */
struct sbgw_verify_job *sbgw_verify_job_new(struct sbgw_req *rq, struct sbgw_snap *s, const struct sb_trust_policy *pol,
                                const char *route);
/* Make the job's reply the error e of the HTTP error table (fmt NULL = the table's message). Worker. */
void sbgw_verify_job_error(struct sbgw_verify_job *j, enum sbgw_http_error e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record j's decision r (the indication, reason and signer it keeps for the access log and the audit record)
 * and append the audit record, with revocation (NULL or "": none) the signer's revocation evidence in the
 * compact form (sb_report_rev_compact); 0, or -1 with the 503 AUDIT_UNAVAILABLE error set (worker thread). */
int sbgw_verify_job_record(struct sbgw_verify_job *j, enum sb_reason r, const char *object_sha256,
                           const char *signer_subject, const char *signer_serial, const char *revocation);
/* Make the job's reply the pipeline's input error r (its code and HTTP status; 400 for a verdict reason)
 * with msg (NULL or "" = the reason table's). Worker. */
void sbgw_verify_job_error_reason(struct sbgw_verify_job *j, enum sb_reason r, const char *msg);
/* The daemon's caches for validating under pol of the job's snapshot (chain-cache scope: pol's). */
void sbgw_verify_job_caches(const struct sbgw_verify_job *j, const struct sb_trust_policy *pol,
                            struct sb_validation_caches *c);
void sbgw_api_healthz(struct sbgw_req *rq);                                     /* api_admin.c */
void sbgw_api_readyz(struct sbgw_req *rq, struct sbgw_snap *s);
void sbgw_api_policies(struct sbgw_req *rq, struct sbgw_snap *s);
void sbgw_api_metrics(struct sbgw_req *rq, struct sbgw_snap *s);
void sbgw_api_reload(struct sbgw_req *rq);
int sbgw_proxy_admit(struct sbgw_req *rq, struct sbgw_snap *s);                /* proxy.c (rq->proxy_route) */
void sbgw_proxy(struct sbgw_req *rq, struct sbgw_snap *s);
/* Free loop lp's upstream connections waiting to be reaped (also run from an event after each proxy reply). */
void sbgw_proxy_reap(struct sbgw_loop *lp);
/* Forward the validated request of j (taken) to its route's upstream and relay the reply (proxy_upstream.c). */
void sbgw_proxy_forward(struct sbgw_verify_job *j);

#endif
