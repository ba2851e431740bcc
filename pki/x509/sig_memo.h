/*
 * pki/x509/sig_memo.h — a bounded memo of signatures already verified: (signed object, issuer certificate,
 * SM2 ID) triples whose signature checked out.
 *
 * Real traffic is many signers under few CAs: each request brings a new leaf, but the intermediate's
 * signature by the root and the CAs' CRL signatures are the same every time. With the memo, those are
 * verified once and a new leaf costs its own signature only. What the memo says is a fact about bytes
 * (this signature over these to-be-signed bytes verifies with this key and ID), true whatever the policy,
 * the snapshot or the time; so it stays correct across reloads and needs no window. Only successes are
 * remembered. The algorithm allow-list, key-size rules, validity and everything else of a path are still
 * judged per validation by the callers; the memo replaces the signature arithmetic only.
 *
 * Keys: a certificate is identified by the SHA-256 of its DER (cert_decode.h remembers it per X509);
 * a CRL, whose DER can be megabytes, by its X509_CRL object, and the entry then holds a reference to it,
 * so that the address cannot be reused by another CRL while the entry lives. The issuer is identified by
 * the SHA-256 of its certificate. Set-associative (a key's hash picks a set of 8 entries; a full set replaces
 * its entries in turn), so the few CA entries a deployment has do not evict each other; striped locks;
 * thread-safe. A NULL memo is valid everywhere: nothing remembered, every signature verified.
 */
#ifndef SB_SIG_MEMO_H
#define SB_SIG_MEMO_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>
#include "pki/base/err.h"

struct sb_sig_memo;
struct sb_work_budget;

/* A memo of about capacity entries (sets of 8, their count rounded up to a power of two, at least 64 sets);
 * capacity 0 → NULL (off). */
struct sb_sig_memo *sb_sig_memo_new(size_t capacity);
/* Free m and the references it holds (NULL is a no-op). */
void sb_sig_memo_free(struct sb_sig_memo *m);
/* Forget everything (drops the CRL references of an old snapshot). */
void sb_sig_memo_flush(struct sb_sig_memo *m);
/* Signatures answered from m, and verified because m did not know them (cumulative). */
void sb_sig_memo_counts(struct sb_sig_memo *m, uint64_t *hits, uint64_t *misses);

/* sb_sig_verify_cert(cert, key, sm2_id) where key is issuer's public key, answered from m when this exact
 * certificate was verified under this exact issuer certificate and ID before. Only CA certificates
 * (basicConstraints cA) are remembered and looked up: end-entity certificates are always verified. */
enum sb_reason sb_sig_verify_cert_memo(struct sb_sig_memo *m, X509 *cert, X509 *issuer, EVP_PKEY *key,
                                       const char *sm2_id, struct sb_err *err) SB_MUST_USE;
/* sb_sig_verify_crl(crl, key, sm2_id) where key is issuer's public key, answered from m likewise. */
enum sb_reason sb_sig_verify_crl_memo(struct sb_sig_memo *m, X509_CRL *crl, X509 *issuer, EVP_PKEY *key,
                                      const char *sm2_id, struct sb_err *err) SB_MUST_USE;
/* The same, paying each verification m did not answer from budget (pki/base/work_budget.h; NULL =
 * unlimited) at sb_sig_verify_cost(key): when it cannot pay, nothing is verified and INTERNAL is returned
 * with the budget spent. */
enum sb_reason sb_sig_verify_cert_memo_budget(struct sb_sig_memo *m, struct sb_work_budget *budget, X509 *cert,
                                              X509 *issuer, EVP_PKEY *key, const char *sm2_id,
                                              struct sb_err *err) SB_MUST_USE;
enum sb_reason sb_sig_verify_crl_memo_budget(struct sb_sig_memo *m, struct sb_work_budget *budget, X509_CRL *crl,
                                             X509 *issuer, EVP_PKEY *key, const char *sm2_id,
                                             struct sb_err *err) SB_MUST_USE;

#endif
