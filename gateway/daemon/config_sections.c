/*
 * gateway/daemon/config_sections.c — the network-facing sections of conf/sigbridge.yaml: listeners (with TLS and
 * client certificates), API access lists and proxy routes, plus the small readers shared with config.c.
 */
#include "gateway/daemon/config_local.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/http.h>

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))
#define CONF(o) ((struct sbgw_config *)(o))

static const char *const reserved_prefixes[] = { "/v1/", "/admin/", "/healthz", "/readyz", "/metrics" };

/* ---- small helpers ------------------------------------------------------------------------- */

int sbgw_conf_id_ok(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > SBGW_ID_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.')) {
            return 0;
        }
    }
    return 1;
}

int sbgw_conf_read_id(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, char **dst)
{
    if (!sbgw_y_strdup(L, v, kpath, SBGW_ID_MAX, dst)) {
        return 0;
    }
    if (!sbgw_conf_id_ok(*dst)) {
        sbgw_y_error(L, v, kpath, "'%s' is not an id (letters, digits, '.', '_', '-'; at most %d)", *dst, SBGW_ID_MAX);
        return 0;
    }
    return 1;
}

void sbgw_conf_acl_free(struct sbgw_acl *a)
{
    size_t i;

    for (i = 0; i < a->n; i++) {
        free(a->ids[i]);
    }
    free(a->ids);
    memset(a, 0, sizeof(*a));
}

