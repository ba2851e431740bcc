/*
 * pki/x509/revocation_crl.c — one CRL against one certificate (RFC 5280 §6.3.3 (a)-(f), (i)-(j)).
 *
 * Candidate by issuer name (direct, or an indirect CRL from a cRLIssuer of the certificate's CRLDP),
 * extensions, scope (IDP), time, signature, and the certificate's entry. The decision over all CRLs is
 * revocation.c.
 *
 * Thread-safety: the shared X509_CRL objects are only read. The one exception is the sort OpenSSL does
 * itself under the CRL's lock inside X509_CRL_get0_by_serial; after that call the revoked stack is
 * stable, so it is only iterated afterwards. Indirect CRLs need the entries in encoded order (the
 * certificateIssuer entry extension carries forward), which a sorted stack no longer has, so they are
 * scanned on a private copy decoded from the CRL's DER.
 */
#include "pki/x509/revocation_local.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "pki/base/rfc3339_time.h"
#include "pki/x509/cert_format.h"
#include "pki/x509/cert_decode.h"
#include "pki/x509/sig_memo.h"

void sb_rev_number_str(const ASN1_INTEGER *ai, char *buf, size_t len)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(ai, NULL);
    char *s;

    snprintf(buf, len, "?");
    if (bn == NULL) {
        ERR_clear_error();
        return;
    }
    if ((s = BN_bn2dec(bn)) != NULL) {
        snprintf(buf, len, "%s", s);
    }
    OPENSSL_free(s);
    BN_free(bn);
}

static void asn1_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
    struct tm tm;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(buf, len, "(invalid time)");
    }
}

/* Bounded copy of src into dst (always terminated). */
static void str_copy(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);

    if (n >= len) {
        n = len - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Bounded append of src to the string in dst. */
static void str_append(char *dst, size_t len, const char *src)
{
    size_t used = strlen(dst);

    if (used + 1 < len) {
        str_copy(dst + used, len - used, src);
    }
}

void sb_rev_note(struct rev_check *ck, enum diag_prio prio, const char *fmt, ...)
{
    va_list ap;

    if (prio <= ck->prio) {
        return;
    }
    ck->prio = prio;
    va_start(ap, fmt);
    vsnprintf(ck->diag, sizeof(ck->diag), fmt, ap);
    va_end(ap);
}

/* A ReasonFlags BIT STRING as a mask over bits 1..8; all reasons when absent. */
static unsigned reason_mask(const ASN1_BIT_STRING *bs)
{
    unsigned m = 0;
    int i;

    if (bs == NULL) {
        return SB_REV_ALL_REASONS;
    }
    for (i = 1; i <= 8; i++) {
        if (ASN1_BIT_STRING_get_bit(bs, i)) {
            m |= 1u << i;
        }
    }
    return m;
}

static int gens_have_dirname(GENERAL_NAMES *gens, const X509_NAME *nm)
{
    int i;

    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

        if (g->type == GEN_DIRNAME && X509_NAME_cmp(g->d.directoryName, nm) == 0) {
            return 1;
        }
    }
    return 0;
}

const X509_NAME *sb_rev_gens_first_dirname(GENERAL_NAMES *gens)
{
    int i;

    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

        if (g->type == GEN_DIRNAME) {
            return g->d.directoryName;
        }
    }
    return NULL;
}

/* 1 if the (resolved) distribution point name contains g; a relative name is its full directoryName. */
static int dpn_has_gen(DIST_POINT_NAME *dpn, GENERAL_NAME *g)
{
    int i;

    if (dpn->type == 0) {
        for (i = 0; i < sk_GENERAL_NAME_num(dpn->name.fullname); i++) {
            if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(dpn->name.fullname, i), g) == 0) {
                return 1;
            }
        }
        return 0;
    }
    return dpn->dpname != NULL && g->type == GEN_DIRNAME && X509_NAME_cmp(dpn->dpname, g->d.directoryName) == 0;
}

