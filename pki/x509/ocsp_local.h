/*
 * pki/x509/ocsp_local.h — what the two halves of OCSP response checking share (private to pki/x509).
 *
 * ocsp_verify.c reads the response (structure, CertID, times, nonce, certStatus) and decides; ocsp_responder.c
 * establishes who signed it (the CA or a delegated responder) and verifies the signatures. One struct
 * ocsp_ck per sb_ocsp_check call, on its stack: every pointer in it is borrowed for the call.
 */
#ifndef SB_OCSP_LOCAL_H
#define SB_OCSP_LOCAL_H

#include <openssl/ocsp.h>

#include "pki/x509/ocsp.h"

struct ocsp_ck {
    const struct sb_ocsp_check_opts *o;
    const struct sb_algs *algs;         /* o->algs or defaults */
    X509 *cert, *issuer;
    OCSP_BASICRESP *bs;                 /* the decoded BasicOCSPResponse */
    const unsigned char *tbs;           /* the received bytes of tbsResponseData (what was signed) */
    size_t tbs_len;
    struct sb_ocsp_result *res;
    char serial[80];                    /* the certificate's serial, for messages */
    int stale_revoked;                  /* a stale response that says revoked (kept: revocation stays) */
};

/* Mark res UNUSABLE with cause and detail and a message "OCSP response for serial S: <fmt>"; returns cause. */
enum sb_ocsp_cause sb_ocsp_unusable(const struct ocsp_ck *ck, enum sb_ocsp_cause cause, enum sb_reason detail,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Find the responder named by the ResponderID, verify the response signature with its key and, for a
 * delegated responder, its authorisation (RFC 6960 §4.2.2.2): SB_OCSP_C_NONE with ck->res->responder (and
 * the nocheck flags) set, or the cause (sb_ocsp_unusable called). */
enum sb_ocsp_cause sb_ocsp_verify_responder(const struct ocsp_ck *ck);

#endif
