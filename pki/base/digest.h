/*
 * pki/base/digest.h — message digests fetched once per process.
 *
 * OpenSSL 3 resolves an algorithm name to an implementation ("fetch") on every EVP_sha256()-style call
 * and every EVP_MD_fetch; on the verification hot path that lookup costs as much as hashing a
 * certificate. These are fetched once (thread-safe, first use) from the default library context and
 * never change afterwards; callers must not free them.
 */
#ifndef SB_DIGEST_H
#define SB_DIGEST_H

#include <openssl/evp.h>

enum sb_md_id {
    SB_MD_SHA1 = 0,
    SB_MD_SHA256,
    SB_MD_SHA384,
    SB_MD_SHA512,
    SB_MD_SM3,
    SB_MD_MD5,
    SB_MD__COUNT
};

/* The fetched digest id, or NULL when this OpenSSL does not provide it. Never free the result. */
const EVP_MD *sb_md(enum sb_md_id id);
/* The fetched digest named name (OpenSSL name, e.g. "SHA256", case-insensitive), NULL if not one of the
 * above or not provided. */
const EVP_MD *sb_md_by_name(const char *name);

#endif
