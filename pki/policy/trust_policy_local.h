/*
 * pki/policy/trust_policy_local.h — private to pki/policy/trust_policy*.c, oid_pattern.c, policy_set.c and
 * recognition.c: the policy files' own vocabulary on top of the shared YAML layer (pki/base/yaml_tree.h,
 * yaml_schema.h) — OID pattern lists, jurisdiction ids, certificate files named in a policy — and the
 * loader entry the policy set uses.
 */
#ifndef SB_TRUST_POLICY_LOCAL_H
#define SB_TRUST_POLICY_LOCAL_H

#include <stddef.h>
#include <openssl/x509.h>
#include "pki/base/yaml_schema.h"
#include "pki/policy/trust_policy.h"

/* Check an OID or prefix pattern; 1 ok with *prefix_len set, 0 with *why set to a static explanation. */
int sb_tp_oid_pattern_check(const char *s, int allow_prefix, size_t *prefix_len, const char **why);
/* Read a list of OID patterns at v into l (duplicates and malformed entries reported). Empty lists are
 * an error unless allow_empty. */
void sb_tp_read_oid_list(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, struct sb_tp_oid_list *l,
                         int allow_empty);
void sb_tp_oid_list_free(struct sb_tp_oid_list *l);

/* Certificates of the file named at v (a string node; read and hashed through c), appended to *out;
 * 0 reported at v (*out untouched when the file fails half-way). */
int sb_tp_read_certs(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, STACK_OF(X509) **out);
/* Custom readers of the trust_anchors and intermediates keys (trust_policy_anchors.c); obj is the
 * struct sb_trust_policy being loaded. */
void sb_tp_read_anchors(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                        const char *kpath);
void sb_tp_read_intermediates(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                              const char *kpath);
/* Custom readers of revocation.sources and revocation.fetch.allow, and the checks between revocation keys
 * run once the whole file was walked (trust_policy_revocation.c); obj / p is the policy being loaded. */
void sb_tp_read_rev_sources(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath);
void sb_tp_read_fetch_allow(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                            const char *kpath);
void sb_tp_check_revocation(struct sb_yfile *c, const struct sb_ynode *root, struct sb_trust_policy *p);
/* Every key of a policy file as a dotted path, NULL-terminated: "did you mean" hints across sections. */
extern const char *const sb_tp_all_keys[];

/* Loader entry with the jurisdiction id reported even when the load fails (id_seen "" if unknown). */
enum sb_reason sb_tp_load_file(const char *path, struct sb_diag *diag, struct sb_trust_policy **out,
                               char *id_seen, size_t id_len, struct sb_err *err);

#endif
