/*
 * pki/crypto/sm2.h — SM2 signatures with a distinguishing ID, and SM3, on OpenSSL's EVP layer.
 *
 * GM/T 0009/0003: the signer's identity hash ZA = SM3(ENTL||ID||a||b||xG||yG||xA||yA) is prefixed to the
 * message; the GM/T default ID is "1234567812345678" (OpenSSL 3.0 defaults to the empty ID, which is
 * wrong for GM/T certificates). Signatures are DER SEQUENCE{r,s}; the raw 64-byte r||s form is accepted
 * on request. No global state; thread-safe.
 */
#ifndef SB_SM2_H
#define SB_SM2_H

#include <stddef.h>
#include <openssl/evp.h>
#include "pki/base/err.h"

#define SB_SM2_DEFAULT_ID "1234567812345678"

/* 1 if pkey is an SM2 key (EC key on the SM2 curve), else 0. */
int sb_sm2_is_sm2_key(const EVP_PKEY *pkey);
/* Verify sig over msg with pub and distinguishing id (NULL = default). raw_rs: sig is 64-byte r||s.
 * SB_OK, SM2_ID_MISMATCH-free: returns SIG_CRYPTO when it does not verify, INPUT_MALFORMED for bad sig encoding. */
enum sb_reason sb_sm2_verify(EVP_PKEY *pub, const char *id, const unsigned char *msg, size_t msg_len,
                             const unsigned char *sig, size_t sig_len, int raw_rs,
                             struct sb_err *err) SB_MUST_USE;
/* Sign msg with priv under id (NULL = default); *sig is a new DER SEQUENCE{r,s} (OPENSSL_free). */
enum sb_reason sb_sm2_sign(EVP_PKEY *priv, const char *id, const unsigned char *msg, size_t msg_len,
                           unsigned char **sig, size_t *sig_len, struct sb_err *err) SB_MUST_USE;
/* SM3 of data into out[32]. */
enum sb_reason sb_sm3(const unsigned char *data, size_t len, unsigned char out[32], struct sb_err *err) SB_MUST_USE;
/* ZA for pub and id into z[32] (for per-key precomputation). */
enum sb_reason sb_sm2_za(EVP_PKEY *pub, const char *id, unsigned char z[32], struct sb_err *err) SB_MUST_USE;
/* What a repeat verifier keeps per (key, ID): the key under OpenSSL's SM2 key manager and ZA. */
struct sb_sm2_pre {
    EVP_PKEY *key;                     /* owned reference: SM2-typed */
    unsigned char za[32];
};
/* Fill pre for pub and id (NULL = default): the SM2-typed key and ZA, computed once. */
enum sb_reason sb_sm2_prepare(EVP_PKEY *pub, const char *id, struct sb_sm2_pre *pre, struct sb_err *err) SB_MUST_USE;
/* Release what pre owns and zero it. */
void sb_sm2_pre_clear(struct sb_sm2_pre *pre);
/* sb_sm2_verify (DER signature) with the precomputed key and ZA: e = SM3(ZA || msg), then the SM2 primitive. */
enum sb_reason sb_sm2_verify_pre(const struct sb_sm2_pre *pre, const unsigned char *msg, size_t msg_len,
                                 const unsigned char *sig, size_t sig_len, struct sb_err *err) SB_MUST_USE;
/* Convert a raw 64-byte r||s signature to DER; *der new (OPENSSL_free). */
enum sb_reason sb_sm2_rs_to_der(const unsigned char *rs, size_t rs_len, unsigned char **der, size_t *der_len,
                                struct sb_err *err) SB_MUST_USE;

#endif
