/*
 * pki/cms/cms_parse.c — input detection (DER, PEM, S/MIME, BER) and the SignedData parser.
 *
 * Only OpenSSL touches the text forms (PEM_read_bio, SMIME_read_CMS); the SignedData is then read with
 * the bounded DER cursor so that GM/T 0010 content types, which OpenSSL's CMS code does not know, parse
 * exactly like the PKCS#7 ones. BER (indefinite lengths, as `openssl cms -stream` writes) is re-encoded
 * to DER through d2i/i2d_CMS_ContentInfo, which is possible only for the PKCS#7 content types.
 */
#include "pki/base/work_budget.h"
#include "pki/x509/cert_cache.h"
#include "pki/cms/cms_local.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

static void free_ocsps(struct sb_cms_parsed *p)
{
    size_t i;

    for (i = 0; i < p->n_ocsps; i++) {
        OPENSSL_free(p->ocsps[i].der);
    }
    OPENSSL_free(p->ocsps);
    p->ocsps = NULL;
    p->n_ocsps = 0;
}

void sb_cms_parsed_free(struct sb_cms_parsed *p)
{
    free_ocsps(p);
    OPENSSL_free(p->buf);
    OPENSSL_free(p->mime_content);
    sk_X509_pop_free(p->certs, X509_free);
    sk_X509_CRL_pop_free(p->crls, X509_CRL_free);
    memset(p, 0, sizeof(*p));
}

/* MIME: the text starts with a header line ("Name: value") and names a PKCS#7 media type
 * (application/pkcs7-mime, pkcs7-signature, x-pkcs7-...) within its first 8 KiB. */
static int looks_mime(const unsigned char *in, size_t len)
{
    size_t n = len < 8192 ? len : 8192, j = 0, k;

    while (j < n && (isalnum(in[j]) || in[j] == '-')) {
        j++;
    }
    if (j == 0 || j >= n || in[j] != ':') {
        return 0;
    }
    for (k = 0; k + 5 <= n; k++) {
        if (strncasecmp((const char *)in + k, "pkcs7", 5) == 0) {
            return 1;
        }
    }
    return 0;
}

static size_t skip_space(const unsigned char *in, size_t len)
{
    size_t i = 0;

    while (i < len && i < 4096 && isspace(in[i])) {
        i++;
    }
    return i;
}

static int looks_pem(const unsigned char *in, size_t len)
{
    size_t i = skip_space(in, len);

    return len - i >= 11 && memcmp(in + i, "-----BEGIN ", 11) == 0;
}

int sb_cms_looks_like(const unsigned char *in, size_t len)
{
    size_t i;

    if (in == NULL || len == 0) {
        return 0;
    }
    if (in[0] == 0x30 || looks_pem(in, len)) {
        return 1;
    }
    i = skip_space(in, len);
    return looks_mime(in + i, len - i);
}

/* ---- text forms -------------------------------------------------------------------------------- */

static enum sb_reason copy_buf(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len,
                               struct sb_err *err)
{
    if ((*out = OPENSSL_malloc(len > 0 ? len : 1)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    if (len > 0) {          /* an empty BIO (S/MIME part with no content) has no data pointer at all */
        memcpy(*out, in, len);
    }
    *out_len = len;
    return SB_OK;
}

static enum sb_reason read_pem(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len,
                               struct sb_err *err)
{
    BIO *bio = BIO_new_mem_buf(in, (int)len);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long dlen = 0;
    enum sb_reason rc;

    if (bio == NULL) {
        return sb_err_openssl(err, SB_R_INTERNAL, "out of memory");
    }
    if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
        rc = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "CMS: PEM block cannot be decoded");
        goto err;
    }
    if (strcmp(name, PEM_STRING_CMS) != 0 && strcmp(name, PEM_STRING_PKCS7) != 0
        && strcmp(name, PEM_STRING_PKCS7_SIGNED) != 0) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "CMS: PEM label '%.64s' is not CMS or PKCS7", name);
        goto err;
    }
    if (dlen <= 0) {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "CMS: empty PEM block");
        goto err;
    }
    *out = data;
    *out_len = (size_t)dlen;
    data = NULL;
    rc = SB_OK;
