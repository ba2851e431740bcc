/*
 * pki/policy/trust_policy_load.c — loading one jurisdiction policy file (schema: DESIGN §4, policies/README.md)
 * through the shared YAML layer (pki/base/yaml_schema.h).
 *
 * Each section of the file is one key table below (name, type, required, field, bounds, default, help,
 * custom reader where a value needs code): a new key is one row, one line in policies/README.md and one
 * case in tests/unit/test_trust_policy.c. trust_anchors and intermediates: trust_policy_anchors.c.
 */
#include "pki/policy/trust_policy_local.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "pki/base/load.h"
#include "pki/base/nearest.h"
#include "pki/crypto/sig.h"
#include "pki/crypto/sm2.h"
#include "pki/x509/cert_index.h"
#include "pki/x509/cert_decode.h"

#define P_OFF(field) offsetof(struct sb_trust_policy, field)

_Static_assert(SB_TP_MAX_ERRORS == SB_Y_MAX_ERRORS, "one per-file error cap");
_Static_assert(SB_TP_MAX_FILE == SB_Y_MAX_FILE, "one YAML file size cap");

/* Every key of a policy file, for "did you mean" hints across sections. */
const char *const sb_tp_all_keys[] = {
    "jurisdiction", "description", "trust_anchors", "trust_anchors[].file", "intermediates",
    "algorithms", "algorithms.signature", "algorithms.min_rsa_bits",
    "certificate", "certificate.policy_oids", "certificate.require_explicit_policy", "certificate.key_usage",
    "certificate.max_chain_length", "certificate.assurance_levels", "certificate.profile",
    "revocation", "revocation.mode", "revocation.crl", "revocation.sources", "revocation.fetch",
    "revocation.fetch.allow", "revocation.fetch.timeout_ms", "revocation.fetch.max_bytes", "revocation.max_age_s",
    "time", "time.validate_at", "time.max_clock_skew_s",
    "sm2", "sm2.default_id", "xml", "xml.require_full_coverage", NULL,
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
static uint32_t lookup_bit(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char *s,
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
    if (!sb_y_capped(c) && (hint = sb_nearest(s, names, i)) != NULL) {
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

/* A jurisdiction id: [a-z][a-z0-9_-]{0,31}. */
static int id_ok(const char *s)
{
    size_t i;

    if (!(s[0] >= 'a' && s[0] <= 'z')) {
        return 0;
    }
    for (i = 1; s[i] != '\0'; i++) {
        if (i >= SB_TP_ID_MAX || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
                                   s[i] == '_')) {
            return 0;
        }
    }
    return 1;
}

static void set_jurisdiction(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                             const char *kpath)
{
    struct sb_trust_policy *p = obj;
    const char *s;

    (void)k;
    if (!sb_y_str(c, v, kpath, 64, &s)) {
        return;
    }
    if (!id_ok(s)) {
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

static void set_sigalgs(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
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

static void set_policy_oids(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath)
{
    struct sb_trust_policy *p = obj;

    (void)k;
    sb_tp_read_oid_list(c, v, kpath, &p->policy_oids, 0);
}

static void set_key_usage(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
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

static void set_level(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                      const char *kpath)
{
    struct sb_trust_policy *p = obj;

    sb_tp_read_oid_list(c, v, kpath, &p->levels[k->aux], 1);
}

static void set_rev_mode(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
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

static void set_crls(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
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

/* ---- the key tables ---------------------------------------------------------------------------- */

#define OIDS "a list of OIDs or OID prefixes"

static const struct sb_ykey level_keys[] = {
    { .name = "low", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = OIDS, .set = set_level, .aux = SB_TP_LEVEL_LOW },
    { .name = "substantial", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = OIDS, .set = set_level,
      .aux = SB_TP_LEVEL_SUBSTANTIAL },
    { .name = "high", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = OIDS, .set = set_level, .aux = SB_TP_LEVEL_HIGH },
};

static const struct sb_ykey algorithm_keys[] = {
    { .name = "signature", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF,
      .help = "a list of algorithm names such as rsa-pkcs1-sha256", .set = set_sigalgs },
    { .name = "min_rsa_bits", .type = SB_YT_INT, .off = P_OFF(min_rsa_bits), .min = 1024, .max = 16384,
      .dflt = 2048, .help = "an integer from 1024 to 16384" },
};

/* enum sb_profile order; webpki is a command-line choice for TLS peers, not a jurisdiction's profile */
static const char *const profile_names[] = { "rfc5280", "strict", NULL };

static const struct sb_ykey certificate_keys[] = {
    { .name = "policy_oids", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = OIDS, .set = set_policy_oids },
    { .name = "require_explicit_policy", .type = SB_YT_BOOL, .off = P_OFF(require_explicit_policy),
      .help = "true or false" },
    { .name = "key_usage", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of key usage names",
      .set = set_key_usage },
    { .name = "max_chain_length", .type = SB_YT_INT, .off = P_OFF(max_chain_length), .min = 1,
      .max = SB_CHAIN_MAX_LEN, .help = "an integer from 1 to 32" },
    { .name = "assurance_levels", .type = SB_YT_MAP, .off = SB_Y_NO_OFF,
      .help = "a mapping of low / substantial / high", .sub = level_keys, .nsub = SB_Y_NKEYS(level_keys) },
    { .name = "profile", .type = SB_YT_ENUM, .off = P_OFF(profile), .dflt = SB_PROFILE_RFC5280,
      .help = "rfc5280 or strict", .names = profile_names },
};

static const struct sb_ykey fetch_keys[] = {
    { .name = "allow", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of http:// or https:// URL prefixes",
      .set = sb_tp_read_fetch_allow },
    { .name = "timeout_ms", .type = SB_YT_INT, .off = P_OFF(fetch.timeout_ms), .min = 100, .max = 30000,
      .dflt = 2000, .help = "an integer from 100 to 30000" },
    { .name = "max_bytes", .type = SB_YT_SIZE, .off = P_OFF(fetch.max_bytes), .min = 1024, .max = 256LL << 20,
      .dflt = 10LL << 20, .help = "a size from 1KiB to 256MiB" },
};

static const struct sb_ykey revocation_keys[] = {
    /* names in file order differ from enum sb_revocation_mode's: a custom reader maps them */
    { .name = "mode", .type = SB_YT_ENUM, .required = 1, .off = P_OFF(revocation), .dflt = SB_REV_PREFER,
      .help = "require, prefer or off", .set = set_rev_mode },
    { .name = "crl", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of CRL files", .set = set_crls },
    { .name = "sources", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF,
      .help = "a list of embedded, ocsp, crl, files (in order)", .set = sb_tp_read_rev_sources },
    { .name = "fetch", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping with allow, timeout_ms, max_bytes",
      .sub = fetch_keys, .nsub = SB_Y_NKEYS(fetch_keys) },
    { .name = "max_age_s", .type = SB_YT_INT, .off = P_OFF(fetch.max_age_s), .min = 0, .max = 2678400, .dflt = 0,
      .help = "an integer from 0 to 2678400 (31 days)" },
    { .name = "ocsp_nonce", .type = SB_YT_BOOL, .off = P_OFF(fetch.ocsp_nonce), .dflt = 0,
      .help = "true or false" },
};

static const char *const validate_at_names[] = { "now", "signing_time", NULL };   /* enum sb_tp_validate_at */

static const struct sb_ykey time_keys[] = {
    { .name = "validate_at", .type = SB_YT_ENUM, .off = P_OFF(validate_at), .dflt = SB_TP_AT_NOW,
      .help = "now or signing_time", .names = validate_at_names },
    { .name = "max_clock_skew_s", .type = SB_YT_INT, .off = P_OFF(max_clock_skew_s), .min = 0, .max = 86400,
      .dflt = 300, .help = "an integer from 0 to 86400" },
};

static const struct sb_ykey sm2_keys[] = {
    { .name = "default_id", .type = SB_YT_STR, .off = P_OFF(sm2_default_id), .max = 8191,
      .dflt_str = SB_SM2_DEFAULT_ID, .help = "a quoted string such as \"1234567812345678\"" },
};

static const struct sb_ykey xml_keys[] = {
    { .name = "require_full_coverage", .type = SB_YT_BOOL, .off = P_OFF(xml_require_full_coverage),
      .help = "true or false" },
};

static const struct sb_ykey top_keys[] = {
    { .name = "jurisdiction", .type = SB_YT_STR, .required = 1, .off = SB_Y_NO_OFF, .help = "an id such as hk",
      .set = set_jurisdiction },
    { .name = "description", .type = SB_YT_STR, .off = P_OFF(description), .max = 1024, .dflt_str = "",
      .help = "one line of text" },
    { .name = "trust_anchors", .type = SB_YT_SEQ, .required = 1, .off = SB_Y_NO_OFF,
      .help = "a list of {file: PATH}", .set = sb_tp_read_anchors },
    { .name = "intermediates", .type = SB_YT_SEQ, .off = SB_Y_NO_OFF, .help = "a list of certificate files",
      .set = sb_tp_read_intermediates },
    { .name = "algorithms", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping with signature and min_rsa_bits",
      .sub = algorithm_keys, .nsub = SB_Y_NKEYS(algorithm_keys) },
    { .name = "certificate", .type = SB_YT_MAP, .off = SB_Y_NO_OFF,
      .help = "a mapping with policy_oids, key_usage, max_chain_length...", .sub = certificate_keys,
      .nsub = SB_Y_NKEYS(certificate_keys) },
    { .name = "revocation", .type = SB_YT_MAP, .off = SB_Y_NO_OFF,
      .help = "a mapping with mode, sources, crl, fetch, max_age_s",
      .sub = revocation_keys, .nsub = SB_Y_NKEYS(revocation_keys) },
    { .name = "time", .type = SB_YT_MAP, .off = SB_Y_NO_OFF,
      .help = "a mapping with validate_at and max_clock_skew_s", .sub = time_keys, .nsub = SB_Y_NKEYS(time_keys) },
    { .name = "sm2", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping with default_id", .sub = sm2_keys,
      .nsub = SB_Y_NKEYS(sm2_keys) },
    { .name = "xml", .type = SB_YT_MAP, .off = SB_Y_NO_OFF, .help = "a mapping with require_full_coverage",
      .sub = xml_keys, .nsub = SB_Y_NKEYS(xml_keys) },
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
    free(p->crl_sha256);
    for (l = 0; l < p->fetch.n_allow; l++) {
        free(p->fetch_allow[l]);
    }
    free(p->fetch_allow);
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
    p->file = strdup(path);
    p->anchors = sk_X509_new_null();
    p->intermediates = sk_X509_new_null();
    p->crls = sk_X509_CRL_new_null();
    if (p->file == NULL || p->anchors == NULL || p->intermediates == NULL || p->crls == NULL ||
        !sb_y_defaults(top_keys, SB_Y_NKEYS(top_keys), p)) {
        sb_trust_policy_free(p);
        return NULL;
    }
    p->rev_sources = SB_TP_SRC_EMBEDDED | SB_TP_SRC_FILES;
    return p;
}

enum sb_reason sb_tp_load_file(const char *path, struct sb_diag *diag, struct sb_trust_policy **out,
                               char *id_seen, size_t id_len, struct sb_err *err)
{
    struct sb_trust_policy *p = NULL;
    struct sb_ynode *root = NULL;
    struct sb_yfile c;
    struct sb_err first;
    char got[96];
    enum sb_reason rc;
    int i;

    *out = NULL;
    if (id_seen != NULL && id_len > 0) {
        id_seen[0] = '\0';
    }
    sb_err_clear(&first);
    if (!sb_yfile_init(&c, path, &sb_ydoc_policy, diag, &first) || (p = policy_new(path)) == NULL) {
        sb_yfile_done(&c, NULL);
        return sb_err_set(err, SB_R_INTERNAL, "%s: out of memory", path);
    }
    if (sb_y_parse(&c, &root) == 1) {
        if (root == NULL) {
            sb_y_error(&c, 1, 1, NULL, "the file is empty; expected a mapping with at least jurisdiction and "
                                       "trust_anchors");
        } else if (root->kind != SB_YN_MAP) {
            sb_ynode_describe(root, got, sizeof(got));
            sb_y_error_at(&c, root, NULL, "expected a mapping (key: value lines) at the top level, got %s", got);
        } else {
            sb_y_walk(&c, root, "", top_keys, SB_Y_NKEYS(top_keys), p, sb_tp_all_keys);
            sb_tp_check_revocation(&c, root, p);
        }
    }
    if (p->id != NULL && id_seen != NULL && id_len > 0) {
        snprintf(id_seen, id_len, "%s", p->id);
    }
    sb_yfile_done(&c, p->digest);
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
    /* their DER digests, once: the signature memo and the caches name certificates by them */
    for (i = 0; i < sk_X509_num(p->anchors); i++) {
        (void)sb_cert_note_digest(sk_X509_value(p->anchors, i));
    }
    for (i = 0; i < sk_X509_num(p->intermediates); i++) {
        (void)sb_cert_note_digest(sk_X509_value(p->intermediates, i));
    }
    if (sk_X509_CRL_num(p->crls) > 0) {
        if ((p->crl_sha256 = calloc((size_t)sk_X509_CRL_num(p->crls), sizeof(*p->crl_sha256))) == NULL) {
            rc = sb_err_set(err, SB_R_INTERNAL, "out of memory hashing %s's CRLs", p->id);
            goto err;
        }
        for (i = 0; i < sk_X509_CRL_num(p->crls); i++) {
            if (!sb_crl_sha256(sk_X509_CRL_value(p->crls, i), p->crl_sha256[i])) {
                rc = sb_err_set(err, SB_R_INTERNAL, "cannot encode %s's CRL %d", p->id, i + 1);
                goto err;
            }
        }
    }
    *out = p;
    p = NULL;
    rc = SB_OK;
err:
    sb_ynode_free(root);
    sb_trust_policy_free(p);
    return rc;
}

enum sb_reason sb_trust_policy_load(const char *path, struct sb_diag *diag, struct sb_trust_policy **out,
                                    struct sb_err *err)
{
    return sb_tp_load_file(path, diag, out, NULL, 0, err);
}
