/*
 * tests/unit/test_tsp.c — RFC 3161 requests, responses and tokens (pki/cms/tsp.h) against a TSA made in the
 * test (tsa_fixture.h): a granted response yields a token that verifies under the TSA's root with the same
 * genTime; a refusal names PKIStatus and failInfo; another request's nonce, another imprint, a foreign
 * anchor and garbage are refused with their own reasons; the HTTP POST reaches a real loopback server and
 * refuses a wrong content type, an oversized reply, a closed port and a non-HTTP URL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pki/cms/tsp.h"
#include "testcert.h"
#include "tsa_fixture.h"

static const unsigned char imprint_a[32] = { 0xa1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                                             0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
                                             0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20 };

static int setup(void **state)
{
    struct tsa *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return -1;
    }
    tsa_init(t);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tsa_free(*state);
    free(*state);
    return 0;
}

/* A request for imprint (policy may be NULL) answered by the fixture's TSA: the response's DER. */
static int ask(const struct tsa *t, const unsigned char imprint[32], const char *policy, struct sb_tsp_req *req,
               unsigned char **rsp)
{
    struct sb_err err;

    assert_int_equal(sb_tsp_request(imprint, policy, req, &err), SB_OK);
    assert_non_null(req->der);
    return tsa_respond(t, req->der, req->der_len, rsp);
}

static void test_tsp_granted_token_verifies(void **state)
{
    struct tsa *t = *state;
    struct sb_tsp_req req;
    struct sb_err err;
    unsigned char *rsp, *tok = NULL;
    size_t tok_len = 0;
    time_t gen = 0, vgen = 0, now = time(NULL);
    int n = ask(t, imprint_a, TSA_POLICY_2, &req, &rsp);

    assert_int_equal(sb_tsp_response(&req, rsp, (size_t)n, &tok, &tok_len, &gen, &err), SB_OK);
    assert_non_null(tok);
    /* the TSA's clock is this machine's: generous bounds */
    assert_true(gen >= now - 60 && gen <= now + 60);
    assert_int_equal(sb_tsp_verify_token(tok, tok_len, imprint_a, t->anchors, &vgen, &err), SB_OK);
    assert_int_equal((long long)vgen, (long long)gen);
    assert_int_equal(sb_tsp_token_time(tok, tok_len, &vgen, &err), SB_OK);
    assert_int_equal((long long)vgen, (long long)gen);
    OPENSSL_free(tok);
    OPENSSL_free(rsp);
    sb_tsp_req_free(&req);
}

static void test_tsp_refusal_named(void **state)
{
    struct tsa *t = *state;
    struct sb_tsp_req req;
    struct sb_err err;
    unsigned char *rsp, *tok = NULL;
    size_t tok_len = 0;
    time_t gen = 0;
    int n = ask(t, imprint_a, "1.2.3.4.5.6", &req, &rsp);   /* a policy the TSA does not have */

    assert_int_equal(sb_tsp_response(&req, rsp, (size_t)n, &tok, &tok_len, &gen, &err), SB_R_POLICY_PROCESSING);
    assert_null(tok);
    assert_non_null(strstr(err.msg, "PKIStatus 2 (rejection)"));
    assert_non_null(strstr(err.msg, "failInfo unacceptedPolicy"));
    OPENSSL_free(rsp);
    sb_tsp_req_free(&req);
}

static void test_tsp_other_nonce_refused(void **state)
{
    struct tsa *t = *state;
    struct sb_tsp_req req, other;
    struct sb_err err;
    unsigned char *rsp, *tok = NULL;
    size_t tok_len = 0;
    time_t gen = 0;
    int n = ask(t, imprint_a, NULL, &req, &rsp);

    /* the same imprint asked again: a fresh nonce, so the first answer does not fit it */
    assert_int_equal(sb_tsp_request(imprint_a, NULL, &other, &err), SB_OK);
    assert_memory_not_equal(req.nonce, other.nonce, sizeof(req.nonce));
    assert_int_equal(sb_tsp_response(&other, rsp, (size_t)n, &tok, &tok_len, &gen, &err), SB_R_HASH_MISMATCH);
    assert_non_null(strstr(err.msg, "nonce"));
    assert_null(tok);
    /* and an answer for another imprint */
    memcpy(other.imprint, req.imprint, 32);
    other.imprint[0] ^= 1;
    memcpy(other.nonce, req.nonce, sizeof(req.nonce));
    assert_int_equal(sb_tsp_response(&other, rsp, (size_t)n, &tok, &tok_len, &gen, &err), SB_R_HASH_MISMATCH);
    assert_non_null(strstr(err.msg, "imprint"));
    OPENSSL_free(rsp);
    sb_tsp_req_free(&req);
    sb_tsp_req_free(&other);
}

