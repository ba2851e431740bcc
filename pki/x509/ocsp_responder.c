/*
 * pki/x509/ocsp_responder.c — who signed an OCSP response, and may they (RFC 6960 §4.2.2.2, §4.2.2.2.1).
 *
 * Candidates are the certificates the ResponderID names (byName: subject; byKey: SHA-1 of the
 * subjectPublicKey value): the issuing CA first, then the certificates carried in the response. The first
 * candidate whose key verifies the signature over tbsResponseData is the signer (at most 4 carried certificates
 * are tried). The CA needs nothing more; a carried certificate must be a CA Designated Responder: issued
 * directly by the CA (issuer name and signature under the CA's key), id-kp-OCSPSigning, keyUsage (when
 * present) with digitalSignature, no unknown critical extension, valid at producedAt. id-pkix-ocsp-nocheck is recorded; without it the responder's own
 * status is reported as not checked (a client SHOULD check it, RFC 6960 §4.2.2.2.1, so it is not a failure).
 * Objects are only read; nothing is allocated beyond the call.
 */
#include "pki/x509/ocsp_local.h"

#include <string.h>

#include <openssl/x509v3.h>

#include "pki/base/digest.h"
#include "pki/x509/cert_decode.h"
#include "pki/x509/cert_format.h"

/* Carried certificates the ResponderID names whose key is tried on the signature: a response padded with
 * many same-named certificates must not buy many signature verifications. */
#define OCSP_MAX_CARRIED_TRIES 4

/* 1 if the ResponderID (name or key hash) names x. */
static int responder_id_names(const X509_NAME *name, const ASN1_OCTET_STRING *keyid, X509 *x)
{
    const ASN1_BIT_STRING *pub = X509_get0_pubkey_bitstr(x);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (name != NULL) {
        return X509_NAME_cmp(name, X509_get_subject_name(x)) == 0;
    }
    if (keyid == NULL || pub == NULL || sb_md(SB_MD_SHA1) == NULL
        || !EVP_Digest(pub->data, (size_t)pub->length, md, &mdlen, sb_md(SB_MD_SHA1), NULL)) {
        sb_openssl_errors_clear();
        return 0;
    }
    return ASN1_STRING_length(keyid) == (int)mdlen && memcmp(ASN1_STRING_get0_data(keyid), md, mdlen) == 0;
}

/* Verify the response signature with x's key: NONE, or BAD_SIGNATURE / WEAK_ALGORITHM noted. */
static enum sb_ocsp_cause verify_with(const struct ocsp_ck *ck, X509 *x, const char *who)
{
    EVP_PKEY *key = sb_cert_pubkey(x);          /* (a certificate from sb_cert_d2i has its key there only) */
    struct sb_err e;

    sb_err_clear(&e);
    if (key == NULL) {
        sb_openssl_errors_clear();
        return sb_ocsp_unusable(ck, SB_OCSP_C_BAD_SIGNATURE, SB_R_WEAK_KEY, "the %s's public key cannot be decoded",
                                who);
    }
    if (sb_sig_check_key(key, ck->algs, &e) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_WEAK_ALGORITHM, e.reason, "the %s's key is refused: %s", who, e.msg);
    }
    if (sb_sig_verify_tbs(OCSP_resp_get0_tbs_sigalg(ck->bs), OCSP_resp_get0_signature(ck->bs), ck->tbs, ck->tbs_len,
                          key, ck->o->sm2_id, "OCSP response", &e) != SB_OK) {
        return sb_ocsp_unusable(ck, e.reason == SB_R_WEAK_KEY ? SB_OCSP_C_WEAK_ALGORITHM : SB_OCSP_C_BAD_SIGNATURE,
                                e.reason, "signature does not verify with the %s's key (%s)", who, e.msg);
    }
    return SB_OCSP_C_NONE;
}

/* An unknown critical extension of x (id-pkix-ocsp-nocheck is known here); NULL when there is none. */
static X509_EXTENSION *unknown_critical(X509 *x)
{
    int i, n = X509_get_ext_count(x);

    for (i = 0; i < n; i++) {
        X509_EXTENSION *ext = X509_get_ext(x, i);

        if (X509_EXTENSION_get_critical(ext) && !X509_supported_extension(ext)
            && OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_id_pkix_OCSP_noCheck) {
            return ext;
        }
    }
    return NULL;
}

/* RFC 6960 §4.2.2.2: r (whose key verified the response) is a CA Designated Responder of ck->issuer. */
static enum sb_ocsp_cause authorise_delegated(const struct ocsp_ck *ck, X509 *r)
{
    EVP_PKEY *ca_key = sb_cert_pubkey(ck->issuer);
    X509_EXTENSION *crit;
    char rname[256], iname[256], oid[80];
    uint32_t flags;
    struct sb_err e;
    time_t at = ck->res->produced_at;

