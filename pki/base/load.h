/*
 * pki/base/load.h — reading certificates, bundles and CRLs from files or memory, PEM or DER (auto-detected).
 *
 * A PEM input may hold several blocks; a DER input may hold several concatenated objects. Anything else
 * (bad base64, truncated DER, trailing garbage, wrong PEM label, oversized file) is INPUT_MALFORMED /
 * INPUT_UNREADABLE / INPUT_TOO_LARGE with a message naming the source and what was wrong. Thread-safe.
 */
#ifndef SB_LOAD_H
#define SB_LOAD_H

#include <stddef.h>
#include <openssl/x509.h>
#include "pki/base/err.h"

#define SB_LOAD_MAX_FILE   (16u * 1024u * 1024u)   /* largest input file accepted */
#define SB_LOAD_MAX_OBJECTS 1000                   /* most certificates / CRLs in one input */

/* Read a whole file (at most max bytes) into *data (free()); INPUT_UNREADABLE / INPUT_TOO_LARGE. */
enum sb_reason sb_load_file(const char *path, size_t max, unsigned char **data, size_t *len,
                            struct sb_err *err) SB_MUST_USE;
/* Parse certificates from memory; name is used in messages. Appends to *out (created when NULL). */
enum sb_reason sb_load_certs_mem(const unsigned char *data, size_t len, const char *name,
                                 STACK_OF(X509) **out, struct sb_err *err) SB_MUST_USE;
/* Load every certificate of a file and append it to *out (created when NULL; sk_X509_pop_free). */
enum sb_reason sb_load_certs(const char *path, STACK_OF(X509) **out, struct sb_err *err) SB_MUST_USE;
/* Load every CRL of a file and append it to *out (created when NULL; sk_X509_CRL_pop_free). */
enum sb_reason sb_load_crls(const char *path, STACK_OF(X509_CRL) **out, struct sb_err *err) SB_MUST_USE;
/* Load exactly one private key (PEM or DER, PKCS#8 or traditional) into *out (EVP_PKEY_free). */
enum sb_reason sb_load_key(const char *path, EVP_PKEY **out, struct sb_err *err) SB_MUST_USE;

#endif
