#include "pki/crypto/sig.h"

#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pki/base/work_budget.h"
#include "pki/crypto/sm2.h"

void sb_algs_default(struct sb_algs *a)
{
    memset(a, 0, sizeof(*a));
    a->min_rsa_bits = 2048;
}

/* Digest NID of a signature algorithm identifier; NID_undef when unknown. RSA-PSS reads its params. */
static int alg_digest_nid(const X509_ALGOR *alg, int *pk_nid)
{
    const ASN1_OBJECT *obj = NULL;
    const void *pval = NULL;
    int ptype = 0, nid, md_nid = NID_undef;
    RSA_PSS_PARAMS *pss = NULL;

    X509_ALGOR_get0(&obj, &ptype, &pval, alg);
    nid = OBJ_obj2nid(obj);
    *pk_nid = NID_undef;
    if (nid == NID_rsassaPss) {
        *pk_nid = NID_rsassaPss;
        if (ptype != V_ASN1_SEQUENCE) {
            return NID_undef;
        }
        pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), (const ASN1_TYPE *)alg->parameter);
        if (pss == NULL) {
            return NID_undef;
        }
        md_nid = pss->hashAlgorithm == NULL ? NID_sha1 : OBJ_obj2nid(pss->hashAlgorithm->algorithm);
        RSA_PSS_PARAMS_free(pss);
        return md_nid;
    }
    if (nid == NID_SM2_with_SM3) {
        *pk_nid = NID_sm2;
        return NID_sm3;
    }
    if (!OBJ_find_sigid_algs(nid, &md_nid, pk_nid)) {
        return NID_undef;
    }
    if (md_nid == NID_undef && (*pk_nid == NID_ED25519 || *pk_nid == NID_ED448)) {
        return NID_ED25519; /* pure EdDSA: no separate digest */
    }
    return md_nid;
}

/* SB_SIGALG_* class of a (public key, digest) pair from alg_digest_nid; 0 when it has none. */
static uint32_t sigalg_class(int pk_nid, int md_nid)
{
    switch (pk_nid) {
    case NID_rsaEncryption:
        return md_nid == NID_sha1     ? SB_SIGALG_RSA_PKCS1_SHA1
               : md_nid == NID_sha256 ? SB_SIGALG_RSA_PKCS1_SHA256
               : md_nid == NID_sha384 ? SB_SIGALG_RSA_PKCS1_SHA384
               : md_nid == NID_sha512 ? SB_SIGALG_RSA_PKCS1_SHA512
                                      : 0;
    case NID_rsassaPss:
        return md_nid == NID_sha256   ? SB_SIGALG_RSA_PSS_SHA256
               : md_nid == NID_sha384 ? SB_SIGALG_RSA_PSS_SHA384
               : md_nid == NID_sha512 ? SB_SIGALG_RSA_PSS_SHA512
                                      : 0;
    case NID_X9_62_id_ecPublicKey:
        return md_nid == NID_sha1     ? SB_SIGALG_ECDSA_SHA1
               : md_nid == NID_sha256 ? SB_SIGALG_ECDSA_SHA256
               : md_nid == NID_sha384 ? SB_SIGALG_ECDSA_SHA384
               : md_nid == NID_sha512 ? SB_SIGALG_ECDSA_SHA512
                                      : 0;
    case NID_sm2:
        return md_nid == NID_sm3 ? SB_SIGALG_SM2_SM3 : 0;
    case NID_ED25519:
        return SB_SIGALG_ED25519;
    case NID_ED448:
        return SB_SIGALG_ED448;
    default:
        return 0;
    }
}

static enum sb_reason check_alg(const X509_ALGOR *alg, const struct sb_algs *a, const char *what,
                                struct sb_err *err)
{
    int pk_nid, md_nid = alg_digest_nid(alg, &pk_nid);
    char name[80];

    OBJ_obj2txt(name, sizeof(name), alg->algorithm, 0);
    switch (md_nid) {
    case NID_sha256:
    case NID_sha384:
    case NID_sha512:
    case NID_sm3:
    case NID_ED25519:
        break;
    case NID_sha224:
        break;
    case NID_sha1:
        if (a->allow_sha1) {
            break;
        }
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "%s: SHA-1 signature (%s) not allowed", what, name);
    case NID_md5:
        if (a->allow_md5) {
            break;
        }
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "%s: MD5 signature (%s) not allowed", what, name);
    default:
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "%s: signature algorithm %s not allowed", what, name);
    }
    if ((pk_nid == NID_dsa || pk_nid == NID_dsaWithSHA1) && !a->allow_dsa) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "%s: DSA signature (%s) not allowed", what, name);
    }
    if (a->sig_allow != 0 && (sigalg_class(pk_nid, md_nid) & a->sig_allow) == 0) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "%s: signature algorithm %s is not in the allowed list", what,
                          name);
    }
    return SB_OK;
}

