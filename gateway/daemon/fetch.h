/*
 * gateway/daemon/fetch.h — the daemon's network fetcher: moves the bytes of one http(s) URL under rules, for
 * the revocation checks (OCSP responders, CRL distribution points, AIA caIssuers) and other callers (TSA).
 * It knows nothing of OCSP or CRLs: the caller parses what it gets (and caches it: fetch_cache.h).
 *
 * Rules, all enforced here:
 * - An allow-list of URL prefixes (struct sbgw_fetch_allow) is checked on the parsed, normalised URL before
 *   any name is resolved or any connection made, and again before each redirect hop: nothing outside it is
 *   ever contacted (the SSRF defence). Normalised = scheme and host lower-cased, default port dropped, no
 *   userinfo, percent-encoded unreserved characters decoded, dot-segments removed; encoded controls, and
 *   dot-segments hidden behind an encoded '/' or '\' (%2F..%2F), are refused (an encoded '/' alone is kept:
 *   RFC 5019 GET requests carry base64 in the path). A prefix matches an exact origin, or a path equal to its path or under
 *   it at a '/' boundary ("http://h/crl" matches /crl and /crl/x, never /crl2 or /crl.evil).
 * - Schemes: http and https only (https: the system CA store and the URL's host name verified); ldap:,
 *   file:, ftp: and every other scheme are refused with SBGW_FETCH_REFUSED_SCHEME.
 * - A total deadline per fetch (timeout_ms, from the start of the fetch to its last byte: a server trickling
 *   a byte at a time is cut there), a size cap (max_bytes: a Content-Length over it is refused before the
 *   body is read, a streamed body is cut as soon as it grows past it), non-2xx statuses are failures, and
 *   redirects (301 302 303 307 308) are followed only to a Location inside the allow-list, at most
 *   SBGW_FETCH_MAX_HOPS of them; otherwise SBGW_FETCH_REDIRECT_REFUSED and the target is never contacted.
 * - Names are resolved asynchronously (evdns); each fetch uses its own connection (Connection: close).
 *
 * Threads: the fetcher runs its own thread with its own event_base and evdns_base. sbgw_fetch_submit,
 * sbgw_fetch_wait, sbgw_fetch and sbgw_fetch_async may be called from any thread (workers, event loops);
 * evthread_use_pthreads() must have been called before sbgw_fetcher_new (the daemon does it at start).
 *
 * Single flight: requests carry a caller-chosen key (the URL for a CRL, issuer key hash + serial for OCSP).
 * A request whose key is already being fetched joins that fetch instead of starting another; requests for
 * other keys run in parallel and are never delayed by it. A joiner shares the fetch's deadline (that of the
 * request that started it) but waits at most its own timeout_ms; its own allow-list is checked against
 * every URL the fetch visited and its own max_bytes against the body, so a joiner never receives what it
 * could not have fetched itself. A fetch whose waiters all gave up still runs to its own deadline: a request
 * for the same key arriving meanwhile gets its result.
 *
 * Ownership: the fetcher owns everything it allocates; results hand their body, content type and final URL
 * to the caller (sbgw_fetch_result_clear). No global state.
 */
#ifndef SBGW_FETCH_H
#define SBGW_FETCH_H

#include <stddef.h>
#include <time.h>

#define SBGW_FETCH_MAX_HOPS 3            /* redirects followed at most */
#define SBGW_FETCH_KEY_MAX 512           /* bytes of a single-flight key */
#define SBGW_FETCH_URL_MAX 2048          /* bytes of a URL */
#define SBGW_FETCH_LAT_N 10              /* finite buckets of the latency histogram */
#define SBGW_FETCH_LAT_BOUNDS_MS { 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 }
#define SBGW_FETCH_FAILING_MAX 32        /* origins tracked as failing */

