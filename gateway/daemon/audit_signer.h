/*
 * gateway/daemon/audit_signer.h — the node's audit key: signs checkpoint records (audit.h) and checks them.
 *
 * A signer is a private key and its certificate (audit.signing_key, audit.signing_cert). Supported keys and
 * the algorithm name written in a checkpoint's "sig_alg":
 *   RSA      "rsa-pkcs1-sha256"   (RSASSA-PKCS1-v1_5 with SHA-256)
 *   EC       "ecdsa-sha256" (P-256 and other curves below 384 bits), "ecdsa-sha384" (P-384), "ecdsa-sha512"
 *   Ed25519  "ed25519"
 *   SM2      "sm2-sm3"            (SM3 with the GM/T default distinguishing ID "1234567812345678")
 * ECDSA and SM2 signatures are DER SEQUENCE{r, s}; in a record the signature is standard base64.
 * Loading checks that the key and certificate belong together (a test signature verified with the
 * certificate's public key) — the key file's permissions are checked by the configuration loader.
 * No global state; a signer is read-only after loading and may be used from several threads.
 */
#ifndef SBGW_AUDIT_SIGNER_H
#define SBGW_AUDIT_SIGNER_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

struct sbgw_audit_signer {
    EVP_PKEY *key;                   /* owned */
    X509 *cert;                      /* owned */
    const char *alg;                 /* static: one of the names above */
    char cert_sha256[65];            /* lowercase hex SHA-256 of the certificate's DER */
};

/* Load key_path and cert_path into s. 0 ok; -1 with a message in err. */
int sbgw_audit_signer_load(struct sbgw_audit_signer *s, const char *key_path, const char *cert_path, char *err,
                           size_t errlen);
/* Release what s owns (safe on a zeroed struct). */
void sbgw_audit_signer_free(struct sbgw_audit_signer *s);
/* Sign msg: *b64 a new NUL-terminated base64 string (free()). 0 ok, -1 failed. */
int sbgw_audit_sign(const struct sbgw_audit_signer *s, const unsigned char *msg, size_t len, char **b64);

/* The algorithm name for cert's public key, or NULL when the key type is not supported. */
const char *sbgw_audit_alg_for(X509 *cert);
/* Check a base64 signature b64 over msg under alg with cert's public key: 1 verifies, 0 does not (why says
 * how: wrong algorithm for the key, bad base64, or the signature does not verify). */
int sbgw_audit_sig_verify(X509 *cert, const char *alg, const unsigned char *msg, size_t len, const char *b64,
                          char *why, size_t whylen);
/* Lowercase hex SHA-256 of cert's DER into out[65]. 0 ok. */
int sbgw_audit_cert_sha256(X509 *cert, char out[65]);

#endif
