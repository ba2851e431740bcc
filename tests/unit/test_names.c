/*
 * tests/unit/test_names.c — pki/x509/names_*.c (names.h): NameConstraints syntax, name constraints per name form, SAN
 * syntax, host / e-mail matching and the web PKI leaf profile.
 *
 * Every certificate is built here in C (X509 + GENERAL_NAMEs), signed with a throwaway P-256 key and
 * re-parsed from DER so the checks see the same objects as for a certificate read from a file.
 * NameConstraints values are built directly as NAME_CONSTRAINTS structures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/x509/names.h"

struct fixture {
    EVP_PKEY *key; /* owned: throwaway P-256 signing key */
};

/* ---- builders -------------------------------------------------------------------------------- */

static GENERAL_NAME *gn_str(int type, const char *s)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *v = ASN1_IA5STRING_new();

    assert_non_null(g);
    assert_non_null(v);
    assert_int_equal(ASN1_STRING_set(v, s, (int)strlen(s)), 1);
    GENERAL_NAME_set0_value(g, type, v);
    return g;
}

static GENERAL_NAME *gn_dns(const char *s)
{
    return gn_str(GEN_DNS, s);
}

static GENERAL_NAME *gn_email(const char *s)
{
    return gn_str(GEN_EMAIL, s);
}

static GENERAL_NAME *gn_uri(const char *s)
{
    return gn_str(GEN_URI, s);
}

static GENERAL_NAME *gn_bytes(const unsigned char *b, size_t n)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();

    assert_non_null(g);
    assert_non_null(v);
    assert_int_equal(ASN1_OCTET_STRING_set(v, b, (int)n), 1);
    GENERAL_NAME_set0_value(g, GEN_IPADD, v);
    return g;
}

/* "192.0.2.1" or "::1" -> iPAddress name. */
static GENERAL_NAME *gn_ip(const char *txt)
{
    unsigned char b[16];

    if (inet_pton(AF_INET, txt, b) == 1) {
        return gn_bytes(b, 4);
    }
    assert_int_equal(inet_pton(AF_INET6, txt, b), 1);
    return gn_bytes(b, 16);
}

/* "192.0.2.0", "255.255.255.0" -> iPAddress constraint. */
static GENERAL_NAME *gn_ipnet(const char *addr, const char *mask)
{
    unsigned char b[32];
    size_t n = 4;

    if (inet_pton(AF_INET, addr, b) == 1) {
        assert_int_equal(inet_pton(AF_INET, mask, b + 4), 1);
    } else {
        n = 16;
        assert_int_equal(inet_pton(AF_INET6, addr, b), 1);
        assert_int_equal(inet_pton(AF_INET6, mask, b + 16), 1);
    }
    return gn_bytes(b, 2 * n);
}

/* Distinguished name from "C=US/O=Org/CN=x"; a '+' before a component adds it to the previous RDN. */
static X509_NAME *mk_name(const char *spec)
{
    X509_NAME *nm = X509_NAME_new();
    char buf[512];
    char *tok;
    char *save = NULL;
    char *eq;
    int set;

    assert_non_null(nm);
    snprintf(buf, sizeof(buf), "%s", spec);
    for (tok = strtok_r(buf, "/", &save); tok != NULL; tok = strtok_r(NULL, "/", &save)) {
        set = 0;
        if (tok[0] == '+') {
            set = -1;
            tok++;
        }
        eq = strchr(tok, '=');
        assert_non_null(eq);
        *eq = '\0';
        assert_int_equal(X509_NAME_add_entry_by_txt(nm, tok, MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1, set),
                         1);
    }
    return nm;
}

static GENERAL_NAME *gn_dn(const char *spec)
{
    GENERAL_NAME *g = GENERAL_NAME_new();

    assert_non_null(g);
    GENERAL_NAME_set0_value(g, GEN_DIRNAME, mk_name(spec));
    return g;
}

static GENERAL_NAME *gn_other(void)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_TYPE *val = ASN1_TYPE_new();
    ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();

    assert_non_null(g);
    assert_non_null(val);
    assert_non_null(s);
    assert_int_equal(ASN1_STRING_set(s, "x", 1), 1);
    ASN1_TYPE_set(val, V_ASN1_UTF8STRING, s);
    assert_int_equal(GENERAL_NAME_set0_othername(g, OBJ_txt2obj("1.3.6.1.4.1.55738.666.3", 1), val), 1);
    return g;
}

/* GENERAL_NAMES of the NULL-terminated arguments (taking ownership). */
static GENERAL_NAMES *gns(GENERAL_NAME *first, ...)
{
    GENERAL_NAMES *s = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *g;
    va_list ap;

    assert_non_null(s);
    va_start(ap, first);
    for (g = first; g != NULL; g = va_arg(ap, GENERAL_NAME *)) {
        assert_true(sk_GENERAL_NAME_push(s, g) > 0);
    }
    va_end(ap);
    return s;
}

static STACK_OF(GENERAL_SUBTREE) *subtrees(GENERAL_NAMES *names)
{
    STACK_OF(GENERAL_SUBTREE) *st;
    GENERAL_SUBTREE *sub;

    if (names == NULL) {
        return NULL;
    }
    st = sk_GENERAL_SUBTREE_new_null();
    assert_non_null(st);
    while (sk_GENERAL_NAME_num(names) > 0) {
        sub = GENERAL_SUBTREE_new();
        assert_non_null(sub);
        GENERAL_NAME_free(sub->base);
        sub->base = sk_GENERAL_NAME_shift(names);
        assert_true(sk_GENERAL_SUBTREE_push(st, sub) > 0);
    }
    sk_GENERAL_NAME_free(names);
    return st;
}

