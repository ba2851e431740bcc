/*
 * pki/policy/trust_policy.h — per-jurisdiction trust policies (policies/<jurisdiction>.yaml) and the policy set.
 *
 * A trust policy says what one jurisdiction trusts: its anchors and intermediates, the signature
 * algorithms and RSA key sizes it accepts, which certificate policies (OIDs, "*" = prefix) and key
 * usages an end-entity certificate must carry, how long a path may be, how revocation is checked, which
 * time validation uses and the SM2 distinguishing ID. The loader (libyaml events, never hand-parsed) is
 * strict: unknown keys, wrong types, missing required keys, malformed OIDs, unreadable or non-certificate
 * anchor files, expired anchors, duplicate keys, YAML anchors/aliases/tags — each is an error
 * "path:line:col: key.path: what was expected" in a struct sb_diag (pki/base/diag.h); all errors of a file
 * (up to SB_TP_MAX_ERRORS) are collected before the load fails. The YAML layer is pki/base/yaml_tree.h and
 * yaml_schema.h, shared with the daemon's configuration. Relative file names resolve against the policy
 * file's directory.
 *
 * The policy set (every *.yaml of a directory plus recognition.yaml, see recognition.h) is immutable once
 * loaded and reference-counted, so a daemon can publish it and swap it atomically; its id is the SHA-256
 * of every input (file names and bytes, referenced certificate and CRL files included).
 *
 * Trusted lists (trust_anchors: - trusted_list: FILE, signer: CERT) are verified with pki/policy/trustlist.h when
 * the policy loads; the CA services granted at that moment give anchors (historical status is not
 * replayed for past validation times). No network fetches. Loading does file I/O; everything else is
 * pure and thread-safe on a loaded (immutable) policy.
 */
#ifndef SB_TRUST_POLICY_H
#define SB_TRUST_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>
#include "pki/x509/chain.h"
#include "pki/base/diag.h"
#include "pki/base/err.h"
#include "pki/x509/path.h"
#include "pki/x509/revocation.h"

#define SB_TP_MAX_ERRORS        20                /* errors kept per file (= SB_Y_MAX_ERRORS), then "more follow" */
#define SB_TP_MAX_FILE          (1024u * 1024u)   /* largest policy file (= SB_Y_MAX_FILE) */
#define SB_TP_MAX_FILES         64                /* policy files in one directory */
#define SB_TP_MAX_CERT_POLICIES 32                /* certificate policies considered per certificate */
#define SB_TP_OID_MAX           128               /* longest OID or OID pattern, in characters */
#define SB_TP_ID_MAX            32                /* longest jurisdiction id */
#define SB_TP_RECOGNITION_FILE  "recognition.yaml"

enum sb_tp_validate_at {
    SB_TP_AT_NOW = 0,          /* validate at the current time (default) */
    SB_TP_AT_SIGNING_TIME      /* at the signer's claimed signing time (weaker: trusts the claim) */
};

/* Assurance levels (eIDAS-like names), ordered. */
enum sb_tp_level {
    SB_TP_LEVEL_NONE = 0,      /* no level could be established */
    SB_TP_LEVEL_LOW,
    SB_TP_LEVEL_SUBSTANTIAL,
    SB_TP_LEVEL_HIGH,
    SB_TP_LEVEL__COUNT
};

/* A certificate policy OID ("1.2.3") or OID prefix ("2.16.344.*": every OID below that arc). */
struct sb_tp_oid_pattern {
    char *text;                /* owned: as written */
    size_t prefix_len;         /* prefix pattern: length of the text before "*" ("2.16.344."); 0 = exact */
};

struct sb_tp_oid_list {
    struct sb_tp_oid_pattern *v;   /* owned */
    size_t n;
};

/* Where something came from in a policy file. */
struct sb_tp_source {
    char *file;                /* owned: the referenced file as written in the policy */
    unsigned line, col;        /* 1-based position of the value in the policy file */
};

struct sb_cert_index;

