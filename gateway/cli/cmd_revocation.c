/*
 * `sigbridge revocation fetch --policy-dir DIR --cache DIR [--json]` — refresh the revocation cache directory
 * (gateway/daemon/rev_disk_cache.h) for cron-style use, so that the daemon (revocation_cache.dir) finds
 * current CRLs and OCSP responses without fetching them on a request (DESIGN §7).
 *
 * For each jurisdiction policy of DIR with a revocation.fetch.allow list:
 * - CRLs: every http(s) fullName URI of the cRLDistributionPoints of its anchors and intermediates (CA
 *   certificates only: leaves are not known here) that is inside that policy's allow-list is fetched once
 *   (by normalised URL) with the daemon's fetcher (a private instance: allow-list on every hop, the policy's
 *   timeout_ms and max_bytes), decoded, its signature checked when its issuer is one of the policy's CAs,
 *   and stored until nextUpdate (or thisUpdate + revocation.max_age_s). A stale CRL is a failure.
 * - OCSP: for every intermediate whose AIA names an OCSP responder inside the allow-list, and whose issuing
 *   CA is in the policy, a request is built (sb_ocsp_request_build, SHA-1 CertID, a nonce when
 *   revocation.ocsp_nonce), sent (GET when short, RFC 5019, else POST), judged with sb_ocsp_check (signature,
 *   responder, freshness, nonce) and, when good or revoked, stored under its (issuer key hash, serial) key.
 * URLs outside the allow-list are listed as skipped and never contacted. Every fetch runs in parallel.
 *
 * Output: one line per item (kind, URL, result, nextUpdate, what it was for); --json one object. Exit: 0 when
 * every item is fresh (or skipped), 1 when some failed (listed), 2 usage / unreadable policy directory /
 * unusable cache directory.
 *
 * Ownership: everything here is per run; items borrow certificates from the loaded policy set.
 */
#include "gateway/cli/cli_opts.h"
#include "gateway/cli/cmd.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/thread.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "gateway/daemon/fetch.h"
#include "gateway/daemon/rev_disk_cache.h"
#include "pki/base/rfc3339_time.h"
#include "pki/x509/cert_decode.h"
#include "pki/x509/cert_format.h"
#include "pki/x509/ocsp.h"

#define ITEMS_MAX 4096

enum result { R_PENDING = 0, R_FRESH, R_FAILED, R_SKIPPED };

struct item {
    enum sbgw_rev_kind kind;
    const struct sb_trust_policy *pol;  /* borrowed */
    X509 *cert, *issuer;                /* borrowed from the policy: the CA whose CDP / whose OCSP status */
    char *url;                          /* owned: normalised (or as written when refused) */
    char key[SBGW_REV_DISK_OCSP_KEY_MAX];   /* OCSP: the cache key */
    struct sbgw_fetch_allow *allow;     /* reference */
    struct sb_ocsp_request req;         /* OCSP: the request sent */
    struct sbgw_fetch_ticket *ticket;
    enum result result;
    time_t next_update;                 /* 0: none / unknown */
    char detail[400];
};

struct run {
    struct item *v;
    size_t n;
    int json;
    time_t now;
    struct sbgw_rev_disk *disk;
    struct sbgw_fetcher *fetcher;
};

static void rev_usage(FILE *f)
{
    fprintf(f, "usage: sigbridge revocation fetch --policy-dir DIR --cache DIR [--json]\n"
               "  Refreshes the revocation cache directory the daemon reads (revocation_cache.dir): the CRLs of\n"
               "  every distribution point of the policies' anchors and intermediates, and OCSP responses for\n"
               "  their intermediates, fetched only from URLs inside each policy's revocation.fetch.allow.\n"
               "  One line per item: kind, URL, result (ok, failed, skipped), nextUpdate, what it was for.\n"
               "exit: 0 all fresh, 1 some failed (listed), 2 usage\n");
}

static void item_free(struct item *it)
{
    free(it->url);
    sbgw_fetch_allow_free(it->allow);
    sb_ocsp_request_clear(&it->req);
    if (it->ticket != NULL) {
        struct sbgw_fetch_result res;

        memset(&res, 0, sizeof(res));
        (void)sbgw_fetch_wait(it->ticket, &res);
        sbgw_fetch_result_clear(&res);
    }
}

