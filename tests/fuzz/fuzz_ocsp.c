/*
 * tests/fuzz/fuzz_ocsp.c — OCSP response checking (pki/x509/ocsp.h, ocsp_verify.c, ocsp_responder.c): every
 * input is one DER OCSPResponse given to sb_ocsp_check() for a fixed (certificate, issuer) pair of the test PKI
 * (SB_FUZZ_PKI, default build/pki): hk/leaf.pem issued by hk/int.pem (RSA), or cn/leaf.pem issued by
 * cn/int.pem (SM2) when the response's signatureAlgorithm is SM2-with-SM3. Loaded once; harness state only.
 *
 * The seeds are real `openssl ocsp` responses made for these pairs at seed time (tests/fuzz/make-seeds.sh), so
 * the validation time is taken from the input: producedAt as OpenSSL reads it (SB_FUZZ_AT when it cannot),
 * moved by the input length. A mutation inside tbsResponseData breaks the signature, so for odd size / 3 the
 * harness re-signs what OpenSSL decodes of a successful basic response with the issuing CA's own key
 * (hk/int.key or cn/int.key; OpenSSL's default SM2 ID, i.e. ""), keeping every field but the signature
 * value, and checks that instead: times, certStatus, CertIDs, extensions and nonces are then reached behind
 * a valid signature. The length also picks the other options:
 *   size % 5        nonce: none / the response's own nonce / another 16-byte nonce / the response's own nonce
 *                   with a strict allow-list (SHA-256+ RSA >= 3072 bits: the seeds' 2048-bit keys are refused)
 *                   / 32 zero bytes
 *   size / 5 % 4    at = producedAt + 60 s / + 2 days / - 1 hour / + 60 s with max_age_s 1
 *   size / 20 % 4   sm2_id: NULL (GM/T default) / "" (what `openssl ocsp` signs with: OpenSSL 3's default) /
 *                   "1234567812345678" / "ALICE123@YAHOO.COM"
 *   size / 80 % 2   skew_s 0 / 300
 *
 * Checks (abort on violation): the returned reason equals err.reason and is OK, REVOKED or
 * REVOCATION_UNAVAILABLE; UNUSABLE <=> cause != NONE <=> detail != OK; GOOD => OK, REVOKED => OK (revoked
 * after at) or REVOKED, UNKNOWN/UNUSABLE => REVOCATION_UNAVAILABLE; REVOKED => revocationTime set and
 * revoked_after_at <=> revocationTime > at, a reason of -1, 0..10 or SB_OCSP_REASON_UNKNOWN; not REVOKED =>
 * no revocation time (nor one an unusable response claimed); a non-empty message; sha256 = SHA-256 of the
 * input; a usable response (GOOD / REVOKED / UNKNOWN) has responseStatus 0, thisUpdate and producedAt, a
 * responder, a nonce state that follows the options (never MISMATCH, NOT_SENT iff none was given, MATCHED
 * only for the response's own nonce) and no nonce "absent" while the response carries one;
 * GOOD / UNKNOWN are fresh (thisUpdate and producedAt <= at + skew, at <= nextUpdate + skew or, without
 * nextUpdate, at - thisUpdate <= max_age + skew); UNSUCCESSFUL has a responseStatus other than 0; and, for
 * the RSA pair, a usable response's signature also verifies with OpenSSL's OCSP_basic_verify (signer found
 * by its ResponderID among the issuer and the carried certificates, OCSP_NOVERIFY: signature only).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fuzz_common.h"
#include "pki/base/reason.h"
#include "pki/crypto/sig.h"
#include "pki/x509/ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Harness state: the two fixed pairs and the issuers' keys (read once, never changed). */
static struct {
    X509 *hk_leaf, *hk_int, *cn_leaf, *cn_int;
    EVP_PKEY *hk_key, *cn_key;
} P;

static void check(int cond, const char *what, const struct sb_ocsp_result *res)
{
    if (!cond) {
        fprintf(stderr, "fuzz_ocsp: invariant violated: %s (status %s, cause %s, detail %s: %s)\n", what,
                sb_ocsp_status_name(res->status), sb_ocsp_cause_name(res->cause), sb_reason_name(res->detail),
                res->message);
        abort();
    }
}

static X509 *read_pem(const char *pki, const char *name)
{
    char path[1024];
    BIO *b;
    X509 *x = NULL;

    snprintf(path, sizeof(path), "%s/%s", pki, name);
    if ((b = BIO_new_file(path, "r")) != NULL) {
        x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
    }
    if (x == NULL) {
        fprintf(stderr, "fuzz_ocsp: cannot read %s (set SB_FUZZ_PKI to the test PKI, tests/pki/make-all.sh)\n", path);
        abort();
    }
    return x;
}