/* One jurisdiction's policy. Immutable after sb_trust_policy_load; read it, never write it. */
struct sb_trust_policy {
    char *id;                            /* owned: jurisdiction id ("hk") */
    char *description;                   /* owned; "" when absent */
    char *file;                          /* owned: the policy file, as given to the loader */
    unsigned id_line, id_col;            /* position of the jurisdiction value */
    STACK_OF(X509) *anchors;             /* owned: trust anchors (at least one) */
    struct sb_tp_source *anchor_src;     /* owned: one per anchor, same order */
    STACK_OF(X509) *intermediates;       /* owned: untrusted path candidates */
    struct sb_cert_index *anchor_index;  /* owned: anchors by subject (cert_index.h) */
    struct sb_cert_index *intermediate_index;   /* owned: intermediates by subject */
    uint32_t sig_allow;                  /* SB_SIGALG_* (sig.h); 0 = built-in strong defaults */
    int min_rsa_bits;                    /* default 2048 */
    struct sb_tp_oid_list policy_oids;   /* leaf must carry one (n == 0: no requirement) */
    int require_explicit_policy;         /* RFC 5280 initial-explicit-policy */
    uint32_t key_usage_any;              /* KU_* bits; the leaf needs at least one; 0 = no requirement */
    int max_chain_length;                /* certificates leaf..anchor inclusive; 0 = no limit */
    int profile;                         /* enum sb_profile: rfc5280 (default) or strict */
    struct sb_tp_oid_list levels[SB_TP_LEVEL__COUNT];   /* certificate policies giving each level */
    enum sb_revocation_mode revocation;  /* default prefer */
    STACK_OF(X509_CRL) *crls;            /* owned */
    unsigned char (*crl_sha256)[32];     /* owned (free): SHA-256 of each CRL's DER, same order (the evidence
                                          * names a deciding CRL by it without re-encoding it per request) */
    unsigned rev_sources;                /* SB_TP_SRC_* bits of revocation.sources; default embedded | files */
    int rev_ocsp_before_crl;             /* revocation.sources lists ocsp before crl */
    char **fetch_allow;                  /* owned: revocation.fetch.allow (URL prefixes), n in fetch.n_allow */
    struct sb_rev_fetch fetch;           /* revocation.fetch.* and max_age_s (fetch.allow = fetch_allow) */
    enum sb_tp_validate_at validate_at;
    int max_clock_skew_s;                /* default 300 */
    char *sm2_default_id;                /* owned: SM2 ID for certificate and CRL signatures */
    int xml_require_full_coverage;       /* xml.require_full_coverage: XML-DSig content outside every reference
                                          * is UNSIGNED_CONTENT (default 0: listed only) */
    unsigned char digest[32];            /* SHA-256 of the file and every file it references */
};

/* revocation.sources bits. */
#define SB_TP_SRC_EMBEDDED 0x1u          /* CRLs carried in the signed object */
#define SB_TP_SRC_OCSP     0x2u          /* OCSP responders asked by the caller (the daemon, the CLI with --fetch) */
#define SB_TP_SRC_CRL      0x4u          /* CRL distribution points fetched by the caller (the daemon) */
#define SB_TP_SRC_FILES    0x8u          /* revocation.crl */

/* The certificate policies that count for a leaf (dotted text, anyPolicy never included). */
struct sb_tp_cert_policies {
    size_t n;
    char oid[SB_TP_MAX_CERT_POLICIES][SB_TP_OID_MAX];
};

/* What sb_chain_validate needs to validate under a policy. */
struct sb_tp_inputs {
    struct sb_path_opts opts;            /* the policy's options (opts.crls = crls); the caller may tighten */
    STACK_OF(X509) *anchors;             /* borrowed: the policy's anchors */
    STACK_OF(X509) *untrusted;           /* owned: the policy's intermediates + the caller's extras */
    STACK_OF(X509_CRL) *crls;            /* owned: the policy's CRLs + the caller's extras */
};

/* Where sb_trust_policy_check_path found the certificate policy it accepted. */
struct sb_tp_policy_match {
    char oid[SB_TP_OID_MAX];             /* the certificate's policy; "" when none matched / not required */
    const struct sb_tp_oid_pattern *pattern;   /* borrowed from the policy; NULL when none */
};

struct sb_policy_set;                    /* opaque: immutable, refcounted snapshot */

/* ---- one policy file ------------------------------------------------------------------------ */

/* Load and check one policy file; *out is new and immutable (sb_trust_policy_free). On failure each
 * problem is appended to diag (may be NULL) as "path:line:col: key.path: …", err holds the first, and
 * the reason is INPUT_UNREADABLE (file unreadable) or INPUT_MALFORMED. */
enum sb_reason sb_trust_policy_load(const char *path, struct sb_diag *diag, struct sb_trust_policy **out,
                                    struct sb_err *err) SB_MUST_USE;
/* Free p (NULL is a no-op). */
void sb_trust_policy_free(struct sb_trust_policy *p);

/* Name of one SB_SIGALG_* bit ("rsa-pkcs1-sha256"), NULL if bit is not exactly one known class. */
const char *sb_tp_sigalg_name(uint32_t bit);
/* Name of one KU_* bit ("digitalSignature"), NULL if unknown. */
const char *sb_tp_key_usage_name(uint32_t bit);
/* "low" / "substantial" / "high" / "none". */
const char *sb_tp_level_name(enum sb_tp_level l);
/* "off" / "prefer" / "require". */
const char *sb_tp_revocation_name(enum sb_revocation_mode m);

/* ---- applying a policy ---------------------------------------------------------------------- */

/* Build in for validating under p at time at: p's algorithms, explicit-policy, revocation mode, CRLs,
 * SM2 ID and path length; extra_untrusted / extra_crls (may be NULL) are added (references taken).
 * Release with sb_tp_inputs_clear. */
enum sb_reason sb_trust_policy_prepare(const struct sb_trust_policy *p, STACK_OF(X509) *extra_untrusted,
                                       STACK_OF(X509_CRL) *extra_crls, time_t at, struct sb_tp_inputs *in,
                                       struct sb_err *err) SB_MUST_USE;
