/*
 * pki/xml/xmldsig_signedinfo.c — reading one ds:Signature strictly, before anything is verified.
 *
 * SignedInfo (CanonicalizationMethod, SignatureMethod with its RSA-PSS parameters, Reference+ with URI,
 * transforms, DigestMethod and DigestValue), SignatureValue and the KeyInfo certificates, against the
 * algorithm allow-list of the options. Verification is xmldsig_verify.c.
 */
#include "pki/xml/xmldsig_verify_local.h"

#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "pki/xml/xml_safe.h"

#define SIGVALUE_MAX 4096
#define CERT_MAX     (64u * 1024u)

void sb_xdv_sig_free(struct xsig *s)
{
    size_t i;

    for (i = 0; i < s->n_refs; i++) {
        sb_xd_prefixes_free(s->refs[i].prefixes);
        OPENSSL_free(s->refs[i].dv);
    }
    sb_xd_prefixes_free(s->c14n_prefixes);
    sk_X509_pop_free(s->keyinfo_certs, X509_free);
}

/* Algorithm attribute of el as a C string in buf; FORMAT when absent. */
enum sb_reason sb_xdv_algorithm(const xmlNode *el, char *buf, size_t len, struct sb_err *err)
{
    xmlChar *a = sb_xml_attr(el, "Algorithm");
    enum sb_reason rc = SB_OK;

    if (a == NULL) {
        rc = sb_err_set(err, SB_R_FORMAT, "ds:%s without Algorithm attribute", (const char *)el->name);
    } else if ((size_t)xmlStrlen(a) >= len) {
        rc = sb_err_set(err, SB_R_FORMAT, "ds:%s Algorithm URI too long", (const char *)el->name);
    } else {
        snprintf(buf, len, "%s", (const char *)a);
    }
    xmlFree(a);
    return rc;
}

/* InclusiveNamespaces PrefixList below an exclusive C14N method / transform element. */
static enum sb_reason inclusive_ns(const xmlNode *el, const struct sb_xd_c14n *c, xmlChar ***out, struct sb_err *err)
{
    xmlNodePtr in = sb_xml_child(el, SB_XD_NS_EXC, "InclusiveNamespaces");
    xmlChar *list;
    enum sb_reason rc;

    *out = NULL;
    if (in == NULL || c->mode != XML_C14N_EXCLUSIVE_1_0) {
        return SB_OK;
    }
    list = sb_xml_attr(in, "PrefixList");
    rc = sb_xd_prefixes(list, out, err);
    xmlFree(list);
    return rc;
}

/* Digest name for a digest URI, with the refusals. */
static enum sb_reason digest_alg(const char *uri, const char *what, const struct sb_xd_digest **out, struct sb_err *err)
{
    *out = sb_xd_digest_by_uri(uri);
    if (*out == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "%s: DigestMethod %.200s is not supported", what, uri);
    }
    if ((*out)->weak) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "%s: DigestMethod %.200s (SHA-1) is not allowed", what, uri);
    }
    return SB_OK;
}

/* Transforms of one reference: [enveloped-signature] then at most one C14N, which must come last. */
static enum sb_reason parse_transforms(struct xsig *s, struct xref *r, xmlNodePtr transforms, const char *what,
                                       struct sb_err *err)
{
    xmlNodePtr t;
    const struct sb_xd_c14n *c;
    char uri[256];
    size_t n = 0;
    int enveloped = 0;
    enum sb_reason rc;

    r->c14n = sb_xd_c14n_by_uri(SB_XMLDSIG_C14N10); /* node-set to octets by default */
    for (t = sb_xml_first_elem(transforms); t != NULL; t = sb_xml_next_elem(t)) {
        if (!sb_xml_is(t, SB_XMLNS_DSIG, "Transform")) {
            return sb_err_set(err, SB_R_FORMAT, "%s: unexpected element <%s> in ds:Transforms", what,
                              (const char *)t->name);
        }
        if (++n > SB_XMLDSIG_MAX_TRANSFORMS) {
            return sb_err_set(err, SB_R_FORMAT, "%s: more than %d transforms", what, SB_XMLDSIG_MAX_TRANSFORMS);
        }
        if ((rc = sb_xdv_algorithm(t, uri, sizeof(uri), err)) != SB_OK) {
            return rc;
        }
        if (strcmp(uri, SB_XMLDSIG_ENVELOPED) == 0) {
            if (enveloped) {
                return sb_err_set(err, SB_R_FORMAT, "%s: enveloped-signature transform given twice", what);
            }
            enveloped = 1;
            r->set.exclude = s->sig;
            continue;
        }
        if ((c = sb_xd_c14n_by_uri(uri)) != NULL) {
            if (sb_xml_next_elem(t) != NULL) {
                return sb_err_set(err, SB_R_FORMAT, "%s: canonicalization %s is not the last transform", what, c->name);
            }
            r->c14n = c;
            if ((rc = inclusive_ns(t, c, &r->prefixes, err)) != SB_OK) {
                return rc;
            }
            continue;
        }
        return sb_err_set(err, SB_R_FORMAT, "%s: transform %.200s is not supported (only enveloped-signature and "
                          "the C14N 1.0 / 1.1 / exclusive canonicalizations)", what, uri);
    }
    return SB_OK;
}

