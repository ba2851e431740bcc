#include "pki/base/der.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>

#include "pki/base/name_table.h"
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#define SB_DER_SET_MAX 1024

void sb_der_init(struct sb_der *d, const unsigned char *buf, size_t len, int *indefinite_seen)
{
    d->p = buf;
    d->end = buf + len;
    d->depth = 0;
    d->indefinite_seen = indefinite_seen;
}

int sb_der_more(const struct sb_der *d)
{
    return d->p < d->end;
}

/* Decode one header at d->p without moving d. SB_OK with e filled, else FORMAT. */
static enum sb_reason read_header(const struct sb_der *d, struct sb_der_elem *e, const char *what,
                                  struct sb_err *err)
{
    const unsigned char *p = d->p;
    size_t avail = (size_t)(d->end - d->p);
    long plen = 0;
    int tag = 0, cls = 0, ret;

    if (avail == 0) {
        return sb_err_set(err, SB_R_FORMAT, "%s: missing (no bytes left)", what);
    }
    if (avail > (size_t)LONG_MAX) {
        return sb_err_set(err, SB_R_FORMAT, "%s: input too large", what);
    }
    ret = ASN1_get_object(&p, &plen, &tag, &cls, (long)avail);
    if ((ret & 0x80) != 0) {
        ERR_clear_error();      /* only a failure queues an error */
        return sb_err_set(err, SB_R_FORMAT, "%s: bad DER header or length past the end of the enclosing element",
                          what);
    }
    if ((ret & 0x01) != 0) {
        if (d->indefinite_seen != NULL) {
            *d->indefinite_seen = 1;
        }
        return sb_err_set(err, SB_R_FORMAT, "%s: indefinite length (BER) is not DER", what);
    }
    if (plen < 0 || (size_t)plen > (size_t)(d->end - p)) {
        return sb_err_set(err, SB_R_FORMAT, "%s: length %ld runs past the end of the enclosing element", what,
                          plen);
    }
    e->cls = cls;
    e->tag = tag;
    e->constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
    e->der = d->p;
    e->content = p;
    e->len = (size_t)plen;
    e->der_len = (size_t)(p - d->p) + (size_t)plen;
    return SB_OK;
}

int sb_der_peek(const struct sb_der *d, int cls, int tag)
{
    struct sb_der_elem e;

    if (!sb_der_more(d) || read_header(d, &e, "peek", NULL) != SB_OK) {
        return 0;
    }
    return e.cls == cls && e.tag == tag;
}

enum sb_reason sb_der_next(struct sb_der *d, struct sb_der_elem *e, const char *what, struct sb_err *err)
{
    enum sb_reason rc = read_header(d, e, what, err);

    if (rc != SB_OK) {
        return rc;
    }
    d->p = e->der + e->der_len;
    return SB_OK;
}

static const char *class_name(int cls)
{
    static const struct sb_name_row names[] = {
        { SB_DER_UNIVERSAL, "universal" }, { SB_DER_CONTEXT, "context" }, { 0x40, "application" },
    };

    return sb_name_of(SB_NAME_ROWS(names), cls, "private");
}

enum sb_reason sb_der_expect(struct sb_der *d, int cls, int tag, int constructed, struct sb_der_elem *e,
                             const char *what, struct sb_err *err)
{
    struct sb_der_elem tmp;
    enum sb_reason rc = read_header(d, &tmp, what, err);

    if (rc != SB_OK) {
        return rc;
    }
    if (tmp.cls != cls || tmp.tag != tag || tmp.constructed != (constructed != 0)) {
        return sb_err_set(err, SB_R_FORMAT, "%s: expected %s tag %d (%s), found %s tag %d (%s)", what,
                          class_name(cls), tag, constructed ? "constructed" : "primitive", class_name(tmp.cls),
                          tmp.tag, tmp.constructed ? "constructed" : "primitive");
    }
    *e = tmp;
    d->p = e->der + e->der_len;
    return SB_OK;
}

enum sb_reason sb_der_enter(const struct sb_der *parent, const struct sb_der_elem *e, struct sb_der *child,
                            const char *what, struct sb_err *err)
{
    if (!e->constructed) {
        return sb_err_set(err, SB_R_FORMAT, "%s: primitive element where a constructed one is required", what);
    }
    if (parent->depth + 1 > SB_DER_MAX_DEPTH) {
        return sb_err_set(err, SB_R_FORMAT, "%s: nested deeper than %d levels", what, SB_DER_MAX_DEPTH);
    }
    child->p = e->content;
    child->end = e->content + e->len;
    child->depth = parent->depth + 1;
    child->indefinite_seen = parent->indefinite_seen;
    return SB_OK;
}

