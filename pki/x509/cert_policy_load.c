/*
 * pki/x509/cert_policy_load.c — the path's certificate policy extensions, decoded for the policy graph.
 *
 * certificatePolicies, policyMappings, policyConstraints and inhibitAnyPolicy of every certificate, and the
 * user-initial-policy-set, checked against RFC 5280 and the caps of cert_policy.h; every OID met is
 * interned once into a small integer id so that cert_policy.c works on integers.
 */
#include "pki/x509/cert_policy_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "pki/x509/cert_format.h"

/* Grow buf to hold need elements; returns the (possibly moved) buffer or NULL (buf untouched). */
void *sb_certpol_grow(void *buf, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *p;

    if (need <= *cap) {
        return buf;
    }
    ncap = *cap < 16 ? 16 : *cap;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            return NULL;
        }
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem) {
        return NULL;
    }
    p = realloc(buf, ncap * elem);
    if (p == NULL) {
        return NULL;
    }
    *cap = ncap;
    return p;
}

enum sb_reason sb_certpol_oom(struct sb_err *err)
{
    return sb_err_set(err, SB_R_INTERNAL, "policy processing: out of memory");
}

/* Text of OID id (dotted decimal). */
void sb_certpol_oid_text(const struct pt_ctx *ctx, int id, char *buf, size_t size)
{
    if (OBJ_obj2txt(buf, (int)size, ctx->oids[id], 1) <= 0) {
        snprintf(buf, size, "?");
    }
}

/* "{1.2.3, 1.2.4, ... (+N more)}" for ids[0..count) plus anyPolicy when with_any. */
const char *sb_certpol_list_text(const struct pt_ctx *ctx, const int *ids, size_t count, int with_any,
                                char *buf, size_t size)
{
    char oid[80];
    size_t used = 0, shown = 0, i;
    int w;

    w = snprintf(buf, size, "{");
    used = w > 0 ? (size_t)w : 0;
    if (with_any) {
        w = snprintf(buf + used, size - used, "anyPolicy");
        used += w > 0 ? (size_t)w : 0;
        shown++;
    }
    for (i = 0; i < count && used < size; i++) {
        if (shown == PT_LIST_SHOWN) {
            w = snprintf(buf + used, size - used, ", ... (+%zu more)", count - i);
            used += w > 0 ? (size_t)w : 0;
            break;
        }
        sb_certpol_oid_text(ctx, ids[i], oid, sizeof(oid));
        w = snprintf(buf + used, size - used, "%s%s", shown > 0 ? ", " : "", oid);
        used += w > 0 ? (size_t)w : 0;
        shown++;
    }
    if (used < size) {
        snprintf(buf + used, size - used, "}");
    }
    return buf;
}

static int pt_oid_cmp(const void *a, const void *b)
{
    const ASN1_OBJECT *const *x = a;
    const ASN1_OBJECT *const *y = b;

    return OBJ_cmp(*x, *y);
}

static int pt_map_cmp(const void *a, const void *b)
{
    const struct pt_map *x = a;
    const struct pt_map *y = b;

    return x->from != y->from ? pt_cmp(x->from, y->from) : pt_cmp(x->to, y->to);
}

static int pt_is_any(const ASN1_OBJECT *obj)
{
    return OBJ_obj2nid(obj) == NID_any_policy;
}

static enum sb_reason pt_add_ref(struct pt_ctx *ctx, const ASN1_OBJECT *obj, struct sb_err *err)
{
    const ASN1_OBJECT **p;

    p = sb_certpol_grow(ctx->oids, &ctx->cap_oids, ctx->noids + 1, sizeof(*ctx->oids));
    if (p == NULL) {
        return sb_certpol_oom(err);
    }
    ctx->oids = p;
    ctx->oids[ctx->noids++] = obj;
    return SB_OK;
}

/* Id of an interned OID (always present: every OID used was added before interning). */
static int pt_id(const struct pt_ctx *ctx, const ASN1_OBJECT *obj)
{
    const ASN1_OBJECT *const *hit;

    hit = bsearch(&obj, ctx->oids, ctx->noids, sizeof(*ctx->oids), pt_oid_cmp);
    if (hit == NULL) {
        return -1;
    }
    return (int)(hit - ctx->oids);
}

