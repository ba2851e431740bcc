/*
 * tests/unit/test_config.c — the daemon's configuration loader (gateway/daemon/config.h over pki/base/yaml_schema.h):
 * defaults, sizes and relative paths of a good file; every kind of error located as file:line:col with
 * the key path (unknown key with a hint, wrong type, range, missing key, duplicate, YAML alias, admin off
 * loopback, access lists naming unknown clients, bad upstreams and prefixes, key file permissions, route
 * bind lists and bind without require: detached-header), and all errors of a file collected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pki/base/diag.h"
#include "gateway/daemon/config.h"

struct fx {
    char dir[64];
    char path[128];
    struct sb_diag diag;
    struct sbgw_config *c;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/sb_test_config_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/sigbridge.yaml", f->dir);
    sb_diag_init(&f->diag);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[160];

    sbgw_config_free(f->c);
    sb_diag_clear(&f->diag);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) {
        return -1;
    }
    free(f);
    return 0;
}

static int load(struct fx *f, const char *text)
{
    FILE *fp = fopen(f->path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    sbgw_config_free(f->c);
    f->c = NULL;
    sb_diag_clear(&f->diag);
    return sbgw_config_load(f->path, &f->c, &f->diag);
}

/* 1 if some message contains every one of the NULL-terminated fragments. */
static int has_msg(const struct fx *f, ...)
{
    const char *frag;
    va_list ap;
    size_t i;
    int all;

    for (i = 0; i < f->diag.n; i++) {
        all = 1;
        va_start(ap, f);
        while ((frag = va_arg(ap, const char *)) != NULL) {
            if (strstr(f->diag.msgs[i], frag) == NULL) {
                all = 0;
            }
        }
        va_end(ap);
        if (all) {
            return 1;
        }
    }
    for (i = 0; i < f->diag.n; i++) {
        print_message("  diag: %s\n", f->diag.msgs[i]);
    }
    return 0;
}

#define BASE "listeners:\n  api: { address: 127.0.0.1, port: 7420 }\npolicy_dir: ../policies\naudit: { path: audit.jsonl }\n"

static void test_config_minimal_defaults(void **state)
{
    struct fx *f = *state;
    char want[256];

    assert_int_equal(load(f, BASE), 0);
    assert_int_equal(f->diag.n, 0);
    assert_true(f->c->listeners[SBGW_L_API].enabled);
    assert_true(f->c->listeners[SBGW_L_API].loopback);
    assert_false(f->c->listeners[SBGW_L_ADMIN].enabled);
    assert_int_equal(f->c->limits.max_body, 10 * 1024 * 1024);
    assert_int_equal(f->c->audit.fsync, SBGW_FSYNC_BATCH);
    assert_int_equal(f->c->audit.batch_ms, 100);
    assert_true(f->c->workers >= 1);                    /* 0 / absent = number of cores */
    assert_non_null(f->c->audit.node_id);
    snprintf(want, sizeof(want), "%s/../policies", f->dir);     /* relative to the file's directory */
    assert_string_equal(f->c->policy_dir, want);
    snprintf(want, sizeof(want), "%s/audit.jsonl", f->dir);
    assert_string_equal(f->c->audit.path, want);
}

