/*
 * tests/unit/test_xmldsig.c — XML-DSig verification and signing, and the safe XML parser (pki/xml/xmldsig.h,
 * pki/xml/xml_safe.h).
 *
 * Certificates are minted at test time (testcert.h): an EC root and intermediate, RSA-2048, ECDSA P-256
 * and P-384 leaves. Documents are signed with sb_xmldsig_sign under every canonicalization and signature
 * method, then verified; negative cases edit the signed text (content, SignatureValue, algorithms,
 * references, structure) and assert the exact reason. Interop with xmlsec1 is tests/integration/
 * test_xml_cli.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki/x509/path.h"
#include "pki/xml/xml_safe.h"
#include "pki/xml/xmldsig.h"

#include "testcert.h"

struct fx {
    EVP_PKEY *root_key, *int_key, *rsa_key, *ec_key, *ec384_key, *other_key;
    X509 *root, *inter, *leaf_rsa, *leaf_ec, *leaf_ec384, *leaf_noku, *other;
    STACK_OF(X509) *anchors, *untrusted;
    struct sb_path_opts path;
};

static const char doc_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- before the root -->\n"
    "<doc xmlns=\"urn:test\" xmlns:x=\"urn:x\" xmlns:unused=\"urn:unused\">\n"
    "  <!-- a comment -->\n"
    "  <item Id=\"i1\" x:a=\"1\">Hello <x:b>world</x:b> &amp; more</item>\n"
    "  <item Id=\"i2\">second</item>\n"
    "</doc>\n";

/* Only the signed element and the skeleton: a detached same-document signature may sign it alone. */
static const char single_xml[] =
    "<?xml version=\"1.0\"?>\n<doc xmlns=\"urn:test\">\n  <item Id=\"i1\">only this</item>\n</doc>\n";

static X509 *leaf_with_ku(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *ku)
{
    struct tc_spec s;

    memset(&s, 0, sizeof(s));
    s.cn = cn;
    s.key = key;
    s.issuer = issuer;
    s.issuer_key = ikey;
    s.ku = ku;
    s.serial = 9;
    return tc_make(&s);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->root_key = tc_key_ec();
    f->int_key = tc_key_ec();
    f->rsa_key = tc_key_rsa(2048);
    f->ec_key = tc_key_ec();
    f->other_key = tc_key_ec();
    assert_non_null(f->ec384_key = tc_key_curve("P-384"));
    f->root = tc_root("XML Root", f->root_key);
    f->inter = tc_inter("XML Int", f->int_key, f->root, f->root_key, 0);
    f->leaf_rsa = tc_leaf("rsa.example", f->rsa_key, f->inter, f->int_key);
    f->leaf_ec = tc_leaf("ec.example", f->ec_key, f->inter, f->int_key);
    f->leaf_ec384 = tc_leaf("ec384.example", f->ec384_key, f->inter, f->int_key);
    f->leaf_noku = leaf_with_ku("noku.example", f->other_key, f->inter, f->int_key, "critical,keyEncipherment");
    f->other = tc_root("Other Root", f->other_key);
    assert_non_null(f->anchors = sk_X509_new_null());
    assert_non_null(f->untrusted = sk_X509_new_null());
    assert_true(sk_X509_push(f->anchors, f->root) > 0);
    assert_true(X509_up_ref(f->root));
    assert_true(sk_X509_push(f->untrusted, f->inter) > 0);
    assert_true(X509_up_ref(f->inter));
    sb_path_opts_init(&f->path);
    f->path.at = TC_T2025;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    EVP_PKEY_free(f->root_key);
    EVP_PKEY_free(f->int_key);
    EVP_PKEY_free(f->rsa_key);
    EVP_PKEY_free(f->ec_key);
    EVP_PKEY_free(f->ec384_key);
    EVP_PKEY_free(f->other_key);
    X509_free(f->root);
    X509_free(f->inter);
    X509_free(f->leaf_rsa);
    X509_free(f->leaf_ec);
    X509_free(f->leaf_ec384);
    X509_free(f->leaf_noku);
    X509_free(f->other);
    sk_X509_pop_free(f->anchors, X509_free);
    sk_X509_pop_free(f->untrusted, X509_free);
    free(f);
    return 0;
}

