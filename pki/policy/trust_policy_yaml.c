/*
 * pki/policy/trust_policy_yaml.c — the policy files' YAML layer: libyaml events → a small node tree that keeps
 * every node's mark, located error collection, and hashed reads of the policy file and of the files it
 * references. Anchors, aliases and tags are refused (no alias expansion can ever happen, so no "billion
 * laughs"); depth, node count and file size are capped. Typed reads and the walker: trust_policy_walk.c.
 */
#include "pki/policy/trust_policy_local.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "pki/base/load.h"

/* ---- diagnostics ------------------------------------------------------------------------------- */

void sb_tp_diag_init(struct sb_tp_diag *d)
{
    memset(d, 0, sizeof(*d));
}

void sb_tp_diag_clear(struct sb_tp_diag *d)
{
    size_t i;

    if (d == NULL) {
        return;
    }
    for (i = 0; i < d->n; i++) {
        free(d->msgs[i]);
    }
    free(d->msgs);
    memset(d, 0, sizeof(*d));
}

static void diag_vadd(struct sb_tp_diag *d, const char *fmt, va_list ap)
{
    char buf[1024];
    char **grown;
    char *s;

    if (d == NULL) {
        return;
    }
    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (d->n == d->alloc) {
        size_t na = d->alloc == 0 ? 16 : d->alloc * 2;

        if ((grown = realloc(d->msgs, na * sizeof(*grown))) == NULL) {
            return;
        }
        d->msgs = grown;
        d->alloc = na;
    }
    if ((s = strdup(buf)) != NULL) {
        d->msgs[d->n++] = s;
    }
}

void sb_tp_diag_add(struct sb_tp_diag *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_vadd(d, fmt, ap);
    va_end(ap);
}

