/*
 * pki/verdict/verdict_text.c — the DESIGN §7 JSON verdict written directly as text (verdict_render.h:
 * sb_verdict_json_text), for the gateway's hot path: no jansson tree, certificates copied from the memo as
 * already-escaped text (pki/x509/cert_memo.h).
 *
 * The bytes are those json_dumps(sb_verdict_json(...), JSON_COMPACT) writes — same members in the same
 * order (jansson 2.14 keeps insertion order; a member set again keeps its place), same string escaping
 * (pki/base/json_text.h), same integers — and it fails exactly where sb_verdict_json returns NULL: a
 * string json_pack "s" would refuse (NULL or not valid UTF-8) fails the whole verdict. Each function below
 * mirrors the builder it replaces (report.c, verdict_render.c); tests/unit/test_verdict_text.c compares
 * the two on many results.
 */
#include "pki/verdict/verdict_render.h"

#include <stdio.h>
#include <string.h>

#include "pki/base/err.h"
#include "pki/base/json_text.h"
#include "pki/base/rfc3339_time.h"
#include "pki/verdict/report_revocation.h"
#include "pki/xml/xmldsig.h"

/* ",\"key\":" (or without the comma first) */
static void key(struct sb_jtext *b, const char *k, int first)
{
    if (!first) {
        sb_jtext_raw(b, ",", 1);
    }
    sb_jtext_raw(b, "\"", 1);
    sb_jtext_cstr(b, k);
    sb_jtext_raw(b, "\":", 2);
}

/* s when it is neither NULL nor empty, else NULL (report.c's or_null). */
static const char *or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* [cert, ...] of s's chain (s NULL: []), each through memo and with its revocation evidence (chain_json). */
static void chain_text(const struct sb_cms_signer *s, struct sb_cert_memo *memo, struct sb_jtext *b)
{
    STACK_OF(X509) *chain = s != NULL ? s->chain : NULL;
    int i;

    sb_jtext_raw(b, "[", 1);
    for (i = 0; !b->failed && i < sk_X509_num(chain); i++) {
        if (i > 0) {
            sb_jtext_raw(b, ",", 1);
        }
        if (!sb_cert_memo_cert_text(memo, sk_X509_value(chain, i), b) || s->revocation == NULL ||
            (size_t)i >= s->n_revocation || !sb_rev_evidence_present(&s->revocation[i])) {
            continue;
        }
        b->n--;                          /* the certificate object's closing brace, written again after */
        sb_report_rev_evidence_text(&s->revocation[i], b);
        sb_jtext_raw(b, "}", 1);
    }
    sb_jtext_raw(b, "]", 1);
}

/* Append b's own bytes [from, to) again (the worst signer's chain, written once). */
static void repeat(struct sb_jtext *b, size_t from, size_t to)
{
    if (!sb_jtext_reserve(b, to - from)) {
        return;
    }
    memcpy(b->p + b->n, b->p + from, to - from);
    b->n += to - from;
    b->p[b->n] = '\0';
}

/* sb_report_outcome's members (without the closing brace). */
static void outcome_text(struct sb_jtext *b, enum sb_reason rc, const char *msg)
{
    char text[SB_ERR_MSG_MAX];

    snprintf(text, sizeof(text), "%s", msg != NULL && msg[0] != '\0' ? msg : sb_reason_message(rc));
    sb_utf8_sanitize(text);
    sb_jtext_cstr(b, rc == SB_OK ? "{\"valid\":true" : "{\"valid\":false");
    key(b, "indication", 0);
    sb_jtext_str_or_null(b, sb_indication_name(sb_reason_indication(rc)));
    key(b, "subindication", 0);
    sb_jtext_str_or_null(b, rc == SB_OK ? NULL : sb_reason_subindication(rc));
    key(b, "reason", 0);
    sb_jtext_str_or_null(b, rc == SB_OK ? NULL : sb_reason_name(rc));
    key(b, "message", 0);
    sb_jtext_str(b, text);
}

/* The {"uri","element"} of each reference of s whose digest verified (refs_json); *n counts the objects
 * written so far into the array being written. */
static void refs_text(const struct sb_cms_signer *s, struct sb_jtext *b, size_t *n)
{
    size_t i;

    for (i = 0; s->cert != NULL && i < s->n_refs; i++) {
        if (!s->refs[i].digest_ok) {
            continue;
        }
        if ((*n)++ > 0) {
            sb_jtext_raw(b, ",", 1);
        }
        sb_jtext_raw(b, "{", 1);
        key(b, "uri", 1);
        sb_jtext_str(b, s->refs[i].uri);
        key(b, "element", 0);
        sb_jtext_str(b, s->refs[i].element);
        sb_jtext_raw(b, "}", 1);
    }
}

