#include "pki/x509/chain.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/x509/cert_format.h"
#include "pki/x509/cert_index.h"
#include "pki/x509/chain_cache.h"
#include "pki/base/digest.h"
#include "pki/base/rfc3339_time.h"
#include "pki/x509/cert_decode.h"
#include "pki/base/work_budget.h"
#include "pki/x509/sig_memo.h"
#include "pki/x509/rev_record.h"

#define MAX_CRL_SIGNER_NESTING 2

struct build {
    const struct sb_path_opts *opts;
    STACK_OF(X509) *anchors;                  /* borrowed */
    STACK_OF(X509) *untrusted;                /* borrowed */
    const struct sb_cert_index *anchor_ix;    /* opts->anchor_index when it indexes exactly anchors, else NULL */
    const struct sb_cert_index *untrusted_ix; /* opts->untrusted_index when it indexes a prefix of untrusted */
    X509 *path[SB_CHAIN_MAX_LEN];
    size_t len;
    int sig_checks;
    int paths_checked;
    int steps;
    int nesting;                              /* CRL-signer validations in progress above us */
    struct build *root;                       /* the top-level validation: owns the shared budgets */
    struct build *parent;                     /* the validation whose CRL signer this one validates; or NULL */
    int done;                                 /* a path validated */
    struct sb_err path_fail;                  /* first complete path's failure */
    X509 *fail_path[SB_CHAIN_MAX_LEN];
    size_t fail_len;
    X509 *ok_path[SB_CHAIN_MAX_LEN];
    size_t ok_len;
    struct sb_err link_fail;                  /* first signature failure of a candidate link */
    struct sb_err set_aside;                  /* first candidate refused for its key identifier */
    int have_path_fail, have_link_fail, have_set_aside;
    STACK_OF(ASN1_OBJECT) *policies;
    struct sb_rev_evidence *ok_ev, *fail_ev;  /* owned: evidence of ok_path / fail_path (top level only) */
};

static enum sb_reason crl_signer(void *arg, X509_CRL *crl, EVP_PKEY **signer_key, struct sb_err *err);

void sb_chain_result_clear(struct sb_chain_result *r)
{
    sk_X509_pop_free(r->chain, X509_free);
    sk_ASN1_OBJECT_pop_free(r->policies, ASN1_OBJECT_free);
    OPENSSL_free(r->revocation);
    r->chain = NULL;
    r->policies = NULL;
    r->revocation = NULL;
    r->n_revocation = 0;
}

static int in_stack(STACK_OF(X509) *sk, X509 *x)
{
    int i;

    for (i = 0; i < sk_X509_num(sk); i++) {
        if (X509_cmp(sk_X509_value(sk, i), x) == 0) {
            return 1;
        }
    }
    return 0;
}

#define INDEX_BATCH 32      /* candidates taken from an index at once; more falls back to scanning */

/* 1 if x is one of b's anchors (same certificate). */
static int is_anchor(const struct build *b, X509 *x)
{
    X509 *c[INDEX_BATCH];
    size_t n, i;

    if (b->anchor_ix != NULL) {
        n = sb_cert_index_by_subject(b->anchor_ix, X509_get_subject_name(x), c, INDEX_BATCH);
        if (n <= INDEX_BATCH) {
            for (i = 0; i < n; i++) {
                if (X509_cmp(c[i], x) == 0) {
                    return 1;
                }
            }
            return 0;
        }
    }
    return in_stack(b->anchors, x);
}

