/*
 * gateway/daemon/verify_job.c — the validation job shared by POST /v1/verify (api_verify.c) and the proxy routes
 * (proxy.c). On a worker: read the input (raw object, JSON envelope or detached header), hash the object,
 * sb_validate_object under the snapshot's policy, write the audit record (a failure turns the answer into
 * 503 AUDIT_UNAVAILABLE), then render the verdict (DESIGN §7 JSON, or the ETSI TS 119 102-2 report). On the
 * loop thread: hand the result to the job's continuation, unless the request was already answered.
 */
#include "gateway/daemon/sbgw.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "gateway/daemon/json_writer.h"
#include "pki/verdict/report_etsi.h"
#include "pki/verdict/validate.h"

/* ---- helpers usable on any thread ----------------------------------------------------------- */

static int b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    unsigned char *buf;
    int n = 0, fin = 0;

    *out = NULL;
    if (ctx == NULL || len > (size_t)1 << 30 || (buf = malloc(len / 4 * 3 + 4)) == NULL) {
        EVP_ENCODE_CTX_free(ctx);
        return 0;
    }
    EVP_DecodeInit(ctx);
    if (EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)in, (int)len) < 0 ||
        EVP_DecodeFinal(ctx, buf + n, &fin) != 1) {
        EVP_ENCODE_CTX_free(ctx);
        free(buf);
        return 0;
    }
    EVP_ENCODE_CTX_free(ctx);
    *out = buf;
    *outlen = (size_t)(n + fin);
    return 1;
}

static int hex_decode(const char *hex, unsigned char *out, size_t max, size_t *outlen)
{
    size_t n = strlen(hex), i;

    if (n == 0 || n % 2 != 0 || n / 2 > max) {
        return 0;
    }
    for (i = 0; i < n / 2; i++) {
        unsigned v = 0;
        int k;

        for (k = 0; k < 2; k++) {
            char c = (char)tolower((unsigned char)hex[2 * i + (size_t)k]);

            if (c >= '0' && c <= '9') {
                v = v * 16 + (unsigned)(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v = v * 16 + (unsigned)(c - 'a' + 10);
            } else {
                return 0;
            }
        }
        out[i] = (unsigned char)v;
    }
    *outlen = n / 2;
    return 1;
}

/* alg + hex → digest bytes; 0 with why on a bad value. */
static int parse_digest(const char *alg, const char *hex, unsigned char *out, size_t *len, const char **alg_out,
                        const char **why)
{
    static const struct { const char *name; size_t len; } algs[] = {
        { "sha256", 32 }, { "sha384", 48 }, { "sha512", 64 }, { "sm3", 32 },
    };
    size_t i;

    for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcasecmp(alg, algs[i].name) == 0) {
            if (!hex_decode(hex, out, 64, len) || *len != algs[i].len) {
                *why = "the digest value is not hex of the algorithm's length";
                return 0;
            }
            *alg_out = algs[i].name;
            return 1;
        }
    }
    *why = "the digest algorithm is not one of sha256, sha384, sha512, sm3";
    return 0;
}

