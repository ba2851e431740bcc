/*
 * tests/unit/test_fetch.c — the daemon's fetcher (gateway/daemon/fetch.h) against real loopback HTTP servers
 * (tests/unit/fetch_server.py, python3's http.server, started with fork/exec on free ports): URL
 * normalisation and allow-list matching (pure), then fetches — GET and POST, a 404, the size cap by
 * Content-Length, on a chunked body and on a body that ends with the connection, a server that stalls and one that trickles a byte every 500 ms (both
 * cut at the total deadline), a URL outside the allow-list and a redirect to a disallowed server (the other
 * server sees no connection at all: its accept count), redirects inside the allow-list followed (and a
 * fourth hop refused), ldap:// and file:// refused, a closed port, a name that does not resolve, 100
 * concurrent requests for one key (one request at the server) while another key completes meanwhile, a
 * waiter that gives up at its own deadline while the fetch goes on for a later request, the callback form,
 * https with the URL's host verified, and the counters.
 *
 * Each test asserts the status and the body or the cause. Time bounds are generous ("within the deadline +
 * 1 s"), never exact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>

#include "gateway/daemon/fetch.h"

#define SERVER_PY "tests/unit/fetch_server.py"

struct server {
    pid_t pid;
    int port;
};

struct env {
    struct server a, b;          /* two plain servers: a is allowed, b is not (unless a test says so) */
    struct server tls;           /* https server with a certificate for 127.0.0.1 / localhost */
    struct server tls2;          /* https server whose (trusted) certificate names other.example only */
    char tmp[64];                /* temporary directory (certificates, resolv.conf) */
    struct sbgw_fetcher *f;
};

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int server_start(struct server *s, const char *cert, const char *key)
{
    int fds[2];
    char line[32];
    FILE *in;

    if (pipe(fds) != 0) {
        return -1;
    }
    if ((s->pid = fork()) == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (cert != NULL) {
            execlp("python3", "python3", SERVER_PY, "--tls", cert, key, (char *)NULL);
        } else {
            execlp("python3", "python3", SERVER_PY, (char *)NULL);
        }
        _exit(127);
    }
    close(fds[1]);
    in = fdopen(fds[0], "r");
    if (in == NULL || fgets(line, sizeof(line), in) == NULL) {
        if (in != NULL) {
            fclose(in);
        }
        return -1;
    }
    fclose(in);
    s->port = atoi(line);
    return s->port > 0 ? 0 : -1;
}

static void server_stop(struct server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

/* GET /__stats from s with a plain socket (an independent client): the JSON text into buf. */
static void server_stats(const struct server *s, char *buf, size_t len)
{
    struct sockaddr_in sa;
    char req[128];
    size_t got = 0;
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)s->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    snprintf(req, sizeof(req), "GET /__stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    while (got + 1 < len && (r = read(fd, buf + got, len - 1 - got)) > 0) {
        got += (size_t)r;
    }
    buf[got] = '\0';
    close(fd);
}

static int server_accepts(const struct server *s)
{
    char buf[8192];
    const char *p;

    server_stats(s, buf, sizeof(buf));
    assert_non_null(p = strstr(buf, "\"accepts\": "));
    return atoi(p + 11);
}

/* Requests the server saw for exactly path (with its query). */
static int server_requests(const struct server *s, const char *path)
{
    char buf[8192], pat[512];
    const char *p;

    server_stats(s, buf, sizeof(buf));
    snprintf(pat, sizeof(pat), "\"%s\": ", path);
    p = strstr(buf, pat);
    return p != NULL ? atoi(p + strlen(pat)) : 0;
}

static void url_of(const struct server *s, const char *path, char *out, size_t len)
{
    snprintf(out, len, "http://127.0.0.1:%d%s", s->port, path);
}

static struct sbgw_fetch_allow *allow_of(const char *p1, const char *p2)
{
    const char *p[2] = { p1, p2 };
    char err[256] = "";
    struct sbgw_fetch_allow *a = sbgw_fetch_allow_new(p, p2 != NULL ? 2 : 1, err, sizeof(err));

    if (a == NULL) {
        fail_msg("allow-list: %s", err);
    }
    return a;
}

static struct sbgw_fetch_allow *allow_server(const struct server *s)
{
    char p[64];

    url_of(s, "/", p, sizeof(p));
    return allow_of(p, NULL);
}

static void req_get(struct sbgw_fetch_req *rq, const char *key, const char *url, int timeout_ms, size_t max,
                    struct sbgw_fetch_allow *a)
{
    memset(rq, 0, sizeof(*rq));
    rq->key = key;
    rq->url = url;
    rq->method = SBGW_FETCH_GET;
    rq->timeout_ms = timeout_ms;
    rq->max_bytes = max;
    rq->allow = a;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (hay == NULL || strstr(hay, needle) == NULL) {
        fail_msg("expected '%s' in '%s'", needle, hay != NULL ? hay : "(null)");
    }
}

