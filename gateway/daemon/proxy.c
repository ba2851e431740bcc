/*
 * gateway/daemon/proxy.c — validating reverse-proxy routes (routes: in the configuration).
 *
 * A request whose path starts with a route's prefix must carry a valid signature from the route's
 * jurisdiction: "attached" — the body is a CMS object with the content inside; "detached-header" — the
 * body is the content and X-Sigbridge-Signature holds a detached CMS over it in base64. Validation is a
 * worker job like /v1/verify (audited the same way). On TOTAL_PASSED the request goes to the route's
 * configured upstream — never to an address taken from the request — with Sigbridge-Verdict,
 * Sigbridge-Signer, Sigbridge-Snapshot and Sigbridge-Request-Id headers (client-supplied Sigbridge-*
 * headers are removed first); anything else is answered 403 SIGNATURE_REJECTED with the verdict and
 * the upstream is never contacted. An XML-DSig body must be signed whole (content outside every reference
 * is UNSIGNED_CONTENT), since the upstream receives all of it. The forwarding itself is proxy_upstream.c.
 *
 * Bound routes (routes[].bind, detached-header only): the signature covers the canonical request
 * (canon_request.h: the bound method / target / Date and the body's SHA-256), which the worker rebuilds from
 * the actual request. On the head: a bound Date must be one IMF-fixdate within max_skew_s of now (else 403
 * reason DATE_INVALID / DATE_SKEW), and a signature already accepted is REPLAYED. After a passing verdict the
 * request is checked again and recorded in the replay cache (gw->replay) under two keys, kept for
 * 2 x max_skew_s: the SHA-256 of the decoded signature (so an exact replay is refused on its head, before any
 * validation or audit record) and the SHA-256 of the canonical request (so a re-encoded CMS or a second
 * signature over the same request, e.g. ECDSA's (r, n-s), is refused too — after its validation, which the
 * audit records as it was). A replayed request never reaches the upstream.
 */
#include "gateway/daemon/sbgw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "adapters/adapter.h"
#include "gateway/daemon/canon_request.h"
#include "gateway/daemon/replay_cache.h"
#include "pki/base/base64.h"

/* The request target the upstream receives and a bound signature covers: the normalised path and the query.
 * NULL when out of memory. */
static char *proxy_target(const struct sbgw_req *rq)
{
    const char *q = rq->head->query;
    size_t n = strlen(rq->npath) + (q != NULL ? strlen(q) + 1 : 0) + 1;
    char *t = malloc(n);

    if (t != NULL) {       /* what the upstream receives: the normalised path, the query as sent */
        snprintf(t, n, "%s%s%s", rq->npath, q != NULL ? "?" : "", q != NULL ? q : "");
    }
    return t;
}

/* 403 SIGNATURE_REJECTED with a gateway-side reason (the shape of proxy_then's refusals, without a verdict). */
static void reject(struct sbgw_req *rq, const char *reason, const char *msg)
{
    snprintf(rq->reason, sizeof(rq->reason), "%s", reason);
    sbgw_reply_json_value(rq, sbgw_http_error_status(SBGW_E_SIGNATURE_REJECTED),
                          json_pack("{s:{s:s,s:s,s:i,s:s}}", "error", "code",
                                    sbgw_http_error_name(SBGW_E_SIGNATURE_REJECTED), "message", msg, "status",
                                    sbgw_http_error_status(SBGW_E_SIGNATURE_REJECTED), "reason", reason),
                          SBGW_E_SIGNATURE_REJECTED);
}

/* The replay key of the X-Sigbridge-Signature value sig: the SHA-256 of the bytes it decodes to (so spacing
 * inside the base64 makes no other key); 0 when it is not base64 (the worker answers that). */
static int sig_key(const struct sbgw *gw, const char *sig, unsigned char key[32])
{
    unsigned char *der = NULL;
    unsigned int n = 0;
    size_t len = 0;
    int ok;

    if (sig == NULL || sb_base64_decode(sig, strlen(sig), SB_EV_MAX_INPUT, &der, &len, NULL) != SB_B64_OK) {
        return 0;
    }
    ok = EVP_Digest(der, len, key, &n, gw->audit.sha256, NULL) == 1 && n == 32;
    OPENSSL_free(der);
    return ok;
}

