/*
 * gateway/daemon/json_writer.h — a fast writer of compact JSON text, byte for byte what jansson 2.14's json_dumps writes
 * with JSON_COMPACT (optionally JSON_ENSURE_ASCII), keys in insertion order.
 *
 * Why: json_dumps spends most of its time on per-container bookkeeping (a loop-check table entry per
 * object and array) and many small buffer appends; on the hot path a verdict (~2 KB) and an audit record
 * are rendered for every request. Strings are escaped as jansson does: '"', '\\' and control characters
 * (\b \f \n \r \t, else \u00XX, uppercase hex); with ensure_ascii every code point above 0x7F becomes
 * \uXXXX (a surrogate pair above 0xFFFF). Reals are delegated to jansson itself. Any thread; no state.
 */
#ifndef SBGW_JSON_WRITER_H
#define SBGW_JSON_WRITER_H

#include <stddef.h>
#include <jansson.h>

struct sbgw_jbuf {
    char *p;                  /* owned; NUL-terminated when not failed */
    size_t n, cap;
    int failed;               /* out of memory or an unsupported value: the text is unusable */
};

/* Free b's text and zero it. */
void sbgw_jbuf_free(struct sbgw_jbuf *b);
/* Append n raw bytes. */
void sbgw_jbuf_raw(struct sbgw_jbuf *b, const char *s, size_t n);
/* Append s[0..len) as a JSON string literal. 1 ok; 0 when s is not valid UTF-8 as jansson defines it
 * (json_string would refuse it): then nothing is appended. */
int sbgw_jbuf_string(struct sbgw_jbuf *b, const char *s, size_t len, int ensure_ascii);
/* Append s as json_dumps would write json_string(s) for a jansson-backed record field: null when s is
 * NULL, empty or not valid UTF-8 (as the audit log's fields are written). */
void sbgw_jbuf_string_or_null(struct sbgw_jbuf *b, const char *s, int ensure_ascii);
/* json_dumps(v, JSON_COMPACT) as malloc'd text, or NULL on failure (as json_dumps). */
char *sbgw_json_compact(const json_t *v);

#endif