static int dpn_has_dirname(DIST_POINT_NAME *dpn, const X509_NAME *nm)
{
    if (dpn->type == 0) {
        return gens_have_dirname(dpn->name.fullname, nm);
    }
    return dpn->dpname != NULL && X509_NAME_cmp(dpn->dpname, nm) == 0;
}

static int dpn_has_any(DIST_POINT_NAME *dpn, GENERAL_NAMES *gens)
{
    int i;

    for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        if (dpn_has_gen(dpn, sk_GENERAL_NAME_value(gens, i))) {
            return 1;
        }
    }
    return 0;
}

static int dpn_intersect(DIST_POINT_NAME *a, DIST_POINT_NAME *b)
{
    if (b->type == 0) {
        return dpn_has_any(a, b->name.fullname);
    }
    return b->dpname != NULL && dpn_has_dirname(a, b->dpname);
}

static int is_known_entry_ext(int nid)
{
    return nid == NID_crl_reason || nid == NID_invalidity_date || nid == NID_certificate_issuer ||
           nid == NID_hold_instruction_code;
}

/* Unknown critical entry extension of rev, or NULL. */
static X509_EXTENSION *entry_unknown_critical(const X509_REVOKED *rev)
{
    const STACK_OF(X509_EXTENSION) *exts = X509_REVOKED_get0_extensions(rev);
    int i;

    for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
        X509_EXTENSION *ext = sk_X509_EXTENSION_value(exts, i);

        if (X509_EXTENSION_get_critical(ext) && !is_known_entry_ext(OBJ_obj2nid(X509_EXTENSION_get_object(ext)))) {
            return ext;
        }
    }
    return NULL;
}

static void ext_name(X509_EXTENSION *ext, char *buf, size_t len)
{
    const ASN1_OBJECT *obj = X509_EXTENSION_get_object(ext);

    if (OBJ_obj2txt(buf, (int)len, obj, 1) <= 0) {
        snprintf(buf, len, "?");
    }
}

/* Record the entry found for the certificate. 0 (with why) when the entry is malformed. */
static int entry_record(const struct rev_check *ck, struct crl_info *ci, const X509_REVOKED *rev,
                        char *why, size_t wl)
{
    ASN1_ENUMERATED *re;
    const ASN1_TIME *d = X509_REVOKED_get0_revocationDate(rev);
    int crit = -1, cmp;
    long v;

    re = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
    if (re == NULL && crit != -1) {
        ERR_clear_error();
        snprintf(why, wl, "the entry for serial %s has a malformed reasonCode", ck->serial_s);
        return 0;
    }
    ci->reason = -1;
    if (re != NULL) {
        v = ASN1_ENUMERATED_get(re);
        ASN1_ENUMERATED_free(re);
        ci->reason = (v < 0 || v > 10) ? 11 : (int)v;
    }
    cmp = ASN1_TIME_cmp_time_t(d, ck->ctx->at);
    if (cmp == -2) {
        ERR_clear_error();
        snprintf(why, wl, "the entry for serial %s has a malformed revocationDate", ck->serial_s);
        return 0;
    }
    ci->revoked_by_at = cmp <= 0;
    if (!sb_asn1_time_to_unix(d, &ci->rev_time, NULL)) {
        ci->rev_time = 0;
    }
    asn1_time_str(d, ci->rev_date, sizeof(ci->rev_date));
    ci->listed = 1;
    return 1;
}

/* Direct CRL: sorted lookup (OpenSSL sorts under the CRL lock), then a read-only pass over the now stable
 * stack for unknown critical entry extensions. */