static void test_config_full_file(void **state)
{
    struct fx *f = *state;
    const struct sbgw_route *r;

    assert_int_equal(load(f, "listeners:\n"
                             "  api: { address: 127.0.0.1, port: 7420 }\n"
                             "  admin: { address: \"::1\", port: 7421 }\n"
                             "policy_dir: /etc/sigbridge/policies\n"
                             "workers: 3\n"
                             "queue_max: 5\n"
                             "limits: { max_body: 2MiB, max_headers: \"32KiB\", max_connections: 100,\n"
                             "          request_timeout_ms: 500, idle_timeout_s: 5 }\n"
                             "audit: { path: /var/lib/sigbridge/audit.jsonl, fsync: every, node_id: gw-1 }\n"
                             "log: { level: warn }\n"
                             "routes:\n"
                             "  - name: contracts\n"
                             "    prefix: /contracts/\n"
                             "    upstream: http://127.0.0.1:9000\n"
                             "    from: hk\n"
                             "    require: detached-header\n"
                             "    timeout_ms: 2000\n"),
                     0);
    assert_int_equal(f->c->workers, 3);
    assert_int_equal(f->c->queue_max, 5);
    assert_int_equal(f->c->limits.max_body, 2 * 1024 * 1024);
    assert_int_equal(f->c->limits.max_headers, 32 * 1024);
    assert_int_equal(f->c->audit.fsync, SBGW_FSYNC_EVERY);
    assert_string_equal(f->c->audit.node_id, "gw-1");
    assert_int_equal(f->c->log.level, SBGW_LOG_WARN);
    assert_true(f->c->listeners[SBGW_L_ADMIN].loopback);
    r = sbgw_config_route(f->c, "/contracts/42");
    assert_non_null(r);
    assert_string_equal(r->up_host, "127.0.0.1");
    assert_int_equal(r->up_port, 9000);
    assert_string_equal(r->up_hostport, "127.0.0.1:9000");
    assert_int_equal(r->require, SBGW_REQ_DETACHED_HEADER);
    assert_null(sbgw_config_route(f->c, "/other"));
    assert_true(sbgw_acl_allows(&r->clients, NULL));    /* no list: anyone */
    assert_ptr_equal(sbgw_config_route_acl(f->c, r), &f->c->api.verify);   /* ... but api.clients' (absent here) */
    assert_true(sbgw_acl_allows(sbgw_config_route_acl(f->c, r), NULL));
    assert_int_equal(r->bind, 0);                       /* no bind: the signature covers the body */
    assert_int_equal(r->max_skew_s, SBGW_SKEW_DEFAULT);
}

static void test_config_route_bind(void **state)
{
    struct fx *f = *state;
    const struct sbgw_route *r;

    assert_int_equal(load(f, BASE "routes:\n"
                                  "  - { name: a, prefix: /a/, upstream: http://127.0.0.1:1, from: hk,\n"
                                  "      require: detached-header, bind: [date, method, target], max_skew_s: 60 }\n"
                                  "  - { name: b, prefix: /b/, upstream: http://127.0.0.1:1, from: hk,\n"
                                  "      require: detached-header, bind: [target] }\n"),
                     0);
    r = sbgw_config_route(f->c, "/a/x");
    assert_int_equal(r->bind, SBGW_BIND_METHOD | SBGW_BIND_TARGET | SBGW_BIND_DATE);
    assert_int_equal(r->max_skew_s, 60);
    r = sbgw_config_route(f->c, "/b/x");
    assert_int_equal(r->bind, SBGW_BIND_TARGET);
    assert_int_equal(r->max_skew_s, 300);
    assert_int_equal(load(f, BASE "routes:\n"
                                  "  - { name: a, prefix: /a/, upstream: http://127.0.0.1:1, from: hk, bind: [method] }\n"
                                  "  - { name: b, prefix: /b/, upstream: http://127.0.0.1:1, from: hk, require: attached,\n"
                                  "      bind: [date] }\n"
                                  "  - { name: c, prefix: /c/, upstream: http://127.0.0.1:1, from: hk,\n"
                                  "      require: detached-header, bind: [] }\n"
                                  "  - { name: d, prefix: /d/, upstream: http://127.0.0.1:1, from: hk,\n"
                                  "      require: detached-header, bind: [method, body, method], max_skew_s: 0 }\n"
                                  "  - { name: e, prefix: /e/, upstream: http://127.0.0.1:1, from: hk,\n"
                                  "      require: detached-header, bind: method }\n"),
                     -1);
    /* bind without require: detached-header (the default is attached), located at the bind value */
    assert_true(has_msg(f, ":6:75: routes[0].bind: needs require: detached-header", NULL));
    assert_true(has_msg(f, ":8:13: routes[1].bind: needs require: detached-header", NULL));
    assert_true(has_msg(f, ":10:39: routes[2].bind: an empty list binds nothing", NULL));
    assert_true(has_msg(f, "routes[3].bind[1]: expected one of method, target, date, got 'body'", NULL));
    assert_true(has_msg(f, ":12:54: routes[3].bind[2]: 'method' is listed twice", NULL));
    assert_true(has_msg(f, "routes[3].max_skew_s: ", NULL));
    assert_true(has_msg(f, ":14:39: routes[4].bind: expected a list of method, target, date, got string 'method'",
                        NULL));
}

