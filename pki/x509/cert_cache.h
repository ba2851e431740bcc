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

/* New cache of at most capacity certificates (0: disabled, every call decodes). NULL on failure. */
struct sb_cert_cache *sb_cert_cache_new(size_t capacity);
/* Free c and its references (NULL is a no-op). */
void sb_cert_cache_free(struct sb_cert_cache *c);
/* Decode exactly one DER certificate der[0..len): from the cache or freshly (then remembered). A new
 * reference (X509_free), or NULL when der is not exactly one certificate. c may be NULL (plain d2i). */
X509 *sb_cert_cache_d2i(struct sb_cert_cache *c, const unsigned char *der, size_t len);
/* Hits and misses so far. */
void sb_cert_cache_counts(struct sb_cert_cache *c, uint64_t *hits, uint64_t *misses);

#endif