static int scan_direct(const struct rev_check *ck, struct crl_info *ci, char *why, size_t wl)
{
    X509_REVOKED *rev = NULL;
    STACK_OF(X509_REVOKED) *revs;
    X509_EXTENSION *bad;
    char oid[80];
    int i, n;

    if (X509_CRL_get0_by_serial(ci->crl, &rev, ck->serial) > 0 && rev != NULL) {
        if (!entry_record(ck, ci, rev, why, wl)) {
            return 0;
        }
    }
    revs = X509_CRL_get_REVOKED(ci->crl);
    n = sk_X509_REVOKED_num(revs);
    if (n > SB_REV_MAX_ENTRIES) {
        snprintf(why, wl, "it has %d entries (limit %d)", n, SB_REV_MAX_ENTRIES);
        return 0;
    }
    for (i = 0; i < n; i++) {
        if ((bad = entry_unknown_critical(sk_X509_REVOKED_value(revs, i))) != NULL) {
            ext_name(bad, oid, sizeof(oid));
            snprintf(why, wl, "unknown critical CRL entry extension %s", oid);
            return 0;
        }
    }
    return 1;
}

/* Indirect CRL: entries in encoded order from a private copy; certificateIssuer carries forward, and the
 * entries before the first one default to the CRL issuer. */
static int scan_indirect(const struct rev_check *ck, struct crl_info *ci, char *why, size_t wl)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    X509_CRL *copy = NULL;
    GENERAL_NAMES *cur = NULL, *g;
    STACK_OF(X509_REVOKED) *revs;
    const X509_NAME *crl_iss = X509_CRL_get_issuer(ci->crl);
    X509_EXTENSION *bad;
    char oid[80];
    int len, i, n, crit, match, ok = 0;

    if ((len = i2d_X509_CRL(ci->crl, &der)) <= 0) {
        ERR_clear_error();
        snprintf(why, wl, "it cannot be re-encoded");
        goto err;
    }
    p = der;
    if ((copy = d2i_X509_CRL(NULL, &p, len)) == NULL) {
        ERR_clear_error();
        snprintf(why, wl, "it cannot be decoded again");
        goto err;
    }
    revs = X509_CRL_get_REVOKED(copy);
    n = sk_X509_REVOKED_num(revs);
    if (n > SB_REV_MAX_ENTRIES) {
        snprintf(why, wl, "it has %d entries (limit %d)", n, SB_REV_MAX_ENTRIES);
        goto err;
    }
    for (i = 0; i < n; i++) {
        X509_REVOKED *rev = sk_X509_REVOKED_value(revs, i);

        if ((bad = entry_unknown_critical(rev)) != NULL) {
            ext_name(bad, oid, sizeof(oid));
            snprintf(why, wl, "unknown critical CRL entry extension %s", oid);
            goto err;
        }
        crit = -1;
        g = X509_REVOKED_get_ext_d2i(rev, NID_certificate_issuer, &crit, NULL);
        if (g == NULL && crit != -1) {
            ERR_clear_error();
            snprintf(why, wl, "entry %d has a malformed certificateIssuer extension", i + 1);
            goto err;
        }
        if (g != NULL) {
            GENERAL_NAMES_free(cur);
            cur = g;
        }
        if (ci->listed || ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(rev), ck->serial) != 0) {
            continue;
        }
        match = cur == NULL ? X509_NAME_cmp(crl_iss, ck->cert_iss) == 0 : gens_have_dirname(cur, ck->cert_iss);
        if (match && !entry_record(ck, ci, rev, why, wl)) {
            goto err;
        }
    }
    ok = 1;
err:
    GENERAL_NAMES_free(cur);
    X509_CRL_free(copy);
    OPENSSL_free(der);
    return ok;
}

/* The decoded value of ext (new; its type's _free), or NULL with why when it is malformed. */
static void *ext_value(X509_EXTENSION *ext, const char *name, char *why, size_t wl)
{
    void *v = X509V3_EXT_d2i(ext);

    if (v == NULL) {
        ERR_clear_error();
        snprintf(why, wl, "its %s extension is malformed", name);
    }
    return v;
}

/* CRL extensions: known ones decoded, at most one of each, unknown critical ones refused, CRL number
 * present and non-critical, a consistent IDP. 0 with why when the CRL must not be used. */
