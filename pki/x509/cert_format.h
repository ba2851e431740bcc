/*
 * pki/x509/cert_format.h — certificate names, serials and fingerprints as text, one format everywhere.
 *
 * Every message, JSON result and report names certificates through these functions (DESIGN §7):
 * distinguished names in RFC 2253 form with non-ASCII characters kept as UTF-8 (not \XX-escaped), serials
 * and SHA-256 fingerprints in lowercase hex. Output goes into caller buffers, cut to fit, always
 * NUL-terminated and valid UTF-8 (len must be at least 1). Thread-safe.
 */
#ifndef SB_CERT_FORMAT_H
#define SB_CERT_FORMAT_H

#include <stddef.h>
#include <jansson.h>
#include <openssl/x509.h>

/* RFC 2253 form of name ("CN=Sub CA,O=Example\, Ltd,C=HK") into buf; "" for an empty name or on failure. */
void sb_certfmt_name(const X509_NAME *name, char *buf, size_t len);
/* The subject of x as sb_certfmt_name writes it, or "empty subject" when it has none; returns buf. */
const char *sb_certfmt_subject(const X509 *x, char *buf, size_t len);
/* Lowercase hex of an INTEGER's magnitude without leading zero octets, "-" first when negative. */
void sb_certfmt_integer(const ASN1_INTEGER *ai, char *buf, size_t len);
/* x's serial number as sb_certfmt_integer writes it. */
void sb_certfmt_serial(const X509 *x, char *buf, size_t len);
/* Lowercase hex SHA-256 of the DER certificate (65 bytes hold it); "" on failure. */
void sb_certfmt_sha256(const X509 *x, char *buf, size_t len);

/* {"subject","issuer","serial","sha256"} of x in the formats above (DESIGN §7); NULL when out of memory. */
json_t *sb_certfmt_json(X509 *x);

#endif