static void test_tsp_verify_refusals(void **state)
{
    struct tsa *t = *state;
    struct sb_tsp_req req;
    struct sb_err err;
    unsigned char *rsp, *tok = NULL, other_imprint[32];
    size_t tok_len = 0;
    time_t gen = 0;
    int n = ask(t, imprint_a, NULL, &req, &rsp);
    EVP_PKEY *k = tc_key_ec();
    X509 *foreign = tc_root("another root", k);
    STACK_OF(X509) *fs = sk_X509_new_null();

    assert_int_equal(sb_tsp_response(&req, rsp, (size_t)n, &tok, &tok_len, &gen, &err), SB_OK);
    memcpy(other_imprint, imprint_a, 32);
    other_imprint[31] ^= 0x80;
    assert_int_equal(sb_tsp_verify_token(tok, tok_len, other_imprint, t->anchors, NULL, &err), SB_R_HASH_MISMATCH);
    assert_non_null(strstr(err.msg, "another imprint"));
    /* a root that did not issue the TSA's certificate; no anchors at all */
    assert_true(sk_X509_push(fs, foreign) > 0);
    assert_int_equal(sb_tsp_verify_token(tok, tok_len, imprint_a, fs, NULL, &err), SB_R_SIG_CRYPTO);
    assert_non_null(strstr(err.msg, "does not verify"));
    assert_int_equal(sb_tsp_verify_token(tok, tok_len, imprint_a, NULL, NULL, &err), SB_R_SIG_CRYPTO);
    /* a flipped byte in the signed content or the signature */
    tok[tok_len - 5] ^= 0x01;
    assert_int_not_equal(sb_tsp_verify_token(tok, tok_len, imprint_a, t->anchors, NULL, &err), SB_OK);
    /* not a token; not a response */
    assert_int_equal(sb_tsp_verify_token((const unsigned char *)"garbage", 7, imprint_a, t->anchors, NULL, &err),
                     SB_R_INPUT_MALFORMED);
    OPENSSL_free(tok);
    tok = NULL;
    assert_int_equal(sb_tsp_response(&req, (const unsigned char *)"\x30\x03\x02\x01", 4, &tok, &tok_len, &gen, &err),
                     SB_R_INPUT_MALFORMED);
    assert_int_equal(sb_tsp_response(&req, rsp, (size_t)n - 1, &tok, &tok_len, &gen, &err), SB_R_INPUT_MALFORMED);
    sb_tsp_req_free(&req);
    assert_int_equal(sb_tsp_request(imprint_a, "not an oid", &req, &err), SB_R_USAGE);
    assert_null(req.der);
    sk_X509_pop_free(fs, X509_free);
    EVP_PKEY_free(k);
    OPENSSL_free(rsp);
}

/* ---- HTTP ---------------------------------------------------------------------------------------- */

/* A one-connection HTTP server on loopback: reads one POST, answers with the TSA's response. */
struct srv {
    struct tsa *t;
    int fd, port;
    const char *ctype;       /* the reply's Content-Type */
    size_t pad;              /* bytes added to the reply (too large) */
    char seen_ctype[128];
};

