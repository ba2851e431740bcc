/*
 * pki/policy/trust_policy_schema.c — the typed layer over the policy files' YAML tree: YAML 1.2 core-schema
 * resolution of plain scalars (plus the YAML 1.1 booleans, so `jurisdiction: no` is caught), typed reads
 * that report located errors, the key-table walker with "did you mean" hints, and OID patterns.
 */
#include "pki/policy/trust_policy_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    int digits = 0;

    if (*s == '+' || *s == '-') {
        s++;
    }
    if (strcmp(s, ".inf") == 0 || strcmp(s, ".Inf") == 0 || strcmp(s, ".INF") == 0 || strcmp(s, ".nan") == 0 ||
        strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0) {
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

int sb_y_str(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, size_t max_len, const char **out)
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

int sb_y_int(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, long min, long max, long *out)
{
    char got[96];
    const char *s = v->value;
    long val;
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
            val = strtol(v->value, NULL, 10);
            if (val >= min && val <= max) {
                *out = val;
                return 1;
            }
        }
    }
    sb_y_error_at(c, v, kpath, "expected an integer from %ld to %ld, got %s", min, max, got);
    return 0;
}

int sb_y_bool(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, int *out)
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

static int kind_is(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, enum sb_yn_kind kind,
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

int sb_y_seq(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, const char *expect)
{
    return kind_is(c, v, kpath, SB_YN_SEQ, expect != NULL ? expect : "a list");
}

int sb_y_map(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, const char *expect)
{
    return kind_is(c, v, kpath, SB_YN_MAP, expect != NULL ? expect : "a mapping");
}

static void join_names(const char *const *names, size_t n, char *buf, size_t len)
{
    size_t i, o = 0;

    buf[0] = '\0';
    for (i = 0; i < n && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s%s", i > 0 ? ", " : "", names[i]);

        if (w < 0) {
            break;
        }
        o += (size_t)w;
    }
}

int sb_y_enum(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, const char *const *names, size_t n)
{
    const char *hint;
    char list[256], q[64];
    size_t i;

    if (v->bad) {
        return -1;
    }
    if (v->kind != SB_YN_SCALAR || v->value == NULL || strlen(v->value) != v->len) {
        join_names(names, n, list, sizeof(list));
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
    join_names(names, n, list, sizeof(list));
    sb_y_quote(v->value, v->len, q, sizeof(q), 40);
    if (!sb_y_capped(c) && (hint = sb_y_nearest(v->value, names, n)) != NULL) {
        sb_y_error_at(c, v, kpath, "expected one of %s, got '%s' (did you mean '%s'?)", list, q, hint);
    } else {
        sb_y_error_at(c, v, kpath, "expected one of %s, got '%s'", list, q);
    }
    return -1;
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

/* ---- hints ------------------------------------------------------------------------------------- */

#define HINT_MAX 64

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions: "fiel" is 1 from "file"). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t d[HINT_MAX + 1][HINT_MAX + 1];

    if (la > HINT_MAX || lb > HINT_MAX) {
        return (size_t)-1;
    }
    for (i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            size_t best = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);

            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static int close_enough(const char *s, size_t d)
{
    size_t l = strlen(s);

    return d <= (l <= 4 ? 1 : l <= 9 ? 2 : l / 3);
}

const char *sb_y_nearest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t i, bd = (size_t)-1, d;

    for (i = 0; i < n; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            return names[i];
        }
        d = edit_distance(s, names[i]);
        if (d < bd) {
            bd = d;
            best = names[i];
        }
    }
    return best != NULL && close_enough(s, bd) ? best : NULL;
}

/* Hint for an unknown key: a near name of this section, else a key of that name (or a near one) in
 * another section ("algorithms.min_rsa_bits"). */
