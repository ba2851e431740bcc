/*
 * gateway/daemon/api_verify.c — POST /v1/verify?from=JUR: validate a signed object under JUR's policy.
 *
 * Input (chosen by Content-Type; parameters such as smime-type are ignored) — every format
 * POST /v1/translate accepts:
 *   application/pkcs7-mime, application/x-pkcs7-mime, application/pkcs7-signature,
 *   application/x-pkcs7-signature, application/cms, application/octet-stream, application/x-pem-file,
 *   message/rfc822 (an S/MIME message), application/xml, text/xml — the body is the signed object: CMS /
 *       PKCS#7 or GM/T 0010 (DER, PEM or S/MIME), or an XML-DSig document (a body starting with '<'). With
 *       "X-Sigbridge-Digest: sha256=HEX" (sha256 | sha384 | sha512 | sm3) a CMS object signs only that
 *       digest of content that is not sent (digest-only mode).
 *   application/json — the gateway's envelope {"signature": BASE64 (the CMS object), "content": BASE64
 *       (detached content, optional), "digest": {"alg": "sha256", "value": HEX} (optional), "sm2_id": "…"
 *       (optional), "ocsp_responses" / "crls": [BASE64 DER…] (optional, embedded revocation data)}, unknown
 *       members refused (errors: 400 BAD_REQUEST); or JUR's own envelope when the
 *       body names one of its members (adapters/adapter.h: an iAM Smart signing result for hk, a GM/T 0009
 *       SM2 signature for cn), with that adapter's 400 ENVELOPE_* error codes.
 *   "X-Sigbridge-SM2-Id: ID" sets the signer's SM2 distinguishing ID (default: the policy's).
 * Output: 200 with the DESIGN §7 verdict JSON plus "jurisdiction" and "snapshot" for every validation
 * outcome (a signature that fails is an answer, not an HTTP error); input the pipeline cannot read is
 * 400 with the reason code; 404 unknown jurisdiction, 415 other types, 403 when the client is not on
 * the access list, 406 when Accept allows neither JSON nor XML, 503 + Retry-After when the queue is full
 * or the audit log cannot be written. With "Accept: application/xml" (and not application/json) a verdict
 * is answered as the ETSI TS 119 102-2 validation report (pki/verdict/verdict_render.h) instead; errors
 * stay JSON.
 *
 * The job (verify_job.c) runs on a worker: envelope parsing, hashing, sb_validate, the verdict and the
 * audit record; only the reply is sent on the loop thread.
 */
#include "gateway/daemon/sbgw.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "pki/policy/trust_policy.h"

/* ---- the handler (loop side) ---------------------------------------------------------------- */

static void verify_then(struct sbgw_verify_job *j)
{
    if (j->status == 503) {
        sbgw_reply_header(j->rq, "Retry-After", "1");
    }
    if (j->snap != NULL) {
        sbgw_reply_header(j->rq, "Sigbridge-Snapshot", sb_policy_set_id(j->snap->set));
    }
    sbgw_reply(j->rq, j->status, j->reply_type != NULL ? j->reply_type : "application/json", j->reply,
               strlen(j->reply));
    sbgw_verify_job_free(j);
}

/* The body kind for a Content-Type, or -1 (unsupported). */
static int body_kind(const char *ct)
{
    static const char *const cms_types[] = {
        "application/pkcs7-mime",      "application/x-pkcs7-mime", "application/pkcs7-signature",
        "application/x-pkcs7-signature", "application/cms",        "application/octet-stream",
        "application/x-pem-file",      "message/rfc822",
    };
    char t[96];
    size_t i, n;

    if (ct == NULL) {
        return -1;
    }
    while (*ct == ' ' || *ct == '\t') {
        ct++;
    }
    for (n = 0; ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t' && n + 1 < sizeof(t); n++) {
        t[n] = (char)tolower((unsigned char)ct[n]);
    }
    t[n] = '\0';
    for (i = 0; i < sizeof(cms_types) / sizeof(cms_types[0]); i++) {
        if (strcmp(t, cms_types[i]) == 0) {
            return SBGW_VIN_RAW;
        }
    }
    if (strcmp(t, "application/json") == 0) {
        return SBGW_VIN_ENVELOPE;
    }
    if (strcmp(t, "application/xml") == 0 || strcmp(t, "text/xml") == 0) {
        return SBGW_VIN_RAW;                 /* an XML-DSig document (sniffed by its leading '<') */
    }
    return -1;
}

