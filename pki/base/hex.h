/*
 * pki/base/hex.h — lowercase hexadecimal text of bytes, and back.
 *
 * The one hex encoder of sigbridge: digests, fingerprints, serials and ids are written in lowercase hex
 * (DESIGN §7). Pure functions on caller-owned buffers; thread-safe.
 */
#ifndef SB_HEX_H
#define SB_HEX_H

#include <stddef.h>

/* Lowercase hex of d[0..n) into buf, NUL-terminated: as many whole bytes as fit in len - 1 characters
 * (2 * n + 1 bytes hold all of it). Nothing is written when len is 0. Returns buf. */
char *sb_hex_encode(const unsigned char *d, size_t n, char *buf, size_t len);
/* The bytes of the NUL-terminated hex text (either case, an even number of digits, at least two) into
 * out[0..max); 1 with *out_len set, 0 when hex is not such text or would need more than max bytes. */
int sb_hex_decode(const char *hex, unsigned char *out, size_t max, size_t *out_len);
/* The value of one hex digit (either case), -1 if c is not one. */
int sb_hex_digit_value(char c);

#endif
