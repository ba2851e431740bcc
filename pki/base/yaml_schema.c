/*
 * pki/base/yaml_schema.c — scalar resolution, typed reads and the key-table walker (yaml_schema.h), over
 * the node tree of yaml_tree.c; "did you mean" hints come from nearest.c.
 */
#include "pki/base/yaml_schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pki/base/load.h"
#include "pki/base/nearest.h"

/* ---- scalar resolution ------------------------------------------------------------------------- */

enum ys { YS_STR, YS_NULL, YS_BOOL, YS_INT, YS_FLOAT };

static int one_of(const char *s, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(s, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

static int all_in(const char *s, const char *set)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (strchr(set, *s) == NULL) {
            return 0;
        }
    }
    return 1;
}

static int is_float(const char *s)
{
    static const char *const special[] = { ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL };
    int digits = 0;

    if (*s == '+' || *s == '-') {
        s++;
    }
    if (one_of(s, special)) {
        return 1;
    }
    while (*s >= '0' && *s <= '9') {
        s++;
        digits++;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            s++;
            digits++;
        }
    }
    if (digits == 0) {
        return 0;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') {
            s++;
        }
        if (!(*s >= '0' && *s <= '9')) {
            return 0;
        }
        while (*s >= '0' && *s <= '9') {
            s++;
        }
    }
    return *s == '\0';
}

static enum ys resolve(const struct sb_ynode *n)
{
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
    static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES",
                                         "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n",
                                         "N", NULL };
    const char *s = n->value;

    if (!n->plain || s == NULL) {
        return YS_STR;
    }
    if (one_of(s, nulls)) {
        return YS_NULL;
    }
    if (one_of(s, bools)) {
        return YS_BOOL;
    }
    if (all_in(s[0] == '-' || s[0] == '+' ? s + 1 : s, "0123456789") ||
        (strncmp(s, "0x", 2) == 0 && all_in(s + 2, "0123456789abcdefABCDEF")) ||
        (strncmp(s, "0o", 2) == 0 && all_in(s + 2, "01234567"))) {
        return YS_INT;
    }
    if (is_float(s)) {
        return YS_FLOAT;
    }
    return YS_STR;
}

void sb_ynode_describe(const struct sb_ynode *n, char *buf, size_t len)
{
    char q[64];

    if (n == NULL) {
        snprintf(buf, len, "nothing");
        return;
    }
    switch (n->kind) {
    case SB_YN_MAP:
        snprintf(buf, len, "a mapping");
        return;
    case SB_YN_SEQ:
        snprintf(buf, len, "a list");
        return;
    case SB_YN_SCALAR:
        break;
    default:
        snprintf(buf, len, "an unknown node");
        return;
    }
    sb_y_quote(n->value != NULL ? n->value : "", n->len, q, sizeof(q), 40);
    switch (resolve(n)) {
    case YS_NULL:
        snprintf(buf, len, "nothing (null)");
        return;
    case YS_BOOL:
        snprintf(buf, len, "boolean %s", q);
        return;
    case YS_INT:
        snprintf(buf, len, "integer %s", q);
        return;
    case YS_FLOAT:
        snprintf(buf, len, "number %s", q);
        return;
    case YS_STR:
    default:
        snprintf(buf, len, "string '%s'", q);
        return;
    }
}

const struct sb_ynode *sb_ynode_get(const struct sb_ynode *map, const char *key)
{
    size_t i;

    for (i = 0; map->kind == SB_YN_MAP && i + 1 < map->n; i += 2) {
        const struct sb_ynode *k = map->kids[i];

        if (k->kind == SB_YN_SCALAR && k->value != NULL && strcmp(k->value, key) == 0) {
            return map->kids[i + 1];
        }
    }
    return NULL;
}

/* ---- typed reads ------------------------------------------------------------------------------- */

/* Control characters (escaped in a double-quoted scalar) have no place in ids, names, OIDs or text that
 * check-config prints on a terminal. */
static int has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) {
            return 1;
        }
    }
    return 0;
}