static void set_detail(struct item *it, enum result r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_detail(struct item *it, enum result r, const char *fmt, ...)
{
    va_list ap;

    it->result = r;
    va_start(ap, fmt);
    vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
    va_end(ap);
}

/* A new item, or NULL when the list is full. */
static struct item *item_add(struct run *r, enum sbgw_rev_kind kind, const struct sb_trust_policy *p, X509 *cert,
                             const char *url, struct sbgw_fetch_allow *allow)
{
    struct item *it;

    if (r->n >= ITEMS_MAX) {
        return NULL;
    }
    it = &r->v[r->n];
    memset(it, 0, sizeof(*it));
    if ((it->url = strdup(url)) == NULL) {
        return NULL;
    }
    r->n++;
    it->kind = kind;
    it->pol = p;
    it->cert = cert;
    if (allow != NULL) {
        sbgw_fetch_allow_up_ref(allow);
        it->allow = allow;
    }
    return it;
}

static int seen(const struct run *r, enum sbgw_rev_kind kind, const char *url, const char *key)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        if (r->v[i].kind == kind && r->v[i].result != R_SKIPPED &&
            (kind == SBGW_REV_CRL ? strcmp(r->v[i].url, url) == 0 : strcmp(r->v[i].key, key) == 0)) {
            return 1;
        }
    }
    return 0;
}

/* The policy's CA (anchor or intermediate) that issued cert, or NULL. */
static X509 *issuer_in(const struct sb_trust_policy *p, X509 *cert)
{
    STACK_OF(X509) *sets[2] = { p->anchors, p->intermediates };
    int s, i;

    for (s = 0; s < 2; s++) {
        for (i = 0; i < sk_X509_num(sets[s]); i++) {
            X509 *ca = sk_X509_value(sets[s], i);

            if (ca != cert && X509_check_issued(ca, cert) == X509_V_OK) {
                return ca;
            }
        }
    }
    return NULL;
}

/* Queue one URL of kind for cert under p (checked against the allow-list, deduplicated). */
static void add_url(struct run *r, enum sbgw_rev_kind kind, const struct sb_trust_policy *p, X509 *cert,
                    const char *url, struct sbgw_fetch_allow *allow)
{
    char cause[256], ikh_serial[SBGW_REV_DISK_OCSP_KEY_MAX] = "";
    unsigned char ikh[EVP_MAX_MD_SIZE];
    unsigned int ikh_len = 0;
    const ASN1_INTEGER *sn;
    struct item *it;
    char *norm = NULL;
    X509 *issuer = NULL;

    if (sbgw_fetch_allow_check(allow, url, &norm, cause, sizeof(cause)) != SBGW_FETCH_OK) {
        if ((it = item_add(r, kind, p, cert, url, NULL)) != NULL) {
            set_detail(it, R_SKIPPED, "%s: %s", p->id, cause);
        }
        return;
    }
    if (kind == SBGW_REV_OCSP) {
        if ((issuer = issuer_in(p, cert)) == NULL) {
            if ((it = item_add(r, kind, p, cert, norm, NULL)) != NULL) {
                set_detail(it, R_FAILED, "%s: the issuing CA of this intermediate is not in the policy", p->id);
            }
            free(norm);
            return;
        }
        sn = X509_get0_serialNumber(cert);
        if (X509_pubkey_digest(issuer, EVP_sha1(), ikh, &ikh_len) != 1 ||
            sbgw_rev_disk_ocsp_key(ikh, ikh_len, ASN1_STRING_get0_data(sn), (size_t)ASN1_STRING_length(sn),
                                   ikh_serial, sizeof(ikh_serial)) != 0) {
            ERR_clear_error();
            if ((it = item_add(r, kind, p, cert, norm, NULL)) != NULL) {
                set_detail(it, R_FAILED, "%s: no cache key (serial longer than 32 octets?)", p->id);
            }
            free(norm);
            return;
        }
    }
    if (!seen(r, kind, norm, ikh_serial) && (it = item_add(r, kind, p, cert, norm, allow)) != NULL) {
        it->issuer = issuer;
        snprintf(it->key, sizeof(it->key), "%s", ikh_serial);
    }
    free(norm);
}

