/*
 * gateway/daemon/http_parse.h — strict HTTP/1.1 request framing (RFC 9112): the request head and chunked
 * bodies. Pure functions over bytes: no I/O, no libevent, no global state; thread-safe.
 *
 * A gateway in front of other servers must not guess where a request ends, so everything RFC 9112 lets a
 * recipient "accept leniently" is refused here: bare LF or bare CR line endings, obs-fold continuation
 * lines, whitespace before a field's colon, several Content-Length fields (even equal ones) or a list,
 * a sign or anything but digits in Content-Length, Transfer-Encoding together with Content-Length or in
 * HTTP/1.0, chunk sizes that are not plain hex ("0x10", "+a", " a", over 16 digits), a chunk's data not
 * followed by CRLF. Every refusal names the rule in err->msg; the connection layer answers it once and
 * closes.
 */
#ifndef SBGW_HTTP_PARSE_H
#define SBGW_HTTP_PARSE_H

#include <stddef.h>

#include "gateway/daemon/http_errors.h"

#define SBGW_HTTP_MAX_FIELDS 100            /* more fields in one head: 431 HEADERS_TOO_LARGE */
#define SBGW_HTTP_CHUNK_LINE_MAX 1024       /* a chunk-size line with its extensions: longer is 400 */

/* Bit values, so a route can allow a set. */
enum sbgw_http_method {
    SBGW_M_GET = 1 << 0,
    SBGW_M_HEAD = 1 << 1,
    SBGW_M_POST = 1 << 2,
    SBGW_M_PUT = 1 << 3,
    SBGW_M_DELETE = 1 << 4,
    SBGW_M_PATCH = 1 << 5,
    SBGW_M_OPTIONS = 1 << 6,
    SBGW_M_TRACE = 1 << 7,
    SBGW_M_CONNECT = 1 << 8,
    SBGW_M_OTHER = 1 << 9              /* a valid token that is none of the above ("get", "PROPFIND") */
};

/* Parse results. */
enum sbgw_hp_result {
    SBGW_HP_INCOMPLETE = 0,            /* need more bytes */
    SBGW_HP_DONE = 1,                  /* complete */
    SBGW_HP_ERROR = -1                 /* refused: err says why */
};

struct sbgw_http_err {
    enum sbgw_http_error code;         /* BAD_REQUEST, HEADERS_TOO_LARGE, HTTP_VERSION_NOT_SUPPORTED,
                                        * NOT_IMPLEMENTED (unknown transfer coding), EXPECTATION_FAILED,
                                        * BODY_TOO_LARGE (chunked over max_body) */
    char msg[160];                     /* human text naming the rule, e.g. "bare LF in the header block" */
};

struct sbgw_http_field {
    const char *name;                  /* as received (compare case-insensitively), NUL-terminated */
    const char *value;                 /* leading and trailing OWS removed, NUL-terminated */
};

/* A parsed request head. Every pointer points into storage (owned). */
struct sbgw_http_head {
    char *storage;                     /* owned: a copy of the head, cut into NUL-terminated pieces */
    enum sbgw_http_method method;
    const char *method_text;           /* the method token as received */
    const char *target;                /* the request-target as received */
    const char *path;                  /* origin-form: the path (not percent-decoded, never "");
                                        * absolute-form (http:// or https://): its path, "/" if empty;
                                        * asterisk-form (OPTIONS only): "*"; authority-form (CONNECT only):
                                        * the authority */
    const char *query;                 /* the query without '?', NULL if none */
    int minor;                         /* HTTP/1.<minor>: 0 or 1 */
    struct sbgw_http_field fields[SBGW_HTTP_MAX_FIELDS];
    size_t n_fields;
    long long content_length;          /* -1: no Content-Length; digits beyond 10^18 saturate at
                                        * SBGW_HTTP_CL_HUGE (the caller answers 413) */
    int chunked;                       /* Transfer-Encoding: chunked */
    int keep_alive;                    /* the connection persists after this request (RFC 9112 §9.3:
                                        * 1.1 unless "Connection: close"; 1.0 only with "keep-alive") */
    int expect_continue;               /* Expect: 100-continue (HTTP/1.1 only) */
};

#define SBGW_HTTP_CL_HUGE 1000000000000000000LL

