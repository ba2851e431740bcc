/*
 * pki/xml/xades_revvals.c — XAdES revocation values carried in a ds:Signature (xmldsig_verify_local.h).
 *
 * Read from ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/xades:UnsignedSignatureProperties
 * (XAdES namespace http://uri.etsi.org/01903/v1.3.2#, ETSI TS 101 903 §7.6.2 / EN 319 132-1 §5.5.2):
 * xades:RevocationValues, and the xades:RevocationValues inside xadesv141:TimeStampValidationData
 * (http://uri.etsi.org/01903/v1.4.1#). In each: CRLValues/EncapsulatedCRLValue (base64 of a DER CRL) and
 * OCSPValues/EncapsulatedOCSPValue (base64 of a DER OCSPResponse; a bare BasicOCSPResponse, which some producers
 * write, is wrapped into one, pki/x509/ocsp.h sb_ocsp_carried). OtherValues are not used.
 *
 * They are unsigned properties: nothing in them is trusted, every CRL and response is judged by the revocation
 * check exactly like a fetched one (source "embedded"), and a value that cannot be decoded is skipped (it
 * decides nothing; damage to unsigned data never turns a valid signature into a format error). At most
 * SB_XADES_MAX_REV_VALUES values are read per signature (the first ones, document order), a CRL of at most
 * SB_XADES_MAX_CRL_BYTES, a response of at most SB_OCSP_MAX_RESPONSE. Everything read is owned by struct
 * sb_xades_rev (sb_xades_rev_clear); nothing global.
 */
#include "pki/xml/xmldsig_verify_local.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "pki/x509/ocsp.h"
#include "pki/xml/xml_safe.h"

void sb_xades_rev_clear(struct sb_xades_rev *rv)
{
    size_t i;

    sk_X509_CRL_pop_free(rv->own_crls, X509_CRL_free);
    sk_X509_CRL_free(rv->crls);
    for (i = 0; i < rv->n_own; i++) {
        OPENSSL_free((unsigned char *)rv->ocsps[rv->first_own + i].der);
    }
    OPENSSL_free(rv->ocsps);
    memset(rv, 0, sizeof(*rv));
}

/* Decode one Encapsulated*Value's base64 (white space allowed); NULL when it is not base64 or too big. */
static unsigned char *value_bytes(const xmlNode *el, size_t max, size_t *len)
{
    unsigned char *out = NULL;
    xmlChar *t = sb_xml_text(el);
    struct sb_err ignored;

    if (t == NULL || sb_xml_b64_decode(t, max, &out, len, "EncapsulatedValue", &ignored) != SB_OK) {
        out = NULL;
    }
    xmlFree(t);
    return out;
}

static enum sb_reason add_crl(struct sb_xades_rev *rv, const xmlNode *el)
{
    const unsigned char *q;
    unsigned char *der;
    size_t len = 0;
    X509_CRL *crl = NULL;

    if ((der = value_bytes(el, SB_XADES_MAX_CRL_BYTES, &len)) == NULL) {
        return SB_OK;
    }
    q = der;
    if (len > 0 && (crl = d2i_X509_CRL(NULL, &q, (long)len)) != NULL && q != der + len) {
        X509_CRL_free(crl);
        crl = NULL;
    }
    OPENSSL_free(der);
    ERR_clear_error();
    if (crl == NULL) {
        return SB_OK;
    }
    if ((rv->own_crls == NULL && (rv->own_crls = sk_X509_CRL_new_null()) == NULL) || !sk_X509_CRL_push(rv->own_crls, crl)) {
        X509_CRL_free(crl);
        return SB_R_INTERNAL;
    }
    return SB_OK;
}

static enum sb_reason add_ocsp(struct sb_xades_rev *rv, const xmlNode *el, struct sb_ocsp_supplied **own, size_t *cap)
{
    unsigned char *der, *ready = NULL;
    size_t len = 0, rlen = 0, off = 0;
    struct sb_ocsp_supplied *grown;
    struct sb_err e;
    enum sb_reason rc;

    if ((der = value_bytes(el, SB_OCSP_MAX_RESPONSE, &len)) == NULL) {
        return SB_OK;
    }
    rc = sb_ocsp_carried(der, len, &ready, &rlen, &off, &e);
    OPENSSL_free(der);
    if (rc != SB_OK) {
        return rc == SB_R_INTERNAL ? SB_R_INTERNAL : SB_OK;   /* neither response form: skipped */
    }
    if (rv->n_own == *cap) {
        if ((grown = OPENSSL_realloc(*own, (*cap * 2 + 4) * sizeof(**own))) == NULL) {
            OPENSSL_free(ready);
            return SB_R_INTERNAL;
        }
        *own = grown;
        *cap = *cap * 2 + 4;
    }
    (*own)[rv->n_own].der = ready;
    (*own)[rv->n_own].len = rlen;
    (*own)[rv->n_own].source = SB_REV_SRC_EMBEDDED;
    (*own)[rv->n_own].carried_off = off;
    rv->n_own++;
    return SB_OK;
}

