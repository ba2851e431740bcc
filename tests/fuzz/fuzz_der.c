/*
 * tests/fuzz/fuzz_der.c — the bounded DER cursor (pki/base/der.h) over arbitrary bytes.
 *
 * Walks the whole input as a tree: every element read with sb_der_next, peeked, entered when
 * constructed (the depth cap is SB_DER_MAX_DEPTH), OIDs turned into text; each element is rebuilt with
 * the writer (sb_derbuf_tlv / _wrap / _set_of) and the rebuilt length must equal what the reader saw
 * whenever the input used minimal (DER) lengths. Invariants checked: every element lies inside the
 * buffer, contents inside the element, the cursor only moves forward, depth never exceeds the cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pki/base/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
    const uint8_t *base;
    size_t size;
    size_t elems;
};

static void check(int cond)
{
    if (!cond) {
        abort();
    }
}

/* Length of a minimal DER length field for n. */
static size_t der_len_len(size_t n)
{
    size_t k = 0;

    if (n < 0x80) {
        return 1;
    }
    for (; n != 0; n >>= 8) {
        k++;
    }
    return 1 + k;
}

/* Walk d; append the rebuilt contents to out. */
static void walk(struct walk *w, struct sb_der *d, struct sb_derbuf *out)
{
    struct sb_der_elem e;
    struct sb_der child;
    struct sb_derbuf inner;
    struct sb_err err;
    const unsigned char *before;
    const unsigned char *elems[8];
    size_t lens[8], nset = 0;
    char oid[128];

    check(d->depth <= SB_DER_MAX_DEPTH);
    while (sb_der_more(d) && w->elems < 100000) {
        before = d->p;
        (void)sb_der_peek(d, SB_DER_UNIVERSAL, 0x10);
        (void)sb_der_peek(d, SB_DER_CONTEXT, 0);
        sb_err_clear(&err);
        if (sb_der_next(d, &e, "element", &err) != SB_OK) {
            check(err.reason == SB_R_FORMAT && err.msg[0] != '\0');
            check(d->p == before);
            return;
        }
        w->elems++;
        check(d->p > before && d->p <= d->end);
        check(e.der == before && e.der + e.der_len == d->p);
        check(e.content >= e.der && e.content + e.len == e.der + e.der_len);
        check(e.der >= w->base && e.der + e.der_len <= w->base + w->size);
        if (nset < 8) {
            elems[nset] = e.der;
            lens[nset] = e.der_len;
            nset++;
        }
        if (e.cls == SB_DER_UNIVERSAL && e.tag == 6 && !e.constructed) {
            if (sb_der_oid_text(&e, oid, sizeof(oid), "OID", &err) == SB_OK) {
                check(strlen(oid) < sizeof(oid));
                check(sb_der_oid_is(&e, oid));
            }
        }
        if (e.constructed) {
            sb_err_clear(&err);
            if (sb_der_enter(d, &e, &child, "constructed", &err) == SB_OK) {
                check(child.depth == d->depth + 1);
                sb_derbuf_init(&inner);
                walk(w, &child, &inner);
                sb_derbuf_wrap(out, (unsigned char)(e.cls | 0x20 | (e.tag < 31 ? e.tag : 31)), &inner);
                sb_derbuf_free(&inner);
            } else {
                check(d->depth + 1 > SB_DER_MAX_DEPTH && err.reason == SB_R_FORMAT);
            }
        } else if (e.tag < 31) {
            sb_derbuf_tlv(out, (unsigned char)(e.cls | e.tag), e.content, e.len);
            /* a low-tag element with a minimal length is rebuilt byte for byte */
            if (e.der_len == 1 + der_len_len(e.len) + e.len) {
                check(memcmp(out->data + out->len - e.der_len, e.der, e.der_len) == 0 || out->failed);
            }
        }
    }
    check((sb_der_done(d, "walk", NULL) == SB_OK) == !sb_der_more(d));
    if (nset > 0) {
        sb_derbuf_set_of(out, 0x31, elems, lens, nset);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sb_der d;
    struct sb_derbuf out;
    struct walk w;
    struct sb_err err;
    int indefinite = 0;

    w.base = data;
    w.size = size;
    w.elems = 0;
    sb_der_init(&d, data, size, &indefinite);
    sb_derbuf_init(&out);
    walk(&w, &d, &out);
    if (sb_derbuf_check(&out, "rebuilt", &err) != SB_OK) {
        check(err.reason == SB_R_INTERNAL);
    }
    sb_derbuf_oid(&out, "1.2.156.10197.6.1.4.2.2");
    sb_derbuf_free(&out);
    sb_fuzz_end();
    return 0;
}