static void assert_body(const struct sbgw_fetch_result *r, const char *want)
{
    assert_int_equal(r->len, strlen(want));
    assert_memory_equal(r->body, want, r->len);
}

/* ---- setup ---- */

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    char cmd[1024], cert[128], key[128], cert2[128], key2[128], ca[128], resolv[128], err[256] = "";
    struct sbgw_fetch_opts o;
    FILE *fp;

    if (e == NULL) {
        return -1;
    }
    snprintf(e->tmp, sizeof(e->tmp), "/tmp/sb-test-fetch-XXXXXX");
    if (mkdtemp(e->tmp) == NULL) {
        return -1;
    }
    /* a certificate for the https server, made by the openssl CLI (SAN: localhost and 127.0.0.1) */
    snprintf(cert, sizeof(cert), "%s/cert.pem", e->tmp);
    snprintf(key, sizeof(key), "%s/key.pem", e->tmp);
    snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
             "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout %s -out %s "
             ">/dev/null 2>&1", key, cert);
    if (system(cmd) != 0) {
        return -1;
    }
    snprintf(cert2, sizeof(cert2), "%s/cert2.pem", e->tmp);
    snprintf(key2, sizeof(key2), "%s/key2.pem", e->tmp);
    snprintf(ca, sizeof(ca), "%s/ca.pem", e->tmp);
    snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
             "-subj /CN=other.example -addext subjectAltName=DNS:other.example -keyout %s -out %s "
             ">/dev/null 2>&1 && cat %s %s >%s", key2, cert2, cert, cert2, ca);
    if (system(cmd) != 0) {
        return -1;
    }
    /* a resolver configuration whose only nameserver is a closed loopback port: names fail fast */
    snprintf(resolv, sizeof(resolv), "%s/resolv.conf", e->tmp);
    if ((fp = fopen(resolv, "w")) == NULL) {
        return -1;
    }
    fprintf(fp, "nameserver 127.0.0.1:9\noptions timeout:1 attempts:1\n");
    fclose(fp);
    if (server_start(&e->a, NULL, NULL) != 0 || server_start(&e->b, NULL, NULL) != 0 ||
        server_start(&e->tls, cert, key) != 0 || server_start(&e->tls2, cert2, key2) != 0) {
        return -1;
    }
    memset(&o, 0, sizeof(o));
    o.resolv_conf = resolv;
    o.ca_file = ca;
    if ((e->f = sbgw_fetcher_new(&o, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fetcher: %s\n", err);
        return -1;
    }
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    char cmd[128];

    sbgw_fetcher_free(e->f);
    server_stop(&e->a);
    server_stop(&e->b);
    server_stop(&e->tls);
    server_stop(&e->tls2);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", e->tmp);
    if (system(cmd) != 0) {
        return -1;
    }
    free(e);
    return 0;
}

/* ---- pure: URLs and allow-lists ---- */

static const struct {
    const char *in;
    enum sbgw_fetch_status st;
    const char *norm;            /* normal form, or a word of the cause */
} url_cases[] = {
    { "HTTP://Example.COM:80/a/./b/../c", SBGW_FETCH_OK, "http://example.com/a/c" },
    { "http://example.com", SBGW_FETCH_OK, "http://example.com/" },
    { "https://h.example:443/x/", SBGW_FETCH_OK, "https://h.example/x/" },
    { "http://h:8080/%7euser/%2e%2E/x?q=%2F#frag", SBGW_FETCH_OK, "http://h:8080/x?q=%2F" },
    { "http://h/a%2fb", SBGW_FETCH_OK, "http://h/a%2Fb" },
    { "http://h/a%5cb", SBGW_FETCH_OK, "http://h/a%5Cb" },
    { "http://h/ocsp/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBQ%2B%3D", SBGW_FETCH_OK,
      "http://h/ocsp/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUABBQ%2B%3D" },
    { "http://h/ocsp/%2F..%2F..%2Fadmin", SBGW_FETCH_BAD_URL, "hides a dot-segment" },
    { "http://h/ocsp/x%5C..%5Cadmin", SBGW_FETCH_BAD_URL, "hides a dot-segment" },
    { "http://h/ocsp%2F.", SBGW_FETCH_BAD_URL, "hides a dot-segment" },
    { "http://h/a/%zz", SBGW_FETCH_BAD_URL, "does not parse" },
    { "http://h/a/%c3%a9", SBGW_FETCH_OK, "http://h/a/%C3%A9" },
    { "http://h/../../etc/passwd", SBGW_FETCH_OK, "http://h/etc/passwd" },
    { "http://user:pw@h/", SBGW_FETCH_BAD_URL, "userinfo" },
    { "http://[::1]:8080/x", SBGW_FETCH_OK, "http://[::1]:8080/x" },
    { "http://[0:0::1]/", SBGW_FETCH_OK, "http://[::1]/" },
    { "http://h:0/", SBGW_FETCH_BAD_URL, "port" },
    { "http://h:99999/", SBGW_FETCH_BAD_URL, "" },
    { "http:///path", SBGW_FETCH_BAD_URL, "host" },
    { "ldap://ldap.example.com/cn=CA?certificateRevocationList", SBGW_FETCH_REFUSED_SCHEME, "'ldap'" },
    { "file:///etc/passwd", SBGW_FETCH_REFUSED_SCHEME, "'file'" },
    { "FTP://h/x", SBGW_FETCH_REFUSED_SCHEME, "'ftp'" },
    { "/relative", SBGW_FETCH_BAD_URL, "no scheme" },
    { "http://h/a b", SBGW_FETCH_BAD_URL, "space" },
    { "http://good.example\\@evil.net/", SBGW_FETCH_BAD_URL, "" },
    { "http://good.example:80@evil.net/", SBGW_FETCH_BAD_URL, "userinfo" },
    { "http://h/a%00b", SBGW_FETCH_BAD_URL, "encoded control" },
    { "http://h/a\\..\\b", SBGW_FETCH_BAD_URL, "" },
    { "http://h%2eexample/", SBGW_FETCH_BAD_URL, "" },
};

static void test_url_normalise(void **state)
{
    struct sbgw_fetch_allow *any = allow_of("http://h:8080/", "http://example.com/");
    const char *all[] = { "http://example.com", "https://h.example", "http://h:8080", "http://h", "http://[::1]:8080",
                          "http://[::1]" };
    struct sbgw_fetch_allow *wide;
    char err[256], cause[256];
    size_t i;

    (void)state;
    assert_non_null(wide = sbgw_fetch_allow_new(all, 6, err, sizeof(err)));
    for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
        char *norm = NULL;
        enum sbgw_fetch_status st = sbgw_fetch_allow_check(wide, url_cases[i].in, &norm, cause, sizeof(cause));

        if (st != url_cases[i].st) {
            fail_msg("%s: status %s, want %s (%s)", url_cases[i].in, sbgw_fetch_status_name(st),
                     sbgw_fetch_status_name(url_cases[i].st), cause);
        }
        if (st == SBGW_FETCH_OK) {
            assert_string_equal(norm, url_cases[i].norm);
        } else {
            assert_null(norm);
            assert_contains(cause, url_cases[i].norm);
        }
        free(norm);
    }
    sbgw_fetch_allow_free(wide);
    sbgw_fetch_allow_free(any);
}

