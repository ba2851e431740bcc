/*
 * gateway/daemon/verify_job.c — the validation job shared by POST /v1/verify (api_verify.c) and the proxy
 * routes (proxy.c); POST /v1/translate (api_translate.c) runs its own worker body in the same job. On a
 * worker: turn the input (the signed object, a JSON envelope — the gateway's own or the jurisdiction
 * adapter's, adapters/adapter.h — or a detached signature header, over the body or, on a bound proxy route, over
 * the canonical request rebuilt here: canon_request.h) into the evidence, hash the object,
 * sb_validate under the snapshot's policy with the daemon's caches, write the audit record (a failure turns
 * the answer into 503 AUDIT_UNAVAILABLE), then render the verdict (pki/verdict/verdict_render.h: the
 * DESIGN §7 JSON, or the ETSI TS 119 102-2 report). On the loop thread: hand the result to the job's
 * continuation, unless the request was already answered. Every error reply comes from the HTTP error table
 * (http_errors.h) or the reason table (pki/base/reason.h).
 */
#include "gateway/daemon/sbgw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "adapters/adapter.h"
#include "gateway/daemon/canon_request.h"
#include "gateway/daemon/revocation_fetch.h"
#include "gateway/daemon/ocsp_fetch.h"
#include "pki/base/base64.h"
#include "pki/base/hex.h"
#include "pki/base/work_budget.h"
#include "pki/verdict/report_revocation.h"
#include "pki/verdict/validate.h"
#include "pki/verdict/verdict_render.h"
#include "pki/xml/xml_safe.h"

/* ---- error replies -------------------------------------------------------------------------- */

static void set_error(struct sbgw_verify_job *j, const char *code, const char *msg, int status)
{
    free(j->reply);
    j->reply = sbgw_error_json(code, msg, status);
    j->status = status;
    snprintf(j->reason, sizeof(j->reason), "%s", code);
}

