/*
 * gateway/daemon/audit_signer.c — signing and checking audit checkpoints (see audit_signer.h).
 */
#include "gateway/daemon/audit_signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "pki/base/base64.h"
#include "pki/base/err.h"
#include "pki/base/hex.h"
#include "pki/base/load.h"
#include "pki/crypto/sm2.h"

#define SIG_MAX 2048                 /* larger than any signature of a supported key */

static const char *alg_for_key(EVP_PKEY *k)
{
    int bits;

    if (k == NULL) {
        return NULL;
    }
    if (sb_sm2_is_sm2_key(k)) {
        return "sm2-sm3";
    }
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        return "rsa-pkcs1-sha256";
    case EVP_PKEY_ED25519:
        return "ed25519";
    case EVP_PKEY_EC:
        bits = EVP_PKEY_get_bits(k);
        return bits >= 512 ? "ecdsa-sha512" : bits >= 384 ? "ecdsa-sha384" : "ecdsa-sha256";
    default:
        return NULL;
    }
}

const char *sbgw_audit_alg_for(X509 *cert)
{
    return alg_for_key(X509_get0_pubkey(cert));
}

/* The digest of alg for EVP_DigestSign/Verify (NULL for Ed25519); *ok 0 for an unknown name or SM2. */
static const EVP_MD *alg_md(const char *alg, int *ok)
{
    *ok = 1;
    if (strcmp(alg, "rsa-pkcs1-sha256") == 0 || strcmp(alg, "ecdsa-sha256") == 0) {
        return EVP_sha256();
    }
    if (strcmp(alg, "ecdsa-sha384") == 0) {
        return EVP_sha384();
    }
    if (strcmp(alg, "ecdsa-sha512") == 0) {
        return EVP_sha512();
    }
    if (strcmp(alg, "ed25519") != 0) {
        *ok = 0;
    }
    return NULL;
}

int sbgw_audit_cert_sha256(X509 *cert, char out[65])
{
    unsigned char *der = NULL, md[32];
    unsigned int mdlen = 0;
    int n = i2d_X509(cert, &der), rc = -1;

    if (n > 0 && EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32) {
        sb_hex_encode(md, 32, out, 65);
        rc = 0;
    }
    OPENSSL_free(der);
    return rc;
}

