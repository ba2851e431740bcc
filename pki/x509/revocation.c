/*
 * pki/x509/revocation.c — RFC 5280 §6.3 CRL processing over caller-supplied CRLs.
 *
 * One call evaluates every supplied CRL (capped at SB_REV_MAX_CRLS) against one certificate: candidate
 * by issuer name (direct, or an indirect CRL from a cRLIssuer of the certificate's CRLDP), extensions,
 * scope (IDP), time, signature, entries. Then delta CRLs are bound to a current complete CRL, listings
 * are applied (certificateHold can be released by a newer CRL of the same scope), and in require mode
 * the reasons covered by current complete CRLs must be all reasons.
 *
 * Thread-safety: the shared X509_CRL objects are only read. The one exception is the sort OpenSSL does
 * itself under the CRL's lock inside X509_CRL_get0_by_serial; after that call the revoked stack is
 * stable, so it is only iterated afterwards. Indirect CRLs need the entries in encoded order (the
 * certificateIssuer entry extension carries forward), which a sorted stack no longer has, so they are
 * scanned on a private copy decoded from the CRL's DER.
 */
#include "pki/x509/revocation.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#define SB_REV_MAX_CRLS 256          /* CRLs considered per check; the rest are ignored */
#define SB_REV_MAX_ENTRIES 1000000   /* entries a CRL may hold before it is refused as unusable */
#define SB_REV_ALL_REASONS 0x1FEu    /* ReasonFlags bits 1 (keyCompromise) .. 8 (aACompromise) */
#define SB_REV_REASON_HOLD 6
#define SB_REV_REASON_REMOVE 8
#define SB_REV_NAME_MAX 160

enum crl_state {
    CRL_SKIP = 0,          /* not from the certificate's issuer nor from one of its cRLIssuers */
    CRL_OUT_OF_SCOPE,      /* right issuer, but its scope does not include this certificate */
    CRL_UNUSABLE,          /* must not be used (signature, extensions, time, entries) */
    CRL_USABLE
};

/* Diagnostic priorities for REVOCATION_UNAVAILABLE: the highest is the closest to success. */
enum diag_prio { DIAG_NONE = 0, DIAG_SCOPE, DIAG_UNUSABLE, DIAG_TIME, DIAG_COVERAGE };

struct crl_info {
    X509_CRL *crl;                     /* borrowed: ctx->crls */
    enum crl_state state;
    ISSUING_DIST_POINT *idp;           /* owned; NULL when absent */
    const ASN1_OCTET_STRING *idp_der;  /* borrowed: IDP extension value, for "same scope" */
    ASN1_INTEGER *number;              /* owned: CRL number */
    ASN1_INTEGER *base;                /* owned: BaseCRLNumber; non-NULL marks a delta CRL */
    unsigned reasons;                  /* IDP onlySomeReasons ∩ reasons of the matched DPs */
    int current;                       /* usable and thisUpdate <= at <= nextUpdate */
    int listed;                        /* an entry for the certificate was found */
    int reason;                        /* its CRLReason, -1 when absent */
    int revoked_by_at;                 /* its revocationDate <= at */
    char rev_date[32];
};

struct rev_check {
    const struct sb_revocation_ctx *ctx;
    X509 *issuer;
    const X509_NAME *cert_iss;
    const ASN1_INTEGER *serial;
    STACK_OF(DIST_POINT) *dps;         /* owned: the certificate's CRLDP, NULL when absent */
    int cert_is_ca;
    const struct sb_algs *algs;
    struct sb_algs algs_default;
    int candidates;                    /* CRLs from a relevant issuer */
    enum diag_prio prio;
    char diag[300];
    char serial_s[48];
    char iss_s[SB_REV_NAME_MAX];
};