static void unknown_key_hint(const char *key, const struct sb_ykey *keys, size_t nkeys,
                             const char *const *elsewhere, char *out, size_t len)
{
    const char *names[64];
    const char *best = NULL, *last;
    size_t i, n = 0, bd = (size_t)-1, d;

    out[0] = '\0';
    for (i = 0; i < nkeys && n < 64; i++) {
        names[n++] = keys[i].name;
    }
    if ((best = sb_y_nearest(key, names, n)) != NULL) {
        snprintf(out, len, " (did you mean '%s'?)", best);
        return;
    }
    for (i = 0; elsewhere != NULL && elsewhere[i] != NULL; i++) {
        last = strrchr(elsewhere[i], '.');
        last = last != NULL ? last + 1 : elsewhere[i];
        d = strcasecmp(key, last) == 0 ? 0 : edit_distance(key, last);
        if (d < bd) {
            bd = d;
            best = elsewhere[i];
        }
    }
    if (best != NULL && close_enough(key, bd)) {
        snprintf(out, len, " (did you mean '%s'?)", best);
        return;
    }
    {
        char list[400];

        join_names(names, n, list, sizeof(list));
        snprintf(out, len, "; expected one of %s", list);
    }
}

/* ---- the key-table walker ---------------------------------------------------------------------- */

void sb_y_walk(struct sb_yctx *c, const struct sb_ynode *map, const char *kpath, const struct sb_ykey *keys,
               size_t nkeys, void *obj, const char *const *elsewhere)
{
    const struct sb_ynode *seen[64];
    char child[SB_Y_KPATH_MAX], hint[512], q[80], got[96];
    size_t i, r;

    memset(seen, 0, sizeof(seen));
    if (nkeys > 64) {
        nkeys = 64;
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
        for (r = 0; r < nkeys; r++) {
            if (strcmp(keys[r].name, key->value) == 0) {
                break;
            }
        }
        sb_y_quote(key->value, key->len, q, sizeof(q), 60);
        sb_y_kpath_key(child, sizeof(child), kpath, q);
        if (r == nkeys) {
            hint[0] = '\0';
            if (!sb_y_capped(c)) {
                unknown_key_hint(key->value, keys, nkeys, elsewhere, hint, sizeof(hint));
            }
            sb_y_error_at(c, key, child, "unknown key%s", hint);
            continue;
        }
        if (seen[r] != NULL) {
            sb_y_error_at(c, key, child, "duplicate key (first at line %u, column %u)", seen[r]->line, seen[r]->col);
            continue;
        }
        seen[r] = key;
        if (val->bad) {
            continue;
        }
        if (keys[r].type == SB_YT_SEQ && !sb_y_seq(c, val, child, keys[r].expect)) {
            continue;
        }
        if (keys[r].type == SB_YT_MAP && !sb_y_map(c, val, child, keys[r].expect)) {
            continue;
        }
        if (keys[r].set != NULL) {
            keys[r].set(c, obj, &keys[r], val, child);
            continue;
        }
        switch (keys[r].type) {
        case SB_YT_STR: {
            const char *s;
            char **field = (char **)(void *)((unsigned char *)obj + keys[r].off);
            char *dup;

            if (sb_y_str(c, val, child, (size_t)keys[r].max, &s)) {
                if ((dup = strdup(s)) == NULL) {
                    sb_y_error_at(c, val, child, "out of memory");
                    break;
                }
                free(*field);
                *field = dup;
            }
            break;
        }
        case SB_YT_INT: {
            long v;

            if (sb_y_int(c, val, child, keys[r].min, keys[r].max, &v)) {
                *(int *)(void *)((unsigned char *)obj + keys[r].off) = (int)v;
            }
            break;
        }
        case SB_YT_BOOL: {
            int b;

            if (sb_y_bool(c, val, child, &b)) {
                *(int *)(void *)((unsigned char *)obj + keys[r].off) = b;
            }
            break;
        }
        case SB_YT_SEQ:
        case SB_YT_MAP:
        default:
            sb_y_error_at(c, val, child, "internal error: no setter for this key");
            break;
        }
    }
    for (r = 0; r < nkeys; r++) {
        if (keys[r].required && seen[r] == NULL) {
            sb_y_kpath_key(child, sizeof(child), kpath, keys[r].name);
            sb_y_error_at(c, map, child, "required key is missing (expected %s)", keys[r].expect);
        }
    }
}

/* ---- OIDs and ids ------------------------------------------------------------------------------ */

