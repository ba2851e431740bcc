/*
 * pki/cms/cms_sign.c — SignedData creation with the DER writer (pki/cms/cms.h sb_cms_sign).
 *
 * One SignerInfo (version 1, issuerAndSerialNumber) with signed attributes content-type, signing-time
 * and message-digest, sorted as DER SET OF; the signature covers that SET exactly as written.
 * Algorithms: RSA PKCS#1 v1.5 with SHA-256 (signatureAlgorithm rsaEncryption, as `openssl cms` writes
 * it), ECDSA with SHA-256 (ecdsa-with-SHA256), Ed25519 with SHA-512 (RFC 8419), SM2 with SM3 under the signer's ID (sm2-with-sm3
 * 1.2.156.10197.1.501 with the PKCS#7 OIDs, sm2sign 1.2.156.10197.1.301.1 with the GM/T 0010 ones).
 */
#include "pki/cms/cms_local.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "pki/crypto/sm2.h"

enum sign_kind { S_RSA, S_ECDSA, S_SM2, S_ED25519 };

struct sign_plan {
    enum sign_kind kind;
    const char *md_name;       /* OpenSSL name */
    const char *md_oid;
    size_t md_len;
    int md_null;               /* write NULL parameters in the digest AlgorithmIdentifier */
    const char *sig_oid;
    int sig_null;              /* write NULL parameters in the signature AlgorithmIdentifier */
    const char *data_oid;
    const char *signed_oid;
};

static enum sb_reason plan_for(EVP_PKEY *key, enum sb_cms_format format, struct sign_plan *pl, struct sb_err *err)
{
    memset(pl, 0, sizeof(*pl));
    pl->data_oid = format == SB_CMS_FORMAT_GMT0010 ? SB_OID_GMT_DATA : SB_OID_PKCS7_DATA;
    pl->signed_oid = format == SB_CMS_FORMAT_GMT0010 ? SB_OID_GMT_SIGNED : SB_OID_PKCS7_SIGNED;
    if (sb_sm2_is_sm2_key(key)) {
        pl->kind = S_SM2;
        pl->md_name = "SM3";
        pl->md_oid = SB_OID_SM3;
        pl->md_len = 32;
        pl->md_null = 1;
        pl->sig_oid = format == SB_CMS_FORMAT_GMT0010 ? SB_OID_SM2_SIGN : SB_OID_SM2_WITH_SM3;
        return SB_OK;
    }
    if (format == SB_CMS_FORMAT_GMT0010) {
        return sb_err_set(err, SB_R_USAGE, "GM/T 0010 signing needs an SM2 key, not %s",
                          EVP_PKEY_get0_type_name(key));
    }
    pl->md_name = "SHA256";
    pl->md_oid = SB_OID_SHA256;
    pl->md_len = 32;
    if (EVP_PKEY_is_a(key, "RSA")) {
        pl->kind = S_RSA;
        pl->sig_oid = SB_OID_RSA;
        pl->sig_null = 1;
        return SB_OK;
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        pl->kind = S_ECDSA;
        pl->sig_oid = SB_OID_ECDSA_SHA256;
        return SB_OK;
    }
    if (EVP_PKEY_is_a(key, "ED25519")) {
        /* RFC 8419: SHA-512 for the message digest, pure Ed25519 over the signed attributes */
        pl->kind = S_ED25519;
        pl->md_name = "SHA512";
        pl->md_oid = "2.16.840.1.101.3.4.2.3";
        pl->md_len = 64;
        pl->sig_oid = "1.3.101.112";
        return SB_OK;
    }
    return sb_err_set(err, SB_R_USAGE, "cannot sign CMS with a %s key (RSA, ECDSA, Ed25519 or SM2 only)",
                      EVP_PKEY_get0_type_name(key));
}

static void put_alg(struct sb_derbuf *b, const char *oid, int with_null)
{
    static const unsigned char null_der[2] = { 0x05, 0x00 };
    struct sb_derbuf in;

    sb_derbuf_init(&in);
    sb_derbuf_oid(&in, oid);
    if (with_null) {
        sb_derbuf_put(&in, null_der, sizeof(null_der));
    }
    sb_derbuf_wrap(b, 0x30, &in);
    sb_derbuf_free(&in);
}

