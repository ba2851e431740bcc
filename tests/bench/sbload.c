/*
 * tests/bench/sbload.c — open-loop HTTP/1.1 keep-alive load generator for `make bench-latency` and
 * `make bench-soak`. Timing only; never a test.
 *
 * Why not wrk: wrk is closed-loop, so a slow response delays the next request and the delay is never
 * measured (coordinated omission). Here request k has an *intended* send time t0 + k/RATE fixed in
 * advance; its latency runs from that time to the last byte of the response, so time spent waiting in
 * the client's queue for a free connection counts. With --rate 0 the tool is closed-loop instead (each
 * connection sends its next request as soon as the previous answer arrives; the intended time is the
 * send time): that measures saturation throughput.
 *
 * One thread, epoll + a timerfd for the schedule, plain non-blocking sockets, one request in flight per
 * connection (no pipelining). Responses are parsed properly: status line, headers, Content-Length (or
 * the body runs to EOF when there is none); "Connection: close" (or HTTP/1.0 without keep-alive) closes
 * the connection after the response and the next request reconnects. Chunked replies are not supported
 * (the gateway always sends Content-Length) and count as errors.
 *
 * Usage: sbload --url http://HOST:PORT/PATH?QUERY [--rate R] [--connections C] [--duration S]
 *               [--body FILE | --bodies FILE] [--content-type TYPE] [--expect STRING] [--drain S]
 *   --rate R         requests/s on a fixed schedule; 0 = closed loop, as fast as possible (default 0)
 *   --connections C  keep-alive connections (default 4)
 *   --duration S     seconds of scheduled requests (default 10)
 *   --body FILE      one request body (POST); without --body/--bodies the requests are GETs
 *   --bodies FILE    length-prefixed bodies (4-byte big-endian length + bytes, repeated); requests cycle
 *                    through them in order
 *   --content-type   Content-Type of the bodies (default application/octet-stream)
 *   --expect STRING  count 2xx responses whose body lacks STRING in "body_mismatch" (the first 3 are
 *                    printed on stderr)
 *   --drain S        after the schedule ends, how long requests still queued or in flight may take
 *                    (default 10); what is left then is "unfinished"
 * Output: one JSON line on stdout:
 *   sent          requests written to a connection        scheduled   requests the schedule called for
 *   completed     responses received (any status)         status_2xx / status_other  by HTTP status
 *   errors        connect/IO/parse failures of a request  unfinished  scheduled - completed - errors
 *   body_mismatch 2xx without --expect's STRING           bodies / distinct_bodies  in the file / sent
 *   rate_target, rate_achieved (completed / seconds from start to the last response), seconds
 *   p50_ms p90_ms p99_ms p999_ms max_ms  latency from the intended send time (1 µs histogram to 10 s;
 *                                        beyond, the percentiles saturate at 10000 ms; max is exact)
 *   over_100ms    responses slower than 100 ms (errors not included)
 * Exit status 0 when the run happened (whatever the server answered), 1 on a usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define HIST_US 10000000u        /* 1 µs buckets up to 10 s; one overflow bucket after */
#define MAX_CONNS 4096
#define TIMER_TAG UINT64_MAX

enum conn_state { C_DOWN, C_FREE, C_CONNECTING, C_BUSY };

struct body {
    const unsigned char *p;
    size_t len;
};

struct conn {
    int fd;
    enum conn_state state;
    uint32_t events;             /* epoll interest currently registered */
    int64_t intended_ns;         /* of the request in flight */
    uint64_t seq;                /* its number (body seq % nbodies) */
    char hdr[1024];
    size_t hdr_len;
    const struct body *body;
    size_t written;              /* bytes of hdr + body written */
    char *rbuf;
    size_t rlen, rcap;
    size_t head_len;             /* 0 until the response head is complete */
    long long clen;              /* body length; -1 = until EOF */
    int status;
    int close_after;
};

