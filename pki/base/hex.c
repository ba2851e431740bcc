/*
 * pki/base/hex.c — lowercase hex of bytes, and back (hex.h).
 */
#include "pki/base/hex.h"

#include <string.h>

char *sb_hex_encode(const unsigned char *d, size_t n, char *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t i, max;

    if (len == 0) {
        return buf;
    }
    max = (len - 1) / 2;
    for (i = 0; i < n && i < max; i++) {
        buf[2 * i] = digits[d[i] >> 4];
        buf[2 * i + 1] = digits[d[i] & 0x0F];
    }
    buf[2 * i] = '\0';
    return buf;
}

int sb_hex_digit_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int sb_hex_decode(const char *hex, unsigned char *out, size_t max, size_t *out_len)
{
    size_t n = strlen(hex), i;
    int hi, lo;

    if (n == 0 || n % 2 != 0 || n / 2 > max) {
        return 0;
    }
    for (i = 0; i < n / 2; i++) {
        if ((hi = sb_hex_digit_value(hex[2 * i])) < 0 || (lo = sb_hex_digit_value(hex[2 * i + 1])) < 0) {
            return 0;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *out_len = n / 2;
    return 1;
}
