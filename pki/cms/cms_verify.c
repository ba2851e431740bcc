/*
 * pki/cms/cms_verify.c — verification of every SignerInfo of a parsed SignedData (pki/cms/cms.h).
 *
 * Per signer: find the certificate (object's certificates, then the caller's; neither:
 * NO_SIGNING_CERTIFICATE_FOUND), check digest and signature algorithms against the allow-list, check
 * content-type / message-digest over the content (attached, detached or a caller-supplied digest, which must
 * use the signer's digest algorithm: else DIGEST_ALG_MISMATCH), verify the signature over the signed
 * attributes as received (re-tagged SET OF) or over the content, then validate the certificate path and key usage.
 * The signer outcome is the worse of the cryptographic and the path result (crypto first on a tie).
 */
#include "pki/cms/cms_local.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "pki/base/work_budget.h"
#include "pki/x509/chain.h"
#include "pki/base/hex.h"
#include "pki/x509/cert_format.h"
#include "pki/base/rfc3339_time.h"
#include "pki/crypto/sm2_cache.h"
#include "pki/x509/cert_memo.h"
#include "pki/x509/cert_decode.h"

#define SB_SM2_ID_MAX_LEN 8191

/* What every signer of one object shares. */
struct vctx {
    const struct sb_cms_verify_opts *o;
    const struct sb_cms_parsed *p;
    struct sb_path_opts path;          /* copy of *o->path with crls = the crls below */
    STACK_OF(X509) *untrusted;         /* owned shell: the caller's and the object's certificates */
    STACK_OF(X509) *anchors;           /* o->anchors, or owned empty stack */
    STACK_OF(X509) *own_anchors;       /* owned shell (may be NULL) */
    STACK_OF(X509_CRL) *crls;          /* owned shell: the caller's and the object's CRLs */
    struct sb_ocsp_supplied *ocsps;    /* owned array (OPENSSL_free; the DER borrowed): the caller's and the
                                        * object's OCSP responses */
    const unsigned char *content;      /* borrowed; NULL when none */
    size_t content_len;
    const struct sb_cms_md *given_md;  /* digest-only mode */
    int digest_conflict;               /* supplied digest matches neither the eContent nor its hash */
    int sig_budget;                    /* signature checks left for every signer's path together */
};

static int is_data_oid(const struct sb_der_elem *e)
{
    return sb_der_oid_is(e, SB_OID_PKCS7_DATA) || sb_der_oid_is(e, SB_OID_GMT_DATA);
}

/* content-type and message-digest attributes against the eContentType and the content / given digest. */
static enum sb_reason check_attrs(const struct vctx *c, const struct sb_cms_si *si, const struct sb_cms_alg *a,
                                  struct sb_err *err)
{
    const struct sb_der_elem *ect = &c->p->econtent_type;
    unsigned char dg[EVP_MAX_MD_SIZE];
    const unsigned char *want;
    char t1[80], t2[80];
    enum sb_reason rc;

    if (!si->has_ctype) {
        return sb_err_set(err, SB_R_FORMAT, "signed attributes lack the content-type attribute");
    }
    if ((si->attr_ctype.len != ect->len || memcmp(si->attr_ctype.content, ect->content, ect->len) != 0)
        && !(is_data_oid(&si->attr_ctype) && is_data_oid(ect))) {
        if (sb_der_oid_text(&si->attr_ctype, t1, sizeof(t1), "content-type", err) != SB_OK
            || sb_der_oid_text(ect, t2, sizeof(t2), "eContentType", err) != SB_OK) {
            return SB_R_FORMAT;
        }
        return sb_err_set(err, SB_R_FORMAT, "content-type attribute %s differs from eContentType %s", t1, t2);
    }
    if (!si->has_md) {
        return sb_err_set(err, SB_R_FORMAT, "signed attributes lack the message-digest attribute");
    }
    if (c->content != NULL) {
        if ((rc = sb_cms_md_compute(a->md, c->content, c->content_len, dg, err)) != SB_OK) {
            return rc;
        }
        want = dg;
    } else if (c->given_md != NULL) {
        if (c->given_md != a->md) {
            return sb_err_set(err, SB_R_DIGEST_ALG_MISMATCH, "a %s digest was supplied but the signer used %s",
                              c->given_md->name, a->md->name);
        }
        want = c->o->digest;
    } else {
        return sb_err_set(err, SB_R_SIGNED_DATA_NOT_FOUND, "detached signature: the signed content was not "
                          "supplied (give --data FILE or --digest HEX)");
    }
    if (si->attr_md.len != a->md->len || memcmp(si->attr_md.content, want, a->md->len) != 0) {
        return sb_err_set(err, SB_R_HASH_MISMATCH, "message-digest attribute does not match the %s of the %s",
                          a->md->name, c->content != NULL ? "content" : "supplied digest");
    }
    if (c->digest_conflict) {
        return sb_err_set(err, SB_R_HASH_MISMATCH, "the supplied digest matches neither the attached content "
                          "nor its digest");
    }
    return SB_OK;
}

