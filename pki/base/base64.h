/*
 * pki/base/base64.h — strict base64 (RFC 4648 §4, standard alphabet) to bytes and back.
 *
 * OpenSSL does the encoding; decoding is this module's own table-driven pass (strict, and ~10x faster than
 * checking first and calling EVP_DecodeBlock, which stops quietly at some characters and accepts '=' in the
 * middle): a character outside the alphabet, anything after '='
 * padding, more than two '=' or a length that is not a multiple of 4 is refused. White space (space, tab,
 * CR, LF) is ignored anywhere, as XML Schema base64Binary and wrapped JSON fields need. Callers word the
 * error in their own terms from the status. Buffers are OpenSSL-allocated (OPENSSL_free); thread-safe.
 */
#ifndef SB_BASE64_H
#define SB_BASE64_H

#include <stddef.h>

enum sb_b64_status {
    SB_B64_OK = 0,
    SB_B64_BAD_CHAR,       /* *at: offset of a character outside the alphabet (before any '=') */
    SB_B64_AFTER_PAD,      /* *at: offset of a character other than '=' after '=' padding */
    SB_B64_EMPTY,          /* no base64 characters at all */
    SB_B64_BAD_LENGTH,     /* not a multiple of 4 characters, or more than two '=' */
    SB_B64_TOO_LONG,       /* would decode to more than max bytes */
    SB_B64_NO_MEMORY
};

/* Decode s[0..n) into *out (new, OPENSSL_free) and *out_len; at most max bytes. On failure *out is NULL,
 * *out_len 0 and, for BAD_CHAR / AFTER_PAD, *at (if not NULL) the offset in s of the offending byte. */
enum sb_b64_status sb_base64_decode(const char *s, size_t n, size_t max, unsigned char **out, size_t *out_len,
                                    size_t *at);
/* Base64 of in[0..len) without line breaks, NUL-terminated (OPENSSL_free); NULL when out of memory or
 * len is over INT_MAX / 2. */
char *sb_base64_encode(const unsigned char *in, size_t len);

#endif
