/*
 * pki/x509/names.h — RFC 5280 name handling: name constraints, SAN syntax, and matching the expected peer
 * name (DNS, IP, e-mail) against an end-entity certificate.
 *
 * Name constraints are checked one CA at a time: a name must satisfy every CA's constraints above it,
 * which is the RFC 5280 §6.1 intersection. Pure functions over OpenSSL objects; thread-safe.
 */
#ifndef SB_NAMES_H
#define SB_NAMES_H

#include <openssl/x509v3.h>
#include "pki/base/err.h"

/* Check that a NameConstraints value is well formed (dNSName without wildcards or empty labels,
 * iPAddress of 8 or 32 bytes with a contiguous mask, sane rfc822Name). NAME_CONSTRAINTS on failure. */
enum sb_reason sb_names_check_nc_syntax(const NAME_CONSTRAINTS *nc, struct sb_err *err) SB_MUST_USE;

/* Check all names of cert (subject DN, subject emailAddress attributes, all SAN entries and, for a leaf
 * without a DNS or IP SAN, CN values that look like host names or IP literals) against one CA's
 * constraints nc (syntax-checked first). Constrained name forms that cannot be evaluated (otherName...)
 * fail closed; names x constraints is capped at 2^20. NAME_CONSTRAINTS on violation, naming the name. */
enum sb_reason sb_names_check_nc(X509 *cert, int is_leaf, const NAME_CONSTRAINTS *nc,
                                 struct sb_err *err) SB_MUST_USE;

/* Check the SAN extension of cert is syntactically valid (dNSName LDH syntax with at most a leftmost
 * "*" label, iPAddress 4 or 16 bytes, rfc822Name local@domain). CERT_MALFORMED on failure. */
enum sb_reason sb_names_check_san_syntax(X509 *cert, struct sb_err *err) SB_MUST_USE;

/* Match the expected host (DNS name, or IPv4/IPv6 literal) against leaf's SAN. webpki: no CN fallback
 * (rfc5280 profile: CN is used only when there is no SAN). NAME_MISMATCH on failure. */
enum sb_reason sb_names_match_host(X509 *leaf, const char *host, int webpki, struct sb_err *err) SB_MUST_USE;

/* Match an RFC 822 address against leaf's rfc822Name SANs (local part exact, domain case-insensitive),
 * or the subject emailAddress when there is no SAN. NAME_MISMATCH on failure. */
enum sb_reason sb_names_match_email(X509 *leaf, const char *email, struct sb_err *err) SB_MUST_USE;

/* CA/Browser Forum profile of a TLS leaf (BR 7.1.2.7, 7.1.4.3): subjectAltName present, critical only if
 * the subject is empty, and every subject CN a byte-for-byte copy of a dNSName entry or the RFC 3986 /
 * RFC 5952 text of an iPAddress entry. CERT_MALFORMED on failure. */
enum sb_reason sb_names_check_webpki_leaf(X509 *leaf, struct sb_err *err) SB_MUST_USE;

#endif