void sbgw_conf_read_acl(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, struct sbgw_acl *a)
{
    char sub[SBGW_KPATH_MAX];
    size_t i;

    sbgw_conf_acl_free(a);
    if (!sbgw_y_seq(L, v, kpath, "a list of client ids")) {
        return;
    }
    a->present = 1;
    if (v->n == 0) {
        return;          /* an empty list allows nobody */
    }
    if ((a->ids = calloc(v->n, sizeof(*a->ids))) == NULL) {
        sbgw_y_error(L, v, kpath, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sbgw_kpath_idx(sub, sizeof(sub), kpath, i);
        if (sbgw_conf_read_id(L, v->kids[i], sub, &a->ids[a->n])) {
            a->n++;
        }
    }
}

int sbgw_conf_get_int(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, long long min,
                   long long max, int *dst)
{
    long long x;

    if (!sbgw_y_int(L, v, kpath, min, max, &x)) {
        return 0;
    }
    *dst = (int)x;
    return 1;
}

/* ---- listeners ----------------------------------------------------------------------------- */

static void set_client_id(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_read_id(L, v, kp, &((struct sbgw_client *)o)->id);
}

static void set_client_subject(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_strdup(L, v, kp, 1024, &((struct sbgw_client *)o)->subject);
}

static void set_client_sha256(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_client *c = o;
    const char *s;
    size_t i, n = 0;

    if (!sbgw_y_str(L, v, kp, 200, &s)) {
        return;
    }
    for (i = 0; s[i] != '\0'; i++) {
        char ch = s[i];

        if (ch == ':') {
            continue;
        }
        if (n < 64 && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) {
            c->sha256[n++] = (char)(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
            continue;
        }
        n = 99;
        break;
    }
    if (n != 64) {
        c->sha256[0] = '\0';
        sbgw_y_error(L, v, kp, "expected the SHA-256 fingerprint of the client certificate (64 hex digits, "
                               "colons allowed)");
        return;
    }
    c->sha256[64] = '\0';
}

static const struct sbgw_ykey client_keys[] = {
    { "id", 1, set_client_id },
    { "subject", 0, set_client_subject },
    { "sha256", 0, set_client_sha256 },
};

static void set_tls_clients(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_tls_conf *t = o;
    char sub[SBGW_KPATH_MAX];
    size_t i, j;

    if (!sbgw_y_seq(L, v, kp, "a list of {id, subject | sha256}")) {
        return;
    }
    if (v->n > 0 && (t->clients = calloc(v->n, sizeof(*t->clients))) == NULL) {
        sbgw_y_error(L, v, kp, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        struct sbgw_client *c = &t->clients[t->n_clients];

        sbgw_kpath_idx(sub, sizeof(sub), kp, i);
        if (!sbgw_y_map(L, v->kids[i], sub, "a mapping {id, subject | sha256}")) {
            continue;
        }
        t->n_clients++;
        sbgw_y_walk(L, v->kids[i], sub, client_keys, NKEYS(client_keys), c);
        if ((c->subject != NULL) == (c->sha256[0] != '\0')) {
            sbgw_y_error(L, v->kids[i], sub, "give exactly one of subject or sha256");
        }
        for (j = 0; c->id != NULL && j + 1 < t->n_clients; j++) {
            if (t->clients[j].id != NULL && strcmp(t->clients[j].id, c->id) == 0) {
                sbgw_y_error(L, v->kids[i], sub, "duplicate client id '%s'", c->id);
            }
        }
    }
}

static void set_tls_cert(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_path(L, v, kp, &((struct sbgw_tls_conf *)o)->cert);
}

static void set_tls_key(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_tls_conf *t = o;
    struct stat st;

    if (!sbgw_y_path(L, v, kp, &t->key)) {
        return;
    }
    if (stat(t->key, &st) != 0) {
        sbgw_y_error(L, v, kp, "cannot read '%s': %s", t->key, strerror(errno));
    } else if ((st.st_mode & 077) != 0) {
        sbgw_y_error(L, v, kp, "private key file '%s' is readable by group or others (chmod 600 it)", t->key);
    }
}

static void set_tls_client_ca(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_y_path(L, v, kp, &((struct sbgw_tls_conf *)o)->client_ca);
}

static const struct sbgw_ykey tls_keys[] = {
    { "cert", 1, set_tls_cert },
    { "key", 1, set_tls_key },
    { "client_ca", 0, set_tls_client_ca },
    { "clients", 0, set_tls_clients },
};

static void set_l_address(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_listener_conf *l = o;
    unsigned char a[16];

    if (!sbgw_y_strdup(L, v, kp, 64, &l->address)) {
        return;
    }
    if (inet_pton(AF_INET, l->address, a) == 1) {
        l->loopback = a[0] == 127;
    } else if (inet_pton(AF_INET6, l->address, a) == 1) {
        l->loopback = strcmp(l->address, "::1") == 0;
    } else {
        sbgw_y_error(L, v, kp, "'%s' is not a numeric IPv4 or IPv6 address (e.g. 127.0.0.1, 0.0.0.0, ::1)",
                     l->address);
    }
}

static void set_l_port(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 1, 65535, &((struct sbgw_listener_conf *)o)->port);
}

static void set_l_tls(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_listener_conf *l = o;

    if (!sbgw_y_map(L, v, kp, "a mapping {cert, key, client_ca, clients}")) {
        return;
    }
    l->tls.enabled = 1;
    l->tls.pos.line = v->line;
    l->tls.pos.col = v->col;
    sbgw_y_walk(L, v, kp, tls_keys, NKEYS(tls_keys), &l->tls);
    if (l->tls.n_clients > 0 && l->tls.client_ca == NULL) {
        sbgw_y_error(L, v, kp, "clients need client_ca (the CA that issued the client certificates)");
    }
}

static const struct sbgw_ykey listener_keys[] = {
    { "address", 0, set_l_address },
    { "port", 1, set_l_port },
    { "tls", 0, set_l_tls },
};

static void set_listener(struct sbgw_yload *L, struct sbgw_listener_conf *l, const struct sbgw_ynode *v,
                         const char *kp)
{
    if (!sbgw_y_map(L, v, kp, "a mapping {address, port, tls}")) {
        return;
    }
    l->enabled = 1;
    sbgw_y_walk(L, v, kp, listener_keys, NKEYS(listener_keys), l);
    if (l->address == NULL && (l->address = strdup("127.0.0.1")) != NULL) {
        l->loopback = 1;
    }
}

static void set_api_listener(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    set_listener(L, &CONF(o)->listeners[SBGW_L_API], v, kp);
}

static void set_admin_listener(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_listener_conf *l = &CONF(o)->listeners[SBGW_L_ADMIN];

    set_listener(L, l, v, kp);
    if (l->enabled && l->address != NULL && !l->loopback && l->tls.client_ca == NULL) {
        sbgw_y_error(L, v, kp, "the admin listener must be on loopback (127.0.0.1 or ::1) unless tls.client_ca "
                               "requires client certificates");
    }
}

static const struct sbgw_ykey listeners_keys[] = {
    { "api", 1, set_api_listener },
    { "admin", 0, set_admin_listener },
};

void sbgw_conf_set_listeners(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    if (sbgw_y_map(L, v, kp, "a mapping {api, admin}")) {
        sbgw_y_walk(L, v, kp, listeners_keys, NKEYS(listeners_keys), o);
    }
}

/* ---- api access lists ---------------------------------------------------------------------- */

static void set_api_clients(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_read_acl(L, v, kp, &CONF(o)->api.verify);
}

static void set_api_jurs(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_config *c = o;
    char sub[SBGW_KPATH_MAX];
    size_t i, j;

    if (!sbgw_y_map(L, v, kp, "a mapping of jurisdiction id to a list of client ids")) {
        return;
    }
    if (v->n > 0 && (c->api.jur = calloc(v->n / 2, sizeof(*c->api.jur))) == NULL) {
        sbgw_y_error(L, v, kp, "out of memory");
        return;
    }
    for (i = 0; i + 1 < v->n; i += 2) {
        const struct sbgw_ynode *key = v->kids[i];
        struct sbgw_jur_acl *ja = &c->api.jur[c->api.n_jur];

        if (key->kind != SBGW_Y_SCALAR || !sbgw_conf_id_ok(key->value)) {
            sbgw_y_error(L, key, kp, "expected a jurisdiction id as key");
            continue;
        }
        sbgw_kpath_key(sub, sizeof(sub), kp, key->value);
        for (j = 0; j < c->api.n_jur; j++) {
            if (strcmp(c->api.jur[j].jurisdiction, key->value) == 0) {
                sbgw_y_error(L, key, sub, "duplicate key (first at line %u, column %u)", c->api.jur[j].pos.line,
                             c->api.jur[j].pos.col);
                break;
            }
        }
        if (j < c->api.n_jur || (ja->jurisdiction = strdup(key->value)) == NULL) {
            continue;
        }
        ja->pos.line = key->line;
        ja->pos.col = key->col;
        c->api.n_jur++;
        sbgw_conf_read_acl(L, v->kids[i + 1], sub, &ja->acl);
    }
}

static const struct sbgw_ykey api_keys[] = {
    { "clients", 0, set_api_clients },
    { "jurisdictions", 0, set_api_jurs },
};

void sbgw_conf_set_api(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    if (sbgw_y_map(L, v, kp, "a mapping {clients, jurisdictions}")) {
        sbgw_y_walk(L, v, kp, api_keys, NKEYS(api_keys), o);
    }
}

/* ---- routes -------------------------------------------------------------------------------- */

static void set_r_name(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_read_id(L, v, kp, &((struct sbgw_route *)o)->name);
}

static void set_r_prefix(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_route *r = o;
    size_t i;

    if (!sbgw_y_strdup(L, v, kp, 256, &r->prefix)) {
        return;
    }
    if (r->prefix[0] != '/' || strpbrk(r->prefix, "?#% \t") != NULL) {
        sbgw_y_error(L, v, kp, "'%s' is not a path prefix (starts with '/', no query, spaces or escapes)", r->prefix);
        return;
    }
    for (i = 0; i < NKEYS(reserved_prefixes); i++) {
        const char *p = reserved_prefixes[i];

        if (strncmp(r->prefix, p, strlen(p)) == 0 || strncmp(p, r->prefix, strlen(r->prefix)) == 0) {
            sbgw_y_error(L, v, kp, "'%s' overlaps the gateway's own path %s", r->prefix, p);
            return;
        }
    }
}

/* Resolve host off the loop (the loader never runs on it) to the numeric address used to connect. */
static void set_r_upstream(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_route *r = o;
    struct evhttp_uri *u = NULL;
    struct addrinfo hints, *ai = NULL;
    char num[INET6_ADDRSTRLEN], hp[300];
    const char *host, *path;
    int port, gai;

    if (!sbgw_y_strdup(L, v, kp, 256, &r->upstream)) {
        return;
    }
    if ((u = evhttp_uri_parse(r->upstream)) == NULL || evhttp_uri_get_scheme(u) == NULL ||
        strcmp(evhttp_uri_get_scheme(u), "http") != 0 || (host = evhttp_uri_get_host(u)) == NULL ||
        host[0] == '\0' || evhttp_uri_get_query(u) != NULL || evhttp_uri_get_userinfo(u) != NULL ||
        ((path = evhttp_uri_get_path(u)) != NULL && path[0] != '\0' && strcmp(path, "/") != 0)) {
        sbgw_y_error(L, v, kp, "'%s' is not an upstream of the form http://host:port", r->upstream);
        goto out;
    }
    port = evhttp_uri_get_port(u);
    r->up_port = port > 0 ? port : 80;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if ((gai = getaddrinfo(host, NULL, &hints, &ai)) != 0 || ai == NULL) {
        sbgw_y_error(L, v, kp, "cannot resolve upstream host '%s': %s", host, gai_strerror(gai));
        goto out;
    }
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num), NULL, 0, NI_NUMERICHOST) != 0) {
        sbgw_y_error(L, v, kp, "cannot resolve upstream host '%s'", host);
        goto out;
    }
    snprintf(hp, sizeof(hp), strchr(host, ':') != NULL ? "[%s]:%d" : "%s:%d", host, r->up_port);
    free(r->up_host);
    free(r->up_hostport);
    r->up_host = strdup(num);
    r->up_hostport = strdup(hp);
    if (r->up_host == NULL || r->up_hostport == NULL) {
        sbgw_y_error(L, v, kp, "out of memory");
    }
