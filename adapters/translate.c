/*
 * adapters/translate.c — validate under A, recognise for B, attest for B (adapters/translate.h).
 */
#include "translate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "adapter_local.h"
#include "pki/base/base64.h"
#include "pki/base/hex.h"
#include "pki/base/load.h"
#include "pki/base/rfc3339_time.h"
#include "pki/verdict/report_revocation.h"
#include "pki/verdict/validate.h"
#include "pki/verdict/verdict_render.h"

#define SB_TR_MAX_ATTEST_CHAIN 8   /* CA certificates carried after the gateway certificate */

void sb_translate_out_clear(struct sb_translate_out *o)
{
    if (o == NULL) {
        return;
    }
    json_decref(o->json);
    OPENSSL_free(o->attestation);
    memset(o, 0, sizeof(*o));
}

static json_t *str_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* The gateway certificate's issuers from B's intermediates (not its anchors), so that B's own tools can
 * build the path from the attestation alone. A borrowed-reference stack (sk_X509_free). */
static STACK_OF(X509) *attest_chain(const struct sb_trust_policy *tp, X509 *cert)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *cur = cert, *cand;
    int i, depth, found;

    for (depth = 0; chain != NULL && depth < SB_TR_MAX_ATTEST_CHAIN; depth++) {
        if (X509_check_issued(cur, cur) == X509_V_OK) {
            break;                                     /* self-issued: the top */
        }
        for (i = 0; i < sk_X509_num(tp->anchors); i++) {
            if (X509_check_issued(sk_X509_value(tp->anchors, i), cur) == X509_V_OK) {
                return chain;                          /* the receiving side trusts the next one itself */
            }
        }
        found = 0;
        for (i = 0; i < sk_X509_num(tp->intermediates); i++) {
            cand = sk_X509_value(tp->intermediates, i);
            if (cand != cur && X509_check_issued(cand, cur) == X509_V_OK) {
                if (sk_X509_push(chain, cand) <= 0) {
                    sk_X509_free(chain);
                    return NULL;
                }
                cur = cand;
                found = 1;
                break;
            }
        }
        if (!found) {
            break;
        }
    }
    return chain;
}

/* The canonical attestation document (doc->json and the fields) for signer s. */
static enum sb_reason build_doc(const struct sb_translate_req *req, const struct sb_evidence *ev,
                                const struct sb_cms_signer *s, const struct sb_recognition_decision *d,
                                time_t at, struct sb_attestation_doc *doc, json_t **obj, struct sb_err *err)
{
    json_t *j = NULL, *signer = NULL;
    int ok;

    memset(doc, 0, sizeof(*doc));
    sb_hex_encode(ev->input_sha256, sizeof(ev->input_sha256), doc->object_sha256, sizeof(doc->object_sha256));
    if (ev->has_content_sha256) {
        sb_hex_encode(ev->content_sha256, sizeof(ev->content_sha256), doc->content_sha256, sizeof(doc->content_sha256));
    }
    snprintf(doc->subject, sizeof(doc->subject), "%s", s->subject);
    snprintf(doc->issuer, sizeof(doc->issuer), "%s", s->issuer);
    snprintf(doc->serial, sizeof(doc->serial), "%s", s->serial);
    snprintf(doc->from, sizeof(doc->from), "%s", req->from);
    snprintf(doc->to, sizeof(doc->to), "%s", req->to);
    snprintf(doc->rule, sizeof(doc->rule), "%s->%s", req->from, req->to);
    snprintf(doc->policy_oid, sizeof(doc->policy_oid), "%s", d->matched_oid);
    snprintf(doc->level, sizeof(doc->level), "%s", sb_tp_level_name(d->level));
    snprintf(doc->indication, sizeof(doc->indication), "%s", sb_indication_name(SB_IND_TOTAL_PASSED));
    sb_time_format(at, doc->validation_time, sizeof(doc->validation_time));
    snprintf(doc->policy_snapshot, sizeof(doc->policy_snapshot), "%s", sb_policy_set_id(req->set));
    snprintf(doc->gateway_id, sizeof(doc->gateway_id), "%s", req->gateway_id != NULL ? req->gateway_id : "sigbridge");

    j = json_object();
    signer = json_object();
    ok = j != NULL && signer != NULL;
    ok = ok && json_object_set_new(signer, "subject", json_string(doc->subject)) == 0 &&
         json_object_set_new(signer, "issuer", json_string(doc->issuer)) == 0 &&
         json_object_set_new(signer, "serial", json_string(doc->serial)) == 0;
    ok = ok && json_object_set_new(j, "version", json_integer(1)) == 0 &&
         json_object_set_new(j, "object_sha256", json_string(doc->object_sha256)) == 0 &&
         (doc->content_sha256[0] == '\0' ||
          json_object_set_new(j, "content_sha256", json_string(doc->content_sha256)) == 0) &&
         json_object_set(j, "signer", signer) == 0 && json_object_set_new(j, "from", json_string(doc->from)) == 0 &&
         json_object_set_new(j, "to", json_string(doc->to)) == 0 &&
         json_object_set_new(j, "rule", json_string(doc->rule)) == 0 &&
         json_object_set_new(j, "policy_oid", str_or_null(doc->policy_oid)) == 0 &&
         json_object_set_new(j, "level", json_string(doc->level)) == 0 &&
         json_object_set_new(j, "indication", json_string(doc->indication)) == 0 &&
         json_object_set_new(j, "validation_time", json_string(doc->validation_time)) == 0 &&
         json_object_set_new(j, "policy_snapshot", json_string(doc->policy_snapshot)) == 0 &&
         json_object_set_new(j, "gateway_id", json_string(doc->gateway_id)) == 0;
    json_decref(signer);
    /* canonical: sorted keys, no white space, non-ASCII escaped as \uXXXX */
    if (!ok || (doc->json = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)) == NULL) {
        json_decref(j);
        return sb_err_set(err, SB_R_INTERNAL, "cannot build the attestation document");
    }
    doc->json_len = strlen(doc->json);
    *obj = j;
    return SB_OK;
}

