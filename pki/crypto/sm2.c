/*
 * pki/crypto/sm2.c — SM2 sign/verify with a distinguishing ID, ZA and SM3, on OpenSSL 3.0's EVP layer.
 *
 * Every operation creates its own EVP_MD_CTX / EVP_PKEY_CTX; nothing is cached between calls, so all
 * functions are thread-safe for distinct outputs (keys are only read). OpenSSL 3.0 may hold a key on
 * the SM2 curve under the "EC" key manager (EVP_PKEY keygen with "EC", group "SM2"); such a key would sign
 * and verify as ECDSA, so it is first re-imported under the "SM2" key manager (sm2_typed_key).
 */
#include "pki/crypto/sm2.h"

#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "pki/base/digest.h"

/* ENTL is a 16-bit count of ID *bits*: 8191 bytes is the longest ID it can describe. OpenSSL 3.0's
 * SM2 signature provider refuses id_len >= 8191, so an ID of exactly 8191 bytes goes the pre-hash way:
 * e = SM3(ZA || M) computed here, then the raw SM2 primitive (sm2_prehash_op). */
#define SB_SM2_ID_MAX 8191
#define SB_SM2_OPENSSL_ID_MAX 8190
/* Far above any SM2 DER signature (72 bytes); only keeps the length inside a long for d2i. */
#define SB_SM2_SIG_MAX 1024
#define SB_SM2_FIELD_LEN 32

/* GM/T 0003.5 (GB/T 32918.5) recommended curve: a, b, xG, yG — the fixed inputs of ZA. */
static const unsigned char sm2_curve_abg[4][SB_SM2_FIELD_LEN] = {
    { 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC },
    { 0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
      0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93 },
    { 0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
      0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7 },
    { 0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
      0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0 },
};

int sb_sm2_is_sm2_key(const EVP_PKEY *pkey)
{
    char group[64];
    size_t len = 0;

    if (pkey == NULL) {
        return 0;
    }
    if (EVP_PKEY_is_a(pkey, "SM2")) {
        return 1;
    }
    if (!EVP_PKEY_is_a(pkey, "EC")) {
        return 0;
    }
    /* An "EC" key counts only when it names the SM2 curve (explicit parameters are not recognised). */
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) != 1) {
        sb_openssl_errors_clear();
        return 0;
    }
    return strcasecmp(group, "SM2") == 0;
}

/* Resolve id (NULL = GM/T default) and check its length; USAGE when it does not fit ENTL. */
static enum sb_reason sm2_id_resolve(const char *id, const char **out, size_t *out_len, struct sb_err *err)
{
    const char *v = id != NULL ? id : SB_SM2_DEFAULT_ID;
    size_t n = strlen(v);

    if (n > SB_SM2_ID_MAX) {
        return sb_err_set(err, SB_R_USAGE, "SM2 distinguishing ID is %zu bytes; at most %d are allowed",
                          n, SB_SM2_ID_MAX);
    }
    *out = v;
    *out_len = n;
    return SB_OK;
}

/* *out = pkey as an "SM2"-typed key (a new reference). An "EC" key on the SM2 curve is exported and
 * re-imported under the SM2 key manager; selection says whether the private part is carried over. */
static enum sb_reason sm2_typed_key(EVP_PKEY *pkey, int selection, EVP_PKEY **out, struct sb_err *err)
{
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    enum sb_reason rc;

    *out = NULL;
    if (!sb_sm2_is_sm2_key(pkey)) {
        return sb_err_set(err, SB_R_USAGE, "key of type %s is not an SM2 key (EC key on the SM2 curve)",
                          pkey == NULL ? "(none)" : EVP_PKEY_get0_type_name(pkey));
    }
    if (EVP_PKEY_is_a(pkey, "SM2")) {
        if (EVP_PKEY_up_ref(pkey) != 1) {
            return sb_err_openssl(err, SB_R_INTERNAL, "cannot take a reference to the SM2 key");
        }
        *out = pkey;
        return SB_OK;
    }
    if (EVP_PKEY_todata(pkey, selection, &params) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot export the EC key on the SM2 curve");
        goto err;
    }
    if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &key, selection, params) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot re-import the EC key on the SM2 curve as an SM2 key");
        goto err;
    }
    *out = key;
    key = NULL;
    rc = SB_OK;
err:
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params); /* the private scalar sits in the secure block, which this clears */
    return rc;
}

