/*
 * tests/unit/test_xmldsig.c — XML-DSig verification and signing, and the safe XML parser (pki/xml/xmldsig.h,
 * pki/xml/xml_safe.h).
 *
 * Certificates are minted at test time (testcert.h): an EC root and intermediate, RSA-2048, ECDSA P-256
 * and P-384 leaves. Documents are signed with sb_xmldsig_sign under every canonicalization and signature
 * method, then verified; negative cases edit the signed text (content, SignatureValue, algorithms,
 * references, structure) and assert the exact reason. Most cases are rows of xml_cases[] (how the
 * document is signed, the edits, the verification options, the expected reason and message) and
 * sign_refusals[], one cmocka test per row (case_table.h). Interop with xmlsec1 is tests/integration/
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

#include "tests/unit/case_table.h"
#include "tests/unit/testcert.h"

/* Keys and certificates shared by every test: made by the first test's setup, freed after the run. */
struct fx {
    int ready;
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
    struct tc_spec s = tc_spec_of(cn, key, issuer, ikey);

    s.ku = ku;
    s.serial = 9;
    return tc_make(&s);
}

/* Make the fixture on first use (struct ct_fixture.make); fx_free is its release. */
static void fx_make(void *arg)
{
    struct fx *f = arg;

    if (f->ready) {
        return;
    }
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
    f->ready = 1;
}

