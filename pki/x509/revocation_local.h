/*
 * pki/x509/revocation_local.h — what the two halves of revocation checking share (private to pki/x509).
 *
 * revocation_crl.c evaluates one CRL against one certificate (candidate, extensions, scope, time,
 * signature, entry); revocation.c decides from all of them (delta binding, certificateHold release,
 * reason coverage) and from the supplied OCSP responses (revocation_ocsp.c). The CRL halves fill one struct
 * rev_check per call, owned by sb_revocation_check.
 */
#ifndef SB_REVOCATION_LOCAL_H
#define SB_REVOCATION_LOCAL_H

#include <stddef.h>

#include <openssl/x509v3.h>

#include "pki/x509/revocation.h"

#define SB_REV_MAX_CRLS 256          /* CRLs considered per check; the rest are ignored */
#define SB_REV_MAX_OCSPS 64          /* supplied OCSP responses considered per check; the rest are ignored */
#define SB_REV_MAX_ENTRIES 1000000   /* entries a CRL may hold before it is refused as unusable */
#define SB_REV_ALL_REASONS 0x1FEu    /* ReasonFlags bits 1 (keyCompromise) .. 8 (aACompromise) */
#define SB_REV_REASON_HOLD 6
#define SB_REV_REASON_REMOVE 8
#define SB_REV_NAME_MAX 160

enum crl_state {
    CRL_SKIP = 0,          /* not from the certificate's issuer nor from one of its cRLIssuers */
    CRL_OUT_OF_SCOPE,      /* right issuer, but its scope does not include this certificate */
    CRL_UNUSABLE,          /* must not be used (signature, extensions, time, entries) */
    CRL_USABLE
};

/* Diagnostic priorities for REVOCATION_UNAVAILABLE: the highest is the closest to success. */
enum diag_prio { DIAG_NONE = 0, DIAG_SCOPE, DIAG_UNUSABLE, DIAG_TIME, DIAG_COVERAGE };

struct crl_info {
    X509_CRL *crl;                     /* borrowed: ctx->crls */
    enum crl_state state;
    ISSUING_DIST_POINT *idp;           /* owned; NULL when absent */
    const ASN1_OCTET_STRING *idp_der;  /* borrowed: IDP extension value, for "same scope" */
    ASN1_INTEGER *number;              /* owned: CRL number */
    ASN1_INTEGER *base;                /* owned: BaseCRLNumber; non-NULL marks a delta CRL */
    unsigned reasons;                  /* IDP onlySomeReasons ∩ reasons of the matched DPs */
    int current;                       /* usable and thisUpdate <= at <= nextUpdate */
    int listed;                        /* an entry for the certificate was found */
    int reason;                        /* its CRLReason, -1 when absent */
    int revoked_by_at;                 /* its revocationDate <= at */
    time_t rev_time;                   /* its revocationDate (0 when it cannot be converted) */
    char rev_date[32];
};

struct rev_check {
    const struct sb_revocation_ctx *ctx;
    X509 *issuer;
    const X509_NAME *cert_iss;
    const ASN1_INTEGER *serial;
    STACK_OF(DIST_POINT) *dps;         /* owned: the certificate's CRLDP, NULL when absent */
    int cert_is_ca;
    const struct sb_algs *algs;
    struct sb_algs algs_default;
    int candidates;                    /* CRLs from a relevant issuer */
    enum diag_prio prio;
    char diag[300];
    char serial_s[48];
    char iss_s[SB_REV_NAME_MAX];
};

/* Keep fmt as the diagnostic of ck if prio is higher than the one it has (the closest to success wins). */
void sb_rev_note(struct rev_check *ck, enum diag_prio prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Decimal text of an INTEGER (a CRL number) into buf; "?" when it cannot be converted. */
void sb_rev_number_str(const ASN1_INTEGER *ai, char *buf, size_t len);
/* The first directoryName of gens, NULL when there is none. */
const X509_NAME *sb_rev_gens_first_dirname(GENERAL_NAMES *gens);
/* Evaluate ci->crl for the certificate of ck: sets ci->state, scope reasons, currency and the entry found,
 * and leaves a diagnostic in ck when it cannot be used. */
void sb_rev_crl_evaluate(struct rev_check *ck, struct crl_info *ci);
/* 1 if a and b have the same CRL issuer and issuingDistributionPoint (the same scope). */
int sb_rev_same_scope(const struct crl_info *a, const struct crl_info *b);

/* Evidence (rev_evidence.c; ev NULL: nothing). fetched (may be NULL): what the more_crls hook said of its CRLs.
 * revoked: best is the CRL whose listing revokes the certificate. covered: the current complete CRL covering
 * the most reasons (ties: the newest) with its newest bound delta, and a listing after ctx->at if any. */
void sb_rev_evidence_revoked(const struct sb_revocation_ctx *ctx, const struct sb_crl_origins *fetched,
                             const struct crl_info *best, struct sb_rev_evidence *ev);
void sb_rev_evidence_covered(const struct sb_revocation_ctx *ctx, const struct sb_crl_origins *fetched,
                             const struct crl_info *infos, int n, struct sb_rev_evidence *ev);

/* What ctx->ocsps say about cert (revocation_ocsp.c): SB_OK (a good response, or one revoking it only after
 * ctx->at) or REVOKED, with ev filled from the response that decided and why holding its message;
 * REVOCATION_UNAVAILABLE when none decides (why names the closest to deciding: unknown, then unusable, then
 * for another certificate); INTERNAL (the work budget spent). */
enum sb_reason sb_rev_supplied_judge(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                     struct sb_rev_evidence *ev, struct sb_err *why);

#endif
