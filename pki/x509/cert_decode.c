/*
 * pki/x509/cert_decode.c — certificates decoded without OpenSSL 3.0's public-key decoder, and remembered
 * DER digests of certificates and CRLs (cert_decode.h says why and what is guaranteed).
 */
#include "pki/x509/cert_decode.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "pki/base/der.h"
#include "pki/base/digest.h"

#define RSA_MAX_BYTES 1024     /* 8192-bit moduli (SB_SIG_MAX_RSA_BITS); larger keys take the ordinary decoder */
#define RSA_MAX_E_BYTES 16

/* What the process sets up once and never changes: a library context without providers (its key
 * decoder finds nothing, at once) and the ex_data indexes. */
enum { CURVE_P256, CURVE_P384, CURVE_P521, CURVE_SM2, CURVE__COUNT };

struct decode_env {
    OSSL_LIB_CTX *keyless;     /* NULL when it could not be made: every decode is then the ordinary one */
    OSSL_PROVIDER *null_prov;
    int cert_idx;              /* -1 when unavailable */
    EVP_PKEY *curve[CURVE__COUNT];   /* domain parameters only: a new key is a copy with its point set, which
                                      * spares building the group from its name (EVP_PKEY_fromdata does) */
};

static struct decode_env env = { NULL, NULL, -1, { NULL } };

static const struct {
    int nid;
    const char *type, *group;
} curves[CURVE__COUNT] = {
    { NID_X9_62_prime256v1, "EC", "prime256v1" },
    { NID_secp384r1, "EC", "secp384r1" },
    { NID_secp521r1, "EC", "secp521r1" },
    { NID_sm2, "SM2", "SM2" },            /* OpenSSL 3 types keys on the SM2 curve as SM2 */
};
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

/* Attached to an X509 by sb_cert_d2i / sb_cert_note_der (owned by the X509 through ex_data). */
struct cert_extra {
    EVP_PKEY *pkey;            /* NULL: the X509 holds its own key */
    unsigned char sha256[32];
    int have_sha256;
};

static void cert_extra_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    struct cert_extra *e = ptr;

    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    if (e != NULL) {
        EVP_PKEY_free(e->pkey);
        free(e);
    }
}

static EVP_PKEY *key_fromdata(const char *type, OSSL_PARAM *params, int selection);

static EVP_PKEY *curve_params(int i)
{
    OSSL_PARAM p[2];

    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curves[i].group, 0);
    p[1] = OSSL_PARAM_construct_end();
    return key_fromdata(curves[i].type, p, EVP_PKEY_KEY_PARAMETERS);
}

static void env_init(void)
{
    int i;

    for (i = 0; i < CURVE__COUNT; i++) {
        env.curve[i] = curve_params(i);     /* NULL: keys on that curve take the ordinary decoder */
    }
    env.cert_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509, 0, NULL, NULL, NULL, cert_extra_free);
    if ((env.keyless = OSSL_LIB_CTX_new()) != NULL &&
        (env.null_prov = OSSL_PROVIDER_load(env.keyless, "null")) == NULL) {
        OSSL_LIB_CTX_free(env.keyless);     /* without the null provider it would load the default one */
        env.keyless = NULL;
    }
    ERR_clear_error();
}

static const struct decode_env *get_env(void)
{
    pthread_once(&env_once, env_init);
    return &env;
}

