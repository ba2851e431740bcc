/*
 * pki/x509/cert_memo.c — rendered certificates remembered per certificate object (cert_memo.h).
 */
#include "pki/x509/cert_memo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pki/base/err.h"
#include "pki/base/slot_table.h"
#include "pki/x509/cert_format.h"

struct memo_slot {
    X509 *x;                             /* owned reference: the key */
    json_t *j;                           /* owned: sb_certfmt_json(x), never modified */
};

struct sb_cert_memo {
    struct sb_slot_table t;              /* of struct memo_slot */
};

struct sb_cert_memo *sb_cert_memo_new(size_t capacity)
{
    struct sb_cert_memo *m = calloc(1, sizeof(*m));

    if (m == NULL || !sb_slot_table_init(&m->t, capacity, (size_t)1 << 24, sizeof(struct memo_slot))) {
        free(m);
        return NULL;
    }
    return m;
}

static void slot_clear(void *p)
{
    struct memo_slot *s = p;

    X509_free(s->x);
    json_decref(s->j);
}

void sb_cert_memo_free(struct sb_cert_memo *m)
{
    if (m == NULL) {
        return;
    }
    sb_slot_table_destroy(&m->t, slot_clear);
    free(m);
}

/* The slot of x: the object's address is the key. */
static size_t slot_of(const struct sb_cert_memo *m, const X509 *x)
{
    uintptr_t k = (uintptr_t)x;

    return sb_slot_table_index(&m->t, (uint64_t)(((k >> 4) * (uintptr_t)0x9E3779B97F4A7C15ULL) >> 8));
}

json_t *sb_cert_memo_cert(struct sb_cert_memo *m, X509 *x)
{
    size_t i = slot_of(m, x);
    struct memo_slot *s = sb_slot_table_lock(&m->t, i);
    json_t *out = NULL, *fresh, *old_j;
    X509 *old_x;

    if (s->x == x) {
        out = json_deep_copy(s->j);
    }
    sb_slot_table_unlock(&m->t, i);
    if (out != NULL) {
        return out;
    }
    if ((fresh = sb_certfmt_json(x)) == NULL || (out = json_deep_copy(fresh)) == NULL || X509_up_ref(x) != 1) {
        json_decref(fresh);
        json_decref(out);
        return NULL;
    }
    s = sb_slot_table_lock(&m->t, i);
    old_x = s->x;
    old_j = s->j;
    s->x = x;
    s->j = fresh;
    sb_slot_table_unlock(&m->t, i);
    X509_free(old_x);
    json_decref(old_j);
    return out;
}

/* Copy the string member key of j into buf ("" when absent). */
static void copy_member(const json_t *j, const char *key, char *buf, size_t len)
{
    const char *v = json_string_value(json_object_get(j, key));

    snprintf(buf, len, "%s", v != NULL ? v : "");
    sb_utf8_sanitize(buf);      /* a cut may have split a UTF-8 sequence */
}

int sb_cert_memo_names(struct sb_cert_memo *m, X509 *x, char *subject, size_t slen, char *issuer,
                          size_t ilen)
{
    size_t i = slot_of(m, x);
    struct memo_slot *s = sb_slot_table_lock(&m->t, i);
    json_t *j;
    int hit = 0;

    if (s->x == x) {
        copy_member(s->j, "subject", subject, slen);
        copy_member(s->j, "issuer", issuer, ilen);
        hit = 1;
    }
    sb_slot_table_unlock(&m->t, i);
    if (hit) {
        return 1;
    }
    if ((j = sb_cert_memo_cert(m, x)) == NULL) {
        return 0;
    }
    copy_member(j, "subject", subject, slen);
    copy_member(j, "issuer", issuer, ilen);
    json_decref(j);
    return 1;
}