/* SkipCerts INTEGER (0..MAX) as a count; values beyond any path length saturate. 0 if negative. */
static int pt_skipcerts(const ASN1_INTEGER *a, long long *out)
{
    uint64_t v = 0;

    if (ASN1_STRING_type(a) == V_ASN1_NEG_INTEGER) {
        return 0;
    }
    if (ASN1_INTEGER_get_uint64(&v, a) != 1 || v > (uint64_t)SB_CERTPOL_MAX_NODES * 1000u) {
        ERR_clear_error();
        v = (uint64_t)SB_CERTPOL_MAX_NODES * 1000u;   /* larger than any path we accept */
    }
    *out = (long long)v;
    return 1;
}

static enum sb_reason pt_malformed(struct pt_cert *c, size_t i, const char *ext, const char *why,
                                   struct sb_err *err)
{
    char name[PT_NAME_MAX];

    return sb_err_openssl(err, SB_R_POLICY, "certificate %zu (%s) has a malformed %s extension: %s", i,
                          sb_certfmt_subject(c->x, name, sizeof(name)), ext, why);
}

/* Decode one extension: *out NULL when absent; POLICY when present twice or undecodable. */
static enum sb_reason pt_get_ext(struct pt_cert *c, size_t i, int nid, const char *ext, void **out,
                                 struct sb_err *err)
{
    int crit = -1;

    ERR_clear_error();
    *out = X509_get_ext_d2i(c->x, nid, &crit, NULL);
    if (*out != NULL || crit == -1) {
        return SB_OK;
    }
    if (crit == -2) {
        return pt_malformed(c, i, ext, "the extension appears more than once", err);
    }
    return pt_malformed(c, i, ext, "cannot be decoded", err);
}

/* num entries of extension ext of certificate i: none is malformed (none_why), and the running total of what
 * they are (the path "asserts" / "has" ... "certificate policies") must stay within max, a denial-of-service
 * limit (POLICY). */
static enum sb_reason pt_count(struct pt_cert *c, size_t i, int num, const char *ext, const char *none_why,
                               size_t *total, int max, const char *verb, const char *what, struct sb_err *err)
{
    char name[PT_NAME_MAX];

    if (num <= 0) {
        return pt_malformed(c, i, ext, none_why, err);
    }
    *total += (size_t)num;
    if (*total > (size_t)max) {
        return sb_err_set(err, SB_R_POLICY, "certificate %zu (%s): the path %s more than %d %s in total "
                          "(denial-of-service limit)", i, sb_certfmt_subject(c->x, name, sizeof(name)), verb, max, what);
    }
    return SB_OK;
}

/* Decode the policy extensions of certificate i (1-based) and collect their OIDs for interning. */
static enum sb_reason pt_load_cert(struct pt_ctx *ctx, size_t i, size_t *npolicies, size_t *nmappings,
                                   struct sb_err *err)
{
    struct pt_cert *c = &ctx->certs[i - 1];
    POLICY_CONSTRAINTS *pc = NULL;
    ASN1_INTEGER *iap = NULL;
    void *ext = NULL;
    char name[PT_NAME_MAX];
    enum sb_reason rc;
    int k, num;

    c->require_explicit = -1;
    c->inhibit_mapping = -1;
    c->inhibit_any = -1;
    c->self_issued = X509_NAME_cmp(X509_get_subject_name(c->x), X509_get_issuer_name(c->x)) == 0;

    if ((rc = pt_get_ext(c, i, NID_certificate_policies, "certificatePolicies", &ext, err)) != SB_OK) {
        goto err;
    }
    c->pols = ext;
    if (c->pols != NULL) {
        num = sk_POLICYINFO_num(c->pols);
        if ((rc = pt_count(c, i, num, "certificatePolicies", "it lists no policy", npolicies,
                           SB_CERTPOL_MAX_POLICIES, "asserts", "certificate policies", err)) != SB_OK) {
            goto err;
        }
        for (k = 0; k < num; k++) {
            if ((rc = pt_add_ref(ctx, sk_POLICYINFO_value(c->pols, k)->policyid, err)) != SB_OK) {
                goto err;
            }
        }
    }

