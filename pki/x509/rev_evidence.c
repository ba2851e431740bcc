/*
 * pki/x509/rev_evidence.c — which CRL decided a certificate's revocation status, as struct sb_rev_evidence
 * (revocation.h): its source (a policy or CLI file, the signed object, a distribution point), URL, times and
 * the SHA-256 of its DER.
 *
 * Only reads: the CRLs are borrowed from the check (revocation.c's judge). The SHA-256 is taken from what is
 * known without work when possible (the more_crls hook's note, a policy CRL hashed once at load through
 * ctx->known_crls) and only otherwise computed (i2d + SHA-256: a CRL carried in the object or given on the
 * command line, once per decision). Never changes an outcome. Thread-safe.
 */
#include "pki/x509/revocation_local.h"

#include <stdio.h>
#include <string.h>

#include "pki/base/rfc3339_time.h"
#include "pki/x509/cert_decode.h"

int sb_rev_evidence_present(const struct sb_rev_evidence *ev)
{
    return ev != NULL && (ev->source != SB_REV_SRC_NONE || ev->note[0] != '\0');
}

static int in_stack(STACK_OF(X509_CRL) *sk, const X509_CRL *crl)
{
    int i;

    for (i = 0; i < sk_X509_CRL_num(sk); i++) {
        if (sk_X509_CRL_value(sk, i) == crl) {
            return i;
        }
    }
    return -1;
}

static const struct sb_crl_origin *origin_of(const struct sb_crl_origins *fetched, const X509_CRL *crl)
{
    int i;

    for (i = 0; fetched != NULL && i < fetched->n && i < SB_CRL_ORIGIN_MAX; i++) {
        if (fetched->o[i].crl == crl) {
            return &fetched->o[i];
        }
    }
    return NULL;
}

/* SHA-256 of crl's DER: noted by the hook, known in advance, else computed. 0 when it cannot be had. */
static int crl_digest(const struct sb_revocation_ctx *ctx, const struct sb_crl_origin *org, X509_CRL *crl,
                      unsigned char out[32])
{
    int k;

    if (org != NULL && org->has_sha256) {
        memcpy(out, org->sha256, 32);
        return 1;
    }
    if (ctx->known_sha256 != NULL && (k = in_stack(ctx->known_crls, crl)) >= 0) {
        memcpy(out, ctx->known_sha256[k], 32);
        return 1;
    }
    return sb_crl_sha256(crl, out);
}

/* 1 bits of a reason mask. */
static int popcount(unsigned m)
{
    int c = 0;

    for (; m != 0; m &= m - 1) {
        c++;
    }
    return c;
}

static void fill(const struct sb_revocation_ctx *ctx, const struct sb_crl_origins *fetched, const struct crl_info *ci,
                 struct sb_rev_evidence *ev)
{
    const struct sb_crl_origin *org = origin_of(fetched, ci->crl);
    time_t t;

    memset(ev, 0, sizeof(*ev));
    ev->is_ocsp = 0;
    ev->revocation_reason = -1;
    if (org != NULL) {
        ev->source = SB_REV_SRC_CRL;
        snprintf(ev->url, sizeof(ev->url), "%s", org->url);
    } else if (in_stack(ctx->embedded_crls, ci->crl) >= 0) {
        ev->source = SB_REV_SRC_EMBEDDED;
    } else {
        ev->source = SB_REV_SRC_FILE;
    }
    if (sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(ci->crl), &t, NULL)) {
        ev->this_update = t;
    }
    if (X509_CRL_get0_nextUpdate(ci->crl) != NULL && sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(ci->crl), &t, NULL)) {
        ev->next_update = t;
    }
    if (!crl_digest(ctx, org, ci->crl, ev->sha256)) {
        memset(ev->sha256, 0, sizeof(ev->sha256));
    }
}

void sb_rev_evidence_revoked(const struct sb_revocation_ctx *ctx, const struct sb_crl_origins *fetched,
                             const struct crl_info *best, struct sb_rev_evidence *ev)
{
    if (ev == NULL) {
        return;
    }
    fill(ctx, fetched, best, ev);
    ev->revocation_time = best->rev_time;
    ev->revocation_reason = best->reason;
}

void sb_rev_evidence_covered(const struct sb_revocation_ctx *ctx, const struct sb_crl_origins *fetched,
                             const struct crl_info *infos, int n, struct sb_rev_evidence *ev)
{
    const struct crl_info *pick = NULL, *delta = NULL, *later = NULL;
    int i;

    if (ev == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        const struct crl_info *ci = &infos[i];

        if (ci->state != CRL_USABLE) {
            continue;
        }
        if (ci->listed && !ci->revoked_by_at && ci->reason != SB_REV_REASON_REMOVE &&
            (later == NULL || ASN1_INTEGER_cmp(ci->number, later->number) > 0)) {
            later = ci;
        }
        if (!ci->current || ci->base != NULL) {
            continue;
        }
        if (pick == NULL || popcount(ci->reasons) > popcount(pick->reasons) ||
            (popcount(ci->reasons) == popcount(pick->reasons) && ASN1_INTEGER_cmp(ci->number, pick->number) > 0)) {
            pick = ci;
        }
    }
    if (pick == NULL) {
        memset(ev, 0, sizeof(*ev));
        return;
    }
    for (i = 0; i < n; i++) {          /* the newest current delta bound to a complete CRL of pick's scope */
        const struct crl_info *d = &infos[i];

        if (d->state == CRL_USABLE && d->current && d->base != NULL && sb_rev_same_scope(d, pick) &&
            ASN1_INTEGER_cmp(pick->number, d->base) >= 0 &&
            (delta == NULL || ASN1_INTEGER_cmp(d->number, delta->number) > 0)) {
            delta = d;
        }
    }
    fill(ctx, fetched, pick, ev);
    if (delta != NULL && crl_digest(ctx, origin_of(fetched, delta->crl), delta->crl, ev->delta_sha256)) {
        ev->has_delta = 1;
    }
    if (later != NULL) {
        ev->revoked_after = 1;
        ev->revocation_time = later->rev_time;
        ev->revocation_reason = later->reason;
    }
}

void sb_crl_origins_note(struct sb_crl_origins *origins, const X509_CRL *crl, const char *url,
                         const unsigned char *sha)
{
    struct sb_crl_origin *o = origins != NULL && origins->n >= 0 && origins->n < SB_CRL_ORIGIN_MAX ?
                              &origins->o[origins->n++] : NULL;

    if (o != NULL) {
        memset(o, 0, sizeof(*o));
        o->crl = crl;
        snprintf(o->url, sizeof(o->url), "%s", url);
        if ((o->has_sha256 = sha != NULL) != 0) {
            memcpy(o->sha256, sha, 32);
        }
    }
}
