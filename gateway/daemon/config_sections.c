/*
 * gateway/daemon/config_sections.c — the sections of conf/sigbridge.yaml whose values need code of their own:
 * listeners (addresses, TLS with client certificates, key file modes), API access lists and proxy routes
 * (prefixes, upstreams resolved at load time). Each is still a key table; the custom readers below are
 * the rows' hooks. Also the id reader that config.c's tables share.
 */
#include "gateway/daemon/config_local.h"
#include "gateway/daemon/http_path.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/http.h>

#define CONF(o) ((struct sbgw_config *)(o))

#define CL_OFF(f) offsetof(struct sbgw_client, f)
#define TLS_OFF(f) offsetof(struct sbgw_tls_conf, f)
#define L_OFF(f) offsetof(struct sbgw_listener_conf, f)
#define R_OFF(f) offsetof(struct sbgw_route, f)

_Static_assert(sizeof(enum sbgw_require) == sizeof(int), "enum field written as int");

static const char *const require_names[] = { "attached", "detached-header", NULL };   /* enum sbgw_require */
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

/* An id at v into *dst (replacing it); 0 reported. */
static int read_id(struct sb_yfile *L, const struct sb_ynode *v, const char *kpath, char **dst)
{
    if (!sb_y_strdup(L, v, kpath, SBGW_ID_MAX, dst)) {
        return 0;
    }
    if (!sbgw_conf_id_ok(*dst)) {
        sb_y_error_at(L, v, kpath, "'%s' is not an id (letters, digits, '.', '_', '-'; at most %d)", *dst, SBGW_ID_MAX);
        return 0;
    }
    return 1;
}

