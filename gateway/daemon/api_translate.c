/*
 * gateway/daemon/api_translate.c — POST /v1/translate?from=A&to=B: validate under A, apply recognition.yaml's
 * A→B rule and, when recognised, answer with an attestation signed by B's gateway key in B's format
 * (adapters/translate.h).
 *
 * The body is whatever A's adapter reads (CMS DER/PEM/S-MIME, GM/T 0010, XML-DSig, or the adapter's JSON
 * envelope such as the iAM Smart signing result); Content-Type is passed to the adapter, which sniffs
 * when it is generic. Output: 200 with the verdict, "recognition" and "attestation" (base64) for every
 * validation outcome, also when not recognised (reason POLICY); 400 with the reason code for input the
 * adapters cannot read; 404 unknown jurisdiction; 403 for clients not on the access list. The job runs on
 * a worker (parsing, crypto, attestation signing) and writes the audit record before the reply.
 */
#include "gateway/daemon/sbgw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "adapters/translate.h"
#include "gateway/daemon/json_writer.h"
#include "gateway/daemon/revocation_fetch.h"
#include "gateway/daemon/ocsp_fetch.h"
#include "pki/verdict/validate.h"

static void translate_run(struct sbgw_work *w)
{
    struct sbgw_verify_job *j = (struct sbgw_verify_job *)w;
    struct sbgw *gw = j->rq->gw;
    struct sb_translate_req req;
    struct sb_translate_out out;
    struct sb_validation_caches caches;
    struct sb_err err;
    size_t len = evbuffer_get_length(j->body);
    const unsigned char *body = evbuffer_pullup(j->body, -1);
    enum sb_reason rc;

    memset(&out, 0, sizeof(out));
    memset(&req, 0, sizeof(req));
    req.set = j->snap->set;
    req.from = j->from;
    req.to = j->to;
    req.in = body;
    req.len = len;
    req.content_type = j->content_type[0] != '\0' ? j->content_type : NULL;
    req.now = time(NULL);
    req.gateway_id = gw->boot.node_id[0] != '\0' ? gw->boot.node_id : NULL;
    sbgw_verify_job_caches(j, j->pol, &caches);      /* j->pol is A's policy of this snapshot */
    req.caches = &caches;
    req.more_crls = gw->crl_fetch != NULL ? sbgw_crl_fetch_more : NULL;
    req.more_crls_arg = gw->crl_fetch;
    req.ocsp = gw->ocsp_fetch != NULL ? sbgw_ocsp_fetch_source : NULL;
    req.ocsp_arg = gw->ocsp_fetch;
    sb_err_clear(&err);
    rc = sb_translate_run(&req, &out, &err);
    if (out.json == NULL) {                   /* input the adapters cannot read: no decision */
        sbgw_verify_job_error_reason(j, rc, err.msg);
        goto out;
    }
    if (sbgw_verify_job_record(j, rc, out.object_sha256, out.signer_subject, out.signer_serial, out.revocation) != 0) {
        goto out;
    }
    json_object_set_new(out.json, "snapshot", json_string(sb_policy_set_id(j->snap->set)));
    free(j->reply);
    if ((j->reply = sbgw_json_compact(out.json)) == NULL) {      /* = json_dumps(.., JSON_COMPACT), faster */
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "cannot encode the verdict");
        goto out;
    }
    j->status = 200;
    j->passed = rc == SB_OK;
out:
    sb_translate_out_clear(&out);
    if (j->reply == NULL) {
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "out of memory");
    }
}

static void translate_then(struct sbgw_verify_job *j)
{
    if (j->status == 503) {
        sbgw_reply_header(j->rq, "Retry-After", "1");
    }
    sbgw_reply_header(j->rq, "Sigbridge-Snapshot", sb_policy_set_id(j->snap->set));
    sbgw_reply(j->rq, j->status, "application/json", j->reply, strlen(j->reply));
    sbgw_verify_job_free(j);
}

int sbgw_api_translate_admit(struct sbgw_req *rq, struct sbgw_snap *s)
{
    struct evkeyvalq q;
    const char *from, *to, *query = sbgw_req_query(rq);
    const char *who = rq->client[0] != '\0' ? rq->client : NULL;
    int ok = 0;

    TAILQ_INIT(&q);
    if (!sbgw_acl_allows(&s->cfg->api.verify, who)) {
        sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "client %s may not call /v1/translate (api.clients)",
                         sbgw_req_who(rq));
        goto out;
    }
    if (query == NULL || evhttp_parse_query_str(query, &q) != 0 || (from = evhttp_find_header(&q, "from")) == NULL ||
        (to = evhttp_find_header(&q, "to")) == NULL || from[0] == '\0' || to[0] == '\0') {
        sbgw_reply_error(rq, SBGW_E_MISSING_PARAMETER, "query parameters 'from' and 'to' are required");
        goto out;
    }
    if (strlen(from) > SB_TP_ID_MAX || (rq->pol = sb_policy_set_find(s->set, from)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_UNKNOWN_JURISDICTION, "no trust policy for jurisdiction '%.32s'", from);
        goto out;
    }
    if (strlen(to) > SB_TP_ID_MAX || sb_policy_set_find(s->set, to) == NULL) {
        sbgw_reply_error(rq, SBGW_E_UNKNOWN_JURISDICTION, "no trust policy for jurisdiction '%.32s'", to);
        goto out;
    }
    if (!sbgw_acl_allows(sbgw_config_jur_acl(s->cfg, from), who)) {
        sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "client %s may not submit signatures from '%s' (api.jurisdictions.%s)",
                         sbgw_req_who(rq), from, from);
        goto out;
    }
    snprintf(rq->to, sizeof(rq->to), "%s", to);
    ok = 1;
out:
    evhttp_clear_headers(&q);
    return ok;
}

void sbgw_api_translate(struct sbgw_req *rq, struct sbgw_snap *s)
{
    struct sbgw_verify_job *j;
    const char *ct;

    if (evbuffer_get_length(rq->body) == 0) {
        sbgw_reply_error(rq, SBGW_E_BAD_REQUEST, "the request body is empty (send the signed object)");
        return;
    }
    if ((j = sbgw_verify_job_new(rq, s, rq->pol, "translate")) == NULL) {
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "out of memory");
        return;
    }
    j->w.run = translate_run;                 /* same job life cycle as /v1/verify, another worker body */
    snprintf(j->to, sizeof(j->to), "%s", rq->to);
    if ((ct = sbgw_req_header(rq, "Content-Type")) != NULL) {
        snprintf(j->content_type, sizeof(j->content_type), "%s", ct);
    }
    evbuffer_add_buffer(j->body, rq->body);
    j->then = translate_then;
    sbgw_verify_job_submit(j);
}
