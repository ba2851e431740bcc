/*
 * gateway/daemon/json_writer.c — compact JSON text of a jansson tree identical to jansson 2.14's json_dumps, and
 * the audit log's string fields (see json_writer.h; the text itself: pki/base/json_text.h).
 */
#include "gateway/daemon/json_writer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONW_MAX_DEPTH 64        /* deeper values are refused (json_dumps has no such limit: we fall back) */

void sbgw_jbuf_string_or_null(struct sb_jtext *b, const char *s, int ensure_ascii)
{
    if (s == NULL || s[0] == '\0' || !sb_jtext_string(b, s, strlen(s), ensure_ascii)) {
        sb_jtext_raw(b, "null", 4);
    }
}

static void value(struct sb_jtext *b, const json_t *v, int ensure_ascii, int depth)
{
    const char *key;
    json_t *item;
    char num[32];
    size_t i, flags = JSON_COMPACT | JSON_ENCODE_ANY | (ensure_ascii ? JSON_ENSURE_ASCII : 0);
    int first = 1, w;
    char *text;

    if (b->failed || v == NULL || depth > JSONW_MAX_DEPTH) {
        b->failed = 1;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        sb_jtext_raw(b, "{", 1);
        json_object_foreach((json_t *)(uintptr_t)v, key, item) {
            if (!first) {
                sb_jtext_raw(b, ",", 1);
            }
            first = 0;
            if (!sb_jtext_string(b, key, strlen(key), ensure_ascii)) {
                b->failed = 1;
                return;
            }
            sb_jtext_raw(b, ":", 1);
            value(b, item, ensure_ascii, depth + 1);
        }
        sb_jtext_raw(b, "}", 1);
        break;
    case JSON_ARRAY:
        sb_jtext_raw(b, "[", 1);
        for (i = 0; i < json_array_size(v); i++) {
            if (i > 0) {
                sb_jtext_raw(b, ",", 1);
            }
            value(b, json_array_get(v, i), ensure_ascii, depth + 1);
        }
        sb_jtext_raw(b, "]", 1);
        break;
    case JSON_STRING:
        if (!sb_jtext_string(b, json_string_value(v), json_string_length(v), ensure_ascii)) {
            b->failed = 1;
        }
        break;
    case JSON_INTEGER:
        w = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (w < 0 || (size_t)w >= sizeof(num)) {
            b->failed = 1;
            return;
        }
        sb_jtext_raw(b, num, (size_t)w);
        break;
    case JSON_TRUE:
        sb_jtext_raw(b, "true", 4);
        break;
    case JSON_FALSE:
        sb_jtext_raw(b, "false", 5);
        break;
    case JSON_NULL:
        sb_jtext_raw(b, "null", 4);
        break;
    case JSON_REAL:            /* jansson's own number formatting */
        if ((text = json_dumps(v, flags)) == NULL) {
            b->failed = 1;
            return;
        }
        sb_jtext_raw(b, text, strlen(text));
        free(text);
        break;
    default:
        b->failed = 1;
        break;
    }
}

char *sbgw_json_compact(const json_t *v)
{
    struct sb_jtext b;

    memset(&b, 0, sizeof(b));
    value(&b, v, 0, 0);
    if (b.failed || b.p == NULL) {
        sb_jtext_free(&b);
        return json_dumps(v, JSON_COMPACT);      /* whatever jansson makes of it, errors included */
    }
    return b.p;
}
