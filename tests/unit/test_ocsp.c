/*
 * tests/unit/test_ocsp.c — OCSP requests and responses (pki/x509/ocsp.h) and RFC 5940 OCSP responses carried
 * in CMS (pki/cms/cms_parse.c).
 *
 * Certificates and keys are minted in C (testcert.h) and written as PEM into a mkdtemp() directory; the
 * responses come from the real `openssl ocsp` responder run on them (an `openssl ca`-style index.txt, requests
 * made by `openssl ocsp -reqout` or by sb_ocsp_request_build, `-ndays`, `-resp_key_id`, `-resp_no_certs`,
 * `-rmd`, `-sha256`). Only the SM2 and certificateHold responses are built with OpenSSL's OCSP API
 * (OCSP_basic_sign_ctx with the SM2 ID set on the signing context: the CLI cannot set one). The CMS carrying a
 * response is signed by `openssl cms -sign` and the OCSPResponse spliced into its crls field as RFC 5940
 * other [1]. Every check asserts the status, the cause and the returned reason. Responses are fresh (thisUpdate
 * = now), so validation times are relative to the time of the run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pki/base/der.h"
#include "pki/cms/cms.h"
#include "pki/cms/cms_local.h"
#include "pki/x509/cert_decode.h"
#include "pki/x509/ocsp.h"
#include "pki/x509/path.h"
#include "tests/unit/testcert.h"

#define SKEW 300
#define CUSTOM_SM2_ID "ocsp@example.cn"

struct fx {
    char dir[PATH_MAX];
    time_t t0;                        /* before any response was made */
    EVP_PKEY *ca_key, *twin_key, *other_key, *resp_key, *leaf_key, *sm2_key;
    X509 *ca;                         /* CN=OCSP Test CA */
    X509 *twin;                       /* CN=OCSP Test CA with another key */
    X509 *other;                      /* CN=Other CA */
    X509 *leaf, *leaf_rev, *leaf_unk, *leaf_future;   /* serials 3 (good), 4 (revoked), 5 (not in index), 6 */
    X509 *sm2_ca, *sm2_leaf;
};

/* ---- files and commands -------------------------------------------------------------------------- */

static void path_of(const struct fx *f, const char *name, char *buf, size_t len)
{
    assert_true(snprintf(buf, len, "%s/%s", f->dir, name) < (int)len);
}

static void write_bytes(const struct fx *f, const char *name, const unsigned char *b, size_t n)
{
    char path[PATH_MAX];
    FILE *fp;

    path_of(f, name, path, sizeof(path));
    assert_non_null(fp = fopen(path, "wb"));
    assert_int_equal(fwrite(b, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static size_t read_bytes(const struct fx *f, const char *name, unsigned char **out)
{
    char path[PATH_MAX];
    unsigned char *buf;
    FILE *fp;
    long n;

    path_of(f, name, path, sizeof(path));
    assert_non_null(fp = fopen(path, "rb"));
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    assert_true((n = ftell(fp)) > 0);
    rewind(fp);
    assert_non_null(buf = OPENSSL_malloc((size_t)n));
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    assert_int_equal(fclose(fp), 0);
    *out = buf;
    return (size_t)n;
}

static void write_cert(const struct fx *f, const char *name, X509 *x)
{
    char path[PATH_MAX];
    FILE *fp;

    path_of(f, name, path, sizeof(path));
    assert_non_null(fp = fopen(path, "w"));
    assert_int_equal(PEM_write_X509(fp, x), 1);
    assert_int_equal(fclose(fp), 0);
}

static void write_key(const struct fx *f, const char *name, EVP_PKEY *k)
{
    char path[PATH_MAX];
    FILE *fp;

    path_of(f, name, path, sizeof(path));
    assert_non_null(fp = fopen(path, "w"));
    assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL), 1);
    assert_int_equal(fclose(fp), 0);
}

/* Run a shell command (printf-style); its output goes to <dir>/cmd.log. Returns the exit status. */
static int run(const struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(const struct fx *f, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int n, st;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(cmd) - PATH_MAX - 32);
    snprintf(cmd + n, sizeof(cmd) - (size_t)n, " >'%s/cmd.log' 2>&1", f->dir);
    st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) {
        return -1;
    }
    return WEXITSTATUS(st);
}

/* `openssl ocsp` request for the certificate in cert_pem (issuer ca.pem) into req.der; opts e.g. "-no_nonce". */
static void cli_request(const struct fx *f, const char *opts, const char *cert_pem)
{
    assert_int_equal(run(f, "cd '%s' && openssl ocsp -issuer ca.pem %s -cert %s -reqout req.der", f->dir, opts,
                         cert_pem), 0);
}

/* Answer req.der with the `openssl ocsp` responder from index.txt, signed by rsigner/rkey (PEM files in the
 * directory) with extra options; *der gets the response (OPENSSL_free). */
static size_t respond(const struct fx *f, const char *rsigner, const char *rkey, const char *opts, unsigned char **der)
{
    assert_int_equal(run(f, "cd '%s' && openssl ocsp -index index.txt -CA ca.pem -rsigner %s -rkey %s -reqin req.der "
                         "-respout resp.der %s", f->dir, rsigner, rkey, opts), 0);
    return read_bytes(f, "resp.der", der);
}

/* A response for cert_pem: CLI request (SHA-1, no nonce unless req_opts say otherwise), CLI responder. */
static size_t cli_response(const struct fx *f, const char *req_opts, const char *cert_pem, const char *rsigner,
                           const char *rkey, const char *resp_opts, unsigned char **der)
{
    cli_request(f, req_opts, cert_pem);
    return respond(f, rsigner, rkey, resp_opts, der);
}

/* ---- checks ------------------------------------------------------------------------------------- */

/* NID of the signature algorithm of the OCSP response der (read by OpenSSL), to prove what a case tests. */
static int sigalg_nid(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
    OCSP_BASICRESP *bs;
    int nid;

    assert_non_null(r);
    assert_non_null(bs = OCSP_response_get1_basic(r));
    nid = OBJ_obj2nid(OCSP_resp_get0_tbs_sigalg(bs)->algorithm);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(r);
    return nid;
}

static struct sb_ocsp_check_opts opts_at(time_t at)
{
    struct sb_ocsp_check_opts o = { .at = at, .skew_s = SKEW };

    return o;
}

/* Check der for cert/issuer under o; asserts the returned reason, status and cause, and err == result. */
static void expect(const unsigned char *der, size_t len, X509 *cert, X509 *issuer, const struct sb_ocsp_check_opts *o,
                   enum sb_reason want_rc, enum sb_ocsp_status want_status, enum sb_ocsp_cause want_cause,
                   struct sb_ocsp_result *res)
{
    struct sb_err err;
    enum sb_reason rc;