err:
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    BIO_free(bio);
    return rc;
}

/* Read all of bio (at most SB_CMS_MAX_INPUT bytes) into a new buffer. */
static enum sb_reason read_all(BIO *bio, unsigned char **out, size_t *out_len, struct sb_err *err)
{
    BIO *mem = BIO_new(BIO_s_mem());
    unsigned char tmp[4096];
    BUF_MEM *bm = NULL;
    size_t total = 0;
    int n;
    enum sb_reason rc;

    if (mem == NULL) {
        return sb_err_openssl(err, SB_R_INTERNAL, "out of memory");
    }
    while ((n = BIO_read(bio, tmp, sizeof(tmp))) > 0) {
        total += (size_t)n;
        if (total > SB_CMS_MAX_INPUT) {
            rc = sb_err_set(err, SB_R_INPUT_TOO_LARGE, "S/MIME content over %u bytes", SB_CMS_MAX_INPUT);
            goto err;
        }
        if (BIO_write(mem, tmp, n) != n) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "out of memory");
            goto err;
        }
    }
    BIO_get_mem_ptr(mem, &bm);
    rc = copy_buf((const unsigned char *)bm->data, bm->length, out, out_len, err);
err:
    BIO_free(mem);
    return rc;
}

static enum sb_reason read_smime(const unsigned char *in, size_t len, struct sb_cms_parsed *p,
                                 struct sb_err *err)
{
    BIO *bio = BIO_new_mem_buf(in, (int)len);
    BIO *bcont = NULL;
    CMS_ContentInfo *cms = NULL;
    unsigned char *der = NULL;
    int n;
    enum sb_reason rc;

    if (bio == NULL) {
        return sb_err_openssl(err, SB_R_INTERNAL, "out of memory");
    }
    if ((cms = SMIME_read_CMS(bio, &bcont)) == NULL) {
        rc = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "CMS: S/MIME message cannot be read");
        goto err;
    }
    if ((n = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
        rc = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "CMS: S/MIME signature cannot be re-encoded as DER");
        goto err;
    }
    p->buf = der;
    p->buf_len = (size_t)n;
    der = NULL;
    if (bcont != NULL) {
        if ((rc = read_all(bcont, &p->mime_content, &p->mime_content_len, err)) != SB_OK) {
            goto err;
        }
        p->has_mime_content = 1;
    }
    rc = SB_OK;
err:
    OPENSSL_free(der);
    BIO_free(bcont);
    CMS_ContentInfo_free(cms);
    BIO_free(bio);
    return rc;
}

/* Flavour of the outer contentType, read leniently (indefinite lengths allowed): 1 PKCS#7 signedData,
 * 2 GM/T signedData, 0 another content type, -1 not a ContentInfo. */
static int outer_kind(const unsigned char *buf, size_t len)
{
    const unsigned char *q = buf, *o;
    long plen = 0;
    int tag = 0, cls = 0, ret, kind = -1;
    ASN1_OBJECT *obj = NULL;
    char txt[64];

    if (len == 0 || len > (size_t)LONG_MAX) {
        return -1;
    }
    ret = ASN1_get_object(&q, &plen, &tag, &cls, (long)len);
    if ((ret & 0x80) != 0 || tag != V_ASN1_SEQUENCE || (ret & V_ASN1_CONSTRUCTED) == 0) {
        sb_openssl_errors_clear();
        return -1;
    }
    o = q;
    if ((obj = d2i_ASN1_OBJECT(NULL, &o, (long)(len - (size_t)(q - buf)))) != NULL
        && OBJ_obj2txt(txt, sizeof(txt), obj, 1) > 0) {
        kind = strcmp(txt, SB_OID_PKCS7_SIGNED) == 0 ? 1 : (strcmp(txt, SB_OID_GMT_SIGNED) == 0 ? 2 : 0);
    }
    ASN1_OBJECT_free(obj);
    sb_openssl_errors_clear();
    return kind;
}

