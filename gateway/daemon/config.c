/*
 * gateway/daemon/config.c — conf/sigbridge.yaml: one key table per section (name, required, setter), then the
 * cross-checks that need the whole file. Listeners, access lists and routes: config_sections.c.
 */
#include "gateway/daemon/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/daemon/config_local.h"

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))
#define CONF(o) ((struct sbgw_config *)(o))

/* ---- scalar sections ----------------------------------------------------------------------- */

static void set_policy_dir(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_path(L, v, kp, &CONF(o)->policy_dir);
}

static void set_workers(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 0, 256, &CONF(o)->workers);
}

static void set_queue_max(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 1, 1000000, &CONF(o)->queue_max);
}

static void set_cache_chains(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 0, SBGW_CACHE_MAX, &CONF(o)->cache.chains);
}

static void set_cache_certs(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 0, SBGW_CACHE_MAX, &CONF(o)->cache.certificates);
}

static const struct sbgw_ykey cache_keys[] = {
    { "chains", 0, set_cache_chains },
    { "certificates", 0, set_cache_certs },
};

static void set_cache(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    if (sbgw_y_map(L, v, kp, "a mapping {chains, certificates}")) {
        sbgw_y_walk(L, v, kp, cache_keys, NKEYS(cache_keys), o);
    }
}

static void set_max_body(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_size(L, v, kp, 1024, 1024LL * 1024 * 1024, &CONF(o)->limits.max_body);
}

static void set_max_headers(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_size(L, v, kp, 1024, 1024 * 1024, &CONF(o)->limits.max_headers);
}

static void set_max_conn(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 8, 1000000, &CONF(o)->limits.max_connections);
}

static void set_req_timeout(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 10, 3600000, &CONF(o)->limits.request_timeout_ms);
}

static void set_idle_timeout(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 1, 86400, &CONF(o)->limits.idle_timeout_s);
}

static void set_drain_timeout(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 0, 3600, &CONF(o)->limits.drain_timeout_s);
}

static const struct sbgw_ykey limits_keys[] = {
    { "max_body", 0, set_max_body },
    { "max_headers", 0, set_max_headers },
    { "max_connections", 0, set_max_conn },
    { "request_timeout_ms", 0, set_req_timeout },
    { "idle_timeout_s", 0, set_idle_timeout },
    { "drain_timeout_s", 0, set_drain_timeout },
};

static void set_limits(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    if (sbgw_y_map(L, v, kp, "a mapping of limits")) {
        sbgw_y_walk(L, v, kp, limits_keys, NKEYS(limits_keys), o);
    }
}

static void set_audit_path(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_path(L, v, kp, &CONF(o)->audit.path);
}

static void set_audit_fsync(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    static const char *const names[] = { "every", "batch", "off" };
    int i = sbgw_y_enum(L, v, kp, names, NKEYS(names));

    if (i >= 0) {
        CONF(o)->audit.fsync = (enum sbgw_fsync)i;
    }
}

static void set_audit_batch(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 1, 10000, &CONF(o)->audit.batch_ms);
}

static void set_audit_node(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_read_id(L, v, kp, &CONF(o)->audit.node_id);
}

static const struct sbgw_ykey audit_keys[] = {
    { "path", 1, set_audit_path },
    { "fsync", 0, set_audit_fsync },
    { "batch_ms", 0, set_audit_batch },
    { "node_id", 0, set_audit_node },
};

static void set_audit(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    if (sbgw_y_map(L, v, kp, "a mapping {path, fsync, batch_ms, node_id}")) {
        sbgw_y_walk(L, v, kp, audit_keys, NKEYS(audit_keys), o);
    }
}

static void set_log_path(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_path(L, v, kp, &CONF(o)->log.path);
}

static void set_log_level(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    static const char *const names[] = { "debug", "info", "warn", "error" };
    int i = sbgw_y_enum(L, v, kp, names, NKEYS(names));

    if (i >= 0) {
        CONF(o)->log.level = (enum sbgw_log_level)i;
    }
}

static const struct sbgw_ykey log_keys[] = {
    { "path", 0, set_log_path },
    { "level", 0, set_log_level },
};

static void set_log(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    if (sbgw_y_map(L, v, kp, "a mapping {path, level}")) {
        sbgw_y_walk(L, v, kp, log_keys, NKEYS(log_keys), o);
    }
}