enum sb_reason sb_sm3(const unsigned char *data, size_t len, unsigned char out[32], struct sb_err *err)
{
    static const unsigned char empty[1] = { 0 };
    EVP_MD *md = NULL;
    unsigned int outl = 0;
    enum sb_reason rc;

    if ((data == NULL && len != 0) || out == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_sm3: NULL data or output");
    }
    sb_openssl_errors_clear();
    if ((md = EVP_MD_fetch(NULL, "SM3", NULL)) == NULL) {
        return sb_err_openssl(err, SB_R_INTERNAL, "SM3 digest is not available");
    }
    if (EVP_Digest(data != NULL ? data : empty, len, out, &outl, md, NULL) != 1 || outl != 32) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "SM3 digest computation failed");
        goto err;
    }
    rc = SB_OK;
err:
    EVP_MD_free(md);
    return rc;
}

/* xA and yA of pub as two 32-byte big-endian strings. The affine coordinates are read as numbers so
 * the result does not depend on the point format (compressed or not) the key was loaded with. */
static enum sb_reason sm2_pub_xy(EVP_PKEY *pub, unsigned char xy[2 * SB_SM2_FIELD_LEN], struct sb_err *err)
{
    BIGNUM *x = NULL, *y = NULL;
    enum sb_reason rc;

    if (EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1
        || EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1) {
        rc = sb_err_openssl(err, SB_R_USAGE, "SM2 key has no public point");
        goto err;
    }
    if (BN_bn2binpad(x, xy, SB_SM2_FIELD_LEN) != SB_SM2_FIELD_LEN
        || BN_bn2binpad(y, xy + SB_SM2_FIELD_LEN, SB_SM2_FIELD_LEN) != SB_SM2_FIELD_LEN) {
        rc = sb_err_set(err, SB_R_INTERNAL, "SM2 public point coordinate longer than 32 bytes");
        goto err;
    }
    rc = SB_OK;
err:
    BN_free(x);
    BN_free(y);
    return rc;
}

enum sb_reason sb_sm2_za(EVP_PKEY *pub, const char *id, unsigned char z[32], struct sb_err *err)
{
    unsigned char xy[2 * SB_SM2_FIELD_LEN];
    unsigned char entl[2];
    EVP_MD_CTX *mctx = NULL;
    EVP_MD *md = NULL;
    const char *idv = NULL;
    size_t id_len = 0, i;
    unsigned int outl = 0;
    enum sb_reason rc;

    if (pub == NULL || z == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_sm2_za: NULL key or output");
    }
    if ((rc = sm2_id_resolve(id, &idv, &id_len, err)) != SB_OK) {
        return rc;
    }
    if (!sb_sm2_is_sm2_key(pub)) {
        return sb_err_set(err, SB_R_USAGE, "ZA: key of type %s is not an SM2 key", EVP_PKEY_get0_type_name(pub));
    }
    sb_openssl_errors_clear();
    if ((rc = sm2_pub_xy(pub, xy, err)) != SB_OK) {
        goto err;
    }
    entl[0] = (unsigned char)(((id_len * 8) >> 8) & 0xFF);
    entl[1] = (unsigned char)((id_len * 8) & 0xFF);
    if ((md = EVP_MD_fetch(NULL, "SM3", NULL)) == NULL || (mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestInit_ex2(mctx, md, NULL) != 1 || EVP_DigestUpdate(mctx, entl, sizeof(entl)) != 1
        || (id_len > 0 && EVP_DigestUpdate(mctx, idv, id_len) != 1)) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "ZA: SM3 computation failed");
        goto err;
    }
    for (i = 0; i < sizeof(sm2_curve_abg) / sizeof(sm2_curve_abg[0]); i++) {
        if (EVP_DigestUpdate(mctx, sm2_curve_abg[i], SB_SM2_FIELD_LEN) != 1) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "ZA: SM3 computation failed");
            goto err;
        }
    }
    if (EVP_DigestUpdate(mctx, xy, sizeof(xy)) != 1 || EVP_DigestFinal_ex(mctx, z, &outl) != 1 || outl != 32) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "ZA: SM3 computation failed");
        goto err;
    }
    rc = SB_OK;
err:
    EVP_MD_CTX_free(mctx);
    EVP_MD_free(md);
    return rc;
}

enum sb_reason sb_sm2_rs_to_der(const unsigned char *rs, size_t rs_len, unsigned char **der, size_t *der_len,
                                struct sb_err *err)
{
    ECDSA_SIG *sig = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *out = NULL;
    int len;
    enum sb_reason rc;

