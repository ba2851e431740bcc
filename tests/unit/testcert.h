/*
 * tests/unit/testcert.h — certificates, CRLs and keys minted in C at test time for the unit tests.
 *
 * Include after <cmocka.h>: helpers fail the running test with cmocka assertions. Every object is built
 * with OpenSSL's public API, signed, then re-parsed from its DER so it looks exactly like one read from
 * a file (extension caches, cached encodings). Times are fixed constants so results are deterministic.
 * Every helper is static and marked unused; a test file uses what it needs. No global state.
 */
#ifndef SB_TESTCERT_H
#define SB_TESTCERT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TC_UNUSED __attribute__((unused))

#define TC_DAY   ((time_t)86400)
#define TC_T2020 ((time_t)1577836800) /* 2020-01-01T00:00:00Z */
#define TC_T2024 ((time_t)1704067200) /* 2024-01-01T00:00:00Z */
#define TC_T2025 ((time_t)1735689600) /* 2025-01-01T00:00:00Z: the usual validation time */
#define TC_T2030 ((time_t)1893456000) /* 2030-01-01T00:00:00Z */
#define TC_T2040 ((time_t)2208988800) /* 2040-01-01T00:00:00Z */

#define TC_SM2_ID "1234567812345678"

/* ---- keys ------------------------------------------------------------------------------------- */

/* A P-256 key (fast to make; the default for path tests). */
static TC_UNUSED EVP_PKEY *tc_key_ec(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    assert_non_null(k);
    return k;
}

/* An EC key on the named curve, or NULL when this OpenSSL cannot make one. */
static TC_UNUSED EVP_PKEY *tc_key_curve(const char *curve)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

    ERR_clear_error();
    return k;
}

static TC_UNUSED EVP_PKEY *tc_key_rsa(size_t bits)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);

    assert_non_null(k);
    return k;
}

static TC_UNUSED EVP_PKEY *tc_key_ed25519(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    assert_non_null(k);
    return k;
}

static TC_UNUSED EVP_PKEY *tc_key_sm2(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");

    assert_non_null(k);
    return k;
}

static TC_UNUSED int tc_is_sm2(const EVP_PKEY *k)
{
    char group[32];
    size_t len = 0;

    if (EVP_PKEY_is_a(k, "SM2")) {
        return 1;
    }
    if (EVP_PKEY_is_a(k, "EC") &&
        EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &len) == 1) {
        return strcmp(group, "SM2") == 0;
    }
    ERR_clear_error();
    return 0;
}

/* A digest-sign context for key: SM3 with distinguishing ID id for SM2 keys, else md (NULL = SHA-256,
 * none for Ed25519). EVP_MD_CTX_free when done. */
static TC_UNUSED EVP_MD_CTX *tc_sign_ctx(EVP_PKEY *key, const EVP_MD *md, const char *sm2_id)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    const char *mdname;

    assert_non_null(mctx);
    if (tc_is_sm2(key)) {
        const char *id = sm2_id != NULL ? sm2_id : TC_SM2_ID;

        assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, "SM3", NULL, NULL, key, NULL), 1);
        /* OpenSSL's `-sigopt distid:ID`: the ID is set after init, before the first update */
        assert_true(EVP_PKEY_CTX_set1_id(pctx, (const unsigned char *)id, strlen(id)) > 0);
        return mctx;
    }
    if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) {
        mdname = NULL;
    } else {
        mdname = EVP_MD_get0_name(md != NULL ? md : EVP_sha256());
    }
    assert_int_equal(EVP_DigestSignInit_ex(mctx, &pctx, mdname, NULL, NULL, key, NULL), 1);
    return mctx;
}

/* ---- DER round trips -------------------------------------------------------------------------- */

/* DER of x into *der (OPENSSL_free); returns the length. */
static TC_UNUSED int tc_der(X509 *x, unsigned char **der)
{
    int len;

    *der = NULL;
    len = i2d_X509(x, der);
    assert_true(len > 0);
    return len;
}

/* Parse DER that must be one certificate. */
static TC_UNUSED X509 *tc_from_der(const unsigned char *der, long len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, len);

    assert_non_null(x);
    assert_ptr_equal(p, der + len);
    return x;
}

/* Replace *x by a copy re-parsed from its DER. */
static TC_UNUSED X509 *tc_reparse(X509 *x)
{
    unsigned char *der = NULL;
    int len = tc_der(x, &der);
    X509 *y = tc_from_der(der, len);

    OPENSSL_free(der);
    X509_free(x);
    return y;
}