    rc = sb_ocsp_check(der, len, cert, issuer, o, res, &err);
    if (rc != want_rc || res->status != want_status || res->cause != want_cause) {
        fprintf(stderr, "got %s / %s / %s: %s\n", sb_reason_name(rc), sb_ocsp_status_name(res->status),
                sb_ocsp_cause_name(res->cause), res->message);
    }
    assert_int_equal(rc, want_rc);
    assert_int_equal(res->status, want_status);
    assert_int_equal(res->cause, want_cause);
    assert_int_equal(err.reason, want_rc);
    if (want_rc != SB_OK) {
        assert_string_equal(err.msg, res->message);
    }
    assert_true(res->message[0] != '\0');
}

/* ---- fixture ------------------------------------------------------------------------------------ */

static X509 *mk_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial, const char *eku,
                     int nocheck)
{
    static const unsigned char null_der[] = { 0x05, 0x00 };
    struct tc_spec s = tc_spec_of(cn, key, issuer, ikey);
    X509_EXTENSION *ext = NULL;
    X509 *x;

    s.serial = serial;
    s.ku = "critical,digitalSignature";
    s.eku = eku;
    if (nocheck) {
        ext = tc_ext_raw("1.3.6.1.5.5.7.48.1.5", 0, null_der, (int)sizeof(null_der));   /* id-pkix-ocsp-nocheck */
        s.extra[0] = ext;
    }
    x = tc_make(&s);
    X509_EXTENSION_free(ext);
    return x;
}

/* A delegated responder (resp_key, OCSPSigning, nocheck) issued by the CA with keyUsage ku (NULL: the usual
 * digitalSignature) and validity [nb, na] (0: the defaults). */
static X509 *mk_responder(const struct fx *f, const char *cn, long serial, const char *ku, time_t nb, time_t na)
{
    static const unsigned char null_der[] = { 0x05, 0x00 };
    struct tc_spec s = tc_spec_of(cn, f->resp_key, f->ca, f->ca_key);
    X509_EXTENSION *ext = tc_ext_raw("1.3.6.1.5.5.7.48.1.5", 0, null_der, (int)sizeof(null_der));
    X509 *x;

    s.serial = serial;
    s.ku = ku != NULL ? ku : "critical,digitalSignature";
    s.eku = "OCSPSigning";
    s.nb = nb;
    s.na = na;
    s.extra[0] = ext;
    x = tc_make(&s);
    X509_EXTENSION_free(ext);
    return x;
}

static int group_setup(void **state)
{
    static const char index_txt[] =
        "V\t401231235959Z\t\t03\tunknown\t/O=sigbridge tests/CN=leaf\n"
        "R\t401231235959Z\t240101000000Z,keyCompromise\t04\tunknown\t/O=sigbridge tests/CN=leaf-rev\n"
        "R\t401231235959Z\t391231000000Z,superseded\t06\tunknown\t/O=sigbridge tests/CN=leaf-future\n";
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    X509 *x;

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/test_ocsp.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    f->t0 = time(NULL);
    f->ca_key = tc_key_ec();
    f->twin_key = tc_key_ec();
    f->other_key = tc_key_ec();
    f->resp_key = tc_key_ec();
    f->leaf_key = tc_key_ec();
    f->sm2_key = tc_key_sm2();
    f->ca = tc_root("OCSP Test CA", f->ca_key);
    f->twin = tc_root("OCSP Test CA", f->twin_key);
    f->other = tc_root("Other CA", f->other_key);
    f->leaf = mk_cert("leaf", f->leaf_key, f->ca, f->ca_key, 3, NULL, 0);
    f->leaf_rev = mk_cert("leaf-rev", f->leaf_key, f->ca, f->ca_key, 4, NULL, 0);
    f->leaf_unk = mk_cert("leaf-unknown", f->leaf_key, f->ca, f->ca_key, 5, NULL, 0);
    f->leaf_future = mk_cert("leaf-future", f->leaf_key, f->ca, f->ca_key, 6, NULL, 0);
    f->sm2_ca = tc_root("SM2 OCSP CA", f->sm2_key);
    f->sm2_leaf = mk_cert("sm2-leaf", f->leaf_key, f->sm2_ca, f->sm2_key, 3, NULL, 0);

    write_cert(f, "ca.pem", f->ca);
    write_key(f, "ca.key", f->ca_key);
    write_key(f, "resp.key", f->resp_key);
    write_key(f, "leaf.key", f->leaf_key);
    write_cert(f, "leaf.pem", f->leaf);
    write_cert(f, "leaf_rev.pem", f->leaf_rev);
    write_cert(f, "leaf_unk.pem", f->leaf_unk);
    write_cert(f, "leaf_future.pem", f->leaf_future);
    /* delegated responders: all with resp.key, told apart by their names */
    x = mk_cert("Responder", f->resp_key, f->ca, f->ca_key, 10, "OCSPSigning", 1);
    write_cert(f, "resp_ok.pem", x);
    X509_free(x);
    x = mk_cert("Responder without nocheck", f->resp_key, f->ca, f->ca_key, 11, "OCSPSigning", 0);
    write_cert(f, "resp_check.pem", x);
    X509_free(x);
    x = mk_cert("Responder without OCSPSigning", f->resp_key, f->ca, f->ca_key, 12, "clientAuth,emailProtection", 1);
    write_cert(f, "resp_noeku.pem", x);
    X509_free(x);
    x = mk_cert("Responder of the twin", f->resp_key, f->twin, f->twin_key, 13, "OCSPSigning", 1);
    write_cert(f, "resp_twin.pem", x);
    X509_free(x);
    x = mk_cert("Responder of another CA", f->resp_key, f->other, f->other_key, 14, "OCSPSigning", 1);
    write_cert(f, "resp_other.pem", x);
    X509_free(x);
    x = mk_responder(f, "Expired responder", 15, NULL, TC_T2020, TC_T2024);
    write_cert(f, "resp_expired.pem", x);
    X509_free(x);
    x = mk_responder(f, "Responder without digitalSignature", 16, "critical,nonRepudiation", 0, 0);
    write_cert(f, "resp_ku.pem", x);
    X509_free(x);
    write_bytes(f, "index.txt", (const unsigned char *)index_txt, strlen(index_txt));
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[PATH_MAX + 32];

    if (f == NULL) {
        return 0;
    }
    if (strstr(f->dir, "/test_ocsp.") != NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "cannot remove %s\n", f->dir);
        }
    }
    EVP_PKEY_free(f->ca_key);
    EVP_PKEY_free(f->twin_key);
    EVP_PKEY_free(f->other_key);
    EVP_PKEY_free(f->resp_key);
    EVP_PKEY_free(f->leaf_key);
    EVP_PKEY_free(f->sm2_key);
    X509_free(f->ca);
    X509_free(f->twin);
    X509_free(f->other);
    X509_free(f->leaf);
    X509_free(f->leaf_rev);
    X509_free(f->leaf_unk);
    X509_free(f->leaf_future);
    X509_free(f->sm2_ca);
    X509_free(f->sm2_leaf);
    free(f);
    return 0;
}

