/*
 * pki/xml/xmldsig_sign.c — enveloped XML-DSig signing (pki/xml/xmldsig.h).
 *
 * The ds:Signature is built in the parsed tree (appended to the document element), the reference is
 * digested over the same node-set verification will use (the document or the #id subtree, minus the
 * new signature), SignedInfo is canonicalized and signed, and the tree is serialized without
 * re-indentation so the signed bytes survive the round trip.
 */
#include "pki/xml/xmldsig_verify_local.h"

#include <stdio.h>
#include <string.h>

#include <libxml/xmlsave.h>
#include <openssl/err.h>

#include "pki/xml/xml_safe.h"

#define DS (const xmlChar *)

struct sign_ctx {
    const struct sb_xd_sigalg *alg;
    const struct sb_xd_c14n *c14n;
    const struct sb_xd_digest *dg;
    xmlChar **prefixes;            /* owned */
};

/* Choose and check the algorithms. */
static enum sb_reason choose(EVP_PKEY *key, X509 *cert, const struct sb_xmldsig_sign_opts *o, struct sign_ctx *c,
                             struct sb_err *err)
{
    const char *sm = o->sig_method;
    int bits = EVP_PKEY_get_bits(key);

    if (cert == NULL || EVP_PKEY_eq(X509_get0_pubkey(cert), key) != 1) {
        ERR_clear_error();
        return sb_err_set(err, SB_R_USAGE, "the private key does not belong to the signer certificate");
    }
    if (sm == NULL) {
        if (EVP_PKEY_is_a(key, "RSA")) {
            sm = SB_XMLDSIG_RSA_SHA256;
        } else if (EVP_PKEY_is_a(key, "RSA-PSS")) {
            sm = SB_XMLDSIG_RSA_PSS_SHA256; /* a key restricted to PSS (RFC 4055 SPKI) */
        } else if (EVP_PKEY_is_a(key, "EC")) {
            sm = bits > 384 ? SB_XMLDSIG_ECDSA_SHA512 : (bits > 256 ? SB_XMLDSIG_ECDSA_SHA384 : SB_XMLDSIG_ECDSA_SHA256);
        } else {
            return sb_err_set(err, SB_R_USAGE, "XML-DSig signing needs an RSA or ECDSA key");
        }
    }
    if ((c->alg = sb_xd_sigalg_by_uri(sm)) == NULL || c->alg->weak || c->alg->params) {
        return sb_err_set(err, SB_R_USAGE, "signature method %.200s is not supported for signing", sm);
    }
    if (!sb_xd_key_fits(key, c->alg)) {
        return sb_err_set(err, SB_R_USAGE, "the key does not fit signature method %.200s", sm);
    }
    if ((c->c14n = sb_xd_c14n_by_uri(o->c14n != NULL ? o->c14n : SB_XMLDSIG_EXC_C14N)) == NULL) {
        return sb_err_set(err, SB_R_USAGE, "canonicalization %.200s is not supported", o->c14n);
    }
    if ((c->dg = sb_xd_digest_by_uri(o->digest != NULL ? o->digest : SB_XMLDSIG_SHA256)) == NULL || c->dg->weak) {
        return sb_err_set(err, SB_R_USAGE, "digest method %.200s is not supported for signing", o->digest);
    }
    if (o->prefix_list != NULL && c->c14n->mode != XML_C14N_EXCLUSIVE_1_0) {
        return sb_err_set(err, SB_R_USAGE, "an InclusiveNamespaces PrefixList needs exclusive C14N");
    }
    return sb_xd_prefixes((const xmlChar *)o->prefix_list, &c->prefixes, err);
}

/* <ds:NAME Algorithm="uri"/> under parent (with InclusiveNamespaces when prefix_list is set). */
static xmlNodePtr method(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *uri, const char *prefix_list)
{
    xmlNodePtr m = xmlNewChild(parent, ns, DS name, NULL), in;
    xmlNsPtr ec;

    if (m == NULL || xmlNewProp(m, DS "Algorithm", DS uri) == NULL) {
        return NULL;
    }
    if (prefix_list != NULL) {
        if ((in = xmlNewChild(m, NULL, DS "InclusiveNamespaces", NULL)) == NULL
            || (ec = xmlNewNs(in, DS SB_XD_NS_EXC, DS "ec")) == NULL) {
            return NULL;
        }
        xmlSetNs(in, ec);
        if (xmlNewProp(in, DS "PrefixList", DS prefix_list) == NULL) {
            return NULL;
        }
    }
    return m;
}

