/*
 * pki/policy/recognition.h — mutual-recognition rules (policies/recognition.yaml) and the recognition decision.
 *
 * One rule per (from, to) pair of jurisdictions says which certificates of the sending side ("from") the
 * receiving side ("to") accepts — certificate policy OIDs (exact or "*" prefix) and/or a minimum
 * assurance level as the sending side's policy defines it (certificate.assurance_levels) — and how the
 * gateway attests for the receiving side (format, signing key file, certificate). No rule for a pair means
 * not recognised. The loader shares the trust-policy loader's strictness (located errors, all collected);
 * attestation key files readable by group or others are refused. The private key is only checked against
 * its certificate at load time and never kept: the set holds its path.
 *
 * Not done: the attestation itself (the translation module signs). Loading does file I/O; decisions are
 * pure and thread-safe on a loaded set.
 */
#ifndef SB_RECOGNITION_H
#define SB_RECOGNITION_H

#include <stddef.h>
#include <openssl/x509.h>
#include "pki/base/err.h"
#include "pki/policy/trust_policy.h"

enum sb_attest_format {
    SB_ATTEST_CMS = 0,         /* CMS / PKCS#7 SignedData */
    SB_ATTEST_GMT0010,         /* GM/T 0010 SignedData (SM2 key required) */
    SB_ATTEST_XMLDSIG          /* XML-DSig */
};

struct sb_recognition_rule {
    char *from;                          /* owned: sending jurisdiction */
    char *to;                            /* owned: receiving jurisdiction */
    unsigned line, col;                  /* where the rule starts in recognition.yaml */
    struct sb_tp_oid_list policy_oids;   /* accept.policy_oids (may be empty when min_level is set) */
    enum sb_tp_level min_level;          /* accept.min_level; NONE = no level required */
    int has_attest;                      /* attest block present */
    enum sb_attest_format attest_format;
    char *attest_key;                    /* owned: resolved path of the private key file */
    X509 *attest_cert;                   /* owned: the attestation certificate */
};

struct sb_recognition {
    char *file;                          /* owned: recognition.yaml path; NULL when the file is absent */
    struct sb_recognition_rule *rules;   /* owned */
    size_t n;
    unsigned char digest[32];            /* SHA-256 of the file and every file it references */
};

/* The outcome of sb_recognise. */
struct sb_recognition_decision {
    int accepted;                        /* 1: recognised */
    int rule;                            /* index of the (from, to) rule; -1 when there is none */
    char matched_oid[SB_TP_OID_MAX];     /* the certificate policy that matched accept.policy_oids; "" */
    const struct sb_tp_oid_pattern *matched_pattern;   /* borrowed from the set; NULL */
    enum sb_tp_level level;              /* the certificate's level under the sending policy */
    char why_not[SB_ERR_MSG_MAX];        /* "" when accepted */
};

/* Load recognition.yaml at path; from/to must name one of jurisdictions[0..n_jur). *out is new
 * (sb_recognition_free). Errors as sb_trust_policy_load (appended to diag, first in err). */
enum sb_reason sb_recognition_load(const char *path, const char *const *jurisdictions, size_t n_jur,
                                   struct sb_diag *diag, struct sb_recognition **out,
                                   struct sb_err *err) SB_MUST_USE;
/* An empty rule set (no recognition.yaml). */
struct sb_recognition *sb_recognition_new_empty(void);
/* Free r (NULL is a no-op). */
void sb_recognition_free(struct sb_recognition *r);
/* The rule for (from, to), or NULL; *index (may be NULL) gets its position. */
const struct sb_recognition_rule *sb_recognition_find(const struct sb_recognition *r, const char *from,
                                                      const char *to, size_t *index);
/* "cms" / "gmt0010" / "xmldsig". */
const char *sb_attest_format_name(enum sb_attest_format f);

/*
 * Does the receiving jurisdiction `to` recognise leaf, already validated under `from`'s policy with
 * valid policy set valid_policies (NULL: the leaf's certificatePolicies)? SB_OK when recognised; POLICY
 * when not (no rule for the pair, no accepted policy OID, level too low), USAGE for an unknown
 * jurisdiction. d (required) says which rule, which OID matched, and why not; err repeats why_not.
 */
enum sb_reason sb_recognise(const struct sb_policy_set *set, const char *from, const char *to, X509 *leaf,
                            STACK_OF(ASN1_OBJECT) *valid_policies, struct sb_recognition_decision *d,
                            struct sb_err *err) SB_MUST_USE;

#endif
