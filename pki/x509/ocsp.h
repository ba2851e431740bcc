/*
 * pki/x509/ocsp.h — OCSP (RFC 6960, RFC 5019): building requests and checking responses.
 *
 * Requests: one CertID (SHA-1, RFC 5019 §2.1.1) for (certificate, issuer), an optional nonce (RFC 8954:
 * 16..32 random bytes, returned to the caller), DER as OpenSSL's i2d_OCSP_REQUEST writes it, and the RFC 5019
 * GET form (the base64 of the DER, URL-encoded, appended to the responder URL).
 *
 * Responses: sb_ocsp_check() reads one DER OCSPResponse (id-pkix-ocsp-basic) for (certificate, issuer) at a
 * validation time: the SingleResponse whose CertID (SHA-1 or SHA-256, hashes recomputed here) names the
 * certificate; the BasicOCSPResponse signature over the received bytes of tbsResponseData on the EVP layer
 * (pki/crypto/sig.h, the algorithm allow-list and SM2 distinguishing ID as for CRLs; not OCSP_basic_verify);
 * the responder — the issuing CA itself, or a delegated responder certificate carried in the response,
 * issued directly by the CA (name and signature), with id-kp-OCSPSigning, valid at producedAt
 * (id-pkix-ocsp-nocheck honoured; without it the responder's own status is reported as not checked, which
 * RFC 6960 §4.2.2.2.1 leaves to local policy); freshness (thisUpdate, nextUpdate or the caller's maximum age,
 * producedAt, with clock skew); the nonce; certStatus. Locally trusted responders (RFC 6960 §4.2.2.2 item 2)
 * are not supported.
 *
 * What this module does not do: no network (gateway/ fetches), no caching, no revocation decision over
 * several sources (pki/x509/revocation.h). Thread-safe; inputs are only read; no global state.
 */
#ifndef SB_OCSP_H
#define SB_OCSP_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include "pki/base/err.h"
#include "pki/crypto/sig.h"

#define SB_OCSP_NONCE_MIN 16            /* RFC 8954 §2.1: at least 16 octets */
#define SB_OCSP_NONCE_MAX 32            /* RFC 8954 §2.1: at most 32 octets */
#define SB_OCSP_GET_MAX 255             /* RFC 5019 §5: GET when the whole URL is shorter than this */
#define SB_OCSP_MAX_RESPONSE (1u << 20) /* larger responses are refused as malformed (1 MiB) */
#define SB_OCSP_DEFAULT_MAX_AGE_S 86400 /* max_age_s when the caller leaves it 0 */
#define SB_OCSP_REASON_UNKNOWN 11       /* revocation_reason of a CRLReason value RFC 5280 does not define (as for
                                           CRL entries, revocation_crl.c) */

/* ---- requests ---------------------------------------------------------------------------------- */

struct sb_ocsp_request {
    unsigned char *der;                 /* owned (OPENSSL_free): the DER OCSPRequest */
    size_t der_len;
    unsigned char nonce[SB_OCSP_NONCE_MAX];  /* the nonce sent (nonce_len bytes); compare the response with it */
    size_t nonce_len;                   /* 0: no nonce extension */
};

/* Build an unsigned OCSPRequest for cert issued by issuer: SHA-1 CertID (issuer name hash over cert's issuer
 * field, issuer key hash over issuer's subjectPublicKey), and when nonce_len is not 0 a nonce of that many
 * random bytes (16..32, else USAGE). *req is filled (sb_ocsp_request_clear); INTERNAL on library failure. */
enum sb_reason sb_ocsp_request_build(X509 *cert, X509 *issuer, size_t nonce_len, struct sb_ocsp_request *req,
                                     struct sb_err *err) SB_MUST_USE;
/* Free what req owns and zero it (req may hold nothing). */
void sb_ocsp_request_clear(struct sb_ocsp_request *req);
/* RFC 5019 §5 / RFC 6960 A.1 GET URL: responder_url, '/' unless it ends with one, then the base64 of
 * der[0..len) with '+', '/' and '=' percent-encoded. *url is new (OPENSSL_free). Callers use GET when
 * strlen(*url) < SB_OCSP_GET_MAX and POST otherwise. USAGE for an empty URL or request. */
