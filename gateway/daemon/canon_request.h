/*
 * gateway/daemon/canon_request.h — the canonical request that a bound proxy route's detached signature covers
 * (routes[].bind, README "Proxy routes"), modelled on RFC 9421's signature base: one line per component,
 * `"name": value`, lines separated by LF, no trailing LF, in this fixed order —
 *
 *     "@method": POST                                      (bind: method — the method token as received)
 *     "@target": /contracts/accounts/42?action=close       (bind: target — the path and query forwarded)
 *     "date": Mon, 07 Dec 2026 10:00:00 GMT                (bind: date — the Date header, as received)
 *     "content-digest": sha-256=:BASE64:                   (always: RFC 9530, SHA-256 of the body)
 *     "@signature-params": ("@method" "@target" "date" "content-digest");alg="cms"
 *
 * Unbound components are left out of both their line and the @signature-params list, so a signature made for
 * one bind list never validates on a route with another. A value holding CR, LF or another control byte is
 * refused (one component per line, nothing smuggled). Also the RFC 9110 IMF-fixdate parser for Date.
 * Pure functions; thread-safe.
 */
#ifndef SBGW_CANON_REQUEST_H
#define SBGW_CANON_REQUEST_H

#include <stddef.h>
#include <time.h>

/* The request's parts; the strings of unbound components may be NULL. */
struct sbgw_canon_in {
    unsigned bind;                    /* enum sbgw_bind bits (config.h) */
    const char *method, *target, *date;
    unsigned char body_sha256[32];
};

enum sbgw_canon_status { SBGW_CANON_OK = 0, SBGW_CANON_BAD_VALUE, SBGW_CANON_NO_MEMORY };

/* The canonical request of in into *out (malloc'd, NUL-terminated, *len without the NUL). BAD_VALUE when a
 * bound component is missing, empty or holds a control byte (*out NULL). */
enum sbgw_canon_status sbgw_canon_request(const struct sbgw_canon_in *in, char **out, size_t *len);

/* s exactly an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT": the weekday must fit the date) into *out;
 * 0 when it is anything else (RFC 850 and asctime forms included: a signer writes the preferred form). */
int sbgw_imf_fixdate_parse(const char *s, time_t *out);

#endif