/* Re-encode BER p->buf as DER through OpenSSL's CMS structures. */
static enum sb_reason normalise_ber(struct sb_cms_parsed *p, struct sb_err *err)
{
    const unsigned char *q = p->buf;
    CMS_ContentInfo *cms = NULL;
    unsigned char *der = NULL;
    int n;
    enum sb_reason rc;

    if (p->buf_len > (size_t)LONG_MAX || (cms = d2i_CMS_ContentInfo(NULL, &q, (long)p->buf_len)) == NULL) {
        rc = sb_err_openssl(err, SB_R_FORMAT, "CMS: BER SignedData cannot be decoded");
        goto err;
    }
    if (q != p->buf + p->buf_len) {
        rc = sb_err_set(err, SB_R_FORMAT, "CMS: %zu trailing bytes after the BER ContentInfo",
                        (size_t)(p->buf + p->buf_len - q));
        goto err;
    }
    if ((n = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
        rc = sb_err_openssl(err, SB_R_FORMAT, "CMS: BER SignedData cannot be re-encoded as DER");
        goto err;
    }
    OPENSSL_free(p->buf);
    p->buf = der;
    p->buf_len = (size_t)n;
    der = NULL;
    rc = SB_OK;
err:
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    return rc;
}

/* ---- SignedData -------------------------------------------------------------------------------- */

/* Exactly one value in the attribute's SET: *v. */
static enum sb_reason single_value(const struct sb_der *attr, const struct sb_der_elem *set, const char *name,
                                   struct sb_der_elem *v, struct sb_err *err)
{
    struct sb_der vals;
    enum sb_reason rc;

    if ((rc = sb_der_enter(attr, set, &vals, name, err)) != SB_OK
        || (rc = sb_der_next(&vals, v, name, err)) != SB_OK) {
        return rc;
    }
    if (sb_der_more(&vals)) {
        return sb_err_set(err, SB_R_FORMAT, "%s attribute has more than one value", name);
    }
    return SB_OK;
}

static enum sb_reason parse_attrs(const struct sb_der *parent, struct sb_cms_si *si, size_t idx,
                                  struct sb_err *err)
{
    struct sb_der attrs, attr;
    struct sb_der_elem a, type, set, v;
    size_t count = 0;
    enum sb_reason rc;

