/*
 * pki/base/base64.c — strict base64 decoding, and encoding (base64.h).
 */
#include "pki/base/base64.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Character classes: 0..63 the sextet of an alphabet character, B64_SPACE white space (ignored), B64_PAD '=',
 * B64_BAD anything else. */
enum { B64_SPACE = 64, B64_PAD = 65, B64_BAD = 66 };

static void make_table(unsigned char t[256])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int i;

    memset(t, B64_BAD, 256);
    for (i = 0; i < 64; i++) {
        t[(unsigned char)alphabet[i]] = (unsigned char)i;
    }
    t[' '] = t['\t'] = t['\r'] = t['\n'] = B64_SPACE;
    t['='] = B64_PAD;
}

/* One pass over s: the count of base64 characters and of '=' in *chars / *pad, or where it goes wrong. */
static enum sb_b64_status scan(const unsigned char *t, const unsigned char *s, size_t n, size_t *chars, size_t *pad,
                               size_t *at)
{
    size_t i;

    *chars = *pad = 0;
    for (i = 0; i < n; i++) {
        unsigned char v = t[s[i]];

        if (v == B64_SPACE) {
            continue;
        }
        if (v == B64_PAD) {
            (*pad)++;
        } else if (*pad > 0 || v == B64_BAD) {
            if (at != NULL) {
                *at = i;
            }
            return *pad > 0 ? SB_B64_AFTER_PAD : SB_B64_BAD_CHAR;
        }
        (*chars)++;
    }
    if (*chars == 0) {
        return SB_B64_EMPTY;
    }
    return *chars % 4 != 0 || *pad > 2 ? SB_B64_BAD_LENGTH : SB_B64_OK;
}

enum sb_b64_status sb_base64_decode(const char *s, size_t n, size_t max, unsigned char **out, size_t *out_len,
                                    size_t *at)
{
    const unsigned char *in = (const unsigned char *)s;
    unsigned char t[256], *bin;
    unsigned int acc = 0;
    size_t chars, pad, i, k = 0, got = 0;
    enum sb_b64_status st;

    *out = NULL;
    *out_len = 0;
    make_table(t);
    if ((st = scan(t, in, n, &chars, &pad, at)) != SB_B64_OK) {
        return st;
    }
    if (chars / 4 * 3 - pad > max) {
        return SB_B64_TOO_LONG;
    }
    if ((bin = OPENSSL_malloc(chars / 4 * 3 + 1)) == NULL) {
        return SB_B64_NO_MEMORY;
    }
    /* the input is checked: every byte is a sextet, white space or trailing '=' */
    for (i = 0; i < n; i++) {
        unsigned char v = t[in[i]];

        if (v >= 64) {
            continue;
        }
        acc = (acc << 6) | v;
        if (++k == 4) {
            bin[got++] = (unsigned char)(acc >> 16);
            bin[got++] = (unsigned char)(acc >> 8);
            bin[got++] = (unsigned char)acc;
            acc = 0;
            k = 0;
        }
    }
    /* the last quantum: 4 - pad sextets (RFC 4648 §4; its unused low bits are not checked, as before) */
    if (k == 3) {
        acc <<= 6;
        bin[got++] = (unsigned char)(acc >> 16);
        bin[got++] = (unsigned char)(acc >> 8);
    } else if (k == 2) {
        acc <<= 12;
        bin[got++] = (unsigned char)(acc >> 16);
    }
    *out = bin;
    *out_len = got;
    return SB_B64_OK;
}

char *sb_base64_encode(const unsigned char *in, size_t len)
{
    char *b;

    if (len > (size_t)INT_MAX / 2 || (b = OPENSSL_malloc((len + 2) / 3 * 4 + 1)) == NULL) {
        return NULL;
    }
    (void)EVP_EncodeBlock((unsigned char *)b, in, (int)len);
    return b;
}
