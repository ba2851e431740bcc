/*
 * pki/policy/trust_policy_anchors.c — the trust_anchors and intermediates keys of a policy file: certificate
 * files (expired and repeated anchors refused), and ETSI TS 119 612 trusted lists verified under their
 * configured signer, whose CA services granted now become anchors.
 */
#include "pki/x509/cert_format.h"
#include "pki/policy/trust_policy_local.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "pki/base/load.h"
#include "pki/base/rfc3339_time.h"
#include "pki/policy/trustlist.h"

int sb_tp_read_certs(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, STACK_OF(X509) **out)
{
    STACK_OF(X509) *got = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    char resolved[PATH_MAX];
    struct sb_err e;
    int ok = 0;

    if (!sb_y_read_ref(c, v, kpath, &data, &len, resolved, sizeof(resolved))) {
        return 0;
    }
    sb_err_clear(&e);
    /* decode into a stack of our own: a file that fails half-way must leave *out untouched */
    if (sb_load_certs_mem(data, len, v->value, &got, &e) != SB_OK) {
        sb_y_error_at(c, v, kpath, "not a certificate file: %s", e.msg);
        goto out;
    }
    if (*out == NULL) {
        *out = got;
        got = NULL;
    } else {
        while (sk_X509_num(got) > 0) {
            X509 *x = sk_X509_shift(got);

            if (!sk_X509_push(*out, x)) {
                X509_free(x);
                goto out;
            }
        }
    }
    ok = 1;
out:
    sk_X509_pop_free(got, X509_free);
    free(data);
    return ok;
}

static int anchor_push(struct sb_trust_policy *p, X509 *x, const struct sb_ynode *v)
{
    struct sb_tp_source *grown;
    int n = sk_X509_num(p->anchors);

    if ((grown = realloc(p->anchor_src, (size_t)(n + 1) * sizeof(*grown))) == NULL) {
        return 0;
    }
    p->anchor_src = grown;
    if ((grown[n].file = strdup(v->value)) == NULL) {
        return 0;
    }
    if (!sk_X509_push(p->anchors, x)) {
        free(grown[n].file);
        return 0;
    }
    grown[n].line = v->line;
    grown[n].col = v->col;
    return 1;
}

static void set_anchor_file(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    struct sb_trust_policy *p = obj;
    STACK_OF(X509) *certs = NULL;
    char subj[256], when[32];
    time_t t;
    int i, j, frac;

    (void)k;
    if (!sb_tp_read_certs(c, v, kpath, &certs)) {
        goto out;
    }
    for (i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);

        sb_certfmt_name(X509_get_subject_name(x), subj, sizeof(subj));
        if (X509_cmp_time(X509_get0_notAfter(x), NULL) < 0) {
            if (sb_asn1_time_to_unix(X509_get0_notAfter(x), &t, &frac)) {
                sb_time_format(t, when, sizeof(when));
            } else {
                snprintf(when, sizeof(when), "(unreadable date)");
            }
            sb_y_error_at(c, v, kpath, "anchor %s expired on %s; remove it or replace the file", subj, when);
            continue;
        }
        for (j = 0; j < sk_X509_num(p->anchors); j++) {
            if (X509_cmp(sk_X509_value(p->anchors, j), x) == 0) {
                break;
            }
        }
        if (j < sk_X509_num(p->anchors)) {
            sb_y_error_at(c, v, kpath, "anchor %s is already listed (line %u, column %u)", subj,
                          p->anchor_src[j].line, p->anchor_src[j].col);
            continue;
        }
        (void)X509_check_purpose(x, -1, 0); /* cache extensions now: the loaded policy is shared read-only */
        if (!X509_up_ref(x)) {
            sb_y_error_at(c, v, kpath, "out of memory");
            continue;
        }
        if (!anchor_push(p, x, v)) {
            X509_free(x);
            sb_y_error_at(c, v, kpath, "out of memory");
        }
    }
out:
    sk_X509_pop_free(certs, X509_free);
}

/* trusted_list / signer are read together by load_trusted_list (set_anchors); the walker only types them. */
static void set_trusted_list(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                             const char *kpath)
{
    (void)c;
    (void)obj;
    (void)k;
    (void)v;
    (void)kpath;
}

/*
 * `- trusted_list: FILE` + `signer: CERT`: verify the ETSI TS 119 612 list against the signer, refuse a
 * stale list (NextUpdate passed), and add the certificates of every CA service granted now as anchors.
 */
