/*
 * gateway/daemon/ocsp_fetch.c — the daemon's OCSP source (ocsp_fetch.h): responder URLs from the
 * certificate's authorityInfoAccess, the allow-list, the request (GET or POST), the fetch through the shared
 * fetcher, the judgement by sb_ocsp_check, the evidence and the counters. The cache lives in ocsp_cache.c.
 *
 * Ownership: everything allocated here is freed before the source returns; the cache keeps its own copies.
 */
#include "gateway/daemon/ocsp_fetch_local.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "gateway/daemon/rev_disk_cache.h"
#include "pki/base/digest.h"
#include "pki/base/work_budget.h"
#include "pki/x509/cert_decode.h"

/* What decided, or the worst failure seen, for the counters (higher wins among failures). */
enum outcome { O_UNAVAILABLE = 0, O_UNUSABLE, O_UNKNOWN, O_GOOD, O_REVOKED };

/* One call of the source. */
struct ask {
    struct sbgw_ocsp_fetch *f;
    const struct sb_ocsp_query *q;
    struct sb_ocsp_check_opts o;
    struct sb_rev_evidence *ev;
    char key[OCSP_KEY_MAX];
    uint64_t allow_hash;
    struct sbgw_fetch_allow *allow;     /* compiled on the first fetch */
    long long deadline;                 /* monotonic ms */
    enum outcome worst;
    enum sb_reason rc;                  /* when decided */
    int decided, budget_spent;
    int allowed;                        /* a responder URL passed the allow-list, or the cache had an entry */
    char msg[SB_ERR_MSG_MAX];           /* decided: the judgement */
    char notes[SB_ERR_MSG_MAX];         /* failures so far */
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a over the policy's fetch settings: a cached allow-list is replaced when they change (a reload). */
static uint64_t settings_hash(const struct sb_rev_fetch *fe)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;
    const char *s;
    long long v[2] = { fe->timeout_ms, fe->max_bytes };
    const unsigned char *b = (const unsigned char *)v;

    for (i = 0; i < fe->n_allow; i++) {
        for (s = fe->allow[i]; *s != '\0'; s++) {
            h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        }
        h = (h ^ 0xff) * 1099511628211ULL;
    }
    for (i = 0; i < sizeof(v); i++) {
        h = (h ^ b[i]) * 1099511628211ULL;
    }
    return h;
}

static void count(struct sbgw_ocsp_fetch *f, unsigned long long *c)
{
    pthread_mutex_lock(&f->mu);
    (*c)++;
    pthread_mutex_unlock(&f->mu);
}

/* Fill the evidence from a judged response. */
static void fill_ev(struct ask *a, const char *url, const struct sb_ocsp_result *res)
{
    struct sb_rev_evidence *ev = a->ev;

    memset(ev, 0, sizeof(*ev));
    ev->source = SB_REV_SRC_OCSP;
    ev->is_ocsp = 1;
    snprintf(ev->url, sizeof(ev->url), "%s", url != NULL ? url : "");
    ev->produced_at = res->produced_at;
    ev->this_update = res->this_update;
    ev->next_update = res->next_update;
    memcpy(ev->sha256, res->sha256, sizeof(ev->sha256));
    if (res->status == SB_OCSP_REVOKED) {
        ev->revoked_after = res->revoked_after_at;
        ev->revocation_time = res->revocation_time;
        ev->revocation_reason = res->revocation_reason;
    }
}

/* Take the judgement of one response: 1 when it decides (good or revoked), 0 when the next responder (or the
 * network) should be asked; notes and worst say why. */