/* Raw signature bytes of msg into *sig (OPENSSL_free). */
static int sign_raw(EVP_PKEY *key, const char *alg, const unsigned char *msg, size_t len, unsigned char **sig,
                    size_t *siglen)
{
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    int ok, rc = -1;

    *sig = NULL;
    if (strcmp(alg, "sm2-sm3") == 0) {
        return sb_sm2_sign(key, NULL, msg, len, sig, siglen, NULL) == SB_OK ? 0 : -1;
    }
    md = alg_md(alg, &ok);
    if (!ok || (ctx = EVP_MD_CTX_new()) == NULL) {
        return -1;
    }
    if (EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1 && EVP_DigestSign(ctx, NULL, siglen, msg, len) == 1 &&
        (*sig = OPENSSL_malloc(*siglen)) != NULL && EVP_DigestSign(ctx, *sig, siglen, msg, len) == 1) {
        rc = 0;
    } else {
        OPENSSL_free(*sig);
        *sig = NULL;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int verify_raw(EVP_PKEY *pub, const char *alg, const unsigned char *msg, size_t len,
                      const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    int ok, rc = 0;

    if (strcmp(alg, "sm2-sm3") == 0) {
        return sb_sm2_verify(pub, NULL, msg, len, sig, siglen, 0, NULL) == SB_OK;
    }
    md = alg_md(alg, &ok);
    if (!ok || (ctx = EVP_MD_CTX_new()) == NULL) {
        return 0;
    }
    rc = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) == 1 && EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    sb_openssl_errors_clear();
    return rc;
}

int sbgw_audit_sign(const struct sbgw_audit_signer *s, const unsigned char *msg, size_t len, char **b64)
{
    unsigned char *sig = NULL;
    size_t siglen = 0;
    char *enc;

    *b64 = NULL;
    if (sign_raw(s->key, s->alg, msg, len, &sig, &siglen) != 0) {
        sb_openssl_errors_clear();
        return -1;
    }
    enc = sb_base64_encode(sig, siglen);
    OPENSSL_free(sig);
    if (enc == NULL) {
        return -1;
    }
    *b64 = strdup(enc);
    OPENSSL_free(enc);
    return *b64 != NULL ? 0 : -1;
}

int sbgw_audit_sig_verify(X509 *cert, const char *alg, const unsigned char *msg, size_t len, const char *b64,
                          char *why, size_t whylen)
{
    const char *want = sbgw_audit_alg_for(cert);
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int ok;

    if (want == NULL) {
        snprintf(why, whylen, "the certificate's key type is not one audit checkpoints are signed with");
        return 0;
    }
    if (alg == NULL || strcmp(alg, want) != 0) {
        snprintf(why, whylen, "sig_alg %s does not match the certificate's key (%s)", alg != NULL ? alg : "(none)",
                 want);
        return 0;
    }
    if (b64 == NULL || sb_base64_decode(b64, strlen(b64), SIG_MAX, &sig, &siglen, NULL) != SB_B64_OK) {
        snprintf(why, whylen, "sig is not base64");
        return 0;
    }
    ok = verify_raw(X509_get0_pubkey(cert), alg, msg, len, sig, siglen);
    OPENSSL_free(sig);
    if (!ok) {
        snprintf(why, whylen, "the signature does not verify with this certificate");
    }
    return ok;
}

void sbgw_audit_signer_free(struct sbgw_audit_signer *s)
{
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    memset(s, 0, sizeof(*s));
}

int sbgw_audit_signer_load(struct sbgw_audit_signer *s, const char *key_path, const char *cert_path, char *err,
                           size_t errlen)
{
    static const unsigned char probe[] = "sigbridge audit key check";
    STACK_OF(X509) *certs = NULL;
    struct sb_err e;
    char *b64 = NULL, why[160];
    int ok;

    memset(s, 0, sizeof(*s));
    sb_err_clear(&e);
    if (sb_load_key(key_path, &s->key, &e) != SB_OK) {
        snprintf(err, errlen, "audit.signing_key: %s", e.msg);
        goto fail;
    }
    if (sb_load_certs(cert_path, &certs, &e) != SB_OK || sk_X509_num(certs) < 1) {
        snprintf(err, errlen, "audit.signing_cert: %s", e.msg[0] != '\0' ? e.msg : "no certificate");
        goto fail;
    }
    s->cert = sk_X509_shift(certs);
    if ((s->alg = alg_for_key(s->key)) == NULL) {
        snprintf(err, errlen, "audit.signing_key %s: unsupported key type (RSA, ECDSA, Ed25519 or SM2)", key_path);
        goto fail;
    }
    if (sbgw_audit_cert_sha256(s->cert, s->cert_sha256) != 0) {
        snprintf(err, errlen, "audit.signing_cert %s: cannot encode the certificate", cert_path);
        goto fail;
    }
    ok = sbgw_audit_sign(s, probe, sizeof(probe) - 1, &b64) == 0 &&
         sbgw_audit_sig_verify(s->cert, s->alg, probe, sizeof(probe) - 1, b64, why, sizeof(why));
    free(b64);
    if (!ok) {
        snprintf(err, errlen, "audit.signing_key %s does not belong to audit.signing_cert %s", key_path, cert_path);
        goto fail;
    }
    sk_X509_pop_free(certs, X509_free);
    return 0;
fail:
    sk_X509_pop_free(certs, X509_free);
    sbgw_audit_signer_free(s);
    sb_openssl_errors_clear();
    return -1;
}
