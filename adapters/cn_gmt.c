/*
 * adapters/cn_gmt.c — Mainland China: GM/T 0010 SignedData and raw GM/T 0009 SM2 signatures.
 *
 * CMS with GM/T 0010 (or PKCS#7) OIDs is passed through to CMS validation. The JSON envelope carries a
 * bare SM2 signature (unknown keys ignored, known keys type-checked):
 *
 *   {"signature": B64, "certificate": B64-DER | PEM, "data": B64, ["id": "1234567812345678"],
 *    ["signature_format": "der" | "rs"], ["chain": [CERT...]], ["signing_time": RFC3339],
 *    ["ocsp_responses": [B64...]], ["crls": [B64...]]}
 *
 * "data" is the signed message M itself: the signature is SM2 over SM3(ZA || M), ZA computed from the
 * signer's key and the distinguishing ID. No pre-hashed form is accepted, because the hash already binds
 * the ID and the gateway could not apply the policy's ID rules to it. "signature" is DER SEQUENCE{r, s}
 * or the 64-byte r||s form (detected; "signature_format" forces one). "id" is the signer's ID; without it
 * the CN policy's sm2.default_id applies. {"pkcs7": B64, ["data": B64], ["id": ...]} carries a GM/T 0010
 * SignedData with optional detached content.
 */
#include "adapter_local.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "pki/crypto/sm2.h"

static enum sb_reason cn_parse(const unsigned char *in, size_t len, const char *content_type, struct sb_evidence *ev,
                               struct sb_err *err);
static enum sb_reason cn_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err);

/* The members only an SM2 envelope has (not the gateway's own /v1/verify envelope). */
static const char *const cn_members[] = { "certificate", "data", "id", "pkcs7", "signature_format", "chain", NULL };

const struct sb_adapter sb_cn_gmt_adapter = {
    "cn_gmt", "cn", cn_parse, cn_render, cn_members,
};

/* Signature encoding: *raw_rs = 1 for r||s. */
static enum sb_reason sig_form(const json_t *root, const unsigned char *sig, size_t len, struct sb_evidence *ev,
                               struct sb_err *err)
{
    const char *form;
    enum sb_reason rc;

    if ((rc = sb_ev_json_str(root, "signature_format", 0, &form, err)) != SB_OK) {
        return rc;
    }
    if (sb_ev_is_certificate(sig, len)) {
        return sb_err_set(err, SB_R_ENVELOPE_NOT_A_SIGNATURE, "envelope: 'signature' holds a certificate, not a "
                          "signature value");
    }
    if (form != NULL && strcmp(form, "rs") != 0 && strcmp(form, "der") != 0) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: 'signature_format' '%.20s' is not \"der\" or "
                          "\"rs\"", form);
    }
    if ((form == NULL || strcmp(form, "der") == 0) && sb_ev_is_der_ecdsa_sig(sig, len)) {
        ev->raw_rs = 0;
        return SB_OK;
    }
    if ((form == NULL || strcmp(form, "rs") == 0) && len == 64) {
        ev->raw_rs = 1;
        return SB_OK;
    }
    if (form != NULL) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_SIGNATURE, "envelope: 'signature' (%zu bytes) is not %s", len,
                          strcmp(form, "rs") == 0 ? "a 64-byte r||s value" : "a DER SEQUENCE { r, s }");
    }
    return sb_err_set(err, SB_R_ENVELOPE_BAD_SIGNATURE, "envelope: 'signature' (%zu bytes) is neither a DER SM2 "
                      "signature nor a 64-byte r||s value", len);
}