/* sb_cms_verify_msg, with an SM2 signer's key form and ZA from the SM2 cache when there is one. A failure
 * there is re-checked the uncached way, which tells a wrong distinguishing ID from a bad signature. */
static enum sb_reason verify_msg(const struct vctx *c, const struct sb_cms_alg *a, X509 *cert, EVP_PKEY *pkey,
                                 const unsigned char *msg, size_t len, const struct sb_der_elem *sig, int is_content,
                                 struct sb_err *err)
{
    const ASN1_BIT_STRING *bits;
    struct sb_err tmp;

    if (a->sig->kind == SB_CMS_K_SM2 && c->o->sm2_cache != NULL && (bits = X509_get0_pubkey_bitstr(cert)) != NULL
        && sb_sm2_cache_verify(c->o->sm2_cache, pkey, ASN1_STRING_get0_data(bits), (size_t)ASN1_STRING_length(bits),
                               c->o->sm2_id, msg, len, sig->content, sig->len, &tmp) == SB_OK) {
        return SB_OK;
    }
    return sb_cms_verify_msg(a, pkey, c->o->sm2_id, msg, len, sig, is_content, err);
}

static enum sb_reason check_crypto(const struct vctx *c, const struct sb_cms_si *si, X509 *cert,
                                   struct sb_err *err)
{
    EVP_PKEY *pkey = sb_cert_pubkey(cert);
    unsigned char *tbs = NULL;
    struct sb_cms_alg a;
    enum sb_reason rc;

