/*
 * tests/unit/test_revocation.c — RFC 5280 §6.3 CRL processing (pki/x509/revocation.c and revocation_crl.c).
 *
 * Every CA, certificate and CRL is built here with OpenSSL APIs (P-256 keys generated once per run) and
 * passed through DER, as if loaded from files. Cases follow NIST PKITS 4.4 / 4.14 / 4.15 and the
 * x509-limbo crl::* scenarios; every verdict asserts the reason code. Most cases are rows of rev_cases[]
 * (one cmocka test per row, see case_table.h): the CRLs as data (struct crl_spec), the certificate, the
 * mode, and the expected reason and message fragments. OCSP responses supplied with the object (and the
 * network sources behind fake hooks) are made with OpenSSL's OCSP API as a responder signs them, so those
 * tests validate at the time of the run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "pki/x509/ocsp.h"
#include "pki/x509/cert_decode.h"
#include "pki/x509/revocation.h"
#include "tests/unit/case_table.h"
#include "tests/unit/testcert.h"

#define AT ((time_t)1700000000)   /* 2023-11-14T22:13:20Z */
#define DAY ((time_t)86400)
#define ALL_BUT_KEY_CA 0x1F8u     /* ReasonFlags bits 3..8 */
#define KEY_CA 0x006u             /* keyCompromise, cACompromise */

/* Keys and CA certificates shared by every test: made by the first test's setup, freed after the run. */
struct fx {
    int ready;
    EVP_PKEY *ca_key, *ca2_key, *crlca_key, *other_key, *leaf_key;
    X509 *ca;           /* CN=Test CA, KU keyCertSign|cRLSign */
    X509 *ca_nocrl;     /* CN=Test CA, same key, KU keyCertSign only */
    X509 *ca_noku;      /* CN=Test CA, same key, no keyUsage */
    X509 *ca_alt;       /* CN=Test CA, ca2_key, KU cRLSign: the separate CRL signing certificate */
    X509 *crlca;        /* CN=CRL Issuer, indirect CRL issuer */
    X509 *other;        /* CN=Other CA */
    struct sb_algs algs;
};

struct signer {
    X509 *cert;
    int calls;
};

/* ---------- builders ---------- */

static X509_NAME *mk_name(const char *cn)
{
    X509_NAME *nm = X509_NAME_new();

    assert_non_null(nm);
    assert_int_equal(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0), 1);
    return nm;
}

static GENERAL_NAME *gn_uri(const char *uri)
{
    return tc_gn_ia5(GEN_URI, uri);
}

static GENERAL_NAME *gn_dir(const char *cn)
{
    GENERAL_NAME *g = GENERAL_NAME_new();

    assert_non_null(g);
    GENERAL_NAME_set0_value(g, GEN_DIRNAME, mk_name(cn));
    return g;
}

/* directoryName "CN=<cn1>, CN=<cn2>" (two RDNs). */
static GENERAL_NAME *gn_dir2(const char *cn1, const char *cn2)
{
    GENERAL_NAME *g = gn_dir(cn1);

    assert_int_equal(X509_NAME_add_entry_by_txt(g->d.directoryName, "CN", MBSTRING_ASC, (const unsigned char *)cn2,
                                                -1, -1, 0), 1);
    return g;
}

/* nameRelativeToCRLIssuer "CN=<cn>". */
static DIST_POINT_NAME *dpn_relative(const char *cn)
{
    DIST_POINT_NAME *d = DIST_POINT_NAME_new();
    X509_NAME_ENTRY *ne = X509_NAME_ENTRY_create_by_txt(NULL, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1);

    assert_non_null(d);
    assert_non_null(ne);
    d->type = 1;
    d->name.relativename = sk_X509_NAME_ENTRY_new_null();
    assert_non_null(d->name.relativename);
    assert_true(sk_X509_NAME_ENTRY_push(d->name.relativename, ne) > 0);
    return d;
}

static GENERAL_NAMES *gens1(GENERAL_NAME *g)
{
    GENERAL_NAMES *gs = GENERAL_NAMES_new();

    assert_non_null(gs);
    assert_true(sk_GENERAL_NAME_push(gs, g) > 0);
    return gs;
}

static ASN1_BIT_STRING *reason_bits(unsigned mask)
{
    ASN1_BIT_STRING *bs = ASN1_BIT_STRING_new();
    int i;

    assert_non_null(bs);
    for (i = 1; i <= 8; i++) {
        if ((mask & (1u << i)) != 0) {
            assert_int_equal(ASN1_BIT_STRING_set_bit(bs, i, 1), 1);
        }
    }
    return bs;
}

static DIST_POINT_NAME *dpn_full(GENERAL_NAME *g)
{
    DIST_POINT_NAME *d = DIST_POINT_NAME_new();

    assert_non_null(d);
    d->type = 0;
    d->name.fullname = gens1(g);
    return d;
}

/* One DistributionPoint: name URI (or none), cRLIssuer dirName (or none), reasons (0 = all). */
static STACK_OF(DIST_POINT) *crldp1(const char *uri, const char *crl_issuer_cn, unsigned reasons)
{
    STACK_OF(DIST_POINT) *dps = sk_DIST_POINT_new_null();
    DIST_POINT *dp = DIST_POINT_new();

    assert_non_null(dps);
    assert_non_null(dp);
    if (uri != NULL) {
        dp->distpoint = dpn_full(gn_uri(uri));
    }
    if (crl_issuer_cn != NULL) {
        dp->CRLissuer = gens1(gn_dir(crl_issuer_cn));
    }
    if (reasons != 0) {
        dp->reasons = reason_bits(reasons);
    }
    assert_true(sk_DIST_POINT_push(dps, dp) > 0);
    return dps;
}

static void add_conf_ext(X509 *x, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, nid, value);

    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static void set_serial_hex(ASN1_INTEGER **out, const char *hex)
{
    BIGNUM *bn = NULL;

    assert_true(BN_hex2bn(&bn, hex) > 0);
    *out = BN_to_ASN1_INTEGER(bn, NULL);
    assert_non_null(*out);
    BN_free(bn);
}

/* A certificate, signed and passed through DER. ku NULL = no keyUsage; dps is consumed (may be NULL). */
static X509 *mk_cert(const char *cn, const char *issuer_cn, EVP_PKEY *key, EVP_PKEY *sign_key, const char *serial,
                     int ca, const char *ku, STACK_OF(DIST_POINT) *dps)
{
    X509 *x = X509_new();
    X509_NAME *sn = mk_name(cn), *in = mk_name(issuer_cn);
    ASN1_INTEGER *ser = NULL;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    set_serial_hex(&ser, serial);
    assert_int_equal(X509_set_serialNumber(x, ser), 1);
    assert_int_equal(X509_set_subject_name(x, sn), 1);
    assert_int_equal(X509_set_issuer_name(x, in), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), AT - 365 * DAY));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), AT + 365 * DAY));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    if (ca) {
        add_conf_ext(x, NID_basic_constraints, "critical,CA:TRUE");
    }
    if (ku != NULL) {
        add_conf_ext(x, NID_key_usage, ku);
    }
    if (dps != NULL) {
        assert_int_equal(X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0, X509V3_ADD_DEFAULT), 1);
        CRL_DIST_POINTS_free(dps);
    }
    ASN1_INTEGER_free(ser);
    X509_NAME_free(sn);
    X509_NAME_free(in);
    return tc_sign_reparse(x, sign_key);
}

static X509 *leaf(const char *serial, STACK_OF(DIST_POINT) *dps, const struct fx *f)
{
    return mk_cert("Leaf", "Test CA", f->leaf_key, f->ca_key, serial, 0, "critical,digitalSignature", dps);
}

/* A CRL of issuer_cn; next_u 0 = no nextUpdate. */
static X509_CRL *crl_begin(const char *issuer_cn, time_t this_u, time_t next_u)
{
    X509_CRL *c = X509_CRL_new();
    X509_NAME *nm = mk_name(issuer_cn);
    ASN1_TIME *t = ASN1_TIME_new();

    assert_non_null(c);
    assert_non_null(t);
    assert_int_equal(X509_CRL_set_version(c, 1), 1);
    assert_int_equal(X509_CRL_set_issuer_name(c, nm), 1);
    assert_non_null(ASN1_TIME_set(t, this_u));
    assert_int_equal(X509_CRL_set1_lastUpdate(c, t), 1);
    if (next_u != 0) {
        assert_non_null(ASN1_TIME_set(t, next_u));
        assert_int_equal(X509_CRL_set1_nextUpdate(c, t), 1);
    }
    ASN1_TIME_free(t);
    X509_NAME_free(nm);
    return c;
}

/* Add an unknown extension (OID 1.3.6.1.4.1.55555.7.1) to the CRL c, or else to the entry r. */
static void unknown_ext_add(X509_CRL *c, X509_REVOKED *r, int crit)
{
    static const unsigned char der_null[] = { 0x05, 0x00 };
    ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.55555.7.1", 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext;

    assert_non_null(obj);
    assert_non_null(os);
    assert_int_equal(ASN1_OCTET_STRING_set(os, der_null, sizeof(der_null)), 1);
    ext = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
    assert_non_null(ext);
    if (c != NULL) {
        assert_int_equal(X509_CRL_add_ext(c, ext, -1), 1);
    } else {
        assert_int_equal(X509_REVOKED_add_ext(r, ext, -1), 1);
    }
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

/* reason -1 = no reasonCode; cert_issuer_cn = certificateIssuer entry extension (indirect CRLs). */
static void crl_revoke(X509_CRL *c, const char *serial, time_t when, int reason, const char *cert_issuer_cn,
                       int unknown_crit)
{
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *ser = NULL;
    ASN1_TIME *t = ASN1_TIME_new();
    ASN1_ENUMERATED *e;
    GENERAL_NAMES *gs;

    assert_non_null(r);
    assert_non_null(t);
    set_serial_hex(&ser, serial);
    assert_int_equal(X509_REVOKED_set_serialNumber(r, ser), 1);
    assert_non_null(ASN1_TIME_set(t, when));
    assert_int_equal(X509_REVOKED_set_revocationDate(r, t), 1);
    if (reason >= 0) {
        e = ASN1_ENUMERATED_new();
        assert_non_null(e);
        assert_int_equal(ASN1_ENUMERATED_set(e, reason), 1);
        assert_int_equal(X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0), 1);
        ASN1_ENUMERATED_free(e);
    }
    if (cert_issuer_cn != NULL) {
        gs = gens1(gn_dir(cert_issuer_cn));
        assert_int_equal(X509_REVOKED_add1_ext_i2d(r, NID_certificate_issuer, gs, 1, 0), 1);
        GENERAL_NAMES_free(gs);
    }
    if (unknown_crit) {
        unknown_ext_add(NULL, r, 1);
    }
    assert_int_equal(X509_CRL_add0_revoked(c, r), 1);
    ASN1_INTEGER_free(ser);
    ASN1_TIME_free(t);
}

static void crl_number(X509_CRL *c, long n, int crit, unsigned long flags)
{
    ASN1_INTEGER *i = ASN1_INTEGER_new();

    assert_non_null(i);
    assert_int_equal(ASN1_INTEGER_set(i, n), 1);
    assert_int_equal(X509_CRL_add1_ext_i2d(c, NID_crl_number, i, crit, flags), 1);
    ASN1_INTEGER_free(i);
}

static void crl_delta(X509_CRL *c, long base)
{
    ASN1_INTEGER *i = ASN1_INTEGER_new();

    assert_non_null(i);
    assert_int_equal(ASN1_INTEGER_set(i, base), 1);
    assert_int_equal(X509_CRL_add1_ext_i2d(c, NID_delta_crl, i, 1, X509V3_ADD_DEFAULT), 1);
    ASN1_INTEGER_free(i);
}

/* IDP: dp = distribution point name (consumed, may be NULL); reasons 0 = no onlySomeReasons. */
static void crl_idp(X509_CRL *c, DIST_POINT_NAME *dp, int only_user, int only_ca, unsigned reasons, int indirect)
{
    ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();

    assert_non_null(idp);
    idp->distpoint = dp;
    idp->onlyuser = only_user;
    idp->onlyCA = only_ca;
    idp->indirectCRL = indirect;
    if (reasons != 0) {
        idp->onlysomereasons = reason_bits(reasons);
    }
    assert_int_equal(X509_CRL_add1_ext_i2d(c, NID_issuing_distribution_point, idp, 1, X509V3_ADD_DEFAULT), 1);
    ISSUING_DIST_POINT_free(idp);
}

/* Sign, then pass through DER like a CRL loaded from a file (entry issuers and reasons decoded). */
static X509_CRL *crl_end(X509_CRL *c, EVP_PKEY *key, const EVP_MD *md)
{
    assert_true(X509_CRL_sign(c, key, md) > 0);
    return tc_crl_reparse(c);
}