    if ((rc = sb_der_enter(parent, &si->attrs, &attrs, "signedAttrs", err)) != SB_OK) {
        return rc;
    }
    while (sb_der_more(&attrs)) {
        if (++count > SB_CMS_MAX_ATTRS) {
            return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: more than %d signed attributes", idx + 1,
                              SB_CMS_MAX_ATTRS);
        }
        if ((rc = sb_der_expect(&attrs, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &a, "Attribute", err)) != SB_OK
            || (rc = sb_der_enter(&attrs, &a, &attr, "Attribute", err)) != SB_OK
            || (rc = sb_der_expect(&attr, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &type, "attrType", err)) != SB_OK
            || (rc = sb_der_expect(&attr, SB_DER_UNIVERSAL, V_ASN1_SET, 1, &set, "attrValues", err)) != SB_OK
            || (rc = sb_der_done(&attr, "Attribute", err)) != SB_OK) {
            return rc;
        }
        if (sb_der_oid_is(&type, SB_OID_CONTENT_TYPE)) {
            if (si->has_ctype) {
                return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: content-type attribute given twice", idx + 1);
            }
            if ((rc = single_value(&attr, &set, "content-type", &v, err)) != SB_OK) {
                return rc;
            }
            if (v.cls != SB_DER_UNIVERSAL || v.tag != V_ASN1_OBJECT || v.constructed) {
                return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: content-type value is not an OID", idx + 1);
            }
            si->attr_ctype = v;
            si->has_ctype = 1;
        } else if (sb_der_oid_is(&type, SB_OID_MESSAGE_DIGEST)) {
            if (si->has_md) {
                return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: message-digest attribute given twice", idx + 1);
            }
            if ((rc = single_value(&attr, &set, "message-digest", &v, err)) != SB_OK) {
                return rc;
            }
            if (v.cls != SB_DER_UNIVERSAL || v.tag != V_ASN1_OCTET_STRING || v.constructed) {
                return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: message-digest value is not an OCTET STRING",
                                  idx + 1);
            }
            si->attr_md = v;
            si->has_md = 1;
        } else if (sb_der_oid_is(&type, SB_OID_SIGNING_TIME)) {
            if (si->has_stime) {
                return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: signing-time attribute given twice", idx + 1);
            }
            if ((rc = single_value(&attr, &set, "signing-time", &v, err)) != SB_OK) {
                return rc;
            }
            if (v.cls != SB_DER_UNIVERSAL || (v.tag != V_ASN1_UTCTIME && v.tag != V_ASN1_GENERALIZEDTIME)
                || v.constructed) {
                return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: signing-time value is not a time", idx + 1);
            }
            si->attr_stime = v;
            si->has_stime = 1;
        }
    }
    return SB_OK;
}

static enum sb_reason parse_signer_info(const struct sb_der *set, struct sb_der_elem *e, struct sb_cms_si *si,
                                        size_t idx, struct sb_err *err)
{
    struct sb_der s, ias;
    struct sb_der_elem v, sid;
    enum sb_reason rc;

    memset(si, 0, sizeof(*si));
    if (e->cls != SB_DER_UNIVERSAL || e->tag != V_ASN1_SEQUENCE || !e->constructed) {
        return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu is not a SEQUENCE", idx + 1);
    }
    if ((rc = sb_der_enter(set, e, &s, "SignerInfo", err)) != SB_OK
        || (rc = sb_der_expect(&s, SB_DER_UNIVERSAL, V_ASN1_INTEGER, 0, &v, "SignerInfo version", err)) != SB_OK
        || (rc = sb_der_next(&s, &sid, "SignerInfo sid", err)) != SB_OK) {
        return rc;
    }
    if (sid.cls == SB_DER_UNIVERSAL && sid.tag == V_ASN1_SEQUENCE && sid.constructed) {
        if ((rc = sb_der_enter(&s, &sid, &ias, "issuerAndSerialNumber", err)) != SB_OK
            || (rc = sb_der_expect(&ias, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &si->sid_issuer,
                                   "issuerAndSerialNumber issuer", err)) != SB_OK
            || (rc = sb_der_expect(&ias, SB_DER_UNIVERSAL, V_ASN1_INTEGER, 0, &si->sid_serial,
                                   "issuerAndSerialNumber serialNumber", err)) != SB_OK
            || (rc = sb_der_done(&ias, "issuerAndSerialNumber", err)) != SB_OK) {
            return rc;
        }
    } else if (sid.cls == SB_DER_CONTEXT && sid.tag == 0 && !sid.constructed && sid.len > 0) {
        si->sid_ski = 1;
        si->sid_keyid = sid;
    } else {
        return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: sid is neither issuerAndSerialNumber nor "
                          "subjectKeyIdentifier", idx + 1);
    }
    if ((rc = sb_der_expect(&s, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &si->digest_alg, "digestAlgorithm",
                            err)) != SB_OK) {
        return rc;
    }
    if (sb_der_peek(&s, SB_DER_CONTEXT, 0)) {
        if ((rc = sb_der_expect(&s, SB_DER_CONTEXT, 0, 1, &si->attrs, "signedAttrs", err)) != SB_OK
            || (rc = parse_attrs(&s, si, idx, err)) != SB_OK) {
            return rc;
        }
        si->has_attrs = 1;
    }
    if ((rc = sb_der_expect(&s, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &si->sig_alg, "signatureAlgorithm",
                            err)) != SB_OK
        || (rc = sb_der_expect(&s, SB_DER_UNIVERSAL, V_ASN1_OCTET_STRING, 0, &si->sig, "signature", err)) != SB_OK) {
        return rc;
    }
    if (sb_der_peek(&s, SB_DER_CONTEXT, 1)) {
        if ((rc = sb_der_expect(&s, SB_DER_CONTEXT, 1, 1, &si->uattrs, "unsignedAttrs", err)) != SB_OK) {
            return rc;
        }
        si->has_uattrs = 1;
    }
    return sb_der_done(&s, "SignerInfo", err);
}

