/*
 * tests/unit/test_der.c — the bounded DER cursor and the DER writer (pki/base/der.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "pki/base/der.h"

/* SEQUENCE { INTEGER 5, [0] { OCTET STRING "ab" }, OID 1.2.840.113549.1.7.2 } */
static const unsigned char sample[] = {
    0x30, 0x16, 0x02, 0x01, 0x05, 0xA0, 0x04, 0x04, 0x02, 'a', 'b',
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0x05, 0x00,
};

static void test_der_next_walks_nested_elements(void **state)
{
    struct sb_der top, seq, ctx;
    struct sb_der_elem e, i, x, os, oid;
    struct sb_err err;
    char txt[64];

    (void)state;
    sb_der_init(&top, sample, sizeof(sample), NULL);
    assert_int_equal(sb_der_expect(&top, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &e, "outer", &err), SB_OK);
    assert_ptr_equal(e.der, sample);
    assert_int_equal(e.der_len, sizeof(sample));
    assert_int_equal(e.len, sizeof(sample) - 2);
    assert_int_equal(sb_der_done(&top, "top", &err), SB_OK);
    assert_int_equal(sb_der_enter(&top, &e, &seq, "outer", &err), SB_OK);
    assert_int_equal(seq.depth, 1);
    assert_int_equal(sb_der_expect(&seq, SB_DER_UNIVERSAL, V_ASN1_INTEGER, 0, &i, "int", &err), SB_OK);
    assert_int_equal(i.len, 1);
    assert_int_equal(i.content[0], 5);
    assert_true(sb_der_peek(&seq, SB_DER_CONTEXT, 0));
    assert_false(sb_der_peek(&seq, SB_DER_CONTEXT, 1));
    assert_int_equal(sb_der_expect(&seq, SB_DER_CONTEXT, 0, 1, &x, "[0]", &err), SB_OK);
    assert_int_equal(sb_der_enter(&seq, &x, &ctx, "[0]", &err), SB_OK);
    assert_int_equal(sb_der_expect(&ctx, SB_DER_UNIVERSAL, V_ASN1_OCTET_STRING, 0, &os, "os", &err), SB_OK);
    assert_memory_equal(os.content, "ab", 2);
    assert_false(sb_der_more(&ctx));
    assert_int_equal(sb_der_expect(&seq, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &oid, "oid", &err), SB_OK);
    assert_int_equal(sb_der_oid_text(&oid, txt, sizeof(txt), "oid", &err), SB_OK);
    assert_string_equal(txt, "1.2.840.113549.1.7.2");
    assert_true(sb_der_oid_is(&oid, "1.2.840.113549.1.7.2"));
    assert_false(sb_der_oid_is(&oid, "1.2.840.113549.1.7.1"));
    /* trailing NULL left: done must refuse */
    assert_int_equal(sb_der_done(&seq, "SEQUENCE", &err), SB_R_FORMAT);
    assert_non_null(strstr(err.msg, "trailing"));
    assert_int_equal(sb_der_next(&seq, &e, "null", &err), SB_OK);
    assert_int_equal(sb_der_next(&seq, &e, "past the end", &err), SB_R_FORMAT);
}

static void test_der_expect_wrong_tag(void **state)
{
    struct sb_der d;
    struct sb_der_elem e;
    struct sb_err err;

    (void)state;
    sb_der_init(&d, sample, sizeof(sample), NULL);
    assert_int_equal(sb_der_expect(&d, SB_DER_UNIVERSAL, V_ASN1_SET, 1, &e, "SignerInfos", &err), SB_R_FORMAT);
    assert_non_null(strstr(err.msg, "SignerInfos"));
    /* the cursor did not move */
    assert_ptr_equal(d.p, sample);
    assert_int_equal(sb_der_expect(&d, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 0, &e, "primitive?", &err), SB_R_FORMAT);
}

static void test_der_rejects_indefinite(void **state)
{
    static const unsigned char ber[] = { 0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00 };
    struct sb_der d;
    struct sb_der_elem e;
    struct sb_err err;
    int seen = 0;

    (void)state;
    sb_der_init(&d, ber, sizeof(ber), &seen);
    assert_int_equal(sb_der_next(&d, &e, "outer", &err), SB_R_FORMAT);
    assert_int_equal(seen, 1);
    assert_non_null(strstr(err.msg, "indefinite"));
}

