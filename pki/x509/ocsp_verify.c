/*
 * pki/x509/ocsp_verify.c — checking one OCSP response for one certificate (RFC 6960 §3.2, §4.2; RFC 5019 §4).
 *
 * Order: the response's structure (walked with the bounded DER cursor, which also yields the exact bytes of
 * tbsResponseData, then decoded by OpenSSL), responseStatus and responseType, the SingleResponse for the
 * certificate (CertID hashes recomputed with the CertID's algorithm: SHA-1 or SHA-256), the signer and the
 * signature (ocsp_responder.c), critical extensions, freshness, nonce, certStatus. The first failure decides
 * the cause. Verifier rules only: what RFC 6960 asks of responders (e.g. a nonce in the reply) is not required.
 * Everything decoded is freed before return; the result holds no pointers.
 */
#include "pki/x509/ocsp_local.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "pki/base/der.h"
#include "pki/base/digest.h"
#include "pki/base/rfc3339_time.h"
#include "pki/x509/cert_format.h"

#define OID_PKIX_OCSP_BASIC "1.3.6.1.5.5.7.48.1.1"
#define REASON_CERTIFICATE_HOLD 6

enum sb_ocsp_cause sb_ocsp_unusable(const struct ocsp_ck *ck, enum sb_ocsp_cause cause, enum sb_reason detail,
                                    const char *fmt, ...)
{
    char *m = ck->res->message;
    va_list ap;
    int n;

    ck->res->status = SB_OCSP_UNUSABLE;
    ck->res->cause = cause;
    ck->res->detail = detail;
    n = snprintf(m, sizeof(ck->res->message), "OCSP response for serial %.64s unusable: ", ck->serial);
    if (n > 0 && (size_t)n < sizeof(ck->res->message)) {
        va_start(ap, fmt);
        vsnprintf(m + n, sizeof(ck->res->message) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    sb_utf8_sanitize(m);
    return cause;
}

/* ---- structure --------------------------------------------------------------------------------- */

static const char *response_status_name(int st)
{
    switch (st) {
    case 1:
        return "malformedRequest";
    case 2:
        return "internalError";
    case 3:
        return "tryLater";
    case 5:
        return "sigRequired";
    case 6:
        return "unauthorized";
    default:
        return "an unassigned value";
    }
}

/* tbsResponseData: version, when present, is v1 (0). */
static enum sb_ocsp_cause check_version(const struct ocsp_ck *ck, const struct sb_der *b, const struct sb_der_elem *t)
{
    struct sb_der td, vx;
    struct sb_der_elem v, i;
    struct sb_err e;

    if (sb_der_enter(b, t, &td, "tbsResponseData", &e) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "%s", e.msg);
    }
    if (!sb_der_peek(&td, SB_DER_CONTEXT, 0)) {
        return SB_OCSP_C_NONE;
    }
    if (sb_der_expect(&td, SB_DER_CONTEXT, 0, 1, &v, "version", &e) != SB_OK
        || sb_der_enter(&td, &v, &vx, "version", &e) != SB_OK
        || sb_der_expect(&vx, SB_DER_UNIVERSAL, V_ASN1_INTEGER, 0, &i, "version", &e) != SB_OK
        || sb_der_done(&vx, "version", &e) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "%s", e.msg);
    }
    if (i.len != 1 || i.content[0] != 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "ResponseData version is not v1");
    }
    return SB_OCSP_C_NONE;
}

/*
 * OCSPResponse → responseStatus, ResponseBytes (id-pkix-ocsp-basic) → BasicOCSPResponse: *basic and *basic_len
 * get the BasicOCSPResponse encoding, ck->tbs and ck->tbs_len the bytes of tbsResponseData. Definite lengths
 * only, no trailing bytes at any level.
 */