    if (pkey == NULL) {
        return sb_err_openssl(err, SB_R_SIG_CRYPTO, "the signer certificate's public key cannot be decoded");
    }
    if ((rc = sb_cms_read_algs(si, pkey, &c->path.algs, &a, err)) != SB_OK) {
        return rc;
    }
    if (si->has_attrs) {
        if ((rc = check_attrs(c, si, &a, err)) != SB_OK) {
            return rc;
        }
        if ((tbs = OPENSSL_malloc(si->attrs.der_len)) == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        memcpy(tbs, si->attrs.der, si->attrs.der_len);
        tbs[0] = 0x31; /* [0] IMPLICIT → SET OF: the signature covers the universal SET tag (RFC 5652 §5.4) */
        rc = verify_msg(c, &a, cert, pkey, tbs, si->attrs.der_len, &si->sig, 0, err);
        OPENSSL_free(tbs);
        return rc;
    }
    if (!is_data_oid(&c->p->econtent_type)) {
        return sb_err_set(err, SB_R_FORMAT, "eContentType is not data, so signed attributes are required");
    }
    if (c->content != NULL) {
        if ((rc = verify_msg(c, &a, cert, pkey, c->content, c->content_len, &si->sig, 1, err)) != SB_OK) {
            return rc;
        }
        if (c->digest_conflict) {
            return sb_err_set(err, SB_R_HASH_MISMATCH, "the supplied digest matches neither the attached content "
                              "nor its digest");
        }
        return SB_OK;
    }
    if (c->given_md == NULL) {
        return sb_err_set(err, SB_R_SIGNED_DATA_NOT_FOUND, "detached signature: the signed content was not "
                          "supplied (give --data FILE or --digest HEX)");
    }
    if (c->given_md != a.md) {
        return sb_err_set(err, SB_R_DIGEST_ALG_MISMATCH, "a %s digest was supplied but the signer used %s",
                          c->given_md->name, a.md->name);
    }
    return sb_cms_verify_prehashed(&a, pkey, c->o->digest, c->o->digest_len, &si->sig, err);
}

static X509 *find_cert(STACK_OF(X509) *sk, const struct sb_cms_si *si, const X509_NAME *iss,
                       const ASN1_INTEGER *ser)
{
    const ASN1_OCTET_STRING *kid;
    X509 *x;
    int i;

    for (i = 0; i < sk_X509_num(sk); i++) {
        x = sk_X509_value(sk, i);
        if (si->sid_ski) {
            kid = X509_get0_subject_key_id(x);
            if (kid != NULL && (size_t)ASN1_STRING_length(kid) == si->sid_keyid.len
                && memcmp(ASN1_STRING_get0_data(kid), si->sid_keyid.content, si->sid_keyid.len) == 0) {
                return x;
            }
        } else if (X509_NAME_cmp(X509_get_issuer_name(x), iss) == 0
                   && ASN1_INTEGER_cmp(X509_get0_serialNumber(x), ser) == 0) {
            return x;
        }
    }
    return NULL;
}

/* The certificate of sk whose issuer name and serial number are byte for byte those of si's
 * issuerAndSerialNumber: the usual case (signers copy them from their certificate), found without decoding
 * anything. NULL otherwise; find_cert then compares decoded values. */
static X509 *find_cert_exact(STACK_OF(X509) *sk, const struct sb_cms_si *si)
{
    const unsigned char *sd = si->sid_serial.content, *nd;
    size_t sl = si->sid_serial.len, nl;
    const ASN1_INTEGER *s;
    X509 *x;
    int i;

    if (sl == 0 || (sd[0] & 0x80) != 0) {
        return NULL;                                /* empty or negative: the decoding path */
    }
    if (sl > 1 && sd[0] == 0) {
        sd++;
        sl--;
    }
    for (i = 0; i < sk_X509_num(sk); i++) {
        x = sk_X509_value(sk, i);
        s = X509_get0_serialNumber(x);
        if (ASN1_STRING_type(s) != V_ASN1_INTEGER || (size_t)ASN1_STRING_length(s) != sl
            || memcmp(ASN1_STRING_get0_data(s), sd, sl) != 0) {
            continue;
        }
        if (X509_NAME_get0_der(X509_get_issuer_name(x), &nd, &nl) == 1 && nl == si->sid_issuer.der_len
            && memcmp(nd, si->sid_issuer.der, nl) == 0) {
            return x;
        }
    }
    return NULL;
}

static enum sb_reason signing_time(const struct sb_cms_si *si, char *buf, size_t len, struct sb_err *err)
{
    const unsigned char *q = si->attr_stime.der;
    ASN1_TIME *t = d2i_ASN1_TIME(NULL, &q, (long)si->attr_stime.der_len);
    time_t when = 0;
    int frac = 0, ok;