static EVP_PKEY *read_key(const char *pki, const char *name)
{
    char path[1024];
    BIO *b;
    EVP_PKEY *k = NULL;

    snprintf(path, sizeof(path), "%s/%s", pki, name);
    if ((b = BIO_new_file(path, "r")) != NULL) {
        k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
        BIO_free(b);
    }
    if (k == NULL) {
        fprintf(stderr, "fuzz_ocsp: cannot read %s (set SB_FUZZ_PKI to the test PKI, tests/pki/make-all.sh)\n", path);
        abort();
    }
    return k;
}

static void teardown(void)
{
    EVP_PKEY_free(P.hk_key);
    EVP_PKEY_free(P.cn_key);
    X509_free(P.hk_leaf);
    X509_free(P.hk_int);
    X509_free(P.cn_leaf);
    X509_free(P.cn_int);
    memset(&P, 0, sizeof(P));
}

static void setup(void)
{
    const char *pki = getenv("SB_FUZZ_PKI");

    if (P.hk_leaf != NULL) {
        return;
    }
    pki = pki != NULL ? pki : "build/pki";
    P.hk_leaf = read_pem(pki, "hk/leaf.pem");
    P.hk_int = read_pem(pki, "hk/int.pem");
    P.cn_leaf = read_pem(pki, "cn/leaf.pem");
    P.cn_int = read_pem(pki, "cn/int.pem");
    P.hk_key = read_key(pki, "hk/int.key");
    P.cn_key = read_key(pki, "cn/int.key");
    atexit(teardown);
}

/* What the harness reads of the input with OpenSSL (its own view, independent of ocsp_verify.c). */
struct view {
    OCSP_BASICRESP *bs;                  /* NULL when not a successful basic response OpenSSL decodes */
    int sm2;                             /* signatureAlgorithm SM2-with-SM3 */
    time_t produced;                     /* 0 when unreadable */
    unsigned char nonce[64];             /* the response's nonce (inner OCTET STRING), when 1..64 bytes */
    size_t nonce_len;
    int has_nonce_ext;                   /* the response carries a nonce extension */
};

static time_t asn1_time(const ASN1_GENERALIZEDTIME *t)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
        return 0;
    }
    return timegm(&tm);
}

static void read_view(const uint8_t *data, size_t size, struct view *v)
{
    const unsigned char *p = data;
    OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)size);
    X509_EXTENSION *ext;
    ASN1_OCTET_STRING *inner;
    const ASN1_OCTET_STRING *val;
    const unsigned char *q;
    int i;

    memset(v, 0, sizeof(*v));
    if (r == NULL || OCSP_response_status(r) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
        (v->bs = OCSP_response_get1_basic(r)) == NULL) {
        OCSP_RESPONSE_free(r);
        return;
    }
    OCSP_RESPONSE_free(r);
    v->sm2 = OBJ_obj2nid(OCSP_resp_get0_tbs_sigalg(v->bs)->algorithm) == NID_SM2_with_SM3;
    v->produced = asn1_time(OCSP_resp_get0_produced_at(v->bs));
    if ((i = OCSP_BASICRESP_get_ext_by_NID(v->bs, NID_id_pkix_OCSP_Nonce, -1)) >= 0 &&
        (ext = OCSP_BASICRESP_get_ext(v->bs, i)) != NULL) {
        v->has_nonce_ext = 1;
        val = X509_EXTENSION_get_data(ext);
        q = ASN1_STRING_get0_data(val);
        if ((inner = d2i_ASN1_OCTET_STRING(NULL, &q, ASN1_STRING_length(val))) != NULL) {
            if (ASN1_STRING_length(inner) > 0 && (size_t)ASN1_STRING_length(inner) <= sizeof(v->nonce)) {
                v->nonce_len = (size_t)ASN1_STRING_length(inner);
                memcpy(v->nonce, ASN1_STRING_get0_data(inner), v->nonce_len);
            }
            ASN1_OCTET_STRING_free(inner);
        }
    }
}

/* OpenSSL's signature check of the response (signer by ResponderID among issuer and the carried certs). */
static int openssl_signature_ok(OCSP_BASICRESP *bs, X509 *issuer)
{
    STACK_OF(X509) *extra = sk_X509_new_null();
    X509_STORE *st = X509_STORE_new();
    int ok = 0;

    if (extra != NULL && st != NULL && sk_X509_push(extra, issuer)) {
        ok = OCSP_basic_verify(bs, extra, st, OCSP_NOVERIFY) == 1;
    }
    sk_X509_free(extra);
    X509_STORE_free(st);
    ERR_clear_error();
    return ok;
}