/* ---- requests ----------------------------------------------------------------------------------- */

static void test_request_same_as_openssl_cli(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_request req;
    struct sb_err err;
    unsigned char *cli = NULL;
    const unsigned char *p;
    OCSP_REQUEST *r;
    X509_EXTENSION *ext;
    const ASN1_OCTET_STRING *v;
    size_t n;

    /* without a nonce: byte for byte what `openssl ocsp -no_nonce` sends */
    assert_int_equal(sb_ocsp_request_build(f->leaf, f->ca, 0, &req, &err), SB_OK);
    cli_request(f, "-no_nonce", "leaf.pem");
    n = read_bytes(f, "req.der", &cli);
    assert_int_equal(req.der_len, n);
    assert_memory_equal(req.der, cli, n);
    assert_int_equal(req.nonce_len, 0);
    sb_ocsp_request_clear(&req);
    OPENSSL_free(cli);

    /* with a nonce: the extension value is OCTET STRING { the nonce returned }, and the CLI reads it */
    assert_int_equal(sb_ocsp_request_build(f->leaf, f->ca, 32, &req, &err), SB_OK);
    assert_int_equal(req.nonce_len, 32);
    p = req.der;
    assert_non_null(r = d2i_OCSP_REQUEST(NULL, &p, (long)req.der_len));
    assert_ptr_equal(p, req.der + req.der_len);
    assert_int_equal(OCSP_request_onereq_count(r), 1);
    assert_non_null(ext = OCSP_REQUEST_get_ext(r, OCSP_REQUEST_get_ext_by_NID(r, NID_id_pkix_OCSP_Nonce, -1)));
    v = X509_EXTENSION_get_data(ext);
    assert_int_equal(ASN1_STRING_length(v), 34);
    assert_int_equal(ASN1_STRING_get0_data(v)[0], 0x04);
    assert_int_equal(ASN1_STRING_get0_data(v)[1], 32);
    assert_memory_equal(ASN1_STRING_get0_data(v) + 2, req.nonce, 32);
    OCSP_REQUEST_free(r);
    write_bytes(f, "req.der", req.der, req.der_len);
    assert_int_equal(run(f, "openssl ocsp -reqin '%s/req.der' -req_text -noverify", f->dir), 0);
    sb_ocsp_request_clear(&req);

    /* RFC 8954 sizes */
    assert_int_equal(sb_ocsp_request_build(f->leaf, f->ca, 8, &req, &err), SB_R_USAGE);
    assert_int_equal(sb_ocsp_request_build(f->leaf, f->ca, 33, &req, &err), SB_R_USAGE);
    assert_non_null(strstr(err.msg, "16 to 32"));
    assert_int_equal(sb_ocsp_request_build(NULL, f->ca, 0, &req, &err), SB_R_USAGE);
    assert_null(req.der);
}

static void test_get_url(void **state)
{
    static const unsigned char bytes[] = { 0xfb, 0xff, 0xbf, 0x00 };   /* base64 "+/+/AA==" */
    struct fx *f = *state;
    struct sb_ocsp_request req;
    struct sb_err err;
    char *url = NULL;

    assert_int_equal(sb_ocsp_get_url("http://ocsp.example/", bytes, sizeof(bytes), &url, &err), SB_OK);
    assert_string_equal(url, "http://ocsp.example/%2B%2F%2B%2FAA%3D%3D");
    OPENSSL_free(url);
    assert_int_equal(sb_ocsp_get_url("http://ocsp.example/ocsp", bytes, sizeof(bytes), &url, &err), SB_OK);
    assert_string_equal(url, "http://ocsp.example/ocsp/%2B%2F%2B%2FAA%3D%3D");
    OPENSSL_free(url);
    assert_int_equal(sb_ocsp_get_url("", bytes, sizeof(bytes), &url, &err), SB_R_USAGE);
    assert_null(url);

    /* a real SHA-1 request without nonce fits RFC 5019's GET limit */
    assert_int_equal(sb_ocsp_request_build(f->leaf, f->ca, 0, &req, &err), SB_OK);
    assert_int_equal(sb_ocsp_get_url("http://127.0.0.1:8080", req.der, req.der_len, &url, &err), SB_OK);
    assert_true(strncmp(url, "http://127.0.0.1:8080/M", 23) == 0);
    assert_true(strlen(url) < SB_OCSP_GET_MAX);
    OPENSSL_free(url);
    sb_ocsp_request_clear(&req);
}

/* ---- responses from `openssl ocsp` --------------------------------------------------------------- */

