/*
 * pki/policy/trust_policy_local.h — private to trust_policy*.c and recognition.c: the YAML node tree built from
 * libyaml events (with each node's mark), the per-file loading context that collects located errors and
 * hashes every input, and the key-table walker that turns mappings into struct fields.
 */
#ifndef SB_TRUST_POLICY_LOCAL_H
#define SB_TRUST_POLICY_LOCAL_H

#include <limits.h>
#include <stddef.h>
#include <openssl/evp.h>
#include "pki/policy/trust_policy.h"

#define SB_Y_MAX_DEPTH 32           /* nesting of mappings / lists */
#define SB_Y_MAX_NODES 20000        /* nodes in one file */
#define SB_Y_KPATH_MAX 256          /* longest key path ("certificate.policy_oids[3]") */

enum sb_yn_kind { SB_YN_SCALAR, SB_YN_SEQ, SB_YN_MAP };

struct sb_ynode {
    enum sb_yn_kind kind;
    unsigned line, col;             /* 1-based */
    char *value;                    /* owned: scalar text (NUL-terminated); NULL otherwise */
    size_t len;
    int plain;                      /* plain (unquoted, unfolded) scalar: subject to type resolution */
    int bad;                        /* stands in for a refused construct that was already reported */
    struct sb_ynode **kids;         /* owned: list items, or key, value, key, value… for a mapping */
    size_t n, alloc;
};

/* One file being loaded. */
struct sb_yctx {
    const char *file;               /* as shown in messages */
    char dir[PATH_MAX];             /* directory that relative names resolve against */
    struct sb_tp_diag *diag;        /* may be NULL */
    struct sb_err *first;           /* gets the first error; may be NULL */
    size_t nerr;                    /* errors reported for this file */
    EVP_MD_CTX *md;                 /* SHA-256 of the file and everything it references */
};

enum sb_ytype { SB_YT_STR, SB_YT_INT, SB_YT_BOOL, SB_YT_SEQ, SB_YT_MAP };

struct sb_ykey;
typedef void (*sb_yset_fn)(struct sb_yctx *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                           const char *kpath);

/* One row of a section's key table: name, type, required, target field, bounds, setter, description. */
struct sb_ykey {
    const char *name;
    enum sb_ytype type;
    int required;
    size_t off;                     /* offsetof the field for the generic setters (char *, int); see set */
    long min, max;                  /* INT bounds; STR: max length; custom setters may use them */
    sb_yset_fn set;                 /* NULL = generic: STR strdup into char *, INT / BOOL into int */
    const char *expect;             /* what the value should be, for messages */
};

/* Context for file (display name) whose relative paths resolve against its directory. 0 on OOM. */
int sb_yctx_init(struct sb_yctx *c, const char *file, struct sb_tp_diag *diag, struct sb_err *first);
/* Finish the digest into out[32] and free the context's resources. */
void sb_yctx_done(struct sb_yctx *c, unsigned char out[32]);
/* Report "file:line:col: kpath: message" (kpath may be NULL) unless the cap is reached. */
void sb_y_error(struct sb_yctx *c, unsigned line, unsigned col, const char *kpath, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Same at node n's position. */
void sb_y_error_at(struct sb_yctx *c, const struct sb_ynode *n, const char *kpath, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Report an error with no position ("file: message"). */
void sb_y_error_file(struct sb_yctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 once the file has more errors than are shown: callers skip costly hints (edit distances). */
int sb_y_capped(const struct sb_yctx *c);
/* User text for a message: at most max characters of s[0..slen), control bytes shown as '?', "..." when cut. */
void sb_y_quote(const char *s, size_t slen, char *out, size_t len, size_t max);
/* Append a preformatted message to d. */
void sb_tp_diag_add(struct sb_tp_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read the file path (display name) whole, hash it into c->md and parse it into *root (NULL for an
 * empty document). -1 when the file cannot be read, 0 when it is not well-formed YAML (reported); 1
 * otherwise, though refused constructs (anchors, aliases, tags) may have been reported — check c->nerr. */
int sb_yaml_load(struct sb_yctx *c, const char *path, struct sb_ynode **root);
void sb_ynode_free(struct sb_ynode *n);
/* "a mapping", "a list", "string 'x'", "integer 5", "nothing (null)"… for messages. */
void sb_ynode_describe(const struct sb_ynode *n, char *buf, size_t len);

/* Walk mapping map (already known to be a mapping) with the key table keys: unknown keys (with a
 * nearest-name hint; elsewhere lists dotted names valid in other sections, NULL-terminated, may be
 * NULL), duplicate keys (naming the first), wrong types and missing required keys are reported; each
 * known, well-typed value goes to its setter. */
void sb_y_walk(struct sb_yctx *c, const struct sb_ynode *map, const char *kpath, const struct sb_ykey *keys,
               size_t nkeys, void *obj, const char *const *elsewhere);
/* Typed reads that report on failure (nothing reported for a node already marked bad). 1 ok, 0 not. */
int sb_y_str(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, size_t max_len, const char **out);
int sb_y_int(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, long min, long max, long *out);
int sb_y_bool(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, int *out);
int sb_y_seq(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, const char *expect);
int sb_y_map(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, const char *expect);
/* Index of v's string in names[0..n) or report "expected one of …" with a hint; -1 on failure. */
int sb_y_enum(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, const char *const *names, size_t n);
/* kpath + "." + key, kpath + "[i]" into out. */
void sb_y_kpath_key(char *out, size_t len, const char *kpath, const char *key);
void sb_y_kpath_idx(char *out, size_t len, const char *kpath, size_t i);

/* Nearest of names[0..n) to s by edit distance when close enough to be a likely typo, else NULL. */
const char *sb_y_nearest(const char *s, const char *const *names, size_t n);

/* Read the file a policy names at node v (relative to c->dir), hash "name\0bytes" into c->md. 1 ok and
 * *data (free()) / *len / resolved; 0 reported at v. */
int sb_y_read_ref(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, unsigned char **data,
                  size_t *len, char *resolved, size_t rlen);
/* Certificates of the file named at v (a string node), appended to *out; 0 reported at v. */
int sb_y_load_certs(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, STACK_OF(X509) **out);

/* Check an OID or prefix pattern; 1 ok with *prefix_len set, 0 with *why set to a static explanation. */
int sb_tp_oid_pattern_check(const char *s, int allow_prefix, size_t *prefix_len, const char **why);
/* Read a list of OID patterns at v into l (duplicates and malformed entries reported). Empty lists are
 * an error unless allow_empty. */
void sb_y_oid_list(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, struct sb_tp_oid_list *l,
                   int allow_empty);
void sb_tp_oid_list_free(struct sb_tp_oid_list *l);
/* Reject a jurisdiction id that is not [a-z][a-z0-9_-]{0,31}; 1 ok. */
int sb_tp_id_ok(const char *s);

/* Loader entry with the jurisdiction id reported even when the load fails (id_seen "" if unknown). */
enum sb_reason sb_tp_load_file(const char *path, struct sb_tp_diag *diag, struct sb_trust_policy **out,
                               char *id_seen, size_t id_len, struct sb_err *err);

#endif