/* Attribute ::= SEQUENCE { attrType OID, attrValues SET { value } } with value already DER. */
static void put_attr(struct sb_derbuf *b, const char *oid, const unsigned char *value, size_t n)
{
    struct sb_derbuf in, set;

    sb_derbuf_init(&in);
    sb_derbuf_init(&set);
    sb_derbuf_oid(&in, oid);
    sb_derbuf_tlv(&set, 0x31, value, n);
    sb_derbuf_put(&in, set.data, set.len);
    if (set.failed) {
        in.failed = 1;
    }
    sb_derbuf_wrap(b, 0x30, &in);
    sb_derbuf_free(&set);
    sb_derbuf_free(&in);
}

/* SET OF the three signed attributes, DER-sorted, with the universal SET tag (what is signed). */
static enum sb_reason build_attrs(const struct sign_plan *pl, const unsigned char *content, size_t len,
                                  time_t when, struct sb_derbuf *attrs, struct sb_err *err)
{
    struct sb_derbuf a[3], ct;
    const unsigned char *elems[3];
    size_t lens[3], i;
    unsigned char dg[EVP_MAX_MD_SIZE], *t_der = NULL;
    unsigned int dlen = 0;
    ASN1_TIME *t = NULL;
    EVP_MD *md = NULL;
    int tlen;
    enum sb_reason rc;

    for (i = 0; i < 3; i++) {
        sb_derbuf_init(&a[i]);
    }
    sb_derbuf_init(&ct);
    if ((md = EVP_MD_fetch(NULL, pl->md_name, NULL)) == NULL
        || EVP_Digest(content != NULL ? content : dg, len, dg, &dlen, md, NULL) != 1 || dlen != pl->md_len) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "%s digest of the content failed", pl->md_name);
        goto err;
    }
    if ((t = ASN1_TIME_adj(NULL, when != 0 ? when : time(NULL), 0, 0)) == NULL
        || (tlen = i2d_ASN1_TIME(t, &t_der)) <= 0) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot encode the signing time");
        goto err;
    }
    sb_derbuf_oid(&ct, pl->data_oid);
    put_attr(&a[0], SB_OID_CONTENT_TYPE, ct.data, ct.len);
    put_attr(&a[1], SB_OID_SIGNING_TIME, t_der, (size_t)tlen);
    {
        struct sb_derbuf os;

        sb_derbuf_init(&os);
        sb_derbuf_tlv(&os, 0x04, dg, dlen);
        put_attr(&a[2], SB_OID_MESSAGE_DIGEST, os.data, os.len);
        if (os.failed) {
            a[2].failed = 1;
        }
        sb_derbuf_free(&os);
    }
    for (i = 0; i < 3; i++) {
        if (a[i].failed || ct.failed) {
            attrs->failed = 1;
        }
        elems[i] = a[i].data;
        lens[i] = a[i].len;
    }
    sb_derbuf_set_of(attrs, 0x31, elems, lens, 3);
    rc = sb_derbuf_check(attrs, "signed attributes", err);
err:
    for (i = 0; i < 3; i++) {
        sb_derbuf_free(&a[i]);
    }
    sb_derbuf_free(&ct);
    OPENSSL_free(t_der);
    ASN1_TIME_free(t);
    EVP_MD_free(md);
    return rc;
}

/* Signature over msg (the signed attributes) into *sig (OPENSSL_free). */
static enum sb_reason sign_bytes(EVP_PKEY *key, const struct sign_plan *pl, const char *sm2_id,
                                 const unsigned char *msg, size_t len, unsigned char **sig, size_t *sig_len,
                                 struct sb_err *err)
{
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL; /* borrowed from mctx */
    unsigned char *s = NULL;
    size_t n = 0;
    enum sb_reason rc;

