/*
 * adapters/hk_iamsmart.c — Hong Kong: iAM Smart hash-signing results and e-Cert CMS.
 *
 * iAM Smart signs a hash: the service sends the SHA-256 of its document and receives the signed hash and
 * the user's iAM Smart-Cert (Hongkong Post). The exact wire format is not public, so two JSON envelopes
 * are accepted (unknown keys ignored, known keys type-checked):
 *
 *   {"hash": B64, "hash_alg": "SHA-256", "signature": B64, "certificate": B64-DER | PEM,
 *    ["document": B64], ["chain": [CERT...]], ["signing_time": RFC3339],
 *    ["ocsp_responses": [B64...]], ["crls": [B64...]]}
 *      signature = RSA PKCS#1 v1.5 over DigestInfo(hash_alg, hash) (ECDSA over the hash for EC keys);
 *   {"hash": B64, "hash_alg": "SHA-256", "pkcs7": B64, ["document": B64], ...}
 *      pkcs7 = SignedData whose message digest is hash (detached) or whose eContent is the hash itself.
 *
 * hash_alg is optional (default SHA-256; SHA-384 and SHA-512 also accepted). When "document" is given its
 * hash must equal "hash" (HASH_MISMATCH). Anything else a Hong Kong system sends (CMS / PKCS#7, or an
 * XML-DSig document) is passed through as such. Hongkong Post / Digi-Sign e-Cert profiles (policy OIDs,
 * key usage, RSA-2048) are enforced by policies/hk.yaml, not here.
 */
#include "adapter_local.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "pki/base/hex.h"
#include "pki/crypto/sm2.h"

static enum sb_reason hk_parse(const unsigned char *in, size_t len, const char *content_type, struct sb_evidence *ev,
                               struct sb_err *err);
static enum sb_reason hk_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err);

/* The members only an iAM Smart envelope has (not the gateway's own /v1/verify envelope). */
static const char *const hk_members[] = { "hash", "hash_alg", "pkcs7", "certificate", "document", "chain", NULL };

const struct sb_adapter sb_hk_iamsmart_adapter = {
    "hk_iamsmart", "hk", hk_parse, hk_render, hk_members,
};

/* hash_alg → OpenSSL digest name; NULL when not accepted. */
static const char *hash_alg_name(const char *s)
{
    static const struct {
        const char *in, *name;
    } rows[] = {
        { "SHA-256", "sha256" }, { "SHA256", "sha256" }, { "SHA-384", "sha384" },
        { "SHA384", "sha384" },  { "SHA-512", "sha512" }, { "SHA512", "sha512" },
    };
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (strcasecmp(s, rows[i].in) == 0) {
            return rows[i].name;
        }
    }
    return NULL;
}

/* A certificate where the signature value belongs. */
static enum sb_reason not_a_certificate(const json_t *root, const unsigned char *sig, size_t len,
                                        struct sb_evidence *ev, struct sb_err *err)
{
    (void)root;
    (void)ev;
    if (sb_ev_is_certificate(sig, len)) {
        return sb_err_set(err, SB_R_ENVELOPE_NOT_A_SIGNATURE, "envelope: 'signature' holds a certificate, not a "
                          "signature value");
    }
    return SB_OK;
}

/* The raw form: signature + certificate. */
static enum sb_reason parse_raw(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    EVP_PKEY *pkey;
    enum sb_reason rc;

    if ((rc = sb_ev_json_raw(root, ev, not_a_certificate, &pkey, err)) != SB_OK) {
        return rc;
    }
    if (pkey == NULL) {
        return sb_err_set(err, SB_R_ENVELOPE_BAD_CERTIFICATE, "envelope: the public key of 'certificate' cannot be "
                          "read");
    }
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        if (ev->obj_len != (size_t)EVP_PKEY_get_size(pkey)) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_SIGNATURE, "envelope: 'signature' is %zu bytes; a signature of "
                              "the certificate's RSA-%d key is %d bytes", ev->obj_len, EVP_PKEY_get_bits(pkey),
                              EVP_PKEY_get_size(pkey));
        }
    } else if (EVP_PKEY_is_a(pkey, "EC") && !sb_sm2_is_sm2_key(pkey)) {
        if (!sb_ev_is_der_ecdsa_sig(ev->obj, ev->obj_len)) {
            return sb_err_set(err, SB_R_ENVELOPE_BAD_SIGNATURE, "envelope: 'signature' is not a DER ECDSA signature "
                              "value");
        }
    } else {
        const char *type = EVP_PKEY_get0_type_name(pkey);

        return sb_err_set(err, SB_R_ENVELOPE_BAD_CERTIFICATE, "envelope: 'certificate' carries a %s key; iAM Smart "
                          "signatures are RSA (or ECDSA)", type != NULL ? type : "unsupported");
    }
    return SB_OK;
}

static enum sb_reason parse_pkcs7(const json_t *root, struct sb_evidence *ev, struct sb_err *err)
{
    unsigned char *p7 = NULL;
    size_t p7_len = 0;
    enum sb_reason rc;

