/*
 * pki/xml/xmldsig_verify.c — verification of each ds:Signature of a document (pki/xml/xmldsig.h).
 *
 * Per signature, once xmldsig_signedinfo.c has read it: canonicalize SignedInfo, find the candidate whose
 * key verifies SignatureValue, digest every reference, check the XAdES signing-certificate binding, then
 * the key and the certification path. Document-level checks live in xmldsig_doc.c.
 */
#include "pki/xml/xmldsig_verify_local.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "pki/x509/chain.h"
#include "pki/x509/cert_format.h"
#include "pki/base/rfc3339_time.h"
#include "pki/xml/xml_safe.h"

/* Try cand's key on the canonical SignedInfo; 1 when it verifies. */
static int try_cert(struct xsig *s, X509 *cand, const unsigned char *si, size_t si_len)
{
    EVP_PKEY *k = X509_get0_pubkey(cand);
    struct sb_err e;

    if (k == NULL || !sb_xd_key_fits(k, s->alg)) {
        ERR_clear_error();
        return 0;
    }
    return sb_xd_verify(k, s->alg, s->has_pss ? &s->pss : NULL, si, si_len, s->out->sig_value, s->out->sig_len, &e)
           == SB_OK;
}

static int try_stack(struct xsig *s, STACK_OF(X509) *st, const unsigned char *si, size_t si_len, int *tried,
                     enum sb_xmldsig_source src)
{
    int i;

    for (i = 0; i < sk_X509_num(st) && *tried < SB_XMLDSIG_MAX_CANDIDATES; i++) {
        (*tried)++;
        if (try_cert(s, sk_X509_value(st, i), si, si_len) && X509_up_ref(sk_X509_value(st, i))) {
            s->out->cert = sk_X509_value(st, i);
            s->out->source = src;
            return 1;
        }
    }
    return 0;
}

/* Canonicalize SignedInfo and find the candidate whose key verifies SignatureValue. */
static enum sb_reason check_signature_value(struct xsig *s, struct sb_err *err)
{
    const struct sb_xmldsig_verify_opts *o = s->d->o;
    struct sb_xd_nodeset set;
    struct sb_xd_sink sink;
    int tried = 0, found;
    enum sb_reason rc;

    memset(&set, 0, sizeof(set));
    memset(&sink, 0, sizeof(sink));
    set.root = s->signed_info;
    set.comments = 1;
    sink.max = SB_XD_SIGNEDINFO_MAX;
    if ((rc = sb_xd_c14n(s->d->doc, &set, s->c14n, s->c14n_prefixes, &sink, "ds:SignedInfo", err)) != SB_OK) {
        goto out;
    }
    if (o->signers != NULL) {
        found = try_stack(s, o->signers, sink.buf, sink.len, &tried, SB_XMLDSIG_SRC_SUPPLIED);
    } else {
        found = try_stack(s, s->keyinfo_certs, sink.buf, sink.len, &tried, SB_XMLDSIG_SRC_KEYINFO)
                || (!o->keyinfo_trusted && try_stack(s, o->untrusted, sink.buf, sink.len, &tried, SB_XMLDSIG_SRC_SUPPLIED))
                || (!o->keyinfo_trusted && try_stack(s, o->anchors, sink.buf, sink.len, &tried, SB_XMLDSIG_SRC_SUPPLIED));
    }
    if (found) {
        rc = SB_OK;
    } else if (tried == 0) {
        rc = sb_err_set(err, o->signers != NULL ? SB_R_SIG_CRYPTO : SB_R_NO_SIGNING_CERTIFICATE_FOUND, "%s",
                        o->signers != NULL ? "no signer certificate was given to check the signature against"
                                           : "no certificate to verify the signature: ds:KeyInfo carries no "
                                             "X509Certificate and none was supplied");
    } else if (o->signers != NULL) {
        rc = sb_err_set(err, SB_R_SIG_CRYPTO, "SignatureValue (%s) does not verify under any of the %d expected signer "
                        "certificate(s)", s->alg->uri, tried);
    } else if (sk_X509_num(s->keyinfo_certs) == 0) {
        rc = sb_err_set(err, SB_R_NO_SIGNING_CERTIFICATE_FOUND, "signer certificate not found: ds:KeyInfo carries no "
                        "X509Certificate and the key of none of the %d supplied certificate(s) verifies the signature",
                        tried);
    } else {
        rc = sb_err_set(err, SB_R_SIG_CRYPTO, "SignatureValue (%s) does not verify under any of the %d candidate "
                        "certificate(s)", s->alg->uri, tried);
    }
out:
    OPENSSL_free(sink.buf);
    return rc;
}