enum sb_reason sb_sig_check_cert_alg(const X509 *cert, const struct sb_algs *a, struct sb_err *err)
{
    const X509_ALGOR *alg = NULL;

    X509_get0_signature(NULL, &alg, cert);
    return check_alg(alg, a, "certificate", err);
}

enum sb_reason sb_sig_check_alg(const X509_ALGOR *alg, const struct sb_algs *a, const char *what,
                                struct sb_err *err)
{
    return check_alg(alg, a, what, err);
}

enum sb_reason sb_sig_check_crl_alg(const X509_CRL *crl, const struct sb_algs *a, struct sb_err *err)
{
    const X509_ALGOR *alg = NULL;

    X509_CRL_get0_signature(crl, NULL, &alg);
    return check_alg(alg, a, "CRL", err);
}

/* RSA keys whose verification cost is unbounded (huge modulus or exponent) are refused before use. */
static int rsa_key_sane(EVP_PKEY *pkey, int bits)
{
    size_t e = 0;

    /* read as a size_t: no 2048-byte BIGNUM round trip, and an exponent past 64 bits fails to fit */
    if (bits > SB_SIG_MAX_RSA_BITS || !EVP_PKEY_get_size_t_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
        sb_openssl_errors_clear();
        return 0;
    }
    return e <= 0xFFFFFFFFu && (e & 1) != 0 && e != 1;
}

int sb_sig_key_cheap_to_verify(EVP_PKEY *pkey)
{
    if (pkey == NULL) {
        return 0;
    }
    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")) {
        return rsa_key_sane(pkey, EVP_PKEY_get_bits(pkey));
    }
    return EVP_PKEY_get_bits(pkey) <= 1024; /* EC / EdDSA / SM2 / DSA up to 1024-bit fields */
}

long sb_sig_verify_cost(EVP_PKEY *pkey)
{
    static const struct {
        const char *group;
        long units;
    } curves[] = {{"prime256v1", 6}, {"SM2", 37}, {"secp521r1", 54}, {"secp384r1", 83}};
    char group[64];
    size_t glen = 0, i;
    int bits;

    if (pkey == NULL) {
        return SB_WORK_UNBOUNDED;
    }
    bits = EVP_PKEY_get_bits(pkey);
    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")) {
        return bits <= 2048 ? 2 : bits <= 3072 ? 4 : bits <= 4096 ? 8 : bits <= SB_SIG_MAX_RSA_BITS ? 30
                                                                                            : SB_WORK_UNBOUNDED;
    }
    if (EVP_PKEY_is_a(pkey, "ED25519")) {
        return 10;
    }
    if (EVP_PKEY_is_a(pkey, "ED448")) {
        return 25;
    }
    if (EVP_PKEY_is_a(pkey, "SM2")) {
        return 37;
    }
    if (EVP_PKEY_is_a(pkey, "EC") && EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) == 1) {
        for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
            if (strcmp(group, curves[i].group) == 0) {
                return curves[i].units;
            }
        }
    }
    return SB_WORK_UNBOUNDED;
}

enum sb_reason sb_sig_check_key(EVP_PKEY *pkey, const struct sb_algs *a, struct sb_err *err)
{
    char group[64], enc[32];
    size_t glen = 0;
    int bits;

    if (pkey == NULL) {
        return sb_err_set(err, SB_R_WEAK_KEY, "public key cannot be decoded");
    }
    bits = EVP_PKEY_get_bits(pkey);
    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")) {
        if (!rsa_key_sane(pkey, bits)) {
            return sb_err_set(err, SB_R_WEAK_KEY,
                              "RSA key of %d bits with an unusual public exponent is refused (modulus at most %d bits, "
                              "odd exponent below 2^32)", bits, SB_SIG_MAX_RSA_BITS);
        }
        if (bits < a->min_rsa_bits) {
            return sb_err_set(err, SB_R_WEAK_KEY, "RSA key of %d bits is below the minimum of %d", bits,
                              a->min_rsa_bits);
        }
        if (a->webpki && bits % 8 != 0) {
            return sb_err_set(err, SB_R_WEAK_KEY, "RSA modulus of %d bits is not a multiple of 8", bits);
        }
        return SB_OK;
    }
    if (EVP_PKEY_is_a(pkey, "EC") || EVP_PKEY_is_a(pkey, "SM2")) {
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen)) {
            sb_openssl_errors_clear();
            return sb_err_set(err, SB_R_WEAK_KEY, "EC key with explicit curve parameters is not allowed");
        }
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof(enc), &glen) &&
            strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0) {
            return sb_err_set(err, SB_R_WEAK_KEY, "EC key with explicit curve parameters is not allowed");
        }
        sb_openssl_errors_clear();
        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0 ||
            strcmp(group, "secp521r1") == 0 || strcmp(group, "SM2") == 0) {
            return SB_OK;
        }
        return sb_err_set(err, SB_R_WEAK_KEY, "EC curve %s is not allowed", group);
    }
    if (EVP_PKEY_is_a(pkey, "ED25519") || EVP_PKEY_is_a(pkey, "ED448")) {
        return SB_OK;
    }
    if (EVP_PKEY_is_a(pkey, "DSA") && a->allow_dsa && bits >= 2048) {
        return SB_OK;
    }
    return sb_err_set(err, SB_R_WEAK_KEY, "public key type %s is not allowed", EVP_PKEY_get0_type_name(pkey));
}

