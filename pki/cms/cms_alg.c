/*
 * pki/cms/cms_alg.c — digest and signature algorithms of a SignerInfo, and the signature check itself.
 *
 * Tables map the OIDs we accept to OpenSSL names; everything else is WEAK_ALGORITHM (not supported),
 * SHA-1 and MD5 only when the allow-list permits. RSA PKCS#1 v1.5, RSASSA-PSS (parameters honoured),
 * ECDSA and Ed25519 go through EVP; SM2 through pki/crypto/sm2.h with the signer's distinguishing ID.
 */
#include "pki/cms/cms_local.h"

#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pki/base/digest.h"
#include "pki/crypto/sig.h"
#include "pki/crypto/sm2.h"

static const struct sb_cms_md md_rows[] = {
    { "2.16.840.1.101.3.4.2.1", "SHA256", NID_sha256, 32 },
    { "2.16.840.1.101.3.4.2.2", "SHA384", NID_sha384, 48 },
    { "2.16.840.1.101.3.4.2.3", "SHA512", NID_sha512, 64 },
    { SB_OID_SM3, "SM3", NID_sm3, 32 },
    { "1.3.14.3.2.26", "SHA1", NID_sha1, 20 },
    { "1.2.840.113549.2.5", "MD5", NID_md5, 16 },
};

static const struct sb_cms_sigalg sig_rows[] = {
    { SB_OID_RSA, SB_CMS_K_RSA, NULL },
    { "1.2.840.113549.1.1.11", SB_CMS_K_RSA, "SHA256" },
    { "1.2.840.113549.1.1.12", SB_CMS_K_RSA, "SHA384" },
    { "1.2.840.113549.1.1.13", SB_CMS_K_RSA, "SHA512" },
    { "1.2.840.113549.1.1.5", SB_CMS_K_RSA, "SHA1" },
    { "1.2.840.113549.1.1.4", SB_CMS_K_RSA, "MD5" },
    { "1.2.840.113549.1.1.10", SB_CMS_K_PSS, NULL },
    { "1.2.840.10045.2.1", SB_CMS_K_ECDSA, NULL },
    { SB_OID_ECDSA_SHA256, SB_CMS_K_ECDSA, "SHA256" },
    { "1.2.840.10045.4.3.3", SB_CMS_K_ECDSA, "SHA384" },
    { "1.2.840.10045.4.3.4", SB_CMS_K_ECDSA, "SHA512" },
    { "1.2.840.10045.4.1", SB_CMS_K_ECDSA, "SHA1" },
    { SB_OID_SM2_SIGN, SB_CMS_K_SM2, "SM3" },
    { SB_OID_SM2_WITH_SM3, SB_CMS_K_SM2, "SM3" },
    { SB_OID_SM2, SB_CMS_K_SM2, "SM3" },
    { "1.3.101.112", SB_CMS_K_ED25519, NULL },
};

static const struct sb_cms_md *md_by_oid(const char *oid)
{
    size_t i;

    for (i = 0; i < sizeof(md_rows) / sizeof(md_rows[0]); i++) {
        if (strcmp(md_rows[i].oid, oid) == 0) {
            return &md_rows[i];
        }
    }
    return NULL;
}

const struct sb_cms_md *sb_cms_md_by_name(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(md_rows) / sizeof(md_rows[0]); i++) {
        if (strcasecmp(md_rows[i].name, name) == 0) {
            return &md_rows[i];
        }
    }
    return NULL;
}

enum sb_reason sb_cms_md_compute(const struct sb_cms_md *m, const unsigned char *data, size_t len,
                                 unsigned char *out, struct sb_err *err)
{
    static const unsigned char empty[1] = { 0 };
    const EVP_MD *md = sb_md_by_name(m->name);
    unsigned int outl = 0;
    int ok;

    if (md == NULL) {
        return sb_err_openssl(err, SB_R_WEAK_ALGORITHM, "digest %s is not available", m->name);
    }
    ok = EVP_Digest(data != NULL ? data : empty, len, out, &outl, md, NULL) == 1 && outl == m->len;
    if (!ok) {
        return sb_err_openssl(err, SB_R_INTERNAL, "%s digest computation failed", m->name);
    }
    return SB_OK;
}

static enum sb_reason check_md_allowed(const struct sb_cms_md *m, const struct sb_algs *a, const char *what,
                                       struct sb_err *err)
{
    if ((m->nid == NID_sha1 && !a->allow_sha1) || (m->nid == NID_md5 && !a->allow_md5)) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "%s %s is not allowed", what, m->name);
    }
    return SB_OK;
}

