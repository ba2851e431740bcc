/*
 * pki/policy/trustlist.h — ETSI TS 119 612 trusted lists (namespace http://uri.etsi.org/02231/v2#): the EU list
 * of the lists (LOTL), national lists and MRA lists.
 *
 * Signature before structure: sb_tl_open parses the XML with the safe parser of pki/xml/xml_safe.h (BOMs
 * tolerated) and checks only the root element; sb_tl_verify checks the signature over that document;
 * sb_tl_read then interprets the content. A list altered after signing so that its content no longer
 * reads is thus a broken signature, not an unparsable file. sb_tl_parse = sb_tl_open + sb_tl_read.
 *
 * sb_tl_read extracts
 * SchemeInformation (SchemeTerritory, TSLSequenceNumber, ListIssueDateTime, NextUpdate/dateTime,
 * PointersToOtherTSL: TSLLocation with SchemeTerritory and MimeType from AdditionalInformation) and the
 * TrustServiceProviderList (per TSP its name, per service its type, name, current status and status
 * starting time, ServiceHistory instances, and the X509Certificate digital identities with their
 * SHA-256). Names prefer xml:lang="en".
 *
 * sb_tl_verify checks the list's enveloped XML-DSig / XAdES-BES signature with pki/xml/xmldsig.h: every
 * reference (the document via URI "" or "#<root Id>", and the xades:SignedProperties), the whole list
 * must be signed, and the signature must verify under one of the expected signer certificates (several
 * allowed; the key is what is compared) — or, with none given, under the certificate in the list's own
 * KeyInfo (self-asserted; reported as source "keyinfo"). No path validation of the list signer.
 *
 * Trust in time: a service's certificates are anchors only for the intervals in which its status was
 * "granted" (…/Svcstatus/granted, …/recognisedatnationallevel, and the pre-eIDAS undersupervision,
 * accredited, supervisionincessation and setbynationallaw), built from the current status and the
 * ServiceHistory: each status holds from its StatusStartingTime until the next later one.
 *
 * Not done: fetching lists or following pointers (no network), checking the TSLType or the LOTL's
 * pointer certificates against national lists, qualifiers and extensions (Sie/Qualifications), MRA
 * mutual-recognition mappings beyond parsing. Thread-safe; a parsed list is immutable.
 */
#ifndef SB_TRUSTLIST_H
#define SB_TRUSTLIST_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include "pki/base/err.h"
#include "pki/xml/xmldsig.h"

#define SB_TL_NS "http://uri.etsi.org/02231/v2#"
#define SB_TL_NS_ADD "http://uri.etsi.org/02231/v2/additionaltypes#"
#define SB_TL_STATUS_GRANTED "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
#define SB_TL_STATUS_WITHDRAWN "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
#define SB_TL_TYPE_CA_QC "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
#define SB_TL_TYPE_CA_PKC "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC"

#define SB_TL_MAX_SERVICES 20000     /* services (TSPService) in one list */
#define SB_TL_MAX_HISTORY  256       /* ServiceHistoryInstance per service */
#define SB_TL_MAX_CERTS    64        /* X509Certificate identities per service */
#define SB_TL_MAX_POINTERS 1000      /* OtherTSLPointer entries */

/* One status period: status from start until the next period's start (or open). */
struct sb_tl_status {
    char *status;                    /* owned: ServiceStatus URI */
    time_t start;                    /* StatusStartingTime */
    unsigned order;                  /* 0: the current status; 1..: history instances in document order */
};

/* [from, to): to == 0 means open-ended. */
struct sb_tl_interval {
    time_t from;
    time_t to;
};

struct sb_tl_service {
    char *tsp;                       /* owned: TSP name */
    char *name;                      /* owned: ServiceName */
    char *type;                      /* owned: ServiceTypeIdentifier URI */
    char *status;                    /* owned: current ServiceStatus URI */
    time_t status_start;
    STACK_OF(X509) *certs;           /* owned: parsed X509Certificate identities */
    char (*sha256)[65];              /* owned: lowercase hex SHA-256 of each X509Certificate value */
    size_t n_sha256;
    struct sb_tl_status *history;    /* owned: current status first, then the history, newest first */
    size_t n_history;
    struct sb_tl_interval *granted;  /* owned: intervals in which the status counted as granted */
    size_t n_granted;
};

struct sb_tl_pointer {
    char *territory;                 /* owned; NULL when absent */
    char *location;                  /* owned: TSLLocation */
    char *mime_type;                 /* owned; NULL when absent */
};

