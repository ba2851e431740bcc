/*
 * gateway/daemon/revocation_fetch.c — CRLs from cRLDistributionPoints for validations in the daemon
 * (revocation_fetch.h): URI selection, allow-list check, the decoded-CRL cache (a small array under one
 * mutex, least recently used evicted first) and the fetch + decode.
 *
 * Ownership: struct sbgw_crl_fetch owns the fetcher, each cache entry's URL copy and one reference to its
 * X509_CRL; the hook pushes new references onto the caller's stack.
 */
#include "gateway/daemon/revocation_fetch.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "gateway/daemon/fetch.h"
#include "pki/base/rfc3339_time.h"
#include "pki/base/work_budget.h"
#include "pki/x509/cert_decode.h"

struct crl_entry {
    char *url;                          /* owned: normalised URL; NULL = free slot */
    X509_CRL *crl;                      /* owned reference */
    unsigned char sha256[32];           /* of the CRL's DER, taken once when it was fetched (evidence) */
    time_t expires;                     /* nextUpdate, or thisUpdate + max_age_s */
    unsigned long long used;            /* recency tick */
};

struct sbgw_crl_fetch {
    pthread_mutex_t mu;                 /* guards everything below */
    struct sbgw_fetcher *fetcher;       /* owned: started on the first fetch */
    struct crl_entry *entries;          /* owned: n_max slots */
    size_t n_max;
    unsigned long long tick;
    struct sbgw_crl_fetch_stats stats;
};

struct sbgw_crl_fetch *sbgw_crl_fetch_new(size_t max_entries)
{
    struct sbgw_crl_fetch *f;

    if (max_entries == 0 || (f = calloc(1, sizeof(*f))) == NULL) {
        return NULL;
    }
    if ((f->entries = calloc(max_entries, sizeof(*f->entries))) == NULL || pthread_mutex_init(&f->mu, NULL) != 0) {
        free(f->entries);
        free(f);
        return NULL;
    }
    f->n_max = max_entries;
    return f;
}

void sbgw_crl_fetch_free(struct sbgw_crl_fetch *f)
{
    size_t i;

    if (f == NULL) {
        return;
    }
    sbgw_fetcher_free(f->fetcher);
    for (i = 0; i < f->n_max; i++) {
        free(f->entries[i].url);
        X509_CRL_free(f->entries[i].crl);
    }
    free(f->entries);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

void sbgw_crl_fetch_stats(struct sbgw_crl_fetch *f, struct sbgw_crl_fetch_stats *out)
{
    size_t i;

    pthread_mutex_lock(&f->mu);
    *out = f->stats;
    out->entries = 0;
    for (i = 0; i < f->n_max; i++) {
        out->entries += f->entries[i].url != NULL;
    }
    pthread_mutex_unlock(&f->mu);
}

static void entry_clear(struct crl_entry *e)
{
    free(e->url);
    X509_CRL_free(e->crl);
    memset(e, 0, sizeof(*e));
}

/* A new reference to url's CRL (and its DER's SHA-256 in sha256) when it is cached and not expired at now; an
 * expired entry is dropped. */
static X509_CRL *cache_get(struct sbgw_crl_fetch *f, const char *url, time_t now, unsigned char sha256[32])
{
    X509_CRL *crl = NULL;
    size_t i;

    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max; i++) {
        struct crl_entry *e = &f->entries[i];

        if (e->url == NULL || strcmp(e->url, url) != 0) {
            continue;
        }
        if (e->expires <= now) {
            entry_clear(e);
        } else if (X509_CRL_up_ref(e->crl)) {
            crl = e->crl;
            memcpy(sha256, e->sha256, 32);
            e->used = ++f->tick;
            f->stats.hits++;
        }
        break;
    }
    pthread_mutex_unlock(&f->mu);
    return crl;
}

/* Keep a reference to crl under url until expires, replacing what url held; the slot of an expired entry,
 * else the least recently used one, is reused. */
static void cache_put(struct sbgw_crl_fetch *f, const char *url, X509_CRL *crl, const unsigned char sha256[32],
                      time_t expires, time_t now)
{
    struct crl_entry *slot = NULL;
    char *copy = strdup(url);
    size_t i;

    if (copy == NULL || !X509_CRL_up_ref(crl)) {
        free(copy);
        return;
    }
    pthread_mutex_lock(&f->mu);
    for (i = 0; i < f->n_max && slot == NULL; i++) {          /* the URL's own entry */
        if (f->entries[i].url != NULL && strcmp(f->entries[i].url, url) == 0) {
            slot = &f->entries[i];
        }
    }
    for (i = 0; i < f->n_max && slot == NULL; i++) {          /* a free or expired slot */
        if (f->entries[i].url == NULL || f->entries[i].expires <= now) {
            slot = &f->entries[i];
        }
    }
    if (slot == NULL) {                                       /* else the least recently used */
        slot = &f->entries[0];
        for (i = 1; i < f->n_max; i++) {
            if (f->entries[i].used < slot->used) {
                slot = &f->entries[i];
            }
        }
    }
    entry_clear(slot);
    slot->url = copy;
    slot->crl = crl;
    memcpy(slot->sha256, sha256, 32);
    slot->expires = expires;
    slot->used = ++f->tick;
    pthread_mutex_unlock(&f->mu);
}

