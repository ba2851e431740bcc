/*
 * pki/x509/revocation_ocsp.c — OCSP responses supplied with the request (embedded in the signed object, or
 * given by the caller) in the revocation decision (revocation.h): what they say about one certificate, and
 * the window in which a verdict made with them stays true.
 *
 * Every response is judged by sb_ocsp_check (ocsp.h) under the revocation context's time, skew, algorithms,
 * SM2 ID and maximum age, exactly as a fetched one: nothing supplied is trusted. A response that is unknown
 * or unusable for the certificate decides nothing; among several, a revocation (other than certificateHold)
 * is final, a certificateHold is released by a newer good response, and the good response with the latest
 * thisUpdate is the evidence. At most SB_REV_MAX_OCSPS responses are considered, each paid from the run's
 * work budget (its signatures and its size). Thread-safe: the responses are only read; results are the caller's.
 */
#include "pki/x509/revocation_local.h"

#include <stdio.h>
#include <string.h>

#include <openssl/ocsp.h>

#include "pki/base/digest.h"
#include "pki/base/rfc3339_time.h"
#include "pki/base/work_budget.h"
#include "pki/x509/cert_decode.h"
#include "pki/x509/ocsp.h"

#define REASON_CERTIFICATE_HOLD 6

/* How close a response that decided nothing came to deciding: the closest one's message is reported. */
enum sup_prio { SUP_NONE = 0, SUP_OTHER_CERT, SUP_UNUSABLE, SUP_UNKNOWN };

/* One response's verdict kept for the decision. */
struct sup_pick {
    int have;
    const struct sb_ocsp_supplied *s;
    struct sb_ocsp_result res;
};

static const char *origin(const struct sb_ocsp_supplied *s)
{
    return s->source == SB_REV_SRC_FILE ? "file" : "embedded";
}

static void fill_evidence(const struct sup_pick *p, struct sb_rev_evidence *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->source = p->s->source == SB_REV_SRC_FILE ? SB_REV_SRC_FILE : SB_REV_SRC_EMBEDDED;
    ev->is_ocsp = 1;
    ev->produced_at = p->res.produced_at;
    ev->this_update = p->res.this_update;
    ev->next_update = p->res.next_update;
    memcpy(ev->sha256, p->res.sha256, sizeof(ev->sha256));
    if (p->s->carried_off > 0 && p->s->carried_off < p->s->len) {
        /* a bare BasicOCSPResponse was carried: the evidence names those bytes, not our wrapper */
        if (EVP_Digest(p->s->der + p->s->carried_off, p->s->len - p->s->carried_off, ev->sha256, NULL,
                       sb_md(SB_MD_SHA256), NULL) != 1) {
            memset(ev->sha256, 0, sizeof(ev->sha256));
        }
    }
    ev->revoked_after = p->res.status == SB_OCSP_REVOKED && p->res.revoked_after_at;
    ev->revocation_time = p->res.status == SB_OCSP_REVOKED ? p->res.revocation_time : 0;
    ev->revocation_reason = p->res.status == SB_OCSP_REVOKED ? p->res.revocation_reason : -1;
}

/* Keep res as *p when p holds nothing yet or res is newer (thisUpdate). */
static void keep_newest(struct sup_pick *p, const struct sb_ocsp_supplied *s, const struct sb_ocsp_result *res)
{
    if (!p->have || res->this_update > p->res.this_update) {
        p->have = 1;
        p->s = s;
        p->res = *res;
    }
}

static enum sup_prio prio_of(const struct sb_ocsp_result *res)
{
    if (res->status == SB_OCSP_UNKNOWN) {
        return SUP_UNKNOWN;
    }
    return res->cause == SB_OCSP_C_OTHER_CERT ? SUP_OTHER_CERT : SUP_UNUSABLE;
}

enum sb_reason sb_rev_supplied_judge(const struct sb_revocation_ctx *ctx, X509 *cert, X509 *issuer,
                                     struct sb_rev_evidence *ev, struct sb_err *why)
{
    struct sb_ocsp_check_opts o;
    struct sb_ocsp_result res;
    struct sup_pick good, after, hold, final;
    struct sb_err e;
    enum sup_prio best = SUP_NONE, pr;
    char diag[SB_ERR_MSG_MAX];
    size_t i, n, other_cert = 0;
    long cost;
    enum sb_reason rc;