/* Stack of the given CRLs (each up-referenced; the arguments stay owned by the caller). */
static STACK_OF(X509_CRL) *stk(int n, ...)
{
    STACK_OF(X509_CRL) *s = sk_X509_CRL_new_null();
    va_list ap;
    int i;

    assert_non_null(s);
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        X509_CRL *c = va_arg(ap, X509_CRL *);

        assert_int_equal(X509_CRL_up_ref(c), 1);
        assert_true(sk_X509_CRL_push(s, c) > 0);
    }
    va_end(ap);
    return s;
}

static void stk_free(STACK_OF(X509_CRL) *s)
{
    sk_X509_CRL_pop_free(s, X509_CRL_free);
}

static enum sb_reason signer_cb(void *arg, X509_CRL *crl, EVP_PKEY **key, struct sb_err *err)
{
    struct signer *sg = arg;

    sg->calls++;
    if (sg->cert != NULL && X509_NAME_cmp(X509_get_subject_name(sg->cert), X509_CRL_get_issuer(crl)) == 0 &&
        X509_CRL_verify(crl, X509_get0_pubkey(sg->cert)) > 0) {
        *key = X509_get0_pubkey(sg->cert);
        return SB_OK;
    }
    return sb_err_set(err, SB_R_SIG_CRYPTO, "test signer: no certificate verifies this CRL");
}

static enum sb_reason check_full(const struct fx *f, STACK_OF(X509_CRL) *crls, enum sb_revocation_mode mode,
                                 X509 *cert, X509 *issuer, struct signer *sg, struct sb_err *e)
{
    struct sb_revocation_ctx ctx = { .crls = crls, .at = AT, .mode = mode, .algs = &f->algs };
    enum sb_reason r;

    if (sg != NULL) {
        ctx.find_signer = signer_cb;
        ctx.find_signer_arg = sg;
    }
    sb_err_clear(e);
    r = sb_revocation_check(&ctx, cert, issuer, e);
    assert_int_equal(e->reason, r);
    return r;
}

static enum sb_reason check(const struct fx *f, STACK_OF(X509_CRL) *crls, enum sb_revocation_mode mode, X509 *cert,
                            struct sb_err *e)
{
    return check_full(f, crls, mode, cert, f->ca, NULL, e);
}

static void assert_msg_has(const struct sb_err *e, const char *needle)
{
    if (strstr(e->msg, needle) == NULL) {
        fail_msg("message '%s' lacks '%s'", e->msg, needle);
    }
}

/* ---------- fixture ---------- */

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");

    assert_non_null(k);
    return k;
}

/* Make the fixture on first use (struct ct_fixture.make); fx_free is its release. */
static void fx_make(void *arg)
{
    struct fx *f = arg;

    if (f->ready) {
        return;
    }
    f->ca_key = ec_key();
    f->ca2_key = ec_key();
    f->crlca_key = ec_key();
    f->other_key = ec_key();
    f->leaf_key = ec_key();
    f->ca = mk_cert("Test CA", "Test CA", f->ca_key, f->ca_key, "01", 1, "critical,keyCertSign,cRLSign", NULL);
    f->ca_nocrl = mk_cert("Test CA", "Test CA", f->ca_key, f->ca_key, "02", 1, "critical,keyCertSign", NULL);
    f->ca_noku = mk_cert("Test CA", "Test CA", f->ca_key, f->ca_key, "03", 1, NULL, NULL);
    f->ca_alt = mk_cert("Test CA", "Test CA", f->ca2_key, f->ca_key, "04", 1, "critical,cRLSign", NULL);
    f->crlca = mk_cert("CRL Issuer", "Test CA", f->crlca_key, f->ca_key, "05", 1, "critical,cRLSign", NULL);
    f->other = mk_cert("Other CA", "Other CA", f->other_key, f->other_key, "06", 1, "critical,keyCertSign,cRLSign",
                       NULL);
    sb_algs_default(&f->algs);
    f->ready = 1;
}

static void fx_free(void *arg)
{
    struct fx *f = arg;

    X509_free(f->ca);
    X509_free(f->ca_nocrl);
    X509_free(f->ca_noku);
    X509_free(f->ca_alt);
    X509_free(f->crlca);
    X509_free(f->other);
    EVP_PKEY_free(f->ca_key);
    EVP_PKEY_free(f->ca2_key);
    EVP_PKEY_free(f->crlca_key);
    EVP_PKEY_free(f->other_key);
    EVP_PKEY_free(f->leaf_key);
}

/* ---------- CRLs and certificates as data ---------- */

/* CRLReason codes used below (RFC 5280 §5.3.1). */
#define KEY_COMPROMISE 1
#define CA_COMPROMISE 2
#define SUPERSEDED 4
#define CERTIFICATE_HOLD 6
#define REMOVE_FROM_CRL 8
#define PRIVILEGE_WITHDRAWN 9

#define NO_NEXT ((time_t)-1)   /* crl_spec.next_u: no nextUpdate */
#define CALLS(n) ((n) + 1)     /* rev_case.want_calls: the signer lookup ran n times (0: unchecked) */
#define MAX_ENTRIES 4

/* A distribution point name, in a certificate's CRLDP or a CRL's IDP. */
enum dpn_kind {
    DPN_NONE = 0,
    DPN_URI,          /* fullName URI a */
    DPN_DIR,          /* fullName directoryName CN=a */
    DPN_DIR2,         /* fullName directoryName CN=a, CN=b */
    DPN_RELATIVE,     /* nameRelativeToCRLIssuer CN=a */
};

struct dpn {
    enum dpn_kind kind;
    const char *a, *b;
};

/* One revokedCertificates entry; reason 0: no reasonCode (code 0 is not used here). */
struct crl_entry {
    const char *serial;        /* hex; NULL ends the list */
    time_t when;
    int reason;
    const char *cert_issuer;   /* certificateIssuer entry extension (indirect CRLs) */
    int unknown_critical;      /* an unknown critical entry extension */
};

enum crl_signer { SIGN_CA = 0, SIGN_CA2, SIGN_OTHER };
enum unknown_ext { NO_UNKNOWN_EXT = 0, UNKNOWN_EXT_CRITICAL, UNKNOWN_EXT_NONCRITICAL };

/* A CRL, built in this order: entries, crlNumber, a second crlNumber, unknown extension, deltaCRLIndicator, IDP. */
struct crl_spec {
    const char *issuer;                 /* NULL: "Test CA" */
    time_t this_u, next_u;              /* 0: AT - DAY, AT + DAY; next_u NO_NEXT: none */
    struct crl_entry rev[MAX_ENTRIES];
    long number;                        /* 0: no crlNumber */
    int number_critical;
    long number_again;                  /* a second crlNumber extension */
    enum unknown_ext unknown_ext;
    long delta_base;                    /* a delta CRL of this base */
    struct {
        struct dpn name;
        int only_user, only_ca, indirect;
        unsigned reasons;               /* onlySomeReasons bits; 0: none */
    } idp;                              /* present when any field is set */
    enum crl_signer key;
    int sha1;                           /* signed with SHA-1 */
};

/* simple_crl(): a current complete CRL of Test CA numbered n, entries revoked two days before AT. */
#define REV2D(serial, reason) { (serial), AT - 2 * DAY, (reason), NULL, 0 }
/* An entry revoked a day before AT. */
#define REV1D(serial, reason) { (serial), AT - DAY, (reason), NULL, 0 }
/* delta_crl(): issued half a day before AT, its entries then too. */
#define DELTA(n, base, next) .this_u = AT - DAY / 2, .next_u = (next), .number = (n), .delta_base = (base)
#define REV_HALF_DAY(serial, reason) { (serial), AT - DAY / 2, (reason), NULL, 0 }