/* Sign xml (NUL-terminated) and return the signed document as a NUL-terminated string (free()). */
static char *sign_doc(const char *xml, EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
                      const struct sb_xmldsig_sign_opts *o)
{
    unsigned char *out = NULL;
    size_t len = 0;
    struct sb_err err;
    char *s;

    if (sb_xmldsig_sign(key, cert, chain, (const unsigned char *)xml, strlen(xml), o, &out, &len, &err) != SB_OK) {
        fail_msg("sign: %s", err.msg);
    }
    assert_non_null(s = malloc(len + 1));
    memcpy(s, out, len);
    s[len] = '\0';
    OPENSSL_free(out);
    return s;
}

/* Copy of s with the first occurrence of from replaced by to (the test fails when from is absent). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    size_t a, b, c;
    char *r;

    if (p == NULL) {
        fail_msg("'%s' not found", from);
    }
    a = (size_t)(p - s);
    b = strlen(to);
    c = strlen(p + strlen(from));
    assert_non_null(r = malloc(a + b + c + 1));
    memcpy(r, s, a);
    memcpy(r + a, to, b);
    memcpy(r + a + b, p + strlen(from), c + 1);
    return r;
}

/* Verify text with the fixture's anchors; returns the reason and leaves res filled. */
static enum sb_reason verify_with(struct fx *f, const char *text, struct sb_xmldsig_verify_opts *o,
                                  struct sb_xmldsig_result *res)
{
    struct sb_xmldsig_verify_opts def;
    struct sb_err err;
    enum sb_reason rc;

    if (o == NULL) {
        memset(&def, 0, sizeof(def));
        def.anchors = f->anchors;
        def.untrusted = f->untrusted;
        o = &def;
    }
    if (o->path == NULL) {
        o->path = &f->path;
    }
    rc = sb_xmldsig_verify((const unsigned char *)text, strlen(text), o, res, &err);
    assert_int_equal(rc, res->reason);
    assert_int_equal(rc, err.reason);
    return rc;
}

/* Verify and release; the reason. */
static enum sb_reason verify_rc(struct fx *f, const char *text)
{
    struct sb_xmldsig_result res;
    enum sb_reason rc = verify_with(f, text, NULL, &res);

    if (rc != SB_OK && getenv("SB_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "  %s: %s\n", sb_reason_name(rc), res.message);
    }
    sb_xmldsig_result_clear(&res);
    return rc;
}

/* ---- signing and verifying -------------------------------------------------------------------- */

static void test_xmldsig_rsa_enveloped(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_result res;
    char *s = sign_doc(doc_xml, f->rsa_key, f->leaf_rsa, NULL, NULL);

    assert_non_null(strstr(s, SB_XMLDSIG_RSA_SHA256));
    assert_non_null(strstr(s, SB_XMLDSIG_EXC_C14N));
    assert_int_equal(verify_with(f, s, NULL, &res), SB_OK);
    assert_int_equal(res.n_signers, 1);
    assert_int_equal(res.signers[0].reason, SB_OK);
    assert_int_equal(res.signers[0].source, SB_XMLDSIG_SRC_KEYINFO);
    assert_int_equal(sk_X509_num(res.signers[0].chain), 3);
    assert_non_null(strstr(res.signers[0].subject, "rsa.example"));
    assert_int_equal(res.signers[0].n_refs, 1);
    assert_string_equal(res.signers[0].refs[0].uri, "");
    assert_string_equal(res.signers[0].refs[0].element, "/doc");
    assert_int_equal(res.signers[0].refs[0].digest_ok, 1);
    assert_string_equal(res.signers[0].location, "/doc/ds:Signature");
    assert_int_equal(res.signers[0].sig_len, 256);
    sb_xmldsig_result_clear(&res);
    free(s);
}

static void test_xmldsig_every_method(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *method;
        int key; /* 0 RSA, 1 P-256, 2 P-384 */
    } methods[] = {
        { SB_XMLDSIG_RSA_SHA256, 0 }, { SB_XMLDSIG_RSA_SHA384, 0 }, { SB_XMLDSIG_RSA_SHA512, 0 },
        { SB_XMLDSIG_RSA_PSS_SHA256, 0 }, { SB_XMLDSIG_RSA_PSS_SHA384, 0 }, { SB_XMLDSIG_RSA_PSS_SHA512, 0 },
        { SB_XMLDSIG_ECDSA_SHA256, 1 }, { SB_XMLDSIG_ECDSA_SHA384, 1 }, { SB_XMLDSIG_ECDSA_SHA256, 2 },
        { SB_XMLDSIG_ECDSA_SHA384, 2 }, { SB_XMLDSIG_ECDSA_SHA512, 2 },
    };
    static const char *const digests[] = { SB_XMLDSIG_SHA256, SB_XMLDSIG_SHA384, SB_XMLDSIG_SHA512 };
    EVP_PKEY *keys[3] = { f->rsa_key, f->ec_key, f->ec384_key };
    X509 *certs[3] = { f->leaf_rsa, f->leaf_ec, f->leaf_ec384 };
    struct sb_xmldsig_sign_opts o;
    size_t i;
    char *s;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        memset(&o, 0, sizeof(o));
        o.sig_method = methods[i].method;
        o.digest = digests[i % 3];
        s = sign_doc(doc_xml, keys[methods[i].key], certs[methods[i].key], f->untrusted, &o);
        assert_non_null(strstr(s, methods[i].method));
        if (verify_rc(f, s) != SB_OK) {
            fail_msg("%s with %s does not verify", methods[i].method, digests[i % 3]);
        }
        free(s);
    }
}

