/*
 * pki/x509/cert_memo.h — certificates rendered for verdicts, remembered per certificate content.
 */
#ifndef SB_CERT_MEMO_H
#define SB_CERT_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "pki/base/json_text.h"

/*
 * Rendered certificates for verdicts (sb_report_cert: two RFC 2253 names, serial, SHA-256 — most of the
 * cost of a verdict), remembered per certificate content: the key is the SHA-256 of the DER, so it pays
 * whenever the same certificate comes back, whether as the same X509 object (trust anchors, intermediates,
 * sb_cert_cache / sb_chain_cache results) or decoded again. An entry holds the rendering only, never a
 * reference to the certificate: the memory is bounded by the slot count times one rendering, whatever the
 * heap addresses are (cert_memo.c says why that matters). A rendering is kept as text (the fields and the
 * object's JSON, escaped), so a verdict written directly copies it. Direct-mapped, bounded (colliding
 * entries replace each other); thread-safe (striped locks).
 */
struct sb_cert_memo;

/* A memo of about capacity certificates (rounded up to a power of two, at least 64); NULL on failure. */
struct sb_cert_memo *sb_cert_memo_new(size_t capacity);
/* Free m and its references (NULL is a no-op). */
void sb_cert_memo_free(struct sb_cert_memo *m);
/* A new {"subject","issuer","serial","sha256"} object for x (sb_report_cert): a copy of the remembered
 * one, else rendered and remembered (replacing whatever occupied the slot). NULL when out of memory. */
json_t *sb_cert_memo_cert(struct sb_cert_memo *m, X509 *x);
/* Append x's {"subject","issuer","serial","sha256"} object to out as JSON text, exactly as
 * json_dumps(sb_certfmt_json(x), JSON_COMPACT) writes it: copied from the memo, else rendered and remembered.
 * m NULL: rendered, not remembered. 1 ok; 0 (out->failed set) when out of memory or when sb_certfmt_json
 * would return NULL. */
int sb_cert_memo_cert_text(struct sb_cert_memo *m, X509 *x, struct sb_jtext *out);
/* Lookups answered from m and lookups that rendered (cumulative), and, when entries is not NULL, the slots
 * occupied now (walks the table: for tests and benchmarks, not per request). */
void sb_cert_memo_counts(struct sb_cert_memo *m, uint64_t *hits, uint64_t *misses, uint64_t *entries);
/* x's subject and issuer as sb_certfmt_name renders them, through m (NULL: rendered, not remembered). 1 on success, 0 when out of memory. */
int sb_cert_memo_names(struct sb_cert_memo *m, X509 *x, char *subject, size_t slen, char *issuer,
                          size_t ilen);

#endif