static const struct crl_spec crl_clean = { .number = 1 };
static const struct crl_spec crl_1001_kc = { .number = 1, .rev = { REV2D("1001", KEY_COMPROMISE) } };
static const struct crl_spec crl_1001_kc_n7 = { .number = 7, .rev = { REV2D("1001", KEY_COMPROMISE) } };
static const struct crl_spec crl_2002_kc = { .number = 1, .rev = { REV2D("2002", KEY_COMPROMISE) } };
static const struct crl_spec crl_revoked_after_at = {
    .number = 1, .rev = { { "1001", AT + 3600, KEY_COMPROMISE, NULL, 0 } }
};
static const struct crl_spec crl_stale_listing = {
    .this_u = AT - 10 * DAY, .next_u = AT - DAY, .number = 3, .rev = { { "1001", AT - 20 * DAY, SUPERSEDED, NULL, 0 } }
};
static const struct crl_spec crl_stale_clean = { .this_u = AT - 10 * DAY, .next_u = AT - DAY, .number = 3 };
static const struct crl_spec crl_other_issuer = {
    .issuer = "Other CA", .key = SIGN_OTHER, .number = 1, .rev = { REV1D("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_bad_signature = {
    .key = SIGN_OTHER, .number = 1, .rev = { REV1D("1001", KEY_COMPROMISE) }
};
/* limbo crl::crlnumber-missing / crl::crlnumber-critical, duplicate extension, unknown critical extension */
static const struct crl_spec crl_no_number = { .rev = { REV1D("1001", KEY_COMPROMISE) } };
static const struct crl_spec crl_number_critical = {
    .number = 1, .number_critical = 1, .rev = { REV1D("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_number_twice = {
    .number = 1, .number_again = 2, .rev = { REV1D("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_unknown_critical = {
    .number = 1, .unknown_ext = UNKNOWN_EXT_CRITICAL, .rev = { REV1D("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_unknown_noncritical = {
    .number = 1, .unknown_ext = UNKNOWN_EXT_NONCRITICAL, .rev = { REV1D("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_unknown_critical_entry = {
    .number = 1, .rev = { REV1D("1001", KEY_COMPROMISE), { "0777", AT - DAY, KEY_COMPROMISE, NULL, 1 } }
};
static const struct crl_spec crl_future = {
    .this_u = AT + DAY, .next_u = AT + 2 * DAY, .number = 1, .rev = { REV1D("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_no_next = { .next_u = NO_NEXT, .number = 1 };
static const struct crl_spec crl_sha1 = { .number = 1, .sha1 = 1 };
static const struct crl_spec crl_serial_forms = {
    .number = 1,
    .rev = { REV1D("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", KEY_COMPROMISE), REV1D("-2A", KEY_COMPROMISE) }
};
static const struct crl_spec crl_by_ca2 = { .key = SIGN_CA2, .number = 1, .rev = { REV1D("1002", CA_COMPROMISE) } };
static const struct crl_spec crl_only_ca = {
    .number = 1, .rev = { REV1D("1001", KEY_COMPROMISE) }, .idp = { .only_ca = 1 }
};
static const struct crl_spec crl_only_user = { .number = 2, .idp = { .only_user = 1 } };
static const struct crl_spec crl_dp_a = {
    .number = 1, .idp = { .name = { DPN_URI, "http://crl.example/a.crl", NULL } }
};
static const struct crl_spec crl_dp_b = {
    .number = 2, .rev = { REV1D("1001", KEY_COMPROMISE) },
    .idp = { .name = { DPN_URI, "http://crl.example/b.crl", NULL } }
};
static const struct crl_spec crl_dp_issuer_dn = { .number = 3, .idp = { .name = { DPN_DIR, "Test CA", NULL } } };
static const struct crl_spec crl_dp_relative_crl1 = {
    .number = 1, .rev = { REV1D("1001", KEY_COMPROMISE) }, .idp = { .name = { DPN_RELATIVE, "CRL1", NULL } }
};
static const struct crl_spec crl_dp_full_crl2 = { .number = 2, .idp = { .name = { DPN_DIR2, "Test CA", "CRL2" } } };
static const struct crl_spec crl_reasons_key_ca = { .number = 1, .idp = { .reasons = KEY_CA } };
static const struct crl_spec crl_reasons_rest = {
    .number = 2, .rev = { REV1D("1002", CERTIFICATE_HOLD) }, .idp = { .reasons = ALL_BUT_KEY_CA }
};
static const struct crl_spec crl_base_10 = { .number = 10 };
static const struct crl_spec crl_hold_10 = { .number = 10, .rev = { REV2D("1001", CERTIFICATE_HOLD) } };
static const struct crl_spec crl_kc_10 = { .number = 10, .rev = { REV2D("1001", KEY_COMPROMISE) } };
static const struct crl_spec crl_newer_5 = { .number = 5 };
static const struct crl_spec crl_delta_11_kc = {
    DELTA(11, 10, AT + DAY), .rev = { REV_HALF_DAY("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_delta_13_base_12 = {
    DELTA(13, 12, AT + DAY), .rev = { REV_HALF_DAY("1001", KEY_COMPROMISE) }
};
static const struct crl_spec crl_delta_remove = {
    DELTA(11, 10, AT + DAY), .rev = { REV_HALF_DAY("1001", REMOVE_FROM_CRL) }
};
static const struct crl_spec crl_delta_remove_stale = {
    DELTA(11, 10, AT - 3600), .rev = { REV_HALF_DAY("1001", REMOVE_FROM_CRL) }
};
static const struct crl_spec crl_old_hold = {
    .this_u = AT - 10 * DAY, .next_u = AT - 5 * DAY, .number = 4,
    .rev = { { "1001", AT - 12 * DAY, CERTIFICATE_HOLD, NULL, 0 } }
};
static const struct crl_spec crl_old_kc = {
    .this_u = AT - 10 * DAY, .next_u = AT - 5 * DAY, .number = 4,
    .rev = { { "1001", AT - 12 * DAY, KEY_COMPROMISE, NULL, 0 } }
};

/* The certificate checked: a leaf of Test CA unless kind says otherwise. */
enum cert_kind {
    CERT_LEAF = 0,     /* CN=Leaf by Test CA, KU digitalSignature */
    CERT_SUB_CA,       /* CN=Sub CA by Test CA, KU keyCertSign (other_key) */
    CERT_OTHER_LEAF,   /* CN=Leaf by Other CA, no keyUsage */
};

struct cert_spec {
    enum cert_kind kind;
    const char *serial;          /* NULL: "1001" */
    struct dpn dp;               /* CRLDistributionPoints: one point with this name ... */
    const char *dp_crl_issuer;   /* ... and this cRLIssuer (NULL: none); no extension when both are empty */
};

enum issuer_id { ISSUER_CA = 0, ISSUER_CA_NO_CRL_SIGN, ISSUER_CA_NO_KU, ISSUER_OTHER };
enum signer_id {
    SIGNER_NONE = 0,     /* no find_signer callback */
    SIGNER_NOBODY,       /* a callback that finds no certificate */
    SIGNER_CA_ALT,       /* the callback offers ca_alt (Test CA, ca2_key, cRLSign) */
};

struct rev_case {
    const char *name;
    const struct crl_spec *crls[3];   /* the CRLs, NULL-terminated (none: an empty stack) */
    int no_crls;                      /* ctx.crls NULL instead */
    enum sb_revocation_mode mode;
    struct cert_spec cert;
    enum issuer_id issuer;
    enum signer_id signer;
    enum sb_reason want;
    const char *want_msg[4];          /* each in err.msg */
    int want_calls;                   /* CALLS(n) */
};

#define REQUIRE SB_REV_REQUIRE
#define PREFER SB_REV_PREFER
#define UNAVAILABLE SB_R_REVOCATION_UNAVAILABLE

static const struct rev_case rev_cases[] = {
    /* basic CRL (PKITS 4.4, limbo crl::*) */
    { "off_mode_listed", { &crl_1001_kc }, .mode = SB_REV_OFF, .want = SB_OK },
    { "off_mode_no_crls", { NULL }, .no_crls = 1, .mode = SB_REV_OFF, .want = SB_OK },
    { "current_not_listed_require", { &crl_2002_kc }, .mode = REQUIRE, .want = SB_OK },
    { "current_not_listed_prefer", { &crl_2002_kc }, .mode = PREFER, .want = SB_OK },
    /* the issuer's own key verifies: no signer lookup */
    { "current_not_listed_no_signer_lookup", { &crl_2002_kc }, .mode = REQUIRE, .signer = SIGNER_NOBODY, .want = SB_OK,
      .want_calls = CALLS(0) },
    { "listed_revoked_require", { &crl_1001_kc_n7 }, .mode = REQUIRE, .want = SB_R_REVOKED,
      .want_msg = { "serial 1001", "keyCompromise", "CN=Test CA", "CRL 7" } },
    { "listed_revoked_prefer", { &crl_1001_kc_n7 }, .mode = PREFER, .want = SB_R_REVOKED },
    { "revoked_after_at", { &crl_revoked_after_at }, .mode = REQUIRE, .want = SB_OK },
    /* a stale CRL still proves revocation, but not good standing */
    { "stale_crl_listing_prefer", { &crl_stale_listing }, .mode = PREFER, .want = SB_R_REVOKED,
      .want_msg = { "superseded", "stale" } },
    { "stale_crl_listing_require", { &crl_stale_listing }, .mode = REQUIRE, .want = SB_R_REVOKED },
    { "stale_crl_clean_require", { &crl_stale_clean }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "expired at 2023-11-13T22:13:20Z" } },
    { "stale_crl_clean_prefer", { &crl_stale_clean }, .mode = PREFER, .want = SB_OK },
    { "no_crl_require", { NULL }, .no_crls = 1, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "no CRL from issuer CN=Test CA" } },
    { "empty_crl_stack_require", { NULL }, .mode = REQUIRE, .want = UNAVAILABLE },
    { "no_crl_prefer", { NULL }, .no_crls = 1, .mode = PREFER, .want = SB_OK },
    /* limbo crl::certificate-serial-on-crl-different-issuer */
    { "other_issuer_crl_prefer", { &crl_other_issuer }, .mode = PREFER, .want = SB_OK },
    { "other_issuer_crl_require", { &crl_other_issuer }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "no CRL from issuer" } },
    { "other_issuer_crl_and_own_require", { &crl_other_issuer, &crl_clean }, .mode = REQUIRE, .want = SB_OK },
    /* PKITS 4.4.3 Invalid Bad CRL Signature: never trusted, not even to revoke */
    { "bad_signature_require", { &crl_bad_signature }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "signature does not verify" } },
    { "bad_signature_prefer", { &crl_bad_signature }, .mode = PREFER, .want = SB_OK },
    /* the signer lookup is asked and fails too */
    { "bad_signature_signer_lookup_fails", { &crl_bad_signature }, .mode = REQUIRE, .signer = SIGNER_NOBODY,
      .want = UNAVAILABLE, .want_msg = { "test signer" }, .want_calls = CALLS(1) },
    { "crl_number_missing_require", { &crl_no_number }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "no CRL number" } },
    { "crl_number_missing_prefer", { &crl_no_number }, .mode = PREFER, .want = SB_OK },
    { "crl_number_critical_require", { &crl_number_critical }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "CRL number extension is critical" } },
    { "crl_number_critical_prefer", { &crl_number_critical }, .mode = PREFER, .want = SB_OK },
    { "crl_number_twice_require", { &crl_number_twice }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "appears more than once" } },
    { "crl_number_twice_prefer", { &crl_number_twice }, .mode = PREFER, .want = SB_OK },
    { "crl_unknown_critical_ext_require", { &crl_unknown_critical }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "unknown critical CRL extension 1.3.6.1.4.1.55555.7.1" } },
    { "crl_unknown_critical_ext_prefer", { &crl_unknown_critical }, .mode = PREFER, .want = SB_OK },
    /* a non-critical unknown extension is fine */
    { "crl_unknown_noncritical_ext_prefer", { &crl_unknown_noncritical }, .mode = PREFER, .want = SB_R_REVOKED },
    { "crl_unknown_critical_entry_ext_require", { &crl_unknown_critical_entry }, .mode = REQUIRE,
      .want = UNAVAILABLE, .want_msg = { "unknown critical CRL entry extension" } },
    { "crl_unknown_critical_entry_ext_prefer", { &crl_unknown_critical_entry }, .mode = PREFER, .want = SB_OK },
    /* limbo crl::issuer-missing-crlsign, crl::issuer-no-keyusage-extension */
    { "issuer_without_crl_sign_listed_prefer", { &crl_1001_kc }, .mode = PREFER, .issuer = ISSUER_CA_NO_CRL_SIGN,
      .want = SB_OK },
    { "issuer_without_crl_sign_clean_require", { &crl_clean }, .mode = REQUIRE, .issuer = ISSUER_CA_NO_CRL_SIGN,
      .want = UNAVAILABLE, .want_msg = { "without cRLSign" } },
    { "issuer_without_key_usage_listed_prefer", { &crl_1001_kc }, .mode = PREFER, .issuer = ISSUER_CA_NO_KU,
      .want = SB_R_REVOKED },
    { "issuer_without_key_usage_clean_require", { &crl_clean }, .mode = REQUIRE, .issuer = ISSUER_CA_NO_KU,
      .want = SB_OK },
    /* PKITS 4.4.10/4.4.11: future thisUpdate; a CRL without nextUpdate is never current */
    { "crl_this_update_future_require", { &crl_future }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "not yet valid" } },
    { "crl_this_update_future_prefer", { &crl_future }, .mode = PREFER, .want = SB_OK },
    { "crl_no_next_update_require", { &crl_no_next }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "no nextUpdate" } },
    { "crl_no_next_update_prefer", { &crl_no_next }, .mode = PREFER, .want = SB_OK },
    /* CRL signatures must use an allowed algorithm (SHA-1 is refused by default) */
    { "crl_signed_sha1", { &crl_sha1 }, .mode = REQUIRE, .want = UNAVAILABLE, .want_msg = { "SHA-1" } },
    /* PKITS 4.4.14-18: negative and 20-octet serial numbers */
    { "serial_negative_listed", { &crl_serial_forms }, .mode = REQUIRE, .cert = { .serial = "-2A" },
      .want = SB_R_REVOKED, .want_msg = { "serial -2a" } },
    { "serial_positive_not_listed", { &crl_serial_forms }, .mode = REQUIRE, .cert = { .serial = "2A" },
      .want = SB_OK },
    { "serial_20_octets_listed", { &crl_serial_forms }, .mode = REQUIRE,
      .cert = { .serial = "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" }, .want = SB_R_REVOKED },
    /* PKITS 4.4.19-21: CRL signed by a separate key of the same CA name, found through find_signer */
    { "find_signer_not_listed", { &crl_by_ca2 }, .mode = REQUIRE, .signer = SIGNER_CA_ALT, .want = SB_OK,
      .want_calls = CALLS(1) },
    { "find_signer_listed", { &crl_by_ca2 }, .mode = REQUIRE, .cert = { .serial = "1002" }, .signer = SIGNER_CA_ALT,
      .want = SB_R_REVOKED, .want_msg = { "cACompromise" }, .want_calls = CALLS(1) },
    /* the signer cannot be validated (PKITS 4.4.21: revoked CRL signer) */
    { "find_signer_finds_nobody", { &crl_by_ca2 }, .mode = REQUIRE, .cert = { .serial = "1002" },
      .signer = SIGNER_NOBODY, .want = UNAVAILABLE, .want_calls = CALLS(1) },
    /* without a lookup the CRL is unusable */
    { "find_signer_absent", { &crl_by_ca2 }, .mode = REQUIRE, .want = UNAVAILABLE },

    /* distribution points (PKITS 4.14); onlyContainsCACerts does not apply to a leaf: its entry is
     * ignored and gives no coverage */
    { "idp_only_ca_leaf_prefer", { &crl_only_ca }, .mode = PREFER, .want = SB_OK },
    { "idp_only_ca_leaf_require", { &crl_only_ca }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "only contains CA certificates" } },
    { "idp_only_ca_sub_ca_prefer", { &crl_only_ca }, .mode = PREFER, .cert = { .kind = CERT_SUB_CA },
      .want = SB_R_REVOKED },
    /* onlyContainsUserCerts covers leaves, not CAs */
    { "idp_only_user_leaf_require", { &crl_only_user }, .mode = REQUIRE, .want = SB_OK },
    { "idp_only_user_sub_ca_require", { &crl_only_user }, .mode = REQUIRE, .cert = { .kind = CERT_SUB_CA },
      .want = UNAVAILABLE, .want_msg = { "only contains end-entity certificates" } },
    { "idp_same_point", { &crl_dp_a }, .mode = REQUIRE,
      .cert = { .dp = { DPN_URI, "http://crl.example/a.crl", NULL } }, .want = SB_OK },
    /* PKITS 4.14.3: another distribution point's CRL does not apply, listing included */
    { "idp_other_point_require", { &crl_dp_b }, .mode = REQUIRE,
      .cert = { .dp = { DPN_URI, "http://crl.example/a.crl", NULL } }, .want = UNAVAILABLE,
      .want_msg = { "matches none of the certificate's CRL distribution points" } },
    { "idp_other_point_prefer", { &crl_dp_b }, .mode = PREFER,
      .cert = { .dp = { DPN_URI, "http://crl.example/a.crl", NULL } }, .want = SB_OK },
    /* PKITS 4.14.8: without a CRLDP, only an IDP naming the issuer applies */
    { "idp_uri_cert_without_crldp", { &crl_dp_a }, .mode = REQUIRE, .want = UNAVAILABLE },
    { "idp_issuer_name_cert_without_crldp", { &crl_dp_issuer_dn }, .mode = REQUIRE, .want = SB_OK },
    /* PKITS 4.14.4/4.14.7: nameRelativeToCRLIssuer is appended to the CRL issuer's name */
    { "idp_relative_matches_full_dp", { &crl_dp_relative_crl1 }, .mode = REQUIRE,
      .cert = { .dp = { DPN_DIR2, "Test CA", "CRL1" } }, .want = SB_R_REVOKED },
    { "idp_full_other_than_full_dp", { &crl_dp_full_crl2 }, .mode = REQUIRE,
      .cert = { .dp = { DPN_DIR2, "Test CA", "CRL1" } }, .want = UNAVAILABLE },
    { "idp_full_matches_relative_dp", { &crl_dp_full_crl2 }, .mode = REQUIRE,
      .cert = { .serial = "1002", .dp = { DPN_RELATIVE, "CRL2", NULL } }, .want = SB_OK },
    { "idp_relative_other_than_relative_dp", { &crl_dp_relative_crl1 }, .mode = REQUIRE,
      .cert = { .serial = "1002", .dp = { DPN_RELATIVE, "CRL2", NULL } }, .want = UNAVAILABLE },
    /* PKITS 4.14.15-21: reason-partitioned CRLs must together cover all reasons */
    { "only_some_reasons_both_partitions", { &crl_reasons_key_ca, &crl_reasons_rest }, .mode = REQUIRE,
      .want = SB_OK },
    { "only_some_reasons_half_require", { &crl_reasons_key_ca }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "do not cover the reasons affiliationChanged,superseded" } },
    { "only_some_reasons_half_prefer", { &crl_reasons_key_ca }, .mode = PREFER, .want = SB_OK },
    /* PKITS 4.14.16: on hold on the second partition */
    { "only_some_reasons_hold_on_second", { &crl_reasons_key_ca, &crl_reasons_rest }, .mode = REQUIRE,
      .cert = { .serial = "1002" }, .want = SB_R_REVOKED, .want_msg = { "certificateHold" } },

    /* delta CRLs (PKITS 4.15) */
    { "delta_revokes", { &crl_base_10, &crl_delta_11_kc }, .mode = REQUIRE, .want = SB_R_REVOKED,
      .want_msg = { "delta CRL 11" } },
    { "delta_other_serial", { &crl_base_10, &crl_delta_11_kc }, .mode = REQUIRE, .cert = { .serial = "1002" },
      .want = SB_OK },
    /* PKITS 4.15.1: a delta CRL alone is not usable */
    { "delta_alone_require", { &crl_delta_11_kc }, .mode = REQUIRE, .want = UNAVAILABLE,
      .want_msg = { "no current complete CRL" } },
    { "delta_alone_prefer", { &crl_delta_11_kc }, .mode = PREFER, .want = SB_OK },
    /* base CRL number 12 > the complete CRL's 10: the delta is unusable, the complete CRL still covers */
    { "delta_base_newer_than_complete", { &crl_base_10, &crl_delta_13_base_12 }, .mode = REQUIRE, .want = SB_OK },
    { "hold_on_complete", { &crl_hold_10 }, .mode = REQUIRE, .want = SB_R_REVOKED,
      .want_msg = { "certificateHold" } },
    /* PKITS 4.15.5: hold released by removeFromCRL in a current delta */
    { "delta_remove_from_crl_releases_hold", { &crl_hold_10, &crl_delta_remove }, .mode = REQUIRE, .want = SB_OK },
    { "delta_remove_from_crl_stale", { &crl_hold_10, &crl_delta_remove_stale }, .mode = PREFER,
      .want = SB_R_REVOKED },
    /* PKITS 4.15.6: hold turned into keyCompromise by the delta */
    { "delta_hold_to_key_compromise", { &crl_hold_10, &crl_delta_11_kc }, .mode = REQUIRE, .want = SB_R_REVOKED,
      .want_msg = { "keyCompromise" } },
    /* removeFromCRL cannot undo a permanent revocation */
    { "delta_remove_from_crl_permanent", { &crl_kc_10, &crl_delta_remove }, .mode = REQUIRE,
      .want = SB_R_REVOKED },
    /* PKITS 4.15.7: removeFromCRL for a certificate not on the complete CRL */
    { "delta_remove_from_crl_not_listed", { &crl_base_10, &crl_delta_remove }, .mode = REQUIRE, .want = SB_OK },
    /* a certificateHold on an older CRL is released by a newer complete CRL that no longer lists it */
    { "hold_released_by_newer_crl", { &crl_old_hold, &crl_newer_5 }, .mode = REQUIRE, .want = SB_OK },
    { "key_compromise_kept_by_newer_crl", { &crl_old_kc, &crl_newer_5 }, .mode = REQUIRE, .want = SB_R_REVOKED },
};

static DIST_POINT_NAME *dpn_make(const struct dpn *d)
{
    switch (d->kind) {
    case DPN_NONE:
        return NULL;
    case DPN_URI:
        return dpn_full(gn_uri(d->a));
    case DPN_DIR:
        return dpn_full(gn_dir(d->a));
    case DPN_DIR2:
        return dpn_full(gn_dir2(d->a, d->b));
    case DPN_RELATIVE:
        return dpn_relative(d->a);
    default:
        fail_msg("unknown distribution point kind %d", (int)d->kind);
        return NULL;
    }
}

static X509_CRL *crl_make(const struct fx *f, const struct crl_spec *s)
{
    EVP_PKEY *key = s->key == SIGN_CA2 ? f->ca2_key : s->key == SIGN_OTHER ? f->other_key : f->ca_key;
    X509_CRL *c = crl_begin(s->issuer != NULL ? s->issuer : "Test CA", s->this_u != 0 ? s->this_u : AT - DAY,
                            s->next_u == NO_NEXT ? 0 : s->next_u != 0 ? s->next_u : AT + DAY);
    int i;

    for (i = 0; i < MAX_ENTRIES && s->rev[i].serial != NULL; i++) {
        const struct crl_entry *r = &s->rev[i];

        crl_revoke(c, r->serial, r->when, r->reason != 0 ? r->reason : -1, r->cert_issuer, r->unknown_critical);
    }
    if (s->number != 0) {
        crl_number(c, s->number, s->number_critical, X509V3_ADD_DEFAULT);
    }
    if (s->number_again != 0) {
        crl_number(c, s->number_again, 0, X509V3_ADD_APPEND);
    }
    if (s->unknown_ext != NO_UNKNOWN_EXT) {
        unknown_ext_add(c, NULL, s->unknown_ext == UNKNOWN_EXT_CRITICAL);
    }
    if (s->delta_base != 0) {
        crl_delta(c, s->delta_base);
    }
    if (s->idp.name.kind != DPN_NONE || s->idp.only_user || s->idp.only_ca || s->idp.indirect || s->idp.reasons != 0) {
        crl_idp(c, dpn_make(&s->idp.name), s->idp.only_user, s->idp.only_ca, s->idp.reasons, s->idp.indirect);
    }
    return crl_end(c, key, s->sha1 ? EVP_sha1() : EVP_sha256());
}

static X509 *cert_make(const struct fx *f, const struct cert_spec *c)
{
    const char *serial = c->serial != NULL ? c->serial : "1001";
    STACK_OF(DIST_POINT) *dps = NULL;

    if (c->dp.kind != DPN_NONE || c->dp_crl_issuer != NULL) {
        dps = crldp1(NULL, c->dp_crl_issuer, 0);
        sk_DIST_POINT_value(dps, 0)->distpoint = dpn_make(&c->dp);
    }
    switch (c->kind) {
    case CERT_LEAF:
        return leaf(serial, dps, f);
    case CERT_SUB_CA:
        return mk_cert("Sub CA", "Test CA", f->other_key, f->ca_key, serial, 1, "critical,keyCertSign", dps);
    case CERT_OTHER_LEAF:
        return mk_cert("Leaf", "Other CA", f->leaf_key, f->other_key, serial, 0, NULL, dps);
    default:
        fail_msg("unknown certificate kind %d", (int)c->kind);
        return NULL;
    }
}

static X509 *issuer_of(const struct fx *f, enum issuer_id id)
{
    switch (id) {
    case ISSUER_CA:
        return f->ca;
    case ISSUER_CA_NO_CRL_SIGN:
        return f->ca_nocrl;
    case ISSUER_CA_NO_KU:
        return f->ca_noku;
    case ISSUER_OTHER:
        return f->other;
    default:
        fail_msg("unknown issuer %d", (int)id);
        return NULL;
    }
}

static void run_rev_case(void **state)
{
    const struct rev_case *c = ct_row(state);
    const struct fx *f = ct_fx(state);
    X509 *cert = cert_make(f, &c->cert);
    STACK_OF(X509_CRL) *crls = NULL;
    struct signer sg = { c->signer == SIGNER_CA_ALT ? f->ca_alt : NULL, 0 };
    struct sb_err e;
    enum sb_reason rc;
    int i;

    if (!c->no_crls) {
        assert_non_null(crls = sk_X509_CRL_new_null());
        for (i = 0; i < 3 && c->crls[i] != NULL; i++) {
            assert_true(sk_X509_CRL_push(crls, crl_make(f, c->crls[i])) > 0);
        }
    }
    rc = check_full(f, crls, c->mode, cert, issuer_of(f, c->issuer), c->signer != SIGNER_NONE ? &sg : NULL, &e);
    if (rc != c->want) {
        fail_msg("got %s (%s), want %s", sb_reason_name(rc), e.msg, sb_reason_name(c->want));
    }
    for (i = 0; i < 4 && c->want_msg[i] != NULL; i++) {
        assert_msg_has(&e, c->want_msg[i]);
    }
    if (c->want_calls != 0) {
        assert_int_equal(sg.calls, c->want_calls - 1);
    }
    stk_free(crls);
    X509_free(cert);
}

/* ---------- cases a table row cannot describe ---------- */

/* PKITS 4.14.24-35: indirect CRL from a cRLIssuer, certificateIssuer entries carrying forward */
static void test_revocation_check_indirect_crl(void **state)
{
    const struct fx *f = ct_fx(state);
    const char *uri = "ldap://crl.example/indirect";
    X509 *l20 = leaf("20", crldp1(uri, "CRL Issuer", 0), f), *l10 = leaf("10", crldp1(uri, "CRL Issuer", 0), f);
    X509 *l30 = leaf("30", crldp1(uri, "CRL Issuer", 0), f), *l05 = leaf("05", crldp1(uri, "CRL Issuer", 0), f);
    X509 *o05 = mk_cert("Leaf", "Other CA", f->leaf_key, f->other_key, "05", 0, NULL, crldp1(uri, "CRL Issuer", 0));
    X509 *nodp = leaf("20", NULL, f);
    X509_CRL *ind = crl_begin("CRL Issuer", AT - DAY, AT + DAY), *notind = crl_begin("CRL Issuer", AT - DAY, AT + DAY);
    X509_REVOKED *rev = NULL;
    ASN1_INTEGER *probe = NULL;
    STACK_OF(X509_CRL) *s, *s2;
    struct signer sg = { f->crlca, 0 };
    struct sb_err e;
    int round;

    /* encoded order matters: entries inherit the certificateIssuer of the entry before them */
    crl_revoke(ind, "30", AT - DAY, 1, NULL, 0);           /* CRL Issuer's own certificate */
    crl_revoke(ind, "20", AT - DAY, 1, "Test CA", 0);
    crl_revoke(ind, "10", AT - DAY, 9, NULL, 0);           /* inherits Test CA */
    crl_revoke(ind, "40", AT - DAY, 1, "Other CA", 0);
    crl_revoke(ind, "05", AT - DAY, 1, NULL, 0);           /* inherits Other CA */
    crl_number(ind, 1, 0, X509V3_ADD_DEFAULT);
    crl_idp(ind, dpn_full(gn_uri(uri)), 0, 0, 0, 1);
    ind = crl_end(ind, f->crlca_key, EVP_sha256());
    crl_revoke(notind, "20", AT - DAY, 1, "Test CA", 0);
    crl_number(notind, 1, 0, X509V3_ADD_DEFAULT);
    crl_idp(notind, dpn_full(gn_uri(uri)), 0, 0, 0, 0);
    notind = crl_end(notind, f->crlca_key, EVP_sha256());
    s = stk(1, ind);
    s2 = stk(1, notind);
    for (round = 0; round < 2; round++) {
        assert_int_equal(check_full(f, s, SB_REV_REQUIRE, l20, f->ca, &sg, &e), SB_R_REVOKED);
        assert_msg_has(&e, "from CN=CRL Issuer");
        assert_int_equal(check_full(f, s, SB_REV_REQUIRE, l10, f->ca, &sg, &e), SB_R_REVOKED);
        assert_msg_has(&e, "privilegeWithdrawn");
        assert_int_equal(check_full(f, s, SB_REV_REQUIRE, l30, f->ca, &sg, &e), SB_OK);
        assert_int_equal(check_full(f, s, SB_REV_REQUIRE, l05, f->ca, &sg, &e), SB_OK);
        assert_int_equal(check_full(f, s, SB_REV_REQUIRE, o05, f->other, &sg, &e), SB_R_REVOKED);
        /* OpenSSL's sorted lookup reorders the shared stack; results must not change */
        set_serial_hex(&probe, "01");
        (void)X509_CRL_get0_by_serial(ind, &rev, probe);
        ASN1_INTEGER_free(probe);
        probe = NULL;
    }
    /* a certificate without that CRLDP is not covered by the indirect CRL */
    assert_int_equal(check_full(f, s, SB_REV_PREFER, nodp, f->ca, &sg, &e), SB_OK);
    /* no signer for the indirect CRL: unusable */
    assert_int_equal(check_full(f, s, SB_REV_REQUIRE, l20, f->ca, NULL, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "no CRL signer");
    /* without indirectCRL the cRLIssuer's CRL cannot speak for Test CA */
    assert_int_equal(check_full(f, s2, SB_REV_REQUIRE, l20, f->ca, &sg, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "not an indirect CRL");
    stk_free(s);
    stk_free(s2);
    X509_CRL_free(ind);
    X509_CRL_free(notind);
    X509_free(l20);
    X509_free(l10);
    X509_free(l30);
    X509_free(l05);
    X509_free(o05);
    X509_free(nodp);
}

/* At most 256 CRLs are considered per check. */
static void test_revocation_check_crl_cap(void **state)
{
    const struct fx *f = ct_fx(state);
    X509 *c = leaf("1001", NULL, f);
    STACK_OF(X509_CRL) *s = sk_X509_CRL_new_null();
    X509_CRL *crl;
    struct sb_err e;
    int i;

    assert_non_null(s);
    for (i = 0; i < 257; i++) {
        crl = crl_begin(i < 256 ? "Other CA" : "Test CA", AT - DAY, AT + DAY);
        crl_number(crl, i, 0, X509V3_ADD_DEFAULT);
        crl = crl_end(crl, i < 256 ? f->other_key : f->ca_key, EVP_sha256());
        assert_true(sk_X509_CRL_push(s, crl) > 0);
    }
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "among the CRLs considered");
    crl = sk_X509_CRL_delete(s, 0);
    X509_CRL_free(crl);
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_OK);
    stk_free(s);
    X509_free(c);
}

static void test_revocation_check_bad_arguments(void **state)
{
    const struct fx *f = ct_fx(state);
    X509 *c = leaf("1001", NULL, f);
    struct sb_revocation_ctx ctx;
    struct sb_err e;

    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = (enum sb_revocation_mode)42;
    ctx.at = AT;
    assert_int_equal(sb_revocation_check(&ctx, c, f->ca, &e), SB_R_INTERNAL);
    assert_int_equal(sb_revocation_check(NULL, c, f->ca, &e), SB_R_INTERNAL);
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(sb_revocation_check(&ctx, NULL, f->ca, &e), SB_R_INTERNAL);
    /* algs NULL means the default allow-list; err NULL is allowed */
    assert_int_equal(sb_revocation_check(&ctx, c, f->ca, NULL), SB_OK);
    X509_free(c);
}

/* A more_crls hook for the tests: gives its CRLs (new references) or fails with a message; counts calls. */
struct more {
    STACK_OF(X509_CRL) *give;          /* NULL: fail */
    int calls;
    const struct sb_rev_fetch *seen_fetch;
    X509 *seen_cert;
};

static enum sb_reason more_cb(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out, struct sb_err *why)
{
    struct more *m = arg;
    int i;

    m->calls++;
    m->seen_fetch = rq->fetch;
    m->seen_cert = rq->cert;
    if (m->give == NULL) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "test hook: http://crl.test/ca.crl is down");
    }
    for (i = 0; i < sk_X509_CRL_num(m->give); i++) {
        X509_CRL *c = sk_X509_CRL_value(m->give, i);

        assert_int_equal(X509_CRL_up_ref(c), 1);
        assert_true(sk_X509_CRL_push(out, c) > 0);
    }
    return SB_OK;
}

static enum sb_reason check_more(const struct fx *f, STACK_OF(X509_CRL) *crls, enum sb_revocation_mode mode, X509 *cert,
                                 struct more *m, const struct sb_rev_fetch *fetch, struct sb_err *e)
{
    struct sb_revocation_ctx ctx = { .crls = crls, .at = AT, .mode = mode, .algs = &f->algs };
    enum sb_reason r;

    ctx.more_crls = more_cb;
    ctx.more_crls_arg = m;
    ctx.fetch = fetch;
    m->calls = 0;
    sb_err_clear(e);
    r = sb_revocation_check(&ctx, cert, f->ca, e);
    assert_int_equal(e->reason, r);
    return r;
}

static X509_CRL *simple_crl(const struct fx *f, EVP_PKEY *key, time_t this_u, time_t next_u, const char *revoked)
{
    X509_CRL *c = crl_begin("Test CA", this_u, next_u);

    if (revoked != NULL) {
        crl_revoke(c, revoked, AT - 2 * DAY, 1, NULL, 0);
    }
    crl_number(c, 5, 0, X509V3_ADD_DEFAULT);
    (void)f;
    return crl_end(c, key, EVP_sha256());
}

/* The caller's source of more CRLs (the daemon's CDP fetcher): asked only when the supplied CRLs do not decide,
 * its CRLs judged like supplied ones, its failure unavailable under require and a pass under prefer. */
static void test_revocation_more_crls_hook(void **state)
{
    const struct fx *f = ct_fx(state);
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *good = simple_crl(f, f->ca_key, AT - DAY, AT + DAY, NULL);
    X509_CRL *revoking = simple_crl(f, f->ca_key, AT - DAY, AT + DAY, "1001");
    X509_CRL *stale_revoking = simple_crl(f, f->ca_key, AT - 3 * DAY, AT - DAY, "1001");
    X509_CRL *stale = simple_crl(f, f->ca_key, AT - 3 * DAY, AT - DAY, NULL);
    X509_CRL *wrong_key = simple_crl(f, f->other_key, AT - DAY, AT + DAY, NULL);
    X509_CRL *no_next = simple_crl(f, f->ca_key, AT - 100, 0, NULL);
    struct sb_rev_fetch fetch = { .timeout_ms = 2000, .max_bytes = 1 << 20 };
    STACK_OF(X509_CRL) *none = sk_X509_CRL_new_null(), *s;
    struct more m;
    struct sb_err e;

    assert_non_null(none);
    memset(&m, 0, sizeof(m));
    /* a current supplied CRL decides: the hook is not asked */
    s = stk(1, good);
    m.give = NULL;
    assert_int_equal(check_more(f, s, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_OK);
    assert_int_equal(m.calls, 0);
    stk_free(s);
    /* a supplied stale CRL listing the certificate revokes it: the hook is not asked */
    s = stk(1, stale_revoking);
    assert_int_equal(check_more(f, s, SB_REV_PREFER, c, &m, &fetch, &e), SB_R_REVOKED);
    assert_int_equal(m.calls, 0);
    stk_free(s);
    /* nothing supplied: the hook's good CRL covers the certificate */
    m.give = stk(1, good);
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_OK);
    assert_int_equal(m.calls, 1);
    assert_ptr_equal(m.seen_fetch, &fetch);
    assert_ptr_equal(m.seen_cert, c);
    /* a supplied stale CRL that does not list it: asked, and the fetched CRL decides */
    s = stk(1, stale);
    assert_int_equal(check_more(f, s, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_OK);
    assert_int_equal(m.calls, 1);
    stk_free(s);
    stk_free(m.give);
    /* the hook's CRL revokes it, in both modes */
    m.give = stk(1, revoking);
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_R_REVOKED);
    assert_msg_has(&e, "keyCompromise");
    assert_int_equal(check_more(f, none, SB_REV_PREFER, c, &m, &fetch, &e), SB_R_REVOKED);
    stk_free(m.give);
    /* the hook fails: unavailable under require (its reason said), a pass under prefer */
    m.give = NULL;
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "none fetched: test hook: http://crl.test/ca.crl is down");
    assert_msg_has(&e, "serial 1001");
    assert_int_equal(check_more(f, none, SB_REV_PREFER, c, &m, &fetch, &e), SB_OK);
    assert_int_equal(m.calls, 1);
    /* off: never asked */
    assert_int_equal(check_more(f, none, SB_REV_OFF, c, &m, &fetch, &e), SB_OK);
    assert_int_equal(m.calls, 0);
    /* the hook's CRL is not trusted: signed by another key, or stale, it is unusable */
    m.give = stk(1, wrong_key);
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "unusable");
    assert_int_equal(check_more(f, none, SB_REV_PREFER, c, &m, &fetch, &e), SB_OK);
    stk_free(m.give);
    m.give = stk(1, stale);
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "expired");
    stk_free(m.give);
    /* without nextUpdate: current for max_age_s after thisUpdate, never without it */
    m.give = stk(1, no_next);
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "never current");
    fetch.max_age_s = 3600;
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_OK);
    fetch.max_age_s = 50;
    assert_int_equal(check_more(f, none, SB_REV_REQUIRE, c, &m, &fetch, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "older than revocation.max_age_s 50s");
    stk_free(m.give);
    stk_free(none);
    X509_CRL_free(good);
    X509_CRL_free(revoking);
    X509_CRL_free(stale_revoking);
    X509_CRL_free(stale);
    X509_CRL_free(wrong_key);
    X509_CRL_free(no_next);
    X509_free(c);
}