int sb_y_str(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, size_t max_len, const char **out)
{
    char got[96];
    enum ys t;

    if (v->bad) {
        return 0;
    }
    sb_ynode_describe(v, got, sizeof(got));
    if (v->kind != SB_YN_SCALAR) {
        sb_y_error_at(c, v, kpath, "expected a string, got %s", got);
        return 0;
    }
    t = resolve(v);
    if (t == YS_NULL) {
        sb_y_error_at(c, v, kpath, "expected a string, got nothing (null)");
        return 0;
    }
    if (t != YS_STR) {
        sb_y_error_at(c, v, kpath, "expected a string, got %s (put it in quotes if it is meant as text)", got);
        return 0;
    }
    if (strlen(v->value) != v->len || has_control(v->value)) {
        sb_y_error_at(c, v, kpath, "expected a string without control characters");
        return 0;
    }
    if (v->len > max_len) {
        sb_y_error_at(c, v, kpath, "expected a string of at most %zu characters, got %zu", max_len, v->len);
        return 0;
    }
    *out = v->value;
    return 1;
}

int sb_y_strdup(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, size_t max_len, char **dst)
{
    const char *s;
    char *dup;

    if (!sb_y_str(c, v, kpath, max_len, &s)) {
        return 0;
    }
    if ((dup = strdup(s)) == NULL) {
        sb_y_error_at(c, v, kpath, "out of memory");
        return 0;
    }
    free(*dst);
    *dst = dup;
    return 1;
}

int sb_y_int(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, long long min, long long max,
             long long *out)
{
    char got[96];
    const char *s = v->value;
    long long val;
    int digits = 0;

    if (v->bad) {
        return 0;
    }
    sb_ynode_describe(v, got, sizeof(got));
    if (v->kind == SB_YN_SCALAR && v->plain && s != NULL) {
        if (*s == '+' || *s == '-') {
            s++;
        }
        while (*s >= '0' && *s <= '9' && digits < 12) {
            s++;
            digits++;
        }
        if (digits > 0 && digits < 12 && *s == '\0') {
            val = strtoll(v->value, NULL, 10);
            if (val >= min && val <= max) {
                *out = val;
                return 1;
            }
        }
    }
    sb_y_error_at(c, v, kpath, "expected an integer from %lld to %lld, got %s", min, max, got);
    return 0;
}

int sb_y_size(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, long long min, long long max,
              long long *out)
{
    static const struct { const char *s; long long m; } suf[] = {
        { "", 1 }, { "K", 1024 }, { "KiB", 1024 }, { "M", 1024 * 1024 }, { "MiB", 1024 * 1024 },
        { "G", 1024LL * 1024 * 1024 }, { "GiB", 1024LL * 1024 * 1024 },
    };
    const char *s = v->value;
    char *end;
    long long x;
    size_t i;

    if (v->bad) {
        return 0;
    }
    if (v->kind == SB_YN_SCALAR && s != NULL && s[0] >= '0' && s[0] <= '9') {
        errno = 0;
        x = strtoll(s, &end, 10);
        for (i = 0; errno == 0 && i < sizeof(suf) / sizeof(suf[0]); i++) {
            if (strcmp(end, suf[i].s) == 0) {
                x = x <= max / suf[i].m ? x * suf[i].m : max + 1; /* no overflow: above max is out of range */
                if (x < min || x > max) {
                    sb_y_error_at(c, v, kpath, "%s is out of range (%lld to %lld bytes)", s, min, max);
                    return 0;
                }
                *out = x;
                return 1;
            }
        }
    }
    sb_y_error_at(c, v, kpath, "expected a size in bytes such as 1048576, \"64KiB\" or \"10MiB\" (%lld to %lld)", min,
                  max);
    return 0;
}

int sb_y_bool(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, int *out)
{
    char got[96];

    if (v->bad) {
        return 0;
    }
    if (v->kind == SB_YN_SCALAR && v->plain && v->value != NULL) {
        if (strcmp(v->value, "true") == 0) {
            *out = 1;
            return 1;
        }
        if (strcmp(v->value, "false") == 0) {
            *out = 0;
            return 1;
        }
    }
    sb_ynode_describe(v, got, sizeof(got));
    sb_y_error_at(c, v, kpath, "expected true or false, got %s", got);
    return 0;
}