static enum sb_reason parse_reference(struct xsig *s, struct xref *r, xmlNodePtr el, size_t idx, struct sb_err *err)
{
    struct sb_xmldsig_ref *out = &s->out->refs[idx];
    xmlNodePtr c = sb_xml_first_elem(el);
    xmlChar *uri = sb_xml_attr(el, "URI"), *type = sb_xml_attr(el, "Type"), *dv = NULL;
    char what[320], alg[256];
    enum sb_reason rc;

    r->el = el;
    snprintf(out->uri, sizeof(out->uri), "%s", uri != NULL ? (const char *)uri : "");
    snprintf(out->type, sizeof(out->type), "%s", type != NULL ? (const char *)type : "");
    snprintf(what, sizeof(what), "reference %zu (URI \"%.200s\")", idx + 1, out->uri);
    if ((rc = sb_xdv_resolve(s->d, (const char *)uri, &r->set, &r->target, err)) != SB_OK) {
        goto out;
    }
    sb_xml_path(r->target, out->element, sizeof(out->element));
    r->c14n = sb_xd_c14n_by_uri(SB_XMLDSIG_C14N10);
    if (sb_xml_is(c, SB_XMLNS_DSIG, "Transforms")) {
        if ((rc = parse_transforms(s, r, c, what, err)) != SB_OK) {
            goto out;
        }
        c = sb_xml_next_elem(c);
    }
    if (!sb_xml_is(c, SB_XMLNS_DSIG, "DigestMethod") || !sb_xml_is(sb_xml_next_elem(c), SB_XMLNS_DSIG, "DigestValue")
        || sb_xml_next_elem(sb_xml_next_elem(c)) != NULL) {
        rc = sb_err_set(err, SB_R_FORMAT, "%s: expected [Transforms] DigestMethod DigestValue", what);
        goto out;
    }
    if ((rc = sb_xdv_algorithm(c, alg, sizeof(alg), err)) != SB_OK || (rc = digest_alg(alg, what, &r->dg, err)) != SB_OK) {
        goto out;
    }
    dv = sb_xml_text(sb_xml_next_elem(c));
    if ((rc = sb_xml_b64_decode(dv, 64, &r->dv, &r->dv_len, "DigestValue", err)) != SB_OK) {
        goto out;
    }
    if (r->dv_len != r->dg->len) {
        rc = sb_err_set(err, SB_R_FORMAT, "%s: DigestValue has %zu bytes, %s gives %zu", what, r->dv_len, r->dg->md,
                        r->dg->len);
        goto out;
    }
    rc = SB_OK;
out:
    xmlFree(uri);
    xmlFree(type);
    xmlFree(dv);
    return rc;
}

/* RFC 9231 RSAPSSParams: DigestMethod (default SHA-256), MGF (default MGF1 with that digest),
 * SaltLength (default the digest's length), TrailerField (must be 1). */
static enum sb_reason parse_pss(struct xsig *s, xmlNodePtr method, struct sb_err *err)
{
    xmlNodePtr p = sb_xml_child(method, SB_XMLNS_DSIGMORE, "RSAPSSParams"), c, m;
    const struct sb_xd_digest *dg = sb_xd_digest_by_uri(SB_XMLDSIG_SHA256), *mg = NULL;
    char alg[256];
    xmlChar *t;
    long v;
    enum sb_reason rc;