static const struct sbgw_ykey top_keys[] = {
    { "listeners", 1, sbgw_conf_set_listeners },
    { "policy_dir", 1, set_policy_dir },
    { "workers", 0, set_workers },
    { "queue_max", 0, set_queue_max },
    { "cache", 0, set_cache },
    { "limits", 0, set_limits },
    { "audit", 1, set_audit },
    { "log", 0, set_log },
    { "api", 0, sbgw_conf_set_api },
    { "routes", 0, sbgw_conf_set_routes },
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

static void check_acl(struct sbgw_yload *L, const struct sbgw_config *c, const struct sbgw_acl *a,
                      const struct sbgw_pos *pos, const char *kpath)
{
    struct sbgw_ynode at;
    size_t i;

    memset(&at, 0, sizeof(at));
    at.line = pos != NULL ? pos->line : 1;
    at.col = pos != NULL ? pos->col : 1;
    if (!a->present) {
        return;
    }
    if (c->listeners[SBGW_L_API].tls.client_ca == NULL) {
        sbgw_y_error(L, &at, kpath, "an access list needs client certificates on the api listener "
                                    "(listeners.api.tls.client_ca and clients)");
        return;
    }
    for (i = 0; i < a->n; i++) {
        if (!client_defined(c, a->ids[i], SBGW_L_API)) {
            sbgw_y_error(L, &at, kpath, "client id '%s' is not defined in listeners.api.tls.clients", a->ids[i]);
        }
    }
}

static void check_all(struct sbgw_yload *L, struct sbgw_config *c)
{
    const struct sbgw_listener_conf *api = &c->listeners[SBGW_L_API], *adm = &c->listeners[SBGW_L_ADMIN];
    char kp[SBGW_KPATH_MAX];
    size_t i;

    if (api->enabled && adm->enabled && api->port == adm->port && api->address != NULL && adm->address != NULL &&
        strcmp(api->address, adm->address) == 0) {
        sbgw_y_error(L, NULL, "listeners", "api and admin use the same address and port");
    }
    check_acl(L, c, &c->api.verify, NULL, "api.clients");
    for (i = 0; i < c->api.n_jur; i++) {
        sbgw_kpath_key(kp, sizeof(kp), "api.jurisdictions", c->api.jur[i].jurisdiction);
        check_acl(L, c, &c->api.jur[i].acl, &c->api.jur[i].pos, kp);
    }
    for (i = 0; i < c->n_routes; i++) {
        sbgw_kpath_idx(kp, sizeof(kp), "routes", i);
        check_acl(L, c, &c->routes[i].clients, &c->routes[i].pos, kp);
    }
    if (c->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        c->workers = n > 0 ? (int)(n > 256 ? 256 : n) : 1;
    }
    if (c->audit.node_id == NULL) {
        char host[256];

        if (gethostname(host, sizeof(host)) != 0 || !sbgw_conf_id_ok(host)) {
            snprintf(host, sizeof(host), "sigbridge");
        }
        c->audit.node_id = strdup(host);
    }
}

int sbgw_config_load(const char *path, struct sbgw_config **out, struct sbgw_diag *diag)
{
    struct sbgw_config *c;
    struct sbgw_ynode *root = NULL;
    struct sbgw_yload L;

    *out = NULL;
    sbgw_yload_init(&L, path, diag);
    if ((c = calloc(1, sizeof(*c))) == NULL || (c->file = strdup(path)) == NULL) {
        sbgw_diag_add(diag, "%s: out of memory", path);
        sbgw_config_free(c);
        return -1;
    }
    c->queue_max = 256;
    c->cache.chains = SBGW_CACHE_DEFAULT;
    c->cache.certificates = SBGW_CACHE_DEFAULT;
    c->limits.max_body = 10LL * 1024 * 1024;
    c->limits.max_headers = 16 * 1024;
    c->limits.max_connections = 4096;
    c->limits.request_timeout_ms = 30000;
    c->limits.idle_timeout_s = 60;
    c->limits.drain_timeout_s = 30;
    c->audit.fsync = SBGW_FSYNC_BATCH;
    c->audit.batch_ms = 100;
    c->log.level = SBGW_LOG_INFO;
    if (sbgw_yaml_parse(&L, &root) != 0) {
        goto err;
    }
    if (root == NULL) {
        sbgw_y_error(&L, NULL, NULL, "empty configuration (listeners, policy_dir and audit are required)");
        goto err;
    }
    if (!sbgw_y_map(&L, root, "", "a mapping of sections (listeners, policy_dir, audit, …)")) {
        goto err;
    }
    sbgw_y_walk(&L, root, "", top_keys, NKEYS(top_keys), c);
    if (L.nerr == 0) {
        check_all(&L, c);
    }
    if (L.nerr > 0) {
        goto err;
    }
    if (c->audit.node_id == NULL) {
        sbgw_diag_add(diag, "%s: out of memory", path);
        goto err;
    }
    sbgw_ynode_free(root);
    *out = c;
    return 0;
err:
    sbgw_ynode_free(root);
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
    free(c->log.path);
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

const char *sbgw_listener_name(enum sbgw_listener_kind k)
{
    switch (k) {
    case SBGW_L_API:
        return "api";
    case SBGW_L_ADMIN:
        return "admin";
    case SBGW_L__COUNT:
    default:
        return "?";
    }
}
