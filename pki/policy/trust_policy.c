/*
 * pki/policy/trust_policy.c — applying one jurisdiction's policy to path validation: the inputs it gives
 * chain building, the checks RFC 5280 does not make (certificate policies against the policy's OID
 * patterns, key usage any-of, path length in certificates), assurance levels and the validation time.
 * Loading: trust_policy_load.c; OID patterns: oid_pattern.c; the set of all policies: policy_set.c.
 */
#include "pki/x509/cert_format.h"
#include "pki/policy/trust_policy_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "pki/base/name_table.h"
#include "pki/x509/cert_policy.h"
#include "pki/base/rfc3339_time.h"
#include "pki/crypto/sig.h"
#include "pki/x509/sig_memo.h"
#include "pki/x509/cert_decode.h"

/* ---- names ------------------------------------------------------------------------------------- */

static const struct sb_name_row level_names[] = {
    { SB_TP_LEVEL_LOW, "low" }, { SB_TP_LEVEL_SUBSTANTIAL, "substantial" }, { SB_TP_LEVEL_HIGH, "high" },
};
static const struct sb_name_row revocation_names[] = {
    { SB_REV_OFF, "off" }, { SB_REV_PREFER, "prefer" }, { SB_REV_REQUIRE, "require" },
};

const char *sb_tp_level_name(enum sb_tp_level l)
{
    return sb_name_of(SB_NAME_ROWS(level_names), (int)l, "none");
}

const char *sb_tp_revocation_name(enum sb_revocation_mode m)
{
    return sb_name_of(SB_NAME_ROWS(revocation_names), (int)m, "unknown");
}

static void cp_add(struct sb_tp_cert_policies *out, const ASN1_OBJECT *obj)
{
    char txt[SB_TP_OID_MAX];
    size_t i;
    int w;

    if (OBJ_obj2nid(obj) == NID_any_policy || out->n >= SB_TP_MAX_CERT_POLICIES) {
        return;
    }
    w = OBJ_obj2txt(txt, sizeof(txt), obj, 1);
    if (w <= 0 || (size_t)w >= sizeof(txt)) {
        return;
    }
    for (i = 0; i < out->n; i++) {
        if (strcmp(out->oid[i], txt) == 0) {
            return;
        }
    }
    memcpy(out->oid[out->n++], txt, (size_t)w + 1);
}

void sb_tp_cert_policies(X509 *leaf, STACK_OF(ASN1_OBJECT) *valid_policies, struct sb_tp_cert_policies *out)
{
    CERTIFICATEPOLICIES *cps;
    int i, any = valid_policies == NULL;

    out->n = 0;
    for (i = 0; i < sk_ASN1_OBJECT_num(valid_policies); i++) {
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(valid_policies, i);

        if (OBJ_obj2nid(o) == NID_any_policy) {
            any = 1;
        } else {
            cp_add(out, o);
        }
    }
    if (!any || leaf == NULL) {
        return;
    }
    if ((cps = X509_get_ext_d2i(leaf, NID_certificate_policies, NULL, NULL)) == NULL) {
        return;
    }
    for (i = 0; i < sk_POLICYINFO_num(cps); i++) {
        cp_add(out, sk_POLICYINFO_value(cps, i)->policyid);
    }
    CERTIFICATEPOLICIES_free(cps);
}

enum sb_tp_level sb_trust_policy_level(const struct sb_trust_policy *p, const struct sb_tp_cert_policies *cp,
                                       const char **oid)
{
    int l;
    size_t i;

    if (oid != NULL) {
        *oid = NULL;
    }
    for (l = SB_TP_LEVEL_HIGH; l > SB_TP_LEVEL_NONE; l--) {
        for (i = 0; i < cp->n; i++) {
            if (sb_tp_oid_match(&p->levels[l], cp->oid[i]) != NULL) {
                if (oid != NULL) {
                    *oid = cp->oid[i];
                }
                return (enum sb_tp_level)l;
            }
        }
    }
    return SB_TP_LEVEL_NONE;
}

/* ---- applying a policy ------------------------------------------------------------------------- */

void sb_tp_inputs_clear(struct sb_tp_inputs *in)
{
    sk_X509_pop_free(in->untrusted, X509_free);
    sk_X509_CRL_pop_free(in->crls, X509_CRL_free);
    memset(in, 0, sizeof(*in));
}