void sbgw_verify_job_error(struct sbgw_verify_job *j, enum sbgw_http_error e, const char *fmt, ...)
{
    char msg[SB_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    sbgw_http_error_vformat(msg, sizeof(msg), e, fmt, ap);
    va_end(ap);
    set_error(j, sbgw_http_error_name(e), msg, sbgw_http_error_status(e));
}

void sbgw_verify_job_error_reason(struct sbgw_verify_job *j, enum sb_reason r, const char *msg)
{
    int status = sb_reason_http_status(r);

    set_error(j, sb_reason_name(r), msg != NULL && msg[0] != '\0' ? msg : sb_reason_message(r),
              status == 200 ? 400 : status);
}

/* ---- the job (worker side) ------------------------------------------------------------------ */

/* md: fetched once (the audit log's SHA-256): EVP_sha256() would fetch implicitly on every call. */
static void sha256_hex(const EVP_MD *md_alg, const unsigned char *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;

    out[0] = '\0';
    if (EVP_Digest(p, n, md, &mdlen, md_alg, NULL) == 1 && mdlen == 32) {
        sb_hex_encode(md, sizeof(md), out, 65);
    }
}

/* A JSON body: the jurisdiction adapter's envelope or the gateway's own; 0 with the error reply set. A
 * verdict the adapter reached while reading (a document that does not match the envelope's hash) goes to
 * *verdict with its message in why. */
static int read_envelope(struct sbgw_verify_job *j, const unsigned char *body, size_t len, struct sb_evidence *ev,
                         enum sb_reason *verdict, struct sb_err *why)
{
    struct sb_err err;
    int gateway_envelope = 1;
    enum sb_reason rc;

    sb_err_clear(&err);
    if ((rc = sb_adapter_parse_json_body(j->from, body, len, ev, &gateway_envelope, &err)) == SB_OK) {
        return 1;
    }
    if (sb_reason_indication(rc) != SB_IND_NONE) {
        *verdict = rc;
        *why = err;
        return 1;
    }
    if (gateway_envelope) {
        /* the gateway's own envelope keeps its one error code */
        sbgw_verify_job_error(j, SBGW_E_BAD_REQUEST, "%s", err.msg);
    } else {
        sbgw_verify_job_error_reason(j, rc, err.msg);   /* the adapter's specific ENVELOPE_* code */
    }
    return 0;
}

/* The X-Sigbridge-Digest header ALG=HEX into ev; 0 with the error reply set. */
static int read_digest_header(struct sbgw_verify_job *j, struct sb_evidence *ev)
{
    const char *eq = strchr(j->digest_hdr, '='), *why = NULL;
    char alg[16];

    alg[0] = '\0';
    if (eq != NULL && (size_t)(eq - j->digest_hdr) < sizeof(alg)) {
        snprintf(alg, sizeof(alg), "%.*s", (int)(eq - j->digest_hdr), j->digest_hdr);
    }
    if (eq == NULL || alg[0] == '\0' || !sb_evidence_set_digest_hex(ev, alg, eq + 1, &why)) {
        sbgw_verify_job_error(j, SBGW_E_BAD_REQUEST, "X-Sigbridge-Digest must be ALG=HEX%s%s",
                              why != NULL ? ": " : "", why != NULL ? why : "");
        return 0;
    }
    return 1;
}

/* A bound route's signed content: the canonical request of the job's method / target / Date and the body's
 * SHA-256 into j->canon, its own SHA-256 into j->canon_key; 0 with the error reply set. */
static int build_canon(struct sbgw_verify_job *j, const unsigned char *body, size_t blen)
{
    const EVP_MD *md = j->rq->gw->audit.sha256;
    struct sbgw_canon_in in;
    unsigned int n = 0;
    size_t len = 0;
    enum sbgw_canon_status st;

    memset(&in, 0, sizeof(in));
    in.bind = j->bind;
    in.method = j->bind_method;
    in.target = j->bind_target;
    in.date = j->bind_date;
    if (EVP_Digest(body, blen, in.body_sha256, &n, md, NULL) != 1 || n != 32) {
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "cannot hash the body");
        return 0;
    }
    if ((st = sbgw_canon_request(&in, &j->canon, &len)) != SBGW_CANON_OK) {
        if (st == SBGW_CANON_BAD_VALUE) {
            sbgw_verify_job_error(j, SBGW_E_BAD_REQUEST, "the request cannot be canonicalised (a bound component "
                                  "is empty or holds a control character)");
        } else {
            sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "out of memory");
        }
        return 0;
    }
    if (EVP_Digest(j->canon, len, j->canon_key, &n, md, NULL) != 1 || n != 32) {
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "cannot hash the canonical request");
        return 0;
    }
    return 1;
}

/* The evidence of the job's input (borrowing the body where it is the object); 0 with the error reply set.
 * *verdict: as read_envelope's. */
static int read_input(struct sbgw_verify_job *j, struct sb_evidence *ev, enum sb_reason *verdict, struct sb_err *why)
{
    size_t blen = evbuffer_get_length(j->body), n;
    const unsigned char *body = blen > 0 ? evbuffer_pullup(j->body, -1) : (const unsigned char *)"";
    unsigned char *sig;

    switch (j->kind) {
    case SBGW_VIN_RAW:
        ev->format = sb_xml_looks_like(body, blen) ? SB_EV_XMLDSIG : SB_EV_CMS;
        ev->obj = body;                  /* borrowed: no copy of the body */
        ev->obj_len = blen;
        break;
    case SBGW_VIN_ENVELOPE:
        if (!read_envelope(j, body, blen, ev, verdict, why)) {
            return 0;
        }
        break;
    case SBGW_VIN_DETACHED:
        if (j->sig_b64 == NULL ||
            sb_base64_decode(j->sig_b64, strlen(j->sig_b64), SB_EV_MAX_INPUT, &sig, &n, NULL) != SB_B64_OK) {
            sbgw_verify_job_error(j, SBGW_E_BAD_REQUEST, "X-Sigbridge-Signature must be a detached CMS object in "
                                  "base64");
            return 0;
        }
        sb_evidence_set0_obj(ev, sig, n);
        if (n == 0) {
            sbgw_verify_job_error(j, SBGW_E_BAD_REQUEST, "X-Sigbridge-Signature must be a detached CMS object in "
                                  "base64");
            return 0;
        }
        ev->format = SB_EV_CMS;
        if (j->bind != 0) {
            if (!build_canon(j, body, blen)) {
                return 0;
            }
            ev->content = (const unsigned char *)j->canon;     /* owned by the job: outlives ev */
            ev->content_len = strlen(j->canon);
        } else {
            ev->content = body;
            ev->content_len = blen;
        }
        break;
    default:
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "unknown input kind");
        return 0;
    }
    if (j->kind != SBGW_VIN_ENVELOPE && j->digest_hdr[0] != '\0' && !read_digest_header(j, ev)) {
        return 0;
    }
    if (j->has_sm2_id && ev->sm2_id == NULL && (ev->sm2_id = OPENSSL_strdup(j->sm2_id)) == NULL) {
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "out of memory");
        return 0;
    }
    return 1;
}

