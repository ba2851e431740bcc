/*
 * tests/unit/test_names.c — pki/x509/names_*.c (names.h): NameConstraints syntax, name constraints per name form, SAN
 * syntax, host / e-mail matching and the web PKI leaf profile.
 *
 * Every certificate is built here in C (X509 + GENERAL_NAMEs), signed with a throwaway P-256 key and
 * re-parsed from DER so the checks see the same objects as for a certificate read from a file.
 * NameConstraints values are built directly as NAME_CONSTRAINTS structures. The cases are rows of
 * names_cases[] (one cmocka test per row, see case_table.h): the constraints, names and certificate as
 * data (struct nc_spec, struct gn, struct cert_spec), the function checked and the expected reason.
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
#include "tests/unit/case_table.h"
#include "tests/unit/testcert.h"

struct fixture {
    EVP_PKEY *key; /* owned: throwaway P-256 signing key */
};

/* ---- builders -------------------------------------------------------------------------------- */

static GENERAL_NAME *gn_dns(const char *s)
{
    return tc_gn_ia5(GEN_DNS, s);
}

static GENERAL_NAME *gn_email(const char *s)
{
    return tc_gn_ia5(GEN_EMAIL, s);
}

static GENERAL_NAME *gn_uri(const char *s)
{
    return tc_gn_ia5(GEN_URI, s);
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
    X509_NAME *subj = mk_name(subject);
    X509_NAME *iss = mk_name("CN=test issuer");

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
    X509_NAME_free(subj);
    X509_NAME_free(iss);
    return tc_sign_reparse(x, key);
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
    const struct fixture *fx = ct_fx(state);

    return fx->key;
}

/* ---- names, constraints and certificates as data ---------------------------------------------- */

enum gn_kind { GN_END = 0, GN_DNS, GN_EMAIL, GN_URI, GN_IP, GN_IPNET, GN_DN, GN_OTHER, GN_BYTES };

/* One GeneralName: a is the text (IPNET: address, b the mask; DN: "C=US/O=Org/CN=x"; BYTES: n raw bytes). */
struct gn {
    enum gn_kind kind;
    const char *a, *b;
    size_t n;
};

#define DNS(s) { GN_DNS, (s), NULL, 0 }
#define EMAIL(s) { GN_EMAIL, (s), NULL, 0 }
#define URI(s) { GN_URI, (s), NULL, 0 }
#define IP(s) { GN_IP, (s), NULL, 0 }
#define IPNET(addr, mask) { GN_IPNET, (addr), (mask), 0 }
#define DN(s) { GN_DN, (s), NULL, 0 }
#define OTHER { GN_OTHER, NULL, NULL, 0 }
#define BYTES(s) { GN_BYTES, (s), NULL, sizeof(s) - 1 }
#define MASK128 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
#define MAX_GN 10

/* NameConstraints: a list is absent unless it has names or is marked present-but-empty. */
struct nc_spec {
    struct gn perm[MAX_GN], excl[MAX_GN];
    int perm_empty, excl_empty;
    int perm_min_one;            /* the first permitted subtree carries minimum 1 */
};

/* A certificate: subject (NULL: "CN=leaf"; "": empty), SAN names (none: no SAN) or a raw SAN value. */
struct cert_spec {
    const char *subject;
    struct gn san[MAX_GN];
    int san_critical;
    const char *raw_san;         /* the SAN extension's value as these raw_len bytes */
    size_t raw_len;
};
#define RAW_ASCII_SAN .raw_san = "example.com", .raw_len = 11          /* not DER */
#define RAW_EMPTY_SEQ_SAN .raw_san = "\x30\x00", .raw_len = 2

enum names_check {
    NC_SYNTAX = 0,      /* sb_names_check_nc_syntax(nc) */
    NC,                 /* sb_names_check_nc(cert, leaf, nc) */
    SAN_SYNTAX,         /* sb_names_check_san_syntax(cert) */
    HOST,               /* sb_names_match_host(cert, arg, webpki) */
    EMAIL_MATCH,        /* sb_names_match_email(cert, arg) */
    WEBPKI_LEAF,        /* sb_names_check_webpki_leaf(cert) */
};

struct names_case {
    const char *name;
    enum names_check check;
    struct nc_spec nc;
    struct cert_spec cert;
    int ca;                      /* NC: checked as a CA certificate, not a leaf */
    const char *arg;             /* HOST: the host name; EMAIL_MATCH: the address */
    int webpki;                  /* HOST: the web PKI profile */
    enum sb_reason want;
};

#define NCE SB_R_NAME_CONSTRAINTS
#define MISMATCH SB_R_NAME_MISMATCH
#define MALFORMED SB_R_CERT_MALFORMED