static const struct {
    const char *url;
    enum sbgw_fetch_status st;
} allow_cases[] = {
    { "http://crl.example.com/crl", SBGW_FETCH_OK },
    { "http://crl.example.com/crl/ca1.crl", SBGW_FETCH_OK },
    { "http://CRL.Example.com:80/crl/x?y=1", SBGW_FETCH_OK },
    { "http://crl.example.com/crl2", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://crl.example.com/crl.evil", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://crl.example.com/crl/../admin", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://crl.example.com/crl/%2e%2e/admin", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://crl.example.com/crl/%2e%2e%2fadmin", SBGW_FETCH_BAD_URL },
    { "http://crl.example.com/crl%2F..%2Fadmin", SBGW_FETCH_BAD_URL },
    { "http://crl.example.com/crl%2Fx", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://ocsp.example.com/MEMwQTA%2FMD0wOzAJBgUr%2B%3D", SBGW_FETCH_OK },
    { "https://crl.example.com/crl", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://crl.example.com:8080/crl", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://ocsp.example.com", SBGW_FETCH_OK },
    { "http://ocsp.example.com/any/thing", SBGW_FETCH_OK },
    { "http://ocsp.example.com.evil.net/", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "http://evil.net@ocsp.example.com/", SBGW_FETCH_BAD_URL },
    { "http://ocsp.example.com@evil.net/", SBGW_FETCH_BAD_URL },
    { "https://x.example/dir/a", SBGW_FETCH_OK },
    { "https://x.example/dir", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "https://x.example/directory", SBGW_FETCH_REFUSED_NOT_ALLOWED },
    { "ldap://crl.example.com/crl", SBGW_FETCH_REFUSED_SCHEME },
};

static void test_allow_match(void **state)
{
    const char *p[] = { "http://crl.example.com/crl", "HTTP://OCSP.example.com:80", "https://x.example/dir/" };
    const char *bad[] = { "ldap://x/", "http://h/x?q=1", "http://h/x#f", "http://u@h/", "not a url" };
    struct sbgw_fetch_allow *a;
    char err[256], cause[256];
    size_t i;

    (void)state;
    assert_non_null(a = sbgw_fetch_allow_new(p, 3, err, sizeof(err)));
    for (i = 0; i < sizeof(allow_cases) / sizeof(allow_cases[0]); i++) {
        enum sbgw_fetch_status st = sbgw_fetch_allow_check(a, allow_cases[i].url, NULL, cause, sizeof(cause));

        if (st != allow_cases[i].st) {
            fail_msg("%s: %s, want %s (%s)", allow_cases[i].url, sbgw_fetch_status_name(st),
                     sbgw_fetch_status_name(allow_cases[i].st), cause);
        }
        if (st == SBGW_FETCH_REFUSED_NOT_ALLOWED) {
            assert_contains(cause, "outside the fetch allow-list");
        }
    }
    sbgw_fetch_allow_free(a);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_null(sbgw_fetch_allow_new(&bad[i], 1, err, sizeof(err)));
        assert_contains(err, bad[i]);
    }
    /* an empty allow-list allows nothing */
    assert_non_null(a = sbgw_fetch_allow_new(NULL, 0, err, sizeof(err)));
    assert_int_equal(sbgw_fetch_allow_check(a, "http://h/", NULL, cause, sizeof(cause)),
                     SBGW_FETCH_REFUSED_NOT_ALLOWED);
    sbgw_fetch_allow_free(a);
}

/* ---- fetches ---- */

static void test_get_and_post(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a);
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    char url[256], want[128];
    static const unsigned char ocsp[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };

    url_of(&e->a, "/ok", url, sizeof(url));
    req_get(&rq, "get-ok", url, 5000, 4096, a);
    rq.accept = "text/plain";
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_int_equal(r.http_status, 200);
    assert_body(&r, "hello from fetch_server");
    assert_string_equal(r.content_type, "text/plain");
    assert_string_equal(r.final_url, url);
    assert_int_equal(r.hops, 0);
    assert_string_equal(r.cause, "");
    sbgw_fetch_result_clear(&r);

    url_of(&e->a, "/echo", url, sizeof(url));
    req_get(&rq, "post-echo", url, 5000, 4096, a);
    rq.method = SBGW_FETCH_POST;
    rq.body = ocsp;
    rq.body_len = sizeof(ocsp);
    rq.content_type = "application/ocsp-request";
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_string_equal(r.content_type, "application/x-echo");
    snprintf(want, sizeof(want), "method=POST ctype=application/ocsp-request len=5\n");
    assert_int_equal(r.len, strlen(want) + sizeof(ocsp));
    assert_memory_equal(r.body, want, strlen(want));
    assert_memory_equal(r.body + strlen(want), ocsp, sizeof(ocsp));
    sbgw_fetch_result_clear(&r);
    sbgw_fetch_allow_free(a);
}

static void test_status_and_caps(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a);
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    char url[256];

    url_of(&e->a, "/status/404", url, sizeof(url));
    req_get(&rq, "s404", url, 5000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_HTTP_STATUS);
    assert_int_equal(r.http_status, 404);
    assert_null(r.body);
    assert_contains(r.cause, "HTTP 404 from http://127.0.0.1:");
    sbgw_fetch_result_clear(&r);

    url_of(&e->a, "/status/503", url, sizeof(url));
    req_get(&rq, "s503", url, 5000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_HTTP_STATUS);
    assert_int_equal(r.http_status, 503);
    sbgw_fetch_result_clear(&r);

    /* over the cap by Content-Length: refused on the head */
    url_of(&e->a, "/big?n=100000", url, sizeof(url));
    req_get(&rq, "big", url, 5000, 1000, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_TOO_LARGE);
    assert_null(r.body);
    assert_contains(r.cause, "declares 100000 bytes, over the cap of 1000 bytes");
    sbgw_fetch_result_clear(&r);

    /* exactly at the cap: fine */
    url_of(&e->a, "/big?n=1000", url, sizeof(url));
    req_get(&rq, "big-at-cap", url, 5000, 1000, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_int_equal(r.len, 1000);
    assert_int_equal(r.body[999], 'x');
    sbgw_fetch_result_clear(&r);

    /* a chunked body without Content-Length: cut while streaming */
    url_of(&e->a, "/stream?n=200000", url, sizeof(url));
    req_get(&rq, "stream", url, 5000, 3000, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_TOO_LARGE);
    assert_null(r.body);
    assert_contains(r.cause, "over the cap of 3000 bytes");
    sbgw_fetch_result_clear(&r);

    /* a body delimited by the connection's close, without Content-Length */
    url_of(&e->a, "/close?n=50000", url, sizeof(url));
    req_get(&rq, "close-big", url, 5000, 3000, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_TOO_LARGE);
    assert_contains(r.cause, "over the cap of 3000 bytes");
    sbgw_fetch_result_clear(&r);
    url_of(&e->a, "/close?n=2900", url, sizeof(url));
    req_get(&rq, "close-ok", url, 5000, 3000, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_int_equal(r.len, 2900);
    assert_int_equal(r.body[2899], 'c');
    sbgw_fetch_result_clear(&r);

    url_of(&e->a, "/stream?n=2500", url, sizeof(url));
    req_get(&rq, "stream-ok", url, 5000, 3000, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_int_equal(r.len, 2500);
    sbgw_fetch_result_clear(&r);
    sbgw_fetch_allow_free(a);
}

static void test_deadlines(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a);
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    char url[256];
    double t0;

    /* a server that accepts and never answers */
    url_of(&e->a, "/stall", url, sizeof(url));
    req_get(&rq, "stall", url, 1000, 4096, a);
    t0 = now_s();
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_TIMEOUT);
    assert_true(now_s() - t0 < 1.0 + 1.0);
    assert_true(now_s() - t0 >= 0.9);
    assert_null(r.body);
    sbgw_fetch_result_clear(&r);

    /* one byte every 500 ms for 30 s: evhttp's per-read timeout never fires, the total deadline does */
    url_of(&e->a, "/trickle?n=60", url, sizeof(url));
    req_get(&rq, "trickle", url, 1500, 4096, a);
    t0 = now_s();
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_TIMEOUT);
    assert_true(now_s() - t0 < 1.5 + 1.0);
    assert_null(r.body);
    sbgw_fetch_result_clear(&r);
    /* the fetch itself timed out (not only the waiter): the flight's cause says where it was */
    {
        struct sbgw_fetch_stats st;

        usleep(200 * 1000);
        sbgw_fetcher_stats(e->f, &st);
        assert_true(st.fetches[SBGW_FETCH_TIMEOUT] >= 2);
    }
    sbgw_fetch_allow_free(a);
}

