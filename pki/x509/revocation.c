/*
 * pki/x509/revocation.c — RFC 5280 §6.3 revocation decision over caller-supplied CRLs and OCSP responses,
 * then the caller's network sources.
 *
 * One call evaluates every supplied CRL (capped at SB_REV_MAX_CRLS) against one certificate
 * (revocation_crl.c). Then delta CRLs are bound to a current complete CRL, listings are applied
 * (certificateHold can be released by a newer CRL of the same scope), and in require mode the reasons
 * covered by current complete CRLs must be all reasons. The supplied OCSP responses (revocation_ocsp.c) are
 * judged with them; the network sources (more_crls, ocsp hooks) are asked only when neither decides.
 * Thread-safe: the CRLs and responses are only read.
 */
#include "pki/x509/revocation_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "pki/base/name_table.h"
#include "pki/x509/cert_format.h"

const char *sb_rev_reason_name(int r)
{
    static const struct sb_name_row names[] = {
        { 0, "unspecified" }, { 1, "keyCompromise" }, { 2, "cACompromise" },
        { 3, "affiliationChanged" }, { 4, "superseded" }, { 5, "cessationOfOperation" }, { 6, "certificateHold" },
        { 8, "removeFromCRL" }, { 9, "privilegeWithdrawn" }, { 10, "aACompromise" },
    };

    return r < 0 ? NULL : sb_name_of(SB_NAME_ROWS(names), r, NULL);
}

/* CRLReason values (RFC 5280 5.3.1; -1: the entry has none), for messages. */
static const char *reason_name(int r)
{
    const char *n = sb_rev_reason_name(r);

    return r < 0 ? "unspecified (no reasonCode)" : n != NULL ? n : "unknown reason";
}

/* ReasonFlags bit names, indexed by bit number. */
static const char *const reason_bit_names[9] = {
    "unused", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
    "cessationOfOperation", "certificateHold", "privilegeWithdrawn", "aACompromise"
};

