/*
 * tests/fuzz/fuzz_http.c — the gateway's HTTP request path (sigbridge's own server: http_listen.c,
 * http_conn.c, http_parse.c, http.c — request line, headers, chunked and sized bodies, limits, routing, the
 * JSON error replies) and the
 * handlers behind it: /v1/verify and /v1/translate on the worker pool, /healthz, /readyz, /metrics,
 * /v1/policies, /admin/reload, and two validating proxy routes to a closed upstream.
 *
 * Once per process a real daemon is started exactly as `sigbridge serve` starts it (sbgw_daemon_open):
 * a generated configuration in the scratch directory (listeners on free loopback ports, 1 worker, small
 * caches and queue, max_body 16 KiB, max_headers 8 KiB, request_timeout_ms 1000, audit log and log at
 * level error in the scratch directory, proxy routes /fz/a/ (hk, attached), /fz/d/ (mo, detached
 * header), /fz/b/ and /fz/t/ (mo, detached header with bind [method, target] / [method, target, date]) to
 * http://127.0.0.1:1), the policy set = copies of SB_FUZZ_POLICIES/{hk,cn,mo,recognition}.yaml
 * (default policies/) next to a link to SB_FUZZ_PKI (default build/pki). Its signal events are dropped
 * (libFuzzer owns SIGINT / SIGTERM / SIGUSR1); it is closed at exit.
 *
 * Each input's connection is one end of an AF_UNIX socket pair handed to the listener with sbgw_http_adopt
 * (the accept callback's own path: connection cap, TLS off, request handling and closing), without TCP
 * ports or TIME_WAIT.
 *
 * Per input: the raw bytes are one client connection. A leading '@' selects the admin listener (and is
 * not sent); anything else goes to the api listener. The client writes every byte, then half-closes
 * (SHUT_WR) once the daemon is idle and the loop has nothing left to do, and reads until the server
 * closes. The loop
 * runs until then AND no request context, worker job, reload, tracked connection or upstream connection
 * is left; an input not over after 3 s is a hang (abort). After MAX_RELOADS reload runs the client shuts
 * its socket and stops (each reload is a full policy load, ~30 ms under ASan: 60 pipelined
 * `POST /admin/reload` took 1.5-2.5 s, a campaign timeout that is proportional work, not a bug); the replies
 * are then checked as far as they came. Checks on the bytes received: every reply
 * starts "HTTP/1.1 NNN "; every reply but 100 Continue carries X-Request-Id; one labelled
 * application/json parses, and an error one is {"error": {"code": STRING, "status": its HTTP status, ...}};
 * no reply uses Transfer-Encoding, none is shorter than its Content-Length; descriptors do not pile up
 * across inputs. SB_FUZZ_DUMP=1 prints the reply bytes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <jansson.h>

#include "fuzz_common.h"
#include "gateway/daemon/lifecycle.h"
#include "gateway/daemon/sbgw.h"
#include "pki/base/load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HANG_SECONDS 3
#define REPLY_KEEP (1024u * 1024u)            /* reply bytes kept for the checks */
#define SCRATCH_FILE_MAX (8L * 1024 * 1024)   /* audit log / log truncated beyond this */
#define SOCKBUF (256 * 1024)
#define MAX_RELOADS 4                         /* reload runs per input before the client is cut off */

/* Harness state: the daemon and the scratch files it writes. */
static struct {
    struct sbgw gw;
    int ready;
    int first_fd;                             /* client descriptor of the first input */
    unsigned char *out;                       /* REPLY_KEEP bytes: the replies of the current input */
    char conf[700], audit[700], log[700];
} H;

struct client {
    evutil_socket_t fd;
    struct event *rd, *wr, *hang;
    const uint8_t *data;
    size_t len, off;
    int wr_done, shut, eof;
    int cut;                                  /* cut off after MAX_RELOADS reloads: replies may be partial */
    unsigned long long reloads0;              /* reload runs before this input */
    unsigned char *out;                       /* the first REPLY_KEEP bytes received (H.out) */
    size_t out_len, total;
};

static void fail(const char *what, const struct client *c)
{
    fprintf(stderr, "fuzz_http: %s (sent %zu of %zu bytes, received %zu, eof %d; requests alive %ld, jobs %ld, "
                    "connections %ld, reload %d)\n", what, c != NULL ? c->off : 0, c != NULL ? c->len : 0,
            c != NULL ? c->total : 0, c != NULL ? c->eof : 0, H.gw.live_reqs, H.gw.pool.outstanding, H.gw.n_conns,
            H.gw.reload.running);
    if (c != NULL && c->out_len > 0) {
        fprintf(stderr, "fuzz_http: reply starts: %.*s\n", (int)(c->out_len < 1200 ? c->out_len : 1200),
                (const char *)c->out);
    }
    abort();
}