/* A malformed dNSName constraint is refused as permitted and as excluded. */
#define BAD_DNS_CONSTRAINT(tag, s)                                                                     \
    { "nc_syntax_dns_permitted_" tag, NC_SYNTAX, .nc = { .perm = { DNS(s) } }, .want = NCE },          \
    { "nc_syntax_dns_excluded_" tag, NC_SYNTAX, .nc = { .excl = { DNS(s) } }, .want = NCE }
/* One SAN name of a leaf with subject CN=leaf against a constraint. */
#define NC_ONE(tag, ncspec, gname, reason) { "nc_" tag, NC, .nc = ncspec, .cert = { .san = { gname } }, .want = reason }
/* A SAN with example.com and one malformed dNSName. */
#define BAD_SAN_DNS(tag, s) \
    { "san_syntax_dns_" tag, SAN_SYNTAX, .cert = { "CN=x", { DNS("example.com"), DNS(s) } }, .want = MALFORMED }
/* A wildcard pattern that matches nothing, in either profile. */
#define BAD_WILDCARD(tag, pat, h)                                                                               \
    { "host_bad_wildcard_" tag, HOST, .cert = { "CN=x", { DNS(pat) } }, .arg = (h), .want = MISMATCH },          \
    { "host_bad_wildcard_" tag "_webpki", HOST, .cert = { "CN=x", { DNS(pat) } }, .arg = (h), .webpki = 1,      \
      .want = MISMATCH }

#define NC_DNS { .perm = { DNS("example.com") } }
#define NC_DNS_BOTH { .perm = { DNS("example.com") }, .excl = { DNS("bad.example.com") } }
#define NC_DNS_ALL { .excl = { DNS("") } }
#define NC_IP4 { .perm = { IPNET("192.0.2.0", "255.255.255.0") } }
#define NC_IP6_EXCL { .excl = { IPNET("::1", MASK128) } }
#define NC_MBOX { .perm = { EMAIL("foo@example.com") } }
#define NC_MAIL_HOST { .perm = { EMAIL("example.com") } }
#define NC_MAIL_DOMAIN { .perm = { EMAIL(".example.com") } }
#define NC_MAIL_STAR { .perm = { EMAIL("*@example.com") } }
#define NC_MAIL_EXCL { .excl = { EMAIL("example.com") } }
#define NC_URI_DOMAIN { .perm = { URI(".testcertificates.gov") } }
#define NC_URI_HOST_EXCL { .excl = { URI("testcertificates.gov") } }
#define PERMITTED_DN "C=US/O=Test Certificates 2011/OU=permittedSubtree1"
#define NC_DN { .perm = { DN(PERMITTED_DN) } }
#define NC_DN_EXCL { .excl = { DN("CN=foo") } }
#define NC_WILD { .perm = { DNS("example.com") }, .excl = { DNS("bar.example.com") } }
#define NC_HOSTS { .perm = { DNS("example.com"), IPNET("192.0.2.0", "255.255.255.0") } }