void sbgw_conf_id_slot(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kp)
{
    read_id(L, v, kp, (char **)(void *)((unsigned char *)o + k->off));
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

static void read_acl(struct sb_yfile *L, const struct sb_ynode *v, const char *kpath, struct sbgw_acl *a)
{
    char sub[SB_Y_KPATH_MAX];
    size_t i;

    sbgw_conf_acl_free(a);
    if (!sb_y_seq(L, v, kpath, "a list of client ids")) {
        return;
    }
    a->present = 1;
    if (v->n == 0) {
        return;          /* an empty list allows nobody */
    }
    if ((a->ids = calloc(v->n, sizeof(*a->ids))) == NULL) {
        sb_y_error_at(L, v, kpath, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(sub, sizeof(sub), kpath, i);
        if (read_id(L, v->kids[i], sub, &a->ids[a->n])) {
            a->n++;
        }
    }
}

/* Key reader for access-list rows: the list of client ids at v into the struct sbgw_acl at k->off of obj. */
static void acl_slot(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v, const char *kp)
{
    read_acl(L, v, kp, (struct sbgw_acl *)(void *)((unsigned char *)o + k->off));
}

/* ---- listeners ----------------------------------------------------------------------------- */

static void set_client_sha256(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                              const char *kp)
{
    struct sbgw_client *c = o;
    const char *s;
    size_t i, n = 0;

    (void)k;
    if (!sb_y_str(L, v, kp, 200, &s)) {
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
        sb_y_error_at(L, v, kp, "expected the SHA-256 fingerprint of the client certificate (64 hex digits, "
                                "colons allowed)");
        return;
    }
    c->sha256[64] = '\0';
}

static const struct sb_ykey client_keys[] = {
    { .name = "id", .type = SB_YT_STR, .required = 1, .off = CL_OFF(id), .help = "the client's id",
      .set = sbgw_conf_id_slot },
    { .name = "subject", .type = SB_YT_STR, .off = CL_OFF(subject), .max = 1024,
      .help = "the RFC 2253 subject of its certificate" },
    { .name = "sha256", .type = SB_YT_STR, .off = SB_Y_NO_OFF, .help = "the SHA-256 fingerprint of its certificate",
      .set = set_client_sha256 },
};

static void set_tls_clients(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kp)
{
    struct sbgw_tls_conf *t = o;
    char sub[SB_Y_KPATH_MAX];
    size_t i, j;

    (void)k;
    if (v->n > 0 && (t->clients = calloc(v->n, sizeof(*t->clients))) == NULL) {
        sb_y_error_at(L, v, kp, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        struct sbgw_client *c = &t->clients[t->n_clients];

        sb_y_kpath_idx(sub, sizeof(sub), kp, i);
        if (!sb_y_map(L, v->kids[i], sub, "a mapping {id, subject | sha256}")) {
            continue;
        }
        t->n_clients++;
        sb_y_walk(L, v->kids[i], sub, client_keys, SB_Y_NKEYS(client_keys), c, NULL);
        if ((c->subject != NULL) == (c->sha256[0] != '\0')) {
            sb_y_error_at(L, v->kids[i], sub, "give exactly one of subject or sha256");
        }
        for (j = 0; c->id != NULL && j + 1 < t->n_clients; j++) {
            if (t->clients[j].id != NULL && strcmp(t->clients[j].id, c->id) == 0) {
                sb_y_error_at(L, v->kids[i], sub, "duplicate client id '%s'", c->id);
            }
        }
    }
}

void sbgw_conf_private_key_path(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                                const char *kp)
{
    char **slot = (char **)(void *)((char *)o + k->off);
    struct stat st;

    if (!sb_y_path(L, v, kp, slot)) {
        return;
    }
    if (stat(*slot, &st) != 0) {
        sb_y_error_at(L, v, kp, "cannot read '%s': %s", *slot, strerror(errno));
    } else if ((st.st_mode & 077) != 0) {
        sb_y_error_at(L, v, kp, "private key file '%s' is readable by group or others (chmod 600 it)", *slot);
    }
}

static const struct sb_ykey tls_keys[] = {
    { .name = "cert", .type = SB_YT_PATH, .required = 1, .off = TLS_OFF(cert), .help = "the certificate file" },
    { .name = "key", .type = SB_YT_PATH, .required = 1, .off = TLS_OFF(key), .help = "its private key file (mode 600)",
      .set = sbgw_conf_private_key_path },
    { .name = "client_ca", .type = SB_YT_PATH, .off = TLS_OFF(client_ca),
      .help = "the CA file of client certificates" },
    { .name = "clients", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of {id, subject | sha256}",
      .set = set_tls_clients },
};

static void set_l_address(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                          const char *kp)
{
    struct sbgw_listener_conf *l = o;
    unsigned char a[16];

    (void)k;
    if (!sb_y_strdup(L, v, kp, 64, &l->address)) {
        return;
    }
    if (inet_pton(AF_INET, l->address, a) == 1) {
        l->loopback = a[0] == 127;
    } else if (inet_pton(AF_INET6, l->address, a) == 1) {
        l->loopback = strcmp(l->address, "::1") == 0;
    } else {
        sb_y_error_at(L, v, kp, "'%s' is not a numeric IPv4 or IPv6 address (e.g. 127.0.0.1, 0.0.0.0, ::1)",
                      l->address);
    }
}

static void set_l_tls(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                      const char *kp)
{
    struct sbgw_listener_conf *l = o;

    (void)k;
    l->tls.enabled = 1;
    l->tls.pos.line = v->line;
    l->tls.pos.col = v->col;
    sb_y_walk(L, v, kp, tls_keys, SB_Y_NKEYS(tls_keys), &l->tls, NULL);
    if (l->tls.n_clients > 0 && l->tls.client_ca == NULL) {
        sb_y_error_at(L, v, kp, "clients need client_ca (the CA that issued the client certificates)");
    }
}

static const struct sb_ykey listener_keys[] = {
    { .name = "address", .type = SB_YT_STR, .off = SB_Y_NO_OFF, .help = "a numeric IPv4 or IPv6 address",
      .set = set_l_address },
    { .name = "port", .type = SB_YT_INT, .required = 1, .off = L_OFF(port), .min = 1, .max = 65535,
      .help = "a port from 1 to 65535" },
    { .name = "tls", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping {cert, key, client_ca, clients}",
      .set = set_l_tls },
};

/* listeners.api / listeners.admin (k->aux says which). */
static void set_listener(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                         const char *kp)
{
    struct sbgw_listener_conf *l = &CONF(o)->listeners[k->aux];

    l->enabled = 1;
    sb_y_walk(L, v, kp, listener_keys, SB_Y_NKEYS(listener_keys), l, NULL);
    if (l->address == NULL && (l->address = strdup("127.0.0.1")) != NULL) {
        l->loopback = 1;
    }
    if (k->aux == SBGW_L_ADMIN && l->address != NULL && !l->loopback && l->tls.client_ca == NULL) {
        sb_y_error_at(L, v, kp, "the admin listener must be on loopback (127.0.0.1 or ::1) unless tls.client_ca "
                                "requires client certificates");
    }
}

static const struct sb_ykey listeners_keys[] = {
    { .name = "api", .type = SB_YT_MAP, .required = 1, .off = SB_Y_NO_OFF, .help = "a mapping {address, port, tls}",
      .set = set_listener, .aux = SBGW_L_API },
    { .name = "admin", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping {address, port, tls}",
      .set = set_listener, .aux = SBGW_L_ADMIN },
};

void sbgw_conf_read_listeners(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                              const char *kp)
{
    (void)k;
    sb_y_walk(L, v, kp, listeners_keys, SB_Y_NKEYS(listeners_keys), o, NULL);
}

/* ---- api access lists ---------------------------------------------------------------------- */

static void set_api_jurs(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                         const char *kp)
{
    struct sbgw_config *c = o;
    char sub[SB_Y_KPATH_MAX];
    size_t i, j;

    (void)k;
    if (v->n > 0 && (c->api.jur = calloc(v->n / 2, sizeof(*c->api.jur))) == NULL) {
        sb_y_error_at(L, v, kp, "out of memory");
        return;
    }
    for (i = 0; i + 1 < v->n; i += 2) {
        const struct sb_ynode *key = v->kids[i];
        struct sbgw_jur_acl *ja = &c->api.jur[c->api.n_jur];

        if (key->kind != SB_YN_SCALAR || !sbgw_conf_id_ok(key->value)) {
            sb_y_error_at(L, key, kp, "expected a jurisdiction id as key");
            continue;
        }
        sb_y_kpath_key(sub, sizeof(sub), kp, key->value);
        for (j = 0; j < c->api.n_jur; j++) {
            if (strcmp(c->api.jur[j].jurisdiction, key->value) == 0) {
                sb_y_error_at(L, key, sub, "duplicate key (first at line %u, column %u)", c->api.jur[j].pos.line,
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
        read_acl(L, v->kids[i + 1], sub, &ja->acl);
    }
}

/* One address or CIDR block ("10.0.0.0/8", "::1") into *out; 0 with the error reported. */
static int read_cidr(struct sb_yfile *L, const struct sb_ynode *v, const char *kp, struct sbgw_cidr *out)
{
    char text[64], *slash, *end;
    const char *s;
    long bits;
    int max, i;

    if (!sb_y_str(L, v, kp, sizeof(text) - 1, &s)) {
        return 0;
    }
    snprintf(text, sizeof(text), "%s", s);
    memset(out, 0, sizeof(*out));
    if ((slash = strchr(text, '/')) != NULL) {
        *slash = '\0';
    }
    if (inet_pton(AF_INET, text, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, text, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        sb_y_error_at(L, v, kp, "'%s' is not a numeric IPv4 or IPv6 address or CIDR block (e.g. 10.0.0.0/8, ::1)", s);
        return 0;
    }
    bits = max;
    if (slash != NULL) {
        errno = 0;
        bits = strtol(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || bits < 0 || bits > max) {
            sb_y_error_at(L, v, kp, "'%s': the prefix length must be 0 to %d", s, max);
            return 0;
        }
    }
    out->bits = (int)bits;
    for (i = (int)bits; i < max; i++) {          /* host bits cleared: 10.1.2.3/8 is 10.0.0.0/8 */
        out->addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
    }
    return 1;
}

static void set_api_trusted(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kp)
{
    struct sbgw_config *c = o;
    char sub[SB_Y_KPATH_MAX];
    size_t i;

    (void)k;
    free(c->api.trusted);
    c->api.trusted = NULL;
    c->api.n_trusted = 0;
    if (!sb_y_seq(L, v, kp, "a list of addresses or CIDR blocks")) {
        return;
    }
    if (v->n > 0 && (c->api.trusted = calloc(v->n, sizeof(*c->api.trusted))) == NULL) {
        sb_y_error_at(L, v, kp, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(sub, sizeof(sub), kp, i);
        if (read_cidr(L, v->kids[i], sub, &c->api.trusted[c->api.n_trusted])) {
            c->api.n_trusted++;
        }
    }
}

static const struct sb_ykey api_keys[] = {
    { .name = "clients", .type = SB_YT_SEQ, .off = offsetof(struct sbgw_config, api.verify),
      .help = "who may call POST /v1/verify and /v1/translate and the routes without clients: a list of client ids",
      .set = acl_slot },
    { .name = "trusted_proxies", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF,
      .help = "proxies in front of the gateway whose X-Forwarded-For is kept: addresses or CIDR blocks",
      .set = set_api_trusted },
    { .name = "jurisdictions", .type = SB_YT_MAP, .off = SB_Y_NO_OFF,
      .help = "a mapping of jurisdiction id to a list of client ids", .set = set_api_jurs },
};

void sbgw_conf_read_api(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                        const char *kp)
{
    (void)k;
    sb_y_walk(L, v, kp, api_keys, SB_Y_NKEYS(api_keys), o, NULL);
}

/* ---- routes -------------------------------------------------------------------------------- */

static void set_r_prefix(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                         const char *kp)
{
    struct sbgw_route *r = o;
    char *norm;
    size_t i;

    (void)k;
    if (!sb_y_strdup(L, v, kp, 256, &r->prefix)) {
        return;
    }
    if (r->prefix[0] != '/' || strpbrk(r->prefix, "?#% \t") != NULL) {
        sb_y_error_at(L, v, kp, "'%s' is not a path prefix (starts with '/', no query, spaces or escapes)", r->prefix);
        return;
    }
    /* requests are matched on their normalised path (http_path.h): another prefix could never match */
    if ((norm = malloc(strlen(r->prefix) + 1)) == NULL ||
        sbgw_http_path_normalise(r->prefix, norm, strlen(r->prefix) + 1, NULL, 0) != 0 || strcmp(norm, r->prefix) != 0) {
        sb_y_error_at(L, v, kp, "'%s' is not a normalised path (no '.' or '..' segments, no '\\')", r->prefix);
        free(norm);
        return;
    }
    free(norm);
    for (i = 0; i < SB_Y_NKEYS(reserved_prefixes); i++) {
        const char *p = reserved_prefixes[i];

        if (strncmp(r->prefix, p, strlen(p)) == 0 || strncmp(p, r->prefix, strlen(r->prefix)) == 0) {
            sb_y_error_at(L, v, kp, "'%s' overlaps the gateway's own path %s", r->prefix, p);
            return;
        }
    }
}

/* Resolve host off the loop (the loader never runs on it) to the numeric address used to connect. */
static void set_r_upstream(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                           const char *kp)
{
    struct sbgw_route *r = o;
    struct evhttp_uri *u = NULL;
    struct addrinfo hints, *ai = NULL;
    char num[INET6_ADDRSTRLEN], hp[300];
    const char *host, *path;
    int port, gai;

    (void)k;
    if (!sb_y_strdup(L, v, kp, 256, &r->upstream)) {
        return;
    }
    if ((u = evhttp_uri_parse(r->upstream)) == NULL || evhttp_uri_get_scheme(u) == NULL ||
        strcmp(evhttp_uri_get_scheme(u), "http") != 0 || (host = evhttp_uri_get_host(u)) == NULL ||
        host[0] == '\0' || evhttp_uri_get_query(u) != NULL || evhttp_uri_get_userinfo(u) != NULL ||
        ((path = evhttp_uri_get_path(u)) != NULL && path[0] != '\0' && strcmp(path, "/") != 0)) {
        sb_y_error_at(L, v, kp, "'%s' is not an upstream of the form http://host:port", r->upstream);
        goto out;
    }
    port = evhttp_uri_get_port(u);
    r->up_port = port > 0 ? port : 80;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if ((gai = getaddrinfo(host, NULL, &hints, &ai)) != 0 || ai == NULL) {
        sb_y_error_at(L, v, kp, "cannot resolve upstream host '%s': %s", host, gai_strerror(gai));
        goto out;
    }
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num), NULL, 0, NI_NUMERICHOST) != 0) {
        sb_y_error_at(L, v, kp, "cannot resolve upstream host '%s'", host);
        goto out;
    }
    snprintf(hp, sizeof(hp), strchr(host, ':') != NULL ? "[%s]:%d" : "%s:%d", host, r->up_port);
    free(r->up_host);
    free(r->up_hostport);
    r->up_host = strdup(num);
    r->up_hostport = strdup(hp);
    if (r->up_host == NULL || r->up_hostport == NULL) {
        sb_y_error_at(L, v, kp, "out of memory");
    }
out:
    if (ai != NULL) {
        freeaddrinfo(ai);
    }
    if (u != NULL) {
        evhttp_uri_free(u);
    }
}

static void set_r_from(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kp)
{
    struct sbgw_route *r = o;

    (void)k;
    if (read_id(L, v, kp, &r->from)) {
        r->from_pos.line = v->line;
        r->from_pos.col = v->col;
    }
}

/* bind: a non-empty list of method / target / date, each at most once (order free; the canonical request has
 * its own fixed order). */
static void set_r_bind(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v, const char *kp)
{
    static const char *const names[] = { "method", "target", "date" };
    struct sbgw_route *r = o;
    char sub[SB_Y_KPATH_MAX];
    size_t i;
    int idx;

    (void)k;
    r->bind = 0;
    if (!sb_y_seq(L, v, kp, "a list of method, target, date")) {
        return;
    }
    if (v->n == 0) {
        sb_y_error_at(L, v, kp, "an empty list binds nothing: name at least one of method, target, date (or "
                                "leave bind out)");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(sub, sizeof(sub), kp, i);
        if ((idx = sb_y_enum(L, v->kids[i], sub, names, SB_Y_NKEYS(names))) < 0) {
            continue;
        }
        if ((r->bind & (1u << idx)) != 0) {
            sb_y_error_at(L, v->kids[i], sub, "'%s' is listed twice", names[idx]);
            continue;
        }
        r->bind |= 1u << idx;
    }
}

static const struct sb_ykey route_keys[] = {
    { .name = "name", .type = SB_YT_STR, .required = 1, .off = R_OFF(name), .help = "an id for metrics and logs",
      .set = sbgw_conf_id_slot },
    { .name = "prefix", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF,
      .help = "a path prefix such as /contracts/", .set = set_r_prefix },
    { .name = "upstream", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF, .help = "http://host:port",
      .set = set_r_upstream },
    { .name = "from", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF,
      .help = "the jurisdiction whose signature is required", .set = set_r_from },
    { .name = "to", .type = SB_YT_STR, .off = R_OFF(to), .help = "the receiving jurisdiction",
      .set = sbgw_conf_id_slot },
    { .name = "require", .type = SB_YT_ENUM, .off = R_OFF(require), .dflt = SBGW_REQ_ATTACHED,
      .help = "attached or detached-header", .names = require_names },
    { .name = "clients", .type = SB_YT_SEQ, .off = R_OFF(clients), .help = "a list of client ids", .set = acl_slot },
    { .name = "timeout_ms", .type = SB_YT_INT, .off = R_OFF(timeout_ms), .min = 10, .max = 3600000, .dflt = 30000,
      .help = "forwarding to the last byte of the upstream's reply, milliseconds" },
    { .name = "max_response", .type = SB_YT_SIZE, .off = R_OFF(max_response), .min = 1024,
      .max = 64LL * 1024 * 1024 * 1024, .dflt = 64LL * 1024 * 1024,
      .help = "largest upstream reply body relayed (\"64MiB\"); larger is 502" },
    { .name = "bind", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF,
      .help = "a list of method, target, date",
      .set = set_r_bind },
    { .name = "max_skew_s", .type = SB_YT_INT, .off = R_OFF(max_skew_s), .min = 1, .max = 86400,
      .dflt = SBGW_SKEW_DEFAULT, .help = "bind date: how far the Date header may be from now, seconds" },
};

_Static_assert(SBGW_BIND_METHOD == 1 << 0 && SBGW_BIND_TARGET == 1 << 1 && SBGW_BIND_DATE == 1 << 2,
               "set_r_bind: bit i is names[i]");

void sbgw_conf_read_routes(struct sb_yfile *L, void *o, const struct sb_ykey *k, const struct sb_ynode *v,
                           const char *kp)
{
    struct sbgw_config *c = o;
    char sub[SB_Y_KPATH_MAX];
    size_t i, j;

    (void)k;
    if (v->n > 0 && (c->routes = calloc(v->n, sizeof(*c->routes))) == NULL) {
        sb_y_error_at(L, v, kp, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        struct sbgw_route *r = &c->routes[c->n_routes];

        sb_y_kpath_idx(sub, sizeof(sub), kp, i);
        if (!sb_y_map(L, v->kids[i], sub, "a mapping {name, prefix, upstream, from, …}")) {
            continue;
        }
        c->n_routes++;
        if (!sb_y_defaults(route_keys, SB_Y_NKEYS(route_keys), r)) {
            sb_y_error_at(L, v->kids[i], sub, "out of memory");
            continue;
        }
        r->pos.line = v->kids[i]->line;
        r->pos.col = v->kids[i]->col;
        sb_y_walk(L, v->kids[i], sub, route_keys, SB_Y_NKEYS(route_keys), r, NULL);
        if (r->bind != 0 && r->require != SBGW_REQ_DETACHED_HEADER) {
            char bsub[SB_Y_KPATH_MAX];

            sb_y_kpath_key(bsub, sizeof(bsub), sub, "bind");
            sb_y_error_at(L, sb_ynode_get(v->kids[i], "bind"), bsub, "needs require: detached-header (the "
                          "canonical request is signed in X-Sigbridge-Signature; an attached CMS carries the body)");
        }
        for (j = 0; j + 1 < c->n_routes; j++) {
            const struct sbgw_route *q = &c->routes[j];

            if (r->name != NULL && q->name != NULL && strcmp(r->name, q->name) == 0) {
                sb_y_error_at(L, v->kids[i], sub, "duplicate route name '%s' (first at line %u)", r->name, q->pos.line);
            }
            if (r->prefix != NULL && q->prefix != NULL && strcmp(r->prefix, q->prefix) == 0) {
                sb_y_error_at(L, v->kids[i], sub, "duplicate prefix '%s' (first at line %u)", r->prefix, q->pos.line);
            }
        }
    }
}