/* The values of one xades:RevocationValues element, while fewer than the cap were read. */
static enum sb_reason read_values(struct sb_xades_rev *rv, const xmlNode *revvals, size_t *n,
                                  struct sb_ocsp_supplied **own, size_t *cap)
{
    const char *ns = SB_XMLNS_XADES;
    xmlNodePtr list, v;
    enum sb_reason rc;

    if ((list = sb_xml_child(revvals, ns, "CRLValues")) != NULL) {
        for (v = sb_xml_child(list, ns, "EncapsulatedCRLValue"); v != NULL && *n < SB_XADES_MAX_REV_VALUES;
             v = sb_xml_next(v, ns, "EncapsulatedCRLValue"), (*n)++) {
            if ((rc = add_crl(rv, v)) != SB_OK) {
                return rc;
            }
        }
    }
    if ((list = sb_xml_child(revvals, ns, "OCSPValues")) != NULL) {
        for (v = sb_xml_child(list, ns, "EncapsulatedOCSPValue"); v != NULL && *n < SB_XADES_MAX_REV_VALUES;
             v = sb_xml_next(v, ns, "EncapsulatedOCSPValue"), (*n)++) {
            if ((rc = add_ocsp(rv, v, own, cap)) != SB_OK) {
                return rc;
            }
        }
    }
    return SB_OK;
}

/* Everything the signature's unsigned signature properties carry, into rv->own_crls and *own. */
static enum sb_reason collect(struct sb_xades_rev *rv, const xmlNode *sig, struct sb_ocsp_supplied **own,
                              size_t *cap)
{
    const char *ns = SB_XMLNS_XADES;
    xmlNodePtr obj, qp, up, usp, el, inner;
    size_t n = 0;
    enum sb_reason rc;

    for (obj = sb_xml_child(sig, SB_XMLNS_DSIG, "Object"); obj != NULL; obj = sb_xml_next(obj, SB_XMLNS_DSIG, "Object")) {
        for (qp = sb_xml_child(obj, ns, "QualifyingProperties"); qp != NULL; qp = sb_xml_next(qp, ns, "QualifyingProperties")) {
            if ((up = sb_xml_child(qp, ns, "UnsignedProperties")) == NULL
                || (usp = sb_xml_child(up, ns, "UnsignedSignatureProperties")) == NULL) {
                continue;
            }
            for (el = sb_xml_first_elem(usp); el != NULL; el = sb_xml_next_elem(el)) {
                if (sb_xml_is(el, ns, "RevocationValues")) {
                    rc = read_values(rv, el, &n, own, cap);
                } else if (sb_xml_is(el, SB_XMLNS_XADES141, "TimeStampValidationData")
                           && (inner = sb_xml_child(el, ns, "RevocationValues")) != NULL) {
                    rc = read_values(rv, inner, &n, own, cap);
                } else {
                    continue;
                }
                if (rc != SB_OK) {
                    return rc;
                }
            }
        }
    }
    return SB_OK;
}

enum sb_reason sb_xades_rev_apply(const xmlNode *sig, const struct sb_path_opts *in, struct sb_path_opts *out,
                                  struct sb_xades_rev *rv, struct sb_err *err)
{
    struct sb_ocsp_supplied *own = NULL;
    size_t cap = 0, i;
    int k;
    enum sb_reason rc;

    memset(rv, 0, sizeof(*rv));
    *out = *in;
    if ((rc = collect(rv, sig, &own, &cap)) != SB_OK) {
        goto fail;
    }
    if (sk_X509_CRL_num(rv->own_crls) > 0) {
        if ((rv->crls = in->crls != NULL ? sk_X509_CRL_dup(in->crls) : sk_X509_CRL_new_null()) == NULL) {
            goto fail;
        }
        for (k = 0; k < sk_X509_CRL_num(rv->own_crls); k++) {
            if (!sk_X509_CRL_push(rv->crls, sk_X509_CRL_value(rv->own_crls, k))) {
                goto fail;
            }
        }
        out->crls = rv->crls;
    }
    if (rv->n_own > 0) {
        /* the caller's responses first (as cms_verify.c orders them), then the signature's */
        if ((rv->ocsps = OPENSSL_zalloc((in->n_ocsps + rv->n_own) * sizeof(*rv->ocsps))) == NULL) {
            goto fail;
        }
        for (i = 0; i < in->n_ocsps; i++) {
            rv->ocsps[i] = in->ocsps[i];
        }
        memcpy(rv->ocsps + in->n_ocsps, own, rv->n_own * sizeof(*own));
        rv->first_own = in->n_ocsps;
        out->ocsps = rv->ocsps;
        out->n_ocsps = in->n_ocsps + rv->n_own;
    }
    OPENSSL_free(own);
    return SB_OK;
fail:
    for (i = 0; rv->ocsps == NULL && i < rv->n_own; i++) {
        OPENSSL_free((unsigned char *)own[i].der);
    }
    if (rv->ocsps == NULL) {
        rv->n_own = 0;
    }
    OPENSSL_free(own);
    sb_xades_rev_clear(rv);
    *out = *in;
    return sb_err_set(err, SB_R_INTERNAL, "out of memory reading the XAdES revocation values");
}