/* Locate the first element (the to-be-signed part) inside a DER SEQUENCE without re-encoding it. */
static int tbs_span(const unsigned char *der, long len, const unsigned char **tbs, long *tbs_len)
{
    const unsigned char *p = der, *start;
    long plen = 0;
    int tag, cls, ret;

    ret = ASN1_get_object(&p, &plen, &tag, &cls, len);
    if ((ret & 0x80) != 0 || tag != V_ASN1_SEQUENCE || ret != V_ASN1_CONSTRUCTED) {
        return 0;
    }
    start = p;
    ret = ASN1_get_object(&p, &plen, &tag, &cls, len - (long)(p - der));
    if ((ret & 0x80) != 0 || tag != V_ASN1_SEQUENCE || ret != V_ASN1_CONSTRUCTED) {
        return 0;
    }
    *tbs = start;
    *tbs_len = (long)(p - start) + plen;
    return 1;
}

/* SM2 verification over tbs, diagnosing a wrong distinguishing ID by trying the two common ones. */
static enum sb_reason sm2_verify_tbs(const unsigned char *tbs, long tbs_len, const ASN1_BIT_STRING *sig,
                                     EVP_PKEY *key, const char *sm2_id, const char *what,
                                     struct sb_err *err)
{
    static const char *const alt_ids[] = { SB_SM2_DEFAULT_ID, "" };
    const char *id = sm2_id != NULL ? sm2_id : SB_SM2_DEFAULT_ID;
    struct sb_err tmp;
    size_t i;

    if (!sb_sm2_is_sm2_key(key)) {
        return sb_err_set(err, SB_R_SIG_CRYPTO, "%s: SM2 signature but the issuer key is not an SM2 key", what);
    }
    if (sb_sm2_verify(key, id, tbs, (size_t)tbs_len, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig),
                      0, &tmp) == SB_OK) {
        return SB_OK;
    }
    for (i = 0; i < sizeof(alt_ids) / sizeof(alt_ids[0]); i++) {
        if (strcmp(alt_ids[i], id) == 0) {
            continue;
        }
        if (sb_sm2_verify(key, alt_ids[i], tbs, (size_t)tbs_len, ASN1_STRING_get0_data(sig),
                          (size_t)ASN1_STRING_length(sig), 0, &tmp) == SB_OK) {
            return sb_err_set(err, SB_R_SM2_ID_MISMATCH,
                              "%s: SM2 signature does not verify with distinguishing ID '%s' (it was made with ID '%s')",
                              what, id, alt_ids[i]);
        }
    }
    return sb_err_set(err, SB_R_SIG_CRYPTO, "%s: SM2 signature does not verify with distinguishing ID '%s'",
                      what, id);
}

static int is_sm2_sigalg(const X509_ALGOR *alg)
{
    int nid = OBJ_obj2nid(alg->algorithm);

    return nid == NID_SM2_with_SM3 || nid == NID_sm2;
}

/* tbsCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier, ... } */
static int crl_inner_alg_matches(const unsigned char *tbs, long tbs_len, const X509_ALGOR *outer)
{
    const unsigned char *p = tbs, *q;
    long plen = 0;
    int tag, cls, ret, same;
    X509_ALGOR *inner;

    ret = ASN1_get_object(&p, &plen, &tag, &cls, tbs_len);
    if ((ret & 0x80) != 0) {
        return 0;
    }
    q = p;
    ret = ASN1_get_object(&q, &plen, &tag, &cls, tbs_len - (long)(p - tbs));
    if ((ret & 0x80) != 0) {
        return 0;
    }
    if (tag == V_ASN1_INTEGER && cls == V_ASN1_UNIVERSAL) {
        p = q + plen;
    }
    if ((inner = d2i_X509_ALGOR(NULL, &p, tbs_len - (long)(p - tbs))) == NULL) {
        return 0;
    }
    same = X509_ALGOR_cmp(inner, outer) == 0;
    X509_ALGOR_free(inner);
    return same;
}