    /* policyMappings and inhibitAnyPolicy only matter in preparing for the next certificate (6.1.4). */
    if (i < ctx->n) {
        if ((rc = pt_get_ext(c, i, NID_policy_mappings, "policyMappings", &ext, err)) != SB_OK) {
            goto err;
        }
        c->maps = ext;
    }
    if (c->maps != NULL) {
        num = sk_POLICY_MAPPING_num(c->maps);
        if ((rc = pt_count(c, i, num, "policyMappings", "it lists no mapping", nmappings, SB_CERTPOL_MAX_MAPPINGS,
                           "has", "policy mappings", err)) != SB_OK) {
            goto err;
        }
        for (k = 0; k < num; k++) {
            POLICY_MAPPING *m = sk_POLICY_MAPPING_value(c->maps, k);

            /* 6.1.4 (a): anyPolicy may be neither an issuerDomainPolicy nor a subjectDomainPolicy. */
            if (pt_is_any(m->issuerDomainPolicy) || pt_is_any(m->subjectDomainPolicy)) {
                rc = sb_err_set(err, SB_R_POLICY, "certificate %zu (%s) maps %s anyPolicy in "
                                "policyMappings, which RFC 5280 6.1.4 (a) forbids", i,
                                sb_certfmt_subject(c->x, name, sizeof(name)),
                                pt_is_any(m->issuerDomainPolicy) ? "from" : "to");
                goto err;
            }
            if ((rc = pt_add_ref(ctx, m->issuerDomainPolicy, err)) != SB_OK ||
                (rc = pt_add_ref(ctx, m->subjectDomainPolicy, err)) != SB_OK) {
                goto err;
            }
        }
    }

    if ((rc = pt_get_ext(c, i, NID_policy_constraints, "policyConstraints", &ext, err)) != SB_OK) {
        goto err;
    }
    pc = ext;
    if (pc != NULL) {
        if (pc->requireExplicitPolicy == NULL && pc->inhibitPolicyMapping == NULL) {
            rc = pt_malformed(c, i, "policyConstraints", "it is an empty sequence", err);
            goto err;
        }
        if ((pc->requireExplicitPolicy != NULL &&
             pt_skipcerts(pc->requireExplicitPolicy, &c->require_explicit) == 0) ||
            (pc->inhibitPolicyMapping != NULL &&
             pt_skipcerts(pc->inhibitPolicyMapping, &c->inhibit_mapping) == 0)) {
            rc = pt_malformed(c, i, "policyConstraints", "negative SkipCerts", err);
            goto err;
        }
    }

    if (i < ctx->n) {
        if ((rc = pt_get_ext(c, i, NID_inhibit_any_policy, "inhibitAnyPolicy", &ext, err)) != SB_OK) {
            goto err;
        }
        iap = ext;
        if (iap != NULL && pt_skipcerts(iap, &c->inhibit_any) == 0) {
            rc = pt_malformed(c, i, "inhibitAnyPolicy", "negative SkipCerts", err);
            goto err;
        }
    }
    rc = SB_OK;
err:
    POLICY_CONSTRAINTS_free(pc);
    ASN1_INTEGER_free(iap);
    return rc;
}

/* Turn certificate i's decoded policies and mappings into ids; duplicates in certificatePolicies are
 * malformed (RFC 5280 4.2.1.4: a policy OID MUST NOT appear more than once). */
static enum sb_reason pt_index_cert(struct pt_ctx *ctx, size_t i, struct sb_err *err)
{
    struct pt_cert *c = &ctx->certs[i - 1];
    char name[PT_NAME_MAX], oid[80];
    size_t k, num, out;
    int id;

    if (c->pols != NULL) {
        num = (size_t)sk_POLICYINFO_num(c->pols);
        if ((c->pol_ids = calloc(num, sizeof(*c->pol_ids))) == NULL) {
            return sb_certpol_oom(err);
        }
        ctx->stamp++;
        for (k = 0; k < num; k++) {
            id = pt_id(ctx, sk_POLICYINFO_value(c->pols, (int)k)->policyid);
            if (id < 0) {
                return sb_err_set(err, SB_R_INTERNAL, "policy processing: OID not interned");
            }
            if (ctx->mark[id] == ctx->stamp) {
                sb_certpol_oid_text(ctx, id, oid, sizeof(oid));
                return sb_err_set(err, SB_R_POLICY, "certificate %zu (%s) has a malformed "
                                  "certificatePolicies extension: policy %s appears more than once", i,
                                  sb_certfmt_subject(c->x, name, sizeof(name)), oid);
            }
            ctx->mark[id] = ctx->stamp;
            if (id == ctx->any_id) {
                c->has_any = 1;
            } else {
                c->pol_ids[c->npol++] = id;
            }
        }
    }
    if (c->maps != NULL) {
        num = (size_t)sk_POLICY_MAPPING_num(c->maps);
        if ((c->map_ids = calloc(num, sizeof(*c->map_ids))) == NULL) {
            return sb_certpol_oom(err);
        }
        for (k = 0; k < num; k++) {
            POLICY_MAPPING *m = sk_POLICY_MAPPING_value(c->maps, (int)k);

            c->map_ids[k].from = pt_id(ctx, m->issuerDomainPolicy);
            c->map_ids[k].to = pt_id(ctx, m->subjectDomainPolicy);
            if (c->map_ids[k].from < 0 || c->map_ids[k].to < 0) {
                return sb_err_set(err, SB_R_INTERNAL, "policy processing: OID not interned");
            }
        }
        qsort(c->map_ids, num, sizeof(*c->map_ids), pt_map_cmp);
        /* A repeated (issuer, subject) pair adds nothing to a set. */
        for (k = 0, out = 0; k < num; k++) {
            if (out == 0 || pt_map_cmp(&c->map_ids[out - 1], &c->map_ids[k]) != 0) {
                c->map_ids[out++] = c->map_ids[k];
            }
        }
        c->nmap = out;
    }
    return SB_OK;
}