/* ---------- OCSP responses supplied with the object or by the caller, and the network sources ---------- */

#define SKEW 300
#define OTHER_SM2_ID "ocsp@example.cn"

/* A response as an OCSP responder builds it (OpenSSL's OCSP API; producedAt is the time it is signed, so the
 * tests below validate at the time of the run). */
struct resp_spec {
    X509 *cert, *issuer;               /* the CertID (SHA-1) */
    int status;                        /* V_OCSP_CERTSTATUS_* */
    int reason;                        /* revoked: CRLReason, -1 none */
    time_t rev, tu, nu;                /* revocationTime; thisUpdate; nextUpdate (0: none) */
    X509 *signer;                      /* the CA, or a delegated responder (carried in the response) */
    EVP_PKEY *skey;
    const char *sm2_id;                /* SM2 signer: its ID (NULL: GM/T default) */
};

struct resp {
    unsigned char *der;                /* OPENSSL_free */
    size_t len;
};

static struct resp mk_resp(const struct resp_spec *r)
{
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, r->cert, r->issuer);
    ASN1_TIME *tu = ASN1_TIME_set(NULL, r->tu), *nu = r->nu != 0 ? ASN1_TIME_set(NULL, r->nu) : NULL;
    ASN1_TIME *rt = r->status == V_OCSP_CERTSTATUS_REVOKED ? ASN1_TIME_set(NULL, r->rev) : NULL;
    EVP_MD_CTX *mctx = tc_sign_ctx(r->skey, NULL, r->sm2_id);
    unsigned long flags = r->signer == r->issuer ? OCSP_NOCERTS : 0;
    OCSP_RESPONSE *resp;
    struct resp out = { NULL, 0 };
    int n;

    assert_non_null(bs);
    assert_non_null(id);
    assert_non_null(OCSP_basic_add1_status(bs, id, r->status, r->reason, rt, tu, nu));
    assert_int_equal(OCSP_basic_sign_ctx(bs, r->signer, mctx, NULL, flags), 1);
    assert_non_null(resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs));
    assert_true((n = i2d_OCSP_RESPONSE(resp, &out.der)) > 0);
    out.len = (size_t)n;
    OCSP_RESPONSE_free(resp);
    EVP_MD_CTX_free(mctx);
    ASN1_TIME_free(tu);
    ASN1_TIME_free(nu);
    ASN1_TIME_free(rt);
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    return out;
}