/* routes[].max_response: a size, 64 MiB by default, at least 1 KiB; timeout_ms keeps its default. */
static void test_config_route_max_response(void **state)
{
    struct fx *f = *state;
    const struct sbgw_route *r;

    assert_int_equal(load(f, BASE "routes:\n"
                                  "  - { name: a, prefix: /a/, upstream: \"http://127.0.0.1:9000\", from: hk }\n"
                                  "  - { name: b, prefix: /b/, upstream: \"http://127.0.0.1:9000\", from: hk,\n"
                                  "      max_response: 1MiB, timeout_ms: 500 }\n"),
                     0);
    r = sbgw_config_route(f->c, "/a/x");
    assert_non_null(r);
    assert_true(r->max_response == 64LL * 1024 * 1024);
    assert_int_equal(r->timeout_ms, 30000);
    r = sbgw_config_route(f->c, "/b/x");
    assert_non_null(r);
    assert_true(r->max_response == 1024 * 1024);
    assert_int_equal(r->timeout_ms, 500);
    assert_int_equal(load(f, BASE "routes:\n"
                                  "  - { name: a, prefix: /a/, upstream: \"http://127.0.0.1:9000\", from: hk,\n"
                                  "      max_response: 100 }\n"),
                     -1);
    assert_true(has_msg(f, "routes[0].max_response", NULL));
}

static void test_config_unknown_key_hint_located(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, BASE "limits:\n  max_bodyy: 1024\n"), -1);
    assert_true(has_msg(f, "sigbridge.yaml:6:3: limits.max_bodyy: unknown key (did you mean 'max_body'?)", NULL));
}

/* revocation_cache: optional; dir resolved against the file, defaults, bounds and unknown keys located. */
static void test_config_revocation_cache(void **state)
{
    struct fx *f = *state;
    char want[256];

    assert_int_equal(load(f, BASE), 0);
    assert_null(f->c->revocation_cache.dir);                       /* unset: memory only */
    assert_int_equal(f->c->revocation_cache.entries, SBGW_REV_ENTRIES_DEFAULT);
    assert_int_equal(f->c->revocation_cache.max_files, SBGW_REV_FILES_DEFAULT);
    assert_int_equal(f->c->revocation_cache.fsync, 0);
    assert_int_equal(load(f, BASE "revocation_cache: { dir: var/revocation-cache, entries: 10, max_files: 20, "
                                  "fsync: true }\n"), 0);
    snprintf(want, sizeof(want), "%s/var/revocation-cache", f->dir);
    assert_string_equal(f->c->revocation_cache.dir, want);
    assert_int_equal(f->c->revocation_cache.entries, 10);
    assert_int_equal(f->c->revocation_cache.max_files, 20);
    assert_int_equal(f->c->revocation_cache.fsync, 1);
    assert_int_equal(load(f, BASE "revocation_cache: { entries: 0, fsync: yes, dri: x }\n"), -1);
    assert_true(has_msg(f, ":5:30: revocation_cache.entries: expected an integer from 1 to 100000", NULL));
    assert_true(has_msg(f, "revocation_cache.fsync: ", NULL));
    assert_true(has_msg(f, "revocation_cache.dri: unknown key (did you mean 'dir'?)", NULL));
    assert_int_equal(f->diag.n, 3);
}