/* Decode the whole path and the user set, intern every OID, and allocate the graph arrays. */
enum sb_reason sb_certpol_load(struct pt_ctx *ctx, X509 *const *path, const struct sb_certpol_params *params,
                              struct sb_err *err)
{
    STACK_OF(ASN1_OBJECT) *user = params->user_initial_policy_set;
    const ASN1_OBJECT *any = OBJ_nid2obj(NID_any_policy);
    size_t i, k, out, npolicies = 0, nmappings = 0;
    enum sb_reason rc;
    int id, unum;

    if ((ctx->certs = calloc(ctx->n + 1, sizeof(*ctx->certs))) == NULL) {
        return sb_certpol_oom(err);
    }
    for (i = 1; i <= ctx->n; i++) {
        if (path[i - 1] == NULL) {
            return sb_err_set(err, SB_R_INTERNAL, "policy processing: certificate %zu is NULL", i);
        }
        ctx->certs[i - 1].x = path[i - 1];
        if ((rc = pt_load_cert(ctx, i, &npolicies, &nmappings, err)) != SB_OK) {
            return rc;
        }
    }
    if (any == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "policy processing: anyPolicy OID unavailable");
    }
    if ((rc = pt_add_ref(ctx, any, err)) != SB_OK) {
        return rc;
    }
    unum = user != NULL ? sk_ASN1_OBJECT_num(user) : 0;
    for (k = 0; k < (size_t)(unum > 0 ? unum : 0); k++) {
        const ASN1_OBJECT *obj = sk_ASN1_OBJECT_value(user, (int)k);

        if (obj == NULL) {
            return sb_err_set(err, SB_R_USAGE, "user-initial-policy-set entry %zu is NULL", k + 1);
        }
        if ((rc = pt_add_ref(ctx, obj, err)) != SB_OK) {
            return rc;
        }
    }

    qsort(ctx->oids, ctx->noids, sizeof(*ctx->oids), pt_oid_cmp);
    for (k = 0, out = 0; k < ctx->noids; k++) {
        if (out == 0 || OBJ_cmp(ctx->oids[out - 1], ctx->oids[k]) != 0) {
            ctx->oids[out++] = ctx->oids[k];
        }
    }
    ctx->noids = out;
    ctx->any_id = pt_id(ctx, any);
    if (ctx->any_id < 0 ||
        (ctx->slot = malloc(ctx->noids * sizeof(*ctx->slot))) == NULL ||
        (ctx->mark = calloc(ctx->noids, sizeof(*ctx->mark))) == NULL ||
        (ctx->user_ids = calloc((size_t)(unum > 0 ? unum : 0) + 1, sizeof(*ctx->user_ids))) == NULL ||
        (ctx->lvl = calloc(ctx->n + 2, sizeof(*ctx->lvl))) == NULL ||
        (ctx->any_node = malloc((ctx->n + 1) * sizeof(*ctx->any_node))) == NULL) {
        return sb_certpol_oom(err);
    }
    for (k = 0; k < ctx->noids; k++) {
        ctx->slot[k] = PT_NONE;
    }
    for (k = 0; k <= ctx->n; k++) {
        ctx->any_node[k] = PT_NONE;
    }

    /* NULL or empty user set, or one that contains anyPolicy, accepts any policy. */
    ctx->user_any = unum <= 0;
    ctx->stamp++;
    for (k = 0; k < (size_t)(unum > 0 ? unum : 0); k++) {
        id = pt_id(ctx, sk_ASN1_OBJECT_value(user, (int)k));
        if (id == ctx->any_id) {
            ctx->user_any = 1;
        } else if (id >= 0 && ctx->mark[id] != ctx->stamp) {
            ctx->mark[id] = ctx->stamp;
            ctx->user_ids[ctx->nuser++] = id;
        }
    }

    for (i = 1; i <= ctx->n; i++) {
        if ((rc = pt_index_cert(ctx, i, err)) != SB_OK) {
            return rc;
        }
    }
    return SB_OK;
}