static TC_UNUSED X509_CRL *tc_crl_reparse(X509_CRL *c)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    int len = i2d_X509_CRL(c, &der);
    X509_CRL *d;

    assert_true(len > 0);
    p = der;
    d = d2i_X509_CRL(NULL, &p, len);
    assert_non_null(d);
    OPENSSL_free(der);
    X509_CRL_free(c);
    return d;
}

/* ---- certificates ----------------------------------------------------------------------------- */

#define TC_MAX_EXTRA 4

/* What tc_make builds. Zero-initialise, then fill what matters; NULL/0 fields take the defaults. */
struct tc_spec {
    const char *cn;                 /* subject CN (subject is "CN=<cn>,O=sigbridge tests") */
    const X509_NAME *subject;       /* borrowed; overrides cn */
    EVP_PKEY *key;                  /* subject key (only its public part goes in) */
    X509 *issuer;                   /* NULL: self-signed by key */
    EVP_PKEY *issuer_key;           /* signer when issuer != NULL */
    time_t nb, na;                  /* 0: TC_T2020 / TC_T2040 */
    long serial;                    /* 0: 1 */
    const char *bc, *ku, *eku, *san;   /* X509V3 config values; NULL omits the extension */
    const char *policies;           /* certificatePolicies OIDs, comma-separated; NULL omits */
    int no_ski, no_aki;             /* leave out subject / authority key identifier */
    X509_EXTENSION *extra[TC_MAX_EXTRA];          /* borrowed: added as they are */
    const EVP_MD *md;               /* NULL: SHA-256 */
    const char *sm2_id;             /* SM2 signer: distinguishing ID (NULL: GM/T default) */
};

static TC_UNUSED void tc_add_conf(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext;

    if (value == NULL) {
        return;
    }
    ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (ext == NULL) {
        ERR_print_errors_fp(stderr);
    }
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

/* certificatePolicies (non-critical) holding the comma-separated policy OIDs of list; NULL: none. */
static TC_UNUSED void tc_add_policies(X509 *x, const char *list)
{
    CERTIFICATEPOLICIES *cp;
    char oid[128];
    const char *p = list, *q;
    size_t n;

    if (list == NULL) {
        return;
    }
    assert_non_null(cp = sk_POLICYINFO_new_null());
    while (*p != '\0') {
        POLICYINFO *pi = POLICYINFO_new();

        q = strchr(p, ',');
        n = q != NULL ? (size_t)(q - p) : strlen(p);
        assert_true(n > 0 && n < sizeof(oid));
        memcpy(oid, p, n);
        oid[n] = '\0';
        assert_non_null(pi);
        ASN1_OBJECT_free(pi->policyid);
        assert_non_null(pi->policyid = OBJ_txt2obj(oid, 1));
        assert_true(sk_POLICYINFO_push(cp, pi) > 0);
        p += n;
        if (*p == ',') {
            p++;
        }
    }
    assert_int_equal(X509_add1_ext_i2d(x, NID_certificate_policies, cp, 0, 0), 1);
    sk_POLICYINFO_pop_free(cp, POLICYINFO_free);
}

/* A spec for a certificate of cn and key, issued by issuer/ikey (issuer NULL: self-signed); the rest zero. */
static TC_UNUSED struct tc_spec tc_spec_of(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
    struct tc_spec s = { .cn = cn, .key = key, .issuer = issuer, .issuer_key = ikey };

    return s;
}

static TC_UNUSED X509 *tc_make(const struct tc_spec *s)
{
    X509 *x = X509_new();
    X509_NAME *name = NULL;
    X509V3_CTX ctx;
    EVP_PKEY *signer = s->issuer != NULL ? s->issuer_key : s->key;
    EVP_MD_CTX *mctx;
    int i;

    assert_non_null(x);
    assert_non_null(signer);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial != 0 ? s->serial : 1), 1);
    if (s->subject != NULL) {
        assert_int_equal(X509_set_subject_name(x, s->subject), 1);
    } else {
        assert_non_null(name = X509_NAME_new());
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"sigbridge tests",
                                                    -1, -1, 0), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                    (const unsigned char *)(s->cn != NULL ? s->cn : "test"), -1, -1, 0),
                         1);
        assert_int_equal(X509_set_subject_name(x, name), 1);
        X509_NAME_free(name);
    }
    assert_int_equal(X509_set_issuer_name(x, s->issuer != NULL ? X509_get_subject_name(s->issuer)
                                                                : X509_get_subject_name(x)), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), s->nb != 0 ? s->nb : TC_T2020));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), s->na != 0 ? s->na : TC_T2040));
    assert_int_equal(X509_set_pubkey(x, s->key), 1);

    X509V3_set_ctx(&ctx, s->issuer != NULL ? s->issuer : x, x, NULL, NULL, 0);
    tc_add_conf(x, &ctx, NID_basic_constraints, s->bc);
    tc_add_conf(x, &ctx, NID_key_usage, s->ku);
    tc_add_conf(x, &ctx, NID_ext_key_usage, s->eku);
    tc_add_conf(x, &ctx, NID_subject_alt_name, s->san);
    tc_add_policies(x, s->policies);
    if (!s->no_ski) {
        tc_add_conf(x, &ctx, NID_subject_key_identifier, "hash");
    }
    if (!s->no_aki && s->issuer != NULL) {
        tc_add_conf(x, &ctx, NID_authority_key_identifier, "keyid:always");
    }
    for (i = 0; i < TC_MAX_EXTRA; i++) {
        if (s->extra[i] != NULL) {
            assert_int_equal(X509_add_ext(x, s->extra[i], -1), 1);
        }
    }
    mctx = tc_sign_ctx(signer, s->md, s->sm2_id);
    assert_true(X509_sign_ctx(x, mctx) > 0);
    EVP_MD_CTX_free(mctx);
    return tc_reparse(x);
}

