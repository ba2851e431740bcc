/*
 * pki/base/json_text.h — compact JSON text written straight into a growing buffer, byte for byte what
 * jansson 2.14's json_dumps writes with JSON_COMPACT (optionally JSON_ENSURE_ASCII) for the same values.
 *
 * Why: on the gateway's hot path a verdict (~2 KB) and an audit record are written for every request;
 * building a jansson tree to dump it costs allocations per member and a loop-check table per container.
 * Strings are escaped as jansson does: '"', '\\' and control characters (\b \f \n \r \t, else \u00XX,
 * uppercase hex), nothing else ('/' and DEL stay as they are); with ensure_ascii every code point above
 * 0x7F becomes \uXXXX (a surrogate pair above 0xFFFF). A string that is not valid UTF-8 as jansson defines
 * it (no overlong forms, no surrogates, nothing above U+10FFFF) is refused, as json_string refuses it.
 * No state beyond the buffer; any thread.
 */
#ifndef SB_JSON_TEXT_H
#define SB_JSON_TEXT_H

#include <stddef.h>

struct sb_jtext {
    char *p;                  /* owned (free()); NUL-terminated when not failed */
    size_t n, cap;
    int failed;               /* out of memory or a value that cannot be written: the text is unusable */
};

/* Free b's text and zero it. */
void sb_jtext_free(struct sb_jtext *b);
/* Room for more bytes (plus the NUL); 0 (and b->failed) when out of memory or already failed. */
int sb_jtext_reserve(struct sb_jtext *b, size_t more);
/* Append n raw bytes (already JSON text). */
void sb_jtext_raw(struct sb_jtext *b, const char *s, size_t n);
/* Append the NUL-terminated raw text s. */
void sb_jtext_cstr(struct sb_jtext *b, const char *s);
/* Append s[0..len) as a JSON string literal. 1 ok; 0 when s is not valid UTF-8 as jansson defines it
 * (json_string would refuse it): then nothing is appended (b->failed is not set: the caller decides). */
int sb_jtext_string(struct sb_jtext *b, const char *s, size_t len, int ensure_ascii);
/* The NUL-terminated s as a JSON string literal (ensure_ascii 0); s NULL or not valid UTF-8 fails the
 * whole text (b->failed), as json_pack "s" fails on it. */
void sb_jtext_str(struct sb_jtext *b, const char *s);
/* As json_pack "s?": null for NULL, else as sb_jtext_str. */
void sb_jtext_str_or_null(struct sb_jtext *b, const char *s);
/* The decimal text of v (as jansson writes a JSON integer). */
void sb_jtext_int(struct sb_jtext *b, long long v);
/* The text (malloc'd, NUL-terminated) handed to the caller and b zeroed; NULL when b failed (b is freed). */
char *sb_jtext_take(struct sb_jtext *b, size_t *len);

#endif