static int add_certs(STACK_OF(X509) *to, STACK_OF(X509) *from)
{
    int i;

    for (i = 0; i < sk_X509_num(from); i++) {
        X509 *x = sk_X509_value(from, i);

        if (!X509_up_ref(x)) {
            return 0;
        }
        if (!sk_X509_push(to, x)) {
            X509_free(x);
            return 0;
        }
    }
    return 1;
}

static int add_crls(STACK_OF(X509_CRL) *to, STACK_OF(X509_CRL) *from)
{
    int i;

    for (i = 0; i < sk_X509_CRL_num(from); i++) {
        X509_CRL *x = sk_X509_CRL_value(from, i);

        if (!X509_CRL_up_ref(x)) {
            return 0;
        }
        if (!sk_X509_CRL_push(to, x)) {
            X509_CRL_free(x);
            return 0;
        }
    }
    return 1;
}

enum sb_reason sb_trust_policy_prepare(const struct sb_trust_policy *p, STACK_OF(X509) *extra_untrusted,
                                       STACK_OF(X509_CRL) *extra_crls, time_t at, struct sb_tp_inputs *in,
                                       struct sb_err *err)
{
    memset(in, 0, sizeof(*in));
    sb_path_opts_init(&in->opts);
    in->opts.at = at;
    in->opts.algs.min_rsa_bits = p->min_rsa_bits;
    in->opts.algs.sig_allow = p->sig_allow;
    /* naming a SHA-1 algorithm in algorithms.signature is the explicit opt-in to SHA-1 */
    in->opts.algs.allow_sha1 = (p->sig_allow & (SB_SIGALG_RSA_PKCS1_SHA1 | SB_SIGALG_ECDSA_SHA1)) != 0;
    in->opts.explicit_policy = p->require_explicit_policy;
    in->opts.max_depth = p->max_chain_length > 0 ? (p->max_chain_length > 2 ? p->max_chain_length - 2 : 0) : -1;
    in->opts.revocation = p->revocation;
    in->opts.fetch = &p->fetch;          /* more_crls and ocsp are the caller's (sb_validation_ctx) */
    in->opts.ocsp_before_crl = p->rev_ocsp_before_crl;
    in->opts.skew_s = p->max_clock_skew_s;
    in->opts.profile = (enum sb_profile)p->profile;
    in->opts.sm2_id = p->sm2_default_id;
    in->anchors = p->anchors;
    in->untrusted = sk_X509_new_null();
    in->crls = sk_X509_CRL_new_null();
    if (in->untrusted == NULL || in->crls == NULL || !add_certs(in->untrusted, p->intermediates) ||
        !add_certs(in->untrusted, extra_untrusted) || !add_crls(in->crls, p->crls) ||
        !add_crls(in->crls, extra_crls)) {
        sb_tp_inputs_clear(in);
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    in->opts.crls = in->crls;
    if (p->crl_sha256 != NULL) {         /* the policy's CRLs were hashed once, at load */
        in->opts.known_crls = p->crls;
        in->opts.known_sha256 = (const unsigned char (*)[32])p->crl_sha256;
    }
    /* the pools start with the policy's own certificates, indexed once per snapshot */
    in->opts.anchor_index = p->anchor_index;
    in->opts.untrusted_index = p->intermediate_index;
    return SB_OK;
}

static void ku_text(uint32_t bits, char *buf, size_t len)
{
    uint32_t b;
    size_t o = 0;
    const char *name;
    int w;

    buf[0] = '\0';
    for (b = 1; b != 0 && b <= 0x8000; b <<= 1) {
        if ((bits & b) == 0 || (name = sb_tp_key_usage_name(b)) == NULL) {
            continue;
        }
        w = snprintf(buf + o, len - o, "%s%s", o > 0 ? ", " : "", name);
        if (w < 0 || (size_t)w >= len - o) {
            return;
        }
        o += (size_t)w;
    }
}

/* The path's valid policy set, recomputed (anyPolicy as the initial set). */
static enum sb_reason recompute_policies(const struct sb_trust_policy *p, STACK_OF(X509) *chain,
                                         STACK_OF(ASN1_OBJECT) **out, struct sb_err *err)
{
    X509 *rfc[SB_CHAIN_MAX_LEN];
    struct sb_certpol_params pp;
    int n = sk_X509_num(chain), i;

    if (n < 1 || n > SB_CHAIN_MAX_LEN) {
        return sb_err_set(err, SB_R_CHAIN_TOO_LONG, "path of %d certificates cannot be checked", n);
    }
    for (i = 0; i < n - 1; i++) {
        rfc[i] = sk_X509_value(chain, n - 2 - i);
    }
    memset(&pp, 0, sizeof(pp));
    pp.initial_explicit_policy = p->require_explicit_policy;
    return sb_certpol_process(rfc, (size_t)(n - 1), &pp, out, err);
}

enum sb_reason sb_trust_policy_check_path(const struct sb_trust_policy *p, STACK_OF(X509) *chain,
                                          STACK_OF(ASN1_OBJECT) *valid_policies, struct sb_tp_policy_match *m,
                                          struct sb_err *err)
{
    STACK_OF(ASN1_OBJECT) *own = NULL;
    struct sb_tp_cert_policies cp;
    const struct sb_tp_oid_pattern *pt;
    char subj[256], top[256], pats[256], kus[160], have[160], oids[200];
    int n = sk_X509_num(chain);
    X509 *leaf;
    size_t i, o;
    enum sb_reason rc;

