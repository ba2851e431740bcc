/*
 * gateway/daemon/conf_yaml.c — YAML node tree with positions, located errors and the key-table walker.
 */
#include "gateway/daemon/conf_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define Y_MAX_DEPTH 32
#define Y_MAX_NODES 20000

void sbgw_diag_init(struct sbgw_diag *d)
{
    memset(d, 0, sizeof(*d));
}

void sbgw_diag_clear(struct sbgw_diag *d)
{
    size_t i;

    if (d == NULL) {
        return;
    }
    for (i = 0; i < d->n; i++) {
        free(d->msgs[i]);
    }
    memset(d, 0, sizeof(*d));
}

void sbgw_diag_add(struct sbgw_diag *d, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    if (d == NULL) {
        return;
    }
    if (d->n >= SBGW_DIAG_MAX) {
        d->dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if ((d->msgs[d->n] = strdup(buf)) != NULL) {
        d->n++;
    }
}

void sbgw_yload_init(struct sbgw_yload *L, const char *file, struct sbgw_diag *diag)
{
    const char *slash = strrchr(file, '/');

    memset(L, 0, sizeof(*L));
    L->file = file;
    L->diag = diag;
    if (slash == NULL) {
        snprintf(L->dir, sizeof(L->dir), ".");
    } else if (slash == file) {
        snprintf(L->dir, sizeof(L->dir), "/");
    } else {
        snprintf(L->dir, sizeof(L->dir), "%.*s", (int)(slash - file), file);
    }
}

void sbgw_y_error(struct sbgw_yload *L, const struct sbgw_ynode *n, const char *kpath, const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    L->nerr++;
    if (n != NULL) {
        sbgw_diag_add(L->diag, "%s:%u:%u: %s%s%s", L->file, n->line, n->col, kpath != NULL ? kpath : "",
                      kpath != NULL && kpath[0] != '\0' ? ": " : "", msg);
    } else {
        sbgw_diag_add(L->diag, "%s: %s%s%s", L->file, kpath != NULL ? kpath : "",
                      kpath != NULL && kpath[0] != '\0' ? ": " : "", msg);
    }
}

void sbgw_ynode_free(struct sbgw_ynode *n)
{
    size_t i;

    if (n == NULL) {
        return;
    }
    for (i = 0; i < n->n; i++) {
        sbgw_ynode_free(n->kids[i]);
    }
    free(n->kids);
    free(n->value);
    free(n);
}

static struct sbgw_ynode *node_new(enum sbgw_ykind kind, const yaml_mark_t *m)
{
    struct sbgw_ynode *n = calloc(1, sizeof(*n));

    if (n != NULL) {
        n->kind = kind;
        n->line = (unsigned)m->line + 1;   /* libyaml counts from 0 */
        n->col = (unsigned)m->column + 1;
    }
    return n;
}

static int node_add(struct sbgw_ynode *parent, struct sbgw_ynode *kid)
{
    struct sbgw_ynode **k;

    if (parent->n == parent->alloc) {
        size_t na = parent->alloc == 0 ? 8 : parent->alloc * 2;

        if ((k = realloc(parent->kids, na * sizeof(*k))) == NULL) {
            return 0;
        }
        parent->kids = k;
        parent->alloc = na;
    }
    parent->kids[parent->n++] = kid;
    return 1;
}

static char *read_file(struct sbgw_yload *L, size_t *len)
{
    FILE *f = fopen(L->file, "rb");
    char *buf = NULL;
    size_t n;

    if (f == NULL) {
        sbgw_y_error(L, NULL, NULL, "cannot read: %s", strerror(errno));
        return NULL;
    }
    if ((buf = malloc(SBGW_YAML_MAX + 1)) == NULL) {
        sbgw_y_error(L, NULL, NULL, "out of memory");
        goto err;
    }
    n = fread(buf, 1, SBGW_YAML_MAX + 1, f);
    if (ferror(f)) {
        sbgw_y_error(L, NULL, NULL, "cannot read: %s", strerror(errno));
        goto err;
    }
    if (n > SBGW_YAML_MAX) {
        sbgw_y_error(L, NULL, NULL, "larger than %u bytes", SBGW_YAML_MAX);
        goto err;
    }
    fclose(f);
    *len = n;
    return buf;
err:
    free(buf);
    fclose(f);
    return NULL;
}

/* Anchors, aliases and explicit tags are refused; the node is still built so parsing continues. */
static void refuse_decor(struct sbgw_yload *L, const yaml_mark_t *m, const yaml_char_t *anchor,
                         const yaml_char_t *tag)
{
    struct sbgw_ynode at;

    memset(&at, 0, sizeof(at));
    at.line = (unsigned)m->line + 1;
    at.col = (unsigned)m->column + 1;
    if (anchor != NULL) {
        sbgw_y_error(L, &at, NULL, "YAML anchors (&%s) are not allowed in the configuration", (const char *)anchor);
    }
    if (tag != NULL) {
        sbgw_y_error(L, &at, NULL, "YAML tags (%s) are not allowed in the configuration", (const char *)tag);
    }
}

int sbgw_yaml_parse(struct sbgw_yload *L, struct sbgw_ynode **root)
{
    struct sbgw_ynode *stack[Y_MAX_DEPTH + 1], *n, *top = NULL;
    yaml_parser_t parser;
    yaml_event_t ev;
    size_t depth = 0, nodes = 0, docs = 0, len = 0;
    char *buf;
    int done = 0, rc = -1, have_ev = 0;

    *root = NULL;
    if ((buf = read_file(L, &len)) == NULL) {
        return -1;
    }
    if (!yaml_parser_initialize(&parser)) {
        free(buf);
        sbgw_y_error(L, NULL, NULL, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (!done) {
        struct sbgw_ynode at;

        if (!yaml_parser_parse(&parser, &ev)) {
            memset(&at, 0, sizeof(at));
            at.line = (unsigned)parser.problem_mark.line + 1;
            at.col = (unsigned)parser.problem_mark.column + 1;
            sbgw_y_error(L, &at, NULL, "not well-formed YAML: %s%s%s", parser.problem != NULL ? parser.problem : "?",
                         parser.context != NULL ? " " : "", parser.context != NULL ? parser.context : "");
            goto out;
        }
        have_ev = 1;
        n = NULL;
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                memset(&at, 0, sizeof(at));
                at.line = (unsigned)ev.start_mark.line + 1;
                at.col = (unsigned)ev.start_mark.column + 1;
                sbgw_y_error(L, &at, NULL, "only one YAML document is allowed");
                goto out;
            }
            break;
        case YAML_ALIAS_EVENT:
            memset(&at, 0, sizeof(at));
            at.line = (unsigned)ev.start_mark.line + 1;
            at.col = (unsigned)ev.start_mark.column + 1;
            sbgw_y_error(L, &at, NULL, "YAML aliases (*%s) are not allowed in the configuration",
                         (const char *)ev.data.alias.anchor);
            if ((n = node_new(SBGW_Y_SCALAR, &ev.start_mark)) != NULL && (n->value = strdup("")) == NULL) {
                sbgw_ynode_free(n);
                n = NULL;
            }
            break;
        case YAML_SCALAR_EVENT:
            refuse_decor(L, &ev.start_mark, ev.data.scalar.anchor,
                         ev.data.scalar.plain_implicit || ev.data.scalar.quoted_implicit ? NULL : ev.data.scalar.tag);
            if ((n = node_new(SBGW_Y_SCALAR, &ev.start_mark)) != NULL) {
                n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                if ((n->value = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length)) == NULL) {
                    sbgw_ynode_free(n);
                    n = NULL;
                } else if (strlen(n->value) != ev.data.scalar.length) {
                    sbgw_y_error(L, n, NULL, "NUL character in a value");
                }
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (ev.type == YAML_SEQUENCE_START_EVENT) {
                refuse_decor(L, &ev.start_mark, ev.data.sequence_start.anchor,
                             ev.data.sequence_start.implicit ? NULL : ev.data.sequence_start.tag);
            } else {
                refuse_decor(L, &ev.start_mark, ev.data.mapping_start.anchor,
                             ev.data.mapping_start.implicit ? NULL : ev.data.mapping_start.tag);
            }
            n = node_new(ev.type == YAML_SEQUENCE_START_EVENT ? SBGW_Y_SEQ : SBGW_Y_MAP, &ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0) {
                depth--;
            }
            break;
        case YAML_NO_EVENT:
        default:
            break;
        }
        if (n == NULL && (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
                          ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)) {
            sbgw_y_error(L, NULL, NULL, "out of memory");
            goto out;
        }
        if (n != NULL) {
            if (++nodes > Y_MAX_NODES) {
                sbgw_y_error(L, n, NULL, "more than %d YAML nodes", Y_MAX_NODES);
                sbgw_ynode_free(n);
                goto out;
            }
            if (depth == 0) {
                sbgw_ynode_free(top);   /* cannot happen for one document; be safe */
                top = n;
            } else if (!node_add(stack[depth - 1], n)) {
                sbgw_ynode_free(n);
                sbgw_y_error(L, NULL, NULL, "out of memory");
                goto out;
            }
            if (n->kind != SBGW_Y_SCALAR) {
                if (depth >= Y_MAX_DEPTH) {
                    sbgw_y_error(L, n, NULL, "nested deeper than %d levels", Y_MAX_DEPTH);
                    goto out;
                }
                stack[depth++] = n;
            }
        }
        yaml_event_delete(&ev);
        have_ev = 0;
    }
    *root = top;
    top = NULL;
    rc = 0;
out:
    if (have_ev) {
        yaml_event_delete(&ev);
    }
    sbgw_ynode_free(top);
    yaml_parser_delete(&parser);
    free(buf);
    return rc;
}

void sbgw_kpath_key(char *out, size_t len, const char *kpath, const char *key)
{
    if (kpath == NULL || kpath[0] == '\0') {
        snprintf(out, len, "%s", key);
    } else {
        snprintf(out, len, "%s.%s", kpath, key);
    }
}

void sbgw_kpath_idx(char *out, size_t len, const char *kpath, size_t i)
{
    snprintf(out, len, "%s[%zu]", kpath != NULL ? kpath : "", i);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
    size_t row[64];

    if (la >= 63 || lb >= 63) {
        return 99;
    }
    for (j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (i = 1; i <= la; i++) {
        prev = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            cur = prev + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (row[j] + 1 < cur) {
                cur = row[j] + 1;
            }
            if (row[j - 1] + 1 < cur) {
                cur = row[j - 1] + 1;
            }
            tmp = row[j];
            row[j] = cur;
            prev = tmp;
        }
    }
    return row[lb];
}

const char *sbgw_y_nearest(const char *s, const char *const *names, size_t n)
{
    size_t i, d, best = 99, limit = strlen(s) <= 4 ? 1 : (strlen(s) <= 10 ? 2 : 3);
    const char *hit = NULL;

    for (i = 0; i < n; i++) {
        d = edit_distance(s, names[i]);
        if (d < best) {
            best = d;
            hit = names[i];
        }
    }
    return best <= limit ? hit : NULL;
}

static const char *kind_name(const struct sbgw_ynode *n)
{
    if (n->kind == SBGW_Y_MAP) {
        return "a mapping";
    }
    if (n->kind == SBGW_Y_SEQ) {
        return "a list";
    }
    return "a value";
}

void sbgw_y_walk(struct sbgw_yload *L, const struct sbgw_ynode *map, const char *kpath,
                 const struct sbgw_ykey *keys, size_t nkeys, void *obj)
{
    const struct sbgw_ynode *seen[64];
    const char *names[64];
    char sub[SBGW_KPATH_MAX];
    size_t i, k;

    if (nkeys > 64) {
        sbgw_y_error(L, map, kpath, "internal: key table too large");
        return;
    }
    for (k = 0; k < nkeys; k++) {
        seen[k] = NULL;
        names[k] = keys[k].name;
    }
    for (i = 0; i + 1 < map->n; i += 2) {
        const struct sbgw_ynode *key = map->kids[i], *val = map->kids[i + 1];
        const char *hint;

        if (key->kind != SBGW_Y_SCALAR) {
            sbgw_y_error(L, key, kpath, "a key must be a plain name, not %s", kind_name(key));
            continue;
        }
        for (k = 0; k < nkeys; k++) {
            if (strcmp(key->value, keys[k].name) == 0) {
                break;
            }
        }
        sbgw_kpath_key(sub, sizeof(sub), kpath, key->value);
        if (k == nkeys) {
            hint = sbgw_y_nearest(key->value, names, nkeys);
            if (hint != NULL) {
                sbgw_y_error(L, key, sub, "unknown key (did you mean '%s'?)", hint);
            } else {
                sbgw_y_error(L, key, sub, "unknown key");
            }
            continue;
        }
        if (seen[k] != NULL) {
            sbgw_y_error(L, key, sub, "duplicate key (first at line %u, column %u)", seen[k]->line, seen[k]->col);
            continue;
        }
        seen[k] = key;
        keys[k].set(L, obj, val, sub);
    }
    for (k = 0; k < nkeys; k++) {
        if (keys[k].required && seen[k] == NULL) {
            sbgw_kpath_key(sub, sizeof(sub), kpath, keys[k].name);
            sbgw_y_error(L, map, sub, "required key is missing");
        }
    }
}

static int is_null(const struct sbgw_ynode *v)
{
    return v->kind == SBGW_Y_SCALAR && v->plain &&
           (v->value[0] == '\0' || strcmp(v->value, "~") == 0 || strcmp(v->value, "null") == 0);
}

int sbgw_y_map(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, const char *expect)
{
    if (v->kind != SBGW_Y_MAP) {
        sbgw_y_error(L, v, kpath, "expected %s, found %s", expect, is_null(v) ? "nothing" : kind_name(v));
        return 0;
    }
    return 1;
}

int sbgw_y_seq(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, const char *expect)
{
    if (v->kind != SBGW_Y_SEQ) {
        sbgw_y_error(L, v, kpath, "expected %s, found %s", expect, is_null(v) ? "nothing" : kind_name(v));
        return 0;
    }
    return 1;
}

int sbgw_y_str(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, size_t max_len,
               const char **out)
{
    if (v->kind != SBGW_Y_SCALAR || is_null(v)) {
        sbgw_y_error(L, v, kpath, "expected a string, found %s", is_null(v) ? "nothing" : kind_name(v));
        return 0;
    }
    if (strlen(v->value) > max_len) {
        sbgw_y_error(L, v, kpath, "longer than %zu characters", max_len);
        return 0;
    }
    *out = v->value;
    return 1;
}

int sbgw_y_strdup(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, size_t max_len,
                  char **dst)
{
    const char *s;
    char *c;

    if (!sbgw_y_str(L, v, kpath, max_len, &s)) {
        return 0;
    }
    if ((c = strdup(s)) == NULL) {
        sbgw_y_error(L, v, kpath, "out of memory");
        return 0;
    }
    free(*dst);
    *dst = c;
    return 1;
}

static int parse_ll(const char *s, long long *out, const char **end)
{
    char *e;

    if (s[0] == '\0' || !((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9'))) {
        return 0;
    }
    errno = 0;
    *out = strtoll(s, &e, 10);
    if (errno != 0) {
        return 0;
    }
    *end = e;
    return 1;
}

int sbgw_y_int(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, long long min,
               long long max, long long *out)
{
    const char *end = NULL;
    long long x;

    if (v->kind != SBGW_Y_SCALAR || !v->plain || !parse_ll(v->value, &x, &end) || *end != '\0') {
        sbgw_y_error(L, v, kpath, "expected an integer from %lld to %lld", min, max);
        return 0;
    }
    if (x < min || x > max) {
        sbgw_y_error(L, v, kpath, "%lld is out of range (%lld to %lld)", x, min, max);
        return 0;
    }
    *out = x;
    return 1;
}

int sbgw_y_size(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, long long min,
                long long max, long long *out)
{
    static const struct { const char *s; long long m; } suf[] = {
        { "", 1 }, { "K", 1024 }, { "KiB", 1024 }, { "M", 1024 * 1024 }, { "MiB", 1024 * 1024 },
        { "G", 1024LL * 1024 * 1024 }, { "GiB", 1024LL * 1024 * 1024 },
    };
    const char *end = NULL;
    long long x;
    size_t i;

    if (v->kind == SBGW_Y_SCALAR && parse_ll(v->value, &x, &end) && x >= 0) {
        for (i = 0; i < sizeof(suf) / sizeof(suf[0]); i++) {
            if (strcmp(end, suf[i].s) == 0 && x <= max / suf[i].m) {
                x *= suf[i].m;
                if (x < min || x > max) {
                    sbgw_y_error(L, v, kpath, "%s is out of range (%lld to %lld bytes)", v->value, min, max);
                    return 0;
                }
                *out = x;
                return 1;
            }
        }
    }
    sbgw_y_error(L, v, kpath, "expected a size in bytes such as 1048576, \"64KiB\" or \"10MiB\" (%lld to %lld)",
                 min, max);
    return 0;
}

int sbgw_y_bool(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, int *out)
{
    if (v->kind == SBGW_Y_SCALAR && v->plain) {
        if (strcmp(v->value, "true") == 0) {
            *out = 1;
            return 1;
        }
        if (strcmp(v->value, "false") == 0) {
            *out = 0;
            return 1;
        }
    }
    sbgw_y_error(L, v, kpath, "expected true or false");
    return 0;
}

int sbgw_y_enum(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, const char *const *names,
                size_t n)
{
    char list[256];
    const char *s, *hint;
    size_t i, o = 0;

    if (!sbgw_y_str(L, v, kpath, 64, &s)) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            return (int)i;
        }
    }
    list[0] = '\0';
    for (i = 0; i < n && o < sizeof(list); i++) {
        int w = snprintf(list + o, sizeof(list) - o, "%s%s", i == 0 ? "" : (i + 1 == n ? " or " : ", "), names[i]);

        o += w > 0 ? (size_t)w : 0;
    }
    hint = sbgw_y_nearest(s, names, n);
    if (hint != NULL) {
        sbgw_y_error(L, v, kpath, "'%s' is not one of %s (did you mean '%s'?)", s, list, hint);
    } else {
        sbgw_y_error(L, v, kpath, "'%s' is not one of %s", s, list);
    }
    return -1;
}

int sbgw_y_path(struct sbgw_yload *L, const struct sbgw_ynode *v, const char *kpath, char **dst)
{
    const char *s;
    char buf[PATH_MAX];
    char *c;
    int w;

    if (!sbgw_y_str(L, v, kpath, PATH_MAX - 1, &s)) {
        return 0;
    }
    if (s[0] == '/') {
        w = snprintf(buf, sizeof(buf), "%s", s);
    } else {
        w = snprintf(buf, sizeof(buf), "%s/%s", L->dir, s);
    }
    if (w < 0 || (size_t)w >= sizeof(buf)) {
        sbgw_y_error(L, v, kpath, "path too long");
        return 0;
    }
    if ((c = strdup(buf)) == NULL) {
        sbgw_y_error(L, v, kpath, "out of memory");
        return 0;
    }
    free(*dst);
    *dst = c;
    return 1;
}
