/*
 * pki/x509/cert_policy.c — RFC 5280 §6.1.2–6.1.5 certificate policy processing, written as the RFC 9618
 * policy graph.
 *
 * Every policy OID met on the path (certificatePolicies, policyMappings, user-initial-policy-set) is
 * interned once into a small integer id, so the graph works on integers: a node is (depth, id) with a
 * contiguous run of parent edges and an expected_policy_set (implicitly {id} until a mapping replaces
 * it). There is at most one node per id per depth, edges come from expected_policy_set entries, and
 * those are bounded by nodes + mappings, so time and memory stay linear in the input; the caps in
 * cert_policy.h bound the input itself. Policy qualifiers are ignored (RFC 9618 §4.2 recommends not
 * returning them). No global state.
 */
#include "pki/x509/cert_policy_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "pki/x509/cert_format.h"

static int pt_pair_cmp(const void *a, const void *b)
{
    const struct pt_pair *x = a;
    const struct pt_pair *y = b;

    return x->pol != y->pol ? pt_cmp(x->pol, y->pol) : pt_cmp((long long)x->node, (long long)y->node);
}

static enum sb_reason pt_node_new(struct pt_ctx *ctx, int pol, size_t *out, struct sb_err *err)
{
    struct pt_node *p;
    char name[PT_NAME_MAX];

    if (ctx->nnodes >= SB_CERTPOL_MAX_NODES) {
        return sb_err_set(err, SB_R_POLICY, "certificate %zu (%s): the policy graph would exceed %d "
                          "nodes (denial-of-service limit)", ctx->depth,
                          ctx->depth > 0 ? sb_certfmt_subject(ctx->certs[ctx->depth - 1].x, name, sizeof(name)) : "-",
                          SB_CERTPOL_MAX_NODES);
    }
    p = sb_certpol_grow(ctx->nodes, &ctx->cap_nodes, ctx->nnodes + 1, sizeof(*ctx->nodes));
    if (p == NULL) {
        return sb_certpol_oom(err);
    }
    ctx->nodes = p;
    p = &ctx->nodes[ctx->nnodes];
    p->pol = pol;
    p->live = 1;
    p->par_off = ctx->nedges;
    p->par_n = 0;
    p->exp_off = 0;
    p->exp_n = 0;
    p->nchild = 0;
    ctx->slot[pol] = ctx->nnodes;
    if (pol == ctx->any_id) {
        ctx->any_node[ctx->depth] = ctx->nnodes;
    }
    *out = ctx->nnodes++;
    return SB_OK;
}

/* Add parent to child, which must be the node created last (edges of a node are contiguous). */
static enum sb_reason pt_edge_add(struct pt_ctx *ctx, size_t child, size_t parent, struct sb_err *err)
{
    size_t *p;

    p = sb_certpol_grow(ctx->edges, &ctx->cap_edges, ctx->nedges + 1, sizeof(*ctx->edges));
    if (p == NULL) {
        return sb_certpol_oom(err);
    }
    ctx->edges = p;
    ctx->edges[ctx->nedges++] = parent;
    ctx->nodes[child].par_n++;
    ctx->nodes[parent].nchild++;
    return SB_OK;
}

/* Set node k's expected_policy_set to the subjectDomainPolicy values of maps[0..count). */
static enum sb_reason pt_exp_set(struct pt_ctx *ctx, size_t k, const struct pt_map *maps, size_t count,
                                 struct sb_err *err)
{
    int *p;
    size_t j;

    p = sb_certpol_grow(ctx->exps, &ctx->cap_exps, ctx->nexps + count, sizeof(*ctx->exps));
    if (p == NULL) {
        return sb_certpol_oom(err);
    }
    ctx->exps = p;
    ctx->nodes[k].exp_off = ctx->nexps;
    ctx->nodes[k].exp_n = count;
    for (j = 0; j < count; j++) {
        ctx->exps[ctx->nexps++] = maps[j].to;
    }
    return SB_OK;
}

/* Delete node k, then every ancestor left without children (6.1.3 (d)(3), 6.1.4 (b)(2)(ii)). */
static enum sb_reason pt_delete(struct pt_ctx *ctx, size_t k, struct sb_err *err)
{
    size_t *p, top = 0, j, e;