static int kind_is(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, enum sb_yn_kind kind,
                   const char *expect)
{
    char got[96];

    if (v->bad) {
        return 0;
    }
    if (v->kind == kind) {
        return 1;
    }
    sb_ynode_describe(v, got, sizeof(got));
    sb_y_error_at(c, v, kpath, "expected %s, got %s", expect, got);
    return 0;
}

int sb_y_seq(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char *expect)
{
    return kind_is(c, v, kpath, SB_YN_SEQ, expect != NULL ? expect : "a list");
}

int sb_y_map(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char *expect)
{
    return kind_is(c, v, kpath, SB_YN_MAP, expect != NULL ? expect : "a mapping");
}

/* "a, b, c" (last_sep ", ") or "a, b or c" (last_sep " or ") into buf. */
static void join_names(const char *const *names, size_t n, const char *last_sep, char *buf, size_t len)
{
    size_t i, o = 0;

    buf[0] = '\0';
    for (i = 0; i < n && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s%s", i == 0 ? "" : (i + 1 == n ? last_sep : ", "), names[i]);

        if (w < 0) {
            break;
        }
        o += (size_t)w;
    }
}

int sb_y_enum(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char *const *names, size_t n)
{
    const char *hint = NULL;
    char list[256], q[64];
    size_t i;

    if (v->bad) {
        return -1;
    }
    if (v->kind != SB_YN_SCALAR || v->value == NULL || strlen(v->value) != v->len) {
        join_names(names, n, ", ", list, sizeof(list));
        sb_ynode_describe(v, q, sizeof(q));
        sb_y_error_at(c, v, kpath, "expected one of %s, got %s", list, q);
        return -1;
    }
    /* the value only has to be one of the names: `mode: off` is fine although YAML 1.1 calls it a boolean */
    for (i = 0; i < n; i++) {
        if (strcmp(v->value, names[i]) == 0) {
            return (int)i;
        }
    }
    join_names(names, n, ", ", list, sizeof(list));
    sb_y_quote(v->value, v->len, q, sizeof(q), 40);
    if (!sb_y_capped(c)) {
        hint = sb_nearest(v->value, names, n);
    }
    sb_y_error_at(c, v, kpath, "expected one of %s, got '%s'%s%s%s", list, q,
                  hint != NULL ? " (did you mean '" : "", hint != NULL ? hint : "", hint != NULL ? "'?)" : "");
    return -1;
}

/* The file name at v, resolved against c->dir into resolved[rlen]; 0 reported. */
static int file_name(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, const char **name,
                     char *resolved, size_t rlen)
{
    if (!sb_y_str(c, v, kpath, PATH_MAX - 1, name)) {
        return 0;
    }
    if ((*name)[0] == '\0') {
        sb_y_error_at(c, v, kpath, "expected a file name, got an empty string");
        return 0;
    }
    if (!sb_yfile_resolve(c, *name, resolved, rlen)) {
        sb_y_error_at(c, v, kpath, "file name too long");
        return 0;
    }
    return 1;
}

int sb_y_path(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, char **dst)
{
    const char *name;
    char buf[PATH_MAX];
    char *dup;

    if (!file_name(c, v, kpath, &name, buf, sizeof(buf))) {
        return 0;
    }
    if ((dup = strdup(buf)) == NULL) {
        sb_y_error_at(c, v, kpath, "out of memory");
        return 0;
    }
    free(*dst);
    *dst = dup;
    return 1;
}