/* The ETSI TS 119 102-2 report of res as the reply (application/xml); 0 on failure (reply untouched). */
static int etsi_reply(struct sbgw_verify_job *j, const struct sb_cms_result *res, time_t at,
                      const struct sb_evidence *ev)
{
    struct sb_err err;
    unsigned char *xml = NULL;
    size_t len = 0;
    char *copy;

    sb_err_clear(&err);
    if (sb_verdict_etsi(res, at, ev, NULL, &xml, &len, &err) != SB_OK || (copy = malloc(len + 1)) == NULL) {
        OPENSSL_free(xml);
        return 0;
    }
    memcpy(copy, xml, len);
    copy[len] = '\0';
    OPENSSL_free(xml);
    free(j->reply);
    j->reply = copy;
    j->reply_type = "application/xml; charset=utf-8";
    return 1;
}

int sbgw_verify_job_record(struct sbgw_verify_job *j, enum sb_reason r, const char *object_sha256,
                           const char *signer_subject, const char *signer_serial, const char *revocation)
{
    struct sbgw *gw = j->rq->gw;
    struct sbgw_audit_rec rec;
    const char *ind = sb_indication_name(sb_reason_indication(r));

    snprintf(j->indication, sizeof(j->indication), "%s", ind != NULL ? ind : "");
    snprintf(j->reason, sizeof(j->reason), "%s", r == SB_OK ? "" : sb_reason_name(r));
    snprintf(j->signer_subject, sizeof(j->signer_subject), "%s", signer_subject);
    snprintf(j->signer_serial, sizeof(j->signer_serial), "%s", signer_serial);
    memset(&rec, 0, sizeof(rec));
    rec.request_id = j->rq->id;
    rec.client_request_id = j->rq->client_req_id;
    rec.client = j->rq->client;
    rec.route = j->route;
    rec.from = j->from;
    rec.to = j->to[0] != '\0' ? j->to : NULL;
    rec.object_sha256 = object_sha256;
    rec.signer_subject = j->signer_subject;
    rec.signer_serial = j->signer_serial;
    rec.indication = ind;
    rec.subindication = sb_reason_subindication(r);
    rec.reason = r == SB_OK ? NULL : sb_reason_name(r);
    rec.snapshot = sb_policy_set_id(j->snap->set);
    rec.revocation = revocation;
    if (sbgw_audit_append(&gw->audit, &rec, NULL) != 0) {
        sbgw_log_warn(&gw->log, j->rq->id, "audit: cannot write the decision to %s", gw->audit.path);
        sbgw_verify_job_error(j, SBGW_E_AUDIT_UNAVAILABLE, NULL);
        j->indication[0] = '\0';
        return -1;
    }
    return 0;
}

