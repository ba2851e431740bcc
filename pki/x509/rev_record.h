/*
 * pki/x509/rev_record.h — the caller's network revocation sources (sb_more_crls_fn, sb_ocsp_source_fn) seen
 * through a recorder for the length of one sb_chain_validate (private to pki/x509).
 *
 * The recorder remembers each certificate's answer, so that one validation asks a source about a certificate
 * at most once even when the path builder tries several paths through it (a failing source would otherwise
 * make it wait once per path); it keeps the window in which the answers it passed on are current (they bound
 * how long a validated path may be cached, like the supplied CRLs do), and whether any source failed (a path
 * that passed without status is never cached).
 *
 * Ownership: struct sb_rev_record lives on sb_chain_validate's stack; sb_rev_record_init borrows the hooks,
 * sb_rev_record_clear frees the CRL references it keeps. Not shared between threads.
 */
#ifndef SB_REV_RECORD_H
#define SB_REV_RECORD_H

#include <time.h>
#include <openssl/x509.h>

#include "pki/x509/revocation.h"

#define SB_REV_RECORD_MAX 8   /* certificates whose answers are remembered per validation, per source */

struct sb_rev_seen_crls {
    X509 *cert;                                 /* borrowed: the validation's certificate */
    enum sb_reason rc;
    STACK_OF(X509_CRL) *crls;                   /* owned (a reference each): the CRLs given, when rc is SB_OK */
    struct sb_crl_origins origins;              /* what the hook said of them (URL, SHA-256) */
    struct sb_err why;                          /* when rc is not SB_OK */
};

struct sb_rev_seen_ocsp {
    X509 *cert;                                 /* borrowed */
    enum sb_reason rc;
    struct sb_rev_evidence ev;
    struct sb_err why;
};

struct sb_rev_record {
    sb_more_crls_fn crl_fn;                     /* the caller's hooks (NULL: not used) */
    void *crl_arg;
    sb_ocsp_source_fn ocsp_fn;
    void *ocsp_arg;
    int max_age_s;
    time_t from, until;                         /* the answers' common window */
    int uncacheable;
    int n_crls, n_ocsp;
    struct sb_rev_seen_crls crls[SB_REV_RECORD_MAX];
    struct sb_rev_seen_ocsp ocsp[SB_REV_RECORD_MAX];
};

/* Start recording o's hooks (either may be NULL); max_age_s as in sb_rev_fetch. */
void sb_rev_record_init(struct sb_rev_record *w, sb_more_crls_fn crl_fn, void *crl_arg, sb_ocsp_source_fn ocsp_fn,
                        void *ocsp_arg, int max_age_s);
/* Free what w keeps. */
void sb_rev_record_clear(struct sb_rev_record *w);
/* The hooks to give the revocation check instead of the caller's: arg is the struct sb_rev_record. */
enum sb_reason sb_rev_record_crls(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                  struct sb_err *why);
enum sb_reason sb_rev_record_ocsp(void *arg, const struct sb_ocsp_query *q, struct sb_rev_evidence *ev,
                                  struct sb_err *why);

#endif