static enum sb_ocsp_cause split_response(struct ocsp_ck *ck, const unsigned char *der, size_t len,
                                         const unsigned char **basic, size_t *basic_len)
{
    struct sb_der top, r, x, rb, oc, b;
    struct sb_der_elem e, st, ex, rbe, oid, oct, be, t, sa, sig, certs;
    struct sb_err er;
    char txt[80];

    sb_err_clear(&er);
    sb_der_init(&top, der, len, NULL);
    if (sb_der_expect(&top, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &e, "OCSPResponse", &er) != SB_OK
        || sb_der_done(&top, "OCSPResponse", &er) != SB_OK
        || sb_der_enter(&top, &e, &r, "OCSPResponse", &er) != SB_OK
        || sb_der_expect(&r, SB_DER_UNIVERSAL, V_ASN1_ENUMERATED, 0, &st, "responseStatus", &er) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "not an OCSPResponse: %s", er.msg);
    }
    if (st.len != 1 || st.content[0] > 0x7F) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "responseStatus is not a small ENUMERATED");
    }
    ck->res->response_status = st.content[0];
    if (st.content[0] != 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_UNSUCCESSFUL, SB_R_REVOCATION_UNAVAILABLE,
                                "responseStatus %d (%s): the responder gave no status", st.content[0],
                                response_status_name(st.content[0]));
    }
    if (sb_der_expect(&r, SB_DER_CONTEXT, 0, 1, &ex, "responseBytes", &er) != SB_OK
        || sb_der_done(&r, "OCSPResponse", &er) != SB_OK
        || sb_der_enter(&r, &ex, &x, "responseBytes", &er) != SB_OK
        || sb_der_expect(&x, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &rbe, "ResponseBytes", &er) != SB_OK
        || sb_der_done(&x, "responseBytes", &er) != SB_OK
        || sb_der_enter(&x, &rbe, &rb, "ResponseBytes", &er) != SB_OK
        || sb_der_expect(&rb, SB_DER_UNIVERSAL, V_ASN1_OBJECT, 0, &oid, "responseType", &er) != SB_OK
        || sb_der_expect(&rb, SB_DER_UNIVERSAL, V_ASN1_OCTET_STRING, 0, &oct, "response", &er) != SB_OK
        || sb_der_done(&rb, "ResponseBytes", &er) != SB_OK
        || sb_der_oid_text(&oid, txt, sizeof(txt), "responseType", &er) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "%s", er.msg);
    }
    if (strcmp(txt, OID_PKIX_OCSP_BASIC) != 0) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT,
                                "responseType %s is not id-pkix-ocsp-basic (" OID_PKIX_OCSP_BASIC ")", txt);
    }
    sb_der_init(&oc, oct.content, oct.len, NULL);
    if (sb_der_expect(&oc, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &be, "BasicOCSPResponse", &er) != SB_OK
        || sb_der_done(&oc, "BasicOCSPResponse", &er) != SB_OK
        || sb_der_enter(&oc, &be, &b, "BasicOCSPResponse", &er) != SB_OK
        || sb_der_expect(&b, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &t, "tbsResponseData", &er) != SB_OK
        || sb_der_expect(&b, SB_DER_UNIVERSAL, V_ASN1_SEQUENCE, 1, &sa, "signatureAlgorithm", &er) != SB_OK
        || sb_der_expect(&b, SB_DER_UNIVERSAL, V_ASN1_BIT_STRING, 0, &sig, "signature", &er) != SB_OK
        || (sb_der_peek(&b, SB_DER_CONTEXT, 0)
            && sb_der_expect(&b, SB_DER_CONTEXT, 0, 1, &certs, "certs", &er) != SB_OK)
        || sb_der_done(&b, "BasicOCSPResponse", &er) != SB_OK) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "%s", er.msg);
    }
    ck->tbs = t.der;
    ck->tbs_len = t.der_len;
    *basic = be.der;
    *basic_len = be.der_len;
    return check_version(ck, &b, &t);
}

/* ---- CertID ------------------------------------------------------------------------------------ */

static int digest_eq(const EVP_MD *md, const unsigned char *data, size_t len, const ASN1_OCTET_STRING *want)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;

    if (!EVP_Digest(data, len, h, &hlen, md, NULL)) {
        sb_openssl_errors_clear();
        return 0;
    }
    return ASN1_STRING_length(want) == (int)hlen && memcmp(ASN1_STRING_get0_data(want), h, hlen) == 0;
}

/* 1 if cid names ck->cert (SHA-1 or SHA-256 CertID; issuerNameHash over the certificate's issuer field, or the
 * issuer's subject when their encodings differ); *sha256 says which algorithm. */