/* Sign doc with the rule's key for B. */
static enum sb_reason attest(const struct sb_translate_req *req, const struct sb_recognition_rule *r,
                             const struct sb_attestation_doc *doc, struct sb_translate_out *out, struct sb_err *err)
{
    const struct sb_trust_policy *tp = sb_policy_set_find(req->set, req->to);
    const struct sb_adapter *a = sb_adapter_find(req->to);
    struct sb_attest_key k;
    EVP_PKEY *key = NULL;
    STACK_OF(X509) *chain = NULL;
    enum sb_reason rc;

    if ((rc = sb_load_key(r->attest_key, &key, err)) != SB_OK) {
        goto err;
    }
    if (X509_check_private_key(r->attest_cert, key) != 1) {
        rc = sb_err_openssl(err, SB_R_INTERNAL, "attestation key %s no longer belongs to the rule's certificate "
                            "(changed since the policy set was loaded?)", r->attest_key);
        goto err;
    }
    if ((chain = attest_chain(tp, r->attest_cert)) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
        goto err;
    }
    memset(&k, 0, sizeof(k));
    k.format = r->attest_format;
    k.key = key;
    k.cert = r->attest_cert;
    k.chain = chain;
    k.sm2_id = tp->sm2_default_id;
    k.signing_time = req->now;
    if ((rc = a->render(doc, &k, &out->attestation, &out->attestation_len, err)) != SB_OK) {
        goto err;
    }
    out->attestation_format = r->attest_format;
err:
    sk_X509_free(chain);
    EVP_PKEY_free(key);
    return rc;
}

/* Override the top-level verdict of a validated result that was not recognised. */
static void set_top(json_t *j, enum sb_reason rc, const char *msg)
{
    json_object_set_new(j, "valid", json_boolean(rc == SB_OK));
    json_object_set_new(j, "indication", str_or_null(sb_indication_name(sb_reason_indication(rc))));
    json_object_set_new(j, "subindication", str_or_null(sb_reason_subindication(rc)));
    json_object_set_new(j, "reason", rc == SB_OK ? json_null() : json_string(sb_reason_name(rc)));
    json_object_set_new(j, "message", json_string(msg));
}

static json_t *recognition_json(const struct sb_translate_out *out, const struct sb_recognition_decision *d,
                                int decided)
{
    json_t *r = json_object();

    if (r == NULL) {
        return NULL;
    }
    json_object_set_new(r, "accepted", json_boolean(out->recognised));
    json_object_set_new(r, "rule", str_or_null(out->rule));
    json_object_set_new(r, "rule_index", decided && d->rule >= 0 ? json_integer(d->rule) : json_null());
    json_object_set_new(r, "matched_oid", decided ? str_or_null(d->matched_oid) : json_null());
    json_object_set_new(r, "level", decided ? json_string(sb_tp_level_name(d->level)) : json_null());
    json_object_set_new(r, "why_not", str_or_null(out->why_not));
    return r;
}