static enum sb_reason parse_id(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    const char *id;
    enum sb_reason rc;

    if ((rc = sb_ev_json_str(root, "id", 0, &id, err)) != SB_OK || id == NULL) {
        return rc;
    }
    if (strlen(id) > SB_EV_MAX_ID) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_VALUE, "envelope: 'id' is longer than %d bytes", SB_EV_MAX_ID);
    }
    if ((ev->sm2_id = OPENSSL_strdup(id)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    return SB_OK;
}

static enum sb_reason parse_raw(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    EVP_PKEY *pkey;
    enum sb_reason rc;

    if ((rc = sb_ev_json_raw(root, ev, sig_form, &pkey, err)) != SB_OK ||
        (rc = sb_ev_json_content(root, "data", 1, ev, err)) != SB_OK) {
        return rc;
    }
    if (pkey == NULL || !sb_sm2_is_sm2_key(pkey)) {
        ERR_clear_error();
        return sb_err_set(err, SB_R_ENVELOPE_BAD_CERTIFICATE, "envelope: 'certificate' carries %s key; a GM/T 0009 "
                          "signature needs an SM2 key", pkey == NULL ? "an unreadable"
                          : (EVP_PKEY_is_a(pkey, "RSA") ? "an RSA" : "a non-SM2"));
    }
    return SB_OK;
}

static enum sb_reason parse_pkcs7(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    enum sb_reason rc;

    if ((rc = sb_ev_json_object(root, "pkcs7", ev, err)) != SB_OK) {
        return rc;
    }
    if (sb_ev_is_certificate(ev->obj, ev->obj_len)) {
        return sb_err_set(err, SB_R_ENVELOPE_NOT_A_SIGNATURE, "envelope: 'pkcs7' holds a certificate, not a GM/T "
                          "0010 / CMS SignedData");
    }
    if (!sb_cms_looks_like(ev->obj, ev->obj_len)) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_PKCS7, "envelope: 'pkcs7' does not hold a GM/T 0010 / CMS "
                          "SignedData");
    }
    ev->format = SB_EV_GMT0010;
    return sb_ev_json_content(root, "data", 0, ev, err);
}

static enum sb_reason parse_envelope(const unsigned char *in, size_t len, struct sb_evidence *ev, struct sb_err *err)
{
    json_t *root = NULL;
    enum sb_reason rc;

    if ((rc = sb_ev_json_load(in, len, "SM2 envelope", &root, err)) != SB_OK) {
        return rc;
    }
    if (sb_ev_json_has(root, "pkcs7") && (sb_ev_json_has(root, "signature") || sb_ev_json_has(root, "certificate"))) {
        rc = sb_err_set(err, SB_R_ENVELOPE_CONFLICTING_FIELDS, "envelope: give either 'pkcs7' or 'signature' + "
                        "'certificate', not both");
        goto err;
    }
    if ((rc = sb_ev_json_has(root, "pkcs7") ? parse_pkcs7(root, ev, err) : parse_raw(root, ev, err)) != SB_OK ||
        (rc = parse_id(root, ev, err)) != SB_OK || (rc = sb_ev_json_chain(root, ev, err)) != SB_OK ||
        (rc = sb_ev_json_time(root, ev, err)) != SB_OK || (rc = sb_ev_json_revocation(root, ev, err)) != SB_OK) {
        goto err;
    }
    if (ev->content != NULL) {
        if (EVP_Digest(ev->content, ev->content_len, ev->content_sha256, NULL, EVP_sha256(), NULL) != 1) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "SHA-256 of 'data' failed");
            goto err;
        }
        ev->has_content_sha256 = 1;
    }
    rc = SB_OK;
err:
    json_decref(root);
    return rc;
}

static enum sb_reason cn_parse(const unsigned char *in, size_t len, const char *content_type, struct sb_evidence *ev,
                               struct sb_err *err)
{
    enum sb_reason rc = sb_ev_parse_body(ev, &sb_cn_gmt_adapter, in, len, content_type, parse_envelope, NULL, err);

    if (rc == SB_OK && ev->format == SB_EV_CMS) {
        ev->format = SB_EV_GMT0010;          /* PKCS#7 OIDs are accepted by the same validation */
    }
    return rc;
}

/* Mainland systems verify SM2/SM3 GM/T 0010 SignedData; the rule picks the format and key. */
static enum sb_reason cn_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err)
{
    return sb_attest_render(doc, key, out, out_len, err);
}
