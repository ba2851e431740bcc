/*
 * pki/cms/cms_revvals.c — CAdES revocation-values in a SignerInfo's unsigned attributes (cms_local.h).
 *
 * id-aa-ets-revocationValues (1.2.840.113549.1.9.16.2.24, RFC 5126 §6.3.4, ETSI EN 319 122-1 §5.5.2), in the
 * explicitly tagged module:
 *   RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
 *                                   ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL,
 *                                   otherRevVals [2] OtherRevVals OPTIONAL }
 * CRLs join the object's CRLs; each BasicOCSPResponse is wrapped into an OCSPResponse (pki/x509/ocsp.h,
 * sb_ocsp_wrap_basic) and joins the object's RFC 5940 responses, so both are judged as embedded revocation
 * data (cms_verify.c) for every certificate of every signer's path: revocation data authenticate themselves,
 * so whose unsigned attribute carried them does not matter. otherRevVals are not used. The attribute is not
 * signed: a value that cannot be read decides nothing and is skipped, so damage to it never changes a verdict
 * beyond "no status". Counts are capped (SB_CMS_MAX_CRLS each for CRLs and OCSP responses in the object) and
 * each CRL decode is paid from the work budget like a carried CRL. Everything found is owned by the parsed
 * object (struct sb_cms_parsed); nothing global.
 */
#include "pki/cms/cms_local.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "pki/base/work_budget.h"
#include "pki/x509/cert_cache.h"
#include "pki/x509/ocsp.h"