/* NameConstraints; NULL = subtrees absent, gns(NULL) = present but empty. */
static NAME_CONSTRAINTS *mk_nc(GENERAL_NAMES *perm, GENERAL_NAMES *excl)
{
    NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();

    assert_non_null(nc);
    nc->permittedSubtrees = subtrees(perm);
    nc->excludedSubtrees = subtrees(excl);
    return nc;
}

/* Signed certificate with subject spec ("" = empty) and SAN san (NULL = none; owned), re-read from DER. */
static X509 *mk_cert_ext(EVP_PKEY *key, const char *subject, X509_EXTENSION *san_ext)
{
    X509 *x = X509_new();
    X509 *out;
    X509_NAME *subj = mk_name(subject);
    X509_NAME *iss = mk_name("CN=test issuer");
    unsigned char *der = NULL;
    const unsigned char *p;
    int len;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 42), 1);
    assert_int_equal(X509_set_subject_name(x, subj), 1);
    assert_int_equal(X509_set_issuer_name(x, iss), 1);
    assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, NULL));
    assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 1, 0, NULL));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    if (san_ext != NULL) {
        assert_int_equal(X509_add_ext(x, san_ext, -1), 1);
        X509_EXTENSION_free(san_ext);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    p = der;
    out = d2i_X509(NULL, &p, len);
    assert_non_null(out);
    OPENSSL_free(der);
    X509_NAME_free(subj);
    X509_NAME_free(iss);
    X509_free(x);
    return out;
}

static X509_EXTENSION *san_ext(GENERAL_NAMES *san, int crit)
{
    X509_EXTENSION *e = X509V3_EXT_i2d(NID_subject_alt_name, crit, san);

    assert_non_null(e);
    GENERAL_NAMES_free(san);
    return e;
}

static X509 *mk_cert(EVP_PKEY *key, const char *subject, GENERAL_NAMES *san)
{
    return mk_cert_ext(key, subject, san == NULL ? NULL : san_ext(san, 0));
}

/* SAN extension with arbitrary DER content. */
static X509_EXTENSION *raw_ext(const unsigned char *der, size_t n, int crit)
{
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *e;

    assert_non_null(os);
    assert_int_equal(ASN1_OCTET_STRING_set(os, der, (int)n), 1);
    e = X509_EXTENSION_create_by_NID(NULL, NID_subject_alt_name, crit, os);
    assert_non_null(e);
    ASN1_OCTET_STRING_free(os);
    return e;
}

/* Reason of the named check, with a fresh err (and a non-empty message on failure). */
static enum sb_reason nc_check(X509 *x, int leaf, const NAME_CONSTRAINTS *nc)
{
    struct sb_err err;
    enum sb_reason r;

    sb_err_clear(&err);
    r = sb_names_check_nc(x, leaf, nc, &err);
    assert_int_equal(err.reason, r);
    if (r != SB_OK) {
        assert_true(strlen(err.msg) > 0);
    }
    return r;
}

static enum sb_reason nc_syntax(const NAME_CONSTRAINTS *nc)
{
    struct sb_err err;

    sb_err_clear(&err);
    return sb_names_check_nc_syntax(nc, &err);
}

static enum sb_reason san_syntax(X509 *x)
{
    struct sb_err err;

    sb_err_clear(&err);
    return sb_names_check_san_syntax(x, &err);
}

static enum sb_reason host(X509 *x, const char *h, int webpki)
{
    struct sb_err err;

    sb_err_clear(&err);
    return sb_names_match_host(x, h, webpki, &err);
}

static enum sb_reason email(X509 *x, const char *e)
{
    struct sb_err err;

    sb_err_clear(&err);
    return sb_names_match_email(x, e, &err);
}

static enum sb_reason webpki_leaf(X509 *x)
{
    struct sb_err err;

    sb_err_clear(&err);
    return sb_names_check_webpki_leaf(x, &err);
}

static EVP_PKEY *key_of(void **state)
{
    return ((struct fixture *)*state)->key;
}

/* One SAN name checked against nc, as a leaf with subject CN=leaf. */
static enum sb_reason nc_one(void **state, const NAME_CONSTRAINTS *nc, GENERAL_NAME *name)
{
    X509 *x = mk_cert(key_of(state), "CN=leaf", gns(name, NULL));
    enum sb_reason r = nc_check(x, 1, nc);

    X509_free(x);
    return r;
}

/* ---- sb_names_check_nc_syntax ---------------------------------------------------------------- */

static void test_nc_syntax_dns(void **state)
{
    NAME_CONSTRAINTS *nc;
    static const char *const bad[] = { "*.example.com", ".example.com", "exa_mple.com", "example..com",
                                       "example.com.", "-example.com", "exa mple.com" };
    size_t i;

    (void)state;
    nc = mk_nc(gns(gn_dns("example.com"), gn_dns("sub.example.org"), NULL), gns(gn_dns(""), NULL));
    assert_int_equal(nc_syntax(nc), SB_OK);
    NAME_CONSTRAINTS_free(nc);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        nc = mk_nc(gns(gn_dns(bad[i]), NULL), NULL);
        assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
        NAME_CONSTRAINTS_free(nc);
        nc = mk_nc(NULL, gns(gn_dns(bad[i]), NULL));
        assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
        NAME_CONSTRAINTS_free(nc);
    }
}