    if (pl->kind == S_SM2) {
        return sb_sm2_sign(key, sm2_id, msg, len, sig, sig_len, err);
    }
    ERR_clear_error();
    if ((mctx = EVP_MD_CTX_new()) == NULL
        || EVP_DigestSignInit_ex(mctx, &pctx, pl->kind == S_ED25519 ? NULL : pl->md_name, NULL, NULL, key,
                                 NULL) != 1
        || (pl->kind == S_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        || EVP_DigestSign(mctx, NULL, &n, msg, len) != 1 || (s = OPENSSL_malloc(n)) == NULL
        || EVP_DigestSign(mctx, s, &n, msg, len) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "%s signing failed",
                            pl->kind == S_RSA ? "RSA" : (pl->kind == S_ECDSA ? "ECDSA" : "Ed25519"));
        goto err;
    }
    *sig = s;
    *sig_len = n;
    s = NULL;
    rc = SB_OK;
err:
    OPENSSL_free(s);
    EVP_MD_CTX_free(mctx);
    return rc;
}

/* SignerInfo ::= SEQUENCE { version 1, issuerAndSerialNumber, digestAlgorithm, [0] signedAttrs,
 * signatureAlgorithm, signature }. */
static enum sb_reason build_signer_info(X509 *cert, const struct sign_plan *pl, const struct sb_derbuf *attrs,
                                        const unsigned char *sig, size_t sig_len, struct sb_derbuf *out,
                                        struct sb_err *err)
{
    static const unsigned char v1[3] = { 0x02, 0x01, 0x01 };
    struct sb_derbuf si, ias;
    unsigned char *name = NULL, *serial = NULL;
    int nlen, slen;
    enum sb_reason rc;

    sb_derbuf_init(&si);
    sb_derbuf_init(&ias);
    if ((nlen = i2d_X509_NAME(X509_get_issuer_name(cert), &name)) <= 0
        || (slen = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &serial)) <= 0) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot encode the signer's issuer and serial number");
        goto err;
    }
    sb_derbuf_put(&ias, name, (size_t)nlen);
    sb_derbuf_put(&ias, serial, (size_t)slen);
    sb_derbuf_put(&si, v1, sizeof(v1));
    sb_derbuf_wrap(&si, 0x30, &ias);
    put_alg(&si, pl->md_oid, pl->md_null);
    /* the same SET, as [0] IMPLICIT: only the identifier octet differs */
    sb_derbuf_put(&si, "\xA0", 1);
    if (attrs->len > 1) {
        sb_derbuf_put(&si, attrs->data + 1, attrs->len - 1);
    }
    put_alg(&si, pl->sig_oid, pl->sig_null);
    sb_derbuf_tlv(&si, 0x04, sig, sig_len);
    sb_derbuf_wrap(out, 0x30, &si);
    rc = sb_derbuf_check(out, "SignerInfo", err);
err:
    OPENSSL_free(name);
    OPENSSL_free(serial);
    sb_derbuf_free(&ias);
    sb_derbuf_free(&si);
    return rc;
}

/* certificates [0] IMPLICIT SET OF Certificate: cert, then chain. */
static enum sb_reason build_certs(X509 *cert, STACK_OF(X509) *chain, struct sb_derbuf *out, struct sb_err *err)
{
    int n = 1 + (chain != NULL ? sk_X509_num(chain) : 0), i, len;
    unsigned char **ders = NULL;
    size_t *lens = NULL;
    enum sb_reason rc;

    if (n > SB_CMS_MAX_CERTS) {
        return sb_err_set(err, SB_R_USAGE, "more than %d certificates to carry", SB_CMS_MAX_CERTS);
    }
    if ((ders = OPENSSL_zalloc((size_t)n * sizeof(*ders))) == NULL
        || (lens = OPENSSL_zalloc((size_t)n * sizeof(*lens))) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        goto err;
    }
    for (i = 0; i < n; i++) {
        if ((len = i2d_X509(i == 0 ? cert : sk_X509_value(chain, i - 1), &ders[i])) <= 0) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot encode certificate %d", i + 1);
            goto err;
        }
        lens[i] = (size_t)len;
    }
    sb_derbuf_set_of(out, 0xA0, (const unsigned char *const *)ders, lens, (size_t)n);
    rc = sb_derbuf_check(out, "certificates", err);
