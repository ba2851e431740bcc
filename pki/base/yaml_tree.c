/*
 * pki/base/yaml_tree.c — reading one YAML file into a node tree with positions, and located errors
 * (yaml_tree.h). Typed reads and the key walker are in yaml_schema.c, on top of this file.
 */
#include "pki/base/yaml_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

const struct sb_ydoc sb_ydoc_policy = { "policy files", "a policy file", 1 };
const struct sb_ydoc sb_ydoc_conf = { "the configuration", "the configuration file", 0 };

/* ---- located errors ---------------------------------------------------------------------------- */

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

static void record(struct sb_yfile *c, const char *msg)
{
    if (c->nerr == 0 && c->first != NULL) {
        sb_err_set(c->first, SB_R_INPUT_MALFORMED, "%s", msg);
    }
    if (c->nerr < SB_Y_MAX_ERRORS) {
        sb_diag_add(c->diag, "%s", msg);
    } else if (c->nerr == SB_Y_MAX_ERRORS) {
        sb_diag_add(c->diag, "%s: more errors follow; only the first %d are shown", c->file, SB_Y_MAX_ERRORS);
    }
    c->nerr++;
}

int sb_y_capped(const struct sb_yfile *c)
{
    return c->nerr >= SB_Y_MAX_ERRORS;
}

/* line 0: no position ("file: kpath: what"). */
static void verror(struct sb_yfile *c, unsigned line, unsigned col, const char *kpath, const char *fmt, va_list ap)
{
    char what[768], at[32], msg[1024];

    vsnprintf(what, sizeof(what), fmt, ap);
    at[0] = '\0';
    if (line > 0) {
        snprintf(at, sizeof(at), ":%u:%u", line, col);
    }
    if (kpath != NULL && kpath[0] != '\0') {
        snprintf(msg, sizeof(msg), "%s%s: %s: %s", c->file, at, kpath, what);
    } else {
        snprintf(msg, sizeof(msg), "%s%s: %s", c->file, at, what);
    }
    record(c, msg);
}

void sb_y_error(struct sb_yfile *c, unsigned line, unsigned col, const char *kpath, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(c, line, col, kpath, fmt, ap);
    va_end(ap);
}

void sb_y_error_at(struct sb_yfile *c, const struct sb_ynode *n, const char *kpath, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(c, n != NULL ? n->line : 0, n != NULL ? n->col : 0, kpath, fmt, ap);
    va_end(ap);
}

void sb_y_error_file(struct sb_yfile *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verror(c, 0, 0, NULL, fmt, ap);
    va_end(ap);
}

/* ---- the file ---------------------------------------------------------------------------------- */

int sb_yfile_init(struct sb_yfile *c, const char *file, const struct sb_ydoc *doc, struct sb_diag *diag,
                  struct sb_err *first)
{
    const char *slash = strrchr(file, '/');
    size_t dlen;

    memset(c, 0, sizeof(*c));
    c->file = file;
    c->doc = doc;
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
    if (!doc->hashed) {
        return 1;
    }
    if ((c->md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c->md);
        c->md = NULL;
        return 0;
    }
    return 1;
}

void sb_yfile_done(struct sb_yfile *c, unsigned char out[32])
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

int sb_yfile_resolve(const struct sb_yfile *c, const char *name, char *out, size_t len)
{
    int w = name[0] == '/' ? snprintf(out, len, "%s", name) : snprintf(out, len, "%s/%s", c->dir, name);

    return w >= 0 && (size_t)w < len;
}

static void hash_named(struct sb_yfile *c, const char *name, const unsigned char *data, size_t len)
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

