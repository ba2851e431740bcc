/*
 * pki/base/yaml_schema.h — the typed half of the YAML layer, on top of yaml_tree.h: what plain scalars
 * mean (YAML 1.2 core schema: null, booleans, integers, floats, strings — plus the YAML 1.1 booleans yes /
 * no / on / off / y / n, so `jurisdiction: no` is caught instead of read as text), typed reads that report
 * located errors, and a table-driven key walker.
 *
 * A section of a file is described by a table of struct sb_ykey rows (nginx's ngx_command_t, Redis's
 * static_configs[]): name, type, required flag, offsetof the target field, bounds, default, help text, and
 * for the rare value that needs code a custom reader hook. The walker reports unknown keys (with a "did
 * you mean" hint, also across sections), duplicate keys (naming the first), wrong types, out-of-range
 * values and missing required keys; sb_y_defaults stores every row's default before the walk. A new key
 * is one row.
 *
 * Pure functions over a parsed tree plus the struct sb_yfile they report into; no globals.
 */
#ifndef SB_YAML_SCHEMA_H
#define SB_YAML_SCHEMA_H

#include <stddef.h>
#include "pki/base/yaml_tree.h"

#define SB_Y_NO_OFF ((size_t)-1)        /* row without a target field (custom reader, or a section) */
#define SB_Y_NKEYS(t) (sizeof(t) / sizeof((t)[0]))

/* Value types of a key row; the generic reader of each, and the field it writes at off. */
enum sb_ytype {
    SB_YT_STR,      /* a string of at most max characters → char * (owned; the old value freed) */
    SB_YT_PATH,     /* a file name, resolved against the file's directory → char * (owned) */
    SB_YT_INT,      /* an integer in [min, max] → int */
    SB_YT_SIZE,     /* bytes in [min, max], "64KiB" / "10MiB" / "1GiB" (or K / M / G) allowed → long long */
    SB_YT_BOOL,     /* true or false (nothing else: not yes / no) → int */
    SB_YT_ENUM,     /* one of names[] → int, the index of the name */
    SB_YT_SEQ,      /* a list: only a custom reader can take it */
    SB_YT_MAP       /* a mapping: the section sub[] walked on the same object, or a custom reader */
};

struct sb_ykey;
/* Custom reader for one key: v is the value (already checked to be a list / mapping for SEQ / MAP rows),
 * kpath its key path; report problems through c. */
typedef void (*sb_yset_fn)(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                           const char *kpath);

/* One key of a section. Write rows with designated initializers; unused fields stay 0 / NULL. */
struct sb_ykey {
    const char *name;
    enum sb_ytype type;
    int required;
    size_t off;                     /* offsetof the target field in the walked object, or SB_Y_NO_OFF */
    long long min, max;             /* INT / SIZE bounds; STR: longest length */
    long long dflt;                 /* INT / SIZE / BOOL / ENUM default, stored by sb_y_defaults */
    const char *dflt_str;           /* STR default (copied by sb_y_defaults); NULL: none */
    const char *help;               /* what the value is ("an integer from 1 to 32"): messages and docs */
    const char *const *names;       /* ENUM: the accepted names, NULL-terminated */
    const struct sb_ykey *sub;      /* MAP: the section's own rows (walked on the same object) */
    size_t nsub;
    sb_yset_fn set;                 /* custom reader; NULL = the generic reader of type */
    long aux;                       /* free for a custom reader (which level, which listener…) */
};

/* Store the default of every row of keys[0..n) that has a field (recursing into MAP sections) in obj.
 * 0 on out-of-memory (a STR default could not be copied). */
int sb_y_defaults(const struct sb_ykey *keys, size_t n, void *obj);

/* Walk mapping map (the caller checked the kind) with keys[0..n): unknown keys (hint from this table, then
 * from elsewhere: dotted names valid in other sections, NULL-terminated, may be NULL), duplicates, wrong
 * types, out-of-range values and missing required keys are reported; each good value goes to its reader. */
void sb_y_walk(struct sb_yfile *c, const struct sb_ynode *map, const char *kpath, const struct sb_ykey *keys,
               size_t n, void *obj, const char *const *elsewhere);

/* Typed reads. Each reports at v and returns 0 (sb_y_enum: -1) on a wrong type or value; nothing is reported
 * for a node already marked bad (its refusal was). */
int sb_y_str(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, size_t max_len, const char **out);
/* Replace *dst (freed) with a copy of the string at v. */
int sb_y_strdup(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, size_t max_len, char **dst);
int sb_y_int(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, long long min, long long max,
             long long *out);
int sb_y_size(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, long long min, long long max,
              long long *out);
int sb_y_bool(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, int *out);
int sb_y_seq(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char *expect);
int sb_y_map(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char *expect);
/* Index of v's string in names[0..n) or -1, reported with the list and a hint. */
int sb_y_enum(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char *const *names, size_t n);
/* The file name at v resolved against c->dir into *dst (malloc'd; the previous value freed). */
int sb_y_path(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, char **dst);
/* Read the file named at v (relative to c->dir; hashed as "name\0bytes" for a hashed doc): 1 with *data
 * (free()) / *len / resolved; 0 reported at v. */
int sb_y_read_ref(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, unsigned char **data,
                  size_t *len, char *resolved, size_t rlen);

/* "a mapping", "a list", "string 'x'", "integer 5", "boolean no", "nothing (null)"… for messages. */
void sb_ynode_describe(const struct sb_ynode *n, char *buf, size_t len);
/* The value of key in mapping map, or NULL. */
const struct sb_ynode *sb_ynode_get(const struct sb_ynode *map, const char *key);
/* kpath + "." + key, kpath + "[i]" into out. */
void sb_y_kpath_key(char *out, size_t len, const char *kpath, const char *key);
void sb_y_kpath_idx(char *out, size_t len, const char *kpath, size_t i);

#endif
