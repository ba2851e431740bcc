/*
 * pki/x509/cert_memo.h — certificates rendered for verdicts, remembered per certificate object.
 */
#ifndef SB_CERT_MEMO_H
#define SB_CERT_MEMO_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/x509.h>

/*
 * Rendered certificates for verdicts (sb_report_cert: two RFC 2253 names, serial, SHA-256 — most of the
 * cost of a verdict), remembered per certificate object. An entry holds a reference to its certificate, so
 * the object (immutable once decoded) is an exact key: it pays when the same X509 objects come back, as
 * trust anchors, intermediates and sb_cert_cache / sb_chain_cache results do. Direct-mapped, bounded
 * (colliding entries replace each other); thread-safe (striped locks).
 */
struct sb_cert_memo;

/* A memo of about capacity certificates (rounded up to a power of two, at least 64); NULL on failure. */
struct sb_cert_memo *sb_cert_memo_new(size_t capacity);
/* Free m and its references (NULL is a no-op). */
void sb_cert_memo_free(struct sb_cert_memo *m);
/* A new {"subject","issuer","serial","sha256"} object for x (sb_report_cert): a copy of the remembered
 * one, else rendered and remembered (replacing whatever occupied the slot). NULL when out of memory. */
json_t *sb_cert_memo_cert(struct sb_cert_memo *m, X509 *x);
/* x's subject and issuer as sb_certfmt_name renders them, through m. 1 on success, 0 when out of memory. */
int sb_cert_memo_names(struct sb_cert_memo *m, X509 *x, char *subject, size_t slen, char *issuer,
                          size_t ilen);

#endif