static void test_config_wrong_type_and_range_located(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "listeners:\n  api: { address: 127.0.0.1, port: seventy }\npolicy_dir: p\n"
                             "audit: { path: a, fsync: sometimes }\nqueue_max: 0\n"),
                     -1);
    assert_true(has_msg(f, ":2:36: listeners.api.port: expected an integer from 1 to 65535", NULL));
    assert_true(has_msg(f, ":4:26: audit.fsync: expected one of every, batch, off, got 'sometimes'", NULL));
    assert_true(has_msg(f, ":5:12: queue_max: expected an integer from 1 to 1000000, got integer 0", NULL));
    assert_int_equal(f->diag.n, 3);                    /* all errors of the file, not just the first */
}

static void test_config_audit_timestamp_checked(void **state)
{
    struct fx *f = *state;

#define TS_BASE "listeners:\n  api: { address: 127.0.0.1, port: 7420 }\npolicy_dir: p\naudit:\n  path: a\n"
    /* anchors need signed checkpoints */
    assert_int_equal(load(f, TS_BASE "  timestamp: { tsa: 'http://127.0.0.1:8318/tsa' }\n"), -1);
    assert_true(has_msg(f, "audit.timestamp: time anchors need signed checkpoints: set audit.signing_key", NULL));
    assert_int_equal(f->diag.n, 1);
    assert_int_equal(load(f, TS_BASE "  timestamp: { tsa: 'ftp://tsa.example/', timeout_ms: 0, policy: 'one.two' }\n"),
                     -1);
    assert_true(has_msg(f, ":6:21: audit.timestamp.tsa: expected an http:// or https:// URL, got 'ftp://tsa.example/'",
                        NULL));
    assert_true(has_msg(f, "audit.timestamp.timeout_ms: expected an integer from 1 to 60000", NULL));
    assert_true(has_msg(f, "audit.timestamp.policy: expected a dotted OID (1.2.3.4), got 'one.two'", NULL));
    assert_int_equal(load(f, TS_BASE "  timestamp: { timeout_ms: 100 }\n"), -1);
    assert_true(has_msg(f, "audit.timestamp.tsa: required key is missing", NULL));
#undef TS_BASE
}

static void test_config_missing_required(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, "listeners:\n  api: { port: 7420 }\npolicy_dir: p\n"), -1);
    assert_true(has_msg(f, ":1:1: audit: required key is missing", NULL));
    assert_int_equal(load(f, ""), -1);
    assert_true(has_msg(f, "empty configuration", NULL));
}

static void test_config_duplicate_and_alias(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, BASE "workers: 2\nworkers: 3\n"), -1);
    assert_true(has_msg(f, ":6:1: workers: duplicate key (first at line 5, column 1)", NULL));
    assert_int_equal(load(f, BASE "limits: &l { max_body: 4096 }\n"), -1);
    assert_true(has_msg(f, ":5:9: YAML anchors (&l) are not allowed", NULL));
}

static void test_config_admin_off_loopback_refused(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, BASE "    \n" "listeners_x: 1\n"), -1);    /* unknown top-level key */
    assert_int_equal(load(f, "listeners:\n  api: { port: 7420 }\n  admin: { address: 0.0.0.0, port: 7421 }\n"
                             "policy_dir: p\naudit: { path: a }\n"),
                     -1);
    assert_true(has_msg(f, ":3:10: listeners.admin: the admin listener must be on loopback", NULL));
    assert_int_equal(load(f, "listeners:\n  api: { address: localhost, port: 7420 }\npolicy_dir: p\n"
                             "audit: { path: a }\n"),
                     -1);
    assert_true(has_msg(f, "listeners.api.address: 'localhost' is not a numeric IPv4 or IPv6 address", NULL));
}