    if (rs == NULL || der == NULL || der_len == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_sm2_rs_to_der: NULL argument");
    }
    *der = NULL;
    *der_len = 0;
    if (rs_len != 2 * SB_SM2_FIELD_LEN) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "raw SM2 signature r||s is %zu bytes, expected 64", rs_len);
    }
    sb_openssl_errors_clear();
    if ((r = BN_bin2bn(rs, SB_SM2_FIELD_LEN, NULL)) == NULL
        || (s = BN_bin2bn(rs + SB_SM2_FIELD_LEN, SB_SM2_FIELD_LEN, NULL)) == NULL
        || (sig = ECDSA_SIG_new()) == NULL) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot convert raw SM2 signature");
        goto err;
    }
    if (ECDSA_SIG_set0(sig, r, s) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot convert raw SM2 signature");
        goto err;
    }
    r = NULL; /* owned by sig now */
    s = NULL;
    if ((len = i2d_ECDSA_SIG(sig, &out)) <= 0) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot DER-encode SM2 signature");
        goto err;
    }
    *der = out;
    *der_len = (size_t)len;
    out = NULL;
    rc = SB_OK;
err:
    OPENSSL_free(out);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return rc;
}

/* The raw SM2 primitive of an SM2-typed key over e = SM3(ZA || msg): signs into out (*out_len: buffer
 * size in, signature length out) when out is not NULL, else verifies vsig (SB_OK or SIG_CRYPTO). */
static enum sb_reason sm2_prehash_op(EVP_PKEY *key, const char *idv, const unsigned char *msg, size_t msg_len,
                                     const unsigned char *vsig, size_t vsig_len, unsigned char *out,
                                     size_t *out_len, struct sb_err *err)
{
    int sign = out != NULL;
    unsigned char e[32];
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_MD *md = NULL;
    unsigned int outl = 0;
    enum sb_reason rc;

    if ((rc = sb_sm2_za(key, idv, e, err)) != SB_OK) {
        goto err;
    }
    if ((md = EVP_MD_fetch(NULL, "SM3", NULL)) == NULL || (mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestInit_ex2(mctx, md, NULL) != 1 || EVP_DigestUpdate(mctx, e, sizeof(e)) != 1
        || (msg_len > 0 && EVP_DigestUpdate(mctx, msg, msg_len) != 1)
        || EVP_DigestFinal_ex(mctx, e, &outl) != 1 || outl != sizeof(e)) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "SM3(ZA || M) computation failed");
        goto err;
    }
    if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL
        || (sign ? EVP_PKEY_sign_init(pctx) : EVP_PKEY_verify_init(pctx)) != 1
        || EVP_PKEY_CTX_set_signature_md(pctx, md) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot set up the SM2 pre-hash operation");
        goto err;
    }
    if (sign) {
        if (EVP_PKEY_sign(pctx, out, out_len, e, sizeof(e)) != 1) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "SM2 signing failed");
            goto err;
        }
    } else if (EVP_PKEY_verify(pctx, vsig, vsig_len, e, sizeof(e)) != 1) {
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "SM2 signature does not verify with the %zu-byte distinguishing ID",
                            strlen(idv));
        goto err;
    }
    rc = SB_OK;
err:
    EVP_PKEY_CTX_free(pctx);
    EVP_MD_CTX_free(mctx);
    EVP_MD_free(md);
    return rc;
}

/* Accept sig only if it is exactly one DER SEQUENCE{r,s}: decode, re-encode, compare byte for byte. */
static enum sb_reason sm2_check_der(const unsigned char *sig, size_t sig_len, struct sb_err *err)
{
    const unsigned char *p = sig;
    unsigned char *re = NULL;
    ECDSA_SIG *s = NULL;
    int re_len;
    enum sb_reason rc;

    if (sig_len == 0 || sig_len > SB_SM2_SIG_MAX) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "SM2 signature of %zu bytes is not a DER SEQUENCE{r,s}",
                          sig_len);
    }
    if ((s = d2i_ECDSA_SIG(NULL, &p, (long)sig_len)) == NULL) {
        rc = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "SM2 signature is not a DER SEQUENCE{r,s}");
        goto err;
    }
    if (p != sig + sig_len) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "SM2 signature has %zu trailing bytes after SEQUENCE{r,s}",
                        (size_t)(sig + sig_len - p));
        goto err;
    }
    if ((re_len = i2d_ECDSA_SIG(s, &re)) <= 0) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot re-encode SM2 signature");
        goto err;
    }
    if ((size_t)re_len != sig_len || memcmp(re, sig, sig_len) != 0) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "SM2 signature SEQUENCE{r,s} is BER, not DER");
        goto err;
    }
    rc = SB_OK;