static void test_xmldsig_every_c14n(void **state)
{
    struct fx *f = *state;
    static const char *const c14n[] = {
        SB_XMLDSIG_C14N10, SB_XMLDSIG_C14N10_WC, SB_XMLDSIG_C14N11, SB_XMLDSIG_C14N11_WC,
        SB_XMLDSIG_EXC_C14N, SB_XMLDSIG_EXC_C14N_WC,
    };
    struct sb_xmldsig_sign_opts o;
    size_t i;
    char *s, *t;

    for (i = 0; i < sizeof(c14n) / sizeof(c14n[0]); i++) {
        memset(&o, 0, sizeof(o));
        o.c14n = c14n[i];
        s = sign_doc(doc_xml, f->ec_key, f->leaf_ec, NULL, &o);
        if (verify_rc(f, s) != SB_OK) {
            fail_msg("%s does not verify", c14n[i]);
        }
        /* comments are outside a "" reference's node-set: changing one never breaks the signature */
        t = replace(s, "a comment", "another comment");
        assert_int_equal(verify_rc(f, t), SB_OK);
        free(t);
        /* but the text content is signed under every algorithm */
        t = replace(s, "second", "Second");
        assert_int_equal(verify_rc(f, t), SB_R_HASH_MISMATCH);
        free(t);
        free(s);
    }
    /* exclusive C14N with an InclusiveNamespaces PrefixList: the unused namespace becomes signed */
    memset(&o, 0, sizeof(o));
    o.prefix_list = "unused #default";
    s = sign_doc(doc_xml, f->ec_key, f->leaf_ec, NULL, &o);
    assert_non_null(strstr(s, "PrefixList=\"unused #default\""));
    assert_int_equal(verify_rc(f, s), SB_OK);
    t = replace(s, "urn:unused", "urn:changed"); /* in scope of SignedInfo too, which lists it */
    assert_int_equal(verify_rc(f, t), SB_R_SIG_CRYPTO);
    free(t);
    free(s);
}

static void test_xmldsig_id_reference(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_sign_opts o;
    struct sb_xmldsig_result res;
    struct sb_xmldsig_verify_opts vo;
    char *s, *t;

    memset(&o, 0, sizeof(o));
    o.ref_id = "i1";
    s = sign_doc(single_xml, f->rsa_key, f->leaf_rsa, NULL, &o);
    assert_int_equal(verify_with(f, s, NULL, &res), SB_OK);
    assert_string_equal(res.signers[0].refs[0].uri, "#i1");
    assert_string_equal(res.signers[0].refs[0].element, "/doc/item");
    sb_xmldsig_result_clear(&res);
    t = replace(s, "only this", "only that");
    assert_int_equal(verify_rc(f, t), SB_R_HASH_MISMATCH);
    free(t);
    free(s);

    /* signing one of two items: the other is unsigned content, refused unless allowed */
    s = sign_doc(doc_xml, f->rsa_key, f->leaf_rsa, NULL, &o);
    assert_int_equal(verify_with(f, s, NULL, &res), SB_R_FORMAT);
    assert_non_null(strstr(res.message, "unsigned content"));
    assert_non_null(strstr(res.message, "/doc/item[2]"));
    sb_xmldsig_result_clear(&res);
    memset(&vo, 0, sizeof(vo));
    vo.anchors = f->anchors;
    vo.untrusted = f->untrusted;
    vo.allow_unsigned_content = 1;
    assert_int_equal(verify_with(f, s, &vo, &res), SB_OK);
    assert_string_equal(res.signers[0].refs[0].element, "/doc/item[1]");
    sb_xmldsig_result_clear(&res);
    free(s);

    memset(&o, 0, sizeof(o));
    o.ref_id = "nope";
    {
        unsigned char *out = NULL;
        size_t len = 0;
        struct sb_err err;

        assert_int_equal(sb_xmldsig_sign(f->rsa_key, f->leaf_rsa, NULL, (const unsigned char *)doc_xml, strlen(doc_xml),
                                         &o, &out, &len, &err), SB_R_USAGE);
        assert_null(out);
    }
}

