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
 */
#include "gateway/daemon/sbgw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

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
        sbgw_reply_error(rq, SBGW_E_SIGNATURE_REJECTED, "route %s needs a detached CMS signature over the body in "
                                                        "the X-Sigbridge-Signature header (base64)", r->name);
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
        if ((j->sig_b64 = strdup(sig)) == NULL) {
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