/* A bound route's checks on the head: Date (when bound) and an exact replay; 0 when it answered. */
static int bind_admit(struct sbgw_req *rq, const struct sbgw_route *r, const char *sig)
{
    const char *date = NULL;
    unsigned char key[32];
    char msg[160];
    time_t now = time(NULL), d;
    size_t i, n_date = 0;

    if ((r->bind & SBGW_BIND_DATE) != 0) {
        for (i = 0; i < rq->head->n_fields; i++) {
            if (strcasecmp(rq->head->fields[i].name, "Date") == 0) {
                date = rq->head->fields[i].value;
                n_date++;
            }
        }
        if (n_date != 1 || !sbgw_imf_fixdate_parse(date, &d)) {
            reject(rq, "DATE_INVALID", n_date == 0 ? "the route binds the Date header: the request has none"
                                       : n_date > 1 ? "the route binds the Date header: the request has more than one"
                                                    : "the Date header is not an IMF-fixdate such as "
                                                      "'Mon, 07 Dec 2026 10:00:00 GMT'");
            return 0;
        }
        if (d > now + r->max_skew_s || d < now - r->max_skew_s) {
            snprintf(msg, sizeof(msg), "the Date header is %lld s from the gateway's clock; route %s allows %d s",
                     (long long)(d - now), r->name, r->max_skew_s);
            reject(rq, "DATE_SKEW", msg);
            return 0;
        }
    }
    if (sig_key(rq->gw, sig, key)) {
        int seen;

        pthread_mutex_lock(&rq->gw->replay_mu);
        seen = sbgw_replay_seen(rq->gw->replay, key, now);
        pthread_mutex_unlock(&rq->gw->replay_mu);
        if (seen) {
            reject(rq, "REPLAYED", "this signature was already accepted; sign each request anew");
            return 0;
        }
    }
    return 1;
}

/* On a passing verdict of a bound route: refuse a replay, else record both keys. 0 when it answered. */
static int bind_accept(struct sbgw_verify_job *j)
{
    struct sbgw_req *rq = j->rq;
    const struct sbgw_route *r = rq->proxy_route;
    unsigned char key[32];
    time_t now = time(NULL), until = now + 2 * (time_t)r->max_skew_s;
    enum sbgw_replay_result a = SBGW_REPLAY_ADDED, b = SBGW_REPLAY_ADDED;
    int have_sig = sig_key(rq->gw, sbgw_req_header(rq, "X-Sigbridge-Signature"), key);

    int seen;

    /* check and record in one step: two loops must not both accept the same request */
    pthread_mutex_lock(&rq->gw->replay_mu);
    seen = (have_sig && sbgw_replay_seen(rq->gw->replay, key, now)) ||
           sbgw_replay_seen(rq->gw->replay, j->canon_key, now);
    if (!seen) {
        a = have_sig ? sbgw_replay_add(rq->gw->replay, key, until, now) : SBGW_REPLAY_ADDED;
        b = sbgw_replay_add(rq->gw->replay, j->canon_key, until, now);
    }
    pthread_mutex_unlock(&rq->gw->replay_mu);
    if (seen) {
        sbgw_log_warnx(&rq->gw->log, rq->id, "proxy %s: replayed request refused (the signature passed)", r->name);
        reject(rq, "REPLAYED", "this request was already accepted; sign each request anew");
        return 0;
    }
    if (a != SBGW_REPLAY_ADDED || b != SBGW_REPLAY_ADDED) {
        sbgw_log_warnx(&rq->gw->log, rq->id, "proxy %s: the replay cache is full", r->name);
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "the replay cache is full; retry later");
        return 0;
    }
    return 1;
}