/* ---- one-time set-up ---------------------------------------------------------------------------- */

/* Copy SB_FUZZ_POLICIES/{hk,cn,mo,recognition}.yaml into dir; 0 on failure. */
static int copy_policies(const char *dir)
{
    static const char *const names[] = { "hk.yaml", "cn.yaml", "mo.yaml", "recognition.yaml" };
    const char *src = getenv("SB_FUZZ_POLICIES");
    char from[700], to[700];
    unsigned char *buf = NULL;
    size_t len = 0, i;
    int ok = 1;

    for (i = 0; ok && i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(from, sizeof(from), "%s/%s", src != NULL ? src : "policies", names[i]);
        snprintf(to, sizeof(to), "%s/%s", dir, names[i]);
        ok = sb_load_file(from, 1024 * 1024, &buf, &len, NULL) == SB_OK && sb_fuzz_write(to, buf, len) == 0;
        free(buf);
        buf = NULL;
    }
    return ok;
}

/* A loopback port nothing listens on right now (the kernel's pick); 0 on failure. */
static int free_port(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    if (fd < 0) {
        return 0;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && getsockname(fd, (struct sockaddr *)&sin, &sl) == 0) {
        port = ntohs(sin.sin_port);
    }
    close(fd);
    return port;
}

static int write_conf(const char *path, int api_port, int admin_port)
{
    char text[2048];
    int n;

    n = snprintf(text, sizeof(text),
                 "# generated by tests/fuzz/fuzz_http.c\n"
                 "listeners:\n"
                 "  api: {address: 127.0.0.1, port: %d}\n"
                 "  admin: {address: 127.0.0.1, port: %d}\n"
                 "policy_dir: policies\n"
                 "workers: 1\n"
                 "loops: 1\n"               /* the harness runs loop 0 itself */
                 "queue_max: 4\n"
                 "cache: {chains: 8, certificates: 32}\n"
                 "limits: {max_body: 16KiB, max_headers: 8KiB, max_connections: 8, request_timeout_ms: 1000,\n"
                 "         idle_timeout_s: 5, drain_timeout_s: 1}\n"
                 "audit: {path: audit.jsonl, fsync: off, node_id: fuzz}\n"
                 "log: {path: gw.log, level: error}\n"
                 "routes:\n"
                 "  - {name: fz-attached, prefix: /fz/a/, upstream: \"http://127.0.0.1:1\", from: hk, to: cn,\n"
                 "     require: attached, timeout_ms: 500}\n"
                 "  - {name: fz-detached, prefix: /fz/d/, upstream: \"http://127.0.0.1:1\", from: mo,\n"
                 "     require: detached-header, timeout_ms: 500}\n"
                 "  - {name: fz-bound, prefix: /fz/b/, upstream: \"http://127.0.0.1:1\", from: mo,\n"
                 "     require: detached-header, bind: [method, target], timeout_ms: 500}\n"
                 "  - {name: fz-bound-date, prefix: /fz/t/, upstream: \"http://127.0.0.1:1\", from: mo,\n"
                 "     require: detached-header, bind: [method, target, date], max_skew_s: 60, timeout_ms: 500}\n",
                 api_port, admin_port);
    return n > 0 && (size_t)n < sizeof(text) ? sb_fuzz_write(path, (const uint8_t *)text, (size_t)n) : -1;
}

static void teardown(void)
{
    if (H.ready) {
        H.ready = 0;
        sbgw_daemon_close(&H.gw);
    }
    free(H.out);
    H.out = NULL;
}

