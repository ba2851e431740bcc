/*
 * pki/verdict/validate_raw.c — the raw-signature step of sb_validate (pki/verdict/validate_local.h).
 *
 * A bare signature value plus the signer's certificate (an iAM Smart signing result, a GM/T 0009 SM2
 * signature): key allowed, algorithm allowed by the policy (algorithms.signature), the signature value
 * (RSA PKCS#1 v1.5 over the DigestInfo or ECDSA over the digest; SM2 over SM3(ZA || message) under the
 * signer's ID, naming another usual ID that would have verified), key usage, then the signer's path
 * (sb_validate_path: chain, then the policy's own rules). One signer entry; the worse of crypto and path
 * wins, crypto first on a tie.
 */
#include "pki/x509/cert_format.h"
#include "pki/verdict/validate_local.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "pki/base/rfc3339_time.h"
#include "pki/crypto/sig.h"
#include "pki/crypto/sm2.h"
#include "pki/x509/cert_decode.h"

/* The policy's id for messages. */
static const char *run_policy_id(const struct sb_validate_run *r)
{
    return r->ctx->policy != NULL ? r->ctx->policy->id : "(command line)";
}

/* The policy's algorithm class for a raw signature with pkey over md. 0 when none fits. */
static uint32_t raw_alg_bit(EVP_PKEY *pkey, const char *md, const char **name)
{
    static const struct {
        int rsa;
        const char *md, *name;
        uint32_t bit;
    } rows[] = {
        { 1, "sha256", "rsa-pkcs1-sha256", SB_SIGALG_RSA_PKCS1_SHA256 },
        { 1, "sha384", "rsa-pkcs1-sha384", SB_SIGALG_RSA_PKCS1_SHA384 },
        { 1, "sha512", "rsa-pkcs1-sha512", SB_SIGALG_RSA_PKCS1_SHA512 },
        { 0, "sha256", "ecdsa-sha256", SB_SIGALG_ECDSA_SHA256 },
        { 0, "sha384", "ecdsa-sha384", SB_SIGALG_ECDSA_SHA384 },
        { 0, "sha512", "ecdsa-sha512", SB_SIGALG_ECDSA_SHA512 },
    };
    int rsa = EVP_PKEY_is_a(pkey, "RSA");
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].rsa == rsa && strcmp(rows[i].md, md) == 0) {
            *name = rows[i].name;
            return rows[i].bit;
        }
    }
    *name = "unknown";
    return 0;
}

/* SM2 over the message: on failure, say whether another usual ID would have verified. */
static enum sb_reason raw_sm2(const struct sb_validate_run *r, EVP_PKEY *pkey, struct sb_err *err)
{
    const struct sb_evidence *ev = r->ev;
    const char *default_id = r->ctx->policy != NULL ? r->ctx->policy->sm2_default_id : NULL;
    const char *id = ev->sm2_id != NULL ? ev->sm2_id : default_id;
    uint32_t allow = r->in.opts.algs.sig_allow;
    const char *others[3];
    struct sb_err e;
    size_t i;
    enum sb_reason rc;

    if (allow != 0 && (allow & SB_SIGALG_SM2_SM3) == 0) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "policy %s does not allow sm2-sm3 signatures "
                          "(algorithms.signature)", run_policy_id(r));
    }
    if (ev->content == NULL) {
        return sb_err_set(err, SB_R_SIGNED_DATA_NOT_FOUND, "an SM2 signature covers SM3(ZA || message): the "
                          "signed message was not supplied");
    }
    rc = sb_sm2_verify(pkey, id, ev->content, ev->content_len, ev->obj, ev->obj_len, ev->raw_rs, err);
    if (rc == SB_R_INPUT_MALFORMED) {
        return sb_err_set(err, SB_R_FORMAT, "SM2 signature value is not a valid encoding");
    }
    if (rc != SB_R_SIG_CRYPTO) {
        return rc;
    }
    others[0] = SB_SM2_DEFAULT_ID;
    others[1] = default_id;
    others[2] = "";
    for (i = 0; i < 3; i++) {
        if (others[i] == NULL || (id != NULL && strcmp(others[i], id) == 0) || (id == NULL && i == 0)) {
            continue;
        }
        sb_err_clear(&e);
        if (sb_sm2_verify(pkey, others[i], ev->content, ev->content_len, ev->obj, ev->obj_len, ev->raw_rs, &e) ==
            SB_OK) {
            return sb_err_set(err, SB_R_SM2_ID_MISMATCH, "SM2 signature does not verify under the ID '%.64s' but "
                              "does under '%.64s'", id != NULL ? id : SB_SM2_DEFAULT_ID, others[i]);
        }
    }
    return sb_err_set(err, SB_R_SIG_CRYPTO, "SM2 signature over the message does not verify under the signer's key "
                      "and the ID '%.64s'", id != NULL ? id : SB_SM2_DEFAULT_ID);
}