static void test_config_acl_unknown_client_located(void **state)
{
    struct fx *f = *state;
    char text[1024], key[160], cert[160];
    FILE *fp;

    snprintf(key, sizeof(key), "%s/api.key", f->dir);
    snprintf(cert, sizeof(cert), "%s/api.pem", f->dir);
    fp = fopen(key, "w");
    assert_non_null(fp);
    fclose(fp);
    chmod(key, 0600);
    snprintf(text, sizeof(text),
             "listeners:\n"
             "  api:\n"
             "    port: 7420\n"
             "    tls:\n"
             "      cert: api.pem\n"
             "      key: api.key\n"
             "      client_ca: ca.pem\n"
             "      clients:\n"
             "        - { id: bank-a, sha256: \"AB:%s\" }\n"
             "        - { id: bank-b, subject: \"CN=Bank B,O=B,C=HK\" }\n"
             "policy_dir: p\n"
             "audit: { path: a }\n"
             "api:\n"
             "  clients: [bank-a, bank-z]\n"
             "  jurisdictions:\n"
             "    hk: [bank-b]\n",
             "cdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_int_equal(load(f, text), -1);
    assert_true(has_msg(f, "api.clients: client id 'bank-z' is not defined in listeners.api.tls.clients", NULL));
    assert_int_equal(f->diag.n, 1);
    /* without bank-z the same file loads, and the fingerprint is normalised */
    memcpy(strstr(text, ", bank-z]"), "        ]", 9);
    assert_int_equal(load(f, text), 0);
    assert_string_equal(f->c->listeners[SBGW_L_API].tls.clients[0].sha256,
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_true(sbgw_acl_allows(&f->c->api.verify, "bank-a"));
    assert_false(sbgw_acl_allows(&f->c->api.verify, "bank-b"));
    assert_false(sbgw_acl_allows(&f->c->api.verify, NULL));
    assert_true(sbgw_acl_allows(sbgw_config_jur_acl(f->c, "hk"), "bank-b"));
    /* a route without clients inherits api.clients; one with its own list keeps it */
    strcat(text, "routes:\n"
                 "  - { name: open, prefix: /open/, upstream: http://127.0.0.1:1, from: hk }\n"
                 "  - { name: own, prefix: /own/, upstream: http://127.0.0.1:1, from: hk, clients: [bank-b] }\n");
    assert_int_equal(load(f, text), 0);
    assert_true(sbgw_acl_allows(sbgw_config_route_acl(f->c, sbgw_config_route(f->c, "/open/x")), "bank-a"));
    assert_false(sbgw_acl_allows(sbgw_config_route_acl(f->c, sbgw_config_route(f->c, "/open/x")), "bank-b"));
    assert_false(sbgw_acl_allows(sbgw_config_route_acl(f->c, sbgw_config_route(f->c, "/open/x")), NULL));
    assert_false(sbgw_acl_allows(sbgw_config_route_acl(f->c, sbgw_config_route(f->c, "/own/x")), "bank-a"));
    assert_true(sbgw_acl_allows(sbgw_config_route_acl(f->c, sbgw_config_route(f->c, "/own/x")), "bank-b"));
    assert_null(sbgw_config_jur_acl(f->c, "cn"));
    (void)cert;
}

static void test_config_key_permissions_refused(void **state)
{
    struct fx *f = *state;
    char key[160];
    FILE *fp;

    snprintf(key, sizeof(key), "%s/api.key", f->dir);
    fp = fopen(key, "w");
    assert_non_null(fp);
    fclose(fp);
    chmod(key, 0644);
    assert_int_equal(load(f, "listeners:\n  api:\n    port: 7420\n    tls: { cert: api.pem, key: api.key }\n"
                             "policy_dir: p\naudit: { path: a }\n"),
                     -1);
    assert_true(has_msg(f, ":4:32: listeners.api.tls.key: private key file", "readable by group or others", NULL));
}

static void test_config_routes_checked(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, BASE "routes:\n"
                                  "  - { name: a, prefix: /v1/x, upstream: http://127.0.0.1:1, from: hk }\n"
                                  "  - { name: b, prefix: /b/, upstream: https://127.0.0.1:1, from: hk }\n"
                                  "  - { name: a, prefix: /b/, upstream: http://127.0.0.1:1, from: hk, require: both }\n"
                                  "  - { name: d, prefix: /d/, upstream: http://127.0.0.1:1 }\n"
                                  "  - { name: e, prefix: /e/../f/, upstream: http://127.0.0.1:1, from: hk }\n"),
                     -1);
    assert_true(has_msg(f, ":6:24: routes[0].prefix: '/v1/x' overlaps the gateway's own path /v1/", NULL));
    assert_true(has_msg(f, ":7:39: routes[1].upstream: 'https://127.0.0.1:1' is not an upstream", NULL));
    assert_true(has_msg(f, "routes[2].require: expected one of attached, detached-header, got 'both'", NULL));
    assert_true(has_msg(f, "routes[2]: duplicate route name 'a' (first at line 6)", NULL));
    assert_true(has_msg(f, "routes[2]: duplicate prefix '/b/' (first at line 7)", NULL));
    assert_true(has_msg(f, ":9:5: routes[3].from: required key is missing", NULL));
    assert_true(has_msg(f, ":10:24: routes[4].prefix: '/e/../f/' is not a normalised path", NULL));
}