int sb_y_read_ref(struct sb_yfile *c, const struct sb_ynode *v, const char *kpath, unsigned char **data,
                  size_t *len, char *resolved, size_t rlen)
{
    const char *name;
    char why[256];

    *data = NULL;
    *len = 0;
    if (!file_name(c, v, kpath, &name, resolved, rlen)) {
        return 0;
    }
    if (!sb_yfile_read(c, resolved, name, SB_LOAD_MAX_FILE, data, len, why, sizeof(why))) {
        if (name[0] == '/') {
            sb_y_error_at(c, v, kpath, "cannot read '%s': %s", name, why);
        } else {
            sb_y_error_at(c, v, kpath, "cannot read '%s' (resolved to %s): %s", name, resolved, why);
        }
        return 0;
    }
    return 1;
}

void sb_y_kpath_key(char *out, size_t len, const char *kpath, const char *key)
{
    if (kpath == NULL || kpath[0] == '\0') {
        snprintf(out, len, "%s", key);
    } else {
        snprintf(out, len, "%s.%s", kpath, key);
    }
}

void sb_y_kpath_idx(char *out, size_t len, const char *kpath, size_t i)
{
    snprintf(out, len, "%s[%zu]", kpath != NULL ? kpath : "", i);
}

/* ---- the key-table walker ---------------------------------------------------------------------- */

/* Hint for an unknown key: a near name of this section, else a key of that name (or a near one) in
 * another section ("algorithms.min_rsa_bits"), else the section's names. */
static void unknown_key_hint(const char *key, const struct sb_ykey *keys, size_t nkeys,
                             const char *const *elsewhere, char *out, size_t len)
{
    const char *names[64];
    const char *best = NULL, *last;
    char list[400];
    size_t i, n = 0, bd = (size_t)-1, d;

    out[0] = '\0';
    for (i = 0; i < nkeys && n < 64; i++) {
        names[n++] = keys[i].name;
    }
    if ((best = sb_nearest(key, names, n)) != NULL) {
        snprintf(out, len, " (did you mean '%s'?)", best);
        return;
    }
    for (i = 0; elsewhere != NULL && elsewhere[i] != NULL; i++) {
        last = strrchr(elsewhere[i], '.');
        last = last != NULL ? last + 1 : elsewhere[i];
        d = strcasecmp(key, last) == 0 ? 0 : sb_edit_distance(key, last);
        if (d < bd) {
            bd = d;
            best = elsewhere[i];
        }
    }
    if (best != NULL && sb_nearest_close_enough(key, bd)) {
        snprintf(out, len, " (did you mean '%s'?)", best);
        return;
    }
    join_names(names, n, ", ", list, sizeof(list));
    snprintf(out, len, "; expected one of %s", list);
}

static void *field(void *obj, const struct sb_ykey *k)
{
    return (unsigned char *)obj + k->off;
}

static size_t count_names(const char *const *names)
{
    size_t n = 0;

    while (names != NULL && names[n] != NULL) {
        n++;
    }
    return n;
}

int sb_y_defaults(const struct sb_ykey *keys, size_t n, void *obj)
{
    size_t i;
    char *dup;

    for (i = 0; i < n; i++) {
        const struct sb_ykey *k = &keys[i];

        if (k->sub != NULL && !sb_y_defaults(k->sub, k->nsub, obj)) {
            return 0;
        }
        if (k->off == SB_Y_NO_OFF) {
            continue;
        }
        switch (k->type) {
        case SB_YT_INT:
        case SB_YT_BOOL:
        case SB_YT_ENUM:
            *(int *)field(obj, k) = (int)k->dflt;
            break;
        case SB_YT_SIZE:
            *(long long *)field(obj, k) = k->dflt;
            break;
        case SB_YT_STR:
        case SB_YT_PATH:
            if (k->dflt_str != NULL) {
                if ((dup = strdup(k->dflt_str)) == NULL) {
                    return 0;
                }
                free(*(char **)field(obj, k));
                *(char **)field(obj, k) = dup;
            }
            break;
        case SB_YT_SEQ:
        case SB_YT_MAP:
        default:
            break;
        }
    }
    return 1;
}

