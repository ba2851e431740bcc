/*
 * pki/xml/xml_safe.c — hostile-input XML parsing (pki/xml/xml_safe.h).
 *
 * libxml2 is driven through a private parser context whose SAX handler is a copy of the SAX2 tree
 * builder with a few entries wrapped: each wrapper counts, checks a cap, and either stops the parser
 * (xmlStopParser) or forwards to the stock xmlSAX2* builder. The ENTITY-declaration hooks never
 * forward: one declaration stops everything, so no entity is ever stored, expanded or loaded.
 */
#include "pki/xml/xml_safe.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "pki/base/base64.h"
#include "pki/base/rfc3339_time.h"

/* Per-parse state, reached through ctxt->_private. */
struct parse_state {
    enum sb_reason refused;     /* SB_OK while parsing is allowed */
    char why[256];
    size_t nodes;
    size_t attrs;
    int depth;
};

static struct parse_state *state_of(void *ctx)
{
    xmlParserCtxtPtr ctxt = ctx;

    return ctxt != NULL ? ctxt->_private : NULL;
}

/* Stop parsing for good with reason r; what says why (the line number is appended). */
static void refuse(void *ctx, enum sb_reason r, const char *what, const xmlChar *name)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = state_of(ctx);

    if (st != NULL && st->refused == SB_OK) {
        st->refused = r;
        snprintf(st->why, sizeof(st->why), "%s%.80s%s (line %d)", what, name != NULL ? (const char *)name : "",
                 name != NULL ? "'" : "", xmlSAX2GetLineNumber(ctx));
    }
    xmlStopParser(ctxt);
}

static int count_node(void *ctx)
{
    struct parse_state *st = state_of(ctx);

    if (st == NULL || st->refused != SB_OK) {
        return 0;
    }
    if (++st->nodes > SB_XML_MAX_NODES) {
        refuse(ctx, SB_R_INPUT_TOO_LARGE, "more than 500000 elements, comments, PIs and CDATA sections", NULL);
        return 0;
    }
    return 1;
}

static void h_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                    int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                    const xmlChar **attributes)
{
    struct parse_state *st = state_of(ctx);
    size_t n;

    if (!count_node(ctx)) {
        return;
    }
    n = (size_t)(nb_namespaces > 0 ? nb_namespaces : 0) + (size_t)(nb_attributes > 0 ? nb_attributes : 0);
    if (n > SB_XML_MAX_ELEM_ATTRS) {
        refuse(ctx, SB_R_INPUT_TOO_LARGE, "more than 256 attributes on element '", localname);
        return;
    }
    st->attrs += n;
    if (st->attrs > SB_XML_MAX_ATTRS) {
        refuse(ctx, SB_R_INPUT_TOO_LARGE, "more than 1000000 attributes", NULL);
        return;
    }
    if (++st->depth > SB_XML_MAX_DEPTH) {
        refuse(ctx, SB_R_INPUT_TOO_LARGE, "elements nested deeper than 256 levels", NULL);
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                          attributes);
}

static void h_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    struct parse_state *st = state_of(ctx);

    if (st == NULL || st->refused != SB_OK) {
        return;
    }
    st->depth--;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static void h_comment(void *ctx, const xmlChar *value)
{
    if (count_node(ctx)) {
        xmlSAX2Comment(ctx, value);
    }
}

static void h_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    if (count_node(ctx)) {
        xmlSAX2ProcessingInstruction(ctx, target, data);
    }
}

static void h_cdata(void *ctx, const xmlChar *value, int len)
{
    if (count_node(ctx)) {
        xmlSAX2CDataBlock(ctx, value, len);
    }
}

static void h_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                          const xmlChar *system_id, xmlChar *content)
{
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    refuse(ctx, SB_R_FORMAT, "entity declarations are refused: DOCTYPE declares entity '", name);
}

static void h_unparsed_decl(void *ctx, const xmlChar *name, const xmlChar *public_id, const xmlChar *system_id,
                            const xmlChar *notation)
{
    (void)public_id;
    (void)system_id;
    (void)notation;
    refuse(ctx, SB_R_FORMAT, "entity declarations are refused: DOCTYPE declares unparsed entity '", name);
}

static void h_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
    (void)external_id;
    (void)system_id;
    refuse(ctx, SB_R_FORMAT, "DOCTYPE refused (a DTD can declare an entity, default attributes or IDs "
           "that change what is signed): document type '", name);
}

static void h_reference(void *ctx, const xmlChar *name)
{
    refuse(ctx, SB_R_FORMAT, "only the predefined entities are allowed: reference to entity '", name);
}

static xmlEntityPtr h_get_entity(void *ctx, const xmlChar *name)
{
    /* predefined entities (amp, lt, ...) are resolved by the parser itself before this is asked */
    (void)ctx;
    return xmlGetPredefinedEntity(name);
}

static xmlParserInputPtr h_resolve(void *ctx, const xmlChar *public_id, const xmlChar *system_id)
{
    (void)public_id;
    refuse(ctx, SB_R_FORMAT, "nothing is ever loaded: external resource requested '", system_id);
    return NULL;
}