/* A self-signed root CA: critical basicConstraints cA, keyUsage keyCertSign + cRLSign, SKI. */
static TC_UNUSED X509 *tc_root(const char *cn, EVP_PKEY *key)
{
    struct tc_spec s = tc_spec_of(cn, key, NULL, NULL);

    s.bc = "critical,CA:TRUE";
    s.ku = "critical,keyCertSign,cRLSign";
    return tc_make(&s);
}

/* An intermediate CA issued by issuer/ikey (pathlen < 0: no pathLenConstraint). */
static TC_UNUSED X509 *tc_inter(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, int pathlen)
{
    struct tc_spec s = tc_spec_of(cn, key, issuer, ikey);
    char bc[64];

    if (pathlen >= 0) {
        snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", pathlen);
    } else {
        snprintf(bc, sizeof(bc), "critical,CA:TRUE");
    }
    s.bc = bc;
    s.ku = "critical,keyCertSign,cRLSign";
    s.serial = 2;
    return tc_make(&s);
}

/* An end-entity certificate for host name cn (SAN DNS:<cn>, digitalSignature). */
static TC_UNUSED X509 *tc_leaf(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
    struct tc_spec s = tc_spec_of(cn, key, issuer, ikey);
    char san[300];

    snprintf(san, sizeof(san), "DNS:%s", cn);
    s.ku = "critical,digitalSignature";
    s.san = san;
    s.serial = 3;
    return tc_make(&s);
}

/* A raw extension with the given OID text and DER value. */
static TC_UNUSED X509_EXTENSION *tc_ext_raw(const char *oid, int critical, const unsigned char *der, int len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext;

    assert_non_null(obj);
    assert_non_null(os);
    assert_int_equal(ASN1_OCTET_STRING_set(os, der, len), 1);
    ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, os);
    assert_non_null(ext);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(os);
    return ext;
}

/* A GeneralName of type (GEN_DNS, GEN_EMAIL, GEN_URI) holding the IA5String s. */
static TC_UNUSED GENERAL_NAME *tc_gn_ia5(int type, const char *s)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *v = ASN1_IA5STRING_new();

    assert_non_null(g);
    assert_non_null(v);
    assert_int_equal(ASN1_STRING_set(v, s, (int)strlen(s)), 1);
    GENERAL_NAME_set0_value(g, type, v);
    return g;
}

/* Sign x with key (SHA-256) and replace it by a copy re-parsed from its DER. */
static TC_UNUSED X509 *tc_sign_reparse(X509 *x, EVP_PKEY *key)
{
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return tc_reparse(x);
}

/* ---- CRLs ------------------------------------------------------------------------------------- */

/* What tc_crl_make builds: a v2 CRL. Zero-initialise, then fill what matters. */
struct tc_crl_spec {
    X509 *issuer;               /* borrowed: names the issuer */
    EVP_PKEY *key;              /* signer */
    time_t last, next;          /* thisUpdate; nextUpdate (0: none) */
    const long *revoked;        /* serials listed, revoked at last */
    int nrev;
    int no_number;              /* leave out the CRL number (else 1) */
    const EVP_MD *md;           /* NULL: SHA-256 (SM3 for SM2 keys) */
    const char *sm2_id;         /* SM2 signer: distinguishing ID (NULL: GM/T default) */
};