static const struct names_case names_cases[] = {
    /* sb_names_check_nc_syntax */
    { "nc_syntax_dns_ok", NC_SYNTAX,
      .nc = { .perm = { DNS("example.com"), DNS("sub.example.org") }, .excl = { DNS("") } }, .want = SB_OK },
    BAD_DNS_CONSTRAINT("wildcard", "*.example.com"),
    BAD_DNS_CONSTRAINT("leading_dot", ".example.com"),
    BAD_DNS_CONSTRAINT("underscore", "exa_mple.com"),
    BAD_DNS_CONSTRAINT("empty_label", "example..com"),
    BAD_DNS_CONSTRAINT("trailing_dot", "example.com."),
    BAD_DNS_CONSTRAINT("leading_hyphen", "-example.com"),
    BAD_DNS_CONSTRAINT("space", "exa mple.com"),
    { "nc_syntax_ip_ok", NC_SYNTAX,
      .nc = { .perm = { IPNET("192.0.2.0", "255.255.255.0"), IPNET("::1", MASK128), IPNET("0.0.0.0", "0.0.0.0") } },
      .want = SB_OK },
    { "nc_syntax_ip_bare_address", NC_SYNTAX, .nc = { .perm = { BYTES("\x7f\x00\x00\x01") } }, .want = NCE },
    { "nc_syntax_ip_mask_with_holes", NC_SYNTAX, .nc = { .excl = { BYTES("\x0a\x00\x00\x00\xff\x00\xff\x00") } },
      .want = NCE },
    { "nc_syntax_ip_16_bytes", NC_SYNTAX, .nc = { .perm = { IP("::1") } }, .want = NCE },
    { "nc_syntax_email_uri_ok", NC_SYNTAX,
      .nc = { .perm = { EMAIL("foo@example.com"), EMAIL("example.com"), EMAIL(".example.com"), EMAIL("*@example.com"),
                        EMAIL("\"a b\"@example.com"), URI(".example.com"), URI("host.example.com") } },
      .want = SB_OK },
    { "nc_syntax_email_two_ats", NC_SYNTAX, .nc = { .perm = { EMAIL("invalid@invalid@example.com") } }, .want = NCE },
    { "nc_syntax_email_no_local_part", NC_SYNTAX, .nc = { .perm = { EMAIL("@example.com") } }, .want = NCE },
    { "nc_syntax_email_no_domain", NC_SYNTAX, .nc = { .perm = { EMAIL("foo@") } }, .want = NCE },
    { "nc_syntax_email_double_dot", NC_SYNTAX, .nc = { .perm = { EMAIL("..example.com") } }, .want = NCE },
    { "nc_syntax_email_bad_domain", NC_SYNTAX, .nc = { .perm = { EMAIL("foo@exa_mple.com") } }, .want = NCE },
    { "nc_syntax_email_bad_local_part", NC_SYNTAX, .nc = { .perm = { EMAIL("a..b@example.com") } }, .want = NCE },
    { "nc_syntax_uri_wildcard", NC_SYNTAX, .nc = { .excl = { URI("*.example.com") } }, .want = NCE },
    { "nc_syntax_uri_double_dot", NC_SYNTAX, .nc = { .excl = { URI("..example.com") } }, .want = NCE },
    { "nc_syntax_uri_with_scheme", NC_SYNTAX, .nc = { .excl = { URI("http://example.com") } }, .want = NCE },
    { "nc_syntax_both_absent", NC_SYNTAX, .want = NCE },
    { "nc_syntax_both_empty", NC_SYNTAX, .nc = { .perm_empty = 1, .excl_empty = 1 }, .want = NCE },
    /* SIZE (1..MAX) */
    { "nc_syntax_permitted_empty", NC_SYNTAX, .nc = { .perm_empty = 1, .excl = { DNS("example.com") } }, .want = NCE },
    { "nc_syntax_minimum", NC_SYNTAX, .nc = { .perm = { DNS("example.com") }, .perm_min_one = 1 }, .want = NCE },
    /* a malformed NC also fails sb_names_check_nc itself */
    NC_ONE("malformed_constraint", { .perm = { DNS(".example.com") } }, DNS("foo.example.com"), NCE),

    /* sb_names_check_nc: dNSName */
    NC_ONE("dns_same", NC_DNS, DNS("example.com"), SB_OK),
    NC_ONE("dns_below", NC_DNS, DNS("x.y.example.com"), SB_OK),
    NC_ONE("dns_case", NC_DNS, DNS("WWW.Example.COM"), SB_OK),
    NC_ONE("dns_suffix_not_label", NC_DNS, DNS("xexample.com"), NCE),
    NC_ONE("dns_prefix", NC_DNS, DNS("example.com.evil.org"), NCE),
    NC_ONE("dns_hyphenated", NC_DNS, DNS("not-example.com"), NCE),
    /* excluded beats permitted */
    NC_ONE("dns_permitted_not_excluded", NC_DNS_BOTH, DNS("ok.example.com"), SB_OK),
    NC_ONE("dns_excluded", NC_DNS_BOTH, DNS("bad.example.com"), NCE),
    NC_ONE("dns_below_excluded", NC_DNS_BOTH, DNS("x.BAD.example.com"), NCE),
    /* zero-length excluded dNSName excludes every DNS name */
    NC_ONE("dns_all_excluded", NC_DNS_ALL, DNS("anything.org"), NCE),
    NC_ONE("dns_all_excluded_ip_name", NC_DNS_ALL, IP("192.0.2.1"), SB_OK),
    /* a malformed name cannot be shown to be inside the subtree */
    NC_ONE("dns_malformed_name", NC_DNS, DNS(".example.com"), NCE),
    /* CVE-2025-61727: *.example.com may be bar.example.com */
    NC_ONE("dns_wildcard_may_be_excluded", NC_WILD, DNS("*.example.com"), NCE),
    NC_ONE("dns_wildcard_beside_excluded", NC_WILD, DNS("*.foo.example.com"), SB_OK),
    NC_ONE("dns_wildcard_below_excluded", NC_WILD, DNS("*.bar.example.com"), NCE),
    /* excluded two labels down cannot be reached by a one-label wildcard */
    NC_ONE("dns_wildcard_excluded_two_down", { .excl = { DNS("a.b.example.com") } }, DNS("*.example.com"), SB_OK),
    /* permitted: every expansion must be inside */
    NC_ONE("dns_wildcard_wider_than_permitted", { .perm = { DNS("foo.example.com") } }, DNS("*.example.com"), NCE),
    NC_ONE("dns_wildcard_inside_permitted", { .perm = { DNS("foo.example.com") } }, DNS("*.foo.example.com"), SB_OK),

    /* iPAddress */
    NC_ONE("ip_inside", NC_IP4, IP("192.0.2.1"), SB_OK),
    NC_ONE("ip_last", NC_IP4, IP("192.0.2.255"), SB_OK),
    NC_ONE("ip_outside", NC_IP4, IP("192.0.3.1"), NCE),
    NC_ONE("ip_other_family", NC_IP4, IP("::ffff:192.0.2.1"), NCE),
    NC_ONE("ip_malformed_name", NC_IP4, BYTES("\xc0\x00\x02\x00\xff\xff\xff\x00"), NCE),
    /* a permitted set for iPAddress does not restrict dNSName */
    NC_ONE("ip_constraint_dns_name", NC_IP4, DNS("example.com"), SB_OK),
    NC_ONE("ip6_excluded", NC_IP6_EXCL, IP("::1"), NCE),
    NC_ONE("ip6_not_excluded", NC_IP6_EXCL, IP("::2"), SB_OK),
    NC_ONE("ip6_excluded_v4_name", NC_IP6_EXCL, IP("0.0.0.1"), SB_OK),

    /* rfc822Name */
    NC_ONE("email_mailbox", NC_MBOX, EMAIL("foo@example.com"), SB_OK),
    NC_ONE("email_mailbox_domain_case", NC_MBOX, EMAIL("foo@EXAMPLE.com"), SB_OK),
    NC_ONE("email_mailbox_local_part_exact", NC_MBOX, EMAIL("Foo@example.com"), NCE),
    NC_ONE("email_mailbox_other", NC_MBOX, EMAIL("bar@example.com"), NCE),
    NC_ONE("email_host", NC_MAIL_HOST, EMAIL("anyone@Example.Com"), SB_OK),
    NC_ONE("email_host_subdomain", NC_MAIL_HOST, EMAIL("anyone@sub.example.com"), NCE),
    NC_ONE("email_domain_subdomain", NC_MAIL_DOMAIN, EMAIL("anyone@sub.example.com"), SB_OK),
    NC_ONE("email_domain_itself", NC_MAIL_DOMAIN, EMAIL("anyone@example.com"), NCE),
    NC_ONE("email_domain_suffix", NC_MAIL_DOMAIN, EMAIL("anyone@badexample.com"), NCE),
    /* '*' is a literal character */
    NC_ONE("email_star_literal", NC_MAIL_STAR, EMAIL("*@example.com"), SB_OK),
    NC_ONE("email_star_not_wildcard", NC_MAIL_STAR, EMAIL("user@example.com"), NCE),
    NC_ONE("email_star_subdomain", NC_MAIL_STAR, EMAIL("*@sub.example.com"), NCE),
    /* malformed mailbox in the certificate */
    NC_ONE("email_malformed_name", NC_MAIL_HOST, EMAIL("invalid@address@example.com"), NCE),
    NC_ONE("email_excluded", NC_MAIL_EXCL, EMAIL("x@example.com"), NCE),
    NC_ONE("email_not_excluded", NC_MAIL_EXCL, EMAIL("x@example.org"), SB_OK),
    { "nc_subject_email_address", NC, .nc = { .perm = { EMAIL(".testcertificates.gov") } },
      .cert = { "CN=user/emailAddress=user@mail.testcertificates.gov" }, .want = SB_OK },
    { "nc_subject_email_address_outside", NC, .nc = { .perm = { EMAIL(".testcertificates.gov") } },
      .cert = { "CN=user/emailAddress=user@mail.invalidcertificates.gov" }, .want = NCE },
    /* RFC 5280 applies it to every certificate */
    { "nc_subject_email_address_outside_ca", NC, .nc = { .perm = { EMAIL(".testcertificates.gov") } },
      .cert = { "CN=user/emailAddress=user@mail.invalidcertificates.gov" }, .ca = 1, .want = NCE },

    /* uniformResourceIdentifier */
    NC_ONE("uri_domain", NC_URI_DOMAIN, URI("http://testserver.testcertificates.gov/index.html"), SB_OK),
    NC_ONE("uri_domain_userinfo_port", NC_URI_DOMAIN, URI("https://u:p@a.b.TestCertificates.gov:8443/?q#f"), SB_OK),
    NC_ONE("uri_domain_itself", NC_URI_DOMAIN, URI("http://testcertificates.gov/"), NCE),
    NC_ONE("uri_domain_other", NC_URI_DOMAIN, URI("http://testserver.invalidcertificates.gov/"), NCE),
    NC_ONE("uri_no_host", NC_URI_DOMAIN, URI("urn:isbn:0451450523"), NCE),
    NC_ONE("uri_ip_literal", NC_URI_DOMAIN, URI("http://[2001:db8::1]/"), NCE),
    NC_ONE("uri_host_excluded", NC_URI_HOST_EXCL, URI("http://testcertificates.gov/x"), NCE),
    NC_ONE("uri_host_excluded_subdomain", NC_URI_HOST_EXCL, URI("http://www.testcertificates.gov/x"), SB_OK),

    /* directoryName */
    { "nc_dn_inside", NC, .nc = NC_DN, .cert = { PERMITTED_DN "/CN=Valid DN EE" }, .want = SB_OK },
    /* canonical form */
    { "nc_dn_canonical_form", NC, .nc = NC_DN, .cert = { "C=us/O=test   certificates 2011/OU=PermittedSubtree1/CN=EE" },
      .want = SB_OK },
    { "nc_dn_outside", NC, .nc = NC_DN, .cert = { "C=US/O=Test Certificates 2011/OU=excludedSubtree1/CN=EE" },
      .want = NCE },
    /* shorter than the constraint */
    { "nc_dn_shorter", NC, .nc = NC_DN, .cert = { "C=US/O=Test Certificates 2011" }, .want = NCE },
    /* multi-valued RDN */
    { "nc_dn_multi_valued_rdn", NC, .nc = NC_DN, .cert = { PERMITTED_DN "/+CN=EE" }, .want = NCE },
    /* SAN directoryName entries are checked as well as the subject */
    { "nc_dn_san_outside", NC, .nc = NC_DN,
      .cert = { PERMITTED_DN "/CN=EE", { DN("C=US/O=Test Certificates 2011/OU=other") } }, .want = NCE },
    /* empty subject: only the SAN is checked */
    { "nc_dn_empty_subject", NC, .nc = NC_DN, .cert = { "", { DNS("example.com") }, .san_critical = 1 },
      .want = SB_OK },
    /* excluded subject, innocent SAN */
    { "nc_dn_excluded_subject", NC, .nc = NC_DN_EXCL, .cert = { "CN=foo", { DN("CN=not-foo") } }, .want = NCE },
    { "nc_dn_not_excluded", NC, .nc = NC_DN_EXCL, .cert = { "CN=foo2", { DNS("example.com") } }, .want = SB_OK },

    /* otherName constraints fail closed */
    { "nc_othername_with", NC, .nc = { .perm = { DNS("example.com") }, .excl = { OTHER } },
      .cert = { "CN=leaf", { DNS("example.com"), OTHER } }, .want = NCE },
    { "nc_othername_without", NC, .nc = { .perm = { DNS("example.com") }, .excl = { OTHER } },
      .cert = { "CN=leaf", { DNS("example.com") } }, .want = SB_OK },
    /* no otherName constraint: nothing to evaluate */
    { "nc_othername_not_constrained", NC, .nc = NC_DNS, .cert = { "CN=leaf", { DNS("example.com"), OTHER } },
      .want = SB_OK },

    /* a leaf's CN as a host name */
    { "nc_leaf_cn_outside", NC, .nc = NC_HOSTS, .cert = { "CN=host.evil.org" }, .want = NCE },
    /* CA certificate: CN is not a host name */
    { "nc_ca_cn_not_a_host", NC, .nc = NC_HOSTS, .cert = { "CN=host.evil.org" }, .ca = 1, .want = SB_OK },
    { "nc_leaf_cn_inside", NC, .nc = NC_HOSTS, .cert = { "CN=www.example.com" }, .want = SB_OK },
    { "nc_leaf_cn_ip_outside", NC, .nc = NC_HOSTS, .cert = { "CN=10.0.0.1" }, .want = NCE },
    /* not a host name */
    { "nc_leaf_cn_person", NC, .nc = NC_HOSTS, .cert = { "CN=John Smith" }, .want = SB_OK },
    { "nc_leaf_cn_wildcard_excluded", NC, .nc = { .excl = { DNS("example.com") } }, .cert = { "CN=*.example.com" },
      .want = NCE },
    /* with a DNS or IP SAN the CN is not a candidate host name */
    { "nc_leaf_cn_dns_san", NC, .nc = NC_HOSTS, .cert = { "CN=host.evil.org", { DNS("www.example.com") } },
      .want = SB_OK },
    { "nc_leaf_cn_email_san", NC, .nc = NC_HOSTS, .cert = { "CN=host.evil.org", { EMAIL("a@example.com") } },
      .want = NCE },
    { "nc_malformed_san", NC, .nc = NC_DNS, .cert = { "CN=x", RAW_ASCII_SAN }, .want = NCE },

    /* sb_names_check_san_syntax */
    { "san_syntax_ok", SAN_SYNTAX,
      .cert = { "CN=ok", { DNS("example.com"), DNS("*.example.com"), IP("192.0.2.1"), IP("::1"),
                           EMAIL("a.b+c@example.com"), URI("https://example.com/x"), URI("urn:x:y"), DN("CN=x"),
                           OTHER } },
      .want = SB_OK },
    { "san_syntax_no_san", SAN_SYNTAX, .cert = { "CN=no san" }, .want = SB_OK },
    BAD_SAN_DNS("underscore", "foo_bar.example.com"),
    BAD_SAN_DNS("partial_wildcard", "f*o.example.com"),
    BAD_SAN_DNS("inner_wildcard", "foo.*.example.com"),
    BAD_SAN_DNS("bare_wildcard", "*"),
    BAD_SAN_DNS("leading_dot", ".example.com"),
    BAD_SAN_DNS("trailing_dot", "example.com."),
    BAD_SAN_DNS("wildcard_in_a_label", "xn--*-1b3c148a.example.com"),
    BAD_SAN_DNS("empty", ""),
    { "san_syntax_ip_five_bytes", SAN_SYNTAX, .cert = { "CN=x", { BYTES("\x01\x02\x03\x04\x05") } },
      .want = MALFORMED },
    { "san_syntax_email_without_local_part", SAN_SYNTAX, .cert = { "CN=x", { EMAIL("example.com") } },
      .want = MALFORMED },
    { "san_syntax_email_two_ats", SAN_SYNTAX, .cert = { "CN=x", { EMAIL("invalid@address@example.com") } },
      .want = MALFORMED },
    { "san_syntax_uri_relative", SAN_SYNTAX, .cert = { "CN=x", { URI("//example.com/relative") } }, .want = MALFORMED },
    /* not DER */
    { "san_syntax_not_der", SAN_SYNTAX, .cert = { "CN=x", RAW_ASCII_SAN }, .want = MALFORMED },
    { "san_syntax_empty_sequence", SAN_SYNTAX, .cert = { "CN=x", RAW_EMPTY_SEQ_SAN }, .want = MALFORMED },
    { "san_syntax_empty_subject_noncritical_san", SAN_SYNTAX, .cert = { "", { DNS("example.com") } },
      .want = MALFORMED },
    { "san_syntax_empty_subject_critical_san", SAN_SYNTAX, .cert = { "", { DNS("example.com") }, .san_critical = 1 },
      .want = SB_OK },
    { "san_syntax_empty_subject_no_san", SAN_SYNTAX, .cert = { "" }, .want = MALFORMED },

#define HOST_DNS_CERT { "CN=example.com", { DNS("example.com"), DNS("*.wild.example.com") } }
    /* sb_names_match_host */
    { "host_dns", HOST, .cert = HOST_DNS_CERT, .arg = "example.com", .webpki = 1, .want = SB_OK },
    { "host_dns_case", HOST, .cert = HOST_DNS_CERT, .arg = "EXAMPLE.com", .want = SB_OK },
    { "host_dns_trailing_dot", HOST, .cert = HOST_DNS_CERT, .arg = "example.com.", .webpki = 1, .want = SB_OK },
    { "host_dns_other", HOST, .cert = HOST_DNS_CERT, .arg = "example2.com", .webpki = 1, .want = MISMATCH },
    { "host_dns_subdomain", HOST, .cert = HOST_DNS_CERT, .arg = "abc.example.com", .webpki = 1, .want = MISMATCH },
    { "host_wildcard", HOST, .cert = HOST_DNS_CERT, .arg = "foo.wild.example.com", .webpki = 1, .want = SB_OK },
    { "host_wildcard_a_label", HOST, .cert = HOST_DNS_CERT, .arg = "xn--bliss-1b3c148a.wild.example.com", .webpki = 1,
      .want = SB_OK },
    /* one label only */
    { "host_wildcard_two_labels", HOST, .cert = HOST_DNS_CERT, .arg = "foo.bar.wild.example.com", .webpki = 1,
      .want = MISMATCH },
    { "host_wildcard_parent", HOST, .cert = HOST_DNS_CERT, .arg = "wild.example.com", .webpki = 1, .want = MISMATCH },
    /* not LDH */
    { "host_not_ldh", HOST, .cert = HOST_DNS_CERT, .arg = "foo_bar.wild.example.com", .want = MISMATCH },
    { "host_is_a_pattern", HOST, .cert = HOST_DNS_CERT, .arg = "*.wild.example.com", .want = MISMATCH },
    { "host_empty", HOST, .cert = HOST_DNS_CERT, .arg = "", .want = MISMATCH },
    BAD_WILDCARD("partial", "f*o.example.com", "foo.example.com"),
    BAD_WILDCARD("inner", "foo.*.example.com", "foo.bar.example.com"),
    BAD_WILDCARD("bare", "*", "example.com"),
    BAD_WILDCARD("tld", "*.com", "example.com"),
    BAD_WILDCARD("in_a_label", "xn--*-1b3c148a.example.com", "xn--bliss-1b3c148a.example.com"),
    BAD_WILDCARD("prefix", "ba*.example.com", "baz.example.com"),
    { "host_public_suffix_webpki", HOST, .cert = { "CN=x", { DNS("*.co.uk") } }, .arg = "example.co.uk", .webpki = 1,
      .want = MISMATCH },
    { "host_private_suffix_webpki", HOST, .cert = { "CN=x", { DNS("*.s3.amazonaws.com") } },
      .arg = "bucket.s3.amazonaws.com", .webpki = 1, .want = MISMATCH },
    /* RFC 5280 / 6125 profile has no suffix list */
    { "host_public_suffix", HOST, .cert = { "CN=x", { DNS("*.co.uk") } }, .arg = "example.co.uk", .want = SB_OK },
#define HOST_IP_CERT { "CN=8.8.4.4", { IP("127.0.0.1"), IP("2001:db8::1"), DNS("8.8.8.8") } }
    { "host_ip4", HOST, .cert = HOST_IP_CERT, .arg = "127.0.0.1", .webpki = 1, .want = SB_OK },
    { "host_ip6", HOST, .cert = HOST_IP_CERT, .arg = "2001:DB8:0::1", .webpki = 1, .want = SB_OK },
    { "host_ip6_bracketed", HOST, .cert = HOST_IP_CERT, .arg = "[2001:db8::1]", .want = SB_OK },
    { "host_ip_other", HOST, .cert = HOST_IP_CERT, .arg = "127.0.0.2", .want = MISMATCH },
    /* never a dNSName */
    { "host_ip_as_dns_name", HOST, .cert = HOST_IP_CERT, .arg = "8.8.8.8", .want = MISMATCH },
    /* never the CN */
    { "host_ip_as_cn", HOST, .cert = HOST_IP_CERT, .arg = "8.8.4.4", .want = MISMATCH },
    { "host_ip_cn_without_san", HOST, .cert = { "CN=192.0.2.1" }, .arg = "192.0.2.1", .want = MISMATCH },
    { "host_cn_fallback", HOST, .cert = { "O=Org/CN=www.example.com" }, .arg = "www.example.com", .want = SB_OK },
    { "host_cn_fallback_webpki", HOST, .cert = { "O=Org/CN=www.example.com" }, .arg = "www.example.com", .webpki = 1,
      .want = MISMATCH },
    { "host_cn_fallback_other", HOST, .cert = { "O=Org/CN=www.example.com" }, .arg = "example.com", .want = MISMATCH },
    { "host_cn_fallback_wildcard", HOST, .cert = { "CN=*.example.com" }, .arg = "a.example.com", .want = SB_OK },
    /* a SAN exists: CN unused */
    { "host_cn_unused_with_san", HOST, .cert = { "CN=www.example.com", { EMAIL("a@example.com") } },
      .arg = "www.example.com", .want = MISMATCH },
    { "host_malformed_san", HOST, .cert = { "CN=x", RAW_ASCII_SAN }, .arg = "example.com", .want = MISMATCH },

#define EMAIL_SAN_CERT { "CN=x/emailAddress=other@example.com", { EMAIL("Foo@Example.COM"), DNS("example.com") } }
    /* sb_names_match_email */
    { "email_san", EMAIL_MATCH, .cert = EMAIL_SAN_CERT, .arg = "Foo@example.com", .want = SB_OK },
    /* local part exact */
    { "email_san_local_part_case", EMAIL_MATCH, .cert = EMAIL_SAN_CERT, .arg = "foo@example.com", .want = MISMATCH },
    /* SAN present: DN unused */
    { "email_subject_unused_with_san", EMAIL_MATCH, .cert = EMAIL_SAN_CERT, .arg = "other@example.com",
      .want = MISMATCH },
    { "email_not_an_address", EMAIL_MATCH, .cert = EMAIL_SAN_CERT, .arg = "not an address", .want = MISMATCH },
    { "email_subject", EMAIL_MATCH, .cert = { "CN=x/emailAddress=user@example.com" }, .arg = "user@EXAMPLE.com",
      .want = SB_OK },
    { "email_subject_other", EMAIL_MATCH, .cert = { "CN=x/emailAddress=user@example.com" }, .arg = "user@example.org",
      .want = MISMATCH },
    { "email_malformed_san", EMAIL_MATCH, .cert = { "CN=x", RAW_ASCII_SAN }, .arg = "a@example.com", .want = MISMATCH },

    /* sb_names_check_webpki_leaf */
    { "webpki_cn_in_san", WEBPKI_LEAF, .cert = { "CN=www.example.com", { DNS("example.com"), DNS("www.example.com") } },
      .want = SB_OK },
    /* no CN at all */
    { "webpki_no_cn", WEBPKI_LEAF, .cert = { "O=Org", { DNS("example.com") } }, .want = SB_OK },
    { "webpki_cn_ip_in_san", WEBPKI_LEAF, .cert = { "CN=2001:db8::1:0:0:1", { IP("2001:db8:0:0:1:0:0:1") } },
      .want = SB_OK },
    { "webpki_cn_case_differs", WEBPKI_LEAF, .cert = { "CN=Example.COM", { DNS("example.com") } }, .want = MALFORMED },
    { "webpki_cn_not_in_san", WEBPKI_LEAF, .cert = { "CN=notinsan.example.com", { DNS("valid.example.com") } },
      .want = MALFORMED },
    { "webpki_cn_ip_not_canonical", WEBPKI_LEAF, .cert = { "CN=192.168.001.001", { IP("192.168.1.1") } },
      .want = MALFORMED },
    { "webpki_cn_ip6_not_canonical", WEBPKI_LEAF, .cert = { "CN=2001:db8:0:0:1:0:0:1", { IP("2001:db8::1:0:0:1") } },
      .want = MALFORMED },
    /* critical SAN with a subject */
    { "webpki_critical_san_with_subject", WEBPKI_LEAF, .cert = { "CN=example.com", { DNS("example.com") },
      .san_critical = 1 }, .want = MALFORMED },
    { "webpki_no_san", WEBPKI_LEAF, .cert = { "CN=example.com" }, .want = MALFORMED },
};