/* Every signer recognised by B? d gets the first refusal, or the first signer's decision. */
static enum sb_reason recognise_all(const struct sb_translate_req *req, const struct sb_cms_result *res,
                                    struct sb_recognition_decision *d, struct sb_err *err)
{
    struct sb_recognition_decision di;
    size_t i;
    enum sb_reason rc;

    memset(d, 0, sizeof(*d));
    d->rule = -1;
    for (i = 0; i < res->n_signers; i++) {
        if (res->signers[i].cert == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "signer %zu passed without a certificate", i + 1);
        }
        rc = sb_recognise(req->set, req->from, req->to, res->signers[i].cert, NULL, i == 0 ? d : &di, err);
        if (rc != SB_OK) {
            if (i > 0) {
                *d = di;
            }
            return rc;
        }
    }
    return res->n_signers > 0 ? SB_OK : sb_err_set(err, SB_R_INTERNAL, "no signer to recognise");
}

enum sb_reason sb_translate_run(const struct sb_translate_req *req, struct sb_translate_out *out, struct sb_err *err)
{
    const struct sb_trust_policy *fp, *tp;
    const struct sb_recognition_rule *rule = NULL;
    const struct sb_adapter *a;
    struct sb_evidence ev;
    struct sb_validation_ctx ctx;
    struct sb_cms_result res;
    struct sb_recognition_decision d;
    struct sb_attestation_doc doc;
    struct sb_err e;
    json_t *j = NULL, *attested = NULL;
    char *b64 = NULL, fmt[16];
    time_t at = req->at != NULL ? *req->at : req->now;
    size_t idx = 0;
    int decided = 0;
    enum sb_reason rc, prc;