static int in_path(const struct build *b, X509 *x)
{
    size_t i;

    for (i = 0; i < b->len; i++) {
        if (X509_cmp(b->path[i], x) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1: AKI keyid matches issuer SKI (or either absent); 0: they differ, and the candidate is another CA with
 * the same name, never an issuer (RFC 4158 §3.5.12; OpenSSL's X509_check_issued agrees). */
static int aki_matches(X509 *child, X509 *issuer)
{
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(child);
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);

    if (aki == NULL || ski == NULL) {
        return 1;
    }
    return ASN1_OCTET_STRING_cmp(aki, ski) == 0;
}

static void validate_complete(struct build *b)
{
    struct sb_revocation_ctx rev;
    struct sb_rev_evidence *ev = NULL;
    struct sb_err e;
    STACK_OF(ASN1_OBJECT) *pol = NULL;
    enum sb_reason rc;

    if (++b->paths_checked > SB_CHAIN_MAX_PATHS) {
        return;
    }
    /* evidence for the caller's path only (a nested CRL-signer validation reports none); allocation failure
     * loses the evidence, never the verdict */
    if (b->nesting == 0 && b->opts->revocation != SB_REV_OFF) {
        ev = OPENSSL_zalloc(b->len * sizeof(*ev));
    }
    memset(&rev, 0, sizeof(rev));
    rev.crls = b->opts->crls;
    rev.ocsps = b->opts->ocsps;
    rev.n_ocsps = b->opts->n_ocsps;
    rev.at = b->opts->at;
    rev.mode = b->opts->revocation;
    rev.sm2_id = b->opts->sm2_id;
    rev.algs = &b->opts->algs;
    rev.find_signer = crl_signer;
    rev.find_signer_arg = b;
    rev.sig_memo = b->opts->sig_memo;
    rev.budget = b->opts->budget;
    rev.more_crls = b->opts->more_crls;
    rev.more_crls_arg = b->opts->more_crls_arg;
    rev.ocsp = b->opts->ocsp;
    rev.ocsp_arg = b->opts->ocsp_arg;
    rev.ocsp_before_crl = b->opts->ocsp_before_crl;
    rev.skew_s = b->opts->skew_s;
    rev.fetch = b->opts->fetch;
    rev.embedded_crls = b->opts->embedded_crls;
    rev.known_crls = b->opts->known_crls;
    rev.known_sha256 = b->opts->known_sha256;
    sb_err_clear(&e);
    rc = sb_path_check(b->opts, b->path, b->len, &rev, &pol, ev, &e);
    if (rc == SB_OK) {
        b->done = 1;
        b->policies = pol;
        memcpy(b->ok_path, b->path, b->len * sizeof(X509 *));
        b->ok_len = b->len;
        b->ok_ev = ev;
        return;
    }
    sk_ASN1_OBJECT_pop_free(pol, ASN1_OBJECT_free);
    if (!b->have_path_fail) {
        b->have_path_fail = 1;
        b->path_fail = e;
        memcpy(b->fail_path, b->path, b->len * sizeof(X509 *));
        b->fail_len = b->len;
        b->fail_ev = ev;
        ev = NULL;
    }
    OPENSSL_free(ev);
}

static void extend(struct build *b);

/* One signature verification from the budgets shared by the whole validation (nested CRL-signer
 * validations included) and by the caller's object (o->shared_sig_budget). 0 when exhausted. */
static int spend_sig_check(struct build *b)
{
    if (++b->root->sig_checks > SB_CHAIN_MAX_SIG_CHECKS) {
        return 0;
    }
    if (b->opts->shared_sig_budget != NULL && --*b->opts->shared_sig_budget < 0) {
        return 0;
    }
    return 1;
}

/* Try cand as issuer of the path's last certificate. */
static void try_issuer(struct build *b, X509 *cand)
{
    X509 *child = b->path[b->len - 1];
    struct sb_err e;
    EVP_PKEY *key;

    if (b->done || in_path(b, cand) || b->len >= SB_CHAIN_MAX_LEN) {
        return;
    }
    if (!spend_sig_check(b)) {
        return;
    }
    sb_err_clear(&e);
    key = sb_cert_pubkey(cand);
    if (key == NULL || !sb_sig_key_cheap_to_verify(key) ||
        sb_sig_verify_cert_memo_budget(b->opts->sig_memo, b->opts->budget, child, cand, key, b->opts->sm2_id,
                                       &e) != SB_OK) {
        if (key == NULL || !sb_sig_key_cheap_to_verify(key)) {
            sb_err_set(&e, SB_R_WEAK_KEY, "issuer candidate has an undecodable or unreasonably costly public key");
        }
        if (!b->have_link_fail) {
            b->have_link_fail = 1;
            b->link_fail = e;
        }
        return;
    }
    b->path[b->len++] = cand;
    extend(b);
    b->len--;
}

/* Remember the first issuer candidate refused because its subjectKeyIdentifier contradicts the child's
 * authorityKeyIdentifier, for the message when no path is found. */
static void note_set_aside(struct build *b, X509 *child, X509 *cand, int anchor)
{
    char cn[200], ch[200];

    if (b->have_set_aside) {
        return;
    }
    b->have_set_aside = 1;
    sb_err_set(&b->set_aside, SB_R_CHAIN_NO_ANCHOR,
               "no path from the certificate to a trusted anchor: %s %s was set aside as issuer of %s because "
               "its subjectKeyIdentifier differs from that certificate's authorityKeyIdentifier (another CA "
               "with the same name)", anchor ? "trust anchor" : "candidate",
               sb_certfmt_subject(cand, cn, sizeof(cn)), sb_certfmt_subject(child, ch, sizeof(ch)));
    sb_utf8_sanitize(b->set_aside.msg);
}

static void extend(struct build *b)
{
    X509 *cur = b->path[b->len - 1];
    const X509_NAME *want = X509_get_issuer_name(cur);
    STACK_OF(X509) *pools[2];
    const struct sb_cert_index *index[2];
    X509 *idx[2][INDEX_BATCH];
    size_t n_idx[2], n;
    int scan_from[2], p, i;
    X509 *cand;

    if (b->done || ++b->root->steps > SB_CHAIN_MAX_STEPS) {
        return;
    }
    if (is_anchor(b, cur)) {
        validate_complete(b);
        return;
    }
    pools[0] = b->anchors;
    pools[1] = b->untrusted;
    index[0] = b->anchor_ix;
    index[1] = b->untrusted_ix;
    for (p = 0; p < 2; p++) {        /* indexed candidates named like the issuer, then the unindexed rest */
        n_idx[p] = 0;
        scan_from[p] = 0;
        if (index[p] != NULL && (n = sb_cert_index_by_subject(index[p], want, idx[p], INDEX_BATCH)) <= INDEX_BATCH) {
            n_idx[p] = n;
            scan_from[p] = (int)sb_cert_index_count(index[p]);
        }
    }
    for (p = 0; p < 2; p++) {
        for (i = 0; i < (int)n_idx[p] + sk_X509_num(pools[p]) - scan_from[p]; i++) {
            cand = i < (int)n_idx[p] ? idx[p][i] : sk_X509_value(pools[p], scan_from[p] + i - (int)n_idx[p]);
            if (X509_NAME_cmp(X509_get_subject_name(cand), want) != 0) {
                continue;
            }
            if (p == 1 && is_anchor(b, cand)) {
                continue; /* already tried as an anchor */
            }
            if (!aki_matches(cur, cand)) {
                note_set_aside(b, cur, cand, p == 0);
                continue;
            }
            try_issuer(b, cand);
            if (b->done) {
                return;
            }
        }
    }
}

/* Append path[0..n-1] to sk, each with its own reference. 0 on allocation failure. */
static int push_path(STACK_OF(X509) *sk, X509 *const *path, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!sk_X509_push(sk, path[i])) {
            return 0;
        }
        X509_up_ref(path[i]);
    }
    return 1;
}

static enum sb_reason run(struct build *b, X509 *leaf, struct sb_chain_result *res, struct sb_err *err)
{

    b->path[0] = leaf;
    b->len = 1;
    extend(b);
    res->chain = sk_X509_new_null();
    res->policies = NULL;
    if (res->chain == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    if (b->done) {
        if (!push_path(res->chain, b->ok_path, b->ok_len)) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        res->policies = b->policies;
        b->policies = NULL;
        if (b->ok_ev != NULL) {
            res->revocation = b->ok_ev;
            res->n_revocation = b->ok_len;
            b->ok_ev = NULL;
        }
        sb_err_clear(err);
        return SB_OK;
    }
    if (b->have_path_fail) {
        if (!push_path(res->chain, b->fail_path, b->fail_len)) {
            return sb_err_set(err, SB_R_INTERNAL, "out of memory");
        }
        if (b->fail_ev != NULL) {
            res->revocation = b->fail_ev;
            res->n_revocation = b->fail_len;
            b->fail_ev = NULL;
        }
        if (err != NULL) {
            *err = b->path_fail;
        }
        return b->path_fail.reason;
    }
    if (b->have_link_fail) {
        if (err != NULL) {
            *err = b->link_fail;
        }
        return b->link_fail.reason;
    }
    if (b->root->steps > SB_CHAIN_MAX_STEPS || b->root->sig_checks > SB_CHAIN_MAX_SIG_CHECKS ||
        b->paths_checked > SB_CHAIN_MAX_PATHS) {
        return sb_err_set(err, SB_R_CHAIN_NO_ANCHOR, "no path to a trusted anchor within the search limits");
    }
    if (b->have_set_aside) {
        if (err != NULL) {
            *err = b->set_aside;
        }
        return b->set_aside.reason;
    }
    return sb_err_set(err, SB_R_CHAIN_NO_ANCHOR, "no path from the certificate to a trusted anchor");
}

static enum sb_reason validate_nested(const struct sb_path_opts *o, X509 *leaf, STACK_OF(X509) *anchors,
                                      STACK_OF(X509) *untrusted, struct build *parent, struct sb_chain_result *res,
                                      struct sb_err *err)
{
    struct build *b;
    enum sb_reason rc;

    memset(res, 0, sizeof(*res));
    if ((b = OPENSSL_zalloc(sizeof(*b))) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    b->opts = o;
    b->anchors = anchors;
    b->untrusted = untrusted;
    if (o->anchor_index != NULL && sb_cert_index_count(o->anchor_index) == (size_t)sk_X509_num(anchors)
        && sb_cert_index_is_prefix_of(o->anchor_index, anchors)) {
        b->anchor_ix = o->anchor_index;
    }
    if (o->untrusted_index != NULL && sb_cert_index_is_prefix_of(o->untrusted_index, untrusted)) {
        b->untrusted_ix = o->untrusted_index;
    }
    b->nesting = parent != NULL ? parent->nesting + 1 : 0;
    b->root = parent != NULL ? parent->root : b;
    b->parent = parent;
    rc = run(b, leaf, res, err);
    sk_ASN1_OBJECT_pop_free(b->policies, ASN1_OBJECT_free);
    OPENSSL_free(b->ok_ev);
    OPENSSL_free(b->fail_ev);
    OPENSSL_free(b);
    return rc;
}

static void hash_str(EVP_MD_CTX *md, const char *s)
{
    size_t n = s == NULL ? 0 : strlen(s) + 1;

    EVP_DigestUpdate(md, &n, sizeof(n));
    if (n > 0) {
        EVP_DigestUpdate(md, s, n);
    }
}

static void hash_oids(EVP_MD_CTX *md, STACK_OF(ASN1_OBJECT) *sk)
{
    char txt[128];
    int i;

    for (i = 0; i < sk_ASN1_OBJECT_num(sk); i++) {
        OBJ_obj2txt(txt, sizeof(txt), sk_ASN1_OBJECT_value(sk, i), 1);
        hash_str(md, txt);
    }
    hash_str(md, "|");
}

/* Cache key: scope, leaf, anchors, CRLs and OCSP responses in force and every option that can change the
 * verdict. */
static int cache_key(const struct sb_path_opts *o, X509 *leaf, STACK_OF(X509) *anchors, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char h[EVP_MAX_MD_SIZE];
    size_t i;
    int k, ok = 0;
    int ints[8];

    if (md == NULL || !EVP_DigestInit_ex(md, sb_md(SB_MD_SHA256), NULL)) {
        goto done;
    }
    EVP_DigestUpdate(md, o->cache_scope, sizeof(o->cache_scope));
    if (!sb_cert_sha256(leaf, h)) {
        goto done;
    }
    EVP_DigestUpdate(md, h, 32);
    for (k = o->scope_covers_anchors ? sk_X509_num(anchors) : 0; k < sk_X509_num(anchors); k++) {
        if (!sb_cert_sha256(sk_X509_value(anchors, k), h)) {
            goto done;
        }
        EVP_DigestUpdate(md, h, 32);
    }
    ints[0] = sk_X509_num(anchors);
    ints[1] = sk_X509_CRL_num(o->crls);
    ints[2] = o->embedded_crls != NULL ? sk_X509_CRL_num(o->embedded_crls) : 0;   /* evidence: file or embedded */
    EVP_DigestUpdate(md, ints, 3 * sizeof(ints[0]));
    for (k = o->scoped_crls > 0 ? o->scoped_crls : 0; k < sk_X509_CRL_num(o->crls); k++) {
        if (!sb_crl_sha256(sk_X509_CRL_value(o->crls, k), h)) {
            goto done;
        }
        EVP_DigestUpdate(md, h, 32);
    }
    /* the supplied OCSP responses, each by its digest and where it came from */
    EVP_DigestUpdate(md, &o->n_ocsps, sizeof(o->n_ocsps));
    for (i = 0; i < o->n_ocsps; i++) {
        ints[0] = (int)o->ocsps[i].source;
        if (o->ocsps[i].der == NULL || !EVP_Digest(o->ocsps[i].der, o->ocsps[i].len, h, NULL, sb_md(SB_MD_SHA256),
                                                   NULL)) {
            goto done;
        }
        EVP_DigestUpdate(md, ints, sizeof(ints[0]));
        EVP_DigestUpdate(md, h, 32);
    }
    ints[0] = o->explicit_policy;
    ints[1] = o->inhibit_policy_mapping;
    ints[2] = o->inhibit_any_policy;
    ints[3] = o->max_depth;
    ints[4] = (int)o->revocation;
    ints[5] = (int)o->key_usage;
    ints[6] = (int)o->profile;
    ints[7] = (int)o->n_emails;
    EVP_DigestUpdate(md, ints, sizeof(ints));
    EVP_DigestUpdate(md, &o->algs, sizeof(o->algs));
    hash_oids(md, o->policies);
    hash_oids(md, o->ekus);
    hash_str(md, o->hostname);
    hash_str(md, o->sm2_id);
    for (i = 0; i < o->n_emails; i++) {
        hash_str(md, o->emails[i]);
    }
    ok = EVP_DigestFinal_ex(md, key, NULL);
done:
    EVP_MD_CTX_free(md);
    return ok;
}

/* The times at which a verdict stays what it is: the path's common validity and, with revocation, the
 * windows of the CRLs and the supplied OCSP responses in force. 0 when no such window can be given, or when
 * the responses' window does not hold the validation time (a verdict made while one was not yet or no longer
 * current must not be served while it is). */
static int cache_window(const struct sb_path_opts *o, STACK_OF(X509) *chain, time_t *from, time_t *until)
{
    time_t nb, na, tu, nu;
    int k;

    *from = (time_t)INT64_MIN;
    *until = (time_t)INT64_MAX;
    for (k = 0; k < sk_X509_num(chain); k++) {
        if (!sb_asn1_time_to_unix(X509_get0_notBefore(sk_X509_value(chain, k)), &nb, NULL) ||
            !sb_asn1_time_to_unix(X509_get0_notAfter(sk_X509_value(chain, k)), &na, NULL)) {
            return 0;
        }
        *from = nb > *from ? nb : *from;
        *until = na < *until ? na : *until;
    }
    if (o->revocation == SB_REV_OFF) {
        return 1;
    }
    for (k = 0; k < sk_X509_CRL_num(o->crls); k++) {
        X509_CRL *crl = sk_X509_CRL_value(o->crls, k);

        if (X509_CRL_get0_nextUpdate(crl) == NULL ||
            !sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl), &tu, NULL) ||
            !sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &nu, NULL)) {
            return 0;
        }
        *from = tu > *from ? tu : *from;
        *until = nu < *until ? nu : *until;
    }
    if (o->n_ocsps > 0) {
        sb_rev_supplied_window(o->ocsps, o->n_ocsps, o->at, o->fetch != NULL ? o->fetch->max_age_s : 0, from, until);
        if (*from > o->at || *until < o->at) {
            return 0;
        }
    }
    return 1;
}

