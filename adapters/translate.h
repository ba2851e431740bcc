/*
 * adapters/translate.h — cross-border translation: validate under A, recognise for B, attest for B.
 *
 * One request: the sending jurisdiction's adapter parses the body into evidence; the evidence is
 * validated under A's policy (sb_validate, pki/verdict/validate.h; the attestation vouches for the whole
 * object, so an XML-DSig document with content outside every reference is UNSIGNED_CONTENT); every signer is put to
 * recognition.yaml's A→B rule (sb_recognise); when all are recognised and the rule has an attest block,
 * a canonical attestation document is signed with B's gateway key in the rule's format (GM/T 0010 for
 * cn, CMS for hk, XML-DSig for mo, as configured) by B's adapter. Not recognised → no attestation; the
 * reason is POLICY and names the rule and the certificate policy that failed.
 *
 * The canonical document (README.md) is JSON with sorted keys and no white space:
 * {"content_sha256"?,"from","gateway_id","indication","level","object_sha256","policy_oid","policy_snapshot",
 *  "rule","signer":{"issuer","serial","subject"},"to","validation_time","version":1}.
 *
 * Thread-safe: call from any worker thread with a referenced policy set. File I/O: the attestation key
 * file is read per call (not cached). No audit here: the caller records struct sb_translate_out.
 */
#ifndef SB_TRANSLATE_H
#define SB_TRANSLATE_H

#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include "adapter.h"
#include "pki/verdict/validate.h"

struct sb_translate_req {
    const struct sb_policy_set *set;     /* borrowed */
    const char *from, *to;               /* jurisdiction ids */
    const unsigned char *in;             /* the body / file */
    size_t len;
    const char *content_type;            /* NULL: sniffed */
    time_t now;
    const time_t *at;                    /* explicit validation time; NULL: A's policy rule at now */
    const char *gateway_id;              /* NULL: "sigbridge" */
    const struct sb_validation_caches *caches;   /* the daemon's caches for validation under A (scope: A's
                                                  * under this policy set); NULL = none */
    sb_more_crls_fn more_crls;           /* the daemon's CRL distribution point fetcher (sb_validation_ctx); NULL */
    void *more_crls_arg;
    sb_ocsp_source_fn ocsp;              /* the daemon's OCSP source (sb_validation_ctx); NULL */
    void *ocsp_arg;
};

/* Everything a caller (CLI, HTTP worker, audit) needs from one translation. */
struct sb_translate_out {
    json_t *json;                        /* owned: the response object; NULL after an input error */
    enum sb_reason reason;               /* overall outcome, as returned */
    int validated;                       /* 1: valid under A */
    int recognised;                      /* 1: B recognises every signer */
    unsigned char *attestation;          /* owned (OPENSSL_free): DER SignedData or XML; NULL when none */
    size_t attestation_len;
    enum sb_attest_format attestation_format;
    char object_sha256[65];              /* of the input bytes */
    char signer_subject[512];            /* first signer, "" when unknown */
    char signer_serial[128];
    char revocation[2048];               /* first signer's revocation evidence, compact (sb_report_rev_compact);
                                          * "" when revocation is off */
    char rule[SB_TP_ID_MAX * 2 + 32];    /* "hk->cn" when a rule exists, else "" */
    char why_not[SB_ERR_MSG_MAX];        /* recognition's why-not, "" when recognised */
};

/* Release what o owns and zero it. */
void sb_translate_out_clear(struct sb_translate_out *o);

/*
 * Run one translation. Returns SB_OK when valid under A, recognised by B and attested; a validation
 * reason (exit 1 / 3) when not valid under A; POLICY when valid but not recognised (or
 * POLICY_PROCESSING when recognised but the rule has no attest block). In all those cases out->json is the
 * verdict. Input and usage errors (exit code 2: malformed envelope, unknown jurisdiction, key file
 * unreadable) return that reason with out->json NULL and err describing it.
 */
enum sb_reason sb_translate_run(const struct sb_translate_req *req, struct sb_translate_out *out,
                                struct sb_err *err) SB_MUST_USE;

#endif