/* A libxml2 generic error handler that drops the text (the parse result carries the reason). */
static void sb_xml_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

enum sb_reason sb_xml_parse(const unsigned char *in, size_t len, const char *name, xmlDocPtr *out,
                            struct sb_err *err)
{
    xmlParserCtxtPtr ctxt = NULL;
    struct parse_state st;
    const xmlError *xe;
    enum sb_reason rc;

    *out = NULL;
    if (name == NULL) {
        name = "XML input";
    }
    if (len > SB_XML_MAX_INPUT) {
        return sb_err_set(err, SB_R_INPUT_TOO_LARGE, "%s: %zu bytes, more than the %u accepted", name, len,
                          SB_XML_MAX_INPUT);
    }
    if (len == 0) {
        return sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: empty document", name);
    }
    xmlInitParser();
    /* libxml2 reports canonicalisation and tree errors through this thread's generic handler, which
     * prints to stderr by default; our callers get the reason in err instead */
    xmlSetGenericErrorFunc(NULL, sb_xml_quiet);
    memset(&st, 0, sizeof(st));
    if ((ctxt = xmlCreateMemoryParserCtxt((const char *)in, (int)len)) == NULL || ctxt->sax == NULL) {
        rc = sb_err_set(err, SB_R_INTERNAL, "%s: cannot create an XML parser", name);
        goto err;
    }
    /* never NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    ctxt->validate = 0;
    ctxt->_private = &st;
    ctxt->sax->startElementNs = h_start;
    ctxt->sax->endElementNs = h_end;
    ctxt->sax->comment = h_comment;
    ctxt->sax->processingInstruction = h_pi;
    ctxt->sax->cdataBlock = h_cdata;
    ctxt->sax->internalSubset = h_doctype;
    ctxt->sax->entityDecl = h_entity_decl;
    ctxt->sax->unparsedEntityDecl = h_unparsed_decl;
    ctxt->sax->reference = h_reference;
    ctxt->sax->getEntity = h_get_entity;
    ctxt->sax->getParameterEntity = NULL;
    ctxt->sax->resolveEntity = h_resolve;
    ctxt->sax->externalSubset = NULL;
    (void)xmlParseDocument(ctxt);
    if (st.refused != SB_OK) {
        rc = sb_err_set(err, st.refused, "%s: %s", name, st.why);
        goto err;
    }
    if (!ctxt->wellFormed || ctxt->myDoc == NULL || xmlDocGetRootElement(ctxt->myDoc) == NULL) {
        xe = &ctxt->lastError;
        rc = sb_err_set(err, SB_R_INPUT_MALFORMED, "%s: not well-formed XML (line %d): %.200s", name, xe->line,
                        xe->message != NULL ? xe->message : "no document element");
        goto err;
    }
    *out = ctxt->myDoc;
    ctxt->myDoc = NULL;
    rc = SB_OK;
err:
    if (ctxt != NULL) {
        if (ctxt->myDoc != NULL) {
            xmlFreeDoc(ctxt->myDoc);
            ctxt->myDoc = NULL;
        }
        ctxt->_private = NULL;
        xmlFreeParserCtxt(ctxt);
    }
    if (rc != SB_OK && err != NULL) {
        size_t i, n = strlen(err->msg);

        while (n > 0 && (err->msg[n - 1] == '\n' || err->msg[n - 1] == ' ')) {
            err->msg[--n] = '\0';
        }
        for (i = 0; i < n; i++) {
            if (err->msg[i] == '\n' || err->msg[i] == '\r') {
                err->msg[i] = ' ';
            }
        }
        sb_utf8_sanitize(err->msg);
    }
    return rc;
}

int sb_xml_looks_like(const unsigned char *d, size_t n)
{
    size_t i = 0;

    if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
        i = 3;
    }
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) {
        i++;
    }
    return i < n && d[i] == '<';
}

int sb_xml_is(const xmlNode *n, const char *ns, const char *local)
{
    if (n == NULL || n->type != XML_ELEMENT_NODE || n->name == NULL || strcmp((const char *)n->name, local) != 0) {
        return 0;
    }
    if (ns == NULL) {
        return n->ns == NULL || n->ns->href == NULL || n->ns->href[0] == '\0';
    }
    return n->ns != NULL && n->ns->href != NULL && strcmp((const char *)n->ns->href, ns) == 0;
}

/* The first element among c and its following siblings; NULL when there is none. */
static xmlNodePtr element_from(xmlNodePtr c)
{
    while (c != NULL && c->type != XML_ELEMENT_NODE) {
        c = c->next;
    }
    return c;
}

xmlNodePtr sb_xml_first_elem(const xmlNode *parent)
{
    return element_from(parent != NULL ? parent->children : NULL);
}

xmlNodePtr sb_xml_next_elem(const xmlNode *n)
{
    return element_from(n != NULL ? n->next : NULL);
}

xmlNodePtr sb_xml_child(const xmlNode *parent, const char *ns, const char *local)
{
    xmlNodePtr c = sb_xml_first_elem(parent);

    return c == NULL || sb_xml_is(c, ns, local) ? c : sb_xml_next(c, ns, local);
}

xmlNodePtr sb_xml_next(const xmlNode *n, const char *ns, const char *local)
{
    xmlNodePtr c;

    for (c = sb_xml_next_elem(n); c != NULL; c = sb_xml_next_elem(c)) {
        if (sb_xml_is(c, ns, local)) {
            return c;
        }
    }
    return NULL;
}

xmlChar *sb_xml_attr(const xmlNode *n, const char *name)
{
    return xmlGetNoNsProp(n, (const xmlChar *)name);
}

static int xml_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

xmlChar *sb_xml_text(const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    size_t len, start = 0;

    if (t == NULL) {
        return xmlStrdup((const xmlChar *)"");
    }
    len = strlen((const char *)t);
    while (start < len && xml_space(t[start])) {
        start++;
    }
    while (len > start && xml_space(t[len - 1])) {
        len--;
    }
    memmove(t, t + start, len - start);
    t[len - start] = '\0';
    return t;
}

void sb_xml_path(const xmlNode *n, char *buf, size_t len)
{
    const xmlNode *chain[SB_XML_MAX_DEPTH + 2];
    const xmlNode *s;
    size_t depth = 0, used = 0, i;
    int pos, count, w;

    if (len == 0) {
        return;
    }
    buf[0] = '\0';
    for (; n != NULL && n->type == XML_ELEMENT_NODE && depth < SB_XML_MAX_DEPTH + 2; n = n->parent) {
        chain[depth++] = n;
    }
    for (i = depth; i-- > 0;) {
        n = chain[i];
        pos = 0;
        count = 0;
        for (s = n->parent != NULL ? n->parent->children : NULL; s != NULL; s = s->next) {
            if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, n->name)
                && ((s->ns == NULL && n->ns == NULL)
                    || (s->ns != NULL && n->ns != NULL && xmlStrEqual(s->ns->href, n->ns->href)))) {
                count++;
                if (s == n) {
                    pos = count;
                }
            }
        }
        if (count > 1) {
            w = snprintf(buf + used, len - used, "/%s%s%s[%d]",
                         n->ns != NULL && n->ns->prefix != NULL ? (const char *)n->ns->prefix : "",
                         n->ns != NULL && n->ns->prefix != NULL ? ":" : "", (const char *)n->name, pos);
        } else {
            w = snprintf(buf + used, len - used, "/%s%s%s",
                         n->ns != NULL && n->ns->prefix != NULL ? (const char *)n->ns->prefix : "",
                         n->ns != NULL && n->ns->prefix != NULL ? ":" : "", (const char *)n->name);
        }
        if (w < 0 || (size_t)w >= len - used) {
            buf[len - 1] = '\0';
            break;
        }
        used += (size_t)w;
    }
    sb_utf8_sanitize(buf);
}