static void test_good_signed_by_ca(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL, h[32];
    size_t n;

    n = cli_response(f, "-no_nonce", "leaf.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_CA);
    assert_int_equal(res.response_status, 0);
    assert_int_equal(res.nonce, SB_OCSP_NONCE_NOT_SENT);
    assert_int_equal(res.certid_sha256, 0);
    assert_int_equal(res.revocation_reason, -1);
    assert_true(res.this_update >= f->t0 - 1 && res.this_update <= time(NULL) + 1);
    assert_int_equal(res.next_update - res.this_update, 86400);
    assert_true(res.produced_at >= f->t0 - 1 && res.produced_at <= time(NULL) + 1);
    assert_non_null(EVP_Digest(der, n, h, NULL, EVP_sha256(), NULL) ? h : NULL);
    assert_memory_equal(res.sha256, h, 32);
    assert_non_null(strstr(res.message, "serial 03 is good"));
    assert_non_null(strstr(res.message, "signed by the issuing CA"));
    OPENSSL_free(der);

    /* ResponderID byKey */
    n = respond(f, "ca.pem", "ca.key", "-ndays 1 -resp_key_id -resp_no_certs", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_CA);
    OPENSSL_free(der);

    /* the same response checked against the twin CA (same name, other key) does not verify */
    n = respond(f, "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->twin, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_OTHER_CERT, &res);
    OPENSSL_free(der);
}

static void test_good_delegated_responder(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    n = cli_response(f, "-no_nonce", "leaf.pem", "resp_ok.pem", "resp.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_DELEGATED);
    assert_int_equal(res.responder_nocheck, 1);
    assert_int_equal(res.responder_status_unchecked, 0);
    assert_non_null(strstr(res.message, "id-pkix-ocsp-nocheck"));
    OPENSSL_free(der);

    /* byKey names the carried responder certificate too */
    n = respond(f, "resp_ok.pem", "resp.key", "-ndays 1 -resp_key_id", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_DELEGATED);
    OPENSSL_free(der);

    /* without id-pkix-ocsp-nocheck: accepted, and the result says the responder's status was not checked */
    n = respond(f, "resp_check.pem", "resp.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_DELEGATED);
    assert_int_equal(res.responder_nocheck, 0);
    assert_int_equal(res.responder_status_unchecked, 1);
    assert_non_null(strstr(res.message, "not checked"));
    OPENSSL_free(der);

    /* the responder certificate left out: nobody the ResponderID names can be found */
    n = respond(f, "resp_ok.pem", "resp.key", "-ndays 1 -resp_no_certs", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE,
           SB_OCSP_C_RESPONDER_NOT_AUTHORISED, &res);
    assert_int_equal(res.detail, SB_R_NO_SIGNING_CERTIFICATE_FOUND);
    OPENSSL_free(der);
}

static void test_revoked_with_reason_and_time(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    n = cli_response(f, "-no_nonce", "leaf_rev.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf_rev, f->ca, &o, SB_R_REVOKED, SB_OCSP_REVOKED, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.revocation_time, TC_T2024);
    assert_int_equal(res.revocation_reason, 1);   /* keyCompromise */
    assert_int_equal(res.revoked_after_at, 0);
    assert_non_null(strstr(res.message, "revoked at 2024-01-01T00:00:00Z (reason 1)"));

    /* stale, but revocation is final: still REVOKED (as a stale CRL listing it, DESIGN §7) */
    o.at = time(NULL) + 3 * TC_DAY;
    expect(der, n, f->leaf_rev, f->ca, &o, SB_R_REVOKED, SB_OCSP_REVOKED, SB_OCSP_C_NONE, &res);
    assert_non_null(strstr(res.message, "stale"));
    OPENSSL_free(der);

    /* revoked after the validation time: passes, and the result names it */
    o.at = time(NULL);
    n = cli_response(f, "-no_nonce", "leaf_future.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf_future, f->ca, &o, SB_OK, SB_OCSP_REVOKED, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.revoked_after_at, 1);
    assert_int_equal(res.revocation_reason, 4);   /* superseded */
    assert_non_null(strstr(res.message, "after the validation time"));
    OPENSSL_free(der);
}

static void test_unknown(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    n = cli_response(f, "-no_nonce", "leaf_unk.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf_unk, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNKNOWN, SB_OCSP_C_NONE, &res);
    assert_non_null(strstr(res.message, "does not know serial 05"));
    OPENSSL_free(der);
}

static void test_delegated_responder_refused(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    cli_request(f, "-no_nonce", "leaf.pem");
    n = respond(f, "resp_noeku.pem", "resp.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE,
           SB_OCSP_C_RESPONDER_NO_OCSP_SIGNING, &res);
    assert_int_equal(res.detail, SB_R_EKU);
    assert_non_null(strstr(res.message, "id-kp-OCSPSigning"));
    OPENSSL_free(der);

    /* issued by a CA with the same name but another key: its signature does not verify with the issuer's key */
    n = respond(f, "resp_twin.pem", "resp.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE,
           SB_OCSP_C_RESPONDER_NOT_ISSUED_BY_CA, &res);
    assert_int_equal(res.detail, SB_R_SIG_CRYPTO);
    OPENSSL_free(der);

    /* expired before producedAt */
    n = respond(f, "resp_expired.pem", "resp.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE,
           SB_OCSP_C_RESPONDER_NOT_AUTHORISED, &res);
    assert_int_equal(res.detail, SB_R_CERT_EXPIRED);
    OPENSSL_free(der);

    /* keyUsage without digitalSignature */
    n = respond(f, "resp_ku.pem", "resp.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE,
           SB_OCSP_C_RESPONDER_NOT_AUTHORISED, &res);
    assert_int_equal(res.detail, SB_R_KEY_USAGE);
    OPENSSL_free(der);

    /* issued by another CA */
    n = respond(f, "resp_other.pem", "resp.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE,
           SB_OCSP_C_RESPONDER_NOT_ISSUED_BY_CA, &res);
    assert_non_null(strstr(res.message, "CN=Other CA"));
    OPENSSL_free(der);
}

static void test_freshness(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    n = cli_response(f, "-no_nonce", "leaf.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    /* after nextUpdate (+ skew) */
    o.at = time(NULL) + 2 * TC_DAY;
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_STALE, &res);
    assert_non_null(strstr(res.message, "nextUpdate"));
    /* within the skew after nextUpdate */
    o.at = res.next_update + SKEW - 1;
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    /* before thisUpdate / producedAt (beyond the skew) */
    o.at = f->t0 - 2 * SKEW;
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_NOT_YET_VALID, &res);
    OPENSSL_free(der);

    /* no nextUpdate: the caller's maximum age decides */
    n = respond(f, "ca.pem", "ca.key", "", &der);
    o.at = time(NULL);
    o.max_age_s = 3600;
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.next_update, 0);
    assert_non_null(strstr(res.message, "nextUpdate none"));
    o.at = res.this_update + 7200;
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_STALE, &res);
    assert_non_null(strstr(res.message, "no nextUpdate"));
    o.max_age_s = 0;   /* default: one day */
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    OPENSSL_free(der);
}

static void test_response_for_another_certificate(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    n = cli_response(f, "-no_nonce", "leaf_rev.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_OTHER_CERT, &res);
    assert_non_null(strstr(res.message, "no SingleResponse"));
    /* the right serial under another issuer */
    expect(der, n, f->leaf_rev, f->other, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_OTHER_CERT,
           &res);
    OPENSSL_free(der);
}

static void test_tampered_response(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n, i;

    /* the signature is the last element without certs: change its last byte */
    n = cli_response(f, "-no_nonce", "leaf.pem", "ca.pem", "ca.key", "-ndays 1 -resp_no_certs", &der);
    der[n - 1] ^= 0x01;
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_BAD_SIGNATURE, &res);
    assert_int_equal(res.detail, SB_R_SIG_CRYPTO);
    der[n - 1] ^= 0x01;
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);

    /* one digit of producedAt (the first GeneralizedTime: 0x18 0x0F YYYYMMDDHHMMSSZ) inside tbsResponseData */
    for (i = 0; i + 17 <= n && !(der[i] == 0x18 && der[i + 1] == 0x0F); i++) {
    }
    assert_true(i + 17 <= n);
    der[i + 2 + 13] = der[i + 2 + 13] == '0' ? '1' : '0';    /* a seconds digit */
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_BAD_SIGNATURE, &res);
    OPENSSL_free(der);

    /* a tampered "revoked" response: the revocationTime and reason it claims are not reported (fuzz_ocsp) */
    n = cli_response(f, "-no_nonce", "leaf_rev.pem", "ca.pem", "ca.key", "-ndays 1 -resp_no_certs", &der);
    der[n - 1] ^= 0x01;
    expect(der, n, f->leaf_rev, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_BAD_SIGNATURE,
           &res);
    assert_int_equal(res.revocation_time, 0);
    assert_int_equal(res.revocation_reason, -1);
    assert_int_equal(res.revoked_after_at, 0);
    OPENSSL_free(der);
}

static void test_sha256_certid(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    n = cli_response(f, "-no_nonce -sha256", "leaf.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.certid_sha256, 1);
    OPENSSL_free(der);

    /* other CertID algorithms never match */
    n = cli_response(f, "-no_nonce -sha384", "leaf.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_OTHER_CERT, &res);
    OPENSSL_free(der);
}

static void test_nonce(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_request req;
    struct sb_ocsp_result res;
    struct sb_err err;
    unsigned char *der = NULL, other[16];
    size_t n;

    /* our request with a nonce, answered by `openssl ocsp`, which copies it */
    assert_int_equal(sb_ocsp_request_build(f->leaf, f->ca, 16, &req, &err), SB_OK);
    write_bytes(f, "req.der", req.der, req.der_len);
    n = respond(f, "ca.pem", "ca.key", "-ndays 1", &der);
    o.nonce = req.nonce;
    o.nonce_len = req.nonce_len;
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.nonce, SB_OCSP_NONCE_MATCHED);
    /* another request's nonce: a replayed response */
    memcpy(other, req.nonce, sizeof(other));
    other[5] ^= 0x80;
    o.nonce = other;
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_NONCE_MISMATCH, &res);
    assert_int_equal(res.nonce, SB_OCSP_NONCE_MISMATCH);
    /* nonce not sent: the response's is ignored */
    o.nonce = NULL;
    o.nonce_len = 0;
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.nonce, SB_OCSP_NONCE_NOT_SENT);
    OPENSSL_free(der);
    sb_ocsp_request_clear(&req);

    /* a response without nonce (RFC 5019 caching responders) to a request with one: accepted, and said */
    assert_int_equal(sb_ocsp_request_build(f->leaf, f->ca, 0, &req, &err), SB_OK);
    write_bytes(f, "req.der", req.der, req.der_len);
    n = respond(f, "ca.pem", "ca.key", "-ndays 1", &der);
    o.nonce = other;
    o.nonce_len = sizeof(other);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.nonce, SB_OCSP_NONCE_ABSENT);
    assert_non_null(strstr(res.message, "no nonce"));
    OPENSSL_free(der);
    sb_ocsp_request_clear(&req);
}