/* One entry of "signers" (sb_report_signer + its chain + its signed references); the worst signer's
 * chain is out's bytes [wfrom, wto). */
static void signer_text(const struct sb_cms_result *res, const struct sb_cms_signer *s, struct sb_cert_memo *memo,
                        const struct sb_cms_signer *worst, size_t wfrom, size_t wto, struct sb_jtext *b)
{
    enum sb_reason rc = s->reason;
    size_t n = 0;

    sb_jtext_raw(b, "{", 1);
    key(b, "subject", 1);
    sb_jtext_str_or_null(b, or_null(s->subject));
    key(b, "issuer", 0);
    sb_jtext_str_or_null(b, or_null(s->issuer));
    key(b, "serial", 0);
    sb_jtext_str_or_null(b, or_null(s->serial));
    key(b, "indication", 0);
    sb_jtext_str_or_null(b, sb_indication_name(sb_reason_indication(rc)));
    key(b, "subindication", 0);
    sb_jtext_str_or_null(b, rc == SB_OK ? NULL : sb_reason_subindication(rc));
    key(b, "reason", 0);
    sb_jtext_str_or_null(b, rc == SB_OK ? NULL : sb_reason_name(rc));
    key(b, "message", 0);
    sb_jtext_str(b, s->message[0] != '\0' ? s->message : sb_reason_message(rc));
    key(b, "signing_time", 0);
    sb_jtext_str_or_null(b, or_null(s->signing_time));
    key(b, "chain", 0);
    if (s == worst) {
        repeat(b, wfrom, wto);
    } else {
        chain_text(s, memo, b);
    }
    if (res->xmldsig) {
        key(b, "signed_references", 0);
        sb_jtext_raw(b, "[", 1);
        refs_text(s, b, &n);
        sb_jtext_raw(b, "]", 1);
    }
    sb_jtext_raw(b, "}", 1);
}

int sb_verdict_json_text(const struct sb_cms_result *res, time_t at, struct sb_cert_memo *memo,
                         const char *const *extra, struct sb_jtext *out)
{
    const struct sb_cms_signer *worst = res->n_signers > 0 ? &res->signers[res->worst] : NULL;
    char when[40];
    size_t i, n, wfrom, wto, mark;
    int ok;

    outcome_text(out, res->reason, res->message);
    sb_time_format(at, when, sizeof(when));
    key(out, "validation_time", 0);
    sb_jtext_str(out, when);
    key(out, "chain", 0);
    wfrom = out->n;
    chain_text(worst, memo, out);
    wto = out->n;
    key(out, "signers", 0);
    sb_jtext_raw(out, "[", 1);
    for (i = 0; !out->failed && i < res->n_signers; i++) {
        if (i > 0) {
            sb_jtext_raw(out, ",", 1);
        }
        signer_text(res, &res->signers[i], memo, worst, wfrom, wto, out);
    }
    sb_jtext_raw(out, "]", 1);
    if (res->xmldsig) {
        key(out, "signed_references", 0);
        sb_jtext_raw(out, "[", 1);
        for (n = 0, i = 0; i < res->n_signers; i++) {
            refs_text(&res->signers[i], out, &n);
        }
        sb_jtext_raw(out, "]", 1);
        key(out, "unsigned_content", 0);
        sb_jtext_raw(out, "[", 1);
        for (i = 0; i < res->n_unsigned; i++) {
            if (i > 0) {
                sb_jtext_raw(out, ",", 1);
            }
            sb_jtext_str(out, res->unsigned_content[i].location);
        }
        sb_jtext_raw(out, "]", 1);
        if (res->n_unsigned_omitted > 0) {
            key(out, "unsigned_content_omitted", 0);
            sb_jtext_int(out, (long long)res->n_unsigned_omitted);
        }
    }
    for (i = 0; !out->failed && extra != NULL && extra[i] != NULL; i += 2) {
        /* json_object_set_new(v, key, json_string(value)): nothing when json_string or the key is refused */
        if (extra[i + 1] == NULL) {
            continue;
        }
        mark = out->n;
        sb_jtext_raw(out, ",", 1);
        ok = sb_jtext_string(out, extra[i], strlen(extra[i]), 0);
        sb_jtext_raw(out, ":", 1);
        ok = ok && sb_jtext_string(out, extra[i + 1], strlen(extra[i + 1]), 0);
        if (!ok && !out->failed) {
            out->n = mark;
            out->p[mark] = '\0';
        }
    }
    sb_jtext_raw(out, "}", 1);
    return !out->failed;
}