/* api.trusted_proxies: addresses and CIDR blocks, each error located; membership by prefix, IPv4-mapped
 * IPv6 peers as IPv4; none configured trusts nobody. */
static void test_config_trusted_proxies(void **state)
{
    struct fx *f = *state;

    assert_int_equal(load(f, BASE "api:\n  trusted_proxies: [10.0.0.0/8, 10.1.2.3/33, proxy.example, \"::1/x\", 7]\n"),
                     -1);
    assert_true(has_msg(f, ":6:33: api.trusted_proxies[1]: '10.1.2.3/33': the prefix length must be 0 to 32", NULL));
    assert_true(has_msg(f, "api.trusted_proxies[2]: 'proxy.example' is not a numeric IPv4 or IPv6 address", NULL));
    assert_true(has_msg(f, "api.trusted_proxies[3]: '::1/x': the prefix length must be 0 to 128", NULL));
    assert_true(has_msg(f, "api.trusted_proxies[4]: expected a string", NULL));
    assert_int_equal(f->diag.n, 4);
    assert_int_equal(load(f, BASE "api:\n  trusted_proxies: [10.1.2.3/8, 192.168.7.9, \"fd00::/8\", 172.16.0.0/12]\n"),
                     0);
    assert_int_equal(f->c->api.n_trusted, 4);
    assert_true(sbgw_config_trusted_proxy(f->c, "10.200.0.1"));        /* 10.1.2.3/8 is 10.0.0.0/8 */
    assert_true(sbgw_config_trusted_proxy(f->c, "192.168.7.9"));
    assert_false(sbgw_config_trusted_proxy(f->c, "192.168.7.10"));
    assert_true(sbgw_config_trusted_proxy(f->c, "172.31.255.255"));
    assert_false(sbgw_config_trusted_proxy(f->c, "172.32.0.0"));
    assert_true(sbgw_config_trusted_proxy(f->c, "fdab::1"));
    assert_false(sbgw_config_trusted_proxy(f->c, "fe80::1"));
    assert_true(sbgw_config_trusted_proxy(f->c, "::ffff:10.9.9.9"));
    assert_false(sbgw_config_trusted_proxy(f->c, "-"));
    assert_int_equal(load(f, BASE), 0);
    assert_false(sbgw_config_trusted_proxy(f->c, "127.0.0.1"));
}

static void test_config_unreadable_and_malformed(void **state)
{
    struct fx *f = *state;
    struct sbgw_config *c = NULL;

    assert_int_equal(sbgw_config_load("/nonexistent/sigbridge.yaml", &c, &f->diag), -1);
    assert_null(c);
    assert_true(has_msg(f, "/nonexistent/sigbridge.yaml: cannot read", NULL));
    assert_int_equal(load(f, "listeners: [unclosed\n"), -1);
    assert_true(has_msg(f, "sigbridge.yaml:2:1: YAML syntax error: ", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_minimal_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_full_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_revocation_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_route_max_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_unknown_key_hint_located, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_wrong_type_and_range_located, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_missing_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_audit_timestamp_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_duplicate_and_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_admin_off_loopback_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_acl_unknown_client_located, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_key_permissions_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_routes_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_trusted_proxies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_route_bind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_unreadable_and_malformed, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