static GENERAL_NAME *gn_make(const struct gn *g)
{
    switch (g->kind) {
    case GN_DNS:
        return gn_dns(g->a);
    case GN_EMAIL:
        return gn_email(g->a);
    case GN_URI:
        return gn_uri(g->a);
    case GN_IP:
        return gn_ip(g->a);
    case GN_IPNET:
        return gn_ipnet(g->a, g->b);
    case GN_DN:
        return gn_dn(g->a);
    case GN_OTHER:
        return gn_other();
    case GN_BYTES:
        return gn_bytes((const unsigned char *)g->a, g->n);
    default:
        fail_msg("unknown name kind %d", (int)g->kind);
        return NULL;
    }
}

/* The names of list (up to GN_END); present: an empty list is still a list. NULL when absent. */
static GENERAL_NAMES *names_make(const struct gn *list, int present)
{
    GENERAL_NAMES *s;
    int i;

    if (list[0].kind == GN_END && !present) {
        return NULL;
    }
    assert_non_null(s = sk_GENERAL_NAME_new_null());
    for (i = 0; i < MAX_GN && list[i].kind != GN_END; i++) {
        assert_true(sk_GENERAL_NAME_push(s, gn_make(&list[i])) > 0);
    }
    return s;
}

static NAME_CONSTRAINTS *nc_make(const struct nc_spec *s)
{
    NAME_CONSTRAINTS *nc = mk_nc(names_make(s->perm, s->perm_empty), names_make(s->excl, s->excl_empty));

    if (s->perm_min_one) {
        GENERAL_SUBTREE *sub = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, 0);

        sub->minimum = ASN1_INTEGER_new();
        assert_int_equal(ASN1_INTEGER_set(sub->minimum, 1), 1);
    }
    return nc;
}