    s->has_pss = 1;
    s->pss.saltlen = -1;
    if (p != NULL && (c = sb_xml_child(p, SB_XMLNS_DSIG, "DigestMethod")) != NULL) {
        if ((rc = sb_xdv_algorithm(c, alg, sizeof(alg), err)) != SB_OK || (rc = digest_alg(alg, "RSAPSSParams", &dg, err)) != SB_OK) {
            return rc;
        }
    }
    if (p != NULL && (m = sb_xml_child(p, SB_XMLNS_DSIGMORE, "MaskGenerationFunction")) != NULL) {
        if ((rc = sb_xdv_algorithm(m, alg, sizeof(alg), err)) != SB_OK) {
            return rc;
        }
        if (strcmp(alg, "http://www.w3.org/2007/05/xmldsig-more#MGF1") != 0) {
            return sb_err_set(err, SB_R_FORMAT, "RSAPSSParams: mask generation function %.200s is not supported", alg);
        }
        if ((c = sb_xml_child(m, SB_XMLNS_DSIG, "DigestMethod")) != NULL
            && ((rc = sb_xdv_algorithm(c, alg, sizeof(alg), err)) != SB_OK
                || (rc = digest_alg(alg, "RSAPSSParams MGF1", &mg, err)) != SB_OK)) {
            return rc;
        }
    }
    s->pss.md = dg->md;
    s->pss.mgf_md = mg != NULL ? mg->md : dg->md;
    s->pss.saltlen = (int)dg->len;
    if (p != NULL && (c = sb_xml_child(p, SB_XMLNS_DSIGMORE, "SaltLength")) != NULL) {
        t = sb_xml_text(c);
        v = strtol((const char *)t, NULL, 10);
        xmlFree(t);
        if (v < 0 || v > 1024) {
            return sb_err_set(err, SB_R_FORMAT, "RSAPSSParams: bad SaltLength");
        }
        s->pss.saltlen = (int)v;
    }
    if (p != NULL && (c = sb_xml_child(p, SB_XMLNS_DSIGMORE, "TrailerField")) != NULL) {
        t = sb_xml_text(c);
        v = strtol((const char *)t, NULL, 10);
        xmlFree(t);
        if (v != 1) {
            return sb_err_set(err, SB_R_FORMAT, "RSAPSSParams: TrailerField must be 1");
        }
    }
    return SB_OK;
}

/* SignedInfo, SignatureValue and KeyInfo structure, algorithms and references. */
enum sb_reason sb_xdv_parse_signature(struct xsig *s, struct sb_err *err)
{
    xmlNodePtr c, m;
    char uri[256];
    size_t i;
    enum sb_reason rc;

