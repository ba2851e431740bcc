/*
 * pki/crypto/sm2_cache.h — SM2 verification state per (public key, distinguishing ID), computed once.
 *
 * An SM2 verification needs the key under OpenSSL's SM2 key manager (OpenSSL 3.0 decodes certificate keys
 * as "EC", and re-importing costs an export and an import) and ZA = SM3(ENTL || ID || a || b || G || key).
 * Both depend only on the key and the ID, so a repeat signer gets them from here: a bounded direct-mapped
 * table keyed by the exact public-key bytes and ID (colliding entries replace each other). Thread-safe
 * (striped locks); entries are shared by reference, never modified.
 */
#ifndef SB_SM2_CACHE_H
#define SB_SM2_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pki/crypto/sm2.h"

struct sb_sm2_cache;

/* A cache of about capacity entries (power of two, at least 64); 0 = NULL (no cache). NULL on failure too. */
struct sb_sm2_cache *sb_sm2_cache_new(size_t capacity);
/* Free c and its references (NULL is a no-op). */
void sb_sm2_cache_free(struct sb_sm2_cache *c);
/*
 * sb_sm2_verify of a DER signature by pub (whose encoded public key is key_bytes[0..key_len), e.g. the
 * certificate's subjectPublicKey bits) under id (NULL = GM/T default), with the key's SM2 form and ZA taken
 * from c or computed and remembered. c may be NULL (computed every time). SB_OK, SIG_CRYPTO, INPUT_MALFORMED.
 */
enum sb_reason sb_sm2_cache_verify(struct sb_sm2_cache *c, EVP_PKEY *pub, const unsigned char *key_bytes,
                                   size_t key_len, const char *id, const unsigned char *msg, size_t msg_len,
                                   const unsigned char *sig, size_t sig_len, struct sb_err *err) SB_MUST_USE;
/* Hits and misses so far. */
void sb_sm2_cache_counts(struct sb_sm2_cache *c, uint64_t *hits, uint64_t *misses);

#endif