/* md: fetched once (the audit log's SHA-256): EVP_sha256() would fetch implicitly on every call. */
static void sha256_hex(const EVP_MD *md_alg, const unsigned char *p, size_t n, char out[65])
{
    static const char hx[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    size_t i;

    out[0] = '\0';
    if (EVP_Digest(p, n, md, &mdlen, md_alg, NULL) != 1 || mdlen != 32) {
        return;
    }
    for (i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = '\0';
}

/* ---- the job (worker side) ------------------------------------------------------------------ */

struct vinput {
    unsigned char *obj_owned, *data_owned;
    const unsigned char *obj, *data;
    size_t obj_len, data_len;
    unsigned char digest[64];
    size_t digest_len;
    const char *digest_alg;
    char sm2_id[128];
    int has_sm2_id;
};

static void job_error(struct sbgw_vjob *j, const char *code, const char *msg, int status)
{
    free(j->reply);
    j->reply = sbgw_error_json(code, msg, status);
    j->status = status;
    snprintf(j->reason, sizeof(j->reason), "%s", code);
}

/* The JSON envelope: strict, every problem named. */
static int read_envelope(struct sbgw_vjob *j, const unsigned char *body, size_t len, struct vinput *in)
{
    json_t *o, *v, *alg, *val;
    json_error_t je;
    const char *key, *why = NULL;
    char msg[300];
    int ok = 0;

    if ((o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je)) == NULL || !json_is_object(o)) {
        snprintf(msg, sizeof(msg), "the JSON envelope does not parse%s%s (line %d, column %d)", o == NULL ? ": " : "",
                 o == NULL ? je.text : ": not an object", je.line, je.column);
        job_error(j, "BAD_REQUEST", msg, 400);
        goto out;
    }
    json_object_foreach(o, key, v) {
        if (strcmp(key, "signature") != 0 && strcmp(key, "content") != 0 && strcmp(key, "digest") != 0 &&
            strcmp(key, "sm2_id") != 0) {
            snprintf(msg, sizeof(msg), "unknown member '%.64s' in the envelope (signature, content, digest, sm2_id)",
                     key);
            job_error(j, "BAD_REQUEST", msg, 400);
            goto out;
        }
    }
    v = json_object_get(o, "signature");
    if (!json_is_string(v) || !b64_decode(json_string_value(v), json_string_length(v), &in->obj_owned, &in->obj_len)) {
        job_error(j, "BAD_REQUEST", "envelope member 'signature' must be the signed object in base64", 400);
        goto out;
    }
    in->obj = in->obj_owned;
    if ((v = json_object_get(o, "content")) != NULL) {
        if (!json_is_string(v) ||
            !b64_decode(json_string_value(v), json_string_length(v), &in->data_owned, &in->data_len)) {
            job_error(j, "BAD_REQUEST", "envelope member 'content' must be base64", 400);
            goto out;
        }
        in->data = in->data_owned != NULL ? in->data_owned : (const unsigned char *)"";
    }
    if ((v = json_object_get(o, "digest")) != NULL) {
        if (!json_is_object(v) || !json_is_string(alg = json_object_get(v, "alg")) ||
            !json_is_string(val = json_object_get(v, "value")) || json_object_size(v) != 2 ||
            !parse_digest(json_string_value(alg), json_string_value(val), in->digest, &in->digest_len,
                          &in->digest_alg, &why)) {
            snprintf(msg, sizeof(msg), "envelope member 'digest' must be {\"alg\": …, \"value\": HEX}%s%s",
                     why != NULL ? ": " : "", why != NULL ? why : "");
            job_error(j, "BAD_REQUEST", msg, 400);
            goto out;
        }
    }
    if ((v = json_object_get(o, "sm2_id")) != NULL) {
        if (!json_is_string(v) || json_string_length(v) >= sizeof(in->sm2_id)) {
            job_error(j, "BAD_REQUEST", "envelope member 'sm2_id' must be a string of at most 127 bytes", 400);
            goto out;
        }
        snprintf(in->sm2_id, sizeof(in->sm2_id), "%s", json_string_value(v));
        in->has_sm2_id = 1;
    }
    ok = 1;
out:
    json_decref(o);
    return ok;
}

static int read_input(struct sbgw_vjob *j, struct vinput *in)
{
    size_t blen = evbuffer_get_length(j->body);
    const unsigned char *body = blen > 0 ? evbuffer_pullup(j->body, -1) : (const unsigned char *)"";
    const char *why = NULL;
    char alg[16], msg[200];
    const char *eq;

    if (j->has_sm2_id) {
        snprintf(in->sm2_id, sizeof(in->sm2_id), "%s", j->sm2_id);
        in->has_sm2_id = 1;
    }
    switch (j->kind) {
    case SBGW_VIN_RAW:
        in->obj = body;
        in->obj_len = blen;
        break;
    case SBGW_VIN_ENVELOPE:
        return read_envelope(j, body, blen, in);
    case SBGW_VIN_DETACHED:
        if (j->sig_b64 == NULL || !b64_decode(j->sig_b64, strlen(j->sig_b64), &in->obj_owned, &in->obj_len) ||
            in->obj_len == 0) {
            job_error(j, "BAD_REQUEST", "X-Sigbridge-Signature must be a detached CMS object in base64", 400);
            return 0;
        }
        in->obj = in->obj_owned;
        in->data = body;
        in->data_len = blen;
        break;
    default:
        job_error(j, "INTERNAL_ERROR", "unknown input kind", 500);
        return 0;
    }
    if (j->digest_hdr[0] != '\0') {
        eq = strchr(j->digest_hdr, '=');
        if (eq != NULL && (size_t)(eq - j->digest_hdr) < sizeof(alg)) {
            snprintf(alg, sizeof(alg), "%.*s", (int)(eq - j->digest_hdr), j->digest_hdr);
        } else {
            alg[0] = '\0';
        }
        if (eq == NULL || alg[0] == '\0' ||
            !parse_digest(alg, eq + 1, in->digest, &in->digest_len, &in->digest_alg, &why)) {
            snprintf(msg, sizeof(msg), "X-Sigbridge-Digest must be ALG=HEX%s%s", why != NULL ? ": " : "",
                     why != NULL ? why : "");
            job_error(j, "BAD_REQUEST", msg, 400);
            return 0;
        }
    }
    return 1;
}

/* The ETSI TS 119 102-2 report of res as the reply (application/xml); 0 on failure (reply untouched). */
static int etsi_reply(struct sbgw_vjob *j, const struct sb_cms_result *res, time_t at, const struct vinput *vi)
{
    struct sb_etsi_signer *sg = NULL;
    struct sb_etsi_input in;
    struct sb_err err;
    unsigned char *xml = NULL;
    size_t i, len = 0;
    char *copy;

    if (res->n_signers > 0 && (sg = calloc(res->n_signers, sizeof(*sg))) == NULL) {
        return 0;
    }
    for (i = 0; i < res->n_signers; i++) {
        sg[i].reason = res->signers[i].reason;
        sg[i].message = res->signers[i].message;
        sg[i].cert = res->signers[i].cert;
        sg[i].chain = res->signers[i].chain;
        sg[i].signing_time = res->signers[i].signing_time;
    }
    memset(&in, 0, sizeof(in));
    in.validation_time = at;
    in.object = vi->obj;
    in.object_len = vi->obj_len;
    in.content = vi->data;
    in.content_len = vi->data_len;
    in.hash_only = vi->digest_alg != NULL;
    in.signers = sg;
    in.n_signers = res->n_signers;
    in.reason = res->reason;
    in.message = res->message;
    sb_err_clear(&err);
    if (sb_report_etsi(&in, &xml, &len, &err) != SB_OK || (copy = malloc(len + 1)) == NULL) {
        OPENSSL_free(xml);
        free(sg);
        return 0;
    }
    memcpy(copy, xml, len);
    copy[len] = '\0';
    OPENSSL_free(xml);
    free(sg);
    free(j->reply);
    j->reply = copy;
    j->reply_type = "application/xml; charset=utf-8";
    return 1;
}

static void audit_and_reply(struct sbgw_vjob *j, const struct sb_cms_result *res, time_t at, const char *obj_sha,
                            const struct vinput *vi)
{
    struct sbgw *gw = j->rq->gw;
    struct sbgw_audit_rec rec;
    enum sb_reason r = res->reason;
    const char *ind = sb_indication_name(sb_reason_indication(r));
    json_t *verdict;

    snprintf(j->indication, sizeof(j->indication), "%s", ind != NULL ? ind : "");
    snprintf(j->reason, sizeof(j->reason), "%s", r == SB_OK ? "" : sb_reason_name(r));
    if (res->n_signers > 0) {
        snprintf(j->signer_subject, sizeof(j->signer_subject), "%s", res->signers[res->worst].subject);
        snprintf(j->signer_serial, sizeof(j->signer_serial), "%s", res->signers[res->worst].serial);
    }
    memset(&rec, 0, sizeof(rec));
    rec.request_id = j->rq->id;
    rec.client = j->rq->client;
    rec.route = j->route;
    rec.from = j->from;
    rec.to = j->to[0] != '\0' ? j->to : NULL;
    rec.object_sha256 = obj_sha;
    rec.signer_subject = j->signer_subject;
    rec.signer_serial = j->signer_serial;
    rec.indication = ind;
    rec.subindication = sb_reason_subindication(r);
    rec.reason = r == SB_OK ? NULL : sb_reason_name(r);
    rec.snapshot = sb_policy_set_id(j->snap->set);
    if (sbgw_audit_append(&gw->audit, &rec, NULL) != 0) {
        sbgw_log_warn(&gw->log, j->rq->id, "audit: cannot write the decision to %s", gw->audit.path);
        job_error(j, sbgw_http_error_name(SBGW_E_AUDIT_UNAVAILABLE), sbgw_http_error_message(SBGW_E_AUDIT_UNAVAILABLE),
                  sbgw_http_error_status(SBGW_E_AUDIT_UNAVAILABLE));
        j->indication[0] = '\0';
        return;
    }
    if (j->want_xml) {
        if (!etsi_reply(j, res, at, vi)) {
            job_error(j, "INTERNAL_ERROR", "cannot build the ETSI TS 119 102-2 report", 500);
            return;
        }
        j->status = 200;
        j->passed = r == SB_OK;
        return;
    }
    if ((verdict = sb_validate_result_json_ex(res, at, gw->verdict_memo)) == NULL) {
        job_error(j, "INTERNAL_ERROR", "cannot encode the verdict", 500);
        return;
    }
    json_object_set_new(verdict, "jurisdiction", json_string(j->from));
    json_object_set_new(verdict, "snapshot", json_string(sb_policy_set_id(j->snap->set)));
    free(j->reply);
    j->reply = sbgw_json_compact(verdict);             /* = json_dumps(verdict, JSON_COMPACT), faster */
    json_decref(verdict);
    if (j->reply == NULL) {
        job_error(j, "INTERNAL_ERROR", "cannot encode the verdict", 500);
        return;
    }
    j->status = 200;
    j->passed = r == SB_OK;
}

static void vjob_run(struct sbgw_work *w)
{
    struct sbgw_vjob *j = (struct sbgw_vjob *)w;
    struct sb_validate_input in;
    struct sb_cms_result res;
    struct vinput vi;
    struct sb_err err;
    time_t at = 0;
    char obj_sha[65];
    enum sb_reason rc;

    memset(&vi, 0, sizeof(vi));
    memset(&res, 0, sizeof(res));
    if (!read_input(j, &vi)) {
        goto out;
    }
    sha256_hex(j->rq->gw->audit.sha256, vi.obj, vi.obj_len, obj_sha);
    memset(&in, 0, sizeof(in));
    in.obj = vi.obj;
    in.len = vi.obj_len;
    in.data = vi.data;
    in.data_len = vi.data_len;
    if (vi.digest_alg != NULL) {
        in.digest = vi.digest;
        in.digest_len = vi.digest_len;
        in.digest_alg = vi.digest_alg;
    }
    in.sm2_id = vi.has_sm2_id ? vi.sm2_id : NULL;
    in.now = time(NULL);
    in.cert_cache = j->rq->gw->cert_cache;
    in.chain_cache = j->rq->gw->chain_cache;
    in.memo = j->rq->gw->verdict_memo;
    in.sm2_cache = j->rq->gw->sm2_cache;
    in.cache_scope = sbgw_snap_scope(j->snap, j->pol);     /* NULL (no chain cache) if pol is not of snap */
    sb_err_clear(&err);
    rc = sb_validate_object(j->pol, &in, &res, &at, &err);
    if (sb_reason_indication(rc) == SB_IND_NONE) {          /* input the pipeline cannot read: no decision */
        job_error(j, sb_reason_name(rc), err.msg[0] != '\0' ? err.msg : sb_reason_message(rc),
                  sb_reason_http_status(rc));
        goto out;
    }
    audit_and_reply(j, &res, at, obj_sha, &vi);
out:
    sb_cms_result_clear(&res);
    free(vi.obj_owned);
    free(vi.data_owned);
    if (j->reply == NULL) {
        job_error(j, "INTERNAL_ERROR", "out of memory", 500);
    }
}

/* ---- the job (loop side) -------------------------------------------------------------------- */

static void vjob_done(struct sbgw_work *w)
{
    struct sbgw_vjob *j = (struct sbgw_vjob *)w;

    j->rq->job = NULL;
    if (j->rq->req == NULL || !w->ran) {      /* answered already (deadline) or cancelled */
        sbgw_vjob_free(j);
        return;
    }
    snprintf(j->rq->indication, sizeof(j->rq->indication), "%s", j->indication);
    snprintf(j->rq->reason, sizeof(j->rq->reason), "%s", j->reason);
    j->then(j);
}

struct sbgw_vjob *sbgw_vjob_new(struct sbgw_req *rq, struct sbgw_snap *s, const struct sb_trust_policy *pol,
                                const char *route)
{
    struct sbgw_vjob *j = calloc(1, sizeof(*j));

    if (j == NULL || (j->body = evbuffer_new()) == NULL) {
        free(j);
        return NULL;
    }
    j->w.run = vjob_run;
    j->w.done = vjob_done;
    j->rq = rq;
    sbgw_req_ref(rq);
    j->snap = s;
    sbgw_snap_up_ref(s);
    j->pol = pol;
    snprintf(j->from, sizeof(j->from), "%s", pol->id);
    snprintf(j->route, sizeof(j->route), "%s", route);
    return j;
}

void sbgw_vjob_free(struct sbgw_vjob *j)
{
    if (j == NULL) {
        return;
    }
    evbuffer_free(j->body);
    free(j->sig_b64);
    free(j->reply);
    sbgw_snap_unref(j->snap);
    sbgw_req_unref(j->rq);
    free(j);
}

int sbgw_vjob_submit(struct sbgw_vjob *j)
{
    struct sbgw_req *rq = j->rq;

    rq->job = j;
    if (sbgw_pool_submit(&rq->gw->pool, &j->w) != 0) {
        rq->job = NULL;
        sbgw_reply_error(rq, SBGW_E_OVERLOADED, "the validation queue is full (%ld jobs); retry later",
                         (long)j->snap->cfg->queue_max);
        sbgw_vjob_free(j);
        return -1;
    }
    sbgw_req_deadline(rq, j->snap->cfg->limits.request_timeout_ms);
    return 0;
}
