/*
 * tests/fuzz/fuzz_fetch.c — the daemon fetcher's HTTP response handling (gateway/daemon/fetch.h: fetch.c,
 * fetch_http.c, fetch_url.c — libevent's evhttp client under our total deadline, size cap, status rules and
 * redirect decisions against the allow-list, the DNS path through /etc/hosts, single flight and answering).
 *
 * Once per process: a real fetcher (sbgw_fetcher_new; a resolver configuration in the scratch directory, so
 * names outside /etc/hosts are asked of 127.0.0.1 only) and a loopback TCP listener on a port the kernel
 * picks, served by a harness thread. The allow-list is http://127.0.0.1:P/f/, http://localhost:P/f/ (the
 * listener, resolved through /etc/hosts) and http://127.0.0.1:1/f/ (allowed, nothing listens: connect fails).
 *
 * Per input: the bytes are the raw HTTP response the listener sends on every connection it accepts (after
 * reading the request head and its Content-Length body), then it half-closes and reads until the client
 * closes. The four bytes "PORT" are replaced by P everywhere (so seeds can name the listener in a Location).
 * One blocking fetch (sbgw_fetch) of http://127.0.0.1:P/f/<n> with key "fuzz-<n>" (n counts inputs: no
 * flight is ever joined across inputs; the fetcher has no cache), timeout_ms 300, max_bytes 4096, GET or —
 * for odd lengths — POST of a small application/ocsp-request body. Afterwards the harness waits until the
 * fetcher has no flight left and the listener is idle, and closes connections still queued on it, so no
 * input sees another's traffic.
 *
 * Checks (abort on violation): the fetch returns within timeout + 1 s and the fetcher is idle within 3 s
 * (hang); the returned status is res.status and has a name; OK => HTTP 2xx, a body (non-NULL) of at most
 * 4096 bytes and at most the bytes served, no cause, a final URL inside the allow-list's listener prefixes,
 * hops <= SBGW_FETCH_MAX_HOPS; a failure => no body, a cause; HTTP_STATUS => a status outside 2xx (100..999);
 * REDIRECT_REFUSED => a 3xx redirect status; never REFUSED_NOT_ALLOWED / REFUSED_SCHEME / BAD_URL / BUSY /
 * INTERNAL / TLS_FAILED (the first URL is allowed; no https is); a fetch that ends on the closed port is
 * CONNECT_FAILED or TIMEOUT, whatever the hops before it left behind; the listener never sees a request whose
 * target is outside /f/ (a refused redirect is never contacted); at most 1 + SBGW_FETCH_MAX_HOPS connections;
 * descriptors do not pile up. SB_FUZZ_DEBUG=1 prints each outcome.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>

#include "fuzz_common.h"
#include "gateway/daemon/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TIMEOUT_MS 300
#define MAX_BYTES 4096
#define HANG_MS 3000
#define REQ_MAX 16384                     /* bytes of one request the listener reads */