/* RSA PKCS#1 v1.5 over the DigestInfo, or ECDSA, over the digest (the content's when only it is given). */
static enum sb_reason raw_digest(const struct sb_validate_run *r, EVP_PKEY *pkey, struct sb_err *err)
{
    const struct sb_evidence *ev = r->ev;
    uint32_t allow = r->in.opts.algs.sig_allow;
    const char *alg = ev->digest_len > 0 ? ev->digest_alg : "sha256", *name;
    unsigned char dg[EVP_MAX_MD_SIZE];
    const unsigned char *d = ev->digest;
    size_t dlen = ev->digest_len;
    unsigned int l = 0;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_MD *md = NULL;
    uint32_t bit;
    enum sb_reason rc;

    if (!EVP_PKEY_is_a(pkey, "RSA") && !EVP_PKEY_is_a(pkey, "EC")) {
        return sb_err_set(err, SB_R_FORMAT, "a raw signature over a hash needs an RSA or ECDSA key, the signer has %s",
                          EVP_PKEY_get0_type_name(pkey) != NULL ? EVP_PKEY_get0_type_name(pkey) : "another type");
    }
    if ((bit = raw_alg_bit(pkey, alg, &name)) == 0) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "digest %s is not allowed for raw signatures", alg);
    }
    if (allow != 0 && (allow & bit) == 0) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "policy %s does not allow %s signatures (algorithms.signature)",
                          run_policy_id(r), name);
    }
    if ((md = EVP_MD_fetch(NULL, alg, NULL)) == NULL) {
        return sb_err_openssl(err, SB_R_INTERNAL, "digest %s unavailable", alg);
    }
    if (dlen == 0) {
        if (ev->content == NULL) {
            rc = sb_err_set(err, SB_R_SIGNED_DATA_NOT_FOUND, "neither the signed hash nor the document was supplied");
            goto err;
        }
        if (EVP_Digest(ev->content, ev->content_len, dg, &l, md, NULL) != 1) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "%s of the content failed", alg);
            goto err;
        }
        d = dg;
        dlen = l;
    }
    if ((int)dlen != EVP_MD_get_size(md)) {
        rc = sb_err_set(err, SB_R_FORMAT, "a %s hash is %d bytes, %zu were given", alg, EVP_MD_get_size(md), dlen);
        goto err;
    }
    ERR_clear_error();
    if ((ctx = EVP_PKEY_CTX_new(pkey, NULL)) == NULL || EVP_PKEY_verify_init(ctx) <= 0 ||
        (EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) ||
        EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot set up %s verification", name);
        goto err;
    }
    if (EVP_PKEY_verify(ctx, ev->obj, ev->obj_len, d, dlen) != 1) {
        ERR_clear_error();
        rc = sb_err_set(err, SB_R_SIG_CRYPTO, "%s signature over the %s hash does not verify under the signer's key",
                        name, alg);
        goto err;
    }
    rc = SB_OK;
err:
    EVP_PKEY_CTX_free(ctx);
    EVP_MD_free(md);
    return rc;
}

