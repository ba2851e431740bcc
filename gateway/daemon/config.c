/*
 * gateway/daemon/config.c — conf/sigbridge.yaml through the shared YAML layer (pki/base/yaml_schema.h): one key
 * table per section (name, type, field, bounds, default, help), then the cross-checks that need the whole
 * file. Listeners, access lists and routes need code of their own: config_sections.c.
 */
#include "gateway/daemon/config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/objects.h>

#include "gateway/daemon/audit_signer.h"
#include "gateway/daemon/config_local.h"
#include "pki/base/name_table.h"

#define C_OFF(field) offsetof(struct sbgw_config, field)

/* SB_YT_ENUM rows store an int into these fields. */
_Static_assert(sizeof(enum sbgw_fsync) == sizeof(int), "enum field written as int");
_Static_assert(sizeof(enum sbgw_log_level) == sizeof(int), "enum field written as int");

static const char *const fsync_names[] = { "every", "batch", "off", NULL };          /* enum sbgw_fsync */
static const char *const level_names[] = { "debug", "info", "warn", "error", NULL }; /* enum sbgw_log_level */

static const struct sb_ykey cache_keys[] = {
    { .name = "chains", .type = SB_YT_INT, .off = C_OFF(cache.chains), .min = 0, .max = SBGW_CACHE_MAX,
      .dflt = SBGW_CACHE_DEFAULT, .help = "validated-path cache entries (0 = off)" },
    { .name = "certificates", .type = SB_YT_INT, .off = C_OFF(cache.certificates), .min = 0, .max = SBGW_CACHE_MAX,
      .dflt = SBGW_CACHE_DEFAULT, .help = "decoded-certificate cache entries (0 = off)" },
    { .name = "prefixes", .type = SB_YT_INT, .off = C_OFF(cache.prefixes), .min = 0, .max = SBGW_CACHE_MAX,
      .dflt = SBGW_PREFIX_DEFAULT,
      .help = "verified signatures of CA certificates and CRLs remembered, so a new signer costs its own (0 = off)" },
};

static const struct sb_ykey limits_keys[] = {
    { .name = "max_body", .type = SB_YT_SIZE, .off = C_OFF(limits.max_body), .min = 1024,
      .max = 1024LL * 1024 * 1024, .dflt = 10LL * 1024 * 1024, .help = "largest request body (\"10MiB\")" },
    { .name = "max_headers", .type = SB_YT_SIZE, .off = C_OFF(limits.max_headers), .min = 1024,
      .max = 1024 * 1024, .dflt = 16 * 1024, .help = "largest request header block (\"16KiB\")" },
    { .name = "max_connections", .type = SB_YT_INT, .off = C_OFF(limits.max_connections), .min = 8,
      .max = 1000000, .dflt = 4096, .help = "open connections of the api listener, counted from accept" },
    { .name = "admin_connections", .type = SB_YT_INT, .off = C_OFF(limits.admin_connections), .min = 2,
      .max = 4096, .dflt = 64, .help = "open connections of the admin listener (descriptors kept for it)" },
    { .name = "header_timeout_ms", .type = SB_YT_INT, .off = C_OFF(limits.header_timeout_ms), .min = 100,
      .max = 600000, .dflt = 10000, .help = "time to a complete request header block, milliseconds" },
    { .name = "body_min_rate", .type = SB_YT_SIZE, .off = C_OFF(limits.body_min_rate), .min = 1,
      .max = 1024LL * 1024 * 1024, .dflt = 4096, .help = "bytes per second a request body must average (\"4KiB\")" },
    { .name = "pending_body_bytes", .type = SB_YT_SIZE, .off = C_OFF(limits.pending_body_bytes), .min = 1024,
      .max = 64LL * 1024 * 1024 * 1024, .dflt = 256LL * 1024 * 1024,
      .help = "bytes held for unfinished request bodies, all connections (\"256MiB\")" },
    { .name = "request_timeout_ms", .type = SB_YT_INT, .off = C_OFF(limits.request_timeout_ms), .min = 10,
      .max = 3600000, .dflt = 30000, .help = "time for one request, milliseconds" },
    { .name = "idle_timeout_s", .type = SB_YT_INT, .off = C_OFF(limits.idle_timeout_s), .min = 1, .max = 86400,
      .dflt = 60, .help = "idle keep-alive connection / unread reply, seconds" },
    { .name = "drain_timeout_s", .type = SB_YT_INT, .off = C_OFF(limits.drain_timeout_s), .min = 0, .max = 3600,
      .dflt = 30, .help = "graceful-stop drain, seconds" },
};

