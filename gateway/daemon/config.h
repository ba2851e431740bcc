/*
 * gateway/daemon/config.h — the daemon's configuration (conf/sigbridge.yaml): listeners with optional TLS and
 * client certificates, the policy directory, worker pool, caches, limits, audit, log, API access lists
 * and validating proxy routes.
 *
 * The loader is the trust-policy loader's YAML layer (pki/base/yaml_schema.h) with the daemon's key tables:
 * unknown keys (with a hint), duplicates, wrong types, out-of-range values, missing required keys and
 * inconsistent settings (an access list naming an undefined client, an admin listener off loopback
 * without mutual TLS, overlapping route prefixes…) are each reported "file:line:col: key.path: …" into a
 * struct sb_diag (pki/base/diag.h), all collected (up to SB_Y_MAX_ERRORS) before the load fails. Relative file names
 * resolve against the configuration file's directory. Upstream host names are resolved at load time
 * (the loader runs before the loop starts or on the reload thread, never on the loop).
 *
 * Not done here: checks that need the policy set (route and access-list jurisdictions: reload.c) and
 * TLS contexts (tls.c). A loaded configuration is immutable; free it with sbgw_config_free.
 */
#ifndef SBGW_CONFIG_H
#define SBGW_CONFIG_H

#include <stddef.h>
#include "pki/base/diag.h"

enum sbgw_listener_kind { SBGW_L_API = 0, SBGW_L_ADMIN, SBGW_L__COUNT };
enum sbgw_fsync { SBGW_FSYNC_EVERY = 0, SBGW_FSYNC_BATCH, SBGW_FSYNC_OFF };
enum sbgw_require { SBGW_REQ_ATTACHED = 0, SBGW_REQ_DETACHED_HEADER };
/* routes[].bind: what the detached signature covers besides the body (always bound through its digest). */
enum sbgw_bind { SBGW_BIND_METHOD = 1, SBGW_BIND_TARGET = 2, SBGW_BIND_DATE = 4 };
enum sbgw_log_level { SBGW_LOG_DEBUG = 0, SBGW_LOG_INFO, SBGW_LOG_WARN, SBGW_LOG_ERROR };

#define SBGW_ID_MAX 64            /* client ids, route names, node id */
#define SBGW_LOOPS_MAX 64         /* loops: I/O event loops (one per core by default) */
#define SBGW_SKEW_DEFAULT 300     /* routes[].max_skew_s when not given */
#define SBGW_CACHE_DEFAULT 10000  /* cache.chains / cache.certificates when not given */
#define SBGW_PREFIX_DEFAULT 4096  /* cache.prefixes when not given */
#define SBGW_CACHE_MAX 10000000
#define SBGW_REV_ENTRIES_DEFAULT 256   /* revocation_cache.entries when not given */
#define SBGW_REV_FILES_DEFAULT 1024    /* revocation_cache.max_files when not given */

/* Where a setting was written (for messages that need the policy set, e.g. jurisdictions). */
struct sbgw_pos {
    unsigned line, col;
};

/* A TLS client: a certificate (verified against client_ca) mapped to an id by subject or fingerprint. */
struct sbgw_client {
    char *id;                     /* owned */
    char *subject;                /* owned: RFC 2253 subject to match exactly; NULL when by sha256 */
    char sha256[65];              /* lowercase hex fingerprint of the DER certificate; "" when by subject */
};

struct sbgw_tls_conf {
    int enabled;
    char *cert, *key;             /* owned: resolved paths */
    char *client_ca;              /* owned: resolved path; NULL = no client certificates requested */
    struct sbgw_client *clients;  /* owned */
    size_t n_clients;
    struct sbgw_pos pos;          /* of the tls mapping */
};

struct sbgw_listener_conf {
    int enabled;
    char *address;                /* owned: numeric IPv4 / IPv6 address */
    int port;
    int loopback;                 /* address is 127.0.0.0/8 or ::1 */
    struct sbgw_tls_conf tls;
};

/* A list of client ids allowed to do something; present == 0 means "anyone". */
struct sbgw_acl {
    int present;
    char **ids;                   /* owned */
    size_t n;
};

/* An address block of api.trusted_proxies: a single address is a /32 (/128). */
struct sbgw_cidr {
    int family;                   /* AF_INET or AF_INET6 */
    unsigned char addr[16];       /* network byte order, host bits cleared */
    int bits;
};

struct sbgw_jur_acl {
    char *jurisdiction;           /* owned */
    struct sbgw_acl acl;
    struct sbgw_pos pos;
};

