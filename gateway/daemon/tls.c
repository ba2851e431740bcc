/*
 * gateway/daemon/tls.c — server TLS contexts per listener (built at start and at every reload, off the loop)
 * and the mapping of a verified client certificate to a configured client id (by exact RFC 2253
 * subject or by SHA-256 fingerprint of the DER certificate).
 *
 * TLS 1.2 minimum, OpenSSL's default cipher list, no renegotiation. With client_ca the handshake
 * requires a client certificate that chains to it (SSL_VERIFY_PEER | FAIL_IF_NO_PEER_CERT); mapping
 * that certificate to an id and enforcing access lists happens per request (http.c, api_*.c, proxy.c).
 */
#include "gateway/daemon/sbgw.h"

#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "pki/x509/cert_format.h"

static void tls_err(struct sb_diag *diag, const struct sbgw_config *cfg, enum sbgw_listener_kind l,
                    const char *what, const char *file)
{
    char ossl[256] = "";
    unsigned long e = ERR_get_error();

    if (e != 0) {
        ERR_error_string_n(e, ossl, sizeof(ossl));
    }
    ERR_clear_error();
    sb_diag_add(diag, "%s:%u:%u: listeners.%s.tls: %s '%s'%s%s", cfg->file, cfg->listeners[l].tls.pos.line,
                  cfg->listeners[l].tls.pos.col, sbgw_listener_name(l), what, file, e != 0 ? ": " : "", ossl);
}

SSL_CTX *sbgw_tls_ctx_new(const struct sbgw_config *cfg, enum sbgw_listener_kind l, struct sb_diag *diag)
{
    const struct sbgw_tls_conf *t = &cfg->listeners[l].tls;
    STACK_OF(X509_NAME) *cas = NULL;
    SSL_CTX *ctx;

    ERR_clear_error();
    if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
        tls_err(diag, cfg, l, "cannot create a TLS context for", t->cert);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);    /* idle connections hold no 16 KiB record buffers */
    if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1) {
        tls_err(diag, cfg, l, "cannot load the certificate chain", t->cert);
        goto err;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1) {
        tls_err(diag, cfg, l, "cannot load the private key", t->key);
        goto err;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        tls_err(diag, cfg, l, "the private key does not match the certificate", t->cert);
        goto err;
    }
    if (t->client_ca != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, t->client_ca, NULL) != 1 ||
            (cas = SSL_load_client_CA_file(t->client_ca)) == NULL) {
            tls_err(diag, cfg, l, "cannot load the client CA file", t->client_ca);
            goto err;
        }
        SSL_CTX_set_client_CA_list(ctx, cas);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        SSL_CTX_set_verify_depth(ctx, 8);
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"sigbridge", 9);
    }
    return ctx;
err:
    SSL_CTX_free(ctx);
    return NULL;
}

int sbgw_tls_client_id(SSL *ssl, const struct sbgw_tls_conf *t, char *id, size_t len)
{
    X509 *peer;
    char subject[1024], fp[65];
    size_t i;

    id[0] = '\0';
    if (ssl == NULL || (peer = SSL_get0_peer_certificate(ssl)) == NULL || SSL_get_verify_result(ssl) != X509_V_OK) {
        return 0;
    }
    if (t == NULL || t->n_clients == 0) {
        return 1;
    }
    sb_certfmt_sha256(peer, fp, sizeof(fp));
    sb_certfmt_name(X509_get_subject_name(peer), subject, sizeof(subject));
    for (i = 0; i < t->n_clients; i++) {
        const struct sbgw_client *c = &t->clients[i];

        if ((c->sha256[0] != '\0' && strcmp(c->sha256, fp) == 0) ||
            (c->subject != NULL && subject[0] != '\0' && strcmp(c->subject, subject) == 0)) {
            snprintf(id, len, "%s", c->id);
            return 1;
        }
    }
    return 1;
}