static int parse_crl_exts(struct crl_info *ci, char *why, size_t wl)
{
    const X509_CRL *crl = ci->crl;
    unsigned seen = 0, bit;
    int i, n = X509_CRL_get_ext_count(crl), nid, crit, only;
    char oid[80];

    for (i = 0; i < n; i++) {
        X509_EXTENSION *ext = X509_CRL_get_ext(crl, i);

        nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        crit = X509_EXTENSION_get_critical(ext);
        ext_name(ext, oid, sizeof(oid));
        switch (nid) {
        case NID_crl_number: bit = 1u; break;
        case NID_delta_crl: bit = 2u; break;
        case NID_issuing_distribution_point: bit = 4u; break;
        case NID_authority_key_identifier: bit = 8u; break;
        case NID_freshest_crl: bit = 16u; break;
        case NID_issuer_alt_name: bit = 32u; break;
        default:
            if (crit) {
                snprintf(why, wl, "unknown critical CRL extension %s", oid);
                return 0;
            }
            continue;
        }
        if ((seen & bit) != 0) {
            snprintf(why, wl, "CRL extension %s appears more than once", oid);
            return 0;
        }
        seen |= bit;
        switch (nid) {
        case NID_crl_number:
            if (crit) {
                snprintf(why, wl, "its CRL number extension is critical (RFC 5280 5.2.3)");
                return 0;
            }
            if ((ci->number = ext_value(ext, "CRL number", why, wl)) == NULL) {
                return 0;
            }
            break;
        case NID_delta_crl:
            if ((ci->base = ext_value(ext, "deltaCRLIndicator", why, wl)) == NULL) {
                return 0;
            }
            break;
        case NID_issuing_distribution_point:
            if ((ci->idp = ext_value(ext, "issuingDistributionPoint", why, wl)) == NULL) {
                return 0;
            }
            ci->idp_der = X509_EXTENSION_get_data(ext);
            break;
        case NID_freshest_crl:
            if (crit) {
                snprintf(why, wl, "its freshestCRL extension is critical (RFC 5280 5.2.6)");
                return 0;
            }
            break;
        default:
            break;
        }
    }
    if (ci->number == NULL) {
        snprintf(why, wl, "it has no CRL number extension (RFC 5280 5.2.3)");
        return 0;
    }
    if (ci->idp != NULL) {
        only = (ci->idp->onlyuser > 0) + (ci->idp->onlyCA > 0) + (ci->idp->onlyattr > 0);
        if (only > 1) {
            snprintf(why, wl, "its issuingDistributionPoint sets more than one onlyContains* flag");
            return 0;
        }
        if (ci->idp->distpoint != NULL && !DIST_POINT_set_dpname(ci->idp->distpoint, X509_CRL_get_issuer(crl))) {
            ERR_clear_error();
            snprintf(why, wl, "its issuingDistributionPoint name cannot be resolved");
            return 0;
        }
    }
    return 1;
}

/* 1 if a cRLIssuer of one of the certificate's distribution points is nm. */
static int dps_name_crl_issuer(STACK_OF(DIST_POINT) *dps, const X509_NAME *nm)
{
    int i;

    for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
        DIST_POINT *d = sk_DIST_POINT_value(dps, i);

        if (d->CRLissuer != NULL && gens_have_dirname(d->CRLissuer, nm)) {
            return 1;
        }
    }
    return 0;
}