static void load_trusted_list(struct sb_yfile *c, struct sb_trust_policy *p, const struct sb_ynode *e,
                              const char *kpath)
{
    const struct sb_ynode *tl = sb_ynode_get(e, "trusted_list"), *sg = sb_ynode_get(e, "signer");
    char tpath[SB_Y_KPATH_MAX], spath[SB_Y_KPATH_MAX], resolved[4096];
    STACK_OF(X509) *signers = NULL, *now = NULL;
    struct sb_tl_anchor *a = NULL;
    unsigned char *data = NULL;
    size_t len = 0, n = 0;
    struct sb_err err;
    int i, j;

    sb_y_kpath_key(tpath, sizeof(tpath), kpath, "trusted_list");
    sb_y_kpath_key(spath, sizeof(spath), kpath, "signer");
    if (tl == NULL || tl->kind != SB_YN_SCALAR || tl->bad) {
        return;
    }
    if (sg == NULL) {
        sb_y_error_at(c, e, spath, "required key is missing (the trusted list signer's certificate file: a "
                                   "list is only trusted under a configured signer)");
        return;
    }
    if (!sb_tp_read_certs(c, sg, spath, &signers) ||
        !sb_y_read_ref(c, tl, tpath, &data, &len, resolved, sizeof(resolved))) {
        goto out;
    }
    sb_err_clear(&err);
    if (sb_tl_load_anchors(resolved, signers, time(NULL), 0, &a, &n, &err) != SB_OK) {
        sb_y_error_at(c, tl, tpath, "trusted list not usable: %s", err.msg);
        goto out;
    }
    if ((now = sb_tl_anchors_at(a, n, time(NULL))) == NULL || sk_X509_num(now) == 0) {
        sb_y_error_at(c, tl, tpath, "trusted list grants no CA service now: no anchor to trust");
        goto out;
    }
    for (i = 0; i < sk_X509_num(now); i++) {
        X509 *x = sk_X509_value(now, i);

        for (j = 0; j < sk_X509_num(p->anchors); j++) {
            if (X509_cmp(sk_X509_value(p->anchors, j), x) == 0) {
                break;
            }
        }
        if (j < sk_X509_num(p->anchors)) {
            continue; /* also listed as a file: one anchor */
        }
        (void)X509_check_purpose(x, -1, 0);
        if (!X509_up_ref(x)) {
            continue;
        }
        if (!anchor_push(p, x, tl)) {
            X509_free(x);
            sb_y_error_at(c, tl, tpath, "out of memory");
        }
    }
out:
    sk_X509_pop_free(now, X509_free);
    sb_tl_anchors_free(a, n);
    sk_X509_pop_free(signers, X509_free);
    free(data);
}

static const struct sb_ykey anchor_keys[] = {
    { .name = "file", .type = SB_YT_STR, .off = SB_Y_NO_OFF, .help = "a certificate file (PEM or DER)",
      .set = set_anchor_file },
    { .name = "trusted_list", .type = SB_YT_STR, .off = SB_Y_NO_OFF, .help = "an ETSI TS 119 612 trusted list file",
      .set = set_trusted_list },
    { .name = "signer", .type = SB_YT_STR, .off = SB_Y_NO_OFF, .help = "the trusted list signer's certificate file",
      .set = set_trusted_list },
};

void sb_tp_read_anchors(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                        const char *kpath)
{
    char child[SB_Y_KPATH_MAX], fpath[SB_Y_KPATH_MAX];
    size_t i;

    (void)k;
    if (v->n == 0) {
        sb_y_error_at(c, v, kpath, "expected at least one trust anchor (- file: anchors/root.pem)");
        return;
    }
    for (i = 0; i < v->n; i++) {
        const struct sb_ynode *e = v->kids[i];

        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (e->kind == SB_YN_SCALAR && !e->bad) {
            sb_y_error_at(c, e, child, "expected a mapping such as {file: anchors/root.pem}, got a bare value "
                                       "(write '- file: PATH')");
            continue;
        }
        if (!sb_y_map(c, e, child, "a mapping such as {file: anchors/root.pem}")) {
            continue;
        }
        sb_y_walk(c, e, child, anchor_keys, SB_Y_NKEYS(anchor_keys), obj, sb_tp_all_keys);
        if (sb_ynode_get(e, "trusted_list") != NULL) {
            load_trusted_list(c, obj, e, child);
        } else if (sb_ynode_get(e, "signer") != NULL) {
            sb_y_kpath_key(fpath, sizeof(fpath), child, "signer");
            sb_y_error_at(c, e, fpath, "'signer' belongs to a 'trusted_list' entry");
        }
        if (sb_ynode_get(e, "file") == NULL && sb_ynode_get(e, "trusted_list") == NULL) {
            sb_y_kpath_key(fpath, sizeof(fpath), child, "file");
            sb_y_error_at(c, e, fpath, "required key is missing (expected a certificate file (PEM or DER))");
        }
    }
}

void sb_tp_read_intermediates(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                              const char *kpath)
{
    struct sb_trust_policy *p = obj;
    STACK_OF(X509) *certs = NULL;
    char child[SB_Y_KPATH_MAX];
    size_t i;
    int j;

    (void)k;
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (!sb_tp_read_certs(c, v->kids[i], child, &certs)) {
            continue;
        }
        for (j = 0; j < sk_X509_num(certs); j++) {
            X509 *x = sk_X509_value(certs, j);

            (void)X509_check_purpose(x, -1, 0);
            if (!X509_up_ref(x)) {
                continue;
            }
            if (!sk_X509_push(p->intermediates, x)) {
                X509_free(x);
                sb_y_error_at(c, v->kids[i], child, "out of memory");
            }
        }
        sk_X509_pop_free(certs, X509_free);
        certs = NULL;
    }
}
