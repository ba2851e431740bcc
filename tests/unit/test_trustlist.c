/*
 * tests/unit/test_trustlist.c — ETSI TS 119 612 trusted lists (pki/policy/trustlist.h).
 *
 * Lists are generated here from a template with certificates minted at test time (testcert.h) and
 * signed with sb_xmldsig_sign (enveloped, URI "" or "#<root Id>"). The XAdES-signed list made by xmlsec1
 * (tests/pki/make-tl.sh) is exercised by tests/integration/test_xml_cli.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki/x509/cert_format.h"
#include "pki/policy/trustlist.h"
#include "pki/verdict/report.h"
#include "pki/xml/xml_safe.h"
#include "pki/xml/xmldsig.h"

#include "testcert.h"

#define T2021 ((time_t)1609459200) /* 2021-01-01 */
#define T2022 ((time_t)1640995200) /* 2022-01-01 */
#define T2023 ((time_t)1672531200) /* 2023-01-01 */
#define T2025_06 ((time_t)1748736000) /* 2025-06-01 */
#define T2035 ((time_t)2051222400) /* 2035-01-01 */

struct fx {
    EVP_PKEY *ca1_key, *ca2_key, *ca3_key, *signer_key, *other_key;
    X509 *ca1, *ca2, *ca3, *signer, *other;
    char *list;           /* unsigned list text */
};

static char *b64(X509 *x)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    char *out;

    assert_true(len > 0);
    assert_non_null(out = malloc((size_t)(len + 2) / 3 * 4 + 1));
    EVP_EncodeBlock((unsigned char *)out, der, len);
    OPENSSL_free(der);
    return out;
}