/* Digest every reference; HASH_MISMATCH names the first that differs. */
static enum sb_reason check_digests(struct xsig *s, struct sb_err *err)
{
    struct sb_xd_sink sink;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char what[800];
    enum sb_reason rc, first = SB_OK;
    struct sb_err e;
    size_t i;

    for (i = 0; i < s->n_refs; i++) {
        struct xref *r = &s->refs[i];

        memset(&sink, 0, sizeof(sink));
        snprintf(what, sizeof(what), "reference %zu (URI \"%.200s\", %s)", i + 1, s->out->refs[i].uri,
                 s->out->refs[i].element);
        if ((sink.md = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex2(sink.md, EVP_get_digestbyname(r->dg->md), NULL)) {
            EVP_MD_CTX_free(sink.md);
            return sb_err_openssl(err, SB_R_INTERNAL, "%s: cannot start %s", what, r->dg->md);
        }
        if (s->d->c14n_bytes > SB_XMLDSIG_MAX_C14N_BYTES) {
            EVP_MD_CTX_free(sink.md);
            return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "%s: more than %u canonical bytes digested in the document",
                              what, SB_XMLDSIG_MAX_C14N_BYTES);
        }
        sink.max = SB_XMLDSIG_MAX_C14N_BYTES - s->d->c14n_bytes;
        rc = sb_xd_c14n(s->d->doc, &r->set, r->c14n, r->prefixes, &sink, what, &e);
        s->d->c14n_bytes += sink.len;
        if (rc == SB_OK && !EVP_DigestFinal_ex(sink.md, md, &mdlen)) {
            rc = sb_err_openssl(&e, SB_R_INTERNAL, "%s: digest failed", what);
        }
        EVP_MD_CTX_free(sink.md);
        if (rc == SB_OK && (mdlen != r->dv_len || CRYPTO_memcmp(md, r->dv, mdlen) != 0)) {
            rc = sb_err_set(&e, SB_R_HASH_MISMATCH, "%s: digest does not match (content changed after signing)", what);
        }
        if (rc == SB_OK) {
            s->out->refs[i].digest_ok = 1;
        } else if (first == SB_OK) {
            first = rc;
            if (err != NULL) {
                *err = e;
            }
        }
    }
    return first;
}

/* 1 if reference r's node-set contains el. */
static int ref_covers(const struct xref *r, const xmlNode *el)
{
    const xmlNode *n;
    int in = r->set.root == NULL;

    for (n = el; n != NULL; n = n->parent) {
        if (n == r->set.exclude) {
            return 0;
        }
        if (n == r->set.root) {
            in = 1;
        }
    }
    return in;
}

/* XAdES: the signed SigningCertificate(V2) must name the signer (or a KeyInfo certificate with the same
 * key); a signed SigningTime is reported as claimed. */
static enum sb_reason check_xades(struct xsig *s, struct sb_err *err)
{
    xmlNodePtr obj, qp = NULL, sp = NULL, ssp, sc, cert, cd, dm;
    const struct sb_xd_digest *dg;
    unsigned char md[EVP_MAX_MD_SIZE], *want = NULL;
    unsigned int mdlen;
    size_t want_len, i;
    char alg[256];
    xmlChar *t;
    time_t when;
    int j, covered = 0, match = 0, any = 0;
    enum sb_reason rc = SB_OK;
    const char *ns = SB_XMLNS_XADES;