static void audit_and_reply(struct sbgw_verify_job *j, const struct sb_cms_result *res, time_t at,
                            const char *obj_sha, const struct sb_evidence *ev)
{
    struct sbgw *gw = j->rq->gw;
    enum sb_reason r = res->reason;
    const struct sb_cms_signer *worst = res->n_signers > 0 ? &res->signers[res->worst] : NULL;
    const char *extra[] = { "jurisdiction", j->from, "snapshot", sb_policy_set_id(j->snap->set), NULL };
    struct sb_jtext text;
    char rev[2048];

    sb_report_rev_compact(worst != NULL ? worst->revocation : NULL, worst != NULL ? worst->n_revocation : 0, rev,
                          sizeof(rev));
    if (sbgw_verify_job_record(j, r, obj_sha, worst != NULL ? worst->subject : "",
                               worst != NULL ? worst->serial : "", rev) != 0) {
        return;
    }
    if (j->want_xml) {
        if (!etsi_reply(j, res, at, ev)) {
            sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "cannot build the ETSI TS 119 102-2 report");
            return;
        }
        j->status = 200;
        j->passed = r == SB_OK;
        return;
    }
    /* written directly (no jansson tree): the bytes json_dumps would write for the verdict with
     * "jurisdiction" and "snapshot" added (pki/verdict/verdict_render.h) */
    memset(&text, 0, sizeof(text));
    if (!sb_verdict_json_text(res, at, gw->cert_memo, extra, &text)) {
        sb_jtext_free(&text);
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "cannot encode the verdict");
        return;
    }
    free(j->reply);
    j->reply = sb_jtext_take(&text, NULL);
    j->status = 200;
    j->passed = r == SB_OK;
}

void sbgw_verify_job_caches(const struct sbgw_verify_job *j, const struct sb_trust_policy *pol,
                            struct sb_validation_caches *c)
{
    const struct sbgw *gw = j->rq->gw;

    memset(c, 0, sizeof(*c));
    c->certs = gw->cert_cache;
    c->chain = gw->chain_cache;
    c->memo = gw->cert_memo;
    c->sm2 = gw->sm2_cache;
    c->sigs = gw->sig_memo;
    c->scope = sbgw_snap_scope(j->snap, pol);        /* NULL (no chain cache) if pol is not of snap */
}

/* Run the job. budget NULL: on a worker, to the end. With a budget: on the job's event loop, as long as the
 * budget pays for the validation (pki/base/work_budget.h); 0 when it did not — nothing was decided, audited
 * or cached as an outcome, the job is as it was before (no reply) and must run again on a worker. */
static int job_execute(struct sbgw_verify_job *j, struct sb_work_budget *budget)
{
    struct sb_validation_ctx ctx;
    struct sb_evidence ev;
    struct sb_cms_result res;
    struct sb_err err;
    time_t at = 0;
    char obj_sha[65];
    enum sb_reason rc, verdict = SB_OK;
    int ran = 1;

    sb_evidence_init(&ev);
    memset(&res, 0, sizeof(res));
    sb_err_clear(&err);
    if (!read_input(j, &ev, &verdict, &err)) {
        goto out;
    }
    sha256_hex(j->rq->gw->audit.sha256, ev.obj, ev.obj_len, obj_sha);
    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = j->pol;
    ctx.require_full_coverage = j->require_full_coverage;
    ctx.now = time(NULL);
    ctx.budget = budget;
    ctx.more_crls = j->rq->gw->crl_fetch != NULL ? sbgw_crl_fetch_more : NULL;
    ctx.more_crls_arg = j->rq->gw->crl_fetch;
    ctx.ocsp = j->rq->gw->ocsp_fetch != NULL ? sbgw_ocsp_fetch_source : NULL;
    ctx.ocsp_arg = j->rq->gw->ocsp_fetch;
    at = ctx.now;
    sbgw_verify_job_caches(j, j->pol, &ctx.caches);
    if (verdict != SB_OK) {
        res.reason = rc = verdict;       /* reached while reading the envelope: nothing left to validate */
        snprintf(res.message, sizeof(res.message), "%s", err.msg);
    } else {
        rc = sb_validate(&ctx, &ev, &res, &at, &err);
    }
    if (sb_work_budget_spent(budget)) {
        free(j->canon);                  /* read_input makes it again */
        j->canon = NULL;
        ran = 0;
        goto out;
    }
    if (sb_reason_indication(rc) == SB_IND_NONE) {          /* input the pipeline cannot read: no decision */
        sbgw_verify_job_error_reason(j, rc, err.msg);
        goto out;
    }
    audit_and_reply(j, &res, at, obj_sha, &ev);
out:
    sb_cms_result_clear(&res);
    sb_evidence_clear(&ev);
    if (ran && j->reply == NULL) {
        sbgw_verify_job_error(j, SBGW_E_INTERNAL_ERROR, "out of memory");
    }
    return ran;
}