err:
    for (i = 0; ders != NULL && i < n; i++) {
        OPENSSL_free(ders[i]);
    }
    OPENSSL_free(ders);
    OPENSSL_free(lens);
    return rc;
}

enum sb_reason sb_cms_sign(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain, const unsigned char *content,
                           size_t len, int detached, enum sb_cms_format format, const char *sm2_id,
                           time_t signing_time, unsigned char **out, size_t *out_len, struct sb_err *err)
{
    static const unsigned char v1[3] = { 0x02, 0x01, 0x01 };
    struct sb_derbuf attrs, si, certs, sd, encap, tmp, ci, dalg;
    struct sign_plan pl;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    enum sb_reason rc;

    sb_derbuf_init(&attrs);
    sb_derbuf_init(&si);
    sb_derbuf_init(&certs);
    sb_derbuf_init(&sd);
    sb_derbuf_init(&encap);
    sb_derbuf_init(&tmp);
    sb_derbuf_init(&ci);
    sb_derbuf_init(&dalg);
    if (key == NULL || cert == NULL || out == NULL || out_len == NULL || (content == NULL && len != 0)) {
        return sb_err_set(err, SB_R_USAGE, "sb_cms_sign: missing key, certificate or output");
    }
    *out = NULL;
    *out_len = 0;
    if (len > SB_CMS_MAX_INPUT) {
        return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "content of %zu bytes is over the limit of %u", len,
                          SB_CMS_MAX_INPUT);
    }
    ERR_clear_error();
    if (X509_check_private_key(cert, key) != 1) {
        return sb_err_openssl(err, SB_R_USAGE, "the private key does not belong to the signer certificate");
    }
    if ((rc = plan_for(key, format, &pl, err)) != SB_OK
        || (rc = build_attrs(&pl, content, len, signing_time, &attrs, err)) != SB_OK
        || (rc = sign_bytes(key, &pl, sm2_id, attrs.data, attrs.len, &sig, &sig_len, err)) != SB_OK
        || (rc = build_signer_info(cert, &pl, &attrs, sig, sig_len, &si, err)) != SB_OK
        || (rc = build_certs(cert, chain, &certs, err)) != SB_OK) {
        goto err;
    }
    /* encapContentInfo ::= SEQUENCE { eContentType, [0] EXPLICIT OCTET STRING OPTIONAL } */
    sb_derbuf_oid(&encap, pl.data_oid);
    if (!detached) {
        sb_derbuf_tlv(&tmp, 0x04, content, len);
        sb_derbuf_wrap(&encap, 0xA0, &tmp);
    }
    put_alg(&dalg, pl.md_oid, pl.md_null);
    sb_derbuf_put(&sd, v1, sizeof(v1));
    sb_derbuf_wrap(&sd, 0x31, &dalg);
    sb_derbuf_wrap(&sd, 0x30, &encap);
    sb_derbuf_put(&sd, certs.data, certs.len);
    sb_derbuf_wrap(&sd, 0x31, &si);
    /* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData } */
    sb_derbuf_free(&tmp);
    sb_derbuf_wrap(&tmp, 0x30, &sd);
    sb_derbuf_oid(&ci, pl.signed_oid);
    sb_derbuf_wrap(&ci, 0xA0, &tmp);
    sb_derbuf_free(&tmp);
    sb_derbuf_wrap(&tmp, 0x30, &ci);
    if (encap.failed || certs.failed || dalg.failed) {
        tmp.failed = 1;
    }
    if ((rc = sb_derbuf_check(&tmp, "SignedData", err)) != SB_OK) {
        goto err;
    }
    *out = tmp.data;
    *out_len = tmp.len;
    tmp.data = NULL;
    rc = SB_OK;
err:
    OPENSSL_free(sig);
    sb_derbuf_free(&attrs);
    sb_derbuf_free(&si);
    sb_derbuf_free(&certs);
    sb_derbuf_free(&sd);
    sb_derbuf_free(&encap);
    sb_derbuf_free(&tmp);
    sb_derbuf_free(&ci);
    sb_derbuf_free(&dalg);
    return rc;
}