    ok = t != NULL && sb_asn1_time_to_unix(t, &when, &frac);
    ASN1_TIME_free(t);
    sb_openssl_errors_clear();
    if (!ok) {
        return sb_err_set(err, SB_R_FORMAT, "signing-time attribute is not a valid time");
    }
    sb_time_format(when, buf, len);
    return SB_OK;
}

/* The whole verdict for signer idx into out. */
static void verify_signer(const struct vctx *c, size_t idx, struct sb_cms_signer *out)
{
    const struct sb_cms_si *si = &c->p->si[idx];
    struct sb_chain_result cres = { NULL, NULL, NULL, 0 };
    struct sb_err cerr, xerr;
    X509_NAME *iss = NULL;
    ASN1_INTEGER *ser = NULL;
    const unsigned char *q;
    X509 *cert = NULL;
    uint32_t ku;
    enum sb_reason crc, xrc;

    sb_err_clear(&cerr);
    sb_err_clear(&xerr);
    if (si->sid_ski) {
        sb_hex_encode(si->sid_keyid.content, si->sid_keyid.len, out->serial, sizeof(out->serial));
        snprintf(out->message, sizeof(out->message), "subjectKeyIdentifier %s", out->serial);
        out->serial[0] = '\0';
    } else if ((cert = find_cert_exact(c->p->certs, si)) == NULL && (cert = find_cert_exact(c->untrusted, si)) == NULL
               && (cert = find_cert_exact(c->anchors, si)) == NULL) {
        q = si->sid_issuer.der;
        iss = d2i_X509_NAME(NULL, &q, (long)si->sid_issuer.der_len);
        q = si->sid_serial.der;
        ser = d2i_ASN1_INTEGER(NULL, &q, (long)si->sid_serial.der_len);
        sb_openssl_errors_clear();
        if (iss == NULL || ser == NULL) {
            out->reason = sb_err_set(&cerr, SB_R_FORMAT, "issuerAndSerialNumber cannot be decoded");
            snprintf(out->message, sizeof(out->message), "%s", cerr.msg);
            goto out;
        }
    }
    if (cert == NULL && (cert = find_cert(c->p->certs, si, iss, ser)) == NULL
        && (cert = find_cert(c->untrusted, si, iss, ser)) == NULL && (cert = find_cert(c->anchors, si, iss, ser)) == NULL) {
        if (!si->sid_ski) {
            sb_certfmt_name(iss, out->issuer, sizeof(out->issuer));
            sb_certfmt_integer(ser, out->serial, sizeof(out->serial));
            snprintf(out->message, sizeof(out->message), "issuer %.300s, serial %.100s", out->issuer, out->serial);
        }
        out->reason = sb_err_set(&cerr, SB_R_NO_SIGNING_CERTIFICATE_FOUND, "signer certificate (%s) is neither in "
                                 "the SignedData nor among the supplied certificates", out->message);
        snprintf(out->message, sizeof(out->message), "%s", cerr.msg);
        goto out;
    }
    if (!X509_up_ref(cert)) {
        out->reason = SB_R_INTERNAL;
        snprintf(out->message, sizeof(out->message), "cannot reference the signer certificate");
        goto out;
    }
    out->cert = cert;
    if (c->o->memo == NULL
        || !sb_cert_memo_names(c->o->memo, cert, out->subject, sizeof(out->subject), out->issuer,
                                  sizeof(out->issuer))) {
        sb_certfmt_name(X509_get_subject_name(cert), out->subject, sizeof(out->subject));
        sb_certfmt_name(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
    }
    sb_certfmt_serial(cert, out->serial, sizeof(out->serial));
    /* Under a work budget (pki/base/work_budget.h) the content signature is paid first and the path, whose
     * cost is known only as it is built, is checked before the content: a run that cannot pay for both stops
     * before verifying either. The two checks are independent; their order changes no outcome. */
    if (!sb_work_budget_take(c->path.budget, sb_sig_verify_cost(sb_cert_pubkey(cert)))) {
        out->reason = SB_R_INTERNAL;
        snprintf(out->message, sizeof(out->message), "the work budget of this run is spent");
        goto out;
    }
    xrc = sb_chain_validate(&c->path, cert, c->anchors, c->untrusted, &cres, &xerr);
    if (xrc == SB_OK) {
        ku = X509_get_key_usage(cert);
        if ((ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
            xrc = sb_err_set(&xerr, SB_R_KEY_USAGE, "signer certificate %s: keyUsage allows neither "
                             "digitalSignature nor nonRepudiation", out->subject);
        }
    }
    crc = SB_OK;
    if (si->has_stime) {
        crc = signing_time(si, out->signing_time, sizeof(out->signing_time), &cerr);
    }
    if (crc == SB_OK && !sb_work_budget_spent(c->path.budget)) {
        crc = check_crypto(c, si, cert, &cerr);
    }
    out->chain = cres.chain;
    cres.chain = NULL;
    out->revocation = cres.revocation;
    out->n_revocation = cres.n_revocation;
    cres.revocation = NULL;
    cres.n_revocation = 0;
    if (xrc == SB_OK) {
        out->policies = cres.policies;
        cres.policies = NULL;
    }
    if (crc != SB_OK && sb_reason_severity(crc) >= sb_reason_severity(xrc)) {
        out->reason = crc;
        snprintf(out->message, sizeof(out->message), "%s", cerr.msg);
    } else if (xrc != SB_OK) {
        out->reason = xrc;
        snprintf(out->message, sizeof(out->message), "%s", xerr.msg);
    } else {
        out->reason = SB_OK;
        snprintf(out->message, sizeof(out->message), "signature and certification path valid");
    }
out:
    sb_chain_result_clear(&cres);
    X509_NAME_free(iss);
    ASN1_INTEGER_free(ser);
}

void sb_cms_result_clear(struct sb_cms_result *r)
{
    size_t i;

    for (i = 0; r->signers != NULL && i < r->n_signers; i++) {
        X509_free(r->signers[i].cert);
        sk_X509_pop_free(r->signers[i].chain, X509_free);
        sk_ASN1_OBJECT_pop_free(r->signers[i].policies, ASN1_OBJECT_free);
        OPENSSL_free(r->signers[i].revocation);
        OPENSSL_free(r->signers[i].refs);
        OPENSSL_free(r->signers[i].sig_value);
    }
    OPENSSL_free(r->signers);
    OPENSSL_free(r->unsigned_content);
    memset(r, 0, sizeof(*r));
}

/* Options check and digest-only set-up. */
static enum sb_reason check_opts(const struct sb_cms_verify_opts *o, struct vctx *c, struct sb_err *err)
{
    if (o == NULL || o->path == NULL) {
        return sb_err_set(err, SB_R_USAGE, "sb_cms_verify: no options");
    }
    if (o->sm2_id != NULL && strlen(o->sm2_id) > SB_SM2_ID_MAX_LEN) {
        return sb_err_set(err, SB_R_USAGE, "SM2 ID longer than %d bytes", SB_SM2_ID_MAX_LEN);
    }
    if (o->digest == NULL) {
        return SB_OK;
    }
    if (o->data != NULL) {
        return sb_err_set(err, SB_R_USAGE, "give either the detached content or its digest, not both");
    }
    if (o->digest_alg == NULL || (c->given_md = sb_cms_md_by_name(o->digest_alg)) == NULL || c->given_md->nid == NID_md5
        || c->given_md->nid == NID_sha1) {
        return sb_err_set(err, SB_R_USAGE, "digest algorithm '%s' is not sha256, sha384, sha512 or sm3",
                          o->digest_alg != NULL ? o->digest_alg : "(none)");
    }
    if (o->digest_len != c->given_md->len) {
        return sb_err_set(err, SB_R_USAGE, "a %s digest is %zu bytes, %zu were given", o->digest_alg,
                          c->given_md->len, o->digest_len);
    }
    return SB_OK;
}

/* The caller's OCSP responses, then the object's (RFC 5940 and CAdES revocation-values, source embedded) unless its revocation data are
 * not to be used; 0 when out of memory. */
static int add_ocsps(struct vctx *c)
{
    const struct sb_path_opts *po = c->o->path;
    size_t i, n = po->n_ocsps, own = c->o->no_object_crls ? 0 : c->p->n_ocsps;

    if (own == 0) {
        return 1;                      /* the caller's, as they are */
    }
    if ((c->ocsps = OPENSSL_zalloc((n + own) * sizeof(*c->ocsps))) == NULL) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        c->ocsps[i] = po->ocsps[i];
    }
    for (i = 0; i < own; i++) {
        c->ocsps[n + i].der = c->p->ocsps[i].der;
        c->ocsps[n + i].len = c->p->ocsps[i].len;
        c->ocsps[n + i].source = SB_REV_SRC_EMBEDDED;
        c->ocsps[n + i].carried_off = c->p->ocsps[i].carried_off;
    }
    c->path.ocsps = c->ocsps;
    c->path.n_ocsps = n + own;
    return 1;
}

/* Shallow stacks of the caller's and the object's certificates and CRLs; their OCSP responses in one array. */
static enum sb_reason build_ctx(struct vctx *c, struct sb_err *err)
{
    const struct sb_cms_verify_opts *o = c->o;
    int i, ok = 1;

    c->path = *o->path;
    /* one budget for the whole object: 64 SignerInfos must not buy 64 full path searches */
    c->sig_budget = SB_CMS_PATH_SIG_BUDGET;
    if (c->path.shared_sig_budget == NULL) {
        c->path.shared_sig_budget = &c->sig_budget;
    }
    c->untrusted = sk_X509_new_null();
    c->crls = sk_X509_CRL_new_null();
    if (c->untrusted == NULL || c->crls == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    for (i = 0; ok && i < sk_X509_num(o->untrusted); i++) {
        ok = sk_X509_push(c->untrusted, sk_X509_value(o->untrusted, i)) > 0;
    }
    for (i = 0; ok && i < sk_X509_num(c->p->certs); i++) {
        ok = sk_X509_push(c->untrusted, sk_X509_value(c->p->certs, i)) > 0;
    }
    for (i = 0; ok && i < sk_X509_CRL_num(o->path->crls); i++) {
        ok = sk_X509_CRL_push(c->crls, sk_X509_CRL_value(o->path->crls, i)) > 0;
    }
    for (i = 0; ok && !o->no_object_crls && i < sk_X509_CRL_num(c->p->crls); i++) {
        ok = sk_X509_CRL_push(c->crls, sk_X509_CRL_value(c->p->crls, i)) > 0;
    }
    c->path.crls = c->crls;
    ok = ok && add_ocsps(c);
    if (!o->no_object_crls && sk_X509_CRL_num(c->p->crls) > 0) {
        c->path.embedded_crls = c->p->crls;      /* evidence: these are "embedded", the caller's "file" */
    }
    c->anchors = o->anchors;
    if (c->anchors == NULL) {
        ok = ok && (c->own_anchors = sk_X509_new_null()) != NULL;
        c->anchors = c->own_anchors;
    }
    return ok ? SB_OK : sb_err_set(err, SB_R_INTERNAL, "out of memory");
}

/* Digest-only with attached content: the supplied digest must be the content's hash or the content. */
static enum sb_reason digest_vs_econtent(struct vctx *c, struct sb_err *err)
{
    unsigned char dg[EVP_MAX_MD_SIZE];
    enum sb_reason rc;

    if ((rc = sb_cms_md_compute(c->given_md, c->content, c->content_len, dg, err)) != SB_OK) {
        return rc;
    }
    c->digest_conflict = memcmp(dg, c->o->digest, c->given_md->len) != 0
                         && !(c->content_len == c->o->digest_len
                              && memcmp(c->content, c->o->digest, c->content_len) == 0);
    return SB_OK;
}

enum sb_reason sb_cms_verify(const unsigned char *in, size_t len, const struct sb_cms_verify_opts *o,
                             struct sb_cms_result *res, struct sb_err *err)
{
    struct sb_cms_parsed *p = NULL;
    struct vctx c;
    struct sb_err e;
    size_t i;
    enum sb_reason rc;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    sb_err_clear(&e);
    c.o = o;
    if ((rc = check_opts(o, &c, &e)) != SB_OK) {
        goto fail;
    }
    if ((p = OPENSSL_zalloc(sizeof(*p))) == NULL) {
        rc = sb_err_set(&e, SB_R_INTERNAL, "out of memory");
        goto fail;
    }
    c.p = p;
    if ((rc = sb_cms_parse(in, len, o->cert_cache, o->path != NULL ? o->path->budget : NULL, p, &e)) != SB_OK) {
        goto fail;
    }
    res->format = p->format;
    res->detached = !p->has_econtent;
    if (o->data != NULL) {
        c.content = o->data;
        c.content_len = o->data_len;
    } else if (p->has_econtent) {
        c.content = p->econtent;
        c.content_len = p->econtent_len;
    } else if (p->has_mime_content && o->digest == NULL) {
        c.content = p->mime_content;
        c.content_len = p->mime_content_len;
    }
    if ((c.given_md != NULL && c.content != NULL && (rc = digest_vs_econtent(&c, &e)) != SB_OK)
        || (rc = build_ctx(&c, &e)) != SB_OK) {
        goto fail;
    }
    if ((res->signers = OPENSSL_zalloc(p->n_si * sizeof(*res->signers))) == NULL) {
        rc = sb_err_set(&e, SB_R_INTERNAL, "out of memory");
        goto fail;
    }
    res->n_signers = p->n_si;
    for (i = 0; i < p->n_si; i++) {
        verify_signer(&c, i, &res->signers[i]);
        if (sb_reason_severity(res->signers[i].reason) > sb_reason_severity(res->signers[res->worst].reason)) {
            res->worst = i;
        }
    }
    res->reason = res->signers[res->worst].reason;
    if (res->reason == SB_OK) {
        snprintf(res->message, sizeof(res->message), "%zu signature%s verified", p->n_si, p->n_si == 1 ? "" : "s");
    } else if (p->n_si == 1) {
        snprintf(res->message, sizeof(res->message), "%s", res->signers[0].message);
    } else {
        snprintf(res->message, sizeof(res->message), "signer %zu of %zu: %.480s", res->worst + 1, p->n_si,
                 res->signers[res->worst].message);
    }
    rc = sb_err_set(err, res->reason, "%s", res->message);
    goto out;
fail:
    res->reason = rc;
    snprintf(res->message, sizeof(res->message), "%s", e.msg);
    sb_err_set(err, rc, "%s", e.msg);
out:
    sk_X509_free(c.untrusted);
    sk_X509_free(c.own_anchors);
    sk_X509_CRL_free(c.crls);
    OPENSSL_free(c.ocsps);
    if (p != NULL) {
        sb_cms_parsed_free(p);
        OPENSSL_free(p);
    }
    return rc;
}
