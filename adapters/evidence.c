/*
 * adapters/evidence.c — one validation entry for every kind of evidence (adapters/adapter.h).
 *
 * CMS and GM/T 0010 go through sb_validate_object (pki/verdict/validate.h) unchanged. XML-DSig goes through
 * sb_xmldsig_verify with the policy's anchors, intermediates, CRLs and algorithms, then each passing
 * signer's path is held to the policy's own rules, as sb_validate_object does for CMS. A raw signature
 * is checked here: key allowed, algorithm allowed by the policy, signature value, key usage, then the
 * signer's path (sb_trust_policy_validate). All three produce a struct sb_cms_result, so JSON, exit
 * codes and recognition treat them alike.
 */
#include "adapter.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "pki/x509/chain.h"
#include "pki/verdict/report.h"
#include "pki/base/rfc3339_time.h"
#include "pki/crypto/sig.h"
#include "pki/crypto/sm2.h"
#include "pki/verdict/validate.h"
#include "pki/xml/xmldsig.h"

void sb_evidence_init(struct sb_evidence *ev)
{
    memset(ev, 0, sizeof(*ev));
}

void sb_evidence_clear(struct sb_evidence *ev)
{
    if (ev == NULL) {
        return;
    }
    OPENSSL_free(ev->obj);
    OPENSSL_free(ev->content);
    sk_X509_pop_free(ev->certs, X509_free);
    X509_free(ev->signer);
    OPENSSL_free(ev->sm2_id);
    OPENSSL_cleanse(ev->digest, sizeof(ev->digest));
    memset(ev, 0, sizeof(*ev));
}

const char *sb_evidence_format_name(enum sb_ev_format f)
{
    switch (f) {
    case SB_EV_CMS:
        return "cms";
    case SB_EV_GMT0010:
        return "gmt0010";
    case SB_EV_XMLDSIG:
        return "xmldsig";
    case SB_EV_RAW_SIG:
        return "raw";
    default:
        return "unknown";
    }
}

/* ---- shared ------------------------------------------------------------------------------------- */

/* Index of the worst signer and the result's reason/message from it. */
static void pick_worst(struct sb_cms_result *res)
{
    size_t i;

    if (res->n_signers == 0) {
        return;
    }
    res->worst = 0;
    for (i = 1; i < res->n_signers; i++) {
        if (sb_reason_severity(res->signers[i].reason) > sb_reason_severity(res->signers[res->worst].reason)) {
            res->worst = i;
        }
    }
    res->reason = res->signers[res->worst].reason;
    snprintf(res->message, sizeof(res->message), "%s", res->signers[res->worst].message);
}

/* Hold a passing signer's path to p's rules (certificate policies, key usage any-of, chain length). */
static void policy_rules(const struct sb_trust_policy *p, struct sb_cms_signer *s)
{
    struct sb_err e;

    if (s->reason != SB_OK || s->chain == NULL) {
        return;
    }
    sb_err_clear(&e);
    if (sb_trust_policy_check_path(p, s->chain, NULL, NULL, &e) != SB_OK) {
        s->reason = e.reason;
        snprintf(s->message, sizeof(s->message), "policy %.32s: %.470s", p->id, e.msg);
    }
}

static void signer_identity(struct sb_cms_signer *s, X509 *cert)
{
    sb_report_name(X509_get_subject_name(cert), s->subject, sizeof(s->subject));
    sb_report_name(X509_get_issuer_name(cert), s->issuer, sizeof(s->issuer));
    sb_report_serial(cert, s->serial, sizeof(s->serial));
}

/* ---- XML-DSig ----------------------------------------------------------------------------------- */

static enum sb_reason xml_once(const struct sb_trust_policy *p, const struct sb_evidence *ev, time_t at,
                               struct sb_cms_result *res, struct sb_err *err)
{
    struct sb_xmldsig_verify_opts o;
    struct sb_xmldsig_result xr;
    struct sb_tp_inputs tp;
    struct sb_cms_signer *s;
    size_t i;
    enum sb_reason rc;