/* v->bs re-signed with key (its signatureAlgorithm's digest; SHA-256 when OpenSSL has none for it), as a
 * whole DER OCSPResponse (OPENSSL_malloc'd, *len set); NULL when OpenSSL cannot. */
static unsigned char *resign(const struct view *v, EVP_PKEY *key, size_t *len)
{
    X509_ALGOR *alg = (X509_ALGOR *)OCSP_resp_get0_tbs_sigalg(v->bs);
    ASN1_BIT_STRING *sig = (ASN1_BIT_STRING *)OCSP_resp_get0_signature(v->bs);
    const EVP_MD *md = NULL;
    OCSP_RESPONSE *r = NULL;
    unsigned char *out = NULL;
    int mdnid = NID_undef, pknid, n;

    if (OBJ_find_sigid_algs(OBJ_obj2nid(alg->algorithm), &mdnid, &pknid) && mdnid != NID_undef) {
        md = EVP_get_digestbynid(mdnid);
    }
    if (v->sm2) {
        md = EVP_sm3();
    }
    if (ASN1_item_sign(ASN1_ITEM_rptr(OCSP_RESPDATA), alg, NULL, sig, (void *)OCSP_resp_get0_respdata(v->bs), key,
                       md != NULL ? md : EVP_sha256()) <= 0 ||
        (r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, v->bs)) == NULL ||
        (n = i2d_OCSP_RESPONSE(r, &out)) <= 0) {
        OPENSSL_free(out);
        out = NULL;
        n = 0;
    }
    OCSP_RESPONSE_free(r);
    ERR_clear_error();
    *len = (size_t)n;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char other_nonce[16] = "fuzz-other-nonce";
    static const unsigned char zero_nonce[32] = { 0 };
    static const char *const ids[] = { NULL, "", "1234567812345678", "ALICE123@YAHOO.COM" };
    struct sb_ocsp_check_opts o;
    struct sb_ocsp_result res;
    struct sb_algs strict;
    struct sb_err err;
    struct view v;
    unsigned char dg[32];
    X509 *cert, *issuer;
    enum sb_reason rc;
    const size_t sel = size;             /* the options follow the input's own length */
    size_t nsel = sel % 5, tsel = sel / 5 % 4, n = 0;
    unsigned char *signed_der = NULL;
    time_t base;
    long slack;

    setup();
    read_view(data, size, &v);
    cert = v.sm2 ? P.cn_leaf : P.hk_leaf;
    issuer = v.sm2 ? P.cn_int : P.hk_int;
    if (sel / 3 % 2 && v.bs != NULL && (signed_der = resign(&v, v.sm2 ? P.cn_key : P.hk_key, &n)) != NULL) {
        OCSP_BASICRESP_free(v.bs);
        read_view(signed_der, n, &v);       /* (what the re-signed response carries) */
        data = signed_der;
        size = n;
    }
    base = v.produced != 0 ? v.produced : SB_FUZZ_AT;
    memset(&o, 0, sizeof(o));
    o.at = tsel == 0 || tsel == 3 ? base + 60 : tsel == 1 ? base + 2 * 86400 : base - 3600;
    o.max_age_s = tsel == 3 ? 1 : 0;
    o.skew_s = sel / 80 % 2 ? 300 : 0;
    o.sm2_id = ids[sel / 20 % 4];
    if ((nsel == 1 || nsel == 3) && v.nonce_len > 0 && v.nonce_len <= SB_OCSP_NONCE_MAX) {
        o.nonce = v.nonce;
        o.nonce_len = v.nonce_len;
    } else if (nsel == 2) {
        o.nonce = other_nonce;
        o.nonce_len = sizeof(other_nonce);
    } else if (nsel == 4) {
        o.nonce = zero_nonce;
        o.nonce_len = sizeof(zero_nonce);
    }
    if (nsel == 3) {
        sb_algs_default(&strict);
        strict.min_rsa_bits = 3072;
        o.algs = &strict;
    }
    sb_err_clear(&err);
    rc = sb_ocsp_check(data, size, cert, issuer, &o, &res, &err);
    sb_fuzz_debug(sb_ocsp_status_name(res.status), sb_ocsp_cause_name(res.cause), res.message);

    check(rc == err.reason, "the returned reason is err.reason", &res);
    check(rc == SB_OK || rc == SB_R_REVOKED || rc == SB_R_REVOCATION_UNAVAILABLE,
          "the reason is OK, REVOKED or REVOCATION_UNAVAILABLE", &res);
    check(res.message[0] != '\0' && memchr(res.message, '\0', sizeof(res.message)) != NULL, "a message", &res);
    check(rc == SB_OK || err.msg[0] != '\0', "a failure has a message in err", &res);
    check(EVP_Digest(data, size, dg, NULL, EVP_sha256(), NULL) && memcmp(dg, res.sha256, 32) == 0,
          "sha256 is the SHA-256 of the input", &res);
    check((res.status == SB_OCSP_UNUSABLE) == (res.cause != SB_OCSP_C_NONE), "UNUSABLE <=> cause != NONE", &res);
    check((res.status == SB_OCSP_UNUSABLE) == (res.detail != SB_OK), "UNUSABLE <=> detail != OK", &res);
    check(res.response_status >= -1, "responseStatus -1 or read", &res);
    switch (res.status) {
    case SB_OCSP_GOOD:
        check(rc == SB_OK, "GOOD => OK", &res);
        break;
    case SB_OCSP_REVOKED:
        check(rc == (res.revoked_after_at ? SB_OK : SB_R_REVOKED), "REVOKED => REVOKED, or OK after at", &res);
        check(res.revocation_time != 0, "REVOKED => revocationTime", &res);
        check(res.revoked_after_at == (res.revocation_time > o.at), "revoked_after_at <=> revocationTime > at", &res);
        check(res.revocation_reason >= -1 && res.revocation_reason <= SB_OCSP_REASON_UNKNOWN,
              "a CRLReason code, -1 or SB_OCSP_REASON_UNKNOWN", &res);
        break;
    default:
        check(rc == SB_R_REVOCATION_UNAVAILABLE, "UNKNOWN / UNUSABLE => REVOCATION_UNAVAILABLE", &res);
        break;
    }
    if (res.status != SB_OCSP_REVOKED) {
        check(res.revocation_time == 0 && !res.revoked_after_at, "no revocation time unless REVOKED", &res);
    }
    if (res.cause == SB_OCSP_C_UNSUCCESSFUL) {
        check(res.response_status > 0, "UNSUCCESSFUL => responseStatus other than successful", &res);
    }
    if (res.responder_status_unchecked) {
        check(res.responder == SB_OCSP_RESPONDER_DELEGATED && !res.responder_nocheck,
              "responder status unchecked => delegated without nocheck", &res);
    }
    if (res.status != SB_OCSP_UNUSABLE) {
        check(res.response_status == 0, "usable => responseStatus successful", &res);
        check(res.this_update != 0 && res.produced_at != 0, "usable => thisUpdate and producedAt", &res);
        check(res.responder != SB_OCSP_RESPONDER_NONE, "usable => a responder", &res);
        check(res.nonce != SB_OCSP_NONCE_MISMATCH, "usable => the nonce did not mismatch", &res);
        check((res.nonce == SB_OCSP_NONCE_NOT_SENT) == (o.nonce == NULL), "NOT_SENT <=> no nonce given", &res);
        check(res.nonce != SB_OCSP_NONCE_ABSENT || !v.has_nonce_ext, "ABSENT => the response carries none", &res);
        check(res.nonce != SB_OCSP_NONCE_MATCHED || (v.nonce_len == o.nonce_len &&
                                                     memcmp(v.nonce, o.nonce, o.nonce_len) == 0),
              "MATCHED => the response's nonce is the one given", &res);
        check(v.bs != NULL, "usable => OpenSSL decodes a successful basic response", &res);
        if (v.bs != NULL && !v.sm2) {
            check(openssl_signature_ok(v.bs, issuer), "usable => OpenSSL verifies the signature", &res);
        }
    }
    if (res.status == SB_OCSP_GOOD || res.status == SB_OCSP_UNKNOWN) {
        slack = o.skew_s;
        check(res.this_update <= o.at + slack && res.produced_at <= o.at + slack, "not from the future", &res);
        if (res.next_update != 0) {
            check(o.at <= res.next_update + slack, "at <= nextUpdate + skew", &res);
        } else {
            check(o.at - res.this_update <= (o.max_age_s != 0 ? o.max_age_s : SB_OCSP_DEFAULT_MAX_AGE_S) + slack,
                  "at - thisUpdate <= max_age (+ skew)", &res);
        }
    }
    OCSP_BASICRESP_free(v.bs);
    OPENSSL_free(signed_der);
    sb_fuzz_end();
    return 0;
}