void sb_y_quote(const char *s, size_t slen, char *out, size_t len, size_t max)
{
    size_t i, o = 0;

    for (i = 0; i < slen && i < max && o + 4 < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        out[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (i < slen && o + 4 < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static void record(struct sb_yctx *c, const char *msg)
{
    if (c->nerr == 0 && c->first != NULL) {
        sb_err_set(c->first, SB_R_INPUT_MALFORMED, "%s", msg);
    }
    if (c->nerr < SB_TP_MAX_ERRORS) {
        sb_tp_diag_add(c->diag, "%s", msg);
    } else if (c->nerr == SB_TP_MAX_ERRORS) {
        sb_tp_diag_add(c->diag, "%s: more errors follow; only the first %d are shown", c->file, SB_TP_MAX_ERRORS);
    }
    c->nerr++;
}

int sb_y_capped(const struct sb_yctx *c)
{
    return c->nerr >= SB_TP_MAX_ERRORS;
}

static void verror(struct sb_yctx *c, unsigned line, unsigned col, const char *kpath, const char *fmt,
                   va_list ap)
{
    char what[768], msg[1024];

    vsnprintf(what, sizeof(what), fmt, ap);
    if (kpath != NULL && kpath[0] != '\0') {
        snprintf(msg, sizeof(msg), "%s:%u:%u: %s: %s", c->file, line, col, kpath, what);
    } else {
        snprintf(msg, sizeof(msg), "%s:%u:%u: %s", c->file, line, col, what);
    }
    record(c, msg);
}

void sb_y_error(struct sb_yctx *c, unsigned line, unsigned col, const char *kpath, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(c, line, col, kpath, fmt, ap);
    va_end(ap);
}

void sb_y_error_at(struct sb_yctx *c, const struct sb_ynode *n, const char *kpath, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(c, n != NULL ? n->line : 1, n != NULL ? n->col : 1, kpath, fmt, ap);
    va_end(ap);
}

void sb_y_error_file(struct sb_yctx *c, const char *fmt, ...)
{
    char what[768], msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "%s: %s", c->file, what);
    record(c, msg);
}

/* ---- context ----------------------------------------------------------------------------------- */

int sb_yctx_init(struct sb_yctx *c, const char *file, struct sb_tp_diag *diag, struct sb_err *first)
{
    const char *slash = strrchr(file, '/');
    size_t dlen;

    memset(c, 0, sizeof(*c));
    c->file = file;
    c->diag = diag;
    c->first = first;
    if (slash == NULL) {
        snprintf(c->dir, sizeof(c->dir), ".");
    } else {
        dlen = (size_t)(slash - file);
        if (dlen == 0) {
            dlen = 1; /* "/x.yaml" */
        }
        if (dlen >= sizeof(c->dir)) {
            dlen = sizeof(c->dir) - 1;
        }
        memcpy(c->dir, file, dlen);
        c->dir[dlen] = '\0';
    }
    if ((c->md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c->md);
        c->md = NULL;
        return 0;
    }
    return 1;
}

void sb_yctx_done(struct sb_yctx *c, unsigned char out[32])
{
    unsigned int n = 0;

    if (out != NULL) {
        memset(out, 0, 32);
        if (c->md != NULL) {
            EVP_DigestFinal_ex(c->md, out, &n);
        }
    }
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

static void hash_named(struct sb_yctx *c, const char *name, const unsigned char *data, size_t len)
{
    unsigned char lenbuf[8];
    size_t i;

    if (c->md == NULL) {
        return;
    }
    for (i = 0; i < 8; i++) {
        lenbuf[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    }
    EVP_DigestUpdate(c->md, name, strlen(name) + 1);
    EVP_DigestUpdate(c->md, lenbuf, sizeof(lenbuf));
    EVP_DigestUpdate(c->md, data, len);
}

/* Read a whole regular file of at most max bytes. 0 and errno-ish text in why on failure. */
static int read_whole(const char *path, size_t max, unsigned char **data, size_t *len, char *why, size_t wlen)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    ssize_t r;
    int fd;

    *data = NULL;
    *len = 0;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) { /* a FIFO must not block us */
        snprintf(why, wlen, "%s", strerror(errno));
        return 0;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, wlen, "not a regular file");
        goto err;
    }
    if ((unsigned long long)st.st_size > max) {
        snprintf(why, wlen, "%lld bytes is over the limit of %zu bytes", (long long)st.st_size, max);
        goto err;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        snprintf(why, wlen, "out of memory");
        goto err;
    }
    while (got < (size_t)st.st_size) {
        r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            snprintf(why, wlen, "read error");
            goto err;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';
    close(fd);
    *data = buf;
    *len = got;
    return 1;
err:
    free(buf);
    close(fd);
    return 0;
}

/* ---- node tree --------------------------------------------------------------------------------- */

void sb_ynode_free(struct sb_ynode *n)
{
    size_t i;

    if (n == NULL) {
        return;
    }
    for (i = 0; i < n->n; i++) {
        sb_ynode_free(n->kids[i]);
    }
    free(n->kids);
    free(n->value);
    free(n);
}

static struct sb_ynode *node_new(enum sb_yn_kind kind, const yaml_mark_t *m)
{
    struct sb_ynode *n = calloc(1, sizeof(*n));

    if (n != NULL) {
        n->kind = kind;
        n->line = (unsigned)m->line + 1;
        n->col = (unsigned)m->column + 1;
    }
    return n;
}

static int node_add(struct sb_ynode *parent, struct sb_ynode *kid)
{
    struct sb_ynode **grown;

    if (parent->n == parent->alloc) {
        size_t na = parent->alloc == 0 ? 8 : parent->alloc * 2;

        if ((grown = realloc(parent->kids, na * sizeof(*grown))) == NULL) {
            return 0;
        }
        parent->kids = grown;
        parent->alloc = na;
    }
    parent->kids[parent->n++] = kid;
    return 1;
}

struct builder {
    struct sb_ynode *stack[SB_Y_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    int docs;
    struct sb_ynode *root;
};

/* Attach n under the open container (or as the root); takes n. 0 on failure (reported). */
static int attach(struct sb_yctx *c, struct builder *b, struct sb_ynode *n)
{
    if (++b->nodes > SB_Y_MAX_NODES) {
        sb_y_error_at(c, n, NULL, "more than %d YAML nodes; a policy file is never this large", SB_Y_MAX_NODES);
        sb_ynode_free(n);
        return 0;
    }
    if (b->depth == 0) {
        sb_ynode_free(b->root);
        b->root = n;
        return 1;
    }
    if (!node_add(b->stack[b->depth - 1], n)) {
        sb_y_error_at(c, n, NULL, "out of memory");
        sb_ynode_free(n);
        return 0;
    }
    return 1;
}

static void refuse_props(struct sb_yctx *c, const yaml_mark_t *m, const yaml_char_t *anchor, const yaml_char_t *tag)
{
    char q[64];

    if (anchor != NULL) {
        sb_y_quote((const char *)anchor, strlen((const char *)anchor), q, sizeof(q), 40);
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                   "YAML anchors (&%s) are not allowed in policy files; write the value out", q);
    }
    if (tag != NULL) {
        sb_y_quote((const char *)tag, strlen((const char *)tag), q, sizeof(q), 40);
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                   "YAML tags (%s) are not allowed in policy files", q);
    }
}

/* line/column (1-based) of byte offset off in data, counting UTF-8 characters. */
static void offset_to_mark(const unsigned char *data, size_t len, size_t off, unsigned *line, unsigned *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < off && i < len; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if ((data[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static void syntax_error(struct sb_yctx *c, const yaml_parser_t *p, const unsigned char *data, size_t len)
{
    unsigned line, col;
    const char *problem = p->problem != NULL ? p->problem : "unknown problem";

    switch (p->error) {
    case YAML_READER_ERROR:
        offset_to_mark(data, len, p->problem_offset, &line, &col);
        if (p->problem_value != -1) {
            sb_y_error(c, line, col, NULL, "not valid UTF-8 YAML text: %s (byte 0x%02x)", problem,
                       (unsigned)p->problem_value & 0xffu);
        } else {
            sb_y_error(c, line, col, NULL, "not valid UTF-8 YAML text: %s", problem);
        }
        return;
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
        if (p->context != NULL) {
            sb_y_error(c, (unsigned)p->problem_mark.line + 1, (unsigned)p->problem_mark.column + 1, NULL,
                       "YAML syntax error: %s (%s at line %u, column %u)", problem, p->context,
                       (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
        } else {
            sb_y_error(c, (unsigned)p->problem_mark.line + 1, (unsigned)p->problem_mark.column + 1, NULL,
                       "YAML syntax error: %s", problem);
        }
        return;
    default:
        sb_y_error(c, (unsigned)p->problem_mark.line + 1, (unsigned)p->problem_mark.column + 1, NULL,
                   "YAML error: %s", problem);
        return;
    }
}

/* Handle one event. 1 continue, 0 stop (reported), 2 end of stream. */
static int on_event(struct sb_yctx *c, struct builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    struct sb_ynode *n;
    char q[64];

    switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_NO_EVENT:
        return 1;
    case YAML_STREAM_END_EVENT:
        return 2;
    case YAML_DOCUMENT_START_EVENT:
        if (++b->docs > 1) {
            sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                       "a second YAML document ('---'); a policy file holds exactly one");
            return 0;
        }
        return 1;
    case YAML_ALIAS_EVENT:
        sb_y_quote((const char *)ev->data.alias.anchor, strlen((const char *)ev->data.alias.anchor), q, sizeof(q), 40);
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                   "YAML aliases (*%s) are not allowed in policy files; write the value out", q);
        if ((n = node_new(SB_YN_SCALAR, m)) == NULL) {
            return 0;
        }
        n->bad = 1;
        return attach(c, b, n);
    case YAML_SCALAR_EVENT:
        refuse_props(c, m, ev->data.scalar.anchor, ev->data.scalar.tag);
        if ((n = node_new(SB_YN_SCALAR, m)) == NULL || (n->value = malloc(ev->data.scalar.length + 1)) == NULL) {
            sb_ynode_free(n);
            sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "out of memory");
            return 0;
        }
        memcpy(n->value, ev->data.scalar.value, ev->data.scalar.length);
        n->value[ev->data.scalar.length] = '\0';
        n->len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->bad = ev->data.scalar.anchor != NULL || ev->data.scalar.tag != NULL;
        return attach(c, b, n);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (ev->type == YAML_SEQUENCE_START_EVENT) {
            refuse_props(c, m, ev->data.sequence_start.anchor, ev->data.sequence_start.tag);
        } else {
            refuse_props(c, m, ev->data.mapping_start.anchor, ev->data.mapping_start.tag);
        }
        if (b->depth >= SB_Y_MAX_DEPTH) {
            sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                       "nested more than %d levels deep", SB_Y_MAX_DEPTH);
            return 0;
        }
        n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? SB_YN_SEQ : SB_YN_MAP, m);
        if (n == NULL) {
            sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "out of memory");
            return 0;
        }
        if (!attach(c, b, n)) {
            return 0;
        }
        b->stack[b->depth++] = n;
        return 1;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0) {
            b->depth--;
        }
        return 1;
    default:
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "unexpected YAML event");
        return 0;
    }
}

