/*
 * tests/unit/test_revocation.c — RFC 5280 §6.3 CRL processing (pki/x509/revocation.c).
 *
 * Every CA, certificate and CRL is built here with OpenSSL APIs (P-256 keys generated once per run) and
 * passed through DER, as if loaded from files. Cases follow NIST PKITS 4.4 / 4.14 / 4.15 and the
 * x509-limbo crl::* scenarios; every verdict asserts the reason code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/x509/revocation.h"

#define AT ((time_t)1700000000)   /* 2023-11-14T22:13:20Z */
#define DAY ((time_t)86400)
#define ALL_BUT_KEY_CA 0x1F8u     /* ReasonFlags bits 3..8 */
#define KEY_CA 0x006u             /* keyCompromise, cACompromise */

struct fx {
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
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();

    assert_non_null(g);
    assert_non_null(s);
    assert_int_equal(ASN1_STRING_set(s, uri, -1), 1);
    GENERAL_NAME_set0_value(g, GEN_URI, s);
    return g;
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
    X509 *x = X509_new(), *out;
    X509_NAME *sn = mk_name(cn), *in = mk_name(issuer_cn);
    ASN1_INTEGER *ser = NULL;
    unsigned char *der = NULL;
    const unsigned char *p;
    int len;

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
    assert_true(X509_sign(x, sign_key, EVP_sha256()) > 0);
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    p = der;
    out = d2i_X509(NULL, &p, len);
    assert_non_null(out);
    OPENSSL_free(der);
    ASN1_INTEGER_free(ser);
    X509_NAME_free(sn);
    X509_NAME_free(in);
    X509_free(x);
    return out;
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
    unsigned char *der = NULL;
    const unsigned char *p;
    X509_CRL *out;
    int len;

    assert_true(X509_CRL_sign(c, key, md) > 0);
    len = i2d_X509_CRL(c, &der);
    assert_true(len > 0);
    p = der;
    out = d2i_X509_CRL(NULL, &p, len);
    assert_non_null(out);
    OPENSSL_free(der);
    X509_CRL_free(c);
    return out;
}

/* A current complete CRL of Test CA numbered n, optionally listing one serial. */
static X509_CRL *simple_crl(const struct fx *f, long n, const char *serial, int reason)
{
    X509_CRL *c = crl_begin("Test CA", AT - DAY, AT + DAY);

    if (serial != NULL) {
        crl_revoke(c, serial, AT - 2 * DAY, reason, NULL, 0);
    }
    crl_number(c, n, 0, X509V3_ADD_DEFAULT);
    return crl_end(c, f->ca_key, EVP_sha256());
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
    struct sb_revocation_ctx ctx;
    enum sb_reason r;

    memset(&ctx, 0, sizeof(ctx));
    ctx.crls = crls;
    ctx.at = AT;
    ctx.mode = mode;
    ctx.algs = &f->algs;
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

static int group_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -1;
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
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fx *f = *state;

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
    free(f);
    return 0;
}

/* ---------- basic CRL (PKITS 4.4, limbo crl::*) ---------- */

static void test_revocation_check_off_mode(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = simple_crl(f, 1, "1001", 1);
    STACK_OF(X509_CRL) *s = stk(1, crl);
    struct sb_err e;

    assert_int_equal(check(f, s, SB_REV_OFF, c, &e), SB_OK);
    assert_int_equal(check(f, NULL, SB_REV_OFF, c, &e), SB_OK);
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(c);
}

static void test_revocation_check_current_not_listed(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = simple_crl(f, 1, "2002", 1);
    STACK_OF(X509_CRL) *s = stk(1, crl);
    struct signer sg = { NULL, 0 };
    struct sb_err e;

    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_OK);
    assert_int_equal(check(f, s, SB_REV_PREFER, c, &e), SB_OK);
    /* the issuer's own key verifies: no signer lookup */
    assert_int_equal(check_full(f, s, SB_REV_REQUIRE, c, f->ca, &sg, &e), SB_OK);
    assert_int_equal(sg.calls, 0);
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(c);
}