static int take(struct ask *a, const char *url, enum sb_reason rc, const struct sb_ocsp_result *res,
                const struct sb_err *e, const char *how)
{
    if (rc == SB_OK || rc == SB_R_REVOKED) {
        fill_ev(a, url, res);
        a->decided = 1;
        a->rc = rc;
        a->worst = rc == SB_R_REVOKED ? O_REVOKED : O_GOOD;
        snprintf(a->msg, sizeof(a->msg), "%.300s (%s %.180s)", res->message, how, url != NULL ? url : "?");
        return 1;
    }
    if (res->status == SB_OCSP_UNKNOWN) {
        fill_ev(a, url, res);
        a->worst = O_UNKNOWN;
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s (%s %s)", res->message, how, url != NULL ? url : "?");
    } else {
        a->worst = a->worst < O_UNUSABLE ? O_UNUSABLE : a->worst;
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s: [%s] %s", url != NULL ? url : "?", sb_ocsp_cause_name(res->cause),
             res->message[0] != '\0' ? res->message : e->msg);
    }
    return 0;
}

/* The inputs of a judgement other than the response and the time: the issuer (key, name), the certificate's
 * CertID fields, the algorithm allow-list, the SM2 ID, the skew and the maximum age (SHA-256). 0 on failure. */
static int judge_id(const struct ask *a, unsigned char id[32])
{
    const ASN1_BIT_STRING *spk = X509_get0_pubkey_bitstr(a->q->issuer);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(a->q->cert);
    const unsigned char *n1 = NULL, *n2 = NULL;
    size_t l1 = 0, l2 = 0;
    long v[9] = { a->o.skew_s, a->o.max_age_s, -1, 0, 0, 0, 0, 0, 0 };
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok;

    if (a->o.algs != NULL) {
        v[2] = a->o.algs->min_rsa_bits;
        v[3] = a->o.algs->allow_sha1;
        v[4] = a->o.algs->allow_md5;
        v[5] = a->o.algs->allow_dsa;
        v[6] = a->o.algs->webpki;
        v[7] = (long)a->o.algs->sig_allow;
    }
    ok = md != NULL && spk != NULL && serial != NULL
         && X509_NAME_get0_der(X509_get_subject_name(a->q->issuer), &n1, &l1) == 1
         && X509_NAME_get0_der(X509_get_issuer_name(a->q->cert), &n2, &l2) == 1
         && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
         && EVP_DigestUpdate(md, spk->data, (size_t)spk->length) == 1 && EVP_DigestUpdate(md, n1, l1) == 1
         && EVP_DigestUpdate(md, n2, l2) == 1 && EVP_DigestUpdate(md, serial->data, (size_t)serial->length) == 1
         && EVP_DigestUpdate(md, v, sizeof(v)) == 1
         && EVP_DigestUpdate(md, a->o.sm2_id != NULL ? a->o.sm2_id : "", a->o.sm2_id != NULL ?
                             strlen(a->o.sm2_id) + 1 : 0) == 1
         && EVP_DigestFinal_ex(md, id, &len) == 1 && len == 32;
    EVP_MD_CTX_free(md);
    return ok;
}

/* Whether a memo of a usable judgement stands for a judgement at a->o.at: good or unknown (revoked is judged
 * again: its message depends on the time), and at inside the response's window. */
static int memo_applies(const struct ask *a, const struct sb_ocsp_result *m)
{
    time_t at = a->o.at;
    long max_age = a->o.max_age_s > 0 ? a->o.max_age_s : SB_OCSP_DEFAULT_MAX_AGE_S;

    if (m->status != SB_OCSP_GOOD && m->status != SB_OCSP_UNKNOWN) {
        return 0;
    }
    if (m->produced_at > at + a->o.skew_s || m->this_update > at + a->o.skew_s) {
        return 0;
    }
    return m->next_update != 0 ? at <= m->next_update + a->o.skew_s : at - m->this_update <= max_age;
}

/* The cache: 1 when a cached response decided or said unknown (a->decided / notes), 0 to ask the network. A
 * response is judged at each use, unless the same inputs judged it already and the time is inside its window
 * (the memo: a repeated judgement costs a SHA-256 of its inputs instead of one or two signature checks). */
