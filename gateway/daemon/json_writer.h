/*
 * gateway/daemon/json_writer.h — a fast writer of compact JSON text, byte for byte what jansson 2.14's json_dumps writes
 * with JSON_COMPACT (optionally JSON_ENSURE_ASCII), keys in insertion order.
 *
 * Why: json_dumps spends most of its time on per-container bookkeeping (a loop-check table entry per
 * object and array) and many small buffer appends. The text and its string escaping are
 * pki/base/json_text.h (the verdict and the audit record are written with it directly, without a tree);
 * this is for the replies that still build one. Reals are delegated to jansson itself. Any thread; no state.
 */
#ifndef SBGW_JSON_WRITER_H
#define SBGW_JSON_WRITER_H

#include <stddef.h>
#include <jansson.h>
#include "pki/base/json_text.h"

/* Append s as json_dumps would write json_string(s) for a jansson-backed record field: null when s is
 * NULL, empty or not valid UTF-8 (as the audit log's fields are written). */
void sbgw_jbuf_string_or_null(struct sb_jtext *b, const char *s, int ensure_ascii);
/* json_dumps(v, JSON_COMPACT) as malloc'd text, or NULL on failure (as json_dumps). */
char *sbgw_json_compact(const json_t *v);

#endif