static struct sbgw_fetcher *fetcher_get(struct sbgw_crl_fetch *f, char *err, size_t errlen)
{
    struct sbgw_fetcher *r;

    pthread_mutex_lock(&f->mu);
    if (f->fetcher == NULL) {
        f->fetcher = sbgw_fetcher_new(NULL, err, errlen);
    }
    r = f->fetcher;
    pthread_mutex_unlock(&f->mu);
    return r;
}

/* A CRL from a body in DER or PEM; NULL when it is neither (or has bytes after the DER). */
static X509_CRL *decode_crl(const unsigned char *body, size_t len)
{
    const unsigned char *p = body;
    X509_CRL *crl;
    BIO *bio;

    if (len > 0 && len < (size_t)1 << 30) {
        crl = d2i_X509_CRL(NULL, &p, (long)len);
        if (crl != NULL && p == body + len) {
            return crl;
        }
        X509_CRL_free(crl);
        if ((bio = BIO_new_mem_buf(body, (int)len)) != NULL) {
            crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
            BIO_free(bio);
            if (crl != NULL) {
                return crl;
            }
        }
    }
    ERR_clear_error();
    return NULL;
}

/* When a decoded CRL stops being served from the cache: nextUpdate, else thisUpdate + max_age_s; 0 never. */
static time_t crl_expiry(X509_CRL *crl, int max_age_s)
{
    time_t t;

    if (X509_CRL_get0_nextUpdate(crl) != NULL) {
        return sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &t, NULL) ? t : 0;
    }
    if (max_age_s > 0 && sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl), &t, NULL)) {
        return t + (time_t)max_age_s;
    }
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append "; text" (or text) to notes, truncating. */
static void note(char *notes, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(char *notes, size_t len, const char *fmt, ...)
{
    size_t used = strlen(notes);
    va_list ap;

    if (used + 3 >= len) {
        return;
    }
    if (used > 0) {
        notes[used++] = ';';
        notes[used++] = ' ';
        notes[used] = '\0';
    }
    va_start(ap, fmt);
    vsnprintf(notes + used, len - used, fmt, ap);
    va_end(ap);
}

/* Tell the revocation check where crl came from (evidence: URL and SHA-256); origins may be NULL. */
static void note_origin(struct sb_crl_origins *origins, const X509_CRL *crl, const char *url,
                        const unsigned char *sha256)
{
    struct sb_crl_origin *o;

    if (origins == NULL || origins->n < 0 || origins->n >= SB_CRL_ORIGIN_MAX) {
        return;
    }
    o = &origins->o[origins->n++];
    memset(o, 0, sizeof(*o));
    o->crl = crl;
    snprintf(o->url, sizeof(o->url), "%s", url);
    if (sha256 != NULL) {
        memcpy(o->sha256, sha256, 32);
        o->has_sha256 = 1;
    }
}

struct attempt {
    struct sbgw_crl_fetch *f;
    const struct sb_crl_request *rq;
    struct sbgw_fetch_allow *allow;
    long long deadline;                 /* monotonic ms */
    char notes[SB_ERR_MSG_MAX];
    int budget_spent;
};

/* One URI: 1 with a CRL pushed onto out, 0 with a note (or budget_spent). */
static int try_uri(struct attempt *a, const char *uri, STACK_OF(X509_CRL) *out)
{
    struct sbgw_fetch_result res;
    struct sbgw_fetch_req req;
    struct sbgw_fetcher *fetcher;
    char cause[256], err[200];
    char *norm = NULL;
    X509_CRL *crl = NULL;
    unsigned char sha256[32];
    time_t now = time(NULL), expires;
    long long left;
    int ok = 0, have_sha = 1;

    memset(&res, 0, sizeof(res));
    if (sbgw_fetch_allow_check(a->allow, uri, &norm, cause, sizeof(cause)) != SBGW_FETCH_OK) {
        note(a->notes, sizeof(a->notes), "%s not fetched: %s", uri, cause);
        goto fail;
    }
    if ((crl = cache_get(a->f, norm, now, sha256)) != NULL) {
        goto push;
    }
    if (!sb_work_budget_take(a->rq->budget, SB_WORK_UNBOUNDED)) {
        a->budget_spent = 1;             /* on an event loop: the run goes to a worker, which fetches */
        note(a->notes, sizeof(a->notes), "%s needs a fetch, not done on an event loop", norm);
        goto out;
    }
    if ((left = a->deadline - now_ms()) <= 0) {
        note(a->notes, sizeof(a->notes), "%s not fetched: revocation.fetch.timeout_ms spent", norm);
        goto fail;
    }
    if ((fetcher = fetcher_get(a->f, err, sizeof(err))) == NULL) {
        note(a->notes, sizeof(a->notes), "%s not fetched: %s", norm, err);
        goto fail;
    }
    memset(&req, 0, sizeof(req));
    req.key = norm;
    req.method = SBGW_FETCH_GET;
    req.url = norm;
    req.accept = "application/pkix-crl";
    req.timeout_ms = (int)left;
    req.max_bytes = (size_t)a->rq->fetch->max_bytes;
    req.allow = a->allow;
    if (sbgw_fetch(fetcher, &req, &res) != SBGW_FETCH_OK) {
        if (res.cause[0] != '\0' && strstr(res.cause, norm) != NULL) {
            note(a->notes, sizeof(a->notes), "%s", res.cause);        /* the cause names the URL */
        } else {
            note(a->notes, sizeof(a->notes), "%s: %s", norm, res.cause[0] != '\0' ? res.cause :
                 sbgw_fetch_status_name(res.status));
        }
        goto fail;
    }
    if ((crl = decode_crl(res.body, res.len)) == NULL) {
        note(a->notes, sizeof(a->notes), "%s: the reply is not a CRL (DER or PEM)", norm);
        goto fail;
    }
    pthread_mutex_lock(&a->f->mu);
    a->f->stats.fetched++;
    pthread_mutex_unlock(&a->f->mu);
    have_sha = sb_crl_sha256(crl, sha256);          /* once per fetch: the evidence names the CRL by it */
    if (have_sha && (expires = crl_expiry(crl, a->rq->fetch->max_age_s)) > now) {
        cache_put(a->f, norm, crl, sha256, expires, now);
    }
push:
    if (sk_X509_CRL_push(out, crl) > 0) {
        note_origin(a->rq->origins, crl, norm, have_sha ? sha256 : NULL);
        crl = NULL;
        ok = 1;
    }
    goto out;
fail:
    pthread_mutex_lock(&a->f->mu);
    a->f->stats.failed++;
    pthread_mutex_unlock(&a->f->mu);
out:
    X509_CRL_free(crl);
    sbgw_fetch_result_clear(&res);
    free(norm);
    return ok;
}

enum sb_reason sbgw_crl_fetch_more(void *arg, const struct sb_crl_request *rq, STACK_OF(X509_CRL) *out,
                                   struct sb_err *why)
{
    struct sbgw_crl_fetch *f = arg;
    STACK_OF(DIST_POINT) *dps = NULL;
    struct attempt a;
    char err[200], uri[SBGW_FETCH_URL_MAX];
    int i, j, got = 0, tried = 0;
    enum sb_reason rc;

    if (f == NULL || rq == NULL || rq->fetch == NULL || rq->fetch->n_allow == 0) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "no URL may be fetched (revocation.fetch.allow)");
    }
    memset(&a, 0, sizeof(a));
    a.f = f;
    a.rq = rq;
    a.deadline = now_ms() + rq->fetch->timeout_ms;
    if ((a.allow = sbgw_fetch_allow_new(rq->fetch->allow, rq->fetch->n_allow, err, sizeof(err))) == NULL) {
        return sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "revocation.fetch.allow: %s", err);
    }
    dps = X509_get_ext_d2i(rq->cert, NID_crl_distribution_points, NULL, NULL);
    /* the first distribution point that gives a CRL; the pki layer judges whether it covers the certificate */
    for (i = 0; i < sk_DIST_POINT_num(dps) && !got && !a.budget_spent; i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

        if (dp->distpoint == NULL || dp->distpoint->type != 0) {
            continue;                    /* no name, or a nameRelativeToCRLIssuer: nothing to fetch */
        }
        for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname) && !got && !a.budget_spent; j++) {
            GENERAL_NAME *gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);
            const ASN1_IA5STRING *s;

            if (gn->type != GEN_URI) {
                continue;
            }
            s = gn->d.uniformResourceIdentifier;
            tried++;
            if (s->length <= 0 || (size_t)s->length >= sizeof(uri) || memchr(s->data, '\0', (size_t)s->length)) {
                note(a.notes, sizeof(a.notes), "a distribution point URI is empty, too long or has a NUL");
                continue;
            }
            memcpy(uri, s->data, (size_t)s->length);
            uri[s->length] = '\0';
            got = try_uri(&a, uri, out);
        }
    }
    if (got) {
        sb_err_clear(why);
        rc = SB_OK;
    } else if (tried == 0) {
        rc = sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "the certificate has no CRL distribution point URI");
    } else {
        rc = sb_err_set(why, SB_R_REVOCATION_UNAVAILABLE, "no CRL fetched: %s", a.notes);
    }
    CRL_DIST_POINTS_free(dps);
    sbgw_fetch_allow_free(a.allow);
    ERR_clear_error();
    return rc;
}