/* The CRL distribution point URIs of every CA of p, and the OCSP responders of its intermediates. */
static void collect(struct run *r, const struct sb_trust_policy *p, struct sbgw_fetch_allow *allow)
{
    STACK_OF(X509) *sets[2] = { p->anchors, p->intermediates };
    char uri[SBGW_FETCH_URL_MAX];
    int s, i, j, k;

    for (s = 0; s < 2; s++) {
        for (i = 0; i < sk_X509_num(sets[s]); i++) {
            X509 *x = sk_X509_value(sets[s], i);
            STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
            STACK_OF(OPENSSL_STRING) *ocsp;

            for (j = 0; j < sk_DIST_POINT_num(dps); j++) {
                DIST_POINT *dp = sk_DIST_POINT_value(dps, j);

                if (dp->distpoint == NULL || dp->distpoint->type != 0) {
                    continue;
                }
                for (k = 0; k < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); k++) {
                    GENERAL_NAME *gn = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, k);
                    const ASN1_IA5STRING *u;

                    if (gn->type != GEN_URI || (u = gn->d.uniformResourceIdentifier)->length <= 0 ||
                        (size_t)u->length >= sizeof(uri) || memchr(u->data, '\0', (size_t)u->length) != NULL) {
                        continue;
                    }
                    memcpy(uri, u->data, (size_t)u->length);
                    uri[u->length] = '\0';
                    add_url(r, SBGW_REV_CRL, p, x, uri, allow);
                }
            }
            CRL_DIST_POINTS_free(dps);
            if (s == 1 && (ocsp = X509_get1_ocsp(x)) != NULL) {
                for (j = 0; j < sk_OPENSSL_STRING_num(ocsp); j++) {
                    add_url(r, SBGW_REV_OCSP, p, x, sk_OPENSSL_STRING_value(ocsp, j), allow);
                }
                X509_email_free(ocsp);
            }
        }
    }
    ERR_clear_error();
}

/* Start the fetch of it (the result waits in its ticket). */
static void submit(struct run *r, struct item *it)
{
    struct sbgw_fetch_result res;
    struct sbgw_fetch_req rq;
    struct sb_err err;
    char *get = NULL, key[SBGW_FETCH_KEY_MAX];

    memset(&rq, 0, sizeof(rq));
    memset(&res, 0, sizeof(res));
    rq.timeout_ms = it->pol->fetch.timeout_ms;
    rq.max_bytes = (size_t)it->pol->fetch.max_bytes;
    rq.allow = it->allow;
    if (it->kind == SBGW_REV_CRL) {
        rq.key = it->url;
        rq.url = it->url;
        rq.method = SBGW_FETCH_GET;
        rq.accept = "application/pkix-crl";
    } else {
        sb_err_clear(&err);
        if (sb_ocsp_request_build(it->cert, it->issuer, it->pol->fetch.ocsp_nonce ? SB_OCSP_NONCE_MIN : 0, &it->req,
                                  &err) != SB_OK) {
            set_detail(it, R_FAILED, "%s: cannot build the OCSP request: %s", it->pol->id, err.msg);
            return;
        }
        snprintf(key, sizeof(key), "ocsp:%s", it->key);
        rq.key = key;
        rq.accept = "application/ocsp-response";
        if (sb_ocsp_get_url(it->url, it->req.der, it->req.der_len, &get, &err) == SB_OK &&
            strlen(get) < SB_OCSP_GET_MAX) {
            rq.method = SBGW_FETCH_GET;         /* RFC 5019 §5: short requests by GET */
            rq.url = get;
        } else {
            rq.method = SBGW_FETCH_POST;
            rq.url = it->url;
            rq.body = it->req.der;
            rq.body_len = it->req.der_len;
            rq.content_type = "application/ocsp-request";
        }
    }
    if (sbgw_fetch_submit(r->fetcher, &rq, &it->ticket, &res) != SBGW_FETCH_OK) {
        set_detail(it, R_FAILED, "%s: %s", it->pol->id, res.cause[0] != '\0' ? res.cause :
                   sbgw_fetch_status_name(res.status));
        it->ticket = NULL;
    }
    sbgw_fetch_result_clear(&res);
    OPENSSL_free(get);
}

