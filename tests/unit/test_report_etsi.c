/*
 * tests/unit/test_report_etsi.c — ETSI TS 119 102-2 validation reports (pki/verdict/report_etsi.h).
 *
 * Each report is serialized, parsed back with libxml2 (well-formedness) and checked with namespaced
 * XPath: main indication, subindication, signer, validation time, signing time, certificate chain and
 * validation objects (base64 DER of the certificates), the constraints applied.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "pki/x509/path.h"
#include "pki/verdict/report_etsi.h"
#include "pki/xml/xml_safe.h"

#include "testcert.h"

struct fx {
    EVP_PKEY *root_key, *int_key, *leaf_key;
    X509 *root, *inter, *leaf;
    STACK_OF(X509) *chain;
    struct sb_path_opts path;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->root_key = tc_key_ec();
    f->int_key = tc_key_ec();
    f->leaf_key = tc_key_ec();
    f->root = tc_root("Report Root", f->root_key);
    f->inter = tc_inter("Report Int", f->int_key, f->root, f->root_key, 0);
    f->leaf = tc_leaf("signer.example", f->leaf_key, f->inter, f->int_key);
    assert_non_null(f->chain = sk_X509_new_null());
    assert_true(sk_X509_push(f->chain, f->leaf) > 0);
    assert_true(sk_X509_push(f->chain, f->inter) > 0);
    assert_true(sk_X509_push(f->chain, f->root) > 0);
    sb_path_opts_init(&f->path);
    f->path.at = TC_T2025;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    sk_X509_free(f->chain);
    X509_free(f->root);
    X509_free(f->inter);
    X509_free(f->leaf);
    EVP_PKEY_free(f->root_key);
    EVP_PKEY_free(f->int_key);
    EVP_PKEY_free(f->leaf_key);
    free(f);
    return 0;
}

/* Serialize, parse back strictly, return the document and an XPath context with vr/ds registered. */
static xmlDocPtr build(const struct sb_etsi_input *in, xmlXPathContextPtr *xp)
{
    unsigned char *xml = NULL;
    size_t len = 0;
    struct sb_err err;
    xmlDocPtr doc = NULL;

    if (sb_report_etsi(in, &xml, &len, &err) != SB_OK) {
        fail_msg("report: %s", err.msg);
    }
    assert_int_equal(sb_xml_parse(xml, len, "report", &doc, &err), SB_OK);
    OPENSSL_free(xml);
    assert_non_null(*xp = xmlXPathNewContext(doc));
    assert_int_equal(xmlXPathRegisterNs(*xp, (const xmlChar *)"vr", (const xmlChar *)SB_ETSI_NS), 0);
    assert_int_equal(xmlXPathRegisterNs(*xp, (const xmlChar *)"ds", (const xmlChar *)SB_XMLNS_DSIG), 0);
    return doc;
}

/* String value of expr (string(...) applied); caller frees. */
static char *xstr(xmlXPathContextPtr xp, const char *expr)
{
    char buf[512];
    xmlXPathObjectPtr o;
    char *s;

    snprintf(buf, sizeof(buf), "string(%s)", expr);
    assert_non_null(o = xmlXPathEvalExpression((const xmlChar *)buf, xp));
    assert_non_null(s = strdup(o->stringval != NULL ? (const char *)o->stringval : ""));
    xmlXPathFreeObject(o);
    return s;
}

static double xnum(xmlXPathContextPtr xp, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, xp);
    double d;

    assert_non_null(o);
    d = xmlXPathCastToNumber(o);
    xmlXPathFreeObject(o);
    return d;
}

static void expect_str(xmlXPathContextPtr xp, const char *expr, const char *want)
{
    char *got = xstr(xp, expr);

    if (strcmp(got, want) != 0) {
        fail_msg("%s = '%s', expected '%s'", expr, got, want);
    }
    free(got);
}

