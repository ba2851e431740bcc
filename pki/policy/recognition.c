/*
 * pki/policy/recognition.c — recognition.yaml (a list of from → to rules) and the recognition decision.
 */
#include "pki/x509/cert_format.h"
#include "pki/base/name_table.h"
#include "pki/policy/recognition.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "pki/base/load.h"
#include "pki/base/nearest.h"
#include "pki/base/rfc3339_time.h"
#include "pki/crypto/sm2.h"
#include "pki/policy/trust_policy_local.h"

static const char *const all_keys[] = {
    "from", "to", "accept", "accept.policy_oids", "accept.min_level", "attest", "attest.format", "attest.key",
    "attest.cert", NULL,
};

/* The rule being read, and what its setters need. */
struct rctx {
    struct sb_recognition_rule *r;
    const char *const *ids;
    size_t n_ids;
    EVP_PKEY *key;                       /* attest.key while the rule is read */
    const struct sb_ynode *key_node, *cert_node, *format_node, *from_node, *to_node;
};

static const struct sb_name_row attest_format_names[] = {
    { SB_ATTEST_CMS, "cms" }, { SB_ATTEST_GMT0010, "gmt0010" }, { SB_ATTEST_XMLDSIG, "xmldsig" },
};

const char *sb_attest_format_name(enum sb_attest_format f)
{
    return sb_name_of(SB_NAME_ROWS(attest_format_names), (int)f, "unknown");
}

/* ---- setters ----------------------------------------------------------------------------------- */

static void set_jur(struct sb_yfile *c, struct rctx *x, const struct sb_ynode *v, const char *kpath, char **field)
{
    const char *s, *hint;
    char known[256];
    size_t i, o = 0;

    if (!sb_y_str(c, v, kpath, 64, &s)) {
        return;
    }
    for (i = 0; i < x->n_ids; i++) {
        if (strcmp(s, x->ids[i]) == 0) {
            if ((*field = strdup(s)) == NULL) {
                sb_y_error_at(c, v, kpath, "out of memory");
            }
            return;
        }
    }
    if (!sb_y_capped(c) && (hint = sb_nearest(s, x->ids, x->n_ids)) != NULL) {
        sb_y_error_at(c, v, kpath, "unknown jurisdiction '%s' (did you mean '%s'?)", s, hint);
        return;
    }
    known[0] = '\0';
    for (i = 0; i < x->n_ids && o < sizeof(known); i++) {
        int w = snprintf(known + o, sizeof(known) - o, "%s%s", i > 0 ? ", " : "", x->ids[i]);

        o += w > 0 ? (size_t)w : 0;
    }
    sb_y_error_at(c, v, kpath, "unknown jurisdiction '%s' (the policy files define: %s)", s,
                  x->n_ids > 0 ? known : "none");
}

static void set_from(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                     const char *kpath)
{
    struct rctx *x = obj;

    (void)k;
    x->from_node = v;
    set_jur(c, x, v, kpath, &x->r->from);
}

static void set_to(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                   const char *kpath)
{
    struct rctx *x = obj;

    (void)k;
    x->to_node = v;
    set_jur(c, x, v, kpath, &x->r->to);
}

static void set_accept_oids(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    struct rctx *x = obj;

    (void)k;
    sb_tp_read_oid_list(c, v, kpath, &x->r->policy_oids, 0);
}

static void set_min_level(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                          const char *kpath)
{
    static const char *const names[] = { "low", "substantial", "high" };
    struct rctx *x = obj;
    int i;

    (void)k;
    if ((i = sb_y_enum(c, v, kpath, names, 3)) >= 0) {
        x->r->min_level = (enum sb_tp_level)(SB_TP_LEVEL_LOW + i);
    }
}

static void set_format(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kpath)
{
    static const char *const names[] = { "cms", "gmt0010", "xmldsig" };
    struct rctx *x = obj;

    (void)k;
    x->format_node = v;
    switch (sb_y_enum(c, v, kpath, names, 3)) {
    case 0:
        x->r->attest_format = SB_ATTEST_CMS;
        return;
    case 1:
        x->r->attest_format = SB_ATTEST_GMT0010;
        return;
    case 2:
        x->r->attest_format = SB_ATTEST_XMLDSIG;
        return;
    default:
        x->format_node = NULL;
        return;
    }
}

