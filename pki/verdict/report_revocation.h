/*
 * pki/verdict/report_revocation.h — one certificate's revocation evidence (struct sb_rev_evidence,
 * pki/x509/revocation.h) in the outward forms: the "revocation" member of a chain element in the DESIGN §7
 * JSON (as a jansson tree and as text, byte for byte the same) and the compact line of the audit record.
 *
 * JSON: {"source":"file|embedded|crl|ocsp","type":"crl|ocsp","url":…|null,["produced_at"],"this_update",
 * "next_update":…|null,"sha256",["delta_sha256"],["revoked_after":true],["revocation_time",
 * "revocation_reason":…|null]}; a certificate that passed without status has no "revocation" member but a
 * "revocation_note":"passed without status: …" (DESIGN's source values stay file/embedded/crl/ocsp).
 * Times RFC 3339 UTC, hashes lowercase hex. A chain element whose evidence is absent (revocation off, the
 * anchor, a certificate whose status was not reached) gets no "revocation" member at all ("present when
 * they apply", DESIGN §7). Pure functions; thread-safe.
 */
#ifndef SB_REPORT_REVOCATION_H
#define SB_REPORT_REVOCATION_H

#include <stddef.h>
#include <jansson.h>
#include "pki/base/json_text.h"
#include "pki/x509/revocation.h"

/* The evidence object; new (json_decref), NULL when ev says nothing (sb_rev_evidence_present) or on failure. */
json_t *sb_report_rev_evidence(const struct sb_rev_evidence *ev);
/* Set "revocation" on each object of chain (a JSON array, leaf → anchor) from ev[0..n) where it says
 * something. 1 ok (also for ev NULL), 0 on allocation failure. */
int sb_report_chain_revocation(json_t *chain, const struct sb_rev_evidence *ev, size_t n);
/* Append ,"revocation":{…} to out exactly as json_dumps(JSON_COMPACT) writes the member of the object
 * sb_report_chain_revocation sets (nothing when ev says nothing). */
void sb_report_rev_evidence_text(const struct sb_rev_evidence *ev, struct sb_jtext *out);

/*
 * The compact form for the audit record: one entry per certificate of ev[0..n) up to, not including, the last
 * (the anchor), leaf first, separated by ';': "-" (status not reached), "none" (passed without status), else
 * "source,type,sha256,time[,url]" (time: OCSP producedAt, CRL thisUpdate, RFC 3339; url when fetched), with
 * ",revoked_after" appended when listed only after the validation time. Into buf (NUL-terminated, cut at
 * len - 1 bytes); "" when no certificate has evidence (revocation off). Returns buf.
 */
char *sb_report_rev_compact(const struct sb_rev_evidence *ev, size_t n, char *buf, size_t len);

#endif