enum sb_reason sb_der_done(const struct sb_der *d, const char *what, struct sb_err *err)
{
    if (sb_der_more(d)) {
        return sb_err_set(err, SB_R_FORMAT, "%s: %zu unexpected trailing bytes", what, (size_t)(d->end - d->p));
    }
    return SB_OK;
}

/* Decimal digits of v at the end of tmp[0..24); returns the first digit. */
static char *u64_text(uint64_t v, char tmp[24])
{
    char *q = tmp + 23;

    *q = '\0';
    do {
        *--q = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return q;
}

/*
 * Dotted text of an OID's content octets without OpenSSL (the hot path of every AlgorithmIdentifier):
 * 1 on success, 0 when malformed the way d2i_ASN1_OBJECT refuses (0x80 padding, unterminated last
 * subidentifier), -1 when an arc exceeds 64 bits or buf is too small (the caller then asks OpenSSL).
 */
static int oid_text_fast(const unsigned char *c, size_t n, char *buf, size_t len)
{
    char tmp[24], *digits;
    uint64_t v = 0;
    size_t i, o = 0, dl;
    int first = 1, start = 1;

    if (n == 0 || (c[n - 1] & 0x80) != 0) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (start && c[i] == 0x80) {
            return 0;
        }
        if (v > (UINT64_MAX >> 7)) {
            return -1;
        }
        v = (v << 7) | (c[i] & 0x7f);
        start = (c[i] & 0x80) == 0;
        if (!start) {
            continue;
        }
        if (first) {
            uint64_t x = v < 40 ? 0 : (v < 80 ? 1 : 2);

            if (len < 3) {
                return -1;
            }
            buf[o++] = (char)('0' + x);
            v -= 40 * x;
            first = 0;
        }
        digits = u64_text(v, tmp);
        dl = strlen(digits);
        if (o + 1 + dl >= len) {
            return -1;
        }
        buf[o++] = '.';
        memcpy(buf + o, digits, dl);
        o += dl;
        v = 0;
    }
    buf[o] = '\0';
    return 1;
}

enum sb_reason sb_der_oid_text(const struct sb_der_elem *e, char *buf, size_t len, const char *what,
                               struct sb_err *err)
{
    const unsigned char *p = e->der;
    ASN1_OBJECT *obj = NULL;
    int n;

    buf[0] = '\0';
    if (e->cls != SB_DER_UNIVERSAL || e->tag != V_ASN1_OBJECT || e->constructed || e->len == 0
        || e->der_len > (size_t)LONG_MAX) {
        return sb_err_set(err, SB_R_FORMAT, "%s: not an OBJECT IDENTIFIER", what);
    }
    switch (oid_text_fast(e->content, e->len, buf, len)) {
    case 1:
        return SB_OK;
    case 0:
        buf[0] = '\0';
        return sb_err_set(err, SB_R_FORMAT, "%s: malformed OBJECT IDENTIFIER", what);
    default:
        buf[0] = '\0';
        break;              /* very large arcs: OpenSSL's bignum formatting below */
    }
    obj = d2i_ASN1_OBJECT(NULL, &p, (long)e->der_len);
    if (obj == NULL || p != e->der + e->der_len) {
        ASN1_OBJECT_free(obj);
        ERR_clear_error();
        return sb_err_set(err, SB_R_FORMAT, "%s: malformed OBJECT IDENTIFIER", what);
    }
    n = OBJ_obj2txt(buf, (int)(len > INT_MAX ? INT_MAX : len), obj, 1);
    ASN1_OBJECT_free(obj);
    if (n <= 0 || (size_t)n >= len) {
        buf[0] = '\0';
        ERR_clear_error();
        return sb_err_set(err, SB_R_FORMAT, "%s: OBJECT IDENTIFIER too long", what);
    }
    return SB_OK;
}

int sb_der_oid_is(const struct sb_der_elem *e, const char *oid)
{
    char buf[128];

    if (sb_der_oid_text(e, buf, sizeof(buf), "OID", NULL) != SB_OK) {
        return 0;
    }
    return strcmp(buf, oid) == 0;
}

/* ---- writer ------------------------------------------------------------------------------------ */