static void set_key(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                    const char *kpath)
{
    struct rctx *x = obj;
    char where[PATH_MAX + 40];
    char *resolved = NULL;
    struct stat st;
    struct sb_err e;

    (void)k;
    if (!sb_y_path(c, v, kpath, &resolved)) {
        return;
    }
    if (v->value[0] == '/') {
        snprintf(where, sizeof(where), "'%s'", v->value);
    } else {
        snprintf(where, sizeof(where), "'%s' (resolved to %s)", v->value, resolved);
    }
    if (stat(resolved, &st) != 0) {
        sb_y_error_at(c, v, kpath, "cannot read %s: %s", where, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        sb_y_error_at(c, v, kpath, "%s is not a regular file", where);
        goto out;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        sb_y_error_at(c, v, kpath, "private key %s is accessible by group or others (mode %04o); chmod 600 it",
                      where, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    sb_err_clear(&e);
    if (sb_load_key(resolved, &x->key, &e) != SB_OK) {
        sb_y_error_at(c, v, kpath, "not a private key file: %s", e.msg);
        goto out;
    }
    free(x->r->attest_key);
    x->r->attest_key = resolved;        /* ownership passes to the rule */
    resolved = NULL;
    x->key_node = v;
out:
    free(resolved);
}

static void set_cert(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                     const char *kpath)
{
    struct rctx *x = obj;
    STACK_OF(X509) *certs = NULL;
    X509 *cert;
    char subj[256];

    (void)k;
    if (!sb_tp_read_certs(c, v, kpath, &certs)) {
        goto out;
    }
    cert = sk_X509_value(certs, 0);
    sb_certfmt_name(X509_get_subject_name(cert), subj, sizeof(subj));
    if (X509_cmp_time(X509_get0_notAfter(cert), NULL) < 0) {
        sb_y_error_at(c, v, kpath, "attestation certificate %s has expired", subj);
        goto out;
    }
    if (!X509_up_ref(cert)) {
        sb_y_error_at(c, v, kpath, "out of memory");
        goto out;
    }
    x->r->attest_cert = cert;
    x->cert_node = v;
out:
    sk_X509_pop_free(certs, X509_free);
}

static const struct sb_ykey accept_keys[] = {
    { .name = "policy_oids", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of OIDs or OID prefixes",
      .set = set_accept_oids },
    { .name = "min_level", .type = SB_YT_STR, .off = SB_Y_NO_OFF, .help = "low, substantial or high",
      .set = set_min_level },
};

static const struct sb_ykey attest_keys[] = {
    { .name = "format", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF, .help = "cms, gmt0010 or xmldsig",
      .set = set_format },
    { .name = "key", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF,
      .help = "the gateway's private key file (mode 600)", .set = set_key },
    { .name = "cert", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF, .help = "the certificate file of that key",
      .set = set_cert },
};

static void set_accept(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kpath)
{
    struct rctx *x = obj;
    size_t before = c->nerr;

    (void)k;
    sb_y_walk(c, v, kpath, accept_keys, SB_Y_NKEYS(accept_keys), obj, all_keys);
    if (c->nerr == before && x->r->policy_oids.n == 0 && x->r->min_level == SB_TP_LEVEL_NONE) {
        sb_y_error_at(c, v, kpath, "expected policy_oids and/or min_level (an empty accept would recognise every "
                                   "certificate)");
    }
}

static void set_attest(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kpath)
{
    struct rctx *x = obj;
    char child[SB_Y_KPATH_MAX], subj[256];

    (void)k;
    x->r->has_attest = 1;
    sb_y_walk(c, v, kpath, attest_keys, SB_Y_NKEYS(attest_keys), obj, all_keys);
    if (x->key != NULL && x->r->attest_cert != NULL && x->cert_node != NULL &&
        X509_check_private_key(x->r->attest_cert, x->key) != 1) {
        ERR_clear_error();
        sb_certfmt_name(X509_get_subject_name(x->r->attest_cert), subj, sizeof(subj));
        sb_y_kpath_key(child, sizeof(child), kpath, "cert");
        sb_y_error_at(c, x->cert_node, child, "certificate %s does not belong to the private key in attest.key", subj);
    }
    if (x->key != NULL && x->format_node != NULL && x->r->attest_format == SB_ATTEST_GMT0010 &&
        !sb_sm2_is_sm2_key(x->key)) {
        sb_y_kpath_key(child, sizeof(child), kpath, "format");
        sb_y_error_at(c, x->format_node, child, "gmt0010 attestations need an SM2 key; attest.key is %s",
                      EVP_PKEY_get0_type_name(x->key) != NULL ? EVP_PKEY_get0_type_name(x->key) : "another type");
    }
}

static const struct sb_ykey rule_keys[] = {
    { .name = "from", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF, .help = "the sending jurisdiction's id",
      .set = set_from },
    { .name = "to", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF, .help = "the receiving jurisdiction's id",
      .set = set_to },
    { .name = "accept", .type = SB_YT_MAP, .required = 1, .off = SB_Y_NO_OFF,
      .help = "a mapping with policy_oids and/or min_level", .set = set_accept },
    { .name = "attest", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping with format, key and cert",
      .set = set_attest },
};

/* ---- loading ----------------------------------------------------------------------------------- */

static void rule_clear(struct sb_recognition_rule *r)
{
    free(r->from);
    free(r->to);
    sb_tp_oid_list_free(&r->policy_oids);
    free(r->attest_key);
    X509_free(r->attest_cert);
    memset(r, 0, sizeof(*r));
}

void sb_recognition_free(struct sb_recognition *r)
{
    size_t i;

    if (r == NULL) {
        return;
    }
    for (i = 0; i < r->n; i++) {
        rule_clear(&r->rules[i]);
    }
    free(r->rules);
    free(r->file);
    free(r);
}

struct sb_recognition *sb_recognition_new_empty(void)
{
    return calloc(1, sizeof(struct sb_recognition));
}

const struct sb_recognition_rule *sb_recognition_find(const struct sb_recognition *r, const char *from,
                                                      const char *to, size_t *index)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        if (strcmp(r->rules[i].from, from) == 0 && strcmp(r->rules[i].to, to) == 0) {
            if (index != NULL) {
                *index = i;
            }
            return &r->rules[i];
        }
    }
    return NULL;
}

static void read_rule(struct sb_yfile *c, struct sb_recognition *rec, const struct sb_ynode *item, size_t i,
                      const char *const *ids, size_t n_ids)
{
    struct sb_recognition_rule *r = &rec->rules[rec->n];
    struct rctx x;
    char kpath[SB_Y_KPATH_MAX], child[SB_Y_KPATH_MAX];
    size_t j, before = c->nerr;

    memset(&x, 0, sizeof(x));
    memset(r, 0, sizeof(*r));
    x.r = r;
    x.ids = ids;
    x.n_ids = n_ids;
    sb_y_kpath_idx(kpath, sizeof(kpath), "", i);
    if (!sb_y_map(c, item, kpath, "a rule (a mapping with from, to, accept, attest)")) {
        return;
    }
    r->line = item->line;
    r->col = item->col;
    sb_y_walk(c, item, kpath, rule_keys, SB_Y_NKEYS(rule_keys), &x, all_keys);
    EVP_PKEY_free(x.key);
    if (r->from != NULL && r->to != NULL && strcmp(r->from, r->to) == 0) {
        sb_y_kpath_key(child, sizeof(child), kpath, "to");
        sb_y_error_at(c, x.to_node, child, "a rule from '%s' to itself is meaningless; name the receiving jurisdiction",
                      r->to);
    } else if (r->from != NULL && r->to != NULL) {
        for (j = 0; j < rec->n; j++) {
            if (strcmp(rec->rules[j].from, r->from) == 0 && strcmp(rec->rules[j].to, r->to) == 0) {
                sb_y_error_at(c, item, kpath, "a second rule from %s to %s (the first is at line %u, column %u)",
                              r->from, r->to, rec->rules[j].line, rec->rules[j].col);
                break;
            }
        }
    }
    if (c->nerr != before || r->from == NULL || r->to == NULL) {
        rule_clear(r);
        return;
    }
    rec->n++;
}

enum sb_reason sb_recognition_load(const char *path, const char *const *jurisdictions, size_t n_jur,
                                   struct sb_diag *diag, struct sb_recognition **out, struct sb_err *err)
{
    struct sb_recognition *rec = NULL;
    struct sb_ynode *root = NULL;
    struct sb_yfile c;
    struct sb_err first;
    char got[96];
    size_t i;
    enum sb_reason rc;

    *out = NULL;
    sb_err_clear(&first);
    if (!sb_yfile_init(&c, path, &sb_ydoc_policy, diag, &first) || (rec = calloc(1, sizeof(*rec))) == NULL ||
        (rec->file = strdup(path)) == NULL) {
        sb_yfile_done(&c, NULL);
        sb_recognition_free(rec);
        return sb_err_set(err, SB_R_INTERNAL, "%s: out of memory", path);
    }
    if (sb_y_parse(&c, &root) == 1 && root != NULL) {
        if (root->kind != SB_YN_SEQ) {
            sb_ynode_describe(root, got, sizeof(got));
            sb_y_error_at(&c, root, NULL, "expected a list of rules (- from: hk ...) at the top level, got %s", got);
        } else if ((rec->rules = calloc(root->n + 1, sizeof(*rec->rules))) == NULL) {
            sb_y_error_at(&c, root, NULL, "out of memory");
        } else {
            for (i = 0; i < root->n; i++) {
                read_rule(&c, rec, root->kids[i], i, jurisdictions, n_jur);
            }
        }
    }
    sb_yfile_done(&c, rec->digest);
    if (c.nerr > 0) {
        rc = sb_err_set(err, first.reason != SB_OK ? first.reason : SB_R_INPUT_MALFORMED, "%s", first.msg);
        goto err;
    }
    *out = rec;
    rec = NULL;
    rc = SB_OK;
err:
    sb_ynode_free(root);
    sb_recognition_free(rec);
    return rc;
}

/* ---- the decision ------------------------------------------------------------------------------ */

/* Messages are cut at the buffer size on purpose: the start names the certificate and the rule. */
static void why(struct sb_recognition_decision *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct sb_recognition_decision *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->why_not, sizeof(d->why_not), fmt, ap);
    va_end(ap);
}

