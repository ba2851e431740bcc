/*
 * pki/base/base64.c — strict base64 decoding, and encoding (base64.h).
 */
#include "pki/base/base64.h"

#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int in_alphabet(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* One pass over s: the count of base64 characters and of '=' in *chars / *pad, or where it goes wrong. */
static enum sb_b64_status scan(const unsigned char *s, size_t n, size_t *chars, size_t *pad, size_t *at)
{
    size_t i;

    *chars = *pad = 0;
    for (i = 0; i < n; i++) {
        if (is_space(s[i])) {
            continue;
        }
        if (s[i] == '=') {
            (*pad)++;
        } else if (*pad > 0 || !in_alphabet(s[i])) {
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
    unsigned char *clean = NULL, *bin = NULL;
    size_t chars, pad, i, k = 0;
    int got;
    enum sb_b64_status st;

    *out = NULL;
    *out_len = 0;
    if ((st = scan(in, n, &chars, &pad, at)) != SB_B64_OK) {
        return st;
    }
    if (chars > (size_t)INT_MAX - 4 || chars / 4 * 3 - pad > max) {
        return SB_B64_TOO_LONG;
    }
    if (chars != n) {                    /* EVP_DecodeBlock wants the characters alone */
        if ((clean = OPENSSL_malloc(chars)) == NULL) {
            return SB_B64_NO_MEMORY;
        }
        for (i = 0; i < n; i++) {
            if (!is_space(in[i])) {
                clean[k++] = in[i];
            }
        }
        in = clean;
    }
    if ((bin = OPENSSL_malloc(chars / 4 * 3 + 1)) == NULL) {
        st = SB_B64_NO_MEMORY;
        goto done;
    }
    /* the input is checked: OpenSSL refuses nothing here, but say so if it does */
    if ((got = EVP_DecodeBlock(bin, in, (int)chars)) < 0 || (size_t)got < pad) {
        st = SB_B64_BAD_LENGTH;
        goto done;
    }
    *out = bin;
    *out_len = (size_t)got - pad;
    bin = NULL;
    st = SB_B64_OK;
done:
    OPENSSL_free(clean);
    OPENSSL_free(bin);
    return st;
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