/* Harness state: the fetcher, the listener thread and what it serves (mu guards the fields below it). */
static struct {
    struct sbgw_fetcher *f;
    struct sbgw_fetch_allow *allow;
    int lfd, port, first_fd;
    pthread_t th;
    int th_started;
    unsigned long n;                      /* inputs so far */
    char prefix[2][64];                   /* the listener's allowed prefixes */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *resp;                  /* owned: the response of the current input */
    size_t resp_len;
    int busy;                             /* the thread is accepting or serving a connection */
    int paused;                           /* the harness is draining the listener's queue */
    int stop;
    int conns;                            /* connections served for the current input */
    int stray;                            /* requests seen outside /f/ */
    char stray_target[256];
} S = { .lfd = -1, .first_fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void fail(const char *what, const struct sbgw_fetch_result *r)
{
    fprintf(stderr, "fuzz_fetch: %s\n", what);
    if (r != NULL) {
        fprintf(stderr, "fuzz_fetch: status %s, HTTP %d, %zu bytes, hops %d, %.3f s, final %s: %s\n",
                sbgw_fetch_status_name(r->status), r->http_status, r->len, r->hops, r->seconds,
                r->final_url != NULL ? r->final_url : "-", r->cause);
    }
    abort();
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the listener ----------------------------------------------------------------------------------- */

/* Read one request (head, then a Content-Length body) into buf; returns the head's length, 0 if none. */
static size_t read_request(int fd, char *buf, size_t cap, size_t *got)
{
    char *end = NULL, *p;
    size_t n = 0, head = 0, want = 0;
    ssize_t r;

    while (n < cap - 1) {
        if ((r = recv(fd, buf + n, cap - 1 - n, 0)) < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
        buf[n] = '\0';
        if (head == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            head = (size_t)(end - buf) + 4;
            for (p = buf; p < end && (p = strchr(p, '\n')) != NULL && p < end; p++) {
                if (strncasecmp(p + 1, "Content-Length:", 15) == 0) {
                    want = strtoul(p + 16, NULL, 10);
                }
            }
        }
        if (head != 0 && n >= head + want) {
            break;
        }
    }
    buf[n] = '\0';
    *got = n;
    return head;
}

static void serve(int fd)
{
    struct timeval tv = { 1, 0 };
    char *req = malloc(REQ_MAX), target[256] = "";
    unsigned char *out = NULL;
    size_t out_len = 0, got = 0, off = 0, i;
    const char *sp;
    ssize_t r;

    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (req == NULL) {
        fail("out of memory", NULL);
    }
    if (read_request(fd, req, REQ_MAX, &got) == 0) {
        free(req);
        return;                                   /* a queued connection its client gave up */
    }
    if ((sp = strchr(req, ' ')) != NULL) {
        for (i = 0, sp++; i < sizeof(target) - 1 && sp[i] != ' ' && sp[i] != '\r' && sp[i] != '\0'; i++) {
            target[i] = sp[i];
        }
        target[i] = '\0';
    }
    pthread_mutex_lock(&S.mu);
    S.conns++;
    if (strncmp(target, "/f/", 3) != 0) {
        S.stray++;
        snprintf(S.stray_target, sizeof(S.stray_target), "%s", target);
    }
    if (S.resp_len > 0 && (out = malloc(S.resp_len)) != NULL) {
        memcpy(out, S.resp, S.resp_len);
        out_len = S.resp_len;
    }
    pthread_mutex_unlock(&S.mu);
    while (off < out_len) {
        if ((r = send(fd, out + off, out_len - off, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;                                /* the client closed (cap, deadline) */
        }
        off += (size_t)r;
    }
    shutdown(fd, SHUT_WR);
    while ((r = recv(fd, req, REQ_MAX, 0)) > 0 || (r < 0 && errno == EINTR)) {
    }                                             /* until the client closes: no RST on our close */
    free(out);
    free(req);
}

static void *listener_main(void *arg)
{
    struct pollfd pfd;
    sigset_t all;
    int fd;

    (void)arg;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        pfd.fd = S.lfd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        (void)poll(&pfd, 1, 50);
        pthread_mutex_lock(&S.mu);
        while (S.paused && !S.stop) {
            pthread_cond_wait(&S.cv, &S.mu);
        }
        if (S.stop) {
            pthread_mutex_unlock(&S.mu);
            return NULL;
        }
        S.busy = 1;
        pthread_mutex_unlock(&S.mu);
        if ((fd = accept(S.lfd, NULL, NULL)) >= 0) {
            serve(fd);
            close(fd);
        }
        pthread_mutex_lock(&S.mu);
        S.busy = 0;
        pthread_cond_broadcast(&S.cv);
        pthread_mutex_unlock(&S.mu);
    }
}

/* Wait until the listener thread is between connections, then close every connection still queued. */
static void quiesce(void)
{
    int fd;

    pthread_mutex_lock(&S.mu);
    S.paused = 1;
    while (S.busy) {
        pthread_cond_wait(&S.cv, &S.mu);
    }
    pthread_mutex_unlock(&S.mu);
    while ((fd = accept(S.lfd, NULL, NULL)) >= 0) {
        close(fd);
    }
    pthread_mutex_lock(&S.mu);
    S.paused = 0;
    pthread_cond_broadcast(&S.cv);
    pthread_mutex_unlock(&S.mu);
}

/* ---- one-time set-up ---------------------------------------------------------------------------------- */

static void teardown(void)
{
    if (S.th_started) {
        pthread_mutex_lock(&S.mu);
        S.stop = 1;
        pthread_cond_broadcast(&S.cv);
        pthread_mutex_unlock(&S.mu);
        pthread_join(S.th, NULL);
        S.th_started = 0;
    }
    sbgw_fetcher_free(S.f);
    S.f = NULL;
    sbgw_fetch_allow_free(S.allow);
    S.allow = NULL;
    if (S.lfd >= 0) {
        close(S.lfd);
        S.lfd = -1;
    }
    free(S.resp);
    S.resp = NULL;
}

static void setup(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    struct sbgw_fetch_opts fo;
    const char *prefixes[3], *dir = sb_fuzz_dir();
    char err[256], resolv[700], local[64];
    static const char ns[] = "nameserver 127.0.0.1\n";

    if (S.f != NULL) {
        return;
    }
    signal(SIGPIPE, SIG_IGN);
    if (dir == NULL || evthread_use_pthreads() != 0) {
        fail("harness set-up failed (scratch directory or libevent threads)", NULL);
    }
    if ((S.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
        fail("cannot make the listener", NULL);
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(S.lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(S.lfd, 64) != 0 ||
        getsockname(S.lfd, (struct sockaddr *)&sin, &sl) != 0) {
        fail("cannot listen on loopback", NULL);
    }
    S.port = ntohs(sin.sin_port);
    snprintf(S.prefix[0], sizeof(S.prefix[0]), "http://127.0.0.1:%d/f/", S.port);
    snprintf(S.prefix[1], sizeof(S.prefix[1]), "http://localhost:%d/f/", S.port);
    snprintf(local, sizeof(local), "http://127.0.0.1:1/f/");
    prefixes[0] = S.prefix[0];
    prefixes[1] = S.prefix[1];
    prefixes[2] = local;
    if ((S.allow = sbgw_fetch_allow_new(prefixes, 3, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fuzz_fetch: %s\n", err);
        fail("the allow-list does not compile", NULL);
    }
    snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
    if (sb_fuzz_write(resolv, (const uint8_t *)ns, sizeof(ns) - 1) != 0) {
        fail("cannot write the resolver configuration", NULL);
    }
    memset(&fo, 0, sizeof(fo));
    fo.resolv_conf = resolv;
    fo.user_agent = "sigbridge-fuzz/1";
    if ((S.f = sbgw_fetcher_new(&fo, err, sizeof(err))) == NULL) {
        fprintf(stderr, "fuzz_fetch: %s\n", err);
        fail("the fetcher did not start", NULL);
    }
    if (pthread_create(&S.th, NULL, listener_main, NULL) != 0) {
        fail("cannot start the listener thread", NULL);
    }
    S.th_started = 1;
    atexit(teardown);
}

/* The input with every "PORT" replaced by the listener's port (malloc'd; *len set). */
static unsigned char *substitute(const uint8_t *data, size_t size, size_t *len)
{
    char port[16];
    size_t pl = (size_t)snprintf(port, sizeof(port), "%d", S.port), i, n = 0;
    unsigned char *out = malloc(size / 4 * (pl > 4 ? pl : 4) + size + 1);

    if (out == NULL) {
        fail("out of memory", NULL);
    }
    for (i = 0; i < size;) {
        if (size - i >= 4 && memcmp(data + i, "PORT", 4) == 0) {
            memcpy(out + n, port, pl);
            n += pl;
            i += 4;
        } else {
            out[n++] = data[i++];
        }
    }
    *len = n;
    return out;
}

/* Wait until the fetcher has no flight (a fetch whose waiter timed out runs to its own deadline). */
static void wait_fetcher_idle(const struct sbgw_fetch_result *r)
{
    struct sbgw_fetch_stats st;
    double t0 = now_s();

    for (;;) {
        sbgw_fetcher_stats(S.f, &st);
        if (st.in_flight == 0) {
            return;
        }
        if ((now_s() - t0) * 1000.0 > HANG_MS) {
            fail("hang: a flight is still running 3 s after its waiter returned", r);
        }
        usleep(200);
    }
}

static int in_listener_prefix(const char *url)
{
    return url != NULL && (strncmp(url, S.prefix[0], strlen(S.prefix[0])) == 0 ||
                           strncmp(url, S.prefix[1], strlen(S.prefix[1])) == 0);
}

/* ---- one input ----------------------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char body[] = "fuzz OCSP request";
    struct sbgw_fetch_req rq;
    struct sbgw_fetch_result res;
    char key[64], url[128], msg[512], stray[256];
    unsigned char *resp;
    size_t resp_len;
    enum sbgw_fetch_status st;
    double t0, dt;
    int conns, nstray, fd;

    setup();
    resp = substitute(data, size, &resp_len);
    pthread_mutex_lock(&S.mu);
    free(S.resp);
    S.resp = resp;
    S.resp_len = resp_len;
    S.conns = 0;
    S.stray = 0;
    pthread_mutex_unlock(&S.mu);

    S.n++;
    snprintf(key, sizeof(key), "fuzz-%lu", S.n);
    snprintf(url, sizeof(url), "%s%lu", S.prefix[0], S.n);
    memset(&rq, 0, sizeof(rq));
    rq.key = key;
    rq.url = url;
    rq.method = size % 2 ? SBGW_FETCH_POST : SBGW_FETCH_GET;
    if (rq.method == SBGW_FETCH_POST) {
        rq.body = body;
        rq.body_len = sizeof(body) - 1;
        rq.content_type = "application/ocsp-request";
    }
    rq.accept = "application/ocsp-response";
    rq.timeout_ms = TIMEOUT_MS;
    rq.max_bytes = MAX_BYTES;
    rq.allow = S.allow;
    memset(&res, 0, sizeof(res));
    t0 = now_s();
    st = sbgw_fetch(S.f, &rq, &res);
    dt = now_s() - t0;
    wait_fetcher_idle(&res);
    quiesce();
    pthread_mutex_lock(&S.mu);
    conns = S.conns;
    nstray = S.stray;
    snprintf(stray, sizeof(stray), "%s", S.stray_target);
    pthread_mutex_unlock(&S.mu);

    snprintf(msg, sizeof(msg), "HTTP %d, %zu bytes, hops %d, %d connections, %.0f ms: %s", res.http_status, res.len,
             res.hops, conns, dt * 1000.0, res.cause);
    sb_fuzz_debug("fetch", sbgw_fetch_status_name(st), msg);

    if (dt * 1000.0 > TIMEOUT_MS + 1000) {
        fail("hang: the fetch returned more than 1 s after its deadline", &res);
    }
    if (st != res.status || (unsigned)st >= SBGW_FETCH__COUNT || sbgw_fetch_status_name(st)[0] == '\0') {
        fail("the returned status is not res.status, or has no name", &res);
    }
    if (nstray > 0) {
        fprintf(stderr, "fuzz_fetch: the listener saw a request for %s\n", stray);
        fail("a URL outside the allow-list was contacted", &res);
    }
    if (conns > 1 + SBGW_FETCH_MAX_HOPS || res.hops < 0 || res.hops > SBGW_FETCH_MAX_HOPS) {
        fail("more hops or connections than SBGW_FETCH_MAX_HOPS allows", &res);
    }
    switch (st) {
    case SBGW_FETCH_OK:
        if (res.http_status < 200 || res.http_status > 299 || res.body == NULL || res.len > MAX_BYTES ||
            res.len > resp_len || res.cause[0] != '\0' || !in_listener_prefix(res.final_url)) {
            fail("a success without a 2xx status, a body within the cap, an empty cause or an allowed final URL",
                 &res);
        }
        break;
    case SBGW_FETCH_HTTP_STATUS:
        if ((res.http_status >= 200 && res.http_status <= 299) || res.http_status < 100 || res.http_status > 999) {
            fail("HTTP_STATUS with a 2xx (or impossible) status", &res);
        }
        break;
    case SBGW_FETCH_REDIRECT_REFUSED:
        if (res.http_status != 301 && res.http_status != 302 && res.http_status != 303 && res.http_status != 307 &&
            res.http_status != 308) {
            fail("REDIRECT_REFUSED without a redirect status", &res);
        }
        break;
    case SBGW_FETCH_TIMEOUT:
    case SBGW_FETCH_TOO_LARGE:
    case SBGW_FETCH_PROTOCOL:
    case SBGW_FETCH_CONNECT_FAILED:
    case SBGW_FETCH_DNS_FAILED:
        break;
    default:
        fail("a status this fetch cannot have (the first URL is allowed, nothing is https, one flight)", &res);
    }
    if (res.final_url != NULL && strncmp(res.final_url, "http://127.0.0.1:1/", 19) == 0 &&
        st != SBGW_FETCH_CONNECT_FAILED && st != SBGW_FETCH_TIMEOUT) {
        fail("a hop to the closed port did not end CONNECT_FAILED (or TIMEOUT)", &res);
    }
    if (st != SBGW_FETCH_OK && (res.body != NULL || res.len != 0 || res.cause[0] == '\0')) {
        fail("a failure with a body or without a cause", &res);
    }
    sbgw_fetch_result_clear(&res);
    if ((fd = fcntl(S.lfd, F_DUPFD_CLOEXEC, 0)) < 0) {
        fail("cannot probe descriptors", NULL);
    }
    close(fd);
    if (S.first_fd < 0) {
        S.first_fd = fd;
    } else if (fd > S.first_fd + 32) {
        fail("descriptors pile up across inputs (a connection is never closed)", NULL);
    }
    sb_fuzz_end();
    return 0;
}