static void test_revocation_check_listed_revoked(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = simple_crl(f, 7, "1001", 1);
    STACK_OF(X509_CRL) *s = stk(1, crl);
    struct sb_err e;

    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    assert_msg_has(&e, "serial 1001");
    assert_msg_has(&e, "keyCompromise");
    assert_msg_has(&e, "CN=Test CA");
    assert_msg_has(&e, "CRL 7");
    assert_int_equal(check(f, s, SB_REV_PREFER, c, &e), SB_R_REVOKED);
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(c);
}

static void test_revocation_check_revoked_after_at(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *s;
    struct sb_err e;

    crl_revoke(crl, "1001", AT + 3600, 1, NULL, 0);
    crl_number(crl, 1, 0, X509V3_ADD_DEFAULT);
    crl = crl_end(crl, f->ca_key, EVP_sha256());
    s = stk(1, crl);
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_OK);
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(c);
}

static void test_revocation_check_stale_crl(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *listing = crl_begin("Test CA", AT - 10 * DAY, AT - DAY);
    X509_CRL *clean = crl_begin("Test CA", AT - 10 * DAY, AT - DAY);
    STACK_OF(X509_CRL) *s1, *s2;
    struct sb_err e;

    crl_revoke(listing, "1001", AT - 20 * DAY, 4, NULL, 0);
    crl_number(listing, 3, 0, X509V3_ADD_DEFAULT);
    listing = crl_end(listing, f->ca_key, EVP_sha256());
    crl_number(clean, 3, 0, X509V3_ADD_DEFAULT);
    clean = crl_end(clean, f->ca_key, EVP_sha256());
    s1 = stk(1, listing);
    s2 = stk(1, clean);
    /* a stale CRL still proves revocation */
    assert_int_equal(check(f, s1, SB_REV_PREFER, c, &e), SB_R_REVOKED);
    assert_msg_has(&e, "superseded");
    assert_msg_has(&e, "stale");
    assert_int_equal(check(f, s1, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    /* but not good standing */
    assert_int_equal(check(f, s2, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "expired at 2023-11-13T22:13:20Z");
    assert_int_equal(check(f, s2, SB_REV_PREFER, c, &e), SB_OK);
    stk_free(s1);
    stk_free(s2);
    X509_CRL_free(listing);
    X509_CRL_free(clean);
    X509_free(c);
}

static void test_revocation_check_no_crl(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    STACK_OF(X509_CRL) *empty = sk_X509_CRL_new_null();
    struct sb_err e;

    assert_int_equal(check(f, NULL, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "no CRL from issuer CN=Test CA");
    assert_int_equal(check(f, empty, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(check(f, NULL, SB_REV_PREFER, c, &e), SB_OK);
    sk_X509_CRL_free(empty);
    X509_free(c);
}

/* limbo crl::certificate-serial-on-crl-different-issuer */
static void test_revocation_check_other_issuer_crl(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = crl_begin("Other CA", AT - DAY, AT + DAY);
    X509_CRL *own = simple_crl(f, 1, NULL, -1);
    STACK_OF(X509_CRL) *s1, *s2;
    struct sb_err e;

    crl_revoke(crl, "1001", AT - DAY, 1, NULL, 0);
    crl_number(crl, 1, 0, X509V3_ADD_DEFAULT);
    crl = crl_end(crl, f->other_key, EVP_sha256());
    s1 = stk(1, crl);
    s2 = stk(2, crl, own);
    assert_int_equal(check(f, s1, SB_REV_PREFER, c, &e), SB_OK);
    assert_int_equal(check(f, s1, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "no CRL from issuer");
    assert_int_equal(check(f, s2, SB_REV_REQUIRE, c, &e), SB_OK);
    stk_free(s1);
    stk_free(s2);
    X509_CRL_free(crl);
    X509_CRL_free(own);
    X509_free(c);
}

/* PKITS 4.4.3 Invalid Bad CRL Signature */
static void test_revocation_check_bad_signature(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *s;
    struct signer sg = { NULL, 0 };
    struct sb_err e;

    crl_revoke(crl, "1001", AT - DAY, 1, NULL, 0);
    crl_number(crl, 1, 0, X509V3_ADD_DEFAULT);
    crl = crl_end(crl, f->other_key, EVP_sha256());
    s = stk(1, crl);
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "signature does not verify");
    /* never trusted, not even to revoke */
    assert_int_equal(check(f, s, SB_REV_PREFER, c, &e), SB_OK);
    /* the signer lookup is asked and fails too */
    assert_int_equal(check_full(f, s, SB_REV_REQUIRE, c, f->ca, &sg, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(sg.calls, 1);
    assert_msg_has(&e, "test signer");
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(c);
}

/* limbo crl::crlnumber-missing / crl::crlnumber-critical, duplicate extension, unknown critical extension */
static void test_revocation_check_crl_extensions(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *v[6];
    STACK_OF(X509_CRL) *s;
    struct sb_err e;
    int i;
    static const char *const why[6] = {
        "no CRL number", "CRL number extension is critical", "appears more than once",
        "unknown critical CRL extension 1.3.6.1.4.1.55555.7.1", NULL, "unknown critical CRL entry extension"
    };

    for (i = 0; i < 6; i++) {
        v[i] = crl_begin("Test CA", AT - DAY, AT + DAY);
        crl_revoke(v[i], "1001", AT - DAY, 1, NULL, 0);
    }
    crl_number(v[1], 1, 1, X509V3_ADD_DEFAULT);
    crl_number(v[2], 1, 0, X509V3_ADD_DEFAULT);
    crl_number(v[2], 2, 0, X509V3_ADD_APPEND);
    crl_number(v[3], 1, 0, X509V3_ADD_DEFAULT);
    unknown_ext_add(v[3], NULL, 1);
    crl_number(v[4], 1, 0, X509V3_ADD_DEFAULT);
    unknown_ext_add(v[4], NULL, 0);  /* non-critical unknown: fine */
    crl_number(v[5], 1, 0, X509V3_ADD_DEFAULT);
    crl_revoke(v[5], "0777", AT - DAY, 1, NULL, 1);
    for (i = 0; i < 6; i++) {
        v[i] = crl_end(v[i], f->ca_key, EVP_sha256());
        s = stk(1, v[i]);
        if (why[i] == NULL) {
            assert_int_equal(check(f, s, SB_REV_PREFER, c, &e), SB_R_REVOKED);
        } else {
            assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
            assert_msg_has(&e, why[i]);
            assert_int_equal(check(f, s, SB_REV_PREFER, c, &e), SB_OK);
        }
        stk_free(s);
        X509_CRL_free(v[i]);
    }
    X509_free(c);
}

/* limbo crl::issuer-missing-crlsign, crl::issuer-no-keyusage-extension */
static void test_revocation_check_issuer_key_usage(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = simple_crl(f, 1, "1001", 1), *clean = simple_crl(f, 1, NULL, -1);
    STACK_OF(X509_CRL) *s = stk(1, crl), *s2 = stk(1, clean);
    struct sb_err e;

    assert_int_equal(check_full(f, s, SB_REV_PREFER, c, f->ca_nocrl, NULL, &e), SB_OK);
    assert_int_equal(check_full(f, s2, SB_REV_REQUIRE, c, f->ca_nocrl, NULL, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "without cRLSign");
    assert_int_equal(check_full(f, s, SB_REV_PREFER, c, f->ca_noku, NULL, &e), SB_R_REVOKED);
    assert_int_equal(check_full(f, s2, SB_REV_REQUIRE, c, f->ca_noku, NULL, &e), SB_OK);
    stk_free(s);
    stk_free(s2);
    X509_CRL_free(crl);
    X509_CRL_free(clean);
    X509_free(c);
}

/* PKITS 4.4.10/4.4.11: future thisUpdate; a CRL without nextUpdate is never current */
static void test_revocation_check_crl_times(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *future = crl_begin("Test CA", AT + DAY, AT + 2 * DAY);
    X509_CRL *nonext = crl_begin("Test CA", AT - DAY, 0);
    STACK_OF(X509_CRL) *s1, *s2;
    struct sb_err e;

    crl_revoke(future, "1001", AT - DAY, 1, NULL, 0);
    crl_number(future, 1, 0, X509V3_ADD_DEFAULT);
    future = crl_end(future, f->ca_key, EVP_sha256());
    crl_number(nonext, 1, 0, X509V3_ADD_DEFAULT);
    nonext = crl_end(nonext, f->ca_key, EVP_sha256());
    s1 = stk(1, future);
    s2 = stk(1, nonext);
    assert_int_equal(check(f, s1, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "not yet valid");
    assert_int_equal(check(f, s1, SB_REV_PREFER, c, &e), SB_OK);
    assert_int_equal(check(f, s2, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "no nextUpdate");
    assert_int_equal(check(f, s2, SB_REV_PREFER, c, &e), SB_OK);
    stk_free(s1);
    stk_free(s2);
    X509_CRL_free(future);
    X509_CRL_free(nonext);
    X509_free(c);
}

/* CRL signatures must use an allowed algorithm (SHA-1 is refused by default). */
static void test_revocation_check_weak_crl_algorithm(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *crl = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *s;
    struct sb_err e;

    crl_number(crl, 1, 0, X509V3_ADD_DEFAULT);
    crl = crl_end(crl, f->ca_key, EVP_sha1());
    s = stk(1, crl);
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "SHA-1");
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(c);
}

/* PKITS 4.4.14-18: negative and 20-octet serial numbers */
static void test_revocation_check_serial_forms(void **state)
{
    const struct fx *f = *state;
    X509 *neg = leaf("-2A", NULL, f), *pos = leaf("2A", NULL, f);
    X509 *lng = leaf("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", NULL, f);
    X509_CRL *crl = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *s;
    struct sb_err e;

    crl_revoke(crl, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", AT - DAY, 1, NULL, 0);
    crl_revoke(crl, "-2A", AT - DAY, 1, NULL, 0);
    crl_number(crl, 1, 0, X509V3_ADD_DEFAULT);
    crl = crl_end(crl, f->ca_key, EVP_sha256());
    s = stk(1, crl);
    assert_int_equal(check(f, s, SB_REV_REQUIRE, neg, &e), SB_R_REVOKED);
    assert_msg_has(&e, "serial -2a");
    assert_int_equal(check(f, s, SB_REV_REQUIRE, pos, &e), SB_OK);
    assert_int_equal(check(f, s, SB_REV_REQUIRE, lng, &e), SB_R_REVOKED);
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(neg);
    X509_free(pos);
    X509_free(lng);
}

/* PKITS 4.4.19-21: CRL signed by a separate key of the same CA name, found through find_signer */
static void test_revocation_check_find_signer(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f), *c2 = leaf("1002", NULL, f);
    X509_CRL *crl = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *s;
    struct signer sg = { f->ca_alt, 0 }, none = { NULL, 0 };
    struct sb_err e;

    crl_revoke(crl, "1002", AT - DAY, 2, NULL, 0);
    crl_number(crl, 1, 0, X509V3_ADD_DEFAULT);
    crl = crl_end(crl, f->ca2_key, EVP_sha256());
    s = stk(1, crl);
    assert_int_equal(check_full(f, s, SB_REV_REQUIRE, c, f->ca, &sg, &e), SB_OK);
    assert_int_equal(sg.calls, 1);
    assert_int_equal(check_full(f, s, SB_REV_REQUIRE, c2, f->ca, &sg, &e), SB_R_REVOKED);
    assert_msg_has(&e, "cACompromise");
    assert_int_equal(sg.calls, 2);
    /* the signer cannot be validated (PKITS 4.4.21: revoked CRL signer) */
    assert_int_equal(check_full(f, s, SB_REV_REQUIRE, c2, f->ca, &none, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(none.calls, 1);
    /* without a lookup the CRL is unusable */
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    stk_free(s);
    X509_CRL_free(crl);
    X509_free(c);
    X509_free(c2);
}

/* ---------- distribution points (PKITS 4.14) ---------- */

static void test_revocation_check_idp_only_contains(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509 *subca = mk_cert("Sub CA", "Test CA", f->other_key, f->ca_key, "1001", 1, "critical,keyCertSign", NULL);
    X509_CRL *only_ca = crl_begin("Test CA", AT - DAY, AT + DAY);
    X509_CRL *only_user = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *sca, *suser;
    struct sb_err e;

    crl_revoke(only_ca, "1001", AT - DAY, 1, NULL, 0);
    crl_number(only_ca, 1, 0, X509V3_ADD_DEFAULT);
    crl_idp(only_ca, NULL, 0, 1, 0, 0);
    only_ca = crl_end(only_ca, f->ca_key, EVP_sha256());
    crl_number(only_user, 2, 0, X509V3_ADD_DEFAULT);
    crl_idp(only_user, NULL, 1, 0, 0, 0);
    only_user = crl_end(only_user, f->ca_key, EVP_sha256());
    sca = stk(1, only_ca);
    suser = stk(1, only_user);
    /* onlyContainsCACerts does not apply to a leaf: its entry is ignored and gives no coverage */
    assert_int_equal(check(f, sca, SB_REV_PREFER, c, &e), SB_OK);
    assert_int_equal(check(f, sca, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "only contains CA certificates");
    assert_int_equal(check(f, sca, SB_REV_PREFER, subca, &e), SB_R_REVOKED);
    /* onlyContainsUserCerts covers leaves, not CAs */
    assert_int_equal(check(f, suser, SB_REV_REQUIRE, c, &e), SB_OK);
    assert_int_equal(check(f, suser, SB_REV_REQUIRE, subca, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "only contains end-entity certificates");
    stk_free(sca);
    stk_free(suser);
    X509_CRL_free(only_ca);
    X509_CRL_free(only_user);
    X509_free(subca);
    X509_free(c);
}

static void test_revocation_check_idp_names(void **state)
{
    const struct fx *f = *state;
    X509 *with_dp = leaf("1001", crldp1("http://crl.example/a.crl", NULL, 0), f);
    X509 *no_dp = leaf("1001", NULL, f);
    X509_CRL *a = crl_begin("Test CA", AT - DAY, AT + DAY), *b = crl_begin("Test CA", AT - DAY, AT + DAY);
    X509_CRL *dn = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *sa, *sb, *sdn;
    struct sb_err e;

    crl_number(a, 1, 0, X509V3_ADD_DEFAULT);
    crl_idp(a, dpn_full(gn_uri("http://crl.example/a.crl")), 0, 0, 0, 0);
    a = crl_end(a, f->ca_key, EVP_sha256());
    crl_revoke(b, "1001", AT - DAY, 1, NULL, 0);
    crl_number(b, 2, 0, X509V3_ADD_DEFAULT);
    crl_idp(b, dpn_full(gn_uri("http://crl.example/b.crl")), 0, 0, 0, 0);
    b = crl_end(b, f->ca_key, EVP_sha256());
    crl_number(dn, 3, 0, X509V3_ADD_DEFAULT);
    crl_idp(dn, dpn_full(gn_dir("Test CA")), 0, 0, 0, 0);
    dn = crl_end(dn, f->ca_key, EVP_sha256());
    sa = stk(1, a);
    sb = stk(1, b);
    sdn = stk(1, dn);
    assert_int_equal(check(f, sa, SB_REV_REQUIRE, with_dp, &e), SB_OK);
    /* PKITS 4.14.3: another distribution point's CRL does not apply, listing included */
    assert_int_equal(check(f, sb, SB_REV_REQUIRE, with_dp, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "matches none of the certificate's CRL distribution points");
    assert_int_equal(check(f, sb, SB_REV_PREFER, with_dp, &e), SB_OK);
    /* PKITS 4.14.8: without a CRLDP, only an IDP naming the issuer applies */
    assert_int_equal(check(f, sa, SB_REV_REQUIRE, no_dp, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(check(f, sdn, SB_REV_REQUIRE, no_dp, &e), SB_OK);
    stk_free(sa);
    stk_free(sb);
    stk_free(sdn);
    X509_CRL_free(a);
    X509_CRL_free(b);
    X509_CRL_free(dn);
    X509_free(with_dp);
    X509_free(no_dp);
}

/* PKITS 4.14.4/4.14.7: nameRelativeToCRLIssuer is appended to the CRL issuer's name */
static void test_revocation_check_idp_relative_name(void **state)
{
    const struct fx *f = *state;
    STACK_OF(DIST_POINT) *dps = crldp1(NULL, NULL, 0);
    X509 *c, *rel_leaf;
    X509_CRL *rel = crl_begin("Test CA", AT - DAY, AT + DAY), *full = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *srel, *sfull;
    struct sb_err e;

    sk_DIST_POINT_value(dps, 0)->distpoint = dpn_full(gn_dir2("Test CA", "CRL1"));
    c = leaf("1001", dps, f);
    dps = crldp1(NULL, NULL, 0);
    sk_DIST_POINT_value(dps, 0)->distpoint = dpn_relative("CRL2");
    rel_leaf = leaf("1002", dps, f);
    crl_revoke(rel, "1001", AT - DAY, 1, NULL, 0);
    crl_number(rel, 1, 0, X509V3_ADD_DEFAULT);
    crl_idp(rel, dpn_relative("CRL1"), 0, 0, 0, 0);
    rel = crl_end(rel, f->ca_key, EVP_sha256());
    crl_number(full, 2, 0, X509V3_ADD_DEFAULT);
    crl_idp(full, dpn_full(gn_dir2("Test CA", "CRL2")), 0, 0, 0, 0);
    full = crl_end(full, f->ca_key, EVP_sha256());
    srel = stk(1, rel);
    sfull = stk(1, full);
    assert_int_equal(check(f, srel, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    assert_int_equal(check(f, sfull, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_int_equal(check(f, sfull, SB_REV_REQUIRE, rel_leaf, &e), SB_OK);
    assert_int_equal(check(f, srel, SB_REV_REQUIRE, rel_leaf, &e), SB_R_REVOCATION_UNAVAILABLE);
    stk_free(srel);
    stk_free(sfull);
    X509_CRL_free(rel);
    X509_CRL_free(full);
    X509_free(c);
    X509_free(rel_leaf);
}

/* PKITS 4.14.15-21: reason-partitioned CRLs must together cover all reasons */
static void test_revocation_check_only_some_reasons(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f), *c2 = leaf("1002", NULL, f);
    X509_CRL *kc = crl_begin("Test CA", AT - DAY, AT + DAY), *rest = crl_begin("Test CA", AT - DAY, AT + DAY);
    STACK_OF(X509_CRL) *both, *half;
    struct sb_err e;

    crl_number(kc, 1, 0, X509V3_ADD_DEFAULT);
    crl_idp(kc, NULL, 0, 0, KEY_CA, 0);
    kc = crl_end(kc, f->ca_key, EVP_sha256());
    crl_revoke(rest, "1002", AT - DAY, 6, NULL, 0);
    crl_number(rest, 2, 0, X509V3_ADD_DEFAULT);
    crl_idp(rest, NULL, 0, 0, ALL_BUT_KEY_CA, 0);
    rest = crl_end(rest, f->ca_key, EVP_sha256());
    both = stk(2, kc, rest);
    half = stk(1, kc);
    assert_int_equal(check(f, both, SB_REV_REQUIRE, c, &e), SB_OK);
    assert_int_equal(check(f, half, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "do not cover the reasons affiliationChanged,superseded");
    assert_int_equal(check(f, half, SB_REV_PREFER, c, &e), SB_OK);
    /* PKITS 4.14.16: on hold on the second partition */
    assert_int_equal(check(f, both, SB_REV_REQUIRE, c2, &e), SB_R_REVOKED);
    assert_msg_has(&e, "certificateHold");
    stk_free(both);
    stk_free(half);
    X509_CRL_free(kc);
    X509_CRL_free(rest);
    X509_free(c);
    X509_free(c2);
}

/* PKITS 4.14.24-35: indirect CRL from a cRLIssuer, certificateIssuer entries carrying forward */
static void test_revocation_check_indirect_crl(void **state)
{
    const struct fx *f = *state;
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

/* ---------- delta CRLs (PKITS 4.15) ---------- */

static X509_CRL *delta_crl(const struct fx *f, long n, long base, time_t next, const char *serial, int reason)
{
    X509_CRL *d = crl_begin("Test CA", AT - DAY / 2, next);

    if (serial != NULL) {
        crl_revoke(d, serial, AT - DAY / 2, reason, NULL, 0);
    }
    crl_number(d, n, 0, X509V3_ADD_DEFAULT);
    crl_delta(d, base);
    return crl_end(d, f->ca_key, EVP_sha256());
}

static void test_revocation_check_delta_revokes(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f), *c2 = leaf("1002", NULL, f);
    X509_CRL *base = simple_crl(f, 10, NULL, -1);
    X509_CRL *d = delta_crl(f, 11, 10, AT + DAY, "1001", 1);
    X509_CRL *d_future_base = delta_crl(f, 13, 12, AT + DAY, "1001", 1);
    STACK_OF(X509_CRL) *s = stk(2, base, d), *alone = stk(1, d), *mismatch = stk(2, base, d_future_base);
    struct sb_err e;

    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    assert_msg_has(&e, "delta CRL 11");
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c2, &e), SB_OK);
    /* PKITS 4.15.1: a delta CRL alone is not usable */
    assert_int_equal(check(f, alone, SB_REV_REQUIRE, c, &e), SB_R_REVOCATION_UNAVAILABLE);
    assert_msg_has(&e, "no current complete CRL");
    assert_int_equal(check(f, alone, SB_REV_PREFER, c, &e), SB_OK);
    /* base CRL number 12 > the complete CRL's 10: the delta is unusable, the complete CRL still covers */
    assert_int_equal(check(f, mismatch, SB_REV_REQUIRE, c, &e), SB_OK);
    stk_free(s);
    stk_free(alone);
    stk_free(mismatch);
    X509_CRL_free(base);
    X509_CRL_free(d);
    X509_CRL_free(d_future_base);
    X509_free(c);
    X509_free(c2);
}

static void test_revocation_check_delta_remove_from_crl(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *hold = simple_crl(f, 10, "1001", 6), *kc = simple_crl(f, 10, "1001", 1);
    X509_CRL *rm = delta_crl(f, 11, 10, AT + DAY, "1001", 8);
    X509_CRL *rm_stale = delta_crl(f, 11, 10, AT - 3600, "1001", 8);
    X509_CRL *rm_kc = delta_crl(f, 11, 10, AT + DAY, "1001", 1), *clean = simple_crl(f, 10, NULL, -1);
    STACK_OF(X509_CRL) *s_hold = stk(1, hold), *s_rm = stk(2, hold, rm), *s_stale = stk(2, hold, rm_stale);
    STACK_OF(X509_CRL) *s_kc = stk(2, kc, rm), *s_rm_only = stk(2, clean, rm);
    STACK_OF(X509_CRL) *s_hold_kc = stk(2, hold, rm_kc);
    struct sb_err e;

    assert_int_equal(check(f, s_hold, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    assert_msg_has(&e, "certificateHold");
    /* PKITS 4.15.5: hold released by removeFromCRL in a current delta */
    assert_int_equal(check(f, s_rm, SB_REV_REQUIRE, c, &e), SB_OK);
    assert_int_equal(check(f, s_stale, SB_REV_PREFER, c, &e), SB_R_REVOKED);
    /* PKITS 4.15.6: hold turned into keyCompromise by the delta */
    assert_int_equal(check(f, s_hold_kc, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    assert_msg_has(&e, "keyCompromise");
    /* removeFromCRL cannot undo a permanent revocation */
    assert_int_equal(check(f, s_kc, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    /* PKITS 4.15.7: removeFromCRL for a certificate not on the complete CRL */
    assert_int_equal(check(f, s_rm_only, SB_REV_REQUIRE, c, &e), SB_OK);
    stk_free(s_hold);
    stk_free(s_rm);
    stk_free(s_stale);
    stk_free(s_kc);
    stk_free(s_rm_only);
    stk_free(s_hold_kc);
    X509_CRL_free(hold);
    X509_CRL_free(kc);
    X509_CRL_free(rm);
    X509_CRL_free(rm_stale);
    X509_CRL_free(rm_kc);
    X509_CRL_free(clean);
    X509_free(c);
}

/* A certificateHold on an older CRL is released by a newer complete CRL that no longer lists it. */
static void test_revocation_check_hold_released(void **state)
{
    const struct fx *f = *state;
    X509 *c = leaf("1001", NULL, f);
    X509_CRL *old = crl_begin("Test CA", AT - 10 * DAY, AT - 5 * DAY), *newer = simple_crl(f, 5, NULL, -1);
    X509_CRL *old_kc = crl_begin("Test CA", AT - 10 * DAY, AT - 5 * DAY);
    STACK_OF(X509_CRL) *s, *s_kc;
    struct sb_err e;

    crl_revoke(old, "1001", AT - 12 * DAY, 6, NULL, 0);
    crl_number(old, 4, 0, X509V3_ADD_DEFAULT);
    old = crl_end(old, f->ca_key, EVP_sha256());
    crl_revoke(old_kc, "1001", AT - 12 * DAY, 1, NULL, 0);
    crl_number(old_kc, 4, 0, X509V3_ADD_DEFAULT);
    old_kc = crl_end(old_kc, f->ca_key, EVP_sha256());
    s = stk(2, old, newer);
    s_kc = stk(2, old_kc, newer);
    assert_int_equal(check(f, s, SB_REV_REQUIRE, c, &e), SB_OK);
    assert_int_equal(check(f, s_kc, SB_REV_REQUIRE, c, &e), SB_R_REVOKED);
    stk_free(s);
    stk_free(s_kc);
    X509_CRL_free(old);
    X509_CRL_free(old_kc);
    X509_CRL_free(newer);
    X509_free(c);
}

/* At most 256 CRLs are considered per check. */
static void test_revocation_check_crl_cap(void **state)
{
    const struct fx *f = *state;
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
    const struct fx *f = *state;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revocation_check_off_mode),
        cmocka_unit_test(test_revocation_check_current_not_listed),
        cmocka_unit_test(test_revocation_check_listed_revoked),
        cmocka_unit_test(test_revocation_check_revoked_after_at),
        cmocka_unit_test(test_revocation_check_stale_crl),
        cmocka_unit_test(test_revocation_check_no_crl),
        cmocka_unit_test(test_revocation_check_other_issuer_crl),
        cmocka_unit_test(test_revocation_check_bad_signature),
        cmocka_unit_test(test_revocation_check_crl_extensions),
        cmocka_unit_test(test_revocation_check_issuer_key_usage),
        cmocka_unit_test(test_revocation_check_crl_times),
        cmocka_unit_test(test_revocation_check_weak_crl_algorithm),
        cmocka_unit_test(test_revocation_check_serial_forms),
        cmocka_unit_test(test_revocation_check_find_signer),
        cmocka_unit_test(test_revocation_check_idp_only_contains),
        cmocka_unit_test(test_revocation_check_idp_names),
        cmocka_unit_test(test_revocation_check_idp_relative_name),
        cmocka_unit_test(test_revocation_check_only_some_reasons),
        cmocka_unit_test(test_revocation_check_indirect_crl),
        cmocka_unit_test(test_revocation_check_delta_revokes),
        cmocka_unit_test(test_revocation_check_delta_remove_from_crl),
        cmocka_unit_test(test_revocation_check_hold_released),
        cmocka_unit_test(test_revocation_check_crl_cap),
        cmocka_unit_test(test_revocation_check_bad_arguments),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
