/*
 * pki/xml/xmldsig_doc.c — document-level XML-DSig checks (pki/xml/xmldsig_verify_local.h): the Id index (a value
 * used twice is FORMAT), finding the ds:Signature elements, resolving same-document reference URIs,
 * and the listing of unsigned content (refused for trusted lists) that exposes signature wrapping.
 */
#include "pki/xml/xmldsig_verify_local.h"

#include <stdio.h>
#include <string.h>

#include "pki/xml/xml_safe.h"

/* The node after n's subtree in a document-order walk below top (NULL when done). */
static xmlNodePtr after_subtree(xmlNodePtr n, xmlNodePtr top)
{
    while (n != NULL && n != top) {
        if (n->next != NULL) {
            return n->next;
        }
        n = n->parent;
    }
    return NULL;
}

/* Next node of a document-order walk below top (NULL when done). */
static xmlNodePtr walk_next(xmlNodePtr n, xmlNodePtr top)
{
    if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
        return n->children;
    }
    return after_subtree(n, top);
}

/* 1 if attribute a is an Id, ID or xml:id attribute. */
static int is_id_attr(const xmlAttr *a)
{
    if (a->ns == NULL) {
        return xmlStrEqual(a->name, (const xmlChar *)"Id") || xmlStrEqual(a->name, (const xmlChar *)"ID");
    }
    return xmlStrEqual(a->name, (const xmlChar *)"id") && a->ns->href != NULL
           && xmlStrEqual(a->ns->href, (const xmlChar *)SB_XMLNS_XML);
}

enum sb_reason sb_xdv_index_ids(struct sb_xdv_doc *d, struct sb_err *err)
{
    xmlNodePtr root = xmlDocGetRootElement(d->doc), n, prev;
    xmlAttrPtr a;
    xmlChar *v;
    char p1[256], p2[256];
    enum sb_reason rc = SB_OK;

    if ((d->ids = xmlHashCreate(64)) == NULL) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory");
    }
    for (n = root; n != NULL && rc == SB_OK; n = walk_next(n, root)) {
        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (a = n->properties; a != NULL && rc == SB_OK; a = a->next) {
            if (!is_id_attr(a)) {
                continue;
            }
            if ((v = xmlNodeListGetString(d->doc, a->children, 1)) == NULL) {
                v = xmlStrdup((const xmlChar *)"");
            }
            if (v == NULL) {
                return sb_err_set(err, SB_R_INTERNAL, "out of memory");
            }
            prev = xmlHashLookup(d->ids, v);
            if (prev != NULL && prev != n) {
                sb_xml_path(prev, p1, sizeof(p1));
                sb_xml_path(n, p2, sizeof(p2));
                rc = sb_err_set(err, SB_R_FORMAT, "ID '%.100s' is used twice: by %s (line %ld) and by %s (line %ld); "
                                "duplicate IDs are refused (signature wrapping)", (const char *)v, p1,
                                xmlGetLineNo(prev), p2, xmlGetLineNo(n));
            } else if (prev == NULL && xmlHashAddEntry(d->ids, v, n) != 0) {
                rc = sb_err_set(err, SB_R_INTERNAL, "out of memory");
            }
            xmlFree(v);
        }
    }
    return rc;
}

enum sb_reason sb_xdv_find_signatures(struct sb_xdv_doc *d, struct sb_err *err)
{
    xmlNodePtr root = xmlDocGetRootElement(d->doc), n;

    d->n_sigs = 0;
    for (n = root; n != NULL; n = walk_next(n, root)) {
        if (!sb_xml_is(n, SB_XMLNS_DSIG, "Signature")) {
            continue;
        }
        if (d->n_sigs == SB_XMLDSIG_MAX_SIGNATURES) {
            return sb_err_set(err, SB_R_FORMAT, "more than %d ds:Signature elements", SB_XMLDSIG_MAX_SIGNATURES);
        }
        d->sigs[d->n_sigs++] = n;
    }
    if (d->n_sigs == 0) {
        return sb_err_set(err, SB_R_FORMAT, "no ds:Signature element (namespace %s) in the document", SB_XMLNS_DSIG);
    }
    return SB_OK;
}

/* The id inside "xpointer(id('X'))" / xpointer(id("X")) into buf; 0 when frag is not of that form. */
static int xpointer_id(const char *frag, char *buf, size_t len)
{
    size_t n = strlen(frag), idl;
    char q;

    if (n < 16 || strncmp(frag, "xpointer(id(", 12) != 0 || strcmp(frag + n - 2, "))") != 0) {
        return 0;
    }
    q = frag[12];
    if ((q != '\'' && q != '"') || frag[n - 3] != q || n - 16 == 0) {
        return 0;
    }
    idl = n - 16;
    if (idl >= len) {
        return 0;
    }
    memcpy(buf, frag + 13, idl);
    buf[idl] = '\0';
    return strchr(buf, q) == NULL;
}