/* Reasons for which the CRL covers the certificate (RFC 5280 6.3.3 b); 0 with why when out of scope. */
static unsigned crl_scope(const struct rev_check *ck, struct crl_info *ci, char *why, size_t wl)
{
    ISSUING_DIST_POINT *idp = ci->idp;
    const X509_NAME *crl_iss = X509_CRL_get_issuer(ci->crl);
    int direct = X509_NAME_cmp(crl_iss, ck->cert_iss) == 0;
    int indirect = idp != NULL && idp->indirectCRL > 0;
    unsigned dp_reasons = 0, r;
    int i;

    if (idp != NULL) {
        if (idp->onlyattr > 0) {
            snprintf(why, wl, "it only contains attribute certificates");
            return 0;
        }
        if (idp->onlyuser > 0 && ck->cert_is_ca) {
            snprintf(why, wl, "it only contains end-entity certificates and this is a CA certificate");
            return 0;
        }
        if (idp->onlyCA > 0 && !ck->cert_is_ca) {
            snprintf(why, wl, "it only contains CA certificates and this is an end-entity certificate");
            return 0;
        }
    }
    for (i = 0; i < sk_DIST_POINT_num(ck->dps); i++) {
        DIST_POINT *d = sk_DIST_POINT_value(ck->dps, i);

        if (d->CRLissuer != NULL) {
            if (!indirect || !gens_have_dirname(d->CRLissuer, crl_iss)) {
                continue;
            }
        } else if (!direct) {
            continue;
        }
        if (idp != NULL && idp->distpoint != NULL) {
            if (d->distpoint != NULL) {
                if (!dpn_intersect(idp->distpoint, d->distpoint)) {
                    continue;
                }
            } else if (d->CRLissuer == NULL || !dpn_has_any(idp->distpoint, d->CRLissuer)) {
                continue;
            }
        }
        dp_reasons |= reason_mask(d->reasons);
    }
    /* A CRL of the certificate's own issuer whose IDP names no distribution point covers all of the
     * issuer's certificates; without a CRLDP, an IDP naming the issuer itself also does. */
    if (dp_reasons == 0 && direct &&
        (idp == NULL || idp->distpoint == NULL ||
         (ck->dps == NULL && dpn_has_dirname(idp->distpoint, ck->cert_iss)))) {
        dp_reasons = SB_REV_ALL_REASONS;
    }
    if (dp_reasons == 0) {
        if (!direct && !indirect) {
            snprintf(why, wl, "it is not an indirect CRL, so it cannot cover certificates of another issuer");
        } else {
            snprintf(why, wl, "its issuingDistributionPoint name matches none of the certificate's "
                              "CRL distribution points");
        }
        return 0;
    }
    r = dp_reasons & (idp != NULL ? reason_mask(idp->onlysomereasons) : SB_REV_ALL_REASONS);
    if (r == 0) {
        snprintf(why, wl, "its onlySomeReasons share no reason with the certificate's distribution point");
    }
    return r;
}

/* Signature with an allowed algorithm by the certificate's issuer (with cRLSign) or by a signer the
 * path validator finds and validates. 0 with why otherwise. */
static int crl_signature(const struct rev_check *ck, struct crl_info *ci, char *why, size_t wl)
{
    const struct sb_revocation_ctx *ctx = ck->ctx;
    const X509_NAME *crl_iss = X509_CRL_get_issuer(ci->crl);
    EVP_PKEY *pkey, *signer_key = NULL;
    struct sb_err e;
    char first[200] = "";

    sb_err_clear(&e);
    if (sb_sig_check_crl_alg(ci->crl, ck->algs, &e) != SB_OK) {
        str_copy(why, wl, e.msg);
        return 0;
    }
    if (ck->issuer != NULL && X509_NAME_cmp(crl_iss, ck->cert_iss) == 0 &&
        X509_NAME_cmp(crl_iss, X509_get_subject_name(ck->issuer)) == 0 &&
        (pkey = sb_cert_pubkey(ck->issuer)) != NULL) {
        if (sb_sig_verify_crl_memo_budget(ctx->sig_memo, ctx->budget, ci->crl, ck->issuer, pkey, ctx->sm2_id, &e) == SB_OK) {
            if ((X509_get_key_usage(ck->issuer) & KU_CRL_SIGN) == 0) {
                snprintf(why, wl, "its issuer's certificate has a keyUsage without cRLSign");
                return 0;
            }
            return 1;
        }
        str_copy(first, sizeof(first), e.msg);
    }
    if (ctx->find_signer != NULL) {
        sb_err_clear(&e);
        if (ctx->find_signer(ctx->find_signer_arg, ci->crl, &signer_key, &e) == SB_OK) {
            return 1;
        }
        ERR_clear_error();
        str_copy(why, wl, first);
        str_append(why, wl, first[0] != '\0' ? "; no valid CRL signer: " : "no valid CRL signer: ");
        str_append(why, wl, e.msg[0] != '\0' ? e.msg : "none found");
        return 0;
    }
    if (first[0] != '\0') {
        str_copy(why, wl, first);
    } else {
        snprintf(why, wl, "no CRL signer certificate is available for its issuer");
    }
    return 0;
}