/* ---- negative cases ---------------------------------------------------------------------------- */

static void test_xmldsig_tampering(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_result res;
    char *s = sign_doc(doc_xml, f->rsa_key, f->leaf_rsa, f->untrusted, NULL), *t, *p;

    t = replace(s, "world", "WORLD");
    assert_int_equal(verify_with(f, t, NULL, &res), SB_R_HASH_MISMATCH);
    assert_non_null(strstr(res.message, "reference 1"));
    assert_int_equal(res.signers[0].refs[0].digest_ok, 0);
    sb_xmldsig_result_clear(&res);
    free(t);
    t = replace(s, "x:a=\"1\"", "x:a=\"2\"");
    assert_int_equal(verify_rc(f, t), SB_R_HASH_MISMATCH);
    free(t);
    /* flip one character of the SignatureValue */
    t = strdup(s);
    assert_non_null(t);
    p = strstr(t, "<ds:SignatureValue>");
    assert_non_null(p);
    p += strlen("<ds:SignatureValue>") + 10;
    *p = *p == 'A' ? 'B' : 'A';
    assert_int_equal(verify_rc(f, t), SB_R_SIG_CRYPTO);
    free(t);
    /* change the DigestValue: SignedInfo no longer matches its signature */
    t = strdup(s);
    assert_non_null(t);
    p = strstr(t, "<ds:DigestValue>");
    p += strlen("<ds:DigestValue>") + 3;
    *p = *p == 'A' ? 'B' : 'A';
    assert_int_equal(verify_rc(f, t), SB_R_SIG_CRYPTO);
    free(t);
    free(s);
}

static void test_xmldsig_wrapping(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_sign_opts o;
    struct sb_xmldsig_result res;
    char *s, *t;

    memset(&o, 0, sizeof(o));
    o.ref_id = "i1";
    s = sign_doc(single_xml, f->ec_key, f->leaf_ec, NULL, &o);
    /* XSW: the signed element moved into a wrapper, an attacker element with the same Id in its place */
    t = replace(s, "<item Id=\"i1\">only this</item>",
                "<item Id=\"i1\">EVIL</item><wrapper><item Id=\"i1\">only this</item></wrapper>");
    assert_int_equal(verify_with(f, t, NULL, &res), SB_R_FORMAT);
    assert_non_null(strstr(res.message, "ID 'i1' is used twice"));
    sb_xmldsig_result_clear(&res);
    free(t);
    /* the same with xml:id and ID spellings colliding with Id */
    t = replace(s, "<item Id=\"i1\">only this</item>", "<item Id=\"i1\">only this</item><evil xml:id=\"i1\"/>");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, "<item Id=\"i1\">only this</item>", "<item Id=\"i1\">only this</item><evil ID=\"i1\"/>");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    /* XSW with a fresh Id: the signed element intact in a wrapper, attacker content beside it */
    t = replace(s, "<item Id=\"i1\">only this</item>",
                "<item Id=\"evil\">EVIL</item><wrapper><item Id=\"i1\">only this</item></wrapper>");
    assert_int_equal(verify_with(f, t, NULL, &res), SB_R_FORMAT);
    assert_non_null(strstr(res.message, "unsigned content"));
    sb_xmldsig_result_clear(&res);
    free(t);
    /* the whole signed document moved into an unsigned wrapper document */
    free(s);
    s = sign_doc(single_xml, f->ec_key, f->leaf_ec, NULL, NULL);
    t = replace(s, "<doc xmlns=\"urn:test\">", "<wrap><evil>EVIL</evil><doc xmlns=\"urn:test\">");
    {
        char *u = replace(t, "</doc>", "</doc></wrap>");

        assert_int_equal(verify_rc(f, u), SB_R_HASH_MISMATCH); /* URI "" now means the wrapper */
        free(u);
    }
    free(t);
    /* unsigned text added next to a signed subtree */
    free(s);
    s = sign_doc(single_xml, f->ec_key, f->leaf_ec, NULL, &o);
    t = replace(s, "<item Id=\"i1\">", "pay 1000 to Mallory<item Id=\"i1\">");
    assert_int_equal(verify_with(f, t, NULL, &res), SB_R_FORMAT);
    assert_non_null(strstr(res.message, "text in /doc"));
    sb_xmldsig_result_clear(&res);
    free(t);
    free(s);
}