enum sb_reason sb_xml_b64_decode(const xmlChar *text, size_t max, unsigned char **out, size_t *out_len,
                                 const char *what, struct sb_err *err)
{
    const char *t = (const char *)text;
    size_t at = 0;

    *out = NULL;
    *out_len = 0;
    if (text == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "%s: no base64 content", what);
    }
    switch (sb_base64_decode(t, strlen(t), max, out, out_len, &at)) {
    case SB_B64_OK:
        return SB_OK;
    case SB_B64_BAD_CHAR:
    case SB_B64_AFTER_PAD:
        return sb_err_set(err, SB_R_FORMAT, "%s: invalid base64 character 0x%02x", what, text[at]);
    case SB_B64_EMPTY:
    case SB_B64_BAD_LENGTH:
        return sb_err_set(err, SB_R_FORMAT, "%s: base64 value is empty or not a multiple of 4 characters", what);
    case SB_B64_TOO_LONG:
        return sb_err_set(err, SB_R_FORMAT, "%s: base64 value longer than %zu bytes", what, max);
    case SB_B64_NO_MEMORY:
    default:
        return sb_err_set(err, SB_R_INTERNAL, "%s: out of memory", what);
    }
}

enum sb_reason sb_xml_b64_encode(const unsigned char *in, size_t len, char **out, struct sb_err *err)
{
    if ((*out = sb_base64_encode(in, len)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "cannot base64-encode %zu bytes", len);
    }
    return SB_OK;
}

int sb_xml_datetime(const char *s, time_t *out)
{
    char buf[64];
    size_t n = s != NULL ? strlen(s) : 0;
    const char *tail;

    if (n < 19 || n > 40) {
        return 0;
    }
    memcpy(buf, s, n + 1);
    /* xs:dateTime without a time zone: take it as UTC */
    tail = buf + 19;
    if (*tail == '.') {
        tail++;
        while (isdigit((unsigned char)*tail)) {
            tail++;
        }
    }
    if (*tail == '\0') {
        buf[n] = 'Z';
        buf[n + 1] = '\0';
    }
    return sb_time_parse_rfc3339(buf, out, NULL) == SB_OK;
}