static enum sb_reason parse_encap(struct sb_der *sd, struct sb_cms_parsed *p, struct sb_err *err)
{
    struct sb_der ec, ex;
    struct sb_der_elem e, x, c;
    enum sb_reason rc;

    if ((rc = sb_der_expect(sd, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &e, "encapContentInfo",
                            err)) != SB_OK
        || (rc = sb_der_enter(sd, &e, &ec, "encapContentInfo", err)) != SB_OK
        || (rc = sb_der_expect(&ec, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &p->econtent_type, "eContentType",
                               err)) != SB_OK) {
        return rc;
    }
    if (sb_der_more(&ec)) {
        if ((rc = sb_der_expect(&ec, SB_DER_CONTEXT, 0, 1, &x, "eContent", err)) != SB_OK
            || (rc = sb_der_enter(&ec, &x, &ex, "eContent", err)) != SB_OK
            || (rc = sb_der_next(&ex, &c, "eContent", err)) != SB_OK
            || (rc = sb_der_done(&ex, "eContent", err)) != SB_OK) {
            return rc;
        }
        if (c.cls == SB_DER_UNIVERSAL && c.tag == V_ASN1_OCTET_STRING && c.constructed) {
            return sb_err_set(err, SB_R_FORMAT, "eContent is a constructed OCTET STRING (BER, not DER)");
        }
        /* CMS: the OCTET STRING's contents; PKCS#7 v1.5 other types: the contents octets of the element. */
        p->econtent = c.content;
        p->econtent_len = c.len;
        p->has_econtent = 1;
    }
    return sb_der_done(&ec, "encapContentInfo", err);
}

/*
 * The next element of the revocationInfoChoices / CertificateChoices SET entered as c that is a plain SEQUENCE
 * (a certificate, a CRL) into *e, with *n counting every element: SB_OK with *have 1, or *have 0 at the end.
 * Other choices (attribute certificates, other certificate formats) are skipped: they are not used. FORMAT when an element is malformed or there are more than max (what: "certificate", plural
 * in messages what + "s").
 */
static enum sb_reason next_sequence(struct sb_der *c, struct sb_der_elem *e, const char *what, size_t *n, int max,
                                    int *have, struct sb_err *err)
{
    enum sb_reason rc;

    *have = 0;
    while (sb_der_more(c)) {
        if ((rc = sb_der_next(c, e, what, err)) != SB_OK) {
            return rc;
        }
        if (++*n > (size_t)max) {
            return sb_err_set(err, SB_R_FORMAT, "more than %d %ss in the SignedData", max, what);
        }
        if (e->cls == SB_DER_UNIVERSAL && e->tag == V_ASN1_SEQUENCE) {
            *have = 1;
            return SB_OK;
        }
    }
    return SB_OK;
}

static enum sb_reason parse_certs(const struct sb_der *sd, const struct sb_der_elem *set, struct sb_cms_parsed *p,
                                  struct sb_err *err)
{
    struct sb_der c;
    struct sb_der_elem e;
    X509 *x;
    size_t n = 0;
    int have;
    enum sb_reason rc;