static void test_xmldsig_algorithms_refused(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_result res;
    char *s = sign_doc(doc_xml, f->rsa_key, f->leaf_rsa, f->untrusted, NULL), *t;

    t = replace(s, SB_XMLDSIG_SHA256, "http://www.w3.org/2000/09/xmldsig#sha1");
    assert_int_equal(verify_rc(f, t), SB_R_WEAK_ALGORITHM);
    free(t);
    t = replace(s, SB_XMLDSIG_RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
    assert_int_equal(verify_rc(f, t), SB_R_WEAK_ALGORITHM);
    free(t);
    t = replace(s, SB_XMLDSIG_RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#hmac-sha1");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, SB_XMLDSIG_RSA_SHA256, "urn:unknown:method");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, SB_XMLDSIG_SHA256, "http://www.w3.org/2001/04/xmldsig-more#md5");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    /* transforms other than enveloped-signature and C14N: refused, naming the URI */
    t = replace(s, SB_XMLDSIG_ENVELOPED, "http://www.w3.org/TR/1999/REC-xslt-19991116");
    assert_int_equal(verify_with(f, t, NULL, &res), SB_R_FORMAT);
    assert_non_null(strstr(res.message, "REC-xslt-19991116"));
    sb_xmldsig_result_clear(&res);
    free(t);
    t = replace(s, SB_XMLDSIG_ENVELOPED, "http://www.w3.org/TR/1999/REC-xpath-19991116");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, SB_XMLDSIG_ENVELOPED, "http://www.w3.org/2000/09/xmldsig#base64");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    /* a canonicalization must be the last transform */
    {
        char *u = replace(s, "<ds:Transform Algorithm=\"" SB_XMLDSIG_ENVELOPED "\"/>", "");
        char *v = replace(u, "</ds:Transforms>", "<ds:Transform Algorithm=\"" SB_XMLDSIG_ENVELOPED "\"/></ds:Transforms>");

        assert_int_equal(verify_rc(f, v), SB_R_FORMAT);
        free(u);
        free(v);
    }
    t = replace(s, "<ds:CanonicalizationMethod Algorithm=\"" SB_XMLDSIG_EXC_C14N "\"",
                "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    free(s);
}

static void test_xmldsig_references_refused(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_result res;
    char *s = sign_doc(doc_xml, f->rsa_key, f->leaf_rsa, f->untrusted, NULL), *t;

    t = replace(s, "URI=\"\"", "URI=\"http://evil.example/data.xml\"");
    assert_int_equal(verify_with(f, t, NULL, &res), SB_R_FORMAT);
    assert_non_null(strstr(res.message, "does not point into this document"));
    sb_xmldsig_result_clear(&res);
    free(t);
    t = replace(s, "URI=\"\"", "URI=\"file:///etc/passwd\"");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, "URI=\"\"", "");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, "URI=\"\"", "URI=\"#missing\"");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, "URI=\"\"", "URI=\"#xpointer(//item)\"");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    free(s);
}

static void test_xmldsig_structure(void **state)
{
    struct fx *f = *state;
    char *s = sign_doc(doc_xml, f->ec_key, f->leaf_ec, f->untrusted, NULL), *t;

    assert_int_equal(verify_rc(f, doc_xml), SB_R_FORMAT); /* no signature at all */
    t = replace(s, "<ds:SignedInfo>", "<ds:Junk/><ds:SignedInfo>");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, "<ds:DigestValue>", "<ds:DigestValue>!!");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    t = replace(s, "<ds:X509Certificate>", "<ds:X509Certificate>AAAA");
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    free(t);
    /* ECDSA value of the wrong length for the key */
    t = replace(s, "<ds:SignatureValue>", "<ds:SignatureValue>AAAA");
    assert_int_equal(verify_rc(f, t), SB_R_SIG_CRYPTO);
    free(t);
    /* more references than one SignedInfo may hold */
    {
        const char *a = strstr(s, "<ds:Reference"), *b = strstr(s, "</ds:Reference>");
        size_t rl, i;
        char *many, *u;

        assert_non_null(a);
        assert_non_null(b);
        rl = (size_t)(b - a) + strlen("</ds:Reference>");
        assert_non_null(many = malloc(rl * 40 + 1));
        for (i = 0; i < 40; i++) {
            memcpy(many + i * rl, a, rl);
        }
        many[rl * 40] = '\0';
        {
            char *one = malloc(rl + 1);

            assert_non_null(one);
            memcpy(one, a, rl);
            one[rl] = '\0';
            u = replace(s, one, many);
            free(one);
        }
        assert_int_equal(verify_rc(f, u), SB_R_FORMAT);
        free(u);
        free(many);
    }
    /* without the enveloped-signature transform the signature digests itself */
    {
        struct sb_xmldsig_sign_opts o;

        memset(&o, 0, sizeof(o));
        o.no_enveloped_transform = 1;
        free(s);
        s = sign_doc(doc_xml, f->ec_key, f->leaf_ec, NULL, &o);
        assert_int_equal(verify_rc(f, s), SB_R_HASH_MISMATCH);
    }
    free(s);
}