static const char list_fmt[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\" xmlns:tslx=\"http://uri.etsi.org/02231/v2/additionaltypes#\" "
    "Id=\"tsl-root\" TSLTag=\"http://uri.etsi.org/19612/TSLTag\">\n"
    " <SchemeInformation>\n"
    "  <TSLVersionIdentifier>5</TSLVersionIdentifier>\n"
    "  <TSLSequenceNumber>42</TSLSequenceNumber>\n"
    "  <SchemeTerritory>MO</SchemeTerritory>\n"
    "  <PointersToOtherTSL>\n"
    "   <OtherTSLPointer><TSLLocation>https://tl.example/hk.xml</TSLLocation><AdditionalInformation>"
    "<OtherInformation><SchemeTerritory>HK</SchemeTerritory></OtherInformation>"
    "<OtherInformation><tslx:MimeType>application/vnd.etsi.tsl+xml</tslx:MimeType></OtherInformation>"
    "</AdditionalInformation></OtherTSLPointer>\n"
    "   <OtherTSLPointer><TSLLocation>https://tl.example/hk.pdf</TSLLocation></OtherTSLPointer>\n"
    "  </PointersToOtherTSL>\n"
    "  <ListIssueDateTime>2025-01-01T00:00:00Z</ListIssueDateTime>\n"
    "  <NextUpdate><dateTime>2035-01-01T00:00:00Z</dateTime></NextUpdate>\n"
    " </SchemeInformation>\n"
    " <TrustServiceProviderList>\n"
    "  <TrustServiceProvider><TSPInformation><TSPName><Name xml:lang=\"pt\">Operador</Name><Name xml:lang=\"en\">Operator</Name>"
    "</TSPName></TSPInformation><TSPServices>\n"
    "   <TSPService><ServiceInformation>"
    "<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>"
    "<ServiceName><Name xml:lang=\"en\">CA one</Name></ServiceName>"
    "<ServiceDigitalIdentity><DigitalId><X509Certificate>%s</X509Certificate></DigitalId>"
    "<DigitalId><X509SKI>AAAA</X509SKI></DigitalId></ServiceDigitalIdentity>"
    "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus>"
    "<StatusStartingTime>2023-01-01T00:00:00Z</StatusStartingTime></ServiceInformation>"
    "<ServiceHistory>"
    "<ServiceHistoryInstance><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>"
    "<ServiceName><Name xml:lang=\"en\">CA one</Name></ServiceName>"
    "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn</ServiceStatus>"
    "<StatusStartingTime>2022-01-01T00:00:00Z</StatusStartingTime></ServiceHistoryInstance>"
    "<ServiceHistoryInstance><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>"
    "<ServiceName><Name xml:lang=\"en\">CA one</Name></ServiceName>"
    "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision</ServiceStatus>"
    "<StatusStartingTime>2021-01-01T00:00:00Z</StatusStartingTime></ServiceHistoryInstance>"
    "</ServiceHistory></TSPService>\n"
    "   <TSPService><ServiceInformation>"
    "<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/PKC</ServiceTypeIdentifier>"
    "<ServiceName><Name>CA two</Name></ServiceName>"
    "<ServiceDigitalIdentity><DigitalId><X509Certificate>\n%s\n</X509Certificate></DigitalId></ServiceDigitalIdentity>"
    "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn</ServiceStatus>"
    "<StatusStartingTime>2025-06-01T00:00:00Z</StatusStartingTime></ServiceInformation>"
    "<ServiceHistory><ServiceHistoryInstance>"
    "<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/PKC</ServiceTypeIdentifier>"
    "<ServiceName><Name>CA two</Name></ServiceName>"
    "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus>"
    "<StatusStartingTime>2021-01-01T00:00:00Z</StatusStartingTime></ServiceHistoryInstance></ServiceHistory></TSPService>\n"
    "   <TSPService><ServiceInformation>"
    "<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST</ServiceTypeIdentifier>"
    "<ServiceName><Name xml:lang=\"en\">TSA</Name></ServiceName>"
    "<ServiceDigitalIdentity><DigitalId><X509Certificate>%s</X509Certificate></DigitalId></ServiceDigitalIdentity>"
    "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus>"
    "<StatusStartingTime>2020-01-01T00:00:00Z</StatusStartingTime></ServiceInformation></TSPService>\n"
    "  </TSPServices></TrustServiceProvider>\n"
    " </TrustServiceProviderList>\n"
    "</TrustServiceStatusList>\n";

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char *a, *b, *c;
    size_t n;

    assert_non_null(f);
    f->ca1_key = tc_key_ec();
    f->ca2_key = tc_key_ec();
    f->ca3_key = tc_key_ec();
    f->signer_key = tc_key_ec();
    f->other_key = tc_key_ec();
    f->ca1 = tc_root("TL CA one", f->ca1_key);
    f->ca2 = tc_root("TL CA two", f->ca2_key);
    f->ca3 = tc_root("TL TSA", f->ca3_key);
    f->signer = tc_leaf("tl-signer.example", f->signer_key, f->ca1, f->ca1_key);
    f->other = tc_leaf("other-signer.example", f->other_key, f->ca1, f->ca1_key);
    a = b64(f->ca1);
    b = b64(f->ca2);
    c = b64(f->ca3);
    n = sizeof(list_fmt) + strlen(a) + strlen(b) + strlen(c);
    assert_non_null(f->list = malloc(n));
    snprintf(f->list, n, list_fmt, a, b, c);
    free(a);
    free(b);
    free(c);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    EVP_PKEY_free(f->ca1_key);
    EVP_PKEY_free(f->ca2_key);
    EVP_PKEY_free(f->ca3_key);
    EVP_PKEY_free(f->signer_key);
    EVP_PKEY_free(f->other_key);
    X509_free(f->ca1);
    X509_free(f->ca2);
    X509_free(f->ca3);
    X509_free(f->signer);
    X509_free(f->other);
    free(f->list);
    free(f);
    return 0;
}