enum sb_reason sb_chain_validate(const struct sb_path_opts *o, X509 *leaf, STACK_OF(X509) *anchors,
                                 STACK_OF(X509) *untrusted, struct sb_chain_result *res, struct sb_err *err)
{
    unsigned char key[32];
    struct sb_path_opts w;
    struct sb_rev_record rec;
    time_t from, until;
    int cacheable;
    enum sb_reason rc;

    cacheable = o->cache != NULL && cache_key(o, leaf, anchors, key);
    if (cacheable && sb_chain_cache_get(o->cache, key, o->at, &res->chain, &res->policies, &res->revocation,
                                        &res->n_revocation)) {
        sb_err_clear(err);
        return SB_OK;
    }
    sb_rev_record_init(&rec, o->more_crls, o->more_crls_arg, o->ocsp, o->ocsp_arg,
                       o->fetch != NULL ? o->fetch->max_age_s : 0);
    if ((o->more_crls != NULL || o->ocsp != NULL) && o->revocation != SB_REV_OFF) {
        w = *o;
        w.more_crls = o->more_crls != NULL ? sb_rev_record_crls : NULL;
        w.more_crls_arg = &rec;
        w.ocsp = o->ocsp != NULL ? sb_rev_record_ocsp : NULL;
        w.ocsp_arg = &rec;
        o = &w;
    }
    rc = validate_nested(o, leaf, anchors, untrusted, NULL, res, err);
    sb_rev_record_clear(&rec);
    /* a run whose work budget ran out is thrown away by its caller: a soft-failed check in it (a CRL whose
     * signature was not verified) must not become a cached path; nor may a path whose revocation status came
     * from fetched CRLs outlive them, or one that passed without status because the source failed */
    if (rc == SB_OK && cacheable && !sb_work_budget_spent(o->budget) && !rec.uncacheable &&
        cache_window(o, res->chain, &from, &until)) {
        from = rec.from > from ? rec.from : from;
        until = rec.until < until ? rec.until : until;
        if (from <= until) {
            sb_chain_cache_put(o->cache, key, res->chain, res->policies, res->revocation, res->n_revocation, from,
                               until);
        }
    }
    return rc;
}