/* A response signed by Test CA about cert, current around now (thisUpdate an hour ago, nextUpdate in a day). */
static struct resp ca_resp(const struct fx *f, X509 *cert, int status, int reason, time_t rev, time_t now)
{
    struct resp_spec r = { cert, f->ca, status, reason, rev, now - 3600, now + DAY, f->ca, f->ca_key, NULL };

    return mk_resp(&r);
}

/* A delegated responder certificate issued by Test CA (eku NULL: none). */
static X509 *mk_responder(const struct fx *f, EVP_PKEY *key, const char *cn, const char *eku)
{
    static const unsigned char null_der[] = { 0x05, 0x00 };
    struct tc_spec s = tc_spec_of(cn, key, f->ca, f->ca_key);
    X509_EXTENSION *nocheck = tc_ext_raw("1.3.6.1.5.5.7.48.1.5", 0, null_der, (int)sizeof(null_der));
    X509 *x;

    s.subject = NULL;
    s.ku = "critical,digitalSignature";
    s.eku = eku;
    s.no_aki = 1;
    s.serial = 0x77;
    s.extra[0] = nocheck;
    x = tc_make(&s);
    X509_EXTENSION_free(nocheck);
    return x;
}

static struct sb_revocation_ctx ev_ctx(const struct fx *f, time_t now, enum sb_revocation_mode mode,
                                       STACK_OF(X509_CRL) *crls, const struct sb_ocsp_supplied *ocsps, size_t n)
{
    struct sb_revocation_ctx ctx = { .crls = crls, .at = now, .mode = mode, .algs = &f->algs, .skew_s = SKEW };

    ctx.ocsps = ocsps;
    ctx.n_ocsps = n;
    return ctx;
}