/* A parsed trusted list and, after sb_tl_verify, its signature outcome. */
struct sb_tl {
    char territory[16];
    long long sequence_number;
    time_t issue_date;
    time_t next_update;              /* valid when has_next_update */
    int has_next_update;
    struct sb_tl_service *services;  /* owned */
    size_t n_services;
    struct sb_tl_pointer *pointers;  /* owned */
    size_t n_pointers;
    /* signature (filled by sb_tl_verify) */
    enum sb_reason sig_reason;       /* SB_OK when the signature verified; else why not */
    char sig_message[SB_ERR_MSG_MAX];
    enum sb_xmldsig_source sig_source;  /* SUPPLIED (an expected signer) or KEYINFO */
    X509 *signer;                    /* owned: the certificate whose key verified the list, or NULL */
    int content_read;                /* 1 once sb_tl_read succeeded (the fields above are filled) */
    void *doc;                       /* owned: the parsed document (xmlDocPtr) kept for sb_tl_verify */
};

/* Free tl and everything it owns; NULL is a no-op. */
void sb_tl_free(struct sb_tl *tl);

/*
 * Parse in[0..len) as XML (name labels messages) into *out (sb_tl_free) without reading its content:
 * INPUT_MALFORMED when it is not XML or its root is not a TS 119 612 TrustServiceStatusList; the safe
 * parser's reasons (INPUT_TOO_LARGE, FORMAT for a DOCTYPE / entity declarations).
 */
enum sb_reason sb_tl_open(const unsigned char *in, size_t len, const char *name, struct sb_tl **out,
                          struct sb_err *err) SB_MUST_USE;

/*
 * Read the content of an opened list (SchemeInformation, TrustServiceProviderList) into tl and set
 * tl->content_read. INPUT_MALFORMED when SchemeInformation, SchemeTerritory, TSLSequenceNumber or
 * ListIssueDateTime is missing or bad, or a provider or service lacks a required element; INPUT_TOO_LARGE
 * over the limits above. On failure the content fields are left empty.
 */
enum sb_reason sb_tl_read(struct sb_tl *tl, const char *name, struct sb_err *err) SB_MUST_USE;

/* sb_tl_open then sb_tl_read: *out is set only when both succeed. */
enum sb_reason sb_tl_parse(const unsigned char *in, size_t len, const char *name, struct sb_tl **out,
                           struct sb_err *err) SB_MUST_USE;

/*
 * Check tl's signature: under one of signers' keys, or, when signers is NULL or empty, under the
 * certificate of its own KeyInfo. Fills tl->sig_* and tl->signer and returns tl->sig_reason: SB_OK, or
 * FORMAT (no or malformed signature, unsigned content), SIG_CRYPTO (wrong or foreign key), HASH_MISMATCH
 * (changed after signing), WEAK_ALGORITHM / WEAK_KEY.
 */
enum sb_reason sb_tl_verify(struct sb_tl *tl, STACK_OF(X509) *signers, struct sb_err *err) SB_MUST_USE;

/* REVOCATION_UNAVAILABLE (INDETERMINATE/TRY_LATER) when at is after NextUpdate, else SB_OK. */
enum sb_reason sb_tl_check_fresh(const struct sb_tl *tl, time_t at, struct sb_err *err) SB_MUST_USE;

/* 1 if status URI counts as granted (see above). */
int sb_tl_status_granted(const char *status);
/* 1 if s was granted at time at. */
int sb_tl_service_granted_at(const struct sb_tl_service *s, time_t at);
/* 1 if s is a certification-authority service (CA/QC, CA/PKC, NationalRootCA-QC). */
int sb_tl_service_is_ca(const struct sb_tl_service *s);

/* An anchor of a list: a certificate with the intervals in which it is trusted. */
struct sb_tl_anchor {
    X509 *cert;                      /* owned (up-referenced) */
    struct sb_tl_interval *granted;  /* owned copy */
    size_t n_granted;
    char *service;                   /* owned: "TSP / service name" for messages */
};

/*
 * The anchors of a verified list for the trust-policy loader: every certificate of every CA service
 * (ca_only) or of every service, each with its granted intervals; services never granted are left out.
 * *out (sb_tl_anchors_free) may be empty. USAGE when the list's signature was not verified or its content
 * not read.
 */
enum sb_reason sb_tl_anchors(const struct sb_tl *tl, int ca_only, struct sb_tl_anchor **out, size_t *n,
                             struct sb_err *err) SB_MUST_USE;
void sb_tl_anchors_free(struct sb_tl_anchor *a, size_t n);
/* The certificates of anchors trusted at time at, as a new stack (sk_X509_pop_free). */
STACK_OF(X509) *sb_tl_anchors_at(const struct sb_tl_anchor *a, size_t n, time_t at);

/*
 * One call for the trust-policy loader: open the list file at path, verify it against signers (must be
 * non-empty), read its content, refuse it when stale at time at (unless allow_expired), and return its
 * CA anchors.
 * Reasons as above; INPUT_UNREADABLE when the file cannot be read.
 */
enum sb_reason sb_tl_load_anchors(const char *path, STACK_OF(X509) *signers, time_t at, int allow_expired,
                                  struct sb_tl_anchor **out, size_t *n, struct sb_err *err) SB_MUST_USE;

#endif