struct sbgw_route {
    char *name;                   /* owned: for metrics, logs and audit */
    char *prefix;                 /* owned: path prefix, starts with "/" */
    char *upstream;               /* owned: as written ("http://127.0.0.1:9000") */
    char *up_host;                /* owned: numeric address the host resolved to */
    int up_port;
    char *up_hostport;            /* owned: "host:port" as written, for the Host header */
    char *from;                   /* owned: jurisdiction whose signature is required */
    char *to;                     /* owned: receiving side for the audit record; NULL */
    enum sbgw_require require;
    struct sbgw_acl clients;
    int timeout_ms;               /* forwarding to the upstream reply's last byte */
    long long max_response;       /* largest upstream reply body relayed */
    unsigned bind;                /* SBGW_BIND_* bits: the signature covers the canonical request
                                   * (gateway/daemon/canon_request.h); 0 = it covers the body only */
    int max_skew_s;               /* bind date: the Date header within this many seconds of now; the replay
                                   * cache keeps an accepted signature for twice this */
    struct sbgw_pos pos, from_pos;
};

struct sbgw_config {
    char *file;                               /* owned: the file as given */
    struct sbgw_listener_conf listeners[SBGW_L__COUNT];
    char *policy_dir;                         /* owned: resolved */
    int workers;                              /* resolved (0 in the file = number of cores) */
    int loops;                                /* I/O event loops, resolved (0 in the file = number of cores) */
    int queue_max;
    int inline_budget_us;                     /* work a CMS validation may do on its loop (verify_job.c); 0 = none */
    struct {
        int chains;                           /* validated-path cache entries; 0 = off */
        int certificates;                     /* decoded-certificate cache entries; 0 = off */
        int prefixes;                         /* verified CA-certificate and CRL signatures remembered
                                               * (pki/x509/sig_memo.h); 0 = off */
    } cache;
    struct {
        long long max_body;
        long long max_headers;
        int max_connections;                  /* api listener, counted from accept */
        int admin_connections;                /* admin listener, counted from accept */
        int header_timeout_ms;                /* accept (or a keep-alive request's first byte) to its whole head */
        long long body_min_rate;              /* bytes/s a body must average after header_timeout_ms of grace */
        long long pending_body_bytes;         /* bodies of unfinished requests, all connections */
        int request_timeout_ms;
        int idle_timeout_s;
        int drain_timeout_s;
    } limits;
    struct {
        char *path;                           /* owned: resolved */
        enum sbgw_fsync fsync;
        int batch_ms;
        char *node_id;                        /* owned */
        char *signing_key;                    /* owned: resolved; NULL = checkpoints not signed (mode 600) */
        char *signing_cert;                   /* owned: resolved; with signing_key */
        char *checkpoint_file;                /* owned: resolved; default path + ".checkpoint" */
        int every_records;                    /* checkpoint cadence (signed checkpoints only) */
        int every_s;
        char *tsa;                            /* owned: audit.timestamp.tsa, an http(s) URL; NULL = no anchors */
        int tsa_timeout_ms;                   /* audit.timestamp.timeout_ms */
        char *tsa_policy;                     /* owned: audit.timestamp.policy (dotted OID); NULL = the TSA's */
    } audit;
    struct {
        char *path;                           /* owned: resolved; NULL = stderr */
        enum sbgw_log_level level;
    } log;
    struct {
        struct sbgw_acl verify;               /* api.clients: who may call POST /v1/verify and /v1/translate,
                                               * and the routes without clients of their own */
        struct sbgw_jur_acl *jur;             /* owned: per source jurisdiction */
        size_t n_jur;
        struct sbgw_cidr *trusted;            /* owned: api.trusted_proxies, whose X-Forwarded-* / Forwarded /
                                               * X-Real-IP headers proxy routes pass on */
        size_t n_trusted;
    } api;
    struct sbgw_route *routes;                /* owned */
    size_t n_routes;
    struct {
        char *dir;                            /* owned: resolved; NULL = memory only (nothing kept across
                                               * restarts) */
        int entries;                          /* CRLs kept decoded in memory (revocation_fetch.h) */
        int max_files;                        /* files kept per kind (crl/, ocsp/) in dir */
        int fsync;                            /* fsync each written file and its directory */
    } revocation_cache;                       /* needs a restart to change; a reload keeps the cache */
};

/* Load and check path; *out is new (sbgw_config_free). 0 on success; -1 with every problem in diag. */
int sbgw_config_load(const char *path, struct sbgw_config **out, struct sb_diag *diag);
void sbgw_config_free(struct sbgw_config *c);

/* 1 if id is allowed by acl (an absent list allows everyone, even without a client id). */
int sbgw_acl_allows(const struct sbgw_acl *acl, const char *id);
/* 1 if peer (a numeric address as the listener wrote it) is in api.trusted_proxies. */
int sbgw_config_trusted_proxy(const struct sbgw_config *c, const char *peer);
/* The access list for source jurisdiction jur, or NULL when none is configured. */
const struct sbgw_acl *sbgw_config_jur_acl(const struct sbgw_config *c, const char *jur);
/* The access list of route r: its own clients, or api.clients when it has none (which may be absent too:
 * anyone). */
const struct sbgw_acl *sbgw_config_route_acl(const struct sbgw_config *c, const struct sbgw_route *r);
/* The route whose prefix matches path (longest prefix wins), or NULL. */
const struct sbgw_route *sbgw_config_route(const struct sbgw_config *c, const char *path);
/* "api" / "admin". */
const char *sbgw_listener_name(enum sbgw_listener_kind k);

#endif
