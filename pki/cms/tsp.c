/*
 * pki/cms/tsp.c — RFC 3161 requests, responses and token verification with OpenSSL's TS_* API (tsp.h).
 */
#include "pki/cms/tsp.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509_vfy.h>

#include "pki/base/rfc3339_time.h"

void sb_tsp_req_free(struct sb_tsp_req *req)
{
    if (req == NULL) {
        return;
    }
    OPENSSL_free(req->der);
    req->der = NULL;
    req->der_len = 0;
}

/* The request's imprint as a TS_MSG_IMPRINT (SHA-256). NULL when out of memory. */
static TS_MSG_IMPRINT *imprint_new(const unsigned char imprint[32])
{
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    TS_MSG_IMPRINT *ok = NULL;

    if (mi != NULL && alg != NULL && X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1 &&
        TS_MSG_IMPRINT_set_algo(mi, alg) == 1 && TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)imprint, 32) == 1) {
        ok = mi;
        mi = NULL;
    }
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    return ok;
}

enum sb_reason sb_tsp_request(const unsigned char imprint[32], const char *policy_oid, struct sb_tsp_req *req,
                              struct sb_err *err)
{
    TS_REQ *tq = NULL;
    TS_MSG_IMPRINT *mi = NULL;
    ASN1_OBJECT *pol = NULL;
    ASN1_INTEGER *nonce = NULL;
    BIGNUM *bn = NULL;
    unsigned char *der = NULL;
    enum sb_reason r = SB_R_INTERNAL;
    int n;

    memset(req, 0, sizeof(*req));
    memcpy(req->imprint, imprint, 32);
    if (policy_oid != NULL && (pol = OBJ_txt2obj(policy_oid, 1)) == NULL) {
        return sb_err_openssl(err, SB_R_USAGE, "time-stamp policy '%s' is not a dotted OID", policy_oid);
    }
    if (RAND_bytes(req->nonce, sizeof(req->nonce)) != 1) {
        r = sb_err_openssl(err, SB_R_INTERNAL, "no random bytes for the time-stamp nonce");
        goto out;
    }
    if ((tq = TS_REQ_new()) == NULL || TS_REQ_set_version(tq, 1) != 1 || (mi = imprint_new(imprint)) == NULL ||
        TS_REQ_set_msg_imprint(tq, mi) != 1 || (pol != NULL && TS_REQ_set_policy_id(tq, pol) != 1) ||
        (bn = BN_bin2bn(req->nonce, sizeof(req->nonce), NULL)) == NULL ||
        (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL || TS_REQ_set_nonce(tq, nonce) != 1 ||
        TS_REQ_set_cert_req(tq, 1) != 1 || (n = i2d_TS_REQ(tq, &der)) <= 0) {
        r = sb_err_openssl(err, SB_R_INTERNAL, "cannot build a time-stamp request");
        goto out;
    }
    req->der = der;
    req->der_len = (size_t)n;
    r = SB_OK;
out:
    TS_REQ_free(tq);
    TS_MSG_IMPRINT_free(mi);
    ASN1_OBJECT_free(pol);
    ASN1_INTEGER_free(nonce);
    BN_free(bn);
    return r;
}

/* ---- responses ---------------------------------------------------------------------------------- */

static const char *status_name(long s)
{
    static const char *const names[] = { "granted", "grantedWithMods", "rejection", "waiting",
                                         "revocationWarning", "revocationNotification" };

    return s >= 0 && s < (long)(sizeof(names) / sizeof(names[0])) ? names[s] : "unknown";
}

/* The PKIFailureInfo bits set in fi, as "badAlg,badRequest" into buf ("none" when there are none). */
static void fail_info_text(const ASN1_BIT_STRING *fi, char *buf, size_t len)
{
    static const struct { int bit; const char *name; } bits[] = {
        { TS_INFO_BAD_ALG, "badAlg" }, { TS_INFO_BAD_REQUEST, "badRequest" },
        { TS_INFO_BAD_DATA_FORMAT, "badDataFormat" }, { TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
        { TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" }, { TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
        { TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" }, { TS_INFO_SYSTEM_FAILURE, "systemFailure" },
    };
    size_t i, at = 0;

    buf[0] = '\0';
    for (i = 0; fi != NULL && i < sizeof(bits) / sizeof(bits[0]); i++) {
        if (ASN1_BIT_STRING_get_bit(fi, bits[i].bit) && at < len) {
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at > 0 ? "," : "", bits[i].name);
        }
    }
    if (buf[0] == '\0') {
        snprintf(buf, len, "none");
    }
}

/* SB_OK when ti names exactly imprint under SHA-256. */
static enum sb_reason check_imprint(TS_TST_INFO *ti, const unsigned char imprint[32], struct sb_err *err)
{
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(ti);
    X509_ALGOR *alg = mi != NULL ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
    ASN1_OCTET_STRING *m = mi != NULL ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
    const ASN1_OBJECT *oid = NULL;

    if (alg != NULL) {
        X509_ALGOR_get0(&oid, NULL, NULL, alg);
    }
    if (oid == NULL || OBJ_obj2nid(oid) != NID_sha256) {
        return sb_err_set(err, SB_R_HASH_MISMATCH, "the time-stamp token's imprint is not SHA-256");
    }
    if (m == NULL || ASN1_STRING_length(m) != 32 || memcmp(ASN1_STRING_get0_data(m), imprint, 32) != 0) {
        return sb_err_set(err, SB_R_HASH_MISMATCH, "the time-stamp token names another imprint");
    }
    return SB_OK;
}

static enum sb_reason gen_time_of(TS_TST_INFO *ti, time_t *out, struct sb_err *err)
{
    const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time(ti);
    time_t v = 0;
    int frac = 0;

    if (t == NULL || !sb_asn1_time_to_unix(t, &v, &frac)) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "the time-stamp token's genTime cannot be read");
    }
    if (out != NULL) {
        *out = v;
    }
    return SB_OK;
}

/* SB_OK when the status is granted or grantedWithMods; else the TSA's refusal, named. */
static enum sb_reason check_status(TS_RESP *rsp, struct sb_err *err)
{
    TS_STATUS_INFO *si = TS_RESP_get_status_info(rsp);
    const ASN1_INTEGER *st = si != NULL ? TS_STATUS_INFO_get0_status(si) : NULL;
    const STACK_OF(ASN1_UTF8STRING) *text = si != NULL ? TS_STATUS_INFO_get0_text(si) : NULL;
    const ASN1_UTF8STRING *t0 = text != NULL && sk_ASN1_UTF8STRING_num(text) > 0 ?
                                sk_ASN1_UTF8STRING_value(text, 0) : NULL;
    char fails[200];
    long s;