/* Release what in owns and zero it. */
void sb_tp_inputs_clear(struct sb_tp_inputs *in);

struct sb_sig_memo;
/* Verify into m (pki/x509/sig_memo.h) the signatures of p's own objects, so that no request pays for them:
 * each intermediate and each CRL under every anchor or intermediate named like its issuer, with p's SM2 ID.
 * Only what verifies is remembered; nothing is judged here (validations still judge every path). Returns
 * the number of signatures remembered. For loaders, after a snapshot is built. */
size_t sb_trust_policy_prime_signatures(const struct sb_trust_policy *p, struct sb_sig_memo *m);

/* After a successful sb_chain_validate: check chain (leaf → anchor) against p's max_chain_length
 * (CHAIN_TOO_LONG), key_usage any-of (KEY_USAGE) and policy_oids (POLICY), naming the certificate, the
 * OIDs and the policy's patterns. valid_policies is the path's valid policy set (NULL: recomputed from
 * chain). m (may be NULL) says which OID matched which pattern. */
enum sb_reason sb_trust_policy_check_path(const struct sb_trust_policy *p, STACK_OF(X509) *chain,
                                          STACK_OF(ASN1_OBJECT) *valid_policies, struct sb_tp_policy_match *m,
                                          struct sb_err *err) SB_MUST_USE;
/* sb_chain_validate(&in->opts, leaf, in->anchors, in->untrusted) then sb_trust_policy_check_path. */
enum sb_reason sb_trust_policy_validate(const struct sb_trust_policy *p, const struct sb_tp_inputs *in, X509 *leaf,
                                        struct sb_chain_result *res, struct sb_err *err) SB_MUST_USE;
/* The validation time under p: now, or (validate_at: signing_time) the claimed signing time when one is
 * given (signing_time may be NULL). A claimed time later than now + max_clock_skew_s is SIG_CONSTRAINTS
 * in either mode. */
enum sb_reason sb_trust_policy_validation_time(const struct sb_trust_policy *p, time_t now,
                                               const time_t *signing_time, time_t *at,
                                               struct sb_err *err) SB_MUST_USE;

/* The policies of leaf that count: valid_policies minus anyPolicy, plus leaf's own certificatePolicies
 * when valid_policies holds anyPolicy or is NULL. At most SB_TP_MAX_CERT_POLICIES (the rest are ignored,
 * which can only make matching fail). */
void sb_tp_cert_policies(X509 *leaf, STACK_OF(ASN1_OBJECT) *valid_policies, struct sb_tp_cert_policies *out);
/* First pattern of l that oid (dotted text) matches, or NULL. */
const struct sb_tp_oid_pattern *sb_tp_oid_match(const struct sb_tp_oid_list *l, const char *oid);
/* Highest level p assigns to any of cp (NONE if none); *oid (may be NULL) gets the policy that gave it. */
enum sb_tp_level sb_trust_policy_level(const struct sb_trust_policy *p, const struct sb_tp_cert_policies *cp,
                                       const char **oid);
/* "[a, b, c]" of l into buf (truncated with "..." when too long). */
void sb_tp_oid_list_text(const struct sb_tp_oid_list *l, char *buf, size_t len);

/* ---- the policy set ------------------------------------------------------------------------- */

/* Load every *.yaml of dir (names starting with '.' skipped) as a jurisdiction and dir/recognition.yaml
 * (optional: without it nothing is recognised) as the recognition rules; check the whole set (duplicate
 * jurisdictions, rules naming unknown ones). *out is new with one reference (sb_policy_set_free). On
 * failure diag holds every error of every file and err the first. */
enum sb_reason sb_policy_set_load(const char *dir, struct sb_diag *diag, struct sb_policy_set **out,
                                  struct sb_err *err) SB_MUST_USE;
/* Take one more reference (atomic; any thread). */
void sb_policy_set_up_ref(struct sb_policy_set *s);
/* Drop one reference; the last one frees the set. NULL is a no-op. */
void sb_policy_set_free(struct sb_policy_set *s);
/* Lowercase hex SHA-256 over every input file (names and bytes). */
const char *sb_policy_set_id(const struct sb_policy_set *s);
/* The directory the set was loaded from. */
const char *sb_policy_set_dir(const struct sb_policy_set *s);
/* Number of jurisdictions, and the i-th (sorted by file name); NULL when out of range. */
size_t sb_policy_set_count(const struct sb_policy_set *s);
const struct sb_trust_policy *sb_policy_set_get0(const struct sb_policy_set *s, size_t i);
/* The jurisdiction with this id, or NULL. */
const struct sb_trust_policy *sb_policy_set_find(const struct sb_policy_set *s, const char *id);
/* The recognition rules (struct sb_recognition, recognition.h); never NULL (may hold no rules). */
const struct sb_recognition *sb_policy_set_recognition(const struct sb_policy_set *s);

#endif