static int certid_matches(const struct ocsp_ck *ck, const OCSP_CERTID *cid, int *sha256)
{
    ASN1_OCTET_STRING *name_hash = NULL, *key_hash = NULL;
    ASN1_OBJECT *alg = NULL;
    ASN1_INTEGER *serial = NULL;
    const ASN1_BIT_STRING *pub = X509_get0_pubkey_bitstr(ck->issuer);
    const unsigned char *n1 = NULL, *n2 = NULL;
    size_t l1 = 0, l2 = 0;
    const EVP_MD *md;
    int nid;

    if (!OCSP_id_get0_info(&name_hash, &alg, &key_hash, &serial, (OCSP_CERTID *)cid) || pub == NULL) {
        return 0;
    }
    nid = OBJ_obj2nid(alg);
    md = nid == NID_sha1 ? sb_md(SB_MD_SHA1) : nid == NID_sha256 ? sb_md(SB_MD_SHA256) : NULL;
    if (md == NULL || ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(ck->cert)) != 0
        || !digest_eq(md, pub->data, (size_t)pub->length, key_hash)
        || !X509_NAME_get0_der(X509_get_issuer_name(ck->cert), &n1, &l1)
        || !X509_NAME_get0_der(X509_get_subject_name(ck->issuer), &n2, &l2)) {
        sb_openssl_errors_clear();
        return 0;
    }
    *sha256 = nid == NID_sha256;
    return digest_eq(md, n1, l1, name_hash)
           || ((l1 != l2 || memcmp(n1, n2, l1) != 0) && digest_eq(md, n2, l2, name_hash));
}

/* The SingleResponse for the certificate: a revoked one when several match, else the first; NULL if none. */
static OCSP_SINGLERESP *find_single(const struct ocsp_ck *ck, int *sha256)
{
    OCSP_SINGLERESP *found = NULL, *s;
    int i, n = OCSP_resp_count(ck->bs), st, reason, h = 0;

    for (i = 0; i < n; i++) {
        s = OCSP_resp_get0(ck->bs, i);
        if (s == NULL || !certid_matches(ck, OCSP_SINGLERESP_get0_id(s), &h)) {
            continue;
        }
        st = OCSP_single_get0_status(s, &reason, NULL, NULL, NULL);
        if (found == NULL || st == V_OCSP_CERTSTATUS_REVOKED) {
            found = s;
            *sha256 = h;
        }
        if (st == V_OCSP_CERTSTATUS_REVOKED) {
            break;
        }
    }
    return found;
}

/* ---- extensions, times, nonce ------------------------------------------------------------------ */

/* The first critical extension of the response (other than the nonce) or of single; NULL when none. */
static X509_EXTENSION *critical_ext(OCSP_BASICRESP *bs, OCSP_SINGLERESP *single)
{
    X509_EXTENSION *x;
    int i;

    for (i = 0; i < OCSP_BASICRESP_get_ext_count(bs); i++) {
        x = OCSP_BASICRESP_get_ext(bs, i);
        if (X509_EXTENSION_get_critical(x) && OBJ_obj2nid(X509_EXTENSION_get_object(x)) != NID_id_pkix_OCSP_Nonce) {
            return x;
        }
    }
    for (i = 0; i < OCSP_SINGLERESP_get_ext_count(single); i++) {
        x = OCSP_SINGLERESP_get_ext(single, i);
        if (X509_EXTENSION_get_critical(x)) {
            return x;
        }
    }
    return NULL;
}

static int read_time(const ASN1_GENERALIZEDTIME *t, time_t *out)
{
    int frac = 0;

    return t != NULL && sb_asn1_time_to_unix(t, out, &frac);
}

/* Freshness at o->at (RFC 5019 §4, RFC 6960 §3.2 items 6-7): NONE, STALE or NOT_YET_VALID. */
static enum sb_ocsp_cause check_times(const struct ocsp_ck *ck)
{
    const struct sb_ocsp_check_opts *o = ck->o;
    const struct sb_ocsp_result *r = ck->res;
    long max_age = o->max_age_s > 0 ? o->max_age_s : SB_OCSP_DEFAULT_MAX_AGE_S;
    char a[32], b[32];

