/*
 * pki/base/der.h — a small bounded DER reader (over OpenSSL's ASN1_get_object) and a DER writer.
 *
 * The reader walks one buffer element by element: every header is checked against the bytes that remain
 * in the enclosing element, indefinite lengths are refused (BER must be normalised first), and entering
 * constructed elements is capped at SB_DER_MAX_DEPTH levels. Each element read keeps pointers to its
 * full encoding and to its contents, so callers can hash or verify exactly the bytes received. Nothing
 * is copied or allocated; the buffer must outlive the cursor.
 *
 * The writer appends to a growable buffer with a sticky failure bit: callers chain writes and check
 * once with sb_derbuf_check(). It does not base64 or PEM anything (OpenSSL does that).
 * No global state; thread-safe.
 */
#ifndef SB_DER_H
#define SB_DER_H

#include <stddef.h>
#include "pki/base/err.h"

#define SB_DER_MAX_DEPTH 32

/* ASN.1 identifier classes as returned in sb_der_elem.cls (same values as OpenSSL's V_ASN1_*). */
#define SB_DER_UNIVERSAL 0x00
#define SB_DER_CONTEXT   0x80

/* Cursor over the contents [p, end) of one element (or of a whole buffer). */
struct sb_der {
    const unsigned char *p;
    const unsigned char *end;
    int depth;              /* nesting level of these contents */
    int *indefinite_seen;   /* borrowed, may be NULL: set to 1 when an indefinite length was refused */
};

/* One element read from a cursor. */
struct sb_der_elem {
    int cls;                       /* SB_DER_UNIVERSAL, SB_DER_CONTEXT, 0x40 application, 0xC0 private */
    int tag;                       /* tag number */
    int constructed;               /* 1 if the constructed bit is set */
    const unsigned char *der;      /* the full encoding: identifier, length and contents */
    size_t der_len;
    const unsigned char *content;  /* the contents octets */
    size_t len;
};

/* Start a cursor over buf[0..len); indefinite_seen (may be NULL) is set when an indefinite length is met. */
void sb_der_init(struct sb_der *d, const unsigned char *buf, size_t len, int *indefinite_seen);
/* 1 if bytes remain in d, else 0. */
int sb_der_more(const struct sb_der *d);
/* 1 if the next element has class cls and tag number tag (without consuming it), else 0. */
int sb_der_peek(const struct sb_der *d, int cls, int tag);
/* Read the next element into e. FORMAT (message naming what) when nothing is left, the header is bad,
 * the length is indefinite or runs past the enclosing element. */
enum sb_reason sb_der_next(struct sb_der *d, struct sb_der_elem *e, const char *what,
                           struct sb_err *err) SB_MUST_USE;
/* Read the next element and require class cls, tag number tag and the constructed bit as given. */
enum sb_reason sb_der_expect(struct sb_der *d, int cls, int tag, int constructed, struct sb_der_elem *e,
                             const char *what, struct sb_err *err) SB_MUST_USE;
/* Cursor child over the contents of the constructed element e read from parent (depth capped). */
enum sb_reason sb_der_enter(const struct sb_der *parent, const struct sb_der_elem *e, struct sb_der *child,
                            const char *what, struct sb_err *err) SB_MUST_USE;
/* FORMAT when bytes remain in d (trailing data after the last expected element of what). */
enum sb_reason sb_der_done(const struct sb_der *d, const char *what, struct sb_err *err) SB_MUST_USE;
/* Dotted text of an OBJECT IDENTIFIER element into buf; FORMAT when e is not a valid OID. */
enum sb_reason sb_der_oid_text(const struct sb_der_elem *e, char *buf, size_t len, const char *what,
                               struct sb_err *err) SB_MUST_USE;
/* 1 if the OID element e has the dotted value oid, else 0. */
int sb_der_oid_is(const struct sb_der_elem *e, const char *oid);

/* Growable output buffer. failed is sticky: once a write fails, later writes do nothing. */
struct sb_derbuf {
    unsigned char *data;   /* owned (OPENSSL_free via sb_derbuf_free) */
    size_t len;
    size_t cap;
    int failed;
};

#define SB_DERBUF_MAX (64u * 1024u * 1024u)   /* largest encoding the writer will build */

/* Empty buffer. */
void sb_derbuf_init(struct sb_derbuf *b);
/* Free the contents and reset b. */
void sb_derbuf_free(struct sb_derbuf *b);
/* Append n raw bytes (already DER). */
void sb_derbuf_put(struct sb_derbuf *b, const void *p, size_t n);
/* Append a length in DER form (short form below 128, else minimal long form). */
void sb_derbuf_len(struct sb_derbuf *b, size_t n);
/* Append identifier byte tag (e.g. 0x30, 0xA0, 0x04), the length of n and the n content bytes. */
void sb_derbuf_tlv(struct sb_derbuf *b, unsigned char tag, const void *content, size_t n);
/* As sb_derbuf_tlv with inner's bytes as contents (inner is left as it is; failure propagates). */
void sb_derbuf_wrap(struct sb_derbuf *b, unsigned char tag, const struct sb_derbuf *inner);
/* Append an OBJECT IDENTIFIER given in dotted form. */
void sb_derbuf_oid(struct sb_derbuf *b, const char *dotted);
/* Append identifier tag around the n encodings elems[i] (lens[i] bytes each) sorted as DER SET OF
 * requires (X.690 11.6: ascending octet strings, a shorter prefix first). At most 1024 elements. */
void sb_derbuf_set_of(struct sb_derbuf *b, unsigned char tag, const unsigned char *const *elems,
                      const size_t *lens, size_t n);
/* SB_OK, or INTERNAL ("out of memory building what") when any write on b failed. */
enum sb_reason sb_derbuf_check(const struct sb_derbuf *b, const char *what, struct sb_err *err) SB_MUST_USE;

#endif