static X509 *cert_make(EVP_PKEY *key, const struct cert_spec *c)
{
    const char *subject = c->subject != NULL ? c->subject : "CN=leaf";
    GENERAL_NAMES *san = names_make(c->san, 0);

    if (c->raw_san != NULL) {
        return mk_cert_ext(key, subject, raw_ext((const unsigned char *)c->raw_san, c->raw_len, 0));
    }
    if (c->san_critical) {
        return mk_cert_ext(key, subject, san_ext(san, 1));
    }
    return mk_cert(key, subject, san);
}

static void run_names_case(void **state)
{
    const struct names_case *c = ct_row(state);
    const struct fixture *fx = ct_fx(state);
    NAME_CONSTRAINTS *nc = c->check == NC_SYNTAX || c->check == NC ? nc_make(&c->nc) : NULL;
    X509 *x = c->check != NC_SYNTAX ? cert_make(fx->key, &c->cert) : NULL;
    enum sb_reason r;

    switch (c->check) {
    case NC_SYNTAX:
        r = nc_syntax(nc);
        break;
    case NC:
        r = nc_check(x, !c->ca, nc);
        break;
    case SAN_SYNTAX:
        r = san_syntax(x);
        break;
    case HOST:
        r = host(x, c->arg, c->webpki);
        break;
    case EMAIL_MATCH:
        r = email(x, c->arg);
        break;
    case WEBPKI_LEAF:
        r = webpki_leaf(x);
        break;
    default:
        fail_msg("unknown check %d", (int)c->check);
        return;
    }
    if (r != c->want) {
        fail_msg("got %s, want %s", sb_reason_name(r), sb_reason_name(c->want));
    }
    X509_free(x);
    NAME_CONSTRAINTS_free(nc);
}

/* ---- cases a table row cannot describe -------------------------------------------------------- */

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


/* ---- runner ---------------------------------------------------------------------------------- */

static void fixture_make(void *arg)
{
    struct fixture *fx = arg;

    if (fx->key == NULL) {
        assert_non_null(fx->key = EVP_EC_gen("P-256"));
    }
}

static void fixture_free(void *arg)
{
    struct fixture *fx = arg;

    EVP_PKEY_free(fx->key);
}

int main(void)
{
    static const struct ct_fn fns[] = {
        CT_FN(test_nc_work_bound),
    };
    static const struct ct_table tables[] = {
        CT_TABLE(names_cases, run_names_case),
    };
    struct fixture fx = { NULL };
    const struct ct_fixture fixture = { &fx, fixture_make, fixture_free };

    return ct_main("test_names", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