static void test_report_passed(void **state)
{
    struct fx *f = *state;
    static const unsigned char object[] = "<doc>signed</doc>";
    static const unsigned char sigval[] = { 1, 2, 3, 4, 5 };
    struct sb_etsi_signer s;
    struct sb_etsi_input in;
    xmlXPathContextPtr xp;
    xmlDocPtr doc;
    unsigned char md[32], *der = NULL;
    char *b, *vo, expr[256], want[64];
    int dlen;

    memset(&s, 0, sizeof(s));
    s.reason = SB_OK;
    s.cert = f->leaf;
    s.chain = f->chain;
    s.signing_time = "2024-12-31T23:00:00Z";
    s.sig_value = sigval;
    s.sig_len = sizeof(sigval);
    memset(&in, 0, sizeof(in));
    in.validation_time = TC_T2025;
    in.object = object;
    in.object_len = sizeof(object) - 1;
    in.path = &f->path;
    in.signers = &s;
    in.n_signers = 1;
    doc = build(&in, &xp);

    assert_string_equal((const char *)xmlDocGetRootElement(doc)->name, "ValidationReport");
    assert_string_equal((const char *)xmlDocGetRootElement(doc)->ns->href, SB_ETSI_NS);
    assert_true(xnum(xp, "count(/vr:ValidationReport/vr:SignatureValidationReport)") == 1);
    expect_str(xp, "//vr:SignatureValidationStatus/vr:MainIndication", SB_ETSI_MAIN "total-passed");
    assert_true(xnum(xp, "count(//vr:SubIndication)") == 0);
    expect_str(xp, "//vr:SignerInformation/vr:Signer", "CN=signer.example,O=sigbridge tests");
    expect_str(xp, "//vr:ValidationTimeInfo/vr:ValidationTime", "2025-01-01T00:00:00Z");
    expect_str(xp, "//vr:SignatureAttributes/vr:SigningTime/vr:Time", "2024-12-31T23:00:00Z");
    expect_str(xp, "//vr:SignatureIdentifier/ds:SignatureValue", "AQIDBAU=");
    expect_str(xp, "//vr:SignatureIdentifier/vr:HashOnly", "false");
    /* the object's SHA-256 */
    EVP_Digest(object, sizeof(object) - 1, md, NULL, EVP_sha256(), NULL);
    EVP_EncodeBlock((unsigned char *)want, md, 32);
    expect_str(xp, "//vr:SignatureIdentifier/vr:DigestAlgAndValue/ds:DigestValue", want);
    expect_str(xp, "//vr:SignatureIdentifier/vr:DigestAlgAndValue/ds:DigestMethod/@Algorithm",
               "http://www.w3.org/2001/04/xmlenc#sha256");
    /* the signer's certificate is a validation object holding its DER */
    vo = xstr(xp, "//vr:SignerInformation/vr:SignerCertificate/@VOReference");
    assert_true(strlen(vo) > 3);
    snprintf(expr, sizeof(expr), "//vr:SignatureValidationObjects/vr:ValidationObject[@id='%s']/"
             "vr:ValidationObjectRepresentation/vr:base64", vo);
    b = xstr(xp, expr);
    dlen = i2d_X509(f->leaf, &der);
    {
        unsigned char *back = NULL;
        size_t blen = 0;
        struct sb_err err;

        assert_int_equal(sb_xml_b64_decode((const xmlChar *)b, 100000, &back, &blen, "vo", &err), SB_OK);
        assert_int_equal(blen, (size_t)dlen);
        assert_memory_equal(back, der, blen);
        OPENSSL_free(back);
    }
    OPENSSL_free(der);
    free(b);
    snprintf(expr, sizeof(expr), "//vr:CertificateChain/vr:SigningCertificate/@VOReference");
    expect_str(xp, expr, vo);
    free(vo);
    assert_true(xnum(xp, "count(//vr:CertificateChain/vr:IntermediateCertificate)") == 1);
    assert_true(xnum(xp, "count(//vr:CertificateChain/vr:TrustAnchor)") == 1);
    assert_true(xnum(xp, "count(//vr:ValidationObject)") == 3);
    expect_str(xp, "//vr:ValidationObject[1]/vr:ObjectType", "urn:etsi:019102:validationObject:certificate");
    /* constraints applied */
    expect_str(xp, "//vr:ValidationConstraint[vr:ValidationConstraintIdentifier='urn:sigbridge:constraint:revocation']"
                   "/vr:ValidationConstraintParameter/vr:Value", "prefer");
    expect_str(xp, "//vr:ValidationConstraint[1]/vr:ConstraintStatus/vr:Status", "urn:etsi:019102:constraintStatus:applied");
    expect_str(xp, "//vr:SignatureValidationProcess/vr:SignatureValidationProcessID", "urn:etsi:019102:validationprocess:Basic");
    expect_str(xp, "//vr:ReportData[vr:Type='urn:sigbridge:reason']/vr:Value", "OK");
    /* the objects come after every signature report */
    expect_str(xp, "local-name(/vr:ValidationReport/*[last()])", "SignatureValidationObjects");
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
}

