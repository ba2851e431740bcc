/*
 * adapters/attest.c — sign an attestation document in the receiving side's format (adapters/adapter.h).
 *
 * CMS and GM/T 0010: attached SignedData whose eContent is the canonical JSON (pki/cms/cms.h signs; SM2 CMS
 * is ours because OpenSSL 3.0 cannot). XML-DSig: the XML rendering below, signed enveloped (URI "",
 * exclusive C14N, RSA-SHA256 or ECDSA-SHA256, certificate chain in KeyInfo) by pki/xml/xmldsig.h.
 */
#include "adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/crypto.h>

#include "pki/crypto/sm2.h"
#include "pki/xml/xmldsig.h"

#define SB_ATTEST_XMLNS "urn:sigbridge:attestation:1"

static int text_child(xmlNodePtr parent, const char *name, const char *value)
{
    return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)value) != NULL;
}

char *sb_attest_xml(const struct sb_attestation_doc *doc, size_t *len)
{
    xmlDocPtr x = NULL;
    xmlNodePtr root, signer;
    xmlNsPtr ns;
    xmlChar *mem = NULL;
    char *out = NULL;
    int n = 0, ok;

    *len = 0;
    if ((x = xmlNewDoc((const xmlChar *)"1.0")) == NULL ||
        (root = xmlNewDocNode(x, NULL, (const xmlChar *)"Attestation", NULL)) == NULL) {
        goto out;
    }
    xmlDocSetRootElement(x, root);
    if ((ns = xmlNewNs(root, (const xmlChar *)SB_ATTEST_XMLNS, NULL)) == NULL) {
        goto out;
    }
    xmlSetNs(root, ns);
    ok = xmlNewProp(root, (const xmlChar *)"Version", (const xmlChar *)"1") != NULL;
    ok = ok && text_child(root, "ObjectSHA256", doc->object_sha256);
    if (doc->content_sha256[0] != '\0') {
        ok = ok && text_child(root, "ContentSHA256", doc->content_sha256);
    }
    signer = ok ? xmlNewTextChild(root, NULL, (const xmlChar *)"Signer", NULL) : NULL;
    ok = signer != NULL && text_child(signer, "Subject", doc->subject) && text_child(signer, "Issuer", doc->issuer) &&
         text_child(signer, "Serial", doc->serial);
    ok = ok && text_child(root, "From", doc->from) && text_child(root, "To", doc->to) &&
         text_child(root, "Rule", doc->rule);
    if (doc->policy_oid[0] != '\0') {
        ok = ok && text_child(root, "PolicyOID", doc->policy_oid);
    }
    ok = ok && text_child(root, "Level", doc->level) && text_child(root, "Indication", doc->indication) &&
         text_child(root, "ValidationTime", doc->validation_time) &&
         text_child(root, "PolicySnapshot", doc->policy_snapshot) && text_child(root, "GatewayId", doc->gateway_id) &&
         text_child(root, "CanonicalJSON", doc->json);
    if (!ok) {
        goto out;
    }
    xmlDocDumpMemoryEnc(x, &mem, &n, "UTF-8");
    if (mem == NULL || n <= 0 || (out = malloc((size_t)n + 1)) == NULL) {
        goto out;
    }
    memcpy(out, mem, (size_t)n);
    out[n] = '\0';
    *len = (size_t)n;
out:
    xmlFree(mem);
    xmlFreeDoc(x);
    return out;
}

enum sb_reason sb_attest_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err)
{
    char *xml = NULL;
    size_t xml_len = 0;
    enum sb_reason rc;

    *out = NULL;
    *out_len = 0;
    if (doc == NULL || doc->json == NULL || key == NULL || key->key == NULL || key->cert == NULL) {
        return sb_err_set(err, SB_R_USAGE, "attestation: no document, key or certificate");
    }
    switch (key->format) {
    case SB_ATTEST_GMT0010:
        if (!sb_sm2_is_sm2_key(key->key)) {
            return sb_err_set(err, SB_R_USAGE, "attestation: gmt0010 needs an SM2 key");
        }
        return sb_cms_sign(key->key, key->cert, key->chain, (const unsigned char *)doc->json, doc->json_len, 0,
                           SB_CMS_FORMAT_GMT0010, key->sm2_id, key->signing_time, out, out_len, err);
    case SB_ATTEST_CMS:
        return sb_cms_sign(key->key, key->cert, key->chain, (const unsigned char *)doc->json, doc->json_len, 0,
                           SB_CMS_FORMAT_CMS, key->sm2_id, key->signing_time, out, out_len, err);
    case SB_ATTEST_XMLDSIG:
        if ((xml = sb_attest_xml(doc, &xml_len)) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "attestation: cannot build the XML document");
        }
        rc = sb_xmldsig_sign(key->key, key->cert, key->chain, (const unsigned char *)xml, xml_len, NULL, out, out_len,
                             err);
        free(xml);
        return rc;
    default:
        break;
    }
    return sb_err_set(err, SB_R_USAGE, "attestation: unknown format %d", (int)key->format);
}