enum sb_reason sb_ocsp_get_url(const char *responder_url, const unsigned char *der, size_t len, char **url,
                               struct sb_err *err) SB_MUST_USE;

/* ---- responses --------------------------------------------------------------------------------- */

enum sb_ocsp_status {
    SB_OCSP_UNUSABLE = 0,               /* the response says nothing trustworthy about the certificate: cause */
    SB_OCSP_GOOD,
    SB_OCSP_REVOKED,
    SB_OCSP_UNKNOWN
};

/* Why a response is UNUSABLE (machine-readable; the message says more). */
enum sb_ocsp_cause {
    SB_OCSP_C_NONE = 0,                 /* not UNUSABLE */
    SB_OCSP_C_MALFORMED,                /* not one DER OCSPResponse, not id-pkix-ocsp-basic, bad times, too big */
    SB_OCSP_C_UNSUCCESSFUL,             /* responseStatus other than successful (tryLater...): response_status */
    SB_OCSP_C_OTHER_CERT,               /* no SingleResponse for this certificate (CertID does not match) */
    SB_OCSP_C_BAD_SIGNATURE,            /* signature does not verify (detail: SIG_CRYPTO / SM2_ID_MISMATCH) */
    SB_OCSP_C_WEAK_ALGORITHM,           /* signature algorithm or signer key refused by the allow-list */
    SB_OCSP_C_RESPONDER_NOT_AUTHORISED, /* ResponderID names neither the CA nor a carried certificate, or the
                                           responder certificate is not valid at producedAt, lacks
                                           digitalSignature, or has an unknown critical extension */
    SB_OCSP_C_RESPONDER_NO_OCSP_SIGNING,/* delegated responder certificate without id-kp-OCSPSigning */
    SB_OCSP_C_RESPONDER_NOT_ISSUED_BY_CA, /* delegated responder certificate not issued (name + signature) by
                                             the certificate's issuer */
    SB_OCSP_C_STALE,                    /* at is past nextUpdate (+ skew), or past thisUpdate + max_age_s */
    SB_OCSP_C_NOT_YET_VALID,            /* thisUpdate or producedAt later than at + skew */
    SB_OCSP_C_NONCE_MISMATCH,           /* the response's nonce differs from the request's */
    SB_OCSP_C_CRITICAL_EXTENSION        /* an unrecognised critical response or single extension */
};

enum sb_ocsp_responder {
    SB_OCSP_RESPONDER_NONE = 0,         /* not established */
    SB_OCSP_RESPONDER_CA,               /* signed with the issuing CA's own key */
    SB_OCSP_RESPONDER_DELEGATED         /* signed by a CA Designated Responder (id-kp-OCSPSigning) */
};

enum sb_ocsp_nonce {
    SB_OCSP_NONCE_NOT_SENT = 0,         /* the caller gave no nonce (a response nonce is ignored) */
    SB_OCSP_NONCE_MATCHED,
    SB_OCSP_NONCE_ABSENT,               /* sent, but the response carries none (RFC 5019 caching responders):
                                           accepted, and said in the message */
    SB_OCSP_NONCE_MISMATCH
};

/* What the caller supplies to sb_ocsp_check. Pointers are borrowed. */
struct sb_ocsp_check_opts {
    time_t at;                          /* the time the status must hold at ("now" for a live check) */
    long skew_s;                        /* allowed clock skew in seconds (>= 0) */
    long max_age_s;                     /* without nextUpdate: at - thisUpdate <= max_age_s; 0 = default */
    const unsigned char *nonce;         /* the request's nonce (sb_ocsp_request.nonce); NULL = none sent */
    size_t nonce_len;
    const struct sb_algs *algs;         /* allow-list for the response and responder signatures; NULL = default */
    const char *sm2_id;                 /* SM2 ID of the CA and responder keys; NULL = GM/T default */
};