static void *srv_main(void *arg)
{
    struct srv *s = arg;
    char buf[8192], head[256];
    size_t got = 0, body_len = 0;
    char *end = NULL, *cl, *ct;
    unsigned char *rsp = NULL, *big;
    int c = accept(s->fd, NULL, NULL), n, hn;
    ssize_t r;

    if (c < 0) {
        return NULL;
    }
    while (got < sizeof(buf) - 1 && (r = read(c, buf + got, sizeof(buf) - 1 - got)) > 0) {
        got += (size_t)r;
        buf[got] = '\0';
        if ((end = strstr(buf, "\r\n\r\n")) != NULL && (cl = strstr(buf, "Content-Length:")) != NULL) {
            body_len = (size_t)strtoul(cl + 15, NULL, 10);
            if (got >= (size_t)(end + 4 - buf) + body_len) {
                break;
            }
        }
    }
    if (end != NULL && (ct = strstr(buf, "Content-Type:")) != NULL) {
        sscanf(ct + 13, " %127[^\r\n]", s->seen_ctype);
    }
    if (end != NULL) {
        n = tsa_respond(s->t, (unsigned char *)end + 4, body_len, &rsp);
        big = calloc(1, (size_t)n + s->pad);
        if (big != NULL) {
            memcpy(big, rsp, (size_t)n);
            hn = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                          s->ctype, (size_t)n + s->pad);
            (void)!send(c, head, (size_t)hn, MSG_NOSIGNAL);
            (void)!send(c, big, (size_t)n + s->pad, MSG_NOSIGNAL);
            free(big);
        }
        OPENSSL_free(rsp);
    }
    close(c);
    return NULL;
}

static void srv_start(struct srv *s, pthread_t *th)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true((s->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(s->fd, 4), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sa, &sl), 0);
    s->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(th, NULL, srv_main, s), 0);
}

/* POST a fresh request for imprint_a to the server s; returns the reason, the reply in *rsp. */
static enum sb_reason post(struct srv *s, struct sb_tsp_req *req, unsigned char **rsp, size_t *len,
                           struct sb_err *err)
{
    char url[128];
    pthread_t th;
    enum sb_reason r;

    srv_start(s, &th);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/tsa?x=1", s->port);
    assert_int_equal(sb_tsp_request(imprint_a, NULL, req, err), SB_OK);
    r = sb_tsp_http_post(url, req->der, req->der_len, 10000, SB_TSP_MAX_RESPONSE, rsp, len, err);
    pthread_join(th, NULL);
    close(s->fd);
    return r;
}

static void test_tsp_http_round_trip(void **state)
{
    struct srv s = { .t = *state, .ctype = "application/timestamp-reply" };
    struct sb_tsp_req req;
    struct sb_err err;
    unsigned char *rsp = NULL, *tok = NULL;
    size_t len = 0, tok_len = 0;
    time_t gen;

    assert_int_equal(post(&s, &req, &rsp, &len, &err), SB_OK);
    assert_string_equal(s.seen_ctype, "application/timestamp-query");
    assert_int_equal(sb_tsp_response(&req, rsp, len, &tok, &tok_len, &gen, &err), SB_OK);
    assert_int_equal(sb_tsp_verify_token(tok, tok_len, imprint_a, s.t->anchors, NULL, &err), SB_OK);
    OPENSSL_free(tok);
    OPENSSL_free(rsp);
    sb_tsp_req_free(&req);
}

static void test_tsp_http_refusals(void **state)
{
    struct srv s = { .t = *state, .ctype = "text/html" };
    struct srv big = { .t = *state, .ctype = "application/timestamp-reply", .pad = SB_TSP_MAX_RESPONSE };
    struct sb_tsp_req req;
    struct sb_err err;
    unsigned char *rsp = NULL;
    size_t len = 0;
    char url[64];

    assert_int_equal(post(&s, &req, &rsp, &len, &err), SB_R_INPUT_UNREADABLE);
    assert_null(rsp);
    assert_non_null(strstr(err.msg, "time-stamp request to http://127.0.0.1:"));
    sb_tsp_req_free(&req);
    assert_int_equal(post(&big, &req, &rsp, &len, &err), SB_R_INPUT_UNREADABLE);
    assert_null(rsp);
    /* a closed port: the listener of the first server is gone */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
    assert_int_equal(sb_tsp_http_post(url, req.der, req.der_len, 3000, 1024, &rsp, &len, &err),
                     SB_R_INPUT_UNREADABLE);
    assert_int_equal(sb_tsp_http_post("ftp://127.0.0.1/", req.der, req.der_len, 3000, 1024, &rsp, &len, &err),
                     SB_R_USAGE);
    sb_tsp_req_free(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tsp_granted_token_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsp_refusal_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsp_other_nonce_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsp_verify_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsp_http_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsp_http_refusals, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