static void test_xmldsig_signer_and_path(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_verify_opts vo;
    struct sb_xmldsig_result res;
    STACK_OF(X509) *fixed = sk_X509_new_null();
    char *s = sign_doc(doc_xml, f->rsa_key, f->leaf_rsa, NULL, NULL), *t, *p, *q;

    /* no anchor */
    memset(&vo, 0, sizeof(vo));
    vo.untrusted = f->untrusted;
    assert_int_equal(verify_with(f, s, &vo, &res), SB_R_CHAIN_NO_ANCHOR);
    assert_non_null(res.signers[0].cert);
    sb_xmldsig_result_clear(&res);
    /* no intermediate */
    memset(&vo, 0, sizeof(vo));
    vo.anchors = f->anchors;
    assert_int_equal(verify_with(f, s, &vo, &res), SB_R_CHAIN_NO_ANCHOR);
    sb_xmldsig_result_clear(&res);
    /* validation time after the certificates */
    {
        struct sb_path_opts late = f->path;

        memset(&vo, 0, sizeof(vo));
        vo.anchors = f->anchors;
        vo.untrusted = f->untrusted;
        late.at = TC_T2040 + TC_DAY;
        vo.path = &late;
        assert_int_equal(verify_with(f, s, &vo, &res), SB_R_CERT_EXPIRED);
        sb_xmldsig_result_clear(&res);
    }
    /* KeyInfo removed: the signer must come from the caller */
    p = strstr(s, "<ds:KeyInfo>");
    q = strstr(s, "</ds:KeyInfo>");
    assert_non_null(p);
    assert_non_null(q);
    assert_non_null(t = malloc(strlen(s) + 1));
    memcpy(t, s, (size_t)(p - s));
    strcpy(t + (p - s), q + strlen("</ds:KeyInfo>"));
    assert_int_equal(verify_rc(f, t), SB_R_FORMAT);
    memset(&vo, 0, sizeof(vo));
    vo.anchors = f->anchors;
    assert_true(sk_X509_push(fixed, f->inter) > 0);
    assert_true(sk_X509_push(fixed, f->leaf_rsa) > 0);
    vo.untrusted = fixed;
    assert_int_equal(verify_with(f, t, &vo, &res), SB_OK);
    assert_int_equal(res.signers[0].source, SB_XMLDSIG_SRC_SUPPLIED);
    sb_xmldsig_result_clear(&res);
    free(t);
    /* fixed signers (trusted-list mode): no path, the key decides */
    sk_X509_zero(fixed);
    assert_true(sk_X509_push(fixed, f->leaf_rsa) > 0);
    memset(&vo, 0, sizeof(vo));
    vo.signers = fixed;
    assert_int_equal(verify_with(f, s, &vo, &res), SB_OK);
    assert_null(res.signers[0].chain);
    sb_xmldsig_result_clear(&res);
    sk_X509_zero(fixed);
    assert_true(sk_X509_push(fixed, f->leaf_ec) > 0);
    assert_int_equal(verify_with(f, s, &vo, &res), SB_R_SIG_CRYPTO);
    assert_non_null(strstr(res.message, "expected signer"));
    sb_xmldsig_result_clear(&res);
    /* keyinfo_trusted: the self-asserted KeyInfo certificate */
    memset(&vo, 0, sizeof(vo));
    vo.keyinfo_trusted = 1;
    assert_int_equal(verify_with(f, s, &vo, &res), SB_OK);
    assert_int_equal(res.signers[0].source, SB_XMLDSIG_SRC_KEYINFO);
    sb_xmldsig_result_clear(&res);
    sk_X509_free(fixed);
    free(s);
    /* a signer whose key usage forbids signatures */
    s = sign_doc(doc_xml, f->other_key, f->leaf_noku, NULL, NULL);
    assert_int_equal(verify_rc(f, s), SB_R_KEY_USAGE);
    free(s);
}