    if (st == NULL) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "the time-stamp response has no status");
    }
    s = ASN1_INTEGER_get(st);
    if (s == TS_STATUS_GRANTED || s == TS_STATUS_GRANTED_WITH_MODS) {
        return SB_OK;
    }
    fail_info_text(TS_STATUS_INFO_get0_failure_info(si), fails, sizeof(fails));
    return sb_err_set(err, SB_R_POLICY_PROCESSING, "the TSA refused: PKIStatus %ld (%s), failInfo %s%s%.*s%s", s,
                      status_name(s), fails, t0 != NULL ? ", text \"" : "",
                      t0 != NULL ? ASN1_STRING_length(t0) > 200 ? 200 : ASN1_STRING_length(t0) : 0,
                      t0 != NULL ? (const char *)ASN1_STRING_get0_data(t0) : "", t0 != NULL ? "\"" : "");
}

enum sb_reason sb_tsp_response(const struct sb_tsp_req *req, const unsigned char *der, size_t len,
                               unsigned char **token, size_t *token_len, time_t *gen_time, struct sb_err *err)
{
    const unsigned char *p = der;
    TS_RESP *rsp = NULL;
    PKCS7 *tok;
    TS_TST_INFO *ti;
    const ASN1_INTEGER *nonce;
    BIGNUM *want = NULL, *got = NULL;
    unsigned char *out = NULL;
    enum sb_reason r;
    int n;

    *token = NULL;
    *token_len = 0;
    if (len == 0 || len > SB_TSP_MAX_RESPONSE || (rsp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL ||
        p != der + len) {
        r = sb_err_openssl(err, SB_R_INPUT_MALFORMED, "not a time-stamp response (TimeStampResp DER)");
        goto out;
    }
    if ((r = check_status(rsp, err)) != SB_OK) {
        goto out;
    }
    if ((tok = TS_RESP_get_token(rsp)) == NULL || (ti = TS_RESP_get_tst_info(rsp)) == NULL) {
        r = sb_err_set(err, SB_R_INPUT_MALFORMED, "the time-stamp response was granted but holds no token");
        goto out;
    }
    if ((r = check_imprint(ti, req->imprint, err)) != SB_OK) {
        goto out;
    }
    if ((nonce = TS_TST_INFO_get_nonce(ti)) == NULL) {
        r = sb_err_set(err, SB_R_HASH_MISMATCH, "the time-stamp token has no nonce (the request had one)");
        goto out;
    }
    if ((want = BN_bin2bn(req->nonce, sizeof(req->nonce), NULL)) == NULL ||
        (got = ASN1_INTEGER_to_BN(nonce, NULL)) == NULL) {
        r = sb_err_openssl(err, SB_R_INTERNAL, "cannot compare the time-stamp nonce");
        goto out;
    }
    if (BN_cmp(want, got) != 0) {
        r = sb_err_set(err, SB_R_HASH_MISMATCH, "the time-stamp token answers another request (nonce differs)");
        goto out;
    }
    if ((r = gen_time_of(ti, gen_time, err)) != SB_OK) {
        goto out;
    }
    if ((n = i2d_PKCS7(tok, &out)) <= 0) {
        r = sb_err_openssl(err, SB_R_INTERNAL, "cannot encode the time-stamp token");
        goto out;
    }
    *token = out;
    *token_len = (size_t)n;
    r = SB_OK;
out:
    BN_free(want);
    BN_free(got);
    TS_RESP_free(rsp);
    return r;
}

/* ---- tokens ------------------------------------------------------------------------------------- */

/* Parse a TimeStampToken: the SignedData and its TSTInfo (both to be freed). */
static enum sb_reason token_parse(const unsigned char *der, size_t len, PKCS7 **tok, TS_TST_INFO **ti,
                                  struct sb_err *err)
{
    const unsigned char *p = der;

    *ti = NULL;
    if (len == 0 || len > SB_TSP_MAX_RESPONSE || (*tok = d2i_PKCS7(NULL, &p, (long)len)) == NULL) {
        *tok = NULL;
        return sb_err_openssl(err, SB_R_INPUT_MALFORMED, "not a time-stamp token (CMS SignedData DER)");
    }
    if (p != der + len || !PKCS7_type_is_signed(*tok) || (*ti = PKCS7_to_TS_TST_INFO(*tok)) == NULL) {
        PKCS7_free(*tok);
        *tok = NULL;
        return sb_err_openssl(err, SB_R_INPUT_MALFORMED, "not a time-stamp token (no TSTInfo)");
    }
    return SB_OK;
}

enum sb_reason sb_tsp_token_time(const unsigned char *token, size_t len, time_t *gen_time, struct sb_err *err)
{
    PKCS7 *tok;
    TS_TST_INFO *ti;
    enum sb_reason r;

    if ((r = token_parse(token, len, &tok, &ti, err)) != SB_OK) {
        return r;
    }
    r = gen_time_of(ti, gen_time, err);
    TS_TST_INFO_free(ti);
    PKCS7_free(tok);
    return r;
}

enum sb_reason sb_tsp_verify_token(const unsigned char *token, size_t len, const unsigned char imprint[32],
                                   STACK_OF(X509) *anchors, time_t *gen_time, struct sb_err *err)
{
    PKCS7 *tok = NULL;
    TS_TST_INFO *ti = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    X509_STORE *store = NULL;
    STACK_OF(X509) *untrusted = NULL;
    unsigned char *imp = NULL;
    time_t gen = 0;
    enum sb_reason r;
    int i;

    if ((r = token_parse(token, len, &tok, &ti, err)) != SB_OK) {
        return r;
    }
    /* the imprint first: its own reason, rather than a verification failure */
    if ((r = check_imprint(ti, imprint, err)) != SB_OK || (r = gen_time_of(ti, &gen, err)) != SB_OK) {
        goto out;
    }
    r = SB_R_INTERNAL;
    if ((ctx = TS_VERIFY_CTX_new()) == NULL || (store = X509_STORE_new()) == NULL ||
        (imp = OPENSSL_memdup(imprint, 32)) == NULL) {
        r = sb_err_openssl(err, SB_R_INTERNAL, "out of memory");
        goto out;
    }
    for (i = 0; anchors != NULL && i < sk_X509_num(anchors); i++) {
        if (X509_STORE_add_cert(store, sk_X509_value(anchors, i)) != 1) {
            r = sb_err_openssl(err, SB_R_INTERNAL, "cannot add a TSA anchor");
            goto out;
        }
    }
    /* the TSA's certificate path is judged at the token's genTime, not today: an anchor made while the TSA
     * certificate was valid stays valid after it expires (revocation of the TSA certificate: not checked) */
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), gen);
    /* the token's certificates: untrusted path candidates (the signer is looked up among them too) */
    if (tok->d.sign->cert != NULL && (untrusted = X509_chain_up_ref(tok->d.sign->cert)) == NULL) {
        r = sb_err_openssl(err, SB_R_INTERNAL, "out of memory");
        goto out;
    }
    /* the context owns store, untrusted and imp from here */
    TS_VERIFY_CTX_set_store(ctx, store);
    store = NULL;
    if (untrusted != NULL) {
        TS_VERIFY_CTX_set_certs(ctx, untrusted);
        untrusted = NULL;
    }
    TS_VERIFY_CTX_set_imprint(ctx, imp, 32);
    imp = NULL;
    /* SIGNATURE: the SignedData signature, the ESS signing certificate, the signer's path to an anchor
     * with the timestamping purpose (extKeyUsage timeStamping, critical) */
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_IMPRINT);
    if (TS_RESP_verify_token(ctx, tok) != 1) {
        r = sb_err_openssl(err, SB_R_SIG_CRYPTO, "the time-stamp token does not verify");
        goto out;
    }
    if (gen_time != NULL) {
        *gen_time = gen;
    }
    r = SB_OK;
out:
    TS_VERIFY_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_pop_free(untrusted, X509_free);
    OPENSSL_free(imp);
    TS_TST_INFO_free(ti);
    PKCS7_free(tok);
    return r;
}