void sb_rev_crl_evaluate(struct rev_check *ck, struct crl_info *ci)
{
    const X509_NAME *crl_iss = X509_CRL_get_issuer(ci->crl);
    const ASN1_TIME *next;
    time_t tu;
    char why[300] = "", iss_s[SB_REV_NAME_MAX], num_s[48] = "", label[240], t_s[32];
    int direct = X509_NAME_cmp(crl_iss, ck->cert_iss) == 0, cmp, ok;

    if (!direct && !dps_name_crl_issuer(ck->dps, crl_iss)) {
        ci->state = CRL_SKIP;
        return;
    }
    ck->candidates++;
    sb_certfmt_name(crl_iss, iss_s, sizeof(iss_s));
    ci->state = CRL_UNUSABLE;
    ok = parse_crl_exts(ci, why, sizeof(why));
    if (ci->number != NULL) {
        sb_rev_number_str(ci->number, num_s, sizeof(num_s));
    }
    snprintf(label, sizeof(label), "%s%s%s from %s", ci->base != NULL ? "delta CRL" : "CRL",
             num_s[0] != '\0' ? " " : "", num_s, iss_s);
    if (!ok) {
        sb_rev_note(ck, DIAG_UNUSABLE, "%s is unusable: %s", label, why);
        return;
    }
    if ((ci->reasons = crl_scope(ck, ci, why, sizeof(why))) == 0) {
        ci->state = CRL_OUT_OF_SCOPE;
        sb_rev_note(ck, DIAG_SCOPE, "%s does not apply: %s", label, why);
        return;
    }
    cmp = ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(ci->crl), ck->ctx->at);
    if (cmp == -2 || cmp > 0) {
        ERR_clear_error();
        asn1_time_str(X509_CRL_get0_lastUpdate(ci->crl), t_s, sizeof(t_s));
        sb_rev_note(ck, DIAG_TIME, "%s is not yet valid (thisUpdate %s)", label, t_s);
        return;
    }
    if (!crl_signature(ck, ci, why, sizeof(why))) {
        sb_rev_note(ck, DIAG_UNUSABLE, "%s is unusable: %s", label, why);
        return;
    }
    ok = (ci->idp != NULL && ci->idp->indirectCRL > 0) ? scan_indirect(ck, ci, why, sizeof(why))
                                                      : scan_direct(ck, ci, why, sizeof(why));
    if (!ok) {
        ci->listed = 0;
        sb_rev_note(ck, DIAG_UNUSABLE, "%s is unusable: %s", label, why);
        return;
    }
    ci->state = CRL_USABLE;
    next = X509_CRL_get0_nextUpdate(ci->crl);
    cmp = next != NULL ? ASN1_TIME_cmp_time_t(next, ck->ctx->at) : -2;
    ci->current = cmp >= 0;
    if (next == NULL && ck->ctx->fetch != NULL && ck->ctx->fetch->max_age_s > 0) {
        /* local policy for a CRL without nextUpdate (RFC 5280 §5.1.2.5 binds the CA to include it): current
         * for max_age_s after its thisUpdate */
        ci->current = sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(ci->crl), &tu, NULL) &&
                      ck->ctx->at - tu <= ck->ctx->fetch->max_age_s;
        if (!ci->current) {
            sb_rev_note(ck, DIAG_TIME, "%s has no nextUpdate and is older than revocation.max_age_s %ds", label,
                        ck->ctx->fetch->max_age_s);
        }
    } else if (next == NULL) {
        sb_rev_note(ck, DIAG_TIME, "%s has no nextUpdate, so it is never current", label);
    } else if (!ci->current) {
        ERR_clear_error();
        asn1_time_str(next, t_s, sizeof(t_s));
        sb_rev_note(ck, DIAG_TIME, "%s expired at %s (nextUpdate)", label, t_s);
    }
}
