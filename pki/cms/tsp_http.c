/*
 * pki/cms/tsp_http.c — the RFC 3161 HTTP exchange (RFC 3161 §3.4): one blocking POST with OpenSSL 3's
 * OSSL_HTTP_transfer, to exactly the URL given (see tsp.h for why this I/O lives in pki/).
 *
 * No proxy is taken from the environment (http_proxy / https_proxy would send the request elsewhere),
 * redirects are not followed, https verifies the server against the system CA store and the URL's host
 * name. A fresh SSL_CTX per call: the callers ask seldom (a checkpoint every few seconds at most).
 */
#include "pki/cms/tsp.h"

#include <arpa/inet.h>
#include <limits.h>
#include <sys/socket.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* OSSL_HTTP_transfer's hook (set for https only): put TLS over the connected socket (connect = 1, detail =
 * use_ssl), take it off again when the exchange ends (connect = 0, detail = success). */
static BIO *tls_cb(BIO *bio, void *arg, int connect, int detail)
{
    SSL_CTX *ctx = arg;
    BIO *sbio, *next;
    SSL *ssl;
    const char *host;

    if (connect && !detail) {
        return bio;
    }
    if (!connect) {
        (void)ERR_set_mark();
        BIO_ssl_shutdown(bio);
        next = BIO_pop(bio);
        BIO_free(bio);
        (void)ERR_pop_to_mark();
        return next;
    }
    if ((sbio = BIO_new(BIO_f_ssl())) == NULL || (ssl = SSL_new(ctx)) == NULL) {
        BIO_free(sbio);
        return NULL;
    }
    host = X509_VERIFY_PARAM_get0_host(SSL_CTX_get0_param(ctx), 0);
    if (host != NULL) {                  /* SNI: DNS names only (none for an address literal) */
        (void)SSL_set_tlsext_host_name(ssl, host);
    }
    SSL_set_connect_state(ssl);
    BIO_set_ssl(sbio, ssl, BIO_CLOSE);
    return BIO_push(sbio, bio);
}

/* A client context for host: verified against the system CA store (OpenSSL's default paths, which honour
 * SSL_CERT_FILE / SSL_CERT_DIR), the certificate must name host (a DNS name or an IP address literal). */
static SSL_CTX *tls_ctx(const char *host)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    X509_VERIFY_PARAM *vp = ctx != NULL ? SSL_CTX_get0_param(ctx) : NULL;
    unsigned char ip[16];
    /* an address literal: matched against iPAddress names */
    int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;

    if (ctx == NULL || SSL_CTX_set_default_verify_paths(ctx) != 1 ||
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) : X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* Read all of b (at most max bytes) into a new buffer. */
static enum sb_reason read_body(BIO *b, size_t max, unsigned char **out, size_t *out_len, struct sb_err *err)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);

    if (n <= 0 || p == NULL) {
        return sb_err_set(err, SB_R_INPUT_UNREADABLE, "the TSA sent an empty reply");
    }
    if ((size_t)n > max) {
        return sb_err_set(err, SB_R_INPUT_UNREADABLE, "the TSA's reply is over %zu bytes", max);
    }
    if ((*out = OPENSSL_memdup(p, (size_t)n)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    *out_len = (size_t)n;
    return SB_OK;
}

enum sb_reason sb_tsp_http_post(const char *url, const unsigned char *req_der, size_t req_len, int timeout_ms,
                                size_t max_resp, unsigned char **resp, size_t *resp_len, struct sb_err *err)
{
    char *host = NULL, *port = NULL, *path = NULL;
    SSL_CTX *ctx = NULL;
    BIO *req = NULL, *rsp = NULL;
    int use_ssl = 0, timeout_s;
    enum sb_reason r;

    *resp = NULL;
    *resp_len = 0;
    if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
        OSSL_HTTP_parse_url(url, &use_ssl, NULL, &host, &port, NULL, &path, NULL, NULL) != 1) {
        r = sb_err_openssl(err, SB_R_USAGE, "'%s' is not an http:// or https:// URL", url != NULL ? url : "");
        goto out;
    }
    if (req_len > INT_MAX || max_resp == 0) {
        r = sb_err_set(err, SB_R_USAGE, "bad request or reply size");
        goto out;
    }
    timeout_s = timeout_ms <= 0 ? 1 : (timeout_ms + 999) / 1000;
    if ((use_ssl && (ctx = tls_ctx(host)) == NULL) || (req = BIO_new_mem_buf(req_der, (int)req_len)) == NULL) {
        r = sb_err_openssl(err, SB_R_INTERNAL, "cannot prepare the TSA request");
        goto out;
    }
    /* proxy "": never one from the environment; keep_alive 0: one request, connection closed after */
    rsp = OSSL_HTTP_transfer(NULL, host, port, path, use_ssl, "", NULL, NULL, NULL, use_ssl ? tls_cb : NULL, ctx, 0,
                             NULL, "application/timestamp-query", req, "application/timestamp-reply", 1, max_resp,
                             timeout_s, 0);
    if (rsp == NULL) {
        r = sb_err_openssl(err, SB_R_INPUT_UNREADABLE, "time-stamp request to %s failed", url);
        goto out;
    }
    r = read_body(rsp, max_resp, resp, resp_len, err);
out:
    BIO_free(rsp);
    BIO_free(req);
    SSL_CTX_free(ctx);
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    return r;
}