    if (m != NULL) {
        memset(m, 0, sizeof(*m));
    }
    if (n <= 0) {
        return sb_err_set(err, SB_R_CHAIN_NO_ANCHOR, "no path to check against %s's policy", p->id);
    }
    leaf = sk_X509_value(chain, 0);
    if (p->max_chain_length > 0 && n > p->max_chain_length) {
        sb_certfmt_name(X509_get_subject_name(leaf), subj, sizeof(subj));
        sb_certfmt_name(X509_get_subject_name(sk_X509_value(chain, n - 1)), top, sizeof(top));
        return sb_err_set(err, SB_R_CHAIN_TOO_LONG,
                          "path of %d certificates (%s up to %s) is longer than %s's max_chain_length %d", n, subj,
                          top, p->id, p->max_chain_length);
    }
    if (p->key_usage_any != 0) {
        if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) == 0) {
            ku_text(p->key_usage_any, kus, sizeof(kus));
            sb_certfmt_name(X509_get_subject_name(leaf), subj, sizeof(subj));
            return sb_err_set(err, SB_R_KEY_USAGE, "%s has no keyUsage extension; %s's key_usage requires one of [%s]",
                              subj, p->id, kus);
        }
        if ((X509_get_key_usage(leaf) & p->key_usage_any) == 0) {
            ku_text(p->key_usage_any, kus, sizeof(kus));
            ku_text(X509_get_key_usage(leaf), have, sizeof(have));
            sb_certfmt_name(X509_get_subject_name(leaf), subj, sizeof(subj));
            return sb_err_set(err, SB_R_KEY_USAGE, "%s keyUsage (%s) has none of %s's key_usage [%s]", subj,
                              have[0] != '\0' ? have : "empty", p->id, kus);
        }
    }
    if (p->policy_oids.n == 0) {
        return SB_OK;
    }
    if (valid_policies == NULL) {
        if ((rc = recompute_policies(p, chain, &own, err)) != SB_OK) {
            return rc;
        }
        valid_policies = own;
    }
    sb_tp_cert_policies(leaf, valid_policies, &cp);
    sk_ASN1_OBJECT_pop_free(own, ASN1_OBJECT_free);
    for (i = 0; i < cp.n; i++) {
        if ((pt = sb_tp_oid_match(&p->policy_oids, cp.oid[i])) != NULL) {
            if (m != NULL) {
                snprintf(m->oid, sizeof(m->oid), "%s", cp.oid[i]);
                m->pattern = pt;
            }
            return SB_OK;
        }
    }
    sb_tp_oid_list_text(&p->policy_oids, pats, sizeof(pats));
    sb_certfmt_name(X509_get_subject_name(leaf), subj, sizeof(subj));
    if (cp.n == 0) {
        return sb_err_set(err, SB_R_POLICY, "%s has no valid certificate policy; %s's policy_oids require one of %s",
                          subj, p->id, pats);
    }
    for (i = 0, o = 0; i < cp.n && o < sizeof(oids); i++) {
        int w = snprintf(oids + o, sizeof(oids) - o, "%s%s", i > 0 ? ", " : "", cp.oid[i]);

        o += w > 0 ? (size_t)w : 0;
    }
    return sb_err_set(err, SB_R_POLICY, "certificate %s %s of %s %s none of %s's policy_oids %s",
                      cp.n == 1 ? "policy" : "policies", oids, subj, cp.n == 1 ? "matches" : "match", p->id, pats);
}