static void setup(void)
{
    struct sb_diag diag;
    const char *pdir = sb_fuzz_policy_dir(), *dir = sb_fuzz_dir();
    size_t i;
    int attempt, rc = -1;

    if (H.ready) {
        return;
    }
    signal(SIGPIPE, SIG_IGN);
    if ((H.out = malloc(REPLY_KEEP)) == NULL || pdir == NULL || dir == NULL || !copy_policies(pdir) ||
        evthread_use_pthreads() != 0) {
        fail("harness set-up failed (scratch directory, policies or libevent threads)", NULL);
    }
    snprintf(H.conf, sizeof(H.conf), "%s/sigbridge.yaml", dir);
    snprintf(H.audit, sizeof(H.audit), "%s/audit.jsonl", dir);
    snprintf(H.log, sizeof(H.log), "%s/gw.log", dir);
    for (attempt = 0; attempt < 5 && rc != 0; attempt++) {     /* a port taken in between: try others */
        if (write_conf(H.conf, free_port(), free_port()) != 0) {
            fail("cannot write the configuration", NULL);
        }
        sb_diag_init(&diag);
        rc = sbgw_daemon_open(&H.gw, H.conf, 0, &diag);
        for (i = 0; i < diag.n; i++) {
            fprintf(stderr, "fuzz_http: %s\n", diag.msgs[i]);
        }
        sb_diag_clear(&diag);
        if (rc > 0) {
            break;
        }
    }
    if (rc != 0) {
        fail("the daemon did not start (see the messages above and the scratch gw.log)", NULL);
    }
    for (i = 0; i < sizeof(H.gw.sig) / sizeof(H.gw.sig[0]); i++) {
        if (H.gw.sig[i] != NULL) {
            event_free(H.gw.sig[i]);                /* restores libFuzzer's handlers */
            H.gw.sig[i] = NULL;
        }
    }
    H.ready = 1;
    H.first_fd = -1;
    atexit(teardown);
}

/* The daemon appends to these forever: keep them small (O_APPEND writers continue at the new end). */
static void trim_scratch_files(void)
{
    struct stat st;

    if (stat(H.audit, &st) == 0 && st.st_size > SCRATCH_FILE_MAX && truncate(H.audit, 0) != 0) {
        fail("cannot truncate the audit log", NULL);
    }
    if (stat(H.log, &st) == 0 && st.st_size > SCRATCH_FILE_MAX && truncate(H.log, 0) != 0) {
        fail("cannot truncate the log", NULL);
    }
}

/* ---- the client end ----------------------------------------------------------------------------- */

static void client_write(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    ssize_t n;

    (void)what;
    while (c->off < c->len) {
        n = send(fd, c->data + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (n > 0) {
            c->off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!event_pending(c->wr, EV_WRITE, NULL)) {
                event_add(c->wr, NULL);
            }
            return;
        } else {
            break;                      /* EPIPE / ECONNRESET: the server closed; the rest is not sent */
        }
    }
    c->wr_done = 1;
    event_del(c->wr);
}

static void client_read(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    unsigned char buf[16384];
    ssize_t n;

    (void)what;
    for (;;) {
        n = recv(fd, buf, sizeof(buf), 0);
        if (n > 0) {
            if (c->out_len < REPLY_KEEP) {
                size_t take = (size_t)n < REPLY_KEEP - c->out_len ? (size_t)n : REPLY_KEEP - c->out_len;

                memcpy(c->out + c->out_len, buf, take);
                c->out_len += take;
            }
            c->total += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            c->eof = 1;                 /* closed (0) or reset after the server closed with input unread */
            event_del(c->rd);
            if (!c->shut) {             /* as an HTTP client does once the server closed: the server's
                                         * lingering close ends now instead of after its timer */
                shutdown(c->fd, SHUT_WR);
                c->shut = 1;
            }
            return;
        }
    }
}

static void client_hang(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fail("hang: the connection was neither answered nor closed, or work was left behind, within 3 s", arg);
}

/* No request context (but those whose body is still being received), worker job, reload or upstream
 * connection is left. */
static int daemon_idle(void)
{
    const struct sbgw *gw = &H.gw;

    return gw->live_reqs == gw->receiving && gw->pool.outstanding == 0 && !gw->reload.running && gw->reload.waiters == NULL &&
           gw->reload.waiters_next == NULL && gw->loops[0].reap == NULL;
}

/* Reload runs the daemon has finished (ok or failed) since it started. */
static unsigned long long reload_runs(void)
{
    return H.gw.metrics.reloads_ok + H.gw.metrics.reloads_failed;
}

/* Everything this input started is over: the server closed the connection and forgot it. */
static int finished(const struct client *c)
{
    return c->eof && daemon_idle() && H.gw.live_reqs == 0 && H.gw.n_conns == 0;
}

/* Run the loop until finished. The client half-closes only once the server has taken in everything it
 * will (all bytes sent, the daemon idle but for a body still awaited, two non-blocking loop passes with no
 * event left active), so every pipelined request is served before the EOF. */
