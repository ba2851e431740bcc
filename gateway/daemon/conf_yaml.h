/*
 * gateway/daemon/conf_yaml.h — the YAML layer of the daemon's configuration loader (conf/sigbridge.yaml).
 *
 * libyaml events are turned into a small node tree that keeps every node's position (1-based line and
 * column), then a key-table walker maps mappings onto struct fields: unknown keys (with a nearest-name
 * hint), duplicate keys (naming the first), wrong types and missing required keys are reported as
 * "file:line:col: key.path: what was expected", all collected (up to SBGW_DIAG_MAX) before the load
 * fails. YAML anchors, aliases and tags are refused: a configuration must read the same to a human.
 * Relative file names resolve against the configuration file's directory.
 *
 * Not done: multi-document files (the second document is an error). Not thread-safe per context;
 * separate contexts are independent (no globals), so a reload thread may load while the loop serves.
 */
#ifndef SBGW_CONF_YAML_H
#define SBGW_CONF_YAML_H

#include <limits.h>
#include <stddef.h>

#define SBGW_DIAG_MAX    20      /* messages kept; one more line says how many were cut */
#define SBGW_KPATH_MAX   256     /* longest key path ("routes[3].upstream") */
#define SBGW_YAML_MAX    (1024u * 1024u)   /* largest configuration file */

/* Collected error messages ("file:line:col: key.path: …"), in file order. */
struct sbgw_diag {
    char *msgs[SBGW_DIAG_MAX + 1];  /* owned */
    size_t n;
    size_t dropped;                 /* messages beyond the cap */
};

enum sbgw_ykind { SBGW_Y_SCALAR, SBGW_Y_SEQ, SBGW_Y_MAP };

struct sbgw_ynode {
    enum sbgw_ykind kind;
    unsigned line, col;             /* 1-based */
    char *value;                    /* owned: scalar text; NULL otherwise */
    int plain;                      /* plain (unquoted) scalar: subject to null / bool / int resolution */
    struct sbgw_ynode **kids;       /* owned: items, or key, value, key, value… */
    size_t n, alloc;
};

/* One file being loaded. */
struct sbgw_yload {
    const char *file;               /* as shown in messages (borrowed) */
    char dir[PATH_MAX];             /* directory relative names resolve against */
    struct sbgw_diag *diag;         /* borrowed; may be NULL */
    size_t nerr;
};

struct sbgw_ykey;
/* Setter for one key: v is the value node; returns nothing, reports through L. */
typedef void (*sbgw_yset_fn)(struct sbgw_yload *L, void *obj, const struct sbgw_ynode *v, const char *kpath);

/* One row of a section's key table. */
struct sbgw_ykey {
    const char *name;
    int required;
    sbgw_yset_fn set;
};

void sbgw_diag_init(struct sbgw_diag *d);
void sbgw_diag_clear(struct sbgw_diag *d);
/* Append a formatted message (kept up to the cap, then counted). */
void sbgw_diag_add(struct sbgw_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set up L for file (its directory becomes the base for relative names). */
void sbgw_yload_init(struct sbgw_yload *L, const char *file, struct sbgw_diag *diag);
/* "file:line:col: kpath: message" at node n (n NULL: "file: kpath: message"). */
void sbgw_y_error(struct sbgw_yload *L, const struct sbgw_ynode *n, const char *kpath, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Read and parse L->file into *root (NULL for an empty document). 0 ok (check L->nerr: refused
 * constructs are reported but parsing continues), -1 unreadable or not well-formed (reported). */
int sbgw_yaml_parse(struct sbgw_yload *L, struct sbgw_ynode **root);
void sbgw_ynode_free(struct sbgw_ynode *n);

/* Walk mapping map with keys[0..nkeys): unknown keys (with a hint), duplicates, missing required keys. */
void sbgw_y_walk(struct sbgw_yload *L, const struct sbgw_ynode *map, const char *kpath,
                 const struct sbgw_ykey *keys, size_t nkeys, void *obj);

/* Typed reads; each reports at v and returns 0 on a wrong type / value, 1 on success. */
int sbgw_y_map(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, const char *expect);
int sbgw_y_seq(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, const char *expect);
int sbgw_y_str(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, size_t max_len,
               const char **out);
/* Replace *dst (freed) with a copy of the string at v. */
int sbgw_y_strdup(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, size_t max_len,
                  char **dst);
int sbgw_y_int(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, long long min,
               long long max, long long *out);
/* An integer or a size with a suffix: "16KiB", "10MiB", "1GiB" (also K, M, G). */
int sbgw_y_size(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, long long min,
                long long max, long long *out);
int sbgw_y_bool(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, int *out);
/* Index of v's string in names[0..n), or -1 reported as "expected one of …" with a hint. */
int sbgw_y_enum(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, const char *const *names,
                size_t n);
/* A file name at v resolved against L->dir into *dst (malloc'd; previous value freed). */
int sbgw_y_path(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, char **dst);

void sbgw_kpath_key(char *out, size_t len, const char *kpath, const char *key);
void sbgw_kpath_idx(char *out, size_t len, const char *kpath, size_t i);
/* Nearest of names[0..n) to s when close enough to be a likely typo, else NULL. */
const char *sbgw_y_nearest(const char *s, const char *const *names, size_t n);

#endif