/* The KeyInfo with the signer's certificate and the chain. */
static enum sb_reason add_keyinfo(xmlNodePtr sig, xmlNsPtr ns, X509 *cert, STACK_OF(X509) *chain, struct sb_err *err)
{
    xmlNodePtr ki, xd;
    unsigned char *der = NULL;
    char *b64 = NULL;
    int i, n, len;
    X509 *x;
    enum sb_reason rc = SB_OK;

    if ((ki = xmlNewChild(sig, ns, DS "KeyInfo", NULL)) == NULL || (xd = xmlNewChild(ki, ns, DS "X509Data", NULL)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    n = chain != NULL ? sk_X509_num(chain) : 0;
    for (i = -1; i < n && rc == SB_OK; i++) {
        x = i < 0 ? cert : sk_X509_value(chain, i);
        der = NULL;
        if ((len = i2d_X509(x, &der)) <= 0) {
            return sb_err_openssl(err, SB_R_INTERNAL, "cannot encode certificate %d", i + 2);
        }
        rc = sb_xml_b64_encode(der, (size_t)len, &b64, err);
        if (rc == SB_OK && xmlNewChild(xd, ns, DS "X509Certificate", DS b64) == NULL) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        OPENSSL_free(der);
        OPENSSL_free(b64);
        b64 = NULL;
    }
    return rc;
}

/* Digest set with c into base64 *out. */
static enum sb_reason digest_b64(xmlDocPtr doc, const struct sb_xd_nodeset *set, const struct sign_ctx *c, char **out,
                                 struct sb_err *err)
{
    struct sb_xd_sink sink;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    enum sb_reason rc;

    memset(&sink, 0, sizeof(sink));
    if ((sink.md = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex2(sink.md, EVP_get_digestbyname(c->dg->md), NULL)) {
        EVP_MD_CTX_free(sink.md);
        return sb_err_openssl(err, SB_R_INTERNAL, "cannot start %s", c->dg->md);
    }
    rc = sb_xd_c14n(doc, set, c->c14n, c->prefixes, &sink, "signed content", err);
    if (rc == SB_OK && !EVP_DigestFinal_ex(sink.md, md, &mdlen)) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "digest failed");
    }
    EVP_MD_CTX_free(sink.md);
    return rc == SB_OK ? sb_xml_b64_encode(md, mdlen, out, err) : rc;
}

/* Build, digest and sign the ds:Signature inside d->doc. */
static enum sb_reason build(struct sb_xdv_doc *d, EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
                            const struct sb_xmldsig_sign_opts *o, struct sign_ctx *c, struct sb_err *err)
{
    xmlNodePtr root = xmlDocGetRootElement(d->doc), sig, si, ref, tr, dv, sv, target;
    struct sb_xd_nodeset set, si_set;
    struct sb_xd_sink sink;
    struct sb_err e;
    xmlNsPtr ns;
    char uri[300], *b64 = NULL;
    unsigned char *sigval = NULL;
    size_t sig_len = 0;
    enum sb_reason rc;

    memset(&sink, 0, sizeof(sink));
    snprintf(uri, sizeof(uri), "%s%s", o->ref_id != NULL ? "#" : "", o->ref_id != NULL ? o->ref_id : "");
    if ((rc = sb_xdv_index_ids(d, err)) != SB_OK) {
        return rc;
    }
    if ((rc = sb_xdv_resolve(d, uri, &set, &target, &e)) != SB_OK) {
        return sb_err_set(err, rc == SB_R_FORMAT ? SB_R_USAGE : rc, "%s", e.msg);
    }
    if ((sig = xmlNewChild(root, NULL, DS "Signature", NULL)) == NULL || (ns = xmlNewNs(sig, DS SB_XMLNS_DSIG, DS "ds")) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    xmlSetNs(sig, ns);
    if ((si = xmlNewChild(sig, ns, DS "SignedInfo", NULL)) == NULL
        || method(si, ns, "CanonicalizationMethod", c->c14n->uri, o->prefix_list) == NULL
        || method(si, ns, "SignatureMethod", c->alg->uri, NULL) == NULL
        || (ref = xmlNewChild(si, ns, DS "Reference", NULL)) == NULL || xmlNewProp(ref, DS "URI", DS uri) == NULL
        || (tr = xmlNewChild(ref, ns, DS "Transforms", NULL)) == NULL
        || (!o->no_enveloped_transform && method(tr, ns, "Transform", SB_XMLDSIG_ENVELOPED, NULL) == NULL)
        || method(tr, ns, "Transform", c->c14n->uri, o->prefix_list) == NULL
        || method(ref, ns, "DigestMethod", c->dg->uri, NULL) == NULL
        || (dv = xmlNewChild(ref, ns, DS "DigestValue", NULL)) == NULL
        || (sv = xmlNewChild(sig, ns, DS "SignatureValue", NULL)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory building ds:Signature");
    }
    if ((rc = add_keyinfo(sig, ns, cert, chain, err)) != SB_OK) {
        return rc;
    }
    set.exclude = o->no_enveloped_transform ? NULL : sig;
    if ((rc = digest_b64(d->doc, &set, c, &b64, err)) != SB_OK) {
        return rc;
    }
    xmlNodeSetContent(dv, DS b64);
    OPENSSL_free(b64);
    b64 = NULL;
    memset(&si_set, 0, sizeof(si_set));
    si_set.root = si;
    si_set.comments = 1;
    sink.max = SB_XD_SIGNEDINFO_MAX;
    if ((rc = sb_xd_c14n(d->doc, &si_set, c->c14n, c->prefixes, &sink, "ds:SignedInfo", err)) != SB_OK
        || (rc = sb_xd_sign(key, c->alg, sink.buf, sink.len, &sigval, &sig_len, err)) != SB_OK
        || (rc = sb_xml_b64_encode(sigval, sig_len, &b64, err)) != SB_OK) {
        goto out;
    }
    xmlNodeSetContent(sv, DS b64);
    rc = SB_OK;
out:
    OPENSSL_free(sink.buf);
    OPENSSL_free(sigval);
    OPENSSL_free(b64);
    return rc;
}

enum sb_reason sb_xmldsig_sign(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain, const unsigned char *in,
                               size_t len, const struct sb_xmldsig_sign_opts *o, unsigned char **out,
                               size_t *out_len, struct sb_err *err)
{
    struct sb_xmldsig_sign_opts defaults;
    struct sign_ctx c;
    struct sb_xdv_doc *d = NULL;
    xmlDocPtr doc = NULL;
    xmlChar *mem = NULL;
    int mem_len = 0;
    enum sb_reason rc;

    *out = NULL;
    *out_len = 0;
    memset(&c, 0, sizeof(c));
    memset(&defaults, 0, sizeof(defaults));
    if (o == NULL) {
        o = &defaults;
    }
    if (key == NULL) {
        return sb_err_set(err, SB_R_USAGE, "no signing key");
    }
    if ((rc = choose(key, cert, o, &c, err)) != SB_OK || (rc = sb_xml_parse(in, len, "document to sign", &doc, err)) != SB_OK) {
        goto out;
    }
    if ((d = OPENSSL_zalloc(sizeof(*d))) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        goto out;
    }
    d->doc = doc;
    if ((rc = build(d, key, cert, chain, o, &c, err)) != SB_OK) {
        goto out;
    }
    xmlDocDumpFormatMemoryEnc(doc, &mem, &mem_len, doc->encoding != NULL ? (const char *)doc->encoding : "UTF-8", 0);
    if (mem == NULL || mem_len <= 0 || (*out = OPENSSL_malloc((size_t)mem_len)) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "cannot serialize the signed document");
        goto out;
    }
    memcpy(*out, mem, (size_t)mem_len);
    *out_len = (size_t)mem_len;
    rc = SB_OK;
out:
    if (d != NULL) {
        xmlHashFree(d->ids, NULL);
        OPENSSL_free(d);
    }
    xmlFree(mem);
    xmlFreeDoc(doc);
    sb_xd_prefixes_free(c.prefixes);
    return rc;
}