err:
    OPENSSL_free(re);
    ECDSA_SIG_free(s);
    return rc;
}

/*
 * SM2 with SM3 through EVP over msg, the ID set on the pkey ctx after init and before the first update (where
 * the provider hashes ZA): out NULL verifies the DER signature vsig[0..vsig_len) (SB_OK or SIG_CRYPTO);
 * otherwise signs into out (*out_len: buffer size in, DER length out). INTERNAL if EVP cannot be set up.
 */
static enum sb_reason sm2_evp(EVP_PKEY *key, const char *idv, size_t id_len, const unsigned char *msg,
                              size_t msg_len, const unsigned char *vsig, size_t vsig_len, unsigned char *out,
                              size_t *out_len, struct sb_err *err)
{
    static const unsigned char empty[1] = { 0 };
    const unsigned char *m = msg != NULL ? msg : empty;
    const char *what = out != NULL ? "signing" : "verification";
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL; /* borrowed: owned by mctx */
    enum sb_reason rc;

    if ((mctx = EVP_MD_CTX_new()) == NULL
        || (out != NULL ? EVP_DigestSignInit_ex(mctx, &pctx, "SM3", NULL, NULL, key, NULL)
                        : EVP_DigestVerifyInit_ex(mctx, &pctx, "SM3", NULL, NULL, key, NULL)) != 1
        || EVP_PKEY_CTX_set1_id(pctx, idv, (int)id_len) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot set up SM2 %s with distinguishing ID '%s'", what, idv);
    } else if (out != NULL) {
        rc = EVP_DigestSign(mctx, out, out_len, m, msg_len) == 1
                 ? SB_OK : sb_err_openssl(err, SB_R_INTERNAL, "SM2 signing failed");
    } else {
        /* 0 = mismatch; < 0 = r or s out of range and the like: still "does not verify", fail closed. */
        rc = EVP_DigestVerify(mctx, vsig, vsig_len, m, msg_len) == 1
                 ? SB_OK : sb_err_openssl(err, SB_R_SIG_CRYPTO, "SM2 signature does not verify with distinguishing "
                                          "ID '%s'", idv);
    }
    EVP_MD_CTX_free(mctx);
    return rc;
}

enum sb_reason sb_sm2_verify(EVP_PKEY *pub, const char *id, const unsigned char *msg, size_t msg_len,
                             const unsigned char *sig, size_t sig_len, int raw_rs, struct sb_err *err)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    EVP_PKEY *key = NULL;
    const char *idv = NULL;
    size_t id_len = 0;
    const unsigned char *dsig;
    size_t dsig_len;
    enum sb_reason rc;

    if (pub == NULL || (msg == NULL && msg_len != 0) || sig == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_sm2_verify: NULL key, message or signature");
    }
    if ((rc = sm2_id_resolve(id, &idv, &id_len, err)) != SB_OK) {
        return rc;
    }
    sb_openssl_errors_clear();
    if (raw_rs) {
        if ((rc = sb_sm2_rs_to_der(sig, sig_len, &der, &der_len, err)) != SB_OK) {
            goto err;
        }
        dsig = der;
        dsig_len = der_len;
    } else {
        if ((rc = sm2_check_der(sig, sig_len, err)) != SB_OK) {
            goto err;
        }
        dsig = sig;
        dsig_len = sig_len;
    }
    if ((rc = sm2_typed_key(pub, EVP_PKEY_PUBLIC_KEY, &key, err)) != SB_OK) {
        goto err;
    }
    if (id_len > SB_SM2_OPENSSL_ID_MAX) {
        rc = sm2_prehash_op(key, idv, msg, msg_len, dsig, dsig_len, NULL, NULL, err);
    } else {
        rc = sm2_evp(key, idv, id_len, msg, msg_len, dsig, dsig_len, NULL, NULL, err);
    }
err:
    sb_openssl_errors_clear();
    EVP_PKEY_free(key);
    OPENSSL_free(der);
    return rc;
}