static X509_CRL *decode_crl(const unsigned char *body, size_t len)
{
    const unsigned char *p = body;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    BIO *bio;

    if (crl != NULL && p == body + len) {
        return crl;
    }
    X509_CRL_free(crl);
    crl = NULL;
    if ((bio = BIO_new_mem_buf(body, (int)len)) != NULL) {
        crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        BIO_free(bio);
    }
    ERR_clear_error();
    return crl;
}

/* The signature of crl, when one of p's CAs is named as its issuer: "" verified (or no such CA: judged at use),
 * else why not. */
static void crl_signature(const struct sb_trust_policy *p, X509_CRL *crl, char *why, size_t len)
{
    STACK_OF(X509) *sets[2] = { p->anchors, p->intermediates };
    struct sb_err err;
    int s, i, named = 0;

    why[0] = '\0';
    for (s = 0; s < 2; s++) {
        for (i = 0; i < sk_X509_num(sets[s]); i++) {
            X509 *ca = sk_X509_value(sets[s], i);
            EVP_PKEY *k;

            if (X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) != 0 ||
                (k = sb_cert_pubkey(ca)) == NULL) {
                continue;
            }
            named = 1;
            sb_err_clear(&err);
            if (sb_sig_verify_crl(crl, k, p->sm2_default_id, &err) == SB_OK) {
                return;
            }
            snprintf(why, len, "the CRL's signature does not verify with its issuer's key: %.200s", err.msg);
        }
    }
    if (!named) {
        why[0] = '\0';                   /* an indirect CRL: the pki layer finds and checks its signer at use */
    }
    ERR_clear_error();
}

static void finish_crl(struct run *r, struct item *it, struct sbgw_fetch_result *res)
{
    unsigned char *der = NULL;
    char why[300];
    X509_CRL *crl;
    time_t tu = 0, nu = 0, expires;
    int dlen;

    if ((crl = decode_crl(res->body, res->len)) == NULL) {
        set_detail(it, R_FAILED, "%s: the reply is not a CRL (DER or PEM)", it->pol->id);
        return;
    }
    (void)sb_asn1_time_to_unix(X509_CRL_get0_lastUpdate(crl), &tu, NULL);
    if (X509_CRL_get0_nextUpdate(crl) != NULL && !sb_asn1_time_to_unix(X509_CRL_get0_nextUpdate(crl), &nu, NULL)) {
        nu = 0;
    }
    it->next_update = nu;
    expires = nu != 0 ? nu : it->pol->fetch.max_age_s > 0 ? tu + it->pol->fetch.max_age_s : 0;
    crl_signature(it->pol, crl, why, sizeof(why));
    if (why[0] != '\0') {
        set_detail(it, R_FAILED, "%s: %s", it->pol->id, why);
    } else if (expires <= r->now) {
        set_detail(it, R_FAILED, "%s: stale: %s", it->pol->id, nu != 0 ? "nextUpdate has passed" :
                   "no nextUpdate, and thisUpdate + revocation.max_age_s has passed (or max_age_s is 0)");
    } else if ((dlen = i2d_X509_CRL(crl, &der)) <= 0 ||
               sbgw_rev_disk_put(r->disk, SBGW_REV_CRL, it->url, der, (size_t)dlen, expires, r->now) != 0) {
        set_detail(it, R_FAILED, "%s: cannot write it to the cache", it->pol->id);
    } else {
        set_detail(it, R_FRESH, "%s", it->pol->id);
    }
    OPENSSL_free(der);
    X509_CRL_free(crl);
    ERR_clear_error();
}