static void test_der_rejects_lengths_past_end(void **state)
{
    static const unsigned char huge[] = { 0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x01 };
    static const unsigned char longer[] = { 0x30, 0x05, 0x02, 0x01, 0x01 };
    static const unsigned char inner[] = { 0x30, 0x03, 0x02, 0x05, 0x01 };
    static const unsigned char nine[] = { 0x04, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
    struct sb_der d, c;
    struct sb_der_elem e;
    struct sb_err err;

    (void)state;
    sb_der_init(&d, huge, sizeof(huge), NULL);
    assert_int_equal(sb_der_next(&d, &e, "huge", &err), SB_R_FORMAT);
    sb_der_init(&d, longer, sizeof(longer), NULL);
    assert_int_equal(sb_der_next(&d, &e, "longer", &err), SB_R_FORMAT);
    sb_der_init(&d, nine, sizeof(nine), NULL);
    assert_int_equal(sb_der_next(&d, &e, "nine length octets", &err), SB_R_FORMAT);
    /* the inner INTEGER claims 5 bytes inside a 3-byte SEQUENCE */
    sb_der_init(&d, inner, sizeof(inner), NULL);
    assert_int_equal(sb_der_next(&d, &e, "outer", &err), SB_OK);
    assert_int_equal(sb_der_enter(&d, &e, &c, "outer", &err), SB_OK);
    assert_int_equal(sb_der_next(&c, &e, "inner", &err), SB_R_FORMAT);
    sb_der_init(&d, inner, 0, NULL);
    assert_int_equal(sb_der_next(&d, &e, "empty", &err), SB_R_FORMAT);
}

static void test_der_depth_cap(void **state)
{
    unsigned char buf[2 * (SB_DER_MAX_DEPTH + 4)];
    struct sb_der d[SB_DER_MAX_DEPTH + 4];
    struct sb_der_elem e;
    struct sb_err err;
    size_t n = SB_DER_MAX_DEPTH + 4, i;
    enum sb_reason rc = SB_OK;

    (void)state;
    for (i = 0; i < n; i++) {
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = (unsigned char)(2 * (n - i - 1));
    }
    sb_der_init(&d[0], buf, sizeof(buf), NULL);
    for (i = 0; i + 1 < n; i++) {
        assert_int_equal(sb_der_next(&d[i], &e, "nested", &err), SB_OK);
        rc = sb_der_enter(&d[i], &e, &d[i + 1], "nested", &err);
        if (rc != SB_OK) {
            break;
        }
    }
    assert_int_equal(rc, SB_R_FORMAT);
    assert_int_equal(i, SB_DER_MAX_DEPTH);
    assert_non_null(strstr(err.msg, "deeper"));
}

static void test_der_oid_text_rejects_garbage(void **state)
{
    static const unsigned char bad[] = { 0x06, 0x02, 0x80, 0x80 };
    struct sb_der d;
    struct sb_der_elem e;
    struct sb_err err;
    char txt[64];

    (void)state;
    sb_der_init(&d, bad, sizeof(bad), NULL);
    assert_int_equal(sb_der_next(&d, &e, "oid", &err), SB_OK);
    assert_int_equal(sb_der_oid_text(&e, txt, sizeof(txt), "oid", &err), SB_R_FORMAT);
    assert_false(sb_der_oid_is(&e, "1.2"));
}

/* The built-in OID formatter agrees with d2i_ASN1_OBJECT + OBJ_obj2txt on 20,000 pseudo-random encodings
 * (valid and malformed, short and long arcs, arcs past 64 bits). */
static void test_der_oid_text_matches_openssl(void **state)
{
    unsigned char enc[2 + 40];
    const unsigned char *q;
    uint32_t seed = 12345;
    struct sb_der d;
    struct sb_der_elem e;
    struct sb_err err;
    ASN1_OBJECT *obj;
    char ours[256], theirs[256];
    size_t n, i;
    int k, ok_ours, ok_theirs;

    (void)state;
    for (k = 0; k < 20000; k++) {
        seed = seed * 1103515245u + 12345u;
        n = 1 + (seed >> 16) % 40;
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            enc[2 + i] = (unsigned char)(seed >> 16);
            if ((seed >> 8) % 4 != 0) {                /* mostly short arcs, some long runs */
                enc[2 + i] &= 0x7f;
            }
        }
        if (k % 3 == 0) {
            enc[2 + n - 1] &= 0x7f;                     /* mostly well terminated */
        }
        enc[0] = 0x06;
        enc[1] = (unsigned char)n;
        sb_der_init(&d, enc, n + 2, NULL);
        assert_int_equal(sb_der_next(&d, &e, "oid", &err), SB_OK);
        ok_ours = sb_der_oid_text(&e, ours, sizeof(ours), "oid", &err) == SB_OK;
        q = enc;
        obj = d2i_ASN1_OBJECT(NULL, &q, (long)(n + 2));
        ok_theirs = obj != NULL && OBJ_obj2txt(theirs, sizeof(theirs), obj, 1) > 0;
        ASN1_OBJECT_free(obj);
        assert_int_equal(ok_ours, ok_theirs);
        if (ok_ours) {
            assert_string_equal(ours, theirs);
        }
    }
}