static void test_allow_list_never_contacts(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a), *ab;
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    char url[256], to[128], pa[64], pb[64];

    assert_int_equal(server_accepts(&e->b), 0);
    /* b is outside a's allow-list */
    url_of(&e->b, "/ok", url, sizeof(url));
    req_get(&rq, "outside", url, 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_REFUSED_NOT_ALLOWED);
    assert_contains(r.cause, "outside the fetch allow-list");
    assert_null(r.body);
    sbgw_fetch_result_clear(&r);

    /* a redirects to b: refused, b never contacted */
    url_of(&e->b, "/ok", to, sizeof(to));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect?to=%s", e->a.port, to);
    req_get(&rq, "redir-out", url, 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_REDIRECT_REFUSED);
    assert_int_equal(r.http_status, 302);
    assert_contains(r.cause, "outside the fetch allow-list (not contacted)");
    assert_contains(r.cause, to);
    assert_string_equal(r.final_url, url);
    sbgw_fetch_result_clear(&r);

    /* a redirect to another scheme */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect?to=file:///etc/passwd", e->a.port);
    req_get(&rq, "redir-file", url, 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_REDIRECT_REFUSED);
    assert_contains(r.cause, "scheme 'file'");
    sbgw_fetch_result_clear(&r);
    assert_int_equal(server_accepts(&e->b), 0);

    /* ldap and file URLs */
    req_get(&rq, "ldap", "ldap://127.0.0.1/cn=CA,o=Test?certificateRevocationList;binary", 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_REFUSED_SCHEME);
    assert_contains(r.cause, "scheme 'ldap' is not fetched");
    sbgw_fetch_result_clear(&r);
    req_get(&rq, "file", "file:///etc/passwd", 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_REFUSED_SCHEME);
    assert_contains(r.cause, "scheme 'file' is not fetched");
    sbgw_fetch_result_clear(&r);

    /* with b allowed too: the redirect is followed (absolute), and a relative one */
    url_of(&e->a, "/", pa, sizeof(pa));
    url_of(&e->b, "/ok", pb, sizeof(pb));
    ab = allow_of(pa, pb);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect?to=%s&code=307", e->a.port, to);
    req_get(&rq, "redir-in", url, 3000, 4096, ab);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_body(&r, "hello from fetch_server");
    assert_int_equal(r.hops, 1);
    assert_string_equal(r.final_url, to);
    sbgw_fetch_result_clear(&r);
    assert_int_equal(server_requests(&e->b, "/ok"), 1);

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect?to=./ok", e->a.port);
    req_get(&rq, "redir-rel", url, 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_body(&r, "hello from fetch_server");
    url_of(&e->a, "/ok", to, sizeof(to));
    assert_string_equal(r.final_url, to);
    sbgw_fetch_result_clear(&r);

    /* at most 3 hops: the fourth redirect is refused (4 requests reached the server) */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/loop?n=0", e->a.port);
    req_get(&rq, "loop", url, 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_REDIRECT_REFUSED);
    assert_contains(r.cause, "more than 3 redirects");
    assert_int_equal(r.hops, 3);
    sbgw_fetch_result_clear(&r);
    assert_int_equal(server_requests(&e->a, "/loop?n=3"), 1);
    assert_int_equal(server_requests(&e->a, "/loop?n=4"), 0);
    sbgw_fetch_allow_free(ab);
    sbgw_fetch_allow_free(a);
}