struct load {
    /* options */
    char host[256], port[16], target[2048], content_type[128];
    const char *expect;
    int post;                    /* a body was given: POST, else GET */
    double rate, duration, drain;
    int nconns;
    /* request bodies */
    unsigned char *map;
    size_t map_len;
    struct body *bodies;
    size_t nbodies;
    /* connections */
    struct addrinfo *ai;
    struct conn *conns;
    int *free_stack;
    int nfree, nbusy;
    int ep, tfd;
    /* schedule */
    int64_t t0, t_end, deadline, t_last;
    uint64_t n_total;            /* open loop: requests in the schedule */
    uint64_t scheduled, dispatched;
    /* results */
    uint32_t *hist;
    uint64_t completed, s2xx, sother, errors, mismatch, over100;
    int64_t max_ns;
    int warned_chunked, warned_io;
};

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(void)
{
    fprintf(stderr, "usage: sbload --url http://HOST:PORT/PATH [--rate R] [--connections C] [--duration S]\n"
                    "              [--body FILE | --bodies FILE] [--content-type TYPE] [--expect STRING]"
                    " [--drain S]\n");
}

/* ---- setup ---------------------------------------------------------------------------------- */

static int parse_url(struct load *L, const char *url)
{
    const char *p, *hend, *slash;
    size_t hl;

    if (strncmp(url, "http://", 7) != 0) {
        fprintf(stderr, "sbload: only http:// URLs are supported: %s\n", url);
        return -1;
    }
    p = url + 7;
    slash = strchr(p, '/');
    hend = slash != NULL ? slash : p + strlen(p);
    snprintf(L->target, sizeof(L->target), "%s", slash != NULL ? slash : "/");
    snprintf(L->port, sizeof(L->port), "80");
    if (*p == '[') {                                   /* [IPv6]:port */
        const char *rb = memchr(p, ']', (size_t)(hend - p));

        if (rb == NULL || (size_t)(rb - p - 1) >= sizeof(L->host)) {
            goto bad;
        }
        memcpy(L->host, p + 1, (size_t)(rb - p - 1));
        L->host[rb - p - 1] = '\0';
        p = rb + 1;
    } else {
        const char *colon = memchr(p, ':', (size_t)(hend - p));
        const char *e = colon != NULL ? colon : hend;

        hl = (size_t)(e - p);
        if (hl == 0 || hl >= sizeof(L->host)) {
            goto bad;
        }
        memcpy(L->host, p, hl);
        L->host[hl] = '\0';
        p = e;
    }
    if (p < hend) {
        if (*p != ':' || hend - p < 2 || (size_t)(hend - p - 1) >= sizeof(L->port)) {
            goto bad;
        }
        memcpy(L->port, p + 1, (size_t)(hend - p - 1));
        L->port[hend - p - 1] = '\0';
    }
    return 0;
bad:
    fprintf(stderr, "sbload: cannot parse the URL %s\n", url);
    return -1;
}