    p = sb_certpol_grow(ctx->stack, &ctx->cap_stack, ctx->nnodes, sizeof(*ctx->stack));
    if (p == NULL) {
        return sb_certpol_oom(err);
    }
    ctx->stack = p;
    ctx->stack[top++] = k;
    while (top > 0) {
        j = ctx->stack[--top];
        if (ctx->nodes[j].live == 0) {
            continue;
        }
        ctx->nodes[j].live = 0;
        for (e = 0; e < ctx->nodes[j].par_n; e++) {
            size_t par = ctx->edges[ctx->nodes[j].par_off + e];

            ctx->nodes[par].nchild--;
            if (ctx->nodes[par].nchild == 0 && ctx->nodes[par].live != 0) {
                ctx->stack[top++] = par;   /* each node reaches zero children once: top <= nnodes */
            }
        }
    }
    return SB_OK;
}

static size_t pt_level_end(const struct pt_ctx *ctx, size_t d)
{
    return d < ctx->depth ? ctx->lvl[d + 1] : ctx->nnodes;
}

static size_t pt_level_live(const struct pt_ctx *ctx, size_t d)
{
    size_t k, count = 0;

    for (k = ctx->lvl[d]; k < pt_level_end(ctx, d); k++) {
        count += ctx->nodes[k].live != 0;
    }
    return count;
}

/* Collect the expected_policy_set entries of the live nodes at depth d, sorted by policy id. */
static enum sb_reason pt_build_pairs(struct pt_ctx *ctx, size_t d, size_t *npairs, struct sb_err *err)
{
    struct pt_pair *p;
    size_t k, j, count = 0, end = pt_level_end(ctx, d);

    for (k = ctx->lvl[d]; k < end; k++) {
        if (ctx->nodes[k].live != 0) {
            count += ctx->nodes[k].exp_n > 0 ? ctx->nodes[k].exp_n : 1;
        }
    }
    p = sb_certpol_grow(ctx->pairs, &ctx->cap_pairs, count, sizeof(*ctx->pairs));
    if (p == NULL) {
        return sb_certpol_oom(err);
    }
    ctx->pairs = p;
    count = 0;
    for (k = ctx->lvl[d]; k < end; k++) {
        const struct pt_node *nd = &ctx->nodes[k];

        if (nd->live == 0) {
            continue;
        }
        if (nd->exp_n == 0) {
            ctx->pairs[count].pol = nd->pol;
            ctx->pairs[count++].node = k;
        }
        for (j = 0; j < nd->exp_n; j++) {
            ctx->pairs[count].pol = ctx->exps[nd->exp_off + j];
            ctx->pairs[count++].node = k;
        }
    }
    if (count > 1) {
        qsort(ctx->pairs, count, sizeof(*ctx->pairs), pt_pair_cmp);
    }
    *npairs = count;
    return SB_OK;
}