static void finish_ocsp(struct run *r, struct item *it, struct sbgw_fetch_result *res)
{
    const struct sb_trust_policy *p = it->pol;
    struct sb_algs algs = { .min_rsa_bits = p->min_rsa_bits, .sig_allow = p->sig_allow };
    struct sb_ocsp_check_opts o = { .at = r->now, .skew_s = p->max_clock_skew_s, .max_age_s = p->fetch.max_age_s,
                                    .nonce = it->req.nonce_len > 0 ? it->req.nonce : NULL,
                                    .nonce_len = it->req.nonce_len, .algs = &algs, .sm2_id = p->sm2_default_id };
    struct sb_ocsp_result or;
    struct sb_err err;
    enum sb_reason rc;
    time_t expires;

    sb_err_clear(&err);
    rc = sb_ocsp_check(res->body, res->len, it->cert, it->issuer, &o, &or, &err);    /* or says it all */
    (void)rc;
    it->next_update = or.next_update;
    if (or.status != SB_OCSP_GOOD && or.status != SB_OCSP_REVOKED) {
        set_detail(it, R_FAILED, "%s: %s: %s", p->id, sb_ocsp_status_name(or.status), or.message);
        return;
    }
    expires = or.next_update != 0 ? or.next_update : or.this_update + (p->fetch.max_age_s > 0 ? p->fetch.max_age_s :
                                                                       SB_OCSP_DEFAULT_MAX_AGE_S);
    if (sbgw_rev_disk_put(r->disk, SBGW_REV_OCSP, it->key, res->body, res->len, expires, r->now) != 0) {
        set_detail(it, R_FAILED, "%s: cannot write it to the cache", p->id);
        return;
    }
    set_detail(it, R_FRESH, "%s: %s", p->id, or.status == SB_OCSP_GOOD ? "good" : "revoked");
}

static void print_item(const struct run *r, const struct item *it, json_t *arr)
{
    static const char *const names[] = { "pending", "ok", "failed", "skipped" };
    char nu[40] = "-", subj[300];

    if (it->next_update != 0) {
        sb_time_format(it->next_update, nu, sizeof(nu));
    }
    sb_certfmt_name(X509_get_subject_name(it->cert), subj, sizeof(subj));
    if (r->json) {
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:s}", "kind", sbgw_rev_kind_name(it->kind),
                                             "url", it->url, "jurisdiction", it->pol->id, "result", names[it->result],
                                             "next_update", it->next_update != 0 ? nu : NULL, "certificate", subj,
                                             "detail", it->detail));
        return;
    }
    printf("%-4s %s %s %s (%s; %s)\n", sbgw_rev_kind_name(it->kind), it->url, names[it->result], nu, it->detail,
           subj);
}

static int fetch_all(struct run *r, const struct sb_policy_set *set)
{
    struct sbgw_fetch_result res;
    size_t i, fresh = 0, failed = 0, skipped = 0;
    char err[300];
    json_t *arr = NULL;

    for (i = 0; i < sb_policy_set_count(set); i++) {
        const struct sb_trust_policy *p = sb_policy_set_get0(set, i);
        struct sbgw_fetch_allow *allow;

        if (p->fetch.n_allow == 0) {
            continue;                    /* nothing may be fetched for this jurisdiction */
        }
        if ((allow = sbgw_fetch_allow_new(p->fetch.allow, p->fetch.n_allow, err, sizeof(err))) == NULL) {
            fprintf(stderr, "sigbridge revocation fetch: %s: revocation.fetch.allow: %s\n", p->id, err);
            continue;
        }
        collect(r, p, allow);
        sbgw_fetch_allow_free(allow);
    }
    for (i = 0; i < r->n; i++) {
        if (r->v[i].result == R_PENDING) {
            submit(r, &r->v[i]);
        }
    }
    for (i = 0; i < r->n; i++) {
        struct item *it = &r->v[i];

        if (it->ticket == NULL) {
            continue;
        }
        memset(&res, 0, sizeof(res));
        if (sbgw_fetch_wait(it->ticket, &res) != SBGW_FETCH_OK) {
            set_detail(it, R_FAILED, "%s: %s", it->pol->id, res.cause[0] != '\0' ? res.cause :
                       sbgw_fetch_status_name(res.status));
        } else if (it->kind == SBGW_REV_CRL) {
            finish_crl(r, it, &res);
        } else {
            finish_ocsp(r, it, &res);
        }
        it->ticket = NULL;
        sbgw_fetch_result_clear(&res);
    }
    if (r->json && (arr = json_array()) == NULL) {
        return 2;
    }
    for (i = 0; i < r->n; i++) {
        fresh += r->v[i].result == R_FRESH;
        failed += r->v[i].result == R_FAILED;
        skipped += r->v[i].result == R_SKIPPED;
        print_item(r, &r->v[i], arr);
    }
    if (r->json) {
        sbgw_print_json(json_pack("{s:s,s:i,s:i,s:i,s:o}", "cache", sbgw_rev_disk_dir(r->disk), "fresh", (int)fresh,
                                  "failed", (int)failed, "skipped", (int)skipped, "items", arr));
    } else {
        printf("revocation fetch: %zu fresh, %zu failed, %zu skipped (outside the allow-lists); cache %s\n", fresh,
               failed, skipped, sbgw_rev_disk_dir(r->disk));
    }
    return failed > 0 ? 1 : 0;
}