static void test_connect_and_dns_failures(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a;
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    char url[256], p[64];
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;
    double t0;

    /* a free port, closed again: nothing listens there */
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    port = ntohs(sa.sin_port);
    close(fd);
    snprintf(p, sizeof(p), "http://127.0.0.1:%d/", port);
    a = allow_of(p, "http://no-such-host.invalid/");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/crl", port);
    req_get(&rq, "closed", url, 3000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_CONNECT_FAILED);
    assert_contains(r.cause, "cannot connect to http://127.0.0.1:");
    sbgw_fetch_result_clear(&r);

    req_get(&rq, "nxdomain", "http://no-such-host.invalid/crl", 4000, 4096, a);
    t0 = now_s();
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_DNS_FAILED);
    assert_true(now_s() - t0 < 4.0 + 1.0);
    assert_contains(r.cause, "cannot resolve no-such-host.invalid");
    sbgw_fetch_result_clear(&r);
    sbgw_fetch_allow_free(a);
}

/* ---- single flight ---- */

struct sf_arg {
    struct sbgw_fetcher *f;
    struct sbgw_fetch_allow *a;
    const char *url, *key;
    int timeout_ms;
    int *finished;                  /* atomic */
    struct sbgw_fetch_result r;
};

static void *sf_thread(void *p)
{
    struct sf_arg *s = p;
    struct sbgw_fetch_req rq;

    req_get(&rq, s->key, s->url, s->timeout_ms, 4096, s->a);
    sbgw_fetch(s->f, &rq, &s->r);
    __atomic_add_fetch(s->finished, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

#define SF_N 100

static void test_single_flight(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a);
    struct sf_arg *args = calloc(SF_N, sizeof(*args));
    pthread_t th[SF_N];
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    char slow[128], ok[128];
    int i, finished = 0, shared = 0;
    double t0;

    assert_non_null(args);
    url_of(&e->a, "/slow?ms=3000&tag=sf", slow, sizeof(slow));
    for (i = 0; i < SF_N; i++) {
        args[i].f = e->f;
        args[i].a = a;
        args[i].url = slow;
        args[i].key = "crl:one-key";
        args[i].timeout_ms = 15000;
        args[i].finished = &finished;
        assert_int_equal(pthread_create(&th[i], NULL, sf_thread, &args[i]), 0);
    }
    /* the slow fetch is at the server: another key is answered meanwhile, without waiting for it */
    for (i = 0; i < 100 && server_requests(&e->a, "/slow?ms=3000&tag=sf") == 0; i++) {
        usleep(20 * 1000);
    }
    assert_int_equal(server_requests(&e->a, "/slow?ms=3000&tag=sf"), 1);
    url_of(&e->a, "/ok", ok, sizeof(ok));
    req_get(&rq, "crl:other-key", ok, 5000, 4096, a);
    t0 = now_s();
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_body(&r, "hello from fetch_server");
    assert_int_equal(r.shared, 0);
    assert_true(now_s() - t0 < 2.0);
    assert_int_equal(__atomic_load_n(&finished, __ATOMIC_SEQ_CST), 0);
    sbgw_fetch_result_clear(&r);
    for (i = 0; i < SF_N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].r.status, SBGW_FETCH_OK);
        assert_body(&args[i].r, "slow done");
        shared += args[i].r.shared;
        sbgw_fetch_result_clear(&args[i].r);
    }
    assert_int_equal(shared, SF_N - 1);
    assert_int_equal(server_requests(&e->a, "/slow?ms=3000&tag=sf"), 1);
    free(args);
    sbgw_fetch_allow_free(a);
}

