/*
 * pki/base/rfc3339_time.h — time handling: RFC 3339 input and X.509 validity comparisons.
 *
 * Validity times are compared exactly, including fractional seconds of GeneralizedTime values.
 * Pure functions; thread-safe.
 */
#ifndef SB_RFC3339_TIME_H
#define SB_RFC3339_TIME_H

#include <time.h>
#include <openssl/asn1.h>
#include "pki/base/err.h"

/* Parse RFC 3339 ("2024-01-01T00:00:00Z", "+08:00" offsets, fractional seconds truncated) into *out.
 * USAGE on malformed text. */
enum sb_reason sb_time_parse_rfc3339(const char *s, time_t *out, struct sb_err *err) SB_MUST_USE;
/* Format t as RFC 3339 UTC ("2024-01-01T00:00:00Z") into buf (at least 21 bytes). */
void sb_time_format(time_t t, char *buf, size_t len);
/* Convert an ASN.1 time to seconds since the epoch; *frac set to 1 when it has non-zero fractional
 * seconds. 0 when the value cannot be parsed. */
int sb_asn1_time_to_unix(const ASN1_TIME *t, time_t *out, int *frac);
/* 1 if the ASN.1 time uses the RFC 5280 profile (UTCTime YYMMDDHHMMSSZ or GeneralizedTime
 * YYYYMMDDHHMMSS[.f]Z), else 0. */
int sb_asn1_time_well_formed(const ASN1_TIME *t);

#endif