/* Maps FILE; with prefixed != 0 splits it into length-prefixed bodies, else one body. */
static int load_bodies(struct load *L, const char *path, int prefixed)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    size_t off = 0, n = 0, cap = 0;

    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "sbload: cannot open %s: %s\n", path, strerror(errno));
        goto err;
    }
    L->map_len = (size_t)st.st_size;
    if (L->map_len > 0) {
        L->map = mmap(NULL, L->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (L->map == MAP_FAILED) {
            L->map = NULL;
            fprintf(stderr, "sbload: cannot map %s: %s\n", path, strerror(errno));
            goto err;
        }
    }
    close(fd);
    fd = -1;
    if (!prefixed) {
        if ((L->bodies = calloc(1, sizeof(*L->bodies))) == NULL) {
            goto err;
        }
        L->bodies[0].p = L->map;
        L->bodies[0].len = L->map_len;
        L->nbodies = 1;
        return 0;
    }
    while (off < L->map_len) {
        const unsigned char *h = L->map + off;
        size_t len;

        if (L->map_len - off < 4) {
            goto trunc;
        }
        len = ((size_t)h[0] << 24) | ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | (size_t)h[3];
        if (L->map_len - off - 4 < len) {
            goto trunc;
        }
        if (n == cap) {
            struct body *nb;

            cap = cap != 0 ? cap * 2 : 1024;
            if ((nb = realloc(L->bodies, cap * sizeof(*nb))) == NULL) {
                goto err;
            }
            L->bodies = nb;
        }
        L->bodies[n].p = h + 4;
        L->bodies[n].len = len;
        n++;
        off += 4 + len;
    }
    if (n == 0) {
        fprintf(stderr, "sbload: %s holds no bodies\n", path);
        goto err;
    }
    L->nbodies = n;
    return 0;
trunc:
    fprintf(stderr, "sbload: %s: truncated length-prefixed body at offset %zu\n", path, off);
err:
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int new_socket(const struct load *L)
{
    int fd = socket(L->ai->ai_family, L->ai->ai_socktype | SOCK_CLOEXEC, L->ai->ai_protocol);
    int one = 1;

    if (fd >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
}

/* ---- connections ---------------------------------------------------------------------------- */

static int conn_watch(struct load *L, struct conn *c, uint32_t events)
{
    struct epoll_event ev;

    if (c->events == events) {
        return 0;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.u64 = (uint64_t)(c - L->conns);
    if (epoll_ctl(L->ep, c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev) != 0) {
        return -1;
    }
    c->events = events;
    return 0;
}

/* A request is over on c (answered or failed): c goes back on the free stack. Idle connections are
 * already on it. */
static void conn_release(struct load *L, struct conn *c)
{
    int busy = c->state == C_BUSY || c->state == C_CONNECTING;

    c->state = c->fd >= 0 ? C_FREE : C_DOWN;
    c->rlen = 0;
    c->head_len = 0;
    if (busy) {
        L->nbusy--;
        L->free_stack[L->nfree++] = (int)(c - L->conns);
    }
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0) {
        close(c->fd);          /* also leaves the epoll set */
    }
    c->fd = -1;
    c->events = 0;
}

static void record(struct load *L, const struct conn *c, int64_t t)
{
    int64_t lat = t - c->intended_ns;
    uint64_t us;

    if (lat < 0) {
        lat = 0;
    }
    us = (uint64_t)lat / 1000;
    L->hist[us < HIST_US ? us : HIST_US]++;
    if (lat > L->max_ns) {
        L->max_ns = lat;
    }
    if (lat > 100000000) {
        L->over100++;
    }
    L->completed++;
    if (c->status >= 200 && c->status < 300) {
        L->s2xx++;
    } else {
        L->sother++;
    }
    L->t_last = t;
}

/* The request in flight on c failed: count it, drop the connection. */
static void conn_fail(struct load *L, struct conn *c, const char *what, int e)
{
    if (L->warned_io < 5) {
        fprintf(stderr, "sbload: connection %d: %s%s%s\n", (int)(c - L->conns), what, e != 0 ? ": " : "",
                e != 0 ? strerror(e) : "");
        L->warned_io++;
    }
    if (c->state == C_BUSY || c->state == C_CONNECTING) {
        L->errors++;
    }
    conn_close(c);
    conn_release(L, c);
}

static void try_write(struct load *L, struct conn *c)
{
    size_t total = c->hdr_len + c->body->len;

    while (c->written < total) {
        struct iovec iov[2];
        int n = 0;
        ssize_t w;

        if (c->written < c->hdr_len) {
            iov[n].iov_base = c->hdr + c->written;
            iov[n].iov_len = c->hdr_len - c->written;
            n++;
            if (c->body->len > 0) {
                iov[n].iov_base = (void *)c->body->p;
                iov[n].iov_len = c->body->len;
                n++;
            }
        } else {
            iov[n].iov_base = (void *)(c->body->p + (c->written - c->hdr_len));
            iov[n].iov_len = total - c->written;
            n++;
        }
        w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (conn_watch(L, c, EPOLLIN | EPOLLOUT) != 0) {
                    conn_fail(L, c, "epoll_ctl", errno);
                }
                return;
            }
            conn_fail(L, c, "write", errno);
            return;
        }
        c->written += (size_t)w;
    }
    if (conn_watch(L, c, EPOLLIN) != 0) {
        conn_fail(L, c, "epoll_ctl", errno);
    }
}