    sb_time_format(o->at, a, sizeof(a));
    if (r->produced_at > o->at + o->skew_s) {
        sb_time_format(r->produced_at, b, sizeof(b));
        return sb_ocsp_unusable(ck, SB_OCSP_C_NOT_YET_VALID, SB_R_REVOCATION_UNAVAILABLE,
                                "producedAt %s is later than the validation time %s (skew %lds)", b, a, o->skew_s);
    }
    if (r->this_update > o->at + o->skew_s) {
        sb_time_format(r->this_update, b, sizeof(b));
        return sb_ocsp_unusable(ck, SB_OCSP_C_NOT_YET_VALID, SB_R_REVOCATION_UNAVAILABLE,
                                "thisUpdate %s is later than the validation time %s (skew %lds)", b, a, o->skew_s);
    }
    if (r->next_update != 0 && o->at > r->next_update + o->skew_s) {
        sb_time_format(r->next_update, b, sizeof(b));
        return sb_ocsp_unusable(ck, SB_OCSP_C_STALE, SB_R_REVOCATION_UNAVAILABLE,
                                "stale: nextUpdate %s is before the validation time %s (skew %lds)", b, a, o->skew_s);
    }
    if (r->next_update == 0 && o->at - r->this_update > max_age) {
        sb_time_format(r->this_update, b, sizeof(b));
        return sb_ocsp_unusable(ck, SB_OCSP_C_STALE, SB_R_REVOCATION_UNAVAILABLE,
                                "stale: no nextUpdate, and thisUpdate %s is more than %lds before the validation time "
                                "%s", b, max_age, a);
    }
    return SB_OCSP_C_NONE;
}

/* RFC 8954: a nonce the caller sent must come back unchanged if the response has one. */
static enum sb_ocsp_cause check_nonce(const struct ocsp_ck *ck)
{
    const struct sb_ocsp_check_opts *o = ck->o;
    unsigned char want[2 + SB_OCSP_NONCE_MAX];
    const ASN1_OCTET_STRING *got;
    int idx;

    if (o->nonce == NULL || o->nonce_len == 0) {
        ck->res->nonce = SB_OCSP_NONCE_NOT_SENT;
        return SB_OCSP_C_NONE;
    }
    if ((idx = OCSP_BASICRESP_get_ext_by_NID(ck->bs, NID_id_pkix_OCSP_Nonce, -1)) < 0) {
        ck->res->nonce = SB_OCSP_NONCE_ABSENT;
        return SB_OCSP_C_NONE;
    }
    got = X509_EXTENSION_get_data(OCSP_BASICRESP_get_ext(ck->bs, idx));
    want[0] = V_ASN1_OCTET_STRING;            /* extnValue = OCTET STRING { nonce } */
    want[1] = (unsigned char)o->nonce_len;
    memcpy(want + 2, o->nonce, o->nonce_len);
    if (got == NULL || ASN1_STRING_length(got) != (int)o->nonce_len + 2
        || memcmp(ASN1_STRING_get0_data(got), want, o->nonce_len + 2) != 0) {
        ck->res->nonce = SB_OCSP_NONCE_MISMATCH;
        return sb_ocsp_unusable(ck, SB_OCSP_C_NONCE_MISMATCH, SB_R_REVOCATION_UNAVAILABLE,
                                "the response's nonce differs from the request's (a replayed or foreign response)");
    }
    ck->res->nonce = SB_OCSP_NONCE_MATCHED;
    return SB_OCSP_C_NONE;
}

/* ---- the check --------------------------------------------------------------------------------- */

/* Read certStatus and the times of single into ck->res: NONE or MALFORMED. */
static enum sb_ocsp_cause read_single(const struct ocsp_ck *ck, OCSP_SINGLERESP *single, int *st)
{
    ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
    struct sb_ocsp_result *r = ck->res;
    int reason = -1;