static void test_xmldsig_sign_usage(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_sign_opts o;
    unsigned char *out = NULL;
    size_t len = 0;
    struct sb_err err;
    const unsigned char *d = (const unsigned char *)doc_xml;

    assert_int_equal(sb_xmldsig_sign(f->rsa_key, f->leaf_ec, NULL, d, strlen(doc_xml), NULL, &out, &len, &err), SB_R_USAGE);
    memset(&o, 0, sizeof(o));
    o.sig_method = SB_XMLDSIG_ECDSA_SHA256;
    assert_int_equal(sb_xmldsig_sign(f->rsa_key, f->leaf_rsa, NULL, d, strlen(doc_xml), &o, &out, &len, &err), SB_R_USAGE);
    o.sig_method = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    assert_int_equal(sb_xmldsig_sign(f->rsa_key, f->leaf_rsa, NULL, d, strlen(doc_xml), &o, &out, &len, &err), SB_R_USAGE);
    memset(&o, 0, sizeof(o));
    o.c14n = "urn:nope";
    assert_int_equal(sb_xmldsig_sign(f->rsa_key, f->leaf_rsa, NULL, d, strlen(doc_xml), &o, &out, &len, &err), SB_R_USAGE);
    assert_int_equal(sb_xmldsig_sign(f->rsa_key, f->leaf_rsa, NULL, (const unsigned char *)"not xml", 7, NULL, &out, &len,
                                     &err), SB_R_INPUT_MALFORMED);
    assert_null(out);
}

static void test_xmldsig_two_signatures(void **state)
{
    struct fx *f = *state;
    struct sb_xmldsig_sign_opts o;
    struct sb_xmldsig_result res;
    char *one, *two, *t;

    /* two detached signatures over the same element */
    memset(&o, 0, sizeof(o));
    o.ref_id = "i1";
    one = sign_doc(single_xml, f->rsa_key, f->leaf_rsa, NULL, &o);
    two = sign_doc(one, f->ec_key, f->leaf_ec, NULL, &o);
    assert_int_equal(verify_with(f, two, NULL, &res), SB_OK);
    assert_int_equal(res.n_signers, 2);
    assert_non_null(strstr(res.signers[0].subject, "rsa.example"));
    assert_non_null(strstr(res.signers[1].subject, "ec.example"));
    sb_xmldsig_result_clear(&res);
    t = replace(two, "only this", "only that");
    assert_int_equal(verify_with(f, t, NULL, &res), SB_R_HASH_MISMATCH);
    assert_int_equal(res.signers[0].reason, SB_R_HASH_MISMATCH);
    assert_int_equal(res.signers[1].reason, SB_R_HASH_MISMATCH);
    sb_xmldsig_result_clear(&res);
    free(t);
    free(one);
    free(two);
    /* an enveloped "" signature added after another breaks the first (it covers the second) */
    one = sign_doc(doc_xml, f->rsa_key, f->leaf_rsa, NULL, NULL);
    two = sign_doc(one, f->ec_key, f->leaf_ec, NULL, NULL);
    assert_int_equal(verify_with(f, two, NULL, &res), SB_R_HASH_MISMATCH);
    assert_int_equal(res.worst, 0);
    assert_int_equal(res.signers[1].reason, SB_OK);
    sb_xmldsig_result_clear(&res);
    free(one);
    free(two);
}

/* ---- the safe parser ---------------------------------------------------------------------------- */

static enum sb_reason parse_rc(const char *xml, size_t len, struct sb_err *err)
{
    xmlDocPtr doc = NULL;
    enum sb_reason rc = sb_xml_parse((const unsigned char *)xml, len, "test", &doc, err);

    if (rc == SB_OK) {
        assert_non_null(doc);
    } else {
        assert_null(doc);
    }
    xmlFreeDoc(doc);
    return rc;
}