out:
    if (ai != NULL) {
        freeaddrinfo(ai);
    }
    if (u != NULL) {
        evhttp_uri_free(u);
    }
}

static void set_r_from(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_route *r = o;

    if (sbgw_conf_read_id(L, v, kp, &r->from)) {
        r->from_pos.line = v->line;
        r->from_pos.col = v->col;
    }
}

static void set_r_to(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_read_id(L, v, kp, &((struct sbgw_route *)o)->to);
}

static void set_r_require(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    static const char *const names[] = { "attached", "detached-header" };
    int i = sbgw_y_enum(L, v, kp, names, NKEYS(names));

    if (i >= 0) {
        ((struct sbgw_route *)o)->require = (enum sbgw_require)i;
    }
}

static void set_r_clients(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_read_acl(L, v, kp, &((struct sbgw_route *)o)->clients);
}

static void set_r_timeout(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    sbgw_conf_get_int(L, v, kp, 10, 3600000, &((struct sbgw_route *)o)->timeout_ms);
}

static const struct sbgw_ykey route_keys[] = {
    { "name", 1, set_r_name },
    { "prefix", 1, set_r_prefix },
    { "upstream", 1, set_r_upstream },
    { "from", 1, set_r_from },
    { "to", 0, set_r_to },
    { "require", 0, set_r_require },
    { "clients", 0, set_r_clients },
    { "timeout_ms", 0, set_r_timeout },
};