enum sb_reason sb_xdv_resolve(const struct sb_xdv_doc *d, const char *uri, struct sb_xd_nodeset *set,
                              xmlNodePtr *target, struct sb_err *err)
{
    char id[256];
    const char *frag;
    size_t i;

    memset(set, 0, sizeof(*set));
    *target = NULL;
    if (uri == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "ds:Reference without URI (data outside the document) is refused");
    }
    if (uri[0] == '\0') {
        *target = xmlDocGetRootElement(d->doc);
        return SB_OK;
    }
    if (uri[0] != '#') {
        return sb_err_set(err, SB_R_FORMAT, "reference URI '%.200s' does not point into this document (external "
                          "references are refused)", uri);
    }
    frag = uri + 1;
    if (strcmp(frag, "xpointer(/)") == 0) {
        set->comments = 1;
        *target = xmlDocGetRootElement(d->doc);
        return SB_OK;
    }
    if (xpointer_id(frag, id, sizeof(id))) {
        set->comments = 1;
        frag = id;
    } else {
        for (i = 0; frag[i] != '\0'; i++) {
            if (frag[i] == '(' || frag[i] == ')' || frag[i] == ' ' || frag[i] == '/' || frag[i] == '#') {
                return sb_err_set(err, SB_R_FORMAT, "reference URI '%.200s' is not a same-document ID reference "
                                  "(only \"\", \"#id\", \"#xpointer(/)\" and \"#xpointer(id('id'))\")", uri);
            }
        }
    }
    if (frag[0] == '\0' || (*target = xmlHashLookup(d->ids, (const xmlChar *)frag)) == NULL) {
        return sb_err_set(err, SB_R_FORMAT, "reference URI '%.200s' names no element of this document (no Id, ID "
                          "or xml:id attribute with that value)", uri);
    }
    set->root = *target;
    return SB_OK;
}

/* ---- unsigned content ------------------------------------------------------------------------- */

/* Mark every element and text node of set with marker (skipping the excluded subtree). */
static void mark_set(xmlDocPtr doc, const struct sb_xd_nodeset *set, void *marker)
{
    xmlNodePtr top = set->root != NULL ? set->root : xmlDocGetRootElement(doc), n;

    for (n = top; n != NULL; n = n->parent) {
        if (n == set->exclude) {
            return; /* the whole set lies inside the excluded subtree */
        }
    }
    n = top;
    while (n != NULL) {
        if (n == set->exclude) {
            n = after_subtree(n, top);
            continue;
        }
        n->_private = marker;
        n = walk_next(n, top);
    }
}

static int is_verified_sig(const struct sb_xdv_doc *d, const xmlNode *n)
{
    size_t i;

    for (i = 0; i < d->n_sigs; i++) {
        if (d->sigs[i] == n) {
            return 1;
        }
    }
    return 0;
}

static int ignorable(const xmlNode *n)
{
    return sb_xml_is(n, SB_XMLNS_XADES, "UnsignedProperties") || sb_xml_is(n, SB_XMLNS_XADES141, "UnsignedProperties");
}

static int blank(const xmlChar *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
            return 0;
        }
    }
    return 1;
}

static int is_text(const xmlNode *n)
{
    return n != NULL && (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE);
}

/* The listing in progress. Marks in _private: cov (in a covered node-set), anc (holds covered content or a
 * verified signature). */
struct listing {
    const struct sb_xdv_doc *d;
    struct sb_xmldsig_result *res;
    void *cov, *anc;
    size_t cap;
    int failed;
};

/* "/doc/text()[k]": k counts runs of adjacent text and CDATA nodes, as the XPath data model merges them. */
static void text_path(const xmlNode *n, char *buf, size_t len)
{
    const xmlNode *s;
    char parent[512];
    int k = 0;

    for (s = n->parent->children; s != NULL; s = s->next) {
        if (is_text(s) && !is_text(s->prev)) {
            k++;
        }
        if (s == n) {
            break;
        }
    }
    sb_xml_path(n->parent, parent, sizeof(parent));
    if (snprintf(buf, len, "%.480s/text()[%d]", parent, k) < 0 && len > 0) {
        buf[0] = '\0';
    }
}