static void name_str(const X509_NAME *nm, char *buf, size_t len)
{
    BIO *b = BIO_new(BIO_s_mem());
    int n;

    buf[0] = '\0';
    if (b == NULL) {
        return;
    }
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
        n = BIO_read(b, buf, (int)len - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
}

/* Lowercase hex (with '-' for negative values) or decimal of an INTEGER. */
static void int_str(const ASN1_INTEGER *ai, int hex, char *buf, size_t len)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(ai, NULL);
    char *s = NULL, *p;

    snprintf(buf, len, "?");
    if (bn == NULL) {
        ERR_clear_error();
        return;
    }
    s = hex ? BN_bn2hex(bn) : BN_bn2dec(bn);
    if (s != NULL) {
        for (p = s; *p != '\0'; p++) {
            if (*p >= 'A' && *p <= 'F') {
                *p = (char)(*p - 'A' + 'a');
            }
        }
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

static const char *reason_name(int r)
{
    switch (r) {
    case -1: return "unspecified (no reasonCode)";
    case 0: return "unspecified";
    case 1: return "keyCompromise";
    case 2: return "cACompromise";
    case 3: return "affiliationChanged";
    case 4: return "superseded";
    case 5: return "cessationOfOperation";
    case 6: return "certificateHold";
    case 8: return "removeFromCRL";
    case 9: return "privilegeWithdrawn";
    case 10: return "aACompromise";
    default: return "unknown reason";
    }
}

/* ReasonFlags bit names, indexed by bit number. */
static const char *const reason_bit_names[9] = {
    "unused", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
    "cessationOfOperation", "certificateHold", "privilegeWithdrawn", "aACompromise"
};

__attribute__((format(printf, 3, 4)))
static void note(struct rev_check *ck, enum diag_prio prio, const char *fmt, ...)
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

static const X509_NAME *gens_first_dirname(GENERAL_NAMES *gens)
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
            if ((ci->number = X509V3_EXT_d2i(ext)) == NULL) {
                ERR_clear_error();
                snprintf(why, wl, "its CRL number extension is malformed");
                return 0;
            }
            break;
        case NID_delta_crl:
            if ((ci->base = X509V3_EXT_d2i(ext)) == NULL) {
                ERR_clear_error();
                snprintf(why, wl, "its deltaCRLIndicator extension is malformed");
                return 0;
            }
            break;
        case NID_issuing_distribution_point:
            if ((ci->idp = X509V3_EXT_d2i(ext)) == NULL) {
                ERR_clear_error();
                snprintf(why, wl, "its issuingDistributionPoint extension is malformed");
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
        (pkey = X509_get0_pubkey(ck->issuer)) != NULL) {
        if (sb_sig_verify_crl(ci->crl, pkey, ctx->sm2_id, &e) == SB_OK) {
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

/* Evaluate one CRL for the certificate: sets ci->state, scope reasons, currency and the entry lookup. */
static void crl_evaluate(struct rev_check *ck, struct crl_info *ci)
{
    const X509_NAME *crl_iss = X509_CRL_get_issuer(ci->crl);
    const ASN1_TIME *next;
    char why[300] = "", iss_s[SB_REV_NAME_MAX], num_s[48] = "", label[240], t_s[32];
    int direct = X509_NAME_cmp(crl_iss, ck->cert_iss) == 0, cmp, ok;

    if (!direct && !dps_name_crl_issuer(ck->dps, crl_iss)) {
        ci->state = CRL_SKIP;
        return;
    }
    ck->candidates++;
    name_str(crl_iss, iss_s, sizeof(iss_s));
    ci->state = CRL_UNUSABLE;
    ok = parse_crl_exts(ci, why, sizeof(why));
    if (ci->number != NULL) {
        int_str(ci->number, 0, num_s, sizeof(num_s));
    }
    snprintf(label, sizeof(label), "%s%s%s from %s", ci->base != NULL ? "delta CRL" : "CRL",
             num_s[0] != '\0' ? " " : "", num_s, iss_s);
    if (!ok) {
        note(ck, DIAG_UNUSABLE, "%s is unusable: %s", label, why);
        return;
    }
    if ((ci->reasons = crl_scope(ck, ci, why, sizeof(why))) == 0) {
        ci->state = CRL_OUT_OF_SCOPE;
        note(ck, DIAG_SCOPE, "%s does not apply: %s", label, why);
        return;
    }
    cmp = ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(ci->crl), ck->ctx->at);
    if (cmp == -2 || cmp > 0) {
        ERR_clear_error();
        asn1_time_str(X509_CRL_get0_lastUpdate(ci->crl), t_s, sizeof(t_s));
        note(ck, DIAG_TIME, "%s is not yet valid (thisUpdate %s)", label, t_s);
        return;
    }
    if (!crl_signature(ck, ci, why, sizeof(why))) {
        note(ck, DIAG_UNUSABLE, "%s is unusable: %s", label, why);
        return;
    }
    ok = (ci->idp != NULL && ci->idp->indirectCRL > 0) ? scan_indirect(ck, ci, why, sizeof(why))
                                                      : scan_direct(ck, ci, why, sizeof(why));
    if (!ok) {
        ci->listed = 0;
        note(ck, DIAG_UNUSABLE, "%s is unusable: %s", label, why);
        return;
    }
    ci->state = CRL_USABLE;
    next = X509_CRL_get0_nextUpdate(ci->crl);
    cmp = next != NULL ? ASN1_TIME_cmp_time_t(next, ck->ctx->at) : -2;
    ci->current = cmp >= 0;
    if (next == NULL) {
        note(ck, DIAG_TIME, "%s has no nextUpdate, so it is never current", label);
    } else if (!ci->current) {
        ERR_clear_error();
        asn1_time_str(next, t_s, sizeof(t_s));
        note(ck, DIAG_TIME, "%s expired at %s (nextUpdate)", label, t_s);
    }
}

static int same_scope(const struct crl_info *a, const struct crl_info *b)
{
    if (X509_NAME_cmp(X509_CRL_get_issuer(a->crl), X509_CRL_get_issuer(b->crl)) != 0) {
        return 0;
    }
    if (a->idp_der == NULL || b->idp_der == NULL) {
        return a->idp_der == NULL && b->idp_der == NULL;
    }
    return ASN1_STRING_cmp(a->idp_der, b->idp_der) == 0;
}

/* A delta CRL is usable only with a current complete CRL of the same scope numbered >= its base. */
static void bind_deltas(struct rev_check *ck, struct crl_info *infos, int n)
{
    char iss_s[SB_REV_NAME_MAX], num_s[48], base_s[48];
    int i, j, found;

    for (i = 0; i < n; i++) {
        struct crl_info *d = &infos[i];

        if (d->state != CRL_USABLE || d->base == NULL) {
            continue;
        }
        found = 0;
        for (j = 0; j < n && !found; j++) {
            const struct crl_info *b = &infos[j];

            found = b->state == CRL_USABLE && b->base == NULL && b->current && same_scope(b, d) &&
                    ASN1_INTEGER_cmp(b->number, d->base) >= 0;
        }
        if (!found) {
            d->state = CRL_UNUSABLE;
            name_str(X509_CRL_get_issuer(d->crl), iss_s, sizeof(iss_s));
            int_str(d->number, 0, num_s, sizeof(num_s));
            int_str(d->base, 0, base_s, sizeof(base_s));
            note(ck, DIAG_UNUSABLE, "delta CRL %s from %s is unusable: no current complete CRL with CRL number "
                                    ">= its base %s", num_s, iss_s, base_s);
        }
    }
}

/* A certificateHold listing in L is released by a newer CRL of the same scope: a current delta listing
 * removeFromCRL, or a complete CRL that no longer lists the certificate. Other reasons are permanent. */
static int listing_released(const struct crl_info *infos, int n, const struct crl_info *l)
{
    int j;

    if (l->reason != SB_REV_REASON_HOLD) {
        return 0;
    }
    for (j = 0; j < n; j++) {
        const struct crl_info *m = &infos[j];

        if (m == l || m->state != CRL_USABLE || !same_scope(m, l) || ASN1_INTEGER_cmp(m->number, l->number) <= 0) {
            continue;
        }
        if (m->base != NULL) {
            if (m->current && m->listed && m->reason == SB_REV_REASON_REMOVE) {
                return 1;
            }
        } else if (!m->listed || m->reason == SB_REV_REASON_REMOVE) {
            return 1;
        }
    }
    return 0;
}

static void mask_names(unsigned mask, char *buf, size_t len)
{
    size_t used = 0;
    int i, w;

    buf[0] = '\0';
    for (i = 1; i <= 8; i++) {
        if ((mask & (1u << i)) == 0) {
            continue;
        }
        w = snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "", reason_bit_names[i]);
        if (w < 0 || (size_t)w >= len - used) {
            return;
        }
        used += (size_t)w;
    }
}

enum sb_reason sb_revocation_check(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                   struct sb_err *err)
{
    struct rev_check ck;
    struct crl_info *infos = NULL;
    const struct crl_info *best;
    char iss_s[SB_REV_NAME_MAX], num_s[48], missing[160], at_s[32];
    unsigned mask = 0;
    int i, n = 0, crit = -1, total;
    enum sb_reason rc;
    struct tm tm;

    memset(&ck, 0, sizeof(ck));
    if (ctx == NULL || cert == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "revocation check called without context or certificate");
    }
    switch (ctx->mode) {
    case SB_REV_OFF:
        sb_err_clear(err);
        return SB_OK;
    case SB_REV_PREFER:
    case SB_REV_REQUIRE:
        break;
    default:
        return sb_err_set(err, SB_R_INTERNAL, "unknown revocation mode %d", (int)ctx->mode);
    }
    ck.ctx = ctx;
    ck.issuer = issuer;
    ck.cert_iss = X509_get_issuer_name(cert);
    ck.serial = X509_get0_serialNumber(cert);
    ck.cert_is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
    if (ctx->algs != NULL) {
        ck.algs = ctx->algs;
    } else {
        sb_algs_default(&ck.algs_default);
        ck.algs = &ck.algs_default;
    }
    int_str(ck.serial, 1, ck.serial_s, sizeof(ck.serial_s));
    name_str(ck.cert_iss, ck.iss_s, sizeof(ck.iss_s));
    ck.dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, &crit, NULL);
    if (ck.dps == NULL && crit != -1) {
        rc = sb_err_openssl(err, SB_R_CERT_MALFORMED,
                            "certificate serial %s (issuer %s): malformed or repeated CRL distribution points extension",
                            ck.serial_s, ck.iss_s);
        goto err;
    }
    for (i = 0; i < sk_DIST_POINT_num(ck.dps); i++) {
        DIST_POINT *d = sk_DIST_POINT_value(ck.dps, i);
        const X509_NAME *base = d->CRLissuer != NULL ? gens_first_dirname(d->CRLissuer) : NULL;

        if (d->distpoint != NULL && !DIST_POINT_set_dpname(d->distpoint, base != NULL ? base : ck.cert_iss)) {
            rc = sb_err_openssl(err, SB_R_INTERNAL, "cannot resolve a relative CRL distribution point name");
            goto err;
        }
    }
    total = ctx->crls != NULL ? sk_X509_CRL_num(ctx->crls) : 0;
    n = total > SB_REV_MAX_CRLS ? SB_REV_MAX_CRLS : total;
    if (n > 0 && (infos = calloc((size_t)n, sizeof(*infos))) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        goto err;
    }
    for (i = 0; i < n; i++) {
        infos[i].crl = sk_X509_CRL_value(ctx->crls, i);
        infos[i].reason = -1;
        if (infos[i].crl != NULL) {
            crl_evaluate(&ck, &infos[i]);
        }
    }
    bind_deltas(&ck, infos, n);

    /* Revoked in any usable CRL, current or stale, unless a certificateHold was released since. The
     * listing reported is the one from the newest CRL (a delta may have turned a hold into a revocation). */
    best = NULL;
    for (i = 0; i < n; i++) {
        const struct crl_info *ci = &infos[i];

        if (ci->state != CRL_USABLE || !ci->listed || !ci->revoked_by_at || ci->reason == SB_REV_REASON_REMOVE ||
            listing_released(infos, n, ci)) {
            continue;
        }
        if (best == NULL || ASN1_INTEGER_cmp(ci->number, best->number) > 0) {
            best = ci;
        }
    }
    if (best != NULL) {
        name_str(X509_CRL_get_issuer(best->crl), iss_s, sizeof(iss_s));
        int_str(best->number, 0, num_s, sizeof(num_s));
        rc = sb_err_set(err, SB_R_REVOKED,
                        "certificate serial %s (issuer %s) revoked on %s, reason %s, by %s%s %s from %s",
                        ck.serial_s, ck.iss_s, best->rev_date, reason_name(best->reason),
                        best->current ? "" : "stale ", best->base != NULL ? "delta CRL" : "CRL", num_s, iss_s);
        goto err;
    }
    if (ctx->mode == SB_REV_PREFER) {
        sb_err_clear(err);
        rc = SB_OK;
        goto err;
    }
    for (i = 0; i < n; i++) {
        if (infos[i].state == CRL_USABLE && infos[i].current && infos[i].base == NULL) {
            mask |= infos[i].reasons;
        }
    }
    if (mask == SB_REV_ALL_REASONS) {
        sb_err_clear(err);
        rc = SB_OK;
        goto err;
    }
    if (mask != 0) {
        mask_names(SB_REV_ALL_REASONS & ~mask, missing, sizeof(missing));
        note(&ck, DIAG_COVERAGE, "current CRLs do not cover the reasons %s", missing);
    }
    if (ck.diag[0] == '\0') {
        snprintf(ck.diag, sizeof(ck.diag), "no CRL applies to it");
    }
    if (ck.candidates == 0) {
        snprintf(ck.diag, sizeof(ck.diag), "no CRL from issuer %s%s", ck.iss_s,
                 total > n ? " among the CRLs considered" : "");
    }
    if (gmtime_r(&ctx->at, &tm) == NULL || strftime(at_s, sizeof(at_s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(at_s, sizeof(at_s), "?");
    }
    rc = sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE,
                    "certificate serial %s (issuer %s): no usable current CRL at %s covers all reasons: %s",
                    ck.serial_s, ck.iss_s, at_s, ck.diag);
err:
    for (i = 0; i < n && infos != NULL; i++) {
        ISSUING_DIST_POINT_free(infos[i].idp);
        ASN1_INTEGER_free(infos[i].number);
        ASN1_INTEGER_free(infos[i].base);
    }
    free(infos);
    CRL_DIST_POINTS_free(ck.dps);
    ERR_clear_error();
    return rc;
}