static int from_cache(struct ask *a)
{
    struct ocsp_cached c;
    struct sb_ocsp_result res;
    struct sb_err e;
    enum sb_reason rc;
    unsigned char id[32];
    int served = 0, have_id;

    if (!ocsp_cache_get(a->f, a->key, a->q->fetch->ocsp_nonce, time(NULL), &c)) {
        count(a->f, &a->f->st.misses);
        return 0;
    }
    a->allowed = 1;
    have_id = judge_id(a, id);
    if (c.cand == NULL && c.memo_ok && have_id && memcmp(c.memo_id, id, sizeof(id)) == 0
        && memo_applies(a, &c.memo)) {
        res = c.memo;
        sb_err_clear(&e);
        rc = res.status == SB_OCSP_GOOD ? SB_OK : sb_err_set(&e, SB_R_REVOCATION_UNAVAILABLE, "%s", res.message);
        served = 1;
        take(a, c.url, rc, &res, &e, "cached from");
        goto done;
    }
    /* a judgement costs its signature verifications: the response's and a delegated responder's */
    if (!sb_work_budget_take(a->q->budget, 2 * sb_sig_verify_cost(sb_cert_pubkey(a->q->issuer)))) {
        a->budget_spent = 1;
        ocsp_cached_clear(&c);
        return 1;
    }
    if (c.cand != NULL) {                 /* a refresh brought a newer response: judged now, kept if usable */
        sb_err_clear(&e);
        rc = sb_ocsp_check(c.cand, c.cand_len, a->q->cert, a->q->issuer, &a->o, &res, &e);
        ocsp_cache_settle(a->f, a->key, c.gen, c.cand, c.cand_len, res.status != SB_OCSP_UNUSABLE, res.this_update,
                          ocsp_expiry(res.this_update, res.next_update, a->q->fetch->max_age_s));
        if (res.status != SB_OCSP_UNUSABLE) {
            served = 1;
            take(a, c.url, rc, &res, &e, "refreshed from");
            if (have_id) {
                ocsp_cache_memo(a->f, a->key, c.gen, c.cand, c.cand_len, id, &res);
            }
        }
    }
    if (!served && c.der != NULL) {
        sb_err_clear(&e);
        rc = sb_ocsp_check(c.der, c.len, a->q->cert, a->q->issuer, &a->o, &res, &e);
        if (res.status != SB_OCSP_UNUSABLE) {     /* (unusable under this policy: the network is asked) */
            served = 1;
            take(a, c.url, rc, &res, &e, "cached from");
            if (have_id) {
                ocsp_cache_memo(a->f, a->key, c.gen, c.der, c.len, id, &res);
            }
        }
    }
done:
    if (served && !ocsp_cache_allow_current(a->f, a->key, a->allow_hash)) {
        char err[200];
        struct sbgw_fetch_allow *al = sbgw_fetch_allow_new(a->q->fetch->allow, a->q->fetch->n_allow, err, sizeof(err));

        if (al != NULL) {                 /* refreshes follow the current policy's allow-list */
            ocsp_cache_allow(a->f, a->key, a->allow_hash, al, a->q->fetch->timeout_ms,
                             (size_t)a->q->fetch->max_bytes);
            sbgw_fetch_allow_free(al);
        }
    }
    count(a->f, served ? &a->f->st.hits : &a->f->st.misses);
    ocsp_cached_clear(&c);
    return served;
}

/* The request for uri (normalised: norm): built, or the one of a nonce flight in progress (joined: 1). */
static int request_for(struct ask *a, const char *norm, struct sb_ocsp_request *req, int *joined, struct sb_err *e)
{
    *joined = 0;
    if (!a->q->fetch->ocsp_nonce) {
        return sb_ocsp_request_build(a->q->cert, a->q->issuer, 0, req, e) == SB_OK;
    }
    if (ocsp_pending_join(a->f, a->key, norm, req)) {
        *joined = 1;
        return 1;
    }
    if (sb_ocsp_request_build(a->q->cert, a->q->issuer, SB_OCSP_NONCE_MIN, req, e) != SB_OK) {
        return 0;
    }
    if (!ocsp_pending_add(a->f, a->key, norm, req)) {
        sb_err_set(e, SB_R_INTERNAL, "out of memory");
        sb_ocsp_request_clear(req);
        return 0;
    }
    *joined = 1;
    return 1;
}