static const struct sb_ykey checkpoint_keys[] = {
    { .name = "every_records", .type = SB_YT_INT, .off = C_OFF(audit.every_records), .min = 1, .max = 10000000,
      .dflt = 1000, .help = "a signed checkpoint after this many records" },
    { .name = "every_s", .type = SB_YT_INT, .off = C_OFF(audit.every_s), .min = 1, .max = 86400, .dflt = 10,
      .help = "and at least this often while records are written, seconds" },
};

/* audit.timestamp.tsa: an http:// or https:// URL OpenSSL can parse (the only address the daemon contacts). */
static void set_tsa_url(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                        const char *kp)
{
    char **slot = (char **)(void *)((char *)o + k->off);
    char *host = NULL, *port = NULL, *path = NULL;
    const char *s;
    int ssl = 0, ok;

    if (!sb_y_str(L, v, kp, 2048, &s)) {
        return;
    }
    ok = (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
         OSSL_HTTP_parse_url(s, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL) == 1 && host[0] != '\0';
    ERR_clear_error();
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    if (!ok) {
        sb_y_error_at(L, v, kp, "expected an http:// or https:// URL, got '%s'", s);
        return;
    }
    (void)sb_y_strdup(L, v, kp, 2048, slot);
}

/* audit.timestamp.policy: a dotted OID. */
static void set_oid(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v, const char *kp)
{
    char **slot = (char **)(void *)((char *)o + k->off);
    ASN1_OBJECT *obj;
    const char *s;

    if (!sb_y_str(L, v, kp, 200, &s)) {
        return;
    }
    if (strspn(s, "0123456789.") != strlen(s) || (obj = OBJ_txt2obj(s, 1)) == NULL) {
        ERR_clear_error();
        sb_y_error_at(L, v, kp, "expected a dotted OID (1.2.3.4), got '%s'", s);
        return;
    }
    ASN1_OBJECT_free(obj);
    (void)sb_y_strdup(L, v, kp, 200, slot);
}

static const struct sb_ykey timestamp_keys[] = {
    { .name = "tsa", .type = SB_YT_STR, .required = 1, .off = C_OFF(audit.tsa),
      .help = "the RFC 3161 time-stamping authority's http:// or https:// URL", .set = set_tsa_url },
    { .name = "timeout_ms", .type = SB_YT_INT, .off = C_OFF(audit.tsa_timeout_ms), .min = 1, .max = 60000,
      .dflt = 5000, .help = "time for one exchange with the TSA, milliseconds (whole seconds, rounded up)" },
    { .name = "policy", .type = SB_YT_STR, .off = C_OFF(audit.tsa_policy),
      .help = "the TSA policy OID to ask for (default: the TSA's own)", .set = set_oid },
};

static const struct sb_ykey audit_keys[] = {
    { .name = "path", .type = SB_YT_PATH, .required = 1, .off = C_OFF(audit.path), .help = "the audit log file" },
    { .name = "fsync", .type = SB_YT_ENUM, .off = C_OFF(audit.fsync), .dflt = SBGW_FSYNC_BATCH,
      .help = "every, batch or off", .names = fsync_names },
    { .name = "batch_ms", .type = SB_YT_INT, .off = C_OFF(audit.batch_ms), .min = 1, .max = 10000, .dflt = 100,
      .help = "fsync batch interval, milliseconds" },
    { .name = "node_id", .type = SB_YT_STR, .off = C_OFF(audit.node_id), .help = "an id (default: the host name)",
      .set = sbgw_conf_id_slot },
    { .name = "signing_key", .type = SB_YT_PATH, .off = C_OFF(audit.signing_key),
      .help = "the node's audit key, signs checkpoints (mode 600)", .set = sbgw_conf_private_key_path },
    { .name = "signing_cert", .type = SB_YT_PATH, .off = C_OFF(audit.signing_cert),
      .help = "the audit key's certificate" },
    { .name = "checkpoint_file", .type = SB_YT_PATH, .off = C_OFF(audit.checkpoint_file),
      .help = "the latest checkpoint (default: the log's path + \".checkpoint\")" },
    { .name = "checkpoint", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping {every_records, every_s}",
      .sub = checkpoint_keys, .nsub = SB_Y_NKEYS(checkpoint_keys) },
    { .name = "timestamp", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping {tsa, timeout_ms, policy}",
      .sub = timestamp_keys, .nsub = SB_Y_NKEYS(timestamp_keys) },
};

static const struct sb_ykey log_keys[] = {
    { .name = "path", .type = SB_YT_PATH, .off = C_OFF(log.path), .help = "the log file (default: stderr)" },
    { .name = "level", .type = SB_YT_ENUM, .off = C_OFF(log.level), .dflt = SBGW_LOG_INFO,
      .help = "debug, info, warn or error", .names = level_names },
};

static const struct sb_ykey revocation_cache_keys[] = {
    { .name = "dir", .type = SB_YT_PATH, .off = C_OFF(revocation_cache.dir),
      .help = "the revocation cache directory (created 0700; default: none, the cache lives in memory only)" },
    { .name = "entries", .type = SB_YT_INT, .off = C_OFF(revocation_cache.entries), .min = 1, .max = 100000,
      .dflt = SBGW_REV_ENTRIES_DEFAULT, .help = "CRLs from distribution points kept decoded in memory" },
    { .name = "max_files", .type = SB_YT_INT, .off = C_OFF(revocation_cache.max_files), .min = 1, .max = 100000,
      .dflt = SBGW_REV_FILES_DEFAULT, .help = "files kept in dir per kind (crl/, ocsp/), newest first" },
    { .name = "fsync", .type = SB_YT_BOOL, .off = C_OFF(revocation_cache.fsync), .dflt = 0,
      .help = "fsync each cache file and its directory when written (true or false)" },
};

static const struct sb_ykey top_keys[] = {
    { .name = "listeners", .type = SB_YT_MAP, .required = 1, .off = SB_Y_NO_OFF, .help = "a mapping {api, admin}",
      .set = sbgw_conf_read_listeners },
    { .name = "policy_dir", .type = SB_YT_PATH, .required = 1, .off = C_OFF(policy_dir),
      .help = "the trust policy directory" },
    { .name = "workers", .type = SB_YT_INT, .off = C_OFF(workers), .min = 0, .max = 256,
      .help = "worker threads (0 = one per core)" },
    { .name = "loops", .type = SB_YT_INT, .off = C_OFF(loops), .min = 0, .max = SBGW_LOOPS_MAX,
      .help = "I/O event loops, each with its own accept sockets on the api listener (0 = one per core)" },
    { .name = "queue_max", .type = SB_YT_INT, .off = C_OFF(queue_max), .min = 1, .max = 1000000, .dflt = 256,
      .help = "jobs waiting for a worker" },
    { .name = "inline_budget_us", .type = SB_YT_INT, .off = C_OFF(inline_budget_us), .min = 0, .max = 1000,
      .dflt = 600, .help = "microseconds of work a validation may do on its event loop before it goes to a worker "
      "(0 = every validation on a worker)" },
    { .name = "cache", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping {chains, certificates, prefixes}",
      .sub = cache_keys, .nsub = SB_Y_NKEYS(cache_keys) },
    { .name = "limits", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping of limits", .sub = limits_keys,
      .nsub = SB_Y_NKEYS(limits_keys) },
    { .name = "audit", .type = SB_YT_MAP, .required = 1, .off = SB_Y_NO_OFF,
      .help = "a mapping {path, fsync, batch_ms, node_id, signing_key, signing_cert, checkpoint_file, checkpoint, "
              "timestamp}",
      .sub = audit_keys, .nsub = SB_Y_NKEYS(audit_keys) },
    { .name = "log", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping {path, level}", .sub = log_keys,
      .nsub = SB_Y_NKEYS(log_keys) },
    { .name = "api", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping {clients, jurisdictions, trusted_proxies}",
      .set = sbgw_conf_read_api },
    { .name = "routes", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of routes",
      .set = sbgw_conf_read_routes },
    { .name = "revocation_cache", .type = SB_YT_MAP, .off = SB_Y_NO_OFF,
      .help = "a mapping {dir, entries, max_files, fsync}: fetched CRLs and OCSP responses",
      .sub = revocation_cache_keys, .nsub = SB_Y_NKEYS(revocation_cache_keys) },
};

/* ---- whole-file checks --------------------------------------------------------------------- */

static int client_defined(const struct sbgw_config *c, const char *id, enum sbgw_listener_kind only)
{
    size_t l, i;

    for (l = 0; l < SBGW_L__COUNT; l++) {
        if ((int)only >= 0 && l != (size_t)only) {
            continue;
        }
        for (i = 0; i < c->listeners[l].tls.n_clients; i++) {
            if (c->listeners[l].tls.clients[i].id != NULL && strcmp(c->listeners[l].tls.clients[i].id, id) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* pos NULL: the message has no position. */
static void check_acl(struct sb_yfile *L, const struct sbgw_config *c, const struct sbgw_acl *a,
                      const struct sbgw_pos *pos, const char *kpath)
{
    unsigned line = pos != NULL ? pos->line : 0, col = pos != NULL ? pos->col : 0;
    size_t i;

    if (!a->present) {
        return;
    }
    if (c->listeners[SBGW_L_API].tls.client_ca == NULL) {
        sb_y_error(L, line, col, kpath, "an access list needs client certificates on the api listener "
                                        "(listeners.api.tls.client_ca and clients)");
        return;
    }
    for (i = 0; i < a->n; i++) {
        if (!client_defined(c, a->ids[i], SBGW_L_API)) {
            sb_y_error(L, line, col, kpath, "client id '%s' is not defined in listeners.api.tls.clients", a->ids[i]);
        }
    }
}

/* signing_key and signing_cert come together and belong together; checkpoint_file defaults to path + ".checkpoint". */
static void check_audit_key(struct sb_yfile *L, struct sbgw_config *c)
{
    struct sbgw_audit_signer s;
    char err[512];

    if ((c->audit.signing_key == NULL) != (c->audit.signing_cert == NULL)) {
        sb_y_error_at(L, NULL, "audit", "give both signing_key and signing_cert, or neither");
    } else if (c->audit.signing_key != NULL) {
        if (sbgw_audit_signer_load(&s, c->audit.signing_key, c->audit.signing_cert, err, sizeof(err)) != 0) {
            sb_y_error_at(L, NULL, "audit", "%s", err);
        }
        sbgw_audit_signer_free(&s);
    }
    if (c->audit.tsa != NULL && c->audit.signing_key == NULL) {
        sb_y_error_at(L, NULL, "audit.timestamp", "time anchors need signed checkpoints: set audit.signing_key "
                      "and audit.signing_cert");
    }
    if (c->audit.checkpoint_file == NULL && c->audit.path != NULL) {
        size_t n = strlen(c->audit.path) + sizeof(".checkpoint");

        if ((c->audit.checkpoint_file = malloc(n)) != NULL) {
            snprintf(c->audit.checkpoint_file, n, "%s.checkpoint", c->audit.path);
        }
    }
}

static void check_all(struct sb_yfile *L, struct sbgw_config *c)
{
    const struct sbgw_listener_conf *api = &c->listeners[SBGW_L_API], *adm = &c->listeners[SBGW_L_ADMIN];
    char kp[SB_Y_KPATH_MAX];
    size_t i;

    if (api->enabled && adm->enabled && api->port == adm->port && api->address != NULL && adm->address != NULL &&
        strcmp(api->address, adm->address) == 0) {
        sb_y_error_at(L, NULL, "listeners", "api and admin use the same address and port");
    }
    check_acl(L, c, &c->api.verify, NULL, "api.clients");
    for (i = 0; i < c->api.n_jur; i++) {
        sb_y_kpath_key(kp, sizeof(kp), "api.jurisdictions", c->api.jur[i].jurisdiction);
        check_acl(L, c, &c->api.jur[i].acl, &c->api.jur[i].pos, kp);
    }
    for (i = 0; i < c->n_routes; i++) {
        sb_y_kpath_idx(kp, sizeof(kp), "routes", i);
        check_acl(L, c, &c->routes[i].clients, &c->routes[i].pos, kp);
    }
    if (c->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        c->workers = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
    }
    if (c->loops == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        c->loops = n > 0 ? (int)(n > SBGW_LOOPS_MAX ? SBGW_LOOPS_MAX : n) : 1;
    }
    if (c->audit.node_id == NULL) {
        char host[256];

        if (gethostname(host, sizeof(host)) != 0 || !sbgw_conf_id_ok(host)) {
            snprintf(host, sizeof(host), "sigbridge");
        }
        c->audit.node_id = strdup(host);
    }
    check_audit_key(L, c);
}

int sbgw_config_load(const char *path, struct sbgw_config **out, struct sb_diag *diag)
{
    struct sbgw_config *c;
    struct sb_ynode *root = NULL;
    struct sb_yfile L;

    *out = NULL;
    (void)sb_yfile_init(&L, path, &sb_ydoc_conf, diag, NULL);   /* not hashed: cannot fail */
    if ((c = calloc(1, sizeof(*c))) == NULL || (c->file = strdup(path)) == NULL ||
        !sb_y_defaults(top_keys, SB_Y_NKEYS(top_keys), c)) {
        sb_diag_add(diag, "%s: out of memory", path);
        sbgw_config_free(c);
        return -1;
    }
    if (sb_y_parse(&L, &root) != 1) {
        goto err;
    }
    if (root == NULL) {
        sb_y_error_file(&L, "empty configuration (listeners, policy_dir and audit are required)");
        goto err;
    }
    if (!sb_y_map(&L, root, "", "a mapping of sections (listeners, policy_dir, audit, …)")) {
        goto err;
    }
    sb_y_walk(&L, root, "", top_keys, SB_Y_NKEYS(top_keys), c, NULL);
    if (L.nerr == 0) {
        check_all(&L, c);
    }
    if (L.nerr > 0) {
        goto err;
    }
    if (c->audit.node_id == NULL || c->audit.checkpoint_file == NULL) {
        sb_diag_add(diag, "%s: out of memory", path);
        goto err;
    }
    sb_ynode_free(root);
    sb_yfile_done(&L, NULL);
    *out = c;
    return 0;
err:
    sb_ynode_free(root);
    sb_yfile_done(&L, NULL);
    sbgw_config_free(c);
    return -1;
}

static void tls_free(struct sbgw_tls_conf *t)
{
    size_t i;

    for (i = 0; i < t->n_clients; i++) {
        free(t->clients[i].id);
        free(t->clients[i].subject);
    }
    free(t->clients);
    free(t->cert);
    free(t->key);
    free(t->client_ca);
}

void sbgw_config_free(struct sbgw_config *c)
{
    size_t i;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < SBGW_L__COUNT; i++) {
        free(c->listeners[i].address);
        tls_free(&c->listeners[i].tls);
    }
    for (i = 0; i < c->api.n_jur; i++) {
        free(c->api.jur[i].jurisdiction);
        sbgw_conf_acl_free(&c->api.jur[i].acl);
    }
    free(c->api.jur);
    free(c->api.trusted);
    sbgw_conf_acl_free(&c->api.verify);
    for (i = 0; i < c->n_routes; i++) {
        struct sbgw_route *r = &c->routes[i];

        free(r->name);
        free(r->prefix);
        free(r->upstream);
        free(r->up_host);
        free(r->up_hostport);
        free(r->from);
        free(r->to);
        sbgw_conf_acl_free(&r->clients);
    }
    free(c->routes);
    free(c->policy_dir);
    free(c->audit.path);
    free(c->audit.node_id);
    free(c->audit.signing_key);
    free(c->audit.signing_cert);
    free(c->audit.checkpoint_file);
    free(c->audit.tsa);
    free(c->audit.tsa_policy);
    free(c->log.path);
    free(c->revocation_cache.dir);
    free(c->file);
    free(c);
}

int sbgw_acl_allows(const struct sbgw_acl *acl, const char *id)
{
    size_t i;

    if (acl == NULL || !acl->present) {
        return 1;
    }
    if (id == NULL) {
        return 0;
    }
    for (i = 0; i < acl->n; i++) {
        if (strcmp(acl->ids[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the first bits of a and b are equal. */
static int prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;

    if (memcmp(a, b, (size_t)full) != 0) {
        return 0;
    }
    return rest == 0 || ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int sbgw_config_trusted_proxy(const struct sbgw_config *c, const char *peer)
{
    unsigned char a[16];
    int family;
    size_t i;

    if (c->api.n_trusted == 0) {
        return 0;
    }
    if (inet_pton(AF_INET, peer, a) == 1) {
        family = AF_INET;
    } else if (inet_pton(AF_INET6, peer, a) == 1) {
        family = AF_INET6;
        if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {    /* ::ffff:a.b.c.d is an IPv4 peer */
            memmove(a, a + 12, 4);
            family = AF_INET;
        }
    } else {
        return 0;
    }
    for (i = 0; i < c->api.n_trusted; i++) {
        if (c->api.trusted[i].family == family && prefix_eq(c->api.trusted[i].addr, a, c->api.trusted[i].bits)) {
            return 1;
        }
    }
    return 0;
}

const struct sbgw_acl *sbgw_config_jur_acl(const struct sbgw_config *c, const char *jur)
{
    size_t i;

    for (i = 0; i < c->api.n_jur; i++) {
        if (strcmp(c->api.jur[i].jurisdiction, jur) == 0) {
            return &c->api.jur[i].acl;
        }
    }
    return NULL;
}

const struct sbgw_acl *sbgw_config_route_acl(const struct sbgw_config *c, const struct sbgw_route *r)
{
    return r->clients.present ? &r->clients : &c->api.verify;
}

const struct sbgw_route *sbgw_config_route(const struct sbgw_config *c, const char *path)
{
    const struct sbgw_route *best = NULL;
    size_t i, n;

    for (i = 0; i < c->n_routes; i++) {
        n = strlen(c->routes[i].prefix);
        if (strncmp(path, c->routes[i].prefix, n) == 0 && (best == NULL || n > strlen(best->prefix))) {
            best = &c->routes[i];
        }
    }
    return best;
}

static const struct sb_name_row listener_names[] = {
    { SBGW_L_API, "api" }, { SBGW_L_ADMIN, "admin" },
};

const char *sbgw_listener_name(enum sbgw_listener_kind k)
{
    return sb_name_of(SB_NAME_ROWS(listener_names), (int)k, "?");
}
