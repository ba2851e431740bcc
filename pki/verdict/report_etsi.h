/*
 * pki/verdict/report_etsi.h — ETSI TS 119 102-2 signature validation report (XML, namespace
 * http://uri.etsi.org/19102/v1.4.1#, prefix "vr"; ds = XML-DSig) built with libxml2's tree API.
 *
 * One vr:SignatureValidationReport per signature, in this order: SignatureIdentifier (SHA-256 of the
 * signed object, the SignatureValue when known, HashOnly/DocHashOnly), ValidationConstraintsEvaluation-
 * Report (the constraints applied, as urn:sigbridge:constraint:* identifiers), ValidationTimeInfo
 * (validation time), SignersDocument (digest of detached content, when given), SignatureAttributes
 * (claimed signing time), SignerInformation (the signer's certificate by VOReference, its subject),
 * SignatureValidationProcess (Basic), SignatureValidationStatus (MainIndication
 * urn:etsi:019102:mainindication:total-passed | total-failed | indeterminate, SubIndication
 * urn:etsi:019102:subindication:<EN 319 102-1 name>, the certificate chain and our precise reason as
 * AssociatedValidationReportData, and for XML-DSig each XPath of content outside every reference as
 * ReportData of type urn:sigbridge:unsigned-content). Certificates are vr:ValidationObject entries (base64 DER) under
 * vr:SignatureValidationObjects, shared between signers. A certificate whose revocation status was checked
 * gets, in its ValidationObject, a vr:ValidationReport: its status, the CRL / OCSP response that decided as a
 * RelatedValidationObject (a ValidationObject of type CRL or OCSPResponse given by its SHA-256), a
 * RevocationStatusInformation when it is listed as revoked, and urn:sigbridge:revocation-* ReportData (source,
 * url, this-update / produced-at, next-update, revoked-after, note). Indications come only from pki/base/reason.h.
 * Nothing of the signed content itself is ever copied into the report. Thread-safe.
 */
#ifndef SB_REPORT_ETSI_H
#define SB_REPORT_ETSI_H

#include <stddef.h>
#include <time.h>
#include <libxml/tree.h>
#include <openssl/x509.h>
#include "pki/base/err.h"
#include "pki/x509/path.h"

struct sb_xmldsig_unsigned;

#define SB_ETSI_NS   "http://uri.etsi.org/19102/v1.4.1#"
#define SB_ETSI_MAIN "urn:etsi:019102:mainindication:"
#define SB_ETSI_SUB  "urn:etsi:019102:subindication:"

/* One signature's outcome. All pointers borrowed; any may be NULL. */
struct sb_etsi_signer {
    enum sb_reason reason;
    const char *message;                 /* NULL: the reason table's */
    X509 *cert;                          /* the signer's certificate */
    STACK_OF(X509) *chain;               /* leaf -> anchor as built */
    const char *signing_time;            /* claimed, RFC 3339; NULL or "" when none */
    const unsigned char *sig_value;      /* the signature value, when known */
    size_t sig_len;
    const struct sb_rev_evidence *revocation;   /* parallel to chain (sb_chain_result.revocation); may be NULL */
    size_t n_revocation;
};

/* What the report is about. Pointers borrowed. */
struct sb_etsi_input {
    time_t validation_time;
    const unsigned char *object;         /* the signed object as received (hashed into SignatureIdentifier) */
    size_t object_len;
    const unsigned char *content;        /* detached signed content (SignersDocument digest); may be NULL */
    size_t content_len;
    int hash_only;                       /* 1: only a digest of the content was supplied */
    const struct sb_path_opts *path;     /* constraints applied; may be NULL */
    const struct sb_etsi_signer *signers;
    size_t n_signers;                    /* 0: one report for the object-level outcome below */
    enum sb_reason reason;               /* object-level outcome (used when n_signers is 0) */
    const char *message;
    const struct sb_xmldsig_unsigned *unsigned_content;   /* XML-DSig: content outside every reference */
    size_t n_unsigned;
};

/* Build the report as a new document (*out, xmlFreeDoc). INTERNAL on failure. */
enum sb_reason sb_report_etsi_doc(const struct sb_etsi_input *in, xmlDocPtr *out, struct sb_err *err) SB_MUST_USE;
/* Build the report and serialize it (UTF-8, indented) into *xml (OPENSSL_free). */
enum sb_reason sb_report_etsi(const struct sb_etsi_input *in, unsigned char **xml, size_t *len,
                              struct sb_err *err) SB_MUST_USE;

#endif