/* 1 if cand is a CRL signer whose own path is being validated above b (b or one of its parents validates
 * it as its leaf). */
static int signer_in_validation(const struct build *b, X509 *cand)
{
    for (; b != NULL && b->nesting > 0; b = b->parent) {
        if (X509_cmp(b->path[0], cand) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * Revocation callback: a CRL not signed by the certificate's issuer key. Look for a certificate named
 * like the CRL issuer whose key verifies the CRL, that may sign CRLs, and that validates to the anchor
 * of the path being checked (RFC 5280 §6.3.3 (f)).
 */
static enum sb_reason crl_signer(void *arg, X509_CRL *crl, EVP_PKEY **signer_key, struct sb_err *err)
{
    struct build *b = arg;
    STACK_OF(X509) *pools[2], *anchor = NULL;
    struct sb_path_opts sub;
    struct sb_chain_result res;
    struct sb_err e;
    X509 *cand;
    int p, i;
    enum sb_reason rc = SB_R_REVOCATION_UNAVAILABLE;

    *signer_key = NULL;
    if (b->nesting >= MAX_CRL_SIGNER_NESTING) {
        return sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "CRL signer validation nested too deeply");
    }
    if ((anchor = sk_X509_new_null()) == NULL || !sk_X509_push(anchor, b->path[b->len - 1])) {
        sk_X509_free(anchor);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    sub = *b->opts;
    sub.anchor_index = NULL;        /* the nested path ends at this path's anchor only */
    sub.policies = NULL;
    sub.explicit_policy = sub.inhibit_any_policy = sub.inhibit_policy_mapping = 0;
    sub.ekus = NULL;
    sub.key_usage = 0;
    sub.hostname = NULL;
    sub.n_emails = 0;
    sub.max_depth = -1;
    sub.profile = b->opts->profile == SB_PROFILE_WEBPKI ? SB_PROFILE_STRICT : b->opts->profile;
    pools[0] = b->anchors;
    pools[1] = b->untrusted;
    sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "no certificate that signs the CRL validates to the same anchor");
    for (p = 0; p < 2 && *signer_key == NULL; p++) {
        for (i = 0; i < sk_X509_num(pools[p]) && *signer_key == NULL; i++) {
            cand = sk_X509_value(pools[p], i);
            if (X509_NAME_cmp(X509_get_subject_name(cand), X509_CRL_get_issuer(crl)) != 0 ||
                !sb_sig_key_cheap_to_verify(sb_cert_pubkey(cand)) || !spend_sig_check(b)) {
                continue;
            }
            if ((X509_get_extension_flags(cand) & EXFLAG_KUSAGE) != 0 &&
                (X509_get_key_usage(cand) & KU_CRL_SIGN) == 0) {
                continue;
            }
            sb_err_clear(&e);
            if (sb_sig_verify_crl_memo_budget(b->opts->sig_memo, b->opts->budget, crl, cand, sb_cert_pubkey(cand),
                                              b->opts->sm2_id, &e) != SB_OK) {
                continue;
            }
            /* the path's anchor; or an indirect CRL issuer whose own status this CRL, which it issued,
             * gives (RFC 5280 §5.2.5, §6.3.3 (b)): its path is the one being validated, so the
             * recursion stops here */
            if (X509_cmp(cand, b->path[b->len - 1]) == 0 || signer_in_validation(b, cand)) {
                *signer_key = sb_cert_pubkey(cand);
                rc = SB_OK;
                break;
            }
            rc = validate_nested(&sub, cand, anchor, b->untrusted, b, &res, &e);
            sb_chain_result_clear(&res);
            if (rc == SB_OK) {
                *signer_key = sb_cert_pubkey(cand);
            } else if (err != NULL) {
                sb_err_set(err, SB_R_REVOCATION_UNAVAILABLE, "CRL signer certificate does not validate: %s", e.msg);
            }
        }
    }
    sk_X509_free(anchor);
    if (*signer_key != NULL) {
        sb_err_clear(err);
        return SB_OK;
    }
    return err != NULL ? err->reason : rc;
}