static void test_nc_syntax_ip(void **state)
{
    static const unsigned char v4host[4] = { 127, 0, 0, 1 };
    static const unsigned char holes[8] = { 10, 0, 0, 0, 255, 0, 255, 0 };
    NAME_CONSTRAINTS *nc;

    (void)state;
    nc = mk_nc(gns(gn_ipnet("192.0.2.0", "255.255.255.0"), gn_ipnet("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                   gn_ipnet("0.0.0.0", "0.0.0.0"), NULL),
               NULL);
    assert_int_equal(nc_syntax(nc), SB_OK);
    NAME_CONSTRAINTS_free(nc);
    nc = mk_nc(gns(gn_bytes(v4host, 4), NULL), NULL); /* bare address, no mask */
    assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    nc = mk_nc(NULL, gns(gn_bytes(holes, 8), NULL)); /* non-contiguous mask */
    assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    nc = mk_nc(gns(gn_ip("::1"), NULL), NULL); /* 16 bytes */
    assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
}

static void test_nc_syntax_email_uri(void **state)
{
    NAME_CONSTRAINTS *nc;
    static const char *const bad_email[] = { "invalid@invalid@example.com", "@example.com", "foo@", "..example.com",
                                             "foo@exa_mple.com", "a..b@example.com" };
    static const char *const bad_uri[] = { "*.example.com", "..example.com", "http://example.com" };
    size_t i;

    (void)state;
    nc = mk_nc(gns(gn_email("foo@example.com"), gn_email("example.com"), gn_email(".example.com"),
                   gn_email("*@example.com"), gn_email("\"a b\"@example.com"), gn_uri(".example.com"),
                   gn_uri("host.example.com"), NULL),
               NULL);
    assert_int_equal(nc_syntax(nc), SB_OK);
    NAME_CONSTRAINTS_free(nc);
    for (i = 0; i < sizeof(bad_email) / sizeof(bad_email[0]); i++) {
        nc = mk_nc(gns(gn_email(bad_email[i]), NULL), NULL);
        assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
        NAME_CONSTRAINTS_free(nc);
    }
    for (i = 0; i < sizeof(bad_uri) / sizeof(bad_uri[0]); i++) {
        nc = mk_nc(NULL, gns(gn_uri(bad_uri[i]), NULL));
        assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
        NAME_CONSTRAINTS_free(nc);
    }
}

static void test_nc_syntax_empty_and_minmax(void **state)
{
    NAME_CONSTRAINTS *nc;
    GENERAL_SUBTREE *sub;

    (void)state;
    nc = mk_nc(NULL, NULL); /* both absent */
    assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    nc = mk_nc(gns(NULL), gns(NULL)); /* both empty sequences */
    assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    nc = mk_nc(gns(NULL), gns(gn_dns("example.com"), NULL)); /* SIZE (1..MAX) */
    assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    nc = mk_nc(gns(gn_dns("example.com"), NULL), NULL);
    sub = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, 0);
    sub->minimum = ASN1_INTEGER_new();
    assert_int_equal(ASN1_INTEGER_set(sub->minimum, 1), 1);
    assert_int_equal(nc_syntax(nc), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    /* A malformed NC also fails sb_names_check_nc itself. */
    nc = mk_nc(gns(gn_dns(".example.com"), NULL), NULL);
    assert_int_equal(nc_one(state, nc, gn_dns("foo.example.com")), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
}

/* ---- sb_names_check_nc ----------------------------------------------------------------------- */

static void test_nc_dns(void **state)
{
    NAME_CONSTRAINTS *nc = mk_nc(gns(gn_dns("example.com"), NULL), NULL);
    NAME_CONSTRAINTS *both = mk_nc(gns(gn_dns("example.com"), NULL), gns(gn_dns("bad.example.com"), NULL));
    NAME_CONSTRAINTS *all = mk_nc(NULL, gns(gn_dns(""), NULL));

    assert_int_equal(nc_one(state, nc, gn_dns("example.com")), SB_OK);
    assert_int_equal(nc_one(state, nc, gn_dns("x.y.example.com")), SB_OK);
    assert_int_equal(nc_one(state, nc, gn_dns("WWW.Example.COM")), SB_OK);
    assert_int_equal(nc_one(state, nc, gn_dns("xexample.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, nc, gn_dns("example.com.evil.org")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, nc, gn_dns("not-example.com")), SB_R_NAME_CONSTRAINTS);
    /* excluded beats permitted */
    assert_int_equal(nc_one(state, both, gn_dns("ok.example.com")), SB_OK);
    assert_int_equal(nc_one(state, both, gn_dns("bad.example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, both, gn_dns("x.BAD.example.com")), SB_R_NAME_CONSTRAINTS);
    /* zero-length excluded dNSName excludes every DNS name */
    assert_int_equal(nc_one(state, all, gn_dns("anything.org")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, all, gn_ip("192.0.2.1")), SB_OK);
    /* a malformed name cannot be shown to be inside the subtree */
    assert_int_equal(nc_one(state, nc, gn_dns(".example.com")), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    NAME_CONSTRAINTS_free(both);
    NAME_CONSTRAINTS_free(all);
}

static void test_nc_dns_wildcard_san(void **state)
{
    NAME_CONSTRAINTS *nc;

    /* CVE-2025-61727: *.example.com may be bar.example.com */
    nc = mk_nc(gns(gn_dns("example.com"), NULL), gns(gn_dns("bar.example.com"), NULL));
    assert_int_equal(nc_one(state, nc, gn_dns("*.example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, nc, gn_dns("*.foo.example.com")), SB_OK);
    assert_int_equal(nc_one(state, nc, gn_dns("*.bar.example.com")), SB_R_NAME_CONSTRAINTS);
    NAME_CONSTRAINTS_free(nc);
    /* excluded two labels down cannot be reached by a one-label wildcard */
    nc = mk_nc(NULL, gns(gn_dns("a.b.example.com"), NULL));
    assert_int_equal(nc_one(state, nc, gn_dns("*.example.com")), SB_OK);
    NAME_CONSTRAINTS_free(nc);
    /* permitted: every expansion must be inside */
    nc = mk_nc(gns(gn_dns("foo.example.com"), NULL), NULL);
    assert_int_equal(nc_one(state, nc, gn_dns("*.example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, nc, gn_dns("*.foo.example.com")), SB_OK);
    NAME_CONSTRAINTS_free(nc);
}

static void test_nc_ip(void **state)
{
    static const unsigned char cidr[8] = { 192, 0, 2, 0, 255, 255, 255, 0 };
    NAME_CONSTRAINTS *nc = mk_nc(gns(gn_ipnet("192.0.2.0", "255.255.255.0"), NULL), NULL);
    NAME_CONSTRAINTS *ex6 = mk_nc(NULL, gns(gn_ipnet("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), NULL));

    assert_int_equal(nc_one(state, nc, gn_ip("192.0.2.1")), SB_OK);
    assert_int_equal(nc_one(state, nc, gn_ip("192.0.2.255")), SB_OK);
    assert_int_equal(nc_one(state, nc, gn_ip("192.0.3.1")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, nc, gn_ip("::ffff:192.0.2.1")), SB_R_NAME_CONSTRAINTS); /* other family */
    assert_int_equal(nc_one(state, nc, gn_bytes(cidr, 8)), SB_R_NAME_CONSTRAINTS);        /* malformed name */
    /* a permitted set for iPAddress does not restrict dNSName */
    assert_int_equal(nc_one(state, nc, gn_dns("example.com")), SB_OK);
    assert_int_equal(nc_one(state, ex6, gn_ip("::1")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, ex6, gn_ip("::2")), SB_OK);
    assert_int_equal(nc_one(state, ex6, gn_ip("0.0.0.1")), SB_OK);
    NAME_CONSTRAINTS_free(nc);
    NAME_CONSTRAINTS_free(ex6);
}

static void test_nc_email(void **state)
{
    NAME_CONSTRAINTS *mbox = mk_nc(gns(gn_email("foo@example.com"), NULL), NULL);
    NAME_CONSTRAINTS *hostc = mk_nc(gns(gn_email("example.com"), NULL), NULL);
    NAME_CONSTRAINTS *dom = mk_nc(gns(gn_email(".example.com"), NULL), NULL);
    NAME_CONSTRAINTS *star = mk_nc(gns(gn_email("*@example.com"), NULL), NULL);
    NAME_CONSTRAINTS *ex = mk_nc(NULL, gns(gn_email("example.com"), NULL));

    assert_int_equal(nc_one(state, mbox, gn_email("foo@example.com")), SB_OK);
    assert_int_equal(nc_one(state, mbox, gn_email("foo@EXAMPLE.com")), SB_OK);     /* domain case-insensitive */
    assert_int_equal(nc_one(state, mbox, gn_email("Foo@example.com")), SB_R_NAME_CONSTRAINTS); /* local exact */
    assert_int_equal(nc_one(state, mbox, gn_email("bar@example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, hostc, gn_email("anyone@Example.Com")), SB_OK);
    assert_int_equal(nc_one(state, hostc, gn_email("anyone@sub.example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, dom, gn_email("anyone@sub.example.com")), SB_OK);
    assert_int_equal(nc_one(state, dom, gn_email("anyone@example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, dom, gn_email("anyone@badexample.com")), SB_R_NAME_CONSTRAINTS);
    /* '*' is a literal character */
    assert_int_equal(nc_one(state, star, gn_email("*@example.com")), SB_OK);
    assert_int_equal(nc_one(state, star, gn_email("user@example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, star, gn_email("*@sub.example.com")), SB_R_NAME_CONSTRAINTS);
    /* malformed mailbox in the certificate */
    assert_int_equal(nc_one(state, hostc, gn_email("invalid@address@example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, ex, gn_email("x@example.com")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, ex, gn_email("x@example.org")), SB_OK);
    NAME_CONSTRAINTS_free(mbox);
    NAME_CONSTRAINTS_free(hostc);
    NAME_CONSTRAINTS_free(dom);
    NAME_CONSTRAINTS_free(star);
    NAME_CONSTRAINTS_free(ex);
}

static void test_nc_subject_email_address(void **state)
{
    NAME_CONSTRAINTS *nc = mk_nc(gns(gn_email(".testcertificates.gov"), NULL), NULL);
    X509 *ok = mk_cert(key_of(state), "CN=user/emailAddress=user@mail.testcertificates.gov", NULL);
    X509 *bad = mk_cert(key_of(state), "CN=user/emailAddress=user@mail.invalidcertificates.gov", NULL);

    assert_int_equal(nc_check(ok, 1, nc), SB_OK);
    assert_int_equal(nc_check(bad, 1, nc), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_check(bad, 0, nc), SB_R_NAME_CONSTRAINTS); /* RFC 5280 applies it to every cert */
    X509_free(ok);
    X509_free(bad);
    NAME_CONSTRAINTS_free(nc);
}

static void test_nc_uri(void **state)
{
    NAME_CONSTRAINTS *dom = mk_nc(gns(gn_uri(".testcertificates.gov"), NULL), NULL);
    NAME_CONSTRAINTS *hostc = mk_nc(NULL, gns(gn_uri("testcertificates.gov"), NULL));

    assert_int_equal(nc_one(state, dom, gn_uri("http://testserver.testcertificates.gov/index.html")), SB_OK);
    assert_int_equal(nc_one(state, dom, gn_uri("https://u:p@a.b.TestCertificates.gov:8443/?q#f")), SB_OK);
    assert_int_equal(nc_one(state, dom, gn_uri("http://testcertificates.gov/")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, dom, gn_uri("http://testserver.invalidcertificates.gov/")),
                     SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, dom, gn_uri("urn:isbn:0451450523")), SB_R_NAME_CONSTRAINTS); /* no host */
    assert_int_equal(nc_one(state, dom, gn_uri("http://[2001:db8::1]/")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, hostc, gn_uri("http://testcertificates.gov/x")), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_one(state, hostc, gn_uri("http://www.testcertificates.gov/x")), SB_OK);
    NAME_CONSTRAINTS_free(dom);
    NAME_CONSTRAINTS_free(hostc);
}

static void test_nc_dn(void **state)
{
    NAME_CONSTRAINTS *perm = mk_nc(gns(gn_dn("C=US/O=Test Certificates 2011/OU=permittedSubtree1"), NULL), NULL);
    NAME_CONSTRAINTS *ex = mk_nc(NULL, gns(gn_dn("CN=foo"), NULL));
    EVP_PKEY *k = key_of(state);
    X509 *x;

    x = mk_cert(k, "C=US/O=Test Certificates 2011/OU=permittedSubtree1/CN=Valid DN EE", NULL);
    assert_int_equal(nc_check(x, 1, perm), SB_OK);
    X509_free(x);
    x = mk_cert(k, "C=us/O=test   certificates 2011/OU=PermittedSubtree1/CN=EE", NULL); /* canonical form */
    assert_int_equal(nc_check(x, 1, perm), SB_OK);
    X509_free(x);
    x = mk_cert(k, "C=US/O=Test Certificates 2011/OU=excludedSubtree1/CN=EE", NULL);
    assert_int_equal(nc_check(x, 1, perm), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    x = mk_cert(k, "C=US/O=Test Certificates 2011", NULL); /* shorter than the constraint */
    assert_int_equal(nc_check(x, 1, perm), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    x = mk_cert(k, "C=US/O=Test Certificates 2011/OU=permittedSubtree1/+CN=EE", NULL); /* multi-valued RDN */
    assert_int_equal(nc_check(x, 1, perm), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    /* SAN directoryName entries are checked as well as the subject */
    x = mk_cert(k, "C=US/O=Test Certificates 2011/OU=permittedSubtree1/CN=EE",
                gns(gn_dn("C=US/O=Test Certificates 2011/OU=other"), NULL));
    assert_int_equal(nc_check(x, 1, perm), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    /* empty subject: only the SAN is checked */
    x = mk_cert_ext(k, "", san_ext(gns(gn_dns("example.com"), NULL), 1));
    assert_int_equal(nc_check(x, 1, perm), SB_OK);
    X509_free(x);
    x = mk_cert(k, "CN=foo", gns(gn_dn("CN=not-foo"), NULL)); /* excluded subject, innocent SAN */
    assert_int_equal(nc_check(x, 1, ex), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    x = mk_cert(k, "CN=foo2", gns(gn_dns("example.com"), NULL));
    assert_int_equal(nc_check(x, 1, ex), SB_OK);
    X509_free(x);
    NAME_CONSTRAINTS_free(perm);
    NAME_CONSTRAINTS_free(ex);
}

static void test_nc_othername_fails_closed(void **state)
{
    NAME_CONSTRAINTS *nc = mk_nc(gns(gn_dns("example.com"), NULL), gns(gn_other(), NULL));
    X509 *with = mk_cert(key_of(state), "CN=leaf", gns(gn_dns("example.com"), gn_other(), NULL));
    X509 *without = mk_cert(key_of(state), "CN=leaf", gns(gn_dns("example.com"), NULL));
    NAME_CONSTRAINTS *dnsonly = mk_nc(gns(gn_dns("example.com"), NULL), NULL);

    assert_int_equal(nc_check(with, 1, nc), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_check(without, 1, nc), SB_OK);
    assert_int_equal(nc_check(with, 1, dnsonly), SB_OK); /* no otherName constraint: nothing to evaluate */
    X509_free(with);
    X509_free(without);
    NAME_CONSTRAINTS_free(nc);
    NAME_CONSTRAINTS_free(dnsonly);
}

static void test_nc_leaf_cn(void **state)
{
    NAME_CONSTRAINTS *nc = mk_nc(gns(gn_dns("example.com"), gn_ipnet("192.0.2.0", "255.255.255.0"), NULL), NULL);
    NAME_CONSTRAINTS *ex = mk_nc(NULL, gns(gn_dns("example.com"), NULL));
    EVP_PKEY *k = key_of(state);
    X509 *x;

    x = mk_cert(k, "CN=host.evil.org", NULL);
    assert_int_equal(nc_check(x, 1, nc), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(nc_check(x, 0, nc), SB_OK); /* CA certificate: CN is not a host name */
    X509_free(x);
    x = mk_cert(k, "CN=www.example.com", NULL);
    assert_int_equal(nc_check(x, 1, nc), SB_OK);
    X509_free(x);
    x = mk_cert(k, "CN=10.0.0.1", NULL);
    assert_int_equal(nc_check(x, 1, nc), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    x = mk_cert(k, "CN=John Smith", NULL); /* not a host name */
    assert_int_equal(nc_check(x, 1, nc), SB_OK);
    X509_free(x);
    x = mk_cert(k, "CN=*.example.com", NULL);
    assert_int_equal(nc_check(x, 1, ex), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    /* with a DNS or IP SAN the CN is not a candidate host name */
    x = mk_cert(k, "CN=host.evil.org", gns(gn_dns("www.example.com"), NULL));
    assert_int_equal(nc_check(x, 1, nc), SB_OK);
    X509_free(x);
    x = mk_cert(k, "CN=host.evil.org", gns(gn_email("a@example.com"), NULL));
    assert_int_equal(nc_check(x, 1, nc), SB_R_NAME_CONSTRAINTS);
    X509_free(x);
    NAME_CONSTRAINTS_free(nc);
    NAME_CONSTRAINTS_free(ex);
}

static void test_nc_work_bound(void **state)
{
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    GENERAL_NAMES *cons = sk_GENERAL_NAME_new_null();
    NAME_CONSTRAINTS *nc;
    X509 *x;
    char buf[64];
    clock_t t0;
    int i;

    assert_non_null(names);
    assert_non_null(cons);
    for (i = 0; i < 1100; i++) {
        snprintf(buf, sizeof(buf), "t%d.test", i);
        assert_true(sk_GENERAL_NAME_push(names, gn_dns(buf)) > 0);
        assert_true(sk_GENERAL_NAME_push(cons, gn_dns(buf)) > 0);
    }
    nc = mk_nc(cons, NULL);
    x = mk_cert(key_of(state), "CN=t0.test", names);
    t0 = clock();
    assert_int_equal(nc_check(x, 1, nc), SB_R_NAME_CONSTRAINTS);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.05);
    X509_free(x);
    NAME_CONSTRAINTS_free(nc);
}

static void test_nc_malformed_san(void **state)
{
    static const unsigned char ascii[] = "example.com";
    NAME_CONSTRAINTS *nc = mk_nc(gns(gn_dns("example.com"), NULL), NULL);
    X509 *x = mk_cert_ext(key_of(state), "CN=x", raw_ext(ascii, sizeof(ascii) - 1, 0));

    assert_int_equal(nc_check(x, 1, nc), SB_R_NAME_CONSTRAINTS);
    assert_int_equal(host(x, "example.com", 0), SB_R_NAME_MISMATCH);
    assert_int_equal(email(x, "a@example.com"), SB_R_NAME_MISMATCH);
    X509_free(x);
    NAME_CONSTRAINTS_free(nc);
}

/* ---- sb_names_check_san_syntax --------------------------------------------------------------- */

static void test_san_syntax(void **state)
{
    static const unsigned char five[5] = { 1, 2, 3, 4, 5 };
    static const unsigned char ascii[] = "example.com";
    static const unsigned char empty_seq[] = { 0x30, 0x00 };
    static const char *const bad_dns[] = { "foo_bar.example.com", "f*o.example.com", "foo.*.example.com", "*",
                                           ".example.com", "example.com.", "xn--*-1b3c148a.example.com", "" };
    EVP_PKEY *k = key_of(state);
    X509 *x;
    size_t i;

    x = mk_cert(k, "CN=ok", gns(gn_dns("example.com"), gn_dns("*.example.com"), gn_ip("192.0.2.1"), gn_ip("::1"),
                                gn_email("a.b+c@example.com"), gn_uri("https://example.com/x"), gn_uri("urn:x:y"),
                                gn_dn("CN=x"), gn_other(), NULL));
    assert_int_equal(san_syntax(x), SB_OK);
    X509_free(x);
    x = mk_cert(k, "CN=no san", NULL);
    assert_int_equal(san_syntax(x), SB_OK);
    X509_free(x);
    for (i = 0; i < sizeof(bad_dns) / sizeof(bad_dns[0]); i++) {
        x = mk_cert(k, "CN=x", gns(gn_dns("example.com"), gn_dns(bad_dns[i]), NULL));
        assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
        X509_free(x);
    }
    x = mk_cert(k, "CN=x", gns(gn_bytes(five, 5), NULL));
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert(k, "CN=x", gns(gn_email("example.com"), NULL));
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert(k, "CN=x", gns(gn_email("invalid@address@example.com"), NULL));
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert(k, "CN=x", gns(gn_uri("//example.com/relative"), NULL));
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert_ext(k, "CN=x", raw_ext(ascii, sizeof(ascii) - 1, 0)); /* not DER */
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert_ext(k, "CN=x", raw_ext(empty_seq, sizeof(empty_seq), 0));
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
}

static void test_san_syntax_empty_subject(void **state)
{
    EVP_PKEY *k = key_of(state);
    X509 *x;

    x = mk_cert_ext(k, "", san_ext(gns(gn_dns("example.com"), NULL), 0));
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert_ext(k, "", san_ext(gns(gn_dns("example.com"), NULL), 1));
    assert_int_equal(san_syntax(x), SB_OK);
    X509_free(x);
    x = mk_cert(k, "", NULL);
    assert_int_equal(san_syntax(x), SB_R_CERT_MALFORMED);
    X509_free(x);
}

/* ---- sb_names_match_host --------------------------------------------------------------------- */

static void test_match_host_dns(void **state)
{
    X509 *x = mk_cert(key_of(state), "CN=example.com", gns(gn_dns("example.com"), gn_dns("*.wild.example.com"), NULL));

    assert_int_equal(host(x, "example.com", 1), SB_OK);
    assert_int_equal(host(x, "EXAMPLE.com", 0), SB_OK);
    assert_int_equal(host(x, "example.com.", 1), SB_OK);
    assert_int_equal(host(x, "example2.com", 1), SB_R_NAME_MISMATCH);
    assert_int_equal(host(x, "abc.example.com", 1), SB_R_NAME_MISMATCH);
    assert_int_equal(host(x, "foo.wild.example.com", 1), SB_OK);
    assert_int_equal(host(x, "xn--bliss-1b3c148a.wild.example.com", 1), SB_OK);
    assert_int_equal(host(x, "foo.bar.wild.example.com", 1), SB_R_NAME_MISMATCH); /* one label only */
    assert_int_equal(host(x, "wild.example.com", 1), SB_R_NAME_MISMATCH);
    assert_int_equal(host(x, "foo_bar.wild.example.com", 0), SB_R_NAME_MISMATCH); /* not LDH */
    assert_int_equal(host(x, "*.wild.example.com", 0), SB_R_NAME_MISMATCH);
    assert_int_equal(host(x, "", 0), SB_R_NAME_MISMATCH);
    X509_free(x);
}

static void test_match_host_bad_wildcards(void **state)
{
    static const char *const pats[] = { "f*o.example.com", "foo.*.example.com", "*", "*.com",
                                        "xn--*-1b3c148a.example.com", "ba*.example.com" };
    static const char *const hosts[] = { "foo.example.com", "foo.bar.example.com", "example.com", "example.com",
                                         "xn--bliss-1b3c148a.example.com", "baz.example.com" };
    X509 *x;
    size_t i;

    for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
        x = mk_cert(key_of(state), "CN=x", gns(gn_dns(pats[i]), NULL));
        assert_int_equal(host(x, hosts[i], 0), SB_R_NAME_MISMATCH);
        assert_int_equal(host(x, hosts[i], 1), SB_R_NAME_MISMATCH);
        X509_free(x);
    }
}

static void test_match_host_public_suffix(void **state)
{
    X509 *uk = mk_cert(key_of(state), "CN=x", gns(gn_dns("*.co.uk"), NULL));
    X509 *s3 = mk_cert(key_of(state), "CN=x", gns(gn_dns("*.s3.amazonaws.com"), NULL));

    assert_int_equal(host(uk, "example.co.uk", 1), SB_R_NAME_MISMATCH);
    assert_int_equal(host(s3, "bucket.s3.amazonaws.com", 1), SB_R_NAME_MISMATCH);
    assert_int_equal(host(uk, "example.co.uk", 0), SB_OK); /* RFC 5280 / 6125 profile has no suffix list */
    X509_free(uk);
    X509_free(s3);
}

static void test_match_host_ip(void **state)
{
    X509 *x = mk_cert(key_of(state), "CN=8.8.4.4", gns(gn_ip("127.0.0.1"), gn_ip("2001:db8::1"), gn_dns("8.8.8.8"),
                                                       NULL));
    X509 *nosan = mk_cert(key_of(state), "CN=192.0.2.1", NULL);

    assert_int_equal(host(x, "127.0.0.1", 1), SB_OK);
    assert_int_equal(host(x, "2001:DB8:0::1", 1), SB_OK);
    assert_int_equal(host(x, "[2001:db8::1]", 0), SB_OK);
    assert_int_equal(host(x, "127.0.0.2", 0), SB_R_NAME_MISMATCH);
    assert_int_equal(host(x, "8.8.8.8", 0), SB_R_NAME_MISMATCH); /* never a dNSName */
    assert_int_equal(host(x, "8.8.4.4", 0), SB_R_NAME_MISMATCH); /* never the CN */
    assert_int_equal(host(nosan, "192.0.2.1", 0), SB_R_NAME_MISMATCH);
    X509_free(x);
    X509_free(nosan);
}

static void test_match_host_cn_fallback(void **state)
{
    X509 *nosan = mk_cert(key_of(state), "O=Org/CN=www.example.com", NULL);
    X509 *wild = mk_cert(key_of(state), "CN=*.example.com", NULL);
    X509 *mail = mk_cert(key_of(state), "CN=www.example.com", gns(gn_email("a@example.com"), NULL));

    assert_int_equal(host(nosan, "www.example.com", 0), SB_OK);
    assert_int_equal(host(nosan, "www.example.com", 1), SB_R_NAME_MISMATCH);
    assert_int_equal(host(nosan, "example.com", 0), SB_R_NAME_MISMATCH);
    assert_int_equal(host(wild, "a.example.com", 0), SB_OK);
    assert_int_equal(host(mail, "www.example.com", 0), SB_R_NAME_MISMATCH); /* a SAN exists: CN unused */
    X509_free(nosan);
    X509_free(wild);
    X509_free(mail);
}

/* ---- sb_names_match_email -------------------------------------------------------------------- */

static void test_match_email(void **state)
{
    X509 *san = mk_cert(key_of(state), "CN=x/emailAddress=other@example.com",
                        gns(gn_email("Foo@Example.COM"), gn_dns("example.com"), NULL));
    X509 *subj = mk_cert(key_of(state), "CN=x/emailAddress=user@example.com", NULL);

    assert_int_equal(email(san, "Foo@example.com"), SB_OK);
    assert_int_equal(email(san, "foo@example.com"), SB_R_NAME_MISMATCH);   /* local part exact */
    assert_int_equal(email(san, "other@example.com"), SB_R_NAME_MISMATCH); /* SAN present: DN unused */
    assert_int_equal(email(san, "not an address"), SB_R_NAME_MISMATCH);
    assert_int_equal(email(subj, "user@EXAMPLE.com"), SB_OK);
    assert_int_equal(email(subj, "user@example.org"), SB_R_NAME_MISMATCH);
    X509_free(san);
    X509_free(subj);
}

/* ---- sb_names_check_webpki_leaf -------------------------------------------------------------- */

static void test_webpki_leaf(void **state)
{
    EVP_PKEY *k = key_of(state);
    X509 *x;

    x = mk_cert(k, "CN=www.example.com", gns(gn_dns("example.com"), gn_dns("www.example.com"), NULL));
    assert_int_equal(webpki_leaf(x), SB_OK);
    X509_free(x);
    x = mk_cert(k, "O=Org", gns(gn_dns("example.com"), NULL)); /* no CN at all */
    assert_int_equal(webpki_leaf(x), SB_OK);
    X509_free(x);
    x = mk_cert(k, "CN=2001:db8::1:0:0:1", gns(gn_ip("2001:db8:0:0:1:0:0:1"), NULL));
    assert_int_equal(webpki_leaf(x), SB_OK);
    X509_free(x);
    x = mk_cert(k, "CN=Example.COM", gns(gn_dns("example.com"), NULL));
    assert_int_equal(webpki_leaf(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert(k, "CN=notinsan.example.com", gns(gn_dns("valid.example.com"), NULL));
    assert_int_equal(webpki_leaf(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert(k, "CN=192.168.001.001", gns(gn_ip("192.168.1.1"), NULL));
    assert_int_equal(webpki_leaf(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert(k, "CN=2001:db8:0:0:1:0:0:1", gns(gn_ip("2001:db8::1:0:0:1"), NULL));
    assert_int_equal(webpki_leaf(x), SB_R_CERT_MALFORMED);
    X509_free(x);
    x = mk_cert_ext(k, "CN=example.com", san_ext(gns(gn_dns("example.com"), NULL), 1));
    assert_int_equal(webpki_leaf(x), SB_R_CERT_MALFORMED); /* critical SAN with a subject */
    X509_free(x);
    x = mk_cert(k, "CN=example.com", NULL);
    assert_int_equal(webpki_leaf(x), SB_R_CERT_MALFORMED);
    X509_free(x);
}

/* ---- runner ---------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL || (fx->key = EVP_EC_gen("P-256")) == NULL) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;

    EVP_PKEY_free(fx->key);
    free(fx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nc_syntax_dns),
        cmocka_unit_test(test_nc_syntax_ip),
        cmocka_unit_test(test_nc_syntax_email_uri),
        cmocka_unit_test(test_nc_syntax_empty_and_minmax),
        cmocka_unit_test(test_nc_dns),
        cmocka_unit_test(test_nc_dns_wildcard_san),
        cmocka_unit_test(test_nc_ip),
        cmocka_unit_test(test_nc_email),
        cmocka_unit_test(test_nc_subject_email_address),
        cmocka_unit_test(test_nc_uri),
        cmocka_unit_test(test_nc_dn),
        cmocka_unit_test(test_nc_othername_fails_closed),
        cmocka_unit_test(test_nc_leaf_cn),
        cmocka_unit_test(test_nc_work_bound),
        cmocka_unit_test(test_nc_malformed_san),
        cmocka_unit_test(test_san_syntax),
        cmocka_unit_test(test_san_syntax_empty_subject),
        cmocka_unit_test(test_match_host_dns),
        cmocka_unit_test(test_match_host_bad_wildcards),
        cmocka_unit_test(test_match_host_public_suffix),
        cmocka_unit_test(test_match_host_ip),
        cmocka_unit_test(test_match_host_cn_fallback),
        cmocka_unit_test(test_match_email),
        cmocka_unit_test(test_webpki_leaf),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
