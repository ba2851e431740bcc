/*
 * pki/policy/trust_policy_load.c — loading one jurisdiction policy file (schema: DESIGN §4, policies/README.md).
 *
 * Each section of the file is one key table below (name, type, required, field, bounds, setter): a new
 * key is one row, one line in policies/README.md and one case in tests/unit/test_trust_policy.c.
 */
#include "pki/policy/trust_policy_local.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "pki/x509/cert_index.h"
#include "pki/base/load.h"
#include "pki/verdict/report.h"
#include "pki/base/rfc3339_time.h"
#include "pki/crypto/sig.h"
#include "pki/crypto/sm2.h"
#include "pki/policy/trustlist.h"

#define P_OFF(field) offsetof(struct sb_trust_policy, field)
#define NO_OFF ((size_t)-1)

/* Every key of a policy file, for "did you mean" hints across sections. */
static const char *const all_keys[] = {
    "jurisdiction", "description", "trust_anchors", "trust_anchors[].file", "intermediates",
    "algorithms", "algorithms.signature", "algorithms.min_rsa_bits",
    "certificate", "certificate.policy_oids", "certificate.require_explicit_policy", "certificate.key_usage",
    "certificate.max_chain_length", "certificate.assurance_levels",
    "revocation", "revocation.mode", "revocation.crl", "time", "time.validate_at", "time.max_clock_skew_s",
    "sm2", "sm2.default_id", NULL,
};

/* ---- names ------------------------------------------------------------------------------------- */

struct named_bit {
    const char *name;
    uint32_t bit;
};

static const struct named_bit sigalgs[] = {
    { "rsa-pkcs1-sha256", SB_SIGALG_RSA_PKCS1_SHA256 }, { "rsa-pkcs1-sha384", SB_SIGALG_RSA_PKCS1_SHA384 },
    { "rsa-pkcs1-sha512", SB_SIGALG_RSA_PKCS1_SHA512 }, { "rsa-pss-sha256", SB_SIGALG_RSA_PSS_SHA256 },
    { "rsa-pss-sha384", SB_SIGALG_RSA_PSS_SHA384 },     { "rsa-pss-sha512", SB_SIGALG_RSA_PSS_SHA512 },
    { "ecdsa-sha256", SB_SIGALG_ECDSA_SHA256 },         { "ecdsa-sha384", SB_SIGALG_ECDSA_SHA384 },
    { "ecdsa-sha512", SB_SIGALG_ECDSA_SHA512 },         { "sm2-sm3", SB_SIGALG_SM2_SM3 },
    { "ed25519", SB_SIGALG_ED25519 },                   { "ed448", SB_SIGALG_ED448 },
    { "rsa-pkcs1-sha1", SB_SIGALG_RSA_PKCS1_SHA1 },     { "ecdsa-sha1", SB_SIGALG_ECDSA_SHA1 },
};
#define N_SIGALGS (sizeof(sigalgs) / sizeof(sigalgs[0]))

static const struct named_bit kus[] = {
    { "digitalSignature", KU_DIGITAL_SIGNATURE }, { "nonRepudiation", KU_NON_REPUDIATION },
    { "contentCommitment", KU_NON_REPUDIATION },  { "keyEncipherment", KU_KEY_ENCIPHERMENT },
    { "dataEncipherment", KU_DATA_ENCIPHERMENT }, { "keyAgreement", KU_KEY_AGREEMENT },
    { "keyCertSign", KU_KEY_CERT_SIGN },          { "cRLSign", KU_CRL_SIGN },
    { "encipherOnly", KU_ENCIPHER_ONLY },         { "decipherOnly", KU_DECIPHER_ONLY },
};
#define N_KUS (sizeof(kus) / sizeof(kus[0]))

const char *sb_tp_sigalg_name(uint32_t bit)
{
    size_t i;

    for (i = 0; i < N_SIGALGS; i++) {
        if (sigalgs[i].bit == bit) {
            return sigalgs[i].name;
        }
    }
    return NULL;
}

const char *sb_tp_key_usage_name(uint32_t bit)
{
    size_t i;

    for (i = 0; i < N_KUS; i++) {
        if (kus[i].bit == bit) {
            return kus[i].name;
        }
    }
    return NULL;
}