    for (obj = sb_xml_child(s->sig, SB_XMLNS_DSIG, "Object"); obj != NULL && qp == NULL;
         obj = sb_xml_next(obj, SB_XMLNS_DSIG, "Object")) {
        qp = sb_xml_child(obj, ns, "QualifyingProperties");
    }
    if (qp == NULL || (sp = sb_xml_child(qp, ns, "SignedProperties")) == NULL) {
        return SB_OK;
    }
    for (i = 0; i < s->n_refs; i++) {
        covered |= ref_covers(&s->refs[i], sp);
    }
    if (!covered) {
        return SB_OK; /* unsigned properties: neither trusted nor reported */
    }
    if ((ssp = sb_xml_child(sp, ns, "SignedSignatureProperties")) == NULL) {
        return SB_OK;
    }
    if ((sc = sb_xml_child(ssp, ns, "SigningTime")) != NULL) {
        t = sb_xml_text(sc);
        if (sb_xml_datetime((const char *)t, &when)) {
            sb_time_format(when, s->out->signing_time, sizeof(s->out->signing_time));
        }
        xmlFree(t);
    }
    if ((sc = sb_xml_child(ssp, ns, "SigningCertificate")) == NULL && (sc = sb_xml_child(ssp, ns, "SigningCertificateV2")) == NULL) {
        return SB_OK;
    }
    for (cert = sb_xml_child(sc, ns, "Cert"); cert != NULL && !match && rc == SB_OK; cert = sb_xml_next(cert, ns, "Cert")) {
        if ((cd = sb_xml_child(cert, ns, "CertDigest")) == NULL || (dm = sb_xml_child(cd, SB_XMLNS_DSIG, "DigestMethod")) == NULL
            || sb_xdv_algorithm(dm, alg, sizeof(alg), err) != SB_OK || (dg = sb_xd_digest_by_uri(alg)) == NULL) {
            continue; /* a digest we cannot compute does not decide */
        }
        any = 1;
        t = sb_xml_text(sb_xml_child(cd, SB_XMLNS_DSIG, "DigestValue"));
        rc = sb_xml_b64_decode(t, 64, &want, &want_len, "xades:CertDigest", err);
        xmlFree(t);
        if (rc != SB_OK) {
            break;
        }
        if (X509_digest(s->out->cert, EVP_get_digestbyname(dg->md), md, &mdlen) && mdlen == want_len
            && memcmp(md, want, mdlen) == 0) {
            match = 1;
        }
        for (j = 0; !match && j < sk_X509_num(s->keyinfo_certs); j++) {
            X509 *k = sk_X509_value(s->keyinfo_certs, j);

            if (EVP_PKEY_eq(X509_get0_pubkey(k), X509_get0_pubkey(s->out->cert)) == 1
                && X509_digest(k, EVP_get_digestbyname(dg->md), md, &mdlen) && mdlen == want_len
                && memcmp(md, want, mdlen) == 0) {
                match = 1;
            }
        }
        OPENSSL_free(want);
        want = NULL;
    }
    ERR_clear_error();
    if (rc == SB_OK && any && !match) {
        rc = sb_err_set(err, SB_R_FORMAT, "xades:%s does not identify the certificate whose key verifies the "
                        "signature (%s)", (const char *)sc->name, s->out->subject);
    }
    return rc;
}

/* Key strength, path and key usage of the signer. */
static enum sb_reason check_path(struct xsig *s, struct sb_err *err)
{
    const struct sb_xmldsig_verify_opts *o = s->d->o;
    struct sb_chain_result cres;
    struct sb_path_opts po;
    struct sb_xades_rev rv;
    STACK_OF(X509) *untrusted = NULL;
    STACK_OF(X509) *anchors = NULL;
    uint32_t ku;
    int i;
    enum sb_reason rc;