static X509 *ordinary_d2i(const unsigned char *der, size_t len)
{
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)len);

    if (x != NULL && q != der + len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* 1 when the DER INTEGER contents c[0..n) are minimal and positive; *v, *vl then the magnitude. */
static int positive_integer(const unsigned char *c, size_t n, const unsigned char **v, size_t *vl)
{
    if (n == 0 || (c[0] & 0x80) != 0) {
        return 0;
    }
    if (c[0] == 0x00) {
        if (n == 1 || (c[1] & 0x80) == 0) {
            return 0;            /* zero, or a non-minimal encoding: left to OpenSSL's own judgement */
        }
        c++, n--;
    }
    *v = c;
    *vl = n;
    return 1;
}

/* Big-endian magnitude → the native-endian buffer OSSL_PARAM_construct_BN expects. */
static void to_native(const unsigned char *be, size_t n, unsigned char *out)
{
    const uint16_t one = 1;
    size_t i;

    if (*(const unsigned char *)&one == 1) {
        for (i = 0; i < n; i++) {
            out[i] = be[n - 1 - i];
        }
    } else {
        memcpy(out, be, n);
    }
}

static EVP_PKEY *key_fromdata(const char *type, OSSL_PARAM *params, int selection)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *k = NULL;

    if (pc == NULL || EVP_PKEY_fromdata_init(pc) <= 0 || EVP_PKEY_fromdata(pc, &k, selection, params) <= 0) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    EVP_PKEY_CTX_free(pc);
    return k;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, exactly pk[0..n). */
static EVP_PKEY *rsa_key(const unsigned char *pk, size_t n)
{
    struct sb_der top, seq;
    struct sb_der_elem s, m, e;
    const unsigned char *mv, *ev;
    size_t ml, el;
    unsigned char mn[RSA_MAX_BYTES], en[RSA_MAX_E_BYTES];
    OSSL_PARAM p[3];

    sb_der_init(&top, pk, n, NULL);
    if (sb_der_expect(&top, SB_DER_UNIVERSAL, 16, 1, &s, "RSAPublicKey", NULL) != SB_OK ||
        sb_der_done(&top, "RSAPublicKey", NULL) != SB_OK || sb_der_enter(&top, &s, &seq, "RSAPublicKey", NULL) != SB_OK ||
        sb_der_expect(&seq, SB_DER_UNIVERSAL, 2, 0, &m, "modulus", NULL) != SB_OK ||
        sb_der_expect(&seq, SB_DER_UNIVERSAL, 2, 0, &e, "publicExponent", NULL) != SB_OK ||
        sb_der_done(&seq, "RSAPublicKey", NULL) != SB_OK || !positive_integer(m.content, m.len, &mv, &ml) ||
        !positive_integer(e.content, e.len, &ev, &el) || ml > sizeof(mn) || el > sizeof(en)) {
        return NULL;
    }
    to_native(mv, ml, mn);
    to_native(ev, el, en);
    p[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, mn, ml);
    p[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, en, el);
    p[2] = OSSL_PARAM_construct_end();
    return key_fromdata("RSA", p, EVP_PKEY_PUBLIC_KEY);
}

/* A copy of the curve's parameters with the point pk[0..n) (checked to be on the curve). */
static EVP_PKEY *ec_key(const struct decode_env *ev, int curve_nid, const unsigned char *pk, size_t n)
{
    EVP_PKEY *k;
    int i;

    for (i = 0; i < CURVE__COUNT && curves[i].nid != curve_nid; i++) {
    }
    if (i == CURVE__COUNT || ev->curve[i] == NULL || (k = EVP_PKEY_dup(ev->curve[i])) == NULL) {
        return NULL;
    }
    if (EVP_PKEY_set1_encoded_public_key(k, pk, n) != 1) {
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

/* The public key of x built from its SubjectPublicKeyInfo, or NULL when this file does not handle it. */
static EVP_PKEY *key_from_spki(const struct decode_env *ev, X509 *x)
{
    ASN1_OBJECT *alg;
    const unsigned char *pk;
    int pklen, ptype;
    X509_ALGOR *palg;
    const void *pval;
    const ASN1_OBJECT *pobj;
    const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(x);

    if (bits == NULL || ((bits->flags & ASN1_STRING_FLAG_BITS_LEFT) != 0 && (bits->flags & 0x07) != 0) ||
        !X509_PUBKEY_get0_param(&alg, &pk, &pklen, &palg, X509_get_X509_PUBKEY(x)) || pklen <= 0) {
        return NULL;
    }
    X509_ALGOR_get0(&pobj, &ptype, &pval, palg);
    switch (OBJ_obj2nid(alg)) {
    case NID_rsaEncryption:
        return ptype == V_ASN1_NULL ? rsa_key(pk, (size_t)pklen) : NULL;
    case NID_X9_62_id_ecPublicKey:
        return ptype == V_ASN1_OBJECT ? ec_key(ev, OBJ_obj2nid(pval), pk, (size_t)pklen) : NULL;
    case NID_ED25519:
        return ptype == V_ASN1_UNDEF ? EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pk, (size_t)pklen) : NULL;
    case NID_ED448:
        return ptype == V_ASN1_UNDEF ? EVP_PKEY_new_raw_public_key_ex(NULL, "ED448", NULL, pk, (size_t)pklen) : NULL;
    default:
        return NULL;
    }
}

/* Attach e to x; on failure e is freed and x left as it was. */
static int attach(const struct decode_env *ev, X509 *x, struct cert_extra *e)
{
    if (ev->cert_idx < 0 || !X509_set_ex_data(x, ev->cert_idx, e)) {
        cert_extra_free(NULL, e, NULL, 0, 0, NULL);
        return 0;
    }
    return 1;
}

static X509 *keyless_d2i(const struct decode_env *ev, const unsigned char *der, size_t len)
{
    const unsigned char *q = der;
    X509 *x;

    if ((x = X509_new_ex(ev->keyless, NULL)) == NULL) {
        return NULL;
    }
    if (d2i_X509(&x, &q, (long)len) == NULL) {
        return NULL;            /* d2i freed x */
    }
    if (q != der + len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

X509 *sb_cert_d2i(const unsigned char *der, size_t len)
{
    const struct decode_env *ev = get_env();
    struct cert_extra *e;
    EVP_PKEY *pkey = NULL;
    X509 *x = NULL;

    if (len == 0 || len > (size_t)LONG_MAX) {
        return NULL;
    }
    if (ev->keyless != NULL && ev->cert_idx >= 0) {
        ERR_set_mark();
        if ((x = keyless_d2i(ev, der, len)) != NULL &&
            (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 || (pkey = key_from_spki(ev, x)) == NULL)) {
            X509_free(x);        /* self-issued, or a key this file does not build: the ordinary decoder */
            x = NULL;
        }
        ERR_pop_to_mark();
    }
    if (x == NULL && (x = ordinary_d2i(der, len)) == NULL) {
        return NULL;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        EVP_PKEY_free(pkey);
        if (X509_get0_pubkey(x) == NULL) {
            X509_free(x);
            return NULL;
        }
        return x;
    }
    e->pkey = pkey;
    e->have_sha256 = EVP_Digest(der, len, e->sha256, NULL, sb_md(SB_MD_SHA256), NULL) == 1;
    if (!attach(ev, x, e) && pkey != NULL) {
        X509_free(x);            /* the key is gone with e: decode again the ordinary way */
        return ordinary_d2i(der, len);
    }
    return x;
}

EVP_PKEY *sb_cert_pubkey(const X509 *x)
{
    const struct decode_env *ev = get_env();
    const struct cert_extra *e;

    if (x == NULL) {
        return NULL;
    }
    if (ev->cert_idx >= 0 && (e = X509_get_ex_data(x, ev->cert_idx)) != NULL && e->pkey != NULL) {
        return e->pkey;
    }
    return X509_get0_pubkey(x);
}

int sb_cert_decoded_cheaply(const X509 *x)
{
    const struct decode_env *ev = get_env();
    const struct cert_extra *e;

    return x != NULL && ev->cert_idx >= 0 && (e = X509_get_ex_data(x, ev->cert_idx)) != NULL && e->pkey != NULL;
}

int sb_cert_sha256(const X509 *x, unsigned char out[32])
{
    const struct decode_env *ev = get_env();
    const struct cert_extra *e;
    unsigned char *der = NULL;
    int len, ok;

    if (ev->cert_idx >= 0 && (e = X509_get_ex_data(x, ev->cert_idx)) != NULL && e->have_sha256) {
        memcpy(out, e->sha256, 32);
        return 1;
    }
    if ((len = i2d_X509(x, &der)) <= 0) {
        return 0;
    }
    ok = EVP_Digest(der, (size_t)len, out, NULL, sb_md(SB_MD_SHA256), NULL) == 1;
    OPENSSL_free(der);
    return ok;
}

int sb_crl_sha256(X509_CRL *crl, unsigned char out[32])
{
    unsigned char *der = NULL;
    int len, ok;

    if ((len = i2d_X509_CRL(crl, &der)) <= 0) {
        return 0;
    }
    ok = EVP_Digest(der, (size_t)len, out, NULL, sb_md(SB_MD_SHA256), NULL) == 1;
    OPENSSL_free(der);
    return ok;
}

int sb_cert_note_digest(X509 *x)
{
    unsigned char *der = NULL;
    int len, ok;

    if ((len = i2d_X509(x, &der)) <= 0) {
        return 0;
    }
    ok = sb_cert_note_der(x, der, (size_t)len);
    OPENSSL_free(der);
    return ok;
}

int sb_cert_note_der(X509 *x, const unsigned char *der, size_t len)
{
    const struct decode_env *ev = get_env();
    struct cert_extra *e;

    if (ev->cert_idx < 0 || X509_get_ex_data(x, ev->cert_idx) != NULL || (e = calloc(1, sizeof(*e))) == NULL) {
        return 0;
    }
    if (EVP_Digest(der, len, e->sha256, NULL, sb_md(SB_MD_SHA256), NULL) != 1) {
        free(e);
        return 0;
    }
    e->have_sha256 = 1;
    return attach(ev, x, e);
}