/* The list signed by the fixture's signer; ref_id NULL = URI "". Returned with a NUL (free()). */
static char *signed_list(struct fx *f, const char *text, const char *ref_id, size_t *len)
{
    struct sb_xmldsig_sign_opts o;
    unsigned char *out = NULL;
    struct sb_err err;
    char *s;

    memset(&o, 0, sizeof(o));
    o.ref_id = ref_id;
    o.c14n = SB_XMLDSIG_C14N10;
    if (sb_xmldsig_sign(f->signer_key, f->signer, NULL, (const unsigned char *)text, strlen(text), &o, &out, len,
                        &err) != SB_OK) {
        fail_msg("sign: %s", err.msg);
    }
    assert_non_null(s = malloc(*len + 1));
    memcpy(s, out, *len);
    s[*len] = '\0';
    OPENSSL_free(out);
    return s;
}

static struct sb_tl *parse_ok(const char *text, size_t len)
{
    struct sb_tl *tl = NULL;
    struct sb_err err;

    if (sb_tl_parse((const unsigned char *)text, len, "test list", &tl, &err) != SB_OK) {
        fail_msg("parse: %s", err.msg);
    }
    return tl;
}

static STACK_OF(X509) *one(X509 *x)
{
    STACK_OF(X509) *st = sk_X509_new_null();

    assert_non_null(st);
    assert_true(sk_X509_push(st, x) > 0);
    return st;
}

static void test_tl_parse_fields(void **state)
{
    struct fx *f = *state;
    struct sb_tl *tl = parse_ok(f->list, strlen(f->list));
    const struct sb_tl_service *s;
    char fp[80];

    assert_string_equal(tl->territory, "MO");
    assert_int_equal(tl->sequence_number, 42);
    assert_int_equal(tl->issue_date, TC_T2025);
    assert_int_equal(tl->has_next_update, 1);
    assert_int_equal(tl->next_update, T2035);
    assert_int_equal(tl->n_pointers, 2);
    assert_string_equal(tl->pointers[0].territory, "HK");
    assert_string_equal(tl->pointers[0].location, "https://tl.example/hk.xml");
    assert_string_equal(tl->pointers[0].mime_type, "application/vnd.etsi.tsl+xml");
    assert_null(tl->pointers[1].territory);
    assert_null(tl->pointers[1].mime_type);
    assert_int_equal(tl->n_services, 3);
    s = &tl->services[0];
    assert_string_equal(s->tsp, "Operator"); /* xml:lang="en" preferred */
    assert_string_equal(s->name, "CA one");
    assert_string_equal(s->type, SB_TL_TYPE_CA_QC);
    assert_string_equal(s->status, SB_TL_STATUS_GRANTED);
    assert_int_equal(s->status_start, T2023);
    assert_int_equal(s->n_sha256, 1);
    assert_int_equal(sk_X509_num(s->certs), 1);
    sb_certfmt_sha256(f->ca1, fp, sizeof(fp));
    assert_string_equal(s->sha256[0], fp);
    assert_int_equal(s->n_history, 3);
    assert_string_equal(tl->services[1].name, "CA two"); /* no xml:lang: the first Name */
    assert_int_equal(sk_X509_num(tl->services[1].certs), 1); /* base64 with line breaks */
    assert_int_equal(sb_tl_service_is_ca(&tl->services[0]), 1);
    assert_int_equal(sb_tl_service_is_ca(&tl->services[1]), 1);
    assert_int_equal(sb_tl_service_is_ca(&tl->services[2]), 0);
    /* not verified yet */
    assert_int_equal(tl->sig_reason, SB_R_FORMAT);
    sb_tl_free(tl);
}