    s->signed_info = sb_xml_first_elem(s->sig);
    s->sigvalue_el = sb_xml_next_elem(s->signed_info);
    if (!sb_xml_is(s->signed_info, SB_XMLNS_DSIG, "SignedInfo") || !sb_xml_is(s->sigvalue_el, SB_XMLNS_DSIG, "SignatureValue")) {
        return sb_err_set(err, SB_R_FORMAT, "ds:Signature must start with ds:SignedInfo and ds:SignatureValue");
    }
    if (sb_xml_is(sb_xml_next_elem(s->sigvalue_el), SB_XMLNS_DSIG, "KeyInfo")) {
        s->keyinfo = sb_xml_next_elem(s->sigvalue_el);
    }
    c = sb_xml_first_elem(s->signed_info);
    if (!sb_xml_is(c, SB_XMLNS_DSIG, "CanonicalizationMethod")) {
        return sb_err_set(err, SB_R_FORMAT, "ds:SignedInfo must start with ds:CanonicalizationMethod");
    }
    if ((rc = sb_xdv_algorithm(c, uri, sizeof(uri), err)) != SB_OK) {
        return rc;
    }
    if ((s->c14n = sb_xd_c14n_by_uri(uri)) == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "CanonicalizationMethod %.200s is not supported", uri);
    }
    if ((rc = inclusive_ns(c, s->c14n, &s->c14n_prefixes, err)) != SB_OK) {
        return rc;
    }
    m = sb_xml_next_elem(c);
    if (!sb_xml_is(m, SB_XMLNS_DSIG, "SignatureMethod")) {
        return sb_err_set(err, SB_R_FORMAT, "ds:SignatureMethod missing after ds:CanonicalizationMethod");
    }
    if ((rc = sb_xdv_algorithm(m, uri, sizeof(uri), err)) != SB_OK) {
        return rc;
    }
    snprintf(s->out->sig_method, sizeof(s->out->sig_method), "%.127s", uri);
    if (sb_xd_is_hmac(uri)) {
        return sb_err_set(err, SB_R_FORMAT, "SignatureMethod %.200s (HMAC) is refused: only public-key signatures", uri);
    }
    if ((s->alg = sb_xd_sigalg_by_uri(uri)) == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "SignatureMethod %.200s is not supported", uri);
    }
    if (s->alg->weak) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "SignatureMethod %.200s (SHA-1) is not allowed", uri);
    }
    if (s->alg->params && (rc = parse_pss(s, m, err)) != SB_OK) {
        return rc;
    }
    for (c = sb_xml_next_elem(m); c != NULL; c = sb_xml_next_elem(c)) {
        if (!sb_xml_is(c, SB_XMLNS_DSIG, "Reference")) {
            return sb_err_set(err, SB_R_FORMAT, "unexpected element <%s> in ds:SignedInfo", (const char *)c->name);
        }
        if (s->n_refs == SB_XMLDSIG_MAX_REFERENCES) {
            return sb_err_set(err, SB_R_FORMAT, "more than %d references in one ds:SignedInfo", SB_XMLDSIG_MAX_REFERENCES);
        }
        if (++s->d->n_refs > SB_XMLDSIG_MAX_DOC_REFERENCES) {
            return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "more than %d references in the document",
                              SB_XMLDSIG_MAX_DOC_REFERENCES);
        }
        s->n_refs++;
        s->out->n_refs = s->n_refs;
        if ((rc = parse_reference(s, &s->refs[s->n_refs - 1], c, s->n_refs - 1, err)) != SB_OK) {
            return rc;
        }
    }
    if (s->n_refs == 0) {
        return sb_err_set(err, SB_R_FORMAT, "ds:SignedInfo has no ds:Reference");
    }
    for (i = 0; i < s->n_refs; i++) {
        if (s->refs[i].target == s->signed_info || sb_xml_is(s->refs[i].target, SB_XMLNS_DSIG, "SignatureValue")) {
            return sb_err_set(err, SB_R_FORMAT, "reference %zu points at the signature's own SignedInfo or value", i + 1);
        }
    }
    return SB_OK;
}

/* SignatureValue and the KeyInfo certificates. */
enum sb_reason sb_xdv_read_value_and_certs(struct xsig *s, struct sb_err *err)
{
    xmlNodePtr xd, xc;
    xmlChar *t;
    unsigned char *der = NULL;
    const unsigned char *p;
    size_t der_len = 0;
    X509 *x;
    enum sb_reason rc;

    t = sb_xml_text(s->sigvalue_el);
    rc = sb_xml_b64_decode(t, SIGVALUE_MAX, &s->out->sig_value, &s->out->sig_len, "SignatureValue", err);
    xmlFree(t);
    if (rc != SB_OK) {
        return rc;
    }
    if ((s->keyinfo_certs = sk_X509_new_null()) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    for (xd = sb_xml_child(s->keyinfo, SB_XMLNS_DSIG, "X509Data"); xd != NULL; xd = sb_xml_next(xd, SB_XMLNS_DSIG, "X509Data")) {
        for (xc = sb_xml_child(xd, SB_XMLNS_DSIG, "X509Certificate"); xc != NULL;
             xc = sb_xml_next(xc, SB_XMLNS_DSIG, "X509Certificate")) {
            if (sk_X509_num(s->keyinfo_certs) >= SB_XMLDSIG_MAX_CERTS) {
                return sb_err_set(err, SB_R_FORMAT, "more than %d certificates in ds:KeyInfo", SB_XMLDSIG_MAX_CERTS);
            }
            t = sb_xml_text(xc);
            rc = sb_xml_b64_decode(t, CERT_MAX, &der, &der_len, "X509Certificate", err);
            xmlFree(t);
            if (rc != SB_OK) {
                return rc;
            }
            p = der;
            x = d2i_X509(NULL, &p, (long)der_len);
            if (x == NULL || p != der + der_len) {
                X509_free(x);
                OPENSSL_free(der);
                return sb_err_openssl(err, SB_R_FORMAT, "ds:X509Certificate %d is not one DER certificate",
                                      sk_X509_num(s->keyinfo_certs) + 1);
            }
            OPENSSL_free(der);
            der = NULL;
            if (!sk_X509_push(s->keyinfo_certs, x)) {
                X509_free(x);
                return sb_err_set(err, SB_R_INTERNAL, "out of memory");
            }
        }
    }
    return SB_OK;
}