static enum sb_reason check_ev(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                               struct sb_rev_evidence *ev, struct sb_err *e)
{
    enum sb_reason r;

    sb_err_clear(e);
    memset(ev, 0x5a, sizeof(*ev));
    r = sb_revocation_check_ev(ctx, cert, issuer, ev, e);
    assert_int_equal(e->reason, r);
    return r;
}

static void assert_note_has(const struct sb_rev_evidence *ev, const char *needle)
{
    if (strstr(ev->note, needle) == NULL) {
        fail_msg("note '%s' lacks '%s'", ev->note, needle);
    }
}

/* ev names the OCSP response r from source src (times as mk_resp made them). */
static void assert_ev_response(const struct sb_rev_evidence *ev, enum sb_rev_source src, const struct resp *r,
                               time_t now)
{
    unsigned char h[32];

    assert_int_equal(ev->source, src);
    assert_int_equal(ev->is_ocsp, 1);
    assert_int_equal(ev->this_update, now - 3600);
    assert_int_equal(ev->next_update, now + DAY);
    assert_true(ev->produced_at >= now - 5 && ev->produced_at <= time(NULL) + 5);
    assert_int_equal(EVP_Digest(r->der, r->len, h, NULL, EVP_sha256(), NULL), 1);
    assert_memory_equal(ev->sha256, h, 32);
    assert_string_equal(ev->url, "");
    assert_string_equal(ev->note, "");
}

/* Supplied responses decide before anything else: good passes with the response as evidence, revoked at or
 * before the time is REVOKED in both modes, revoked after it passes and says so; unknown and unusable ones
 * decide nothing (require: TRY_LATER naming why; prefer: a pass with a note). */
static void test_revocation_supplied_ocsp(void **state)
{
    const struct fx *f = ct_fx(state);
    time_t now = time(NULL);
    X509 *c = leaf("1001", NULL, f), *c2 = leaf("2002", NULL, f);
    EVP_PKEY *rkey = ec_key();
    X509 *resp_ok = mk_responder(f, rkey, "Responder", "OCSPSigning");
    X509 *resp_noeku = mk_responder(f, rkey, "Responder without OCSPSigning", "clientAuth");
    struct resp good = ca_resp(f, c, V_OCSP_CERTSTATUS_GOOD, -1, 0, now);
    struct resp revoked = ca_resp(f, c, V_OCSP_CERTSTATUS_REVOKED, KEY_COMPROMISE, now - 2 * DAY, now);
    struct resp later = ca_resp(f, c, V_OCSP_CERTSTATUS_REVOKED, SUPERSEDED, now + 10 * DAY, now);
    struct resp unknown = ca_resp(f, c, V_OCSP_CERTSTATUS_UNKNOWN, -1, 0, now);
    struct resp other = ca_resp(f, c2, V_OCSP_CERTSTATUS_GOOD, -1, 0, now);
    struct resp_spec sp = { c, f->ca, V_OCSP_CERTSTATUS_GOOD, -1, 0, now - 3 * DAY, now - DAY, f->ca, f->ca_key, NULL };
    struct resp stale = mk_resp(&sp), delegated, noeku, foreign, tampered;
    struct sb_ocsp_supplied s[2], many[65];
    struct sb_revocation_ctx ctx;
    struct sb_rev_evidence ev;
    struct sb_err e;
    int i;

    sp.tu = now - 3600;
    sp.nu = now + DAY;
    sp.signer = resp_ok;
    sp.skey = rkey;
    delegated = mk_resp(&sp);
    sp.signer = resp_noeku;
    noeku = mk_resp(&sp);
    sp.signer = f->other;
    sp.skey = f->other_key;
    foreign = mk_resp(&sp);
    tampered = ca_resp(f, c, V_OCSP_CERTSTATUS_GOOD, -1, 0, now);
    tampered.der[tampered.len - 1] ^= 0x01;              /* the last byte of the signature */

    /* good, embedded: passes under require with the response as evidence; tagged file, the same */
    s[0] = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx = ev_ctx(f, now, SB_REV_REQUIRE, NULL, s, 1);
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_ev_response(&ev, SB_REV_SRC_EMBEDDED, &good, now);
    assert_int_equal(ev.revoked_after, 0);
    s[0].source = SB_REV_SRC_FILE;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_ev_response(&ev, SB_REV_SRC_FILE, &good, now);
    assert_int_equal(sb_revocation_check(&ctx, c, f->ca, &e), SB_OK);
    /* from a delegated responder with id-kp-OCSPSigning */
    s[0] = (struct sb_ocsp_supplied){ delegated.der, delegated.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_EMBEDDED);

    /* revoked before the validation time: REVOKED under require and prefer, reason and time said */
    s[0] = (struct sb_ocsp_supplied){ revoked.der, revoked.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_msg_has(&e, "certificate serial 1001 (issuer CN=Test CA) revoked according to the supplied OCSP "
                       "response (embedded)");
    assert_msg_has(&e, "(reason 1)");
    assert_int_equal(ev.revocation_time, now - 2 * DAY);
    assert_int_equal(ev.revocation_reason, KEY_COMPROMISE);
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    /* revoked only after the validation time: passes, and the evidence names it */
    s[0] = (struct sb_ocsp_supplied){ later.der, later.len, SB_REV_SRC_FILE, 0 };
    ctx.mode = SB_REV_REQUIRE;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_FILE);
    assert_int_equal(ev.revoked_after, 1);
    assert_int_equal(ev.revocation_time, now + 10 * DAY);
    assert_int_equal(ev.revocation_reason, SUPERSEDED);

    /* unknown: TRY_LATER under require (the CRL message kept, the response's said), a noted pass under prefer */
    s[0] = (struct sb_ocsp_supplied){ unknown.der, unknown.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "certificate serial 1001 (issuer CN=Test CA): no usable current CRL at ");
    assert_msg_has(&e, "no CRL from issuer CN=Test CA; no status from the supplied OCSP responses: embedded: OCSP: "
                       "the responder does not know serial 1001");
    assert_int_equal(ev.source, SB_REV_SRC_NONE);
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_NONE);
    assert_note_has(&ev, "passed without status: supplied OCSP: embedded: OCSP: the responder does not know");

    /* unusable: each refused with its cause, deciding nothing */
    ctx.mode = SB_REV_REQUIRE;
    s[0] = (struct sb_ocsp_supplied){ noeku.der, noeku.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "id-kp-OCSPSigning");
    s[0] = (struct sb_ocsp_supplied){ stale.der, stale.len, SB_REV_SRC_FILE, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "file: OCSP response for serial 1001 unusable: stale: nextUpdate");
    s[0] = (struct sb_ocsp_supplied){ other.der, other.len, SB_REV_SRC_FILE, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "no SingleResponse has a CertID");
    s[0] = (struct sb_ocsp_supplied){ foreign.der, foreign.len, SB_REV_SRC_FILE, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "unusable");
    s[0] = (struct sb_ocsp_supplied){ tampered.der, tampered.len, SB_REV_SRC_FILE, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "unusable");
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_note_has(&ev, "passed without status: supplied OCSP: file: OCSP response for serial 1001 unusable");

    /* several: the one for this certificate decides; one for another certificate is passed over */
    ctx.mode = SB_REV_REQUIRE;
    s[0] = (struct sb_ocsp_supplied){ other.der, other.len, SB_REV_SRC_EMBEDDED, 0 };
    s[1] = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx.n_ocsps = 2;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_ev_response(&ev, SB_REV_SRC_EMBEDDED, &good, now);
    /* an unknown and an unusable one: the unknown (closest to deciding) is reported */
    s[0] = (struct sb_ocsp_supplied){ tampered.der, tampered.len, SB_REV_SRC_EMBEDDED, 0 };
    s[1] = (struct sb_ocsp_supplied){ unknown.der, unknown.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "does not know serial 1001");
    /* none for this certificate */
    s[0] = (struct sb_ocsp_supplied){ other.der, other.len, SB_REV_SRC_EMBEDDED, 0 };
    s[1] = s[0];
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "none of the 2 supplied OCSP responses is for this certificate");
    /* at most 64 are considered: a good one after 64 others is not */
    for (i = 0; i < 65; i++) {
        many[i] = (struct sb_ocsp_supplied){ other.der, other.len, SB_REV_SRC_EMBEDDED, 0 };
    }
    many[64] = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx.ocsps = many;
    ctx.n_ocsps = 65;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "none of the 64 supplied OCSP responses considered is for this certificate");
    many[63] = many[64];
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    ctx.ocsps = s;
    ctx.n_ocsps = 2;
    /* a good one and a revoking one: revocation is final */
    s[0] = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    s[1] = (struct sb_ocsp_supplied){ revoked.der, revoked.len, SB_REV_SRC_FILE, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_msg_has(&e, "supplied OCSP response (file)");
    /* revocation off: nothing judged */
    ctx.mode = SB_REV_OFF;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_NONE);

    OPENSSL_free(good.der);
    OPENSSL_free(revoked.der);
    OPENSSL_free(later.der);
    OPENSSL_free(unknown.der);
    OPENSSL_free(other.der);
    OPENSSL_free(stale.der);
    OPENSSL_free(delegated.der);
    OPENSSL_free(noeku.der);
    OPENSSL_free(foreign.der);
    OPENSSL_free(tampered.der);
    X509_free(resp_ok);
    X509_free(resp_noeku);
    EVP_PKEY_free(rkey);
    X509_free(c);
    X509_free(c2);
}

/* Supplied responses are judged together with the supplied CRLs: a revocation in either wins, a good response
 * covers a certificate the CRLs do not, and a certificateHold is released by a newer good response. */
