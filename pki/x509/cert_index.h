/*
 * pki/x509/cert_index.h — trust material indexed by subject name, built once per policy snapshot.
 *
 * The path builder asks "which certificates are named like this issuer?" at every step. With the
 * anchors and intermediates of a policy (a trusted list can bring hundreds) a linear scan compares every
 * name; the index answers from a sorted table of canonical-name hashes (X509_NAME_hash_ex), confirmed with
 * X509_NAME_cmp, in the certificates' original order. Immutable once built; safe for concurrent readers.
 */
#ifndef SB_CERT_INDEX_H
#define SB_CERT_INDEX_H

#include <stddef.h>
#include <openssl/x509.h>

struct sb_cert_index;

/* Index every certificate of certs (references taken). NULL on allocation failure. */
struct sb_cert_index *sb_cert_index_new(STACK_OF(X509) *certs);
/* Free ix and its references (NULL is a no-op). */
void sb_cert_index_free(struct sb_cert_index *ix);
/* Number of certificates indexed. */
size_t sb_cert_index_count(const struct sb_cert_index *ix);
/* 1 if the first sb_cert_index_count(ix) entries of sk are exactly the indexed certificates, in order (the
 * same objects): only then may the index stand in for scanning that part of sk. */
int sb_cert_index_is_prefix_of(const struct sb_cert_index *ix, STACK_OF(X509) *sk);
/* The certificates whose subject equals name, in their original order, written to out (at most max, borrowed
 * pointers); returns how many there are in all (may exceed max). */
size_t sb_cert_index_by_subject(const struct sb_cert_index *ix, const X509_NAME *name, X509 **out, size_t max);

#endif
