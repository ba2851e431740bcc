/*
 * pki/cms/tsp.h — RFC 3161 time-stamp protocol: requests, responses and tokens for a SHA-256 imprint.
 *
 * A request (TimeStampReq, DER) names a SHA-256 message imprint, asks for the TSA's certificate (certReq
 * true), carries a fresh random 64-bit nonce and optionally a policy OID. A response (TimeStampResp) is
 * accepted only when its PKIStatus is granted or grantedWithMods, it holds a token, and the token's TSTInfo
 * names the request's imprint (SHA-256) and nonce; the token (TimeStampToken: a CMS SignedData) and its
 * genTime are handed back. Accepting a response does not verify the token's signature: sb_tsp_verify_token
 * does that, against anchors the caller trusts — the TSA's signature, its certificate chaining to one of the
 * anchors at the token's genTime (not today: an anchor outlives the TSA certificate) with extKeyUsage
 * timeStamping (critical, RFC 3161 §2.3), the ESS signing certificate attribute, version 1 and the imprint.
 *
 * sb_tsp_http_post (tsp_http.c) is the one piece of network I/O in pki/: a blocking POST of a request to
 * exactly the URL it is given (no proxy from the environment, no redirects), bounded in time and size. It
 * lives here because every user of a TSA — the daemon's audit anchors and, later, timestamped signatures
 * (issue 17) — needs the same exchange; it keeps no state between calls.
 *
 * Not done: other imprint algorithms, TSA name checks (TS_VFY_TSA_NAME), accuracy, ordering; revocation of
 * the TSA certificate is not checked. Thread-safe; inputs are only read; no global state.
 */
#ifndef SB_TSP_H
#define SB_TSP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>
#include "pki/base/err.h"

#define SB_TSP_MAX_RESPONSE (64 * 1024)     /* largest TimeStampResp read from a TSA */

/* A request as sent: its DER and what the response must echo. */
struct sb_tsp_req {
    unsigned char *der;              /* owned (OPENSSL_free): the TimeStampReq */
    size_t der_len;
    unsigned char imprint[32];       /* the SHA-256 message imprint */
    unsigned char nonce[8];          /* big-endian; the first byte is never 0 (so its DER is 8 bytes long) */
};

/* Build a request for imprint (32 bytes: a SHA-256 value the caller computed) with a random nonce and, when
 * policy_oid is not NULL, reqPolicy (dotted OID text). SB_OK, USAGE (a bad OID) or INTERNAL. */
enum sb_reason sb_tsp_request(const unsigned char imprint[32], const char *policy_oid, struct sb_tsp_req *req,
                              struct sb_err *err) SB_MUST_USE;
/* Free what req owns (safe on a zeroed or freed request). */
void sb_tsp_req_free(struct sb_tsp_req *req);

/* Read a TimeStampResp for req: on SB_OK *token (OPENSSL_free) holds the TimeStampToken's DER and
 * *gen_time its genTime (UTC, whole seconds). INPUT_MALFORMED when it is not a TimeStampResp or holds no
 * token, POLICY_PROCESSING when the TSA refused (the message names the PKIStatus, failInfo and text),
 * HASH_MISMATCH when the token names another imprint or nonce. The signature is NOT checked here. */
enum sb_reason sb_tsp_response(const struct sb_tsp_req *req, const unsigned char *der, size_t len,
                               unsigned char **token, size_t *token_len, time_t *gen_time,
                               struct sb_err *err) SB_MUST_USE;

/* Verify a TimeStampToken (DER) over imprint (32 bytes, SHA-256) with anchors as the only trust anchors
 * (the token's own certificates are untrusted path candidates). On SB_OK *gen_time (may be NULL) is its
 * genTime. INPUT_MALFORMED (not a token), HASH_MISMATCH (another imprint or not SHA-256), SIG_CRYPTO (the
 * signature, chain, extKeyUsage or ESS check failed: the message has OpenSSL's reason), INTERNAL. */
enum sb_reason sb_tsp_verify_token(const unsigned char *token, size_t len, const unsigned char imprint[32],
                                   STACK_OF(X509) *anchors, time_t *gen_time, struct sb_err *err) SB_MUST_USE;

/* genTime of a TimeStampToken (DER) without verifying anything. SB_OK or INPUT_MALFORMED. */
enum sb_reason sb_tsp_token_time(const unsigned char *token, size_t len, time_t *gen_time,
                                 struct sb_err *err) SB_MUST_USE;

/* POST req_der to url (http:// or https://; https is verified against the system CA store and the URL's
 * host name) as application/timestamp-query, expecting application/timestamp-reply of at most max_resp
 * bytes, all within timeout_ms (rounded up to whole seconds: OpenSSL's granularity). On SB_OK *resp
 * (OPENSSL_free) holds the body. USAGE (not an http:// or https:// URL); INPUT_UNREADABLE for a network,
 * TLS, HTTP status, content type or size failure (the message has OpenSSL's reason); INTERNAL. */
enum sb_reason sb_tsp_http_post(const char *url, const unsigned char *req_der, size_t req_len, int timeout_ms,
                                size_t max_resp, unsigned char **resp, size_t *resp_len,
                                struct sb_err *err) SB_MUST_USE;

#endif