    memset(ev, 0, sizeof(*ev));
    memset(&good, 0, sizeof(good));
    memset(&after, 0, sizeof(after));
    memset(&hold, 0, sizeof(hold));
    diag[0] = '\0';
    if (ctx->n_ocsps == 0 || ctx->ocsps == NULL) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "no OCSP response supplied");
    }
    if (issuer == NULL) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "the certificate's issuer is not known");
    }
    memset(&o, 0, sizeof(o));
    o.at = ctx->at;
    o.skew_s = ctx->skew_s > 0 ? ctx->skew_s : 0;
    o.max_age_s = ctx->fetch != NULL && ctx->fetch->max_age_s > 0 ? ctx->fetch->max_age_s : 0;
    o.algs = ctx->algs;
    o.sm2_id = ctx->sm2_id;
    /* the response signature, and a delegated responder certificate's, each at about the issuer key's cost;
     * and its decoding, a unit per 512 bytes (as for a carried CRL) */
    cost = 2 * sb_sig_verify_cost(sb_cert_pubkey(issuer));
    n = ctx->n_ocsps < SB_REV_MAX_OCSPS ? ctx->n_ocsps : SB_REV_MAX_OCSPS;
    for (i = 0; i < n; i++) {
        const struct sb_ocsp_supplied *s = &ctx->ocsps[i];

        if (!sb_work_budget_take(ctx->budget, cost + 1 + (long)(s->len / 512))) {
            return sb_err_set(why, SB_R_INTERNAL, "the work budget of this run is spent");
        }
        sb_err_clear(&e);
        rc = sb_ocsp_check(s->der, s->len, cert, issuer, &o, &res, &e);
        if (rc == SB_R_REVOKED && res.revocation_reason != REASON_CERTIFICATE_HOLD) {
            /* revoked at or before the validation time: final, whatever the other responses say */
            final.have = 1;
            final.s = s;
            final.res = res;
            fill_evidence(&final, ev);
            return sb_err_set(why, SB_R_REVOKED, "%s", res.message);
        }
        if (rc == SB_R_REVOKED) {
            keep_newest(&hold, s, &res);
        } else if (rc == SB_OK) {
            keep_newest(res.status == SB_OCSP_REVOKED ? &after : &good, s, &res);
        } else if (rc == SB_R_REVOCATION_UNAVAILABLE) {
            pr = prio_of(&res);
            other_cert += pr == SUP_OTHER_CERT;
            if (pr > best) {
                best = pr;
                snprintf(diag, sizeof(diag), "%s: %.480s", origin(s), res.message);
            }
        } else {
            return sb_err_set(why, rc == SB_R_USAGE ? SB_R_INTERNAL : rc, "%s", e.msg);
        }
    }
    /* a certificateHold stands unless a newer response says good (or revoked only after the time) */
    if (hold.have && !(good.have && good.res.this_update > hold.res.this_update) &&
        !(after.have && after.res.this_update > hold.res.this_update)) {
        fill_evidence(&hold, ev);
        return sb_err_set(why, SB_R_REVOKED, "%s", hold.res.message);
    }
    if (after.have && (!good.have || after.res.this_update >= good.res.this_update)) {
        fill_evidence(&after, ev);
        sb_err_set(why, SB_OK, "%s", after.res.message);
        return SB_OK;
    }
    if (good.have) {
        fill_evidence(&good, ev);
        sb_err_set(why, SB_OK, "%s", good.res.message);
        return SB_OK;
    }
    if (other_cert == n && n > 1) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "none of the %zu supplied OCSP responses%s is for this "
                          "certificate", n, ctx->n_ocsps > n ? " considered" : "");
    }
    return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "%s", diag);
}

/* The times of one SingleResponse narrowing [*from, *until]. */
static void narrow_single(OCSP_SINGLERESP *single, time_t at, int max_age_s, time_t *from, time_t *until)
{
    ASN1_GENERALIZEDTIME *rev = NULL, *tu = NULL, *nu = NULL;
    time_t t_this, t_next, t_rev;
    int reason = -1;

    if (OCSP_single_get0_status(single, &reason, &rev, &tu, &nu) < 0 || tu == NULL ||
        !sb_asn1_time_to_unix(tu, &t_this, NULL)) {
        return;
    }
    if (nu == NULL || !sb_asn1_time_to_unix(nu, &t_next, NULL)) {
        t_next = t_this + (time_t)(max_age_s > 0 ? max_age_s : SB_OCSP_DEFAULT_MAX_AGE_S);
    }
    *from = t_this > *from ? t_this : *from;
    *until = t_next < *until ? t_next : *until;
    /* revoked only after the validation time: passes until the revocation, not after it */
    if (rev != NULL && sb_asn1_time_to_unix(rev, &t_rev, NULL) && t_rev > at && t_rev - 1 < *until) {
        *until = t_rev - 1;
    }
}

void sb_rev_supplied_window(const struct sb_ocsp_supplied *s, size_t n, time_t at, int max_age_s, time_t *from,
                            time_t *until)
{
    OCSP_RESPONSE *r;
    OCSP_BASICRESP *bs;
    const unsigned char *p;
    size_t i;
    int k;

    for (i = 0; i < n && i < SB_REV_MAX_OCSPS; i++) {
        p = s[i].der;
        if (p == NULL || s[i].len == 0 || s[i].len > SB_OCSP_MAX_RESPONSE ||
            (r = d2i_OCSP_RESPONSE(NULL, &p, (long)s[i].len)) == NULL) {
            continue;
        }
        bs = OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL ? OCSP_response_get1_basic(r) : NULL;
        for (k = 0; bs != NULL && k < OCSP_resp_count(bs); k++) {
            narrow_single(OCSP_resp_get0(bs, k), at, max_age_s, from, until);
        }
        OCSP_BASICRESP_free(bs);
        OCSP_RESPONSE_free(r);
    }
    sb_openssl_errors_clear();
}