int sb_yfile_read(struct sb_yfile *c, const char *path, const char *hash_name, size_t max, unsigned char **data,
                  size_t *len, char *why, size_t wlen)
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
    hash_named(c, hash_name, buf, got);
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
        n->line = (unsigned)m->line + 1; /* libyaml counts from 0 */
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
static int attach(struct sb_yfile *c, struct builder *b, struct sb_ynode *n)
{
    if (++b->nodes > SB_Y_MAX_NODES) {
        sb_y_error_at(c, n, NULL, "more than %d YAML nodes; %s is never this large", SB_Y_MAX_NODES, c->doc->one);
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

static void refuse_props(struct sb_yfile *c, const yaml_mark_t *m, const yaml_char_t *anchor, const yaml_char_t *tag)
{
    char q[64];

    if (anchor != NULL) {
        sb_y_quote((const char *)anchor, strlen((const char *)anchor), q, sizeof(q), 40);
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                   "YAML anchors (&%s) are not allowed in %s; write the value out", q, c->doc->plural);
    }
    if (tag != NULL) {
        sb_y_quote((const char *)tag, strlen((const char *)tag), q, sizeof(q), 40);
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "YAML tags (%s) are not allowed in %s",
                   q, c->doc->plural);
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

static void syntax_error(struct sb_yfile *c, const yaml_parser_t *p, const unsigned char *data, size_t len)
{
    unsigned line = (unsigned)p->problem_mark.line + 1, col = (unsigned)p->problem_mark.column + 1;
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
            sb_y_error(c, line, col, NULL, "YAML syntax error: %s (%s at line %u, column %u)", problem, p->context,
                       (unsigned)p->context_mark.line + 1, (unsigned)p->context_mark.column + 1);
        } else {
            sb_y_error(c, line, col, NULL, "YAML syntax error: %s", problem);
        }
        return;
    default:
        sb_y_error(c, line, col, NULL, "YAML error: %s", problem);
        return;
    }
}

static int on_scalar(struct sb_yfile *c, struct builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    struct sb_ynode *n;

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
}

static int on_open(struct sb_yfile *c, struct builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    struct sb_ynode *n;

    if (ev->type == YAML_SEQUENCE_START_EVENT) {
        refuse_props(c, m, ev->data.sequence_start.anchor, ev->data.sequence_start.tag);
    } else {
        refuse_props(c, m, ev->data.mapping_start.anchor, ev->data.mapping_start.tag);
    }
    if (b->depth >= SB_Y_MAX_DEPTH) {
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "nested more than %d levels deep",
                   SB_Y_MAX_DEPTH);
        return 0;
    }
    if ((n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? SB_YN_SEQ : SB_YN_MAP, m)) == NULL) {
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "out of memory");
        return 0;
    }
    if (!attach(c, b, n)) {
        return 0;
    }
    b->stack[b->depth++] = n;
    return 1;
}

/* Handle one event. 1 continue, 0 stop (reported), 2 end of stream. */
static int on_event(struct sb_yfile *c, struct builder *b, const yaml_event_t *ev)
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
                       "a second YAML document ('---'); %s holds exactly one", c->doc->one);
            return 0;
        }
        return 1;
    case YAML_ALIAS_EVENT:
        sb_y_quote((const char *)ev->data.alias.anchor, strlen((const char *)ev->data.alias.anchor), q, sizeof(q), 40);
        sb_y_error(c, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL,
                   "YAML aliases (*%s) are not allowed in %s; write the value out", q, c->doc->plural);
        if ((n = node_new(SB_YN_SCALAR, m)) == NULL) {
            return 0;
        }
        n->bad = 1;
        return attach(c, b, n);
    case YAML_SCALAR_EVENT:
        return on_scalar(c, b, ev);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_open(c, b, ev);
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

int sb_y_parse(struct sb_yfile *c, struct sb_ynode **root)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct builder b;
    unsigned char *data = NULL;
    size_t len = 0;
    const char *base = strrchr(c->file, '/');
    char why[256];
    int r, done = 0, parser_ok = 0, result = 0;

    *root = NULL;
    memset(&b, 0, sizeof(b));
    if (!sb_yfile_read(c, c->file, base != NULL ? base + 1 : c->file, SB_Y_MAX_FILE, &data, &len, why,
                       sizeof(why))) {
        sb_y_error_file(c, "cannot read: %s", why);
        if (c->first != NULL) {
            c->first->reason = SB_R_INPUT_UNREADABLE;
        }
        return -1;
    }
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