/* Sends request seq (intended at t_int) on a free connection, reconnecting it when it is down. */
static void dispatch(struct load *L, uint64_t seq, int64_t t_int)
{
    struct conn *c = &L->conns[L->free_stack[--L->nfree]];
    const struct body *b = &L->bodies[seq % L->nbodies];
    int n;

    L->dispatched++;
    L->nbusy++;
    c->intended_ns = t_int;
    c->seq = seq;
    c->body = b;
    c->written = 0;
    c->rlen = 0;
    c->head_len = 0;
    if (L->post) {
        n = snprintf(c->hdr, sizeof(c->hdr),
                     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: sbload\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     L->target, L->host, L->port, L->content_type, b->len);
    } else {
        n = snprintf(c->hdr, sizeof(c->hdr), "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: sbload\r\n\r\n",
                     L->target, L->host, L->port);
    }
    c->hdr_len = (size_t)n;
    if (c->fd < 0) {
        c->state = C_CONNECTING;
        if ((c->fd = new_socket(L)) < 0 || set_nonblock(c->fd) != 0) {
            conn_fail(L, c, "socket", errno);
            return;
        }
        if (connect(c->fd, L->ai->ai_addr, L->ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            conn_fail(L, c, "connect", errno);
            return;
        }
        if (conn_watch(L, c, EPOLLOUT) != 0) {
            conn_fail(L, c, "epoll_ctl", errno);
        }
        return;
    }
    c->state = C_BUSY;
    try_write(L, c);
}

/* ---- response parsing ----------------------------------------------------------------------- */

static const char *find_crlf2(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i + 3 < n; i++) {
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
            return p + i;
        }
    }
    return NULL;
}

static int has_token(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok), i;

    for (i = 0; i + tl <= n; i++) {
        if (strncasecmp(v + i, tok, tl) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Parses the head in c->rbuf: 0 incomplete, 1 done, -1 malformed. */
static int parse_head(struct load *L, struct conn *c)
{
    const char *buf = c->rbuf, *end = find_crlf2(c->rbuf, c->rlen), *line, *eol;
    int minor, chunked = 0, keepalive = 0;

    if (end == NULL) {
        return c->rlen > 65536 ? -1 : 0;
    }
    c->head_len = (size_t)(end - buf) + 4;
    /* "HTTP/1.x SSS" then a space or the end of the line (the buffer is not NUL-terminated) */
    if (c->head_len < 16 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[7] < '0' || buf[7] > '9' || buf[8] != ' ' ||
        buf[9] < '1' || buf[9] > '9' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9' ||
        (buf[12] != ' ' && buf[12] != '\r')) {
        return -1;
    }
    c->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    minor = buf[7] - '0';
    c->clen = -1;
    eol = memchr(buf, '\r', (size_t)(end - buf) + 1);
    for (line = eol + 2; line < end + 2; line = eol + 2) {
        const char *colon, *v;
        size_t vn;

        eol = memchr(line, '\r', (size_t)(end + 2 - line));
        if (eol == NULL || eol == line) {
            break;
        }
        if ((colon = memchr(line, ':', (size_t)(eol - line))) == NULL) {
            return -1;
        }
        for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++) {
        }
        vn = (size_t)(eol - v);
        if ((size_t)(colon - line) == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            long long n = 0;
            const char *d;

            for (d = v; d < eol && *d >= '0' && *d <= '9' && n < 1000000000000LL; d++) {
                n = n * 10 + (*d - '0');
            }
            for (; d < eol && (*d == ' ' || *d == '\t'); d++) {
            }
            if (d == v || d != eol) {
                return -1;
            }
            c->clen = n;
        } else if ((size_t)(colon - line) == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
            chunked = has_token(v, vn, "chunked");
        } else if ((size_t)(colon - line) == 10 && strncasecmp(line, "Connection", 10) == 0) {
            if (has_token(v, vn, "close")) {
                c->close_after = 1;
            }
            keepalive = has_token(v, vn, "keep-alive");
        }
    }
    if (minor == 0 && !keepalive) {
        c->close_after = 1;
    }
    if (chunked) {
        if (!L->warned_chunked) {
            fprintf(stderr, "sbload: chunked responses are not supported\n");
            L->warned_chunked = 1;
        }
        return -1;
    }
    if (c->status < 200 || c->status == 204 || c->status == 304) {
        if (c->status < 200) {
            return -1;                 /* no Expect: 100-continue is ever sent */
        }
        c->clen = 0;
    }
    if (c->clen < 0) {
        c->close_after = 1;            /* the body runs to EOF */
    }
    return 1;
}

static int body_has(const struct conn *c, const char *s)
{
    size_t sl = strlen(s), i, n = c->rlen - c->head_len;
    const char *b = c->rbuf + c->head_len;

    for (i = 0; i + sl <= n; i++) {
        if (memcmp(b + i, s, sl) == 0) {
            return 1;
        }
    }
    return 0;
}

static void complete(struct load *L, struct conn *c, int64_t t)
{
    record(L, c, t);
    if (L->expect != NULL && c->status >= 200 && c->status < 300 && !body_has(c, L->expect)) {
        if (L->mismatch < 3) {
            size_t n = c->rlen - c->head_len;

            fprintf(stderr, "sbload: body without the --expect string (request %llu): %.*s%s\n",
                    (unsigned long long)c->seq, (int)(n < 400 ? n : 400), c->rbuf + c->head_len,
                    n > 400 ? "..." : "");
        }
        L->mismatch++;
    }
    if (c->close_after) {
        conn_close(c);
    }
    conn_release(L, c);
}

static void on_readable(struct load *L, struct conn *c)
{
    int eof = 0;

    for (;;) {
        ssize_t r;

        if (c->rcap - c->rlen < 4096) {
            size_t nc = c->rcap * 2;
            char *nb = realloc(c->rbuf, nc);

            if (nb == NULL) {
                conn_fail(L, c, "out of memory", 0);
                return;
            }
            c->rbuf = nb;
            c->rcap = nc;
        }
        r = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
        if (r > 0) {
            c->rlen += (size_t)r;
            continue;
        }
        if (r == 0) {
            eof = 1;
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        }
        conn_fail(L, c, "read", errno);
        return;
    }
    if (c->state != C_BUSY) {
        /* An idle keep-alive connection: the server may close it; anything else is a protocol error. */
        if (c->rlen > 0 && L->warned_io < 5) {
            fprintf(stderr, "sbload: %zu unexpected bytes on an idle connection\n", c->rlen);
            L->warned_io++;
        }
        if (eof || c->rlen > 0) {
            conn_close(c);
            c->state = C_DOWN;
            c->rlen = 0;
        }
        return;
    }
    if (c->head_len == 0) {
        int h;

        c->close_after = 0;
        h = parse_head(L, c);
        if (h < 0) {
            conn_fail(L, c, "malformed response", 0);
            return;
        }
        if (h == 0) {
            if (eof) {
                conn_fail(L, c, "connection closed before the response", 0);
            }
            return;
        }
    }
    if (c->clen >= 0) {
        size_t want = c->head_len + (size_t)c->clen;

        if (c->rlen > want) {
            conn_fail(L, c, "bytes after the response", 0);
            return;
        }
        if (c->rlen == want) {
            complete(L, c, now_ns());
            return;
        }
        if (eof) {
            conn_fail(L, c, "connection closed inside the response body", 0);
        }
        return;
    }
    if (eof) {
        complete(L, c, now_ns());  /* the body ran to EOF */
    }
}

static void on_event(struct load *L, struct conn *c, uint32_t ev)
{
    if (c->state == C_CONNECTING) {
        int e = 0;
        socklen_t el = sizeof(e);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0) {
            e = errno;
        }
        if (e != 0) {
            conn_fail(L, c, "connect", e);
            return;
        }
        c->state = C_BUSY;
        try_write(L, c);
        return;
    }
    if (c->state == C_BUSY && (ev & EPOLLOUT) != 0 && c->written < c->hdr_len + c->body->len) {
        try_write(L, c);
        if (c->state != C_BUSY) {
            return;
        }
    }
    if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
        on_readable(L, c);
    }
}

