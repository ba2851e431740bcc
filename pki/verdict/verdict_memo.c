/*
 * pki/verdict/verdict_memo.c — rendered certificates remembered per certificate object (verdict_memo.h).
 */
#include "pki/verdict/verdict_memo.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pki/base/err.h"
#include "pki/verdict/report.h"

#define MEMO_STRIPES 64

struct memo_slot {
    X509 *x;                             /* owned reference: the key */
    json_t *j;                           /* owned: sb_report_cert(x), never modified */
};

struct sb_verdict_memo {
    struct memo_slot *slots;             /* owned: n entries */
    size_t n;                            /* a power of two */
    pthread_mutex_t locks[MEMO_STRIPES];
};

struct sb_verdict_memo *sb_verdict_memo_new(size_t capacity)
{
    struct sb_verdict_memo *m = calloc(1, sizeof(*m));
    size_t i;

    if (m == NULL) {
        return NULL;
    }
    for (m->n = 64; m->n < capacity && m->n < ((size_t)1 << 24); m->n <<= 1) {
    }
    if ((m->slots = calloc(m->n, sizeof(*m->slots))) == NULL) {
        free(m);
        return NULL;
    }
    for (i = 0; i < MEMO_STRIPES; i++) {
        pthread_mutex_init(&m->locks[i], NULL);
    }
    return m;
}

void sb_verdict_memo_free(struct sb_verdict_memo *m)
{
    size_t i;

    if (m == NULL) {
        return;
    }
    for (i = 0; i < m->n; i++) {
        X509_free(m->slots[i].x);
        json_decref(m->slots[i].j);
    }
    for (i = 0; i < MEMO_STRIPES; i++) {
        pthread_mutex_destroy(&m->locks[i]);
    }
    free(m->slots);
    free(m);
}

json_t *sb_verdict_memo_cert(struct sb_verdict_memo *m, X509 *x)
{
    uintptr_t k = (uintptr_t)x;
    size_t i = (size_t)(((k >> 4) * (uintptr_t)0x9E3779B97F4A7C15ULL) >> 8) & (m->n - 1);
    struct memo_slot *s = &m->slots[i];
    pthread_mutex_t *mu = &m->locks[i % MEMO_STRIPES];
    json_t *out = NULL, *fresh, *old_j;
    X509 *old_x;

    pthread_mutex_lock(mu);
    if (s->x == x) {
        out = json_deep_copy(s->j);
    }
    pthread_mutex_unlock(mu);
    if (out != NULL) {
        return out;
    }
    if ((fresh = sb_report_cert(x)) == NULL || (out = json_deep_copy(fresh)) == NULL || X509_up_ref(x) != 1) {
        json_decref(fresh);
        json_decref(out);
        return NULL;
    }
    pthread_mutex_lock(mu);
    old_x = s->x;
    old_j = s->j;
    s->x = x;
    s->j = fresh;
    pthread_mutex_unlock(mu);
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

int sb_verdict_memo_names(struct sb_verdict_memo *m, X509 *x, char *subject, size_t slen, char *issuer,
                          size_t ilen)
{
    uintptr_t k = (uintptr_t)x;
    size_t i = (size_t)(((k >> 4) * (uintptr_t)0x9E3779B97F4A7C15ULL) >> 8) & (m->n - 1);
    struct memo_slot *s = &m->slots[i];
    pthread_mutex_t *mu = &m->locks[i % MEMO_STRIPES];
    json_t *j;
    int hit = 0;

    pthread_mutex_lock(mu);
    if (s->x == x) {
        copy_member(s->j, "subject", subject, slen);
        copy_member(s->j, "issuer", issuer, ilen);
        hit = 1;
    }
    pthread_mutex_unlock(mu);
    if (hit) {
        return 1;
    }
    if ((j = sb_verdict_memo_cert(m, x)) == NULL) {
        return 0;
    }
    copy_member(j, "subject", subject, slen);
    copy_member(j, "issuer", issuer, ilen);
    json_decref(j);
    return 1;
}