static void run(struct client *c)
{
    struct event_base *base = H.gw.base;
    int quiet = 0;

    while (!finished(c)) {
        if (!c->cut && reload_runs() - c->reloads0 >= MAX_RELOADS) {
            /* each reload is a full policy load (~30 ms under ASan): a pipeline of them is legitimate,
             * proportional work, not what the one-second budget is for. Stop sending and reading; the
             * daemon sees the connection go and drops what is still pipelined. */
            c->cut = c->wr_done = c->shut = c->eof = 1;
            event_del(c->wr);
            event_del(c->rd);
            shutdown(c->fd, SHUT_RDWR);
        }
        if (!c->shut && !c->eof && c->wr_done && daemon_idle()) {
            if (event_base_loop(base, EVLOOP_NONBLOCK) < 0) {
                fail("event loop error", c);
            }
            if (event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) == 0 && daemon_idle()) {
                quiet++;
            } else {
                quiet = 0;
            }
            if (quiet >= 2) {
                shutdown(c->fd, SHUT_WR);
                c->shut = 1;
            }
            continue;
        }
        quiet = 0;
        if (event_base_loop(base, EVLOOP_ONCE) < 0) {
            fail("event loop error", c);
        }
    }
}

/* ---- checks on the reply bytes ------------------------------------------------------------------ */

static const unsigned char *find_crlfcrlf(const unsigned char *p, const unsigned char *end)
{
    for (; end - p >= 4; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == '\r' && p[3] == '\n') {
            return p;
        }
    }
    return NULL;
}

/* The value of header name in the block [p, end) (lines "Name: value\r\n"), copied into out; 0 if absent. */
static int header_value(const unsigned char *p, const unsigned char *end, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);

    while (p < end) {
        const unsigned char *eol = p;
        size_t vl;

        while (eol < end && *eol != '\r') {
            eol++;
        }
        if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp((const char *)p, name, nl) == 0) {
            p += nl + 1;
            while (p < eol && (*p == ' ' || *p == '\t')) {
                p++;
            }
            vl = (size_t)(eol - p) < len - 1 ? (size_t)(eol - p) : len - 1;
            memcpy(out, p, vl);
            out[vl] = '\0';
            return 1;
        }
        p = eol + 2;
    }
    return 0;
}

/* A JSON reply of sigbridge's: parses; an error status carries {"error": {"code", "status" = status}}. */
static void check_json(const struct client *c, const unsigned char *body, size_t len, int status)
{
    json_error_t je;
    json_t *o = json_loadb((const char *)body, len, 0, &je), *e, *code, *st;

    if (o == NULL) {
        fail("a JSON reply does not parse", c);
    }
    if (status >= 400) {
        e = json_object_get(o, "error");
        code = json_object_get(e, "code");
        st = json_object_get(e, "status");
        if (!json_is_object(e) || !json_is_string(code) || json_string_length(code) == 0 || !json_is_integer(st) ||
            json_integer_value(st) != status) {
            fail("an error reply is not {\"error\": {\"code\", \"status\" = the HTTP status}}", c);
        }
    }
    json_decref(o);
}

/* An optionally signed number of 1-3 digits at *q (the "%d" of a char); 0 if there is none. */
static int version_number(const unsigned char **q, const unsigned char *end)
{
    const unsigned char *s = *q;
    int n = 0;

    if (s < end && *s == '-') {
        s++;
    }
    while (s < end && isdigit(*s) && n < 4) {
        s++;
        n++;
    }
    if (n == 0 || n > 3) {
        return 0;
    }
    *q = s;
    return 1;
}

/* The status of the status line "HTTP/M.N SSS ..." at p,
 * with *std = 1 for HTTP/1.0 and HTTP/1.1; 0 if the line is malformed or cut short. */
static int status_line(const unsigned char *p, const unsigned char *end, int *std)
{
    const unsigned char *q = p + 5;

    if (end - p < 5 || memcmp(p, "HTTP/", 5) != 0 || !version_number(&q, end) || q >= end || *q++ != '.' ||
        !version_number(&q, end) || end - q < 5 || q[0] != ' ' || !isdigit(q[1]) || !isdigit(q[2]) ||
        !isdigit(q[3]) || (q[4] != ' ' && q[4] != '\r')) {
        return 0;
    }
    *std = q - p == 8 && p[5] == '1' && (p[7] == '0' || p[7] == '1');
    return (q[1] - '0') * 100 + (q[2] - '0') * 10 + (q[3] - '0');
}

