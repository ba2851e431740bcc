/*
 * pki/base/yaml_tree.h — the bottom of the YAML layer shared by conf/sigbridge.yaml, policies/<jurisdiction>.yaml and
 * recognition.yaml: one file is read whole (a regular file, size-capped), optionally hashed, and turned
 * from libyaml events into a small node tree that keeps every node's position (1-based line and column).
 * Errors are located ("file:line:col: key.path: message"), collected into a struct sb_diag (diag.h) up to
 * SB_Y_MAX_ERRORS per file, the first one also copied into a struct sb_err.
 *
 * Refused: YAML anchors, aliases and tags (a file must read the same to a human; no alias expansion can
 * ever happen, so no "billion laughs"), a second document, nesting deeper than SB_Y_MAX_DEPTH, more than
 * SB_Y_MAX_NODES nodes. Not done here: what scalars mean, keys and their types — yaml_schema.h sits on
 * top of this file (this file never calls it).
 *
 * One struct sb_yfile per file being loaded; no globals, so separate loads may run on separate threads.
 */
#ifndef SB_YAML_TREE_H
#define SB_YAML_TREE_H

#include <limits.h>
#include <stddef.h>
#include <openssl/evp.h>
#include "pki/base/diag.h"
#include "pki/base/err.h"

#define SB_Y_MAX_DEPTH  32              /* nesting of mappings / lists */
#define SB_Y_MAX_NODES  20000           /* nodes in one file */
#define SB_Y_MAX_ERRORS 20              /* messages kept per file; one more line says that more follow */
#define SB_Y_MAX_FILE   (1024u * 1024u) /* largest YAML file */
#define SB_Y_KPATH_MAX  256             /* longest key path ("certificate.policy_oids[3]", "routes[2].upstream") */

enum sb_yn_kind { SB_YN_SCALAR, SB_YN_SEQ, SB_YN_MAP };

struct sb_ynode {
    enum sb_yn_kind kind;
    unsigned line, col;             /* 1-based */
    char *value;                    /* owned: scalar text (NUL-terminated); NULL otherwise */
    size_t len;                     /* scalar length (a NUL inside makes strlen(value) shorter) */
    int plain;                      /* plain (unquoted, unfolded) scalar: subject to type resolution */
    int bad;                        /* stands in for a refused construct that was already reported */
    struct sb_ynode **kids;         /* owned: list items, or key, value, key, value… for a mapping */
    size_t n, alloc;
};

/* What kind of file is read: its name in messages, and whether it is hashed. Every other message is worded
 * the same for every file. */
struct sb_ydoc {
    const char *plural;             /* "policy files": "YAML anchors (&a) are not allowed in policy files" */
    const char *one;                /* "a policy file": "a second YAML document ('---'); a policy file holds…" */
    int hashed;                     /* 1: SHA-256 the file and every file it references (policy set id) */
};

/* The two kinds of file sigbridge reads. */
extern const struct sb_ydoc sb_ydoc_policy;   /* policies/<jurisdiction>.yaml, recognition.yaml */
extern const struct sb_ydoc sb_ydoc_conf;     /* conf/sigbridge.yaml */

/* One file being loaded. */
struct sb_yfile {
    const char *file;               /* borrowed: as shown in messages */
    char dir[PATH_MAX];             /* directory that relative names resolve against */
    const struct sb_ydoc *doc;      /* borrowed: static */
    struct sb_diag *diag;           /* borrowed; may be NULL */
    struct sb_err *first;           /* borrowed: gets the first error; may be NULL */
    size_t nerr;                    /* errors reported for this file */
    EVP_MD_CTX *md;                 /* owned: SHA-256 of the file and what it references; NULL unless hashed */
};

/* Set c up for file (display name; its directory becomes the base for relative names). 0 on OOM. */
int sb_yfile_init(struct sb_yfile *c, const char *file, const struct sb_ydoc *doc, struct sb_diag *diag,
                  struct sb_err *first);
/* Finish the digest into out[32] (out may be NULL; zeros when not hashed) and free c's resources. */
void sb_yfile_done(struct sb_yfile *c, unsigned char out[32]);

/* Report "file:line:col: kpath: message" (kpath may be NULL or "") unless the file's cap is reached. */
void sb_y_error(struct sb_yfile *c, unsigned line, unsigned col, const char *kpath, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Same at node n's position; n NULL: "file: kpath: message" (a problem of the whole file). */
void sb_y_error_at(struct sb_yfile *c, const struct sb_ynode *n, const char *kpath, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "file: message" (no position, no key path). */
void sb_y_error_file(struct sb_yfile *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 once the file has more errors than are shown: callers skip costly hints (edit distances). */
int sb_y_capped(const struct sb_yfile *c);
/* User text for a message: at most max characters of s[0..slen), control bytes shown as '?', "..." when cut. */
void sb_y_quote(const char *s, size_t slen, char *out, size_t len, size_t max);

/* Read c->file whole (at most SB_Y_MAX_FILE bytes), hash it (hashed docs) and parse it into *root (NULL
 * for an empty document). -1 when the file cannot be read (reported; first->reason INPUT_UNREADABLE), 0
 * when it is not well-formed YAML (reported); 1 otherwise, though refused constructs (anchors, aliases,
 * tags) may have been reported — check c->nerr. */
int sb_y_parse(struct sb_yfile *c, struct sb_ynode **root);
/* Free n and everything under it (NULL is a no-op). */
void sb_ynode_free(struct sb_ynode *n);

/* name resolved against c->dir (absolute names as they are) into out. 0 when it does not fit. */
int sb_yfile_resolve(const struct sb_yfile *c, const char *name, char *out, size_t len);
/* Read the regular file path (at most max bytes) into *data (free(); NUL-terminated) / *len and, for a
 * hashed doc, hash "hash_name\0" + length + bytes into c's digest. 0 with the reason in why. */
int sb_yfile_read(struct sb_yfile *c, const char *path, const char *hash_name, size_t max, unsigned char **data,
                  size_t *len, char *why, size_t wlen);

#endif
