/*
 * tests/fuzz/fuzz_http_parse.c — the strict request framing (gateway/daemon/http_parse.h) over arbitrary
 * bytes, without a daemon: sbgw_http_head_scan, sbgw_http_head_parse, sbgw_http_chunked_feed.
 *
 * Input: the first byte k, then the n bytes of a client stream. The head is scanned with max = 256 + 16 k
 * twice: whole, and in two calls (the first k % (n + 1) bytes, then all, *scanned carried over); both must
 * agree (result, head length, error code and message). A DONE head is parsed; a parsed head must hold its invariants
 * (content_length -1 or in 0..SBGW_HTTP_CL_HUGE, never both chunked and a Content-Length, chunked only in
 * HTTP/1.1, a non-empty path, minor 0 or 1, at most SBGW_HTTP_MAX_FIELDS fields with non-empty names).
 * The bytes after the head (all of them when no head was found) go through the chunked decoder, whole
 * and cut at k: same result, same decoded bytes, same bytes consumed when DONE (never more than given).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "gateway/daemon/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY (64u * 1024u)
#define MAX_TRAILER 512u

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

/* A running digest of the decoded bytes (FNV-1a) and their count. */
struct digest {
    uint64_t h;
    size_t n;
};

static int sink(void *arg, const char *p, size_t n)
{
    struct digest *d = arg;
    size_t i;

    check(n > 0);
    for (i = 0; i < n; i++) {
        d->h = (d->h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    }
    d->n += n;
    return 0;
}

static void check_err(const struct sbgw_http_err *e)
{
    check(e->msg[0] != '\0' && memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
    check(e->code == SBGW_E_BAD_REQUEST || e->code == SBGW_E_HEADERS_TOO_LARGE ||
          e->code == SBGW_E_HTTP_VERSION_NOT_SUPPORTED || e->code == SBGW_E_NOT_IMPLEMENTED ||
          e->code == SBGW_E_EXPECTATION_FAILED || e->code == SBGW_E_BODY_TOO_LARGE);
}

static void check_head(const struct sbgw_http_head *h)
{
    size_t i;

    check(h->storage != NULL && h->method != 0 && h->method_text != NULL && h->target != NULL);
    check(h->path != NULL && h->path[0] != '\0');
    check(h->minor == 0 || h->minor == 1);
    check(h->content_length == -1 || (h->content_length >= 0 && h->content_length <= SBGW_HTTP_CL_HUGE));
    check(!(h->chunked && h->content_length >= 0));
    check(!h->chunked || h->minor == 1);
    check(!h->expect_continue || h->minor == 1);
    check(h->keep_alive == 0 || h->keep_alive == 1);
    check(h->n_fields <= SBGW_HTTP_MAX_FIELDS);
    for (i = 0; i < h->n_fields; i++) {
        check(h->fields[i].name[0] != '\0' && h->fields[i].value != NULL);
        check(sbgw_http_head_field(h, h->fields[i].name) != NULL);
    }
    check(h->minor == 0 || sbgw_http_head_field(h, "Host") != NULL);
}

/* Decode body[0..n) cut at k; the result, digest and consumed count. */
static enum sbgw_hp_result decode(const char *body, size_t n, size_t k, struct digest *d, size_t *consumed,
                                  struct sbgw_http_err *err)
{
    struct sbgw_http_chunked c;
    enum sbgw_hp_result r;
    size_t used = 0;

    memset(&c, 0, sizeof(c));
    d->h = 0xcbf29ce484222325ULL;
    d->n = 0;
    *consumed = 0;
    if (k > 0 && k < n) {
        r = sbgw_http_chunked_feed(&c, body, k, MAX_BODY, MAX_TRAILER, sink, d, &used, err);
        check(used <= k);
        *consumed = used;
        if (r != SBGW_HP_INCOMPLETE) {
            return r;
        }
        check(used == k);
        body += k;
        n -= k;
    }
    r = sbgw_http_chunked_feed(&c, body, n, MAX_BODY, MAX_TRAILER, sink, d, &used, err);
    check(used <= n);
    *consumed += used;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data + 1;
    size_t n, k, scanned = 0, scanned2 = 0, hl = 0, hl2 = 0, body_off = 0, c1, c2;
    struct sbgw_http_err e1, e2;
    struct sbgw_http_head h;
    struct digest d1, d2;
    enum sbgw_hp_result r1, r2;
    size_t max;

    if (size < 1) {
        return 0;
    }
    n = size - 1;
    k = data[0] % (n + 1);
    max = 256 + (size_t)data[0] * 16;
    memset(&e1, 0, sizeof(e1));
    memset(&e2, 0, sizeof(e2));
    r1 = sbgw_http_head_scan(in, n, max, &scanned, &hl, &e1);
    r2 = sbgw_http_head_scan(in, k, max, &scanned2, &hl2, &e2);
    check(scanned2 <= k);
    if (r2 == SBGW_HP_INCOMPLETE) {
        r2 = sbgw_http_head_scan(in, n, max, &scanned2, &hl2, &e2);
    }
    check(r1 == r2);
    if (r1 == SBGW_HP_ERROR) {
        check_err(&e1);
        check(e1.code == e2.code && strcmp(e1.msg, e2.msg) == 0);
    }
    if (r1 == SBGW_HP_DONE) {
        check(hl == hl2 && hl >= 4 && hl <= n && hl <= max);
        check(memcmp(in + hl - 4, "\r\n\r\n", 4) == 0);
        body_off = hl;
        if (sbgw_http_head_parse(in, hl, &h, &e1) == SBGW_HP_DONE) {
            check_head(&h);
            sbgw_http_head_free(&h);
        } else {
            check_err(&e1);
            check(h.storage == NULL);
        }
    }
    r1 = decode(in + body_off, n - body_off, 0, &d1, &c1, &e1);
    r2 = decode(in + body_off, n - body_off, k > body_off ? k - body_off : 0, &d2, &c2, &e2);
    check(r1 == r2);
    if (r1 == SBGW_HP_ERROR) {
        check_err(&e1);
        check(e1.code == e2.code && strcmp(e1.msg, e2.msg) == 0);
    } else {
        check(d1.n == d2.n && d1.h == d2.h && d1.n <= MAX_BODY);
    }
    if (r1 == SBGW_HP_DONE) {
        check(c1 == c2);
    }
    sb_fuzz_end();
    return 0;
}