int sb_yaml_load(struct sb_yctx *c, const char *path, struct sb_ynode **root)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct builder b;
    unsigned char *data = NULL;
    size_t len = 0;
    const char *base = strrchr(path, '/');
    char why[256];
    int r, done = 0, parser_ok = 0, result = 0;

    *root = NULL;
    memset(&b, 0, sizeof(b));
    if (!read_whole(path, SB_TP_MAX_FILE, &data, &len, why, sizeof(why))) {
        sb_y_error_file(c, "cannot read: %s", why);
        if (c->first != NULL) {
            c->first->reason = SB_R_INPUT_UNREADABLE;
        }
        return -1;
    }
    hash_named(c, base != NULL ? base + 1 : path, data, len);
    if (!yaml_parser_initialize(&parser)) {
        sb_y_error_file(c, "out of memory");
        goto out;
    }
    parser_ok = 1;
    yaml_parser_set_input_string(&parser, data, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(c, &parser, data, len);
            goto out;
        }
        r = on_event(c, &b, &ev);
        yaml_event_delete(&ev);
        if (r == 0) {
            goto out;
        }
        done = r == 2;
    }
    *root = b.root;
    b.root = NULL;
    result = 1;
out:
    sb_ynode_free(b.root);
    if (parser_ok) {
        yaml_parser_delete(&parser);
    }
    free(data);
    return result;
}

