/*
 * pki/verdict/report.h — the JSON result of DESIGN §7 (the ETSI TS 119 102-2 report is report_etsi.h).
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
#include "pki/x509/cert_format.h"

/* Names, serials and fingerprints come from pki/x509/cert_format.h. These three aliases of sb_certfmt_name,
 * _serial and _sha256 remain only until every caller names those directly. */
static inline void sb_report_name(const X509_NAME *name, char *buf, size_t len)
{
    sb_certfmt_name(name, buf, len);
}
static inline void sb_report_serial(const X509 *x, char *buf, size_t len)
{
    sb_certfmt_serial(x, buf, len);
}
static inline void sb_report_sha256(const X509 *x, char *buf, size_t len)
{
    sb_certfmt_sha256(x, buf, len);
}
/* {"subject","issuer","serial","sha256"} of x. */
json_t *sb_report_cert(X509 *x);
/* Array of sb_report_cert for chain (leaf → anchor); [] for NULL. */
json_t *sb_report_chain(STACK_OF(X509) *chain);
/* {"valid","indication","subindication","reason","message","validation_time","chain"} for outcome rc
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
