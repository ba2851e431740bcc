/*
 * pki/x509/cert_policy_local.h — the policy graph's context, shared by its two halves (private to pki/x509).
 *
 * cert_policy_load.c decodes the path's policy extensions and the user set into a struct pt_ctx (every
 * OID interned into a small integer id); cert_policy.c runs RFC 5280 §6.1.2–6.1.5 as the RFC 9618 graph
 * over it. One context per sb_certpol_process call; no shared state.
 */
#ifndef SB_CERT_POLICY_LOCAL_H
#define SB_CERT_POLICY_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509v3.h>

#include "pki/x509/cert_policy.h"

#define PT_NONE SIZE_MAX
#define PT_NAME_MAX 128     /* subject text kept in messages */
#define PT_LIST_MAX 160     /* OID list text kept in messages */
#define PT_LIST_SHOWN 4     /* OIDs spelled out in a list before "+N more" */

/* Why the graph became NULL; reported when an explicit policy turns out to be required. */
enum pt_null_cause {
    PT_NULL_NONE = 0,
    PT_NULL_NO_EXT,        /* certificate without certificatePolicies (6.1.3 (e)) */
    PT_NULL_NO_MATCH,      /* none of the certificate's policies continues a valid policy (6.1.3 (d)) */
    PT_NULL_MAP_INHIBITED  /* policy mapping inhibited: mapped policies deleted (6.1.4 (b)(2)) */
};

struct pt_map {
    int from;   /* issuerDomainPolicy id */
    int to;     /* subjectDomainPolicy id */
};

struct pt_cert {
    X509 *x;                          /* borrowed: path[i - 1] */
    CERTIFICATEPOLICIES *pols;        /* owned; NULL when the extension is absent */
    POLICY_MAPPINGS *maps;            /* owned; NULL when absent (never read for the target) */
    int self_issued;
    int has_any;                      /* certificatePolicies lists anyPolicy */
    int *pol_ids;                     /* owned: the other policies, as ids */
    size_t npol;
    struct pt_map *map_ids;           /* owned: sorted by (from, to), without repeats */
    size_t nmap;
    long long require_explicit;       /* policyConstraints requireExplicitPolicy; -1 when absent */
    long long inhibit_mapping;        /* policyConstraints inhibitPolicyMapping; -1 when absent */
    long long inhibit_any;            /* inhibitAnyPolicy SkipCerts; -1 when absent or target */
};

struct pt_node {
    int pol;          /* valid_policy id */
    int live;         /* 0 once deleted by pruning */
    size_t par_off;   /* parents: edges[par_off .. par_off + par_n) */
    size_t par_n;
    size_t exp_off;   /* expected_policy_set: exps[exp_off .. exp_off + exp_n); exp_n == 0 means {pol} */
    size_t exp_n;
    size_t nchild;    /* live children */
};

struct pt_pair {
    int pol;          /* an expected_policy_set entry ... */
    size_t node;      /* ... of this node of the previous depth */
};

struct pt_ctx {
    size_t n;                          /* path length */
    struct pt_cert *certs;             /* owned: n entries */
    const ASN1_OBJECT **oids;          /* owned array of borrowed OIDs, sorted and unique: id -> OID */
    size_t noids;
    size_t cap_oids;
    int any_id;
    int *user_ids;                     /* owned: user-initial-policy-set ids, without repeats */
    size_t nuser;
    int user_any;                      /* user-initial-policy-set is {anyPolicy} */

    struct pt_node *nodes;             /* owned graph; node 0 is the depth-0 anyPolicy root */
    size_t nnodes, cap_nodes;
    size_t *edges;                     /* owned: parent node indexes */
    size_t nedges, cap_edges;
    int *exps;                         /* owned: mapped expected_policy_set entries */
    size_t nexps, cap_exps;
    struct pt_pair *pairs;             /* owned scratch: expected entries of the previous depth */
    size_t cap_pairs;
    size_t *stack;                     /* owned scratch for pruning */
    size_t cap_stack;
    size_t *lvl;                       /* owned: n + 2 entries, first node index of each depth */
    size_t *any_node;                  /* owned: n + 1 entries, the anyPolicy node of each depth */
    size_t *slot;                      /* owned: noids entries, node of the current depth per id */
    size_t *mark;                      /* owned: noids entries, stamps for set membership */
    size_t stamp;
    size_t depth;                      /* depth being built */

    long long explicit_policy;
    long long policy_mapping;
    long long inhibit_any_policy;
    size_t explicit_src;               /* 0: initial-explicit-policy, else certificate whose constraint set it */
    int graph_null;
    enum pt_null_cause null_cause;
    size_t null_depth;                 /* certificate at which the graph became NULL */
};

/* -1, 0 or 1 as a is below, equal to or above b: the qsort order of ids and node indexes. */
static inline int pt_cmp(long long a, long long b)
{
    return a < b ? -1 : (a > b ? 1 : 0);
}
/* Grow buf to hold need elements of elem bytes; returns the (possibly moved) buffer or NULL (buf untouched). */
void *sb_certpol_grow(void *buf, size_t *cap, size_t need, size_t elem);
/* INTERNAL "policy processing: out of memory" into err. */
enum sb_reason sb_certpol_oom(struct sb_err *err);
/* Text of OID id (dotted decimal). */
void sb_certpol_oid_text(const struct pt_ctx *ctx, int id, char *buf, size_t size);
/* "{1.2.3, 1.2.4, ... (+N more)}" for ids[0..count) plus anyPolicy when with_any; returns buf. */
const char *sb_certpol_list_text(const struct pt_ctx *ctx, const int *ids, size_t count, int with_any, char *buf,
                                 size_t size);
/* Decode the whole path and the user set into ctx, intern every OID, and allocate the graph arrays.
 * CERT_MALFORMED / POLICY_PROCESSING / INTERNAL with err on failure (ctx then freed by the caller). */
enum sb_reason sb_certpol_load(struct pt_ctx *ctx, X509 *const *path, const struct sb_certpol_params *params,
                               struct sb_err *err);

#endif