/* The key of the certificate's response in the revocation cache directory (rev_disk_cache.h); 0 on failure. */
static int disk_key(const struct ask *a, char *out, size_t len)
{
    const ASN1_BIT_STRING *spk = X509_get0_pubkey_bitstr(a->q->issuer);
    const ASN1_INTEGER *sn = X509_get0_serialNumber(a->q->cert);
    unsigned char ikh[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    return spk != NULL && sn != NULL &&
           EVP_Digest(spk->data, (size_t)spk->length, ikh, &n, sb_md(SB_MD_SHA1), NULL) == 1 &&
           sbgw_rev_disk_ocsp_key(ikh, n, ASN1_STRING_get0_data(sn), (size_t)ASN1_STRING_length(sn), out, len) == 0;
}

/* A response for the certificate from the revocation cache directory into fr (as if fetched): 1 found. */
static int from_disk(struct ask *a, const char *dkey, struct sbgw_fetch_result *fr)
{
    if (a->f->disk == NULL || dkey[0] == '\0' ||
        sbgw_rev_disk_get(a->f->disk, SBGW_REV_OCSP, dkey, time(NULL), &fr->body, &fr->len, NULL) != 1) {
        return 0;
    }
    fr->status = SBGW_FETCH_OK;
    return 1;
}

void sbgw_ocsp_fetch_use_disk(struct sbgw_ocsp_fetch *f, struct sbgw_rev_disk *disk)
{
    f->disk = disk;
}

/* One responder URI: 1 when its answer decided. */
static int try_uri(struct ask *a, const char *uri)
{
    struct sb_ocsp_request req;
    struct sb_ocsp_result res;
    struct sbgw_fetch_result fr;
    struct sbgw_fetch_req rq;
    struct ocsp_put put;
    struct sb_err e;
    char cause[256];
    struct sbgw_fetcher *fetcher;
    char *norm = NULL, *get = NULL;
    char dkey[SBGW_REV_DISK_OCSP_KEY_MAX] = "";
    long long left;
    int joined = 0, done = 0, post, disk = 0;
    enum sb_reason rc;
    time_t now;

    memset(&req, 0, sizeof(req));
    memset(&fr, 0, sizeof(fr));
    sb_err_clear(&e);
    if (sbgw_fetch_allow_check(a->allow, uri, &norm, cause, sizeof(cause)) != SBGW_FETCH_OK) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s not fetched: %s", uri, cause);
        goto out;
    }
    a->allowed = 1;
    if ((left = a->deadline - now_ms()) <= 0) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s not asked: revocation.fetch.timeout_ms spent", norm);
        goto out;
    }
    if (a->f->fetcher == NULL || (fetcher = sbgw_fetch_lazy_get(a->f->fetcher, cause, sizeof(cause))) == NULL) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s not asked: the fetcher is not running%s%s", norm,
             a->f->fetcher != NULL ? ": " : "", a->f->fetcher != NULL ? cause : "");
        goto out;
    }
    if (!request_for(a, norm, &req, &joined, &e)
        || sb_ocsp_get_url(norm, req.der, req.der_len, &get, &e) != SB_OK) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "%s: no request: %s", norm, e.msg);
        goto out;
    }
    post = strlen(get) >= SB_OCSP_GET_MAX;          /* RFC 5019 §5: GET below 255 characters */
    memset(&rq, 0, sizeof(rq));
    rq.key = a->key;                                 /* single flight by certificate, not by URL or body */
    rq.method = post ? SBGW_FETCH_POST : SBGW_FETCH_GET;
    rq.url = post ? norm : get;
    rq.body = post ? req.der : NULL;
    rq.body_len = post ? req.der_len : 0;
    rq.content_type = post ? "application/ocsp-request" : NULL;
    rq.accept = "application/ocsp-response";
    rq.timeout_ms = (int)left;
    rq.max_bytes = (size_t)a->q->fetch->max_bytes;
    rq.allow = a->allow;
    if (a->f->disk != NULL && req.nonce_len == 0 && !disk_key(a, dkey, sizeof(dkey))) {
        dkey[0] = '\0';
    }