    memset(&cres, 0, sizeof(cres));
    memset(&rv, 0, sizeof(rv));
    po = *o->path;
    if ((rc = sb_sig_check_key(X509_get0_pubkey(s->out->cert), &o->path->algs, err)) != SB_OK) {
        return rc;
    }
    if (o->signers != NULL || (o->keyinfo_trusted && s->out->source == SB_XMLDSIG_SRC_KEYINFO)) {
        return SB_OK; /* fixed list signer: the key itself is what is trusted */
    }
    if ((untrusted = sk_X509_new_null()) == NULL || (anchors = sk_X509_new_null()) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        goto out;
    }
    for (i = 0; i < sk_X509_num(o->untrusted); i++) {
        if (!sk_X509_push(untrusted, sk_X509_value(o->untrusted, i))) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            goto out;
        }
    }
    for (i = 0; i < sk_X509_num(s->keyinfo_certs); i++) {
        if (!sk_X509_push(untrusted, sk_X509_value(s->keyinfo_certs, i))) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            goto out;
        }
    }
    /* the signature's own XAdES revocation values, as embedded data, unless the caller leaves them out */
    if (!o->no_embedded_revocation && o->path->revocation != SB_REV_OFF
        && (rc = sb_xades_rev_apply(s->sig, o->path, &po, &rv, err)) != SB_OK) {
        goto out;
    }
    rc = sb_chain_validate(&po, s->out->cert, o->anchors != NULL ? o->anchors : anchors, untrusted, &cres, err);
    s->out->chain = cres.chain;
    cres.chain = NULL;
    s->out->revocation = cres.revocation;
    s->out->n_revocation = cres.n_revocation;
    cres.revocation = NULL;
    cres.n_revocation = 0;
    if (rc == SB_OK) {
        ku = X509_get_key_usage(s->out->cert);
        if ((ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
            rc = sb_err_set(err, SB_R_KEY_USAGE, "signer certificate %s: keyUsage allows neither digitalSignature nor "
                            "nonRepudiation", s->out->subject);
        }
    }
out:
    sb_chain_result_clear(&cres);
    sb_xades_rev_clear(&rv);
    sk_X509_free(untrusted);
    sk_X509_free(anchors);
    return rc;
}

/* Verify one ds:Signature into out; returns out->reason. */
static enum sb_reason verify_one(struct sb_xdv_doc *d, xmlNodePtr sig, struct sb_xmldsig_signer *out)
{
    struct xsig s;
    struct sb_err e, xe;
    enum sb_reason rc, xrc;
    size_t i;

    memset(&s, 0, sizeof(s));
    sb_err_clear(&e);
    sb_err_clear(&xe);
    s.d = d;
    s.sig = sig;
    s.out = out;
    sb_xml_path(sig, out->location, sizeof(out->location));
    if ((out->refs = OPENSSL_zalloc(sizeof(*out->refs) * SB_XMLDSIG_MAX_REFERENCES)) == NULL) {
        rc = sb_err_set(&e, SB_R_INTERNAL, "out of memory");
        goto out;
    }
    if ((rc = sb_xdv_parse_signature(&s, &e)) != SB_OK || (rc = sb_xdv_read_value_and_certs(&s, &e)) != SB_OK
        || (rc = check_signature_value(&s, &e)) != SB_OK) {
        goto out;
    }
    sb_certfmt_name(X509_get_subject_name(out->cert), out->subject, sizeof(out->subject));
    sb_certfmt_name(X509_get_issuer_name(out->cert), out->issuer, sizeof(out->issuer));
    sb_certfmt_serial(out->cert, out->serial, sizeof(out->serial));
    if ((rc = check_digests(&s, &e)) == SB_OK) {
        for (i = 0; i < s.n_refs && d->n_cover < SB_XDV_MAX_COVER; i++) {
            d->cover[d->n_cover++] = s.refs[i].set;
        }
        rc = check_xades(&s, &e);
    }
    /* the path is reported even when the content check failed; the worse outcome wins, content first */
    xrc = check_path(&s, &xe);
    if (rc != SB_OK && sb_reason_severity(rc) >= sb_reason_severity(xrc)) {
        goto out;
    }
    if (xrc != SB_OK) {
        rc = xrc;
        e = xe;
        goto out;
    }
    sb_err_set(&e, SB_OK, "signature, references and %s valid",
               d->o->signers != NULL || (d->o->keyinfo_trusted && out->source == SB_XMLDSIG_SRC_KEYINFO)
                   ? "signer key" : "certification path");
out:
    out->keyinfo_certs = s.keyinfo_certs;
    s.keyinfo_certs = NULL;
    sb_xdv_sig_free(&s);
    out->reason = rc;
    snprintf(out->message, sizeof(out->message), "%s", e.msg);
    return rc;
}

void sb_xmldsig_result_clear(struct sb_xmldsig_result *r)
{
    size_t i;

    for (i = 0; r->signers != NULL && i < r->n_signers; i++) {
        X509_free(r->signers[i].cert);
        sk_X509_pop_free(r->signers[i].chain, X509_free);
        OPENSSL_free(r->signers[i].revocation);
        sk_X509_pop_free(r->signers[i].keyinfo_certs, X509_free);
        OPENSSL_free(r->signers[i].sig_value);
        OPENSSL_free(r->signers[i].refs);
    }
    OPENSSL_free(r->signers);
    OPENSSL_free(r->unsigned_content);
    memset(r, 0, sizeof(*r));
}