enum sb_reason sb_sm2_sign(EVP_PKEY *priv, const char *id, const unsigned char *msg, size_t msg_len,
                           unsigned char **sig, size_t *sig_len, struct sb_err *err)
{
    unsigned char *out = NULL;
    size_t out_len;
    EVP_PKEY *key = NULL;
    BIGNUM *d = NULL;
    const char *idv = NULL;
    size_t id_len = 0;
    int max;
    enum sb_reason rc;

    if (priv == NULL || (msg == NULL && msg_len != 0) || sig == NULL || sig_len == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_sm2_sign: NULL key, message or output");
    }
    *sig = NULL;
    *sig_len = 0;
    if ((rc = sm2_id_resolve(id, &idv, &id_len, err)) != SB_OK) {
        return rc;
    }
    sb_openssl_errors_clear();
    if ((rc = sm2_typed_key(priv, EVP_PKEY_KEYPAIR, &key, err)) != SB_OK) {
        goto err;
    }
    /* EVP_DigestSignInit_ex accepts a public-only key in 3.0 and fails only at the signature. */
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) {
        rc = sb_err_openssl(err, SB_R_USAGE, "SM2 signing needs a private key; this key has only the public part");
        goto err;
    }
    if ((max = EVP_PKEY_get_size(key)) <= 0 || (out = OPENSSL_malloc((size_t)max)) == NULL) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot size the SM2 signature");
        goto err;
    }
    out_len = (size_t)max;
    if (id_len > SB_SM2_OPENSSL_ID_MAX) {
        rc = sm2_prehash_op(key, idv, msg, msg_len, NULL, 0, out, &out_len, err);
    } else {
        rc = sm2_evp(key, idv, id_len, msg, msg_len, NULL, 0, out, &out_len, err);
    }
    if (rc != SB_OK) {
        goto err;
    }
    *sig = out;
    *sig_len = out_len;
    out = NULL;
    rc = SB_OK;
err:
    sb_openssl_errors_clear();
    BN_clear_free(d);
    OPENSSL_free(out);
    EVP_PKEY_free(key);
    return rc;
}

enum sb_reason sb_sm2_prepare(EVP_PKEY *pub, const char *id, struct sb_sm2_pre *pre, struct sb_err *err)
{
    enum sb_reason rc;

    memset(pre, 0, sizeof(*pre));
    if (pub == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_sm2_prepare: NULL key");
    }
    if ((rc = sm2_typed_key(pub, EVP_PKEY_PUBLIC_KEY, &pre->key, err)) != SB_OK
        || (rc = sb_sm2_za(pre->key, id, pre->za, err)) != SB_OK) {
        sb_sm2_pre_clear(pre);
    }
    sb_openssl_errors_clear();
    return rc;
}

void sb_sm2_pre_clear(struct sb_sm2_pre *pre)
{
    EVP_PKEY_free(pre->key);
    memset(pre, 0, sizeof(*pre));
}

enum sb_reason sb_sm2_verify_pre(const struct sb_sm2_pre *pre, const unsigned char *msg, size_t msg_len,
                                 const unsigned char *sig, size_t sig_len, struct sb_err *err)
{
    const EVP_MD *sm3 = sb_md(SB_MD_SM3);
    unsigned char e[32];
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned int outl = 0;
    enum sb_reason rc;

    if (pre == NULL || pre->key == NULL || (msg == NULL && msg_len != 0) || sig == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_sm2_verify_pre: NULL key, message or signature");
    }
    if ((rc = sm2_check_der(sig, sig_len, err)) != SB_OK) {
        goto err;
    }
    if (sm3 == NULL || (mctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex2(mctx, sm3, NULL) != 1
        || EVP_DigestUpdate(mctx, pre->za, sizeof(pre->za)) != 1
        || (msg_len > 0 && EVP_DigestUpdate(mctx, msg, msg_len) != 1)
        || EVP_DigestFinal_ex(mctx, e, &outl) != 1 || outl != sizeof(e)) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "SM3(ZA || M) computation failed");
        goto err;
    }
    if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pre->key, NULL)) == NULL || EVP_PKEY_verify_init(pctx) != 1
        || EVP_PKEY_CTX_set_signature_md(pctx, sm3) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot set up the SM2 verification");
        goto err;
    }
    if (EVP_PKEY_verify(pctx, sig, sig_len, e, sizeof(e)) != 1) {
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "SM2 signature does not verify");
        goto err;
    }
    rc = SB_OK;
err:
    sb_openssl_errors_clear();
    EVP_PKEY_CTX_free(pctx);
    EVP_MD_CTX_free(mctx);
    return rc;
}