static void fx_free(void *arg)
{
    struct fx *f = arg;

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

/* ---- the case table: sign, edit the signed text, verify ---------------------------------------- */

enum signer_id { BY_RSA = 0, BY_EC, BY_EC384, BY_NOKU };   /* key and leaf: rsa.example, ec.example, ... */
enum doc_id { DOC_FULL = 0, DOC_SINGLE, DOC_UNSIGNED };    /* doc_xml, single_xml; doc_xml left unsigned */

/* How the document is signed (sb_xmldsig_sign; zero opts are its defaults). */
struct sign_spec {
    enum doc_id doc;
    enum signer_id by;
    int chain;                            /* the intermediate is carried after the certificate */
    struct sb_xmldsig_sign_opts opts;
};

/* Edits no replace() can write. */
enum special_edit {
    EDIT_NONE = 0,
    FLIP_SIGNATURE_VALUE,   /* one character of the SignatureValue, 10 in */
    FLIP_DIGEST_VALUE,      /* one character of the DigestValue, 3 in */
    CUT_KEYINFO,            /* ds:KeyInfo removed */
    REFERENCE_40_TIMES,     /* the ds:Reference repeated 40 times */
};

/* The verification options (verify_with). */
enum verify_id {
    VO_DEFAULT = 0,          /* anchors and the intermediate */
    VO_NO_ANCHOR,            /* the intermediate only */
    VO_NO_INTERMEDIATE,      /* anchors only */
    VO_LATE,                 /* validation time after the certificates */
    VO_SUPPLIED_CHAIN,       /* anchors; untrusted: the intermediate and rsa.example */
    VO_FIXED_RSA,            /* fixed signers (trusted-list mode): rsa.example */
    VO_FIXED_EC,             /* fixed signers: ec.example */
    VO_KEYINFO_TRUSTED,      /* the self-asserted KeyInfo certificate */
    VO_ALLOW_UNSIGNED,       /* anchors, the intermediate, unsigned content allowed */
};

struct xml_case {
    const char *name;
    struct sign_spec sign;
    const char *signed_has;              /* the signed text contains this */
    struct {
        const char *from, *to;
    } edit[2];                           /* then each replaces the first 'from' (which must be there) */
    enum special_edit special;           /* then this */
    enum verify_id verify;
    enum sb_reason want;
    const char *want_msg[2];             /* in res.message */
    int want_ref_digest_bad;             /* signers[0].refs[0].digest_ok == 0 */
    const char *want_ref_uri, *want_ref_element;   /* signers[0].refs[0] */
    int want_source;                     /* signers[0].source (0: unchecked) */
    int want_no_chain;                   /* signers[0].chain NULL */
    int want_cert;                       /* signers[0].cert set */
    const char *want_unsigned[3];        /* exactly res.unsigned_content, in order; when [0] is NULL, a passing
                                          * case must list nothing */
};

/* Every signature method (with the digests in turn), signed with the intermediate carried along. */
#define METHOD(name, by, method, digest_alg) \
    { name, { DOC_FULL, by, 1, { .sig_method = method, .digest = digest_alg } }, .signed_has = method, .want = SB_OK }
/* Every canonicalization: it verifies; comments are outside a "" reference's node-set, so changing one
 * never breaks the signature; but the text content is signed under every algorithm. */
#define C14N(tag, alg)                                                                                     \
    { "c14n_" tag, { DOC_FULL, BY_EC, 0, { .c14n = alg } }, .want = SB_OK },                              \
    { "c14n_" tag "_comment_changed", { DOC_FULL, BY_EC, 0, { .c14n = alg } },                            \
      .edit = { { "a comment", "another comment" } }, .want = SB_OK },                                    \
    { "c14n_" tag "_text_changed", { DOC_FULL, BY_EC, 0, { .c14n = alg } },                               \
      .edit = { { "second", "Second" } }, .want = SB_R_HASH_MISMATCH }

#define RSA_CHAIN { DOC_FULL, BY_RSA, 1, { 0 } }
#define EC_CHAIN { DOC_FULL, BY_EC, 1, { 0 } }
#define RSA_ALONE { DOC_FULL, BY_RSA, 0, { 0 } }
#define EC_SINGLE_I1 { DOC_SINGLE, BY_EC, 0, { .ref_id = "i1" } }
#define ITEM_I1 "<item Id=\"i1\">only this</item>"
#define ENVELOPED_TRANSFORM "<ds:Transform Algorithm=\"" SB_XMLDSIG_ENVELOPED "\"/>"

static const struct xml_case xml_cases[] = {
    METHOD("method_rsa_sha256", BY_RSA, SB_XMLDSIG_RSA_SHA256, SB_XMLDSIG_SHA256),
    METHOD("method_rsa_sha384", BY_RSA, SB_XMLDSIG_RSA_SHA384, SB_XMLDSIG_SHA384),
    METHOD("method_rsa_sha512", BY_RSA, SB_XMLDSIG_RSA_SHA512, SB_XMLDSIG_SHA512),
    METHOD("method_rsa_pss_sha256", BY_RSA, SB_XMLDSIG_RSA_PSS_SHA256, SB_XMLDSIG_SHA256),
    METHOD("method_rsa_pss_sha384", BY_RSA, SB_XMLDSIG_RSA_PSS_SHA384, SB_XMLDSIG_SHA384),
    METHOD("method_rsa_pss_sha512", BY_RSA, SB_XMLDSIG_RSA_PSS_SHA512, SB_XMLDSIG_SHA512),
    METHOD("method_ecdsa_p256_sha256", BY_EC, SB_XMLDSIG_ECDSA_SHA256, SB_XMLDSIG_SHA256),
    METHOD("method_ecdsa_p256_sha384", BY_EC, SB_XMLDSIG_ECDSA_SHA384, SB_XMLDSIG_SHA384),
    METHOD("method_ecdsa_p384_sha256", BY_EC384, SB_XMLDSIG_ECDSA_SHA256, SB_XMLDSIG_SHA256),
    METHOD("method_ecdsa_p384_sha384", BY_EC384, SB_XMLDSIG_ECDSA_SHA384, SB_XMLDSIG_SHA384),
    METHOD("method_ecdsa_p384_sha512", BY_EC384, SB_XMLDSIG_ECDSA_SHA512, SB_XMLDSIG_SHA512),
    C14N("c14n10", SB_XMLDSIG_C14N10),
    C14N("c14n10_with_comments", SB_XMLDSIG_C14N10_WC),
    C14N("c14n11", SB_XMLDSIG_C14N11),
    C14N("c14n11_with_comments", SB_XMLDSIG_C14N11_WC),
    C14N("exc_c14n", SB_XMLDSIG_EXC_C14N),
    C14N("exc_c14n_with_comments", SB_XMLDSIG_EXC_C14N_WC),
    /* exclusive C14N with an InclusiveNamespaces PrefixList: the unused namespace becomes signed (it is
     * in scope of SignedInfo too, which lists it) */
    { "exc_c14n_prefix_list", { DOC_FULL, BY_EC, 0, { .prefix_list = "unused #default" } },
      .signed_has = "PrefixList=\"unused #default\"", .want = SB_OK },
    { "exc_c14n_prefix_list_namespace_changed", { DOC_FULL, BY_EC, 0, { .prefix_list = "unused #default" } },
      .edit = { { "urn:unused", "urn:changed" } }, .want = SB_R_SIG_CRYPTO },

    /* a same-document reference to an Id */
    { "id_reference", { DOC_SINGLE, BY_RSA, 0, { .ref_id = "i1" } }, .want = SB_OK, .want_ref_uri = "#i1",
      .want_ref_element = "/doc/item" },
    { "id_reference_content_changed", { DOC_SINGLE, BY_RSA, 0, { .ref_id = "i1" } },
      .edit = { { "only this", "only that" } }, .want = SB_R_HASH_MISMATCH },
    /* signing one of two items: the other is unsigned content, refused unless allowed */
    { "id_reference_other_item_unsigned", { DOC_FULL, BY_RSA, 0, { .ref_id = "i1" } }, .want = SB_R_FORMAT,
      .want_msg = { "unsigned content", "/doc/item[2]" } },
    { "id_reference_other_item_unsigned_allowed", { DOC_FULL, BY_RSA, 0, { .ref_id = "i1" } },
      .verify = VO_ALLOW_UNSIGNED, .want = SB_OK, .want_ref_element = "/doc/item[1]",
      .want_unsigned = { "/doc/item[2]" } },

    /* tampering */
    { "tamper_text", RSA_CHAIN, .edit = { { "world", "WORLD" } }, .want = SB_R_HASH_MISMATCH,
      .want_msg = { "reference 1" }, .want_ref_digest_bad = 1 },
    { "tamper_attribute", RSA_CHAIN, .edit = { { "x:a=\"1\"", "x:a=\"2\"" } }, .want = SB_R_HASH_MISMATCH },
    { "tamper_signature_value", RSA_CHAIN, .special = FLIP_SIGNATURE_VALUE, .want = SB_R_SIG_CRYPTO },
    /* SignedInfo no longer matches its signature */
    { "tamper_digest_value", RSA_CHAIN, .special = FLIP_DIGEST_VALUE, .want = SB_R_SIG_CRYPTO },

    /* XSW: the signed element moved into a wrapper, an attacker element with the same Id in its place */
    { "wrapping_same_id", EC_SINGLE_I1,
      .edit = { { ITEM_I1, "<item Id=\"i1\">EVIL</item><wrapper>" ITEM_I1 "</wrapper>" } }, .want = SB_R_FORMAT,
      .want_msg = { "ID 'i1' is used twice" } },
    /* the same with xml:id and ID spellings colliding with Id */
    { "wrapping_xml_id_collides", EC_SINGLE_I1, .edit = { { ITEM_I1, ITEM_I1 "<evil xml:id=\"i1\"/>" } },
      .want = SB_R_FORMAT },
    { "wrapping_ID_collides", EC_SINGLE_I1, .edit = { { ITEM_I1, ITEM_I1 "<evil ID=\"i1\"/>" } },
      .want = SB_R_FORMAT },
    /* XSW with a fresh Id: the signed element intact in a wrapper, attacker content beside it */
    { "wrapping_fresh_id", EC_SINGLE_I1,
      .edit = { { ITEM_I1, "<item Id=\"evil\">EVIL</item><wrapper>" ITEM_I1 "</wrapper>" } }, .want = SB_R_FORMAT,
      .want_msg = { "unsigned content" } },
    /* unsigned content allowed (sb_validate): the signature stays valid, what is unsigned is listed (the
     * outermost element holding nothing covered; the wrapper holds the signed element, so it is skeleton) */
    { "wrapping_fresh_id_listed", EC_SINGLE_I1,
      .edit = { { ITEM_I1, "<item Id=\"evil\">EVIL</item><wrapper>" ITEM_I1 "</wrapper>" } },
      .verify = VO_ALLOW_UNSIGNED, .want = SB_OK, .want_ref_element = "/doc/wrapper/item",
      .want_unsigned = { "/doc/item" } },
    { "unsigned_nested_outermost_only", EC_SINGLE_I1,
      .edit = { { ITEM_I1, "<a><b>x</b><c/></a>" ITEM_I1 "<d>y</d>" } }, .verify = VO_ALLOW_UNSIGNED,
      .want = SB_OK, .want_unsigned = { "/doc/a", "/doc/d" } },
    /* the wrapping defences hold whether or not unsigned content is allowed: an ID on two elements */
    { "wrapping_same_id_allowed_still_refused", EC_SINGLE_I1,
      .edit = { { ITEM_I1, "<item Id=\"i1\">EVIL</item><wrapper>" ITEM_I1 "</wrapper>" } },
      .verify = VO_ALLOW_UNSIGNED, .want = SB_R_FORMAT, .want_msg = { "ID 'i1' is used twice" } },
    { "wrapping_xml_id_collides_allowed_still_refused", EC_SINGLE_I1,
      .edit = { { ITEM_I1, ITEM_I1 "<evil xml:id=\"i1\"/>" } }, .verify = VO_ALLOW_UNSIGNED, .want = SB_R_FORMAT,
      .want_msg = { "used twice" } },
    /* the whole signed document moved into an unsigned wrapper document: URI "" now means the wrapper */
    { "wrapping_whole_document", { DOC_SINGLE, BY_EC, 0, { 0 } },
      .edit = { { "<doc xmlns=\"urn:test\">", "<wrap><evil>EVIL</evil><doc xmlns=\"urn:test\">" },
                { "</doc>", "</doc></wrap>" } },
      .want = SB_R_HASH_MISMATCH },
    /* unsigned text added next to a signed subtree */
    { "wrapping_unsigned_text", EC_SINGLE_I1, .edit = { { "<item Id=\"i1\">", "pay 1000 to Mallory<item Id=\"i1\">" } },
      .want = SB_R_FORMAT, .want_msg = { "text in /doc" } },
    { "wrapping_unsigned_text_listed", EC_SINGLE_I1,
      .edit = { { "<item Id=\"i1\">", "pay 1000 to Mallory<item Id=\"i1\">" } }, .verify = VO_ALLOW_UNSIGNED,
      .want = SB_OK, .want_unsigned = { "/doc/text()[1]" } },

    /* algorithms refused */
    { "digest_sha1", RSA_CHAIN, .edit = { { SB_XMLDSIG_SHA256, "http://www.w3.org/2000/09/xmldsig#sha1" } },
      .want = SB_R_WEAK_ALGORITHM },
    { "method_rsa_sha1", RSA_CHAIN, .edit = { { SB_XMLDSIG_RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#rsa-sha1" } },
      .want = SB_R_WEAK_ALGORITHM },
    { "method_hmac_sha1", RSA_CHAIN,
      .edit = { { SB_XMLDSIG_RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#hmac-sha1" } }, .want = SB_R_FORMAT },
    { "method_unknown", RSA_CHAIN, .edit = { { SB_XMLDSIG_RSA_SHA256, "urn:unknown:method" } }, .want = SB_R_FORMAT },
    { "digest_md5", RSA_CHAIN, .edit = { { SB_XMLDSIG_SHA256, "http://www.w3.org/2001/04/xmldsig-more#md5" } },
      .want = SB_R_FORMAT },
    /* transforms other than enveloped-signature and C14N: refused, naming the URI */
    { "transform_xslt", RSA_CHAIN,
      .edit = { { SB_XMLDSIG_ENVELOPED, "http://www.w3.org/TR/1999/REC-xslt-19991116" } }, .want = SB_R_FORMAT,
      .want_msg = { "REC-xslt-19991116" } },
    { "transform_xpath", RSA_CHAIN,
      .edit = { { SB_XMLDSIG_ENVELOPED, "http://www.w3.org/TR/1999/REC-xpath-19991116" } }, .want = SB_R_FORMAT },
    { "transform_base64", RSA_CHAIN,
      .edit = { { SB_XMLDSIG_ENVELOPED, "http://www.w3.org/2000/09/xmldsig#base64" } }, .want = SB_R_FORMAT },
    /* a canonicalization must be the last transform */
    { "transform_c14n_not_last", RSA_CHAIN,
      .edit = { { ENVELOPED_TRANSFORM, "" }, { "</ds:Transforms>", ENVELOPED_TRANSFORM "</ds:Transforms>" } },
      .want = SB_R_FORMAT },
    { "canonicalization_xslt", RSA_CHAIN,
      .edit = { { "<ds:CanonicalizationMethod Algorithm=\"" SB_XMLDSIG_EXC_C14N "\"",
                  "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"" } },
      .want = SB_R_FORMAT },

    /* references refused */
    { "reference_remote", RSA_CHAIN, .edit = { { "URI=\"\"", "URI=\"http://evil.example/data.xml\"" } },
      .want = SB_R_FORMAT, .want_msg = { "does not point into this document" } },
    { "reference_file", RSA_CHAIN, .edit = { { "URI=\"\"", "URI=\"file:///etc/passwd\"" } }, .want = SB_R_FORMAT },
    { "reference_without_uri", RSA_CHAIN, .edit = { { "URI=\"\"", "" } }, .want = SB_R_FORMAT },
    { "reference_missing_id", RSA_CHAIN, .edit = { { "URI=\"\"", "URI=\"#missing\"" } }, .want = SB_R_FORMAT },
    { "reference_xpointer", RSA_CHAIN, .edit = { { "URI=\"\"", "URI=\"#xpointer(//item)\"" } }, .want = SB_R_FORMAT },

    /* structure */
    { "structure_no_signature", { DOC_UNSIGNED, BY_EC, 0, { 0 } }, .want = SB_R_FORMAT },
    { "structure_junk_before_signed_info", EC_CHAIN, .edit = { { "<ds:SignedInfo>", "<ds:Junk/><ds:SignedInfo>" } },
      .want = SB_R_FORMAT },
    { "structure_digest_not_base64", EC_CHAIN, .edit = { { "<ds:DigestValue>", "<ds:DigestValue>!!" } },
      .want = SB_R_FORMAT },
    { "structure_certificate_garbage", EC_CHAIN, .edit = { { "<ds:X509Certificate>", "<ds:X509Certificate>AAAA" } },
      .want = SB_R_FORMAT },
    /* ECDSA value of the wrong length for the key */
    { "structure_signature_value_length", EC_CHAIN,
      .edit = { { "<ds:SignatureValue>", "<ds:SignatureValue>AAAA" } }, .want = SB_R_SIG_CRYPTO },
    /* more references than one SignedInfo may hold */
    { "structure_40_references", EC_CHAIN, .special = REFERENCE_40_TIMES, .want = SB_R_FORMAT },
    /* without the enveloped-signature transform the signature digests itself */
    { "structure_no_enveloped_transform", { DOC_FULL, BY_EC, 0, { .no_enveloped_transform = 1 } },
      .want = SB_R_HASH_MISMATCH },

    /* the signer and its path */
    { "signer_no_anchor", RSA_ALONE, .verify = VO_NO_ANCHOR, .want = SB_R_CHAIN_NO_ANCHOR, .want_cert = 1 },
    { "signer_no_intermediate", RSA_ALONE, .verify = VO_NO_INTERMEDIATE, .want = SB_R_CHAIN_NO_ANCHOR },
    { "signer_expired_at_validation_time", RSA_ALONE, .verify = VO_LATE, .want = SB_R_CERT_EXPIRED },
    /* KeyInfo removed: the signer must come from the caller */
    { "signer_without_keyinfo", RSA_ALONE, .special = CUT_KEYINFO, .want = SB_R_NO_SIGNING_CERTIFICATE_FOUND },
    { "signer_without_keyinfo_supplied", RSA_ALONE, .special = CUT_KEYINFO, .verify = VO_SUPPLIED_CHAIN,
      .want = SB_OK, .want_source = SB_XMLDSIG_SRC_SUPPLIED },
    /* fixed signers (trusted-list mode): no path, the key decides */
    { "signer_fixed", RSA_ALONE, .verify = VO_FIXED_RSA, .want = SB_OK, .want_no_chain = 1 },
    { "signer_fixed_other_key", RSA_ALONE, .verify = VO_FIXED_EC, .want = SB_R_SIG_CRYPTO,
      .want_msg = { "expected signer" } },
    { "signer_keyinfo_trusted", RSA_ALONE, .verify = VO_KEYINFO_TRUSTED, .want = SB_OK,
      .want_source = SB_XMLDSIG_SRC_KEYINFO },
    /* a signer whose key usage forbids signatures */
    { "signer_key_usage_forbids", { DOC_FULL, BY_NOKU, 0, { 0 } }, .want = SB_R_KEY_USAGE },
};

static EVP_PKEY *key_of(struct fx *f, enum signer_id id)
{
    EVP_PKEY *keys[] = { f->rsa_key, f->ec_key, f->ec384_key, f->other_key };

    assert_true((size_t)id < CT_COUNT(keys));
    return keys[id];
}

static X509 *cert_of(struct fx *f, enum signer_id id)
{
    X509 *certs[] = { f->leaf_rsa, f->leaf_ec, f->leaf_ec384, f->leaf_noku };

    assert_true((size_t)id < CT_COUNT(certs));
    return certs[id];
}

/* s with one character at offset past the first marker changed (A <-> B). */
static void flip_after(char *s, const char *marker, size_t offset)
{
    char *p = strstr(s, marker);

    assert_non_null(p);
    p += strlen(marker) + offset;
    *p = *p == 'A' ? 'B' : 'A';
}

/* Copy of s without the text from the first 'from' to the end of the first 'to' after it. */
static char *cut(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from), *q = p != NULL ? strstr(p, to) : NULL;
    char *t;

    assert_non_null(p);
    assert_non_null(q);
    assert_non_null(t = malloc(strlen(s) + 1));
    memcpy(t, s, (size_t)(p - s));
    strcpy(t + (p - s), q + strlen(to));
    return t;
}

/* Copy of s with its first ds:Reference written n times. */
static char *repeat_reference(const char *s, size_t n)
{
    const char *a = strstr(s, "<ds:Reference"), *b = strstr(s, "</ds:Reference>");
    size_t rl, i;
    char *one, *many, *u;

    assert_non_null(a);
    assert_non_null(b);
    rl = (size_t)(b - a) + strlen("</ds:Reference>");
    assert_non_null(one = malloc(rl + 1));
    assert_non_null(many = malloc(rl * n + 1));
    memcpy(one, a, rl);
    one[rl] = '\0';
    for (i = 0; i < n; i++) {
        memcpy(many + i * rl, a, rl);
    }
    many[rl * n] = '\0';
    u = replace(s, one, many);
    free(one);
    free(many);
    return u;
}

/* The text a row verifies: signed as c->sign says, then edited. */
static char *case_text(struct fx *f, const struct xml_case *c)
{
    const char *xml = c->sign.doc == DOC_SINGLE ? single_xml : doc_xml;
    char *s, *t;
    int i;

    if (c->sign.doc == DOC_UNSIGNED) {
        assert_non_null(s = strdup(doc_xml));
    } else {
        s = sign_doc(xml, key_of(f, c->sign.by), cert_of(f, c->sign.by), c->sign.chain ? f->untrusted : NULL,
                     &c->sign.opts);
    }
    if (c->signed_has != NULL && strstr(s, c->signed_has) == NULL) {
        fail_msg("the signed text lacks '%s'", c->signed_has);
    }
    for (i = 0; i < 2 && c->edit[i].from != NULL; i++) {
        t = replace(s, c->edit[i].from, c->edit[i].to);
        free(s);
        s = t;
    }
    switch (c->special) {
    case EDIT_NONE:
        break;
    case FLIP_SIGNATURE_VALUE:
        flip_after(s, "<ds:SignatureValue>", 10);
        break;
    case FLIP_DIGEST_VALUE:
        flip_after(s, "<ds:DigestValue>", 3);
        break;
    case CUT_KEYINFO:
        t = cut(s, "<ds:KeyInfo>", "</ds:KeyInfo>");
        free(s);
        s = t;
        break;
    case REFERENCE_40_TIMES:
        t = repeat_reference(s, 40);
        free(s);
        s = t;
        break;
    default:
        fail_msg("unknown edit %d", (int)c->special);
    }
    return s;
}

static void run_xml_case(void **state)
{
    const struct xml_case *c = ct_row(state);
    struct fx *f = ct_fx(state);
    struct sb_xmldsig_verify_opts vo;
    struct sb_xmldsig_result res;
    struct sb_path_opts late = f->path;
    STACK_OF(X509) *fixed = sk_X509_new_null();
    char *text = case_text(f, c);
    enum sb_reason rc;
    int i;

    assert_non_null(fixed);
    memset(&vo, 0, sizeof(vo));
    switch (c->verify) {
    case VO_DEFAULT:
    case VO_ALLOW_UNSIGNED:
        vo.anchors = f->anchors;
        vo.untrusted = f->untrusted;
        vo.allow_unsigned_content = c->verify == VO_ALLOW_UNSIGNED;
        break;
    case VO_NO_ANCHOR:
        vo.untrusted = f->untrusted;
        break;
    case VO_NO_INTERMEDIATE:
        vo.anchors = f->anchors;
        break;
    case VO_LATE:
        vo.anchors = f->anchors;
        vo.untrusted = f->untrusted;
        late.at = TC_T2040 + TC_DAY;
        vo.path = &late;
        break;
    case VO_SUPPLIED_CHAIN:
        vo.anchors = f->anchors;
        assert_true(sk_X509_push(fixed, f->inter) > 0);
        assert_true(sk_X509_push(fixed, f->leaf_rsa) > 0);
        vo.untrusted = fixed;
        break;
    case VO_FIXED_RSA:
    case VO_FIXED_EC:
        assert_true(sk_X509_push(fixed, c->verify == VO_FIXED_RSA ? f->leaf_rsa : f->leaf_ec) > 0);
        vo.signers = fixed;
        break;
    case VO_KEYINFO_TRUSTED:
        vo.keyinfo_trusted = 1;
        break;
    default:
        fail_msg("unknown verify options %d", (int)c->verify);
    }
    rc = verify_with(f, text, &vo, &res);
    if (rc != SB_OK && getenv("SB_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "  %s: %s\n", sb_reason_name(rc), res.message);
    }
    if (rc != c->want) {
        fail_msg("got %s (%s), want %s", sb_reason_name(rc), res.message, sb_reason_name(c->want));
    }
    for (i = 0; i < 2 && c->want_msg[i] != NULL; i++) {
        if (strstr(res.message, c->want_msg[i]) == NULL) {
            fail_msg("message '%s' lacks '%s'", res.message, c->want_msg[i]);
        }
    }
    if (c->want_ref_digest_bad) {
        assert_int_equal(res.signers[0].refs[0].digest_ok, 0);
    }
    if (c->want_ref_uri != NULL) {
        assert_string_equal(res.signers[0].refs[0].uri, c->want_ref_uri);
    }
    if (c->want_ref_element != NULL) {
        assert_string_equal(res.signers[0].refs[0].element, c->want_ref_element);
    }
    if (c->want_source != 0) {
        assert_int_equal(res.signers[0].source, c->want_source);
    }
    if (c->want_no_chain) {
        assert_null(res.signers[0].chain);
    }
    if (c->want_cert) {
        assert_non_null(res.signers[0].cert);
    }
    for (i = 0; i < 3 && c->want_unsigned[i] != NULL; i++) {
        if ((size_t)i >= res.n_unsigned) {
            fail_msg("unsigned content lists %zu item(s), want '%s' at %d", res.n_unsigned, c->want_unsigned[i], i);
        }
        assert_string_equal(res.unsigned_content[i].location, c->want_unsigned[i]);
    }
    if (c->want == SB_OK) {
        assert_int_equal(res.n_unsigned, (size_t)i);
    }
    sb_xmldsig_result_clear(&res);
    sk_X509_free(fixed);
    free(text);
}

/* ---- signing refused ----------------------------------------------------------------------------- */

struct sign_refusal {
    const char *name;
    enum signer_id key, cert;
    const char *xml;
    struct sb_xmldsig_sign_opts opts;
    enum sb_reason want;
};

static const struct sign_refusal sign_refusals[] = {
    { "sign_key_does_not_match_certificate", BY_RSA, BY_EC, doc_xml, { 0 }, SB_R_USAGE },
    { "sign_method_not_for_key", BY_RSA, BY_RSA, doc_xml, { .sig_method = SB_XMLDSIG_ECDSA_SHA256 }, SB_R_USAGE },
    { "sign_method_rsa_sha1", BY_RSA, BY_RSA, doc_xml, { .sig_method = "http://www.w3.org/2000/09/xmldsig#rsa-sha1" },
      SB_R_USAGE },
    { "sign_c14n_unknown", BY_RSA, BY_RSA, doc_xml, { .c14n = "urn:nope" }, SB_R_USAGE },
    { "sign_not_xml", BY_RSA, BY_RSA, "not xml", { 0 }, SB_R_INPUT_MALFORMED },
    { "sign_reference_id_missing", BY_RSA, BY_RSA, doc_xml, { .ref_id = "nope" }, SB_R_USAGE },
};

static void run_sign_refusal(void **state)
{
    const struct sign_refusal *c = ct_row(state);
    struct fx *f = ct_fx(state);
    unsigned char *out = NULL;
    size_t len = 0;
    struct sb_err err;
    enum sb_reason rc;

    rc = sb_xmldsig_sign(key_of(f, c->key), cert_of(f, c->cert), NULL, (const unsigned char *)c->xml, strlen(c->xml),
                         &c->opts, &out, &len, &err);
    if (rc != c->want) {
        fail_msg("got %s, want %s", sb_reason_name(rc), sb_reason_name(c->want));
    }
    assert_null(out);
}

/* ---- results in detail --------------------------------------------------------------------------- */

static void test_xmldsig_rsa_enveloped(void **state)
{
    struct fx *f = ct_fx(state);
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

static void test_xmldsig_two_signatures(void **state)
{
    struct fx *f = ct_fx(state);
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
    static const char dtd_attlist[] = "<!DOCTYPE d [ <!ATTLIST d Id ID #IMPLIED> ]><d Id=\"a\">x &amp; &#65;</d>";
    static const char dtd_external[] = "<?xml version=\"1.0\"?>\n<!DOCTYPE d SYSTEM \"file:///etc/passwd\">\n<d/>";
    static const char dtd_public[] = "<!DOCTYPE d PUBLIC \"-//x//y//EN\" \"http://example.invalid/d.dtd\"><d/>";
    static const char no_dtd[] = "<d Id=\"a\">x &amp; &#65;</d>";
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
    /* any DOCTYPE is refused (issue 15): an ATTLIST alone could declare IDs, an external subset alone too */
    assert_int_equal(parse_rc(dtd_attlist, strlen(dtd_attlist), &err), SB_R_FORMAT);
    assert_non_null(strstr(err.msg, "DOCTYPE refused"));
    assert_int_equal(parse_rc(dtd_external, strlen(dtd_external), &err), SB_R_FORMAT);
    assert_non_null(strstr(err.msg, "DOCTYPE refused"));
    assert_int_equal(parse_rc(dtd_public, strlen(dtd_public), &err), SB_R_FORMAT);
    assert_int_equal(parse_rc(no_dtd, strlen(no_dtd), &err), SB_OK);
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
    static const struct ct_fn fns[] = {
        CT_FN(test_xmldsig_rsa_enveloped),
        CT_FN(test_xmldsig_two_signatures),
        CT_FN(test_xml_safe_entities),
        CT_FN(test_xml_safe_limits),
        CT_FN(test_xml_safe_datetime),
    };
    static const struct ct_table tables[] = {
        CT_TABLE(xml_cases, run_xml_case),
        CT_TABLE(sign_refusals, run_sign_refusal),
    };
    struct fx fx;
    const struct ct_fixture fixture = { &fx, fx_make, fx_free };

    memset(&fx, 0, sizeof(fx));
    return ct_main("test_xmldsig", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