/* ---- schedule ------------------------------------------------------------------------------- */

static int64_t intended(const struct load *L, uint64_t seq)
{
    return L->t0 + (int64_t)((double)seq * 1e9 / L->rate);
}

static void arm_timer(struct load *L)
{
    struct itimerspec its;
    int64_t t;

    memset(&its, 0, sizeof(its));
    if (L->scheduled < L->n_total) {
        t = intended(L, L->scheduled);
        its.it_value.tv_sec = t / 1000000000;
        its.it_value.tv_nsec = t % 1000000000;
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) {
            its.it_value.tv_nsec = 1;
        }
    }
    timerfd_settime(L->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Moves the due requests into the queue and sends queued ones while connections are free. */
static void pump(struct load *L, int64_t t)
{
    if (L->rate > 0.0) {
        while (L->scheduled < L->n_total && intended(L, L->scheduled) <= t) {
            L->scheduled++;
        }
        while (L->dispatched < L->scheduled && L->nfree > 0) {
            dispatch(L, L->dispatched, intended(L, L->dispatched));
        }
        return;
    }
    /* at most one round over the connections: a request that fails at once frees its connection again */
    for (int k = 0; t < L->t_end && L->nfree > 0 && k < L->nconns; k++) {
        L->scheduled++;
        dispatch(L, L->dispatched, t);
    }
}

static int finished(const struct load *L, int64_t t)
{
    if (t >= L->deadline) {
        return 1;
    }
    if (L->nbusy > 0) {
        return 0;
    }
    if (L->rate > 0.0) {
        return L->scheduled == L->n_total && L->dispatched == L->scheduled;
    }
    return t >= L->t_end;
}

static double pct(const struct load *L, double q)
{
    uint64_t rank, acc = 0;
    uint32_t i;

    if (L->completed == 0) {
        return 0.0;
    }
    rank = (uint64_t)(q * (double)L->completed + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    for (i = 0; i <= HIST_US; i++) {
        acc += L->hist[i];
        if (acc >= rank) {
            return (double)i / 1000.0;
        }
    }
    return (double)HIST_US / 1000.0;
}

static int run(struct load *L)
{
    struct epoll_event evs[256], tev;
    int64_t t;
    int i;

    L->ep = epoll_create1(EPOLL_CLOEXEC);
    L->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (L->ep < 0 || L->tfd < 0) {
        fprintf(stderr, "sbload: epoll/timerfd: %s\n", strerror(errno));
        return -1;
    }
    memset(&tev, 0, sizeof(tev));
    tev.events = EPOLLIN;
    tev.data.u64 = TIMER_TAG;
    if (epoll_ctl(L->ep, EPOLL_CTL_ADD, L->tfd, &tev) != 0) {
        return -1;
    }
    /* Connect every connection before the clock starts (blocking; then non-blocking). */
    for (i = 0; i < L->nconns; i++) {
        struct conn *c = &L->conns[i];

        c->fd = new_socket(L);
        if (c->fd < 0 || connect(c->fd, L->ai->ai_addr, L->ai->ai_addrlen) != 0 || set_nonblock(c->fd) != 0 ||
            conn_watch(L, c, EPOLLIN) != 0) {
            fprintf(stderr, "sbload: cannot connect to %s:%s: %s\n", L->host, L->port, strerror(errno));
            return -1;
        }
        c->state = C_FREE;
        L->free_stack[L->nfree++] = i;
    }
    L->t0 = now_ns();
    L->t_end = L->t0 + (int64_t)(L->duration * 1e9);
    L->deadline = L->t_end + (int64_t)(L->drain * 1e9);
    L->t_last = L->t0;
    if (L->rate > 0.0) {
        double n = L->duration * L->rate;

        L->n_total = n < 1.0 ? 1 : (uint64_t)n;
    }
    pump(L, L->t0);
    if (L->rate > 0.0) {
        arm_timer(L);
    }
    while (!finished(L, t = now_ns())) {
        int64_t wait_ms = (L->deadline - t) / 1000000 + 1;
        int n = epoll_wait(L->ep, evs, 256, (int)(wait_ms > 1000 ? 1000 : wait_ms));

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "sbload: epoll_wait: %s\n", strerror(errno));
            return -1;
        }
        for (i = 0; i < n; i++) {
            if (evs[i].data.u64 == TIMER_TAG) {
                uint64_t exp;

                if (read(L->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN) {
                    return -1;
                }
                continue;
            }
            on_event(L, &L->conns[evs[i].data.u64], evs[i].events);
        }
        t = now_ns();
        pump(L, t);
        if (L->rate > 0.0) {
            arm_timer(L);
        }
    }
    return 0;
}

static void report(const struct load *L)
{
    double secs = (double)(L->t_last - L->t0) / 1e9;
    uint64_t distinct = L->dispatched < L->nbodies ? L->dispatched : L->nbodies;

    printf("{\"sent\":%llu,\"scheduled\":%llu,\"completed\":%llu,\"status_2xx\":%llu,\"status_other\":%llu,"
           "\"errors\":%llu,\"unfinished\":%llu,\"body_mismatch\":%llu,\"bodies\":%zu,\"distinct_bodies\":%llu,"
           "\"connections\":%d,\"rate_target\":%.1f,\"rate_achieved\":%.1f,\"seconds\":%.3f,"
           "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"over_100ms\":%llu}\n",
           (unsigned long long)L->dispatched, (unsigned long long)L->scheduled, (unsigned long long)L->completed,
           (unsigned long long)L->s2xx, (unsigned long long)L->sother, (unsigned long long)L->errors,
           (unsigned long long)(L->scheduled - L->completed - L->errors), (unsigned long long)L->mismatch,
           L->nbodies, (unsigned long long)distinct, L->nconns, L->rate,
           secs > 0.0 ? (double)L->completed / secs : 0.0, secs, pct(L, 0.50), pct(L, 0.90), pct(L, 0.99),
           pct(L, 0.999), (double)L->max_ns / 1e6, (unsigned long long)L->over100);
}

int main(int argc, char **argv)
{
    struct load L;
    struct addrinfo hints;
    const char *url = NULL, *body = NULL, *bodies = NULL;
    int i, g, rc = 1;

    memset(&L, 0, sizeof(L));
    L.nconns = 4;
    L.duration = 10.0;
    L.drain = 10.0;
    L.ep = L.tfd = -1;
    snprintf(L.content_type, sizeof(L.content_type), "application/octet-stream");
    for (i = 1; i < argc; i += 2) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *e = NULL;

        if (v == NULL) {
            usage();
            return 1;
        }
        if (strcmp(o, "--url") == 0) {
            url = v;
        } else if (strcmp(o, "--rate") == 0) {
            L.rate = strtod(v, &e);
        } else if (strcmp(o, "--connections") == 0) {
            L.nconns = (int)strtol(v, &e, 10);
        } else if (strcmp(o, "--duration") == 0) {
            L.duration = strtod(v, &e);
        } else if (strcmp(o, "--drain") == 0) {
            L.drain = strtod(v, &e);
        } else if (strcmp(o, "--body") == 0) {
            body = v;
        } else if (strcmp(o, "--bodies") == 0) {
            bodies = v;
        } else if (strcmp(o, "--content-type") == 0) {
            snprintf(L.content_type, sizeof(L.content_type), "%s", v);
        } else if (strcmp(o, "--expect") == 0) {
            L.expect = v;
        } else {
            usage();
            return 1;
        }
        if (e != NULL && (*e != '\0' || e == v)) {
            fprintf(stderr, "sbload: bad number for %s: %s\n", o, v);
            return 1;
        }
    }
    if (url == NULL || (body != NULL && bodies != NULL) || !(L.rate >= 0.0) || L.nconns < 1 ||
        L.nconns > MAX_CONNS || !(L.duration > 0.0) || !(L.drain >= 0.0)) {
        usage();
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (parse_url(&L, url) != 0) {
        goto out;
    }
    L.post = body != NULL || bodies != NULL;
    if (L.post) {
        if (load_bodies(&L, body != NULL ? body : bodies, bodies != NULL) != 0) {
            goto out;
        }
    } else {
        if ((L.bodies = calloc(1, sizeof(*L.bodies))) == NULL) {
            goto out;
        }
        L.nbodies = 1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if ((g = getaddrinfo(L.host, L.port, &hints, &L.ai)) != 0) {
        fprintf(stderr, "sbload: %s:%s: %s\n", L.host, L.port, gai_strerror(g));
        goto out;
    }
    L.conns = calloc((size_t)L.nconns, sizeof(*L.conns));
    L.free_stack = calloc((size_t)L.nconns, sizeof(*L.free_stack));
    L.hist = calloc((size_t)HIST_US + 1, sizeof(*L.hist));
    if (L.conns == NULL || L.free_stack == NULL || L.hist == NULL) {
        fprintf(stderr, "sbload: out of memory\n");
        goto out;
    }
    for (i = 0; i < L.nconns; i++) {
        L.conns[i].fd = -1;
        L.conns[i].rcap = 16384;
        if ((L.conns[i].rbuf = malloc(L.conns[i].rcap)) == NULL) {
            goto out;
        }
    }
    if (run(&L) != 0) {
        goto out;
    }
    report(&L);
    rc = 0;
out:
    if (L.conns != NULL) {
        for (i = 0; i < L.nconns; i++) {
            conn_close(&L.conns[i]);
            free(L.conns[i].rbuf);
        }
    }
    if (L.ep >= 0) {
        close(L.ep);
    }
    if (L.tfd >= 0) {
        close(L.tfd);
    }
    if (L.ai != NULL) {
        freeaddrinfo(L.ai);
    }
    if (L.map != NULL) {
        munmap(L.map, L.map_len);
    }
    free(L.bodies);
    free(L.conns);
    free(L.free_stack);
    free(L.hist);
    return rc;
}