static void test_signature_algorithms(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    struct sb_algs algs;
    unsigned char *der = NULL;
    size_t n;

    /* ECDSA with SHA-1: refused by the default allow-list, accepted when SHA-1 is allowed */
    n = cli_response(f, "-no_nonce", "leaf.pem", "ca.pem", "ca.key", "-ndays 1 -rmd sha1", &der);
    assert_int_equal(sigalg_nid(der, n), NID_ecdsa_with_SHA1);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_WEAK_ALGORITHM, &res);
    assert_int_equal(res.detail, SB_R_WEAK_ALGORITHM);
    sb_algs_default(&algs);
    algs.allow_sha1 = 1;
    o.algs = &algs;
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    OPENSSL_free(der);
    /* a policy allow-list without ECDSA-SHA384 */
    algs.allow_sha1 = 0;
    algs.sig_allow = SB_SIGALG_ECDSA_SHA256;
    n = respond(f, "ca.pem", "ca.key", "-ndays 1 -rmd sha384", &der);
    assert_int_equal(sigalg_nid(der, n), NID_ecdsa_with_SHA384);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_WEAK_ALGORITHM, &res);
    algs.sig_allow = 0;
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    OPENSSL_free(der);
}

/* RSA-PSS and Ed25519 delegated responders (the response signature under other algorithms). */
static void test_rsa_pss_and_ed25519_responders(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    EVP_PKEY *rsa = tc_key_rsa(2048), *ed = tc_key_ed25519();
    unsigned char *der = NULL;
    X509 *x;
    size_t n;

    x = mk_cert("RSA Responder", rsa, f->ca, f->ca_key, 20, "OCSPSigning", 1);
    write_cert(f, "resp_rsa.pem", x);
    write_key(f, "resp_rsa.key", rsa);
    X509_free(x);
    x = mk_cert("Ed25519 Responder", ed, f->ca, f->ca_key, 21, "OCSPSigning", 1);
    write_cert(f, "resp_ed.pem", x);
    write_key(f, "resp_ed.key", ed);
    X509_free(x);

    cli_request(f, "-no_nonce", "leaf.pem");
    n = respond(f, "resp_rsa.pem", "resp_rsa.key", "-ndays 1 -rsigopt rsa_padding_mode:pss", &der);
    assert_int_equal(sigalg_nid(der, n), NID_rsassaPss);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_DELEGATED);
    der[n / 2] ^= 0x20;   /* somewhere in the middle: tbs or signature, either way refused */
    assert_int_equal(sb_ocsp_check(der, n, f->leaf, f->ca, &o, &res, NULL), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(res.status, SB_OCSP_UNUSABLE);
    OPENSSL_free(der);
    n = respond(f, "resp_rsa.pem", "resp_rsa.key", "-ndays 1", &der);
    assert_int_equal(sigalg_nid(der, n), NID_sha256WithRSAEncryption);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    OPENSSL_free(der);
    n = respond(f, "resp_ed.pem", "resp_ed.key", "-ndays 1", &der);
    assert_int_equal(sigalg_nid(der, n), NID_ED25519);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    OPENSSL_free(der);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
}

/* ---- responses built with OpenSSL's OCSP API ------------------------------------------------------ */

/* A successful response about cert (issuer) signed by signer/skey (SM2: under sm2_id); thisUpdate now,
 * nextUpdate now + 1 day. *der new (OPENSSL_free). */