/* 1 when every reference of every signature was digested and matched (coverage is then meaningful). */
static int all_digested(const struct sb_xmldsig_result *res)
{
    size_t i, k;

    for (i = 0; i < res->n_signers; i++) {
        if (res->signers[i].n_refs == 0) {
            return 0;
        }
        for (k = 0; k < res->signers[i].n_refs; k++) {
            if (!res->signers[i].refs[k].digest_ok) {
                return 0;
            }
        }
    }
    return 1;
}

enum sb_reason sb_xmldsig_verify_doc(xmlDocPtr doc, const struct sb_xmldsig_verify_opts *o,
                                     struct sb_xmldsig_result *res, struct sb_err *err)
{
    struct sb_xdv_doc *d = NULL;
    struct sb_err e;
    enum sb_reason rc;
    size_t i;

    memset(res, 0, sizeof(*res));
    sb_err_clear(&e);
    if (o == NULL || o->path == NULL || doc == NULL) {
        rc = sb_err_set(&e, SB_R_USAGE, "sb_xmldsig_verify: no options or document");
        goto out;
    }
    if ((d = OPENSSL_zalloc(sizeof(*d))) == NULL) {
        rc = sb_err_set(&e, SB_R_INTERNAL, "out of memory");
        goto out;
    }
    d->doc = doc;
    d->o = o;
    if ((rc = sb_xdv_index_ids(d, &e)) != SB_OK || (rc = sb_xdv_find_signatures(d, &e)) != SB_OK) {
        goto out;
    }
    if ((res->signers = OPENSSL_zalloc(sizeof(*res->signers) * d->n_sigs)) == NULL) {
        rc = sb_err_set(&e, SB_R_INTERNAL, "out of memory");
        goto out;
    }
    res->n_signers = d->n_sigs;
    rc = SB_OK;
    for (i = 0; i < d->n_sigs; i++) {
        if (verify_one(d, d->sigs[i], &res->signers[i]) != SB_OK
            && (rc == SB_OK || sb_reason_severity(res->signers[i].reason) > sb_reason_severity(rc))) {
            rc = res->signers[i].reason;
            res->worst = i;
        }
    }
    if (rc != SB_OK) {
        sb_err_set(&e, rc, "%s%s", res->n_signers > 1 ? "a signature failed: " : "", res->signers[res->worst].message);
    } else {
        sb_err_set(&e, SB_OK, "%s", res->signers[0].message);
    }
    if (sb_reason_severity(rc) < sb_reason_severity(SB_R_FORMAT) && all_digested(res)) {
        struct sb_err ue;

        if (sb_xdv_list_unsigned(d, res, !o->allow_unsigned_content, &ue) != SB_OK) {
            rc = ue.reason;
            e = ue;
        } else if (rc == SB_OK && res->n_unsigned > 0) {
            struct sb_err pe = e;

            sb_err_set(&e, SB_OK, "%.200s; unsigned content: %zu item(s) outside every reference, the first %.200s",
                       pe.msg, res->n_unsigned + res->n_unsigned_omitted, res->unsigned_content[0].location);
        }
    }
out:
    if (d != NULL) {
        xmlHashFree(d->ids, NULL);
        OPENSSL_free(d);
    }
    res->reason = rc;
    snprintf(res->message, sizeof(res->message), "%s", e.msg);
    if (err != NULL) {
        *err = e;
        err->reason = rc;
    }
    return rc;
}

enum sb_reason sb_xmldsig_verify(const unsigned char *in, size_t len, const struct sb_xmldsig_verify_opts *o,
                                 struct sb_xmldsig_result *res, struct sb_err *err)
{
    xmlDocPtr doc = NULL;
    enum sb_reason rc;
    struct sb_err e;

    memset(res, 0, sizeof(*res));
    if ((rc = sb_xml_parse(in, len, "XML document", &doc, &e)) != SB_OK) {
        res->reason = rc;
        snprintf(res->message, sizeof(res->message), "%s", e.msg);
        if (err != NULL) {
            *err = e;
        }
        return rc;
    }
    rc = sb_xmldsig_verify_doc(doc, o, res, err);
    xmlFreeDoc(doc);
    return rc;
}