/* AlgorithmIdentifier e: dotted OID into oid, parameters (if any) into params. */
static enum sb_reason read_alg(const struct sb_der_elem *e, char *oid, size_t oid_len, struct sb_der_elem *params,
                               int *has_params, const char *what, struct sb_err *err)
{
    struct sb_der d;
    struct sb_der_elem o;
    enum sb_reason rc;

    *has_params = 0;
    sb_der_init(&d, e->content, e->len, NULL);
    if ((rc = sb_der_expect(&d, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &o, what, err)) != SB_OK
        || (rc = sb_der_oid_text(&o, oid, oid_len, what, err)) != SB_OK) {
        return rc;
    }
    if (sb_der_more(&d)) {
        if ((rc = sb_der_next(&d, params, what, err)) != SB_OK) {
            return rc;
        }
        *has_params = 1;
    }
    return sb_der_done(&d, what, err);
}

static int is_null(const struct sb_der_elem *e)
{
    return e->cls == SB_DER_UNIVERSAL && e->tag == V_ASN1_NULL && e->len == 0;
}

/* RSASSA-PSS-params: hash must be the digestAlgorithm; MGF1 hash and salt length recorded. */
static enum sb_reason read_pss(const struct sb_der_elem *params, int has_params, struct sb_cms_alg *a,
                               const struct sb_algs *algs, struct sb_err *err)
{
    const unsigned char *q;
    RSA_PSS_PARAMS *pss = NULL;
    X509_ALGOR *mgf1 = NULL;
    const struct sb_cms_md *h;
    char oid[80];
    long salt = 20;
    enum sb_reason rc;

    if (!has_params || params->tag != V_ASN1_SEQUENCE || params->cls != SB_DER_UNIVERSAL) {
        return sb_err_set(err, SB_R_FORMAT, "RSASSA-PSS signatureAlgorithm without parameters");
    }
    q = params->der;
    if ((pss = d2i_RSA_PSS_PARAMS(NULL, &q, (long)params->der_len)) == NULL || q != params->der + params->der_len) {
        rc = sb_err_openssl(err, SB_R_FORMAT, "RSASSA-PSS parameters cannot be decoded");
        goto err;
    }
    strcpy(oid, "1.3.14.3.2.26"); /* absent hashAlgorithm: SHA-1 */
    if (pss->hashAlgorithm != NULL) {
        OBJ_obj2txt(oid, sizeof(oid), pss->hashAlgorithm->algorithm, 1);
    }
    if ((h = md_by_oid(oid)) == NULL || h != a->md) {
        rc = sb_err_set(err, SB_R_FORMAT, "RSASSA-PSS hash %s differs from digestAlgorithm %s", oid, a->md->name);
        goto err;
    }
    strcpy(oid, "1.3.14.3.2.26");
    if (pss->maskGenAlgorithm != NULL) {
        if (OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1
            || (mgf1 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), pss->maskGenAlgorithm->parameter))
                   == NULL) {
            rc = sb_err_openssl(err, SB_R_FORMAT, "RSASSA-PSS mask generation function is not MGF1");
            goto err;
        }
        OBJ_obj2txt(oid, sizeof(oid), mgf1->algorithm, 1);
    }
    if ((a->mgf1_md = md_by_oid(oid)) == NULL) {
        rc = sb_err_set(err, SB_R_WEAK_ALGORITHM, "RSASSA-PSS MGF1 hash %s is not supported", oid);
        goto err;
    }
    if ((rc = check_md_allowed(a->mgf1_md, algs, "RSASSA-PSS MGF1 hash", err)) != SB_OK) {
        goto err;
    }
    if (pss->saltLength != NULL) {
        salt = ASN1_INTEGER_get(pss->saltLength);
    }
    if (salt < 0 || salt > 1024 || (pss->trailerField != NULL && ASN1_INTEGER_get(pss->trailerField) != 1)) {
        rc = sb_err_set(err, SB_R_FORMAT, "RSASSA-PSS salt length or trailer field invalid");
        goto err;
    }
    a->salt_len = (int)salt;
    rc = SB_OK;
err:
    sb_openssl_errors_clear();
    X509_ALGOR_free(mgf1);
    RSA_PSS_PARAMS_free(pss);
    return rc;
}

/* Read and check both algorithms of si against the signer key pkey. */
enum sb_reason sb_cms_read_algs(const struct sb_cms_si *si, EVP_PKEY *pkey, const struct sb_algs *algs,
                                struct sb_cms_alg *a, struct sb_err *err)
{
    struct sb_der_elem params;
    char oid[80];
    int has_params, ok;
    size_t i;
    enum sb_reason rc;