/* The generic reader of k's type: v into k's field of obj. */
static void read_generic(struct sb_yfile *c, void *obj, const struct sb_ykey *k, const struct sb_ynode *v,
                         const char *kpath, const char *const *elsewhere)
{
    long long x;
    int b;

    if (k->type == SB_YT_MAP && k->sub != NULL) {
        sb_y_walk(c, v, kpath, k->sub, k->nsub, obj, elsewhere);
        return;
    }
    if (k->off == SB_Y_NO_OFF) {
        sb_y_error_at(c, v, kpath, "internal error: no reader for this key");
        return;
    }
    switch (k->type) {
    case SB_YT_STR:
        sb_y_strdup(c, v, kpath, (size_t)k->max, (char **)field(obj, k));
        return;
    case SB_YT_PATH:
        sb_y_path(c, v, kpath, (char **)field(obj, k));
        return;
    case SB_YT_INT:
        if (sb_y_int(c, v, kpath, k->min, k->max, &x)) {
            *(int *)field(obj, k) = (int)x;
        }
        return;
    case SB_YT_SIZE:
        if (sb_y_size(c, v, kpath, k->min, k->max, &x)) {
            *(long long *)field(obj, k) = x;
        }
        return;
    case SB_YT_BOOL:
        if (sb_y_bool(c, v, kpath, &b)) {
            *(int *)field(obj, k) = b;
        }
        return;
    case SB_YT_ENUM:
        if ((b = sb_y_enum(c, v, kpath, k->names, count_names(k->names))) >= 0) {
            *(int *)field(obj, k) = b;
        }
        return;
    case SB_YT_SEQ:
    case SB_YT_MAP:
    default:
        sb_y_error_at(c, v, kpath, "internal error: no reader for this key");
        return;
    }
}

void sb_y_walk(struct sb_yfile *c, const struct sb_ynode *map, const char *kpath, const struct sb_ykey *keys,
               size_t n, void *obj, const char *const *elsewhere)
{
    const struct sb_ynode *seen[64];
    char child[SB_Y_KPATH_MAX], hint[512], q[80], got[96];
    size_t i, r;

    memset(seen, 0, sizeof(seen));
    if (n > 64) {
        sb_y_error_at(c, map, kpath, "internal error: key table too large");
        return;
    }
    for (i = 0; i + 1 < map->n; i += 2) {
        const struct sb_ynode *key = map->kids[i], *val = map->kids[i + 1];

        if (key->bad) {
            continue;
        }
        if (key->kind != SB_YN_SCALAR || key->value == NULL || strlen(key->value) != key->len || key->len == 0) {
            sb_ynode_describe(key, got, sizeof(got));
            sb_y_error_at(c, key, kpath, "keys must be plain names, got %s as a key", got);
            continue;
        }
        for (r = 0; r < n && strcmp(keys[r].name, key->value) != 0; r++) {
        }
        sb_y_quote(key->value, key->len, q, sizeof(q), 60);
        sb_y_kpath_key(child, sizeof(child), kpath, q);
        if (r == n) {
            hint[0] = '\0';
            if (!sb_y_capped(c)) {
                unknown_key_hint(key->value, keys, n, elsewhere, hint, sizeof(hint));
            }
            sb_y_error_at(c, key, child, "unknown key%s", hint);
            continue;
        }
        if (seen[r] != NULL) {
            sb_y_error_at(c, key, child, "duplicate key (first at line %u, column %u)", seen[r]->line, seen[r]->col);
            continue;
        }
        seen[r] = key;
        if (val->bad || (keys[r].type == SB_YT_SEQ && !sb_y_seq(c, val, child, keys[r].help)) ||
            (keys[r].type == SB_YT_MAP && !sb_y_map(c, val, child, keys[r].help))) {
            continue;
        }
        if (keys[r].set != NULL) {
            keys[r].set(c, obj, &keys[r], val, child);
        } else {
            read_generic(c, obj, &keys[r], val, child, elsewhere);
        }
    }
    for (r = 0; r < n; r++) {
        if (keys[r].required && seen[r] == NULL) {
            sb_y_kpath_key(child, sizeof(child), kpath, keys[r].name);
            sb_y_error_at(c, map, child, "required key is missing (expected %s)", keys[r].help);
        }
    }
}