    memset(&xr, 0, sizeof(xr));
    memset(res, 0, sizeof(*res));
    if ((rc = sb_trust_policy_prepare(p, ev->certs, NULL, at, &tp, err)) != SB_OK) {
        return rc;
    }
    memset(&o, 0, sizeof(o));
    o.path = &tp.opts;
    o.anchors = tp.anchors;
    o.untrusted = tp.untrusted;
    rc = sb_xmldsig_verify(ev->obj, ev->obj_len, &o, &xr, err);
    res->reason = xr.reason;
    snprintf(res->message, sizeof(res->message), "%s", xr.message);
    if (xr.n_signers > 0) {
        if ((res->signers = OPENSSL_zalloc(xr.n_signers * sizeof(*res->signers))) == NULL) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            res->reason = rc;
            goto out;
        }
        res->n_signers = xr.n_signers;
        for (i = 0; i < xr.n_signers; i++) {
            s = &res->signers[i];
            s->reason = xr.signers[i].reason;
            memcpy(s->message, xr.signers[i].message, sizeof(s->message));
            memcpy(s->subject, xr.signers[i].subject, sizeof(s->subject));
            memcpy(s->issuer, xr.signers[i].issuer, sizeof(s->issuer));
            memcpy(s->serial, xr.signers[i].serial, sizeof(s->serial));
            memcpy(s->signing_time, xr.signers[i].signing_time, sizeof(s->signing_time));
            s->cert = xr.signers[i].cert;               /* ownership moves to res */
            xr.signers[i].cert = NULL;
            s->chain = xr.signers[i].chain;
            xr.signers[i].chain = NULL;
            policy_rules(p, s);
        }
        /* a document-level failure (unsigned content, duplicate Id) outranks the signers' verdicts */
        if (sb_reason_severity(xr.reason) > sb_reason_severity(res->signers[xr.worst].reason)) {
            rc = xr.reason;
        } else {
            pick_worst(res);
            rc = res->reason;
        }
        if (rc != SB_OK) {
            sb_err_set(err, rc, "%s", res->reason == rc ? res->message : xr.message);
        }
    }
out:
    sb_xmldsig_result_clear(&xr);
    sb_tp_inputs_clear(&tp);
    return rc;
}

static int claimed_time(const struct sb_cms_result *res, time_t *t)
{
    struct sb_err e;
    size_t i;

    for (i = 0; i < res->n_signers; i++) {
        if (res->signers[i].signing_time[0] != '\0' &&
            sb_time_parse_rfc3339(res->signers[i].signing_time, t, &e) == SB_OK) {
            return 1;
        }
    }
    return 0;
}

static enum sb_reason validate_xml(const struct sb_trust_policy *p, const struct sb_evidence *ev, time_t now,
                                   const time_t *at, struct sb_cms_result *res, time_t *at_used, struct sb_err *err)
{
    time_t t = at != NULL ? *at : now, claimed, policy_at;
    struct sb_err e;
    enum sb_reason rc;

    rc = xml_once(p, ev, t, res, err);
    if (at == NULL && claimed_time(res, &claimed)) {
        sb_err_clear(&e);
        if (sb_trust_policy_validation_time(p, now, &claimed, &policy_at, &e) != SB_OK) {
            res->reason = e.reason;
            snprintf(res->message, sizeof(res->message), "%s", e.msg);
            rc = sb_err_set(err, e.reason, "%s", e.msg);
        } else if (policy_at != t) {
            sb_cms_result_clear(res);
            t = policy_at;
            rc = xml_once(p, ev, t, res, err);
        }
    }
    *at_used = t;
    return rc;
}

/* ---- raw signatures ----------------------------------------------------------------------------- */

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
static enum sb_reason raw_sm2(const struct sb_trust_policy *p, const struct sb_evidence *ev, EVP_PKEY *pkey,
                              struct sb_err *err)
{
    const char *id = ev->sm2_id != NULL ? ev->sm2_id : p->sm2_default_id;
    const char *others[3];
    struct sb_err e;
    size_t i;
    enum sb_reason rc;