again:
    if (!disk && req.nonce_len == 0 && from_disk(a, dkey, &fr)) {
        disk = 1;                                    /* stored by an earlier run or the cron command */
    } else if (sbgw_fetch(fetcher, &rq, &fr) != SBGW_FETCH_OK) {
        if (fr.cause[0] != '\0' && strstr(fr.cause, norm) != NULL) {
            sbgw_fetch_note(a->notes, sizeof(a->notes), "%s", fr.cause);
        } else {
            sbgw_fetch_note(a->notes, sizeof(a->notes), "%s: %s", norm, fr.cause[0] != '\0' ? fr.cause :
                 sbgw_fetch_status_name(fr.status));
        }
        goto out;
    } else {
        disk = disk < 0 ? disk : -1;                 /* -1: the network answered */
        count(a->f, &a->f->st.fetches);
    }
    a->o.nonce = req.nonce_len != 0 ? req.nonce : NULL;
    a->o.nonce_len = req.nonce_len;
    rc = sb_ocsp_check(fr.body, fr.len, a->q->cert, a->q->issuer, &a->o, &res, &e);
    a->o.nonce = NULL;
    a->o.nonce_len = 0;
    if (disk == 1 && res.status == SB_OCSP_UNUSABLE) {   /* stale or damaged on disk: ask the responder */
        (void)sbgw_rev_disk_del(a->f->disk, SBGW_REV_OCSP, dkey);
        sbgw_fetch_result_clear(&fr);
        disk = -1;
        goto again;
    }
    if (res.status != SB_OCSP_UNUSABLE) {            /* good, revoked, unknown: kept until its window ends */
        now = time(NULL);
        memset(&put, 0, sizeof(put));
        put.key = a->key;
        put.url = norm;
        put.fetch_url = rq.url;
        put.post = post;
        put.req = req.der;
        put.req_len = req.der_len;
        put.der = fr.body;
        put.len = fr.len;
        put.this_update = res.this_update;
        put.expires = ocsp_expiry(res.this_update, res.next_update, a->q->fetch->max_age_s);
        put.nk = res.nonce == SB_OCSP_NONCE_MATCHED ? OCSP_NK_BOUND :
                 res.nonce == SB_OCSP_NONCE_ABSENT ? OCSP_NK_IGNORED : OCSP_NK_NONE;
        put.allow = a->allow;
        put.allow_hash = a->allow_hash;
        put.timeout_ms = a->q->fetch->timeout_ms;
        put.max_bytes = (size_t)a->q->fetch->max_bytes;
        ocsp_cache_put(a->f, &put, now);
        if (disk == -1 && dkey[0] != '\0' && put.nk != OCSP_NK_BOUND) {
            (void)sbgw_rev_disk_put(a->f->disk, SBGW_REV_OCSP, dkey, fr.body, fr.len, put.expires, now);
        }
    }
    done = take(a, norm, rc, &res, &e, "from");
out:
    if (joined) {
        ocsp_pending_leave(a->f, a->key, norm);
    }
    sbgw_fetch_result_clear(&fr);
    sb_ocsp_request_clear(&req);
    OPENSSL_free(get);
    free(norm);
    return done;
}