int sb_rev_same_scope(const struct crl_info *a, const struct crl_info *b)
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

            found = b->state == CRL_USABLE && b->base == NULL && b->current && sb_rev_same_scope(b, d) &&
                    ASN1_INTEGER_cmp(b->number, d->base) >= 0;
        }
        if (!found) {
            d->state = CRL_UNUSABLE;
            sb_certfmt_name(X509_CRL_get_issuer(d->crl), iss_s, sizeof(iss_s));
            sb_rev_number_str(d->number, num_s, sizeof(num_s));
            sb_rev_number_str(d->base, base_s, sizeof(base_s));
            sb_rev_note(ck, DIAG_UNUSABLE, "delta CRL %s from %s is unusable: no current complete CRL with CRL number "
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

        if (m == l || m->state != CRL_USABLE || !sb_rev_same_scope(m, l) || ASN1_INTEGER_cmp(m->number, l->number) <= 0) {
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

/* Why no usable current CRL covers all reasons (ck->diag), as REVOCATION_UNAVAILABLE says it. */
static void no_coverage_diag(struct rev_check *ck, unsigned mask, int total, int n)
{
    char missing[160];

    if (mask != 0) {
        mask_names(SB_REV_ALL_REASONS & ~mask, missing, sizeof(missing));
        sb_rev_note(ck, DIAG_COVERAGE, "current CRLs do not cover the reasons %s", missing);
    }
    if (ck->diag[0] == '\0') {
        snprintf(ck->diag, sizeof(ck->diag), "no CRL applies to it");
    }
    if (ck->candidates == 0) {
        snprintf(ck->diag, sizeof(ck->diag), "no CRL from issuer %s%s", ck->iss_s,
                 total > n ? " among the CRLs considered" : "");
    }
}

/* The decision over ctx->crls. need_more non-NULL: set to 1 when the certificate is neither revoked nor
 * covered by current complete CRLs for all reasons (the return is then what that gives alone: SB_OK under
 * prefer, REVOCATION_UNAVAILABLE and its message under require), else 0. ev (may be NULL) gets the CRL that
 * decided, or under prefer (need_more NULL) a note why none did; fetched (may be NULL) is what the more_crls
 * hook said of the CRLs it gave. */
static enum sb_reason judge(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer, int *need_more,
                            struct sb_rev_evidence *ev, const struct sb_crl_origins *fetched, struct sb_err *err)
{
    struct rev_check ck;
    struct crl_info *infos = NULL;
    const struct crl_info *best;
    char iss_s[SB_REV_NAME_MAX], num_s[48], at_s[32];
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
    sb_certfmt_integer(ck.serial, ck.serial_s, sizeof(ck.serial_s));
    sb_certfmt_name(ck.cert_iss, ck.iss_s, sizeof(ck.iss_s));
    ck.dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, &crit, NULL);
    if (ck.dps == NULL && crit != -1) {
        rc = sb_err_openssl(err, SB_R_CERT_MALFORMED,
                            "certificate serial %s (issuer %s): malformed or repeated CRL distribution points extension",
                            ck.serial_s, ck.iss_s);
        goto err;
    }
    for (i = 0; i < sk_DIST_POINT_num(ck.dps); i++) {
        DIST_POINT *d = sk_DIST_POINT_value(ck.dps, i);
        const X509_NAME *base = d->CRLissuer != NULL ? sb_rev_gens_first_dirname(d->CRLissuer) : NULL;

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
            sb_rev_crl_evaluate(&ck, &infos[i]);
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
        sb_rev_evidence_revoked(ctx, fetched, best, ev);
        sb_certfmt_name(X509_CRL_get_issuer(best->crl), iss_s, sizeof(iss_s));
        sb_rev_number_str(best->number, num_s, sizeof(num_s));
        rc = sb_err_set(err, SB_R_REVOKED,
                        "certificate serial %s (issuer %s) revoked on %s, reason %s, by %s%s %s from %s",
                        ck.serial_s, ck.iss_s, best->rev_date, reason_name(best->reason),
                        best->current ? "" : "stale ", best->base != NULL ? "delta CRL" : "CRL", num_s, iss_s);
        goto err;
    }
    for (i = 0; i < n; i++) {
        if (infos[i].state == CRL_USABLE && infos[i].current && infos[i].base == NULL) {
            mask |= infos[i].reasons;
        }
    }
    if (need_more != NULL) {
        *need_more = mask != SB_REV_ALL_REASONS;
    }
    if (ctx->mode == SB_REV_PREFER || mask == SB_REV_ALL_REASONS) {
        if (mask == SB_REV_ALL_REASONS) {
            sb_rev_evidence_covered(ctx, fetched, infos, n, ev);
        } else if (need_more == NULL && ev != NULL) {
            no_coverage_diag(&ck, mask, total, n);
            snprintf(ev->note, sizeof(ev->note), "passed without status: no usable current CRL covers all "
                     "reasons: %.180s", ck.diag);
        }
        sb_err_clear(err);
        rc = SB_OK;
        goto err;
    }
    no_coverage_diag(&ck, mask, total, n);
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

/* Ask ctx->more_crls for the certificate's CRLs and judge again with them (first, then the supplied ones) as
 * require would: SB_OK (current CRLs cover it), REVOKED, or REVOCATION_UNAVAILABLE with why (undecided). */
static enum sb_reason try_more_crls(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                    struct sb_rev_evidence *ev, struct sb_err *why)
{
    struct sb_revocation_ctx sub;
    struct sb_crl_request rq;
    STACK_OF(X509_CRL) *more, *all = NULL;
    struct sb_crl_origins origins;
    struct sb_err e;
    enum sb_reason rc;
    int i;

    if ((more = sk_X509_CRL_new_null()) == NULL) {
        return sb_err_set(why, SB_R_INTERNAL, "out of memory");
    }
    memset(&rq, 0, sizeof(rq));
    rq.cert = cert;
    rq.issuer = issuer;
    rq.at = ctx->at;
    rq.fetch = ctx->fetch;
    rq.budget = ctx->budget;
    memset(&origins, 0, sizeof(origins));
    rq.origins = &origins;
    sb_err_clear(&e);
    rc = ctx->more_crls(ctx->more_crls_arg, &rq, more, &e);
    if (rc != SB_OK || sk_X509_CRL_num(more) == 0) {
        rc = rc == SB_R_INTERNAL ? SB_R_INTERNAL : SB_R_REVOCATION_UNAVAILABLE;
        sb_err_set(why, rc, "%s", e.msg[0] != '\0' ? e.msg : "the CRL source gave none");
        goto done;
    }
    if ((all = sk_X509_CRL_dup(more)) == NULL) {
        rc = sb_err_set(why, SB_R_INTERNAL, "out of memory");
        goto done;
    }
    for (i = 0; i < sk_X509_CRL_num(ctx->crls); i++) {
        if (!sk_X509_CRL_push(all, sk_X509_CRL_value(ctx->crls, i))) {
            rc = sb_err_set(why, SB_R_INTERNAL, "out of memory");
            goto done;
        }
    }
    sub = *ctx;
    sub.crls = all;
    sub.more_crls = NULL;
    sub.ocsp = NULL;
    sub.mode = SB_REV_REQUIRE;
    rc = judge(&sub, cert, issuer, NULL, ev, &origins, why);
done:
    sk_X509_CRL_free(all);
    sk_X509_CRL_pop_free(more, X509_CRL_free);
    return rc;
}

/* Ask ctx->ocsp for the certificate's status: SB_OK (good), REVOKED, REVOCATION_UNAVAILABLE (why), INTERNAL. */
static enum sb_reason try_ocsp(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                               struct sb_rev_evidence *ev, struct sb_err *why)
{
    struct sb_ocsp_query q;
    struct sb_err e;
    enum sb_reason rc;

    memset(&q, 0, sizeof(q));
    q.cert = cert;
    q.issuer = issuer;
    q.at = ctx->at;
    q.skew_s = ctx->skew_s;
    q.fetch = ctx->fetch;
    q.algs = ctx->algs;
    q.sm2_id = ctx->sm2_id;
    q.budget = ctx->budget;
    memset(ev, 0, sizeof(*ev));
    sb_err_clear(&e);
    rc = ctx->ocsp(ctx->ocsp_arg, &q, ev, &e);
    if (rc == SB_OK || rc == SB_R_REVOKED) {
        ev->source = ev->source == SB_REV_SRC_NONE ? SB_REV_SRC_OCSP : ev->source;
        ev->is_ocsp = 1;
        sb_err_set(why, rc, "%s", e.msg);
        return rc;
    }
    rc = rc == SB_R_INTERNAL ? SB_R_INTERNAL : SB_R_REVOCATION_UNAVAILABLE;
    return sb_err_set(why, rc, "%s", e.msg[0] != '\0' ? e.msg : "the OCSP source gave no status");
}

const char *sb_rev_source_name(enum sb_rev_source s)
{
    static const struct sb_name_row names[] = {
        { SB_REV_SRC_NONE, "none" }, { SB_REV_SRC_EMBEDDED, "embedded" }, { SB_REV_SRC_OCSP, "ocsp" },
        { SB_REV_SRC_CRL, "crl" }, { SB_REV_SRC_FILE, "file" },
    };

    return sb_name_of(SB_NAME_ROWS(names), (int)s, "none");
}

/* Append "what: why" to buf, after "; " unless first, why cut to at most cut bytes. */
static void note_add(char *buf, size_t len, int first, const char *what, const char *why, int cut)
{
    size_t used = strlen(buf);

    if (used + 1 < len) {
        snprintf(buf + used, len - used, "%s%s: %.*s", first ? "" : "; ", what, cut, why);
    }
}

enum sb_reason sb_revocation_check_ev(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                      struct sb_rev_evidence *ev, struct sb_err *err)
{
    struct sb_rev_evidence scratch, crl_ev, *want = ev;  /* want NULL: no evidence wanted (no CRL is hashed) */
    struct sb_err why[2], sup, crl_msg;
    const char *what[2] = { "", "" };
    char serial_s[48], iss_s[SB_REV_NAME_MAX], supplied[300];
    enum sb_reason rc;
    int need_more = 0, step, n = 0, have_sup = 0, k;

    ev = ev != NULL ? ev : &scratch;
    memset(ev, 0, sizeof(*ev));
    sb_err_clear(&sup);
    if (ctx == NULL || ctx->mode == SB_REV_OFF || (ctx->more_crls == NULL && ctx->ocsp == NULL && ctx->n_ocsps == 0)) {
        return judge(ctx, cert, issuer, NULL, want, NULL, err);
    }
    sb_err_clear(&crl_msg);
    rc = judge(ctx, cert, issuer, &need_more, want, NULL, &crl_msg);
    if (rc != SB_OK && !need_more) {
        return sb_err_set(err, rc, "%s", crl_msg.msg);     /* revoked by a CRL (that wins), or malformed */
    }
    sb_certfmt_integer(X509_get0_serialNumber(cert), serial_s, sizeof(serial_s));
    sb_certfmt_name(X509_get_issuer_name(cert), iss_s, sizeof(iss_s));
    /* the supplied OCSP responses, judged with the supplied CRLs: a revocation in them wins over coverage */
    if (ctx->n_ocsps > 0) {
        crl_ev = *ev;                                       /* what decided when the CRLs cover it */
        rc = sb_rev_supplied_judge(ctx, cert, issuer, ev, &sup);
        if (rc == SB_R_REVOKED) {
            return sb_err_set(err, rc, "certificate serial %s (issuer %s) revoked according to the supplied OCSP "
                              "response (%s): %s", serial_s, iss_s, sb_rev_source_name(ev->source), sup.msg);
        }
        if (rc == SB_OK) {
            if (!need_more) {
                *ev = crl_ev;                               /* covered by the CRLs, which were judged first */
            }
            sb_err_clear(err);
            return SB_OK;
        }
        if (rc != SB_R_REVOCATION_UNAVAILABLE) {
            return sb_err_set(err, rc, "%s", sup.msg);
        }
        *ev = crl_ev;
        have_sup = 1;
    }
    if (!need_more) {
        sb_err_clear(err);
        return SB_OK;
    }
    for (step = 0; step < 2; step++) {
        int ocsp_now = (step == 0) == (ctx->ocsp_before_crl != 0);

        if (ocsp_now && ctx->ocsp != NULL) {
            what[n] = "OCSP";
            rc = try_ocsp(ctx, cert, issuer, ev, &why[n]);
        } else if (!ocsp_now && ctx->more_crls != NULL) {
            what[n] = "CRL distribution points";
            memset(ev, 0, sizeof(*ev));
            rc = try_more_crls(ctx, cert, issuer, want != NULL ? ev : NULL, &why[n]);
        } else {
            continue;
        }
        if (rc != SB_R_REVOCATION_UNAVAILABLE) {
            if (rc == SB_OK) {
                sb_err_clear(err);
                return SB_OK;
            }
            if (rc == SB_R_REVOKED && ocsp_now) {
                return sb_err_set(err, rc, "certificate serial %s (issuer %s) revoked according to OCSP: %s",
                                  serial_s, iss_s, why[n].msg);
            }
            return sb_err_set(err, rc, "%s", why[n].msg);
        }
        n++;
    }
    memset(ev, 0, sizeof(*ev));
    if (ctx->mode == SB_REV_PREFER) {
        snprintf(ev->note, sizeof(ev->note), "passed without status: ");
        if (have_sup) {
            note_add(ev->note, sizeof(ev->note), 1, "supplied OCSP", sup.msg, n > 0 ? 60 : 200);
        }
        for (k = 0; k < n; k++) {
            note_add(ev->note, sizeof(ev->note), !have_sup && k == 0, what[k], why[k].msg,
                     have_sup || n > 1 ? 60 : 200);
        }
        sb_err_clear(err);
        return SB_OK;
    }
    if (n == 0) {
        /* no network source: the supplied CRLs' own message, and why the supplied responses gave no status */
        return sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "%.300s; no status from the supplied OCSP responses: %s",
                          crl_msg.msg, sup.msg);
    }
    if (have_sup) {
        snprintf(supplied, sizeof(supplied), "no usable current CRL supplied, no status from the supplied OCSP "
                 "responses (%.180s)", sup.msg);
    } else {
        snprintf(supplied, sizeof(supplied), "no usable current CRL supplied");
    }
    if (n == 1 && ctx->ocsp == NULL) {
        return sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE,
                          "certificate serial %s (issuer %s): %s, and none fetched: %s", serial_s, iss_s, supplied,
                          why[0].msg);
    }
    if (n == 1) {
        return sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "certificate serial %s (issuer %s): %s, and no status "
                          "from %s: %s", serial_s, iss_s, supplied, what[0], why[0].msg);
    }
    return sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "certificate serial %s (issuer %s): %s; %s: %s; %s: %s",
                      serial_s, iss_s, supplied, what[0], why[0].msg, what[1], why[1].msg);
}

enum sb_reason sb_revocation_check(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                   struct sb_err *err)
{
    return sb_revocation_check_ev(ctx, cert, issuer, NULL, err);
}