static size_t api_response_ext(X509 *cert, X509 *issuer, X509 *signer, EVP_PKEY *skey, const char *sm2_id, int status,
                               int reason, time_t revtime, X509_EXTENSION *ext, unsigned char **der)
{
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, cert, issuer);
    ASN1_TIME *tu = ASN1_TIME_set(NULL, time(NULL)), *nu = ASN1_TIME_set(NULL, time(NULL) + TC_DAY);
    ASN1_TIME *rt = status == V_OCSP_CERTSTATUS_REVOKED ? ASN1_TIME_set(NULL, revtime) : NULL;
    EVP_MD_CTX *mctx = tc_sign_ctx(skey, NULL, sm2_id);
    OCSP_RESPONSE *resp;
    int n;

    assert_non_null(bs);
    assert_non_null(id);
    assert_non_null(OCSP_basic_add1_status(bs, id, status, reason, rt, tu, nu));
    if (ext != NULL) {
        assert_int_equal(OCSP_BASICRESP_add_ext(bs, ext, -1), 1);
    }
    assert_int_equal(OCSP_basic_sign_ctx(bs, signer, mctx, NULL, 0), 1);
    assert_non_null(resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs));
    *der = NULL;
    assert_true((n = i2d_OCSP_RESPONSE(resp, der)) > 0);
    OCSP_RESPONSE_free(resp);
    EVP_MD_CTX_free(mctx);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    ASN1_TIME_free(rt);
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    return (size_t)n;
}

static size_t api_response(X509 *cert, X509 *issuer, X509 *signer, EVP_PKEY *skey, const char *sm2_id, int status,
                           int reason, time_t revtime, unsigned char **der)
{
    return api_response_ext(cert, issuer, signer, skey, sm2_id, status, reason, revtime, NULL, der);
}

/* An intermediate CA and its leaf as the gateway decodes carried certificates (pki/x509/cert_decode.h: the
 * key built from the SPKI, none inside the X509; a self-issued root would take OpenSSL's own decoder):
 * responses signed by that CA, and by a delegated responder it issued, still verify. */
static X509 *cheap_copy(X509 *x)
{
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    X509 *c;

    assert_true(len > 0);
    assert_non_null(c = sb_cert_d2i(der, (size_t)len));
    OPENSSL_free(der);
    assert_null(X509_get0_pubkey(c));                  /* really the cheap decode */
    assert_non_null(sb_cert_pubkey(c));
    return c;
}

static void test_intermediate_decoded_cheaply(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    EVP_PKEY *ik = tc_key_ec(), *rk = tc_key_ec(), *lk = tc_key_ec();
    X509 *inter = tc_inter("OCSP Intermediate", ik, f->ca, f->ca_key, -1);
    X509 *leaf = mk_cert("leaf under the intermediate", lk, inter, ik, 0x41, NULL, 0);
    X509 *resp = mk_cert("intermediate's responder", rk, inter, ik, 0x42, "OCSPSigning", 1);
    X509 *ci = cheap_copy(inter), *cl = cheap_copy(leaf);
    unsigned char *der = NULL;
    size_t n;

    n = api_response(leaf, inter, inter, ik, NULL, V_OCSP_CERTSTATUS_GOOD, -1, 0, &der);
    expect(der, n, cl, ci, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_CA);
    OPENSSL_free(der);
    n = api_response(leaf, inter, resp, rk, NULL, V_OCSP_CERTSTATUS_REVOKED, 1, time(NULL) - 3600, &der);
    expect(der, n, cl, ci, &o, SB_R_REVOKED, SB_OCSP_REVOKED, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_DELEGATED);
    assert_int_equal(res.revocation_reason, 1);
    OPENSSL_free(der);
    X509_free(cl);
    X509_free(ci);
    X509_free(resp);
    X509_free(leaf);
    X509_free(inter);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
}