/* First index in pairs[0..np) whose policy is >= pol. */
static size_t pt_pairs_lower(const struct pt_pair *pairs, size_t np, int pol)
{
    size_t lo = 0, hi = np, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (pairs[mid].pol < pol) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* End of the run of pairs[lo..np) that share pairs[lo].pol (lo itself when lo == np). */
static size_t pt_pairs_end(const struct pt_pair *pairs, size_t np, size_t lo)
{
    size_t hi = lo;

    while (hi < np && pairs[hi].pol == pairs[lo].pol) {
        hi++;
    }
    return hi;
}

/* Create the depth-i node for pol with parents pairs[lo..hi). */
static enum sb_reason pt_child_of_pairs(struct pt_ctx *ctx, int pol, size_t lo, size_t hi, struct sb_err *err)
{
    enum sb_reason rc;
    size_t k, m;

    if ((rc = pt_node_new(ctx, pol, &k, err)) != SB_OK) {
        return rc;
    }
    for (m = lo; m < hi; m++) {
        if ((rc = pt_edge_add(ctx, k, ctx->pairs[m].node, err)) != SB_OK) {
            return rc;
        }
    }
    return SB_OK;
}

static void pt_set_null(struct pt_ctx *ctx, size_t i, enum pt_null_cause cause)
{
    ctx->graph_null = 1;
    ctx->null_cause = cause;
    ctx->null_depth = i;
}

/* 6.1.3 (d) for certificate i: grow depth i of the graph from its certificatePolicies, then prune. */
static enum sb_reason pt_step_policies(struct pt_ctx *ctx, size_t i, struct sb_err *err)
{
    const struct pt_cert *c = &ctx->certs[i - 1];
    size_t np = 0, j, lo, hi, k, any_prev = ctx->any_node[i - 1];
    enum sb_reason rc;
    int pol;

    if ((rc = pt_build_pairs(ctx, i - 1, &np, err)) != SB_OK) {
        return rc;
    }
    if (any_prev != PT_NONE && ctx->nodes[any_prev].live == 0) {
        any_prev = PT_NONE;
    }
    /* (d)(1): each policy P other than anyPolicy. */
    for (j = 0; j < c->npol; j++) {
        pol = c->pol_ids[j];
        lo = pt_pairs_lower(ctx->pairs, np, pol);
        hi = lo < np && ctx->pairs[lo].pol == pol ? pt_pairs_end(ctx->pairs, np, lo) : lo;
        if (lo < hi) {
            /* (i): parents are the depth i-1 nodes whose expected_policy_set holds P. */
            rc = pt_child_of_pairs(ctx, pol, lo, hi, err);
        } else if (any_prev != PT_NONE) {
            /* (ii): no match, but depth i-1 has anyPolicy. */
            if ((rc = pt_node_new(ctx, pol, &k, err)) == SB_OK) {
                rc = pt_edge_add(ctx, k, any_prev, err);
            }
        } else {
            rc = SB_OK;
        }
        if (rc != SB_OK) {
            return rc;
        }
    }
    /* (d)(2): anyPolicy in the certificate, when not inhibited (or i < n and self-issued). */
    if (c->has_any != 0 && (ctx->inhibit_any_policy > 0 || (i < ctx->n && c->self_issued != 0))) {
        for (lo = 0; lo < np; lo = hi) {
            pol = ctx->pairs[lo].pol;
            hi = pt_pairs_end(ctx->pairs, np, lo);
            if (ctx->slot[pol] == PT_NONE && (rc = pt_child_of_pairs(ctx, pol, lo, hi, err)) != SB_OK) {
                return rc;
            }
        }
    }
    /* (d)(3): prune depth i-1 and above of nodes without children. */
    for (k = ctx->lvl[i - 1]; k < ctx->lvl[i]; k++) {
        if (ctx->nodes[k].live != 0 && ctx->nodes[k].nchild == 0 &&
            (rc = pt_delete(ctx, k, err)) != SB_OK) {
            return rc;
        }
    }
    if (pt_level_live(ctx, i) == 0) {
        pt_set_null(ctx, i, PT_NULL_NO_MATCH);
    }
    return SB_OK;
}

/* 6.1.4 (b) for certificate i: apply (policy_mapping > 0) or delete (== 0) the mapped policies. */
static enum sb_reason pt_step_mappings(struct pt_ctx *ctx, size_t i, struct sb_err *err)
{
    const struct pt_cert *c = &ctx->certs[i - 1];
    size_t lo, hi, k, any_cur = ctx->any_node[i];
    enum sb_reason rc;
    int from;

    if (any_cur != PT_NONE && ctx->nodes[any_cur].live == 0) {
        any_cur = PT_NONE;
    }
    for (lo = 0; lo < c->nmap; lo = hi) {
        from = c->map_ids[lo].from;
        hi = lo + 1;
        while (hi < c->nmap && c->map_ids[hi].from == from) {
            hi++;
        }
        k = ctx->slot[from];
        if (k != PT_NONE && ctx->nodes[k].live == 0) {
            k = PT_NONE;
        }
        if (ctx->policy_mapping > 0) {
            if (k != PT_NONE) {
                /* (1): the node for ID-P now expects the subjectDomainPolicy values. */
                rc = pt_exp_set(ctx, k, &c->map_ids[lo], hi - lo, err);
            } else if (any_cur != PT_NONE) {
                /* (1), second part: a node for ID-P under the depth i-1 anyPolicy node. */
                size_t any_parent = ctx->edges[ctx->nodes[any_cur].par_off];

                if ((rc = pt_node_new(ctx, from, &k, err)) == SB_OK &&
                    (rc = pt_edge_add(ctx, k, any_parent, err)) == SB_OK) {
                    rc = pt_exp_set(ctx, k, &c->map_ids[lo], hi - lo, err);
                }
            } else {
                rc = SB_OK;
            }
        } else {
            /* (2): mapping inhibited: delete the node for ID-P and prune. */
            rc = k != PT_NONE ? pt_delete(ctx, k, err) : SB_OK;
        }
        if (rc != SB_OK) {
            return rc;
        }
    }
    if (ctx->policy_mapping == 0 && pt_level_live(ctx, i) == 0) {
        pt_set_null(ctx, i, PT_NULL_MAP_INHIBITED);
    }
    return SB_OK;
}

/* Why an explicit policy is required, for messages. */
static void pt_explicit_why(const struct pt_ctx *ctx, char *buf, size_t size)
{
    char name[PT_NAME_MAX];

    if (ctx->explicit_src == 0) {
        snprintf(buf, size, "initial-explicit-policy is set");
    } else {
        snprintf(buf, size, "requireExplicitPolicy of certificate %zu (%s)", ctx->explicit_src,
                 sb_certfmt_subject(ctx->certs[ctx->explicit_src - 1].x, name, sizeof(name)));
    }
}

/* Text saying why the graph became NULL at certificate null_depth. */
static void pt_null_why(const struct pt_ctx *ctx, char *buf, size_t size)
{
    const struct pt_cert *c = &ctx->certs[ctx->null_depth - 1];
    char name[PT_NAME_MAX], list[PT_LIST_MAX];

    sb_certfmt_subject(c->x, name, sizeof(name));
    switch (ctx->null_cause) {
    case PT_NULL_NO_EXT:
        snprintf(buf, size, "certificate %zu (%s) has no certificatePolicies", ctx->null_depth, name);
        break;
    case PT_NULL_NO_MATCH:
        snprintf(buf, size, "none of the policies %s of certificate %zu (%s) is valid for the path",
                 sb_certpol_list_text(ctx, c->pol_ids, c->npol, c->has_any, list, sizeof(list)), ctx->null_depth,
                 name);
        break;
    case PT_NULL_MAP_INHIBITED:
        snprintf(buf, size, "policy mapping is inhibited and certificate %zu (%s) maps its last valid "
                 "policies", ctx->null_depth, name);
        break;
    case PT_NULL_NONE:
    default:
        snprintf(buf, size, "no policy is valid for the path");
        break;
    }
}

/* 6.1.3 (f): explicit_policy > 0 or the graph is not NULL. */
static enum sb_reason pt_check_explicit(const struct pt_ctx *ctx, size_t i, struct sb_err *err)
{
    char name[PT_NAME_MAX], why[PT_NAME_MAX + 64], what[PT_NAME_MAX + PT_LIST_MAX + 96];

    if (ctx->explicit_policy > 0 || ctx->graph_null == 0) {
        return SB_OK;
    }
    pt_explicit_why(ctx, why, sizeof(why));
    pt_null_why(ctx, what, sizeof(what));
    if (ctx->null_depth == i) {
        return sb_err_set(err, SB_R_POLICY, "%s while an explicit policy is required (%s)", what, why);
    }
    return sb_err_set(err, SB_R_POLICY, "an explicit policy is required at certificate %zu (%s) (%s), but "
                      "%s", i, sb_certfmt_subject(ctx->certs[i - 1].x, name, sizeof(name)), why, what);
}

/* 6.1.4 (h), (i), (j): update the counters after certificate i. */
static void pt_step_counters(struct pt_ctx *ctx, size_t i)
{
    const struct pt_cert *c = &ctx->certs[i - 1];

    if (c->self_issued == 0) {
        if (ctx->explicit_policy > 0) {
            ctx->explicit_policy--;
        }
        if (ctx->policy_mapping > 0) {
            ctx->policy_mapping--;
        }
        if (ctx->inhibit_any_policy > 0) {
            ctx->inhibit_any_policy--;
        }
    }
    if (c->require_explicit >= 0 && c->require_explicit < ctx->explicit_policy) {
        ctx->explicit_policy = c->require_explicit;
        ctx->explicit_src = i;
    }
    if (c->inhibit_mapping >= 0 && c->inhibit_mapping < ctx->policy_mapping) {
        ctx->policy_mapping = c->inhibit_mapping;
    }
    if (c->inhibit_any >= 0 && c->inhibit_any < ctx->inhibit_any_policy) {
        ctx->inhibit_any_policy = c->inhibit_any;
    }
}

/* 6.1.5 (g) as RFC 9618 gives it, then the final verdict; *out gets the user-constrained set. */
static enum sb_reason pt_wrap_up(struct pt_ctx *ctx, STACK_OF(ASN1_OBJECT) **out, struct sb_err *err)
{
    STACK_OF(ASN1_OBJECT) *res = NULL;
    ASN1_OBJECT *dup = NULL;
    int *auth = NULL, *result = NULL;
    size_t nauth = 0, nres = 0, k, auth_stamp;
    int auth_any = 0, res_any = 0;
    char why[PT_NAME_MAX + 64], what[PT_NAME_MAX + PT_LIST_MAX + 96], list[PT_LIST_MAX];
    char alist[PT_LIST_MAX];
    enum sb_reason rc;

    if ((auth = calloc(ctx->noids + 1, sizeof(*auth))) == NULL ||
        (result = calloc(ctx->noids + 1, sizeof(*result))) == NULL) {
        rc = sb_certpol_oom(err);
        goto err;
    }
    /* (1)-(4): the authorities-constrained set: nodes whose only parent is anyPolicy, plus the
     * depth-n anyPolicy node. */
    auth_stamp = ++ctx->stamp;
    if (ctx->graph_null == 0) {
        for (k = 1; k < ctx->nnodes; k++) {
            const struct pt_node *nd = &ctx->nodes[k];

            if (nd->live != 0 && nd->pol != ctx->any_id && nd->par_n == 1 &&
                ctx->nodes[ctx->edges[nd->par_off]].pol == ctx->any_id && ctx->mark[nd->pol] != auth_stamp) {
                ctx->mark[nd->pol] = auth_stamp;
                auth[nauth++] = nd->pol;
            }
        }
        k = ctx->any_node[ctx->n];
        auth_any = k != PT_NONE && ctx->nodes[k].live != 0;
    }
    /* (5)-(6): intersect with user-initial-policy-set. */
    if (ctx->user_any != 0) {
        res_any = auth_any;
        if (res_any == 0) {
            memcpy(result, auth, nauth * sizeof(*auth));
            nres = nauth;
        }
    } else {
        for (k = 0; k < ctx->nuser; k++) {
            if (auth_any != 0 || ctx->mark[ctx->user_ids[k]] == auth_stamp) {
                result[nres++] = ctx->user_ids[k];
            }
        }
    }

    if (ctx->explicit_policy <= 0 && nres == 0 && res_any == 0) {
        pt_explicit_why(ctx, why, sizeof(why));
        if (ctx->graph_null != 0) {
            pt_null_why(ctx, what, sizeof(what));
            rc = sb_err_set(err, SB_R_POLICY, "no policy is valid for the path: %s, while an explicit "
                            "policy is required (%s)", what, why);
        } else {
            rc = sb_err_set(err, SB_R_POLICY, "no policy of user-initial-policy-set %s is valid for the "
                            "path (authorities-constrained policies %s; %s)",
                            sb_certpol_list_text(ctx, ctx->user_ids, ctx->nuser, 0, list, sizeof(list)),
                            sb_certpol_list_text(ctx, auth, nauth, auth_any, alist, sizeof(alist)), why);
        }
        goto err;
    }

    if (out != NULL) {
        if ((res = sk_ASN1_OBJECT_new_null()) == NULL) {
            rc = sb_certpol_oom(err);
            goto err;
        }
        for (k = 0; k < (res_any != 0 ? 1 : nres); k++) {
            dup = OBJ_dup(ctx->oids[res_any != 0 ? ctx->any_id : result[k]]);
            if (dup == NULL || sk_ASN1_OBJECT_push(res, dup) <= 0) {
                rc = sb_certpol_oom(err);
                goto err;
            }
            dup = NULL;
        }
        *out = res;
        res = NULL;
    }
    rc = SB_OK;
err:
    ASN1_OBJECT_free(dup);
    sk_ASN1_OBJECT_pop_free(res, ASN1_OBJECT_free);
    free(auth);
    free(result);
    return rc;
}

static void pt_ctx_free(struct pt_ctx *ctx)
{
    size_t i;

    if (ctx->certs != NULL) {
        for (i = 0; i < ctx->n; i++) {
            CERTIFICATEPOLICIES_free(ctx->certs[i].pols);
            sk_POLICY_MAPPING_pop_free(ctx->certs[i].maps, POLICY_MAPPING_free);
            free(ctx->certs[i].pol_ids);
            free(ctx->certs[i].map_ids);
        }
    }
    free(ctx->certs);
    free(ctx->oids);
    free(ctx->user_ids);
    free(ctx->nodes);
    free(ctx->edges);
    free(ctx->exps);
    free(ctx->pairs);
    free(ctx->stack);
    free(ctx->lvl);
    free(ctx->any_node);
    free(ctx->slot);
    free(ctx->mark);
}

enum sb_reason sb_certpol_process(X509 *const *path, size_t n, const struct sb_certpol_params *params,
                                 STACK_OF(ASN1_OBJECT) **valid_policies, struct sb_err *err)
{
    struct pt_ctx ctx;
    enum sb_reason rc;
    size_t i, k, root;

    memset(&ctx, 0, sizeof(ctx));
    if (valid_policies != NULL) {
        *valid_policies = NULL;
    }
    if ((path == NULL && n > 0) || params == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "policy processing needs a path and parameters");
        goto err;
    }
    if (n > SB_CERTPOL_MAX_NODES) {
        rc = sb_err_set(err, SB_R_CHAIN_TOO_LONG, "path of %zu certificates is too long for policy "
                        "processing (limit %d)", n, SB_CERTPOL_MAX_NODES);
        goto err;
    }
    ctx.n = n;
    if ((rc = sb_certpol_load(&ctx, path, params, err)) != SB_OK) {
        goto err;
    }

    /* 6.1.2: initial state. */
    ctx.explicit_policy = params->initial_explicit_policy != 0 ? 0 : (long long)n + 1;
    ctx.policy_mapping = params->initial_policy_mapping_inhibit != 0 ? 0 : (long long)n + 1;
    ctx.inhibit_any_policy = params->initial_any_policy_inhibit != 0 ? 0 : (long long)n + 1;
    ctx.explicit_src = 0;
    if ((rc = pt_node_new(&ctx, ctx.any_id, &root, err)) != SB_OK) {
        goto err;
    }

    for (i = 1; i <= n; i++) {
        /* Start depth i: forget the depth i-1 slots. */
        ctx.depth = i;
        ctx.lvl[i] = ctx.nnodes;
        for (k = ctx.lvl[i - 1]; k < ctx.lvl[i]; k++) {
            ctx.slot[ctx.nodes[k].pol] = PT_NONE;
        }
        /* 6.1.3 (d), (e), (f). */
        if (ctx.certs[i - 1].pols == NULL) {
            if (ctx.graph_null == 0) {
                pt_set_null(&ctx, i, PT_NULL_NO_EXT);
            }
        } else if (ctx.graph_null == 0 && (rc = pt_step_policies(&ctx, i, err)) != SB_OK) {
            goto err;
        }
        if ((rc = pt_check_explicit(&ctx, i, err)) != SB_OK) {
            goto err;
        }
        if (i == n) {
            break;
        }
        /* 6.1.4 (b), (h), (i), (j); (a) was checked when decoding. */
        if (ctx.graph_null == 0 && ctx.certs[i - 1].nmap > 0 && (rc = pt_step_mappings(&ctx, i, err)) != SB_OK) {
            goto err;
        }
        pt_step_counters(&ctx, i);
    }
    ctx.lvl[n + 1] = ctx.nnodes;

    /* 6.1.5 (a), (b). */
    if (ctx.explicit_policy > 0) {
        ctx.explicit_policy--;
    }
    if (n > 0 && ctx.certs[n - 1].require_explicit == 0) {
        ctx.explicit_policy = 0;
        ctx.explicit_src = n;
    }
    rc = pt_wrap_up(&ctx, valid_policies, err);
err:
    pt_ctx_free(&ctx);
    return rc;
}