/* ---- referenced files -------------------------------------------------------------------------- */

int sb_y_read_ref(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, unsigned char **data,
                  size_t *len, char *resolved, size_t rlen)
{
    const char *name;
    char why[256];
    int w;

    *data = NULL;
    *len = 0;
    if (!sb_y_str(c, v, kpath, PATH_MAX - 1, &name)) {
        return 0;
    }
    if (name[0] == '\0') {
        sb_y_error_at(c, v, kpath, "expected a file name, got an empty string");
        return 0;
    }
    w = name[0] == '/' ? snprintf(resolved, rlen, "%s", name) : snprintf(resolved, rlen, "%s/%s", c->dir, name);
    if (w < 0 || (size_t)w >= rlen) {
        sb_y_error_at(c, v, kpath, "file name too long");
        return 0;
    }
    if (!read_whole(resolved, SB_LOAD_MAX_FILE, data, len, why, sizeof(why))) {
        if (name[0] == '/') {
            sb_y_error_at(c, v, kpath, "cannot read '%s': %s", name, why);
        } else {
            sb_y_error_at(c, v, kpath, "cannot read '%s' (resolved to %s): %s", name, resolved, why);
        }
        return 0;
    }
    hash_named(c, name, *data, *len);
    return 1;
}

int sb_y_load_certs(struct sb_yctx *c, const struct sb_ynode *v, const char *kpath, STACK_OF(X509) **out)
{
    STACK_OF(X509) *got = NULL;
    unsigned char *data = NULL;
    size_t len = 0;
    char resolved[PATH_MAX];
    struct sb_err e;
    int ok = 0;

    if (!sb_y_read_ref(c, v, kpath, &data, &len, resolved, sizeof(resolved))) {
        return 0;
    }
    sb_err_clear(&e);
    /* decode into a stack of our own: a file that fails half-way must leave *out untouched */
    if (sb_load_certs_mem(data, len, v->value, &got, &e) != SB_OK) {
        sb_y_error_at(c, v, kpath, "not a certificate file: %s", e.msg);
        goto out;
    }
    if (*out == NULL) {
        *out = got;
        got = NULL;
    } else {
        while (sk_X509_num(got) > 0) {
            X509 *x = sk_X509_shift(got);

            if (!sk_X509_push(*out, x)) {
                X509_free(x);
                goto out;
            }
        }
    }
    ok = 1;
out:
    sk_X509_pop_free(got, X509_free);
    free(data);
    return ok;
}
