/*
 * adapters/mo_esigntrust.c — Macao: eSignTrust (Macao Post) signatures, XML-DSig documents and CMS.
 *
 * eSignTrust issues qualified and normalised certificates under Law 5/2005 (RSA-2048 / SHA-256 and ECDSA
 * P-256); Macao systems sign XML documents (enveloped / enveloping XML-DSig, optionally XAdES) and CMS.
 * Both are passed through to validation as they are; the qualified / normalised distinction is a matter
 * of certificate policies in policies/mo.yaml. There is no JSON envelope for Macao.
 */
#include "adapter_local.h"

static enum sb_reason mo_parse(const unsigned char *in, size_t len, const char *content_type, struct sb_evidence *ev,
                               struct sb_err *err);
static enum sb_reason mo_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err);

const struct sb_adapter sb_mo_esigntrust_adapter = {
    "mo_esigntrust", "mo", mo_parse, mo_render, NULL,
};

static enum sb_reason mo_parse(const unsigned char *in, size_t len, const char *content_type, struct sb_evidence *ev,
                               struct sb_err *err)
{
    return sb_ev_parse_body(ev, &sb_mo_esigntrust_adapter, in, len, content_type, NULL,
                            "mo (eSignTrust): no JSON envelope is defined for Macao; send an XML-DSig document or CMS",
                            err);
}

/* Macao systems verify enveloped XML-DSig (xmlsec1); the rule picks the format and key. */
static enum sb_reason mo_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err)
{
    return sb_attest_render(doc, key, out, out_len, err);
}