    memset(out, 0, sizeof(*out));
    memset(&res, 0, sizeof(res));
    memset(&d, 0, sizeof(d));
    memset(&doc, 0, sizeof(doc));
    d.rule = -1;
    sb_evidence_init(&ev);
    sb_err_clear(&e);
    if (req->set == NULL || req->from == NULL || req->to == NULL || req->in == NULL) {
        rc = sb_err_set(err, SB_R_USAGE, "translate: policy set, from, to and input are required");
        goto fail;
    }
    fp = sb_policy_set_find(req->set, req->from);
    tp = sb_policy_set_find(req->set, req->to);
    if (fp == NULL || tp == NULL) {
        rc = sb_err_set(err, SB_R_USAGE, "unknown jurisdiction '%.32s' (not in policy set %.300s)",
                        fp == NULL ? req->from : req->to, sb_policy_set_dir(req->set));
        goto fail;
    }
    if (strcmp(req->from, req->to) == 0) {
        rc = sb_err_set(err, SB_R_USAGE, "from and to are both '%.32s': translation needs two jurisdictions",
                        req->from);
        goto fail;
    }
    if ((rule = sb_recognition_find(sb_policy_set_recognition(req->set), req->from, req->to, &idx)) != NULL) {
        snprintf(out->rule, sizeof(out->rule), "%s->%s", req->from, req->to);
    }
    if (EVP_Digest(req->in, req->len, ev.input_sha256, NULL, EVP_sha256(), NULL) == 1) {
        sb_hex_encode(ev.input_sha256, 32, out->object_sha256, sizeof(out->object_sha256));
    }
    a = sb_adapter_find(req->from);
    prc = a->parse(req->in, req->len, req->content_type, &ev, &e);
    if (prc != SB_OK && sb_reason_exit_code(prc) == 2) {
        rc = sb_err_set(err, prc, "%s (%s)", e.msg, a->name);
        goto fail;
    }
    if (prc != SB_OK) {
        /* a verdict reached while reading the envelope (a document that does not match its hash) */
        res.reason = prc;
        snprintf(res.message, sizeof(res.message), "%s", e.msg);
        rc = prc;
    } else {
        memset(&ctx, 0, sizeof(ctx));
        ctx.policy = fp;
        ctx.require_full_coverage = 1;   /* the attestation vouches for the whole object */
        ctx.now = req->now;
        ctx.at = req->at;
        if (req->caches != NULL) {
            ctx.caches = *req->caches;
        }
        ctx.more_crls = req->more_crls;
        ctx.more_crls_arg = req->more_crls_arg;
        ctx.ocsp = req->ocsp;
        ctx.ocsp_arg = req->ocsp_arg;
        rc = sb_validate(&ctx, &ev, &res, &at, &e);
        if (sb_reason_exit_code(rc) == 2 && res.n_signers == 0) {
            rc = sb_err_set(err, rc, "%s", e.msg);
            goto fail;
        }
    }
    out->validated = rc == SB_OK;
    if (res.n_signers > 0) {
        snprintf(out->signer_subject, sizeof(out->signer_subject), "%s", res.signers[0].subject);
        snprintf(out->signer_serial, sizeof(out->signer_serial), "%s", res.signers[0].serial);
        sb_report_rev_compact(res.signers[0].revocation, res.signers[0].n_revocation, out->revocation,
                              sizeof(out->revocation));
    }
    if (rc != SB_OK) {
        snprintf(out->why_not, sizeof(out->why_not), "not valid under %.32s's policy: %.440s", req->from, res.message);
    } else {
        decided = 1;
        rc = recognise_all(req, &res, &d, &e);
        if (rc != SB_OK) {
            snprintf(out->why_not, sizeof(out->why_not), "%s", d.why_not[0] != '\0' ? d.why_not : e.msg);
            if (sb_reason_exit_code(rc) == 2) {
                rc = sb_err_set(err, rc, "%s", out->why_not);
                goto fail;
            }
        } else if (rule == NULL || !rule->has_attest) {
            rc = SB_R_POLICY_PROCESSING;
            out->recognised = 1;
            snprintf(out->why_not, sizeof(out->why_not), "recognised by rule %s->%s, but it has no attest block: "
                     "the gateway has no key to attest for %s", req->from, req->to, req->to);
        } else {
            out->recognised = 1;
            if ((rc = build_doc(req, &ev, &res.signers[0], &d, at, &doc, &attested, err)) != SB_OK ||
                (rc = attest(req, rule, &doc, out, err)) != SB_OK) {
                goto fail;
            }
        }
    }
    /* the verdict */
    if ((j = sb_verdict_json(&res, at, req->caches != NULL ? req->caches->memo : NULL)) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "cannot build the result JSON");
        goto fail;
    }
    if (out->validated && rc != SB_OK) {
        set_top(j, rc, out->why_not);
    }
    snprintf(fmt, sizeof(fmt), "%s", prc != SB_OK ? "unknown" : sb_evidence_format_name(ev.format));
    if (prc == SB_OK && (ev.format == SB_EV_CMS || ev.format == SB_EV_GMT0010) && res.n_signers > 0) {
        snprintf(fmt, sizeof(fmt), "%s", res.format == SB_CMS_FORMAT_GMT0010 ? "gmt0010" : "cms");
    }
    json_object_set_new(j, "from", json_string(req->from));
    json_object_set_new(j, "to", json_string(req->to));
    json_object_set_new(j, "adapter", json_string(a->name));
    json_object_set_new(j, "evidence_format", json_string(fmt));
    json_object_set_new(j, "object_sha256", json_string(out->object_sha256));
    json_object_set_new(j, "recognition", recognition_json(out, &d, decided));
    if (out->attestation != NULL) {
        if ((b64 = sb_base64_encode(out->attestation, out->attestation_len)) == NULL) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            goto fail;
        }
        json_object_set_new(j, "attestation", json_string(b64));
        json_object_set_new(j, "attestation_format", json_string(sb_attest_format_name(out->attestation_format)));
        json_object_set(j, "attested", attested);
    } else {
        json_object_set_new(j, "attestation", json_null());
        json_object_set_new(j, "attestation_format", json_null());
        json_object_set_new(j, "attested", json_null());
    }
    out->json = j;
    j = NULL;
    out->reason = rc;
    if (rc != SB_OK) {
        sb_err_set(err, rc, "%s", out->why_not[0] != '\0' ? out->why_not : res.message);
    }
    goto done;
fail:
    OPENSSL_free(out->attestation);
    out->attestation = NULL;
    out->attestation_len = 0;
    out->reason = rc;
done:
    OPENSSL_free(b64);
    json_decref(j);
    json_decref(attested);
    free(doc.json);
    sb_cms_result_clear(&res);
    sb_evidence_clear(&ev);
    return rc;
}
