/*
 * pki/x509/rev_record.c — the network revocation sources seen through a recorder for one validation
 * (rev_record.h): answers remembered per certificate, their common window, and whether any failed.
 */
#include "pki/x509/rev_record.h"

#include <stdint.h>
#include <string.h>

#include "pki/base/rfc3339_time.h"
#include "pki/base/work_budget.h"

void sb_rev_record_init(struct sb_rev_record *w, sb_more_crls_fn crl_fn, void *crl_arg, sb_ocsp_source_fn ocsp_fn,
                        void *ocsp_arg, int max_age_s)
{
    memset(w, 0, sizeof(*w));
    w->crl_fn = crl_fn;
    w->crl_arg = crl_arg;
    w->ocsp_fn = ocsp_fn;
    w->ocsp_arg = ocsp_arg;
    w->max_age_s = max_age_s;
    w->from = (time_t)INT64_MIN;
    w->until = (time_t)INT64_MAX;
}

void sb_rev_record_clear(struct sb_rev_record *w)
{
    int i;

    for (i = 0; i < w->n_crls; i++) {
        sk_X509_CRL_pop_free(w->crls[i].crls, X509_CRL_free);
        w->crls[i].crls = NULL;
    }
    w->n_crls = 0;
    w->n_ocsp = 0;
}

static void narrow(struct sb_rev_record *w, time_t from, time_t until)
{
    w->from = from > w->from ? from : w->from;
    w->until = until < w->until ? until : w->until;
}

static void record_window(struct sb_rev_record *w, STACK_OF(X509_CRL) *crls, int first)
{
    time_t tu, nu;
    int k;

    for (k = first < 0 ? 0 : first; k < sk_X509_CRL_num(crls); k++) {
        X509_CRL *crl = sk_X509_CRL_value(crls, k);

        if (!sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl), &tu, NULL)) {
            w->uncacheable = 1;
            continue;
        }
        if (X509_CRL_get0_nextUpdate(crl) != NULL) {
            if (!sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &nu, NULL)) {
                w->uncacheable = 1;
                continue;
            }
        } else if (w->max_age_s > 0) {
            nu = tu + (time_t)w->max_age_s;
        } else {
            w->uncacheable = 1;
            continue;
        }
        narrow(w, tu, nu);
    }
}

/* Push a new reference to each of from[first..] onto to; 0 on allocation failure. */
static int push_refs(STACK_OF(X509_CRL) *to, STACK_OF(X509_CRL) *from, int first)
{
    int k;

    for (k = first < 0 ? 0 : first; k < sk_X509_CRL_num(from); k++) {
        X509_CRL *crl = sk_X509_CRL_value(from, k);

        if (!X509_CRL_up_ref(crl)) {
            return 0;
        }
        if (sk_X509_CRL_push(to, crl) <= 0) {
            X509_CRL_free(crl);
            return 0;
        }
    }
    return 1;
}

enum sb_reason sb_rev_record_crls(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                  struct sb_err *why)
{
    struct sb_rev_record *w = arg;
    struct sb_rev_seen_crls *sn;
    int k, before = sk_X509_CRL_num(out);
    enum sb_reason rc;

    for (k = 0; k < w->n_crls; k++) {
        sn = &w->crls[k];
        if (X509_cmp(sn->cert, rq->cert) != 0) {
            continue;
        }
        if (sn->rc != SB_OK) {
            if (why != NULL) {
                *why = sn->why;
            }
            return sn->rc;
        }
        if (rq->origins != NULL) {
            *rq->origins = sn->origins;
        }
        return push_refs(out, sn->crls, 0) ? SB_OK : sb_err_set(why, SB_R_INTERNAL, "out of memory");
    }
    rc = w->crl_fn(w->crl_arg, rq, out, why);
    if (rc != SB_OK) {
        /* an outage must not be cached; a certificate without a distribution point it may fetch is no outage */
        w->uncacheable |= rq->origins == NULL || !rq->origins->no_source;
    } else {
        record_window(w, out, before);
    }
    if (w->n_crls < SB_REV_RECORD_MAX && !sb_work_budget_spent(rq->budget)) {
        sn = &w->crls[w->n_crls];
        memset(sn, 0, sizeof(*sn));
        sn->cert = rq->cert;
        sn->rc = rc;
        if (rc != SB_OK) {
            if (why != NULL) {
                sn->why = *why;
            } else {
                sb_err_set(&sn->why, rc, "the CRL source failed");
            }
            w->n_crls++;
        } else if ((sn->crls = sk_X509_CRL_new_null()) != NULL && push_refs(sn->crls, out, before)) {
            if (rq->origins != NULL) {
                sn->origins = *rq->origins;
            }
            w->n_crls++;
        } else {
            sk_X509_CRL_pop_free(sn->crls, X509_CRL_free);
            sn->crls = NULL;
        }
    }
    return rc;
}

/* The window in which an OCSP answer stays what it is: thisUpdate .. nextUpdate (or thisUpdate + max age),
 * and for "revoked after the validation time" no later than the revocation. */
static void record_ocsp_window(struct sb_rev_record *w, const struct sb_rev_evidence *ev)
{
    time_t until;

    if (ev->this_update == 0) {
        w->uncacheable = 1;
        return;
    }
    if (ev->next_update != 0) {
        until = ev->next_update;
    } else if (w->max_age_s > 0) {
        until = ev->this_update + (time_t)w->max_age_s;
    } else {
        w->uncacheable = 1;
        return;
    }
    if (ev->revoked_after && ev->revocation_time - 1 < until) {
        until = ev->revocation_time - 1;
    }
    narrow(w, ev->this_update, until);
}

enum sb_reason sb_rev_record_ocsp(void *arg, const struct sb_ocsp_query *q, struct sb_rev_evidence *ev,
                                  struct sb_err *why)
{
    struct sb_rev_record *w = arg;
    struct sb_rev_seen_ocsp *sn;
    enum sb_reason rc;
    int k;

    for (k = 0; k < w->n_ocsp; k++) {
        sn = &w->ocsp[k];
        if (X509_cmp(sn->cert, q->cert) == 0) {
            *ev = sn->ev;
            if (why != NULL) {
                *why = sn->why;
            }
            return sn->rc;
        }
    }
    rc = w->ocsp_fn(w->ocsp_arg, q, ev, why);
    if (rc == SB_OK) {
        record_ocsp_window(w, ev);
    } else if (!ev->no_source) {         /* an outage (or a revocation): never cached */
        w->uncacheable = 1;
    }
    if (w->n_ocsp < SB_REV_RECORD_MAX && !sb_work_budget_spent(q->budget)) {
        sn = &w->ocsp[w->n_ocsp++];
        sn->cert = q->cert;
        sn->rc = rc;
        sn->ev = *ev;
        if (why != NULL) {
            sn->why = *why;
        } else {
            sb_err_set(&sn->why, rc, "%s", rc == SB_OK ? "" : "the OCSP source failed");
        }
    }
    return rc;
}