/* Look s up in t; report "unknown WHAT" with a hint or the list at v. 0 when unknown. */
static uint32_t lookup_bit(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, const char *s,
                           const struct named_bit *t, size_t n, const char *what)
{
    const char *names[32] = { NULL }, *hint;
    char list[512];
    size_t i, o = 0;

    for (i = 0; i < n && i < 32; i++) {
        if (strcmp(s, t[i].name) == 0) {
            return t[i].bit;
        }
        names[i] = t[i].name;
    }
    if (!sb_y_capped(c) && (hint = sb_y_nearest(s, names, i)) != NULL) {
        sb_y_error_at(c, v, kpath, "unknown %s '%s' (did you mean '%s'?)", what, s, hint);
        return 0;
    }
    list[0] = '\0';
    for (i = 0; i < n && o < sizeof(list); i++) {
        int w = snprintf(list + o, sizeof(list) - o, "%s%s", i > 0 ? ", " : "", t[i].name);

        o += w > 0 ? (size_t)w : 0;
    }
    sb_y_error_at(c, v, kpath, "unknown %s '%s'; expected one of %s", what, s, list);
    return 0;
}

/* ---- setters ----------------------------------------------------------------------------------- */

static void set_jurisdiction(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                             const char *kpath)
{
    struct sb_trust_policy *p = obj;
    const char *s;

    (void)k;
    if (!sb_y_str(c, v, kpath, 64, &s)) {
        return;
    }
    if (!sb_tp_id_ok(s)) {
        sb_y_error_at(c, v, kpath,
                      "expected an id of a lowercase letter then up to 31 lowercase letters, digits, '-' or '_' "
                      "(such as hk), got '%s'", s);
        return;
    }
    free(p->id);
    if ((p->id = strdup(s)) == NULL) {
        sb_y_error_at(c, v, kpath, "out of memory");
        return;
    }
    p->id_line = v->line;
    p->id_col = v->col;
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

static void set_anchor_file(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    struct sb_trust_policy *p = obj;
    STACK_OF(X509) *certs = NULL;
    char subj[256], when[32];
    time_t t;
    int i, j, frac;

    (void)k;
    if (!sb_y_load_certs(c, v, kpath, &certs)) {
        goto out;
    }
    for (i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);

        sb_report_name(X509_get_subject_name(x), subj, sizeof(subj));
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
static void set_trusted_list(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                             const char *kpath)
{
    (void)c;
    (void)obj;
    (void)k;
    (void)v;
    (void)kpath;
}

static const struct sb_ynode *map_get(const struct sb_ynode *map, const char *key)
{
    size_t i;

    for (i = 0; i + 1 < map->n; i += 2) {
        const struct sb_ynode *k = map->kids[i];

        if (k->kind == SB_YN_SCALAR && k->value != NULL && strcmp(k->value, key) == 0) {
            return map->kids[i + 1];
        }
    }
    return NULL;
}

/*
 * `- trusted_list: FILE` + `signer: CERT`: verify the ETSI TS 119 612 list against the signer, refuse a
 * stale list (NextUpdate passed), and add the certificates of every CA service granted now as anchors.
 */
static void load_trusted_list(struct sb_yctx *c, struct sb_trust_policy *p, const struct sb_ynode *e,
                              const char *kpath)
{
    const struct sb_ynode *tl = map_get(e, "trusted_list"), *sg = map_get(e, "signer");
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
    if (!sb_y_load_certs(c, sg, spath, &signers) ||
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
    { "file", SB_YT_STR, 0, NO_OFF, 0, 0, set_anchor_file, "a certificate file (PEM or DER)" },
    { "trusted_list", SB_YT_STR, 0, NO_OFF, 0, 0, set_trusted_list, "an ETSI TS 119 612 trusted list file" },
    { "signer", SB_YT_STR, 0, NO_OFF, 0, 0, set_trusted_list, "the trusted list signer's certificate file" },
};

static int map_has(const struct sb_ynode *map, const char *key)
{
    size_t i;

    for (i = 0; i + 1 < map->n; i += 2) {
        const struct sb_ynode *k = map->kids[i];

        if (k->kind == SB_YN_SCALAR && k->value != NULL && strcmp(k->value, key) == 0) {
            return 1;
        }
    }
    return 0;
}

static void set_anchors(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
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
        sb_y_walk(c, e, child, anchor_keys, sizeof(anchor_keys) / sizeof(anchor_keys[0]), obj, all_keys);
        if (map_has(e, "trusted_list")) {
            load_trusted_list(c, obj, e, child);
        } else if (map_has(e, "signer")) {
            sb_y_kpath_key(fpath, sizeof(fpath), child, "signer");
            sb_y_error_at(c, e, fpath, "'signer' belongs to a 'trusted_list' entry");
        }
        if (!map_has(e, "file") && !map_has(e, "trusted_list")) {
            sb_y_kpath_key(fpath, sizeof(fpath), child, "file");
            sb_y_error_at(c, e, fpath, "required key is missing (expected a certificate file (PEM or DER))");
        }
    }
}

static void set_intermediates(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
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
        if (!sb_y_load_certs(c, v->kids[i], child, &certs)) {
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

static void set_sigalgs(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                        const char *kpath)
{
    struct sb_trust_policy *p = obj;
    char child[SB_Y_KPATH_MAX];
    const char *s;
    uint32_t bit;
    size_t i, j;

    (void)k;
    if (v->n == 0) {
        sb_y_error_at(c, v, kpath, "expected at least one algorithm (remove the key for the built-in list)");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (!sb_y_str(c, v->kids[i], child, 64, &s)) {
            continue;
        }
        if ((bit = lookup_bit(c, v->kids[i], child, s, sigalgs, N_SIGALGS, "signature algorithm")) == 0) {
            continue;
        }
        if ((p->sig_allow & bit) != 0) {
            for (j = 0; j < i && (v->kids[j]->value == NULL || strcmp(v->kids[j]->value, s) != 0); j++) {
            }
            sb_y_error_at(c, v->kids[i], child, "duplicate entry '%s' (first at line %u, column %u)", s,
                          v->kids[j < i ? j : 0]->line, v->kids[j < i ? j : 0]->col);
            continue;
        }
        p->sig_allow |= bit;
    }
}

static void set_policy_oids(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    struct sb_trust_policy *p = obj;

    (void)k;
    sb_y_oid_list(c, v, kpath, &p->policy_oids, 0);
}

static void set_key_usage(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                          const char *kpath)
{
    struct sb_trust_policy *p = obj;
    char child[SB_Y_KPATH_MAX], part[64];
    const char *s, *bar;
    size_t i, plen;

    (void)k;
    if (v->n == 0) {
        sb_y_error_at(c, v, kpath, "expected at least one key usage (remove the key to require none)");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (!sb_y_str(c, v->kids[i], child, 256, &s)) {
            continue;
        }
        /* "a|b" is shorthand for listing a and b: any one of them satisfies the policy */
        for (;;) {
            bar = strchr(s, '|');
            plen = bar != NULL ? (size_t)(bar - s) : strlen(s);
            if (plen == 0 || plen >= sizeof(part)) {
                sb_y_error_at(c, v->kids[i], child, "expected key usage names separated by '|', got '%s'",
                              v->kids[i]->value);
                break;
            }
            memcpy(part, s, plen);
            part[plen] = '\0';
            p->key_usage_any |= lookup_bit(c, v->kids[i], child, part, kus, N_KUS, "key usage");
            if (bar == NULL) {
                break;
            }
            s = bar + 1;
        }
    }
}

static void set_level(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                      const char *kpath)
{
    struct sb_trust_policy *p = obj;

    sb_y_oid_list(c, v, kpath, &p->levels[k->min], 1);
}

static const struct sb_ykey level_keys[] = {
    { "low", SB_YT_SEQ, 0, NO_OFF, SB_TP_LEVEL_LOW, 0, set_level, "a list of OIDs or OID prefixes" },
    { "substantial", SB_YT_SEQ, 0, NO_OFF, SB_TP_LEVEL_SUBSTANTIAL, 0, set_level, "a list of OIDs or OID prefixes" },
    { "high", SB_YT_SEQ, 0, NO_OFF, SB_TP_LEVEL_HIGH, 0, set_level, "a list of OIDs or OID prefixes" },
};

static void set_levels(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kpath)
{
    (void)k;
    sb_y_walk(c, v, kpath, level_keys, sizeof(level_keys) / sizeof(level_keys[0]), obj, all_keys);
}

static void set_rev_mode(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                         const char *kpath)
{
    static const char *const names[] = { "require", "prefer", "off" };
    struct sb_trust_policy *p = obj;

    (void)k;
    switch (sb_y_enum(c, v, kpath, names, 3)) {
    case 0:
        p->revocation = SB_REV_REQUIRE;
        return;
    case 1:
        p->revocation = SB_REV_PREFER;
        return;
    case 2:
        p->revocation = SB_REV_OFF;
        return;
    default:
        return;
    }
}

static void set_crls(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                     const char *kpath)
{
    struct sb_trust_policy *p = obj;
    char child[SB_Y_KPATH_MAX], resolved[PATH_MAX];
    unsigned char *data;
    struct sb_err e;
    size_t i, len;

    (void)k;
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (!sb_y_read_ref(c, v->kids[i], child, &data, &len, resolved, sizeof(resolved))) {
            continue;
        }
        free(data);
        sb_err_clear(&e);
        if (sb_load_crls(resolved, &p->crls, &e) != SB_OK) {
            sb_y_error_at(c, v->kids[i], child, "not a CRL file: %s", e.msg);
        }
    }
}

static void set_validate_at(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    static const char *const names[] = { "now", "signing_time" };
    struct sb_trust_policy *p = obj;

    (void)k;
    switch (sb_y_enum(c, v, kpath, names, 2)) {
    case 0:
        p->validate_at = SB_TP_AT_NOW;
        return;
    case 1:
        p->validate_at = SB_TP_AT_SIGNING_TIME;
        return;
    default:
        return;
    }
}

static void set_sm2_id(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                       const char *kpath)
{
    struct sb_trust_policy *p = obj;
    const char *s;
    char *dup;

    if (!sb_y_str(c, v, kpath, (size_t)k->max, &s)) {
        return;
    }
    if ((dup = strdup(s)) == NULL) {
        sb_y_error_at(c, v, kpath, "out of memory");
        return;
    }
    free(p->sm2_default_id);
    p->sm2_default_id = dup;
}

/* ---- the key tables ---------------------------------------------------------------------------- */

static const struct sb_ykey algorithm_keys[] = {
    { "signature", SB_YT_SEQ, 0, NO_OFF, 0, 0, set_sigalgs, "a list of algorithm names such as rsa-pkcs1-sha256" },
    { "min_rsa_bits", SB_YT_INT, 0, P_OFF(min_rsa_bits), 1024, 16384, NULL, "an integer from 1024 to 16384" },
};

static const struct sb_ykey certificate_keys[] = {
    { "policy_oids", SB_YT_SEQ, 0, NO_OFF, 0, 0, set_policy_oids, "a list of OIDs or OID prefixes" },
    { "require_explicit_policy", SB_YT_BOOL, 0, P_OFF(require_explicit_policy), 0, 1, NULL, "true or false" },
    { "key_usage", SB_YT_SEQ, 0, NO_OFF, 0, 0, set_key_usage, "a list of key usage names" },
    { "max_chain_length", SB_YT_INT, 0, P_OFF(max_chain_length), 1, SB_CHAIN_MAX_LEN, NULL,
      "an integer from 1 to 32" },
    { "assurance_levels", SB_YT_MAP, 0, NO_OFF, 0, 0, set_levels, "a mapping of low / substantial / high" },
};

static const struct sb_ykey revocation_keys[] = {
    { "mode", SB_YT_STR, 1, NO_OFF, 0, 0, set_rev_mode, "require, prefer or off" },
    { "crl", SB_YT_SEQ, 0, NO_OFF, 0, 0, set_crls, "a list of CRL files" },
};

static const struct sb_ykey time_keys[] = {
    { "validate_at", SB_YT_STR, 0, NO_OFF, 0, 0, set_validate_at, "now or signing_time" },
    { "max_clock_skew_s", SB_YT_INT, 0, P_OFF(max_clock_skew_s), 0, 86400, NULL, "an integer from 0 to 86400" },
};

static const struct sb_ykey sm2_keys[] = {
    { "default_id", SB_YT_STR, 0, NO_OFF, 0, 8191, set_sm2_id, "a quoted string such as \"1234567812345678\"" },
};

#define SECTION(name, table)                                                                               \
    static void set_##name(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v, \
                           const char *kpath)                                                              \
    {                                                                                                      \
        (void)k;                                                                                           \
        sb_y_walk(c, v, kpath, table, sizeof(table) / sizeof(table[0]), obj, all_keys);                    \
    }
SECTION(algorithms, algorithm_keys)
SECTION(certificate, certificate_keys)
SECTION(revocation, revocation_keys)
SECTION(time, time_keys)
SECTION(sm2, sm2_keys)
#undef SECTION

static const struct sb_ykey top_keys[] = {
    { "jurisdiction", SB_YT_STR, 1, NO_OFF, 0, 0, set_jurisdiction, "an id such as hk" },
    { "description", SB_YT_STR, 0, P_OFF(description), 0, 1024, NULL, "one line of text" },
    { "trust_anchors", SB_YT_SEQ, 1, NO_OFF, 0, 0, set_anchors, "a list of {file: PATH}" },
    { "intermediates", SB_YT_SEQ, 0, NO_OFF, 0, 0, set_intermediates, "a list of certificate files" },
    { "algorithms", SB_YT_MAP, 0, NO_OFF, 0, 0, set_algorithms, "a mapping with signature and min_rsa_bits" },
    { "certificate", SB_YT_MAP, 0, NO_OFF, 0, 0, set_certificate,
      "a mapping with policy_oids, key_usage, max_chain_length..." },
    { "revocation", SB_YT_MAP, 0, NO_OFF, 0, 0, set_revocation, "a mapping with mode and crl" },
    { "time", SB_YT_MAP, 0, NO_OFF, 0, 0, set_time, "a mapping with validate_at and max_clock_skew_s" },
    { "sm2", SB_YT_MAP, 0, NO_OFF, 0, 0, set_sm2, "a mapping with default_id" },
};

/* ---- lifecycle --------------------------------------------------------------------------------- */

void sb_trust_policy_free(struct sb_trust_policy *p)
{
    int i;
    size_t l;

    if (p == NULL) {
        return;
    }
    for (i = 0; i < sk_X509_num(p->anchors); i++) {
        free(p->anchor_src[i].file);
    }
    free(p->anchor_src);
    sk_X509_pop_free(p->anchors, X509_free);
    sk_X509_pop_free(p->intermediates, X509_free);
    sb_cert_index_free(p->anchor_index);
    sb_cert_index_free(p->intermediate_index);
    sk_X509_CRL_pop_free(p->crls, X509_CRL_free);
    sb_tp_oid_list_free(&p->policy_oids);
    for (l = 0; l < SB_TP_LEVEL__COUNT; l++) {
        sb_tp_oid_list_free(&p->levels[l]);
    }
    free(p->id);
    free(p->description);
    free(p->file);
    free(p->sm2_default_id);
    free(p);
}

static struct sb_trust_policy *policy_new(const char *path)
{
    struct sb_trust_policy *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        return NULL;
    }
    p->min_rsa_bits = 2048;
    p->revocation = SB_REV_PREFER;
    p->validate_at = SB_TP_AT_NOW;
    p->max_clock_skew_s = 300;
    p->file = strdup(path);
    p->description = strdup("");
    p->sm2_default_id = strdup(SB_SM2_DEFAULT_ID);
    p->anchors = sk_X509_new_null();
    p->intermediates = sk_X509_new_null();
    p->crls = sk_X509_CRL_new_null();
    if (p->file == NULL || p->description == NULL || p->sm2_default_id == NULL || p->anchors == NULL ||
        p->intermediates == NULL || p->crls == NULL) {
        sb_trust_policy_free(p);
        return NULL;
    }
    return p;
}

enum sb_reason sb_tp_load_file(const char *path, struct sb_tp_diag *diag, struct sb_trust_policy **out,
                               char *id_seen, size_t id_len, struct sb_err *err)
{
    struct sb_trust_policy *p = NULL;
    struct sb_ynode *root = NULL;
    struct sb_yctx c;
    struct sb_err first;
    char got[96];
    int r;
    enum sb_reason rc;

    *out = NULL;
    if (id_seen != NULL && id_len > 0) {
        id_seen[0] = '\0';
    }
    sb_err_clear(&first);
    if (!sb_yctx_init(&c, path, diag, &first) || (p = policy_new(path)) == NULL) {
        sb_yctx_done(&c, NULL);
        return sb_err_set(err, SB_R_INTERNAL, "%s: out of memory", path);
    }
    r = sb_yaml_load(&c, path, &root);
    if (r == 1) {
        if (root == NULL) {
            sb_y_error(&c, 1, 1, NULL, "the file is empty; expected a mapping with at least jurisdiction and "
                                       "trust_anchors");
        } else if (root->kind != SB_YN_MAP) {
            sb_ynode_describe(root, got, sizeof(got));
            sb_y_error_at(&c, root, NULL, "expected a mapping (key: value lines) at the top level, got %s", got);
        } else {
            sb_y_walk(&c, root, "", top_keys, sizeof(top_keys) / sizeof(top_keys[0]), p, all_keys);
        }
    }
    if (p->id != NULL && id_seen != NULL && id_len > 0) {
        snprintf(id_seen, id_len, "%s", p->id);
    }
    sb_yctx_done(&c, p->digest);
    if (c.nerr > 0) {
        rc = first.reason != SB_OK ? first.reason : SB_R_INPUT_MALFORMED;
        sb_err_set(err, rc, "%s", first.msg);
        goto err;
    }
    if ((p->anchor_index = sb_cert_index_new(p->anchors)) == NULL
        || (p->intermediate_index = sb_cert_index_new(p->intermediates)) == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "out of memory indexing %s's certificates", p->id);
        goto err;
    }
    *out = p;
    p = NULL;
    rc = SB_OK;
err:
    sb_ynode_free(root);
    sb_trust_policy_free(p);
    return rc;
}

enum sb_reason sb_trust_policy_load(const char *path, struct sb_tp_diag *diag, struct sb_trust_policy **out,
                                    struct sb_err *err)
{
    return sb_tp_load_file(path, diag, out, NULL, 0, err);
}
