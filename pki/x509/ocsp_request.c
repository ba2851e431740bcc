/*
 * pki/x509/ocsp_request.c — OCSP requests (RFC 6960 §4.1, RFC 5019 §2.1 and §5) and the names of results.
 *
 * The request is OpenSSL's own OCSP_REQUEST (OCSP_cert_id_new with SHA-1, OCSP_request_add1_nonce,
 * i2d_OCSP_REQUEST); only the nonce bytes are drawn here so the caller can compare the response's. The
 * OpenSSL objects built are freed before return; the caller owns sb_ocsp_request.der and the GET URL.
 */
#include "pki/x509/ocsp.h"

#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/rand.h>

#include "pki/base/base64.h"
#include "pki/base/digest.h"

void sb_ocsp_request_clear(struct sb_ocsp_request *req)
{
    if (req == NULL) {
        return;
    }
    OPENSSL_free(req->der);
    memset(req, 0, sizeof(*req));
}

enum sb_reason sb_ocsp_request_build(X509 *cert, X509 *issuer, size_t nonce_len, struct sb_ocsp_request *req,
                                     struct sb_err *err)
{
    const EVP_MD *sha1 = sb_md(SB_MD_SHA1);
    OCSP_REQUEST *r = NULL;
    OCSP_CERTID *id = NULL;
    unsigned char *der = NULL;
    int n;
    enum sb_reason rc;

    if (req == NULL) {
        return sb_err_set(err, SB_R_USAGE, "OCSP request: no output");
    }
    memset(req, 0, sizeof(*req));
    if (cert == NULL || issuer == NULL) {
        return sb_err_set(err, SB_R_USAGE, "OCSP request: certificate and issuer are required");
    }
    if (nonce_len != 0 && (nonce_len < SB_OCSP_NONCE_MIN || nonce_len > SB_OCSP_NONCE_MAX)) {
        return sb_err_set(err, SB_R_USAGE, "OCSP request: a nonce has %d to %d bytes (RFC 8954), not %zu",
                          SB_OCSP_NONCE_MIN, SB_OCSP_NONCE_MAX, nonce_len);
    }
    if (sha1 == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "OCSP request: SHA-1 is not available");
    }
    sb_openssl_errors_clear();
    /* RFC 6960 §4.1.1: issuerNameHash over the issuer name as it appears in the certificate being checked */
    if ((r = OCSP_REQUEST_new()) == NULL
        || (id = OCSP_cert_id_new(sha1, X509_get_issuer_name(cert), X509_get0_pubkey_bitstr(issuer),
                                  X509_get0_serialNumber(cert))) == NULL) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "OCSP request: CertID cannot be built");
        goto err;
    }
    if (OCSP_request_add0_id(r, id) == NULL) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "OCSP request: out of memory");
        goto err;
    }
    id = NULL;
    if (nonce_len != 0) {
        if (RAND_bytes(req->nonce, (int)nonce_len) != 1) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "OCSP request: no random bytes for the nonce");
            goto err;
        }
        /* the extension value is OCTET STRING { nonce } (RFC 8954 §2.1) */
        if (OCSP_request_add1_nonce(r, req->nonce, (int)nonce_len) != 1) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "OCSP request: nonce extension cannot be added");
            goto err;
        }
        req->nonce_len = nonce_len;
    }
    if ((n = i2d_OCSP_REQUEST(r, &der)) <= 0) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "OCSP request cannot be encoded");
        goto err;
    }
    req->der = der;
    req->der_len = (size_t)n;
    der = NULL;
    rc = SB_OK;
err:
    if (rc != SB_OK) {
        OPENSSL_cleanse(req->nonce, sizeof(req->nonce));
        req->nonce_len = 0;
    }
    OPENSSL_free(der);
    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(r);
    return rc;
}

enum sb_reason sb_ocsp_get_url(const char *responder_url, const unsigned char *der, size_t len, char **url,
                               struct sb_err *err)
{
    char *b64 = NULL, *out, *q;
    size_t ulen, i, n = 0;
    int slash;

    if (url == NULL) {
        return sb_err_set(err, SB_R_USAGE, "OCSP GET: no output");
    }
    *url = NULL;
    if (responder_url == NULL || responder_url[0] == '\0' || der == NULL || len == 0) {
        return sb_err_set(err, SB_R_USAGE, "OCSP GET: responder URL and request are required");
    }
    if ((b64 = sb_base64_encode(der, len)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "OCSP GET: out of memory");
    }
    for (i = 0; b64[i] != '\0'; i++) {
        n += (b64[i] == '+' || b64[i] == '/' || b64[i] == '=') ? 3 : 1;
    }
    ulen = strlen(responder_url);
    slash = responder_url[ulen - 1] != '/';
    if ((out = OPENSSL_malloc(ulen + (size_t)slash + n + 1)) == NULL) {
        OPENSSL_free(b64);
        return sb_err_set(err, SB_R_INTERNAL, "OCSP GET: out of memory");
    }
    memcpy(out, responder_url, ulen);
    q = out + ulen;
    if (slash) {
        *q++ = '/';
    }
    for (i = 0; b64[i] != '\0'; i++) {
        switch (b64[i]) {
        case '+':
            memcpy(q, "%2B", 3);
            q += 3;
            break;
        case '/':
            memcpy(q, "%2F", 3);
            q += 3;
            break;
        case '=':
            memcpy(q, "%3D", 3);
            q += 3;
            break;
        default:
            *q++ = b64[i];
            break;
        }
    }
    *q = '\0';
    OPENSSL_free(b64);
    *url = out;
    return SB_OK;
}

const char *sb_ocsp_status_name(enum sb_ocsp_status s)
{
    switch (s) {
    case SB_OCSP_GOOD:
        return "GOOD";
    case SB_OCSP_REVOKED:
        return "REVOKED";
    case SB_OCSP_UNKNOWN:
        return "UNKNOWN";
    case SB_OCSP_UNUSABLE:
    default:
        return "UNUSABLE";
    }
}

const char *sb_ocsp_cause_name(enum sb_ocsp_cause c)
{
    static const char *const names[] = {
        [SB_OCSP_C_NONE] = "NONE",
        [SB_OCSP_C_MALFORMED] = "MALFORMED",
        [SB_OCSP_C_UNSUCCESSFUL] = "UNSUCCESSFUL",
        [SB_OCSP_C_OTHER_CERT] = "OTHER_CERT",
        [SB_OCSP_C_BAD_SIGNATURE] = "BAD_SIGNATURE",
        [SB_OCSP_C_WEAK_ALGORITHM] = "WEAK_ALGORITHM",
        [SB_OCSP_C_RESPONDER_NOT_AUTHORISED] = "RESPONDER_NOT_AUTHORISED",
        [SB_OCSP_C_RESPONDER_NO_OCSP_SIGNING] = "RESPONDER_NO_OCSP_SIGNING",
        [SB_OCSP_C_RESPONDER_NOT_ISSUED_BY_CA] = "RESPONDER_NOT_ISSUED_BY_CA",
        [SB_OCSP_C_STALE] = "STALE",
        [SB_OCSP_C_NOT_YET_VALID] = "NOT_YET_VALID",
        [SB_OCSP_C_NONCE_MISMATCH] = "NONCE_MISMATCH",
        [SB_OCSP_C_CRITICAL_EXTENSION] = "CRITICAL_EXTENSION",
    };

    if ((unsigned)c >= sizeof(names) / sizeof(names[0]) || names[c] == NULL) {
        return "UNKNOWN_CAUSE";
    }
    return names[c];
}