enum sb_reason sb_cms_add_ocsp(struct sb_cms_parsed *p, unsigned char *der, size_t len, size_t carried_off,
                               int take, struct sb_err *err)
{
    struct sb_cms_ocsp *grown;
    unsigned char *copy = take ? der : OPENSSL_memdup(der, len);

    if (copy == NULL || (grown = OPENSSL_realloc(p->ocsps, (p->n_ocsps + 1) * sizeof(*grown))) == NULL) {
        OPENSSL_free(copy);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    p->ocsps = grown;
    p->ocsps[p->n_ocsps].der = copy;
    p->ocsps[p->n_ocsps].len = len;
    p->ocsps[p->n_ocsps].carried_off = carried_off;
    p->n_ocsps++;
    return SB_OK;
}

/* crlVals: each CertificateList that decodes joins p->crls. */
static enum sb_reason add_crls(struct sb_cms_parsed *p, const struct sb_der_elem *seq, size_t idx, struct sb_err *err)
{
    struct sb_der c;
    struct sb_der_elem e;
    const unsigned char *q;
    X509_CRL *crl;

    sb_der_init(&c, seq->content, seq->len, NULL);
    while (sb_der_more(&c) && sb_der_next(&c, &e, "crlVals", NULL) == SB_OK) {
        if (e.cls != SB_DER_UNIVERSAL || e.tag != V_ASN1_SEQUENCE || !e.constructed) {
            continue;
        }
        if (sk_X509_CRL_num(p->crls) >= SB_CMS_MAX_CRLS) {
            return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: revocation-values bring the object over %d CRLs",
                              idx + 1, SB_CMS_MAX_CRLS);
        }
        if (!sb_work_budget_take(p->budget, SB_CERT_DECODE_UNITS + (long)(e.der_len / 512))) {
            return sb_err_set(err, SB_R_INTERNAL, "the work budget of this run is spent");
        }
        q = e.der;
        if ((crl = d2i_X509_CRL(NULL, &q, (long)e.der_len)) == NULL || q != e.der + e.der_len) {
            X509_CRL_free(crl);
            ERR_clear_error();
            continue;
        }
        if (!sk_X509_CRL_push(p->crls, crl)) {
            X509_CRL_free(crl);
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
    }
    return SB_OK;
}

/* ocspVals: each BasicOCSPResponse, wrapped, joins p->ocsps. */
static enum sb_reason add_ocsps(struct sb_cms_parsed *p, const struct sb_der_elem *seq, size_t idx, struct sb_err *err)
{
    struct sb_der c;
    struct sb_der_elem e;
    unsigned char *wrapped;
    size_t wlen, off;
    struct sb_err ignored;

    sb_der_init(&c, seq->content, seq->len, NULL);
    while (sb_der_more(&c) && sb_der_next(&c, &e, "ocspVals", NULL) == SB_OK) {
        if (e.cls != SB_DER_UNIVERSAL || e.tag != V_ASN1_SEQUENCE || !e.constructed || e.der_len > SB_OCSP_MAX_RESPONSE) {
            continue;
        }
        if (p->n_ocsps >= SB_CMS_MAX_CRLS) {
            return sb_err_set(err, SB_R_FORMAT, "SignerInfo %zu: revocation-values bring the object over %d OCSP "
                              "responses", idx + 1, SB_CMS_MAX_CRLS);
        }
        if (sb_ocsp_wrap_basic(e.der, e.der_len, &wrapped, &wlen, &off, &ignored) != SB_OK) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        if (sb_cms_add_ocsp(p, wrapped, wlen, off, 1, err) != SB_OK) {
            return SB_R_INTERNAL;
        }
    }
    return SB_OK;
}

/* One RevocationValues value (v). */
static enum sb_reason one_value(struct sb_cms_parsed *p, const struct sb_der_elem *v, size_t idx, struct sb_err *err)
{
    struct sb_der rv, t;
    struct sb_der_elem e, inner;
    enum sb_reason rc;

    if (v->cls != SB_DER_UNIVERSAL || v->tag != V_ASN1_SEQUENCE || !v->constructed) {
        return SB_OK;
    }
    sb_der_init(&rv, v->content, v->len, NULL);
    while (sb_der_more(&rv) && sb_der_next(&rv, &e, "RevocationValues", NULL) == SB_OK) {
        if (e.cls != SB_DER_CONTEXT || !e.constructed || (e.tag != 0 && e.tag != 1)) {
            continue;                    /* otherRevVals [2], or junk */
        }
        /* [0] / [1] EXPLICIT: one SEQUENCE OF inside */
        if (sb_der_enter(&rv, &e, &t, "RevocationValues", NULL) != SB_OK
            || sb_der_expect(&t, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &inner, "RevocationValues", NULL) != SB_OK
            || sb_der_done(&t, "RevocationValues", NULL) != SB_OK) {
            continue;
        }
        if ((rc = e.tag == 0 ? add_crls(p, &inner, idx, err) : add_ocsps(p, &inner, idx, err)) != SB_OK) {
            return rc;
        }
    }
    return SB_OK;
}

enum sb_reason sb_cms_revocation_values(struct sb_cms_parsed *p, const struct sb_cms_si *si, size_t idx,
                                        struct sb_err *err)
{
    struct sb_der attrs, attr, vals;
    struct sb_der_elem a, type, set, v;
    size_t count = 0;
    enum sb_reason rc;

    if (!si->has_uattrs) {
        return SB_OK;
    }
    sb_der_init(&attrs, si->uattrs.content, si->uattrs.len, NULL);
    while (sb_der_more(&attrs) && ++count <= SB_CMS_MAX_ATTRS) {
        if (sb_der_next(&attrs, &a, "unsigned Attribute", NULL) != SB_OK) {
            return SB_OK;                /* unreadable: the rest decides nothing */
        }
        if (a.cls != SB_DER_UNIVERSAL || a.tag != V_ASN1_SEQUENCE || !a.constructed
            || sb_der_enter(&attrs, &a, &attr, "unsigned Attribute", NULL) != SB_OK
            || sb_der_expect(&attr, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &type, "attrType", NULL) != SB_OK
            || !sb_der_oid_is(&type, SB_OID_AA_REVOCATION_VALUES)
            || sb_der_expect(&attr, SB_DER_UNIVERSAL, V_ASN1_SET, 1, &set, "attrValues", NULL) != SB_OK
            || sb_der_enter(&attr, &set, &vals, "attrValues", NULL) != SB_OK) {
            continue;
        }
        while (sb_der_more(&vals) && sb_der_next(&vals, &v, "RevocationValues", NULL) == SB_OK) {
            if ((rc = one_value(p, &v, idx, err)) != SB_OK) {
                return rc;
            }
        }
    }
    return SB_OK;
}