static void test_report_failed_and_indeterminate(void **state)
{
    struct fx *f = *state;
    static const unsigned char object[] = "x";
    static const unsigned char content[] = "detached content";
    struct sb_etsi_signer s[2];
    struct sb_etsi_input in;
    xmlXPathContextPtr xp;
    xmlDocPtr doc;

    memset(s, 0, sizeof(s));
    s[0].reason = SB_R_HASH_MISMATCH;
    s[0].message = "reference 1: digest <does not> match & more";
    s[0].cert = f->leaf;
    s[0].chain = f->chain;
    s[1].reason = SB_R_CHAIN_NO_ANCHOR;
    s[1].cert = f->leaf;
    memset(&in, 0, sizeof(in));
    in.validation_time = TC_T2025;
    in.object = object;
    in.object_len = 1;
    in.content = content;
    in.content_len = sizeof(content) - 1;
    in.signers = s;
    in.n_signers = 2;
    doc = build(&in, &xp);
    assert_true(xnum(xp, "count(/vr:ValidationReport/vr:SignatureValidationReport)") == 2);
    expect_str(xp, "/vr:ValidationReport/vr:SignatureValidationReport[1]/vr:SignatureValidationStatus/vr:MainIndication",
               SB_ETSI_MAIN "total-failed");
    expect_str(xp, "/vr:ValidationReport/vr:SignatureValidationReport[1]/vr:SignatureValidationStatus/vr:SubIndication",
               SB_ETSI_SUB "HASH_FAILURE");
    expect_str(xp, "/vr:ValidationReport/vr:SignatureValidationReport[1]//vr:ReportData[vr:Type='urn:sigbridge:message']"
                   "/vr:Value", "reference 1: digest <does not> match & more");
    expect_str(xp, "/vr:ValidationReport/vr:SignatureValidationReport[2]/vr:SignatureValidationStatus/vr:MainIndication",
               SB_ETSI_MAIN "indeterminate");
    expect_str(xp, "/vr:ValidationReport/vr:SignatureValidationReport[2]/vr:SignatureValidationStatus/vr:SubIndication",
               SB_ETSI_SUB "NO_CERTIFICATE_CHAIN_FOUND");
    expect_str(xp, "/vr:ValidationReport/vr:SignatureValidationReport[2]/vr:SignatureIdentifier/@id", "sig-2");
    /* the shared leaf is one validation object */
    assert_true(xnum(xp, "count(//vr:ValidationObject)") == 3);
    assert_true(xnum(xp, "count(//vr:SignersDocument/vr:DigestAlgAndValue)") == 2);
    assert_true(xnum(xp, "count(//vr:ValidationConstraintsEvaluationReport)") == 0); /* no path given */
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
}

static void test_report_no_signer(void **state)
{
    struct sb_etsi_input in;
    xmlXPathContextPtr xp;
    xmlDocPtr doc;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.validation_time = TC_T2025;
    in.reason = SB_R_FORMAT;
    in.message = "no ds:Signature element";
    in.hash_only = 1;
    doc = build(&in, &xp);
    assert_true(xnum(xp, "count(//vr:SignatureValidationReport)") == 1);
    expect_str(xp, "//vr:MainIndication", SB_ETSI_MAIN "total-failed");
    expect_str(xp, "//vr:SubIndication", SB_ETSI_SUB "FORMAT_FAILURE");
    assert_true(xnum(xp, "count(//vr:SignerInformation)") == 0);
    assert_true(xnum(xp, "count(//vr:SignatureValidationObjects)") == 0);
    expect_str(xp, "//vr:HashOnly", "true");
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    assert_int_equal(sb_report_etsi_doc(NULL, &doc, NULL), SB_R_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_passed),
        cmocka_unit_test(test_report_failed_and_indeterminate),
        cmocka_unit_test(test_report_no_signer),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