    if ((rc = sb_der_enter(sd, set, &c, "certificates", err)) != SB_OK) {
        return rc;
    }
    while ((rc = next_sequence(&c, &e, "certificate", &n, SB_CMS_MAX_CERTS, &have, err)) == SB_OK && have) {
        if (sb_work_budget_spent(p->budget)) {
            return sb_err_set(err, SB_R_INTERNAL, "the work budget of this run is spent");
        }
        if ((x = sb_cert_cache_d2i_paid(p->cert_cache, e.der, e.der_len, p->budget)) == NULL) {
            return sb_err_openssl(err, SB_R_FORMAT, "certificate %zu in the SignedData cannot be decoded", n);
        }
        if (!sk_X509_push(p->certs, x)) {
            X509_free(x);
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
    }
    return rc;
}

/*
 * RFC 5940: other [1] IMPLICIT OtherRevocationInfoFormat { otherRevInfoFormat OID, otherRevInfo ANY }. An
 * id-ri-ocsp-response whose value is one SEQUENCE (an OCSPResponse, checked later by pki/x509/ocsp.h) is copied
 * into p->ocsps; other formats and malformed entries are skipped, as all of them were before.
 */
static enum sb_reason keep_ocsp(const struct sb_der *c, const struct sb_der_elem *e, struct sb_cms_parsed *p,
                                struct sb_err *err)
{
    struct sb_der o;
    struct sb_der_elem oid, v;

    if (sb_der_enter(c, e, &o, "otherRevocationInfo", NULL) != SB_OK
        || sb_der_expect(&o, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &oid, "otherRevInfoFormat", NULL) != SB_OK
        || !sb_der_oid_is(&oid, SB_OID_RI_OCSP_RESPONSE)
        || sb_der_expect(&o, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &v, "otherRevInfo", NULL) != SB_OK
        || sb_der_done(&o, "otherRevInfo", NULL) != SB_OK) {
        return SB_OK;
    }
    return sb_cms_add_ocsp(p, (unsigned char *)v.der, v.der_len, 0, 0, err);
}

/* crls: CertificateList SEQUENCEs are decoded, RFC 5940 OCSP responses kept, other choices skipped. */
static enum sb_reason parse_crls(const struct sb_der *sd, const struct sb_der_elem *set, struct sb_cms_parsed *p,
                                 struct sb_err *err)
{
    struct sb_der c;
    struct sb_der_elem e;
    const unsigned char *q;
    X509_CRL *crl;
    size_t n = 0;
    enum sb_reason rc;

    if ((rc = sb_der_enter(sd, set, &c, "crls", err)) != SB_OK) {
        return rc;
    }
    while (sb_der_more(&c)) {
        if ((rc = sb_der_next(&c, &e, "CRL", err)) != SB_OK) {
            return rc;
        }
        if (++n > (size_t)SB_CMS_MAX_CRLS) {
            return sb_err_set(err, SB_R_FORMAT, "more than %d CRLs in the SignedData", SB_CMS_MAX_CRLS);
        }
        if (e.cls == SB_DER_CONTEXT && e.tag == 1 && e.constructed) {
            if ((rc = keep_ocsp(&c, &e, p, err)) != SB_OK) {
                return rc;
            }
            continue;
        }
        if (e.cls != SB_DER_UNIVERSAL || e.tag != V_ASN1_SEQUENCE) {
            continue;
        }
        if (!sb_work_budget_take(p->budget, SB_CERT_DECODE_UNITS + (long)(e.der_len / 512))) {
            return sb_err_set(err, SB_R_INTERNAL, "the work budget of this run is spent");
        }
        q = e.der;
        if ((crl = d2i_X509_CRL(NULL, &q, (long)e.der_len)) == NULL || q != e.der + e.der_len) {
            X509_CRL_free(crl);
            return sb_err_openssl(err, SB_R_FORMAT, "CRL %zu in the SignedData cannot be decoded", n);
        }
        if (!sk_X509_CRL_push(p->crls, crl)) {
            X509_CRL_free(crl);
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
    }
    return SB_OK;
}

static enum sb_reason parse_signed_data(struct sb_der *sd, struct sb_cms_parsed *p, struct sb_err *err)
{
    struct sb_der sis;
    struct sb_der_elem e;
    enum sb_reason rc;