    memset(a, 0, sizeof(*a));
    if ((rc = read_alg(&si->digest_alg, oid, sizeof(oid), &params, &has_params, "digestAlgorithm", err)) != SB_OK) {
        return rc;
    }
    if (has_params && !is_null(&params)) {
        return sb_err_set(err, SB_R_FORMAT, "digestAlgorithm %s has unexpected parameters", oid);
    }
    if ((a->md = md_by_oid(oid)) == NULL) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "digest algorithm %s is not supported", oid);
    }
    if ((rc = check_md_allowed(a->md, algs, "digest algorithm", err)) != SB_OK
        || (rc = read_alg(&si->sig_alg, oid, sizeof(oid), &params, &has_params, "signatureAlgorithm", err)) != SB_OK) {
        return rc;
    }
    for (i = 0; i < sizeof(sig_rows) / sizeof(sig_rows[0]) && a->sig == NULL; i++) {
        if (strcmp(sig_rows[i].oid, oid) == 0) {
            a->sig = &sig_rows[i];
        }
    }
    if (a->sig == NULL) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "signature algorithm %s is not supported", oid);
    }
    if (a->sig->md != NULL && strcmp(a->sig->md, a->md->name) != 0) {
        return sb_err_set(err, SB_R_FORMAT, "signatureAlgorithm %s implies %s but digestAlgorithm is %s", oid,
                          a->sig->md, a->md->name);
    }
    if (a->sig->kind == SB_CMS_K_PSS && (rc = read_pss(&params, has_params, a, algs, err)) != SB_OK) {
        return rc;
    }
    switch (a->sig->kind) {
    case SB_CMS_K_RSA:
        ok = EVP_PKEY_is_a(pkey, "RSA");
        break;
    case SB_CMS_K_PSS:
        ok = EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS");
        break;
    case SB_CMS_K_ECDSA:
        ok = EVP_PKEY_is_a(pkey, "EC") && !sb_sm2_is_sm2_key(pkey);
        break;
    case SB_CMS_K_SM2:
        ok = sb_sm2_is_sm2_key(pkey);
        break;
    case SB_CMS_K_ED25519:
        ok = EVP_PKEY_is_a(pkey, "ED25519");
        break;
    default:
        ok = 0;
        break;
    }
    if (!ok) {
        return sb_err_set(err, SB_R_SIG_CRYPTO, "signature algorithm %s does not match the signer's %s key", oid,
                          EVP_PKEY_get0_type_name(pkey));
    }
    return sb_sig_check_key(pkey, algs, err);
}

static int set_rsa_params(EVP_PKEY_CTX *pctx, const struct sb_cms_alg *a)
{
    if (a->sig->kind == SB_CMS_K_RSA) {
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    }
    if (a->sig->kind == SB_CMS_K_PSS) {
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
               && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, a->salt_len) == 1
               && EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->mgf1_md->name, NULL) == 1;
    }
    return 1;
}

/* SM2 over msg with the signer's ID; a signature that verifies under the GM/T default or the empty ID
 * instead is reported as SM2_ID_MISMATCH. */
static enum sb_reason sm2_verify_diag(EVP_PKEY *pkey, const char *id, const unsigned char *msg, size_t len,
                                      const struct sb_der_elem *sig, struct sb_err *err)
{
    static const char *const alt_ids[] = { SB_SM2_DEFAULT_ID, "" };
    const char *use = id != NULL ? id : SB_SM2_DEFAULT_ID;
    struct sb_err tmp;
    enum sb_reason rc;
    size_t i;

    rc = sb_sm2_verify(pkey, use, msg, len, sig->content, sig->len, 0, &tmp);
    if (rc == SB_OK) {
        return SB_OK;
    }
    if (rc == SB_R_INPUT_MALFORMED) {
        return sb_err_set(err, SB_R_SIG_CRYPTO, "SM2 signature value is not a DER SEQUENCE{r,s}: %s", tmp.msg);
    }
    if (rc != SB_R_SIG_CRYPTO) {
        return sb_err_set(err, rc, "%s", tmp.msg);
    }
    for (i = 0; i < sizeof(alt_ids) / sizeof(alt_ids[0]); i++) {
        if (strcmp(alt_ids[i], use) != 0
            && sb_sm2_verify(pkey, alt_ids[i], msg, len, sig->content, sig->len, 0, &tmp) == SB_OK) {
            return sb_err_set(err, SB_R_SM2_ID_MISMATCH, "SM2 signature does not verify with distinguishing ID "
                              "'%.64s' (it was made with ID '%s')", use, alt_ids[i]);
        }
    }
    return sb_err_set(err, SB_R_SIG_CRYPTO, "SM2 signature does not verify with distinguishing ID '%.64s'", use);
}