enum sbgw_fetch_status {
    SBGW_FETCH_OK = 0,                   /* a 2xx reply, whole, within the cap and the deadline */
    SBGW_FETCH_TIMEOUT,                  /* the total deadline passed (or the waiter's own) */
    SBGW_FETCH_TOO_LARGE,                /* Content-Length or the body over max_bytes */
    SBGW_FETCH_REFUSED_NOT_ALLOWED,      /* the URL is outside the allow-list: never contacted */
    SBGW_FETCH_REFUSED_SCHEME,           /* not http or https (ldap:, file:, ftp:, ...) */
    SBGW_FETCH_HTTP_STATUS,              /* a non-2xx reply (http_status says which) */
    SBGW_FETCH_CONNECT_FAILED,           /* no TCP connection to the resolved address */
    SBGW_FETCH_DNS_FAILED,               /* the host name did not resolve */
    SBGW_FETCH_REDIRECT_REFUSED,         /* a redirect outside the allow-list, to another scheme, without a
                                          * usable Location, or more than SBGW_FETCH_MAX_HOPS */
    SBGW_FETCH_TLS_FAILED,               /* handshake or certificate verification failed */
    SBGW_FETCH_PROTOCOL,                 /* no valid reply: closed early, malformed head, truncated body */
    SBGW_FETCH_BAD_URL,                  /* not a URL the fetcher accepts (syntax, userinfo, encoded '/') */
    SBGW_FETCH_BUSY,                     /* too many different keys in flight */
    SBGW_FETCH_INTERNAL,                 /* out of memory, or the fetcher is stopping */
    SBGW_FETCH__COUNT
};

/* "ok", "timeout", "too_large", "refused_not_allowed", "refused_scheme", "http_status", "connect_failed",
 * "dns_failed", "redirect_refused", "tls_failed", "protocol", "bad_url", "busy", "internal" (metrics labels). */
const char *sbgw_fetch_status_name(enum sbgw_fetch_status s);
/* Append "; text" (or text when notes is empty) to notes[len], truncating: the revocation sources' account of
 * why each URL gave nothing. */