static void test_tl_granted_intervals(void **state)
{
    struct fx *f = *state;
    struct sb_tl *tl = parse_ok(f->list, strlen(f->list));
    const struct sb_tl_service *one_svc = &tl->services[0], *two = &tl->services[1];

    /* CA one: undersupervision 2021 (granted-like), withdrawn 2022, granted 2023- */
    assert_int_equal(one_svc->n_granted, 2);
    assert_false(sb_tl_service_granted_at(one_svc, T2021 - 1));
    assert_true(sb_tl_service_granted_at(one_svc, T2021));
    assert_true(sb_tl_service_granted_at(one_svc, T2022 - 1));
    assert_false(sb_tl_service_granted_at(one_svc, T2022));
    assert_false(sb_tl_service_granted_at(one_svc, T2023 - 1));
    assert_true(sb_tl_service_granted_at(one_svc, T2023));
    assert_true(sb_tl_service_granted_at(one_svc, T2035 * 2));
    /* CA two: granted 2021, withdrawn since 2025-06-01 */
    assert_true(sb_tl_service_granted_at(two, TC_T2025));
    assert_false(sb_tl_service_granted_at(two, T2025_06));
    assert_false(sb_tl_service_granted_at(two, T2035));
    assert_true(sb_tl_status_granted(SB_TL_STATUS_GRANTED));
    assert_true(sb_tl_status_granted("http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel"));
    assert_true(sb_tl_status_granted("http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited"));
    assert_false(sb_tl_status_granted(SB_TL_STATUS_WITHDRAWN));
    assert_false(sb_tl_status_granted("http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/deprecatedatnationallevel"));
    assert_false(sb_tl_status_granted("http://evil.example/Svcstatus/granted"));
    assert_false(sb_tl_status_granted(NULL));
    sb_tl_free(tl);
}

static void test_tl_signature(void **state)
{
    struct fx *f = *state;
    STACK_OF(X509) *right = one(f->signer), *wrong = one(f->other), *both = one(f->other);
    struct sb_tl *tl;
    struct sb_err err;
    size_t len;
    char *s = signed_list(f, f->list, NULL, &len), *t, *p;

    assert_true(sk_X509_push(both, f->signer) > 0);
    tl = parse_ok(s, len);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_OK);
    assert_int_equal(tl->sig_source, SB_XMLDSIG_SRC_SUPPLIED);
    assert_int_equal(X509_cmp(tl->signer, f->signer), 0);
    assert_int_equal(sb_tl_verify(tl, wrong, &err), SB_R_SIG_CRYPTO);
    assert_null(tl->signer);
    assert_int_equal(sb_tl_verify(tl, both, &err), SB_OK);
    assert_int_equal(sb_tl_verify(tl, NULL, &err), SB_OK);
    assert_int_equal(tl->sig_source, SB_XMLDSIG_SRC_KEYINFO);
    sb_tl_free(tl);
    /* tampered: a service status changed after signing */
    p = strstr(s, "Svcstatus/withdrawn</ServiceStatus><StatusStartingTime>2025");
    assert_non_null(p);
    assert_non_null(t = strdup(s));
    memcpy(t + (p - s), "Svcstatus/granted  ", 19);
    tl = parse_ok(t, len);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_R_HASH_MISMATCH);
    sb_tl_free(tl);
    free(t);
    free(s);
    /* signed by reference to the root's Id, behind a BOM */
    s = signed_list(f, f->list, "tsl-root", &len);
    assert_non_null(strstr(s, "URI=\"#tsl-root\""));
    assert_non_null(t = malloc(len + 4));
    memcpy(t, "\xEF\xBB\xBF", 3);
    memcpy(t + 3, s, len + 1);
    tl = parse_ok(t, len + 3);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_OK);
    sb_tl_free(tl);
    free(t);
    free(s);
    /* no signature */
    tl = parse_ok(f->list, strlen(f->list));
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_R_FORMAT);
    assert_int_equal(sb_tl_verify(tl, NULL, &err), SB_R_FORMAT);
    sb_tl_free(tl);
    sk_X509_free(right);
    sk_X509_free(wrong);
    sk_X509_free(both);
}

static void test_tl_freshness(void **state)
{
    struct fx *f = *state;
    struct sb_tl *tl = parse_ok(f->list, strlen(f->list));
    struct sb_err err;
    char *t;

    assert_int_equal(sb_tl_check_fresh(tl, TC_T2030, &err), SB_OK);
    assert_int_equal(sb_tl_check_fresh(tl, T2035, &err), SB_OK);
    assert_int_equal(sb_tl_check_fresh(tl, T2035 + 1, &err), SB_R_REVOCATION_UNAVAILABLE);
    assert_string_equal(sb_reason_subindication(err.reason), "TRY_LATER");
    assert_non_null(strstr(err.msg, "expired"));
    sb_tl_free(tl);
    /* an empty NextUpdate (closed list) never expires */
    assert_non_null(t = strdup(f->list));
    memcpy(strstr(t, "<dateTime>2035-01-01T00:00:00Z</dateTime>"), "<dateTime>                    </dateTime>", 41);
    tl = parse_ok(t, strlen(t));
    assert_int_equal(tl->has_next_update, 0);
    assert_int_equal(sb_tl_check_fresh(tl, T2035 * 2, &err), SB_OK);
    sb_tl_free(tl);
    free(t);
}