enum sb_reason sb_recognise(const struct sb_policy_set *set, const char *from, const char *to, X509 *leaf,
                            STACK_OF(ASN1_OBJECT) *valid_policies, struct sb_recognition_decision *d,
                            struct sb_err *err)
{
    const struct sb_recognition *rec = sb_policy_set_recognition(set);
    const struct sb_trust_policy *fp = sb_policy_set_find(set, from), *tp = sb_policy_set_find(set, to);
    const struct sb_recognition_rule *r;
    const struct sb_tp_oid_pattern *pt;
    struct sb_tp_cert_policies cp;
    char subj[256], pats[256], oids[200], where[PATH_MAX + 40];
    size_t idx = 0, i, o;

    memset(d, 0, sizeof(*d));
    d->rule = -1;
    if (fp == NULL || tp == NULL) {
        why(d, "unknown jurisdiction '%s'", fp == NULL ? from : to);
        return sb_err_set(err, SB_R_USAGE, "%s", d->why_not);
    }
    if ((r = sb_recognition_find(rec, from, to, &idx)) == NULL) {
        why(d, "no recognition rule from %s to %s%s%s: %s does not recognise %s "
                 "certificates", from, to, rec->file != NULL ? " in " : "", rec->file != NULL ? rec->file : "", to,
                 from);
        return sb_err_set(err, SB_R_POLICY, "%s", d->why_not);
    }
    d->rule = (int)idx;
    snprintf(where, sizeof(where), "rule [%zu] %s -> %s (%s:%u:%u)", idx, from, to, rec->file, r->line, r->col);
    sb_certfmt_name(X509_get_subject_name(leaf), subj, sizeof(subj));
    sb_tp_cert_policies(leaf, valid_policies, &cp);
    d->level = sb_trust_policy_level(fp, &cp, NULL);
    if (r->policy_oids.n > 0) {
        for (i = 0; i < cp.n; i++) {
            if ((pt = sb_tp_oid_match(&r->policy_oids, cp.oid[i])) != NULL) {
                snprintf(d->matched_oid, sizeof(d->matched_oid), "%s", cp.oid[i]);
                d->matched_pattern = pt;
                break;
            }
        }
        if (d->matched_pattern == NULL) {
            sb_tp_oid_list_text(&r->policy_oids, pats, sizeof(pats));
            if (cp.n == 0) {
                why(d, "%s has no certificate policy; %s accepts only %s", subj,
                         where, pats);
            } else {
                for (i = 0, o = 0; i < cp.n && o < sizeof(oids); i++) {
                    int w = snprintf(oids + o, sizeof(oids) - o, "%s%s", i > 0 ? ", " : "", cp.oid[i]);

                    o += w > 0 ? (size_t)w : 0;
                }
                why(d, "certificate %s %s of %s %s none of %s accept.policy_oids %s",
                         cp.n == 1 ? "policy" : "policies", oids, subj, cp.n == 1 ? "matches" : "match", where, pats);
            }
            return sb_err_set(err, SB_R_POLICY, "%s", d->why_not);
        }
    }
    if (r->min_level != SB_TP_LEVEL_NONE && d->level < r->min_level) {
        why(d, "%s has assurance level %s under %s's certificate.assurance_levels; %s requires min_level %s", subj,
                 sb_tp_level_name(d->level), from, where, sb_tp_level_name(r->min_level));
        return sb_err_set(err, SB_R_POLICY, "%s", d->why_not);
    }
    d->accepted = 1;
    return SB_OK;
}