    sb_err_clear(&e);
    sb_certfmt_subject(r, rname, sizeof(rname));
    if (X509_NAME_cmp(X509_get_issuer_name(r), X509_get_subject_name(ck->issuer)) != 0) {
        sb_certfmt_name(X509_get_issuer_name(r), iname, sizeof(iname));
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_ISSUED_BY_CA, SB_R_NAME_MISMATCH,
                                "responder certificate %s is issued by %s, not by the certificate's issuer", rname,
                                iname);
    }
    if (sb_sig_check_cert_alg(r, ck->algs, &e) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_WEAK_ALGORITHM, e.reason, "responder certificate %s: %s", rname, e.msg);
    }
    if (ca_key == NULL || sb_sig_verify_cert(r, ca_key, ck->o->sm2_id, &e) != SB_OK) {
        sb_openssl_errors_clear();
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_ISSUED_BY_CA, ca_key == NULL ? SB_R_WEAK_KEY : e.reason,
                                "responder certificate %s names the issuer but is not signed by its key (%s)", rname,
                                ca_key == NULL ? "issuer key cannot be decoded" : e.msg);
    }
    flags = X509_get_extension_flags(r);
    if ((flags & EXFLAG_INVALID) != 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_AUTHORISED, SB_R_CERT_MALFORMED,
                                "responder certificate %s has malformed extensions", rname);
    }
    if ((flags & EXFLAG_XKUSAGE) == 0 || (X509_get_extended_key_usage(r) & XKU_OCSP_SIGN) == 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NO_OCSP_SIGNING, SB_R_EKU,
                                "responder certificate %s is not authorised: no id-kp-OCSPSigning in its extended "
                                "key usage", rname);
    }
    if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(r) & KU_DIGITAL_SIGNATURE) == 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_AUTHORISED, SB_R_KEY_USAGE,
                                "responder certificate %s: keyUsage lacks digitalSignature", rname);
    }
    if ((crit = unknown_critical(r)) != NULL) {
        OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(crit), 1);
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_AUTHORISED, SB_R_UNKNOWN_CRITICAL_EXT,
                                "responder certificate %s has the unknown critical extension %s", rname, oid);
    }
    if (ASN1_TIME_cmp_time_t(X509_get0_notBefore(r), at) > 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_AUTHORISED, SB_R_CERT_NOT_YET_VALID,
                                "responder certificate %s is not yet valid at producedAt", rname);
    }
    if (ASN1_TIME_cmp_time_t(X509_get0_notAfter(r), at) < 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_AUTHORISED, SB_R_CERT_EXPIRED,
                                "responder certificate %s has expired at producedAt", rname);
    }
    ck->res->responder = SB_OCSP_RESPONDER_DELEGATED;
    ck->res->responder_nocheck = X509_get_ext_by_NID(r, NID_id_pkix_OCSP_noCheck, -1) >= 0;
    ck->res->responder_status_unchecked = !ck->res->responder_nocheck;
    sb_openssl_errors_clear();
    return SB_OCSP_C_NONE;
}

enum sb_ocsp_cause sb_ocsp_verify_responder(const struct ocsp_ck *ck)
{
    const STACK_OF(X509) *certs = OCSP_resp_get0_certs(ck->bs);
    const ASN1_OCTET_STRING *keyid = NULL;
    const X509_NAME *name = NULL;
    enum sb_ocsp_cause cause = SB_OCSP_C_NONE, first = SB_OCSP_C_NONE;
    char saved[SB_ERR_MSG_MAX] = "";
    enum sb_reason saved_detail = SB_OK;
    struct sb_err e;
    int i, named = 0, tries = 0;

    sb_err_clear(&e);
    if (!OCSP_resp_get0_id(ck->bs, &keyid, &name) || (name == NULL && keyid == NULL)) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "ResponderID cannot be read");
    }
    if (sb_sig_check_alg(OCSP_resp_get0_tbs_sigalg(ck->bs), ck->algs, "OCSP response", &e) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_WEAK_ALGORITHM, e.reason, "%s", e.msg);
    }
    if (responder_id_names(name, keyid, ck->issuer)) {
        named = 1;
        if ((cause = verify_with(ck, ck->issuer, "issuing CA")) == SB_OCSP_C_NONE) {
            ck->res->responder = SB_OCSP_RESPONDER_CA;
            return SB_OCSP_C_NONE;
        }
        first = cause;
        saved_detail = ck->res->detail;
        memcpy(saved, ck->res->message, sizeof(saved));
    }
    for (i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);

        if (!responder_id_names(name, keyid, x) || X509_cmp(x, ck->issuer) == 0) {
            continue;
        }
        named = 1;
        if (++tries > OCSP_MAX_CARRIED_TRIES) {
            break;
        }
        if ((cause = verify_with(ck, x, "responder certificate")) == SB_OCSP_C_NONE) {
            return authorise_delegated(ck, x);
        }
        if (first == SB_OCSP_C_NONE) {
            first = cause;
            saved_detail = ck->res->detail;
            memcpy(saved, ck->res->message, sizeof(saved));
        }
    }
    if (!named) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_RESPONDER_NOT_AUTHORISED, SB_R_NO_SIGNING_CERTIFICATE_FOUND,
                                "the ResponderID (%s) names neither the certificate's issuer nor a certificate "
                                "carried in the response", name != NULL ? "byName" : "byKey");
    }
    /* report the first candidate's failure (the CA's when the ResponderID names it) */
    ck->res->status = SB_OCSP_UNUSABLE;
    ck->res->cause = first;
    ck->res->detail = saved_detail;
    memcpy(ck->res->message, saved, sizeof(saved));
    return first;
}