/*
 * The signature of a certificate (cert) or a CRL (crl; cert NULL) with key, its outer algorithm alg and value
 * sig already taken out. Non-SM2: OpenSSL verifies (X509_CRL_verify also refuses an outer/inner algorithm
 * mismatch). SM2: the object is re-encoded and the signed tbs part verified with sm2_id, a CRL's inner
 * algorithm compared with the outer one first.
 */
static enum sb_reason verify_signed(X509 *cert, X509_CRL *crl, const X509_ALGOR *alg, const ASN1_BIT_STRING *sig,
                                    EVP_PKEY *key, const char *sm2_id, struct sb_err *err)
{
    const char *what = cert != NULL ? "certificate" : "CRL";
    const unsigned char *tbs;
    unsigned char *der = NULL;
    long tbs_len;
    int len;
    enum sb_reason rc;

    if (!is_sm2_sigalg(alg)) {
        sb_openssl_errors_clear();
        if ((cert != NULL ? X509_verify(cert, key) : X509_CRL_verify(crl, key)) > 0) {
            return SB_OK;
        }
        return sb_err_openssl(err, SB_R_SIG_CRYPTO, "%s signature does not verify with the issuer key", what);
    }
    len = cert != NULL ? i2d_X509(cert, &der) : i2d_X509_CRL(crl, &der);
    if (len <= 0 || !tbs_span(der, len, &tbs, &tbs_len)) {
        rc = sb_err_openssl(err, SB_R_CERT_MALFORMED, "%s cannot be re-read for SM2 verification", what);
    } else if (crl != NULL && !crl_inner_alg_matches(tbs, tbs_len, alg)) {
        rc = sb_err_set(err, SB_R_SIG_CRYPTO, "CRL signatureAlgorithm differs from the algorithm inside tbsCertList");
    } else {
        rc = sm2_verify_tbs(tbs, tbs_len, sig, key, sm2_id, what, err);
    }
    OPENSSL_free(der);
    return rc;
}

enum sb_reason sb_sig_verify_cert(X509 *cert, EVP_PKEY *issuer_key, const char *sm2_id, struct sb_err *err)
{
    const ASN1_BIT_STRING *sig = NULL;
    const X509_ALGOR *alg = NULL;

    X509_get0_signature(&sig, &alg, cert);
    if (X509_ALGOR_cmp(alg, X509_get0_tbs_sigalg(cert)) != 0) {
        return sb_err_set(err, SB_R_SIG_CRYPTO,
                          "certificate signatureAlgorithm differs from the algorithm inside tbsCertificate");
    }
    return verify_signed(cert, NULL, alg, sig, issuer_key, sm2_id, err);
}

enum sb_reason sb_sig_verify_crl(X509_CRL *crl, EVP_PKEY *issuer_key, const char *sm2_id, struct sb_err *err)
{
    const ASN1_BIT_STRING *sig = NULL;
    const X509_ALGOR *alg = NULL;

    X509_CRL_get0_signature(crl, &sig, &alg);
    return verify_signed(NULL, crl, alg, sig, issuer_key, sm2_id, err);
}

enum sb_reason sb_sig_verify_tbs(const X509_ALGOR *alg, const ASN1_BIT_STRING *sig, const unsigned char *tbs,
                                 size_t tbs_len, EVP_PKEY *key, const char *sm2_id, const char *what,
                                 struct sb_err *err)
{
    ASN1_STRING *seq = NULL;
    ASN1_TYPE *any = NULL;
    enum sb_reason rc;

    if (tbs_len == 0 || tbs_len > (size_t)INT_MAX || sig == NULL || key == NULL) {
        return sb_err_set(err, SB_R_SIG_CRYPTO, "%s: nothing to verify", what);
    }
    if (!sb_sig_key_cheap_to_verify(key)) {
        return sb_err_set(err, SB_R_WEAK_KEY, "%s: the signer's key is too costly to verify with", what);
    }
    if (is_sm2_sigalg(alg)) {
        return sm2_verify_tbs(tbs, (long)tbs_len, sig, key, sm2_id, what, err);
    }
    /* An ANY holding a SEQUENCE encodes as its stored bytes: OpenSSL verifies exactly tbs, as received. */
    if ((seq = ASN1_STRING_type_new(V_ASN1_SEQUENCE)) == NULL || !ASN1_STRING_set(seq, tbs, (int)tbs_len)
        || (any = ASN1_TYPE_new()) == NULL) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "out of memory");
        goto err;
    }
    ASN1_TYPE_set(any, V_ASN1_SEQUENCE, seq);
    seq = NULL;
    sb_openssl_errors_clear();
    if (ASN1_item_verify(ASN1_ITEM_rptr(ASN1_ANY), alg, sig, any, key) > 0) {
        rc = SB_OK;
    } else {
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "%s signature does not verify with the signer's key", what);
    }
err:
    ASN1_STRING_free(seq);
    ASN1_TYPE_free(any);
    return rc;
}