/* Walk the replies; returns the first status (0 if nothing was received). */
static int check_replies(const struct client *c)
{
    const unsigned char *p = c->out, *end = c->out + c->out_len, *hdr, *hend, *body;
    char cl[32], ct[128], rid[SBGW_REQ_ID_MAX + 2], te[64];
    int first = 0, status, std = 0, partial = c->total > c->out_len || c->cut;
    size_t blen;

    while (p < end) {
        if ((status = status_line(p, end, &std)) == 0) {
            if (partial && end - p < 32) {
                break;                      /* cut by REPLY_KEEP or MAX_RELOADS */
            }
            fail("a reply does not start with \"HTTP/M.N NNN \"", c);
        }
        if (first == 0) {
            first = status;
        }
        if (!std || p[5] != '1' || p[7] != '1') {
            fail("a reply's status line is not HTTP/1.1", c);
        }
        if ((hend = find_crlfcrlf(p, end)) == NULL) {
            if (partial) {
                break;
            }
            fail("a reply's header block is not terminated", c);
        }
        hdr = p;
        while (hdr < hend && *hdr != '\n') {
            hdr++;
        }
        hdr++;                              /* the header lines, after the status line */
        body = hend + 4;
        if (status == 100) {
            p = body;                       /* an interim reply: headers only */
            continue;
        }
        if (!header_value(hdr, hend + 2, "X-Request-Id", rid, sizeof(rid))) {
            fail("a reply without X-Request-Id", c);
        }
        if (header_value(hdr, hend + 2, "Transfer-Encoding", te, sizeof(te))) {
            fail("a reply uses Transfer-Encoding (never sent by sigbridge)", c);
        }
        blen = 0;
        if (status >= 200 && status != 204 && status != 304 && body < end &&
            !((size_t)(end - body) >= 5 && memcmp(body, "HTTP/", 5) == 0)) {      /* HEAD: headers only */
            if (header_value(hdr, hend + 2, "Content-Length", cl, sizeof(cl))) {
                blen = strtoul(cl, NULL, 10);
            } else {
                blen = (size_t)(end - body);    /* delimited by the close */
            }
            if (blen > (size_t)(end - body)) {
                if (partial) {
                    break;
                }
                fail("a reply is shorter than its Content-Length", c);
            }
        }
        if (blen > 0 && header_value(hdr, hend + 2, "X-Request-Id", rid, sizeof(rid)) &&
            header_value(hdr, hend + 2, "Content-Type", ct, sizeof(ct)) &&
            strncasecmp(ct, "application/json", 16) == 0) {
            check_json(c, body, blen, status);
        }
        p = body + blen;
    }
    return first;
}

/* ---- one input ------------------------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum sbgw_listener_kind k = SBGW_L_API;
    struct event_base *base;
    struct client c;
    struct timeval hang = { HANG_SECONDS, 0 };
    char what[64], msg[128];
    int fd, pair[2], sz = SOCKBUF, status;

    setup();
    base = H.gw.base;
    if (size > 0 && data[0] == '@') {
        k = SBGW_L_ADMIN;
        data++;
        size--;
    }
    memset(&c, 0, sizeof(c));
    c.data = data;
    c.len = size;
    c.out = H.out;
    c.reloads0 = reload_runs();
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
        fail("cannot make the client socket", NULL);
    }
    fd = pair[0];
    if (H.first_fd < 0) {
        H.first_fd = fd;
    } else if (fd > H.first_fd + 32) {
        fail("descriptors pile up across inputs (a connection or file is never closed)", NULL);
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    if (sbgw_http_adopt(&H.gw, k, pair[1]) != 0) {
        fail("the listener did not take the connection", NULL);
    }
    c.fd = fd;
    if ((c.rd = event_new(base, fd, EV_READ | EV_PERSIST, client_read, &c)) == NULL ||
        (c.wr = event_new(base, fd, EV_WRITE | EV_PERSIST, client_write, &c)) == NULL ||
        (c.hang = evtimer_new(base, client_hang, &c)) == NULL) {
        fail("out of memory", NULL);
    }
    event_add(c.rd, NULL);
    evtimer_add(c.hang, &hang);
    client_write(fd, EV_WRITE, &c);
    run(&c);
    event_free(c.rd);
    event_free(c.wr);
    event_free(c.hang);
    close(fd);
    if (getenv("SB_FUZZ_DUMP") != NULL) {
        fwrite(c.out, 1, c.out_len, stderr);
    }
    status = check_replies(&c);
    snprintf(what, sizeof(what), "%s listener", k == SBGW_L_API ? "api" : "admin");
    snprintf(msg, sizeof(msg), "first status %d, %zu bytes received, %zu of %zu sent", status, c.total, c.off, c.len);
    sb_fuzz_debug(what, status == 0 ? "no reply" : "reply", msg);
    trim_scratch_files();
    sb_fuzz_end();
    return 0;
}
