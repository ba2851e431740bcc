/*
 * pki/verdict/report.h — the building blocks of the DESIGN §7 JSON: certificates, chains, one outcome,
 * one signer, an error. Whole validation results are rendered by pki/verdict/verdict_render.h; the ETSI
 * TS 119 102-2 report is pki/verdict/report_etsi.h.
 *
 * Names in RFC 2253 form, serials and SHA-256 fingerprints in lowercase hex. Returns new jansson
 * objects owned by the caller (json_decref). Thread-safe.
 */
#ifndef SB_REPORT_H
#define SB_REPORT_H

#include <time.h>
#include <jansson.h>
#include <openssl/x509.h>
#include "pki/base/err.h"

/* Names, serials and fingerprints are formatted by pki/x509/cert_format.h. */
/* Array of sb_report_cert for chain (leaf → anchor); [] for NULL. */
json_t *sb_report_chain(STACK_OF(X509) *chain);
/* {"valid","indication","subindication","reason","message"} for outcome rc with message msg (NULL or
 * "" = the table's): the common top-level keys of every --json output. */
json_t *sb_report_outcome(enum sb_reason rc, const char *msg);
/* sb_report_outcome plus "validation_time" and "chain", for outcome rc
 * with message msg (NULL = the table's), validation time at, and the chain (may be NULL). */
json_t *sb_report_result(enum sb_reason rc, const char *msg, time_t at, STACK_OF(X509) *chain);
/* {"error":{"code","message"}} for a usage / input error. */
json_t *sb_report_error(enum sb_reason rc, const char *msg);

/* {"subject","issuer","serial","indication","subindication","reason","message","signing_time","chain"}
 * for one signer of a signed object (verify's "signers" array). Empty subject/issuer/serial strings and
 * a NULL or empty signing_time are written as null; msg NULL = the table's message. */
json_t *sb_report_signer(const char *subject, const char *issuer, const char *serial, enum sb_reason rc,
                         const char *msg, const char *signing_time, STACK_OF(X509) *chain);

#endif