    if (p->sig_allow != 0 && (p->sig_allow & SB_SIGALG_SM2_SM3) == 0) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "policy %s does not allow sm2-sm3 signatures "
                          "(algorithms.signature)", p->id);
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
    others[1] = p->sm2_default_id;
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
static enum sb_reason raw_digest(const struct sb_trust_policy *p, const struct sb_evidence *ev, EVP_PKEY *pkey,
                                 struct sb_err *err)
{
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
    if (p->sig_allow != 0 && (p->sig_allow & bit) == 0) {
        return sb_err_set(err, SB_R_WEAK_ALGORITHM, "policy %s does not allow %s signatures (algorithms.signature)",
                          p->id, name);
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

static enum sb_reason raw_crypto(const struct sb_trust_policy *p, const struct sb_tp_inputs *tp,
                                 const struct sb_evidence *ev, struct sb_err *err)
{
    EVP_PKEY *pkey = X509_get0_pubkey(ev->signer);
    uint32_t flags;
    enum sb_reason rc;

    if (pkey == NULL) {
        ERR_clear_error();
        return sb_err_set(err, SB_R_CERT_MALFORMED, "the signer certificate's public key cannot be read");
    }
    if ((rc = sb_sig_check_key(pkey, &tp->opts.algs, err)) != SB_OK) {
        return rc;
    }
    rc = sb_sm2_is_sm2_key(pkey) ? raw_sm2(p, ev, pkey, err) : raw_digest(p, ev, pkey, err);
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

static enum sb_reason validate_raw(const struct sb_trust_policy *p, const struct sb_evidence *ev, time_t now,
                                   const time_t *at, struct sb_cms_result *res, time_t *at_used, struct sb_err *err)
{
    struct sb_tp_inputs tp;
    struct sb_chain_result cr;
    struct sb_cms_signer *s;
    struct sb_err ce, pe;
    time_t t = at != NULL ? *at : now;
    enum sb_reason crc, prc;

    memset(&tp, 0, sizeof(tp));
    memset(&cr, 0, sizeof(cr));
    *at_used = t;
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
    if (ev->has_claimed_time) {
        sb_time_format(ev->claimed_time, s->signing_time, sizeof(s->signing_time));
    }
    sb_err_clear(&ce);
    sb_err_clear(&pe);
    if (at == NULL && (crc = sb_trust_policy_validation_time(p, now, ev->has_claimed_time ? &ev->claimed_time : NULL,
                                                             &t, &ce)) != SB_OK) {
        s->reason = crc;
        snprintf(s->message, sizeof(s->message), "%s", ce.msg);
        goto done;
    }
    *at_used = t;
    if ((crc = sb_trust_policy_prepare(p, ev->certs, NULL, t, &tp, &ce)) != SB_OK) {
        s->reason = crc;
        snprintf(s->message, sizeof(s->message), "%s", ce.msg);
        goto done;
    }
    crc = raw_crypto(p, &tp, ev, &ce);
    prc = sb_trust_policy_validate(p, &tp, ev->signer, &cr, &pe);
    s->chain = cr.chain;                 /* leaf -> anchor as built, even when it failed */
    cr.chain = NULL;
    /* the worse of crypto and path; crypto first on a tie */
    if (crc != SB_OK && sb_reason_severity(crc) >= sb_reason_severity(prc)) {
        s->reason = crc;
        snprintf(s->message, sizeof(s->message), "%s", ce.msg);
    } else if (prc != SB_OK) {
        s->reason = prc;
        snprintf(s->message, sizeof(s->message), "%s", pe.msg);
    } else {
        s->reason = SB_OK;
        snprintf(s->message, sizeof(s->message), "signature and certification path valid under policy %s", p->id);
    }
done:
    sb_chain_result_clear(&cr);
    sb_tp_inputs_clear(&tp);
    pick_worst(res);
    if (res->reason != SB_OK) {
        return sb_err_set(err, res->reason, "%s", res->message);
    }
    return SB_OK;
}

enum sb_reason sb_evidence_validate(const struct sb_trust_policy *p, const struct sb_evidence *ev, time_t now,
                                    const time_t *at, struct sb_cms_result *res, time_t *at_used,
                                    struct sb_err *err)
{
    struct sb_validate_input vi;
    time_t used = at != NULL ? *at : now;
    enum sb_reason rc;

    memset(res, 0, sizeof(*res));
    switch (ev->format) {
    case SB_EV_CMS:
    case SB_EV_GMT0010:
        memset(&vi, 0, sizeof(vi));
        vi.obj = ev->obj;
        vi.len = ev->obj_len;
        vi.data = ev->content;
        vi.data_len = ev->content_len;
        if (ev->digest_len > 0) {
            vi.digest = ev->digest;
            vi.digest_len = ev->digest_len;
            vi.digest_alg = ev->digest_alg;
            vi.data = NULL;              /* the adapter checked the document against the digest */
            vi.data_len = 0;
        }
        vi.sm2_id = ev->sm2_id;
        vi.now = now;
        vi.at = at;
        rc = sb_validate_object(p, &vi, res, &used, err);
        break;
    case SB_EV_XMLDSIG:
        rc = validate_xml(p, ev, now, at, res, &used, err);
        break;
    case SB_EV_RAW_SIG:
        rc = validate_raw(p, ev, now, at, res, &used, err);
        break;
    default:
        rc = sb_err_set(err, SB_R_INTERNAL, "unknown evidence format %d", (int)ev->format);
        break;
    }
    if (at_used != NULL) {
        *at_used = used;
    }
    if (res->reason == SB_OK && rc != SB_OK) {
        res->reason = rc;
        snprintf(res->message, sizeof(res->message), "%s", err != NULL ? err->msg : sb_reason_message(rc));
    }
    if (rc == SB_OK && res->message[0] == '\0') {
        snprintf(res->message, sizeof(res->message), "%s", sb_reason_message(SB_OK));
    }
    return rc;
}