int sb_tp_oid_pattern_check(const char *s, int allow_prefix, size_t *prefix_len, const char **why)
{
    const char *star = strchr(s, '*'), *p = s;
    size_t len = strlen(s), end = star != NULL ? (size_t)(star - s) : len, arcs = 0, digits;
    unsigned long first = 0, second = 0;

    *prefix_len = 0;
    if (len == 0) {
        *why = "empty";
        return 0;
    }
    if (len >= SB_TP_OID_MAX) {
        *why = "longer than 127 characters";
        return 0;
    }
    if (strcmp(s, "*") == 0) {
        *why = "a lone '*' would match every policy; list the policy arcs you accept";
        return 0;
    }
    if (star != NULL) {
        if (!allow_prefix) {
            *why = "'*' is not allowed here";
            return 0;
        }
        if (star[1] != '\0' || star == s || star[-1] != '.') {
            *why = "'*' may only stand for the last arc, after a dot (such as 2.16.344.*)";
            return 0;
        }
        end--; /* drop the dot before '*' */
    }
    while ((size_t)(p - s) < end) {
        digits = 0;
        while ((size_t)(p - s) < end && *p >= '0' && *p <= '9') {
            if (digits == 0 && *p == '0' && (size_t)(p + 1 - s) < end && p[1] >= '0' && p[1] <= '9') {
                *why = "an arc has a leading zero";
                return 0;
            }
            if (arcs == 0) {
                first = first * 10 + (unsigned long)(*p - '0');
            } else if (arcs == 1 && digits < 9) {
                second = second * 10 + (unsigned long)(*p - '0');
            }
            p++;
            digits++;
        }
        if (digits == 0) {
            *why = (size_t)(p - s) < end && *p != '.' ? "arcs are decimal numbers separated by dots" : "empty arc";
            return 0;
        }
        if (digits > 20) {
            *why = "an arc has more than 20 digits";
            return 0;
        }
        arcs++;
        if ((size_t)(p - s) < end) {
            if (*p != '.') {
                *why = "arcs are decimal numbers separated by dots";
                return 0;
            }
            p++;
            if ((size_t)(p - s) == end) {
                *why = "empty arc";
                return 0;
            }
        }
    }
    if (arcs < 2) {
        *why = star != NULL ? "an OID prefix needs at least two arcs before '*'" : "an OID has at least two arcs";
        return 0;
    }
    if (first > 2 || (first < 2 && second > 39)) {
        *why = "the first arc is 0, 1 or 2 (and the second at most 39 under 0 and 1)";
        return 0;
    }
    *prefix_len = star != NULL ? (size_t)(star - s) : 0;
    return 1;
}

void sb_tp_oid_list_free(struct sb_tp_oid_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].text);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void sb_y_oid_list(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, struct sb_tp_oid_list *l,
                   int allow_empty)
{
    char child[SB_Y_KPATH_MAX], q[SB_TP_OID_MAX + 8];
    const char *s, *why;
    size_t i, j, plen;

    if (!sb_y_seq(c, v, kpath, "a list of OIDs or OID prefixes such as \"2.16.344.8.*\"")) {
        return;
    }
    if (v->n == 0 && !allow_empty) {
        sb_y_error_at(c, v, kpath, "expected at least one OID or OID prefix (remove the key to require none)");
        return;
    }
    sb_tp_oid_list_free(l);
    if ((l->v = calloc(v->n + 1, sizeof(*l->v))) == NULL) {
        sb_y_error_at(c, v, kpath, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        sb_y_kpath_idx(child, sizeof(child), kpath, i);
        if (!sb_y_str(c, v->kids[i], child, 4096, &s)) {
            continue;
        }
        if (!sb_tp_oid_pattern_check(s, 1, &plen, &why)) {
            sb_y_quote(s, strlen(s), q, sizeof(q), SB_TP_OID_MAX);
            sb_y_error_at(c, v->kids[i], child, "'%s' is not an OID or OID prefix (such as 2.16.344.8.*): %s", q, why);
            continue;
        }
        for (j = 0; j < i; j++) {
            if (v->kids[j]->value != NULL && strcmp(v->kids[j]->value, s) == 0) {
                break;
            }
        }
        if (j < i) {
            sb_y_error_at(c, v->kids[i], child, "duplicate entry '%s' (first at line %u, column %u)", s,
                          v->kids[j]->line, v->kids[j]->col);
            continue;
        }
        if ((l->v[l->n].text = strdup(s)) == NULL) {
            sb_y_error_at(c, v->kids[i], child, "out of memory");
            continue;
        }
        l->v[l->n++].prefix_len = plen;
    }
}

int sb_tp_id_ok(const char *s)
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