    if ((rc = sb_ev_json_b64(root, "pkcs7", 1, 0, &p7, &p7_len, err)) != SB_OK) {
        return rc;
    }
    if (sb_ev_is_certificate(p7, p7_len)) {
        OPENSSL_free(p7);
        return sb_err_set(err, SB_R_ENVELOPE_NOT_A_SIGNATURE, "envelope: 'pkcs7' holds a certificate, not a CMS / "
                          "PKCS#7 SignedData");
    }
    if (!sb_cms_looks_like(p7, p7_len)) {
        OPENSSL_free(p7);
        return sb_err_set(err, SB_R_ENVELOPE_BAD_PKCS7, "envelope: 'pkcs7' does not hold a CMS / PKCS#7 SignedData");
    }
    ev->format = SB_EV_CMS;
    sb_evidence_set0_obj(ev, p7, p7_len);
    return SB_OK;
}

static enum sb_reason parse_envelope(const unsigned char *in, size_t len, struct sb_evidence *ev, struct sb_err *err)
{
    json_t *root = NULL;
    const char *alg_text, *alg;
    unsigned char *hash = NULL, *doc = NULL, dg[EVP_MAX_MD_SIZE];
    size_t hash_len = 0, doc_len = 0;
    unsigned int dl = 0;
    char h1[2 * EVP_MAX_MD_SIZE + 1], h2[2 * EVP_MAX_MD_SIZE + 1];
    int has_p7, has_sig, has_cert;
    enum sb_reason rc;

    if ((rc = sb_ev_json_load(in, len, "iAM Smart envelope", &root, err)) != SB_OK ||
        (rc = sb_ev_json_str(root, "hash_alg", 0, &alg_text, err)) != SB_OK) {
        goto err;
    }
    if ((alg = hash_alg_name(alg_text != NULL ? alg_text : "SHA-256")) == NULL) {
        rc = sb_err_set(err, SB_R_ENVELOPE_UNKNOWN_HASH_ALG, "envelope: 'hash_alg' '%.40s' is not SHA-256, SHA-384 "
                        "or SHA-512", alg_text);
        goto err;
    }
    if ((rc = sb_ev_json_b64(root, "hash", 1, 0, &hash, &hash_len, err)) != SB_OK) {
        goto err;
    }
    if ((int)hash_len != EVP_MD_get_size(EVP_get_digestbyname(alg))) {
        rc = sb_err_set(err, SB_R_ENVELOPE_BAD_HASH_LENGTH, "envelope: 'hash' is %zu bytes; a %s hash is %d bytes",
                        hash_len, alg_text != NULL ? alg_text : "SHA-256", EVP_MD_get_size(EVP_get_digestbyname(alg)));
        goto err;
    }
    has_p7 = sb_ev_json_has(root, "pkcs7");
    has_sig = sb_ev_json_has(root, "signature");
    has_cert = sb_ev_json_has(root, "certificate");
    if (has_p7 && (has_sig || has_cert)) {
        rc = sb_err_set(err, SB_R_ENVELOPE_CONFLICTING_FIELDS, "envelope: give either 'pkcs7' or 'signature' + "
                        "'certificate', not both");
        goto err;
    }
    if (!has_p7 && !has_sig && !has_cert) {
        rc = sb_err_set(err, SB_R_ENVELOPE_MISSING_FIELD, "envelope: missing 'signature' and 'certificate' (or "
                        "'pkcs7')");
        goto err;
    }
    if ((rc = has_p7 ? parse_pkcs7(root, ev, err) : parse_raw(root, ev, err)) != SB_OK ||
        (rc = sb_ev_json_chain(root, ev, err)) != SB_OK || (rc = sb_ev_json_time(root, ev, err)) != SB_OK ||
        (rc = sb_ev_json_revocation(root, ev, err)) != SB_OK ||
        (rc = sb_ev_json_b64(root, "document", 0, 1, &doc, &doc_len, err)) != SB_OK) {
        goto err;
    }
    memcpy(ev->digest, hash, hash_len);
    ev->digest_len = hash_len;
    snprintf(ev->digest_alg, sizeof(ev->digest_alg), "%s", alg);
    if (strcmp(alg, "sha256") == 0) {
        memcpy(ev->content_sha256, hash, 32);
        ev->has_content_sha256 = 1;
    }
    if (doc != NULL) {
        if (EVP_Digest(doc, doc_len, dg, &dl, EVP_get_digestbyname(alg), NULL) != 1) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "hash of 'document' failed");
            goto err;
        }
        if (dl != hash_len || CRYPTO_memcmp(dg, hash, hash_len) != 0) {
            sb_hex_encode(dg, dl, h1, sizeof(h1));
            sb_hex_encode(hash, hash_len, h2, sizeof(h2));
            rc = sb_err_set(err, SB_R_HASH_MISMATCH, "envelope: the %s of 'document' (%.16s…) does not match "
                            "'hash' (%.16s…)", alg, h1, h2);
            goto err;
        }
    }
    rc = SB_OK;
err:
    OPENSSL_free(hash);
    OPENSSL_free(doc);
    json_decref(root);
    return rc;
}

static enum sb_reason hk_parse(const unsigned char *in, size_t len, const char *content_type, struct sb_evidence *ev,
                               struct sb_err *err)
{
    return sb_ev_parse_body(ev, &sb_hk_iamsmart_adapter, in, len, content_type, parse_envelope, NULL, err);
}

/* Hong Kong systems check RSA CMS with their own tools (openssl cms -verify); the rule picks the format. */
static enum sb_reason hk_render(const struct sb_attestation_doc *doc, const struct sb_attest_key *key,
                                unsigned char **out, size_t *out_len, struct sb_err *err)
{
    return sb_attest_render(doc, key, out, out_len, err);
}