static TC_UNUSED X509_CRL *tc_crl_make(const struct tc_crl_spec *s)
{
    X509_CRL *c = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    EVP_MD_CTX *mctx;
    X509_REVOKED *r;
    int i;

    assert_non_null(c);
    assert_non_null(t);
    assert_non_null(num);
    assert_int_equal(X509_CRL_set_version(c, X509_CRL_VERSION_2), 1);
    assert_int_equal(X509_CRL_set_issuer_name(c, X509_get_subject_name(s->issuer)), 1);
    assert_non_null(ASN1_TIME_set(t, s->last));
    assert_int_equal(X509_CRL_set1_lastUpdate(c, t), 1);
    if (s->next != 0) {
        assert_non_null(ASN1_TIME_set(t, s->next));
        assert_int_equal(X509_CRL_set1_nextUpdate(c, t), 1);
    }
    for (i = 0; i < s->nrev; i++) {
        ASN1_INTEGER *sn = ASN1_INTEGER_new();

        assert_non_null(r = X509_REVOKED_new());
        assert_non_null(sn);
        assert_int_equal(ASN1_INTEGER_set(sn, s->revoked[i]), 1);
        assert_int_equal(X509_REVOKED_set_serialNumber(r, sn), 1);
        assert_non_null(ASN1_TIME_set(t, s->last));
        assert_int_equal(X509_REVOKED_set_revocationDate(r, t), 1);
        assert_int_equal(X509_CRL_add0_revoked(c, r), 1);
        ASN1_INTEGER_free(sn);
    }
    if (!s->no_number) {
        assert_int_equal(ASN1_INTEGER_set(num, 1), 1);
        assert_int_equal(X509_CRL_add1_ext_i2d(c, NID_crl_number, num, 0, 0), 1);
    }
    assert_int_equal(X509_CRL_sort(c), 1);
    mctx = tc_sign_ctx(s->key, s->md, s->sm2_id);
    assert_true(X509_CRL_sign_ctx(c, mctx) > 0);
    EVP_MD_CTX_free(mctx);
    ASN1_TIME_free(t);
    ASN1_INTEGER_free(num);
    return tc_crl_reparse(c);
}

/* A v2 CRL by issuer/key valid [last, next] listing the given serials revoked at last, numbered 1; SM2
 * keys sign with sm2_id (NULL: GM/T default). */
static TC_UNUSED X509_CRL *tc_crl(X509 *issuer, EVP_PKEY *key, time_t last, time_t next, const long *revoked,
                                  int nrev, const char *sm2_id)
{
    struct tc_crl_spec s = {
        .issuer = issuer, .key = key, .last = last, .next = next, .revoked = revoked, .nrev = nrev, .sm2_id = sm2_id
    };

    return tc_crl_make(&s);
}

/* ---- misc ------------------------------------------------------------------------------------- */

/* Resource bounds are asserted on the calling thread's CPU time, not wall time: the work a hostile input
 * causes is what is bounded, and a machine loaded by other processes (parallel builds, CI neighbours)
 * must not fail the test. Start with tc_clock_start, read with tc_elapsed. */
static TC_UNUSED void tc_clock_start(struct timespec *t0)
{
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, t0);
}

/* CPU seconds this thread spent since tc_clock_start(t0). */
static TC_UNUSED double tc_elapsed(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A stack holding new references to the given certificates (NULL-terminated list). */
static TC_UNUSED STACK_OF(X509) *tc_stack(X509 *first, ...) __attribute__((sentinel));
static TC_UNUSED STACK_OF(X509) *tc_stack(X509 *first, ...)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    va_list ap;
    X509 *x;

    assert_non_null(sk);
    va_start(ap, first);
    for (x = first; x != NULL; x = va_arg(ap, X509 *)) {
        assert_int_equal(X509_up_ref(x), 1);
        assert_true(sk_X509_push(sk, x) > 0);
    }
    va_end(ap);
    return sk;
}

/* s is lowercase hex, of want_len characters when want_len is not 0 (serials, fingerprints: DESIGN §7). */
static TC_UNUSED void tc_assert_lower_hex(const char *s, size_t want_len)
{
    size_t i, n = strlen(s);

    if (want_len != 0) {
        assert_int_equal(n, want_len);
    }
    assert_true(n > 0);
    for (i = 0; i < n; i++) {
        assert_true((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
    }
}

#endif