/* RSA PKCS#1 v1.5 only: 1 if sig is a valid signature of *another* digest (the content changed). */
static int rsa_other_digest(EVP_PKEY *pkey, const struct sb_cms_alg *a, const struct sb_der_elem *sig)
{
    unsigned char buf[1024];
    size_t n = sizeof(buf);
    const unsigned char *q = buf;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    X509_SIG *di = NULL;
    const X509_ALGOR *alg = NULL;
    const ASN1_OCTET_STRING *dg = NULL;
    int ret = 0;

    if (pctx != NULL && EVP_PKEY_verify_recover_init(pctx) == 1
        && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_verify_recover(pctx, buf, &n, sig->content, sig->len) == 1
        && (di = d2i_X509_SIG(NULL, &q, (long)n)) != NULL && q == buf + n) {
        X509_SIG_get0(di, &alg, &dg);
        ret = OBJ_obj2nid(alg->algorithm) == a->md->nid && (size_t)ASN1_STRING_length(dg) == a->md->len;
    }
    X509_SIG_free(di);
    EVP_PKEY_CTX_free(pctx);
    sb_openssl_errors_clear();
    return ret;
}

/* Verify si's signature over the whole message msg (signed attributes or content). */
enum sb_reason sb_cms_verify_msg(const struct sb_cms_alg *a, EVP_PKEY *pkey, const char *sm2_id,
                                 const unsigned char *msg, size_t len, const struct sb_der_elem *sig,
                                 int is_content, struct sb_err *err)
{
    static const unsigned char empty[1] = { 0 };
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL; /* borrowed from mctx */
    const EVP_MD *md;
    enum sb_reason rc;

    if (a->sig->kind == SB_CMS_K_SM2) {
        return sm2_verify_diag(pkey, sm2_id, msg, len, sig, err);
    }
    sb_openssl_errors_clear();
    md = a->sig->kind == SB_CMS_K_ED25519 ? NULL : sb_md_by_name(a->md->name);
    if ((mctx = EVP_MD_CTX_new()) == NULL || (md == NULL && a->sig->kind != SB_CMS_K_ED25519)
        || EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pkey) != 1 || !set_rsa_params(pctx, a)) {
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "cannot set up %s verification with the signer's key",
                            a->sig->oid);
        goto err;
    }
    if (EVP_DigestVerify(mctx, sig->content, sig->len, msg != NULL ? msg : empty, len) != 1) {
        if (is_content && a->sig->kind == SB_CMS_K_RSA && rsa_other_digest(pkey, a, sig)) {
            rc = sb_err_set(err, SB_R_HASH_MISMATCH, "the signature covers a different %s digest than the "
                            "content's (content changed)", a->md->name);
            goto err;
        }
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "%s signature value does not verify with the signer's key",
                            a->sig->kind == SB_CMS_K_PSS ? "RSASSA-PSS" : (a->sig->kind == SB_CMS_K_RSA ? "RSA" :
                            (a->sig->kind == SB_CMS_K_ECDSA ? "ECDSA" : "Ed25519")));
        goto err;
    }
    rc = SB_OK;
err:
    sb_openssl_errors_clear();
    EVP_MD_CTX_free(mctx);
    return rc;
}

/* Verify a signature made directly over a digest (no signed attributes, no content): RSA and ECDSA. */
enum sb_reason sb_cms_verify_prehashed(const struct sb_cms_alg *a, EVP_PKEY *pkey, const unsigned char *dg, size_t dlen,
                                       const struct sb_der_elem *sig, struct sb_err *err)
{
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *md;
    enum sb_reason rc;

    if (a->sig->kind == SB_CMS_K_SM2 || a->sig->kind == SB_CMS_K_ED25519) {
        return sb_err_set(err, SB_R_SIGNED_DATA_NOT_FOUND, "%s signature without signed attributes covers the "
                          "content itself, which a digest cannot replace: give --data",
                          a->sig->kind == SB_CMS_K_SM2 ? "SM2 (over SM3(ZA || content))" : "Ed25519");
    }
    sb_openssl_errors_clear();
    if ((md = sb_md_by_name(a->md->name)) == NULL
        || (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL || EVP_PKEY_verify_init(pctx) != 1
        || EVP_PKEY_CTX_set_signature_md(pctx, md) != 1 || !set_rsa_params(pctx, a)) {
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "cannot set up verification over the supplied digest");
        goto err;
    }
    if (EVP_PKEY_verify(pctx, sig->content, sig->len, dg, dlen) != 1) {
        rc = sb_err_openssl(err, SB_R_SIG_CRYPTO, "signature value does not verify over the supplied %s digest",
                            a->md->name);
        goto err;
    }
    rc = SB_OK;
err:
    sb_openssl_errors_clear();
    EVP_PKEY_CTX_free(pctx);
    return rc;
}

