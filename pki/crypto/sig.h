/*
 * pki/crypto/sig.h — signatures on certificates and CRLs, and the algorithm allow-list.
 *
 * Verifies the issuer's signature over a certificate's, CRL's or OCSP response's to-be-signed bytes exactly as encoded
 * (no re-encoding), for RSA PKCS#1 v1.5, RSA-PSS, ECDSA, Ed25519 and SM2-with-SM3. SM2 signatures use
 * the distinguishing ID given by the caller (OpenSSL 3.0 cannot set one for CRLs). Thread-safe; the
 * objects passed in are only read.
 */
#ifndef SB_SIG_H
#define SB_SIG_H

#include <stdint.h>
#include <openssl/x509.h>
#include "pki/base/err.h"

/* Allow-list of signature and key algorithms (the strong defaults of sb_algs_default()). */
struct sb_algs {
    int min_rsa_bits;          /* default 2048 */
    int allow_sha1;            /* default 0: SHA-1 signatures are CRYPTO_CONSTRAINTS_FAILURE */
    int allow_md5;             /* default 0 */
    int allow_dsa;             /* default 0 */
    int webpki;                /* CA/B rules: RSA modulus multiple of 8, no explicit curves */
    uint32_t sig_allow;        /* SB_SIGALG_* bits: when not 0, a certificate or CRL signature must also be
                                  one of these (after the checks above); default 0 = no such restriction */
};

/* Signature algorithm classes for sb_algs.sig_allow (names as in policies/README.md). SHA-1 and MD5
 * classes still need allow_sha1 / allow_md5. */
#define SB_SIGALG_RSA_PKCS1_SHA1   (1u << 0)
#define SB_SIGALG_RSA_PKCS1_SHA256 (1u << 1)
#define SB_SIGALG_RSA_PKCS1_SHA384 (1u << 2)
#define SB_SIGALG_RSA_PKCS1_SHA512 (1u << 3)
#define SB_SIGALG_RSA_PSS_SHA256   (1u << 4)
#define SB_SIGALG_RSA_PSS_SHA384   (1u << 5)
#define SB_SIGALG_RSA_PSS_SHA512   (1u << 6)
#define SB_SIGALG_ECDSA_SHA1       (1u << 7)
#define SB_SIGALG_ECDSA_SHA256     (1u << 8)
#define SB_SIGALG_ECDSA_SHA384     (1u << 9)
#define SB_SIGALG_ECDSA_SHA512     (1u << 10)
#define SB_SIGALG_SM2_SM3          (1u << 11)
#define SB_SIGALG_ED25519          (1u << 12)
#define SB_SIGALG_ED448            (1u << 13)

#define SB_SIG_MAX_RSA_BITS 8192   /* larger RSA moduli are refused: verification cost must stay bounded */

/* 1 if verifying with pkey has a bounded cost (RSA modulus <= SB_SIG_MAX_RSA_BITS with an odd exponent
 * below 2^32; other key types with fields up to 1024 bits). Checked before any signature verification. */
int sb_sig_key_cheap_to_verify(EVP_PKEY *pkey);
/* What one signature verification with pkey costs, in work units of about 10 µs of one core
 * (pki/base/work_budget.h), measured with `openssl speed` under OpenSSL 3.0: RSA-2048 17 µs, RSA-4096 73 µs,
 * P-256 60 µs, Ed25519 100 µs, Ed448 250 µs, SM2 370 µs, P-521 540 µs, P-384 830 µs. Keys of other kinds
 * (other curves, DSA) cost SB_WORK_UNBOUNDED: they are never verified under a budget. */
long sb_sig_verify_cost(EVP_PKEY *pkey);

/* Fill a with the default allow-list. */
void sb_algs_default(struct sb_algs *a);

/* Check the signature algorithm of cert against a (WEAK_ALGORITHM on refusal). */
enum sb_reason sb_sig_check_cert_alg(const X509 *cert, const struct sb_algs *a, struct sb_err *err) SB_MUST_USE;
/* Check a public key (size, curve, type) against a; WEAK_KEY on refusal. */
enum sb_reason sb_sig_check_key(EVP_PKEY *pkey, const struct sb_algs *a, struct sb_err *err) SB_MUST_USE;
/* Verify cert's signature with issuer_key; SM2 uses sm2_id (NULL = GM/T default). SIG_CRYPTO or
 * SM2_ID_MISMATCH on failure; also fails when the outer and inner signature algorithms differ. */
enum sb_reason sb_sig_verify_cert(X509 *cert, EVP_PKEY *issuer_key, const char *sm2_id,
                                  struct sb_err *err) SB_MUST_USE;
/* Verify crl's signature with issuer_key (SM2 with sm2_id as above). */
enum sb_reason sb_sig_verify_crl(X509_CRL *crl, EVP_PKEY *issuer_key, const char *sm2_id,
                                 struct sb_err *err) SB_MUST_USE;
/* Check the signature algorithm of a CRL against a. */
enum sb_reason sb_sig_check_crl_alg(const X509_CRL *crl, const struct sb_algs *a, struct sb_err *err) SB_MUST_USE;

/* Check a signature AlgorithmIdentifier of any signed object against a (WEAK_ALGORITHM on refusal; what
 * names the object in the message, e.g. "OCSP response"). */
enum sb_reason sb_sig_check_alg(const X509_ALGOR *alg, const struct sb_algs *a, const char *what,
                                struct sb_err *err) SB_MUST_USE;
/*
 * Verify sig, made with alg over tbs[0..tbs_len) exactly as given (no re-encoding), with key: the
 * SIGNED{} form of OCSP responses and other X.509-shaped objects. Non-SM2 algorithms take the path
 * X509_CRL_verify takes (OpenSSL's ASN1_item_verify: RSA PKCS#1 v1.5, RSA-PSS with its parameters, ECDSA,
 * Ed25519), SM2-with-SM3 uses sm2_id (NULL = GM/T default) and diagnoses a wrong ID as for CRLs. SIG_CRYPTO
 * or SM2_ID_MISMATCH on failure, WEAK_KEY when key is too costly to verify with; what names the object.
 */
enum sb_reason sb_sig_verify_tbs(const X509_ALGOR *alg, const ASN1_BIT_STRING *sig, const unsigned char *tbs,
                                 size_t tbs_len, EVP_PKEY *key, const char *sm2_id, const char *what,
                                 struct sb_err *err) SB_MUST_USE;

#endif