static void test_revocation_supplied_ocsp_and_crls(void **state)
{
    const struct fx *f = ct_fx(state);
    time_t now = time(NULL);
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *clean = simple_crl(f, f->ca_key, now - DAY, now + DAY, NULL);
    X509_CRL *revoking = simple_crl(f, f->ca_key, now - DAY, now + DAY, "1001");
    X509_CRL *stale = simple_crl(f, f->ca_key, now - 3 * DAY, now - DAY, NULL);
    struct resp good = ca_resp(f, c, V_OCSP_CERTSTATUS_GOOD, -1, 0, now);
    struct resp revoked = ca_resp(f, c, V_OCSP_CERTSTATUS_REVOKED, KEY_COMPROMISE, now - 2 * DAY, now);
    struct resp unknown = ca_resp(f, c, V_OCSP_CERTSTATUS_UNKNOWN, -1, 0, now);
    struct resp_spec sp = { c, f->ca, V_OCSP_CERTSTATUS_REVOKED, CERTIFICATE_HOLD, now - 2 * DAY, now - 7200,
                            now + DAY, f->ca, f->ca_key, NULL };
    struct resp hold = mk_resp(&sp);
    STACK_OF(X509_CRL) *s_clean = stk(1, clean), *s_rev = stk(1, revoking), *s_stale = stk(1, stale);
    struct sb_ocsp_supplied s[2];
    struct sb_revocation_ctx ctx;
    struct sb_rev_evidence ev;
    struct sb_err e;

    /* a CRL revoking it wins over a good response */
    s[0] = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx = ev_ctx(f, now, SB_REV_REQUIRE, s_rev, s, 1);
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_msg_has(&e, "revoked on");
    assert_msg_has(&e, "keyCompromise, by CRL 5 from CN=Test CA");
    /* a response revoking it wins over a current CRL that covers it */
    s[0] = (struct sb_ocsp_supplied){ revoked.der, revoked.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx = ev_ctx(f, now, SB_REV_REQUIRE, s_clean, s, 1);
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_msg_has(&e, "according to the supplied OCSP response (embedded)");
    /* a current CRL covers it: an unknown response changes nothing */
    s[0] = (struct sb_ocsp_supplied){ unknown.der, unknown.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_FILE);          /* the covering CRL is the evidence */
    assert_string_equal(ev.note, "");
    /* only a stale CRL: the good response decides */
    s[0] = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx = ev_ctx(f, now, SB_REV_REQUIRE, s_stale, s, 1);
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_ev_response(&ev, SB_REV_SRC_EMBEDDED, &good, now);
    /* stale CRL and unknown response: the CRL's reason and the response's both said */
    s[0] = (struct sb_ocsp_supplied){ unknown.der, unknown.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "expired");
    assert_msg_has(&e, "does not know serial 1001");
    /* certificateHold: revoked while it is current; released by a newer good response */
    s[0] = (struct sb_ocsp_supplied){ hold.der, hold.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx = ev_ctx(f, now, SB_REV_PREFER, NULL, s, 1);
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_msg_has(&e, "(reason 6)");
    s[1] = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx.n_ocsps = 2;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_ev_response(&ev, SB_REV_SRC_EMBEDDED, &good, now);

    stk_free(s_clean);
    stk_free(s_rev);
    stk_free(s_stale);
    X509_CRL_free(clean);
    X509_CRL_free(revoking);
    X509_CRL_free(stale);
    OPENSSL_free(good.der);
    OPENSSL_free(revoked.der);
    OPENSSL_free(unknown.der);
    OPENSSL_free(hold.der);
    X509_free(c);
}

/* The BasicOCSPResponse inside an OCSPResponse's responseBytes (OPENSSL_free). */
static unsigned char *basic_of(const struct resp *r, size_t *len)
{
    const unsigned char *p = r->der;
    OCSP_RESPONSE *rsp = d2i_OCSP_RESPONSE(NULL, &p, (long)r->len);
    OCSP_BASICRESP *bs = rsp != NULL ? OCSP_response_get1_basic(rsp) : NULL;
    unsigned char *der = NULL;
    int n = bs != NULL ? i2d_OCSP_BASICRESP(bs, &der) : -1;

    assert_true(n > 0);
    *len = (size_t)n;
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(rsp);
    return der;
}

/* A bare BasicOCSPResponse as CAdES ocspVals carry it: recognised, wrapped into a successful OCSPResponse that
 * decides like the responder's own (good, revoked), and the evidence hashes the carried BasicOCSPResponse. */
static void test_revocation_supplied_basic_wrapped(void **state)
{
    const struct fx *f = ct_fx(state);
    time_t now = time(NULL);
    X509 *c = leaf("1001", NULL, f);
    struct resp good = ca_resp(f, c, V_OCSP_CERTSTATUS_GOOD, -1, 0, now);
    struct resp revoked = ca_resp(f, c, V_OCSP_CERTSTATUS_REVOKED, KEY_COMPROMISE, now - 2 * DAY, now);
    static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    unsigned char *basic, *rbasic, *w = NULL, *rw = NULL, *copy = NULL, h[32];
    size_t blen, rblen, wlen, rwlen, clen, off, roff, coff;
    struct sb_ocsp_supplied s;
    struct sb_revocation_ctx ctx;
    struct sb_rev_evidence ev;
    struct sb_err e;

    basic = basic_of(&good, &blen);
    rbasic = basic_of(&revoked, &rblen);
    assert_int_equal(sb_ocsp_der_kind(good.der, good.len), SB_OCSP_DER_RESPONSE);
    assert_int_equal(sb_ocsp_der_kind(basic, blen), SB_OCSP_DER_BASIC);
    assert_int_equal(sb_ocsp_der_kind(junk, sizeof(junk)), SB_OCSP_DER_NEITHER);
    assert_int_equal(sb_ocsp_der_kind(basic, blen - 1), SB_OCSP_DER_NEITHER);
    /* an OCSPResponse is taken as it is; a BasicOCSPResponse is wrapped and ends the wrapper */
    assert_int_equal(sb_ocsp_carried(good.der, good.len, &copy, &clen, &coff, &e), SB_OK);
    assert_int_equal(clen, good.len);
    assert_int_equal(coff, 0);
    assert_memory_equal(copy, good.der, clen);
    assert_int_equal(sb_ocsp_carried(basic, blen, &w, &wlen, &off, &e), SB_OK);
    assert_int_equal(off + blen, wlen);
    assert_memory_equal(w + off, basic, blen);
    assert_int_equal(sb_ocsp_der_kind(w, wlen), SB_OCSP_DER_RESPONSE);
    assert_int_equal(sb_ocsp_carried(junk, sizeof(junk), &rw, &rwlen, &roff, &e), SB_R_FORMAT);
    assert_null(rw);
    assert_int_equal(sb_ocsp_wrap_basic(rbasic, rblen, &rw, &rwlen, &roff, &e), SB_OK);

    /* good: passes; the evidence is the carried BasicOCSPResponse's SHA-256, not the wrapper's */
    s = (struct sb_ocsp_supplied){ w, wlen, SB_REV_SRC_EMBEDDED, off };
    ctx = ev_ctx(f, now, SB_REV_REQUIRE, NULL, &s, 1);
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_EMBEDDED);
    assert_int_equal(EVP_Digest(basic, blen, h, NULL, EVP_sha256(), NULL), 1);
    assert_memory_equal(ev.sha256, h, 32);
    /* said to be carried whole (offset 0): the hash is of der itself */
    s.carried_off = 0;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(EVP_Digest(w, wlen, h, NULL, EVP_sha256(), NULL), 1);
    assert_memory_equal(ev.sha256, h, 32);
    /* revoked: REVOKED with its time and reason */
    s = (struct sb_ocsp_supplied){ rw, rwlen, SB_REV_SRC_EMBEDDED, roff };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_int_equal(ev.revocation_reason, KEY_COMPROMISE);
    assert_int_equal(ev.revocation_time, now - 2 * DAY);
    assert_int_equal(EVP_Digest(rbasic, rblen, h, NULL, EVP_sha256(), NULL), 1);
    assert_memory_equal(ev.sha256, h, 32);
    OPENSSL_free(basic);
    OPENSSL_free(rbasic);
    OPENSSL_free(w);
    OPENSSL_free(rw);
    OPENSSL_free(copy);
    OPENSSL_free(good.der);
    OPENSSL_free(revoked.der);
    X509_free(c);
}

/* SM2-signed responses verify under the SM2 ID of the context only (GM/T default when none). */
static void test_revocation_supplied_ocsp_sm2(void **state)
{
    const struct fx *f = ct_fx(state);
    time_t now = time(NULL);
    EVP_PKEY *ck = tc_key_sm2(), *lk = ec_key();
    X509 *ca = tc_root("SM2 OCSP CA", ck), *c = tc_leaf("sm2-leaf.example", lk, ca, ck);
    struct resp_spec sp = { c, ca, V_OCSP_CERTSTATUS_GOOD, -1, 0, now - 3600, now + DAY, ca, ck, NULL };
    struct resp gmt = mk_resp(&sp), custom;
    struct sb_ocsp_supplied s = { gmt.der, gmt.len, SB_REV_SRC_EMBEDDED, 0 };
    struct sb_revocation_ctx ctx = ev_ctx(f, now, SB_REV_REQUIRE, NULL, &s, 1);
    struct sb_rev_evidence ev;
    struct sb_err e;

    sp.sm2_id = OTHER_SM2_ID;
    custom = mk_resp(&sp);
    /* signed under the GM/T ID: good with none given or the GM/T one, unusable under another */
    assert_int_equal(check_ev(&ctx, c, ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_EMBEDDED);
    ctx.sm2_id = TC_SM2_ID;
    assert_int_equal(check_ev(&ctx, c, ca, &ev, &e), SB_OK);
    ctx.sm2_id = OTHER_SM2_ID;
    assert_int_equal(check_ev(&ctx, c, ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "unusable");
    assert_msg_has(&e, OTHER_SM2_ID);
    /* signed under another ID: good only under it */
    s = (struct sb_ocsp_supplied){ custom.der, custom.len, SB_REV_SRC_EMBEDDED, 0 };
    assert_int_equal(check_ev(&ctx, c, ca, &ev, &e), SB_OK);
    ctx.sm2_id = NULL;
    assert_int_equal(check_ev(&ctx, c, ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "unusable");
    OPENSSL_free(gmt.der);
    OPENSSL_free(custom.der);
    X509_free(ca);
    X509_free(c);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(lk);
}

/* A fake OCSP source (the daemon's fetcher stands behind the interface): it judges a real response with
 * sb_ocsp_check as a fetcher would, or says its responder is down. */
struct fake_ocsp {
    const struct resp *give;           /* NULL: down */
    int calls;
};

static enum sb_reason fake_ocsp_cb(void *arg, const struct sb_ocsp_query *q, struct sb_rev_evidence *ev,
                                   struct sb_err *why)
{
    struct fake_ocsp *fo = arg;
    struct sb_ocsp_check_opts o = { .at = q->at, .skew_s = q->skew_s, .algs = q->algs, .sm2_id = q->sm2_id };
    struct sb_ocsp_result res;
    enum sb_reason rc;

    fo->calls++;
    if (fo->give == NULL) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "test hook: http://ocsp.test/ is down");
    }
    rc = sb_ocsp_check(fo->give->der, fo->give->len, q->cert, q->issuer, &o, &res, why);
    ev->source = SB_REV_SRC_OCSP;
    snprintf(ev->url, sizeof(ev->url), "http://ocsp.test/");
    ev->produced_at = res.produced_at;
    ev->this_update = res.this_update;
    ev->next_update = res.next_update;
    memcpy(ev->sha256, res.sha256, sizeof(ev->sha256));
    if (rc == SB_OK) {
        sb_err_set(why, SB_OK, "%s", res.message);
    }
    return rc;
}

/* The network sources after the supplied data, in revocation.sources order: the first that decides gives the
 * outcome; when none does, require names every failure and prefer passes with a note naming them. */
static void test_revocation_network_sources(void **state)
{
    const struct fx *f = ct_fx(state);
    time_t now = time(NULL);
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *clean = simple_crl(f, f->ca_key, now - DAY, now + DAY, NULL);
    struct resp good = ca_resp(f, c, V_OCSP_CERTSTATUS_GOOD, -1, 0, now);
    struct resp revoked = ca_resp(f, c, V_OCSP_CERTSTATUS_REVOKED, KEY_COMPROMISE, now - 2 * DAY, now);
    struct resp unknown = ca_resp(f, c, V_OCSP_CERTSTATUS_UNKNOWN, -1, 0, now);
    struct sb_rev_fetch fetch = { .timeout_ms = 2000, .max_bytes = 1 << 20 };
    struct sb_ocsp_supplied s;
    struct fake_ocsp fo;
    struct more m;
    struct sb_revocation_ctx ctx;
    struct sb_rev_evidence ev;
    struct sb_err e;

    memset(&m, 0, sizeof(m));
    memset(&fo, 0, sizeof(fo));
    ctx = ev_ctx(f, now, SB_REV_REQUIRE, NULL, NULL, 0);
    ctx.fetch = &fetch;
    ctx.ocsp = fake_ocsp_cb;
    ctx.ocsp_arg = &fo;
    ctx.more_crls = more_cb;
    ctx.more_crls_arg = &m;

    /* OCSP first: good decides, the CRL distribution points are not asked; the evidence is the source's */
    ctx.ocsp_before_crl = 1;
    fo.give = &good;
    m.give = stk(1, clean);
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(fo.calls, 1);
    assert_int_equal(m.calls, 0);
    assert_int_equal(ev.source, SB_REV_SRC_OCSP);
    assert_int_equal(ev.is_ocsp, 1);
    assert_string_equal(ev.url, "http://ocsp.test/");
    assert_int_equal(ev.this_update, now - 3600);
    /* CRL first: the CRL decides, OCSP is not asked */
    ctx.ocsp_before_crl = 0;
    fo.calls = m.calls = 0;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(m.calls, 1);
    assert_int_equal(fo.calls, 0);
    assert_int_equal(ev.source, SB_REV_SRC_FILE);          /* the hook noted no origin for its CRL */
    stk_free(m.give);
    m.give = NULL;
    /* CRL first but its source fails: OCSP is asked next and decides */
    fo.calls = m.calls = 0;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(m.calls, 1);
    assert_int_equal(fo.calls, 1);
    assert_int_equal(ev.source, SB_REV_SRC_OCSP);
    /* OCSP says revoked: REVOKED in both modes */
    fo.give = &revoked;
    ctx.ocsp_before_crl = 1;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_msg_has(&e, "certificate serial 1001 (issuer CN=Test CA) revoked according to OCSP: OCSP: serial 1001 "
                       "revoked at");
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    /* OCSP alone, down: TRY_LATER under require, a noted pass under prefer */
    ctx.more_crls = NULL;
    fo.give = NULL;
    ctx.mode = SB_REV_REQUIRE;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "certificate serial 1001 (issuer CN=Test CA): no usable current CRL supplied, and no status "
                       "from OCSP: test hook: http://ocsp.test/ is down");
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_NONE);
    assert_string_equal(ev.note, "passed without status: OCSP: test hook: http://ocsp.test/ is down");
    /* OCSP unknown: the same */
    fo.give = &unknown;
    ctx.mode = SB_REV_REQUIRE;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "does not know serial 1001");
    /* both failing: require names both, in order; prefer notes both */
    ctx.more_crls = more_cb;
    fo.give = NULL;
    fo.calls = m.calls = 0;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "no usable current CRL supplied; OCSP: test hook: http://ocsp.test/ is down; CRL distribution "
                       "points: test hook: http://crl.test/ca.crl is down");
    assert_int_equal(fo.calls, 1);
    assert_int_equal(m.calls, 1);
    ctx.ocsp_before_crl = 0;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "; CRL distribution points: test hook: http://crl.test/ca.crl is down; OCSP: test hook");
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_note_has(&ev, "passed without status: CRL distribution points: test hook");
    assert_note_has(&ev, "; OCSP: test hook: http://ocsp.test/ is down");
    /* a supplied good response is used first: no network source is asked */
    s = (struct sb_ocsp_supplied){ good.der, good.len, SB_REV_SRC_EMBEDDED, 0 };
    ctx.ocsps = &s;
    ctx.n_ocsps = 1;
    ctx.mode = SB_REV_REQUIRE;
    fo.calls = m.calls = 0;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(fo.calls + m.calls, 0);
    assert_int_equal(ev.source, SB_REV_SRC_EMBEDDED);
    /* a supplied unknown one does not decide: the sources are asked, and every reason is said */
    s = (struct sb_ocsp_supplied){ unknown.der, unknown.len, SB_REV_SRC_FILE, 0 };
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(fo.calls, 1);
    assert_int_equal(m.calls, 1);
    assert_msg_has(&e, "no status from the supplied OCSP responses (file: OCSP: the responder does not know serial "
                       "1001");
    assert_msg_has(&e, "CRL distribution points: test hook");
    fo.give = &good;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_OCSP);
    ctx.mode = SB_REV_PREFER;
    fo.give = NULL;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_note_has(&ev, "passed without status: supplied OCSP: file: OCSP: the responder does not know");

    X509_CRL_free(clean);
    OPENSSL_free(good.der);
    OPENSSL_free(revoked.der);
    OPENSSL_free(unknown.der);
    X509_free(c);
}