    if ((rc = sb_der_expect(sd, SB_DER_UNIVERSAL, V_ASN1_INTEGER, 0, &e, "SignedData version", err)) != SB_OK
        || (rc = sb_der_expect(sd, SB_DER_UNIVERSAL, V_ASN1_SET, 1, &e, "digestAlgorithms", err)) != SB_OK
        || (rc = parse_encap(sd, p, err)) != SB_OK) {
        return rc;
    }
    if (sb_der_peek(sd, SB_DER_CONTEXT, 0)) {
        if ((rc = sb_der_expect(sd, SB_DER_CONTEXT, 0, 1, &e, "certificates", err)) != SB_OK
            || (rc = parse_certs(sd, &e, p, err)) != SB_OK) {
            return rc;
        }
    }
    if (sb_der_peek(sd, SB_DER_CONTEXT, 1)) {
        if ((rc = sb_der_expect(sd, SB_DER_CONTEXT, 1, 1, &e, "crls", err)) != SB_OK
            || (rc = parse_crls(sd, &e, p, err)) != SB_OK) {
            return rc;
        }
    }
    if ((rc = sb_der_expect(sd, SB_DER_UNIVERSAL, V_ASN1_SET, 1, &e, "signerInfos", err)) != SB_OK
        || (rc = sb_der_done(sd, "SignedData", err)) != SB_OK
        || (rc = sb_der_enter(sd, &e, &sis, "signerInfos", err)) != SB_OK) {
        return rc;
    }
    while (sb_der_more(&sis)) {
        if (p->n_si >= SB_CMS_MAX_SIGNERS) {
            return sb_err_set(err, SB_R_FORMAT, "more than %d SignerInfos in the SignedData", SB_CMS_MAX_SIGNERS);
        }
        if ((rc = sb_der_next(&sis, &e, "SignerInfo", err)) != SB_OK
            || (rc = parse_signer_info(&sis, &e, &p->si[p->n_si], p->n_si, err)) != SB_OK
            || (rc = sb_cms_revocation_values(p, &p->si[p->n_si], p->n_si, err)) != SB_OK) {
            return rc;
        }
        p->n_si++;
    }
    if (p->n_si == 0) {
        return sb_err_set(err, SB_R_FORMAT, "SignedData has no SignerInfo (certificates-only PKCS#7 is not a "
                          "signature)");
    }
    return SB_OK;
}

/* ContentInfo → SignedData over p->buf. Failures before the contentType is known are INPUT_MALFORMED. */
static enum sb_reason parse_content_info(struct sb_cms_parsed *p, int *indefinite, struct sb_err *err)
{
    struct sb_der top, ci, x, sd;
    struct sb_der_elem e, oid;
    char txt[128];
    enum sb_reason rc;