/* A waiter gives up at its own deadline; the fetch goes on and a later request for the key gets its result. */
static void test_waiter_deadline(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a);
    struct sbgw_fetch_ticket *t;
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r, first;
    char slow[128];
    double t0;

    url_of(&e->a, "/slow?ms=2000&tag=wd", slow, sizeof(slow));
    req_get(&rq, "ocsp:wd", slow, 8000, 4096, a);
    assert_int_equal(sbgw_fetch_submit(e->f, &rq, &t, &first), SBGW_FETCH_OK);   /* starts the fetch */
    req_get(&rq, "ocsp:wd", slow, 500, 4096, a);
    t0 = now_s();
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_TIMEOUT);
    assert_true(now_s() - t0 >= 0.45);
    assert_true(now_s() - t0 < 0.5 + 1.0);
    assert_contains(r.cause, "no result within 500 ms");
    assert_contains(r.cause, "the fetch goes on");
    sbgw_fetch_result_clear(&r);
    /* a later request joins the fetch still in flight */
    req_get(&rq, "ocsp:wd", slow, 8000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    assert_int_equal(r.shared, 1);
    assert_body(&r, "slow done");
    sbgw_fetch_result_clear(&r);
    assert_int_equal(sbgw_fetch_wait(t, &first), SBGW_FETCH_OK);
    assert_body(&first, "slow done");
    sbgw_fetch_result_clear(&first);
    assert_int_equal(server_requests(&e->a, "/slow?ms=2000&tag=wd"), 1);
    sbgw_fetch_allow_free(a);
}