void sb_derbuf_init(struct sb_derbuf *b)
{
    memset(b, 0, sizeof(*b));
}

void sb_derbuf_free(struct sb_derbuf *b)
{
    OPENSSL_free(b->data);
    memset(b, 0, sizeof(*b));
}

static int reserve(struct sb_derbuf *b, size_t n)
{
    unsigned char *nd;
    size_t ncap;

    if (b->failed) {
        return 0;
    }
    if (n > SB_DERBUF_MAX || b->len > SB_DERBUF_MAX - n) {
        b->failed = 1;
        return 0;
    }
    if (b->len + n <= b->cap) {
        return 1;
    }
    ncap = b->cap < 256 ? 256 : b->cap;
    while (ncap < b->len + n) {
        ncap *= 2;
    }
    if ((nd = OPENSSL_realloc(b->data, ncap)) == NULL) {
        b->failed = 1;
        return 0;
    }
    b->data = nd;
    b->cap = ncap;
    return 1;
}

void sb_derbuf_put(struct sb_derbuf *b, const void *p, size_t n)
{
    if (n == 0 || !reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void sb_derbuf_len(struct sb_derbuf *b, size_t n)
{
    unsigned char tmp[1 + sizeof(size_t)];
    size_t k = 0, i;

    if (n < 0x80) {
        tmp[0] = (unsigned char)n;
        sb_derbuf_put(b, tmp, 1);
        return;
    }
    for (i = n; i != 0; i >>= 8) {
        k++;
    }
    tmp[0] = (unsigned char)(0x80 | k);
    for (i = 0; i < k; i++) {
        tmp[k - i] = (unsigned char)((n >> (8 * i)) & 0xFF);
    }
    sb_derbuf_put(b, tmp, k + 1);
}

void sb_derbuf_tlv(struct sb_derbuf *b, unsigned char tag, const void *content, size_t n)
{
    sb_derbuf_put(b, &tag, 1);
    sb_derbuf_len(b, n);
    sb_derbuf_put(b, content, n);
}

void sb_derbuf_wrap(struct sb_derbuf *b, unsigned char tag, const struct sb_derbuf *inner)
{
    if (inner->failed) {
        b->failed = 1;
        return;
    }
    sb_derbuf_tlv(b, tag, inner->data, inner->len);
}

void sb_derbuf_oid(struct sb_derbuf *b, const char *dotted)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(dotted, 1);
    unsigned char *der = NULL;
    int n;

    if (obj == NULL || (n = i2d_ASN1_OBJECT(obj, &der)) <= 0) {
        ERR_clear_error();
        b->failed = 1;
    } else {
        sb_derbuf_put(b, der, (size_t)n);
    }
    OPENSSL_free(der);
    ASN1_OBJECT_free(obj);
}

struct set_item {
    const unsigned char *p;
    size_t n;
};

static int set_item_cmp(const void *a, const void *b)
{
    const struct set_item *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, m);

    if (c != 0) {
        return c;
    }
    return x->n < y->n ? -1 : (x->n > y->n ? 1 : 0);
}

void sb_derbuf_set_of(struct sb_derbuf *b, unsigned char tag, const unsigned char *const *elems,
                      const size_t *lens, size_t n)
{
    struct set_item *items = NULL;
    size_t i, total = 0;

    if (b->failed) {
        return;
    }
    if (n > SB_DER_SET_MAX) {
        b->failed = 1;
        return;
    }
    if (n > 0 && (items = OPENSSL_malloc(n * sizeof(*items))) == NULL) {
        b->failed = 1;
        return;
    }
    for (i = 0; i < n; i++) {
        items[i].p = elems[i];
        items[i].n = lens[i];
        if (lens[i] > SB_DERBUF_MAX || total > SB_DERBUF_MAX - lens[i]) {
            b->failed = 1;
            goto out;
        }
        total += lens[i];
    }
    if (n > 1) {
        qsort(items, n, sizeof(*items), set_item_cmp);
    }
    sb_derbuf_put(b, &tag, 1);
    sb_derbuf_len(b, total);
    for (i = 0; i < n; i++) {
        sb_derbuf_put(b, items[i].p, items[i].n);
    }
out:
    OPENSSL_free(items);
}

enum sb_reason sb_derbuf_check(const struct sb_derbuf *b, const char *what, struct sb_err *err)
{
    if (b->failed) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory or size limit building %s", what);
    }
    return SB_OK;
}
