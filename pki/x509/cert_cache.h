/*
 * pki/x509/cert_cache.h — decoded certificates shared by DER bytes.
 *
 * OpenSSL 3.0 spends most of a CMS verification decoding the certificates the object carries (its
 * public-key decoder is slow). Repeat signers send the same certificates every time, so a bounded,
 * sharded LRU maps SHA-256(DER) to the decoded, immutable X509. Returned certificates are new
 * references; X509 objects are safe for concurrent reads. Thread-safe (one mutex per shard).
 */
#ifndef SB_CERT_CACHE_H
#define SB_CERT_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

struct sb_cert_cache;
struct sb_work_budget;

/* New cache of at most capacity certificates (0: disabled, every call decodes). NULL on failure. */
struct sb_cert_cache *sb_cert_cache_new(size_t capacity);
/* Free c and its references (NULL is a no-op). */
void sb_cert_cache_free(struct sb_cert_cache *c);
/* Decode exactly one DER certificate der[0..len): from the cache or freshly (then remembered). A new
 * reference (X509_free), or NULL when der is not exactly one certificate. c may be NULL (plain d2i). */
X509 *sb_cert_cache_d2i(struct sb_cert_cache *c, const unsigned char *der, size_t len);
/* The same, paying from budget (pki/base/work_budget.h; NULL = unlimited) what it cost: a unit when c
 * knew it, SB_CERT_CHEAP_DECODE_UNITS for a cheap decode, SB_CERT_DECODE_UNITS for OpenSSL's own decoder.
 * Paid after the work (its cost is known only then): when the budget cannot pay, the certificate is
 * still returned and the budget is spent. */
X509 *sb_cert_cache_d2i_paid(struct sb_cert_cache *c, const unsigned char *der, size_t len,
                             struct sb_work_budget *budget);
#define SB_CERT_CHEAP_DECODE_UNITS 2
#define SB_CERT_DECODE_UNITS 11
/* Hits and misses so far. */
void sb_cert_cache_counts(struct sb_cert_cache *c, uint64_t *hits, uint64_t *misses);

#endif