    sb_der_init(&top, p->buf, p->buf_len, indefinite);
    if ((rc = sb_der_expect(&top, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &e, "ContentInfo", err)) != SB_OK
        || (rc = sb_der_enter(&top, &e, &ci, "ContentInfo", err)) != SB_OK
        || (rc = sb_der_expect(&ci, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &oid, "ContentInfo contentType", err)) != SB_OK
        || (rc = sb_der_oid_text(&oid, txt, sizeof(txt), "ContentInfo contentType", err)) != SB_OK) {
        if (err != NULL && !*indefinite) {
            err->reason = SB_R_INPUT_MALFORMED;
        }
        return *indefinite ? rc : SB_R_INPUT_MALFORMED;
    }
    if (strcmp(txt, SB_OID_PKCS7_SIGNED) == 0) {
        p->format = SB_CMS_FORMAT_CMS;
    } else if (strcmp(txt, SB_OID_GMT_SIGNED) == 0) {
        p->format = SB_CMS_FORMAT_GMT0010;
    } else {
        return sb_err_set(err, SB_R_FORMAT, "ContentInfo contentType %s is not signedData (PKCS#7 %s or GM/T %s)",
                          txt, SB_OID_PKCS7_SIGNED, SB_OID_GMT_SIGNED);
    }
    if ((rc = sb_der_done(&top, "ContentInfo", err)) != SB_OK
        || (rc = sb_der_expect(&ci, SB_DER_CONTEXT, 0, 1, &e, "ContentInfo content", err)) != SB_OK
        || (rc = sb_der_done(&ci, "ContentInfo", err)) != SB_OK
        || (rc = sb_der_enter(&ci, &e, &x, "ContentInfo content", err)) != SB_OK
        || (rc = sb_der_expect(&x, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &e, "SignedData", err)) != SB_OK
        || (rc = sb_der_done(&x, "ContentInfo content", err)) != SB_OK
        || (rc = sb_der_enter(&x, &e, &sd, "SignedData", err)) != SB_OK) {
        return rc;
    }
    return parse_signed_data(&sd, p, err);
}

enum sb_reason sb_cms_parse(const unsigned char *in, size_t len, struct sb_cert_cache *cert_cache,
                            struct sb_work_budget *budget, struct sb_cms_parsed *p, struct sb_err *err)
{
    size_t i;
    int indefinite = 0, kind;
    enum sb_reason rc;

    memset(p, 0, sizeof(*p));
    p->cert_cache = cert_cache;
    p->budget = budget;
    if (in == NULL || len == 0) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "CMS: empty input");
    }
    if (len > SB_CMS_MAX_INPUT) {
        return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "CMS: %zu bytes is over the limit of %u", len,
                          SB_CMS_MAX_INPUT);
    }
    sb_openssl_errors_clear();
    if ((p->certs = sk_X509_new_null()) == NULL || (p->crls = sk_X509_CRL_new_null()) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    i = skip_space(in, len);
    if (in[0] == 0x30) {
        rc = copy_buf(in, len, &p->buf, &p->buf_len, err);
    } else if (looks_pem(in, len)) {
        rc = read_pem(in + i, len - i, &p->buf, &p->buf_len, err);
    } else if (looks_mime(in + i, len - i)) {
        rc = read_smime(in + i, len - i, p, err);
    } else {
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "CMS: input is not DER, PEM or S/MIME");
    }
    if (rc != SB_OK) {
        return rc;
    }
    rc = parse_content_info(p, &indefinite, err);
    if (rc == SB_OK || !indefinite) {
        return rc;
    }
    kind = outer_kind(p->buf, p->buf_len);
    if (kind != 1) {
        return sb_err_set(err, kind >= 0 ? SB_R_FORMAT : SB_R_INPUT_MALFORMED,
                          "CMS: indefinite-length (BER) encoding is accepted only for PKCS#7 SignedData%s",
                          kind == 2 ? "; the GM/T 0010 object must be DER" : "");
    }
    if ((rc = normalise_ber(p, err)) != SB_OK) {
        return rc;
    }
    /* Start over on the DER: drop what the first pass collected. */
    sk_X509_pop_free(p->certs, X509_free);
    sk_X509_CRL_pop_free(p->crls, X509_CRL_free);
    p->crls = NULL;
    free_ocsps(p);
    p->n_si = 0;
    p->has_econtent = 0;
    p->econtent = NULL;
    p->econtent_len = 0;
    if ((p->certs = sk_X509_new_null()) == NULL || (p->crls = sk_X509_CRL_new_null()) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    indefinite = 0;
    return parse_content_info(p, &indefinite, err);
}
