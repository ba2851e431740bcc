/*
 * pki/verdict/verdict_render.c — a validation result as JSON and as the ETSI report
 * (pki/verdict/verdict_render.h).
 */
#include "pki/verdict/verdict_render.h"

#include <string.h>

#include <openssl/crypto.h>

#include "pki/verdict/report.h"
#include "pki/verdict/report_etsi.h"
#include "pki/verdict/report_revocation.h"
#include "pki/xml/xmldsig.h"

/* sb_report_chain, through memo when there is one, with s's revocation evidence per element (s may be NULL). */
static json_t *chain_json(const struct sb_cms_signer *s, struct sb_cert_memo *memo)
{
    STACK_OF(X509) *chain = s != NULL ? s->chain : NULL;
    json_t *arr;
    int i;

    if (memo == NULL) {
        arr = sb_report_chain(chain);
    } else {
        arr = json_array();
        for (i = 0; arr != NULL && i < sk_X509_num(chain); i++) {
            if (json_array_append_new(arr, sb_cert_memo_cert(memo, sk_X509_value(chain, i))) != 0) {
                json_decref(arr);
                return NULL;
            }
        }
    }
    if (arr != NULL && s != NULL && !sb_report_chain_revocation(arr, s->revocation, s->n_revocation)) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* Append {"uri","element"} of each reference of s whose digest verified to arr; arr (NULL stays NULL). */
static json_t *refs_json(const struct sb_cms_signer *s, json_t *arr)
{
    size_t i;

    for (i = 0; arr != NULL && s->cert != NULL && i < s->n_refs; i++) {
        if (s->refs[i].digest_ok &&
            json_array_append_new(arr, json_pack("{s:s, s:s}", "uri", s->refs[i].uri, "element",
                                                 s->refs[i].element)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* ["/doc/item[2]", ...]: the content of an XML-DSig result outside every reference; NULL on failure. */
static json_t *unsigned_json(const struct sb_cms_result *res)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr != NULL && i < res->n_unsigned; i++) {
        if (json_array_append_new(arr, json_string(res->unsigned_content[i].location)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/*
 * The worst signer's chain is rendered once and the same (immutable) array is placed both at the top level
 * and in that signer's entry: rendering a certificate (two RFC 2253 names, serial, SHA-256) is the costly
 * part of a verdict. The text json_dumps produces is the same as with two separate copies.
 */
json_t *sb_verdict_json(const struct sb_cms_result *res, time_t at, struct sb_cert_memo *memo)
{
    const struct sb_cms_signer *s;
    const struct sb_cms_signer *ws = res->n_signers > 0 ? &res->signers[res->worst] : NULL;
    json_t *top = NULL, *arr = NULL, *chain = NULL, *all = NULL, *sj, *own;
    size_t i;

    if ((chain = chain_json(ws, memo)) == NULL || (arr = json_array()) == NULL ||
        (res->xmldsig && (all = json_array()) == NULL) ||
        (top = sb_report_result(res->reason, res->message, at, NULL)) == NULL ||
        json_object_set(top, "chain", chain) != 0) {
        goto err;
    }
    for (i = 0; i < res->n_signers; i++) {
        s = &res->signers[i];
        sj = sb_report_signer(s->subject, s->issuer, s->serial, s->reason, s->message, s->signing_time, NULL);
        if (sj != NULL) {
            own = s == ws ? json_incref(chain) : chain_json(s, memo);
            if (json_object_set_new(sj, "chain", own) != 0 ||
                (res->xmldsig && json_object_set_new(sj, "signed_references", refs_json(s, json_array())) != 0)) {
                json_decref(sj);
                goto err;
            }
        }
        if (json_array_append_new(arr, sj) != 0) {         /* takes sj, also on failure */
            goto err;
        }
        if (res->xmldsig && (all = refs_json(s, all)) == NULL) {
            goto err;
        }
    }
    if (json_object_set_new(top, "signers", arr) != 0) {
        arr = NULL;
        goto err;
    }
    arr = NULL;
    if (all != NULL && json_object_set_new(top, "signed_references", all) != 0) {
        all = NULL;
        goto err;
    }
    all = NULL;
    if (res->xmldsig && (json_object_set_new(top, "unsigned_content", unsigned_json(res)) != 0 ||
                         (res->n_unsigned_omitted > 0 &&
                          json_object_set_new(top, "unsigned_content_omitted",
                                              json_integer((json_int_t)res->n_unsigned_omitted)) != 0))) {
        goto err;
    }
    json_decref(chain);
    return top;
err:
    json_decref(chain);
    json_decref(arr);
    json_decref(all);
    json_decref(top);
    return NULL;
}

enum sb_reason sb_verdict_etsi(const struct sb_cms_result *res, time_t at, const struct sb_evidence *ev,
                               const struct sb_path_opts *constraints, unsigned char **xml, size_t *len,
                               struct sb_err *err)
{
    struct sb_etsi_signer *es = NULL;
    struct sb_etsi_input in;
    enum sb_reason rc;
    size_t i;

    *xml = NULL;
    *len = 0;
    if (res->n_signers > 0 && (es = OPENSSL_zalloc(sizeof(*es) * res->n_signers)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    for (i = 0; i < res->n_signers; i++) {
        es[i].reason = res->signers[i].reason;
        es[i].message = res->signers[i].message;
        if (res->reason == SB_R_UNSIGNED_CONTENT && es[i].reason == SB_OK) {
            es[i].reason = res->reason;          /* the document-level refusal holds for every signature */
            es[i].message = res->message;
        }
        es[i].cert = res->signers[i].cert;
        es[i].chain = res->signers[i].chain;
        es[i].signing_time = res->signers[i].signing_time;
        es[i].sig_value = res->signers[i].sig_value;
        es[i].sig_len = res->signers[i].sig_len;
        es[i].revocation = res->signers[i].revocation;
        es[i].n_revocation = res->signers[i].n_revocation;
    }
    memset(&in, 0, sizeof(in));
    in.validation_time = at;
    in.object = ev->obj;
    in.object_len = ev->obj_len;
    in.content = ev->digest_len > 0 ? NULL : ev->content;
    in.content_len = ev->digest_len > 0 ? 0 : ev->content_len;
    in.hash_only = ev->digest_len > 0;
    in.path = constraints;
    in.signers = es;
    in.n_signers = res->n_signers;
    in.reason = res->reason;
    in.message = res->message;
    in.unsigned_content = res->unsigned_content;
    in.n_unsigned = res->n_unsigned;
    rc = sb_report_etsi(&in, xml, len, err);
    OPENSSL_free(es);
    return rc;
}