static void add_unsigned(struct listing *l, const xmlNode *n, int text)
{
    struct sb_xmldsig_result *r = l->res;
    struct sb_xmldsig_unsigned *u;
    size_t cap;

    if (r->n_unsigned == SB_XMLDSIG_MAX_UNSIGNED) {
        r->n_unsigned_omitted++;
        return;
    }
    if (r->n_unsigned == l->cap) {
        cap = l->cap == 0 ? 8 : l->cap * 2;
        if ((u = OPENSSL_realloc(r->unsigned_content, cap * sizeof(*u))) == NULL) {
            l->failed = 1;
            return;
        }
        r->unsigned_content = u;
        l->cap = cap;
    }
    u = &r->unsigned_content[r->n_unsigned++];
    memset(u, 0, sizeof(*u));
    if (text) {
        text_path(n, u->location, sizeof(u->location));
    } else {
        sb_xml_path(n, u->location, sizeof(u->location));
    }
    u->line = xmlGetLineNo(n);
    u->text = text;
}

/* Mark with anc every ancestor of covered content and of the verified signatures. */
static void mark_ancestors(struct listing *l, xmlNodePtr root)
{
    xmlNodePtr n, p;

    for (n = root; n != NULL; n = walk_next(n, root)) {
        if (n->type != XML_ELEMENT_NODE || (n->_private != l->cov && !is_verified_sig(l->d, n))) {
            continue;
        }
        for (p = n->parent; p != NULL && p->type == XML_ELEMENT_NODE && p->_private == NULL; p = p->parent) {
            p->_private = l->anc;
        }
    }
}

/* List the unsigned content below top, an element holding covered content (or a ds:Object). */
static void list_below(struct listing *l, xmlNodePtr top)
{
    xmlNodePtr n = top->children;

    while (n != NULL) {
        if (n->type == XML_ELEMENT_NODE && is_verified_sig(l->d, n)) {
            n = after_subtree(n, top);                 /* not content (its ds:Object elements: below) */
            continue;
        }
        if (n->type == XML_ELEMENT_NODE && n->_private == l->anc) {
            n = walk_next(n, top);                     /* descend: it holds covered content */
            continue;
        }
        if (n->type == XML_ELEMENT_NODE && n->_private != l->cov && !ignorable(n)) {
            add_unsigned(l, n, 0);                     /* outermost: nothing below it is covered */
        } else if (is_text(n) && n->_private != l->cov && !blank(n->content)) {
            add_unsigned(l, n, 1);
        }
        n = after_subtree(n, top);
    }
}

/* Reset every _private of the document's element and text nodes. */
static void unmark(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), n;

    for (n = root; n != NULL; n = walk_next(n, root)) {
        n->_private = NULL;
    }
}

enum sb_reason sb_xdv_list_unsigned(const struct sb_xdv_doc *d, struct sb_xmldsig_result *res, int refuse,
                                    struct sb_err *err)
{
    struct listing l;
    char marks[2];
    xmlNodePtr root = xmlDocGetRootElement(d->doc), obj;
    const struct sb_xmldsig_unsigned *u;
    char where[600];
    size_t i;
    enum sb_reason rc = SB_OK;

    memset(&l, 0, sizeof(l));
    l.d = d;
    l.res = res;
    l.cov = &marks[0];
    l.anc = &marks[1];
    for (i = 0; i < d->n_cover; i++) {
        mark_set(d->doc, &d->cover[i], l.cov);
    }
    mark_ancestors(&l, root);
    if (is_verified_sig(d, root) || root->_private == l.cov) {
        /* an enveloping signature, or the whole document covered: only ds:Object content is left */
    } else if (root->_private == l.anc) {
        list_below(&l, root);
    } else {
        add_unsigned(&l, root, 0);
    }
    /* the content of the verified signatures' ds:Object elements is listed too */
    for (i = 0; i < d->n_sigs; i++) {
        for (obj = sb_xml_child(d->sigs[i], SB_XMLNS_DSIG, "Object"); obj != NULL;
             obj = sb_xml_next(obj, SB_XMLNS_DSIG, "Object")) {
            if (obj->_private != l.cov) {
                list_below(&l, obj);
            }
        }
    }
    unmark(d->doc);
    if (l.failed) {
        return sb_err_set(err, SB_R_INTERNAL, "out of memory listing unsigned content");
    }
    if (refuse && res->n_unsigned > 0) {
        u = &res->unsigned_content[0];
        snprintf(where, sizeof(where), "%s", u->location);
        if (u->text && strstr(where, "/text()[") != NULL) {
            *strstr(where, "/text()[") = '\0';
        }
        rc = sb_err_set(err, SB_R_FORMAT, "unsigned content: %s%s (line %ld) is not covered by any signature "
                        "reference (possible signature wrapping)", u->text ? "text in " : "", where, u->line);
    }
    return rc;
}