struct rev_args {
    const char *policy_dir, *cache;
    int json;
};

int sbgw_cmd_revocation(int argc, char **argv)
{
    static const struct sbgw_opt rows[] = {
        { .name = "policy-dir", .has_value = 1, .kind = SBGW_OPT_STR, .off = offsetof(struct rev_args, policy_dir),
          .required = 1 },
        { .name = "cache", .has_value = 1, .kind = SBGW_OPT_STR, .off = offsetof(struct rev_args, cache),
          .required = 1 },
    };
    struct rev_args a = { 0 };
    const struct sbgw_opt_group group = { rows, sizeof(rows) / sizeof(rows[0]), &a, NULL };
    const struct sbgw_cli cli = { .usage = rev_usage, .groups = &group, .n_groups = 1, .json = 1,
                                  .required_msg = "revocation fetch needs --policy-dir DIR and --cache DIR" };
    struct sbgw_rev_disk_opts dopts = { 0 };
    struct sb_policy_set *set = NULL;
    struct run r;
    struct sb_err err;
    char msg[700];
    size_t i;
    int rc;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        rev_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "fetch") != 0) {
        rev_usage(stderr);
        return 2;
    }
    a.json = sbgw_cli_wants_json(argc - 1, argv + 1);
    sb_err_clear(&err);
    if ((rc = sbgw_cli_parse(&cli, argc - 1, argv + 1, a.json, &err)) >= 0) {
        return rc;
    }
    if (evthread_use_pthreads() != 0) {
        sb_err_set(&err, SB_R_USAGE, "libevent has no pthreads support");
        return sbgw_fail_usage(a.json, &err);
    }
    if (sbgw_policy_load_set(a.policy_dir, a.json, &set, &err) != SB_OK) {
        return sbgw_fail_usage(a.json, &err);
    }
    memset(&r, 0, sizeof(r));
    r.json = a.json;
    r.now = time(NULL);
    dopts.dir = a.cache;
    if ((r.disk = sbgw_rev_disk_open(&dopts, msg, sizeof(msg))) == NULL) {
        sb_err_set(&err, SB_R_USAGE, "--cache: %s", msg);
        sb_policy_set_free(set);
        return sbgw_fail_usage(a.json, &err);
    }
    if ((r.v = calloc(ITEMS_MAX, sizeof(*r.v))) == NULL ||
        (r.fetcher = sbgw_fetcher_new(NULL, msg, sizeof(msg))) == NULL) {
        sb_err_set(&err, SB_R_INTERNAL, "%s", r.v == NULL ? "out of memory" : msg);
        rc = sbgw_fail_usage(a.json, &err);
        goto out;
    }
    rc = fetch_all(&r, set);
out:
    for (i = 0; i < r.n; i++) {
        item_free(&r.v[i]);
    }
    sbgw_fetcher_free(r.fetcher);
    free(r.v);
    sbgw_rev_disk_close(r.disk);
    sb_policy_set_free(set);
    return rc;
}