enum sb_reason sb_trust_policy_validate(const struct sb_trust_policy *p, const struct sb_tp_inputs *in, X509 *leaf,
                                        struct sb_chain_result *res, struct sb_err *err)
{
    enum sb_reason rc;

    if ((rc = sb_chain_validate(&in->opts, leaf, in->anchors, in->untrusted, res, err)) != SB_OK) {
        if (rc == SB_R_CHAIN_TOO_LONG && p->max_chain_length > 0 && err != NULL) {
            char tmp[SB_ERR_MSG_MAX];

            snprintf(tmp, sizeof(tmp), "%s", err->msg);
            sb_err_set(err, rc, "%s's max_chain_length %d: %s", p->id, p->max_chain_length, tmp);
        }
        return rc;
    }
    return sb_trust_policy_check_path(p, res->chain, res->policies, NULL, err);
}

enum sb_reason sb_trust_policy_validation_time(const struct sb_trust_policy *p, time_t now,
                                               const time_t *signing_time, time_t *at, struct sb_err *err)
{
    char st[32], nw[32];

    *at = now;
    if (signing_time == NULL) {
        return SB_OK;
    }
    if (*signing_time > now + (time_t)p->max_clock_skew_s) {
        sb_time_format(*signing_time, st, sizeof(st));
        sb_time_format(now, nw, sizeof(nw));
        return sb_err_set(err, SB_R_SIG_CONSTRAINTS,
                          "claimed signing time %s is later than now (%s) plus %s's max_clock_skew_s of %d s", st, nw,
                          p->id, p->max_clock_skew_s);
    }
    if (p->validate_at == SB_TP_AT_SIGNING_TIME && *signing_time < now) {
        *at = *signing_time;
    }
    return SB_OK;
}

/* cand may have signed an object issued by name: named so, a bounded key, not the object itself. */
static EVP_PKEY *prime_signer(X509 *cand, const X509_NAME *name, const void *self)
{
    EVP_PKEY *key = sb_cert_pubkey(cand);

    if ((const void *)cand == self || X509_NAME_cmp(X509_get_subject_name(cand), name) != 0 || key == NULL ||
        !sb_sig_key_cheap_to_verify(key)) {
        return NULL;
    }
    return key;
}

size_t sb_trust_policy_prime_signatures(const struct sb_trust_policy *p, struct sb_sig_memo *m)
{
    STACK_OF(X509) *pools[2];
    X509 *x, *cand;
    X509_CRL *crl;
    EVP_PKEY *key;
    size_t n = 0;
    int i, j, k;

    if (p == NULL || m == NULL) {
        return 0;
    }
    pools[0] = p->anchors;
    pools[1] = p->intermediates;
    for (k = 0; k < 2; k++) {
        for (j = 0; j < sk_X509_num(pools[k]); j++) {
            cand = sk_X509_value(pools[k], j);
            for (i = 0; i < sk_X509_num(p->intermediates); i++) {
                x = sk_X509_value(p->intermediates, i);
                if ((key = prime_signer(cand, X509_get_issuer_name(x), x)) != NULL &&
                    sb_sig_verify_cert_memo(m, x, cand, key, p->sm2_default_id, NULL) == SB_OK) {
                    n++;
                }
            }
            for (i = 0; i < sk_X509_CRL_num(p->crls); i++) {
                crl = sk_X509_CRL_value(p->crls, i);
                if ((key = prime_signer(cand, X509_CRL_get_issuer(crl), NULL)) != NULL &&
                    sb_sig_verify_crl_memo(m, crl, cand, key, p->sm2_default_id, NULL) == SB_OK) {
                    n++;
                }
            }
        }
    }
    ERR_clear_error();
    return n;
}