    *st = OCSP_single_get0_status(single, &reason, &rev, &thisupd, &nextupd);
    if (!read_time(thisupd, &r->this_update) || (nextupd != NULL && !read_time(nextupd, &r->next_update))) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "thisUpdate or nextUpdate cannot be read");
    }
    if (*st == V_OCSP_CERTSTATUS_REVOKED) {
        if (!read_time(rev, &r->revocation_time)) {
            return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "revocationTime cannot be read");
        }
        /* as revocation_crl.c: a value RFC 5280 §5.3.1 does not define (ENUMERATED 41, -5...) is 11, unknown;
         * OpenSSL gives -1 for none (and for an encoding it cannot read as a long) */
        r->revocation_reason = reason < -1 || reason > 10 ? SB_OCSP_REASON_UNKNOWN : reason;
    } else if (*st != V_OCSP_CERTSTATUS_GOOD && *st != V_OCSP_CERTSTATUS_UNKNOWN) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "certStatus cannot be read");
    }
    return SB_OCSP_C_NONE;
}

static const char *responder_text(const struct sb_ocsp_result *r)
{
    if (r->responder == SB_OCSP_RESPONDER_CA) {
        return "the issuing CA";
    }
    return r->responder_nocheck ? "a delegated responder (id-pkix-ocsp-nocheck)"
                                : "a delegated responder whose own revocation status was not checked";
}

/* The verdict of a usable response with certStatus st: fills status and message, returns the reason. */
static enum sb_reason decide(const struct ocsp_ck *ck, int st)
{
    struct sb_ocsp_result *r = ck->res;
    char tu[32], nu[32], rt[32];
    const char *nonce_note = r->nonce == SB_OCSP_NONCE_ABSENT ? "; the response carries no nonce (accepted)" : "";
    enum sb_reason rc = SB_OK;
    int n;

    r->cause = SB_OCSP_C_NONE;          /* a candidate that failed before the signer was found left its cause */
    r->detail = SB_OK;
    sb_time_format(r->this_update, tu, sizeof(tu));
    if (r->next_update != 0) {
        sb_time_format(r->next_update, nu, sizeof(nu));
    } else {
        snprintf(nu, sizeof(nu), "none");
    }
    switch (st) {
    case V_OCSP_CERTSTATUS_GOOD:
        r->status = SB_OCSP_GOOD;
        n = snprintf(r->message, sizeof(r->message), "OCSP: serial %s is good", ck->serial);
        break;
    case V_OCSP_CERTSTATUS_REVOKED:
        r->status = SB_OCSP_REVOKED;
        r->revoked_after_at = r->revocation_time > ck->o->at;
        rc = r->revoked_after_at ? SB_OK : SB_R_REVOKED;
        sb_time_format(r->revocation_time, rt, sizeof(rt));
        n = snprintf(r->message, sizeof(r->message), "OCSP: serial %s revoked at %s (reason %d)%s%s", ck->serial, rt,
                     r->revocation_reason, r->revoked_after_at ? ", after the validation time" : "",
                     ck->stale_revoked ? " by a stale response (revocation is final)" : "");
        break;
    default:
        r->status = SB_OCSP_UNKNOWN;
        rc = SB_R_REVOCATION_UNAVAILABLE;
        n = snprintf(r->message, sizeof(r->message), "OCSP: the responder does not know serial %s", ck->serial);
        break;
    }
    if (n > 0 && (size_t)n < sizeof(r->message)) {
        snprintf(r->message + n, sizeof(r->message) - (size_t)n, " (thisUpdate %s, nextUpdate %s, signed by %s%s)",
                 tu, nu, responder_text(r), nonce_note);
    }
    sb_utf8_sanitize(r->message);
    return rc;
}

/* A revoked status that stays true when the response is stale (certificateHold can be released). */
static int revoked_for_good(const struct sb_ocsp_result *r, int st, time_t at)
{
    return st == V_OCSP_CERTSTATUS_REVOKED && r->revocation_reason != REASON_CERTIFICATE_HOLD
           && r->revocation_time <= at;
}

static enum sb_ocsp_cause check_basic(struct ocsp_ck *ck, const unsigned char *basic, size_t basic_len, int *st)
{
    const unsigned char *p = basic;
    OCSP_SINGLERESP *single;
    X509_EXTENSION *crit;
    enum sb_ocsp_cause c;
    char oid[80];
    int sha256 = 0;