/* 1 if the client asks for XML (the ETSI report) and not for JSON. */
static int wants_xml_only(const char *accept)
{
    return accept != NULL && strstr(accept, "application/xml") != NULL && strstr(accept, "application/json") == NULL &&
           strstr(accept, "*/*") == NULL && strstr(accept, "application/*") == NULL;
}

/* 1 if the client accepts neither JSON nor XML. */
static int accepts_nothing(const char *accept)
{
    return accept != NULL && accept[0] != '\0' && strstr(accept, "application/json") == NULL &&
           strstr(accept, "application/xml") == NULL && strstr(accept, "*/*") == NULL &&
           strstr(accept, "application/*") == NULL;
}

int sbgw_api_verify_admit(struct sbgw_req *rq, struct sbgw_snap *s)
{
    struct evkeyvalq q;
    const char *from, *query = sbgw_req_query(rq);
    int kind, ok = 0;

    TAILQ_INIT(&q);
    if (!sbgw_acl_allows(&s->cfg->api.verify, rq->client[0] != '\0' ? rq->client : NULL)) {
        sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "client %s may not call /v1/verify (api.clients)",
                         sbgw_req_who(rq));
        goto out;
    }
    if (query == NULL || evhttp_parse_query_str(query, &q) != 0 || (from = evhttp_find_header(&q, "from")) == NULL ||
        from[0] == '\0') {
        sbgw_reply_error(rq, SBGW_E_MISSING_PARAMETER, "query parameter 'from' (the signing jurisdiction) is required");
        goto out;
    }
    if (strlen(from) > SB_TP_ID_MAX || (rq->pol = sb_policy_set_find(s->set, from)) == NULL) {
        sbgw_reply_error(rq, SBGW_E_UNKNOWN_JURISDICTION, "no trust policy for jurisdiction '%.32s'", from);
        goto out;
    }
    if (!sbgw_acl_allows(sbgw_config_jur_acl(s->cfg, from), rq->client[0] != '\0' ? rq->client : NULL)) {
        sbgw_reply_error(rq, SBGW_E_FORBIDDEN, "client %s may not verify signatures from '%s' "
                                               "(api.jurisdictions.%s)",
                         sbgw_req_who(rq), from, from);
        goto out;
    }
    if (accepts_nothing(sbgw_req_header(rq, "Accept"))) {
        sbgw_reply_error(rq, SBGW_E_NOT_ACCEPTABLE, "verdicts are application/json or, as the ETSI TS 119 102-2 "
                                                    "report, application/xml");
        goto out;
    }
    if ((kind = body_kind(sbgw_req_header(rq, "Content-Type"))) < 0) {
        sbgw_reply_error(rq, SBGW_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/pkcs7-mime, "
                                                            "application/cms, application/octet-stream, "
                                                            "application/pkcs7-signature, application/xml or "
                                                            "application/json");
        goto out;
    }
    rq->body_kind = kind;
    ok = 1;
out:
    evhttp_clear_headers(&q);
    return ok;
}

void sbgw_api_verify(struct sbgw_req *rq, struct sbgw_snap *s)
{
    struct sbgw_verify_job *j;
    const char *h;

    if (evbuffer_get_length(rq->body) == 0) {
        sbgw_reply_error(rq, SBGW_E_BAD_REQUEST, "the request body is empty (send the signed object)");
        return;
    }
    if ((j = sbgw_verify_job_new(rq, s, rq->pol, "verify")) == NULL) {
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "out of memory");
        return;
    }
    j->kind = (enum sbgw_vin)rq->body_kind;
    j->want_xml = wants_xml_only(sbgw_req_header(rq, "Accept"));
    if ((h = sbgw_req_header(rq, "X-Sigbridge-Digest")) != NULL) {
        snprintf(j->digest_hdr, sizeof(j->digest_hdr), "%s", h);
    }
    if ((h = sbgw_req_header(rq, "X-Sigbridge-SM2-Id")) != NULL) {
        snprintf(j->sm2_id, sizeof(j->sm2_id), "%s", h);
        j->has_sm2_id = 1;
    }
    evbuffer_add_buffer(j->body, rq->body);
    j->then = verify_then;
    sbgw_verify_job_submit(j);
}