static void test_derbuf_lengths(void **state)
{
    static const size_t lens[] = { 0, 1, 127, 128, 255, 256, 65535, 65536, 16777216 };
    static const unsigned char want[][5] = {
        { 0x00 }, { 0x01 }, { 0x7F }, { 0x81, 0x80 }, { 0x81, 0xFF }, { 0x82, 0x01, 0x00 },
        { 0x82, 0xFF, 0xFF }, { 0x83, 0x01, 0x00, 0x00 }, { 0x84, 0x01, 0x00, 0x00, 0x00 },
    };
    static const size_t want_len[] = { 1, 1, 1, 2, 2, 3, 3, 4, 5 };
    struct sb_derbuf b;
    struct sb_err err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        sb_derbuf_init(&b);
        sb_derbuf_len(&b, lens[i]);
        assert_int_equal(sb_derbuf_check(&b, "length", &err), SB_OK);
        assert_int_equal(b.len, want_len[i]);
        assert_memory_equal(b.data, want[i], want_len[i]);
        sb_derbuf_free(&b);
    }
}

static void test_derbuf_tlv_roundtrip(void **state)
{
    unsigned char content[300];
    struct sb_derbuf b, inner;
    struct sb_der d;
    struct sb_der_elem e;
    struct sb_err err;

    (void)state;
    memset(content, 0x5A, sizeof(content));
    sb_derbuf_init(&b);
    sb_derbuf_init(&inner);
    sb_derbuf_tlv(&inner, 0x04, content, sizeof(content));
    sb_derbuf_oid(&inner, "1.2.156.10197.6.1.4.2.2");
    sb_derbuf_wrap(&b, 0x30, &inner);
    assert_int_equal(sb_derbuf_check(&b, "roundtrip", &err), SB_OK);
    sb_der_init(&d, b.data, b.len, NULL);
    assert_int_equal(sb_der_expect(&d, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &e, "seq", &err), SB_OK);
    assert_int_equal(e.len, inner.len);
    assert_memory_equal(e.content, inner.data, inner.len);
    sb_der_init(&d, inner.data, inner.len, NULL);
    assert_int_equal(sb_der_expect(&d, SB_DER_UNIVERSAL, V_ASN1_OCTET_STRING, 0, &e, "os", &err), SB_OK);
    assert_int_equal(e.len, sizeof(content));
    assert_int_equal(sb_der_next(&d, &e, "oid", &err), SB_OK);
    assert_true(sb_der_oid_is(&e, "1.2.156.10197.6.1.4.2.2"));
    sb_derbuf_free(&inner);
    sb_derbuf_free(&b);
}

static void test_derbuf_oid_known_encoding(void **state)
{
    static const unsigned char want[] = { 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02 };
    struct sb_derbuf b;
    struct sb_err err;

    (void)state;
    sb_derbuf_init(&b);
    sb_derbuf_oid(&b, "1.2.840.113549.1.7.2");
    assert_int_equal(sb_derbuf_check(&b, "oid", &err), SB_OK);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    sb_derbuf_oid(&b, "not an oid");
    assert_int_equal(sb_derbuf_check(&b, "oid", &err), SB_R_INTERNAL);
    sb_derbuf_free(&b);
}