/*
 * Find the end of a request head in buf[0..len): the bytes received so far for this request, always from
 * its first byte (the caller passes the same prefix again with more bytes appended, and the *scanned
 * value of the previous call, 0 at first, so nothing is scanned twice).
 *   SBGW_HP_INCOMPLETE  no end yet, nothing wrong so far (*scanned updated)
 *   SBGW_HP_DONE        *head_len = length of the head including its final CRLF CRLF
 *   SBGW_HP_ERROR       a bare LF, a bare CR, a NUL, an obs-fold line (a line starting with SP or HTAB
 *                       after the request line) — reported as soon as it is seen, without waiting for the
 *                       end; or len > max without an end (431 HEADERS_TOO_LARGE).
 * Up to 8 empty lines (CRLF) before the request line are skipped (RFC 9112 §2.2) and count in *head_len.
 */
enum sbgw_hp_result sbgw_http_head_scan(const char *buf, size_t len, size_t max, size_t *scanned, size_t *head_len,
                                        struct sbgw_http_err *err);

/*
 * Parse a complete head (buf[0..len), as delimited by sbgw_http_head_scan) into h (zeroed first; storage
 * copied). SBGW_HP_DONE, or SBGW_HP_ERROR with err and h holding nothing to free. Refused (400 unless
 * said): request line not exactly "method SP request-target SP HTTP/d.d" (a valid version other than 1.0
 * or 1.1: 505); method not a token; target with characters outside RFC 3986 or a bad %-escape, a '#',
 * origin-form not starting with '/', asterisk-form except with OPTIONS, authority-form except with CONNECT
 * (and CONNECT with any other form); a field name not a token or followed by whitespace before ':'; a field
 * value with CTLs other than HTAB; more than SBGW_HTTP_MAX_FIELDS fields (431); HTTP/1.1 without exactly
 * one Host, or several Host fields in 1.0; more than one Content-Length or Content-Type field;
 * Content-Length not 1*DIGIT; Transfer-Encoding in HTTP/1.0, more than one Transfer-Encoding field,
 * Transfer-Encoding with Content-Length, a coding list whose last coding is not chunked (400) or with
 * any coding besides one "chunked" (501 NOT_IMPLEMENTED); Expect other than "100-continue" (417).
 */
enum sbgw_hp_result sbgw_http_head_parse(const char *buf, size_t len, struct sbgw_http_head *h,
                                         struct sbgw_http_err *err);
void sbgw_http_head_free(struct sbgw_http_head *h);
/* The first field named name (case-insensitive), or NULL. */
const char *sbgw_http_head_field(const struct sbgw_http_head *h, const char *name);
/* Whether the Connection field(s) list token (case-insensitive), e.g. "close". */
int sbgw_http_head_connection_has(const struct sbgw_http_head *h, const char *token);

/* A chunked body decoder (RFC 9112 §7.1). Zero-initialise; one per body. */
struct sbgw_http_chunked {
    int state;
    unsigned long long left;           /* data bytes left in the current chunk */
    char line[SBGW_HTTP_CHUNK_LINE_MAX];
    size_t line_len;
    size_t trailer_len;                /* bytes of the trailer section so far */
    unsigned long long total;          /* decoded data bytes so far */
};

/* Receives decoded body bytes; non-zero stops decoding (SBGW_HP_ERROR with INTERNAL_ERROR). */
typedef int (*sbgw_http_sink)(void *arg, const char *p, size_t n);

/*
 * Decode in[0..len), the next bytes of the body as they arrived (any split). Data goes to sink.
 *   SBGW_HP_INCOMPLETE  all len bytes consumed, the body is not over
 *   SBGW_HP_DONE        the last chunk and the trailer section are consumed; *used = bytes of in consumed
 *                       (what follows belongs to the next request)
 *   SBGW_HP_ERROR       chunk-size not 1*16HEXDIG (then optional ";ext" of tchar/quoted text, no
 *                       whitespace before ';' accepted besides BWS as RFC 9112 allows), a line longer than
 *                       SBGW_HTTP_CHUNK_LINE_MAX, bare LF / bare CR, data not followed by CRLF, a trailer
 *                       field that is malformed as a header field would be (obs-fold included), a trailer
 *                       section over max_trailer bytes (431), decoded total over max_body (413
 *                       BODY_TOO_LARGE, reported as soon as a chunk-size line announces it).
 * Trailer fields are checked and discarded.
 */
enum sbgw_hp_result sbgw_http_chunked_feed(struct sbgw_http_chunked *c, const char *in, size_t len,
                                           unsigned long long max_body, size_t max_trailer, sbgw_http_sink sink,
                                           void *arg, size_t *used, struct sbgw_http_err *err);

#endif