static void test_xml_safe_entities(void **state)
{
    static const char xxe[] = "<?xml version=\"1.0\"?>\n<!DOCTYPE d [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n<d>&x;</d>";
    static const char pe[] = "<!DOCTYPE d [ <!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p; ]><d/>";
    static const char ext[] = "<!DOCTYPE d SYSTEM \"file:///etc/passwd\"><d>&undeclared;</d>";
    static const char laughs[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        "]>\n<lolz>&lol9;</lolz>";
    static const char dtd_ok[] = "<!DOCTYPE d [ <!ATTLIST d Id ID #IMPLIED> ]><d Id=\"a\">x &amp; &#65;</d>";
    struct sb_err err;
    clock_t t0 = clock();

    (void)state;
    assert_int_equal(parse_rc(xxe, strlen(xxe), &err), SB_R_FORMAT);
    assert_non_null(strstr(err.msg, "entity"));
    assert_null(strstr(err.msg, "root:"));
    assert_int_equal(parse_rc(pe, strlen(pe), &err), SB_R_FORMAT);
    assert_int_equal(parse_rc(ext, strlen(ext), &err), SB_R_FORMAT);
    assert_int_equal(parse_rc(laughs, strlen(laughs), &err), SB_R_FORMAT);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
    assert_int_equal(parse_rc(dtd_ok, strlen(dtd_ok), &err), SB_OK);
}

static void test_xml_safe_limits(void **state)
{
    struct sb_err err;
    char *deep, *many;
    size_t i, n = 0;

    (void)state;
    assert_non_null(deep = malloc(300 * 7 + 1));
    for (i = 0; i < 300; i++) {
        memcpy(deep + n, "<a>", 3);
        n += 3;
    }
    for (i = 0; i < 300; i++) {
        memcpy(deep + n, "</a>", 4);
        n += 4;
    }
    assert_int_equal(parse_rc(deep, n, &err), SB_R_INPUT_TOO_LARGE);
    assert_non_null(strstr(err.msg, "deeper than 256"));
    /* exactly 256 levels are fine */
    n = 0;
    for (i = 0; i < 256; i++) {
        memcpy(deep + n, "<a>", 3);
        n += 3;
    }
    for (i = 0; i < 256; i++) {
        memcpy(deep + n, "</a>", 4);
        n += 4;
    }
    assert_int_equal(parse_rc(deep, n, &err), SB_OK);
    free(deep);
    /* more nodes than the cap */
    assert_non_null(many = malloc(8 + (SB_XML_MAX_NODES + 10) * 4 + 8));
    n = 0;
    memcpy(many, "<r>", 3);
    n = 3;
    for (i = 0; i < SB_XML_MAX_NODES + 10; i++) {
        memcpy(many + n, "<a/>", 4);
        n += 4;
    }
    memcpy(many + n, "</r>", 4);
    n += 4;
    assert_int_equal(parse_rc(many, n, &err), SB_R_INPUT_TOO_LARGE);
    free(many);
    /* size cap without reading anything */
    assert_int_equal(parse_rc("<a/>", (size_t)SB_XML_MAX_INPUT + 1, &err), SB_R_INPUT_TOO_LARGE);
    assert_int_equal(parse_rc("<a><b></a>", 10, &err), SB_R_INPUT_MALFORMED);
    assert_int_equal(parse_rc("", 0, &err), SB_R_INPUT_MALFORMED);
    assert_int_equal(parse_rc("\xEF\xBB\xBF<?xml version=\"1.0\"?><a/>", 28, &err), SB_OK);
    assert_int_equal(sb_xml_looks_like((const unsigned char *)"\xEF\xBB\xBF  <a/>", 9), 1);
    assert_int_equal(sb_xml_looks_like((const unsigned char *)"\x30\x82", 2), 0);
}

static void test_xml_safe_datetime(void **state)
{
    time_t t;

    (void)state;
    assert_true(sb_xml_datetime("2025-01-01T00:00:00Z", &t));
    assert_int_equal(t, TC_T2025);
    assert_true(sb_xml_datetime("2025-01-01T08:00:00+08:00", &t));
    assert_int_equal(t, TC_T2025);
    assert_true(sb_xml_datetime("2025-01-01T00:00:00.123", &t));
    assert_int_equal(t, TC_T2025);
    assert_false(sb_xml_datetime("2025-13-01T00:00:00Z", &t));
    assert_false(sb_xml_datetime("yesterday", &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xmldsig_rsa_enveloped),
        cmocka_unit_test(test_xmldsig_every_method),
        cmocka_unit_test(test_xmldsig_every_c14n),
        cmocka_unit_test(test_xmldsig_id_reference),
        cmocka_unit_test(test_xmldsig_tampering),
        cmocka_unit_test(test_xmldsig_wrapping),
        cmocka_unit_test(test_xmldsig_algorithms_refused),
        cmocka_unit_test(test_xmldsig_references_refused),
        cmocka_unit_test(test_xmldsig_structure),
        cmocka_unit_test(test_xmldsig_signer_and_path),
        cmocka_unit_test(test_xmldsig_sign_usage),
        cmocka_unit_test(test_xmldsig_two_signatures),
        cmocka_unit_test(test_xml_safe_entities),
        cmocka_unit_test(test_xml_safe_limits),
        cmocka_unit_test(test_xml_safe_datetime),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
