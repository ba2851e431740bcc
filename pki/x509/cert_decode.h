/*
 * pki/x509/cert_decode.h — decoding certificates without OpenSSL 3.0's public-key decoder, and the
 * content digests of certificates and CRLs.
 *
 * d2i_X509 in OpenSSL 3.0 spends ~90 µs of a ~100 µs decode building a provider decoder chain for the
 * SubjectPublicKeyInfo (OSSL_DECODER_CTX_new_for_pkey walks every decoder and key manager of the
 * default provider). A new signer's certificate is decoded once per request, so that cost decided the
 * throughput for traffic of many distinct signers. sb_cert_d2i decodes the certificate in a library
 * context with no providers (the key decode fails at once and is skipped, everything else of the
 * certificate is decoded as usual) and builds the public key from the SubjectPublicKeyInfo directly: RSA
 * with EVP_PKEY_fromdata, EC on P-256/384/521 and SM2 as a copy of the curve's parameters (made once) with
 * the point set (checked to be on the curve), Ed25519/Ed448 from the raw key: ~10–25 µs in all. Anything it
 * cannot build with certainty (other algorithms, explicit curves, RSA-PSS keys, non-minimal integers,
 * self-issued certificates, whose OpenSSL self-checks need the key inside the X509) is decoded the
 * ordinary way, so the result never differs in meaning, only in cost.
 *
 * A certificate decoded so has X509_get0_pubkey() == NULL: every caller that reads a certificate's key
 * uses sb_cert_pubkey(). The key and the SHA-256 of the certificate's DER are kept in the X509's
 * ex_data, attached before the certificate is shared and never changed afterwards, so concurrent readers
 * need no lock. The decoding library context and the ex_data indexes are created once per process
 * (pthread_once) and never change afterwards. Thread-safe.
 */
#ifndef SB_CERT_DECODE_H
#define SB_CERT_DECODE_H

#include <stddef.h>
#include <openssl/x509.h>

/* Decode exactly one DER certificate der[0..len) (trailing bytes: NULL), the key built as above.
 * A new reference (X509_free), NULL when der is not exactly one certificate or out of memory. */
X509 *sb_cert_d2i(const unsigned char *der, size_t len);

/* The certificate's public key, borrowed: the one sb_cert_d2i built, else X509_get0_pubkey(x).
 * NULL when the key could not be decoded. */
EVP_PKEY *sb_cert_pubkey(const X509 *x);
/* 1 if sb_cert_d2i built x's key itself (the cheap decode, ~20 µs), 0 if OpenSSL's own decoder did (~100 µs:
 * self-issued certificates, other key types). */
int sb_cert_decoded_cheaply(const X509 *x);

/* SHA-256 of x's DER encoding: remembered when x was decoded here or noted by sb_cert_note_der, else
 * computed (i2d + SHA-256). 1 on success. */
int sb_cert_sha256(const X509 *x, unsigned char out[32]);
/* SHA-256 of crl's DER encoding (i2d + SHA-256: X509_CRL has no ex_data to remember it in). 1 on success. */
int sb_crl_sha256(X509_CRL *crl, unsigned char out[32]);

/* Remember the SHA-256 of x's DER in x (i2d once), for certificates loaded elsewhere; same rules as below. */
int sb_cert_note_digest(X509 *x);
/* Remember the SHA-256 of der[0..len), x's encoding as read, in x (for loaders: call before x is shared
 * with other threads). 1 on success; 0 leaves x as it was (the digest is then computed when needed). */
int sb_cert_note_der(X509 *x, const unsigned char *der, size_t len);

#endif