struct sb_ocsp_result {
    enum sb_ocsp_status status;
    enum sb_ocsp_cause cause;           /* UNUSABLE only; SB_OCSP_C_NONE otherwise */
    enum sb_reason detail;              /* UNUSABLE: the precise reason behind cause (SIG_CRYPTO, SM2_ID_MISMATCH,
                                           WEAK_ALGORITHM, WEAK_KEY, EKU, CERT_EXPIRED, FORMAT...); else SB_OK */
    int response_status;                /* OCSPResponseStatus received (0 successful, 3 tryLater...); -1 unread */
    time_t revocation_time;             /* REVOKED: revocationTime; else 0 */
    int revocation_reason;              /* REVOKED: CRLReason code (1 keyCompromise...); -1 when absent;
                                           SB_OCSP_REASON_UNKNOWN for a value outside 0..10 */
    int revoked_after_at;               /* REVOKED with revocationTime later than at: not revoked at `at` */
    time_t this_update, next_update;    /* next_update 0 when absent */
    time_t produced_at;
    int certid_sha256;                  /* 1: the matching CertID used SHA-256, 0: SHA-1 */
    enum sb_ocsp_responder responder;
    int responder_nocheck;              /* delegated responder certificate carries id-pkix-ocsp-nocheck */
    int responder_status_unchecked;     /* delegated without nocheck: its own revocation status was not checked */
    enum sb_ocsp_nonce nonce;
    unsigned char sha256[32];           /* SHA-256 of the whole response DER as given (evidence) */
    char message[SB_ERR_MSG_MAX];       /* human-readable outcome */
};

/*
 * Check the DER OCSPResponse der[0..len) for cert, issued by issuer, under o; res is always filled (times
 * and responder as far as they were read). Returns SB_OK for GOOD (and for REVOKED with revocationTime later
 * than o->at, res->revoked_after_at set), REVOKED when revoked at or before o->at, REVOCATION_UNAVAILABLE for
 * UNKNOWN and UNUSABLE (res->cause, res->detail), USAGE for missing arguments, INTERNAL when out of memory.
 * A properly signed response that says revoked (other than certificateHold) at or before o->at gives REVOKED
 * even when stale, as a stale CRL listing the certificate does (DESIGN §7). err holds the same reason and the
 * message.
 */
enum sb_reason sb_ocsp_check(const unsigned char *der, size_t len, X509 *cert, X509 *issuer,
                             const struct sb_ocsp_check_opts *o, struct sb_ocsp_result *res,
                             struct sb_err *err) SB_MUST_USE;

/* ---- responses as carried (ocsp_wrap.c) --------------------------------------------------------- */

enum sb_ocsp_der_kind {
    SB_OCSP_DER_NEITHER = 0,
    SB_OCSP_DER_RESPONSE,               /* exactly one DER OCSPResponse */
    SB_OCSP_DER_BASIC                   /* exactly one DER BasicOCSPResponse (not wrapped) */
};

/* What der[0..len) is (structure only: nothing is verified); NEITHER above SB_OCSP_MAX_RESPONSE. */
enum sb_ocsp_der_kind sb_ocsp_der_kind(const unsigned char *der, size_t len);
/* The OCSPResponse { successful, responseBytes { id-pkix-ocsp-basic, OCTET STRING basic } } around the DER
 * BasicOCSPResponse basic[0..len), as a new buffer *out (OPENSSL_free); basic ends it at *basic_off (= *out_len -
 * len). USAGE for an empty or over-size input, INTERNAL when out of memory. */
enum sb_reason sb_ocsp_wrap_basic(const unsigned char *basic, size_t len, unsigned char **out, size_t *out_len,
                                  size_t *basic_off, struct sb_err *err) SB_MUST_USE;
/* A response as carried in an object or envelope, made ready for sb_ocsp_check: an OCSPResponse copied as it
 * is (*carried_off 0), a BasicOCSPResponse wrapped (sb_ocsp_wrap_basic, *carried_off its offset). FORMAT when
 * der is neither (message without a field name: the caller adds where it was). */
enum sb_reason sb_ocsp_carried(const unsigned char *der, size_t len, unsigned char **out, size_t *out_len,
                               size_t *carried_off, struct sb_err *err) SB_MUST_USE;

/* "GOOD" / "REVOKED" / "UNKNOWN" / "UNUSABLE". */
const char *sb_ocsp_status_name(enum sb_ocsp_status s);
/* Cause name without prefix ("BAD_SIGNATURE", "STALE"...; "NONE"); "UNKNOWN_CAUSE" out of range. */
const char *sb_ocsp_cause_name(enum sb_ocsp_cause c);

#endif