static void proxy_then(struct sbgw_verify_job *j)
{
    struct sbgw_req *rq = j->rq;
    json_t *verdict, *o;

    if (j->status == 503 || j->status >= 500) {
        sbgw_reply_json(rq, j->status, j->reply);
        sbgw_verify_job_free(j);
        return;
    }
    if (j->status != 200 || !j->passed) {
        verdict = json_loads(j->reply, 0, NULL);
        o = json_pack("{s:{s:s,s:s,s:i,s:s?,s:s?},s:o?}", "error", "code",
                      sbgw_http_error_name(SBGW_E_SIGNATURE_REJECTED), "message",
                      "the request does not carry a valid signature from the route's jurisdiction", "status",
                      sbgw_http_error_status(SBGW_E_SIGNATURE_REJECTED),
                      "reason", j->reason[0] != '\0' ? j->reason : NULL, "indication",
                      j->indication[0] != '\0' ? j->indication : NULL, j->status == 200 ? "verdict" : "detail",
                      verdict);
        sbgw_reply_json_value(rq, sbgw_http_error_status(SBGW_E_SIGNATURE_REJECTED), o, SBGW_E_SIGNATURE_REJECTED);
        sbgw_verify_job_free(j);
        return;
    }
    if (j->bind != 0 && !bind_accept(j)) {
        sbgw_verify_job_free(j);
        return;
    }
    sbgw_proxy_forward(j);
}

int sbgw_proxy_admit(struct sbgw_req *rq, struct sbgw_snap *s)
{
    const struct sbgw_route *r = rq->proxy_route;
    const char *sig = sbgw_req_header(rq, "X-Sigbridge-Signature");

    if (!sbgw_acl_allows(sbgw_config_route_acl(s->cfg, r), rq->client[0] != '\0' ? rq->client : NULL)) {
        sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "client %s may not use route %s (%s)", sbgw_req_who(rq), r->name,
                         r->clients.present ? "its clients list" : "api.clients, which routes without clients inherit");
        return 0;
    }
    if ((rq->pol = sb_policy_set_find(s->set, r->from)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_INTERNAL_ERROR, "route %s: no policy for '%s'", r->name, r->from);
        return 0;
    }
    if (r->require == SBGW_REQ_DETACHED_HEADER && (sig == NULL || sig[0] == '\0')) {
        snprintf(rq->reason, sizeof(rq->reason), "SIGNED_DATA_NOT_FOUND");
        sbgw_reply_error(rq, SBGW_E_SIGNATURE_REJECTED, "route %s needs a detached CMS signature over the %s in "
                                                        "the X-Sigbridge-Signature header (base64)", r->name,
                         r->bind != 0 ? "canonical request (method, target, Date, body digest: README \"Proxy "
                                        "routes\")" : "body");
        return 0;
    }
    if (r->bind != 0 && !bind_admit(rq, r, sig)) {
        return 0;
    }
    return 1;
}

void sbgw_proxy(struct sbgw_req *rq, struct sbgw_snap *s)
{
    const struct sbgw_route *r = rq->proxy_route;
    const struct sb_trust_policy *pol = rq->pol;
    const char *sig = sbgw_req_header(rq, "X-Sigbridge-Signature");
    struct sbgw_verify_job *j;

    if (r->require == SBGW_REQ_ATTACHED && evbuffer_get_length(rq->body) == 0) {
        snprintf(rq->reason, sizeof(rq->reason), "SIGNED_DATA_NOT_FOUND");
        sbgw_reply_error(rq, SBGW_E_SIGNATURE_REJECTED, "route %s needs a signed CMS object as the body", r->name);
        return;
    }
    if ((j = sbgw_verify_job_new(rq, s, pol, rq->route)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "out of memory");
        return;
    }
    if (r->to != NULL) {
        snprintf(j->to, sizeof(j->to), "%s", r->to);
    }
    if (r->require == SBGW_REQ_DETACHED_HEADER) {
        j->kind = SBGW_VIN_DETACHED;
        if (r->bind != 0) {
            const char *date = sbgw_req_header(rq, "Date");

            j->bind = r->bind;
            snprintf(j->bind_method, sizeof(j->bind_method), "%s", rq->head->method_text);
            snprintf(j->bind_date, sizeof(j->bind_date), "%s", date != NULL ? date : "");
            j->bind_target = proxy_target(rq);
        }
        if ((j->sig_b64 = strdup(sig)) == NULL || (r->bind != 0 && j->bind_target == NULL)) {
            sbgw_reply_error(rq, SBGW_E_OVERLOADED, "out of memory");
            sbgw_verify_job_free(j);
            return;
        }
    } else {
        j->kind = SBGW_VIN_RAW;
    }
    evbuffer_add_buffer(j->body, rq->body);
    j->require_full_coverage = 1;        /* the upstream gets the whole body: all of it must be signed */
    j->then = proxy_then;
    sbgw_verify_job_submit(j);
}