void sbgw_conf_set_routes(struct sbgw_yload *L, void *o, const struct sbgw_ynode *v, const char *kp)
{
    struct sbgw_config *c = o;
    char sub[SBGW_KPATH_MAX];
    size_t i, j;

    if (!sbgw_y_seq(L, v, kp, "a list of routes")) {
        return;
    }
    if (v->n > 0 && (c->routes = calloc(v->n, sizeof(*c->routes))) == NULL) {
        sbgw_y_error(L, v, kp, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        struct sbgw_route *r = &c->routes[c->n_routes];

        sbgw_kpath_idx(sub, sizeof(sub), kp, i);
        if (!sbgw_y_map(L, v->kids[i], sub, "a mapping {name, prefix, upstream, from, …}")) {
            continue;
        }
        c->n_routes++;
        r->timeout_ms = 30000;
        r->pos.line = v->kids[i]->line;
        r->pos.col = v->kids[i]->col;
        sbgw_y_walk(L, v->kids[i], sub, route_keys, NKEYS(route_keys), r);
        for (j = 0; j + 1 < c->n_routes; j++) {
            const struct sbgw_route *q = &c->routes[j];

            if (r->name != NULL && q->name != NULL && strcmp(r->name, q->name) == 0) {
                sbgw_y_error(L, v->kids[i], sub, "duplicate route name '%s' (first at line %u)", r->name, q->pos.line);
            }
            if (r->prefix != NULL && q->prefix != NULL && strcmp(r->prefix, q->prefix) == 0) {
                sbgw_y_error(L, v->kids[i], sub, "duplicate prefix '%s' (first at line %u)", r->prefix, q->pos.line);
            }
        }
    }
}