void sbgw_fetch_note(char *notes, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- allow-lists ------------------------------------------------------------------------------------ */

struct sbgw_fetch_allow;

/* Compile n URL prefixes (http:// or https://, no userinfo, query or fragment). NULL with a message in err
 * naming the bad prefix, or on allocation failure. Immutable; refcounted (up_ref / free), any thread. */
struct sbgw_fetch_allow *sbgw_fetch_allow_new(const char *const *prefixes, size_t n, char *err, size_t errlen);
void sbgw_fetch_allow_up_ref(struct sbgw_fetch_allow *a);
void sbgw_fetch_allow_free(struct sbgw_fetch_allow *a);
/* Check url against a: SBGW_FETCH_OK (and *norm, when norm is not NULL, the normalised URL: malloc'd, the
 * caller frees it), else REFUSED_NOT_ALLOWED, REFUSED_SCHEME or BAD_URL with the reason in cause. Pure. */
enum sbgw_fetch_status sbgw_fetch_allow_check(const struct sbgw_fetch_allow *a, const char *url, char **norm,
                                              char *cause, size_t causelen);

/* ---- requests and results ---------------------------------------------------------------------------- */

enum sbgw_fetch_method { SBGW_FETCH_GET = 0, SBGW_FETCH_POST };

/* One request; every pointer is borrowed for the duration of the call that takes it (copied). */
struct sbgw_fetch_req {
    const char *key;                     /* single-flight key, NUL-terminated, 1..SBGW_FETCH_KEY_MAX bytes */
    enum sbgw_fetch_method method;
    const char *url;
    const unsigned char *body;           /* POST: the body (may be NULL when body_len is 0) */
    size_t body_len;
    const char *content_type;            /* POST: the body's Content-Type (NULL: none sent) */
    const char *accept;                  /* Accept header (NULL: none sent) */
    int timeout_ms;                      /* total deadline of the fetch, and the longest a waiter waits (> 0) */
    size_t max_bytes;                    /* response body cap (> 0) */
    struct sbgw_fetch_allow *allow;      /* the allow-list (the fetcher takes its own reference) */
};

struct sbgw_fetch_result {
    enum sbgw_fetch_status status;
    int http_status;                     /* the last reply's status code, 0 if none arrived */
    unsigned char *body;                 /* owned (free): SBGW_FETCH_OK only, else NULL */
    size_t len;
    char *content_type;                  /* owned (free): the reply's Content-Type, NULL if none */
    char *final_url;                     /* owned (free): the normalised URL of the last hop tried (after
                                          * redirects), NULL when the URL was refused before parsing */
    int hops;                            /* redirects followed */
    int shared;                          /* 1: joined a fetch another request had started */
    double seconds;                      /* from submission to the result */
    char cause[256];                     /* why it failed, for logs and results ("" when OK) */
};

/* Free the result's owned fields and zero it (a zeroed result is valid input; NULL is a no-op). */
void sbgw_fetch_result_clear(struct sbgw_fetch_result *r);

/* ---- the fetcher ------------------------------------------------------------------------------------ */

struct sbgw_fetch_opts {
    const char *resolv_conf;             /* NULL: /etc/resolv.conf (and /etc/hosts) */
    const char *ca_file;                 /* NULL: the system CA store (SSL_CTX_set_default_verify_paths) */
    int max_flights;                     /* different keys in flight at once; 0: 256 */
    const char *user_agent;              /* NULL: "sigbridge-fetch/1" */
};

struct sbgw_fetcher;
struct sbgw_fetch_ticket;

/* Start the fetcher's thread (o may be NULL: defaults). NULL with a message in err on failure. */
struct sbgw_fetcher *sbgw_fetcher_new(const struct sbgw_fetch_opts *o, char *err, size_t errlen);
/* Stop: fetches in flight are abandoned (their waiters get SBGW_FETCH_INTERNAL "fetcher stopped"), the thread
 * is joined, everything freed. No thread may call into f once this starts (NULL is a no-op). */
void sbgw_fetcher_free(struct sbgw_fetcher *f);

/* Submit rq. SBGW_FETCH_OK: *t is a ticket to pass to sbgw_fetch_wait exactly once (res untouched). Otherwise
 * the request was refused at once (allow-list, scheme, bad URL, busy, stopping) and res holds why; *t is NULL
 * and nothing was contacted. */
enum sbgw_fetch_status sbgw_fetch_submit(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq,
                                         struct sbgw_fetch_ticket **t, struct sbgw_fetch_result *res);
/* Block until t's fetch ends or t's deadline (submission + timeout_ms) passes, whichever is first; fill res
 * (the caller clears it) and free t. At the deadline res is SBGW_FETCH_TIMEOUT while the fetch itself may go on
 * for later requests of the same key. Returns res->status. */
enum sbgw_fetch_status sbgw_fetch_wait(struct sbgw_fetch_ticket *t, struct sbgw_fetch_result *res);
/* submit + wait. */
enum sbgw_fetch_status sbgw_fetch(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq,
                                  struct sbgw_fetch_result *res);

/* Told the result of an asynchronous fetch: res is the callee's (sbgw_fetch_result_clear it). */
typedef void (*sbgw_fetch_cb)(struct sbgw_fetch_result *res, void *arg);
/* Non-blocking form (event loops, background refresh): cb(res, arg) is called exactly once — on the fetcher's
 * thread when the fetch ends or at rq->timeout_ms, whichever is first (keep it short: hand the result to your
 * own loop, e.g. with event_active), or before this returns, on the caller's thread, when the request is
 * refused at once. Returns the status of the submission (SBGW_FETCH_OK: cb comes later). */
enum sbgw_fetch_status sbgw_fetch_async(struct sbgw_fetcher *f, const struct sbgw_fetch_req *rq, sbgw_fetch_cb cb,
                                        void *arg);

/* ---- metrics ----------------------------------------------------------------------------------------- */

struct sbgw_fetch_failing {
    char origin[300];                    /* scheme://host[:port] */
    unsigned fails;                      /* consecutive failed fetches */
    time_t since;                        /* wall-clock time of the first of them */
    enum sbgw_fetch_status last;
};

/* A copy of the counters (sbgw_fetcher_stats), for the metrics renderer. */
struct sbgw_fetch_stats {
    unsigned long long requests[SBGW_FETCH__COUNT];   /* answered requests (waiters) by result */
    unsigned long long fetches[SBGW_FETCH__COUNT];    /* network fetches (single flights) by result */
    unsigned long long joined;                        /* requests that joined a fetch in flight */
    unsigned long long latency[SBGW_FETCH_LAT_N + 1]; /* fetch durations by SBGW_FETCH_LAT_BOUNDS_MS bucket,
                                                       * non-cumulative, the last over the largest bound */
    double latency_sum;                               /* seconds */
    long in_flight;                                   /* fetches running now */
    size_t n_failing;                                 /* origins whose last fetch failed */
    struct sbgw_fetch_failing failing[SBGW_FETCH_FAILING_MAX];
};

void sbgw_fetcher_stats(struct sbgw_fetcher *f, struct sbgw_fetch_stats *out);

#endif