/* The cache window of verdicts made with supplied responses. */
static void test_revocation_supplied_window(void **state)
{
    const struct fx *f = ct_fx(state);
    time_t now = time(NULL), from, until;
    X509 *c = leaf("1001", NULL, f);
    struct resp good = ca_resp(f, c, V_OCSP_CERTSTATUS_GOOD, -1, 0, now);
    struct resp later = ca_resp(f, c, V_OCSP_CERTSTATUS_REVOKED, SUPERSEDED, now + 600, now);
    struct resp_spec sp = { c, f->ca, V_OCSP_CERTSTATUS_GOOD, -1, 0, now - 100, 0, f->ca, f->ca_key, NULL };
    struct resp no_next = mk_resp(&sp);
    static const unsigned char junk[] = { 0x30, 0x03, 0x0a, 0x01, 0x03 };   /* tryLater */
    struct sb_ocsp_supplied s[3] = {
        { good.der, good.len, SB_REV_SRC_EMBEDDED, 0 }, { junk, sizeof(junk), SB_REV_SRC_FILE, 0 },
        { later.der, later.len, SB_REV_SRC_FILE, 0 },
    };

    from = (time_t)INT64_MIN;
    until = (time_t)INT64_MAX;
    sb_rev_supplied_window(s, 2, now, 0, &from, &until);
    assert_int_equal(from, now - 3600);
    assert_int_equal(until, now + DAY);
    /* revoked after the time: the window ends before the revocation */
    sb_rev_supplied_window(s, 3, now, 0, &from, &until);
    assert_int_equal(until, now + 599);
    /* no nextUpdate: thisUpdate + max age */
    s[0] = (struct sb_ocsp_supplied){ no_next.der, no_next.len, SB_REV_SRC_EMBEDDED, 0 };
    from = (time_t)INT64_MIN;
    until = (time_t)INT64_MAX;
    sb_rev_supplied_window(s, 1, now, 500, &from, &until);
    assert_int_equal(from, now - 100);
    assert_int_equal(until, now + 400);
    OPENSSL_free(good.der);
    OPENSSL_free(later.der);
    OPENSSL_free(no_next.der);
    X509_free(c);
}

/* A hook that says where its CRLs came from (the daemon's fetcher notes URL and SHA-256). */
static enum sb_reason more_origin_cb(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                     struct sb_err *why)
{
    enum sb_reason r = more_cb(arg, rq, out, why);

    if (r == SB_OK && rq->origins != NULL && sk_X509_CRL_num(out) > 0) {
        rq->origins->n = 1;
        rq->origins->o[0].crl = sk_X509_CRL_value(out, 0);
        snprintf(rq->origins->o[0].url, sizeof(rq->origins->o[0].url), "http://crl.test/ca.crl");
        assert_int_equal(sb_crl_sha256(sk_X509_CRL_value(out, 0), rq->origins->o[0].sha256), 1);
        rq->origins->o[0].has_sha256 = 1;
    }
    return r;
}

/* The evidence of a CRL decision: which CRL (by the SHA-256 of its DER), from where, its window; a note when a
 * certificate passes without status; nothing with revocation off. Outcomes and messages as without evidence. */
static void test_revocation_check_ev_crl_evidence(void **state)
{
    const struct fx *f = ct_fx(state);
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *good = simple_crl(f, f->ca_key, AT - DAY, AT + DAY, NULL);
    X509_CRL *revoking = simple_crl(f, f->ca_key, AT - DAY, AT + DAY, "1001");
    X509_CRL *later = crl_begin("Test CA", AT - DAY, AT + DAY);
    struct sb_rev_fetch fetch = { .timeout_ms = 2000, .max_bytes = 1 << 20 };
    struct sb_revocation_ctx ctx = { .at = AT, .mode = SB_REV_REQUIRE, .algs = &f->algs };
    STACK_OF(X509_CRL) *s = stk(1, good), *none = sk_X509_CRL_new_null(), *r1;
    unsigned char h[32], known[1][32];
    struct sb_rev_evidence ev;
    struct more m;
    struct sb_err e;

    crl_revoke(later, "1001", AT + 3600, 4, NULL, 0);
    crl_number(later, 6, 0, X509V3_ADD_DEFAULT);
    later = crl_end(later, f->ca_key, EVP_sha256());
    /* a supplied CRL covers it: source file, its hash and window */
    ctx.crls = s;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_FILE);
    assert_int_equal(ev.is_ocsp, 0);
    assert_int_equal(sb_crl_sha256(good, h), 1);
    assert_memory_equal(ev.sha256, h, 32);
    assert_int_equal(ev.this_update, AT - DAY);
    assert_int_equal(ev.next_update, AT + DAY);
    assert_string_equal(ev.url, "");
    assert_string_equal(ev.note, "");
    assert_int_equal(ev.revoked_after, 0);
    assert_int_equal(ev.has_delta, 0);
    /* the same CRL carried in the signed object: embedded */
    ctx.embedded_crls = s;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_EMBEDDED);
    ctx.embedded_crls = NULL;
    /* a policy CRL hashed at load: the known hash is used, the CRL is not encoded again */
    memset(known[0], 0xAB, 32);
    ctx.known_crls = s;
    ctx.known_sha256 = (const unsigned char (*)[32])known;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_memory_equal(ev.sha256, known[0], 32);
    ctx.known_crls = NULL;
    ctx.known_sha256 = NULL;
    /* revoked: the CRL that lists it, the revocation time and reason; the message as before */
    r1 = stk(1, revoking);
    ctx.crls = r1;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
    assert_msg_has(&e, "keyCompromise");
    assert_int_equal(sb_crl_sha256(revoking, h), 1);
    assert_memory_equal(ev.sha256, h, 32);
    assert_int_equal(ev.revocation_time, AT - 2 * DAY);
    assert_int_equal(ev.revocation_reason, 1);
    assert_int_equal(ev.revoked_after, 0);
    assert_string_equal(sb_rev_reason_name(ev.revocation_reason), "keyCompromise");
    stk_free(r1);
    /* listed, but only after the validation time: passes, and the evidence says so */
    r1 = stk(1, later);
    ctx.crls = r1;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_FILE);
    assert_int_equal(ev.revoked_after, 1);
    assert_int_equal(ev.revocation_time, AT + 3600);
    assert_int_equal(ev.revocation_reason, 4);
    stk_free(r1);
    /* a complete CRL with a current delta bound to it: the complete one named, the delta's hash beside it; a
     * delta that lists the certificate is the CRL that revoked it */
    {
        X509_CRL *delta = crl_begin("Test CA", AT - 100, AT + DAY), *delta_rev = crl_begin("Test CA", AT - 100, AT + DAY);
        unsigned char hd[32];

        crl_number(delta, 6, 0, X509V3_ADD_DEFAULT);
        crl_delta(delta, 5);
        delta = crl_end(delta, f->ca_key, EVP_sha256());
        crl_revoke(delta_rev, "1001", AT - 200, 1, NULL, 0);
        crl_number(delta_rev, 7, 0, X509V3_ADD_DEFAULT);
        crl_delta(delta_rev, 5);
        delta_rev = crl_end(delta_rev, f->ca_key, EVP_sha256());
        r1 = stk(2, good, delta);
        ctx.crls = r1;
        assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
        assert_int_equal(sb_crl_sha256(good, h), 1);
        assert_memory_equal(ev.sha256, h, 32);
        assert_int_equal(ev.has_delta, 1);
        assert_int_equal(sb_crl_sha256(delta, hd), 1);
        assert_memory_equal(ev.delta_sha256, hd, 32);
        stk_free(r1);
        r1 = stk(3, good, delta, delta_rev);
        ctx.crls = r1;
        assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_R_REVOKED);
        assert_msg_has(&e, "delta CRL 7");
        assert_int_equal(sb_crl_sha256(delta_rev, hd), 1);
        assert_memory_equal(ev.sha256, hd, 32);
        assert_int_equal(ev.revocation_time, AT - 200);
        stk_free(r1);
        X509_CRL_free(delta);
        X509_CRL_free(delta_rev);
    }
    /* prefer without any CRL: no source, a note saying why */
    ctx.crls = none;
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_NONE);
    assert_ptr_equal(strstr(ev.note, "passed without status: no usable current CRL covers all reasons: no CRL from "
                                     "issuer"), ev.note);
    assert_true(sb_rev_evidence_present(&ev));
    /* off: nothing at all */
    ctx.mode = SB_REV_OFF;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_false(sb_rev_evidence_present(&ev));
    assert_int_equal(ev.this_update, 0);
    /* from the hook: source crl with the URL and hash it noted */
    memset(&m, 0, sizeof(m));
    m.give = stk(1, good);
    ctx.mode = SB_REV_REQUIRE;
    ctx.more_crls = more_origin_cb;
    ctx.more_crls_arg = &m;
    ctx.fetch = &fetch;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(m.calls, 1);
    assert_int_equal(ev.source, SB_REV_SRC_CRL);
    assert_string_equal(ev.url, "http://crl.test/ca.crl");
    assert_int_equal(sb_crl_sha256(good, h), 1);
    assert_memory_equal(ev.sha256, h, 32);
    stk_free(m.give);
    /* the hook fails under prefer: the note names the source and its failure */
    m.give = NULL;
    ctx.mode = SB_REV_PREFER;
    assert_int_equal(check_ev(&ctx, c, f->ca, &ev, &e), SB_OK);
    assert_int_equal(ev.source, SB_REV_SRC_NONE);
    assert_non_null(strstr(ev.note, "http://crl.test/ca.crl is down"));
    stk_free(s);
    stk_free(none);
    X509_CRL_free(good);
    X509_CRL_free(revoking);
    X509_CRL_free(later);
    X509_free(c);
}

int main(void)
{
    static const struct ct_fn fns[] = {
        CT_FN(test_revocation_check_indirect_crl),
        CT_FN(test_revocation_check_crl_cap),
        CT_FN(test_revocation_check_bad_arguments),
        CT_FN(test_revocation_more_crls_hook),
        CT_FN(test_revocation_check_ev_crl_evidence),
        CT_FN(test_revocation_supplied_ocsp),
        CT_FN(test_revocation_supplied_ocsp_and_crls),
        CT_FN(test_revocation_supplied_ocsp_sm2),
        CT_FN(test_revocation_supplied_basic_wrapped),
        CT_FN(test_revocation_network_sources),
        CT_FN(test_revocation_supplied_window),
    };
    static const struct ct_table tables[] = {
        CT_TABLE(rev_cases, run_rev_case),
    };
    struct fx fx;
    const struct ct_fixture fixture = { &fx, fx_make, fx_free };

    memset(&fx, 0, sizeof(fx));
    return ct_main("test_revocation", fns, CT_COUNT(fns), tables, CT_COUNT(tables), &fixture);
}