static enum sb_reason raw_crypto(const struct sb_validate_run *r, struct sb_err *err)
{
    const struct sb_evidence *ev = r->ev;
    EVP_PKEY *pkey = sb_cert_pubkey(ev->signer);
    uint32_t flags;
    enum sb_reason rc;

    if (pkey == NULL) {
        ERR_clear_error();
        return sb_err_set(err, SB_R_CERT_MALFORMED, "the signer certificate's public key cannot be read");
    }
    if ((rc = sb_sig_check_key(pkey, &r->in.opts.algs, err)) != SB_OK) {
        return rc;
    }
    rc = sb_sm2_is_sm2_key(pkey) ? raw_sm2(r, pkey, err) : raw_digest(r, pkey, err);
    if (rc != SB_OK) {
        return rc;
    }
    flags = X509_get_extension_flags(ev->signer);
    if ((flags & EXFLAG_KUSAGE) != 0 &&
        (X509_get_key_usage(ev->signer) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
        return sb_err_set(err, SB_R_KEY_USAGE, "signer certificate allows neither digitalSignature nor "
                          "nonRepudiation");
    }
    return SB_OK;
}

static void signer_identity(struct sb_cms_signer *s, X509 *cert)
{
    sb_certfmt_name(X509_get_subject_name(cert), s->subject, sizeof(s->subject));
    sb_certfmt_name(X509_get_issuer_name(cert), s->issuer, sizeof(s->issuer));
    sb_certfmt_serial(cert, s->serial, sizeof(s->serial));
}

enum sb_reason sb_validate_raw(const struct sb_validate_run *r, struct sb_cms_result *res, struct sb_err *err)
{
    const struct sb_evidence *ev = r->ev;
    const struct sb_trust_policy *p = r->ctx->policy;
    struct sb_chain_result cr;
    struct sb_cms_signer *s;
    struct sb_err ce, pe, pre;
    enum sb_reason crc, prc;

    memset(&cr, 0, sizeof(cr));
    if (ev->signer == NULL || ev->obj == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "raw evidence without signature or certificate");
    }
    if ((res->signers = OPENSSL_zalloc(sizeof(*res->signers))) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    res->n_signers = 1;
    res->format = ev->format == SB_EV_GMT0010 ? SB_CMS_FORMAT_GMT0010 : SB_CMS_FORMAT_CMS;
    res->detached = 1;
    s = &res->signers[0];
    signer_identity(s, ev->signer);
    if (X509_up_ref(ev->signer) != 1) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    s->cert = ev->signer;
    if (ev->has_claimed_time) {           /* sb_validate applies the policy's time rule to it */
        sb_time_format(ev->claimed_time, s->signing_time, sizeof(s->signing_time));
    }
    sb_err_clear(&ce);
    crc = raw_crypto(r, &ce);
    prc = sb_validate_path(p, &r->in, ev->signer, &cr, NULL, &pe, &pre);
    s->chain = cr.chain;                 /* leaf -> anchor as built, even when it failed */
    cr.chain = NULL;
    s->revocation = cr.revocation;
    s->n_revocation = cr.n_revocation;
    cr.revocation = NULL;
    cr.n_revocation = 0;
    /* the worse of crypto and path; crypto first on a tie */
    if (crc != SB_OK && sb_reason_severity(crc) >= sb_reason_severity(prc)) {
        s->reason = crc;
        snprintf(s->message, sizeof(s->message), "%s", ce.msg);
    } else if (prc != SB_OK) {
        s->reason = prc;
        snprintf(s->message, sizeof(s->message), "%s", pe.reason != SB_OK ? pe.msg : pre.msg);
    } else {
        s->reason = SB_OK;
        snprintf(s->message, sizeof(s->message), "signature and certification path valid under %s%s",
                 p != NULL ? "policy " : "the given anchors", p != NULL ? p->id : "");
    }
    sb_chain_result_clear(&cr);
    sb_validate_pick_worst(res);
    if (res->reason != SB_OK) {
        return sb_err_set(err, res->reason, "%s", res->message);
    }
    return SB_OK;
}