/* The OCSP URIs of the certificate's authorityInfoAccess, asked in order until one decides. */
static void from_network(struct ask *a)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(a->q->cert, NID_info_access, NULL, NULL);
    char uri[SBGW_FETCH_URL_MAX], err[200];
    int i, tried = 0;

    for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia) && !a->decided && !a->budget_spent; i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        const ASN1_IA5STRING *s;

        if (OBJ_obj2nid(ad->method) != NID_ad_OCSP || ad->location->type != GEN_URI) {
            continue;
        }
        s = ad->location->d.uniformResourceIdentifier;
        tried++;
        if (s->length <= 0 || (size_t)s->length >= sizeof(uri) || memchr(s->data, '\0', (size_t)s->length)) {
            sbgw_fetch_note(a->notes, sizeof(a->notes), "an OCSP responder URI is empty, too long or has a NUL");
            continue;
        }
        memcpy(uri, s->data, (size_t)s->length);
        uri[s->length] = '\0';
        if (a->allow == NULL) {
            if (!sb_work_budget_take(a->q->budget, SB_WORK_UNBOUNDED)) {
                a->budget_spent = 1;     /* on an event loop: the run goes to a worker, which fetches */
                break;
            }
            if ((a->allow = sbgw_fetch_allow_new(a->q->fetch->allow, a->q->fetch->n_allow, err, sizeof(err))) == NULL) {
                sbgw_fetch_note(a->notes, sizeof(a->notes), "revocation.fetch.allow: %s", err);
                break;
            }
        }
        try_uri(a, uri);
    }
    if (tried == 0) {
        sbgw_fetch_note(a->notes, sizeof(a->notes), "the certificate names no OCSP responder (authorityInfoAccess id-ad-ocsp)");
    }
    AUTHORITY_INFO_ACCESS_free(aia);
}

enum sb_reason sbgw_ocsp_fetch_source(void *arg, const struct sb_ocsp_query *q, struct sb_rev_evidence *ev,
                                      struct sb_err *why)
{
    struct sbgw_ocsp_fetch *f = arg;
    struct sb_rev_evidence scratch;
    struct ask a;
    enum sb_reason rc;

    if (f == NULL || q == NULL || q->cert == NULL || q->issuer == NULL || q->fetch == NULL) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "no OCSP source");
    }
    memset(&a, 0, sizeof(a));
    a.f = f;
    a.q = q;
    a.ev = ev != NULL ? ev : &scratch;
    a.o.at = q->at;
    a.o.skew_s = q->skew_s;
    a.o.max_age_s = q->fetch->max_age_s;
    a.o.algs = q->algs;
    a.o.sm2_id = q->sm2_id;
    a.allow_hash = settings_hash(q->fetch);
    a.deadline = now_ms() + q->fetch->timeout_ms;
    if (!ocsp_cache_key(q->cert, q->issuer, a.key, sizeof(a.key))) {
        ERR_clear_error();
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "OCSP: the certificate's CertID cannot be computed");
    }
    if (!from_cache(&a) && q->fetch->n_allow == 0) {
        sbgw_fetch_note(a.notes, sizeof(a.notes), "no URL may be fetched (revocation.fetch.allow)");
    } else if (!a.decided && !a.budget_spent && a.worst != O_UNKNOWN) {
        from_network(&a);
    }
    sbgw_fetch_allow_free(a.allow);
    ERR_clear_error();
    if (a.budget_spent) {                /* nothing decided: the run is thrown away and done again on a worker */
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "OCSP needs a fetch or a verification, not done on an "
                          "event loop");
    }
    pthread_mutex_lock(&f->mu);
    f->st.good += a.worst == O_GOOD;
    f->st.revoked += a.worst == O_REVOKED;
    f->st.unknown += a.worst == O_UNKNOWN;
    f->st.unusable += a.worst == O_UNUSABLE;
    f->st.unavailable += a.worst == O_UNAVAILABLE;
    pthread_mutex_unlock(&f->mu);
    if (a.decided) {
        rc = a.rc;
        if (rc == SB_OK) {
            sb_err_clear(why);
        } else {
            sb_err_set(why, rc, "%s", a.msg);
        }
        return rc;
    }
    if (a.worst != O_UNKNOWN) {
        memset(a.ev, 0, sizeof(*a.ev));
        a.ev->no_source = !a.allowed && a.worst == O_UNAVAILABLE;   /* no responder it may ask: no outage */
    }
    return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "%s: %s",
                      a.worst == O_UNKNOWN ? "OCSP status unknown" :
                      a.worst == O_UNUSABLE ? "no usable OCSP response" : "no OCSP response", a.notes);
}