static void job_run(struct sbgw_work *w)
{
    (void)job_execute((struct sbgw_verify_job *)w, NULL);
}

/* ---- the job (loop side) -------------------------------------------------------------------- */

static void job_answer(struct sbgw_verify_job *j)
{
    j->rq->job = NULL;
    if (j->rq->answered || !j->w.ran) {    /* answered already (deadline) or cancelled */
        sbgw_verify_job_free(j);
        return;
    }
    snprintf(j->rq->indication, sizeof(j->rq->indication), "%s", j->indication);
    snprintf(j->rq->reason, sizeof(j->rq->reason), "%s", j->reason);
    j->then(j);
}

/* On the loop of the job's connection: its answer, counted in the loop's busy histogram. */
static void job_done(struct sbgw_work *w)
{
    struct sbgw_verify_job *j = (struct sbgw_verify_job *)w;
    struct sbgw_loop *lp = j->rq->loop;
    unsigned long long t0 = sbgw_loop_busy_begin(lp);

    job_answer(j);
    sbgw_loop_busy_end(lp, t0);
}

struct sbgw_verify_job *sbgw_verify_job_new(struct sbgw_req *rq, struct sbgw_snap *s, const struct sb_trust_policy *pol,
                                const char *route)
{
    struct sbgw_verify_job *j = calloc(1, sizeof(*j));

    if (j == NULL || (j->body = evbuffer_new()) == NULL) {
        free(j);
        return NULL;
    }
    j->w.run = job_run;
    j->w.done = job_done;
    j->rq = rq;
    sbgw_req_ref(rq);
    j->snap = s;
    sbgw_snap_up_ref(s);
    j->pol = pol;
    snprintf(j->from, sizeof(j->from), "%s", pol->id);
    snprintf(j->route, sizeof(j->route), "%s", route);
    return j;
}

void sbgw_verify_job_free(struct sbgw_verify_job *j)
{
    if (j == NULL) {
        return;
    }
    evbuffer_free(j->body);
    free(j->sig_b64);
    free(j->bind_target);
    free(j->canon);
    free(j->reply);
    sbgw_snap_unref(j->snap);
    sbgw_req_unref(j->rq);
    free(j);
}

/* Whether j may first run on its event loop: a validation (not a translation) of a small body, with a budget
 * configured, and an audit log that does not fdatasync each record (that would wait on the disk). */
static int may_run_on_loop(const struct sbgw_verify_job *j)
{
    const struct sbgw_config *cfg = j->snap->cfg;

    return j->w.run == job_run && cfg->inline_budget_us > 0 && cfg->audit.fsync != SBGW_FSYNC_EVERY &&
           evbuffer_get_length(j->body) <= SBGW_INLINE_MAX_BODY;
}

int sbgw_verify_job_submit(struct sbgw_verify_job *j)
{
    struct sbgw_req *rq = j->rq;
    struct sb_work_budget budget;

    rq->job = j;
    if (may_run_on_loop(j)) {
        /* cheap and bounded work (a known signer, or a new one under a known CA) is answered here: no
         * hand-off to a worker and back; anything the budget cannot pay goes to a worker, as before */
        sb_work_budget_init(&budget, j->snap->cfg->inline_budget_us / SB_WORK_UNIT_US);
        if (job_execute(j, &budget)) {
            __atomic_add_fetch(&rq->gw->inline_answered, 1, __ATOMIC_RELAXED);
            j->w.ran = 1;
            job_answer(j);
            return 0;
        }
        __atomic_add_fetch(&rq->gw->inline_deferred, 1, __ATOMIC_RELAXED);
    }
    if (sbgw_pool_submit(&rq->gw->pool, rq->loop->idx, &j->w) != 0) {
        rq->job = NULL;
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "the validation queue is full (%ld jobs); retry later",
                         (long)j->snap->cfg->queue_max);
        sbgw_verify_job_free(j);
        return -1;
    }
    sbgw_req_deadline(rq, j->snap->cfg->limits.request_timeout_ms);
    return 0;
}