static void test_sm2_response_distinguishing_id(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    /* signed with the GM/T default ID */
    n = api_response(f->sm2_leaf, f->sm2_ca, f->sm2_ca, f->sm2_key, NULL, V_OCSP_CERTSTATUS_GOOD, -1, 0, &der);
    assert_int_equal(sigalg_nid(der, n), NID_SM2_with_SM3);
    expect(der, n, f->sm2_leaf, f->sm2_ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_CA);
    o.sm2_id = TC_SM2_ID;
    expect(der, n, f->sm2_leaf, f->sm2_ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    o.sm2_id = CUSTOM_SM2_ID;
    expect(der, n, f->sm2_leaf, f->sm2_ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_BAD_SIGNATURE,
           &res);
    assert_int_equal(res.detail, SB_R_SM2_ID_MISMATCH);
    assert_non_null(strstr(res.message, CUSTOM_SM2_ID));
    OPENSSL_free(der);

    /* signed with another ID: verifies only under that ID */
    n = api_response(f->sm2_leaf, f->sm2_ca, f->sm2_ca, f->sm2_key, CUSTOM_SM2_ID, V_OCSP_CERTSTATUS_GOOD, -1, 0, &der);
    expect(der, n, f->sm2_leaf, f->sm2_ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    o.sm2_id = NULL;
    expect(der, n, f->sm2_leaf, f->sm2_ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_BAD_SIGNATURE,
           &res);
    assert_int_equal(res.detail, SB_R_SIG_CRYPTO);
    OPENSSL_free(der);
}

static void test_certificate_hold_is_not_final(void **state)
{
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    unsigned char *der = NULL;
    size_t n;

    n = api_response(f->leaf, f->ca, f->ca, f->ca_key, NULL, V_OCSP_CERTSTATUS_REVOKED,
                     OCSP_REVOKED_STATUS_CERTIFICATEHOLD, TC_T2025, &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOKED, SB_OCSP_REVOKED, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.revocation_reason, 6);
    assert_int_equal(res.revocation_time, TC_T2025);
    o.at = time(NULL) + 3 * TC_DAY;       /* stale: a hold may have been released since */
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_STALE, &res);
    OPENSSL_free(der);
    /* a CRLReason RFC 5280 does not define (fuzz_ocsp): still revoked, the reason reported as unknown */
    o.at = time(NULL);
    n = api_response(f->leaf, f->ca, f->ca, f->ca_key, NULL, V_OCSP_CERTSTATUS_REVOKED, 41, TC_T2025, &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOKED, SB_OCSP_REVOKED, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.revocation_reason, SB_OCSP_REASON_UNKNOWN);
    OPENSSL_free(der);
}

static void test_unknown_critical_extension(void **state)
{
    static const unsigned char null_der[] = { 0x05, 0x00 };
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    X509_EXTENSION *crit = tc_ext_raw("1.3.6.1.4.1.99999.7", 1, null_der, (int)sizeof(null_der));
    X509_EXTENSION *plain = tc_ext_raw("1.3.6.1.4.1.99999.7", 0, null_der, (int)sizeof(null_der));
    unsigned char *der = NULL;
    size_t n;

    n = api_response_ext(f->leaf, f->ca, f->ca, f->ca_key, NULL, V_OCSP_CERTSTATUS_GOOD, -1, 0, crit, &der);
    expect(der, n, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_CRITICAL_EXTENSION,
           &res);
    assert_non_null(strstr(res.message, "1.3.6.1.4.1.99999.7"));
    OPENSSL_free(der);
    /* the same extension non-critical is ignored */
    n = api_response_ext(f->leaf, f->ca, f->ca, f->ca_key, NULL, V_OCSP_CERTSTATUS_GOOD, -1, 0, plain, &der);
    expect(der, n, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    OPENSSL_free(der);
    X509_EXTENSION_free(crit);
    X509_EXTENSION_free(plain);
}

static void test_malformed_and_unsuccessful(void **state)
{
    static const unsigned char try_later[] = { 0x30, 0x03, 0x0a, 0x01, 0x03 };
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    struct sb_derbuf inner, rb, top;
    unsigned char *der = NULL, *big, *cert = NULL, *lib = NULL;
    OCSP_RESPONSE *resp;
    size_t n;
    int cn, ln;

    n = cli_response(f, "-no_nonce", "leaf.pem", "ca.pem", "ca.key", "-ndays 1", &der);
    /* truncated */
    expect(der, n - 7, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_MALFORMED, &res);
    /* trailing garbage */
    assert_non_null(big = OPENSSL_malloc(n + 3));
    memcpy(big, der, n);
    memcpy(big + n, "\x00\x00\x01", 3);
    expect(big, n + 3, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_MALFORMED, &res);
    assert_int_equal(res.response_status, -1);
    OPENSSL_free(big);
    /* empty */
    expect(der, 0, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_MALFORMED, &res);
    OPENSSL_free(der);
    /* not OCSP: a certificate */
    cn = tc_der(f->leaf, &cert);
    expect(cert, (size_t)cn, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_MALFORMED,
           &res);
    assert_non_null(strstr(res.message, "not an OCSPResponse"));

    /* tryLater, as OpenSSL's OCSP_response_create writes it and as written by hand */
    assert_non_null(resp = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL));
    assert_true((ln = i2d_OCSP_RESPONSE(resp, &lib)) > 0);
    OCSP_RESPONSE_free(resp);
    assert_int_equal((size_t)ln, sizeof(try_later));
    assert_memory_equal(lib, try_later, sizeof(try_later));
    expect(lib, (size_t)ln, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE,
           SB_OCSP_C_UNSUCCESSFUL, &res);
    assert_int_equal(res.response_status, 3);
    assert_non_null(strstr(res.message, "tryLater"));
    OPENSSL_free(lib);

    /* a successful response whose type is not id-pkix-ocsp-basic */
    sb_derbuf_init(&inner);
    sb_derbuf_init(&rb);
    sb_derbuf_init(&top);
    sb_derbuf_oid(&inner, "1.3.6.1.5.5.7.48.1.99");
    sb_derbuf_tlv(&inner, 0x04, cert, (size_t)cn);
    sb_derbuf_wrap(&rb, 0x30, &inner);
    sb_derbuf_free(&inner);
    sb_derbuf_wrap(&inner, 0xA0, &rb);
    sb_derbuf_put(&top, "\x0a\x01\x00", 3);
    sb_derbuf_put(&top, inner.data, inner.len);
    sb_derbuf_free(&rb);
    sb_derbuf_wrap(&rb, 0x30, &top);
    assert_int_equal(sb_derbuf_check(&rb, "test", NULL), SB_OK);
    expect(rb.data, rb.len, f->leaf, f->ca, &o, SB_R_REVOCATION_UNAVAILABLE, SB_OCSP_UNUSABLE, SB_OCSP_C_MALFORMED,
           &res);
    assert_int_equal(res.response_status, 0);
    assert_non_null(strstr(res.message, "not id-pkix-ocsp-basic"));
    sb_derbuf_free(&inner);
    sb_derbuf_free(&rb);
    sb_derbuf_free(&top);
    OPENSSL_free(cert);

    /* bad arguments */
    assert_int_equal(sb_ocsp_check(try_later, sizeof(try_later), NULL, f->ca, &o, &res, NULL), SB_R_USAGE);
}

/* ---- RFC 5940: an OCSP response inside CMS -------------------------------------------------------- */

/* cms (a DER ContentInfo/SignedData without crls) with crls [1] { other [1] { format, value } } spliced in
 * before signerInfos. *out new (sb_derbuf). */
static void splice_other_rev_info(const unsigned char *cms, size_t len, const char *format,
                                  const unsigned char *value, size_t vlen, struct sb_derbuf *out)
{
    struct sb_der top, ci, x, sd;
    struct sb_der_elem e, oid, elem;
    struct sb_derbuf sdc, other, crls, tmp;

    sb_derbuf_init(&sdc);
    sb_derbuf_init(&other);
    sb_derbuf_init(&crls);
    sb_derbuf_init(&tmp);
    sb_der_init(&top, cms, len, NULL);
    assert_int_equal(sb_der_next(&top, &e, "ContentInfo", NULL), SB_OK);
    assert_int_equal(sb_der_enter(&top, &e, &ci, "ContentInfo", NULL), SB_OK);
    assert_int_equal(sb_der_next(&ci, &oid, "contentType", NULL), SB_OK);
    assert_int_equal(sb_der_next(&ci, &e, "content", NULL), SB_OK);
    assert_int_equal(sb_der_enter(&ci, &e, &x, "content", NULL), SB_OK);
    assert_int_equal(sb_der_next(&x, &e, "SignedData", NULL), SB_OK);
    assert_int_equal(sb_der_enter(&x, &e, &sd, "SignedData", NULL), SB_OK);
    sb_derbuf_oid(&other, format);
    sb_derbuf_put(&other, value, vlen);
    sb_derbuf_wrap(&crls, 0xA1, &other);          /* other [1] IMPLICIT OtherRevocationInfoFormat */
    while (sb_der_more(&sd)) {
        assert_int_equal(sb_der_next(&sd, &elem, "SignedData element", NULL), SB_OK);
        assert_false(elem.cls == SB_DER_CONTEXT && elem.tag == 1);
        if (elem.cls == SB_DER_UNIVERSAL && elem.tag == V_ASN1_SET && !sb_der_more(&sd)) {
            sb_derbuf_wrap(&sdc, 0xA1, &crls);    /* crls [1] IMPLICIT RevocationInfoChoices, before signerInfos */
        }
        sb_derbuf_put(&sdc, elem.der, elem.der_len);
    }
    sb_derbuf_wrap(&tmp, 0x30, &sdc);             /* SignedData */
    sb_derbuf_free(&other);
    sb_derbuf_wrap(&other, 0xA0, &tmp);           /* [0] EXPLICIT */
    sb_derbuf_free(&tmp);
    sb_derbuf_put(&tmp, oid.der, oid.der_len);
    sb_derbuf_put(&tmp, other.data, other.len);
    sb_derbuf_init(out);
    sb_derbuf_wrap(out, 0x30, &tmp);
    assert_int_equal(sb_derbuf_check(out, "spliced CMS", NULL), SB_OK);
    sb_derbuf_free(&sdc);
    sb_derbuf_free(&other);
    sb_derbuf_free(&crls);
    sb_derbuf_free(&tmp);
}

/* sb_cms_verify of in with ca as the anchor at now, revocation mode: the reason. */
static enum sb_reason cms_verdict_rev(const struct fx *f, const unsigned char *in, size_t len,
                                      enum sb_revocation_mode mode, int no_object_crls)
{
    struct sb_path_opts po;
    struct sb_cms_verify_opts vo;
    struct sb_cms_result r;
    STACK_OF(X509) *anchors = tc_stack(f->ca, NULL);
    enum sb_reason rc;

    sb_path_opts_init(&po);
    po.at = time(NULL);
    po.revocation = mode;
    po.skew_s = SKEW;
    memset(&vo, 0, sizeof(vo));
    memset(&r, 0, sizeof(r));
    vo.path = &po;
    vo.anchors = anchors;
    vo.no_object_crls = no_object_crls;
    rc = sb_cms_verify(in, len, &vo, &r, NULL);
    sb_cms_result_clear(&r);
    sk_X509_pop_free(anchors, X509_free);
    return rc;
}

static enum sb_reason cms_verdict(const struct fx *f, const unsigned char *in, size_t len)
{
    return cms_verdict_rev(f, in, len, SB_REV_OFF, 0);
}

static void test_cms_embedded_ocsp_response(void **state)
{
    static const char data[] = "signed with an OCSP response alongside\n";
    struct fx *f = *state;
    struct sb_ocsp_check_opts o = opts_at(time(NULL));
    struct sb_ocsp_result res;
    struct sb_cms_parsed p;
    struct sb_derbuf spliced;
    struct sb_err err;
    unsigned char *resp = NULL, *cms = NULL;
    size_t rn, cn;

    rn = cli_response(f, "-no_nonce", "leaf.pem", "ca.pem", "ca.key", "-ndays 1", &resp);
    write_bytes(f, "data.txt", (const unsigned char *)data, strlen(data));
    assert_int_equal(run(f, "cd '%s' && openssl cms -sign -binary -nodetach -in data.txt -signer leaf.pem "
                         "-inkey leaf.key -certfile ca.pem -outform DER -out cms.der", f->dir), 0);
    cn = read_bytes(f, "cms.der", &cms);
    assert_int_equal(cms_verdict(f, cms, cn), SB_OK);

    splice_other_rev_info(cms, cn, SB_OID_RI_OCSP_RESPONSE, resp, rn, &spliced);
    assert_int_equal(sb_cms_parse(spliced.data, spliced.len, NULL, NULL, &p, &err), SB_OK);
    assert_int_equal(p.n_ocsps, 1);
    assert_int_equal(p.ocsps[0].len, rn);
    assert_memory_equal(p.ocsps[0].der, resp, rn);
    assert_int_equal(sk_X509_CRL_num(p.crls), 0);
    assert_int_equal(p.n_si, 1);
    /* what the parser kept is the response, usable without network */
    expect(p.ocsps[0].der, p.ocsps[0].len, f->leaf, f->ca, &o, SB_OK, SB_OCSP_GOOD, SB_OCSP_C_NONE, &res);
    assert_int_equal(res.responder, SB_OCSP_RESPONDER_CA);
    sb_cms_parsed_free(&p);
    /* without revocation the verdict does not change; under require the embedded response decides it, unless
     * the object's revocation data are not to be used (revocation.sources without embedded) */
    assert_int_equal(cms_verdict(f, spliced.data, spliced.len), SB_OK);
    assert_int_equal(cms_verdict_rev(f, cms, cn, SB_REV_REQUIRE, 0), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(cms_verdict_rev(f, spliced.data, spliced.len, SB_REV_REQUIRE, 0), SB_OK);
    assert_int_equal(cms_verdict_rev(f, spliced.data, spliced.len, SB_REV_REQUIRE, 1), SB_R_REVOCATION_UNAVAILABLE);
    sb_derbuf_free(&spliced);

    /* another otherRevInfoFormat is skipped, as before */
    splice_other_rev_info(cms, cn, "1.3.6.1.4.1.99999.1", resp, rn, &spliced);
    assert_int_equal(sb_cms_parse(spliced.data, spliced.len, NULL, NULL, &p, &err), SB_OK);
    assert_int_equal(p.n_ocsps, 0);
    sb_cms_parsed_free(&p);
    assert_int_equal(cms_verdict(f, spliced.data, spliced.len), SB_OK);
    sb_derbuf_free(&spliced);
    OPENSSL_free(resp);
    OPENSSL_free(cms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_same_as_openssl_cli),
        cmocka_unit_test(test_get_url),
        cmocka_unit_test(test_good_signed_by_ca),
        cmocka_unit_test(test_good_delegated_responder),
        cmocka_unit_test(test_revoked_with_reason_and_time),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_delegated_responder_refused),
        cmocka_unit_test(test_freshness),
        cmocka_unit_test(test_response_for_another_certificate),
        cmocka_unit_test(test_tampered_response),
        cmocka_unit_test(test_sha256_certid),
        cmocka_unit_test(test_nonce),
        cmocka_unit_test(test_signature_algorithms),
        cmocka_unit_test(test_rsa_pss_and_ed25519_responders),
        cmocka_unit_test(test_intermediate_decoded_cheaply),
        cmocka_unit_test(test_sm2_response_distinguishing_id),
        cmocka_unit_test(test_certificate_hold_is_not_final),
        cmocka_unit_test(test_unknown_critical_extension),
        cmocka_unit_test(test_malformed_and_unsuccessful),
        cmocka_unit_test(test_cms_embedded_ocsp_response),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