/* A joiner whose own allow-list does not cover the fetch's URL, or whose cap is smaller, gets nothing. */
static void test_joiner_rules(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a), *narrow;
    struct sbgw_fetch_ticket *t1, *t2, *t3;
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    char slow[128], p[128];

    url_of(&e->a, "/slow?ms=1000&tag=jr", slow, sizeof(slow));
    url_of(&e->a, "/ok", p, sizeof(p));
    narrow = allow_of(p, NULL);
    req_get(&rq, "jr", slow, 8000, 4096, a);
    assert_int_equal(sbgw_fetch_submit(e->f, &rq, &t1, &r), SBGW_FETCH_OK);
    /* same key, a URL this joiner may fetch, but the fetch in flight visits /slow */
    req_get(&rq, "jr", p, 8000, 4096, narrow);
    assert_int_equal(sbgw_fetch_submit(e->f, &rq, &t2, &r), SBGW_FETCH_OK);
    /* a smaller cap than the body ("slow done": 9 bytes) */
    req_get(&rq, "jr", slow, 8000, 4, a);
    assert_int_equal(sbgw_fetch_submit(e->f, &rq, &t3, &r), SBGW_FETCH_OK);
    assert_int_equal(sbgw_fetch_wait(t2, &r), SBGW_FETCH_REFUSED_NOT_ALLOWED);
    assert_int_equal(r.shared, 1);
    assert_null(r.body);
    assert_contains(r.cause, "outside the fetch allow-list");
    sbgw_fetch_result_clear(&r);
    assert_int_equal(sbgw_fetch_wait(t3, &r), SBGW_FETCH_TOO_LARGE);
    assert_contains(r.cause, "over this request's cap of 4 bytes");
    assert_null(r.body);
    sbgw_fetch_result_clear(&r);
    assert_int_equal(sbgw_fetch_wait(t1, &r), SBGW_FETCH_OK);
    assert_body(&r, "slow done");
    sbgw_fetch_result_clear(&r);
    assert_int_equal(server_requests(&e->a, "/slow?ms=1000&tag=jr"), 1);
    sbgw_fetch_allow_free(narrow);
    sbgw_fetch_allow_free(a);
}

/* ---- the callback form ---- */

struct cb_box {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
    struct sbgw_fetch_result r;
};