/* SET OF ordering matches OpenSSL's own DER encoder for a SET OF INTEGER. */
static void test_derbuf_set_of_sorted_like_openssl(void **state)
{
    static const long vals[] = { 300, 5, -1, 0, 70000, 5, 128 };
    unsigned char *ders[7] = { NULL }, *ossl = NULL, *p;
    const unsigned char *elems[7];
    size_t lens[7], i;
    STACK_OF(ASN1_INTEGER) *sk = sk_ASN1_INTEGER_new_null();
    ASN1_INTEGER *ai;
    struct sb_derbuf b;
    struct sb_err err;
    int n;

    (void)state;
    assert_non_null(sk);
    for (i = 0; i < 7; i++) {
        ai = ASN1_INTEGER_new();
        assert_int_equal(ASN1_INTEGER_set(ai, vals[i]), 1);
        n = i2d_ASN1_INTEGER(ai, &ders[i]);
        assert_true(n > 0);
        elems[i] = ders[i];
        lens[i] = (size_t)n;
        assert_true(sk_ASN1_INTEGER_push(sk, ai) > 0);
    }
    sb_derbuf_init(&b);
    sb_derbuf_set_of(&b, 0x31, elems, lens, 7);
    assert_int_equal(sb_derbuf_check(&b, "set", &err), SB_OK);
    /* OpenSSL: i2d_ASN1_SET_ANY sorts a SET OF ANY the DER way */
    {
        ASN1_SEQUENCE_ANY *any = sk_ASN1_TYPE_new_null();

        for (i = 0; i < 7; i++) {
            ASN1_TYPE *t = ASN1_TYPE_new();

            ASN1_TYPE_set(t, V_ASN1_INTEGER, ASN1_INTEGER_dup(sk_ASN1_INTEGER_value(sk, (int)i)));
            assert_true(sk_ASN1_TYPE_push(any, t) > 0);
        }
        n = i2d_ASN1_SET_ANY(any, &ossl);
        assert_true(n > 0);
        sk_ASN1_TYPE_pop_free(any, ASN1_TYPE_free);
    }
    assert_int_equal(b.len, (size_t)n);
    assert_memory_equal(b.data, ossl, b.len);
    p = b.data;
    assert_int_equal(p[0], 0x31);
    OPENSSL_free(ossl);
    for (i = 0; i < 7; i++) {
        OPENSSL_free(ders[i]);
    }
    sk_ASN1_INTEGER_pop_free(sk, ASN1_INTEGER_free);
    sb_derbuf_free(&b);
}

static void test_derbuf_failure_is_sticky(void **state)
{
    struct sb_derbuf b, big;
    struct sb_err err;

    (void)state;
    sb_derbuf_init(&b);
    sb_derbuf_init(&big);
    big.failed = 1;
    sb_derbuf_wrap(&b, 0x30, &big);
    sb_derbuf_put(&b, "x", 1);
    assert_int_equal(b.len, 0);
    assert_int_equal(sb_derbuf_check(&b, "sticky", &err), SB_R_INTERNAL);
    sb_derbuf_free(&b);
    sb_derbuf_init(&b);
    sb_derbuf_tlv(&b, 0x04, "", (size_t)SB_DERBUF_MAX + 1);
    assert_int_equal(sb_derbuf_check(&b, "too big", &err), SB_R_INTERNAL);
    sb_derbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_der_next_walks_nested_elements),
        cmocka_unit_test(test_der_expect_wrong_tag),
        cmocka_unit_test(test_der_rejects_indefinite),
        cmocka_unit_test(test_der_rejects_lengths_past_end),
        cmocka_unit_test(test_der_depth_cap),
        cmocka_unit_test(test_der_oid_text_rejects_garbage),
        cmocka_unit_test(test_der_oid_text_matches_openssl),
        cmocka_unit_test(test_derbuf_lengths),
        cmocka_unit_test(test_derbuf_tlv_roundtrip),
        cmocka_unit_test(test_derbuf_oid_known_encoding),
        cmocka_unit_test(test_derbuf_set_of_sorted_like_openssl),
        cmocka_unit_test(test_derbuf_failure_is_sticky),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