    if ((ck->bs = d2i_OCSP_BASICRESP(NULL, &p, (long)basic_len)) == NULL || p != basic + basic_len) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "BasicOCSPResponse cannot be decoded");
    }
    if (!read_time(OCSP_resp_get0_produced_at(ck->bs), &ck->res->produced_at)) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "producedAt cannot be read");
    }
    if ((single = find_single(ck, &sha256)) == NULL) {
        return sb_ocsp_unusable(ck, SB_OCSP_C_OTHER_CERT, SB_R_REVOCATION_UNAVAILABLE,
                                "no SingleResponse has a CertID (SHA-1 or SHA-256) for this certificate and issuer "
                                "(%d responses for other certificates)", OCSP_resp_count(ck->bs));
    }
    ck->res->certid_sha256 = sha256;
    if ((c = read_single(ck, single, st)) != SB_OCSP_C_NONE || (c = sb_ocsp_verify_responder(ck)) != SB_OCSP_C_NONE) {
        return c;
    }
    if ((crit = critical_ext(ck->bs, single)) != NULL) {
        OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(crit), 1);
        return sb_ocsp_unusable(ck, SB_OCSP_C_CRITICAL_EXTENSION, SB_R_UNKNOWN_CRITICAL_EXT,
                                "unrecognised critical extension %s", oid);
    }
    if ((c = check_times(ck)) != SB_OCSP_C_NONE) {
        if (c != SB_OCSP_C_STALE || !revoked_for_good(ck->res, *st, ck->o->at)) {
            return c;
        }
        ck->stale_revoked = 1;                  /* revoked, stale or not (as for CRLs) */
    }
    return check_nonce(ck);
}

enum sb_reason sb_ocsp_check(const unsigned char *der, size_t len, X509 *cert, X509 *issuer,
                             const struct sb_ocsp_check_opts *o, struct sb_ocsp_result *res, struct sb_err *err)
{
    struct ocsp_ck ck;
    struct sb_algs defaults;
    const unsigned char *basic = NULL;
    size_t basic_len = 0;
    enum sb_ocsp_cause c;
    enum sb_reason rc;
    int st = -1;

    if (res == NULL) {
        return sb_err_set(err, SB_R_USAGE, "OCSP check: no result");
    }
    memset(res, 0, sizeof(*res));
    res->response_status = -1;
    res->revocation_reason = -1;
    if (der == NULL || cert == NULL || issuer == NULL || o == NULL || o->skew_s < 0 || o->max_age_s < 0
        || (o->nonce != NULL && o->nonce_len > SB_OCSP_NONCE_MAX)) {
        snprintf(res->message, sizeof(res->message), "OCSP check: bad arguments");
        return sb_err_set(err, SB_R_USAGE, "%s", res->message);
    }
    memset(&ck, 0, sizeof(ck));
    sb_algs_default(&defaults);
    ck.o = o;
    ck.algs = o->algs != NULL ? o->algs : &defaults;
    ck.cert = cert;
    ck.issuer = issuer;
    ck.res = res;
    sb_certfmt_serial(cert, ck.serial, sizeof(ck.serial));
    sb_openssl_errors_clear();
    if (sb_md(SB_MD_SHA256) == NULL || !EVP_Digest(der, len, res->sha256, NULL, sb_md(SB_MD_SHA256), NULL)) {
        return sb_err_openssl(err, SB_R_INTERNAL, "OCSP check: SHA-256 is not available");
    }
    if (len == 0 || len > SB_OCSP_MAX_RESPONSE) {
        c = sb_ocsp_unusable(&ck, SB_OCSP_C_MALFORMED, SB_R_FORMAT, "%zu bytes (allowed 1 to %u)", len,
                             SB_OCSP_MAX_RESPONSE);
    } else if ((c = split_response(&ck, der, len, &basic, &basic_len)) == SB_OCSP_C_NONE) {
        c = check_basic(&ck, basic, basic_len, &st);
    }
    OCSP_BASICRESP_free(ck.bs);
    sb_openssl_errors_clear();
    if (c != SB_OCSP_C_NONE) {
        /* a revocationTime / reason read before the response proved unusable (bad signature, stale...) is
         * not the certificate's status: the result carries them for REVOKED only (ocsp.h) */
        res->revocation_time = 0;
        res->revocation_reason = -1;
        return sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "%s", res->message);
    }
    rc = decide(&ck, st);
    if (rc == SB_OK) {
        if (err != NULL) {
            sb_err_clear(err);
        }
        return SB_OK;
    }
    return sb_err_set(err, rc, "%s", res->message);
}