static void on_result(struct sbgw_fetch_result *res, void *arg)
{
    struct cb_box *b = arg;

    pthread_mutex_lock(&b->mu);
    b->r = *res;                                  /* the result's fields are ours now */
    b->n++;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void cb_wait(struct cb_box *b, int n)
{
    pthread_mutex_lock(&b->mu);
    while (b->n < n) {
        pthread_cond_wait(&b->cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
}

static void test_async(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a = allow_server(&e->a);
    struct sbgw_fetch_req rq;
    struct cb_box b;
    char url[256];
    double t0;

    memset(&b, 0, sizeof(b));
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    url_of(&e->a, "/ok", url, sizeof(url));
    req_get(&rq, "async-ok", url, 5000, 4096, a);
    assert_int_equal(sbgw_fetch_async(e->f, &rq, on_result, &b), SBGW_FETCH_OK);
    cb_wait(&b, 1);
    assert_int_equal(b.r.status, SBGW_FETCH_OK);
    assert_body(&b.r, "hello from fetch_server");
    sbgw_fetch_result_clear(&b.r);

    /* refused at once: the callback runs before the call returns */
    req_get(&rq, "async-ldap", "ldap://x/", 5000, 4096, a);
    assert_int_equal(sbgw_fetch_async(e->f, &rq, on_result, &b), SBGW_FETCH_REFUSED_SCHEME);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.r.status, SBGW_FETCH_REFUSED_SCHEME);
    sbgw_fetch_result_clear(&b.r);

    /* the waiter's deadline on the fetcher's thread */
    url_of(&e->a, "/stall", url, sizeof(url));
    req_get(&rq, "async-stall", url, 700, 4096, a);
    t0 = now_s();
    assert_int_equal(sbgw_fetch_async(e->f, &rq, on_result, &b), SBGW_FETCH_OK);
    cb_wait(&b, 3);
    assert_true(now_s() - t0 < 0.7 + 1.0);
    assert_int_equal(b.r.status, SBGW_FETCH_TIMEOUT);
    sbgw_fetch_result_clear(&b.r);
    pthread_cond_destroy(&b.cv);
    pthread_mutex_destroy(&b.mu);
    sbgw_fetch_allow_free(a);
}

/* Freeing the fetcher with fetches in flight (a connection waiting for a reply, a name being resolved): each
 * waiter hears "the fetcher stopped" before the free returns, nothing leaks. */
static void test_stop_in_flight(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a;
    struct sbgw_fetcher *f;
    struct sbgw_fetch_opts o;
    struct sbgw_fetch_req rq;
    struct cb_box b1, b2;
    char url[256], p[64], resolv[128], err[256] = "";

    memset(&b1, 0, sizeof(b1));
    memset(&b2, 0, sizeof(b2));
    pthread_mutex_init(&b1.mu, NULL);
    pthread_cond_init(&b1.cv, NULL);
    pthread_mutex_init(&b2.mu, NULL);
    pthread_cond_init(&b2.cv, NULL);
    snprintf(resolv, sizeof(resolv), "%s/resolv.conf", e->tmp);
    memset(&o, 0, sizeof(o));
    o.resolv_conf = resolv;
    assert_non_null(f = sbgw_fetcher_new(&o, err, sizeof(err)));
    url_of(&e->a, "/", p, sizeof(p));
    a = allow_of(p, "http://slow-dns.invalid/");
    url_of(&e->a, "/stall?tag=stop", url, sizeof(url));
    req_get(&rq, "stop-stall", url, 20000, 4096, a);
    assert_int_equal(sbgw_fetch_async(f, &rq, on_result, &b1), SBGW_FETCH_OK);
    req_get(&rq, "stop-dns", "http://slow-dns.invalid/x", 20000, 4096, a);
    assert_int_equal(sbgw_fetch_async(f, &rq, on_result, &b2), SBGW_FETCH_OK);
    for (int i = 0; i < 100 && server_requests(&e->a, "/stall?tag=stop") < 1; i++) {
        usleep(20 * 1000);
    }
    sbgw_fetcher_free(f);
    assert_int_equal(b1.n, 1);
    assert_int_equal(b1.r.status, SBGW_FETCH_INTERNAL);
    assert_contains(b1.r.cause, "the fetcher stopped");
    assert_int_equal(b2.n, 1);
    assert_int_equal(b2.r.status, SBGW_FETCH_INTERNAL);
    sbgw_fetch_result_clear(&b1.r);
    sbgw_fetch_result_clear(&b2.r);
    sbgw_fetch_allow_free(a);
    pthread_cond_destroy(&b1.cv);
    pthread_mutex_destroy(&b1.mu);
    pthread_cond_destroy(&b2.cv);
    pthread_mutex_destroy(&b2.mu);
}

/* ---- https ---- */

static void test_https(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_allow *a;
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result r;
    char url[256], p1[64], p2[64];

    snprintf(p1, sizeof(p1), "https://localhost:%d/", e->tls.port);
    snprintf(p2, sizeof(p2), "https://127.0.0.1:%d/", e->tls2.port);
    a = allow_of(p1, p2);
    /* localhost: resolved (hosts file), SNI and the name verified against the certificate */
    snprintf(url, sizeof(url), "https://localhost:%d/ok", e->tls.port);
    req_get(&rq, "https-ok", url, 5000, 4096, a);
    if (sbgw_fetch(e->f, &rq, &r) != SBGW_FETCH_OK) {
        fail_msg("%s: %s: %s", url, sbgw_fetch_status_name(r.status), r.cause);
    }
    assert_body(&r, "hello from fetch_server");
    sbgw_fetch_result_clear(&r);
    /* a trusted certificate that names other.example only: refused */
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/ok", e->tls2.port);
    req_get(&rq, "https-wrong-name", url, 5000, 4096, a);
    assert_int_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_TLS_FAILED);
    assert_contains(r.cause, "certificate verification failed: IP address mismatch");
    assert_null(r.body);
    sbgw_fetch_result_clear(&r);
    /* plain http to the https port is not a valid reply */
    snprintf(p1, sizeof(p1), "http://127.0.0.1:%d/", e->tls.port);
    sbgw_fetch_allow_free(a);
    a = allow_of(p1, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", e->tls.port);
    req_get(&rq, "http-to-https", url, 3000, 4096, a);
    assert_int_not_equal(sbgw_fetch(e->f, &rq, &r), SBGW_FETCH_OK);
    sbgw_fetch_result_clear(&r);
    sbgw_fetch_allow_free(a);
}

static void test_stats(void **state)
{
    struct env *e = *state;
    struct sbgw_fetch_stats st;
    unsigned long long n = 0;
    size_t i;

    sbgw_fetcher_stats(e->f, &st);
    assert_true(st.fetches[SBGW_FETCH_OK] >= 5);
    assert_true(st.requests[SBGW_FETCH_OK] >= SF_N);
    assert_true(st.requests[SBGW_FETCH_REFUSED_SCHEME] >= 2);
    assert_true(st.joined >= SF_N - 1);
    for (i = 0; i <= SBGW_FETCH_LAT_N; i++) {
        n += st.latency[i];
    }
    for (i = 0; i < SBGW_FETCH__COUNT; i++) {
        n -= st.fetches[i];
    }
    assert_int_equal(n, 0);
    assert_int_equal(st.in_flight, 0);
    assert_true(st.n_failing >= 1);
    assert_string_equal(sbgw_fetch_status_name(SBGW_FETCH_REDIRECT_REFUSED), "redirect_refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_normalise),
        cmocka_unit_test(test_allow_match),
        cmocka_unit_test(test_get_and_post),
        cmocka_unit_test(test_status_and_caps),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_allow_list_never_contacts),
        cmocka_unit_test(test_connect_and_dns_failures),
        cmocka_unit_test(test_single_flight),
        cmocka_unit_test(test_waiter_deadline),
        cmocka_unit_test(test_joiner_rules),
        cmocka_unit_test(test_async),
        cmocka_unit_test(test_stop_in_flight),
        cmocka_unit_test(test_https),
        cmocka_unit_test(test_stats),
    };

    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