static char *edit(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    size_t a, n = strlen(s) + strlen(to) + 1;
    char *r = malloc(n);

    assert_non_null(p);
    assert_non_null(r);
    a = (size_t)(p - s);
    memcpy(r, s, a);
    snprintf(r + a, n - a, "%s%s", to, p + strlen(from));
    return r;
}

static void test_tl_not_a_list(void **state)
{
    struct fx *f = *state;
    struct sb_tl *tl = NULL;
    struct sb_err err;
    char *t;
    static const char xxe[] = "<!DOCTYPE TrustServiceStatusList [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                              "<TrustServiceStatusList xmlns=\"http://uri.etsi.org/02231/v2#\">&x;</TrustServiceStatusList>";

    assert_int_equal(sb_tl_parse((const unsigned char *)"<doc/>", 6, "x", &tl, &err), SB_R_INPUT_MALFORMED);
    assert_null(tl);
    assert_int_equal(sb_tl_parse((const unsigned char *)"garbage", 7, "x", &tl, &err), SB_R_INPUT_MALFORMED);
    assert_int_equal(sb_tl_parse((const unsigned char *)xxe, strlen(xxe), "x", &tl, &err), SB_R_FORMAT);
    t = edit(f->list, "http://uri.etsi.org/02231/v2#", "http://uri.etsi.org/02231/v3#");
    assert_int_equal(sb_tl_parse((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_R_INPUT_MALFORMED);
    free(t);
    t = edit(f->list, "<SchemeTerritory>MO</SchemeTerritory>", "");
    assert_int_equal(sb_tl_parse((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_R_INPUT_MALFORMED);
    free(t);
    t = edit(f->list, "<TSLSequenceNumber>42<", "<TSLSequenceNumber>4x2<");
    assert_int_equal(sb_tl_parse((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_R_INPUT_MALFORMED);
    free(t);
    t = edit(f->list, "2025-01-01T00:00:00Z</ListIssueDateTime>", "yesterday</ListIssueDateTime>");
    assert_int_equal(sb_tl_parse((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_R_INPUT_MALFORMED);
    free(t);
    t = edit(f->list, "<StatusStartingTime>2023-01-01T00:00:00Z", "<StatusStartingTime>2023-01-01");
    assert_int_equal(sb_tl_parse((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_R_INPUT_MALFORMED);
    free(t);
    /* a broken certificate value is skipped, not fatal */
    t = edit(f->list, "<X509Certificate>", "<X509Certificate>!!");
    tl = parse_ok(t, strlen(t));
    assert_int_equal(tl->services[0].n_sha256, 0);
    sb_tl_free(tl);
    free(t);
}

#define TSPINFO "<TSPInformation><TSPName><Name xml:lang=\"pt\">Operador</Name><Name xml:lang=\"en\">Operator</Name>" \
                "</TSPName></TSPInformation>"

/* s without the span from the first `from` to the end of the first `to` after it (free()). */
static char *cut_span(const char *s, const char *from, const char *to)
{
    const char *a = strstr(s, from), *b;
    char *r;

    assert_non_null(a);
    assert_non_null(b = strstr(a, to));
    b += strlen(to);
    assert_non_null(r = malloc(strlen(s) + 1));
    memcpy(r, s, (size_t)(a - s));
    memcpy(r + (a - s), b, strlen(b) + 1);
    return r;
}

/* A list file under /tmp holding text[0..len); path receives its name (unlink it). */
static void write_tmp(char *path, const char *text, size_t len)
{
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* Signature before structure: a signed list whose structure was altered after signing is a broken
 * signature (HASH_MISMATCH), even where its content no longer reads (INPUT_MALFORMED). */
static void test_tl_signature_before_structure(void **state)
{
    struct fx *f = *state;
    STACK_OF(X509) *right = one(f->signer);
    struct sb_tl_anchor *a = NULL;
    struct sb_tl *tl = NULL;
    struct sb_err err;
    char path[] = "/tmp/sb-test-tl-XXXXXX";
    size_t len, n = 0;
    char *s = signed_list(f, f->list, "tsl-root", &len), *t, *u;

    /* TSPInformation removed after signing */
    t = edit(s, TSPINFO, "");
    assert_int_equal(sb_tl_parse((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_R_INPUT_MALFORMED);
    assert_null(tl);
    assert_non_null(strstr(err.msg, "TSPInformation"));
    assert_int_equal(sb_tl_open((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_OK);
    assert_int_equal(tl->content_read, 0);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_R_HASH_MISMATCH);
    assert_int_equal(tl->sig_reason, SB_R_HASH_MISMATCH);
    assert_non_null(strstr(tl->sig_message, "digest does not match"));
    assert_int_equal(sb_tl_verify(tl, NULL, &err), SB_R_HASH_MISMATCH); /* KeyInfo signer: the same */
    assert_int_equal(sb_tl_read(tl, "x", &err), SB_R_INPUT_MALFORMED);
    assert_int_equal(tl->content_read, 0);
    assert_int_equal(tl->n_services, 0);
    assert_string_equal(tl->territory, "");
    assert_int_equal(sb_tl_anchors(tl, 1, &a, &n, &err), SB_R_USAGE);
    sb_tl_free(tl);
    tl = NULL;
    /* the trust-policy loader answers with the signature, not the structure */
    write_tmp(path, t, strlen(t));
    assert_int_equal(sb_tl_load_anchors(path, right, TC_T2025, 0, &a, &n, &err), SB_R_HASH_MISMATCH);
    assert_null(a);
    assert_int_equal(n, 0);
    unlink(path);
    free(t);

    /* the whole TrustServiceProvider removed: still a list (no services), but not the signed one */
    t = cut_span(s, "<TrustServiceProvider>", "</TrustServiceProvider>");
    assert_null(strstr(t, "TrustServiceProvider>"));
    assert_int_equal(sb_tl_open((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_OK);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_R_HASH_MISMATCH);
    assert_int_equal(sb_tl_read(tl, "x", &err), SB_OK);
    assert_int_equal(tl->content_read, 1);
    assert_int_equal(tl->n_services, 0);
    assert_int_equal(sb_tl_anchors(tl, 1, &a, &n, &err), SB_R_USAGE); /* not verified */
    sb_tl_free(tl);
    tl = NULL;
    free(t);

    /* unsigned and without TSPInformation: a missing signature first */
    t = edit(f->list, TSPINFO, "");
    assert_int_equal(sb_tl_open((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_OK);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_R_FORMAT);
    assert_int_equal(sb_tl_read(tl, "x", &err), SB_R_INPUT_MALFORMED);
    sb_tl_free(tl);
    tl = NULL;
    free(t);

    /* signed as it is, without TSPInformation: the signature verifies, the content does not read */
    t = edit(f->list, TSPINFO, "");
    u = signed_list(f, t, NULL, &len);
    assert_int_equal(sb_tl_open((const unsigned char *)u, len, "x", &tl, &err), SB_OK);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_OK);
    assert_int_equal(sb_tl_read(tl, "x", &err), SB_R_INPUT_MALFORMED);
    assert_int_equal(sb_tl_anchors(tl, 1, &a, &n, &err), SB_R_USAGE); /* content not read */
    sb_tl_free(tl);
    tl = NULL;
    free(u);
    free(t);

    /* not XML, or not a TrustServiceStatusList: refused when opened */
    assert_int_equal(sb_tl_open((const unsigned char *)"garbage", 7, "x", &tl, &err), SB_R_INPUT_MALFORMED);
    assert_null(tl);
    t = edit(s, "<TrustServiceStatusList ", "<TrustServiceStatusListX ");
    u = edit(t, "</TrustServiceStatusList>", "</TrustServiceStatusListX>");
    assert_int_equal(sb_tl_open((const unsigned char *)u, strlen(u), "x", &tl, &err), SB_R_INPUT_MALFORMED);
    assert_null(tl);
    assert_non_null(strstr(err.msg, "not an ETSI TS 119 612 trusted list"));
    free(u);
    free(t);
    free(s);
    sk_X509_free(right);
}

/* The common keys, in order, of the `tl show --json` outcome for rc with message msg. */
static void assert_outcome(enum sb_reason rc, const char *msg, int valid, const char *ind, const char *sub,
                           const char *reason)
{
    static const char *const keys[] = { "valid", "indication", "subindication", "reason", "message" };
    json_t *j = sb_report_outcome(rc, msg), *v;
    const char *k;
    size_t i = 0;

    assert_non_null(j);
    assert_int_equal(json_object_size(j), 5);
    json_object_foreach(j, k, v) {
        assert_string_equal(k, keys[i]);
        i++;
    }
    assert_int_equal(json_is_true(json_object_get(j, "valid")), valid);
    assert_int_equal(json_is_false(json_object_get(j, "valid")), !valid);
    assert_string_equal(json_string_value(json_object_get(j, "indication")), ind);
    if (sub == NULL) {
        assert_true(json_is_null(json_object_get(j, "subindication")));
    } else {
        assert_string_equal(json_string_value(json_object_get(j, "subindication")), sub);
    }
    if (reason == NULL) {
        assert_true(json_is_null(json_object_get(j, "reason")));
    } else {
        assert_string_equal(json_string_value(json_object_get(j, "reason")), reason);
    }
    assert_string_equal(json_string_value(json_object_get(j, "message")), msg);
    assert_int_equal(sb_reason_exit_code(rc), valid ? 0 : (strcmp(ind, "INDETERMINATE") == 0 ? 3 : 1));
    json_decref(j);
}

/* valid / foreign signer / tampered / altered structure / expired lists, rendered as tl show renders them. */
static void test_tl_outcome_keys(void **state)
{
    struct fx *f = *state;
    STACK_OF(X509) *right = one(f->signer), *wrong = one(f->other);
    struct sb_tl *tl;
    struct sb_err err;
    size_t len;
    char *s = signed_list(f, f->list, NULL, &len), *t;

    tl = parse_ok(s, len);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_OK);
    assert_outcome(tl->sig_reason, "trusted list valid", 1, "TOTAL_PASSED", NULL, NULL);
    assert_int_equal(sb_tl_verify(tl, wrong, &err), SB_R_SIG_CRYPTO);
    assert_outcome(tl->sig_reason, tl->sig_message, 0, "TOTAL_FAILED", "SIG_CRYPTO_FAILURE", "SIG_CRYPTO");
    assert_int_equal(sb_tl_check_fresh(tl, T2035 + 1, &err), SB_R_REVOCATION_UNAVAILABLE);
    assert_outcome(err.reason, err.msg, 0, "INDETERMINATE", "TRY_LATER", "REVOCATION_UNAVAILABLE");
    sb_tl_free(tl);
    t = edit(s, "<Name xml:lang=\"en\">CA one</Name>", "<Name xml:lang=\"en\">CA 0ne</Name>");
    tl = parse_ok(t, strlen(t));
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_R_HASH_MISMATCH);
    assert_outcome(tl->sig_reason, tl->sig_message, 0, "TOTAL_FAILED", "HASH_FAILURE", "HASH_MISMATCH");
    sb_tl_free(tl);
    free(t);
    t = edit(s, TSPINFO, "");
    assert_int_equal(sb_tl_open((const unsigned char *)t, strlen(t), "x", &tl, &err), SB_OK);
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_R_HASH_MISMATCH);
    assert_outcome(tl->sig_reason, tl->sig_message, 0, "TOTAL_FAILED", "HASH_FAILURE", "HASH_MISMATCH");
    sb_tl_free(tl);
    free(t);
    free(s);
    sk_X509_free(right);
    sk_X509_free(wrong);
}

static void test_tl_anchors(void **state)
{
    struct fx *f = *state;
    STACK_OF(X509) *right = one(f->signer), *at;
    struct sb_tl_anchor *a = NULL;
    struct sb_tl *tl;
    struct sb_err err;
    char path[] = "/tmp/sb-test-tl-XXXXXX";
    size_t len, n = 0;
    char *s = signed_list(f, f->list, NULL, &len);
    int fd;

    tl = parse_ok(s, len);
    assert_int_equal(sb_tl_anchors(tl, 1, &a, &n, &err), SB_R_USAGE); /* not verified */
    assert_int_equal(sb_tl_verify(tl, right, &err), SB_OK);
    assert_int_equal(sb_tl_anchors(tl, 1, &a, &n, &err), SB_OK);
    assert_int_equal(n, 2); /* the two CA services; the TSA is not a CA */
    assert_int_equal(X509_cmp(a[0].cert, f->ca1), 0);
    assert_int_equal(a[0].n_granted, 2);
    assert_non_null(strstr(a[1].service, "CA two"));
    at = sb_tl_anchors_at(a, n, TC_T2025);
    assert_int_equal(sk_X509_num(at), 2);
    sk_X509_pop_free(at, X509_free);
    at = sb_tl_anchors_at(a, n, TC_T2030); /* CA two withdrawn by then */
    assert_int_equal(sk_X509_num(at), 1);
    assert_int_equal(X509_cmp(sk_X509_value(at, 0), f->ca1), 0);
    sk_X509_pop_free(at, X509_free);
    at = sb_tl_anchors_at(a, n, T2022 + TC_DAY); /* CA one withdrawn in 2022 */
    assert_int_equal(sk_X509_num(at), 1);
    assert_int_equal(X509_cmp(sk_X509_value(at, 0), f->ca2), 0);
    sk_X509_pop_free(at, X509_free);
    sb_tl_anchors_free(a, n);
    assert_int_equal(sb_tl_anchors(tl, 0, &a, &n, &err), SB_OK);
    assert_int_equal(n, 3);
    sb_tl_anchors_free(a, n);
    sb_tl_free(tl);

    /* the trust-policy loader's one call */
    assert_true((fd = mkstemp(path)) >= 0);
    assert_int_equal(write(fd, s, len), (ssize_t)len);
    close(fd);
    assert_int_equal(sb_tl_load_anchors(path, right, TC_T2025, 0, &a, &n, &err), SB_OK);
    assert_int_equal(n, 2);
    sb_tl_anchors_free(a, n);
    assert_int_equal(sb_tl_load_anchors(path, right, T2035 + 1, 0, &a, &n, &err), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(sb_tl_load_anchors(path, right, T2035 + 1, 1, &a, &n, &err), SB_OK);
    sb_tl_anchors_free(a, n);
    assert_int_equal(sb_tl_load_anchors(path, NULL, TC_T2025, 0, &a, &n, &err), SB_R_USAGE);
    sk_X509_zero(right);
    assert_true(sk_X509_push(right, f->other) > 0);
    assert_int_equal(sb_tl_load_anchors(path, right, TC_T2025, 0, &a, &n, &err), SB_R_SIG_CRYPTO);
    assert_null(a);
    unlink(path);
    assert_int_equal(sb_tl_load_anchors(path, right, TC_T2025, 0, &a, &n, &err), SB_R_INPUT_UNREADABLE);
    sk_X509_free(right);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tl_parse_fields),
        cmocka_unit_test(test_tl_granted_intervals),
        cmocka_unit_test(test_tl_signature),
        cmocka_unit_test(test_tl_freshness),
        cmocka_unit_test(test_tl_not_a_list),
        cmocka_unit_test(test_tl_anchors),
        cmocka_unit_test(test_tl_signature_before_structure),
        cmocka_unit_test(test_tl_outcome_keys),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
